/* ingest/fmt_mlflow.c: the files of an MLflow file store (`mlruns/`) that are
 * not YAML, as three formats, each recognised by its place in the store
 * (ingest/fmt_mlflow.h) rather than by its content:
 *
 * mlflow-metric: <exp>/<run>/metrics/<key>, one line per logged value,
 *   1691409747769 0.8819000124931335 0
 * written by FileStore._log_run_metric as f"{timestamp} {value} {step}\n":
 * the timestamp in ms since 1970 UTC, the value as Python's str(float) (`nan`,
 * `inf`, `-inf`, `1e-05`), the step an integer. Read as MLflow reads it
 * (_get_metric_from_line): stripped, split on single spaces into 2 fields
 * (before MLflow 1.0: no step, read as step 0; such files also logged seconds,
 * kept as written) or 3. Every line is kept, in file order: the history. The
 * file is only ever appended to, so a last line without newline is torn by a
 * crash (the driver rejects it as 'truncated'). Which line is the metric's
 * final value is MLflow's rule, applied by view mlflow_metric_final
 * (schema/015_mlflow.sql), not here.
 *
 * mlflow-param: <exp>/<run>/params/<key>, and mlflow-tag: <exp>/<run>/tags/<key>
 * and <exp>/tags/<key>: the whole file is the value, written without a
 * trailing newline (FileStore._set_run_tag); a value may hold newlines and is
 * not trimmed. The driver hands the file over in lines (LINES_PLAIN: a quote
 * joins none), LF/CRLF cut off and blank lines left out; the value is put back together from them and their
 * numbers (a skipped line is taken as empty), and compared with the file's size:
 * `exact` = 0 when the bytes differ (a CR, or a blank line of spaces, was not
 * seen), so that a value that could not be rebuilt byte for byte is marked. Every
 * line handed over is stored (in the one value row). */
#include "ingest/fmt_mlflow.h"

#include <ctype.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ingest/batch.h"
#include "ingest/format.h"

/* ---- the path ---------------------------------------------------------------- */

#define MLFLOW_MAX_DEPTH 256

struct comp {
  const char *s;
  size_t n;
};

static int comp_is(const struct comp *c, const char *word) {
  return c->n == strlen(word) && memcmp(c->s, word, c->n) == 0;
}

static int comp_is_run_id(const struct comp *c) {
  if (c->n != 32) return 0;
  for (size_t i = 0; i < 32; i++)
    if (!isdigit((unsigned char)c->s[i]) && !(c->s[i] >= 'a' && c->s[i] <= 'f')) return 0;
  return 1;
}

static int comp_is_digits(const struct comp *c) {
  if (!c->n) return 0;
  for (size_t i = 0; i < c->n; i++)
    if (!isdigit((unsigned char)c->s[i])) return 0;
  return 1;
}

/* Copies C into OUT[MLFLOW_NAME_MAX]; -1 when it does not fit. */
static int copy_name(char *out, const char *s, size_t n) {
  if (n >= MLFLOW_NAME_MAX) return -1;
  memcpy(out, s, n);
  out[n] = '\0';
  return 0;
}

/* The key: components FIRST .. N-1 of C, with their '/' separators, as the path writes them. */
static int copy_key(char *out, const struct comp *c, int first, int n) {
  const char *end = c[n - 1].s + c[n - 1].n;
  return copy_name(out, c[first].s, (size_t)(end - c[first].s));
}

