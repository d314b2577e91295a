/* transform/clock.c: the clock offset of each UTC source file (wattmeter logs)
 * on the eprof runs' naive local clock, into clock_offset
 * (schema/009_clock_offset.sql), and what the transform prints about it.
 *
 * Given: the setting local_utc_offset_s (--utc-offset) applies to every UTC
 * file. Otherwise the offset is estimated per file, cheaply:
 *  - the file's power (the sockets of the setting wall_sockets, else all) is
 *    sampled on a grid of G seconds (G the smallest divisor of 900 that keeps
 *    the span within 8640 points: 1 s for a few minutes' log, 10 s for a day):
 *    one key lookup per point into wattmeter_frame (by line, lines being spread
 *    evenly in time) reading CLOCK_FRAMES frames, never the whole log;
 *  - the reference is the runs' GPU power (eprof GPU logs, nvidia-smi, per GPU)
 *    plus RAPL power (perf -I intervals), all naive local, evaluated on the same
 *    grid from 14 h before the file to 14 h after it (linear between samples
 *    less than a minute apart, 0 where no source measures: an idle machine);
 *  - for each shift s = -14 h .. +14 h by 15 min, the score is the mean of two
 *    Pearson correlations between the file's points and the reference at
 *    local = UTC + s, over the points that fall within CLOCK_MARGIN_S of a
 *    span some reference source measured (a day's log that also saw other jobs
 *    is compared where the runs are, not diluted by the rest of the day): of
 *    the levels (load against load) and of the first
 *    differences (the starts, stops and dips line up; a shift of 15 min inside a
 *    long run keeps the levels but not the edges);
 *  - the best shift is taken when its score is at least CLOCK_MIN_SCORE and
 *    CLOCK_MIN_MARGIN above the runner-up; otherwise 'none' (offset 0, as
 *    without the estimate) with the reason, and the transform prints the
 *    --utc-offset option to pass. */
#include "transform/clock.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/msg.h"

#define CLOCK_MAX_SHIFT_S (14 * 3600)
#define CLOCK_STEP_S 900
#define CLOCK_SHIFTS (2 * CLOCK_MAX_SHIFT_S / CLOCK_STEP_S + 1)
#define CLOCK_MAX_POINTS 8640
#define CLOCK_FRAMES 16           /* frames averaged per grid point (~160 ms) */
#define CLOCK_MIN_POINTS 10
#define CLOCK_MIN_ACTIVE 5        /* points beside some reference power */
#define CLOCK_MIN_SCORE 0.5
#define CLOCK_MIN_MARGIN 0.2
#define CLOCK_BRIDGE_US (60 * INT64_C(1000000)) /* longest interval interpolated */
#define CLOCK_MARGIN_S 300        /* compared around the reference's spans */
#define CLOCK_MAX_SOCKETS 96
#define US 1000000

/* A series on a grid: v[k] at t0_us + k * step_us. */
struct series {
  sqlite3_int64 t0_us, step_us;
  long n;
  double *v;
  unsigned char *cov; /* reference: a source measures within CLOCK_MARGIN_S */
  int used;           /* a source put a value in it */
};

/* Adds to S the line from (TA, PA) to (TB, PB) at its grid times in [TA, TB). */
static void add_segment(struct series *s, sqlite3_int64 ta, double pa, sqlite3_int64 tb, double pb) {
  if (tb <= ta || tb - ta > CLOCK_BRIDGE_US) return;
  sqlite3_int64 rel = ta - s->t0_us;
  long k = rel <= 0 ? 0 : (long)((rel + s->step_us - 1) / s->step_us);
  for (; k < s->n; k++) {
    sqlite3_int64 t = s->t0_us + (sqlite3_int64)k * s->step_us;
    if (t >= tb) break;
    s->v[k] += pa + (pb - pa) * (double)(t - ta) / (double)(tb - ta);
    s->cov[k] = 1;
    s->used = 1;
  }
}

