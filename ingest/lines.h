/* ingest/lines.h: cuts a stream of blocks into lines.
 *
 * Handles what loggers actually write: LF and CRLF endings, a UTF-8 byte order
 * mark, UTF-16LE with a BOM (a PowerShell redirect; transcoded to UTF-8 on the
 * fly), a quoted field that spans lines (kept together as one record, in the
 * LINES_CSV mode only: see enum line_mode), and a last
 * line without newline (reported as `torn`, since a logger killed mid-write
 * leaves exactly that). Blocks may be of any size, down to one byte; the lines
 * are the same. Every line is copied into one buffer, reused from line to line,
 * that grows to the longest line: no allocation per line. */
#ifndef WATTDB_LINES_H
#define WATTDB_LINES_H

#include <stddef.h>

struct line {
  const char *text;  /* without the line terminator; NUL-terminated */
  size_t len;
  long number;       /* 1-based number of the record's first physical line */
  int torn;          /* the input ended inside this line (no terminator) */
  int overlong;      /* longer than LINE_MAX_BYTES: text holds the first
                        LINE_MAX_BYTES, the rest of the line was discarded */
};

/* No log line is this long; a longer one (a binary file, a missing newline) is
 * cut, so that memory stays bounded whatever the input. */
#define LINE_MAX_BYTES (1024 * 1024)

/* How records are cut. LINES_CSV (the default, 0): a newline inside a pending
 * record with an odd number of '"' is part of a quoted CSV field, and the
 * record goes on (up to a bound, see lines.c). LINES_PLAIN: every newline ends a
 * record whatever the quotes, for formats whose records are one physical line
 * each (JSON Lines, where a '\"' inside a string would otherwise glue records
 * together). */
enum line_mode { LINES_CSV, LINES_PLAIN };

/* Called per line; return 0 to go on, nonzero to stop (returned by the feeder). */
typedef int (*line_sink)(void *ctx, const struct line *ln);

struct line_reader {
  line_sink sink;
  void *ctx;
  char *buf;         /* pending partial line (and the NUL-terminated copy) */
  size_t len, cap;
  enum line_mode mode; /* LINES_CSV after line_reader_init; set before the first feed */
  unsigned quotes;   /* '"' seen in the pending line: odd means inside a quoted field */
  long next_number;  /* physical number of the next line to start */
  long start_number; /* physical number where the pending record started */
  int started;       /* the first bytes (BOM check) have been seen */
  int discarding;    /* dropping the rest of an overlong line */
  int utf16;         /* transcoding UTF-16LE */
  unsigned char u16_carry[4]; /* bytes of an incomplete UTF-16 unit or pair */
  int u16_ncarry;
  char *u8;          /* transcoding output */
  size_t u8cap;
};

void line_reader_init(struct line_reader *r, line_sink sink, void *ctx);
void line_reader_free(struct line_reader *r);

/* Feeds N bytes. Returns 0, or the sink's nonzero value. */
int line_reader_feed(struct line_reader *r, const void *data, size_t n);

/* Ends the input: a pending unterminated line goes to the sink with torn set.
 * Returns 0 or the sink's nonzero value. */
int line_reader_finish(struct line_reader *r);

#endif
