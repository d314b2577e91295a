/* tests/db_compare.h: what the kill suites share on top of testlib.h: two
 * wattdb databases compared table by table (and view by view), row by row in
 * key order, naming the first table and row that differ; and a SHA-256 digest
 * (nettle) of a table's rows in key order, so that big tables are compared
 * without a text dump.
 *
 * Wall-clock columns are left out: source_file.ingested_at, and the same
 * reading where the transform copies it: the third '/'-separated field of
 * source_built.v (per file 'sha256/parser_version/ingested_at/status/...',
 * transform.c) and of source_eprof_file.version ('sha256/parser_version/
 * ingested_at'). Every other column is compared exactly: the type and the
 * value (a real to the bit).
 *
 * Include after tests/testlib.h, once per suite (the helpers are static). */
#ifndef WATTDB_DB_COMPARE_H
#define WATTDB_DB_COMPARE_H

#include <nettle/sha2.h>

#include "tests/testlib.h"

/* dc_drop_field(text, n, sep): TEXT without its N-th (1-based) SEP-separated
 * field and one separator next to it; TEXT itself when it has fewer fields. */
static void dc_drop_field(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  (void)argc;
  const char *s = (const char *)sqlite3_value_text(argv[0]);
  const char *sep = (const char *)sqlite3_value_text(argv[2]);
  int n = sqlite3_value_int(argv[1]);
  if (!s || !sep || !*sep || n < 1) {
    sqlite3_result_value(ctx, argv[0]);
    return;
  }
  const char *start = s;
  for (int k = 1; k < n && start; k++) {
    start = strchr(start, *sep);
    if (start) start++;
  }
  if (!start || n == 1) {
    sqlite3_result_value(ctx, argv[0]);
    return;
  }
  const char *end = strchr(start, *sep);
  if (!end) end = start + strlen(start); /* the last field: drop the separator before it */
  size_t head = (size_t)(start - s) - 1, tail = strlen(end);
  char *out = sqlite3_malloc64(head + tail + 1);
  if (!out) {
    sqlite3_result_error_nomem(ctx);
    return;
  }
  memcpy(out, s, head);
  memcpy(out + head, end, tail + 1);
  sqlite3_result_text(ctx, out, (int)(head + tail), sqlite3_free);
}

/* Registers dc_drop_field on DB's connection (dc_query needs it). */
static inline void dc_register(struct wdb *db) {
  assert_int_equal(sqlite3_create_function(db->sql, "dc_drop_field", 3, SQLITE_UTF8 | SQLITE_DETERMINISTIC,
                                           NULL, dc_drop_field, NULL, NULL),
                   SQLITE_OK);
}

/* The tables (and with VIEWS the views too) of DB, by name, as a
 * NULL-terminated array to free with ic-style dc_free_names. */
static inline char **dc_objects(struct wdb *db, int views) {
  sqlite3_stmt *st;
  assert_int_equal(sqlite3_prepare_v2(db->sql,
                                      "SELECT name FROM sqlite_schema WHERE (type = 'table' OR (type = 'view' AND ?1))"
                                      " AND name NOT LIKE 'sqlite_%'"
                                      " AND name <> 'origin'" /* random per database */
                                      " ORDER BY name",
                                      -1, &st, NULL),
                   SQLITE_OK);
  sqlite3_bind_int(st, 1, views);
  int cap = 16, n = 0;
  char **names = calloc((size_t)cap, sizeof *names);
  assert_non_null(names);
  while (sqlite3_step(st) == SQLITE_ROW) {
    if (n + 1 >= cap) {
      cap *= 2;
      names = realloc(names, (size_t)cap * sizeof *names);
      assert_non_null(names);
    }
    names[n++] = strdup((const char *)sqlite3_column_text(st, 0));
    names[n] = NULL;
  }
  sqlite3_finalize(st);
  return names;
}

static inline void dc_free_names(char **names) {
  for (int i = 0; names[i]; i++) free(names[i]);
  free(names);
}

/* 1 when table or view NAME of DB has a column COL. */
static inline int dc_has_column(struct wdb *db, const char *name, const char *col) {
  return tl_int(db, "SELECT count(*) FROM pragma_table_xinfo('%s') WHERE name = '%s'", name, col) > 0;
}

/* The SELECT of the compared columns of table or view NAME, rows with WHERE
 * (NULL: all; it may name the columns as x."col"), ordered by the primary key
 * when NAME has one, else by every column. Free with sqlite3_free. */
