-- push/pg/006_power.sql: what the server lacked of the local views: v_power
-- (schema/020_sources.sql), the rows of no run (a session's source rows: a
-- file that overlaps no run; an MLflow run attached to no eprof run: v_run's
-- profile 'mlflow', schema/015_mlflow.sql), in PostgreSQL's dialect, with the
-- columns of the local views plus the origin and host of the rows they read.
--
-- Rows of no run belong to the local file that makes them (session_file_id;
-- mlflow_run_meta: file_id, its meta.yaml), which on the server is that
-- file's content: two origins sending the same bytes send one session. Which
-- origin has which (loose_origin) and the digest of the rows last sent
-- (loose_state) are kept as for runs (run_origin, run_state).
--
-- v_power reads three per-file tables of the transform (source_file_offset,
-- source_powermetrics_sample, source_aipowermeter_interval): the server keeps
-- them per run and session their file is attached to (the run_id and
-- session_file_id of source_attach), as each run's sender computed them (an
-- offset is a setting of each origin). The local tables have columns without a
-- declared type: here µs that may be fractional (an estimated offset) are
-- double precision, as SQLite's REAL arithmetic gives them.

CREATE TABLE loose_origin (
  origin        uuid NOT NULL DEFAULT current_setting('wattdb.origin')::uuid,
  host          text NOT NULL DEFAULT current_setting('wattdb.host'),
  local_file_id bigint NOT NULL,      -- the local file, same origin
  file_id       bigint NOT NULL,      -- its content (file_content.id)
  PRIMARY KEY (origin, local_file_id)
);
CREATE INDEX loose_origin_file ON loose_origin(file_id);

