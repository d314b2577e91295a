/* common/wm_series.h: a wattmeter log's sockets integrated frame by frame,
 * the rule both passes over its frames follow: the ingest's, over the whole
 * log as it reads it (ingest/fmt_wattmeter.c), and the transform's, per
 * attachment window (transform/wattmeter.c), so that what the first stores is
 * what the second would compute.
 *
 * A good frame (frame_is_ok) of a bank some attachment has a socket in goes
 * to every attachment whose window [ws, we] holds its time ts + off, and its
 * readings (power not NULL) of the sockets up to the attachment's count go to
 * that socket's series: the integration engine (common/trapezoid.h) between
 * consecutive readings, an interval longer than the attachment's max_gap a
 * gap. Times keep the type SQLite gives them (wm_num: INTEGER, or REAL with a
 * REAL offset) and are added and compared as SQLite adds and compares numbers,
 * so the sums are those of the SQL this replaced, bit for bit. */
#ifndef WATTDB_WM_SERIES_H
#define WATTDB_WM_SERIES_H

#include <stddef.h>
#include <stdint.h>

#include "common/trapezoid.h"

/* A number as SQLite holds it: INTEGER or REAL. */
struct wm_num {
  int is_int;
  int64_t i;
  double r;
};

static inline double wm_num_real(struct wm_num a) { return a.is_int ? (double)a.i : a.r; }

static inline struct wm_num wm_num_int(int64_t i) { return (struct wm_num){1, i, 0}; }

/* SQLite's comparison of the integer I and the real R, exact (sqlite3IntFloatCompare):
 * <0, 0, >0 as I is below, equal to or above R. R is never NaN here. */
static inline int wm_int_real_cmp(int64_t i, double r) {
  if (r < -9223372036854775808.0) return 1;
  if (r >= 9223372036854775808.0) return -1;
  int64_t y = (int64_t)r;
  if (i < y) return -1;
  if (i > y) return 1;
  double s = (double)i;
  return (s < r) ? -1 : (s > r);
}

/* A against B as SQLite compares two numbers: <0, 0, >0. */
static inline int wm_num_cmp(struct wm_num a, struct wm_num b) {
  if (a.is_int && b.is_int) return (a.i > b.i) - (a.i < b.i);
  if (a.is_int) return wm_int_real_cmp(a.i, b.r);
  if (b.is_int) return -wm_int_real_cmp(b.i, a.r);
  return (a.r > b.r) - (a.r < b.r);
}

/* A + B, A - B as SQLite's arithmetic: integers unless one is REAL or the
 * integer result overflows, then doubles. */
static inline struct wm_num wm_num_add(struct wm_num a, struct wm_num b) {
  struct wm_num v = {1, 0, 0};
  if (a.is_int && b.is_int && !__builtin_add_overflow(a.i, b.i, &v.i)) return v;
  v.is_int = 0;
  v.r = wm_num_real(a) + wm_num_real(b);
  return v;
}

static inline struct wm_num wm_num_sub(struct wm_num a, struct wm_num b) {
  struct wm_num v = {1, 0, 0};
  if (a.is_int && b.is_int && !__builtin_sub_overflow(a.i, b.i, &v.i)) return v;
  v.is_int = 0;
  v.r = wm_num_real(a) - wm_num_real(b);
  return v;
}

/* An attachment of a file: a window of its time and how to integrate it. */
struct wm_att {
  int64_t id, sockets;
  struct wm_num ws, we, off; /* window [ws, we] in local time; the file's offset */
  double max_gap;
};

/* One socket of one attachment: the engine's series and its first and last
 * time (min and max, as SQLite orders them). */
struct wm_series {
  struct trapezoid z;
  struct wm_num first, last;
};

/* The attachments of one file and their series, series[(bank * natt + a) * 6
 * + k] for socket 6 * bank + k + 1; banks are added as the frames show them
 * (the series array grows, per file, never per frame), unless the caller
 * gives an array of maxbank banks and sets nbank to maxbank itself. With
 * track set, the longest interval bridged and the shortest not (positive or
 * not), over every series: what tells whether another gap limit would have
 * bridged the same intervals. */
struct wm_state {
  struct wm_att *att;
  size_t natt;
  struct wm_series *series;
  int64_t nbank;   /* banks allocated */
  int64_t maxbank; /* banks any attachment has a socket in */
  int track, has_bridged, has_unbridged;
  double bridged, unbridged; /* max dt bridged, min dt not */
};

/* The gap limit guessed from bank-0 frames that span SPAN over LINES lines:
 * PERIODS times their mean period per line; 0 when LINES is not positive. */
static inline double wm_guess_gap(double periods, double span, double lines) {
  return lines > 0 ? periods * span / lines : 0;
}

/* Readies S, whose att and natt are set, for the frames of one file: maxbank
 * from the attachments' socket counts, no bank started. */
void wm_state_start(struct wm_state *s);

/* Starts series [from, to) of S (their attachments' gap limits). */
void wm_series_start(struct wm_state *s, size_t from, size_t to);

/* Whether a frame of BANK, good when OK, goes to any series of S. */
static inline int wm_feeds(const struct wm_state *s, int64_t bank, int ok) {
  return ok && bank >= 0 && bank < s->maxbank;
}

/* The good frame of BANK (wm_feeds) at TS, its six sockets' readings P where
 * bit k of HAS is set, fed to the attachments of S. Frames come in line
 * order within each bank. */
void wm_feed(struct wm_state *s, int64_t bank, struct wm_num ts, const double p[6], unsigned has);

#endif
