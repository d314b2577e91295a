/* cli/cmd_transform.c: `wattdb transform` and `wattdb build` (ingest + transform). */
#include <stdio.h>

#include "cli/commands.h"
#include "cli/msg.h"

int cmd_transform(int argc, char **argv) {
  (void)argc;
  (void)argv;
  msg("transform: not available in this build yet");
  return EXIT_USAGE;
}

int cmd_build(int argc, char **argv) {
  (void)argc;
  (void)argv;
  msg("build: not available in this build yet");
  return EXIT_USAGE;
}
