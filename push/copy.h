/* push/copy.h: the rows of one local table sent with COPY, and the digest of rows.
 *
 * Rows go out in COPY's text format (tab-separated, \N for NULL, backslash
 * escapes) through a fixed buffer: no allocation per row. Values keep their
 * SQLite storage class: integers as integers, reals with 17 significant digits
 * (they read back bit for bit), text as is but for bytes that are not UTF-8
 * (or NUL), which PostgreSQL's text cannot hold: those become U+FFFD. */
#ifndef WATTDB_PUSH_COPY_H
#define WATTDB_PUSH_COPY_H

#include <nettle/sha2.h>

#include "push/server.h"

/* Local file id -> file_content id on the server (0: none), by local id. */
struct id_map {
  long long *to;
  long long n;
};

struct rowbuf {
  PGconn *conn;            /* COPY data goes to this connection, or */
  struct sha256_ctx *hash; /* into this digest */
  int failed;              /* the connection refused data */
  int copying;             /* a COPY was started */
  size_t n;
  char data[1 << 16];
};

/* Sends the rows of table T that belong to local file or run LOCAL_ID (all of
 * them for a table of the database's own, MIRROR_OF_ORIGIN; with LOOSE, the
 * rows of no run of local file LOCAL_ID: T->loose), with
 * its file_id or run_id written as SERVER_ID (NULL when 0) and the other *_file_id columns
 * mapped through FILES, as one COPY on PG (inside the caller's transaction).
 * A table without such rows sends nothing. Adds the rows to *ROWS. 0, or -1
 * printed. */
int copy_table(struct pg *pg, struct wdb *local, struct rowbuf *b, const struct mirror_table *t,
               int loose, long long local_id, long long server_id, const struct id_map *files,
               long long *rows);

/* Adds to B->hash the rows of T that belong to LOCAL_ID (LOOSE: as above), without their id
 * columns (run_id, file_id, *_file_id): what two databases holding the same
 * data agree on. 0, or -1 printed. */
int digest_table(struct wdb *local, struct rowbuf *b, const struct mirror_table *t, int loose,
                 long long local_id);

#endif
