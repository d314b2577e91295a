/* tests/test_formulas.c: transform/formulas.c names every column of v_run, in
 * v_run's order, and no other: a column added to v_run without words for
 * `wattdb explain`, or words left for a column gone, fails here. */
#include "tests/testlib.h"

#include "transform/formulas.h"

static void every_column_has_its_words(void **state) {
  (void)state;
  char *dir = tl_mkdtemp();
  struct wdb db;
  tl_open(&db, dir, "t.db");
  sqlite3_stmt *st;
  assert_int_equal(sqlite3_prepare_v2(db.sql, "SELECT name FROM pragma_table_info('v_run') ORDER BY cid", -1, &st,
                                      NULL),
                   SQLITE_OK);
  const struct formula *f = run_formulas;
  int n = 0;
  while (sqlite3_step(st) == SQLITE_ROW) {
    const char *col = (const char *)sqlite3_column_text(st, 0);
    if (!f->column) fail_msg("v_run column %s has no entry in transform/formulas.c", col);
    if (strcmp(f->column, col) != 0)
      fail_msg("v_run column %d is %s, transform/formulas.c says %s", n + 1, col, f->column);
    assert_non_null(f->gaissa);
    assert_ptr_equal(formula_for(col), f);
    f++;
    n++;
  }
  sqlite3_finalize(st);
  if (f->column) fail_msg("transform/formulas.c names %s, which v_run does not have", f->column);
  assert_true(n > 40);
  assert_null(formula_for("no_such_column"));
  tl_close(&db);
  tl_rmdir(dir);
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(every_column_has_its_words)};
  return cmocka_run_group_tests_name("formulas", tests, NULL, NULL);
}
