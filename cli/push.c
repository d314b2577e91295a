/* cli/push.c: wattdb-push, the program that `wattdb push` runs (cli/push_launch.c):
 * the local database to a lab's PostgreSQL server. It is a program of its own
 * so that only it links libpq; run directly, it takes the same options. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/commands.h"
#include "common/msg.h"
#include "push/push.h"
#include "schema/db.h"

static const char usage[] =
    "usage: wattdb push [--db FILE] [--dry-run] [--quiet] SERVER\n"
    "\n"
    "Sends what the lab's PostgreSQL database SERVER lacks of the local database:\n"
    "the files it does not have (raw rows stored once per content, whoever sends\n"
    "them), their rejected lines, the runs, and the processed rows of every run\n"
    "whose inputs changed since the last push. Creates or upgrades the server's\n"
    "schema first. One server transaction per file and per run: a push stopped\n"
    "anywhere is finished by the next one; a push with nothing new sends nothing.\n"
    "\n"
    "SERVER is a libpq connection string, e.g. postgresql://wattdb@db.lab/energy;\n"
    "PGHOST, PGUSER, PGPASSWORD, ~/.pgpass and sslmode=... apply as for psql.\n"
    "\n"
    "options:\n"
    "  --db FILE    the local database (default ./wattdb.db)\n"
    "  --dry-run    list the files and runs that would be sent; change nothing\n"
    "  --jobs N     send on N connections at once (default 2; 1: one after the other)\n"
    "  --quiet, -q  no progress, no summary\n"
    "  --help       this text\n"
    "\n"
    "exit status: 0 done; 2 usage error; 3 database or server error.\n";

int main(int argc, char **argv) {
  const char *db_path = "wattdb.db", *server = NULL;
  struct push_options opt = {.jobs = 2};
  int quiet = 0;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
      fputs(usage, stdout);
      return EXIT_OK;
    } else if (!strcmp(a, "--dry-run")) {
      opt.dry_run = 1;
    } else if (!strcmp(a, "--jobs") || !strncmp(a, "--jobs=", 7)) {
      const char *n = a[6] == '=' ? a + 7 : i + 1 < argc ? argv[++i] : NULL;
      char *end = NULL;
      long jobs = n ? strtol(n, &end, 10) : 0;
      if (!n || *end || jobs < 1 || jobs > 16) {
        msg("push: --jobs needs a number from 1 to 16");
        return usage_error("push");
      }
      opt.jobs = (int)jobs;
    } else if (!strcmp(a, "--quiet") || !strcmp(a, "-q")) {
      quiet = 1;
    } else if (!strcmp(a, "--db") || !strncmp(a, "--db=", 5)) {
      if (a[4] == '=') db_path = a + 5;
      else if (i + 1 < argc) db_path = argv[++i];
      else {
        msg("--db needs a value");
        return usage_error("push");
      }
    } else if (a[0] == '-' && a[1]) {
      msg("push: unknown option '%s'", a);
      return usage_error("push");
    } else if (server) {
      msg("push: one server only ('%s' and '%s')", server, a);
      return usage_error("push");
    } else {
      server = a;
    }
  }
  if (!server) {
    msg("push: which server? give a connection string like postgresql://user@host/db");
    return usage_error("push");
  }
  opt.progress = !quiet && isatty(STDERR_FILENO);

  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  struct wdb db;
  if (wdb_open(&db, db_path)) return EXIT_DATABASE;
  struct pg pg;
  if (pg_connect(&pg, server)) {
    wdb_close(&db);
    return EXIT_DATABASE;
  }
  struct push_stats st;
  int rc = push_database(&db, &pg, &opt, &st);
  pg_close(&pg);
  wdb_close(&db);
  if (rc) return EXIT_DATABASE;
  clock_gettime(CLOCK_MONOTONIC, &t1);
  double s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
  if (!quiet)
    fprintf(stderr,
            "wattdb: push%s: %ld files, %ld %s (%ld new contents), %ld runs, %ld %s, %lld rows, "
            "%.2f s\n",
            opt.dry_run ? " (dry run)" : "", st.files, st.files_sent,
            opt.dry_run ? "to send" : "sent", st.contents_sent, st.runs, st.runs_sent,
            opt.dry_run ? "to send" : "sent", st.rows, s);
  return EXIT_OK;
}
