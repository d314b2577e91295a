/* tests/test_fmt_perf_stat.c: perf stat output (ingest/fmt_perf_stat.c), one fixture
 * per quirk under tests/fixtures/perf/. */
#include "tests/testlib.h"

#include "tests/fmtlib.h"

#define FX "tests/fixtures/perf/"

/* -x';' -I 1000 --per-socket: separator other than ',', interval timestamps
 * left-padded, S0/S1 with their CPU count, <not supported> / <not counted>. */
static void csv_semicolon_interval_per_socket(void **state) {
  struct fx *f = *state;
  fx_ingest_path(f, FX "csv-semicolon-interval-per-socket.csv", NULL);
  assert_string_equal(tl_text(&f->db, "SELECT format||' '||format_version||' '||status||' '||time_convention "
                                      "FROM source_file"),
                      "perf-stat csv ok relative");
  assert_int_equal(tl_int(&f->db, "SELECT count(*) FROM perf_count"), 6);
  assert_true(tl_real(&f->db, "SELECT sum(value) FROM perf_count WHERE event = 'power/energy-pkg/'") ==
              19.63 + 17.00 + 20.37 + 18.00);
  assert_int_equal(tl_int(&f->db, "SELECT ts_us FROM perf_count WHERE line = 6"), 2002100);
  assert_string_equal(tl_text(&f->db, "SELECT aggr FROM perf_count WHERE line = 4"), "S1");
  assert_string_equal(tl_text(&f->db, "SELECT status||' '||(value IS NULL) FROM perf_count WHERE line = 5"),
                      "not supported 1");
  assert_string_equal(tl_text(&f->db, "SELECT status FROM perf_count WHERE line = 8"), "not counted");
  /* the block's start: the '# started on' ctime, naive local */
  assert_int_equal(tl_int(&f->db, "SELECT DISTINCT started_us FROM perf_count"), 1714384800LL * 1000000);
  fx_assert_accounted(f);
}

/* --big-num under a decimal-comma locale: '50,03', U+202F and plain-space
 * grouping, '287,542923380 seconds'; two runs appended (two blocks). */
static void human_locale_comma_appended_runs(void **state) {
  struct fx *f = *state;
  fx_ingest_path(f, FX "human-locale-comma-nnbsp-appended.txt", NULL);
  assert_string_equal(tl_text(&f->db, "SELECT format_version||' '||status FROM source_file"), "human ok");
  assert_true(tl_real(&f->db, "SELECT value FROM perf_count WHERE line = 6") == 50.03);
  assert_true(tl_real(&f->db, "SELECT value FROM perf_count WHERE line = 7") == 2342200257.0);
  assert_true(tl_real(&f->db, "SELECT value FROM perf_count WHERE line = 8") == 5005.68);
  assert_true(tl_real(&f->db, "SELECT value FROM perf_count WHERE event = 'time elapsed' AND block = 1") ==
              287.542923380);
  assert_int_equal(tl_int(&f->db, "SELECT max(block) FROM perf_count"), 2);
  assert_true(tl_real(&f->db, "SELECT value FROM perf_count WHERE block = 2 AND event = 'power/energy-pkg/'") ==
              60.5);
  fx_assert_accounted(f);
}

/* -I in human form: repeated '# time counts unit events' headers, per-interval
 * deltas, ',' grouping, a metric comment. */
static void human_interval_deltas(void **state) {
  struct fx *f = *state;
  fx_ingest_path(f, FX "human-interval-rapl.txt", NULL);
  assert_int_equal(tl_int(&f->db, "SELECT skipped_lines FROM source_file"), 4);
  assert_true(tl_real(&f->db, "SELECT sum(value) FROM perf_count WHERE event = 'power/energy-pkg/'") ==
              1.50 + 1.70 + 1.80);
  assert_int_equal(tl_int(&f->db, "SELECT ts_us FROM perf_count WHERE line = 4"), 100167);
  assert_true(tl_real(&f->db, "SELECT value FROM perf_count WHERE event = 'cache-misses'") == 3725805.0);
  assert_string_equal(tl_text(&f->db, "SELECT metric_value||' '||metric_unit FROM perf_count WHERE "
                                      "event = 'cache-misses'"),
                      "17.3 % of all cache refs");
  fx_assert_accounted(f);
}

