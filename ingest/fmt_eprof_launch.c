/* ingest/fmt_eprof_launch.c: out/oom-experiments*.csv, the launcher's manifest.
 *
 *   start_time,architecture,dataset,input_size,batch_size,return_code
 *   2023-11-20 22:53:08,inception_v3,caltech101,128,64,0
 * One row per training the launcher started: the local time just before the
 * start (second resolution, a few seconds before the run's stamp), the requested
 * image side, and the return code (-9: killed for lack of memory). It names no
 * environment. Written once by pandas, so a last line without newline is whole. */
#include <string.h>

#include "ingest/csvtable.h"

enum { C_START, C_ARCH, C_DATASET, C_INPUT, C_BATCH, C_RC, NCOL };

static const struct csv_column columns[NCOL] = {
    [C_START] = {.spec = {{"start_time"}, 1}, .kind = CELL_TIME, .stored_as = "start_us"},
    [C_ARCH] = {.spec = {{"architecture"}, 1}, .kind = CELL_TEXT, .stored_as = "architecture"},
    [C_DATASET] = {.spec = {{"dataset"}, 1}, .kind = CELL_TEXT, .stored_as = "dataset"},
    [C_INPUT] = {.spec = {{"input_size"}, 0}, .kind = CELL_INTEGER, .what = "an integer", .stored_as = "input_size"},
    [C_BATCH] = {.spec = {{"batch_size"}, 0}, .kind = CELL_INTEGER, .what = "an integer", .stored_as = "batch_size"},
    [C_RC] = {.spec = {{"return_code"}, 0}, .kind = CELL_INTEGER, .what = "an integer", .stored_as = "return_code"},
};

static const struct csv_table table = {
    .insert = "INSERT INTO eprof_launch(file_id, line, start_us, architecture, dataset, input_size, "
    "batch_size, return_code) VALUES (?,?,?,?,?,?,?,?)",
    .columns = columns,
    .ncolumns = NCOL,
    .delim = ',',
};

static int bid(const struct sniff *s) {
  return strncmp(s->first_line, "start_time,architecture,dataset", 31) == 0 ? BID_EXACT : 0;
}

const struct format fmt_eprof_launch = {
    .name = "eprof-launch",
    .tables = "eprof_launch",
    .version = 1,
    .time_convention = "naive-local",
    .bid = bid,
    .table = &table,
    .keeps_unterminated_tail = 1,
};
