/* bench/floor.c: SQLite's own insert floor for exactly the rows an ingest
 * stored. Not a test.
 *
 *   floor [--foreign-keys] SOURCE.db TARGET.db
 *
 * Reads SOURCE.db, a database `wattdb ingest` made, file by file: the file's
 * source_file row and its rows of every table keyed by (file_id, line) (raw
 * tables, rejected_row, unparsed_value), into memory. Then, into TARGET.db (a
 * fresh wattdb database with the same schema, opened as the ingest writes it:
 * WAL, synchronous=NORMAL, the ingest's page cache (INGEST_PRAGMAS),
 * foreign keys not enforced
 * (ingest/ingest.c; with --foreign-keys, enforced, as before), it binds and steps one prepared INSERT
 * per row, one transaction per file, the file's source_file row first, as the
 * ingest does. Only that insert phase is timed: what is left of an ingest's time
 * above it is reading, inflating, hashing and parsing. Prints
 * `floor: N files, M rows, S s inserting` on stdout. Instruction counts of the
 * insert phase alone: callgrind with --collect-atstart=no
 * --toggle-collect=insert_file. */
#define _POSIX_C_SOURCE 200809L
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ingest/ingest.h"
#include "schema/db.h"

struct table {
  char *name;
  int ncols;
  sqlite3_stmt *select; /* SELECT * FROM t WHERE file_id = ? (source) */
  sqlite3_stmt *insert; /* INSERT INTO t VALUES (?, ...) (target) */
};

/* One file's rows, each value copied (sqlite3_value_dup): memory for one file. */
struct rows {
  sqlite3_value **v;
  size_t n, cap;
};

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(sqlite3 *db, const char *what) {
  fprintf(stderr, "floor: %s: %s\n", what, db ? sqlite3_errmsg(db) : "");
  exit(1);
}

static sqlite3_stmt *prepare(sqlite3 *db, const char *sql) {
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) die(db, sql);
  return st;
}

/* source_file first, then every other table with file_id and line columns. */
static struct table *tables_of(sqlite3 *src, sqlite3 *dst, int *n) {
  sqlite3_stmt *st = prepare(src,
                             "SELECT m.name, (SELECT count(*) FROM pragma_table_info(m.name)) "
                             "FROM sqlite_schema m WHERE m.type = 'table' AND (m.name = 'source_file' "
                             "OR (EXISTS (SELECT 1 FROM pragma_table_info(m.name) WHERE name = 'file_id') "
                             "AND EXISTS (SELECT 1 FROM pragma_table_info(m.name) WHERE name = 'line'))) "
                             "ORDER BY m.name <> 'source_file', m.name");
  struct table *t = NULL;
  *n = 0;
  while (sqlite3_step(st) == SQLITE_ROW) {
    t = realloc(t, sizeof *t * (size_t)(*n + 1));
    struct table *x = &t[(*n)++];
    x->name = strdup((const char *)sqlite3_column_text(st, 0));
    x->ncols = sqlite3_column_int(st, 1);
    char *sql = sqlite3_mprintf("SELECT * FROM \"%w\" WHERE %s = ?", x->name,
                                strcmp(x->name, "source_file") ? "file_id" : "id");
    x->select = prepare(src, sql);
    sqlite3_free(sql);
    char marks[4096] = "?";
    for (int i = 1; i < x->ncols && strlen(marks) + 3 < sizeof marks; i++) strcat(marks, ",?");
    sql = sqlite3_mprintf("INSERT INTO \"%w\" VALUES (%s)", x->name, marks);
    x->insert = prepare(dst, sql);
    sqlite3_free(sql);
  }
  sqlite3_finalize(st);
  return t;
}

/* The insert phase of one file: in one transaction, the COUNTS[k] rows of each
 * table T[k] whose values lie in V, table by table, bound and stepped with the
 * table's INSERT. Returns the rows stored outside source_file. Kept out of line
 * so that callgrind can count it alone:
 *   valgrind --tool=callgrind --collect-atstart=no --toggle-collect=insert_file ... */
