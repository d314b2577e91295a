/* ingest/fmt_powermetrics_plist.h: the `-f plist` form of macOS powermetrics,
 * read for the powermetrics format (ingest/fmt_powermetrics.c), which hands it
 * the lines of a file whose first line opens a plist document. */
#ifndef WATTDB_FMT_POWERMETRICS_PLIST_H
#define WATTDB_FMT_POWERMETRICS_PLIST_H

#include "ingest/format.h"

/* The largest plist document (one sample) kept for parsing. A sample with the
 * tasks sampler's 105 processes is 254 KiB; one past this limit is rejected
 * ('too_long') and the next document is read. */
#define PM_PLIST_DOC_MAX (4 * 1024 * 1024)

/* Power rows kept per sample; a real macOS 26 sample has 7 (+ one per cluster
 * with a power of its own). Further power keys are counted as skipped keys. */
#define PM_PLIST_ROWS 64

/* One power row of the sample being read. */
struct pm_row {
  const char *section;  /* 'processor', 'gpu' */
  char name[96];        /* the keys' path without _energy/_power: 'processor.cpu' */
  const char *component;
  char device[64];      /* the cluster's name, else '' */
  int has_e, has_w;
  double energy_j, power_w;
};

/* What one document gives, filled while walking its tree. */
struct pm_doc {
  struct parse *p;
  long line;            /* the `</plist>` line: every row's */
  int notes;            /* unparsed_value rows so far (their col) */
  long keys_read;
  struct pm_row rows[PM_PLIST_ROWS];
  int nrows;
};

/* Per-file state of the plist form, zeroed per file (inside the format's state). */
struct pm_plist {
  int in_doc;          /* inside a document: lines are being collected */
  int opened;          /* the document's `<plist` line has been seen */
  int body;            /* a line other than the prolog (`<?xml`, `<!DOCTYPE`) has been seen */
  int over;            /* the document outgrew PM_PLIST_DOC_MAX: collected no further */
  int torn;            /* the file's last line was torn inside a document */
  int samples;         /* documents stored */
  long first_line;     /* the document's first line collected */
  long last_line;      /* and its last so far */
  size_t len;          /* bytes collected (with a '\n' per line) */
  size_t bytes;        /* bytes of the document, counted past the limit too */
  struct pm_doc d;     /* the document being stored */
  char doc[PM_PLIST_DOC_MAX + 1];
};

/* Nonzero when TEXT (a line) opens a plist document: `<?xml`, `<!DOCTYPE plist`
 * or `<plist`, blanks before it allowed. */
int pm_plist_opens(const char *text);

/* One line of a plist-form file: collected into the current document, which is
 * parsed (libplist) and stored when its `</plist>` line arrives. */
enum line_verdict pm_plist_line(struct parse *p, struct pm_plist *st, const struct line *ln);

/* After the last line: a document left open (the file cut inside it) is said so. */
int pm_plist_close(struct parse *p, struct pm_plist *st);

#endif
