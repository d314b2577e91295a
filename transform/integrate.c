/* transform/integrate.c: the default profile's integrals, pure arithmetic.
 *
 * Each series is walked once on its own clock by the integration engine
 * (trapezoid.h, the one every sampled series goes through): the GPU readings
 * with power, the CPU readings with RSS, in time order; the engine applies the
 * gap rule (an interval longer than MODEL_GAP_PERIODS measured periods is not
 * bridged), reports each bridged interval and keeps the series' coverage of
 * the run's window (processed_coverage: readings, first and last, covered
 * time, longest gap). Each bridged interval is split over the spans it crosses
 * by its share of each (trapezoid_share, the seconds it spends there): power,
 * utilization, memory and temperature of the GPU, RSS and usage of the CPU,
 * each with the seconds where both readings have a value. The run's sums are
 * the spans' sums taken in span order, as the GROUP BY over per-span rows took
 * them; every sum is plain double additions in sample order (SQLite's sum()).
 * transform/model/default_epochs.sql is the same model as SQL over the raw rows
 * and trapezoid_window(). Also the energy of one eprof GPU file, by the same
 * engine. */
#include <math.h>

#include "transform/pipeline.h"
#include "common/trapezoid.h"

static void add(struct sum *s, double x) {
  s->v += x;
  s->n++;
}

/* The last span index an interval ending in span S1 can touch. */
static int64_t last_span(const struct aligned_run *r, int64_t s1) {
  return s1 < r->nspans - 1 ? s1 : r->nspans - 1;
}

/* The share of the bridged interval IV in span K of R, in seconds (<= 0: none). */
static double span_share(const struct aligned_run *r, int64_t k, const struct trapezoid_interval *iv) {
  return trapezoid_share(iv->t0, iv->t1, (double)r->starts[k], (double)r->ends[k], 1e6);
}

/* Averages of two readings and of their squares, NULL when either is. */
static int pair(double a, int an, double b, int bn, double *m, double *m2) {
  if (an || bn) return 0;
  *m = (a + b) / 2;
  *m2 = (a * a + b * b) / 2;
  return 1;
}

/* The engine's window over R's whole window [start of span 0, end of the last]
 * (processed_coverage's). */
static void run_window(const struct aligned_run *r, struct trapezoid_window *w) {
  int64_t ws = r->nspans ? r->starts[0] : 0, we = r->nspans ? r->ends[r->nspans - 1] : 0;
  trapezoid_window_start(w, (double)ws, (double)we, 1);
}

/* COV, processed_coverage's row, from the engine's window W (after its last
 * reading); µs times are integers in W, exactly. */
static void coverage_of(struct trapezoid_window *w, struct coverage *cov) {
  trapezoid_window_end(w);
  *cov = (struct coverage){.ws = (int64_t)w->lo, .we = (int64_t)w->hi, .samples = w->samples,
                           .first = w->samples ? (int64_t)w->first : 0, .last = w->samples ? (int64_t)w->last : 0,
                           .covered_us = (int64_t)w->covered, .longest_gap_us = (int64_t)w->longest_gap};
}

/* The GPU series of R (the readings with power) walked by the engine: each
 * bridged interval split per span into S[0..nspans-1] (zeroed first), in
 * sample order; its coverage of the window into COV. */
