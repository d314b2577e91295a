/* tests/test_segments.c: the aligned samples stored as segments
 * (schema/021_segments.sql, transform/emit.c) and the view interim_sample
 * that expands them.
 *
 * A hand-made run cuts its samples at every rule of a segment, with the
 * boundaries worked out below; then, on it, the transform fixtures, the demo
 * sample and the real zip (when ../shared is present), interim_sample is
 * checked against what it must be, computed from the raw rows without the
 * segments: seq is the rank of the GPU row by (ts_us, line), every GPU row is
 * one sample, cpu_line is a nearest CPU row within ±1 s (none when there is
 * none), span and epoch are those of the spans' ends, and the segments are
 * maximal and cover the run's samples once.
 *
 * The run S 20240301T000000 (GPU at 1 Hz, times in seconds after the stamp):
 *   GPU lines 2..21 at t = 1..20 but: line 9 (t = 8) unparsable (rejected),
 *   line 14 at t = 14 and line 15 at t = 13 (out of time order).
 *   CPU lines 2..: t = 1.2 2.2 3.2 4.2, none until 9.2, then 10.2 10.7 11.2 and
 *   12.2 .. 20.2 each second (line 9 = 11.2, line 10 = 12.2, ...).
 *   epoch_end: 0 at 4.5, 1 at 18.5.
 * Samples (seq: t line cpu span):
 *   0-3  t1-4  lines 2-5   cpu 2-5  span 0             one segment
 *   4    t5    line 6      cpu 5    span 1             cpu repeated, new span
 *   5-6  t6-7  lines 7-8   no cpu   span 1             cpu gap (gaissa drops them)
 *   7-8  t9-10 lines 10-11 cpu 6-7                     GPU line 9 rejected
 *   9-10 t11-12 lines 12-13 cpu 9-10                   cpu jumps over 10.7
 *   11   t13   line 15     cpu 11                      out of order
 *   12   t14   line 14     cpu 12
 *   13-15 t15-17 lines 16-18 cpu 13-15 span 1
 *   16   t18   line 19     cpu 16   span 1             gaissa's skipfooter (the
 *                                                      file's last 3 lines)
 *   17-18 t19-20 lines 20-21 cpu 17-18 span 2, epoch NULL, past the last end */
#include "tests/testlib.h"

#include "transform/transform.h"

#define DIR_S "raw/lab/seg/ds/"
#define GPU_ROW ",NVIDIA GeForce RTX 3090,50 %%,10 %%,24268 MiB,1000 MiB,100.00 W,350.00 W,50\n"

/* Writes run S (above) under DIR. */
static void write_run_s(const char *dir) {
  char gpu[4096], cpu[4096];
  size_t n = (size_t)snprintf(gpu, sizeof gpu,
                              "timestamp,gpu_name,gpu_usage,gpu_memory_usage,gpu_total_memory,"
                              "gpu_memory_used,gpu_power_draw,gpu_max_power,gpu_temperature\n");
  static const int t_of_line[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 14, 13, 15, 16, 17, 18, 19, 20};
  for (size_t k = 0; k < sizeof t_of_line / sizeof *t_of_line; k++) {
    if (t_of_line[k] == 8) n += (size_t)snprintf(gpu + n, sizeof gpu - n, "not a time,at all\n");
    else n += (size_t)snprintf(gpu + n, sizeof gpu - n, "2024-03-01 00:00:%02d.000" GPU_ROW, t_of_line[k]);
  }
  n = (size_t)snprintf(cpu, sizeof cpu, "timestamp,cpu usage (%%),memory usage (MB),temperature (Celsius)\n");
  static const char *const cpu_t[] = {"01.2", "02.2", "03.2", "04.2", "09.2", "10.2", "10.7", "11.2",
                                      "12.2", "13.2", "14.2", "15.2", "16.2", "17.2", "18.2", "19.2",
                                      "20.2"};
  for (size_t k = 0; k < sizeof cpu_t / sizeof *cpu_t; k++)
    n += (size_t)snprintf(cpu + n, sizeof cpu - n, "2024-03-01T00:00:%s00000,10.0,1000.0,40.0\n", cpu_t[k]);
  tl_write_str(dir, DIR_S "gpu-power-20240301T000000.csv", gpu);
  tl_write_str(dir, DIR_S "cpu-mem-usage-20240301T000000.csv", cpu);
  tl_write_str(dir, DIR_S "epoch_end-20240301T000000.csv",
               "epoch,end_time\n0,2024-03-01 00:00:04.500000\n1,2024-03-01 00:00:18.500000\n");
}

