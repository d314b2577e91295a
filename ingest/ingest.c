/* ingest/ingest.c: the ingest driver: decides per file from the auxiliary table
 * (source_file) whether it must be read, and parses and stores it in one
 * transaction. The reading thread (readahead.h) walks the inputs ahead of it,
 * reads, hashes, lets the formats bid and cuts the lines; this thread parses
 * them and alone writes the database.
 *
 * Per file:
 *   1. unchanged? same path, size, mtime and parser version: skip, unread (the
 *      reading thread asks the same before reading, of the catalog as it stood
 *      at the start, held in memory: known_files.h);
 *   2. BEGIN IMMEDIATE; unchanged now (another ingest stored it meanwhile)? skip;
 *   3. replace the path's source_file row (its old rows are deleted with it,
 *      see owned_tables; if other paths were duplicates of its old content, the
 *      rows move to one of them);
 *   4. SAVEPOINT rows; the file's lines, batch after batch, into the parser of
 *      the format that bid highest;
 *   5. if the same bytes are already stored under another path: ROLLBACK TO rows
 *      and mark this path a duplicate of that one;
 *   6. write the counts into the source_file row; COMMIT.
 * A crash anywhere before 6 leaves the database as it was before the file.
 *
 * The connection does not enforce foreign keys while it ingests: every row a
 * parser writes names the source_file row written first in the same
 * transaction (and its run, by then stored), so SQLite's per-row check of the
 * parent, about a seventh of the cost of an insert, would check what the driver
 * has just done. What enforcement did besides, the cascade from a replaced
 * source_file row to its rows, the driver does itself (owned_tables). `wattdb
 * status` still checks every reference (PRAGMA foreign_key_check). */
#define _DEFAULT_SOURCE
#include "ingest/ingest.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/msg.h"
#include "ingest/batch.h"
#include "ingest/csvtable.h"
#include "ingest/formats.h"
#include "ingest/known_files.h"
#include "ingest/lines.h"
#include "ingest/parse_private.h"
#include "ingest/readahead.h"
#include "ingest/runkey.h"
#include "ingest/source.h"

struct driver {
  struct wdb *db;
  const struct ingest_options *opt;
  struct ingest_stats *stats;
  int fatal;
  /* progress */
  double started, last_progress;
  long long archive_base;
  /* per file */
  struct parse parse;
  struct parse_private parse_priv; /* parse.priv */
  struct run_key run;       /* from the path; run.valid == 0 when none */
  int64_t run_id;           /* its run row when run.valid */
  struct readahead *ra;     /* the reading thread */
  const struct readahead_batch *batch; /* the batch being read */
  struct readahead_file file; /* the file being read, its strings in names */
  char *names;
  size_t names_cap;
  line_sink sink;           /* where its lines go */
  long n_lines, n_skipped, n_ok, n_rejected;
  long n_torn;              /* of n_rejected: the torn last line (0 or 1) */
  int refused;              /* the parser refused the file */
  struct source_hooks block_hooks; /* opt->block_size as a source hook */
  /* DELETE FROM t WHERE k = ?1 for every (t, k) with a foreign key k ->
   * source_file(id) ON DELETE CASCADE: the rows a source_file row owns;
   * prepared when a changed file first needs them (owned_ready) */
  sqlite3_stmt **owned_delete;
  int n_owned, owned_ready;
  int store_started;        /* batches_start() called */
};

/* The reading thread's view of the catalog (want_file) and what it needs of
 * the options. */
struct peek {
  struct known_files known;  /* the catalog at the start, when loaded */
  int known_loaded;
  /* else a read-only connection of the reading thread's own */
  sqlite3 *sql;
  sqlite3_stmt *lookup;     /* NULL: every file is read, the driver decides */
  const struct format *force_format;
  /* the database file and its journals, never ingested: their (device, inode)
   * when they exist at the start (n_own), and the database's own in own[0] */
  dev_t own_dev[4];
  ino_t own_ino[4];
  int n_own;
};

static double now_seconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void progress(struct driver *d, int final) {
  if (!d->opt->progress) return;
  double t = now_seconds();
  if (!final && t - d->last_progress < 0.25) return;
  d->last_progress = t;
  double mb = (double)d->stats->bytes / 1e6;
  double rate = t > d->started ? mb / (t - d->started) : 0;
  msg_clear_line = !final;
  fprintf(stderr, "\rwattdb: ingest: %ld files (%ld read, %ld unchanged), %.1f MB, %.1f MB/s%s",
          d->stats->files, d->stats->read, d->stats->unchanged, mb, rate, final ? "\n" : "  ");
}

/* ---- the auxiliary table ---------------------------------------------------- */

struct catalog_row {
  int64_t id;
  long long size, mtime;
  char format[32];
  int parser_version;
  int found;
};

