-- schema/023_nvidia_smi_texts.sql: an nvidia-smi line's sample row without
-- what the file repeats or the row already holds. A text field (a GPU's name,
-- bus id, uuid, pstate) is stored once per file in nvidia_smi_text and the
-- slot holds its number; the time field's text, when it is as nvidia-smi
-- writes it, is not stored beside ts_us; the power field's number is not
-- stored beside power_w. nvidia_smi_value shows the same rows as before.
-- A database of an earlier schema keeps its rows as they are: they hold no
-- numbered text and their field lists name no sample column.

-- A file's texts, each once, numbered 1, 2, ... as the file first has them.
CREATE TABLE nvidia_smi_text (
  file_id INTEGER NOT NULL REFERENCES source_file(id) ON DELETE CASCADE,
  line    INTEGER NOT NULL,           -- the first line that has it
  id      INTEGER NOT NULL,
  text    TEXT NOT NULL,
  PRIMARY KEY (file_id, id)
) WITHOUT ROWID;

-- Bit k - 1 set: the text of slot k is nvidia_smi_text's number n_k (t_k is
-- NULL). NULL: no slot's is.
ALTER TABLE nvidia_smi_sample ADD COLUMN texts INTEGER;

-- The sample row's column that holds the field's value instead of its slot:
-- 'ts_us' for the time field, whose text, where t_k is NULL, is ts_us
-- written as nvidia-smi writes it (YYYY/MM/DD HH:MM:SS.mmm); 'power_w' for
-- the power field, whose number is power_w. NULL: the slot holds it.
ALTER TABLE nvidia_smi_field ADD COLUMN sample_column TEXT;

DROP VIEW nvidia_smi_value;
-- One row per field of a stored line, as the table of that name held them:
-- the slot of each field of the line's list up to 16 (its text from
-- nvidia_smi_text when the line's bit says so, its time or power from the
-- sample row where the field list says so), then the fields past it.
CREATE VIEW nvidia_smi_value AS
SELECT file_id, line, col, field, unit,
       CASE WHEN sample_column = 'power_w' THEN power_w WHEN shared THEN NULL ELSE n END AS num,
       CASE WHEN shared THEN (SELECT d.text FROM nvidia_smi_text d WHERE d.file_id = v.file_id AND d.id = v.n)
            WHEN t IS NULL AND sample_column = 'ts_us'
              THEN strftime('%Y/%m/%d %H:%M:%S', ts_us / 1000000, 'unixepoch')
                   || printf('.%03d', ts_us / 1000 % 1000)
            ELSE t END AS text
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
         END AS n,
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
         END AS t
  FROM nvidia_smi_sample s JOIN nvidia_smi_field f
    ON f.file_id = s.file_id AND f.fields_line = s.fields_line AND f.col <= 16) v
UNION ALL
SELECT file_id, line, col, field, unit, num, text FROM nvidia_smi_value_more;