CREATE TABLE loose_state (
  file_id   bigint PRIMARY KEY,       -- file_content.id
  digest    text,                     -- NULL until the first complete send
  origin    uuid NOT NULL DEFAULT current_setting('wattdb.origin')::uuid,
  host      text NOT NULL DEFAULT current_setting('wattdb.host'),
  pushed_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE source_file_offset (
  run_id bigint, session_file_id bigint, file_id bigint NOT NULL, us double precision NOT NULL,
  origin uuid NOT NULL DEFAULT current_setting('wattdb.origin')::uuid,
  host text NOT NULL DEFAULT current_setting('wattdb.host')
);
CREATE INDEX source_file_offset_run_id ON source_file_offset (run_id);
CREATE INDEX source_file_offset_session ON source_file_offset (session_file_id);
CREATE TABLE source_powermetrics_sample (
  run_id bigint, session_file_id bigint, file_id bigint NOT NULL, line bigint,
  elapsed_us bigint, b_us double precision,
  origin uuid NOT NULL DEFAULT current_setting('wattdb.origin')::uuid,
  host text NOT NULL DEFAULT current_setting('wattdb.host')
);
CREATE INDEX source_powermetrics_sample_run_id ON source_powermetrics_sample (run_id);
CREATE INDEX source_powermetrics_sample_session ON source_powermetrics_sample (session_file_id);
CREATE TABLE source_aipowermeter_interval (
  run_id bigint, session_file_id bigint, file_id bigint NOT NULL, line bigint, ts_us bigint,
  dt_us bigint,
  origin uuid NOT NULL DEFAULT current_setting('wattdb.origin')::uuid,
  host text NOT NULL DEFAULT current_setting('wattdb.host')
);
CREATE INDEX source_aipowermeter_interval_run_id ON source_aipowermeter_interval (run_id);
CREATE INDEX source_aipowermeter_interval_session ON source_aipowermeter_interval (session_file_id);

-- the per-socket view of the wattmeter frames, as schema/003_sources.sql
CREATE VIEW wattmeter_socket AS
  SELECT file_id, line, ts_us, ok, 6*bank+1 AS socket, i1_a AS current_a, p1_w AS power_w FROM wattmeter_frame
  UNION ALL SELECT file_id, line, ts_us, ok, 6*bank+2, i2_a, p2_w FROM wattmeter_frame
  UNION ALL SELECT file_id, line, ts_us, ok, 6*bank+3, i3_a, p3_w FROM wattmeter_frame
  UNION ALL SELECT file_id, line, ts_us, ok, 6*bank+4, i4_a, p4_w FROM wattmeter_frame
  UNION ALL SELECT file_id, line, ts_us, ok, 6*bank+5, i5_a, p5_w FROM wattmeter_frame
  UNION ALL SELECT file_id, line, ts_us, ok, 6*bank+6, i6_a, p6_w FROM wattmeter_frame;

-- the machine-level powers of each AIPowerMeter record, as schema/013_aipowermeter.sql
CREATE VIEW aipowermeter_power AS
  SELECT r.file_id, r.line, r.segment, r.ts_us, c.component,
         CASE c.component WHEN 'package' THEN r.intel_power_w WHEN 'dram' THEN r.total_dram_power_w
                          WHEN 'psys' THEN r.psys_power_w
                          ELSE coalesce(r.nvidia_power_w, r.nvidia_draw_absolute_w) END AS power_w
  FROM aipowermeter_record r
  CROSS JOIN (VALUES ('package'::text), ('dram'), ('psys'), ('gpu')) c(component);

-- v_power, as transform/70_power.sql: the eprof GPU samples of each run's own
-- files (those of every origin that sent the run: the same content once), and
-- the readings of the other sources inside their attachment's window. ts_us is
-- double precision (the UTC sources' offset may be fractional, as locally).
CREATE VIEW v_power AS
  SELECT f.run_id, NULL::bigint AS session_file_id, g.file_id, 'eprof-gpu'::text AS source,
         'gpu'::text AS component, ''::text AS device, g.ts_us::float8 AS ts_us, g.power_w,
         r.origin, r.host
  FROM eprof_gpu_sample g
  JOIN (SELECT DISTINCT run_id, file_id FROM source_file
        WHERE run_id IS NOT NULL AND file_id IS NOT NULL AND status IN ('ok', 'partial')) f
    ON f.file_id = g.file_id
  JOIN run r ON r.id = f.run_id
  WHERE g.power_w IS NOT NULL
  UNION ALL
  SELECT a.run_id, a.session_file_id, n.file_id, 'nvidia-smi', 'gpu', n.gpu, n.ts_us, n.power_w,
         a.origin, a.host
  FROM source_attach a JOIN nvidia_smi_sample n ON n.file_id = a.file_id
  WHERE a.block = 0 AND n.power_w IS NOT NULL AND n.ts_us BETWEEN a.win_start_us AND a.win_end_us
  UNION ALL
  SELECT a.run_id, a.session_file_id, w.file_id, 'wattmeter', 'wall', w.socket::text,
         w.ts_us + o.us, w.power_w, a.origin, a.host
  FROM source_attach a
  JOIN source_file_offset o ON o.file_id = a.file_id AND o.run_id IS NOT DISTINCT FROM a.run_id
                           AND o.session_file_id IS NOT DISTINCT FROM a.session_file_id
  JOIN wattmeter_file wf ON wf.file_id = a.file_id
  JOIN wattmeter_socket w ON w.file_id = a.file_id
  WHERE a.block = 0 AND w.ok <> 0 AND w.power_w IS NOT NULL AND w.socket <= wf.sockets
    AND w.ts_us + o.us BETWEEN a.win_start_us AND a.win_end_us
  UNION ALL
  SELECT a.run_id, a.session_file_id, z.file_id, 'zeus-power', 'gpu', '', z.ts_us + o.us, z.power_w,
         a.origin, a.host
  FROM source_attach a
  JOIN source_file_offset o ON o.file_id = a.file_id AND o.run_id IS NOT DISTINCT FROM a.run_id
                           AND o.session_file_id IS NOT DISTINCT FROM a.session_file_id
  JOIN zeus_power_sample z ON z.file_id = a.file_id
  WHERE a.block = 0 AND z.power_w IS NOT NULL AND z.ts_us + o.us BETWEEN a.win_start_us AND a.win_end_us
  UNION ALL
  SELECT a.run_id, a.session_file_id, p.file_id, 'powerjoular', c.component, coalesce(pf.target, ''),
         p.ts_us, CASE c.component WHEN 'total' THEN p.total_power_w WHEN 'cpu' THEN p.cpu_power_w
                                   ELSE p.gpu_power_w END,
         a.origin, a.host
  FROM source_attach a JOIN powerjoular_sample p ON p.file_id = a.file_id
  LEFT JOIN powerjoular_file pf ON pf.file_id = p.file_id
  CROSS JOIN (VALUES ('total'::text), ('cpu'), ('gpu')) c(component)
  WHERE a.block = 0 AND p.ts_us BETWEEN a.win_start_us AND a.win_end_us
    AND CASE c.component WHEN 'total' THEN p.total_power_w WHEN 'cpu' THEN p.cpu_power_w
                         ELSE p.gpu_power_w END IS NOT NULL
  UNION ALL
  SELECT a.run_id, a.session_file_id, s.file_id, 'powermetrics', w.component, w.device,
         s.b_us - s.elapsed_us / 2, coalesce(w.energy_j * 1e6::float8 / s.elapsed_us, w.power_w),
         a.origin, a.host
  FROM source_attach a
  JOIN source_powermetrics_sample s ON s.file_id = a.file_id AND s.run_id IS NOT DISTINCT FROM a.run_id
                                   AND s.session_file_id IS NOT DISTINCT FROM a.session_file_id
  JOIN powermetrics_power w ON w.file_id = s.file_id AND w.sample_line = s.line AND w.counted = 1
  WHERE a.block = 0 AND w.component <> 'other' AND (w.power_w IS NOT NULL OR w.energy_j IS NOT NULL)
    AND (a.how <> 'overlap' OR s.b_us BETWEEN a.win_start_us AND a.win_end_us)
  UNION ALL
  SELECT a.run_id, a.session_file_id, i.file_id, 'aipowermeter', p.component, '',
         i.ts_us - i.dt_us / 2, p.power_w, a.origin, a.host
  FROM source_attach a
  JOIN source_aipowermeter_interval i ON i.file_id = a.file_id AND i.run_id IS NOT DISTINCT FROM a.run_id
                                     AND i.session_file_id IS NOT DISTINCT FROM a.session_file_id
  JOIN aipowermeter_power p ON p.file_id = i.file_id AND p.line = i.line
  WHERE a.block = 0 AND i.ts_us BETWEEN a.win_start_us AND a.win_end_us AND p.power_w IS NOT NULL;

-- v_run with the MLflow runs attached to no eprof run (profile 'mlflow', run_id
-- NULL, their origin and host those of their rows), as schema/015_mlflow.sql;
-- v_features, which reads it, with those rows too (their origin's gpu_spec).
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
LEFT JOIN mlflow_run_meta ml ON ml.mlflow_run_id = m.mlflow_run_id
UNION ALL
SELECT 'mlflow', ml.environment, ml.architecture, ml.dataset, NULL, NULL,
       NULL,
       to_char(to_timestamp(ml.start_time_ms / 1e3::float8 + COALESCE(ml.offset_s, 0)) AT TIME ZONE 'UTC',
               'YYYY-MM-DD HH24:MI:SS.MS'),
       (ml.end_time_ms - ml.start_time_ms) / 1e3::float8, (ml.end_time_ms - ml.start_time_ms) / 3.6e6::float8,
       NULL, NULL, NULL, NULL,
       NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
       NULL, NULL, NULL, NULL, NULL, NULL,
       NULL, NULL, NULL,
       ml.batch_size, ml.image_size, ml.train_size, ml.validation_size, ml.gflops,
       ml.accuracy, ml.auc, ml.precision, ml.recall,
       CASE WHEN ml.precision + ml.recall > 0 THEN 2 * ml.precision * ml.recall / (ml.precision + ml.recall) END,
       CASE WHEN ml.accuracy IS NOT NULL THEN 'mlflow' END,
       NULL, NULL, NULL, NULL, ml.trained_epochs, NULL, NULL,
       NULL, NULL, NULL,
       (ml.start_time_ms + COALESCE(ml.offset_s, 0) * 1000) * 1000,
       (ml.end_time_ms + COALESCE(ml.offset_s, 0) * 1000) * 1000,
       ml.split_number, NULL,
       ml.mlflow_run_id, ml.experiment_name, ml.run_name, ml.status_name, ml.params,
       ml.origin, ml.host
FROM mlflow_run_meta ml WHERE ml.run_id IS NULL;

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
       coalesce(s.origin, v.origin) AS origin, coalesce(s.host, v.host) AS host
FROM v_run v LEFT JOIN run_state s ON s.run_id = v.run_id
LEFT JOIN gpu_spec g ON g.origin = coalesce(s.origin, v.origin)
                    AND g.name = replace(v.gpu_model, 'NVIDIA GeForce ', '');
