/* schema/canon.c: the canonical rows of a relation (canon.h): a SELECT built
 * from its columns, and the hash of the rows it returns, as a multiset. */
#include "schema/canon.h"

#include <nettle/sha2.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "common/msg.h"

static const char *const left_out[][2] = {
    {"source_file", "id"}, {"source_file", "mtime"}, {"source_file", "ingested_at"},
    {"run", "id"},         {"source_eprof_file", "version"},
};

/* The views that replace a table, keyed by the table's primary key: the same
 * rows hash alike in both (a row's columns are hashed key first). */
static const char *const former_key[][2] = {
    {"interim_sample", "run_id"},
    {"interim_sample", "seq"},
    {"nvidia_smi_value", "file_id"},
    {"nvidia_smi_value", "line"},
    {"nvidia_smi_value", "col"},
};

/* 1 when relation TABLE has a former table's key, 2 when COL is in it. */
static int in_former_key(const char *table, const char *col) {
  int has = 0;
  for (size_t i = 0; i < sizeof former_key / sizeof *former_key; i++)
    if (strcmp(former_key[i][0], table) == 0) {
      if (strcmp(former_key[i][1], col) == 0) return 2;
      has = 1;
    }
  return has;
}

int canon_relation(const char *name) {
  /* origin: the database's own random id (schema/016_origin.sql), not its data */
  return strncmp(name, "sqlite_", 7) != 0 && strcmp(name, "source_built") != 0 &&
         strcmp(name, "origin") != 0;
}

static int ends_with(const char *s, const char *tail) {
  size_t n = strlen(s), t = strlen(tail);
  return n >= t && strcmp(s + n - t, tail) == 0;
}

static int names_file(const char *col) {
  return strcmp(col, "file_id") == 0 || ends_with(col, "_file_id") || strcmp(col, "duplicate_of") == 0;
}

static int names_run(const char *col) { return strcmp(col, "run_id") == 0 || ends_with(col, "_run_id"); }

static int is_left_out(const char *table, const char *col) {
  for (size_t i = 0; i < sizeof left_out / sizeof *left_out; i++)
    if (strcmp(left_out[i][0], table) == 0 && strcmp(left_out[i][1], col) == 0) return 1;
  return 0;
}

static int is_view_key(const char *col) {
  static const char *const keys[] = {CANON_VIEW_KEYS};
  for (size_t i = 0; i < sizeof keys / sizeof *keys; i++)
    if (strcmp(keys[i], col) == 0) return 1;
  return 0;
}

void canon_free(struct canon *c) {
  sqlite3_free(c->select);
  sqlite3_free(c->unordered);
  for (int i = 0; i < c->ncols; i++) sqlite3_free(c->names[i]);
  memset(c, 0, sizeof *c);
}

/* Appends to *S (an sqlite3_mprintf string) the expression of column COL of
 * relation alias t in SCHEMA: itself, or the name of the file or run it points at. */
static char *append_expr(char *s, const char *schema, const char *col) {
  char *e;
  if (names_file(col))
    e = sqlite3_mprintf("%s(SELECT path FROM \"%w\".source_file f WHERE f.id = t.\"%w\")", s ? s : "", schema,
                        col);
  else if (names_run(col))
    e = sqlite3_mprintf("%s(SELECT environment || '/' || architecture || '/' || dataset || '/' || stamp"
                        " FROM \"%w\".run r WHERE r.id = t.\"%w\")",
                        s ? s : "", schema, col);
  else
    e = sqlite3_mprintf("%st.\"%w\"", s ? s : "", col);
  sqlite3_free(s);
  return e;
}

