-- transform/20_default.sql: the 'default' profile, for the runs in tf_dirty.
--
-- The run's window is interim_run (start_us, end_us]: from its first GPU sample
-- to its last epoch end (the last GPU sample without an epoch_end file), cut into
-- the epoch spans of interim_span. Both series are integrated on their own time
-- axis with the trapezoid rule over consecutive non-NULL readings: the GPU
-- samples for GPU power, usage and temperature, the CPU samples for RAM power
-- (RSS MB × 3.75e-4 W) and CPU usage. An interval longer than 5 measured
-- sampling periods (the median interval of the series) is a gap: not bridged,
-- its time counted in uncovered_s. An interval that crosses a span boundary is
-- split between the spans in proportion to the time it spends in each, so the
-- epochs' energies add up to the run's. Means are time-weighted: the integral
-- over the covered time; standard deviations likewise (from ∫x² dt).

DELETE FROM processed_run WHERE profile = 'default'
  AND run_id IN (SELECT run_id FROM tf_dirty WHERE profile = 'default');
DELETE FROM processed_epoch WHERE profile = 'default'
  AND run_id IN (SELECT run_id FROM tf_dirty WHERE profile = 'default');

-- Per (run, span): the integrals of the GPU series.
DROP TABLE IF EXISTS temp.tf_dg;
CREATE TEMP TABLE tf_dg AS
WITH iv AS (
  SELECT run_id, t0, t1, s0, s1, (p0 + p1) / 2 AS pm, (p0 * p0 + p1 * p1) / 2 AS p2m,
         (u0 + u1) / 2 AS um, (mu0 + mu1) / 2 AS mum, (m0 + m1) / 2 AS mm, (m0 * m0 + m1 * m1) / 2 AS m2m,
         (c0 + c1) / 2 AS cm, (c0 * c0 + c1 * c1) / 2 AS c2m
  FROM (SELECT s.run_id, lag(s.ts_us) OVER w AS t0, s.ts_us AS t1, lag(s.span) OVER w AS s0, s.span AS s1,
               lag(s.power_w) OVER w AS p0, s.power_w AS p1,
               lag(s.gpu_util_pct) OVER w AS u0, s.gpu_util_pct AS u1,
               lag(s.mem_util_pct) OVER w AS mu0, s.mem_util_pct AS mu1,
               lag(s.mem_used_mib) OVER w AS m0, s.mem_used_mib AS m1,
               lag(s.gpu_temp_c) OVER w AS c0, s.gpu_temp_c AS c1
        FROM interim_sample s
        WHERE s.power_w IS NOT NULL
          AND s.run_id IN (SELECT run_id FROM tf_dirty WHERE profile = 'default')
        WINDOW w AS (PARTITION BY s.run_id ORDER BY s.seq))
  WHERE t0 IS NOT NULL),
pc AS (
  SELECT iv.*, sp.span, (min(iv.t1, sp.end_us) - max(iv.t0, sp.start_us)) / 1e6 AS ov
  FROM iv JOIN interim_run i USING (run_id)
  JOIN interim_span sp ON sp.run_id = iv.run_id AND sp.span BETWEEN iv.s0 AND iv.s1
  WHERE iv.t1 - iv.t0 <= 5 * i.gpu_period_s * 1e6)
SELECT run_id, span, sum(ov) AS cov, sum(ov * pm) AS e, sum(ov * p2m) AS e2,
       sum(ov * um) AS ui, sum(CASE WHEN um IS NOT NULL THEN ov END) AS ucov,
       sum(ov * mum) AS mui, sum(CASE WHEN mum IS NOT NULL THEN ov END) AS mucov,
       sum(ov * mm) AS mi, sum(ov * m2m) AS m2i, sum(CASE WHEN mm IS NOT NULL THEN ov END) AS mcov,
       sum(ov * cm) AS ci, sum(ov * c2m) AS c2i, sum(CASE WHEN cm IS NOT NULL THEN ov END) AS ccov
FROM pc WHERE ov > 0 GROUP BY run_id, span;
CREATE INDEX temp.tf_dg_key ON tf_dg(run_id, span);