/* A path's catalog row: the SQL of catalog_read, on either connection. */
static const char sql_catalog[] =
    "SELECT id, size, mtime, coalesce(format,''), parser_version FROM source_file WHERE path = ?";

/* Steps ST (sql_catalog, prepared on any connection) for PATH into ROW
 * (found == 0: no such path). 0, or -1 on a database error. */
static int catalog_read(sqlite3_stmt *st, const char *path, struct catalog_row *row) {
  memset(row, 0, sizeof *row);
  sqlite3_bind_text(st, 1, path, -1, SQLITE_STATIC);
  int rc = sqlite3_step(st);
  if (rc == SQLITE_ROW) {
    row->found = 1;
    row->id = sqlite3_column_int64(st, 0);
    row->size = sqlite3_column_int64(st, 1);
    row->mtime = sqlite3_column_int64(st, 2);
    snprintf(row->format, sizeof row->format, "%s", (const char *)sqlite3_column_text(st, 3));
    row->parser_version = sqlite3_column_int(st, 4);
  }
  sqlite3_reset(st);
  return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
}

static int catalog_lookup(struct driver *d, const char *path, struct catalog_row *row) {
  sqlite3_stmt *st = wdb_stmt(d->db, sql_catalog);
  return st ? catalog_read(st, path, row) : -1;
}

/* The file of SIZE bytes (-1: unknown) and MTIME is the one ROW stores, read by
 * the parser version that reads it now, and FORCE (--format) names no other
 * format: it is not read again. */
static int is_unchanged(const struct catalog_row *row, long long size, long long mtime,
                        const struct format *force) {
  if (!row->found || size < 0 || row->size != size || row->mtime != mtime) return 0;
  if (force && strcmp(row->format, force->name) != 0) return 0;
  if (!row->format[0]) return 1; /* unrecognised before, same bytes now */
  const struct format *f = format_by_name(row->format);
  return f && f->version == row->parser_version;
}

/* Moves the rows owned by OLD to the first path that was a duplicate of it, so
 * that replacing OLD's content loses nothing another path still holds. */
static int transfer_duplicates(struct driver *d, int64_t old) {
  static const char sql_heir[] =
      "SELECT min(id) FROM source_file WHERE duplicate_of = ?";
  sqlite3_stmt *st = wdb_stmt(d->db, sql_heir);
  if (!st) return -1;
  sqlite3_bind_int64(st, 1, old);
  int64_t heir = 0;
  if (sqlite3_step(st) == SQLITE_ROW) heir = sqlite3_column_int64(st, 0);
  sqlite3_reset(st);
  if (!heir) return 0;
  /* Every table with a file_id column references source_file. */
  static const char sql_tables[] =
      "SELECT m.name FROM sqlite_schema m, pragma_table_info(m.name) c "
      "WHERE m.type = 'table' AND c.name = 'file_id'";
  sqlite3_stmt *tables = wdb_stmt(d->db, sql_tables);
  if (!tables) return -1;
  int result = 0;
  while (sqlite3_step(tables) == SQLITE_ROW) {
    char *sql = sqlite3_mprintf("UPDATE \"%w\" SET file_id = %lld WHERE file_id = %lld",
                                (const char *)sqlite3_column_text(tables, 0), (long long)heir,
                                (long long)old);
    if (wdb_exec(d->db, sql, "cannot move rows to a duplicate")) result = -1;
    sqlite3_free(sql);
  }
  sqlite3_reset(tables);
  if (result) return -1;
  char *sql = sqlite3_mprintf(
      "UPDATE source_file SET (status, format, format_version, parser_version, time_convention, "
      "run_id, lines, skipped_lines, rows_ok, rows_rejected, error, duplicate_of) = "
      "(SELECT status, format, format_version, parser_version, time_convention, run_id, lines, "
      "skipped_lines, rows_ok, rows_rejected, error, NULL FROM source_file WHERE id = %lld) "
      "WHERE id = %lld; "
      "UPDATE source_file SET duplicate_of = %lld WHERE duplicate_of = %lld AND id <> %lld;",
      (long long)old, (long long)heir, (long long)heir, (long long)old, (long long)heir);
  result = wdb_exec(d->db, sql, "cannot hand rows to a duplicate");
  sqlite3_free(sql);
  return result;
}

/* Prepares D->owned_delete from the schema's foreign keys to source_file, the
 * cascade the connection would do if it enforced them. No table that a file
 * owns is itself the parent of a cascade (the schema's only parents are
 * source_file and run), so one level is the whole cascade. 0, or -1. */
