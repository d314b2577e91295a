-- schema/025_nvidia_smi_numbers.sql: an nvidia-smi line's sample row holds
-- numbers only. The slots t1 .. t16 (a field's text as written), which since
-- 023_nvidia_smi_texts.sql few lines fill, go: an 8-field line's row had 39
-- columns, 24 of them NULL, and now has 23. A slot's text that is neither
-- numbered in nvidia_smi_text nor given back by ts_us (a time not as
-- nvidia-smi writes it, a text too long to number or past the file's
-- numbered texts) is a row of nvidia_smi_value_more, as the fields past the
-- slots are, and the line's texts bit 16 + k - 1 says that slot k's field is
-- there (ingest/fmt_nvidia_smi.c, MORE_BIT0). nvidia_smi_value shows the same
-- rows as before. A database of an earlier schema has its t_k texts moved so.

-- The slot texts to move: as nvidia_smi_value showed them (a numbered text
-- was shown from nvidia_smi_text, whatever t_k held).
CREATE TEMP TABLE nv_slot_text AS
SELECT file_id, line, col, field, unit, num, t AS text FROM (
  SELECT s.file_id, s.line, f.col, f.field, f.unit,
         CASE WHEN f.sample_column = 'power_w' THEN s.power_w
              WHEN (s.texts >> (f.col - 1)) & 1 THEN NULL
              ELSE CASE f.col
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
                   END END AS num,
         CASE WHEN (s.texts >> (f.col - 1)) & 1 THEN NULL
              ELSE CASE f.col
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
                   END END AS t
  FROM nvidia_smi_sample s JOIN nvidia_smi_field f
    ON f.file_id = s.file_id AND f.fields_line = s.fields_line AND f.col <= 16)
WHERE t IS NOT NULL;

INSERT INTO nvidia_smi_value_more(file_id, line, col, field, unit, num, text)
SELECT file_id, line, col, field, unit, num, text FROM nv_slot_text;

UPDATE nvidia_smi_sample AS s SET texts = coalesce(s.texts, 0) | m.bits
FROM (SELECT file_id, line, sum(1 << (col + 15)) AS bits FROM nv_slot_text GROUP BY file_id, line) m
WHERE s.file_id = m.file_id AND s.line = m.line;

DROP TABLE nv_slot_text;
DROP VIEW nvidia_smi_value;

-- The table made again without t1 .. t16, in one pass over its rows (where
-- sixteen DROP COLUMNs would rewrite every row sixteen times). The rename
-- leaves the views that read nvidia_smi_sample as they are (legacy mode):
-- they name the table, which has that name again. An index or trigger of the
-- user's on the table goes with it; its freed pages stay in the file until a
-- VACUUM.
CREATE TABLE nvidia_smi_sample_numbers (
  file_id INTEGER NOT NULL REFERENCES source_file(id) ON DELETE CASCADE,
  line    INTEGER NOT NULL,
  ts_us   INTEGER,                    -- naive local; NULL when no timestamp was queried
  gpu     TEXT NOT NULL,              -- index, else uuid, else pci.bus_id; without any of
                                      -- them the position of the line among the lines
                                      -- sharing its timestamp ('0' without timestamps)
  power_w REAL,                       -- power.draw (or .average, .instant), for convenience
  fields_line INTEGER,                -- the line that starts the line's field list
                                      -- (nvidia_smi_field)
  -- slot k: field k's number, its unit removed, or its text's number in
  -- nvidia_smi_text (texts bit k - 1); NULL where the field was empty, is a
  -- text of nvidia_smi_value_more (bit 16 + k - 1), or is held by ts_us or
  -- power_w (nvidia_smi_field.sample_column)
  n1      REAL,
  n2      REAL,
  n3      REAL,
  n4      REAL,
  n5      REAL,
  n6      REAL,
  n7      REAL,
  n8      REAL,
  n9      REAL,
  n10     REAL,
  n11     REAL,
  n12     REAL,
  n13     REAL,
  n14     REAL,
  n15     REAL,
  n16     REAL,
  texts   INTEGER,                    -- the bits above; NULL: none set
  PRIMARY KEY (file_id, line)
) WITHOUT ROWID;
INSERT INTO nvidia_smi_sample_numbers(file_id, line, ts_us, gpu, power_w, fields_line,
  n1, n2, n3, n4, n5, n6, n7, n8, n9, n10, n11, n12, n13, n14, n15, n16, texts)
SELECT file_id, line, ts_us, gpu, power_w, fields_line,
  n1, n2, n3, n4, n5, n6, n7, n8, n9, n10, n11, n12, n13, n14, n15, n16, texts
FROM nvidia_smi_sample;
DROP TABLE nvidia_smi_sample;
PRAGMA legacy_alter_table = ON;
ALTER TABLE nvidia_smi_sample_numbers RENAME TO nvidia_smi_sample;
PRAGMA legacy_alter_table = OFF;

-- One row per field of a stored line, as the table of that name held them:
-- the slot of each field of the line's list up to 16 (its text from
-- nvidia_smi_text when the line's bit k - 1 says so, its time or power from
-- the sample row where the field list says so) but those whose bit 16 + k - 1
-- puts them in nvidia_smi_value_more, then nvidia_smi_value_more's rows.
CREATE VIEW nvidia_smi_value AS
SELECT file_id, line, col, field, unit,
       CASE WHEN sample_column = 'power_w' THEN power_w WHEN shared THEN NULL ELSE n END AS num,
       CASE WHEN shared THEN (SELECT d.text FROM nvidia_smi_text d WHERE d.file_id = v.file_id AND d.id = v.n)
            WHEN sample_column = 'ts_us'
              THEN strftime('%Y/%m/%d %H:%M:%S', ts_us / 1000000, 'unixepoch')
                   || printf('.%03d', ts_us / 1000 % 1000)
       END AS text
FROM (
  SELECT s.file_id, s.line, f.col, f.field, f.unit, f.sample_column, s.ts_us, s.power_w,
         (s.texts >> (f.col - 1)) & 1 AS shared,
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
         END AS n
  FROM nvidia_smi_sample s JOIN nvidia_smi_field f
    ON f.file_id = s.file_id AND f.fields_line = s.fields_line AND f.col <= 16
  WHERE coalesce((s.texts >> (f.col + 15)) & 1, 0) = 0) v
UNION ALL
SELECT file_id, line, col, field, unit, num, text FROM nvidia_smi_value_more;
