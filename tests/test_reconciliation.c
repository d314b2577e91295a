/* tests/test_reconciliation.c: the window rule of source_reconciliation
 * (transform/50_sources.sql) on hand-written fixtures, and the demo sample's
 * one complete reconciliation, with the wattmeter logs' clock offset estimated.
 *
 * tests/fixtures/reconciliation/ (times naive local, the wattmeter's UTC + 1 h):
 *   raw/cloud/net/ds/gpu-power-20240101T100000.csv  eprof GPU, 10:00:00..10:00:20 at 1 Hz,
 *       power 100 + 10 t W at t s: the run's span is [0, 20] s
 *   meters/wattmetre.csv  frames every 0.25 s from 09:00:04.50 to 09:00:14.25 UTC, i.e.
 *       t = 4.5..14.25 s: socket 1 600 W, socket 2 50 W (another device), others 0
 *   meters/rapl.csv       perf -I 1000 from 10:00:00: interval (k-1, k] s, k = 1..20,
 *       pkg k J, dram 2 J
 *   meters/gpus.csv       nvidia-smi of 2 GPUs every 2 s, t = 0..20: GPU 0 100 + 10 t W,
 *       GPU 1 20 W
 *   meters/emissions.csv  codecarbon: 16 s ending 10:00:18 (t = 2..18), 0.0001 kWh = 360 J
 *
 * The window is the wall meter's span within the run: [4.5, 14.25] s, 9.75 s.
 * By hand, every interval counting for the time it has inside the window:
 *   wall, socket 1 only:  600 W * 9.75 s = 5850 J (all sockets: 650 * 9.75 = 6337.5 J)
 *   eprof GPU, intervals [k, k+1] at mean power 105 + 10 k W:
 *     [4,5] 145 * 0.5 = 72.5; [5,6]..[13,14] sum(105 + 10 k, k = 5..13) = 945 + 810 = 1755;
 *     [14,15] 245 * 0.25 = 61.25; total 1888.75 J
 *   nvidia-smi GPU 0, intervals [2k, 2k+2] at 110 + 20 k W:
 *     [4,6] 150 * 1.5 = 225; [6,8] 340; [8,10] 380; [10,12] 420; [12,14] 460;
 *     [14,16] 250 * 0.25 = 62.5; total 1887.5 J. GPU 1: 20 * 9.75 = 195 J. Both: 2082.5 J
 *   GPU used: nvidia-smi (2 GPUs against the eprof log's one)
 *   perf pkg: (4,5] 5 * 0.5 = 2.5; (5,6]..(13,14] 6 + ... + 14 = 90; (14,15] 15 * 0.25 = 3.75;
 *     total 96.25 J. dram: 2 * 0.5 + 2 * 9 + 2 * 0.25 = 19.5 J
 *   components 2082.5 + 96.25 + 19.5 = 2198.25 J; unaccounted 5850 - 2198.25 = 3651.75 J
 *   codecarbon 360 J * 9.75 / 16 = 219.375 J
 *   shares of each span inside the window: nvidia-smi 2 * 9.75 / (2 * 20) = 0.4875;
 *     perf 9.75 / 20 = 0.4875; codecarbon 9.75 / 16 = 0.609375
 * Without a wall meter on the run (no UTC offset: the wattmeter is a session), the
 * run is compared over its whole span: GPU 0 sum((110 + 20 k) * 2, k = 0..9) = 4000 J,
 * GPU 1 400 J; pkg 1 + ... + 20 = 210 J; dram 40 J; codecarbon 360 J. */
#include "tests/testlib.h"

#include "tests/fmtlib.h"
#include "transform/transform.h"

#define FIX "tests/fixtures/reconciliation"

static void transform_with(struct wdb *db, long utc_offset_s, const char *wall_sockets) {
  struct transform_options opt = {.profiles = TF_ALL, .set_utc_offset = utc_offset_s != 0,
                                  .utc_offset_s = utc_offset_s, .wall_sockets = wall_sockets};
  struct transform_stats st;
  msg_quiet = 1;
  assert_int_equal(transform_run(db, &opt, &st), 0);
  msg_quiet = 0;
}

static void ingest_fixtures(struct fx *f) {
  fx_ingest_path(f, FIX "/raw", NULL);
  fx_ingest_path(f, FIX "/meters", NULL);
  assert_int_equal(tl_int(&f->db, "SELECT count(*) FROM source_file WHERE status = 'ok'"), 5);
}

