/* tests/test_fmt_eprof_cpu.c: cpu-mem-usage-T.csv (ingest/fmt_eprof_cpu.c): the
 * 3, 4 and 5 column variants, CRLF and LF, empty temperature, a timestamp
 * without fraction, and a UTF-16LE file. Counts are read off the fixtures. */
#include "tests/testlib.h"
#include "tests/ingest_checks.h"

#include "ingest/values.h"

#define CLOUD IC_FIXTURES "/raw/cloud/mobilenet_v2/chesslive-occupancy/"
#define LOCAL IC_FIXTURES "/raw/local/vgg16/caltech101/"

IC_SUITE_FIXTURE(t)

/* cpu-mem-usage-20221205T095541.csv exists for the Linux 4-column file as
 * Python's csv.writer leaves it (CRLF: the CR must not reach the last value),
 * with line 3 read at a whole second (isoformat() then writes no fraction). */
static void four_columns_crlf_whole_second(void **state) {
  (void)state;
  ic_ingest(&t.db, CLOUD "cpu-mem-usage-20221205T095541.csv", NULL);
  long long f = ic_file(&t.db, "cpu-mem-usage-20221205T095541.csv");
  assert_string_equal(tl_text(&t.db, "SELECT format||' '||format_version||' '||status FROM source_file "
                                     "WHERE id=%lld", f),
                      "eprof-cpu 4col ok");
  assert_int_equal(tl_int(&t.db, "SELECT count(*) FROM eprof_cpu_sample"), 3);
  assert_int_equal(tl_int(&t.db, "SELECT ts_us FROM eprof_cpu_sample WHERE line=2"),
                   value_civil_us(2022, 12, 5, 9, 55, 44, 557223));
  assert_int_equal(tl_int(&t.db, "SELECT ts_us FROM eprof_cpu_sample WHERE line=3"),
                   value_civil_us(2022, 12, 5, 9, 55, 45, 0));
  assert_true(tl_real(&t.db, "SELECT rss_mb FROM eprof_cpu_sample WHERE line=2") == 12231.543);
  assert_true(tl_real(&t.db, "SELECT cpu_pct FROM eprof_cpu_sample WHERE line=3") == 8.237);
  assert_true(tl_real(&t.db, "SELECT temp_c FROM eprof_cpu_sample WHERE line=4") == 32.5);
  assert_int_equal(tl_int(&t.db, "SELECT count(*) FROM eprof_cpu_sample WHERE total_ram_gb IS NOT NULL"), 0);
}

/* cpu-mem-usage-20231218T205204.csv exists for the 3-column Windows writer: no
 * temperature column, so temp_c is NULL and no sentinel is recorded. */
static void three_columns(void **state) {
  (void)state;
  ic_ingest(&t.db, LOCAL "cpu-mem-usage-20231218T205204.csv", NULL);
  long long f = ic_file(&t.db, "cpu-mem-usage-20231218T205204.csv");
  assert_string_equal(tl_text(&t.db, "SELECT format_version FROM source_file WHERE id=%lld", f), "3col");
  assert_int_equal(tl_int(&t.db, "SELECT count(*) FROM eprof_cpu_sample WHERE temp_c IS NULL"), 2);
  assert_int_equal(tl_int(&t.db, "SELECT count(*) FROM unparsed_value"), 0);
  assert_true(tl_real(&t.db, "SELECT rss_mb FROM eprof_cpu_sample WHERE line=3") == 9100.5);
  assert_true(tl_real(&t.db, "SELECT cpu_pct FROM eprof_cpu_sample WHERE line=3") == 12.75);
}

/* cpu-mem-usage-20231218T220000.csv exists for the 5-column file (total memory
 * stamped by hand), LF endings, and an empty temperature on line 2 (no sensor):
 * NULL, and not a sentinel (nothing in unparsed_value). */
static void five_columns_lf_empty_temperature(void **state) {
  (void)state;
  ic_ingest(&t.db, LOCAL "cpu-mem-usage-20231218T220000.csv", NULL);
  long long f = ic_file(&t.db, "cpu-mem-usage-20231218T220000.csv");
  assert_string_equal(tl_text(&t.db, "SELECT format_version||' '||status FROM source_file WHERE id=%lld", f),
                      "5col ok");
  assert_int_equal(tl_int(&t.db, "SELECT temp_c IS NULL FROM eprof_cpu_sample WHERE line=2"), 1);
  assert_true(tl_real(&t.db, "SELECT temp_c FROM eprof_cpu_sample WHERE line=3") == 45.0);
  assert_true(tl_real(&t.db, "SELECT total_ram_gb FROM eprof_cpu_sample WHERE line=2") == 32.0);
  assert_true(tl_real(&t.db, "SELECT rss_mb FROM eprof_cpu_sample WHERE line=2") == 7000.125);
  assert_int_equal(tl_int(&t.db, "SELECT count(*) FROM unparsed_value"), 0);
}

