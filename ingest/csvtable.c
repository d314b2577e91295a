/* ingest/csvtable.c: reads the lines of the declared CSV formats (csvtable.h):
 * the header mapped by the columns' names, each data line's fields parsed by
 * their kind, rejected with the field's column when one cannot be read,
 * gathered for their table's INSERT (ingest/batch.h). */
#include "ingest/csvtable.h"

#include <stdio.h>

#include "ingest/batch.h"
#include "ingest/values.h"

/* A data line's value of one column. */
struct cell {
  enum value_kind kind;  /* VALUE_EMPTY as well when the file has no such column */
  int64_t i;             /* CELL_TIME, CELL_INTEGER */
  double r;              /* CELL_REAL */
  const char *text;      /* the field, CELL_TEXT and notes */
};

/* Parses field TEXT of column C into OUT. Returns 0, or -1 when the field cannot
 * be read as the column's kind (OUT->kind = VALUE_BAD). */
static int read_cell(const struct csv_column *c, const char *text, struct cell *out) {
  out->text = text;
  switch (c->kind) {
  case CELL_TIME: /* a row's time is what places it: an empty one is not a time */
    out->kind = value_time(text, &out->i) ? VALUE_BAD : VALUE_OK;
    break;
  case CELL_REAL:
    out->kind = value_number(text, NULL, &out->r);
    if (out->kind == VALUE_OK) {
      if (c->nonnegative && out->r < 0) out->kind = VALUE_BAD;
      else if (c->scale) out->r *= c->scale;
    }
    break;
  case CELL_INTEGER:
    out->kind = value_integer(text, &out->i);
    if (out->kind == VALUE_OK && c->nonnegative && out->i < 0) out->kind = VALUE_BAD;
    break;
  case CELL_TEXT: /* as written, '' included */
    out->kind = VALUE_OK;
    break;
  }
  return out->kind == VALUE_BAD ? -1 : 0;
}

/* Sets parameter PARAM of the row to V (NULL when V is not a value). */
static void set_cell(struct row_batch *row, int param, enum cell_kind kind, const struct cell *v) {
  if (v->kind != VALUE_OK) return;
  switch (kind) {
  case CELL_TIME:
  case CELL_INTEGER: batch_int(row, param, v->i); break;
  case CELL_REAL: batch_double(row, param, v->r); break;
  case CELL_TEXT: batch_text(row, param, v->text); break;
  }
}

enum line_verdict csv_table_line(struct parse *p, const struct line *ln, const struct csv_table *t,
                                 struct csv_table_state *st) {
  if (!st->header.seen)
    for (int c = 0; c < t->ncolumns; c++) st->specs[c] = t->columns[c].spec;
  enum line_verdict v = parse_header_or_data(p, ln, t->delim, &st->header, st->specs, t->ncolumns, st->map);
  if (v != LINE_STORED) {
    if (v == LINE_SKIPPED && t->version_is_width && !p->format_version[0])
      snprintf(p->format_version, sizeof p->format_version, "%dcol", st->header.n);
    return v;
  }
  struct cell cells[CSV_TABLE_MAX_COLUMNS];
  for (int c = 0; c < t->ncolumns; c++) {
    const struct csv_column *col = &t->columns[c];
    cells[c].kind = VALUE_EMPTY;
    cells[c].text = "";
    if (st->map[c] < 0) continue;
    const char *text = p->fields[st->map[c]];
    if (read_cell(col, text, &cells[c]) || (col->needs_value && cells[c].kind != VALUE_OK))
      return col->kind == CELL_TIME
                 ? parse_reject(p, ln, st->map[c] + 1, "bad_time", "cannot parse '%s' as a time", text)
                 : parse_reject(p, ln, st->map[c] + 1, "bad_number", "cannot parse '%s' as %s", text,
                                col->what);
  }
  /* fetched once per file: every parameter is bound below for each row */
  if (!st->rows && !(st->rows = parse_batch(p, 0, t->insert))) return LINE_FATAL;
  struct row_batch *row = st->rows;
  batch_int(row, 1, p->file_id);
  batch_int(row, 2, ln->number);
  int param[CSV_TABLE_MAX_COLUMNS];
  for (int c = 0, next = 3; c < t->ncolumns; c++) {
    const struct csv_column *col = &t->columns[c];
    if (col->instead_of) {
      int k = col->instead_of - 1;
      param[c] = param[k];
      if (cells[k].kind != VALUE_OK) set_cell(row, param[c], col->kind, &cells[c]);
    } else {
      param[c] = next++;
      set_cell(row, param[c], col->kind, &cells[c]);
    }
  }
  if (batch_row_done(row)) return LINE_FATAL;
  for (int c = 0; c < t->ncolumns; c++)
    if (cells[c].kind == VALUE_NULL &&
        parse_note_null(p, ln, st->map[c] + 1, t->columns[c].stored_as, cells[c].text))
      return LINE_FATAL;
  return LINE_STORED;
}
