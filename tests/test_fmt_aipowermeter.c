/* tests/test_fmt_aipowermeter.c: AIPowerMeter's power_metrics.json
 * (ingest/fmt_aipowermeter.c), one fixture per quirk under
 * tests/fixtures/aipowermeter/, the block-size sweep over them, and the energy
 * transform/50_sources.sql makes of them. */
#include "tests/testlib.h"

#include <math.h>

#include "tests/fmtlib.h"
#include "tests/ingest_checks.h"

#define FX "tests/fixtures/aipowermeter/"

static void assert_near(double got, double want) {
  if (fabs(got - want) > 1e-9) fail_msg("got %.12g, want %.12g", got, want);
}

/* The value row of METRIC with the given device, pid and sub (NULL: absent), as
 * "value|text" ('' for NULL). */
static const char *value_of(struct fx *f, const char *metric, const char *device, const char *pid,
                            const char *sub, long line) {
  return tl_text(&f->db,
                 "SELECT coalesce(value, '') || '|' || coalesce(text, '') FROM aipowermeter_value "
                 "WHERE metric = '%s' AND device IS %s%s%s AND pid IS %s%s%s AND sub IS %s%s%s AND line = %ld",
                 metric, device ? "'" : "", device ? device : "NULL", device ? "'" : "", pid ? "'" : "",
                 pid ? pid : "NULL", pid ? "'" : "", sub ? "'" : "", sub ? sub : "NULL", sub ? "'" : "", line);
}

/* The 2021-08 key names (mem_use_abs, cpu_uses, a scalar uncore_power) with the
 * GPU keys of that time: the pmon list, a performance state string, the
 * attributable memory per GPU and PID. The first date has no microseconds, as
 * str(datetime) writes a time on a whole second. */
static void keys_2021_08(void **state) {
  struct fx *f = *state;
  fx_ingest_path(f, FX "keys-2021-08-old.jsonl", NULL);
  assert_string_equal(tl_text(&f->db, "SELECT format||' '||format_version||' '||status||' '||time_convention "
                                      "FROM source_file"),
                      "aipowermeter 2021-08 ok naive-local");
  assert_string_equal(tl_text(&f->db, "SELECT ts||' '||ts_us||' '||segment FROM aipowermeter_record WHERE line = 1"),
                      "2021-08-24 10:00:00 1629799200000000 0");
  assert_string_equal(tl_text(&f->db, "SELECT intel_power_w||' '||total_cpu_power_w||' '||total_dram_power_w||' '||"
                                      "uncore_power_w||' '||psys_power_w||' '||nvidia_draw_absolute_w||' '||"
                                      "quote(nvidia_power_w) FROM aipowermeter_record WHERE line = 2"),
                      "12.0 6.0 3.0 0.5 22.0 110.0 NULL");
  assert_string_equal(value_of(f, "cpu.cpu_uses", NULL, "4242", NULL, 1), "0.75|");
  assert_string_equal(value_of(f, "cpu.mem_use_uss", NULL, "4242", NULL, 3), "93323264.0|");
  assert_string_equal(value_of(f, "gpu.per_gpu_average_estimated_utilization_absolute", "0", "4242", "0/sm", 1),
                      "40.0|");
  assert_string_equal(value_of(f, "gpu.per_gpu_performance_state", "0", NULL, NULL, 1), "|P2");
  assert_string_equal(value_of(f, "gpu.per_gpu_attributable_mem_use", "0", "4242", NULL, 1), "269484032.0|");
  assert_string_equal(value_of(f, "gpu.per_gpu_power_draw", "0", NULL, NULL, 3), "120.0|");
  /* per record: 6 per-process cpu values, 8 gpu leaves (pmon: sm and mem) */
  assert_int_equal(tl_int(&f->db, "SELECT count(*) FROM aipowermeter_value"), 3 * 14);
  /* the column keys are not repeated as values */
  assert_int_equal(tl_int(&f->db, "SELECT count(*) FROM aipowermeter_value WHERE metric IN ('cpu.intel_power', "
                                  "'cpu.psys_power', 'cpu.uncore_power', 'gpu.nvidia_draw_absolute')"),
                   0);
  fx_assert_accounted(f);
}

