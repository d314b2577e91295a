/* ingest/fmt_perf_stat.c: `perf stat` output with RAPL energy events (and any others).
 *
 * Human-readable (perf's default, often captured with 2>file, or -o/--append):
 *   # started on Sun Oct 13 20:30:37 2024
 *
 *    Performance counter stats for 'system wide':
 *
 *               548.53 Joules power/energy-pkg/
 *         87637187580        cycles                   (100.00%)
 *       3,725,805      cache-misses    #   17.30% of all cache refs
 *                50,03 Joules power/energy-ram/         <- locale decimal comma
 *        2 342 200 257      cycles                      <- U+202F (or NBSP) grouping
 *        <not counted> Joules power/energy-gpu/
 *         11.721109817 seconds time elapsed
 * Interval mode (-I ms): `#           time             counts unit events` headers
 * (repeated every 26 intervals), then `     0.500518622   0.14 Joules power/energy-cores/`:
 * the value is the delta of that interval, the timestamp the seconds since start.
 * CSV (-x SEP, any separator: , ; TAB |), fields [ts,][aggr,[ncpus,]]value,unit,
 * event,run_ns,pct[,variance%][,metric,metric unit]:
 *   464.30,Joules,power/energy-pkg/,32174397890,100.00,0.902,/sec
 *        0.100181057,0.060547,Joules                    <- perf 4.1.5: the unit ends in a
 *   ,power/energy-ram/,200356041,100.00                    newline, records split in two
 * Aggregation prefixes (S0, S0-D0, S0-D0-C1, CPU3, N0) are kept in perf_count.aggr.
 *
 * Blocks: each `# started on` line (and each `Performance counter stats` header
 * that follows counter lines: runs appended without -o) starts a new block; its
 * ctime is the block's naive-local start, interval timestamps are relative to it.
 * Times are range-checked: a `# started on` date that does not exist (Feb 31,
 * 25:61:99, a year outside 1970-9999) rejects that line ('bad_time'; the block
 * then has no start), and a counter line whose interval time exceeds
 * VALUE_MAX_SECONDS is rejected ('bad_time'), never stored.
 *
 * Line accounting: a counter line and the footer lines (`seconds time elapsed`,
 * `seconds user`, `seconds sys`) are rows. A record split over two lines is
 * stored at its first line, which is a row on its own (event NULL) until its
 * second half arrives; the second half then completes that row and is counted as
 * a skipped line. Headers, `#` lines and blank lines are skipped. Lines that are
 * not perf's at all, i.e. the workload's own stderr that `2>` captures (compiler
 * warnings, program output), are skipped too and are not rejected: they are not
 * measurements and the file holds them unchanged; source_file.skipped_lines
 * counts them. A line that starts like a counter (a number or <not counted>)
 * but cannot be read is rejected ('bad_record'). So lines = skipped_lines +
 * rows_ok + rows_rejected holds. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ingest/format.h"
#include "ingest/values.h"

#define MAX_TOK 48

struct state {
  int block, rows_in_block;
  int have_started;
  int64_t started_us;
  unsigned char sep;          /* CSV separator once seen, 0 before */
  long open_line;             /* line of the last row, when it may get a second half */
  int open_kind;              /* 1: human "value token", 2: CSV without event */
  char nbuf[128];             /* number normalization */
  char munit[128];            /* metric unit of the human line being read */
};

struct rec {
  int has_ts;
  int bad_ts;                 /* the timestamp has the shape of one but is out of range */
  const char *ts_text;
  int64_t ts_us;
  const char *aggr;
  int has_value;
  double value;
  const char *status;         /* "not counted", "not supported" or NULL */
  const char *unit, *event;
  int has_run;
  int64_t run_ns;
  int has_pct, has_var, has_metric;
  double pct, var, metric;
  const char *metric_unit;
};

static const char sql_insert[] =
    "INSERT INTO perf_count(file_id, line, block, started_us, ts_us, aggr, value, status, unit, "
    "event, run_ns, running_pct, variance_pct, metric_value, metric_unit) "
    "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)";
static const char sql_join_human[] =
    "UPDATE perf_count SET unit = event, event = ? WHERE file_id = ? AND line = ?";
static const char sql_join_csv[] =
    "UPDATE perf_count SET event = ?, run_ns = ?, running_pct = ?, variance_pct = ?, "
    "metric_value = ?, metric_unit = ? WHERE file_id = ? AND line = ?";

/* ---- numbers ------------------------------------------------------------------ */

