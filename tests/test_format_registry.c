/* tests/test_format_registry.c: the registry of formats (ingest/formats.c)
 * against what the formats do and what the README says of them: each format's
 * `tables` are the raw tables its files fill (every fixture of tests/fixtures
 * ingested), each exists in the schema, and the README's format table has a
 * row for every registered format, naming its tables, and no row for a format
 * the registry lacks; and that the statements of every format fit the
 * statement cache (schema/db.h) with room. */
#include "tests/testlib.h"

#include <dirent.h>

#include "ingest/formats.h"

/* 1 when the comma-separated LIST holds NAME */
static int in_list(const char *list, const char *name) {
  size_t n = strlen(name);
  for (const char *p = list; p && *p;) {
    const char *comma = strchr(p, ',');
    size_t len = comma ? (size_t)(comma - p) : strlen(p);
    if (len == n && strncmp(p, name, n) == 0) return 1;
    p = comma ? comma + 1 : NULL;
  }
  return 0;
}

struct fixture_db {
  char *dir;
  struct wdb db;
};

static int setup(void **state) {
  struct fixture_db *f = calloc(1, sizeof *f);
  f->dir = tl_mkdtemp();
  tl_open(&f->db, f->dir, "t.db");
  DIR *d = opendir("tests/fixtures");
  assert_non_null(d);
  for (struct dirent *e; (e = readdir(d));) {
    /* fuzz/ holds crash inputs for forced formats, upgrade/ a database's dump:
     * not files of a format */
    if (e->d_name[0] == '.' || strcmp(e->d_name, "fuzz") == 0 || strcmp(e->d_name, "upgrade") == 0) continue;
    char root[600];
    snprintf(root, sizeof root, "tests/fixtures/%s", e->d_name);
    tl_ingest(&f->db, root);
  }
  closedir(d);
  *state = f;
  return 0;
}

static int teardown(void **state) {
  struct fixture_db *f = *state;
  tl_close(&f->db);
  tl_rmdir(f->dir);
  free(f);
  return 0;
}

/* Every raw table (a table with file_id) that holds rows of a format's files is
 * one of its `tables`, and each of its `tables` exists and holds rows of some
 * fixture of it. */
static void tables_are_the_ones_filled(void **state) {
  struct fixture_db *f = *state;
  sqlite3_stmt *st;
  assert_int_equal(sqlite3_prepare_v2(f->db.sql,
                                      "SELECT m.name FROM sqlite_master m WHERE m.type = 'table' AND"
                                      " m.name NOT IN ('source_file', 'rejected_row', 'unparsed_value') AND"
                                      " EXISTS (SELECT 1 FROM pragma_table_info(m.name) c WHERE c.name = 'file_id')",
                                      -1, &st, NULL),
                   SQLITE_OK);
  int raw_tables = 0;
  while (sqlite3_step(st) == SQLITE_ROW) {
    const char *table = (const char *)sqlite3_column_text(st, 0);
    raw_tables++;
    sqlite3_stmt *q;
    char sql[512];
    snprintf(sql, sizeof sql,
             "SELECT DISTINCT f.format FROM \"%s\" t JOIN source_file f ON f.id = t.file_id", table);
    assert_int_equal(sqlite3_prepare_v2(f->db.sql, sql, -1, &q, NULL), SQLITE_OK);
    while (sqlite3_step(q) == SQLITE_ROW) {
      const char *name = (const char *)sqlite3_column_text(q, 0);
      const struct format *fmt = format_by_name(name);
      assert_non_null(fmt);
      if (!in_list(fmt->tables, table))
        fail_msg("format %s fills %s, which its tables (\"%s\") do not name", name, table, fmt->tables);
    }
    sqlite3_finalize(q);
  }
  sqlite3_finalize(st);
  assert_true(raw_tables > 10);
  /* every format's statements fit the statement cache with room (schema/db.h) */
  if (f->db.ncache * 2 > WDB_STMT_CACHE)
    fail_msg("%d statements cached after every format's fixtures: more than half of WDB_STMT_CACHE (%d)",
             f->db.ncache, WDB_STMT_CACHE);
  for (int i = 0; formats[i]; i++) {
    const struct format *fmt = formats[i];
    assert_non_null(fmt->tables);
    for (const char *p = fmt->tables; *p;) {
      const char *comma = strchr(p, ',');
      int len = comma ? (int)(comma - p) : (int)strlen(p);
      long long rows = tl_int(&f->db,
                              "SELECT count(*) FROM \"%.*s\" t JOIN source_file f ON f.id = t.file_id"
                              " WHERE f.format = '%s'",
                              len, p, fmt->name);
      if (rows <= 0) fail_msg("format %s: no fixture fills its table %.*s", fmt->name, len, p);
      p += len + (comma ? 1 : 0);
    }
  }
}

/* The README's table of formats: rows `| `name`[, `name`] | what it reads |
 * tables |` between its header `| format |` and the first line after it that
 * is not a row. */
static void readme_lists_the_registry(void **state) {
  (void)state;
  FILE *in = fopen("README.md", "r");
  assert_non_null(in);
  char line[4096];
  int in_table = 0, rows = 0, seen[64] = {0};
  while (fgets(line, sizeof line, in)) {
    if (!in_table) {
      in_table = strncmp(line, "| format |", 10) == 0;
      continue;
    }
    if (line[0] != '|') break;
    if (strncmp(line, "|---", 4) == 0) continue;
    rows++;
    char *second = strchr(line + 1, '|');
    char *last = strrchr(line, '|');
    assert_non_null(second);
    *last = '\0';
    const char *tables = strrchr(line, '|') + 1;   /* the last cell */
    *second = '\0';
    /* each `name` of the first cell */
    for (char *p = line + 1; (p = strchr(p, '`'));) {
      char *end = strchr(p + 1, '`');
      assert_non_null(end);
      *end = '\0';
      int k = -1;
      for (int i = 0; formats[i]; i++)
        if (strcmp(formats[i]->name, p + 1) == 0) k = i;
      if (k < 0) fail_msg("README lists format %s, which the registry does not have", p + 1);
      assert_true(k < 64);
      seen[k] = 1;
      const char *list = formats[k]->tables;
      for (const char *t = list; *t;) {
        const char *comma = strchr(t, ',');
        int len = comma ? (int)(comma - t) : (int)strlen(t);
        char want[128];
        snprintf(want, sizeof want, "`%.*s`", len, t);
        if (!strstr(tables, want)) fail_msg("README's row of %s does not name its table %s", p + 1, want);
        t += len + (comma ? 1 : 0);
      }
      p = end + 1;
    }
  }
  fclose(in);
  assert_true(rows > 0);
  for (int i = 0; formats[i]; i++)
    if (!seen[i]) fail_msg("README's format table has no row for %s", formats[i]->name);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(tables_are_the_ones_filled),
      cmocka_unit_test(readme_lists_the_registry),
  };
  return cmocka_run_group_tests_name("format_registry", tests, setup, teardown);
}
