/* ingest/fmt_powerjoular.c: PowerJoular CSV logs (`powerjoular -f FILE`, `-o FILE`,
 * with `-p PID` / `-a APP`, with or without `-c`), into powerjoular_sample
 * (schema/011_powerjoular.sql).
 *
 *   Date,CPU Utilization,Total Power,CPU Power,GPU Power           <- the machine's file
 *   2024-11-02 19:17:06,0.08333333333333,24.18295599999692,3.18295599999692,21.00000000000000
 *   Date,CPU Utilization,CPU Power                                 <- <FILE>-<PID>.csv, <FILE>-<APP>.csv
 *   2025-7-2 18:15:4.89,0.63716814159292,70.43764000001829         <- -c (1.1.0+): milliseconds
 *    2025- 7- 2  18: 15: 4. 89,0.6371...                           <- -c, development builds
 *
 * Columns are found by header name (Total Power and GPU Power may be absent:
 * NULL). A three-column file is a process's (powerjoular_file.layout 'process',
 * the PID or application from its name `<FILE>-<target>.csv`), or, when its name
 * has no such suffix, the machine's file of PowerJoular 0.1 (2021), which had
 * that header with the CPU as the only power ('system'). Numbers are Ada `Put(X, Exp => 0, Fore => 0)`: plain decimals, power in
 * W, utilisation a 0-1 fraction; `nan` and empty fields are NULL.
 *
 * Date is the local wall clock (time_convention 'naive-local'), written by Ada as
 *   - `YYYY-MM-DD HH:MM:SS` (Ada.Calendar.Formatting.Image, zero padded): format_version
 *     'seconds';
 *   - with -c, `Y-M-D H:M:S.MS` with no zero padding, MS being whole MILLISECONDS
 *     (`4.89` is 4.089 s, `5.50` is 5.050 s): 'ms'; builds of the development
 *     branch (2024-12 to 2025-01, and forks) put a space before every number
 *     (Integer'Image): ` 2025- 7- 2  18: 15: 4. 89`: 'ms-spaced'.
 * Any field out of range (month 13, 24:00, 1000 ms) rejects its line ('bad_time').
 *
 * Quirks: `-f` appends, so one file holds several sessions, each with its pause
 * (the transform does not bridge such gaps, see transform/50_sources.sql); a
 * header repeated inside the file (a file appended to by another build) is
 * skipped and re-read; `-o` rewrites the file each period with the latest line
 * and no header: a headerless file is read by its field count (5: machine, 3:
 * process). A line with another field count is rejected ('field_count'), a
 * number that is not one ('bad_number'); a torn last line is the driver's
 * ('truncated'). Not read: the unreleased 2026 layout `Timestamp,CPU Usage,...`
 * with Unix epoch seconds (no file seen; it is refused as unrecognised). */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "ingest/batch.h"
#include "ingest/format.h"
#include "ingest/values.h"

enum { C_DATE, C_UTIL, C_TOTAL, C_CPU, C_GPU, NCOLS };

static const struct column_spec specs[NCOLS] = {
    [C_DATE] = {{"Date"}, 1},
    [C_UTIL] = {{"CPU Utilization"}, 1},
    [C_TOTAL] = {{"Total Power"}, 0},
    [C_CPU] = {{"CPU Power"}, 1},
    [C_GPU] = {{"GPU Power"}, 0},
};

struct state {
  int layout_set;
  int nfields;       /* fields per data line */
  int map[NCOLS];    /* field of each column, -1 when absent */
};

static const char sql_insert[] =
    "INSERT INTO powerjoular_sample(file_id, line, ts_us, cpu_util, total_power_w, cpu_power_w, "
    "gpu_power_w) VALUES (?,?,?,?,?,?,?)";
static const char sql_file[] =
    "INSERT OR REPLACE INTO powerjoular_file(file_id, layout, target) VALUES (?,?,?)";

/* Reads 1 to MAXD digits at *S after optional spaces (a space counted in
 * *SPACED). Returns the number, or -1. */