#define assert_near(got, want) assert_true(fabs((got) - (want)) < 1e-9 * (1.0 + fabs(want)))

static double rec(struct fx *f, const char *col) {
  return tl_real(&f->db, "SELECT %s FROM source_reconciliation WHERE run_id = 1", col);
}

static void window_cuts_components(void **state) {
  struct fx *f = *state;
  ingest_fixtures(f);
  transform_with(&f->db, 3600, "1");
  assert_string_equal(tl_text(&f->db, "SELECT window || ' ' || gpu_source || ' ' || complete"
                                      " FROM source_reconciliation WHERE run_id = 1"),
                      "wall nvidia-smi 1");
  /* 10:00:04.5 local, 2024-01-01 */
  assert_int_equal(tl_int(&f->db, "SELECT window_start_us FROM source_reconciliation WHERE run_id = 1"),
                   1704103204500000LL);
  assert_int_equal(tl_int(&f->db, "SELECT window_end_us FROM source_reconciliation WHERE run_id = 1"),
                   1704103214250000LL);
  assert_near(rec(f, "window_s"), 9.75);
  assert_near(rec(f, "wall_j"), 5850.0);
  assert_near(rec(f, "gpu_j"), 2082.5);
  assert_near(rec(f, "rapl_pkg_j"), 96.25);
  assert_near(rec(f, "rapl_dram_j"), 19.5);
  assert_near(rec(f, "components_j"), 2198.25);
  assert_near(rec(f, "unaccounted_j"), 3651.75);
  assert_near(rec(f, "unaccounted_share"), 3651.75 / 5850.0);
  assert_near(rec(f, "codecarbon_j"), 219.375);
  assert_near(rec(f, "gpu_in_window"), 0.4875);
  assert_near(rec(f, "rapl_in_window"), 0.4875);
  assert_near(rec(f, "codecarbon_in_window"), 0.609375);
  /* the eprof log, not chosen, is cut by the same rule */
  assert_near(tl_real(&f->db, "SELECT energy_j FROM source_window_energy WHERE source = 'eprof-gpu'"), 1888.75);
  assert_near(tl_real(&f->db, "SELECT energy_j FROM source_window_energy WHERE source = 'nvidia-smi'"
                              " AND device = '0'"),
              1887.5);
  /* source_energy keeps each source's whole span within the run */
  assert_near(tl_real(&f->db, "SELECT energy_j FROM source_energy WHERE component = 'rapl_pkg'"), 210.0);
  /* every socket: the other device's 50 W counts too (the view reads the setting) */
  transform_with(&f->db, 0, "all");
  assert_near(rec(f, "wall_j"), 6337.5);
  assert_near(rec(f, "unaccounted_j"), 6337.5 - 2198.25);
}

static void whole_run_without_wall(void **state) {
  struct fx *f = *state;
  ingest_fixtures(f);
  transform_with(&f->db, 0, NULL);
  assert_string_equal(tl_text(&f->db, "SELECT window || ' ' || gpu_source || ' ' || complete"
                                      " FROM source_reconciliation WHERE run_id = 1"),
                      "run nvidia-smi 1");
  assert_int_equal(tl_int(&f->db, "SELECT count(*) FROM source_reconciliation WHERE run_id = 1"
                                  " AND wall_j IS NULL AND unaccounted_j IS NULL"),
                   1);
  assert_near(rec(f, "window_s"), 20.0);
  assert_near(rec(f, "gpu_j"), 4400.0);
  assert_near(rec(f, "rapl_pkg_j"), 210.0);
  assert_near(rec(f, "rapl_dram_j"), 40.0);
  assert_near(rec(f, "codecarbon_j"), 360.0);
  /* the wattmeter, a session of its own, over its own span: 39 intervals of 0.25 s */
  assert_string_equal(tl_text(&f->db, "SELECT window FROM source_reconciliation WHERE session_file_id IS NOT NULL"),
                      "wall");
  assert_near(tl_real(&f->db, "SELECT wall_j FROM source_reconciliation WHERE session_file_id IS NOT NULL"),
              650.0 * 9.75);
}

