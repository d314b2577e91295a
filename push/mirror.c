/* push/mirror.c: the server tables made from the local schema.
 *
 * The raw tables (every local table with a foreign key file_id -> source_file),
 * the per-run tables (run_id: interim, processed, run_meta, run_input, the
 * transform's source_* tables) and the database's own tables (setting,
 * gpu_spec) are not written a second time in PostgreSQL's dialect: the server
 * gets, for each, a table of the same name and columns (declared types mapped
 * by SQLite's affinity rules), and two more columns, origin and host, filled
 * by their defaults or sent with every row (push/copy.c; a local column of
 * either name is renamed: server_column()). The raw tables keep their primary
 * key, the database's own tables theirs led by origin (one set per origin);
 * the per-run tables have a BRIN index on run_id instead (mirror_ddl() says
 * why). A local schema that grows a table or a column grows the
 * server's at the next push.
 *
 * On the server, a raw table's file_id is a file_content id and a per-run
 * table's run_id a server run id; the other *_file_id columns of per-run
 * tables are file_content ids too (MIRROR_FILEREF): push/push.c maps them.
 *
 * A per-run table whose run_id may be NULL also holds rows of no run (a
 * session's, an MLflow run's of no eprof run): they belong to the local file
 * named by session_file_id (else file_id), sent with it (mirror_table.loose).
 * Three per-file tables of the transform that v_power reads (mirror_attached)
 * go as per-run tables: their rows once per run or session their file is
 * attached to, with source_attach's run_id and session_file_id in front;
 * push/pg/006_power.sql makes them on the server. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/msg.h"
#include "push/server.h"

/* owner: MIRROR_OF_FILE, MIRROR_OF_RUN or MIRROR_OF_ORIGIN (0, 1, 2) */
static const char tables_sql[] =
    "WITH t AS ("
    " SELECT m.name,"
    "  EXISTS (SELECT 1 FROM pragma_foreign_key_list(m.name) f"
    "          WHERE f.\"table\" = 'source_file' AND f.\"from\" = 'file_id') AS of_file,"
    "  EXISTS (SELECT 1 FROM pragma_table_info(m.name) c WHERE c.name = 'run_id') AS has_run"
    " FROM sqlite_schema m"
    " WHERE m.type = 'table' AND m.name NOT IN ('source_file', 'run', 'origin'))"
    " SELECT name, CASE WHEN of_file THEN 0 WHEN has_run THEN 1 ELSE 2 END FROM t"
    " WHERE of_file OR has_run OR name IN ('setting', 'gpu_spec')"
    " ORDER BY name";

static const char columns_sql[] =
    "SELECT name, type, pk, \"notnull\" FROM pragma_table_info(?1) ORDER BY cid";

static const char *const owner_key[] = {"file_id", "run_id", "origin"};

/* Appends the printf-formatted text to *S (of length *N). */
__attribute__((format(printf, 3, 4))) static void append(char **s, size_t *n, const char *fmt,
                                                         ...) {
  va_list ap;
  va_start(ap, fmt);
  int k = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  *s = xrealloc(*s, *n + (size_t)k + 1);
  va_start(ap, fmt);
  vsnprintf(*s + *n, (size_t)k + 1, fmt, ap);
  va_end(ap);
  *n += (size_t)k;
}

/* The server's name of local column NAME: the same, but for a local column
 * called origin or host (zeus_log_line.origin, a log record's source line),
 * which becomes local_origin / local_host, the server's origin and host being
 * the sender's. */
static const char *server_column(const char *name) {
  if (!strcmp(name, "origin")) return "local_origin";
  if (!strcmp(name, "host")) return "local_host";
  return name;
}

static int kind_of(enum mirror_owner owner, const char *col) {
  size_t n = strlen(col);
  if (owner == MIRROR_OF_FILE && !strcmp(col, "file_id")) return MIRROR_FILE;
  if (owner == MIRROR_OF_FILE) return MIRROR_PLAIN; /* codecarbon_row.run_id is codecarbon's */
  if (owner == MIRROR_OF_RUN && !strcmp(col, "run_id")) return MIRROR_RUN;
  if (n >= 7 && !strcmp(col + n - 7, "file_id")) return MIRROR_FILEREF;
  return MIRROR_PLAIN;
}

const char *const mirror_attached[] = {"source_file_offset", "source_powermetrics_sample",
                                       "source_aipowermeter_interval", NULL};

/* The attachments of the files, once per run or session (perf: per block). */
#define ATTACH_SQL                                                                          \
  " JOIN (SELECT DISTINCT file_id AS a_file, run_id AS a_run, session_file_id AS a_session" \
  " FROM source_attach) a ON a.a_file = t.file_id"

