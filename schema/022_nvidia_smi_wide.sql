-- schema/022_nvidia_smi_wide.sql: an nvidia-smi line stored as one row. The
-- sample row of a line holds its first 16 fields in typed slots (n1, t1 ..
-- n16, t16), the file's field lists are stored once per list
-- (nvidia_smi_field), and fields 17 .. 64 of a line, which few logs have, keep
-- the one-row-per-field shape (nvidia_smi_value_more). nvidia_smi_value, one
-- row per field of a line, is now a view over them with the former table's
-- columns and rows, so that its readers are unchanged. A database of an
-- earlier schema has its nvidia_smi_value rows moved into the new shape here.

-- The line's field list: fields_line is the file's line that starts it (see
-- nvidia_smi_field). Slot k holds field k as the view shows it: n_k the number,
-- its unit removed (nvidia_smi_value.num), t_k the field as written when it is
-- not a number (nvidia_smi_value.text); both NULL where the field was empty.
ALTER TABLE nvidia_smi_sample ADD COLUMN fields_line INTEGER;
ALTER TABLE nvidia_smi_sample ADD COLUMN n1 REAL;
ALTER TABLE nvidia_smi_sample ADD COLUMN t1 TEXT;
ALTER TABLE nvidia_smi_sample ADD COLUMN n2 REAL;
ALTER TABLE nvidia_smi_sample ADD COLUMN t2 TEXT;
ALTER TABLE nvidia_smi_sample ADD COLUMN n3 REAL;
ALTER TABLE nvidia_smi_sample ADD COLUMN t3 TEXT;
ALTER TABLE nvidia_smi_sample ADD COLUMN n4 REAL;
ALTER TABLE nvidia_smi_sample ADD COLUMN t4 TEXT;
ALTER TABLE nvidia_smi_sample ADD COLUMN n5 REAL;
ALTER TABLE nvidia_smi_sample ADD COLUMN t5 TEXT;
ALTER TABLE nvidia_smi_sample ADD COLUMN n6 REAL;
ALTER TABLE nvidia_smi_sample ADD COLUMN t6 TEXT;
ALTER TABLE nvidia_smi_sample ADD COLUMN n7 REAL;
ALTER TABLE nvidia_smi_sample ADD COLUMN t7 TEXT;
ALTER TABLE nvidia_smi_sample ADD COLUMN n8 REAL;
ALTER TABLE nvidia_smi_sample ADD COLUMN t8 TEXT;
ALTER TABLE nvidia_smi_sample ADD COLUMN n9 REAL;
ALTER TABLE nvidia_smi_sample ADD COLUMN t9 TEXT;
ALTER TABLE nvidia_smi_sample ADD COLUMN n10 REAL;
ALTER TABLE nvidia_smi_sample ADD COLUMN t10 TEXT;
ALTER TABLE nvidia_smi_sample ADD COLUMN n11 REAL;
ALTER TABLE nvidia_smi_sample ADD COLUMN t11 TEXT;
ALTER TABLE nvidia_smi_sample ADD COLUMN n12 REAL;
ALTER TABLE nvidia_smi_sample ADD COLUMN t12 TEXT;
ALTER TABLE nvidia_smi_sample ADD COLUMN n13 REAL;
ALTER TABLE nvidia_smi_sample ADD COLUMN t13 TEXT;
ALTER TABLE nvidia_smi_sample ADD COLUMN n14 REAL;
ALTER TABLE nvidia_smi_sample ADD COLUMN t14 TEXT;
ALTER TABLE nvidia_smi_sample ADD COLUMN n15 REAL;
ALTER TABLE nvidia_smi_sample ADD COLUMN t15 TEXT;
ALTER TABLE nvidia_smi_sample ADD COLUMN n16 REAL;
ALTER TABLE nvidia_smi_sample ADD COLUMN t16 TEXT;

-- A file's field lists, each written once: its columns (1-based), query names
-- without unit and units (NULL: none) as the header (or the field list given
-- for a headerless file) named them. A list starts at the first stored line
-- whose field list differs from the one of the file's stored line before it (a
-- header repeated before every line, nvidia-smi run with >>, starts none);
-- fields_line is that line.
CREATE TABLE nvidia_smi_field (
  file_id     INTEGER NOT NULL REFERENCES source_file(id) ON DELETE CASCADE,
  fields_line INTEGER NOT NULL,
  col         INTEGER NOT NULL,
  field       TEXT NOT NULL,
  unit        TEXT,
  PRIMARY KEY (file_id, fields_line, col)
) WITHOUT ROWID;

