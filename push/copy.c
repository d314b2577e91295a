/* push/copy.c: one local table's rows of one file or run, in COPY's binary
 * format (or its text format, for a server table with a column of another
 * type than bigint, double precision and text) to the server, or in the text
 * format into a digest (see copy.h). */
#include "push/copy.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
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

/* The length of TEXT (N bytes) once its bytes that are not valid UTF-8 are
 * U+FFFD (rb_text()'s rule, without COPY's escapes). */
static size_t utf8_clean_len(const unsigned char *s, int n) {
  size_t len = 0;
  for (int i = 0; i < n;) {
    int k = utf8_len(s + i, (size_t)(n - i));
    len += k ? (size_t)k : 3;
    i += k ? k : 1;
  }
  return len;
}

/* TEXT as rb_text() sends it, without COPY's escapes (the binary format). */
static void rb_text_raw(struct rowbuf *b, const unsigned char *s, int n) {
  int from = 0;
  for (int i = 0; i < n;) {
    int len = utf8_len(s + i, (size_t)(n - i));
    if (len) {
      i += len;
      continue;
    }
    rb_put(b, (const char *)s + from, (size_t)(i - from));
    rb_put(b, "\xef\xbf\xbd", 3);
    from = ++i;
  }
  rb_put(b, (const char *)s + from, (size_t)(n - from));
}

