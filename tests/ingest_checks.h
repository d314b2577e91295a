/* tests/ingest_checks.h: what the ingest suites share on top of testlib.h: a
 * scratch database per test, ingesting with options, the line-accounting
 * invariant, canonical dumps of a whole database, and listing a fixture tree.
 *
 * Include after tests/testlib.h, once per suite (the helpers are static). */
#ifndef WATTDB_INGEST_CHECKS_H
#define WATTDB_INGEST_CHECKS_H

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>

#include "tests/testlib.h"

#define IC_FIXTURES "tests/fixtures/eprof"

/* A scratch directory holding one database, t.db. */
struct ic_db {
  char *dir;
  struct wdb db;
};

static inline void ic_fresh(struct ic_db *t) {
  t->dir = tl_mkdtemp();
  tl_open(&t->db, t->dir, "t.db");
}

static inline void ic_done(struct ic_db *t) {
  tl_close(&t->db);
  tl_rmdir(t->dir);
}

/* Ingests ROOT with OPT (NULL: defaults) quietly; fails the test on a fatal error. */
static inline struct ingest_stats ic_ingest(struct wdb *db, const char *root,
                                            const struct ingest_options *opt) {
  struct ingest_options dflt = {0};
  struct ingest_stats stats;
  char *roots[1] = {(char *)root};
  msg_quiet = 1;
  int rc = ingest_paths(db, roots, 1, opt ? opt : &dflt, &stats);
  msg_quiet = 0;
  assert_int_equal(rc, 0);
  return stats;
}

/* The id of the source_file whose path ends with SUFFIX (exactly one must). */
static inline long long ic_file(struct wdb *db, const char *suffix) {
  long long n = tl_int(db, "SELECT count(*) FROM source_file WHERE path LIKE '%%%s'", suffix);
  if (n != 1) fail_msg("%lld source_file rows end with %s", n, suffix);
  return tl_int(db, "SELECT id FROM source_file WHERE path LIKE '%%%s'", suffix);
}

/* A growing string. */
struct ic_buf {
  char *s;
  size_t len, cap;
};

static inline void ic_put(struct ic_buf *b, const char *s) {
  size_t n = strlen(s);
  if (b->len + n + 1 > b->cap) {
    b->cap = (b->len + n + 1) * 2;
    b->s = realloc(b->s, b->cap);
    assert_non_null(b->s);
  }
  memcpy(b->s + b->len, s, n + 1);
  b->len += n;
}

/* The names of the tables with file_id and line columns (raw tables, and
 * unless RAW_ONLY rejected_row and unparsed_value), ORDER BY name, as a NULL-terminated array to free. */
static inline char **ic_file_tables(struct wdb *db, int raw_only) {
  sqlite3_stmt *st;
  assert_int_equal(sqlite3_prepare_v2(db->sql,
                                      "SELECT m.name FROM sqlite_schema m WHERE m.type='table' "
                                      "AND EXISTS (SELECT 1 FROM pragma_table_info(m.name) c "
                                      "WHERE c.name='file_id') AND EXISTS (SELECT 1 FROM "
                                      "pragma_table_info(m.name) c WHERE c.name='line') ORDER BY 1",
                                      -1, &st, NULL),
                   SQLITE_OK);
  char **names = calloc(128, sizeof *names);
  int n = 0;
  while (sqlite3_step(st) == SQLITE_ROW && n < 127) {
    const char *name = (const char *)sqlite3_column_text(st, 0);
    if (raw_only && (!strcmp(name, "rejected_row") || !strcmp(name, "unparsed_value"))) continue;
    names[n++] = strdup(name);
  }
  sqlite3_finalize(st);
  return names;
}

static inline void ic_free_names(char **names) {
  for (int i = 0; names[i]; i++) free(names[i]);
  free(names);
}

/* Nothing lost, for every file stored ok or partial:
 *   lines = skipped_lines + rows_ok + rows_rejected,
 *   rows_rejected = its rows in rejected_row,
 *   rows_ok = its distinct (file_id, line) over the raw tables;
 * and no other file (rejected, duplicate) owns a row anywhere.
 * Returns the number of files checked. */
