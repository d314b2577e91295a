-- transform/30_meta.sql: run metadata the logs do not hold, for every run, and
-- the emissions of every processed row from the current settings. Cheap (one row
-- per run), so recomputed by every transform: a changed runs.csv, launch manifest
-- or setting takes effect without the samples being touched.
--
-- Sources, first non-NULL wins:
--   runs.csv (run_manifest): the newest row for (environment, architecture, dataset, stamp);
--   performance-T.csv (eprof_epoch_metric): the LAST epoch's val_accuracy (or
--     val_binary_accuracy), val_auc, val_precision, val_recall; f1 = 2PR/(P+R);
--   the CPU file's total memory label for total_ram_gb (in v_run);
--   out/oom-experiments*.csv (eprof_launch): the return code of the launch of the
--     same architecture, dataset, batch size and image size (a requested size below
--     75 counts as 75, the clamp of inception_v3) that started within the minute
--     before the run's stamp, the latest such launch.

DELETE FROM run_meta;
INSERT INTO run_meta(run_id, batch_size, image_size, train_size, validation_size, gflops,
  accuracy, auc, precision, recall, f1, total_ram_gb, metrics_source, launch_return_code)
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
j AS (
  SELECT r.id AS run_id, man.batch_size, man.image_size, man.train_size, man.validation_size,
         man.gflops, COALESCE(man.accuracy, perf.acc) AS accuracy, COALESCE(man.auc, perf.auc) AS auc,
         COALESCE(man.precision, perf.prec) AS prec, COALESCE(man.recall, perf.rec) AS rec,
         man.f1 AS f1, man.total_ram_gb,
         CASE WHEN man.accuracy IS NOT NULL THEN 'manifest'
              WHEN perf.acc IS NOT NULL THEN 'performance' END AS src,
         CAST(strftime('%s', substr(r.stamp, 1, 4) || '-' || substr(r.stamp, 5, 2) || '-' ||
              substr(r.stamp, 7, 2) || ' ' || substr(r.stamp, 10, 2) || ':' ||
              substr(r.stamp, 12, 2) || ':' || substr(r.stamp, 14, 2)) AS INTEGER) * 1000000 AS stamp_us,
         r.architecture, r.dataset
  FROM run r LEFT JOIN man ON man.run_id = r.id LEFT JOIN perf ON perf.run_id = r.id)
SELECT j.run_id, j.batch_size, j.image_size, j.train_size, j.validation_size, j.gflops,
       j.accuracy, j.auc, j.prec, j.rec,
       COALESCE(j.f1, CASE WHEN j.prec + j.rec > 0 THEN 2 * j.prec * j.rec / (j.prec + j.rec) END),
       j.total_ram_gb, j.src,
       (SELECT l.return_code FROM eprof_launch l
        WHERE l.architecture = j.architecture AND l.dataset = j.dataset
          AND l.start_us BETWEEN j.stamp_us - 60000000 AND j.stamp_us
          AND l.batch_size = j.batch_size
          AND (l.input_size = j.image_size OR (j.image_size = 75 AND l.input_size < 75))
        ORDER BY l.start_us DESC, l.file_id DESC, l.line DESC LIMIT 1)
FROM j ORDER BY j.run_id;

UPDATE processed_run SET
  carbon_intensity_g_per_kwh = COALESCE((SELECT value FROM setting WHERE name = 'carbon_intensity_g_per_kwh'), 232),
  pue = COALESCE((SELECT value FROM setting WHERE name = 'pue'), 1.0);
UPDATE processed_run SET emissions_g = energy_j / 3.6e6 * carbon_intensity_g_per_kwh * pue;
