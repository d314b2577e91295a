-- transform/50_sources.sql: the other measurement tools (codecarbon, perf stat,
-- wattmeter, nvidia-smi) attached to runs, their energy per run and source, and
-- the reconciliation of wall energy against its components. Rebuilt whole (these
-- tables are derived, never edited) by every transform that finds a source file
-- or the setting below changed since the last one (transform.c, source_built).
-- What it needs of the eprof runs' own files (their first and last sample, the
-- 'eprof-gpu' energy) is kept per file in source_eprof_file: the alignment pass
-- records the files it reads, and this file computes the others.
--
-- Time: every span is compared in naive local µs. codecarbon, nvidia-smi and the
-- '# started on' of perf are naive local already; perf interval timestamps are
-- relative to their block's start (a block without '# started on' cannot be
-- placed in time); wattmeter times are UTC and are shifted by their file's
-- offset in clock_offset (local = UTC + offset, seconds; e.g. 3600 for CET in
-- winter): the setting 'local_utc_offset_s' when it is set (--utc-offset),
--   INSERT OR REPLACE INTO setting VALUES ('local_utc_offset_s', 3600);
-- else the offset transform/clock.c estimated from the power series, else 0
-- (method 'none': the transform prints the option to pass).
--
-- Attachment (source_attach): a file whose path has an eprof run key (folder and
-- stamp) belongs to that run ('folder'). Any other file (perf: any block) is
-- attached to every eprof run whose span, first to last eprof GPU/CPU sample,
-- overlaps its own span ('overlap'); its energy for that run counts only the
-- samples inside the run's span (codecarbon rows and perf totals, which cannot be
-- cut, count whole when they overlap). A file that overlaps no run stands as a
-- session of its own ('session': run_id NULL, session_file_id = its file).
--
-- Energy (source_energy, J), per run or session, file, component and device:
--   wattmeter   'wall', per socket: trapezoid over consecutive good frames
--               (frame_is_ok, power not NULL); an interval longer than
--               gap_periods (view model) mean frame periods of the file is a
--               gap, not bridged
--   nvidia-smi  'gpu', per GPU: trapezoid over power.draw, the same gap rule
--   eprof-gpu   'gpu': trapezoid over the run's own gpu-power file, same rule
--   perf        'rapl_pkg', 'rapl_dram', 'rapl_cores', 'rapl_gpu', 'rapl_psys'
--               per aggregation id: the sum of the interval deltas (-I), or the
--               whole-run total
--   codecarbon  'total' (energy_consumed), 'cpu', 'gpu', 'ram': per codecarbon
--               run_id the row with the longest duration (its flushes are
--               cumulative), summed over codecarbon runs
-- Each row also has its span (first_us, last_us): the first and last sample it
-- counted (perf: start of the first interval to end of the last; codecarbon: the
-- tracker's start to its end).
--
-- Reconciliation (source_window, source_window_energy, view source_reconciliation):
-- energies are compared over ONE time window per run or session, never over each
-- source's own span.
--   'wall'    a run (or session) with a wattmeter: the wall meter's span within
--             the run, first to last good frame inside it. Every component is cut
--             to it: GPU (eprof-gpu, nvidia-smi per GPU) by its trapezoid
--             intervals, RAPL by its perf interval deltas, codecarbon by its
--             tracker span; an interval that straddles an edge of the window
--             counts in proportion to its time inside (energy x overlap / length;
--             a perf total or codecarbon row is one interval over its span). Gap
--             intervals (over gap_periods) count for nothing, as in source_energy.
--             A component whose span misses the window, or that cannot be placed
--             in time (perf without '# started on'), is NULL.
--   'run'     a run without a wattmeter: the whole run, each component's whole
--             energy from source_energy (codecarbon against the eprof GPU, ...).
--   'session' a file that overlaps no run, on its own.
-- Reported: window_start_us, window_end_us, window_s, and per component the share
-- of its own span that lies inside the window (gpu_in_window, rapl_in_window,
-- codecarbon_in_window: 1 when the window covers all of what it measured).
-- The wall energy sums the sockets listed in the setting 'wall_sockets' (e.g.
-- '1' or '1,7'; `--wall-sockets`), every socket of the log when it is unset; the
-- view reads the setting when queried.

-- The offset of each UTC file, µs (clock_offset, filled by transform/clock.c just
-- before this file runs: given, estimated, or none). Given or estimated, the
-- setting's arithmetic: REAL seconds * 1e6; none: the integer 0, as without the
-- setting. A UTC file clock_offset does not list (this file run on its own) takes
-- the setting, else 0. Kept (not a temp table) for v_power (schema/020_sources.sql).
DELETE FROM source_file_offset;
INSERT INTO source_file_offset
  SELECT f.id, coalesce(CASE WHEN c.method = 'none' THEN 0 ELSE CAST(c.offset_s AS REAL) * 1000000 END,
                        (SELECT CAST(value AS REAL) FROM setting WHERE name = 'local_utc_offset_s') * 1000000, 0)
  FROM source_file f LEFT JOIN clock_offset c ON c.file_id = f.id
  WHERE f.time_convention = 'utc';

-- Per eprof file of a run: first and last sample, and for a GPU file the
-- 'eprof-gpu' energy below; valid while `version` is the file's. The transform
-- pipeline fills it for the files it reads; the rest are filled here.
DELETE FROM source_eprof_file WHERE NOT EXISTS (
  SELECT 1 FROM source_file f WHERE f.id = source_eprof_file.file_id AND f.run_id IS NOT NULL
    AND source_eprof_file.version = coalesce(f.sha256, '') || '/' || f.parser_version || '/' || f.ingested_at);
DROP TABLE IF EXISTS temp.src_todo;
CREATE TEMP TABLE src_todo AS
  SELECT f.id AS file_id, coalesce(f.sha256, '') || '/' || f.parser_version || '/' || f.ingested_at AS version
  FROM source_file f
  WHERE f.run_id IS NOT NULL AND f.id NOT IN (SELECT file_id FROM source_eprof_file)
    AND (EXISTS (SELECT 1 FROM eprof_gpu_sample g WHERE g.file_id = f.id)
         OR EXISTS (SELECT 1 FROM eprof_cpu_sample c WHERE c.file_id = f.id));
-- eprof-gpu: the trapezoid over a GPU file's power readings in line order (the
-- engine, trapezoid()); an interval longer than gap_periods (view model) mean
-- sampling periods of the file is a gap
INSERT INTO source_eprof_file
WITH period AS (
  SELECT file_id, CAST(max(ts_us) - min(ts_us) AS REAL) / max(count(*) - 1, 1) AS us
  FROM eprof_gpu_sample WHERE file_id IN (SELECT file_id FROM src_todo) GROUP BY file_id
), z AS (   -- the engine over each file's power readings, in line order (its primary key)
  SELECT t.file_id, trapezoid(g.line, g.ts_us, g.power_w, (SELECT gap_periods FROM model) * p.us) AS z
  FROM src_todo t CROSS JOIN period p ON p.file_id = t.file_id
  CROSS JOIN eprof_gpu_sample g ON g.file_id = t.file_id
  WHERE g.power_w IS NOT NULL
  GROUP BY t.rowid
), e AS (
  SELECT file_id, trapezoid_value(z, 'energy') / 1e6 AS energy_j, trapezoid_value(z, 'covered') / 1e6 AS covered_s,
         trapezoid_value(z, 'samples') AS samples
  FROM z
), span AS (
  SELECT file_id, min(ts_us) AS start_us, max(ts_us) AS end_us FROM eprof_gpu_sample
  WHERE file_id IN (SELECT file_id FROM src_todo) GROUP BY file_id
  UNION ALL
  SELECT file_id, min(ts_us), max(ts_us) FROM eprof_cpu_sample
  WHERE file_id IN (SELECT file_id FROM src_todo) GROUP BY file_id
)
SELECT t.file_id, t.version, min(s.start_us), max(s.end_us), e.energy_j, e.covered_s, e.samples
FROM src_todo t JOIN span s ON s.file_id = t.file_id LEFT JOIN e ON e.file_id = t.file_id
GROUP BY t.file_id;
DROP TABLE temp.src_todo;

