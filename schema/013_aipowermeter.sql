-- schema/013_aipowermeter.sql: raw tables of AIPowerMeter's `power_metrics.json`
-- (ingest/fmt_aipowermeter.c): JSON Lines, one record per sampling period
--   {"date": "2023-06-30 16:32:48.631352", "metrics": {"cpu": {...}, "gpu": {...}}}
-- and, between recording segments, a line holding the JSON string
-- "END OF RECORDING SEGMENT".
--
-- Times are naive local (source_file.time_convention 'naive-local': `date` is
-- Python's str(datetime.now())), in µs. Powers in W, each the average over the
-- sampling period that ends at `date` (RAPL or NVML energy delta / period, or
-- nvidia-smi's reading). What a record does not hold is NULL.

-- One row per record. The machine-level powers have columns, named after the key
-- that holds them (metrics.cpu.* and metrics.gpu.*); every other value of the
-- record is in aipowermeter_value.
CREATE TABLE aipowermeter_record (
  file_id    INTEGER NOT NULL REFERENCES source_file(id) ON DELETE CASCADE,
  line       INTEGER NOT NULL,
  segment    INTEGER NOT NULL,        -- 0, then +1 after each segment marker line
  ts         TEXT NOT NULL,           -- `date` as written
  ts_us      INTEGER NOT NULL,        -- `date`, naive local
  intel_power_w          REAL,        -- cpu.intel_power: RAPL package domains, summed over packages
  total_cpu_power_w      REAL,        -- cpu.total_cpu_power: the core (pp0) subdomains (inside the package)
  total_dram_power_w     REAL,        -- cpu.total_dram_power: the dram subdomains (outside the package)
  uncore_power_w         REAL,        -- cpu.uncore_power (a number, or the sum of its list)
  psys_power_w           REAL,        -- cpu.psys_power: the platform (psys) domain; the
                                      -- file's -1 ("not available") is NULL (unparsed_value)
  nvidia_draw_absolute_w REAL,        -- gpu.nvidia_draw_absolute: nvidia-smi power.draw, all GPUs
  nvidia_power_w         REAL,        -- gpu.nvidia_power (2026): NVML energy delta / period, all GPUs
  PRIMARY KEY (file_id, line)
) WITHOUT ROWID;

-- Every value of a record that has no column above, one row per JSON leaf (a
-- number, string, boolean or null, or an empty object or list), so that nothing
-- the file holds is dropped, unknown keys included.
--   metric  the keys down to the measurement: 'cpu.per_process_cpu_power',
--           'gpu.per_gpu_power_draw', 'temperature.coretemp'; a top-level key
--           other than date and metrics is its own metric ('hostname')
--   device  a GPU index (the first level of a per_gpu_* dict, or the `gpu` of
--           a pmon row in per_gpu_average_estimated_utilization_absolute;
--           'all' in per_gpu_attributable_power) or the index in a list of
--           per-package values (uncore_power)
--   pid     a process id: the key of a per-process dict (cpu.per_process_*,
--           cpu_uses, mem_use_*, rel_intel_power, absolute_cpu_time_per_pid),
--           the second level of a per_gpu_* dict, the `pid` of a pmon row
--   sub     the rest of the path, '/'-separated: list positions, inner keys
--           (a pmon row's 'sm', a sensors_temperatures tuple's '0/1')
-- A value is in `value` when it is a number (true/false: 1/0), in `text` when it
-- is a string or not a number ('true', 'null', '{}', '[]'); both may be set.
CREATE TABLE aipowermeter_value (
  file_id INTEGER NOT NULL REFERENCES source_file(id) ON DELETE CASCADE,
  line    INTEGER NOT NULL,           -- the record's line
  n       INTEGER NOT NULL,           -- 1-based position of the leaf in the record
  metric  TEXT NOT NULL,
  device  TEXT,
  pid     TEXT,
  sub     TEXT,
  value   REAL,
  text    TEXT,
  PRIMARY KEY (file_id, line, n)
) WITHOUT ROWID;

-- The segment marker lines ("END OF RECORDING SEGMENT", written by the
-- recorder's close_driver() when a recording stops): the segment they end.
CREATE TABLE aipowermeter_marker (
  file_id INTEGER NOT NULL REFERENCES source_file(id) ON DELETE CASCADE,
  line    INTEGER NOT NULL,
  segment INTEGER NOT NULL,
  text    TEXT NOT NULL,              -- the JSON string as decoded
  PRIMARY KEY (file_id, line)
) WITHOUT ROWID;

-- The machine-level powers of each record as the components of source_energy
-- and v_power name them (transform/50_sources.sql says why these and not the
-- others), one row per record and component, NULL where the record has none:
--   'package' <- intel_power_w; 'dram' <- total_dram_power_w;
--   'psys'    <- psys_power_w (overlaps 'package': its own component);
--   'gpu'     <- nvidia_power_w, else nvidia_draw_absolute_w.
CREATE VIEW aipowermeter_power AS
  SELECT r.file_id, r.line, r.segment, r.ts_us, c.component,
         CASE c.component WHEN 'package' THEN r.intel_power_w WHEN 'dram' THEN r.total_dram_power_w
                          WHEN 'psys' THEN r.psys_power_w
                          ELSE coalesce(r.nvidia_power_w, r.nvidia_draw_absolute_w) END AS power_w
  FROM aipowermeter_record r
  CROSS JOIN (SELECT 'package' AS component UNION ALL SELECT 'dram' UNION ALL SELECT 'psys'
              UNION ALL SELECT 'gpu') c;
