/* ingest/fmt_mlflow_meta.c: the meta.yaml files of an MLflow file store
 * (format mlflow-meta): a run's <exp>/<run_id>/meta.yaml and an experiment's
 * <exp>/meta.yaml (ingest/fmt_mlflow.h says where they sit), e.g.
 *
 *   artifact_uri: file:///C:/Users/.../mlruns/586757370402886605/3a9a.../artifacts
 *   deleted_time: 1691410531022
 *   end_time: 1691409748477
 *   experiment_id: '586757370402886605'
 *   lifecycle_stage: deleted
 *   run_id: 3a9af4bdab714eb69a4ed7582c387268
 *   start_time: 1691409686448
 *   status: 3
 *   tags: []
 *
 * Written by PyYAML's safe dump (sort_keys, block style): one block mapping of
 * scalars, plus `tags: []`. Read with libyaml's event parser, never by lines:
 * plain scalars may be folded onto a next line indented by two (past column
 * 80), strings that would read as something else are single-quoted ('0', '',
 * inner quotes doubled), control characters double-quoted with escapes. Typed
 * per key, as MLflow reads them: status (1 RUNNING, 2 SCHEDULED, 3 FINISHED,
 * 4 FAILED, 5 KILLED; the names are read too) and source_type are integers;
 * the *_time keys integers of ms since 1970 UTC, or NULL when the file says
 * `null`, `~` or nothing; experiment_id a string even when written as a plain
 * integer (legacy stores); every other key a string. Every key of the file is
 * kept as written in mlflow_meta_field (nothing lost: `name` of 1.x runs,
 * keys of later versions); the known ones also go to the typed row of
 * mlflow_run or mlflow_experiment. A typed key whose value does not read as
 * its type is stored NULL with its text in unparsed_value. A repeated key:
 * the last one counts (as PyYAML).
 *
 * The file is gathered whole (it is small: a bounded buffer) and parsed when it
 * ends; one that is not a mapping of scalars is refused with libyaml's message
 * and position. Every line of an accepted file is stored (in its row). */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "ingest/fmt_mlflow.h"
#include "ingest/format.h"

/* A meta.yaml is a few hundred bytes; a longer file is refused. */
#define META_MAX (64 * 1024)

struct meta_state {
  size_t len;
  long next_line;
  int too_long;
  struct mlflow_path mp;
  char buf[META_MAX];
  size_t text_len;         /* used of text */
  char text[2 * META_MAX]; /* the typed row's strings: at most 1.5 times the bytes they were
                              read from (the escape \L is 2 bytes, U+2028 is 3), plus NULs */
};

enum ktype { K_TEXT, K_INT, K_TIME, K_STATUS };

struct key_spec {
  const char *key;
  enum ktype type;
};

/* The typed columns, in the order of the INSERTs below (column = key). */
static const struct key_spec run_keys[] = {
    {"run_id", K_TEXT},         {"run_uuid", K_TEXT},        {"experiment_id", K_TEXT},
    {"run_name", K_TEXT},       {"name", K_TEXT},            {"user_id", K_TEXT},
    {"status", K_STATUS},       {"start_time", K_TIME},      {"end_time", K_TIME},
    {"deleted_time", K_TIME},   {"lifecycle_stage", K_TEXT}, {"artifact_uri", K_TEXT},
    {"source_type", K_INT},     {"source_name", K_TEXT},     {"entry_point_name", K_TEXT},
    {"source_version", K_TEXT},
};
#define RUN_NKEYS (sizeof run_keys / sizeof run_keys[0])
static const char sql_run[] =
    "INSERT INTO mlflow_run(file_id, run_id, run_uuid, experiment_id, run_name, name, user_id, status, "
    "start_time_ms, end_time_ms, deleted_time_ms, lifecycle_stage, artifact_uri, source_type, "
    "source_name, entry_point_name, source_version) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)";

static const struct key_spec exp_keys[] = {
    {"experiment_id", K_TEXT},  {"name", K_TEXT},          {"artifact_location", K_TEXT},
    {"lifecycle_stage", K_TEXT}, {"creation_time", K_TIME}, {"last_update_time", K_TIME},
};
#define EXP_NKEYS (sizeof exp_keys / sizeof exp_keys[0])
static const char sql_exp[] =
    "INSERT INTO mlflow_experiment(file_id, experiment_id, name, artifact_location, lifecycle_stage, "
    "creation_time_ms, last_update_time_ms) VALUES (?,?,?,?,?,?,?)";

