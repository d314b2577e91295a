-- schema/021_segments.sql: the aligned samples stored as segments. The
-- transform writes interim_segment, a few rows per run, where interim_sample
-- held one row per GPU sample; interim_sample is now a view over it with the
-- table's former columns and rows, so that v_sample and every reader of it are
-- unchanged. A database of an earlier schema has its interim_sample rows cut
-- into segments here (the cut the transform makes, transform/emit.c), and its
-- runs need no rebuild.

-- A segment: the samples seq0 .. seq0 + n - 1 of a run, whose GPU lines are
-- gpu_line0 .. gpu_line0 + n - 1 (each the line of the one before plus one),
-- whose CPU lines are NULL throughout or cpu_line0 .. cpu_line0 + n - 1, and
-- which share span, epoch and gaissa. Segments are maximal: the sample after
-- one breaks one of these rules. Since a run's samples are every row of its
-- GPU file (interim_run.gpu_file_id) and each has its own line, the rows of
-- eprof_gpu_sample whose line is in a segment's range are exactly its samples:
-- a header line, a rejected line or a line out of time order ends a segment
-- and is in none.
CREATE TABLE interim_segment (
  run_id    INTEGER NOT NULL REFERENCES run(id) ON DELETE CASCADE,
  seq0      INTEGER NOT NULL,   -- seq of its first sample (0.. by (ts_us, line))
  n         INTEGER NOT NULL,   -- its samples, >= 1
  gpu_line0 INTEGER NOT NULL,   -- GPU line of its first sample
  cpu_line0 INTEGER,            -- CPU line of its first sample, NULL: none for any
  span      INTEGER NOT NULL,   -- interim_span index; = number of spans after the end
  epoch     INTEGER,            -- epoch of the span; NULL after the last epoch end
  gaissa    INTEGER NOT NULL,   -- 1 when the gaissa profile keeps its samples
  PRIMARY KEY (run_id, seq0)
) WITHOUT ROWID;

-- The former table's rows, cut into maximal segments: a sample starts one
-- unless it follows the previous sample of its run by one seq, one GPU line,
-- one CPU line (or both CPU lines NULL) and has its span, epoch and gaissa.
INSERT INTO interim_segment(run_id, seq0, n, gpu_line0, cpu_line0, span, epoch, gaissa)
WITH marked AS (
  SELECT run_id, seq, gpu_line, cpu_line, span, epoch, gaissa,
         CASE WHEN lag(seq) OVER w = seq - 1 AND lag(gpu_line) OVER w = gpu_line - 1
               AND (CASE WHEN cpu_line IS NULL THEN lag(cpu_line) OVER w IS NULL
                         ELSE lag(cpu_line) OVER w = cpu_line - 1 END)
               AND lag(span) OVER w = span AND lag(epoch) OVER w IS epoch
               AND lag(gaissa) OVER w = gaissa
              THEN 0 ELSE 1 END AS starts
  FROM interim_sample WINDOW w AS (PARTITION BY run_id ORDER BY seq)),
numbered AS (
  SELECT *, sum(starts) OVER (PARTITION BY run_id ORDER BY seq ROWS UNBOUNDED PRECEDING) AS k
  FROM marked)
SELECT run_id, min(seq), count(*), min(gpu_line), min(cpu_line), span, epoch, gaissa
FROM numbered GROUP BY run_id, k ORDER BY run_id, min(seq);

DROP TABLE interim_sample;

-- The aligned samples: one row per GPU sample of the run, in time order, with the
-- nearest CPU sample within ±1 s (the spine of both profiles), as the table of
-- that name held them: its segment's row, at the sample's offset in it. Lineage
-- and derived fields only: the values are those of the raw rows,
-- eprof_gpu_sample (file interim_run.gpu_file_id, line gpu_line) and
-- eprof_cpu_sample (cpu_file_id, cpu_line), which v_sample joins.
CREATE VIEW interim_sample AS
SELECT s.run_id, s.seq0 + (g.line - s.gpu_line0) AS seq, g.line AS gpu_line,
       s.cpu_line0 + (g.line - s.gpu_line0) AS cpu_line, s.span, s.epoch, s.gaissa
FROM interim_segment s JOIN interim_run i ON i.run_id = s.run_id
JOIN eprof_gpu_sample g ON g.file_id = i.gpu_file_id
 AND g.line BETWEEN s.gpu_line0 AND s.gpu_line0 + s.n - 1;
