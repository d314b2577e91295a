/* transform/integrate.c: the per-run and per-epoch (per-span) sums of both
 * profiles, from one run's aligned samples in memory (transform/align.h).
 *
 * gaissa: the kept samples, values floored and the anchor's float32 columns
 *   rounded to float; elapsed seconds from the first kept sample; trapezoids over
 *   consecutive kept samples; sample means (plain and float32 Kahan) and sums of
 *   squared deviations. Per epoch: each interval belongs to the epoch of its
 *   right end, and epoch k >= 1 starts with a copy of epoch k-1's last sample.
 * default: trapezoids over consecutive non-NULL readings of each series on its
 *   own axis, intervals longer than 5 measured periods skipped, each interval
 *   split over the spans it crosses in proportion to time; in the same pass,
 *   how each series covers the run's window (processed_coverage: readings,
 *   first and last, covered seconds, longest gap).
 *
 * The arithmetic is the SQL's that this replaces, operation for operation: the
 * same expressions, sums in sample order with plain double additions (SQLite
 * 3.40's sum(), avg() = sum / count), the run's default sums over its spans in
 * span order (the GROUP BY of 20_default.sql over the per-span rows), so the
 * processed rows are bit-identical to what 10_gaissa.sql and 20_default.sql
 * computed with window functions. The processed_epoch rows are built here and
 * written by align_write_epochs, whose SQL applies the last expressions (ratios,
 * COALESCE, round()). The scratch buffers grow once and are reused from run to
 * run: no allocation per row. */
#include <math.h>
#include <stdlib.h>

#include "common/msg.h"
#include "transform/align.h"

/* A sum as SQLite's sum() keeps it: NULL until a first non-NULL value. */
struct sum {
  double v;
  long n;
};

static void add(struct sum *s, double x) {
  s->v += x;
  s->n++;
}

static void bind_sum(sqlite3_stmt *st, int i, const struct sum *s) {
  if (s->n) sqlite3_bind_double(st, i, s->v);
  else sqlite3_bind_null(st, i);
}

