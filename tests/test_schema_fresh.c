/* tests/test_schema_fresh.c: a new database is made from schema_fresh (the
 * schema the schema files leave, schema/gen_fresh.c) in one transaction, an
 * older one by the files it lacks; both must end the same, each with its own
 * origin row. */
#include "tests/testlib.h"
#include "tests/ingest_checks.h"

#include "schema/embedded.h"

/* t.db: a new database, made before each test */
IC_SUITE_FIXTURE(t)

static int schema_files(void) {
  int n = 0;
  while (schema_sql[n].name) n++;
  return n;
}

/* Makes DIR/NAME a database of the first N schema files, as a wattdb of
 * schema N left it (without the rows wdb_open makes). */
static void make_old(const char *name, int n) {
  char path[600];
  snprintf(path, sizeof path, "%s/%s", t.dir, name);
  sqlite3 *old;
  assert_int_equal(sqlite3_open(path, &old), SQLITE_OK);
  for (int i = 0; i < n; i++)
    if (sqlite3_exec(old, schema_sql[i].text, NULL, NULL, NULL) != SQLITE_OK)
      fail_msg("schema/%s: %s", schema_sql[i].name, sqlite3_errmsg(old));
  char *bump = sqlite3_mprintf("PRAGMA user_version = %d; PRAGMA application_id = %d", n, WDB_APPLICATION_ID);
  assert_int_equal(sqlite3_exec(old, bump, NULL, NULL, NULL), SQLITE_OK);
  sqlite3_free(bump);
  sqlite3_close(old);
}

/* Whether ID looks like the version-4 UUID schema/016_origin.sql describes. */
static int is_uuid4(const char *id) {
  if (strlen(id) != 36) return 0;
  for (int i = 0; i < 36; i++) {
    int dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? id[i] != '-' : !strchr("0123456789abcdef", id[i])) return 0;
  }
  return id[14] == '4' && strchr("89ab", id[19]) != NULL;
}

/* A new database and one made by the first schema file then brought up to
 * date file by file: the same tables, indexes and views, to the text; the
 * same version and owner; the same rows (the model's constants), but each
 * its own origin. */
static void new_database_equals_one_made_file_by_file(void **state) {
  (void)state;
  make_old("by_files.db", 1);
  struct wdb by_files;
  tl_open(&by_files, t.dir, "by_files.db");
  tl_close(&by_files);
  struct wdb *fresh = &t.db;
  assert_int_equal(tl_int(fresh, "ATTACH '%q/by_files.db' AS b", t.dir), -1);

  const char *mine = "SELECT type, name, tbl_name, sql FROM main.sqlite_schema",
             *theirs = "SELECT type, name, tbl_name, sql FROM b.sqlite_schema";
  assert_true(tl_int(fresh, "SELECT count(*) FROM main.sqlite_schema WHERE type = 'view'") > 10);
  assert_true(tl_int(fresh, "SELECT count(*) FROM main.sqlite_schema WHERE type = 'table'") > 50);
  assert_int_equal(tl_differing(fresh, mine, theirs), 0);
  assert_int_equal(tl_int(fresh, "SELECT user_version FROM main.pragma_user_version"), schema_files());
  assert_int_equal(tl_int(fresh, "SELECT application_id FROM main.pragma_application_id"), WDB_APPLICATION_ID);
  assert_int_equal(tl_int(fresh, "SELECT user_version FROM b.pragma_user_version"), schema_files());
  assert_int_equal(tl_int(fresh, "PRAGMA main.page_size"), 16384);

  /* every table: as many rows in both, the same ones but for origin */
  sqlite3_stmt *tables = NULL;
  assert_int_equal(sqlite3_prepare_v2(fresh->sql,
                                      "SELECT name FROM main.sqlite_schema WHERE type = 'table'"
                                      " AND substr(name, 1, 7) <> 'sqlite_'",
                                      -1, &tables, NULL),
                   SQLITE_OK);
  int checked = 0;
  while (sqlite3_step(tables) == SQLITE_ROW) {
    char name[128];
    snprintf(name, sizeof name, "%s", (const char *)sqlite3_column_text(tables, 0));
    long long here = tl_int(fresh, "SELECT count(*) FROM main.\"%w\"", name),
              there = tl_int(fresh, "SELECT count(*) FROM b.\"%w\"", name);
    if (here != there) fail_msg("table %s: %lld rows in a new database, %lld file by file", name, here, there);
    if (strcmp(name, "origin") != 0) {
      char a[200], b[200];
      snprintf(a, sizeof a, "SELECT * FROM main.\"%s\"", name);
      snprintf(b, sizeof b, "SELECT * FROM b.\"%s\"", name);
      assert_int_equal(tl_differing(fresh, a, b), 0);
    }
    checked++;
  }
  sqlite3_finalize(tables);
  assert_true(checked > 50);
  assert_true(tl_int(fresh, "SELECT count(*) FROM model_constant") > 0);
  assert_int_equal(tl_int(fresh, "SELECT count(*) FROM main.origin"), 1);
  assert_int_equal(tl_int(fresh, "SELECT (SELECT id FROM main.origin) = (SELECT id FROM b.origin)"), 0);
  assert_int_equal(tl_int(fresh, "DETACH b"), -1);
}

