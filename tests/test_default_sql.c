/* tests/test_default_sql.c: the default profile as SQL over the integration
 * engine (transform/model/default_epochs.sql, trapezoid_window()) against the
 * C pipeline (transform/integrate.c).
 *
 * On the eprof fixtures and on generated trees (gen-sample --runs 5 --seconds
 * 600 with two seeds: epoch ends between samples, CPU logs on their own clock;
 * the demo sample: [N/A] powers, a GPU log with a gap, runs without epochs),
 * after a transform, the statement's row of every span with an epoch must equal
 * the default processed_epoch row, and the spans' integrals summed in span
 * order must give processed_run's energies, means, samples and uncovered
 * seconds, all to the last bit (EXCEPT compares the values exactly). SQLite
 * 3.40's sum() is plain double additions, the C pipeline's sums too, so the
 * order (spans in span order, intervals in sample order) is the only thing to
 * keep, and both keep it. */
#include "tests/testlib.h"

#include <errno.h>

#include "tests/fmtlib.h"
#include "transform/transform.h"

static const char model_sql_path[] = "transform/model/default_epochs.sql";

/* The statement of transform/model/default_epochs.sql (malloc'd). */
static char *model_sql(void) {
  FILE *f = fopen(model_sql_path, "rb");
  if (!f) fail_msg("%s: %s", model_sql_path, strerror(errno));
  assert_int_equal(fseek(f, 0, SEEK_END), 0);
  long n = ftell(f);
  assert_true(n > 0);
  rewind(f);
  char *s = malloc((size_t)n + 1);
  assert_non_null(s);
  assert_int_equal(fread(s, 1, (size_t)n, f), (size_t)n);
  s[n] = '\0';
  fclose(f);
  return s;
}

/* The statement's epochs, as processed_epoch holds them. */
static const char sql_epochs[] =
    "SELECT run_id, epoch, n_samples, duration_s, mean_gpu_power_w, mean_ram_power_w, gpu_energy_j,"
    " ram_energy_j, energy_j, uncovered_s FROM (%s) WHERE epoch IS NOT NULL";
static const char pipeline_epochs[] =
    "SELECT run_id, epoch, n_samples, duration_s, mean_gpu_power_w, mean_ram_power_w, gpu_energy_j,"
    " ram_energy_j, energy_j, uncovered_s FROM processed_epoch WHERE profile = 'default'";

/* The runs from the statement's spans: each integral summed over the spans in
 * span order (a running sum, so the order is SQL's and not the planner's), then
 * 20_default.sql's expressions of processed_run. */
static const char sql_runs[] =
    "WITH s AS (%s), r AS ("
    "  SELECT run_id, sum(gpu_integral_j) OVER w AS e, sum(gpu_covered_s) OVER w AS cov,"
    "         sum(ram_integral_mb_s) OVER w AS ri, sum(ram_covered_s) OVER w AS c_cov,"
    "         sum(n_samples) OVER w AS n, row_number() OVER (PARTITION BY run_id ORDER BY span DESC) AS from_end"
    "  FROM s WINDOW w AS (PARTITION BY run_id ORDER BY span ROWS UNBOUNDED PRECEDING)"
    ") SELECT i.run_id, COALESCE(r.n, 0), CASE WHEN r.cov > 0 THEN r.e END,"
    "  CASE WHEN r.c_cov > 0 THEN r.ri * m.ram_w_per_mb END,"
    "  CASE WHEN r.cov > 0 OR r.c_cov > 0 THEN CASE WHEN r.cov > 0 THEN r.e ELSE 0 END"
    "       + CASE WHEN r.c_cov > 0 THEN r.ri * m.ram_w_per_mb ELSE 0 END END,"
    "  r.e / r.cov, r.ri / r.c_cov * m.ram_w_per_mb,"
    "  round(max((i.end_us - i.start_us) / 1e6 - COALESCE(r.cov, 0), 0), 6)"
    " FROM interim_run i CROSS JOIN model m LEFT JOIN r ON r.run_id = i.run_id AND r.from_end = 1";
static const char pipeline_runs[] =
    "SELECT run_id, n_samples, gpu_energy_j, ram_energy_j, energy_j, avg_gpu_power_w, avg_ram_power_w,"
    " uncovered_s FROM processed_run WHERE profile = 'default'";

/* Consecutive GPU power readings of a run in two different spans, both inside
 * the window: intervals the split divides. */
