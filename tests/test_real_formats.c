/* tests/test_real_formats.c: the real files of ../shared/data/real (when present;
 * skipped otherwise): each file is recognised as its format, every line is
 * accounted for (rows + rejected + skipped = lines), and a few row counts checked
 * by hand.
 *
 * The hand counts were made with grep on the files themselves:
 *   omegawatt/hpcnexus-idle-omegawatt-output.csv     grep -c '^[0-9]'            983 frames
 *   perf/plenergy-human-appended-pkg-ram-cores.txt   grep -c 'Joules\|elapsed'    40 (10 runs x 3 events + elapsed)
 *   perf/rapl-validation-haswell-ep-csv-interval-split.csv  grep -c '^ *[0-9]'  100 (200 lines, 2 per record)
 *   perf/plenergy-interval-human-cache-events.first2000.txt
 *       grep -cE '^ +[0-9.]+ +[0-9,]+ +[A-Za-z]'                                 1978
 *   nvidia-smi/gpuusage-rtx2070-repeated-headers.csv grep -c '^20' / '^timestamp' 224 rows, 224 headers
 *   codecarbon/anticlos-v2.0-2.1-29col-crlf.csv      grep -c '^2022'               59
 *   codecarbon/autoscalers-v2.3.2-31col-repeated-runid.csv grep -c '^2023'        111
 *   zeus/zeusmonitor-A40-resnet18-4gpus-monotonic-start.csv grep -c '^1358'       9 windows
 *       x 4 GPU columns = 36 energies; gpu0: awk -F, 'NR>1{s+=$4}'  36755.9419999719 J
 *   zeus/zeus-legacy-zeus_monitor-sample-time-power-mW.csv grep -c '^2022'        19
 *   zeus/zeus-console-stdout-amdsmi-zero-joules.txt  grep -c ''  75 lines, grep -c '^$'  2 blank,
 *       grep -c '^\[20' 4 logger records, grep -c ' took .* seconds\.$' 2, grep -c ' consumed .* Joules\.$' 2
 *   powerjoular/eap-system-ms-timestamps.csv          grep -c '^ 2025'              28
 *   powerjoular/pjexp-pid-file-powerjoular.csv-58538.csv grep -c '^ 2024'           64
 *   powermetrics/codecarbon-m1-macos12-package-power-text-10samples.txt
 *       grep -c '^\*\*\* Sampled system activity'                                  10 samples
 *       grep -cE '^[A-Za-z].* [Pp]ower( \([^)]*\))?: [0-9.]+ ?m?W$'               70 power lines
 *       (E/P cluster, ANE, DRAM, CPU, GPU, Package x 10), + 4 header lines       84 rows
 *   aipowermeter/aipm-2021-08-oldkeys-cpu.power_metrics.jsonl grep -c '^{"date"'  39 records
 *   aipowermeter/aipm-2022-05-cusparse.power_metrics.jsonl    grep -c '^{"date"'  11 records
 *   aipowermeter/aipm-2023-test-segments.power_metrics.jsonl  grep -c '^{"date"'  44 records,
 *       grep -c '^"END OF RECORDING SEGMENT"$'                                     2 markers
 *       the JSON leaves outside the power columns (python: json.loads per line,
 *       leaves of every key but the 7 column keys, a list of numbers under one
 *       counting its elements): 234, 172 and 1046 value rows
 *       package energy (python, integer µs: sum of intel_power x the time since
 *       the previous record of its segment, intervals over 5 median ones left out):
 *       cusparse 652.0111771887916 J, segments 316.6474302160643 J
 *   mlflow/imageclass-keras-cnn-9runs/mlruns (test real_mlflow_store), with find -type f:
 *       every file                                                               101 files
 *       named meta.yaml; their lines (wc -l)                                     11, 149 lines
 *       under metrics/; their lines                                              36, 36 lines
 *       under params/, under tags/                                               18, 36
 *       distinct contents (md5sum | sort -u)                                     68
 *       run meta.yaml with 'lifecycle_stage: deleted'                            2 (3a9af4bd, c9efc9e1)
 *       7763ef31.../metrics/val_accuracy                                         0.8824999928474426
 *   powermetrics/pausemonitor-m4-mac16-5-macos26-plist-1sample.plist
 *       grep -c '</plist>'                                                         1 sample
 *       grep -c '<key>'                                                            5371 keys */
