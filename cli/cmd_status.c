/* cli/cmd_status.c: `wattdb status`, what the database holds, as plain text or
 * JSON (--json), with content hashes of its tables and views (--hash). */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include <nettle/sha2.h>

#include "cli/commands.h"
#include "cli/report.h"
#include "common/msg.h"
#include "ingest/formats.h"
#include "schema/canon.h"
#include "schema/db.h"

static const char usage[] =
    "usage: wattdb status [--db FILE] [--json] [--hash]\n"
    "\n"
    "Prints whether the database is sound, the files read by status and format, the\n"
    "rows stored per raw table, the rejected lines by reason, and the runs per\n"
    "environment and architecture. Reads the database only: never creates or\n"
    "changes it. Exit status 3 when it cannot be read or is damaged.\n"
    "\n"
    "options:\n"
    "  --db FILE   the database (default ./wattdb.db)\n"
    "  --json      the same report as one JSON object (keys: README, \"status --json\")\n"
    "  --hash      add each table's and view's content hash, and the dataset's: equal\n"
    "              hashes mean equal data, whatever the machine, folder or time of the build\n"
    "  --help      this text\n";

/* Whether SQLite finds the database sound (PRAGMA quick_check) and every row's
 * file and run present (PRAGMA foreign_key_check): "ok", or the first problems
 * (printed as well) in INTEGRITY. Returns 0 when both hold, -1 otherwise. */
static int check_integrity(struct wdb *db, json_t **integrity) {
  static const char *const checks[] = {"PRAGMA quick_check(5)", "PRAGMA foreign_key_check", NULL};
  json_t *problems = json_array();
  for (int i = 0; checks[i]; i++) {
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db->sql, checks[i], -1, &st, NULL) != SQLITE_OK) {
      msg("%s: %s: %s", db->path, checks[i], sqlite3_errmsg(db->sql));
      json_array_append_new(problems, json_string(sqlite3_errmsg(db->sql)));
      continue;
    }
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
      const char *first = (const char *)sqlite3_column_text(st, 0);
      if (i == 0 && first && strcmp(first, "ok") == 0) continue;
      char *what = sqlite3_mprintf("%s%s%s", i == 0 ? "" : "a row of table ", first ? first : "",
                                   i == 0 ? "" : " points at a row that is gone");
      if (json_array_size(problems) < 5) msg("%s: damaged: %s", db->path, what);
      json_array_append_new(problems, json_string(what));
      sqlite3_free(what);
    }
    if (rc != SQLITE_DONE) {
      msg("%s: damaged: %s", db->path, sqlite3_errmsg(db->sql));
      json_array_append_new(problems, json_string(sqlite3_errmsg(db->sql)));
    }
    sqlite3_finalize(st);
  }
  if (json_array_size(problems)) {
    *integrity = problems;
    return -1;
  }
  json_decref(problems);
  *integrity = json_string("ok");
  return 0;
}

/* The sections of the report: the key of each in --json, its title as text,
 * and its query. Each is shown when its relations exist. */
static const struct section {
  const char *key, *title, *needs, *sql;
} sections[] = {
    {"files", "files by format and status:", NULL,
     "SELECT coalesce(format,'(unrecognised)') AS format, status, count(*) AS files, "
     "sum(lines) AS lines, sum(rows_ok) AS rows_ok, sum(rows_rejected) AS rejected "
     "FROM source_file GROUP BY 1, 2 ORDER BY 1, 2"},
    {"rejected", "rejected lines by reason:", NULL,
     "SELECT reason, count(*) AS lines, count(DISTINCT file_id) AS files "
     "FROM rejected_row GROUP BY 1 ORDER BY 2 DESC, 1"},
    {"nulls", "values stored as NULL (sentinels such as [N/A]):", NULL,
     "SELECT name AS column_, text, count(*) AS n FROM unparsed_value GROUP BY 1, 2 ORDER BY 3 DESC, 1, 2"},
    {"conflicts", "runs whose files of one role diverge (built from the chosen one):", "run_file_conflict",
     "SELECT environment || '/' || architecture || '/' || dataset || '/' || stamp "
     "AS run, role, chosen, diverging FROM run_file_conflict ORDER BY 1, 2"},
    {"warnings", "runs with warnings (v_run_warning; energy_j leaves the uncovered part out):",
     "v_run_warning",
     "SELECT source || ' ' || component AS component, what, count(DISTINCT run_id) AS runs, "
     "round(min(share), 3) AS lowest_share FROM v_run_warning GROUP BY 1, 2 ORDER BY 1, 2"},
    {"runs", "runs by environment and architecture:", NULL,
     "SELECT environment || '/' || architecture AS environment_architecture, "
     "count(DISTINCT r.id) AS runs, "
     "count(DISTINCT CASE WHEN f.format='eprof-gpu' THEN r.id END) AS with_gpu, "
     "count(DISTINCT CASE WHEN f.format='eprof-cpu' THEN r.id END) AS with_cpu, "
     "count(DISTINCT CASE WHEN f.format='eprof-epoch' THEN r.id END) AS with_epochs "
     "FROM run r LEFT JOIN source_file f ON f.run_id = r.id "
     "GROUP BY 1 ORDER BY 1"},
};

