/* tests/test_transform_fixtures.c: `wattdb transform` on the hand-made runs of
 * tests/fixtures/transform/raw/lab/tiny/ds/, whose right answers are computed by
 * hand below, in both profiles; then idempotence, full rebuild, incremental
 * rebuild and settings.
 *
 * The fixture runs (GPU at 1 Hz, times in seconds after the stamp's minute):
 *   A 20240101T000000  GPU t=1..8, power 100.60 100.60 200.40 200.40 200.40 100.60
 *                      100.60 100.60 W; CPU t=1.2..8.2, RSS 1000 MB (0.375 W);
 *                      epoch_end: 0 at 4.5, 1 at 7.0.
 *   B 20240101T010000  GPU t=1..7, 100.00 W, but [N/A] at t=4; no CPU file, no
 *                      epoch_end file.
 *   C 20240101T020000  GPU and CPU (x.1 s, RSS 2000 MB = 0.75 W) at t=1..10 and
 *                      30..40 (a 20 s gap), 100.00 W; no epoch_end file. */
#include "tests/testlib.h"

#include "transform/transform.h"

#define FIXTURES "tests/fixtures/transform/raw"
#define EPS 1e-9

static struct transform_stats run_transform(struct wdb *db, int profiles) {
  struct transform_options opt = {.profiles = profiles};
  struct transform_stats st;
  assert_int_equal(transform_run(db, &opt, &st), 0);
  return st;
}

static double run_value(struct wdb *db, const char *profile, const char *stamp, const char *expr) {
  return tl_real(db, "SELECT %s FROM v_run WHERE profile='%s' AND stamp='%s'", expr, profile, stamp);
}

static double epoch_value(struct wdb *db, const char *profile, const char *stamp, int epoch,
                          const char *expr) {
  return tl_real(db, "SELECT %s FROM v_epoch WHERE profile='%s' AND stamp='%s' AND epoch=%d", expr,
                 profile, stamp, epoch);
}

/* A fresh database with the fixture runs ingested and transformed in both
 * profiles, for the tests that read it (setup and teardown of cmocka). */
struct transformed {
  char *dir;
  struct wdb db;
};

static int transformed_setup(void **state) {
  struct transformed *t = calloc(1, sizeof *t);
  if (!t) return -1;
  t->dir = tl_mkdtemp();
  tl_open(&t->db, t->dir, "t.db");
  tl_ingest(&t->db, FIXTURES);
  run_transform(&t->db, TF_ALL);
  *state = t;
  return 0;
}

static int transformed_teardown(void **state) {
  struct transformed *t = *state;
  tl_close(&t->db);
  tl_rmdir(t->dir);
  free(t);
  return 0;
}

#define NEAR(a, b) assert_true(fabs((double)(a) - (double)(b)) < EPS * (1 + fabs((double)(b))))

/* Run A.
 * gaissa: skipfooter drops the last 3 lines (t=6,7,8); every GPU row finds the
 *   CPU row 0.2 s later; watts floored: 100 100 200 200 200 at t=1..5. Trapezoid:
 *   100 + 150 + 200 + 200 = 650 J over 4 s; mean 800/5 = 160 W. Epoch 0 = t<=4.5
 *   (t=1..4): 100+150+200 = 450 J, mean 600/4 = 150 W; epoch 1 = the copy of t=4
 *   and t=5: 200 J, mean 200 W. Durations from the epoch_end file: 4.5-1 = 3.5 s
 *   and 7-4.5 = 2.5 s. RAM 0.375 W over 4 s = 1.5 J (epochs 1.125 + 0.375).
 * default: window (1, 7] (last epoch end), t=8 is after it. Full decimals:
 *   intervals 100.6 150.5 200.4 200.4 150.5 100.6 J = 903 J over 6 s, mean 150.5 W.
 *   The interval (4,5] crosses the end of epoch 0 at 4.5 and is split by time:
 *   100.2 J each side. Epoch 0 = 100.6+150.5+200.4+100.2 = 551.7 J, epoch 1 =
 *   100.2+150.5+100.6 = 351.3 J; sum 903 J. RAM on the CPU axis: from 1.2 to 7.0
 *   = 5.8 s × 0.375 W = 2.175 J; epoch 0 gets (1.2, 4.5] = 3.3 s = 1.2375 J,
 *   epoch 1 (4.5, 7] = 2.5 s = 0.9375 J. */
