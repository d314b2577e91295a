/* ingest/fmt_eprof_epoch.c: epoch_end-T.csv, when each training epoch ended.
 *
 *   epoch,end_time
 *   0,2023-12-18 20:52:30.839797
 * Written by a Keras callback (str(datetime): 6 fractional digits, none at a
 * whole second; CRLF) or rebuilt from MLflow by pandas (3 digits, LF). The epoch
 * is Keras' 0-based index; a second fit() (fine-tuning) rewrites the file and
 * numbers on from where the first stopped. */
#include <string.h>

#include "ingest/format.h"
#include "ingest/values.h"

enum { C_EPOCH, C_END, NCOL };

static const struct column_spec specs[NCOL] = {
    [C_EPOCH] = {{"epoch"}, 1},
    [C_END] = {{"end_time"}, 1},
};

struct state {
  struct header header;
  int map[NCOL];
};

static const char sql_insert[] =
    "INSERT INTO eprof_epoch_end(file_id, line, epoch, end_us) VALUES (?,?,?,?)";

static int bid(const struct sniff *s) {
  return strcmp(s->first_line, "epoch,end_time") == 0 ? BID_EXACT : 0;
}

static enum line_verdict line(struct parse *p, const struct line *ln) {
  struct state *st = p->state;
  enum line_verdict v = parse_header_or_data(p, ln, ',', &st->header, specs, NCOL, st->map);
  if (v != LINE_STORED) return v;
  int64_t epoch, end;
  const char *e = p->fields[st->map[C_EPOCH]], *t = p->fields[st->map[C_END]];
  if (value_integer(e, &epoch) != VALUE_OK || epoch < 0)
    return parse_reject(p, ln, st->map[C_EPOCH] + 1, "bad_number", "cannot parse '%s' as an epoch", e);
  if (value_time(t, &end))
    return parse_reject(p, ln, st->map[C_END] + 1, "bad_time", "cannot parse '%s' as a time", t);
  sqlite3_stmt *ins = wdb_stmt(p->db, sql_insert);
  if (!ins) return LINE_FATAL;
  sqlite3_bind_int64(ins, 1, p->file_id);
  sqlite3_bind_int64(ins, 2, ln->number);
  sqlite3_bind_int64(ins, 3, epoch);
  sqlite3_bind_int64(ins, 4, end);
  return parse_insert(p, ins) ? LINE_FATAL : LINE_STORED;
}

const struct format fmt_eprof_epoch = {
    .name = "eprof-epoch",
    .tables = "eprof_epoch_end",
    .version = 1,
    .time_convention = "naive-local",
    .bid = bid,
    .line = line,
    .state_size = sizeof(struct state),
};