/* perf 4.1.5's unit string ends in a newline: each record split over two
 * lines; the halves are joined into one row at the first line. */
static void human_unit_newline_split(void **state) {
  struct fx *f = *state;
  fx_ingest_path(f, FX "human-unit-newline-split.txt", NULL);
  assert_int_equal(tl_int(&f->db, "SELECT count(*) FROM perf_count"), 3);
  assert_string_equal(tl_text(&f->db, "SELECT unit||' '||event||' '||value FROM perf_count WHERE line = 6"),
                      "Joules power/energy-pkg/ 752.35");
  assert_int_equal(tl_int(&f->db, "SELECT rows_ok FROM source_file"), 3);
  fx_assert_accounted(f);
}

/* The same bug in -x, CSV: "ts,value,Joules" then ",event,run,pct"; the last
 * record lost its second half: it stays a row with event NULL. */
static void csv_split_records_and_orphan_half(void **state) {
  struct fx *f = *state;
  fx_ingest_path(f, FX "csv-interval-split-orphan-tail.csv", NULL);
  assert_string_equal(tl_text(&f->db, "SELECT format FROM source_file"), "perf-stat");
  assert_int_equal(tl_int(&f->db, "SELECT count(*) FROM perf_count"), 3);
  assert_string_equal(tl_text(&f->db, "SELECT event||' '||run_ns||' '||running_pct FROM perf_count WHERE line = 3"),
                      "power/energy-ram/ 200499313 100.0");
  assert_int_equal(tl_int(&f->db, "SELECT event IS NULL FROM perf_count WHERE line = 5"), 1);
  assert_int_equal(tl_int(&f->db, "SELECT skipped_lines FROM source_file"), 2);
  fx_assert_accounted(f);
}

/* 2>file captures the workload's stderr: foreign lines are skipped (not data),
 * a line that starts like a counter but is garbled is rejected. Old perf's
 * '(100.00%)' running column after a metric comment. */
static void stderr_mixed_in(void **state) {
  struct fx *f = *state;
  fx_ingest_path(f, FX "stderr-mixed-and-bad-record.txt", NULL);
  assert_string_equal(tl_text(&f->db, "SELECT format||' '||status FROM source_file"), "perf-stat partial");
  assert_int_equal(tl_int(&f->db, "SELECT rows_ok FROM source_file"), 4);
  assert_int_equal(tl_int(&f->db, "SELECT rows_rejected FROM source_file"), 1);
  assert_string_equal(tl_text(&f->db, "SELECT reason FROM rejected_row"), "bad_record");
  assert_string_equal(tl_text(&f->db, "SELECT running_pct||' '||metric_value||' '||metric_unit FROM perf_count "
                                      "WHERE event = 'instructions'"),
                      "100.0 1.44 insns per cycle");
  fx_assert_accounted(f);
}

/* -r: the variance field sits between the event and the run time; no
 * '# started on' (perf's stderr, not -o): started_us is NULL. */
static void csv_variance_without_started_on(void **state) {
  struct fx *f = *state;
  fx_ingest_path(f, FX "csv-repeat-variance-no-started-on.csv", NULL);
  assert_string_equal(tl_text(&f->db, "SELECT variance_pct||' '||run_ns||' '||running_pct||' '||metric_value||' '||"
                                      "metric_unit FROM perf_count WHERE line = 1"),
                      "1.24 32174397890 100.0 0.902 /sec");
  assert_int_equal(tl_int(&f->db, "SELECT count(*) FROM perf_count WHERE started_us IS NULL"), 2);
  assert_int_equal(tl_int(&f->db, "SELECT unit IS NULL FROM perf_count WHERE line = 2"), 1);
}