-- eprof runs' spans
DELETE FROM source_run_span;
INSERT INTO source_run_span
  SELECT f.run_id, min(s.start_us), max(s.end_us)
  FROM source_file f JOIN source_eprof_file s ON s.file_id = f.id
  WHERE f.run_id IS NOT NULL
  GROUP BY f.run_id;

-- the spans of the other sources' files (perf: of each block), naive local;
-- NULL when the file cannot be placed in time
DELETE FROM source_span;
INSERT INTO source_span
  SELECT file_id, 0, 'codecarbon', min(ts_us - CAST(coalesce(duration_s, 0) * 1e6 AS INTEGER)), max(ts_us)
  FROM codecarbon_row GROUP BY file_id;
INSERT INTO source_span
  SELECT file_id, block, 'perf-stat', min(started_us),
         min(started_us) + max(coalesce(ts_us, CASE WHEN event = 'time elapsed' THEN CAST(value * 1e6 AS INTEGER) END, 0))
  FROM perf_count GROUP BY file_id, block;
-- wattmeter: wm_scan() (transform/wattmeter.c) gives per file the first and
-- last time of its frames (min and max of ts_us) and the mean frame period of
-- bank 0 (the wattmeter block below), in temp.src_wm_file: from what the
-- ingest stored of the log (schema/024_wattmeter_series.sql), else from one
-- pass over its rows of wattmeter_frame in key order
DROP TABLE IF EXISTS temp.src_wm_file;
CREATE TEMP TABLE src_wm_file (file_id INTEGER PRIMARY KEY, lo NOT NULL, hi NOT NULL, period_us REAL,
                               spec_gap REAL, spec_bridged REAL, spec_unbridged REAL);
DROP TABLE IF EXISTS temp.src_wm_spec;
CREATE TEMP TABLE src_wm_spec (file_id INTEGER NOT NULL, bank INTEGER NOT NULL, k INTEGER NOT NULL,
                               energy, covered, samples, first_us, last_us);
SELECT wm_scan();
INSERT INTO source_span
  SELECT w.file_id, 0, 'wattmeter', w.lo + o.us, w.hi + o.us
  FROM src_wm_file w JOIN source_file_offset o ON o.file_id = w.file_id;
INSERT INTO source_span
  SELECT file_id, 0, 'nvidia-smi', min(ts_us), max(ts_us) FROM nvidia_smi_sample GROUP BY file_id;
-- Zeus, PowerJoular and powermetrics (their blocks below say how)
INSERT INTO source_span
  SELECT z.file_id, 0, 'zeus-power', z.lo + o.us, z.hi + o.us
  FROM (SELECT file_id, min(ts_us) AS lo, max(ts_us) AS hi FROM zeus_power_sample GROUP BY file_id) z
  JOIN source_file_offset o ON o.file_id = z.file_id;
INSERT INTO source_span
  SELECT DISTINCT file_id, 0, 'zeus-monitor', NULL, NULL FROM zeus_window;
INSERT INTO source_span
  SELECT file_id, 0, 'zeus-log', min(ts_us), max(ts_us) FROM zeus_log_line GROUP BY file_id;
