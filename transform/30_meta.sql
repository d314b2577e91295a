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
--   performance-T.csv (eprof_epoch_metric): the LAST epoch's val_accuracy (or
--     val_binary_accuracy), val_auc, val_precision, val_recall; f1 = 2PR/(P+R);
--   the CPU file's total memory label for total_ram_gb (in v_run);
--   out/oom-experiments*.csv (eprof_launch): the return code of the launch of the
--     same architecture, dataset, batch size and image size (a requested size below
--     75 counts as 75, the clamp of inception_v3) that started within the minute
--     before the run's stamp, the latest such launch.
-- paired_by says which key found the metadata row: 'manifest stamp' (runs.csv),
-- else run_metadata_pair's 'stamp', 'ordinal' or 'dataset ordinal'.

DELETE FROM run_meta;
INSERT INTO run_meta(run_id, batch_size, image_size, train_size, validation_size, gflops,
  accuracy, auc, precision, recall, f1, total_ram_gb, metrics_source, launch_return_code,
  split_number, trained_epochs, measured_epochs, total_seen_images, return_code, paired_by,
  metadata_file_id, metadata_line)
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
j AS (
  SELECT r.id AS run_id, COALESCE(man.batch_size, md.batch_size) AS batch_size,
         COALESCE(man.image_size, md.image_size) AS image_size,
         COALESCE(man.train_size, md.train_size) AS train_size,
         COALESCE(man.validation_size, md.validation_size) AS validation_size,
         COALESCE(man.gflops, md.gflops) AS gflops,
         COALESCE(man.accuracy, md.accuracy, perf.acc) AS accuracy,
         COALESCE(man.auc, md.auc, perf.auc) AS auc,
         COALESCE(man.precision, md.precision, perf.prec) AS prec,
         COALESCE(man.recall, md.recall, perf.rec) AS rec,
         COALESCE(man.f1, md.f1) AS f1, COALESCE(man.total_ram_gb, md.total_ram_gb) AS total_ram_gb,
         CASE WHEN man.accuracy IS NOT NULL THEN 'manifest'
              WHEN md.accuracy IS NOT NULL THEN 'run-metadata'
              WHEN perf.acc IS NOT NULL THEN 'performance' END AS src,
         COALESCE(man.split_number, md.split_number) AS split_number,
         COALESCE(man.trained_epochs, md.trained_epochs) AS trained_epochs,
         COALESCE(man.measured_epochs, md.measured_epochs) AS measured_epochs,
         COALESCE(man.total_seen_images, md.total_seen_images) AS total_seen_images,
         COALESCE(man.return_code, md.return_code) AS return_code,
         CASE WHEN man.run_id IS NOT NULL THEN 'manifest stamp' ELSE md.paired_by END AS paired_by,
         CASE WHEN man.run_id IS NOT NULL THEN man.file_id ELSE md.file_id END AS meta_file,
         CASE WHEN man.run_id IS NOT NULL THEN man.line ELSE md.line END AS meta_line,
         CAST(strftime('%s', substr(r.stamp, 1, 4) || '-' || substr(r.stamp, 5, 2) || '-' ||
              substr(r.stamp, 7, 2) || ' ' || substr(r.stamp, 10, 2) || ':' ||
              substr(r.stamp, 12, 2) || ':' || substr(r.stamp, 14, 2)) AS INTEGER) * 1000000 AS stamp_us,
         r.architecture, r.dataset
  FROM run r LEFT JOIN man ON man.run_id = r.id LEFT JOIN md ON md.run_id = r.id
  LEFT JOIN perf ON perf.run_id = r.id)
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
       j.paired_by, j.meta_file, j.meta_line
FROM j ORDER BY j.run_id;

UPDATE processed_run SET
  carbon_intensity_g_per_kwh = COALESCE((SELECT value FROM setting WHERE name = 'carbon_intensity_g_per_kwh'), 232),
  pue = COALESCE((SELECT value FROM setting WHERE name = 'pue'), 1.0);
UPDATE processed_run SET emissions_g = energy_j / 3.6e6 * carbon_intensity_g_per_kwh * pue;
