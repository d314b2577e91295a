/* tests/test_fmt_powerjoular.c: PowerJoular CSV logs (ingest/fmt_powerjoular.c),
 * one fixture per quirk under tests/fixtures/powerjoular/ (each test says why its
 * fixture exists), and the energy transform/50_sources.sql gives them. */
#include "tests/testlib.h"

#include <math.h>

#include "schema/embedded.h"
#include "tests/fmtlib.h"
#include "transform/clock.h"
#include "transform/transform.h"

#define FX "tests/fixtures/powerjoular/"

/* The machine's file as PowerJoular writes it without -c: Ada's zero-padded
 * `YYYY-MM-DD HH:MM:SS`, local time, five columns. */
static void system_file_to_the_second(void **state) {
  struct fx *f = *state;
  fx_ingest_path(f, FX "system-seconds.csv", NULL);
  assert_string_equal(tl_text(&f->db, "SELECT format||' '||format_version||' '||status||' '||time_convention "
                                      "FROM source_file"),
                      "powerjoular seconds ok naive-local");
  assert_int_equal(tl_int(&f->db, "SELECT count(*) FROM powerjoular_sample"), 4);
  assert_string_equal(tl_text(&f->db, "SELECT layout||' '||coalesce(target, '-') FROM powerjoular_file"),
                      "system -");
  /* 2024-03-05 10:00:00 naive */
  assert_int_equal(tl_int(&f->db, "SELECT ts_us FROM powerjoular_sample WHERE line = 4"),
                   INT64_C(1709632800) * 1000000);
  assert_true(tl_real(&f->db, "SELECT cpu_util FROM powerjoular_sample WHERE line = 4") == 0.75);
  assert_true(tl_real(&f->db, "SELECT total_power_w + cpu_power_w + gpu_power_w FROM powerjoular_sample "
                              "WHERE line = 4") == 160.0);
  fx_assert_accounted(f);
}

/* -c of 1.1.0+: no zero padding, and the part after the dot is whole
 * milliseconds, not a fraction: `4.89` is 4.089 s, `5.5` is 5.005 s. */
static void milliseconds_unpadded(void **state) {
  struct fx *f = *state;
  fx_ingest_path(f, FX "system-ms-unpadded.csv", NULL);
  assert_string_equal(tl_text(&f->db, "SELECT format_version FROM source_file"), "ms");
  assert_int_equal(tl_int(&f->db, "SELECT ts_us %% 60000000 FROM powerjoular_sample WHERE line = 2"), 4089000);
  assert_int_equal(tl_int(&f->db, "SELECT ts_us %% 60000000 FROM powerjoular_sample WHERE line = 3"), 4210000);
  assert_int_equal(tl_int(&f->db, "SELECT ts_us %% 60000000 FROM powerjoular_sample WHERE line = 4"), 5005000);
  fx_assert_accounted(f);
}

/* Development builds (Dec 2024 - Jan 2025) and forks: Integer'Image puts a
 * space before every number, two between date and time. */
static void milliseconds_space_padded(void **state) {
  struct fx *f = *state;
  fx_ingest_path(f, FX "system-ms-spaced.csv", NULL);
  assert_string_equal(tl_text(&f->db, "SELECT format_version||' '||status FROM source_file"), "ms-spaced ok");
  /* 2024-12-03 12:08:03.126 and 12:08:04.006 */
  assert_int_equal(tl_int(&f->db, "SELECT ts_us FROM powerjoular_sample WHERE line = 2"),
                   INT64_C(1733227683) * 1000000 + 126000);
  assert_int_equal(tl_int(&f->db, "SELECT ts_us FROM powerjoular_sample WHERE line = 4"),
                   INT64_C(1733227684) * 1000000 + 6000);
  fx_assert_accounted(f);
}

/* -p PID writes <FILE>-<PID>.csv with three columns: total and GPU are NULL,
 * never 0, and the PID comes from the file name. */
static void per_pid_file_without_gpu(void **state) {
  struct fx *f = *state;
  fx_ingest_path(f, FX "powerjoular.csv-4242.csv", NULL);
  assert_string_equal(tl_text(&f->db, "SELECT format||' '||status FROM source_file"), "powerjoular ok");
  assert_string_equal(tl_text(&f->db, "SELECT layout||' '||target FROM powerjoular_file"), "process 4242");
  assert_int_equal(tl_int(&f->db, "SELECT count(*) FROM powerjoular_sample WHERE total_power_w IS NULL "
                                  "AND gpu_power_w IS NULL AND cpu_power_w > 3"),
                   3);
  fx_assert_accounted(f);
}

/* PowerJoular 0.1 (2021) wrote the machine's file with the per-process header:
 * a three-column file whose name has no -<PID>.csv is the machine's, CPU only. */
