/* ingest/fmt_zeus.c: the two CSV logs of Zeus (ml-energy/zeus), as two formats.
 *
 * zeus-monitor: ZeusMonitor(log_file=...), one line per end_window():
 *   start_time,window_name,elapsed_time,gpu0_energy,gpu1_energy,gpu2_energy,gpu3_energy
 *   13586624.12895549,__GlobalPowerLimitOptimizer_300,33.27751154080033,3991.396999999881,...
 * Written by Python as f"{start_time},{name},{elapsed}," + the energies (str(float),
 * joules), flushed per window. Any number of `<device><i>_energy` columns (the
 * monitored GPUs, and cpu<i>/dram<i> where a version logs them); a column of
 * another shape is kept with its header name. Window names repeat (every
 * power-limit trial, every epoch) and windows may nest; all are kept. The name
 * is written raw, unquoted: one holding a comma makes the line wider than the
 * header, so a data line is cut by hand, not by libcsv: start_time up to the
 * first comma, the elapsed time and the energies from the last commas, the name
 * (commas, quotes and blanks included) in between. start_time is
 * time.monotonic() up to Aug 2023 (epoch time() from v0.7): either way the file
 * is stored on its own clock (time_convention 'relative') and never placed by
 * time: it belongs to a run only by its folder (a stamped name in an eprof run
 * folder), else it is a session (transform/50_sources.sql). format_version says
 * which clock the values look like: 'monotonic' (below 1e9 s, 31 years of
 * uptime) or 'epoch'.
 *
 * zeus-power: the legacy C++ zeus_monitor (Zeus <= 0.4, 2022):
 *   Time,Power
 *   2022-07-13 02:07:36.708783111,32402
 * Time is system_clock in UTC with nanoseconds (truncated to µs), Power the NVML
 * reading in milliwatts (stored in W); optional Temp, SMFreq, Mem columns. One
 * GPU per file. Zeus' own reader drops the last line (skipfooter=1): a torn last
 * line is the driver's 'truncated'.
 *
 * Why one file for both: they are the same tool's logs, recognised by their
 * headers alone and documented together; they are two formats (two entries in
 * ingest/formats.c) because their clocks differ (time_convention is per format)
 * and their rows have nothing in common.
 *
 * The console output of a Zeus run (its logger's records mixed with the
 * script's prints) is the third Zeus format, zeus-log (ingest/fmt_zeus_log.c).
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "ingest/csvtable.h"
#include "ingest/values.h"

#define ZEUS_MAX_COLS 256 /* columns after elapsed_time */

struct mon_col {
  char name[48];       /* header name, cut at 47 bytes */
  char component[16];  /* "gpu"; "" when the name is not <device><i>_energy */
  char device[8];      /* "0" */
};

struct mon_state {
  int seen;                 /* header read */
  int ncols;                /* energy (trailing) columns */
  int clock_set;
  char header[HEADER_MAX_BYTES]; /* the header line as written, to skip a repeat */
  struct mon_col col[ZEUS_MAX_COLS];
};

static const char sql_window[] =
    "INSERT INTO zeus_window(file_id, line, window_name, start_us, elapsed_s, end_us) VALUES (?,?,?,?,?,?)";
static const char sql_energy[] =
    "INSERT INTO zeus_window_energy(file_id, line, col, name, component, device, energy_j) "
    "VALUES (?,?,?,?,?,?,?)";

static int mon_bid(const struct sniff *s) {
  return strncmp(s->first_line, "start_time,window_name,elapsed_time", 35) == 0 ? BID_EXACT : 0;
}

/* Fills C from header name N: "gpu12_energy" gives component "gpu", device "12". */
static void mon_set_col(struct mon_col *c, const char *n) {
  snprintf(c->name, sizeof c->name, "%s", n);
  c->component[0] = c->device[0] = '\0';
  size_t len = strlen(n), a = 0;
  while (a < len && islower((unsigned char)n[a])) a++;
  size_t b = a;
  while (b < len && isdigit((unsigned char)n[b])) b++;
  if (a == 0 || a >= sizeof c->component || b == a || b - a >= sizeof c->device ||
      strcmp(n + b, "_energy") != 0)
    return;
  memcpy(c->component, n, a);
  c->component[a] = '\0';
  memcpy(c->device, n + a, b - a);
  c->device[b - a] = '\0';
}

