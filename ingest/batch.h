/* ingest/batch.h: a parser's rows of one raw table gathered in memory and
 * stored by one INSERT ... SELECT per batch instead of one INSERT per row.
 *
 * One execution of an INSERT keeps its b-tree cursor at the end of the table
 * from row to row, where a row-by-row INSERT opens a cursor and seeks from the
 * root for every row, and no value goes through a bind call. A parser asks the
 * driver for batch SLOT of the file (parse_batch), sets the parameters of its
 * usual INSERT ... VALUES (?, ...) text on it, by the same numbers, and ends
 * each row with batch_row_done() where it would have stepped the statement.
 *
 * What the driver guarantees, so that a parser needs to know no more: the rows
 * are stored, in order, before anything looks at the file's rows (a torn last
 * line's savepoint, close(), the file's accounting and its commit), and
 * dropped with the file when it is refused. A row's text is copied: a field
 * may point into the line. A database error (a constraint too) surfaces at the
 * row that filled the batch, or at the next point above: the file is refused
 * or the ingest stops, as when the row's own INSERT failed, and the line of the
 * row a constraint refused is known (batches_failed_line). Rows of a format
 * that reads or updates its own rows while it parses (an UPDATE of an earlier
 * line) do not go through a batch. */
#ifndef WATTDB_BATCH_H
#define WATTDB_BATCH_H

#include <stddef.h>
#include <stdint.h>

#include "schema/db.h"

#define BATCH_SLOTS 2       /* raw tables one format fills through batches */
#define BATCH_MAX_PARAMS 40 /* parameters of a batched INSERT (nvidia_smi_sample: 38) */
#define BATCH_STATEMENTS 16 /* distinct batched INSERTs of one ingest (wattdb's: 10) */

struct parse;

struct batch_cell {
  int type; /* SQLITE_NULL, SQLITE_INTEGER, SQLITE_FLOAT, SQLITE_TEXT */
  union {
    int64_t i;
    double d;
    size_t text; /* offset in the batch's text */
  } v;
};

struct row_batch {
  struct wdb *db;
  const char *insert;        /* the parser's INSERT ... VALUES (?, ...), NULL: unused */
  sqlite3_stmt *stmt;        /* the same INSERT ... SELECT c0, ... FROM wattdb_rows(?1),
                                one of struct batches' prepared */
  int nparams;
  struct batch_cell *cells;  /* BATCH_ROWS rows of nparams cells */
  size_t nrows;              /* complete rows; the next row's cells follow them */
  size_t from, to;           /* the rows wattdb_rows gives while the batch is stored */
  int64_t failed_line;       /* parameter 2 of the row a constraint refused, 0: none */
  char *text;                /* the rows' text values, NUL-terminated */
  size_t text_len, text_cap;
};

/* The batches of the file being read (struct parse_private holds them), and
 * every batched INSERT prepared so far in this ingest, kept from file to file
 * (files of formats that share a slot alternate in a tree). */
struct batches {
  struct row_batch slot[BATCH_SLOTS];
  struct {
    const char *insert;
    sqlite3_stmt *stmt;
    int nparams;
  } prepared[BATCH_STATEMENTS];
  int nprepared;
};

/* Batch SLOT of the file P reads, taking the rows of INSERT: a literal
 * "INSERT INTO t(columns) VALUES (?, ?, ...)" of at most BATCH_MAX_PARAMS
 * parameters, all `?`, and the same pointer each time (a parser's literal):
 * its statement is prepared once per ingest. NULL after printing on a database
 * error. */
struct row_batch *parse_batch(struct parse *p, int slot, const char *insert);

/* Parameter PARAM (1-based, as in the INSERT) of the row being written. A
 * parameter not set is NULL; a NaN double is NULL, as sqlite3_bind_double
 * makes it. */
void batch_int(struct row_batch *b, int param, int64_t v);
void batch_double(struct row_batch *b, int param, double v);
void batch_text(struct row_batch *b, int param, const char *s);
void batch_text_n(struct row_batch *b, int param, const char *s, size_t n); /* N bytes of S */

/* Ends the row being written; stores the batch when it is full. 0, or -1 on a
 * database error (printed). */
int batch_row_done(struct row_batch *b);

/* The driver's side. batches_register: the wattdb_rows table on DB's
 * connection (0, or -1 printed). batches_flush: stores every slot's rows, slot
 * 0 first (0, or -1 printed). batches_discard: drops them. batches_free: the
 * statements and buffers. */
int batches_register(struct wdb *db);
int batches_flush(struct batches *all);
/* After a flush or batch_row_done that failed on a constraint: parameter 2 (in
 * every raw table, the line) of the row that broke it; 0 otherwise. */
int64_t batches_failed_line(const struct batches *all);
void batches_discard(struct batches *all);
void batches_free(struct batches *all);

#endif
