/* transform/load.c: one run's eprof rows read from the database into its
 * buffers (transform/pipeline.h), in key order. Its plan, from the transform's
 * temp tables: the files temp.tf_input names for the run (roles gpu, cpu,
 * epoch, perf) and the profiles temp.tf_dirty rebuilds the run for. Its rows,
 * from the raw tables (on any connection to the database: the transform's
 * loading thread has its own): the GPU and CPU samples in line order
 * (eprof_gpu_sample, eprof_cpu_sample), the epoch ends in epoch order
 * (eprof_epoch_end), the lines of the GPU file that ingest rejected (the
 * gaissa profile's skipfooter counts them). Reading in key order needs no sort in SQL: align.c
 * sorts by time only when the times are out of order. */
#include <string.h>

#include "transform/load.h"

/* The file of ROLE for RUN from temp.tf_input, 0 when none, -1 on error. */
static int64_t input_file(struct wdb *db, int64_t run, const char *role) {
  static const char sql[] = "SELECT file_id FROM tf_input WHERE run_id=? AND role=?";
  sqlite3_stmt *st = wdb_stmt(db, sql);
  if (!st) return -1;
  sqlite3_bind_int64(st, 1, run);
  sqlite3_bind_text(st, 2, role, -1, SQLITE_STATIC);
  int64_t id = 0;
  int rc = sqlite3_step(st);
  if (rc == SQLITE_ROW) id = sqlite3_column_int64(st, 0);
  sqlite3_reset(st);
  return rc == SQLITE_ROW || rc == SQLITE_DONE ? id : -1;
}

static int cmp_ts_line(int64_t ts0, int64_t line0, int64_t ts1, int64_t line1) {
  if (ts0 != ts1) return (ts0 > ts1) - (ts0 < ts1);
  return (line0 > line1) - (line0 < line1);
}

static int load_gpu(struct wdb *db, struct run_input *in) {
  static const char sql[] =
      "SELECT ts_us, line, gpu_util_pct, mem_util_pct, mem_total_mib, mem_used_mib, power_w,"
      " power_limit_w, temp_c FROM eprof_gpu_sample WHERE file_id=?";
  in->ng = 0, in->g_sorted = 1;
  if (!in->gpu_file) return 0;
  sqlite3_stmt *st = wdb_stmt(db, sql);
  if (!st) return -1;
  sqlite3_bind_int64(st, 1, in->gpu_file);
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    in->g = pipeline_grow(in->g, &in->capg, in->ng + 1, sizeof *in->g);
    struct gpu_row *r = &in->g[in->ng++];
    r->ts = sqlite3_column_int64(st, 0);
    r->line = sqlite3_column_int64(st, 1);
    r->nullmask = 0;
    for (int k = 0; k < G_NCOL; k++) {
      if (sqlite3_column_type(st, 2 + k) == SQLITE_NULL) r->nullmask |= 1u << k, r->v[k] = 0;
      else r->v[k] = sqlite3_column_double(st, 2 + k);
    }
    r->cpu = -1;
    if (in->ng > 1 && cmp_ts_line(r[-1].ts, r[-1].line, r->ts, r->line) > 0) in->g_sorted = 0;
  }
  sqlite3_reset(st);
  return rc == SQLITE_DONE ? 0 : -1;
}

static int load_cpu(struct wdb *db, struct run_input *in) {
  static const char sql[] =
      "SELECT ts_us, line, cpu_pct, rss_mb, total_ram_gb FROM eprof_cpu_sample WHERE file_id=?";
  in->nc = 0, in->c_sorted = 1;
  if (!in->cpu_file) return 0;
  sqlite3_stmt *st = wdb_stmt(db, sql);
  if (!st) return -1;
  sqlite3_bind_int64(st, 1, in->cpu_file);
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    in->c = pipeline_grow(in->c, &in->capc, in->nc + 1, sizeof *in->c);
    struct cpu_row *r = &in->c[in->nc++];
    r->ts = sqlite3_column_int64(st, 0);
    r->line = sqlite3_column_int64(st, 1);
    r->cpu_null = sqlite3_column_type(st, 2) == SQLITE_NULL;
    r->rss_null = sqlite3_column_type(st, 3) == SQLITE_NULL;
    r->ram_null = sqlite3_column_type(st, 4) == SQLITE_NULL;
    r->cpu_pct = sqlite3_column_double(st, 2);
    r->rss = sqlite3_column_double(st, 3);
    r->ram_gb = sqlite3_column_double(st, 4);
    if (in->nc > 1 && cmp_ts_line(r[-1].ts, r[-1].line, r->ts, r->line) > 0) in->c_sorted = 0;
  }
  sqlite3_reset(st);
  return rc == SQLITE_DONE ? 0 : -1;
}

