-- schema/020_sources.sql: the tables transform/50_sources.sql fills (the energy
-- of every source other than the eprof profiles, where each file is attached,
-- the reconciliation's windows) and the views over them: source_reconciliation,
-- v_run_coverage, v_run_warning, v_power. The transform empties and refills the
-- tables; it no longer creates them. A database the transform of an earlier
-- release made already has the tables, with these definitions: IF NOT EXISTS
-- keeps them and their rows. The views are made anew.

-- What 50_sources.sql last ran on (transform.c): its inputs' versions, the
-- settings it reads and its SQL text.
CREATE TABLE IF NOT EXISTS source_built(k, v);

-- The offset of each UTC file on the runs' naive local clock, µs (from
-- clock_offset or the setting local_utc_offset_s).
CREATE TABLE IF NOT EXISTS source_file_offset (file_id INTEGER PRIMARY KEY, us NOT NULL);

-- Per eprof file of a run: first and last sample, and for a GPU file the
-- 'eprof-gpu' energy below; valid while `version` is the file's. 
CREATE TABLE IF NOT EXISTS source_eprof_file (
  file_id INTEGER PRIMARY KEY,
  version TEXT NOT NULL,              -- sha256/parser_version/ingested_at of source_file
  start_us INTEGER NOT NULL,          -- first and last sample, naive local
  end_us INTEGER NOT NULL,
  gpu_energy_j REAL,                  -- 'eprof-gpu' energy (GPU files with a power reading)
  gpu_covered_s REAL,
  gpu_samples INTEGER                 -- power readings; NULL: not a GPU file or none
);

-- eprof runs' spans.
CREATE TABLE IF NOT EXISTS source_run_span (
  run_id   INTEGER PRIMARY KEY,
  start_us INTEGER NOT NULL,          -- naive local
  end_us   INTEGER NOT NULL
);

-- The spans of the other sources' files (perf: of each block), naive local;
-- NULL when the file cannot be placed in time.
CREATE TABLE IF NOT EXISTS source_span (
  file_id  INTEGER NOT NULL,
  block    INTEGER NOT NULL,          -- perf block, 0 for the other formats
  format   TEXT NOT NULL,
  start_us INTEGER,
  end_us   INTEGER,
  PRIMARY KEY (file_id, block)
);

-- Which run (or session) each source file or perf block counts for, and the
-- window of its samples that counts.
CREATE TABLE IF NOT EXISTS source_attach (
  file_id  INTEGER NOT NULL,
  block    INTEGER NOT NULL,
  run_id   INTEGER,                   -- NULL for a session
  session_file_id INTEGER,            -- the file itself when it is a session
  how      TEXT NOT NULL CHECK (how IN ('folder','overlap','session')),
  win_start_us INTEGER NOT NULL,      -- samples counted: inside [win_start_us, win_end_us]
  win_end_us   INTEGER NOT NULL
);

-- The energy of every other source, per run or session, file, component and
-- device (transform/50_sources.sql says how each is integrated).
CREATE TABLE IF NOT EXISTS source_energy (
  run_id    INTEGER,                  -- the run, or NULL for a session
  session_file_id INTEGER,            -- the session's file, or NULL for a run
  file_id   INTEGER NOT NULL,
  source    TEXT NOT NULL,            -- 'wattmeter', 'nvidia-smi', 'eprof-gpu', 'perf', 'codecarbon'
  component TEXT NOT NULL,            -- 'wall', 'gpu', 'rapl_pkg', 'rapl_dram', ..., 'total', 'cpu', 'ram'
  device    TEXT NOT NULL,            -- socket, GPU, perf aggregation id, or ''
  energy_j  REAL,
  covered_s REAL,                     -- time integrated (trapezoid sources), NULL otherwise
  samples   INTEGER,                  -- readings or rows used
  first_us  INTEGER,                  -- the span counted, naive local: first and last sample
  last_us   INTEGER                   -- (perf: start of the first interval, end of the last;
                                      -- codecarbon: tracker start and end); NULL: not placed
);