static int owned_tables_prepare(struct driver *d) {
  static const char sql[] =
      "SELECT m.name, f.\"from\" FROM sqlite_schema m, pragma_foreign_key_list(m.name) f"
      " WHERE m.type = 'table' AND f.\"table\" = 'source_file' AND f.on_delete = 'CASCADE'"
      " ORDER BY m.name";
  sqlite3_stmt *st = wdb_stmt(d->db, sql);
  if (!st) return -1;
  int result = 0;
  while (result == 0 && sqlite3_step(st) == SQLITE_ROW) {
    char *del = sqlite3_mprintf("DELETE FROM \"%w\" WHERE \"%w\" = ?1",
                                (const char *)sqlite3_column_text(st, 0),
                                (const char *)sqlite3_column_text(st, 1));
    sqlite3_stmt *prepared = NULL;
    if (!del || sqlite3_prepare_v2(d->db->sql, del, -1, &prepared, NULL) != SQLITE_OK) {
      msg("%s: cannot prepare statement: %s", d->db->path, sqlite3_errmsg(d->db->sql));
      result = -1;
    } else {
      d->owned_delete = xrealloc(d->owned_delete, (size_t)(d->n_owned + 1) * sizeof *d->owned_delete);
      d->owned_delete[d->n_owned++] = prepared;
    }
    sqlite3_free(del);
  }
  sqlite3_reset(st);
  return result;
}

static void owned_tables_free(struct driver *d) {
  for (int i = 0; i < d->n_owned; i++) sqlite3_finalize(d->owned_delete[i]);
  free(d->owned_delete);
}

/* Deletes the rows file FILE owns, in every table of owned_tables_prepare. */
static int owned_rows_delete(struct driver *d, int64_t file) {
  if (!d->owned_ready) {
    if (owned_tables_prepare(d)) return -1;
    d->owned_ready = 1;
  }
  for (int i = 0; i < d->n_owned; i++) {
    sqlite3_stmt *st = d->owned_delete[i];
    sqlite3_bind_int64(st, 1, file);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc != SQLITE_DONE) {
      msg("%s: cannot delete the rows of a changed file: %s", d->db->path, sqlite3_errmsg(d->db->sql));
      return -1;
    }
  }
  return 0;
}

/* Replaces PATH's source_file row with a fresh one; returns its id, or -1. */
static int64_t catalog_claim(struct driver *d, const struct catalog_row *row, const struct readahead_file *s) {
  if (row->found) {
    if (transfer_duplicates(d, row->id) || owned_rows_delete(d, row->id)) return -1;
    static const char sql_del[] = "DELETE FROM source_file WHERE id = ?";
    sqlite3_stmt *st = wdb_stmt(d->db, sql_del);
    if (!st) return -1;
    sqlite3_bind_int64(st, 1, row->id);
    if (wdb_done(d->db, st)) return -1;
  }
  static const char sql_ins[] =
      "INSERT INTO source_file(path, size, mtime, status, ingested_at) "
      "VALUES (?, ?, ?, 'rejected', strftime('%Y-%m-%dT%H:%M:%SZ','now'))";
  sqlite3_stmt *st = wdb_stmt(d->db, sql_ins);
  if (!st) return -1;
  sqlite3_bind_text(st, 1, s->path, -1, SQLITE_STATIC);
  sqlite3_bind_int64(st, 2, s->size);
  sqlite3_bind_int64(st, 3, s->mtime);
  if (wdb_done(d->db, st)) return -1;
  return sqlite3_last_insert_rowid(d->db->sql);
}

static int64_t catalog_run_id(struct driver *d, const struct run_key *k) {
  static const char sql_ins[] =
      "INSERT OR IGNORE INTO run(environment, architecture, dataset, stamp) VALUES (?,?,?,?)";
  static const char sql_sel[] =
      "SELECT id FROM run WHERE environment=? AND architecture=? AND dataset=? AND stamp=?";
  const char *sqls[2] = {sql_ins, sql_sel};
  int64_t id = -1;
  for (int i = 0; i < 2; i++) {
    sqlite3_stmt *st = wdb_stmt(d->db, sqls[i]);
    if (!st) return -1;
    sqlite3_bind_text(st, 1, k->environment, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, k->architecture, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, k->dataset, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, k->stamp, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) id = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) return -1;
  }
  return id;
}

/* The path already storing these bytes, 0 when none, -1 on a database error
 * (printed). */
static int64_t catalog_same_content(struct driver *d, const char *sha, int64_t self) {
  static const char sql[] =
      "SELECT id FROM source_file WHERE sha256 = ? AND id <> ? AND duplicate_of IS NULL "
      "AND status IN ('ok','partial') ORDER BY id LIMIT 1";
  sqlite3_stmt *st = wdb_stmt(d->db, sql);
  if (!st) return -1;
  sqlite3_bind_text(st, 1, sha, -1, SQLITE_STATIC);
  sqlite3_bind_int64(st, 2, self);
  int64_t id = 0;
  int rc = sqlite3_step(st);
  if (rc == SQLITE_ROW) id = sqlite3_column_int64(st, 0);
  sqlite3_reset(st);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
    msg("%s: cannot look for a duplicate: %s", d->db->path, sqlite3_errmsg(d->db->sql));
    return -1;
  }
  return id;
}

