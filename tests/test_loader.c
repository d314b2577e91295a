/* tests/test_loader.c: the transform's loading thread (transform/loader.h).
 * Run by run, it hands over exactly the rows the transform's own connection
 * reads (load_rows), also while that connection holds the transform's write
 * transaction and has written to other tables; it can be stopped after any
 * run; without a file database in WAL mode there is none. The transform on
 * top of it is checked by every transform suite (and under ThreadSanitizer). */
#include "tests/testlib.h"

#include "transform/loader.h"

/* The rows two loads agree on: every column loaded (align.c fills the rest). */
static void same_input(const struct run_input *a, const struct run_input *b) {
  assert_int_equal(a->run, b->run);
  assert_int_equal(a->ng, b->ng);
  assert_int_equal(a->nc, b->nc);
  assert_int_equal(a->ne, b->ne);
  assert_int_equal(a->g_sorted, b->g_sorted);
  assert_int_equal(a->c_sorted, b->c_sorted);
  for (size_t i = 0; i < a->ng; i++) {
    assert_int_equal(a->g[i].ts, b->g[i].ts);
    assert_int_equal(a->g[i].line, b->g[i].line);
    assert_int_equal(a->g[i].nullmask, b->g[i].nullmask);
    assert_memory_equal(a->g[i].v, b->g[i].v, sizeof a->g[i].v);
  }
  for (size_t i = 0; i < a->nc; i++) {
    assert_int_equal(a->c[i].ts, b->c[i].ts);
    assert_int_equal(a->c[i].line, b->c[i].line);
    assert_true(a->c[i].rss == b->c[i].rss && a->c[i].cpu_pct == b->c[i].cpu_pct);
    assert_int_equal(a->c[i].rss_null, b->c[i].rss_null);
  }
  for (size_t i = 0; i < a->ne; i++) {
    assert_int_equal(a->e[i].epoch, b->e[i].epoch);
    assert_int_equal(a->e[i].end, b->e[i].end);
  }
  assert_int_equal(a->gpu_rejected, b->gpu_rejected);
  assert_int_equal(a->ntop, b->ntop);
  assert_memory_equal(a->gpu_rejected_top, b->gpu_rejected_top, a->ntop * sizeof a->gpu_rejected_top[0]);
}

struct fixture {
  char *dir;
  struct wdb db;
  struct run_plan plans[16];
  size_t n;
};

/* Eight generated runs (torn last lines included), ingested; their plans
 * from the files each run is built from. */
static int setup(void **state) {
  struct fixture *f = calloc(1, sizeof *f);
  f->dir = tl_mkdtemp();
  char cmd[1400];
  snprintf(cmd, sizeof cmd, "%s --dir '%s/tree' --runs 8 --seconds 300 >/dev/null", tl_gen_sample(), f->dir);
  assert_int_equal(system(cmd), 0);
  tl_open(&f->db, f->dir, "w.db");
  snprintf(cmd, sizeof cmd, "%s/tree", f->dir);
  tl_ingest(&f->db, cmd);
  sqlite3_stmt *st;
  assert_int_equal(sqlite3_prepare_v2(f->db.sql,
                                      "SELECT run_id, max(CASE role WHEN 'gpu' THEN file_id END),"
                                      " max(CASE role WHEN 'cpu' THEN file_id END),"
                                      " max(CASE role WHEN 'epoch' THEN file_id END)"
                                      " FROM run_file_choice WHERE rank = 1 GROUP BY run_id ORDER BY run_id",
                                      -1, &st, NULL),
                   SQLITE_OK);
  while (sqlite3_step(st) == SQLITE_ROW && f->n < 16) {
    struct run_plan *p = &f->plans[f->n++];
    *p = (struct run_plan){.run = sqlite3_column_int64(st, 0),
                           .gpu_file = sqlite3_column_int64(st, 1),
                           .cpu_file = sqlite3_column_int64(st, 2),
                           .epoch_file = sqlite3_column_int64(st, 3),
                           .dirty_gaissa = 1,
                           .dirty_default = 1};
  }
  sqlite3_finalize(st);
  assert_int_equal(f->n, 8);
  *state = f;
  return 0;
}

static int teardown(void **state) {
  struct fixture *f = *state;
  tl_close(&f->db);
  tl_rmdir(f->dir);
  free(f);
  return 0;
}

static void free_input(struct run_input *in) {
  free(in->g);
  free(in->c);
  free(in->e);
}

static void it_hands_over_what_the_connection_reads(void **state) {
  struct fixture *f = *state;
  /* as in a transform: the write transaction open, other tables written */
  assert_int_equal(wdb_exec(&f->db, "BEGIN IMMEDIATE; DELETE FROM interim_segment;", "test"), 0);
  struct loader *l = loader_start(f->db.path, f->plans, f->n);
  assert_non_null(l);
  struct run_input got = {0}, want = {0};
  long long rows = 0;
  for (size_t i = 0; i < f->n; i++) {
    char error[256];
    assert_int_equal(loader_take(l, &got, error, sizeof error), 0);
    load_apply(&f->plans[i], &want);
    assert_int_equal(load_rows(&f->db, &want), 0);
    same_input(&got, &want);
    assert_int_equal(got.dirty_gaissa, 1);
    rows += (long long)got.ng;
  }
  assert_int_equal(rows, tl_int(&f->db, "SELECT count(*) FROM eprof_gpu_sample"));
  loader_stop(l);
  assert_int_equal(wdb_exec(&f->db, "ROLLBACK", "test"), 0);
  free_input(&got);
  free_input(&want);
}

static void it_stops_after_any_run(void **state) {
  struct fixture *f = *state;
  for (size_t taken = 0; taken <= f->n; taken++) {
    struct loader *l = loader_start(f->db.path, f->plans, f->n);
    assert_non_null(l);
    struct run_input in = {0};
    char error[256];
    for (size_t i = 0; i < taken; i++) assert_int_equal(loader_take(l, &in, error, sizeof error), 0);
    loader_stop(l);
    free_input(&in);
  }
}

static void no_loading_thread_without_a_wal_file(void **state) {
  struct fixture *f = *state;
  assert_null(loader_start(":memory:", f->plans, f->n));
  assert_null(loader_start(f->db.path, f->plans, 1)); /* nothing to overlap */
  char path[700];
  snprintf(path, sizeof path, "%s/none.db", f->dir);
  assert_null(loader_start(path, f->plans, f->n)); /* read-only: never created */
  struct stat st;
  assert_int_not_equal(stat(path, &st), 0);
}

int main(void) {
  msg_quiet = 1;
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(it_hands_over_what_the_connection_reads, setup, teardown),
      cmocka_unit_test_setup_teardown(it_stops_after_any_run, setup, teardown),
      cmocka_unit_test_setup_teardown(no_loading_thread_without_a_wal_file, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
