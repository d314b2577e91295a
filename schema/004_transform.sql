-- schema/004_transform.sql: the tables `wattdb transform` fills from the raw eprof
-- tables (interim and processed), the record of what each run was built from, the
-- GPU reference table, and the stable views notebooks read (v_run, v_epoch,
-- v_sample, v_profile_diff, v_features). transform/README.md documents them.
--
-- Two profiles are stored side by side in the processed tables (column profile):
--   'gaissa'  the replication package's algorithm, its truncations included
--   'default' the corrected algorithm (full decimals, time-weighted, no blind drops)
-- The interim tables hold what both profiles share (one row per GPU sample, with
-- the lineage keys, flags and indices each profile needs, no copy of a raw value);
-- v_sample joins them to the raw rows and shows them per profile.

-- Per run: what the alignment (transform/align.c) found. Times are naive local µs.
CREATE TABLE interim_run (
  run_id          INTEGER PRIMARY KEY REFERENCES run(id) ON DELETE CASCADE,
  gpu_file_id     INTEGER,            -- source_file holding the GPU rows (NULL: none)
  cpu_file_id     INTEGER,
  epoch_file_id   INTEGER,
  perf_file_id    INTEGER,            -- performance-T.csv (Keras CSVLogger)
  gpu_model       TEXT,               -- first gpu_name of the GPU file
  total_ram_gb    REAL,               -- first total_ram_gb label of the CPU file
  n_gpu           INTEGER NOT NULL,   -- GPU rows stored
  n_cpu           INTEGER NOT NULL,   -- CPU rows stored
  n_epoch_ends    INTEGER NOT NULL,   -- rows of the epoch_end file ('trained epochs')
  last_epoch_end_us INTEGER,          -- end_time of the highest epoch
  start_us        INTEGER,            -- default: first GPU sample (first CPU one without GPU)
  end_us          INTEGER,            -- default: last epoch end, else last spine sample
  gpu_period_s    REAL,               -- median GPU sampling interval (measured)
  cpu_period_s    REAL,               -- median CPU sampling interval (measured)
  gaissa_n        INTEGER NOT NULL,   -- samples the gaissa profile keeps
  gaissa_start_us INTEGER,            -- first kept gaissa sample (elapsed 0)
  gaissa_end_us   INTEGER
);

-- Default-profile epoch spans: span k = (start_us, end_us]; span 0 starts at the
-- run's start. Without an epoch_end file there is one span with epoch NULL.
CREATE TABLE interim_span (
  run_id   INTEGER NOT NULL REFERENCES run(id) ON DELETE CASCADE,
  span     INTEGER NOT NULL,          -- 0.. in time order
  epoch    INTEGER,                   -- Keras epoch index of the span, NULL: none
  start_us INTEGER NOT NULL,
  end_us   INTEGER NOT NULL,
  PRIMARY KEY (run_id, span)
) WITHOUT ROWID;

-- The aligned samples: one row per GPU sample of the run, in time order, with the
-- nearest CPU sample within ±1 s (the spine of both profiles). Lineage and derived
-- fields only: the values are those of the raw rows, eprof_gpu_sample (file
-- interim_run.gpu_file_id, line gpu_line) and eprof_cpu_sample (cpu_file_id,
-- cpu_line), which v_sample joins. (021_segments.sql replaces the table by a
-- view of the same columns over interim_segment.)
CREATE TABLE interim_sample (
  run_id        INTEGER NOT NULL REFERENCES run(id) ON DELETE CASCADE,
  seq           INTEGER NOT NULL,     -- 0.. by (ts_us, line)
  gpu_line      INTEGER NOT NULL,     -- line of the GPU file
  cpu_line      INTEGER,              -- nearest CPU sample within ±1 s, NULL: none
  span          INTEGER NOT NULL,     -- interim_span index; = number of spans after the end
  epoch         INTEGER,              -- epoch of the span; NULL after the last epoch end
  gaissa        INTEGER NOT NULL,     -- 1 when the gaissa profile keeps this sample
  PRIMARY KEY (run_id, seq)
) WITHOUT ROWID;

