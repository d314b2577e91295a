/* cli/cmd_ingest.c: `wattdb ingest`, reading raw files into the database, or
 * (--dry-run) saying what reading them would do. */
#define _DEFAULT_SOURCE
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "cli/commands.h"
#include "common/msg.h"
#include "schema/db.h"
#include "ingest/formats.h"
#include "ingest/ingest.h"

static const char usage[] =
    "usage: wattdb ingest [--db FILE] [--format NAME] [--quiet] [--dry-run] PATH...\n"
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
    "  --dry-run, -n   read and parse everything, write nothing (the database is not even\n"
    "                  created): list what each file would be, read, replaced, unchanged,\n"
    "                  duplicate or rejected, with its format and lines\n"
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
      {"dry-run", no_argument, NULL, 'n'},
      {NULL, 0, NULL, 0},
  };
  memset(opt, 0, sizeof *opt);
  opt->nvidia_smi_fields = getenv("WATTDB_NVIDIA_SMI_FIELDS");
  const char *store_thread = getenv("WATTDB_STORE_THREAD");
  opt->store_inline = store_thread && !strcmp(store_thread, "0");
  opt->progress = isatty(STDERR_FILENO);
  opt->max_printed = 5;
  *db = "wattdb.db";
  optind = 1;
  opterr = 0;
  int c;
  while ((c = getopt_long(argc, argv, "qhn", longopts, NULL)) != -1) {
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
    case 'n': opt->discard_rows = 1; break;
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
          "%lld rows %s, %lld lines rejected%s\n",
          stats.files, stats.read, stats.unchanged, stats.duplicates, stats.rejected_files,
          stats.rows_ok, opt->discard_rows ? "parsed (a dry run: none stored)" : "stored", stats.rows_rejected,
          torn);
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

/* ---- --dry-run ---------------------------------------------------------------- */

/* The files a dry run visited, in order, with what became of them. */
struct visited {
  json_t *files;
};

static void note_file(void *ctx, const char *path, const char *outcome) {
  struct visited *v = ctx;
  json_array_append_new(v->files, json_pack("{s:s,s:s}", "path", path, "outcome", outcome));
}

/* Copies the catalog (run, source_file) of OLD into the empty database MEM, and
 * the content hash of every path into temp.before. Returns 0 or -1 (printed). */
static int copy_catalog(struct wdb *old, struct wdb *mem) {
  if (wdb_int(old, "PRAGMA user_version", 0) != wdb_int(mem, "PRAGMA user_version", 0)) {
    msg("%s: a database of another schema version (%lld, this wattdb makes %lld): a dry run compares "
        "against a database of this version; ingest into it once without --dry-run to bring it up to date",
        old->path, (long long)wdb_int(old, "PRAGMA user_version", 0),
        (long long)wdb_int(mem, "PRAGMA user_version", 0));
    return -1;
  }
  static const char *const tables[] = {"run", "source_file"};
  if (wdb_exec(mem, "BEGIN; CREATE TEMP TABLE before (path TEXT PRIMARY KEY, sha256 TEXT)", "dry run")) return -1;
  for (size_t t = 0; t < sizeof tables / sizeof *tables; t++) {
    char *q = sqlite3_mprintf("SELECT * FROM \"%w\"", tables[t]);
    sqlite3_stmt *from, *to = NULL;
    int rc = sqlite3_prepare_v2(old->sql, q, -1, &from, NULL);
    sqlite3_free(q);
    if (rc != SQLITE_OK) {
      msg("%s: %s", old->path, sqlite3_errmsg(old->sql));
      return -1;
    }
    int n = sqlite3_column_count(from);
    char *ins = sqlite3_mprintf("INSERT INTO \"%w\" VALUES (?", tables[t]);
    for (int i = 1; i < n; i++) {
      char *x = sqlite3_mprintf("%s,?", ins);
      sqlite3_free(ins);
      ins = x;
    }
    char *x = sqlite3_mprintf("%s)", ins);
    sqlite3_free(ins);
    rc = sqlite3_prepare_v2(mem->sql, x, -1, &to, NULL);
    sqlite3_free(x);
    while (rc == SQLITE_OK && sqlite3_step(from) == SQLITE_ROW) {
      for (int i = 0; i < n; i++) sqlite3_bind_value(to, i + 1, sqlite3_column_value(from, i));
      rc = sqlite3_step(to) == SQLITE_DONE ? SQLITE_OK : SQLITE_ERROR;
      sqlite3_reset(to);
    }
    sqlite3_finalize(from);
    sqlite3_finalize(to);
    if (rc != SQLITE_OK) {
      msg("dry run: cannot copy the catalog: %s", sqlite3_errmsg(mem->sql));
      return -1;
    }
  }
  return wdb_exec(mem, "INSERT INTO temp.before SELECT path, sha256 FROM source_file; COMMIT", "dry run");
}

