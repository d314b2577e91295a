-- push/pg/010_nvidia_smi_texts.sql: the view nvidia_smi_value on the server
-- for sample rows of the local schema's shape since
-- schema/023_nvidia_smi_texts.sql (a file's texts stored once in
-- nvidia_smi_text, the time and power fields held by ts_us and power_w; the
-- table and columns are made or grown from the local schema before this file
-- runs), in PostgreSQL's dialect. Rows pushed before have none of those, and
-- read as they did.
-- One row per field of a stored line, as the table of that name held them:
-- the slot of each field of the line's list up to 16 (its text from
-- nvidia_smi_text when the line's bit says so, its time or power from the
-- sample row where the field list says so), then the fields past it.
CREATE OR REPLACE VIEW nvidia_smi_value AS
SELECT file_id, line, col, field, unit,
       CASE WHEN sample_column = 'power_w' THEN power_w WHEN shared THEN NULL ELSE n END AS num,
       CASE WHEN shared THEN (SELECT d.text FROM nvidia_smi_text d WHERE d.file_id = v.file_id AND d.id = v.n)
            WHEN t IS NULL AND sample_column = 'ts_us'
              THEN to_char(to_timestamp(ts_us / 1000000) AT TIME ZONE 'UTC', 'YYYY/MM/DD HH24:MI:SS')
                   || '.' || lpad((ts_us / 1000 % 1000)::text, 3, '0')
            ELSE t END AS text,
       origin, host
FROM (
  SELECT s.file_id, s.line, f.col, f.field, f.unit, f.sample_column, s.ts_us, s.power_w,
         coalesce((s.texts >> (f.col - 1)::integer) & 1 = 1, false) AS shared,
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
         END AS t,
         s.origin, s.host
  FROM nvidia_smi_sample s JOIN nvidia_smi_field f
    ON f.file_id = s.file_id AND f.fields_line = s.fields_line AND f.col <= 16) v
UNION ALL
SELECT file_id, line, col, field, unit, num, text, origin, host FROM nvidia_smi_value_more;
