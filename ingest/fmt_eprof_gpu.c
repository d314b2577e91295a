/* ingest/fmt_eprof_gpu.c: gpu-power-T.csv, the experiment profiler's GPU log.
 *
 * Written by `nvidia-smi --query-gpu=timestamp,gpu_name,utilization.gpu,
 * utilization.memory,memory.total,memory.used,power.draw,power.max_limit,
 * temperature.gpu --format=csv -lms 1000 -f gpu-power-T.csv`. Two headers exist:
 *   native:     timestamp, name, utilization.gpu [%], utilization.memory [%], memory.total [MiB],
 *               memory.used [MiB], power.draw [W], power.max_limit [W], temperature.gpu
 *               2023/12/18 20:52:07.470, NVIDIA GeForce RTX 3090, 0 %, 0 %, 24576 MiB, 22724 MiB, 111.62 W, 350.00 W, 48
 *   normalized: timestamp,gpu_name,gpu_usage,gpu_memory_usage,gpu_total_memory,gpu_memory_used,
 *               gpu_power_draw,gpu_max_power,gpu_temperature
 *               2022-12-05 09:55:42.535,NVIDIA GeForce RTX 3090,0 %,0 %,24268 MiB,23573 MiB,119.17 W,350.00 W,55
 * Columns are found by name. Values carry unit suffixes; they are stored with
 * every decimal ("119.17 W" is 119.17, not the 119 the replication package kept).
 * `[N/A]`, `[Not Supported]` and `[Unknown Error]` become NULL, the text going to
 * unparsed_value. The logger is killed at the end of a run, so the last line is
 * often torn: the driver rejects it as 'truncated'. */
#include <stdio.h>
#include <string.h>

#include "ingest/batch.h"
#include "ingest/format.h"
#include "ingest/values.h"

enum { C_TIME, C_NAME, C_UTIL, C_MEMUTIL, C_MEMTOTAL, C_MEMUSED, C_POWER, C_LIMIT, C_TEMP, NCOL };

static const struct column_spec specs[NCOL] = {
    [C_TIME] = {{"timestamp"}, 1},
    [C_NAME] = {{"name", "gpu_name"}, 0},
    [C_UTIL] = {{"utilization.gpu [%]", "gpu_usage", "utilization.gpu"}, 0},
    [C_MEMUTIL] = {{"utilization.memory [%]", "gpu_memory_usage", "utilization.memory"}, 0},
    [C_MEMTOTAL] = {{"memory.total [MiB]", "gpu_total_memory", "memory.total"}, 0},
    [C_MEMUSED] = {{"memory.used [MiB]", "gpu_memory_used", "memory.used"}, 0},
    [C_POWER] = {{"power.draw [W]", "gpu_power_draw", "power.draw"}, 1},
    [C_LIMIT] = {{"power.max_limit [W]", "gpu_max_power", "power.max_limit"}, 0},
    [C_TEMP] = {{"temperature.gpu", "gpu_temperature"}, 0},
};

/* Per numeric column: the table column, the unit suffix, words for messages. */
static const struct {
  const char *column, *unit, *what;
} numeric[NCOL] = {
    [C_UTIL] = {"gpu_util_pct", "%", "percent"},
    [C_MEMUTIL] = {"mem_util_pct", "%", "percent"},
    [C_MEMTOTAL] = {"mem_total_mib", "MiB", "MiB"},
    [C_MEMUSED] = {"mem_used_mib", "MiB", "MiB"},
    [C_POWER] = {"power_w", "W", "watts"},
    [C_LIMIT] = {"power_limit_w", "W", "watts"},
    [C_TEMP] = {"temp_c", "C", "degrees Celsius"},
};

struct state {
  struct header header;
  int map[NCOL];
  struct row_batch *rows; /* fetched once per file (batch.h) */
};

static const char sql_insert[] =
    "INSERT INTO eprof_gpu_sample(file_id, line, ts_us, gpu_name, gpu_util_pct, mem_util_pct, "
    "mem_total_mib, mem_used_mib, power_w, power_limit_w, temp_c) VALUES (?,?,?,?,?,?,?,?,?,?,?)";

