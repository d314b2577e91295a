-- schema/018_mlflow_artifact.sql: the artifacts and dataset inputs of an MLflow
-- store's runs (format mlflow-artifact, ingest/fmt_mlflow_artifact.c): files a
-- run logged (a model, a plot, a dataset's description), not logs. Their bytes
-- are hashed, not read as lines (source_file: size, sha256, lines 0); this table
-- says whose they are.
CREATE TABLE mlflow_artifact (
  file_id           INTEGER PRIMARY KEY REFERENCES source_file(id) ON DELETE CASCADE,
  experiment_folder TEXT,             -- <experiment_id> folder; NULL: the path starts below it
  run_folder        TEXT NOT NULL,    -- the run's 32-hex folder
  path              TEXT NOT NULL,    -- below the run folder: 'artifacts/model/MLmodel', 'inputs/...'
  in_trash          INTEGER NOT NULL  -- 1: under .trash/ (a deleted experiment)
);
