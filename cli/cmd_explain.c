/* cli/cmd_explain.c: `wattdb explain RUN`, where a run's numbers come from:
 * its input files (which builds the run, rejected lines and their reasons),
 * the other tools' logs attached to it and their clock offsets, the settings,
 * what each component covers of the window, and every column of its v_run row
 * in both profiles with the words for how it is computed (transform/formulas.h)
 * and the difference between the profiles. The report is one JSON object,
 * printed as such (--json) or as text. */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "cli/report.h"
#include "common/msg.h"
#include "schema/db.h"
#include "transform/formulas.h"

static const char usage[] =
    "usage: wattdb explain [--db FILE] [--profile default|gaissa] [--epoch N] [--json] RUN\n"
    "\n"
    "Shows where the numbers of one run come from: every input file (path, format,\n"
    "sha256, status, rows, the first rejected lines and their reasons), the other\n"
    "tools' logs attached to it with their clock offsets, the settings, the samples\n"
    "each component has in the window with their coverage and longest gap, and each\n"
    "column of its v_run row in both profiles, with how it is computed and the\n"
    "difference between them. RUN is a run id, a stamp (20231218T205204), or\n"
    "environment/architecture/dataset/stamp (dataset empty in the 2-level layout:\n"
    "cloud/vgg16//20221205T140211). Reads the database only.\n"
    "\n"
    "options:\n"
    "  --db FILE     the database (default ./wattdb.db)\n"
    "  --profile P   only that profile's values\n"
    "  --epoch N     also the run's epoch N (v_epoch)\n"
    "  --json        the report as one JSON object (keys: README, \"Provenance\")\n"
    "  --help        this text\n";

/* The run RUN names: its id, or 0 after printing why none or several match. */
static long long find_run(struct wdb *db, const char *run) {
  const char *p[1] = {run};
  json_t *rows = report_rows(db,
                             "SELECT id, environment || '/' || architecture || '/' || dataset || '/' || stamp AS name"
                             " FROM run WHERE CAST(id AS TEXT) = ?1 OR stamp = ?1"
                             " OR environment || '/' || architecture || '/' || dataset || '/' || stamp = ?1"
                             " ORDER BY id",
                             1, p);
  if (!rows) return 0;
  long long id = 0;
  size_t n = json_array_size(rows);
  if (n == 1) {
    id = json_integer_value(json_object_get(json_array_get(rows, 0), "id"));
  } else if (n == 0) {
    msg("explain: no run '%s': give a run id, a stamp or environment/architecture/dataset/stamp "
        "(wattdb status lists the runs; SELECT id, stamp FROM run)",
        run);
  } else {
    msg("explain: %zu runs have stamp '%s'; name one as environment/architecture/dataset/stamp:", n, run);
    size_t i;
    json_t *r;
    json_array_foreach(rows, i, r) msg("  %s", json_string_value(json_object_get(r, "name")));
  }
  json_decref(rows);
  return id;
}

/* Sets KEY of OUT to the rows of SQL for the run ID; 0, or -1 (printed). */
static int add_rows(struct wdb *db, json_t *out, const char *key, const char *sql, const char *id) {
  const char *p[1] = {id};
  json_t *rows = report_rows(db, sql, 1, p);
  if (!rows) return -1;
  json_object_set_new(out, key, rows);
  return 0;
}

static int has_relation(struct wdb *db, const char *name) {
  char *q = sqlite3_mprintf("SELECT count(*) FROM sqlite_schema WHERE name = '%q'", name);
  int n = (int)wdb_int(db, q, 0);
  sqlite3_free(q);
  return n > 0;
}

