/* ingest/runkey.c: the run a file belongs to, from its path (see runkey.h). */
#include "ingest/runkey.h"

#include "ingest/values.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#define MAX_PARTS 64

int run_stamp_from_name(const char *name, char stamp[16]) {
  const char *dot = strrchr(name, '.');
  size_t end = dot ? (size_t)(dot - name) : strlen(name);
  if (end < 15) return 0;
  const char *s = name + end - 15;
  if (s > name && s[-1] != '-' && s[-1] != '_') return 0;
  int v[15];
  for (int i = 0; i < 15; i++) {
    if (i == 8 ? s[i] != 'T' : !isdigit((unsigned char)s[i])) return 0;
    v[i] = s[i] - '0';
  }
  /* a stamp is a time that exists: 20231399T256199 is no stamp */
  if (value_civil_us(v[0] * 1000 + v[1] * 100 + v[2] * 10 + v[3], v[4] * 10 + v[5],
                     v[6] * 10 + v[7], v[9] * 10 + v[10], v[11] * 10 + v[12],
                     v[13] * 10 + v[14], 0) < 0)
    return 0;
  memcpy(stamp, s, 15);
  stamp[15] = '\0';
  return 1;
}

/* Splits PATH at '/' and ':' into at most MAX_PARTS components (pointers into
 * BUF, a copy). Returns the count. */
static int split_path(const char *path, char *buf, size_t cap, char *parts[MAX_PARTS]) {
  snprintf(buf, cap, "%s", path);
  int n = 0;
  for (char *tok = strtok(buf, "/:"); tok && n < MAX_PARTS; tok = strtok(NULL, "/:")) {
    if (strcmp(tok, ".") != 0) parts[n++] = tok;
  }
  return n;
}

static int copy_part(char *dst, size_t cap, const char *src) {
  if (strlen(src) >= cap) return 0;
  memcpy(dst, src, strlen(src) + 1);
  return 1;
}

/* Fills K's folders from the NDIRS directory components at DIRS. */
static int set_folders(struct run_key *k, char **dirs, int ndirs) {
  if (ndirs != 2 && ndirs != 3) return 0;
  return copy_part(k->environment, sizeof k->environment, dirs[0]) &&
         copy_part(k->architecture, sizeof k->architecture, dirs[1]) &&
         copy_part(k->dataset, sizeof k->dataset, ndirs == 3 ? dirs[2] : "");
}

int run_key_from_path(const char *fullpath, const char *logical, struct run_key *k) {
  memset(k, 0, sizeof *k);
  char buf[4096];
  char *parts[MAX_PARTS];
  int n = split_path(fullpath, buf, sizeof buf, parts);
  if (n == 0 || !run_stamp_from_name(parts[n - 1], k->stamp)) return 0;
  int raw = -1;
  for (int i = 0; i < n - 1; i++)
    if (strcmp(parts[i], "raw") == 0) raw = i;
  if (raw >= 0) {
    k->valid = set_folders(k, parts + raw + 1, n - 1 - (raw + 1));
    return k->valid;
  }
  /* Without a raw/ level, only the profiler's own run files are taken by their
   * folders: a stamped manifest such as data/metrics/out/oom-experiments_T.csv
   * is not a run of environment 'data', architecture 'metrics'. */
  static const char *const run_files[] = {"gpu-power-", "cpu-mem-usage-", "epoch_end-",
                                          "performance-", NULL};
  int run_file = 0;
  for (int i = 0; run_files[i]; i++)
    if (strncmp(parts[n - 1], run_files[i], strlen(run_files[i])) == 0) run_file = 1;
  if (!run_file) return 0;
  const char *colon = strchr(logical, ':'); /* "archive.zip:member": the member only */
  n = split_path(colon ? colon + 1 : logical, buf, sizeof buf, parts);
  k->valid = set_folders(k, parts, n - 1);
  return k->valid;
}
