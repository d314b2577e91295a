/* ingest/readahead.c: the ingest's reading thread (see readahead.h).
 *
 * One thread walks the roots. For each file it first asks config.want; a file
 * left unread goes onto the current batch's list of them (a rerun with nothing
 * to read hands the driver a batch per few thousand files); a file to read
 * has its first READAHEAD_SNIFF_BYTES read and hashed, normalized into
 * lines for the bids (struct sniff), given to the highest bidder's line mode,
 * then cut into lines to its end. Batches are filled in the ring's slots in
 * turn: the thread takes a slot once the driver has given it back, fills it,
 * and publishes it, under one mutex and two condition variables (space: a slot
 * was given back; ready: a slot was published). A slot's lines point into its
 * own arena, which grows to the longest line and is reused. */
#define _DEFAULT_SOURCE
#include "ingest/readahead.h"

#include <nettle/sha2.h>
#include <pthread.h>
#include <stdlib.h>
#include <stdatomic.h>
#include <string.h>

#include "common/msg.h"
#include "ingest/format.h"
#include "ingest/formats.h"

/* A slot while the reading thread fills it: text at offsets of its arena,
 * turned into pointers when it is published. */
struct slot {
  struct readahead_batch b;
  char *arena;
  size_t used, cap;
  struct line *lines;
  size_t *text_at;          /* the arena offset of each line's text */
  size_t nlines, cap_lines;
  char *notes;
  size_t notes_len, notes_cap;
  size_t path_at, fullpath_at, name_at;
  struct readahead_file *unread; /* their path, fullpath and name at unread_at[3 i ..] */
  size_t *unread_at;
  size_t nunread, cap_unread;
};

struct readahead {
  const struct readahead_config *config;
  char *const *roots;
  int nroots;
  pthread_t thread;
  pthread_mutex_t lock;
  pthread_cond_t space, ready;
  unsigned long long published, taken, given_back; /* slots, counted since the start */
  atomic_int cancel;
  struct slot slots[READAHEAD_SLOTS];
  struct slot *fill;        /* the slot being filled, NULL: none taken */
  /* the reading thread's per-file buffers */
  char *head;
  size_t head_len, head_cap;
  char *sniff;
  size_t sniff_len, sniff_cap;
  char first_line[4096];
  struct sha256_ctx hash;
  struct source_say say;
};

/* ---- the ring ---------------------------------------------------------------- */

static void slot_reset(struct slot *s) {
  memset(&s->b, 0, sizeof s->b);
  s->used = s->nlines = s->notes_len = s->nunread = 0;
}

/* The slot to fill, taken when none is: waits for the driver to give one back.
 * NULL when the ingest was stopped. */
static struct slot *filling(struct readahead *ra) {
  if (ra->fill) return ra->fill;
  pthread_mutex_lock(&ra->lock);
  while (ra->published - ra->given_back >= READAHEAD_SLOTS && !atomic_load(&ra->cancel))
    pthread_cond_wait(&ra->space, &ra->lock);
  struct slot *s = atomic_load(&ra->cancel) ? NULL : &ra->slots[ra->published % READAHEAD_SLOTS];
  pthread_mutex_unlock(&ra->lock);
  if (s) slot_reset(s);
  return ra->fill = s;
}

static void publish(struct readahead *ra) {
  struct slot *s = ra->fill;
  if (!s) return;
  for (size_t i = 0; i < s->nlines; i++) s->lines[i].text = s->arena + s->text_at[i];
  s->b.lines = s->lines;
  s->b.nlines = s->nlines;
  s->b.notes = s->notes_len ? s->notes : "";
  for (size_t i = 0; i < s->nunread; i++) {
    s->unread[i].path = s->arena + s->unread_at[3 * i];
    s->unread[i].fullpath = s->arena + s->unread_at[3 * i + 1];
    s->unread[i].name = s->arena + s->unread_at[3 * i + 2];
  }
  s->b.unread = s->unread;
  s->b.nunread = s->nunread;
  if (s->b.has_file) {
    s->b.file.path = s->arena + s->path_at;
    s->b.file.fullpath = s->arena + s->fullpath_at;
    s->b.file.name = s->arena + s->name_at;
  }
  ra->fill = NULL;
  pthread_mutex_lock(&ra->lock);
  ra->published++;
  pthread_cond_signal(&ra->ready);
  pthread_mutex_unlock(&ra->lock);
}

