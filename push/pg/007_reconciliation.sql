-- push/pg/007_reconciliation.sql: source_reconciliation's shares of a span
-- inside the window are NULL, as in SQLite, when the span is 0 s long (a perf
-- total without its elapsed time spans no time): PostgreSQL raised "division
-- by zero" for the run and failed the whole view.
CREATE OR REPLACE VIEW source_reconciliation AS
WITH ws AS (
  SELECT origin, ',' || replace(value, ' ', '') || ',' AS list FROM setting WHERE name = 'wall_sockets'
), e AS (
  SELECT e.*, e.source = 'wattmeter'
              AND (NOT EXISTS (SELECT 1 FROM ws WHERE ws.origin = e.origin)
                   OR strpos((SELECT list FROM ws WHERE ws.origin = e.origin), ',' || e.device || ',') > 0)
         AS wall
  FROM source_window_energy e
), u AS (
  SELECT run_id, session_file_id, origin, host,
         sum(CASE WHEN wall THEN energy_j END) AS wall_j,
         max(CASE WHEN wall THEN span_s END) AS wall_span_s,
         sum(CASE WHEN source = 'eprof-gpu' THEN energy_j END) AS eprof_gpu_j,
         count(CASE WHEN source = 'eprof-gpu' THEN energy_j END) AS eprof_gpus,
         sum(CASE WHEN source = 'eprof-gpu' THEN in_window_s END)
           / nullif(sum(CASE WHEN source = 'eprof-gpu' THEN span_s END), 0) AS eprof_in,
         sum(CASE WHEN source = 'nvidia-smi' THEN energy_j END) AS nvsmi_gpu_j,
         count(DISTINCT CASE WHEN source = 'nvidia-smi' AND energy_j IS NOT NULL THEN device END) AS nvsmi_gpus,
         sum(CASE WHEN source = 'nvidia-smi' THEN in_window_s END)
           / nullif(sum(CASE WHEN source = 'nvidia-smi' THEN span_s END), 0) AS nvsmi_in,
         sum(CASE WHEN component = 'rapl_pkg' THEN energy_j END) AS rapl_pkg_j,
         sum(CASE WHEN component = 'rapl_dram' THEN energy_j END) AS rapl_dram_j,
         sum(CASE WHEN component IN ('rapl_pkg', 'rapl_dram') THEN in_window_s END)
           / nullif(sum(CASE WHEN component IN ('rapl_pkg', 'rapl_dram') THEN span_s END), 0) AS rapl_in,
         sum(CASE WHEN source = 'codecarbon' AND component = 'total' THEN energy_j END) AS codecarbon_j,
         sum(CASE WHEN source = 'codecarbon' AND component = 'total' THEN in_window_s END)
           / nullif(sum(CASE WHEN source = 'codecarbon' AND component = 'total' THEN span_s END), 0) AS codecarbon_in
  FROM e GROUP BY run_id, session_file_id, origin, host
), g AS (
  SELECT u.*, nvsmi_gpus > eprof_gpus OR eprof_gpu_j IS NULL AS use_nvsmi FROM u
), c AS (
  SELECT g.*, CASE WHEN use_nvsmi THEN nvsmi_gpu_j ELSE eprof_gpu_j END AS gpu_j,
         CASE WHEN use_nvsmi THEN nvsmi_in ELSE eprof_in END AS gpu_in
  FROM g
)
SELECT c.run_id, c.session_file_id, wall_j, gpu_j,
       CASE WHEN gpu_j IS NULL THEN NULL WHEN use_nvsmi THEN 'nvidia-smi' ELSE 'eprof-gpu' END AS gpu_source,
       rapl_pkg_j, rapl_dram_j,
       coalesce(gpu_j, 0) + coalesce(rapl_pkg_j, 0) + coalesce(rapl_dram_j, 0) AS components_j,
       wall_j - (coalesce(gpu_j, 0) + coalesce(rapl_pkg_j, 0) + coalesce(rapl_dram_j, 0)) AS unaccounted_j,
       (wall_j - (coalesce(gpu_j, 0) + coalesce(rapl_pkg_j, 0) + coalesce(rapl_dram_j, 0))) / nullif(wall_j, 0)
         AS unaccounted_share,
       (gpu_j IS NOT NULL AND rapl_pkg_j IS NOT NULL AND rapl_dram_j IS NOT NULL)::int AS complete,
       codecarbon_j,
       w.kind AS window, w.start_us AS window_start_us, w.end_us AS window_end_us,
       (w.end_us - w.start_us)::float8 / 1e6 AS window_s,
       wall_span_s, gpu_in AS gpu_in_window, rapl_in AS rapl_in_window, codecarbon_in AS codecarbon_in_window,
       c.origin, c.host
FROM c JOIN source_window w ON w.run_id IS NOT DISTINCT FROM c.run_id
                           AND w.session_file_id IS NOT DISTINCT FROM c.session_file_id
                           AND w.origin = c.origin;
