-- schema/015_mlflow.sql: the MLflow file store (`mlruns/`, ingest/fmt_mlflow.c and
-- ingest/fmt_mlflow_meta.c): one source_file per file of the store, its place in
-- the store (mlflow_file), the experiments' and runs' meta.yaml (typed rows and
-- every key as written), param and tag values, metric histories; the views that
-- read them as MLflow does (the final value of a metric, the active runs); the
-- MLflow runs as run metadata (mlflow_run_meta, filled by transform/30_meta.sql);
-- and v_run recreated to show them.
--
-- Times are ms since 1970 UTC (*_ms), as the store writes them.

-- Every file of a store, by its path (ingest/fmt_mlflow.h).
CREATE TABLE mlflow_file (
  file_id           INTEGER PRIMARY KEY REFERENCES source_file(id) ON DELETE CASCADE,
  kind              TEXT NOT NULL CHECK (kind IN ('experiment', 'experiment tag', 'run', 'metric',
                                                  'param', 'tag')),
  experiment_folder TEXT,             -- <experiment_id> folder; NULL: the path starts below it
  run_folder        TEXT,             -- 32-hex run id folder; NULL for an experiment's files
  key               TEXT,             -- metric, param or tag key ('a/b' for metrics/a/b); NULL for meta.yaml
  in_trash          INTEGER NOT NULL  -- 1: under .trash/ (a deleted experiment)
);
CREATE INDEX mlflow_file_run ON mlflow_file(run_folder, kind, key);

-- <exp>/meta.yaml, typed (ingest/fmt_mlflow_meta.c); NULL: not in the file, or null.
CREATE TABLE mlflow_experiment (
  file_id             INTEGER PRIMARY KEY REFERENCES source_file(id) ON DELETE CASCADE,
  experiment_id       TEXT,           -- a string, even when written as a plain integer
  name                TEXT,
  artifact_location   TEXT,
  lifecycle_stage     TEXT,           -- 'active' or 'deleted'
  creation_time_ms    INTEGER,
  last_update_time_ms INTEGER
);

-- <exp>/<run>/meta.yaml, typed.
CREATE TABLE mlflow_run (
  file_id          INTEGER PRIMARY KEY REFERENCES source_file(id) ON DELETE CASCADE,
  run_id           TEXT,              -- = run_uuid = the run folder
  run_uuid         TEXT,
  experiment_id    TEXT,              -- must equal the experiment folder (else MLflow ignores the run)
  run_name         TEXT,              -- MLflow >= 2.0 (else the tag mlflow.runName)
  name             TEXT,              -- 1.x: '' (kept as written)
  user_id          TEXT,
  status           INTEGER,           -- 1 RUNNING, 2 SCHEDULED, 3 FINISHED, 4 FAILED, 5 KILLED
  start_time_ms    INTEGER,
  end_time_ms      INTEGER,           -- NULL: running, or never ended
  deleted_time_ms  INTEGER,
  lifecycle_stage  TEXT,              -- 'active' or 'deleted' (missing: active)
  artifact_uri     TEXT,
  source_type      INTEGER,
  source_name      TEXT,
  entry_point_name TEXT,
  source_version   TEXT
);

-- Every key of every meta.yaml as written (nothing lost: keys no column has).
CREATE TABLE mlflow_meta_field (
  file_id INTEGER NOT NULL REFERENCES source_file(id) ON DELETE CASCADE,
  key     TEXT NOT NULL,
  line    INTEGER NOT NULL,           -- where the key is
  value   TEXT,                       -- the scalar (folds and quotes resolved); NULL: YAML null;
                                      -- a sequence as a JSON array of strings (`tags: []` is '[]')
  style   TEXT NOT NULL CHECK (style IN ('plain', 'single', 'double', 'literal', 'folded', 'sequence')),
  PRIMARY KEY (file_id, key)
) WITHOUT ROWID;

-- params/<key>, tags/<key>, <exp>/tags/<key>: the whole file is the value.
CREATE TABLE mlflow_value (
  file_id INTEGER PRIMARY KEY REFERENCES source_file(id) ON DELETE CASCADE,
  value   TEXT NOT NULL,              -- not trimmed; may hold newlines
  exact   INTEGER NOT NULL            -- 1: byte for byte the file; 0: CR or blank-line bytes not seen
);

-- metrics/<key>: one row per line, the history in file order.
CREATE TABLE mlflow_metric (
  file_id      INTEGER NOT NULL REFERENCES source_file(id) ON DELETE CASCADE,
  line         INTEGER NOT NULL,
  timestamp_ms INTEGER NOT NULL,      -- as written (10 digits: seconds, before MLflow 1.0)
  value        REAL,                  -- NULL: nan (value_text says so)
  value_text   TEXT,                  -- 'nan', 'inf', '-inf' as written; NULL for a finite value
  step         INTEGER NOT NULL,      -- 0 when the line has 2 fields
  fields       INTEGER NOT NULL CHECK (fields IN (2, 3)),
  PRIMARY KEY (file_id, line)
) WITHOUT ROWID;

