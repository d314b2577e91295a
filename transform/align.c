/* transform/align.c: the interim tables of a run, built by one streaming pass.
 *
 * For each run in temp.tf_dirty it reads the run's GPU, CPU and epoch_end rows in
 * time order and writes:
 *   interim_sample      one row per GPU sample (the spine): its line, the line of
 *                       the nearest CPU sample within ±1 s (pandas merge_asof
 *                       'nearest': the earlier one wins a tie), its default-profile
 *                       span and epoch, and whether the gaissa profile keeps it
 *                       (lineage and derived fields only: v_sample joins the raw
 *                       rows for the values; interim_cpu_sample is a view);
 *   interim_span        the default profile's epoch spans (start, end];
 *   interim_run         the run-level facts (files, medians of the sampling
 *                       intervals, windows of both profiles);
 * and hands the run, still in memory, to integrate.c, which writes its
 * processed_epoch rows and the per-run sums that transform/10_gaissa.sql and
 * 20_default.sql turn into processed_run rows. It also records, per file read,
 * what 50_sources.sql needs of it (source_eprof_file). The rows of one run are
 * held in buffers that grow and are reused from run to run: no allocation per
 * row. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/msg.h"
#include "transform/align.h"
#include "transform/transform.h"

#define TOLERANCE_US 1000000 /* the anchor's merge_asof tolerance, ±1 s */
#define SKIPFOOTER 3         /* the anchor's skipfooter: last 3 data lines dropped */

struct epoch_row {
  int64_t epoch, end;
};

/* Buffers reused across runs. */
static struct {
  struct gpu_row *g;
  size_t ng, capg;
  struct cpu_row *c;
  size_t nc, capc;
  struct epoch_row *e;
  size_t ne, cape;
  int64_t *dt;
  size_t capdt;
} buf;

static void *grow(void *p, size_t *cap, size_t need, size_t elem) {
  if (need <= *cap) return p;
  size_t n = *cap ? *cap : 1024;
  while (n < need) n *= 2;
  *cap = n;
  return xrealloc(p, (unsigned long)(n * elem));
}

/* Puts the K-th smallest of A[0..N-1] at A[K], smaller ones before it, larger
 * after (quickselect, Hoare partition, middle pivot). */
