/* schema/db.c: opens the database and keeps its schema up to date.
 *
 * The schema is the ordered list schema/NNN_*.sql embedded at build time; the
 * database's PRAGMA user_version is the number of those files already applied,
 * so opening an older database applies only the newer files (each in one
 * transaction, together with the user_version bump), and a new one gets the
 * schema they leave (schema_fresh, made from them at build time) in one. A
 * database whose version is newer than this binary knows is refused rather
 * than misread.
 *
 * Whose file it is: the header's application_id says (WDB_APPLICATION_ID, set
 * with the first schema file). A file with no schema objects at all is new; a
 * file without the id but with wattdb's bookkeeping tables and a user_version
 * this binary knows was made by wattdb before the id existed, and gets it; any
 * other file is refused before anything is written to it.
 *
 * Journal: WAL while a writer works (readers do not block it), from its first
 * write transaction (wdb_write_ahead), and back to a rollback journal when the
 * last writer closes, since a WAL database cannot be
 * read by a user who may not create its -shm file. Every step that takes a write
 * lock waits for other writers (the busy timeout), including the creation of a
 * new database by two processes at once. */
#include "schema/db.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "common/msg.h"
#include "schema/embedded.h"
#include "schema/model.h"

static int schema_count(void) {
  int n = 0;
  while (schema_sql[n].name) n++;
  return n;
}

/* Lets whoever else holds DB's connection (db.h, before_use) let go of it. */
static void claim(struct wdb *db) {
  if (db->before_use) db->before_use(db->before_use_ctx);
}

int wdb_exec(struct wdb *db, const char *sql, const char *what) {
  claim(db);
  char *err = NULL;
  if (sqlite3_exec(db->sql, sql, NULL, NULL, &err) != SQLITE_OK) {
    msg("%s: %s: %s", db->path, what, err ? err : sqlite3_errmsg(db->sql));
    sqlite3_free(err);
    return -1;
  }
  return 0;
}

sqlite3_int64 wdb_int(struct wdb *db, const char *sql, sqlite3_int64 dflt) {
  claim(db);
  sqlite3_stmt *st;
  sqlite3_int64 v = dflt;
  if (sqlite3_prepare_v2(db->sql, sql, -1, &st, NULL) != SQLITE_OK) return dflt;
  if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
    v = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  return v;
}

int wdb_int_checked(struct wdb *db, const char *sql, sqlite3_int64 dflt, sqlite3_int64 *out, const char *what) {
  claim(db);
  sqlite3_stmt *st;
  *out = dflt;
  int rc = sqlite3_prepare_v2(db->sql, sql, -1, &st, NULL);
  if (rc == SQLITE_OK) {
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL) *out = sqlite3_column_int64(st, 0);
  }
  sqlite3_finalize(st);
  if (rc == SQLITE_ROW || rc == SQLITE_DONE) return 0;
  msg("%s: %s: %s", db->path, what, sqlite3_errmsg(db->sql));
  return -1;
}

#define BUSY_TIMEOUT_MS 60000

/* Runs SQL, retrying for up to BUSY_TIMEOUT_MS while another connection holds
 * the lock it needs. SQLite returns SQLITE_BUSY at once, without the busy
 * handler, where waiting could deadlock (a journal-mode change or a read lock
 * that must grow into a write lock); a retry from scratch is safe there. */
static int exec_waiting(struct wdb *db, const char *sql, const char *what) {
  const struct timespec pause = {0, 10 * 1000 * 1000};
  for (int waited_ms = 0;; waited_ms += 10) {
    int rc = sqlite3_exec(db->sql, sql, NULL, NULL, NULL);
    if (rc == SQLITE_OK) return 0;
    if ((rc & 0xff) != SQLITE_BUSY || waited_ms >= BUSY_TIMEOUT_MS) {
      msg("%s: %s: %s", db->path, what, sqlite3_errmsg(db->sql));
      return -1;
    }
    if (!sqlite3_get_autocommit(db->sql)) sqlite3_exec(db->sql, "ROLLBACK", NULL, NULL, NULL);
    nanosleep(&pause, NULL);
  }
}

/* The database's random id (schema/016_origin.sql), made once: a version-4
 * UUID in lowercase hex, and when it was made. */
