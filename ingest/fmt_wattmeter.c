/* ingest/fmt_wattmeter.c: OmegaWatt `wattmetre-read --tty=/dev/ttyUSB0 --nb=6 > log 2>&1`.
 *
 *   2022/12/20-10:06:29;Tue Dec 20 10:06:29 2022;INFO;Starting logging on '/dev/ttyUSB0' plugcount=6
 *   #timestamp,#frame_is_ok,#U1,#U2,#U3,#current1,#activepow1,...,#current6,#activepow6
 *   1745428511.039678535,true,239.4,0.0,0.0,0.1,0.9,0.0,-0.0,0.0,0.0,0.0,-0.0,0.8,182.0,0.0,0.0
 *   1671527189.294241015,false,,,,,,,,,,,,,,,
 *   1745428645.239043901,true,239.7,0.0,0        <- torn: the logger is killed without flushing
 *
 * Epoch seconds with 9-digit nanoseconds (UTC, the host's receive time; stored
 * as µs, the nanoseconds truncated; at most 9 fractional digits, and seconds
 * past 9999-12-31 rejected as 'bad_time', so the conversion cannot overflow), a frame every ~10 ms, then `true`/`false`,
 * three phase voltages, and a current (A) and active power (W) per socket; --nb
 * is a multiple of 6, so sockets are stored by banks of six (see
 * schema/003_sources.sql). Columns are found by header name; debug builds add
 * columns after the sockets, which are ignored. `nan`, `-nan` and empty fields are
 * NULL; `-0.0` is 0.
 *
 * Lines that are the logger's own stderr diagnostics (`...;INFO;...`, `;NAN
 * FOUND;`, `;BAD FRAME CRC;`), which `2>&1` mixes in, and any line before the
 * header, are not data: skipped (counted in source_file.skipped_lines). A
 * diagnostic printed without newline can have the header glued after it: the
 * header is taken from where `#timestamp,` starts. A file without a header is
 * read with the standard layout when its frames have 5 + 2k fields. Other lines
 * that are not frames are rejected ('not_a_frame'); a frame with the wrong field
 * count is rejected ('field_count'); the torn last line is rejected by the driver
 * ('truncated').
 *
 * This is the high-volume format (8.6 M frames a day): lines are split by hand,
 * numbers parsed by a short exact path, no allocation per line.
 *
 * As it reads the frames, the parser integrates each socket over the whole
 * log (common/wm_series.h, the rule the transform's pass over the frames
 * follows) and stores, after the last line, the span of the frames and those
 * series (schema/024_wattmeter_series.sql), so that the transform of a log
 * need not read its frames again. The gap limit is guessed from the first
 * WM_GUESS_FRAMES frames, which are held until then; the transform uses the
 * series only where that limit bridged the intervals the log's own limit
 * bridges. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/wm_series.h"
#include "ingest/batch.h"
#include "ingest/format.h"
#include "ingest/values.h"
#include "schema/model.h"

#define WM_MAX_COLS 256
#define WM_MAX_BANKS 16
#define WM_GUESS_FRAMES 128 /* frames held until the gap limit is guessed from them */

/* A frame row held until the gap limit is guessed. */
struct held_frame {
  int64_t ts;
  int bank, ok;
  unsigned has; /* bit k: socket 6 * bank + k + 1 has a reading */
  double p[6];
};

/* The log integrated as it is read (wm_series.h): one attachment of the whole
 * time, no offset (UTC, as stored). */
struct whole_log {
  long long frames, frames0;    /* frame rows, of bank 0 */
  int64_t first, last;          /* min and max ts_us of the frame rows */
  int64_t first0, last0;        /* the same over bank 0 */
  long long line0_first, line0_last; /* lines of the first and last bank-0 frame held */
  int64_t ts0_first, ts0_last;
  int guessed;                  /* the limit is set; frames go straight to the series */
  int nheld;
  struct held_frame held[WM_GUESS_FRAMES];
  struct wm_att att;
  struct wm_state series_state;
  struct wm_series series[6 * WM_MAX_BANKS];
};

enum col_kind { K_OTHER, K_TS, K_OK, K_U, K_CURRENT, K_POWER };

struct state {
  int have_layout;
  int ncols;                       /* fields per frame */
  int sockets;
  unsigned char kind[WM_MAX_COLS];
  unsigned char index[WM_MAX_COLS];/* U: 0..2; socket: 0-based */
  int file_row_done;
  struct row_batch *rows;          /* fetched once per file (batch.h) */
  struct whole_log whole;
};