static inline char *dc_query(struct wdb *db, const char *name, const char *where) {
  char *cols = sqlite3_mprintf("%s", ""), *order = sqlite3_mprintf("%s", "");
  char *q = sqlite3_mprintf("SELECT name, pk FROM pragma_table_info('%q') ORDER BY cid", name);
  sqlite3_stmt *st;
  assert_int_equal(sqlite3_prepare_v2(db->sql, q, -1, &st, NULL), SQLITE_OK);
  int ncols = 0, npk = 0;
  while (sqlite3_step(st) == SQLITE_ROW) {
    const char *c = (const char *)sqlite3_column_text(st, 0);
    if (!strcmp(name, "source_file") && !strcmp(c, "ingested_at")) continue;
    char *expr;
    if (!strcmp(name, "source_built") && !strcmp(c, "v"))
      expr = sqlite3_mprintf("CASE WHEN typeof(x.k) = 'integer' THEN dc_drop_field(x.v, 3, '/') ELSE x.v END");
    else if (!strcmp(name, "source_eprof_file") && !strcmp(c, "version"))
      expr = sqlite3_mprintf("dc_drop_field(x.version, 3, '/')");
    else
      expr = sqlite3_mprintf("x.\"%w\"", c);
    char *next = sqlite3_mprintf("%s%s%s", cols, ncols ? ", " : "", expr);
    sqlite3_free(cols);
    cols = next;
    ncols++;
    if (sqlite3_column_int(st, 1) > 0) npk++;
    sqlite3_free(expr);
  }
  sqlite3_finalize(st);
  sqlite3_free(q);
  if (npk) {
    q = sqlite3_mprintf("SELECT name FROM pragma_table_info('%q') WHERE pk > 0 ORDER BY pk", name);
    assert_int_equal(sqlite3_prepare_v2(db->sql, q, -1, &st, NULL), SQLITE_OK);
    int k = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
      char *next = sqlite3_mprintf("%s%sx.\"%w\"", order, k++ ? ", " : "", sqlite3_column_text(st, 0));
      sqlite3_free(order);
      order = next;
    }
    sqlite3_finalize(st);
    sqlite3_free(q);
  } else {
    for (int k = 1; k <= ncols; k++) {
      char *next = sqlite3_mprintf("%s%s%d", order, k > 1 ? ", " : "", k);
      sqlite3_free(order);
      order = next;
    }
  }
  q = sqlite3_mprintf("SELECT %s FROM \"%w\" x%s%s ORDER BY %s", cols, name, where ? " WHERE " : "",
                      where ? where : "", order);
  sqlite3_free(cols);
  sqlite3_free(order);
  return q;
}

static inline sqlite3_stmt *dc_prepare(struct wdb *db, const char *sql) {
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(db->sql, sql, -1, &st, NULL) != SQLITE_OK)
    fail_msg("%s: %s: %s", db->path, sql, sqlite3_errmsg(db->sql));
  return st;
}

/* The current row of ST as text, into OUT (N bytes): values as quote() writes
 * them, reals with 17 digits. */
static inline void dc_row_text(sqlite3_stmt *st, char *out, size_t n) {
  size_t len = 0;
  out[0] = '\0';
  for (int i = 0; i < sqlite3_column_count(st) && len + 1 < n; i++) {
    const char *sep = i ? "|" : "";
    int w;
    switch (sqlite3_column_type(st, i)) {
    case SQLITE_NULL: w = snprintf(out + len, n - len, "%sNULL", sep); break;
    case SQLITE_INTEGER: w = snprintf(out + len, n - len, "%s%lld", sep, (long long)sqlite3_column_int64(st, i)); break;
    case SQLITE_FLOAT: w = snprintf(out + len, n - len, "%s%.17g", sep, sqlite3_column_double(st, i)); break;
    case SQLITE_TEXT: w = snprintf(out + len, n - len, "%s'%s'", sep, sqlite3_column_text(st, i)); break;
    default: w = snprintf(out + len, n - len, "%sblob(%d bytes)", sep, sqlite3_column_bytes(st, i)); break;
    }
    if (w < 0) break;
    len += (size_t)w;
    if (len >= n) len = n - 1;
  }
}

