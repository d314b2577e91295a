-- schema/012_powermetrics.sql: raw tables of macOS `powermetrics` text output
-- (ingest/fmt_powermetrics.c). source_file.time_convention is 'utc': every
-- sample's date carries the Mac's UTC offset, and ts_us is that date in UTC.
-- Powers are stored in watts whatever the file's unit (mW on Apple Silicon, W
-- on Intel).

-- The lines of the file's header (`Machine model: MacBookAir10,1`, `OS version:
-- 21G115`, `Boot time: ...`, Intel `SMC version:`, `EFI version:`), as written.
CREATE TABLE powermetrics_info (
  file_id  INTEGER NOT NULL REFERENCES source_file(id) ON DELETE CASCADE,
  line     INTEGER NOT NULL,
  key      TEXT NOT NULL,             -- before the first ':'
  value    TEXT NOT NULL,             -- after it, blanks around removed ('' when empty)
  PRIMARY KEY (file_id, line)
);

-- One row per `*** Sampled system activity (DATE OFFSET) (N ms elapsed) ***` line.
CREATE TABLE powermetrics_sample (
  file_id  INTEGER NOT NULL REFERENCES source_file(id) ON DELETE CASCADE,
  line     INTEGER NOT NULL,          -- the separator line
  sample   INTEGER NOT NULL,          -- 1-based, in file order
  ts_us    INTEGER,                   -- the date, UTC (local - offset), 1 s resolution;
                                      -- NULL when the line has no date
  utc_offset_s INTEGER,               -- the date's offset: local time minus UTC, seconds
  elapsed_us INTEGER,                 -- the sample's own measured length (`104.51ms elapsed`)
  complete INTEGER NOT NULL DEFAULT 1,-- 0: the file ends inside this sample (a torn last
                                      -- line, or its power lines cut off): not in source_energy
  PRIMARY KEY (file_id, line)
);

-- One row per power line of a sample.
CREATE TABLE powermetrics_power (
  file_id  INTEGER NOT NULL REFERENCES source_file(id) ON DELETE CASCADE,
  line     INTEGER NOT NULL,
  sample_line INTEGER,                -- the sample's separator line; NULL when its separator
                                      -- was lost (a line the driver refused, e.g. 'nul_byte')
  section  TEXT NOT NULL,             -- 'processor' (`**** Processor usage ****`), 'gpu'
                                      -- (`**** GPU usage ****`), '' (before any section)
  name     TEXT NOT NULL,             -- as written: 'E-Cluster Power', 'Combined Power (CPU + GPU + ANE)'
  component TEXT NOT NULL,            -- 'cpu', 'gpu', 'ane', 'dram', 'package', 'combined',
                                      -- 'cluster' (per CPU cluster), 'other'
  device   TEXT NOT NULL,             -- the cluster ('E-Cluster', 'P0-Cluster'), else ''
  power_w  REAL,                      -- mean power over the sample, W; NULL: not a reading
  counted  INTEGER NOT NULL,          -- 1: the sample's first line of this component and
                                      -- device (the GPU sampler repeats `GPU Power`): the one
                                      -- source_energy integrates
  PRIMARY KEY (file_id, line)
);
CREATE INDEX powermetrics_power_sample ON powermetrics_power(file_id, sample_line);
