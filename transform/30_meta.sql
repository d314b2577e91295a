-- transform/30_meta.sql: run metadata the logs do not hold, for every run, and
-- the emissions of every processed row from the current settings. Cheap (one row
-- per run), so recomputed by every transform: a changed runs.csv, launch manifest
-- or setting takes effect without the samples being touched.
--
-- Sources, first non-NULL wins, column by column:
--   runs.csv (run_manifest): the newest row for (environment, architecture, dataset, stamp);
--   the study's run metadata (run_metadata, format run-metadata): the newest row
--     that view run_metadata_pair (schema/007_run_metadata.sql) pairs with the
--     run: by stamp, or by the run's ordinal among its environment and
--     architecture's runs (within its dataset when the file names one) in stamp order;
--   an MLflow run (mlflow_run_meta, below) attached to the run by time overlap;
--   performance-T.csv (eprof_epoch_metric): the LAST epoch's val_accuracy (or
--     val_binary_accuracy), val_auc, val_precision, val_recall; f1 = 2PR/(P+R);
--   the CPU file's total memory label for total_ram_gb (in v_run);
--   out/oom-experiments*.csv (eprof_launch): the return code of the launch of the
--     same architecture, dataset, batch size and image size (a requested size below
--     75 counts as 75, the clamp of inception_v3) that started within the minute
--     before the run's stamp, the latest such launch.
-- paired_by says which key found the metadata row: 'manifest stamp' (runs.csv),
-- else run_metadata_pair's 'stamp', 'ordinal' or 'dataset ordinal', else
-- 'mlflow overlap'.

-- ---- MLflow runs (schema/015_mlflow.sql) ------------------------------------
-- Every active MLflow run (v_mlflow_run.skipped IS NULL: deleted runs and
-- experiments, older copies and runs outside their experiment left out) with
-- the values the replication package reads from MLflow, keys compared without
-- case (`Epochs` = `epochs`):
--   params batch_size, image_size ('(128, 128)' reads 128), train_size,
--   validation_size, split_number; metrics (final value, mlflow_metric_final)
--   val_accuracy (else val_binary_accuracy), val_auc, val_precision,
--   val_recall, trained_epochs, MACCS (gflops = MACCS x 2 x 1e-9, else a
--   gflops param or metric); tags environment, model (architecture), dataset.
-- Every param is kept in `params` (JSON); the rest stays in the raw tables.
-- A param is a number when it reads as a JSON number (what str() of a Python
-- int or float writes: 32, 0.001, 1e-05); an integer column takes a whole
-- number, else NULL.
--
-- Attachment: the MLflow run's [start_time, end_time] (UTC; an unfinished run
-- ends at its last metric) plus the offset local - UTC is compared with each
-- eprof run's span (processed_run: first start_us to last end_us over the
-- profiles, naive local); the run with the longest overlap is attached, each
-- eprof run taking at most one MLflow run (its longest overlap). The offset:
--   'given'     the setting local_utc_offset_s (--utc-offset S);
--   'wattmeter' else the offset transform/clock.c estimated for the UTC
--               wattmeter logs (clock_offset, method 'estimated': the most
--               common; as last stored, clock.c running later in a transform);
--   'overlap'   else, of the whole and quarter-hour shifts from -14 h to +14 h,
--               the one under which the MLflow runs overlap the eprof runs the
--               most (ties: the smallest shift);
--   NULL        no eprof run within 14 h of any MLflow run: none attached.
-- An MLflow run attached to no eprof run is a row of v_run of its own
-- (profile 'mlflow', run_id NULL).
DELETE FROM mlflow_run_meta;
INSERT INTO mlflow_run_meta(mlflow_run_id, file_id, experiment_id, experiment_name, run_name,
  status_name, unfinished, start_time_ms, end_time_ms, run_id, offset_s, offset_method, overlap_s,
  environment, architecture, dataset, batch_size, image_size, train_size, validation_size,
  split_number, gflops, accuracy, auc, precision, recall, trained_epochs, params)
WITH mr AS (
  SELECT *, CASE WHEN end_time_ms IS NOT NULL THEN end_time_ms
                 ELSE max(start_time_ms, COALESCE(last_metric_ms, start_time_ms)) END AS end_ms
  FROM v_mlflow_run WHERE skipped IS NULL),