/* 1 when column I of A and B holds the same type and value. */
static inline int dc_same_value(sqlite3_stmt *a, sqlite3_stmt *b, int i) {
  int t = sqlite3_column_type(a, i);
  if (t != sqlite3_column_type(b, i)) return 0;
  switch (t) {
  case SQLITE_NULL: return 1;
  case SQLITE_INTEGER: return sqlite3_column_int64(a, i) == sqlite3_column_int64(b, i);
  case SQLITE_FLOAT: {
    double x = sqlite3_column_double(a, i), y = sqlite3_column_double(b, i);
    return memcmp(&x, &y, sizeof x) == 0;
  }
  default: {
    const void *x = sqlite3_column_blob(a, i), *y = sqlite3_column_blob(b, i);
    int nx = sqlite3_column_bytes(a, i), ny = sqlite3_column_bytes(b, i);
    return nx == ny && (nx == 0 || memcmp(x, y, (size_t)nx) == 0);
  }
  }
}

/* Compares table or view NAME of A (rows WHERE_A) with B's (rows WHERE_B),
 * row by row in key order. Returns 0 when equal, else 1 with the first
 * differing row (1-based, in that order) and both versions of it in WHY. */
static inline int dc_compare_object(struct wdb *a, struct wdb *b, const char *name, const char *where_a,
                                    const char *where_b, char *why, size_t n) {
  char *qa = dc_query(a, name, where_a), *qb = dc_query(b, name, where_b);
  sqlite3_stmt *sa = dc_prepare(a, qa), *sb = dc_prepare(b, qb);
  int differ = 0;
  if (sqlite3_column_count(sa) != sqlite3_column_count(sb)) {
    snprintf(why, n, "%s: %d columns against %d", name, sqlite3_column_count(sa), sqlite3_column_count(sb));
    differ = 1;
  }
  for (long long row = 1; !differ; row++) {
    int ra = sqlite3_step(sa), rb = sqlite3_step(sb);
    if (ra != SQLITE_ROW && ra != SQLITE_DONE) fail_msg("%s: %s: %s", a->path, name, sqlite3_errmsg(a->sql));
    if (rb != SQLITE_ROW && rb != SQLITE_DONE) fail_msg("%s: %s: %s", b->path, name, sqlite3_errmsg(b->sql));
    if (ra == SQLITE_DONE && rb == SQLITE_DONE) break;
    int same = ra == SQLITE_ROW && rb == SQLITE_ROW;
    for (int i = 0; same && i < sqlite3_column_count(sa); i++) same = dc_same_value(sa, sb, i);
    if (same) continue;
    char ta[1200] = "(no row)", tb[1200] = "(no row)";
    if (ra == SQLITE_ROW) dc_row_text(sa, ta, sizeof ta);
    if (rb == SQLITE_ROW) dc_row_text(sb, tb, sizeof tb);
    snprintf(why, n, "table %s, row %lld:\n  %s: %s\n  %s: %s", name, row, a->path, ta, b->path, tb);
    differ = 1;
  }
  sqlite3_finalize(sa);
  sqlite3_finalize(sb);
  sqlite3_free(qa);
  sqlite3_free(qb);
  return differ;
}

/* Compares every table (and with VIEWS every view) of A and B, in name order.
 * Returns 0 when equal, else 1 with the first differing table and row in WHY. */
static inline int dc_compare(struct wdb *a, struct wdb *b, int views, char *why, size_t n) {
  dc_register(a);
  dc_register(b);
  char **na = dc_objects(a, views), **nb = dc_objects(b, views);
  int differ = 0, i = 0;
  for (; !differ && na[i] && nb[i]; i++) {
    if (strcmp(na[i], nb[i])) {
      snprintf(why, n, "%s has %s where %s has %s", a->path, na[i], b->path, nb[i]);
      differ = 1;
    } else {
      differ = dc_compare_object(a, b, na[i], NULL, NULL, why, n);
    }
  }
  if (!differ && (na[i] || nb[i])) {
    snprintf(why, n, "%s has a table or view %s that %s lacks", na[i] ? a->path : b->path, na[i] ? na[i] : nb[i],
             na[i] ? b->path : a->path);
    differ = 1;
  }
  dc_free_names(na);
  dc_free_names(nb);
  return differ;
}

/* Feeds the current row of ST to H: each value's type, then the integer or
 * the real's bits, or the length and the bytes of a text or blob. */
