/* transform/wattmeter.c: the two passes of 50_sources.sql over a wattmeter
 * log's rows (wattmeter_frame), in C: SQL functions that 50_sources.sql calls
 * with SELECT, each stepping one plain prepared SELECT of the columns it needs
 * in primary-key order and writing its few result rows to a temp table the SQL
 * then reads.
 *
 *   wm_scan()       per file: the first and last time of its frames (its span)
 *                   and the mean frame period of bank 0, into temp.src_wm_file;
 *                   a file whose attachments cannot depend on its span (in a
 *                   run's folder, or no run to overlap) is integrated too, with
 *                   a guessed gap limit, into temp.src_wm_spec. Both come from
 *                   what the ingest stored of the log (wattmeter_file's span,
 *                   wattmeter_series: schema/024_wattmeter_series.sql) where
 *                   it holds, else from a pass over its frames, the limit
 *                   guessed from its first and last frames;
 *   wm_integrate()  per attachment (temp.src_wm_att) and socket: the trapezoid
 *                   over the good frames inside the attachment's window, through
 *                   the integration engine (common/wm_series.h), into
 *                   temp.src_wm_sum: the rows integrated ahead when the guessed
 *                   limit bridged exactly the intervals the file's limit
 *                   bridges, else from a pass over the file's rows.
 *
 * A day's log is 8.6 M frames: as SQL (GROUP BY over the frames, an aggregate
 * fed per row) each row cost tens of interpreted opcodes; here it costs one
 * sqlite3_step and the reads of its columns, and nothing where the ingest's
 * series hold. The values are those of the SQL they replace, bit for bit:
 * times keep the type SQLite gives them (INTEGER, or REAL with a REAL offset),
 * are added, compared and ordered as SQLite adds, compares and orders numbers,
 * and the integration is the engine's. Memory: a file's attachments x banks x
 * 6 series, allocated per file, never per row. A lone log (a session) or one
 * in a run's folder is read at most once, any other at most twice. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/msg.h"
#include "schema/db.h"
#include "schema/model.h"
#include "common/wm_series.h"
#include "transform/wattmeter.h"

/* The value V as a number (NULL and text as sqlite3_value_double reads them;
 * the columns read are numbers). */
static struct wm_num num_value(sqlite3_value *v) {
  if (sqlite3_value_type(v) == SQLITE_INTEGER) return wm_num_int(sqlite3_value_int64(v));
  return (struct wm_num){0, 0, sqlite3_value_double(v)};
}

/* Column COL of ST as a number. (One sqlite3_column_value and the value's
 * accessors: each sqlite3_column_* call takes the connection's mutex.) */
static struct wm_num num_column(sqlite3_stmt *st, int col) { return num_value(sqlite3_column_value(st, col)); }

static void num_bind(sqlite3_stmt *st, int k, struct wm_num v) {
  if (v.is_int) sqlite3_bind_int64(st, k, v.i);
  else sqlite3_bind_double(st, k, v.r);
}

/* Reports the database error of DB (or WHAT when it has none) as the
 * function's error. */
static void fail(sqlite3_context *ctx, struct wdb *db, const char *what) {
  char buf[512];
  snprintf(buf, sizeof buf, "%s: %s", what, sqlite3_errmsg(db->sql));
  sqlite3_result_error(ctx, buf, -1);
}

/* The row of q_frames that ST is on, fed to the attachments of S: a good
 * frame (ok) whose time ts_us + off lies in an attachment's [ws, we] goes to
 * the series of its sockets that have a reading (power not NULL), up to the
 * attachment's socket count. Rows come in key order: lines in order within
 * each bank. */
static const char q_frames[] =
    "SELECT bank, ts_us, ok, p1_w, p2_w, p3_w, p4_w, p5_w, p6_w FROM wattmeter_frame"
    " WHERE file_id = ? ORDER BY line, bank";