INSERT INTO source_span
  SELECT file_id, 0, 'powerjoular', min(ts_us), max(ts_us) FROM powerjoular_sample GROUP BY file_id;
-- powermetrics samples placed on the runs' clock (b_us: the sample's date, its
-- end; the block on powermetrics below says how), kept for v_power as well
DELETE FROM source_powermetrics_sample;
INSERT INTO source_powermetrics_sample (file_id, line, elapsed_us, b_us)
  SELECT s.file_id, s.line, s.elapsed_us,
         s.ts_us + coalesce((SELECT CAST(c.offset_s AS INTEGER) * 1000000 FROM clock_offset c
                             WHERE c.file_id = s.file_id AND c.method = 'given'),
                            CAST(s.utc_offset_s AS INTEGER) * 1000000,
                            (SELECT o.us FROM source_file_offset o WHERE o.file_id = s.file_id)) AS b_us
  FROM powermetrics_sample s
  WHERE s.complete = 1 AND s.ts_us IS NOT NULL AND s.elapsed_us IS NOT NULL
    AND s.file_id IN (SELECT id FROM source_file WHERE status IN ('ok','partial'));
INSERT INTO source_span
  SELECT file_id, 0, 'powermetrics', min(b_us - elapsed_us), max(b_us) FROM source_powermetrics_sample GROUP BY file_id;
-- AIPowerMeter: naive local dates, first to last record (its block below says how)
INSERT INTO source_span
  SELECT file_id, 0, 'aipowermeter', min(ts_us), max(ts_us) FROM aipowermeter_record GROUP BY file_id;
-- files that own no rows (duplicates, rejected) are not sources
DELETE FROM source_span WHERE file_id NOT IN (SELECT id FROM source_file WHERE status IN ('ok','partial'));

DELETE FROM source_attach;
INSERT INTO source_attach
  SELECT s.file_id, s.block, f.run_id, NULL, 'folder', -9223372036854775807, 9223372036854775807
  FROM source_span s JOIN source_file f ON f.id = s.file_id WHERE f.run_id IS NOT NULL;
INSERT INTO source_attach
  SELECT s.file_id, s.block, r.run_id, NULL, 'overlap', r.start_us, r.end_us
  FROM source_span s JOIN source_file f ON f.id = s.file_id
  JOIN source_run_span r ON s.start_us <= r.end_us AND s.end_us >= r.start_us
  WHERE f.run_id IS NULL AND s.start_us IS NOT NULL;
INSERT INTO source_attach
  SELECT s.file_id, s.block, NULL, s.file_id, 'session', -9223372036854775807, 9223372036854775807
  FROM source_span s
  WHERE NOT EXISTS (SELECT 1 FROM source_attach a WHERE a.file_id = s.file_id AND a.block = s.block);

DELETE FROM source_energy;

-- wattmeter: per socket, good frames only, in naive local time. A day's log is
-- 8.6 M frames, 52 M socket readings: nothing here sorts them, goes through the
-- per-socket view or interprets SQL per frame. Per file, one pass over its rows
-- of wattmeter_frame in key order (wm_integrate(), transform/wattmeter.c) feeds
-- each attachment (src_wm_att row) the good frames (ok) inside its window, in
-- line order, and integrates each of its sockets over its readings (power not
-- NULL) through the integration engine (common/trapezoid.h): trapezoid
-- between consecutive readings, an interval longer than gap_periods (view
-- model) mean frame periods of bank 0 of the file is a gap, not bridged; the
-- same values as a window lag() per socket over the view, computed the same
-- way. A file attached once, for the whole time, takes the series integrated
-- ahead instead (by the ingest, or by the pass of wm_scan()) when their
-- guessed gap limit bridged exactly the intervals the file's limit bridges.
-- Its result, per attachment, bank and socket k of the bank with a reading:
-- src_wm_sum (energy in W µs, covered µs).
DROP TABLE IF EXISTS temp.src_wm_att;
CREATE TEMP TABLE src_wm_att (
  id INTEGER PRIMARY KEY, run_id INTEGER, session_file_id INTEGER, file_id INTEGER NOT NULL,
  ws INTEGER NOT NULL, we INTEGER NOT NULL, sockets INTEGER NOT NULL, period_us REAL NOT NULL,
  off_us NOT NULL                     -- the file's offset (source_file_offset)
);
INSERT INTO src_wm_att (run_id, session_file_id, file_id, ws, we, sockets, period_us, off_us)
  SELECT a.run_id, a.session_file_id, a.file_id, a.win_start_us, a.win_end_us, wf.sockets, p.period_us, o.us
  FROM source_attach a JOIN wattmeter_file wf ON wf.file_id = a.file_id
  JOIN src_wm_file p ON p.file_id = a.file_id AND p.period_us IS NOT NULL
  JOIN source_file_offset o ON o.file_id = a.file_id
  WHERE a.block = 0;
DROP TABLE IF EXISTS temp.src_wm_sum;
CREATE TEMP TABLE src_wm_sum (id INTEGER NOT NULL, bank INTEGER NOT NULL, k INTEGER NOT NULL,
                              energy, covered, samples, first_us, last_us);
SELECT wm_integrate();
INSERT INTO source_energy
SELECT a.run_id, a.session_file_id, a.file_id, 'wattmeter', 'wall', CAST(6 * s.bank + s.k AS TEXT),
       s.energy / 1e6, s.covered / 1e6, s.samples, s.first_us, s.last_us
FROM src_wm_sum s JOIN src_wm_att a ON a.id = s.id
ORDER BY a.run_id, a.session_file_id, a.file_id, 6 * s.bank + s.k;
DROP TABLE temp.src_wm_sum;
DROP TABLE temp.src_wm_att;
DROP TABLE temp.src_wm_spec;
DROP TABLE temp.src_wm_file;

