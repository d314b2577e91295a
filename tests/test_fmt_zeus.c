/* tests/test_fmt_zeus.c: the Zeus logs (ingest/fmt_zeus.c): ZeusMonitor window
 * CSVs (zeus-monitor) and the legacy zeus_monitor power CSV (zeus-power), one
 * fixture per quirk under tests/fixtures/zeus/ (each test says why its fixture
 * exists), and their energy in source_energy after ingest and
 * transform/50_sources.sql (by folder, by overlap, as sessions). */
#include "tests/testlib.h"

#include <math.h>

#include "schema/embedded.h"
#include "tests/fmtlib.h"
#include "transform/clock.h"
#include "transform/transform.h"

#define FX "tests/fixtures/zeus/"

/* The plain log of a multi-GPU ZeusMonitor: one energy row per GPU column and
 * window, full precision, the clock recognised as monotonic (relative). */
static void monitor_three_gpus(void **state) {
  struct fx *f = *state;
  fx_ingest_path(f, FX "monitor-three-gpus.csv", NULL);
  assert_string_equal(tl_text(&f->db, "SELECT format||' '||format_version||' '||status||' '||time_convention "
                                      "FROM source_file"),
                      "zeus-monitor monotonic ok relative");
  assert_int_equal(tl_int(&f->db, "SELECT count(*) FROM zeus_window"), 2);
  assert_int_equal(tl_int(&f->db, "SELECT count(*) FROM zeus_window_energy"), 6);
  assert_int_equal(tl_int(&f->db, "SELECT start_us FROM zeus_window WHERE line = 2"), 100500000);
  assert_int_equal(tl_int(&f->db, "SELECT end_us FROM zeus_window WHERE line = 2"), 110500000);
  assert_true(tl_real(&f->db, "SELECT energy_j FROM zeus_window_energy WHERE line = 2 AND device = '1'") ==
              2000.25);
  assert_string_equal(tl_text(&f->db, "SELECT group_concat(component||device, ' ') FROM "
                                      "(SELECT * FROM zeus_window_energy WHERE line = 3 ORDER BY col)"),
                      "gpu0 gpu1 gpu2");
  fx_assert_accounted(f);
}

/* Zeus' data loader logs every power-limit trial under one name: repeats are
 * windows of their own, never merged. */
static void repeated_window_names_are_kept(void **state) {
  struct fx *f = *state;
  fx_ingest_path(f, FX "monitor-repeated-window-name.csv", NULL);
  assert_int_equal(tl_int(&f->db, "SELECT count(*) FROM zeus_window WHERE window_name = "
                                  "'__ZeusDataLoader_power_limit'"),
                   3);
  fx_run_sources_sql(&f->db);
  assert_true(tl_real(&f->db, "SELECT energy_j FROM source_energy") == 930.0);
  fx_assert_accounted(f);
}

/* Zeus writes the window name raw: a comma in it makes the line wider than the
 * header; blanks and quotes in a name are kept as written. */
static void comma_in_window_name(void **state) {
  struct fx *f = *state;
  fx_ingest_path(f, FX "monitor-comma-in-window-name.csv", NULL);
  assert_string_equal(tl_text(&f->db, "SELECT status FROM source_file"), "ok");
  assert_string_equal(tl_text(&f->db, "SELECT window_name FROM zeus_window WHERE line = 2"), "epoch 1, step 0");
  assert_string_equal(tl_text(&f->db, "SELECT window_name FROM zeus_window WHERE line = 3"),
                      " padded \"quoted\" name ");
  assert_true(tl_real(&f->db, "SELECT elapsed_s FROM zeus_window WHERE line = 2") == 2.0);
  assert_true(tl_real(&f->db, "SELECT energy_j FROM zeus_window_energy WHERE line = 2") == 50.0);
  fx_assert_accounted(f);
}

