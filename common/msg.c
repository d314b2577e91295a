/* common/msg.c: messages to the user (see msg.h) and allocation that cannot fail. */
#include "common/msg.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int msg_quiet;
int msg_clear_line;

void msg(const char *fmt, ...) {
  if (msg_quiet) return;
  va_list ap;
  va_start(ap, fmt);
  if (msg_clear_line) {
    fputs("\r\033[K", stderr);
    msg_clear_line = 0;
  }
  fputs("wattdb: ", stderr);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
}

void *xrealloc(void *p, unsigned long n) {
  void *q = realloc(p, n ? n : 1);
  if (!q) {
    fputs("wattdb: out of memory\n", stderr);
    exit(EXIT_INTERNAL);
  }
  return q;
}

char *xstrdup(const char *s) {
  size_t n = strlen(s) + 1;
  return memcpy(xrealloc(NULL, n), s, n);
}
