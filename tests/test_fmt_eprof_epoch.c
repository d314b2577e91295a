/* tests/test_fmt_eprof_epoch.c: epoch_end-T.csv (ingest/fmt_eprof_epoch.c): end
 * times with 6, 3 and no fractional digits, CRLF and LF. */
#include "tests/testlib.h"
#include "tests/ingest_checks.h"

#include "ingest/values.h"

IC_SUITE_FIXTURE(t)

/* epoch_end-20221205T095541.csv exists for the Keras callback's file: str(datetime)
 * gives 6 fractional digits, and none at all for epoch 1 (a whole second); CRLF.
 * 3 epochs, 0-based. */
static void six_and_zero_fraction_digits_crlf(void **state) {
  (void)state;
  ic_ingest(&t.db, IC_FIXTURES "/raw/cloud/mobilenet_v2/chesslive-occupancy/epoch_end-20221205T095541.csv",
            NULL);
  assert_string_equal(tl_text(&t.db, "SELECT format||' '||status||' '||time_convention FROM source_file"),
                      "eprof-epoch ok naive-local");
  assert_int_equal(tl_int(&t.db, "SELECT count(*) FROM eprof_epoch_end"), 3);
  assert_int_equal(tl_int(&t.db, "SELECT end_us FROM eprof_epoch_end WHERE epoch=0"),
                   value_civil_us(2022, 12, 5, 9, 56, 30, 839797));
  assert_int_equal(tl_int(&t.db, "SELECT end_us FROM eprof_epoch_end WHERE epoch=1"),
                   value_civil_us(2022, 12, 5, 9, 57, 15, 0));
  assert_int_equal(tl_int(&t.db, "SELECT end_us FROM eprof_epoch_end WHERE epoch=2"),
                   value_civil_us(2022, 12, 5, 9, 58, 1, 312));
  assert_string_equal(tl_text(&t.db, "SELECT group_concat(epoch||'@'||line) FROM "
                                     "(SELECT * FROM eprof_epoch_end ORDER BY line)"),
                      "0@2,1@3,2@4");
}

/* epoch_end-20231218T205204.csv exists for the file rebuilt from MLflow by
 * pandas: 3 fractional digits (milliseconds), LF. */
static void three_fraction_digits_lf(void **state) {
  (void)state;
  ic_ingest(&t.db, IC_FIXTURES "/raw/local/vgg16/caltech101/epoch_end-20231218T205204.csv", NULL);
  assert_int_equal(tl_int(&t.db, "SELECT count(*) FROM eprof_epoch_end"), 2);
  assert_int_equal(tl_int(&t.db, "SELECT end_us FROM eprof_epoch_end WHERE epoch=0"),
                   value_civil_us(2023, 12, 18, 20, 53, 0, 125000));
  assert_int_equal(tl_int(&t.db, "SELECT end_us FROM eprof_epoch_end WHERE epoch=1"),
                   value_civil_us(2023, 12, 18, 20, 54, 0, 250000));
  /* paired with the run's other files by the stamp */
  assert_string_equal(tl_text(&t.db, "SELECT stamp FROM run r JOIN source_file f ON f.run_id=r.id"),
                      "20231218T205204");
}

/* End times that do not exist (Feb 31, 25:61:99) or before 1970 reject their
 * line ('bad_time'); the other epochs are kept. */
static void end_time_out_of_range_is_rejected(void **state) {
  (void)state;
  char dir[256];
  snprintf(dir, sizeof dir, "%s/in", t.dir);
  mkdir(dir, 0755);
  tl_write_str(dir, "epoch_end-20240101T000000.csv",
               "epoch,end_time\n"
               "0,2023-02-31 20:52:30.839797\n"
               "1,2023-12-18 25:61:99\n"
               "2,1969-12-31 23:59:59\n"
               "3,2023-12-18 20:52:30.839797\n");
  ic_ingest(&t.db, dir, NULL);
  assert_string_equal(tl_text(&t.db, "SELECT group_concat(line||':'||col||':'||reason, ' ') FROM (SELECT * "
                                     "FROM rejected_row ORDER BY line)"),
                      "2:2:bad_time 3:2:bad_time 4:2:bad_time");
  assert_int_equal(tl_int(&t.db, "SELECT end_us FROM eprof_epoch_end"),
                   value_civil_us(2023, 12, 18, 20, 52, 30, 839797));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(six_and_zero_fraction_digits_crlf, setup, teardown),
      cmocka_unit_test_setup_teardown(three_fraction_digits_lf, setup, teardown),
      cmocka_unit_test_setup_teardown(end_time_out_of_range_is_rejected, setup, teardown),
  };
  return cmocka_run_group_tests_name("fmt_eprof_epoch", tests, NULL, NULL);
}
