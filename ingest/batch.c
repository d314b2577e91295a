/* ingest/batch.c: the batches of batch.h, and the table-valued function
 * wattdb_rows(?1) through which one INSERT ... SELECT stores a buffer of a
 * batch: columns c0, c1, ... are the row's parameters 1, 2, ... (up to
 * BATCH_MAX_PARAMS), the hidden column `batch` the struct row_buf bound as an
 * SQLite pointer value. */
#include "ingest/batch.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/msg.h"
#include "ingest/format.h"
#include "ingest/parse_private.h"

#define BATCH_POINTER "wattdb_row_batch" /* the pointer type of the hidden column */
#define BATCH_ROWS 1024                  /* rows stored by one INSERT ... SELECT */
#define BATCH_TEXT_MAX ((size_t)1 << 20) /* text bytes past which a batch is stored early */

/* ---- the table-valued function ---------------------------------------------- */

struct rows_cursor {
  sqlite3_vtab_cursor base;
  const struct row_buf *b;
  size_t row;
};

static int rows_connect(sqlite3 *sql, void *aux, int argc, const char *const *argv, sqlite3_vtab **out,
                        char **err) {
  (void)aux, (void)argc, (void)argv, (void)err;
  char decl[512] = "CREATE TABLE x(";
  size_t n = strlen(decl);
  for (int i = 0; i < BATCH_MAX_PARAMS; i++) n += (size_t)snprintf(decl + n, sizeof decl - n, "c%d, ", i);
  snprintf(decl + n, sizeof decl - n, "batch HIDDEN)");
  int rc = sqlite3_declare_vtab(sql, decl);
  if (rc != SQLITE_OK) return rc;
  sqlite3_vtab *v = sqlite3_malloc(sizeof *v);
  if (!v) return SQLITE_NOMEM;
  memset(v, 0, sizeof *v);
  *out = v;
  return SQLITE_OK;
}

static int rows_disconnect(sqlite3_vtab *v) {
  sqlite3_free(v);
  return SQLITE_OK;
}

/* The only plan: every row of the batch given as `batch = ?`. */
static int rows_best_index(sqlite3_vtab *v, sqlite3_index_info *info) {
  (void)v;
  info->idxNum = 0;
  info->estimatedCost = 1e12;
  for (int i = 0; i < info->nConstraint; i++) {
    const struct sqlite3_index_constraint *c = &info->aConstraint[i];
    if (c->iColumn != BATCH_MAX_PARAMS || c->op != SQLITE_INDEX_CONSTRAINT_EQ) continue;
    if (!c->usable) return SQLITE_CONSTRAINT;
    info->aConstraintUsage[i].argvIndex = 1;
    info->aConstraintUsage[i].omit = 1;
    info->idxNum = 1;
    info->estimatedCost = BATCH_ROWS;
  }
  return SQLITE_OK;
}

static int rows_open(sqlite3_vtab *v, sqlite3_vtab_cursor **out) {
  (void)v;
  struct rows_cursor *c = sqlite3_malloc(sizeof *c);
  if (!c) return SQLITE_NOMEM;
  memset(c, 0, sizeof *c);
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
  c->b = idx == 1 && argc == 1 ? sqlite3_value_pointer(argv[0], BATCH_POINTER) : NULL;
  if (!c->b) {
    sqlite3_free(cur->pVtab->zErrMsg);
    cur->pVtab->zErrMsg = sqlite3_mprintf("wattdb_rows reads only the batch the ingest binds to it");
    return SQLITE_ERROR;
  }
  c->row = c->b->from;
  return SQLITE_OK;
}

static int rows_next(sqlite3_vtab_cursor *c) {
  ((struct rows_cursor *)c)->row++;
  return SQLITE_OK;
}

static int rows_eof(sqlite3_vtab_cursor *cur) {
  const struct rows_cursor *c = (const struct rows_cursor *)cur;
  return c->row >= c->b->to;
}

