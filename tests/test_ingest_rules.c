/* tests/test_ingest_rules.c: the driver's rules (ingest/ingest.c): unchanged files are not read, changed files replace their rows in one
 * transaction, the same bytes at another path are a duplicate (directory moved,
 * zip after directory, directory after zip, and the owner changing while a
 * duplicate remains), a growing file with a torn tail, a file no format takes,
 * and a file refused whole with its rows rolled back. */
#include "tests/testlib.h"
#include "tests/ingest_checks.h"

#include <fcntl.h>
#include <sys/stat.h>

#include "ingest/format.h"

#define GPU_A "raw/cloud/mobilenet_v2/chesslive-occupancy/gpu-power-20221205T095541.csv"

static const char gpu_header[] =
    "timestamp,gpu_name,gpu_usage,gpu_memory_usage,gpu_total_memory,gpu_memory_used,"
    "gpu_power_draw,gpu_max_power,gpu_temperature\n";

/* A gpu-power line at second S with power W (text). */
static void gpu_line(char *out, size_t cap, int s, const char *w) {
  snprintf(out, cap, "2022-12-05 10:00:%02d.000,NVIDIA GeForce RTX 3090,50 %%,20 %%,24268 MiB,1000 MiB,%s W,"
           "350.00 W,50\n", s, w);
}

static char *path_in(const char *dir, const char *rel) {
  static char buf[4][2048];
  static int k;
  k = (k + 1) % 4;
  snprintf(buf[k], sizeof buf[k], "%s/%s", dir, rel);
  return buf[k];
}

/* Moves DIR/REL's mtime by DELTA seconds, so that a rewrite in the same second
 * is seen as a change even at equal size. */
static void touch_by(const char *dir, const char *rel, int delta) {
  struct stat st;
  assert_int_equal(stat(path_in(dir, rel), &st), 0);
  struct timespec ts[2] = {{st.st_mtime + delta, 0}, {st.st_mtime + delta, 0}};
  assert_int_equal(utimensat(AT_FDCWD, path_in(dir, rel), ts, 0), 0);
}

/* All rows of every table keyed by file (raw tables, rejected_row, unparsed_value). */
static long long all_file_rows(struct wdb *db) {
  char **t = ic_file_tables(db, 0);
  long long n = 0;
  for (int i = 0; t[i]; i++) n += tl_int(db, "SELECT count(*) FROM \"%s\"", t[i]);
  ic_free_names(t);
  return n;
}

/* 5a. The second ingest reads no byte: the stats count none, and the unreadable
 * file (chmod 000; root reads it anyway, hence the byte count) is not reported.
 * Files are looked up in the catalog held in memory (KNOWN_MAX 0) or, beyond
 * the most it holds, through the reading thread's own connection (KNOWN_MAX 1). */
static void unchanged_files_not_read_with(long known_max) {
  struct ingest_options opt = {.known_files_max = known_max};
  struct ic_db t;
  ic_fresh(&t);
  ic_copy_fixtures(t.dir, "tree");
  char *root = path_in(t.dir, "tree");
  struct ingest_stats s1 = ic_ingest(&t.db, root, NULL);
  assert_true(s1.bytes > 0);
  assert_int_equal(s1.unchanged, 0);
  char *before = ic_dump(&t.db, 1);
  assert_int_equal(chmod(path_in(t.dir, "tree/" GPU_A), 0), 0);
  struct ingest_stats s2 = ic_ingest(&t.db, root, &opt);
  assert_int_equal(chmod(path_in(t.dir, "tree/" GPU_A), 0644), 0);
  assert_int_equal(s2.files, s1.files);
  assert_int_equal(s2.unchanged, s1.files);
  assert_int_equal(s2.bytes, 0);
  assert_int_equal(s2.read + s2.rejected_files + s2.duplicates, 0);
  char *after = ic_dump(&t.db, 1);
  ic_same_dump(before, after, "second ingest");
  free(before);
  free(after);
  ic_check_accounting(&t.db);
  ic_done(&t);
}

static void unchanged_files_are_not_read(void **state) {
  (void)state;
  unchanged_files_not_read_with(0);
}

