-- push/pg/005_mlflow.sql: v_run recreated with the columns of an attached
-- MLflow run, as schema/015_mlflow.sql does locally (mlflow_run_id,
-- mlflow_experiment, mlflow_run_name, mlflow_status, mlflow_params), and
-- v_features, which reads it, recreated unchanged (003's text). The rows the
-- local v_run adds for MLflow runs attached to no eprof run (profile 'mlflow')
-- are not on the server: mlflow_run_meta's rows of no run stay local, as a
-- session's source rows do.
DROP VIEW IF EXISTS v_features;
DROP VIEW IF EXISTS v_run;
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
       m.mlflow_run_id, ml.experiment_name AS mlflow_experiment, ml.run_name AS mlflow_run_name,
       ml.status_name AS mlflow_status, ml.params AS mlflow_params,
       r.origin, r.host
FROM processed_run p JOIN run r ON r.id = p.run_id LEFT JOIN run_meta m ON m.run_id = p.run_id
LEFT JOIN mlflow_run_meta ml ON ml.mlflow_run_id = m.mlflow_run_id;

-- §4.7: the regression features, one row per run and profile, with the targets.
CREATE VIEW v_features AS
SELECT v.profile, v.environment, v.architecture, v.dataset, v.stamp, v.run_id,
       v.batch_size, v.total_ram_gb, v.train_size, v.validation_size, v.gflops,
       v.image_size AS image_height_px, v.image_size AS image_width_px,
       g.cuda_cores AS gpu_cuda_cores, g.memory_gb AS gpu_total_memory_gb,
       g.power_w AS gpu_max_power_w,
       v.avg_gpu_power_w,
       (SELECT avg(e.energy_j) FROM processed_epoch e
         WHERE e.run_id = v.run_id AND e.profile = v.profile) AS avg_epoch_energy_j,
       (SELECT avg(e.energy_j) FROM processed_epoch e
         WHERE e.run_id = v.run_id AND e.profile = v.profile AND e.epoch >= 10) AS avg_stable_epoch_energy_j,
       v.energy_j, v.duration_s, v.gpu_model,
       s.origin, s.host
FROM v_run v JOIN run_state s ON s.run_id = v.run_id
LEFT JOIN gpu_spec g ON g.origin = s.origin AND g.name = replace(v.gpu_model, 'NVIDIA GeForce ', '');
