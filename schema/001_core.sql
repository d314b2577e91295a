-- schema/001_core.sql: the bookkeeping tables every raw format shares.
--
-- source_file is the auxiliary table of processed files: one row per logical path
-- ever seen. A rerun decides from it, before reading a byte, whether a file is
-- unchanged (same size and mtime, same parser version), and from its content hash
-- whether a new path only repeats content already stored (then the new path is a
-- 'duplicate' that owns no rows). Every raw row and every rejected row points at
-- the source_file that owns it, so replacing a file's content deletes its old rows
-- by cascade, in the same transaction that inserts the new ones.
--
-- Times: every *_us column is an integer count of microseconds since
-- 1970-01-01 00:00:00 of the clock named by source_file.time_convention:
--   'naive-local' the logger wrote local wall-clock time without a zone; the value
--                 is that wall-clock reading taken as if it were UTC (so it compares
--                 with other naive-local values, not with 'utc' ones)
--   'utc'         true Unix time
--   'relative'    seconds since the start of the measurement (perf -I)

CREATE TABLE run (                    -- a training run: the eprof folder and stamp
  id          INTEGER PRIMARY KEY,
  environment TEXT NOT NULL,          -- raw/{env}/...           e.g. 'cloud'
  architecture TEXT NOT NULL,         -- raw/{env}/{arch}/...    e.g. 'mobilenet_v2'
  dataset     TEXT NOT NULL,          -- raw/{env}/{arch}/{dataset}/, '' in the older 2-level layout
  stamp       TEXT NOT NULL,          -- T of gpu-power-T.csv, '%Y%m%dT%H%M%S', naive local
  UNIQUE (environment, architecture, dataset, stamp)
);

CREATE TABLE source_file (
  id            INTEGER PRIMARY KEY,
  path          TEXT NOT NULL UNIQUE, -- relative to the root given, or 'archive.zip:member'
  size          INTEGER NOT NULL,     -- bytes
  mtime         INTEGER NOT NULL,     -- seconds since 1970 (archive member's own mtime)
  sha256        TEXT,                 -- hex digest of the content; NULL while unknown
  format        TEXT,                 -- e.g. 'eprof-gpu'; NULL when unrecognised
  format_version TEXT,                -- header variant within the format, e.g. 'native', '4col'
  parser_version INTEGER NOT NULL DEFAULT 0, -- bumped when a parser's rules change: forces a re-read
  time_convention TEXT,               -- 'naive-local', 'utc', 'relative' (see above)
  status        TEXT NOT NULL CHECK (status IN ('ok','partial','rejected','duplicate')),
                                      -- ok: every data line stored; partial: some lines rejected;
                                      -- rejected: the whole file refused (error says why), no rows;
                                      -- duplicate: same bytes as duplicate_of, which owns the rows
  duplicate_of  INTEGER REFERENCES source_file(id),
  run_id        INTEGER REFERENCES run(id), -- the eprof run the file belongs to, by its path
  lines         INTEGER NOT NULL DEFAULT 0, -- lines read (a last line without newline counts)
  skipped_lines INTEGER NOT NULL DEFAULT 0, -- header lines, repeated headers, blank lines: not data
  rows_ok       INTEGER NOT NULL DEFAULT 0, -- data lines stored in a raw table
  rows_rejected INTEGER NOT NULL DEFAULT 0, -- data lines stored in rejected_row instead
  error         TEXT,                 -- why the file was rejected, or the first row error
  ingested_at   TEXT NOT NULL         -- UTC, ISO 8601, when this content was read
);
CREATE INDEX source_file_sha256 ON source_file(sha256);
CREATE INDEX source_file_run ON source_file(run_id);

-- Invariant, for every file with status ok or partial:
--   lines = skipped_lines + rows_ok + rows_rejected   (lines counts records: a quoted
--   field that spans lines makes one record, numbered by its first line)
--   rows_rejected = (SELECT count(*) FROM rejected_row WHERE file_id = id)
CREATE TABLE rejected_row (
  file_id INTEGER NOT NULL REFERENCES source_file(id) ON DELETE CASCADE,
  line    INTEGER NOT NULL,           -- 1-based physical line
  col     INTEGER NOT NULL,           -- 1-based field; 0 when the whole line is at fault
  reason  TEXT NOT NULL,              -- code: truncated, field_count, bad_time, bad_number, ...
  message TEXT NOT NULL,              -- what a person reads
  raw     TEXT NOT NULL,              -- the line as it was
  PRIMARY KEY (file_id, line)
) WITHOUT ROWID;

-- A value stored as NULL in a raw table because the logger wrote a sentinel such
-- as '[N/A]' or '[Not Supported]': the row is kept, the original text is here.
CREATE TABLE unparsed_value (
  file_id INTEGER NOT NULL REFERENCES source_file(id) ON DELETE CASCADE,
  line    INTEGER NOT NULL,
  col     INTEGER NOT NULL,
  name    TEXT NOT NULL,              -- the raw table's column left NULL
  text    TEXT NOT NULL,              -- what the file said
  PRIMARY KEY (file_id, line, col)
) WITHOUT ROWID;

CREATE TABLE setting (                -- user settings kept with the data (carbon intensity, PUE, ...)
  name  TEXT PRIMARY KEY,
  value
) WITHOUT ROWID;