static void unchanged_files_are_not_read_beyond_the_catalog_in_memory(void **state) {
  (void)state;
  unchanged_files_not_read_with(1);
}

/* 5b. Same path, new content: the old rows go, the new ones come, the counts follow. */
static void changed_file_replaces_its_rows(void **state) {
  (void)state;
  struct ic_db t;
  ic_fresh(&t);
  ic_copy_fixtures(t.dir, "tree");
  char *root = path_in(t.dir, "tree");
  struct ingest_stats s1 = ic_ingest(&t.db, root, NULL);
  long long gpu_rows = tl_int(&t.db, "SELECT count(*) FROM eprof_gpu_sample");
  assert_int_equal(tl_int(&t.db, "SELECT rows_ok FROM source_file WHERE path='%s'", GPU_A), 3);
  char text[4096], line[256];
  snprintf(text, sizeof text, "%s", gpu_header);
  gpu_line(line, sizeof line, 1, "1.5");
  strcat(text, line);
  gpu_line(line, sizeof line, 2, "2.5");
  strcat(text, line);
  tl_write_str(path_in(t.dir, "tree"), GPU_A, text);
  touch_by(t.dir, "tree/" GPU_A, 10);
  struct ingest_stats s2 = ic_ingest(&t.db, root, NULL);
  assert_int_equal(s2.read, 1);
  assert_int_equal(s2.unchanged, s1.files - 1);
  long long f = ic_file(&t.db, GPU_A);
  assert_string_equal(tl_text(&t.db, "SELECT status||' '||lines||' '||rows_ok FROM source_file WHERE id=%lld", f),
                      "ok 3 2");
  assert_string_equal(tl_text(&t.db, "SELECT group_concat(power_w) FROM (SELECT power_w FROM eprof_gpu_sample "
                                     "WHERE file_id=%lld ORDER BY line)", f),
                      "1.5,2.5");
  assert_int_equal(tl_int(&t.db, "SELECT count(*) FROM eprof_gpu_sample WHERE power_w=119.17"), 0);
  assert_int_equal(tl_int(&t.db, "SELECT count(*) FROM eprof_gpu_sample"), gpu_rows - 3 + 2);
  ic_check_accounting(&t.db);
  ic_done(&t);
}

/* A format that dies (a database error) on line 3 of whatever it reads. */
static int bid_never(const struct sniff *s) {
  (void)s;
  return 0;
}
static enum line_verdict line_fatal(struct parse *p, const struct line *ln) {
  (void)p;
  return ln->number >= 3 ? LINE_FATAL : LINE_SKIPPED;
}
static const struct format fmt_fatal = {.name = "test-fatal", .version = 1, .bid = bid_never, .line = line_fatal};

/* 5b, one transaction: replacing a file that fails midway leaves its old rows
 * and its source_file row exactly as they were. */
static void replacement_is_one_transaction(void **state) {
  (void)state;
  struct ic_db t;
  ic_fresh(&t);
  char text[4096], line[256];
  snprintf(text, sizeof text, "%s", gpu_header);
  for (int i = 0; i < 4; i++) {
    gpu_line(line, sizeof line, i, "10.25");
    strcat(text, line);
  }
  tl_write_str(t.dir, "solo/raw/e/a/d/gpu-power-20221205T100000.csv", text);
  char *root = path_in(t.dir, "solo");
  ic_ingest(&t.db, root, NULL);
  char *before = ic_dump(&t.db, 0);
  strcat(text, line);
  tl_write_str(t.dir, "solo/raw/e/a/d/gpu-power-20221205T100000.csv", text);
  struct ingest_options opt = {.force_format = &fmt_fatal};
  struct ingest_stats st;
  char *roots[1] = {root};
  msg_quiet = 1;
  assert_int_equal(ingest_paths(&t.db, roots, 1, &opt, &st), -1);
  msg_quiet = 0;
  assert_int_not_equal(sqlite3_get_autocommit(t.db.sql), 0);
  char *after = ic_dump(&t.db, 0);
  ic_same_dump(before, after, "after a failed replacement");
  assert_int_equal(tl_int(&t.db, "SELECT count(*) FROM eprof_gpu_sample"), 4);
  free(before);
  free(after);
  /* and a normal rerun then reads the new content */
  ic_ingest(&t.db, root, NULL);
  assert_int_equal(tl_int(&t.db, "SELECT count(*) FROM eprof_gpu_sample"), 5);
  ic_check_accounting(&t.db);
  ic_done(&t);
}

