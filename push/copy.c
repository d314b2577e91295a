/* push/copy.c: one local table's rows of one file or run, in COPY text format,
 * to the server or into a digest (see copy.h). */
#include "push/copy.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "common/msg.h"

static void rb_flush(struct rowbuf *b) {
  if (b->n && !b->failed) {
    if (b->hash)
      sha256_update(b->hash, b->n, (const uint8_t *)b->data);
    else if (PQputCopyData(b->conn, b->data, (int)b->n) != 1)
      b->failed = 1;
  }
  b->n = 0;
}

static void rb_put(struct rowbuf *b, const char *s, size_t n) {
  while (n) {
    if (b->n == sizeof b->data) rb_flush(b);
    size_t k = sizeof b->data - b->n;
    if (k > n) k = n;
    memcpy(b->data + b->n, s, k);
    b->n += k;
    s += k;
    n -= k;
  }
}

/* The length of the valid UTF-8 character at S (N bytes left), or 0 when the
 * bytes there are not one or are NUL (RFC 3629: no overlong forms, no
 * surrogates, nothing past U+10FFFF). */
static int utf8_len(const unsigned char *s, size_t n) {
  if (s[0] < 0x80) return s[0] ? 1 : 0;
  int len = s[0] >= 0xC2 && s[0] <= 0xDF ? 2 : s[0] >= 0xE0 && s[0] <= 0xEF ? 3
          : s[0] >= 0xF0 && s[0] <= 0xF4 ? 4 : 0;
  if (!len || (size_t)len > n) return 0;
  for (int i = 1; i < len; i++)
    if ((s[i] & 0xC0) != 0x80) return 0;
  if ((s[0] == 0xE0 && s[1] < 0xA0) || (s[0] == 0xF0 && s[1] < 0x90)) return 0; /* overlong */
  if (s[0] == 0xED && s[1] >= 0xA0) return 0;                                   /* surrogate */
  if (s[0] == 0xF4 && s[1] >= 0x90) return 0;                                   /* > U+10FFFF */
  return len;
}

/* TEXT with COPY's escapes for backslash, tab, newline and carriage return.
 * PostgreSQL's text holds valid UTF-8 without NUL only: a byte that is not
 * part of a valid character (a Latin-1 letter, a zero of a torn write, kept
 * as is in the local database) is sent as U+FFFD. */
static void rb_text(struct rowbuf *b, const unsigned char *s, int n) {
  int from = 0;
  for (int i = 0; i < n;) {
    const char *esc = s[i] == '\\' ? "\\\\" : s[i] == '\t' ? "\\t" : s[i] == '\n' ? "\\n"
                    : s[i] == '\r' ? "\\r" : NULL;
    int len = esc ? 1 : utf8_len(s + i, (size_t)(n - i));
    if (!esc && len) {
      i += len;
      continue;
    }
    rb_put(b, (const char *)s + from, (size_t)(i - from));
    if (esc) rb_put(b, esc, 2);
    else rb_put(b, "\xef\xbf\xbd", 3);
    from = ++i;
  }
  rb_put(b, (const char *)s + from, (size_t)(n - from));
}

static void rb_int(struct rowbuf *b, long long v) {
  char num[32];
  rb_put(b, num, (size_t)snprintf(num, sizeof num, "%lld", v));
}

/* Column I of the current row of ST. */
static void rb_value(struct rowbuf *b, sqlite3_stmt *st, int i) {
  switch (sqlite3_column_type(st, i)) {
  case SQLITE_NULL: rb_put(b, "\\N", 2); break;
  case SQLITE_INTEGER: rb_int(b, sqlite3_column_int64(st, i)); break;
  case SQLITE_FLOAT: {
    double v = sqlite3_column_double(st, i);
    char num[40];
    if (isinf(v))
      rb_put(b, v > 0 ? "Infinity" : "-Infinity", v > 0 ? 8 : 9);
    else
      rb_put(b, num, (size_t)snprintf(num, sizeof num, "%.17g", v));
    break;
  }
  default:
    rb_text(b, sqlite3_column_text(st, i), sqlite3_column_bytes(st, i));
  }
}