static int catalog_finish(struct driver *d, const char *status, const char *sha, int64_t dup_of,
                          const char *error, long long size) {
  static const char sql[] =
      "UPDATE source_file SET size=?, sha256=?, format=?, format_version=?, parser_version=?, "
      "time_convention=?, status=?, duplicate_of=?, run_id=?, lines=?, skipped_lines=?, rows_ok=?, "
      "rows_rejected=?, error=? WHERE id=?";
  struct parse *p = &d->parse;
  const struct format *f = p->priv->format;
  sqlite3_stmt *st = wdb_stmt(d->db, sql);
  if (!st) return -1;
  sqlite3_bind_int64(st, 1, size);
  if (sha) sqlite3_bind_text(st, 2, sha, -1, SQLITE_STATIC);
  if (f) {
    sqlite3_bind_text(st, 3, f->name, -1, SQLITE_STATIC);
    if (p->format_version[0]) sqlite3_bind_text(st, 4, p->format_version, -1, SQLITE_STATIC);
    if (f->time_convention) sqlite3_bind_text(st, 6, f->time_convention, -1, SQLITE_STATIC);
  }
  sqlite3_bind_int(st, 5, f ? f->version : 0); /* NOT NULL: 0 when no format took the file */
  sqlite3_bind_text(st, 7, status, -1, SQLITE_STATIC);
  if (dup_of > 0) sqlite3_bind_int64(st, 8, dup_of);
  if (d->run.valid && d->run_id > 0) sqlite3_bind_int64(st, 9, d->run_id);
  sqlite3_bind_int64(st, 10, d->n_lines);
  sqlite3_bind_int64(st, 11, d->n_skipped);
  sqlite3_bind_int64(st, 12, d->n_ok);
  sqlite3_bind_int64(st, 13, d->n_rejected);
  if (error && *error) sqlite3_bind_text(st, 14, error, -1, SQLITE_STATIC);
  sqlite3_bind_int64(st, 15, p->file_id);
  return wdb_done(d->db, st);
}

/* ---- lines ------------------------------------------------------------------ */

static int blank(const struct line *ln) {
  for (size_t i = 0; i < ln->len; i++)
    if (ln->text[i] != ' ' && ln->text[i] != '\t' && ln->text[i] != ',') return 0;
  return 1;
}

/* Takes the lines of an opaque file (format.h): none of them is a line of a log. */
static int line_sink_none(void *ctx, const struct line *ln) {
  (void)ctx;
  (void)ln;
  return 0;
}

/* Counts lines of a file no parser takes. */
static int line_sink_count(void *ctx, const struct line *ln) {
  struct driver *d = ctx;
  d->n_lines++;
  if (blank(ln)) d->n_skipped++;
  else d->n_rejected++;
  return 0;
}

/* The file's format's reading of LN: its line(), or for a declared CSV format
 * (ingest/csvtable.h) csv_table_line(). */
static enum line_verdict format_line(struct parse *p, const struct line *ln) {
  const struct format *f = p->priv->format;
  return f->table ? csv_table_line(p, ln, f->table, p->state) : f->line(p, ln);
}

/* A line that the input ended inside: a header or comment written whole but
 * for its newline is taken (the parser skips it); anything else is rejected as
 * torn, and what the parser stored of it is rolled back. */
static enum line_verdict parse_torn(struct driver *d, const struct line *ln) {
  struct parse *p = &d->parse;
  /* the rows of the lines before it are stored outside the savepoint */
  if (batches_flush(&p->priv->batches) || wdb_exec(d->db, "SAVEPOINT torn_line", "savepoint"))
    return LINE_FATAL;
  /* What the parser says of a torn line is not shown: it is rejected as torn. */
  long printed = p->priv->rejects_printed;
  char first_error[sizeof p->priv->first_row_error];
  memcpy(first_error, p->priv->first_row_error, sizeof first_error);
  p->priv->rejects_printed = LONG_MAX / 2; /* past max_printed: nothing printed */
  enum line_verdict v = format_line(p, ln);
  p->priv->rejects_printed = printed;
  if (v == LINE_SKIPPED || v == LINE_FATAL || v == LINE_REFUSE_FILE)
    return wdb_exec(d->db, "RELEASE torn_line", "savepoint") ? LINE_FATAL : v;
  memcpy(p->priv->first_row_error, first_error, sizeof first_error);
  batches_discard(&p->priv->batches); /* what it gathered of the torn line */
  if (wdb_exec(d->db, "ROLLBACK TO torn_line; RELEASE torn_line", "savepoint")) return LINE_FATAL;
  d->n_torn++;
  return parse_reject(p, ln, 0, "truncated",
                      "last line has no end of line (the logger was stopped while writing it)");
}

/* A parser's insert broke a constraint of its table (a key the file repeats):
 * the file is refused, the ingest goes on. Other database errors stop it. */
