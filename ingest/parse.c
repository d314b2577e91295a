/* ingest/parse.c: what every parser needs: fields of a line (libcsv), rejected
 * lines, NULL readings and inserts (see format.h). */
#include <csv.h>
#include <strings.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "common/msg.h"
#include "ingest/format.h"
#include "ingest/parse_private.h"

/* ---- fields ---------------------------------------------------------------- */

/* Grows the field arrays: called when they are full. */
static void grow_fields(struct parse *p) {
  struct parse_private *q = p->priv;
  q->fields_cap = q->fields_cap ? q->fields_cap * 2 : 32;
  q->offsets = xrealloc(q->offsets, (size_t)q->fields_cap * sizeof *q->offsets);
  q->lengths = xrealloc(q->lengths, (size_t)q->fields_cap * sizeof *q->lengths);
  p->fields = xrealloc(p->fields, (size_t)q->fields_cap * sizeof *p->fields);
}

/* Makes the arena hold at least N bytes (its content is kept). */
static void reserve_arena(struct parse_private *q, size_t n) {
  if (n <= q->arena_cap) return;
  size_t cap = q->arena_cap ? q->arena_cap : 4096;
  while (cap < n) cap *= 2;
  q->arena = xrealloc(q->arena, cap);
  q->arena_cap = cap;
}

static void add_field(void *data, size_t len, void *pp) {
  struct parse *p = pp;
  if (p->nfields == p->priv->fields_cap) grow_fields(p);
  reserve_arena(p->priv, p->priv->arena_len + len + 1);
  if (len) memcpy(p->priv->arena + p->priv->arena_len, data, len);
  p->priv->arena[p->priv->arena_len + len] = '\0';
  p->priv->offsets[p->nfields] = p->priv->arena_len;
  p->priv->lengths[p->nfields] = len;
  p->priv->arena_len += len + 1;
  p->nfields++;
}

static void end_record(int c, void *pp) {
  (void)c;
  (void)pp;
}

/* Splits a line without quotes at DELIM, removing blanks around each field as
 * libcsv does for unquoted fields: the common case, without libcsv's per-byte
 * state machine. The line is copied into the arena once, and each field ends
 * where its trailing blanks (or its delimiter) began, overwritten by a NUL. */
static void split_plain(struct parse *p, const struct line *ln, unsigned char delim) {
  struct parse_private *q = p->priv;
  reserve_arena(q, ln->len + 1);
  char *t = q->arena, *end = t + ln->len;
  memcpy(t, ln->text, ln->len);
  *end = '\0';
  q->arena_len = ln->len + 1;
  for (char *s = t;;) {
    char *stop = memchr(s, delim, (size_t)(end - s));
    char *a = s, *b = stop ? stop : end;
    while (a < b && (*a == ' ' || *a == '\t')) a++;
    while (b > a && (b[-1] == ' ' || b[-1] == '\t')) b--;
    if (p->nfields == q->fields_cap) grow_fields(p);
    q->offsets[p->nfields] = (size_t)(a - t);
    q->lengths[p->nfields] = (size_t)(b - a);
    p->nfields++;
    *b = '\0';
    if (!stop) break;
    s = stop + 1;
  }
}

void parse_private_free(struct parse *p) {
  struct parse_private *q = p->priv;
  batches_free(&q->batches);
  free(q->arena);
  free(q->offsets);
  free(q->lengths);
  free(p->fields);
  if (q->csv) {
    csv_free(q->csv);
    free(q->csv);
  }
  q->arena = NULL;
  q->offsets = q->lengths = NULL;
  p->fields = NULL;
  q->csv = NULL;
}

int parse_fields(struct parse *p, const struct line *ln, unsigned char delim) {
  if (!memchr(ln->text, '"', ln->len)) {
    p->nfields = 0;
    p->priv->arena_len = 0;
    if (ln->len) split_plain(p, ln, delim);
    for (int i = 0; i < p->nfields; i++) p->fields[i] = p->priv->arena + p->priv->offsets[i];
    return p->nfields;
  }
  if (!p->priv->csv) {
    p->priv->csv = xrealloc(NULL, sizeof *p->priv->csv);
    csv_init(p->priv->csv, 0);
    csv_set_blk_size(p->priv->csv, 4096);
  }
  csv_set_delim(p->priv->csv, delim);
  p->nfields = 0;
  p->priv->arena_len = 0;
  csv_parse(p->priv->csv, ln->text, ln->len, add_field, end_record, p);
  csv_fini(p->priv->csv, add_field, end_record, p);
  if (ln->len == 0) p->nfields = 0;
  /* Pointers are made after parsing: the arena may have moved while growing. */
  for (int i = 0; i < p->nfields; i++) p->fields[i] = p->priv->arena + p->priv->offsets[i];
  return p->nfields;
}

