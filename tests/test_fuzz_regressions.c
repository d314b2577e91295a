/* tests/test_fuzz_regressions.c: every input a fuzz target crashed on, kept
 * under tests/fixtures/fuzz/TARGET/, ingested again the way the target read it:
 * fmt-NAME inputs with --format NAME at the path fuzz/paths.h gives, the
 * inputs of the lines and bid targets with the formats bidding. Each is read
 * twice into a fresh database, as the source's blocks and in 1-byte blocks;
 * both must succeed, store one source_file row with lines = skipped_lines +
 * rows_ok + rows_rejected (a refused file: no line counted as a row), pass
 * ic_check_accounting, and give the same counts.
 *
 * tests/fixtures/fuzz/OPEN lists the inputs whose bug is not fixed yet
 * (`TARGET/FILE  why`): they are skipped with that reason. Fix the bug, delete
 * the line, and the input is checked from then on. */
#include "tests/testlib.h"
#include "tests/ingest_checks.h"

#include <dirent.h>

#include "fuzz/paths.h"
#include "ingest/formats.h"

#define FUZZ_FIXTURES "tests/fixtures/fuzz"

struct fixture {
  char target[64];
  char file[256];
  char open_reason[512]; /* from OPEN; "" when the input must pass */
};

/* The reason OPEN gives for TARGET/FILE, copied to WHY, or 0 when not listed. */
static int open_reason(const char *target, const char *file, char *why, size_t n) {
  FILE *f = fopen(FUZZ_FIXTURES "/OPEN", "r");
  if (!f) return 0;
  char key[400], line[1024];
  snprintf(key, sizeof key, "%s/%s", target, file);
  int found = 0;
  while (!found && fgets(line, sizeof line, f)) {
    size_t k = strlen(key);
    if (strncmp(line, key, k) == 0 && (line[k] == ' ' || line[k] == '\t')) {
      line[strcspn(line, "\n")] = '\0';
      snprintf(why, n, "%s", line + k + strspn(line + k, " \t"));
      found = 1;
    }
  }
  fclose(f);
  return found;
}

/* Reads the input into a fresh database with BLOCK_SIZE; returns lines, skipped,
 * ok and rejected in COUNTS. */
static void ingest_once(const struct fixture *fx, const char *data, size_t n, size_t block_size,
                        long long counts[4]) {
  const char *format = strncmp(fx->target, "fmt-", 4) == 0 ? fx->target + 4 : NULL;
  struct ingest_options opt = {.block_size = block_size, .nvidia_smi_fields = FUZZ_NVIDIA_SMI_FIELDS};
  if (format) {
    opt.force_format = format_by_name(format);
    if (!opt.force_format) fail_msg("%s: no format %s", fx->target, format);
  }
  struct ic_db t;
  ic_fresh(&t);
  char rel[512];
  snprintf(rel, sizeof rel, "in/%s", format ? fuzz_path_for(format) : "input.dat");
  tl_write(t.dir, rel, data, n);
  char root[1024];
  snprintf(root, sizeof root, "%s/%s", t.dir, rel);
  struct ingest_stats stats;
  char *roots[1] = {root};
  msg_quiet = 1;
  int rc = ingest_paths(&t.db, roots, 1, &opt, &stats);
  if (rc) { /* rolled back: again, loud, to print the database error */
    msg_quiet = 0;
    ingest_paths(&t.db, roots, 1, &opt, &stats);
    fail_msg("%s/%s: ingest failed (block size %zu)", fx->target, fx->file, block_size);
  }
  msg_quiet = 0;
  assert_int_equal(stats.files, 1);
  assert_int_equal(tl_int(&t.db, "SELECT count(*) FROM source_file"), 1);
  counts[0] = tl_int(&t.db, "SELECT lines FROM source_file");
  counts[1] = tl_int(&t.db, "SELECT skipped_lines FROM source_file");
  counts[2] = tl_int(&t.db, "SELECT rows_ok FROM source_file");
  counts[3] = tl_int(&t.db, "SELECT rows_rejected FROM source_file");
  int refused = !strcmp(tl_text(&t.db, "SELECT status FROM source_file"), "rejected");
  if (refused ? counts[2] + counts[3] != 0 : counts[0] != counts[1] + counts[2] + counts[3])
    fail_msg("%s/%s: lines %lld, skipped %lld, ok %lld, rejected %lld (file %s)", fx->target,
             fx->file, counts[0], counts[1], counts[2], counts[3], refused ? "refused" : "stored");
  ic_check_accounting(&t.db);
  ic_done(&t);
}

