/* ingest/readahead.h: the ingest's reading thread, ahead of the thread that
 * parses and stores.
 *
 * The reading thread walks the inputs (source.h) and, for every file that must
 * be read, reads it (inflating an archive member), hashes it (SHA-256), lets
 * the formats bid on its first bytes and cuts it into lines (lines.h). What it
 * finds reaches the driver in batches through a ring of READAHEAD_SLOTS of
 * them, in the order of the walk: messages, the start of a file, its lines, its
 * end; the files config.want leaves unread come many to a batch, as a list.
 * Memory is bounded (a batch holds about READAHEAD_BATCH_BYTES of text, or
 * one line of up to LINE_MAX_BYTES), whatever the size of the input. The
 * reading thread never prints and never writes the database: its messages come
 * with the batches, printed by the driver where they fall in the walk. */
#ifndef WATTDB_READAHEAD_H
#define WATTDB_READAHEAD_H

#include <stddef.h>

#include "ingest/lines.h"
#include "ingest/source.h"

#define READAHEAD_SLOTS 4
#define READAHEAD_BATCH_BYTES (128 * 1024)
/* The first bytes of a file the formats bid on. */
#define READAHEAD_SNIFF_BYTES (64 * 1024)

struct format;

struct readahead_config {
  const struct source_hooks *hooks; /* test hooks of the walk, NULL in normal use */
  const struct format *force_format; /* --format: no bidding */
  /* Called in the reading thread for every file: nonzero when it must be read.
   * A file it leaves unread comes in a batch's `unread` list. */
  int (*want)(void *ctx, const struct source *s);
  /* Called in the reading thread: nonzero leaves the file out of the walk. */
  source_skip skip;
  void *ctx;
};

/* The start of a file. The strings stay valid until the next readahead_next. */
struct readahead_file {
  const char *path, *fullpath, *name; /* as struct source's */
  long long size, mtime;
  const struct format *format;        /* the highest bidder (or force_format), NULL: none;
                                         NULL for an unread file */
};

/* The end of a file. */
struct readahead_end {
  int read_failed;                    /* a read error (its message came before) */
  unsigned char sha256[32];           /* of every byte read */
  long long size;                     /* bytes read */
};

/* One batch, in this order: notes, files left unread, the start of a file,
 * lines of the current file, its end, the end of a root. */
struct readahead_batch {
  const char *notes;      /* messages of the walk, each ended by '\n', NUL-terminated */
  const struct readahead_file *unread; /* files config.want said no to, in the
                                          walk's order: no lines, no end */
  size_t nunread;
  int has_file;
  struct readahead_file file;
  const struct line *lines;
  size_t nlines;
  int has_end;
  struct readahead_end end;
  int root_done;          /* the walk of a root ended, with source_walk's */
  int root_status;        /* result */
  int walk_done;          /* nothing follows */
  long long bytes;        /* input bytes read for this batch */
};

struct readahead;

/* Starts the reading thread on ROOTS[0..N). CONFIG must outlive it. NULL when
 * the thread cannot be started (printed). */
struct readahead *readahead_start(char *const *roots, int n, const struct readahead_config *config);

/* The next batch; the previous one is given back (its strings and lines are
 * no longer valid). Blocks until the reading thread has it. After the batch
 * with walk_done set, returns it again. */
const struct readahead_batch *readahead_next(struct readahead *ra);

/* Stops the reading thread wherever it is, waits for it and frees RA. */
void readahead_stop(struct readahead *ra);

#endif
