/* tests/test_fmt_wattmeter.c: OmegaWatt wattmetre-read logs (ingest/fmt_wattmeter.c),
 * one fixture per quirk under tests/fixtures/wattmeter/. */
#include "tests/testlib.h"

#include "ingest/formats.h"

struct fx {
  char *dir;
  struct wdb db;
};

static int setup(void **state) {
  struct fx *f = calloc(1, sizeof *f);
  f->dir = tl_mkdtemp();
  tl_open(&f->db, f->dir, "t.db");
  *state = f;
  return 0;
}

static int teardown(void **state) {
  struct fx *f = *state;
  tl_close(&f->db);
  tl_rmdir(f->dir);
  free(f);
  return 0;
}

/* Ingests one fixture, with FORMAT forced when not NULL. */
static void ingest(struct fx *f, const char *fixture, const char *format) {
  char path[512];
  snprintf(path, sizeof path, "tests/fixtures/wattmeter/%s", fixture);
  struct ingest_options opt = {0};
  if (format) assert_non_null(opt.force_format = format_by_name(format));
  struct ingest_stats stats;
  char *roots[1] = {path};
  msg_quiet = 1;
  assert_int_equal(ingest_paths(&f->db, roots, 1, &opt, &stats), 0);
  msg_quiet = 0;
}

/* Every line is a row, a rejected row or a skipped line, for every file. */
static void assert_accounted(struct fx *f) {
  assert_int_equal(tl_int(&f->db, "SELECT count(*) FROM source_file WHERE status IN ('ok','partial') "
                                  "AND lines <> skipped_lines + rows_ok + rows_rejected"),
                   0);
  assert_int_equal(tl_int(&f->db, "SELECT count(*) FROM source_file s WHERE rows_rejected <> "
                                  "(SELECT count(*) FROM rejected_row r WHERE r.file_id = s.id)"),
                   0);
}

/* The real logger's dialect: 9-digit ns epoch (UTC), -0.0, six sockets. */
static void basic_six_sockets(void **state) {
  struct fx *f = *state;
  ingest(f, "basic-nb6.csv", NULL);
  assert_string_equal(tl_text(&f->db, "SELECT format||' '||format_version||' '||status||' '||"
                                      "time_convention FROM source_file"),
                      "wattmeter nb6 ok utc");
  assert_int_equal(tl_int(&f->db, "SELECT count(*) FROM wattmeter_frame"), 3);
  assert_int_equal(tl_int(&f->db, "SELECT ts_us FROM wattmeter_frame WHERE line = 2"),
                   1745428511039678LL);
  assert_true(tl_real(&f->db, "SELECT p5_w FROM wattmeter_frame WHERE line = 3") == 184.0);
  assert_true(tl_real(&f->db, "SELECT p2_w FROM wattmeter_frame WHERE line = 2") == 0.0);
  assert_int_equal(tl_int(&f->db, "SELECT count(*) FROM wattmeter_socket"), 18);
  assert_int_equal(tl_int(&f->db, "SELECT sockets FROM wattmeter_file"), 6);
  assert_accounted(f);
}

/* wattmetre-read's stderr (2>&1) puts an INFO line before the header. */
static void stray_first_line_is_skipped(void **state) {
  struct fx *f = *state;
  ingest(f, "stray-first-line.csv", NULL);
  assert_string_equal(tl_text(&f->db, "SELECT status FROM source_file"), "ok");
  assert_int_equal(tl_int(&f->db, "SELECT skipped_lines FROM source_file"), 2);
  assert_int_equal(tl_int(&f->db, "SELECT rows_ok FROM source_file"), 2);
  assert_accounted(f);
}

/* Bad frames keep their commas with empty fields; diagnostics interleave; nan
 * readings print as nan/-nan. */
static void false_frames_are_kept_without_readings(void **state) {
  struct fx *f = *state;
  ingest(f, "false-frames-and-messages.csv", NULL);
  assert_int_equal(tl_int(&f->db, "SELECT count(*) FROM wattmeter_frame"), 4);
  assert_int_equal(tl_int(&f->db, "SELECT ok FROM wattmeter_frame WHERE line = 3"), 0);
  assert_int_equal(tl_int(&f->db, "SELECT count(*) FROM wattmeter_frame WHERE line = 3 AND "
                                  "p1_w IS NULL AND u1_v IS NULL"),
                   1);
  assert_int_equal(tl_int(&f->db, "SELECT count(*) FROM wattmeter_frame WHERE line = 6 AND ok AND "
                                  "i1_a IS NULL AND p1_w IS NULL AND u1_v = 230"),
                   1);
  assert_int_equal(tl_int(&f->db, "SELECT skipped_lines FROM source_file"), 2); /* header, CRC */
  assert_string_equal(tl_text(&f->db, "SELECT status FROM source_file"), "ok");
  assert_accounted(f);
}

