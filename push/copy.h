/* push/copy.h: the rows of one local table sent with COPY, and the digest of rows.
 *
 * Rows go out through a fixed buffer (no allocation per row) in COPY's binary
 * format when every column of the server table is bigint, double precision or
 * text (mirror_server_types()): integers and doubles as their 8 network-order
 * bytes, exact and neither printed nor parsed. Otherwise, and into digests, in
 * COPY's text format (tab-separated, \N for NULL, backslash escapes): integers
 * as integers, reals with 17 significant digits (they read back bit for bit).
 * Text goes as is in both but for bytes that are not UTF-8 (or NUL), which
 * PostgreSQL's text cannot hold: those become U+FFFD. */
#ifndef WATTDB_PUSH_COPY_H
#define WATTDB_PUSH_COPY_H

#include <nettle/sha2.h>
#include <pthread.h>

#include "push/server.h"

/* Local file id -> file_content id on the server (0: none), by local id. */
struct id_map {
  long long *to;
  long long n;
};

struct rowbuf {
  PGconn *conn;            /* COPY data goes to this connection, or */
  struct sha256_ctx *hash; /* into this digest */
  unsigned char origin[16]; /* the binary format's origin and host of every row */
  const char *host;
  pthread_mutex_t *lock;   /* held while the local database is read (NULL: none): lanes
                            * that share its connection take turns, released while
                            * the rows read go out */
  int failed;              /* the connection refused data */
  int copying;             /* a COPY was started */
  size_t n;
  char data[1 << 16];
};

/* Sets the origin (a UUID's text) and host B writes into every row of a
 * binary COPY. 0, or -1 when ORIGIN is not a UUID. */
int rowbuf_identity(struct rowbuf *b, const char *origin, const char *host);

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
