/* transform/wattmeter.c: the two passes of 50_sources.sql over a wattmeter
 * log's rows (wattmeter_frame), in C: SQL functions that 50_sources.sql calls
 * with SELECT, each stepping one plain prepared SELECT of the columns it needs
 * in primary-key order and writing its few result rows to a temp table the SQL
 * then reads.
 *
 *   wm_scan()       per file: the first and last time of its frames (its span)
 *                   and the mean frame period of bank 0, into temp.src_wm_file;
 *   wm_integrate()  per attachment (temp.src_wm_att) and socket: the trapezoid
 *                   over the good frames inside the attachment's window, through
 *                   the integration engine (trapezoid.h), into temp.src_wm_sum.
 *
 * A day's log is 8.6 M frames: as SQL (GROUP BY over the frames, an aggregate
 * fed per row) each row cost tens of interpreted opcodes; here it costs one
 * sqlite3_step and the reads of its columns. The values are those of the SQL
 * they replace, bit for bit: times keep the type SQLite gives them (INTEGER, or
 * REAL with a REAL offset), are added, compared and ordered as SQLite adds,
 * compares and orders numbers, and the integration is the engine's. Memory: a
 * file's attachments x banks x 6 series, allocated per file, never per row. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/msg.h"
#include "schema/db.h"
#include "schema/model.h"
#include "transform/trapezoid.h"
#include "transform/wattmeter.h"

/* A number as SQLite holds it: INTEGER or REAL. */
struct wm_num {
  int is_int;
  sqlite3_int64 i;
  double r;
};

static double num_real(struct wm_num a) { return a.is_int ? (double)a.i : a.r; }

/* The value V as a number (NULL and text as sqlite3_value_double reads them;
 * the columns read are numbers). */
static struct wm_num num_value(sqlite3_value *v) {
  struct wm_num n = {0, 0, 0};
  if (sqlite3_value_type(v) == SQLITE_INTEGER) n.is_int = 1, n.i = sqlite3_value_int64(v);
  else n.r = sqlite3_value_double(v);
  return n;
}

/* Column COL of ST as a number. (One sqlite3_column_value and the value's
 * accessors: each sqlite3_column_* call takes the connection's mutex.) */
static struct wm_num num_column(sqlite3_stmt *st, int col) { return num_value(sqlite3_column_value(st, col)); }

static void num_bind(sqlite3_stmt *st, int k, struct wm_num v) {
  if (v.is_int) sqlite3_bind_int64(st, k, v.i);
  else sqlite3_bind_double(st, k, v.r);
}

/* SQLite's comparison of the integer I and the real R, exact (sqlite3IntFloatCompare):
 * <0, 0, >0 as I is below, equal to or above R. R is never NaN here. */
static int int_real_cmp(sqlite3_int64 i, double r) {
  if (r < -9223372036854775808.0) return 1;
  if (r >= 9223372036854775808.0) return -1;
  sqlite3_int64 y = (sqlite3_int64)r;
  if (i < y) return -1;
  if (i > y) return 1;
  double s = (double)i;
  return (s < r) ? -1 : (s > r);
}

/* A against B as SQLite compares two numbers: <0, 0, >0. */
static inline int num_cmp(struct wm_num a, struct wm_num b) {
  if (a.is_int && b.is_int) return (a.i > b.i) - (a.i < b.i);
  if (a.is_int) return int_real_cmp(a.i, b.r);
  if (b.is_int) return -int_real_cmp(b.i, a.r);
  return (a.r > b.r) - (a.r < b.r);
}

/* A + B, A - B as SQLite's arithmetic: integers unless one is REAL or the
 * integer result overflows, then doubles. */
static inline struct wm_num num_add(struct wm_num a, struct wm_num b) {
  struct wm_num v = {1, 0, 0};
  if (a.is_int && b.is_int && !__builtin_add_overflow(a.i, b.i, &v.i)) return v;
  v.is_int = 0;
  v.r = num_real(a) + num_real(b);
  return v;
}

static struct wm_num num_sub(struct wm_num a, struct wm_num b) {
  struct wm_num v = {1, 0, 0};
  if (a.is_int && b.is_int && !__builtin_sub_overflow(a.i, b.i, &v.i)) return v;
  v.is_int = 0;
  v.r = num_real(a) - num_real(b);
  return v;
}

