/* tests/test_known_files.c: the catalog held in memory (ingest/known_files.c):
 * every source_file row is found with its size, mtime, format and parser
 * version; a path not in the catalog is not found; a catalog larger than the
 * most asked for is not loaded; an empty catalog finds nothing. */
#include "tests/testlib.h"

#include "ingest/known_files.h"

#define MANY 5000

/* Fills DB's catalog with N files: path i, size 10 i, mtime 1000 + i, format
 * NULL for every seventh file, parser version i % 4. */
static void fill_catalog(struct wdb *db, int n) {
  assert_int_equal(wdb_exec(db, "BEGIN", "begin"), 0);
  sqlite3_stmt *st = NULL;
  assert_int_equal(sqlite3_prepare_v2(db->sql,
                                      "INSERT INTO source_file(path, size, mtime, format, parser_version, status, ingested_at) "
                                      "VALUES (?1, ?2, ?3, ?4, ?5, 'ok', '2026-12-04T00:00:00Z')",
                                      -1, &st, NULL),
                   SQLITE_OK);
  for (int i = 0; i < n; i++) {
    char path[64];
    snprintf(path, sizeof path, "raw/run-%d/gpu-power.csv", i);
    sqlite3_bind_text(st, 1, path, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 2, 10LL * i);
    sqlite3_bind_int64(st, 3, 1000LL + i);
    if (i % 7)
      sqlite3_bind_text(st, 4, i % 2 ? "eprof-gpu" : "wattmeter", -1, SQLITE_STATIC);
    else
      sqlite3_bind_null(st, 4);
    sqlite3_bind_int(st, 5, i % 4);
    assert_int_equal(sqlite3_step(st), SQLITE_DONE);
    sqlite3_reset(st);
  }
  sqlite3_finalize(st);
  assert_int_equal(wdb_exec(db, "COMMIT", "commit"), 0);
}

static void every_file_is_found_as_stored(void **state) {
  (void)state;
  char *dir = tl_mkdtemp();
  struct wdb db;
  tl_open(&db, dir, "k.db");
  fill_catalog(&db, MANY);
  struct known_files k = {0};
  assert_int_equal(known_files_load(&k, &db, KNOWN_FILES_MAX), 1);
  for (int i = 0; i < MANY; i++) {
    char path[64];
    snprintf(path, sizeof path, "raw/run-%d/gpu-power.csv", i);
    struct known_file f;
    assert_int_equal(known_files_find(&k, path, &f), 1);
    assert_int_equal(f.size, 10LL * i);
    assert_int_equal(f.mtime, 1000LL + i);
    assert_string_equal(f.format, i % 7 ? i % 2 ? "eprof-gpu" : "wattmeter" : "");
    assert_int_equal(f.parser_version, i % 4);
  }
  struct known_file f;
  assert_int_equal(known_files_find(&k, "raw/run-5000/gpu-power.csv", &f), 0);
  assert_int_equal(known_files_find(&k, "raw/run-1/gpu-power.cs", &f), 0);
  assert_int_equal(known_files_find(&k, "", &f), 0);
  known_files_free(&k);
  tl_close(&db);
  tl_rmdir(dir);
}

static void a_catalog_beyond_the_most_is_not_loaded(void **state) {
  (void)state;
  char *dir = tl_mkdtemp();
  struct wdb db;
  tl_open(&db, dir, "k.db");
  fill_catalog(&db, 100);
  struct known_files k = {0};
  assert_int_equal(known_files_load(&k, &db, 99), 0);
  struct known_file f;
  assert_int_equal(known_files_find(&k, "raw/run-0/gpu-power.csv", &f), 0);
  known_files_free(&k);
  assert_int_equal(known_files_load(&k, &db, 100), 1);
  assert_int_equal(known_files_find(&k, "raw/run-99/gpu-power.csv", &f), 1);
  known_files_free(&k);
  tl_close(&db);
  tl_rmdir(dir);
}

static void an_empty_catalog_finds_nothing(void **state) {
  (void)state;
  char *dir = tl_mkdtemp();
  struct wdb db;
  tl_open(&db, dir, "k.db");
  struct known_files k = {0};
  assert_int_equal(known_files_load(&k, &db, KNOWN_FILES_MAX), 1);
  struct known_file f;
  assert_int_equal(known_files_find(&k, "raw/run-0/gpu-power.csv", &f), 0);
  known_files_free(&k);
  tl_close(&db);
  tl_rmdir(dir);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(every_file_is_found_as_stored),
      cmocka_unit_test(a_catalog_beyond_the_most_is_not_loaded),
      cmocka_unit_test(an_empty_catalog_finds_nothing),
  };
  return cmocka_run_group_tests_name("known_files", tests, NULL, NULL);
}
