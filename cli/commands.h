/* cli/commands.h: the commands of the command line and the options they share. */
#ifndef WATTDB_COMMANDS_H
#define WATTDB_COMMANDS_H

#define WATTDB_VERSION "0.1.0"

/* Each takes argv[0] = the command's name and returns an exit code (msg.h). */
int cmd_ingest(int argc, char **argv);
int cmd_transform(int argc, char **argv);
int cmd_build(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_diff(int argc, char **argv);
int cmd_explain(int argc, char **argv);
int cmd_push(int argc, char **argv); /* runs wattdb-push (cli/push_launch.c) */

/* A usage error's second line: "see 'wattdb COMMAND --help'" (the first says
 * what is wrong). Returns EXIT_USAGE. */
int usage_error(const char *command);

/* Shared by ingest and build (cli/cmd_ingest.c). */
struct ingest_options;
struct wdb;

/* Parses the ingest options of ARGV into *DB and OPT; returns the index of the
 * first path, or -1 (usage error printed) / -2 (--help printed). */
int ingest_parse_options(int argc, char **argv, const char *help, const char **db,
                         struct ingest_options *opt);

/* Ingests the N PATHS into DB and prints the summary; returns the exit code. */
int ingest_run(char **paths, int n, const struct ingest_options *opt, struct wdb *db);

#endif
