/* cli/cmd_status.c: `wattdb status`, what the database holds, as plain text. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli/commands.h"
#include "common/msg.h"
#include "schema/db.h"

static const char usage[] =
    "usage: wattdb status [--db FILE]\n"
    "\n"
    "Prints whether the database is sound, the files read by status and format, the\n"
    "rows stored per raw table, the rejected lines by reason, and the runs per\n"
    "environment and architecture. Reads the database only: never creates or\n"
    "changes it. Exit status 3 when it cannot be read or is damaged.\n"
    "\n"
    "options:\n"
    "  --db FILE   the database (default ./wattdb.db)\n"
    "  --help      this text\n";

/* Prints the rows of SQL as aligned columns under TITLE. */
static int print_table(struct wdb *db, const char *title, const char *sql) {
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(db->sql, sql, -1, &st, NULL) != SQLITE_OK) {
    msg("%s: %s", db->path, sqlite3_errmsg(db->sql));
    return -1;
  }
  printf("%s\n", title);
  int n = sqlite3_column_count(st), rows = 0;
  printf(" ");
  for (int i = 0; i < n; i++) printf(" %-*s", i == 0 ? 28 : 12, sqlite3_column_name(st, i));
  printf("\n");
  while (sqlite3_step(st) == SQLITE_ROW) {
    printf(" ");
    for (int i = 0; i < n; i++) {
      const unsigned char *v = sqlite3_column_text(st, i);
      printf(" %-*s", i == 0 ? 28 : 12, v ? (const char *)v : "");
    }
    printf("\n");
    rows++;
  }
  if (!rows) printf("  (none)\n");
  printf("\n");
  return sqlite3_finalize(st) == SQLITE_OK ? 0 : -1;
}

/* Prints whether SQLite finds the database sound (PRAGMA quick_check) and every
 * row's file and run present (PRAGMA foreign_key_check). Returns 0 when both
 * hold, -1 after printing the first problems. */
static int print_integrity(struct wdb *db) {
  static const char *const checks[] = {"PRAGMA quick_check(5)", "PRAGMA foreign_key_check", NULL};
  long problems = 0;
  for (int i = 0; checks[i]; i++) {
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db->sql, checks[i], -1, &st, NULL) != SQLITE_OK) {
      msg("%s: %s: %s", db->path, checks[i], sqlite3_errmsg(db->sql));
      return -1;
    }
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
      const char *first = (const char *)sqlite3_column_text(st, 0);
      if (i == 0 && first && strcmp(first, "ok") == 0) continue;
      if (++problems <= 5)
        msg("%s: damaged: %s%s%s", db->path, i == 0 ? "" : "a row of table ", first ? first : "",
            i == 0 ? "" : " points at a row that is gone");
    }
    if (rc != SQLITE_DONE) {
      msg("%s: damaged: %s", db->path, sqlite3_errmsg(db->sql));
      problems++;
    }
    sqlite3_finalize(st);
  }
  if (problems) {
    printf("integrity: %ld problems: rebuild the database from the raw files (wattdb build)\n\n",
           problems);
    return -1;
  }
  printf("integrity: ok\n\n");
  return 0;
}

int cmd_status(int argc, char **argv) {
  static const struct option longopts[] = {
      {"db", required_argument, NULL, 'd'}, {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
  const char *dbpath = "wattdb.db";
  optind = 1;
  opterr = 0;
  int c;
  while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
    if (c == 'd') dbpath = optarg;
    else if (c == 'h') {
      fputs(usage, stdout);
      return EXIT_OK;
    } else {
      msg("status: unknown option '%s'", argv[optind - 1]);
      return usage_error("status");
    }
  }
  if (optind < argc) {
    msg("status: unexpected argument '%s'", argv[optind]);
    return usage_error("status");
  }
  struct wdb db;
  if (wdb_open_readonly(&db, dbpath)) return EXIT_DATABASE;
  printf("database %s (schema version %lld)\n", dbpath, (long long)wdb_int(&db, "PRAGMA user_version", 0));
  int rc = print_integrity(&db);
  rc |= print_table(&db, "files by format and status:",
                    "SELECT coalesce(format,'(unrecognised)') AS format, status, count(*) AS files, "
                    "sum(lines) AS lines, sum(rows_ok) AS rows_ok, sum(rows_rejected) AS rejected "
                    "FROM source_file GROUP BY 1, 2 ORDER BY 1, 2");
  /* Rows per raw table: every table keyed by (file_id, line) except the bookkeeping ones. */
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(db.sql,
                         "SELECT m.name FROM sqlite_schema m WHERE m.type='table' "
                         "AND EXISTS (SELECT 1 FROM pragma_table_info(m.name) WHERE name='file_id') "
                         "AND EXISTS (SELECT 1 FROM pragma_table_info(m.name) WHERE name='line') "
                         "AND m.name NOT IN ('rejected_row','unparsed_value') ORDER BY 1",
                         -1, &st, NULL) == SQLITE_OK) {
    printf("rows per raw table:\n");
    while (sqlite3_step(st) == SQLITE_ROW) {
      char *q = sqlite3_mprintf("SELECT count(*) FROM \"%w\"", (const char *)sqlite3_column_text(st, 0));
      printf("  %-28s %lld\n", sqlite3_column_text(st, 0), (long long)wdb_int(&db, q, 0));
      sqlite3_free(q);
    }
    printf("\n");
    sqlite3_finalize(st);
  }
  rc |= print_table(&db, "rejected lines by reason:",
                    "SELECT reason, count(*) AS lines, count(DISTINCT file_id) AS files "
                    "FROM rejected_row GROUP BY 1 ORDER BY 2 DESC");
  rc |= print_table(&db, "values stored as NULL (sentinels such as [N/A]):",
                    "SELECT name AS column_, text, count(*) AS n FROM unparsed_value GROUP BY 1, 2 "
                    "ORDER BY 3 DESC");
  rc |= print_table(&db, "runs whose files of one role diverge (built from the chosen one):",
                    "SELECT environment || '/' || architecture || '/' || dataset || '/' || stamp "
                    "AS run, role, chosen, diverging FROM run_file_conflict ORDER BY 1, 2");
  if (wdb_int(&db, "SELECT count(*) FROM sqlite_schema WHERE name = 'v_run_warning'", 0))
    rc |= print_table(&db, "runs with warnings (v_run_warning; energy_j leaves the uncovered part out):",
                      "SELECT source || ' ' || component AS component, what, count(DISTINCT run_id) AS runs, "
                      "round(min(share), 3) AS lowest_share FROM v_run_warning GROUP BY 1, 2 ORDER BY 1, 2");
  rc |= print_table(&db, "runs by environment and architecture:",
                    "SELECT environment || '/' || architecture AS environment_architecture, "
                    "count(DISTINCT r.id) AS runs, "
                    "count(DISTINCT CASE WHEN f.format='eprof-gpu' THEN r.id END) AS with_gpu, "
                    "count(DISTINCT CASE WHEN f.format='eprof-cpu' THEN r.id END) AS with_cpu, "
                    "count(DISTINCT CASE WHEN f.format='eprof-epoch' THEN r.id END) AS with_epochs "
                    "FROM run r LEFT JOIN source_file f ON f.run_id = r.id "
                    "GROUP BY 1 ORDER BY 1");
  wdb_close(&db);
  return rc ? EXIT_DATABASE : EXIT_OK;
}
