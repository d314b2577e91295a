/* tests/test_transform_memory.c: the transform's memory does not grow with the
 * number of runs.
 *
 * The transform is one transaction over every run. It used to run with a 256 MiB
 * page cache and temp_store=MEMORY, so every raw page the alignment read and
 * every interim page it wrote stayed in memory until the end: ~0.8 MB per run of
 * an hour (85 MB of RSS for 100 runs, 285 MB for 500). This suite measures,
 * deterministically, the high-water mark of SQLite's own allocations
 * (sqlite3_status64 SQLITE_STATUS_MEMORY_USED; wdb_open turns memory statistics
 * off for speed, so main() turns them on before SQLite initializes, which makes
 * wdb_open's sqlite3_config a no-op) during the transform of generated trees of
 * 5 and of 50 one-hour runs, and during a --full rebuild of each: the 50-run
 * figures must stay within a few MiB of the 5-run ones (the page cache's cap,
 * TRANSFORM_CACHE_KIB, is reached on the way), where the old settings added
 * about 35 MiB. No wall time, no RSS: the same inputs give the same bytes. */
#include "testlib.h"
#include "transform/transform.h"

#define MIB (1024.0 * 1024.0)

struct peaks {
  double first, full; /* MiB above the level before the transform */
};

static double transform_peak(struct wdb *db, int full) {
  struct transform_options opt = {.profiles = TF_ALL, .full = full};
  struct transform_stats st;
  sqlite3_int64 cur = 0, hi = 0;
  sqlite3_status64(SQLITE_STATUS_MEMORY_USED, &cur, &hi, 1); /* high-water := current */
  sqlite3_int64 base = cur;
  msg_quiet = 1;
  assert_int_equal(transform_run(db, &opt, &st), 0);
  msg_quiet = 0;
  sqlite3_status64(SQLITE_STATUS_MEMORY_USED, &cur, &hi, 0);
  return (double)(hi - base) / MIB;
}

/* Generates RUNS one-hour runs under DIR, ingests them into a fresh database,
 * and measures its first transform and a --full one. */
static struct peaks peaks_for(const char *dir, int runs) {
  const char *gen = tl_gen_sample();
  char tree[600], cmd[1400], name[64];
  snprintf(tree, sizeof tree, "%s/tree-%d", dir, runs);
  snprintf(cmd, sizeof cmd, "%s --dir '%s' --runs %d --seconds 3600 >/dev/null", gen, tree, runs);
  assert_int_equal(system(cmd), 0);
  struct wdb db;
  snprintf(name, sizeof name, "m%d.db", runs);
  tl_open(&db, dir, name);
  tl_ingest(&db, tree);
  assert_int_equal(tl_int(&db, "SELECT count(*) FROM run"), runs);
  struct peaks p;
  p.first = transform_peak(&db, 0);
  assert_int_equal(tl_int(&db, "SELECT count(DISTINCT run_id) FROM processed_run"), runs);
  p.full = transform_peak(&db, 1);
  tl_close(&db);
  return p;
}

static void memory_flat_in_runs(void **state) {
  (void)state;
  char *dir = tl_mkdtemp();
  struct peaks p5 = peaks_for(dir, 5), p50 = peaks_for(dir, 50);
  print_message("SQLite memory high-water above the opened database, MiB: 5 runs %.1f (--full %.1f),"
                " 50 runs %.1f (--full %.1f); page cache cap %s KiB\n",
                p5.first, p5.full, p50.first, p50.full, TRANSFORM_CACHE_KIB);
  /* the statistics are on (else every figure is 0 and the check says nothing) */
  assert_true(p5.first > 1.0);
  /* 45 runs more: at most the page cache's cap more, never ~0.8 MB per run */
  double cap = atof(TRANSFORM_CACHE_KIB) / 1024.0;
  assert_true(p50.first < p5.first + cap);
  assert_true(p50.full < p5.full + cap);
  /* and bounded outright: the cap and the statements, not the data */
  assert_true(p50.first < 2.0 * cap + 8.0);
  assert_true(p50.full < 2.0 * cap + 8.0);
  tl_rmdir(dir);
}

int main(void) {
  /* Before any other SQLite call: memory statistics on for this process. */
  if (sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 1) != SQLITE_OK || sqlite3_initialize() != SQLITE_OK) {
    fprintf(stderr, "cannot enable SQLite memory statistics\n");
    return 1;
  }
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(memory_flat_in_runs),
  };
  return cmocka_run_group_tests_name("transform memory", tests, NULL, NULL);
}
