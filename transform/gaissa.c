/* transform/gaissa.c: the gaissa profile's arithmetic, the replication
 * package's algorithm bug for bug, pure (no database).
 *
 * Which samples it keeps: the GPU file's last MODEL_GAISSA_SKIPFOOTER data
 * lines dropped (pandas' skipfooter counts a torn last line, rejected at
 * ingest, as one of them), the nearest CPU sample joined, rows with any NULL
 * dropped (dropna), and, with an epoch_end file, the samples after the last
 * epoch end cut. What it computes from them: values floored and the anchor's
 * float32 columns rounded to float; elapsed seconds from the first kept
 * sample; trapezoids over consecutive kept samples; sample means (plain and
 * float32 Kahan, as pandas' cython group_mean) and sums of squared deviations
 * (ddof=1 in SQL). Per epoch: each interval belongs to the epoch of its right
 * end, and epoch k >= 1 starts with a copy of epoch k-1's last sample. Sums
 * are plain double additions in sample order, as SQLite's sum() took them. */
#include <math.h>
#include <stdlib.h>

#include "transform/pipeline.h"

static void add(struct sum *s, double x) {
  s->v += x;
  s->n++;
}

static double avg_of(const struct sum *s) {
  return s->v / (double)s->n;
}

float f32_kahan_sum(const void *base, size_t n, size_t stride) {
  volatile float s = 0.f, c = 0.f; /* volatile: no reassociation, no excess precision */
  for (size_t i = 0; i < n; i++) {
    float y = *(const float *)(const void *)((const char *)base + i * stride) - c;
    float t = s + y;
    c = (t - s) - y;
    s = t;
  }
  return s;
}

/* x rounded to float32. The volatile is not decoration: GCC 12 -O2 (Debian
 * 12.2.0) vectorizes two adjacent `(double)(float)x` stores into one move and
 * drops the rounding; a float that must be stored keeps it. */
static double f32(double x) {
  volatile float f = (float)x;
  return (double)f;
}

/* The first line skipfooter drops: the MODEL_GAISSA_SKIPFOOTER-th highest data
 * line of the GPU file, counting the lines stored (G, NG rows) and the lines
 * rejected (IN's highest ones); INT64_MIN when the file has fewer data lines
 * (all dropped). */
static int64_t skipfooter_line(const struct run_input *in) {
  enum { K = MODEL_GAISSA_SKIPFOOTER };
  int64_t top[K]; /* highest first, repeats counted */
  for (int k = 0; k < K; k++) top[k] = INT64_MIN;
  size_t n = in->ng + in->ntop;
  for (size_t i = 0; i < n; i++) {
    int64_t line = i < in->ng ? in->g[i].line : in->gpu_rejected_top[i - in->ng];
    for (int k = 0; k < K; k++) {
      if (line > top[k]) {
        for (int j = K - 1; j > k; j--) top[j] = top[j - 1];
        top[k] = line;
        break;
      }
    }
  }
  return in->ng + in->gpu_rejected >= K ? top[K - 1] : INT64_MIN;
}

void gaissa_select(struct pipeline_work *w) {
  struct aligned_run *r = &w->ar;
  int64_t footer = w->in.gpu_file ? skipfooter_line(&w->in) : INT64_MIN;
  for (size_t i = 0; i < r->ng; i++) {
    struct gpu_row *g = &r->g[i];
    const struct cpu_row *c = g->cpu >= 0 ? &r->c[g->cpu] : NULL;
    g->keep = g->line < footer && g->nullmask == 0 && (r->nc == 0 || (c && !c->cpu_null && !c->rss_null)) &&
              (!r->has_epochs || g->ts <= r->last_epoch_end);
    if (g->keep) {
      if (!r->gaissa_n) r->gaissa_start = g->ts;
      r->gaissa_end = g->ts;
      r->gaissa_n++;
    }
  }
}

static int cmp_key(const void *a, const void *b) {
  const struct gaissa_key *x = a, *y = b;
  if (x->epoch != y->epoch) return (x->epoch > y->epoch) - (x->epoch < y->epoch);
  return (x->seq > y->seq) - (x->seq < y->seq);
}

/* f32_mean() of the r of the kept samples at IDX[0..N-1] (in seq order): NAN
 * when none has one. */
static double f32_mean_r(struct gaissa_work *gw, const size_t *idx, size_t n) {
  gw->f = pipeline_grow(gw->f, &gw->capf, n + 1, sizeof *gw->f);
  size_t m = 0;
  for (size_t i = 0; i < n; i++)
    if (gw->k[idx[i]].has_r) gw->f[m++] = gw->k[idx[i]].r32;
  if (!m) return NAN;
  return (double)(f32_kahan_sum(gw->f, m, sizeof *gw->f) / (float)m);
}