-- Per (run, span): the integrals of the CPU series.
DROP TABLE IF EXISTS temp.tf_dc;
CREATE TEMP TABLE tf_dc AS
WITH iv AS (
  SELECT run_id, t0, t1, s0, s1, (r0 + r1) / 2 AS rm, (r0 * r0 + r1 * r1) / 2 AS r2m,
         (c0 + c1) / 2 AS cm, (c0 * c0 + c1 * c1) / 2 AS c2m
  FROM (SELECT s.run_id, lag(s.ts_us) OVER w AS t0, s.ts_us AS t1, lag(s.span) OVER w AS s0, s.span AS s1,
               lag(s.rss_mb) OVER w AS r0, s.rss_mb AS r1, lag(s.cpu_pct) OVER w AS c0, s.cpu_pct AS c1
        FROM interim_cpu_sample s
        WHERE s.rss_mb IS NOT NULL
          AND s.run_id IN (SELECT run_id FROM tf_dirty WHERE profile = 'default')
        WINDOW w AS (PARTITION BY s.run_id ORDER BY s.seq))
  WHERE t0 IS NOT NULL),
pc AS (
  SELECT iv.*, sp.span, (min(iv.t1, sp.end_us) - max(iv.t0, sp.start_us)) / 1e6 AS ov
  FROM iv JOIN interim_run i USING (run_id)
  JOIN interim_span sp ON sp.run_id = iv.run_id AND sp.span BETWEEN iv.s0 AND iv.s1
  WHERE iv.t1 - iv.t0 <= 5 * i.cpu_period_s * 1e6)
SELECT run_id, span, sum(ov) AS cov, sum(ov * rm) AS ri, sum(ov * r2m) AS r2i,
       sum(ov * cm) AS ci, sum(ov * c2m) AS c2i, sum(CASE WHEN cm IS NOT NULL THEN ov END) AS ccov
FROM pc WHERE ov > 0 GROUP BY run_id, span;
CREATE INDEX temp.tf_dc_key ON tf_dc(run_id, span);

-- Per (run, span): GPU samples with and without a power reading.
DROP TABLE IF EXISTS temp.tf_dn;
CREATE TEMP TABLE tf_dn AS
SELECT run_id, span, count(power_w) AS n, count(*) - count(power_w) AS nnull,
       min(CASE WHEN power_limit_w IS NOT NULL THEN seq END) AS lim_seq
FROM interim_sample WHERE run_id IN (SELECT run_id FROM tf_dirty WHERE profile = 'default')
GROUP BY run_id, span;
CREATE INDEX temp.tf_dn_key ON tf_dn(run_id, span);

INSERT INTO processed_epoch(run_id, profile, epoch, n_samples, duration_s, mean_gpu_power_w,
  mean_ram_power_w, gpu_energy_j, ram_energy_j, energy_j, uncovered_s)
SELECT sp.run_id, 'default', sp.epoch,
       COALESCE((SELECT n FROM tf_dn WHERE tf_dn.run_id = sp.run_id AND tf_dn.span = sp.span), 0),
       (sp.end_us - sp.start_us) / 1e6,
       g.e / g.cov, c.ri * 3.75e-4 / c.cov,
       COALESCE(g.e, 0), c.ri * 3.75e-4, COALESCE(g.e, 0) + COALESCE(c.ri * 3.75e-4, 0),
       round(max((sp.end_us - sp.start_us) / 1e6 - COALESCE(g.cov, 0), 0), 6)
FROM interim_span sp
LEFT JOIN tf_dg g ON g.run_id = sp.run_id AND g.span = sp.span
LEFT JOIN tf_dc c ON c.run_id = sp.run_id AND c.span = sp.span
WHERE sp.epoch IS NOT NULL
  AND sp.run_id IN (SELECT run_id FROM tf_dirty WHERE profile = 'default');

INSERT INTO processed_run(run_id, profile, n_samples, start_us, end_us, duration_s,
  measured_epochs, trained_epochs, gpu_model, gpu_working_time_s, gpu_usage_pct,
  gpu_memory_working_time_s, gpu_memory_usage_pct, avg_gpu_memory_used_mib,
  std_gpu_memory_used_mib, total_power_w, avg_gpu_power_w, std_gpu_power_w, max_power_limit_w,
  avg_gpu_temp_c, std_gpu_temp_c, avg_cpu_usage_pct, std_cpu_usage_pct, avg_ram_used_mb,
  std_ram_used_mb, avg_ram_power_w, std_ram_power_w, total_ram_gb, gpu_energy_j, ram_energy_j,
  energy_j, sampling_period_s, uncovered_s, null_power_samples)
