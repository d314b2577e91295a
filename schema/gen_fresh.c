/* schema/gen_fresh.c: a build tool that writes the schema a new database gets.
 *
 * It applies schema/NNN_*.sql (schema_sql, schema/embedded.h) in order to an
 * empty in-memory database and prints, as SQL on standard output, the CREATE
 * statements of the schema they leave: tables first, then indexes, views and
 * triggers, each as the database holds its text, in the order it made them.
 * wdb_open (schema/db.c) runs that text in one transaction to make a new
 * database, where the schema files would take one reparse of the whole
 * schema per ALTER TABLE (about 0.15 s of CPU, against 0.01 s).
 *
 * The schema only, never rows: a schema file that leaves a row in a new
 * database (a seed, or a database's own random id) would give every new
 * database that same row, so the tool refuses it, and such a row is made in
 * schema/db.c instead. Also refused: a schema file that fails.
 *
 *   gen-fresh > schema_fresh.sql        exit 0, or 1 after saying why */
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include "schema/embedded.h"

/* The schema's objects, sqlite_ ones (made by SQLite itself) left out. */
static const char objects_sql[] =
    "SELECT type, name, sql FROM sqlite_schema WHERE sql IS NOT NULL AND substr(name, 1, 7) <> 'sqlite_'"
    " ORDER BY CASE type WHEN 'table' THEN 0 WHEN 'index' THEN 1 WHEN 'view' THEN 2 ELSE 3 END, rowid";

/* 1 when table NAME holds a row, 0 when not, -1 on error. */
static int has_rows(sqlite3 *db, const char *name) {
  char *sql = sqlite3_mprintf("SELECT EXISTS (SELECT 1 FROM main.\"%w\")", name);
  sqlite3_stmt *st = NULL;
  int rows = -1;
  if (sql && sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
    rows = sqlite3_column_int(st, 0);
  sqlite3_finalize(st);
  sqlite3_free(sql);
  return rows;
}

int main(void) {
  sqlite3 *db;
  if (sqlite3_open(":memory:", &db) != SQLITE_OK) {
    fprintf(stderr, "gen-fresh: cannot open a database: %s\n", sqlite3_errmsg(db));
    return 1;
  }
  int n = 0;
  for (; schema_sql[n].name; n++) {
    char *err = NULL;
    if (sqlite3_exec(db, schema_sql[n].text, NULL, NULL, &err) != SQLITE_OK) {
      fprintf(stderr, "gen-fresh: schema/%s: %s\n", schema_sql[n].name, err ? err : "failed");
      return 1;
    }
  }
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(db, objects_sql, -1, &st, NULL) != SQLITE_OK) {
    fprintf(stderr, "gen-fresh: %s\n", sqlite3_errmsg(db));
    return 1;
  }
  printf("-- The schema of schema/%s .. %s, applied to an empty database: written by\n"
         "-- schema/gen_fresh.c at build time; do not edit.\n",
         n ? schema_sql[0].name : "", n ? schema_sql[n - 1].name : "");
  int failed = 0;
  while (sqlite3_step(st) == SQLITE_ROW) {
    const char *type = (const char *)sqlite3_column_text(st, 0), *name = (const char *)sqlite3_column_text(st, 1);
    int rows = strcmp(type, "table") == 0 ? has_rows(db, name) : 0;
    if (rows < 0) fprintf(stderr, "gen-fresh: table '%s': %s\n", name, sqlite3_errmsg(db));
    if (rows > 0)
      fprintf(stderr,
              "gen-fresh: the schema files leave rows in table '%s' of a new database: "
              "make them in schema/db.c, when a database is brought up to date\n",
              name);
    failed |= rows != 0;
    printf("%s;\n", (const char *)sqlite3_column_text(st, 2));
  }
  if (sqlite3_finalize(st) != SQLITE_OK) {
    fprintf(stderr, "gen-fresh: %s\n", sqlite3_errmsg(db));
    failed = 1;
  }
  sqlite3_close(db);
  return failed || fflush(stdout) != 0;
}