#include "tests/testlib.h"

#include <dirent.h>
#include <math.h>

#include "schema/embedded.h"
#include "tests/fmtlib.h"
#include "transform/clock.h"
#include "transform/transform.h"

static int count_files(const char *dir) {
  DIR *d = opendir(dir);
  if (!d) return -1;
  int n = 0;
  struct dirent *e;
  while ((e = readdir(d)))
    if (e->d_name[0] != '.') n++;
  closedir(d);
  return n;
}

/* Ingests REAL/SUB into the test database and checks that every file of it is
 * in source_file with FORMAT (NULL: rejected as unrecognised), except the
 * EXCEPTIONS listed (paths). */
static void check_dir(struct fx *f, const char *real, const char *sub, const char *format,
                      const char *except) {
  char dir[1024];
  snprintf(dir, sizeof dir, "%s/%s", real, sub);
  int files = count_files(dir);
  assert_true(files > 0);
  long long before = tl_int(&f->db, "SELECT count(*) FROM source_file");
  fx_ingest_path(f, dir, NULL);
  assert_int_equal(tl_int(&f->db, "SELECT count(*) FROM source_file") - before, files);
  long long wrong;
  if (format)
    wrong = tl_int(&f->db, "SELECT count(*) FROM source_file WHERE id > %lld AND path <> '%s' AND "
                           "(format IS NOT '%s' OR status NOT IN ('ok','partial'))",
                   before, except ? except : "", format);
  else
    wrong = tl_int(&f->db, "SELECT count(*) FROM source_file WHERE id > %lld AND "
                           "(status <> 'rejected' OR error <> 'unrecognised format')",
                   before);
  if (wrong) fail_msg("%s: %lld files not read as %s", sub, wrong, format ? format : "unrecognised");
  fx_assert_accounted(f);
}

/* Zeus: its three formats in one folder. */
static void check_zeus(struct fx *f, const char *real) {
  char dir[1024];
  snprintf(dir, sizeof dir, "%s/zeus", real);
  int files = count_files(dir);
  long long before = tl_int(&f->db, "SELECT count(*) FROM source_file");
  fx_ingest_path(f, dir, NULL);
  assert_int_equal(tl_int(&f->db, "SELECT count(*) FROM source_file") - before, files);
  long long wrong = tl_int(&f->db, "SELECT count(*) FROM source_file WHERE id > %lld AND NOT ("
                                   "(path LIKE 'zeusmonitor-%%' AND format IS 'zeus-monitor' AND status = 'ok') OR "
                                   "(path LIKE 'zeus-legacy-%%' AND format IS 'zeus-power' AND status = 'ok') OR "
                                   "(path LIKE 'zeus-console-%%' AND format IS 'zeus-log' AND status = 'ok'))",
                           before);
  if (wrong) fail_msg("zeus: %lld files not read as their format", wrong);
  fx_assert_accounted(f);
}

static long long rows_of(struct fx *f, const char *path) {
  return tl_int(&f->db, "SELECT rows_ok FROM source_file WHERE path = '%s'", path);
}

