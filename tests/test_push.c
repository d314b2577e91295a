/* tests/test_push.c: `wattdb push` against a real PostgreSQL server.
 *
 * The server is the throwaway one make test starts with tests/pg.sh
 * (WATTDB_PG_URL, its 'postgres' database); every test makes a database of its
 * own on it. Without WATTDB_PG_URL every test skips, saying so. The local
 * databases are built from the demo sample (gen-sample, $GEN_SAMPLE) by the
 * command line ($WATTDB), twice, so that a.db and b.db hold the same files under
 * two origins.
 *
 * "The server holds what one uninterrupted push of LOCAL gives" is checked
 * against the local database itself, not against a recorded output: every raw
 * and per-run table has as many rows on the server as locally (contents are
 * stored once, so a second origin adds none), file_content one row per distinct
 * content, source_file and run_origin one per local row and origin, every run
 * a digest, and the notebooks' views equal row for row (views[] below: exactly
 * where a view only projects stored doubles, sent with 17 significant digits
 * and read back bit for bit; within 1e-12 where it sums rows). */
#include "tests/testlib.h"

#include <libpq-fe.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>

#include "push/push.h"

static char *dir;         /* scratch: data.zip, a.db, b.db, ... */
static char a_db[600], b_db[600];

static const char *base_url(void) {
  const char *u = getenv("WATTDB_PG_URL");
  return u && *u ? u : NULL;
}

#define NEED_SERVER()                                                                        \
  do {                                                                                       \
    if (!base_url()) {                                                                       \
      print_message("skipped: no PostgreSQL server: WATTDB_PG_URL is unset (make test sets " \
                    "it when tests/pg.sh can start one)\n");                                 \
      skip();                                                                                \
    }                                                                                        \
  } while (0)

static const char *wattdb_bin(void) {
  const char *w = getenv("WATTDB");
  return w && *w ? w : "./wattdb";
}

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The connection string of database DB on the test server, into OUT. */
static void server_url(const char *db, char *out, size_t n) {
  PQconninfoOption *o = PQconninfoParse(base_url(), NULL);
  assert_non_null(o);
  size_t k = 0;
  out[0] = '\0';
  for (PQconninfoOption *p = o; p->keyword; p++)
    if (p->val && *p->val && strcmp(p->keyword, "dbname"))
      k += (size_t)snprintf(out + k, n - k, "%s='%s' ", p->keyword, p->val);
  snprintf(out + k, n - k, "dbname='%s'", db);
  PQconninfoFree(o);
}

static void pg_ok(PGconn *c, const char *sql) {
  PGresult *r = PQexec(c, sql);
  if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK)
    fail_msg("%s: %s", sql, PQerrorMessage(c));
  PQclear(r);
}

/* A new, empty database NAME on the test server; its URL into URL (512). */
static void fresh_server(const char *name, char *url) {
  char db[128], sql[256];
  snprintf(db, sizeof db, "push_%s_%d", name, (int)getpid());
  PGconn *c = PQconnectdb(base_url());
  assert_int_equal(PQstatus(c), CONNECTION_OK);
  pg_ok(c, "SET client_min_messages = warning");
  snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS %s", db);
  pg_ok(c, sql);
  snprintf(sql, sizeof sql, "CREATE DATABASE %s", db);
  pg_ok(c, sql);
  PQfinish(c);
  server_url(db, url, 512);
}

static PGconn *connect_to(const char *url) {
  PGconn *c = PQconnectdb(url);
  if (PQstatus(c) != CONNECTION_OK) fail_msg("%s: %s", url, PQerrorMessage(c));
  return c;
}

/* The integer of a one-value query on the server. */
static long long pg_int(PGconn *c, const char *sql) {
  PGresult *r = PQexec(c, sql);
  if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 1)
    fail_msg("%s: %s", sql, PQerrorMessage(c));
  long long v = atoll(PQgetvalue(r, 0, 0));
  PQclear(r);
  return v;
}

/* Pushes LOCAL to URL in this process; returns push_database's result. */
static int push(const char *local, const char *url, int dry_run, struct push_stats *st) {
  struct wdb db;
  assert_int_equal(wdb_open(&db, local), 0);
  struct pg pg;
  assert_int_equal(pg_connect(&pg, url), 0);
  struct push_options opt = {.dry_run = dry_run, .jobs = 2};
  int saved = dup(STDOUT_FILENO);
  if (dry_run) assert_non_null(freopen("/dev/null", "w", stdout));
  int rc = push_database(&db, &pg, &opt, st);
  if (dry_run) {
    fflush(stdout);
    dup2(saved, STDOUT_FILENO);
  }
  close(saved);
  pg_close(&pg);
  wdb_close(&db);
  return rc;
}

/* Builds the demo sample into DIR/NAME with the command line. */
static void build_local(const char *name, char *path, size_t n) {
  char cmd[2400];
  snprintf(path, n, "%s/%s", dir, name);
  snprintf(cmd, sizeof cmd, "%s build --quiet --db '%s' --wall-sockets 1 '%s/data.zip' 2>/dev/null",
           wattdb_bin(), path, dir);
  int rc = system(cmd);
  /* 1: some lines of the sample are rejected on purpose */
  if (!WIFEXITED(rc) || (WEXITSTATUS(rc) != 0 && WEXITSTATUS(rc) != 1)) fail_msg("failed: %s", cmd);
}

static int setup_suite(void **state) {
  (void)state;
  if (!base_url()) {
    fprintf(stderr, "test_push: skipped: no PostgreSQL server: WATTDB_PG_URL is unset (make "
                    "test sets it when tests/pg.sh can start one)\n");
    return 0;
  }
  dir = tl_mkdtemp();
  char cmd[1400];
  snprintf(cmd, sizeof cmd, "%s --zip '%s/data.zip'", tl_gen_sample(), dir);
  if (system(cmd) != 0) return -1;
  build_local("a.db", a_db, sizeof a_db);
  build_local("b.db", b_db, sizeof b_db);
  return 0;
}