static const char sql_insert[] =
    "INSERT INTO wattmeter_frame(file_id, line, bank, ts_us, ok, u1_v, u2_v, u3_v, i1_a, p1_w, "
    "i2_a, p2_w, i3_a, p3_w, i4_a, p4_w, i5_a, p5_w, i6_a, p6_w) "
    "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)";
static const char sql_file[] =
    "INSERT OR REPLACE INTO wattmeter_file(file_id, sockets) VALUES (?,?)";
static const char sql_span[] =
    "UPDATE wattmeter_file SET first_us = ?2, last_us = ?3, bank0_frames = ?4, bank0_first_us = ?5,"
    " bank0_last_us = ?6, gap_us = ?7, bridged_us = ?8, unbridged_us = ?9 WHERE file_id = ?1";
static const char sql_series[] =
    "INSERT INTO wattmeter_series(file_id, bank, k, energy_wus, covered_us, samples, first_us, last_us)"
    " VALUES (?,?,?,?,?,?,?,?)";

static const double pow10_tab[] = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8,
                                   1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15};

/* Parses the number in S[0..N): returns 1 and *OUT, 0 for a NULL reading (empty,
 * nan, -nan), -1 when it is not a number. Short decimals are exact (one
 * correctly rounded division); others go through value_number. */
static int wm_number(const char *s, size_t n, double *out) {
  while (n && (*s == ' ')) s++, n--;
  while (n && s[n - 1] == ' ') n--;
  if (n == 0) return 0;
  size_t i = 0;
  int neg = 0;
  if (s[0] == '-' || s[0] == '+') neg = s[i++] == '-';
  if (n - i == 3 && (s[i] == 'n' || s[i] == 'N')) return 0; /* nan, -nan */
  uint64_t mant = 0;
  int digits = 0, frac = -1;
  for (; i < n; i++) {
    char c = s[i];
    if (c >= '0' && c <= '9') {
      mant = mant * 10 + (uint64_t)(c - '0');
      if (++digits > 15) break;
      if (frac >= 0) frac++;
    } else if (c == '.' && frac < 0) {
      frac = 0;
    } else {
      break;
    }
  }
  if (i == n && digits > 0) {
    double v = (double)mant;
    if (frac > 0) v /= pow10_tab[frac];
    *out = neg ? -v : v;
    return 1;
  }
  char buf[64];
  if (n >= sizeof buf) return -1;
  memcpy(buf, s, n);
  buf[n] = '\0';
  switch (value_number(buf, NULL, out)) {
  case VALUE_OK: return 1;
  case VALUE_EMPTY:
  case VALUE_NULL: return 0;
  default: return -1;
  }
}

/* Epoch "SECONDS[.NANOS]" (blanks around) to µs, the digits past µs truncated.
 * Returns 0; -1 when S[0..N) is not one (wattmetre-read writes %09ld
 * nanoseconds: a longer fraction is none of its times); -2 when the seconds
 * are past 9999-12-31 (VALUE_MAX_SECONDS): no overflow either way. */
static int wm_time(const char *s, size_t n, int64_t *us) {
  while (n && *s == ' ') s++, n--;
  while (n && s[n - 1] == ' ') n--;
  const char *dot = memchr(s, '.', n);
  if (dot && (size_t)(s + n - dot - 1) > 9) return -1;
  return value_seconds(s, n, 0, us);
}

/* Reads a header (the fields from `#timestamp,`) into the layout. */
static int take_header(struct parse *p, struct state *st, const char *h) {
  int col = 0, sockets = 0;
  const char *f = h;
  for (;;) {
    const char *e = strchr(f, ',');
    size_t n = e ? (size_t)(e - f) : strlen(f);
    while (n && (f[n - 1] == ' ' || f[n - 1] == '\r')) n--;
    if (col >= WM_MAX_COLS) {
      parse_fail(p, "header has more than %d columns", WM_MAX_COLS);
      return -1;
    }
    const char *name = f;
    if (n && *name == '#') name++, n--;
    unsigned char kind = K_OTHER, idx = 0;
    int num = 0;
    if (n == 9 && memcmp(name, "timestamp", 9) == 0) kind = K_TS;
    else if (n == 11 && memcmp(name, "frame_is_ok", 11) == 0) kind = K_OK;
    else if (n == 2 && name[0] == 'U' && name[1] >= '1' && name[1] <= '3') {
      kind = K_U;
      idx = (unsigned char)(name[1] - '1');
    } else if ((n > 7 && memcmp(name, "current", 7) == 0 && (num = atoi(name + 7)) > 0) ||
               (n > 9 && memcmp(name, "activepow", 9) == 0 && (num = atoi(name + 9)) > 0)) {
      kind = name[0] == 'c' ? K_CURRENT : K_POWER;
      if (num > 6 * WM_MAX_BANKS) {
        parse_fail(p, "more than %d sockets", 6 * WM_MAX_BANKS);
        return -1;
      }
      idx = (unsigned char)(num - 1);
      if (num > sockets) sockets = num;
    }
    st->kind[col] = kind;
    st->index[col] = idx;
    col++;
    if (!e) break;
    f = e + 1;
  }
  if (st->kind[0] != K_TS || col < 2 || st->kind[1] != K_OK) {
    parse_fail(p, "header does not start with #timestamp,#frame_is_ok");
    return -1;
  }
  st->ncols = col;
  st->sockets = sockets;
  st->have_layout = 1;
  return 0;
}

