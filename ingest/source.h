/* ingest/source.h: the byte sources: files of a directory tree, a single file,
 * and the members of an archive, all read as a stream of blocks.
 *
 * source_walk() visits every regular file below a root in a stable order (a
 * directory tree sorted by path; an archive in member order) and hands each to a
 * callback as a `struct source`, which the callback may read block by block or
 * leave unread (then it is skipped without reading its data). Archives (.zip,
 * .tar, .tar.gz, .tgz, .tar.xz, .tar.bz2), given as a root or found in a tree, are
 * read in place through libarchive: never unpacked, never loaded whole. */
#ifndef WATTDB_SOURCE_H
#define WATTDB_SOURCE_H

#include <stddef.h>
#include <sys/types.h>

#define SOURCE_BLOCK (256 * 1024)

struct archive;

struct source {
  const char *path;     /* logical path: relative to the root, or "archive.zip:member" */
  const char *fullpath; /* the path as given plus the member: where the run key is read */
  const char *name;     /* the file's base name */
  long long size;       /* bytes (uncompressed, for a member) */
  long long mtime;      /* seconds since 1970 */
  /* private */
  int fd;
  struct archive *ar;
  char *buf;            /* SOURCE_BLOCK bytes, for plain files */
  int eof;
};

/* Reads the next block of the entry: sets *block and returns its length, 0 at
 * the end, -1 on a read error (after printing it). The block stays valid until
 * the next call. */
ssize_t source_read(struct source *s, const void **block);

/* Called for each file. Return 0 to go on, nonzero to stop the walk (that value
 * is then returned by source_walk). */
typedef int (*source_visit)(void *ctx, struct source *s);

/* Visits every file under ROOT (a directory, a file, or an archive). Names
 * starting with '.' and files for which SKIP returns nonzero are left out.
 * Returns 0, the callback's nonzero value, or -1 when ROOT (or an archive
 * inside it) cannot be read, after printing why; a directory walk goes on past
 * unreadable entries, printing each. */
int source_walk(const char *root, source_visit visit, int (*skip)(void *ctx, const char *fullpath),
                void *ctx);

/* Total bytes of the inputs under ROOT as stored on disk (archives count their
 * compressed size), for progress reporting. */
long long source_disk_size(const char *root);

/* Bytes of ROOT's archive consumed so far when the walk is inside an archive,
 * else -1. For progress. */
long long source_archive_position(const struct source *s);

#endif