/* Adds P to S at its grid times in (A, B]. */
static void add_interval(struct series *s, sqlite3_int64 a, sqlite3_int64 b, double p) {
  if (b <= a) return;
  sqlite3_int64 rel = a - s->t0_us;
  long k = rel < 0 ? 0 : (long)(rel / s->step_us + 1);
  for (; k < s->n; k++) {
    sqlite3_int64 t = s->t0_us + (sqlite3_int64)k * s->step_us;
    if (t > b) break;
    s->v[k] += p;
    s->cov[k] = 1;
    s->used = 1;
  }
}

static int db_error(struct wdb *db) {
  msg("%s: clock offsets: %s", db->path, sqlite3_errmsg(db->sql));
  return -1;
}

/* The time of the first (DESC 0) or last line of an eprof GPU file, 0 if none. */
static int gpu_file_bounds(struct wdb *db, sqlite3_int64 file, sqlite3_int64 *first, sqlite3_int64 *last) {
  static const char q_first[] = "SELECT ts_us FROM eprof_gpu_sample WHERE file_id = ? ORDER BY line LIMIT 1";
  static const char q_last[] = "SELECT ts_us FROM eprof_gpu_sample WHERE file_id = ? ORDER BY line DESC LIMIT 1";
  sqlite3_int64 *out[2] = {first, last};
  const char *q[2] = {q_first, q_last};
  for (int i = 0; i < 2; i++) {
    sqlite3_stmt *st = wdb_stmt(db, q[i]);
    if (!st) return -1;
    sqlite3_bind_int64(st, 1, file);
    int rc = sqlite3_step(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) return db_error(db);
    if (rc != SQLITE_ROW) return 0;
    *out[i] = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
  }
  return 1;
}

/* The reference on REF's grid: eprof GPU logs of files that reach into it,
 * nvidia-smi per GPU, RAPL package and DRAM power of perf intervals. */
