/* push/server.c: the libpq connection and the versioned server schema.
 *
 * Schema upgrades run under a session advisory lock (SCHEMA_LOCK), so that two
 * machines pushing to a new server at once do not both create it; the check
 * that comes first (version and columns read without the lock) makes the usual
 * push, with nothing to upgrade, take no lock at all. */
#include "push/server.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/msg.h"

/* The key of the advisory lock schema upgrades hold: "watd", as the SQLite
 * application_id. */
#define SCHEMA_LOCK "2003858532"

int pg_connect(struct pg *pg, const char *conninfo) {
  memset(pg, 0, sizeof *pg);
  pg->conn = PQconnectdb(conninfo);
  if (!pg->conn || PQstatus(pg->conn) != CONNECTION_OK) {
    const char *err = pg->conn ? PQerrorMessage(pg->conn) : "out of memory";
    size_t n = strlen(err);
    while (n && (err[n - 1] == '\n' || err[n - 1] == ' ')) n--;
    msg("server: cannot connect: %.*s", (int)n, err);
    PQfinish(pg->conn);
    pg->conn = NULL;
    return -1;
  }
  const char *host = PQhost(pg->conn);
  snprintf(pg->where, sizeof pg->where, "%s on %s", PQdb(pg->conn),
           host && *host ? host : "localhost");
  /* Notices (CREATE ... IF NOT EXISTS and the like) are not for the user. */
  PQclear(PQexec(pg->conn, "SET client_min_messages = warning"));
  return 0;
}

int pg_connect_again(struct pg *to, const struct pg *from) {
  memset(to, 0, sizeof *to);
  PQconninfoOption *o = PQconninfo(from->conn);
  if (!o) {
    msg("out of memory");
    return -1;
  }
  int n = 0;
  while (o[n].keyword) n++;
  const char **keys = calloc((size_t)n + 1, sizeof *keys), **vals = calloc((size_t)n + 1, sizeof *vals);
  int k = 0;
  for (int i = 0; keys && vals && i < n; i++)
    if (o[i].val && *o[i].val) {
      keys[k] = o[i].keyword;
      vals[k++] = o[i].val;
    }
  to->conn = keys && vals ? PQconnectdbParams(keys, vals, 0) : NULL;
  free(keys);
  free(vals);
  PQconninfoFree(o);
  if (!to->conn || PQstatus(to->conn) != CONNECTION_OK) {
    msg("%s: cannot connect a second time: %s", from->where,
        to->conn ? PQerrorMessage(to->conn) : "out of memory");
    PQfinish(to->conn);
    to->conn = NULL;
    return -1;
  }
  snprintf(to->where, sizeof to->where, "%s", from->where);
  PQclear(PQexec(to->conn, "SET client_min_messages = warning"));
  return 0;
}

void pg_close(struct pg *pg) {
  if (pg->conn) PQfinish(pg->conn);
  pg->conn = NULL;
}

/* Prints the error of RES (or of the connection) after WHAT. */
static void pg_error(struct pg *pg, const PGresult *res, const char *what) {
  const char *err = res ? PQresultErrorMessage(res) : "";
  if (!err || !*err) err = PQerrorMessage(pg->conn);
  size_t n = strlen(err);
  while (n && (err[n - 1] == '\n' || err[n - 1] == ' ')) n--;
  msg("%s: %s: %.*s", pg->where, what, (int)n, err);
}

PGresult *pg_query(struct pg *pg, const char *sql, int n, const char *const *params,
                   const char *what) {
  PGresult *res = PQexecParams(pg->conn, sql, n, NULL, params, NULL, NULL, 0);
  ExecStatusType s = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
  if (s != PGRES_TUPLES_OK && s != PGRES_COMMAND_OK) {
    pg_error(pg, res, what);
    PQclear(res);
    return NULL;
  }
  return res;
}

int pg_exec(struct pg *pg, const char *sql, const char *what) {
  PGresult *res = PQexec(pg->conn, sql);
  ExecStatusType s = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
  if (s != PGRES_TUPLES_OK && s != PGRES_COMMAND_OK) {
    pg_error(pg, res, what);
    PQclear(res);
    return -1;
  }
  PQclear(res);
  return 0;
}