-- ---- read as MLflow reads them ------------------------------------------------

-- Every file of the stores with the file holding its rows (owner_id): a file
-- whose bytes another path already stores is a 'duplicate' (source_file) and
-- owns no rows, yet it is a value of its own run and key (two runs logging the
-- same param value, two metrics logged at the same moment with the same value):
-- its place is read here from its path as ingest/fmt_mlflow.h reads it (the
-- leftmost <32 hex>/{metrics,params,tags}/ of the path; else, for a tag,
-- <digits>/tags/), its rows are its owner's.
CREATE VIEW mlflow_store_file AS
WITH RECURSIVE
dup AS (
  SELECT s.id AS file_id, s.duplicate_of AS owner_id, s.path,
         CASE s.format WHEN 'mlflow-metric' THEN '/metrics/' WHEN 'mlflow-param' THEN '/params/'
                       ELSE '/tags/' END AS kw,
         CASE s.format WHEN 'mlflow-metric' THEN 'metric' WHEN 'mlflow-param' THEN 'param'
                       ELSE 'tag' END AS kind
  FROM source_file s
  WHERE s.status = 'duplicate' AND s.format IN ('mlflow-metric', 'mlflow-param', 'mlflow-tag')),
occ(file_id, pos) AS (
  SELECT file_id, instr(path, kw) FROM dup WHERE instr(path, kw) > 0
  UNION ALL
  SELECT o.file_id, o.pos + instr(substr(d.path, o.pos + 1), d.kw)
  FROM occ o JOIN dup d ON d.file_id = o.file_id WHERE instr(substr(d.path, o.pos + 1), d.kw) > 0),
-- the last three components of the text before each keyword, n = 1 the last
-- (after the last '/' or ':'): rtrim(t, <every other character of t>) is t up to
-- its last separator
parts(file_id, pos, n, comp, rest) AS (
  SELECT o.file_id, o.pos, 0, NULL, rtrim(substr(d.path, 1, o.pos - 1), '/:')
  FROM occ o JOIN dup d ON d.file_id = o.file_id
  UNION ALL
  SELECT file_id, pos, n + 1,
         substr(rest, length(rtrim(rest, replace(replace(rest, '/', ''), ':', ''))) + 1),
         rtrim(rtrim(rest, replace(replace(rest, '/', ''), ':', '')), '/:')
  FROM parts WHERE n < 3 AND rest <> ''),
place AS (
  SELECT d.*, p1.pos, p1.comp AS last, p2.comp AS above_last, p3.comp AS above2_last,
         CASE WHEN p1.comp GLOB replace(hex(zeroblob(32)), '00', '[0-9a-f]') THEN 1
              WHEN d.kind = 'tag' AND p1.comp <> '' AND p1.comp NOT GLOB '*[^0-9]*' THEN 2 ELSE 0 END AS at
  FROM dup d JOIN parts p1 ON p1.file_id = d.file_id AND p1.n = 1
  LEFT JOIN parts p2 ON p2.file_id = d.file_id AND p2.pos = p1.pos AND p2.n = 2
  LEFT JOIN parts p3 ON p3.file_id = d.file_id AND p3.pos = p1.pos AND p3.n = 3),
chosen AS (
  SELECT *, row_number() OVER (PARTITION BY file_id ORDER BY at = 1 DESC, pos) AS k FROM place WHERE at > 0)
SELECT f.file_id, f.file_id AS owner_id, f.kind, f.experiment_folder, f.run_folder, f.key, f.in_trash
FROM mlflow_file f
UNION ALL
SELECT file_id, owner_id, CASE WHEN at = 1 THEN kind ELSE 'experiment tag' END,
       CASE WHEN at = 1 THEN above_last ELSE last END,
       CASE WHEN at = 1 THEN last END,
       substr(path, pos + length(kw)),
       COALESCE(CASE WHEN at = 1 THEN above2_last ELSE above_last END = '.trash', 0)
FROM chosen WHERE k = 1;


-- Each run's params and tags, and each experiment's tags (mlflow_run_id NULL,
-- experiment_folder set): the latest stored file of each key.
CREATE VIEW mlflow_run_value AS
SELECT run_folder AS mlflow_run_id, experiment_folder, kind, key, value, exact, file_id
FROM (SELECT f.run_folder, f.experiment_folder, f.kind, f.key, v.value, v.exact, f.file_id,
             row_number() OVER (PARTITION BY COALESCE(f.run_folder, f.experiment_folder), f.kind, f.key
                                ORDER BY f.file_id DESC) AS k
      FROM mlflow_store_file f JOIN mlflow_value v ON v.file_id = f.owner_id
      WHERE f.kind IN ('param', 'tag', 'experiment tag'))