static void feed_frame(struct wm_state *s, sqlite3_stmt *st) {
  sqlite3_int64 b = sqlite3_value_int64(sqlite3_column_value(st, 0));
  if (!wm_feeds(s, b, sqlite3_value_double(sqlite3_column_value(st, 2)) != 0.0)) return;
  double p[6];
  unsigned has = 0;
  for (int k = 0; k < 6; k++) {
    sqlite3_value *v = sqlite3_column_value(st, 3 + k);
    int set = sqlite3_value_type(v) != SQLITE_NULL;
    p[k] = set ? sqlite3_value_double(v) : 0;
    has |= (unsigned)set << k;
  }
  wm_feed(s, b, num_column(st, 1), p, has);
}

/* Steps PUT, an INSERT of (id, bank, k, energy, covered, samples, first,
 * last), once per series of S with a reading; id is *FILE, or the series'
 * attachment's id when FILE is NULL. 0 or -1. */
static int put_series(sqlite3_stmt *put, const struct wm_state *s, const sqlite3_int64 *file) {
  for (sqlite3_int64 b = 0; b < s->nbank; b++)
    for (size_t a = 0; a < s->natt; a++)
      for (int k = 0; k < 6; k++) {
        const struct wm_series *x = &s->series[((size_t)b * s->natt + a) * 6 + (size_t)k];
        if (!x->z.n) continue;
        sqlite3_bind_int64(put, 1, file ? *file : s->att[a].id);
        sqlite3_bind_int64(put, 2, b);
        sqlite3_bind_int(put, 3, k + 1);
        sqlite3_bind_double(put, 4, x->z.energy);
        sqlite3_bind_double(put, 5, x->z.covered);
        sqlite3_bind_int64(put, 6, x->z.n);
        num_bind(put, 7, x->first);
        num_bind(put, 8, x->last);
        int rc = sqlite3_step(put);
        sqlite3_reset(put);
        if (rc != SQLITE_DONE) return -1;
      }
  return 0;
}

/* --- wm_scan() --- */

/* One file's frames so far. */
struct wm_file {
  sqlite3_int64 id;
  long long rows, rows0;  /* frames, frames of bank 0 */
  struct wm_num lo, hi;   /* min(ts_us), max(ts_us) of the frames */
  struct wm_num lo0, hi0; /* the same over bank 0 */
};

/* Writes F's row of temp.src_wm_file: lo, hi, the period of
 *   CAST(max(ts_us) - min(ts_us) AS REAL) / max(count(*) - 1, 1)
 * over its bank-0 frames (NULL without one), and with SPEC (NULL: none) what
 * the integration ahead gives to check its gap limit. 0 or -1. */
static int scan_flush(struct wdb *db, const struct wm_file *f, const struct wm_state *spec) {
  static const char q_put[] = "INSERT INTO temp.src_wm_file (file_id, lo, hi, period_us, spec_gap,"
                              " spec_bridged, spec_unbridged) VALUES (?, ?, ?, ?, ?, ?, ?)";
  sqlite3_stmt *put = wdb_stmt(db, q_put);
  if (!put) return -1;
  sqlite3_bind_int64(put, 1, f->id);
  num_bind(put, 2, f->lo);
  num_bind(put, 3, f->hi);
  if (f->rows0) {
    long long n = f->rows0 - 1 > 1 ? f->rows0 - 1 : 1;
    sqlite3_bind_double(put, 4, wm_num_real(wm_num_sub(f->hi0, f->lo0)) / (double)n);
  }
  if (spec) {
    sqlite3_bind_double(put, 5, spec->att[0].max_gap);
    if (spec->has_bridged) sqlite3_bind_double(put, 6, spec->bridged);
    if (spec->has_unbridged) sqlite3_bind_double(put, 7, spec->unbridged);
  }
  int rc = sqlite3_step(put);
  sqlite3_reset(put);
  return rc == SQLITE_DONE ? 0 : -1;
}

/* Whether file FILE's frames are integrated ahead, in the pass that finds its
 * span, into *SPEC (its one attachment set): when its attachments will not
 * depend on that span, since it lies in a run's folder or there is no run to
 * overlap: then it has one, of the whole time (folder or session). The gap
 * limit is a guess, from its first and last bank-0 frames and their lines;
 * wm_integrate() uses the result when that limit bridges the same intervals
 * as the file's (mean period), else integrates again. 1, 0, or -1 (error). */