static void default_gpu(const struct aligned_run *r, struct span_sums *S, struct coverage *cov) {
  for (int64_t k = 0; k < r->nspans; k++) S[k] = (struct span_sums){0};
  struct trapezoid z;
  struct trapezoid_window w;
  struct trapezoid_interval iv;
  trapezoid_start(&z, MODEL_GAP_PERIODS * r->gpu_period_s * 1e6, 0);
  run_window(r, &w);
  for (size_t i = 0; i < r->ng; i++) {
    const struct gpu_row *b = &r->g[i];
    if (b->nullmask >> G_POWER & 1) continue;
    if (!trapezoid_next(&z, &w, (double)b->ts, b->v[G_POWER], (long long)i, &iv)) continue;
    const struct gpu_row *a = &r->g[iv.id0];
    double pm = (iv.p0 + iv.p1) / 2, p2m = (iv.p0 * iv.p0 + iv.p1 * iv.p1) / 2;
    double um, u2, mum, mu2, mm, m2m, cm, c2m;
    int hu = pair(a->v[G_UTIL], a->nullmask >> G_UTIL & 1, b->v[G_UTIL], b->nullmask >> G_UTIL & 1, &um, &u2);
    int hmu = pair(a->v[G_MEM_UTIL], a->nullmask >> G_MEM_UTIL & 1, b->v[G_MEM_UTIL],
                   b->nullmask >> G_MEM_UTIL & 1, &mum, &mu2);
    int hm = pair(a->v[G_MEM_USED], a->nullmask >> G_MEM_USED & 1, b->v[G_MEM_USED],
                  b->nullmask >> G_MEM_USED & 1, &mm, &m2m);
    int hc = pair(a->v[G_TEMP], a->nullmask >> G_TEMP & 1, b->v[G_TEMP], b->nullmask >> G_TEMP & 1, &cm, &c2m);
    for (int64_t k = a->span < 0 ? 0 : a->span; k <= last_span(r, b->span); k++) {
      double ov = span_share(r, k, &iv);
      if (!(ov > 0)) continue;
      struct span_sums *s = &S[k];
      add(&s->cov, ov), add(&s->e, ov * pm), add(&s->e2, ov * p2m);
      if (hu) add(&s->ui, ov * um), add(&s->ucov, ov);
      if (hmu) add(&s->mui, ov * mum), add(&s->mucov, ov);
      if (hm) add(&s->mi, ov * mm), add(&s->m2i, ov * m2m), add(&s->mcov, ov);
      if (hc) add(&s->ci, ov * cm), add(&s->c2i, ov * c2m), add(&s->ccov, ov);
    }
  }
  coverage_of(&w, cov);
}

/* The CPU series of R (the readings with RSS) likewise into S (RSS in e/e2,
 * CPU usage in ci/c2i/ccov), its coverage of the window into COV. */
static void default_cpu(const struct aligned_run *r, struct span_sums *S, struct coverage *cov) {
  for (int64_t k = 0; k < r->nspans; k++) S[k] = (struct span_sums){0};
  struct trapezoid z;
  struct trapezoid_window w;
  struct trapezoid_interval iv;
  trapezoid_start(&z, MODEL_GAP_PERIODS * r->cpu_period_s * 1e6, 0);
  run_window(r, &w);
  for (size_t i = 0; i < r->nc; i++) {
    const struct cpu_row *b = &r->c[i];
    if (b->rss_null) continue;
    if (!trapezoid_next(&z, &w, (double)b->ts, b->rss, (long long)i, &iv)) continue;
    const struct cpu_row *a = &r->c[iv.id0];
    double rm = (iv.p0 + iv.p1) / 2, r2m = (iv.p0 * iv.p0 + iv.p1 * iv.p1) / 2, cm, c2m;
    int hc = pair(a->cpu_pct, a->cpu_null, b->cpu_pct, b->cpu_null, &cm, &c2m);
    for (int64_t k = a->span < 0 ? 0 : a->span; k <= last_span(r, b->span); k++) {
      double ov = span_share(r, k, &iv);
      if (!(ov > 0)) continue;
      struct span_sums *s = &S[k];
      add(&s->cov, ov), add(&s->e, ov * rm), add(&s->e2, ov * r2m);
      if (hc) add(&s->ci, ov * cm), add(&s->c2i, ov * c2m), add(&s->ccov, ov);
    }
  }
  coverage_of(&w, cov);
}

/* sum() over the spans' values: a span without a covered interval had no row,
 * a NULL value (n == 0) is skipped. */
static void add_sum(struct sum *to, const struct sum *x) {
  if (x->n) add(to, x->v);
}

