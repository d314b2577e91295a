/* tests/test_fmt_nvidia_smi.c: general nvidia-smi query CSV (ingest/fmt_nvidia_smi.c),
 * one fixture per quirk under tests/fixtures/nvidia-smi/. */
#include "tests/testlib.h"

#include "tests/fmtlib.h"

#define FX "tests/fixtures/nvidia-smi/"

/* Two GPUs interleaved by index; [N/A] and [Not Supported] are NULL numbers
 * with their text kept; a garbled power reading rejects its line. */
static void multi_gpu_by_index_with_sentinels(void **state) {
  struct fx *f = *state;
  fx_ingest_path(f, FX "multi-gpu-index-na.csv", NULL);
  assert_string_equal(tl_text(&f->db, "SELECT format||' '||format_version||' '||status FROM source_file"),
                      "nvidia-smi units partial");
  assert_int_equal(tl_int(&f->db, "SELECT count(*) FROM nvidia_smi_sample"), 4);
  assert_int_equal(tl_int(&f->db, "SELECT count(DISTINCT gpu) FROM nvidia_smi_sample"), 2);
  assert_true(tl_real(&f->db, "SELECT power_w FROM nvidia_smi_sample WHERE line = 5") == 50.5);
  assert_int_equal(tl_int(&f->db, "SELECT power_w IS NULL FROM nvidia_smi_sample WHERE line = 3"), 1);
  assert_string_equal(tl_text(&f->db, "SELECT text FROM nvidia_smi_value WHERE line = 5 AND "
                                      "field = 'utilization.gpu'"),
                      "[Not Supported]");
  assert_string_equal(tl_text(&f->db, "SELECT unit||' '||num FROM nvidia_smi_value WHERE line = 2 AND "
                                      "field = 'memory.used'"),
                      "MiB 1024.0");
  assert_string_equal(tl_text(&f->db, "SELECT text FROM nvidia_smi_value WHERE line = 2 AND field = 'pstate'"),
                      "P2");
  assert_string_equal(tl_text(&f->db, "SELECT reason FROM rejected_row"), "bad_number");
  fx_assert_accounted(f);
}

/* nvidia-smi called once per sample with >>: the header before every row. */
static void header_repeated_before_every_row(void **state) {
  struct fx *f = *state;
  fx_ingest_path(f, FX "repeated-headers.csv", NULL);
  assert_string_equal(tl_text(&f->db, "SELECT status FROM source_file"), "ok");
  assert_int_equal(tl_int(&f->db, "SELECT skipped_lines FROM source_file"), 3);
  assert_int_equal(tl_int(&f->db, "SELECT rows_ok FROM source_file"), 3);
  assert_string_equal(tl_text(&f->db, "SELECT DISTINCT gpu FROM nvidia_smi_sample"), "0");
  fx_assert_accounted(f);
}

/* PowerShell `>` writes UTF-16LE with a BOM and CRLF. */
static void utf16le_with_bom(void **state) {
  struct fx *f = *state;
  fx_ingest_path(f, FX "utf16le-bom-crlf.csv", NULL);
  assert_string_equal(tl_text(&f->db, "SELECT format||' '||status FROM source_file"), "nvidia-smi ok");
  assert_true(tl_real(&f->db, "SELECT sum(power_w) FROM nvidia_smi_sample") == 22.89 + 24.89);
}

/* noheader with units, two GPUs, no id column: told apart by their position
 * among the lines sharing a timestamp. */
static void noheader_gpus_by_position(void **state) {
  struct fx *f = *state;
  fx_ingest_path(f, FX "noheader-units-two-gpus.csv", NULL);
  assert_string_equal(tl_text(&f->db, "SELECT format||' '||format_version FROM source_file"),
                      "nvidia-smi noheader");
  assert_string_equal(tl_text(&f->db, "SELECT group_concat(gpu, '') FROM "
                                      "(SELECT gpu FROM nvidia_smi_sample ORDER BY line)"),
                      "0101");
  assert_true(tl_real(&f->db, "SELECT num FROM nvidia_smi_value WHERE line = 2 AND col = 2") == 40.0);
  assert_string_equal(tl_text(&f->db, "SELECT field FROM nvidia_smi_value WHERE line = 2 AND col = 1"),
                      "timestamp");
}

/* Bare numbers (noheader,nounits, power only): nothing to recognise, so the
 * user says --format nvidia-smi and names the fields (WATTDB_NVIDIA_SMI_FIELDS for
 * the command line, ingest_options.nvidia_smi_fields here). */
static void bare_numbers_need_format_and_fields(void **state) {
  struct fx *f = *state;
  fx_ingest_path(f, FX "noheader-bare-numbers.csv", NULL);
  assert_string_equal(tl_text(&f->db, "SELECT status||' '||error FROM source_file"),
                      "rejected unrecognised format");
  fx_ingest_path_fields(f, FX "noheader-bare-numbers.csv", "nvidia-smi", "power.draw");
  assert_string_equal(tl_text(&f->db, "SELECT format||' '||status FROM source_file"), "nvidia-smi ok");
  assert_true(tl_real(&f->db, "SELECT power_w FROM nvidia_smi_sample WHERE line = 3") == 28.50);
  assert_int_equal(tl_int(&f->db, "SELECT count(*) FROM nvidia_smi_sample WHERE ts_us IS NULL"), 3);
  fx_assert_accounted(f);
}

/* nounits header, GPUs keyed by uuid. */
static void nounits_keyed_by_uuid(void **state) {
  struct fx *f = *state;
  fx_ingest_path(f, FX "nounits-uuid.csv", NULL);
  assert_string_equal(tl_text(&f->db, "SELECT format_version FROM source_file"), "nounits");
  assert_true(tl_real(&f->db, "SELECT sum(power_w) FROM nvidia_smi_sample WHERE "
                              "gpu = 'GPU-8fe3a97d-0000-0000-0000-000000000002'") == 600.0);
}

/* A timestamp that does not exist (Feb 30, 24:00) rejects its line. */
static void timestamp_out_of_range_is_rejected(void **state) {
  struct fx *f = *state;
  char *dir = tl_mkdtemp();
  tl_write_str(dir, "smi.csv",
               "timestamp, index, power.draw [W]\n"
               "2023/06/22 18:56:56.252, 0, 35.12 W\n"
               "2023/02/30 18:56:57.252, 0, 35.12 W\n"
               "2023/06/22 24:00:00.000, 0, 35.12 W\n");
  fx_ingest_path(f, dir, NULL);
  tl_rmdir(dir);
  assert_string_equal(tl_text(&f->db, "SELECT group_concat(line||':'||col||':'||reason, ' ') FROM (SELECT * "
                                      "FROM rejected_row ORDER BY line)"),
                      "3:1:bad_time 4:1:bad_time");
  assert_int_equal(tl_int(&f->db, "SELECT count(*) FROM nvidia_smi_sample"), 1);
  fx_assert_accounted(f);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(multi_gpu_by_index_with_sentinels, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(header_repeated_before_every_row, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(utf16le_with_bom, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(noheader_gpus_by_position, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(bare_numbers_need_format_and_fields, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(nounits_keyed_by_uuid, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(timestamp_out_of_range_is_rejected, fx_setup, fx_teardown),
  };
  return cmocka_run_group_tests_name("fmt_nvidia_smi", tests, NULL, NULL);
}