kv AS (
  SELECT v.mlflow_run_id AS id, v.kind AS src, v.key, lower(v.key) AS k, trim(v.value) AS t, NULL AS num,
         v.value
  FROM mlflow_run_value v JOIN mr ON mr.mlflow_run_id = v.mlflow_run_id
  UNION ALL
  SELECT f.mlflow_run_id, 'metric', f.key, lower(f.key), NULL, f.value, NULL
  FROM mlflow_metric_final f JOIN mr ON mr.mlflow_run_id = f.mlflow_run_id),
kn AS (
  SELECT id, src, key, k, t, value,
         COALESCE(num, CASE WHEN json_valid(t) THEN
                              CASE WHEN json_type(t) IN ('integer', 'real') THEN CAST(t AS REAL) END
                            WHEN k = 'image_size' AND t GLOB '[([]*[0-9]*'
                              THEN CAST(ltrim(t, '([ ') AS INTEGER) END) AS num
  FROM kv),
ki AS (SELECT *, CASE WHEN num = CAST(num AS INTEGER) THEN CAST(num AS INTEGER) END AS whole FROM kn),
pv AS (
  SELECT id,
         max(CASE WHEN src = 'tag' AND k = 'environment' THEN t END) AS environment,
         max(CASE WHEN src = 'tag' AND k = 'model' THEN t END) AS architecture,
         max(CASE WHEN src = 'tag' AND k = 'dataset' THEN t END) AS dataset,
         max(CASE WHEN src = 'param' AND k = 'batch_size' THEN whole END) AS batch_size,
         max(CASE WHEN src = 'param' AND k = 'image_size' THEN whole END) AS image_size,
         max(CASE WHEN src = 'param' AND k = 'train_size' THEN whole END) AS train_size,
         max(CASE WHEN src = 'param' AND k = 'validation_size' THEN whole END) AS validation_size,
         max(CASE WHEN src = 'param' AND k = 'split_number' THEN whole END) AS split_number,
         COALESCE(max(CASE WHEN src = 'metric' AND k = 'maccs' THEN num END) * 2 * 1e-9,
                  max(CASE WHEN src <> 'tag' AND k = 'gflops' THEN num END)) AS gflops,
         COALESCE(max(CASE WHEN src = 'metric' AND k = 'val_accuracy' THEN num END),
                  max(CASE WHEN src = 'metric' AND k = 'val_binary_accuracy' THEN num END)) AS accuracy,
         max(CASE WHEN src = 'metric' AND k = 'val_auc' THEN num END) AS auc,
         max(CASE WHEN src = 'metric' AND k = 'val_precision' THEN num END) AS prec,
         max(CASE WHEN src = 'metric' AND k = 'val_recall' THEN num END) AS rec,
         max(CASE WHEN src = 'metric' AND k = 'trained_epochs' THEN whole END) AS trained_epochs,
         json_group_object(key, value) FILTER (WHERE src = 'param') AS params
  FROM ki GROUP BY id),
spans AS (
  SELECT run_id, min(start_us) AS s, max(end_us) AS e FROM processed_run
  WHERE start_us IS NOT NULL AND end_us > start_us GROUP BY run_id),
lim AS (SELECT 50400 AS max_s, 900 AS step_s),  -- shifts of +-14 h by 15 min
shifts(sh) AS (SELECT -max_s FROM lim UNION ALL SELECT sh + step_s FROM shifts, lim WHERE sh < max_s),
cand AS (
  SELECT mr.mlflow_run_id AS id, mr.start_time_ms * 1000 AS ms, mr.end_ms * 1000 AS me, sp.run_id, sp.s, sp.e
  FROM mr, lim JOIN spans sp ON sp.s < mr.end_ms * 1000 + max_s * 1000000 AND sp.e > mr.start_time_ms * 1000 - max_s * 1000000
  WHERE mr.start_time_ms IS NOT NULL),
score AS (
  SELECT sh, sum(ov) AS total FROM (
    SELECT sh, id, max(min(e, me + sh * 1000000) - max(s, ms + sh * 1000000)) AS ov FROM cand, shifts GROUP BY sh, id)
  WHERE ov > 0 GROUP BY sh),
given AS (SELECT CAST(value AS INTEGER) AS off FROM setting WHERE name = 'local_utc_offset_s'),
wm AS (SELECT offset_s AS off FROM clock_offset WHERE method = 'estimated'
       GROUP BY offset_s ORDER BY count(*) DESC, abs(offset_s) LIMIT 1),