enum mlflow_kind mlflow_path_parse(const char *path, struct mlflow_path *mp) {
  memset(mp, 0, sizeof *mp);
  struct comp c[MLFLOW_MAX_DEPTH];
  int n = 0;
  for (const char *s = path; *s;) {
    size_t len = strcspn(s, "/:");
    if (len) {
      if (n == MLFLOW_MAX_DEPTH) return MLFLOW_NONE;
      c[n].s = s;
      c[n].n = len;
      n++;
    }
    s += len;
    if (*s) s++;
  }
  /* a run's file: the leftmost run folder followed by a store folder */
  for (int i = 0; i + 1 < n; i++) {
    if (!comp_is_run_id(&c[i])) continue;
    enum mlflow_kind k = MLFLOW_NONE;
    if (comp_is(&c[i + 1], "meta.yaml") && i + 2 == n) k = MLFLOW_RUN;
    else if (i + 2 < n && comp_is(&c[i + 1], "metrics")) k = MLFLOW_METRIC;
    else if (i + 2 < n && comp_is(&c[i + 1], "params")) k = MLFLOW_PARAM;
    else if (i + 2 < n && comp_is(&c[i + 1], "tags")) k = MLFLOW_TAG;
    else if (i + 2 < n && (comp_is(&c[i + 1], "artifacts") || comp_is(&c[i + 1], "inputs"))) k = MLFLOW_ARTIFACT;
    if (k == MLFLOW_NONE) continue;
    memcpy(mp->run, c[i].s, 32);
    mp->run[32] = '\0';
    if (i >= 1 && copy_name(mp->experiment, c[i - 1].s, c[i - 1].n)) return MLFLOW_NONE;
    mp->in_trash = i >= 2 && comp_is(&c[i - 2], ".trash");
    /* an artifact's key keeps its folder: 'artifacts/model/MLmodel', 'inputs/...' */
    if (k != MLFLOW_RUN && copy_key(mp->key, c, k == MLFLOW_ARTIFACT ? i + 1 : i + 2, n)) return MLFLOW_NONE;
    return mp->kind = k;
  }
  /* an experiment's file */
  if (n >= 1 && comp_is(&c[n - 1], "meta.yaml")) {
    if (n >= 2 && copy_name(mp->experiment, c[n - 2].s, c[n - 2].n)) return MLFLOW_NONE;
    mp->in_trash = n >= 3 && comp_is(&c[n - 3], ".trash");
    return mp->kind = MLFLOW_EXPERIMENT;
  }
  for (int j = 1; j + 1 < n; j++) {
    if (!comp_is(&c[j], "tags") || !comp_is_digits(&c[j - 1])) continue;
    if (copy_name(mp->experiment, c[j - 1].s, c[j - 1].n) || copy_key(mp->key, c, j + 1, n))
      return MLFLOW_NONE;
    mp->in_trash = j >= 2 && comp_is(&c[j - 2], ".trash");
    return mp->kind = MLFLOW_EXPERIMENT_TAG;
  }
  return MLFLOW_NONE;
}

const char *mlflow_kind_name(enum mlflow_kind k) {
  static const char *const names[] = {
      [MLFLOW_NONE] = "", [MLFLOW_EXPERIMENT] = "experiment", [MLFLOW_EXPERIMENT_TAG] = "experiment tag",
      [MLFLOW_RUN] = "run", [MLFLOW_METRIC] = "metric", [MLFLOW_PARAM] = "param", [MLFLOW_TAG] = "tag",
      [MLFLOW_ARTIFACT] = "artifact"};
  return names[k];
}

static const char sql_file[] =
    "INSERT INTO mlflow_file(file_id, kind, experiment_folder, run_folder, key, in_trash) "
    "VALUES (?,?,?,?,?,?)";

int mlflow_file_row(struct parse *p, struct mlflow_path *mp) {
  if (mlflow_path_parse(p->path, mp) == MLFLOW_NONE) {
    parse_fail(p, "not a file of an MLflow store: the path has no <experiment>/<run_id>/"
                  "{meta.yaml,metrics,params,tags} (or <experiment>/meta.yaml, <experiment>/tags)");
    return -1;
  }
  sqlite3_stmt *st = wdb_stmt(p->db, sql_file);
  if (!st) goto fail;
  sqlite3_bind_int64(st, 1, p->file_id);
  sqlite3_bind_text(st, 2, mlflow_kind_name(mp->kind), -1, SQLITE_STATIC);
  if (mp->experiment[0]) sqlite3_bind_text(st, 3, mp->experiment, -1, SQLITE_STATIC);
  if (mp->run[0]) sqlite3_bind_text(st, 4, mp->run, -1, SQLITE_STATIC);
  if (mp->key[0]) sqlite3_bind_text(st, 5, mp->key, -1, SQLITE_STATIC);
  sqlite3_bind_int(st, 6, mp->in_trash);
  if (parse_insert(p, st) == 0) return 0;
fail:
  parse_fail(p, "cannot store the file's place in the store: %s", sqlite3_errmsg(p->db->sql));
  return -1;
}

/* ---- metrics ----------------------------------------------------------------- */

/* The path decides: a store's metric file, whatever its first line. */
static int metric_bid(const struct sniff *s) {
  struct mlflow_path mp;
  return mlflow_path_parse(s->path, &mp) == MLFLOW_METRIC ? BID_SIGNATURE : BID_NONE;
}

static int metric_open(struct parse *p) {
  struct mlflow_path mp;
  return mlflow_file_row(p, &mp);
}

