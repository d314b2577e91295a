/* ingest/format.h: the interface between the ingest driver and the parsers, one
 * per raw format.
 *
 * Adding a raw format:
 *  1. write ingest/fmt_<name>.c, opening with a comment that shows the dialect it
 *     reads (a header line, the units, the quirks), and defining a
 *     `const struct format fmt_<name>`;
 *  2. add its tables to a schema/NNN_<name>.sql file (rows keyed by file_id, line);
 *  3. list it in formats[] in ingest/formats.c, and give it a row in the README's
 *     format table naming its `tables` (tests/test_format_registry.c checks both
 *     against what its fixtures fill);
 *  4. add fixtures under tests/fixtures/<name>/ and a suite tests/test_fmt_<name>.c
 *     (its fuzz target comes from the registry).
 *
 * Life of a file: the driver reads the first block, asks every format to bid on
 * it (enum bid), and gives the file to the highest bidder. It then calls open(), line() for
 * every line in order (the header included), and close(), all inside one
 * transaction that also writes the file's source_file row. A parser stores each
 * line it accepts in its raw table and returns LINE_STORED, records each line it
 * refuses with parse_reject() and returns LINE_REJECTED, or returns LINE_SKIPPED
 * for lines that are not data (headers, blank lines). */
#ifndef WATTDB_FORMAT_H
#define WATTDB_FORMAT_H

#include <stddef.h>
#include <stdint.h>

#include "ingest/lines.h"
#include "schema/db.h"

enum line_verdict {
  LINE_STORED,      /* stored in a raw table */
  LINE_REJECTED,    /* stored in rejected_row (parse_reject) */
  LINE_SKIPPED,     /* not data: a header, a blank line */
  LINE_REFUSE_FILE, /* the whole file is refused (parse_fail said why): its rows are rolled back */
  LINE_FATAL        /* a database error: the ingest stops */
};

/* What a format sees when it bids: the file name and its first bytes. */
struct sniff {
  const char *name;      /* base name, e.g. "gpu-power-20231218T205204.csv" */
  const char *path;      /* logical path */
  const char *head;      /* first bytes, UTF-8 (transcoded, BOM removed), NUL-terminated */
  size_t len;
  const char *first_line;/* the first non-blank line of head, NUL-terminated, CR removed */
};

/* How sure a format is that a file is its own, from its name and first bytes.
 * The highest bid wins; equal bids go to the format listed first in formats.c.
 * A format bids the tier its evidence reaches, never a number of its own. */
enum bid {
  BID_NONE = 0,        /* not mine */
  BID_SHAPE = 40,      /* only the shape of the lines says so (a timestamp where mine has one) */
  BID_VOCABULARY = 60, /* a header in my tool's vocabulary, which other formats share */
  BID_COLUMNS = 70,    /* every column of my set, spelled the way another tool spells it */
  BID_PARTIAL = 75,    /* a part of my signature that a few others could write too */
  BID_SIGNATURE = 90,  /* words only my tool writes: its header's key columns, a marker, a name */
  BID_EXACT = 95,      /* my exact header or separator line */
};

struct parse;
struct csv_table;

struct format {
  const char *name;            /* stored in source_file.format, e.g. "eprof-gpu" */
  int version;                 /* parser version: a change makes unchanged files re-read */
  const char *time_convention; /* "naive-local", "utc", "relative" or NULL */
  const char *tables;          /* the raw tables it fills, comma-separated, as the README's
                                  format table lists them (tests/test_format_registry.c) */
  /* A tier of enum bid (BID_NONE: not mine). */
  int (*bid)(const struct sniff *s);
  /* Prepares for a file; may set p->format_version. Return 0, or -1 after
   * parse_fail() to reject the whole file. */
  int (*open)(struct parse *p);
  enum line_verdict (*line)(struct parse *p, const struct line *ln);
  /* A declared CSV format (ingest/csvtable.h) sets this instead of line and
   * state_size: the driver reads its lines with csv_table_line(). */
  const struct csv_table *table;
  /* After the last line: final checks. Return 0, or -1 after parse_fail(). It
   * may parse_reject() a line it returned LINE_SKIPPED for, and only the last
   * line of a record the file ends inside (cut at a line end, not torn): the
   * driver then counts that line as rejected instead of skipped, and as the
   * end of a stopped logger, as it counts a torn last line. */
  int (*close)(struct parse *p);
  /* Nonzero when a last line without newline is a complete record (files written
   * by people or written once, such as manifests). Otherwise such a line is taken
   * as torn by a killed logger and rejected as 'truncated' before the parser sees it. */
  int keeps_unterminated_tail;
  /* How the driver cuts the file into lines (ingest/lines.h): LINES_CSV (0, the
   * default) keeps a quoted field's newlines inside its record; LINES_PLAIN ends
   * every record at its newline (JSON Lines, where quotes are not CSV's). */
  enum line_mode line_mode;
  /* Nonzero for files whose bytes are not lines of a log (an MLflow artifact: a
   * model, a plot): the driver reads them for the hash only and counts no line;
   * open() stores what the format keeps of the file. */
  int opaque;
  size_t state_size;           /* bytes of zeroed per-file state at p->state */
};

struct parse_private;
struct ingest_options;

/* Per-file parsing context, owned by the driver: what a parser reads and writes.
 * The driver's own part (why the file was rejected, message counts, the field
 * splitter's buffers) is behind priv, for ingest/parse.c alone. */
