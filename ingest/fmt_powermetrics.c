/* ingest/fmt_powermetrics.c: macOS `powermetrics` text output (`-f text`, the
 * default; also the `powermetrics_log.txt` CodeCarbon's macOS backend leaves).
 *
 *   Machine model: MacBookAir10,1                  <- header, once (Intel adds
 *   OS version: 21G115                                `SMC version:`, `EFI version:`)
 *   Boot arguments:
 *   Boot time: Fri Nov 10 09:43:28 2023
 *
 *   *** Sampled system activity (Fri Nov 10 12:37:08 2023 +0100) (104.51ms elapsed) ***
 *
 *   **** Processor usage ****
 *   E-Cluster Power: 105 mW                        <- macOS 12: per cluster (E, P, P0, P1, ...)
 *   ...
 *   ANE Power: 0 mW
 *   DRAM Power: 220 mW
 *   CPU Power: 947 mW
 *   GPU Power: 153 mW
 *   Package Power: 1473 mW                         <- macOS 12
 *   Combined Power (CPU + GPU + ANE): 180 mW       <- macOS 13+ (no cluster, DRAM, Package)
 *   Intel energy model derived package power (CPUs+GT+SA): 1.63W   <- Intel Macs: watts
 *   **** GPU usage ****
 *   GPU Power: 28 mW                               <- the GPU sampler's own reading
 *
 * A sample starts at its `*** Sampled system activity ***` line: the date is
 * local wall time with its UTC offset (`%a %b %e %H:%M:%S %Y +HHMM`, day
 * space-padded), stored as UTC (time_convention 'utc') with the offset beside
 * it; `(N ms elapsed)` is the sample's own measured length (longer than -i),
 * which source_energy multiplies the powers by. Both parts are optional (some
 * writers print the bare separator). A date that does not exist (Feb 31, an
 * offset past +-14:00, a year outside 1970-9999) rejects the line ('bad_time');
 * its sample's power lines are kept with sample_line NULL.
 *
 * Power lines (`NAME Power: V mW`, `NAME power (...): V W`, in the processor
 * or GPU section or before any section) are rows of powermetrics_power, in W;
 * the first line of each component and cluster of a sample is the one counted
 * (the GPU sampler repeats `GPU Power`). Header lines are rows of
 * powermetrics_info. Everything else (section titles, frequencies and
 * residencies, the other samplers: tasks tables, interrupts, battery, network,
 * disk, thermal pressure) is skipped and counted in source_file.skipped_lines.
 * A power line whose value cannot be read is rejected ('bad_value').
 *
 * Damaged files: a header-only file (powermetrics stopped before its first
 * sample) is read, with no sample. Leading NUL bytes make the driver reject
 * their line as 'nul_byte'; the samples after it are read. A section title
 * seen twice in one sample means the separator between them was lost (a
 * refused line): the lines after it belong to a sample of unknown time
 * (sample_line NULL). The torn last line is rejected by the driver
 * ('truncated'), and the sample the file ends in is marked incomplete when
 * the last line was torn or it lacks the total power line (Package, Combined,
 * Intel package) that the file's other samples have.
 *
 * The `-f plist` form (a stream of plist documents, one per sample) is read by
 * ingest/fmt_powermetrics_plist.c into the same tables: a file whose first
 * line (after any the driver refused) opens a plist document is of that form,
 * format_version 'plist'. */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ingest/fmt_powermetrics_plist.h"
#include "ingest/format.h"
#include "ingest/values.h"

enum section { SEC_NONE, SEC_PROCESSOR, SEC_GPU, SEC_OTHER };

/* components, in the `seen` mask of a sample */
enum comp { C_CPU, C_GPU, C_ANE, C_DRAM, C_PACKAGE, C_COMBINED, C_CLUSTER, C_OTHER };
static const char *const comp_name[] = {"cpu", "gpu", "ane", "dram", "package", "combined", "cluster",
                                        "other"};

struct state {
  int in_sample;             /* a separator (or a lost one) has been seen */
  int samples;               /* separators seen */
  long sample_line;          /* the current sample's stored separator, 0: none */
  enum section section;
  unsigned sections_seen;    /* bit per section of the current sample */
  unsigned comps_seen;       /* bit per component of the current sample */
  int has_total;             /* the current sample has a total power line */
  int totals;                /* samples with a total line */
  int torn;                  /* the file's last line was torn */
  int header_lines;          /* lines seen before the first sample */
  char buf[128];
  int plist;                 /* the file is of the -f plist form */
  struct pm_plist pl;        /* its state */
};

