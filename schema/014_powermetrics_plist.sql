-- schema/014_powermetrics_plist.sql: the `-f plist` form of macOS powermetrics
-- (ingest/fmt_powermetrics_plist.c) in the tables of the text form
-- (schema/012_powermetrics.sql), so that source_energy integrates both alike.
--
-- A plist document is one sample; it is parsed when its `</plist>` line
-- arrives, so every row it gives is at that line: one powermetrics_sample row
-- and several powermetrics_power rows (one per component and device).
-- powermetrics_power is therefore keyed by (file_id, line, name) from this
-- version (rebuilt below, its rows kept); a text-form line still holds one row.

-- The plist gives a sample's own energy (`cpu_energy`, mJ) beside its mean
-- power (`cpu_power`, mW): energy_j holds the former, in J. NULL for the text
-- form, which gives powers only.
CREATE TABLE powermetrics_power_014 (
  file_id  INTEGER NOT NULL REFERENCES source_file(id) ON DELETE CASCADE,
  line     INTEGER NOT NULL,          -- text: the power line; plist: the document's `</plist>` line
  sample_line INTEGER,                -- the sample's line (see 012); plist: = line
  section  TEXT NOT NULL,             -- 'processor', 'gpu' (the GPU sampler's), '' (see 012)
  name     TEXT NOT NULL,             -- text: as written; plist: the keys' path without
                                      -- _energy/_power: 'processor.cpu', 'gpu.gpu',
                                      -- 'processor.clusters[1]'
  component TEXT NOT NULL,            -- as in 012
  device   TEXT NOT NULL,             -- the cluster ('E-Cluster', 'P0-Cluster'), else ''
  power_w  REAL,                      -- mean power over the sample, W; NULL: not given
  counted  INTEGER NOT NULL,          -- 1: the sample's first row of this component and device
  energy_j REAL,                      -- the sample's own energy, J (plist `*_energy`, mJ);
                                      -- NULL: not given (the text form, `combined_power`)
  PRIMARY KEY (file_id, line, name)
);
INSERT INTO powermetrics_power_014(file_id, line, sample_line, section, name, component, device, power_w,
                                   counted)
  SELECT file_id, line, sample_line, section, name, component, device, power_w, counted
  FROM powermetrics_power;
DROP TABLE powermetrics_power;
ALTER TABLE powermetrics_power_014 RENAME TO powermetrics_power;
CREATE INDEX powermetrics_power_sample ON powermetrics_power(file_id, sample_line);

-- A plist sample: the document's first line (its `</plist>` line is `line`),
-- what it says of the Mac, and how many of its keys were read and not read
-- (the other samplers' keys: tasks, disk, network, ...). NULL for the text form.
ALTER TABLE powermetrics_sample ADD COLUMN first_line INTEGER;
ALTER TABLE powermetrics_sample ADD COLUMN hw_model TEXT;       -- `hw_model`: 'Mac16,5'
ALTER TABLE powermetrics_sample ADD COLUMN os_version TEXT;     -- `kern_osversion`: '25C56'
ALTER TABLE powermetrics_sample ADD COLUMN keys_read INTEGER;   -- keys stored (values, names, dates)
ALTER TABLE powermetrics_sample ADD COLUMN keys_skipped INTEGER;-- every other key of the document
