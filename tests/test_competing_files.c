/* tests/test_competing_files.c: when two files give one run the same stream,
 * the content chooses, not the order of ingestion
 * (schema/006_competing_files.sql).
 *
 * The GPU log of one run reaches the database three ways: a copy in a zip cut
 * short by the logger's stop (a torn last line), the copy in a directory the
 * logger kept writing to (it extends the zip's copy), and an older backup whose
 * values differ (it diverges). Ingested in either order, the run is built from
 * the file that extends the others; two files that diverge are a conflict
 * listed in run_file_conflict, and the choice between them is the same in
 * either order. */
#include "tests/testlib.h"
#include "tests/ingest_checks.h"

#include "transform/transform.h"

#define RUN_DIR "raw/local/vgg16/ds/"
#define GPU_FILE "gpu-power-20231218T213000.csv"

/* A GPU log of N complete lines (values shifted by SHIFT from line FROM on),
 * then, when TORN, the start of line N+1 without its end. */
static char *gpu_log(int n, int torn, int from, int shift) {
  struct ic_buf b = {0};
  ic_put(&b, "timestamp, name, utilization.gpu [%], utilization.memory [%], memory.total [MiB], "
             "memory.used [MiB], power.draw [W], power.max_limit [W], temperature.gpu\n");
  for (int i = 0; i <= n; i++) {
    char line[256];
    int w = 100 + i % 50 + (i >= from ? shift : 0);
    snprintf(line, sizeof line,
             "2023/12/18 21:%02d:%02d.000, NVIDIA A100, 50 %%, 10 %%, 40960 MiB, 900 MiB, %d.25 W, "
             "400.00 W, 41\n", 30 + i / 60, i % 60, w);
    if (i == n) {
      if (torn) line[40] = '\0';
      else break;
    }
    ic_put(&b, line);
  }
  return b.s;
}

struct tree {
  char *dir;
  char zip[600], grown[600], backup[600];
};

/* The zip's copy (120 lines and a torn one), the grown copy (200 lines) and the
 * diverging backup (150 lines, other watts from line 60). */
static void make_tree(struct tree *t) {
  t->dir = tl_mkdtemp();
  char *cut = gpu_log(120, 1, 0, 0), *grown = gpu_log(200, 0, 0, 0), *backup = gpu_log(150, 0, 60, 7);
  char src[700];
  snprintf(src, sizeof src, "%s/zipped", t->dir);
  mkdir(src, 0755);
  tl_write_str(src, RUN_DIR GPU_FILE, cut);
  snprintf(t->zip, sizeof t->zip, "%s/data.zip", t->dir);
  ic_write_archive(src, "", t->zip, 1);
  /* logical paths are relative to the root given: each root holds its own folder */
  snprintf(t->grown, sizeof t->grown, "%s/g", t->dir);
  mkdir(t->grown, 0755);
  tl_write_str(t->grown, "live/" RUN_DIR GPU_FILE, grown);
  snprintf(t->backup, sizeof t->backup, "%s/k", t->dir);
  mkdir(t->backup, 0755);
  tl_write_str(t->backup, "backup/" RUN_DIR GPU_FILE, backup);
  free(cut);
  free(grown);
  free(backup);
}

/* Ingests the N ROOTS in that order into a fresh database, transforms it, and
 * leaves it open in *T. */
static void build(struct ic_db *t, const char *const *roots, int n) {
  ic_fresh(t);
  for (int i = 0; i < n; i++) ic_ingest(&t->db, roots[i], NULL);
  struct transform_options opt = {.profiles = TF_ALL};
  struct transform_stats st;
  msg_quiet = 1;
  assert_int_equal(transform_run(&t->db, &opt, &st), 0);
  msg_quiet = 0;
  assert_int_equal(tl_int(&t->db, "SELECT count(*) FROM run"), 1);
}

/* The logical path the run's GPU rows were taken from. */
static const char *gpu_source(struct ic_db *t) {
  return tl_text(&t->db, "SELECT f.path FROM interim_run i JOIN source_file f ON f.id = i.gpu_file_id");
}