/* cpu-mem-usage-20231218T215000.csv exists for UTF-16LE with a byte order mark
 * and CRLF (a PowerShell redirect): transcoded, recognised, parsed as usual. */
static void utf16le_with_bom(void **state) {
  (void)state;
  ic_ingest(&t.db, LOCAL "cpu-mem-usage-20231218T215000.csv", NULL);
  long long f = ic_file(&t.db, "cpu-mem-usage-20231218T215000.csv");
  assert_string_equal(tl_text(&t.db, "SELECT format||' '||format_version||' '||status FROM source_file "
                                     "WHERE id=%lld", f),
                      "eprof-cpu 4col ok");
  assert_int_equal(tl_int(&t.db, "SELECT count(*) FROM eprof_cpu_sample"), 2);
  assert_int_equal(tl_int(&t.db, "SELECT ts_us FROM eprof_cpu_sample WHERE line=3"),
                   value_civil_us(2023, 12, 18, 21, 50, 2, 500000));
  assert_true(tl_real(&t.db, "SELECT rss_mb FROM eprof_cpu_sample WHERE line=3") == 8001.75);
  assert_true(tl_real(&t.db, "SELECT temp_c FROM eprof_cpu_sample WHERE line=3") == 41.5);
}

/* Writes t.dir/in/cpu-mem-usage-20240101T000000.csv: a header of NCOLS columns,
 * the three required ones first, temperature last, filler columns between; then
 * a data line of NCOLS fields (temperature 41.5) and one of NSHORT fields. */
static void write_wide_cpu_file(int ncols, int nshort) {
  struct ic_buf b = {0};
  ic_put(&b, "timestamp,cpu usage (%),memory usage (MB)");
  char cell[64];
  for (int i = 3; i < ncols - 1; i++) {
    snprintf(cell, sizeof cell, ",filler%d", i);
    ic_put(&b, cell);
  }
  ic_put(&b, ",temperature (Celsius)\n");
  for (int row = 0; row < 2; row++) {
    int n = row == 0 ? ncols : nshort;
    ic_put(&b, row == 0 ? "2024-01-01T00:00:01,12.5,800.25" : "2024-01-01T00:00:02,13.5,801.25");
    for (int i = 3; i < n - 1; i++) ic_put(&b, ",0");
    ic_put(&b, n == ncols ? ",41.5\n" : ",7\n");
  }
  char dir[256];
  snprintf(dir, sizeof dir, "%s/in", t.dir);
  mkdir(dir, 0755);
  tl_write_str(dir, "cpu-mem-usage-20240101T000000.csv", b.s);
  free(b.s);
}

/* The crash of a header wider than 64 columns: the temperature is column 70,
 * the header used to be cut at 64 while the column map kept index 69, so a
 * 64-field line read a field that did not exist (heap-use-after-free). Every
 * column of the header is read now; the 64-field line has the wrong field
 * count and is rejected. */
static void header_of_70_columns_reads_column_70(void **state) {
  (void)state;
  write_wide_cpu_file(70, 64);
  char dir[256];
  snprintf(dir, sizeof dir, "%s/in", t.dir);
  ic_ingest(&t.db, dir, NULL);
  assert_string_equal(tl_text(&t.db, "SELECT format||' '||format_version||' '||status FROM source_file"),
                      "eprof-cpu 70col partial");
  assert_true(tl_real(&t.db, "SELECT temp_c FROM eprof_cpu_sample WHERE line=2") == 41.5);
  assert_true(tl_real(&t.db, "SELECT rss_mb FROM eprof_cpu_sample WHERE line=2") == 800.25);
  assert_string_equal(tl_text(&t.db, "SELECT line||' '||reason||' '||message FROM rejected_row"),
                      "3 field_count expected 70 fields, found 64");
}

/* A header wider than HEADER_MAX_COLS (256) is refused whole, with a reason
 * that names the limit, instead of being cut. */
static void header_of_300_columns_refuses_the_file(void **state) {
  (void)state;
  write_wide_cpu_file(300, 300);
  char dir[256];
  snprintf(dir, sizeof dir, "%s/in", t.dir);
  ic_ingest(&t.db, dir, NULL);
  assert_string_equal(tl_text(&t.db, "SELECT status||': '||error FROM source_file"),
                      "rejected: header has 300 columns, more than the 256 wattdb reads");
  assert_int_equal(tl_int(&t.db, "SELECT count(*) FROM eprof_cpu_sample"), 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(four_columns_crlf_whole_second, setup, teardown),
      cmocka_unit_test_setup_teardown(three_columns, setup, teardown),
      cmocka_unit_test_setup_teardown(five_columns_lf_empty_temperature, setup, teardown),
      cmocka_unit_test_setup_teardown(utf16le_with_bom, setup, teardown),
      cmocka_unit_test_setup_teardown(header_of_70_columns_reads_column_70, setup, teardown),
      cmocka_unit_test_setup_teardown(header_of_300_columns_refuses_the_file, setup, teardown),
  };
  return cmocka_run_group_tests_name("fmt_eprof_cpu", tests, NULL, NULL);
}