-- Fields 17 .. 64 of a line, one row each, as nvidia_smi_value shows them.
CREATE TABLE nvidia_smi_value_more (
  file_id INTEGER NOT NULL REFERENCES source_file(id) ON DELETE CASCADE,
  line    INTEGER NOT NULL,
  col     INTEGER NOT NULL,           -- 17 .. 64
  field   TEXT NOT NULL,
  unit    TEXT,
  num     REAL,
  text    TEXT,
  PRIMARY KEY (file_id, line, col)
) WITHOUT ROWID;

-- The former table's rows. Each line that has a sample row gets the line that
-- starts its field list: a line starts a list when it is the file's first, or
-- its (col, field, unit) rows are not those of the file's line before it.
CREATE TEMP TABLE nv_wide_line (
  file_id INTEGER, line INTEGER, fields_line INTEGER, PRIMARY KEY (file_id, line)
) WITHOUT ROWID;
INSERT INTO nv_wide_line(file_id, line, fields_line)
WITH lines AS (
  SELECT file_id, line, count(*) AS n,
         lag(line) OVER w AS prev, lag(count(*)) OVER w AS prev_n
  FROM nvidia_smi_value v
  WHERE EXISTS (SELECT 1 FROM nvidia_smi_sample s WHERE s.file_id = v.file_id AND s.line = v.line)
  GROUP BY file_id, line WINDOW w AS (PARTITION BY file_id ORDER BY line)),
marked AS (
  SELECT l.file_id, l.line,
         CASE WHEN l.prev IS NULL OR l.prev_n <> l.n THEN 1
              WHEN (SELECT count(*) FROM nvidia_smi_value a JOIN nvidia_smi_value b
                      ON b.file_id = a.file_id AND b.line = l.prev AND b.col = a.col
                     AND b.field = a.field AND b.unit IS a.unit
                    WHERE a.file_id = l.file_id AND a.line = l.line) <> l.n THEN 1
              ELSE 0 END AS starts
  FROM lines l),
numbered AS (
  SELECT file_id, line,
         sum(starts) OVER (PARTITION BY file_id ORDER BY line ROWS UNBOUNDED PRECEDING) AS k
  FROM marked)
SELECT file_id, line, min(line) OVER (PARTITION BY file_id, k) FROM numbered;

UPDATE nvidia_smi_sample AS s SET fields_line = l.fields_line,
  n1 = v.n1, t1 = v.t1,
  n2 = v.n2, t2 = v.t2,
  n3 = v.n3, t3 = v.t3,
  n4 = v.n4, t4 = v.t4,
  n5 = v.n5, t5 = v.t5,
  n6 = v.n6, t6 = v.t6,
  n7 = v.n7, t7 = v.t7,
  n8 = v.n8, t8 = v.t8,
  n9 = v.n9, t9 = v.t9,
  n10 = v.n10, t10 = v.t10,
  n11 = v.n11, t11 = v.t11,
  n12 = v.n12, t12 = v.t12,
  n13 = v.n13, t13 = v.t13,
  n14 = v.n14, t14 = v.t14,
  n15 = v.n15, t15 = v.t15,
  n16 = v.n16, t16 = v.t16