/* Parses a perf count as printed under any locale: grouping by ',', '.', ''',
 * U+202F or NBSP, decimal '.' or ','. With both marks the later one is the
 * decimal point; a single ',' followed by exactly 3 digits is grouping (counts
 * are integers), otherwise a decimal comma (energies print 2 decimals, times 9).
 * Returns 0 and *OUT, or -1. */
static int perf_number(struct state *st, const char *s, size_t n, double *out) {
  size_t k = 0;
  const char *last_comma = NULL, *last_dot = NULL;
  int commas = 0, dots = 0;
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c == 0xE2 && i + 2 < n && (unsigned char)s[i + 1] == 0x80 && (unsigned char)s[i + 2] == 0xAF) {
      i += 2;
      continue;
    }
    if (c == 0xC2 && i + 1 < n && (unsigned char)s[i + 1] == 0xA0) {
      i++;
      continue;
    }
    if (c == '\'' || c == ' ') continue;
    if (k + 1 >= sizeof st->nbuf) return -1;
    if (c == ',') commas++, last_comma = st->nbuf + k;
    if (c == '.') dots++, last_dot = st->nbuf + k;
    if (!(isdigit(c) || c == ',' || c == '.' || c == '-' || c == '+' || c == 'e' || c == 'E'))
      return -1;
    st->nbuf[k++] = (char)c;
  }
  st->nbuf[k] = '\0';
  if (k == 0) return -1;
  char decimal = '.';
  if (commas && dots) decimal = last_comma > last_dot ? ',' : '.';
  else if (commas == 1 && !dots && strlen(last_comma + 1) != 3) decimal = ',';
  else if (dots > 1) decimal = ','; /* 1.234.567: dots group */
  size_t w = 0;
  for (size_t r = 0; r < k; r++) {
    char c = st->nbuf[r];
    if (c == ',' || c == '.') {
      if (c != decimal) continue;
      c = '.';
    }
    st->nbuf[w++] = c;
  }
  st->nbuf[w] = '\0';
  return value_number(st->nbuf, NULL, out) == VALUE_OK ? 0 : -1;
}

static int is_number_start(const char *s) {
  return isdigit((unsigned char)s[0]) || ((s[0] == '-' || s[0] == '+') && isdigit((unsigned char)s[1]));
}

/* S0, S0-D0, S0-D0-C1, CPU3, N0, or `summary` (--summary in interval CSV). */
static int is_aggr(const char *s) {
  if (!strcmp(s, "summary")) return 1;
  if (!strncmp(s, "CPU", 3) && isdigit((unsigned char)s[3])) s += 3;
  else if ((s[0] == 'S' || s[0] == 'N') && isdigit((unsigned char)s[1])) s++;
  else return 0;
  while (*s) {
    if (isdigit((unsigned char)*s)) s++;
    else if (s[0] == '-' && (s[1] == 'D' || s[1] == 'C') && isdigit((unsigned char)s[2])) s += 2;
    else return 0;
  }
  return 1;
}

/* Skips blanks at *P and reads 1 to MAXD digits into *V. Returns the digit count, 0 when none. */
static int ctime_digits(const char **p, int maxd, int *v) {
  while (**p == ' ') (*p)++;
  int n = 0, x = 0;
  while (n < maxd && isdigit((unsigned char)**p)) x = x * 10 + (*(*p)++ - '0'), n++;
  *v = x;
  return isdigit((unsigned char)**p) ? 0 : n; /* more digits than MAXD: not a ctime */
}

/* Skips blanks at *P and reads one of the 3-letter names in LIST. Returns its
 * 0-based index, or -1. */
static int ctime_name(const char **p, const char *list) {
  while (**p == ' ') (*p)++;
  for (int i = 0; list[3 * i]; i++)
    if (strncmp(*p, list + 3 * i, 3) == 0 && !isalpha((unsigned char)(*p)[3])) {
      *p += 3;
      return i;
    }
  return -1;
}

/* "Sun Apr 28 19:46:48 2024" (ctime: English names, the day padded with a
 * blank, 2-digit time fields, the year) to naive µs. Returns 0, or -1 when S is
 * not one or names a time that does not exist (Feb 31, 25:61:99, the year 0):
 * every field is read with a bounded digit count and range-checked by
 * value_civil_us, so nothing overflows. */