static int scan_speculate(struct wdb *db, sqlite3_int64 file, struct wm_att *spec) {
  static const char q_setup[] =
      "SELECT (SELECT sockets FROM wattmeter_file WHERE file_id = ?1),"
      " (SELECT us FROM source_file_offset WHERE file_id = ?1),"
      " coalesce((SELECT run_id IS NOT NULL FROM source_file WHERE id = ?1), 0)"
      "   OR NOT EXISTS (SELECT 1 FROM source_run_span),"
      " (SELECT line FROM wattmeter_frame WHERE file_id = ?1 AND bank = 0 ORDER BY line LIMIT 1),"
      " (SELECT ts_us FROM wattmeter_frame WHERE file_id = ?1 AND bank = 0 ORDER BY line LIMIT 1),"
      " (SELECT line FROM wattmeter_frame WHERE file_id = ?1 AND bank = 0 ORDER BY line DESC LIMIT 1),"
      " (SELECT ts_us FROM wattmeter_frame WHERE file_id = ?1 AND bank = 0 ORDER BY line DESC LIMIT 1)";
  sqlite3_stmt *st = wdb_stmt(db, q_setup);
  if (!st) return -1;
  sqlite3_bind_int64(st, 1, file);
  int rc = sqlite3_step(st), yes = 0;
  if (rc == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL && sqlite3_column_type(st, 1) != SQLITE_NULL &&
      sqlite3_column_int(st, 2) && sqlite3_column_type(st, 3) != SQLITE_NULL) {
    double lines = (double)(sqlite3_column_int64(st, 5) - sqlite3_column_int64(st, 3));
    double span = sqlite3_column_double(st, 6) - sqlite3_column_double(st, 4);
    *spec = (struct wm_att){.id = 0,
                            .sockets = sqlite3_column_int64(st, 0),
                            .off = num_column(st, 1),
                            .ws = {1, -9223372036854775807LL, 0},
                            .we = {1, 9223372036854775807LL, 0},
                            .max_gap = wm_guess_gap(MODEL_GAP_PERIODS, span, lines)};
    yes = 1;
  }
  sqlite3_reset(st);
  return rc == SQLITE_ROW ? yes : -1;
}

/* Whether every time of a file whose frames span [FIRST, LAST] µs, moved by
 * OFF, stays an integer a double holds exactly (below 2^53), so that each
 * interval between two of its times is the same difference of integers with
 * the offset as without it. */
static int shift_is_exact(struct wm_num off, sqlite3_int64 first, sqlite3_int64 last) {
  const sqlite3_int64 exact = 9007199254740992LL; /* 2^53 */
  sqlite3_int64 o;
  if (off.is_int) o = off.i;
  else if (off.r > -9007199254740992.0 && off.r < 9007199254740992.0 && off.r == (double)(sqlite3_int64)off.r)
    o = (sqlite3_int64)off.r;
  else
    return 0;
  if (o <= -exact || o >= exact || first <= -exact || last >= exact || first > last) return 0;
  return first + o > -exact && last + o < exact;
}

/* Whether the span of file FILE (into *F) and, for AT (the file's one
 * attachment of the whole time when it is integrated ahead; NULL otherwise),
 * its series come from what the ingest stored of the log
 * (schema/024_wattmeter_series.sql) instead of a pass over its frames: the
 * series of its sockets up to AT's count into temp.src_wm_spec, their times
 * moved by AT's offset, and the limit and intervals they were integrated
 * with into *SPEC. The series are the pass's own (common/wm_series.h) when
 * the offset moves no time off the integers a double holds (shift_is_exact):
 * every interval is then the same. 1; 0 when the file has none stored (an
 * earlier schema's) or the offset does not allow them: the pass reads the
 * frames; -1 (error). */
