/* tests/test_block_sweep.c: block boundaries change nothing. Every fixture file
 * fed to the line reader (ingest/lines.c) in blocks of 1..N bytes gives the same
 * lines as fed whole, and the whole fixture tree ingested with every block size
 * (struct ingest_options.block_size) gives the same database. */
#include "tests/testlib.h"
#include "tests/ingest_checks.h"

#include "ingest/lines.h"

#define MAX_BLOCK 64

static int collect(void *ctx, const struct line *ln) {
  struct ic_buf *b = ctx;
  char head[64];
  snprintf(head, sizeof head, "%ld|%d|%zu|", ln->number, ln->torn, ln->len);
  ic_put(b, head);
  /* the text may hold no NUL before len: compare it as written */
  assert_int_equal(strlen(ln->text), ln->len);
  ic_put(b, ln->text);
  ic_put(b, "\n");
  return 0;
}

static char *lines_of(const char *data, size_t n, size_t block) {
  struct ic_buf b = {0};
  ic_put(&b, "");
  struct line_reader r;
  line_reader_init(&r, collect, &b);
  for (size_t off = 0; off < n; off += block)
    assert_int_equal(line_reader_feed(&r, data + off, off + block <= n ? block : n - off), 0);
  assert_int_equal(line_reader_finish(&r), 0);
  line_reader_free(&r);
  return b.s;
}

static void line_reader_sweep(void **state) {
  (void)state;
  struct ic_files files = ic_list(IC_FIXTURES);
  assert_true(files.n >= 20);
  for (int i = 0; i < files.n; i++) {
    size_t n;
    char *data = ic_slurp(files.path[i], &n);
    char *whole = lines_of(data, n, n ? n : 1);
    assert_true(strlen(whole) > 0);
    for (size_t bs = 1; bs <= MAX_BLOCK; bs++) {
      char *cut = lines_of(data, n, bs);
      if (strcmp(whole, cut)) fail_msg("%s: blocks of %zu give other lines", files.path[i], bs);
      free(cut);
    }
    free(whole);
    free(data);
  }
  ic_free_files(&files);
}

/* A line reader sanity check, so that the sweep above compares real lines: the
 * UTF-16LE fixture has 3 lines, CRLF removed, the last one terminated. */
static void utf16_lines_are_transcoded(void **state) {
  (void)state;
  size_t n;
  char *data = ic_slurp(IC_FIXTURES "/raw/local/vgg16/caltech101/cpu-mem-usage-20231218T215000.csv", &n);
  char *lines = lines_of(data, n, 3);
  assert_string_equal(lines,
                      "1|0|63|timestamp,cpu usage (%),memory usage (MB),temperature (Celsius)\n"
                      "2|0|43|2023-12-18T21:50:01.500000,3.25,8000.5,41.0\n"
                      "3|0|43|2023-12-18T21:50:02.500000,4.5,8001.75,41.5\n");
  free(lines);
  free(data);
}

/* The whole fixture tree, in blocks of 1 to MAX_BLOCK bytes, gives one database. */
static void ingest_sweep_fixture_tree(void **state) {
  (void)state;
  ic_block_sweep(IC_FIXTURES, "eprof_gpu_sample", MAX_BLOCK);
}

/* A file longer than the driver's 64 KiB sniffing head, so that lines also
 * straddle the head and the blocks read after it. Last line torn. */
static void ingest_sweep_beyond_the_head(void **state) {
  (void)state;
  char *dir = tl_mkdtemp();
  struct ic_buf b = {0};
  ic_put(&b, "timestamp,gpu_name,gpu_usage,gpu_memory_usage,gpu_total_memory,gpu_memory_used,"
             "gpu_power_draw,gpu_max_power,gpu_temperature\r\n");
  for (int i = 0; i < 1200; i++) {
    char line[256];
    snprintf(line, sizeof line, "2022-12-05 10:%02d:%02d.%03d,NVIDIA GeForce RTX 3090,%d %%,%d %%,24268 MiB,"
             "%d MiB,%d.%02d W,350.00 W,%d\r\n", i / 60 % 60, i % 60, i % 1000, i % 100, i % 37,
             20000 + i, 100 + i % 200, i % 100, 40 + i % 30);
    ic_put(&b, line);
  }
  ic_put(&b, "2022-12-05 11:00:00.000,NVIDIA Ge");
  assert_true(b.len > 70000);
  tl_write(dir, "raw/cloud/vgg16/ds/gpu-power-20221205T100000.csv", b.s, b.len);
  free(b.s);
  char root[1024];
  snprintf(root, sizeof root, "%s/raw", dir);
  char *whole = ic_dump_with_blocks(root, 0);
  assert_non_null(strstr(whole, "'truncated'"));
  static const size_t sizes[] = {1, 2, 3, 7, 100, 4095, 65535, 65536, 65537, 70001};
  for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
    char *cut = ic_dump_with_blocks(root, sizes[i]);
    char what[64];
    snprintf(what, sizeof what, "block size %zu", sizes[i]);
    ic_same_dump(whole, cut, what);
    free(cut);
  }
  free(whole);
  tl_rmdir(dir);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(line_reader_sweep),
      cmocka_unit_test(utf16_lines_are_transcoded),
      cmocka_unit_test(ingest_sweep_fixture_tree),
      cmocka_unit_test(ingest_sweep_beyond_the_head),
  };
  return cmocka_run_group_tests_name("block_sweep", tests, NULL, NULL);
}
