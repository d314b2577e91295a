-- schema/003_sources.sql: raw tables of the other measurement tools: CodeCarbon,
-- perf stat, OmegaWatt wattmetre-read and nvidia-smi query logs.
--
-- As for eprof: one row per data line keyed by (file_id, line[, more]), every
-- value traceable to its file and line, full precision, times as integer
-- microseconds in the convention recorded in source_file.time_convention:
--   codecarbon  'naive-local'  (datetime.now(), second resolution)
--   perf        'relative'     (ts_us: since the start of the perf run; started_us,
--                               from the '# started on' line, is naive local)
--   wattmeter   'utc'          (epoch seconds with nanoseconds, the host's receive time)
--   nvidia-smi  'naive-local'
-- Energies are stored in joules, powers in watts, whatever the file's unit.

-- emissions.csv (and emissions_<exp>_<run>.csv task files, .bak copies): one row
-- per tracker stop()/flush(). Columns are matched by header name; a column this
-- table has no place for goes to codecarbon_extra.
CREATE TABLE codecarbon_row (
  file_id        INTEGER NOT NULL REFERENCES source_file(id) ON DELETE CASCADE,
  line           INTEGER NOT NULL,
  fields         INTEGER NOT NULL,    -- fields on the line; fewer than the header's: the
                                      -- missing trailing columns are NULL (see README of 3.2.9+)
  task_name      TEXT,                -- task files only
  ts_us          INTEGER,             -- 'timestamp': naive local, when the row was written (end)
  project_name   TEXT,
  run_id         TEXT,                -- codecarbon's run UUID; may be empty, may repeat
                                      -- (periodic flushes: cumulative duration and energy)
  experiment_id  TEXT,
  duration_s     REAL,
  emissions_kg   REAL,                -- kg CO2eq
  emissions_rate_kg_s REAL,           -- converted: the file has g/s up to 2.1.4, kg/s from 2.2.0
  cpu_power_w    REAL,                -- last sample up to 3.1.1, mean of the run from 3.1.2
  gpu_power_w    REAL,
  ram_power_w    REAL,
  cpu_energy_j   REAL,                -- the file's kWh × 3.6e6
  gpu_energy_j   REAL,
  ram_energy_j   REAL,
  energy_j       REAL,                -- energy_consumed: cpu + gpu + ram
  water_l        REAL,                -- water_consumed (3.0.8+)
  country_name   TEXT,
  country_iso_code TEXT,
  region         TEXT,
  cloud_provider TEXT,
  cloud_region   TEXT,
  os             TEXT,
  python_version TEXT,
  codecarbon_version TEXT,
  cpu_count      REAL,                -- sometimes written as a float by pandas
  cpu_model      TEXT,
  gpu_count      REAL,
  gpu_model      TEXT,                -- several models are concatenated without separator
  longitude      REAL,
  latitude       REAL,
  ram_total_gb   REAL,
  tracking_mode  TEXT,
  cpu_util_pct   REAL,
  gpu_util_pct   REAL,
  ram_util_pct   REAL,
  ram_used_gb    REAL,
  on_cloud       TEXT,                -- 'Y' / 'N'
  pue            REAL,
  wue            REAL,                -- L/kWh
  PRIMARY KEY (file_id, line)
) WITHOUT ROWID;

-- Columns of an emissions.csv that codecarbon_row has no column for (a future
-- version, a user's addition): kept as text so nothing is lost.
CREATE TABLE codecarbon_extra (
  file_id INTEGER NOT NULL REFERENCES source_file(id) ON DELETE CASCADE,
  line    INTEGER NOT NULL,
  name    TEXT NOT NULL,              -- header name, as written
  value   TEXT NOT NULL,              -- the field, as written (trimmed)
  PRIMARY KEY (file_id, line, name)
) WITHOUT ROWID;

-- perf stat output (-x CSV with any separator, or human-readable; with or
-- without -I; several runs appended): one row per counter line. The footer
-- lines `N seconds time elapsed` / `seconds user` / `seconds sys` are rows too,
-- with unit 'seconds' and event 'time elapsed', 'user' or 'sys'.
CREATE TABLE perf_count (
  file_id     INTEGER NOT NULL REFERENCES source_file(id) ON DELETE CASCADE,
  line        INTEGER NOT NULL,       -- first physical line of the record
  block       INTEGER NOT NULL,       -- 1-based run within the file: a new block starts at
                                      -- each '# started on' line and each 'Performance counter
                                      -- stats' header following counter lines
  started_us  INTEGER,                -- the block's '# started on' time, naive local; NULL if none
  ts_us       INTEGER,                -- -I: end of the interval, µs since the run started;
                                      -- NULL for whole-run totals
  aggr        TEXT,                   -- aggregation id: S0, S0-D0, S0-D0-C1, CPU3, N0; NULL if none
  value       REAL,                   -- the count; for -I the delta of that interval;
                                      -- NULL when <not counted> / <not supported>
  status      TEXT,                   -- NULL, 'not counted' or 'not supported'
  unit        TEXT,                   -- 'Joules', 'MiB', 'msec', ... NULL for plain counts
  event       TEXT,                   -- 'power/energy-pkg/', 'cycles', ... NULL only when a record
                                      -- split over two lines never got its second half
  run_ns      INTEGER,                -- CSV: time the counter ran (summed over CPUs)
  running_pct REAL,                   -- multiplexing: 100 = counted all the time
  variance_pct REAL,                  -- -r: ( +- x% )
  metric_value REAL,                  -- derived metric perf printed (not watts for energy events)
  metric_unit TEXT,
  PRIMARY KEY (file_id, line)
) WITHOUT ROWID;

-- wattmetre-read (OmegaWatt): one row per frame and bank of six sockets (bank 0:
-- sockets 1-6, bank 1: sockets 7-12, ...), at the logger's full ~10 ms rate. A bad
-- frame (frame_is_ok false, fields empty) is kept with ok = 0 and NULL readings.
-- Phase voltages are per frame (bank 0 holds them, NULL in other banks). The view
-- wattmeter_socket gives one row per frame and socket.
CREATE TABLE wattmeter_frame (
  file_id INTEGER NOT NULL REFERENCES source_file(id) ON DELETE CASCADE,
  line    INTEGER NOT NULL,
  bank    INTEGER NOT NULL,
  ts_us   INTEGER NOT NULL,           -- UTC (epoch seconds; ns truncated to µs)
  ok      INTEGER NOT NULL,           -- #frame_is_ok
  u1_v REAL, u2_v REAL, u3_v REAL,    -- phase voltages (bank 0 only)
  i1_a REAL, p1_w REAL,               -- current and active power of socket 6*bank+1
  i2_a REAL, p2_w REAL,
  i3_a REAL, p3_w REAL,
  i4_a REAL, p4_w REAL,
  i5_a REAL, p5_w REAL,
  i6_a REAL, p6_w REAL,
  PRIMARY KEY (file_id, line, bank)
) WITHOUT ROWID;

CREATE VIEW wattmeter_socket AS
  SELECT file_id, line, ts_us, ok, 6*bank+1 AS socket, i1_a AS current_a, p1_w AS power_w FROM wattmeter_frame
  UNION ALL SELECT file_id, line, ts_us, ok, 6*bank+2, i2_a, p2_w FROM wattmeter_frame
  UNION ALL SELECT file_id, line, ts_us, ok, 6*bank+3, i3_a, p3_w FROM wattmeter_frame
  UNION ALL SELECT file_id, line, ts_us, ok, 6*bank+4, i4_a, p4_w FROM wattmeter_frame
  UNION ALL SELECT file_id, line, ts_us, ok, 6*bank+5, i5_a, p5_w FROM wattmeter_frame
  UNION ALL SELECT file_id, line, ts_us, ok, 6*bank+6, i6_a, p6_w FROM wattmeter_frame;

-- The sockets a wattmeter file has (from its header), so that the view above can
-- be filtered to real sockets when a bank is not full.
CREATE TABLE wattmeter_file (
  file_id INTEGER PRIMARY KEY REFERENCES source_file(id) ON DELETE CASCADE,
  sockets INTEGER NOT NULL
);

-- nvidia-smi --query-gpu=... --format=csv[,noheader][,nounits]: one row per data
-- line (one GPU, one sample) and one nvidia_smi_value per field of it.
CREATE TABLE nvidia_smi_sample (
  file_id INTEGER NOT NULL REFERENCES source_file(id) ON DELETE CASCADE,
  line    INTEGER NOT NULL,
  ts_us   INTEGER,                    -- naive local; NULL when no timestamp was queried
  gpu     TEXT NOT NULL,              -- index, else uuid, else pci.bus_id; without any of
                                      -- them the position of the line among the lines
                                      -- sharing its timestamp ('0' without timestamps)
  power_w REAL,                       -- power.draw (or .average, .instant), for convenience
  PRIMARY KEY (file_id, line)
) WITHOUT ROWID;

CREATE TABLE nvidia_smi_value (
  file_id INTEGER NOT NULL REFERENCES source_file(id) ON DELETE CASCADE,
  line    INTEGER NOT NULL,
  col     INTEGER NOT NULL,           -- 1-based field
  field   TEXT NOT NULL,              -- query name without unit: 'power.draw', 'name', ...
  unit    TEXT,                       -- from the header ('W', 'MiB', '%'), NULL when none
  num     REAL,                       -- the number, unit removed; NULL for text and [N/A]
  text    TEXT,                       -- the field as written when it is not a number
  PRIMARY KEY (file_id, line, col)
) WITHOUT ROWID;
