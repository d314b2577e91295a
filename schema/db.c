/* schema/db.c: opens the database and keeps its schema up to date.
 *
 * The schema is the ordered list schema/NNN_*.sql embedded at build time; the
 * database's PRAGMA user_version is the number of those files already applied,
 * so opening an older database applies only the newer files (each in one
 * transaction, together with the user_version bump). A database whose version is
 * newer than this binary knows is refused rather than misread. */
#include "schema/db.h"

#include <stdio.h>
#include <string.h>

#include "common/msg.h"
#include "schema/embedded.h"

static int schema_count(void) {
  int n = 0;
  while (schema_sql[n].name) n++;
  return n;
}

int wdb_exec(struct wdb *db, const char *sql, const char *what) {
  char *err = NULL;
  if (sqlite3_exec(db->sql, sql, NULL, NULL, &err) != SQLITE_OK) {
    msg("%s: %s: %s", db->path, what, err ? err : sqlite3_errmsg(db->sql));
    sqlite3_free(err);
    return -1;
  }
  return 0;
}

sqlite3_int64 wdb_int(struct wdb *db, const char *sql, sqlite3_int64 dflt) {
  sqlite3_stmt *st;
  sqlite3_int64 v = dflt;
  if (sqlite3_prepare_v2(db->sql, sql, -1, &st, NULL) != SQLITE_OK) return dflt;
  if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
    v = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  return v;
}

/* Applies schema files user_version+1 .. n, one transaction each. */
static int migrate(struct wdb *db) {
  int have = (int)wdb_int(db, "PRAGMA user_version", 0);
  int want = schema_count();
  if (have > want) {
    msg("%s: database schema version %d is newer than this wattdb knows (%d)", db->path,
        have, want);
    return -1;
  }
  for (int i = have; i < want; i++) {
    char bump[64];
    snprintf(bump, sizeof bump, "PRAGMA user_version = %d;", i + 1);
    if (wdb_exec(db, "BEGIN IMMEDIATE", "cannot start the schema update")) return -1;
    /* Another process may have migrated while we waited for the write lock. */
    if (wdb_int(db, "PRAGMA user_version", 0) > i) {
      wdb_exec(db, "COMMIT", "commit");
      continue;
    }
    if (wdb_exec(db, schema_sql[i].text, schema_sql[i].name) || wdb_exec(db, bump, "user_version")) {
      sqlite3_exec(db->sql, "ROLLBACK", NULL, NULL, NULL);
      return -1;
    }
    if (wdb_exec(db, "COMMIT", "cannot commit the schema update")) return -1;
  }
  return 0;
}

int wdb_open(struct wdb *db, const char *path) {
  memset(db, 0, sizeof *db);
  db->path = path;
  /* One connection per thread in wattdb: no connection mutex, no memory statistics
   * (both cost a lock per call on the insert path). */
  sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
  if (sqlite3_open_v2(path, &db->sql,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                      NULL) != SQLITE_OK) {
    msg("%s: cannot open database: %s", path, db->sql ? sqlite3_errmsg(db->sql) : "out of memory");
    sqlite3_close(db->sql);
    db->sql = NULL;
    return -1;
  }
  /* The busy timeout first, so that the pragmas below already wait for a
   * concurrent ingest instead of failing with SQLITE_BUSY. */
  sqlite3_busy_timeout(db->sql, 60000);
  if (wdb_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
               "cannot configure the database") ||
      migrate(db)) {
    wdb_close(db);
    return -1;
  }
  if (wdb_int(db, "PRAGMA foreign_keys", 0) != 1) {
    msg("%s: this SQLite does not enforce foreign keys", path);
    wdb_close(db);
    return -1;
  }
  return 0;
}

void wdb_close(struct wdb *db) {
  for (int i = 0; i < db->ncache; i++) sqlite3_finalize(db->cache[i].stmt);
  db->ncache = 0;
  if (db->sql) sqlite3_close(db->sql);
  db->sql = NULL;
}

sqlite3_stmt *wdb_stmt(struct wdb *db, const char *sql) {
  for (int i = 0; i < db->ncache; i++) {
    if (db->cache[i].text == sql) {
      sqlite3_stmt *st = db->cache[i].stmt;
      sqlite3_reset(st);
      sqlite3_clear_bindings(st);
      return st;
    }
  }
  sqlite3_stmt *st = NULL;
  if (sqlite3_prepare_v3(db->sql, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK) {
    msg("%s: cannot prepare statement: %s", db->path, sqlite3_errmsg(db->sql));
    return NULL;
  }
  if (db->ncache < WDB_STMT_CACHE) {
    db->cache[db->ncache].text = sql;
    db->cache[db->ncache].stmt = st;
    db->ncache++;
  } else {
    /* Cache full: a programming error (too many distinct statements); keep
     * working but the statement leaks until exit, so say so loudly. */
    msg("internal: statement cache full");
  }
  return st;
}

int wdb_done(struct wdb *db, sqlite3_stmt *st) {
  int rc = sqlite3_step(st);
  sqlite3_reset(st);
  if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
    msg("%s: %s", db->path, sqlite3_errmsg(db->sql));
    return -1;
  }
  return 0;
}