static int ctime_us(const char *s, int64_t *us) {
  int d, h, mi, se, y;
  const char *p = s;
  if (ctime_name(&p, "SunMonTueWedThuFriSat") < 0) return -1;
  int mon = ctime_name(&p, "JanFebMarAprMayJunJulAugSepOctNovDec");
  if (mon < 0 || !ctime_digits(&p, 2, &d) || ctime_digits(&p, 2, &h) != 2 || *p++ != ':' ||
      !isdigit((unsigned char)*p) || ctime_digits(&p, 2, &mi) != 2 || *p++ != ':' ||
      !isdigit((unsigned char)*p) || ctime_digits(&p, 2, &se) != 2 || *p != ' ' ||
      ctime_digits(&p, 4, &y) != 4)
    return -1;
  while (*p == ' ' || *p == '\r') p++;
  if (*p) return -1;
  int64_t t = value_civil_us(y, mon + 1, d, h, mi, se, 0);
  if (t < 0) return -1;
  *us = t;
  return 0;
}

/* "SECONDS.FRACTION" (an interval timestamp) to µs, truncated. Returns 0; -1
 * when S is not one; -2 when it is, but beyond VALUE_MAX_SECONDS (a record
 * with that timestamp is rejected, not read as something else). */
static int rel_us(const char *s, int64_t *us) {
  return value_seconds(s, strlen(s), 1, us);
}

/* ---- CSV ------------------------------------------------------------------------ */

static int has_blank(const char *s) {
  for (; *s; s++)
    if (isspace((unsigned char)*s)) return 1;
  return 0;
}

static int not_counted(const char *s, const char **status) {
  if (!strcmp(s, "<not counted>")) return *status = "not counted", 1;
  if (!strcmp(s, "<not supported>")) return *status = "not supported", 1;
  return 0;
}

/* The fields after the event, from F[I]: run time (integer ns), running
 * percentage, the -r variance (ends in '%', before or after the run time
 * depending on the perf version), metric value and unit. */
static void csv_tail(struct state *st, const char **f, int nf, int i, struct rec *r) {
  double x;
  int64_t n;
  for (; i < nf; i++) {
    const char *t = f[i];
    size_t tl = strlen(t);
    if (!tl) continue;
    if (t[tl - 1] == '%' && !r->has_var) {
      if (perf_number(st, t, tl - 1, &x) == 0) r->has_var = 1, r->var = x;
    } else if (!r->has_run && !r->has_pct && !strchr(t, '.') && !strchr(t, ',') &&
               value_integer(t, &n) == VALUE_OK) {
      r->has_run = 1, r->run_ns = n;
    } else if (r->has_run && !r->has_pct && perf_number(st, t, tl, &x) == 0) {
      r->has_pct = 1, r->pct = x;
    } else if (!r->has_metric && perf_number(st, t, tl, &x) == 0) {
      r->has_metric = 1, r->metric = x;
    } else if (!r->metric_unit) {
      r->metric_unit = t;
    }
  }
}

/* Reads the fields last split as a perf CSV record into R. Returns 0, or -1
 * when the line is not one (then nothing is claimed). */
static int csv_record(struct parse *p, struct state *st, struct rec *r) {
  const char **f = p->fields;
  int nf = p->nfields, i = 0;
  memset(r, 0, sizeof *r);
  if (nf < 2) return -1;
  for (int k = 0; k < nf && k < 3; k++)
    if (has_blank(f[k]) && strncmp(f[k], "<not ", 5) != 0) return -1;
  const char *status;
  int tr = -1;
  if (is_number_start(f[0]) && nf > 2 &&
      (is_number_start(f[1]) || not_counted(f[1], &status) || is_aggr(f[1])) &&
      (tr = rel_us(f[0], &r->ts_us)) != -1) {
    r->has_ts = 1;
    r->bad_ts = tr == -2;
    r->ts_text = f[0];
    i++;
  }
  if (i < nf && is_aggr(f[i])) {
    r->aggr = f[i++];
    if (i + 1 < nf && is_number_start(f[i]) && !strchr(f[i], '.') &&
        (is_number_start(f[i + 1]) || not_counted(f[i + 1], &status)))
      i++; /* count of CPUs aggregated */
  }
  if (i >= nf) return -1;
  if (not_counted(f[i], &r->status)) {
  } else if (is_number_start(f[i]) && perf_number(st, f[i], strlen(f[i]), &r->value) == 0) {
    r->has_value = 1;
  } else {
    return -1;
  }
  i++;
  if (i < nf && f[i][0]) r->unit = f[i];
  i++;
  if (i < nf && f[i][0]) r->event = f[i];
  i++;
  if (!r->event && !r->unit) return -1;
  csv_tail(st, f, nf, i, r);
  return 0;
}

