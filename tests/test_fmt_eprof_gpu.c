/* tests/test_fmt_eprof_gpu.c: gpu-power-T.csv (ingest/fmt_eprof_gpu.c), one
 * fixture per quirk under tests/fixtures/eprof/raw/. Each test ingests one file
 * into a fresh database and checks the stored rows, the rejected lines and the
 * line accounting. Counts in comments are read off the fixture by hand. */
#include "tests/testlib.h"
#include "tests/ingest_checks.h"

#include "ingest/values.h"

#define CLOUD IC_FIXTURES "/raw/cloud/mobilenet_v2/chesslive-occupancy/"
#define LOCAL IC_FIXTURES "/raw/local/vgg16/caltech101/"

IC_SUITE_FIXTURE(t)

/* gpu-power-20221205T095541.csv exists for the normalized header (the one the
 * replication package's cloud runs have), ISO-dash timestamps and full decimals:
 * 119.17 W must stay 119.17, not the 119 the replication package kept. 3 data lines. */
static void normalized_header_full_decimals(void **state) {
  (void)state;
  ic_ingest(&t.db, CLOUD "gpu-power-20221205T095541.csv", NULL);
  long long f = ic_file(&t.db, "gpu-power-20221205T095541.csv");
  assert_string_equal(tl_text(&t.db, "SELECT status FROM source_file WHERE id=%lld", f), "ok");
  assert_string_equal(tl_text(&t.db, "SELECT format FROM source_file WHERE id=%lld", f), "eprof-gpu");
  assert_string_equal(tl_text(&t.db, "SELECT format_version FROM source_file WHERE id=%lld", f),
                      "normalized");
  assert_string_equal(tl_text(&t.db, "SELECT time_convention FROM source_file WHERE id=%lld", f),
                      "naive-local");
  assert_int_equal(tl_int(&t.db, "SELECT rows_ok FROM source_file WHERE id=%lld", f), 3);
  assert_true(tl_real(&t.db, "SELECT power_w FROM eprof_gpu_sample WHERE line=2") == 119.17);
  assert_true(tl_real(&t.db, "SELECT power_w FROM eprof_gpu_sample WHERE line=3") == 115.05);
  assert_true(tl_real(&t.db, "SELECT power_w FROM eprof_gpu_sample WHERE line=4") == 301.8);
  assert_true(tl_real(&t.db, "SELECT power_limit_w FROM eprof_gpu_sample WHERE line=2") == 350.0);
  assert_true(tl_real(&t.db, "SELECT mem_total_mib FROM eprof_gpu_sample WHERE line=2") == 24268);
  assert_true(tl_real(&t.db, "SELECT mem_used_mib FROM eprof_gpu_sample WHERE line=3") == 23657);
  assert_true(tl_real(&t.db, "SELECT gpu_util_pct FROM eprof_gpu_sample WHERE line=4") == 98);
  assert_true(tl_real(&t.db, "SELECT mem_util_pct FROM eprof_gpu_sample WHERE line=4") == 41);
  assert_true(tl_real(&t.db, "SELECT temp_c FROM eprof_gpu_sample WHERE line=4") == 58);
  assert_string_equal(tl_text(&t.db, "SELECT gpu_name FROM eprof_gpu_sample WHERE line=2"),
                      "NVIDIA GeForce RTX 3090");
  assert_int_equal(tl_int(&t.db, "SELECT ts_us FROM eprof_gpu_sample WHERE line=2"),
                   value_civil_us(2022, 12, 5, 9, 55, 42, 535000));
  /* the run key comes from raw/{env}/{arch}/{dataset}/ and the stamp */
  assert_string_equal(tl_text(&t.db, "SELECT environment||'/'||architecture||'/'||dataset||'/'||stamp "
                                     "FROM run r JOIN source_file f ON f.run_id = r.id WHERE f.id=%lld",
                              f),
                      "cloud/mobilenet_v2/chesslive-occupancy/20221205T095541");
}

/* gpu-power-20231218T205204.csv exists for the native nvidia-smi header (units
 * in the names, `, ` separators, unit suffixes on values), slash timestamps,
 * and a torn last line: the logger was killed mid-write, so line 4 is rejected
 * as 'truncated' and never stored. 2 good data lines. */