static const char sql_field[] =
    "INSERT OR REPLACE INTO mlflow_meta_field(file_id, key, line, value, style) VALUES (?,?,?,?,?)";

/* MLflow's RunStatus, by the number the store writes. */
static const char *const status_names[] = {NULL, "RUNNING", "SCHEDULED", "FINISHED", "FAILED", "KILLED"};

/* An experiment's meta.yaml has an experiment_id and no run id. */
static int bid(const struct sniff *s) {
  struct mlflow_path mp;
  enum mlflow_kind k = mlflow_path_parse(s->path, &mp);
  if (k == MLFLOW_RUN) return BID_SIGNATURE;
  if (k != MLFLOW_EXPERIMENT) return BID_NONE;
  int exp = 0, run = 0;
  for (const char *l = s->head; l && *l; l = strchr(l, '\n'), l = l ? l + 1 : NULL) {
    if (strncmp(l, "experiment_id:", 14) == 0) exp = 1;
    if (strncmp(l, "run_id:", 7) == 0 || strncmp(l, "run_uuid:", 9) == 0) run = 1;
  }
  return exp && !run ? BID_PARTIAL : BID_NONE;
}

static int open_meta(struct parse *p) {
  struct meta_state *st = p->state;
  st->next_line = 1;
  if (mlflow_file_row(p, &st->mp)) return -1;
  if (st->mp.kind != MLFLOW_RUN && st->mp.kind != MLFLOW_EXPERIMENT) {
    parse_fail(p, "a %s file, not a meta.yaml", mlflow_kind_name(st->mp.kind));
    return -1;
  }
  return 0;
}

static void append(struct meta_state *st, const char *s, size_t n) {
  if (st->len + n > META_MAX) {
    st->too_long = 1;
    return;
  }
  memcpy(st->buf + st->len, s, n);
  st->len += n;
}

/* Gathers the file; blank lines (left out by the driver) come back as empty
 * lines, so that libyaml's line numbers are the file's. */
static enum line_verdict line(struct parse *p, const struct line *ln) {
  struct meta_state *st = p->state;
  for (long k = st->next_line; k < ln->number; k++) append(st, "\n", 1);
  append(st, ln->text, ln->len);
  append(st, "\n", 1);
  long physical = 1;
  for (const char *q = ln->text; (q = memchr(q, '\n', (size_t)(ln->text + ln->len - q))); q++) physical++;
  st->next_line = ln->number + physical;
  return LINE_STORED;
}

static const char *style_name(const yaml_event_t *ev) {
  switch (ev->data.scalar.style) {
  case YAML_SINGLE_QUOTED_SCALAR_STYLE: return "single";
  case YAML_DOUBLE_QUOTED_SCALAR_STYLE: return "double";
  case YAML_LITERAL_SCALAR_STYLE: return "literal";
  case YAML_FOLDED_SCALAR_STYLE: return "folded";
  default: return "plain";
  }
}

static int is_yaml_null(const yaml_event_t *ev) {
  if (ev->data.scalar.style != YAML_PLAIN_SCALAR_STYLE) return 0;
  const char *v = (const char *)ev->data.scalar.value;
  return !*v || strcmp(v, "~") == 0 || strcmp(v, "null") == 0 || strcmp(v, "Null") == 0 ||
         strcmp(v, "NULL") == 0;
}

/* A whole decimal integer (sign allowed), as YAML 1.1 and int() read it. */
static int read_int(const char *s, long long *out) {
  const char *d = s + (*s == '-' || *s == '+');
  if (!*d || strspn(d, "0123456789") != strlen(d) || strlen(d) > 18) return -1;
  *out = strtoll(s, NULL, 10);
  return 0;
}

/* One value of the typed row. */
struct typed {
  int set;          /* the key was in the file */
  int is_null;      /* NULL: YAML null, or unreadable as its type */
  long long i;
  size_t text;      /* K_TEXT: offset of its copy in meta_state.text */
};