struct parse {
  struct wdb *db;
  int64_t file_id;             /* the source_file row every raw row is keyed by */
  const char *path;            /* logical path, for messages */
  const char *name;            /* base name */
  void *state;                 /* format's own, state_size bytes, zeroed per file */
  char format_version[32];     /* header variant, e.g. "native" (source_file.format_version) */
  int leading_nuls_separate;   /* set by a parser: NUL bytes that open a line separate records
                                  (powermetrics -f plist writes one after each document), so
                                  the driver removes them instead of rejecting the line as
                                  'nul_byte'; a NUL further in is rejected still. 0 per file */
  int nfields;                 /* the fields of the line parse_fields() last split */
  const char **fields;
  const struct ingest_options *options; /* what the user asked of this ingest (ingest.h) */
  struct parse_private *priv;
};

/* Splits LN into fields with DELIM (libcsv: quotes honoured, blanks around
 * unquoted fields removed). Returns the field count; the fields stay valid until
 * the next call, so they may be bound with SQLITE_STATIC for an insert stepped
 * before then. Never allocates once the buffers have grown. */
int parse_fields(struct parse *p, const struct line *ln, unsigned char delim);

/* Bytes of a rejected line kept in rejected_row.raw (its length goes to raw_bytes). */
#define REJECT_RAW_MAX 4096

/* Records LN as rejected: a rejected_row with REASON (a short code), the
 * formatted message, the first REJECT_RAW_MAX bytes of the line (cut on a UTF-8
 * character boundary) and its length, printed as `wattdb: PATH:LINE:COL: message`
 * for the first few per file. COL is 1-based, 0 for the whole line. Returns LINE_REJECTED, or
 * LINE_FATAL when the database write failed. */
enum line_verdict parse_reject(struct parse *p, const struct line *ln, int col, const char *reason,
                               const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* Rejects the whole file with the formatted reason (kept in source_file.error). */
void parse_fail(struct parse *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Records that column NAME (field COL) of LN was stored as NULL because the file
 * said TEXT (e.g. "[N/A]"). Returns 0 or -1 on a database error. */
int parse_note_null(struct parse *p, const struct line *ln, int col, const char *name,
                    const char *text);

/* A column a parser looks for in a header, by any of up to 4 names (compared
 * without case, blanks around removed). */
struct column_spec {
  const char *names[4];
  int required;   /* the file is refused without it */
};

/* Matches the fields of the header line last split by parse_fields() against
 * the N SPECS: MAP[i] gets the field index of spec i, or -1. Returns -1 when a
 * required column is missing (after parse_fail() naming it), else the number of
 * header fields no spec claimed. */
int parse_map_header(struct parse *p, const struct column_spec *specs, int n, int *map);

/* The widest header parse_header_or_data() reads, in fields and in bytes (all
 * its names with their NULs, repeats renamed included). A wider one refuses
 * the file with a reason naming the limit: no real log comes near (codecarbon
 * has 38 columns), and a bounded struct header keeps parser state fixed-size. */
#define HEADER_MAX_COLS 256
#define HEADER_MAX_BYTES 16384

/* A parser's memory of the header line of the file it reads: every field, in
 * full. A name that repeats an earlier one keeps its text as written (to
 * recognise the header repeated mid-file) and gets a distinct name, the first
 * free of NAME.1, NAME.2, ... (as pandas names them), so that tables keyed by
 * column name never see the same name twice in one line. */
struct header {
  int seen;                              /* the header line has been read */
  int n;                                 /* its field count, at most HEADER_MAX_COLS */
  int short_rows_ok;                     /* set by the parser: a data line may have fewer
                                            fields than the header (missing trailing ones) */
  int renamed;                           /* how many fields repeat an earlier name */
  uint16_t written[HEADER_MAX_COLS];     /* offset in text of field i as written */
  uint16_t name[HEADER_MAX_COLS];        /* offset in text of its distinct name */
  char text[HEADER_MAX_BYTES];           /* the NUL-terminated strings */
};

/* The distinct name of header field I (0 <= I < H->n): the field as written,
 * unless an earlier field has the same text (then NAME.k, see above). */
static inline const char *header_name(const struct header *h, int i) {
  return h->text + h->name[i];
}

/* For a parser whose file starts with a header line: splits LN with DELIM; if
 * no header was seen yet, takes LN as the header (maps it with SPECS into MAP
 * and remembers it in H) and returns LINE_SKIPPED, or LINE_REFUSE_FILE (after
 * parse_fail) when a required column is missing or the header is wider than
 * HEADER_MAX_COLS / HEADER_MAX_BYTES. A repeated name is renamed (struct
 * header) and said so on stderr. Returns LINE_SKIPPED as well for a later line that
 * repeats the header, LINE_REJECTED (recorded as 'field_count') for a data line
 * with more fields than the header (or fewer, unless H->short_rows_ok), and
 * LINE_STORED for a data
 * line, whose fields are then ready in p->fields (nothing is stored yet: the
 * parser does that). */
enum line_verdict parse_header_or_data(struct parse *p, const struct line *ln, unsigned char delim,
                                       struct header *h, const struct column_spec *specs, int nspecs,
                                       int *map);

/* Steps an INSERT and resets it; on a constraint error (a duplicate line key,
 * impossible in practice) or any other error returns -1 after printing. */
int parse_insert(struct parse *p, void *stmt);

#endif
