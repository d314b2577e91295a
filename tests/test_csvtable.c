/* tests/test_csvtable.c: the declared CSV formats (ingest/csvtable.c), through
 * a format of this test that stores into eprof_cpu_sample: each column kind,
 * a column in another unit filling the first one's place, a scale, a value
 * below zero, a column that needs a value, sentinels noted, the header's width
 * as format version, and the lines that cannot be read, each with its column. */
#include "tests/testlib.h"

#include "ingest/csvtable.h"
#include "tests/fmtlib.h"

enum { C_TIME, C_CPU, C_RSS, C_TEMP, C_GB, C_MB, NCOL };

static const struct csv_column columns[NCOL] = {
    [C_TIME] = {.spec = {{"when", "time"}, 1}, .kind = CELL_TIME, .stored_as = "ts_us"},
    [C_CPU] = {.spec = {{"cpu"}, 1}, .kind = CELL_REAL, .what = "percent", .stored_as = "cpu_pct", .nonnegative = 1, .needs_value = 1},
    [C_RSS] = {.spec = {{"rss_kb"}, 0}, .kind = CELL_REAL, .what = "kB", .stored_as = "rss_mb", .scale = 1e-3},
    [C_TEMP] = {.spec = {{"temp"}, 0}, .kind = CELL_REAL, .what = "degrees", .stored_as = "temp_c"},
    [C_GB] = {.spec = {{"ram_gb"}, 0}, .kind = CELL_REAL, .what = "GB", .stored_as = "total_ram_gb"},
    [C_MB] = {.spec = {{"ram_mb"}, 0}, .kind = CELL_REAL, .what = "MB", .stored_as = "total_ram_gb", .scale = 1e-3, .instead_of = C_GB + 1},
};

static const struct csv_table table = {
    .insert = "INSERT INTO eprof_cpu_sample(file_id, line, ts_us, cpu_pct, rss_mb, temp_c, total_ram_gb) "
    "VALUES (?,?,?,?,?,?,?)",
    .columns = columns,
    .ncolumns = NCOL,
    .delim = ';',
    .version_is_width = 1,
};

static int bid_never(const struct sniff *s) {
  (void)s;
  return BID_NONE;
}

static const struct format fmt_declared = {
    .name = "test-declared", .version = 1, .bid = bid_never, .table = &table,
};

static void ingest_text(struct fx *f, const char *text) {
  tl_write_str(f->dir, "in/t.csv", text);
  char root[600];
  snprintf(root, sizeof root, "%s/in", f->dir);
  struct ingest_options opt = {.force_format = &fmt_declared};
  struct ingest_stats stats;
  char *roots[1] = {root};
  msg_quiet = 1;
  assert_int_equal(ingest_paths(&f->db, roots, 1, &opt, &stats), 0);
  msg_quiet = 0;
  fx_assert_accounted(f);
}

static const char *row(struct fx *f, int line) {
  return tl_text(&f->db, "SELECT printf('%%s|%%s|%%s|%%s|%%s', ts_us, cpu_pct, rss_mb, temp_c, total_ram_gb)"
                         " FROM eprof_cpu_sample WHERE line = %d", line);
}

/* Columns found by any of their names, in any order; a unit's scale; the
 * other spelling of a column used only where the first has no value; empty
 * numbers and sentinels NULL, the sentinels noted; the format version. */
static void values_by_kind(void **state) {
  struct fx *f = *state;
  ingest_text(f, "ram_mb;temp;cpu;time;ram_gb;rss_kb\n"
                 "16000;30;12.5;2024-01-01 10:00:00;;2048\n"
                 "16000;;1;2024-01-01 10:00:01;32;\n"
                 "[N/A];nan;0;2024-01-01 10:00:02;;1\n");
  assert_string_equal(row(f, 2), "1704103200000000|12.5|2.048|30.0|16.0");
  assert_string_equal(row(f, 3), "1704103201000000|1.0|||32.0");
  assert_string_equal(row(f, 4), "1704103202000000|0.0|0.001||");
  assert_string_equal(tl_text(&f->db, "SELECT group_concat(name || '@' || line || ':' || col || '=' || text, ' ')"
                                      " FROM (SELECT * FROM unparsed_value ORDER BY line, col)"),
                      "total_ram_gb@4:1=[N/A] temp_c@4:2=nan");
  assert_string_equal(tl_text(&f->db, "SELECT format_version FROM source_file"), "6col");
}

/* Each line that cannot be read is rejected with its reason and column; the
 * others are stored. */
static void unreadable_lines_are_rejected(void **state) {
  struct fx *f = *state;
  ingest_text(f, "time;cpu;temp\n"
                 "2024-01-01 10:00:00;1;20\n"
                 "yesterday;1;20\n"
                 ";1;20\n"
                 "2024-01-01 10:00:03;;20\n"
                 "2024-01-01 10:00:04;-1;20\n"
                 "2024-01-01 10:00:05;1;warm\n"
                 "2024-01-01 10:00:06;1;20;extra\n"
                 "time;cpu;temp\n"
                 "2024-01-01 10:00:07;2;21\n");
  assert_int_equal(tl_int(&f->db, "SELECT count(*) FROM eprof_cpu_sample"), 2);
  assert_string_equal(tl_text(&f->db, "SELECT group_concat(line || ':' || reason || ':' || message, ' | ')"
                                      " FROM (SELECT * FROM rejected_row ORDER BY line)"),
                      "3:bad_time:cannot parse 'yesterday' as a time | "
                      "4:bad_time:cannot parse '' as a time | "
                      "5:bad_number:cannot parse '' as percent | "
                      "6:bad_number:cannot parse '-1' as percent | "
                      "7:bad_number:cannot parse 'warm' as degrees | "
                      "8:field_count:expected 3 fields, found 4");
  assert_int_equal(tl_int(&f->db, "SELECT skipped_lines FROM source_file"), 2);
}

/* A header without a required column refuses the file, naming it. */
static void missing_column_refuses_the_file(void **state) {
  struct fx *f = *state;
  ingest_text(f, "time;temp\n2024-01-01 10:00:00;20\n");
  assert_string_equal(tl_text(&f->db, "SELECT status FROM source_file"), "rejected");
  assert_non_null(strstr(tl_text(&f->db, "SELECT error FROM source_file"), "cpu"));
  assert_int_equal(tl_int(&f->db, "SELECT count(*) FROM eprof_cpu_sample"), 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(values_by_kind, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(unreadable_lines_are_rejected, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(missing_column_refuses_the_file, fx_setup, fx_teardown),
  };
  return cmocka_run_group_tests_name("csvtable", tests, NULL, NULL);
}
