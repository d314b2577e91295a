/* cli/cmd_transform.c: `wattdb transform` (raw tables → interim and processed
 * tables, transform/transform.h) and `wattdb build` (ingest, then transform). */
#define _DEFAULT_SOURCE
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/commands.h"
#include "common/msg.h"
#include "ingest/ingest.h"
#include "transform/clock.h"
#include "transform/transform.h"


#define TRANSFORM_OPTIONS                                                                    \
  "  --profile P     default, gaissa or all (default: all, stored side by side)\n"          \
  "  --carbon-intensity G   grid carbon intensity in g CO2e/kWh, kept in the database\n"     \
  "                  (setting carbon_intensity_g_per_kwh; 232 until set)\n"                  \
  "  --pue X         power usage effectiveness, kept in the database (1.0 until set)\n"      \
  "  --utc-offset S  local time minus UTC in seconds (3600 for CET), kept in the database\n"  \
  "                  (setting local_utc_offset_s): places logs written in UTC (wattmeters)\n" \
  "                  on the eprof runs' naive local clock. Until set, or after\n"            \
  "                  --utc-offset auto, each UTC log's offset is estimated from its power\n" \
  "                  against the runs' (table clock_offset; printed, or what to pass)\n"   \
  "  --wall-sockets L  the wattmeter sockets that feed the runs' machine, e.g. 1 or 1,7\n"  \
  "                  (setting wall_sockets; 'all', the default, sums every socket) for the\n" \
  "                  wall energy of source_reconciliation\n"                               \
  "  --full          recompute every run, not only those whose files changed\n"

static const char usage_transform[] =
    "usage: wattdb transform [--db FILE] [--profile default|gaissa|all]\n"
    "                        [--carbon-intensity G_PER_KWH] [--pue X] [--utc-offset S|auto]\n"
    "                        [--wall-sockets LIST] [--full] [--quiet]\n"
    "\n"
    "Builds the interim tables (aligned samples, epoch spans) and the processed tables\n"
    "(one row per run and profile, one per run, profile and epoch) from the raw\n"
    "tables, and the views v_run, v_epoch, v_sample, v_profile_diff, v_features.\n"
    "Only runs whose input files changed since their last transform are recomputed;\n"
    "emissions and run metadata are refreshed for every run. One transaction.\n"
    "\n"
    "profiles:\n"
    "  gaissa    the replication package's numbers, its truncations included\n"
    "  default   full decimals, time-weighted, gaps not bridged, exact epoch split\n"
    "\n"
    "options:\n"
    "  --db FILE       the database (default ./wattdb.db)\n" TRANSFORM_OPTIONS
    "  --quiet, -q     no summary\n"
    "  --help          this text\n"
    "\n"
    "See transform/README.md for the tables, views and columns.\n"
    "\n"
    "exit status: 0 done; 2 usage error; 3 database error.\n";

static const char usage_build[] =
    "usage: wattdb build [--db FILE] [--format NAME] [--quiet] [--profile P]\n"
    "                    [--carbon-intensity G_PER_KWH] [--pue X] [--utc-offset S|auto]\n"
    "                    [--wall-sockets LIST] [--full] PATH...\n"
    "\n"
    "`wattdb ingest` of every PATH, then `wattdb transform`.\n"
    "\n"
    "options:\n"
    "  --db FILE       the database (default ./wattdb.db), created if missing\n"
    "  --format NAME   read every file as format NAME instead of recognising it\n"
    "  --quiet, -q     print no per-line messages, no progress\n" TRANSFORM_OPTIONS
    "  --help          this text\n"
    "\n"
    "exit status: 0 all good; 1 some lines or files were rejected (the transform ran);\n"
    "2 usage error; 3 database error; 4 an input could not be read.\n";

