-- transform/model/default_epochs.sql: the default profile's epochs as one SQL
-- statement over the raw rows and the integration engine. Not run by the
-- transform: the C pipeline (transform/integrate.c) is the fast path, and
-- tests/test_default_sql.c checks that this statement gives every default
-- processed_epoch row, and from the spans the run sums of processed_run, to the
-- bit. The folder is outside the embedded transform/*.sql on purpose.
--
-- One row per span of interim_span, (start_us, end_us]: an epoch of the
-- epoch_end file, or one span over the whole window without one (epoch NULL,
-- no processed_epoch row). Each series is integrated on its own clock over the
-- span by trapezoid_window() (common/trapezoid.h): GPU power from
-- eprof_gpu_sample, RSS MB from eprof_cpu_sample, readings with a value in
-- (time, line) order, the trapezoid between consecutive ones, an interval
-- longer than gap_periods (view model) measured periods (interim_run's
-- medians) not bridged, an interval that crosses the span's start or end
-- counted for its share, the seconds it spends inside. Each series is fed from
-- its last reading at or before the start to its first at or after the end;
-- no other interval reaches into the span.
WITH span AS (
  SELECT s.run_id, s.span, s.epoch, s.start_us, s.end_us, i.gpu_file_id, i.cpu_file_id, m.ram_w_per_mb,
         m.gap_periods * i.gpu_period_s * 1e6 AS gpu_gap_us,
         m.gap_periods * i.cpu_period_s * 1e6 AS cpu_gap_us
  FROM interim_span s JOIN interim_run i USING (run_id) CROSS JOIN model m
),
fed AS MATERIALIZED (
  -- the times each series is fed from and to
  SELECT s.*,
         coalesce((SELECT max(ts_us) FROM eprof_gpu_sample WHERE file_id = s.gpu_file_id
                     AND power_w IS NOT NULL AND ts_us <= s.start_us), s.start_us) AS gpu_from,
         coalesce((SELECT min(ts_us) FROM eprof_gpu_sample WHERE file_id = s.gpu_file_id
                     AND power_w IS NOT NULL AND ts_us >= s.end_us), s.end_us) AS gpu_to,
         coalesce((SELECT max(ts_us) FROM eprof_cpu_sample WHERE file_id = s.cpu_file_id
                     AND rss_mb IS NOT NULL AND ts_us <= s.start_us), s.start_us) AS cpu_from,
         coalesce((SELECT min(ts_us) FROM eprof_cpu_sample WHERE file_id = s.cpu_file_id
                     AND rss_mb IS NOT NULL AND ts_us >= s.end_us), s.end_us) AS cpu_to
  FROM span s
),
gpu AS (
  SELECT f.run_id, f.span,
         trapezoid_window(g.line, g.ts_us, g.power_w, f.gpu_gap_us, f.start_us, f.end_us, 1e6) AS z
  FROM fed f JOIN eprof_gpu_sample g ON g.file_id = f.gpu_file_id
  WHERE g.power_w IS NOT NULL AND g.ts_us BETWEEN f.gpu_from AND f.gpu_to
  GROUP BY f.run_id, f.span
),
ram AS (
  SELECT f.run_id, f.span,
         trapezoid_window(c.line, c.ts_us, c.rss_mb, f.cpu_gap_us, f.start_us, f.end_us, 1e6) AS z
  FROM fed f JOIN eprof_cpu_sample c ON c.file_id = f.cpu_file_id
  WHERE c.rss_mb IS NOT NULL AND c.ts_us BETWEEN f.cpu_from AND f.cpu_to
  GROUP BY f.run_id, f.span
),
integral AS (
  -- e: ∫ GPU power dt (J), cov: the seconds it covers; ri: ∫ RSS dt (MB s),
  -- c_cov: its seconds. NULL: no bridged interval in the span.
  SELECT s.*, trapezoid_value(gpu.z, 'energy') AS e, trapezoid_value(gpu.z, 'time') AS cov,
         trapezoid_value(ram.z, 'energy') AS ri, trapezoid_value(ram.z, 'time') AS c_cov,
         (s.end_us - s.start_us) / 1e6 AS duration_s,
         -- GPU samples with power in the span; the first span holds the window's first sample
         (SELECT count(*) FROM eprof_gpu_sample g WHERE g.file_id = s.gpu_file_id AND g.power_w IS NOT NULL
            AND g.ts_us BETWEEN s.start_us AND s.end_us AND (g.ts_us > s.start_us OR s.span = 0)) AS n_samples
  FROM span s LEFT JOIN gpu USING (run_id, span) LEFT JOIN ram USING (run_id, span)
)
SELECT run_id, span, epoch, n_samples, duration_s,
       e / cov AS mean_gpu_power_w,
       ri * ram_w_per_mb / c_cov AS mean_ram_power_w,
       COALESCE(e, 0) AS gpu_energy_j,
       ri * ram_w_per_mb AS ram_energy_j,
       COALESCE(e, 0) + COALESCE(ri * ram_w_per_mb, 0) AS energy_j,
       round(max(duration_s - COALESCE(cov, 0), 0), 6) AS uncovered_s,
       e AS gpu_integral_j, cov AS gpu_covered_s, ri AS ram_integral_mb_s, c_cov AS ram_covered_s
FROM integral
ORDER BY run_id, span