/* Ingests ROOT into DB (rejected lines allowed) and transforms it, both profiles. */
static void build(struct wdb *db, const char *root) {
  struct ingest_options opt = {0};
  struct ingest_stats stats;
  char *roots[1] = {(char *)root};
  msg_quiet = 1;
  int rc = ingest_paths(db, roots, 1, &opt, &stats);
  assert_true(rc == 0 || rc == 1);
  struct transform_options topt = {.profiles = TF_ALL};
  struct transform_stats st;
  assert_int_equal(transform_run(db, &topt, &st), 0);
  msg_quiet = 0;
}

/* interim_sample of DB equals what the raw rows say it must be (the top of
 * this file); NEAREST: also check cpu_line against the CPU rows (a scan of a
 * file's CPU rows per sample: not for the real zip). */
static void view_is_the_samples(struct wdb *db, int nearest) {
  assert_true(tl_int(db, "SELECT count(*) FROM interim_sample") > 0);
  /* seq and gpu_line: every GPU row of the run's file, ranked by (ts_us, line) */
  assert_int_equal(tl_differing(db, "SELECT run_id, seq, gpu_line FROM interim_sample",
                                "SELECT i.run_id, row_number() OVER (PARTITION BY i.run_id"
                                " ORDER BY g.ts_us, g.line) - 1, g.line"
                                " FROM interim_run i JOIN eprof_gpu_sample g ON g.file_id = i.gpu_file_id"),
                   0);
  assert_int_equal(tl_int(db, "SELECT count(*) FROM interim_sample"),
                   tl_int(db, "SELECT sum(n_gpu) FROM interim_run"));
  /* the segments: maximal, each starting where the one before ends */
  assert_int_equal(tl_int(db, "SELECT count(*) FROM interim_segment WHERE n < 1"), 0);
  assert_int_equal(tl_int(db, "SELECT count(*) FROM (SELECT seq0, n, gpu_line0, cpu_line0, span, epoch,"
                              " gaissa, lag(seq0 + n) OVER w AS next_seq, lag(gpu_line0 + n) OVER w AS"
                              " next_gpu, lag(cpu_line0 + n) OVER w AS next_cpu, lag(cpu_line0 IS NULL)"
                              " OVER w AS no_cpu, lag(span) OVER w AS span_before, lag(epoch) OVER w AS"
                              " epoch_before, lag(gaissa) OVER w AS gaissa_before, row_number() OVER w AS k"
                              " FROM interim_segment WINDOW w AS (PARTITION BY run_id ORDER BY seq0))"
                              " WHERE (k = 1 AND seq0 <> 0) OR (k > 1 AND (seq0 <> next_seq OR"
                              " (gpu_line0 = next_gpu AND span = span_before AND epoch IS epoch_before"
                              " AND gaissa = gaissa_before AND (cpu_line0 IS next_cpu OR"
                              " (cpu_line0 IS NULL AND no_cpu)))))"),
                   0);
  /* span and epoch: the first span whose end is at or after the sample, the
   * number of spans after the last end; the span's epoch */
  assert_int_equal(tl_int(db, "SELECT count(*) FROM interim_sample s JOIN interim_run i USING (run_id)"
                              " JOIN eprof_gpu_sample g ON g.file_id = i.gpu_file_id AND g.line = s.gpu_line"
                              " WHERE s.span IS NOT COALESCE((SELECT min(span) FROM interim_span sp"
                              " WHERE sp.run_id = s.run_id AND sp.end_us >= g.ts_us),"
                              " (SELECT count(*) FROM interim_span sp WHERE sp.run_id = s.run_id))"
                              " OR s.epoch IS NOT (SELECT epoch FROM interim_span sp"
                              " WHERE sp.run_id = s.run_id AND sp.span = s.span)"),
                   0);
  /* gaissa: as many as interim_run says, none without a CPU row in a run with CPU rows */
  assert_int_equal(tl_int(db, "SELECT count(*) FROM interim_sample WHERE gaissa = 1"),
                   tl_int(db, "SELECT sum(gaissa_n) FROM interim_run"));
  assert_int_equal(tl_int(db, "SELECT count(*) FROM interim_sample s JOIN interim_run i USING (run_id)"
                              " WHERE s.gaissa = 1 AND s.cpu_line IS NULL AND i.n_cpu > 0"),
                   0);
  /* cpu_line: a CPU row within ±1 s */
  assert_int_equal(tl_int(db, "SELECT count(*) FROM interim_sample s JOIN interim_run i USING (run_id)"
                              " JOIN eprof_gpu_sample g ON g.file_id = i.gpu_file_id AND g.line = s.gpu_line"
                              " LEFT JOIN eprof_cpu_sample c ON c.file_id = i.cpu_file_id AND c.line = s.cpu_line"
                              " WHERE s.cpu_line IS NOT NULL AND (c.line IS NULL"
                              " OR abs(c.ts_us - g.ts_us) > 1000000)"),
                   0);
  if (!nearest) return;
  /* and none nearer; NULL: none within ±1 s */
  assert_int_equal(tl_int(db, "SELECT count(*) FROM interim_sample s JOIN interim_run i USING (run_id)"
                              " JOIN eprof_gpu_sample g ON g.file_id = i.gpu_file_id AND g.line = s.gpu_line"
                              " LEFT JOIN eprof_cpu_sample c ON c.file_id = i.cpu_file_id AND c.line = s.cpu_line"
                              " WHERE CASE WHEN s.cpu_line IS NULL THEN EXISTS (SELECT 1 FROM eprof_cpu_sample o"
                              "   WHERE o.file_id = i.cpu_file_id AND abs(o.ts_us - g.ts_us) <= 1000000)"
                              " ELSE c.line IS NULL OR abs(c.ts_us - g.ts_us) > 1000000 OR EXISTS (SELECT 1"
                              "   FROM eprof_cpu_sample o WHERE o.file_id = i.cpu_file_id"
                              "   AND abs(o.ts_us - g.ts_us) < abs(c.ts_us - g.ts_us)) END"),
                   0);
}