static int teardown_suite(void **state) {
  (void)state;
  if (dir) tl_rmdir(dir);
  return 0;
}

/* ---- checking the server against the local database --------------------------- */

static long long local_int(struct wdb *db, const char *sql) { return tl_int(db, "%s", sql); }

/* The views compared, with the order that lines their rows up (NULLs first in
 * both databases), and the relative tolerance: 0 where the view only projects
 * stored doubles and does the same IEEE operations in both databases; 1e-12
 * where it sums or averages several rows, whose order of addition PostgreSQL
 * chooses otherwise. The rows of no run (sessions, MLflow runs of no eprof
 * run) are on the server too. */
static const struct {
  const char *name, *order;
  double tolerance;
} views[] = {
    {"v_run", "profile, environment, architecture, dataset, stamp, mlflow_run_id", 0},
    {"v_epoch", "profile, environment, architecture, dataset, stamp, epoch", 0},
    {"v_sample", "profile, environment, architecture, dataset, stamp, seq", 0},
    {"v_profile_diff", "environment, architecture, dataset, stamp", 0},
    {"v_features", "profile, environment, architecture, dataset, stamp, duration_s, batch_size", 1e-12},
    {"v_run_coverage", "environment, architecture, dataset, stamp, source, component, device", 0},
    {"v_run_warning", "environment, architecture, dataset, stamp, source, component, device", 0},
    {"source_energy", "first_us, last_us, source, component, device, energy_j", 0},
    {"source_reconciliation", "window_start_us, window_end_us, \"window\", wall_j, gpu_j", 1e-12},
    {"v_power", "source, component, device, ts_us, power_w", 0},
    {"nvidia_smi_value", "line, col, field, unit, num, text", 0},
};

/* ORDER BY keys of ORDER, each NULLS FIRST, into OUT. */
static void nulls_first(const char *order, char *out, size_t n) {
  size_t k = 0;
  for (const char *p = order;; p++) {
    if (*p == ',' || !*p) k += (size_t)snprintf(out + k, n - k, " NULLS FIRST");
    if (!*p) break;
    if (k + 1 < n) out[k++] = *p;
    out[k] = '\0';
  }
}

/* Every view of views[] on URL equals LOCAL's (SAMPLE: the demo sample's), row
 * for row (the id columns
 * run_id, file_id and session_file_id aside, server ids; origin and host are
 * the server's own). */
static void views_equal(const char *local, const char *url, int sample) {
  struct wdb db;
  assert_int_equal(wdb_open_readonly(&db, local), 0);
  PGconn *c = connect_to(url);
  for (size_t v = 0; v < sizeof views / sizeof views[0]; v++) {
    char cols[4096] = "", sql[8192], order[512];
    size_t k = 0;
    sqlite3_stmt *st;
    nulls_first(views[v].order, order, sizeof order);
    snprintf(sql, sizeof sql, "SELECT name FROM pragma_table_info('%s')", views[v].name);
    assert_int_equal(sqlite3_prepare_v2(db.sql, sql, -1, &st, NULL), SQLITE_OK);
    while (sqlite3_step(st) == SQLITE_ROW) {
      const char *name = (const char *)sqlite3_column_text(st, 0);
      if (!strcmp(name, "run_id") || !strcmp(name, "file_id") || !strcmp(name, "session_file_id"))
        continue;
      k += (size_t)snprintf(cols + k, sizeof cols - k, "%s\"%s\"", k ? ", " : "", name);
    }
    sqlite3_finalize(st);
    assert_true(k > 0);
    snprintf(sql, sizeof sql, "SELECT %s FROM %s ORDER BY %s", cols, views[v].name, order);
    assert_int_equal(sqlite3_prepare_v2(db.sql, sql, -1, &st, NULL), SQLITE_OK);
    PGresult *r = PQexec(c, sql);
    if (PQresultStatus(r) != PGRES_TUPLES_OK) fail_msg("%s: %s", sql, PQerrorMessage(c));
    int row = 0;
    const char *view = views[v].name;
    while (sqlite3_step(st) == SQLITE_ROW) {
      if (row >= PQntuples(r)) fail_msg("%s: more rows locally than the server's %d", view, row);
      for (int i = 0; i < sqlite3_column_count(st); i++) {
        const char *name = sqlite3_column_name(st, i), *there = PQgetvalue(r, row, i);
        int type = sqlite3_column_type(st, i);
        if (type == SQLITE_NULL || PQgetisnull(r, row, i)) {
          if (type != SQLITE_NULL || !PQgetisnull(r, row, i))
            fail_msg("%s row %d %s: local %s, server %s", view, row, name,
                     type == SQLITE_NULL ? "NULL" : (const char *)sqlite3_column_text(st, i),
                     PQgetisnull(r, row, i) ? "NULL" : there);
        } else if (type == SQLITE_FLOAT || type == SQLITE_INTEGER) {
          double a = sqlite3_column_double(st, i), b = strtod(there, NULL);
          if (fabs(a - b) > views[v].tolerance * fmax(fabs(a), fabs(b)))
            fail_msg("%s row %d %s: local %.17g, server %s", view, row, name, a, there);
        } else if (strcmp((const char *)sqlite3_column_text(st, i), there)) {
          fail_msg("%s row %d %s: local %s, server %s", view, row, name,
                   (const char *)sqlite3_column_text(st, i), there);
        }
      }
      row++;
    }
    if (row != PQntuples(r)) fail_msg("%s: %d rows locally, %d on the server", view, row, PQntuples(r));
    /* no comparison of nothing: v_run has rows, and in the sample every view
     * but v_run_warning (the real zip has no epoch files) */
    if (!strcmp(view, "v_run") || (sample && strcmp(view, "v_run_warning"))) assert_true(row > 0);
    PQclear(r);
    sqlite3_finalize(st);
  }
  PQfinish(c);
  wdb_close(&db);
}

