/* transform/pipeline.c: the eprof transform, run by run, stage by stage
 * (transform/pipeline.h): load, the facts of each file read, align, gaissa,
 * integrate, emit. The rows of run i + 1 are loaded by the loading thread
 * (transform/loader.h) while run i goes through the other stages. One
 * pipeline_work holds every buffer for the whole transform and is freed at
 * its end. */
#include <stdio.h>
#include <stdlib.h>

#include "common/msg.h"
#include "transform/emit.h"
#include "transform/load.h"
#include "transform/loader.h"
#include "transform/pipeline.h"
#include "transform/transform.h"

/* Records in source_eprof_file what 50_sources.sql needs of the run's GPU and
 * CPU files, from their rows in line order (before align_run sorts them). */
static int file_facts(struct wdb *db, const struct run_input *in) {
  struct eprof_file_facts f;
  if (in->ng) {
    eprof_file_facts(in->g, in->ng, NULL, 0, &f);
    if (emit_file_facts(db, in->gpu_file, &f)) return -1;
  }
  if (in->nc) {
    eprof_file_facts(NULL, 0, in->c, in->nc, &f);
    if (emit_file_facts(db, in->cpu_file, &f)) return -1;
  }
  return 0;
}

/* One run, its rows in W->in, through every stage; the samples written, or -1. */
static long long run_one(struct wdb *db, struct pipeline_work *w) {
  if (file_facts(db, &w->in)) return -1;
  align_run(w);
  gaissa_select(w);
  gaissa_integrate(w);
  default_integrate(w);
  if (emit_run(db, w)) return -1;
  return (long long)w->ar.ng;
}

/* The plans of the runs in temp.tf_dirty, in run order, into *PLANS (*N of
 * them). 0, or -1 after printing the error. */
static int plan_runs(struct wdb *db, struct run_plan **plans, size_t *n) {
  static const char sql_runs[] = "SELECT DISTINCT run_id FROM tf_dirty ORDER BY run_id";
  sqlite3_stmt *st;
  size_t cap = 0;
  *plans = NULL, *n = 0;
  if (sqlite3_prepare_v2(db->sql, sql_runs, -1, &st, NULL) != SQLITE_OK) {
    msg("%s: transform: %s", db->path, sqlite3_errmsg(db->sql));
    return -1;
  }
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    *plans = pipeline_grow(*plans, &cap, *n + 1, sizeof **plans);
    if (load_plan(db, sqlite3_column_int64(st, 0), &(*plans)[*n])) break;
    ++*n;
  }
  sqlite3_finalize(st);
  if (rc != SQLITE_DONE) {
    msg("%s: transform: %s", db->path, sqlite3_errmsg(db->sql));
    return -1;
  }
  return 0;
}

long transform_align(struct wdb *db, long long *samples) {
  if (emit_register(db)) return -1;
  if (wdb_exec(db,
               "DELETE FROM interim_segment WHERE run_id IN (SELECT run_id FROM tf_dirty);"
               "DELETE FROM interim_span WHERE run_id IN (SELECT run_id FROM tf_dirty);"
               "DELETE FROM interim_run WHERE run_id IN (SELECT run_id FROM tf_dirty);",
               "transform"))
    return -1;
  struct run_plan *plans;
  size_t n;
  if (plan_runs(db, &plans, &n)) return -1;
  /* The rows of the next run are read by the loading thread while this one
   * is aligned and written; without it, here. */
  struct loader *loader = loader_start(db->path, plans, n);
  struct pipeline_work w = {0};
  long done = 0;
  for (size_t i = 0; i < n; i++) {
    char error[256];
    int loaded;
    if (loader) {
      loaded = loader_take(loader, &w.in, error, sizeof error) == 0;
    } else {
      load_apply(&plans[i], &w.in);
      loaded = load_rows(db, &w.in) == 0;
      if (!loaded) snprintf(error, sizeof error, "%s", sqlite3_errmsg(db->sql));
    }
    if (!loaded) {
      msg("%s: transform: %s", db->path, error);
      break;
    }
    long long k = run_one(db, &w);
    if (k < 0) break;
    *samples += k;
    done++;
  }
  loader_stop(loader);
  pipeline_work_free(&w);
  free(plans);
  return (size_t)done == n ? done : -1; /* a run failed (printed) */
}
