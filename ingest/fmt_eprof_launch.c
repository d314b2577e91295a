/* ingest/fmt_eprof_launch.c: out/oom-experiments*.csv, the launcher's manifest.
 *
 *   start_time,architecture,dataset,input_size,batch_size,return_code
 *   2023-11-20 22:53:08,inception_v3,caltech101,128,64,0
 * One row per training the launcher started: the local time just before the
 * start (second resolution, a few seconds before the run's stamp), the requested
 * image side, and the return code (-9: killed for lack of memory). It names no
 * environment. Written once by pandas, so a last line without newline is whole. */
#include <string.h>

#include "ingest/format.h"
#include "ingest/values.h"

enum { C_START, C_ARCH, C_DATASET, C_INPUT, C_BATCH, C_RC, NCOL };

static const struct column_spec specs[NCOL] = {
    [C_START] = {{"start_time"}, 1},     [C_ARCH] = {{"architecture"}, 1},
    [C_DATASET] = {{"dataset"}, 1},      [C_INPUT] = {{"input_size"}, 0},
    [C_BATCH] = {{"batch_size"}, 0},     [C_RC] = {{"return_code"}, 0},
};

struct state {
  struct header header;
  int map[NCOL];
};

static const char sql_insert[] =
    "INSERT INTO eprof_launch(file_id, line, start_us, architecture, dataset, input_size, "
    "batch_size, return_code) VALUES (?,?,?,?,?,?,?,?)";

static int bid(const struct sniff *s) {
  return strncmp(s->first_line, "start_time,architecture,dataset", 31) == 0 ? BID_EXACT : 0;
}

static enum line_verdict line(struct parse *p, const struct line *ln) {
  struct state *st = p->state;
  enum line_verdict v = parse_header_or_data(p, ln, ',', &st->header, specs, NCOL, st->map);
  if (v != LINE_STORED) return v;
  int64_t start;
  const char *t = p->fields[st->map[C_START]];
  if (value_time(t, &start))
    return parse_reject(p, ln, st->map[C_START] + 1, "bad_time", "cannot parse '%s' as a time", t);
  int64_t ints[NCOL];
  enum value_kind kinds[NCOL];
  for (int c = C_INPUT; c < NCOL; c++) {
    kinds[c] = VALUE_EMPTY;
    if (st->map[c] < 0) continue;
    kinds[c] = value_integer(p->fields[st->map[c]], &ints[c]);
    if (kinds[c] == VALUE_BAD)
      return parse_reject(p, ln, st->map[c] + 1, "bad_number", "cannot parse '%s' as an integer",
                          p->fields[st->map[c]]);
  }
  sqlite3_stmt *ins = wdb_stmt(p->db, sql_insert);
  if (!ins) return LINE_FATAL;
  sqlite3_bind_int64(ins, 1, p->file_id);
  sqlite3_bind_int64(ins, 2, ln->number);
  sqlite3_bind_int64(ins, 3, start);
  sqlite3_bind_text(ins, 4, p->fields[st->map[C_ARCH]], -1, SQLITE_STATIC);
  sqlite3_bind_text(ins, 5, p->fields[st->map[C_DATASET]], -1, SQLITE_STATIC);
  for (int c = C_INPUT; c < NCOL; c++)
    if (kinds[c] == VALUE_OK) sqlite3_bind_int64(ins, 6 + (c - C_INPUT), ints[c]);
  return parse_insert(p, ins) ? LINE_FATAL : LINE_STORED;
}

const struct format fmt_eprof_launch = {
    .name = "eprof-launch",
    .tables = "eprof_launch",
    .version = 1,
    .time_convention = "naive-local",
    .bid = bid,
    .line = line,
    .keeps_unterminated_tail = 1,
    .state_size = sizeof(struct state),
};
