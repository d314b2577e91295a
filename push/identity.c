/* push/identity.c: the origin and host of a push, the fingerprint of a run
 * (the rule is in identity.h). */
#include "push/identity.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/msg.h"

const char identity_runs_sql[] =
    "SELECT r.id, r.environment, r.architecture, r.dataset, r.stamp,"
    " coalesce((SELECT min(f.sha256) FROM source_file f WHERE f.run_id = r.id"
    "           AND f.format = 'eprof-gpu' AND f.sha256 IS NOT NULL),"
    "          (SELECT min(f.sha256) FROM source_file f WHERE f.run_id = r.id"
    "           AND f.sha256 IS NOT NULL), '')"
    " FROM run r ORDER BY r.id";

int identity_read(struct identity *id, struct wdb *local) {
  memset(id, 0, sizeof *id);
  sqlite3_stmt *st = wdb_stmt(local, "SELECT id, created_at FROM origin WHERE one = 1");
  if (!st) return -1;
  if (sqlite3_step(st) != SQLITE_ROW) {
    sqlite3_reset(st);
    msg("%s: the database has no origin id (table origin is empty): it cannot be pushed",
        local->path);
    return -1;
  }
  snprintf(id->origin, sizeof id->origin, "%s", (const char *)sqlite3_column_text(st, 0));
  snprintf(id->created_at, sizeof id->created_at, "%s", (const char *)sqlite3_column_text(st, 1));
  sqlite3_reset(st);
  if (gethostname(id->host, sizeof id->host - 1) != 0 || !id->host[0])
    snprintf(id->host, sizeof id->host, "unknown");
  return 0;
}
