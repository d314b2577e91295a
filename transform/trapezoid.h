/* transform/trapezoid.h: the integration engine every sampled power series
 * goes through (eprof GPU files, wattmeter sockets, nvidia-smi, Zeus power
 * logs, PowerJoular): readings (t, p) in order, the trapezoid between
 * consecutive ones, an interval longer than the gap limit a gap (not bridged),
 * and with the energy the time covered, the longest gap and an error bound.
 * Pure arithmetic; transform.c registers it as the SQL aggregate trapezoid().
 *
 * The arithmetic is that of the window-function SQL it replaced, operation for
 * operation: dt = t - previous t, pm = (p + previous p) / 2, energy += pm * dt
 * and covered += dt for each bridged interval, as plain double additions in
 * reading order (SQLite 3.40's total()). Times are doubles: microsecond times
 * are integers below 2^53, so their differences are exact, as SQLite's integer
 * subtraction is. */
#ifndef WATTDB_TRAPEZOID_H
#define WATTDB_TRAPEZOID_H

struct trapezoid {
  double max_gap;     /* the longest interval bridged, in t's unit; NAN: none is */
  int forward_only;   /* an interval of no or negative time bridges nothing */
  long long n;        /* readings */
  double prev_t, prev_p;
  double energy;      /* Σ pm × dt over the bridged intervals (p's unit × t's unit) */
  double covered;     /* Σ dt over them */
  double step;        /* Σ previous p × dt over them: |energy - step| bounds the error */
  double longest_gap; /* the longest interval not bridged (0: none) */
};

/* Starts Z for a series whose intervals up to MAX_GAP are bridged. */
void trapezoid_start(struct trapezoid *z, double max_gap, int forward_only);

/* Adds the reading P at T (after the previous reading). Returns 1 when the
 * interval from the previous reading to it was bridged, 0 otherwise. */
int trapezoid_add(struct trapezoid *z, double t, double p);

/* |energy - step|: how far the trapezoid is from holding each reading until
 * the next one, a bound on the error of either for a power that changes
 * monotonically between readings. */
double trapezoid_error(const struct trapezoid *z);

#endif
