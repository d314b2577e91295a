/* tests/test_trapezoid.c: the integration engine (common/trapezoid.h).
 *
 * The arithmetic on hand-made series (the gap limit, intervals back in time,
 * coverage, the longest gap, the error bound, a window and the intervals that
 * cross its ends, the walk's report of each bridged interval); the aggregate
 * trapezoid_window() on such a series; then the engine as the SQL
 * aggregate trapezoid() in transform/50_sources.sql against an oracle: the
 * window-function SQL the engine replaced (lag() over each series in line
 * order, total() of the bridged intervals), kept here, on the fixtures of
 * every sampled power format with an eprof run: the energies of nvidia-smi,
 * Zeus power and PowerJoular in source_energy, and of the eprof GPU files in
 * source_eprof_file (computed by the SQL, not the transform pipeline, when its
 * rows are removed), must equal the oracle's to the last bit. */
#include "tests/testlib.h"

#include "tests/fmtlib.h"
#include "transform/transform.h"
#include "common/trapezoid.h"

static void gap_limit_and_coverage(void **state) {
  (void)state;
  struct trapezoid z;
  trapezoid_start(&z, 5, 0);
  double t[] = {0, 1, 2, 10, 11}, p[] = {100, 200, 100, 100, 300};
  int bridged[5];
  for (int i = 0; i < 5; i++) bridged[i] = trapezoid_add(&z, t[i], p[i]);
  /* (2, 10] is 8 > 5: a gap. Bridged: 150 + 150 + 200 over 3. */
  assert_int_equal(bridged[0], 0);
  assert_int_equal(bridged[1], 1);
  assert_int_equal(bridged[3], 0);
  assert_int_equal(bridged[4], 1);
  assert_int_equal(z.n, 5);
  assert_true(z.energy == 500.0);
  assert_true(z.covered == 3.0);
  assert_true(z.longest_gap == 8.0);
  /* holding each reading instead: 100 + 200 + 100 = 400, 100 off */
  assert_true(trapezoid_error(&z) == 100.0);
}

static void no_limit_bridges_nothing(void **state) {
  (void)state;
  struct trapezoid z;
  trapezoid_start(&z, NAN, 0);
  for (int i = 0; i < 4; i++) trapezoid_add(&z, i, 50);
  assert_int_equal(z.n, 4);
  assert_true(z.energy == 0.0 && z.covered == 0.0);
  assert_true(z.longest_gap == 1.0);
}

static void time_going_back(void **state) {
  (void)state;
  struct trapezoid z;
  /* forward only: the interval back in time counts for nothing */
  trapezoid_start(&z, 10, 1);
  trapezoid_add(&z, 5, 100);
  trapezoid_add(&z, 3, 100);
  trapezoid_add(&z, 4, 100);
  assert_true(z.energy == 100.0 && z.covered == 1.0);
  /* otherwise it counts, negative, as the SQL it replaced counted it */
  trapezoid_start(&z, 10, 0);
  trapezoid_add(&z, 5, 100);
  trapezoid_add(&z, 3, 100);
  assert_true(z.energy == -200.0);
}

static void window_splits_the_intervals_that_cross_it(void **state) {
  (void)state;
  struct trapezoid z;
  struct trapezoid_window w;
  struct trapezoid_interval iv = {0};
  double t[] = {0, 2, 3, 10, 11}, p[] = {100, 300, 300, 100, 100};
  for (int pass = 0; pass < 2; pass++) {
    /* the same series in seconds (unit 1), then in µs with shares in seconds */
    double u = pass ? 1e6 : 1;
    trapezoid_start(&z, 5 * u, 0);
    trapezoid_window_start(&w, 1 * u, 10.5 * u, u);
    int bridged = 0;
    for (int i = 0; i < 5; i++) bridged = trapezoid_next(&z, &w, t[i] * u, p[i], 10 + i, &iv);
    trapezoid_window_end(&w);
    /* the last interval (10, 11] is bridged and starts at the reading named 13 */
    assert_int_equal(bridged, 1);
    assert_true(iv.t0 == 10 * u && iv.p0 == 100 && iv.t1 == 11 * u && iv.p1 == 100 && iv.id0 == 13);
    /* (0, 2] at 200 W spends 1 s in (1, 10.5], (2, 3] at 300 W 1 s, (3, 10] is
     * 7 s > 5: a gap, (10, 11] at 100 W 0.5 s: 200 + 300 + 50 J over 2.5 s */
    assert_int_equal(w.intervals, 3);
    assert_true(w.energy == 550.0);
    assert_true(w.time == 2.5);
    assert_true(w.covered == 2.5 * u);
    /* readings 2, 3 and 10 s lie in the window; nothing covers (3, 10] */
    assert_int_equal(w.samples, 3);
    assert_true(w.first == 2 * u && w.last == 10 * u);
    assert_true(w.longest_gap == 7 * u);
    /* the series as a whole, as trapezoid_add walks it: 400 + 300 + 100 J */
    assert_true(z.energy == 800.0 * u && z.covered == 4 * u && z.longest_gap == 7 * u);
  }
  /* the share of an interval in a span, the split's one rule */
  assert_true(trapezoid_share(0, 4, 1, 2, 1) == 1.0);
  assert_true(trapezoid_share(0, 4e6, 3e6, 8e6, 1e6) == 1.0);
  assert_false(trapezoid_share(0, 4, 4, 5, 1) > 0);
}

