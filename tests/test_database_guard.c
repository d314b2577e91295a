/* tests/test_database_guard.c: wattdb writes only to databases it made, read
 * commands never create or change one, a database is left readable by users
 * who cannot write it, and two ingests on a database that does not exist yet
 * both succeed, and an ingest with nothing new writes nothing. */
#include "tests/testlib.h"
#include "tests/ingest_checks.h"

#include <sys/wait.h>

/* The bytes of DIR/NAME (NULL when absent); *len set. */
static char *bytes_of(const char *dir, const char *name, size_t *len) {
  char path[1024];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  if (access(path, F_OK) != 0) return NULL;
  return ic_slurp(path, len);
}

static int exists(const char *dir, const char *name) {
  char path[2200];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  return access(path, F_OK) == 0;
}

/* Makes DIR/NAME an SQLite database of another application with SQL. */
static void make_foreign(const char *dir, const char *name, const char *sql) {
  char path[1024];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  sqlite3 *db;
  assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
  assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
  sqlite3_close(db);
}

/* Opening NAME for writing and for reading both fail, and its bytes stay. */
static void assert_refused_untouched(const char *dir, const char *name) {
  size_t n0, n1;
  char *before = bytes_of(dir, name, &n0);
  assert_non_null(before);
  char path[1024];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  struct wdb db;
  msg_quiet = 1;
  assert_int_equal(wdb_open(&db, path), -1);
  assert_int_equal(wdb_open_readonly(&db, path), -1);
  msg_quiet = 0;
  char *after = bytes_of(dir, name, &n1);
  assert_int_equal(n0, n1);
  assert_memory_equal(before, after, n0);
  char side[1024];
  snprintf(side, sizeof side, "%s-wal", name);
  assert_false(exists(dir, side));
  snprintf(side, sizeof side, "%s-journal", name);
  assert_false(exists(dir, side));
  free(before);
  free(after);
}

static void foreign_databases_are_refused_untouched(void **state) {
  (void)state;
  char *dir = tl_mkdtemp();
  make_foreign(dir, "notes.db", "CREATE TABLE note(text); INSERT INTO note VALUES ('mine');");
  assert_refused_untouched(dir, "notes.db");
  /* one with its own user_version: before, a migration ran halfway */
  make_foreign(dir, "app.db", "CREATE TABLE t(x); PRAGMA user_version = 3;");
  assert_refused_untouched(dir, "app.db");
  /* another application's id, even on an empty schema */
  make_foreign(dir, "other.db", "PRAGMA application_id = 1234; PRAGMA user_version = 1;");
  assert_refused_untouched(dir, "other.db");
  /* not SQLite at all */
  tl_write_str(dir, "text.db", "epoch,end_time\n0,2023-12-18 21:31:00\n");
  assert_refused_untouched(dir, "text.db");
  tl_rmdir(dir);
}

static void read_only_open_never_creates(void **state) {
  (void)state;
  char *dir = tl_mkdtemp();
  char path[1024];
  snprintf(path, sizeof path, "%s/never-made.db", dir);
  struct wdb db;
  msg_quiet = 1;
  assert_int_equal(wdb_open_readonly(&db, path), -1);
  msg_quiet = 0;
  assert_false(exists(dir, "never-made.db"));
  /* a wattdb database opened read-only: its bytes do not change */
  tl_open(&db, dir, "w.db");
  tl_ingest(&db, IC_FIXTURES);
  tl_close(&db);
  size_t n0, n1;
  char *before = bytes_of(dir, "w.db", &n0);
  snprintf(path, sizeof path, "%s/w.db", dir);
  assert_int_equal(wdb_open_readonly(&db, path), 0);
  assert_true(tl_int(&db, "SELECT count(*) FROM source_file") > 10);
  wdb_close(&db);
  char *after = bytes_of(dir, "w.db", &n1);
  assert_int_equal(n0, n1);
  assert_memory_equal(before, after, n0);
  free(before);
  free(after);
  tl_rmdir(dir);
}

/* A database made before wattdb stamped its application_id is still its own. */
static void older_wattdb_database_is_adopted(void **state) {
  (void)state;
  char *dir = tl_mkdtemp();
  struct wdb db;
  tl_open(&db, dir, "old.db");
  tl_ingest(&db, IC_FIXTURES);
  assert_int_equal(tl_int(&db, "PRAGMA application_id"), WDB_APPLICATION_ID);
  assert_int_equal(sqlite3_exec(db.sql, "PRAGMA application_id = 0", NULL, NULL, NULL), SQLITE_OK);
  tl_close(&db);
  tl_open(&db, dir, "old.db");
  assert_int_equal(tl_int(&db, "PRAGMA application_id"), WDB_APPLICATION_ID);
  struct ingest_stats s = tl_ingest(&db, IC_FIXTURES);
  assert_int_equal(s.unchanged, s.files);
  tl_close(&db);
  tl_rmdir(dir);
}

/* After the writer closes: no -wal or -shm file, the header out of WAL mode,
 * and a read-only connection (as Python's mode=ro) reads it. */
