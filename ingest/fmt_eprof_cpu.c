/* ingest/fmt_eprof_cpu.c: cpu-mem-usage-T.csv, the experiment profiler's psutil log.
 *
 * A loop samples the training process about once a second with Python's
 * csv.writer (CRLF line ends; files later rewritten by pandas have LF):
 *   timestamp,cpu usage (%),memory usage (MB),temperature (Celsius)
 *   2022-12-05T09:55:44.557223,0.0,12231.543,32.0
 * Variants by header: 3 columns (the Windows writer, no temperature), 4 (Linux),
 * 5 (`total memory (GB)` appended afterwards by hand, a label rather than a
 * measurement) and a historical `total memory (MB)`. The temperature is empty
 * when the machine has no sensor. The timestamp is datetime.isoformat(), so a
 * reading at a whole second has no fractional part. */
#include <stdio.h>
#include <string.h>

#include "ingest/format.h"
#include "ingest/values.h"

enum { C_TIME, C_CPU, C_RSS, C_TEMP, C_RAM_GB, C_RAM_MB, NCOL };

static const struct column_spec specs[NCOL] = {
    [C_TIME] = {{"timestamp"}, 1},
    [C_CPU] = {{"cpu usage (%)"}, 1},
    [C_RSS] = {{"memory usage (MB)"}, 1},
    [C_TEMP] = {{"temperature (Celsius)"}, 0},
    [C_RAM_GB] = {{"total memory (GB)"}, 0},
    [C_RAM_MB] = {{"total memory (MB)"}, 0},
};

struct state {
  struct header header;
  int map[NCOL];
};

static const char sql_insert[] =
    "INSERT INTO eprof_cpu_sample(file_id, line, ts_us, cpu_pct, rss_mb, temp_c, total_ram_gb) "
    "VALUES (?,?,?,?,?,?,?)";

static int bid(const struct sniff *s) {
  if (strncmp(s->first_line, "timestamp,cpu usage (%),memory usage (MB)", 41) == 0) return BID_EXACT;
  return 0;
}

static enum line_verdict line(struct parse *p, const struct line *ln) {
  struct state *st = p->state;
  enum line_verdict v = parse_header_or_data(p, ln, ',', &st->header, specs, NCOL, st->map);
  if (v != LINE_STORED) {
    if (v == LINE_SKIPPED && !p->format_version[0])
      snprintf(p->format_version, sizeof p->format_version, "%dcol", st->header.n);
    return v;
  }
  int64_t ts;
  const char *t = p->fields[st->map[C_TIME]];
  if (value_time(t, &ts))
    return parse_reject(p, ln, st->map[C_TIME] + 1, "bad_time", "cannot parse '%s' as a time", t);
  double values[NCOL];
  enum value_kind kinds[NCOL];
  static const char *const what[NCOL] = {NULL, "percent", "MB", "degrees Celsius", "GB", "MB"};
  for (int c = C_CPU; c < NCOL; c++) {
    kinds[c] = VALUE_EMPTY;
    if (st->map[c] < 0) continue;
    const char *text = p->fields[st->map[c]];
    kinds[c] = value_number(text, NULL, &values[c]);
    if (kinds[c] == VALUE_BAD)
      return parse_reject(p, ln, st->map[c] + 1, "bad_number", "cannot parse '%s' as %s", text,
                          what[c]);
  }
  if (kinds[C_RAM_GB] != VALUE_OK && kinds[C_RAM_MB] == VALUE_OK) {
    kinds[C_RAM_GB] = VALUE_OK;
    values[C_RAM_GB] = values[C_RAM_MB] / 1000.0;
  }
  sqlite3_stmt *ins = wdb_stmt(p->db, sql_insert);
  if (!ins) return LINE_FATAL;
  sqlite3_bind_int64(ins, 1, p->file_id);
  sqlite3_bind_int64(ins, 2, ln->number);
  sqlite3_bind_int64(ins, 3, ts);
  static const int param[NCOL] = {0, 4, 5, 6, 7, 0};
  static const char *const column[NCOL] = {NULL, "cpu_pct", "rss_mb", "temp_c", "total_ram_gb", NULL};
  for (int c = C_CPU; c <= C_RAM_GB; c++) {
    if (kinds[c] == VALUE_OK) {
      sqlite3_bind_double(ins, param[c], values[c]);
    } else if (kinds[c] == VALUE_NULL &&
               parse_note_null(p, ln, st->map[c] + 1, column[c], p->fields[st->map[c]])) {
      return LINE_FATAL;
    }
  }
  return parse_insert(p, ins) ? LINE_FATAL : LINE_STORED;
}

const struct format fmt_eprof_cpu = {
    .name = "eprof-cpu",
    .tables = "eprof_cpu_sample",
    .version = 1,
    .time_convention = "naive-local",
    .bid = bid,
    .line = line,
    .state_size = sizeof(struct state),
};