static int scan_stored(struct wdb *db, sqlite3_int64 file, const struct wm_att *at, struct wm_file *f,
                       struct wm_state *spec) {
  static const char q_span[] =
      "SELECT first_us, last_us, bank0_frames, bank0_first_us, bank0_last_us, gap_us, bridged_us, unbridged_us"
      " FROM wattmeter_file WHERE file_id = ? AND first_us IS NOT NULL";
  static const char q_copy[] =
      "INSERT INTO temp.src_wm_spec (file_id, bank, k, energy, covered, samples, first_us, last_us)"
      " SELECT file_id, bank, k, energy_wus, covered_us, samples, first_us + ?2, last_us + ?2"
      " FROM wattmeter_series WHERE file_id = ?1 AND 6 * bank + k <= ?3 ORDER BY bank, k";
  sqlite3_stmt *st = wdb_stmt(db, q_span);
  if (!st) return -1;
  sqlite3_bind_int64(st, 1, file);
  int rc = sqlite3_step(st), use = 0;
  if (rc == SQLITE_ROW) {
    *f = (struct wm_file){.id = file,
                          .rows = 1,
                          .lo = wm_num_int(sqlite3_column_int64(st, 0)),
                          .hi = wm_num_int(sqlite3_column_int64(st, 1)),
                          .rows0 = sqlite3_column_int64(st, 2),
                          .lo0 = wm_num_int(sqlite3_column_int64(st, 3)),
                          .hi0 = wm_num_int(sqlite3_column_int64(st, 4))};
    use = !at || shift_is_exact(at->off, f->lo.i, f->hi.i);
    if (use && at) {
      spec->att[0].max_gap = sqlite3_column_double(st, 5);
      spec->has_bridged = sqlite3_column_type(st, 6) != SQLITE_NULL;
      spec->bridged = sqlite3_column_double(st, 6);
      spec->has_unbridged = sqlite3_column_type(st, 7) != SQLITE_NULL;
      spec->unbridged = sqlite3_column_double(st, 7);
    }
  }
  sqlite3_reset(st);
  if (rc != SQLITE_ROW) return rc == SQLITE_DONE ? 0 : -1;
  if (!use || !at) return use;
  if (!(st = wdb_stmt(db, q_copy))) return -1;
  sqlite3_bind_int64(st, 1, file);
  num_bind(st, 2, at->off);
  sqlite3_bind_int64(st, 3, at->sockets);
  rc = sqlite3_step(st);
  sqlite3_reset(st);
  return rc == SQLITE_DONE ? 1 : -1;
}

/* wm_scan(): fills temp.src_wm_file (created by 50_sources.sql, empty) with a
 * row per file of wattmeter_frame: lo and hi, the min(ts_us) and max(ts_us) of
 * its frames, and period_us, the mean frame period of its bank 0 (NULL when it
 * has no bank-0 frame): what two GROUP BY file_id over the table gave, in one
 * pass over each file's rows in key order. A file whose attachments do not
 * depend on its span (scan_speculate) is integrated in the same pass, into
 * temp.src_wm_spec (file, bank, k, and the sums of src_wm_sum), its guessed
 * gap limit and the intervals that tell whether it holds into spec_gap,
 * spec_bridged and spec_unbridged (the longest interval bridged, the shortest
 * not; NULL: none). Returns the number of files. */