/* Every new database gets an origin of its own, kept when it is opened again. */
static void every_new_database_gets_its_own_origin(void **state) {
  (void)state;
  char first[64];
  struct wdb a, b;
  tl_open(&a, t.dir, "a.db");
  snprintf(first, sizeof first, "%s", tl_text(&a, "SELECT id FROM origin"));
  assert_true(is_uuid4(first));
  assert_int_equal(strlen(tl_text(&a, "SELECT created_at FROM origin")), 20);
  tl_close(&a);
  tl_open(&b, t.dir, "b.db");
  assert_true(is_uuid4(tl_text(&b, "SELECT id FROM origin")));
  assert_string_not_equal(tl_text(&b, "SELECT id FROM origin"), first);
  tl_close(&b);
  tl_open(&a, t.dir, "a.db");
  assert_string_equal(tl_text(&a, "SELECT id FROM origin"), first);
  assert_int_equal(tl_int(&a, "SELECT count(*) FROM origin"), 1);
  tl_close(&a);
}

/* A database of schema 15, before the origin table: brought up to date, it
 * gets the table and one origin row; one of schema 16 with its row keeps it. */
static void an_older_database_gets_its_origin_once(void **state) {
  (void)state;
  int origin_file = 0;
  while (schema_sql[origin_file].name && strcmp(schema_sql[origin_file].name, "016_origin.sql") != 0)
    origin_file++;
  assert_non_null(schema_sql[origin_file].name);
  make_old("s15.db", origin_file);
  struct wdb db;
  tl_open(&db, t.dir, "s15.db");
  assert_int_equal(tl_int(&db, "PRAGMA user_version"), schema_files());
  assert_int_equal(tl_int(&db, "SELECT count(*) FROM origin"), 1);
  assert_true(is_uuid4(tl_text(&db, "SELECT id FROM origin")));
  tl_close(&db);

  make_old("s16.db", origin_file + 1);
  char path[600];
  snprintf(path, sizeof path, "%s/s16.db", t.dir);
  sqlite3 *old;
  assert_int_equal(sqlite3_open(path, &old), SQLITE_OK);
  assert_int_equal(sqlite3_exec(old,
                                "INSERT INTO origin VALUES (1, '01234567-89ab-4cde-8f01-23456789abcd',"
                                " '2026-01-01T00:00:00Z')",
                                NULL, NULL, NULL),
                   SQLITE_OK);
  sqlite3_close(old);
  tl_open(&db, t.dir, "s16.db");
  assert_int_equal(tl_int(&db, "PRAGMA user_version"), schema_files());
  assert_string_equal(tl_text(&db, "SELECT id || ' ' || created_at FROM origin"),
                      "01234567-89ab-4cde-8f01-23456789abcd 2026-01-01T00:00:00Z");
  tl_close(&db);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(new_database_equals_one_made_file_by_file, setup, teardown),
      cmocka_unit_test_setup_teardown(every_new_database_gets_its_own_origin, setup, teardown),
      cmocka_unit_test_setup_teardown(an_older_database_gets_its_origin_once, setup, teardown),
  };
  return cmocka_run_group_tests_name("schema_fresh", tests, NULL, NULL);
}
