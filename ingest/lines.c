/* ingest/lines.c: blocks to lines (see lines.h).
 *
 * Every line is copied into the reader's buffer so that the sink gets a
 * NUL-terminated string whatever block boundaries fell inside it; the buffer is
 * reused, so the cost is one memcpy per line and no allocation once it has grown
 * to the longest line. In LINES_CSV mode a quoted field may span lines, but a
 * stray quote must not swallow the rest of a large file: past MAX_JOINED bytes a
 * record ends at the next newline whatever the quotes say. */
#include "ingest/lines.h"

#include <stdlib.h>
#include <string.h>

#include "common/msg.h"

#define MAX_JOINED (64 * 1024)

void line_reader_init(struct line_reader *r, line_sink sink, void *ctx) {
  memset(r, 0, sizeof *r);
  r->sink = sink;
  r->ctx = ctx;
  r->next_number = 1;
  r->start_number = 1;
}

void line_reader_free(struct line_reader *r) {
  free(r->buf);
  free(r->u8);
  r->buf = r->u8 = NULL;
}

static void append(struct line_reader *r, const char *p, size_t n) {
  if (r->len + n + 1 > r->cap) {
    size_t cap = r->cap ? r->cap : 1024;
    while (cap < r->len + n + 1) cap *= 2;
    r->buf = xrealloc(r->buf, cap);
    r->cap = cap;
  }
  memcpy(r->buf + r->len, p, n);
  r->len += n;
  if (r->mode != LINES_CSV) return;
  for (const char *q = p, *end = p + n; (q = memchr(q, '"', (size_t)(end - q))); q++) r->quotes++;
}

static int deliver(struct line_reader *r, int torn, int overlong) {
  size_t len = r->len;
  if (len && r->buf[len - 1] == '\r') len--;
  r->buf[len] = '\0';
  const char *text = r->buf;
  if (r->start_number == 1 && len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0) {
    text += 3;
    len -= 3;
  }
  struct line ln = {
      .text = text, .len = len, .number = r->start_number, .torn = torn, .overlong = overlong};
  r->len = 0;
  r->quotes = 0;
  r->start_number = r->next_number;
  return r->sink(r->ctx, &ln);
}

/* Splits UTF-8 bytes into lines. A line reaching LINE_MAX_BYTES is delivered
 * at once, marked overlong, and the rest of it up to its newline is dropped. */
static int feed_utf8(struct line_reader *r, const char *p, size_t n) {
  const char *end = p + n;
  while (p < end) {
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    const char *stop = nl ? nl : end;
    if (!r->discarding) {
      size_t take = (size_t)(stop - p);
      if (r->len + take >= LINE_MAX_BYTES) {
        append(r, p, LINE_MAX_BYTES - r->len);
        r->discarding = 1;
        int rc = deliver(r, 0, 1);
        if (rc) return rc;
      } else {
        append(r, p, take);
      }
    }
    if (!nl) break;
    p = nl + 1;
    r->next_number++;
    if (r->discarding) {
      r->discarding = 0;
      r->start_number = r->next_number;
      continue;
    }
    if (r->mode == LINES_CSV && (r->quotes & 1) && r->len < MAX_JOINED) {
      append(r, "\n", 1); /* a newline inside a quoted field */
      continue;
    }
    int rc = deliver(r, 0, 0);
    if (rc) return rc;
  }
  return 0;
}

/* Encodes code point CP as UTF-8 at OUT; returns the byte count. */
static size_t put_utf8(char *out, unsigned long cp) {
  if (cp < 0x80) {
    out[0] = (char)cp;
    return 1;
  }
  if (cp < 0x800) {
    out[0] = (char)(0xC0 | (cp >> 6));
    out[1] = (char)(0x80 | (cp & 0x3F));
    return 2;
  }
  if (cp < 0x10000) {
    out[0] = (char)(0xE0 | (cp >> 12));
    out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[2] = (char)(0x80 | (cp & 0x3F));
    return 3;
  }
  out[0] = (char)(0xF0 | (cp >> 18));
  out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
  out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
  out[3] = (char)(0x80 | (cp & 0x3F));
  return 4;
}

/* Transcodes UTF-16LE to UTF-8 and splits it. An odd byte or a high surrogate
 * at the end of a block waits in u16_carry for the next block. Unpaired
 * surrogates become U+FFFD. */
static int feed_utf16(struct line_reader *r, const unsigned char *p, size_t n) {
  if (r->u8cap < n * 2 + 16) {
    r->u8cap = n * 2 + 16;
    r->u8 = xrealloc(r->u8, r->u8cap);
  }
  size_t out = 0;
  size_t i = 0;
  unsigned char unit[4];
  int have = r->u16_ncarry;
  memcpy(unit, r->u16_carry, (size_t)have);
  while (i < n || have >= 2) {
    while (have < 2 && i < n) unit[have++] = p[i++];
    if (have < 2) break;
    unsigned long u = unit[0] | (unsigned long)unit[1] << 8;
    if (u >= 0xD800 && u <= 0xDBFF) {
      while (have < 4 && i < n) unit[have++] = p[i++];
      if (have < 4) break; /* wait for the low surrogate */
      unsigned long lo = unit[2] | (unsigned long)unit[3] << 8;
      if (lo >= 0xDC00 && lo <= 0xDFFF) {
        out += put_utf8(r->u8 + out, 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00));
        have = 0;
      } else {
        out += put_utf8(r->u8 + out, 0xFFFD);
        unit[0] = unit[2];
        unit[1] = unit[3];
        have = 2;
      }
      continue;
    }
    out += put_utf8(r->u8 + out, (u >= 0xDC00 && u <= 0xDFFF) ? 0xFFFD : u);
    have = 0;
  }
  memcpy(r->u16_carry, unit, (size_t)have);
  r->u16_ncarry = have;
  return feed_utf8(r, r->u8, out);
}

int line_reader_feed(struct line_reader *r, const void *data, size_t n) {
  const unsigned char *p = data;
  if (!r->started) {
    /* Collect the first two bytes to look for a UTF-16LE byte order mark. */
    while (r->u16_ncarry < 2 && n) {
      r->u16_carry[r->u16_ncarry++] = *p++;
      n--;
    }
    if (r->u16_ncarry < 2) return 0;
    r->started = 1;
    if (r->u16_carry[0] == 0xFF && r->u16_carry[1] == 0xFE) {
      r->utf16 = 1;
      r->u16_ncarry = 0;
    } else {
      unsigned char first[2] = {r->u16_carry[0], r->u16_carry[1]};
      r->u16_ncarry = 0;
      int rc = feed_utf8(r, (const char *)first, 2);
      if (rc) return rc;
    }
  }
  return r->utf16 ? feed_utf16(r, p, n) : feed_utf8(r, (const char *)p, n);
}

int line_reader_finish(struct line_reader *r) {
  if (!r->started && r->u16_ncarry) { /* a one-byte input */
    r->started = 1;
    int rc = feed_utf8(r, (const char *)r->u16_carry, (size_t)r->u16_ncarry);
    r->u16_ncarry = 0;
    if (rc) return rc;
  }
  if (r->len == 0 || r->discarding) return 0;
  return deliver(r, 1, 0);
}