/* Is table NAME in LIST, names each followed by a comma ("a,b,")? */
static int listed(const char *list, const char *name) {
  size_t n = strlen(name);
  for (const char *p = list; p && *p; p = strchr(p, ',') + 1)
    if (!strncmp(p, name, n) && p[n] == ',') return 1;
  return 0;
}

/* The server URL holds what uninterrupted pushes of LOCAL from ORIGINS
 * databases with the same files give (see the top of this file), but for the
 * rows of the tables APART ("a,b,", NULL: none), which an upgraded server may
 * hold otherwise (its views are compared all the same). */
static void server_matches_but(const char *local, const char *url, int origins, int sample,
                               const char *apart) {
  struct wdb db;
  assert_int_equal(wdb_open(&db, local), 0);
  struct mirror m;
  assert_int_equal(mirror_load(&m, &db), 0);
  PGconn *c = connect_to(url);
  char sql[512];
  for (int i = 0; i < m.n; i++) {
    /* a run's rows and the rows of no run of a file, once (an attached table's:
     * per attachment); the database's own, per origin */
    const struct mirror_table *t = &m.t[i];
    char here_sql[512];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM \"%s\"", t->name);
    if (t->attached)
      snprintf(here_sql, sizeof here_sql,
               "SELECT count(*) FROM \"%s\" t JOIN (SELECT DISTINCT file_id, run_id, session_file_id"
               " FROM source_attach) a ON a.file_id = t.file_id", t->name);
    else if (t->owner == MIRROR_OF_RUN)
      snprintf(here_sql, sizeof here_sql,
               "SELECT count(*) FROM \"%s\" WHERE run_id IS NOT NULL%s%s%s", t->name,
               t->loose_key ? " OR \"" : "", t->loose_key ? t->loose_key : "",
               t->loose_key ? "\" IS NOT NULL" : "");
    else
      snprintf(here_sql, sizeof here_sql, "%s", sql);
    if (listed(apart, t->name)) continue;
    long long here = local_int(&db, here_sql) * (t->owner == MIRROR_OF_ORIGIN ? origins : 1);
    long long there = pg_int(c, sql);
    if (here != there) fail_msg("%s: %lld rows locally, %lld on the server", t->name, here, there);
  }
  assert_int_equal(pg_int(c, "SELECT count(*) FROM file_content"),
                   local_int(&db, "SELECT count(*) FROM (SELECT DISTINCT sha256, coalesce(format, ''),"
                                  " parser_version FROM source_file WHERE status <> 'duplicate'"
                                  " AND sha256 IS NOT NULL)"));
  assert_int_equal(pg_int(c, "SELECT count(*) FROM source_file"),
                   origins * local_int(&db, "SELECT count(*) FROM source_file"));
  assert_int_equal(pg_int(c, "SELECT count(*) FROM run"), local_int(&db, "SELECT count(*) FROM run"));
  assert_int_equal(pg_int(c, "SELECT count(*) FROM run_origin"),
                   origins * local_int(&db, "SELECT count(*) FROM run"));
  assert_int_equal(pg_int(c, "SELECT count(*) FROM run_state WHERE digest IS NOT NULL"),
                   local_int(&db, "SELECT count(*) FROM run"));
  assert_int_equal(pg_int(c, "SELECT count(*) FROM origin"), origins);
  /* every path of a run knows the server run */
  assert_int_equal(pg_int(c, "SELECT count(*) FROM source_file WHERE local_run_id IS NOT NULL"
                             " AND run_id IS NULL"),
                   0);
  PQfinish(c);
  mirror_free(&m);
  wdb_close(&db);
  views_equal(local, url, sample);
}

static void server_matches(const char *local, const char *url, int origins, int sample) {
  server_matches_but(local, url, origins, sample, NULL);
}

/* ---- the tests ------------------------------------------------------------------- */

/* The sample, pushed once, then again: the second sends nothing, fast. Every
 * row on the server carries the origin and host of the local database. */
static void push_then_push_again_sends_nothing(void **state) {
  (void)state;
  NEED_SERVER();
  char url[512];
  fresh_server("again", url);
  struct push_stats st;
  assert_int_equal(push(a_db, url, 0, &st), 0);
  assert_true(st.files > 100);
  assert_int_equal(st.files_sent, st.files);
  assert_int_equal(st.runs_sent, st.runs);
  assert_true(st.rows > 10000);
  server_matches(a_db, url, 1, 1);

  double t0 = now_s();
  assert_int_equal(push(a_db, url, 0, &st), 0);
  double took = now_s() - t0;
  assert_int_equal(st.files_sent, 0);
  assert_int_equal(st.contents_sent, 0);
  assert_int_equal(st.runs_sent, 0);
  assert_int_equal(st.loose_sent, 0);
  assert_int_equal(st.rows, 0);
  print_message("no-op push: %.3f s\n", took);
  assert_true(took < 1.0);
  server_matches(a_db, url, 1, 1);

  struct wdb db;
  assert_int_equal(wdb_open_readonly(&db, a_db), 0);
  char origin[64], host[256], sql[600];
  snprintf(origin, sizeof origin, "%s", tl_text(&db, "SELECT id FROM origin"));
  wdb_close(&db);
  assert_int_equal(strlen(origin), 36);
  assert_int_equal(gethostname(host, sizeof host), 0);
  PGconn *c = connect_to(url);
  static const char *const tables[] = {"eprof_gpu_sample", "rejected_row", "file_content",
                                       "source_file", "run", "processed_run", "interim_segment",
                                       "interim_sample", NULL};
  for (int i = 0; tables[i]; i++) {
    snprintf(sql, sizeof sql, "SELECT count(*) FROM %s WHERE origin <> '%s' OR host <> '%s'",
             tables[i], origin, host);
    assert_int_equal(pg_int(c, sql), 0);
    snprintf(sql, sizeof sql, "SELECT count(*) FROM %s", tables[i]);
    assert_true(pg_int(c, sql) > 0);
  }
  PQfinish(c);
}