static int reference(struct wdb *db, struct series *ref) {
  static const char q_gpu_files[] =
      "SELECT id FROM source_file WHERE format = 'eprof-gpu' AND status IN ('ok', 'partial') ORDER BY id";
  static const char q_gpu[] =
      "SELECT ts_us, power_w FROM eprof_gpu_sample WHERE file_id = ? AND power_w IS NOT NULL ORDER BY line";
  static const char q_nvsmi[] =
      "SELECT n.file_id, n.gpu, n.ts_us, n.power_w FROM nvidia_smi_sample n"
      " JOIN source_file f ON f.id = n.file_id AND f.status IN ('ok', 'partial')"
      " WHERE n.ts_us BETWEEN ?1 AND ?2 AND n.power_w IS NOT NULL ORDER BY n.file_id, n.gpu, n.line";
  static const char q_perf[] =
      "SELECT c.file_id, c.block, c.event, coalesce(c.aggr, ''), c.started_us, c.ts_us, c.value"
      " FROM perf_count c JOIN source_file f ON f.id = c.file_id AND f.status IN ('ok', 'partial')"
      " WHERE c.unit = 'Joules' AND c.event IN ('power/energy-pkg/', 'power/energy-ram/')"
      " AND c.started_us BETWEEN ?1 - 864000000000 AND ?2 AND c.ts_us IS NOT NULL AND c.value IS NOT NULL"
      " ORDER BY c.file_id, c.block, c.event, c.aggr, c.ts_us";
  sqlite3_int64 lo = ref->t0_us, hi = ref->t0_us + (sqlite3_int64)ref->n * ref->step_us;
  sqlite3_stmt *files = wdb_stmt(db, q_gpu_files);
  if (!files) return -1;
  int rc;
  while ((rc = sqlite3_step(files)) == SQLITE_ROW) {
    sqlite3_int64 file = sqlite3_column_int64(files, 0), first = 0, last = 0;
    int have = gpu_file_bounds(db, file, &first, &last);
    if (have < 0) return -1;
    if (!have || last < lo || first > hi) continue;
    sqlite3_stmt *st = wdb_stmt(db, q_gpu);
    if (!st) return -1;
    sqlite3_bind_int64(st, 1, file);
    sqlite3_int64 pt = 0;
    double pp = 0;
    int n = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
      sqlite3_int64 t = sqlite3_column_int64(st, 0);
      double p = sqlite3_column_double(st, 1);
      if (n++) add_segment(ref, pt, pp, t, p);
      pt = t, pp = p;
    }
    if (rc != SQLITE_DONE) return db_error(db);
    sqlite3_reset(st);
  }
  if (rc != SQLITE_DONE) return db_error(db);
  sqlite3_reset(files);

  sqlite3_stmt *st = wdb_stmt(db, q_nvsmi);
  if (!st) return -1;
  sqlite3_bind_int64(st, 1, lo - CLOCK_BRIDGE_US);
  sqlite3_bind_int64(st, 2, hi + CLOCK_BRIDGE_US);
  sqlite3_int64 pfile = -1, pt = 0;
  char pgpu[64] = "";
  double pp = 0;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    sqlite3_int64 file = sqlite3_column_int64(st, 0), t = sqlite3_column_int64(st, 2);
    const char *gpu = (const char *)sqlite3_column_text(st, 1);
    double p = sqlite3_column_double(st, 3);
    if (!gpu) gpu = "";
    if (file == pfile && strncmp(gpu, pgpu, sizeof pgpu) == 0) add_segment(ref, pt, pp, t, p);
    pfile = file, pt = t, pp = p;
    snprintf(pgpu, sizeof pgpu, "%s", gpu);
  }
  if (rc != SQLITE_DONE) return db_error(db);
  sqlite3_reset(st);

  st = wdb_stmt(db, q_perf);
  if (!st) return -1;
  sqlite3_bind_int64(st, 1, lo);
  sqlite3_bind_int64(st, 2, hi);
  sqlite3_int64 pblock = -1, pend = 0;
  char pkey[160] = "";
  pfile = -1;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    sqlite3_int64 file = sqlite3_column_int64(st, 0), block = sqlite3_column_int64(st, 1);
    char key[160];
    snprintf(key, sizeof key, "%s/%s", (const char *)sqlite3_column_text(st, 2),
             (const char *)sqlite3_column_text(st, 3));
    sqlite3_int64 started = sqlite3_column_int64(st, 4), b = started + sqlite3_column_int64(st, 5);
    double joules = sqlite3_column_double(st, 6);
    sqlite3_int64 a = file == pfile && block == pblock && strcmp(key, pkey) == 0 ? pend : started;
    if (b > a) add_interval(ref, a, b, joules / ((double)(b - a) / US));
    pfile = file, pblock = block, pend = b;
    memcpy(pkey, key, sizeof pkey);
  }
  if (rc != SQLITE_DONE) return db_error(db);
  sqlite3_reset(st);
  /* the spans measured, widened by CLOCK_MARGIN_S on each side (the idle
   * machine before and after a run: its starts and stops) */
  long m = (long)(CLOCK_MARGIN_S * (sqlite3_int64)US / ref->step_us), last = -m - 1;
  for (long k = 0; k < ref->n; k++) {
    if (ref->cov[k] == 1) last = k;
    else if (k - last <= m) ref->cov[k] = 2;
  }
  last = ref->n + m + 1;
  for (long k = ref->n - 1; k >= 0; k--) {
    if (ref->cov[k] == 1) last = k;
    else if (last - k <= m) ref->cov[k] = 2;
  }
  return 0;
}

/* Which sockets (1-based) count: the setting wall_sockets, else all SOCKETS. */
static int wall_sockets(struct wdb *db, int sockets, unsigned char sel[CLOCK_MAX_SOCKETS + 1]) {
  static const char q[] = "SELECT CAST(value AS TEXT) FROM setting WHERE name = 'wall_sockets'";
  memset(sel, 0, CLOCK_MAX_SOCKETS + 1);
  sqlite3_stmt *st = wdb_stmt(db, q);
  if (!st) return -1;
  int rc = sqlite3_step(st), any = 0;
  if (rc == SQLITE_ROW && sqlite3_column_text(st, 0)) {
    const char *p = (const char *)sqlite3_column_text(st, 0);
    while (*p) {
      char *end;
      long k = strtol(p, &end, 10);
      if (end == p) {
        p++;
        continue;
      }
      if (k >= 1 && k <= sockets && k <= CLOCK_MAX_SOCKETS) sel[k] = 1, any = 1;
      p = end;
    }
  } else if (rc != SQLITE_DONE) {
    return db_error(db);
  }
  sqlite3_reset(st);
  if (!any)
    for (int k = 1; k <= sockets && k <= CLOCK_MAX_SOCKETS; k++) sel[k] = 1;
  return 0;
}

