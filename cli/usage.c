/* cli/usage.c: the one line that follows every usage error. */
#include "cli/commands.h"
#include "common/msg.h"

int usage_error(const char *command) {
  msg("see 'wattdb %s --help'", command);
  return EXIT_USAGE;
}
