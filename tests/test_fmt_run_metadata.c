/* tests/test_fmt_run_metadata.c: the study's run metadata (format run-metadata,
 * ingest/fmt_run_metadata.c) and runs.csv with every processed column
 * (fmt_run_manifest.c), on the fixtures of tests/fixtures/run-metadata/: header
 * variants, pairing by ordinal, by ordinal within a dataset and by stamp,
 * unknown columns kept, bad lines rejected, and what v_run then shows.
 *
 * The runs paired with are those of tests/fixtures/transform/raw/lab/tiny/ds/:
 * A 20240101T000000 (with an epoch_end file of 2 epochs), B 20240101T010000 and
 * C 20240101T020000 (none): ordinals 0, 1, 2 of lab/tiny. */
#include "tests/testlib.h"

#include "tests/fmtlib.h"
#include "transform/transform.h"

#define FX "tests/fixtures/run-metadata/"
#define RUNS "tests/fixtures/transform/raw"

static void ingest(struct fx *f, const char *name) {
  char path[512];
  snprintf(path, sizeof path, FX "%s", name);
  fx_ingest_path(f, path, NULL);
  fx_assert_accounted(f);
}

static void transform(struct fx *f) {
  struct transform_options opt = {.profiles = TF_ALL};
  struct transform_stats st;
  msg_quiet = 1;
  assert_int_equal(transform_run(&f->db, &opt, &st), 0);
  msg_quiet = 0;
}

static long long run_int(struct fx *f, const char *profile, const char *stamp, const char *expr) {
  return tl_int(&f->db, "SELECT %s FROM v_run WHERE profile='%s' AND stamp='%s'", expr, profile, stamp);
}

/* The study's own header (spaces, GFLOPs, f1-score, train_environment, run),
 * rows out of order, an unknown column: stored by name, the unknown column per
 * line in run_metadata_extra (empty cells not kept). */
static void study_header_is_read(void **state) {
  struct fx *f = *state;
  ingest(f, "study-ordinal.csv");
  assert_string_equal(tl_text(&f->db, "SELECT format||' '||format_version||' '||status FROM source_file"),
                      "run-metadata ordinal ok");
  assert_int_equal(tl_int(&f->db, "SELECT count(*) FROM run_metadata"), 5);
  assert_string_equal(tl_text(&f->db, "SELECT environment||'/'||architecture||'/'||run||' '||paired_by||' '||"
                                      "split_number||' '||train_size||' '||validation_size||' '||batch_size||' '||"
                                      "trained_epochs||' '||total_seen_images||' '||(dataset IS NULL)||"
                                      "(stamp IS NULL)||(image_size IS NULL) FROM run_metadata WHERE line = 4"),
                      "lab/tiny/1 ordinal 1 1000 300 64 11 13000 111");
  assert_true(tl_real(&f->db, "SELECT gflops FROM run_metadata WHERE line = 4") == 0.5);
  assert_true(tl_real(&f->db, "SELECT accuracy FROM run_metadata WHERE line = 4") == 0.71);
  assert_true(tl_real(&f->db, "SELECT auc FROM run_metadata WHERE line = 4") == 0.75);
  assert_true(tl_real(&f->db, "SELECT f1 FROM run_metadata WHERE line = 4") == 0.71);
  assert_true(tl_real(&f->db, "SELECT precision + recall FROM run_metadata WHERE line = 4") == 0.7 + 0.72);
  assert_string_equal(tl_text(&f->db, "SELECT group_concat(line||':'||name||'='||value, ' ') FROM "
                                      "(SELECT * FROM run_metadata_extra ORDER BY line)"),
                      "2:notes=third 4:notes=second 5:notes=no such run");
}

/* Pairing by ordinal: row run=k is the k-th run of lab/tiny in stamp order,
 * whatever the order of the rows; run 3 and cloud/tiny pair with nothing. */