/* Python's int(): optional sign, digits. Returns 0 or -1. */
static int py_int(const char *s, size_t n, int64_t *out) {
  char buf[32];
  if (n == 0 || n >= sizeof buf) return -1;
  memcpy(buf, s, n);
  buf[n] = '\0';
  size_t i = buf[0] == '-' || buf[0] == '+';
  if (!buf[i]) return -1;
  for (size_t k = i; buf[k]; k++)
    if (!isdigit((unsigned char)buf[k])) return -1;
  char *end;
  long long v = strtoll(buf, &end, 10);
  if (*end || v == LLONG_MAX || v == LLONG_MIN) return -1;
  *out = v;
  return 0;
}

/* Python's float() of what str(float) writes: a decimal, nan, inf. Hex floats
 * (strtod reads them, Python does not) are refused. Returns 0 or -1. */
static int py_float(const char *s, size_t n, double *out) {
  char buf[64];
  if (n == 0 || n >= sizeof buf || memchr(s, 'x', n) || memchr(s, 'X', n) || memchr(s, '(', n)) return -1;
  memcpy(buf, s, n);
  buf[n] = '\0';
  char *end;
  double v = strtod(buf, &end);
  if (*end) return -1;
  *out = v;
  return 0;
}

static const char sql_metric[] =
    "INSERT INTO mlflow_metric(file_id, line, timestamp_ms, value, value_text, step, fields) "
    "VALUES (?,?,?,?,?,?,?)";

static enum line_verdict metric_line(struct parse *p, const struct line *ln) {
  const char *s = ln->text, *e = ln->text + ln->len;
  while (s < e && isspace((unsigned char)*s)) s++;
  while (e > s && isspace((unsigned char)e[-1])) e--;
  /* split on single spaces, as str.split(" "); counting stops at 4 (too many) */
  const char *f[4];
  size_t fn[4];
  int nf = 0;
  for (const char *q = s;;) {
    const char *sp = memchr(q, ' ', (size_t)(e - q));
    f[nf] = q;
    fn[nf] = (size_t)((sp ? sp : e) - q);
    nf++;
    if (!sp || nf == 4) break;
    q = sp + 1;
  }
  if (nf < 2 || nf > 3)
    return parse_reject(p, ln, 0, "field_count",
                        "%s space-separated fields, expected '<timestamp_ms> <value> <step>' "
                        "(or 2 without the step): not a metric line, check the file",
                        nf == 1 ? "1" : "4 or more");
  int64_t ts, step = 0;
  double v;
  if (py_int(f[0], fn[0], &ts))
    return parse_reject(p, ln, 1, "bad_time", "cannot parse '%.*s' as a timestamp in ms, expected an integer",
                        (int)fn[0], f[0]);
  if (py_float(f[1], fn[1], &v))
    return parse_reject(p, ln, 2, "bad_number", "cannot parse '%.*s' as a metric value, expected a number",
                        (int)fn[1], f[1]);
  if (nf == 3 && py_int(f[2], fn[2], &step))
    return parse_reject(p, ln, 3, "bad_step", "cannot parse '%.*s' as a step, expected an integer",
                        (int)fn[2], f[2]);
  struct row_batch *row = parse_batch(p, 0, sql_metric);
  if (!row) return LINE_FATAL;
  batch_int(row, 1, p->file_id);
  batch_int(row, 2, ln->number);
  batch_int(row, 3, ts);
  /* NaN is no SQLite REAL (it would read NULL anyway): NULL, and the text says nan */
  if (!isnan(v)) batch_double(row, 4, v);
  if (!isfinite(v)) batch_text_n(row, 5, f[1], fn[1]);
  batch_int(row, 6, step);
  batch_int(row, 7, nf);
  return batch_row_done(row) ? LINE_FATAL : LINE_STORED;
}

const struct format fmt_mlflow_metric = {
    .name = "mlflow-metric",
    .version = 1,
    .time_convention = NULL, /* UTC ms, in *_ms columns: not a log placed by clock.c */
    .tables = "mlflow_file,mlflow_metric",
    .bid = metric_bid,
    .open = metric_open,
    .line = metric_line,
    .line_mode = LINES_PLAIN,
    .state_size = 0,
};

/* ---- params and tags ------------------------------------------------------- */

/* The longest value kept: MLflow allows 6000 characters for a param, 8000 for
 * a tag (up to 4 bytes each in UTF-8). A longer file is refused, saying so. */
#define MLFLOW_VALUE_MAX (64 * 1024)

struct value_state {
  size_t len;
  long next_line;     /* the physical line after the last one seen */
  int any;            /* a line was seen */
  int last_torn;      /* the last line seen had no newline */
  int too_long;
  enum mlflow_kind kind;
  char buf[MLFLOW_VALUE_MAX];
};

