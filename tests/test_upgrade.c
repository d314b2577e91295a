/* tests/test_upgrade.c: a database made by an earlier release opens, upgrades
 * and transforms with this one, losing nothing.
 *
 * tests/fixtures/upgrade/schema-18.sql is the dump of a database the release
 * at schema version 18 built from several fixture folders (its README says
 * how). The test loads it, takes every relation's content hash (schema/canon.h,
 * what `wattdb status --hash` prints), opens it with wdb_open, which applies
 * the newer schema files, and checks that every relation it had holds the same
 * rows; then runs a full transform and checks the same again: the tables the
 * newer schema now creates (source_*) kept their rows and shape, and the
 * current transform computes, from the raw rows, exactly what the earlier one
 * stored. */
#include "tests/testlib.h"
#include "tests/ingest_checks.h"

#include "schema/canon.h"
#include "transform/transform.h"

#define DUMP "tests/fixtures/upgrade/schema-18.sql"
#define MAX_RELATIONS 256

struct hashes {
  int n;
  char name[MAX_RELATIONS][64];
  char hex[MAX_RELATIONS][65];
  long long rows[MAX_RELATIONS];
};

static void hash_all(struct wdb *db, struct hashes *h) {
  sqlite3_stmt *st;
  assert_int_equal(sqlite3_prepare_v2(db->sql,
                                      "SELECT name FROM sqlite_schema WHERE type IN ('table', 'view') ORDER BY name",
                                      -1, &st, NULL),
                   SQLITE_OK);
  h->n = 0;
  while (sqlite3_step(st) == SQLITE_ROW) {
    const char *name = (const char *)sqlite3_column_text(st, 0);
    if (!canon_relation(name)) continue;
    assert_true(h->n < MAX_RELATIONS);
    snprintf(h->name[h->n], sizeof h->name[h->n], "%s", name);
    struct canon c;
    assert_int_equal(canon_build(db, "main", name, &c), 0);
    assert_int_equal(canon_hash(db, &c, h->hex[h->n], &h->rows[h->n]), 0);
    canon_free(&c);
    h->n++;
  }
  sqlite3_finalize(st);
}

/* Every relation of BEFORE is in AFTER with the same rows. */
static void same_relations(const struct hashes *before, const struct hashes *after, const char *when) {
  for (int i = 0; i < before->n; i++) {
    int j = 0;
    while (j < after->n && strcmp(after->name[j], before->name[i]) != 0) j++;
    if (j == after->n) fail_msg("%s: %s is gone", when, before->name[i]);
    if (strcmp(before->hex[i], after->hex[j]) != 0)
      fail_msg("%s: %s differs (%lld rows before, %lld after)", when, before->name[i], before->rows[i],
               after->rows[j]);
  }
}

static void database_of_schema_18_upgrades_keeping_its_rows(void **state) {
  (void)state;
  char *dir = tl_mkdtemp();
  char path[1024];
  snprintf(path, sizeof path, "%s/old.db", dir);
  size_t n;
  char *dump = ic_slurp(DUMP, &n);
  sqlite3 *raw;
  assert_int_equal(sqlite3_open(path, &raw), SQLITE_OK);
  char *err = NULL;
  if (sqlite3_exec(raw, dump, NULL, NULL, &err) != SQLITE_OK) fail_msg("%s: %s", DUMP, err);
  sqlite3_close(raw);
  free(dump);

  struct wdb db;
  assert_int_equal(wdb_open_readonly(&db, path), 0);
  assert_int_equal(tl_int(&db, "PRAGMA user_version"), 18);
  /* the dump is of a transformed database with rows in the moved tables */
  assert_true(tl_int(&db, "SELECT count(*) FROM source_energy") > 0);
  assert_true(tl_int(&db, "SELECT count(*) FROM source_powermetrics_sample") > 0);
  assert_true(tl_int(&db, "SELECT count(*) FROM source_aipowermeter_interval") > 0);
  assert_true(tl_int(&db, "SELECT count(*) FROM processed_epoch") > 0);
  static struct hashes before, opened, transformed;
  hash_all(&db, &before);
  wdb_close(&db);

  tl_open(&db, dir, "old.db");
  assert_true(tl_int(&db, "PRAGMA user_version") > 18);
  assert_string_equal(tl_text(&db, "PRAGMA integrity_check"), "ok");
  hash_all(&db, &opened);
  same_relations(&before, &opened, "after the upgrade");

  struct transform_options opt = {.profiles = TF_ALL, .full = 1};
  struct transform_stats st;
  msg_quiet = 1;
  assert_int_equal(transform_run(&db, &opt, &st), 0);
  msg_quiet = 0;
  assert_true(st.runs > 0 && st.rebuilt > 0);
  hash_all(&db, &transformed);
  same_relations(&before, &transformed, "after the upgrade and a full transform");
  /* and what the upgrade made (the segments cut from interim_sample's rows)
   * is what the transform makes */
  same_relations(&opened, &transformed, "after the upgrade, then a full transform");
  tl_close(&db);
  tl_rmdir(dir);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(database_of_schema_18_upgrades_keeping_its_rows),
  };
  return cmocka_run_group_tests_name("upgrade", tests, NULL, NULL);
}
