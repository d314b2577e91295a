/* tests/test_fmt_codecarbon.c: CodeCarbon emissions.csv (ingest/fmt_codecarbon.c), one
 * fixture per quirk under tests/fixtures/codecarbon/. */
#include "tests/testlib.h"

#include "tests/fmtlib.h"

#define FX "tests/fixtures/codecarbon/"

static void ingest(struct fx *f, const char *name) {
  char path[512];
  snprintf(path, sizeof path, FX "%s", name);
  fx_ingest_path(f, path, NULL);
}

static int close_to(double a, double b) {
  return fabs(a - b) <= 1e-12 * fmax(fabs(a), fabs(b));
}

/* 2.0-2.1 (29 columns, no codecarbon_version): emissions_rate is g/s; Windows
 * CRLF; energies in kWh become J. */
static void v29_grams_and_crlf(void **state) {
  struct fx *f = *state;
  ingest(f, "v2.0-29col-grams-crlf.csv");
  assert_string_equal(tl_text(&f->db, "SELECT format||' '||format_version||' '||status FROM source_file"),
                      "codecarbon 29col ok");
  assert_true(close_to(tl_real(&f->db, "SELECT emissions_rate_kg_s FROM codecarbon_row"),
                       0.0013914994730008 / 1000));
  assert_true(close_to(tl_real(&f->db, "SELECT energy_j FROM codecarbon_row"),
                       7.110571919360698e-06 * 3.6e6));
  assert_string_equal(tl_text(&f->db, "SELECT on_cloud||'|'||region||'|'||gpu_model FROM codecarbon_row"),
                      "N|capital region|1 x NVIDIA GeForce GTX 1650 with Max-Q Design");
  assert_int_equal(tl_int(&f->db, "SELECT cloud_provider IS NULL FROM codecarbon_row"), 1);
  assert_int_equal(tl_int(&f->db, "SELECT ts_us FROM codecarbon_row"),
                   1666866002LL * 1000000); /* 2022-10-27T10:20:02, naive */
  fx_assert_accounted(f);
}

/* 3.2.1+ canonical 38 columns: kg/s kept as is, water and utilization read. */
static void v38_kilograms(void **state) {
  struct fx *f = *state;
  ingest(f, "v3.2.2-38col.csv");
  assert_string_equal(tl_text(&f->db, "SELECT format_version FROM source_file"), "38col");
  assert_true(close_to(tl_real(&f->db, "SELECT emissions_rate_kg_s FROM codecarbon_row"),
                       2.083771332492627e-06));
  assert_true(tl_real(&f->db, "SELECT pue FROM codecarbon_row") == 1.0);
  assert_true(tl_real(&f->db, "SELECT cpu_util_pct FROM codecarbon_row") == 0.0);
  assert_string_equal(tl_text(&f->db, "SELECT experiment_id FROM codecarbon_row"),
                      "5b0fa12a-3dd7-45bb-9766-cc326314d9f1");
  assert_int_equal(tl_int(&f->db, "SELECT count(*) FROM codecarbon_extra"), 0);
}

/* 3.1.1-3.2.3 dropna: gpu columns missing, cloud columns moved to the end; by
 * name, every value lands in its column. */
static void reordered_columns_by_name(void **state) {
  struct fx *f = *state;
  ingest(f, "v3.2.0-reordered-no-gpu-cols.csv");
  assert_string_equal(tl_text(&f->db, "SELECT format_version FROM source_file"), "32col");
  assert_string_equal(tl_text(&f->db, "SELECT os||'|'||codecarbon_version||'|'||tracking_mode "
                                      "FROM codecarbon_row"),
                      "Windows-10-10.0.26200-SP0|3.2.0|machine");
  assert_int_equal(tl_int(&f->db, "SELECT gpu_count IS NULL AND cloud_region IS NULL FROM codecarbon_row"), 1);
  assert_true(tl_real(&f->db, "SELECT wue FROM codecarbon_row") == 0.0);
  fx_assert_accounted(f);
}

/* start_task/stop_task write emissions_<exp>_<run>.csv with task_name first. */
static void task_file(void **state) {
  struct fx *f = *state;
  ingest(f, "emissions_base_8c057840-c38a-42fa-84af-6bad73b8e286.csv");
  assert_string_equal(tl_text(&f->db, "SELECT format||' '||format_version FROM source_file"),
                      "codecarbon task-34col");
  assert_string_equal(tl_text(&f->db, "SELECT task_name||'|'||tracking_mode FROM codecarbon_row"),
                      "glouton|process");
}

/* A user aligned the columns in an editor: blanks around every field and header
 * name; 1.0 for counts; scientific notation with e and E. */
static void padded_fields_and_scientific_notation(void **state) {
  struct fx *f = *state;
  ingest(f, "v2.3-31col-padded.csv");
  assert_string_equal(tl_text(&f->db, "SELECT format||' '||status FROM source_file"), "codecarbon ok");
  assert_string_equal(tl_text(&f->db, "SELECT project_name||'|'||run_id FROM codecarbon_row"),
                      "codecarbon|40ab1869-0000-4000-8000-000000000001");
  assert_true(close_to(tl_real(&f->db, "SELECT ram_energy_j FROM codecarbon_row"), 1.5e-4 * 3.6e6));
  assert_true(tl_real(&f->db, "SELECT gpu_count FROM codecarbon_row") == 1.0);
  /* 2.3.4 is after 2.2: kg/s */
  assert_true(close_to(tl_real(&f->db, "SELECT emissions_rate_kg_s FROM codecarbon_row"), 1.1301e-07));
}