/* avg(): the sum over the count, NULL over nothing. */
static void bind_avg(sqlite3_stmt *st, int i, const struct sum *s) {
  if (s->n) sqlite3_bind_double(st, i, s->v / (double)s->n);
  else sqlite3_bind_null(st, i);
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

static void *grow(void *p, size_t *cap, size_t need, size_t elem) {
  if (need <= *cap) return p;
  size_t n = *cap ? *cap : 1024;
  while (n < need) n *= 2;
  *cap = n;
  return xrealloc(p, (unsigned long)(n * elem));
}

/* A kept gaissa sample, as 10_gaissa.sql's tf_g row: the values its SQL
 * computed (NULLs as flags). */
struct gs {
  int64_t seq, ts, epoch;
  int has_epoch, has_r;
  double x, p, u, mu, mem, lim, temp;
  double cpu, rss, r; /* f32-rounded; NULL when !has_r */
  float r32;
};

static struct {
  struct gs *k;
  size_t capk;
  size_t *ord; /* indices into k by (epoch, seq) */
  size_t capord;
  float *f;
  size_t capf;
  struct gaissa_epoch *ge; /* the run's gaissa processed_epoch rows */
  size_t nge, capge;
} scratch;

/* x rounded to float32. The volatile is not decoration: GCC 12 -O2 (Debian
 * 12.2.0) vectorizes two adjacent `(double)(float)x` stores into one move and
 * drops the rounding; a float that must be stored keeps it. */
static double f32(double x) {
  volatile float f = (float)x;
  return (double)f;
}

static int cmp_epoch_seq(const void *a, const void *b) {
  const struct gs *x = &scratch.k[*(const size_t *)a], *y = &scratch.k[*(const size_t *)b];
  if (x->epoch != y->epoch) return (x->epoch > y->epoch) - (x->epoch < y->epoch);
  return (x->seq > y->seq) - (x->seq < y->seq);
}

/* f32_mean() of the r of the kept samples K[IDX[0..N-1]] (in seq order): NAN
 * when none has one. */
static double f32_mean_r(const size_t *idx, size_t n) {
  scratch.f = grow(scratch.f, &scratch.capf, n + 1, sizeof *scratch.f);
  size_t m = 0;
  for (size_t i = 0; i < n; i++)
    if (scratch.k[idx[i]].has_r) scratch.f[m++] = scratch.k[idx[i]].r32;
  if (!m) return NAN;
  return (double)(f32_kahan_sum(scratch.f, m, sizeof *scratch.f) / (float)m);
}

static void bind_nan_null(sqlite3_stmt *st, int i, double v) {
  if (isnan(v)) sqlite3_bind_null(st, i);
  else sqlite3_bind_double(st, i, v);
}

/* The first span of epoch E in R (its epochs[] are in epoch order), -1 when no
 * span has that epoch: 10_gaissa.sql joined the epoch to min(span) of its
 * interim_span rows, which dropped an epoch without one. */
static int64_t first_span_of(const struct aligned_run *r, int64_t e) {
  int64_t lo = 0, hi = r->nspans; /* the first k with epochs[k] >= e */
  while (lo < hi) {
    int64_t mid = lo + (hi - lo) / 2;
    if (r->epochs[mid] < e) lo = mid + 1;
    else hi = mid;
  }
  return lo < r->nspans && r->epochs[lo] == e ? lo : -1;
}

/* One gaissa epoch E of R: the samples K[IDX[0..N-1]] in seq order, appended to
 * scratch.ge when R is dirty for the profile and E has a span. */
static void gaissa_epoch(const struct aligned_run *r, int64_t epoch, const size_t *idx, size_t n) {
  int64_t k = r->dirty_gaissa ? first_span_of(r, epoch) : -1;
  if (k < 0) return;
  struct sum p = {0}, eg = {0}, er = {0};
  long nr = 0;
  for (size_t i = 0; i < n; i++) {
    const struct gs *s = &scratch.k[idx[i]];
    add(&p, s->p);
    nr += s->has_r;
    if (i) {
      const struct gs *q = &scratch.k[idx[i - 1]];
      double dx = s->x - q->x;
      add(&eg, dx * ((s->p + q->p) / 2));
      if (s->has_r && q->has_r) add(&er, dx * ((s->r + q->r) / 2));
    }
  }
  scratch.ge = grow(scratch.ge, &scratch.capge, scratch.nge + 1, sizeof *scratch.ge);
  struct gaissa_epoch *o = &scratch.ge[scratch.nge++];
  o->epoch = epoch;
  o->n = (int64_t)n;
  o->nr = nr;
  o->start_us = k == 0 ? r->gaissa_start : r->starts[k];
  o->end_us = r->ends[k];
  o->ap = avg_of(&p); /* n >= 1 */
  o->ar = f32_mean_r(idx, n);
  o->eg = eg.n ? eg.v : 0;
  o->er = er.n ? er.v : 0;
}

/* The gaissa sums of run R (10_gaissa.sql's tf_gm, its deviations, and tf_ge). */
static int gaissa(struct wdb *db, const struct aligned_run *r) {
  static const char sql[] =
      "INSERT INTO tf_gm(run_id, n, t0, t1, max_epoch, su, au, smu, amu, amem, sp, ap, lim0, atemp,"
      " acpu32, arss32, ar32, nr, egpu, eram, dmem, dp, dtemp, dcpu, drss, dr)"
      " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)";
  scratch.k = grow(scratch.k, &scratch.capk, r->ng + 1, sizeof *scratch.k);
  size_t n = 0;
  for (size_t i = 0; i < r->ng; i++) {
    const struct gpu_row *g = &r->g[i];
    if (!g->keep) continue;
    struct gs *s = &scratch.k[n++];
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
      s->r = f32(s->rss * f32(3.75e-4));
      s->r32 = (float)s->r;
    }
  }
  if (!n) return 0;

  struct sum u = {0}, mu = {0}, mem = {0}, p = {0}, temp = {0}, cpu = {0}, rss = {0}, rr = {0};
  struct sum egpu = {0}, eram = {0};
  int64_t t0 = INT64_MAX, t1 = INT64_MIN, max_epoch = 0;
  int has_max_epoch = 0;
  for (size_t i = 0; i < n; i++) {
    const struct gs *s = &scratch.k[i];
    if (s->ts < t0) t0 = s->ts;
    if (s->ts > t1) t1 = s->ts;
    if (s->has_epoch && (!has_max_epoch || s->epoch > max_epoch)) max_epoch = s->epoch, has_max_epoch = 1;
    add(&u, s->u), add(&mu, s->mu), add(&mem, s->mem), add(&p, s->p), add(&temp, s->temp);
    if (s->has_r) add(&cpu, s->cpu), add(&rss, s->rss), add(&rr, s->r);
    if (i) {
      const struct gs *q = &scratch.k[i - 1];
      double dx = s->x - q->x;
      add(&egpu, dx * ((s->p + q->p) / 2));
      if (s->has_r && q->has_r) add(&eram, dx * ((s->r + q->r) / 2));
    }
  }
  /* Second pass: squared deviations from the (double) means, ddof=1 in SQL. */
  double amem = avg_of(&mem), ap = avg_of(&p), atemp = avg_of(&temp);
  double acpu = cpu.n ? avg_of(&cpu) : 0, arss = rss.n ? avg_of(&rss) : 0, ar = rr.n ? avg_of(&rr) : 0;
  struct sum dmem = {0}, dp = {0}, dtemp = {0}, dcpu = {0}, drss = {0}, dr = {0};
  for (size_t i = 0; i < n; i++) {
    const struct gs *s = &scratch.k[i];
    double d;
    d = s->mem - amem, add(&dmem, d * d);
    d = s->p - ap, add(&dp, d * d);
    d = s->temp - atemp, add(&dtemp, d * d);
    if (s->has_r) {
      d = s->cpu - acpu, add(&dcpu, d * d);
      d = s->rss - arss, add(&drss, d * d);
      d = s->r - ar, add(&dr, d * d);
    }
  }
  /* The float32 means. */
  scratch.f = grow(scratch.f, &scratch.capf, n + 1, sizeof *scratch.f);
  double m32[3];
  for (int k = 0; k < 3; k++) {
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
      const struct gs *s = &scratch.k[i];
      if (s->has_r) scratch.f[m++] = (float)(k == 0 ? s->cpu : k == 1 ? s->rss : s->r);
    }
    m32[k] = m ? (double)(f32_kahan_sum(scratch.f, m, sizeof *scratch.f) / (float)m) : NAN;
  }

  sqlite3_stmt *st = wdb_stmt(db, sql);
  if (!st) return -1;
  sqlite3_bind_int64(st, 1, r->run);
  sqlite3_bind_int64(st, 2, (int64_t)n);
  sqlite3_bind_int64(st, 3, t0);
  sqlite3_bind_int64(st, 4, t1);
  if (has_max_epoch) sqlite3_bind_int64(st, 5, max_epoch);
  bind_sum(st, 6, &u);
  bind_avg(st, 7, &u);
  bind_sum(st, 8, &mu);
  bind_avg(st, 9, &mu);
  bind_avg(st, 10, &mem);
  bind_sum(st, 11, &p);
  bind_avg(st, 12, &p);
  sqlite3_bind_double(st, 13, scratch.k[0].lim);
  bind_avg(st, 14, &temp);
  for (int k = 0; k < 3; k++) bind_nan_null(st, 15 + k, m32[k]);
  sqlite3_bind_int64(st, 18, rr.n);
  bind_sum(st, 19, &egpu);
  bind_sum(st, 20, &eram);
  bind_sum(st, 21, &dmem);
  bind_sum(st, 22, &dp);
  bind_sum(st, 23, &dtemp);
  bind_sum(st, 24, &dcpu);
  bind_sum(st, 25, &drss);
  bind_sum(st, 26, &dr);
  if (wdb_done(db, st)) return -1;

  /* Epochs: the samples with an epoch, grouped by (epoch, seq); epoch E starts
   * with a copy of the last sample of epoch E-1 when E-1 < the max epoch. */
  scratch.ord = grow(scratch.ord, &scratch.capord, n + 2, sizeof *scratch.ord);
  size_t ne = 0;
  for (size_t i = 0; i < n; i++)
    if (scratch.k[i].has_epoch) scratch.ord[ne++] = i;
  if (!ne || !r->dirty_gaissa) return 0;
  int sorted = 1;
  for (size_t i = 1; i < ne && sorted; i++) sorted = cmp_epoch_seq(&scratch.ord[i - 1], &scratch.ord[i]) < 0;
  if (!sorted) qsort(scratch.ord, ne, sizeof *scratch.ord, cmp_epoch_seq);
  /* A group is ord[a..b); the copy, when there is one, goes first or at its seq
   * place: build each group in a small window of its own before ord[a]. The
   * groups are processed in place: the copy is put in slot a-1 when it sorts
   * first (seq order), which is the case whenever epochs follow time; otherwise
   * the group is copied out with the copy merged in. */
  static size_t *grp;
  static size_t capgrp;
  int have_pending = 0;
  int64_t pend_epoch = 0;
  size_t pend_idx = 0;
  for (size_t a = 0; a < ne;) {
    int64_t e = scratch.k[scratch.ord[a]].epoch;
    size_t b = a;
    while (b < ne && scratch.k[scratch.ord[b]].epoch == e) b++;
    if (have_pending && pend_epoch < e) { /* an epoch holding only the copy */
      gaissa_epoch(r, pend_epoch, &pend_idx, 1);
      have_pending = 0;
    }
    grp = grow(grp, &capgrp, b - a + 2, sizeof *grp);
    size_t m = 0;
    int copy = have_pending && pend_epoch == e;
    for (size_t i = a; i < b; i++) {
      if (copy && scratch.k[pend_idx].seq < scratch.k[scratch.ord[i]].seq) grp[m++] = pend_idx, copy = 0;
      grp[m++] = scratch.ord[i];
    }
    if (copy) grp[m++] = pend_idx;
    have_pending = 0;
    gaissa_epoch(r, e, grp, m);
    if (e < max_epoch) {
      have_pending = 1;
      pend_epoch = e + 1;
      pend_idx = scratch.ord[b - 1]; /* the highest seq of epoch e */
    }
    a = b;
  }
  return 0;
}

