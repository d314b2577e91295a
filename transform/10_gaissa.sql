-- transform/10_gaissa.sql: the 'gaissa' profile, the replication package's
-- per-run and per-epoch aggregation, for the runs in tf_dirty.
--
-- The samples are interim_sample rows with gaissa = 1 (transform/gaissa.c
-- already applied skipfooter, the nearest join followed by dropna, and the tail
-- cut at the last epoch end; the constants in the view model). The arithmetic,
-- done by transform/gaissa.c: values truncated to their first digit run (floor,
-- as measure2float does for these non-negative readings), usage as a fraction,
-- elapsed seconds from the first kept sample, trapezoid integration, sample means
-- and ddof=1 standard deviations, RAM power = RSS MB × ram_w_per_mb, working time =
-- Σ usage × 1 s (the anchor's 1 Hz assumption), and the anchor's float32 columns
-- (RSS, CPU usage, RAM power) rounded to float32 (f32()) and averaged the way
-- numpy does in float32 (f32_mean(), see transform.c). Here: the processed rows.

DELETE FROM processed_run WHERE profile = 'gaissa'
  AND run_id IN (SELECT run_id FROM tf_dirty WHERE profile = 'gaissa');

-- The per-run sums are computed by the transform pipeline (transform/gaissa.c,
-- one pass over the run's samples in memory) into temp.tf_gm
-- (transform/00_prepare.sql): n, t0, t1, max_epoch, the sums su (usage), smu
-- (memory usage) and sp (watts), the means au, amu, amem, ap, atemp, the float32
-- means acpu32, arss32, ar32 (f32_mean), nr = count of RAM powers, the trapezoids
-- egpu and eram = Σ dx × (y + y_prev) / 2, and the sums of squared deviations from
-- the means dmem, dp, dtemp, dcpu, drss, dr.

-- Epochs: the anchor's max epoch index (NaN -> 0) and the rows of the epoch_end
-- file, when the run has one; NULL without it (the anchor's 0 there stands for
-- a missing file, see transform/README.md).
INSERT INTO processed_run(run_id, profile, n_samples, start_us, end_us, duration_s,
  measured_epochs, trained_epochs, gpu_model, gpu_working_time_s, gpu_usage_pct,
  gpu_memory_working_time_s, gpu_memory_usage_pct, avg_gpu_memory_used_mib,
  std_gpu_memory_used_mib, total_power_w, avg_gpu_power_w, std_gpu_power_w, max_power_limit_w,
  avg_gpu_temp_c, std_gpu_temp_c, avg_cpu_usage_pct, std_cpu_usage_pct, avg_ram_used_mb,
  std_ram_used_mb, avg_ram_power_w, std_ram_power_w, total_ram_gb, gpu_energy_j, ram_energy_j,
  energy_j, sampling_period_s, uncovered_s, null_power_samples)
SELECT m.run_id, 'gaissa', m.n, m.t0, m.t1, (m.t1 - m.t0) / 1e6,
       CASE WHEN i.epoch_file_id IS NOT NULL THEN COALESCE(m.max_epoch, 0) END,
       CASE WHEN i.epoch_file_id IS NOT NULL THEN i.n_epoch_ends END, i.gpu_model,
       m.su, m.au * 100, m.smu, m.amu * 100,
       m.amem, sqrt(d.dmem / (m.n - 1)), m.sp, m.ap, sqrt(d.dp / (m.n - 1)), m.lim0,
       m.atemp, sqrt(d.dtemp / (m.n - 1)), m.acpu32, f32(sqrt(d.dcpu / (m.n - 1))),
       m.arss32, f32(sqrt(d.drss / (m.n - 1))), m.ar32, f32(sqrt(d.dr / (m.n - 1))),
       i.total_ram_gb,
       COALESCE(m.egpu, 0), CASE WHEN m.nr = m.n THEN COALESCE(m.eram, 0) END,
       COALESCE(m.egpu, 0) + CASE WHEN m.nr = m.n THEN COALESCE(m.eram, 0) END,
       i.gpu_period_s, NULL, nn.n
FROM tf_gm m JOIN interim_run i USING (run_id) JOIN tf_gm d USING (run_id) JOIN tf_nnull nn USING (run_id)
WHERE m.run_id IN (SELECT run_id FROM tf_dirty WHERE profile = 'gaissa');

-- Runs the profile was asked for but that keep no sample: a row saying so.
INSERT INTO processed_run(run_id, profile, n_samples, measured_epochs, trained_epochs, gpu_model,
  total_ram_gb, sampling_period_s, null_power_samples)
SELECT i.run_id, 'gaissa', 0, CASE WHEN i.epoch_file_id IS NOT NULL THEN 0 END,
       CASE WHEN i.epoch_file_id IS NOT NULL THEN i.n_epoch_ends END, i.gpu_model, i.total_ram_gb,
       i.gpu_period_s, nn.n
FROM interim_run i JOIN tf_nnull nn USING (run_id)
WHERE i.run_id IN (SELECT run_id FROM tf_dirty WHERE profile = 'gaissa')
  AND i.run_id NOT IN (SELECT run_id FROM tf_gm);

-- The per-epoch aggregation, the processed_epoch rows, is written by the transform pipeline
-- (gaissa.c, gaissa_epoch; emit.c): epoch k >= 1 starts with a copy of the last sample
-- of epoch k-1 (the boundary duplication), so each interval belongs to the epoch
-- of its right end and the copy counts in the epoch's mean; n, mean GPU power
-- (avg), mean RAM power (f32_mean), gpu_energy_j = Σ trapezoids, ram_energy_j
-- only when every sample has a RAM power. Duration from the epoch_end file:
-- end(k) - end(k-1) of the epoch's first span, the first epoch from the first
-- kept sample. An epoch without a span of its own (the copy's epoch when the
-- epoch_end file skips it) has no row.