static void select_kth(int64_t *a, size_t n, size_t k) {
  size_t lo = 0, hi = n - 1;
  while (lo < hi) {
    int64_t pivot = a[lo + (hi - lo) / 2];
    size_t i = lo, j = hi;
    while (i <= j) {
      while (a[i] < pivot) i++;
      while (a[j] > pivot) j--;
      if (i <= j) {
        int64_t t = a[i];
        a[i] = a[j], a[j] = t;
        i++;
        if (j == 0) break;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return;
  }
}

/* The median of the positive differences between consecutive values of TS
 * (N values, sorted), in seconds; NAN when there are none. */
static double median_period(const int64_t *ts, size_t n, size_t stride) {
  size_t m = 0;
  buf.dt = grow(buf.dt, &buf.capdt, n + 1, sizeof *buf.dt);
  for (size_t i = 1; i < n; i++) {
    int64_t a = *(const int64_t *)((const char *)ts + (i - 1) * stride);
    int64_t b = *(const int64_t *)((const char *)ts + i * stride);
    if (b > a) buf.dt[m++] = b - a;
  }
  if (!m) return NAN;
  select_kth(buf.dt, m, m / 2);
  double med = (double)buf.dt[m / 2];
  if (m % 2 == 0) { /* the largest of the lower half */
    int64_t below = buf.dt[0];
    for (size_t i = 1; i < m / 2; i++)
      if (buf.dt[i] > below) below = buf.dt[i];
    med = ((double)below + med) / 2;
  }
  return med / 1e6;
}

static void bind_real_or_null(sqlite3_stmt *st, int i, double v, int isnull) {
  if (isnull) sqlite3_bind_null(st, i);
  else sqlite3_bind_double(st, i, v);
}

static void bind_i64_or_null(sqlite3_stmt *st, int i, int64_t v, int isnull) {
  if (isnull) sqlite3_bind_null(st, i);
  else sqlite3_bind_int64(st, i, v);
}

/* The file of ROLE for RUN from temp.tf_input, 0 when none. */
static int64_t input_file(struct wdb *db, int64_t run, const char *role) {
  static const char sql[] = "SELECT file_id FROM tf_input WHERE run_id=? AND role=?";
  sqlite3_stmt *st = wdb_stmt(db, sql);
  if (!st) return -1;
  sqlite3_bind_int64(st, 1, run);
  sqlite3_bind_text(st, 2, role, -1, SQLITE_STATIC);
  int64_t id = 0;
  if (sqlite3_step(st) == SQLITE_ROW) id = sqlite3_column_int64(st, 0);
  sqlite3_reset(st);
  return id;
}

static int cmp_gpu(const void *a, const void *b) {
  const struct gpu_row *x = a, *y = b;
  if (x->ts != y->ts) return (x->ts > y->ts) - (x->ts < y->ts);
  return (x->line > y->line) - (x->line < y->line);
}

static int cmp_cpu(const void *a, const void *b) {
  const struct cpu_row *x = a, *y = b;
  if (x->ts != y->ts) return (x->ts > y->ts) - (x->ts < y->ts);
  return (x->line > y->line) - (x->line < y->line);
}

/* Loads the GPU rows of FILE into buf.g, records the file in source_eprof_file
 * (from the rows in line order, as stored), then orders them by (ts, line):
 * the rows are read in key order and sorted here only when the times are not
 * already in order, which is cheaper than SQL's ORDER BY. 0 or -1. */
static int load_gpu(struct wdb *db, int64_t file) {
  static const char sql[] =
      "SELECT ts_us, line, gpu_util_pct, mem_util_pct, mem_total_mib, mem_used_mib, power_w,"
      " power_limit_w, temp_c FROM eprof_gpu_sample WHERE file_id=?";
  buf.ng = 0;
  if (!file) return 0;
  sqlite3_stmt *st = wdb_stmt(db, sql);
  if (!st) return -1;
  sqlite3_bind_int64(st, 1, file);
  int rc, sorted = 1;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    buf.g = grow(buf.g, &buf.capg, buf.ng + 1, sizeof *buf.g);
    struct gpu_row *r = &buf.g[buf.ng++];
    r->ts = sqlite3_column_int64(st, 0);
    r->line = sqlite3_column_int64(st, 1);
    r->nullmask = 0;
    for (int k = 0; k < G_NCOL; k++) {
      if (sqlite3_column_type(st, 2 + k) == SQLITE_NULL) r->nullmask |= 1u << k, r->v[k] = 0;
      else r->v[k] = sqlite3_column_double(st, 2 + k);
    }
    r->cpu = -1;
    if (buf.ng > 1 && cmp_gpu(r - 1, r) > 0) sorted = 0;
  }
  sqlite3_reset(st);
  if (rc != SQLITE_DONE || integrate_source_file(db, file, buf.g, buf.ng, NULL, 0)) return -1;
  if (!sorted) qsort(buf.g, buf.ng, sizeof *buf.g, cmp_gpu);
  return 0;
}

/* The CPU rows of FILE into buf.c, as load_gpu. */
static int load_cpu(struct wdb *db, int64_t file) {
  static const char sql[] =
      "SELECT ts_us, line, cpu_pct, rss_mb, total_ram_gb FROM eprof_cpu_sample WHERE file_id=?";
  buf.nc = 0;
  if (!file) return 0;
  sqlite3_stmt *st = wdb_stmt(db, sql);
  if (!st) return -1;
  sqlite3_bind_int64(st, 1, file);
  int rc, sorted = 1;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    buf.c = grow(buf.c, &buf.capc, buf.nc + 1, sizeof *buf.c);
    struct cpu_row *r = &buf.c[buf.nc++];
    r->ts = sqlite3_column_int64(st, 0);
    r->line = sqlite3_column_int64(st, 1);
    r->cpu_null = sqlite3_column_type(st, 2) == SQLITE_NULL;
    r->rss_null = sqlite3_column_type(st, 3) == SQLITE_NULL;
    r->ram_null = sqlite3_column_type(st, 4) == SQLITE_NULL;
    r->cpu_pct = sqlite3_column_double(st, 2);
    r->rss = sqlite3_column_double(st, 3);
    r->ram_gb = sqlite3_column_double(st, 4);
    if (buf.nc > 1 && cmp_cpu(r - 1, r) > 0) sorted = 0;
  }
  sqlite3_reset(st);
  if (rc != SQLITE_DONE || integrate_source_file(db, file, NULL, 0, buf.c, buf.nc)) return -1;
  if (!sorted) qsort(buf.c, buf.nc, sizeof *buf.c, cmp_cpu);
  return 0;
}