static void ordinal_pairing(void **state) {
  struct fx *f = *state;
  fx_ingest_path(f, RUNS, NULL);
  ingest(f, "study-ordinal.csv");
  transform(f);
  assert_string_equal(tl_text(&f->db, "SELECT group_concat(p.line||'>'||COALESCE(r.stamp, '-')||' '||p.paired_by"
                                      "||' '||p.group_runs||'/'||p.group_rows, ', ') FROM"
                                      " (SELECT * FROM run_metadata_pair ORDER BY line) p"
                                      " LEFT JOIN run r ON r.id = p.run_id"),
                      "2>20240101T020000 ordinal 3/4, 3>20240101T000000 ordinal 3/4, "
                      "4>20240101T010000 ordinal 3/4, 5>- ordinal 3/4, 6>- ordinal 0/1");
  const char *a = "20240101T000000", *b = "20240101T010000", *c = "20240101T020000";
  for (int k = 0; k < 2; k++) {
    const char *prof = k ? "gaissa" : "default";
    assert_int_equal(run_int(f, prof, b, "batch_size"), 64);
    assert_int_equal(run_int(f, prof, a, "batch_size"), 32);
    assert_int_equal(run_int(f, prof, b, "split_number"), 1);
    assert_int_equal(run_int(f, prof, c, "train_size + validation_size"), 1300);
    assert_true(tl_real(&f->db, "SELECT accuracy FROM v_run WHERE profile='%s' AND stamp='%s'", prof, c) == 0.91);
    assert_string_equal(tl_text(&f->db, "SELECT metrics_source||' '||metadata_paired_by FROM v_run"
                                        " WHERE profile='%s' AND stamp='%s'", prof, a),
                        "run-metadata ordinal");
    /* B and C have no epoch_end file: the study's trained epochs and images */
    assert_int_equal(run_int(f, prof, b, "trained_epochs"), 11);
    assert_int_equal(run_int(f, prof, c, "total_seen_images"), 15000);
    /* A's epoch_end file counts its epochs (2 rows); nothing states a return code */
    assert_int_equal(run_int(f, prof, a, "trained_epochs"), 2);
  }
  /* images seen from the sizes and the measured epochs: (⌊1000/32⌋+⌊300/32⌋)·32 =
   * 1280 per epoch; default: 2 epochs measured; gaissa: the anchor's max index 1 */
  assert_int_equal(run_int(f, "default", a, "total_seen_images"), 2560);
  assert_int_equal(run_int(f, "gaissa", a, "total_seen_images"), 1280);
  assert_int_equal(run_int(f, "default", b, "return_code IS NULL"), 1);
  assert_int_equal(run_int(f, "gaissa", a, "return_code"), 0);
}

/* MLflow's own names (params., metrics.val_), ';' and CRLF, the anchor's
 * environment label, a dataset column (ordinal within the dataset), ints as
 * floats, '(128, 128)', nan: noted, NULL. */
static void mlflow_names_and_dataset_ordinal(void **state) {
  struct fx *f = *state;
  tl_write_str(f->dir, "raw/local-v2/tiny/ds/gpu-power-20240301T100000.csv",
               "timestamp,gpu_name,gpu_usage,gpu_memory_usage,gpu_total_memory,gpu_memory_used,gpu_power_draw,"
               "gpu_max_power,gpu_temperature\n"
               "2024-03-01 10:00:01.000,NVIDIA GeForce RTX 3070,50 %,10 %,8192 MiB,1000 MiB,100.00 W,220.00 W,50\n");
  tl_write_str(f->dir, "raw/local-v2/tiny/ds/gpu-power-20240301T090000.csv",
               "timestamp,gpu_name,gpu_usage,gpu_memory_usage,gpu_total_memory,gpu_memory_used,gpu_power_draw,"
               "gpu_max_power,gpu_temperature\n"
               "2024-03-01 09:00:01.000,NVIDIA GeForce RTX 3070,50 %,10 %,8192 MiB,1000 MiB,100.00 W,220.00 W,50\n");
  tl_write_str(f->dir, "raw/local-v2/tiny/other/gpu-power-20240301T080000.csv",
               "timestamp,gpu_name,gpu_usage,gpu_memory_usage,gpu_total_memory,gpu_memory_used,gpu_power_draw,"
               "gpu_max_power,gpu_temperature\n"
               "2024-03-01 08:00:01.000,NVIDIA GeForce RTX 3070,50 %,10 %,8192 MiB,1000 MiB,100.00 W,220.00 W,50\n");
  char raw[512];
  snprintf(raw, sizeof raw, "%s/raw", f->dir);
  fx_ingest_path(f, raw, NULL);
  ingest(f, "mlflow-semicolon-dataset.csv");
  assert_string_equal(tl_text(&f->db, "SELECT format_version FROM source_file WHERE format='run-metadata'"),
                      "ordinal-dataset");
  assert_string_equal(tl_text(&f->db, "SELECT group_concat(batch_size||' '||image_size||' '||COALESCE(train_size, '-')"
                                      "||' '||COALESCE(accuracy, '-')||' '||COALESCE(trained_epochs, '-')||' '||paired_by, ', ')"
                                      " FROM (SELECT * FROM run_metadata ORDER BY line)"),
                      "32 128 1000 0.9 7 dataset ordinal, 64 224 1000 - - dataset ordinal, "
                      "16 75 - 0.5 3 dataset ordinal");
  assert_string_equal(tl_text(&f->db, "SELECT name||'='||text FROM unparsed_value"), "accuracy=nan");
  assert_string_equal(tl_text(&f->db, "SELECT group_concat(name||'='||value, ' ') FROM"
                                      " (SELECT * FROM run_metadata_extra ORDER BY line, name)"),
                      "metrics.MACCS=1.5e9 run_id=ab12 metrics.MACCS=1.5e9 run_id=cd34 run_id=ef56");
  /* Local ML Engineer is local-v2; ordinals count within the dataset: ds has
   * 0 = 09:00 and 1 = 10:00, other 0 = 08:00 (across datasets 08:00 would be 0) */
  transform(f);
  assert_string_equal(tl_text(&f->db, "SELECT group_concat(p.line||'>'||r.stamp||' '||p.group_runs||'/'||p.group_rows, ', ')"
                                      " FROM (SELECT * FROM run_metadata_pair ORDER BY line) p JOIN run r ON r.id = p.run_id"),
                      "2>20240301T090000 2/2, 3>20240301T100000 2/2, 4>20240301T080000 1/1");
  assert_int_equal(run_int(f, "default", "20240301T100000", "batch_size"), 64);
  assert_int_equal(run_int(f, "default", "20240301T100000", "image_size"), 224);
  assert_int_equal(run_int(f, "default", "20240301T080000", "trained_epochs"), 3);
  assert_string_equal(tl_text(&f->db, "SELECT metadata_paired_by FROM v_run WHERE profile='default'"
                                      " AND stamp='20240301T080000'"), "dataset ordinal");
}

