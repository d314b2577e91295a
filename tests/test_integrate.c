/* tests/test_integrate.c: the pure stages of the transform pipeline
 * (transform/pipeline.h: align, gaissa, integrate) on runs built in memory,
 * without a database: the nearest-time join and its tolerance, the gap rule,
 * an interval split over the spans it crosses, coverage (a CPU log that starts
 * before the window, on its own clock), skipfooter with a
 * rejected last line, the gaissa epochs' boundary copy and floors, and the
 * energy of one eprof GPU file. Every expected number is worked out by hand in
 * the comment above its assertion. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <string.h>

#include "transform/pipeline.h"

#define S(x) ((int64_t)((x) * 1e6)) /* seconds to microseconds */

/* A equals B within EPS (0: exactly), else the test fails naming both. */
#define assert_double_equal(a, b, eps)                                                      \
  do {                                                                                      \
    double a_ = (a), b_ = (b);                                                              \
    if (!(fabs(a_ - b_) <= (eps))) fail_msg("%s is %.17g, not %.17g", #a, a_, b_);          \
  } while (0)

static void add_gpu(struct pipeline_work *w, double t_s, int64_t line, double power) {
  struct run_input *in = &w->in;
  in->g = pipeline_grow(in->g, &in->capg, in->ng + 1, sizeof *in->g);
  struct gpu_row *r = &in->g[in->ng++];
  memset(r, 0, sizeof *r);
  r->ts = S(t_s), r->line = line, r->cpu = -1;
  for (int k = 0; k < G_NCOL; k++) r->v[k] = 50;
  if (isnan(power)) r->nullmask |= 1u << G_POWER;
  else r->v[G_POWER] = power;
}

static void add_cpu(struct pipeline_work *w, double t_s, int64_t line, double rss_mb) {
  struct run_input *in = &w->in;
  in->c = pipeline_grow(in->c, &in->capc, in->nc + 1, sizeof *in->c);
  struct cpu_row *r = &in->c[in->nc++];
  memset(r, 0, sizeof *r);
  r->ts = S(t_s), r->line = line, r->cpu_pct = 10, r->rss = rss_mb, r->ram_gb = 16;
}

static void add_epoch(struct pipeline_work *w, int64_t epoch, double end_s) {
  struct run_input *in = &w->in;
  in->e = pipeline_grow(in->e, &in->cape, in->ne + 1, sizeof *in->e);
  in->e[in->ne++] = (struct epoch_row){epoch, S(end_s)};
}

/* A run with a GPU file and both profiles dirty; rows added by the test. */
static void start_run(struct pipeline_work *w) {
  memset(w, 0, sizeof *w);
  w->in.run = 1, w->in.gpu_file = 10, w->in.g_sorted = w->in.c_sorted = 1;
  w->in.dirty_gaissa = w->in.dirty_default = 1;
}

static void run_stages(struct pipeline_work *w) {
  align_run(w);
  gaissa_select(w);
  gaissa_integrate(w);
  default_integrate(w);
}

static void nearest_cpu_sample_within_tolerance(void **state) {
  (void)state;
  struct pipeline_work w;
  start_run(&w);
  add_gpu(&w, 1.0, 2, 100);
  add_gpu(&w, 5.0, 3, 100);
  add_cpu(&w, 0.4, 2, 1000);
  add_cpu(&w, 1.6, 3, 1000);
  align_run(&w);
  /* 1.0 s is 0.6 s from both CPU samples: the earlier one wins the tie. */
  assert_int_equal(w.ar.g[0].cpu, 0);
  /* 5.0 s is 3.4 s from the nearest: beyond the tolerance, no CPU sample. */
  assert_true(S(3.4) > MODEL_NEAREST_TOLERANCE_US);
  assert_int_equal(w.ar.g[1].cpu, -1);
  pipeline_work_free(&w);
}

static void gap_longer_than_the_rule_is_not_bridged(void **state) {
  (void)state;
  struct pipeline_work w;
  start_run(&w);
  double p[] = {100, 200, 100, 100, 300}, t[] = {0, 1, 2, 3, 13};
  for (int i = 0; i < 5; i++) add_gpu(&w, t[i], 2 + i, p[i]);
  run_stages(&w);
  /* Intervals 1, 1, 1, 10 s: the median period is 1 s, so the gap rule bridges
   * up to MODEL_GAP_PERIODS s and the 10 s interval is a gap. */
  assert_true(MODEL_GAP_PERIODS < 10);
  assert_double_equal(w.ar.gpu_period_s, 1.0, 0);
  /* One span (0, 13]: 150 + 150 + 100 J over 3 covered seconds. */
  const struct default_sums *D = &w.dw.sums;
  assert_int_equal(w.ar.nspans, 1);
  assert_double_equal(D->G.e.v, 400.0, 0);
  assert_double_equal(D->G.cov.v, 3.0, 0);
  assert_int_equal(D->n_in, 5);
  /* Coverage: 5 readings from 0 to 13 s, 3 s covered, the 10 s gap longest. */
  assert_int_equal(D->gpu_cov.samples, 5);
  assert_int_equal(D->gpu_cov.first, 0);
  assert_int_equal(D->gpu_cov.last, S(13));
  assert_int_equal(D->gpu_cov.covered_us, S(3));
  assert_int_equal(D->gpu_cov.longest_gap_us, S(10));
  /* No epoch_end file: no epoch rows. */
  assert_int_equal(w.dw.nde, 0);
  pipeline_work_free(&w);
}

static void interval_split_over_the_spans_it_crosses(void **state) {
  (void)state;
  struct pipeline_work w;
  start_run(&w);
  add_gpu(&w, 0, 2, 100);
  add_gpu(&w, 1, 3, 100);
  add_gpu(&w, 2, 4, 300);
  add_epoch(&w, 0, 1.5);
  add_epoch(&w, 1, 2.0);
  run_stages(&w);
  /* Spans (0, 1.5] and (1.5, 2]. (0, 1] at 100 W is span 0's; (1, 2] at a mean
   * of 200 W spends 0.5 s in each: span 0 gets 100 + 100 J over 1.5 s, span 1
   * 100 J over 0.5 s, and the run the sum, 300 J. */
  assert_int_equal(w.ar.nspans, 2);
  assert_int_equal(w.dw.nde, 2);
  assert_double_equal(w.dw.de[0].e, 200.0, 0);
  assert_double_equal(w.dw.de[0].cov, 1.5, 0);
  assert_double_equal(w.dw.de[1].e, 100.0, 0);
  assert_double_equal(w.dw.de[1].cov, 0.5, 0);
  assert_double_equal(w.dw.sums.G.e.v, 300.0, 0);
  /* GPU samples per span: 0 s and 1 s in span 0, 2 s in span 1. */
  assert_int_equal(w.dw.de[0].n, 2);
  assert_int_equal(w.dw.de[1].n, 1);
  pipeline_work_free(&w);
}

static void cpu_series_on_its_own_clock_and_its_coverage(void **state) {
  (void)state;
  struct pipeline_work w;
  start_run(&w);
  for (int i = 0; i <= 4; i++) add_gpu(&w, i, 2 + i, 100);
  /* CPU readings at -0.5, 0.5, 1.5, 3.5 s of 1000 MB: intervals 1, 1, 2 s,
   * median 1 s, all bridged; the first starts before the window [0, 4] */
  double t[] = {-0.5, 0.5, 1.5, 3.5};
  for (int i = 0; i < 4; i++) add_cpu(&w, t[i], 2 + i, 1000);
  add_epoch(&w, 0, 2.0);
  add_epoch(&w, 1, 4.0);
  run_stages(&w);
  /* Spans (0, 2] and (2, 4]. Inside the window: 0.5 s of (-0.5, 0.5], then
   * (0.5, 1.5], and (1.5, 3.5] split 0.5 s / 1.5 s: span 0 has 2 s, 2000 MB s,
   * span 1 1.5 s, 1500 MB s; the run 3.5 s, 3500 MB s. */
  assert_int_equal(w.dw.nde, 2);
  assert_true(w.dw.de[0].has_c && w.dw.de[1].has_c);
  assert_double_equal(w.dw.de[0].c_cov, 2.0, 0);
  assert_double_equal(w.dw.de[0].ri, 2000.0, 0);
  assert_double_equal(w.dw.de[1].c_cov, 1.5, 0);
  assert_double_equal(w.dw.de[1].ri, 1500.0, 0);
  const struct default_sums *D = &w.dw.sums;
  assert_double_equal(D->C.cov.v, 3.5, 0);
  assert_double_equal(D->C.e.v, 3500.0, 0);
  /* Coverage: the readings 0.5, 1.5, 3.5 s are in the window; 3.5 s covered;
   * the window's last 0.5 s is the longest stretch nothing covers. */
  assert_int_equal(D->ram_cov.ws, 0);
  assert_int_equal(D->ram_cov.we, S(4));
  assert_int_equal(D->ram_cov.samples, 3);
  assert_int_equal(D->ram_cov.first, S(0.5));
  assert_int_equal(D->ram_cov.last, S(3.5));
  assert_int_equal(D->ram_cov.covered_us, S(3.5));
  assert_int_equal(D->ram_cov.longest_gap_us, S(0.5));
  /* the GPU series covers its whole window */
  assert_int_equal(D->gpu_cov.covered_us, S(4));
  assert_int_equal(D->gpu_cov.longest_gap_us, 0);
  pipeline_work_free(&w);
}

static void skipfooter_counts_rejected_lines(void **state) {
  (void)state;
  struct pipeline_work w;
  start_run(&w);
  for (int i = 0; i < 5; i++) add_gpu(&w, i, 2 + i, 100); /* lines 2..6 */
  run_stages(&w);
  /* No line rejected: the last MODEL_GAISSA_SKIPFOOTER of the 5 are dropped. */
  assert_int_equal(w.ar.gaissa_n, 5 - MODEL_GAISSA_SKIPFOOTER);
  assert_int_equal(w.ar.gaissa_start, 0);
  pipeline_work_free(&w);

  start_run(&w);
  for (int i = 0; i < 5; i++) add_gpu(&w, i, 2 + i, 100);
  w.in.gpu_rejected_top[0] = 7; /* a torn last line 7, rejected at ingest */
  w.in.ntop = 1, w.in.gpu_rejected = 1;
  run_stages(&w);
  /* The torn line is one of the dropped ones: one stored line fewer dropped. */
  assert_int_equal(w.ar.gaissa_n, 5 - MODEL_GAISSA_SKIPFOOTER + 1);
  pipeline_work_free(&w);
}

static void gaissa_epoch_starts_with_a_copy_of_the_last_sample(void **state) {
  (void)state;
  struct pipeline_work w;
  start_run(&w);
  /* Lines 2..10 at 0..8 s; skipfooter drops 3 lines, the cut at the last epoch
   * end (5 s) the rest after it: kept are 0..5 s, power floored to 100 W. */
  for (int i = 0; i < 9; i++) add_gpu(&w, i, 2 + i, 100.7);
  add_epoch(&w, 0, 2.5);
  add_epoch(&w, 1, 5.0);
  run_stages(&w);
  assert_int_equal(w.ar.gaissa_n, 6);
  assert_true(w.gw.has_sums);
  /* The run: 5 one-second trapezoids of 100 W. */
  assert_double_equal(w.gw.sums.egpu.v, 500.0, 0);
  assert_int_equal(w.gw.sums.max_epoch, 1);
  assert_int_equal(w.gw.nge, 2);
  /* Epoch 0: samples 0, 1, 2 s, 200 J, from the first kept sample to 2.5 s. */
  assert_int_equal(w.gw.ge[0].epoch, 0);
  assert_int_equal(w.gw.ge[0].n, 3);
  assert_double_equal(w.gw.ge[0].eg, 200.0, 0);
  assert_double_equal(w.gw.ge[0].ap, 100.0, 0);
  assert_int_equal(w.gw.ge[0].start_us, 0);
  assert_int_equal(w.gw.ge[0].end_us, S(2.5));
  /* Epoch 1: the copy of 2 s, then 3, 4, 5 s: 4 samples, 300 J. */
  assert_int_equal(w.gw.ge[1].epoch, 1);
  assert_int_equal(w.gw.ge[1].n, 4);
  assert_double_equal(w.gw.ge[1].eg, 300.0, 0);
  assert_int_equal(w.gw.ge[1].start_us, S(2.5));
  assert_int_equal(w.gw.ge[1].end_us, S(5));
  /* The default profile keeps the unfloored power: 100.7 W over 0..5 s. */
  assert_double_equal(w.dw.sums.G.e.v, 100.7 * 5, 1e-9);
  pipeline_work_free(&w);
}

static void eprof_file_energy_by_the_file_period(void **state) {
  (void)state;
  struct pipeline_work w;
  start_run(&w);
  double t[] = {0, 1, 2, 3, 10}, p[] = {100, 100, 100, NAN, 200};
  for (int i = 0; i < 5; i++) add_gpu(&w, t[i], 2 + i, p[i]);
  struct eprof_file_facts f;
  eprof_file_facts(w.in.g, w.in.ng, NULL, 0, &f);
  /* Mean period (10 - 0) / 4 = 2.5 s, so intervals up to 12.5 s are bridged;
   * the [N/A] at 3 s is skipped: 100 + 100 + 150 x 8 = 1400 J over 10 s. */
  assert_int_equal(f.start_us, 0);
  assert_int_equal(f.end_us, S(10));
  assert_true(f.has_energy);
  assert_int_equal(f.samples, 4);
  assert_double_equal(f.energy_j, 1400.0, 0);
  assert_double_equal(f.covered_s, 10.0, 0);
  /* A CPU file: its times, no energy. */
  add_cpu(&w, 4, 2, 1000);
  add_cpu(&w, 7, 3, 1000);
  eprof_file_facts(NULL, 0, w.in.c, w.in.nc, &f);
  assert_int_equal(f.start_us, S(4));
  assert_int_equal(f.end_us, S(7));
  assert_false(f.has_energy);
  pipeline_work_free(&w);
}

static void rows_out_of_order_are_sorted_by_time(void **state) {
  (void)state;
  struct pipeline_work w;
  start_run(&w);
  add_gpu(&w, 2, 2, 100);
  add_gpu(&w, 0, 3, 100);
  add_gpu(&w, 1, 4, 100);
  w.in.g_sorted = 0;
  run_stages(&w);
  assert_int_equal(w.ar.g[0].ts, 0);
  assert_int_equal(w.ar.g[2].ts, S(2));
  assert_int_equal(w.ar.start, 0);
  assert_int_equal(w.ar.end, S(2));
  assert_double_equal(w.dw.sums.G.e.v, 200.0, 0);
  pipeline_work_free(&w);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(nearest_cpu_sample_within_tolerance),
      cmocka_unit_test(gap_longer_than_the_rule_is_not_bridged),
      cmocka_unit_test(interval_split_over_the_spans_it_crosses),
      cmocka_unit_test(cpu_series_on_its_own_clock_and_its_coverage),
      cmocka_unit_test(skipfooter_counts_rejected_lines),
      cmocka_unit_test(gaissa_epoch_starts_with_a_copy_of_the_last_sample),
      cmocka_unit_test(eprof_file_energy_by_the_file_period),
      cmocka_unit_test(rows_out_of_order_are_sorted_by_time),
  };
  return cmocka_run_group_tests_name("integrate", tests, NULL, NULL);
}