/* Checks that after ingesting FIRST then SECOND (each the same fixture
 * content) the second's stored files are all duplicates of the first's: same
 * hash, same path below the root, no row of their own, row counts unchanged. */
static void second_is_duplicate(struct wdb *db, const char *first, const char *second) {
  struct ingest_stats s1 = ic_ingest(db, first, NULL);
  long long rows = all_file_rows(db);
  assert_true(s1.read > 10);
  struct ingest_stats s2 = ic_ingest(db, second, NULL);
  assert_int_equal(s2.read, 0);
  assert_int_equal(s2.duplicates, s1.read);
  assert_int_equal(s2.rejected_files, s1.rejected_files);
  assert_int_equal(all_file_rows(db), rows);
  assert_int_equal(tl_int(db, "SELECT count(*) FROM source_file WHERE status='duplicate'"), s1.read);
  /* every duplicate points at an owner with its hash, one path ending with the other */
  assert_int_equal(tl_int(db, "SELECT count(*) FROM source_file d JOIN source_file o ON o.id = d.duplicate_of "
                              "WHERE d.status='duplicate' AND o.sha256 = d.sha256 AND o.duplicate_of IS NULL "
                              "AND o.status IN ('ok','partial') AND (substr(d.path, -length(o.path)) = o.path OR substr(o.path, -length(d.path)) = d.path)"),
                   s1.read);
  ic_check_accounting(db);
}

/* 5c. The tree moved (another root, other logical paths). */
static void moved_tree_is_duplicate(void **state) {
  (void)state;
  struct ic_db t;
  ic_fresh(&t);
  ic_copy_fixtures(t.dir, "a");
  ic_copy_fixtures(t.dir, "b/moved");
  second_is_duplicate(&t.db, path_in(t.dir, "a"), path_in(t.dir, "b"));
  ic_done(&t);
}

/* 5c. The zip read after the directory, and the directory after the zip. */
static void zip_and_directory_are_duplicates(void **state) {
  (void)state;
  for (int order = 0; order < 2; order++) {
    struct ic_db t;
    ic_fresh(&t);
    char *zip = path_in(t.dir, "data.zip");
    ic_write_archive(IC_FIXTURES, "data/metrics/", zip, 1);
    if (order == 0) second_is_duplicate(&t.db, IC_FIXTURES, zip);
    else second_is_duplicate(&t.db, zip, IC_FIXTURES);
    ic_done(&t);
  }
}

/* 5c. The owner's content changes while two duplicates of its old content
 * remain: the first duplicate inherits the rows, the other points at it. */
