/* ingest/fmt_mlflow_artifact.c: mlflow-artifact, the files an MLflow run logged
 * into its store folder (ingest/fmt_mlflow.h):
 *   <experiment_id>/<run_id>/artifacts/model/MLmodel
 *   <experiment_id>/<run_id>/artifacts/model/data/saved_model.pb
 *   <experiment_id>/<run_id>/inputs/<dataset digest>/...
 * Models, plots, pickles: any bytes, not lines of a log. The format is opaque
 * (format.h): the driver hashes the file and counts no line, and the file is
 * recorded with its run in mlflow_artifact (schema/018), so that a store with
 * artifacts is read whole, none of its files unrecognised. Recognised by its
 * place in the store alone. */
#include "ingest/fmt_mlflow.h"
#include "ingest/format.h"

static const char sql_artifact[] =
    "INSERT INTO mlflow_artifact(file_id, experiment_folder, run_folder, path, in_trash) VALUES (?,?,?,?,?)";

static int bid(const struct sniff *s) {
  struct mlflow_path mp;
  return mlflow_path_parse(s->path, &mp) == MLFLOW_ARTIFACT ? BID_SIGNATURE : BID_NONE;
}

static int open_file(struct parse *p) {
  struct mlflow_path mp;
  if (mlflow_path_parse(p->path, &mp) != MLFLOW_ARTIFACT) {
    parse_fail(p, "not an MLflow artifact: the path has no <experiment>/<run_id>/artifacts/ or inputs/");
    return -1;
  }
  sqlite3_stmt *st = wdb_stmt(p->db, sql_artifact);
  if (!st) return -1;
  sqlite3_bind_int64(st, 1, p->file_id);
  if (mp.experiment[0]) sqlite3_bind_text(st, 2, mp.experiment, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(st, 3, mp.run, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(st, 4, mp.key, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int(st, 5, mp.in_trash);
  if (parse_insert(p, st)) {
    parse_fail(p, "cannot store the artifact's run: %s", sqlite3_errmsg(p->db->sql));
    return -1;
  }
  return 0;
}

/* never called: the format is opaque */
static enum line_verdict no_line(struct parse *p, const struct line *ln) {
  (void)p;
  (void)ln;
  return LINE_SKIPPED;
}

const struct format fmt_mlflow_artifact = {
    .name = "mlflow-artifact",
    .version = 1,
    .tables = "mlflow_artifact",
    .bid = bid,
    .open = open_file,
    .line = no_line,
    .opaque = 1,
};
