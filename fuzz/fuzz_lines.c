/* fuzz/fuzz_lines.c: fuzzes the line reader (ingest/lines.c).
 *
 * The input's first byte gives how many block sizes follow (1-8, its low three
 * bits) and the line mode (bit 3: LINES_PLAIN, else LINES_CSV), those bytes the
 * sizes (cycled); the rest is the text. The text is read twice, once in one
 * block and once in blocks of those sizes, and the two readings must give the
 * same lines (lines.h: "Blocks may be of any size ... the lines are the same").
 * Per line: NUL-terminated at len, strlen == len when it holds no NUL, no newline
 * unless a quote joined lines (never in plain mode), numbers increasing from 1, nothing after a torn
 * line, no line numbered past the input's newline count + 1. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ingest/lines.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct seen {
  enum line_mode mode;
  char *log;           /* every line: number, flags, length, text */
  size_t len, cap;
  long last_number;
  int torn_seen;
  long max_number;     /* no line may start past this physical line */
};

static void fail(const char *what, const struct line *ln) {
  fprintf(stderr, "fuzz_lines: %s (line %ld, len %zu)\n", what, ln->number, ln->len);
  abort();
}

static void put(struct seen *s, const void *p, size_t n) {
  if (s->len + n > s->cap) {
    s->cap = (s->len + n) * 2;
    s->log = realloc(s->log, s->cap);
    if (!s->log) abort();
  }
  memcpy(s->log + s->len, p, n);
  s->len += n;
}

static int sink(void *ctx, const struct line *ln) {
  struct seen *s = ctx;
  if (ln->text[ln->len] != '\0') fail("text not NUL-terminated at len", ln);
  if (!memchr(ln->text, '\0', ln->len) && strlen(ln->text) != ln->len) fail("strlen != len", ln);
  if (ln->len > LINE_MAX_BYTES) fail("longer than LINE_MAX_BYTES", ln);
  if (ln->number < 1 || ln->number <= s->last_number) fail("line numbers not increasing", ln);
  if (ln->number > s->max_number) fail("line number past the input's newlines", ln);
  if (s->torn_seen) fail("a line after a torn line", ln);
  if (memchr(ln->text, '\n', ln->len) && (s->mode == LINES_PLAIN || !memchr(ln->text, '"', ln->len)))
    fail(s->mode == LINES_PLAIN ? "newline inside a line in plain mode" : "newline inside a line without quotes",
         ln);
  s->last_number = ln->number;
  s->torn_seen = ln->torn;
  long head[2] = {ln->number, ln->torn * 2 + ln->overlong};
  put(s, head, sizeof head);
  put(s, &ln->len, sizeof ln->len);
  put(s, ln->text, ln->len);
  return 0;
}

/* Reads TEXT in MODE in blocks of SIZES[i % nsizes] bytes (NULL: one block) into S. */
static void read_all(struct seen *s, enum line_mode mode, const uint8_t *text, size_t n,
                     const size_t *sizes, int nsizes, long max_number) {
  struct line_reader r;
  memset(s, 0, sizeof *s);
  s->mode = mode;
  s->max_number = max_number;
  line_reader_init(&r, sink, s);
  r.mode = mode;
  if (!sizes) {
    line_reader_feed(&r, text, n);
  } else {
    for (size_t off = 0, i = 0; off < n; i++) {
      size_t k = sizes[i % (size_t)nsizes];
      if (k > n - off) k = n - off;
      line_reader_feed(&r, text + off, k);
      off += k;
    }
  }
  line_reader_finish(&r);
  line_reader_free(&r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1) return 0;
  int nsizes = (data[0] & 7) + 1;
  enum line_mode mode = data[0] & 8 ? LINES_PLAIN : LINES_CSV;
  if (size < 1 + (size_t)nsizes) return 0;
  size_t sizes[8];
  for (int i = 0; i < nsizes; i++) {
    uint8_t b = data[1 + i];
    sizes[i] = b < 128 ? (size_t)b + 1 : (size_t)(b - 127) * 1024; /* 1-128 B or 1-128 KiB */
  }
  const uint8_t *text = data + 1 + nsizes;
  size_t n = size - 1 - (size_t)nsizes;
  long newlines = 0;
  for (size_t i = 0; i < n; i++) newlines += text[i] == '\n';

  struct seen whole, cut;
  read_all(&whole, mode, text, n, NULL, 0, newlines + 1);
  read_all(&cut, mode, text, n, sizes, nsizes, newlines + 1);
  if (whole.len != cut.len || (whole.len && memcmp(whole.log, cut.log, whole.len) != 0)) {
    fprintf(stderr, "fuzz_lines: lines differ with block sizes (%zu vs %zu log bytes)\n",
            whole.len, cut.len);
    abort();
  }
  free(whole.log);
  free(cut.log);
  return 0;
}
