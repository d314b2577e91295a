/* tests/test_real_metadata.c: on the replication package's real data (skipped
 * when ../shared/data/real/eprof is absent), the 309 runs of seaa2023-data.zip
 * have no epoch_end file, no launch manifest and no metadata: their epochs,
 * images seen and return codes are unknown, NULL in all 618 v_run rows. With the
 * study's model-metrics-seaa2023.csv added, every run carries its metadata,
 * paired by its ordinal among its environment and architecture's runs. */
#include "tests/testlib.h"

#include "transform/transform.h"

static const char *real_file(const char *name) {
  static char buf[1024];
  const char *real = tl_shared_real();
  if (!real) return NULL;
  snprintf(buf, sizeof buf, "%s/eprof/%s", real, name);
  struct stat st;
  return stat(buf, &st) == 0 ? buf : NULL;
}

static void transform_all(struct wdb *db) {
  struct transform_options opt = {.profiles = TF_ALL};
  struct transform_stats st;
  msg_quiet = 1;
  assert_int_equal(transform_run(db, &opt, &st), 0);
  msg_quiet = 0;
}

static void real_zip_without_and_with_the_study_metadata(void **state) {
  (void)state;
  if (!real_file("seaa2023-data.zip") || !real_file("model-metrics-seaa2023.csv")) skip();
  char zip[1024], meta[1024];
  snprintf(zip, sizeof zip, "%s", real_file("seaa2023-data.zip"));
  snprintf(meta, sizeof meta, "%s", real_file("model-metrics-seaa2023.csv"));
  char *dir = tl_mkdtemp();
  struct wdb db;
  tl_open(&db, dir, "t.db");
  tl_ingest(&db, zip);
  transform_all(&db);
  assert_int_equal(tl_int(&db, "SELECT count(*) FROM v_run"), 618);
  assert_int_equal(tl_int(&db, "SELECT count(*) FROM v_run WHERE trained_epochs IS NULL AND measured_epochs IS NULL"
                               " AND total_seen_images IS NULL AND return_code IS NULL"), 618);
  assert_int_equal(tl_int(&db, "SELECT count(*) FROM v_run WHERE batch_size IS NOT NULL OR accuracy IS NOT NULL"), 0);
  /* every run has GPU and CPU samples: energy_j sums both */
  assert_int_equal(tl_int(&db, "SELECT count(*) FROM v_run WHERE energy_components = 'gpu+ram'"), 618);

  tl_ingest(&db, meta);
  assert_string_equal(tl_text(&db, "SELECT format||' '||status||' '||rows_ok FROM source_file"
                                   " WHERE path LIKE '%%model-metrics-seaa2023.csv'"),
                      "run-metadata ok 369");
  transform_all(&db);
  /* 309 rows pair with a run; the 60 of environment 'local' have none in the zip */
  assert_int_equal(tl_int(&db, "SELECT count(DISTINCT run_id) FROM run_metadata_pair"), 309);
  assert_int_equal(tl_int(&db, "SELECT count(*) FROM run_metadata_pair p JOIN run_metadata m USING (file_id, line)"
                               " WHERE p.run_id IS NULL AND m.environment = 'local' AND p.group_runs = 0"), 60);
  /* each paired group has as many runs as rows: no ordinal shifted */
  assert_int_equal(tl_int(&db, "SELECT count(*) FROM run_metadata_pair WHERE run_id IS NOT NULL"
                               " AND group_runs <> group_rows"), 0);
  assert_int_equal(tl_int(&db, "SELECT count(*) FROM v_run WHERE batch_size IS NOT NULL AND train_size IS NOT NULL"
                               " AND validation_size IS NOT NULL AND gflops IS NOT NULL AND accuracy IS NOT NULL"
                               " AND trained_epochs IS NOT NULL AND total_seen_images IS NOT NULL"
                               " AND split_number IS NOT NULL AND metadata_paired_by = 'ordinal'"), 618);
  /* nothing states a return code */
  assert_int_equal(tl_int(&db, "SELECT count(*) FROM v_run WHERE return_code IS NOT NULL"), 0);
  /* the first cloud/mobilenet_v2 run is the first of the replication package's
   * published table: its accuracy, AUC and F1 as published (0.975629, 0.995675,
   * 0.976213) */
  const char *first = "profile='default' AND environment='cloud' AND architecture='mobilenet_v2'"
                      " AND stamp='20221205T095541'";
  assert_true(tl_real(&db, "SELECT accuracy FROM v_run WHERE %s", first) == 0.9756289124488831);
  assert_string_equal(tl_text(&db, "SELECT printf('%%.6f %%.6f', auc, f1) FROM v_run WHERE %s", first),
                      "0.995675 0.976213");
  assert_string_equal(tl_text(&db, "SELECT batch_size||' '||train_size||' '||validation_size||' '||trained_epochs"
                                   "||' '||total_seen_images FROM v_run WHERE %s", first),
                      "32 23807 10203 98 3327296");
  /* energy per image for every run */
  assert_int_equal(tl_int(&db, "SELECT count(*) FROM v_run WHERE energy_j / total_seen_images > 0"), 618);
  tl_close(&db);
  tl_rmdir(dir);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(real_zip_without_and_with_the_study_metadata),
  };
  return cmocka_run_group_tests_name("real_metadata", tests, NULL, NULL);
}
