/* tests/test_kill_rerun.c: a killed ingest, rerun, gives the database an
 * uninterrupted ingest gives, and a file is parsed inside a
 * transaction. A tree of 40 runs is generated; a child process ingests it and
 * is sent SIGKILL at 10 points chosen from fixed seeds (after k files plus a
 * pseudo-random delay, so mostly in the middle of a file; half of them reading
 * through a source that hands out zero-length blocks); the parent then
 * reruns the ingest and compares a dump of every table (all columns but
 * source_file.ingested_at) with the uninterrupted one. */
#include "tests/testlib.h"
#include "tests/ingest_checks.h"

#include <signal.h>
#include <sys/wait.h>
#include <time.h>

#include "ingest/format.h"
#include "ingest/source.h"

#define RUNS 40
#define LINES 200

static int progress_fd = -1;

static void write_tree(const char *root) {
  static const char *const archs[] = {"vgg16", "resnet50", "xception", "mobilenet_v2"};
  for (int r = 0; r < RUNS; r++) {
    char stamp[32], dir[256], rel[400];
    snprintf(stamp, sizeof stamp, "202301%02dT10%02d00", 1 + r % 28, r);
    snprintf(dir, sizeof dir, "raw/%s/%s/ds%d", r % 2 ? "cloud" : "local", archs[r % 4], r % 3);
    struct ic_buf g = {0}, c = {0}, e = {0};
    ic_put(&g, "timestamp, name, utilization.gpu [%], utilization.memory [%], memory.total [MiB], "
               "memory.used [MiB], power.draw [W], power.max_limit [W], temperature.gpu\n");
    ic_put(&c, "timestamp,cpu usage (%),memory usage (MB),temperature (Celsius)\r\n");
    ic_put(&e, "epoch,end_time\n");
    for (int i = 0; i < LINES; i++) {
      char line[512];
      int s = i % 60, m = i / 60;
      if (r % 5 == 0 && i == LINES / 2)
        snprintf(line, sizeof line, "2023/01/%02d 11:%02d:%02d.000, NVIDIA A100, 5 %%, 1 %%, 40960 MiB, 100 MiB, "
                 "12..5 W, 400.00 W, 40\n", 1 + r % 28, m, s);
      else
        snprintf(line, sizeof line, "2023/01/%02d 11:%02d:%02d.%03d, NVIDIA A100, %d %%, %d %%, 40960 MiB, %d MiB, "
                 "%d.%02d W, 400.00 W, %d\n", 1 + r % 28, m, s, (i * 7) % 1000, (i * 13) % 101, i % 50,
                 1000 + i * 3, 50 + (i * r) % 300, i % 100, 30 + i % 40);
      ic_put(&g, line);
      snprintf(line, sizeof line, "2023-01-%02dT11:%02d:%02d.%06d,%d.%d,%d.%03d,%d.0\r\n", 1 + r % 28, m, s,
               (i * 7919) % 1000000, i % 100, i % 10, 9000 + i, (i * 31) % 1000, 30 + i % 20);
      ic_put(&c, line);
      if (i % 40 == 39) {
        snprintf(line, sizeof line, "%d,2023-01-%02d 11:%02d:%02d.%06d\n", i / 40, 1 + r % 28, m, s, i);
        ic_put(&e, line);
      }
    }
    if (r % 7 == 0) ic_put(&g, "2023/01/01 12:00:00.000, NVIDIA A1"); /* torn tail */
    snprintf(rel, sizeof rel, "%s/gpu-power-%s.csv", dir, stamp);
    tl_write(root, rel, g.s, g.len);
    snprintf(rel, sizeof rel, "%s/cpu-mem-usage-%s.csv", dir, stamp);
    tl_write(root, rel, c.s, c.len);
    snprintf(rel, sizeof rel, "%s/epoch_end-%s.csv", dir, stamp);
    tl_write(root, rel, e.s, e.len);
    free(g.s);
    free(c.s);
    free(e.s);
  }
}

static void report_progress(long files_done) {
  (void)files_done;
  char b = 1;
  if (write(progress_fd, &b, 1) != 1) _exit(3);
}

/* A source fault plan: every third read is a zero-length block (not the end). */
static enum source_fault every_third_read_empty(void *ctx, const char *path, long long offset) {
  (void)path;
  (void)offset;
  unsigned *reads = ctx;
  return ++*reads % 3 == 0 ? SOURCE_ZERO_BLOCK : SOURCE_READ;
}

static unsigned lcg(unsigned *s) {
  *s = *s * 1103515245u + 12345u;
  return (*s >> 16) & 0x7fff;
}