/* Rows per raw table: the tables the registry's formats fill, each once. */
static json_t *raw_table_rows(struct wdb *db) {
  json_t *out = json_object();
  for (int i = 0; formats[i]; i++)
    for (const char *p = formats[i]->tables; p && *p;) {
      const char *comma = strchr(p, ',');
      int len = comma ? (int)(comma - p) : (int)strlen(p);
      char name[128];
      snprintf(name, sizeof name, "%.*s", len, p);
      if (!json_object_get(out, name)) {
        char *q = sqlite3_mprintf("SELECT count(*) FROM \"%w\"", name);
        json_object_set_new(out, name, json_integer(wdb_int(db, q, 0)));
        sqlite3_free(q);
      }
      p += len + (comma ? 1 : 0);
    }
  return out;
}

/* Per table and view of wattdb's: its rows and the SHA-256 of its canonical
 * rows (schema/canon.h), and "dataset": the hash of all of them, so that two
 * builds of the same data compare with one line. */
static json_t *content_hashes(struct wdb *db) {
  json_t *rows = report_rows(db, "SELECT name FROM sqlite_schema WHERE type IN ('table','view') ORDER BY name",
                             0, NULL);
  if (!rows) return NULL;
  json_t *out = json_object(), *relations = json_object();
  struct sha256_ctx all;
  sha256_init(&all);
  size_t i;
  json_t *row;
  json_array_foreach(rows, i, row) {
    const char *name = json_string_value(json_object_get(row, "name"));
    if (!canon_relation(name)) continue;
    struct canon c;
    char hex[65];
    long long n;
    if (canon_build(db, "main", name, &c) || canon_hash(db, &c, hex, &n)) {
      canon_free(&c);
      json_decref(rows);
      json_decref(out);
      json_decref(relations);
      return NULL;
    }
    canon_free(&c);
    json_object_set_new(relations, name, json_pack("{s:I,s:s}", "rows", (json_int_t)n, "sha256", hex));
    sha256_update(&all, strlen(name) + 1, (const uint8_t *)name);
    sha256_update(&all, 65, (const uint8_t *)hex);
  }
  json_decref(rows);
  uint8_t digest[SHA256_DIGEST_SIZE];
  sha256_digest(&all, sizeof digest, digest);
  char hex[65];
  for (int k = 0; k < SHA256_DIGEST_SIZE; k++) snprintf(hex + 2 * k, 3, "%02x", digest[k]);
  json_object_set_new(out, "dataset", json_string(hex));
  json_object_set_new(out, "relations", relations);
  return out;
}

int cmd_status(int argc, char **argv) {
  static const struct option longopts[] = {{"db", required_argument, NULL, 'd'},
                                           {"json", no_argument, NULL, 'j'},
                                           {"hash", no_argument, NULL, 'H'},
                                           {"help", no_argument, NULL, 'h'},
                                           {NULL, 0, NULL, 0}};
  const char *dbpath = "wattdb.db";
  int as_json = 0, with_hash = 0;
  optind = 1;
  opterr = 0;
  int c;
  while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
    if (c == 'd') dbpath = optarg;
    else if (c == 'j') as_json = 1;
    else if (c == 'H') with_hash = 1;
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
  json_t *report = json_object(), *integrity;
  int rc = check_integrity(&db, &integrity);
  json_object_set_new(report, "database", json_string(dbpath));
  json_object_set_new(report, "schema_version", json_integer(wdb_int(&db, "PRAGMA user_version", 0)));
  json_object_set_new(report, "integrity", integrity);
  json_object_set_new(report, "raw_tables", raw_table_rows(&db));
  for (size_t i = 0; i < sizeof sections / sizeof *sections; i++) {
    const struct section *sec = &sections[i];
    if (sec->needs) {
      char *q = sqlite3_mprintf("SELECT count(*) FROM sqlite_schema WHERE name = '%q'", sec->needs);
      int present = wdb_int(&db, q, 0) > 0;
      sqlite3_free(q);
      if (!present) continue;
    }
    json_t *rows = report_rows(&db, sec->sql, 0, NULL);
    if (!rows) {
      rc = -1;
      continue;
    }
    json_object_set_new(report, sec->key, rows);
  }
  if (with_hash) {
    json_t *h = content_hashes(&db);
    if (h) json_object_set_new(report, "hashes", h);
    else rc = -1;
  }
  wdb_close(&db);
  if (as_json) {
    report_print_json(stdout, report);
  } else {
    printf("database %s (schema version %lld)\n", dbpath,
           (long long)json_integer_value(json_object_get(report, "schema_version")));
    if (json_is_string(integrity)) {
      printf("integrity: ok\n\n");
    } else {
      printf("integrity: %zu problems: rebuild the database from the raw files (wattdb build)\n\n",
             json_array_size(integrity));
    }
    report_print_table(stdout, sections[0].title, json_object_get(report, sections[0].key));
    printf("rows per raw table:\n");
    const char *key;
    json_t *v;
    json_object_foreach(json_object_get(report, "raw_tables"), key, v)
      printf("  %-28s %lld\n", key, (long long)json_integer_value(v));
    printf("\n");
    for (size_t i = 1; i < sizeof sections / sizeof *sections; i++)
      if (json_object_get(report, sections[i].key))
        report_print_table(stdout, sections[i].title, json_object_get(report, sections[i].key));
    json_t *h = json_object_get(report, "hashes");
    if (h) {
      printf("content hashes (canonical rows, see README \"Comparing databases\"):\n");
      json_object_foreach(json_object_get(h, "relations"), key, v)
        printf("  %-28s %10lld  %s\n", key, (long long)json_integer_value(json_object_get(v, "rows")),
               json_string_value(json_object_get(v, "sha256")));
      printf("  %-28s %10s  %s\n", "dataset", "", json_string_value(json_object_get(h, "dataset")));
    }
  }
  json_decref(report);
  return rc ? EXIT_DATABASE : EXIT_OK;
}