/* A server that a push of an earlier release made from LOCAL, holding its
 * rows in the shape of the release before a file of push/pg: made on a new
 * server NAME from a current one by SET_BACK (what that file changes undone:
 * a former table in place of VIEW with the rows the view shows, or the former
 * columns, and the schema version set before it). The next push upgrades the
 * server and sends no file and no run (none changed); VIEW is a view with the
 * same rows, more than table STORED has, and the server equals the local
 * database but for the rows of the tables APART ("a,b,", NULL: none), which
 * the upgrade leaves in the shape they had. */
static void earlier_server_upgrades(const char *local, const char *name, const char *view, const char *stored,
                                    const char *set_back, const char *apart) {
  char url[512], sql[256];
  fresh_server(name, url);
  struct push_stats st;
  assert_int_equal(push(local, url, 0, &st), 0);
  PGconn *c = connect_to(url);
  snprintf(sql, sizeof sql, "SELECT count(*) FROM %s", view);
  long long rows = pg_int(c, sql);
  snprintf(sql, sizeof sql, "SELECT count(*) FROM %s", stored);
  assert_true(rows > pg_int(c, sql));
  pg_ok(c, set_back);
  assert_int_equal(push(local, url, 0, &st), 0);
  assert_int_equal(st.files_sent, 0);
  assert_int_equal(st.runs_sent, 0);
  snprintf(sql, sizeof sql, "SELECT count(*) FROM pg_class WHERE relname = '%s' AND relkind = 'v'", view);
  assert_int_equal(pg_int(c, sql), 1);
  snprintf(sql, sizeof sql, "SELECT count(*) FROM %s", view);
  assert_int_equal(pg_int(c, sql), rows);
  PQfinish(c);
  server_matches_but(local, url, 1, 1, apart);
}

/* The samples of an earlier release in a table interim_sample, which
 * push/pg/008_segments.sql cuts into segments. */
static void server_of_an_earlier_release_keeps_its_samples(void **state) {
  (void)state;
  NEED_SERVER();
  earlier_server_upgrades(a_db, "segments", "interim_sample", "interim_segment",
                          "BEGIN;"
                          " CREATE TABLE former_sample AS SELECT * FROM interim_sample;"
                          " DROP VIEW v_sample; DROP VIEW interim_sample;"
                          " ALTER TABLE former_sample RENAME TO interim_sample;"
                          " CREATE VIEW v_sample AS SELECT * FROM interim_sample;"
                          " DELETE FROM interim_segment;"
                          " UPDATE wattdb_schema SET version = 7;"
                          " COMMIT",
                          NULL);
}

/* The nvidia-smi values of an earlier release in a table nvidia_smi_value,
 * one row per field, which push/pg/009_nvidia_smi_wide.sql moves into the
 * wide rows (the mirrored tables grown again first): every text in its slot,
 * none in nvidia_smi_text, as push/pg/010_nvidia_smi_texts.sql reads them,
 * then every text of a slot in nvidia_smi_value_more (011). */
static void server_of_an_earlier_release_keeps_its_nvidia_smi_values(void **state) {
  (void)state;
  NEED_SERVER();
  earlier_server_upgrades(a_db, "nvwide", "nvidia_smi_value", "nvidia_smi_sample",
                          "BEGIN;"
                          " CREATE TABLE former_value AS SELECT * FROM nvidia_smi_value;"
                          " DROP VIEW nvidia_smi_value;"
                          " ALTER TABLE former_value RENAME TO nvidia_smi_value;"
                          " ALTER TABLE nvidia_smi_value ADD PRIMARY KEY (file_id, line, col);"
                          " DROP TABLE nvidia_smi_field; DROP TABLE nvidia_smi_value_more;"
                          " DROP TABLE nvidia_smi_text;"
                          " ALTER TABLE nvidia_smi_sample DROP COLUMN fields_line, DROP COLUMN texts,"
                          " DROP COLUMN n1,"
                          " DROP COLUMN n2,"
                          " DROP COLUMN n3,"
                          " DROP COLUMN n4,"
                          " DROP COLUMN n5,"
                          " DROP COLUMN n6,"
                          " DROP COLUMN n7,"
                          " DROP COLUMN n8,"
                          " DROP COLUMN n9,"
                          " DROP COLUMN n10,"
                          " DROP COLUMN n11,"
                          " DROP COLUMN n12,"
                          " DROP COLUMN n13,"
                          " DROP COLUMN n14,"
                          " DROP COLUMN n15,"
                          " DROP COLUMN n16;"
                          " UPDATE wattdb_schema SET version = 8;"
                          " COMMIT",
                          "nvidia_smi_text,nvidia_smi_value_more,");
}

/* The slot texts t1 .. t16 that a server of an earlier release holds, which
 * push/pg/011_nvidia_smi_numbers.sql moves to nvidia_smi_value_more: from a
 * local database with such texts (the sample's and a log with times not as
 * nvidia-smi writes them, a name too long to number and more texts than a
 * file numbers), the server's rows after the upgrade are those a push of
 * this release writes. */
