/* ingest/source.c: directory trees, single files and archives as block streams
 * (see source.h).
 *
 * A directory is listed recursively first and sorted by path, so that the files
 * of a tree are always read in the same order whatever the file system returns.
 * An archive is read member by member in its own order with libarchive's
 * streaming API, loaded when the first archive is met (archive_api.h): a member
 * that the callback leaves unread is skipped by libarchive at the next header.
 * libarchive's severities are honoured as bsdtar does: ARCHIVE_WARN is printed
 * and ignored, ARCHIVE_FATAL ends the archive.
 *
 * Member names are decoded in a UTF-8 locale of this thread's own (uselocale),
 * so that a zip whose names carry the UTF-8 flag is read under any process
 * locale. A name that two members share is visited twice: the second as
 * "member#2", and so on, so that neither hides the other. */
#define _DEFAULT_SOURCE
#include "ingest/source.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <locale.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/fnv1a.h"
#include "common/msg.h"
#include "ingest/archive_api.h"

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

/* A message of the walk: to SAY when given, else printed. Room for the longest
 * message: an archive's path and a member's path with a libarchive error. */
__attribute__((format(printf, 2, 3))) static void report(const struct source_say *say, const char *fmt, ...) {
  char text[3 * PATH_MAX];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(text, sizeof text, fmt, ap);
  va_end(ap);
  if (say) say->say(say->ctx, text);
  else msg("%s", text);
}

/* One read from below: read(2) of a plain file or libarchive's next data
 * block, through the test hook. Returns the bytes (possibly 0 before the end),
 * sets s->at_end at the end, or returns -1 after printing the error. */
static ssize_t read_below(struct source *s, const void **block) {
  for (;;) {
    enum source_fault fault = SOURCE_READ;
    if (s->hooks && s->hooks->before_read)
      fault = s->hooks->before_read(s->hooks->ctx, s->path, s->offset);
    if (fault == SOURCE_ZERO_BLOCK) {
      *block = "";
      return 0;
    }
    if (fault == SOURCE_EINTR) continue; /* as read(2) returning EINTR: try again */
    if (fault == SOURCE_EIO) {
      report(s->say, "%s: cannot read: %s", s->fullpath, strerror(EIO));
      return -1;
    }
    if (s->ar) {
      size_t len;
      la_int64_t offset;
      int rc = s->api->read_data_block(s->ar, block, &len, &offset);
      if (rc == ARCHIVE_EOF) {
        s->at_end = 1;
        return 0;
      }
      if (rc < ARCHIVE_WARN) {
        report(s->say, "%s: cannot read archive member: %s", s->path, s->api->error_string(s->ar));
        return -1;
      }
      if (rc == ARCHIVE_WARN) report(s->say, "%s: %s", s->path, s->api->error_string(s->ar));
      return (ssize_t)len;
    }
    if (s->fd < 0) {
      s->fd = open(s->fullpath, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
      struct stat st;
      if (s->fd < 0 || fstat(s->fd, &st) != 0) {
        report(s->say, "%s: cannot open: %s", s->fullpath, strerror(errno));
        return -1;
      }
      if (!S_ISREG(st.st_mode)) {
        report(s->say, "%s: not a regular file (a FIFO or a device?): give a file, a directory or an "
            "archive", s->fullpath);
        return -1;
      }
      if (!s->buf) s->buf = xrealloc(NULL, SOURCE_BLOCK);
    }
    ssize_t n = read(s->fd, s->buf, SOURCE_BLOCK);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      report(s->say, "%s: cannot read: %s", s->fullpath, strerror(errno));
      return -1;
    }
    s->read_to += n;
    if (s->read_to - s->cached_from >= SOURCE_UNCACHE) {
      posix_fadvise(s->fd, s->cached_from, s->read_to - s->cached_from, POSIX_FADV_DONTNEED);
      s->cached_from = s->read_to;
    }
    if (n == 0) s->at_end = 1;
    *block = s->buf;
    return n;
  }
}

