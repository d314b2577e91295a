/* ingest/fmt_codecarbon.c: CodeCarbon emissions.csv, every header version.
 *
 *   timestamp,project_name,run_id,experiment_id,duration,emissions,emissions_rate,cpu_power,
 *   gpu_power,ram_power,cpu_energy,gpu_energy,ram_energy,energy_consumed,water_consumed,...,
 *   on_cloud,pue,wue                                                    (3.2.1+, 38 columns)
 *   2026-02-02T06:08:26,EnergyEfficiencyApp,8a316bf9-...,5b0fa12a-...,1.0756852469999103,
 *   2.2414820804836637e-06,2.083771332492627e-06,28.002016,0.0,10.0,4.474954495747308e-06,...
 *
 * Versions: 12 columns (0.x-1.2), 11/18/19 (git master 2021), 29 (2.0-2.1), 30
 * (+codecarbon_version), 31 (+pue), 32 (+experiment_id), 34 (+water_consumed,
 * wue), 36/38 (+utilization, ram_used_gb); 3.1.1-3.2.3 drop all-empty columns and
 * move them to the end, so order and presence vary: every column is found by its
 * (trimmed) header name. Task files (emissions_<exp>_<run>.csv) start with
 * task_name. Backups (emissions.csv.bak, emissions.csv_N.bak) are the same format.
 *
 * Units: energies in the file are kWh, stored as J (× 3.6e6); emissions kg CO2eq;
 * emissions_rate is g/s up to 2.1.4 and kg/s from 2.2.0 (the same column name):
 * a row whose codecarbon_version is below 2.2, or a file without that column, is
 * taken as g/s and divided by 1000. timestamp is naive local time (datetime.now()),
 * the end of the measured span; the start is timestamp - duration. Both are
 * range-checked: a timestamp that does not exist (values.h) or a duration that
 * is negative or starts the span before 1970 rejects the line ('bad_time').
 *
 * Quirks: CRLF, fields and header names padded with blanks, scientific notation,
 * integers written as floats, empty fields (NULL). A row shorter than the header
 * (3.2.9+ drops NaN fields when appending) is stored with the missing trailing
 * columns NULL and its field count in codecarbon_row.fields; a longer one (two
 * rows glued together, issue #43) is rejected ('field_count'). Header columns this
 * parser does not know are stored per row in codecarbon_extra, by header name.
 * A header that repeats a name (`...,extra,extra`, or a known column twice)
 * loses nothing: the first occurrence keeps the name (a known column is read
 * from it), each later one is stored in codecarbon_extra as `extra.1`,
 * `extra.2`, ... (pandas' names for them), and the renaming is said on stderr. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ingest/format.h"
#include "ingest/values.h"

/* The columns, in the order of the INSERT's parameters after (file_id, line, fields). */
enum {
  C_TASK, C_TIME, C_PROJECT, C_RUN, C_EXPERIMENT, C_DURATION, C_EMISSIONS, C_RATE, C_CPU_P,
  C_GPU_P, C_RAM_P, C_CPU_E, C_GPU_E, C_RAM_E, C_ENERGY, C_WATER, C_COUNTRY, C_ISO, C_REGION,
  C_CLOUD_P, C_CLOUD_R, C_OS, C_PYTHON, C_VERSION, C_CPU_N, C_CPU_MODEL, C_GPU_N, C_GPU_MODEL,
  C_LON, C_LAT, C_RAM_TOTAL, C_MODE, C_CPU_U, C_GPU_U, C_RAM_U, C_RAM_USED, C_ON_CLOUD, C_PUE,
  C_WUE, NCOL
};

enum kind { TEXT, REAL, KWH, RATE, TIME };

/* Every column, found by its (trimmed) header name; timestamp and energy_consumed
 * are required. */