int canon_build(struct wdb *db, const char *schema, const char *name, struct canon *c) {
  memset(c, 0, sizeof *c);
  char *q = sqlite3_mprintf("SELECT p.name, p.pk FROM \"%w\".sqlite_schema m, "
                            "pragma_table_info(m.name, '%q') p WHERE m.name = '%q' ORDER BY p.cid",
                            schema, schema, name);
  sqlite3_stmt *st;
  int rc = sqlite3_prepare_v2(db->sql, q, -1, &st, NULL);
  sqlite3_free(q);
  if (rc != SQLITE_OK) {
    msg("%s: %s: %s", db->path, name, sqlite3_errmsg(db->sql));
    return -1;
  }
  char *cols[CANON_MAX_COLS];
  int key[CANON_MAX_COLS], view_key[CANON_MAX_COLS], n = 0, any_pk = 0, any_view_key = 0;
  while (sqlite3_step(st) == SQLITE_ROW && n < CANON_MAX_COLS) {
    const char *col = (const char *)sqlite3_column_text(st, 0);
    if (is_left_out(name, col)) continue;
    key[n] = sqlite3_column_int(st, 1) > 0;
    /* source_file and run are keyed by their names, not their ids */
    if (strcmp(name, "source_file") == 0) key[n] = strcmp(col, "path") == 0;
    if (strcmp(name, "run") == 0) key[n] = 1;
    int former = in_former_key(name, col);
    if (former) key[n] = former == 2;
    view_key[n] = is_view_key(col);
    any_pk |= key[n];
    any_view_key |= view_key[n];
    cols[n++] = sqlite3_mprintf("%s", col);
  }
  sqlite3_finalize(st);
  if (n == 0) {
    msg("%s: %s: no such table or view", db->path, name);
    return -1;
  }
  /* no primary key (a view, a table of rows): the key columns it has, else all */
  if (!any_pk)
    for (int i = 0; i < n; i++) key[i] = any_view_key ? view_key[i] : 1;
  char *sel = NULL, *order = NULL;
  for (int pass = 0; pass < 2; pass++)
    for (int i = 0; i < n; i++) {
      if (key[i] != (pass == 0)) continue;
      if (sel) {
        char *t = sqlite3_mprintf("%s, ", sel);
        sqlite3_free(sel);
        sel = t;
      }
      sel = append_expr(sel ? sel : sqlite3_mprintf("SELECT "), schema, cols[i]);
      c->names[c->ncols] = cols[i];
      if (pass == 0) c->nkey++;
      char *o = sqlite3_mprintf("%s%s%d", order ? order : "", order ? ", " : "", c->ncols + 1);
      sqlite3_free(order);
      order = o;
      c->ncols++;
    }
  c->select = sqlite3_mprintf("%s FROM \"%w\".\"%w\" t ORDER BY %s", sel, schema, name, order);
  c->unordered = sqlite3_mprintf("%s FROM \"%w\".\"%w\" t", sel, schema, name);
  sqlite3_free(sel);
  sqlite3_free(order);
  return 0;
}

/* Feeds one value to H: a type letter, then the value: an integer or a real as
 * its 8 bytes, least significant first (a real's IEEE 754 bits: equal bits,
 * equal value, on every machine), text and blobs with their length first, so
 * that no two rows hash alike by accident of concatenation. */
static void hash_value(struct sha256_ctx *h, sqlite3_stmt *st, int i) {
  uint8_t buf[16];
  uint64_t bits;
  int type = sqlite3_column_type(st, i);
  switch (type) {
  case SQLITE_NULL: sha256_update(h, 1, (const uint8_t *)"N"); return;
  case SQLITE_INTEGER: bits = (uint64_t)sqlite3_column_int64(st, i); break;
  case SQLITE_FLOAT: {
    double x = sqlite3_column_double(st, i);
    memcpy(&bits, &x, sizeof bits);
    break;
  }
  default: {
    const void *p = type == SQLITE_BLOB ? sqlite3_column_blob(st, i) : (const void *)sqlite3_column_text(st, i);
    uint32_t len = (uint32_t)sqlite3_column_bytes(st, i);
    buf[0] = type == SQLITE_BLOB ? 'B' : 'T';
    for (int k = 0; k < 4; k++) buf[1 + k] = (uint8_t)(len >> (8 * k));
    sha256_update(h, 5, buf);
    if (len) sha256_update(h, len, p);
    return;
  }
  }
  buf[0] = type == SQLITE_INTEGER ? 'I' : 'R';
  for (int k = 0; k < 8; k++) buf[1 + k] = (uint8_t)(bits >> (8 * k));
  sha256_update(h, 9, buf);
}

int canon_hash(struct wdb *db, const struct canon *c, char hex[65], long long *rows) {
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(db->sql, c->unordered, -1, &st, NULL) != SQLITE_OK) {
    msg("%s: %s", db->path, sqlite3_errmsg(db->sql));
    return -1;
  }
  uint64_t sum[4] = {0, 0, 0, 0}; /* little-endian 256-bit sum of the rows' digests */
  long long n = 0;
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    struct sha256_ctx h;
    sha256_init(&h);
    for (int i = 0; i < c->ncols; i++) hash_value(&h, st, i);
    uint8_t d[SHA256_DIGEST_SIZE];
    sha256_digest(&h, sizeof d, d);
    unsigned carry = 0;
    for (int w = 0; w < 4; w++) {
      uint64_t x = 0;
      for (int b = 0; b < 8; b++) x |= (uint64_t)d[8 * w + b] << (8 * b);
      uint64_t s1 = sum[w] + x, s2 = s1 + carry;
      carry = (s1 < x) + (s2 < s1);
      sum[w] = s2;
    }
    n++;
  }
  sqlite3_finalize(st);
  if (rc != SQLITE_DONE) {
    msg("%s: %s", db->path, sqlite3_errmsg(db->sql));
    return -1;
  }
  for (int w = 3, k = 0; w >= 0; w--)
    for (int b = 7; b >= 0; b--, k++) snprintf(hex + 2 * k, 3, "%02x", (unsigned)(sum[w] >> (8 * b)) & 0xff);
  *rows = n;
  return 0;
}