static void run_a_both_profiles_by_hand(void **state) {
  struct wdb *db = &((struct transformed *)*state)->db;
  const char *a = "20240101T000000";
  assert_int_equal(run_value(db, "gaissa", a, "n_samples"), 5);
  NEAR(run_value(db, "gaissa", a, "duration_s"), 4.0);
  NEAR(run_value(db, "gaissa", a, "gpu_energy_j"), 650.0);
  NEAR(run_value(db, "gaissa", a, "avg_gpu_power_w"), 160.0);
  NEAR(run_value(db, "gaissa", a, "ram_energy_j"), 1.5);
  NEAR(run_value(db, "gaissa", a, "measured_epochs"), 1);
  NEAR(run_value(db, "gaissa", a, "trained_epochs"), 2);
  NEAR(epoch_value(db, "gaissa", a, 0, "gpu_energy_j"), 450.0);
  NEAR(epoch_value(db, "gaissa", a, 1, "gpu_energy_j"), 200.0);
  NEAR(epoch_value(db, "gaissa", a, 0, "mean_gpu_power_w"), 150.0);
  NEAR(epoch_value(db, "gaissa", a, 1, "mean_gpu_power_w"), 200.0);
  NEAR(epoch_value(db, "gaissa", a, 0, "duration_s"), 3.5);
  NEAR(epoch_value(db, "gaissa", a, 1, "duration_s"), 2.5);
  NEAR(epoch_value(db, "gaissa", a, 0, "ram_energy_j"), 1.125);

  assert_int_equal(run_value(db, "default", a, "n_samples"), 7);
  NEAR(run_value(db, "default", a, "duration_s"), 6.0);
  NEAR(run_value(db, "default", a, "gpu_energy_j"), 903.0);
  NEAR(run_value(db, "default", a, "avg_gpu_power_w"), 150.5);
  NEAR(run_value(db, "default", a, "ram_energy_j"), 2.175);
  NEAR(run_value(db, "default", a, "uncovered_s"), 0.0);
  NEAR(run_value(db, "default", a, "sampling_period_s"), 1.0);
  NEAR(epoch_value(db, "default", a, 0, "gpu_energy_j"), 551.7);
  NEAR(epoch_value(db, "default", a, 1, "gpu_energy_j"), 351.3);
  NEAR(epoch_value(db, "default", a, 0, "ram_energy_j"), 1.2375);
  NEAR(epoch_value(db, "default", a, 1, "ram_energy_j"), 0.9375);
  NEAR(epoch_value(db, "default", a, 0, "duration_s"), 3.5);
  /* The difference view says how far apart the profiles are. */
  NEAR(tl_real(db, "SELECT energy_diff_j FROM v_profile_diff WHERE stamp='%s'", a), (903 + 2.175) - (650 + 1.5));
}

/* Run B: [N/A] at t=4 and no CPU file.
 * default: the NULL reading is skipped, (3,5] is bridged (2 s <= 5 periods):
 *   6 intervals-worth of 100 W over (1,7] = 600 J, mean 100 W, one NULL counted,
 *   RAM energy NULL (no CPU data), energy = GPU only.
 * gaissa: the [N/A] row is dropped (the anchor would abort), skipfooter drops
 *   t=5,6,7: t=1,2,3 remain, 200 J over 2 s. */
