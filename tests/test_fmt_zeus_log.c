/* tests/test_fmt_zeus_log.c: zeus-log (ingest/fmt_zeus_log.c), the console
 * output of a run measured with Zeus. One fixture per quirk under
 * tests/fixtures/zeus/:
 *   console-two-windows.txt     the shell command, blank lines, Zeus logger
 *                               records, the script's prints, two windows
 *                               printed as "took"/"consumed" (the usual file)
 *   console-bad-lines-torn.txt  a record with a month 13 and one without its
 *                               (file:line), a "consumed lots Joules." line, a
 *                               window printed twice (an epoch), a torn last line */
#include "tests/testlib.h"

#include "tests/fmtlib.h"

#define FX "tests/fixtures/zeus/"

/* Every line kept by kind; the records' logger, origin, message and time (ms
 * after asctime's comma); the windows' numbers; the span of the records and
 * the energy per window in source_energy, as a session. */
static void two_windows(void **state) {
  struct fx *f = *state;
  fx_ingest_path(f, FX "console-two-windows.txt", NULL);
  fx_assert_accounted(f);
  assert_string_equal(tl_text(&f->db, "SELECT format||' '||status||' '||lines||' '||skipped_lines||' '||rows_ok "
                                      "FROM source_file"),
                      "zeus-log ok 13 1 12");
  assert_string_equal(tl_text(&f->db, "SELECT group_concat(kind||'='||n, ' ') FROM (SELECT kind, count(*) n FROM "
                                      "zeus_log_line GROUP BY kind ORDER BY kind)"),
                      "energy=2 log=3 text=5 time=2");
  assert_string_equal(tl_text(&f->db, "SELECT logger||' '||origin||' '||text FROM zeus_log_line WHERE line = 5"),
                      "zeus.monitor.energy energy.py:149 Monitoring GPU indices [0].");
  assert_int_equal(tl_int(&f->db, "SELECT ts_us FROM zeus_log_line WHERE line = 4"),
                   tl_int(&f->db, "SELECT (strftime('%%s', '2024-05-02 09:00:00') * 1000000) + 125000"));
  assert_string_equal(tl_text(&f->db, "SELECT group_concat(kind||' '||window||' '||value, ', ') FROM (SELECT * FROM "
                                      "zeus_log_line WHERE window IS NOT NULL ORDER BY line)"),
                      "time Training 60.5, energy Training 12000.25, time Testing 2.0, energy Testing 400.0");
  assert_string_equal(tl_text(&f->db, "SELECT text FROM zeus_log_line WHERE line = 1"),
                      "CUDA_VISIBLE_DEVICES=0 python train.py > output.txt");
  fx_run_sources_sql(&f->db);
  assert_string_equal(tl_text(&f->db, "SELECT group_concat(device||' '||energy_j||' '||covered_s||' '||samples, ', ') "
                                      "FROM (SELECT * FROM source_energy WHERE source = 'zeus-log' AND component = "
                                      "'total' AND session_file_id IS NOT NULL ORDER BY device)"),
                      "Testing 400.0 2.0 1, Training 12000.25 60.5 1");
  assert_int_equal(tl_int(&f->db, "SELECT end_us - start_us FROM source_span WHERE format = 'zeus-log'"),
                   61002000 - 125000);
}

/* A record that cannot be read is rejected with its column; a measurement
 * whose number is not one too; a window printed twice sums; the torn last
 * line is the driver's. */
static void bad_lines_and_torn_tail(void **state) {
  struct fx *f = *state;
  fx_ingest_path(f, FX "console-bad-lines-torn.txt", NULL);
  fx_assert_accounted(f);
  assert_string_equal(tl_text(&f->db, "SELECT group_concat(line||':'||col||' '||reason, ', ') FROM (SELECT * FROM "
                                      "rejected_row ORDER BY line)"),
                      "2:2 bad_time, 3:27 bad_record, 5:16 bad_number, 9:0 truncated");
  fx_run_sources_sql(&f->db);
  assert_string_equal(tl_text(&f->db, "SELECT device||' '||energy_j||' '||covered_s||' '||samples FROM source_energy "
                                      "WHERE source = 'zeus-log'"),
                      "Epoch 61.0 3.0 2");
}

/* A window printed with its energy but not its time: covered_s is NULL (the
 * file does not say), not 0. */
static void window_without_its_time(void **state) {
  struct fx *f = *state;
  char *dir = tl_mkdtemp();
  tl_write_str(dir, "output.txt",
               "[2024-05-02 11:00:00,000] [zeus.monitor.energy](energy.py:149) Monitoring GPU indices [0].\n"
               "Training consumed 50.0 Joules.\n");
  fx_ingest_path(f, dir, NULL);
  tl_rmdir(dir);
  fx_run_sources_sql(&f->db);
  assert_string_equal(tl_text(&f->db, "SELECT device||' '||energy_j||' '||coalesce(covered_s, 'NULL') FROM "
                                      "source_energy WHERE source = 'zeus-log'"),
                      "Training 50.0 NULL");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(two_windows, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(bad_lines_and_torn_tail, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(window_without_its_time, fx_setup, fx_teardown),
  };
  return cmocka_run_group_tests_name("fmt_zeus_log", tests, NULL, NULL);
}