/* Counts the header fields of LINE that are columns of this format, and whether
 * the power and timestamp columns are among them. */
static int known_columns(const char *line, int *has_power, int *unknown) {
  int known = 0;
  *has_power = 0;
  *unknown = 0;
  char buf[1024];
  size_t n = strlen(line);
  if (n >= sizeof buf) return 0;
  memcpy(buf, line, n + 1);
  for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
    while (*tok == ' ') tok++;
    size_t len = strlen(tok);
    while (len && (tok[len - 1] == ' ' || tok[len - 1] == '\r')) tok[--len] = '\0';
    int hit = 0;
    for (int c = 0; c < NCOL && !hit; c++)
      for (int k = 0; k < 4 && specs[c].names[k]; k++)
        if (strcmp(tok, specs[c].names[k]) == 0) {
          hit = 1;
          if (c == C_POWER) *has_power = 1;
        }
    if (hit) known++;
    else (*unknown)++;
  }
  return known;
}

/* The replication package's file: a header made only of its columns, with the
 * power reading. The file name raises the bid above a general nvidia-smi log. */
static int bid(const struct sniff *s) {
  if (strncmp(s->first_line, "timestamp", 9) != 0) return 0;
  int has_power, unknown;
  int known = known_columns(s->first_line, &has_power, &unknown);
  if (!has_power || unknown || known < 3) return 0;
  int named = strncmp(s->name, "gpu-power", 9) == 0;
  if (strstr(s->first_line, "gpu_power_draw")) return BID_EXACT; /* normalized: ours alone */
  return named ? BID_EXACT : (known == NCOL ? BID_COLUMNS : 0);
}

static enum line_verdict line(struct parse *p, const struct line *ln) {
  struct state *st = p->state;
  enum line_verdict v = parse_header_or_data(p, ln, ',', &st->header, specs, NCOL, st->map);
  if (v != LINE_STORED) {
    if (v == LINE_SKIPPED && !p->format_version[0])
      strcpy(p->format_version, strstr(ln->text, "gpu_power_draw") ? "normalized" : "native");
    return v;
  }
  int64_t ts;
  if (value_time(p->fields[st->map[C_TIME]], &ts))
    return parse_reject(p, ln, st->map[C_TIME] + 1, "bad_time", "cannot parse '%s' as a time",
                        p->fields[st->map[C_TIME]]);
  double values[NCOL];
  enum value_kind kinds[NCOL];
  for (int c = C_UTIL; c < NCOL; c++) {
    kinds[c] = VALUE_EMPTY;
    if (st->map[c] < 0) continue;
    const char *text = p->fields[st->map[c]];
    kinds[c] = value_number(text, numeric[c].unit, &values[c]);
    if (kinds[c] == VALUE_BAD)
      return parse_reject(p, ln, st->map[c] + 1, "bad_number", "cannot parse '%s' as %s", text,
                          numeric[c].what);
  }
  if (!st->rows && !(st->rows = parse_batch(p, 0, sql_insert))) return LINE_FATAL;
  struct row_batch *row = st->rows;
  batch_int(row, 1, p->file_id);
  batch_int(row, 2, ln->number);
  batch_int(row, 3, ts);
  if (st->map[C_NAME] >= 0) batch_text(row, 4, p->fields[st->map[C_NAME]]);
  for (int c = C_UTIL; c < NCOL; c++) {
    int param = 5 + (c - C_UTIL);
    if (kinds[c] == VALUE_OK) {
      batch_double(row, param, values[c]);
      continue;
    }
    if (kinds[c] == VALUE_NULL &&
        parse_note_null(p, ln, st->map[c] + 1, numeric[c].column, p->fields[st->map[c]]))
      return LINE_FATAL;
  }
  return batch_row_done(row) ? LINE_FATAL : LINE_STORED;
}

const struct format fmt_eprof_gpu = {
    .name = "eprof-gpu",
    .tables = "eprof_gpu_sample",
    .version = 1,
    .time_convention = "naive-local",
    .bid = bid,
    .line = line,
    .state_size = sizeof(struct state),
};
