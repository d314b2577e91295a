/* tests/test_kill_transform.c: a transform killed with SIGKILL at any point
 * leaves the database as it was, and rerun gives the database an
 * uninterrupted transform gives: every table and view, every column but the
 * wall-clock ingest times (tests/db_compare.h), compared table by table, the
 * first differing table and row reported.
 *
 * The input is generated (gen-sample, GEN_SAMPLE in the environment): a
 * benchmark tree of eprof runs plus the demo sample zip (codecarbon, perf,
 * wattmeter and nvidia-smi logs, so that 50_sources.sql runs too), and a
 * second tree of new runs ingested later. A forked child runs transform_run
 * and is killed after a delay spread over the duration of an uninterrupted
 * transform (seeded, reproducible); the parent checks what it left and reruns.
 *
 *   1. killed first transform, rerun = uninterrupted transform;
 *   2. killed incremental transform (new runs ingested after a transform),
 *      rerun = the uninterrupted incremental transform;
 *   3. killed first transform, then an ingest of the new runs, then a
 *      transform = an uninterrupted ingest of both, then a transform. */
#include "tests/testlib.h"
#include "tests/db_compare.h"

#include <signal.h>
#include <sys/wait.h>
#include <time.h>

#include "transform/transform.h"

/* kill points of each scenario */
#define POINTS_FIRST (TL_SANITIZED ? 5 : 14)
#define POINTS_INCREMENTAL (TL_SANITIZED ? 2 : 5)
#define POINTS_THEN_INGEST (TL_SANITIZED ? 2 : 5)

static const struct transform_options topt = {
    .profiles = TF_ALL, .set_utc_offset = 1, .utc_offset_s = 3600, .wall_sockets = "1"};

static char *dir;               /* scratch directory of the suite */
static char tree_a[600], zip_a[600], tree_new[600];
static double transform_s;      /* an uninterrupted first transform, seconds */

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static unsigned lcg(unsigned *s) {
  *s = *s * 1103515245u + 12345u;
  return (*s >> 16) & 0x7fff;
}

static void sh(const char *fmt, ...) {
  char cmd[4096];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(cmd, sizeof cmd, fmt, ap);
  va_end(ap);
  if (system(cmd) != 0) fail_msg("failed: %s", cmd);
}

/* DIR/NAME as a copy of DIR/FROM (closed databases: no WAL to copy). */
static void copy_db(const char *from, const char *name) {
  sh("rm -f '%s/%s' '%s/%s-wal' '%s/%s-shm' && cp '%s/%s' '%s/%s'", dir, name, dir, name, dir, name, dir, from,
     dir, name);
}

static void ingest(struct wdb *db, const char *root) {
  struct ingest_options opt = {0};
  struct ingest_stats st;
  char *roots[1] = {(char *)root};
  msg_quiet = 1;
  assert_int_equal(ingest_paths(db, roots, 1, &opt, &st), 0); /* the sample has rejected lines: not fatal */
  msg_quiet = 0;
  assert_true(st.read > 0);
}

static void transform(struct wdb *db) {
  struct transform_stats st;
  assert_int_equal(transform_run(db, &topt, &st), 0);
  assert_true(st.rebuilt > 0 || st.runs > 0);
}

/* Builds DIR/NAME: a fresh database with each of the N roots ingested in
 * turn, transformed after the ingests listed in THEN (a bit per root). */
static void build(const char *name, const char *const *roots, int n, unsigned then) {
  struct wdb db;
  tl_open(&db, dir, name);
  for (int i = 0; i < n; i++) {
    ingest(&db, roots[i]);
    if (then & (1u << i)) transform(&db);
  }
  tl_close(&db);
}

/* A reference database, open, with the digests of its tables (and views). */
struct ref {
  struct wdb db;
  struct dc_digests d;
  int views;
};

static void ref_open(struct ref *r, const char *name, int views) {
  tl_open(&r->db, dir, name);
  r->views = views;
  r->d = dc_digest_all(&r->db, views);
}

static void ref_close(struct ref *r) {
  dc_free_digests(&r->d);
  tl_close(&r->db);
}

