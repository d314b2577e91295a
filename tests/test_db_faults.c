/* tests/test_db_faults.c: a database that fails under the ingest loses nothing
 * (issue 8 item 2). For every write, sync and lock call that an ingest of the
 * fixture tree makes (tests/faultvfs.h counts them), the ingest is run again
 * with that one call failing: SQLITE_FULL for a write, SQLITE_IOERR_FSYNC for
 * a sync, SQLITE_BUSY for a lock. At every point: the error printed names the
 * file being stored (or the database, when it fails while being opened),
 * what was committed is consistent (the line accounting holds, no file is half
 * stored), and a rerun without the fault gives the database a clean ingest
 * gives. */
#include "tests/testlib.h"
#include "tests/ingest_checks.h"
#include "tests/faultvfs.h"

#include <fcntl.h>

/* Runs an ingest of the fixtures into DIR/NAME with stderr going to ERR_PATH.
 * Returns 0 when the database opened and the ingest ended without a fatal
 * error, 1 when the open failed, 2 when the ingest stopped. */
static int faulted_ingest(const char *dir, const char *name, const char *err_path) {
  fflush(stderr);
  int saved = dup(2);
  int fd = open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  assert_true(saved >= 0 && fd >= 0);
  dup2(fd, 2);
  close(fd);
  char path[1024];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  struct wdb db;
  int result = 1;
  if (wdb_open(&db, path) == 0) {
    struct ingest_options opt = {0};
    struct ingest_stats st;
    char *roots[1] = {(char *)IC_FIXTURES};
    result = ingest_paths(&db, roots, 1, &opt, &st) ? 2 : 0;
    wdb_close(&db);
  }
  fflush(stderr);
  dup2(saved, 2);
  close(saved);
  return result;
}

static void sweep(enum fault_kind kind, const char *what) {
  char *dir = tl_mkdtemp();
  struct wdb db;
  tl_open(&db, dir, "clean.db");
  tl_ingest(&db, IC_FIXTURES);
  char *clean = ic_dump(&db, 0);
  tl_close(&db);
  char err_path[1024];
  snprintf(err_path, sizeof err_path, "%s/stderr", dir);

  fault_vfs_install(kind, 0);
  assert_int_equal(faulted_ingest(dir, "count.db", err_path), 0);
  fault_vfs_remove();
  long total = fault.count[kind];
  assert_true(total > 3);
  long step = total > 120 ? total / 120 : 1;
  int stopped = 0, points = 0;
  for (long at = 1; at <= total; at += step) {
    char name[64];
    snprintf(name, sizeof name, "%s%ld.db", what, at);
    fault_vfs_install(kind, at);
    int result = faulted_ingest(dir, name, err_path);
    int fired = fault.fired;
    fault_vfs_remove();
    assert_true(fired);
    points++;
    size_t n;
    char *err = ic_slurp(err_path, &n);
    if (result == 2) {
      stopped++;
      if (!strstr(err, "not stored, the database could not be written"))
        fail_msg("%s %ld: the ingest stopped without naming the file:\n%s", what, at, err);
    } else if (result == 1) {
      if (!strstr(err, name)) fail_msg("%s %ld: the open failed without naming the database:\n%s", what, at, err);
    }
    free(err);
    /* what the faulted run left, opened normally, then the rerun */
    tl_open(&db, dir, name);
    ic_check_accounting(&db);
    tl_ingest(&db, IC_FIXTURES);
    ic_check_accounting(&db);
    char *got = ic_dump(&db, 0);
    char where[128];
    snprintf(where, sizeof where, "%s fault at call %ld of %ld, then a rerun", what, at, total);
    ic_same_dump(clean, got, where);
    free(got);
    tl_close(&db);
  }
  /* a write or sync fault stops the ingest somewhere; a lock fault is waited out */
  if (kind != FAULT_LOCK) assert_true(stopped > 0);
  printf("%s faults: %d points of %ld calls, %d stopped the ingest\n", what, points, total, stopped);
  free(clean);
  tl_rmdir(dir);
}

static void full_disk_at_every_write(void **state) {
  (void)state;
  sweep(FAULT_WRITE, "write");
}

static void failed_sync_at_every_sync(void **state) {
  (void)state;
  sweep(FAULT_SYNC, "sync");
}

static void busy_lock_at_every_lock(void **state) {
  (void)state;
  sweep(FAULT_LOCK, "lock");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(full_disk_at_every_write),
      cmocka_unit_test(failed_sync_at_every_sync),
      cmocka_unit_test(busy_lock_at_every_lock),
  };
  return cmocka_run_group_tests_name("db_faults", tests, NULL, NULL);
}