static int pj_num(const char **s, int maxd, int *spaced) {
  const char *c = *s;
  while (*c == ' ') c++, (*spaced)++;
  int v = 0, d = 0;
  while (*c >= '0' && *c <= '9' && d < maxd) v = v * 10 + (*c++ - '0'), d++;
  if (d == 0 || (*c >= '0' && *c <= '9')) return -1;
  *s = c;
  return v;
}

/* Parses a PowerJoular date (above) into naive µs; KIND gets 0 (seconds),
 * 1 (ms) or 2 (ms-spaced). Returns 0, or -1 when S is not one or out of range. */
static int pj_time(const char *s, int64_t *us, int *kind) {
  int spaced = 0, v[7] = {0};
  static const char sep[6] = {'-', '-', ' ', ':', ':', '.'};
  static const int maxd[7] = {4, 2, 2, 2, 2, 2, 3};
  int n = 0;
  for (;;) {
    if ((v[n] = pj_num(&s, maxd[n], &spaced)) < 0) return -1;
    n++;
    if (n == 7 || !*s) break;
    if (*s != sep[n - 1]) return -1;
    s++;
    if (n == 3) /* between date and time: the separator space; further ones padding */
      while (*s == ' ' && s[1] == ' ') s++;
  }
  while (*s == ' ') s++;
  if (*s || n < 6) return -1;
  int64_t t = value_civil_us(v[0], v[1], v[2], v[3], v[4], v[5], n == 7 ? v[6] * 1000 : 0);
  if (t < 0) return -1;
  *us = t;
  *kind = n == 6 ? 0 : spaced ? 2 : 1;
  return 0;
}

/* The target of a per-process file: NAME's text between its last '-' and the
 * final ".csv" (powerjoular.csv-58538.csv: 58538, *N = 5); NULL when none. */
static const char *name_target(const char *name, int *n) {
  const char *dash = strrchr(name, '-');
  size_t len = strlen(name);
  if (!dash || len < 4 || strcasecmp(name + len - 4, ".csv") != 0) return NULL;
  const char *end = name + len - 4;
  if (end <= dash + 1) return NULL;
  *n = (int)(end - dash - 1);
  return dash + 1;
}

/* A file without total and GPU columns is a process's (-p/-a) when its name
 * says which one (PowerJoular always names it <FILE>-<target>.csv); otherwise it
 * is the machine's file of PowerJoular before 0.2 (2021), whose only power was
 * the CPU's, under the same three-column header. */
static int store_file_row(struct parse *p, const struct state *st) {
  sqlite3_stmt *f = wdb_stmt(p->db, sql_file);
  if (!f) return -1;
  int n = 0;
  const char *target = st->map[C_TOTAL] < 0 && st->map[C_GPU] < 0 ? name_target(p->name, &n) : NULL;
  sqlite3_bind_int64(f, 1, p->file_id);
  sqlite3_bind_text(f, 2, target ? "process" : "system", -1, SQLITE_STATIC);
  if (target) sqlite3_bind_text(f, 3, target, n, SQLITE_TRANSIENT);
  return parse_insert(p, f);
}

static int is_blank(const struct line *ln) {
  for (size_t i = 0; i < ln->len; i++)
    if (ln->text[i] != ' ' && ln->text[i] != '\t' && ln->text[i] != '\r') return 0;
  return 1;
}

