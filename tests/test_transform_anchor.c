/* tests/test_transform_anchor.c: the gaissa profile against the replication
 * package's published per-run numbers on the five real runs of
 * ../shared/data/real/eprof/raw (skipped when absent), and the invariants both
 * profiles must keep on them (energies add up, means within their range).
 *
 * The published values are compared as printed: the value formatted with the
 * digits the anchor printed must equal the anchor's text. Runs 4 and 5 lost one
 * final sample to an epoch-end cut in the anchor (their epoch_end files are not
 * public): the test gives them an epoch_end file whose last end falls between
 * their last two kept samples, and then they match too. */
#include "tests/testlib.h"

#include "transform/transform.h"

struct anchor {
  const char *stamp, *start;
  int rows; /* merged rows after the cut */
  const char *dur_h, *gpu_w, *gpu_mj, *ram_w, *ram_mj, *mj, *usage, *work_h, *ram_mb;
};

static const struct anchor published[] = {
    {"20221205T095541", "2022-12-05 09:55:44.537", 2644, "0.735028", "156.930408", "0.415289",
     "4.702747", "0.012444", "0.427733", "22.995461", "0.168889", "12540.659180"},
    {"20221205T104713", "2022-12-05 10:47:16.997", 2864, "0.796192", "153.356494", "0.439651",
     "4.813751", "0.013798", "0.453448", "22.952514", "0.182600", "12836.668945"},
    {"20221205T114105", "2022-12-05 11:41:08.533", 1699, "0.472226", "150.298999", "0.255596",
     "4.828642", "0.008209", "0.263805", "22.303708", "0.105261", "12876.376953"},
    {"20221205T121530", "2022-12-05 12:15:34.087", 2282, "0.634343", "156.511394", "0.357506",
     "4.841027", "0.011055", "0.368561", "22.758107", "0.144261", "12909.406250"},
    {"20221205T125938", "2022-12-05 12:59:41.666", 2384, "0.662704", "149.651426", "0.357111",
     "4.855310", "0.011583", "0.368695", "22.661493", "0.150069", "12947.494141"},
};

static const char *real_raw(void) {
  static char path[1024];
  const char *real = tl_shared_real();
  if (!real) return NULL;
  snprintf(path, sizeof path, "%s/eprof/raw", real);
  struct stat st;
  return stat(path, &st) == 0 ? path : NULL;
}

static void transform_all(struct wdb *db) {
  struct transform_options opt = {.profiles = TF_ALL};
  struct transform_stats st;
  assert_int_equal(transform_run(db, &opt, &st), 0);
}

/* The v_run column COL of the gaissa row of STAMP, formatted like REF (same
 * number of decimals), must read REF. */
static void check_printed(struct wdb *db, const char *stamp, const char *expr, const char *ref) {
  const char *dot = strchr(ref, '.');
  int decimals = dot ? (int)strlen(dot + 1) : 0;
  double v = tl_real(db, "SELECT %s FROM v_run WHERE profile='gaissa' AND stamp='%s'", expr, stamp);
  char got[64];
  snprintf(got, sizeof got, "%.*f", decimals, v);
  if (strcmp(got, ref) != 0) fail_msg("run %s: %s = %s (%.10g), the anchor printed %s", stamp, expr, got, v, ref);
}

static void check_run(struct wdb *db, const struct anchor *a) {
  assert_int_equal(tl_int(db, "SELECT n_samples FROM v_run WHERE profile='gaissa' AND stamp='%s'", a->stamp),
                   a->rows);
  assert_string_equal(
      tl_text(db, "SELECT start_time FROM v_run WHERE profile='gaissa' AND stamp='%s'", a->stamp), a->start);
  check_printed(db, a->stamp, "duration_h", a->dur_h);
  check_printed(db, a->stamp, "avg_gpu_power_w", a->gpu_w);
  check_printed(db, a->stamp, "gpu_energy_j / 1e6", a->gpu_mj);
  check_printed(db, a->stamp, "avg_ram_power_w", a->ram_w);
  check_printed(db, a->stamp, "ram_energy_j / 1e6", a->ram_mj);
  check_printed(db, a->stamp, "energy_j / 1e6", a->mj);
  check_printed(db, a->stamp, "gpu_usage_pct", a->usage);
  check_printed(db, a->stamp, "gpu_working_time_s / 3600", a->work_h);
  check_printed(db, a->stamp, "avg_ram_used_mb", a->ram_mb);
}

/* Runs 1-3 as published; runs 4-5 keep one sample more than the anchor did. */
static void gaissa_matches_published_runs_1_to_3(void **state) {
  (void)state;
  const char *raw = real_raw();
  if (!raw) skip();
  char *dir = tl_mkdtemp();
  struct wdb db;
  tl_open(&db, dir, "t.db");
  tl_ingest(&db, raw);
  transform_all(&db);
  for (int i = 0; i < 3; i++) check_run(&db, &published[i]);
  /* Run 1's other published facts: 2649 GPU lines, skipfooter keeps 2646, the two
   * first GPU rows find no CPU row within 1 s, the last kept one is 10:39:50.639. */
  assert_int_equal(tl_int(&db, "SELECT n_gpu FROM interim_run i JOIN run r ON r.id=i.run_id"
                               " WHERE stamp='20221205T095541'"), 2649);
  assert_string_equal(tl_text(&db, "SELECT strftime('%%H:%%M:%%f', end_us/1e6, 'unixepoch') FROM v_run"
                                   " WHERE profile='gaissa' AND stamp='20221205T095541'"),
                      "10:39:50.639");
  check_printed(&db, "20221205T095541", "emissions_g", "27.5650210");
  check_printed(&db, "20221205T095541", "total_power_w", "414924.0");
  check_printed(&db, "20221205T095541", "std_gpu_power_w", "32.7563795");
  /* Runs 4 and 5 without the cut: one sample more than the anchor kept. */
  for (int i = 3; i < 5; i++)
    assert_int_equal(tl_int(&db, "SELECT n_samples FROM v_run WHERE profile='gaissa' AND stamp='%s'",
                            published[i].stamp),
                     published[i].rows + 1);
  tl_close(&db);
  tl_rmdir(dir);
}

