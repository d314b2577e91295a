-- schema/010_zeus.sql: raw tables of Zeus (ml-energy/zeus), both of its logs
-- (ingest/fmt_zeus.c):
--   zeus-monitor  ZeusMonitor(log_file=...): one row per measurement window.
--                 time_convention 'relative': start_time is time.monotonic()
--                 (a clock of its own, seconds since an unknown origin), so
--                 start_us cannot be placed in wall-clock time; such a file
--                 belongs to a run only by its folder, else it is a session.
--   zeus-power    the legacy C++ zeus_monitor's power CSV (Time,Power[,...]):
--                 time_convention 'utc' (system_clock, nanoseconds truncated to
--                 microseconds), power converted from mW to W.
-- Rows keyed by (file_id, line[, col]) as every raw table.

-- One measurement window (begin_window .. end_window) per line. Window names
-- repeat (every epoch, every power-limit trial) and windows may nest (an epoch
-- window around its iteration windows): they are kept as written.
CREATE TABLE zeus_window (
  file_id     INTEGER NOT NULL REFERENCES source_file(id) ON DELETE CASCADE,
  line        INTEGER NOT NULL,
  window_name TEXT NOT NULL,          -- as written (Zeus writes it raw: it may hold commas)
  start_us    INTEGER NOT NULL,       -- start_time, µs on the file's own clock (see above)
  elapsed_s   REAL NOT NULL,          -- elapsed_time, seconds
  end_us      INTEGER NOT NULL,       -- start_us + elapsed, same clock
  PRIMARY KEY (file_id, line)
) WITHOUT ROWID;

-- The window's energies, one row per energy column (gpu0_energy, gpu1_energy,
-- ..., cpu0_energy, ...: any number of devices). component and device are read
-- from the column name ('gpu', '3'); a column of another shape is kept with
-- component and device NULL.
CREATE TABLE zeus_window_energy (
  file_id   INTEGER NOT NULL REFERENCES source_file(id) ON DELETE CASCADE,
  line      INTEGER NOT NULL,         -- the zeus_window's line
  col       INTEGER NOT NULL,         -- 1-based column of the header
  name      TEXT NOT NULL,            -- header name, e.g. 'gpu0_energy'
  component TEXT,                     -- 'gpu', 'cpu', 'dram', 'soc', ...
  device    TEXT,                     -- the device index, e.g. '0'
  energy_j  REAL,                     -- J; NULL for nan or an empty field (text kept in unparsed_value)
  PRIMARY KEY (file_id, line, col)
) WITHOUT ROWID;

-- Legacy zeus_monitor: one NVML power reading per line, one GPU per file.
CREATE TABLE zeus_power_sample (
  file_id     INTEGER NOT NULL REFERENCES source_file(id) ON DELETE CASCADE,
  line        INTEGER NOT NULL,
  ts_us       INTEGER NOT NULL,       -- UTC
  power_w     REAL,                   -- the file's mW / 1000
  temp_c      REAL,                   -- optional Temp column
  sm_freq_mhz REAL,                   -- optional SMFreq column
  mem         REAL,                   -- optional Mem column, as written (NVML memory reading)
  PRIMARY KEY (file_id, line)
) WITHOUT ROWID;
