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

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(metrics_by_header_name_nan_is_null, setup, teardown),
      cmocka_unit_test_setup_teardown(other_order_other_metrics, setup, teardown),
  };
  return cmocka_run_group_tests_name("fmt_keras_history", tests, NULL, NULL);
}
