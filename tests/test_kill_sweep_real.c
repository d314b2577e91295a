/* tests/test_kill_sweep_real.c: an ingest of the real replication zip
 * (<real>/eprof/seaa2023-data.zip, tl_shared_real(); the test skips when it is
 * absent) killed with SIGKILL at 25 points spread over its 618 files,
 * each kill followed by a rerun, gives the database of one uninterrupted
 * ingest.
 *
 * The kills are chained to keep the run short: a child ingests the zip into
 * killed.db and reports every committed file through a pipe (the after_file
 * hook); it is killed after the (i·K)th commit, at once or after a small
 * seeded delay with small blocks (ingest_options.block_size), so that the
 * kill lands in the middle of the next file. The next child is the rerun
 * after that kill, itself killed at the next point; a last rerun in this
 * process completes the ingest. After every kill the rows of the files the
 * rerun committed since the previous kill (source_file, every table with a
 * file_id, the runs) are compared with the same files' rows of the
 * uninterrupted ingest by a SHA-256 digest per table (tests/db_compare.h),
 * the killed file must have left nothing, and the files committed before must
 * not have been read again (same ingested_at). At the end every table and view
 * is compared whole. The digests are per table in key order; on a mismatch
 * the first differing row is named. Every failing kill point is reported.
 *
 * Under the sanitizers (build/san-*) 5 kill points. */
#include "tests/testlib.h"
#include "tests/db_compare.h"

#include <signal.h>
#include <sys/wait.h>
#include <time.h>

#define POINTS (TL_SANITIZED ? 5 : 25)
#define FILES 618 /* members of seaa2023-data.zip */

static int progress_fd = -1;

static void report_file(long files_done) {
  if (write(progress_fd, &files_done, sizeof files_done) != (ssize_t)sizeof files_done) _exit(3);
}

static unsigned lcg(unsigned *s) {
  *s = *s * 1103515245u + 12345u;
  return (*s >> 16) & 0x7fff;
}

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Ingests ZIP into DB_PATH in a child, killed once TARGET files are committed
 * (the child reports its visited files, the committed ones first) and DELAY_US
 * later, with blocks of BLOCK bytes. Returns the last count reported before
 * the kill, or -1 when the child finished first. */
static long killed_ingest(const char *db_path, const char *zip, long target, useconds_t delay_us, size_t block) {
  int fds[2];
  assert_int_equal(pipe(fds), 0);
  pid_t pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) {
    close(fds[0]);
    progress_fd = fds[1];
    struct wdb db;
    if (wdb_open(&db, db_path)) _exit(2);
    struct ingest_options opt = {.after_file = report_file, .block_size = block};
    struct ingest_stats st;
    char *roots[1] = {(char *)zip};
    msg_quiet = 1;
    ingest_paths(&db, roots, 1, &opt, &st);
    _exit(0);
  }
  close(fds[1]);
  long done = 0, v;
  while (done < target && read(fds[0], &v, sizeof v) == (ssize_t)sizeof v) done = v;
  if (delay_us) usleep(delay_us);
  kill(pid, SIGKILL);
  int status;
  assert_int_equal(waitpid(pid, &status, 0), pid);
  while (read(fds[0], &v, sizeof v) == (ssize_t)sizeof v) done = v; /* reported during the delay */
  close(fds[0]);
  return WIFSIGNALED(status) ? done : -1;
}

/* Per file, the digest of its rows in one table: the table's rows of files
 * with an id above LO (every table here is keyed by (file_id, ...), source_file
 * by id), hashed per file in key order. */
struct per_file {
  uint8_t d[FILES + 2][SHA256_DIGEST_SIZE];
  long long rows[FILES + 2];
};

static const char *file_key(struct wdb *db, const char *t) {
  return !strcmp(t, "source_file") ? "id" : dc_has_column(db, t, "file_id") ? "file_id" : NULL;
}

