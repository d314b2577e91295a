/* transform/trapezoid.h: the integration engine every sampled series goes
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
 * (trapezoid_window). Pure arithmetic; transform.c registers it as the SQL
 * aggregates trapezoid() and trapezoid_window().
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
void trapezoid_start(struct trapezoid *z, double max_gap, int forward_only);

/* Adds the reading P at T (after the previous reading). Returns 1 when the
 * interval from the previous reading to it was bridged, 0 otherwise. */
int trapezoid_add(struct trapezoid *z, double t, double p);

/* One step of a walk: adds the reading P at T, which the caller names ID (a
 * row index, a line), and gives the window W (NULL: none) the reading and, when
 * the interval from the previous reading is bridged, that interval. Returns 1
 * for a bridged interval, then *IV (when not NULL) is it; 0 otherwise. */
int trapezoid_next(struct trapezoid *z, struct trapezoid_window *w, double t, double p, long long id,
                   struct trapezoid_interval *iv);

/* The share of the interval (T0, T1] in the span (LO, HI]: the time it spends
 * there, divided by UNIT; not positive when it spends none. Every split of an
 * interval over spans or a window is this. */
static inline double trapezoid_share(double t0, double t1, double lo, double hi, double unit) {
  double a = t0 > lo ? t0 : lo, b = t1 < hi ? t1 : hi;
  return (b - a) / unit;
}

/* Starts W, the window (LO, HI] with shares in UNITs of t. */
void trapezoid_window_start(struct trapezoid_window *w, double lo, double hi, double unit);

/* The window's longest gap, closed at HI. After the last trapezoid_next. */
void trapezoid_window_end(struct trapezoid_window *w);

/* |energy - step|: how far the trapezoid is from holding each reading until
 * the next one, a bound on the error of either for a power that changes
 * monotonically between readings. */
double trapezoid_error(const struct trapezoid *z);

#endif