static void wm_scan(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  (void)argc, (void)argv;
  struct wdb *db = sqlite3_user_data(ctx);
  static const char q_next[] = "SELECT file_id FROM wattmeter_frame WHERE file_id > ? ORDER BY file_id LIMIT 1";
  static const char q_span[] = "SELECT bank, ts_us FROM wattmeter_frame WHERE file_id = ? ORDER BY line, bank";
  static const char q_spec[] =
      "INSERT INTO temp.src_wm_spec (file_id, bank, k, energy, covered, samples, first_us, last_us)"
      " VALUES (?, ?, ?, ?, ?, ?, ?, ?)";
  sqlite3_int64 files = 0, after = -9223372036854775807LL - 1;
  struct wm_att spec_att;
  struct wm_state spec = {.att = &spec_att, .natt = 1, .track = 1};
  int err = 0;
  for (;;) {
    sqlite3_stmt *next = wdb_stmt(db, q_next);
    if (!next) {
      err = 1;
      break;
    }
    sqlite3_bind_int64(next, 1, after);
    int rc = sqlite3_step(next);
    if (rc == SQLITE_ROW) after = sqlite3_column_int64(next, 0);
    sqlite3_reset(next);
    if (rc != SQLITE_ROW) {
      err = rc != SQLITE_DONE;
      break;
    }
    files++;
    int ahead = scan_speculate(db, after, &spec_att);
    if (ahead < 0) {
      err = 1;
      break;
    }
    struct wm_file f;
    int stored = scan_stored(db, after, ahead ? &spec_att : NULL, &f, &spec);
    if (stored < 0) {
      err = 1;
      break;
    }
    if (stored) {
      if (scan_flush(db, &f, ahead ? &spec : NULL)) {
        err = 1;
        break;
      }
      continue;
    }
    if (ahead) wm_state_start(&spec);
    sqlite3_stmt *st = wdb_stmt(db, ahead ? q_frames : q_span);
    if (!st) {
      err = 1;
      break;
    }
    sqlite3_bind_int64(st, 1, after);
    f = (struct wm_file){.id = after};
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
      struct wm_num t = num_column(st, 1);
      if (!f.rows || wm_num_cmp(t, f.lo) < 0) f.lo = t;
      if (!f.rows || wm_num_cmp(t, f.hi) > 0) f.hi = t;
      f.rows++;
      if (sqlite3_value_double(sqlite3_column_value(st, 0)) == 0.0) { /* bank = 0 */
        if (!f.rows0 || wm_num_cmp(t, f.lo0) < 0) f.lo0 = t;
        if (!f.rows0 || wm_num_cmp(t, f.hi0) > 0) f.hi0 = t;
        f.rows0++;
      }
      if (ahead) feed_frame(&spec, st);
    }
    sqlite3_reset(st);
    sqlite3_stmt *put = ahead ? wdb_stmt(db, q_spec) : NULL;
    if (rc != SQLITE_DONE || (ahead && (!put || put_series(put, &spec, &after))) ||
        scan_flush(db, &f, ahead ? &spec : NULL)) {
      err = 1;
      break;
    }
  }
  free(spec.series);
  if (err) {
    fail(ctx, db, "wm_scan");
    return;
  }
  sqlite3_result_int64(ctx, files);
}

/* --- wm_integrate() --- */

/* Integrates the frames of FILE for the attachments in S (one pass over its
 * rows in key order, feed_frame), then writes a row of temp.src_wm_sum per
 * series with a reading. 0 or -1 (a database error). */
static int integrate_file(struct wdb *db, sqlite3_int64 file, struct wm_state *s) {
  static const char q_put[] =
      "INSERT INTO temp.src_wm_sum (id, bank, k, energy, covered, samples, first_us, last_us)"
      " VALUES (?, ?, ?, ?, ?, ?, ?, ?)";
  wm_state_start(s);
  sqlite3_stmt *st = wdb_stmt(db, q_frames);
  if (!st) return -1;
  sqlite3_bind_int64(st, 1, file);
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) feed_frame(s, st);
  sqlite3_reset(st);
  if (rc != SQLITE_DONE) return -1;
  sqlite3_stmt *put = wdb_stmt(db, q_put);
  return put ? put_series(put, s, NULL) : -1;
}

/* Whether the integration ahead of file's attachment AT (wm_scan(), its
 * spec_* in temp.src_wm_file, columns COL on of ST) is its own: the attachment
 * is of the whole time, and the guessed gap limit bridged exactly the
 * intervals the attachment's limit bridges (none bridged longer than it, none
 * left shorter or as long). */
