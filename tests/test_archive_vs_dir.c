/* tests/test_archive_vs_dir.c: the fixture tree read as a directory, as a .zip
 * and as a .tar.gz (both written here with libarchive, members under
 * data/metrics/ as in the replication package) gives the same content in every
 * table, file paths compared below the archive name and data/metrics/. */
#include "tests/testlib.h"
#include "tests/ingest_checks.h"

static char *dump_of(const char *root) {
  struct ic_db t;
  ic_fresh(&t);
  ic_ingest(&t.db, root, NULL);
  assert_true(ic_check_accounting(&t.db) > 10);
  char *dump = ic_dump(&t.db, 0 /* portable */);
  ic_done(&t);
  return dump;
}

static void archives_equal_directory(void **state) {
  (void)state;
  char *dir = tl_mkdtemp();
  char zip[1024], tgz[1024];
  snprintf(zip, sizeof zip, "%s/data.zip", dir);
  snprintf(tgz, sizeof tgz, "%s/data.tar.gz", dir);
  ic_write_archive(IC_FIXTURES, "data/metrics/", zip, 1);
  ic_write_archive(IC_FIXTURES, "data/metrics/", tgz, 0);
  char *d = dump_of(IC_FIXTURES);
  char *z = dump_of(zip);
  char *g = dump_of(tgz);
  /* the dumps hold the rows, not only table names */
  assert_non_null(strstr(d, "119.17"));
  assert_non_null(strstr(d, "'[Not Supported]'"));
  assert_non_null(strstr(d, "'truncated'"));
  ic_same_dump(d, z, "directory vs zip");
  ic_same_dump(d, g, "directory vs tar.gz");
  free(d);
  free(z);
  free(g);
  tl_rmdir(dir);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(archives_equal_directory),
  };
  return cmocka_run_group_tests_name("archive_vs_dir", tests, NULL, NULL);
}
