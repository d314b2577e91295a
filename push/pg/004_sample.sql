-- push/pg/004_sample.sql: v_sample on the server, in PostgreSQL's dialect, with
-- the columns of the local one (schema/004_transform.sql) plus the origin and
-- host of the run's per-run rows. interim_run's file ids and the raw rows'
-- file_id are both file_content ids on the server, so the joins are the local
-- ones. Microseconds over 1e6 are cast to float8 first (PostgreSQL would make
-- them numeric).
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