est AS (SELECT sh AS off FROM score ORDER BY total DESC, abs(sh), sh LIMIT 1),
chosen AS (
  SELECT CASE WHEN EXISTS (SELECT 1 FROM given) THEN (SELECT off FROM given)
              WHEN EXISTS (SELECT 1 FROM wm) THEN (SELECT off FROM wm)
              ELSE (SELECT off FROM est) END AS off,
         CASE WHEN EXISTS (SELECT 1 FROM given) THEN 'given' WHEN EXISTS (SELECT 1 FROM wm) THEN 'wattmeter'
              WHEN EXISTS (SELECT 1 FROM est) THEN 'overlap' END AS method),
pair AS (
  SELECT id, run_id, ov,
         row_number() OVER (PARTITION BY id ORDER BY ov DESC, run_id) AS a,
         row_number() OVER (PARTITION BY run_id ORDER BY ov DESC, id) AS b
  FROM (SELECT c.id, c.run_id, (min(c.e, c.me + ch.off * 1000000) - max(c.s, c.ms + ch.off * 1000000)) / 1e6 AS ov
        FROM cand c, chosen ch WHERE ch.off IS NOT NULL)
  WHERE ov > 0)
SELECT mr.mlflow_run_id, mr.file_id, mr.experiment_id, mr.experiment_name, mr.run_name, mr.status_name,
       mr.unfinished, mr.start_time_ms, mr.end_ms, pr.run_id,
       CASE WHEN EXISTS (SELECT 1 FROM cand) OR ch.method = 'given' THEN ch.off END,
       CASE WHEN EXISTS (SELECT 1 FROM cand) OR ch.method = 'given' THEN ch.method END, pr.ov,
       pv.environment, pv.architecture, pv.dataset, pv.batch_size, pv.image_size, pv.train_size,
       pv.validation_size, pv.split_number, pv.gflops, pv.accuracy, pv.auc, pv.prec, pv.rec,
       pv.trained_epochs, COALESCE(pv.params, '{}')
FROM mr CROSS JOIN chosen ch LEFT JOIN pv ON pv.id = mr.mlflow_run_id
LEFT JOIN pair pr ON pr.id = mr.mlflow_run_id AND pr.a = 1 AND pr.b = 1;

DELETE FROM run_meta;
INSERT INTO run_meta(run_id, batch_size, image_size, train_size, validation_size, gflops,
  accuracy, auc, precision, recall, f1, total_ram_gb, metrics_source, launch_return_code,
  split_number, trained_epochs, measured_epochs, total_seen_images, return_code, paired_by,
  metadata_file_id, metadata_line, mlflow_run_id)
WITH perf AS (
  SELECT i.run_id,
         max(CASE WHEN m.metric IN ('val_accuracy', 'val_binary_accuracy') THEN m.value END) AS acc,
         max(CASE WHEN m.metric = 'val_auc' THEN m.value END) AS auc,
         max(CASE WHEN m.metric = 'val_precision' THEN m.value END) AS prec,
         max(CASE WHEN m.metric = 'val_recall' THEN m.value END) AS rec
  FROM tf_input i JOIN eprof_epoch_metric m ON m.file_id = i.file_id
  WHERE i.role = 'perf'
    AND m.line = (SELECT max(line) FROM eprof_epoch_metric WHERE file_id = i.file_id)
  GROUP BY i.run_id),
man AS (
  SELECT r.id AS run_id, rm.*
  FROM run r JOIN run_manifest rm
    ON (rm.file_id, rm.line) = (SELECT file_id, line FROM run_manifest x
                                WHERE x.environment = r.environment AND x.architecture = r.architecture
                                  AND x.dataset = r.dataset AND x.stamp = r.stamp
                                ORDER BY file_id DESC, line DESC LIMIT 1)),
pair AS (
  SELECT run_id, file_id, line, paired_by,
         row_number() OVER (PARTITION BY run_id ORDER BY file_id DESC, line DESC) AS k
  FROM run_metadata_pair WHERE run_id IS NOT NULL),
md AS (
  SELECT p.run_id, p.paired_by, d.*
  FROM pair p JOIN run_metadata d ON d.file_id = p.file_id AND d.line = p.line
  WHERE p.k = 1),