static int load_epochs(struct wdb *db, int64_t file) {
  static const char sql[] =
      "SELECT epoch, end_us FROM eprof_epoch_end WHERE file_id=? ORDER BY epoch, end_us, line";
  buf.ne = 0;
  if (!file) return 0;
  sqlite3_stmt *st = wdb_stmt(db, sql);
  if (!st) return -1;
  sqlite3_bind_int64(st, 1, file);
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    buf.e = grow(buf.e, &buf.cape, buf.ne + 1, sizeof *buf.e);
    buf.e[buf.ne].epoch = sqlite3_column_int64(st, 0);
    buf.e[buf.ne].end = sqlite3_column_int64(st, 1);
    buf.ne++;
  }
  sqlite3_reset(st);
  return rc == SQLITE_DONE ? 0 : -1;
}

/* The first line the anchor's skipfooter=3 drops: the third-highest data line of
 * the GPU file, counting lines stored (the N rows of G) and lines rejected (a
 * torn last line is a rejected 'truncated' row, and pandas counted it as one of
 * the three). INT64_MIN when the file has fewer than 3 data lines (all dropped),
 * INT64_MAX after a database error (printed). */
static int64_t skipfooter_line(struct wdb *db, int64_t file, const struct gpu_row *g, size_t n) {
  static const char sql[] = "SELECT line FROM rejected_row WHERE file_id=?";
  int64_t top[3] = {INT64_MIN, INT64_MIN, INT64_MIN}; /* highest first, repeats counted */
  size_t seen = 0;
  sqlite3_stmt *st = wdb_stmt(db, sql);
  if (!st) return INT64_MAX;
  sqlite3_bind_int64(st, 1, file);
  int rc;
  for (size_t i = 0;; i++) {
    int64_t line;
    if (i < n) line = g[i].line;
    else if ((rc = sqlite3_step(st)) == SQLITE_ROW) line = sqlite3_column_int64(st, 0);
    else break;
    seen++;
    for (int k = 0; k < 3; k++) {
      if (line > top[k]) {
        for (int j = 2; j > k; j--) top[j] = top[j - 1];
        top[k] = line;
        break;
      }
    }
  }
  sqlite3_reset(st);
  if (rc != SQLITE_DONE) return INT64_MAX;
  return seen >= 3 ? top[2] : INT64_MIN;
}

/* The span of time TS in the default profile: -1 before START, the first span
 * whose end is at or after TS, or NSPANS after the last end. *CUR is a cursor
 * that only moves forward (TS come in order). */
static int64_t span_of(int64_t ts, int64_t start, const int64_t *ends, int64_t nspans, int64_t *cur) {
  if (ts < start) return -1;
  while (*cur < nspans && ends[*cur] < ts) (*cur)++;
  return *cur;
}

/* ---- The run's rows as eponymous virtual tables --------------------------
 * tf_gpu_rows and tf_span_rows have the columns of interim_sample and
 * interim_span and read the run being aligned;
 * tf_gaissa_epochs and tf_default_epochs read the epoch rows integrate.c built
 * (struct gaissa_epoch, struct default_epoch). Each is written by one INSERT ...
 * SELECT per run: one statement execution keeps its b-tree cursor at the end of
 * the table between rows, where a row-by-row INSERT re-opens and re-seeks it for
 * every row, and no value goes through a bind call. */
static struct {
  int64_t run;
  const struct gpu_row *g;
  size_t ng;
  const struct cpu_row *c;
  const int64_t *starts, *ends, *epochs;
  int64_t nspans;
  int has_epochs;
  const struct gaissa_epoch *ge;
  size_t nge;
  const struct default_epoch *de;
  size_t nde;
} rows;

enum { ROWS_GPU, ROWS_SPAN, ROWS_GAISSA_EPOCH, ROWS_DEFAULT_EPOCH };