static enum line_verdict mon_header(struct parse *p, struct mon_state *st, const struct line *ln) {
  int n = parse_fields(p, ln, ',');
  if (n < 3 || strcmp(p->fields[0], "start_time") || strcmp(p->fields[1], "window_name") ||
      strcmp(p->fields[2], "elapsed_time")) {
    parse_fail(p, "not a ZeusMonitor log: the header does not start with start_time,window_name,elapsed_time");
    return LINE_REFUSE_FILE;
  }
  if (n - 3 > ZEUS_MAX_COLS || ln->len >= sizeof st->header) {
    parse_fail(p, "header wider than %d energy columns or %zu bytes", ZEUS_MAX_COLS,
               sizeof st->header - 1);
    return LINE_REFUSE_FILE;
  }
  st->ncols = n - 3;
  for (int i = 0; i < st->ncols; i++) mon_set_col(&st->col[i], p->fields[3 + i]);
  memcpy(st->header, ln->text, ln->len + 1);
  st->seen = 1;
  return LINE_SKIPPED;
}

/* Copies field [A, B) of a line, blanks around removed, into BUF (CAP bytes).
 * Returns 0, or -1 when it does not fit (no number is that long). */
static int copy_field(const char *a, const char *b, char *buf, size_t cap) {
  while (a < b && (*a == ' ' || *a == '\t')) a++;
  while (b > a && (b[-1] == ' ' || b[-1] == '\t')) b--;
  if ((size_t)(b - a) >= cap) return -1;
  memcpy(buf, a, (size_t)(b - a));
  buf[b - a] = '\0';
  return 0;
}

static enum line_verdict mon_line(struct parse *p, const struct line *ln) {
  struct mon_state *st = p->state;
  if (!st->seen) return mon_header(p, st, ln);
  if (strcmp(ln->text, st->header) == 0) return LINE_SKIPPED; /* the log reopened with "a" */
  const char *text = ln->text, *end = text + ln->len;
  const char *c1 = memchr(text, ',', ln->len);
  /* from the end: ncols energies and the elapsed time, each after a comma */
  const char *cut[ZEUS_MAX_COLS + 1]; /* cut[k]: the comma before trailing field k */
  const char *q = end;
  for (int k = st->ncols; k >= 0; k--) {
    while (q > text && q[-1] != ',') q--;
    if (q == text || !c1 || q - 1 <= c1)
      return parse_reject(p, ln, 0, "field_count", "fewer fields than the header's %d", st->ncols + 3);
    cut[k] = --q;
  }
  char num[64];
  int64_t start_us;
  if (copy_field(text, c1, num, sizeof num)) return parse_reject(p, ln, 1, "bad_time", "start_time too long");
  int r = value_seconds(num, strlen(num), 0, &start_us);
  if (r)
    return parse_reject(p, ln, 1, "bad_time", r == -2 ? "start_time '%s' out of range" :
                        "cannot parse '%s' as seconds", num);
  double elapsed;
  const char *eend = st->ncols ? cut[1] : end;
  if (copy_field(cut[0] + 1, eend, num, sizeof num) || value_number(num, NULL, &elapsed) != VALUE_OK ||
      !(elapsed >= 0) || elapsed > (double)VALUE_MAX_SECONDS)
    return parse_reject(p, ln, 3, "bad_number", "cannot parse the elapsed time '%.63s'", num);
  int64_t end_us = start_us + (int64_t)(elapsed * 1e6);
  if (!st->clock_set) {
    snprintf(p->format_version, sizeof p->format_version, "%s",
             start_us < INT64_C(1000000000) * 1000000 ? "monotonic" : "epoch");
    st->clock_set = 1;
  }
  /* the energies, checked before anything is stored */
  for (int k = 1; k <= st->ncols; k++) {
    double e;
    const char *fe = k < st->ncols ? cut[k + 1] : end;
    if (copy_field(cut[k] + 1, fe, num, sizeof num) || value_number(num, NULL, &e) == VALUE_BAD)
      return parse_reject(p, ln, k + 3, "bad_number", "cannot parse %s '%.63s' as joules",
                          st->col[k - 1].name, num);
  }
  sqlite3_stmt *w = wdb_stmt(p->db, sql_window), *en = wdb_stmt(p->db, sql_energy);
  if (!w || !en) return LINE_FATAL;
  sqlite3_bind_int64(w, 1, p->file_id);
  sqlite3_bind_int64(w, 2, ln->number);
  sqlite3_bind_text(w, 3, c1 + 1, (int)(cut[0] - (c1 + 1)), SQLITE_STATIC);
  sqlite3_bind_int64(w, 4, start_us);
  sqlite3_bind_double(w, 5, elapsed);
  sqlite3_bind_int64(w, 6, end_us);
  if (parse_insert(p, w)) return LINE_FATAL;
  for (int k = 1; k <= st->ncols; k++) {
    const struct mon_col *c = &st->col[k - 1];
    const char *fe = k < st->ncols ? cut[k + 1] : end;
    double e;
    copy_field(cut[k] + 1, fe, num, sizeof num);
    enum value_kind vk = value_number(num, NULL, &e);
    sqlite3_bind_int64(en, 1, p->file_id);
    sqlite3_bind_int64(en, 2, ln->number);
    sqlite3_bind_int(en, 3, k + 3);
    sqlite3_bind_text(en, 4, c->name, -1, SQLITE_STATIC);
    if (c->component[0]) {
      sqlite3_bind_text(en, 5, c->component, -1, SQLITE_STATIC);
      sqlite3_bind_text(en, 6, c->device, -1, SQLITE_STATIC);
    } else {
      sqlite3_bind_null(en, 5);
      sqlite3_bind_null(en, 6);
    }
    if (vk == VALUE_OK) sqlite3_bind_double(en, 7, e);
    else sqlite3_bind_null(en, 7);
    if (parse_insert(p, en)) return LINE_FATAL;
    if (vk != VALUE_OK && parse_note_null(p, ln, k + 3, c->name, num)) return LINE_FATAL;
  }
  return LINE_STORED;
}