/* The first span of epoch E in R (its epochs[] are in epoch order), -1 when no
 * span has that epoch: the epoch was joined to the first of its spans, which
 * dropped an epoch without one. */
static int64_t first_span_of(const struct aligned_run *r, int64_t e) {
  int64_t lo = 0, hi = r->nspans; /* the first k with epochs[k] >= e */
  while (lo < hi) {
    int64_t mid = lo + (hi - lo) / 2;
    if (r->epochs[mid] < e) lo = mid + 1;
    else hi = mid;
  }
  return lo < r->nspans && r->epochs[lo] == e ? lo : -1;
}

/* One gaissa epoch E of R: the samples at IDX[0..N-1] in seq order, appended
 * to GW's epochs when E has a span. */
static void gaissa_epoch(const struct aligned_run *r, struct gaissa_work *gw, int64_t epoch, const size_t *idx,
                         size_t n) {
  int64_t k = first_span_of(r, epoch);
  if (k < 0) return;
  struct sum p = {0}, eg = {0}, er = {0};
  long nr = 0;
  for (size_t i = 0; i < n; i++) {
    const struct gaissa_sample *s = &gw->k[idx[i]];
    add(&p, s->p);
    nr += s->has_r;
    if (i) {
      const struct gaissa_sample *q = &gw->k[idx[i - 1]];
      double dx = s->x - q->x;
      add(&eg, dx * ((s->p + q->p) / 2));
      if (s->has_r && q->has_r) add(&er, dx * ((s->r + q->r) / 2));
    }
  }
  gw->ge = pipeline_grow(gw->ge, &gw->capge, gw->nge + 1, sizeof *gw->ge);
  struct gaissa_epoch *o = &gw->ge[gw->nge++];
  o->epoch = epoch;
  o->n = (int64_t)n;
  o->nr = nr;
  o->start_us = k == 0 ? r->gaissa_start : r->starts[k];
  o->end_us = r->ends[k];
  o->ap = avg_of(&p); /* n >= 1 */
  o->ar = f32_mean_r(gw, idx, n);
  o->eg = eg.n ? eg.v : 0;
  o->er = er.n ? er.v : 0;
}

/* The kept samples of R as the anchor's columns hold them, into GW->k. */
static void kept_samples(const struct aligned_run *r, struct gaissa_work *gw) {
  gw->k = pipeline_grow(gw->k, &gw->capk, r->ng + 1, sizeof *gw->k);
  size_t n = 0;
  for (size_t i = 0; i < r->ng; i++) {
    const struct gpu_row *g = &r->g[i];
    if (!g->keep) continue;
    struct gaissa_sample *s = &gw->k[n++];
    s->seq = (int64_t)i;
    s->ts = g->ts;
    s->x = (double)(g->ts - r->gaissa_start) / 1e6;
    s->has_epoch = r->has_epochs && g->span < r->nspans;
    s->epoch = !s->has_epoch ? 0 : g->span == 0 ? 0 : r->epochs[g->span];
    s->p = floor(g->v[G_POWER]);
    s->u = floor(g->v[G_UTIL]) / 100.0;
    s->mu = floor(g->v[G_MEM_UTIL]) / 100.0;
    s->mem = floor(g->v[G_MEM_USED]);
    s->lim = floor(g->v[G_LIMIT]);
    s->temp = floor(g->v[G_TEMP]);
    const struct cpu_row *c = g->cpu >= 0 ? &r->c[g->cpu] : NULL;
    /* A kept sample has its CPU values unless the run has no CPU file at all. */
    s->has_r = c && !c->cpu_null && !c->rss_null;
    if (s->has_r) {
      s->cpu = f32(c->cpu_pct);
      s->rss = f32(c->rss);
      s->r = f32(s->rss * f32(MODEL_RAM_W_PER_MB));
      s->r32 = (float)s->r;
    }
  }
  gw->nk = n;
}