/* Fails with the first table (or view) and row where DIR/NAME differs from R. */
static void same_as(struct ref *r, const char *name, const char *what) {
  struct wdb db;
  tl_open(&db, dir, name);
  char why[3000];
  if (dc_compare_with(&r->db, &r->d, &db, r->views, why, sizeof why)) fail_msg("%s: %s", what, why);
  tl_close(&db);
}

/* Transforms DIR/NAME in a child killed DELAY_US after it started the
 * transform. Returns 1 when the kill landed (the child did not finish). */
static int killed_transform(const char *name, useconds_t delay_us) {
  int fds[2];
  assert_int_equal(pipe(fds), 0);
  pid_t pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) {
    close(fds[0]);
    struct wdb db;
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    if (wdb_open(&db, path)) _exit(2);
    char b = 1;
    if (write(fds[1], &b, 1) != 1) _exit(3);
    struct transform_stats st;
    _exit(transform_run(&db, &topt, &st) ? 4 : 0);
  }
  close(fds[1]);
  char b;
  assert_int_equal(read(fds[0], &b, 1), 1); /* the database is open: the transform starts */
  close(fds[0]);
  if (delay_us) usleep(delay_us);
  kill(pid, SIGKILL);
  int status;
  assert_int_equal(waitpid(pid, &status, 0), pid);
  if (WIFEXITED(status)) assert_int_equal(WEXITSTATUS(status), 0);
  return WIFSIGNALED(status);
}

/* The delay of kill point I of N: spread over [0, 1.1 × an uninterrupted
 * transform], each point at a seeded pseudo-random place in its slice. */
static useconds_t delay_of(int i, int n, unsigned seed) {
  unsigned s = seed * 2654435761u;
  double slice = transform_s * 1.1 / n;
  return (useconds_t)((i + (lcg(&s) % 1000) / 1000.0) * slice * 1e6);
}

static int setup_suite(void **state) {
  (void)state;
  const char *gen = tl_gen_sample();
  dir = tl_mkdtemp();
  snprintf(tree_a, sizeof tree_a, "%s/a", dir);
  snprintf(zip_a, sizeof zip_a, "%s/sample/data.zip", dir);
  snprintf(tree_new, sizeof tree_new, "%s/new", dir);
  sh("%s --dir '%s' --runs %d --seconds 600 --seed 1", gen, tree_a, TL_SANITIZED ? 8 : 30);
  sh("mkdir -p '%s/sample' && %s --zip '%s'", dir, gen, zip_a);
  sh("%s --dir '%s' --runs 6 --seconds 600 --seed 2", gen, tree_new);
  const char *base[] = {tree_a, zip_a};
  build("base.db", base, 2, 0);         /* ingested, never transformed */
  copy_db("base.db", "ref.db");         /* ... then transformed */
  struct wdb db;
  tl_open(&db, dir, "ref.db");
  double t0 = now_s();
  transform(&db);
  transform_s = now_s() - t0;
  assert_true(tl_int(&db, "SELECT count(*) FROM processed_run") > 0);
  assert_true(tl_int(&db, "SELECT count(*) FROM source_energy WHERE source <> 'eprof-gpu'") > 0);
  tl_close(&db);
  return 0;
}

static int teardown_suite(void **state) {
  (void)state;
  tl_rmdir(dir);
  return 0;
}

/* 1. The first transform of a database, killed; the kill leaves the database
 * as it was, the rerun gives the uninterrupted transform's. */