static void native_header_units_and_torn_tail(void **state) {
  (void)state;
  ic_ingest(&t.db, LOCAL "gpu-power-20231218T205204.csv", NULL);
  long long f = ic_file(&t.db, "gpu-power-20231218T205204.csv");
  assert_string_equal(tl_text(&t.db, "SELECT format_version FROM source_file WHERE id=%lld", f), "native");
  assert_string_equal(tl_text(&t.db, "SELECT status FROM source_file WHERE id=%lld", f), "partial");
  assert_int_equal(tl_int(&t.db, "SELECT lines FROM source_file WHERE id=%lld", f), 4);
  assert_int_equal(tl_int(&t.db, "SELECT count(*) FROM eprof_gpu_sample"), 2);
  assert_int_equal(tl_int(&t.db, "SELECT count(*) FROM eprof_gpu_sample WHERE line=4"), 0);
  assert_string_equal(tl_text(&t.db, "SELECT reason FROM rejected_row WHERE file_id=%lld AND line=4", f),
                      "truncated");
  assert_string_equal(tl_text(&t.db, "SELECT raw FROM rejected_row WHERE line=4"),
                      "2023/12/18 20:52:09.475, NVIDIA GeForce RTX 3090, 9");
  assert_true(tl_real(&t.db, "SELECT power_w FROM eprof_gpu_sample WHERE line=2") == 111.62);
  assert_true(tl_real(&t.db, "SELECT power_w FROM eprof_gpu_sample WHERE line=3") == 287.35);
  assert_true(tl_real(&t.db, "SELECT mem_used_mib FROM eprof_gpu_sample WHERE line=3") == 22724);
  assert_true(tl_real(&t.db, "SELECT gpu_util_pct FROM eprof_gpu_sample WHERE line=3") == 93);
  assert_int_equal(tl_int(&t.db, "SELECT ts_us FROM eprof_gpu_sample WHERE line=2"),
                   value_civil_us(2023, 12, 18, 20, 52, 7, 470000));
  assert_string_equal(tl_text(&t.db, "SELECT gpu_name FROM eprof_gpu_sample WHERE line=2"),
                      "NVIDIA GeForce RTX 3090");
}

/* gpu-power-20231218T210000.csv exists for the three nvidia-smi sentinels, one
 * per column kind: the row is kept, the value is NULL, the text is in
 * unparsed_value with its line and column. 2 data lines, none rejected. */
static void sentinels_are_null_with_text_kept(void **state) {
  (void)state;
  ic_ingest(&t.db, LOCAL "gpu-power-20231218T210000.csv", NULL);
  long long f = ic_file(&t.db, "gpu-power-20231218T210000.csv");
  assert_string_equal(tl_text(&t.db, "SELECT status FROM source_file WHERE id=%lld", f), "ok");
  assert_int_equal(tl_int(&t.db, "SELECT count(*) FROM eprof_gpu_sample"), 2);
  assert_int_equal(tl_int(&t.db, "SELECT power_w IS NULL FROM eprof_gpu_sample WHERE line=2"), 1);
  assert_int_equal(tl_int(&t.db, "SELECT mem_util_pct IS NULL FROM eprof_gpu_sample WHERE line=3"), 1);
  assert_int_equal(tl_int(&t.db, "SELECT temp_c IS NULL FROM eprof_gpu_sample WHERE line=3"), 1);
  assert_true(tl_real(&t.db, "SELECT power_w FROM eprof_gpu_sample WHERE line=3") == 200.5);
  assert_string_equal(tl_text(&t.db, "SELECT name||'@'||col||'='||text FROM unparsed_value WHERE line=2"),
                      "power_w@7=[N/A]");
  assert_string_equal(
      tl_text(&t.db, "SELECT name||'@'||col||'='||text FROM unparsed_value WHERE line=3 AND col=4"),
      "mem_util_pct@4=[Not Supported]");
  assert_string_equal(
      tl_text(&t.db, "SELECT name||'@'||col||'='||text FROM unparsed_value WHERE line=3 AND col=9"),
      "temp_c@9=[Unknown Error]");
  assert_int_equal(tl_int(&t.db, "SELECT count(*) FROM unparsed_value"), 3);
}

/* gpu-power-20231218T211000.csv exists for a malformed reading ('[N/A' without
 * its bracket) on line 3, field 7: that line alone is rejected with its line,
 * column and message; lines 2 and 4 are stored. */
static void bad_number_rejected_with_line_and_column(void **state) {
  (void)state;
  ic_ingest(&t.db, LOCAL "gpu-power-20231218T211000.csv", NULL);
  long long f = ic_file(&t.db, "gpu-power-20231218T211000.csv");
  assert_string_equal(tl_text(&t.db, "SELECT status FROM source_file WHERE id=%lld", f), "partial");
  assert_int_equal(tl_int(&t.db, "SELECT rows_ok FROM source_file WHERE id=%lld", f), 2);
  assert_int_equal(tl_int(&t.db, "SELECT rows_rejected FROM source_file WHERE id=%lld", f), 1);
  assert_string_equal(tl_text(&t.db, "SELECT line||':'||col||':'||reason FROM rejected_row"),
                      "3:7:bad_number");
  assert_string_equal(tl_text(&t.db, "SELECT message FROM rejected_row"), "cannot parse '[N/A' as watts");
  assert_string_equal(tl_text(&t.db, "SELECT error FROM source_file WHERE id=%lld", f),
                      "line 3: cannot parse '[N/A' as watts");
  assert_string_equal(
      tl_text(&t.db, "SELECT group_concat(line) FROM (SELECT line FROM eprof_gpu_sample ORDER BY 1)"), "2,4");
}

