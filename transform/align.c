/* transform/align.c: the alignment both profiles share, pure arithmetic.
 *
 * From a run's GPU, CPU and epoch_end rows (load.c) it computes, in memory:
 * each GPU sample's nearest CPU sample within model.h's tolerance (pandas
 * merge_asof 'nearest': the earlier one wins a tie), the default profile's
 * window and epoch spans (span k = (starts[k], ends[k]]: the run's start to the
 * first epoch end, then from one epoch end to the next; one span over the whole
 * run without an epoch_end file), the span of every sample, and the medians of
 * the sampling intervals that the gap rule measures periods by. */
#include <math.h>
#include <stdlib.h>

#include "common/msg.h"
#include "schema/model.h"
#include "transform/pipeline.h"

void *pipeline_grow(void *p, size_t *cap, size_t need, size_t elem) {
  if (need <= *cap) return p;
  size_t n = *cap ? *cap : 1024;
  while (n < need) n *= 2;
  *cap = n;
  return xrealloc(p, (unsigned long)(n * elem));
}

void pipeline_work_free(struct pipeline_work *w) {
  free(w->in.g), free(w->in.c), free(w->in.e);
  free(w->ar.starts), free(w->ar.ends), free(w->ar.epochs), free(w->ar.dt);
  free(w->gw.k), free(w->gw.ord), free(w->gw.grp), free(w->gw.f), free(w->gw.ge);
  free(w->dw.g), free(w->dw.c), free(w->dw.n), free(w->dw.de);
  *w = (struct pipeline_work){0};
}

static int cmp_gpu(const void *a, const void *b) {
  const struct gpu_row *x = a, *y = b;
  if (x->ts != y->ts) return (x->ts > y->ts) - (x->ts < y->ts);
  return (x->line > y->line) - (x->line < y->line);
}

static int cmp_cpu(const void *a, const void *b) {
  const struct cpu_row *x = a, *y = b;
  if (x->ts != y->ts) return (x->ts > y->ts) - (x->ts < y->ts);
  return (x->line > y->line) - (x->line < y->line);
}

/* Puts the K-th smallest of A[0..N-1] at A[K], smaller ones before it, larger
 * after (quickselect, Hoare partition, middle pivot). */