static void killed_ingest_reruns_to_the_same_database(void **state) {
  (void)state;
  char *dir = tl_mkdtemp();
  char root[512];
  snprintf(root, sizeof root, "%s/tree", dir);
  assert_int_equal(mkdir(root, 0755), 0);
  write_tree(root);
  const int nfiles = RUNS * 3;

  struct wdb db;
  tl_open(&db, dir, "ref.db");
  struct ingest_stats ref_stats = ic_ingest(&db, root, NULL);
  assert_int_equal(ref_stats.files, nfiles);
  assert_true(ref_stats.partial_files >= 8); /* the bad numbers and torn tails */
  ic_check_accounting(&db);
  char *ref = ic_dump(&db, 1 /* exact */);
  tl_close(&db);

  int mid_file = 0;
  for (unsigned seed = 1; seed <= 10; seed++) {
    unsigned s = seed * 2654435761u;
    int after = seed == 1 ? 0 : (int)(lcg(&s) % (unsigned)nfiles);
    useconds_t delay = seed == 1 ? 0 : (useconds_t)(lcg(&s) % 4000);
    char name[64];
    snprintf(name, sizeof name, "killed%u.db", seed);
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
      close(fds[0]);
      progress_fd = fds[1];
      struct wdb child;
      char path[1024];
      snprintf(path, sizeof path, "%s/%s", dir, name);
      if (wdb_open(&child, path)) _exit(2);
      /* small blocks make each file take long enough to be killed inside it;
       * every other seed reads through zero-length blocks as well */
      unsigned reads = 0;
      struct source_hooks zero_blocks = {.max_block = 64, .before_read = every_third_read_empty,
                                         .ctx = &reads};
      struct ingest_options opt = {.after_file = report_progress, .block_size = 64,
                                   .source_hooks = seed % 2 ? NULL : &zero_blocks};
      struct ingest_stats st;
      char *roots[1] = {root};
      msg_quiet = 1;
      ingest_paths(&child, roots, 1, &opt, &st);
      _exit(0);
    }
    close(fds[1]);
    char b;
    for (int k = 0; k < after; k++)
      if (read(fds[0], &b, 1) != 1) break;
    if (delay) usleep(delay);
    kill(pid, SIGKILL);
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    close(fds[0]);

    tl_open(&db, dir, name);
    long long committed = tl_int(&db, "SELECT count(*) FROM source_file");
    if (WIFSIGNALED(status) && committed < nfiles) mid_file++;
    ic_check_accounting(&db); /* what the killed ingest left is consistent */
    struct ingest_stats st = ic_ingest(&db, root, NULL);
    assert_int_equal(st.unchanged, committed);
    ic_check_accounting(&db);
    char *got = ic_dump(&db, 1);
    char what[128];
    snprintf(what, sizeof what, "seed %u, killed after %d files + %u us (%lld committed)", seed, after,
             (unsigned)delay, committed);
    ic_same_dump(ref, got, what);
    free(got);
    tl_close(&db);
  }
  /* the kills did land before the end of the ingest */
  assert_true(mid_file >= 5);
  free(ref);
  tl_rmdir(dir);
}

/* A parser sees the file inside a transaction (SQLite not in autocommit), and
 * between files the transaction is committed. */
static struct wdb *watched;
static int lines_seen, files_seen;
extern const struct format fmt_eprof_gpu;

static enum line_verdict watching_line(struct parse *p, const struct line *ln) {
  if (sqlite3_get_autocommit(p->db->sql) != 0) fail_msg("line %ld parsed outside a transaction", ln->number);
  lines_seen++;
  return fmt_eprof_gpu.line(p, ln);
}

static void after_file_committed(long files_done) {
  (void)files_done;
  if (sqlite3_get_autocommit(watched->sql) == 0) fail_msg("transaction left open after a file");
  files_seen++;
}

static void file_is_parsed_in_a_transaction(void **state) {
  (void)state;
  struct ic_db t;
  ic_fresh(&t);
  struct format watching = fmt_eprof_gpu;
  watching.line = watching_line;
  struct ingest_options opt = {.force_format = &watching, .after_file = after_file_committed};
  watched = &t.db;
  ic_ingest(&t.db, IC_FIXTURES "/raw/local/vgg16/caltech101/gpu-power-20231218T213000.csv", &opt);
  ic_ingest(&t.db, IC_FIXTURES "/raw/cloud/mobilenet_v2/chesslive-occupancy/gpu-power-20221205T095541.csv", &opt);
  assert_int_equal(lines_seen, 4 + 4); /* every line of both files, headers included */
  assert_int_equal(files_seen, 2);
  assert_int_equal(tl_int(&t.db, "SELECT count(*) FROM eprof_gpu_sample"), 2 + 3);
  ic_done(&t);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(file_is_parsed_in_a_transaction),
      cmocka_unit_test(killed_ingest_reruns_to_the_same_database),
  };
  return cmocka_run_group_tests_name("kill_rerun", tests, NULL, NULL);
}