static const char crossing_intervals[] =
    "SELECT count(*) FROM (SELECT s.run_id, s.span, lag(s.span) OVER (PARTITION BY s.run_id ORDER BY s.seq) AS prev"
    "  FROM interim_sample s JOIN interim_run i USING (run_id)"
    "  JOIN eprof_gpu_sample g ON g.file_id = i.gpu_file_id AND g.line = s.gpu_line"
    "  WHERE g.power_w IS NOT NULL) x"
    " WHERE x.prev IS NOT NULL AND x.span <> x.prev"
    "   AND x.span < (SELECT count(*) FROM interim_span p WHERE p.run_id = x.run_id)";

static void transform_all(struct wdb *db) {
  struct transform_options opt = {.profiles = TF_ALL};
  struct transform_stats st;
  msg_quiet = 1;
  assert_int_equal(transform_run(db, &opt, &st), 0);
  msg_quiet = 0;
}

/* Transforms DB and compares the statement with the pipeline's rows; returns
 * the number of default epochs compared. */
static long long compare(struct wdb *db) {
  transform_all(db);
  assert_int_equal(transform_register_functions(db), 0); /* trapezoid_window() */
  char *model = model_sql();
  char *a = sqlite3_mprintf(sql_epochs, model), *b = sqlite3_mprintf(sql_runs, model);
  long long epochs = tl_int(db, "SELECT count(*) FROM (%s)", pipeline_epochs);
  /* the same rows, one per span with an epoch, and one run row per run */
  assert_true(tl_int(db, "SELECT count(*) FROM (%s)", a) == epochs);
  assert_true(tl_int(db, "SELECT count(*) FROM (%s)", b) == tl_int(db, "SELECT count(*) FROM (%s)", pipeline_runs));
  assert_int_equal(tl_differing(db, a, pipeline_epochs), 0);
  assert_int_equal(tl_differing(db, b, pipeline_runs), 0);
  sqlite3_free(a), sqlite3_free(b);
  free(model);
  return epochs;
}

static void sh(const char *fmt, ...) {
  char cmd[4096];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(cmd, sizeof cmd, fmt, ap);
  va_end(ap);
  if (system(cmd) != 0) fail_msg("failed: %s", cmd);
}

static void fixtures_equal_the_sql(void **state) {
  struct fx *f = *state;
  fx_ingest_path(f, "tests/fixtures/transform", NULL);
  fx_ingest_path(f, "tests/fixtures/eprof", NULL);
  long long epochs = compare(&f->db);
  /* the fixtures have epoch_end files, and runs compared */
  assert_true(epochs >= 3);
  assert_true(tl_int(&f->db, "SELECT count(*) FROM processed_run WHERE profile = 'default'") >= 2);
}

/* A tree gen-sample makes with ARGS, ingested into F and compared. */
static void generated(struct fx *f, const char *args) {
  char root[1024];
  snprintf(root, sizeof root, "%s/tree", f->dir);
  sh("rm -rf '%s' && %s --dir '%s' %s >/dev/null", root, tl_gen_sample(), root, args);
  fx_ingest_path(f, root, NULL);
  long long epochs = compare(&f->db);
  assert_true(epochs >= 10);
  /* intervals cross epoch ends, so the split is exercised */
  assert_true(tl_int(&f->db, "%s", crossing_intervals) >= 5);
}

static void runs_5_seconds_600_equal_the_sql(void **state) {
  generated(*state, "--runs 5 --seconds 600 --seed 1");
}

static void another_seed_equals_the_sql(void **state) {
  generated(*state, "--runs 5 --seconds 600 --seed 7");
}

static void demo_sample_equals_the_sql(void **state) {
  struct fx *f = *state;
  generated(f, "");
  /* its quirks: runs without an epoch_end file (one span, no epoch rows, the
   * run sums), a GPU log with a gap (an epoch with time no interval covers),
   * [N/A] powers */
  assert_true(tl_int(&f->db, "SELECT count(*) FROM interim_run WHERE epoch_file_id IS NULL AND n_gpu > 0") >= 1);
  assert_true(tl_int(&f->db, "SELECT count(*) FROM processed_epoch WHERE profile = 'default' AND uncovered_s > 0")
              >= 1);
  assert_true(tl_int(&f->db, "SELECT sum(null_power_samples) FROM processed_run WHERE profile = 'default'") >= 1);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(fixtures_equal_the_sql, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(runs_5_seconds_600_equal_the_sql, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(another_seed_equals_the_sql, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(demo_sample_equals_the_sql, fx_setup, fx_teardown),
  };
  return cmocka_run_group_tests_name("default_sql", tests, NULL, NULL);
}