static void owner_changes_rows_go_to_a_duplicate(void **state) {
  (void)state;
  struct ic_db t;
  ic_fresh(&t);
  char x[4096], y[4096], line[256];
  snprintf(x, sizeof x, "%s", gpu_header);
  snprintf(y, sizeof y, "%s", gpu_header);
  for (int i = 0; i < 3; i++) {
    gpu_line(line, sizeof line, i, "77.5");
    strcat(x, line);
  }
  gpu_line(line, sizeof line, 9, "88.25");
  strcat(y, line);
  static const char *const copies[] = {"A", "B", "C"};
  for (int i = 0; i < 3; i++) {
    char rel[256];
    snprintf(rel, sizeof rel, "tree/%s/raw/e/a/d/gpu-power-20221205T100000.csv", copies[i]);
    tl_write_str(t.dir, rel, x);
  }
  char *root = path_in(t.dir, "tree");
  ic_ingest(&t.db, root, NULL);
  long long a = ic_file(&t.db, "A/raw/e/a/d/gpu-power-20221205T100000.csv");
  long long b = ic_file(&t.db, "B/raw/e/a/d/gpu-power-20221205T100000.csv");
  long long c = ic_file(&t.db, "C/raw/e/a/d/gpu-power-20221205T100000.csv");
  assert_int_equal(tl_int(&t.db, "SELECT count(*) FROM source_file WHERE duplicate_of=%lld", a), 2);
  tl_write_str(t.dir, "tree/A/raw/e/a/d/gpu-power-20221205T100000.csv", y);
  struct ingest_stats s = ic_ingest(&t.db, root, NULL);
  assert_int_equal(s.read, 1);
  assert_int_equal(s.unchanged, 2);
  long long a2 = ic_file(&t.db, "A/raw/e/a/d/gpu-power-20221205T100000.csv");
  assert_string_equal(tl_text(&t.db, "SELECT status||' '||rows_ok||' '||(duplicate_of IS NULL) FROM source_file "
                                     "WHERE id=%lld", b),
                      "ok 3 1");
  assert_int_equal(tl_int(&t.db, "SELECT duplicate_of FROM source_file WHERE id=%lld", c), b);
  assert_int_equal(tl_int(&t.db, "SELECT count(*) FROM eprof_gpu_sample WHERE file_id=%lld AND power_w=77.5", b), 3);
  assert_int_equal(tl_int(&t.db, "SELECT count(*) FROM eprof_gpu_sample WHERE file_id=%lld AND power_w=88.25", a2), 1);
  assert_int_equal(tl_int(&t.db, "SELECT count(*) FROM eprof_gpu_sample"), 4);
  /* a fourth copy of the old content is a duplicate of the new owner */
  tl_write_str(t.dir, "tree/D/raw/e/a/d/gpu-power-20221205T100000.csv", x);
  s = ic_ingest(&t.db, root, NULL);
  assert_int_equal(s.duplicates, 1);
  assert_int_equal(tl_int(&t.db, "SELECT duplicate_of FROM source_file WHERE path LIKE 'D/%%'"), b);
  ic_check_accounting(&t.db);
  ic_done(&t);
}

/* 5d. A run still writing: each ingest stores the complete lines, counts the
 * torn tail as 'truncated', and stores it once the file has grown past it. */
static void growing_file(void **state) {
  (void)state;
  struct ic_db t;
  ic_fresh(&t);
  const char *rel = "run/raw/e/a/d/gpu-power-20221205T100000.csv";
  char text[4096], line[256];
  snprintf(text, sizeof text, "%s", gpu_header);
  gpu_line(line, sizeof line, 1, "11.5");
  strcat(text, line);
  gpu_line(line, sizeof line, 2, "12.5");
  line[30] = '\0'; /* torn inside line 3 */
  strcat(text, line);
  tl_write_str(t.dir, rel, text);
  char *root = path_in(t.dir, "run");
  ic_ingest(&t.db, root, NULL);
  assert_string_equal(tl_text(&t.db, "SELECT status||' '||rows_ok||' '||rows_rejected FROM source_file"), "partial 1 1");
  assert_string_equal(tl_text(&t.db, "SELECT line||' '||reason FROM rejected_row"), "3 truncated");
  ic_check_accounting(&t.db);

  /* grows: line 3 completed, line 4 torn */
  snprintf(text, sizeof text, "%s", gpu_header);
  gpu_line(line, sizeof line, 1, "11.5");
  strcat(text, line);
  gpu_line(line, sizeof line, 2, "12.5");
  strcat(text, line);
  gpu_line(line, sizeof line, 3, "13.5");
  line[12] = '\0'; /* torn inside line 4 */
  strcat(text, line);
  tl_write_str(t.dir, rel, text);
  struct ingest_stats s = ic_ingest(&t.db, root, NULL);
  assert_int_equal(s.read, 1);
  assert_string_equal(tl_text(&t.db, "SELECT status||' '||rows_ok||' '||rows_rejected FROM source_file"), "partial 2 1");
  assert_string_equal(tl_text(&t.db, "SELECT line||' '||reason FROM rejected_row"), "4 truncated");
  assert_true(tl_real(&t.db, "SELECT power_w FROM eprof_gpu_sample WHERE line=3") == 12.5);
  ic_check_accounting(&t.db);

  /* finished: every line complete */
  snprintf(text, sizeof text, "%s", gpu_header);
  for (int i = 1; i <= 3; i++) {
    char w[16];
    snprintf(w, sizeof w, "%d.5", 10 + i);
    gpu_line(line, sizeof line, i, w);
    strcat(text, line);
  }
  tl_write_str(t.dir, rel, text);
  ic_ingest(&t.db, root, NULL);
  assert_string_equal(tl_text(&t.db, "SELECT status||' '||rows_ok||' '||rows_rejected FROM source_file"), "ok 3 0");
  assert_int_equal(tl_int(&t.db, "SELECT count(*) FROM rejected_row"), 0);
  assert_true(tl_real(&t.db, "SELECT power_w FROM eprof_gpu_sample WHERE line=4") == 13.5);
  ic_check_accounting(&t.db);
  ic_done(&t);
}