/* Dec 2021 to 2025: per_process_* keys, uncore_power as a list, psys_power -1
 * (no psys domain: NULL, the -1 kept), no dram domain (its key absent: NULL),
 * per_gpu_attributable_power with its "all" key, an empty per-GPU dict. */
static void keys_2022_psys_absent(void **state) {
  struct fx *f = *state;
  fx_ingest_path(f, FX "keys-2022-psys-absent-no-dram.jsonl", NULL);
  assert_string_equal(tl_text(&f->db, "SELECT format_version FROM source_file"), "2021-12");
  assert_int_equal(tl_int(&f->db, "SELECT count(*) FROM aipowermeter_record WHERE psys_power_w IS NULL AND "
                                  "total_dram_power_w IS NULL AND uncore_power_w = 0"),
                   3);
  assert_string_equal(tl_text(&f->db, "SELECT group_concat(line||':'||name||'='||text, ',') FROM unparsed_value"),
                      "1:psys_power_w=-1,2:psys_power_w=-1,3:psys_power_w=-1");
  assert_string_equal(value_of(f, "cpu.uncore_power", "0", NULL, NULL, 1), "0.0|");
  assert_string_equal(value_of(f, "cpu.per_process_cpu_power", NULL, "101", NULL, 2), "21.7|");
  assert_string_equal(value_of(f, "gpu.per_gpu_attributable_power", "all", NULL, NULL, 1), "0.0|");
  assert_string_equal(value_of(f, "gpu.per_gpu_attributable_mem_use", "0", NULL, NULL, 1), "|{}");
  assert_string_equal(value_of(f, "gpu.per_gpu_per_pid_utilization_absolute", "0", "101", NULL, 1), "0.05|");
  assert_near(tl_real(&f->db, "SELECT nvidia_draw_absolute_w FROM aipowermeter_record WHERE line = 3"), 107.18);
  fx_assert_accounted(f);
}

/* The 2026 writer: metrics.temperature (psutil tuples written as lists), NVML
 * energy-delta powers per GPU and in total (nvidia_power), two packages' uncore
 * values (the column is their sum), absolute_cpu_time_per_pid, total_mem_use. */
static void keys_2026_nvml_temperature(void **state) {
  struct fx *f = *state;
  fx_ingest_path(f, FX "keys-2026-nvml-temperature.jsonl", NULL);
  assert_string_equal(tl_text(&f->db, "SELECT format_version FROM source_file"), "2026");
  assert_string_equal(tl_text(&f->db, "SELECT nvidia_power_w||' '||quote(nvidia_draw_absolute_w)||' '||"
                                      "uncore_power_w||' '||quote(psys_power_w) FROM aipowermeter_record "
                                      "WHERE line = 1"),
                      "250.0 NULL 1.0 NULL");
  assert_string_equal(value_of(f, "cpu.uncore_power", "1", NULL, NULL, 1), "0.75|");
  assert_string_equal(value_of(f, "temperature.coretemp", NULL, NULL, "0/0", 1), "|Package id 0");
  assert_string_equal(value_of(f, "temperature.coretemp", NULL, NULL, "1/1", 1), "43.0|");
  assert_string_equal(value_of(f, "temperature.nvme", NULL, NULL, "0/3", 2), "84.85|");
  assert_string_equal(value_of(f, "gpu.per_gpu_nvidia_power", "1", NULL, NULL, 3), "100.0|");
  assert_string_equal(value_of(f, "gpu.per_gpu_nvidia_power", "0", NULL, NULL, 3), "170.0|");
  assert_string_equal(value_of(f, "cpu.absolute_cpu_time_per_pid", NULL, "777", NULL, 1), "1.25|");
  assert_string_equal(value_of(f, "cpu.total_mem_use", NULL, NULL, NULL, 1), "3859677184.0|");
  fx_assert_accounted(f);
}

