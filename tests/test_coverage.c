/* tests/test_coverage.c: every run says how much of it each component covers
 * (schema/008_coverage.sql): a CPU log that stops early shows a
 * low RAM share and the longest gap, a run without a CPU log shows RAM as not
 * measured, both are listed in v_run_warning, the GPU's covered time is the
 * default profile's, and on the real replication zip the seven nasnet_mobile
 * runs whose CPU log stops an hour early are the runs warned of. */
#include "tests/testlib.h"
#include "tests/ingest_checks.h"

#include "transform/transform.h"

#define GPU_HEADER                                                                          \
  "timestamp, name, utilization.gpu [%], utilization.memory [%], memory.total [MiB], "      \
  "memory.used [MiB], power.draw [W], power.max_limit [W], temperature.gpu\n"

/* A run folder with a GPU log of 101 samples at 1 Hz and, when CPU_SECONDS >= 0,
 * a CPU log of its first CPU_SECONDS + 1 seconds at 1 Hz. */
static void write_run(const char *dir, const char *stamp, int cpu_seconds) {
  struct ic_buf g = {0}, c = {0};
  ic_put(&g, GPU_HEADER);
  ic_put(&c, "timestamp,cpu usage (%),memory usage (MB)\n");
  for (int i = 0; i <= 100; i++) {
    char line[256];
    snprintf(line, sizeof line,
             "2023/12/18 21:%02d:%02d.000, NVIDIA A100, 50 %%, 10 %%, 40960 MiB, 900 MiB, 150.00 W, "
             "400.00 W, 41\n", 30 + i / 60, i % 60);
    ic_put(&g, line);
    if (i <= cpu_seconds) {
      snprintf(line, sizeof line, "2023-12-18 21:%02d:%02d.000000,12.5,2048.0\n", 30 + i / 60, i % 60);
      ic_put(&c, line);
    }
  }
  char name[256];
  snprintf(name, sizeof name, "raw/local/vgg16/ds/gpu-power-%s.csv", stamp);
  tl_write_str(dir, name, g.s);
  if (cpu_seconds >= 0) {
    snprintf(name, sizeof name, "raw/local/vgg16/ds/cpu-mem-usage-%s.csv", stamp);
    tl_write_str(dir, name, c.s);
  }
  free(g.s);
  free(c.s);
}

static void transform(struct wdb *db) {
  struct transform_options opt = {.profiles = TF_ALL};
  struct transform_stats st;
  msg_quiet = 1;
  assert_int_equal(transform_run(db, &opt, &st), 0);
  msg_quiet = 0;
}

static void short_cpu_log_shows_its_share_and_gap(void **state) {
  (void)state;
  struct ic_db t;
  ic_fresh(&t);
  write_run(t.dir, "20231218T213000", 100); /* complete */
  write_run(t.dir, "20231218T213100", 30);  /* the CPU log stops after 30 s */
  write_run(t.dir, "20231218T213200", -1);  /* no CPU log */
  char root[600];
  snprintf(root, sizeof root, "%s/raw", t.dir);
  ic_ingest(&t.db, root, NULL);
  transform(&t.db);
  const char *q = "SELECT %s FROM v_run_coverage WHERE stamp = '%s' AND component = '%s'";
  assert_true(tl_real(&t.db, q, "share", "20231218T213000", "gpu") == 1.0);
  assert_true(tl_real(&t.db, q, "share", "20231218T213000", "ram") == 1.0);
  assert_true(tl_real(&t.db, q, "longest_gap_s", "20231218T213000", "ram") == 0.0);
  /* 30 of the window's 100 seconds; the 70 after them are one gap */
  assert_true(fabs(tl_real(&t.db, q, "share", "20231218T213100", "ram") - 0.30) < 1e-12);
  assert_true(tl_real(&t.db, q, "longest_gap_s", "20231218T213100", "ram") == 70.0);
  assert_int_equal(tl_int(&t.db, q, "samples", "20231218T213100", "ram"), 31);
  /* the extrapolated figure stands apart: energy_j keeps what was measured */
  double ram = tl_real(&t.db, q, "energy_j", "20231218T213100", "ram");
  assert_true(fabs(tl_real(&t.db, q, "extrapolated_energy_j", "20231218T213100", "ram") - ram / 0.30) < 1e-9);
  assert_true(fabs(tl_real(&t.db, "SELECT ram_energy_j FROM v_run WHERE profile = 'default' AND stamp = "
                               "'20231218T213100'") - ram) < 1e-12);
  assert_int_equal(tl_int(&t.db, q, "samples", "20231218T213200", "ram"), 0);
  assert_true(isnan(tl_real(&t.db, q, "extrapolated_energy_j", "20231218T213200", "ram")));
  /* the GPU's covered time is the default profile's */
  assert_int_equal(tl_int(&t.db, "SELECT count(*) FROM processed_coverage c JOIN processed_run p "
                                 "ON p.run_id = c.run_id AND p.profile = 'default' WHERE c.component = 'gpu' "
                                 "AND abs(c.covered_s - (p.duration_s - p.uncovered_s)) < 1e-9"),
                   3);
  /* the warnings: the short log and the missing one, nothing else */
  assert_int_equal(tl_int(&t.db, "SELECT count(*) FROM v_run_warning"), 2);
  assert_string_equal(tl_text(&t.db, "SELECT what FROM v_run_warning WHERE stamp = '20231218T213100'"),
                      "partial coverage");
  assert_string_equal(tl_text(&t.db, "SELECT what FROM v_run_warning WHERE stamp = '20231218T213200'"),
                      "not measured");
  /* the threshold is a setting */
  assert_int_equal(sqlite3_exec(t.db.sql, "INSERT INTO setting VALUES ('coverage_warning_share', 0.2)",
                                NULL, NULL, NULL),
                   SQLITE_OK);
  assert_int_equal(tl_int(&t.db, "SELECT count(*) FROM v_run_warning"), 1);
  ic_done(&t);
}

/* The real zip: the seven cloud/nasnet_mobile runs whose CPU log stops about an
 * hour before the GPU log, and no other run. */
static void real_zip_warns_of_the_short_cpu_logs(void **state) {
  (void)state;
  const char *real = tl_shared_real();
  if (!real) skip();
  char zip[1024];
  snprintf(zip, sizeof zip, "%s/eprof/seaa2023-data.zip", real);
  if (access(zip, R_OK) != 0) skip();
  struct ic_db t;
  ic_fresh(&t);
  ic_ingest(&t.db, zip, NULL);
  transform(&t.db);
  assert_int_equal(tl_int(&t.db, "SELECT count(*) FROM v_run_warning"), 7);
  assert_int_equal(tl_int(&t.db, "SELECT count(*) FROM v_run_warning WHERE environment = 'cloud' AND "
                                 "architecture = 'nasnet_mobile' AND component = 'ram' AND share < 0.11"),
                   7);
  assert_true(tl_real(&t.db, "SELECT share FROM v_run_warning WHERE stamp = '20221210T012112'") < 0.01);
  ic_done(&t);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(short_cpu_log_shows_its_share_and_gap),
      cmocka_unit_test(real_zip_warns_of_the_short_cpu_logs),
  };
  return cmocka_run_group_tests_name("coverage", tests, NULL, NULL);
}