static const struct column_spec specs[NCOL] = {
    [C_TASK] = {{"task_name"}, 0},
    [C_TIME] = {{"timestamp"}, 1},
    [C_PROJECT] = {{"project_name"}, 0},
    [C_RUN] = {{"run_id"}, 0},
    [C_EXPERIMENT] = {{"experiment_id"}, 0},
    [C_DURATION] = {{"duration"}, 0},
    [C_EMISSIONS] = {{"emissions"}, 0},
    [C_RATE] = {{"emissions_rate"}, 0},
    [C_CPU_P] = {{"cpu_power"}, 0},
    [C_GPU_P] = {{"gpu_power"}, 0},
    [C_RAM_P] = {{"ram_power"}, 0},
    [C_CPU_E] = {{"cpu_energy"}, 0},
    [C_GPU_E] = {{"gpu_energy"}, 0},
    [C_RAM_E] = {{"ram_energy"}, 0},
    [C_ENERGY] = {{"energy_consumed"}, 1},
    [C_WATER] = {{"water_consumed"}, 0},
    [C_COUNTRY] = {{"country_name"}, 0},
    [C_ISO] = {{"country_iso_code"}, 0},
    [C_REGION] = {{"region"}, 0},
    [C_CLOUD_P] = {{"cloud_provider"}, 0},
    [C_CLOUD_R] = {{"cloud_region"}, 0},
    [C_OS] = {{"os"}, 0},
    [C_PYTHON] = {{"python_version"}, 0},
    [C_VERSION] = {{"codecarbon_version"}, 0},
    [C_CPU_N] = {{"cpu_count"}, 0},
    [C_CPU_MODEL] = {{"cpu_model"}, 0},
    [C_GPU_N] = {{"gpu_count"}, 0},
    [C_GPU_MODEL] = {{"gpu_model"}, 0},
    [C_LON] = {{"longitude"}, 0},
    [C_LAT] = {{"latitude"}, 0},
    [C_RAM_TOTAL] = {{"ram_total_size"}, 0},
    [C_MODE] = {{"tracking_mode"}, 0},
    [C_CPU_U] = {{"cpu_utilization_percent"}, 0},
    [C_GPU_U] = {{"gpu_utilization_percent"}, 0},
    [C_RAM_U] = {{"ram_utilization_percent"}, 0},
    [C_RAM_USED] = {{"ram_used_gb"}, 0},
    [C_ON_CLOUD] = {{"on_cloud"}, 0},
    [C_PUE] = {{"pue"}, 0},
    [C_WUE] = {{"wue"}, 0},
};

static const enum kind kinds[NCOL] = {
    [C_TASK] = TEXT, [C_TIME] = TIME, [C_PROJECT] = TEXT, [C_RUN] = TEXT,
    [C_EXPERIMENT] = TEXT, [C_DURATION] = REAL, [C_EMISSIONS] = REAL, [C_RATE] = RATE,
    [C_CPU_P] = REAL, [C_GPU_P] = REAL, [C_RAM_P] = REAL, [C_CPU_E] = KWH,
    [C_GPU_E] = KWH, [C_RAM_E] = KWH, [C_ENERGY] = KWH, [C_WATER] = REAL,
    [C_COUNTRY] = TEXT, [C_ISO] = TEXT, [C_REGION] = TEXT, [C_CLOUD_P] = TEXT,
    [C_CLOUD_R] = TEXT, [C_OS] = TEXT, [C_PYTHON] = TEXT, [C_VERSION] = TEXT,
    [C_CPU_N] = REAL, [C_CPU_MODEL] = TEXT, [C_GPU_N] = REAL, [C_GPU_MODEL] = TEXT,
    [C_LON] = REAL, [C_LAT] = REAL, [C_RAM_TOTAL] = REAL, [C_MODE] = TEXT,
    [C_CPU_U] = REAL, [C_GPU_U] = REAL, [C_RAM_U] = REAL, [C_RAM_USED] = REAL,
    [C_ON_CLOUD] = TEXT, [C_PUE] = REAL, [C_WUE] = REAL,
};

static const char sql_insert[] =
    "INSERT INTO codecarbon_row(file_id, line, fields, task_name, ts_us, project_name, run_id, "
    "experiment_id, duration_s, emissions_kg, emissions_rate_kg_s, cpu_power_w, gpu_power_w, "
    "ram_power_w, cpu_energy_j, gpu_energy_j, ram_energy_j, energy_j, water_l, country_name, "
    "country_iso_code, region, cloud_provider, cloud_region, os, python_version, "
    "codecarbon_version, cpu_count, cpu_model, gpu_count, gpu_model, longitude, latitude, "
    "ram_total_gb, tracking_mode, cpu_util_pct, gpu_util_pct, ram_util_pct, ram_used_gb, "
    "on_cloud, pue, wue) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,"
    "?,?,?,?,?,?,?,?,?,?)";
static const char sql_extra[] =
    "INSERT INTO codecarbon_extra(file_id, line, name, value) VALUES (?,?,?,?)";

struct state {
  struct header header;
  int map[NCOL];
  unsigned char known[HEADER_MAX_COLS]; /* header field i is one of specs[] */
};

/* Nonzero when VERSION ("2.1.4", "2.4.3rc1") is below 2.2: emissions_rate in g/s. */
static int rate_in_grams(const char *version) {
  if (!version || !*version) return 0;
  char *end;
  long major = strtol(version, &end, 10);
  long minor = *end == '.' ? strtol(end + 1, NULL, 10) : 0;
  return major < 2 || (major == 2 && minor < 2);
}