/* Windows nest (an epoch around its iterations) and may repeat exactly: the
 * run's energy counts the outermost ones only (1000 + 1100 + 500; the window
 * overlapping the second epoch without lying inside it counts too), every
 * window keeps its own energy in source_zeus_window. */
static void nested_windows_counted_once(void **state) {
  struct fx *f = *state;
  fx_ingest_path(f, FX "monitor-nested-windows.csv", NULL);
  fx_run_sources_sql(&f->db);
  assert_string_equal(tl_text(&f->db, "SELECT group_concat(outermost, '') FROM "
                                      "(SELECT outermost FROM source_zeus_window ORDER BY line)"),
                      "100101");
  assert_true(tl_real(&f->db, "SELECT energy_j FROM source_energy WHERE source = 'zeus'") == 2600.0);
  assert_true(tl_real(&f->db, "SELECT covered_s FROM source_energy WHERE source = 'zeus'") == 30.0);
  assert_true(tl_real(&f->db, "SELECT sum(energy_j) FROM source_zeus_window") == 4110.0);
  assert_int_equal(tl_int(&f->db, "SELECT first_us IS NULL AND last_us IS NULL FROM source_energy"), 1);
  fx_assert_accounted(f);
}

/* CPU and DRAM energy columns next to the GPUs' (later Zeus versions), and a
 * column of no known shape: kept with its name, not counted as a device. */
static void cpu_dram_and_unknown_columns(void **state) {
  struct fx *f = *state;
  fx_ingest_path(f, FX "monitor-cpu-dram-columns.csv", NULL);
  assert_string_equal(tl_text(&f->db, "SELECT group_concat(coalesce(component||device, name), ' ') FROM "
                                      "(SELECT * FROM zeus_window_energy ORDER BY col)"),
                      "gpu0 gpu1 cpu0 dram0 note");
  fx_run_sources_sql(&f->db);
  assert_string_equal(tl_text(&f->db, "SELECT group_concat(component||device||'='||energy_j, ' ') FROM "
                                      "(SELECT * FROM source_energy ORDER BY component, device)"),
                      "cpu0=40.0 dram0=8.0 gpu0=100.0 gpu1=110.0");
  fx_assert_accounted(f);
}

/* Since Zeus v0.7 start_time is time.time(): told apart in format_version, yet
 * still not placed (the file cannot say which clock it used). */
static void epoch_start_time_still_a_session(void **state) {
  struct fx *f = *state;
  fx_ingest_path(f, FX "monitor-epoch-start.csv", NULL);
  assert_string_equal(tl_text(&f->db, "SELECT format_version FROM source_file"), "epoch");
  assert_int_equal(tl_int(&f->db, "SELECT start_us FROM zeus_window"), INT64_C(1700000000250000));
  fx_run_sources_sql(&f->db);
  assert_string_equal(tl_text(&f->db, "SELECT how FROM source_attach"), "session");
  fx_assert_accounted(f);
}

/* Bad lines, each rejected with its reason, the others stored: an unparsable or
 * out-of-range start_time, an unparsable energy, too few fields, a negative
 * elapsed time; nan is a NULL energy with its text kept; the header repeated
 * (the log reopened) is skipped. */
static void monitor_bad_lines(void **state) {
  struct fx *f = *state;
  fx_ingest_path(f, FX "monitor-bad-lines.csv", NULL);
  assert_string_equal(tl_text(&f->db, "SELECT status||' '||rows_ok||' '||rows_rejected||' '||skipped_lines "
                                      "FROM source_file"),
                      "partial 3 5 2");
  assert_string_equal(tl_text(&f->db, "SELECT group_concat(line||reason, ' ') FROM "
                                      "(SELECT * FROM rejected_row ORDER BY line)"),
                      "4bad_time 5bad_number 6field_count 7bad_time 8bad_number");
  assert_int_equal(tl_int(&f->db, "SELECT energy_j IS NULL FROM zeus_window_energy WHERE line = 3 AND col = 4"), 1);
  assert_string_equal(tl_text(&f->db, "SELECT name||' '||text FROM unparsed_value"), "gpu0_energy nan");
  fx_assert_accounted(f);
}