static void real_files(void **state) {
  struct fx *f = *state;
  const char *pl = "pausemonitor-m4-mac16-5-macos26-plist-1sample.plist";
  const char *real = tl_shared_real();
  if (!real) skip();
  check_dir(f, real, "codecarbon", "codecarbon", NULL);
  check_dir(f, real, "perf", "perf-stat", NULL);
  check_dir(f, real, "omegawatt", "wattmeter", NULL);
  /* bare numbers without header or timestamp: only --format nvidia-smi reads them */
  check_dir(f, real, "nvidia-smi", "nvidia-smi", "fastllm-powerdraw-noheader-nounits.csv");
  assert_string_equal(tl_text(&f->db, "SELECT error FROM source_file WHERE path = "
                                      "'fastllm-powerdraw-noheader-nounits.csv'"),
                      "unrecognised format");
  /* the text form and the -f plist form alike */
  check_dir(f, real, "powermetrics", "powermetrics", NULL);
  check_dir(f, real, "aipowermeter", "aipowermeter", NULL);
  check_zeus(f, real);
  check_dir(f, real, "powerjoular", "powerjoular", NULL);

  /* every real file of the four formats is read without a rejected line */
  assert_int_equal(tl_int(&f->db, "SELECT count(*) FROM source_file WHERE status = 'partial'"), 0);
  assert_int_equal(rows_of(f, "hpcnexus-idle-omegawatt-output.csv"), 983);
  assert_int_equal(rows_of(f, "plenergy-human-appended-pkg-ram-cores.txt"), 40);
  assert_int_equal(tl_int(&f->db, "SELECT count(DISTINCT block) FROM perf_count c JOIN source_file s ON "
                                  "s.id = c.file_id WHERE s.path = 'plenergy-human-appended-pkg-ram-cores.txt'"),
                   10);
  assert_int_equal(rows_of(f, "rapl-validation-haswell-ep-csv-interval-split.csv"), 100);
  assert_int_equal(tl_int(&f->db, "SELECT count(*) FROM perf_count WHERE event IS NULL"), 0);
  assert_int_equal(rows_of(f, "plenergy-interval-human-cache-events.first2000.txt"), 1978);
  assert_int_equal(rows_of(f, "gpuusage-rtx2070-repeated-headers.csv"), 224);
  assert_int_equal(tl_int(&f->db, "SELECT skipped_lines FROM source_file WHERE path = "
                                  "'gpuusage-rtx2070-repeated-headers.csv'"),
                   224);
  assert_int_equal(rows_of(f, "anticlos-v2.0-2.1-29col-crlf.csv"), 59);
  assert_int_equal(rows_of(f, "autoscalers-v2.3.2-31col-repeated-runid.csv"), 111);
  /* PowerJoular: the header skipped, every dated line a sample; the per-PID file
   * has no total or GPU power (NULL) and its PID from the name */
  assert_int_equal(rows_of(f, "eap-system-ms-timestamps.csv"), 28);
  assert_int_equal(rows_of(f, "pjexp-pid-file-powerjoular.csv-58538.csv"), 64);
  assert_int_equal(tl_int(&f->db, "SELECT count(*) FROM powerjoular_sample p JOIN powerjoular_file pf ON "
                                  "pf.file_id = p.file_id WHERE pf.layout = 'process' AND pf.target = '58538' "
                                  "AND p.total_power_w IS NULL AND p.gpu_power_w IS NULL"),
                   64);
  /* the workload's gcc warnings are skipped, the 9 counters and the footer stored */
  assert_int_equal(rows_of(f, "rapl-validation-haswell-i5-gcc-stderr-mixed.txt"), 10);

  /* Zeus: 9 windows x 4 GPUs; the legacy power log's 19 readings */
  assert_int_equal(rows_of(f, "zeusmonitor-A40-resnet18-4gpus-monotonic-start.csv"), 9);
  assert_int_equal(tl_int(&f->db, "SELECT count(*) FROM zeus_window_energy e JOIN source_file s ON s.id = e.file_id "
                                  "WHERE s.path = 'zeusmonitor-A40-resnet18-4gpus-monotonic-start.csv'"),
                   36);
  assert_int_equal(rows_of(f, "zeusmonitor-A40-shufflenetv2-1gpu-repeated-window-name-original.csv"), 9);
  assert_int_equal(rows_of(f, "zeus-legacy-zeus_monitor-sample-time-power-mW.csv"), 19);
  /* the console output: every line but the 2 blank ones a row, by kind */
  assert_int_equal(rows_of(f, "zeus-console-stdout-amdsmi-zero-joules.txt"), 73);
  assert_string_equal(tl_text(&f->db, "SELECT group_concat(kind||'='||n, ' ') FROM (SELECT kind, count(*) n FROM "
                                      "zeus_log_line z JOIN source_file s ON s.id = z.file_id WHERE s.path = "
                                      "'zeus-console-stdout-amdsmi-zero-joules.txt' GROUP BY kind ORDER BY kind)"),
                      "energy=2 log=4 text=65 time=2");
  /* each Zeus log has energy in source_energy, as a session (no run here) */
  fx_run_sources_sql(&f->db);
  /* the plist sample's energy: its own mJ, else combined_power x elapsed_ns */
  assert_true(fabs(tl_real(&f->db, "SELECT energy_j FROM source_energy e JOIN source_file s ON s.id = e.file_id "
                                   "WHERE s.path = '%s' AND e.component = 'cpu'",
                           pl) -
                   3.049) < 1e-12);
  assert_true(fabs(tl_real(&f->db, "SELECT energy_j FROM source_energy e JOIN source_file s ON s.id = e.file_id "
                                   "WHERE s.path = '%s' AND e.component = 'gpu'",
                           pl) -
                   0.276) < 1e-12);
  assert_true(fabs(tl_real(&f->db, "SELECT energy_j FROM source_energy e JOIN source_file s ON s.id = e.file_id "
                                   "WHERE s.path = '%s' AND e.component = 'combined'",
                           pl) -
                   3.24807 * 1.023685) < 1e-12);
  assert_int_equal(tl_int(&f->db, "SELECT count(*) FROM source_file s WHERE s.format LIKE 'zeus-%%' AND NOT "
                                  "EXISTS (SELECT 1 FROM source_energy e WHERE e.file_id = s.id AND "
                                  "(e.energy_j > 0 OR s.format = 'zeus-log') AND e.session_file_id = s.id)"),
                   0);
  /* the console's two windows, as printed: amdsmi's counter did not advance */
  assert_string_equal(tl_text(&f->db, "SELECT group_concat(device||' '||energy_j||' '||round(covered_s, 6), ', ') FROM "
                                      "(SELECT e.* FROM source_energy e JOIN source_file s ON s.id = e.file_id "
                                      "WHERE s.path = 'zeus-console-stdout-amdsmi-zero-joules.txt' ORDER BY device)"),
                      "Testing 0.0 0.690501, Training 0.0 24.729761");
  assert_true(fabs(tl_real(&f->db, "SELECT energy_j FROM source_energy e JOIN source_file s ON s.id = e.file_id "
                                   "WHERE s.path = 'zeusmonitor-A40-resnet18-4gpus-monotonic-start.csv' AND "
                                   "e.device = '0'") -
                   36755.9419999719) < 1e-6);

  /* AIPowerMeter: every record a row, the markers rows of their own, every
   * other JSON leaf a value row; the package energy of two recordings */
  assert_int_equal(rows_of(f, "aipm-2021-08-oldkeys-cpu.power_metrics.jsonl"), 39);
  assert_int_equal(rows_of(f, "aipm-2022-05-cusparse.power_metrics.jsonl"), 11);
  assert_int_equal(rows_of(f, "aipm-2023-test-segments.power_metrics.jsonl"), 44 + 2);
  assert_string_equal(tl_text(&f->db, "SELECT group_concat(s.format_version || ':' || (SELECT count(*) FROM "
                                      "aipowermeter_value v WHERE v.file_id = s.id), ',') FROM (SELECT * FROM "
                                      "source_file WHERE format = 'aipowermeter' ORDER BY path) s"),
                      "2021-08:234,2021-12:172,2021-12:1046");
  assert_int_equal(tl_int(&f->db, "SELECT count(*) FROM aipowermeter_marker m JOIN source_file s ON "
                                  "s.id = m.file_id WHERE s.path = 'aipm-2023-test-segments.power_metrics.jsonl'"),
                   2);
  assert_true(fabs(tl_real(&f->db, "SELECT energy_j FROM source_energy e JOIN source_file s ON s.id = e.file_id "
                                   "WHERE s.path = 'aipm-2022-05-cusparse.power_metrics.jsonl' AND "
                                   "e.component = 'package'") -
                   652.0111771887916) < 1e-6);
  assert_true(fabs(tl_real(&f->db, "SELECT energy_j FROM source_energy e JOIN source_file s ON s.id = e.file_id "
                                   "WHERE s.path = 'aipm-2023-test-segments.power_metrics.jsonl' AND "
                                   "e.component = 'package'") -
                   316.6474302160643) < 1e-6);

  const char *pm12 = "codecarbon-m1-macos12-package-power-text-10samples.txt";
  assert_int_equal(rows_of(f, pm12), 84);
  assert_int_equal(tl_int(&f->db, "SELECT count(*) FROM powermetrics_sample m JOIN source_file s ON "
                                  "s.id = m.file_id WHERE s.path = '%s' AND m.complete = 1",
                          pm12),
                   10);
  /* CodeCarbon's own test reads a mean CPU power of 0.3146 W from this capture */
  assert_true(fabs(tl_real(&f->db, "SELECT avg(power_w) FROM powermetrics_power m JOIN source_file s ON "
                                   "s.id = m.file_id WHERE s.path = '%s' AND m.component = 'cpu'",
                           pm12) - 0.3146) < 1e-12);
  assert_int_equal(rows_of(f, "mlenergyconsumption-m1-air-macos14-combined-power.txt"), 10 + 40 + 4);
  assert_int_equal(rows_of(f, "capstone-intel-macbookpro16-1-package-power-watts.txt"), 10 + 10 + 6);
  assert_int_equal(rows_of(f, "awt-header-only-no-samples.log"), 4);
  /* the -f plist form: one document of 7050 lines, one sample stored at its
   * </plist> line, the other 7049 lines read with it (skipped); its values by
   * hand (sed -n 6792,6805p, grep -n gpu_energy): cpu 3049 mJ / 2978.45 mW,
   * gpu 276 mJ / 269.614 mW, ane 0 / 0, combined 3248.07 mW, the GPU
   * sampler's gpu_energy 284 mJ; elapsed_ns 1023685416; 5371 keys (grep -c
   * '<key>'), 12 of them read */
  assert_string_equal(tl_text(&f->db, "SELECT format_version||' '||status||' '||lines||' '||skipped_lines||' '||"
                                      "rows_ok||' '||rows_rejected FROM source_file WHERE path = '%s'",
                              pl),
                      "plist ok 7050 7049 1 0");
  assert_string_equal(tl_text(&f->db, "SELECT m.line||' '||m.ts_us||' '||m.elapsed_us||' '||m.hw_model||' '||"
                                      "m.os_version||' '||(m.keys_read + m.keys_skipped) FROM powermetrics_sample m "
                                      "JOIN source_file s ON s.id = m.file_id WHERE s.path = '%s'",
                              pl),
                      "7050 1769116027000000 1023685 Mac16,5 25C56 5371");
  assert_string_equal(tl_text(&f->db, "SELECT group_concat(w.section||':'||w.component||':'||"
                                      "coalesce(w.energy_j, '-')||':'||coalesce(w.power_w, '-')||':'||w.counted, ',') "
                                      "FROM (SELECT w.* FROM powermetrics_power w JOIN source_file s ON "
                                      "s.id = w.file_id WHERE s.path = '%s' ORDER BY w.section DESC, w.component) w",
                              pl),
                      "processor:ane:0.0:0.0:1,processor:combined:-:3.24807:1,processor:cpu:3.049:2.97845:1,"
                      "processor:gpu:0.276:0.269614:1,gpu:gpu:0.284:-:0");

  /* the noheader file with the override and its field list */
  char path[1024];
  snprintf(path, sizeof path, "%s/nvidia-smi/fastllm-powerdraw-noheader-nounits.csv", real);
  fx_ingest_path_fields(f, path, "nvidia-smi", "power.draw");
  assert_int_equal(tl_int(&f->db, "SELECT rows_ok FROM source_file WHERE format = 'nvidia-smi' AND "
                                  "path LIKE '%%fastllm%%'"),
                   257);
  fx_assert_accounted(f);
}