static void the_file_that_extends_the_other_wins_in_either_order(void **state) {
  (void)state;
  struct tree tr;
  make_tree(&tr);
  const char *zip_first[] = {tr.zip, tr.grown}, *dir_first[] = {tr.grown, tr.zip};
  struct ic_db a, b, only;
  build(&a, zip_first, 2);
  build(&b, dir_first, 2);
  build(&only, dir_first, 1);
  assert_string_equal(gpu_source(&a), "live/" RUN_DIR GPU_FILE);
  assert_string_equal(gpu_source(&b), "live/" RUN_DIR GPU_FILE);
  assert_int_equal(tl_int(&a.db, "SELECT count(*) FROM run_file_conflict"), 0);
  assert_int_equal(tl_int(&a.db, "SELECT count(*) FROM run_file_choice WHERE extended"), 1);
  /* the run's numbers are those of the grown file alone, whatever the order */
  for (int i = 0; i < 2; i++) {
    struct ic_db *t = i ? &b : &a;
    assert_int_equal(tl_int(&t->db, "SELECT n_samples FROM v_run WHERE profile='default'"),
                     tl_int(&only.db, "SELECT n_samples FROM v_run WHERE profile='default'"));
    assert_true(tl_real(&t->db, "SELECT gpu_energy_j FROM v_run WHERE profile='default'") ==
                tl_real(&only.db, "SELECT gpu_energy_j FROM v_run WHERE profile='default'"));
  }
  assert_int_equal(tl_int(&only.db, "SELECT n_samples FROM v_run WHERE profile='default'"), 200);
  ic_done(&a);
  ic_done(&b);
  ic_done(&only);
  tl_rmdir(tr.dir);
}

static void diverging_files_are_a_conflict_chosen_by_content(void **state) {
  (void)state;
  struct tree tr;
  make_tree(&tr);
  const char *zip_first[] = {tr.zip, tr.backup}, *backup_first[] = {tr.backup, tr.zip};
  struct ic_db a, b;
  build(&a, zip_first, 2);
  build(&b, backup_first, 2);
  for (int i = 0; i < 2; i++) {
    struct ic_db *t = i ? &b : &a;
    assert_int_equal(tl_int(&t->db, "SELECT count(*) FROM run_file_conflict"), 1);
    assert_int_equal(tl_int(&t->db, "SELECT files FROM run_file_conflict"), 2);
    /* the backup has more rows (150 against 120): the run is built from it */
    assert_string_equal(tl_text(&t->db, "SELECT chosen FROM run_file_conflict"),
                        "backup/" RUN_DIR GPU_FILE);
    assert_string_equal(gpu_source(t), "backup/" RUN_DIR GPU_FILE);
    assert_int_equal(tl_int(&t->db, "SELECT n_gpu FROM interim_run"), 150);
    assert_non_null(strstr(tl_text(&t->db, "SELECT diverging FROM run_file_conflict"), "data.zip:"));
  }
  /* the grown copy extends the zip's but diverges from the backup: still a conflict, of two */
  ic_ingest(&a.db, tr.grown, NULL);
  struct transform_options opt = {.profiles = TF_ALL};
  struct transform_stats st;
  msg_quiet = 1;
  assert_int_equal(transform_run(&a.db, &opt, &st), 0);
  msg_quiet = 0;
  assert_int_equal(tl_int(&a.db, "SELECT files FROM run_file_conflict"), 2);
  assert_int_equal(tl_int(&a.db, "SELECT n_gpu FROM interim_run"), 200);
  assert_string_equal(gpu_source(&a), "live/" RUN_DIR GPU_FILE);
  assert_int_equal(tl_int(&a.db, "SELECT count(*) FROM run_file_choice WHERE extended"), 1);
  ic_done(&a);
  ic_done(&b);
  tl_rmdir(tr.dir);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(the_file_that_extends_the_other_wins_in_either_order),
      cmocka_unit_test(diverging_files_are_a_conflict_chosen_by_content),
  };
  return cmocka_run_group_tests_name("competing_files", tests, NULL, NULL);
}