/* Per-span sums of one series (the per-span rows 20_default.sql grouped). */
struct span_sums {
  struct sum cov, e, e2, ui, ucov, mui, mucov, mi, m2i, mcov, ci, c2i, ccov;
};

static struct {
  struct span_sums *g, *c; /* the GPU and the CPU series, per span */
  size_t capg, capc;
  int64_t *n;              /* GPU samples with power, per span (nspans: after the end) */
  size_t capn;
  struct default_epoch *de;
  size_t capde;
} spans;

/* The seconds interval (T0, T1] spends in span K of R (may be <= 0). */
static double overlap(const struct aligned_run *r, int64_t k, int64_t t0, int64_t t1) {
  int64_t hi = t1 < r->ends[k] ? t1 : r->ends[k], lo = t0 > r->starts[k] ? t0 : r->starts[k];
  return (double)(hi - lo) / 1e6;
}

/* The last span index an interval from span S0 to span S1 can touch. */
static int64_t last_span(const struct aligned_run *r, int64_t s1) {
  return s1 < r->nspans - 1 ? s1 : r->nspans - 1;
}

/* Averages of two readings and of their squares, NULL when either is. */
static int pair(double a, int an, double b, int bn, double *m, double *m2) {
  if (an || bn) return 0;
  *m = (a + b) / 2;
  *m2 = (a * a + b * b) / 2;
  return 1;
}