static void killed_first_transform_reruns_to_the_same_database(void **state) {
  (void)state;
  double t0 = now_s();
  struct ref base, ref;
  ref_open(&base, "base.db", 0); /* tables: the views are the same functions of them */
  ref_open(&ref, "ref.db", 1);
  int landed = 0;
  for (int i = 0; i < POINTS_FIRST; i++) {
    useconds_t delay = delay_of(i, POINTS_FIRST, (unsigned)i + 1);
    copy_db("base.db", "killed.db");
    int killed = killed_transform("killed.db", delay);
    struct wdb db;
    tl_open(&db, dir, "killed.db");
    int committed = tl_int(&db, "SELECT count(*) FROM run_input") > 0;
    tl_close(&db);
    char what[200];
    snprintf(what, sizeof what, "kill point %d (%u us, %s)", i, (unsigned)delay,
             committed ? "after the commit" : "inside the transform");
    if (!committed) {
      same_as(&base, "killed.db", what); /* nothing of the killed transform stays */
      landed += killed;
    }
    tl_open(&db, dir, "killed.db");
    transform(&db);
    tl_close(&db);
    same_as(&ref, "killed.db", what);
  }
  ref_close(&base);
  ref_close(&ref);
  printf("kill_transform: %d kill points in a %.3f s transform, %d inside it, %.1f s\n", POINTS_FIRST,
         transform_s, landed, now_s() - t0);
  assert_true(landed >= POINTS_FIRST / 2); /* the kills did land inside the transform */
}

/* 2. An incremental transform (new runs ingested after a first transform),
 * killed, then rerun: the database of the uninterrupted incremental one. */
static void killed_incremental_transform_reruns_to_the_same_database(void **state) {
  (void)state;
  double t0 = now_s();
  copy_db("ref.db", "inc.db");
  struct wdb db;
  tl_open(&db, dir, "inc.db");
  ingest(&db, tree_new);
  tl_close(&db);
  copy_db("inc.db", "inc_ref.db");
  tl_open(&db, dir, "inc_ref.db");
  transform(&db);
  tl_close(&db);
  struct ref ref;
  ref_open(&ref, "inc_ref.db", 1);
  int landed = 0;
  for (int i = 0; i < POINTS_INCREMENTAL; i++) {
    useconds_t delay = delay_of(i, POINTS_INCREMENTAL, (unsigned)i + 101);
    copy_db("inc.db", "killed.db");
    landed += killed_transform("killed.db", delay);
    tl_open(&db, dir, "killed.db");
    transform(&db);
    tl_close(&db);
    char what[200];
    snprintf(what, sizeof what, "incremental, kill point %d (%u us)", i, (unsigned)delay);
    same_as(&ref, "killed.db", what);
  }
  ref_close(&ref);
  printf("kill_transform: %d kill points in an incremental transform, %d landed, %.1f s\n",
         POINTS_INCREMENTAL, landed, now_s() - t0);
  assert_true(landed >= 1);
}

/* 3. A killed first transform, then an ingest of new runs and a transform:
 * the database of an uninterrupted ingest of everything, then a transform
 * (ingested_at aside, the new files' ingest times differing). */
static void killed_transform_then_ingest_is_an_uninterrupted_build(void **state) {
  (void)state;
  double t0 = now_s();
  const char *all[] = {tree_a, zip_a, tree_new};
  build("all_ref.db", all, 3, 1u << 2);
  struct ref ref;
  ref_open(&ref, "all_ref.db", 1);
  int landed = 0;
  for (int i = 0; i < POINTS_THEN_INGEST; i++) {
    useconds_t delay = delay_of(i, POINTS_THEN_INGEST, (unsigned)i + 201);
    copy_db("base.db", "killed.db");
    landed += killed_transform("killed.db", delay);
    struct wdb db;
    tl_open(&db, dir, "killed.db");
    ingest(&db, tree_new);
    transform(&db);
    tl_close(&db);
    char what[200];
    snprintf(what, sizeof what, "killed transform + ingest + transform, kill point %d (%u us)", i, (unsigned)delay);
    same_as(&ref, "killed.db", what);
  }
  ref_close(&ref);
  printf("kill_transform: %d kill points before an ingest, %d landed, %.1f s\n", POINTS_THEN_INGEST, landed,
         now_s() - t0);
  assert_true(landed >= 1);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(killed_first_transform_reruns_to_the_same_database),
      cmocka_unit_test(killed_incremental_transform_reruns_to_the_same_database),
      cmocka_unit_test(killed_transform_then_ingest_is_an_uninterrupted_build),
  };
  return cmocka_run_group_tests_name("kill_transform", tests, setup_suite, teardown_suite);
}