static void run_b_na_power_and_no_cpu(void **state) {
  struct wdb *db = &((struct transformed *)*state)->db;
  const char *b = "20240101T010000";
  NEAR(run_value(db, "default", b, "gpu_energy_j"), 600.0);
  NEAR(run_value(db, "default", b, "energy_j"), 600.0);
  NEAR(run_value(db, "default", b, "avg_gpu_power_w"), 100.0);
  assert_int_equal(run_value(db, "default", b, "null_power_samples"), 1);
  assert_int_equal(run_value(db, "default", b, "n_samples"), 6);
  assert_true(isnan(run_value(db, "default", b, "ram_energy_j")));
  NEAR(run_value(db, "gaissa", b, "gpu_energy_j"), 200.0);
  assert_int_equal(run_value(db, "gaissa", b, "n_samples"), 3);
  assert_true(isnan(run_value(db, "gaissa", b, "ram_energy_j")));
  /* No epoch_end file, no launch manifest, no metadata: no epoch rows, and
   * epochs, images seen and the return code are unknown, NULL in both profiles
   * (the anchor's 0 and -9 there stand for the missing file). */
  assert_int_equal(tl_int(db, "SELECT count(*) FROM v_epoch WHERE stamp='%s'", b), 0);
  assert_int_equal(tl_int(db, "SELECT count(*) FROM v_run WHERE stamp='%s' AND measured_epochs IS NULL"
                              " AND trained_epochs IS NULL AND total_seen_images IS NULL"
                              " AND return_code IS NULL", b), 2);
  /* energy_j sums what was measured, and says so: the GPU alone in default;
   * gaissa keeps the anchor's NaN (no RAM), so no components either. */
  assert_string_equal(tl_text(db, "SELECT energy_components FROM v_run WHERE profile='default' AND stamp='%s'", b),
                      "gpu");
  assert_int_equal(tl_int(db, "SELECT energy_j IS NULL AND energy_components IS NULL FROM v_run"
                              " WHERE profile='gaissa' AND stamp='%s'", b), 1);
}

/* Unknown is NULL, and known zeros stay: run A has an epoch_end file, so its
 * epochs are counted (gaissa: the anchor's max index 1 and rule 'measured
 * epochs > 0 -> 0'); without a launch manifest the default profile does not
 * claim a return code. Run C (no epoch_end file, CPU data) sums gpu+ram. */
static void unknown_is_null(void **state) {
  struct wdb *db = &((struct transformed *)*state)->db;
  const char *a = "20240101T000000", *c = "20240101T020000";
  assert_int_equal(run_value(db, "default", a, "measured_epochs"), 2);
  assert_int_equal(run_value(db, "default", a, "trained_epochs"), 2);
  assert_int_equal(run_value(db, "gaissa", a, "return_code"), 0);
  assert_int_equal(tl_int(db, "SELECT return_code IS NULL FROM v_run WHERE profile='default' AND stamp='%s'", a), 1);
  /* no metadata: sizes unknown, so images seen too */
  assert_int_equal(tl_int(db, "SELECT count(*) FROM v_run WHERE total_seen_images IS NOT NULL OR batch_size IS NOT NULL"
                              " OR accuracy IS NOT NULL OR train_size IS NOT NULL"), 0);
  assert_string_equal(tl_text(db, "SELECT group_concat(DISTINCT energy_components) FROM v_run WHERE stamp IN ('%s','%s')", a, c),
                      "gpu+ram");
  assert_int_equal(tl_int(db, "SELECT count(*) FROM v_run WHERE stamp='%s' AND measured_epochs IS NULL"
                              " AND trained_epochs IS NULL AND return_code IS NULL", c), 2);
  /* the processed table says the same as the view */
  assert_int_equal(tl_int(db, "SELECT count(*) FROM processed_run WHERE measured_epochs = 0 OR trained_epochs = 0"), 0);
}

/* Run C: a 20 s gap between t=10 and t=30.
 * default: not bridged (20 s > 5 × 1 s): 9 s + 10 s at 100 W = 1900 J, 20 s
 *   uncovered of the 39 s window, mean 1900/19 = 100 W. RAM: CPU at x.1 s, the
 *   10.1→30.1 gap not bridged, 9 s + 9.9 s (30.1 to the window end at 40) =
 *   18.9 s × 0.75 W = 14.175 J.
 * gaissa: bridges it: skipfooter leaves t=1..37: 3600 J over 36 s; RAM 27 J. */