/* The first (DESC 0) or last frame line of wattmeter file FILE and its time. */
static int wm_bound(struct wdb *db, sqlite3_int64 file, int last, sqlite3_int64 *line, sqlite3_int64 *ts) {
  static const char q_first[] = "SELECT line, ts_us FROM wattmeter_frame WHERE file_id = ? ORDER BY line LIMIT 1";
  static const char q_last[] =
      "SELECT line, ts_us FROM wattmeter_frame WHERE file_id = ? ORDER BY line DESC LIMIT 1";
  sqlite3_stmt *st = wdb_stmt(db, last ? q_last : q_first);
  if (!st) return -1;
  sqlite3_bind_int64(st, 1, file);
  int rc = sqlite3_step(st);
  if (rc == SQLITE_ROW) {
    *line = sqlite3_column_int64(st, 0);
    *ts = sqlite3_column_int64(st, 1);
  } else if (rc != SQLITE_DONE) {
    return db_error(db);
  }
  sqlite3_reset(st);
  return rc == SQLITE_ROW;
}

/* The file's power on W's grid (W->v the sum, CNT the frames' count per point):
 * per point, CLOCK_FRAMES good frames from the line where it should be. */
static int wm_points(struct wdb *db, sqlite3_int64 file, int sockets, sqlite3_int64 lo, sqlite3_int64 hi,
                     long samples, struct series *w, long *cnt) {
  static const char q[] =
      "SELECT line, bank, ts_us, ok, p1_w, p2_w, p3_w, p4_w, p5_w, p6_w FROM wattmeter_frame"
      " WHERE file_id = ?1 AND line >= ?2 ORDER BY line, bank LIMIT ?3";
  unsigned char sel[CLOCK_MAX_SOCKETS + 1];
  if (wall_sockets(db, sockets, sel)) return -1;
  int banks = (sockets + 5) / 6;
  for (long k = 0; k < samples; k++) {
    sqlite3_int64 target = lo + (samples > 1 ? (hi - lo) * k / (samples - 1) : 0);
    sqlite3_stmt *st = wdb_stmt(db, q);
    if (!st) return -1;
    sqlite3_bind_int64(st, 1, file);
    sqlite3_bind_int64(st, 2, target);
    sqlite3_bind_int(st, 3, banks * CLOCK_FRAMES);
    int rc;
    sqlite3_int64 cur = -1, cur_t = 0;
    double cur_p = 0;
    int cur_ok = 0, cur_n = 0;
    for (;;) {
      rc = sqlite3_step(st);
      sqlite3_int64 line = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -2;
      if (line != cur && cur >= 0 && cur_ok && cur_n) { /* a frame done */
        sqlite3_int64 rel = cur_t - w->t0_us;
        long i = (long)((rel + w->step_us / 2) / w->step_us);
        if (rel >= 0 && i < w->n) w->v[i] += cur_p, cnt[i]++;
      }
      if (rc != SQLITE_ROW) break;
      if (line != cur) cur = line, cur_t = sqlite3_column_int64(st, 2), cur_p = 0, cur_ok = 1, cur_n = 0;
      int bank = sqlite3_column_int(st, 1);
      if (!sqlite3_column_int(st, 3)) cur_ok = 0;
      for (int j = 0; j < 6; j++) {
        int socket = 6 * bank + j + 1;
        if (socket > CLOCK_MAX_SOCKETS || !sel[socket] || sqlite3_column_type(st, 4 + j) == SQLITE_NULL)
          continue;
        cur_p += sqlite3_column_double(st, 4 + j);
        cur_n++;
      }
    }
    if (rc != SQLITE_DONE) return db_error(db);
    sqlite3_reset(st);
  }
  return 0;
}

struct fit {
  int shift_s;
  double score;
};

/* Pearson r of X and Y over N pairs given their sums; 0 (and *DEF 0) when either
 * is flat. */
