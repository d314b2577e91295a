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
#include <sys/stat.h>
#include <sys/types.h>

#define SOURCE_BLOCK (256 * 1024)

struct archive;
struct archive_api;

/* What a test makes one read of a source do (struct source_hooks). */
enum source_fault {
  SOURCE_READ,        /* read as usual */
  SOURCE_ZERO_BLOCK,  /* a block of zero bytes that is not the end, as libarchive's zip
                         reader returns when its buffered compressed bytes give no output */
  SOURCE_EINTR,       /* the read is interrupted by a signal before any byte */
  SOURCE_EIO          /* the read fails with EIO */
};

/* Test hooks of a walk: faults and block sizes, to prove that what the ingest
 * stores does not depend on how the bytes arrive. NULL in normal use. */
struct source_hooks {
  size_t max_block;   /* hand out blocks of at most this many bytes (0: as read) */
  /* Called before every read of an entry's bytes with the entry's logical path
   * and the bytes handed out so far; returns what that read does. May be NULL. */
  enum source_fault (*before_read)(void *ctx, const char *path, long long offset);
  void *ctx;
};

/* Where a walk's messages go: to SAY(CTX, text) (the text without the
 * "wattdb: " prefix) instead of being printed, so that a walk in a thread of its
 * own never prints: the thread that prints hands them on in order. */
struct source_say {
  void (*say)(void *ctx, const char *text);
  void *ctx;
};

struct source {
  const char *path;     /* logical path: relative to the root, or "archive.zip:member",
                           with "#N" after the member when the archive holds N members
                           of that name (the second and later ones) */
  const char *fullpath; /* the path as given plus the member: where the run key is read */
  const char *name;     /* the file's base name */
  long long size;       /* bytes (uncompressed, for a member); -1 when the archive does
                           not say */
  long long mtime;      /* seconds since 1970 */
  int eof;              /* every byte has been handed out */
  /* private */
  int fd;
  struct archive *ar;   /* an archive's member: read through API (ingest/archive_api.h) */
  const struct archive_api *api;
  char *buf;            /* SOURCE_BLOCK bytes, for plain files */
  const char *pending;  /* bytes of the last read not yet handed out */
  size_t pending_len;
  long long offset;     /* bytes handed out so far */
  long long read_to;    /* a plain file's bytes read(2) so far */
  long long cached_from; /* ... of which those from here on are left in the page cache */
  int at_end;           /* the underlying file or member has no more bytes */
  const struct source_hooks *hooks;
  const struct source_say *say; /* NULL: messages are printed */
};

/* A plain file's pages leave the page cache as they are read (posix_fadvise
 * DONTNEED, every SOURCE_UNCACHE bytes read and when the file is closed):
 * wattdb reads a file once, so a large ingest neither fills the page cache
 * with its logs nor pushes out what else is cached. (Cached pages of those
 * logs go too, whoever read them before.) */
#define SOURCE_UNCACHE (8 * 1024 * 1024)

/* Reads the next block of the entry: sets *block and returns its length (at
 * least 1), 0 once every byte has been handed out (s->eof is then set), or -1
 * on a read error (after printing it). Only the end of the file, or
 * ARCHIVE_EOF for a member, ends an entry: a zero-length block from below is
 * read past. An archive member that ends before the size its header gives is
 * a read error. The block stays valid until the next call. */
ssize_t source_read(struct source *s, const void **block);

/* Called for each file. Return 0 to go on, nonzero to stop the walk (that value
 * is then returned by source_walk). */
typedef int (*source_visit)(void *ctx, struct source *s);

/* Whether the walk leaves out the file at FULLPATH, whose stat() is ST. */
typedef int (*source_skip)(void *ctx, const char *fullpath, const struct stat *st);

/* Visits every file under ROOT (a directory, a regular file, or an archive).
 * Names starting with '.' and files for which SKIP returns nonzero are left
 * out. A file of a directory tree is visited with the size and mtime it had
 * when the tree was listed (one stat() a file). Archive member names are read as UTF-8 whatever the process locale.
 * HOOKS is NULL but in tests. Messages go to SAY (NULL: printed with msg()).
 * Returns 0, the callback's nonzero value, or -1
 * when ROOT, an entry below it, or an archive inside it cannot be read (a FIFO,
 * a device, a member without a readable name), after printing why; the walk
 * goes on past each such entry. */
int source_walk(const char *root, source_visit visit, source_skip skip, void *ctx,
                const struct source_hooks *hooks, const struct source_say *say);

#endif
