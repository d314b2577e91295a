/* tests/test_real_eprof.c: the replication package's real data, when
 * ../shared/data/real/eprof exists (skipped otherwise): seaa2023-data.zip and
 * the raw/ folder beside it. Every line of every member, counted here with
 * libarchive independently of wattdb, is accounted for; the zip holds 618 log
 * files whose only rejections are 51 torn last lines; the 10 files of raw/ are
 * byte copies of members, so read after the zip they are duplicates. */
#include "tests/testlib.h"
#include "tests/ingest_checks.h"

static const char *real_eprof(char *buf, size_t cap) {
  const char *real = tl_shared_real();
  if (!real) return NULL;
  snprintf(buf, cap, "%s/eprof", real);
  struct stat st;
  return stat(buf, &st) == 0 ? buf : NULL;
}

/* Lines of every regular member, as the line reader numbers them: newlines,
 * plus one for a last line without newline. Returns the member count. */
static int count_member_lines(struct wdb *db, const char *zip, const char *zipname) {
  struct archive *a = archive_read_new();
  archive_read_support_format_all(a);
  archive_read_support_filter_all(a);
  assert_int_equal(archive_read_open_filename(a, zip, 1 << 16), ARCHIVE_OK);
  struct archive_entry *e;
  int members = 0;
  long long all = 0;
  while (archive_read_next_header(a, &e) == ARCHIVE_OK) {
    if (archive_entry_filetype(e) != AE_IFREG) continue;
    long long lines = 0;
    char last = '\n';
    const void *buf;
    size_t len;
    la_int64_t off;
    while (archive_read_data_block(a, &buf, &len, &off) == ARCHIVE_OK) {
      const char *p = buf;
      for (size_t i = 0; i < len; i++) lines += p[i] == '\n';
      if (len) last = p[len - 1];
    }
    if (last != '\n') lines++;
    long long stored = tl_int(db, "SELECT lines FROM source_file WHERE path = '%s:%s'", zipname,
                              archive_entry_pathname(e));
    if (stored != lines) fail_msg("%s: %lld lines, wattdb counted %lld", archive_entry_pathname(e), lines, stored);
    members++;
    all += lines;
  }
  archive_read_free(a);
  assert_int_equal(tl_int(db, "SELECT sum(lines) FROM source_file"), all);
  return members;
}

static void real_zip_then_raw_folder(void **state) {
  (void)state;
  char buf[1024];
  const char *eprof = real_eprof(buf, sizeof buf);
  if (!eprof) skip();
  char zip[1200], raw[1200];
  snprintf(zip, sizeof zip, "%s/seaa2023-data.zip", eprof);
  snprintf(raw, sizeof raw, "%s/raw", eprof);
  struct ic_db t;
  ic_fresh(&t);
  struct ingest_stats s = ic_ingest(&t.db, zip, NULL);
  assert_int_equal(s.files, 618);
  assert_int_equal(s.read, 618);
  assert_int_equal(s.rejected_files, 0);
  assert_int_equal(count_member_lines(&t.db, zip, "seaa2023-data.zip"), 618);
  assert_int_equal(ic_check_accounting(&t.db), 618);
  assert_int_equal(tl_int(&t.db, "SELECT count(*) FROM rejected_row"), 51);
  assert_int_equal(tl_int(&t.db, "SELECT count(*) FROM rejected_row WHERE reason='truncated'"), 51);
  /* each torn line is the last line of its file */
  assert_int_equal(tl_int(&t.db, "SELECT count(*) FROM rejected_row r JOIN source_file f ON f.id=r.file_id "
                                 "WHERE r.line = f.lines"),
                   51);
  long long rows = tl_int(&t.db, "SELECT sum(rows_ok) FROM source_file");

  s = ic_ingest(&t.db, raw, NULL);
  assert_int_equal(s.files, 10);
  assert_int_equal(s.duplicates, 10);
  assert_int_equal(tl_int(&t.db, "SELECT sum(rows_ok) FROM source_file WHERE status <> 'duplicate'"), rows);
  assert_int_equal(tl_int(&t.db, "SELECT count(*) FROM source_file d JOIN source_file o ON o.id=d.duplicate_of "
                                 "WHERE d.status='duplicate' AND d.path NOT LIKE '%%.zip:%%' AND "
                                 "o.path = 'seaa2023-data.zip:data/metrics/raw/' || d.path"),
                   10);
  ic_check_accounting(&t.db);
  ic_done(&t);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(real_zip_then_raw_folder),
  };
  return cmocka_run_group_tests_name("real_eprof", tests, NULL, NULL);
}