static double pearson(double n, double sx, double sy, double sxx, double syy, double sxy, int *def) {
  double vx = n * sxx - sx * sx, vy = n * syy - sy * sy;
  *def = vx > 1e-9 * (n * sxx + 1) && vy > 1e-9 * (n * syy + 1);
  return *def ? (n * sxy - sx * sy) / sqrt(vx * vy) : 0;
}

struct estimate {
  int method_none;
  const char *reason;
  struct fit best, second;
  int have_best, have_second;
  long points;
  int grid_s;
};

/* The score of every shift of the file's points W (CNT > 0) against REF; REF's
 * index of W's point i at shift 0 is i + ZERO. */
static void score_shifts(const struct series *w, const long *cnt, const struct series *ref, long zero,
                         struct estimate *e) {
  long per_step = CLOCK_STEP_S * (long)US / (long)w->step_us;
  int any_defined = 0;
  for (int k = 0; k < CLOCK_SHIFTS; k++) {
    int shift_s = -CLOCK_MAX_SHIFT_S + k * CLOCK_STEP_S;
    long off = zero + (long)(shift_s / CLOCK_STEP_S) * per_step;
    double n = 0, sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0;
    double dn = 0, dsx = 0, dsy = 0, dsxx = 0, dsyy = 0, dsxy = 0;
    long active = 0;
    double px = 0, py = 0;
    int prev = 0;
    for (long i = 0; i < w->n; i++) {
      long j = i + off;
      if (!cnt[i] || j < 0 || j >= ref->n || !ref->cov[j]) {
        prev = 0;
        continue;
      }
      double x = w->v[i] / (double)cnt[i], y = ref->v[j];
      n++, sx += x, sy += y, sxx += x * x, syy += y * y, sxy += x * y;
      if (y != 0) active++;
      if (prev) {
        double a = x - px, b = y - py;
        dn++, dsx += a, dsy += b, dsxx += a * a, dsyy += b * b, dsxy += a * b;
      }
      px = x, py = y, prev = 1;
    }
    int def1, def2;
    double r1 = pearson(n, sx, sy, sxx, syy, sxy, &def1);
    double r2 = pearson(dn, dsx, dsy, dsxx, dsyy, dsxy, &def2);
    if (!def1 || active < CLOCK_MIN_ACTIVE) continue;
    any_defined = 1;
    struct fit f = {shift_s, (r1 + r2) / 2};
    if (!e->have_best || f.score > e->best.score) {
      if (e->have_best) e->second = e->best, e->have_second = 1;
      e->best = f, e->have_best = 1;
    } else if (!e->have_second || f.score > e->second.score) {
      e->second = f, e->have_second = 1;
    }
  }
  if (!any_defined) e->reason = "no shift within 14 h puts it beside a run's varying power";
}

