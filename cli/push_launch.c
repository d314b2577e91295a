/* cli/push_launch.c: `wattdb push` runs wattdb-push, the program beside this one.
 *
 * Only wattdb-push links libpq, and with it GnuTLS, Kerberos and LDAP: loading
 * those takes several milliseconds at every start, which an ingest with nothing
 * new to read would spend on nothing else. The helper is found next to the
 * running binary (/proc/self/exe, whatever name or link started it), where
 * `make` builds it, and gets the same arguments. */
#define _DEFAULT_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/commands.h"
#include "common/msg.h"

#define PUSH_HELPER "wattdb-push"

/* Writes into OUT (SIZE bytes) the path of PUSH_HELPER in the directory of the
 * running binary. Returns 0, or -1 when that directory cannot be known. */
static int helper_path(char *out, size_t size) {
  char self[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
  if (n <= 0) return -1;
  self[n] = '\0';
  char *slash = strrchr(self, '/');
  if (!slash) return -1;
  slash[1] = '\0';
  return snprintf(out, size, "%s%s", self, PUSH_HELPER) < (int)size ? 0 : -1;
}

int cmd_push(int argc, char **argv) {
  (void)argc;
  char path[PATH_MAX];
  if (helper_path(path, sizeof path)) {
    msg("push: cannot tell where this wattdb lies (/proc/self/exe), so cannot find %s beside it",
        PUSH_HELPER);
    return EXIT_INTERNAL;
  }
  argv[0] = path;
  execv(path, argv);
  msg("push: cannot run %s: %s; it is built by `make` beside wattdb and must be installed with it",
      path, strerror(errno));
  return EXIT_INTERNAL;
}