/* The value of trapezoid_value(trapezoid_window(...), WHAT) over the rows of
 * temp.r in F's database, NAN for NULL; ARGS are the aggregate's arguments. */
static double window_value(struct fx *f, const char *args, const char *what) {
  return tl_real(&f->db, "SELECT trapezoid_value(trapezoid_window(%s), '%s') FROM r", args, what);
}

static void window_aggregate(void **state) {
  struct fx *f = *state;
  assert_int_equal(transform_register_functions(&f->db), 0);
  /* the series above, rows in no order, a NULL power (no reading) */
  assert_int_equal(sqlite3_exec(f->db.sql,
                                "CREATE TEMP TABLE r(line, t, p); INSERT INTO r VALUES (5, 11, 100), (1, 0, 100),"
                                " (3, 3, 300), (6, 12, NULL), (2, 2, 300), (4, 10, 100)",
                                NULL, NULL, NULL),
                   SQLITE_OK);
  const char *a = "line, t, p, 5, 1, 10.5";
  assert_true(window_value(f, a, "energy") == 550.0);
  assert_true(window_value(f, a, "time") == 2.5);
  assert_true(window_value(f, a, "covered") == 2.5);
  assert_true(window_value(f, a, "samples") == 3);
  assert_true(window_value(f, a, "first") == 2 && window_value(f, a, "last") == 10);
  assert_true(window_value(f, a, "longest_gap") == 7);
  /* µs times, shares in seconds */
  assert_true(window_value(f, "line, t * 1e6, p, 5e6, 1e6, 10.5e6, 1e6", "energy") == 550.0);
  /* (4, 9] lies in the gap: no interval, so no energy, not 0 */
  assert_true(isnan(window_value(f, "line, t, p, 5, 4, 9", "energy")));
  assert_true(isnan(window_value(f, "line, t, p, 5, 4, 9", "time")));
  assert_true(window_value(f, "line, t, p, 5, 4, 9", "samples") == 0);
  assert_true(isnan(window_value(f, "line, t, p, 5, 4, 9", "first")));
  assert_true(window_value(f, "line, t, p, 5, 4, 9", "longest_gap") == 5);
  /* no gap limit: nothing bridged */
  assert_true(isnan(window_value(f, "line, t, p, NULL, 1, 10.5", "energy")));
  /* no row: NULL */
  assert_true(isnan(tl_real(&f->db, "SELECT trapezoid_value(trapezoid_window(line, t, p, 5, 1, 2), 'samples')"
                                    " FROM r WHERE 0")));
}

/* The window-function SQL of each source, as it was before the engine: per
 * series, lag() in line order, the intervals up to gap_periods mean (or, for
 * PowerJoular, median) periods of the file bridged, total() of pm * dt. */
