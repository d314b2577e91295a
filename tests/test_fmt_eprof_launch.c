/* tests/test_fmt_eprof_launch.c: out/oom-experiments*.csv (ingest/fmt_eprof_launch.c),
 * the launcher's manifest of trainings started and their return codes. */
#include "tests/testlib.h"
#include "tests/ingest_checks.h"

#include "ingest/values.h"

#define OOM IC_FIXTURES "/out/oom-experiments_20231215T191342.csv"

IC_SUITE_FIXTURE(t)

/* oom-experiments_20231215T191342.csv exists for the out-of-memory manifest: a
 * run killed with return code -9, second-resolution start times, and a last
 * line without newline, which pandas writes whole (kept, not 'truncated'). */
static void oom_manifest(void **state) {
  (void)state;
  ic_ingest(&t.db, OOM, NULL);
  assert_string_equal(tl_text(&t.db, "SELECT format||' '||status FROM source_file"), "eprof-launch ok");
  assert_int_equal(tl_int(&t.db, "SELECT count(*) FROM rejected_row"), 0);
  assert_int_equal(tl_int(&t.db, "SELECT count(*) FROM eprof_launch"), 2);
  assert_string_equal(tl_text(&t.db, "SELECT architecture||' '||dataset||' '||input_size||' '||batch_size||' '||"
                                     "return_code FROM eprof_launch WHERE line=2"),
                      "inception_v3 stanford_dogs 224 256 -9");
  assert_int_equal(tl_int(&t.db, "SELECT return_code FROM eprof_launch WHERE line=3"), 0);
  assert_int_equal(tl_int(&t.db, "SELECT start_us FROM eprof_launch WHERE line=3"),
                   value_civil_us(2023, 12, 15, 19, 20, 1, 0));
}

/* The replication package keeps the manifests in data/metrics/out/, beside
 * raw/: a stamp in a manifest's name does not make it a run, and the folders
 * data/metrics/out are not an environment, architecture and dataset. */
static void manifest_beside_raw_is_not_a_run(void **state) {
  (void)state;
  size_t n;
  char *text = ic_slurp(OOM, &n);
  tl_write(t.dir, "tree/data/metrics/out/oom-experiments_20231215T191342.csv", text, n);
  free(text);
  char root[1024];
  snprintf(root, sizeof root, "%s/tree", t.dir);
  ic_ingest(&t.db, root, NULL);
  assert_int_equal(tl_int(&t.db, "SELECT count(*) FROM eprof_launch"), 2);
  assert_int_equal(tl_int(&t.db, "SELECT count(*) FROM run"), 0);
  assert_int_equal(tl_int(&t.db, "SELECT count(*) FROM source_file WHERE run_id IS NOT NULL"), 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(oom_manifest, setup, teardown),
      cmocka_unit_test_setup_teardown(manifest_beside_raw_is_not_a_run, setup, teardown),
  };
  return cmocka_run_group_tests_name("fmt_eprof_launch", tests, NULL, NULL);
}
