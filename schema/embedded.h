/* schema/embedded.h: SQL text compiled into the binary (see schema/embed.sh). */
#ifndef WATTDB_EMBEDDED_H
#define WATTDB_EMBEDDED_H

struct embedded_sql {
  const char *name;  /* file name, e.g. "001_core.sql" */
  const char *text;  /* the whole file */
};

/* schema/NNN_*.sql in order; the database's PRAGMA user_version counts how many
 * of them have been applied. Ends with {0, 0}. */
extern const struct embedded_sql schema_sql[];

/* The schema those files leave in an empty database, as one SQL text of
 * CREATE statements (schema/gen_fresh.c, at build time): schema_fresh[0]; ends
 * with {0, 0}. */
extern const struct embedded_sql schema_fresh[];

/* transform/NNN_*.sql in order, run by `wattdb transform`. Ends with {0, 0}. */
extern const struct embedded_sql transform_sql[];

#endif