/* ---- rejections ------------------------------------------------------------ */

static const char sql_reject[] =
    "INSERT OR REPLACE INTO rejected_row(file_id, line, col, reason, message, raw, raw_bytes) "
    "VALUES (?,?,?,?,?,?,?)";

/* The bytes of TEXT (LEN long) kept in rejected_row.raw: at most
 * REJECT_RAW_MAX, cut before a UTF-8 continuation byte so that no character
 * is split (at most 3 bytes are given back; invalid UTF-8 is cut as it is). */
static size_t raw_prefix(const char *text, size_t len) {
  if (len <= REJECT_RAW_MAX) return len;
  size_t n = REJECT_RAW_MAX;
  for (int back = 0; back < 3 && n > 0 && ((unsigned char)text[n] & 0xC0) == 0x80; back++) n--;
  return n;
}

enum line_verdict parse_reject(struct parse *p, const struct line *ln, int col, const char *reason,
                               const char *fmt, ...) {
  char text[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(text, sizeof text, fmt, ap);
  va_end(ap);
  if (!p->priv->first_row_error[0])
    snprintf(p->priv->first_row_error, sizeof p->priv->first_row_error, "line %ld: %.200s", ln->number, text);
  if (p->priv->rejects_printed < p->priv->max_printed) {
    if (col > 0) msg("%s:%ld:%d: %s", p->path, ln->number, col, text);
    else msg("%s:%ld: %s", p->path, ln->number, text);
  }
  else if (p->priv->rejects_printed == p->priv->max_printed && p->priv->max_printed > 0)
    msg("%s: more rejected lines are not shown (see the rejected_row table)", p->path);
  p->priv->rejects_printed++;
  sqlite3_stmt *st = wdb_stmt(p->db, sql_reject);
  if (!st) return LINE_FATAL;
  sqlite3_bind_int64(st, 1, p->file_id);
  sqlite3_bind_int64(st, 2, ln->number);
  sqlite3_bind_int(st, 3, col);
  sqlite3_bind_text(st, 4, reason, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 5, text, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 6, ln->text, (int)raw_prefix(ln->text, ln->len), SQLITE_STATIC);
  sqlite3_bind_int64(st, 7, (sqlite3_int64)ln->len);
  return wdb_done(p->db, st) ? LINE_FATAL : LINE_REJECTED;
}

void parse_fail(struct parse *p, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(p->priv->error, sizeof p->priv->error, fmt, ap);
  va_end(ap);
}

static const char sql_null[] =
    "INSERT OR REPLACE INTO unparsed_value(file_id, line, col, name, text) VALUES (?,?,?,?,?)";

int parse_note_null(struct parse *p, const struct line *ln, int col, const char *name,
                    const char *text) {
  sqlite3_stmt *st = wdb_stmt(p->db, sql_null);
  if (!st) return -1;
  sqlite3_bind_int64(st, 1, p->file_id);
  sqlite3_bind_int64(st, 2, ln->number);
  sqlite3_bind_int(st, 3, col);
  sqlite3_bind_text(st, 4, name, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 5, text, -1, SQLITE_STATIC);
  return wdb_done(p->db, st);
}

int parse_insert(struct parse *p, void *stmt) {
  return wdb_done(p->db, stmt);
}

/* ---- headers ---------------------------------------------------------------- */

int parse_map_header(struct parse *p, const struct column_spec *specs, int n, int *map) {
  int claimed = 0;
  for (int i = 0; i < n; i++) {
    map[i] = -1;
    for (int f = 0; f < p->nfields && map[i] < 0; f++)
      for (int k = 0; k < 4 && specs[i].names[k]; k++)
        if (strcasecmp(p->fields[f], specs[i].names[k]) == 0) {
          map[i] = f;
          claimed++;
          break;
        }
    if (map[i] < 0 && specs[i].required) {
      parse_fail(p, "header has no column '%s'", specs[i].names[0]);
      return -1;
    }
  }
  return p->nfields - claimed;
}

static int is_header_again(const struct parse *p, const struct header *h) {
  if (p->nfields != h->n) return 0;
  for (int i = 0; i < h->n; i++)
    if (strcmp(p->fields[i], h->text + h->written[i]) != 0) return 0;
  return 1;
}

/* Appends the N bytes at S and a NUL to H->text, *USED bytes of which are
 * taken. Returns the offset of the copy, or -1 when it does not fit. */
static int header_put(struct header *h, size_t *used, const char *s, size_t n) {
  if (*used + n + 1 > sizeof h->text) return -1;
  memcpy(h->text + *used, s, n);
  h->text[*used + n] = '\0';
  int at = (int)*used;
  *used += n + 1;
  return at;
}

/* Nonzero when NAME is any field of H as written, or the distinct name of one
 * of its first K fields. */
static int header_taken(const struct header *h, int k, const char *name) {
  for (int j = 0; j < h->n; j++)
    if (strcmp(h->text + h->written[j], name) == 0) return 1;
  for (int j = 0; j < k; j++)
    if (strcmp(header_name(h, j), name) == 0) return 1;
  return 0;
}

/* Remembers the fields last split (the header line LN) in H: every field as
 * written, and a distinct name for each (see struct header), the renamings
 * said on stderr. Returns 0, or -1 after parse_fail() when the header is wider
 * than H can hold. Runs once per file: the quadratic search is over the
 * header's fields, never over rows. */
static int remember_header(struct parse *p, const struct line *ln, struct header *h) {
  if (p->nfields > HEADER_MAX_COLS) {
    parse_fail(p, "header has %d columns, more than the %d wattdb reads", p->nfields,
               HEADER_MAX_COLS);
    return -1;
  }
  size_t used = 0;
  h->n = p->nfields;
  h->renamed = 0;
  for (int i = 0; i < h->n; i++) {
    int at = header_put(h, &used, p->fields[i], p->priv->lengths[i]);
    if (at < 0) goto too_long;
    h->written[i] = h->name[i] = (uint16_t)at;
  }
  for (int i = 1; i < h->n; i++) {
    const char *w = h->text + h->written[i];
    int first = -1, before = 0;
    for (int j = 0; j < i; j++)
      if (strcmp(h->text + h->written[j], w) == 0) {
        if (first < 0) first = j;
        before++;
      }
    if (first < 0) continue;
    /* NAME.k, from k = occurrences before this one, the first that no field has */
    size_t wlen = strlen(w);
    for (int k = before;; k++) {
      char suffix[16];
      size_t slen = (size_t)snprintf(suffix, sizeof suffix, ".%d", k);
      if (used + wlen + slen + 1 > sizeof h->text) goto too_long;
      memcpy(h->text + used, w, wlen); /* w lies before used: no overlap */
      memcpy(h->text + used + wlen, suffix, slen + 1);
      if (!header_taken(h, i, h->text + used)) {
        h->name[i] = (uint16_t)used;
        used += wlen + slen + 1;
        break;
      }
    }
    if (h->renamed++ < p->priv->max_printed)
      msg("%s:%ld:%d: header repeats column '%s' (fields %d and %d): field %d is stored as '%s'",
          p->path, ln->number, i + 1, w, first + 1, i + 1, i + 1, header_name(h, i));
  }
  return 0;
too_long:
  parse_fail(p, "header is longer than %d bytes", HEADER_MAX_BYTES);
  return -1;
}

enum line_verdict parse_header_or_data(struct parse *p, const struct line *ln, unsigned char delim,
                                       struct header *h, const struct column_spec *specs, int nspecs,
                                       int *map) {
  parse_fields(p, ln, delim);
  if (!h->seen) {
    h->seen = 1;
    if (remember_header(p, ln, h)) return LINE_REFUSE_FILE;
    return parse_map_header(p, specs, nspecs, map) < 0 ? LINE_REFUSE_FILE : LINE_SKIPPED;
  }
  if (is_header_again(p, h)) return LINE_SKIPPED;
  if (p->nfields > h->n || (p->nfields < h->n && !h->short_rows_ok))
    return parse_reject(p, ln, 0, "field_count", "expected %d fields, found %d", h->n, p->nfields);
  return LINE_STORED;
}
