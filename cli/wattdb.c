/* cli/wattdb.c: the command line: `wattdb COMMAND [OPTIONS] [PATH...]`.
 *
 * Adding a command: write `int cmd_NAME(int argc, char **argv)` (cli/commands.h)
 * that parses its own options (getopt_long), give it a usage text, and list it
 * in commands[]. Usage errors exit EXIT_USAGE with the usage on stderr; --help
 * prints it on stdout and exits 0. */
#define _DEFAULT_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/commands.h"
#include "common/msg.h"

static const char usage_main[] =
    "usage: wattdb COMMAND [--db FILE] [OPTIONS] [PATH...]\n"
    "\n"
    "Turns raw energy logs of deep-learning training runs into an SQLite database.\n"
    "\n"
    "commands:\n"
    "  ingest     read raw files (directories, files, .zip/.tar archives) into the database\n"
    "  transform  build the interim and processed tables from the raw tables\n"
    "  build      ingest, then transform\n"
    "  status     what the database holds: files by status and format, rows, runs\n"
    "  explain    where one run's numbers come from: files, rejections, coverage, formulas\n"
    "  diff       what differs between two databases, table by table, row by row\n"
    "  push       send what a lab's PostgreSQL database lacks of this one\n"
    "\n"
    "Run `wattdb COMMAND --help` for a command's options. The database is ./wattdb.db\n"
    "unless --db says otherwise.\n"
    "\n"
    "exit status: 0 all good; 1 some lines or files were rejected; 2 usage error;\n"
    "3 database error; 4 an input could not be read; 5 internal error.\n";

static const struct command {
  const char *name;
  int (*run)(int argc, char **argv);
} commands[] = {
    {"ingest", cmd_ingest},
    {"transform", cmd_transform},
    {"build", cmd_build},
    {"status", cmd_status},
    {"explain", cmd_explain},
    {"diff", cmd_diff},
    {"push", cmd_push},
};

int main(int argc, char **argv) {
  if (argc < 2) {
    fputs(usage_main, stderr);
    return EXIT_USAGE;
  }
  if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "help") == 0) {
    fputs(usage_main, stdout);
    return EXIT_OK;
  }
  if (strcmp(argv[1], "--version") == 0) {
    printf("wattdb %s\n", WATTDB_VERSION);
    return EXIT_OK;
  }
  for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
    if (strcmp(argv[1], commands[i].name) == 0) return commands[i].run(argc - 1, argv + 1);
  msg("'%s' is not a command; see 'wattdb --help'", argv[1]);
  return EXIT_USAGE;
}
