-- push/pg/008_segments.sql: the aligned samples as segments on the server, as
-- in the local schema (schema/021_segments.sql): the mirrored table
-- interim_segment (made from the local schema before this file runs), the view
-- interim_sample with the columns of the table it replaces (plus origin and
-- host), and v_sample over it, in PostgreSQL's dialect, with the columns of the
-- local one plus the origin and host of the run's per-run rows.
--
-- A server that a push of an earlier release made has a table interim_sample:
-- its rows are cut into maximal segments here (a sample starts one unless it
-- follows the previous sample of its run by one seq, one GPU line, one CPU line
-- or none for both, with its span, epoch and gaissa), since a run whose local
-- rows have not changed is not sent again. Then the table goes, and v_sample,
-- which reads it, with it; another view of the lab's that reads the table
-- stops the upgrade (no CASCADE) rather than being dropped unseen.
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE c.relname = 'interim_sample' AND n.nspname = current_schema()
               AND c.relkind = 'r') THEN
    INSERT INTO interim_segment (run_id, seq0, n, gpu_line0, cpu_line0, span, epoch, gaissa,
                                 origin, host)
    WITH marked AS (
      SELECT run_id, seq, gpu_line, cpu_line, span, epoch, gaissa, origin, host,
             CASE WHEN lag(seq) OVER w = seq - 1 AND lag(gpu_line) OVER w = gpu_line - 1
                   AND (CASE WHEN cpu_line IS NULL THEN lag(cpu_line) OVER w IS NULL
                             ELSE lag(cpu_line) OVER w = cpu_line - 1 END)
                   AND lag(span) OVER w = span
                   AND lag(epoch) OVER w IS NOT DISTINCT FROM epoch
                   AND lag(gaissa) OVER w = gaissa
                  THEN 0 ELSE 1 END AS starts
      FROM interim_sample WINDOW w AS (PARTITION BY run_id, origin, host ORDER BY seq)),
    numbered AS (
      SELECT *, sum(starts) OVER (PARTITION BY run_id, origin, host ORDER BY seq
                                  ROWS UNBOUNDED PRECEDING) AS k
      FROM marked)
    SELECT run_id, min(seq), count(*), min(gpu_line), min(cpu_line), span, epoch, gaissa,
           origin, host
    FROM numbered GROUP BY run_id, origin, host, k, span, epoch, gaissa;
    DROP VIEW IF EXISTS v_sample;
    DROP TABLE interim_sample;
  END IF;
END $$;

-- A sample: its segment's row at the sample's offset in it. interim_run's file
-- ids and the raw rows' file_id are both file_content ids on the server, so the
-- join is the local one.
CREATE VIEW interim_sample AS
SELECT s.run_id, s.seq0 + (g.line - s.gpu_line0) AS seq, g.line AS gpu_line,
       s.cpu_line0 + (g.line - s.gpu_line0) AS cpu_line, s.span, s.epoch, s.gaissa,
       s.origin, s.host
FROM interim_segment s JOIN interim_run i ON i.run_id = s.run_id
JOIN eprof_gpu_sample g ON g.file_id = i.gpu_file_id
 AND g.line BETWEEN s.gpu_line0 AND s.gpu_line0 + s.n - 1;

-- v_sample, as 004_sample.sql first made it. Microseconds over 1e6 are cast to
-- float8 first (PostgreSQL would make them numeric).
CREATE VIEW v_sample AS
SELECT 'default'::text AS profile, s.run_id, r.environment, r.architecture, r.dataset, r.stamp,
       s.seq, g.ts_us, (g.ts_us - i.start_us)::float8 / 1e6 AS elapsed_s, s.epoch,
       g.power_w AS gpu_power_w, g.gpu_util_pct, g.mem_util_pct, g.mem_used_mib,
       g.power_limit_w, g.temp_c AS gpu_temp_c, c.cpu_pct, c.rss_mb AS ram_used_mb,
       c.rss_mb * 3.75e-4::float8 AS ram_power_w, s.gpu_line, s.cpu_line,
       s.origin, s.host
FROM interim_sample s JOIN interim_run i USING (run_id) JOIN run r ON r.id = s.run_id
LEFT JOIN eprof_gpu_sample g ON g.file_id = i.gpu_file_id AND g.line = s.gpu_line
LEFT JOIN eprof_cpu_sample c ON c.file_id = i.cpu_file_id AND c.line = s.cpu_line
UNION ALL
SELECT 'gaissa', s.run_id, r.environment, r.architecture, r.dataset, r.stamp,
       s.seq, g.ts_us, (g.ts_us - i.gaissa_start_us)::float8 / 1e6,
       CASE WHEN s.epoch IS NULL THEN NULL WHEN s.span = 0 THEN 0 ELSE s.epoch END,
       floor(g.power_w), floor(g.gpu_util_pct), floor(g.mem_util_pct), floor(g.mem_used_mib),
       floor(g.power_limit_w), floor(g.temp_c), c.cpu_pct, c.rss_mb,
       c.rss_mb * 3.75e-4::float8, s.gpu_line, s.cpu_line,
       s.origin, s.host
FROM interim_sample s JOIN interim_run i USING (run_id) JOIN run r ON r.id = s.run_id
LEFT JOIN eprof_gpu_sample g ON g.file_id = i.gpu_file_id AND g.line = s.gpu_line
LEFT JOIN eprof_cpu_sample c ON c.file_id = i.cpu_file_id AND c.line = s.cpu_line
WHERE s.gaissa = 1;
