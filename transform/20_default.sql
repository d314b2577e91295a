-- transform/20_default.sql: the 'default' profile, for the runs in tf_dirty.
--
-- The run's window is interim_run (start_us, end_us]: from its first GPU sample
-- to its last epoch end (the last GPU sample without an epoch_end file), cut into
-- the epoch spans of interim_span. Both series are integrated on their own time
-- axis with the trapezoid rule over consecutive non-NULL readings: the GPU
-- samples for GPU power, usage and temperature, the CPU samples for RAM power
-- (RSS MB × ram_w_per_mb of the view model) and CPU usage. An interval longer
-- than gap_periods (model) measured sampling periods (the median interval of
-- the series) is a gap: not bridged, its time counted in uncovered_s. An
-- interval that crosses a span boundary is
-- split between the spans in proportion to the time it spends in each, so the
-- epochs' energies add up to the run's. Means are time-weighted: the integral
-- over the covered time; standard deviations likewise (from ∫x² dt).

-- Unknown is NULL: epochs without an epoch_end file; a component's energy when
-- none of its intervals lies in the window (no samples there); energy_j is the
-- sum of the components measured (v_run.energy_components names them), NULL
-- when none was.

DELETE FROM processed_run WHERE profile = 'default'
  AND run_id IN (SELECT run_id FROM tf_dirty WHERE profile = 'default');

-- The integrals come from the transform pipeline (transform/integrate.c: each
-- series walked once by the integration engine, common/trapezoid.h, each
-- bridged interval split over the spans it crosses). What they are is written
-- as SQL in transform/model/default_epochs.sql: one statement over the raw rows
-- (eprof_gpu_sample, eprof_cpu_sample, interim_span, interim_run, view model)
-- and the aggregate trapezoid_window(), which gives every default
-- processed_epoch row to the bit (tests/test_default_sql.c). transform/emit.c
-- writes the processed_epoch rows and the run's sums over its spans, in span
-- order, into temp.tf_dm (transform/00_prepare.sql); the processed_run row
-- below reads them: cov, e, e2 of GPU power (seconds, ∫p dt, ∫p² dt), ui, ucov,
-- mui, mucov, mi, m2i, mcov, ci, c2i, ccov of usage, memory usage, memory used
-- and temperature (each over the intervals where both readings have it), c_cov,
-- ri, r2i of RSS MB and c_ci, c_c2i, c_ccov of CPU usage.

INSERT INTO processed_run(run_id, profile, n_samples, start_us, end_us, duration_s,
  measured_epochs, trained_epochs, gpu_model, gpu_working_time_s, gpu_usage_pct,
  gpu_memory_working_time_s, gpu_memory_usage_pct, avg_gpu_memory_used_mib,
  std_gpu_memory_used_mib, total_power_w, avg_gpu_power_w, std_gpu_power_w, max_power_limit_w,
  avg_gpu_temp_c, std_gpu_temp_c, avg_cpu_usage_pct, std_cpu_usage_pct, avg_ram_used_mb,
  std_ram_used_mb, avg_ram_power_w, std_ram_power_w, total_ram_gb, gpu_energy_j, ram_energy_j,
  energy_j, sampling_period_s, uncovered_s, null_power_samples)
SELECT i.run_id, 'default', COALESCE(m.n, 0), i.start_us, i.end_us, (i.end_us - i.start_us) / 1e6,
       CASE WHEN i.epoch_file_id IS NOT NULL THEN COALESCE(m.measured, 0) END,
       CASE WHEN i.epoch_file_id IS NOT NULL THEN i.n_epoch_ends END, i.gpu_model,
       m.ui / 100, m.ui / m.ucov, m.mui / 100, m.mui / m.mucov,
       m.mi / m.mcov, sqrt(max(m.m2i / m.mcov - (m.mi / m.mcov) * (m.mi / m.mcov), 0)),
       NULL, m.e / m.cov, sqrt(max(m.e2 / m.cov - (m.e / m.cov) * (m.e / m.cov), 0)),
       m.lim,
       m.ci / m.ccov, sqrt(max(m.c2i / m.ccov - (m.ci / m.ccov) * (m.ci / m.ccov), 0)),
       m.c_ci / m.c_ccov, sqrt(max(m.c_c2i / m.c_ccov - (m.c_ci / m.c_ccov) * (m.c_ci / m.c_ccov), 0)),
       m.ri / m.c_cov, sqrt(max(m.r2i / m.c_cov - (m.ri / m.c_cov) * (m.ri / m.c_cov), 0)),
       m.ri / m.c_cov * (SELECT ram_w_per_mb FROM model),
       sqrt(max(m.r2i / m.c_cov - (m.ri / m.c_cov) * (m.ri / m.c_cov), 0)) * (SELECT ram_w_per_mb FROM model),
       i.total_ram_gb,
       CASE WHEN m.cov > 0 THEN m.e END,
       CASE WHEN m.c_cov > 0 THEN m.ri * (SELECT ram_w_per_mb FROM model) END,
       CASE WHEN m.cov > 0 OR m.c_cov > 0 THEN
         CASE WHEN m.cov > 0 THEN m.e ELSE 0 END + CASE WHEN m.c_cov > 0 THEN m.ri * (SELECT ram_w_per_mb FROM model) ELSE 0 END END,
       i.gpu_period_s, round(max((i.end_us - i.start_us) / 1e6 - COALESCE(m.cov, 0), 0), 6),
       COALESCE(m.nnull, 0)
FROM interim_run i LEFT JOIN tf_dm m USING (run_id)
WHERE i.run_id IN (SELECT run_id FROM tf_dirty WHERE profile = 'default');