/* Reports the database error of DB (or WHAT when it has none) as the
 * function's error. */
static void fail(sqlite3_context *ctx, struct wdb *db, const char *what) {
  char buf[512];
  snprintf(buf, sizeof buf, "%s: %s", what, sqlite3_errmsg(db->sql));
  sqlite3_result_error(ctx, buf, -1);
}

/* --- wm_scan() --- */

/* One file's frames so far. */
struct wm_file {
  sqlite3_int64 id;
  long long rows, rows0;  /* frames, frames of bank 0 */
  struct wm_num lo, hi;   /* min(ts_us), max(ts_us) of the frames */
  struct wm_num lo0, hi0; /* the same over bank 0 */
};

/* Writes F's row of temp.src_wm_file: lo, hi, and the period of
 *   CAST(max(ts_us) - min(ts_us) AS REAL) / max(count(*) - 1, 1)
 * over its bank-0 frames (NULL without one). 0 or -1. */
static int scan_flush(struct wdb *db, const struct wm_file *f) {
  static const char q_put[] = "INSERT INTO temp.src_wm_file (file_id, lo, hi, period_us) VALUES (?, ?, ?, ?)";
  sqlite3_stmt *put = wdb_stmt(db, q_put);
  if (!put) return -1;
  sqlite3_bind_int64(put, 1, f->id);
  num_bind(put, 2, f->lo);
  num_bind(put, 3, f->hi);
  if (f->rows0) {
    long long n = f->rows0 - 1 > 1 ? f->rows0 - 1 : 1;
    sqlite3_bind_double(put, 4, num_real(num_sub(f->hi0, f->lo0)) / (double)n);
  }
  int rc = sqlite3_step(put);
  sqlite3_reset(put);
  return rc == SQLITE_DONE ? 0 : -1;
}

/* wm_scan(): fills temp.src_wm_file (created by 50_sources.sql, empty) with a
 * row per file of wattmeter_frame: lo and hi, the min(ts_us) and max(ts_us) of
 * its frames, and period_us, the mean frame period of its bank 0 (NULL when it
 * has no bank-0 frame): what two GROUP BY file_id over the table gave, in one
 * pass over it in key order. Returns the number of files. */
static void wm_scan(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  (void)argc, (void)argv;
  struct wdb *db = sqlite3_user_data(ctx);
  static const char q_rows[] = "SELECT file_id, bank, ts_us FROM wattmeter_frame ORDER BY file_id, line, bank";
  sqlite3_stmt *st = wdb_stmt(db, q_rows);
  if (!st) {
    fail(ctx, db, "wm_scan");
    return;
  }
  struct wm_file f = {0};
  sqlite3_int64 files = 0;
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    sqlite3_int64 id = sqlite3_column_int64(st, 0);
    if (!f.rows || id != f.id) {
      if (f.rows && scan_flush(db, &f)) break;
      f = (struct wm_file){.id = id};
      files++;
    }
    struct wm_num t = num_column(st, 2);
    if (!f.rows || num_cmp(t, f.lo) < 0) f.lo = t;
    if (!f.rows || num_cmp(t, f.hi) > 0) f.hi = t;
    f.rows++;
    if (sqlite3_value_double(sqlite3_column_value(st, 1)) == 0.0) { /* bank = 0 */
      if (!f.rows0 || num_cmp(t, f.lo0) < 0) f.lo0 = t;
      if (!f.rows0 || num_cmp(t, f.hi0) > 0) f.hi0 = t;
      f.rows0++;
    }
  }
  if (rc == SQLITE_DONE && f.rows && scan_flush(db, &f)) rc = SQLITE_ERROR;
  if (rc != SQLITE_DONE) {
    fail(ctx, db, "wm_scan");
    sqlite3_reset(st);
    return;
  }
  sqlite3_reset(st);
  sqlite3_result_int64(ctx, files);
}

/* --- wm_integrate() --- */

/* An attachment of a file (a row of temp.src_wm_att). */
struct wm_att {
  sqlite3_int64 id, sockets;
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
 * + k] for socket 6 * bank + k + 1; banks are added as the frames show them. */
