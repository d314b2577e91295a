/* ingest/runmeta.c: the run-metadata columns that runs.csv and the study's
 * tables share (see runmeta.h for the header names read). */
#include "ingest/runmeta.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ingest/values.h"

/* Canonical names (runmeta_canon) of each column; the first is the SQL name. */
static const char *const value_names[RM_NCOL][6] = {
    [RM_SPLIT] = {"split_number", "split"},
    [RM_TRAIN] = {"train_size", "training_size", "train_images"},
    [RM_VALID] = {"validation_size", "valid_size", "val_size", "validation_images"},
    [RM_BATCH] = {"batch_size", "batch"},
    [RM_IMAGE] = {"image_size", "input_size", "img_size"},
    [RM_TRAINED] = {"trained_epochs", "epochs_trained"},
    [RM_MEASURED] = {"measured_epochs"},
    [RM_SEEN] = {"total_seen_images", "seen_images"},
    [RM_RC] = {"return_code", "returncode", "exit_code"},
    [RM_GFLOPS] = {"gflops"},
    [RM_ACC] = {"accuracy", "binary_accuracy"},
    [RM_AUC] = {"auc"},
    [RM_PREC] = {"precision"},
    [RM_RECALL] = {"recall"},
    [RM_F1] = {"f1", "f1_score"},
    [RM_RAM] = {"total_ram_gb", "total_ram", "total_memory", "ram_gb"},
};

static const char *const key_names[RK_NKEY][5] = {
    [RK_ENV] = {"environment", "train_environment", "training_environment", "env"},
    [RK_ARCH] = {"architecture", "arch", "model_architecture"},
    [RK_DATASET] = {"dataset", "dataset_name"},
    [RK_STAMP] = {"stamp", "creation_time", "run_stamp"},
    [RK_RUN] = {"run", "run_ordinal", "run_index", "run_number"},
};

static int has_prefix(const char *s, const char *pre) { return strncmp(s, pre, strlen(pre)) == 0; }

void runmeta_canon(const char *name, char *out, size_t n) {
  size_t o = 0;
  for (const char *s = name; *s && o + 1 < n; s++) {
    unsigned char c = (unsigned char)*s;
    if (c == '(' || c == ')' || c == '"' || c == '[' || c == ']') continue;
    if (c == ' ' || c == '-' || c == '.' || c == '\t' || c == '_') {
      if (o > 0 && out[o - 1] != '_') out[o++] = '_';
      continue;
    }
    out[o++] = (char)tolower(c);
  }
  while (o > 0 && out[o - 1] == '_') o--;
  out[o] = '\0';
  const char *prefixes[] = {"params_", "metrics_"};
  for (int k = 0; k < 2; k++)
    if (has_prefix(out, prefixes[k])) memmove(out, out + strlen(prefixes[k]), strlen(out) - strlen(prefixes[k]) + 1);
  if (has_prefix(out, "val_") && strcmp(out, "val_size") != 0) memmove(out, out + 4, strlen(out) - 3);
}

static int lookup(const char *canon, const char *const *names, int max) {
  for (int k = 0; k < max && names[k]; k++)
    if (strcmp(canon, names[k]) == 0) return 1;
  return 0;
}

void runmeta_map_header(const char *const *names, int n, struct runmeta_map *m) {
  for (int c = 0; c < RK_NKEY; c++) m->key[c] = -1;
  for (int c = 0; c < RM_NCOL; c++) m->value[c] = -1;
  memset(m->known, 0, sizeof m->known);
  for (int f = 0; f < n && f < HEADER_MAX_COLS; f++) {
    char canon[128];
    runmeta_canon(names[f], canon, sizeof canon);
    for (int c = 0; c < RK_NKEY && !m->known[f]; c++)
      if (m->key[c] < 0 && lookup(canon, key_names[c], 5)) m->key[c] = f, m->known[f] = 1;
    for (int c = 0; c < RM_NCOL && !m->known[f]; c++)
      if (m->value[c] < 0 && lookup(canon, value_names[c], 6)) m->value[c] = f, m->known[f] = 1;
  }
}

unsigned char runmeta_delimiter(const char *line) {
  int comma = 0, semi = 0, tab = 0, quoted = 0;
  for (const char *s = line; *s; s++) {
    if (*s == '"') quoted = !quoted;
    else if (!quoted) comma += *s == ',', semi += *s == ';', tab += *s == '\t';
  }
  if (semi > comma && semi >= tab) return ';';
  if (tab > comma && tab > semi) return '\t';
  return ',';
}