/* Parses a positive finite number for OPT; 0 or -1 (printed). */
static int parse_number(const char *opt, const char *s, double *v) {
  char *end;
  *v = strtod(s, &end);
  if (end == s || *end || !isfinite(*v) || *v < 0) {
    msg("%s: '%s' is not a non-negative number", opt, s);
    return -1;
  }
  return 0;
}

/* Consumes a transform option at argv[*i] (with its argument) into OPT.
 * Returns 1 when consumed, 0 when not a transform option, -1 on a bad value. */
static int transform_option(int argc, char **argv, int *i, struct transform_options *opt) {
  static const char *const names[] = {"--profile", "--carbon-intensity", "--pue", "--utc-offset",
                                      "--wall-sockets", NULL};
  const char *a = argv[*i];
  if (strcmp(a, "--full") == 0) {
    opt->full = 1;
    return 1;
  }
  for (int k = 0; names[k]; k++) {
    size_t n = strlen(names[k]);
    const char *val = NULL;
    if (strncmp(a, names[k], n) != 0) continue;
    if (a[n] == '=') val = a + n + 1;
    else if (a[n] == '\0') {
      if (*i + 1 >= argc) {
        msg("%s needs a value", names[k]);
        return -1;
      }
      val = argv[++*i];
    } else continue;
    if (k == 0) {
      if (strcmp(val, "gaissa") == 0) opt->profiles = TF_GAISSA;
      else if (strcmp(val, "default") == 0) opt->profiles = TF_DEFAULT;
      else if (strcmp(val, "all") == 0) opt->profiles = TF_ALL;
      else {
        msg("--profile: '%s' is not default, gaissa or all", val);
        return -1;
      }
    } else if (k == 1) {
      if (parse_number(names[k], val, &opt->carbon_intensity)) return -1;
      opt->set_carbon = 1;
    } else if (k == 2) {
      if (parse_number(names[k], val, &opt->pue)) return -1;
      opt->set_pue = 1;
    } else if (k == 4) {
      int ok = strcmp(val, "all") == 0 || (*val >= '1' && *val <= '9');
      for (const char *c = val; ok && *c && strcmp(val, "all"); c++)
        ok = (*c >= '0' && *c <= '9') || (*c == ',' && c[1] >= '1' && c[1] <= '9');
      if (!ok || strlen(val) > 200) {
        msg("--wall-sockets: '%s' is not 'all' or a list of socket numbers like 1,7", val);
        return -1;
      }
      opt->wall_sockets = val;
    } else if (strcmp(val, "auto") == 0) {
      opt->auto_utc_offset = 1;
      opt->set_utc_offset = 0;
    } else {
      char *end;
      long v = strtol(val, &end, 10);
      if (end == val || *end || v < -14 * 3600 || v > 14 * 3600) {
        msg("--utc-offset: '%s' is not 'auto' or a whole number of seconds between -50400 and 50400", val);
        return -1;
      }
      opt->utc_offset_s = v;
      opt->set_utc_offset = 1;
      opt->auto_utc_offset = 0;
    }
    return 1;
  }
  return 0;
}

/* Moves the transform options out of ARGV (in place, keeping the rest in
 * order). Returns the new argc, or -1 on a bad value. */