/* 5e. A torn last line that would parse (only its newline is missing) is
 * rejected as truncated and none of it is stored, whether the lines before it
 * are few or fill several of the parser's row batches (batch.h). */
static void torn_line_that_parses_is_not_stored(void **state) {
  (void)state;
  static const int lines[] = {2, 600};
  for (int k = 0; k < 2; k++) {
    struct ic_db t;
    ic_fresh(&t);
    size_t cap = 256 * (size_t)(lines[k] + 2);
    char *text = malloc(cap), line[256];
    snprintf(text, cap, "%s", gpu_header);
    for (int i = 1; i <= lines[k]; i++) {
      gpu_line(line, sizeof line, i % 60, i == lines[k] ? "99.25" : "11.5");
      if (i == lines[k]) line[strlen(line) - 1] = '\0'; /* no newline */
      strcat(text, line);
    }
    tl_write_str(t.dir, "run/raw/e/a/d/gpu-power-20221205T100000.csv", text);
    free(text);
    ic_ingest(&t.db, path_in(t.dir, "run"), NULL);
    assert_int_equal(tl_int(&t.db, "SELECT rows_ok FROM source_file"), lines[k] - 1);
    assert_int_equal(tl_int(&t.db, "SELECT count(*) FROM eprof_gpu_sample"), lines[k] - 1);
    assert_int_equal(tl_int(&t.db, "SELECT count(*) FROM eprof_gpu_sample WHERE power_w = 99.25"), 0);
    assert_string_equal(tl_text(&t.db, "SELECT group_concat(line || ' ' || reason) FROM rejected_row"),
                        lines[k] == 2 ? "3 truncated" : "601 truncated");
    ic_check_accounting(&t.db);
    ic_done(&t);
  }
}

/* The database and its journals inside the input tree are never ingested,
 * nor a link to the database under another name; a file that only looks like a
 * journal (no database beside it) is. */
static void own_database_in_the_tree_is_left_out(void **state) {
  (void)state;
  struct ic_db t;
  ic_fresh(&t); /* t.dir/t.db, with its -wal and -shm while open */
  char text[1024], line[256];
  snprintf(text, sizeof text, "%s", gpu_header);
  gpu_line(line, sizeof line, 1, "11.5");
  strcat(text, line);
  tl_write_str(t.dir, "run/raw/e/a/d/gpu-power-20221205T100000.csv", text);
  tl_write_str(t.dir, "notes.db-wal", "not a journal\n");
  char target[2048], link[2048];
  snprintf(target, sizeof target, "%s/t.db", t.dir);
  snprintf(link, sizeof link, "%s/alias.csv", t.dir);
  assert_int_equal(symlink(target, link), 0);
  ic_ingest(&t.db, path_in(t.dir, "run"), NULL); /* a write: the -wal file is there now */
  assert_true(access(path_in(t.dir, "t.db-wal"), F_OK) == 0);
  ic_ingest(&t.db, t.dir, NULL);
  assert_string_equal(tl_text(&t.db, "SELECT group_concat(path, ' ') FROM (SELECT path FROM source_file ORDER BY path)"),
                      "notes.db-wal raw/e/a/d/gpu-power-20221205T100000.csv run/raw/e/a/d/gpu-power-20221205T100000.csv");
  ic_check_accounting(&t.db);
  ic_done(&t);
}

/* notes.txt exists as a file no format recognises: recorded 'rejected' with
 * "unrecognised format", owning no row, and the ingest goes on past it. */