/* The run's sums (tf_gm) from GW's kept samples. */
static void run_sums(struct gaissa_work *gw) {
  struct gaissa_sums *S = &gw->sums;
  *S = (struct gaissa_sums){.n = (int64_t)gw->nk, .t0 = INT64_MAX, .t1 = INT64_MIN};
  struct sum cpu = {0}, rss = {0}, rr = {0};
  size_t n = gw->nk;
  for (size_t i = 0; i < n; i++) {
    const struct gaissa_sample *s = &gw->k[i];
    if (s->ts < S->t0) S->t0 = s->ts;
    if (s->ts > S->t1) S->t1 = s->ts;
    if (s->has_epoch && (!S->has_max_epoch || s->epoch > S->max_epoch)) S->max_epoch = s->epoch, S->has_max_epoch = 1;
    add(&S->u, s->u), add(&S->mu, s->mu), add(&S->mem, s->mem), add(&S->p, s->p), add(&S->temp, s->temp);
    if (s->has_r) add(&cpu, s->cpu), add(&rss, s->rss), add(&rr, s->r);
    if (i) {
      const struct gaissa_sample *q = &gw->k[i - 1];
      double dx = s->x - q->x;
      add(&S->egpu, dx * ((s->p + q->p) / 2));
      if (s->has_r && q->has_r) add(&S->eram, dx * ((s->r + q->r) / 2));
    }
  }
  /* Second pass: squared deviations from the (double) means. */
  double amem = avg_of(&S->mem), ap = avg_of(&S->p), atemp = avg_of(&S->temp);
  double acpu = cpu.n ? avg_of(&cpu) : 0, arss = rss.n ? avg_of(&rss) : 0, ar = rr.n ? avg_of(&rr) : 0;
  for (size_t i = 0; i < n; i++) {
    const struct gaissa_sample *s = &gw->k[i];
    double d;
    d = s->mem - amem, add(&S->dmem, d * d);
    d = s->p - ap, add(&S->dp, d * d);
    d = s->temp - atemp, add(&S->dtemp, d * d);
    if (s->has_r) {
      d = s->cpu - acpu, add(&S->dcpu, d * d);
      d = s->rss - arss, add(&S->drss, d * d);
      d = s->r - ar, add(&S->dr, d * d);
    }
  }
  /* The float32 means. */
  gw->f = pipeline_grow(gw->f, &gw->capf, n + 1, sizeof *gw->f);
  for (int k = 0; k < 3; k++) {
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
      const struct gaissa_sample *s = &gw->k[i];
      if (s->has_r) gw->f[m++] = (float)(k == 0 ? s->cpu : k == 1 ? s->rss : s->r);
    }
    S->m32[k] = m ? (double)(f32_kahan_sum(gw->f, m, sizeof *gw->f) / (float)m) : NAN;
  }
  S->nr = rr.n;
  S->lim0 = gw->k[0].lim;
}

/* The epochs: the kept samples with an epoch, grouped by (epoch, seq); epoch E
 * starts with a copy of the last sample of epoch E-1 when E-1 < the max epoch. */
static void epochs(const struct aligned_run *r, struct gaissa_work *gw) {
  size_t n = gw->nk, ne = 0;
  gw->ord = pipeline_grow(gw->ord, &gw->capord, n + 2, sizeof *gw->ord);
  for (size_t i = 0; i < n; i++)
    if (gw->k[i].has_epoch) gw->ord[ne++] = (struct gaissa_key){gw->k[i].epoch, gw->k[i].seq, i};
  if (!ne) return;
  int sorted = 1;
  for (size_t i = 1; i < ne && sorted; i++) sorted = cmp_key(&gw->ord[i - 1], &gw->ord[i]) < 0;
  if (!sorted) qsort(gw->ord, ne, sizeof *gw->ord, cmp_key);
  /* A group is ord[a..b); the copy, when there is one, is merged in at its seq
   * place (first whenever epochs follow time). */
  int have_pending = 0;
  int64_t pend_epoch = 0, max_epoch = gw->sums.max_epoch;
  size_t pend_idx = 0;
  for (size_t a = 0; a < ne;) {
    int64_t e = gw->ord[a].epoch;
    size_t b = a;
    while (b < ne && gw->ord[b].epoch == e) b++;
    if (have_pending && pend_epoch < e) { /* an epoch holding only the copy */
      gaissa_epoch(r, gw, pend_epoch, &pend_idx, 1);
      have_pending = 0;
    }
    gw->grp = pipeline_grow(gw->grp, &gw->capgrp, b - a + 2, sizeof *gw->grp);
    size_t m = 0;
    int copy = have_pending && pend_epoch == e;
    for (size_t i = a; i < b; i++) {
      if (copy && gw->k[pend_idx].seq < gw->ord[i].seq) gw->grp[m++] = pend_idx, copy = 0;
      gw->grp[m++] = gw->ord[i].idx;
    }
    if (copy) gw->grp[m++] = pend_idx;
    have_pending = 0;
    gaissa_epoch(r, gw, e, gw->grp, m);
    if (e < max_epoch) {
      have_pending = 1;
      pend_epoch = e + 1;
      pend_idx = gw->ord[b - 1].idx; /* the highest seq of epoch e */
    }
    a = b;
  }
}

void gaissa_integrate(struct pipeline_work *w) {
  struct gaissa_work *gw = &w->gw;
  gw->nge = 0;
  kept_samples(&w->ar, gw);
  gw->has_sums = gw->nk > 0;
  if (!gw->nk) return;
  run_sums(gw);
  if (w->ar.dirty_gaissa) epochs(&w->ar, gw);
}