-- nvidia-smi: per GPU, the readings with power inside the attachment's window
-- through the integration engine (trapezoid(), common/trapezoid.h), the gap
-- limit from the GPU's mean sampling period in the file. One series per
-- (attachment, GPU), in the order of their source_energy rows; each reads its
-- file's rows in line order (the primary key), so nothing is sorted.
-- (src_series: one row per series of the engine, for nvidia-smi, PowerJoular
-- and Zeus power in turn: its attachment, device or component, window, gap
-- limit and the file's clock offset.)
DROP TABLE IF EXISTS temp.src_series;
CREATE TEMP TABLE src_series (
  id INTEGER PRIMARY KEY, run_id INTEGER, session_file_id INTEGER, file_id INTEGER NOT NULL,
  component TEXT, device, ws INTEGER NOT NULL, we INTEGER NOT NULL, max_gap REAL, off_us
);
INSERT INTO src_series (run_id, session_file_id, file_id, device, ws, we, max_gap)
  WITH period AS (
    SELECT file_id, gpu, CAST(max(ts_us) - min(ts_us) AS REAL) / max(count(*) - 1, 1) AS us
    FROM nvidia_smi_sample WHERE ts_us IS NOT NULL GROUP BY file_id, gpu
  )
  SELECT a.run_id, a.session_file_id, a.file_id, p.gpu, a.win_start_us, a.win_end_us,
         (SELECT gap_periods FROM model) * p.us
  FROM source_attach a JOIN period p ON p.file_id = a.file_id
  WHERE a.block = 0 AND a.file_id IN (SELECT file_id FROM source_span WHERE format = 'nvidia-smi')
  ORDER BY a.run_id, a.session_file_id, a.file_id, p.gpu;
INSERT INTO source_energy
SELECT run_id, session_file_id, file_id, 'nvidia-smi', 'gpu', device,
       trapezoid_value(z, 'energy') / 1e6, trapezoid_value(z, 'covered') / 1e6, trapezoid_value(z, 'samples'),
       first_us, last_us
FROM (SELECT s.id, s.run_id, s.session_file_id, s.file_id, s.device,
             trapezoid(n.line, n.ts_us, n.power_w, s.max_gap) AS z, min(n.ts_us) AS first_us, max(n.ts_us) AS last_us
      FROM src_series s CROSS JOIN nvidia_smi_sample n ON n.file_id = s.file_id
      WHERE n.gpu = s.device AND n.power_w IS NOT NULL AND n.ts_us BETWEEN s.ws AND s.we
      GROUP BY s.id)
ORDER BY id;

-- powerjoular (schema/011_powerjoular.sql): its files are spanned and attached
-- with the others above (folder, overlap, session); here, per
-- component ('total', 'cpu', 'gpu') the trapezoid over the readings that are not
-- NULL, inside the attachment's window, in line order. device is '' for the
-- machine's file, and for a per-process file (-p/-a, whose only power is the
-- process's CPU share) its PID or application. The gap rule takes the file's
-- MEDIAN sampling interval, not the mean: `powerjoular -f` appends every session
-- to one file, and the pauses between them would make the mean hours long and
-- bridge them. An interval that goes back in time (the local clock set back)
-- counts for nothing.
DELETE FROM src_series;
INSERT INTO src_series (run_id, session_file_id, file_id, component, device, ws, we, max_gap)
  WITH step AS (
    SELECT file_id, ts_us - lag(ts_us) OVER (PARTITION BY file_id ORDER BY line) AS dt
    FROM powerjoular_sample WHERE file_id IN (SELECT file_id FROM source_span WHERE format = 'powerjoular')
  ), ranked AS (
    SELECT file_id, dt, row_number() OVER (PARTITION BY file_id ORDER BY dt) AS k,
           count(*) OVER (PARTITION BY file_id) AS n
    FROM step WHERE dt > 0
  ), period AS (
    SELECT file_id, avg(dt) AS us FROM ranked WHERE k IN ((n + 1) / 2, (n + 2) / 2) GROUP BY file_id
  )
  SELECT a.run_id, a.session_file_id, a.file_id, c.component, coalesce(pf.target, ''), a.win_start_us,
         a.win_end_us, (SELECT gap_periods FROM model) * period.us
  FROM source_attach a
  CROSS JOIN (SELECT 'total' AS component UNION ALL SELECT 'cpu' UNION ALL SELECT 'gpu') c
  LEFT JOIN powerjoular_file pf ON pf.file_id = a.file_id
  LEFT JOIN period ON period.file_id = a.file_id
  WHERE a.block = 0 AND a.file_id IN (SELECT file_id FROM source_span WHERE format = 'powerjoular')
  ORDER BY a.run_id, a.session_file_id, a.file_id, c.component;
INSERT INTO source_energy
SELECT run_id, session_file_id, file_id, 'powerjoular', component, device,
       trapezoid_value(z, 'energy') / 1e6, trapezoid_value(z, 'covered') / 1e6, trapezoid_value(z, 'samples'),
       first_us, last_us
FROM (SELECT s.id, s.run_id, s.session_file_id, s.file_id, s.component, s.device,
             trapezoid(p.line, p.ts_us, CASE s.component WHEN 'total' THEN p.total_power_w
                                                         WHEN 'cpu' THEN p.cpu_power_w ELSE p.gpu_power_w END,
                       s.max_gap, 1) AS z,
             min(p.ts_us) AS first_us, max(p.ts_us) AS last_us
      FROM src_series s CROSS JOIN powerjoular_sample p ON p.file_id = s.file_id
      WHERE p.ts_us BETWEEN s.ws AND s.we
        AND CASE s.component WHEN 'total' THEN p.total_power_w WHEN 'cpu' THEN p.cpu_power_w
                             ELSE p.gpu_power_w END IS NOT NULL
      GROUP BY s.id)
ORDER BY id;

-- eprof-gpu: the run's own GPU log, for the reconciliation (source_eprof_file)
INSERT INTO source_energy
SELECT f.run_id, NULL, s.file_id, 'eprof-gpu', 'gpu', '', s.gpu_energy_j, s.gpu_covered_s, s.gpu_samples,
       s.start_us, s.end_us
FROM source_eprof_file s JOIN source_file f ON f.id = s.file_id
WHERE f.run_id IS NOT NULL AND s.gpu_samples > 0
ORDER BY f.run_id, s.file_id;

-- perf: RAPL energy events, sum of interval deltas or the total. Each record's
-- span [a_us, b_us], naive local: an interval runs from the previous timestamp
-- of its event and aggregation id in the block (the block's start for the
-- first) to its own; a total spans its block (source_span); NULL when the block
-- has no '# started on'.
DROP TABLE IF EXISTS temp.src_perf;
CREATE TEMP TABLE src_perf AS
  SELECT c.file_id, c.block, c.line, c.ts_us,
         CASE c.event WHEN 'power/energy-pkg/' THEN 'rapl_pkg' WHEN 'power/energy-ram/' THEN 'rapl_dram'
                      WHEN 'power/energy-cores/' THEN 'rapl_cores' WHEN 'power/energy-gpu/' THEN 'rapl_gpu'
                      ELSE 'rapl_psys' END AS component,
         coalesce(c.aggr, '') AS device, c.value,
         CASE WHEN c.ts_us IS NULL THEN s.start_us
              ELSE c.started_us + coalesce(lag(c.ts_us) OVER w, 0) END AS a_us,
         CASE WHEN c.ts_us IS NULL THEN s.end_us ELSE c.started_us + c.ts_us END AS b_us
  FROM perf_count c LEFT JOIN source_span s ON s.file_id = c.file_id AND s.block = c.block
  WHERE c.unit = 'Joules' AND c.event IN ('power/energy-pkg/', 'power/energy-ram/', 'power/energy-cores/',
                                          'power/energy-gpu/', 'power/energy-psys/')
  WINDOW w AS (PARTITION BY c.file_id, c.block, c.event, c.aggr, c.ts_us IS NULL ORDER BY c.ts_us, c.line);
INSERT INTO source_energy
SELECT a.run_id, a.session_file_id, c.file_id, 'perf', c.component, c.device,
       total(c.value), NULL, count(c.value), min(c.a_us), max(c.b_us)
FROM src_perf c JOIN source_attach a ON a.file_id = c.file_id AND a.block = c.block
WHERE a.how <> 'overlap' OR c.ts_us IS NULL OR c.b_us BETWEEN a.win_start_us AND a.win_end_us
GROUP BY a.run_id, a.session_file_id, c.file_id, c.component, c.device;

-- codecarbon: the last (longest) row of each codecarbon run
INSERT INTO source_energy
WITH last AS (
  SELECT file_id, line, ts_us, duration_s, energy_j, cpu_energy_j, gpu_energy_j, ram_energy_j,
         row_number() OVER (PARTITION BY file_id, coalesce(run_id, 'line ' || line)
                            ORDER BY duration_s DESC, line DESC) AS k
  FROM codecarbon_row
), used AS (
  SELECT a.run_id, a.session_file_id, l.*
  FROM last l JOIN source_attach a ON a.file_id = l.file_id AND a.block = 0
  WHERE l.k = 1 AND (a.how <> 'overlap' OR
        (l.ts_us >= a.win_start_us AND l.ts_us - coalesce(l.duration_s, 0) * 1e6 <= a.win_end_us))
)
SELECT run_id, session_file_id, file_id, 'codecarbon', c.component, '',
       total(CASE c.component WHEN 'total' THEN energy_j WHEN 'cpu' THEN cpu_energy_j
                              WHEN 'gpu' THEN gpu_energy_j ELSE ram_energy_j END), NULL, count(*),
       min(ts_us - CAST(coalesce(duration_s, 0) * 1e6 AS INTEGER)), max(ts_us)
FROM used, (SELECT 'total' AS component UNION ALL SELECT 'cpu' UNION ALL SELECT 'gpu'
            UNION ALL SELECT 'ram') c
GROUP BY run_id, session_file_id, file_id, c.component;

-- Zeus (schema/010_zeus.sql), spanned and attached with the others above.
--   zeus-power   (legacy zeus_monitor, UTC): spanned, shifted by its file's offset
--                and attached like the wattmeter (folder, overlap, session);
--                'gpu' energy: trapezoid over power_w in line order, an interval
--                longer than gap_periods (view model) mean periods of the file
--                is a gap, not bridged.
--   zeus-monitor (ZeusMonitor log_file): start_time is time.monotonic(), a clock
--                of the process's machine with an unknown origin, so the file
--                has no span (NULL) and is attached by folder only, else it is a
--                session. Energy per window and device in source_zeus_window;
--                windows may nest (an epoch window around its iterations), so
--                the file's energy per component and device in source_energy is
--                the sum over its outermost windows (those no other window of
--                the file contains; of identical windows the first), covered_s
--                their elapsed time, first_us/last_us NULL (not placed).
DELETE FROM src_series;
INSERT INTO src_series (run_id, session_file_id, file_id, device, ws, we, max_gap, off_us)
  WITH period AS (
    SELECT file_id, CAST(max(ts_us) - min(ts_us) AS REAL) / max(count(*) - 1, 1) AS us
    FROM zeus_power_sample GROUP BY file_id
  )
  SELECT a.run_id, a.session_file_id, a.file_id, '', a.win_start_us, a.win_end_us,
         (SELECT gap_periods FROM model) * p.us, o.us
  FROM source_attach a JOIN period p ON p.file_id = a.file_id JOIN source_file_offset o ON o.file_id = a.file_id
  WHERE a.block = 0
  ORDER BY a.run_id, a.session_file_id, a.file_id;
INSERT INTO source_energy
SELECT run_id, session_file_id, file_id, 'zeus-power', 'gpu', device,
       trapezoid_value(z, 'energy') / 1e6, trapezoid_value(z, 'covered') / 1e6, trapezoid_value(z, 'samples'),
       first_us, last_us
FROM (SELECT s.id, s.run_id, s.session_file_id, s.file_id, s.device,
             trapezoid(z.line, z.ts_us + s.off_us, z.power_w, s.max_gap) AS z,
             min(z.ts_us + s.off_us) AS first_us, max(z.ts_us + s.off_us) AS last_us
      FROM src_series s CROSS JOIN zeus_power_sample z ON z.file_id = s.file_id
      WHERE z.power_w IS NOT NULL AND z.ts_us + s.off_us BETWEEN s.ws AND s.we
      GROUP BY s.id)
ORDER BY id;
DROP TABLE temp.src_series;
DELETE FROM source_zeus_window;
INSERT INTO source_zeus_window
WITH w AS (
  SELECT file_id, line, window_name, start_us, elapsed_s,
         coalesce(max(end_us) OVER (PARTITION BY file_id ORDER BY start_us, end_us DESC, line
                                    ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) < end_us, 1)
           AS outermost
  FROM zeus_window
)
SELECT a.run_id, a.session_file_id, w.file_id, w.line, w.window_name, w.start_us, w.elapsed_s,
       w.outermost, e.component, e.device, e.energy_j
FROM w JOIN source_attach a ON a.file_id = w.file_id AND a.block = 0
JOIN zeus_window_energy e ON e.file_id = w.file_id AND e.line = w.line
WHERE e.component IS NOT NULL
ORDER BY w.file_id, w.line, e.col;
INSERT INTO source_energy
SELECT run_id, session_file_id, file_id, 'zeus', component, device, total(energy_j), total(elapsed_s),
       count(energy_j), NULL, NULL
FROM source_zeus_window WHERE outermost
GROUP BY run_id, session_file_id, file_id, component, device
ORDER BY run_id, session_file_id, file_id, component, CAST(device AS INTEGER);

-- zeus-log (the console output of a Zeus run, schema/017): spanned by its
-- logger records' times (naive local; NULL without one: a session), attached
-- with the others above. Energy as the script printed it, "<window> consumed
-- <J> Joules.": component 'total' (a measurement's total_energy: every device
-- it monitored), one row per window name (in device), its lines summed; windows
-- of different names are not added up, since a script may nest them (an epoch
-- inside training). covered_s sums the same window's "took <s> seconds." lines
-- (NULL when the script printed none: not known, not 0).
INSERT INTO source_energy
SELECT a.run_id, a.session_file_id, z.file_id, 'zeus-log', 'total', z.window,
       total(CASE WHEN z.kind = 'energy' THEN z.value END),
       sum(CASE WHEN z.kind = 'time' THEN z.value END), count(CASE WHEN z.kind = 'energy' THEN 1 END),
       NULL, NULL