static void run_c_sampling_gap(void **state) {
  struct wdb *db = &((struct transformed *)*state)->db;
  const char *c = "20240101T020000";
  NEAR(run_value(db, "default", c, "gpu_energy_j"), 1900.0);
  NEAR(run_value(db, "default", c, "uncovered_s"), 20.0);
  NEAR(run_value(db, "default", c, "duration_s"), 39.0);
  NEAR(run_value(db, "default", c, "avg_gpu_power_w"), 100.0);
  NEAR(run_value(db, "default", c, "ram_energy_j"), 14.175);
  NEAR(run_value(db, "gaissa", c, "gpu_energy_j"), 3600.0);
  NEAR(run_value(db, "gaissa", c, "duration_s"), 36.0);
  NEAR(run_value(db, "gaissa", c, "ram_energy_j"), 27.0);
}

/* Σ epoch energy = run energy (both profiles, every run with epochs); emissions
 * = kWh × intensity × PUE. */
static void invariants(void **state) {
  struct wdb *db = &((struct transformed *)*state)->db;
  assert_int_equal(tl_int(db, "SELECT count(*) FROM v_run r WHERE EXISTS (SELECT 1 FROM v_epoch e"
                               " WHERE e.run_id = r.run_id AND e.profile = r.profile) AND abs(energy_j -"
                               " (SELECT sum(energy_j) FROM v_epoch e WHERE e.run_id = r.run_id"
                               " AND e.profile = r.profile)) > 1e-9 * energy_j"),
                   0);
  assert_int_equal(tl_int(db, "SELECT count(*) FROM v_run WHERE abs(emissions_g - energy_j / 3.6e6 * 232) > 1e-12"), 0);
}

/* The interim tables keep lineage, not values: v_sample reads the values from the
 * raw rows by (file, line), and interim_cpu_sample is a view whose span follows
 * the rule of align.c. Run A by hand: spans (1, 4.5] and (4.5, 7]; the CPU rows
 * at t = 1.2 2.2 3.2 4.2 are in span 0, 5.2 6.2 in span 1, 7.2 8.2 after the end
 * (span 2 = the number of spans). */
static void interim_lineage(void **state) {
  struct wdb *db = &((struct transformed *)*state)->db;
  const char *a = "(SELECT id FROM run WHERE stamp = '20240101T000000')";
  assert_string_equal(tl_text(db, "SELECT group_concat(seq || ':' || span, ' ') FROM"
                                   " (SELECT * FROM interim_cpu_sample WHERE run_id = %s ORDER BY seq)", a),
                      "0:0 1:0 2:0 3:0 4:1 5:1 6:2 7:2");
  /* Every run: the view's span is the first span whose end is at or after the
   * sample (-1 before the start, the number of spans after the last end). */
  assert_int_equal(tl_int(db, "SELECT count(*) FROM interim_cpu_sample c JOIN interim_run i USING (run_id)"
                               " WHERE c.span IS NOT CASE WHEN c.ts_us < i.start_us THEN -1 ELSE"
                               " COALESCE((SELECT min(span) FROM interim_span sp WHERE sp.run_id = c.run_id"
                               " AND sp.end_us >= c.ts_us), (SELECT count(*) FROM interim_span sp"
                               " WHERE sp.run_id = c.run_id)) END"),
                   0);
  assert_int_equal(tl_int(db, "SELECT count(*) FROM interim_cpu_sample"),
                   tl_int(db, "SELECT count(*) FROM eprof_cpu_sample WHERE file_id IN"
                               " (SELECT cpu_file_id FROM interim_run)"));
  /* v_sample: run A's third GPU sample, full decimals (default) and floored
   * (gaissa), with the CPU row 0.2 s later. */
  NEAR(tl_real(db, "SELECT gpu_power_w FROM v_sample WHERE profile = 'default' AND run_id = %s AND seq = 2", a),
       200.40);
  NEAR(tl_real(db, "SELECT gpu_power_w FROM v_sample WHERE profile = 'gaissa' AND run_id = %s AND seq = 2", a),
       200);
  NEAR(tl_real(db, "SELECT ram_used_mb FROM v_sample WHERE profile = 'default' AND run_id = %s AND seq = 2", a),
       1000);
  NEAR(tl_real(db, "SELECT elapsed_s FROM v_sample WHERE profile = 'default' AND run_id = %s AND seq = 2", a), 2);
  assert_int_equal(tl_int(db, "SELECT count(*) FROM v_sample WHERE gpu_power_w IS NULL AND profile = 'gaissa'"), 0);
  assert_int_equal(tl_int(db, "SELECT count(*) FROM v_sample WHERE profile = 'default'"),
                   tl_int(db, "SELECT count(*) FROM interim_sample"));
}