ssize_t source_read(struct source *s, const void **block) {
  while (!s->pending_len) {
    if (s->at_end || s->eof) {
      if (!s->eof && s->ar && s->size >= 0 && s->offset != s->size) {
        report(s->say, "%s: member ends after %lld of its %lld bytes", s->path, s->offset, s->size);
        return -1;
      }
      s->eof = 1;
      return 0;
    }
    const void *b;
    ssize_t n = read_below(s, &b);
    if (n < 0) return -1;
    s->pending = b;
    s->pending_len = (size_t)n;
  }
  size_t max = s->hooks && s->hooks->max_block ? s->hooks->max_block : s->pending_len;
  size_t n = s->pending_len < max ? s->pending_len : max;
  *block = s->pending;
  s->pending += n;
  s->pending_len -= n;
  s->offset += (long long)n;
  return (ssize_t)n;
}

/* ---- member names ----------------------------------------------------------- */

/* The member names of one archive seen so far, with how often each was seen:
 * an open-addressing hash table that grows with the archive, one allocation per
 * distinct name. */
struct name_count {
  char *name;
  long seen;
};

struct name_table {
  struct name_count *slots;
  size_t cap, used;
};

/* Counts one more member named NAME; returns how many have had that name. */
static long name_table_count(struct name_table *t, const char *name) {
  if (2 * (t->used + 1) > t->cap) {
    struct name_table bigger = {.cap = t->cap ? 2 * t->cap : 256};
    bigger.slots = xrealloc(NULL, bigger.cap * sizeof *bigger.slots);
    memset(bigger.slots, 0, bigger.cap * sizeof *bigger.slots);
    for (size_t i = 0; i < t->cap; i++) {
      if (!t->slots[i].name) continue;
      size_t j = fnv1a64(t->slots[i].name) & (bigger.cap - 1);
      while (bigger.slots[j].name) j = (j + 1) & (bigger.cap - 1);
      bigger.slots[j] = t->slots[i];
    }
    free(t->slots);
    bigger.used = t->used;
    *t = bigger;
  }
  size_t j = fnv1a64(name) & (t->cap - 1);
  while (t->slots[j].name && strcmp(t->slots[j].name, name) != 0) j = (j + 1) & (t->cap - 1);
  if (!t->slots[j].name) {
    t->slots[j].name = xstrdup(name);
    t->used++;
  }
  return ++t->slots[j].seen;
}

static void name_table_free(struct name_table *t) {
  for (size_t i = 0; i < t->cap; i++) free(t->slots[i].name);
  free(t->slots);
}

/* ---- archives -------------------------------------------------------------- */

/* The name of ENTRY as UTF-8 (or as its raw bytes when it has no UTF-8 form),
 * or NULL when libarchive has none. */
static const char *member_name(const struct archive_api *api, struct archive_entry *entry) {
  const char *name = api->entry_pathname_utf8(entry);
  return name ? name : api->entry_pathname(entry);
}

/* Visits the members of the archive at FULLPATH; LOGICAL is its name in logical
 * paths (the archive's base name, or its path relative to the walk's root).
 * Returns as source_walk does. */
