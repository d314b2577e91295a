/* fuzz/fuzz_bid.c: fuzzes the bidding: every format's bid() and format_choose()
 * (ingest/formats.c) on a struct sniff built from the input as the driver builds
 * it (ingest/ingest.c build_sniff): the bytes cut into lines by the line reader,
 * joined with LF, and the first non-blank line apart.
 *
 * The input's first byte picks the file name (low 4 bits) and whether the path
 * is an eprof run folder (bit 4); the rest is the file's head. Checks: every bid
 * is in 0..100, and format_choose() returns the first highest bidder (NULL when
 * all bid 0). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ingest/formats.h"
#include "ingest/lines.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const names[16] = {
    "gpu-power-20240101T000000.csv", "cpu-mem-usage-20240101T000000.csv",
    "epoch_end-20240101T000000.csv", "performance-20240101T000000.csv",
    "oom-experiments_20240101T000000.csv", "runs.csv", "emissions.csv", "emissions.csv_3.bak",
    "perf-stat.txt", "rapl.csv", "wattmetre.csv", "gpus.csv", "nvidia-smi.log", "notes.txt",
    "data", "",
};

struct buf {
  char *s;
  size_t len, cap;
};

static int sink(void *ctx, const struct line *ln) {
  struct buf *b = ctx;
  if (b->len + ln->len + 2 > b->cap) {
    b->cap = (b->len + ln->len + 2) * 2;
    b->s = realloc(b->s, b->cap);
    if (!b->s) abort();
  }
  memcpy(b->s + b->len, ln->text, ln->len);
  b->len += ln->len;
  b->s[b->len++] = '\n';
  b->s[b->len] = '\0';
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1) return 0;
  const char *name = names[data[0] & 15];
  int in_run = (data[0] >> 4) & 1;
  char path[128];
  snprintf(path, sizeof path, "%s%s", in_run ? "raw/lab/net/ds/" : "meters/", name);

  struct buf head = {malloc(1), 0, 1};
  if (!head.s) abort();
  head.s[0] = '\0';
  struct line_reader r;
  line_reader_init(&r, sink, &head);
  line_reader_feed(&r, data + 1, size - 1);
  line_reader_finish(&r);
  line_reader_free(&r);

  /* the first non-blank line, at most 4095 bytes, as the driver keeps it */
  char first[4096] = "";
  for (const char *p = head.s; *p;) {
    const char *nl = strchr(p, '\n');
    size_t n = nl ? (size_t)(nl - p) : strlen(p);
    size_t k = 0;
    while (k < n && (p[k] == ' ' || p[k] == '\t')) k++;
    if (k < n) {
      if (n >= sizeof first) n = sizeof first - 1;
      memcpy(first, p, n);
      first[n] = '\0';
      break;
    }
    p += n + (nl ? 1 : 0);
    if (!nl) break;
  }
  /* exact-size copies, so that a read past either end is caught */
  size_t flen = strlen(first);
  char *first_copy = malloc(flen + 1);
  char *head_copy = malloc(head.len + 1);
  if (!first_copy || !head_copy) abort();
  memcpy(first_copy, first, flen + 1);
  memcpy(head_copy, head.s, head.len + 1);
  struct sniff sn = {.name = name, .path = path, .head = head_copy, .len = head.len,
                     .first_line = first_copy};

  const struct format *best = NULL;
  int best_bid = 0;
  for (int i = 0; formats[i]; i++) {
    int b = formats[i]->bid(&sn);
    static const int tiers[] = {BID_NONE,    BID_SHAPE,     BID_VOCABULARY, BID_COLUMNS,
                                BID_PARTIAL, BID_SIGNATURE, BID_EXACT};
    int tier = 0;
    for (size_t k = 0; k < sizeof tiers / sizeof *tiers; k++) tier |= b == tiers[k];
    if (!tier) {
      fprintf(stderr, "fuzz_bid: %s bid %d, not a tier of enum bid\n", formats[i]->name, b);
      abort();
    }
    if (b > best_bid) {
      best_bid = b;
      best = formats[i];
    }
  }
  const struct format *chosen = format_choose(&sn);
  if (chosen != best) {
    fprintf(stderr, "fuzz_bid: format_choose gave %s, the first highest bid is %s's\n",
            chosen ? chosen->name : "none", best ? best->name : "none");
    abort();
  }
  free(head.s);
  free(head_copy);
  free(first_copy);
  return 0;
}