/* Every row of the transform's tables, as text, in key order. */
static char *dump(struct wdb *db, const char *where_run) {
  static const char *const tables[] = {"interim_run", "interim_span", "interim_segment",
                                       "interim_sample", "interim_cpu_sample", "processed_run", "processed_epoch",
                                       "run_meta", "run_input", "gpu_spec", NULL};
  size_t cap = 1 << 16, n = 0;
  char *out = malloc(cap);
  assert_non_null(out);
  out[0] = '\0';
  for (int t = 0; tables[t]; t++) {
    char sql[512];
    snprintf(sql, sizeof sql, "SELECT * FROM %s %s ORDER BY 1, 2, 3", tables[t],
             where_run && strcmp(tables[t], "gpu_spec") ? where_run : "");
    if (strcmp(tables[t], "interim_run") == 0 || strcmp(tables[t], "run_meta") == 0 ||
        strcmp(tables[t], "gpu_spec") == 0)
      snprintf(sql, sizeof sql, "SELECT * FROM %s %s ORDER BY 1", tables[t],
               where_run && strcmp(tables[t], "gpu_spec") ? where_run : "");
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(db->sql, sql, -1, &st, NULL), SQLITE_OK);
    while (sqlite3_step(st) == SQLITE_ROW) {
      for (int i = 0; i < sqlite3_column_count(st); i++) {
        const char *v = (const char *)sqlite3_column_text(st, i);
        size_t len = (v ? strlen(v) : 4) + 2;
        while (n + len + 1 > cap) out = realloc(out, cap *= 2);
        assert_non_null(out);
        n += (size_t)sprintf(out + n, "%s%c", v ? v : "NULL", i + 1 < sqlite3_column_count(st) ? ',' : '\n');
      }
    }
    sqlite3_finalize(st);
  }
  return out;
}

/* A second transform changes nothing; a database built again from the same
 * files has the same content. */
static void idempotent_and_reproducible(void **state) {
  (void)state;
  char *dir = tl_mkdtemp();
  struct wdb db, db2;
  tl_open(&db, dir, "one.db");
  tl_ingest(&db, FIXTURES);
  struct transform_stats st = run_transform(&db, TF_ALL);
  assert_int_equal(st.rebuilt, 6);
  char *first = dump(&db, NULL);
  st = run_transform(&db, TF_ALL);
  assert_int_equal(st.rebuilt, 0);
  assert_int_equal(st.runs_aligned, 0);
  char *second = dump(&db, NULL);
  assert_string_equal(first, second);
  /* --full recomputes everything, to the same content. */
  struct transform_options full = {.profiles = TF_ALL, .full = 1};
  assert_int_equal(transform_run(&db, &full, &st), 0);
  assert_int_equal(st.rebuilt, 6);
  char *third = dump(&db, NULL);
  assert_string_equal(first, third);
  tl_open(&db2, dir, "two.db");
  tl_ingest(&db2, FIXTURES);
  run_transform(&db2, TF_ALL);
  char *other = dump(&db2, NULL);
  assert_string_equal(first, other);
  free(first), free(second), free(third), free(other);
  tl_close(&db);
  tl_close(&db2);
  tl_rmdir(dir);
}

/* Changing one run's GPU file recomputes that run only (both profiles); the
 * other runs' rows stay as they were. --profile gaissa rebuilds gaissa only. */