static enum line_verdict line(struct parse *p, const struct line *ln) {
  struct state *st = p->state;
  if (is_blank(ln)) return LINE_SKIPPED;
  int nf = parse_fields(p, ln, ',');
  if (nf > 0 && strcasecmp(p->fields[0], "Date") == 0) { /* a header, first or again */
    if (parse_map_header(p, specs, NCOLS, st->map) < 0) return LINE_REFUSE_FILE;
    st->nfields = nf;
    st->layout_set = 1;
    return store_file_row(p, st) ? LINE_FATAL : LINE_SKIPPED;
  }
  if (!st->layout_set) { /* -o: no header; the layout by the field count */
    if (nf != 5 && nf != 3)
      return parse_reject(p, ln, 0, "field_count", "no header, and %d fields (not 3 or 5)", nf);
    st->nfields = nf;
    st->map[C_DATE] = 0;
    st->map[C_UTIL] = 1;
    st->map[C_TOTAL] = nf == 5 ? 2 : -1;
    st->map[C_CPU] = nf == 5 ? 3 : 2;
    st->map[C_GPU] = nf == 5 ? 4 : -1;
    st->layout_set = 1;
    if (!p->format_version[0]) snprintf(p->format_version, sizeof p->format_version, "noheader");
    if (store_file_row(p, st)) return LINE_FATAL;
  }
  if (nf != st->nfields)
    return parse_reject(p, ln, 0, "field_count", "expected %d fields, found %d", st->nfields, nf);

  int64_t ts;
  int kind;
  const char *date = p->fields[st->map[C_DATE]];
  if (pj_time(date, &ts, &kind))
    return parse_reject(p, ln, st->map[C_DATE] + 1, "bad_time", "cannot parse '%s' as a PowerJoular date",
                        date);
  double v[NCOLS];
  int set[NCOLS] = {0};
  for (int c = C_UTIL; c < NCOLS; c++) {
    if (st->map[c] < 0) continue;
    const char *t = p->fields[st->map[c]];
    switch (value_number(t, NULL, &v[c])) {
    case VALUE_OK: set[c] = 1; break;
    case VALUE_EMPTY:
    case VALUE_NULL: break;
    default:
      return parse_reject(p, ln, st->map[c] + 1, "bad_number", "cannot parse '%s' as %s", t,
                          specs[c].names[0]);
    }
  }
  /* the file's date style: the first data line's, or 'mixed' when they differ */
  static const char *const kinds[3] = {"seconds", "ms", "ms-spaced"};
  if (!p->format_version[0] || !strcmp(p->format_version, "noheader"))
    snprintf(p->format_version, sizeof p->format_version, "%s", kinds[kind]);
  else if (strcmp(p->format_version, kinds[kind]) != 0)
    snprintf(p->format_version, sizeof p->format_version, "mixed");

  struct row_batch *row = parse_batch(p, 0, sql_insert);
  if (!row) return LINE_FATAL;
  batch_int(row, 1, p->file_id);
  batch_int(row, 2, ln->number);
  batch_int(row, 3, ts);
  for (int c = C_UTIL; c < NCOLS; c++)
    if (set[c]) batch_double(row, 4 + (c - C_UTIL), v[c]);
  return batch_row_done(row) ? LINE_FATAL : LINE_STORED;
}

/* Its header; or (-o, no header) a line of 3 or 5 fields: a PowerJoular date,
 * a utilisation from 0 to 1, and powers (numbers or nan). */
static int bid(const struct sniff *s) {
  const char *l = s->first_line;
  if (strncasecmp(l, "Date,CPU Utilization,", 21) == 0) return BID_SIGNATURE;
  char buf[512];
  if (strlen(l) >= sizeof buf) return 0;
  snprintf(buf, sizeof buf, "%s", l);
  int n = 0;
  for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save), n++) {
    if (n >= 5) return 0;
    int64_t us;
    int kind;
    double x;
    while (*tok == ' ') tok++;
    if (n == 0 && pj_time(tok, &us, &kind)) return 0;
    if (n == 1 && (value_number(tok, NULL, &x) != VALUE_OK || x < 0 || x > 1)) return 0;
    if (n >= 2 && value_number(tok, NULL, &x) == VALUE_BAD) return 0;
  }
  return n == 5 || n == 3 ? BID_SHAPE : 0;
}

const struct format fmt_powerjoular = {
    .name = "powerjoular",
    .tables = "powerjoular_sample,powerjoular_file",
    .version = 1,
    .time_convention = "naive-local",
    .bid = bid,
    .line = line,
    .state_size = sizeof(struct state),
};