struct rows_vtab {
  sqlite3_vtab base;
  int kind;
};

struct rows_cursor {
  sqlite3_vtab_cursor base;
  int kind;
  size_t i;
};

static int rows_connect(sqlite3 *sql, void *aux, int argc, const char *const *argv, sqlite3_vtab **out,
                        char **err) {
  (void)argc, (void)argv, (void)err;
  int kind = *(const int *)aux;
  int rc = sqlite3_declare_vtab(
      sql, kind == ROWS_GPU    ? "CREATE TABLE x(run_id, seq, gpu_line, cpu_line, span, epoch, gaissa)"
           : kind == ROWS_SPAN ? "CREATE TABLE x(run_id, span, epoch, start_us, end_us)"
           : kind == ROWS_GAISSA_EPOCH
               ? "CREATE TABLE x(run_id, epoch, n, start_us, end_us, ap, ar, eg, er, nr)"
               : "CREATE TABLE x(run_id, epoch, n, start_us, end_us, e, cov, ri, c_cov)");
  if (rc != SQLITE_OK) return rc;
  struct rows_vtab *v = sqlite3_malloc(sizeof *v);
  if (!v) return SQLITE_NOMEM;
  memset(v, 0, sizeof *v);
  v->kind = kind;
  *out = &v->base;
  return SQLITE_OK;
}

static int rows_disconnect(sqlite3_vtab *v) {
  sqlite3_free(v);
  return SQLITE_OK;
}

static int rows_best_index(sqlite3_vtab *v, sqlite3_index_info *info) {
  (void)v;
  info->estimatedCost = 1e6; /* a full scan, the only plan */
  return SQLITE_OK;
}

static int rows_open(sqlite3_vtab *v, sqlite3_vtab_cursor **out) {
  struct rows_cursor *c = sqlite3_malloc(sizeof *c);
  if (!c) return SQLITE_NOMEM;
  memset(c, 0, sizeof *c);
  c->kind = ((struct rows_vtab *)v)->kind;
  *out = &c->base;
  return SQLITE_OK;
}

static int rows_close(sqlite3_vtab_cursor *c) {
  sqlite3_free(c);
  return SQLITE_OK;
}

static int rows_filter(sqlite3_vtab_cursor *c, int idx, const char *idxstr, int argc, sqlite3_value **argv) {
  (void)idx, (void)idxstr, (void)argc, (void)argv;
  ((struct rows_cursor *)c)->i = 0;
  return SQLITE_OK;
}

static int rows_next(sqlite3_vtab_cursor *c) {
  ((struct rows_cursor *)c)->i++;
  return SQLITE_OK;
}

static int rows_eof(sqlite3_vtab_cursor *c) {
  const struct rows_cursor *r = (const struct rows_cursor *)c;
  size_t n = r->kind == ROWS_GPU    ? rows.ng
             : r->kind == ROWS_SPAN ? (size_t)rows.nspans
             : r->kind == ROWS_GAISSA_EPOCH ? rows.nge
                                            : rows.nde;
  return r->i >= n;
}

static int rows_rowid(sqlite3_vtab_cursor *c, sqlite3_int64 *rowid) {
  *rowid = (sqlite3_int64)((struct rows_cursor *)c)->i;
  return SQLITE_OK;
}

