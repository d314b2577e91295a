/* tests/test_archive_api.c: libarchive loaded at run time (ingest/archive_api.c):
 * the library the Makefile names loads with every call the ingest makes, and
 * reads an archive through them; loading it again works; a library that is
 * not installed is an error that names it and the package to install, and
 * leaves no half-filled table of calls. The last is ingest/archive_api.c built
 * a second time in this file with a soname no machine has, its functions
 * renamed so that both builds link. */
#include "tests/testlib.h"

#include "ingest/archive_api.h"

#define archive_api_load absent_archive_api_load
#define archive_api_unload absent_archive_api_unload
#undef WATTDB_LIBARCHIVE
#define WATTDB_LIBARCHIVE "libwattdb-absent-archive.so.0"
int absent_archive_api_load(struct archive_api *api, char *why, size_t size);
void absent_archive_api_unload(struct archive_api *api);
#include "ingest/archive_api.c"
#undef archive_api_load
#undef archive_api_unload

/* A ustar archive of one member NAME holding TEXT, written to PATH by hand
 * (512-byte header, data padded to 512, two zero blocks). */
static void write_tar(const char *path, const char *name, const char *text) {
  unsigned char header[512] = {0};
  size_t n = strlen(text);
  snprintf((char *)header, 100, "%s", name);
  snprintf((char *)header + 100, 8, "%07o", 0644);
  snprintf((char *)header + 108, 8, "%07o", 0);
  snprintf((char *)header + 116, 8, "%07o", 0);
  snprintf((char *)header + 124, 12, "%011o", (unsigned)n);
  snprintf((char *)header + 136, 12, "%011o", 1796342400u);
  header[156] = '0';
  memcpy(header + 257, "ustar", 6);
  memcpy(header + 263, "00", 2);
  memset(header + 148, ' ', 8);
  unsigned sum = 0;
  for (size_t i = 0; i < sizeof header; i++) sum += header[i];
  snprintf((char *)header + 148, 8, "%06o", sum);
  FILE *f = fopen(path, "wb");
  assert_non_null(f);
  unsigned char zero[1024] = {0};
  assert_int_equal(fwrite(header, 1, sizeof header, f), sizeof header);
  assert_int_equal(fwrite(text, 1, n, f), n);
  size_t pad = (512 - n % 512) % 512;
  assert_int_equal(fwrite(zero, 1, pad, f), pad);
  assert_int_equal(fwrite(zero, 1, sizeof zero, f), sizeof zero);
  assert_int_equal(fclose(f), 0);
}

static void every_call_is_loaded(void **state) {
  (void)state;
  struct archive_api api;
  char why[512] = "";
  assert_int_equal(archive_api_load(&api, why, sizeof why), 0);
  assert_non_null(api.lib);
  /* the table is pointers only, after lib: every one of them set */
  void *const *call = (void *const *)&api.read_new;
  size_t calls = (sizeof api - offsetof(struct archive_api, read_new)) / sizeof(void *);
  assert_int_equal(calls, 14);
  for (size_t i = 0; i < calls; i++) assert_non_null(call[i]);
  archive_api_unload(&api);
  assert_null(api.lib);
  assert_null(api.read_new);
}

static void an_archive_is_read_through_the_calls(void **state) {
  (void)state;
  char *dir = tl_mkdtemp();
  char path[1024];
  snprintf(path, sizeof path, "%s/one.tar", dir);
  write_tar(path, "run-1/gpu-power.csv", "timestamp,power\n1,2\n");
  struct archive_api api;
  char why[512] = "";
  for (int round = 0; round < 2; round++) { /* loading again works */
    assert_int_equal(archive_api_load(&api, why, sizeof why), 0);
    struct archive *ar = api.read_new();
    assert_non_null(ar);
    api.read_support_filter_all(ar);
    api.read_support_format_all(ar);
    assert_int_equal(api.read_open_filename(ar, path, 4096), ARCHIVE_OK);
    struct archive_entry *entry;
    assert_int_equal(api.read_next_header(ar, &entry), ARCHIVE_OK);
    assert_string_equal(api.entry_pathname(entry), "run-1/gpu-power.csv");
    assert_true(api.entry_size_is_set(entry));
    assert_int_equal(api.entry_size(entry), 20);
    assert_int_equal(api.entry_mtime(entry), 1796342400);
    const void *block;
    size_t size;
    la_int64_t offset;
    assert_int_equal(api.read_data_block(ar, &block, &size, &offset), ARCHIVE_OK);
    assert_int_equal(size, 20);
    assert_memory_equal(block, "timestamp,power\n1,2\n", 20);
    assert_int_equal(api.read_next_header(ar, &entry), ARCHIVE_EOF);
    assert_int_equal(api.read_free(ar), ARCHIVE_OK);
    archive_api_unload(&api);
  }
  tl_rmdir(dir);
}

static void a_file_that_is_no_archive_says_why(void **state) {
  (void)state;
  char *dir = tl_mkdtemp();
  tl_write(dir, "not.zip", "", 0);
  char path[1024];
  snprintf(path, sizeof path, "%s/not.zip", dir);
  struct archive_api api;
  char why[512] = "";
  assert_int_equal(archive_api_load(&api, why, sizeof why), 0);
  struct archive *ar = api.read_new();
  api.read_support_filter_all(ar);
  api.read_support_format_all(ar);
  int rc = api.read_open_filename(ar, path, 4096);
  struct archive_entry *entry;
  if (rc == ARCHIVE_OK) rc = api.read_next_header(ar, &entry);
  assert_true(rc != ARCHIVE_OK);
  if (rc != ARCHIVE_EOF) {
    assert_non_null(api.error_string(ar));
    assert_true(strlen(api.error_string(ar)) > 0);
  }
  api.read_free(ar);
  archive_api_unload(&api);
  tl_rmdir(dir);
}

static void a_missing_library_names_the_package(void **state) {
  (void)state;
  struct archive_api api;
  memset(&api, 0xab, sizeof api);
  char why[512] = "";
  assert_int_equal(absent_archive_api_load(&api, why, sizeof why), -1);
  assert_non_null(strstr(why, "libwattdb-absent-archive.so.0"));
  assert_non_null(strstr(why, "install the libarchive13 package"));
  assert_null(api.lib);
  assert_null(api.read_new);
  assert_null(api.entry_mtime);
  absent_archive_api_unload(&api); /* harmless on what failed to load */
  assert_null(api.lib);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(every_call_is_loaded),
      cmocka_unit_test(an_archive_is_read_through_the_calls),
      cmocka_unit_test(a_file_that_is_no_archive_says_why),
      cmocka_unit_test(a_missing_library_names_the_package),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