struct wm_state {
  struct wm_att *att;
  size_t natt, catt;
  struct wm_series *series;
  sqlite3_int64 nbank; /* banks allocated */
  sqlite3_int64 maxbank; /* banks any attachment has a socket in */
};

/* Makes room in S for bank B (< S->maxbank), starting the new series. */
static void add_banks(struct wm_state *s, sqlite3_int64 b) {
  size_t per = s->natt * 6, from = (size_t)s->nbank * per, to = (size_t)(b + 1) * per;
  s->series = xrealloc(s->series, (unsigned long)(to * sizeof *s->series));
  for (size_t j = from; j < to; j++) {
    const struct wm_att *a = &s->att[(j / 6) % s->natt];
    s->series[j] = (struct wm_series){0};
    trapezoid_start(&s->series[j].z, a->max_gap, 0);
  }
  s->nbank = b + 1;
}

/* Integrates the frames of FILE for the attachments in S: one pass over its
 * rows in key order (lines in order within each bank), the good frames (ok)
 * whose time ts_us + off lies in an attachment's [ws, we] fed to the series of
 * its sockets that have a reading (power not NULL), up to the attachment's
 * socket count. Then writes a row of temp.src_wm_sum per series with a
 * reading. 0 or -1 (a database error). */
static int integrate_file(struct wdb *db, sqlite3_int64 file, struct wm_state *s) {
  static const char q_rows[] =
      "SELECT bank, ts_us, ok, p1_w, p2_w, p3_w, p4_w, p5_w, p6_w FROM wattmeter_frame"
      " WHERE file_id = ? ORDER BY line, bank";
  static const char q_put[] =
      "INSERT INTO temp.src_wm_sum (id, bank, k, energy, covered, samples, first_us, last_us)"
      " VALUES (?, ?, ?, ?, ?, ?, ?, ?)";
  sqlite3_int64 maxs = 0;
  for (size_t a = 0; a < s->natt; a++)
    if (s->att[a].sockets > maxs) maxs = s->att[a].sockets;
  s->maxbank = maxs / 6 + (maxs % 6 != 0); /* the banks with socket 6 * bank + 1 <= sockets */
  s->nbank = 0;
  sqlite3_stmt *st = wdb_stmt(db, q_rows);
  if (!st) return -1;
  sqlite3_bind_int64(st, 1, file);
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    sqlite3_int64 b = sqlite3_value_int64(sqlite3_column_value(st, 0));
    if (b < 0 || b >= s->maxbank || sqlite3_value_double(sqlite3_column_value(st, 2)) == 0.0)
      continue; /* not ok */
    if (b >= s->nbank) add_banks(s, b);
    struct wm_num ts = num_column(st, 1);
    double p[6];
    int has[6];
    for (int k = 0; k < 6; k++) {
      sqlite3_value *v = sqlite3_column_value(st, 3 + k);
      has[k] = sqlite3_value_type(v) != SQLITE_NULL;
      p[k] = has[k] ? sqlite3_value_double(v) : 0;
    }
    for (size_t a = 0; a < s->natt; a++) {
      const struct wm_att *at = &s->att[a];
      struct wm_num t = num_add(ts, at->off);
      if (num_cmp(t, at->ws) < 0 || num_cmp(t, at->we) > 0) continue;
      double tr = num_real(t);
      struct wm_series *x = &s->series[((size_t)b * s->natt + a) * 6];
      for (int k = 0; k < 6; k++) {
        if (!has[k] || 6 * b + k + 1 > at->sockets) continue;
        if (!x[k].z.n) x[k].first = x[k].last = t;
        else if (num_cmp(t, x[k].last) > 0) x[k].last = t; /* the usual case: time goes on */
        else if (num_cmp(t, x[k].first) < 0) x[k].first = t;
        trapezoid_next(&x[k].z, NULL, tr, p[k], 0, NULL); /* trapezoid_add, inline */
      }
    }
  }
  sqlite3_reset(st);
  if (rc != SQLITE_DONE) return -1;
  sqlite3_stmt *put = wdb_stmt(db, q_put);
  if (!put) return -1;
  for (sqlite3_int64 b = 0; b < s->nbank; b++)
    for (size_t a = 0; a < s->natt; a++)
      for (int k = 0; k < 6; k++) {
        const struct wm_series *x = &s->series[((size_t)b * s->natt + a) * 6 + (size_t)k];
        if (!x->z.n) continue;
        sqlite3_bind_int64(put, 1, s->att[a].id);
        sqlite3_bind_int64(put, 2, b);
        sqlite3_bind_int(put, 3, k + 1);
        sqlite3_bind_double(put, 4, x->z.energy);
        sqlite3_bind_double(put, 5, x->z.covered);
        sqlite3_bind_int64(put, 6, x->z.n);
        num_bind(put, 7, x->first);
        num_bind(put, 8, x->last);
        rc = sqlite3_step(put);
        sqlite3_reset(put);
        if (rc != SQLITE_DONE) return -1;
      }
  return 0;
}