static void select_kth(int64_t *a, size_t n, size_t k) {
  size_t lo = 0, hi = n - 1;
  while (lo < hi) {
    int64_t pivot = a[lo + (hi - lo) / 2];
    size_t i = lo, j = hi;
    while (i <= j) {
      while (a[i] < pivot) i++;
      while (a[j] > pivot) j--;
      if (i <= j) {
        int64_t t = a[i];
        a[i] = a[j], a[j] = t;
        i++;
        if (j == 0) break;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return;
  }
}

/* The median of the positive differences between consecutive times at TS,
 * TS+STRIDE, ... (N values, sorted), in seconds; NAN when there are none. DT
 * (capacity *CAP) is its scratch. */
static double median_period(const int64_t *ts, size_t n, size_t stride, int64_t **dt, size_t *cap) {
  size_t m = 0;
  int64_t *d = *dt = pipeline_grow(*dt, cap, n + 1, sizeof **dt);
  for (size_t i = 1; i < n; i++) {
    int64_t a = *(const int64_t *)((const char *)ts + (i - 1) * stride);
    int64_t b = *(const int64_t *)((const char *)ts + i * stride);
    if (b > a) d[m++] = b - a;
  }
  if (!m) return NAN;
  select_kth(d, m, m / 2);
  double med = (double)d[m / 2];
  if (m % 2 == 0) { /* the largest of the lower half */
    int64_t below = d[0];
    for (size_t i = 1; i < m / 2; i++)
      if (d[i] > below) below = d[i];
    med = ((double)below + med) / 2;
  }
  return med / 1e6;
}

/* The span of time TS: -1 before START, the first span whose end is at or
 * after TS, or NSPANS after the last end. *CUR is a cursor that only moves
 * forward (TS come in order). */
static int64_t span_of(int64_t ts, int64_t start, const int64_t *ends, int64_t nspans, int64_t *cur) {
  if (ts < start) return -1;
  while (*cur < nspans && ends[*cur] < ts) (*cur)++;
  return *cur;
}

/* Each GPU row's nearest CPU row within the tolerance; ties go to the earlier. */
static void nearest_cpu(struct gpu_row *g, size_t ng, const struct cpu_row *c, size_t nc) {
  size_t j = 0;
  for (size_t i = 0; i < ng; i++) {
    while (j + 1 < nc && c[j + 1].ts <= g[i].ts) j++;
    int64_t best = -1, bestd = INT64_MAX;
    if (nc && c[j].ts <= g[i].ts) best = (int64_t)j, bestd = g[i].ts - c[j].ts;
    size_t f = nc && c[j].ts <= g[i].ts ? j + 1 : j;
    if (f < nc && c[f].ts >= g[i].ts && c[f].ts - g[i].ts < bestd) best = (int64_t)f, bestd = c[f].ts - g[i].ts;
    g[i].cpu = best >= 0 && bestd <= MODEL_NEAREST_TOLERANCE_US ? best : -1;
  }
}

void align_run(struct pipeline_work *w) {
  struct run_input *in = &w->in;
  struct aligned_run *r = &w->ar;
  if (!in->g_sorted) qsort(in->g, in->ng, sizeof *in->g, cmp_gpu);
  if (!in->c_sorted) qsort(in->c, in->nc, sizeof *in->c, cmp_cpu);
  size_t ng = in->ng, nc = in->nc, ne = in->ne;
  struct gpu_row *g = in->g;
  struct cpu_row *c = in->c;
  r->run = in->run, r->g = g, r->ng = ng, r->c = c, r->nc = nc;
  r->dirty_gaissa = in->dirty_gaissa, r->dirty_default = in->dirty_default;
  r->gaissa_n = 0, r->gaissa_start = 0, r->gaissa_end = 0;
  nearest_cpu(g, ng, c, nc);

  r->start = ng ? g[0].ts : nc ? c[0].ts : 0;
  r->end = ng ? g[ng - 1].ts : nc ? c[nc - 1].ts : 0;
  r->last_epoch_end = ne ? in->e[ne - 1].end : 0;
  if (ne) r->end = r->last_epoch_end;
  r->nspans = ne ? (int64_t)ne : (ng || nc) ? 1 : 0;
  r->has_epochs = ne > 0;
  size_t need = (size_t)r->nspans + 1;
  r->ends = pipeline_grow(r->ends, &r->capends, need, sizeof *r->ends);
  r->starts = pipeline_grow(r->starts, &r->capstarts, need, sizeof *r->starts);
  r->epochs = pipeline_grow(r->epochs, &r->capepochs, need, sizeof *r->epochs);
  for (int64_t k = 0; k < r->nspans; k++) {
    r->ends[k] = ne ? in->e[k].end : r->end;
    r->starts[k] = k == 0 ? r->start : r->ends[k - 1];
    r->epochs[k] = ne ? in->e[k].epoch : 0;
  }

  int64_t cur = 0;
  for (size_t i = 0; i < ng; i++) g[i].span = span_of(g[i].ts, r->start, r->ends, r->nspans, &cur);
  cur = 0;
  r->ram_row = -1;
  for (size_t i = 0; i < nc; i++) {
    c[i].span = span_of(c[i].ts, r->start, r->ends, r->nspans, &cur);
    if (r->ram_row < 0 && !c[i].ram_null) r->ram_row = (int64_t)i;
  }
  r->gpu_period_s = ng ? median_period(&g[0].ts, ng, sizeof *g, &r->dt, &r->capdt) : NAN;
  r->cpu_period_s = nc ? median_period(&c[0].ts, nc, sizeof *c, &r->dt, &r->capdt) : NAN;
}
