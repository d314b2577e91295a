-- schema/011_powerjoular.sql: raw tables of PowerJoular CSV logs
-- (ingest/fmt_powerjoular.c): the machine file `powerjoular.csv`
-- (Date,CPU Utilization,Total Power,CPU Power,GPU Power) and the per-process file
-- `<FILE>-<PID>.csv` / `<FILE>-<APP>.csv` of -p / -a (Date,CPU Utilization,CPU Power).
--
-- Times are naive local (source_file.time_convention 'naive-local': PowerJoular
-- writes the local wall clock), in µs; second resolution, or milliseconds with -c.
-- Powers in W; utilisation a 0-1 fraction, as written. A column the file does
-- not have (the GPU and total of a per-process file) is NULL, as is a reading
-- written as nan.

-- One row per data line.
CREATE TABLE powerjoular_sample (
  file_id       INTEGER NOT NULL REFERENCES source_file(id) ON DELETE CASCADE,
  line          INTEGER NOT NULL,
  ts_us         INTEGER NOT NULL,     -- 'Date', naive local
  cpu_util      REAL,                 -- 'CPU Utilization', 0-1 (the process's share in a
                                      -- per-process file)
  total_power_w REAL,                 -- 'Total Power' = CPU + GPU; NULL in a per-process file
  cpu_power_w   REAL,                 -- 'CPU Power' (the process's share in a per-process file)
  gpu_power_w   REAL,                 -- 'GPU Power'; NULL in a per-process file
  PRIMARY KEY (file_id, line)
) WITHOUT ROWID;

-- What each file is: the machine's ('system'; also a three-column file whose
-- name has no `-<target>.csv` suffix: PowerJoular 0.1's machine file, CPU power
-- only) or one process's or application's ('process': three columns, target
-- from the file name `<FILE>-<target>.csv`; NULL for 'system').
CREATE TABLE powerjoular_file (
  file_id INTEGER PRIMARY KEY REFERENCES source_file(id) ON DELETE CASCADE,
  layout  TEXT NOT NULL CHECK (layout IN ('system', 'process')),
  target  TEXT
);