/* An integer from the first column of the first row of SQL, DFLT when there is
 * no row or it is NULL; -2 on error (printed). */
static long pg_int(struct pg *pg, const char *sql, long dflt) {
  PGresult *res = pg_query(pg, sql, 0, NULL, "cannot read the schema");
  if (!res) return -2;
  long v = PQntuples(res) && !PQgetisnull(res, 0, 0) ? atol(PQgetvalue(res, 0, 0)) : dflt;
  PQclear(res);
  return v;
}

int pg_has_schema(struct pg *pg) {
  long v = pg_int(pg, "SELECT (to_regclass('wattdb_schema') IS NOT NULL)::int", 0);
  if (v == -2) return -1;
  return v ? 1 : 0;
}

static int file_count(void) {
  int n = 0;
  while (push_sql[n].name) n++;
  return n;
}

static const char server_columns_sql[] =
    "SELECT table_name, column_name FROM information_schema.columns"
    " WHERE table_schema = current_schema() ORDER BY 1, 2";

/* What pg_schema() would change: *VERSION is the server's version (0: no
 * schema), *DDL the mirror DDL or NULL. 0, or -1 printed. */
static int pending(struct pg *pg, const struct mirror *m, struct wdb *local, long *version,
                   char **ddl) {
  *ddl = NULL;
  int has = pg_has_schema(pg);
  if (has < 0) return -1;
  *version = has ? pg_int(pg, "SELECT version FROM wattdb_schema", 0) : 0;
  if (*version == -2) return -1;
  PGresult *cols = pg_query(pg, server_columns_sql, 0, NULL, "cannot read the schema");
  if (!cols) return -1;
  *ddl = mirror_ddl(m, local, cols);
  PQclear(cols);
  return 0;
}

/* Applies the files after VERSION and DDL; called with the lock held. */
static int upgrade(struct pg *pg, long version, const char *ddl) {
  if (pg_exec(pg,
              "BEGIN; CREATE TABLE IF NOT EXISTS wattdb_schema ("
              " one integer PRIMARY KEY CHECK (one = 1), version integer NOT NULL);"
              " INSERT INTO wattdb_schema VALUES (1, 0) ON CONFLICT DO NOTHING; COMMIT",
              "cannot create the schema"))
    return -1;
  /* Mirror tables first: the views of the SQL files read them. */
  if (ddl && pg_exec(pg, ddl, "cannot create the tables of the local schema")) return -1;
  for (int i = (int)version; i < file_count(); i++) {
    char bump[96];
    snprintf(bump, sizeof bump, "UPDATE wattdb_schema SET version = %d", i + 1);
    if (pg_exec(pg, "BEGIN", "begin") || pg_exec(pg, push_sql[i].text, push_sql[i].name) ||
        pg_exec(pg, bump, "cannot record the schema version") ||
        pg_exec(pg, "COMMIT", "cannot commit the schema update")) {
      PQclear(PQexec(pg->conn, "ROLLBACK"));
      return -1;
    }
  }
  return 0;
}

int pg_schema(struct pg *pg, struct wdb *local) {
  struct mirror m;
  if (mirror_load(&m, local)) return -1;
  long version;
  char *ddl;
  int rc = pending(pg, &m, local, &version, &ddl);
  if (rc == 0 && version > file_count()) {
    msg("%s: the server schema is version %ld, newer than this wattdb knows (%d): update "
        "wattdb on this machine", pg->where, version, file_count());
    rc = -1;
  }
  if (rc == 0 && (version < file_count() || ddl)) {
    free(ddl);
    ddl = NULL;
    rc = pg_exec(pg, "SELECT pg_advisory_lock(" SCHEMA_LOCK ")", "cannot lock the schema");
    /* Another push may have upgraded it while we waited: look again. */
    if (rc == 0) rc = pending(pg, &m, local, &version, &ddl);
    if (rc == 0) rc = upgrade(pg, version, ddl);
    PQclear(PQexec(pg->conn, "SELECT pg_advisory_unlock(" SCHEMA_LOCK ")"));
  }
  free(ddl);
  mirror_free(&m);
  return rc;
}