static int walk_archive(const char *fullpath, const char *logical, source_visit visit, void *ctx,
                        const struct source_hooks *hooks, const struct source_say *say) {
  struct archive_api api;
  char why[512];
  if (archive_api_load(&api, why, sizeof why)) {
    report(say, "%s: cannot read archives: %s", fullpath, why);
    return -1;
  }
  /* Names are decoded in this thread's locale: make it UTF-8 while reading. */
  locale_t utf8 = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
  locale_t before = utf8 ? uselocale(utf8) : (locale_t)0;
  struct archive *ar = api.read_new();
  api.read_support_filter_all(ar);
  api.read_support_format_all(ar);
  int result = 0;
  if (api.read_open_filename(ar, fullpath, SOURCE_BLOCK) != ARCHIVE_OK) {
    report(say, "%s: cannot open archive: %s", fullpath, api.error_string(ar));
    result = -1;
  }
  size_t cap = 0;
  char *path = NULL, *full = NULL;
  struct name_table names = {0};
  int unnamed = 0;
  for (long index = 1; result == 0; index++) {
    struct archive_entry *entry;
    int rc = api.read_next_header(ar, &entry);
    if (rc == ARCHIVE_EOF) break;
    if (rc < ARCHIVE_WARN) {
      report(say, "%s: cannot read archive: %s", fullpath, api.error_string(ar));
      result = -1;
      break;
    }
    const char *member = member_name(&api, entry);
    if (rc == ARCHIVE_WARN) report(say, "%s: member %ld: %s", fullpath, index, api.error_string(ar));
    if (!member) {
      report(say, "%s: member %ld has no name that can be read; it is left out", fullpath, index);
      unnamed = 1;
      continue;
    }
    if (api.entry_filetype(entry) != AE_IFREG) continue;
    if (base_name(member)[0] == '.' || strstr(member, "__MACOSX/")) continue;
    long seen = name_table_count(&names, member);
    size_t need = strlen(fullpath) + strlen(member) + strlen(logical) + 24;
    if (need > cap) {
      cap = need * 2;
      path = xrealloc(path, cap);
      full = xrealloc(full, cap);
    }
    if (seen > 1) {
      snprintf(path, cap, "%s:%s#%ld", logical, member, seen);
      report(say, "%s: member '%s' appears again in the archive; this copy is read as '%s'", fullpath,
          member, path);
    } else {
      snprintf(path, cap, "%s:%s", logical, member);
    }
    snprintf(full, cap, "%s:%s", fullpath, member);
    struct source s = {
        .path = path,
        .fullpath = full,
        .name = base_name(member),
        .size = api.entry_size_is_set(entry) ? (long long)api.entry_size(entry) : -1,
        .mtime = (long long)api.entry_mtime(entry),
        .fd = -1,
        .ar = ar,
        .api = &api,
        .hooks = hooks,
        .say = say,
    };
    result = visit(ctx, &s);
    /* libarchive skips the rest of an unread member at the next header. */
  }
  if (!result && unnamed) result = -1;
  name_table_free(&names);
  free(path);
  free(full);
  api.read_free(ar);
  if (utf8) {
    uselocale(before);
    freelocale(utf8);
  }
  archive_api_unload(&api);
  return result;
}

/* ---- directory trees ------------------------------------------------------- */

/* A file of the tree and what stat() said of it when the tree was listed: its
 * size and mtime are the listing's, as the catalog compares them. */
struct listed_file {
  char *path;
  struct stat st;
};

struct path_list {
  struct listed_file *items;
  size_t n, cap;
};

static void path_list_add(struct path_list *l, const char *p, const struct stat *st) {
  if (l->n == l->cap) {
    l->cap = l->cap ? l->cap * 2 : 256;
    l->items = xrealloc(l->items, l->cap * sizeof *l->items);
  }
  l->items[l->n++] = (struct listed_file){.path = xstrdup(p), .st = *st};
}

static int compare_paths(const void *a, const void *b) {
  return strcmp(((const struct listed_file *)a)->path, ((const struct listed_file *)b)->path);
}

/* Appends every regular file below DIR (recursively, not following links to
 * directories) to LIST. Unreadable directories are printed and passed over;
 * returns -1 if any was. */
