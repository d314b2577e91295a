/* push/identity.h: who sends a push, and which run is which across machines.
 *
 * The rule (README, "Lab database"): a row on the server came from the origin
 * (schema/016_origin.sql) and host of the push that sent it; a file's content
 * is one whatever its path and sender (sha256, format, parser version); a run
 * is one run when its key (environment, architecture, dataset, stamp) and its
 * fingerprint agree, the fingerprint being the content hash of its GPU log
 * (the eprof-gpu file; without one, the smallest hash among its files; ''
 * without any). */
#ifndef WATTDB_PUSH_IDENTITY_H
#define WATTDB_PUSH_IDENTITY_H

#include <stddef.h>

#include "schema/db.h"

struct identity {
  char origin[40];      /* the local database's origin UUID */
  char created_at[32];  /* when it was made */
  char host[256];       /* this machine's host name */
};

/* Reads the origin of LOCAL and the host name. 0, or -1 printed. */
int identity_read(struct identity *id, struct wdb *local);

/* The local runs with their identity: columns id, environment, architecture,
 * dataset, stamp, fingerprint, ordered by id. */
extern const char identity_runs_sql[];

#endif