-- The CPU samples on their own time axis (default profile RAM energy), with
-- their span: -1 before the run's start, the first span whose end is at or after
-- the sample (min span with end_us >= ts_us), the number of spans after the last
-- end. A view over the raw rows: the span is counted in one sorted pass (the
-- spans whose running maximum end is before the sample), not looked up per row.
CREATE VIEW interim_cpu_sample AS
WITH reach AS (
  SELECT run_id, max(end_us) OVER (PARTITION BY run_id ORDER BY span) AS t FROM interim_span),
ev AS (
  SELECT i.run_id, c.ts_us AS t, 0 AS kind, c.line, c.cpu_pct, c.rss_mb
  FROM interim_run i JOIN eprof_cpu_sample c ON c.file_id = i.cpu_file_id
  UNION ALL
  SELECT run_id, t, 1, NULL, NULL, NULL FROM reach),
counted AS (
  SELECT run_id, t, kind, line, cpu_pct, rss_mb,
         sum(1 - kind) OVER w - 1 AS seq, sum(kind) OVER w AS spans_before
  FROM ev WINDOW w AS (PARTITION BY run_id ORDER BY t, kind, line ROWS UNBOUNDED PRECEDING))
SELECT k.run_id, k.seq, k.t AS ts_us, k.line AS cpu_line, k.cpu_pct, k.rss_mb,
       CASE WHEN k.t < i.start_us THEN -1 ELSE k.spans_before END AS span
FROM counted k JOIN interim_run i USING (run_id)
WHERE k.kind = 0;

