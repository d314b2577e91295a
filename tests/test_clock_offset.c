/* tests/test_clock_offset.c: the clock offsets of UTC logs (transform/clock.c,
 * table clock_offset), estimated from the power series when no --utc-offset is
 * given, on fixtures written here.
 *
 * Three eprof runs from 2024-03-05 09:00:00 local, 480 s each at 1 Hz with
 * 300 s between them: 30 s of setup at 70 W, then training at about 240 W with
 * a 3 s dip to 110 W every 29 s (plus a few watts of deterministic noise). A
 * wattmeter log, frames every 0.2 s from 10 min before the first run to 10 min
 * after the last, written in UTC = local - OFFSET: socket 1 feeds the machine
 * (95 W idle + 1.08 x the GPU power + noise), socket 2 another device at 50 W.
 * Offsets of -5 h, 0, +1 h and +5:30 must be found, the log then attached to
 * the three runs; a log of another day, a flat log and a log of idle noise
 * only must give 'none' and the advice of which option to pass. */
#include "tests/testlib.h"

#include <time.h>

#include "tests/fmtlib.h"
#include "transform/clock.h"
#include "transform/transform.h"

#define RUN0_LOCAL 1709629200LL /* 2024-03-05 09:00:00 */
#define RUN_S 480
#define GAP_S 300
#define RUNS 3

/* deterministic noise in [-1, 1) from an integer */
static double noise(long long k) {
  unsigned long long x = (unsigned long long)k * 0x9E3779B97F4A7C15ull;
  x ^= x >> 31;
  x *= 0xBF58476D1CE4E5B9ull;
  x ^= x >> 29;
  return (double)(x % 20000) / 10000.0 - 1.0;
}

/* GPU power at local time T (s), 0 outside the runs */
static double gpu_w(double t) {
  for (int r = 0; r < RUNS; r++) {
    double a = (double)(RUN0_LOCAL + r * (RUN_S + GAP_S)), x = t - a;
    if (x < 0 || x > RUN_S) continue;
    if (x < 30) return 70.0;
    return (long long)(x - 30) % 29 < 3 ? 110.0 : 240.0;
  }
  return 0.0;
}

static char *buf_of(FILE *f, char **b) {
  assert_int_equal(fclose(f), 0);
  return *b;
}