/* gpu-power-20231218T212000.csv exists for a line with a field missing (8 of 9):
 * rejected as field_count for the whole line (column 0); line 3 is stored. */
static void wrong_field_count(void **state) {
  (void)state;
  ic_ingest(&t.db, LOCAL "gpu-power-20231218T212000.csv", NULL);
  assert_string_equal(tl_text(&t.db, "SELECT line||':'||col||':'||reason||':'||message FROM rejected_row"),
                      "2:0:field_count:expected 9 fields, found 8");
  assert_string_equal(tl_text(&t.db, "SELECT group_concat(line) FROM eprof_gpu_sample"), "3");
}

/* gpu-power-20231218T213000.csv exists because a logger restarted with `>>`
 * writes its header again mid-file: line 3 is skipped, not rejected. */
static void header_repeated_mid_file(void **state) {
  (void)state;
  ic_ingest(&t.db, LOCAL "gpu-power-20231218T213000.csv", NULL);
  long long f = ic_file(&t.db, "gpu-power-20231218T213000.csv");
  assert_string_equal(tl_text(&t.db, "SELECT status FROM source_file WHERE id=%lld", f), "ok");
  assert_int_equal(tl_int(&t.db, "SELECT skipped_lines FROM source_file WHERE id=%lld", f), 2);
  assert_string_equal(tl_text(&t.db, "SELECT group_concat(line) FROM (SELECT line FROM eprof_gpu_sample ORDER BY 1)"),
                      "2,4");
}

/* gpu-power-20231218T214000.csv exists for a UTF-8 byte order mark before the
 * header (a file saved by an editor): still recognised, header still mapped. */
static void utf8_bom(void **state) {
  (void)state;
  ic_ingest(&t.db, LOCAL "gpu-power-20231218T214000.csv", NULL);
  long long f = ic_file(&t.db, "gpu-power-20231218T214000.csv");
  assert_string_equal(tl_text(&t.db, "SELECT format FROM source_file WHERE id=%lld", f), "eprof-gpu");
  assert_string_equal(tl_text(&t.db, "SELECT status FROM source_file WHERE id=%lld", f), "ok");
  assert_true(tl_real(&t.db, "SELECT power_w FROM eprof_gpu_sample WHERE line=2") == 99.99);
  assert_int_equal(tl_int(&t.db, "SELECT ts_us FROM eprof_gpu_sample WHERE line=2"),
                   value_civil_us(2023, 12, 18, 21, 40, 1, 0));
}

/* raw/local/resnet50/gpu-power-20221101T101010.csv exists for the older
 * 2-level layout raw/{env}/{arch}/ without a dataset folder: the run has
 * dataset ''. */
static void two_level_layout(void **state) {
  (void)state;
  ic_ingest(&t.db, IC_FIXTURES "/raw/local/resnet50/gpu-power-20221101T101010.csv", NULL);
  assert_string_equal(tl_text(&t.db, "SELECT environment||'/'||architecture||'/'||dataset||'/'||stamp "
                                     "FROM run r JOIN source_file f ON f.run_id = r.id"),
                      "local/resnet50//20221101T101010");
  assert_true(tl_real(&t.db, "SELECT power_w FROM eprof_gpu_sample") == 150.5);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(normalized_header_full_decimals, setup, teardown),
      cmocka_unit_test_setup_teardown(native_header_units_and_torn_tail, setup, teardown),
      cmocka_unit_test_setup_teardown(sentinels_are_null_with_text_kept, setup, teardown),
      cmocka_unit_test_setup_teardown(bad_number_rejected_with_line_and_column, setup, teardown),
      cmocka_unit_test_setup_teardown(wrong_field_count, setup, teardown),
      cmocka_unit_test_setup_teardown(header_repeated_mid_file, setup, teardown),
      cmocka_unit_test_setup_teardown(utf8_bom, setup, teardown),
      cmocka_unit_test_setup_teardown(two_level_layout, setup, teardown),
  };
  return cmocka_run_group_tests_name("fmt_eprof_gpu", tests, NULL, NULL);
}