/* How one series covers its run's window [ws, we] (processed_coverage): its
 * readings in the window, the first and last of them, the time its bridged
 * intervals cover, and the longest stretch of the window that none covers. */
struct coverage {
  int64_t ws, we, samples, first, last, covered_to, covered_us, longest_gap_us;
};

static void coverage_start(struct coverage *c, const struct aligned_run *r) {
  int64_t ws = r->nspans ? r->starts[0] : 0, we = r->nspans ? r->ends[r->nspans - 1] : 0;
  *c = (struct coverage){.ws = ws, .we = we, .covered_to = ws};
}

static void coverage_sample(struct coverage *c, int64_t t) {
  if (t < c->ws || t > c->we) return;
  if (!c->samples++) c->first = t;
  c->last = t;
}

/* The interval (A, B] was bridged: what of the window lies in it is covered. */
static void coverage_interval(struct coverage *c, int64_t a, int64_t b) {
  int64_t lo = a > c->ws ? a : c->ws, hi = b < c->we ? b : c->we;
  if (hi <= lo) return;
  if (lo - c->covered_to > c->longest_gap_us) c->longest_gap_us = lo - c->covered_to;
  c->covered_us += hi - lo;
  c->covered_to = hi;
}

static void coverage_end(struct coverage *c) {
  if (c->we - c->covered_to > c->longest_gap_us) c->longest_gap_us = c->we - c->covered_to;
}