static int spec_holds(sqlite3_stmt *st, int col, const struct wm_att *at) {
  if (sqlite3_column_type(st, col) == SQLITE_NULL) return 0; /* not integrated ahead */
  if (!at->ws.is_int || at->ws.i != -9223372036854775807LL || !at->we.is_int || at->we.i != 9223372036854775807LL)
    return 0;
  if (sqlite3_column_type(st, col + 1) != SQLITE_NULL && !(sqlite3_column_double(st, col + 1) <= at->max_gap))
    return 0;
  if (sqlite3_column_type(st, col + 2) != SQLITE_NULL && !(sqlite3_column_double(st, col + 2) > at->max_gap))
    return 0;
  return 1;
}

/* wm_integrate(): fills temp.src_wm_sum (created by 50_sources.sql, empty)
 * from the attachments in temp.src_wm_att: per attachment id, bank and socket
 * k (1-6, socket 6 * bank + k) with a reading, the trapezoid energy and
 * covered time (the engine's sums, p's unit x µs and µs), the readings, and
 * the first and last time counted. An interval longer than MODEL_GAP_PERIODS
 * x period_us is a gap, not bridged. An attachment whose file was integrated
 * ahead (wm_scan()) takes those rows when they are its own (spec_holds); the
 * others' files are read again, once per file. Returns the number of
 * attachments read again. */
static void wm_integrate(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  (void)argc, (void)argv;
  struct wdb *db = sqlite3_user_data(ctx);
  static const char q_att[] =
      "SELECT a.id, a.file_id, a.ws, a.we, a.sockets, a.period_us, a.off_us,"
      " f.spec_gap, f.spec_bridged, f.spec_unbridged"
      " FROM temp.src_wm_att a LEFT JOIN temp.src_wm_file f ON f.file_id = a.file_id ORDER BY a.file_id, a.id";
  static const char q_copy[] =
      "INSERT INTO temp.src_wm_sum (id, bank, k, energy, covered, samples, first_us, last_us)"
      " SELECT ?1, bank, k, energy, covered, samples, first_us, last_us FROM temp.src_wm_spec"
      " WHERE file_id = ?2 ORDER BY rowid";
  /* the statement's rows are all read before any file is integrated: the
   * integration prepares statements of its own */
  sqlite3_stmt *st = wdb_stmt(db, q_att);
  if (!st) {
    fail(ctx, db, "wm_integrate");
    return;
  }
  struct wm_att *att = NULL;
  sqlite3_int64 *files = NULL; /* the file of each attachment read again */
  size_t natt = 0, cap = 0;
  int rc, err = 0;
  while (!err && (rc = sqlite3_step(st)) == SQLITE_ROW) {
    if (natt == cap) {
      cap = cap ? 2 * cap : 16;
      att = xrealloc(att, (unsigned long)(cap * sizeof *att));
      files = xrealloc(files, (unsigned long)(cap * sizeof *files));
    }
    att[natt] = (struct wm_att){.id = sqlite3_column_int64(st, 0),
                                .ws = num_column(st, 2),
                                .we = num_column(st, 3),
                                .sockets = sqlite3_column_int64(st, 4),
                                .max_gap = MODEL_GAP_PERIODS * sqlite3_column_double(st, 5),
                                .off = num_column(st, 6)};
    files[natt] = sqlite3_column_int64(st, 1);
    if (!spec_holds(st, 7, &att[natt])) {
      natt++;
      continue;
    }
    sqlite3_stmt *copy = wdb_stmt(db, q_copy);
    if (!copy) {
      err = 1;
      break;
    }
    sqlite3_bind_int64(copy, 1, att[natt].id);
    sqlite3_bind_int64(copy, 2, files[natt]);
    err = sqlite3_step(copy) != SQLITE_DONE;
    sqlite3_reset(copy);
  }
  sqlite3_reset(st);
  err = err || rc != SQLITE_DONE;
  struct wm_state s = {0};
  /* one file's attachments at a time: they are consecutive */
  for (size_t i = 0; !err && i < natt;) {
    size_t j = i;
    while (j < natt && files[j] == files[i]) j++;
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
  sqlite3_result_int64(ctx, (sqlite3_int64)natt);
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
