/* transform/emit.c: the writes of the transform pipeline (transform/pipeline.h).
 *
 * The rows of a run go out through eponymous virtual tables that read the
 * run's buffers: tf_segment_rows and tf_span_rows (the columns of
 * interim_segment and interim_span), tf_gaissa_epochs and tf_default_epochs (struct
 * gaissa_epoch, struct default_epoch), each a table-valued function of the
 * pipeline_work it reads, passed as an SQLite pointer value
 * (`SELECT * FROM tf_span_rows(?1)`, sqlite3_bind_pointer). Each is written by
 * one INSERT ... SELECT per run: one statement execution keeps its b-tree
 * cursor at the end of the table between rows, where a row-by-row INSERT
 * re-opens and re-seeks it for every row, and no value goes through a bind
 * call. The per-run sums are one INSERT each into the temp tables of
 * transform/00_prepare.sql, which 10_gaissa.sql and 20_default.sql turn into
 * processed_run rows. */
#include <math.h>
#include <string.h>

#include "common/msg.h"
#include "transform/emit.h"

#define WORK_POINTER "wattdb_pipeline_work" /* the pointer type of the hidden column */

enum { ROWS_SEGMENT, ROWS_SPAN, ROWS_GAISSA_EPOCH, ROWS_DEFAULT_EPOCH };

struct rows_vtab {
  sqlite3_vtab base;
  int kind;
};

struct rows_cursor {
  sqlite3_vtab_cursor base;
  int kind;
  const struct pipeline_work *w;
  size_t i;   /* the row; of tf_segment_rows, the index of the segment's first sample */
  size_t end; /* of tf_segment_rows: the index past the segment's last sample */
};

/* Whether sample K + 1 of R continues the segment of sample K (schema/021_segments.sql):
 * the next GPU line, the next CPU line or none for both, the same span (and so
 * the same epoch) and the same gaissa flag. K + 1 < R->ng. */
static int continues_segment(const struct aligned_run *r, size_t k) {
  const struct gpu_row *a = &r->g[k], *b = &r->g[k + 1];
  if (b->line != a->line + 1 || b->span != a->span || b->keep != a->keep || (a->cpu < 0) != (b->cpu < 0))
    return 0;
  return a->cpu < 0 || r->c[b->cpu].line == r->c[a->cpu].line + 1;
}

/* The index past the last sample of the segment that starts at sample I of R
 * (I < R->ng). */
static size_t segment_end(const struct aligned_run *r, size_t i) {
  size_t j = i + 1;
  while (j < r->ng && continues_segment(r, j - 1)) j++;
  return j;
}

/* Places cursor C at row I, for tf_segment_rows the segment starting at sample I. */
static void rows_seek(struct rows_cursor *c, size_t i) {
  c->i = i;
  if (c->kind == ROWS_SEGMENT && i < c->w->ar.ng) c->end = segment_end(&c->w->ar, i);
}

/* The column that holds the pipeline_work, hidden, after KIND's columns. */
static int work_column(int kind) {
  return kind == ROWS_SEGMENT ? 8 : kind == ROWS_SPAN ? 5 : kind == ROWS_GAISSA_EPOCH ? 10 : 9;
}

