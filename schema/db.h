/* schema/db.h: the database handle every command shares.
 *
 * A wdb wraps one sqlite3 connection opened the way wattdb always opens it (busy
 * timeout first, WAL, foreign keys on, schema brought up to date) and a cache of
 * prepared statements keyed by the address of their SQL text, so that a statement
 * written as a static string is prepared once per process, not once per file. */
#ifndef WATTDB_DB_H
#define WATTDB_DB_H

#include <sqlite3.h>

#define WDB_STMT_CACHE 64

struct wdb {
  sqlite3 *sql;
  const char *path;
  struct { const char *text; sqlite3_stmt *stmt; } cache[WDB_STMT_CACHE];
  int ncache;
};

/* Opens (creating if needed) the database at PATH and applies the schema files it
 * has not seen yet, each in its own transaction. Returns 0, or -1 after printing
 * why. On failure *db is left closed. */
int wdb_open(struct wdb *db, const char *path);
void wdb_close(struct wdb *db);

/* The statement for SQL, prepared on first use and reset+unbound on every later
 * call. SQL must be a string that lives as long as the process (a literal): the
 * cache compares addresses. Returns NULL after printing the SQLite error. */
sqlite3_stmt *wdb_stmt(struct wdb *db, const char *sql);

/* Runs SQL (several statements allowed). Returns 0, or -1 after printing the
 * error prefixed with WHAT. */
int wdb_exec(struct wdb *db, const char *sql, const char *what);

/* Steps a statement that returns no rows, then resets it. 0 or -1 (printed). */
int wdb_done(struct wdb *db, sqlite3_stmt *st);

/* The first column of the first row of SQL as an integer, or DFLT when there is
 * no row. For small bookkeeping queries, not hot paths. */
sqlite3_int64 wdb_int(struct wdb *db, const char *sql, sqlite3_int64 dflt);

#endif
