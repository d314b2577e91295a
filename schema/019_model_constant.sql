-- schema/019_model_constant.sql: the constants of the energy model as rows, so
-- that the SQL of the transform and the views read the values the C stages
-- compute with, and a query shows them. Every writable open refreshes the rows
-- from the binary (schema/model.h, their one definition): edit that header, not
-- this table.
CREATE TABLE model_constant (
  name    TEXT PRIMARY KEY,   -- e.g. 'ram_w_per_mb'
  value   NOT NULL,           -- a number
  unit    TEXT NOT NULL,      -- 'W/MB', 'periods', 'us', 'lines'
  meaning TEXT NOT NULL
) WITHOUT ROWID;

-- The same constants as one row with a column each, for joins and subqueries.
CREATE VIEW model AS
SELECT (SELECT value FROM model_constant WHERE name = 'ram_w_per_mb') AS ram_w_per_mb,
       (SELECT value FROM model_constant WHERE name = 'gap_periods') AS gap_periods,
       (SELECT value FROM model_constant WHERE name = 'nearest_tolerance_us') AS nearest_tolerance_us,
       (SELECT value FROM model_constant WHERE name = 'gaissa_skipfooter') AS gaissa_skipfooter;

-- v_sample's RAM power from the model's constant (was the literal 3.75e-4).
DROP VIEW v_sample;
CREATE VIEW v_sample AS
SELECT 'default' AS profile, s.run_id, r.environment, r.architecture, r.dataset, r.stamp,
       s.seq, g.ts_us, (g.ts_us - i.start_us) / 1e6 AS elapsed_s, s.epoch,
       g.power_w AS gpu_power_w, g.gpu_util_pct, g.mem_util_pct, g.mem_used_mib,
       g.power_limit_w, g.temp_c AS gpu_temp_c, c.cpu_pct, c.rss_mb AS ram_used_mb,
       c.rss_mb * (SELECT ram_w_per_mb FROM model) AS ram_power_w, s.gpu_line, s.cpu_line
FROM interim_sample s JOIN interim_run i USING (run_id) JOIN run r ON r.id = s.run_id
LEFT JOIN eprof_gpu_sample g ON g.file_id = i.gpu_file_id AND g.line = s.gpu_line
LEFT JOIN eprof_cpu_sample c ON c.file_id = i.cpu_file_id AND c.line = s.cpu_line
UNION ALL
SELECT 'gaissa', s.run_id, r.environment, r.architecture, r.dataset, r.stamp,
       s.seq, g.ts_us, (g.ts_us - i.gaissa_start_us) / 1e6,
       CASE WHEN s.epoch IS NULL THEN NULL WHEN s.span = 0 THEN 0 ELSE s.epoch END,
       floor(g.power_w), floor(g.gpu_util_pct), floor(g.mem_util_pct), floor(g.mem_used_mib),
       floor(g.power_limit_w), floor(g.temp_c), c.cpu_pct, c.rss_mb,
       c.rss_mb * (SELECT ram_w_per_mb FROM model), s.gpu_line, s.cpu_line
FROM interim_sample s JOIN interim_run i USING (run_id) JOIN run r ON r.id = s.run_id
LEFT JOIN eprof_gpu_sample g ON g.file_id = i.gpu_file_id AND g.line = s.gpu_line
LEFT JOIN eprof_cpu_sample c ON c.file_id = i.cpu_file_id AND c.line = s.cpu_line
WHERE s.gaissa = 1;