static void server_of_an_earlier_release_keeps_its_slot_texts(void **state) {
  (void)state;
  NEED_SERVER();
  char c_db[700], cmd[2400];
  tl_write_nvidia_smi_loose_texts(dir, "texts/smi.csv");
  snprintf(c_db, sizeof c_db, "%s/texts.db", dir);
  snprintf(cmd, sizeof cmd, "cp '%s' '%s' && %s ingest --quiet --db '%s' '%s/texts' 2>/dev/null", a_db, c_db,
           wattdb_bin(), c_db, dir);
  assert_int_equal(system(cmd), 0);
  earlier_server_upgrades(c_db, "slottexts", "nvidia_smi_value", "nvidia_smi_sample",
                          "BEGIN;"
                          " ALTER TABLE nvidia_smi_sample"
                          "  ADD COLUMN t1 text, ADD COLUMN t2 text, ADD COLUMN t3 text, ADD COLUMN t4 text,"
                          "  ADD COLUMN t5 text, ADD COLUMN t6 text, ADD COLUMN t7 text, ADD COLUMN t8 text,"
                          "  ADD COLUMN t9 text, ADD COLUMN t10 text, ADD COLUMN t11 text, ADD COLUMN t12 text,"
                          "  ADD COLUMN t13 text, ADD COLUMN t14 text, ADD COLUMN t15 text, ADD COLUMN t16 text;"
                          " UPDATE nvidia_smi_sample s SET texts = nullif(s.texts & 65535, 0),"
                          "  t1 = m.t1, t2 = m.t2, t3 = m.t3, t4 = m.t4, t5 = m.t5, t6 = m.t6, t7 = m.t7,"
                          "  t8 = m.t8, t9 = m.t9, t10 = m.t10, t11 = m.t11, t12 = m.t12, t13 = m.t13,"
                          "  t14 = m.t14, t15 = m.t15, t16 = m.t16"
                          "  FROM (SELECT file_id, line,"
                          "   max(CASE col WHEN 1 THEN text END) AS t1, max(CASE col WHEN 2 THEN text END) AS t2,"
                          "   max(CASE col WHEN 3 THEN text END) AS t3, max(CASE col WHEN 4 THEN text END) AS t4,"
                          "   max(CASE col WHEN 5 THEN text END) AS t5, max(CASE col WHEN 6 THEN text END) AS t6,"
                          "   max(CASE col WHEN 7 THEN text END) AS t7, max(CASE col WHEN 8 THEN text END) AS t8,"
                          "   max(CASE col WHEN 9 THEN text END) AS t9, max(CASE col WHEN 10 THEN text END) AS t10,"
                          "   max(CASE col WHEN 11 THEN text END) AS t11, max(CASE col WHEN 12 THEN text END) AS t12,"
                          "   max(CASE col WHEN 13 THEN text END) AS t13, max(CASE col WHEN 14 THEN text END) AS t14,"
                          "   max(CASE col WHEN 15 THEN text END) AS t15, max(CASE col WHEN 16 THEN text END) AS t16"
                          "   FROM nvidia_smi_value_more WHERE col <= 16 GROUP BY file_id, line) m"
                          "  WHERE s.file_id = m.file_id AND s.line = m.line;"
                          " DELETE FROM nvidia_smi_value_more WHERE col <= 16;"
                          " UPDATE wattdb_schema SET version = 10;"
                          " COMMIT",
                          NULL);
  unlink(c_db);
}

/* --dry-run lists everything on a new server and creates nothing there; after
 * a push it lists nothing. */