FROM zeus_log_line z JOIN source_attach a ON a.file_id = z.file_id AND a.block = 0
WHERE z.kind IN ('energy', 'time')
GROUP BY a.run_id, a.session_file_id, z.file_id, z.window
HAVING count(CASE WHEN z.kind = 'energy' THEN 1 END) > 0
ORDER BY a.run_id, a.session_file_id, z.file_id, z.window;

-- powermetrics (macOS, schema/012, 014): energy = each sample's own energy
-- where the file gives it (the plist form's `*_energy`, energy_j), else its
-- power x its own elapsed time, per component ('cpu', 'gpu', 'ane', 'dram',
-- 'package', 'combined'; 'cluster' per CPU cluster, device the cluster's
-- name), complete samples only, the first row of each component of a sample.
-- A sample spans [date - elapsed, date] (the date taken as its end). Its dates
-- are UTC; they are placed on the runs' naive local clock with the offset
-- given (--utc-offset), else the offset each sample's own date carries (the
-- Mac's clock; text form), else the file's (source_file_offset: the plist
-- form's dates carry none). Spanned (source_powermetrics_sample) and attached
-- with the other sources above.
INSERT INTO source_energy
SELECT a.run_id, a.session_file_id, s.file_id, 'powermetrics', w.component, w.device,
       total(coalesce(w.energy_j, w.power_w * s.elapsed_us / 1e6)), total(s.elapsed_us) / 1e6,
       count(coalesce(w.energy_j, w.power_w)), min(s.b_us - s.elapsed_us), max(s.b_us)
FROM source_powermetrics_sample s
JOIN powermetrics_power w ON w.file_id = s.file_id AND w.sample_line = s.line AND w.counted = 1
JOIN source_attach a ON a.file_id = s.file_id AND a.block = 0
WHERE w.component <> 'other' AND (w.energy_j IS NOT NULL OR w.power_w IS NOT NULL)
  AND (a.how <> 'overlap' OR s.b_us BETWEEN a.win_start_us AND a.win_end_us)
GROUP BY a.run_id, a.session_file_id, s.file_id, w.component, w.device;

-- AIPowerMeter (schema/013_aipowermeter.sql): spanned and attached with the
-- others above (folder, overlap, session). Each record's powers are averages over
-- the sampling period that ends at its date (RAPL and NVML energy deltas divided
-- by the period), so a record counts its power x the time since the previous
-- record of its recording segment, and only when that interval ends inside the
-- attachment's window (as powermetrics counts a sample by its end). The first
-- record of a segment has no such interval and counts nothing; an interval
-- longer than 5 MEDIAN intervals of the file is a gap (a recording paused, as
-- with powerjoular -f), and none spans a segment marker.
-- Components (view aipowermeter_power), device '':
--   'package' <- cpu.intel_power: the sum of the RAPL package domains of all
--                sockets (cores, uncore and the rest of each package);
--   'dram'    <- cpu.total_dram_power: the dram domains, outside the package;
--   'psys'    <- cpu.psys_power: the platform domain (the whole SoC: package and
--                more), NULL when the file says -1. It overlaps 'package', so it
--                is its own component, never added to it;
--   'gpu'     <- gpu.nvidia_power (2026, NVML energy deltas), else
--                gpu.nvidia_draw_absolute (nvidia-smi power.draw): all GPUs.
-- total_cpu_power (cores) and uncore_power are parts of the package and the
-- per-process and per-GPU values shares or parts of these totals: they stay in
-- the raw tables and are not energies here, so nothing is counted twice.
-- The counted intervals, kept for v_power (schema/020_sources.sql): a record's line, its
-- date and the time since the previous record of its segment.
DELETE FROM source_aipowermeter_interval;
INSERT INTO source_aipowermeter_interval (file_id, line, ts_us, dt_us)
WITH step AS (
  SELECT file_id, line, ts_us AS t, ts_us - lag(ts_us) OVER w AS dt
  FROM aipowermeter_record
  WHERE file_id IN (SELECT file_id FROM source_span WHERE format = 'aipowermeter')
  WINDOW w AS (PARTITION BY file_id, segment ORDER BY line)
), ranked AS (
  SELECT file_id, dt, row_number() OVER (PARTITION BY file_id ORDER BY dt) AS k,
         count(*) OVER (PARTITION BY file_id) AS n
  FROM step WHERE dt > 0
), period AS (
  SELECT file_id, avg(dt) AS us FROM ranked WHERE k IN ((n + 1) / 2, (n + 2) / 2) GROUP BY file_id
)
SELECT s.file_id, s.line, s.t AS ts_us, s.dt AS dt_us
FROM step s JOIN period ON period.file_id = s.file_id
WHERE s.dt > 0 AND s.dt <= (SELECT gap_periods FROM model) * period.us;
INSERT INTO source_energy
SELECT a.run_id, a.session_file_id, i.file_id, 'aipowermeter', p.component, '',
       total(p.power_w * i.dt_us) / 1e6, total(i.dt_us) / 1e6, count(*), min(i.ts_us - i.dt_us), max(i.ts_us)
FROM source_aipowermeter_interval i
JOIN aipowermeter_power p ON p.file_id = i.file_id AND p.line = i.line
JOIN source_attach a ON a.file_id = i.file_id AND a.block = 0
WHERE i.ts_us BETWEEN a.win_start_us AND a.win_end_us AND p.power_w IS NOT NULL
GROUP BY a.run_id, a.session_file_id, i.file_id, p.component
ORDER BY a.run_id, a.session_file_id, i.file_id, p.component;

-- The reconciliation's window, per run or session (header: "Reconciliation").
DELETE FROM source_window;
INSERT INTO source_window
  SELECT run_id, session_file_id, 'wall', min(first_us), max(last_us)
  FROM source_energy WHERE source = 'wattmeter' GROUP BY run_id, session_file_id;
INSERT INTO source_window
  SELECT e.run_id, e.session_file_id, CASE WHEN e.run_id IS NULL THEN 'session' ELSE 'run' END,
         coalesce(r.start_us, min(e.first_us)), coalesce(r.end_us, max(e.last_us))
  FROM source_energy e LEFT JOIN source_run_span r ON r.run_id = e.run_id
  WHERE NOT EXISTS (SELECT 1 FROM source_window w
                    WHERE w.run_id IS e.run_id AND w.session_file_id IS e.session_file_id)
  GROUP BY e.run_id, e.session_file_id;

-- Energies of the components inside the wall windows of runs (sessions have no
-- components): every interval counts in proportion to its time inside the window.
DROP TABLE IF EXISTS temp.src_win;
CREATE TEMP TABLE src_win (run_id INTEGER, file_id INTEGER, source TEXT, component TEXT,
                           device TEXT, energy_j REAL);
DROP TABLE IF EXISTS temp.src_wall;
CREATE TEMP TABLE src_wall AS
  SELECT e.run_id, e.file_id, e.source, e.component, e.device, w.start_us AS ws, w.end_us AS we
  FROM source_window w JOIN source_energy e ON e.run_id = w.run_id
  WHERE w.kind = 'wall' AND e.source IN ('eprof-gpu', 'nvidia-smi', 'perf', 'codecarbon');
-- eprof-gpu: the trapezoid intervals of the run's GPU file, same gap rule
INSERT INTO src_win
WITH f AS (SELECT DISTINCT run_id, file_id, ws, we FROM src_wall WHERE source = 'eprof-gpu'),
period AS (
  SELECT file_id, CAST(max(ts_us) - min(ts_us) AS REAL) / max(count(*) - 1, 1) AS us
  FROM eprof_gpu_sample WHERE file_id IN (SELECT file_id FROM f) GROUP BY file_id
), iv AS (
  SELECT file_id, lag(ts_us) OVER w AS t0, ts_us AS t1, (power_w + lag(power_w) OVER w) / 2 AS pm
  FROM eprof_gpu_sample WHERE file_id IN (SELECT file_id FROM f) AND power_w IS NOT NULL
  WINDOW w AS (PARTITION BY file_id ORDER BY line)
)
SELECT f.run_id, f.file_id, 'eprof-gpu', 'gpu', '',
       total(CASE WHEN iv.t1 - iv.t0 <= (SELECT gap_periods FROM model) * period.us
                  THEN iv.pm * max(0, min(iv.t1, f.we) - max(iv.t0, f.ws)) END) / 1e6
FROM f JOIN period ON period.file_id = f.file_id JOIN iv ON iv.file_id = f.file_id
GROUP BY f.run_id, f.file_id;
-- nvidia-smi: per GPU, same rule
INSERT INTO src_win
WITH f AS (SELECT DISTINCT run_id, file_id, ws, we FROM src_wall WHERE source = 'nvidia-smi'),
period AS (
  SELECT file_id, gpu, CAST(max(ts_us) - min(ts_us) AS REAL) / max(count(*) - 1, 1) AS us
  FROM nvidia_smi_sample WHERE ts_us IS NOT NULL AND file_id IN (SELECT file_id FROM f) GROUP BY file_id, gpu
), iv AS (
  SELECT file_id, gpu, lag(ts_us) OVER w AS t0, ts_us AS t1, (power_w + lag(power_w) OVER w) / 2 AS pm
  FROM nvidia_smi_sample
  WHERE file_id IN (SELECT file_id FROM f) AND power_w IS NOT NULL AND ts_us IS NOT NULL
  WINDOW w AS (PARTITION BY file_id, gpu ORDER BY line)
)
SELECT f.run_id, f.file_id, 'nvidia-smi', 'gpu', iv.gpu,
       total(CASE WHEN iv.t1 - iv.t0 <= (SELECT gap_periods FROM model) * period.us
                  THEN iv.pm * max(0, min(iv.t1, f.we) - max(iv.t0, f.ws)) END) / 1e6
FROM f JOIN iv ON iv.file_id = f.file_id JOIN period ON period.file_id = iv.file_id AND period.gpu = iv.gpu
GROUP BY f.run_id, f.file_id, iv.gpu;
-- perf: each delta (or total) prorated by the share of its span inside the window
INSERT INTO src_win
SELECT f.run_id, f.file_id, 'perf', f.component, f.device,
       total(c.value * max(0, min(c.b_us, f.we) - max(c.a_us, f.ws)) / (c.b_us - c.a_us))
FROM src_wall f
JOIN source_attach a ON a.run_id = f.run_id AND a.file_id = f.file_id
JOIN src_perf c ON c.file_id = a.file_id AND c.block = a.block AND c.component = f.component
                AND c.device = f.device AND c.b_us > c.a_us
WHERE f.source = 'perf'
GROUP BY f.run_id, f.file_id, f.component, f.device;
-- codecarbon: the rows source_energy used, prorated by the share of the
-- tracker's span inside the window
INSERT INTO src_win
WITH last AS (
  SELECT file_id, ts_us - CAST(coalesce(duration_s, 0) * 1e6 AS INTEGER) AS a_us, ts_us AS b_us,
         energy_j, cpu_energy_j, gpu_energy_j, ram_energy_j,
         row_number() OVER (PARTITION BY file_id, coalesce(run_id, 'line ' || line)
                            ORDER BY duration_s DESC, line DESC) AS k
  FROM codecarbon_row
)
SELECT f.run_id, f.file_id, 'codecarbon', f.component, '',
       total(CASE f.component WHEN 'total' THEN l.energy_j WHEN 'cpu' THEN l.cpu_energy_j
                              WHEN 'gpu' THEN l.gpu_energy_j ELSE l.ram_energy_j END
             * max(0, min(l.b_us, f.we) - max(l.a_us, f.ws)) / (l.b_us - l.a_us))
FROM src_wall f JOIN source_attach a ON a.run_id = f.run_id AND a.file_id = f.file_id AND a.block = 0
JOIN last l ON l.file_id = f.file_id AND l.k = 1 AND l.b_us > l.a_us
  AND (a.how <> 'overlap' OR (l.b_us >= a.win_start_us AND l.a_us <= a.win_end_us))
WHERE f.source = 'codecarbon'
GROUP BY f.run_id, f.file_id, f.component;

-- source_energy within each window: span_s is the row's own span (first to last
-- sample counted), in_window_s how much of it lies inside the window; in a wall
-- window energy_j is the part inside it (NULL when the span misses it or the
-- source cannot be placed in time), in a run or session window the whole.
DELETE FROM source_window_energy;
INSERT INTO source_window_energy
SELECT e.run_id, e.session_file_id, e.file_id, e.source, e.component, e.device,
       CASE WHEN w.kind <> 'wall' OR e.source = 'wattmeter' THEN e.energy_j
            WHEN min(e.last_us, w.end_us) > max(e.first_us, w.start_us) THEN coalesce(t.energy_j, 0) END,
       (e.last_us - e.first_us) / 1e6,
       max(0, min(e.last_us, w.end_us) - max(e.first_us, w.start_us)) / 1e6
FROM source_energy e
JOIN source_window w ON w.run_id IS e.run_id AND w.session_file_id IS e.session_file_id
LEFT JOIN src_win t ON t.run_id = e.run_id AND t.file_id = e.file_id AND t.source = e.source
                    AND t.component = e.component AND t.device = e.device
ORDER BY e.run_id, e.session_file_id, e.file_id, e.source, e.component, e.device;
DROP TABLE temp.src_win;
DROP TABLE temp.src_wall;
DROP TABLE temp.src_perf;