static const char oracle[] =
    "WITH nv_good AS ("
    "  SELECT a.run_id, a.session_file_id, n.file_id, n.gpu, n.line, n.ts_us AS t, n.power_w AS p"
    "  FROM nvidia_smi_sample n JOIN source_attach a ON a.file_id = n.file_id AND a.block = 0"
    "  WHERE n.power_w IS NOT NULL AND n.ts_us IS NOT NULL AND n.ts_us BETWEEN a.win_start_us AND a.win_end_us"
    "), nv_period AS ("
    "  SELECT file_id, gpu, CAST(max(ts_us) - min(ts_us) AS REAL) / max(count(*) - 1, 1) AS us"
    "  FROM nvidia_smi_sample WHERE ts_us IS NOT NULL GROUP BY file_id, gpu"
    "), nv_iv AS ("
    "  SELECT run_id, session_file_id, file_id, gpu, t, t - lag(t) OVER w AS dt, (p + lag(p) OVER w) / 2 AS pm"
    "  FROM nv_good WINDOW w AS (PARTITION BY run_id, session_file_id, file_id, gpu ORDER BY line)"
    "), zp_good AS ("
    "  SELECT a.run_id, a.session_file_id, z.file_id, z.line, z.ts_us + o.us AS t, z.power_w AS p"
    "  FROM zeus_power_sample z JOIN source_attach a ON a.file_id = z.file_id AND a.block = 0"
    "  JOIN source_file_offset o ON o.file_id = z.file_id"
    "  WHERE z.power_w IS NOT NULL AND z.ts_us + o.us BETWEEN a.win_start_us AND a.win_end_us"
    "), zp_period AS ("
    "  SELECT file_id, CAST(max(ts_us) - min(ts_us) AS REAL) / max(count(*) - 1, 1) AS us"
    "  FROM zeus_power_sample GROUP BY file_id"
    "), zp_iv AS ("
    "  SELECT run_id, session_file_id, file_id, t, t - lag(t) OVER w AS dt, (p + lag(p) OVER w) / 2 AS pm"
    "  FROM zp_good WINDOW w AS (PARTITION BY run_id, session_file_id, file_id ORDER BY line)"
    "), pj_step AS ("
    "  SELECT file_id, ts_us - lag(ts_us) OVER (PARTITION BY file_id ORDER BY line) AS dt"
    "  FROM powerjoular_sample WHERE file_id IN (SELECT file_id FROM source_span WHERE format = 'powerjoular')"
    "), pj_ranked AS ("
    "  SELECT file_id, dt, row_number() OVER (PARTITION BY file_id ORDER BY dt) AS k,"
    "         count(*) OVER (PARTITION BY file_id) AS n FROM pj_step WHERE dt > 0"
    "), pj_period AS ("
    "  SELECT file_id, avg(dt) AS us FROM pj_ranked WHERE k IN ((n + 1) / 2, (n + 2) / 2) GROUP BY file_id"
    "), pj_good AS ("
    "  SELECT a.run_id, a.session_file_id, p.file_id, c.component, coalesce(pf.target, '') AS device,"
    "         p.line, p.ts_us AS t, CASE c.component WHEN 'total' THEN p.total_power_w"
    "         WHEN 'cpu' THEN p.cpu_power_w ELSE p.gpu_power_w END AS pw"
    "  FROM powerjoular_sample p JOIN source_attach a ON a.file_id = p.file_id AND a.block = 0"
    "  LEFT JOIN powerjoular_file pf ON pf.file_id = p.file_id"
    "  CROSS JOIN (SELECT 'total' AS component UNION ALL SELECT 'cpu' UNION ALL SELECT 'gpu') c"
    "  WHERE p.ts_us BETWEEN a.win_start_us AND a.win_end_us"
    "), pj_iv AS ("
    "  SELECT run_id, session_file_id, file_id, component, device, t, t - lag(t) OVER w AS dt,"
    "         (pw + lag(pw) OVER w) / 2 AS pm FROM pj_good WHERE pw IS NOT NULL"
    "  WINDOW w AS (PARTITION BY run_id, session_file_id, file_id, component ORDER BY line)"
    ") "
    "SELECT run_id, session_file_id, nv_iv.file_id, 'nvidia-smi', 'gpu', nv_iv.gpu,"
    "       total(CASE WHEN dt <= 5 * us THEN pm * dt END) / 1e6, total(CASE WHEN dt <= 5 * us THEN dt END) / 1e6,"
    "       count(*), min(t), max(t)"
    " FROM nv_iv JOIN nv_period p ON p.file_id = nv_iv.file_id AND p.gpu = nv_iv.gpu"
    " GROUP BY run_id, session_file_id, nv_iv.file_id, nv_iv.gpu "
    "UNION ALL "
    "SELECT run_id, session_file_id, zp_iv.file_id, 'zeus-power', 'gpu', '',"
    "       total(CASE WHEN dt <= 5 * us THEN pm * dt END) / 1e6, total(CASE WHEN dt <= 5 * us THEN dt END) / 1e6,"
    "       count(*), min(t), max(t)"
    " FROM zp_iv JOIN zp_period p ON p.file_id = zp_iv.file_id GROUP BY run_id, session_file_id, zp_iv.file_id "
    "UNION ALL "
    "SELECT run_id, session_file_id, pj_iv.file_id, 'powerjoular', component, device,"
    "       total(CASE WHEN dt > 0 AND dt <= 5 * us THEN pm * dt END) / 1e6,"
    "       total(CASE WHEN dt > 0 AND dt <= 5 * us THEN dt END) / 1e6, count(*), min(t), max(t)"
    " FROM pj_iv LEFT JOIN pj_period p ON p.file_id = pj_iv.file_id"
    " GROUP BY run_id, session_file_id, pj_iv.file_id, component, device";

static const char engine[] =
    "SELECT run_id, session_file_id, file_id, source, component, device, energy_j, covered_s, samples,"
    " first_us, last_us FROM source_energy WHERE source IN ('nvidia-smi', 'zeus-power', 'powerjoular')";