/* Steps ST over the rows of T and writes them to B; with DIGEST, the id
 * columns are left out, else written as SERVER_ID / mapped through FILES, and
 * the COPY is started before the first row (B->copying set). Returns the number
 * of rows, or -1 (printed). */
static long long write_rows(struct pg *pg, struct wdb *local, struct rowbuf *b,
                            const struct mirror_table *t, sqlite3_stmt *st, int digest,
                            long long server_id, const struct id_map *files) {
  long long rows = 0;
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    if (!rows && !digest) {
      PGresult *res = PQexec(pg->conn, t->copy);
      if (PQresultStatus(res) != PGRES_COPY_IN) {
        msg("%s: %s: %s", pg->where, t->name, PQresultErrorMessage(res));
        PQclear(res);
        return -1;
      }
      PQclear(res);
      b->copying = 1;
    }
    int first = 1;
    for (int i = 0; i < t->ncols; i++) {
      int kind = t->kind[i];
      if (digest && kind != MIRROR_PLAIN) continue;
      if (!first) rb_put(b, "\t", 1);
      first = 0;
      if (kind == MIRROR_FILE || kind == MIRROR_RUN) {
        if (server_id) rb_int(b, server_id);
        else rb_put(b, "\\N", 2); /* a loose row: of no run */
      } else if (kind == MIRROR_FILEREF) {
        long long id = sqlite3_column_type(st, i) == SQLITE_NULL ? 0 : sqlite3_column_int64(st, i);
        long long to = id > 0 && id < files->n ? files->to[id] : 0;
        if (to) rb_int(b, to);
        else rb_put(b, "\\N", 2);
      } else {
        rb_value(b, st, i);
      }
    }
    rb_put(b, "\n", 1);
    rows++;
  }
  sqlite3_reset(st);
  if (rc != SQLITE_DONE) {
    msg("%s: %s: %s", local->path, t->name, sqlite3_errmsg(local->sql));
    return -1;
  }
  return rows;
}

int copy_table(struct pg *pg, struct wdb *local, struct rowbuf *b, const struct mirror_table *t,
               int loose, long long local_id, long long server_id, const struct id_map *files,
               long long *rows) {
  sqlite3_stmt *st = loose ? t->loose : t->select;
  if (!st) return 0;
  sqlite3_reset(st);
  if (t->owner != MIRROR_OF_ORIGIN) sqlite3_bind_int64(st, 1, local_id);
  b->conn = pg->conn;
  b->hash = NULL;
  b->failed = 0;
  b->copying = 0;
  b->n = 0;
  long long n = write_rows(pg, local, b, t, st, 0, server_id, files);
  if (!b->copying) return n < 0 ? -1 : 0;
  rb_flush(b);
  int ok = !b->failed && n >= 0;
  if (PQputCopyEnd(pg->conn, ok ? NULL : "wattdb: local read failed") != 1) ok = 0;
  PGresult *res;
  while ((res = PQgetResult(pg->conn))) {
    if (PQresultStatus(res) != PGRES_COMMAND_OK) {
      if (ok) msg("%s: %s: %s", pg->where, t->name, PQresultErrorMessage(res));
      ok = 0;
    }
    PQclear(res);
  }
  if (!ok) return -1;
  *rows += n;
  return 0;
}

int digest_table(struct wdb *local, struct rowbuf *b, const struct mirror_table *t, int loose,
                 long long local_id) {
  sqlite3_stmt *st = loose ? t->loose : t->select;
  if (!st) return 0;
  sqlite3_reset(st);
  if (t->owner != MIRROR_OF_ORIGIN) sqlite3_bind_int64(st, 1, local_id);
  b->conn = NULL;
  b->failed = 0;
  b->n = 0;
  /* the table's name first, so that rows cannot pass from one table to another */
  rb_put(b, t->name, strlen(t->name));
  rb_put(b, "\n", 1);
  long long n = write_rows(NULL, local, b, t, st, 1, 0, NULL);
  rb_flush(b);
  return n < 0 ? -1 : 0;
}
