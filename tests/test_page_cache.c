/* tests/test_page_cache.c: an ingest leaves the files it read out of the page
 * cache (ingest/source.h, SOURCE_UNCACHE), so that a large ingest does not
 * fill it. Residency is read with mincore(2); where the page cache cannot be
 * observed or pages cannot be dropped (tmpfs), the test skips. */
#include "tests/testlib.h"
#include "tests/ingest_checks.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/vfs.h>

#define TMPFS_MAGIC_NUMBER 0x01021994

/* t.db: a new database, made before each test */
IC_SUITE_FIXTURE(t)

/* Pages of the file at PATH that are in the page cache, and its pages in *ALL. */
static size_t resident_pages(const char *path, size_t *all) {
  int fd = open(path, O_RDONLY);
  assert_true(fd >= 0);
  struct stat st;
  assert_int_equal(fstat(fd, &st), 0);
  long page = sysconf(_SC_PAGESIZE);
  size_t n = ((size_t)st.st_size + (size_t)page - 1) / (size_t)page;
  void *map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED, fd, 0);
  assert_true(map != MAP_FAILED);
  unsigned char *vec = malloc(n);
  assert_non_null(vec);
  assert_int_equal(mincore(map, (size_t)st.st_size, vec), 0);
  size_t in = 0;
  for (size_t i = 0; i < n; i++) in += vec[i] & 1;
  free(vec);
  munmap(map, (size_t)st.st_size);
  close(fd);
  *all = n;
  return in;
}

/* A 4 MB nvidia-smi log, on disk and read into the page cache before: after
 * its ingest, (almost) none of its pages are cached, and its rows are all there. */
static void an_ingested_file_leaves_the_page_cache(void **state) {
  (void)state;
  struct statfs fs;
  assert_int_equal(statfs(t.dir, &fs), 0);
  if (fs.f_type == TMPFS_MAGIC_NUMBER) skip(); /* tmpfs pages are the file: never dropped */

  enum { LINES = 120000 };
  size_t cap = 64 + (size_t)LINES * 96, used = 0;
  char *text = malloc(cap);
  assert_non_null(text);
  used += (size_t)snprintf(text, cap, "timestamp, index, power.draw [W]\n");
  for (int i = 0; i < LINES; i++)
    used += (size_t)snprintf(text + used, cap - used, "2023/12/18 20:%02d:%02d.%03d, %d, %d.%02d W\n",
                             (i / 20000) % 60, (i / 200) % 60, (i * 5) % 1000, i % 2, 20 + i % 80, i % 100);
  tl_write(t.dir, "logs/gpus.csv", text, used);
  free(text);

  char path[600];
  snprintf(path, sizeof path, "%s/logs/gpus.csv", t.dir);
  int fd = open(path, O_RDONLY);
  assert_true(fd >= 0);
  assert_int_equal(fsync(fd), 0); /* clean pages: ones the kernel may drop */
  char buf[65536];
  while (read(fd, buf, sizeof buf) > 0) {}
  close(fd);
  size_t pages, before = resident_pages(path, &pages);
  if (before < pages / 2) skip(); /* the page cache is not observable here */

  char root[600];
  snprintf(root, sizeof root, "%s/logs", t.dir);
  tl_ingest(&t.db, root);
  assert_int_equal(tl_int(&t.db, "SELECT count(*) FROM nvidia_smi_sample"), LINES);
  size_t after = resident_pages(path, &pages);
  if (after > pages / 20) fail_msg("%zu of the file's %zu pages still cached after its ingest (%zu before)", after, pages, before);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(an_ingested_file_leaves_the_page_cache, setup, teardown),
  };
  return cmocka_run_group_tests_name("page_cache", tests, NULL, NULL);
}
