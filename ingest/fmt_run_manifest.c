/* ingest/fmt_run_manifest.c: runs.csv, the run metadata the logs do not hold.
 *
 *   environment,architecture,dataset,stamp,batch_size,image_size,train_size,validation_size,gflops,accuracy,auc,precision,recall,f1,total_ram_gb
 *   cloud,mobilenet_v2,chesslive-occupancy,20221205T095541,32,128,23807,10203,0.064028,0.9756,0.9957,0.9598,0.9932,0.9762,16
 * Written by people (or their scripts), so: columns by name in any order, only
 * environment, architecture, dataset and stamp required, empty cells for what is
 * unknown, a last line without newline taken as whole. Columns not listed here
 * are ignored, and said so once per file. */
#include <string.h>

#include "common/msg.h"
#include "ingest/format.h"
#include "ingest/values.h"

enum { C_ENV, C_ARCH, C_DATASET, C_STAMP, /* text */
       C_BATCH, C_IMAGE, C_TRAIN, C_VALID, /* integers */
       C_GFLOPS, C_ACC, C_AUC, C_PREC, C_RECALL, C_F1, C_RAM, NCOL };
#define FIRST_INT C_BATCH
#define FIRST_REAL C_GFLOPS

static const struct column_spec specs[NCOL] = {
    [C_ENV] = {{"environment"}, 1},      [C_ARCH] = {{"architecture"}, 1},
    [C_DATASET] = {{"dataset"}, 1},      [C_STAMP] = {{"stamp"}, 1},
    [C_BATCH] = {{"batch_size"}, 0},     [C_IMAGE] = {{"image_size"}, 0},
    [C_TRAIN] = {{"train_size"}, 0},     [C_VALID] = {{"validation_size"}, 0},
    [C_GFLOPS] = {{"gflops"}, 0},        [C_ACC] = {{"accuracy"}, 0},
    [C_AUC] = {{"auc"}, 0},              [C_PREC] = {{"precision"}, 0},
    [C_RECALL] = {{"recall"}, 0},        [C_F1] = {{"f1"}, 0},
    [C_RAM] = {{"total_ram_gb"}, 0},
};

struct state {
  struct header header;
  int map[NCOL];
};

static const char sql_insert[] =
    "INSERT INTO run_manifest(file_id, line, environment, architecture, dataset, stamp, batch_size, "
    "image_size, train_size, validation_size, gflops, accuracy, auc, precision, recall, f1, "
    "total_ram_gb) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)";

static int bid(const struct sniff *s) {
  return strncmp(s->first_line, "environment,architecture,dataset,stamp", 38) == 0 ? 95 : 0;
}

static enum line_verdict line(struct parse *p, const struct line *ln) {
  struct state *st = p->state;
  int first = !st->header.seen;
  enum line_verdict v = parse_header_or_data(p, ln, ',', &st->header, specs, NCOL, st->map);
  if (first && v == LINE_SKIPPED) {
    int unknown = p->nfields;
    for (int c = 0; c < NCOL; c++) unknown -= st->map[c] >= 0;
    if (unknown) msg("%s:1: %d columns are not run metadata wattdb knows; ignored", p->path, unknown);
  }
  if (v != LINE_STORED) return v;
  char stamp[16];
  const char *s = p->fields[st->map[C_STAMP]];
  if (strlen(s) != 15 || !run_stamp_from_name(s, stamp))
    return parse_reject(p, ln, st->map[C_STAMP] + 1, "bad_stamp",
                        "cannot parse '%s' as a run stamp YYYYMMDDTHHMMSS", s);
  int64_t ints[NCOL];
  double reals[NCOL];
  enum value_kind kinds[NCOL];
  for (int c = FIRST_INT; c < NCOL; c++) {
    kinds[c] = VALUE_EMPTY;
    if (st->map[c] < 0) continue;
    const char *text = p->fields[st->map[c]];
    kinds[c] = c < FIRST_REAL ? value_integer(text, &ints[c]) : value_number(text, NULL, &reals[c]);
    if (kinds[c] == VALUE_BAD)
      return parse_reject(p, ln, st->map[c] + 1, "bad_number", "cannot parse '%s' as %s", text,
                          c < FIRST_REAL ? "an integer" : "a number");
  }
  sqlite3_stmt *ins = wdb_stmt(p->db, sql_insert);
  if (!ins) return LINE_FATAL;
  sqlite3_bind_int64(ins, 1, p->file_id);
  sqlite3_bind_int64(ins, 2, ln->number);
  for (int c = C_ENV; c <= C_STAMP; c++)
    sqlite3_bind_text(ins, 3 + c, p->fields[st->map[c]], -1, SQLITE_STATIC);
  for (int c = FIRST_INT; c < NCOL; c++) {
    if (kinds[c] != VALUE_OK) continue;
    if (c < FIRST_REAL) sqlite3_bind_int64(ins, 3 + c, ints[c]);
    else sqlite3_bind_double(ins, 3 + c, reals[c]);
  }
  return parse_insert(p, ins) ? LINE_FATAL : LINE_STORED;
}

const struct format fmt_run_manifest = {
    .name = "run-manifest",
    .version = 1,
    .bid = bid,
    .line = line,
    .keeps_unterminated_tail = 1,
    .state_size = sizeof(struct state),
};