WHERE k = 1;

-- Every run's meta.yaml with what MLflow's default view (ACTIVE_ONLY) makes of
-- it. skipped says why a run is left out of the run metadata (NULL: active):
--   'deleted experiment'  its experiment's meta.yaml says deleted, or it lies in .trash/
--                         (MLflow marks the experiment's runs deleted as well)
--   'deleted run'         lifecycle_stage deleted
--   'experiment mismatch' experiment_id differs from its folder (MLflow ignores it)
--   'older copy'          the same run folder stored again by a later file
-- unfinished = 1 when the run has no end time or its status is RUNNING or SCHEDULED.
CREATE VIEW v_mlflow_run AS
WITH r AS (
  SELECT f.file_id, f.experiment_folder, f.run_folder, f.in_trash, m.*,
         row_number() OVER (PARTITION BY f.run_folder ORDER BY f.file_id DESC) AS copy
  FROM mlflow_file f JOIN mlflow_run m ON m.file_id = f.file_id),
e AS (
  SELECT x.experiment_id, x.name, x.lifecycle_stage, f.in_trash,
         row_number() OVER (PARTITION BY x.experiment_id ORDER BY f.file_id DESC) AS copy
  FROM mlflow_experiment x JOIN mlflow_file f ON f.file_id = x.file_id),
lm AS (
  SELECT t.run_folder, max(x.timestamp_ms) AS last_ms
  FROM mlflow_store_file t JOIN mlflow_metric x ON x.file_id = t.owner_id
  WHERE t.kind = 'metric' GROUP BY t.run_folder),
rn AS (SELECT mlflow_run_id, value FROM mlflow_run_value WHERE kind = 'tag' AND key = 'mlflow.runName')
SELECT r.file_id, r.run_folder AS mlflow_run_id,
       COALESCE(r.experiment_id, r.experiment_folder) AS experiment_id, e.name AS experiment_name,
       COALESCE(NULLIF(r.run_name, ''), rn.value) AS run_name,
       r.user_id, r.status,
       CASE r.status WHEN 1 THEN 'RUNNING' WHEN 2 THEN 'SCHEDULED' WHEN 3 THEN 'FINISHED'
                     WHEN 4 THEN 'FAILED' WHEN 5 THEN 'KILLED' END AS status_name,
       r.start_time_ms, r.end_time_ms,
       lm.last_ms AS last_metric_ms,
       COALESCE(r.lifecycle_stage, 'active') AS lifecycle_stage, r.deleted_time_ms,
       CASE WHEN r.end_time_ms IS NULL OR r.status IS NULL OR r.status IN (1, 2) THEN 1 ELSE 0 END AS unfinished,
       CASE WHEN r.in_trash OR e.lifecycle_stage = 'deleted' OR e.in_trash THEN 'deleted experiment'
            WHEN r.lifecycle_stage = 'deleted' THEN 'deleted run'
            WHEN r.experiment_id IS NOT r.experiment_folder AND r.experiment_folder IS NOT NULL
                 AND r.experiment_id IS NOT NULL THEN 'experiment mismatch'
            WHEN r.copy > 1 THEN 'older copy' END AS skipped
FROM r LEFT JOIN e ON e.experiment_id = COALESCE(r.experiment_id, r.experiment_folder) AND e.copy = 1
LEFT JOIN lm ON lm.run_folder = r.run_folder LEFT JOIN rn ON rn.mlflow_run_id = r.run_folder;

-- The final value of each metric of each run: MLflow's rule (FileStore
-- _get_metric_from_file), the line with the largest (step, timestamp, value),
-- not the last line. nan sorts below every number. Over every stored copy of
-- the run's file (a grown copy only adds lines).
CREATE VIEW mlflow_metric_final AS
SELECT run_folder AS mlflow_run_id, key, step, timestamp_ms, value, value_text, file_id, line
FROM (SELECT f.run_folder, f.key, m.*,
             row_number() OVER (PARTITION BY f.run_folder, f.key
                                ORDER BY m.step DESC, m.timestamp_ms DESC,
                                         CASE WHEN m.value_text = 'nan' THEN 0 ELSE 1 END DESC,
                                         m.value DESC, m.file_id DESC, m.line DESC) AS k
      FROM mlflow_store_file f JOIN mlflow_metric m ON m.file_id = f.owner_id WHERE f.kind = 'metric')
WHERE k = 1;