static enum line_verdict line(struct parse *p, const struct line *ln) {
  struct state *st = p->state;
  int first = !st->header.seen;
  st->header.short_rows_ok = 1; /* a row shorter than the header keeps its leading columns */
  enum line_verdict v = parse_header_or_data(p, ln, ',', &st->header, specs, NCOL, st->map);
  if (first && v == LINE_SKIPPED) {
    for (int c = 0; c < NCOL; c++)
      if (st->map[c] >= 0) st->known[st->map[c]] = 1;
    snprintf(p->format_version, sizeof p->format_version, "%s%dcol",
             st->map[C_TASK] >= 0 ? "task-" : "", st->header.n);
  }
  if (v != LINE_STORED) return v;
  int nf = p->nfields;

  /* version decides the unit of emissions_rate */
  const char *version = st->map[C_VERSION] >= 0 && st->map[C_VERSION] < nf
                            ? p->fields[st->map[C_VERSION]] : NULL;
  int grams = st->map[C_VERSION] < 0 || rate_in_grams(version);

  sqlite3_stmt *ins = wdb_stmt(p->db, sql_insert);
  if (!ins) return LINE_FATAL;
  sqlite3_bind_int64(ins, 1, p->file_id);
  sqlite3_bind_int64(ins, 2, ln->number);
  sqlite3_bind_int(ins, 3, nf);
  int64_t ts_us = -1;
  double duration = 0;
  for (int c = 0; c < NCOL; c++) {
    int f = st->map[c];
    if (f < 0 || f >= nf) continue;
    const char *text = p->fields[f];
    int param = 4 + c;
    if (!*text) continue;
    double x;
    int64_t us;
    enum value_kind k;
    switch (kinds[c]) {
    case TEXT: sqlite3_bind_text(ins, param, text, -1, SQLITE_TRANSIENT); break;
    case TIME:
      if (value_time(text, &us))
        return parse_reject(p, ln, f + 1, "bad_time", "cannot parse '%s' as a time", text);
      sqlite3_bind_int64(ins, param, us);
      ts_us = us;
      break;
    default:
      k = value_number(text, NULL, &x);
      if (k == VALUE_BAD)
        return parse_reject(p, ln, f + 1, "bad_number", "cannot parse '%s' as %s", text,
                            specs[c].names[0]);
      if (k != VALUE_OK) {
        if (k == VALUE_NULL && parse_note_null(p, ln, f + 1, specs[c].names[0], text))
          return LINE_FATAL;
        break;
      }
      if (c == C_DURATION) duration = x;
      if (kinds[c] == KWH) x *= 3.6e6;
      if (kinds[c] == RATE && grams) x /= 1000.0;
      sqlite3_bind_double(ins, param, x);
      break;
    }
  }
  /* the span's start, timestamp - duration, must be a time too */
  if (duration < 0 || (ts_us >= 0 && duration * 1e6 > (double)ts_us))
    return parse_reject(p, ln, st->map[C_DURATION] + 1, "bad_time",
                        "duration '%s' s is out of range (negative, or starting before 1970)",
                        p->fields[st->map[C_DURATION]]);
  if (parse_insert(p, ins)) return LINE_FATAL;
  /* The fields of columns this table has no place for. */
  for (int f = 0; f < nf && f < st->header.n; f++) {
    if (st->known[f] || !p->fields[f][0]) continue;
    sqlite3_stmt *ex = wdb_stmt(p->db, sql_extra);
    if (!ex) return LINE_FATAL;
    sqlite3_bind_int64(ex, 1, p->file_id);
    sqlite3_bind_int64(ex, 2, ln->number);
    sqlite3_bind_text(ex, 3, header_name(&st->header, f), -1, SQLITE_STATIC);
    sqlite3_bind_text(ex, 4, p->fields[f], -1, SQLITE_STATIC);
    if (parse_insert(p, ex)) return LINE_FATAL;
  }
  return LINE_STORED;
}

/* A header naming codecarbon's own columns; the file name is no help (.bak,
 * task files, renamed copies). */
static int bid(const struct sniff *s) {
  const char *l = s->first_line;
  if (!strstr(l, "timestamp") || !strstr(l, "project_name")) return 0;
  if (strstr(l, "energy_consumed") && strstr(l, "emissions")) return BID_SIGNATURE;
  return strstr(l, "duration") ? BID_VOCABULARY : 0;
}

const struct format fmt_codecarbon = {
    .name = "codecarbon",
    .tables = "codecarbon_row,codecarbon_extra",
    .version = 1,
    .time_convention = "naive-local",
    .bid = bid,
    .line = line,
    /* written whole by pandas per stop(): a last line without newline is a full row */
    .keeps_unterminated_tail = 1,
    .state_size = sizeof(struct state),
};