void default_integrate(struct pipeline_work *w) {
  const struct aligned_run *r = &w->ar;
  struct default_work *dw = &w->dw;
  struct default_sums *D = &dw->sums;
  size_t ns = (size_t)r->nspans;
  dw->g = pipeline_grow(dw->g, &dw->capg, ns + 1, sizeof *dw->g);
  dw->c = pipeline_grow(dw->c, &dw->capc, ns + 1, sizeof *dw->c);
  dw->n = pipeline_grow(dw->n, &dw->capn, ns + 2, sizeof *dw->n);
  *D = (struct default_sums){0};
  dw->nde = 0;
  default_gpu(r, dw->g, &D->gpu_cov);
  default_cpu(r, dw->c, &D->ram_cov);

  /* GPU samples per span: spans never decrease along them and none is before
   * the start (the first GPU sample is the start). */
  for (size_t k = 0; k <= ns; k++) dw->n[k] = 0;
  int64_t lim = -1;
  for (size_t i = 0; i < r->ng; i++) {
    const struct gpu_row *g = &r->g[i];
    if (g->nullmask >> G_POWER & 1) {
      D->nnull_run++;
      if (g->span < r->nspans) D->nnull_in++;
    } else {
      dw->n[g->span]++;
    }
    if (lim < 0 && !(g->nullmask >> G_LIMIT & 1)) lim = (int64_t)i;
  }
  D->has_lim = lim >= 0;
  if (lim >= 0) D->lim = r->g[lim].v[G_LIMIT];

  /* The run: sums over the spans in span order, epochs with covered time. */
  struct span_sums *G = &D->G, *C = &D->C;
  for (size_t k = 0; k < ns; k++) {
    const struct span_sums *g = &dw->g[k], *c = &dw->c[k];
    D->n_in += dw->n[k];
    if (r->has_epochs && (g->cov.n || c->cov.n)) D->measured++;
    if (g->cov.n) {
      add_sum(&G->cov, &g->cov), add_sum(&G->e, &g->e), add_sum(&G->e2, &g->e2);
      add_sum(&G->ui, &g->ui), add_sum(&G->ucov, &g->ucov), add_sum(&G->mui, &g->mui);
      add_sum(&G->mucov, &g->mucov), add_sum(&G->mi, &g->mi), add_sum(&G->m2i, &g->m2i);
      add_sum(&G->mcov, &g->mcov), add_sum(&G->ci, &g->ci), add_sum(&G->c2i, &g->c2i);
      add_sum(&G->ccov, &g->ccov);
    }
    if (c->cov.n) {
      add_sum(&C->cov, &c->cov), add_sum(&C->e, &c->e), add_sum(&C->e2, &c->e2);
      add_sum(&C->ci, &c->ci), add_sum(&C->c2i, &c->c2i), add_sum(&C->ccov, &c->ccov);
    }
  }

  if (!r->has_epochs || !r->dirty_default) return;
  dw->de = pipeline_grow(dw->de, &dw->capde, ns + 1, sizeof *dw->de);
  for (size_t k = 0; k < ns; k++) {
    const struct span_sums *g = &dw->g[k], *c = &dw->c[k];
    dw->de[k] = (struct default_epoch){.epoch = r->epochs[k], .n = dw->n[k], .start_us = r->starts[k],
                                       .end_us = r->ends[k], .e = g->e.v, .cov = g->cov.v, .ri = c->e.v,
                                       .c_cov = c->cov.v, .has_g = g->cov.n > 0, .has_c = c->cov.n > 0};
  }
  dw->nde = ns;
}

void eprof_file_facts(const struct gpu_row *g, size_t ng, const struct cpu_row *c, size_t nc,
                      struct eprof_file_facts *out) {
  *out = (struct eprof_file_facts){0};
  size_t n = g ? ng : nc;
  int64_t lo = INT64_MAX, hi = INT64_MIN;
  for (size_t i = 0; i < n; i++) {
    int64_t t = g ? g[i].ts : c[i].ts;
    if (t < lo) lo = t;
    if (t > hi) hi = t;
  }
  out->start_us = lo, out->end_us = hi;
  if (!g) return;
  /* 50_sources.sql's rule for sampled power: the mean period of the file's
   * rows; readings with power in line order; intervals up to the gap rule's
   * periods, trapezoid; total() sums. */
  double period = (double)(hi - lo) / (double)(ng > 1 ? ng - 1 : 1);
  struct trapezoid z;
  trapezoid_start(&z, MODEL_GAP_PERIODS * period, 0);
  for (size_t i = 0; i < ng; i++)
    if (!(g[i].nullmask >> G_POWER & 1)) trapezoid_add(&z, (double)g[i].ts, g[i].v[G_POWER]);
  out->samples = z.n;
  out->has_energy = z.n > 0;
  out->energy_j = z.energy / 1e6;
  out->covered_s = z.covered / 1e6;
}
