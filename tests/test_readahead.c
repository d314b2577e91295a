/* tests/test_readahead.c: the ingest's reading thread (ingest/readahead.h)
 * on its own: every line of every file comes, in order, in batches no larger
 * than their bound; a file `want` declines is never read; a read error's
 * message comes after the lines before it and before the file's end; the
 * hash is the file's; stopping in the middle of a walk returns. The driver
 * on top of it is tested by every ingest suite (and under ThreadSanitizer). */
#include "tests/testlib.h"

#include <nettle/sha2.h>

#include "ingest/readahead.h"

/* A tree of NFILES files f000.csv, f001.csv, ... of NLINES lines each,
 * "<file>,<line>,<padding>". */
static char *make_tree(int nfiles, int nlines, int pad) {
  char *dir = tl_mkdtemp();
  size_t cap = (size_t)nlines * (size_t)(pad + 32) + 1;
  char *text = malloc(cap);
  assert_non_null(text);
  for (int f = 0; f < nfiles; f++) {
    size_t len = 0;
    for (int l = 1; l <= nlines; l++)
      len += (size_t)snprintf(text + len, cap - len, "%d,%d,%.*s\n", f, l, pad,
                              "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
    char name[32];
    snprintf(name, sizeof name, "t/f%03d.csv", f);
    tl_write(dir, name, text, len);
  }
  free(text);
  return dir;
}

struct plan {
  const char *decline;   /* want says no to this path */
  int keep_every;        /* nonzero: want says no to every file fNN whose NN is not a multiple of it */
  const char *eio_path;  /* this path's read fails at eio_offset */
  long long eio_offset;
  long reads_of_declined;
  long batches;          /* that walk_string took */
};

static int declines(const struct plan *p, const char *path) {
  int f;
  if (p->keep_every && sscanf(path, "t/f%d.csv", &f) == 1 && f % p->keep_every) return 1;
  return p->decline && strcmp(path, p->decline) == 0;
}

static int want(void *ctx, const struct source *s) {
  return !declines(ctx, s->path);
}

static enum source_fault before_read(void *ctx, const char *path, long long offset) {
  struct plan *p = ctx;
  if (declines(p, path)) p->reads_of_declined++;
  if (p->eio_path && strcmp(path, p->eio_path) == 0 && offset >= p->eio_offset) return SOURCE_EIO;
  return SOURCE_READ;
}

/* The walk of ROOT as one string: "<file path>{" notes "[" lines "]" end "}" per
 * file, where a line is its text and an end is "ok" or "failed"; checks every
 * batch against its bound and the order of its parts. */
static char *walk_string(const char *root, struct plan *plan, size_t max_block) {
  struct source_hooks hooks = {.max_block = max_block, .before_read = before_read, .ctx = plan};
  struct readahead_config c = {.hooks = &hooks, .want = want, .ctx = plan};
  char *roots[] = {(char *)root};
  struct readahead *ra = readahead_start(roots, 1, &c);
  assert_non_null(ra);
  size_t cap = 8 << 20, len = 0;
  char *out = malloc(cap);
  assert_non_null(out);
  out[0] = '\0';
#define PUT(...) (len += (size_t)snprintf(out + len, cap - len, __VA_ARGS__), assert_true(len < cap))
  int in_file = 0;
  for (;;) {
    const struct readahead_batch *b = readahead_next(ra);
    plan->batches++;
    if (*b->notes) PUT("<%s>", b->notes);
    for (size_t i = 0; i < b->nunread; i++) {
      assert_false(in_file);
      PUT("%s unread{}ok ", b->unread[i].path);
    }
    if (b->has_file) {
      assert_false(in_file);
      in_file = 1;
      PUT("%s{", b->file.path);
    }
    size_t text = 0;
    for (size_t i = 0; i < b->nlines; i++) {
      assert_true(in_file);
      PUT("%s|", b->lines[i].text);
      assert_int_equal(strlen(b->lines[i].text), b->lines[i].len);
      text += b->lines[i].len + 1;
    }
    /* a batch holds about READAHEAD_BATCH_BYTES of text, one line more at most */
    if (b->nlines > 1) assert_true(text - b->lines[b->nlines - 1].len - 1 < READAHEAD_BATCH_BYTES);
    if (b->has_end) {
      assert_true(in_file);
      in_file = 0;
      PUT("}%s ", b->end.read_failed ? "failed" : "ok");
    }
    if (b->walk_done) break;
  }
  assert_false(in_file);
  assert_true(readahead_next(ra)->walk_done); /* the last batch again */
  readahead_stop(ra);
  return out;
}

/* What walk_string gives for a tree read whole, computed from the files. */
static char *expected_string(int nfiles, int nlines, int pad, const struct plan *plan) {
  size_t cap = 8 << 20, len = 0;
  char *out = malloc(cap);
  assert_non_null(out);
  out[0] = '\0';
  for (int f = 0; f < nfiles; f++) {
    char path[32];
    snprintf(path, sizeof path, "t/f%03d.csv", f);
    int skip = plan && declines(plan, path);
    PUT("%s%s{", path, skip ? " unread" : "");
    for (int l = 1; l <= nlines && !skip; l++)
      PUT("%d,%d,%.*s|", f, l, pad,
          "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
    PUT("}ok ");
  }
  return out;
}

static void every_line_comes_in_order_within_bounded_batches(void **state) {
  (void)state;
  /* 12 files of 3000 lines of ~100 bytes: each file spans several batches,
   * the tree many times the ring */
  char *dir = make_tree(12, 3000, 90);
  char *want_s = expected_string(12, 3000, 90, NULL);
  static const size_t blocks[] = {0, 1000, 7};
  for (int i = 0; i < 3; i++) {
    struct plan p = {0};
    char *got = walk_string(dir, &p, blocks[i]);
    assert_string_equal(got, want_s);
    free(got);
  }
  free(want_s);
  tl_rmdir(dir);
}

static void a_declined_file_is_never_read(void **state) {
  (void)state;
  char *dir = make_tree(5, 50, 10);
  struct plan p = {.decline = "t/f002.csv"};
  char *got = walk_string(dir, &p, 0);
  char *want_s = expected_string(5, 50, 10, &p);
  assert_string_equal(got, want_s);
  assert_int_equal(p.reads_of_declined, 0);
  free(got);
  free(want_s);
  tl_rmdir(dir);
}

/* Files left unread come many to a batch (a rerun that reads nothing hands
 * the driver a few batches, not one per file), in the walk's order among the
 * files read. */
static void unread_files_come_many_to_a_batch(void **state) {
  (void)state;
  char *dir = make_tree(900, 2, 4);
  struct plan p = {.keep_every = 300};
  char *got = walk_string(dir, &p, 0);
  char *want_s = expected_string(900, 2, 4, &p);
  assert_string_equal(got, want_s);
  assert_int_equal(p.reads_of_declined, 0);
  /* the 3 files read: a batch each; the 897 others in a few */
  assert_true(p.batches < 20);
  free(got);
  free(want_s);
  tl_rmdir(dir);
}

/* The read error of f01 at its second read from the disk (byte SOURCE_BLOCK),
 * past its head: its lines before the
 * error come, then the message, then its end (failed); the next file as
 * usual. */
static void a_read_error_comes_where_it_happened(void **state) {
  (void)state;
  char *dir = make_tree(3, 5000, 60);
  struct plan p = {.eio_path = "t/f001.csv", .eio_offset = SOURCE_BLOCK};
  char *got = walk_string(dir, &p, 1000);
  const char *f1 = strstr(got, "t/f001.csv{1,1,");
  assert_non_null(f1);
  const char *note = strstr(f1, "<");
  assert_non_null(note);
  const char *end = strstr(note, "}failed t/f002.csv{2,1,");
  assert_non_null(end);
  assert_non_null(strstr(note, "/t/f001.csv: cannot read: "));
  assert_true(strstr(note, ": cannot read: ") < end);
  for (const char *c = note; c < end; c++) assert_true(*c != '|'); /* no line after the error */
  assert_true(note[-1] == '|');                                    /* a whole line before it */
  /* every line that ends before the error's byte: the text up to it, but
   * for the partial line (under 80 bytes); a plain file is read SOURCE_BLOCK
   * bytes at a time whatever max_block hands out */
  long long upto = note - (f1 + strlen("t/f001.csv{"));
  assert_true(upto > SOURCE_BLOCK - 80 && upto <= SOURCE_BLOCK);
  assert_non_null(strstr(got, "t/f000.csv{0,1,"));
  assert_non_null(strstr(got, "|}ok t/f001.csv{"));
  assert_non_null(strstr(got, "2,5000,"));
  free(got);
  tl_rmdir(dir);
}

static void the_hash_and_size_are_the_files(void **state) {
  (void)state;
  char *dir = make_tree(2, 5000, 40);
  struct plan p = {0};
  struct readahead_config c = {.want = want, .ctx = &p};
  char root[600];
  snprintf(root, sizeof root, "%s/t/f001.csv", dir);
  char *roots[] = {root};
  struct readahead *ra = readahead_start(roots, 1, &c);
  const struct readahead_batch *b;
  while (!(b = readahead_next(ra))->has_end && !b->walk_done) {
  }
  assert_true(b->has_end); /* the file was found */
  FILE *fp = fopen(root, "rb");
  assert_non_null(fp);
  struct sha256_ctx h;
  sha256_init(&h);
  char buf[4096];
  size_t n, total = 0;
  while ((n = fread(buf, 1, sizeof buf, fp)) > 0) {
    sha256_update(&h, n, (const uint8_t *)buf);
    total += n;
  }
  fclose(fp);
  unsigned char digest[32];
  sha256_digest(&h, sizeof digest, digest);
  assert_memory_equal(b->end.sha256, digest, 32);
  assert_int_equal(b->end.size, (long long)total);
  readahead_stop(ra);
  tl_rmdir(dir);
}

/* Stopped after one batch, with the reading thread blocked on a full ring. */
static void stopping_in_the_middle_returns(void **state) {
  (void)state;
  char *dir = make_tree(8, 4000, 60);
  struct plan p = {0};
  struct readahead_config c = {.want = want, .ctx = &p};
  char *roots[] = {dir};
  for (int taken = 0; taken < 6; taken++) {
    struct readahead *ra = readahead_start(roots, 1, &c);
    for (int i = 0; i < taken; i++) assert_false(readahead_next(ra)->walk_done);
    readahead_stop(ra);
  }
  tl_rmdir(dir);
}

int main(void) {
  msg_quiet = 1;
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(every_line_comes_in_order_within_bounded_batches),
      cmocka_unit_test(a_declined_file_is_never_read),
      cmocka_unit_test(unread_files_come_many_to_a_batch),
      cmocka_unit_test(a_read_error_comes_where_it_happened),
      cmocka_unit_test(the_hash_and_size_are_the_files),
      cmocka_unit_test(stopping_in_the_middle_returns),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
