/* tests/test_gen_sample.c: what the demo sample (data/gen_sample.c) carries for
 * the notebooks of the other tools' studies, read back through wattdb: the
 * ZeusMonitor log of Zeus's power-limit optimizer (one window per limit, two
 * GPUs) and the codecarbon tracker that flushes periodically (one run id
 * repeated, cumulative rows), and the inference study measured with perf stat
 * (one run folder per model variant and batch size, runs.csv stating the rest).
 * The sample is generated into a scratch directory by $GEN_SAMPLE (make test
 * sets it). */
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

/* data/inference/: 4 model variants x 4 batch sizes x 2 runs, each run one
 * perf stat output in raw/cpu-server/<model>-bs<N>/imagenet-val/ named with its
 * stamp, so each is a run of its own; runs.csv pairs with every run by stamp
 * and states items, accuracy and latency (its batch size except for
 * resnet50_int8, whose folder names it). Energy per item (package + DRAM) falls
 * from batch 1 to batch 128 for every variant and the batch latency rises;
 * accuracy depends on the variant only. */
static void inference_study(void **state) {
  struct fx *f = *state;
  const char *study = "run_id IN (SELECT id FROM run WHERE environment = 'cpu-server')";
  assert_int_equal(tl_int(&f->db, "SELECT count(*) FROM source_file WHERE format = 'perf-stat'"
                                  " AND status = 'ok' AND path LIKE '%%inference/raw/%%'"), 32);
  assert_int_equal(tl_int(&f->db, "SELECT count(*) FROM source_file WHERE format = 'perf-stat'"
                                  " AND %s", study), 32);
  assert_int_equal(tl_int(&f->db, "SELECT count(*) FROM rejected_row r JOIN source_file s"
                                  " ON s.id = r.file_id WHERE s.path LIKE '%%inference/%%'"), 0);
  assert_int_equal(tl_int(&f->db, "SELECT count(DISTINCT architecture) FROM run"
                                  " WHERE environment = 'cpu-server'"), 16);
  /* the mobilenet runs are -I 500 -x, interval CSV: no elapsed-time footer, a
   * package and a DRAM record per interval of at most 0.5 s */
  assert_int_equal(tl_int(&f->db, "SELECT count(*) FROM perf_count c JOIN source_file s"
                                  " ON s.id = c.file_id WHERE c.event = 'time elapsed' AND s.%s", study), 24);
  assert_int_equal(tl_int(&f->db, "SELECT count(DISTINCT c.file_id) FROM perf_count c JOIN source_file s"
                                  " ON s.id = c.file_id WHERE c.ts_us IS NOT NULL AND s.%s", study), 8);
  assert_int_equal(tl_int(&f->db, "SELECT count(*) FROM (SELECT c.file_id, c.ts_us - lag(c.ts_us)"
                                  " OVER (PARTITION BY c.file_id, c.event ORDER BY c.ts_us) AS d"
                                  " FROM perf_count c JOIN source_file s ON s.id = c.file_id"
                                  " WHERE c.ts_us IS NOT NULL AND s.%s) WHERE d > 500100", study), 0);
  assert_int_equal(tl_int(&f->db, "SELECT min(n) FROM (SELECT count(*) AS n FROM perf_count c"
                                  " JOIN source_file s ON s.id = c.file_id WHERE c.ts_us IS NOT NULL"
                                  " AND s.%s GROUP BY c.file_id)", study) >= 6, 1);
  /* runs.csv: every run paired by its stamp, what it states kept */
  assert_int_equal(tl_int(&f->db, "SELECT count(*) FROM run_meta WHERE paired_by = 'manifest stamp'"
                                  " AND accuracy > 0.6 AND %s", study), 32);
  assert_int_equal(tl_int(&f->db, "SELECT count(*) FROM run_meta m JOIN run r ON r.id = m.run_id"
                                  " WHERE m.batch_size IS NULL AND r.environment = 'cpu-server'"
                                  " AND r.architecture LIKE 'resnet50\\_int8-bs%%' ESCAPE '\\'"), 8);
  assert_int_equal(tl_int(&f->db, "SELECT count(*) FROM run_meta m JOIN run r ON r.id = m.run_id"
                                  " WHERE r.environment = 'cpu-server' AND m.batch_size ="
                                  " CAST(substr(r.architecture, instr(r.architecture, '-bs') + 3) AS INTEGER)"), 24);
  assert_int_equal(tl_int(&f->db, "SELECT count(*) FROM run_meta m JOIN run_metadata_extra x"
                                  " ON x.file_id = m.metadata_file_id AND x.line = m.metadata_line"
                                  " WHERE x.name = 'items' AND x.value = '2000' AND m.%s", study), 32);
  assert_int_equal(tl_int(&f->db, "SELECT count(DISTINCT m.accuracy) FROM run_meta m WHERE %s", study), 4);
  /* perf is the only source of these runs: package and DRAM, one each per run */
  assert_int_equal(tl_int(&f->db, "SELECT count(*) FROM source_energy WHERE %s", study), 64);
  assert_int_equal(tl_int(&f->db, "SELECT count(*) FROM source_energy WHERE source = 'perf'"
                                  " AND component IN ('rapl_pkg', 'rapl_dram') AND energy_j > 0"
                                  " AND %s", study), 64);
  const char *per_batch =
      "WITH e AS (SELECT r.architecture AS arch, total(e.energy_j) AS j,"
      "  (SELECT CAST(x.value AS REAL) FROM run_meta m JOIN run_metadata_extra x"
      "    ON x.file_id = m.metadata_file_id AND x.line = m.metadata_line"
      "    WHERE m.run_id = r.id AND x.name = '%s') AS v"
      "  FROM run r JOIN source_energy e ON e.run_id = r.id WHERE r.environment = 'cpu-server'"
      "  GROUP BY r.id),"
      " c AS (SELECT substr(arch, 1, instr(arch, '-bs') - 1) AS model,"
      "  CAST(substr(arch, instr(arch, '-bs') + 3) AS INTEGER) AS bs, avg(%s) AS y FROM e GROUP BY arch)"
      " SELECT count(*) FROM c a JOIN c b ON b.model = a.model AND a.bs = 1 AND b.bs = 128"
      " WHERE b.y %s a.y";
  assert_int_equal(tl_int(&f->db, per_batch, "items", "j / v", "<"), 4);  /* energy per item falls */
  assert_int_equal(tl_int(&f->db, per_batch, "latency_ms", "v", ">"), 4); /* latency rises */
}

