/* ingest/source.c: directory trees, single files and archives as block streams
 * (see source.h).
 *
 * A directory is listed recursively first and sorted by path, so that the files
 * of a tree are always read in the same order whatever the file system returns.
 * An archive is read member by member in its own order with libarchive's
 * streaming API: a member that the callback leaves unread is skipped with
 * archive_read_data_skip(). libarchive's severities are honoured as bsdtar does:
 * ARCHIVE_WARN is printed and ignored, ARCHIVE_FATAL ends the archive. */
#define _DEFAULT_SOURCE
#include "ingest/source.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/msg.h"

static int has_suffix(const char *s, const char *suffix) {
  size_t n = strlen(s), m = strlen(suffix);
  return n >= m && strcmp(s + n - m, suffix) == 0;
}

static int is_archive_name(const char *name) {
  static const char *const suffixes[] = {".zip", ".tar", ".tar.gz", ".tgz", ".tar.xz",
                                         ".tar.bz2", ".tar.zst", NULL};
  for (int i = 0; suffixes[i]; i++)
    if (has_suffix(name, suffixes[i])) return 1;
  return 0;
}

static const char *base_name(const char *path) {
  const char *slash = strrchr(path, '/');
  return slash ? slash + 1 : path;
}

ssize_t source_read(struct source *s, const void **block) {
  if (s->eof) return 0;
  if (s->ar) {
    size_t len;
    la_int64_t offset;
    int rc = archive_read_data_block(s->ar, block, &len, &offset);
    if (rc == ARCHIVE_EOF) {
      s->eof = 1;
      return 0;
    }
    if (rc < ARCHIVE_WARN) {
      msg("%s: cannot read archive member: %s", s->path, archive_error_string(s->ar));
      return -1;
    }
    return (ssize_t)len;
  }
  if (s->fd < 0) {
    s->fd = open(s->fullpath, O_RDONLY | O_CLOEXEC);
    if (s->fd < 0) {
      msg("%s: cannot open: %s", s->fullpath, strerror(errno));
      return -1;
    }
    if (!s->buf) s->buf = xrealloc(NULL, SOURCE_BLOCK);
  }
  for (;;) {
    ssize_t n = read(s->fd, s->buf, SOURCE_BLOCK);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      msg("%s: cannot read: %s", s->fullpath, strerror(errno));
      return -1;
    }
    if (n == 0) s->eof = 1;
    *block = s->buf;
    return n;
  }
}

long long source_archive_position(const struct source *s) {
  return s->ar ? (long long)archive_filter_bytes(s->ar, -1) : -1;
}

/* ---- archives -------------------------------------------------------------- */

/* Visits the members of the archive at FULLPATH; LOGICAL is its name in logical
 * paths (the archive's base name, or its path relative to the walk's root). */
static int walk_archive(const char *fullpath, const char *logical, source_visit visit, void *ctx) {
  struct archive *ar = archive_read_new();
  archive_read_support_filter_all(ar);
  archive_read_support_format_all(ar);
  if (archive_read_open_filename(ar, fullpath, SOURCE_BLOCK) != ARCHIVE_OK) {
    msg("%s: cannot open archive: %s", fullpath, archive_error_string(ar));
    archive_read_free(ar);
    return -1;
  }
  size_t cap = 0;
  char *path = NULL, *full = NULL;
  int result = 0;
  for (;;) {
    struct archive_entry *entry;
    int rc = archive_read_next_header(ar, &entry);
    if (rc == ARCHIVE_EOF) break;
    if (rc == ARCHIVE_WARN) msg("%s: %s", fullpath, archive_error_string(ar));
    if (rc < ARCHIVE_WARN) {
      msg("%s: cannot read archive: %s", fullpath, archive_error_string(ar));
      result = -1;
      break;
    }
    if (archive_entry_filetype(entry) != AE_IFREG) continue;
    const char *member = archive_entry_pathname(entry);
    if (!member || base_name(member)[0] == '.' || strstr(member, "__MACOSX/")) continue;
    size_t need = strlen(fullpath) + strlen(member) + strlen(logical) + 2;
    if (need > cap) {
      cap = need * 2;
      path = xrealloc(path, cap);
      full = xrealloc(full, cap);
    }
    snprintf(path, cap, "%s:%s", logical, member);
    snprintf(full, cap, "%s:%s", fullpath, member);
    struct source s = {
        .path = path,
        .fullpath = full,
        .name = base_name(member),
        .size = archive_entry_size_is_set(entry) ? (long long)archive_entry_size(entry) : 0,
        .mtime = (long long)archive_entry_mtime(entry),
        .fd = -1,
        .ar = ar,
    };
    result = visit(ctx, &s);
    if (result) break;
    /* libarchive skips the rest of an unread member at the next header. */
  }
  free(path);
  free(full);
  archive_read_free(ar);
  return result;
}