/* Writes C as run R's processed_coverage row of COMPONENT (default profile). */
static int coverage_write(struct wdb *db, const struct aligned_run *r, const char *component,
                          const struct coverage *c) {
  static const char sql[] =
      "INSERT OR REPLACE INTO processed_coverage(run_id, profile, component, window_start_us,"
      " window_end_us, samples, first_us, last_us, covered_s, longest_gap_s)"
      " VALUES (?, 'default', ?, ?, ?, ?, ?, ?, ?, ?)";
  sqlite3_stmt *st = wdb_stmt(db, sql);
  if (!st) return -1;
  sqlite3_bind_int64(st, 1, r->run);
  sqlite3_bind_text(st, 2, component, -1, SQLITE_STATIC);
  sqlite3_bind_int64(st, 3, c->ws);
  sqlite3_bind_int64(st, 4, c->we);
  sqlite3_bind_int64(st, 5, c->samples);
  if (c->samples) {
    sqlite3_bind_int64(st, 6, c->first);
    sqlite3_bind_int64(st, 7, c->last);
  }
  sqlite3_bind_double(st, 8, (double)c->covered_us / 1e6);
  sqlite3_bind_double(st, 9, (double)c->longest_gap_us / 1e6);
  return wdb_done(db, st);
}

/* The GPU series of R integrated per span into S[0..nspans-1] (zeroed first),
 * its coverage of the window into COV. */