struct meta_doc {
  struct meta_state *st;
  const struct key_spec *keys;
  size_t nkeys;
  struct typed val[RUN_NKEYS > EXP_NKEYS ? RUN_NKEYS : EXP_NKEYS];
};

/* Keeps the value TEXT (NULL: YAML null) of KEY, written in STYLE at LINE, COL,
 * in mlflow_meta_field, and types it into D when KEY is known (a sequence,
 * SCALAR 0, types as NULL). Returns 0; 1 when the file is refused (parse_fail
 * said why); -1 on a database error. */
static int store_field(struct parse *p, struct meta_doc *d, const char *key, const char *text,
                       const char *style, int scalar, long line_no, int col) {
  int null = text == NULL;
  sqlite3_stmt *st = wdb_stmt(p->db, sql_field);
  if (!st) return -1;
  sqlite3_bind_int64(st, 1, p->file_id);
  sqlite3_bind_text(st, 2, key, -1, SQLITE_STATIC);
  sqlite3_bind_int64(st, 3, line_no);
  if (!null) sqlite3_bind_text(st, 4, text, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 5, style, -1, SQLITE_STATIC);
  if (parse_insert(p, st)) return -1;
  for (size_t k = 0; k < d->nkeys; k++) {
    if (strcmp(d->keys[k].key, key) != 0) continue;
    struct typed *t = &d->val[k];
    memset(t, 0, sizeof *t);
    t->set = 1;
    t->is_null = null || !scalar;
    if (t->is_null) return 0;
    int ok = 1;
    switch (d->keys[k].type) {
    case K_TEXT: {
      size_t n = strlen(text) + 1;
      if (d->st->text_len + n > sizeof d->st->text) { /* cannot be: see meta_state */
        parse_fail(p, "%s:%ld: value of '%s' does not fit the parser's buffer", p->path, line_no, key);
        return 1;
      }
      t->text = d->st->text_len;
      memcpy(d->st->text + t->text, text, n);
      d->st->text_len += n;
      break;
    }
    case K_STATUS:
      ok = read_int(text, &t->i) == 0;
      for (long long s = 1; !ok && s <= 5; s++)
        if (strcmp(text, status_names[s]) == 0) t->i = s, ok = 1;
      break;
    case K_INT:
    case K_TIME: ok = read_int(text, &t->i) == 0; break;
    }
    if (!ok) {
      t->is_null = 1;
      struct line ln = {.text = text, .len = strlen(text), .number = line_no};
      if (parse_note_null(p, &ln, col, key, text)) return -1;
    }
    return 0;
  }
  return 0;
}

/* Walks the events of the whole file into D. Returns 0; 1 when the file is
 * not one mapping of scalars (parse_fail said where); -1 on a database error. */