-- Each Zeus window's energy per device, with its attachment.
CREATE TABLE IF NOT EXISTS source_zeus_window (
  run_id    INTEGER,                  -- the run (by folder), or NULL for a session
  session_file_id INTEGER,
  file_id   INTEGER NOT NULL,
  line      INTEGER NOT NULL,         -- the window's line (zeus_window)
  window_name TEXT NOT NULL,
  start_us  INTEGER NOT NULL,         -- on the file's own clock (monotonic), not wall time
  elapsed_s REAL NOT NULL,
  outermost INTEGER NOT NULL,         -- 1: no other window of the file contains it
  component TEXT NOT NULL,            -- 'gpu', 'cpu', ...
  device    TEXT NOT NULL,            -- '0', '1', ...
  energy_j  REAL
);

-- The reconciliation's window, per run or session.
CREATE TABLE IF NOT EXISTS source_window (
  run_id   INTEGER,                   -- the run, or NULL for a session
  session_file_id INTEGER,
  kind     TEXT NOT NULL CHECK (kind IN ('wall','run','session')),
  start_us INTEGER,                   -- naive local
  end_us   INTEGER
);

-- The energies inside the windows of source_window.
CREATE TABLE IF NOT EXISTS source_window_energy (
  run_id    INTEGER,
  session_file_id INTEGER,
  file_id   INTEGER NOT NULL,
  source    TEXT NOT NULL,
  component TEXT NOT NULL,
  device    TEXT NOT NULL,
  energy_j  REAL,
  span_s    REAL,
  in_window_s REAL
);

CREATE INDEX IF NOT EXISTS source_attach_file ON source_attach(file_id, block);

-- powermetrics samples placed on the runs' clock (b_us: the sample's end), and
-- the AIPowerMeter intervals counted; kept for v_power.
CREATE TABLE IF NOT EXISTS source_powermetrics_sample (file_id INT, line INT, elapsed_us INT, b_us);

CREATE TABLE IF NOT EXISTS source_aipowermeter_interval (file_id INT, line INT, ts_us INT, dt_us);

-- ---- views ------------------------------------------------------------------

DROP VIEW IF EXISTS source_reconciliation;
DROP VIEW IF EXISTS v_run_warning;
DROP VIEW IF EXISTS v_run_coverage;
DROP VIEW IF EXISTS v_power;