/* Two recording segments, each closed by the marker line close_driver()
 * writes: the markers are stored and number the segments of the records. */
static void segment_markers(void **state) {
  struct fx *f = *state;
  fx_ingest_path(f, FX "segments-and-gap.jsonl", NULL);
  assert_string_equal(tl_text(&f->db, "SELECT group_concat(line||':'||segment||':'||text, ',') FROM "
                                      "(SELECT * FROM aipowermeter_marker ORDER BY line)"),
                      "4:0:END OF RECORDING SEGMENT,10:1:END OF RECORDING SEGMENT");
  assert_string_equal(tl_text(&f->db, "SELECT group_concat(segment, '') FROM (SELECT segment FROM "
                                      "aipowermeter_record ORDER BY line)"),
                      "00011111");
  assert_int_equal(tl_int(&f->db, "SELECT rows_ok FROM source_file"), 10);
  fx_assert_accounted(f);
}

/* The recorder killed while writing: the last record is cut, with no newline,
 * and rejected by the driver as 'truncated'; the records before it stay. */
static void torn_last_record(void **state) {
  struct fx *f = *state;
  fx_ingest_path(f, FX "torn-last-record.jsonl", NULL);
  assert_string_equal(tl_text(&f->db, "SELECT status||' '||rows_ok||' '||rows_rejected FROM source_file"),
                      "partial 2 1");
  assert_string_equal(tl_text(&f->db, "SELECT line||' '||reason FROM rejected_row"), "3 truncated");
  fx_assert_accounted(f);
}

/* Lines that are not records: a NaN token (what json.dumps writes for a NaN:
 * not JSON), a bare number, a string other than the marker, no date, a date
 * that does not exist, metrics that are not an object, text after the object,
 * a list; and a blank line. Each is rejected with its reason; the good records
 * around them are stored. */
static void bad_lines(void **state) {
  struct fx *f = *state;
  fx_ingest_path(f, FX "bad-lines.jsonl", NULL);
  assert_string_equal(tl_text(&f->db, "SELECT group_concat(line||' '||reason, ',') FROM (SELECT line, reason "
                                      "FROM rejected_row ORDER BY line)"),
                      "2 bad_json,3 not_a_record,4 not_a_record,5 bad_time,6 bad_time,7 no_metrics,"
                      "8 bad_json,9 not_a_record");
  /* jansson's column and message */
  assert_true(tl_int(&f->db, "SELECT col FROM rejected_row WHERE line = 2") > 60);
  assert_non_null(strstr(tl_text(&f->db, "SELECT message FROM rejected_row WHERE line = 2"), "NaN"));
  assert_true(tl_int(&f->db, "SELECT col FROM rejected_row WHERE line = 8") > 80);
  assert_string_equal(tl_text(&f->db, "SELECT group_concat(line, ',') FROM aipowermeter_record"), "1,11");
  assert_int_equal(tl_int(&f->db, "SELECT skipped_lines FROM source_file"), 1);
  fx_assert_accounted(f);
}

/* Keys the format does not know, at every level: under cpu (a number, a
 * string, a boolean, a null, a list), a new group (fpga), a value directly
 * under metrics, top-level keys beside date and metrics. All kept. */