/* The logger is killed by SIGUSR1 without flushing: the last line is cut. */
static void torn_tail_is_rejected_as_truncated(void **state) {
  struct fx *f = *state;
  ingest(f, "torn-tail.csv", NULL);
  assert_string_equal(tl_text(&f->db, "SELECT status FROM source_file"), "partial");
  assert_int_equal(tl_int(&f->db, "SELECT count(*) FROM wattmeter_frame"), 2);
  assert_string_equal(tl_text(&f->db, "SELECT reason FROM rejected_row WHERE line = 4"),
                      "truncated");
  assert_accounted(f);
}

/* --nb=12: two banks of six sockets per frame, each socket in the view. */
static void twelve_sockets_in_two_banks(void **state) {
  struct fx *f = *state;
  ingest(f, "twelve-sockets.csv", NULL);
  assert_int_equal(tl_int(&f->db, "SELECT count(*) FROM wattmeter_frame"), 4);
  assert_int_equal(tl_int(&f->db, "SELECT count(*) FROM wattmeter_socket"), 24);
  assert_true(tl_real(&f->db, "SELECT power_w FROM wattmeter_socket WHERE line = 2 AND socket = 12") ==
              12.0);
  assert_true(tl_real(&f->db, "SELECT power_w FROM wattmeter_socket WHERE line = 3 AND socket = 7") ==
              7.0);
  assert_int_equal(tl_int(&f->db, "SELECT count(*) FROM wattmeter_frame WHERE bank = 1 AND u1_v IS NULL"),
                   2);
  assert_int_equal(tl_int(&f->db, "SELECT rows_ok FROM source_file"), 2);
  assert_accounted(f);
}

/* A diagnostic printed without newline ("detect '6' plugs.") glues the header
 * onto its line. */
static void header_glued_after_a_message(void **state) {
  struct fx *f = *state;
  ingest(f, "glued-header.csv", NULL);
  assert_string_equal(tl_text(&f->db, "SELECT format FROM source_file"), "wattmeter");
  assert_int_equal(tl_int(&f->db, "SELECT count(*) FROM wattmeter_frame"), 1);
  assert_accounted(f);
}

/* Without a header (nothing to bid on) --format reads the standard layout; a
 * short frame and a foreign line are rejected with their own reasons. */
static void headerless_with_format_override(void **state) {
  struct fx *f = *state;
  ingest(f, "headerless-and-bad-lines.csv", NULL);
  assert_string_equal(tl_text(&f->db, "SELECT status||' '||error FROM source_file"),
                      "rejected unrecognised format");
  ingest(f, "headerless-and-bad-lines.csv", "wattmeter");
  /* same size and mtime but no format before: read again with the override */
  assert_string_equal(tl_text(&f->db, "SELECT format||' '||format_version||' '||status FROM source_file"),
                      "wattmeter headerless partial");
  assert_int_equal(tl_int(&f->db, "SELECT count(*) FROM wattmeter_frame"), 2);
  assert_string_equal(tl_text(&f->db, "SELECT group_concat(reason, ' ') FROM "
                                      "(SELECT reason FROM rejected_row ORDER BY line)"),
                      "field_count not_a_frame");
  assert_accounted(f);
}

/* Epoch seconds past 9999-12-31 (13 digits and more; 20 used to overflow the
 * conversion to µs) reject their frame ('bad_time'), never stored. */
static void epoch_seconds_out_of_range_are_rejected(void **state) {
  struct fx *f = *state;
  char *dir = tl_mkdtemp();
  tl_write_str(dir, "wm.csv",
               "#timestamp,#frame_is_ok,#U1,#U2,#U3,#current1,#activepow1\n"
               "1745428511.039678535,true,239.4,0.0,0.0,0.1,0.9\n"
               "253402300800.000000000,true,239.4,0.0,0.0,0.1,0.9\n"
               "99999999999999999999.039678535,true,239.4,0.0,0.0,0.1,0.9\n"
               "1745428511.0396785351,true,239.4,0.0,0.0,0.1,0.9\n");
  struct ingest_options opt = {0};
  struct ingest_stats stats;
  char *roots[1] = {dir};
  msg_quiet = 1;
  assert_int_equal(ingest_paths(&f->db, roots, 1, &opt, &stats), 0);
  msg_quiet = 0;
  tl_rmdir(dir);
  assert_string_equal(tl_text(&f->db, "SELECT group_concat(line||':'||col||':'||reason, ' ') FROM (SELECT * "
                                      "FROM rejected_row ORDER BY line)"),
                      "3:1:bad_time 4:1:bad_time 5:1:bad_time");
  assert_int_equal(tl_int(&f->db, "SELECT count(*) FROM wattmeter_frame"), 1);
  assert_int_equal(tl_int(&f->db, "SELECT ts_us FROM wattmeter_frame"), 1745428511039678LL);
}

