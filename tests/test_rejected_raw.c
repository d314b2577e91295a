/* tests/test_rejected_raw.c: what rejected_row keeps of a rejected line
 * (ingest/parse.c parse_reject, schema/005_rejected_raw.sql): the first 4096
 * bytes of its text, never splitting a UTF-8 character, and its full length,
 * so that long garbage lines cannot grow the database without bound. */
#include "tests/testlib.h"
#include "tests/ingest_checks.h"

#include "ingest/format.h"
#include "schema/embedded.h"

IC_SUITE_FIXTURE(t)

/* Writes t.dir/in/epoch_end-20240101T000000.csv: the header, one good line,
 * then NBAD lines of LEN bytes each that are not times ("0," then 'a's, a
 * two-byte 'é' at bytes 4095-4096 of the line, then 'b's). Returns the folder. */
static const char *write_long_bad_lines(int nbad, size_t len) {
  static char dir[256];
  snprintf(dir, sizeof dir, "%s/in", t.dir);
  mkdir(dir, 0755);
  size_t head = strlen("epoch,end_time\n0,2024-01-01 00:00:01\n");
  char *text = malloc(head + (size_t)nbad * (len + 1) + 1);
  assert_non_null(text);
  memcpy(text, "epoch,end_time\n0,2024-01-01 00:00:01\n", head);
  char *p = text + head;
  for (int i = 0; i < nbad; i++) {
    memcpy(p, "1,", 2);
    memset(p + 2, 'a', 4093);
    memcpy(p + 4095, "\xc3\xa9", 2);
    memset(p + 4097, 'b', len - 4097);
    p[len] = '\n';
    p += len + 1;
  }
  *p = '\0';
  tl_write_str(dir, "epoch_end-20240101T000000.csv", text);
  free(text);
  return dir;
}

/* A 200 000-byte line keeps 4095 bytes (the 'é' across byte 4096 is not cut
 * in two), and raw_bytes says how long the line was. */
static void long_rejected_line_keeps_4095_bytes_and_its_length(void **state) {
  (void)state;
  ic_ingest(&t.db, write_long_bad_lines(1, 200000), NULL);
  assert_string_equal(tl_text(&t.db, "SELECT line||' '||reason FROM rejected_row"), "3 bad_time");
  assert_int_equal(tl_int(&t.db, "SELECT length(CAST(raw AS BLOB)) FROM rejected_row"), 4095);
  assert_int_equal(tl_int(&t.db, "SELECT raw_bytes FROM rejected_row"), 200000);
  assert_int_equal(tl_int(&t.db, "SELECT raw = '1,' || printf('%%.4093c', 'a') FROM rejected_row"),
                   1);
}

/* A short rejected line is kept whole, raw_bytes equal to its length. */
static void short_rejected_line_is_kept_whole(void **state) {
  (void)state;
  char dir[256];
  snprintf(dir, sizeof dir, "%s/in", t.dir);
  mkdir(dir, 0755);
  tl_write_str(dir, "epoch_end-20240101T000000.csv", "epoch,end_time\n0,2024-13-01 00:00:01\n");
  ic_ingest(&t.db, dir, NULL);
  assert_string_equal(tl_text(&t.db, "SELECT raw||' '||raw_bytes FROM rejected_row"),
                      "0,2024-13-01 00:00:01 21");
}

/* 64 lines of 256 KiB (16 MiB of garbage): the database stays small, where it
 * used to hold every byte of every line. */
static void many_long_rejected_lines_keep_the_database_small(void **state) {
  (void)state;
  static const char size[] = "SELECT page_count * page_size FROM pragma_page_count, pragma_page_size";
  long long empty = tl_int(&t.db, size);
  ic_ingest(&t.db, write_long_bad_lines(64, 256 * 1024), NULL);
  assert_int_equal(tl_int(&t.db, "SELECT count(*) FROM rejected_row"), 64);
  assert_int_equal(tl_int(&t.db, "SELECT sum(raw_bytes) FROM rejected_row"), 64LL * 256 * 1024);
  long long grown = tl_int(&t.db, size) - empty;
  if (grown > 2 * 1024 * 1024) fail_msg("database grown by %lld bytes for 64 rejected lines", grown);
}

/* A database of schema 4 (rejected_row without raw_bytes) is upgraded: its
 * rows get the length of the raw text they hold whole. */
/* A database of schema 4 (the first four schema files, as wattdb wrote them
 * before 005) with a rejected row: opened by this wattdb, it gets 005's column
 * filled with the row's length, and every later file. */
static void schema_4_rows_get_their_length(void **state) {
  (void)state;
  char path[600];
  snprintf(path, sizeof path, "%s/old.db", t.dir);
  sqlite3 *old;
  assert_int_equal(sqlite3_open(path, &old), SQLITE_OK);
  for (int i = 0; i < 4; i++)
    assert_int_equal(sqlite3_exec(old, schema_sql[i].text, NULL, NULL, NULL), SQLITE_OK);
  assert_int_equal(sqlite3_exec(old,
                                "PRAGMA user_version = 4;"
                                "INSERT INTO source_file(id, path, size, mtime, status, ingested_at) "
                                "VALUES (1, 'in/epoch_end-20240101T000000.csv', 20, 0, 'partial', 'then');"
                                "INSERT INTO rejected_row VALUES (1, 2, 2, 'bad_time', 'not a time', "
                                "'0,x\xc3\xa9y');",
                                NULL, NULL, NULL),
                   SQLITE_OK);
  sqlite3_close(old);
  int latest = 0;
  while (schema_sql[latest].name) latest++;
  struct wdb db;
  tl_open(&db, t.dir, "old.db");
  assert_int_equal(tl_int(&db, "PRAGMA user_version"), latest);
  assert_int_equal(tl_int(&db, "SELECT raw_bytes FROM rejected_row"), 6); /* 0,x é y */
  tl_close(&db);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(long_rejected_line_keeps_4095_bytes_and_its_length, setup, teardown),
      cmocka_unit_test_setup_teardown(short_rejected_line_is_kept_whole, setup, teardown),
      cmocka_unit_test_setup_teardown(many_long_rejected_lines_keep_the_database_small, setup, teardown),
      cmocka_unit_test_setup_teardown(schema_4_rows_get_their_length, setup, teardown),
  };
  return cmocka_run_group_tests_name("rejected_raw", tests, NULL, NULL);
}
