-- push/pg/002_views.sql: the notebooks' views on the server, in PostgreSQL's
-- dialect, with the column names, order and units of the local ones
-- (schema/004_transform.sql, schema/007_run_metadata.sql), run_id being the
-- server's run id, and two more columns at the end: the origin and host that
-- first sent the run. Where SQLite returns NULL for a division by zero,
-- PostgreSQL would fail: the divisors go through NULLIF(x, 0).
--
-- start_time: SQLite's strftime('%Y-%m-%d %H:%M:%f', us / 1e6, 'unixepoch')
-- is the UTC reading of the naive-local microseconds, to the millisecond.

CREATE VIEW v_run AS
SELECT p.profile, r.environment, r.architecture, r.dataset, r.stamp, p.run_id,
       p.n_samples,
       to_char(to_timestamp(p.start_us / 1e6) AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.MS')
         AS start_time,
       p.duration_s, p.duration_s / 3600.0 AS duration_h,
       p.gpu_energy_j, p.ram_energy_j, p.energy_j,
       CASE WHEN p.energy_j IS NOT NULL THEN
         CASE WHEN p.gpu_energy_j IS NOT NULL AND p.ram_energy_j IS NOT NULL THEN 'gpu+ram'
              WHEN p.gpu_energy_j IS NOT NULL THEN 'gpu' WHEN p.ram_energy_j IS NOT NULL THEN 'ram' END
       END AS energy_components,
       p.avg_gpu_power_w, p.std_gpu_power_w, p.avg_ram_power_w, p.std_ram_power_w,
       p.gpu_usage_pct, p.gpu_working_time_s, p.gpu_memory_usage_pct, p.gpu_memory_working_time_s,
       p.avg_gpu_memory_used_mib, p.std_gpu_memory_used_mib, p.total_power_w,
       p.avg_gpu_temp_c, p.std_gpu_temp_c, p.avg_cpu_usage_pct, p.std_cpu_usage_pct,
       p.avg_ram_used_mb, p.std_ram_used_mb,
       p.emissions_g, p.carbon_intensity_g_per_kwh, p.pue,
       m.batch_size, m.image_size, m.train_size, m.validation_size, m.gflops,
       m.accuracy, m.auc, m.precision, m.recall, m.f1, m.metrics_source,
       COALESCE(m.total_ram_gb, p.total_ram_gb) AS total_ram_gb,
       p.gpu_model, p.max_power_limit_w,
       COALESCE(p.measured_epochs, m.measured_epochs) AS measured_epochs,
       COALESCE(p.trained_epochs, m.trained_epochs) AS trained_epochs,
       COALESCE((m.train_size / NULLIF(m.batch_size, 0) + m.validation_size / NULLIF(m.batch_size, 0))
                  * m.batch_size * p.measured_epochs, m.total_seen_images) AS total_seen_images,
       COALESCE(m.launch_return_code, m.return_code,
                CASE WHEN p.profile = 'gaissa' AND p.measured_epochs IS NOT NULL
                     THEN CASE WHEN p.measured_epochs = 0 THEN -9 ELSE 0 END END) AS return_code,
       p.sampling_period_s, p.uncovered_s, p.null_power_samples,
       p.start_us, p.end_us,
       m.split_number, m.paired_by AS metadata_paired_by,
       r.origin, r.host
FROM processed_run p JOIN run r ON r.id = p.run_id LEFT JOIN run_meta m ON m.run_id = p.run_id;

CREATE VIEW v_epoch AS
SELECT e.profile, r.environment, r.architecture, r.dataset, r.stamp, e.run_id, e.epoch,
       e.duration_s, e.gpu_energy_j, e.ram_energy_j, e.energy_j,
       e.mean_gpu_power_w, e.mean_ram_power_w, e.n_samples, e.uncovered_s,
       m.batch_size, m.image_size, COALESCE(m.total_ram_gb, i.total_ram_gb) AS total_ram_gb,
       r.origin, r.host
FROM processed_epoch e JOIN run r ON r.id = e.run_id
LEFT JOIN run_meta m ON m.run_id = e.run_id LEFT JOIN interim_run i ON i.run_id = e.run_id;

CREATE VIEW v_profile_diff AS
SELECT r.environment, r.architecture, r.dataset, r.stamp, d.run_id,
       g.n_samples AS gaissa_n_samples, d.n_samples AS default_n_samples,
       g.duration_s AS gaissa_duration_s, d.duration_s AS default_duration_s,
       g.gpu_energy_j AS gaissa_gpu_energy_j, d.gpu_energy_j AS default_gpu_energy_j,
       g.ram_energy_j AS gaissa_ram_energy_j, d.ram_energy_j AS default_ram_energy_j,
       g.energy_j AS gaissa_energy_j, d.energy_j AS default_energy_j,
       d.energy_j - g.energy_j AS energy_diff_j,
       (d.energy_j - g.energy_j) / NULLIF(g.energy_j, 0) * 100 AS energy_diff_pct,
       d.duration_s - g.duration_s AS duration_diff_s,
       g.avg_gpu_power_w AS gaissa_avg_gpu_power_w, d.avg_gpu_power_w AS default_avg_gpu_power_w,
       d.avg_gpu_power_w - g.avg_gpu_power_w AS avg_gpu_power_diff_w,
       g.emissions_g AS gaissa_emissions_g, d.emissions_g AS default_emissions_g,
       d.uncovered_s AS default_uncovered_s,
       r.origin, r.host
FROM processed_run d JOIN processed_run g ON g.run_id = d.run_id AND g.profile = 'gaissa'
JOIN run r ON r.id = d.run_id
WHERE d.profile = 'default';