/* Column COL of row i, NULL left unset. */
static int rows_column(sqlite3_vtab_cursor *cur, sqlite3_context *ctx, int col) {
  const struct rows_cursor *rc = (const struct rows_cursor *)cur;
  size_t i = rc->i;
  if (col == 0) {
    sqlite3_result_int64(ctx, rows.run);
  } else if (rc->kind == ROWS_GPU) {
    const struct gpu_row *g = &rows.g[i];
    switch (col) {
    case 1: sqlite3_result_int64(ctx, (int64_t)i); break;
    case 2: sqlite3_result_int64(ctx, g->line); break;
    case 3: if (g->cpu >= 0) sqlite3_result_int64(ctx, rows.c[g->cpu].line); break;
    case 4: sqlite3_result_int64(ctx, g->span); break;
    case 5: if (rows.has_epochs && g->span < rows.nspans) sqlite3_result_int64(ctx, rows.epochs[g->span]); break;
    case 6: sqlite3_result_int(ctx, g->keep); break;
    }
  } else if (rc->kind == ROWS_SPAN) {
    switch (col) {
    case 1: sqlite3_result_int64(ctx, (int64_t)i); break;
    case 2: if (rows.has_epochs) sqlite3_result_int64(ctx, rows.epochs[i]); break;
    case 3: sqlite3_result_int64(ctx, rows.starts[i]); break;
    case 4: sqlite3_result_int64(ctx, rows.ends[i]); break;
    }
  } else if (rc->kind == ROWS_GAISSA_EPOCH) {
    const struct gaissa_epoch *e = &rows.ge[i];
    switch (col) {
    case 1: sqlite3_result_int64(ctx, e->epoch); break;
    case 2: sqlite3_result_int64(ctx, e->n); break;
    case 3: sqlite3_result_int64(ctx, e->start_us); break;
    case 4: sqlite3_result_int64(ctx, e->end_us); break;
    case 5: sqlite3_result_double(ctx, e->ap); break;
    case 6: if (!isnan(e->ar)) sqlite3_result_double(ctx, e->ar); break;
    case 7: sqlite3_result_double(ctx, e->eg); break;
    case 8: sqlite3_result_double(ctx, e->er); break;
    case 9: sqlite3_result_int64(ctx, e->nr); break;
    }
  } else {
    const struct default_epoch *e = &rows.de[i];
    switch (col) {
    case 1: sqlite3_result_int64(ctx, e->epoch); break;
    case 2: sqlite3_result_int64(ctx, e->n); break;
    case 3: sqlite3_result_int64(ctx, e->start_us); break;
    case 4: sqlite3_result_int64(ctx, e->end_us); break;
    case 5: if (e->has_g) sqlite3_result_double(ctx, e->e); break;
    case 6: if (e->has_g) sqlite3_result_double(ctx, e->cov); break;
    case 7: if (e->has_c) sqlite3_result_double(ctx, e->ri); break;
    case 8: if (e->has_c) sqlite3_result_double(ctx, e->c_cov); break;
    }
  }
  return SQLITE_OK;
}

static const sqlite3_module rows_module = {
    .iVersion = 0,
    .xCreate = NULL, /* eponymous only */
    .xConnect = rows_connect,
    .xBestIndex = rows_best_index,
    .xDisconnect = rows_disconnect,
    .xDestroy = rows_disconnect,
    .xOpen = rows_open,
    .xClose = rows_close,
    .xFilter = rows_filter,
    .xNext = rows_next,
    .xEof = rows_eof,
    .xColumn = rows_column,
    .xRowid = rows_rowid,
};

/* Registers tf_gpu_rows, tf_gaissa_epochs and tf_default_epochs on DB's
 * connection unless it has them. */
static int register_rows(struct wdb *db) {
  sqlite3_stmt *probe;
  if (sqlite3_prepare_v2(db->sql, "SELECT 1 FROM tf_default_epochs", -1, &probe, NULL) == SQLITE_OK) {
    sqlite3_finalize(probe);
    return 0;
  }
  static const int kinds[] = {ROWS_GPU, ROWS_SPAN, ROWS_GAISSA_EPOCH, ROWS_DEFAULT_EPOCH}; /* aux */
  if (sqlite3_create_module_v2(db->sql, "tf_gpu_rows", &rows_module, (void *)&kinds[0], NULL) != SQLITE_OK ||
      sqlite3_create_module_v2(db->sql, "tf_span_rows", &rows_module, (void *)&kinds[1], NULL) != SQLITE_OK ||
      sqlite3_create_module_v2(db->sql, "tf_gaissa_epochs", &rows_module, (void *)&kinds[2], NULL) !=
          SQLITE_OK ||
      sqlite3_create_module_v2(db->sql, "tf_default_epochs", &rows_module, (void *)&kinds[3], NULL) !=
          SQLITE_OK) {
    msg("%s: transform: %s", db->path, sqlite3_errmsg(db->sql));
    return -1;
  }
  return 0;
}

