-- push/pg/001_core.sql: the bookkeeping tables of a lab's PostgreSQL database,
-- the one `wattdb push` feeds from every machine's SQLite database.
--
-- Identity (see README, "Lab database"): every local database has an origin, a
-- random UUID (its table origin, schema/016_origin.sql); every row of the server
-- says which origin sent it and from which host (columns origin and host, which
-- default to the settings wattdb.origin and wattdb.host that push sets in each
-- transaction). A file's content is stored once, whoever sends it: file_content
-- is keyed by (sha256, format, parser_version), and the raw tables (made from
-- the local schema, push/mirror.c) key their rows by file_content.id. Paths are
-- per origin (source_file). A run is one run on the server when its key and its
-- fingerprint (the content hash of its GPU log) agree; two origins sending the
-- same data give one run, two different runs with colliding folder names and
-- stamps give two.

-- One row per origin that ever pushed.
CREATE TABLE origin (
  id          uuid PRIMARY KEY,
  host        text NOT NULL,          -- the host name of its last push
  created_at  text,                   -- when the local database was made (UTC, ISO 8601)
  first_push  timestamptz NOT NULL DEFAULT now(),
  last_push   timestamptz NOT NULL DEFAULT now()
);

-- One row per distinct content: what the raw rows of the tables made from the
-- local schema belong to (their file_id).
CREATE TABLE file_content (
  id              bigserial PRIMARY KEY,
  sha256          text NOT NULL,
  format          text NOT NULL,      -- '' when unrecognised
  parser_version  bigint NOT NULL,
  format_version  text,
  time_convention text,
  status          text NOT NULL,      -- ok, partial, rejected (as in the local source_file)
  lines           bigint NOT NULL,
  skipped_lines   bigint NOT NULL,
  rows_ok         bigint NOT NULL,
  rows_rejected   bigint NOT NULL,
  error           text,
  origin          uuid NOT NULL DEFAULT current_setting('wattdb.origin')::uuid,
  host            text NOT NULL DEFAULT current_setting('wattdb.host'),
  pushed_at       timestamptz NOT NULL DEFAULT now(),
  UNIQUE (sha256, format, parser_version)
);

-- Every path of every origin: the local source_file, keyed by the origin and
-- its local id, with the local columns a notebook reads (id is the server's
-- own, run_id the server run, set when the run is sent). file_id is the
-- content holding its rows (a local duplicate points at its original's
-- content; NULL when the file had no content hash).
CREATE TABLE source_file (
  id              bigserial UNIQUE,
  origin          uuid NOT NULL DEFAULT current_setting('wattdb.origin')::uuid,
  host            text NOT NULL DEFAULT current_setting('wattdb.host'),
  local_id        bigint NOT NULL,
  path            text NOT NULL,
  size            bigint NOT NULL,
  mtime           bigint NOT NULL,
  sha256          text,
  format          text,
  format_version  text,
  parser_version  bigint NOT NULL,
  time_convention text,
  status          text NOT NULL,
  duplicate_of    bigint,             -- local id of the original, same origin
  local_run_id    bigint,             -- local run id, same origin (see run_origin)
  run_id          bigint,             -- the server run (run.id)
  lines           bigint NOT NULL,
  skipped_lines   bigint NOT NULL,
  rows_ok         bigint NOT NULL,
  rows_rejected   bigint NOT NULL,
  error           text,
  file_id         bigint REFERENCES file_content(id),
  ingested_at     text NOT NULL,
  pushed_at       timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (origin, local_id)
);
CREATE INDEX source_file_local_run ON source_file(origin, local_run_id);
CREATE INDEX source_file_content ON source_file(file_id);

-- The runs of all origins. id is the server's run id: the run_id of every
-- per-run table made from the local schema.
CREATE TABLE run (
  id           bigserial PRIMARY KEY,
  environment  text NOT NULL,
  architecture text NOT NULL,
  dataset      text NOT NULL,
  stamp        text NOT NULL,
  fingerprint  text NOT NULL,         -- sha256 of its GPU log ('' when it has no file)
  origin       uuid NOT NULL DEFAULT current_setting('wattdb.origin')::uuid, -- first sender
  host         text NOT NULL DEFAULT current_setting('wattdb.host'),
  UNIQUE (environment, architecture, dataset, stamp, fingerprint)
);

-- Which server run each origin's local run is.
CREATE TABLE run_origin (
  origin   uuid NOT NULL DEFAULT current_setting('wattdb.origin')::uuid,
  host     text NOT NULL DEFAULT current_setting('wattdb.host'),
  local_id bigint NOT NULL,
  run_id   bigint NOT NULL REFERENCES run(id),
  PRIMARY KEY (origin, local_id)
);
CREATE INDEX run_origin_run ON run_origin(run_id);

-- What the per-run rows of each run were built from: the digest of the local
-- run_input, run_meta and processed_run rows last sent, and who sent them (the
-- last sender wins).
CREATE TABLE run_state (
  run_id    bigint PRIMARY KEY REFERENCES run(id),
  digest    text,                     -- NULL until the first complete send
  origin    uuid NOT NULL DEFAULT current_setting('wattdb.origin')::uuid,
  host      text NOT NULL DEFAULT current_setting('wattdb.host'),
  pushed_at timestamptz NOT NULL DEFAULT now()
);

-- The digest of each origin's own tables (setting, gpu_spec) last sent.
CREATE TABLE origin_table (
  origin uuid NOT NULL DEFAULT current_setting('wattdb.origin')::uuid,
  host   text NOT NULL DEFAULT current_setting('wattdb.host'),
  name   text NOT NULL,
  digest text NOT NULL,
  PRIMARY KEY (origin, name)
);