FROM nv_wide_line l LEFT JOIN (
  SELECT file_id, line,
         max(CASE col WHEN 1 THEN num END) AS n1, max(CASE col WHEN 1 THEN text END) AS t1,
         max(CASE col WHEN 2 THEN num END) AS n2, max(CASE col WHEN 2 THEN text END) AS t2,
         max(CASE col WHEN 3 THEN num END) AS n3, max(CASE col WHEN 3 THEN text END) AS t3,
         max(CASE col WHEN 4 THEN num END) AS n4, max(CASE col WHEN 4 THEN text END) AS t4,
         max(CASE col WHEN 5 THEN num END) AS n5, max(CASE col WHEN 5 THEN text END) AS t5,
         max(CASE col WHEN 6 THEN num END) AS n6, max(CASE col WHEN 6 THEN text END) AS t6,
         max(CASE col WHEN 7 THEN num END) AS n7, max(CASE col WHEN 7 THEN text END) AS t7,
         max(CASE col WHEN 8 THEN num END) AS n8, max(CASE col WHEN 8 THEN text END) AS t8,
         max(CASE col WHEN 9 THEN num END) AS n9, max(CASE col WHEN 9 THEN text END) AS t9,
         max(CASE col WHEN 10 THEN num END) AS n10, max(CASE col WHEN 10 THEN text END) AS t10,
         max(CASE col WHEN 11 THEN num END) AS n11, max(CASE col WHEN 11 THEN text END) AS t11,
         max(CASE col WHEN 12 THEN num END) AS n12, max(CASE col WHEN 12 THEN text END) AS t12,
         max(CASE col WHEN 13 THEN num END) AS n13, max(CASE col WHEN 13 THEN text END) AS t13,
         max(CASE col WHEN 14 THEN num END) AS n14, max(CASE col WHEN 14 THEN text END) AS t14,
         max(CASE col WHEN 15 THEN num END) AS n15, max(CASE col WHEN 15 THEN text END) AS t15,
         max(CASE col WHEN 16 THEN num END) AS n16, max(CASE col WHEN 16 THEN text END) AS t16
  FROM nvidia_smi_value WHERE col <= 16 GROUP BY file_id, line) v
  ON v.file_id = l.file_id AND v.line = l.line
WHERE s.file_id = l.file_id AND s.line = l.line;

INSERT INTO nvidia_smi_field(file_id, fields_line, col, field, unit)
SELECT v.file_id, l.fields_line, v.col, v.field, v.unit
FROM nv_wide_line l JOIN nvidia_smi_value v ON v.file_id = l.file_id AND v.line = l.line
WHERE l.line = l.fields_line;

-- the fields past the slots, and any row of no sample row (none that wattdb
-- wrote), as they were
INSERT INTO nvidia_smi_value_more(file_id, line, col, field, unit, num, text)
SELECT file_id, line, col, field, unit, num, text FROM nvidia_smi_value v
WHERE col > 16 OR NOT EXISTS (SELECT 1 FROM nv_wide_line l WHERE l.file_id = v.file_id AND l.line = v.line);

DROP TABLE nv_wide_line;
DROP TABLE nvidia_smi_value;

-- One row per field of a stored line, as the table of that name held them:
-- the slot of each field of the line's list up to 16, then the fields past it.
CREATE VIEW nvidia_smi_value AS
SELECT s.file_id, s.line, f.col, f.field, f.unit,
       CASE f.col
         WHEN 1 THEN s.n1
         WHEN 2 THEN s.n2
         WHEN 3 THEN s.n3
         WHEN 4 THEN s.n4
         WHEN 5 THEN s.n5
         WHEN 6 THEN s.n6
         WHEN 7 THEN s.n7
         WHEN 8 THEN s.n8
         WHEN 9 THEN s.n9
         WHEN 10 THEN s.n10
         WHEN 11 THEN s.n11
         WHEN 12 THEN s.n12
         WHEN 13 THEN s.n13
         WHEN 14 THEN s.n14
         WHEN 15 THEN s.n15
         WHEN 16 THEN s.n16
       END AS num,
       CASE f.col
         WHEN 1 THEN s.t1
         WHEN 2 THEN s.t2
         WHEN 3 THEN s.t3
         WHEN 4 THEN s.t4
         WHEN 5 THEN s.t5
         WHEN 6 THEN s.t6
         WHEN 7 THEN s.t7
         WHEN 8 THEN s.t8
         WHEN 9 THEN s.t9
         WHEN 10 THEN s.t10
         WHEN 11 THEN s.t11
         WHEN 12 THEN s.t12
         WHEN 13 THEN s.t13
         WHEN 14 THEN s.t14
         WHEN 15 THEN s.t15
         WHEN 16 THEN s.t16
       END AS text
FROM nvidia_smi_sample s JOIN nvidia_smi_field f
  ON f.file_id = s.file_id AND f.fields_line = s.fields_line AND f.col <= 16
UNION ALL
SELECT file_id, line, col, field, unit, num, text FROM nvidia_smi_value_more;