/* The first gpu_name of the GPU file (the row at LINE, first by time); 0 or -1. */
static int bind_gpu_model(struct wdb *db, sqlite3_stmt *ins, int col, int64_t file, int64_t line) {
  static const char sql[] = "SELECT gpu_name FROM eprof_gpu_sample WHERE file_id=? AND line=?";
  sqlite3_stmt *st = wdb_stmt(db, sql);
  if (!st) return -1;
  sqlite3_bind_int64(st, 1, file);
  sqlite3_bind_int64(st, 2, line);
  int rc = sqlite3_step(st);
  if (rc == SQLITE_ROW) sqlite3_bind_value(ins, col, sqlite3_column_value(st, 0));
  else sqlite3_bind_null(ins, col);
  /* sqlite3_bind_value copies the value: the statement can be reset now. */
  sqlite3_reset(st);
  return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
}

/* Whether RUN is in temp.tf_dirty for the gaissa and the default profile; 0 or -1. */
static int dirty_profiles(struct wdb *db, int64_t run, int *gaissa, int *def) {
  static const char sql[] = "SELECT profile FROM tf_dirty WHERE run_id=?";
  sqlite3_stmt *st = wdb_stmt(db, sql);
  if (!st) return -1;
  sqlite3_bind_int64(st, 1, run);
  *gaissa = *def = 0;
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    const char *p = (const char *)sqlite3_column_text(st, 0);
    if (p && strcmp(p, "gaissa") == 0) *gaissa = 1;
    if (p && strcmp(p, "default") == 0) *def = 1;
  }
  sqlite3_reset(st);
  if (rc != SQLITE_DONE) msg("%s: transform: %s", db->path, sqlite3_errmsg(db->sql));
  return rc == SQLITE_DONE ? 0 : -1;
}

int align_write_epochs(struct wdb *db, int64_t run, const struct gaissa_epoch *g, size_t ng,
                       const struct default_epoch *d, size_t nd) {
  /* 10_gaissa.sql's and 20_default.sql's expressions, as they were. */
  static const char ins_gaissa[] =
      "INSERT INTO processed_epoch(run_id, profile, epoch, n_samples, duration_s, mean_gpu_power_w,"
      " mean_ram_power_w, gpu_energy_j, ram_energy_j, energy_j)"
      " SELECT run_id, 'gaissa', epoch, n, (end_us - start_us) / 1e6, ap, ar, eg,"
      " CASE WHEN nr = n THEN er END, eg + CASE WHEN nr = n THEN er END FROM tf_gaissa_epochs";
  static const char ins_default[] =
      "INSERT INTO processed_epoch(run_id, profile, epoch, n_samples, duration_s, mean_gpu_power_w,"
      " mean_ram_power_w, gpu_energy_j, ram_energy_j, energy_j, uncovered_s)"
      " SELECT run_id, 'default', epoch, n, (end_us - start_us) / 1e6, e / cov, ri * 3.75e-4 / c_cov,"
      " COALESCE(e, 0), ri * 3.75e-4, COALESCE(e, 0) + COALESCE(ri * 3.75e-4, 0),"
      " round(max((end_us - start_us) / 1e6 - COALESCE(cov, 0), 0), 6) FROM tf_default_epochs";
  rows.run = run;
  rows.ge = g, rows.nge = ng, rows.de = d, rows.nde = nd;
  sqlite3_stmt *st;
  if (ng && (!(st = wdb_stmt(db, ins_gaissa)) || wdb_done(db, st))) return -1;
  if (nd && (!(st = wdb_stmt(db, ins_default)) || wdb_done(db, st))) return -1;
  return 0;
}

