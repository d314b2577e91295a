-- schema/008_coverage.sql: how much of each run its measurements cover, and the
-- runs a researcher should look at before trusting their totals.
--
-- A run's window (default profile) is processed_run's (start_us, end_us]: from
-- its first to its last GPU sample. For the two components of energy_j, the
-- eprof GPU power and the RAM power from the CPU log's RSS, the transform
-- (transform/integrate.c) records in processed_coverage the readings inside the
-- window, the first and last of them, the seconds its bridged intervals cover (an
-- interval longer than 5 measured sampling periods is a gap, as in the default
-- energies) and the longest stretch of the window that nothing covers. A CPU log
-- that stops an hour before the GPU log shows a RAM share far below 1.
--
-- What energy_j does with partial coverage: it is the energy measured, never
-- extrapolated; v_run_coverage offers, clearly apart, extrapolated_energy_j
-- (the component's energy divided by its share, NULL when nothing was measured),
-- and v_run_warning lists every run and component under the share in the setting
-- coverage_warning_share (0.95 unless set). Both views read source_energy, which
-- the transform makes, so a later file defines them (schema/020_sources.sql).

CREATE TABLE processed_coverage (
  run_id          INTEGER NOT NULL REFERENCES run(id) ON DELETE CASCADE,
  profile         TEXT NOT NULL,      -- 'default'
  component       TEXT NOT NULL,      -- 'gpu' (eprof GPU power), 'ram' (eprof CPU log, RSS)
  window_start_us INTEGER NOT NULL,   -- the run's window, naive local
  window_end_us   INTEGER NOT NULL,
  samples         INTEGER NOT NULL,   -- readings inside the window
  first_us        INTEGER,            -- first and last of them; NULL: none
  last_us         INTEGER,
  covered_s       REAL NOT NULL,      -- window seconds its bridged intervals cover
  longest_gap_s   REAL NOT NULL,      -- the longest stretch of the window none covers
  PRIMARY KEY (run_id, profile, component)
) WITHOUT ROWID;