static inline long ic_check_accounting(struct wdb *db) {
  char **tables = ic_file_tables(db, 1);
  struct ic_buf u = {0};
  ic_put(&u, "SELECT file_id, line FROM rejected_row WHERE 0");
  for (int i = 0; tables[i]; i++) {
    char part[256];
    snprintf(part, sizeof part, " UNION SELECT file_id, line FROM \"%s\"", tables[i]);
    ic_put(&u, part);
  }
  char *sql = sqlite3_mprintf(
      "WITH raw(file_id, line) AS (%s) "
      "SELECT f.path, f.status, f.lines, f.skipped_lines, f.rows_ok, f.rows_rejected, "
      "(SELECT count(*) FROM rejected_row r WHERE r.file_id = f.id), "
      "(SELECT count(*) FROM raw WHERE raw.file_id = f.id), "
      "(SELECT count(*) FROM unparsed_value v WHERE v.file_id = f.id) "
      "FROM source_file f ORDER BY f.id",
      u.s);
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(db->sql, sql, -1, &st, NULL) != SQLITE_OK)
    fail_msg("%s", sqlite3_errmsg(db->sql));
  long checked = 0;
  while (sqlite3_step(st) == SQLITE_ROW) {
    const char *path = (const char *)sqlite3_column_text(st, 0);
    const char *status = (const char *)sqlite3_column_text(st, 1);
    long long lines = sqlite3_column_int64(st, 2), skipped = sqlite3_column_int64(st, 3),
              ok = sqlite3_column_int64(st, 4), rej = sqlite3_column_int64(st, 5),
              rej_rows = sqlite3_column_int64(st, 6), raw_rows = sqlite3_column_int64(st, 7),
              nulls = sqlite3_column_int64(st, 8);
    if (!strcmp(status, "ok") || !strcmp(status, "partial")) {
      if (lines != skipped + ok + rej)
        fail_msg("%s: lines %lld != skipped %lld + ok %lld + rejected %lld", path, lines, skipped,
                 ok, rej);
      if (rej != rej_rows) fail_msg("%s: rows_rejected %lld, rejected_row %lld", path, rej, rej_rows);
      if (ok != raw_rows) fail_msg("%s: rows_ok %lld, raw rows %lld", path, ok, raw_rows);
      if (!strcmp(status, "ok") != (rej == 0)) fail_msg("%s: status %s with %lld rejected", path, status, rej);
      checked++;
    } else if (rej_rows || raw_rows || nulls) {
      fail_msg("%s: status %s but owns %lld raw, %lld rejected, %lld null rows", path, status,
               raw_rows, rej_rows, nulls);
    }
  }
  sqlite3_finalize(st);
  sqlite3_free(sql);
  free(u.s);
  ic_free_names(tables);
  /* The ingest does the cascade itself and leaves the connection enforcing
   * foreign keys again: no row names a file or run that is not there. */
  if (tl_int(db, "PRAGMA foreign_keys") != 1) fail_msg("foreign keys not enforced after the ingest");
  const char *orphan = tl_text(db, "SELECT coalesce(max(\"table\" || ' rowid ' || coalesce(rowid, '-') || ' -> ' || parent), '')"
                             " FROM pragma_foreign_key_check");
  if (orphan[0]) fail_msg("a row without its parent: %s", orphan);
  return checked;
}

/* SQL giving a logical path as the same file has in a directory and in an
 * archive: without "archive:" and without a leading data/metrics/. */
#define IC_NORM(col)                                                                        \
  "(CASE WHEN substr(p,1,13)='data/metrics/' THEN substr(p,14) ELSE p END) FROM "          \
  "(SELECT CASE WHEN instr(" col ",':')>0 THEN substr(" col ",instr(" col ",':')+1) ELSE " \
  col " END AS p)"

/* A canonical text dump of every table, rows sorted. EXACT: every column but
 * source_file.ingested_at. Otherwise portable between a directory and an
 * archive: ids and mtimes left out, file_id, duplicate_of and run_id replaced by
 * the file's normalized path or the run's key. Free the result. */
