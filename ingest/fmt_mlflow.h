/* ingest/fmt_mlflow.h: what the MLflow file-store formats share
 * (ingest/fmt_mlflow.c: metric, param and tag files; ingest/fmt_mlflow_meta.c:
 * the meta.yaml files): where a file sits in the store, read from its path.
 *
 * The store (`mlruns/`, MLflow's FileStore) is a tree whose paths say what each
 * file is:
 *   <experiment_id>/meta.yaml                     experiment
 *   <experiment_id>/tags/<key>                    experiment tag
 *   <experiment_id>/<run_id>/meta.yaml            run
 *   <experiment_id>/<run_id>/metrics/<key>        metric history
 *   <experiment_id>/<run_id>/params/<key>         param
 *   <experiment_id>/<run_id>/tags/<key>           run tag
 *   <experiment_id>/<run_id>/artifacts/<path>     artifact (a model, a plot: not a log)
 *   <experiment_id>/<run_id>/inputs/<path>        dataset input (MLflow 2.x)
 * run_id is uuid4().hex (32 lowercase hex digits); a key may hold '/', which
 * the store writes as nested folders (metrics/a/b is metric `a/b`). A deleted
 * experiment is moved whole under `.trash/`. The logical path may start with
 * the folders above the store and an archive name (`data.zip:mlruns/0/...`);
 * ':' and '/' both separate components. */
#ifndef WATTDB_FMT_MLFLOW_H
#define WATTDB_FMT_MLFLOW_H

#include <stddef.h>

enum mlflow_kind {
  MLFLOW_NONE,
  MLFLOW_EXPERIMENT,     /* <exp>/meta.yaml (the content must confirm it) */
  MLFLOW_EXPERIMENT_TAG, /* <digits>/tags/<key> */
  MLFLOW_RUN,            /* <exp>/<run>/meta.yaml */
  MLFLOW_METRIC,
  MLFLOW_PARAM,
  MLFLOW_TAG,
  MLFLOW_ARTIFACT        /* <exp>/<run>/artifacts/<path> or inputs/<path>: key is <path> */
};

/* Longest folder or key kept (MLflow's limit on keys is 250 characters). */
#define MLFLOW_NAME_MAX 1024

struct mlflow_path {
  enum mlflow_kind kind;
  char experiment[MLFLOW_NAME_MAX]; /* the experiment folder; "" when the path has none */
  char run[33];                     /* the run folder (32 hex digits); "" for the experiment's files */
  char key[MLFLOW_NAME_MAX];        /* metric, param or tag key ('/' kept); "" for meta.yaml */
  int in_trash;                     /* the experiment folder lies in `.trash/` */
};

/* Reads what PATH (a logical path) is in a store into MP. Returns MP->kind
 * (MLFLOW_NONE when the path is no store file; a name longer than
 * MLFLOW_NAME_MAX is none either). Experiment files are recognised by the path
 * only as candidates: an experiment meta.yaml by its name (the bid reads the
 * content too), an experiment tag by a folder of digits (experiment ids are
 * integers in every MLflow version). */
enum mlflow_kind mlflow_path_parse(const char *path, struct mlflow_path *mp);

/* The SQL name of a kind, as stored in mlflow_file.kind. */
const char *mlflow_kind_name(enum mlflow_kind k);

struct parse;
/* Writes the mlflow_file row of the file being parsed (its place in the store,
 * from p->path). Returns 0, or -1 after parse_fail() when the path is not a
 * store file's (a format forced on another file) or on a database error. */
int mlflow_file_row(struct parse *p, struct mlflow_path *mp);

#endif