/* The report on run ID (see the file's comment); NULL after printing an error. */
static json_t *explain(struct wdb *db, long long run_id, const char *profile, long epoch) {
  char id[32];
  snprintf(id, sizeof id, "%lld", run_id);
  json_t *r = json_object();
  int rc = 0;
  rc |= add_rows(db, r, "run", "SELECT id AS run_id, environment, architecture, dataset, stamp FROM run WHERE id = ?1",
                 id);
  rc |= add_rows(db, r, "files",
                 "SELECT f.id AS file_id, f.path, f.format, f.format_version, f.sha256, f.status, f.lines,"
                 " f.rows_ok, f.rows_rejected, f.error, c.role, c.rank = 1 AS builds_run"
                 " FROM source_file f LEFT JOIN run_file_choice c ON c.file_id = f.id AND c.run_id = f.run_id"
                 " WHERE f.run_id = ?1 ORDER BY f.format, f.path",
                 id);
  rc |= add_rows(db, r, "rejected",
                 "SELECT f.path, x.line, x.col, x.reason, x.message FROM rejected_row x"
                 " JOIN source_file f ON f.id = x.file_id WHERE f.run_id = ?1 ORDER BY f.path, x.line",
                 id);
  if (has_relation(db, "source_attach"))
    rc |= add_rows(db, r, "attached",
                   "SELECT f.id AS file_id, f.path, f.format, a.how, f.time_convention, o.method AS clock_method,"
                   " o.offset_s AS clock_offset_s, o.reason AS clock_reason FROM source_attach a"
                   " JOIN source_file f ON f.id = a.file_id LEFT JOIN clock_offset o ON o.file_id = f.id"
                   " WHERE a.run_id = ?1 GROUP BY f.id ORDER BY f.format, f.path",
                   id);
  if (has_relation(db, "source_energy"))
    rc |= add_rows(db, r, "source_energy",
                   "SELECT source, component, device, energy_j, covered_s, samples FROM source_energy"
                   " WHERE run_id = ?1 ORDER BY source, component, device",
                   id);
  rc |= add_rows(db, r, "settings", "SELECT name, value FROM setting WHERE ?1 IS NOT NULL ORDER BY name", id);
  if (has_relation(db, "v_run_coverage"))
    rc |= add_rows(db, r, "coverage",
                   "SELECT source, component, device, window_s, samples, covered_s, share, longest_gap_s, energy_j,"
                   " extrapolated_energy_j FROM v_run_coverage WHERE run_id = ?1 ORDER BY source, component, device",
                   id);
  if (has_relation(db, "v_run_warning"))
    rc |= add_rows(db, r, "warnings",
                   "SELECT source, component, device, what, share FROM v_run_warning WHERE run_id = ?1"
                   " ORDER BY source, component, device",
                   id);
  /* both profiles' v_run rows, column by column with their words */
  json_t *rows = NULL;
  if (!rc) {
    const char *p[1] = {id};
    rows = report_rows(db, "SELECT * FROM v_run WHERE run_id = ?1 ORDER BY profile", 1, p);
    if (!rows) rc = -1;
  }
  if (rc) {
    json_decref(rows);
    json_decref(r);
    return NULL;
  }
  json_t *by_profile[2] = {NULL, NULL}; /* gaissa, default */
  size_t i;
  json_t *row;
  json_array_foreach(rows, i, row) {
    const char *pr = json_string_value(json_object_get(row, "profile"));
    if (profile && strcmp(pr, profile) != 0) continue;
    by_profile[strcmp(pr, "gaissa") == 0 ? 0 : 1] = row;
  }
  json_t *values = json_object();
  /* the run's key is the report's "run" */
  static const char *const key[] = {"profile", "environment", "architecture", "dataset", "stamp", "run_id"};
  for (const struct formula *f = run_formulas; f->column; f++) {
    int is_key = 0;
    for (size_t k = 0; k < sizeof key / sizeof *key; k++) is_key |= !strcmp(f->column, key[k]);
    if (is_key) continue;
    json_t *v = json_object();
    static const char *const names[2] = {"gaissa", "default"};
    for (int k = 0; k < 2; k++) {
      if (!by_profile[k]) continue;
      json_t *x = json_object_get(by_profile[k], f->column);
      json_object_set(v, names[k], x ? x : json_null());
    }
    json_t *a = json_object_get(v, "gaissa"), *b = json_object_get(v, "default");
    if (json_is_number(a) && json_is_number(b)) {
      double x = json_number_value(a), y = json_number_value(b);
      json_object_set_new(v, "default_minus_gaissa", json_real(y - x));
      if (x != 0) json_object_set_new(v, "default_minus_gaissa_pct", json_real(100 * (y - x) / fabs(x)));
    }
    json_t *how = json_object();
    if (!profile || !strcmp(profile, "gaissa")) json_object_set_new(how, "gaissa", json_string(f->gaissa));
    if (!profile || !strcmp(profile, "default"))
      json_object_set_new(how, "default", json_string(f->dflt ? f->dflt : f->gaissa));
    json_object_set_new(v, "how", how);
    json_object_set_new(values, f->column, v);
  }
  json_object_set_new(r, "profiles_built", json_integer(json_array_size(rows)));
  json_object_set_new(r, "values", values);
  json_decref(rows);
  if (epoch >= 0) {
    char sql[256];
    snprintf(sql, sizeof sql,
             "SELECT profile, epoch, duration_s, gpu_energy_j, ram_energy_j, energy_j, mean_gpu_power_w,"
             " mean_ram_power_w, n_samples, uncovered_s FROM v_epoch WHERE run_id = ?1 AND epoch = %ld%s"
             " ORDER BY profile",
             epoch, profile ? (strcmp(profile, "gaissa") ? " AND profile = 'default'" : " AND profile = 'gaissa'") : "");
    if (add_rows(db, r, "epoch", sql, id)) {
      json_decref(r);
      return NULL;
    }
  }
  return r;
}