static inline void dc_hash_row(sqlite3_stmt *st, struct sha256_ctx *h) {
  for (int i = 0; i < sqlite3_column_count(st); i++) {
    uint8_t head[9];
    int t = sqlite3_column_type(st, i);
    uint64_t bits = 0;
    if (t == SQLITE_INTEGER) {
      bits = (uint64_t)sqlite3_column_int64(st, i);
    } else if (t == SQLITE_FLOAT) {
      double d = sqlite3_column_double(st, i);
      memcpy(&bits, &d, sizeof bits);
    } else if (t == SQLITE_TEXT || t == SQLITE_BLOB) {
      bits = (uint64_t)sqlite3_column_bytes(st, i);
    }
    head[0] = (uint8_t)t;
    for (int k = 0; k < 8; k++) head[1 + k] = (uint8_t)(bits >> (8 * k));
    sha256_update(h, sizeof head, head);
    if ((t == SQLITE_TEXT || t == SQLITE_BLOB) && bits) sha256_update(h, (size_t)bits, sqlite3_column_blob(st, i));
  }
}

/* The SHA-256 of the rows WHERE (NULL: all) of table or view NAME in key order
 * (dc_query), each value fed with its type and length, into DIGEST; returns
 * the number of rows. */
static inline long long dc_digest(struct wdb *db, const char *name, const char *where,
                                  uint8_t digest[SHA256_DIGEST_SIZE]) {
  char *q = dc_query(db, name, where);
  sqlite3_stmt *st = dc_prepare(db, q);
  struct sha256_ctx h;
  sha256_init(&h);
  long long rows = 0;
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    rows++;
    dc_hash_row(st, &h);
  }
  if (rc != SQLITE_DONE) fail_msg("%s: %s: %s", db->path, name, sqlite3_errmsg(db->sql));
  sqlite3_finalize(st);
  sqlite3_free(q);
  sha256_digest(&h, SHA256_DIGEST_SIZE, digest);
  return rows;
}

/* The digest of every table (and with VIEWS every view) of a database, taken
 * once to compare many databases with it. */
struct dc_digests {
  char **names;
  uint8_t (*digest)[SHA256_DIGEST_SIZE];
  long long *rows;
};

static inline struct dc_digests dc_digest_all(struct wdb *db, int views) {
  dc_register(db);
  struct dc_digests d = {.names = dc_objects(db, views)};
  int n = 0;
  while (d.names[n]) n++;
  d.digest = calloc((size_t)n + 1, sizeof *d.digest);
  d.rows = calloc((size_t)n + 1, sizeof *d.rows);
  assert_true(d.digest && d.rows);
  for (int i = 0; i < n; i++) d.rows[i] = dc_digest(db, d.names[i], NULL, d.digest[i]);
  return d;
}

static inline void dc_free_digests(struct dc_digests *d) {
  dc_free_names(d->names);
  free(d->digest);
  free(d->rows);
}

/* Compares B with the database REF whose digests are RD (dc_digest_all with
 * the same VIEWS): object names, then each object's digest; the first object
 * whose digest differs is compared row by row with REF's to name its first
 * differing row. Returns 0 when equal, else 1 with the difference in WHY. */
static inline int dc_compare_with(struct wdb *ref, const struct dc_digests *rd, struct wdb *b, int views, char *why,
                                  size_t n) {
  dc_register(b);
  char **nb = dc_objects(b, views);
  int differ = 0, i = 0;
  for (; !differ && rd->names[i] && nb[i]; i++) {
    if (strcmp(rd->names[i], nb[i])) {
      snprintf(why, n, "%s has %s where %s has %s", ref->path, rd->names[i], b->path, nb[i]);
      differ = 1;
      break;
    }
    uint8_t d[SHA256_DIGEST_SIZE];
    long long rows = dc_digest(b, nb[i], NULL, d);
    if (rows == rd->rows[i] && !memcmp(d, rd->digest[i], sizeof d)) continue;
    differ = 1;
    dc_register(ref);
    if (!dc_compare_object(ref, b, nb[i], NULL, NULL, why, n))
      snprintf(why, n, "table %s: digests differ, rows do not", nb[i]); /* cannot happen */
  }
  if (!differ && (rd->names[i] || nb[i])) {
    snprintf(why, n, "%s has a table or view %s that %s lacks", rd->names[i] ? ref->path : b->path,
             rd->names[i] ? rd->names[i] : nb[i], rd->names[i] ? b->path : ref->path);
    differ = 1;
  }
  dc_free_names(nb);
  return differ;
}

#endif