static void default_gpu(const struct aligned_run *r, struct span_sums *S, struct coverage *cov) {
  for (int64_t k = 0; k < r->nspans; k++) S[k] = (struct span_sums){0};
  coverage_start(cov, r);
  double gap = 5 * r->gpu_period_s * 1e6;
  const struct gpu_row *prev = NULL;
  for (size_t i = 0; i < r->ng; i++) {
    const struct gpu_row *b = &r->g[i];
    if (b->nullmask >> G_POWER & 1) continue;
    const struct gpu_row *a = prev;
    prev = b;
    coverage_sample(cov, b->ts);
    if (!a || !((double)(b->ts - a->ts) <= gap)) continue; /* NAN gap: nothing bridged */
    coverage_interval(cov, a->ts, b->ts);
    double pm = (a->v[G_POWER] + b->v[G_POWER]) / 2;
    double p2m = (a->v[G_POWER] * a->v[G_POWER] + b->v[G_POWER] * b->v[G_POWER]) / 2;
    double um, u2, mum, mu2, mm, m2m, cm, c2m;
    int hu = pair(a->v[G_UTIL], a->nullmask >> G_UTIL & 1, b->v[G_UTIL], b->nullmask >> G_UTIL & 1, &um, &u2);
    int hmu = pair(a->v[G_MEM_UTIL], a->nullmask >> G_MEM_UTIL & 1, b->v[G_MEM_UTIL],
                   b->nullmask >> G_MEM_UTIL & 1, &mum, &mu2);
    int hm = pair(a->v[G_MEM_USED], a->nullmask >> G_MEM_USED & 1, b->v[G_MEM_USED],
                  b->nullmask >> G_MEM_USED & 1, &mm, &m2m);
    int hc = pair(a->v[G_TEMP], a->nullmask >> G_TEMP & 1, b->v[G_TEMP], b->nullmask >> G_TEMP & 1, &cm, &c2m);
    for (int64_t k = a->span < 0 ? 0 : a->span; k <= last_span(r, b->span); k++) {
      double ov = overlap(r, k, a->ts, b->ts);
      if (!(ov > 0)) continue;
      struct span_sums *s = &S[k];
      add(&s->cov, ov), add(&s->e, ov * pm), add(&s->e2, ov * p2m);
      if (hu) add(&s->ui, ov * um), add(&s->ucov, ov);
      if (hmu) add(&s->mui, ov * mum), add(&s->mucov, ov);
      if (hm) add(&s->mi, ov * mm), add(&s->m2i, ov * m2m), add(&s->mcov, ov);
      if (hc) add(&s->ci, ov * cm), add(&s->c2i, ov * c2m), add(&s->ccov, ov);
    }
  }
  coverage_end(cov);
}

/* The CPU series of R per span into S (RSS in e/e2, CPU usage in ci/c2i/ccov),
 * its coverage of the window into COV. */
static void default_cpu(const struct aligned_run *r, struct span_sums *S, struct coverage *cov) {
  for (int64_t k = 0; k < r->nspans; k++) S[k] = (struct span_sums){0};
  coverage_start(cov, r);
  double gap = 5 * r->cpu_period_s * 1e6;
  const struct cpu_row *prev = NULL;
  for (size_t i = 0; i < r->nc; i++) {
    const struct cpu_row *b = &r->c[i];
    if (b->rss_null) continue;
    const struct cpu_row *a = prev;
    prev = b;
    coverage_sample(cov, b->ts);
    if (!a || !((double)(b->ts - a->ts) <= gap)) continue;
    coverage_interval(cov, a->ts, b->ts);
    double rm = (a->rss + b->rss) / 2, r2m = (a->rss * a->rss + b->rss * b->rss) / 2, cm, c2m;
    int hc = pair(a->cpu_pct, a->cpu_null, b->cpu_pct, b->cpu_null, &cm, &c2m);
    for (int64_t k = a->span < 0 ? 0 : a->span; k <= last_span(r, b->span); k++) {
      double ov = overlap(r, k, a->ts, b->ts);
      if (!(ov > 0)) continue;
      struct span_sums *s = &S[k];
      add(&s->cov, ov), add(&s->e, ov * rm), add(&s->e2, ov * r2m);
      if (hc) add(&s->ci, ov * cm), add(&s->c2i, ov * c2m), add(&s->ccov, ov);
    }
  }
  coverage_end(cov);
}

/* sum() over the spans' values: a span without a covered interval had no row,
 * a NULL value (n == 0) is skipped. */
static void add_sum(struct sum *to, const struct sum *x) {
  if (x->n) add(to, x->v);
}

/* The default profile of R: the per-span integrals of both series and the GPU
 * sample counts, then the run's row of temp.tf_dm (20_default.sql's processed_run
 * sums), its count of [N/A] powers in temp.tf_nnull, and its processed_epoch rows
 * when R has an epoch_end file and is dirty for the profile. */
