-- schema/009_clock_offset.sql: the clock offset applied to each source file
-- whose times are UTC (source_file.time_convention = 'utc': wattmeter logs), to
-- place it on the naive local clock of the eprof runs, and how it was found.
--
-- Rebuilt by every transform that rebuilds transform/50_sources.sql's tables
-- (transform/clock.c fills it just before): local = UTC + offset_s.
--   given      the setting local_utc_offset_s (`--utc-offset S`) applies to
--              every UTC file; nothing is estimated
--   estimated  no offset given: of the whole and quarter-hour shifts from -14 h
--              to +14 h, the one whose shifted wall power correlates best with
--              the runs' GPU + RAPL power (both resampled to one grid of grid_s
--              seconds), when that fit is clear: score (Pearson r) at least 0.5
--              and at least 0.2 above the runner-up
--   none       no offset given and none found (no run within 14 h of the file,
--              a flat log, a weak or ambiguous fit): offset_s is 0, the file's
--              UTC times are read as local, and the transform prints the
--              --utc-offset option to pass (best_s when there is a candidate)
-- IF NOT EXISTS: a database set back to an older user_version with this table
-- left in place (tests/test_rejected_raw.c) upgrades again without an error.
CREATE TABLE IF NOT EXISTS clock_offset (
  file_id   INTEGER PRIMARY KEY REFERENCES source_file(id) ON DELETE CASCADE,
  offset_s  INTEGER NOT NULL,         -- applied: local time minus UTC, seconds
  method    TEXT NOT NULL CHECK (method IN ('given', 'estimated', 'none')),
  best_s    INTEGER,                  -- the best shift found (NULL: given, nothing to compare)
  score     REAL,                     -- its correlation, -1..1
  runner_up_s INTEGER,                -- the second best shift and its correlation
  runner_up_score REAL,
  points    INTEGER,                  -- grid points of the file's power compared
  grid_s    INTEGER,                  -- the grid step, seconds
  reason    TEXT                      -- 'none': why no offset was taken
);