/* Run S's segments, each as seq0:n:gpu_line0:cpu_line0:span:epoch:gaissa. */
static void run_s_is_cut_at_every_rule(void **state) {
  (void)state;
  char *dir = tl_mkdtemp();
  write_run_s(dir);
  struct wdb db;
  tl_open(&db, dir, "s.db");
  char raw[1100];
  snprintf(raw, sizeof raw, "%s/raw", dir);
  build(&db, raw);
  assert_int_equal(tl_int(&db, "SELECT count(*) FROM rejected_row"), 1);
  assert_string_equal(tl_text(&db, "SELECT group_concat(x, ' ') FROM (SELECT seq0 || ':' || n || ':' ||"
                                   " gpu_line0 || ':' || coalesce(cpu_line0, '-') || ':' || span || ':' ||"
                                   " coalesce(epoch, '-') || ':' || gaissa AS x FROM interim_segment"
                                   " ORDER BY seq0)"),
                      "0:4:2:2:0:0:1 4:1:6:5:1:1:1 5:2:7:-:1:1:0 7:2:10:6:1:1:1 9:2:12:9:1:1:1"
                      " 11:1:15:11:1:1:1 12:1:14:12:1:1:1 13:3:16:13:1:1:1 16:1:19:16:1:1:0 17:2:20:17:2:-:0");
  /* the view: one row per sample, with the lines of the table above */
  assert_string_equal(tl_text(&db, "SELECT group_concat(x, ' ') FROM (SELECT seq || ':' || gpu_line || ':'"
                                   " || coalesce(cpu_line, '-') AS x FROM interim_sample ORDER BY seq)"),
                      "0:2:2 1:3:3 2:4:4 3:5:5 4:6:5 5:7:- 6:8:- 7:10:6 8:11:7 9:12:9 10:13:10"
                      " 11:15:11 12:14:12 13:16:13 14:17:14 15:18:15 16:19:16 17:20:17 18:21:18");
  assert_string_equal(tl_text(&db, "SELECT group_concat(t, ' ') FROM (SELECT DISTINCT typeof(seq) ||"
                                   " typeof(gpu_line) || typeof(span) || typeof(gaissa) AS t FROM interim_sample)"),
                      "integerintegerintegerinteger");
  view_is_the_samples(&db, 1);
  /* a run read again from the same rows: the same segments */
  struct transform_options full = {.profiles = TF_ALL, .full = 1};
  struct transform_stats st;
  char *before = strdup(tl_text(&db, "SELECT group_concat(seq0 || ':' || n, ' ') FROM interim_segment"));
  assert_int_equal(transform_run(&db, &full, &st), 0);
  assert_string_equal(tl_text(&db, "SELECT group_concat(seq0 || ':' || n, ' ') FROM interim_segment"), before);
  free(before);
  tl_close(&db);
  tl_rmdir(dir);
}