static int is_constraint_error(struct driver *d) {
  const struct batches *b = &d->parse.priv->batches;
  if (b->error.code) return batches_failed_on_constraint(b);
  return (sqlite3_extended_errcode(d->db->sql) & 0xff) == SQLITE_CONSTRAINT;
}

/* The database's message for the error that stopped a line or the file. */
static const char *store_error_text(struct driver *d) {
  const struct batches *b = &d->parse.priv->batches;
  return b->error.code ? batches_error_text(b) : sqlite3_errmsg(d->db->sql);
}

/* Hands one line to the parser and counts the verdict. Nonzero stops the file:
 * a database error. */
static int line_sink_parse(void *ctx, const struct line *ln) {
  struct driver *d = ctx;
  struct parse *p = &d->parse;
  d->n_lines++;
  enum line_verdict v;
  struct line after_nuls;
  if (p->leading_nuls_separate && ln->len && ln->text[0] == '\0') {
    after_nuls = *ln;
    while (after_nuls.len && after_nuls.text[0] == '\0') {
      after_nuls.text++;
      after_nuls.len--;
    }
    ln = &after_nuls;
  }
  const char *nul = memchr(ln->text, '\0', ln->len);
  if (ln->overlong) {
    v = parse_reject(p, ln, 0, "line_too_long", "line longer than %d bytes", LINE_MAX_BYTES);
  } else if (nul) {
    v = parse_reject(p, ln, 0, "nul_byte",
                     "a NUL byte at byte %zu of the line: not text a logger writes",
                     (size_t)(nul - ln->text) + 1);
  } else if (ln->torn && !p->priv->format->keeps_unterminated_tail) {
    v = parse_torn(d, ln);
  } else if (blank(ln)) {
    v = LINE_SKIPPED;
  } else {
    v = format_line(p, ln);
  }
  if (v == LINE_FATAL && is_constraint_error(d)) {
    int64_t at = batches_failed_line(&p->priv->batches); /* a line gathered before this one */
    parse_fail(p, "line %lld cannot be stored: %s", at ? (long long)at : (long long)ln->number,
               store_error_text(d));
    v = LINE_REFUSE_FILE;
  }
  switch (v) {
  case LINE_STORED: d->n_ok++; break;
  case LINE_REJECTED: d->n_rejected++; break;
  case LINE_SKIPPED: d->n_skipped++; break;
  case LINE_REFUSE_FILE:
    /* Count the rest of the file without parsing it; its rows are rolled back. */
    d->refused = 1;
    d->sink = line_sink_count;
    d->n_lines--;
    return line_sink_count(ctx, ln);
  case LINE_FATAL: return -1;
  }
  return 0;
}

/* ---- one file --------------------------------------------------------------- */

/* The rejected_row rows of file FILE_ID so far, or -1 (printed). */
static long long file_rejected_rows(struct driver *d, int64_t file_id) {
  static const char sql[] = "SELECT count(*) FROM rejected_row WHERE file_id = ?";
  sqlite3_stmt *st = wdb_stmt(d->db, sql);
  if (!st) return -1;
  sqlite3_bind_int64(st, 1, file_id);
  long long n = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
  sqlite3_reset(st);
  if (n < 0) msg("%s: %s", d->db->path, sqlite3_errmsg(d->db->sql));
  return n;
}



static void hex_digest(const unsigned char digest[32], char out[65]) {
  for (int i = 0; i < 32; i++) snprintf(out + 2 * i, 3, "%02x", digest[i]);
}

/* ---- the reading thread's batches --------------------------------------------- */

/* Takes the next batch: prints the messages that came before it. */
static const struct readahead_batch *next_batch(struct driver *d) {
  const struct readahead_batch *b = d->batch = readahead_next(d->ra);
  for (const char *m = b->notes; *m;) {
    const char *nl = strchr(m, '\n');
    msg("%.*s", (int)(nl - m), m);
    m = nl + 1;
  }
  d->stats->bytes += b->bytes;
  return b;
}

/* Hands the current file's lines to d->sink, batch after batch, up to the
 * batch of its end. Returns 0, or the sink's nonzero value. */
static int feed_lines(struct driver *d) {
  for (;;) {
    const struct readahead_batch *b = d->batch;
    for (size_t i = 0; i < b->nlines; i++) {
      int rc = d->sink(d, &b->lines[i]);
      if (rc) return rc;
    }
    if (b->has_end) return 0;
    next_batch(d);
    progress(d, 0);
  }
}

/* Passes over the current file's batches, up to the batch of its end. */
static void pass_file(struct driver *d) {
  while (!d->batch->has_end) next_batch(d);
}

/* The current batch's file into d->file, its strings copied: they outlive
 * the batch. */