static void file_digests(struct wdb *db, const char *t, long lo, struct per_file *pf) {
  const char *key = file_key(db, t);
  char where[96];
  snprintf(where, sizeof where, "x.%s > %ld", key, lo);
  char *q = dc_query(db, t, where);
  sqlite3_stmt *st = dc_prepare(db, q);
  int kcol = -1;
  for (int i = 0; i < sqlite3_column_count(st); i++)
    if (!strcmp(sqlite3_column_name(st, i), key)) kcol = i;
  assert_true(kcol >= 0);
  memset(pf, 0, sizeof *pf);
  struct sha256_ctx h;
  long long cur = -1;
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    long long id = sqlite3_column_int64(st, kcol);
    if (id < 0 || id > FILES + 1) id = FILES + 1; /* ids past the zip's: compared as one */
    if (id != cur) {
      if (cur >= 0) sha256_digest(&h, SHA256_DIGEST_SIZE, pf->d[cur]);
      sha256_init(&h);
      cur = id;
    }
    pf->rows[id]++;
    dc_hash_row(st, &h);
  }
  if (rc != SQLITE_DONE) fail_msg("%s: %s: %s", db->path, t, sqlite3_errmsg(db->sql));
  if (cur >= 0) sha256_digest(&h, SHA256_DIGEST_SIZE, pf->d[cur]);
  sqlite3_finalize(st);
  sqlite3_free(q);
}

static void add_failure(char **failures, const char *what, const char *why) {
  char *next = sqlite3_mprintf("%s%s: %s\n", *failures ? *failures : "", what, why);
  sqlite3_free(*failures);
  *failures = next;
}

/* Compares DB's rows of the files LO+1..HI (and that it has none past HI) in
 * every table with a file key, and its runs, with REF's (per-file digests
 * RD[t], taken once). On a difference appends the first differing file and row
 * to FAILURES and returns 0. */
static int same_files(struct wdb *ref, struct per_file **rd, char **tables, struct wdb *db, long lo, long hi,
                      const char *what, char **failures) {
  static struct per_file pf;
  for (int t = 0; tables[t]; t++) {
    if (!rd[t]) continue;
    file_digests(db, tables[t], lo, &pf);
    for (long id = lo + 1; id <= FILES + 1; id++) {
      int want = id <= hi;
      if (pf.rows[id] == (want ? rd[t]->rows[id] : 0) &&
          (!pf.rows[id] || !memcmp(pf.d[id], rd[t]->d[id], SHA256_DIGEST_SIZE)))
        continue;
      char wa[96], wb[96], why[3000];
      const char *key = file_key(db, tables[t]);
      snprintf(wa, sizeof wa, want ? "x.%s = %ld" : "0", key, id);
      snprintf(wb, sizeof wb, "x.%s = %ld", key, id);
      if (!dc_compare_object(ref, db, tables[t], wa, wb, why, sizeof why))
        snprintf(why, sizeof why, "table %s: digests differ", tables[t]);
      char *msg = sqlite3_mprintf("file %ld (%s), %s", id,
                                  tl_text(ref, "SELECT path FROM source_file WHERE id = %ld", id), why);
      add_failure(failures, what, msg);
      sqlite3_free(msg);
      return 0;
    }
  }
  /* the runs: those of the files committed, none more */
  char wa[96], why[3000];
  snprintf(wa, sizeof wa, "x.id <= %lld",
           tl_int(ref, "SELECT coalesce(max(run_id), 0) FROM source_file WHERE id <= %ld", hi));
  if (dc_compare_object(ref, db, "run", wa, NULL, why, sizeof why)) {
    add_failure(failures, what, why);
    return 0;
  }
  return 1;
}

