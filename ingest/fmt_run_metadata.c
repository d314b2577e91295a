/* ingest/fmt_run_metadata.c: the study's own run metadata, one row per training
 * run, keyed by environment, architecture and the run's ordinal: the table the
 * replication package builds from its MLflow server (model_metrics.gzip, read
 * as CSV), e.g. model-metrics-seaa2023.csv:
 *
 *   split number,training size,validation size,batch size,GFLOPs,accuracy,precision,recall,AUC,trained epochs,total seen images,f1-score,train_environment,architecture,run
 *   0,23807,10203,32,0.06402816,0.9756289124488831,0.9598264694213867,0.9931694269180298,0.9956747889518738,98,3327296,0.976213320634979,cloud,mobilenet_v2,0
 *
 * `run` numbers the runs of one environment and architecture 0, 1, 2, ... in
 * the order of their stamps T (the order MLflow started them). The dialect:
 * columns by name in any order, names as ingest/runmeta.h reads them (spaces or
 * underscores, any case, MLflow's `params.` / `metrics.` prefixes, `val_`
 * metrics: `params.batch_size`, `metrics.val_binary_accuracy`); ',' ';' or tab
 * as delimiter (the header's most frequent); the environment as the folders name
 * it (cloud, local-v2) or as the anchor's processed tables do (Cloud, Local ML
 * Engineer, Local Normal User: mapped when pairing); image size as `128` or
 * `(128, 128)`; integers written as floats (`98.0`); nan/None/empty for unknown;
 * an optional dataset column (the ordinal then counts within the dataset); a
 * stamp (or creation_time) column instead of `run` pairs by stamp. Any other
 * column (val_loss, MLflow's run_id, a pandas index) is kept, per line, in
 * run_metadata_extra. The pairing rule is in schema/007_run_metadata.sql. */
#include <stdio.h>
#include <string.h>

#include "ingest/format.h"
#include "ingest/runkey.h"
#include "ingest/runmeta.h"
#include "ingest/values.h"

struct state {
  struct header header;
  struct runmeta_map map;
  unsigned char delim;
};

static const char sql_insert[] =
    "INSERT INTO run_metadata(file_id, line, environment, architecture, dataset, run, stamp, "
    "paired_by, " RUNMETA_SQL_COLUMNS ") VALUES (?,?,?,?,?,?,?,?," RUNMETA_SQL_PARAMS ")";

/* Environment, architecture and a run ordinal (or a stamp without a dataset,
 * which runs.csv would take). */
static int bid(const struct sniff *s) {
  unsigned keys = runmeta_sniff_keys(s->first_line, runmeta_delimiter(s->first_line));
  unsigned need = 1u << RK_ENV | 1u << RK_ARCH;
  if ((keys & need) != need) return 0;
  if (keys & 1u << RK_RUN) return BID_SIGNATURE;
  if ((keys & 1u << RK_STAMP) && !(keys & 1u << RK_DATASET)) return BID_SIGNATURE;
  return 0;
}

static enum line_verdict line(struct parse *p, const struct line *ln) {
  struct state *st = p->state;
  int first = !st->header.seen;
  if (first) st->delim = runmeta_delimiter(ln->text);
  enum line_verdict v = parse_header_or_data(p, ln, st->delim, &st->header, NULL, 0, NULL);
  struct runmeta_map *m = &st->map;
  if (first && v == LINE_SKIPPED) {
    const char *names[HEADER_MAX_COLS];
    for (int i = 0; i < st->header.n; i++) names[i] = header_name(&st->header, i);
    runmeta_map_header(names, st->header.n, m);
    if (m->key[RK_ENV] < 0 || m->key[RK_ARCH] < 0) {
      parse_fail(p, "header has no column '%s'", m->key[RK_ENV] < 0 ? "environment" : "architecture");
      return LINE_REFUSE_FILE;
    }
    if (m->key[RK_RUN] < 0 && m->key[RK_STAMP] < 0) {
      parse_fail(p, "header has no column 'run' (the run's ordinal) nor 'stamp'");
      return LINE_REFUSE_FILE;
    }
    /* a run column pairs by ordinal; a stamp column next to it is kept as an extra */
    if (m->key[RK_RUN] >= 0 && m->key[RK_STAMP] >= 0) m->known[m->key[RK_STAMP]] = 0;
    snprintf(p->format_version, sizeof p->format_version, "%s%s",
             m->key[RK_RUN] >= 0 ? "ordinal" : "stamp", m->key[RK_DATASET] >= 0 ? "-dataset" : "");
  }
  if (v != LINE_STORED) return v;
  const char *env = p->fields[m->key[RK_ENV]], *arch = p->fields[m->key[RK_ARCH]];
  if (!*env || !*arch)
    return parse_reject(p, ln, (*env ? m->key[RK_ARCH] : m->key[RK_ENV]) + 1, "missing_key", "no %s",
                        *env ? "architecture" : "environment");
  const char *dataset = m->key[RK_DATASET] >= 0 ? p->fields[m->key[RK_DATASET]] : NULL;
  int64_t run = -1;
  char stamp[16] = "";
  const char *paired_by;
  if (m->key[RK_RUN] >= 0) {
    const char *text = p->fields[m->key[RK_RUN]];
    if (value_integer(text, &run) != VALUE_OK || run < 0)
      return parse_reject(p, ln, m->key[RK_RUN] + 1, "bad_run",
                          "cannot parse '%s' as a run ordinal (0, 1, 2, ...)", text);
    paired_by = dataset ? "dataset ordinal" : "ordinal";
  } else {
    const char *text = p->fields[m->key[RK_STAMP]];
    if (strlen(text) != 15 || !run_stamp_from_name(text, stamp))
      return parse_reject(p, ln, m->key[RK_STAMP] + 1, "bad_stamp",
                          "cannot parse '%s' as a run stamp YYYYMMDDTHHMMSS", text);
    paired_by = "stamp";
  }
  struct runmeta_values vals;
  v = runmeta_parse(p, ln, m, &vals);
  if (v != LINE_STORED) return v;
  sqlite3_stmt *ins = wdb_stmt(p->db, sql_insert);
  if (!ins) return LINE_FATAL;
  sqlite3_bind_int64(ins, 1, p->file_id);
  sqlite3_bind_int64(ins, 2, ln->number);
  sqlite3_bind_text(ins, 3, env, -1, SQLITE_STATIC);
  sqlite3_bind_text(ins, 4, arch, -1, SQLITE_STATIC);
  if (dataset) sqlite3_bind_text(ins, 5, dataset, -1, SQLITE_STATIC);
  if (run >= 0) sqlite3_bind_int64(ins, 6, run);
  else sqlite3_bind_text(ins, 7, stamp, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(ins, 8, paired_by, -1, SQLITE_STATIC);
  runmeta_bind(ins, 9, &vals);
  if (parse_insert(p, ins)) return LINE_FATAL;
  return runmeta_store_extra(p, ln, &st->header, m) ? LINE_FATAL : LINE_STORED;
}

const struct format fmt_run_metadata = {
    .name = "run-metadata",
    .tables = "run_metadata,run_metadata_extra",
    .version = 1,
    .bid = bid,
    .line = line,
    .keeps_unterminated_tail = 1, /* written whole by a script or by hand */
    .state_size = sizeof(struct state),
};
