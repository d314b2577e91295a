/* ingest/parse_private.h: the part of a file's parse that belongs to the driver
 * (ingest/ingest.c) and to the services of ingest/parse.c: why the file was
 * rejected, how many messages were printed, the field splitter's buffers.
 * Parsers never include it: what they may use is struct parse (format.h). */
#ifndef WATTDB_PARSE_PRIVATE_H
#define WATTDB_PARSE_PRIVATE_H

#include <stddef.h>

#include "ingest/batch.h"
#include "ingest/format.h"

struct csv_parser;

struct parse_private {
  const struct format *format; /* the format reading the file, NULL: none */
  char error[256];             /* why the file was rejected (parse_fail) */
  char first_row_error[256];   /* the first line rejection, for source_file.error */
  long rejects_printed;
  int max_printed;             /* messages printed per file before going quiet */
  /* field splitting (parse_fields): libcsv for quoted lines, one arena for the
   * fields' text, grown to the widest line, never per line */
  struct csv_parser *csv;
  char *arena;
  size_t arena_len, arena_cap;
  size_t *offsets;
  size_t *lengths;
  int fields_cap;
  struct batches batches; /* the file's rows not stored yet (batch.h) */
};

/* Frees what the parse's field splitter grew (the struct itself is the caller's). */
void parse_private_free(struct parse *p);

#endif