static void killed_ingests_of_the_real_zip_rerun_to_the_same_database(void **state) {
  (void)state;
  const char *real = tl_shared_real();
  char zip[1024];
  struct stat zst;
  snprintf(zip, sizeof zip, "%s/eprof/seaa2023-data.zip", real ? real : "");
  if (!real || stat(zip, &zst) != 0) {
    printf("kill_sweep_real: %s absent, skipped\n", real ? zip : "the real data");
    skip();
  }
  double t0 = now_s();
  char *dir = tl_mkdtemp();
  struct wdb ref, db;
  tl_open(&ref, dir, "ref.db");
  struct ingest_stats rs = tl_ingest(&ref, zip);
  assert_int_equal(rs.files, FILES);
  assert_true(rs.rows_ok > 1000000);
  dc_register(&ref);
  double t_ref = now_s() - t0;
  char **tables = dc_objects(&ref, 0);
  int ntables = 0;
  while (tables[ntables]) ntables++;
  struct per_file **rd = calloc((size_t)ntables, sizeof *rd);
  assert_non_null(rd);
  for (int t = 0; t < ntables; t++) {
    if (!file_key(&ref, tables[t])) continue; /* run: compared by id; setting: at the end */
    rd[t] = malloc(sizeof *rd[t]);
    assert_non_null(rd[t]);
    file_digests(&ref, tables[t], 0, rd[t]);
  }

  char db_path[1024];
  snprintf(db_path, sizeof db_path, "%s/killed.db", dir);
  char *ingested_at[FILES + 1] = {0}; /* of the files the killed ingests committed, by id */
  char *failures = NULL;
  const long k = FILES / (POINTS + 1);
  long prev = 0;
  int mid_file = 0, failed_points = 0;
  for (int i = 1; i <= POINTS; i++) {
    unsigned s = (unsigned)i * 2654435761u;
    int in_file = i % 2 == 0; /* every other point: in the middle of a file */
    useconds_t delay = in_file ? (useconds_t)(200 + lcg(&s) % 3000) : 0;
    long target = k * i;
    long reported = killed_ingest(db_path, zip, target, delay, in_file ? 4096 : 0);
    assert_true(reported >= target); /* killed, not finished */

    /* what the kill left: the files committed, and nothing of the killed one */
    tl_open(&db, dir, "killed.db");
    dc_register(&db);
    long c = (long)tl_int(&db, "SELECT count(*) FROM source_file");
    assert_int_equal(tl_int(&db, "SELECT max(id) FROM source_file"), c);
    assert_true(c >= target && c <= FILES);
    if (in_file && c == reported) mid_file++;
    char what[256];
    snprintf(what, sizeof what, "kill point %d (after %ld committed files + %u us: %ld committed)", i, target,
             (unsigned)delay, c);
    int ok = 1;
    for (long id = 1; id <= prev && ok; id++) { /* the files committed before were not read again */
      const char *at = tl_text(&db, "SELECT ingested_at FROM source_file WHERE id = %ld", id);
      if (strcmp(at, ingested_at[id])) {
        char why[200];
        snprintf(why, sizeof why, "file %ld read again (%s, was %s)", id, at, ingested_at[id]);
        add_failure(&failures, what, why);
        ok = 0;
      }
    }
    for (long id = prev + 1; id <= c; id++)
      ingested_at[id] = strdup(tl_text(&db, "SELECT ingested_at FROM source_file WHERE id = %ld", id));
    ok &= same_files(&ref, rd, tables, &db, prev, c, what, &failures);
    tl_close(&db); /* checkpointed: the file alone is the database */

    /* the rerun after this kill, to the end, on a copy (the next kill goes on
     * from the killed database) */
    char cmd[3200];
    snprintf(cmd, sizeof cmd, "cp '%s' '%s/rerun.db' && rm -f '%s/rerun.db-wal' '%s/rerun.db-shm'", db_path, dir,
             dir, dir);
    assert_int_equal(system(cmd), 0);
    tl_open(&db, dir, "rerun.db");
    dc_register(&db);
    struct ingest_options opt = {0};
    struct ingest_stats st;
    char *roots[1] = {zip};
    msg_quiet = 1;
    assert_int_equal(ingest_paths(&db, roots, 1, &opt, &st), 0);
    msg_quiet = 0;
    assert_int_equal(st.files, FILES);
    assert_int_equal(st.unchanged, c); /* the committed files are not read again */
    char rwhat[300];
    snprintf(rwhat, sizeof rwhat, "%s, its rerun", what);
    ok &= same_files(&ref, rd, tables, &db, c, FILES, rwhat, &failures);
    if (i == POINTS) { /* the last rerun: every table and view, whole */
      struct dc_digests all = dc_digest_all(&ref, 1);
      char why[3000];
      if (dc_compare_with(&ref, &all, &db, 1, why, sizeof why)) {
        add_failure(&failures, rwhat, why);
        ok = 0;
      }
      dc_free_digests(&all);
    }
    tl_close(&db);
    failed_points += !ok;
    if (!ok) printf("kill_sweep_real: kill point %d failed\n", i);
    prev = c;
  }
  tl_close(&ref);

  printf("kill_sweep_real: %d kill points every %ld files (%d in the middle of a file), %d failed; "
         "uninterrupted ingest %.1f s, suite %.1f s\n",
         POINTS, k, mid_file, failed_points, t_ref, now_s() - t0);
  for (int id = 0; id <= FILES; id++) free(ingested_at[id]);
  for (int t = 0; t < ntables; t++) free(rd[t]);
  free(rd);
  dc_free_names(tables);
  tl_rmdir(dir);
  if (failures) {
    static char report[16384]; /* fail_msg does not return: free the list first */
    snprintf(report, sizeof report, "%s", failures);
    sqlite3_free(failures);
    fail_msg("%s", report);
  }
  assert_true(mid_file >= POINTS / 4); /* the delayed kills did land inside a file */
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(killed_ingests_of_the_real_zip_rerun_to_the_same_database),
  };
  return cmocka_run_group_tests_name("kill_sweep_real", tests, NULL, NULL);
}