/* source_reconciliation and source_window_energy as text, %.17g for reals */
static const char reconciliation_text[] =
    "SELECT group_concat(x, '|') FROM (SELECT printf('%%s,%%s,%%.17g,%%.17g,%%s,%%.17g,%%.17g,%%.17g,%%.17g,"
    "%%.17g,%%s,%%.17g,%%s,%%s,%%s,%%.17g,%%.17g,%%.17g,%%.17g', run_id, session_file_id, wall_j, gpu_j,"
    " gpu_source, rapl_pkg_j, rapl_dram_j, components_j, unaccounted_j, unaccounted_share, complete,"
    " codecarbon_j, window, window_start_us, window_end_us, window_s, wall_span_s, gpu_in_window,"
    " rapl_in_window) AS x FROM source_reconciliation"
    " UNION ALL SELECT printf('%%s,%%s,%%s,%%s,%%s,%%s,%%.17g,%%.17g,%%.17g', run_id, session_file_id, file_id,"
    " source, component, device, energy_j, span_s, in_window_s) FROM source_window_energy ORDER BY 1)";

/* The demo sample (gen-sample, from GEN_SAMPLE in the environment): one run is
 * measured by every tool, and its reconciliation is complete, over a wall window
 * that spans the whole run, with a plausible unaccounted share. */
static void demo_sample_reconciles(void **state) {
  struct fx *f = *state;
  const char *gen = tl_gen_sample();
  char cmd[1200], zip[600];
  snprintf(zip, sizeof zip, "%s/data.zip", f->dir);
  snprintf(cmd, sizeof cmd, "%s --zip '%s'", gen, zip);
  assert_int_equal(system(cmd), 0);
  struct ingest_options opt = {0};
  struct ingest_stats stats;
  char *roots[1] = {zip};
  msg_quiet = 1;
  ingest_paths(&f->db, roots, 1, &opt, &stats); /* the sample has 2 rejected lines on purpose */
  msg_quiet = 0;
  assert_int_equal(tl_int(&f->db, "SELECT count(*) FROM run"), 27 + 32); /* training + inference runs */
  /* No --utc-offset: both wattmeter logs' offset (+1 h, CET) is estimated, and
   * the reconciliation is, to the last bit, the one --utc-offset 3600 gives. */
  transform_with(&f->db, 0, "1");
  assert_string_equal(tl_text(&f->db, "SELECT group_concat(method || ' ' || offset_s, ', ') FROM clock_offset"),
                      "estimated 3600, estimated 3600");
  assert_true(tl_real(&f->db, "SELECT min(score - runner_up_score) FROM clock_offset") >= 0.2);
  char *estimated = strdup(tl_text(&f->db, reconciliation_text));
  transform_with(&f->db, 3600, "1");
  assert_string_equal(tl_text(&f->db, "SELECT group_concat(method || ' ' || offset_s, ', ') FROM clock_offset"),
                      "given 3600, given 3600");
  assert_string_equal(estimated, tl_text(&f->db, reconciliation_text));
  free(estimated);
  assert_int_equal(tl_int(&f->db, "SELECT count(*) FROM source_reconciliation WHERE complete AND wall_j > 0"), 1);
  assert_int_equal(tl_int(&f->db, "SELECT count(*) FROM source_reconciliation WHERE complete AND wall_j > 0"
                                  " AND window = 'wall' AND gpu_source = 'nvidia-smi' AND codecarbon_j > 0"
                                  " AND unaccounted_share > 0 AND unaccounted_share < 0.5"),
                   1);
  /* the wall log spans the run: the window is the run's span to a frame (~10 ms) */
  assert_true(tl_real(&f->db, "SELECT max(abs(r.window_s - (s.end_us - s.start_us) / 1e6))"
                              " FROM source_reconciliation r JOIN source_run_span s ON s.run_id = r.run_id"
                              " WHERE r.complete AND r.wall_j > 0") < 0.02);
  /* the one-minute wattmeter log of another run: a window of about 60 s */
  assert_true(fabs(tl_real(&f->db, "SELECT window_s FROM source_reconciliation WHERE wall_j > 0 AND NOT complete") -
                   60.0) < 0.1);
  /* physically consistent: wall power above the components' over the window */
  assert_true(tl_real(&f->db, "SELECT min(wall_j - components_j) FROM source_reconciliation WHERE wall_j > 0") >
              0.0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(window_cuts_components, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(whole_run_without_wall, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(demo_sample_reconciles, fx_setup, fx_teardown),
  };
  return cmocka_run_group_tests_name("reconciliation", tests, NULL, NULL);
}
