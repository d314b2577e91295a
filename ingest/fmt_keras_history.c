/* ingest/fmt_keras_history.c: performance-T.csv, Keras' CSVLogger history.
 *
 *   epoch,accuracy,auc,loss,lr,val_accuracy,val_auc,val_loss
 *   0,0.4123,0.8712,2.6011,0.001,0.6210,0.9403,1.5532
 * `epoch` then the logged metrics in alphabetical order; which metrics depends
 * on the model, so every column but epoch is stored as a (metric, value) row.
 * Keras writes "nan" for a metric that diverged: stored as NULL. A header that
 * repeats a metric (`epoch,loss,loss`, two callbacks logging the same name)
 * loses nothing: the first keeps its name, the later ones are stored as
 * `loss.1`, `loss.2`, ... (pandas' names for them), said on stderr. */
#include <string.h>

#include "ingest/format.h"
#include "ingest/values.h"

struct state {
  struct header header;
  int epoch_col;
  sqlite3_stmt *insert; /* fetched once per file; every parameter bound per row */
};

static const char sql_insert[] =
    "INSERT INTO eprof_epoch_metric(file_id, line, epoch, metric, value) VALUES (?,?,?,?,?)";

static int bid(const struct sniff *s) {
  if (strncmp(s->first_line, "epoch,", 6) != 0 || strcmp(s->first_line, "epoch,end_time") == 0)
    return 0;
  if (strncmp(s->name, "performance", 11) == 0) return BID_SIGNATURE;
  return strstr(s->first_line, "loss") ? BID_VOCABULARY : 0;
}

static enum line_verdict line(struct parse *p, const struct line *ln) {
  struct state *st = p->state;
  static const struct column_spec spec[1] = {{{"epoch"}, 1}};
  enum line_verdict v = parse_header_or_data(p, ln, ',', &st->header, spec, 1, &st->epoch_col);
  if (v != LINE_STORED) return v;
  int64_t epoch;
  const char *e = p->fields[st->epoch_col];
  if (value_integer(e, &epoch) != VALUE_OK || epoch < 0)
    return parse_reject(p, ln, st->epoch_col + 1, "bad_number", "cannot parse '%s' as an epoch", e);
  /* Check every value before storing any, so that a line is all in or all out. */
  double values[HEADER_MAX_COLS];
  enum value_kind kinds[HEADER_MAX_COLS];
  for (int i = 0; i < st->header.n; i++) {
    if (i == st->epoch_col) continue;
    kinds[i] = value_number(p->fields[i], NULL, &values[i]);
    if (kinds[i] == VALUE_BAD)
      return parse_reject(p, ln, i + 1, "bad_number", "cannot parse '%s' as a value of %s",
                          p->fields[i], header_name(&st->header, i));
  }
  if (!st->insert && !(st->insert = wdb_stmt(p->db, sql_insert))) return LINE_FATAL;
  sqlite3_stmt *ins = st->insert;
  for (int i = 0; i < st->header.n; i++) {
    if (i == st->epoch_col) continue;
    sqlite3_bind_int64(ins, 1, p->file_id);
    sqlite3_bind_int64(ins, 2, ln->number);
    sqlite3_bind_int64(ins, 3, epoch);
    sqlite3_bind_text(ins, 4, header_name(&st->header, i), -1, SQLITE_STATIC);
    if (kinds[i] == VALUE_OK) sqlite3_bind_double(ins, 5, values[i]);
    else sqlite3_bind_null(ins, 5);
    if (parse_insert(p, ins)) return LINE_FATAL;
  }
  return LINE_STORED;
}

const struct format fmt_keras_history = {
    .name = "keras-history",
    .tables = "eprof_epoch_metric",
    .version = 1,
    .bid = bid,
    .line = line,
    .state_size = sizeof(struct state),
};
