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
 * A full batch is handed to the ingest's store thread (store.h), which stores
 * it while the parser fills the slot's next buffer; every statement the
 * parser or the driver runs through a wdb_* function waits until the thread
 * has stored what was handed to it, so that each lands where it would if every
 * batch were stored the moment it filled (without the thread, it is).
 *
 * What the driver guarantees, so that a parser needs to know no more: the rows
 * are stored, in order, before anything looks at the file's rows (a torn last
 * line's savepoint, close(), the file's accounting and its commit), and
 * dropped with the file when it is refused. A row's text is copied: a field
 * may point into the line. A database error (a constraint too) surfaces at a
 * later row's batch_row_done() or at the next point above: the file is
 * refused or the ingest stops, as when the row's own INSERT failed, and the
 * line of the row a constraint refused is known (batches_failed_line); no row
 * of the file is stored after it. Rows of a format that reads or updates its
 * own rows while it parses (an UPDATE of an earlier line) do not go through a
 * batch, and a format that batches takes each of its other statements from
 * wdb_stmt() right before it binds it, never keeping one from line to line. */
#ifndef WATTDB_BATCH_H
#define WATTDB_BATCH_H

#include <stddef.h>
#include <stdint.h>

#include "ingest/store.h"
#include "schema/db.h"

#define BATCH_SLOTS 3       /* raw tables one format fills through batches */
#define BATCH_MAX_PARAMS 40 /* parameters of a batched INSERT (nvidia_smi_sample: 39) */
#define BATCH_STATEMENTS 16 /* distinct batched INSERTs of one ingest (wattdb's: 14) */

struct parse;

struct batch_cell {
  int type; /* SQLITE_NULL, SQLITE_INTEGER, SQLITE_FLOAT, SQLITE_TEXT */
  union {
    int64_t i;
    double d;
    size_t text; /* offset in the batch's text */
  } v;
};

/* One buffer of a batch's rows: filled by the parser, then stored, in the
 * parsing thread or by the store thread (store.h) while the parser fills the
 * slot's next buffer. */
struct row_buf {
  struct store_item item;    /* first: the store thread's queue link */
  sqlite3_stmt *stmt;        /* the batch's INSERT ... SELECT when the buffer was queued */
  int nparams;
  struct batch_cell *cells;  /* BATCH_ROWS rows of nparams cells */
  size_t nrows;              /* complete rows; the next row's cells follow them */
  size_t from, to;           /* the rows wattdb_rows gives while the buffer is stored */
  char *text;                /* the rows' text values, NUL-terminated */
  size_t text_len, text_cap;
};

#define BATCH_BUFFERS 3 /* buffers of a slot: one filling, the others queued or being stored */

struct row_batch {
  struct batches *all;       /* the batches it is a slot of */
  const char *insert;        /* the parser's INSERT ... VALUES (?, ...), NULL: unused */
  sqlite3_stmt *stmt;        /* the same INSERT ... SELECT c0, ... FROM wattdb_rows(?1),
                                one of struct batches' prepared */
  int nparams;
  struct row_buf buf[BATCH_BUFFERS];
  struct row_buf *fill;      /* the buffer being filled */
};

/* Why storing rows failed, recorded where it failed (in either thread) and
 * read by the parsing thread once the store is idle. */
struct batch_error {
  int code;                  /* SQLite's extended result code, 0: no failure */
  int64_t line;              /* parameter 2 of the row a constraint refused, 0: none */
  int printed;
  char text[256];            /* sqlite3_errmsg() of the failure */
};

/* The batches of the file being read (struct parse_private holds them), and
 * every batched INSERT prepared so far in this ingest, kept from file to file
 * (files of formats that share a slot alternate in a tree). */
struct batches {
  struct wdb *db;
  struct row_batch slot[BATCH_SLOTS];
  struct {
    const char *insert;
    sqlite3_stmt *stmt;
    int nparams;
  } prepared[BATCH_STATEMENTS];
  int nprepared;
  struct store *store;       /* the store thread, NULL: a full buffer is stored at once */
  struct batch_error error;  /* the failure since the last batches_discard */
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
 * connection (0, or -1 printed). batches_start: stores ALL's full buffers in a
 * store thread from now on (store.h), and makes DB's wdb_* calls wait for it;
 * without a thread (none could start) buffers are stored where they fill.
 * batches_flush: stores every slot's rows, slot 0 first, and waits until they
 * are stored (0, or -1 printed). batches_discard: drops them (those queued
 * too) and forgets a failure. batches_free: the thread, the statements and the
 * buffers. */
int batches_register(struct wdb *db);
void batches_start(struct batches *all, struct wdb *db);
int batches_flush(struct batches *all);
/* After a flush or batch_row_done that failed: whether a constraint refused a
 * row, and parameter 2 (in every raw table, the line) of that row, 0 when
 * unknown; the database's message. */
int batches_failed_on_constraint(const struct batches *all);
int64_t batches_failed_line(const struct batches *all);
const char *batches_error_text(const struct batches *all);
void batches_discard(struct batches *all);
void batches_free(struct batches *all);

#endif