/* The real MLflow store (9 runs, 2 deleted): every file read by its mlflow-*
 * format, every line accounted for, the hand counts above; after the
 * transform (no eprof run to attach to) its 7 active runs stand in v_run with
 * their params and final val_accuracy, the 2 deleted ones left out and counted. */
static void real_mlflow_store(void **state) {
  struct fx *f = *state;
  const char *real = tl_shared_real();
  if (!real) skip();
  char dir[1024];
  snprintf(dir, sizeof dir, "%s/mlflow/imageclass-keras-cnn-9runs/mlruns", real);
  fx_ingest_path(f, dir, NULL);
  fx_assert_accounted(f);
  assert_int_equal(tl_int(&f->db, "SELECT count(*) FROM source_file"), 101);
  assert_int_equal(tl_int(&f->db, "SELECT count(*) FROM source_file WHERE format IS NULL OR format NOT LIKE "
                                  "'mlflow-%%' OR status NOT IN ('ok', 'duplicate')"),
                   0);
  assert_int_equal(tl_int(&f->db, "SELECT count(*) FROM source_file WHERE status = 'duplicate'"), 101 - 68);
  assert_string_equal(tl_text(&f->db, "SELECT group_concat(format||'='||n||'/'||l||'/'||r, ' ') FROM (SELECT format, "
                                      "count(*) n, sum(lines) l, sum(rows_ok) r FROM source_file GROUP BY format "
                                      "ORDER BY format)"),
                      "mlflow-meta=11/149/149 mlflow-metric=36/36/36 mlflow-param=18/18/18 mlflow-tag=36/36/36");
  assert_int_equal(tl_int(&f->db, "SELECT count(*) FROM rejected_row"), 0);
  assert_int_equal(tl_int(&f->db, "SELECT count(*) FROM mlflow_store_file"), 101);
  assert_int_equal(tl_int(&f->db, "SELECT count(*) FROM mlflow_run"), 9);
  assert_string_equal(tl_text(&f->db, "SELECT group_concat(substr(mlflow_run_id, 1, 8)||' '||skipped, ', ') FROM "
                                      "(SELECT * FROM v_mlflow_run WHERE skipped IS NOT NULL ORDER BY 1)"),
                      "3a9af4bd deleted run, c9efc9e1 deleted run");
  struct transform_options opt = {.profiles = TF_ALL};
  struct transform_stats st;
  msg_quiet = 1;
  assert_int_equal(transform_run(&f->db, &opt, &st), 0);
  msg_quiet = 0;
  assert_int_equal(tl_int(&f->db, "SELECT count(*) FROM v_run WHERE profile = 'mlflow' AND "
                                  "mlflow_experiment = 'Fashion_MNIST_Experiment' AND mlflow_status = 'FINISHED' AND "
                                  "json_extract(mlflow_params, '$.epochs') = '10' AND "
                                  "json_extract(mlflow_params, '$.optimizer') IS NOT NULL AND accuracy > 0.8"),
                   7);
  assert_int_equal(tl_int(&f->db, "SELECT count(*) FROM v_run WHERE substr(mlflow_run_id, 1, 8) IN "
                                  "('3a9af4bd', 'c9efc9e1')"),
                   0);
  assert_true(tl_real(&f->db, "SELECT accuracy FROM v_run WHERE mlflow_run_id LIKE '7763ef31%%'") ==
              0.8824999928474426);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(real_files, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(real_mlflow_store, fx_setup, fx_teardown),
  };
  return cmocka_run_group_tests_name("real_formats", tests, NULL, NULL);
}