/* Whether S holds unread files or a file's start, lines or end: what comes
 * next (a message, another file) goes in a batch after it. */
static int holds_file_parts(const struct slot *s) {
  return s->nunread || s->b.has_file || s->nlines || s->b.has_end;
}

/* Copies N bytes (and a NUL) into S's arena; returns their offset. */
static size_t arena_put(struct slot *s, const char *text, size_t n) {
  if (s->used + n + 1 > s->cap) {
    s->cap = s->used + n + 1 > 2 * s->cap ? s->used + n + 1 : 2 * s->cap;
    s->arena = xrealloc(s->arena, s->cap);
  }
  size_t at = s->used;
  memcpy(s->arena + at, text, n);
  s->arena[at + n] = '\0';
  s->used += n + 1;
  return at;
}

/* A message of the walk: it goes before anything that follows it. */
static void say(void *ctx, const char *text) {
  struct readahead *ra = ctx;
  struct slot *s = filling(ra);
  if (s && holds_file_parts(s)) {
    publish(ra);
    s = filling(ra);
  }
  if (!s) return; /* stopped: nobody reads it */
  size_t n = strlen(text);
  if (s->notes_len + n + 2 > s->notes_cap) {
    s->notes_cap = (s->notes_len + n + 2) * 2;
    s->notes = xrealloc(s->notes, s->notes_cap);
  }
  memcpy(s->notes + s->notes_len, text, n);
  s->notes_len += n;
  s->notes[s->notes_len++] = '\n';
  s->notes[s->notes_len] = '\0';
}

/* A line of the current file into the batch; a full batch is published. */
static int line_to_batch(void *ctx, const struct line *ln) {
  struct readahead *ra = ctx;
  struct slot *s = filling(ra);
  if (s && s->nlines && s->used + ln->len >= READAHEAD_BATCH_BYTES) {
    publish(ra);
    s = filling(ra);
  }
  if (!s) return 1; /* stopped */
  if (s->nlines == s->cap_lines) {
    s->cap_lines = s->cap_lines ? 2 * s->cap_lines : 1024;
    s->lines = xrealloc(s->lines, s->cap_lines * sizeof *s->lines);
    s->text_at = xrealloc(s->text_at, s->cap_lines * sizeof *s->text_at);
  }
  s->lines[s->nlines] = *ln;
  s->text_at[s->nlines++] = arena_put(s, ln->text, ln->len);
  return 0;
}

static void add_bytes(struct readahead *ra, ssize_t n) {
  struct slot *s = filling(ra);
  if (s) s->b.bytes += n;
}

/* ---- one file -------------------------------------------------------------- */

/* Reads up to READAHEAD_SNIFF_BYTES of S into ra->head, hashing them. Returns 0
 * or -1 (a read error). */
static int read_head(struct readahead *ra, struct source *s) {
  ra->head_len = 0;
  while (ra->head_len < READAHEAD_SNIFF_BYTES) {
    const void *block;
    ssize_t n = source_read(s, &block);
    if (n < 0) return -1;
    if (n == 0) break; /* the end: source_read says so only there */
    sha256_update(&ra->hash, (size_t)n, block);
    add_bytes(ra, n);
    if (ra->head_len + (size_t)n > ra->head_cap) {
      /* An archive block may exceed the head size: keep it whole. */
      ra->head_cap = ra->head_len + (size_t)n;
      ra->head = xrealloc(ra->head, ra->head_cap);
    }
    memcpy(ra->head + ra->head_len, block, (size_t)n);
    ra->head_len += (size_t)n;
  }
  return 0;
}

/* Collects the head's lines for bidding, LF-terminated. */
static int sniff_sink(void *ctx, const struct line *ln) {
  struct readahead *ra = ctx;
  if (ra->sniff_len + ln->len + 2 > ra->sniff_cap) {
    ra->sniff_cap = (ra->sniff_len + ln->len + 2) * 2;
    ra->sniff = xrealloc(ra->sniff, ra->sniff_cap);
  }
  memcpy(ra->sniff + ra->sniff_len, ln->text, ln->len);
  ra->sniff_len += ln->len;
  ra->sniff[ra->sniff_len++] = '\n';
  ra->sniff[ra->sniff_len] = '\0';
  return 0;
}