/* Estimates the offset of wattmeter file FILE into E. 0 or -1. */
static int estimate_file(struct wdb *db, sqlite3_int64 file, int sockets, struct estimate *e) {
  static const int grids[] = {1, 2, 3, 4, 5, 6, 9, 10, 12, 15, 18, 20, 25, 30, 36, 45, 50, 60, 75, 90,
                              100, 150, 180, 225, 300, 450, 900};
  memset(e, 0, sizeof *e);
  e->method_none = 1;
  sqlite3_int64 lo = 0, hi = 0, ts_lo = 0, ts_hi = 0;
  int r1 = wm_bound(db, file, 0, &lo, &ts_lo), r2 = r1 > 0 ? wm_bound(db, file, 1, &hi, &ts_hi) : r1;
  if (r1 < 0 || r2 < 0) return -1;
  if (!r1 || ts_hi <= ts_lo) {
    e->reason = "too few frames";
    return 0;
  }
  sqlite3_int64 span_s = (ts_hi - ts_lo) / US;
  int g = 900;
  for (size_t i = 0; i < sizeof grids / sizeof grids[0]; i++)
    if (span_s / grids[i] <= CLOCK_MAX_POINTS) {
      g = grids[i];
      break;
    }
  e->grid_s = g;
  sqlite3_int64 step = (sqlite3_int64)g * US;
  struct series w = {ts_lo / step * step, step, (long)((ts_hi - ts_lo) / step + 2), NULL, NULL, 0};
  long margin = (long)(CLOCK_MAX_SHIFT_S / g);
  struct series ref = {w.t0_us - (sqlite3_int64)CLOCK_MAX_SHIFT_S * US, step, w.n + 2 * margin, NULL, NULL, 0};
  ref.v = calloc((size_t)ref.n, sizeof *ref.v);
  ref.cov = calloc((size_t)ref.n, 1);
  w.v = calloc((size_t)w.n, sizeof *w.v);
  long *cnt = calloc((size_t)w.n, sizeof *cnt);
  if (!ref.v || !ref.cov || !w.v || !cnt) {
    free(ref.v), free(ref.cov), free(w.v), free(cnt);
    msg("out of memory");
    return -1;
  }
  int rc = reference(db, &ref);
  if (!rc && !ref.used) e->reason = "no run's GPU or RAPL power lies within 14 h of it";
  long samples = w.n - 1 < CLOCK_MAX_POINTS ? w.n - 1 : CLOCK_MAX_POINTS;
  if (!rc && ref.used) rc = wm_points(db, file, sockets, lo, hi, samples, &w, cnt);
  if (!rc && ref.used) {
    for (long i = 0; i < w.n; i++) e->points += cnt[i] > 0;
    double n = 0, sx = 0, sxx = 0;
    for (long i = 0; i < w.n; i++)
      if (cnt[i]) {
        double x = w.v[i] / (double)cnt[i];
        n++, sx += x, sxx += x * x;
      }
    if (e->points < CLOCK_MIN_POINTS) e->reason = "too few good frames";
    else if (!(n * sxx - sx * sx > 1e-9 * (n * sxx + 1))) e->reason = "its power is flat: nothing to align";
    else score_shifts(&w, cnt, &ref, margin, e);
    if (!e->reason) {
      if (e->best.score < CLOCK_MIN_SCORE) e->reason = "the best fit is weak";
      else if (e->have_second && e->best.score - e->second.score < CLOCK_MIN_MARGIN)
        e->reason = "two shifts fit about as well";
      else e->method_none = 0;
    }
  }
  free(ref.v), free(ref.cov), free(w.v), free(cnt);
  return rc;
}

int clock_offsets_build(struct wdb *db) {
  static const char q_clear[] = "DELETE FROM clock_offset";
  static const char q_given[] =
      "INSERT INTO clock_offset(file_id, offset_s, method)"
      " SELECT f.id, CAST((SELECT value FROM setting WHERE name = 'local_utc_offset_s') AS INTEGER), 'given'"
      " FROM source_file f WHERE f.time_convention = 'utc' AND f.status IN ('ok', 'partial')"
      " AND EXISTS (SELECT 1 FROM setting WHERE name = 'local_utc_offset_s') ORDER BY f.id";
  static const char q_files[] =
      "SELECT f.id, coalesce(w.sockets, 0) FROM source_file f LEFT JOIN wattmeter_file w ON w.file_id = f.id"
      " WHERE f.time_convention = 'utc' AND f.status IN ('ok', 'partial')"
      " AND f.format IS NOT 'powermetrics'" /* its dates carry their own offset */
      " AND NOT EXISTS (SELECT 1 FROM setting WHERE name = 'local_utc_offset_s') ORDER BY f.id";
  static const char q_insert[] =
      "INSERT INTO clock_offset(file_id, offset_s, method, best_s, score, runner_up_s, runner_up_score,"
      " points, grid_s, reason) VALUES (?,?,?,?,?,?,?,?,?,?)";
  sqlite3_stmt *st = wdb_stmt(db, q_clear);
  if (!st || wdb_done(db, st)) return -1;
  if (!(st = wdb_stmt(db, q_given)) || wdb_done(db, st)) return -1;
  /* the files first: the estimate runs other statements */
  sqlite3_int64 *files = NULL;
  int *sockets = NULL;
  size_t n = 0;
  if (!(st = wdb_stmt(db, q_files))) return -1;
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    files = xrealloc(files, (unsigned long)((n + 1) * sizeof *files));
    sockets = xrealloc(sockets, (unsigned long)((n + 1) * sizeof *sockets));
    files[n] = sqlite3_column_int64(st, 0);
    sockets[n++] = sqlite3_column_int(st, 1);
  }
  sqlite3_reset(st);
  if (rc != SQLITE_DONE) {
    free(files), free(sockets);
    return db_error(db);
  }
  int err = 0;
  for (size_t i = 0; i < n && !err; i++) {
    struct estimate e;
    if (sockets[i] <= 0) { /* a UTC format this estimate cannot read */
      memset(&e, 0, sizeof e);
      e.method_none = 1;
      e.reason = "not a wattmeter log: no estimate";
    } else if (estimate_file(db, files[i], sockets[i], &e)) {
      err = 1;
      break;
    }
    if (!(st = wdb_stmt(db, q_insert))) {
      err = 1;
      break;
    }
    sqlite3_bind_int64(st, 1, files[i]);
    sqlite3_bind_int(st, 2, e.method_none ? 0 : e.best.shift_s);
    sqlite3_bind_text(st, 3, e.method_none ? "none" : "estimated", -1, SQLITE_STATIC);
    if (e.have_best) sqlite3_bind_int(st, 4, e.best.shift_s), sqlite3_bind_double(st, 5, e.best.score);
    if (e.have_second) sqlite3_bind_int(st, 6, e.second.shift_s), sqlite3_bind_double(st, 7, e.second.score);
    sqlite3_bind_int64(st, 8, e.points);
    if (e.grid_s) sqlite3_bind_int(st, 9, e.grid_s);
    if (e.method_none) sqlite3_bind_text(st, 10, e.reason, -1, SQLITE_STATIC);
    err = wdb_done(db, st) != 0;
  }
  free(files), free(sockets);
  return err ? -1 : 0;
}