static void database_is_left_readable_without_write_access(void **state) {
  (void)state;
  char *dir = tl_mkdtemp();
  struct wdb db;
  tl_open(&db, dir, "w.db");
  tl_ingest(&db, IC_FIXTURES);
  assert_string_equal(tl_text(&db, "PRAGMA journal_mode"), "wal"); /* while writing */
  tl_close(&db);
  assert_false(exists(dir, "w.db-wal"));
  assert_false(exists(dir, "w.db-shm"));
  size_t n;
  char *header = bytes_of(dir, "w.db", &n);
  assert_true(n > 100);
  assert_int_equal(header[18], 1); /* file format write version: 1 legacy, 2 WAL */
  assert_int_equal(header[19], 1);
  free(header);
  char uri[1100];
  snprintf(uri, sizeof uri, "file:%s/w.db?mode=ro", dir);
  sqlite3 *ro;
  assert_int_equal(sqlite3_open_v2(uri, &ro, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, NULL), SQLITE_OK);
  sqlite3_stmt *st;
  assert_int_equal(sqlite3_prepare_v2(ro, "SELECT count(*) FROM eprof_gpu_sample", -1, &st, NULL), SQLITE_OK);
  assert_int_equal(sqlite3_step(st), SQLITE_ROW);
  assert_true(sqlite3_column_int(st, 0) > 0);
  sqlite3_finalize(st);
  sqlite3_close(ro);
  tl_rmdir(dir);
}

/* An ingest that finds every file unchanged, and a second open, write nothing:
 * the file keeps its bytes and its mtime, no -wal or -journal appears. */
static void unchanged_inputs_leave_the_database_untouched(void **state) {
  (void)state;
  char *dir = tl_mkdtemp();
  struct wdb db;
  tl_open(&db, dir, "w.db");
  tl_ingest(&db, IC_FIXTURES);
  tl_close(&db);
  char path[1100];
  snprintf(path, sizeof path, "%s/w.db", dir);
  struct stat before, after;
  assert_int_equal(stat(path, &before), 0);
  size_t n0, n1;
  char *bytes0 = bytes_of(dir, "w.db", &n0);
  const struct timespec pause = {0, 20 * 1000 * 1000}; /* past the file system's mtime granularity */
  nanosleep(&pause, NULL);
  tl_open(&db, dir, "w.db");
  struct ingest_stats st = tl_ingest(&db, IC_FIXTURES);
  assert_true(st.unchanged > 0);
  assert_int_equal(st.read, 0);
  assert_false(exists(dir, "w.db-wal"));
  assert_false(exists(dir, "w.db-journal"));
  tl_close(&db);
  assert_int_equal(stat(path, &after), 0);
  assert_true(after.st_mtim.tv_sec == before.st_mtim.tv_sec && after.st_mtim.tv_nsec == before.st_mtim.tv_nsec);
  char *bytes1 = bytes_of(dir, "w.db", &n1);
  assert_int_equal(n1, n0);
  assert_memory_equal(bytes1, bytes0, n0);
  free(bytes0), free(bytes1);
  tl_rmdir(dir);
}

/* Two ingests started together on a database that does not exist yet: both
 * succeed, every time, and the result is the database one ingest makes. */
static void two_ingests_on_a_new_database_both_succeed(void **state) {
  (void)state;
  char *dir = tl_mkdtemp();
  struct wdb db;
  tl_open(&db, dir, "ref.db");
  tl_ingest(&db, IC_FIXTURES);
  char *ref = ic_dump(&db, 0);
  tl_close(&db);
  for (int trial = 0; trial < 15; trial++) {
    char name[64], path[1024];
    snprintf(name, sizeof name, "new%d.db", trial);
    snprintf(path, sizeof path, "%s/%s", dir, name);
    pid_t kids[2];
    for (int k = 0; k < 2; k++) {
      kids[k] = fork();
      assert_true(kids[k] >= 0);
      if (kids[k] == 0) {
        struct wdb child;
        msg_quiet = 1;
        if (wdb_open(&child, path)) _exit(3);
        struct ingest_options opt = {0};
        struct ingest_stats st;
        char *roots[1] = {(char *)IC_FIXTURES};
        int rc = ingest_paths(&child, roots, 1, &opt, &st);
        wdb_close(&child);
        _exit(rc ? 4 : 0);
      }
    }
    for (int k = 0; k < 2; k++) {
      int status;
      assert_int_equal(waitpid(kids[k], &status, 0), kids[k]);
      if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        fail_msg("trial %d: ingest %d ended with status %d", trial, k, status);
    }
    tl_open(&db, dir, name);
    ic_check_accounting(&db);
    char *got = ic_dump(&db, 0);
    ic_same_dump(ref, got, "two concurrent ingests");
    free(got);
    tl_close(&db);
  }
  free(ref);
  tl_rmdir(dir);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(foreign_databases_are_refused_untouched),
      cmocka_unit_test(read_only_open_never_creates),
      cmocka_unit_test(older_wattdb_database_is_adopted),
      cmocka_unit_test(database_is_left_readable_without_write_access),
      cmocka_unit_test(unchanged_inputs_leave_the_database_untouched),
      cmocka_unit_test(two_ingests_on_a_new_database_both_succeed),
  };
  return cmocka_run_group_tests_name("database_guard", tests, NULL, NULL);
}