static void take_file(struct driver *d) {
  const struct readahead_file *f = &d->batch->file;
  size_t lp = strlen(f->path) + 1, lf = strlen(f->fullpath) + 1, ln = strlen(f->name) + 1;
  if (lp + lf + ln > d->names_cap) {
    d->names_cap = 2 * (lp + lf + ln);
    d->names = xrealloc(d->names, d->names_cap);
  }
  d->file = *f;
  d->file.path = memcpy(d->names, f->path, lp);
  d->file.fullpath = memcpy(d->names + lp, f->fullpath, lf);
  d->file.name = memcpy(d->names + lp + lf, f->name, ln);
}

static void reset_file_state(struct driver *d) {
  struct parse *p = &d->parse;
  p->priv->format = NULL;
  p->file_id = 0;
  d->run_id = 0;
  p->format_version[0] = p->priv->error[0] = p->priv->first_row_error[0] = '\0';
  p->leading_nuls_separate = 0;
  p->priv->rejects_printed = 0;
  d->n_lines = d->n_skipped = d->n_ok = d->n_rejected = d->n_torn = 0;
  d->refused = 0;
  batches_discard(&p->priv->batches); /* a failure of the file before */
}

/* A database error while storing the file at PATH (printed where it
 * happened): the file's transaction is undone and the ingest stops. */
static int rollback(struct driver *d, const char *path) {
  batches_discard(&d->parse.priv->batches);
  if (!sqlite3_get_autocommit(d->db->sql)) sqlite3_exec(d->db->sql, "ROLLBACK", NULL, NULL, NULL);
  msg("%s: not stored, the database could not be written (see above); the files before it "
      "are stored: run the same command again to go on", path);
  return -1;
}

/* A file the reading thread found unchanged (want_file): not read, whatever
 * a second look would say, since only another process can have changed its
 * row since, and the next ingest reads it. */
static void unread_file(struct driver *d, const struct readahead_file *f) {
  d->stats->files++;
  d->stats->unchanged++;
  if (d->opt->on_file) d->opt->on_file(d->opt->on_file_ctx, f->path, "unchanged");
  progress(d, 0);
}

/* Ingests the file whose start is the current batch, through the batch of its
 * end. Returns 0, or -1 on a fatal database error. */