/* Big-endian integers, as COPY's binary format has them. */
static void rb_be(struct rowbuf *b, unsigned long long v, int bytes) {
  char d[8];
  for (int i = 0; i < bytes; i++) d[i] = (char)(v >> (8 * (bytes - 1 - i)));
  rb_put(b, d, (size_t)bytes);
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

/* Between two rows: sends a nearly full buffer without the local database's
 * lock, so that another lane reads meanwhile. */
static void release_full(struct rowbuf *b) {
  if (b->n < sizeof b->data - 4096) return;
  if (b->lock) pthread_mutex_unlock(b->lock);
  rb_flush(b);
  if (b->lock) pthread_mutex_lock(b->lock);
}

/* A field of COPY's binary format: the integer V as server type PGT. */
static void bin_int(struct rowbuf *b, long long v, int pgt) {
  if (pgt == PGT_INT8) {
    rb_be(b, 8, 4);
    rb_be(b, (unsigned long long)v, 8);
  } else if (pgt == PGT_FLOAT8) {
    double d = (double)v;
    unsigned long long u;
    memcpy(&u, &d, sizeof u);
    rb_be(b, 8, 4);
    rb_be(b, u, 8);
  } else {
    char num[32];
    int n = snprintf(num, sizeof num, "%lld", v);
    rb_be(b, (unsigned long long)n, 4);
    rb_put(b, num, (size_t)n);
  }
}

static void bin_double(struct rowbuf *b, double v) {
  unsigned long long u;
  memcpy(&u, &v, sizeof u);
  rb_be(b, 8, 4);
  rb_be(b, u, 8);
}

/* Column I of the current row of ST as a field of COPY's binary format for
 * server type PGT, converted as PostgreSQL's text input would convert the
 * text format's value (a REAL that is a whole number into a bigint, a number
 * in a TEXT into a number, any value into text). 0, or -1 when the server
 * would refuse it (printed, naming table T's column). */
static int bin_value(struct rowbuf *b, sqlite3_stmt *st, int i, int pgt, struct wdb *local,
                     const struct mirror_table *t) {
  int type = sqlite3_column_type(st, i);
  if (type == SQLITE_NULL) {
    rb_be(b, 0xFFFFFFFFu, 4);
    return 0;
  }
  if (type == SQLITE_INTEGER) {
    bin_int(b, sqlite3_column_int64(st, i), pgt);
    return 0;
  }
  if (type == SQLITE_FLOAT && pgt == PGT_FLOAT8) {
    bin_double(b, sqlite3_column_double(st, i));
    return 0;
  }
  if (type == SQLITE_FLOAT && pgt == PGT_INT8) {
    double v = sqlite3_column_double(st, i);
    if (v >= -9.2e18 && v <= 9.2e18 && v == (double)(long long)v) {
      bin_int(b, (long long)v, pgt);
      return 0;
    }
  } else if (type == SQLITE_FLOAT) { /* into text: as the text format writes it */
    double v = sqlite3_column_double(st, i);
    char num[40];
    int n = isinf(v) ? snprintf(num, sizeof num, "%s", v > 0 ? "Infinity" : "-Infinity")
                     : snprintf(num, sizeof num, "%.17g", v);
    rb_be(b, (unsigned long long)n, 4);
    rb_put(b, num, (size_t)n);
    return 0;
  } else {
    const unsigned char *text = sqlite3_column_text(st, i);
    int n = sqlite3_column_bytes(st, i);
    if (pgt == PGT_TEXT) {
      rb_be(b, utf8_clean_len(text, n), 4);
      rb_text_raw(b, text, n);
      return 0;
    }
    char *end;
    errno = 0;
    if (pgt == PGT_INT8) {
      long long v = strtoll((const char *)text, &end, 10);
      if (n && !*end && !errno) {
        bin_int(b, v, pgt);
        return 0;
      }
    } else {
      double v = strtod((const char *)text, &end);
      if (n && !*end) {
        bin_double(b, v);
        return 0;
      }
    }
  }
  msg("%s: %s.%s: the value '%s' is not a %s, which the server's column is: fix the local row",
      local->path, t->name, t->cols[i], (const char *)sqlite3_column_text(st, i),
      pgt == PGT_INT8 ? "bigint" : "double precision");
  return -1;
}

/* Steps ST over the rows of T and writes them to B; with DIGEST, the id
 * columns are left out, else written as SERVER_ID / mapped through FILES, and
 * the COPY is started before the first row (B->copying set). Returns the number
 * of rows, or -1 (printed). */
static long long write_rows(struct pg *pg, struct wdb *local, struct rowbuf *b,
                            const struct mirror_table *t, sqlite3_stmt *st, int digest,
                            long long server_id, const struct id_map *files) {
  long long rows = 0;
  int rc, binary = !digest && t->binary;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    if (!rows && !digest) {
      PGresult *res = PQexec(pg->conn, binary ? t->copy_binary : t->copy);
      if (PQresultStatus(res) != PGRES_COPY_IN) {
        msg("%s: %s: %s", pg->where, t->name, PQresultErrorMessage(res));
        PQclear(res);
        return -1;
      }
      PQclear(res);
      b->copying = 1;
      /* the binary format's signature, flags and header extension length */
      if (binary) rb_put(b, "PGCOPY\n\377\r\n\0\0\0\0\0\0\0\0\0", 19);
    }
    if (binary) {
      rb_be(b, (unsigned long long)t->ncols + 2, 2);
      for (int i = 0; i < t->ncols; i++) {
        int kind = t->kind[i];
        if (kind == MIRROR_FILE || kind == MIRROR_RUN) {
          if (server_id) bin_int(b, server_id, t->pgtype[i]);
          else rb_be(b, 0xFFFFFFFFu, 4); /* a loose row: of no run */
        } else if (kind == MIRROR_FILEREF) {
          long long id = sqlite3_column_type(st, i) == SQLITE_NULL ? 0 : sqlite3_column_int64(st, i);
          long long to = id > 0 && id < files->n ? files->to[id] : 0;
          if (to) bin_int(b, to, t->pgtype[i]);
          else rb_be(b, 0xFFFFFFFFu, 4);
        } else if (bin_value(b, st, i, t->pgtype[i], local, t)) {
          sqlite3_reset(st);
          return -1;
        }
      }
      /* origin (uuid: its 16 bytes) and host, which the server's defaults
       * would otherwise compute for every row */
      rb_be(b, 16, 4);
      rb_put(b, (const char *)b->origin, 16);
      size_t hn = strlen(b->host);
      rb_be(b, hn, 4);
      rb_put(b, b->host, hn);
      rows++;
      release_full(b);
      continue;
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
    if (!digest) release_full(b);
  }
  sqlite3_reset(st);
  if (rc != SQLITE_DONE) {
    msg("%s: %s: %s", local->path, t->name, sqlite3_errmsg(local->sql));
    return -1;
  }
  if (binary && rows) rb_put(b, "\377\377", 2); /* the trailer */
  return rows;
}

int rowbuf_identity(struct rowbuf *b, const char *origin, const char *host) {
  int k = 0;
  for (const char *p = origin; *p && k < 32; p++) {
    int v = *p >= '0' && *p <= '9' ? *p - '0' : *p >= 'a' && *p <= 'f' ? *p - 'a' + 10
          : *p >= 'A' && *p <= 'F' ? *p - 'A' + 10 : *p == '-' ? -2 : -1;
    if (v == -2) continue;
    if (v < 0) return -1;
    if (k % 2 == 0) b->origin[k / 2] = (unsigned char)(v << 4);
    else b->origin[k / 2] |= (unsigned char)v;
    k++;
  }
  b->host = host;
  return k == 32 ? 0 : -1;
}

int copy_table(struct pg *pg, struct wdb *local, struct rowbuf *b, const struct mirror_table *t,
               int loose, long long local_id, long long server_id, const struct id_map *files,
               long long *rows) {
  sqlite3_stmt *st = loose ? t->loose : t->select;
  if (!st) return 0;
  if (b->lock) pthread_mutex_lock(b->lock);
  sqlite3_reset(st);
  if (t->owner != MIRROR_OF_ORIGIN) sqlite3_bind_int64(st, 1, local_id);
  b->conn = pg->conn;
  b->hash = NULL;
  b->failed = 0;
  b->copying = 0;
  b->n = 0;
  long long n = write_rows(pg, local, b, t, st, 0, server_id, files);
  sqlite3_reset(st);
  if (b->lock) pthread_mutex_unlock(b->lock);
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
  if (b->lock) pthread_mutex_lock(b->lock);
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
  if (b->lock) pthread_mutex_unlock(b->lock);
  return n < 0 ? -1 : 0;
}
