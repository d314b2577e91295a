/* transform/trapezoid.c: the integration engine (trapezoid.h): the gap rule,
 * the trapezoid of each bridged interval, and what a series gives a window
 * (its readings there, the time covered, the longest gap, the integral with
 * the intervals that cross an end split by their share). */
#include "transform/trapezoid.h"

#include <math.h>
#include <stddef.h>

void trapezoid_start(struct trapezoid *z, double max_gap, int forward_only) {
  *z = (struct trapezoid){.max_gap = max_gap, .forward_only = forward_only};
}

void trapezoid_window_start(struct trapezoid_window *w, double lo, double hi, double unit) {
  *w = (struct trapezoid_window){.lo = lo, .hi = hi, .unit = unit, .covered_to = lo};
}

/* The bridged interval (T0, T1] of mean power PM in W: what of (lo, hi] it
 * covers extends the covered time (the stretch since the last one covered is a
 * gap), and its share (trapezoid_share) weighs PM. */
static void window_interval(struct trapezoid_window *w, double t0, double t1, double pm) {
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

int trapezoid_next(struct trapezoid *z, struct trapezoid_window *w, double t, double p, long long id,
                   struct trapezoid_interval *iv) {
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
      if (w) window_interval(w, z->prev_t, t, pm);
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

int trapezoid_add(struct trapezoid *z, double t, double p) {
  return trapezoid_next(z, NULL, t, p, 0, NULL);
}

void trapezoid_window_end(struct trapezoid_window *w) {
  if (w->hi - w->covered_to > w->longest_gap) w->longest_gap = w->hi - w->covered_to;
}

double trapezoid_error(const struct trapezoid *z) {
  return fabs(z->energy - z->step);
}