/* ---- human-readable ---------------------------------------------------------------- */

/* Reads LINE as a human-readable counter line into R, the tokens copied into
 * BUF. Returns 0, or -1 when it is not one. */
static int human_record(struct state *st, const char *line, char *buf, size_t bufsz, struct rec *r) {
  memset(r, 0, sizeof *r);
  snprintf(buf, bufsz, "%s", line);
  /* the metric comment and the running percentage are not tokens of the record */
  char *hash = strstr(buf, " #");
  if (hash) {
    *hash = '\0';
    char *m = hash + 2;
    while (*m == ' ') m++;
    size_t ml = strcspn(m, " \t");
    int pct = ml && m[ml - 1] == '%';
    double x;
    if (ml && perf_number(st, m, ml - (size_t)pct, &x) == 0) {
      r->has_metric = 1;
      r->metric = x;
      char *u = m + ml;
      while (*u == ' ') u++;
      size_t ul = strlen(u);
      while (ul && isspace((unsigned char)u[ul - 1])) u[--ul] = '\0';
      /* old perf: the running percentage "(100.00%)" after the metric */
      char *paren = strrchr(u, '(');
      double pc;
      if (paren && ul > 3 && u[ul - 1] == ')' && u[ul - 2] == '%') {
        u[ul - 2] = '\0';
        if (value_number(paren + 1, NULL, &pc) == VALUE_OK) {
          r->has_pct = 1;
          r->pct = pc;
          *paren = '\0';
          ul = strlen(u);
          while (ul && isspace((unsigned char)u[ul - 1])) u[--ul] = '\0';
        } else {
          u[ul - 2] = '%';
        }
      }
      /* "17.30% of all cache refs": the unit keeps its % */
      snprintf(st->munit, sizeof st->munit, "%s%s%s", pct ? "%" : "", pct && ul ? " " : "", u);
      r->metric_unit = st->munit[0] ? st->munit : NULL;
    }
  }
  char *tok[MAX_TOK];
  int n = 0;
  for (char *save = NULL, *t = strtok_r(buf, " \t\r", &save); t && n < MAX_TOK;
       t = strtok_r(NULL, " \t\r", &save))
    tok[n++] = t;
  if (n < 2) return -1;
  int i = 0;
  double x;
  /* interval timestamp: a decimal followed by a count, <not counted> or an aggregation id */
  int tr = -1;
  if (n >= 3 && is_number_start(tok[0]) && strchr(tok[0], '.') && !strchr(tok[0], ',') &&
      (is_number_start(tok[1]) || !strcmp(tok[1], "<not") || is_aggr(tok[1])) &&
      (tr = rel_us(tok[0], &r->ts_us)) != -1) {
    r->has_ts = 1;
    r->bad_ts = tr == -2;
    r->ts_text = tok[0];
    i++;
  }
  if (i < n && is_aggr(tok[i])) {
    r->aggr = tok[i++];
    if (i + 1 < n && is_number_start(tok[i]) && (is_number_start(tok[i + 1]) || !strcmp(tok[i + 1], "<not")))
      i++;
  }
  if (i >= n) return -1;
  if (!strcmp(tok[i], "<not") && i + 1 < n) {
    char both[32];
    snprintf(both, sizeof both, "<not %s", tok[i + 1]);
    if (!not_counted(both, &r->status)) return -1;
    i += 2;
  } else {
    if (!is_number_start(tok[i])) return -1;
    /* plain-space grouping: "5 005,68" */
    char merged[128];
    snprintf(merged, sizeof merged, "%s", tok[i]);
    while (i + 1 < n && strlen(merged) <= 7 && strspn(merged, "0123456789") == strlen(merged) &&
           strspn(tok[i + 1], "0123456789") == 3 &&
           (tok[i + 1][3] == '\0' || tok[i + 1][3] == ',' || tok[i + 1][3] == '.')) {
      size_t ml = strlen(merged);
      snprintf(merged + ml, sizeof merged - ml, "%s", tok[++i]);
    }
    if (perf_number(st, merged, strlen(merged), &r->value)) return -2; /* looked like a count */
    r->has_value = 1;
    i++;
  }
  /* variance of -r: "+- 0.000736" after the value (footer) */
  if (i + 1 < n && !strcmp(tok[i], "+-")) i += 2;
  const char *rest[MAX_TOK];
  int nr = 0;
  for (; i < n; i++) {
    const char *t = tok[i];
    size_t tl = strlen(t);
    if (t[0] == '(' && tl > 2 && t[tl - 2] == '%' && t[tl - 1] == ')') { /* (100.00%) */
      char pc[32];
      snprintf(pc, sizeof pc, "%.*s", (int)(tl - 3), t + 1);
      if (value_number(pc, NULL, &x) == VALUE_OK) r->has_pct = 1, r->pct = x;
      continue;
    }
    if (!strcmp(t, "(") || !strcmp(t, ")")) continue;
    if (!strcmp(t, "+-") && i + 1 < n) { /* ( +-  1.24% ) */
      if (value_number(tok[i + 1], "%", &x) == VALUE_OK) r->has_var = 1, r->var = x;
      i++;
      continue;
    }
    rest[nr++] = t;
  }
  if (nr == 0) return -2;
  if (!strcmp(rest[0], "seconds")) { /* footer */
    r->unit = "seconds";
    if (nr >= 3 && !strcmp(rest[1], "time") && !strcmp(rest[2], "elapsed")) r->event = "time elapsed";
    else if (nr == 2 && (!strcmp(rest[1], "user") || !strcmp(rest[1], "sys"))) r->event = rest[1];
    else return -2;
    return 0;
  }
  if (nr == 1) {
    r->event = rest[0];
  } else if (nr == 2) {
    r->unit = rest[0];
    r->event = rest[1];
  } else {
    return -2;
  }
  return 0;
}

