/* common/msg.h: messages to the user and the exit codes of every command.
 *
 * Every message goes to stderr as `wattdb: WHERE: what happened`, lowercase, no
 * full stop, the subject in quotes, where WHERE is `path:line:col` when a line of
 * a file is at fault. */
#ifndef WATTDB_MSG_H
#define WATTDB_MSG_H

enum exit_code {
  EXIT_OK = 0,        /* everything read and stored */
  EXIT_REJECTED = 1,  /* finished, but some lines or files were rejected */
  EXIT_USAGE = 2,     /* the command line is wrong */
  EXIT_DATABASE = 3,  /* the database could not be opened or written */
  EXIT_INPUT = 4,     /* an input path could not be read at all */
  EXIT_INTERNAL = 5   /* out of memory or a bug */
};

/* Printf-style message, prefixed with "wattdb: " and ended with a newline. */
void msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* When set, msg() prints nothing (tests and fuzz targets set it; --quiet does
 * not: it only stops progress and per-line messages). */
extern int msg_quiet;

/* Set while a progress line stands unfinished on the terminal: msg() clears it
 * before printing. */
extern int msg_clear_line;

/* Allocation that cannot fail: prints and exits EXIT_INTERNAL on exhaustion. */
void *xrealloc(void *p, unsigned long n);
char *xstrdup(const char *s);

#endif