static int load_epochs(struct wdb *db, struct run_input *in) {
  static const char sql[] =
      "SELECT epoch, end_us FROM eprof_epoch_end WHERE file_id=? ORDER BY epoch, end_us, line";
  in->ne = 0;
  if (!in->epoch_file) return 0;
  sqlite3_stmt *st = wdb_stmt(db, sql);
  if (!st) return -1;
  sqlite3_bind_int64(st, 1, in->epoch_file);
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    in->e = pipeline_grow(in->e, &in->cape, in->ne + 1, sizeof *in->e);
    in->e[in->ne].epoch = sqlite3_column_int64(st, 0);
    in->e[in->ne].end = sqlite3_column_int64(st, 1);
    in->ne++;
  }
  sqlite3_reset(st);
  return rc == SQLITE_DONE ? 0 : -1;
}

/* The highest rejected lines of the GPU file (highest first, repeats counted)
 * and how many there are. */
static int load_rejected(struct wdb *db, struct run_input *in) {
  static const char sql[] = "SELECT line FROM rejected_row WHERE file_id=?";
  enum { K = MODEL_GAISSA_SKIPFOOTER };
  in->ntop = 0, in->gpu_rejected = 0;
  if (!in->gpu_file) return 0;
  sqlite3_stmt *st = wdb_stmt(db, sql);
  if (!st) return -1;
  sqlite3_bind_int64(st, 1, in->gpu_file);
  int64_t *top = in->gpu_rejected_top;
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    int64_t line = sqlite3_column_int64(st, 0);
    in->gpu_rejected++;
    size_t k = 0;
    while (k < in->ntop && top[k] >= line) k++;
    if (k >= K) continue;
    for (size_t j = in->ntop < K ? in->ntop : K - 1; j > k; j--) top[j] = top[j - 1];
    top[k] = line;
    if (in->ntop < K) in->ntop++;
  }
  sqlite3_reset(st);
  return rc == SQLITE_DONE ? 0 : -1;
}

/* Whether RUN is in temp.tf_dirty for the gaissa and the default profile. */
static int load_dirty(struct wdb *db, struct run_plan *p) {
  static const char sql[] = "SELECT profile FROM tf_dirty WHERE run_id=?";
  sqlite3_stmt *st = wdb_stmt(db, sql);
  if (!st) return -1;
  sqlite3_bind_int64(st, 1, p->run);
  p->dirty_gaissa = p->dirty_default = 0;
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    const char *profile = (const char *)sqlite3_column_text(st, 0);
    if (profile && strcmp(profile, "gaissa") == 0) p->dirty_gaissa = 1;
    if (profile && strcmp(profile, "default") == 0) p->dirty_default = 1;
  }
  sqlite3_reset(st);
  return rc == SQLITE_DONE ? 0 : -1;
}

int load_plan(struct wdb *db, int64_t run, struct run_plan *p) {
  p->run = run;
  if ((p->gpu_file = input_file(db, run, "gpu")) < 0 || (p->cpu_file = input_file(db, run, "cpu")) < 0 ||
      (p->epoch_file = input_file(db, run, "epoch")) < 0 || (p->perf_file = input_file(db, run, "perf")) < 0 ||
      load_dirty(db, p))
    return -1;
  return 0;
}

void load_apply(const struct run_plan *p, struct run_input *in) {
  in->run = p->run;
  in->gpu_file = p->gpu_file, in->cpu_file = p->cpu_file;
  in->epoch_file = p->epoch_file, in->perf_file = p->perf_file;
  in->dirty_gaissa = p->dirty_gaissa, in->dirty_default = p->dirty_default;
}

int load_rows(struct wdb *db, struct run_input *in) {
  return load_gpu(db, in) || load_cpu(db, in) || load_epochs(db, in) || load_rejected(db, in) ? -1 : 0;
}
