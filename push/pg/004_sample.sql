-- push/pg/004_sample.sql: v_sample on the server was made here, over a table
-- interim_sample. It is made by 008_segments.sql now, over the segments
-- (interim_segment) that the local schema stores instead of that table: a
-- server made from scratch has no v_sample until then.
DROP VIEW IF EXISTS v_sample;