/* A row shorter than the header is kept (missing tail NULL, field count noted);
 * two rows glued on one line are rejected; an unknown column is kept as
 * key/value. */
static void short_long_and_unknown_columns(void **state) {
  struct fx *f = *state;
  ingest(f, "short-long-unknown.csv");
  assert_string_equal(tl_text(&f->db, "SELECT status FROM source_file"), "partial");
  assert_int_equal(tl_int(&f->db, "SELECT count(*) FROM codecarbon_row"), 2);
  assert_int_equal(tl_int(&f->db, "SELECT fields FROM codecarbon_row WHERE line = 3"), 29);
  assert_int_equal(tl_int(&f->db, "SELECT pue IS NULL AND on_cloud IS NULL AND tracking_mode = 'machine' "
                                  "FROM codecarbon_row WHERE line = 3"),
                   1);
  assert_string_equal(tl_text(&f->db, "SELECT name||'='||value FROM codecarbon_extra WHERE line = 2"),
                      "my_note=hello");
  assert_int_equal(tl_int(&f->db, "SELECT count(*) FROM codecarbon_extra"), 1);
  assert_string_equal(tl_text(&f->db, "SELECT reason FROM rejected_row WHERE line = 4"), "field_count");
  fx_assert_accounted(f);
}

/* A backup left by a version upgrade (emissions.csv_N.bak), in the 1.x layout
 * of 12 columns (experiment_id second, no emissions_rate). */
static void backup_of_a_v1_file(void **state) {
  struct fx *f = *state;
  ingest(f, "emissions.csv_3.bak");
  assert_string_equal(tl_text(&f->db, "SELECT format||' '||format_version FROM source_file"),
                      "codecarbon 12col");
  assert_true(close_to(tl_real(&f->db, "SELECT energy_j FROM codecarbon_row"),
                       0.00012803860662702362 * 3.6e6));
  assert_int_equal(tl_int(&f->db, "SELECT emissions_rate_kg_s IS NULL FROM codecarbon_row"), 1);
}

/* `...,extra,extra` and a known column written twice: the ingest used to stop
 * on UNIQUE(file_id, line, name) of codecarbon_extra. Nothing is lost: the
 * first 'timestamp' is the row's time, the second goes to codecarbon_extra as
 * 'timestamp.1', and the two 'extra' as 'extra' and 'extra.1'. */
static void header_repeating_extra_keeps_both(void **state) {
  struct fx *f = *state;
  char *dir = tl_mkdtemp();
  tl_write_str(dir, "emissions.csv",
               "timestamp,project_name,duration,emissions,energy_consumed,extra,extra,timestamp\n"
               "2024-05-30T11:03:37,p,10.5,1e-05,0.001,first,second,2024-05-30T11:03:38\n");
  fx_ingest_path(f, dir, NULL);
  tl_rmdir(dir);
  assert_string_equal(tl_text(&f->db, "SELECT format||' '||status FROM source_file"), "codecarbon ok");
  assert_int_equal(tl_int(&f->db, "SELECT ts_us FROM codecarbon_row"), 1717067017LL * 1000000);
  assert_string_equal(tl_text(&f->db, "SELECT group_concat(name||'='||value, ' ') FROM (SELECT * FROM "
                                      "codecarbon_extra ORDER BY name)"),
                      "extra=first extra.1=second timestamp.1=2024-05-30T11:03:38");
  fx_assert_accounted(f);
}

/* A timestamp that does not exist, and a duration that is negative or starts
 * the span before 1970, reject their line ('bad_time') instead of storing a
 * wrong span. */
static void times_out_of_range_are_rejected(void **state) {
  struct fx *f = *state;
  char *dir = tl_mkdtemp();
  tl_write_str(dir, "emissions.csv",
               "timestamp,project_name,duration,emissions,energy_consumed\n"
               "2024-05-30T11:03:37,p,10.5,1e-05,0.001\n"
               "2024-02-31T11:03:37,p,10.5,1e-05,0.001\n"
               "2024-05-30T11:03:37,p,-3,1e-05,0.001\n"
               "2024-05-30T11:03:37,p,1e300,1e-05,0.001\n");
  fx_ingest_path(f, dir, NULL);
  tl_rmdir(dir);
  assert_string_equal(tl_text(&f->db, "SELECT group_concat(line||':'||col||':'||reason, ' ') FROM (SELECT * "
                                      "FROM rejected_row ORDER BY line)"),
                      "3:1:bad_time 4:3:bad_time 5:3:bad_time");
  assert_int_equal(tl_int(&f->db, "SELECT line FROM codecarbon_row"), 2);
  fx_assert_accounted(f);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(v29_grams_and_crlf, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(v38_kilograms, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(reordered_columns_by_name, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(task_file, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(padded_fields_and_scientific_notation, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(short_long_and_unknown_columns, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(backup_of_a_v1_file, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(header_repeating_extra_keeps_both, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(times_out_of_range_are_rejected, fx_setup, fx_teardown),
  };
  return cmocka_run_group_tests_name("fmt_codecarbon", tests, NULL, NULL);
}