/* What the parser stores of each log as it reads it (wattmeter_file's span,
 * wattmeter_series) is what SQL over the frames it stored gives: the span of
 * the frames and of bank 0, and per socket of the file with a reading in a
 * good frame the readings, their first and last time, the time bridged (the
 * intervals up to the gap limit it records) and the trapezoid's energy. The
 * limit is gap_periods mean periods per line of the first bank-0 frames (here
 * every frame: the fixtures are short). */
static void series_are_those_of_the_frames(void **state) {
  struct fx *f = *state;
  ingest(f, "", NULL); /* every fixture */
  long long logs = tl_int(&f->db, "SELECT count(*) FROM wattmeter_file");
  assert_true(logs >= 6);
  assert_int_equal(tl_int(&f->db,
                          "SELECT count(*) FROM wattmeter_file w WHERE"
                          " first_us = (SELECT min(ts_us) FROM wattmeter_frame m WHERE m.file_id = w.file_id)"
                          " AND last_us = (SELECT max(ts_us) FROM wattmeter_frame m WHERE m.file_id = w.file_id)"
                          " AND bank0_frames = (SELECT count(*) FROM wattmeter_frame m"
                          "                     WHERE m.file_id = w.file_id AND bank = 0)"
                          " AND bank0_first_us IS (SELECT min(ts_us) FROM wattmeter_frame m"
                          "                        WHERE m.file_id = w.file_id AND bank = 0)"
                          " AND bank0_last_us IS (SELECT max(ts_us) FROM wattmeter_frame m"
                          "                       WHERE m.file_id = w.file_id AND bank = 0)"
                          " AND gap_us = (SELECT (SELECT gap_periods FROM model) * CAST(max(ts_us) - min(ts_us) AS REAL)"
                          "               / max(max(line) - min(line), 1)"
                          "               FROM wattmeter_frame m WHERE m.file_id = w.file_id AND bank = 0)"),
                   logs);
  static const char by_sql[] =
      "WITH r AS ("
      "  SELECT s.file_id, s.socket, s.line, s.ts_us, s.power_w,"
      "         s.ts_us - lag(s.ts_us) OVER w AS dt, (s.power_w + lag(s.power_w) OVER w) / 2 AS pm"
      "  FROM wattmeter_socket s JOIN wattmeter_file f ON f.file_id = s.file_id AND s.socket <= f.sockets"
      "  WHERE s.ok AND s.power_w IS NOT NULL"
      "  WINDOW w AS (PARTITION BY s.file_id, s.socket ORDER BY s.line)"
      ")"
      "SELECT r.file_id, r.socket, count(*) AS n, min(ts_us) AS lo, max(ts_us) AS hi,"
      "       total(CASE WHEN dt <= f.gap_us THEN dt END) AS covered,"
      "       total(CASE WHEN dt <= f.gap_us THEN pm * dt END) AS energy"
      " FROM r JOIN wattmeter_file f ON f.file_id = r.file_id GROUP BY r.file_id, r.socket";
  long long series = tl_int(&f->db, "SELECT count(*) FROM wattmeter_series");
  assert_true(series >= 6 * logs);
  assert_int_equal(tl_int(&f->db, "SELECT count(*) FROM (%s)", by_sql), series);
  assert_int_equal(tl_int(&f->db,
                          "SELECT count(*) FROM (%s) q JOIN wattmeter_series w"
                          " ON w.file_id = q.file_id AND 6 * w.bank + w.k = q.socket"
                          " WHERE w.samples = q.n AND w.first_us = q.lo AND w.last_us = q.hi"
                          " AND w.covered_us = q.covered AND abs(w.energy_wus - q.energy) <= 1e-9 * abs(q.energy)",
                          by_sql),
                   series);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(basic_six_sockets, setup, teardown),
      cmocka_unit_test_setup_teardown(series_are_those_of_the_frames, setup, teardown),
      cmocka_unit_test_setup_teardown(stray_first_line_is_skipped, setup, teardown),
      cmocka_unit_test_setup_teardown(false_frames_are_kept_without_readings, setup, teardown),
      cmocka_unit_test_setup_teardown(torn_tail_is_rejected_as_truncated, setup, teardown),
      cmocka_unit_test_setup_teardown(twelve_sockets_in_two_banks, setup, teardown),
      cmocka_unit_test_setup_teardown(header_glued_after_a_message, setup, teardown),
      cmocka_unit_test_setup_teardown(headerless_with_format_override, setup, teardown),
      cmocka_unit_test_setup_teardown(epoch_seconds_out_of_range_are_rejected, setup, teardown),
  };
  return cmocka_run_group_tests_name("fmt_wattmeter", tests, NULL, NULL);
}
