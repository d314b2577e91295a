-- schema/006_competing_files.sql: which file a run is built from when several
-- files give it the same stream.
--
-- A run's GPU, CPU, epoch-end or Keras history log can reach the database from
-- more than one path: the copy inside a data.zip and a copy in a directory that
-- the logger kept writing to, an older backup read after the newer file, two
-- members of one name in a zip. The choice must follow the content, never the
-- order of ingestion:
--   * a file whose every stored row is also stored, line for line with the same
--     values, by another file of the same run and role is *extended* by it (the
--     grown copy extends the copy cut short); when two files store the same rows,
--     the one with more lines extends the other (then the smaller sha256 wins);
--   * of the files that nothing extends, the run is built from the one with the
--     most rows (then the most lines, then the smaller sha256);
--   * two or more files that nothing extends *diverge*: a conflict, listed in
--     run_file_conflict, shown by `wattdb status` and warned of by the transform.

-- Every file a run's role can be read from: a duplicate path stands for the
-- file that owns its rows.
CREATE VIEW run_file AS
SELECT DISTINCT sf.run_id,
       CASE sf.format WHEN 'eprof-gpu' THEN 'gpu' WHEN 'eprof-cpu' THEN 'cpu'
                      WHEN 'eprof-epoch' THEN 'epoch' ELSE 'perf' END AS role,
       coalesce(o.id, sf.id) AS file_id
  FROM source_file sf LEFT JOIN source_file o ON o.id = sf.duplicate_of
 WHERE sf.run_id IS NOT NULL
   AND sf.format IN ('eprof-gpu', 'eprof-cpu', 'eprof-epoch', 'keras-history')
   AND (sf.status IN ('ok', 'partial') OR (sf.status = 'duplicate' AND o.status IN ('ok', 'partial')));

-- For two files a, b of one run and role: a_in_b = 1 when every row a stored
-- is stored by b at the same line with the same values.
CREATE VIEW run_file_cover AS
SELECT a.run_id, a.role, a.file_id AS a, b.file_id AS b,
       CASE a.role
       WHEN 'gpu' THEN NOT EXISTS (
         SELECT 1 FROM eprof_gpu_sample x WHERE x.file_id = a.file_id AND NOT EXISTS (
           SELECT 1 FROM eprof_gpu_sample y
            WHERE y.file_id = b.file_id AND y.line = x.line AND y.ts_us IS x.ts_us
              AND y.gpu_name IS x.gpu_name AND y.gpu_util_pct IS x.gpu_util_pct
              AND y.mem_util_pct IS x.mem_util_pct AND y.mem_total_mib IS x.mem_total_mib
              AND y.mem_used_mib IS x.mem_used_mib AND y.power_w IS x.power_w
              AND y.power_limit_w IS x.power_limit_w AND y.temp_c IS x.temp_c))
       WHEN 'cpu' THEN NOT EXISTS (
         SELECT 1 FROM eprof_cpu_sample x WHERE x.file_id = a.file_id AND NOT EXISTS (
           SELECT 1 FROM eprof_cpu_sample y
            WHERE y.file_id = b.file_id AND y.line = x.line AND y.ts_us IS x.ts_us
              AND y.cpu_pct IS x.cpu_pct AND y.rss_mb IS x.rss_mb AND y.temp_c IS x.temp_c
              AND y.total_ram_gb IS x.total_ram_gb))
       WHEN 'epoch' THEN NOT EXISTS (
         SELECT 1 FROM eprof_epoch_end x WHERE x.file_id = a.file_id AND NOT EXISTS (
           SELECT 1 FROM eprof_epoch_end y
            WHERE y.file_id = b.file_id AND y.line = x.line AND y.epoch IS x.epoch
              AND y.end_us IS x.end_us))
       ELSE NOT EXISTS (
         SELECT 1 FROM eprof_epoch_metric x WHERE x.file_id = a.file_id AND NOT EXISTS (
           SELECT 1 FROM eprof_epoch_metric y
            WHERE y.file_id = b.file_id AND y.line = x.line AND y.metric = x.metric
              AND y.epoch IS x.epoch AND y.value IS x.value))
       END AS a_in_b
  FROM run_file a JOIN run_file b ON b.run_id = a.run_id AND b.role = a.role AND b.file_id <> a.file_id;

-- Every candidate with whether another file extends it and, among those that
-- nothing extends, its rank (1: the file the run is built from).
CREATE VIEW run_file_choice AS
WITH candidate AS (
  SELECT f.run_id, f.role, f.file_id, sf.path, sf.rows_ok, sf.lines, sf.sha256,
         EXISTS (
           SELECT 1 FROM run_file_cover c JOIN source_file e ON e.id = c.b
            WHERE c.run_id = f.run_id AND c.role = f.role AND c.a = f.file_id AND c.a_in_b
              AND (NOT (SELECT d.a_in_b FROM run_file_cover d
                         WHERE d.run_id = c.run_id AND d.role = c.role AND d.a = c.b AND d.b = c.a)
                   OR e.lines > sf.lines OR (e.lines = sf.lines AND e.sha256 < sf.sha256))
         ) AS extended
    FROM run_file f JOIN source_file sf ON sf.id = f.file_id)
SELECT run_id, role, file_id, path, rows_ok, lines, sha256, extended,
       CASE WHEN extended THEN NULL ELSE
         row_number() OVER (PARTITION BY run_id, role, extended
                            ORDER BY rows_ok DESC, lines DESC, sha256) END AS rank
  FROM candidate;

-- Runs whose files of one role diverge: none extends the other.
CREATE VIEW run_file_conflict AS
SELECT r.environment, r.architecture, r.dataset, r.stamp, c.role, count(*) AS files,
       max(CASE WHEN c.rank = 1 THEN c.path END) AS chosen,
       group_concat(CASE WHEN c.rank > 1 THEN c.path END, ' | ') AS diverging
  FROM run_file_choice c JOIN run r ON r.id = c.run_id
 WHERE NOT c.extended
 GROUP BY c.run_id, c.role HAVING count(*) > 1;