static void unrecognised_file_is_rejected_and_ingest_goes_on(void **state) {
  (void)state;
  struct ic_db t;
  ic_fresh(&t);
  struct ingest_stats s = ic_ingest(&t.db, IC_FIXTURES, NULL);
  long long f = ic_file(&t.db, "raw/cloud/notes.txt");
  assert_string_equal(tl_text(&t.db, "SELECT status||': '||error FROM source_file WHERE id=%lld", f),
                      "rejected: unrecognised format");
  assert_int_equal(tl_int(&t.db, "SELECT format IS NULL FROM source_file WHERE id=%lld", f), 1);
  /* files after it in path order were read */
  assert_int_equal(tl_int(&t.db, "SELECT count(*) FROM source_file WHERE path > 'raw/cloud/notes.txt' AND "
                                 "status IN ('ok','partial')"),
                   s.read - tl_int(&t.db, "SELECT count(*) FROM source_file WHERE path < 'raw/cloud/notes.txt' "
                                          "AND status IN ('ok','partial')"));
  assert_true(tl_int(&t.db, "SELECT count(*) FROM source_file WHERE path > 'raw/cloud/notes.txt'") > 10);
  /* the fixture tree: notes.txt and runs-missing-stamp.csv are the rejected files */
  assert_int_equal(s.rejected_files, 2);
  ic_check_accounting(&t.db);
  ic_done(&t);
}

/* A format that stores line 2, rejects line 3 and refuses the file on line 4
 * (as a header missing a required column does): nothing of the file stays. */
static const char sql_epoch[] = "INSERT INTO eprof_epoch_end(file_id, line, epoch, end_us) VALUES (?,?,0,0)";
static enum line_verdict line_refuser(struct parse *p, const struct line *ln) {
  if (ln->number == 1) return LINE_SKIPPED;
  if (ln->number == 2) {
    sqlite3_stmt *st = wdb_stmt(p->db, sql_epoch);
    sqlite3_bind_int64(st, 1, p->file_id);
    sqlite3_bind_int64(st, 2, ln->number);
    return parse_insert(p, st) ? LINE_FATAL : LINE_STORED;
  }
  if (ln->number == 3) return parse_reject(p, ln, 1, "bad_number", "not a number");
  parse_fail(p, "header has no column 'end_time'");
  return LINE_REFUSE_FILE;
}
static const struct format fmt_refuser = {.name = "test-refuser", .version = 1, .bid = bid_never,
                                          .line = line_refuser};

static void refused_file_is_rolled_back_whole(void **state) {
  (void)state;
  struct ic_db t;
  ic_fresh(&t);
  tl_write_str(t.dir, "in/x.csv", "h\n1\n2\n3\n4\n5\n");
  struct ingest_options opt = {.force_format = &fmt_refuser};
  struct ingest_stats s = ic_ingest(&t.db, path_in(t.dir, "in"), &opt);
  assert_int_equal(s.rejected_files, 1);
  assert_string_equal(tl_text(&t.db, "SELECT status||' '||lines||' '||rows_ok||': '||error FROM source_file"),
                      "rejected 6 0: header has no column 'end_time'");
  assert_int_equal(tl_int(&t.db, "SELECT count(*) FROM eprof_epoch_end"), 0);
  assert_int_equal(tl_int(&t.db, "SELECT count(*) FROM rejected_row"), 0);
  ic_check_accounting(&t.db);
  ic_done(&t);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(unchanged_files_are_not_read),
      cmocka_unit_test(unchanged_files_are_not_read_beyond_the_catalog_in_memory),
      cmocka_unit_test(changed_file_replaces_its_rows),
      cmocka_unit_test(replacement_is_one_transaction),
      cmocka_unit_test(moved_tree_is_duplicate),
      cmocka_unit_test(zip_and_directory_are_duplicates),
      cmocka_unit_test(owner_changes_rows_go_to_a_duplicate),
      cmocka_unit_test(growing_file),
      cmocka_unit_test(torn_line_that_parses_is_not_stored),
      cmocka_unit_test(own_database_in_the_tree_is_left_out),
      cmocka_unit_test(unrecognised_file_is_rejected_and_ingest_goes_on),
      cmocka_unit_test(refused_file_is_rolled_back_whole),
  };
  return cmocka_run_group_tests_name("ingest_rules", tests, NULL, NULL);
}