/* The benchmark nvidia-smi log (gen-sample --nvidia-smi): every line after the
 * header stored, eight fields each, the two GPUs alternating, one timestamp
 * order per GPU, and the [N/A] readings NULL with their text kept. */
static void nvidia_smi_benchmark_log(void **state) {
  struct fx *f = *state;
  char cmd[1200], log[600];
  snprintf(log, sizeof log, "%s/nvidia-smi-bench.csv", f->dir);
  snprintf(cmd, sizeof cmd, "%s --nvidia-smi '%s' --rows 50001", tl_gen_sample(), log);
  assert_int_equal(system(cmd), 0);
  struct wdb db;
  tl_open(&db, f->dir, "nv.db");
  tl_ingest(&db, log);
  assert_string_equal(tl_text(&db, "SELECT format || ' ' || status || ' ' || lines || ' ' || rows_ok"
                                   " || ' ' || skipped_lines FROM source_file"),
                      "nvidia-smi ok 50002 50001 1");
  assert_int_equal(tl_int(&db, "SELECT count(*) FROM nvidia_smi_value"), 8 * 50001);
  assert_string_equal(tl_text(&db, "SELECT group_concat(gpu || ':' || n) FROM"
                                   " (SELECT gpu, count(*) AS n FROM nvidia_smi_sample GROUP BY gpu ORDER BY gpu)"),
                      "0:25001,1:25000");
  assert_int_equal(tl_int(&db, "SELECT count(*) FROM nvidia_smi_sample a JOIN nvidia_smi_sample b"
                               " ON b.file_id = a.file_id AND b.line = a.line + 2 WHERE b.ts_us <= a.ts_us"), 0);
  long long na = tl_int(&db, "SELECT count(*) FROM nvidia_smi_value WHERE text = '[N/A]'");
  assert_true(na >= 1);
  assert_int_equal(tl_int(&db, "SELECT count(*) FROM nvidia_smi_sample WHERE power_w IS NULL"), na);
  tl_close(&db);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(nvidia_smi_benchmark_log),
      cmocka_unit_test(zeus_power_limit_windows),
      cmocka_unit_test(codecarbon_flushes),
      cmocka_unit_test(inference_study),
  };
  return cmocka_run_group_tests(tests, fx_setup, fx_teardown);
}