/* What the formats see of S: its name and its head, normalized. */
static void build_sniff(struct readahead *ra, struct source *s, struct sniff *sn) {
  struct line_reader r;
  ra->sniff_len = 0;
  if (!ra->sniff) {
    ra->sniff_cap = 4096;
    ra->sniff = xrealloc(NULL, ra->sniff_cap);
  }
  ra->sniff[0] = '\0';
  line_reader_init(&r, sniff_sink, ra);
  line_reader_feed(&r, ra->head, ra->head_len);
  if (s->eof) line_reader_finish(&r);
  line_reader_free(&r);
  memset(sn, 0, sizeof *sn);
  sn->name = s->name;
  sn->path = s->path;
  sn->head = ra->sniff;
  sn->len = ra->sniff_len;
  /* the first non-blank line, as its own string */
  char *first = ra->first_line;
  first[0] = '\0';
  for (const char *p = ra->sniff; *p;) {
    const char *nl = strchr(p, '\n');
    size_t n = nl ? (size_t)(nl - p) : strlen(p);
    size_t k = 0;
    while (k < n && (p[k] == ' ' || p[k] == '\t')) k++;
    if (k < n) {
      if (n >= sizeof ra->first_line) n = sizeof ra->first_line - 1;
      memcpy(first, p, n);
      first[n] = '\0';
      break;
    }
    p += n + (nl ? 1 : 0);
    if (!nl) break;
  }
  sn->first_line = first;
}

/* The start of file S, read by format F, in a batch of its own kind (the
 * current one is published first if it holds what came before). NULL when
 * stopped. */
static struct slot *start_file(struct readahead *ra, const struct source *s, const struct format *f) {
  struct slot *b = filling(ra);
  if (b && holds_file_parts(b)) {
    publish(ra);
    b = filling(ra);
  }
  if (!b) return NULL;
  b->b.has_file = 1;
  b->b.file = (struct readahead_file){.size = s->size, .mtime = s->mtime, .format = f};
  b->path_at = arena_put(b, s->path, strlen(s->path));
  b->fullpath_at = arena_put(b, s->fullpath, strlen(s->fullpath));
  b->name_at = arena_put(b, s->name, strlen(s->name));
  return b;
}

/* File S, left unread, onto the current batch's list: after the parts of a
 * file before it, and in a new batch once the list's names fill
 * READAHEAD_BATCH_BYTES. 0, or 1 when stopped. */
static int add_unread(struct readahead *ra, const struct source *s) {
  struct slot *b = filling(ra);
  size_t names = strlen(s->path) + strlen(s->fullpath) + strlen(s->name) + 3;
  /* a slot with unread files holds nothing else (start_file publishes it) */
  if (b && (b->nunread ? b->used + names > READAHEAD_BATCH_BYTES : holds_file_parts(b))) {
    publish(ra);
    b = filling(ra);
  }
  if (!b) return 1;
  if (b->nunread == b->cap_unread) {
    b->cap_unread = b->cap_unread ? 2 * b->cap_unread : 256;
    b->unread = xrealloc(b->unread, b->cap_unread * sizeof *b->unread);
    b->unread_at = xrealloc(b->unread_at, 3 * b->cap_unread * sizeof *b->unread_at);
  }
  b->unread[b->nunread] = (struct readahead_file){.size = s->size, .mtime = s->mtime};
  b->unread_at[3 * b->nunread] = arena_put(b, s->path, strlen(s->path));
  b->unread_at[3 * b->nunread + 1] = arena_put(b, s->fullpath, strlen(s->fullpath));
  b->unread_at[3 * b->nunread + 2] = arena_put(b, s->name, strlen(s->name));
  b->nunread++;
  return 0;
}

static int end_file(struct readahead *ra, int read_failed, long long size) {
  struct slot *b = filling(ra);
  if (!b) return 1;
  b->b.has_end = 1;
  b->b.end.read_failed = read_failed;
  b->b.end.size = size;
  sha256_digest(&ra->hash, sizeof b->b.end.sha256, b->b.end.sha256);
  return 0;
}

/* One file of the walk: its start, its lines, its end. The head is read
 * before the start is written, so that the start names the format; a message
 * of that read comes before it. */