-- ---- MLflow runs as run metadata (transform/30_meta.sql) ----------------------
-- One row per active MLflow run (v_mlflow_run.skipped IS NULL): the values the
-- replication package reads from MLflow, and the eprof run it is attached to by
-- time overlap (run_id; NULL: none, the MLflow run stands as its own row of v_run).
CREATE TABLE mlflow_run_meta (
  mlflow_run_id    TEXT PRIMARY KEY,  -- the run folder
  file_id          INTEGER NOT NULL,  -- its meta.yaml
  experiment_id    TEXT, experiment_name TEXT, run_name TEXT, status_name TEXT,
  unfinished       INTEGER NOT NULL,
  start_time_ms    INTEGER,           -- UTC
  end_time_ms      INTEGER,           -- UTC; an unfinished run: its last metric, else its start
  run_id           INTEGER REFERENCES run(id) ON DELETE SET NULL, -- the eprof run attached, NULL: none
  offset_s         INTEGER,           -- local - UTC applied to compare with the eprof runs' clock
  offset_method    TEXT,              -- 'given', 'wattmeter', 'overlap'; NULL: none given and no eprof
                                      -- run within 14 h to compare with
  overlap_s        REAL,              -- seconds of [start, end] + offset inside the eprof run's span
  environment TEXT, architecture TEXT, dataset TEXT, -- tags environment, model, dataset
  batch_size INTEGER, image_size INTEGER, train_size INTEGER, validation_size INTEGER,
  split_number INTEGER, gflops REAL, accuracy REAL, auc REAL, precision REAL, recall REAL,
  trained_epochs INTEGER,
  params           TEXT               -- every param as a JSON object {key: value}
);

ALTER TABLE run_meta ADD COLUMN mlflow_run_id TEXT;  -- the MLflow run attached (mlflow_run_meta)

-- ---- v_run, recreated: the MLflow runs -------------------------------------------
-- Differences from 007's v_run: the metadata of an attached MLflow run (through
-- run_meta), five columns naming it (mlflow_run_id, mlflow_experiment,
-- mlflow_run_name, mlflow_status, mlflow_params: every param as JSON), and one row per MLflow run attached to no
-- eprof run: profile 'mlflow', run_id NULL, no energy, its UTC start and duration
-- (on the runs' clock when an offset is known), its metadata.
DROP VIEW IF EXISTS v_features;
DROP VIEW IF EXISTS v_run;
CREATE VIEW v_run AS
SELECT p.profile, r.environment, r.architecture, r.dataset, r.stamp, p.run_id,
       p.n_samples,
       strftime('%Y-%m-%d %H:%M:%f', p.start_us / 1e6, 'unixepoch') AS start_time,
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
       COALESCE((m.train_size / m.batch_size + m.validation_size / m.batch_size) * m.batch_size
                  * p.measured_epochs, m.total_seen_images) AS total_seen_images,
       COALESCE(m.launch_return_code, m.return_code,
                CASE WHEN p.profile = 'gaissa' AND p.measured_epochs IS NOT NULL
                     THEN CASE WHEN p.measured_epochs = 0 THEN -9 ELSE 0 END END) AS return_code,
       p.sampling_period_s, p.uncovered_s, p.null_power_samples,
       p.start_us, p.end_us,
       m.split_number, m.paired_by AS metadata_paired_by,
       m.mlflow_run_id, ml.experiment_name AS mlflow_experiment, ml.run_name AS mlflow_run_name,
       ml.status_name AS mlflow_status, ml.params AS mlflow_params
FROM processed_run p JOIN run r ON r.id = p.run_id LEFT JOIN run_meta m ON m.run_id = p.run_id
LEFT JOIN mlflow_run_meta ml ON ml.mlflow_run_id = m.mlflow_run_id
UNION ALL
SELECT 'mlflow', ml.environment, ml.architecture, ml.dataset, NULL, NULL,
       NULL,
       strftime('%Y-%m-%d %H:%M:%f', ml.start_time_ms / 1e3 + COALESCE(ml.offset_s, 0), 'unixepoch'),
       (ml.end_time_ms - ml.start_time_ms) / 1e3, (ml.end_time_ms - ml.start_time_ms) / 3.6e6,
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
       ml.mlflow_run_id, ml.experiment_name, ml.run_name, ml.status_name, ml.params
FROM mlflow_run_meta ml WHERE ml.run_id IS NULL;

-- v_features reads v_run: recreated unchanged (004's text).
-- The regression features, one row per run and profile, with the targets.
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
       v.energy_j, v.duration_s, v.gpu_model
FROM v_run v LEFT JOIN gpu_spec g ON g.name = replace(v.gpu_model, 'NVIDIA GeForce ', '');