static void add_column(struct mirror_table *t, const char *c, char **list, size_t *nlist,
                       char **copy_list, size_t *ncopy_list, const char *expr) {
  t->cols = xrealloc(t->cols, sizeof *t->cols * (size_t)(t->ncols + 1));
  t->kind = xrealloc(t->kind, sizeof *t->kind * (size_t)(t->ncols + 1));
  t->cols[t->ncols] = xstrdup(c);
  t->kind[t->ncols] = kind_of(t->owner, c);
  if (expr) append(list, nlist, "%s%s", t->ncols ? ", " : "", expr);
  else append(list, nlist, "%st.\"%s\"", t->ncols ? ", " : "", c);
  append(copy_list, ncopy_list, "%s\"%s\"", t->ncols ? ", " : "", server_column(c));
  t->ncols++;
}

static int prepare(struct wdb *local, const struct mirror_table *t, const char *sql,
                   sqlite3_stmt **st) {
  if (sqlite3_prepare_v2(local->sql, sql, -1, st, NULL) == SQLITE_OK) return 0;
  msg("%s: %s: %s", local->path, t->name, sqlite3_errmsg(local->sql));
  return -1;
}

int mirror_load(struct mirror *m, struct wdb *local) {
  memset(m, 0, sizeof *m);
  sqlite3_stmt *st = wdb_stmt(local, tables_sql), *cs;
  if (!st) return -1;
  while (sqlite3_step(st) == SQLITE_ROW) {
    m->t = xrealloc(m->t, sizeof *m->t * (size_t)(m->n + 1));
    struct mirror_table *t = &m->t[m->n++];
    memset(t, 0, sizeof *t);
    t->name = xstrdup((const char *)sqlite3_column_text(st, 0));
    t->owner = (enum mirror_owner)sqlite3_column_int(st, 1);
  }
  sqlite3_reset(st);
  /* the attached tables a transform made (a database never transformed has none) */
  for (int i = 0; mirror_attached[i]; i++) {
    char q[160];
    snprintf(q, sizeof q, "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = '%s'",
             mirror_attached[i]);
    if (wdb_int(local, q, 0) <= 0) continue;
    m->t = xrealloc(m->t, sizeof *m->t * (size_t)(m->n + 1));
    struct mirror_table *t = &m->t[m->n++];
    memset(t, 0, sizeof *t);
    t->name = xstrdup(mirror_attached[i]);
    t->owner = MIRROR_OF_RUN;
    t->attached = 1;
  }
  int err = 0;
  for (int i = 0; i < m->n && !err; i++) {
    struct mirror_table *t = &m->t[i];
    if (!(cs = wdb_stmt(local, columns_sql))) {
      err = 1;
      break;
    }
    sqlite3_bind_text(cs, 1, t->name, -1, SQLITE_STATIC);
    char *sel = NULL, *list = NULL, *copy_list = NULL;
    size_t nsel = 0, ncopy = 0, nlist = 0, ncopy_list = 0;
    int has_session = 0, has_file = 0, run_nullable = 0;
    if (t->attached) {
      add_column(t, "run_id", &list, &nlist, &copy_list, &ncopy_list, "a.a_run");
      add_column(t, "session_file_id", &list, &nlist, &copy_list, &ncopy_list, "a.a_session");
    }
    while (sqlite3_step(cs) == SQLITE_ROW) {
      const char *c = (const char *)sqlite3_column_text(cs, 0);
      has_session |= !strcmp(c, "session_file_id");
      has_file |= !strcmp(c, "file_id");
      if (!strcmp(c, "run_id"))
        run_nullable = !sqlite3_column_int(cs, 2) && !sqlite3_column_int(cs, 3);
      add_column(t, c, &list, &nlist, &copy_list, &ncopy_list, NULL);
    }
    sqlite3_reset(cs);
    if (t->attached) {
      append(&sel, &nsel, "SELECT %s FROM \"%s\" t" ATTACH_SQL " WHERE a.a_run = ?1", list,
             t->name);
      has_session = run_nullable = 1;
    } else if (t->owner == MIRROR_OF_ORIGIN) {
      append(&sel, &nsel, "SELECT %s FROM \"%s\" t WHERE ?1 IS NULL", list, t->name);
    } else {
      append(&sel, &nsel, "SELECT %s FROM \"%s\" t WHERE t.\"%s\" = ?1", list, t->name,
             owner_key[t->owner]);
    }
    err = prepare(local, t, sel, &t->select);
    free(sel);
    sel = NULL;
    nsel = 0;
    if (!err && t->owner == MIRROR_OF_RUN && run_nullable && (has_session || has_file)) {
      t->loose_key = has_session ? "session_file_id" : "file_id";
      if (t->attached)
        append(&sel, &nsel, "SELECT %s FROM \"%s\" t" ATTACH_SQL
               " WHERE a.a_run IS NULL AND a.a_session = ?1", list, t->name);
      else
        append(&sel, &nsel, "SELECT %s FROM \"%s\" t WHERE t.run_id IS NULL AND t.\"%s\" = ?1",
               list, t->name, t->loose_key);
      err = prepare(local, t, sel, &t->loose);
      size_t nd = 0;
      append(&t->loose_del, &nd, "DELETE FROM \"%s\" WHERE run_id IS NULL AND \"%s\" = $1",
             t->name, t->loose_key);
      free(sel);
    }
    append(&t->copy, &ncopy, "COPY \"%s\" (%s) FROM STDIN", t->name, copy_list);
    ncopy = 0;
    append(&t->copy_binary, &ncopy,
           "COPY \"%s\" (%s, origin, host) FROM STDIN WITH (FORMAT binary)", t->name, copy_list);
    free(copy_list);
    if (t->owner != MIRROR_OF_FILE) {
      size_t ndel = 0;
      append(&t->del, &ndel, "DELETE FROM \"%s\" WHERE %s = $1%s", t->name, owner_key[t->owner],
             t->owner == MIRROR_OF_ORIGIN ? "::uuid" : "");
    }
    free(list);
  }
  if (err) mirror_free(m);
  return err ? -1 : 0;
}