/* wm_integrate(): fills temp.src_wm_sum (created by 50_sources.sql, empty)
 * from the attachments in temp.src_wm_att: per attachment id, bank and socket
 * k (1-6, socket 6 * bank + k) with a reading, the trapezoid energy and
 * covered time (the engine's sums, p's unit x µs and µs), the readings, and
 * the first and last time counted. An interval longer than MODEL_GAP_PERIODS
 * x period_us is a gap, not bridged. Returns the number of attachments. */
static void wm_integrate(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  (void)argc, (void)argv;
  struct wdb *db = sqlite3_user_data(ctx);
  static const char q_att[] =
      "SELECT id, file_id, ws, we, sockets, period_us, off_us FROM temp.src_wm_att ORDER BY file_id, id";
  /* the statement's rows are all read before any file is integrated: the
   * integration prepares statements of its own */
  sqlite3_stmt *st = wdb_stmt(db, q_att);
  if (!st) {
    fail(ctx, db, "wm_integrate");
    return;
  }
  struct wm_state s = {0};
  sqlite3_int64 *files = NULL; /* the file of each attachment */
  size_t cfiles = 0;
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    if (s.natt == s.catt) {
      s.catt = s.catt ? 2 * s.catt : 16;
      s.att = xrealloc(s.att, (unsigned long)(s.catt * sizeof *s.att));
    }
    if (s.natt == cfiles) {
      cfiles = s.catt;
      files = xrealloc(files, (unsigned long)(cfiles * sizeof *files));
    }
    files[s.natt] = sqlite3_column_int64(st, 1);
    s.att[s.natt++] = (struct wm_att){.id = sqlite3_column_int64(st, 0),
                                      .ws = num_column(st, 2),
                                      .we = num_column(st, 3),
                                      .sockets = sqlite3_column_int64(st, 4),
                                      .max_gap = MODEL_GAP_PERIODS * sqlite3_column_double(st, 5),
                                      .off = num_column(st, 6)};
  }
  sqlite3_reset(st);
  size_t all = s.natt;
  struct wm_att *att = s.att;
  int err = rc != SQLITE_DONE;
  /* one file's attachments at a time: they are consecutive */
  for (size_t i = 0; !err && i < all;) {
    size_t j = i;
    while (j < all && files[j] == files[i]) j++;
    s.att = att + i;
    s.natt = j - i;
    err = integrate_file(db, files[i], &s);
    i = j;
  }
  free(att);
  free(files);
  free(s.series);
  if (err) {
    fail(ctx, db, "wm_integrate");
    return;
  }
  sqlite3_result_int64(ctx, (sqlite3_int64)all);
}

int wattmeter_register_functions(struct wdb *db) {
  if (sqlite3_create_function(db->sql, "wm_scan", 0, SQLITE_UTF8 | SQLITE_DIRECTONLY, db, wm_scan, NULL,
                              NULL) != SQLITE_OK ||
      sqlite3_create_function(db->sql, "wm_integrate", 0, SQLITE_UTF8 | SQLITE_DIRECTONLY, db, wm_integrate,
                              NULL, NULL) != SQLITE_OK) {
    msg("%s: %s", db->path, sqlite3_errmsg(db->sql));
    return -1;
  }
  return 0;
}