static int walk(struct parse *p, yaml_parser_t *y, struct meta_doc *d) {
  enum { WANT_KEY, WANT_VALUE } want = WANT_KEY;
  int depth = 0, docs = 0, done = 0, result = 0;
  char key[256] = "";
  long key_line = 0;
  json_t *seq = NULL; /* the items of a sequence value, kept as JSON */
  while (!done && !result) {
    yaml_event_t ev;
    if (!yaml_parser_parse(y, &ev)) {
      parse_fail(p, "%s:%lu:%lu: not YAML: %s; MLflow writes meta.yaml with yaml.safe_dump", p->path,
                 (unsigned long)y->problem_mark.line + 1, (unsigned long)y->problem_mark.column + 1,
                 y->problem ? y->problem : "parse error");
      result = 1;
      break;
    }
    long ln = (long)ev.start_mark.line + 1;
    int col = (int)ev.start_mark.column + 1;
    switch (ev.type) {
    case YAML_STREAM_END_EVENT: done = 1; break;
    case YAML_DOCUMENT_START_EVENT:
      if (++docs > 1) {
        parse_fail(p, "%s:%ld:%d: a second YAML document: a meta.yaml holds one mapping", p->path, ln, col);
        result = 1;
      }
      break;
    case YAML_MAPPING_START_EVENT:
      if (depth++ != 0) {
        parse_fail(p, "%s:%ld:%d: a nested mapping under '%s': a meta.yaml holds scalars only", p->path, ln,
                   col, key);
        result = 1;
      }
      break;
    case YAML_MAPPING_END_EVENT: depth--; break;
    case YAML_SEQUENCE_START_EVENT:
      if (depth != 1 || want != WANT_VALUE || seq) {
        parse_fail(p, "%s:%ld:%d: a sequence where a key was expected", p->path, ln, col);
        result = 1;
      } else {
        seq = json_array();
      }
      break;
    case YAML_SEQUENCE_END_EVENT: {
      char *text = json_dumps(seq, JSON_COMPACT);
      result = text ? store_field(p, d, key, text, "sequence", 0, key_line, col) : -1;
      free(text);
      json_decref(seq);
      seq = NULL;
      want = WANT_KEY;
      break;
    }
    case YAML_SCALAR_EVENT: {
      const char *v = (const char *)ev.data.scalar.value;
      if (depth != 1) {
        parse_fail(p, "%s:%ld:%d: a scalar outside the mapping: a meta.yaml is one mapping of keys",
                   p->path, ln, col);
        result = 1;
      } else if (seq) {
        json_array_append_new(seq, json_string(v));
      } else if (want == WANT_KEY) {
        snprintf(key, sizeof key, "%s", v);
        key_line = ln;
        want = WANT_VALUE;
      } else {
        result = store_field(p, d, key, is_yaml_null(&ev) ? NULL : v, style_name(&ev), 1, key_line, col);
        want = WANT_KEY;
      }
      break;
    }
    case YAML_ALIAS_EVENT:
      parse_fail(p, "%s:%ld:%d: a YAML alias: MLflow writes none", p->path, ln, col);
      result = 1;
      break;
    default: break;
    }
    yaml_event_delete(&ev);
  }
  json_decref(seq);
  if (!result && docs == 0) {
    parse_fail(p, "empty meta.yaml: no mapping (the store was written partly?)");
    result = 1;
  }
  return result;
}

static void bind_typed(sqlite3_stmt *st, int first, const struct meta_doc *d) {
  for (size_t k = 0; k < d->nkeys; k++) {
    const struct typed *t = &d->val[k];
    if (!t->set || t->is_null) continue;
    if (d->keys[k].type == K_TEXT) sqlite3_bind_text(st, first + (int)k, d->st->text + t->text, -1, SQLITE_STATIC);
    else sqlite3_bind_int64(st, first + (int)k, t->i);
  }
}

static int close_meta(struct parse *p) {
  struct meta_state *st = p->state;
  if (st->too_long) {
    parse_fail(p, "longer than %d bytes: not an MLflow meta.yaml", META_MAX);
    return -1;
  }
  struct meta_doc d;
  memset(&d, 0, sizeof d);
  d.st = st;
  int run = st->mp.kind == MLFLOW_RUN;
  d.keys = run ? run_keys : exp_keys;
  d.nkeys = run ? RUN_NKEYS : EXP_NKEYS;
  yaml_parser_t y;
  if (!yaml_parser_initialize(&y)) {
    parse_fail(p, "out of memory (libyaml)");
    return -1;
  }
  yaml_parser_set_input_string(&y, (const unsigned char *)st->buf, st->len);
  int rc = walk(p, &y, &d);
  yaml_parser_delete(&y);
  if (rc == 0) {
    sqlite3_stmt *ins = wdb_stmt(p->db, run ? sql_run : sql_exp);
    if (!ins) rc = -1;
    else {
      sqlite3_bind_int64(ins, 1, p->file_id);
      bind_typed(ins, 2, &d);
      rc = parse_insert(p, ins) ? -1 : 0;
    }
  }
  if (rc < 0) parse_fail(p, "cannot store the meta.yaml: %s", sqlite3_errmsg(p->db->sql));
  return rc ? -1 : 0;
}

const struct format fmt_mlflow_meta = {
    .name = "mlflow-meta",
    .version = 1,
    .time_convention = NULL, /* UTC ms, in *_ms columns: not a log placed by clock.c */
    .tables = "mlflow_file,mlflow_experiment,mlflow_run,mlflow_meta_field",
    .bid = bid,
    .open = open_meta,
    .line = line,
    .close = close_meta,
    .keeps_unterminated_tail = 1, /* written whole by yaml.safe_dump */
    .line_mode = LINES_PLAIN,     /* YAML's quotes are not CSV's: libyaml reads them */
    .state_size = sizeof(struct meta_state),
};