__attribute__((noinline)) static long long insert_file(sqlite3 *db, const struct table *t, int nt,
                                                       const size_t *counts, sqlite3_value **v) {
  long long nrows = 0;
  if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) die(db, "begin");
  size_t at = 0;
  for (int k = 0; k < nt; k++) {
    for (size_t i = 0; i < counts[k]; i++) {
      for (int c = 0; c < t[k].ncols; c++) sqlite3_bind_value(t[k].insert, c + 1, v[at + (size_t)c]);
      if (sqlite3_step(t[k].insert) != SQLITE_DONE) die(db, t[k].name);
      sqlite3_reset(t[k].insert);
      at += (size_t)t[k].ncols;
      if (k > 0) nrows++;
    }
  }
  if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) die(db, "commit");
  return nrows;
}

int main(int argc, char **argv) {
  int foreign_keys = argc == 4 && strcmp(argv[1], "--foreign-keys") == 0;
  if (argc != 3 + foreign_keys) {
    fputs("usage: floor [--foreign-keys] SOURCE.db TARGET.db\n", stderr);
    return 2;
  }
  argv += foreign_keys;
  sqlite3 *src;
  if (sqlite3_open_v2(argv[1], &src, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) die(src, argv[1]);
  remove(argv[2]);
  struct wdb dst;
  if (wdb_open(&dst, argv[2]) || wdb_write_ahead(&dst)) return 1;
  if (sqlite3_exec(dst.sql, INGEST_PRAGMAS, NULL, NULL, NULL) != SQLITE_OK) die(dst.sql, "pragmas");
  /* run rows, as the ingest made them (source_file.run_id points at them) */
  if (sqlite3_exec(dst.sql, "PRAGMA foreign_keys=OFF", NULL, NULL, NULL) != SQLITE_OK) die(dst.sql, "fk");
  char *attach = sqlite3_mprintf("ATTACH %Q AS src; INSERT INTO run SELECT * FROM src.run; DETACH src;",
                                 argv[1]);
  if (sqlite3_exec(dst.sql, attach, NULL, NULL, NULL) != SQLITE_OK) die(dst.sql, "runs");
  sqlite3_free(attach);
  if (foreign_keys && sqlite3_exec(dst.sql, "PRAGMA foreign_keys=ON", NULL, NULL, NULL) != SQLITE_OK)
    die(dst.sql, "fk");
  int nt;
  struct table *t = tables_of(src, dst.sql, &nt);
  sqlite3_stmt *files = prepare(src, "SELECT id FROM source_file ORDER BY id");
  struct rows r = {0};
  long nfiles = 0;
  long long nrows = 0;
  double inserting = 0;
  while (sqlite3_step(files) == SQLITE_ROW) {
    sqlite3_int64 id = sqlite3_column_int64(files, 0);
    /* read: every row of the file, all tables, into memory */
    r.n = 0;
    size_t *counts = calloc((size_t)nt, sizeof *counts);
    for (int k = 0; k < nt; k++) {
      sqlite3_bind_int64(t[k].select, 1, id);
      while (sqlite3_step(t[k].select) == SQLITE_ROW) {
        if (r.n + (size_t)t[k].ncols > r.cap) {
          r.cap = (r.n + (size_t)t[k].ncols) * 2;
          r.v = realloc(r.v, r.cap * sizeof *r.v);
        }
        for (int c = 0; c < t[k].ncols; c++) r.v[r.n++] = sqlite3_value_dup(sqlite3_column_value(t[k].select, c));
        counts[k]++;
      }
      sqlite3_reset(t[k].select);
    }
    /* insert: timed */
    double t0 = now_s();
    nrows += insert_file(dst.sql, t, nt, counts, r.v);
    inserting += now_s() - t0;
    for (size_t i = 0; i < r.n; i++) sqlite3_value_free(r.v[i]);
    free(counts);
    nfiles++;
  }
  sqlite3_finalize(files);
  for (int k = 0; k < nt; k++) {
    sqlite3_finalize(t[k].select);
    sqlite3_finalize(t[k].insert);
    free(t[k].name);
  }
  free(t);
  free(r.v);
  sqlite3_close(src);
  wdb_close(&dst);
  printf("floor: %ld files, %lld rows, %.3f s inserting\n", nfiles, nrows, inserting);
  return 0;
}