/* A stamp column instead of run: paired by stamp; val_loss is kept. */
static void stamp_pairing(void **state) {
  struct fx *f = *state;
  fx_ingest_path(f, RUNS, NULL);
  ingest(f, "stamp-keyed.csv");
  transform(f);
  assert_string_equal(tl_text(&f->db, "SELECT format_version FROM source_file WHERE format='run-metadata'"), "stamp");
  assert_int_equal(run_int(f, "default", "20240101T010000", "batch_size"), 128);
  assert_string_equal(tl_text(&f->db, "SELECT metadata_paired_by FROM v_run WHERE profile='default'"
                                      " AND stamp='20240101T010000'"), "stamp");
  assert_int_equal(tl_int(&f->db, "SELECT count(*) FROM v_run WHERE batch_size IS NOT NULL"), 2);
  assert_string_equal(tl_text(&f->db, "SELECT name||'='||value FROM run_metadata_extra"), "val_loss=0.25");
}

/* Lines that cannot be metadata are rejected, one reason each; the good one is stored. */
static void bad_lines_are_rejected(void **state) {
  struct fx *f = *state;
  ingest(f, "bad-lines.csv");
  assert_string_equal(tl_text(&f->db, "SELECT group_concat(line||':'||reason, ' ') FROM"
                                      " (SELECT * FROM rejected_row ORDER BY line)"),
                      "2:bad_run 3:bad_run 4:bad_number 5:bad_number 6:missing_key 7:field_count");
  assert_int_equal(tl_int(&f->db, "SELECT count(*) FROM run_metadata"), 1);
  assert_string_equal(tl_text(&f->db, "SELECT status FROM source_file"), "partial");
}

/* Without a run or stamp column no format takes the file; forced, it is refused. */
static void no_key_is_refused(void **state) {
  struct fx *f = *state;
  ingest(f, "no-run-column.csv");
  assert_string_equal(tl_text(&f->db, "SELECT status||': '||error FROM source_file"),
                      "rejected: unrecognised format");
  tl_close(&f->db);
  tl_open(&f->db, f->dir, "forced.db");
  fx_ingest_path(f, FX "no-run-column.csv", "run-metadata");
  assert_string_equal(tl_text(&f->db, "SELECT status||': '||error FROM source_file"),
                      "rejected: header has no column 'run' (the run's ordinal) nor 'stamp'");
}

/* runs.csv with every processed column, its keys in another order, the study's
 * header names, an unknown column: all stored, the unknown one kept; in v_run the
 * stated values win and the return code is the stated one. */
static void runs_csv_takes_every_column(void **state) {
  struct fx *f = *state;
  ingest(f, "runs-all-columns.csv");
  assert_string_equal(tl_text(&f->db, "SELECT format||' '||status FROM source_file"), "run-manifest ok");
  assert_string_equal(tl_text(&f->db, "SELECT batch_size||' '||train_size||' '||validation_size||' '||trained_epochs"
                                      "||' '||total_seen_images||' '||split_number||' '||return_code||' '||"
                                      "measured_epochs FROM run_manifest"),
                      "32 23807 10203 89 2919872 0 0 86");
  assert_true(tl_real(&f->db, "SELECT f1 FROM run_manifest") == 0.976213);
  assert_true(tl_real(&f->db, "SELECT auc FROM run_manifest") == 0.995675);
  assert_string_equal(tl_text(&f->db, "SELECT name||'='||value FROM run_metadata_extra"), "optimizer=adam");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(study_header_is_read, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(ordinal_pairing, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(mlflow_names_and_dataset_ordinal, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(stamp_pairing, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(bad_lines_are_rejected, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(no_key_is_refused, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(runs_csv_takes_every_column, fx_setup, fx_teardown),
  };
  return cmocka_run_group_tests_name("fmt_run_metadata", tests, NULL, NULL);
}
