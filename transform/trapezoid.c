/* transform/trapezoid.c: the integration engine (trapezoid.h). */
#include "transform/trapezoid.h"

#include <math.h>

void trapezoid_start(struct trapezoid *z, double max_gap, int forward_only) {
  *z = (struct trapezoid){.max_gap = max_gap, .forward_only = forward_only};
}

int trapezoid_add(struct trapezoid *z, double t, double p) {
  int bridged = 0;
  if (z->n) {
    double dt = t - z->prev_t, pm = (p + z->prev_p) / 2;
    if (dt <= z->max_gap && (!z->forward_only || dt > 0)) { /* NAN max_gap: never */
      z->energy += pm * dt;
      z->covered += dt;
      z->step += z->prev_p * dt;
      bridged = 1;
    } else if (dt > z->longest_gap) {
      z->longest_gap = dt;
    }
  }
  z->n++;
  z->prev_t = t;
  z->prev_p = p;
  return bridged;
}

double trapezoid_error(const struct trapezoid *z) {
  return fabs(z->energy - z->step);
}