/* Aligns one run; returns samples written or -1. */
static long long align_run(struct wdb *db, int64_t run) {
  static const char ins_sample[] =
      "INSERT INTO interim_sample(run_id, seq, gpu_line, cpu_line, span, epoch, gaissa)"
      " SELECT * FROM tf_gpu_rows";
  static const char ins_span[] =
      "INSERT INTO interim_span(run_id, span, epoch, start_us, end_us) SELECT * FROM tf_span_rows";
  static const char ins_run[] =
      "INSERT INTO interim_run(run_id, gpu_file_id, cpu_file_id, epoch_file_id, perf_file_id,"
      " gpu_model, total_ram_gb, n_gpu, n_cpu, n_epoch_ends, last_epoch_end_us, start_us, end_us,"
      " gpu_period_s, cpu_period_s, gaissa_n, gaissa_start_us, gaissa_end_us)"
      " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)";

  int64_t gpu_file = input_file(db, run, "gpu"), cpu_file = input_file(db, run, "cpu");
  int64_t epoch_file = input_file(db, run, "epoch"), perf_file = input_file(db, run, "perf");
  if (gpu_file < 0 || cpu_file < 0 || epoch_file < 0 || perf_file < 0) return -1;
  if (load_gpu(db, gpu_file) || load_cpu(db, cpu_file) || load_epochs(db, epoch_file)) {
    msg("%s: transform: %s", db->path, sqlite3_errmsg(db->sql));
    return -1;
  }
  size_t ng = buf.ng, nc = buf.nc, ne = buf.ne;
  struct gpu_row *g = buf.g;
  struct cpu_row *c = buf.c;

  /* Nearest CPU row within the tolerance; ties go to the earlier row. */
  size_t j = 0;
  for (size_t i = 0; i < ng; i++) {
    while (j + 1 < nc && c[j + 1].ts <= g[i].ts) j++;
    int64_t best = -1, bestd = INT64_MAX;
    if (nc && c[j].ts <= g[i].ts) best = (int64_t)j, bestd = g[i].ts - c[j].ts;
    size_t f = nc && c[j].ts <= g[i].ts ? j + 1 : j;
    if (f < nc && c[f].ts >= g[i].ts && c[f].ts - g[i].ts < bestd) best = (int64_t)f, bestd = c[f].ts - g[i].ts;
    g[i].cpu = best >= 0 && bestd <= TOLERANCE_US ? best : -1;
  }

  /* Default window and spans: span k = (starts[k], ends[k]]. */
  int64_t start = ng ? g[0].ts : nc ? c[0].ts : 0;
  int64_t end = ng ? g[ng - 1].ts : nc ? c[nc - 1].ts : 0;
  int64_t last_end = ne ? buf.e[ne - 1].end : 0;
  if (ne) end = last_end;
  int64_t nspans = ne ? (int64_t)ne : (ng || nc) ? 1 : 0;
  static int64_t *ends, *starts, *epochs;
  static size_t capends, capstarts, capepochs;
  ends = grow(ends, &capends, (size_t)nspans + 1, sizeof *ends);
  starts = grow(starts, &capstarts, (size_t)nspans + 1, sizeof *starts);
  epochs = grow(epochs, &capepochs, (size_t)nspans + 1, sizeof *epochs);
  for (int64_t k = 0; k < nspans; k++) {
    ends[k] = ne ? buf.e[k].end : end;
    starts[k] = k == 0 ? start : ends[k - 1];
    epochs[k] = ne ? buf.e[k].epoch : 0;
  }
  rows.run = run, rows.g = g, rows.ng = ng, rows.c = c;
  rows.starts = starts, rows.ends = ends, rows.epochs = epochs, rows.nspans = nspans, rows.has_epochs = ne > 0;
  sqlite3_stmt *st;
  if (nspans && (!(st = wdb_stmt(db, ins_span)) || wdb_done(db, st))) return -1;

  /* The gaissa profile: skipfooter, nearest-join then dropna, tail cut. */
  int64_t footer = gpu_file ? skipfooter_line(db, gpu_file, g, ng) : INT64_MIN;
  if (footer == INT64_MAX) {
    msg("%s: transform: %s", db->path, sqlite3_errmsg(db->sql));
    return -1;
  }
  long long gaissa_n = 0;
  int64_t gaissa_start = 0, gaissa_end = 0;

  int64_t cur = 0;
  for (size_t i = 0; i < ng; i++) {
    struct gpu_row *r = &g[i];
    r->span = span_of(r->ts, start, ends, nspans, &cur);
    const struct cpu_row *cr = r->cpu >= 0 ? &c[r->cpu] : NULL;
    r->keep = r->line < footer && r->nullmask == 0 &&
              (nc == 0 || (cr && !cr->cpu_null && !cr->rss_null)) && (!ne || r->ts <= last_end);
    if (r->keep) {
      if (!gaissa_n) gaissa_start = r->ts;
      gaissa_end = r->ts;
      gaissa_n++;
    }
  }
  cur = 0;
  int64_t ram_row = -1; /* the first CPU row by time with a total memory label */
  for (size_t i = 0; i < nc; i++) {
    c[i].span = span_of(c[i].ts, start, ends, nspans, &cur);
    if (ram_row < 0 && !c[i].ram_null) ram_row = (int64_t)i;
  }
  if (ng && (!(st = wdb_stmt(db, ins_sample)) || wdb_done(db, st))) return -1;

  double gpu_period = ng ? median_period(&g[0].ts, ng, sizeof *g) : NAN;
  double cpu_period = nc ? median_period(&c[0].ts, nc, sizeof *c) : NAN;
  st = wdb_stmt(db, ins_run);
  if (!st) return -1;
  sqlite3_bind_int64(st, 1, run);
  bind_i64_or_null(st, 2, gpu_file, !gpu_file);
  bind_i64_or_null(st, 3, cpu_file, !cpu_file);
  bind_i64_or_null(st, 4, epoch_file, !epoch_file);
  bind_i64_or_null(st, 5, perf_file, !perf_file);
  if (ng) {
    if (bind_gpu_model(db, st, 6, gpu_file, g[0].line)) {
      msg("%s: transform: %s", db->path, sqlite3_errmsg(db->sql));
      return -1;
    }
  } else {
    sqlite3_bind_null(st, 6);
  }
  bind_real_or_null(st, 7, ram_row >= 0 ? c[ram_row].ram_gb : 0, ram_row < 0);
  sqlite3_bind_int64(st, 8, (int64_t)ng);
  sqlite3_bind_int64(st, 9, (int64_t)nc);
  sqlite3_bind_int64(st, 10, (int64_t)ne);
  bind_i64_or_null(st, 11, last_end, !ne);
  bind_i64_or_null(st, 12, start, !(ng || nc));
  bind_i64_or_null(st, 13, end, !(ng || nc));
  bind_real_or_null(st, 14, gpu_period, isnan(gpu_period));
  bind_real_or_null(st, 15, cpu_period, isnan(cpu_period));
  sqlite3_bind_int64(st, 16, gaissa_n);
  bind_i64_or_null(st, 17, gaissa_start, !gaissa_n);
  bind_i64_or_null(st, 18, gaissa_end, !gaissa_n);
  if (wdb_done(db, st)) return -1;

  struct aligned_run ar = {.run = run, .g = g, .ng = ng, .c = c, .nc = nc, .nspans = nspans,
                           .starts = starts, .ends = ends, .has_epochs = ne > 0, .epochs = epochs,
                           .gaissa_start = gaissa_start, .gpu_period_s = gpu_period,
                           .cpu_period_s = cpu_period};
  if (dirty_profiles(db, run, &ar.dirty_gaissa, &ar.dirty_default)) return -1;
  if (integrate_run(db, &ar)) return -1;
  return (long long)ng;
}