/* The fixture folders of the transform and of eprof. */
static void fixtures_view_is_the_samples(void **state) {
  (void)state;
  static const char *const roots[] = {"tests/fixtures/transform/raw", "tests/fixtures/eprof",
                                      "tests/fixtures/reconciliation"};
  for (size_t i = 0; i < sizeof roots / sizeof *roots; i++) {
    char *dir = tl_mkdtemp();
    struct wdb db;
    tl_open(&db, dir, "f.db");
    build(&db, roots[i]);
    view_is_the_samples(&db, 1);
    tl_close(&db);
    tl_rmdir(dir);
  }
}

/* The demo sample of data/gen_sample.c: its runs have CPU gaps and epochs. */
static void demo_sample_view_is_the_samples(void **state) {
  (void)state;
  char *dir = tl_mkdtemp();
  char cmd[1400], zip[1100];
  snprintf(zip, sizeof zip, "%s/data.zip", dir);
  snprintf(cmd, sizeof cmd, "%s --zip '%s' >/dev/null", tl_gen_sample(), zip);
  assert_int_equal(system(cmd), 0);
  struct wdb db;
  tl_open(&db, dir, "d.db");
  build(&db, zip);
  assert_true(tl_int(&db, "SELECT count(*) FROM interim_segment") > tl_int(&db, "SELECT count(*) FROM run"));
  view_is_the_samples(&db, 1);
  tl_close(&db);
  tl_rmdir(dir);
}

/* The real replication zip, when ../shared holds it. */
static void real_zip_view_is_the_samples(void **state) {
  (void)state;
  const char *real = tl_shared_real();
  char zip[1100];
  struct stat sb;
  if (real) snprintf(zip, sizeof zip, "%s/eprof/seaa2023-data.zip", real);
  if (!real || stat(zip, &sb) != 0) {
    print_message("skipped: no real zip (../shared/data/real/eprof/seaa2023-data.zip)\n");
    skip();
  }
  char *dir = tl_mkdtemp();
  struct wdb db;
  tl_open(&db, dir, "r.db");
  build(&db, zip);
  view_is_the_samples(&db, 0);
  tl_close(&db);
  tl_rmdir(dir);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(run_s_is_cut_at_every_rule),
      cmocka_unit_test(fixtures_view_is_the_samples),
      cmocka_unit_test(demo_sample_view_is_the_samples),
      cmocka_unit_test(real_zip_view_is_the_samples),
  };
  return cmocka_run_group_tests_name("segments", tests, NULL, NULL);
}