/* A logger killed mid-write leaves a torn last line: rejected as truncated. */
static void monitor_torn_last_line(void **state) {
  struct fx *f = *state;
  fx_ingest_path(f, FX "monitor-torn-last-line.csv", NULL);
  assert_int_equal(tl_int(&f->db, "SELECT count(*) FROM zeus_window"), 1);
  assert_string_equal(tl_text(&f->db, "SELECT reason FROM rejected_row"), "truncated");
  fx_assert_accounted(f);
}

/* The legacy power CSV in mW, cut by its torn last line (Zeus' own reader
 * drops it): W stored, UTC, trapezoid energy 1.5 s of 30, 32, 34, 34 W: 0.5 × (31 + 33 + 34) = 49 J. */
static void power_mw_torn_last_line(void **state) {
  struct fx *f = *state;
  fx_ingest_path(f, FX "power-mw-torn-last-line.csv", NULL);
  assert_string_equal(tl_text(&f->db, "SELECT format||' '||time_convention||' '||rows_ok||' '||rows_rejected "
                                      "FROM source_file"),
                      "zeus-power utc 4 1");
  assert_true(tl_real(&f->db, "SELECT power_w FROM zeus_power_sample WHERE line = 3") == 32.0);
  assert_int_equal(tl_int(&f->db, "SELECT ts_us FROM zeus_power_sample WHERE line = 2"),
                   INT64_C(1657678056000000));
  fx_run_sources_sql(&f->db);
  assert_true(fabs(tl_real(&f->db, "SELECT energy_j FROM source_energy WHERE source = 'zeus-power' AND "
                                   "session_file_id IS NOT NULL") - 49.0) < 1e-9);
  fx_assert_accounted(f);
}

/* zeus_monitor's optional Temp, SMFreq and Mem columns. */
static void power_optional_columns(void **state) {
  struct fx *f = *state;
  fx_ingest_path(f, FX "power-temp-freq-mem.csv", NULL);
  assert_string_equal(tl_text(&f->db, "SELECT power_w||' '||temp_c||' '||sm_freq_mhz||' '||mem FROM "
                                      "zeus_power_sample WHERE line = 2"),
                      "32.402 45.0 1410.0 5001.0");
  assert_int_equal(tl_int(&f->db, "SELECT ts_us FROM zeus_power_sample WHERE line = 2"),
                   INT64_C(1657678056708783));
  fx_assert_accounted(f);
}

/* Times out of range (month 13, before 1970) and a negative power: rejected. */
static void power_bad_lines(void **state) {
  struct fx *f = *state;
  fx_ingest_path(f, FX "power-bad-lines.csv", NULL);
  assert_string_equal(tl_text(&f->db, "SELECT group_concat(line||reason, ' ') FROM "
                                      "(SELECT * FROM rejected_row ORDER BY line)"),
                      "2bad_time 3bad_time 4bad_number");
  assert_int_equal(tl_int(&f->db, "SELECT count(*) FROM zeus_power_sample"), 1);
  fx_assert_accounted(f);
}

/* An eprof run 10:00:00-10:00:10 local; a ZeusMonitor log with the run's stamp
 * in its folder (attached by folder although its monotonic clock says nothing
 * of the run's time), another outside any run folder (a session), and a legacy
 * power log in UTC 09:00:02-09:00:04 that overlaps the run at +3600 s. */
