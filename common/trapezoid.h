/* common/trapezoid.h: the integration engine every sampled series goes
 * through (the default profile's eprof GPU and CPU series, eprof GPU files,
 * wattmeter sockets, nvidia-smi, Zeus power logs, PowerJoular): readings
 * (t, p) in order, the trapezoid between consecutive ones, an interval longer
 * than the gap limit a gap (not bridged), and with the energy the time
 * covered, the longest gap and an error bound. A walk of a series reports
 * each bridged interval (trapezoid_next), which the caller splits over spans
 * of time by its share of each (trapezoid_share), and keeps what the series
 * gives one window (lo, hi]: its readings there, the time its intervals cover
 * and the longest stretch they leave, the integral over the window with an
 * interval that crosses an end split in proportion to time
 * (trapezoid_window). Pure arithmetic, shared by the ingest, which
 * integrates a wattmeter log as it reads it (common/wm_series.h), and the
 * transform, whose transform.c registers it as the SQL aggregates
 * trapezoid() and trapezoid_window().
 *
 * The arithmetic is that of the window-function SQL it replaced, operation for
 * operation: dt = t - previous t, pm = (p + previous p) / 2, energy += pm * dt
 * and covered += dt for each bridged interval, as plain double additions in
 * reading order (SQLite 3.40's total()); in a window, share × pm and share,
 * share = (min(t1, hi) - max(t0, lo)) / unit. Times are doubles: microsecond
 * times are integers below 2^53, so their differences and sums of them are
 * exact, as SQLite's integer arithmetic is. */
#ifndef WATTDB_TRAPEZOID_H
#define WATTDB_TRAPEZOID_H

#include <stddef.h>

struct trapezoid {
  double max_gap;     /* the longest interval bridged, in t's unit; NAN: none is */
  int forward_only;   /* an interval of no or negative time bridges nothing */
  long long n;        /* readings */
  double prev_t, prev_p;
  long long prev_id;  /* the caller's name of the previous reading (trapezoid_next) */
  double energy;      /* Σ pm × dt over the bridged intervals (p's unit × t's unit) */
  double covered;     /* Σ dt over them */
  double step;        /* Σ previous p × dt over them: |energy - step| bounds the error */
  double longest_gap; /* the longest interval not bridged (0: none) */
};

/* A bridged interval, from the reading (t0, p0) that the caller named id0 to
 * the reading (t1, p1) just added. */
struct trapezoid_interval {
  double t0, p0, t1, p1;
  long long id0;
};

/* What the bridged intervals of a series give the window (lo, hi]: each
 * interval's share is the time it spends inside, divided by UNIT (1e6: µs
 * times, integrals in seconds). Readings count in [lo, hi], ends included. */
struct trapezoid_window {
  double lo, hi, unit;
  long long samples;  /* readings in [lo, hi] */
  double first, last; /* the first and the last of them (unset without one) */
  long long intervals; /* bridged intervals with a positive share */
  double energy;      /* Σ share × pm over them, in reading order */
  double time;        /* Σ share over them */
  double covered;     /* the time they cover, in t's unit (Σ share × unit, exact) */
  double covered_to;  /* the end of the last covered stretch */
  double longest_gap; /* the longest stretch of [lo, hi] none covers, t's unit (after _end) */
};

/* Starts Z for a series whose intervals up to MAX_GAP are bridged. */
static inline void trapezoid_start(struct trapezoid *z, double max_gap, int forward_only) {
  *z = (struct trapezoid){.max_gap = max_gap, .forward_only = forward_only};
}

/* Adds the reading P at T (after the previous reading). Returns 1 when the
 * interval from the previous reading to it was bridged, 0 otherwise. */
int trapezoid_add(struct trapezoid *z, double t, double p);

/* The share of the interval (T0, T1] in the span (LO, HI]: the time it spends
 * there, divided by UNIT; not positive when it spends none. Every split of an
 * interval over spans or a window is this. */
static inline double trapezoid_share(double t0, double t1, double lo, double hi, double unit) {
  double a = t0 > lo ? t0 : lo, b = t1 < hi ? t1 : hi;
  return (b - a) / unit;
}

/* Starts W, the window (LO, HI] with shares in UNITs of t. */
static inline void trapezoid_window_start(struct trapezoid_window *w, double lo, double hi, double unit) {
  *w = (struct trapezoid_window){.lo = lo, .hi = hi, .unit = unit, .covered_to = lo};
}

/* The window's longest gap, closed at HI. After the last trapezoid_next. */
static inline void trapezoid_window_end(struct trapezoid_window *w) {
  if (w->hi - w->covered_to > w->longest_gap) w->longest_gap = w->hi - w->covered_to;
}

/* The walk (trapezoid_window_interval, trapezoid_next) is inline, so that the
 * default profile's loops (transform/integrate.c) keep its state in registers.
 *
 * The bridged interval (T0, T1] of mean power PM in W: what of (lo, hi] it
 * covers extends the covered time (the stretch since the last one covered is a
 * gap), and its share (trapezoid_share) weighs PM. */
static inline void trapezoid_window_interval(struct trapezoid_window *w, double t0, double t1, double pm) {
  double inside = trapezoid_share(t0, t1, w->lo, w->hi, 1); /* in t's unit */
  if (!(inside > 0)) return;
  double a = t0 > w->lo ? t0 : w->lo;
  if (a - w->covered_to > w->longest_gap) w->longest_gap = a - w->covered_to;
  w->covered += inside;
  w->covered_to = t1 < w->hi ? t1 : w->hi;
  double share = inside / w->unit; /* trapezoid_share(t0, t1, lo, hi, unit), bit for bit */
  w->intervals++;
  w->energy += share * pm;
  w->time += share;
}

/* One step of a walk: adds the reading P at T, which the caller names ID (a
 * row index, a line), and gives the window W (NULL: none) the reading and, when
 * the interval from the previous reading is bridged, that interval. Returns 1
 * for a bridged interval, then *IV (when not NULL) is it; 0 otherwise. */
static inline int trapezoid_next(struct trapezoid *z, struct trapezoid_window *w, double t, double p,
                                 long long id, struct trapezoid_interval *iv) {
  int bridged = 0;
  if (w && t >= w->lo && t <= w->hi) {
    if (!w->samples++) w->first = t;
    w->last = t;
  }
  if (z->n) {
    double dt = t - z->prev_t, pm = (p + z->prev_p) / 2;
    if (dt <= z->max_gap && (!z->forward_only || dt > 0)) { /* NAN max_gap: never */
      z->energy += pm * dt;
      z->covered += dt;
      z->step += z->prev_p * dt;
      bridged = 1;
      if (w) trapezoid_window_interval(w, z->prev_t, t, pm);
      if (iv) *iv = (struct trapezoid_interval){.t0 = z->prev_t, .p0 = z->prev_p, .t1 = t, .p1 = p, .id0 = z->prev_id};
    } else if (dt > z->longest_gap) {
      z->longest_gap = dt;
    }
  }
  z->n++;
  z->prev_t = t;
  z->prev_p = p;
  z->prev_id = id;
  return bridged;
}

/* |energy - step|: how far the trapezoid is from holding each reading until
 * the next one, a bound on the error of either for a power that changes
 * monotonically between readings. */
double trapezoid_error(const struct trapezoid *z);

#endif
