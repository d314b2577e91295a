/* cli/report.c: query results as JSON values and as text tables (report.h). */
#include "cli/report.h"

#include <string.h>

#include "common/msg.h"

json_t *report_rows(struct wdb *db, const char *sql, int n, const char *const *params) {
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(db->sql, sql, -1, &st, NULL) != SQLITE_OK) {
    msg("%s: %s", db->path, sqlite3_errmsg(db->sql));
    return NULL;
  }
  for (int i = 0; i < n; i++) sqlite3_bind_text(st, i + 1, params[i], -1, SQLITE_STATIC);
  json_t *rows = json_array();
  int cols = sqlite3_column_count(st), rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    json_t *row = json_object();
    for (int i = 0; i < cols; i++) {
      json_t *v;
      switch (sqlite3_column_type(st, i)) {
      case SQLITE_INTEGER: v = json_integer(sqlite3_column_int64(st, i)); break;
      case SQLITE_FLOAT: v = json_real(sqlite3_column_double(st, i)); break;
      case SQLITE_NULL: v = json_null(); break;
      default: v = json_string((const char *)sqlite3_column_text(st, i)); break;
      }
      /* text that is not UTF-8 (a file name as found) is given as null rather than lost silently */
      json_object_set_new(row, sqlite3_column_name(st, i), v ? v : json_null());
    }
    json_array_append_new(rows, row);
  }
  if (rc != SQLITE_DONE) {
    msg("%s: %s", db->path, sqlite3_errmsg(db->sql));
    json_decref(rows);
    rows = NULL;
  }
  sqlite3_finalize(st);
  return rows;
}

/* The text of V as a table cell into BUF. */
static const char *cell(const json_t *v, char *buf, size_t n) {
  if (json_is_string(v)) return json_string_value(v);
  if (json_is_integer(v)) snprintf(buf, n, "%lld", (long long)json_integer_value(v));
  else if (json_is_real(v)) snprintf(buf, n, "%.6g", json_real_value(v));
  else if (json_is_true(v) || json_is_false(v)) snprintf(buf, n, "%s", json_is_true(v) ? "yes" : "no");
  else buf[0] = '\0';
  return buf;
}

void report_print_table(FILE *out, const char *title, const json_t *rows) {
  fprintf(out, "%s\n", title);
  size_t nrows = json_array_size(rows);
  if (!nrows) {
    fprintf(out, "  (none)\n\n");
    return;
  }
  /* widths: the widest cell of each column, headers included, at most 60 */
  enum { MAXC = 32 };
  size_t width[MAXC] = {0};
  char buf[64];
  const char *key;
  json_t *v;
  int c = 0;
  json_object_foreach((json_t *)json_array_get(rows, 0), key, v) {
    if (c < MAXC) width[c] = strlen(key);
    c++;
  }
  for (size_t r = 0; r < nrows; r++) {
    c = 0;
    json_object_foreach((json_t *)json_array_get(rows, r), key, v) {
      size_t w = strlen(cell(v, buf, sizeof buf));
      if (c < MAXC && w > width[c]) width[c] = w > 60 ? 60 : w;
      c++;
    }
  }
  fputs(" ", out);
  c = 0;
  json_object_foreach((json_t *)json_array_get(rows, 0), key, v) {
    fprintf(out, " %-*s", (int)(c < MAXC ? width[c] : 0), key);
    c++;
  }
  fputs("\n", out);
  for (size_t r = 0; r < nrows; r++) {
    fputs(" ", out);
    c = 0;
    json_object_foreach((json_t *)json_array_get(rows, r), key, v) {
      fprintf(out, " %-*s", (int)(c < MAXC ? width[c] : 0), cell(v, buf, sizeof buf));
      c++;
    }
    fputs("\n", out);
  }
  fputs("\n", out);
}

int report_print_json(FILE *out, const json_t *v) {
  if (json_dumpf(v, out, JSON_INDENT(2) | JSON_REAL_PRECISION(17))) return -1;
  fputs("\n", out);
  return 0;
}