static void attached_by_folder_overlap_and_session(void **state) {
  struct fx *f = *state;
  char buf[4096];
  size_t n = (size_t)snprintf(buf, sizeof buf,
                              "timestamp,gpu_name,gpu_usage,gpu_memory_usage,gpu_total_memory,"
                              "gpu_memory_used,gpu_power_draw,gpu_max_power,gpu_temperature\n");
  for (int s = 0; s <= 10; s++)
    n += (size_t)snprintf(buf + n, sizeof buf - n,
                          "2024-01-01 10:00:%02d.000,GPU,50 %%,10 %%,24268 MiB,1000 MiB,200.00 W,350.00 W,60\n", s);
  tl_write_str(f->dir, "raw/cloud/resnet/ds/gpu-power-20240101T100000.csv", buf);
  tl_write_str(f->dir, "raw/cloud/resnet/ds/zeus-20240101T100000.csv",
               "start_time,window_name,elapsed_time,gpu0_energy\n"
               "529134.314032642,epoch,5.0,1000.0\n529139.5,epoch,4.5,900.5\n");
  tl_write_str(f->dir, "zeus/zeus.csv", "start_time,window_name,elapsed_time,gpu0_energy\n1.0,w,1.0,7.0\n");
  tl_write_str(f->dir, "zeus/power.csv",
               "Time,Power\n2024-01-01 09:00:02.000000000,100000\n2024-01-01 09:00:03.000000000,100000\n"
               "2024-01-01 09:00:04.000000000,100000\n");
  fx_ingest_path(f, f->dir, NULL);
  assert_int_equal(wdb_exec(&f->db, "INSERT OR REPLACE INTO setting VALUES ('local_utc_offset_s', 3600)",
                            "setting"),
                   0);
  fx_run_sources_sql(&f->db);
  assert_string_equal(tl_text(&f->db, "SELECT group_concat(how, ' ') FROM (SELECT a.how FROM source_attach a "
                                      "JOIN source_file s ON s.id = a.file_id ORDER BY s.path)"),
                      "folder overlap session");
  assert_true(tl_real(&f->db, "SELECT energy_j FROM source_energy WHERE source = 'zeus' AND run_id = 1") ==
              1900.5);
  assert_true(tl_real(&f->db, "SELECT energy_j FROM source_energy WHERE source = 'zeus' AND "
                              "session_file_id IS NOT NULL") == 7.0);
  assert_true(fabs(tl_real(&f->db, "SELECT energy_j FROM source_energy WHERE source = 'zeus-power' AND "
                                   "run_id = 1") - 200.0) < 1e-9);
  assert_int_equal(tl_int(&f->db, "SELECT count(*) FROM source_zeus_window WHERE run_id = 1"), 2);
  /* rebuilt, the same */
  fx_run_sources_sql(&f->db);
  assert_int_equal(tl_int(&f->db, "SELECT count(*) FROM source_energy WHERE source LIKE 'zeus%%'"), 3);
  fx_assert_accounted(f);
}

/* start_time as Python's repr writes a time.monotonic() float: up to 17
 * significant digits, 11 of them after the point here; read, truncated to µs. */
static void monotonic_start_with_many_decimals(void **state) {
  struct fx *f = *state;
  char *dir = tl_mkdtemp();
  tl_write_str(dir, "zeus.csv",
               "start_time,window_name,elapsed_time,gpu0_energy\n"
               "333976.89942870376,__GlobalPowerLimitOptimizer_300,33.27751154080033,3991.396999999881\n");
  fx_ingest_path(f, dir, NULL);
  tl_rmdir(dir);
  fx_assert_accounted(f);
  assert_int_equal(tl_int(&f->db, "SELECT count(*) FROM rejected_row"), 0);
  assert_int_equal(tl_int(&f->db, "SELECT start_us FROM zeus_window"), 333976899428);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(monitor_three_gpus, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(monotonic_start_with_many_decimals, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(repeated_window_names_are_kept, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(comma_in_window_name, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(nested_windows_counted_once, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(cpu_dram_and_unknown_columns, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(epoch_start_time_still_a_session, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(monitor_bad_lines, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(monitor_torn_last_line, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(power_mw_torn_last_line, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(power_optional_columns, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(power_bad_lines, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(attached_by_folder_overlap_and_session, fx_setup, fx_teardown),
  };
  return cmocka_run_group_tests_name("fmt_zeus", tests, NULL, NULL);
}
