/* ingest/ingest.h: reads raw files into the database, one transaction per file. */
#ifndef WATTDB_INGEST_H
#define WATTDB_INGEST_H

#include <stddef.h>

#include "schema/db.h"

/* The connection's page cache while ingest_paths() runs, restored after: 16
 * MiB (SQLite's default is 2 MB). A large file's transaction spills the pages
 * it holds dirty into the WAL when the cache is full, and a page spilled
 * before its rows are all written is written again. */
#define INGEST_PRAGMAS "PRAGMA cache_size=-16384"

struct format;
struct source_hooks;

struct ingest_options {
  const struct format *force_format; /* --format: skip the bidding */
  int progress;                      /* print a progress line (stderr is a terminal) */
  int max_printed;                   /* rejected lines printed per file */
  /* Test hook: called after every file's transaction has been committed (or
   * rolled back) with the number of files handled so far. */
  void (*after_file)(long files_done);
  /* Test knob: the bytes of every file are handed on in blocks of at most this
   * size (0: as the source reads them), to show block boundaries change nothing. */
  size_t block_size;
  /* Test knob: faults and block sizes of the byte sources (source.h); when set,
   * block_size is not used. Its before_read is called in the reading thread
   * (readahead.h), while after_file and on_file are called in the driver's. */
  const struct source_hooks *source_hooks;
  /* Dry run (ingest --dry-run, into a throwaway database): each file is read
   * and parsed, its source_file row written, its raw and rejected rows rolled
   * back, so that memory does not grow with the data. */
  int discard_rows;
  /* Called once per file visited, after its transaction, with its path and
   * what became of it: "unchanged" (not read), or the status it was stored
   * with ("ok", "partial", "duplicate", "rejected"). */
  void (*on_file)(void *ctx, const char *path, const char *outcome);
  void *on_file_ctx;
  /* The --query-gpu field list of headerless nvidia-smi files ("timestamp,
   * power.draw"); NULL: such a file is not recognised. The command line takes
   * it from WATTDB_NVIDIA_SMI_FIELDS. */
  const char *nvidia_smi_fields;
  /* Store each full batch of rows in the parsing thread, as it fills, instead
   * of in the store thread (ingest/store.h): one core. The command line sets
   * it when WATTDB_STORE_THREAD=0. */
  int store_inline;
  /* Test knob: the most files of the catalog the reading thread holds in
   * memory to leave unchanged files unread (0: KNOWN_FILES_MAX, ingest/
   * known_files.h); beyond, it looks them up through a connection of its own. */
  long known_files_max;
};

struct ingest_stats {
  long files;          /* files visited */
  long unchanged;      /* skipped: same size, mtime and parser version */
  long read;           /* read and stored (ok or partial) */
  long duplicates;     /* read, but the same bytes were already stored under another path */
  long rejected_files; /* refused whole */
  long partial_files;  /* stored with some lines rejected */
  long unrecognised;    /* of rejected_files: no format recognised them */
  long long rows_ok, rows_rejected;
  long long rows_torn; /* of rows_rejected: torn last lines, a stopped logger's normal end */
  long long bytes;     /* bytes read */
  int input_errors;    /* roots or archives that could not be read */
};

/* Ingests every file under each of the N roots. Returns 0, or -1 on a fatal
 * database error (the file being read is rolled back; files already committed
 * stay). Input errors and rejected files are counted in *stats, not fatal. */
int ingest_paths(struct wdb *db, char *const *roots, int n, const struct ingest_options *opt,
                 struct ingest_stats *stats);

#endif