static const char origin_row[] =
    "INSERT INTO origin (one, id, created_at)"
    " SELECT 1, substr(h, 1, 8) || '-' || substr(h, 9, 4) || '-4' || substr(h, 14, 3) || '-'"
    "  || substr('89ab', 1 + (unicode(substr(h, 17, 1)) % 4), 1) || substr(h, 18, 3) || '-'"
    "  || substr(h, 21, 12), strftime('%Y-%m-%dT%H:%M:%SZ', 'now')"
    " FROM (SELECT lower(hex(randomblob(16))) AS h) WHERE NOT EXISTS (SELECT 1 FROM origin)";

/* Brings the schema from user_version to the newest of schema_sql. A new
 * database gets schema_fresh (what every file leaves in an empty one) in one
 * transaction; an older one the files it lacks, one transaction each. The
 * transaction that reaches the newest version also makes the rows a schema
 * file may not (gen_fresh.c): the origin row, where there is none yet. Each
 * sets user_version and stamps the application_id. */
static int migrate(struct wdb *db) {
  sqlite3_int64 version;
  if (wdb_int_checked(db, "PRAGMA user_version", 0, &version, "cannot read the schema version")) return -1;
  int have = (int)version, want = schema_count();
  if (have > want) {
    msg("%s: database schema version %d is newer than this wattdb knows (%d)", db->path,
        have, want);
    return -1;
  }
  /* A new database's pages: 16 KiB, where SQLite's default is 4 KiB. A large
   * file's rows are one transaction that spills its pages into the WAL and
   * copies them into the database at the checkpoint: a quarter of the page
   * writes and reads, each a system call, for the same bytes (on the 2 M-line
   * nvidia-smi log, about a second less CPU time in the kernel). An empty
   * database only, before its first table; one already made keeps its size. */
  if (have == 0 && wdb_exec(db, "PRAGMA page_size = 16384", "cannot set the page size")) return -1;
  for (int i = have; i < want;) {
    if (exec_waiting(db, "BEGIN IMMEDIATE", "cannot start the schema update")) return -1;
    /* Another process may have migrated while we waited for the write lock. */
    if (wdb_int_checked(db, "PRAGMA user_version", 0, &version, "cannot read the schema version")) {
      sqlite3_exec(db->sql, "ROLLBACK", NULL, NULL, NULL);
      return -1;
    }
    if (version > i) {
      if (wdb_exec(db, "COMMIT", "cannot end the schema update")) return -1;
      i = (int)version;
      continue;
    }
    const struct embedded_sql *step = i == 0 ? &schema_fresh[0] : &schema_sql[i];
    int reached = i == 0 ? want : i + 1;
    char bump[96];
    snprintf(bump, sizeof bump, "PRAGMA user_version = %d; PRAGMA application_id = %d;", reached,
             WDB_APPLICATION_ID);
    if (wdb_exec(db, step->text, step->name) || (reached == want && wdb_exec(db, origin_row, "origin")) ||
        wdb_exec(db, bump, "user_version")) {
      sqlite3_exec(db->sql, "ROLLBACK", NULL, NULL, NULL);
      return -1;
    }
    if (wdb_exec(db, "COMMIT", "cannot commit the schema update")) return -1;
    i = reached;
  }
  return 0;
}

/* The constants of schema/model.h, as model_constant rows. */
static const struct model_row {
  const char *name;
  double value;
  const char *unit, *meaning;
} model_rows[] = {
#define MODEL_ROW(name, value, unit, meaning) {name, value, unit, meaning},
    MODEL_CONSTANTS(MODEL_ROW)
#undef MODEL_ROW
};
enum { MODEL_ROWS = sizeof model_rows / sizeof *model_rows };

/* Steps SQL with row R's name, value (an integer when it is one), unit and
 * meaning bound as ?1..?4; the step's result code. */
static int model_step(struct wdb *db, const char *sql, const struct model_row *r) {
  sqlite3_stmt *st = wdb_stmt(db, sql);
  if (!st) return SQLITE_ERROR;
  sqlite3_bind_text(st, 1, r->name, -1, SQLITE_STATIC);
  if (r->value == (double)(sqlite3_int64)r->value) sqlite3_bind_int64(st, 2, (sqlite3_int64)r->value);
  else sqlite3_bind_double(st, 2, r->value);
  sqlite3_bind_text(st, 3, r->unit, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 4, r->meaning, -1, SQLITE_STATIC);
  int rc = sqlite3_step(st);
  sqlite3_reset(st);
  return rc;
}