static inline char *ic_dump(struct wdb *db, int exact) {
  struct ic_buf out = {0};
  ic_put(&out, "");
  sqlite3_stmt *tables;
  assert_int_equal(sqlite3_prepare_v2(db->sql,
                                      "SELECT name FROM sqlite_schema WHERE type='table' AND "
                                      "name NOT LIKE 'sqlite_%' AND name <> 'origin' "
                                      "ORDER BY name", /* origin: random per database */
                                      -1, &tables, NULL),
                   SQLITE_OK);
  while (sqlite3_step(tables) == SQLITE_ROW) {
    const char *t = (const char *)sqlite3_column_text(tables, 0);
    struct ic_buf sel = {0};
    ic_put(&sel, "''");
    char *q = sqlite3_mprintf("SELECT name FROM pragma_table_info('%q') ORDER BY cid", t);
    sqlite3_stmt *cols;
    assert_int_equal(sqlite3_prepare_v2(db->sql, q, -1, &cols, NULL), SQLITE_OK);
    while (sqlite3_step(cols) == SQLITE_ROW) {
      const char *c = (const char *)sqlite3_column_text(cols, 0);
      int sf = !strcmp(t, "source_file");
      char expr[1024];
      if (sf && !strcmp(c, "ingested_at")) continue;
      if (exact) {
        snprintf(expr, sizeof expr, "quote(\"%s\")", c);
      } else if ((sf || !strcmp(t, "run")) && (!strcmp(c, "id") || !strcmp(c, "mtime"))) {
        continue;
      } else if (sf && !strcmp(c, "path")) {
        snprintf(expr, sizeof expr, "(SELECT " IC_NORM("x.path") ")");
      } else if (!strcmp(c, "file_id") || (sf && !strcmp(c, "duplicate_of"))) {
        snprintf(expr, sizeof expr,
                 "(SELECT (SELECT " IC_NORM("f.path") ") FROM source_file f WHERE f.id = x.\"%s\")", c);
      } else if (sf && !strcmp(c, "run_id")) {
        snprintf(expr, sizeof expr,
                 "(SELECT environment||'/'||architecture||'/'||dataset||'/'||stamp FROM run r "
                 "WHERE r.id = x.run_id)");
      } else {
        snprintf(expr, sizeof expr, "quote(x.\"%s\")", c);
      }
      ic_put(&sel, "||'|'||");
      ic_put(&sel, expr);
    }
    sqlite3_finalize(cols);
    sqlite3_free(q);
    q = sqlite3_mprintf("SELECT coalesce(%s,'?') AS r FROM \"%w\" x ORDER BY r", sel.s, t);
    sqlite3_stmt *rows;
    if (sqlite3_prepare_v2(db->sql, q, -1, &rows, NULL) != SQLITE_OK)
      fail_msg("%s: %s", q, sqlite3_errmsg(db->sql));
    ic_put(&out, "== ");
    ic_put(&out, t);
    ic_put(&out, "\n");
    while (sqlite3_step(rows) == SQLITE_ROW) {
      ic_put(&out, (const char *)sqlite3_column_text(rows, 0));
      ic_put(&out, "\n");
    }
    sqlite3_finalize(rows);
    sqlite3_free(q);
    free(sel.s);
  }
  sqlite3_finalize(tables);
  return out.s;
}

/* Fails with the first differing line of two dumps. */
static inline void ic_same_dump(const char *a, const char *b, const char *what) {
  if (!strcmp(a, b)) return;
  size_t i = 0, line_start = 0;
  while (a[i] && a[i] == b[i]) {
    if (a[i] == '\n') line_start = i + 1;
    i++;
  }
  fail_msg("%s: dumps differ at\n  %.300s\nvs\n  %.300s", what, a + line_start, b + line_start);
}

/* The dump (ic_dump, exact) of ROOT ingested into a fresh database in blocks
 * of at most BLOCK bytes (0: as the source reads them), its accounting checked. */
static inline char *ic_dump_with_blocks(const char *root, size_t block) {
  struct ic_db t;
  ic_fresh(&t);
  struct ingest_options opt = {.block_size = block};
  ic_ingest(&t.db, root, &opt);
  ic_check_accounting(&t.db);
  char *dump = ic_dump(&t.db, 1);
  ic_done(&t);
  return dump;
}

/* ROOT ingested in blocks of 1 to MAX_BLOCK bytes gives the database it gives
 * read whole, and that one has rows in TABLE (so that the sweep compares data). */
static inline void ic_block_sweep(const char *root, const char *table, size_t max_block) {
  char *whole = ic_dump_with_blocks(root, 0);
  char marker[128];
  snprintf(marker, sizeof marker, "== %s\n", table);
  if (!strstr(whole, marker)) fail_msg("%s: no rows of %s to compare", root, table);
  for (size_t bs = 1; bs <= max_block; bs++) {
    char *cut = ic_dump_with_blocks(root, bs);
    char what[64];
    snprintf(what, sizeof what, "block size %zu", bs);
    ic_same_dump(whole, cut, what);
    free(cut);
  }
  free(whole);
}

/* Appends every regular file below DIR (recursively) to FILES, sorted. */
struct ic_files {
  char **path;
  int n;
};

