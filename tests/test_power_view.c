/* tests/test_power_view.c: v_power (schema/020_sources.sql), every power reading
 * on one time axis, checked against what source_energy integrated from the same
 * files: the fixtures of every format with power readings, with an eprof run
 * and its wattmeter and perf logs (tests/fixtures/reconciliation), built by
 * transform_run() as `wattdb build` does. */
#include "tests/testlib.h"

#include "tests/fmtlib.h"

/* the sources v_power reads, each with readings in the fixtures below */
static const char *const power_sources[] = {"eprof-gpu",   "nvidia-smi",   "wattmeter",   "zeus-power",
                                            "powerjoular", "powermetrics", "aipowermeter"};

static void build(struct fx *f, int utc_offset_s) {
  static const char *const roots[] = {"tests/fixtures/reconciliation", "tests/fixtures/nvidia-smi",
                                      "tests/fixtures/wattmeter",      "tests/fixtures/zeus",
                                      "tests/fixtures/powerjoular",    "tests/fixtures/powermetrics",
                                      "tests/fixtures/aipowermeter"};
  for (size_t i = 0; i < sizeof roots / sizeof *roots; i++) fx_ingest_path(f, roots[i], NULL);
  struct transform_options opt = {.profiles = TF_ALL, .set_utc_offset = 1, .utc_offset_s = utc_offset_s};
  struct transform_stats st;
  msg_quiet = 1;
  assert_int_equal(transform_run(&f->db, &opt, &st), 0);
  msg_quiet = 0;
}

/* Per run or session, file, source, component and device: v_power has exactly
 * the readings source_energy counted, from its first to its last (a
 * powermetrics sample or an AIPowerMeter record, placed at the middle of the
 * time it averages, lies strictly inside the span its energy covers), and
 * nothing source_energy does not have. */
static void readings_are_the_integrated_ones(void **state) {
  struct fx *f = *state;
  build(f, 3600);
  for (size_t i = 0; i < sizeof power_sources / sizeof *power_sources; i++)
    assert_true(tl_int(&f->db, "SELECT count(*) FROM v_power WHERE source = '%s'", power_sources[i]) > 0);
  const char *groups =
      "WITH v AS (SELECT run_id, session_file_id, file_id, source, component, device, count(*) AS n,"
      "                  min(ts_us) AS lo, max(ts_us) AS hi FROM v_power GROUP BY 1, 2, 3, 4, 5, 6),"
      " e AS (SELECT * FROM source_energy WHERE source IN ('eprof-gpu', 'nvidia-smi', 'wattmeter',"
      "       'zeus-power', 'powerjoular', 'powermetrics', 'aipowermeter'))";
  assert_int_equal(tl_int(&f->db,
                          "%s SELECT count(*) FROM e LEFT JOIN v ON v.run_id IS e.run_id"
                          " AND v.session_file_id IS e.session_file_id AND v.file_id = e.file_id"
                          " AND v.source = e.source AND v.component = e.component AND v.device = e.device"
                          " WHERE v.n IS NOT e.samples OR CASE WHEN e.source IN ('powermetrics', 'aipowermeter')"
                          " THEN NOT (v.lo > e.first_us AND v.hi < e.last_us)"
                          " ELSE v.lo IS NOT e.first_us OR v.hi IS NOT e.last_us END",
                          groups),
                   0);
  assert_int_equal(tl_int(&f->db,
                          "%s SELECT count(*) FROM v WHERE NOT EXISTS (SELECT 1 FROM e"
                          " WHERE e.run_id IS v.run_id AND e.session_file_id IS v.session_file_id"
                          " AND e.file_id = v.file_id AND e.source = v.source AND e.component = v.component"
                          " AND e.device = v.device)",
                          groups),
                   0);
  /* a powermetrics reading x its sample's elapsed time is its energy (two samples
   * may share a date and an elapsed time: each reading is matched once) */
  assert_true(fabs(tl_real(&f->db, "SELECT total(energy_j) FROM source_energy WHERE source = 'powermetrics'") -
                   tl_real(&f->db, "SELECT total(v.power_w * s.elapsed_us) / 1e6 FROM v_power v"
                                   " JOIN (SELECT DISTINCT file_id, b_us, elapsed_us FROM source_powermetrics_sample) s"
                                   " ON s.file_id = v.file_id"
                                   " AND v.ts_us = s.b_us - s.elapsed_us / 2"
                                   " WHERE v.source = 'powermetrics'")) < 1e-9);
  /* an AIPowerMeter record's power x the time since the previous one is its energy */
  assert_true(fabs(tl_real(&f->db, "SELECT total(energy_j) FROM source_energy WHERE source = 'aipowermeter'") -
                   tl_real(&f->db, "SELECT total(v.power_w * i.dt_us) / 1e6 FROM v_power v"
                                   " JOIN source_aipowermeter_interval i ON i.file_id = v.file_id"
                                   " AND v.ts_us = i.ts_us - i.dt_us / 2"
                                   " WHERE v.source = 'aipowermeter'")) < 1e-6);
}

/* UTC sources are on the runs' local clock: the wattmeter readings move with
 * the offset given, the local ones (nvidia-smi) do not. */
static void utc_readings_follow_the_offset(void **state) {
  struct fx *f = *state;
  build(f, 7200);
  long long wm = tl_int(&f->db, "SELECT min(ts_us) FROM v_power WHERE source = 'wattmeter' AND run_id IS NULL");
  long long raw = tl_int(&f->db, "SELECT min(w.ts_us) FROM wattmeter_frame w JOIN source_attach a"
                                 " ON a.file_id = w.file_id AND a.run_id IS NULL WHERE w.ok");
  assert_true(wm == raw + 7200LL * 1000000);
  assert_int_equal(tl_int(&f->db, "SELECT count(*) FROM v_power v JOIN nvidia_smi_sample n"
                                  " ON n.file_id = v.file_id AND n.ts_us = v.ts_us AND n.gpu = v.device"
                                  " WHERE v.source = 'nvidia-smi'"),
                   tl_int(&f->db, "SELECT count(*) FROM v_power WHERE source = 'nvidia-smi'"));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(readings_are_the_integrated_ones, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(utc_readings_follow_the_offset, fx_setup, fx_teardown),
  };
  return cmocka_run_group_tests_name("power_view", tests, NULL, NULL);
}