/* `ingest --dry-run`: everything an ingest into DBPATH would do, into a
 * database in memory that starts with DBPATH's catalog; DBPATH is only read
 * (and need not exist). Prints what each file would be; returns the exit code
 * the ingest would have. */
static int dry_run(const char *dbpath, char **paths, int n, struct ingest_options *opt) {
  struct wdb mem;
  if (wdb_open(&mem, ":memory:")) return EXIT_DATABASE;
  if (access(dbpath, F_OK) == 0) {
    struct wdb old;
    if (wdb_open_readonly(&old, dbpath)) {
      wdb_close(&mem);
      return EXIT_DATABASE;
    }
    int rc = copy_catalog(&old, &mem);
    wdb_close(&old);
    if (rc) {
      wdb_close(&mem);
      return EXIT_DATABASE;
    }
  } else if (wdb_exec(&mem, "CREATE TEMP TABLE before (path TEXT PRIMARY KEY, sha256 TEXT)", "dry run")) {
    wdb_close(&mem);
    return EXIT_DATABASE;
  }
  struct visited v = {json_array()};
  opt->on_file = note_file;
  opt->on_file_ctx = &v;
  int rc = ingest_run(paths, n, opt, &mem);
  /* what each visited file would be */
  sqlite3_stmt *st;
  if (rc != EXIT_DATABASE &&
      sqlite3_prepare_v2(mem.sql,
                         "SELECT coalesce(f.format, '-'), f.lines, f.rows_ok, f.rows_rejected,"
                         " b.path IS NOT NULL AND b.sha256 IS NOT f.sha256, f.error"
                         " FROM source_file f LEFT JOIN temp.before b ON b.path = f.path WHERE f.path = ?1",
                         -1, &st, NULL) == SQLITE_OK) {
    printf("%-10s %-14s %9s %9s %9s  %s\n", "would be", "format", "lines", "rows", "rejected", "path");
    long counts[6] = {0};
    static const char *const actions[6] = {"read", "replaced", "unchanged", "duplicate", "rejected", "partial"};
    size_t i;
    json_t *f;
    json_array_foreach(v.files, i, f) {
      const char *path = json_string_value(json_object_get(f, "path"));
      const char *outcome = json_string_value(json_object_get(f, "outcome"));
      sqlite3_bind_text(st, 1, path, -1, SQLITE_STATIC);
      if (sqlite3_step(st) != SQLITE_ROW) {
        sqlite3_reset(st);
        continue;
      }
      int replaced = sqlite3_column_int(st, 4);
      int k = !strcmp(outcome, "unchanged")   ? 2
              : !strcmp(outcome, "duplicate") ? 3
              : !strcmp(outcome, "rejected")  ? 4
              : replaced                      ? 1
                                              : 0;
      counts[k]++;
      if (!strcmp(outcome, "partial")) counts[5]++;
      printf("%-10s %-14s %9lld %9lld %9lld  %s%s%s\n", actions[k], sqlite3_column_text(st, 0),
             (long long)sqlite3_column_int64(st, 1), (long long)sqlite3_column_int64(st, 2),
             (long long)sqlite3_column_int64(st, 3), path, k == 4 ? ": " : "",
             k == 4 && sqlite3_column_text(st, 5) ? (const char *)sqlite3_column_text(st, 5) : "");
      sqlite3_reset(st);
    }
    sqlite3_finalize(st);
    fprintf(stderr,
            "wattdb: dry run: %zu files: %ld would be read (%ld with rejected lines), %ld replaced, "
            "%ld unchanged, %ld duplicate, %ld rejected; nothing was written to %s\n",
            json_array_size(v.files), counts[0] + counts[1], counts[5], counts[1], counts[2], counts[3], counts[4],
            dbpath);
  }
  json_decref(v.files);
  wdb_close(&mem);
  return rc;
}

int cmd_ingest(int argc, char **argv) {
  const char *dbpath;
  struct ingest_options opt;
  int first = ingest_parse_options(argc, argv, usage, &dbpath, &opt);
  if (first == -2) return EXIT_OK;
  if (first < 0) return EXIT_USAGE;
  if (opt.discard_rows) return dry_run(dbpath, argv + first, argc - first, &opt);
  struct wdb db;
  if (wdb_open(&db, dbpath)) return EXIT_DATABASE;
  int rc = ingest_run(argv + first, argc - first, &opt, &db);
  wdb_close(&db);
  return rc;
}