static inline void ic_list_rec(const char *dir, struct ic_files *f) {
  DIR *d = opendir(dir);
  assert_non_null(d);
  struct dirent *e;
  while ((e = readdir(d))) {
    if (e->d_name[0] == '.') continue;
    char path[4096];
    if (snprintf(path, sizeof path, "%s/%s", dir, e->d_name) >= (int)sizeof path) fail_msg("%s: too long", dir);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    if (S_ISDIR(st.st_mode)) {
      ic_list_rec(path, f);
    } else if (S_ISREG(st.st_mode)) {
      f->path = realloc(f->path, (size_t)(f->n + 1) * sizeof *f->path);
      f->path[f->n++] = strdup(path);
    }
  }
  closedir(d);
}

static inline int ic_cmp(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

static inline struct ic_files ic_list(const char *dir) {
  struct ic_files f = {0};
  ic_list_rec(dir, &f);
  qsort(f.path, (size_t)f.n, sizeof *f.path, ic_cmp);
  return f;
}

static inline void ic_free_files(struct ic_files *f) {
  for (int i = 0; i < f->n; i++) free(f->path[i]);
  free(f->path);
}

/* The whole content of PATH (NUL-terminated; *len set). Free it. */
static inline char *ic_slurp(const char *path, size_t *len) {
  FILE *fp = fopen(path, "rb");
  assert_non_null(fp);
  fseek(fp, 0, SEEK_END);
  long n = ftell(fp);
  fseek(fp, 0, SEEK_SET);
  char *s = malloc((size_t)n + 1);
  assert_non_null(s);
  assert_int_equal(fread(s, 1, (size_t)n, fp), (size_t)n);
  s[n] = '\0';
  fclose(fp);
  *len = (size_t)n;
  return s;
}

/* Copies the fixture tree into DIR/SUB (via cp -R). */
static inline void ic_copy_fixtures(const char *dir, const char *sub) {
  char cmd[2048];
  snprintf(cmd, sizeof cmd, "mkdir -p '%s/%s' && cp -R " IC_FIXTURES "/. '%s/%s/'", dir, sub, dir, sub);
  assert_int_equal(system(cmd), 0);
}

/* Writes every file below SRC into the archive OUT with libarchive's write
 * API, members named PREFIX + the path relative to SRC: a .zip when ZIP, else a
 * .tar.gz. Member mtimes are the files' own. */
static inline void ic_write_archive(const char *src, const char *prefix, const char *out, int zip) {
  struct archive *a = archive_write_new();
  if (zip) {
    assert_int_equal(archive_write_set_format_zip(a), ARCHIVE_OK);
  } else {
    assert_int_equal(archive_write_set_format_pax_restricted(a), ARCHIVE_OK);
    assert_int_equal(archive_write_add_filter_gzip(a), ARCHIVE_OK);
  }
  assert_int_equal(archive_write_open_filename(a, out), ARCHIVE_OK);
  struct ic_files files = ic_list(src);
  for (int i = 0; i < files.n; i++) {
    size_t n;
    char *data = ic_slurp(files.path[i], &n);
    struct stat st;
    assert_int_equal(stat(files.path[i], &st), 0);
    char name[4096];
    snprintf(name, sizeof name, "%s%s", prefix, files.path[i] + strlen(src) + 1);
    struct archive_entry *e = archive_entry_new();
    archive_entry_set_pathname(e, name);
    archive_entry_set_size(e, (la_int64_t)n);
    archive_entry_set_filetype(e, AE_IFREG);
    archive_entry_set_perm(e, 0644);
    archive_entry_set_mtime(e, st.st_mtime, 0);
    assert_int_equal(archive_write_header(a, e), ARCHIVE_OK);
    if (n) assert_int_equal(archive_write_data(a, data, n), (la_ssize_t)n);
    archive_entry_free(e);
    free(data);
  }
  ic_free_files(&files);
  assert_int_equal(archive_write_close(a), ARCHIVE_OK);
  archive_write_free(a);
}


/* Declares a per-suite `static struct ic_db NAME` with cmocka `setup` and
 * `teardown` functions: a fresh database before each test, and after each test
 * the line-accounting invariant checked and the database removed. */
#define IC_SUITE_FIXTURE(NAME)                                                              \
  static struct ic_db NAME;                                                                 \
  static int setup(void **state) {                                                          \
    (void)state;                                                                            \
    ic_fresh(&NAME);                                                                        \
    return 0;                                                                               \
  }                                                                                         \
  static int teardown(void **state) {                                                       \
    (void)state;                                                                            \
    ic_check_accounting(&NAME.db);                                                          \
    ic_done(&NAME);                                                                         \
    return 0;                                                                               \
  }

#endif