static int ingest_file(struct driver *d) {
  struct parse *p = &d->parse;
  struct ingest_stats *stats = d->stats;
  reset_file_state(d);
  take_file(d);
  const struct readahead_file *s = &d->file;
  stats->files++;
  /* The store thread starts with the first file read, so that a run with
   * nothing to read does not wait for a thread to start and stop. */
  if (!d->store_started && !d->opt->store_inline) {
    batches_start(&d->parse_priv.batches, d->db);
    d->store_started = 1;
  }
  /* Looked up before and again inside the write transaction: another ingest of
   * the same files may have stored this one while we waited for the lock. */
  struct catalog_row row = {0};
  for (int locked = 0; locked < 2; locked++) {
    if (catalog_lookup(d, s->path, &row)) return rollback(d, s->path);
    if (is_unchanged(&row, s->size, s->mtime, d->opt->force_format)) {
      if (locked && wdb_exec(d->db, "COMMIT", "cannot commit")) return rollback(d, s->path);
      stats->unchanged++;
      if (d->opt->on_file) d->opt->on_file(d->opt->on_file_ctx, s->path, "unchanged");
      pass_file(d);
      progress(d, 0);
      return 0;
    }
    if (!locked && (wdb_write_ahead(d->db) || wdb_exec(d->db, "BEGIN IMMEDIATE", "cannot start a transaction")))
      return rollback(d, s->path);
  }
  p->path = s->path;
  p->name = s->name;
  run_key_from_path(s->fullpath, s->path, &d->run);
  const struct format *f = s->format;

  p->file_id = catalog_claim(d, &row, s);
  if (p->file_id < 0) return rollback(d, s->path);
  if (d->run.valid && (d->run_id = catalog_run_id(d, &d->run)) < 0) return rollback(d, s->path);
  if (wdb_exec(d->db, "SAVEPOINT file_rows", "savepoint")) return rollback(d, s->path);

  p->priv->format = f;
  int file_ok = f != NULL;
  if (!f) parse_fail(p, "unrecognised format");
  if (f) {
    size_t state_size = f->table ? sizeof(struct csv_table_state) : f->state_size;
    if (state_size) {
      p->state = xrealloc(p->state, state_size);
      memset(p->state, 0, state_size);
    }
    if (f->open && f->open(p)) file_ok = 0;
  }
  d->sink = !file_ok ? line_sink_count : f->opaque ? line_sink_none : line_sink_parse;
  if (feed_lines(d)) return rollback(d, s->path); /* a database error inside the parser */
  const struct readahead_end *end = &d->batch->end;
  int read_failed = end->read_failed;
  if (d->refused) file_ok = 0;
  /* the rows still gathered, before anything reads the file's rows */
  if (!file_ok) {
    batches_discard(&p->priv->batches);
  } else if (batches_flush(&p->priv->batches)) {
    if (!is_constraint_error(d)) return rollback(d, s->path);
    parse_fail(p, "line %lld cannot be stored: %s", (long long)batches_failed_line(&p->priv->batches),
               store_error_text(d));
    file_ok = 0;
  }
  if (file_ok && f->close) {
    /* lines close() rejects were counted as skipped; they end a record the
     * file ends inside, a stopped logger's end as a torn last line is
     * (format.h). Counted in the table, so that a line rejected twice (by
     * line() and again by close()) stays one rejected line. */
    long long before = file_rejected_rows(d, p->file_id);
    if (before < 0) return rollback(d, s->path);
    if (f->close(p)) file_ok = 0;
    long long after = file_rejected_rows(d, p->file_id);
    if (after < 0) return rollback(d, s->path);
    d->n_rejected += after - before;
    d->n_skipped -= after - before;
    d->n_torn += after - before;
  }
  if (read_failed) {
    file_ok = 0;
    parse_fail(p, "read error (see above)");
  }

  char sha[65];
  hex_digest(end->sha256, sha);
  /* The size the next run compares with the listing's: the bytes hashed (the
   * listing's unless the file grew while read); after a read error none, so
   * that the file is never taken as unchanged. */
  long long size = read_failed ? -1 : end->size;
  const char *status = d->n_rejected ? "partial" : "ok";
  int64_t dup = 0;
  if (file_ok && (dup = catalog_same_content(d, sha, p->file_id)) < 0) return rollback(d, s->path);
  if (!file_ok || dup || d->opt->discard_rows) {
    if (wdb_exec(d->db, "ROLLBACK TO file_rows", "rollback")) return rollback(d, s->path);
  }
  if (!file_ok) {
    /* Refused whole: its lines are counted in `lines`, none of them as a row
     * stored or a row rejected (no rejected_row stands for them). */
    status = "rejected";
    d->n_rejected = d->n_ok = 0;
    msg("%s: file rejected: %s", s->path, p->priv->error);
    stats->rejected_files++;
    if (!f) stats->unrecognised++;
  } else if (dup) {
    status = "duplicate";
    stats->duplicates++;
  } else {
    stats->read++;
    stats->rows_ok += d->n_ok;
    stats->rows_rejected += d->n_rejected;
    stats->rows_torn += d->n_torn;
    if (d->n_rejected) stats->partial_files++;
  }
  if (catalog_finish(d, status, read_failed ? NULL : sha, dup, file_ok ? p->priv->first_row_error : p->priv->error,
                     size) ||
      wdb_exec(d->db, "RELEASE file_rows; COMMIT", "cannot commit"))
    return rollback(d, s->path);
  if (d->opt->on_file) d->opt->on_file(d->opt->on_file_ctx, s->path, status);
  progress(d, 0);
  return 0;
}

/* ---- the reading thread's side ------------------------------------------------ */

/* Whether the reading thread reads S (readahead_config.want): not when the
 * catalog, as committed now, has it unchanged. Any doubt (no connection, an
 * error) reads it, and the driver decides. */
static int want_file(void *ctx, const struct source *s) {
  struct peek *k = ctx;
  struct catalog_row row = {0};
  struct known_file known;
  if (k->known_loaded) {
    if ((row.found = known_files_find(&k->known, s->path, &known))) {
      row.size = known.size;
      row.mtime = known.mtime;
      snprintf(row.format, sizeof row.format, "%s", known.format);
      row.parser_version = known.parser_version;
    }
  } else if (!k->lookup || catalog_read(k->lookup, s->path, &row)) {
    return 1;
  }
  return !is_unchanged(&row, s->size, s->mtime, k->force_format);
}

/* Gives K what the reading thread looks files up in: the catalog of DB in
 * memory when it holds at most MAX files (0: KNOWN_FILES_MAX), else a
 * read-only connection of its own; without either (a database in memory, an
 * error) every file is read. Returns -1 on a database error (printed). */