ml AS (SELECT * FROM mlflow_run_meta WHERE run_id IS NOT NULL),
j AS (
  SELECT r.id AS run_id, COALESCE(man.batch_size, md.batch_size, ml.batch_size) AS batch_size,
         COALESCE(man.image_size, md.image_size, ml.image_size) AS image_size,
         COALESCE(man.train_size, md.train_size, ml.train_size) AS train_size,
         COALESCE(man.validation_size, md.validation_size, ml.validation_size) AS validation_size,
         COALESCE(man.gflops, md.gflops, ml.gflops) AS gflops,
         COALESCE(man.accuracy, md.accuracy, ml.accuracy, perf.acc) AS accuracy,
         COALESCE(man.auc, md.auc, ml.auc, perf.auc) AS auc,
         COALESCE(man.precision, md.precision, ml.precision, perf.prec) AS prec,
         COALESCE(man.recall, md.recall, ml.recall, perf.rec) AS rec,
         COALESCE(man.f1, md.f1) AS f1, COALESCE(man.total_ram_gb, md.total_ram_gb) AS total_ram_gb,
         CASE WHEN man.accuracy IS NOT NULL THEN 'manifest'
              WHEN md.accuracy IS NOT NULL THEN 'run-metadata'
              WHEN ml.accuracy IS NOT NULL THEN 'mlflow'
              WHEN perf.acc IS NOT NULL THEN 'performance' END AS src,
         COALESCE(man.split_number, md.split_number, ml.split_number) AS split_number,
         COALESCE(man.trained_epochs, md.trained_epochs, ml.trained_epochs) AS trained_epochs,
         COALESCE(man.measured_epochs, md.measured_epochs) AS measured_epochs,
         COALESCE(man.total_seen_images, md.total_seen_images) AS total_seen_images,
         COALESCE(man.return_code, md.return_code) AS return_code,
         CASE WHEN man.run_id IS NOT NULL THEN 'manifest stamp'
              ELSE COALESCE(md.paired_by, CASE WHEN ml.run_id IS NOT NULL THEN 'mlflow overlap' END) END AS paired_by,
         CASE WHEN man.run_id IS NOT NULL THEN man.file_id ELSE COALESCE(md.file_id, ml.file_id) END AS meta_file,
         CASE WHEN man.run_id IS NOT NULL THEN man.line ELSE md.line END AS meta_line,
         CAST(strftime('%s', substr(r.stamp, 1, 4) || '-' || substr(r.stamp, 5, 2) || '-' ||
              substr(r.stamp, 7, 2) || ' ' || substr(r.stamp, 10, 2) || ':' ||
              substr(r.stamp, 12, 2) || ':' || substr(r.stamp, 14, 2)) AS INTEGER) * 1000000 AS stamp_us,
         r.architecture, r.dataset, ml.mlflow_run_id
  FROM run r LEFT JOIN man ON man.run_id = r.id LEFT JOIN md ON md.run_id = r.id
  LEFT JOIN ml ON ml.run_id = r.id LEFT JOIN perf ON perf.run_id = r.id)
SELECT j.run_id, j.batch_size, j.image_size, j.train_size, j.validation_size, j.gflops,
       j.accuracy, j.auc, j.prec, j.rec,
       COALESCE(j.f1, CASE WHEN j.prec + j.rec > 0 THEN 2 * j.prec * j.rec / (j.prec + j.rec) END),
       j.total_ram_gb, j.src,
       (SELECT l.return_code FROM eprof_launch l
        WHERE l.architecture = j.architecture AND l.dataset = j.dataset
          AND l.start_us BETWEEN j.stamp_us - 60000000 AND j.stamp_us
          AND l.batch_size = j.batch_size
          AND (l.input_size = j.image_size OR (j.image_size = 75 AND l.input_size < 75))
        ORDER BY l.start_us DESC, l.file_id DESC, l.line DESC LIMIT 1),
       j.split_number, j.trained_epochs, j.measured_epochs, j.total_seen_images, j.return_code,
       j.paired_by, j.meta_file, j.meta_line, j.mlflow_run_id
FROM j ORDER BY j.run_id;

UPDATE processed_run SET
  carbon_intensity_g_per_kwh = COALESCE((SELECT value FROM setting WHERE name = 'carbon_intensity_g_per_kwh'), 232),
  pue = COALESCE((SELECT value FROM setting WHERE name = 'pue'), 1.0);
UPDATE processed_run SET emissions_g = energy_j / 3.6e6 * carbon_intensity_g_per_kwh * pue;