static void unknown_keys_are_kept(void **state) {
  struct fx *f = *state;
  fx_ingest_path(f, FX "unknown-keys.jsonl", NULL);
  assert_near(tl_real(&f->db, "SELECT intel_power_w FROM aipowermeter_record"), 5.0);
  assert_string_equal(value_of(f, "cpu.future_power", NULL, NULL, NULL, 1), "1.5|");
  assert_string_equal(value_of(f, "cpu.mode", NULL, NULL, NULL, 1), "|turbo");
  assert_string_equal(value_of(f, "cpu.enabled", NULL, NULL, NULL, 1), "1.0|true");
  assert_string_equal(value_of(f, "cpu.missing", NULL, NULL, NULL, 1), "|null");
  assert_string_equal(value_of(f, "cpu.per_core", NULL, NULL, "1", 1), "2.0|");
  assert_string_equal(value_of(f, "fpga.board_power", NULL, NULL, NULL, 1), "9.0|");
  assert_string_equal(value_of(f, "note", NULL, NULL, NULL, 1), "|x");
  assert_string_equal(value_of(f, "hostname", NULL, NULL, NULL, 1), "|node-1");
  assert_string_equal(value_of(f, "run", NULL, NULL, "id", 1), "7.0|");
  assert_int_equal(tl_int(&f->db, "SELECT count(*) FROM aipowermeter_value"), 10);
  assert_string_equal(tl_text(&f->db, "SELECT group_concat(n, ',') FROM (SELECT n FROM aipowermeter_value "
                                      "ORDER BY n)"),
                      "1,2,3,4,5,6,7,8,9,10");
  fx_assert_accounted(f);
}

/* A string holding an escaped quote gives its line an odd number of '"': read
 * as CSV it would open a quoted field and swallow the next lines. The format
 * reads in LINES_PLAIN mode: three lines, three records. */
static void escaped_quote_does_not_join_records(void **state) {
  struct fx *f = *state;
  fx_ingest_path(f, FX "escaped-quote-in-string.jsonl", NULL);
  assert_string_equal(tl_text(&f->db, "SELECT lines||' '||rows_ok FROM source_file"), "3 3");
  assert_string_equal(value_of(f, "description", NULL, NULL, NULL, 1), "|resnet \"fast");
  fx_assert_accounted(f);
}

/* Recognised by its name alone when the first line says nothing: a recording
 * killed mid-record, then restarted, leaves a cut record as its first line
 * (rejected, not JSON) before good ones. */
static void recognised_by_name(void **state) {
  struct fx *f = *state;
  fx_ingest_path(f, FX "power_metrics.json", NULL);
  assert_string_equal(tl_text(&f->db, "SELECT format||' '||rows_ok||' '||rows_rejected FROM source_file"),
                      "aipowermeter 2 1");
  assert_string_equal(tl_text(&f->db, "SELECT line||' '||reason FROM rejected_row"), "1 bad_json");
  /* the bids themselves */
  struct sniff s = {.name = "power_metrics.json", .path = "x/power_metrics.json", .head = "", .first_line = ""};
  assert_string_equal(format_choose(&s)->name, "aipowermeter");
  s.name = s.path = "other.jsonl";
  assert_null(format_choose(&s));
  s.first_line = s.head = "\"END OF RECORDING SEGMENT\"";
  assert_string_equal(format_choose(&s)->name, "aipowermeter");
  s.first_line = s.head = "{\"metrics\": {}, \"date\": \"2023-01-01 00:00:00\"}";
  assert_string_equal(format_choose(&s)->name, "aipowermeter");
  s.first_line = s.head = "{\"date\": \"2023-01-01 00:00:00\"}";
  assert_null(format_choose(&s));
  fx_assert_accounted(f);
}

/* Written on Windows (text mode): CRLF line ends, removed before parsing. */
static void crlf_line_ends(void **state) {
  struct fx *f = *state;
  fx_ingest_path(f, FX "crlf-windows.jsonl", NULL);
  assert_string_equal(tl_text(&f->db, "SELECT group_concat(ts||'/'||intel_power_w, ',') FROM aipowermeter_record"),
                      "2023-01-02 03:04:05.000006/3.0,2023-01-02 03:04:07.000006/5.0");
  fx_assert_accounted(f);
}