/* Makes model_constant hold the rows above, writing only when it does not
 * already (a new database, or one last opened by another release). */
static int model_refresh(struct wdb *db) {
  static const char same[] =
      "SELECT 1 FROM model_constant WHERE name = ?1 AND value = ?2 AND unit = ?3 AND meaning = ?4";
  static const char insert[] = "INSERT INTO model_constant(name, value, unit, meaning) VALUES (?1, ?2, ?3, ?4)";
  sqlite3_int64 stored;
  if (wdb_int_checked(db, "SELECT count(*) FROM model_constant", 0, &stored, "cannot read the model")) return -1;
  int equal = stored == MODEL_ROWS;
  for (int i = 0; equal && i < MODEL_ROWS; i++) {
    int rc = model_step(db, same, &model_rows[i]);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) goto failed;
    equal = rc == SQLITE_ROW;
  }
  if (equal) return 0;
  if (exec_waiting(db, "BEGIN IMMEDIATE; DELETE FROM model_constant;", "cannot store the model")) return -1;
  for (int i = 0; i < MODEL_ROWS; i++)
    if (model_step(db, insert, &model_rows[i]) != SQLITE_DONE) goto failed;
  return wdb_exec(db, "COMMIT", "cannot store the model");
failed:
  msg("%s: cannot store the model: %s", db->path, sqlite3_errmsg(db->sql));
  if (!sqlite3_get_autocommit(db->sql)) sqlite3_exec(db->sql, "ROLLBACK", NULL, NULL, NULL);
  return -1;
}

/* Whether the open file is wattdb's: 1 ours, 0 new (no schema objects), -1
 * refused (printed). A wattdb database from before the application_id gets it
 * when WRITABLE. */
static int check_owner(struct wdb *db, int writable) {
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(db->sql,
                         "SELECT (SELECT application_id FROM pragma_application_id),"
                         " (SELECT user_version FROM pragma_user_version),"
                         " (SELECT count(*) FROM sqlite_schema),"
                         " (SELECT count(*) FROM sqlite_schema WHERE type = 'table'"
                         "  AND name IN ('source_file', 'rejected_row', 'run'))",
                         -1, &st, NULL) != SQLITE_OK ||
      sqlite3_step(st) != SQLITE_ROW) {
    msg("%s: cannot read the database: %s", db->path, sqlite3_errmsg(db->sql));
    sqlite3_finalize(st);
    return -1;
  }
  sqlite3_int64 app = sqlite3_column_int64(st, 0), version = sqlite3_column_int64(st, 1),
                objects = sqlite3_column_int64(st, 2), ours = sqlite3_column_int64(st, 3);
  sqlite3_finalize(st);
  if (app == WDB_APPLICATION_ID) return 1;
  if (app == 0 && objects == 0 && version == 0) return 0;
  if (app == 0 && ours == 3 && version >= 1 && version <= schema_count()) {
    if (writable) {
      char sql[64];
      snprintf(sql, sizeof sql, "PRAGMA application_id = %d", WDB_APPLICATION_ID);
      if (exec_waiting(db, sql, "cannot mark the database as wattdb's")) return -1;
    }
    return 1;
  }
  msg("%s: not a wattdb database (application_id %lld, user_version %lld, %lld schema "
      "objects); it is left untouched: give wattdb a database of its own with --db",
      db->path, (long long)app, (long long)version, (long long)objects);
  return -1;
}

