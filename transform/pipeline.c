/* transform/pipeline.c: the eprof transform, run by run, stage by stage
 * (transform/pipeline.h): load, the facts of each file read, align, gaissa,
 * integrate, emit. One pipeline_work holds every buffer for the whole
 * transform and is freed at its end. */
#include "common/msg.h"
#include "transform/emit.h"
#include "transform/load.h"
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

/* One run through every stage; the samples written, or -1. */
static long long run_one(struct wdb *db, int64_t run, struct pipeline_work *w) {
  if (load_run(db, run, &w->in) || file_facts(db, &w->in)) return -1;
  align_run(w);
  gaissa_select(w);
  gaissa_integrate(w);
  default_integrate(w);
  if (emit_run(db, w)) return -1;
  return (long long)w->ar.ng;
}

long transform_align(struct wdb *db, long long *samples) {
  static const char sql_runs[] = "SELECT DISTINCT run_id FROM tf_dirty ORDER BY run_id";
  if (emit_register(db)) return -1;
  if (wdb_exec(db,
               "DELETE FROM interim_sample WHERE run_id IN (SELECT run_id FROM tf_dirty);"
               "DELETE FROM interim_span WHERE run_id IN (SELECT run_id FROM tf_dirty);"
               "DELETE FROM interim_run WHERE run_id IN (SELECT run_id FROM tf_dirty);",
               "transform"))
    return -1;
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(db->sql, sql_runs, -1, &st, NULL) != SQLITE_OK) {
    msg("%s: transform: %s", db->path, sqlite3_errmsg(db->sql));
    return -1;
  }
  struct pipeline_work w = {0};
  long n = 0;
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    long long k = run_one(db, sqlite3_column_int64(st, 0), &w);
    if (k < 0) break;
    *samples += k;
    n++;
  }
  sqlite3_finalize(st);
  pipeline_work_free(&w);
  if (rc == SQLITE_ROW) return -1; /* a run failed (printed) */
  if (rc != SQLITE_DONE) {
    msg("%s: transform: %s", db->path, sqlite3_errmsg(db->sql));
    return -1;
  }
  return n;
}
