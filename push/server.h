/* push/server.h: the connection to a lab's PostgreSQL server and its schema.
 *
 * The server schema is two parts, both brought up to date by pg_schema():
 * the SQL files push/pg/NNN_*.sql (embedded like schema/; wattdb_schema.version
 * counts those applied), and the tables made from the local schema
 * (push/mirror.c: every local table whose rows belong to a file or to a run). */
#ifndef WATTDB_PUSH_SERVER_H
#define WATTDB_PUSH_SERVER_H

#include <libpq-fe.h>

#include "schema/db.h"
#include "schema/embedded.h"

/* push/pg/NNN_*.sql in order. Ends with {0, 0}. */
extern const struct embedded_sql push_sql[];

struct pg {
  PGconn *conn;
  char where[256];  /* 'DBNAME on HOST': what messages name (never the password) */
};

/* Connects with libpq to CONNINFO (a postgresql:// URI or key=value words;
 * PGHOST, PGUSER, ~/.pgpass... apply as for psql). 0, or -1 printed. */
int pg_connect(struct pg *pg, const char *conninfo);
/* Connects TO to the server FROM is connected to, with FROM's connection
 * options (PQconninfo). 0, or -1 printed. */
int pg_connect_again(struct pg *to, const struct pg *from);
void pg_close(struct pg *pg);

/* Runs SQL (no parameters, several statements allowed). 0, or -1 printed with WHAT. */
int pg_exec(struct pg *pg, const char *sql, const char *what);

/* Runs SQL with the N text PARAMS (NULL pointers are SQL NULL). Returns the result
 * when it is PGRES_TUPLES_OK or PGRES_COMMAND_OK, else NULL after printing. The
 * caller PQclear()s it. */
PGresult *pg_query(struct pg *pg, const char *sql, int n, const char *const *params,
                   const char *what);

/* Whether the server already has wattdb's schema: 1 yes, 0 no, -1 error. */
int pg_has_schema(struct pg *pg);

/* Creates or upgrades the server schema for the local database LOCAL: SQL
 * files not yet applied, tables and columns of the local schema the server
 * lacks. Concurrent pushes serialize on an advisory lock; a push that finds
 * everything up to date takes no lock. A server schema newer than this binary
 * is refused. 0, or -1 printed. */
int pg_schema(struct pg *pg, struct wdb *local);

/* Mirror tables (push/mirror.c). */
enum mirror_owner {
  MIRROR_OF_FILE,    /* rows belong to a file: file_id -> source_file (raw tables) */
  MIRROR_OF_RUN,     /* rows belong to a run: run_id (interim, processed, source_*) */
  MIRROR_OF_ORIGIN   /* the database's own settings and references (setting, gpu_spec) */
};
struct mirror_table {
  char *name;          /* local and server table name */
  enum mirror_owner owner;
  int attached;        /* a per-file table of the transform sent with the runs and sessions
                        * its file is attached to (mirror_attached[]): its first two
                        * columns, run_id and session_file_id, are source_attach's */
  int ncols;
  char **cols;         /* local column names, in order */
  int *kind;           /* MIRROR_PLAIN, MIRROR_FILE, MIRROR_RUN, MIRROR_FILEREF */
  sqlite3_stmt *select; /* the rows of one file or run (?1), or all rows; prepared */
  sqlite3_stmt *loose; /* run tables: the rows of no run that belong to local file ?1
                        * (a session's, an MLflow run's of no eprof run); NULL: none */
  const char *loose_key; /* the column naming that file: session_file_id or file_id */
  char *copy;          /* COPY name (cols) FROM STDIN */
  char *copy_binary;   /* the same, WITH (FORMAT binary) */
  int *pgtype;         /* the server's type of each column (PGT_*), mirror_server_types() */
  int binary;          /* every column's server type is one of PGT_INT8/FLOAT8/TEXT, and
                        * origin and host are uuid and text: binary COPY, those two sent */
  char *del;           /* run: DELETE ... WHERE run_id = $1; origin: WHERE origin = $1 */
  char *loose_del;     /* DELETE ... WHERE run_id IS NULL AND loose_key = $1 */
};
enum { MIRROR_PLAIN, MIRROR_FILE, MIRROR_RUN, MIRROR_FILEREF };
/* The server column types COPY's binary format is written for (push/copy.c). */
enum { PGT_OTHER, PGT_INT8, PGT_FLOAT8, PGT_TEXT };

struct mirror {
  struct mirror_table *t;
  int n;
};

/* The transform's per-file tables that the server keeps per run and session
 * (v_power reads them): their rows are sent with every run and session their
 * file is attached to (source_attach), as MIRROR_OF_RUN tables whose first
 * columns are run_id and session_file_id. Ends with NULL. */
extern const char *const mirror_attached[];

/* The tables of LOCAL whose rows belong to a file (a foreign key file_id ->
 * source_file), to a run (a foreign key run_id -> run, or a run_id column in a
 * table without the file key: the transform's source_* tables; and
 * mirror_attached[]) or to the database (setting, gpu_spec), with their
 * columns. A run table whose run_id may be NULL has loose rows too: those of
 * no run, each belonging to the local file in its session_file_id (else
 * file_id). 0, or -1. */
int mirror_load(struct mirror *m, struct wdb *local);
void mirror_free(struct mirror *m);

/* Reads the server's type of every column of M (after pg_schema()): sets each
 * table's pgtype and binary. 0, or -1 printed. */
int mirror_server_types(struct mirror *m, struct pg *pg);

/* The DDL that makes the server's tables match M (CREATE TABLE for a missing
 * table, ALTER TABLE ADD COLUMN for a missing column), given the server's
 * columns COLS (rows of table_name, column_name). NULL when nothing is
 * missing; free() the result otherwise. */
char *mirror_ddl(const struct mirror *m, struct wdb *local, const PGresult *cols);

#endif