/* The eprof GPU files' energies, by the same rule (mean period of the file). */
static const char oracle_eprof[] =
    "WITH good AS ("
    "  SELECT g.file_id, g.line, g.ts_us AS t, g.power_w AS p FROM eprof_gpu_sample g WHERE g.power_w IS NOT NULL"
    "), period AS ("
    "  SELECT file_id, CAST(max(ts_us) - min(ts_us) AS REAL) / max(count(*) - 1, 1) AS us"
    "  FROM eprof_gpu_sample GROUP BY file_id"
    "), iv AS ("
    "  SELECT file_id, t - lag(t) OVER w AS dt, (p + lag(p) OVER w) / 2 AS pm"
    "  FROM good WINDOW w AS (PARTITION BY file_id ORDER BY line)"
    ") "
    "SELECT iv.file_id, total(CASE WHEN dt <= 5 * us THEN pm * dt END) / 1e6,"
    "       total(CASE WHEN dt <= 5 * us THEN dt END) / 1e6, count(*)"
    " FROM iv JOIN period ON period.file_id = iv.file_id GROUP BY iv.file_id";

static const char engine_eprof[] =
    "SELECT file_id, gpu_energy_j, gpu_covered_s, gpu_samples FROM source_eprof_file WHERE gpu_samples > 0";

static void transform(struct fx *f) {
  struct transform_options opt = {.profiles = TF_ALL, .set_utc_offset = 1, .utc_offset_s = 3600};
  struct transform_stats st;
  msg_quiet = 1;
  assert_int_equal(transform_run(&f->db, &opt, &st), 0);
  msg_quiet = 0;
}

static void engine_equals_the_window_sql(void **state) {
  struct fx *f = *state;
  static const char *const roots[] = {"tests/fixtures/reconciliation", "tests/fixtures/nvidia-smi",
                                      "tests/fixtures/zeus", "tests/fixtures/powerjoular",
                                      "tests/fixtures/transform"};
  for (size_t i = 0; i < sizeof roots / sizeof *roots; i++) fx_ingest_path(f, roots[i], NULL);
  /* a PowerJoular log whose clock is set back by 2 s mid-way: that interval
   * counts for nothing */
  tl_write_str(f->dir, "set-back/powerjoular.csv",
               "Date,CPU Utilization,Total Power,CPU Power,GPU Power\n"
               "2024-03-06 10:00:00,0.1,10.0,5.0,5.0\n2024-03-06 10:00:01,0.1,12.0,6.0,6.0\n"
               "2024-03-06 10:00:02,0.1,14.0,7.0,7.0\n2024-03-06 10:00:00,0.1,16.0,8.0,8.0\n"
               "2024-03-06 10:00:01,0.1,18.0,9.0,9.0\n2024-03-06 10:00:02,0.1,20.0,10.0,10.0\n");
  char path[1024];
  snprintf(path, sizeof path, "%s/set-back", f->dir);
  fx_ingest_path(f, path, NULL);
  transform(f);
  /* 11 + 13 + 17 + 19 W over 4 s: the 2 s back bridged nothing */
  assert_true(tl_int(&f->db, "SELECT count(*) FROM source_energy e JOIN source_file s ON s.id = e.file_id"
                          " WHERE s.path = 'powerjoular.csv' AND e.component = 'total' AND e.energy_j = 60"
                          " AND e.covered_s = 4") == 1);
  /* the oracle is only as good as the fixtures: each source has series */
  assert_true(tl_int(&f->db, "SELECT count(DISTINCT source) FROM (%s)", engine) == 3);
  assert_true(tl_int(&f->db, "SELECT count(*) FROM (%s)", engine) >= 6);
  assert_true(tl_int(&f->db, "SELECT count(*) FROM (%s)", oracle) == tl_int(&f->db, "SELECT count(*) FROM (%s)", engine));
  assert_int_equal(tl_differing(&f->db, oracle, engine), 0);

  /* the eprof files: by the pipeline (C), then again by 50_sources.sql */
  assert_true(tl_int(&f->db, "SELECT count(*) FROM (%s)", engine_eprof) >= 4);
  assert_int_equal(tl_differing(&f->db, oracle_eprof, engine_eprof), 0);
  assert_int_equal(sqlite3_exec(f->db.sql, "DELETE FROM source_eprof_file; DELETE FROM source_built;", NULL, NULL, NULL),
                   SQLITE_OK);
  transform(f);
  assert_true(tl_int(&f->db, "SELECT count(*) FROM (%s)", engine_eprof) >= 4);
  assert_int_equal(tl_differing(&f->db, oracle_eprof, engine_eprof), 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(gap_limit_and_coverage),
      cmocka_unit_test(no_limit_bridges_nothing),
      cmocka_unit_test(time_going_back),
      cmocka_unit_test(window_splits_the_intervals_that_cross_it),
      cmocka_unit_test_setup_teardown(window_aggregate, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(engine_equals_the_window_sql, fx_setup, fx_teardown),
  };
  return cmocka_run_group_tests_name("trapezoid", tests, NULL, NULL);
}
