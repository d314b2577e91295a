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
#include <string.h>

#include "ingest/csvtable.h"

enum { C_TIME, C_CPU, C_RSS, C_TEMP, C_RAM_GB, C_RAM_MB, NCOL };

static const struct csv_column columns[NCOL] = {
    [C_TIME] = {.spec = {{"timestamp"}, 1}, .kind = CELL_TIME, .stored_as = "ts_us"},
    [C_CPU] = {.spec = {{"cpu usage (%)"}, 1}, .kind = CELL_REAL, .what = "percent", .stored_as = "cpu_pct"},
    [C_RSS] = {.spec = {{"memory usage (MB)"}, 1}, .kind = CELL_REAL, .what = "MB", .stored_as = "rss_mb"},
    [C_TEMP] = {.spec = {{"temperature (Celsius)"}, 0}, .kind = CELL_REAL, .what = "degrees Celsius", .stored_as = "temp_c"},
    [C_RAM_GB] = {.spec = {{"total memory (GB)"}, 0}, .kind = CELL_REAL, .what = "GB", .stored_as = "total_ram_gb"},
    /* the historical label in MB, stored in GB */
    [C_RAM_MB] = {.spec = {{"total memory (MB)"}, 0}, .kind = CELL_REAL, .what = "MB", .stored_as = "total_ram_gb", .scale = 1e-3,
                  .instead_of = C_RAM_GB + 1},
};

static const struct csv_table table = {
    .insert = "INSERT INTO eprof_cpu_sample(file_id, line, ts_us, cpu_pct, rss_mb, temp_c, total_ram_gb) "
    "VALUES (?,?,?,?,?,?,?)",
    .columns = columns,
    .ncolumns = NCOL,
    .delim = ',',
    .version_is_width = 1,
};

static int bid(const struct sniff *s) {
  if (strncmp(s->first_line, "timestamp,cpu usage (%),memory usage (MB)", 41) == 0) return BID_EXACT;
  return 0;
}

const struct format fmt_eprof_cpu = {
    .name = "eprof-cpu",
    .tables = "eprof_cpu_sample",
    .version = 1,
    .time_convention = "naive-local",
    .bid = bid,
    .table = &table,
};
