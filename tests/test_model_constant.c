/* tests/test_model_constant.c: the table model_constant holds the constants of
 * schema/model.h, as the SQL of the transform and the views read them: a new
 * database has each with the header's value, a row changed by hand is put
 * back by the next writable open, a read-only open writes nothing, and the
 * view model shows each as a column. */
#include "tests/testlib.h"

#include "schema/model.h"

static const struct {
  const char *name;
  double value;
} constants[] = {
#define CONSTANT(name, value, unit, meaning) {name, value},
    MODEL_CONSTANTS(CONSTANT)
#undef CONSTANT
};
enum { N = sizeof constants / sizeof *constants };

static void every_constant_has_its_row(struct wdb *db) {
  assert_int_equal(tl_int(db, "SELECT count(*) FROM model_constant"), N);
  for (int i = 0; i < N; i++) {
    if (tl_int(db, "SELECT count(*) FROM model_constant WHERE name = '%s'", constants[i].name) != 1)
      fail_msg("model_constant has no row %s", constants[i].name);
    double v = tl_real(db, "SELECT value FROM model_constant WHERE name = '%s'", constants[i].name);
    if (v != constants[i].value) fail_msg("model_constant %s is %.17g, not %.17g", constants[i].name, v, constants[i].value);
    double col = tl_real(db, "SELECT %s FROM model", constants[i].name);
    if (col != constants[i].value) fail_msg("view model's %s is %.17g, not %.17g", constants[i].name, col, constants[i].value);
  }
}

static void new_database_has_the_model(void **state) {
  (void)state;
  char *dir = tl_mkdtemp();
  struct wdb db;
  tl_open(&db, dir, "t.db");
  every_constant_has_its_row(&db);
  assert_true(tl_real(&db, "SELECT ram_w_per_mb FROM model") == MODEL_RAM_W_PER_MB);
  tl_close(&db);
  tl_rmdir(dir);
}

static void edited_row_is_put_back_by_a_writable_open(void **state) {
  (void)state;
  char *dir = tl_mkdtemp();
  struct wdb db;
  tl_open(&db, dir, "t.db");
  assert_int_equal(sqlite3_exec(db.sql,
                                "UPDATE model_constant SET value = 1 WHERE name = 'ram_w_per_mb';"
                                "DELETE FROM model_constant WHERE name = 'gap_periods';"
                                "INSERT INTO model_constant VALUES ('stale', 1, 'x', 'from another release');",
                                NULL, NULL, NULL),
                   SQLITE_OK);
  tl_close(&db);

  char path[1024];
  snprintf(path, sizeof path, "%s/t.db", dir);
  assert_int_equal(wdb_open_readonly(&db, path), 0);
  assert_int_equal(tl_int(&db, "SELECT value FROM model_constant WHERE name = 'ram_w_per_mb'"), 1);
  wdb_close(&db);

  tl_open(&db, dir, "t.db");
  every_constant_has_its_row(&db);
  tl_close(&db);
  tl_rmdir(dir);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(new_database_has_the_model),
      cmocka_unit_test(edited_row_is_put_back_by_a_writable_open),
  };
  return cmocka_run_group_tests_name("model_constant", tests, NULL, NULL);
}