/* ---- lines ------------------------------------------------------------------------ */

static enum line_verdict store(struct parse *p, struct state *st, const struct line *ln,
                               const struct rec *r) {
  if (r->bad_ts)
    return parse_reject(p, ln, 1, "bad_time", "interval time '%.40s' s is out of range",
                        r->ts_text);
  if (st->block == 0) st->block = 1;
  st->rows_in_block++;
  sqlite3_stmt *ins = wdb_stmt(p->db, sql_insert);
  if (!ins) return LINE_FATAL;
  sqlite3_bind_int64(ins, 1, p->file_id);
  sqlite3_bind_int64(ins, 2, ln->number);
  sqlite3_bind_int(ins, 3, st->block);
  if (st->have_started) sqlite3_bind_int64(ins, 4, st->started_us);
  if (r->has_ts) sqlite3_bind_int64(ins, 5, r->ts_us);
  if (r->aggr) sqlite3_bind_text(ins, 6, r->aggr, -1, SQLITE_TRANSIENT);
  if (r->has_value) sqlite3_bind_double(ins, 7, r->value);
  if (r->status) sqlite3_bind_text(ins, 8, r->status, -1, SQLITE_STATIC);
  if (r->unit) sqlite3_bind_text(ins, 9, r->unit, -1, SQLITE_TRANSIENT);
  if (r->event) sqlite3_bind_text(ins, 10, r->event, -1, SQLITE_TRANSIENT);
  if (r->has_run) sqlite3_bind_int64(ins, 11, r->run_ns);
  if (r->has_pct) sqlite3_bind_double(ins, 12, r->pct);
  if (r->has_var) sqlite3_bind_double(ins, 13, r->var);
  if (r->has_metric) sqlite3_bind_double(ins, 14, r->metric);
  if (r->metric_unit) sqlite3_bind_text(ins, 15, r->metric_unit, -1, SQLITE_TRANSIENT);
  return parse_insert(p, ins) ? LINE_FATAL : LINE_STORED;
}

/* The second half of a split record (CSV: ",event,run,pct..."): completes the row. */
static enum line_verdict join_csv(struct parse *p, struct state *st) {
  struct rec r;
  memset(&r, 0, sizeof r);
  csv_tail(st, p->fields, p->nfields, 2, &r);
  sqlite3_stmt *up = wdb_stmt(p->db, sql_join_csv);
  if (!up) return LINE_FATAL;
  sqlite3_bind_text(up, 1, p->fields[1], -1, SQLITE_TRANSIENT);
  if (r.has_run) sqlite3_bind_int64(up, 2, r.run_ns);
  if (r.has_pct) sqlite3_bind_double(up, 3, r.pct);
  if (r.has_var) sqlite3_bind_double(up, 4, r.var);
  if (r.has_metric) sqlite3_bind_double(up, 5, r.metric);
  if (r.metric_unit) sqlite3_bind_text(up, 6, r.metric_unit, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64(up, 7, p->file_id);
  sqlite3_bind_int64(up, 8, st->open_line);
  st->open_kind = 0;
  return parse_insert(p, up) ? LINE_FATAL : LINE_SKIPPED;
}

static enum line_verdict line(struct parse *p, const struct line *ln) {
  struct state *st = p->state;
  const char *t = ln->text;
  while (*t == ' ' || *t == '\t') t++;
  int continuing = st->open_kind && ln->number == st->open_line + 1;
  if (!continuing) st->open_kind = 0;