static int list_tree(const char *dir, struct path_list *list, const struct source_say *say) {
  DIR *d = opendir(dir);
  if (!d) {
    report(say, "%s: cannot open directory: %s", dir, strerror(errno));
    return -1;
  }
  int result = 0;
  struct dirent *e;
  while ((e = readdir(d))) {
    /* hidden entries are not logs (.git, editor files), but for MLflow's
     * .trash, where a store keeps its deleted experiments (counted as such) */
    if (e->d_name[0] == '.' && strcmp(e->d_name, ".trash") != 0) continue;
    size_t n = strlen(dir) + strlen(e->d_name) + 2;
    char *child = xrealloc(NULL, n);
    snprintf(child, n, "%s/%s", dir, e->d_name);
    struct stat st;
    if (lstat(child, &st) != 0) {
      report(say, "%s: %s", child, strerror(errno));
      result = -1;
    } else if (S_ISDIR(st.st_mode)) {
      if (list_tree(child, list, say)) result = -1;
    } else if (S_ISREG(st.st_mode) || (S_ISLNK(st.st_mode) && stat(child, &st) == 0 && S_ISREG(st.st_mode))) {
      path_list_add(list, child, &st);
    } else if (!S_ISLNK(st.st_mode)) {
      report(say, "%s: not a regular file (a FIFO, a socket or a device): left out", child);
      result = -1;
    }
    free(child);
  }
  closedir(d);
  return result;
}

/* Visits one plain file. LOGICAL is its logical path. */
static int visit_file(const char *fullpath, const char *logical, const struct stat *st,
                      source_visit visit, void *ctx, const struct source_hooks *hooks,
                      const struct source_say *say) {
  struct source s = {
      .path = logical,
      .fullpath = fullpath,
      .name = base_name(fullpath),
      .size = (long long)st->st_size,
      .mtime = (long long)st->st_mtime,
      .fd = -1,
      .hooks = hooks,
      .say = say,
  };
  int result = visit(ctx, &s);
  if (s.fd >= 0) {
    posix_fadvise(s.fd, s.cached_from, 0, POSIX_FADV_DONTNEED); /* source.h */
    close(s.fd);
  }
  free(s.buf);
  return result;
}

int source_walk(const char *root, source_visit visit, source_skip skip, void *ctx, const struct source_hooks *hooks, const struct source_say *say) {
  struct stat st;
  if (stat(root, &st) != 0) {
    report(say, "%s: %s", root, strerror(errno));
    return -1;
  }
  if (!S_ISDIR(st.st_mode) && !S_ISREG(st.st_mode)) {
    report(say, "%s: not a regular file (a FIFO or a device?): give a file, a directory or an archive",
        root);
    return -1;
  }
  if (!S_ISDIR(st.st_mode)) {
    if (is_archive_name(root)) return walk_archive(root, base_name(root), visit, ctx, hooks, say);
    if (skip && skip(ctx, root, &st)) return 0;
    return visit_file(root, base_name(root), &st, visit, ctx, hooks, say);
  }
  /* Strip trailing slashes so that logical paths start cleanly. */
  char *dir = xstrdup(root);
  size_t dirlen = strlen(dir);
  while (dirlen > 1 && dir[dirlen - 1] == '/') dir[--dirlen] = '\0';
  struct path_list list = {0};
  int result = list_tree(dir, &list, say) ? -1 : 0;
  if (list.n) qsort(list.items, list.n, sizeof *list.items, compare_paths);
  for (size_t i = 0; i < list.n; i++) {
    const char *full = list.items[i].path;
    const char *logical = full + dirlen + 1;
    if (skip && skip(ctx, full, &list.items[i].st)) continue;
    int rc;
    if (is_archive_name(full)) {
      rc = walk_archive(full, logical, visit, ctx, hooks, say);
      if (rc < 0) result = -1;
      if (rc > 0) {
        result = rc;
        break;
      }
      continue;
    }
    rc = visit_file(full, logical, &list.items[i].st, visit, ctx, hooks, say);
    if (rc) {
      result = rc;
      break;
    }
  }
  for (size_t i = 0; i < list.n; i++) free(list.items[i].path);
  free(list.items);
  free(dir);
  return result;
}
