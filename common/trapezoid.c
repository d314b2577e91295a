/* common/trapezoid.c: the integration engine's entry points that are not
 * inline (trapezoid.h holds the walk, trapezoid_next, which the default
 * profile's loops inline): one reading of a series without a window, and the
 * error bound. */
#include "common/trapezoid.h"

#include <math.h>

int trapezoid_add(struct trapezoid *z, double t, double p) {
  return trapezoid_next(z, NULL, t, p, 0, NULL);
}

double trapezoid_error(const struct trapezoid *z) {
  return fabs(z->energy - z->step);
}
