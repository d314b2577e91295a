/* ingest/fmt_run_manifest.c: runs.csv, the run metadata the logs do not hold,
 * keyed by the run's folders and stamp.
 *
 *   environment,architecture,dataset,stamp,batch_size,image_size,train_size,validation_size,gflops,accuracy,auc,precision,recall,f1,total_ram_gb
 *   cloud,mobilenet_v2,chesslive-occupancy,20221205T095541,32,128,23807,10203,0.064028,0.9756,0.9957,0.9598,0.9932,0.9762,16
 * Written by people (or their scripts), so: columns by name in any order (names
 * as ingest/runmeta.h reads them: `batch size`, `f1-score`, `trained epochs`
 * ...), only environment, architecture, dataset and stamp required, empty cells
 * for what is unknown, a last line without newline taken as whole. Besides the
 * columns above it takes every column the processed tables have: split_number,
 * trained_epochs, measured_epochs, total_seen_images, return_code. Any other
 * column is kept, per line, in run_metadata_extra. */
#include <string.h>

#include "ingest/format.h"
#include "ingest/runkey.h"
#include "ingest/runmeta.h"
#include "ingest/values.h"

struct state {
  struct header header;
  struct runmeta_map map;
};

static const char sql_insert[] =
    "INSERT INTO run_manifest(file_id, line, environment, architecture, dataset, stamp, "
    RUNMETA_SQL_COLUMNS ") VALUES (?,?,?,?,?,?," RUNMETA_SQL_PARAMS ")";

static const unsigned required = 1u << RK_ENV | 1u << RK_ARCH | 1u << RK_DATASET | 1u << RK_STAMP;

/* The four key columns, in any order. */
static int bid(const struct sniff *s) {
  if (strncmp(s->first_line, "environment,architecture,dataset,stamp", 38) == 0) return BID_EXACT;
  unsigned keys = runmeta_sniff_keys(s->first_line, runmeta_delimiter(s->first_line));
  return (keys & required) == required ? BID_EXACT : 0;
}

static const char *const key_label[RK_NKEY] = {"environment", "architecture", "dataset", "stamp", "run"};

static enum line_verdict line(struct parse *p, const struct line *ln) {
  struct state *st = p->state;
  int first = !st->header.seen;
  enum line_verdict v = parse_header_or_data(p, ln, ',', &st->header, NULL, 0, NULL);
  if (first && v == LINE_SKIPPED) {
    const char *names[HEADER_MAX_COLS];
    for (int i = 0; i < st->header.n; i++) names[i] = header_name(&st->header, i);
    runmeta_map_header(names, st->header.n, &st->map);
    /* a run ordinal is no key of runs.csv: kept as an extra column */
    if (st->map.key[RK_RUN] >= 0) st->map.known[st->map.key[RK_RUN]] = 0;
    for (int k = RK_ENV; k <= RK_STAMP; k++)
      if (st->map.key[k] < 0) {
        parse_fail(p, "header has no column '%s'", key_label[k]);
        return LINE_REFUSE_FILE;
      }
  }
  if (v != LINE_STORED) return v;
  for (int k = RK_ENV; k <= RK_ARCH; k++) /* dataset: "" in the 2-level layout */
    if (!p->fields[st->map.key[k]][0])
      return parse_reject(p, ln, st->map.key[k] + 1, "missing_key", "no %s", key_label[k]);
  char stamp[16];
  const char *s = p->fields[st->map.key[RK_STAMP]];
  if (strlen(s) != 15 || !run_stamp_from_name(s, stamp))
    return parse_reject(p, ln, st->map.key[RK_STAMP] + 1, "bad_stamp",
                        "cannot parse '%s' as a run stamp YYYYMMDDTHHMMSS", s);
  struct runmeta_values vals;
  v = runmeta_parse(p, ln, &st->map, &vals);
  if (v != LINE_STORED) return v;
  sqlite3_stmt *ins = wdb_stmt(p->db, sql_insert);
  if (!ins) return LINE_FATAL;
  sqlite3_bind_int64(ins, 1, p->file_id);
  sqlite3_bind_int64(ins, 2, ln->number);
  for (int k = RK_ENV; k <= RK_STAMP; k++)
    sqlite3_bind_text(ins, 3 + k, p->fields[st->map.key[k]], -1, SQLITE_STATIC);
  runmeta_bind(ins, 7, &vals);
  if (parse_insert(p, ins)) return LINE_FATAL;
  return runmeta_store_extra(p, ln, &st->header, &st->map) ? LINE_FATAL : LINE_STORED;
}

const struct format fmt_run_manifest = {
    .name = "run-manifest",
    .tables = "run_manifest,run_metadata_extra",
    .version = 2,
    .bid = bid,
    .line = line,
    .keeps_unterminated_tail = 1,
    .state_size = sizeof(struct state),
};