-- One row per run and profile, the replication package's per-run table, unit-suffixed.
CREATE TABLE processed_run (
  run_id   INTEGER NOT NULL REFERENCES run(id) ON DELETE CASCADE,
  profile  TEXT NOT NULL CHECK (profile IN ('gaissa','default')),
  n_samples INTEGER NOT NULL,         -- GPU samples used
  start_us INTEGER, end_us INTEGER,   -- the measured window
  duration_s REAL,
  measured_epochs INTEGER,            -- gaissa: max epoch index (anchor); default: epochs with time in the window
  trained_epochs INTEGER,             -- rows of the epoch_end file
  gpu_model TEXT,
  gpu_working_time_s REAL,            -- gaissa: Σ usage × 1 s (1 Hz assumed); default: ∫ usage dt
  gpu_usage_pct REAL,
  gpu_memory_working_time_s REAL,
  gpu_memory_usage_pct REAL,          -- utilization.memory, % (anchor: a fraction)
  avg_gpu_memory_used_mib REAL, std_gpu_memory_used_mib REAL,
  total_power_w REAL,                 -- gaissa only: Σ samples (anchor's 'total power (W)')
  avg_gpu_power_w REAL, std_gpu_power_w REAL,
  max_power_limit_w REAL,
  avg_gpu_temp_c REAL, std_gpu_temp_c REAL,
  avg_cpu_usage_pct REAL, std_cpu_usage_pct REAL,
  avg_ram_used_mb REAL, std_ram_used_mb REAL,
  avg_ram_power_w REAL, std_ram_power_w REAL,
  total_ram_gb REAL,
  gpu_energy_j REAL, ram_energy_j REAL, energy_j REAL,
  carbon_intensity_g_per_kwh REAL, pue REAL, emissions_g REAL,
  sampling_period_s REAL,             -- measured (median) GPU interval
  uncovered_s REAL,                   -- default: window time no bridged GPU interval covers
  null_power_samples INTEGER,         -- GPU samples whose power was [N/A]
  PRIMARY KEY (run_id, profile)
) WITHOUT ROWID;

-- One row per run, profile and epoch.
CREATE TABLE processed_epoch (
  run_id  INTEGER NOT NULL REFERENCES run(id) ON DELETE CASCADE,
  profile TEXT NOT NULL,
  epoch   INTEGER NOT NULL,
  n_samples INTEGER,                  -- gaissa: including the duplicated boundary sample
  duration_s REAL,                    -- from the epoch_end file
  mean_gpu_power_w REAL, mean_ram_power_w REAL,
  gpu_energy_j REAL, ram_energy_j REAL, energy_j REAL,
  uncovered_s REAL,                   -- default only
  PRIMARY KEY (run_id, profile, epoch)
) WITHOUT ROWID;

-- Run metadata (profile independent), refreshed by every transform.
CREATE TABLE run_meta (
  run_id INTEGER PRIMARY KEY REFERENCES run(id) ON DELETE CASCADE,
  batch_size INTEGER, image_size INTEGER, train_size INTEGER, validation_size INTEGER,
  gflops REAL, accuracy REAL, auc REAL, precision REAL, recall REAL, f1 REAL,
  total_ram_gb REAL,
  metrics_source TEXT,                -- 'manifest', 'performance' (last epoch's val_*), NULL
  launch_return_code INTEGER          -- from out/oom-experiments*.csv when a launch matches
);

-- Which source_file versions each run and profile was built from. A transform
-- recomputes a (run, profile) only when this differs from the files now stored.
CREATE TABLE run_input (
  run_id  INTEGER NOT NULL REFERENCES run(id) ON DELETE CASCADE,
  profile TEXT NOT NULL,
  role    TEXT NOT NULL,              -- gpu, cpu, epoch, perf, algorithm
  file_id INTEGER,                    -- source_file.id owning the rows
  sha256  TEXT,                       -- its content hash at build time
  PRIMARY KEY (run_id, profile, role)
) WITHOUT ROWID;

-- GPU reference data, seeded from data/gpu_specs.csv; users add rows with
-- INSERT OR REPLACE INTO gpu_spec ... (see transform/README.md).
CREATE TABLE gpu_spec (
  name TEXT PRIMARY KEY,              -- nvidia-smi name without 'NVIDIA GeForce ', e.g. 'RTX 3090'
  architecture TEXT, cuda_cores INTEGER, memory_gb REAL, memory_type TEXT,
  bandwidth_gb_s REAL, base_clock_ghz REAL, power_w REAL, max_temp_c REAL,
  source TEXT NOT NULL DEFAULT 'user' -- 'builtin' rows are refreshed from the binary
);

CREATE INDEX eprof_launch_key ON eprof_launch(architecture, dataset, start_us);

-- ---- views: the stable contract for notebooks ---------------------------------

CREATE VIEW v_sample AS
SELECT 'default' AS profile, s.run_id, r.environment, r.architecture, r.dataset, r.stamp,
       s.seq, g.ts_us, (g.ts_us - i.start_us) / 1e6 AS elapsed_s, s.epoch,
       g.power_w AS gpu_power_w, g.gpu_util_pct, g.mem_util_pct, g.mem_used_mib,
       g.power_limit_w, g.temp_c AS gpu_temp_c, c.cpu_pct, c.rss_mb AS ram_used_mb,
       c.rss_mb * 3.75e-4 AS ram_power_w, s.gpu_line, s.cpu_line
FROM interim_sample s JOIN interim_run i USING (run_id) JOIN run r ON r.id = s.run_id
LEFT JOIN eprof_gpu_sample g ON g.file_id = i.gpu_file_id AND g.line = s.gpu_line
LEFT JOIN eprof_cpu_sample c ON c.file_id = i.cpu_file_id AND c.line = s.cpu_line
UNION ALL
SELECT 'gaissa', s.run_id, r.environment, r.architecture, r.dataset, r.stamp,
       s.seq, g.ts_us, (g.ts_us - i.gaissa_start_us) / 1e6,
       CASE WHEN s.epoch IS NULL THEN NULL WHEN s.span = 0 THEN 0 ELSE s.epoch END,
       floor(g.power_w), floor(g.gpu_util_pct), floor(g.mem_util_pct), floor(g.mem_used_mib),
       floor(g.power_limit_w), floor(g.temp_c), c.cpu_pct, c.rss_mb,
       c.rss_mb * 3.75e-4, s.gpu_line, s.cpu_line
FROM interim_sample s JOIN interim_run i USING (run_id) JOIN run r ON r.id = s.run_id
LEFT JOIN eprof_gpu_sample g ON g.file_id = i.gpu_file_id AND g.line = s.gpu_line
LEFT JOIN eprof_cpu_sample c ON c.file_id = i.cpu_file_id AND c.line = s.cpu_line
WHERE s.gaissa = 1;

CREATE VIEW v_run AS
SELECT p.profile, r.environment, r.architecture, r.dataset, r.stamp, p.run_id,
       p.n_samples,
       strftime('%Y-%m-%d %H:%M:%f', p.start_us / 1e6, 'unixepoch') AS start_time,
       p.duration_s, p.duration_s / 3600.0 AS duration_h,
       p.gpu_energy_j, p.ram_energy_j, p.energy_j,
       p.avg_gpu_power_w, p.std_gpu_power_w, p.avg_ram_power_w, p.std_ram_power_w,
       p.gpu_usage_pct, p.gpu_working_time_s, p.gpu_memory_usage_pct, p.gpu_memory_working_time_s,
       p.avg_gpu_memory_used_mib, p.std_gpu_memory_used_mib, p.total_power_w,
       p.avg_gpu_temp_c, p.std_gpu_temp_c, p.avg_cpu_usage_pct, p.std_cpu_usage_pct,
       p.avg_ram_used_mb, p.std_ram_used_mb,
       p.emissions_g, p.carbon_intensity_g_per_kwh, p.pue,
       m.batch_size, m.image_size, m.train_size, m.validation_size, m.gflops,
       m.accuracy, m.auc, m.precision, m.recall, m.f1, m.metrics_source,
       COALESCE(m.total_ram_gb, p.total_ram_gb) AS total_ram_gb,
       p.gpu_model, p.max_power_limit_w, p.measured_epochs, p.trained_epochs,
       (m.train_size / m.batch_size + m.validation_size / m.batch_size) * m.batch_size
         * p.measured_epochs AS total_seen_images,
       CASE WHEN m.launch_return_code IS NOT NULL THEN m.launch_return_code
            WHEN COALESCE(p.measured_epochs, 0) = 0 THEN -9 ELSE 0 END AS return_code,
       p.sampling_period_s, p.uncovered_s, p.null_power_samples,
       p.start_us, p.end_us
FROM processed_run p JOIN run r ON r.id = p.run_id LEFT JOIN run_meta m ON m.run_id = p.run_id;

CREATE VIEW v_epoch AS
SELECT e.profile, r.environment, r.architecture, r.dataset, r.stamp, e.run_id, e.epoch,
       e.duration_s, e.gpu_energy_j, e.ram_energy_j, e.energy_j,
       e.mean_gpu_power_w, e.mean_ram_power_w, e.n_samples, e.uncovered_s,
       m.batch_size, m.image_size, COALESCE(m.total_ram_gb, i.total_ram_gb) AS total_ram_gb
FROM processed_epoch e JOIN run r ON r.id = e.run_id
LEFT JOIN run_meta m ON m.run_id = e.run_id LEFT JOIN interim_run i ON i.run_id = e.run_id;

CREATE VIEW v_profile_diff AS
SELECT r.environment, r.architecture, r.dataset, r.stamp, d.run_id,
       g.n_samples AS gaissa_n_samples, d.n_samples AS default_n_samples,
       g.duration_s AS gaissa_duration_s, d.duration_s AS default_duration_s,
       g.gpu_energy_j AS gaissa_gpu_energy_j, d.gpu_energy_j AS default_gpu_energy_j,
       g.ram_energy_j AS gaissa_ram_energy_j, d.ram_energy_j AS default_ram_energy_j,
       g.energy_j AS gaissa_energy_j, d.energy_j AS default_energy_j,
       d.energy_j - g.energy_j AS energy_diff_j,
       (d.energy_j - g.energy_j) / g.energy_j * 100 AS energy_diff_pct,
       d.duration_s - g.duration_s AS duration_diff_s,
       g.avg_gpu_power_w AS gaissa_avg_gpu_power_w, d.avg_gpu_power_w AS default_avg_gpu_power_w,
       d.avg_gpu_power_w - g.avg_gpu_power_w AS avg_gpu_power_diff_w,
       g.emissions_g AS gaissa_emissions_g, d.emissions_g AS default_emissions_g,
       d.uncovered_s AS default_uncovered_s
FROM processed_run d JOIN processed_run g ON g.run_id = d.run_id AND g.profile = 'gaissa'
JOIN run r ON r.id = d.run_id
WHERE d.profile = 'default';

-- The regression features, one row per run and profile, with the targets.
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
       v.energy_j, v.duration_s, v.gpu_model
FROM v_run v LEFT JOIN gpu_spec g ON g.name = replace(v.gpu_model, 'NVIDIA GeForce ', '');