/* Names too long for aipowermeter_value's bounded paths (600 nested keys; a PID
 * key of 100 bytes) reject their line whole: no value of it is stored, not even
 * those before the long one. Made here rather than as fixtures: 1.2 kB of
 * braces say nothing a reader can check by eye. */
static void overlong_names_reject_the_line(void **state) {
  struct fx *f = *state;
  char *dir = tl_mkdtemp();
  struct ic_buf b = {0};
  ic_put(&b, "{\"date\": \"2024-01-01 00:00:00\", \"metrics\": {\"cpu\": {\"intel_power\": 1.0, "
             "\"before\": 2.0, \"deep\": ");
  for (int i = 0; i < 600; i++) ic_put(&b, "{\"a\": ");
  ic_put(&b, "1");
  for (int i = 0; i < 600; i++) ic_put(&b, "}");
  ic_put(&b, "}}}\n{\"date\": \"2024-01-01 00:00:02\", \"metrics\": {\"cpu\": {\"per_process_cpu_uses\": {\"");
  for (int i = 0; i < 100; i++) ic_put(&b, "7");
  ic_put(&b, "\": 0.5}}}}\n{\"date\": \"2024-01-01 00:00:04\", \"metrics\": {\"cpu\": {\"intel_power\": 3.0}}}\n");
  tl_write_str(dir, "power_metrics.json", b.s);
  free(b.s);
  fx_ingest_path(f, dir, NULL);
  assert_string_equal(tl_text(&f->db, "SELECT group_concat(line||' '||reason, ',') FROM rejected_row"),
                      "1 too_deep,2 too_deep");
  assert_string_equal(tl_text(&f->db, "SELECT group_concat(line, ',') FROM aipowermeter_record"), "3");
  assert_int_equal(tl_int(&f->db, "SELECT count(*) FROM aipowermeter_value"), 0);
  fx_assert_accounted(f);
  tl_rmdir(dir);
}

/* Every fixture, ingested with blocks of 1 to 64 bytes, gives the same database. */
static void block_sweep(void **state) {
  (void)state;
  ic_block_sweep(FX, "aipowermeter_value", 64);
}

static double energy(struct fx *f, const char *file, const char *component) {
  return tl_real(&f->db, "SELECT energy_j FROM source_energy e JOIN source_file s ON s.id = e.file_id "
                         "WHERE s.path = '%s' AND e.source = 'aipowermeter' AND e.component = '%s' "
                         "AND e.device = ''",
                 file, component);
}

static long long components(struct fx *f, const char *file) {
  return tl_int(&f->db, "SELECT count(*) FROM source_energy e JOIN source_file s ON s.id = e.file_id "
                        "WHERE s.path = '%s' AND e.source = 'aipowermeter'",
                file);
}

/* Energy = each record's power x the time since the previous record of its
 * segment, per component (package, dram, psys, gpu), each file a session. */
