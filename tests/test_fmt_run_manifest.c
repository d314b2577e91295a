/* tests/test_fmt_run_manifest.c: runs.csv (ingest/fmt_run_manifest.c), run
 * metadata written by people: columns by name, empty cells, and a header that
 * lacks a required column. */
#include "tests/testlib.h"
#include "tests/ingest_checks.h"

IC_SUITE_FIXTURE(t)

/* runs.csv exists for a hand-made manifest: a subset of the columns, an empty
 * image_size and an empty last cell (NULL), and a last line without newline
 * (a person's editor): kept whole. 2 runs. */
static void runs_csv(void **state) {
  (void)state;
  ic_ingest(&t.db, IC_FIXTURES "/runs.csv", NULL);
  assert_string_equal(tl_text(&t.db, "SELECT format||' '||status FROM source_file"), "run-manifest ok");
  assert_int_equal(tl_int(&t.db, "SELECT count(*) FROM run_manifest"), 2);
  assert_string_equal(tl_text(&t.db, "SELECT environment||'/'||architecture||'/'||dataset||'/'||stamp||' '||"
                                     "batch_size||' '||image_size FROM run_manifest WHERE line=2"),
                      "cloud/mobilenet_v2/chesslive-occupancy/20221205T095541 32 128");
  assert_true(tl_real(&t.db, "SELECT gflops FROM run_manifest WHERE line=2") == 0.064028);
  assert_true(tl_real(&t.db, "SELECT accuracy FROM run_manifest WHERE line=2") == 0.9756);
  assert_true(tl_real(&t.db, "SELECT gflops FROM run_manifest WHERE line=3") == 15.47);
  assert_int_equal(tl_int(&t.db, "SELECT image_size IS NULL AND accuracy IS NULL AND train_size IS NULL "
                                 "FROM run_manifest WHERE line=3"),
                   1);
}

/* runs-missing-stamp.csv exists for a header without the required 'stamp'
 * (it says stamp_utc): the whole file is rejected with the reason, no row of
 * it is stored, and it is not counted as rejected lines of a stored file. */
static void header_missing_required_column(void **state) {
  (void)state;
  struct ingest_stats st = ic_ingest(&t.db, IC_FIXTURES "/runs-missing-stamp.csv", NULL);
  assert_int_equal(st.rejected_files, 1);
  assert_int_equal(st.read, 0);
  assert_string_equal(tl_text(&t.db, "SELECT status||': '||error FROM source_file"),
                      "rejected: header has no column 'stamp'");
  assert_int_equal(tl_int(&t.db, "SELECT count(*) FROM run_manifest"), 0);
  assert_int_equal(tl_int(&t.db, "SELECT count(*) FROM rejected_row"), 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(runs_csv, setup, teardown),
      cmocka_unit_test_setup_teardown(header_missing_required_column, setup, teardown),
  };
  return cmocka_run_group_tests_name("fmt_run_manifest", tests, NULL, NULL);
}