long transform_align(struct wdb *db, long long *samples) {
  static const char sql_runs[] = "SELECT DISTINCT run_id FROM tf_dirty ORDER BY run_id";
  if (register_rows(db)) return -1;
  if (wdb_exec(db,
               "DELETE FROM interim_sample WHERE run_id IN (SELECT run_id FROM tf_dirty);"
               "DELETE FROM interim_span WHERE run_id IN (SELECT run_id FROM tf_dirty);"
               "DELETE FROM interim_run WHERE run_id IN (SELECT run_id FROM tf_dirty);",
               "transform"))
    return -1;
  /* The run list is read whole first: the inserts below must not run while this
   * statement is stepping over a table they do not touch, but keep it simple. */
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(db->sql, sql_runs, -1, &st, NULL) != SQLITE_OK) {
    msg("%s: transform: %s", db->path, sqlite3_errmsg(db->sql));
    return -1;
  }
  long n = 0;
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    long long k = align_run(db, sqlite3_column_int64(st, 0));
    if (k < 0) {
      sqlite3_finalize(st);
      return -1;
    }
    *samples += k;
    n++;
  }
  sqlite3_finalize(st);
  if (rc != SQLITE_DONE) {
    msg("%s: transform: %s", db->path, sqlite3_errmsg(db->sql));
    return -1;
  }
  return n;
}