  if (!strncmp(t, "# started on", 12)) {
    st->block++;
    st->rows_in_block = 0;
    st->have_started = ctime_us(t + 12, &st->started_us) == 0;
    if (!st->have_started)
      return parse_reject(p, ln, 0, "bad_time", "cannot read '%.60s' as a start date",
                          t + 12 + strspn(t + 12, " "));
    return LINE_SKIPPED;
  }
  if (t[0] == '#') return LINE_SKIPPED; /* interval header */
  if (strstr(t, "Performance counter stats for")) {
    if (st->rows_in_block) { /* a run appended without '# started on' */
      st->block++;
      st->rows_in_block = 0;
      st->have_started = 0;
    }
    return LINE_SKIPPED;
  }

  struct rec r;
  /* CSV: with the separator seen before, or any candidate on a first record */
  static const unsigned char seps[] = {',', ';', '\t', '|'};
  for (size_t k = 0; k < sizeof seps; k++) {
    unsigned char sep = st->sep ? st->sep : seps[k];
    if (!strchr(t, sep)) {
      if (st->sep) break;
      continue;
    }
    parse_fields(p, ln, sep);
    if (continuing && st->open_kind == 2 && p->nfields >= 2 && !p->fields[0][0] && p->fields[1][0])
      return join_csv(p, st);
    if (csv_record(p, st, &r) == 0) {
      st->sep = sep;
      if (!st->rows_in_block && !p->format_version[0]) snprintf(p->format_version, sizeof p->format_version, "csv");
      enum line_verdict v = store(p, st, ln, &r);
      if (v == LINE_STORED && !r.event) st->open_kind = 2, st->open_line = ln->number;
      return v;
    }
    if (st->sep) break;
  }

  char buf[1024];
  if (ln->len >= sizeof buf) return LINE_SKIPPED; /* not a perf line */
  int h = human_record(st, t, buf, sizeof buf, &r);
  if (h == 0) {
    if (!p->format_version[0]) snprintf(p->format_version, sizeof p->format_version, "human");
    enum line_verdict v = store(p, st, ln, &r);
    if (v == LINE_STORED && r.event && !r.unit) st->open_kind = 1, st->open_line = ln->number;
    return v;
  }
  /* the second half of a human record split after its unit: a lone event name */
  if (continuing && st->open_kind == 1) {
    char ev[256];
    size_t n = strcspn(t, " \t\r");
    if (n && n < sizeof ev && t[n + strspn(t + n, " \t\r")] == '\0') {
      snprintf(ev, sizeof ev, "%.*s", (int)n, t);
      sqlite3_stmt *up = wdb_stmt(p->db, sql_join_human);
      if (!up) return LINE_FATAL;
      sqlite3_bind_text(up, 1, ev, -1, SQLITE_TRANSIENT);
      sqlite3_bind_int64(up, 2, p->file_id);
      sqlite3_bind_int64(up, 3, st->open_line);
      st->open_kind = 0;
      return parse_insert(p, up) ? LINE_FATAL : LINE_SKIPPED;
    }
  }
  if (h == -2 || !strncmp(t, "<not ", 5))
    return parse_reject(p, ln, 0, "bad_record", "cannot read this perf stat line");
  return LINE_SKIPPED; /* the workload's own output: not perf's (see the top) */
}

static int bid(const struct sniff *s) {
  if (!strncmp(s->first_line, "# started on", 12)) return BID_SIGNATURE;
  if (strstr(s->head, "Performance counter stats for")) return BID_SIGNATURE;
  if (strstr(s->head, "#           time ") && strstr(s->head, "counts")) return BID_SIGNATURE;
  if (strstr(s->head, "power/energy-") && strstr(s->head, "Joules")) return BID_PARTIAL;
  return 0;
}

const struct format fmt_perf_stat = {
    .name = "perf-stat",
    .tables = "perf_count",
    .version = 1,
    .time_convention = "relative",
    .bid = bid,
    .line = line,
    /* perf writes its block at exit; a last line without newline is complete */
    .keeps_unterminated_tail = 1,
    .state_size = sizeof(struct state),
};
