/* ingest/runmeta.h: what the two run-metadata formats share, runs.csv
 * (fmt_run_manifest.c) and the study's own tables (fmt_run_metadata.c): the
 * metadata columns the processed tables have, the header names each is known
 * by, their parsing and binding, and the side table of the other columns.
 *
 * Header names are compared in a canonical form: lowercase, blanks, '-' and '.'
 * read as '_', parentheses dropped, '_' runs collapsed, and the prefixes
 * `params_`, `metrics_` (MLflow's export) and then `val_` (Keras' validation
 * metrics) removed. So `batch size`, `batch_size` and `params.batch_size` are one
 * column, `f1-score` is `f1_score`, `total ram (GB)` is `total_ram_gb`,
 * `metrics.val_binary_accuracy` is `binary_accuracy` (= accuracy). */
#ifndef WATTDB_RUNMETA_H
#define WATTDB_RUNMETA_H

#include <stdint.h>

#include "ingest/format.h"

/* The value columns, in the order of RUNMETA_SQL_COLUMNS (same names in
 * run_manifest and run_metadata). */
enum runmeta_col {
  RM_SPLIT, RM_TRAIN, RM_VALID, RM_BATCH, RM_IMAGE, /* integers */
  RM_TRAINED, RM_MEASURED, RM_SEEN, RM_RC,          /* integers */
  RM_GFLOPS, RM_ACC, RM_AUC, RM_PREC, RM_RECALL, RM_F1, RM_RAM, /* reals */
  RM_NCOL
};
#define RM_FIRST_REAL RM_GFLOPS
#define RUNMETA_SQL_COLUMNS                                                                   \
  "split_number, train_size, validation_size, batch_size, image_size, trained_epochs, "      \
  "measured_epochs, total_seen_images, return_code, gflops, accuracy, auc, precision, recall, " \
  "f1, total_ram_gb"
#define RUNMETA_SQL_PARAMS "?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?"

/* The key columns a file may have. */
enum runmeta_key { RK_ENV, RK_ARCH, RK_DATASET, RK_STAMP, RK_RUN, RK_NKEY };

/* Which header field holds each column (-1: none), and which fields are
 * claimed by one (the others go to run_metadata_extra). */
struct runmeta_map {
  int key[RK_NKEY];
  int value[RM_NCOL];
  unsigned char known[HEADER_MAX_COLS];
};

/* The canonical form of NAME (above) into OUT[N]. */
void runmeta_canon(const char *name, char *out, size_t n);

/* Maps the N header fields NAMES (as written) into M. */
void runmeta_map_header(const char *const *names, int n, struct runmeta_map *m);

/* The delimiter of a header line: the most frequent of ',', ';' and tab
 * outside double quotes (',' when none). */
unsigned char runmeta_delimiter(const char *line);

/* The canonical key columns found in header line LINE split with DELIM: a bit
 * (1 << RK_*) per key present. For bids, no parse context needed. */
unsigned runmeta_sniff_keys(const char *line, unsigned char delim);

struct runmeta_values {
  int64_t i[RM_NCOL];
  double d[RM_NCOL];
  unsigned char set[RM_NCOL];
};

/* Parses the value columns of the data line LN (fields in p->fields) into V:
 * empty cells and sentinels (nan, None: noted in unparsed_value) are unset;
 * integers may be written as whole floats ("98.0", pandas' NaN-able ints); an
 * image size may read `128`, `(128, 128)` or `128x128`. Returns LINE_STORED, or
 * the verdict of the rejection ('bad_number', LINE_FATAL on a database error). */
enum line_verdict runmeta_parse(struct parse *p, const struct line *ln, const struct runmeta_map *m,
                                struct runmeta_values *v);

/* Binds V to parameters FIRST .. FIRST + RM_NCOL - 1 of ST (unset: left NULL,
 * the statement having been reset with its bindings cleared). */
void runmeta_bind(void *st, int first, const struct runmeta_values *v);

/* Stores the non-empty fields of LN that no column claimed in
 * run_metadata_extra under their header names. Returns 0, -1 on a database error. */
int runmeta_store_extra(struct parse *p, const struct line *ln, const struct header *h,
                        const struct runmeta_map *m);

#endif