void mirror_free(struct mirror *m) {
  for (int i = 0; i < m->n; i++) {
    struct mirror_table *t = &m->t[i];
    for (int j = 0; j < t->ncols; j++) free(t->cols[j]);
    free(t->cols);
    free(t->kind);
    free(t->name);
    sqlite3_finalize(t->select);
    sqlite3_finalize(t->loose);
    free(t->copy);
    free(t->copy_binary);
    free(t->pgtype);
    free(t->del);
    free(t->loose_del);
  }
  free(m->t);
  memset(m, 0, sizeof *m);
}

int mirror_server_types(struct mirror *m, struct pg *pg) {
  PGresult *r = pg_query(pg,
                         "SELECT table_name, column_name, data_type FROM information_schema.columns"
                         " WHERE table_schema = current_schema()",
                         0, NULL, "cannot read the schema");
  if (!r) return -1;
  for (int i = 0; i < m->n; i++) {
    struct mirror_table *t = &m->t[i];
    free(t->pgtype);
    t->pgtype = xrealloc(NULL, sizeof *t->pgtype * (size_t)(t->ncols ? t->ncols : 1));
    for (int c = 0; c < t->ncols; c++) t->pgtype[c] = PGT_OTHER;
  }
  for (int i = 0; i < m->n; i++) m->t[i].binary = 0; /* counts origin uuid and host text */
  for (int row = 0; row < PQntuples(r); row++) {
    const char *table = PQgetvalue(r, row, 0), *col = PQgetvalue(r, row, 1),
               *type = PQgetvalue(r, row, 2);
    int ours = (!strcmp(col, "origin") && !strcmp(type, "uuid")) ||
               (!strcmp(col, "host") && !strcmp(type, "text"));
    int pgt = !strcmp(type, "bigint") ? PGT_INT8 : !strcmp(type, "double precision") ? PGT_FLOAT8
            : !strcmp(type, "text") ? PGT_TEXT : PGT_OTHER;
    for (int i = 0; i < m->n; i++) {
      struct mirror_table *t = &m->t[i];
      if (strcmp(t->name, table)) continue;
      t->binary += ours;
      for (int c = 0; c < t->ncols; c++)
        if (!strcmp(server_column(t->cols[c]), col)) t->pgtype[c] = pgt;
    }
  }
  PQclear(r);
  for (int i = 0; i < m->n; i++) {
    struct mirror_table *t = &m->t[i];
    t->binary = t->binary == 2;
    for (int c = 0; c < t->ncols; c++) t->binary &= t->pgtype[c] != PGT_OTHER;
  }
  return 0;
}

/* The PostgreSQL type of a column SQLite declared as DECL, by SQLite's
 * affinity rules (datatype3.html, 3.1): INT -> integer, CHAR/CLOB/TEXT ->
 * text, BLOB or none -> any (text here), REAL/FLOA/DOUB -> real, else numeric
 * (double precision here: wattdb stores no decimals that need more). */