static void three_columns_without_pid_is_the_machine(void **state) {
  struct fx *f = *state;
  fx_ingest_path(f, FX "powerjoular.csv", NULL);
  assert_string_equal(tl_text(&f->db, "SELECT layout||' '||coalesce(target, '-') FROM powerjoular_file"),
                      "system -");
  assert_true(tl_real(&f->db, "SELECT cpu_power_w FROM powerjoular_sample WHERE line = 3") == 9.25);
  fx_assert_accounted(f);
}

/* -o rewrites the file each period with the latest line and no header: read
 * by its field count. */
static void overwrite_mode_without_header(void **state) {
  struct fx *f = *state;
  fx_ingest_path(f, FX "overwrite-noheader.csv", NULL);
  assert_string_equal(tl_text(&f->db, "SELECT format||' '||format_version||' '||status FROM source_file"),
                      "powerjoular seconds ok");
  assert_true(tl_real(&f->db, "SELECT gpu_power_w FROM powerjoular_sample WHERE line = 1") == 25.0);
  assert_string_equal(tl_text(&f->db, "SELECT layout FROM powerjoular_file"), "system");
  /* a date and numbers alone are not enough: a utilisation over 1 is another tool's */
  char *dir = tl_mkdtemp();
  tl_write_str(dir, "other.csv", "2024-03-05 10:00:01,45.0,70.0\n");
  fx_ingest_path(f, dir, NULL);
  tl_rmdir(dir);
  assert_string_equal(tl_text(&f->db, "SELECT status||' '||error FROM source_file WHERE path = 'other.csv'"),
                      "rejected unrecognised format");
}

/* A file appended to by another build: its header again, then the other date
 * style. The header is skipped, the dates read either way. */
static void header_again_and_mixed_dates(void **state) {
  struct fx *f = *state;
  fx_ingest_path(f, FX "header-again-mixed-dates.csv", NULL);
  assert_string_equal(tl_text(&f->db, "SELECT format_version||' '||status||' '||skipped_lines FROM source_file"),
                      "mixed ok 2");
  assert_int_equal(tl_int(&f->db, "SELECT max(ts_us) - min(ts_us) FROM powerjoular_sample"), 1500000);
  fx_assert_accounted(f);
}

/* Lines that cannot be readings: a month 13, 1000 ms, 24:00, a word for a
 * number, a missing field; and a torn last line (the logger killed). */
static void bad_lines_and_torn_tail(void **state) {
  struct fx *f = *state;
  fx_ingest_path(f, FX "bad-lines-torn-tail.csv", NULL);
  assert_string_equal(tl_text(&f->db, "SELECT status FROM source_file"), "partial");
  assert_string_equal(tl_text(&f->db, "SELECT group_concat(line||':'||col||':'||reason, ' ') FROM (SELECT * "
                                      "FROM rejected_row ORDER BY line)"),
                      "3:1:bad_time 4:1:bad_time 5:1:bad_time 6:3:bad_number 7:0:field_count 9:0:truncated");
  assert_int_equal(tl_int(&f->db, "SELECT count(*) FROM powerjoular_sample"), 2);
  fx_assert_accounted(f);
}

/* -f appends: two sessions 10 min apart in one file (3 s at 100 W, then 2 s at
 * 200 W), GPU power nan. The pause is a gap, not bridged; the nan GPU gives no
 * energy row; the file overlaps no run: a session. */
static void appended_sessions_energy(void **state) {
  struct fx *f = *state;
  fx_ingest_path(f, FX "appended-sessions-nan-gpu.csv", NULL);
  assert_int_equal(tl_int(&f->db, "SELECT count(*) FROM powerjoular_sample WHERE gpu_power_w IS NULL"), 7);
  fx_run_sources_sql(&f->db);
  assert_string_equal(tl_text(&f->db, "SELECT group_concat(how) FROM source_attach"), "session");
  assert_true(fabs(tl_real(&f->db, "SELECT energy_j FROM source_energy WHERE source = 'powerjoular' AND "
                                   "component = 'total' AND session_file_id = file_id") - 700.0) < 1e-9);
  assert_true(fabs(tl_real(&f->db, "SELECT energy_j FROM source_energy WHERE component = 'cpu'") - 700.0) <
              1e-9);
  assert_true(fabs(tl_real(&f->db, "SELECT covered_s FROM source_energy WHERE component = 'total'") - 5.0) <
              1e-9);
  assert_int_equal(tl_int(&f->db, "SELECT samples FROM source_energy WHERE component = 'total'"), 7);
  assert_int_equal(tl_int(&f->db, "SELECT count(*) FROM source_energy WHERE component = 'gpu'"), 0);
}

/* A PowerJoular log beside an eprof run (10:00:00 to 10:00:10 local), outlasting
 * it: attached by overlap, only its readings inside the run counted; the
 * per-PID file's CPU is its own device, the PID. */