static int peek_open(struct peek *k, struct wdb *db, long max) {
  int loaded = known_files_load(&k->known, db, max ? max : KNOWN_FILES_MAX);
  if (loaded < 0) return -1;
  if ((k->known_loaded = loaded)) return 0;
  if (sqlite3_open_v2(db->path, &k->sql, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK ||
      sqlite3_prepare_v2(k->sql, sql_catalog, -1, &k->lookup, NULL) != SQLITE_OK)
    k->lookup = NULL;
  return 0;
}

static void peek_close(struct peek *k) {
  known_files_free(&k->known);
  sqlite3_finalize(k->lookup);
  sqlite3_close(k->sql);
}

/* Leaves out the database file itself and its journals when they lie inside an
 * input tree: the files that are one of them (by device and inode, whatever
 * the name they are reached by), and a NAME-wal, NAME-shm or NAME-journal
 * beside a NAME that is the database. By the walk's own stat() of the file. */
static int skip_own_files(void *ctx, const char *fullpath, const struct stat *file) {
  const struct peek *k = ctx;
  if (!k->n_own) return 0;
  for (int i = 0; i < k->n_own; i++)
    if (file->st_dev == k->own_dev[i] && file->st_ino == k->own_ino[i]) return 1;
  struct stat st;
  static const char *const journals[] = {"-wal", "-shm", "-journal"};
  size_t n = strlen(fullpath);
  for (int j = 0; j < 3; j++) {
    size_t m = strlen(journals[j]);
    if (n <= m || n - m >= PATH_MAX || strcmp(fullpath + n - m, journals[j]) != 0) continue;
    char stem[PATH_MAX];
    memcpy(stem, fullpath, n - m);
    stem[n - m] = '\0';
    return stat(stem, &st) == 0 && st.st_dev == k->own_dev[0] && st.st_ino == k->own_ino[0];
  }
  return 0;
}

/* Records the database at PATH and its journals that exist now in K. */
static void own_files(struct peek *k, const char *path) {
  static const char *const suffixes[] = {"", "-wal", "-shm", "-journal"};
  k->n_own = 0;
  for (int j = 0; j < 4; j++) {
    char name[PATH_MAX];
    struct stat st;
    if (snprintf(name, sizeof name, "%s%s", path, suffixes[j]) >= (int)sizeof name || stat(name, &st) != 0) {
      if (j == 0) return; /* no database file (in memory): nothing of it can be walked */
      continue;
    }
    k->own_dev[k->n_own] = st.st_dev;
    k->own_ino[k->n_own] = st.st_ino;
    k->n_own++;
  }
}

int ingest_paths(struct wdb *db, char *const *roots, int n, const struct ingest_options *opt,
                 struct ingest_stats *stats) {
  struct driver d;
  memset(&d, 0, sizeof d);
  memset(stats, 0, sizeof *stats);
  d.db = db;
  d.opt = opt;
  d.stats = stats;
  d.parse.db = db;
  d.parse.priv = &d.parse_priv;
  d.parse.options = opt;
  d.parse_priv.max_printed = opt->max_printed;
  d.started = d.last_progress = now_seconds();
  d.block_hooks.max_block = opt->block_size;
  struct peek peek = {.force_format = opt->force_format};
  own_files(&peek, db->path);
  struct readahead_config config = {
      .hooks = opt->source_hooks ? opt->source_hooks : opt->block_size ? &d.block_hooks : NULL,
      .force_format = opt->force_format,
      .want = want_file,
      .skip = skip_own_files,
      .ctx = &peek,
  };
  /* Outside any transaction, where the pragma takes effect; restored below. */
  int enforced = wdb_int(db, "PRAGMA foreign_keys", 0) == 1;
  if (enforced && wdb_exec(db, "PRAGMA foreign_keys=OFF", "cannot configure")) d.fatal = 1;
  sqlite3_int64 cache = 0;
  int cache_set = 0; /* INGEST_PRAGMAS applied: CACHE to restore, whatever its value */
  if (!d.fatal) {
    if (wdb_int_checked(db, "PRAGMA cache_size", 0, &cache, "cannot configure") ||
        wdb_exec(db, INGEST_PRAGMAS, "cannot configure"))
      d.fatal = 1;
    else
      cache_set = 1;
  }
  if (!d.fatal && (batches_register(db) || peek_open(&peek, db, opt->known_files_max))) d.fatal = 1;
  d.ra = d.fatal ? NULL : readahead_start(roots, n, &config);
  if (!d.ra) d.fatal = 1;
  for (const struct readahead_batch *b = d.ra ? next_batch(&d) : NULL; b; b = next_batch(&d)) {
    for (size_t i = 0; i < b->nunread; i++) unread_file(&d, &b->unread[i]);
    if (b->has_file) {
      if (ingest_file(&d)) {
        d.fatal = 1;
        break;
      }
      if (d.opt->after_file) d.opt->after_file(d.stats->files);
      b = d.batch; /* the batch of the file's end */
    }
    if (b->root_done && b->root_status < 0) stats->input_errors++;
    if (b->walk_done) break;
  }
  readahead_stop(d.ra);
  peek_close(&peek);
  owned_tables_free(&d);
  if (enforced && wdb_exec(db, "PRAGMA foreign_keys=ON", "cannot configure")) d.fatal = 1;
  if (cache_set) {
    char restore[64];
    snprintf(restore, sizeof restore, "PRAGMA cache_size=%lld", (long long)cache);
    if (wdb_exec(db, restore, "cannot configure")) d.fatal = 1;
  }
  progress(&d, 1);
  free(d.names);
  free(d.parse.state);
  parse_private_free(&d.parse);
  return d.fatal ? -1 : 0;
}