/* Copies FILE of the real tree into DIR/raw/cloud/mobilenet_v2/chesslive-occupancy/. */
static void copy_real(const char *raw, const char *dir, const char *file) {
  char src[1024], cmd[3072];
  snprintf(src, sizeof src, "%s/cloud/mobilenet_v2/chesslive-occupancy/%s", raw, file);
  snprintf(cmd, sizeof cmd, "mkdir -p '%s/raw/cloud/mobilenet_v2/chesslive-occupancy' && cp '%s' '%s/raw/cloud/mobilenet_v2/chesslive-occupancy/'",
           dir, src, dir);
  assert_int_equal(system(cmd), 0);
}

/* Runs 4 and 5 with an epoch_end file that ends between their last two kept
 * samples: the tail cut removes exactly the last one, as in the anchor, and
 * every published value is reproduced. */
static void gaissa_runs_4_and_5_match_after_the_epoch_end_cut(void **state) {
  (void)state;
  const char *raw = real_raw();
  if (!raw) skip();
  char *dir = tl_mkdtemp();
  struct wdb db;
  tl_open(&db, dir, "first.db");
  tl_ingest(&db, raw);
  transform_all(&db);
  char ends[2][64];
  for (int i = 3; i < 5; i++) {
    /* Midway between the two last gaissa samples, as epoch_end writes it. */
    snprintf(ends[i - 3], sizeof ends[0], "%s",
             tl_text(&db,
                     "SELECT strftime('%%Y-%%m-%%d %%H:%%M:%%f', (a + b) / 2e6, 'unixepoch') FROM"
                     " (SELECT max(ts_us) AS b, (SELECT ts_us FROM v_sample s2 WHERE s2.profile='gaissa'"
                     "  AND s2.stamp='%s' ORDER BY seq DESC LIMIT 1 OFFSET 1) AS a"
                     "  FROM v_sample WHERE profile='gaissa' AND stamp='%s')",
                     published[i].stamp, published[i].stamp));
  }
  tl_close(&db);
  for (int i = 3; i < 5; i++) {
    char name[128], text[256];
    snprintf(name, sizeof name, "gpu-power-%s.csv", published[i].stamp);
    copy_real(raw, dir, name);
    snprintf(name, sizeof name, "cpu-mem-usage-%s.csv", published[i].stamp);
    copy_real(raw, dir, name);
    snprintf(name, sizeof name, "raw/cloud/mobilenet_v2/chesslive-occupancy/epoch_end-%s.csv", published[i].stamp);
    snprintf(text, sizeof text, "epoch,end_time\n0,%s000\n", ends[i - 3]);
    tl_write_str(dir, name, text);
  }
  char root[1024];
  snprintf(root, sizeof root, "%s/raw", dir);
  tl_open(&db, dir, "cut.db");
  tl_ingest(&db, root);
  transform_all(&db);
  for (int i = 3; i < 5; i++) check_run(&db, &published[i]);
  tl_close(&db);
  tl_rmdir(dir);
}

/* The invariants on the real runs, both profiles. */
static void invariants_hold_on_the_real_runs(void **state) {
  (void)state;
  const char *raw = real_raw();
  if (!raw) skip();
  char *dir = tl_mkdtemp();
  struct wdb db;
  tl_open(&db, dir, "t.db");
  tl_ingest(&db, raw);
  transform_all(&db);
  /* emissions = kWh × 232 × 1.0 */
  assert_int_equal(tl_int(&db, "SELECT count(*) FROM v_run WHERE abs(emissions_g - energy_j/3.6e6*232) > 1e-9"), 0);
  /* average RAM power = average RSS × 3.75e-4 (float32 columns: 1e-6 relative) */
  assert_int_equal(tl_int(&db, "SELECT count(*) FROM v_run WHERE profile='gaissa'"
                               " AND abs(avg_ram_power_w / (avg_ram_used_mb * 3.75e-4) - 1) > 1e-6"), 0);
  assert_int_equal(tl_int(&db, "SELECT count(*) FROM v_run WHERE profile='default'"
                               " AND abs(avg_ram_power_w / (avg_ram_used_mb * 3.75e-4) - 1) > 1e-12"), 0);
  /* start = first GPU sample with a CPU sample within 1 s, ~2 s after the first GPU line */
  assert_int_equal(tl_int(&db, "SELECT count(*) FROM v_run g JOIN v_run d USING (run_id)"
                               " WHERE g.profile='gaissa' AND d.profile='default'"
                               " AND (g.start_us - d.start_us) NOT BETWEEN 1500000 AND 2500000"), 0);
  assert_int_equal(tl_int(&db, "SELECT count(*) FROM v_run"), 10);
  tl_close(&db);
  tl_rmdir(dir);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(gaissa_matches_published_runs_1_to_3),
      cmocka_unit_test(gaissa_runs_4_and_5_match_after_the_epoch_end_cut),
      cmocka_unit_test(invariants_hold_on_the_real_runs),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
