/* schema/canon.h: a table's or view's rows in a form that does not depend on
 * where or when the database was built: row ids replaced by natural keys, the
 * bookkeeping of one build left out, rows in a fixed order. What `wattdb
 * status --hash` hashes and what `wattdb diff` compares.
 *
 * The rule (README, "Comparing databases"):
 *  - a column naming a file (file_id, *_file_id, duplicate_of) holds the file's
 *    path instead (source_file.path: relative to the root ingested, or
 *    archive:member, so the same data.zip gives the same paths anywhere);
 *  - a column naming a run (run_id, *_run_id) holds environment/architecture/
 *    dataset/stamp;
 *  - left out: source_file.id, mtime, ingested_at; run.id;
 *    source_eprof_file.version; the table source_built (what one build saw);
 *    the table origin (the database's random id);
 *  - a table's key is its primary key (source_file: path; run: its four
 *    names); a view that stands for a former table (interim_sample,
 *    nvidia_smi_value), that table's key; another view's, or a table's
 *    without one, the columns of CANON_VIEW_KEYS it has; a relation with
 *    neither is keyed by all its columns;
 *  - rows are ordered by key, then by every other column (for diff; the hash
 *    does not depend on their order). */
#ifndef WATTDB_CANON_H
#define WATTDB_CANON_H

#include "schema/db.h"

#define CANON_MAX_COLS 128

/* The key columns of a relation without a primary key, where it has them. */
#define CANON_VIEW_KEYS                                                                            \
  "run_id", "session_file_id", "file_id", "profile", "epoch", "line", "source", "component",        \
      "device", "role", "ts_us", "block", "what", "name", "environment", "architecture", "dataset", \
      "stamp"

struct canon {
  char *select;             /* SELECT key columns..., value columns... ORDER BY ...; sqlite3_free */
  char *unordered;          /* the same without ORDER BY (for the hash, which needs no order) */
  int ncols, nkey;          /* the first nkey result columns are the key */
  char *names[CANON_MAX_COLS]; /* result column names, sqlite3_malloc'd */
};

/* 1 when the relation NAME of SCHEMA ("main" or an attached one) takes part
 * in hashes and diffs: a table or view of wattdb's, not SQLite's own and not
 * source_built. */
int canon_relation(const char *name);

/* Builds C for relation NAME of database SCHEMA of DB. The SELECT reads file
 * and run names from the same SCHEMA. Returns 0, or -1 after printing. */
int canon_build(struct wdb *db, const char *schema, const char *name, struct canon *c);
void canon_free(struct canon *c);

/* The hash of C's rows as a multiset (64 hex digits and a NUL into HEX): the
 * sum, modulo 2^256, of each row's SHA-256 over its typed values (a number as
 * its 8 bytes: a real's IEEE 754 bits), so that no sort is needed; and their
 * number. Equal rows give equal hashes whatever their order. */
int canon_hash(struct wdb *db, const struct canon *c, char hex[65], long long *rows);

#endif