static int visit(void *ctx, struct source *s) {
  struct readahead *ra = ctx;
  const struct readahead_config *c = ra->config;
  if (atomic_load(&ra->cancel)) return 1;
  sha256_init(&ra->hash);
  if (!c->want(c->ctx, s)) return add_unread(ra, s);
  int read_failed = read_head(ra, s) != 0;
  struct sniff sn;
  build_sniff(ra, s, &sn);
  const struct format *f = c->force_format ? c->force_format : format_choose(&sn);
  if (!start_file(ra, s, f)) return 1;
  struct line_reader lines;
  line_reader_init(&lines, line_to_batch, ra);
  if (f) lines.mode = f->line_mode; /* the sniffing reader above stays LINES_CSV */
  int stopped = read_failed ? 0 : line_reader_feed(&lines, ra->head, ra->head_len);
  while (!stopped && !read_failed && !s->eof) {
    const void *block;
    ssize_t n = source_read(s, &block);
    if (n < 0) read_failed = 1;
    if (n <= 0) break; /* an error, or the end (s->eof) */
    sha256_update(&ra->hash, (size_t)n, block);
    add_bytes(ra, n);
    stopped = line_reader_feed(&lines, block, (size_t)n);
  }
  if (!stopped && !read_failed) stopped = line_reader_finish(&lines);
  line_reader_free(&lines);
  if (stopped) return 1;
  return end_file(ra, read_failed, read_failed ? -1 : s->offset);
}

/* The walk's skip hook: the configuration's, with the configuration's context
 * (the walk's own context is the readahead). */
static int skip_path(void *ctx, const char *fullpath, const struct stat *st) {
  const struct readahead *ra = ctx;
  return ra->config->skip(ra->config->ctx, fullpath, st);
}

static void *reading_thread(void *arg) {
  struct readahead *ra = arg;
  for (int i = 0; i < ra->nroots && !atomic_load(&ra->cancel); i++) {
    int rc = source_walk(ra->roots[i], visit, ra->config->skip ? skip_path : NULL, ra, ra->config->hooks,
                         &ra->say);
    struct slot *s = filling(ra);
    if (!s) break;
    s->b.root_done = 1;
    s->b.root_status = rc;
    publish(ra);
  }
  struct slot *s = filling(ra);
  if (s) {
    s->b.walk_done = 1;
    publish(ra);
  }
  return NULL;
}

/* ---- the driver's side ------------------------------------------------------- */

struct readahead *readahead_start(char *const *roots, int n, const struct readahead_config *config) {
  struct readahead *ra = xrealloc(NULL, sizeof *ra);
  memset(ra, 0, sizeof *ra);
  ra->config = config;
  ra->roots = roots;
  ra->nroots = n;
  ra->say = (struct source_say){.say = say, .ctx = ra};
  atomic_init(&ra->cancel, 0);
  pthread_mutex_init(&ra->lock, NULL);
  pthread_cond_init(&ra->space, NULL);
  pthread_cond_init(&ra->ready, NULL);
  int rc = pthread_create(&ra->thread, NULL, reading_thread, ra);
  if (rc) {
    msg("cannot start the reading thread: %s", strerror(rc));
    pthread_mutex_destroy(&ra->lock);
    pthread_cond_destroy(&ra->space);
    pthread_cond_destroy(&ra->ready);
    free(ra);
    return NULL;
  }
  return ra;
}

const struct readahead_batch *readahead_next(struct readahead *ra) {
  pthread_mutex_lock(&ra->lock);
  if (ra->taken) {
    const struct slot *held = &ra->slots[(ra->taken - 1) % READAHEAD_SLOTS];
    if (held->b.walk_done) {
      pthread_mutex_unlock(&ra->lock);
      return &held->b;
    }
    ra->given_back = ra->taken;
    pthread_cond_signal(&ra->space);
  }
  while (ra->published == ra->taken) pthread_cond_wait(&ra->ready, &ra->lock);
  const struct slot *s = &ra->slots[ra->taken++ % READAHEAD_SLOTS];
  pthread_mutex_unlock(&ra->lock);
  return &s->b;
}

void readahead_stop(struct readahead *ra) {
  if (!ra) return;
  pthread_mutex_lock(&ra->lock);
  atomic_store(&ra->cancel, 1);
  pthread_cond_broadcast(&ra->space);
  pthread_mutex_unlock(&ra->lock);
  pthread_join(ra->thread, NULL);
  for (int i = 0; i < READAHEAD_SLOTS; i++) {
    free(ra->slots[i].arena);
    free(ra->slots[i].lines);
    free(ra->slots[i].text_at);
    free(ra->slots[i].notes);
    free(ra->slots[i].unread);
    free(ra->slots[i].unread_at);
  }
  free(ra->head);
  free(ra->sniff);
  pthread_mutex_destroy(&ra->lock);
  pthread_cond_destroy(&ra->space);
  pthread_cond_destroy(&ra->ready);
  free(ra);
}