static void incremental_rebuilds_only_the_changed_run(void **state) {
  (void)state;
  char *dir = tl_mkdtemp();
  char cmd[1024], root[600];
  snprintf(cmd, sizeof cmd, "cp -r " FIXTURES " '%s/raw'", dir);
  assert_int_equal(system(cmd), 0);
  snprintf(root, sizeof root, "%s/raw", dir);
  struct wdb db;
  tl_open(&db, dir, "t.db");
  tl_ingest(&db, root);
  run_transform(&db, TF_GAISSA);
  const char *others = "WHERE run_id IN (SELECT id FROM run WHERE stamp <> '20240101T020000')";
  char *before = dump(&db, others);
  /* Run C: one more GPU line (t=41) at 300 W. */
  snprintf(cmd, sizeof cmd,
           "printf '2024-01-01 02:00:41.000,NVIDIA GeForce RTX 3090,50 %%%%,10 %%%%,24268 MiB,1000 MiB,"
           "300.00 W,350.00 W,50\\n' >> '%s/lab/tiny/ds/gpu-power-20240101T020000.csv'",
           root);
  assert_int_equal(system(cmd), 0);
  tl_ingest(&db, root);
  struct transform_stats st = run_transform(&db, TF_GAISSA);
  assert_int_equal(st.rebuilt, 1);
  assert_int_equal(st.runs_aligned, 1);
  char *after = dump(&db, others);
  assert_string_equal(before, after);
  /* The gaissa profile keeps t=1..38 now (skipfooter moved by one line). */
  NEAR(run_value(&db, "gaissa", "20240101T020000", "gpu_energy_j"), 3700.0);
  /* The default profile was never built: all three runs are new to it. */
  st = run_transform(&db, TF_ALL);
  assert_int_equal(st.rebuilt, 3);
  /* default: (40, 41] adds (100+300)/2 = 200 J to 1900 J. */
  NEAR(run_value(&db, "default", "20240101T020000", "gpu_energy_j"), 2100.0);
  free(before), free(after);
  tl_close(&db);
  tl_rmdir(dir);
}

/* Carbon intensity and PUE change the emissions of every run without any
 * (run, profile) being recomputed, and are kept in the database. */
static void carbon_intensity_and_pue(void **state) {
  struct wdb *db = &((struct transformed *)*state)->db;
  struct transform_options opt = {.profiles = TF_ALL, .set_carbon = 1, .carbon_intensity = 56,
                                  .set_pue = 1, .pue = 1.2};
  struct transform_stats st;
  assert_int_equal(transform_run(db, &opt, &st), 0);
  assert_int_equal(st.rebuilt, 0);
  assert_int_equal(tl_int(db, "SELECT count(*) FROM v_run WHERE abs(emissions_g - energy_j / 3.6e6 * 56 * 1.2) > 1e-12"), 0);
  NEAR(tl_real(db, "SELECT value FROM setting WHERE name='pue'"), 1.2);
  /* A later transform without options keeps them. */
  run_transform(db, TF_ALL);
  NEAR(run_value(db, "default", "20240101T000000", "emissions_g"), (903 + 2.175) / 3.6e6 * 56 * 1.2);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(run_a_both_profiles_by_hand, transformed_setup, transformed_teardown),
      cmocka_unit_test_setup_teardown(run_b_na_power_and_no_cpu, transformed_setup, transformed_teardown),
      cmocka_unit_test_setup_teardown(unknown_is_null, transformed_setup, transformed_teardown),
      cmocka_unit_test_setup_teardown(run_c_sampling_gap, transformed_setup, transformed_teardown),
      cmocka_unit_test_setup_teardown(invariants, transformed_setup, transformed_teardown),
      cmocka_unit_test_setup_teardown(interim_lineage, transformed_setup, transformed_teardown),
      cmocka_unit_test(idempotent_and_reproducible),
      cmocka_unit_test(incremental_rebuilds_only_the_changed_run),
      cmocka_unit_test_setup_teardown(carbon_intensity_and_pue, transformed_setup, transformed_teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