-- Per run (or session), over its window: wall energy from the wattmeter against
-- its measured components: GPU + RAPL package + RAPL DRAM. The GPU is nvidia-smi
-- when it sees more GPUs than the run's eprof log (one), else the eprof log,
-- else nvidia-smi. unaccounted = wall - components (fans, disks, PSU losses, other
-- devices, whatever RAPL and the GPU do not see); its share of the wall energy.
-- A component no source measured in the window is NULL and counts as 0 in
-- components_j; `complete` says whether all three were measured. The *_in_window
-- columns: the share of each component's own span that lies inside the window.
CREATE VIEW source_reconciliation AS
WITH ws AS (
  SELECT ',' || replace(CAST(value AS TEXT), ' ', '') || ',' AS list FROM setting WHERE name = 'wall_sockets'
), e AS (
  SELECT e.*, e.source = 'wattmeter'
              AND (NOT EXISTS (SELECT 1 FROM ws) OR instr((SELECT list FROM ws), ',' || e.device || ',') > 0)
         AS wall
  FROM source_window_energy e
), u AS (
  SELECT run_id, session_file_id,
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
  FROM e GROUP BY run_id, session_file_id
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
       (gpu_j IS NOT NULL AND rapl_pkg_j IS NOT NULL AND rapl_dram_j IS NOT NULL) AS complete,
       codecarbon_j,
       w.kind AS window, w.start_us AS window_start_us, w.end_us AS window_end_us,
       (w.end_us - w.start_us) / 1e6 AS window_s,
       wall_span_s, gpu_in AS gpu_in_window, rapl_in AS rapl_in_window, codecarbon_in AS codecarbon_in_window
FROM c JOIN source_window w ON w.run_id IS c.run_id AND w.session_file_id IS c.session_file_id;

-- How much of each run its measurements cover (the table processed_coverage
-- and the rule are in schema/008_coverage.sql).

-- Per run and component: the share of the window covered. The components of
-- energy_j from processed_coverage; every other source of source_energy (a
-- wattmeter socket, a RAPL domain, codecarbon, nvidia-smi) by the span its rows
-- count within the window, or its integrated seconds where it has them (no
-- longest gap is known for those: NULL).
CREATE VIEW v_run_coverage AS
WITH win AS (
  SELECT run_id, start_us, end_us, (end_us - start_us) / 1e6 AS window_s, gpu_energy_j, ram_energy_j
    FROM processed_run WHERE profile = 'default'),
part AS (
  SELECT c.run_id, 'eprof' AS source, c.component, '' AS device, w.window_s, c.samples,
         c.first_us, c.last_us, c.covered_s, c.longest_gap_s,
         CASE c.component WHEN 'gpu' THEN w.gpu_energy_j WHEN 'ram' THEN w.ram_energy_j END AS energy_j
    FROM processed_coverage c JOIN win w ON w.run_id = c.run_id
   WHERE c.profile = 'default'
  UNION ALL
  SELECT e.run_id, e.source, e.component, e.device, w.window_s, e.samples, e.first_us, e.last_us,
         CASE WHEN e.first_us IS NOT NULL THEN
           min(coalesce(e.covered_s, 1e300),
               max(0, (min(e.last_us, w.end_us) - max(e.first_us, w.start_us)) / 1e6)) END,
         NULL, e.energy_j
    FROM source_energy e JOIN win w ON w.run_id = e.run_id
   WHERE e.source <> 'eprof-gpu')
SELECT r.environment, r.architecture, r.dataset, r.stamp, p.run_id, p.source, p.component,
       p.device, p.window_s, p.samples, p.first_us, p.last_us, p.covered_s,
       CASE WHEN p.window_s > 0 THEN p.covered_s / p.window_s END AS share,
       p.longest_gap_s, p.energy_j,
       CASE WHEN p.covered_s > 0 THEN p.energy_j * p.window_s / p.covered_s END AS extrapolated_energy_j
  FROM part p JOIN run r ON r.id = p.run_id;

-- Runs and components to look at: a component of energy_j (or another source of
-- the run) that covers less than coverage_warning_share of the window, or none
-- of it. energy_j of such a run leaves out what was not measured.
CREATE VIEW v_run_warning AS
SELECT environment, architecture, dataset, stamp, run_id, source, component, device,
       CASE WHEN coalesce(covered_s, 0) = 0 THEN 'not measured' ELSE 'partial coverage' END AS what,
       share, covered_s, window_s, longest_gap_s
  FROM v_run_coverage
 WHERE coalesce(share, 0) < coalesce((SELECT value FROM setting WHERE name = 'coverage_warning_share'), 0.95)
   AND window_s > 0;

-- v_power: every power reading of every source on one time axis, so that a
-- notebook plots any sources of a run together.
--
-- One row per reading: the run it belongs to (or the session: a file that
-- overlaps no run, run_id NULL), the file, the source and component as
-- source_energy names them, the device (GPU, socket, cluster, process, '' for
-- a single one), ts_us on the runs' naive local clock (UTC sources shifted by
-- their file's offset, as for source_energy), and power_w. Only readings
-- source_energy integrates: inside the attachment's window, not NULL,
-- wattmeter frames that are good and sockets the file has, the powermetrics
-- line of each component a sample counts (from a plist, the sample's own
-- energy over its elapsed time where it gives one, as source_energy counts
-- it, else its power). A reading of an instant is at that instant; a
-- powermetrics sample or an AIPowerMeter record, a mean over its elapsed time
-- (the record's: since the previous one), is at the middle of that time.
-- Zeus monitor windows and perf counters hold energies, not power readings,
-- and codecarbon one total per run: they are not here.
CREATE VIEW v_power AS
  SELECT f.run_id, NULL AS session_file_id, g.file_id, 'eprof-gpu' AS source, 'gpu' AS component,
         '' AS device, g.ts_us, g.power_w
  FROM eprof_gpu_sample g JOIN source_file f ON f.id = g.file_id
  WHERE f.run_id IS NOT NULL AND f.status IN ('ok', 'partial') AND g.power_w IS NOT NULL
  UNION ALL
  SELECT a.run_id, a.session_file_id, n.file_id, 'nvidia-smi', 'gpu', n.gpu, n.ts_us, n.power_w
  FROM source_attach a JOIN nvidia_smi_sample n ON n.file_id = a.file_id
  WHERE a.block = 0 AND n.power_w IS NOT NULL AND n.ts_us BETWEEN a.win_start_us AND a.win_end_us
  UNION ALL
  SELECT a.run_id, a.session_file_id, w.file_id, 'wattmeter', 'wall', CAST(w.socket AS TEXT),
         w.ts_us + o.us, w.power_w
  FROM source_attach a JOIN source_file_offset o ON o.file_id = a.file_id
  JOIN wattmeter_file wf ON wf.file_id = a.file_id
  JOIN wattmeter_socket w ON w.file_id = a.file_id
  WHERE a.block = 0 AND w.ok AND w.power_w IS NOT NULL AND w.socket <= wf.sockets
    AND w.ts_us + o.us BETWEEN a.win_start_us AND a.win_end_us
  UNION ALL
  SELECT a.run_id, a.session_file_id, z.file_id, 'zeus-power', 'gpu', '', z.ts_us + o.us, z.power_w
  FROM source_attach a JOIN source_file_offset o ON o.file_id = a.file_id
  JOIN zeus_power_sample z ON z.file_id = a.file_id
  WHERE a.block = 0 AND z.power_w IS NOT NULL AND z.ts_us + o.us BETWEEN a.win_start_us AND a.win_end_us
  UNION ALL
  SELECT a.run_id, a.session_file_id, p.file_id, 'powerjoular', c.component, coalesce(pf.target, ''),
         p.ts_us, CASE c.component WHEN 'total' THEN p.total_power_w WHEN 'cpu' THEN p.cpu_power_w
                                   ELSE p.gpu_power_w END
  FROM source_attach a JOIN powerjoular_sample p ON p.file_id = a.file_id
  LEFT JOIN powerjoular_file pf ON pf.file_id = p.file_id
  CROSS JOIN (SELECT 'total' AS component UNION ALL SELECT 'cpu' UNION ALL SELECT 'gpu') c
  WHERE a.block = 0 AND p.ts_us BETWEEN a.win_start_us AND a.win_end_us
    AND CASE c.component WHEN 'total' THEN p.total_power_w WHEN 'cpu' THEN p.cpu_power_w
                         ELSE p.gpu_power_w END IS NOT NULL
  UNION ALL
  SELECT a.run_id, a.session_file_id, s.file_id, 'powermetrics', w.component, w.device,
         s.b_us - s.elapsed_us / 2, coalesce(w.energy_j * 1e6 / s.elapsed_us, w.power_w)
  FROM source_attach a JOIN source_powermetrics_sample s ON s.file_id = a.file_id
  JOIN powermetrics_power w ON w.file_id = s.file_id AND w.sample_line = s.line AND w.counted = 1
  WHERE a.block = 0 AND w.component <> 'other' AND (w.power_w IS NOT NULL OR w.energy_j IS NOT NULL)
    AND (a.how <> 'overlap' OR s.b_us BETWEEN a.win_start_us AND a.win_end_us)
  UNION ALL
  SELECT a.run_id, a.session_file_id, i.file_id, 'aipowermeter', p.component, '',
         i.ts_us - i.dt_us / 2, p.power_w
  FROM source_attach a JOIN source_aipowermeter_interval i ON i.file_id = a.file_id
  JOIN aipowermeter_power p ON p.file_id = i.file_id AND p.line = i.line
  WHERE a.block = 0 AND i.ts_us BETWEEN a.win_start_us AND a.win_end_us AND p.power_w IS NOT NULL;
