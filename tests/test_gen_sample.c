/* tests/test_gen_sample.c: what the demo sample (data/gen_sample.c) carries for
 * the notebooks of the other tools' studies, read back through wattdb: the
 * ZeusMonitor log of Zeus's power-limit optimizer (one window per limit, two
 * GPUs) and the codecarbon tracker that flushes periodically (one run id
 * repeated, cumulative rows). The sample is generated into a scratch directory
 * by $GEN_SAMPLE (make test sets it). */
#include "tests/testlib.h"
#include "transform/transform.h"

struct fx {
  char *dir;
  struct wdb db;
};

static int fx_setup(void **state) {
  struct fx *f = calloc(1, sizeof *f);
  f->dir = tl_mkdtemp();
  char cmd[1200], root[600];
  snprintf(root, sizeof root, "%s/sample", f->dir);
  snprintf(cmd, sizeof cmd, "%s --dir '%s'", tl_gen_sample(), root);
  assert_int_equal(system(cmd), 0);
  tl_open(&f->db, f->dir, "t.db");
  tl_ingest(&f->db, root);
  struct transform_options opt = {.profiles = TF_ALL, .set_utc_offset = 1, .utc_offset_s = 3600,
                                  .wall_sockets = "1"};
  struct transform_stats st;
  msg_quiet = 1;
  assert_int_equal(transform_run(&f->db, &opt, &st), 0);
  msg_quiet = 0;
  *state = f;
  return 0;
}

static int fx_teardown(void **state) {
  struct fx *f = *state;
  tl_close(&f->db);
  tl_rmdir(f->dir);
  free(f);
  return 0;
}

/* Nine windows __GlobalPowerLimitOptimizer_350 .. _150, every line stored, in a
 * run folder (so the file belongs to that run); a lower limit takes longer and,
 * summed over both GPUs, less energy than the highest one. */
static void zeus_power_limit_windows(void **state) {
  struct fx *f = *state;
  assert_int_equal(tl_int(&f->db, "SELECT count(*) FROM source_file WHERE format = 'zeus-monitor'"
                                  " AND status = 'ok' AND run_id IS NOT NULL"), 1);
  assert_int_equal(tl_int(&f->db, "SELECT count(*) FROM rejected_row r JOIN source_file s"
                                  " ON s.id = r.file_id WHERE s.format = 'zeus-monitor'"), 0);
  assert_int_equal(tl_int(&f->db, "SELECT count(*) FROM zeus_window"), 9);
  assert_string_equal(tl_text(&f->db, "SELECT group_concat(substr(window_name, 29), ' ')"
                                      " FROM (SELECT window_name FROM zeus_window ORDER BY line)"),
                      "350 325 300 275 250 225 200 175 150");
  assert_int_equal(tl_int(&f->db, "SELECT count(*) FROM zeus_window WHERE window_name NOT LIKE"
                                  " '\\_\\_GlobalPowerLimitOptimizer\\_%%' ESCAPE '\\'"), 0);
  assert_int_equal(tl_int(&f->db, "SELECT count(DISTINCT device) FROM zeus_window_energy"
                                  " WHERE component = 'gpu' AND energy_j > 0"), 2);
  /* windows follow each other on the file's clock */
  assert_int_equal(tl_int(&f->db, "SELECT count(*) FROM zeus_window a JOIN zeus_window b"
                                  " ON b.file_id = a.file_id AND b.line = a.line + 1"
                                  " WHERE b.start_us <= a.end_us"), 0);
  assert_true(tl_real(&f->db, "SELECT (SELECT elapsed_s FROM zeus_window ORDER BY line DESC LIMIT 1)"
                              " / (SELECT elapsed_s FROM zeus_window ORDER BY line LIMIT 1)") > 1.3);
  assert_true(tl_real(&f->db, "SELECT min(e) / max(e) FROM (SELECT line, sum(energy_j) AS e"
                              " FROM zeus_window_energy GROUP BY line)") < 0.8);
  /* the transform's windows carry the same energies, attached to the run */
  assert_true(fabs(tl_real(&f->db, "SELECT total(energy_j) FROM source_zeus_window"
                                   " WHERE run_id IS NOT NULL") -
                   tl_real(&f->db, "SELECT total(energy_j) FROM zeus_window_energy")) < 1e-6);
}

/* other/codecarbon/periodic/emissions.csv: two run ids, each written every
 * 30 s and at stop, duration and energy growing row by row; codecarbon's energy
 * per run (source_energy) is that of the last row. */
static void codecarbon_flushes(void **state) {
  struct fx *f = *state;
  const char *in_file = "file_id = (SELECT id FROM source_file WHERE path LIKE '%periodic/emissions.csv')";
  assert_int_equal(tl_int(&f->db, "SELECT count(*) FROM source_file WHERE path LIKE"
                                  " '%%periodic/emissions.csv' AND status = 'ok'"), 1);
  assert_int_equal(tl_int(&f->db, "SELECT count(DISTINCT run_id) FROM codecarbon_row WHERE %s", in_file), 2);
  assert_int_equal(tl_int(&f->db, "SELECT min(n) FROM (SELECT count(*) AS n FROM codecarbon_row"
                                  " WHERE %s GROUP BY run_id)", in_file), 4);
  assert_int_equal(tl_int(&f->db, "SELECT count(*) FROM codecarbon_row a JOIN codecarbon_row b"
                                  " ON b.file_id = a.file_id AND b.line = a.line + 1 AND b.run_id = a.run_id"
                                  " WHERE a.%s AND (b.duration_s <= a.duration_s OR b.energy_j <= a.energy_j"
                                  " OR b.ts_us <= a.ts_us)", in_file), 0);
  assert_string_equal(tl_text(&f->db, "SELECT group_concat(DISTINCT project_name) FROM codecarbon_row"
                                      " WHERE %s", in_file),
                      "mobilenet-periodic");
  /* each flushing run is attached to its wattdb run, and counted once: its last row */
  assert_int_equal(tl_int(&f->db, "SELECT count(*) FROM source_energy e WHERE e.source = 'codecarbon'"
                                  " AND e.component = 'total' AND e.%s AND e.energy_j = (SELECT max(c.energy_j)"
                                  " FROM codecarbon_row c WHERE c.%s AND c.ts_us BETWEEN"
                                  " e.first_us AND e.last_us)", in_file, in_file),
                   2);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(zeus_power_limit_windows),
      cmocka_unit_test(codecarbon_flushes),
  };
  return cmocka_run_group_tests(tests, fx_setup, fx_teardown);
}
