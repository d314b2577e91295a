-- schema/007_run_metadata.sql: the study's own run metadata (format run-metadata,
-- ingest/fmt_run_metadata.c), the columns of runs.csv that the processed tables
-- have and 002 lacked, a side table for the columns no table has, what run_meta
-- learns from them, and v_run recreated so that the unknown reads NULL.
--
-- Pairing rule (documented in transform/README.md, applied by view
-- run_metadata_pair and transform/30_meta.sql): a run_metadata row keyed by
--   stamp:    is the run of that environment, architecture (dataset when the
--             file has one) and stamp                         paired_by 'stamp';
--   run:      is the run whose index, among the runs of that environment and
--             architecture in the database ordered by stamp (0, 1, 2, ...), is
--             `run`                                           paired_by 'ordinal';
--             with a dataset column, among that environment, architecture and
--             dataset's runs                                  paired_by 'dataset ordinal'.
-- The study numbered its MLflow runs of one environment and architecture in the
-- order they started (= the stamps T of their log files), so the ordinal pairing
-- is right only when the database holds all of that group's runs: the view
-- shows both counts (group_runs, group_rows) so that a shift can be seen.

-- model-metrics-seaa2023.csv and its like: one row per data line.
CREATE TABLE run_metadata (
  file_id           INTEGER NOT NULL REFERENCES source_file(id) ON DELETE CASCADE,
  line              INTEGER NOT NULL,
  environment       TEXT NOT NULL,      -- as written: cloud, local-v2 (or the anchor's 'Cloud', ...)
  architecture      TEXT NOT NULL,
  dataset           TEXT,               -- NULL: the file has no dataset column
  run               INTEGER,            -- ordinal within the group in stamp order (NULL: keyed by stamp)
  stamp             TEXT,               -- YYYYMMDDTHHMMSS when the file has a stamp column
  paired_by         TEXT NOT NULL CHECK (paired_by IN ('stamp', 'ordinal', 'dataset ordinal')),
  split_number      INTEGER,
  train_size        INTEGER,            -- training images per epoch, before batching
  validation_size   INTEGER,
  batch_size        INTEGER,
  image_size        INTEGER,            -- side of the square input, px ('(128, 128)' reads 128)
  gflops            REAL,               -- forward pass of one image
  accuracy          REAL,
  auc               REAL,
  precision         REAL,
  recall            REAL,
  f1                REAL,
  trained_epochs    INTEGER,
  measured_epochs   INTEGER,
  total_seen_images INTEGER,
  total_ram_gb      REAL,
  return_code       INTEGER,
  PRIMARY KEY (file_id, line),
  CHECK ((run IS NULL) <> (stamp IS NULL))
) WITHOUT ROWID;
CREATE INDEX run_metadata_key ON run_metadata(environment, architecture, run);

-- runs.csv (run_manifest) takes every column the processed tables have.
ALTER TABLE run_manifest ADD COLUMN split_number INTEGER;
ALTER TABLE run_manifest ADD COLUMN trained_epochs INTEGER;
ALTER TABLE run_manifest ADD COLUMN measured_epochs INTEGER;
ALTER TABLE run_manifest ADD COLUMN total_seen_images INTEGER;
ALTER TABLE run_manifest ADD COLUMN return_code INTEGER;

-- Columns of a runs.csv or run-metadata file that no table has a place for
-- (val_loss, a run_id of MLflow, a user's note): kept as text, nothing lost.
CREATE TABLE run_metadata_extra (
  file_id INTEGER NOT NULL REFERENCES source_file(id) ON DELETE CASCADE,
  line    INTEGER NOT NULL,
  name    TEXT NOT NULL,                -- header name as written (a repeat: NAME.1)
  value   TEXT NOT NULL,                -- the field as written (trimmed); empty fields are not kept
  PRIMARY KEY (file_id, line, name)
) WITHOUT ROWID;

-- What run_meta takes from them (transform/30_meta.sql).
ALTER TABLE run_meta ADD COLUMN split_number INTEGER;
ALTER TABLE run_meta ADD COLUMN trained_epochs INTEGER;     -- stated by runs.csv / the study
ALTER TABLE run_meta ADD COLUMN measured_epochs INTEGER;    -- stated by runs.csv / the study
ALTER TABLE run_meta ADD COLUMN total_seen_images INTEGER;  -- stated by runs.csv / the study
ALTER TABLE run_meta ADD COLUMN return_code INTEGER;        -- stated by runs.csv / the study
ALTER TABLE run_meta ADD COLUMN paired_by TEXT;             -- 'manifest stamp', 'stamp', 'ordinal',
                                                            -- 'dataset ordinal': how the metadata row was found
ALTER TABLE run_meta ADD COLUMN metadata_file_id INTEGER;   -- source_file of that row (runs.csv or run-metadata)
ALTER TABLE run_meta ADD COLUMN metadata_line INTEGER;

-- Every run_metadata row with the run it pairs with (run_id NULL: none) and how.
-- Environments written as the anchor's processed tables name them are read as
-- the folders name them: Cloud = cloud, Local ML Engineer = local-v2, Local
-- Normal User = local.
CREATE VIEW run_metadata_pair AS
WITH runs AS (
  SELECT id, environment, architecture, dataset, stamp,
         row_number() OVER (PARTITION BY environment, architecture ORDER BY stamp, id) - 1 AS ordinal,
         row_number() OVER (PARTITION BY environment, architecture, dataset ORDER BY stamp, id) - 1 AS ds_ordinal
  FROM run),
md AS (
  SELECT m.*, CASE m.environment WHEN 'Cloud' THEN 'cloud' WHEN 'Local ML Engineer' THEN 'local-v2'
                                 WHEN 'Local Normal User' THEN 'local' ELSE m.environment END AS env,
         count(*) OVER (PARTITION BY m.file_id, m.environment, m.architecture,
                        CASE WHEN m.paired_by = 'dataset ordinal' THEN m.dataset END) AS group_rows
  FROM run_metadata m)
SELECT md.file_id, md.line, md.paired_by,
       (SELECT r.id FROM runs r
        WHERE r.environment = md.env AND r.architecture = md.architecture
          AND CASE md.paired_by
                WHEN 'stamp' THEN r.stamp = md.stamp AND (md.dataset IS NULL OR r.dataset = md.dataset)
                WHEN 'ordinal' THEN r.ordinal = md.run
                ELSE r.dataset = md.dataset AND r.ds_ordinal = md.run END) AS run_id,
       (SELECT count(*) FROM run r
        WHERE r.environment = md.env AND r.architecture = md.architecture
          AND (md.paired_by <> 'dataset ordinal' OR r.dataset = md.dataset)) AS group_runs,
       md.group_rows
FROM md;

-- ---- v_run, recreated: unknown is NULL ----------------------------------------
-- Differences from 004's v_run: trained_epochs falls back on the metadata's,
-- total_seen_images and return_code are NULL when nothing determines them,
-- energy_components names what energy_j sums, and the metadata's split_number
-- and pairing are shown. transform/README.md has the rules per profile.
DROP VIEW IF EXISTS v_features;
DROP VIEW IF EXISTS v_run;
CREATE VIEW v_run AS
SELECT p.profile, r.environment, r.architecture, r.dataset, r.stamp, p.run_id,
       p.n_samples,
       strftime('%Y-%m-%d %H:%M:%f', p.start_us / 1e6, 'unixepoch') AS start_time,
       p.duration_s, p.duration_s / 3600.0 AS duration_h,
       p.gpu_energy_j, p.ram_energy_j, p.energy_j,
       CASE WHEN p.energy_j IS NOT NULL THEN
         CASE WHEN p.gpu_energy_j IS NOT NULL AND p.ram_energy_j IS NOT NULL THEN 'gpu+ram'
              WHEN p.gpu_energy_j IS NOT NULL THEN 'gpu' WHEN p.ram_energy_j IS NOT NULL THEN 'ram' END
       END AS energy_components,
       p.avg_gpu_power_w, p.std_gpu_power_w, p.avg_ram_power_w, p.std_ram_power_w,
       p.gpu_usage_pct, p.gpu_working_time_s, p.gpu_memory_usage_pct, p.gpu_memory_working_time_s,
       p.avg_gpu_memory_used_mib, p.std_gpu_memory_used_mib, p.total_power_w,
       p.avg_gpu_temp_c, p.std_gpu_temp_c, p.avg_cpu_usage_pct, p.std_cpu_usage_pct,
       p.avg_ram_used_mb, p.std_ram_used_mb,
       p.emissions_g, p.carbon_intensity_g_per_kwh, p.pue,
       m.batch_size, m.image_size, m.train_size, m.validation_size, m.gflops,
       m.accuracy, m.auc, m.precision, m.recall, m.f1, m.metrics_source,
       COALESCE(m.total_ram_gb, p.total_ram_gb) AS total_ram_gb,
       p.gpu_model, p.max_power_limit_w,
       COALESCE(p.measured_epochs, m.measured_epochs) AS measured_epochs,
       COALESCE(p.trained_epochs, m.trained_epochs) AS trained_epochs,
       COALESCE((m.train_size / m.batch_size + m.validation_size / m.batch_size) * m.batch_size
                  * p.measured_epochs, m.total_seen_images) AS total_seen_images,
       COALESCE(m.launch_return_code, m.return_code,
                CASE WHEN p.profile = 'gaissa' AND p.measured_epochs IS NOT NULL
                     THEN CASE WHEN p.measured_epochs = 0 THEN -9 ELSE 0 END END) AS return_code,
       p.sampling_period_s, p.uncovered_s, p.null_power_samples,
       p.start_us, p.end_us,
       m.split_number, m.paired_by AS metadata_paired_by
FROM processed_run p JOIN run r ON r.id = p.run_id LEFT JOIN run_meta m ON m.run_id = p.run_id;

-- v_features reads v_run: recreated unchanged (004's text).
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