static void write_runs(const char *dir) {
  for (int r = 0; r < RUNS; r++) {
    long long a = RUN0_LOCAL + r * (RUN_S + GAP_S);
    char *b = NULL, name[128];
    size_t n = 0;
    FILE *f = open_memstream(&b, &n);
    fputs("timestamp,gpu_name,gpu_usage,gpu_memory_usage,gpu_total_memory,gpu_memory_used,"
          "gpu_power_draw,gpu_max_power,gpu_temperature\n", f);
    struct tm tm;
    for (int s = 0; s <= RUN_S; s++) {
      time_t t = (time_t)(a + s);
      gmtime_r(&t, &tm);
      fprintf(f, "%04d-%02d-%02d %02d:%02d:%02d.%03d,GPU,50 %%,10 %%,24268 MiB,1000 MiB,%.2f W,350.00 W,60\n",
              tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, 100 + s % 7,
              gpu_w((double)(a + s) + 0.1) + 4.0 * noise(a + s));
    }
    time_t t = (time_t)a;
    gmtime_r(&t, &tm);
    snprintf(name, sizeof name, "raw/cloud/net/ds/gpu-power-%04d%02d%02dT%02d%02d%02d.csv", tm.tm_year + 1900,
             tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
    tl_write_str(dir, name, buf_of(f, &b));
    free(b);
  }
}

enum wm_kind { WM_MACHINE, WM_FLAT, WM_IDLE };

/* A wattmeter log NAME in UTC for a machine whose local clock is UTC + OFFSET_S,
 * from local FROM to TO (s). */
static void write_wattmeter(const char *dir, const char *name, long offset_s, long long from, long long to,
                            enum wm_kind kind) {
  char *b = NULL;
  size_t n = 0;
  FILE *f = open_memstream(&b, &n);
  fputs("2024/03/05-08:00:00;Tue Mar  5 08:00:00 2024;INFO;Starting logging on '/dev/ttyUSB0' plugcount=6\n"
        "#timestamp,#frame_is_ok,#U1,#U2,#U3,#current1,#activepow1,#current2,#activepow2,#current3,"
        "#activepow3,#current4,#activepow4,#current5,#activepow5,#current6,#activepow6\n", f);
  for (long long k = from * 5; k <= to * 5; k++) { /* every 0.2 s */
    double local = (double)k / 5.0;
    double p1 = kind == WM_FLAT ? 300.0 : 95.0 + 3.0 * noise(k) + (kind == WM_MACHINE ? 1.08 * gpu_w(local) : 0);
    long long utc_ds = k * 2 - (long long)offset_s * 10; /* tenths of a second */
    fprintf(f, "%lld.%d00000000,%s,230.0,0.0,0.0,%.2f,%.1f,0.2,%.1f,0,0,0,0,0,0,0,0\n", utc_ds / 10,
            (int)(utc_ds % 10), k == from * 5 + 77 ? "false" : "true", p1 / 230, p1,
            kind == WM_FLAT ? 50.0 : 50.0 + noise(k + 7));
  }
  tl_write_str(dir, name, buf_of(f, &b));
  free(b);
}

static void transform(struct wdb *db, const struct transform_options *o) {
  struct transform_options opt = o ? *o : (struct transform_options){.profiles = TF_ALL};
  struct transform_stats st;
  msg_quiet = 1;
  assert_int_equal(transform_run(db, &opt, &st), 0);
  msg_quiet = 0;
}

static long long first_local(void) { return RUN0_LOCAL - 600; }
static long long last_local(void) { return RUN0_LOCAL + RUNS * RUN_S + (RUNS - 1) * GAP_S + 600; }

/* The log of a machine at OFFSET_S: found, and attached to the three runs. */
static void offset_found(struct fx *f, long offset_s) {
  write_runs(f->dir);
  write_wattmeter(f->dir, "meters/wattmetre.csv", offset_s, first_local(), last_local(), WM_MACHINE);
  fx_ingest_path(f, f->dir, NULL);
  transform(&f->db, NULL);
  assert_string_equal(tl_text(&f->db, "SELECT method FROM clock_offset"), "estimated");
  assert_int_equal(tl_int(&f->db, "SELECT offset_s FROM clock_offset"), offset_s);
  assert_int_equal(tl_int(&f->db, "SELECT best_s FROM clock_offset"), offset_s);
  assert_int_equal(tl_int(&f->db, "SELECT grid_s FROM clock_offset"), 1);
  assert_true(tl_real(&f->db, "SELECT score FROM clock_offset") >= 0.5);
  assert_true(tl_real(&f->db, "SELECT score - runner_up_score FROM clock_offset") >= 0.2);
  assert_true(tl_int(&f->db, "SELECT runner_up_s FROM clock_offset") != offset_s);
  assert_true(tl_int(&f->db, "SELECT points FROM clock_offset") > 3000);
  /* attached to each run by overlap, its wall window inside each */
  assert_int_equal(tl_int(&f->db, "SELECT count(*) FROM source_attach a JOIN source_file s ON s.id = a.file_id"
                                  " WHERE s.format = 'wattmeter' AND a.how = 'overlap'"),
                   RUNS);
  assert_int_equal(tl_int(&f->db, "SELECT count(*) FROM source_reconciliation WHERE window = 'wall'"
                                  " AND run_id IS NOT NULL AND wall_j > 0"),
                   RUNS);
  /* socket 1 over run 1 (481 s): 95 W idle plus 1.08 x the GPU energy, within a few % */
  double wall = tl_real(&f->db, "SELECT energy_j FROM source_energy WHERE source = 'wattmeter' AND device = '1'"
                                " AND run_id = 1");
  double gpu = tl_real(&f->db, "SELECT energy_j FROM source_energy WHERE source = 'eprof-gpu' AND run_id = 1");
  assert_true(fabs(wall - (95.0 * RUN_S + 1.08 * gpu)) < 0.02 * wall);
  /* printed, with the score */
  char *out = NULL;
  size_t n = 0;
  FILE *o = open_memstream(&out, &n);
  assert_int_equal(clock_offsets_report(&f->db, o, 0), 0);
  fclose(o);
  char want[64];
  snprintf(want, sizeof want, "UTC clock offset %+ld s", offset_s);
  assert_non_null(strstr(out, want));
  assert_non_null(strstr(out, "estimated from the runs' power (score 0."));
  free(out);
  /* quiet: nothing said of an offset found */
  o = open_memstream(&out, &n);
  assert_int_equal(clock_offsets_report(&f->db, o, 1), 0);
  fclose(o);
  assert_string_equal(out, "");
  free(out);
}

static void minus_five_hours(void **state) { offset_found(*state, -5 * 3600); }
static void zero(void **state) { offset_found(*state, 0); }
static void plus_one_hour(void **state) { offset_found(*state, 3600); }
static void plus_five_thirty(void **state) { offset_found(*state, 5 * 3600 + 1800); }

/* --utc-offset overrides: 'given' for every UTC file, nothing estimated; 'auto'
 * goes back to the estimate. */
static void given_overrides(void **state) {
  struct fx *f = *state;
  write_runs(f->dir);
  write_wattmeter(f->dir, "meters/wattmetre.csv", -18000, first_local(), last_local(), WM_MACHINE);
  fx_ingest_path(f, f->dir, NULL);
  struct transform_options opt = {.profiles = TF_ALL, .set_utc_offset = 1, .utc_offset_s = 3600};
  transform(&f->db, &opt);
  assert_string_equal(tl_text(&f->db, "SELECT method || ' ' || offset_s || ' ' || coalesce(score, 'null')"
                                      " FROM clock_offset"),
                      "given 3600 null");
  /* at +1 h the log misses every run */
  assert_int_equal(tl_int(&f->db, "SELECT count(*) FROM source_attach WHERE how = 'overlap'"), 0);
  opt = (struct transform_options){.profiles = TF_ALL, .auto_utc_offset = 1};
  transform(&f->db, &opt);
  assert_int_equal(tl_int(&f->db, "SELECT count(*) FROM setting WHERE name = 'local_utc_offset_s'"), 0);
  assert_string_equal(tl_text(&f->db, "SELECT method || ' ' || offset_s FROM clock_offset"), "estimated -18000");
  assert_int_equal(tl_int(&f->db, "SELECT count(*) FROM source_attach WHERE how = 'overlap'"), RUNS);
}

static void report(struct fx *f, char **out, size_t *n) {
  FILE *o = open_memstream(out, n);
  assert_int_equal(clock_offsets_report(&f->db, o, 1), 0); /* quiet or not: always said */
  fclose(o);
}

/* No load of any run near it: 'none', offset 0, a session, and the option to
 * pass printed. */
static void no_overlapping_load(void **state) {
  struct fx *f = *state;
  write_runs(f->dir);
  /* three days later, with the machine's load pattern */
  write_wattmeter(f->dir, "meters/later.csv", 3600, first_local() + 3 * 86400, last_local() + 3 * 86400,
                  WM_MACHINE);
  /* a flat log beside the runs */
  write_wattmeter(f->dir, "meters/flat.csv", 3600, first_local(), last_local(), WM_FLAT);
  /* idle noise only, 3 h after the last run */
  write_wattmeter(f->dir, "meters/idle.csv", 3600, last_local() + 3 * 3600, last_local() + 4 * 3600, WM_IDLE);
  fx_ingest_path(f, f->dir, NULL);
  transform(&f->db, NULL);
  assert_int_equal(tl_int(&f->db, "SELECT count(*) FROM clock_offset WHERE method = 'none' AND offset_s = 0"), 3);
  assert_string_equal(tl_text(&f->db, "SELECT c.reason FROM clock_offset c JOIN source_file s ON s.id = c.file_id"
                                      " WHERE s.path LIKE '%%later.csv'"),
                      "no run's GPU or RAPL power lies within 14 h of it");
  assert_string_equal(tl_text(&f->db, "SELECT c.reason FROM clock_offset c JOIN source_file s ON s.id = c.file_id"
                                      " WHERE s.path LIKE '%%flat.csv'"),
                      "its power is flat: nothing to align");
  assert_string_equal(tl_text(&f->db, "SELECT c.reason FROM clock_offset c JOIN source_file s ON s.id = c.file_id"
                                      " WHERE s.path LIKE '%%idle.csv'"),
                      "the best fit is weak");
  assert_true(tl_real(&f->db, "SELECT c.score FROM clock_offset c JOIN source_file s ON s.id = c.file_id"
                              " WHERE s.path LIKE '%%idle.csv'") < 0.5);
  /* all three sessions of their own */
  assert_int_equal(tl_int(&f->db, "SELECT count(*) FROM source_attach WHERE how = 'session'"), 3);
  char *out = NULL;
  size_t n = 0;
  report(f, &out, &n);
  assert_non_null(strstr(out, "later.csv: no UTC clock offset found (no run's GPU or RAPL power lies within 14 h"
                              " of it): its times are read as local; pass --utc-offset S with S = local time"
                              " minus UTC in seconds (e.g. --utc-offset 3600 for CET)\n"));
  assert_non_null(strstr(out, "flat.csv: no UTC clock offset found (its power is flat: nothing to align)"));
  char *idle = strstr(out, "idle.csv: no UTC clock offset found (the best fit is weak; best ");
  assert_non_null(idle);
  assert_non_null(strstr(idle, "pass --utc-offset "));
  assert_non_null(strstr(idle, " if that fit is right, else --utc-offset S"));
  free(out);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(minus_five_hours, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(zero, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(plus_one_hour, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(plus_five_thirty, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(given_overrides, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(no_overlapping_load, fx_setup, fx_teardown),
  };
  return cmocka_run_group_tests_name("clock_offset", tests, NULL, NULL);
}