static int default_profile(struct wdb *db, const struct aligned_run *r) {
  static const char sql_dm[] =
      "INSERT INTO tf_dm(run_id, cov, e, e2, ui, ucov, mui, mucov, mi, m2i, mcov, ci, c2i, ccov,"
      " c_cov, ri, r2i, c_ci, c_c2i, c_ccov, n, nnull, lim, measured)"
      " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)";
  static const char sql_nn[] = "INSERT INTO tf_nnull(run_id, n) VALUES (?,?)";
  size_t ns = (size_t)r->nspans;
  spans.g = grow(spans.g, &spans.capg, ns + 1, sizeof *spans.g);
  spans.c = grow(spans.c, &spans.capc, ns + 1, sizeof *spans.c);
  spans.n = grow(spans.n, &spans.capn, ns + 2, sizeof *spans.n);
  struct coverage gpu_cov, ram_cov;
  default_gpu(r, spans.g, &gpu_cov);
  default_cpu(r, spans.c, &ram_cov);
  if (r->dirty_default && r->nspans &&
      (coverage_write(db, r, "gpu", &gpu_cov) || coverage_write(db, r, "ram", &ram_cov)))
    return -1;

  /* GPU samples per span: spans never decrease along them (span_of's cursor)
   * and none is before the start (the first GPU sample is the start). */
  for (size_t k = 0; k <= ns; k++) spans.n[k] = 0;
  int64_t nnull_run = 0, nnull_in = 0, lim = -1;
  for (size_t i = 0; i < r->ng; i++) {
    const struct gpu_row *g = &r->g[i];
    if (g->nullmask >> G_POWER & 1) {
      nnull_run++;
      if (g->span < r->nspans) nnull_in++;
    } else {
      spans.n[g->span]++;
    }
    if (lim < 0 && !(g->nullmask >> G_LIMIT & 1)) lim = (int64_t)i;
  }

  /* The run: sums over the spans in span order, epochs with covered time. */
  struct span_sums G = {0}, C = {0};
  int64_t n_in = 0, measured = 0;
  for (size_t k = 0; k < ns; k++) {
    const struct span_sums *g = &spans.g[k], *c = &spans.c[k];
    n_in += spans.n[k];
    if (r->has_epochs && (g->cov.n || c->cov.n)) measured++;
    if (g->cov.n) {
      add_sum(&G.cov, &g->cov), add_sum(&G.e, &g->e), add_sum(&G.e2, &g->e2);
      add_sum(&G.ui, &g->ui), add_sum(&G.ucov, &g->ucov), add_sum(&G.mui, &g->mui);
      add_sum(&G.mucov, &g->mucov), add_sum(&G.mi, &g->mi), add_sum(&G.m2i, &g->m2i);
      add_sum(&G.mcov, &g->mcov), add_sum(&G.ci, &g->ci), add_sum(&G.c2i, &g->c2i);
      add_sum(&G.ccov, &g->ccov);
    }
    if (c->cov.n) {
      add_sum(&C.cov, &c->cov), add_sum(&C.e, &c->e), add_sum(&C.e2, &c->e2);
      add_sum(&C.ci, &c->ci), add_sum(&C.c2i, &c->c2i), add_sum(&C.ccov, &c->ccov);
    }
  }
  sqlite3_stmt *st = wdb_stmt(db, sql_dm);
  if (!st) return -1;
  sqlite3_bind_int64(st, 1, r->run);
  const struct sum *v[] = {&G.cov, &G.e,   &G.e2, &G.ui,  &G.ucov, &G.mui, &G.mucov, &G.mi,  &G.m2i, &G.mcov,
                           &G.ci,  &G.c2i, &G.ccov, &C.cov, &C.e,   &C.e2,  &C.ci,     &C.c2i, &C.ccov};
  for (int j = 0; j < 19; j++) bind_sum(st, 2 + j, v[j]);
  sqlite3_bind_int64(st, 21, n_in);
  sqlite3_bind_int64(st, 22, nnull_in);
  if (lim >= 0) sqlite3_bind_double(st, 23, r->g[lim].v[G_LIMIT]);
  sqlite3_bind_int64(st, 24, measured);
  if (wdb_done(db, st)) return -1;
  st = wdb_stmt(db, sql_nn);
  if (!st) return -1;
  sqlite3_bind_int64(st, 1, r->run);
  sqlite3_bind_int64(st, 2, nnull_run);
  if (wdb_done(db, st)) return -1;

  if (!r->has_epochs || !r->dirty_default) return 0;
  spans.de = grow(spans.de, &spans.capde, ns + 1, sizeof *spans.de);
  for (size_t k = 0; k < ns; k++) {
    const struct span_sums *g = &spans.g[k], *c = &spans.c[k];
    spans.de[k] = (struct default_epoch){.epoch = r->epochs[k], .n = spans.n[k], .start_us = r->starts[k],
                                         .end_us = r->ends[k], .e = g->e.v, .cov = g->cov.v, .ri = c->e.v,
                                         .c_cov = c->cov.v, .has_g = g->cov.n > 0, .has_c = c->cov.n > 0};
  }
  return align_write_epochs(db, r->run, NULL, 0, spans.de, ns);
}

