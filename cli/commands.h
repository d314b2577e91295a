/* cli/commands.h: the commands of the command line and the options they share. */
#ifndef WATTDB_COMMANDS_H
#define WATTDB_COMMANDS_H

#define WATTDB_VERSION "0.1.0"

/* Each takes argv[0] = the command's name and returns an exit code (msg.h). */
int cmd_ingest(int argc, char **argv);
int cmd_transform(int argc, char **argv);
int cmd_build(int argc, char **argv);
int cmd_status(int argc, char **argv);

#endif