/* "+3600 s (UTC+01:00)" */
static void fmt_offset(char *buf, size_t n, int s) {
  int a = s < 0 ? -s : s;
  snprintf(buf, n, "%+d s (UTC%c%02d:%02d)", s, s < 0 ? '-' : '+', a / 3600, a % 3600 / 60);
}

int clock_offsets_report(struct wdb *db, FILE *out, int quiet) {
  static const char q[] =
      "SELECT f.path, c.method, c.offset_s, c.best_s, c.score, c.runner_up_s, c.runner_up_score, c.reason"
      " FROM clock_offset c JOIN source_file f ON f.id = c.file_id WHERE c.method <> 'given' ORDER BY f.path";
  sqlite3_stmt *st = wdb_stmt(db, q);
  if (!st) return -1;
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    const char *path = (const char *)sqlite3_column_text(st, 0);
    int estimated = strcmp((const char *)sqlite3_column_text(st, 1), "estimated") == 0;
    int have_best = sqlite3_column_type(st, 3) != SQLITE_NULL;
    int have_second = sqlite3_column_type(st, 5) != SQLITE_NULL;
    char best[48], second[96] = "";
    fmt_offset(best, sizeof best, sqlite3_column_int(st, 3));
    if (have_second) {
      char s[48];
      fmt_offset(s, sizeof s, sqlite3_column_int(st, 5));
      snprintf(second, sizeof second, ", runner-up %s at %.2f", s, sqlite3_column_double(st, 6));
    }
    if (estimated) {
      if (!quiet)
        fprintf(out,
                "wattdb: %s: UTC clock offset %s estimated from the runs' power (score %.2f%s); "
                "--utc-offset S overrides\n",
                path, best, sqlite3_column_double(st, 4), second);
    } else if (have_best) {
      fprintf(out,
              "wattdb: %s: no UTC clock offset found (%s; best %s at %.2f%s): its times are read as "
              "local; pass --utc-offset %d if that fit is right, else --utc-offset S with S = local time "
              "minus UTC in seconds\n",
              path, (const char *)sqlite3_column_text(st, 7), best, sqlite3_column_double(st, 4), second,
              sqlite3_column_int(st, 3));
    } else {
      fprintf(out,
              "wattdb: %s: no UTC clock offset found (%s): its times are read as local; pass "
              "--utc-offset S with S = local time minus UTC in seconds (e.g. --utc-offset 3600 for CET)\n",
              path, (const char *)sqlite3_column_text(st, 7));
    }
  }
  sqlite3_reset(st);
  return rc == SQLITE_DONE ? 0 : db_error(db);
}