static void replays(void **state) {
  const struct fixture *fx = *state;
  if (fx->open_reason[0]) {
    print_message("open bug, skipped: %s/%s: %s\n", fx->target, fx->file, fx->open_reason);
    skip();
  }
  char path[1024];
  snprintf(path, sizeof path, "%s/%s/%s", FUZZ_FIXTURES, fx->target, fx->file);
  FILE *f = fopen(path, "rb");
  assert_non_null(f);
  size_t cap = 1 << 16, n = 0;
  char *data = malloc(cap);
  for (size_t k; (k = fread(data + n, 1, cap - n, f)) > 0;) {
    n += k;
    if (n == cap) data = realloc(data, cap *= 2);
  }
  fclose(f);
  long long whole[4], bytes[4];
  ingest_once(fx, data, n, 0, whole);
  ingest_once(fx, data, n, 1, bytes);
  for (int i = 0; i < 4; i++) assert_int_equal(whole[i], bytes[i]);
  free(data);
}

static void no_fixtures(void **state) {
  (void)state;
  print_message("no inputs under " FUZZ_FIXTURES "/\n");
}

static int by_name(const void *a, const void *b) {
  const struct fixture *x = a, *y = b;
  int c = strcmp(x->target, y->target);
  return c ? c : strcmp(x->file, y->file);
}

/* Every regular file under tests/fixtures/fuzz/TARGET/, sorted. */
static struct fixture *list_fixtures(int *n) {
  struct fixture *fx = NULL;
  int cap = 0;
  *n = 0;
  DIR *top = opendir(FUZZ_FIXTURES);
  if (!top) return NULL;
  for (struct dirent *t; (t = readdir(top));) {
    if (t->d_name[0] == '.' || strlen(t->d_name) >= sizeof fx->target) continue;
    char dir[512];
    snprintf(dir, sizeof dir, "%s/%s", FUZZ_FIXTURES, t->d_name);
    DIR *d = opendir(dir);
    if (!d) continue; /* OPEN, a README */
    for (struct dirent *e; (e = readdir(d));) {
      if (e->d_name[0] == '.' || strlen(e->d_name) >= sizeof fx->file) continue;
      if (*n == cap) fx = realloc(fx, sizeof *fx * (size_t)(cap = cap ? cap * 2 : 16));
      struct fixture *x = &fx[(*n)++];
      memset(x, 0, sizeof *x);
      /* both lengths were checked above */
      memcpy(x->target, t->d_name, strlen(t->d_name) + 1);
      memcpy(x->file, e->d_name, strlen(e->d_name) + 1);
      open_reason(x->target, x->file, x->open_reason, sizeof x->open_reason);
    }
    closedir(d);
  }
  closedir(top);
  if (*n) qsort(fx, (size_t)*n, sizeof *fx, by_name);
  return fx;
}

int main(void) {
  int n;
  struct fixture *fx = list_fixtures(&n);
  struct CMUnitTest *tests = calloc((size_t)(n ? n : 1), sizeof *tests);
  char (*names)[400] = calloc((size_t)(n ? n : 1), sizeof *names);
  for (int i = 0; i < n; i++) {
    snprintf(names[i], sizeof names[i], "%s/%s", fx[i].target, fx[i].file);
    tests[i] = (struct CMUnitTest){.name = names[i], .test_func = replays, .initial_state = &fx[i]};
  }
  if (!n) tests[n++] = (struct CMUnitTest){.name = "no_fixtures", .test_func = no_fixtures};
  int rc = _cmocka_run_group_tests("fuzz_regressions", tests, (size_t)n, NULL, NULL);
  free(tests);
  free(names);
  free(fx);
  return rc;
}