WITH g AS (SELECT run_id, sum(cov) AS cov, sum(e) AS e, sum(e2) AS e2, sum(ui) AS ui, sum(ucov) AS ucov,
                  sum(mui) AS mui, sum(mucov) AS mucov, sum(mi) AS mi, sum(m2i) AS m2i, sum(mcov) AS mcov,
                  sum(ci) AS ci, sum(c2i) AS c2i, sum(ccov) AS ccov,
                  count(CASE WHEN cov > 0 THEN 1 END) AS spans
           FROM tf_dg GROUP BY run_id),
c AS (SELECT run_id, sum(cov) AS cov, sum(ri) AS ri, sum(r2i) AS r2i, sum(ci) AS ci, sum(c2i) AS c2i,
             sum(ccov) AS ccov
      FROM tf_dc GROUP BY run_id),
n AS (SELECT d.run_id, sum(CASE WHEN d.span < k.nspans THEN d.n END) AS n,
             sum(CASE WHEN d.span < k.nspans THEN d.nnull END) AS nnull,
             min(d.lim_seq) AS lim_seq
      FROM tf_dn d JOIN (SELECT run_id, count(*) AS nspans FROM interim_span GROUP BY run_id) k USING (run_id)
      GROUP BY d.run_id),
me AS (SELECT sp.run_id, count(*) AS measured
       FROM interim_span sp LEFT JOIN tf_dg d USING (run_id, span) LEFT JOIN tf_dc c USING (run_id, span)
       WHERE sp.epoch IS NOT NULL AND (d.cov > 0 OR c.cov > 0) GROUP BY sp.run_id)
SELECT i.run_id, 'default', COALESCE(n.n, 0), i.start_us, i.end_us, (i.end_us - i.start_us) / 1e6,
       COALESCE(me.measured, 0),
       i.n_epoch_ends, i.gpu_model,
       g.ui / 100, g.ui / g.ucov, g.mui / 100, g.mui / g.mucov,
       g.mi / g.mcov, sqrt(max(g.m2i / g.mcov - (g.mi / g.mcov) * (g.mi / g.mcov), 0)),
       NULL, g.e / g.cov, sqrt(max(g.e2 / g.cov - (g.e / g.cov) * (g.e / g.cov), 0)),
       (SELECT s2.power_limit_w FROM interim_sample s2 WHERE s2.run_id = i.run_id AND s2.seq = n.lim_seq),
       g.ci / g.ccov, sqrt(max(g.c2i / g.ccov - (g.ci / g.ccov) * (g.ci / g.ccov), 0)),
       c.ci / c.ccov, sqrt(max(c.c2i / c.ccov - (c.ci / c.ccov) * (c.ci / c.ccov), 0)),
       c.ri / c.cov, sqrt(max(c.r2i / c.cov - (c.ri / c.cov) * (c.ri / c.cov), 0)),
       c.ri / c.cov * 3.75e-4, sqrt(max(c.r2i / c.cov - (c.ri / c.cov) * (c.ri / c.cov), 0)) * 3.75e-4,
       i.total_ram_gb,
       CASE WHEN i.gpu_file_id IS NOT NULL THEN COALESCE(g.e, 0) END,
       CASE WHEN i.cpu_file_id IS NOT NULL THEN COALESCE(c.ri * 3.75e-4, 0) END,
       COALESCE(g.e, 0) + COALESCE(c.ri * 3.75e-4, 0),
       i.gpu_period_s, round(max((i.end_us - i.start_us) / 1e6 - COALESCE(g.cov, 0), 0), 6),
       COALESCE(n.nnull, 0)
FROM interim_run i LEFT JOIN g USING (run_id) LEFT JOIN c USING (run_id) LEFT JOIN n USING (run_id)
LEFT JOIN me USING (run_id)
WHERE i.run_id IN (SELECT run_id FROM tf_dirty WHERE profile = 'default');

DROP TABLE temp.tf_dg;
DROP TABLE temp.tf_dc;
DROP TABLE temp.tf_dn;