static const char *pg_type(const char *decl) {
  char up[64];
  size_t i = 0;
  for (; decl && decl[i] && i + 1 < sizeof up; i++)
    up[i] = (char)(decl[i] >= 'a' && decl[i] <= 'z' ? decl[i] - 32 : decl[i]);
  up[i] = '\0';
  if (strstr(up, "INT")) return "bigint";
  if (strstr(up, "CHAR") || strstr(up, "CLOB") || strstr(up, "TEXT")) return "text";
  if (strstr(up, "BLOB") || !*up) return "text";
  return "double precision";
}

/* Whether the server has column COL of TABLE (COLS: rows of table_name,
 * column_name); with COL NULL, whether it has TABLE at all. */
static int server_has(const PGresult *cols, const char *table, const char *col) {
  for (int r = 0; r < PQntuples(cols); r++)
    if (!strcmp(PQgetvalue(cols, r, 0), table) && (!col || !strcmp(PQgetvalue(cols, r, 1), col)))
      return 1;
  return 0;
}

char *mirror_ddl(const struct mirror *m, struct wdb *local, const PGresult *cols) {
  char *ddl = NULL;
  size_t n = 0;
  for (int i = 0; i < m->n; i++) {
    const struct mirror_table *t = &m->t[i];
    sqlite3_stmt *cs = wdb_stmt(local, columns_sql);
    if (!cs) continue;
    sqlite3_bind_text(cs, 1, t->name, -1, SQLITE_STATIC);
    /* an attached table is made by push/pg/006_power.sql (with its run_id and
     * session_file_id): only the columns a later local schema adds come here */
    if (t->attached && !server_has(cols, t->name, NULL)) {
      sqlite3_reset(cs);
      continue;
    }
    int create = !server_has(cols, t->name, NULL);
    char *pk[16] = {0};         /* the key's columns, by their place in it */
    char *keys = NULL;
    size_t nkeys = 0;
    int first = 1, npk = 0;
    if (create) append(&ddl, &n, "CREATE TABLE \"%s\" (\n", t->name);
    while (sqlite3_step(cs) == SQLITE_ROW) {
      const char *c = (const char *)sqlite3_column_text(cs, 0);
      const char *type = pg_type((const char *)sqlite3_column_text(cs, 1));
      int key = sqlite3_column_int(cs, 2);
      if (create) {
        append(&ddl, &n, "%s  \"%s\" %s", first ? "" : ",\n", server_column(c), type);
        first = 0;
        /* pragma_table_info's pk: the column's 1-based place in the key */
        if (key > 0 && key <= 16) {
          pk[key - 1] = xstrdup(server_column(c));
          if (key > npk) npk = key;
        }
      } else if (!server_has(cols, t->name, server_column(c))) {
        append(&ddl, &n, "ALTER TABLE \"%s\" ADD COLUMN \"%s\" %s;\n", t->name, server_column(c),
               type);
      }
    }
    sqlite3_reset(cs);
    if (create) {
      append(&ddl, &n,
             ",\n  origin uuid NOT NULL DEFAULT current_setting('wattdb.origin')::uuid"
             ",\n  host text NOT NULL DEFAULT current_setting('wattdb.host')");
      for (int k = 0; k < npk; k++)
        if (pk[k]) append(&keys, &nkeys, "%s\"%s\"", nkeys ? ", " : "", pk[k]);
      /* Per-run rows are written together, a run's once per send (never row
       * by row), and read by run: a BRIN index on run_id finds them at next
       * to no cost to the load, where their btree key cost the COPY of the
       * largest of them (a row per sample, as interim_sample was) 40 % more. Uniqueness is the push's: a run's rows are
       * copied after deleting its former ones, under the lock of its
       * run_state row. The raw tables keep their key (file_id, line): the
       * views join samples to it one by one. */
      if (keys && t->owner != MIRROR_OF_RUN)
        append(&ddl, &n, ",\n  PRIMARY KEY (%s%s)", t->owner == MIRROR_OF_ORIGIN ? "origin, " : "",
               keys);
      append(&ddl, &n, "\n);\n");
      if (t->owner == MIRROR_OF_RUN)
        append(&ddl, &n,
               "CREATE INDEX \"%s_run_id\" ON \"%s\" USING brin (run_id)"
               " WITH (pages_per_range = 16, autosummarize = on);\n",
               t->name, t->name);
      /* what a file's rows are found and replaced by */
      else if (t->owner == MIRROR_OF_ORIGIN ? !keys : !keys || !pk[0] || strcmp(pk[0], owner_key[t->owner]))
        append(&ddl, &n, "CREATE INDEX \"%s_%s\" ON \"%s\" (%s);\n", t->name,
               owner_key[t->owner], t->name, owner_key[t->owner]);
    }
    for (int k = 0; k < npk; k++) free(pk[k]);
    free(keys);
  }
  return ddl;
}
