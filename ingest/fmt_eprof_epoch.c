/* ingest/fmt_eprof_epoch.c: epoch_end-T.csv, when each training epoch ended.
 *
 *   epoch,end_time
 *   0,2023-12-18 20:52:30.839797
 * Written by a Keras callback (str(datetime): 6 fractional digits, none at a
 * whole second; CRLF) or rebuilt from MLflow by pandas (3 digits, LF). The epoch
 * is Keras' 0-based index; a second fit() (fine-tuning) rewrites the file and
 * numbers on from where the first stopped. */
#include <string.h>

#include "ingest/csvtable.h"

enum { C_EPOCH, C_END, NCOL };

static const struct csv_column columns[NCOL] = {
    [C_EPOCH] = {.spec = {{"epoch"}, 1}, .kind = CELL_INTEGER, .what = "an epoch", .stored_as = "epoch", .nonnegative = 1,
                 .needs_value = 1},
    [C_END] = {.spec = {{"end_time"}, 1}, .kind = CELL_TIME, .stored_as = "end_us"},
};

static const struct csv_table table = {
    .insert = "INSERT INTO eprof_epoch_end(file_id, line, epoch, end_us) VALUES (?,?,?,?)",
    .columns = columns,
    .ncolumns = NCOL,
    .delim = ',',
};

static int bid(const struct sniff *s) {
  return strcmp(s->first_line, "epoch,end_time") == 0 ? BID_EXACT : 0;
}

const struct format fmt_eprof_epoch = {
    .name = "eprof-epoch",
    .tables = "eprof_epoch_end",
    .version = 1,
    .time_convention = "naive-local",
    .bid = bid,
    .table = &table,
};
