-- schema/002_eprof.sql: raw tables of the experiment profiler (eprof) files.
--
-- One row per data line, keyed by (file_id, line) so that every value can be
-- traced back to the file and line it came from. Values keep their full decimal
-- precision; the 'gaissa' transform profile applies the replication package's
-- truncations itself. Times are naive local (see 001_core.sql).

-- gpu-power-T.csv: nvidia-smi --query-gpu=timestamp,gpu_name,utilization.gpu,
-- utilization.memory,memory.total,memory.used,power.draw,power.max_limit,
-- temperature.gpu --format=csv, native header with units or the normalized one.
CREATE TABLE eprof_gpu_sample (
  file_id       INTEGER NOT NULL REFERENCES source_file(id) ON DELETE CASCADE,
  line          INTEGER NOT NULL,
  ts_us         INTEGER NOT NULL,     -- naive local, ms resolution in practice
  gpu_name      TEXT,
  gpu_util_pct  REAL,                 -- utilization.gpu, % of time a kernel ran
  mem_util_pct  REAL,                 -- utilization.memory, % of time memory was busy
  mem_total_mib REAL,
  mem_used_mib  REAL,
  power_w       REAL,                 -- power.draw, NULL for [N/A] (see unparsed_value)
  power_limit_w REAL,                 -- power.max_limit
  temp_c        REAL,                 -- temperature.gpu
  PRIMARY KEY (file_id, line)
) WITHOUT ROWID;

-- cpu-mem-usage-T.csv: the psutil loop, 3, 4 or 5 columns.
CREATE TABLE eprof_cpu_sample (
  file_id      INTEGER NOT NULL REFERENCES source_file(id) ON DELETE CASCADE,
  line         INTEGER NOT NULL,
  ts_us        INTEGER NOT NULL,      -- naive local, µs resolution
  cpu_pct      REAL,                  -- process cpu_percent / n_cpus
  rss_mb       REAL,                  -- process RSS in decimal MB (1e6 bytes)
  temp_c       REAL,                  -- NULL when the column is absent or empty
  total_ram_gb REAL,                  -- hand-stamped installed-RAM label, when present
  PRIMARY KEY (file_id, line)
) WITHOUT ROWID;

-- epoch_end-T.csv: `epoch,end_time`, one row per finished epoch.
CREATE TABLE eprof_epoch_end (
  file_id INTEGER NOT NULL REFERENCES source_file(id) ON DELETE CASCADE,
  line    INTEGER NOT NULL,
  epoch   INTEGER NOT NULL,           -- Keras' 0-based epoch index
  end_us  INTEGER NOT NULL,           -- naive local
  PRIMARY KEY (file_id, line)
) WITHOUT ROWID;

-- performance-T.csv (Keras CSVLogger): one row per (line, metric), long format,
-- because the metric columns differ between models.
CREATE TABLE eprof_epoch_metric (
  file_id INTEGER NOT NULL REFERENCES source_file(id) ON DELETE CASCADE,
  line    INTEGER NOT NULL,
  epoch   INTEGER NOT NULL,
  metric  TEXT NOT NULL,              -- header name as written: accuracy, val_loss, ...
  value   REAL,                       -- NULL for nan or an empty cell
  PRIMARY KEY (file_id, line, metric)
) WITHOUT ROWID;

-- out/oom-experiments*.csv: the launcher's manifest, one row per training started.
CREATE TABLE eprof_launch (
  file_id      INTEGER NOT NULL REFERENCES source_file(id) ON DELETE CASCADE,
  line         INTEGER NOT NULL,
  start_us     INTEGER NOT NULL,      -- naive local, second resolution
  architecture TEXT NOT NULL,
  dataset      TEXT NOT NULL,
  input_size   INTEGER,               -- requested image side (the model may clamp it)
  batch_size   INTEGER,
  return_code  INTEGER,               -- 0, or -9 when the run was killed (out of memory)
  PRIMARY KEY (file_id, line)
) WITHOUT ROWID;

-- runs.csv: run metadata the logs do not hold, keyed like run. See README.
CREATE TABLE run_manifest (
  file_id         INTEGER NOT NULL REFERENCES source_file(id) ON DELETE CASCADE,
  line            INTEGER NOT NULL,
  environment     TEXT NOT NULL,
  architecture    TEXT NOT NULL,
  dataset         TEXT NOT NULL,
  stamp           TEXT NOT NULL,
  batch_size      INTEGER,
  image_size      INTEGER,            -- side of the square input image, pixels
  train_size      INTEGER,            -- training images per epoch, before batching
  validation_size INTEGER,
  gflops          REAL,               -- forward pass of one image
  accuracy        REAL,
  auc             REAL,
  precision       REAL,
  recall          REAL,
  f1              REAL,
  total_ram_gb    REAL,               -- installed RAM of the machine
  PRIMARY KEY (file_id, line)
) WITHOUT ROWID;
CREATE INDEX run_manifest_key ON run_manifest(environment, architecture, dataset, stamp);