static const char sql_info[] =
    "INSERT INTO powermetrics_info(file_id, line, key, value) VALUES (?,?,?,?)";
static const char sql_sample[] =
    "INSERT INTO powermetrics_sample(file_id, line, sample, ts_us, utc_offset_s, elapsed_us) "
    "VALUES (?,?,?,?,?,?)";
static const char sql_power[] =
    "INSERT INTO powermetrics_power(file_id, line, sample_line, section, name, component, device, "
    "power_w, counted) VALUES (?,?,?,?,?,?,?,?,?)";
static const char sql_incomplete[] =
    "UPDATE powermetrics_sample SET complete = 0 WHERE file_id = ? AND line = ?";

static const char SEP[] = "*** Sampled system activity";

static int starts(const char *s, const char *prefix) {
  return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* memmem over the sniffed head, which may hold NUL bytes: memchr finds each
 * candidate first byte, so a head without the needle costs one fast scan. */
static const char *find(const char *h, size_t n, const char *needle) {
  size_t k = strlen(needle);
  const char *end = h + n;
  for (const char *at = h; k <= (size_t)(end - at); at++) {
    at = memchr(at, needle[0], (size_t)(end - at) - k + 1);
    if (!at) return NULL;
    if (memcmp(at, needle, k) == 0) return at;
  }
  return NULL;
}

static int bid(const struct sniff *s) {
  if (find(s->head, s->len, SEP)) return BID_EXACT;
  if (find(s->head, s->len, "Machine model: ") && find(s->head, s->len, "\nOS version: ") &&
      find(s->head, s->len, "\nBoot time: "))
    return BID_SIGNATURE;
  /* the -f plist form; one stopped before its first sample (the XML prolog
   * alone) only by its name */
  if (find(s->head, s->len, "<plist") && find(s->head, s->len, "<key>kern_osversion</key>") &&
      (find(s->head, s->len, "<key>elapsed_ns</key>") || find(s->head, s->len, "<key>is_delta</key>")))
    return BID_SIGNATURE;
  if (strstr(s->name, "powermetrics") && find(s->head, s->len, "<!DOCTYPE plist")) return BID_PARTIAL;
  return 0;
}

/* ---- dates ---------------------------------------------------------------------- */

/* Reads 1 to MAXD digits at *P (blanks before skipped). Returns the count, 0 when none
 * or more than MAXD. */
static int digits(const char **p, int maxd, int *v) {
  while (**p == ' ') (*p)++;
  int n = 0, x = 0;
  while (n < maxd && isdigit((unsigned char)**p)) x = x * 10 + (*(*p)++ - '0'), n++;
  *v = x;
  return isdigit((unsigned char)**p) ? 0 : n;
}

static int name3(const char **p, const char *list) {
  while (**p == ' ') (*p)++;
  for (int i = 0; list[3 * i]; i++)
    if (strncmp(*p, list + 3 * i, 3) == 0 && !isalpha((unsigned char)(*p)[3])) {
      *p += 3;
      return i;
    }
  return -1;
}

/* "Fri Nov 10 12:37:08 2023 +0100" (S[0..N)) to UTC µs and the offset in
 * seconds. Returns 0, or -1 when it is not one or names a time that does not
 * exist: every field bounded and range-checked (value_civil_us), the offset
 * within +-14:00 and its minutes below 60. */
static int sample_date(const char *s, size_t n, int64_t *utc, int *off_s) {
  char b[64];
  if (n >= sizeof b) return -1;
  memcpy(b, s, n);
  b[n] = '\0';
  const char *p = b;
  int d, h, mi, se, y, oh, om;
  if (name3(&p, "SunMonTueWedThuFriSat") < 0) return -1;
  int mon = name3(&p, "JanFebMarAprMayJunJulAugSepOctNovDec");
  if (mon < 0 || !digits(&p, 2, &d) || digits(&p, 2, &h) != 2 || *p++ != ':' ||
      !isdigit((unsigned char)*p) || digits(&p, 2, &mi) != 2 || *p++ != ':' ||
      !isdigit((unsigned char)*p) || digits(&p, 2, &se) != 2 || *p != ' ' || digits(&p, 4, &y) != 4)
    return -1;
  while (*p == ' ') p++;
  if (*p != '+' && *p != '-') return -1;
  int sign = *p++ == '-' ? -1 : 1;
  if (!isdigit((unsigned char)p[0]) || !isdigit((unsigned char)p[1]) || !isdigit((unsigned char)p[2]) ||
      !isdigit((unsigned char)p[3]))
    return -1;
  oh = (p[0] - '0') * 10 + (p[1] - '0');
  om = (p[2] - '0') * 10 + (p[3] - '0');
  p += 4;
  while (*p == ' ') p++;
  if (*p || om >= 60 || oh * 60 + om > 14 * 60) return -1;
  int64_t local = value_civil_us(y, mon + 1, d, h, mi, se, 0);
  if (local < 0) return -1;
  *off_s = sign * (oh * 3600 + om * 60);
  int64_t t = local - (int64_t)*off_s * 1000000;
  if (t < 0) return -1;
  *utc = t;
  return 0;
}

/* "104.51ms elapsed" (S[0..N)) to µs, rounded. Returns 0, or -1. */
static int elapsed(struct state *st, const char *s, size_t n, int64_t *us) {
  const char *e = find(s, n, "ms elapsed");
  if (!e) return -1;
  size_t k = (size_t)(e - s);
  if (k == 0 || k >= sizeof st->buf) return -1;
  memcpy(st->buf, s, k);
  st->buf[k] = '\0';
  double ms;
  if (value_number(st->buf, NULL, &ms) != VALUE_OK || !(ms >= 0) ||
      ms > (double)VALUE_MAX_SECONDS * 1000.0)
    return -1;
  *us = llround(ms * 1000.0);
  return 0;
}

/* ---- lines ---------------------------------------------------------------------- */

static void new_sample(struct state *st, long sample_line) {
  if (st->in_sample && st->has_total) st->totals++;
  st->in_sample = 1;
  st->sample_line = sample_line;
  st->section = SEC_NONE;
  st->sections_seen = st->comps_seen = 0;
  st->has_total = 0;
}

static enum line_verdict separator(struct parse *p, struct state *st, const struct line *ln) {
  const char *t = ln->text;
  size_t n = ln->len;
  int64_t utc = 0, el = 0;
  int off = 0, have_date = 0, have_el = 0;
  /* the parenthesised parts: the date first, the elapsed time second */
  const char *q = t + sizeof SEP - 1, *end = t + n;
  for (int part = 0; part < 2; part++) {
    const char *o = memchr(q, '(', (size_t)(end - q));
    if (!o) break;
    const char *c = memchr(o, ')', (size_t)(end - o));
    if (!c) break;
    size_t len = (size_t)(c - o - 1);
    if (find(o + 1, len, "elapsed")) {
      if (elapsed(st, o + 1, len, &el)) {
        new_sample(st, 0);
        st->samples++;
        return parse_reject(p, ln, (int)(o - t) + 2, "bad_value", "elapsed time '%.*s' is not one",
                            (int)len, o + 1);
      }
      have_el = 1;
    } else {
      if (sample_date(o + 1, len, &utc, &off)) {
        new_sample(st, 0);
        st->samples++;
        return parse_reject(p, ln, (int)(o - t) + 2, "bad_time",
                            "sample date '%.*s' is not a date with a UTC offset (DAY MON D HH:MM:SS "
                            "YYYY +HHMM) that exists",
                            (int)len, o + 1);
      }
      have_date = 1;
    }
    q = c + 1;
  }
  new_sample(st, ln->number);
  st->samples++;
  sqlite3_stmt *ins = wdb_stmt(p->db, sql_sample);
  if (!ins) return LINE_FATAL;
  sqlite3_bind_int64(ins, 1, p->file_id);
  sqlite3_bind_int64(ins, 2, ln->number);
  sqlite3_bind_int(ins, 3, st->samples);
  if (have_date) sqlite3_bind_int64(ins, 4, utc), sqlite3_bind_int(ins, 5, off);
  if (have_el) sqlite3_bind_int64(ins, 6, el);
  return parse_insert(p, ins) ? LINE_FATAL : LINE_STORED;
}

/* `**** Processor usage ****`, `*** Running tasks ***`, `****  Interrupt distribution ****` */
static int section_title(const char *t, size_t n, enum section *sec) {
  if (n < 6 || strncmp(t, "***", 3) != 0 || strncmp(t + n - 3, "***", 3) != 0) return 0;
  const char *a = t, *b = t + n;
  while (a < b && *a == '*') a++;
  while (b > a && b[-1] == '*') b--;
  while (a < b && *a == ' ') a++;
  while (b > a && b[-1] == ' ') b--;
  size_t k = (size_t)(b - a);
  if (k == 15 && strncasecmp(a, "Processor usage", 15) == 0) *sec = SEC_PROCESSOR;
  else if (k == 9 && strncasecmp(a, "GPU usage", 9) == 0) *sec = SEC_GPU;
  else *sec = SEC_OTHER;
  return 1;
}

/* The component of power line NAME[0..N) (the text before ':'), or -1 when it is
 * not a power line: it ends in " Power" / " power", or in " Power (...)" /
 * " power (...)". */
static int power_component(const char *name, size_t n, size_t *cluster_len) {
  size_t k = n;
  if (k && name[k - 1] == ')') { /* "Combined Power (CPU + GPU + ANE)" */
    const char *o = NULL;
    for (size_t i = 0; i < k; i++)
      if (name[i] == '(') o = name + i;
    if (!o) return -1;
    k = (size_t)(o - name);
    while (k && name[k - 1] == ' ') k--;
  }
  if (k < 6 || (strncmp(name + k - 6, " Power", 6) != 0 && strncmp(name + k - 6, " power", 6) != 0))
    return -1;
  size_t w = k - 6; /* the words before "Power" */
  *cluster_len = 0;
  if (w == 3 && strncmp(name, "CPU", 3) == 0) return C_CPU;
  if (w == 3 && strncmp(name, "GPU", 3) == 0) return C_GPU;
  if (w == 3 && strncmp(name, "ANE", 3) == 0) return C_ANE;
  if (w == 4 && strncmp(name, "DRAM", 4) == 0) return C_DRAM;
  if (w == 7 && strncmp(name, "Package", 7) == 0) return C_PACKAGE;
  if (w == 8 && strncmp(name, "Combined", 8) == 0) return C_COMBINED;
  if (w >= 8 && strncmp(name + w - 8, " package", 8) == 0) return C_PACKAGE; /* Intel energy model */
  if (w > 8 && strncmp(name + w - 8, "-Cluster", 8) == 0 && !memchr(name, ' ', w)) {
    *cluster_len = w;
    return C_CLUSTER;
  }
  return C_OTHER;
}

static enum line_verdict power_line(struct parse *p, struct state *st, const struct line *ln) {
  const char *t = ln->text;
  const char *colon = memchr(t, ':', ln->len);
  if (!colon) return LINE_SKIPPED;
  size_t nl = (size_t)(colon - t), cl;
  int comp = power_component(t, nl, &cl);
  if (comp < 0) return LINE_SKIPPED;
  /* the value: "1473 mW", "1.63W" */
  const char *v = colon + 1, *e = t + ln->len;
  while (v < e && *v == ' ') v++;
  while (e > v && (e[-1] == ' ' || e[-1] == '\r')) e--;
  double scale = 0;
  if (e - v >= 2 && e[-2] == 'm' && e[-1] == 'W') scale = 1e-3, e -= 2;
  else if (e - v >= 1 && e[-1] == 'W') scale = 1, e -= 1;
  while (e > v && e[-1] == ' ') e--;
  size_t vn = (size_t)(e - v);
  double x = 0;
  enum value_kind k = VALUE_BAD;
  if (scale > 0 && vn > 0 && vn < sizeof st->buf) {
    memcpy(st->buf, v, vn);
    st->buf[vn] = '\0';
    k = value_number(st->buf, NULL, &x);
  }
  if (k == VALUE_BAD || k == VALUE_EMPTY)
    return parse_reject(p, ln, (int)(colon - t) + 2, "bad_value",
                        "power '%.*s' is not a number of mW or W", (int)(ln->len - nl - 1), colon + 1);
  unsigned bit = 1u << comp;
  int counted = comp == C_CLUSTER || comp == C_OTHER || !(st->comps_seen & bit);
  st->comps_seen |= bit;
  if (comp == C_PACKAGE || comp == C_COMBINED) st->has_total = 1;
  sqlite3_stmt *ins = wdb_stmt(p->db, sql_power);
  if (!ins) return LINE_FATAL;
  sqlite3_bind_int64(ins, 1, p->file_id);
  sqlite3_bind_int64(ins, 2, ln->number);
  if (st->sample_line) sqlite3_bind_int64(ins, 3, st->sample_line);
  sqlite3_bind_text(ins, 4, st->section == SEC_PROCESSOR ? "processor" : st->section == SEC_GPU ? "gpu" : "",
                    -1, SQLITE_STATIC);
  sqlite3_bind_text(ins, 5, t, (int)nl, SQLITE_STATIC);
  sqlite3_bind_text(ins, 6, comp_name[comp], -1, SQLITE_STATIC);
  sqlite3_bind_text(ins, 7, t, (int)cl, SQLITE_STATIC);
  if (k == VALUE_OK) sqlite3_bind_double(ins, 8, x * scale);
  sqlite3_bind_int(ins, 9, counted);
  if (parse_insert(p, ins)) return LINE_FATAL;
  if (k == VALUE_NULL && parse_note_null(p, ln, (int)(colon - t) + 2, "power_w", st->buf)) return LINE_FATAL;
  return LINE_STORED;
}

static enum line_verdict header_line(struct parse *p, const struct line *ln) {
  const char *t = ln->text;
  const char *colon = memchr(t, ':', ln->len);
  if (!colon || colon == t || !isalpha((unsigned char)t[0])) return LINE_SKIPPED;
  const char *v = colon + 1, *e = t + ln->len;
  while (v < e && *v == ' ') v++;
  while (e > v && (e[-1] == ' ' || e[-1] == '\r')) e--;
  sqlite3_stmt *ins = wdb_stmt(p->db, sql_info);
  if (!ins) return LINE_FATAL;
  sqlite3_bind_int64(ins, 1, p->file_id);
  sqlite3_bind_int64(ins, 2, ln->number);
  sqlite3_bind_text(ins, 3, t, (int)(colon - t), SQLITE_STATIC);
  sqlite3_bind_text(ins, 4, v, (int)(e - v), SQLITE_STATIC);
  return parse_insert(p, ins) ? LINE_FATAL : LINE_STORED;
}

static enum line_verdict line(struct parse *p, const struct line *ln) {
  struct state *st = p->state;
  const char *t = ln->text;
  size_t n = ln->len;
  if (!st->plist && !st->in_sample && st->samples == 0 && !st->header_lines && pm_plist_opens(t)) {
    st->plist = 1;
    p->leading_nuls_separate = 1; /* the NUL written after each document */
    snprintf(p->format_version, sizeof p->format_version, "plist");
  }
  if (st->plist) return pm_plist_line(p, &st->pl, ln);
  if (ln->torn) {
    /* the driver rejects it as 'truncated' (whatever is stored here is rolled
     * back); the sample it cuts is incomplete, unless it is the next sample's
     * separator that was cut */
    size_t k = n < sizeof SEP - 1 ? n : sizeof SEP - 1;
    if (!(n >= 4 && strncmp(t, SEP, k) == 0)) st->torn = 1;
    return LINE_STORED;
  }
  while (n && t[n - 1] == '\r') n--;
  if (starts(t, SEP)) return separator(p, st, ln);
  enum section sec;
  if (section_title(t, n, &sec)) {
    if (st->in_sample) {
      unsigned bit = 1u << sec;
      if (sec != SEC_OTHER && (st->sections_seen & bit)) {
        /* the same section twice: the separator between them was lost */
        new_sample(st, 0);
      }
      st->sections_seen |= bit;
    }
    st->section = sec;
    return LINE_SKIPPED;
  }
  if (!st->in_sample) {
    /* the header; a power line before any separator belongs to a lost sample */
    const char *colon = memchr(t, ':', n);
    size_t cl;
    if (colon && power_component(t, (size_t)(colon - t), &cl) >= 0) {
      new_sample(st, 0);
      return power_line(p, st, ln);
    }
    st->header_lines++;
    return header_line(p, ln);
  }
  if (st->section == SEC_OTHER) return LINE_SKIPPED;
  return power_line(p, st, ln);
}

static int close_file(struct parse *p) {
  struct state *st = p->state;
  if (st->plist) return pm_plist_close(p, &st->pl);
  if (!st->in_sample || !st->sample_line) return 0;
  /* the sample the file ends in: cut off when the last line was torn, or when
   * it lacks the total line the file's other samples have */
  if (st->torn || (!st->has_total && st->totals > 0)) {
    sqlite3_stmt *up = wdb_stmt(p->db, sql_incomplete);
    if (!up) return -1;
    sqlite3_bind_int64(up, 1, p->file_id);
    sqlite3_bind_int64(up, 2, st->sample_line);
    if (parse_insert(p, up)) return -1;
  }
  return 0;
}

const struct format fmt_powermetrics = {
    .name = "powermetrics",
    .tables = "powermetrics_sample,powermetrics_power,powermetrics_info",
    .version = 2,
    .time_convention = "utc",
    .bid = bid,
    .line = line,
    .close = close_file,
    /* a quote is text in both forms (a task's name in a plist string may hold
     * one): every newline ends a line */
    .line_mode = LINES_PLAIN,
    .state_size = sizeof(struct state),
};
