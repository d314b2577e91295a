-- push/pg/003_sources.sql: v_features, v_run_coverage, v_run_warning and
-- source_reconciliation on the server, in PostgreSQL's dialect, with the
-- columns of the local ones (schema/007_run_metadata.sql,
-- transform/50_sources.sql, schema/020_sources.sql) plus the origin (and
-- host) whose per-run rows they read.
--
-- Translations: SQLite's scalar min()/max() are LEAST()/GREATEST(), which skip
-- NULLs where SQLite returns NULL, so the NULL cases are spelled out; `IS` is
-- IS NOT DISTINCT FROM; instr() is strpos(); an integer over 1e6 is cast to
-- float8 first (PostgreSQL would make it numeric); SQLite's 0/1 truth values
-- are integers here too. Settings (setting) and GPU specifications (gpu_spec)
-- are each origin's: a run reads those of the origin that sent its rows.
--
-- The transform makes source_energy, source_window and source_window_energy;
-- a server first fed by a database never transformed gets them here, as in
-- transform/50_sources.sql (push/mirror.c adds the columns a later one has).
CREATE TABLE IF NOT EXISTS source_energy (
  run_id bigint, session_file_id bigint, file_id bigint, source text, component text,
  device text, energy_j double precision, covered_s double precision, samples bigint,
  first_us bigint, last_us bigint,
  origin uuid NOT NULL DEFAULT current_setting('wattdb.origin')::uuid,
  host text NOT NULL DEFAULT current_setting('wattdb.host')
);
CREATE INDEX IF NOT EXISTS source_energy_run_id ON source_energy (run_id);
CREATE TABLE IF NOT EXISTS source_window (
  run_id bigint, session_file_id bigint, kind text, start_us bigint, end_us bigint,
  origin uuid NOT NULL DEFAULT current_setting('wattdb.origin')::uuid,
  host text NOT NULL DEFAULT current_setting('wattdb.host')
);
CREATE INDEX IF NOT EXISTS source_window_run_id ON source_window (run_id);
CREATE TABLE IF NOT EXISTS source_window_energy (
  run_id bigint, session_file_id bigint, file_id bigint, source text, component text,
  device text, energy_j double precision, span_s double precision,
  in_window_s double precision,
  origin uuid NOT NULL DEFAULT current_setting('wattdb.origin')::uuid,
  host text NOT NULL DEFAULT current_setting('wattdb.host')
);
CREATE INDEX IF NOT EXISTS source_window_energy_run_id ON source_window_energy (run_id);

-- §4.7: the regression features, one row per run and profile, with the targets.
CREATE VIEW v_features AS
SELECT v.profile, v.environment, v.architecture, v.dataset, v.stamp, v.run_id,
       v.batch_size, v.total_ram_gb, v.train_size, v.validation_size, v.gflops,
       v.image_size AS image_height_px, v.image_size AS image_width_px,
       g.cuda_cores AS gpu_cuda_cores, g.memory_gb AS gpu_total_memory_gb,
       g.power_w AS gpu_max_power_w,
       v.avg_gpu_power_w,
       (SELECT avg(e.energy_j) FROM processed_epoch e
         WHERE e.run_id = v.run_id AND e.profile = v.profile) AS avg_epoch_energy_j,
       (SELECT avg(e.energy_j) FROM processed_epoch e
         WHERE e.run_id = v.run_id AND e.profile = v.profile AND e.epoch >= 10) AS avg_stable_epoch_energy_j,
       v.energy_j, v.duration_s, v.gpu_model,
       s.origin, s.host
FROM v_run v JOIN run_state s ON s.run_id = v.run_id
LEFT JOIN gpu_spec g ON g.origin = s.origin AND g.name = replace(v.gpu_model, 'NVIDIA GeForce ', '');

CREATE VIEW v_run_coverage AS
WITH win AS (
  SELECT run_id, start_us, end_us, (end_us - start_us)::float8 / 1e6 AS window_s, gpu_energy_j,
         ram_energy_j, origin, host
    FROM processed_run WHERE profile = 'default'),