static int rows_connect(sqlite3 *sql, void *aux, int argc, const char *const *argv, sqlite3_vtab **out,
                        char **err) {
  (void)argc, (void)argv, (void)err;
  int kind = *(const int *)aux;
  int rc = sqlite3_declare_vtab(
      sql, kind == ROWS_SEGMENT
          ? "CREATE TABLE x(run_id, seq0, n, gpu_line0, cpu_line0, span, epoch, gaissa, work HIDDEN)"
           : kind == ROWS_SPAN ? "CREATE TABLE x(run_id, span, epoch, start_us, end_us, work HIDDEN)"
           : kind == ROWS_GAISSA_EPOCH
               ? "CREATE TABLE x(run_id, epoch, n, start_us, end_us, ap, ar, eg, er, nr, work HIDDEN)"
               : "CREATE TABLE x(run_id, epoch, n, start_us, end_us, e, cov, ri, c_cov, work HIDDEN)");
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

/* The only plan: a full scan of the rows of the work given as `work = ?`. */
static int rows_best_index(sqlite3_vtab *v, sqlite3_index_info *info) {
  int col = work_column(((struct rows_vtab *)v)->kind);
  info->idxNum = 0;
  info->estimatedCost = 1e12;
  for (int i = 0; i < info->nConstraint; i++) {
    const struct sqlite3_index_constraint *c = &info->aConstraint[i];
    if (c->iColumn != col || c->op != SQLITE_INDEX_CONSTRAINT_EQ) continue;
    if (!c->usable) return SQLITE_CONSTRAINT;
    info->aConstraintUsage[i].argvIndex = 1;
    info->aConstraintUsage[i].omit = 1;
    info->idxNum = 1;
    info->estimatedCost = 1e6;
  }
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

static int rows_filter(sqlite3_vtab_cursor *cur, int idx, const char *idxstr, int argc, sqlite3_value **argv) {
  (void)idxstr;
  struct rows_cursor *c = (struct rows_cursor *)cur;
  c->w = idx == 1 && argc == 1 ? sqlite3_value_pointer(argv[0], WORK_POINTER) : NULL;
  if (!c->w) {
    sqlite3_free(cur->pVtab->zErrMsg);
    cur->pVtab->zErrMsg = sqlite3_mprintf("the transform's row tables read only the work bound to them");
    return SQLITE_ERROR;
  }
  rows_seek(c, 0);
  return SQLITE_OK;
}

static int rows_next(sqlite3_vtab_cursor *cur) {
  struct rows_cursor *c = (struct rows_cursor *)cur;
  rows_seek(c, c->kind == ROWS_SEGMENT ? c->end : c->i + 1);
  return SQLITE_OK;
}

static int rows_eof(sqlite3_vtab_cursor *cur) {
  const struct rows_cursor *c = (const struct rows_cursor *)cur;
  const struct pipeline_work *w = c->w;
  size_t n = c->kind == ROWS_SEGMENT        ? w->ar.ng
             : c->kind == ROWS_SPAN         ? (size_t)w->ar.nspans
             : c->kind == ROWS_GAISSA_EPOCH ? w->gw.nge
                                            : w->dw.nde;
  return c->i >= n;
}

static int rows_rowid(sqlite3_vtab_cursor *c, sqlite3_int64 *rowid) {
  *rowid = (sqlite3_int64)((struct rows_cursor *)c)->i;
  return SQLITE_OK;
}

/* Column COL of row i (of tf_segment_rows: the segment of samples i .. end - 1),
 * NULL left unset. */
static int rows_column(sqlite3_vtab_cursor *cur, sqlite3_context *ctx, int col) {
  const struct rows_cursor *rc = (const struct rows_cursor *)cur;
  const struct aligned_run *r = &rc->w->ar;
  size_t i = rc->i;
  if (col == 0) {
    sqlite3_result_int64(ctx, r->run);
  } else if (rc->kind == ROWS_SEGMENT) {
    const struct gpu_row *g = &r->g[i];
    switch (col) {
    case 1: sqlite3_result_int64(ctx, (int64_t)i); break;
    case 2: sqlite3_result_int64(ctx, (int64_t)(rc->end - i)); break;
    case 3: sqlite3_result_int64(ctx, g->line); break;
    case 4: if (g->cpu >= 0) sqlite3_result_int64(ctx, r->c[g->cpu].line); break;
    case 5: sqlite3_result_int64(ctx, g->span); break;
    case 6: if (r->has_epochs && g->span < r->nspans) sqlite3_result_int64(ctx, r->epochs[g->span]); break;
    case 7: sqlite3_result_int(ctx, g->keep); break;
    }
  } else if (rc->kind == ROWS_SPAN) {
    switch (col) {
    case 1: sqlite3_result_int64(ctx, (int64_t)i); break;
    case 2: if (r->has_epochs) sqlite3_result_int64(ctx, r->epochs[i]); break;
    case 3: sqlite3_result_int64(ctx, r->starts[i]); break;
    case 4: sqlite3_result_int64(ctx, r->ends[i]); break;
    }
  } else if (rc->kind == ROWS_GAISSA_EPOCH) {
    const struct gaissa_epoch *e = &rc->w->gw.ge[i];
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
    const struct default_epoch *e = &rc->w->dw.de[i];
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

int emit_register(struct wdb *db) {
  static const struct { const char *name; int kind; } tables[] = {
      {"tf_segment_rows", ROWS_SEGMENT},
      {"tf_span_rows", ROWS_SPAN},
      {"tf_gaissa_epochs", ROWS_GAISSA_EPOCH},
      {"tf_default_epochs", ROWS_DEFAULT_EPOCH},
  };
  sqlite3_stmt *probe;
  if (sqlite3_prepare_v2(db->sql, "SELECT 1 FROM tf_default_epochs", -1, &probe, NULL) == SQLITE_OK) {
    sqlite3_finalize(probe);
    return 0;
  }
  for (size_t i = 0; i < sizeof tables / sizeof *tables; i++) {
    if (sqlite3_create_module_v2(db->sql, tables[i].name, &rows_module, (void *)&tables[i].kind, NULL) !=
        SQLITE_OK) {
      msg("%s: transform: %s", db->path, sqlite3_errmsg(db->sql));
      return -1;
    }
  }
  return 0;
}

/* Runs SQL, an INSERT ... SELECT from a row table, over W's rows. */
static int insert_rows(struct wdb *db, const char *sql, const struct pipeline_work *w) {
  sqlite3_stmt *st = wdb_stmt(db, sql);
  if (!st) return -1;
  sqlite3_bind_pointer(st, 1, (void *)w, WORK_POINTER, NULL);
  return wdb_done(db, st);
}

static void bind_real_or_null(sqlite3_stmt *st, int i, double v, int isnull) {
  if (isnull) sqlite3_bind_null(st, i);
  else sqlite3_bind_double(st, i, v);
}

static void bind_i64_or_null(sqlite3_stmt *st, int i, int64_t v, int isnull) {
  if (isnull) sqlite3_bind_null(st, i);
  else sqlite3_bind_int64(st, i, v);
}

static void bind_sum(sqlite3_stmt *st, int i, const struct sum *s) {
  if (s->n) sqlite3_bind_double(st, i, s->v);
  else sqlite3_bind_null(st, i);
}

/* avg(): the sum over the count, NULL over nothing. */
static void bind_avg(sqlite3_stmt *st, int i, const struct sum *s) {
  if (s->n) sqlite3_bind_double(st, i, s->v / (double)s->n);
  else sqlite3_bind_null(st, i);
}

/* The first gpu_name of the GPU file (the row at LINE, first by time) bound
 * as parameter COL of INS; 0 or -1. */
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
  if (rc != SQLITE_ROW && rc != SQLITE_DONE) msg("%s: transform: %s", db->path, sqlite3_errmsg(db->sql));
  return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
}

static int emit_interim_run(struct wdb *db, const struct pipeline_work *w) {
  static const char sql[] =
      "INSERT INTO interim_run(run_id, gpu_file_id, cpu_file_id, epoch_file_id, perf_file_id,"
      " gpu_model, total_ram_gb, n_gpu, n_cpu, n_epoch_ends, last_epoch_end_us, start_us, end_us,"
      " gpu_period_s, cpu_period_s, gaissa_n, gaissa_start_us, gaissa_end_us)"
      " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)";
  const struct run_input *in = &w->in;
  const struct aligned_run *r = &w->ar;
  sqlite3_stmt *st = wdb_stmt(db, sql);
  if (!st) return -1;
  sqlite3_bind_int64(st, 1, r->run);
  bind_i64_or_null(st, 2, in->gpu_file, !in->gpu_file);
  bind_i64_or_null(st, 3, in->cpu_file, !in->cpu_file);
  bind_i64_or_null(st, 4, in->epoch_file, !in->epoch_file);
  bind_i64_or_null(st, 5, in->perf_file, !in->perf_file);
  if (r->ng) {
    if (bind_gpu_model(db, st, 6, in->gpu_file, r->g[0].line)) return -1;
  } else {
    sqlite3_bind_null(st, 6);
  }
  bind_real_or_null(st, 7, r->ram_row >= 0 ? r->c[r->ram_row].ram_gb : 0, r->ram_row < 0);
  sqlite3_bind_int64(st, 8, (int64_t)r->ng);
  sqlite3_bind_int64(st, 9, (int64_t)r->nc);
  sqlite3_bind_int64(st, 10, (int64_t)in->ne);
  bind_i64_or_null(st, 11, r->last_epoch_end, !r->has_epochs);
  bind_i64_or_null(st, 12, r->start, !(r->ng || r->nc));
  bind_i64_or_null(st, 13, r->end, !(r->ng || r->nc));
  bind_real_or_null(st, 14, r->gpu_period_s, isnan(r->gpu_period_s));
  bind_real_or_null(st, 15, r->cpu_period_s, isnan(r->cpu_period_s));
  sqlite3_bind_int64(st, 16, r->gaissa_n);
  bind_i64_or_null(st, 17, r->gaissa_start, !r->gaissa_n);
  bind_i64_or_null(st, 18, r->gaissa_end, !r->gaissa_n);
  return wdb_done(db, st);
}

/* The gaissa sums of the run: temp.tf_gm. */
static int emit_gaissa_sums(struct wdb *db, int64_t run, const struct gaissa_sums *S) {
  static const char sql[] =
      "INSERT INTO tf_gm(run_id, n, t0, t1, max_epoch, su, au, smu, amu, amem, sp, ap, lim0, atemp,"
      " acpu32, arss32, ar32, nr, egpu, eram, dmem, dp, dtemp, dcpu, drss, dr)"
      " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)";
  sqlite3_stmt *st = wdb_stmt(db, sql);
  if (!st) return -1;
  sqlite3_bind_int64(st, 1, run);
  sqlite3_bind_int64(st, 2, S->n);
  sqlite3_bind_int64(st, 3, S->t0);
  sqlite3_bind_int64(st, 4, S->t1);
  if (S->has_max_epoch) sqlite3_bind_int64(st, 5, S->max_epoch);
  bind_sum(st, 6, &S->u);
  bind_avg(st, 7, &S->u);
  bind_sum(st, 8, &S->mu);
  bind_avg(st, 9, &S->mu);
  bind_avg(st, 10, &S->mem);
  bind_sum(st, 11, &S->p);
  bind_avg(st, 12, &S->p);
  sqlite3_bind_double(st, 13, S->lim0);
  bind_avg(st, 14, &S->temp);
  for (int k = 0; k < 3; k++) bind_real_or_null(st, 15 + k, S->m32[k], isnan(S->m32[k]));
  sqlite3_bind_int64(st, 18, S->nr);
  bind_sum(st, 19, &S->egpu);
  bind_sum(st, 20, &S->eram);
  bind_sum(st, 21, &S->dmem);
  bind_sum(st, 22, &S->dp);
  bind_sum(st, 23, &S->dtemp);
  bind_sum(st, 24, &S->dcpu);
  bind_sum(st, 25, &S->drss);
  bind_sum(st, 26, &S->dr);
  return wdb_done(db, st);
}

/* Writes C as run RUN's processed_coverage row of COMPONENT (default profile). */
static int emit_coverage(struct wdb *db, int64_t run, const char *component, const struct coverage *c) {
  static const char sql[] =
      "INSERT OR REPLACE INTO processed_coverage(run_id, profile, component, window_start_us,"
      " window_end_us, samples, first_us, last_us, covered_s, longest_gap_s)"
      " VALUES (?, 'default', ?, ?, ?, ?, ?, ?, ?, ?)";
  sqlite3_stmt *st = wdb_stmt(db, sql);
  if (!st) return -1;
  sqlite3_bind_int64(st, 1, run);
  sqlite3_bind_text(st, 2, component, -1, SQLITE_STATIC);
  sqlite3_bind_int64(st, 3, c->ws);
  sqlite3_bind_int64(st, 4, c->we);
  sqlite3_bind_int64(st, 5, c->samples);
  if (c->samples) {
    sqlite3_bind_int64(st, 6, c->first);
    sqlite3_bind_int64(st, 7, c->last);
  }
  sqlite3_bind_double(st, 8, (double)c->covered_us / 1e6);
  sqlite3_bind_double(st, 9, (double)c->longest_gap_us / 1e6);
  return wdb_done(db, st);
}

/* The default sums of the run: temp.tf_dm and tf_nnull. */
static int emit_default_sums(struct wdb *db, int64_t run, const struct default_sums *D) {
  static const char sql_dm[] =
      "INSERT INTO tf_dm(run_id, cov, e, e2, ui, ucov, mui, mucov, mi, m2i, mcov, ci, c2i, ccov,"
      " c_cov, ri, r2i, c_ci, c_c2i, c_ccov, n, nnull, lim, measured)"
      " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)";
  static const char sql_nn[] = "INSERT INTO tf_nnull(run_id, n) VALUES (?,?)";
  sqlite3_stmt *st = wdb_stmt(db, sql_dm);
  if (!st) return -1;
  sqlite3_bind_int64(st, 1, run);
  const struct span_sums *G = &D->G, *C = &D->C;
  const struct sum *v[] = {&G->cov, &G->e,   &G->e2,   &G->ui,  &G->ucov, &G->mui, &G->mucov,
                           &G->mi,  &G->m2i, &G->mcov, &G->ci,  &G->c2i,  &G->ccov, &C->cov,
                           &C->e,   &C->e2,  &C->ci,   &C->c2i, &C->ccov};
  for (int j = 0; j < 19; j++) bind_sum(st, 2 + j, v[j]);
  sqlite3_bind_int64(st, 21, D->n_in);
  sqlite3_bind_int64(st, 22, D->nnull_in);
  if (D->has_lim) sqlite3_bind_double(st, 23, D->lim);
  sqlite3_bind_int64(st, 24, D->measured);
  if (wdb_done(db, st)) return -1;
  st = wdb_stmt(db, sql_nn);
  if (!st) return -1;
  sqlite3_bind_int64(st, 1, run);
  sqlite3_bind_int64(st, 2, D->nnull_run);
  return wdb_done(db, st);
}

int emit_run(struct wdb *db, const struct pipeline_work *w) {
  static const char ins_span[] =
      "INSERT INTO interim_span(run_id, span, epoch, start_us, end_us) SELECT * FROM tf_span_rows(?1)";
  static const char ins_segment[] =
      "INSERT INTO interim_segment(run_id, seq0, n, gpu_line0, cpu_line0, span, epoch, gaissa)"
      " SELECT * FROM tf_segment_rows(?1)";
  /* The last expressions of each profile's epochs (ratios, CASE, COALESCE,
   * round()), in SQL. */
  static const char ins_gaissa[] =
      "INSERT INTO processed_epoch(run_id, profile, epoch, n_samples, duration_s, mean_gpu_power_w,"
      " mean_ram_power_w, gpu_energy_j, ram_energy_j, energy_j)"
      " SELECT run_id, 'gaissa', epoch, n, (end_us - start_us) / 1e6, ap, ar, eg,"
      " CASE WHEN nr = n THEN er END, eg + CASE WHEN nr = n THEN er END FROM tf_gaissa_epochs(?1)";
#define RAM_W_PER_MB MODEL_STR(MODEL_RAM_W_PER_MB)
  static const char ins_default[] =
      "INSERT INTO processed_epoch(run_id, profile, epoch, n_samples, duration_s, mean_gpu_power_w,"
      " mean_ram_power_w, gpu_energy_j, ram_energy_j, energy_j, uncovered_s)"
      " SELECT run_id, 'default', epoch, n, (end_us - start_us) / 1e6, e / cov, ri * " RAM_W_PER_MB " / c_cov,"
      " COALESCE(e, 0), ri * " RAM_W_PER_MB ", COALESCE(e, 0) + COALESCE(ri * " RAM_W_PER_MB ", 0),"
      " round(max((end_us - start_us) / 1e6 - COALESCE(cov, 0), 0), 6) FROM tf_default_epochs(?1)";
#undef RAM_W_PER_MB
  const struct aligned_run *r = &w->ar;
  if ((r->nspans && insert_rows(db, ins_span, w)) || (r->ng && insert_rows(db, ins_segment, w)) ||
      emit_interim_run(db, w))
    return -1;
  if (w->gw.has_sums && emit_gaissa_sums(db, r->run, &w->gw.sums)) return -1;
  const struct default_sums *D = &w->dw.sums;
  if (r->dirty_default && r->nspans &&
      (emit_coverage(db, r->run, "gpu", &D->gpu_cov) || emit_coverage(db, r->run, "ram", &D->ram_cov)))
    return -1;
  if (emit_default_sums(db, r->run, D)) return -1;
  /* The default rows first: processed_epoch's key is (run_id, profile, epoch),
   * and rows written in key order are appended to the b-tree instead of
   * splitting its pages in the middle. */
  if ((w->dw.nde && insert_rows(db, ins_default, w)) || (w->gw.nge && insert_rows(db, ins_gaissa, w)))
    return -1;
  return 0;
}

int emit_file_facts(struct wdb *db, int64_t file, const struct eprof_file_facts *f) {
  /* version: the same expression as in 50_sources.sql. */
  static const char sql[] =
      "INSERT OR REPLACE INTO source_eprof_file(file_id, version, start_us, end_us, gpu_energy_j,"
      " gpu_covered_s, gpu_samples) SELECT ?1,"
      " coalesce(sha256, '') || '/' || parser_version || '/' || ingested_at, ?2, ?3, ?4, ?5, ?6"
      " FROM source_file WHERE id = ?1";
  sqlite3_stmt *st = wdb_stmt(db, sql);
  if (!st) return -1;
  sqlite3_bind_int64(st, 1, file);
  sqlite3_bind_int64(st, 2, f->start_us);
  sqlite3_bind_int64(st, 3, f->end_us);
  if (f->has_energy) {
    sqlite3_bind_double(st, 4, f->energy_j);
    sqlite3_bind_double(st, 5, f->covered_s);
    sqlite3_bind_int64(st, 6, f->samples);
  }
  return wdb_done(db, st);
}