static int split_options(int argc, char **argv, struct transform_options *opt) {
  int out = 1;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--") == 0) {
      while (i < argc) argv[out++] = argv[i++];
      break;
    }
    int r = transform_option(argc, argv, &i, opt);
    if (r < 0) return -1;
    if (r == 0) argv[out++] = argv[i];
  }
  argv[out] = NULL;
  return out;
}

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int transform_and_report(struct wdb *db, const struct transform_options *opt, int quiet) {
  struct transform_stats st;
  double t0 = now_s();
  if (!quiet) fprintf(stderr, "wattdb: transforming...\n");
  if (transform_run(db, opt, &st)) return EXIT_DATABASE;
  if (clock_offsets_report(db, stderr, quiet)) return EXIT_DATABASE;
  if (st.runs == 0) {
    long logs = (long)wdb_int(db, "SELECT count(*) FROM source_file WHERE status IN ('ok', 'partial')", 0);
    if (logs)
      msg("%s: no eprof runs (raw/{environment}/{architecture}/.../gpu-power-T.csv): the other "
          "tools' logs stand as sessions of their own (source_energy, run_id NULL), MLflow runs as "
          "v_run rows of profile 'mlflow'", db->path);
    else
      msg("%s: no runs to transform: ingest a folder of logs or a data.zip first "
          "(wattdb build PATH does both)", db->path);
  }
  long warned = (long)wdb_int(db, "SELECT count(DISTINCT run_id) FROM v_run_warning", 0);
  if (warned)
    msg("%ld runs have components that cover too little of the run (their energy_j leaves "
        "that part out): SELECT * FROM v_run_warning", warned);
  if (!quiet)
    fprintf(stderr,
            "wattdb: transform: %ld runs, %ld (run, profile) rebuilt, %ld runs aligned "
            "(%lld samples), %.2f s\n",
            st.runs, st.rebuilt, st.runs_aligned, st.samples, now_s() - t0);
  return EXIT_OK;
}

int cmd_transform(int argc, char **argv) {
  static const struct option longopts[] = {{"db", required_argument, NULL, 'd'},
                                           {"quiet", no_argument, NULL, 'q'},
                                           {"help", no_argument, NULL, 'h'},
                                           {NULL, 0, NULL, 0}};
  struct transform_options opt = {.profiles = TF_ALL, .timing = getenv("WATTDB_TIMING") != NULL};
  for (int i = 1; i < argc; i++)
    if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
      fputs(usage_transform, stdout);
      return EXIT_OK;
    }
  argc = split_options(argc, argv, &opt);
  if (argc < 0) return usage_error("transform");
  const char *dbpath = "wattdb.db";
  int quiet = 0, c;
  optind = 1;
  opterr = 0;
  while ((c = getopt_long(argc, argv, "qh", longopts, NULL)) != -1) {
    switch (c) {
    case 'd': dbpath = optarg; break;
    case 'q': quiet = 1; break;
    default:
      msg("transform: unknown option '%s'", argv[optind - 1]);
      return usage_error("transform");
    }
  }
  if (optind < argc) {
    msg("transform: unexpected argument '%s' (transform reads the database only)", argv[optind]);
    return usage_error("transform");
  }
  struct wdb db;
  if (wdb_open(&db, dbpath)) return EXIT_DATABASE;
  int rc = transform_and_report(&db, &opt, quiet);
  wdb_close(&db);
  return rc;
}

int cmd_build(int argc, char **argv) {
  struct transform_options topt = {.profiles = TF_ALL, .timing = getenv("WATTDB_TIMING") != NULL};
  for (int i = 1; i < argc; i++)
    if (strcmp(argv[i], "--") == 0) break;
    else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
      fputs(usage_build, stdout);
      return EXIT_OK;
    }
  argc = split_options(argc, argv, &topt);
  if (argc < 0) return usage_error("build");
  const char *dbpath;
  struct ingest_options iopt;
  int first = ingest_parse_options(argc, argv, usage_build, &dbpath, &iopt);
  if (first == -2) return EXIT_OK;
  if (first < 0) return EXIT_USAGE;
  if (iopt.discard_rows) {
    msg("build: --dry-run is ingest's: 'wattdb ingest --dry-run PATH...' says what would be read");
    return usage_error("build");
  }
  struct wdb db;
  if (wdb_open(&db, dbpath)) return EXIT_DATABASE;
  int rc = ingest_run(argv + first, argc - first, &iopt, &db);
  if (rc == EXIT_OK || rc == EXIT_REJECTED || rc == EXIT_INPUT) {
    int trc = transform_and_report(&db, &topt, iopt.max_printed == 0);
    if (trc != EXIT_OK) rc = trc;
  }
  wdb_close(&db);
  return rc;
}