static void dry_run_changes_nothing(void **state) {
  (void)state;
  NEED_SERVER();
  char url[512];
  fresh_server("dry", url);
  struct push_stats st;
  assert_int_equal(push(a_db, url, 1, &st), 0);
  assert_int_equal(st.files_sent, st.files);
  assert_int_equal(st.runs_sent, st.runs);
  assert_int_equal(st.rows, 0);
  PGconn *c = connect_to(url);
  assert_int_equal(pg_int(c, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"), 0);
  assert_int_equal(push(a_db, url, 0, &st), 0);
  assert_int_equal(push(a_db, url, 1, &st), 0);
  assert_int_equal(st.files_sent, 0);
  assert_int_equal(st.runs_sent, 0);
  PQfinish(c);
}

/* Two local databases with the same files, pushed at the same time by two
 * processes: no error, each content and run once, every path and run of both
 * origins recorded. */
static void two_databases_at_once(void **state) {
  (void)state;
  NEED_SERVER();
  char url[512], cmd[3000];
  fresh_server("twice", url);
  snprintf(cmd, sizeof cmd,
           "%s push --quiet --db '%s' \"%s\" & a=$!; %s push --quiet --db '%s' \"%s\" & b=$!;"
           " wait $a && wait $b",
           wattdb_bin(), a_db, url, wattdb_bin(), b_db, url);
  assert_int_equal(system(cmd), 0);
  server_matches(a_db, url, 2, 1);
  views_equal(b_db, url, 1);
}

/* Runs `wattdb push` of LOCAL to URL in a child process and, after DELAY_MS
 * (< 0: never), kills it with SIGKILL. Returns whether it was killed. */
static int push_killed_after(const char *local, const char *url, int delay_ms) {
  pid_t pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) {
    execl(wattdb_bin(), wattdb_bin(), "push", "--quiet", "--db", local, url, (char *)NULL);
    _exit(127);
  }
  if (delay_ms >= 0) {
    usleep((useconds_t)delay_ms * 1000);
    kill(pid, SIGKILL);
  }
  int status;
  assert_int_equal(waitpid(pid, &status, 0), pid);
  if (delay_ms < 0) assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  return WIFSIGNALED(status);
}

/* A push killed at random points of its course (creating the schema, in the
 * files, in the runs: fractions of the time an uninterrupted one takes), then
 * run again, leaves the server as one uninterrupted push does. */
static void killed_push_then_push_again(void **state) {
  (void)state;
  NEED_SERVER();
  char url[512];
  fresh_server("kill_full", url);
  double t0 = now_s();
  push_killed_after(a_db, url, -1);
  int full_ms = (int)((now_s() - t0) * 1000);
  srand(2022);
  for (int k = 0; k < 8; k++) {
    char name[32];
    /* spread over the whole push, each point somewhere in its eighth */
    int delay = (int)(full_ms * (k + (double)rand() / RAND_MAX) / 8);
    snprintf(name, sizeof name, "kill%d", k);
    fresh_server(name, url);
    int killed = push_killed_after(a_db, url, delay);
    struct push_stats st;
    assert_int_equal(push(a_db, url, 0, &st), 0);
    print_message("killed after %d of %d ms (%s): the next push sent %ld files, %ld runs\n", delay,
                  full_ms, killed ? "killed" : "had finished", st.files_sent, st.runs_sent);
    server_matches(a_db, url, 1, 1);
  }
}

/* New processed rows (another carbon intensity) are sent again, for every
 * run, and nothing else is. */
static void changed_runs_are_sent_again(void **state) {
  (void)state;
  NEED_SERVER();
  char url[512], c_db[700], cmd[2000];
  fresh_server("changed", url);
  snprintf(c_db, sizeof c_db, "%s/c.db", dir);
  snprintf(cmd, sizeof cmd, "cp '%s' '%s'", a_db, c_db);
  assert_int_equal(system(cmd), 0);
  struct push_stats st;
  assert_int_equal(push(c_db, url, 0, &st), 0);
  snprintf(cmd, sizeof cmd, "%s transform --quiet --db '%s' --carbon-intensity 123 2>/dev/null",
           wattdb_bin(),
           c_db);
  assert_int_equal(system(cmd), 0);
  assert_int_equal(push(c_db, url, 0, &st), 0);
  assert_int_equal(st.files_sent, 0);
  assert_true(st.runs_sent > 0);
  server_matches(c_db, url, 1, 1);
  PGconn *c = connect_to(url);
  assert_true(pg_int(c, "SELECT count(*) FROM v_run WHERE carbon_intensity_g_per_kwh = 123") > 0);
  PQfinish(c);
  unlink(c_db);
}

/* Files read again after a push: a GPU log that grew (its run gets another
 * fingerprint: the server's former run of it goes away, no run twice) and a
 * CPU log with a line that is not UTF-8 (sent with U+FFFD for the bytes that
 * are not); then a run removed from the local database. */
static void changed_files_are_sent_again(void **state) {
  (void)state;
  NEED_SERVER();
  char url[512], cmd[4000], local[700], tree[700];
  fresh_server("files", url);
  snprintf(tree, sizeof tree, "%s/grow", dir);
  snprintf(local, sizeof local, "%s/grow.db", dir);
  snprintf(cmd, sizeof cmd,
           "%s --dir '%s' --runs 2 --seconds 30 --seed 3 && %s build --quiet --db '%s' '%s' 2>/dev/null",
           tl_gen_sample(), tree, wattdb_bin(), local, tree);
  int rc = system(cmd);
  assert_true(WIFEXITED(rc) && WEXITSTATUS(rc) <= 1);
  struct push_stats st;
  assert_int_equal(push(local, url, 0, &st), 0);
  server_matches(local, url, 1, 0);
  PGconn *c = connect_to(url);
  long long runs = pg_int(c, "SELECT count(*) FROM run");

  snprintf(cmd, sizeof cmd,
           "f=$(find '%s' -name 'gpu-power-*' | sort | head -1) && tail -n 1 \"$f\" >> \"$f\" &&"
           " c=$(find '%s' -name 'cpu-mem-usage-*' | sort | head -1) &&"
           " printf 'caf\\351 \\377\\376 \\355\\240\\200 not a sample\\n' >> \"$c\" &&"
           " %s build --quiet --db '%s' '%s' 2>/dev/null; [ $? -le 1 ]",
           tree, tree, wattdb_bin(), local, tree);
  assert_int_equal(system(cmd), 0);
  assert_int_equal(push(local, url, 0, &st), 0);
  assert_int_equal(st.files_sent, 2);
  assert_int_equal(st.contents_sent, 2);
  assert_int_equal(pg_int(c, "SELECT count(*) FROM run"), runs);
  server_matches(local, url, 1, 0);
  /* the bytes 351 (Latin-1 e-acute), 377, 376 and a UTF-16 surrogate's three, each U+FFFD */
  assert_int_equal(pg_int(c, "SELECT count(*) FROM rejected_row WHERE raw LIKE"
                             " 'caf\uFFFD \uFFFD\uFFFD \uFFFD\uFFFD\uFFFD not a sample%'"),
                   1);

  /* a run gone from the local database (with its rows) leaves the server too */
  struct wdb db;
  assert_int_equal(wdb_open(&db, local), 0);
  struct mirror m;
  assert_int_equal(mirror_load(&m, &db), 0);
  long long gone = tl_int(&db, "SELECT min(id) FROM run");
  char sql[256];
  for (int i = 0; i < m.n; i++) {
    if (m.t[i].owner != MIRROR_OF_RUN || m.t[i].attached) continue; /* attached: by source_attach */
    snprintf(sql, sizeof sql, "DELETE FROM \"%s\" WHERE run_id = %lld", m.t[i].name, gone);
    assert_int_equal(wdb_exec(&db, sql, "delete"), 0);
  }
  snprintf(sql, sizeof sql, "UPDATE source_file SET run_id = NULL WHERE run_id = %lld;"
                            " DELETE FROM run WHERE id = %lld", gone, gone);
  assert_int_equal(wdb_exec(&db, sql, "delete"), 0);
  mirror_free(&m);
  wdb_close(&db);
  assert_int_equal(push(local, url, 0, &st), 0);
  assert_int_equal(pg_int(c, "SELECT count(*) FROM run"), runs - 1);
  server_matches(local, url, 1, 0);
  PQfinish(c);
}

/* Two machines whose runs share folder names and stamps but not data: two
 * runs on the server; the runs that differ in stamp too are two as well. */
static void colliding_runs_stay_two(void **state) {
  (void)state;
  NEED_SERVER();
  char url[512], cmd[3000], db1[700], db2[700];
  fresh_server("collide", url);
  for (int seed = 1; seed <= 2; seed++) {
    char *db = seed == 1 ? db1 : db2;
    snprintf(db, 700, "%s/seed%d.db", dir, seed);
    snprintf(cmd, sizeof cmd,
             "%s --dir '%s/seed%d' --runs 2 --seconds 30 --seed %d && %s build --quiet --db '%s' "
             "'%s/seed%d' 2>/dev/null",
             tl_gen_sample(), dir, seed, seed, wattdb_bin(), db, dir, seed);
    int rc = system(cmd);
    assert_true(WIFEXITED(rc) && WEXITSTATUS(rc) <= 1);
  }
  struct wdb d1, d2;
  assert_int_equal(wdb_open_readonly(&d1, db1), 0);
  assert_int_equal(wdb_open_readonly(&d2, db2), 0);
  /* the premise: one key in common, with other bytes */
  const char *key = tl_text(&d1, "SELECT environment||'/'||architecture||'/'||dataset||'/'||stamp "
                                 "FROM run ORDER BY stamp LIMIT 1");
  char common[256];
  snprintf(common, sizeof common, "%s", key);
  assert_string_equal(tl_text(&d2, "SELECT environment||'/'||architecture||'/'||dataset||'/'||stamp "
                                   "FROM run ORDER BY stamp LIMIT 1"),
                      common);
  long long runs = tl_int(&d1, "SELECT count(*) FROM run") + tl_int(&d2, "SELECT count(*) FROM run");
  wdb_close(&d1);
  wdb_close(&d2);
  struct push_stats st;
  assert_int_equal(push(db1, url, 0, &st), 0);
  assert_int_equal(push(db2, url, 0, &st), 0);
  PGconn *c = connect_to(url);
  assert_int_equal(pg_int(c, "SELECT count(*) FROM run"), runs);
  char sql[512];
  snprintf(sql, sizeof sql,
           "SELECT count(DISTINCT run_id) FROM v_run WHERE environment||'/'||architecture||'/'||"
           "dataset||'/'||stamp = '%s'", common);
  assert_int_equal(pg_int(c, sql), 2);
  PQfinish(c);
}

/* Builds DIR/NAME from the sample and files that make rows of no run: a
 * wattmeter log, a codecarbon file, AIPowerMeter and powermetrics logs dated
 * far from every run (sessions of their own) and an MLflow store whose runs
 * overlap no eprof run (v_run's profile 'mlflow'). */
static void build_loose(const char *name, char *path, size_t n) {
  char cmd[3000];
  snprintf(path, n, "%s/%s", dir, name);
  /* perf totals without their elapsed time: a session that spans no time, whose
   * shares of the window are NULL (0 / 0), not a division by zero on the server */
  tl_write_str(dir, "perf-totals/perf.csv",
               "# started on Mon Jan  1 10:00:00 2024\n\n"
               "10.50,Joules,power/energy-pkg/,1000000000,100.00,,\n"
               "1.25,Joules,power/energy-ram/,1000000000,100.00,,\n");
  snprintf(cmd, sizeof cmd,
           "%s build --quiet --db '%s' --wall-sockets 1 '%s/data.zip' tests/fixtures/wattmeter/basic-nb6.csv"
           " tests/fixtures/codecarbon/v3.2.2-38col.csv tests/fixtures/aipowermeter"
           " tests/fixtures/powermetrics tests/fixtures/mlflow/store '%s/perf-totals' 2>/dev/null",
           wattdb_bin(), path, dir, dir);
  int rc = system(cmd);
  if (!WIFEXITED(rc) || (WEXITSTATUS(rc) != 0 && WEXITSTATUS(rc) != 1)) fail_msg("failed: %s", cmd);
}

/* Sessions and MLflow runs of no eprof run, pushed from two databases at once:
 * the server's views hold their rows once (v_power, source_energy,
 * source_reconciliation, v_run's 'mlflow' rows), equal to each database's; a
 * second push sends nothing; rows of no run gone from a local database leave
 * the server. */
static void rows_of_no_run(void **state) {
  (void)state;
  NEED_SERVER();
  char url[512], cmd[3000], l1[700], l2[700];
  build_loose("loose1.db", l1, sizeof l1);
  build_loose("loose2.db", l2, sizeof l2);
  struct wdb db;
  assert_int_equal(wdb_open_readonly(&db, l1), 0);
  /* the premise: each kind of row of no run is there */
  assert_true(tl_int(&db, "SELECT count(*) FROM v_run WHERE profile = 'mlflow'") > 0);
  assert_true(tl_int(&db, "SELECT count(DISTINCT source) FROM v_power WHERE run_id IS NULL") >= 3);
  assert_true(tl_int(&db, "SELECT count(*) FROM source_energy WHERE source = 'codecarbon'"
                          " AND run_id IS NULL") > 0);
  assert_true(tl_int(&db, "SELECT count(*) FROM source_reconciliation WHERE rapl_pkg_j = 10.5"
                          " AND rapl_in_window IS NULL") == 1);
  long long sessions = tl_int(&db, "SELECT count(DISTINCT session_file_id) FROM source_attach"
                                   " WHERE run_id IS NULL");
  wdb_close(&db);
  fresh_server("loose", url);
  snprintf(cmd, sizeof cmd,
           "%s push --quiet --db '%s' \"%s\" & a=$!; %s push --quiet --db '%s' \"%s\" & b=$!;"
           " wait $a && wait $b",
           wattdb_bin(), l1, url, wattdb_bin(), l2, url);
  assert_int_equal(system(cmd), 0);
  server_matches(l1, url, 2, 1);
  views_equal(l2, url, 1);
  PGconn *c = connect_to(url);
  assert_int_equal(pg_int(c, "SELECT count(DISTINCT session_file_id) FROM source_attach"
                             " WHERE run_id IS NULL"),
                   sessions);
  assert_int_equal(pg_int(c, "SELECT count(*) FROM loose_origin"),
                   2 * pg_int(c, "SELECT count(*) FROM loose_state WHERE digest IS NOT NULL"));

  struct push_stats st;
  assert_int_equal(push(l1, url, 0, &st), 0);
  assert_true(st.loose > 0);
  assert_int_equal(st.loose_sent, 0);
  assert_int_equal(st.rows, 0);

  /* the sessions gone from both local databases (their rows of no run
   * deleted): gone from the server, the MLflow rows stay */
  for (int k = 0; k < 2; k++) {
    assert_int_equal(wdb_open(&db, k ? l2 : l1), 0);
    struct mirror m;
    assert_int_equal(mirror_load(&m, &db), 0);
    for (int i = 0; i < m.n; i++) {
      char sql[512];
      if (!m.t[i].loose_key || strcmp(m.t[i].loose_key, "session_file_id") || m.t[i].attached)
        continue;
      snprintf(sql, sizeof sql, "DELETE FROM \"%s\" WHERE run_id IS NULL", m.t[i].name);
      assert_int_equal(wdb_exec(&db, sql, "delete"), 0);
    }
    mirror_free(&m);
    wdb_close(&db);
    assert_int_equal(push(k ? l2 : l1, url, 0, &st), 0);
    /* the other origin still has them */
    long long left = pg_int(c, "SELECT count(*) FROM source_attach WHERE run_id IS NULL");
    if (k == 0) assert_true(left > 0);
    else assert_int_equal(left, 0);
  }
  server_matches(l1, url, 2, 1);
  assert_int_equal(pg_int(c, "SELECT count(*) FROM v_power WHERE run_id IS NULL"), 0);
  assert_true(pg_int(c, "SELECT count(*) FROM v_run WHERE profile = 'mlflow'") > 0);
  PQfinish(c);
  unlink(l1);
  unlink(l2);
}

/* The replication package's zip (../shared, skipped when absent; and under the
 * sanitizers, where it takes minutes): two local databases of it pushed at
 * once give one server whose views equal each local database's. */
static void real_zip_from_two_databases_at_once(void **state) {
  (void)state;
  NEED_SERVER();
  const char *real = tl_shared_real();
  char zip[700], cmd[4000], r1[700], r2[700], url[512];
  snprintf(zip, sizeof zip, "%s/eprof/seaa2023-data.zip", real ? real : "");
  if (!real || access(zip, R_OK) != 0 || TL_SANITIZED) {
    print_message("skipped: %s\n", TL_SANITIZED ? "sanitized build" : "no real zip in ../shared");
    skip();
  }
  snprintf(r1, sizeof r1, "%s/real1.db", dir);
  snprintf(r2, sizeof r2, "%s/real2.db", dir);
  snprintf(cmd, sizeof cmd,
           "%s build --quiet --db '%s' '%s' 2>/dev/null; [ $? -le 1 ] && "
           "%s build --quiet --db '%s' '%s' 2>/dev/null; [ $? -le 1 ]",
           wattdb_bin(), r1, zip, wattdb_bin(), r2, zip);
  assert_int_equal(system(cmd), 0);
  fresh_server("real", url);
  snprintf(cmd, sizeof cmd,
           "%s push --quiet --db '%s' \"%s\" & a=$!; %s push --quiet --db '%s' \"%s\" & b=$!;"
           " wait $a && wait $b",
           wattdb_bin(), r1, url, wattdb_bin(), r2, url);
  double t0 = now_s();
  assert_int_equal(system(cmd), 0);
  print_message("two pushes of the real zip's database at once: %.1f s\n", now_s() - t0);
  server_matches(r1, url, 2, 0);
  views_equal(r2, url, 0);
  unlink(r1);
  unlink(r2);
}

/* The command line, without a server: a usage error is exit 2 with a message,
 * a server that cannot be reached exit 3 naming it, and neither touches the
 * local database beyond opening it. */
static void command_line_errors(void **state) {
  (void)state;
  static const struct {
    const char *args; /* after `wattdb push --db LOCAL` (with_db) or `wattdb push` */
    int with_db, exit;
  } cases[] = {
      {"", 0, 2},
      {"--bogus postgresql:///x", 1, 2},
      {"postgresql:///x postgresql:///y", 1, 2},
      {"--db", 0, 2},
      {"--jobs 0 postgresql:///x", 1, 2},
      {"--jobs many postgresql:///x", 1, 2},
      {"--quiet 'host=/nonexistent-wattdb-socket-dir dbname=x connect_timeout=2'", 1, 3},
  };
  if (!dir) dir = tl_mkdtemp();
  char local[700];
  snprintf(local, sizeof local, "%s/cli.db", dir);
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char cmd[1600];
    snprintf(cmd, sizeof cmd, "%s push%s%s%s %s 2>'%s/err.txt'", wattdb_bin(),
             cases[i].with_db ? " --db '" : "", cases[i].with_db ? local : "",
             cases[i].with_db ? "'" : "", cases[i].args, dir);
    int rc = system(cmd);
    if (!WIFEXITED(rc) || WEXITSTATUS(rc) != cases[i].exit)
      fail_msg("%s: exit %d, want %d", cmd, WEXITSTATUS(rc), cases[i].exit);
    char path[800], text[4096] = "";
    snprintf(path, sizeof path, "%s/err.txt", dir);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    size_t n = fread(text, 1, sizeof text - 1, f);
    text[n] = '\0';
    fclose(f);
    assert_non_null(strstr(text, "wattdb: "));
    if (cases[i].exit == 3) assert_non_null(strstr(text, "cannot connect"));
    else assert_non_null(strstr(text, "see 'wattdb push --help'"));
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(command_line_errors),
      cmocka_unit_test(push_then_push_again_sends_nothing),
      cmocka_unit_test(server_of_an_earlier_release_keeps_its_samples),
      cmocka_unit_test(server_of_an_earlier_release_keeps_its_nvidia_smi_values),
      cmocka_unit_test(server_of_an_earlier_release_keeps_its_slot_texts),
      cmocka_unit_test(dry_run_changes_nothing),
      cmocka_unit_test(two_databases_at_once),
      cmocka_unit_test(killed_push_then_push_again),
      cmocka_unit_test(changed_runs_are_sent_again),
      cmocka_unit_test(changed_files_are_sent_again),
      cmocka_unit_test(colliding_runs_stay_two),
      cmocka_unit_test(rows_of_no_run),
      cmocka_unit_test(real_zip_from_two_databases_at_once),
  };
  return cmocka_run_group_tests_name("push", tests, setup_suite, teardown_suite);
}