int integrate_run(struct wdb *db, const struct aligned_run *r) {
  /* The default rows first: processed_epoch's key is (run_id, profile, epoch),
   * and rows written in key order are appended to the b-tree instead of
   * splitting its pages in the middle. */
  scratch.nge = 0;
  if (gaissa(db, r) || default_profile(db, r) ||
      align_write_epochs(db, r->run, scratch.ge, scratch.nge, NULL, 0))
    return -1;
  return 0;
}

int integrate_source_file(struct wdb *db, int64_t file, const struct gpu_row *g, size_t ng,
                          const struct cpu_row *c, size_t nc) {
  /* version: the same expression as in 50_sources.sql. */
  static const char sql[] =
      "INSERT OR REPLACE INTO source_eprof_file(file_id, version, start_us, end_us, gpu_energy_j,"
      " gpu_covered_s, gpu_samples) SELECT ?1,"
      " coalesce(sha256, '') || '/' || parser_version || '/' || ingested_at, ?2, ?3, ?4, ?5, ?6"
      " FROM source_file WHERE id = ?1";
  size_t n = g ? ng : nc;
  if (!n) return 0;
  int64_t lo = INT64_MAX, hi = INT64_MIN;
  for (size_t i = 0; i < n; i++) {
    int64_t t = g ? g[i].ts : c[i].ts;
    if (t < lo) lo = t;
    if (t > hi) hi = t;
  }
  /* 50_sources.sql, eprof-gpu: the mean period of the file's rows; readings with
   * power in line order; intervals up to 5 periods, trapezoid; total() sums. */
  double energy = 0, covered = 0;
  int64_t good = 0;
  if (g) {
    double period = (double)(hi - lo) / (double)(ng > 1 ? ng - 1 : 1);
    const struct gpu_row *prev = NULL;
    for (size_t i = 0; i < ng; i++) {
      if (g[i].nullmask >> G_POWER & 1) continue;
      good++;
      if (prev) {
        int64_t dt = g[i].ts - prev->ts;
        if ((double)dt <= 5 * period) {
          energy += (g[i].v[G_POWER] + prev->v[G_POWER]) / 2 * (double)dt;
          covered += (double)dt;
        }
      }
      prev = &g[i];
    }
  }
  sqlite3_stmt *st = wdb_stmt(db, sql);
  if (!st) return -1;
  sqlite3_bind_int64(st, 1, file);
  sqlite3_bind_int64(st, 2, lo);
  sqlite3_bind_int64(st, 3, hi);
  if (good) {
    sqlite3_bind_double(st, 4, energy / 1e6);
    sqlite3_bind_double(st, 5, covered / 1e6);
    sqlite3_bind_int64(st, 6, good);
  }
  return wdb_done(db, st);
}
