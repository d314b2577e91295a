/* tests/test_fmt_keras_history.c: performance-T.csv (ingest/fmt_keras_history.c):
 * Keras CSVLogger metrics, each stored under its header name. */
#include "tests/testlib.h"
#include "tests/ingest_checks.h"

IC_SUITE_FIXTURE(t)

/* performance-20221205T095541.csv exists for the usual alphabetical metric set
 * (7 metrics, 2 epochs) with a diverged val_loss written as "nan": stored NULL. */
static void metrics_by_header_name_nan_is_null(void **state) {
  (void)state;
  ic_ingest(&t.db, IC_FIXTURES "/raw/cloud/mobilenet_v2/chesslive-occupancy/performance-20221205T095541.csv",
            NULL);
  assert_string_equal(tl_text(&t.db, "SELECT format||' '||status FROM source_file"), "keras-history ok");
  assert_int_equal(tl_int(&t.db, "SELECT rows_ok FROM source_file"), 2);
  assert_int_equal(tl_int(&t.db, "SELECT count(*) FROM eprof_epoch_metric"), 2 * 7);
  assert_true(tl_real(&t.db, "SELECT value FROM eprof_epoch_metric WHERE epoch=1 AND metric='accuracy'") ==
              0.5871);
  assert_true(tl_real(&t.db, "SELECT value FROM eprof_epoch_metric WHERE epoch=0 AND metric='val_auc'") ==
              0.9403);
  assert_true(tl_real(&t.db, "SELECT value FROM eprof_epoch_metric WHERE epoch=0 AND metric='lr'") == 0.001);
  assert_int_equal(tl_int(&t.db, "SELECT value IS NULL FROM eprof_epoch_metric WHERE epoch=1 AND "
                                 "metric='val_loss'"),
                   1);
  assert_string_equal(tl_text(&t.db, "SELECT group_concat(metric) FROM (SELECT metric FROM "
                                     "eprof_epoch_metric WHERE epoch=0 ORDER BY metric)"),
                      "accuracy,auc,loss,lr,val_accuracy,val_auc,val_loss");
}

/* performance-20231218T205204.csv exists for another model's metric set in
 * another order (loss before accuracy): values must follow their names, not
 * their positions. */
static void other_order_other_metrics(void **state) {
  (void)state;
  ic_ingest(&t.db, IC_FIXTURES "/raw/local/vgg16/caltech101/performance-20231218T205204.csv", NULL);
  assert_int_equal(tl_int(&t.db, "SELECT count(*) FROM eprof_epoch_metric"), 3 * 4);
  assert_true(tl_real(&t.db, "SELECT value FROM eprof_epoch_metric WHERE epoch=2 AND metric='loss'") == 1.4);
  assert_true(tl_real(&t.db, "SELECT value FROM eprof_epoch_metric WHERE epoch=0 AND metric='accuracy'") ==
              0.25);
  assert_true(tl_real(&t.db, "SELECT value FROM eprof_epoch_metric WHERE epoch=1 AND "
                             "metric='val_accuracy'") == 0.47);
  assert_int_equal(tl_int(&t.db, "SELECT count(*) FROM eprof_epoch_metric WHERE metric='auc'"), 0);
}

/* A header that repeats a metric (`epoch,loss,loss`) used to stop the whole
 * ingest on UNIQUE(file_id, line, metric). Both values are kept: the repeat as
 * 'loss.1' (pandas' name), and a header already holding 'loss.1' pushes it to
 * 'loss.2'. The header repeated mid-file is still recognised as the header. */
static void header_repeating_loss_keeps_both(void **state) {
  (void)state;
  char dir[256];
  snprintf(dir, sizeof dir, "%s/in", t.dir);
  mkdir(dir, 0755);
  tl_write_str(dir, "performance-20240101T000000.csv",
               "epoch,loss,loss,loss.1,loss\n"
               "0,2.5,2.25,2.0,1.75\n"
               "epoch,loss,loss,loss.1,loss\n"
               "1,1.5,1.25,1.0,0.75\n");
  ic_ingest(&t.db, dir, NULL);
  assert_string_equal(tl_text(&t.db, "SELECT format||' '||status||' '||rows_ok||' '||skipped_lines "
                                     "FROM source_file"),
                      "keras-history ok 2 2");
  assert_string_equal(tl_text(&t.db, "SELECT group_concat(metric||'='||value, ' ') FROM (SELECT * FROM "
                                     "eprof_epoch_metric WHERE epoch=1 ORDER BY metric)"),
                      "loss=1.5 loss.1=1.0 loss.2=1.25 loss.3=0.75");
  assert_int_equal(tl_int(&t.db, "SELECT count(*) FROM eprof_epoch_metric"), 8);
}

/* A model with 100 logged metrics: more than the old 64-column cap, all read. */
static void header_of_101_columns_keeps_every_metric(void **state) {
  (void)state;
  struct ic_buf b = {0};
  ic_put(&b, "epoch");
  char cell[32];
  for (int i = 0; i < 100; i++) snprintf(cell, sizeof cell, ",m%03d", i), ic_put(&b, cell);
  ic_put(&b, "\n0");
  for (int i = 0; i < 100; i++) snprintf(cell, sizeof cell, ",%d.5", i), ic_put(&b, cell);
  ic_put(&b, "\n");
  char dir[256];
  snprintf(dir, sizeof dir, "%s/in", t.dir);
  mkdir(dir, 0755);
  tl_write_str(dir, "performance-20240101T000000.csv", b.s);
  free(b.s);
  ic_ingest(&t.db, dir, NULL);
  assert_int_equal(tl_int(&t.db, "SELECT count(*) FROM eprof_epoch_metric"), 100);
  assert_true(tl_real(&t.db, "SELECT value FROM eprof_epoch_metric WHERE metric='m099'") == 99.5);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(metrics_by_header_name_nan_is_null, setup, teardown),
      cmocka_unit_test_setup_teardown(other_order_other_metrics, setup, teardown),
      cmocka_unit_test_setup_teardown(header_repeating_loss_keeps_both, setup, teardown),
      cmocka_unit_test_setup_teardown(header_of_101_columns_keeps_every_metric, setup, teardown),
  };
  return cmocka_run_group_tests_name("fmt_keras_history", tests, NULL, NULL);
}