static void overlapping_run_energy(void **state) {
  struct fx *f = *state;
  char buf[4096];
  size_t n = (size_t)snprintf(buf, sizeof buf,
                              "timestamp,gpu_name,gpu_usage,gpu_memory_usage,gpu_total_memory,"
                              "gpu_memory_used,gpu_power_draw,gpu_max_power,gpu_temperature\n");
  for (int s = 0; s <= 10; s++)
    n += (size_t)snprintf(buf + n, sizeof buf - n,
                          "2024-03-05 10:00:%02d.000,GPU,50 %%,10 %%,24268 MiB,1000 MiB,200.00 W,350.00 W,60\n", s);
  tl_write_str(f->dir, "raw/cloud/resnet/ds/gpu-power-20240305T100000.csv", buf);
  n = (size_t)snprintf(buf, sizeof buf, "Date,CPU Utilization,Total Power,CPU Power,GPU Power\n");
  for (int s = 0; s <= 15; s++)
    n += (size_t)snprintf(buf + n, sizeof buf - n, "2024-3-5 10:0:%d.500,0.5,50.0,30.0,20.0\n", s);
  tl_write_str(f->dir, "meters/powerjoular.csv", buf);
  n = (size_t)snprintf(buf, sizeof buf, "Date,CPU Utilization,CPU Power\n");
  for (int s = 2; s <= 4; s++)
    n += (size_t)snprintf(buf + n, sizeof buf - n, "2024-03-05 10:00:%02d,0.1,4.0\n", s);
  tl_write_str(f->dir, "meters/powerjoular.csv-777.csv", buf);
  fx_ingest_path(f, f->dir, NULL);
  fx_run_sources_sql(&f->db);
  assert_string_equal(tl_text(&f->db, "SELECT group_concat(how, ' ') FROM (SELECT a.how FROM source_attach a "
                                      "JOIN source_file s ON s.id = a.file_id WHERE s.format = 'powerjoular' "
                                      "ORDER BY s.path)"),
                      "overlap overlap");
  /* 10:00:00.5 to 10:00:09.5 inside the run: 9 s at 50 W */
  assert_true(fabs(tl_real(&f->db, "SELECT energy_j FROM source_energy WHERE source = 'powerjoular' AND "
                                   "component = 'total' AND run_id = 1") - 450.0) < 1e-9);
  assert_true(fabs(tl_real(&f->db, "SELECT energy_j FROM source_energy WHERE source = 'powerjoular' AND "
                                   "component = 'gpu' AND run_id = 1") - 180.0) < 1e-9);
  assert_true(fabs(tl_real(&f->db, "SELECT energy_j FROM source_energy WHERE source = 'powerjoular' AND "
                                   "device = '777'") - 8.0) < 1e-9);
  assert_int_equal(tl_int(&f->db, "SELECT count(*) FROM source_energy WHERE source = 'powerjoular' AND "
                                  "device = '777' AND component <> 'cpu'"),
                   0);
}

/* The real files of ../shared/data/real/powerjoular (skipped without them), through
 * ingest and 50_sources.sql: each has energy in source_energy, as a session.
 * The appended file's three bursts (18:15:04.089-05.050, 18:15:31.240-32.082 on
 * 2 July, 15:55:26.192-27.406 on 11 July) cover 3.017 s; its pauses are not
 * bridged. */
static void real_files_have_energy(void **state) {
  struct fx *f = *state;
  const char *real = tl_shared_real();
  if (!real) skip();
  char dir[1024];
  snprintf(dir, sizeof dir, "%s/powerjoular", real);
  fx_ingest_path(f, dir, NULL);
  fx_run_sources_sql(&f->db);
  assert_int_equal(tl_int(&f->db, "SELECT count(*) FROM source_file WHERE format = 'powerjoular' AND id NOT IN "
                                  "(SELECT file_id FROM source_energy WHERE source = 'powerjoular' AND "
                                  "energy_j > 0 AND session_file_id = file_id)"),
                   0);
  assert_true(fabs(tl_real(&f->db, "SELECT covered_s FROM source_energy e JOIN source_file s ON s.id = e.file_id "
                                   "WHERE s.path = 'eap-system-ms-timestamps.csv' AND component = 'total'") -
                   3.017) < 1e-9);
  assert_true(tl_real(&f->db, "SELECT energy_j FROM source_energy e JOIN source_file s ON s.id = e.file_id "
                              "WHERE s.path = 'eap-system-ms-timestamps.csv' AND component = 'total'") > 250.0);
  assert_string_equal(tl_text(&f->db, "SELECT group_concat(component||':'||device) FROM source_energy e JOIN "
                                      "source_file s ON s.id = e.file_id WHERE s.path = "
                                      "'pjexp-pid-file-powerjoular.csv-58538.csv'"),
                      "cpu:58538");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(system_file_to_the_second, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(milliseconds_unpadded, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(milliseconds_space_padded, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(per_pid_file_without_gpu, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(three_columns_without_pid_is_the_machine, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(overwrite_mode_without_header, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(header_again_and_mixed_dates, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(bad_lines_and_torn_tail, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(appended_sessions_energy, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(overlapping_run_energy, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(real_files_have_energy, fx_setup, fx_teardown),
  };
  return cmocka_run_group_tests_name("fmt_powerjoular", tests, NULL, NULL);
}
