/* tests/test_line_mode.c: the line reader's two modes (ingest/lines.h). A
 * record with an odd number of '"' goes on past its newline in LINES_CSV mode
 * (a quoted CSV field holding a newline) and ends at it in LINES_PLAIN mode (a
 * JSON Lines record whose string holds an escaped quote), whatever the block
 * size; and the driver reads a file in the mode its format declares. */
#include "tests/testlib.h"
#include "tests/ingest_checks.h"

#include "ingest/formats.h"
#include "ingest/lines.h"

static int collect(void *ctx, const struct line *ln) {
  struct ic_buf *b = ctx;
  char head[64];
  snprintf(head, sizeof head, "%ld:", ln->number);
  ic_put(b, head);
  ic_put(b, ln->text);
  ic_put(b, "|");
  return 0;
}

static char *lines_of(const char *data, enum line_mode mode, size_t block) {
  struct ic_buf b = {0};
  ic_put(&b, "");
  struct line_reader r;
  line_reader_init(&r, collect, &b);
  r.mode = mode;
  size_t n = strlen(data);
  for (size_t off = 0; off < n; off += block)
    assert_int_equal(line_reader_feed(&r, data + off, off + block <= n ? block : n - off), 0);
  assert_int_equal(line_reader_finish(&r), 0);
  line_reader_free(&r);
  return b.s;
}

/* Three JSON records, the first with one escaped quote (an odd '"' count). */
static const char jsonl[] = "{\"a\": \"say \\\"hi\"}\n{\"b\": 1}\n{\"c\": 2}\n";

static void plain_mode_ends_every_record_at_its_newline(void **state) {
  (void)state;
  for (size_t bs = 1; bs <= 8; bs++) {
    char *got = lines_of(jsonl, LINES_PLAIN, bs);
    assert_string_equal(got, "1:{\"a\": \"say \\\"hi\"}|2:{\"b\": 1}|3:{\"c\": 2}|");
    free(got);
  }
}

static void csv_mode_still_joins_a_quoted_newline(void **state) {
  (void)state;
  for (size_t bs = 1; bs <= 8; bs++) {
    char *got = lines_of(jsonl, LINES_CSV, bs);
    /* the odd quote opens a "field" that no later quote closes: the rest of the
     * input, its last newline included, is one torn record */
    assert_string_equal(got, "1:{\"a\": \"say \\\"hi\"}\n{\"b\": 1}\n{\"c\": 2}\n|");
    free(got);
    got = lines_of("a,\"two\nlines\",b\nc\n", LINES_CSV, bs);
    assert_string_equal(got, "1:a,\"two\nlines\",b|3:c|");
    free(got);
    got = lines_of("a,\"two\nlines\",b\nc\n", LINES_PLAIN, bs);
    assert_string_equal(got, "1:a,\"two|2:lines\",b|3:c|");
    free(got);
  }
}

/* The zeroed reader is in CSV mode: formats that say nothing keep it. */
static void csv_is_the_default(void **state) {
  (void)state;
  struct line_reader r;
  line_reader_init(&r, collect, NULL);
  assert_int_equal(r.mode, LINES_CSV);
  line_reader_free(&r);
  assert_int_equal(format_by_name("codecarbon")->line_mode, LINES_CSV);
  assert_int_equal(format_by_name("aipowermeter")->line_mode, LINES_PLAIN);
}

/* Through the driver: a JSON Lines file whose first record has an odd quote
 * count gives one row per physical line, not one glued record. */
static void driver_reads_in_the_format_mode(void **state) {
  (void)state;
  struct ic_db t;
  ic_fresh(&t);
  char *dir = tl_mkdtemp();
  tl_write_str(dir, "power_metrics.json",
               "{\"date\": \"2023-06-30 16:32:48.000000\", \"metrics\": {\"cpu\": {\"intel_power\": 10.0, "
               "\"note\": \"a \\\"quoted\"}}}\n"
               "{\"date\": \"2023-06-30 16:32:50.000000\", \"metrics\": {\"cpu\": {\"intel_power\": 12.0}}}\n");
  struct ingest_options opt = {0};
  ic_ingest(&t.db, dir, &opt);
  assert_int_equal(tl_int(&t.db, "SELECT count(*) FROM aipowermeter_record"), 2);
  assert_int_equal(tl_int(&t.db, "SELECT rows_ok FROM source_file"), 2);
  ic_done(&t);
  tl_rmdir(dir);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(plain_mode_ends_every_record_at_its_newline),
      cmocka_unit_test(csv_mode_still_joins_a_quoted_newline),
      cmocka_unit_test(csv_is_the_default),
      cmocka_unit_test(driver_reads_in_the_format_mode),
  };
  return cmocka_run_group_tests_name("line_mode", tests, NULL, NULL);
}