static void print_text(const json_t *r, long epoch) {
  const json_t *run = json_array_get(json_object_get(r, "run"), 0);
  printf("run %lld: %s/%s/%s/%s\n\n", (long long)json_integer_value(json_object_get(run, "run_id")),
         json_string_value(json_object_get(run, "environment")),
         json_string_value(json_object_get(run, "architecture")),
         json_string_value(json_object_get(run, "dataset")), json_string_value(json_object_get(run, "stamp")));
  report_print_table(stdout, "input files (builds_run 1: the file of its role this run is built from):",
                     json_object_get(r, "files"));
  const json_t *rej = json_object_get(r, "rejected");
  printf("rejected lines: %zu\n", json_array_size(rej));
  size_t i;
  json_t *x;
  json_array_foreach((json_t *)rej, i, x) {
    if (i == 5) {
      printf("  ... (SELECT * FROM rejected_row WHERE file_id IN (SELECT id FROM source_file WHERE run_id = %lld))\n",
             (long long)json_integer_value(json_object_get(run, "run_id")));
      break;
    }
    printf("  %s:%lld: %s: %s\n", json_string_value(json_object_get(x, "path")),
           (long long)json_integer_value(json_object_get(x, "line")),
           json_string_value(json_object_get(x, "reason")), json_string_value(json_object_get(x, "message")));
  }
  printf("\n");
  if (json_object_get(r, "attached"))
    report_print_table(stdout, "logs attached to the run (how: folder, overlap; clock offset of UTC logs):",
                       json_object_get(r, "attached"));
  if (json_object_get(r, "source_energy"))
    report_print_table(stdout, "energy per source (source_energy):", json_object_get(r, "source_energy"));
  report_print_table(stdout, "settings:", json_object_get(r, "settings"));
  if (json_object_get(r, "coverage"))
    report_print_table(stdout, "coverage of the window (default profile; v_run_coverage):",
                       json_object_get(r, "coverage"));
  if (json_object_get(r, "warnings")) report_print_table(stdout, "warnings (v_run_warning):", json_object_get(r, "warnings"));
  if (!json_integer_value(json_object_get(r, "profiles_built"))) {
    printf("values: the run has no v_run row yet: run wattdb transform\n");
  } else {
    printf("values (v_run):\n  %-28s %20s %20s %12s\n", "column", "gaissa", "default", "default-gaissa");
    const char *col;
    json_t *v;
    json_object_foreach(json_object_get(r, "values"), col, v) {
      char cells[2][64];
      static const char *const names[2] = {"gaissa", "default"};
      for (int k = 0; k < 2; k++) {
        json_t *y = json_object_get(v, names[k]);
        if (!y) snprintf(cells[k], sizeof cells[k], "-");
        else if (json_is_null(y)) snprintf(cells[k], sizeof cells[k], "NULL");
        else if (json_is_integer(y)) snprintf(cells[k], sizeof cells[k], "%lld", (long long)json_integer_value(y));
        else if (json_is_real(y)) snprintf(cells[k], sizeof cells[k], "%.10g", json_real_value(y));
        else snprintf(cells[k], sizeof cells[k], "%.40s", json_string_value(y));
      }
      char diff[32] = "";
      json_t *pct = json_object_get(v, "default_minus_gaissa_pct"), *d = json_object_get(v, "default_minus_gaissa");
      if (pct && json_real_value(d) != 0) snprintf(diff, sizeof diff, "%+.3g%%", json_real_value(pct));
      else if (d && json_real_value(d) != 0) snprintf(diff, sizeof diff, "%+.6g", json_real_value(d));
      printf("  %-28s %20s %20s %12s\n", col, cells[0], cells[1], diff);
      json_t *how = json_object_get(v, "how");
      const char *g = json_string_value(json_object_get(how, "gaissa"));
      const char *df = json_string_value(json_object_get(how, "default"));
      if (g && df && strcmp(g, df) == 0) printf("      %s\n", g);
      else {
        if (g) printf("      gaissa:  %s\n", g);
        if (df) printf("      default: %s\n", df);
      }
    }
    printf("\n");
  }
  if (epoch >= 0) {
    char title[64];
    snprintf(title, sizeof title, "epoch %ld (v_epoch):", epoch);
    report_print_table(stdout, title, json_object_get(r, "epoch"));
  }
}