static int param_bid(const struct sniff *s) {
  struct mlflow_path mp;
  return mlflow_path_parse(s->path, &mp) == MLFLOW_PARAM ? BID_SIGNATURE : BID_NONE;
}

/* A run tag by its run folder; an experiment tag (a folder of digits only: the
 * shape of the path alone) less surely. */
static int tag_bid(const struct sniff *s) {
  struct mlflow_path mp;
  enum mlflow_kind k = mlflow_path_parse(s->path, &mp);
  return k == MLFLOW_TAG ? BID_SIGNATURE : k == MLFLOW_EXPERIMENT_TAG ? BID_SHAPE : BID_NONE;
}

/* Prepares a param file (TAG 0) or a tag file (TAG 1) of the store. */
static int value_open(struct parse *p, int tag) {
  struct value_state *st = p->state;
  struct mlflow_path mp;
  if (mlflow_file_row(p, &mp)) return -1;
  if (tag != (mp.kind == MLFLOW_TAG || mp.kind == MLFLOW_EXPERIMENT_TAG)) {
    parse_fail(p, "a %s file, not a %s one", mlflow_kind_name(mp.kind), tag ? "tag" : "param");
    return -1;
  }
  st->kind = mp.kind;
  st->next_line = 1;
  return 0;
}

static int param_open(struct parse *p) { return value_open(p, 0); }
static int tag_open(struct parse *p) { return value_open(p, 1); }

static void value_append(struct value_state *st, const char *s, size_t n) {
  if (st->len + n > MLFLOW_VALUE_MAX) {
    st->too_long = 1;
    return;
  }
  memcpy(st->buf + st->len, s, n);
  st->len += n;
}

static enum line_verdict value_line(struct parse *p, const struct line *ln) {
  struct value_state *st = p->state;
  if (st->any) value_append(st, "\n", 1); /* the previous line's newline */
  for (long k = st->next_line; k < ln->number; k++) value_append(st, "\n", 1); /* a blank line */
  value_append(st, ln->text, ln->len);
  long physical = 1;
  for (const char *q = ln->text; (q = memchr(q, '\n', (size_t)(ln->text + ln->len - q))); q++) physical++;
  st->next_line = ln->number + physical;
  st->any = 1;
  st->last_torn = ln->torn;
  return LINE_STORED;
}

static const char sql_size[] = "SELECT size FROM source_file WHERE id = ?";
static const char sql_value[] = "INSERT INTO mlflow_value(file_id, value, exact) VALUES (?,?,?)";

static int value_close(struct parse *p) {
  struct value_state *st = p->state;
  if (st->any && !st->last_torn) value_append(st, "\n", 1);
  if (st->too_long) {
    parse_fail(p, "value longer than %d bytes: not an MLflow %s (MLflow allows 6000 characters for a "
                  "param, 8000 for a tag)", MLFLOW_VALUE_MAX, mlflow_kind_name(st->kind));
    return -1;
  }
  sqlite3_stmt *q = wdb_stmt(p->db, sql_size);
  if (!q) goto fail;
  sqlite3_bind_int64(q, 1, p->file_id);
  long long size = -1;
  if (sqlite3_step(q) == SQLITE_ROW) size = sqlite3_column_int64(q, 0);
  sqlite3_reset(q);
  sqlite3_stmt *ins = wdb_stmt(p->db, sql_value);
  if (!ins) goto fail;
  sqlite3_bind_int64(ins, 1, p->file_id);
  sqlite3_bind_text(ins, 2, st->buf, (int)st->len, SQLITE_STATIC);
  sqlite3_bind_int(ins, 3, size == (long long)st->len);
  if (parse_insert(p, ins) == 0) return 0;
fail:
  parse_fail(p, "cannot store the value: %s", sqlite3_errmsg(p->db->sql));
  return -1;
}

const struct format fmt_mlflow_param = {
    .name = "mlflow-param",
    .version = 1,
    .tables = "mlflow_file,mlflow_value",
    .bid = param_bid,
    .open = param_open,
    .line = value_line,
    .close = value_close,
    .keeps_unterminated_tail = 1, /* the value is written without a trailing newline */
    .line_mode = LINES_PLAIN,     /* a quote in a value is no CSV quote */
    .state_size = sizeof(struct value_state),
};

const struct format fmt_mlflow_tag = {
    .name = "mlflow-tag",
    .version = 1,
    .tables = "mlflow_file,mlflow_value",
    .bid = tag_bid,
    .open = tag_open,
    .line = value_line,
    .close = value_close,
    .keeps_unterminated_tail = 1,
    .line_mode = LINES_PLAIN,
    .state_size = sizeof(struct value_state),
};
