-- push/pg/009_nvidia_smi_wide.sql: an nvidia-smi line as one row on the
-- server, as in the local schema (schema/022_nvidia_smi_wide.sql): the
-- mirrored nvidia_smi_sample with its slots, nvidia_smi_field and
-- nvidia_smi_value_more (made or grown from the local schema before this file
-- runs), and the view nvidia_smi_value with the columns of the table it
-- replaces (plus origin and host) in PostgreSQL's dialect.
--
-- A server that a push of an earlier release made has a table
-- nvidia_smi_value, one row per field: its rows are moved into the new shape
-- here, by the rule of the local migration (a field list starts at a line
-- whose (col, field, unit) rows differ from those of the file's line before;
-- per file content, origin and host), since a file whose content the server
-- has is not sent again. Then the table goes; a view of the lab's that reads
-- it stops the upgrade (no CASCADE) rather than being dropped unseen.

-- The slot texts t1 .. t16 that this file and 010 fill and read: a server
-- made from a local schema of 025_nvidia_smi_numbers.sql or later has none
-- (push/pg/011_nvidia_smi_numbers.sql moves them and drops them again).
ALTER TABLE nvidia_smi_sample
  ADD COLUMN IF NOT EXISTS t1 text,
  ADD COLUMN IF NOT EXISTS t2 text,
  ADD COLUMN IF NOT EXISTS t3 text,
  ADD COLUMN IF NOT EXISTS t4 text,
  ADD COLUMN IF NOT EXISTS t5 text,
  ADD COLUMN IF NOT EXISTS t6 text,
  ADD COLUMN IF NOT EXISTS t7 text,
  ADD COLUMN IF NOT EXISTS t8 text,
  ADD COLUMN IF NOT EXISTS t9 text,
  ADD COLUMN IF NOT EXISTS t10 text,
  ADD COLUMN IF NOT EXISTS t11 text,
  ADD COLUMN IF NOT EXISTS t12 text,
  ADD COLUMN IF NOT EXISTS t13 text,
  ADD COLUMN IF NOT EXISTS t14 text,
  ADD COLUMN IF NOT EXISTS t15 text,
  ADD COLUMN IF NOT EXISTS t16 text;

DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE c.relname = 'nvidia_smi_value' AND n.nspname = current_schema()
               AND c.relkind = 'r') THEN
    CREATE TEMP TABLE nv_wide_line ON COMMIT DROP AS
    WITH lines AS (
      SELECT file_id, line, origin, host, count(*) AS n,
             lag(line) OVER w AS prev, lag(count(*)) OVER w AS prev_n
      FROM nvidia_smi_value v
      WHERE EXISTS (SELECT 1 FROM nvidia_smi_sample s WHERE s.file_id = v.file_id AND s.line = v.line)
      GROUP BY file_id, line, origin, host
      WINDOW w AS (PARTITION BY file_id, origin, host ORDER BY line)),
    marked AS (
      SELECT l.file_id, l.line, l.origin, l.host,
             CASE WHEN l.prev IS NULL OR l.prev_n <> l.n THEN 1
                  WHEN (SELECT count(*) FROM nvidia_smi_value a JOIN nvidia_smi_value b
                          ON b.file_id = a.file_id AND b.line = l.prev AND b.col = a.col
                         AND b.field = a.field AND b.unit IS NOT DISTINCT FROM a.unit
                         AND b.origin = a.origin AND b.host = a.host
                        WHERE a.file_id = l.file_id AND a.line = l.line
                          AND a.origin = l.origin AND a.host = l.host) <> l.n THEN 1
                  ELSE 0 END AS starts
      FROM lines l),
    numbered AS (
      SELECT file_id, line, origin, host,
             sum(starts) OVER (PARTITION BY file_id, origin, host ORDER BY line
                               ROWS UNBOUNDED PRECEDING) AS k
      FROM marked)
    SELECT file_id, line, origin, host,
           min(line) OVER (PARTITION BY file_id, origin, host, k) AS fields_line
    FROM numbered;

    UPDATE nvidia_smi_sample s SET fields_line = l.fields_line,
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

    INSERT INTO nvidia_smi_field (file_id, fields_line, col, field, unit, origin, host)
    SELECT v.file_id, l.fields_line, v.col, v.field, v.unit, v.origin, v.host
    FROM nv_wide_line l JOIN nvidia_smi_value v
      ON v.file_id = l.file_id AND v.line = l.line AND v.origin = l.origin AND v.host = l.host
    WHERE l.line = l.fields_line;

    INSERT INTO nvidia_smi_value_more (file_id, line, col, field, unit, num, text, origin, host)
    SELECT file_id, line, col, field, unit, num, text, origin, host FROM nvidia_smi_value v
    WHERE col > 16 OR NOT EXISTS (SELECT 1 FROM nv_wide_line l
                                  WHERE l.file_id = v.file_id AND l.line = v.line);

    DROP TABLE nv_wide_line;
    DROP TABLE nvidia_smi_value;
  END IF;
END $$;

-- One row per field of a stored line: the slot of each field of the line's
-- list up to 16, then the fields past it. A raw table's file_id is a
-- file_content id on the server, so the join is the local one. (OR REPLACE:
-- a server whose version was set back before this file has the view.)
CREATE OR REPLACE VIEW nvidia_smi_value AS
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
       END AS text,
       s.origin, s.host
FROM nvidia_smi_sample s JOIN nvidia_smi_field f
  ON f.file_id = s.file_id AND f.fields_line = s.fields_line AND f.col <= 16
UNION ALL
SELECT file_id, line, col, field, unit, num, text, origin, host FROM nvidia_smi_value_more;