/* Writes TEXT to a scratch file and ingests it as perf stat. */
static void ingest_text(struct fx *f, const char *text) {
  char *dir = tl_mkdtemp();
  tl_write_str(dir, "perf.txt", text);
  fx_ingest_path(f, dir, "perf-stat");
  tl_rmdir(dir);
}

/* `# started on` dates that do not exist (Feb 31 25:61:99, a year past int,
 * the year 0) were taken as given: overflow, negative microseconds. Now each
 * such line is rejected ('bad_time'), its block has no start, and its counters
 * are still read. */
static void started_on_out_of_range_is_rejected(void **state) {
  struct fx *f = *state;
  ingest_text(f, "# started on Sun Feb 31 25:61:99 2024\n"
                 "\n"
                 "     1.50 Joules power/energy-pkg/\n"
                 "# started on Sun Oct 13 20:30:37 99999999999\n"
                 "     2.50 Joules power/energy-pkg/\n"
                 "# started on Sun Oct 13 20:30:37 0000\n"
                 "     3.50 Joules power/energy-pkg/\n"
                 "# started on Sun Oct  3 20:30:37 2024\n"
                 "     4.50 Joules power/energy-pkg/\n");
  assert_string_equal(tl_text(&f->db, "SELECT group_concat(line||':'||reason, ' ') FROM (SELECT * FROM "
                                      "rejected_row ORDER BY line)"),
                      "1:bad_time 4:bad_time 6:bad_time");
  assert_int_equal(tl_int(&f->db, "SELECT count(*) FROM perf_count WHERE started_us IS NOT NULL"), 1);
  assert_int_equal(tl_int(&f->db, "SELECT started_us FROM perf_count WHERE value = 4.5"),
                   1727987437LL * 1000000); /* 2024-10-03 20:30:37 */
  assert_int_equal(tl_int(&f->db, "SELECT count(*) FROM perf_count WHERE started_us < 0"), 0);
  assert_int_equal(tl_int(&f->db, "SELECT count(*) FROM perf_count"), 4);
  fx_assert_accounted(f);
}

/* An interval time too large for microseconds (it used to overflow into a
 * negative ts_us) rejects its line, in human and CSV form alike. */
static void interval_time_out_of_range_is_rejected(void **state) {
  struct fx *f = *state;
  ingest_text(f, "#           time             counts unit events\n"
                 "     0.500518622               0.14 Joules power/energy-cores/\n"
                 "99999999999999999999.5         0.15 Joules power/energy-cores/\n");
  assert_string_equal(tl_text(&f->db, "SELECT line||':'||col||':'||reason FROM rejected_row"), "3:1:bad_time");
  assert_int_equal(tl_int(&f->db, "SELECT count(*) FROM perf_count"), 1);
  assert_int_equal(tl_int(&f->db, "SELECT ts_us FROM perf_count"), 500518);
  fx_assert_accounted(f);
  fx_teardown(state);
  fx_setup(state);
  f = *state;
  ingest_text(f, "1.000100000,0.14,Joules,power/energy-cores/,1000000000,100.00\n"
                 "9223372036855.000000000,0.15,Joules,power/energy-cores/,1000000000,100.00\n");
  assert_string_equal(tl_text(&f->db, "SELECT line||':'||col||':'||reason FROM rejected_row"), "2:1:bad_time");
  assert_int_equal(tl_int(&f->db, "SELECT count(*) FROM perf_count WHERE ts_us < 0"), 0);
  assert_int_equal(tl_int(&f->db, "SELECT ts_us FROM perf_count"), 1000100);
  fx_assert_accounted(f);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(csv_semicolon_interval_per_socket, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(human_locale_comma_appended_runs, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(human_interval_deltas, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(human_unit_newline_split, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(csv_split_records_and_orphan_half, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(stderr_mixed_in, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(csv_variance_without_started_on, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(started_on_out_of_range_is_rejected, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(interval_time_out_of_range_is_rejected, fx_setup, fx_teardown),
  };
  return cmocka_run_group_tests_name("fmt_perf_stat", tests, NULL, NULL);
}