static int rows_rowid(sqlite3_vtab_cursor *c, sqlite3_int64 *rowid) {
  *rowid = (sqlite3_int64)((struct rows_cursor *)c)->row;
  return SQLITE_OK;
}

/* Parameter COL + 1 of the row; text without a copy (the buffer does not change
 * while its INSERT runs). */
static int rows_column(sqlite3_vtab_cursor *cur, sqlite3_context *ctx, int col) {
  const struct rows_cursor *c = (const struct rows_cursor *)cur;
  const struct row_buf *b = c->b;
  if (col >= b->nparams) return SQLITE_OK;
  const struct batch_cell *cell = &b->cells[c->row * (size_t)b->nparams + (size_t)col];
  switch (cell->type) {
  case SQLITE_INTEGER: sqlite3_result_int64(ctx, cell->v.i); break;
  case SQLITE_FLOAT: sqlite3_result_double(ctx, cell->v.d); break;
  case SQLITE_TEXT: sqlite3_result_text(ctx, b->text + cell->v.text, -1, SQLITE_STATIC); break;
  default: break;
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

int batches_register(struct wdb *db) {
  if (sqlite3_create_module_v2(db->sql, "wattdb_rows", &rows_module, NULL, NULL) != SQLITE_OK) {
    msg("%s: cannot register wattdb_rows: %s", db->path, sqlite3_errmsg(db->sql));
    return -1;
  }
  return 0;
}

/* ---- a batch ------------------------------------------------------------------ */

/* The INSERT OR FAIL ... SELECT of INSERT (see parse_batch), its parameter
 * count in *NPARAMS; NULL when INSERT is not of that shape. sqlite3_free() it.
 *
 * OR FAIL: a constraint error stops the statement and keeps the rows before
 * the refused one, which the file's refusal or its torn line's savepoint then
 * drops. So SQLite keeps no statement journal to undo the statement alone: in
 * the default ABORT it copies, for every batch, each page the batch changes
 * that existed before it (the table's last leaf and its parents) to a temporary
 * file, nearly the table's size again in writes for a large file. */
static char *select_form(const char *insert, int *nparams) {
  static const char plain[] = "INSERT INTO ";
  const char *values = strstr(insert, " VALUES");
  if (!values || strncmp(insert, plain, strlen(plain))) return NULL;
  int n = 0;
  for (const char *s = values + strlen(" VALUES"); *s; s++) {
    if (*s == '?') n++;
    else if (!strchr(" ,()", *s)) return NULL;
  }
  if (n < 1 || n > BATCH_MAX_PARAMS) return NULL;
  const char *table = insert + strlen(plain);
  char *sql = sqlite3_mprintf("INSERT OR FAIL INTO %.*s SELECT", (int)(values - table), table);
  for (int i = 0; sql && i < n; i++) {
    char *longer = sqlite3_mprintf("%s%s c%d", sql, i ? "," : "", i);
    sqlite3_free(sql);
    sql = longer;
  }
  char *whole = sql ? sqlite3_mprintf("%s FROM wattdb_rows(?1)", sql) : NULL;
  sqlite3_free(sql);
  *nparams = n;
  return whole;
}

/* Empties B: no row, the first row's cells NULL. */
static void buf_empty(struct row_buf *b, int nparams) {
  b->nrows = b->text_len = 0;
  memset(b->cells, 0, (size_t)nparams * sizeof *b->cells);
}

/* ALL's prepared INSERT ... SELECT of INSERT, prepared now if it is new to this
 * ingest; its parameter count in *NPARAMS. NULL after printing. */
static sqlite3_stmt *prepared(struct batches *all, struct wdb *db, const char *insert, int *nparams) {
  for (int i = 0; i < all->nprepared; i++)
    if (all->prepared[i].insert == insert) {
      *nparams = all->prepared[i].nparams;
      return all->prepared[i].stmt;
    }
  if (all->nprepared == BATCH_STATEMENTS) {
    msg("internal: more than %d batched INSERTs (a statement text that is not a literal?)", BATCH_STATEMENTS);
    return NULL;
  }
  int n = 0;
  char *sql = select_form(insert, &n);
  if (!sql) {
    msg("internal: cannot batch '%s'", insert);
    return NULL;
  }
  if (all->store) store_idle(all->store); /* the connection is ours to prepare on */
  sqlite3_stmt *st = NULL;
  int rc = sqlite3_prepare_v3(db->sql, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL);
  sqlite3_free(sql);
  if (rc != SQLITE_OK) {
    msg("%s: cannot prepare statement: %s", db->path, sqlite3_errmsg(db->sql));
    return NULL;
  }
  all->prepared[all->nprepared].insert = insert;
  all->prepared[all->nprepared].stmt = st;
  all->prepared[all->nprepared].nparams = n;
  all->nprepared++;
  *nparams = n;
  return st;
}

struct row_batch *parse_batch(struct parse *p, int slot, const char *insert) {
  struct batches *all = &p->priv->batches;
  struct row_batch *b = &all->slot[slot];
  if (b->insert == insert) return b;
  if (b->fill && b->fill->nrows && batches_flush(all)) return NULL;
  int n = 0;
  sqlite3_stmt *st = prepared(all, p->db, insert, &n);
  if (!st) return NULL;
  all->db = p->db;
  for (int i = 0; i < BATCH_BUFFERS; i++)
    if (!b->buf[i].cells) b->buf[i].cells = xrealloc(NULL, BATCH_ROWS * BATCH_MAX_PARAMS * sizeof *b->buf[i].cells);
  if (!b->fill) b->fill = &b->buf[0];
  b->all = all;
  b->insert = insert;
  b->stmt = st;
  b->nparams = n;
  buf_empty(b->fill, n);
  return b;
}

static struct batch_cell *cell(struct row_batch *b, int param) {
  return &b->fill->cells[b->fill->nrows * (size_t)b->nparams + (size_t)(param - 1)];
}

void batch_int(struct row_batch *b, int param, int64_t v) {
  struct batch_cell *c = cell(b, param);
  c->type = SQLITE_INTEGER;
  c->v.i = v;
}

void batch_double(struct row_batch *b, int param, double v) {
  struct batch_cell *c = cell(b, param);
  c->type = isnan(v) ? SQLITE_NULL : SQLITE_FLOAT;
  c->v.d = v;
}

void batch_text_n(struct row_batch *b, int param, const char *s, size_t n) {
  struct row_buf *f = b->fill;
  if (f->text_len + n + 1 > f->text_cap) {
    f->text_cap = (f->text_len + n + 1) * 2;
    f->text = xrealloc(f->text, f->text_cap);
  }
  memcpy(f->text + f->text_len, s, n);
  f->text[f->text_len + n] = '\0';
  struct batch_cell *c = cell(b, param);
  c->type = SQLITE_TEXT;
  c->v.text = f->text_len;
  f->text_len += n + 1;
}

void batch_text(struct row_batch *b, int param, const char *s) { batch_text_n(b, param, s, strlen(s)); }

/* Steps B's INSERT over rows FROM .. TO - 1: SQLite's result code. */
static int buf_step(struct row_buf *b, size_t from, size_t to) {
  b->from = from;
  b->to = to;
  sqlite3_bind_pointer(b->stmt, 1, b, BATCH_POINTER, NULL);
  int rc = sqlite3_step(b->stmt);
  sqlite3_reset(b->stmt);
  return rc;
}

/* Stores B's complete rows, in whichever thread owns the connection now. On
 * a constraint error the rows before the refused one stay stored (OR FAIL,
 * select_form), so their count is where the refused row is: its line goes in
 * ERR with the failure. 0, or -1 (ERR says why). */
static int buf_store(struct row_buf *b, struct wdb *db, struct batch_error *err) {
  if (!b->nrows) return 0;
  int rc = buf_step(b, 0, b->nrows);
  if (rc == SQLITE_DONE) return 0;
  int64_t line = 0;
  size_t refused = (size_t)sqlite3_changes64(db->sql);
  if ((rc & 0xff) == SQLITE_CONSTRAINT && refused < b->nrows) {
    const struct batch_cell *c = &b->cells[refused * (size_t)b->nparams + 1];
    if (c->type == SQLITE_INTEGER) line = c->v.i;
  }
  err->code = rc;
  err->line = (err->code & 0xff) == SQLITE_CONSTRAINT ? line : 0;
  snprintf(err->text, sizeof err->text, "%s", sqlite3_errmsg(db->sql));
  return -1;
}

/* The store thread's run (store.h). */
static int store_run(struct store_item *item, void *ctx) {
  struct batches *all = ctx;
  return buf_store((struct row_buf *)item, all->db, &all->error);
}

/* -1 after printing ALL's failure (once). */
static int failed(struct batches *all) {
  if (!all->error.printed) msg("%s: cannot store rows: %s", all->db->path, all->error.text);
  all->error.printed = 1;
  return -1;
}

/* Hands B's filled buffer on: stored now, or queued for the store thread, the
 * slot's next buffer then filled once the thread is done with it. 0, or -1
 * printed. */
static int batch_hand_on(struct row_batch *b) {
  struct batches *all = b->all;
  struct row_buf *f = b->fill;
  if (!f->nrows) return 0;
  f->stmt = b->stmt;
  f->nparams = b->nparams;
  if (!all->store) {
    if (all->error.code) return failed(all); /* the file's rows stopped at the failure */
    int rc = buf_store(f, all->db, &all->error);
    buf_empty(f, b->nparams);
    return rc ? failed(all) : 0;
  }
  if (store_submit(all->store, &f->item)) {
    store_idle(all->store);
    return failed(all);
  }
  b->fill = &b->buf[(f - b->buf + 1) % BATCH_BUFFERS];
  store_wait(all->store, &b->fill->item);
  buf_empty(b->fill, b->nparams);
  return 0;
}

int batch_row_done(struct row_batch *b) {
  struct row_buf *f = b->fill;
  f->nrows++;
  if (f->nrows == BATCH_ROWS || f->text_len > BATCH_TEXT_MAX) return batch_hand_on(b);
  memset(cell(b, 1), 0, (size_t)b->nparams * sizeof *f->cells);
  return 0;
}

/* The wdb before_use hook: the store thread lets go of the connection. */
static void wait_for_store(void *ctx) {
  struct batches *all = ctx;
  store_idle(all->store);
}

void batches_start(struct batches *all, struct wdb *db) {
  all->db = db;
  if (all->store || !(all->store = store_start(store_run, all))) return;
  db->before_use = wait_for_store;
  db->before_use_ctx = all;
}

int batches_flush(struct batches *all) {
  for (int i = 0; i < BATCH_SLOTS; i++)
    if (all->slot[i].insert && batch_hand_on(&all->slot[i])) return -1;
  if (all->store && store_idle(all->store)) return failed(all);
  return 0;
}

int batches_failed_on_constraint(const struct batches *all) { return (all->error.code & 0xff) == SQLITE_CONSTRAINT; }

int64_t batches_failed_line(const struct batches *all) { return all->error.line; }

const char *batches_error_text(const struct batches *all) { return all->error.text; }

void batches_discard(struct batches *all) {
  if (all->store) store_clear(all->store);
  for (int i = 0; i < BATCH_SLOTS; i++) {
    struct row_batch *b = &all->slot[i];
    if (b->insert) buf_empty(b->fill, b->nparams);
  }
  memset(&all->error, 0, sizeof all->error);
}

void batches_free(struct batches *all) {
  if (all->store) {
    store_stop(all->store);
    if (all->db && all->db->before_use == wait_for_store) all->db->before_use = NULL;
  }
  for (int i = 0; i < BATCH_SLOTS; i++)
    for (int j = 0; j < BATCH_BUFFERS; j++) {
      free(all->slot[i].buf[j].cells);
      free(all->slot[i].buf[j].text);
    }
  for (int i = 0; i < all->nprepared; i++) sqlite3_finalize(all->prepared[i].stmt);
  memset(all, 0, sizeof *all);
}