static int open_connection(struct wdb *db, const char *path, int flags) {
  memset(db, 0, sizeof *db);
  db->path = path;
  /* One connection per thread in wattdb: no connection mutex, no memory statistics
   * (both cost a lock per call on the insert path). */
  sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
  if (sqlite3_open_v2(path, &db->sql, flags | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
    int cantopen = db->sql && sqlite3_errcode(db->sql) == SQLITE_CANTOPEN;
    /* the folder it would be in */
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (slash) *(slash == dir ? slash + 1 : slash) = '\0';
    struct stat st;
    if (cantopen && slash && stat(dir, &st) != 0)
      msg("%s: cannot open database: the folder '%s' does not exist (make it, or give another "
          "--db)", path, dir);
    else
      msg("%s: cannot open database: %s", path,
          cantopen && !(flags & SQLITE_OPEN_CREATE)
              ? "no such database (wattdb ingest or build makes one)"
          : db->sql ? sqlite3_errmsg(db->sql)
                    : "out of memory");
    sqlite3_close(db->sql);
    db->sql = NULL;
    return -1;
  }
  /* The busy timeout first, so that everything below already waits for a
   * concurrent writer instead of failing with SQLITE_BUSY. */
  sqlite3_busy_timeout(db->sql, BUSY_TIMEOUT_MS);
  return 0;
}

int wdb_open(struct wdb *db, const char *path) {
  if (open_connection(db, path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE)) return -1;
  if (check_owner(db, 1) < 0 || wdb_exec(db, "PRAGMA foreign_keys=ON", "cannot configure") ||
      migrate(db) || model_refresh(db) ||
      exec_waiting(db, "PRAGMA temp_store=MEMORY", "cannot configure the database")) {
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

int wdb_write_ahead(struct wdb *db) {
  if (db->wal) return 0;
  claim(db);
  if (exec_waiting(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL", "cannot configure the database"))
    return -1;
  db->wal = 1;
  return 0;
}

int wdb_open_readonly(struct wdb *db, const char *path) {
  if (open_connection(db, path, SQLITE_OPEN_READONLY)) return -1;
  int owner = check_owner(db, 0);
  if (owner == 0) msg("%s: an empty database: nothing was ingested into it yet", path);
  if (owner <= 0) {
    wdb_close(db);
    return -1;
  }
  sqlite3_int64 version;
  if (wdb_int_checked(db, "PRAGMA user_version", 0, &version, "cannot read the schema version")) {
    wdb_close(db);
    return -1;
  }
  int have = (int)version;
  if (have > schema_count()) {
    msg("%s: database schema version %d is newer than this wattdb knows (%d)", path, have,
        schema_count());
    wdb_close(db);
    return -1;
  }
  return 0;
}

void wdb_close(struct wdb *db) {
  for (int i = 0; i < WDB_STMT_CACHE; i++)
    if (db->cache[i].text) {
      sqlite3_finalize(db->cache[i].stmt);
      db->cache[i].text = NULL;
      db->cache[i].stmt = NULL;
    }
  db->ncache = 0;
  if (db->sql && db->wal) {
    /* Leave WAL when no other connection has the database open; when one has,
     * it fails at once (no waiting) and the last writer to close does it. */
    sqlite3_busy_timeout(db->sql, 0);
    sqlite3_exec(db->sql, "PRAGMA journal_mode=DELETE", NULL, NULL, NULL);
  }
  if (db->sql) sqlite3_close(db->sql);
  db->sql = NULL;
}

/* The slot of SQL in the cache: where it is, or the empty one where it goes. */
static int cache_slot(const struct wdb *db, const char *sql) {
  uintptr_t h = (uintptr_t)sql;
  h ^= h >> 17;
  h *= (uintptr_t)0x9E3779B97F4A7C15u;
  int i = (int)((h >> 7) & (WDB_STMT_CACHE - 1));
  while (db->cache[i].text && db->cache[i].text != sql) i = (i + 1) & (WDB_STMT_CACHE - 1);
  return i;
}

sqlite3_stmt *wdb_stmt(struct wdb *db, const char *sql) {
  claim(db);
  int i = cache_slot(db, sql);
  if (db->cache[i].text) {
    sqlite3_stmt *st = db->cache[i].stmt;
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return st;
  }
  sqlite3_stmt *st = NULL;
  if (sqlite3_prepare_v3(db->sql, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK) {
    msg("%s: cannot prepare statement: %s", db->path, sqlite3_errmsg(db->sql));
    return NULL;
  }
  if (db->ncache + 1 >= WDB_STMT_CACHE) {
    /* Never with wattdb's own texts (WDB_STMT_CACHE); a text that is not a
     * literal would fill it: said, and the statement is not cached. */
    msg("internal: statement cache full (a statement text that is not a literal?)");
    sqlite3_finalize(st);
    return NULL;
  }
  db->cache[i].text = sql;
  db->cache[i].stmt = st;
  db->ncache++;
  return st;
}

int wdb_done(struct wdb *db, sqlite3_stmt *st) {
  claim(db);
  int rc = sqlite3_step(st);
  sqlite3_reset(st);
  if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
    msg("%s: %s", db->path, sqlite3_errmsg(db->sql));
    return -1;
  }
  return 0;
}
