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

-- The integrals are computed by the alignment pass (transform/integrate.c, one
-- pass over the run's samples in memory) into the temp tables of
-- transform/00_prepare.sql, per (run, span) with an overlap > 0:
--   tf_dg, the GPU series: cov = Σ ov (covered seconds), e = Σ ov × pm,
--     e2 = Σ ov × p²m (pm = (p0 + p1) / 2, p²m = (p0² + p1²) / 2 over an interval,
--     ov its seconds inside the span), ui/ucov (usage), mui/mucov (memory usage),
--     mi/m2i/mcov (memory used), ci/c2i/ccov (temperature): Σ ov × mean and Σ ov
--     over the intervals where both readings are non-NULL;
--   tf_dc, the CPU series: cov, ri/r2i (RSS MB), ci/c2i/ccov (CPU usage);
--   tf_dn, per span value of the GPU samples (nspans: after the window): n
--     samples with power, nnull without, lim_seq the first with a power limit.

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