/* ---- directory trees ------------------------------------------------------- */

struct path_list {
  char **items;
  size_t n, cap;
};

static void path_list_add(struct path_list *l, const char *p) {
  if (l->n == l->cap) {
    l->cap = l->cap ? l->cap * 2 : 256;
    l->items = xrealloc(l->items, l->cap * sizeof *l->items);
  }
  l->items[l->n++] = xstrdup(p);
}

static int compare_paths(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Appends every regular file below DIR (recursively, not following links to
 * directories) to LIST. Unreadable directories are printed and passed over;
 * returns -1 if any was. */
static int list_tree(const char *dir, struct path_list *list) {
  DIR *d = opendir(dir);
  if (!d) {
    msg("%s: cannot open directory: %s", dir, strerror(errno));
    return -1;
  }
  int result = 0;
  struct dirent *e;
  while ((e = readdir(d))) {
    if (e->d_name[0] == '.') continue;
    size_t n = strlen(dir) + strlen(e->d_name) + 2;
    char *child = xrealloc(NULL, n);
    snprintf(child, n, "%s/%s", dir, e->d_name);
    struct stat st;
    if (lstat(child, &st) != 0) {
      msg("%s: %s", child, strerror(errno));
      result = -1;
    } else if (S_ISDIR(st.st_mode)) {
      if (list_tree(child, list)) result = -1;
    } else if (S_ISREG(st.st_mode) || (S_ISLNK(st.st_mode) && stat(child, &st) == 0 && S_ISREG(st.st_mode))) {
      path_list_add(list, child);
    }
    free(child);
  }
  closedir(d);
  return result;
}

/* Visits one plain file. LOGICAL is its logical path. */
static int visit_file(const char *fullpath, const char *logical, const struct stat *st,
                      source_visit visit, void *ctx) {
  struct source s = {
      .path = logical,
      .fullpath = fullpath,
      .name = base_name(fullpath),
      .size = (long long)st->st_size,
      .mtime = (long long)st->st_mtime,
      .fd = -1,
  };
  int result = visit(ctx, &s);
  if (s.fd >= 0) close(s.fd);
  free(s.buf);
  return result;
}

int source_walk(const char *root, source_visit visit, int (*skip)(void *ctx, const char *fullpath),
                void *ctx) {
  struct stat st;
  if (stat(root, &st) != 0) {
    msg("%s: %s", root, strerror(errno));
    return -1;
  }
  if (!S_ISDIR(st.st_mode)) {
    if (is_archive_name(root)) return walk_archive(root, base_name(root), visit, ctx);
    if (skip && skip(ctx, root)) return 0;
    return visit_file(root, base_name(root), &st, visit, ctx);
  }
  /* Strip trailing slashes so that logical paths start cleanly. */
  char *dir = xstrdup(root);
  size_t dirlen = strlen(dir);
  while (dirlen > 1 && dir[dirlen - 1] == '/') dir[--dirlen] = '\0';
  struct path_list list = {0};
  int result = list_tree(dir, &list) ? -1 : 0;
  qsort(list.items, list.n, sizeof *list.items, compare_paths);
  for (size_t i = 0; i < list.n; i++) {
    const char *full = list.items[i];
    const char *logical = full + dirlen + 1;
    if (skip && skip(ctx, full)) continue;
    int rc;
    if (is_archive_name(full)) {
      rc = walk_archive(full, logical, visit, ctx);
      if (rc < 0) result = -1;
      if (rc > 0) {
        result = rc;
        break;
      }
      continue;
    }
    if (stat(full, &st) != 0) {
      msg("%s: %s", full, strerror(errno));
      result = -1;
      continue;
    }
    rc = visit_file(full, logical, &st, visit, ctx);
    if (rc) {
      result = rc;
      break;
    }
  }
  for (size_t i = 0; i < list.n; i++) free(list.items[i]);
  free(list.items);
  free(dir);
  return result;
}

static long long tree_size(const char *path) {
  struct stat st;
  if (lstat(path, &st) != 0) return 0;
  if (!S_ISDIR(st.st_mode)) return S_ISREG(st.st_mode) ? (long long)st.st_size : 0;
  DIR *d = opendir(path);
  if (!d) return 0;
  long long total = 0;
  struct dirent *e;
  while ((e = readdir(d))) {
    if (e->d_name[0] == '.') continue;
    size_t n = strlen(path) + strlen(e->d_name) + 2;
    char *child = xrealloc(NULL, n);
    snprintf(child, n, "%s/%s", path, e->d_name);
    total += tree_size(child);
    free(child);
  }
  closedir(d);
  return total;
}

long long source_disk_size(const char *root) {
  return tree_size(root);
}
