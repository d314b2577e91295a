/* ingest/known_files.h: the catalog (source_file) as it stood when an ingest
 * began, held in memory: path, size, mtime, format and parser version of every
 * file stored before. The reading thread looks a file up here to leave it
 * unread when it is unchanged, instead of through a database connection of its
 * own, whose schema SQLite would parse again (milliseconds) at every start.
 *
 * Loaded before the threads start and only read after, so any thread may look
 * up. A file stored during the ingest is not in it: the reading thread then
 * reads it, and the driver, which looks up in the database, decides. */
#ifndef WATTDB_INGEST_KNOWN_FILES_H
#define WATTDB_INGEST_KNOWN_FILES_H

#include <stddef.h>
#include <stdint.h>

#include "schema/db.h"

/* The most files held (about 120 bytes each, so some 8 MB): a larger catalog is
 * looked up in the database instead, so that memory does not grow with it. */
#define KNOWN_FILES_MAX 65536

struct known_file {
  long long size, mtime;
  const char *format; /* "" when no format recognised the file */
  int parser_version;
};

/* All zero bytes is an empty table. */
struct known_files {
  struct known_entry *entry;
  size_t n;
  uint32_t *slot; /* open addressing: 1 + index into entry[], 0 empty */
  size_t nslots;  /* a power of two, at least twice n */
  char *text;     /* the paths and formats, each ended by a NUL */
  size_t text_used, text_cap;
};

/* Loads every row of source_file through DB into K (empty) when there are at
 * most MAX of them. Returns 1 when loaded; 0 when there are more (K stays
 * empty: look up in the database); -1 on a database error (printed). */
int known_files_load(struct known_files *k, struct wdb *db, long max);

/* Fills *OUT with the row of PATH and returns 1, or returns 0 when PATH was not
 * in the catalog. OUT's format lives as long as K. */
int known_files_find(const struct known_files *k, const char *path, struct known_file *out);

void known_files_free(struct known_files *k);

#endif
