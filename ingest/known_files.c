/* ingest/known_files.c: the catalog in memory of known_files.h: one query over
 * source_file, the texts one after another in one buffer, and a hash table
 * (FNV-1a, linear probing) of the paths. Allocations grow by doubling, not per
 * row. */
#include "ingest/known_files.h"

#include <stdlib.h>
#include <string.h>

#include "common/fnv1a.h"
#include "common/msg.h"

struct known_entry {
  uint64_t hash;
  size_t path, format; /* offsets into text */
  long long size, mtime;
  int parser_version;
};

/* Appends TEXT and its NUL to K's text; returns its offset. */
static size_t keep_text(struct known_files *k, const char *text) {
  size_t n = strlen(text) + 1;
  if (k->text_used + n > k->text_cap) {
    size_t cap = k->text_cap ? k->text_cap : 4096;
    while (cap < k->text_used + n) cap *= 2;
    k->text = xrealloc(k->text, cap);
    k->text_cap = cap;
  }
  memcpy(k->text + k->text_used, text, n);
  k->text_used += n;
  return k->text_used - n;
}

static void index_entries(struct known_files *k) {
  k->nslots = 16;
  while (k->nslots < 2 * k->n) k->nslots *= 2;
  k->slot = xrealloc(NULL, k->nslots * sizeof *k->slot);
  memset(k->slot, 0, k->nslots * sizeof *k->slot);
  for (size_t i = 0; i < k->n; i++) {
    size_t s = k->entry[i].hash & (k->nslots - 1);
    while (k->slot[s]) s = (s + 1) & (k->nslots - 1);
    k->slot[s] = (uint32_t)(i + 1);
  }
}

int known_files_load(struct known_files *k, struct wdb *db, long max) {
  _Static_assert(KNOWN_FILES_MAX < UINT32_MAX, "slots hold 1 + an index in 32 bits");
  if (max > KNOWN_FILES_MAX) max = KNOWN_FILES_MAX;
  sqlite3_int64 count;
  if (wdb_int_checked(db, "SELECT count(*) FROM source_file", 0, &count, "cannot read the catalog")) return -1;
  if (count > max) return 0;
  static const char sql_all[] =
      "SELECT path, size, mtime, coalesce(format,''), parser_version FROM source_file";
  sqlite3_stmt *st = wdb_stmt(db, sql_all);
  if (!st) return -1;
  k->entry = xrealloc(NULL, ((size_t)count + 1) * sizeof *k->entry);
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW && k->n < (size_t)count) {
    const char *path = (const char *)sqlite3_column_text(st, 0);
    struct known_entry *e = &k->entry[k->n++];
    e->hash = fnv1a64(path);
    e->path = keep_text(k, path);
    e->format = keep_text(k, (const char *)sqlite3_column_text(st, 3));
    e->size = sqlite3_column_int64(st, 1);
    e->mtime = sqlite3_column_int64(st, 2);
    e->parser_version = sqlite3_column_int(st, 4);
  }
  sqlite3_reset(st);
  if (rc != SQLITE_DONE) {
    /* an error, or rows that appeared since the count (another ingest): either
     * way the table would not be the catalog */
    if (rc != SQLITE_ROW) msg("%s: cannot read the catalog: %s", db->path, sqlite3_errmsg(db->sql));
    known_files_free(k);
    return rc == SQLITE_ROW ? 0 : -1;
  }
  index_entries(k);
  return 1;
}

int known_files_find(const struct known_files *k, const char *path, struct known_file *out) {
  if (!k->nslots) return 0;
  uint64_t h = fnv1a64(path);
  for (size_t s = h & (k->nslots - 1); k->slot[s]; s = (s + 1) & (k->nslots - 1)) {
    const struct known_entry *e = &k->entry[k->slot[s] - 1];
    if (e->hash != h || strcmp(k->text + e->path, path) != 0) continue;
    *out = (struct known_file){.size = e->size, .mtime = e->mtime, .format = k->text + e->format,
                               .parser_version = e->parser_version};
    return 1;
  }
  return 0;
}

void known_files_free(struct known_files *k) {
  free(k->entry);
  free(k->slot);
  free(k->text);
  memset(k, 0, sizeof *k);
}