/* The standard layout of a frame with NF fields, for a file without header. */
static void default_layout(struct state *st, int nf) {
  st->kind[0] = K_TS;
  st->kind[1] = K_OK;
  for (int u = 0; u < 3; u++) st->kind[2 + u] = K_U, st->index[2 + u] = (unsigned char)u;
  st->sockets = (nf - 5) / 2;
  for (int s = 0; s < st->sockets; s++) {
    st->kind[5 + 2 * s] = K_CURRENT, st->index[5 + 2 * s] = (unsigned char)s;
    st->kind[6 + 2 * s] = K_POWER, st->index[6 + 2 * s] = (unsigned char)s;
  }
  st->ncols = nf;
  st->have_layout = 1;
}

static int is_diagnostic(const char *t) {
  return strstr(t, ";INFO;") || strstr(t, ";ERROR") || strstr(t, "NAN FOUND") ||
         strstr(t, "BAD FRAME") || strstr(t, ";WARN");
}

static int count_fields(const char *t, size_t len) {
  int n = 1;
  for (size_t i = 0; i < len; i++) n += t[i] == ',';
  return n;
}

/* Starts the integration of the whole log W, whose frames have SOCKETS. */
static void whole_start(struct whole_log *w, int sockets) {
  w->att = (struct wm_att){.sockets = sockets,
                           .off = wm_num_int(0),
                           .ws = wm_num_int(-9223372036854775807LL),
                           .we = wm_num_int(9223372036854775807LL)};
  w->series_state = (struct wm_state){.att = &w->att, .natt = 1, .series = w->series, .track = 1};
  wm_state_start(&w->series_state);
}

static void whole_feed(struct whole_log *w, const struct held_frame *f) {
  if (wm_feeds(&w->series_state, f->bank, f->ok)) wm_feed(&w->series_state, f->bank, wm_num_int(f->ts), f->p, f->has);
}

/* Sets W's gap limit from the bank-0 frames held (their first and last), as
 * the transform guesses it from a log's first and last (wm_guess_gap), and
 * feeds the held frames to the series. */
static void whole_guess(struct whole_log *w) {
  struct wm_state *s = &w->series_state;
  w->att.max_gap = wm_guess_gap(MODEL_GAP_PERIODS, (double)w->ts0_last - (double)w->ts0_first,
                                (double)(w->line0_last - w->line0_first));
  s->nbank = s->maxbank; /* the series array is W's own: started here, never grown */
  wm_series_start(s, 0, (size_t)s->maxbank * 6);
  w->guessed = 1;
  for (int i = 0; i < w->nheld; i++) whole_feed(w, &w->held[i]);
  w->nheld = 0;
}

/* A frame row F of line LINE, after its row was gathered for storing. */
static void whole_frame(struct whole_log *w, const struct held_frame *f, long long line) {
  if (!w->frames || f->ts < w->first) w->first = f->ts;
  if (!w->frames || f->ts > w->last) w->last = f->ts;
  w->frames++;
  if (f->bank == 0) {
    if (!w->frames0 || f->ts < w->first0) w->first0 = f->ts;
    if (!w->frames0 || f->ts > w->last0) w->last0 = f->ts;
    w->frames0++;
  }
  if (w->guessed) {
    whole_feed(w, f);
    return;
  }
  if (f->bank == 0) {
    if (w->frames0 == 1) w->line0_first = line, w->ts0_first = f->ts;
    w->line0_last = line, w->ts0_last = f->ts;
  }
  w->held[w->nheld++] = *f;
  if (w->nheld == WM_GUESS_FRAMES) whole_guess(w);
}

