/* schema/db.h: the database handle every command shares.
 *
 * A wdb wraps one sqlite3 connection opened the way wattdb always opens it (busy
 * timeout first, foreign keys on, schema brought up to date, WAL while writing)
 * and a cache of prepared statements keyed by the address of their SQL text, so
 * that a statement written as a static string is prepared once per process, not
 * once per file. */
#ifndef WATTDB_DB_H
#define WATTDB_DB_H

#include <sqlite3.h>

/* Slots of the statement cache, a power of two: room for every static SQL text
 * of wattdb (about 120 with every format) at most half full. */
#define WDB_STMT_CACHE 512

struct wdb {
  sqlite3 *sql;
  const char *path;
  int wal;                    /* WAL entered by wdb_write_ahead() */
  struct { const char *text; sqlite3_stmt *stmt; } cache[WDB_STMT_CACHE]; /* open addressing by text */
  int ncache;                 /* slots in use */
  /* Called first by every wdb_* function that uses the connection, when set:
   * the ingest's store thread (ingest/store.h) lets go of the connection
   * there before this thread uses it. */
  void (*before_use)(void *ctx);
  void *before_use_ctx;
};

/* The application_id in the header of every database wattdb makes ("watd"):
 * what tells a wattdb database from any other SQLite file. */
#define WDB_APPLICATION_ID 0x77617464

/* Opens the database at PATH for writing, creating it if needed, and applies
 * the schema files it has not seen yet, each in its own transaction (a new
 * database: the schema they leave, in one). Its
 * journals and temporary tables are then kept in memory (temp_store): the
 * ingest's savepoint around a file's rows journals the pages that existed
 * before it and that the file changes, the last pages of the tables it
 * appends to, about 130 KB a file on the real zip, which past SQLite's 64 KiB
 * went to a temporary file, one per file. (The transform, whose statements
 * are large, sets temp_store=FILE for itself.) A file that is not a wattdb
 * database (another application_id, or tables and a user_version of its own)
 * is refused untouched. Returns 0, or -1 after printing why. On failure *db
 * is left closed. The journal mode is left as the file has it until
 * wdb_write_ahead(). */
int wdb_open(struct wdb *db, const char *path);

/* Readies DB (wdb_open) for the transactions of a writer: WAL (readers do not
 * block it, nor it them) and synchronous=NORMAL, at its first call; later
 * calls do nothing. Every command calls it before its first write
 * transaction, so that one that finds nothing to write (an ingest of
 * unchanged files) writes nothing, not even the journal mode into the file's
 * header. wdb_close() then leaves WAL again when no other connection has the
 * database open, so that users without write permission can read it. 0, or
 * -1 after printing why. */
int wdb_write_ahead(struct wdb *db);

/* Opens an existing wattdb database at PATH read-only: never creates, never
 * migrates, never changes a byte (status and other read commands). */
int wdb_open_readonly(struct wdb *db, const char *path);
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
 * no row (or the query fails: use wdb_int_checked where that matters). For
 * small bookkeeping queries, not hot paths. */
sqlite3_int64 wdb_int(struct wdb *db, const char *sql, sqlite3_int64 dflt);

/* As wdb_int into *OUT, but a query that fails returns -1 after printing the
 * error prefixed with WHAT; 0 otherwise (DFLT when there is no row). */
int wdb_int_checked(struct wdb *db, const char *sql, sqlite3_int64 dflt, sqlite3_int64 *out, const char *what);

#endif