unsigned runmeta_sniff_keys(const char *line, unsigned char delim) {
  unsigned keys = 0;
  const char *s = line;
  for (;;) {
    const char *e = s;
    while (*e && (unsigned char)*e != delim) e++;
    char field[128], canon[128];
    size_t len = (size_t)(e - s) < sizeof field - 1 ? (size_t)(e - s) : sizeof field - 1;
    memcpy(field, s, len);
    field[len] = '\0';
    runmeta_canon(field, canon, sizeof canon);
    for (int c = 0; c < RK_NKEY; c++)
      if (lookup(canon, key_names[c], 5)) keys |= 1u << c;
    if (!*e) break;
    s = e + 1;
  }
  return keys;
}

/* `128`, `(128, 128)`, `128x128`: the first side. Returns 0, or -1. */
static int image_side(const char *s, int64_t *out) {
  while (*s == ' ' || *s == '(' || *s == '[') s++;
  if (!isdigit((unsigned char)*s)) return -1;
  char *end;
  long long v = strtoll(s, &end, 10);
  if (v < 0 || v > 1000000) return -1;
  s = end;
  while (*s == ' ' || *s == ',' || *s == 'x' || *s == 'X' || *s == '*') s++;
  while (isdigit((unsigned char)*s)) s++;
  while (*s == ' ' || *s == ')' || *s == ']') s++;
  if (*s) return -1;
  *out = v;
  return 0;
}

enum line_verdict runmeta_parse(struct parse *p, const struct line *ln, const struct runmeta_map *m,
                                struct runmeta_values *v) {
  memset(v->set, 0, sizeof v->set);
  for (int c = 0; c < RM_NCOL; c++) {
    int f = m->value[c];
    if (f < 0 || f >= p->nfields) continue;
    const char *text = p->fields[f];
    if (!*text) continue;
    enum value_kind k;
    if (c == RM_IMAGE && strpbrk(text, "(x,X[")) {
      k = image_side(text, &v->i[c]) == 0 ? VALUE_OK : VALUE_BAD;
    } else if (c < RM_FIRST_REAL) {
      double x;
      k = value_number(text, NULL, &x);
      if (k == VALUE_OK) {
        if (x != floor(x) || fabs(x) > 9007199254740992.0) k = VALUE_BAD;
        else v->i[c] = (int64_t)x;
      }
    } else {
      k = value_number(text, NULL, &v->d[c]);
      if (k == VALUE_OK && !isfinite(v->d[c])) k = VALUE_BAD;
    }
    if (k == VALUE_BAD)
      return parse_reject(p, ln, f + 1, "bad_number", "cannot parse '%s' as %s of %s", text,
                          c < RM_FIRST_REAL ? "an integer" : "a number", value_names[c][0]);
    if (k == VALUE_NULL && parse_note_null(p, ln, f + 1, value_names[c][0], text)) return LINE_FATAL;
    v->set[c] = k == VALUE_OK;
  }
  return LINE_STORED;
}

void runmeta_bind(void *stmt, int first, const struct runmeta_values *v) {
  sqlite3_stmt *st = stmt;
  for (int c = 0; c < RM_NCOL; c++) {
    if (!v->set[c]) continue;
    if (c < RM_FIRST_REAL) sqlite3_bind_int64(st, first + c, v->i[c]);
    else sqlite3_bind_double(st, first + c, v->d[c]);
  }
}

static const char sql_extra[] =
    "INSERT INTO run_metadata_extra(file_id, line, name, value) VALUES (?,?,?,?)";

int runmeta_store_extra(struct parse *p, const struct line *ln, const struct header *h,
                        const struct runmeta_map *m) {
  for (int f = 0; f < p->nfields && f < h->n; f++) {
    if (m->known[f] || !p->fields[f][0]) continue;
    sqlite3_stmt *ex = wdb_stmt(p->db, sql_extra);
    if (!ex) return -1;
    sqlite3_bind_int64(ex, 1, p->file_id);
    sqlite3_bind_int64(ex, 2, ln->number);
    sqlite3_bind_text(ex, 3, header_name(h, f), -1, SQLITE_STATIC);
    sqlite3_bind_text(ex, 4, p->fields[f], -1, SQLITE_STATIC);
    if (parse_insert(p, ex)) return -1;
  }
  return 0;
}
