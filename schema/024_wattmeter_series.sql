-- schema/024_wattmeter_series.sql: what the ingest learns of a wattmeter log
-- while it reads it, so that the transform need not read its frames again
-- (transform/wattmeter.c): the span of its frames, and each socket integrated
-- over the whole log (common/wm_series.h) with the gap limit it guessed, with
-- what tells whether the log's own limit bridges the same intervals. Times
-- are UTC µs, as ts_us. A row of an earlier schema has these columns NULL and
-- no series: the transform reads its frames, as it did.

-- min(ts_us) and max(ts_us) of the file's frames; the count, min(ts_us) and
-- max(ts_us) of its bank-0 frames (the mean frame period is
-- (bank0_last_us - bank0_first_us) / max(bank0_frames - 1, 1)).
ALTER TABLE wattmeter_file ADD COLUMN first_us INTEGER;
ALTER TABLE wattmeter_file ADD COLUMN last_us INTEGER;
ALTER TABLE wattmeter_file ADD COLUMN bank0_frames INTEGER;
ALTER TABLE wattmeter_file ADD COLUMN bank0_first_us INTEGER;
ALTER TABLE wattmeter_file ADD COLUMN bank0_last_us INTEGER;
-- The gap limit (µs) wattmeter_series was integrated with: gap_periods (view
-- model) times the mean period of the first bank-0 frames; the longest
-- interval between a socket's readings it bridged and the shortest it did
-- not (NULL: none). The series hold for any limit L with
-- bridged_us <= L < unbridged_us.
ALTER TABLE wattmeter_file ADD COLUMN gap_us REAL;
ALTER TABLE wattmeter_file ADD COLUMN bridged_us REAL;
ALTER TABLE wattmeter_file ADD COLUMN unbridged_us REAL;

-- Per socket 6 * bank + k with a reading: the trapezoid over its readings in
-- good frames, in line order, intervals over gap_us not bridged (energy_wus
-- in W µs, covered_us the time bridged), the readings, the first and last
-- time.
CREATE TABLE wattmeter_series (
  file_id    INTEGER NOT NULL REFERENCES source_file(id) ON DELETE CASCADE,
  bank       INTEGER NOT NULL,
  k          INTEGER NOT NULL,          -- 1-6
  energy_wus REAL NOT NULL,
  covered_us REAL NOT NULL,
  samples    INTEGER NOT NULL,
  first_us   INTEGER NOT NULL,
  last_us    INTEGER NOT NULL,
  PRIMARY KEY (file_id, bank, k)
) WITHOUT ROWID;