static void energy_per_component(void **state) {
  struct fx *f = *state;
  fx_ingest_path(f, FX, NULL);
  fx_run_sources_sql(&f->db);
  const char *k21 = "keys-2021-08-old.jsonl"; /* records every 2 s */
  assert_near(energy(f, k21, "package"), 12.0 * 2 + 14.0 * 2);
  assert_near(energy(f, k21, "dram"), 3.0 * 2 + 4.0 * 2);
  assert_near(energy(f, k21, "psys"), 22.0 * 2 + 24.0 * 2);
  assert_near(energy(f, k21, "gpu"), 110.0 * 2 + 120.0 * 2);
  assert_int_equal(components(f, k21), 4);
  /* psys -1 and no dram key: no such components */
  const char *k22 = "keys-2022-psys-absent-no-dram.jsonl"; /* every 1 s */
  assert_near(energy(f, k22, "package"), 29.5 + 29.25);
  assert_near(energy(f, k22, "gpu"), 106.71 + 107.18);
  assert_int_equal(components(f, k22), 2);
  /* nvidia_power is the GPU total of 2026 */
  const char *k26 = "keys-2026-nvml-temperature.jsonl";
  assert_near(energy(f, k26, "gpu"), 260.0 * 2 + 270.0 * 2);
  assert_near(energy(f, k26, "package"), 42.0 * 2 + 44.0 * 2);
  assert_near(energy(f, k26, "dram"), 4.0 * 2 + 4.0 * 2);
  /* segments: 1 s intervals; not across the marker (1.5 s, within the gap
   * rule), not across the 38 s pause (over 5 median intervals) */
  const char *seg = "segments-and-gap.jsonl";
  assert_near(energy(f, seg, "package"), 20.0 + 30.0 + 50.0 + 60.0 + 80.0);
  assert_near(tl_real(&f->db, "SELECT covered_s FROM source_energy e JOIN source_file s ON s.id = e.file_id "
                              "WHERE s.path = '%s'",
                      seg),
              5.0);
  assert_string_equal(tl_text(&f->db, "SELECT samples||' '||first_us||' '||last_us FROM source_energy e JOIN "
                                      "source_file s ON s.id = e.file_id WHERE s.path = '%s'",
                              seg),
                      "5 1688126400000000 1688126444500000");
  assert_int_equal(tl_int(&f->db, "SELECT count(*) FROM source_energy WHERE source = 'aipowermeter' AND "
                                  "(run_id IS NOT NULL OR session_file_id IS NOT file_id)"),
                   0);
  assert_int_equal(tl_int(&f->db, "SELECT count(*) FROM source_energy WHERE energy_j IS NULL OR "
                                  "energy_j <> energy_j"),
                   0);
}

/* A recording on the machine of an eprof run (naive local 22:09:55 to 22:10:05):
 * attached to the run by overlap, and only the records whose interval ends
 * inside the run's span count. */
static void attached_to_an_overlapping_run(void **state) {
  struct fx *f = *state;
  char *dir = tl_mkdtemp();
  fx_write_overlapped_run(dir);
  tl_write_str(dir, "aipm/power_metrics.json",
               "{\"date\": \"2024-03-31 22:09:50.000000\", \"metrics\": {\"cpu\": {\"intel_power\": 100.0}}}\n"
               "{\"date\": \"2024-03-31 22:09:58.000000\", \"metrics\": {\"cpu\": {\"intel_power\": 10.0}}}\n"
               "{\"date\": \"2024-03-31 22:10:02.000000\", \"metrics\": {\"cpu\": {\"intel_power\": 30.0}}}\n"
               "{\"date\": \"2024-03-31 22:10:10.000000\", \"metrics\": {\"cpu\": {\"intel_power\": 900.0}}}\n");
  fx_ingest_path(f, dir, NULL);
  fx_run_sources_sql(&f->db);
  assert_string_equal(tl_text(&f->db, "SELECT how FROM source_attach a JOIN source_file s ON s.id = a.file_id "
                                      "WHERE s.format = 'aipowermeter'"),
                      "overlap");
  assert_near(tl_real(&f->db, "SELECT energy_j FROM source_energy WHERE source = 'aipowermeter' AND "
                              "run_id IS NOT NULL AND component = 'package'"),
              10.0 * 8 + 30.0 * 4);
  tl_rmdir(dir);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(keys_2021_08, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(keys_2022_psys_absent, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(keys_2026_nvml_temperature, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(segment_markers, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(torn_last_record, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(bad_lines, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(unknown_keys_are_kept, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(escaped_quote_does_not_join_records, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(recognised_by_name, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(crlf_line_ends, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(overlong_names_reject_the_line, fx_setup, fx_teardown),
      cmocka_unit_test(block_sweep),
      cmocka_unit_test_setup_teardown(energy_per_component, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(attached_to_an_overlapping_run, fx_setup, fx_teardown),
  };
  return cmocka_run_group_tests_name("fmt_aipowermeter", tests, NULL, NULL);
}
