/* cli/cmd_ingest.c: `wattdb ingest`, reading raw files into the database. */
#define _DEFAULT_SOURCE
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/commands.h"
#include "common/msg.h"
#include "ingest/formats.h"
#include "ingest/ingest.h"

static const char usage[] =
    "usage: wattdb ingest [--db FILE] [--format NAME] [--quiet] PATH...\n"
    "\n"
    "Reads every file under each PATH (a directory tree, a single file, or a .zip,\n"
    ".tar, .tar.gz archive read in place) into the database, one transaction per\n"
    "file. Files already read with the same size and mtime are skipped unread; a\n"
    "file whose content changed replaces its rows; content already stored under\n"
    "another path is recorded as a duplicate and stored once.\n"
    "\n"
    "options:\n"
    "  --db FILE       the database (default ./wattdb.db), created if missing\n"
    "  --format NAME   read every file as format NAME instead of recognising it\n"
    "  --quiet, -q     print no per-line messages, no progress\n"
    "  --help          this text\n"
    "\n"
    "Each rejected line is stored in the rejected_row table and the first few per\n"
    "file are printed as PATH:LINE:COLUMN: message.\n"
    "\n"
    "exit status: 0 all good (torn last lines, the normal end of a stopped logger,\n"
    "are stored as rejected lines but do not count); 1 some lines or files were\n"
    "rejected; 2 usage error; 3 database error; 4 an input could not be read.\n";

/* Formats for --help and error messages. */
static void list_formats(FILE *out) {
  fputs("formats:", out);
  for (int i = 0; formats[i]; i++) fprintf(out, " %s", formats[i]->name);
  fputc('\n', out);
}

int ingest_parse_options(int argc, char **argv, const char *help, const char **db,
                         struct ingest_options *opt) {
  static const struct option longopts[] = {
      {"db", required_argument, NULL, 'd'},   {"format", required_argument, NULL, 'f'},
      {"quiet", no_argument, NULL, 'q'},      {"help", no_argument, NULL, 'h'},
      {NULL, 0, NULL, 0},
  };
  memset(opt, 0, sizeof *opt);
  opt->progress = isatty(STDERR_FILENO);
  opt->max_printed = 5;
  *db = "wattdb.db";
  optind = 1;
  opterr = 0;
  int c;
  while ((c = getopt_long(argc, argv, "qh", longopts, NULL)) != -1) {
    switch (c) {
    case 'd': *db = optarg; break;
    case 'f':
      opt->force_format = format_by_name(optarg);
      if (!opt->force_format) {
        msg("'%s' is not a format", optarg);
        list_formats(stderr);
        usage_error(argv[0]);
        return -1;
      }
      break;
    case 'q':
      opt->progress = 0;
      opt->max_printed = 0;
      break;
    case 'h':
      fputs(help, stdout);
      list_formats(stdout);
      return -2;
    default:
      msg("%s: unknown option '%s'", argv[0], argv[optind - 1]);
      usage_error(argv[0]);
      return -1;
    }
  }
  if (optind >= argc) {
    msg("%s: no PATH given", argv[0]);
    usage_error(argv[0]);
    return -1;
  }
  return optind;
}

int ingest_run(char **paths, int n, const struct ingest_options *opt, struct wdb *db) {
  struct ingest_stats stats;
  if (ingest_paths(db, paths, n, opt, &stats)) return EXIT_DATABASE;
  char torn[96] = "";
  if (stats.rows_torn)
    snprintf(torn, sizeof torn, " (%lld of them torn last lines: a stopped logger's end)",
             stats.rows_torn);
  fprintf(stderr,
          "wattdb: %ld files: %ld read, %ld unchanged, %ld duplicate, %ld rejected; "
          "%lld rows stored, %lld lines rejected%s\n",
          stats.files, stats.read, stats.unchanged, stats.duplicates, stats.rejected_files,
          stats.rows_ok, stats.rows_rejected, torn);
  if (stats.unrecognised) {
    msg("%ld files in no format wattdb knows; to read one as a format, give --format NAME "
        "(nvidia-smi output without a header or timestamps: --format nvidia-smi, its fields "
        "named by WATTDB_NVIDIA_SMI_FIELDS)", stats.unrecognised);
    list_formats(stderr);
  }
  if (stats.files == 0 && !stats.input_errors)
    msg("no files found under %s%s: give the folder that holds the logs, or a data.zip",
        paths[0], n > 1 ? " and the other paths" : "");
  if (stats.input_errors) return EXIT_INPUT;
  /* Exit 1 means lines or files a user should look at; a torn last line is not one. */
  return stats.rejected_files || stats.rows_rejected > stats.rows_torn ? EXIT_REJECTED : EXIT_OK;
}

int cmd_ingest(int argc, char **argv) {
  const char *dbpath;
  struct ingest_options opt;
  int first = ingest_parse_options(argc, argv, usage, &dbpath, &opt);
  if (first == -2) return EXIT_OK;
  if (first < 0) return EXIT_USAGE;
  struct wdb db;
  if (wdb_open(&db, dbpath)) return EXIT_DATABASE;
  int rc = ingest_run(argv + first, argc - first, &opt, &db);
  wdb_close(&db);
  return rc;
}