const struct format fmt_zeus_monitor = {
    .name = "zeus-monitor",
    .tables = "zeus_window,zeus_window_energy",
    .version = 1,
    .time_convention = "relative",
    .bid = mon_bid,
    .line = mon_line,
    .state_size = sizeof(struct mon_state),
};

/* ---- zeus-power ------------------------------------------------------------ */

enum { P_TIME, P_POWER, P_TEMP, P_SMFREQ, P_MEM, NP };

static const struct csv_column pow_columns[NP] = {
    [P_TIME] = {.spec = {{"Time"}, 1}, .kind = CELL_TIME, .stored_as = "ts_us"},
    /* mW, stored in W */
    [P_POWER] = {.spec = {{"Power"}, 1}, .kind = CELL_REAL, .what = "Power", .stored_as = "power_w", .scale = 1e-3, .nonnegative = 1},
    [P_TEMP] = {.spec = {{"Temp"}, 0}, .kind = CELL_REAL, .what = "Temp", .stored_as = "temp_c"},
    [P_SMFREQ] = {.spec = {{"SMFreq"}, 0}, .kind = CELL_REAL, .what = "SMFreq", .stored_as = "sm_freq_mhz"},
    [P_MEM] = {.spec = {{"Mem"}, 0}, .kind = CELL_REAL, .what = "Mem", .stored_as = "mem"},
};

static const struct csv_table pow_table = {
    .insert = "INSERT INTO zeus_power_sample(file_id, line, ts_us, power_w, temp_c, sm_freq_mhz, mem) "
    "VALUES (?,?,?,?,?,?,?)",
    .columns = pow_columns,
    .ncolumns = NP,
    .delim = ',',
};

static int pow_bid(const struct sniff *s) {
  const char *l = s->first_line;
  return strncmp(l, "Time,Power", 10) == 0 && (l[10] == '\0' || l[10] == ',') ? BID_SIGNATURE : 0;
}

const struct format fmt_zeus_power = {
    .name = "zeus-power",
    .tables = "zeus_power_sample",
    .version = 2,
    .time_convention = "utc",
    .bid = pow_bid,
    .table = &pow_table,
};