/* After the last line: W's span and gap limit into the file's wattmeter_file
 * row, which its first frame wrote, and its series with a reading into
 * wattmeter_series (schema/024_wattmeter_series.sql). */
static int whole_store(struct parse *p, struct whole_log *w) {
  if (!w->guessed) whole_guess(w);
  const struct wm_state *s = &w->series_state;
  sqlite3_stmt *st = wdb_stmt(p->db, sql_span);
  if (!st) return -1;
  sqlite3_bind_int64(st, 1, p->file_id);
  sqlite3_bind_int64(st, 2, w->first);
  sqlite3_bind_int64(st, 3, w->last);
  sqlite3_bind_int64(st, 4, w->frames0);
  if (w->frames0) {
    sqlite3_bind_int64(st, 5, w->first0);
    sqlite3_bind_int64(st, 6, w->last0);
  }
  sqlite3_bind_double(st, 7, w->att.max_gap);
  if (s->has_bridged) sqlite3_bind_double(st, 8, s->bridged);
  if (s->has_unbridged) sqlite3_bind_double(st, 9, s->unbridged);
  if (parse_insert(p, st)) return -1;
  for (int64_t j = 0; j < s->nbank * 6; j++) {
    const struct wm_series *x = &s->series[j];
    if (!x->z.n) continue;
    if (!(st = wdb_stmt(p->db, sql_series))) return -1;
    sqlite3_bind_int64(st, 1, p->file_id);
    sqlite3_bind_int64(st, 2, j / 6);
    sqlite3_bind_int64(st, 3, j % 6 + 1);
    sqlite3_bind_double(st, 4, x->z.energy);
    sqlite3_bind_double(st, 5, x->z.covered);
    sqlite3_bind_int64(st, 6, x->z.n);
    sqlite3_bind_int64(st, 7, x->first.i);
    sqlite3_bind_int64(st, 8, x->last.i);
    if (parse_insert(p, st)) return -1;
  }
  return 0;
}

static int write_file_row(struct parse *p, struct state *st) {
  sqlite3_stmt *f = wdb_stmt(p->db, sql_file);
  if (!f) return -1;
  sqlite3_bind_int64(f, 1, p->file_id);
  sqlite3_bind_int(f, 2, st->sockets);
  st->file_row_done = 1;
  whole_start(&st->whole, st->sockets);
  return parse_insert(p, f);
}

static enum line_verdict line(struct parse *p, const struct line *ln) {
  struct state *st = p->state;
  const char *t = ln->text;
  const char *hdr = strstr(t, "#timestamp,");
  if (hdr) {
    if (st->have_layout) return LINE_SKIPPED; /* repeated: a restarted logger appending */
    return take_header(p, st, hdr) ? LINE_REFUSE_FILE : LINE_SKIPPED;
  }
  /* a frame starts with digits, a dot, digits, a comma */
  size_t k = 0;
  while (k < ln->len && t[k] == ' ') k++;
  size_t d = k;
  while (k < ln->len && t[k] >= '0' && t[k] <= '9') k++;
  int frame_like = k > d && k < ln->len && (t[k] == '.' || t[k] == ',');
  if (!frame_like) {
    if (!st->have_layout || is_diagnostic(t)) return LINE_SKIPPED;
    return parse_reject(p, ln, 0, "not_a_frame", "not a wattmetre-read frame");
  }
  if (!st->have_layout) {
    int nf = count_fields(t, ln->len);
    if (nf < 7 || (nf - 5) % 2 || nf - 5 > 12 * WM_MAX_BANKS) {
      if (is_diagnostic(t)) return LINE_SKIPPED;
      return parse_reject(p, ln, 0, "no_header", "frame before any #timestamp header");
    }
    default_layout(st, nf);
    snprintf(p->format_version, sizeof p->format_version, "headerless");
  }
  if (!st->file_row_done) {
    if (write_file_row(p, st)) return LINE_FATAL;
    if (!p->format_version[0])
      snprintf(p->format_version, sizeof p->format_version, "nb%d", st->sockets);
  }

  int64_t ts = 0;
  int ok = -1;
  double u[3];
  int u_set[3] = {0, 0, 0};
  double cur[6 * WM_MAX_BANKS], pow_[6 * WM_MAX_BANKS];
  unsigned char cur_set[6 * WM_MAX_BANKS], pow_set[6 * WM_MAX_BANKS];
  memset(cur_set, 0, (size_t)st->sockets);
  memset(pow_set, 0, (size_t)st->sockets);