part AS (
  SELECT c.run_id, 'eprof'::text AS source, c.component, ''::text AS device, w.window_s, c.samples,
         c.first_us, c.last_us, c.covered_s, c.longest_gap_s,
         CASE c.component WHEN 'gpu' THEN w.gpu_energy_j WHEN 'ram' THEN w.ram_energy_j END AS energy_j,
         w.origin, w.host
    FROM processed_coverage c JOIN win w ON w.run_id = c.run_id
   WHERE c.profile = 'default'
  UNION ALL
  SELECT e.run_id, e.source, e.component, e.device, w.window_s, e.samples, e.first_us, e.last_us,
         CASE WHEN e.first_us IS NOT NULL AND e.last_us IS NOT NULL AND w.end_us IS NOT NULL
                   AND w.start_us IS NOT NULL THEN
           LEAST(coalesce(e.covered_s, 1e300),
                 GREATEST(0, (LEAST(e.last_us, w.end_us) - GREATEST(e.first_us, w.start_us))::float8 / 1e6)) END,
         NULL, e.energy_j, w.origin, w.host
    FROM source_energy e JOIN win w ON w.run_id = e.run_id
   WHERE e.source <> 'eprof-gpu')
SELECT r.environment, r.architecture, r.dataset, r.stamp, p.run_id, p.source, p.component,
       p.device, p.window_s, p.samples, p.first_us, p.last_us, p.covered_s,
       CASE WHEN p.window_s > 0 THEN p.covered_s / p.window_s END AS share,
       p.longest_gap_s, p.energy_j,
       CASE WHEN p.covered_s > 0 THEN p.energy_j * p.window_s / p.covered_s END AS extrapolated_energy_j,
       p.origin, p.host
  FROM part p JOIN run r ON r.id = p.run_id;

CREATE VIEW v_run_warning AS
SELECT environment, architecture, dataset, stamp, run_id, source, component, device,
       CASE WHEN coalesce(covered_s, 0) = 0 THEN 'not measured' ELSE 'partial coverage' END AS what,
       share, covered_s, window_s, longest_gap_s, origin, host
  FROM v_run_coverage v
 WHERE coalesce(share, 0) < coalesce((SELECT s.value::float8 FROM setting s
                                       WHERE s.name = 'coverage_warning_share'
                                         AND s.origin = v.origin), 0.95)
   AND window_s > 0;

CREATE VIEW source_reconciliation AS
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
           / sum(CASE WHEN source = 'eprof-gpu' THEN span_s END) AS eprof_in,
         sum(CASE WHEN source = 'nvidia-smi' THEN energy_j END) AS nvsmi_gpu_j,
         count(DISTINCT CASE WHEN source = 'nvidia-smi' AND energy_j IS NOT NULL THEN device END) AS nvsmi_gpus,
         sum(CASE WHEN source = 'nvidia-smi' THEN in_window_s END)
           / sum(CASE WHEN source = 'nvidia-smi' THEN span_s END) AS nvsmi_in,
         sum(CASE WHEN component = 'rapl_pkg' THEN energy_j END) AS rapl_pkg_j,
         sum(CASE WHEN component = 'rapl_dram' THEN energy_j END) AS rapl_dram_j,
         sum(CASE WHEN component IN ('rapl_pkg', 'rapl_dram') THEN in_window_s END)
           / sum(CASE WHEN component IN ('rapl_pkg', 'rapl_dram') THEN span_s END) AS rapl_in,
         sum(CASE WHEN source = 'codecarbon' AND component = 'total' THEN energy_j END) AS codecarbon_j,
         sum(CASE WHEN source = 'codecarbon' AND component = 'total' THEN in_window_s END)
           / sum(CASE WHEN source = 'codecarbon' AND component = 'total' THEN span_s END) AS codecarbon_in
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