int cmd_explain(int argc, char **argv) {
  static const struct option longopts[] = {{"db", required_argument, NULL, 'd'},
                                           {"profile", required_argument, NULL, 'p'},
                                           {"epoch", required_argument, NULL, 'e'},
                                           {"json", no_argument, NULL, 'j'},
                                           {"help", no_argument, NULL, 'h'},
                                           {NULL, 0, NULL, 0}};
  const char *dbpath = "wattdb.db", *profile = NULL;
  long epoch = -1;
  int as_json = 0;
  optind = 1;
  opterr = 0;
  int c;
  while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
    if (c == 'd') dbpath = optarg;
    else if (c == 'p') {
      if (strcmp(optarg, "default") && strcmp(optarg, "gaissa")) {
        msg("explain: --profile %s: the profiles are default and gaissa", optarg);
        return usage_error("explain");
      }
      profile = optarg;
    } else if (c == 'e') {
      char *end;
      epoch = strtol(optarg, &end, 10);
      if (*end || epoch < 0) {
        msg("explain: --epoch %s: give an epoch number, 0 or more", optarg);
        return usage_error("explain");
      }
    } else if (c == 'j') as_json = 1;
    else if (c == 'h') {
      fputs(usage, stdout);
      return EXIT_OK;
    } else {
      msg("explain: unknown option '%s'", argv[optind - 1]);
      return usage_error("explain");
    }
  }
  if (argc - optind != 1) {
    msg(argc == optind ? "explain: name the run to explain" : "explain: name one run");
    return usage_error("explain");
  }
  struct wdb db;
  if (wdb_open_readonly(&db, dbpath)) return EXIT_DATABASE;
  long long id = find_run(&db, argv[optind]);
  json_t *r = id ? explain(&db, id, profile, epoch) : NULL;
  wdb_close(&db);
  if (!id) return EXIT_USAGE;
  if (!r) return EXIT_DATABASE;
  if (as_json) report_print_json(stdout, r);
  else print_text(r, epoch);
  json_decref(r);
  return EXIT_OK;
}