  int col = 0;
  const char *f = t, *end = t + ln->len;
  for (;;) {
    const char *e = memchr(f, ',', (size_t)(end - f));
    size_t n = e ? (size_t)(e - f) : (size_t)(end - f);
    if (col >= st->ncols) {
      col++;
      break;
    }
    double v;
    int r;
    switch (st->kind[col]) {
    case K_TS:
      r = wm_time(f, n, &ts);
      if (r == -2)
        return parse_reject(p, ln, col + 1, "bad_time", "epoch seconds '%.*s' are past 9999-12-31",
                            (int)(n < 40 ? n : 40), f);
      if (r)
        return parse_reject(p, ln, col + 1, "bad_time", "cannot parse '%.*s' as epoch seconds",
                            (int)(n < 40 ? n : 40), f);
      break;
    case K_OK:
      while (n && f[n - 1] == ' ') n--;
      while (n && *f == ' ') f++, n--;
      if (n == 4 && memcmp(f, "true", 4) == 0) ok = 1;
      else if (n == 5 && memcmp(f, "false", 5) == 0) ok = 0;
      else
        return parse_reject(p, ln, col + 1, "bad_flag", "frame_is_ok is '%.*s', not true/false",
                            (int)n, f);
      break;
    case K_U:
    case K_CURRENT:
    case K_POWER:
      r = wm_number(f, n, &v);
      if (r < 0)
        return parse_reject(p, ln, col + 1, "bad_number", "cannot parse '%.*s' as a number",
                            (int)n, f);
      if (r > 0) {
        unsigned idx = st->index[col];
        if (st->kind[col] == K_U) u[idx] = v, u_set[idx] = 1;
        else if (st->kind[col] == K_CURRENT) cur[idx] = v, cur_set[idx] = 1;
        else pow_[idx] = v, pow_set[idx] = 1;
      }
      break;
    default: break;
    }
    col++;
    if (!e) break;
    f = e + 1;
  }
  if (col != st->ncols)
    return parse_reject(p, ln, 0, "field_count", "expected %d fields, found %d", st->ncols,
                        count_fields(t, ln->len));

  int banks = st->sockets ? (st->sockets + 5) / 6 : 1;
  for (int b = 0; b < banks; b++) {
    if (!st->rows && !(st->rows = parse_batch(p, 0, sql_insert))) return LINE_FATAL;
    struct row_batch *row = st->rows;
    batch_int(row, 1, p->file_id);
    batch_int(row, 2, ln->number);
    batch_int(row, 3, b);
    batch_int(row, 4, ts);
    batch_int(row, 5, ok);
    for (int i = 0; i < 3; i++)
      if (b == 0 && u_set[i]) batch_double(row, 6 + i, u[i]);
    for (int s = 0; s < 6; s++) {
      int sock = 6 * b + s;
      if (sock < st->sockets && cur_set[sock]) batch_double(row, 9 + 2 * s, cur[sock]);
      if (sock < st->sockets && pow_set[sock]) batch_double(row, 10 + 2 * s, pow_[sock]);
    }
    if (batch_row_done(row)) return LINE_FATAL;
    struct held_frame hf = {.ts = ts, .bank = b, .ok = ok};
    for (int s = 0; s < 6; s++) {
      int sock = 6 * b + s;
      if (sock < st->sockets && pow_set[sock]) hf.p[s] = pow_[sock], hf.has |= 1u << s;
    }
    whole_frame(&st->whole, &hf, ln->number);
  }
  return LINE_STORED;
}

static int close_log(struct parse *p) {
  struct state *st = p->state;
  if (!st->file_row_done) return 0; /* no frame: no wattmeter_file row */
  if (whole_store(p, &st->whole)) {
    parse_fail(p, "cannot store the log's series: %s", sqlite3_errmsg(p->db->sql));
    return -1;
  }
  return 0;
}

/* The header, possibly after stray diagnostic lines, within the first lines. */
static int bid(const struct sniff *s) {
  const char *h = strstr(s->head, "#timestamp,#frame_is_ok");
  if (h && h - s->head < 8192) return BID_EXACT;
  h = strstr(s->head, "#timestamp,");
  if (h && strstr(h, "#activepow")) return BID_SIGNATURE;
  return 0;
}

const struct format fmt_wattmeter = {
    .name = "wattmeter",
    .tables = "wattmeter_frame,wattmeter_file,wattmeter_series",
    .version = 1,
    .time_convention = "utc",
    .bid = bid,
    .line = line,
    .close = close_log,
    .state_size = sizeof(struct state),
};
