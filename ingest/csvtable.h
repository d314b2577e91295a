/* ingest/csvtable.h: the simple CSV formats, declared instead of written. Such
 * a format is a header line of named columns, then one raw-table row per data
 * line, each column parsed by its kind and set as its parameter of the
 * table's INSERT (stored in batches, ingest/batch.h). It declares a `struct csv_table` and points .table of its
 * struct format at it, with no line() and no state_size: the driver reads its
 * lines with csv_table_line(). A format with a quirk no column kind expresses
 * (a time with spaces in it, a unit in a column name) writes its line() itself
 * with the helpers of format.h. */
#ifndef WATTDB_CSVTABLE_H
#define WATTDB_CSVTABLE_H

#include "ingest/format.h"

struct row_batch;

enum cell_kind {
  CELL_TIME,    /* a date-time (value_time) -> INTEGER µs; else (empty too) rejected 'bad_time' */
  CELL_REAL,    /* a number (value_number) -> REAL, times scale; else rejected 'bad_number' */
  CELL_INTEGER, /* a whole number (value_integer) -> INTEGER; else rejected 'bad_number' */
  CELL_TEXT,    /* the field as written, '' when empty -> TEXT */
};

/* A column of the file. An empty number field is stored as NULL; a sentinel
 * ([N/A], nan, None) too, and noted in unparsed_value; in a column that
 * needs_value either rejects the line, as a field that cannot be read does. */
struct csv_column {
  struct column_spec spec; /* the names it goes by in a header; required or not */
  enum cell_kind kind;
  const char *what;        /* in messages: "cannot parse '%s' as WHAT" ("a time" for CELL_TIME) */
  const char *stored_as;   /* its column in the raw table: the name unparsed_value gives */
  double scale;            /* CELL_REAL: the stored value is the read one times this (0: 1) */
  int nonnegative;         /* a value below 0 is rejected as 'bad_number' */
  int needs_value;         /* the row means nothing without it (an epoch's number) */
  int instead_of;          /* 0: binds parameter 3 + its index in the table. k > 0: another
                              spelling (another unit) of column k - 1, whose parameter it
                              fills when that column is absent or empty; it has no
                              parameter of its own (and must come after column k - 1) */
};

#define CSV_TABLE_MAX_COLUMNS 16

struct csv_table {
  /* INSERT INTO table(file_id, line, ...) VALUES (?, ?, ...): parameters 1 and 2
   * are the file and line, then one per column with a parameter of its own, in
   * the order of columns[] */
  const char *insert;
  const struct csv_column *columns;
  int ncolumns;            /* at most CSV_TABLE_MAX_COLUMNS */
  unsigned char delim;
  int version_is_width;    /* source_file.format_version is the header's width: "4col" */
};

/* The per-file state csv_table_line() keeps in p->state (the driver sizes it). */
struct csv_table_state {
  struct header header;
  struct column_spec specs[CSV_TABLE_MAX_COLUMNS];
  int map[CSV_TABLE_MAX_COLUMNS];
  struct row_batch *rows;  /* the table's rows (batch.h), fetched at the file's first data line */
};

/* Reads LN of a file of a declared format TABLE (the header, a repeated
 * header, a data line) with STATE, as format.h's line() does. */
enum line_verdict csv_table_line(struct parse *p, const struct line *ln, const struct csv_table *table,
                                 struct csv_table_state *state);

#endif
