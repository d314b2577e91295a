-- schema/005_rejected_raw.sql: rejected_row keeps a bounded prefix of the raw line.
--
-- Up to schema 4, rejected_row.raw held the whole rejected line (up to 1 MiB, the
-- line reader's limit), so a small archive of long garbage lines made a database
-- a thousand times its size. From this version raw holds the first 4096 bytes of
-- the line (cut on a UTF-8 character boundary, so it can be less) and raw_bytes
-- the length in bytes of the line as read; raw is the whole line exactly when
-- length(CAST(raw AS BLOB)) = raw_bytes. For a line rejected as 'line_too_long'
-- the reader kept only its first 1 MiB: raw_bytes is then that 1 MiB, the rest
-- was never read. Rows of earlier versions held the whole line: raw_bytes is its
-- length.
ALTER TABLE rejected_row ADD COLUMN raw_bytes INTEGER;
UPDATE rejected_row SET raw_bytes = length(CAST(raw AS BLOB));
