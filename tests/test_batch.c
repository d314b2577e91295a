/* tests/test_batch.c: the ingest's row batches (ingest/batch.h): rows set
 * through a batch are stored exactly as the same parameters bound to the
 * INSERT itself would store them (types, NULLs, NaN, copied text), across many
 * batches and early flushes of long text; a constraint broken inside a batch
 * fails its flush, the rows before the one refused stored as row-by-row
 * INSERTs would have stored them, and that row's line known; a batch is
 * stored without a statement journal; discarded rows are never stored; an
 * INSERT that is not plain `VALUES (?, ...)` is refused; each INSERT is
 * prepared once however its files alternate. Each of these holds both when
 * full batches are stored where they fill and when a store thread stores them
 * (ingest/store.h); with the thread, the rows and every other statement land
 * in the same order as without it, a failure in the thread surfaces in the
 * parser's thread, and what was queued after it is dropped. A savepoint's
 * journal stays in memory on a connection wdb_open() made. */
#include "tests/testlib.h"

#include "ingest/batch.h"
#include "ingest/parse_private.h"

struct fx {
  char *dir;
  struct wdb db;
  struct parse p;
  struct parse_private priv;
};

static const char sql_batched[] = "INSERT INTO a(k, i, d, t, n) VALUES (?, ?, ?, ?, ?)";

/* A fixture's database NAME in DIR, its batches with a store thread when
 * THREADED. */
static void fx_open(struct fx *f, const char *dir, const char *name, int threaded) {
  tl_open(&f->db, dir, name);
  assert_int_equal(wdb_exec(&f->db,
                            "CREATE TABLE a(k INTEGER PRIMARY KEY, i INTEGER, d REAL, t TEXT, n) WITHOUT ROWID;"
                            "CREATE TABLE b(k INTEGER PRIMARY KEY, i INTEGER, d REAL, t TEXT, n) WITHOUT ROWID;"
                            "BEGIN",
                            "test"),
                   0);
  f->p.db = &f->db;
  f->p.priv = &f->priv;
  assert_int_equal(batches_register(&f->db), 0);
  if (threaded) {
    batches_start(&f->priv.batches, &f->db);
    assert_non_null(f->priv.batches.store);
  }
}

static void fx_close(struct fx *f) {
  batches_free(&f->priv.batches);
  assert_null(f->db.before_use);
  sqlite3_exec(f->db.sql, "ROLLBACK", NULL, NULL, NULL);
  tl_close(&f->db);
}

static int fx_setup_with(void **state, int threaded) {
  struct fx *f = calloc(1, sizeof *f);
  f->dir = tl_mkdtemp();
  fx_open(f, f->dir, "t.db", threaded);
  *state = f;
  return 0;
}

static int fx_setup(void **state) { return fx_setup_with(state, 0); }
static int fx_setup_threaded(void **state) { return fx_setup_with(state, 1); }

static int fx_teardown(void **state) {
  struct fx *f = *state;
  fx_close(f);
  tl_rmdir(f->dir);
  free(f);
  return 0;
}

static const char sql_b_row[] = "INSERT INTO b(k, i, d, t, n) VALUES (?, ?, ?, ?, ?)";

/* Row K: the same parameters through batch B and bound to INSERT sql_b_row
 * into table b (taken from the statement cache, as a parser takes its own:
 * after the store thread, if any, let go of the connection). */
static void both(struct row_batch *b, struct wdb *db, int k, const char *text) {
  sqlite3_stmt *ins = wdb_stmt(db, sql_b_row);
  assert_non_null(ins);
  char buf[64];
  snprintf(buf, sizeof buf, "%s-%d", text, k); /* reused: the batch must copy it */
  double d = k % 13 == 0 ? NAN : k % 11 == 0 ? 4.0 : k / 3.0;
  batch_int(b, 1, k);
  sqlite3_bind_int64(ins, 1, k);
  if (k % 5) {
    batch_int(b, 2, (int64_t)k * 7 - 3000);
    sqlite3_bind_int64(ins, 2, (int64_t)k * 7 - 3000);
  }
  batch_double(b, 3, d);
  sqlite3_bind_double(ins, 3, d);
  if (k % 7) {
    batch_text(b, 4, buf);
    sqlite3_bind_text(ins, 4, buf, -1, SQLITE_TRANSIENT);
  }
  if (k % 3 == 0) {
    batch_double(b, 5, k * 0.5);
    sqlite3_bind_double(ins, 5, k * 0.5);
  } else if (k % 3 == 1) {
    batch_text(b, 5, "");
    sqlite3_bind_text(ins, 5, "", -1, SQLITE_STATIC);
  }
  assert_int_equal(wdb_done(db, ins), 0);
  assert_int_equal(batch_row_done(b), 0);
}

static const char *const typed_a =
    "SELECT k, typeof(i) || coalesce(i, ''), typeof(d) || coalesce(printf('%!.17g', d), ''),"
    " typeof(t) || coalesce(t, ''), typeof(n) || coalesce(printf('%!.17g', n), '') FROM a";
static const char *const typed_b =
    "SELECT k, typeof(i) || coalesce(i, ''), typeof(d) || coalesce(printf('%!.17g', d), ''),"
    " typeof(t) || coalesce(t, ''), typeof(n) || coalesce(printf('%!.17g', n), '') FROM b";

static void rows_stored_as_bound(void **state) {
  struct fx *f = *state;
  struct row_batch *b = parse_batch(&f->p, 0, sql_batched);
  assert_non_null(b);
  for (int k = 0; k < 1000; k++) both(b, &f->db, k, "row");
  assert_true(tl_int(&f->db, "SELECT count(*) FROM a") < 1000); /* the last batch still gathered */
  assert_int_equal(batches_flush(&f->priv.batches), 0);
  assert_int_equal(tl_int(&f->db, "SELECT count(*) FROM a"), 1000);
  assert_int_equal(tl_differing(&f->db, typed_a, typed_b), 0);
  /* what the comparison would see if a type were lost */
  assert_int_equal(tl_int(&f->db, "SELECT count(*) FROM a WHERE typeof(d) = 'null'"), 77);
  assert_int_equal(tl_int(&f->db, "SELECT count(*) FROM a WHERE typeof(n) = 'text'"), 333);
  /* the same text on the same slot: the same batch, nothing to prepare */
  assert_ptr_equal(parse_batch(&f->p, 0, sql_batched), b);
}

static void long_text_is_stored_early(void **state) {
  struct fx *f = *state;
  struct row_batch *b = parse_batch(&f->p, 0, sql_batched);
  assert_non_null(b);
  size_t n = 700 * 1000;
  char *big = malloc(n + 1);
  for (int k = 0; k < 3; k++) {
    memset(big, 'a' + k, n);
    big[n] = '\0';
    batch_int(b, 1, 5000 + k);
    batch_text(b, 4, big);
    assert_int_equal(batch_row_done(b), 0);
  }
  free(big);
  assert_true(tl_int(&f->db, "SELECT count(*) FROM a WHERE k >= 5000") >= 1); /* past 1 MiB */
  assert_int_equal(batches_flush(&f->priv.batches), 0);
  assert_int_equal(tl_int(&f->db, "SELECT count(*) FROM a WHERE k >= 5000 AND length(t) = %d"
                                  " AND substr(t, 1, 1) = char(97 + k - 5000) AND t NOT GLOB '*[^a-c]*'",
                          (int)n),
                   3);
}

static void broken_constraint_names_its_line(void **state) {
  struct fx *f = *state;
  struct row_batch *b = parse_batch(&f->p, 0, sql_batched);
  assert_non_null(b);
  for (int k = 0; k < 10; k++) {
    batch_int(b, 1, 100 + k);
    assert_int_equal(batch_row_done(b), 0);
  }
  batch_int(b, 1, 100); /* the key again */
  batch_int(b, 2, 900); /* its "line" */
  assert_int_equal(batch_row_done(b), 0);
  for (int k = 0; k < 3; k++) {
    batch_int(b, 1, 200 + k);
    assert_int_equal(batch_row_done(b), 0);
  }
  msg_quiet = 1;
  assert_int_equal(batches_flush(&f->priv.batches), -1);
  msg_quiet = 0;
  assert_true(batches_failed_on_constraint(&f->priv.batches));
  assert_int_equal(batches_failed_line(&f->priv.batches), 900);
  assert_non_null(strstr(batches_error_text(&f->priv.batches), "UNIQUE"));
  /* stored up to the row refused, as row-by-row INSERTs would */
  assert_int_equal(tl_int(&f->db, "SELECT count(*) FROM a"), 10);
  assert_int_equal(tl_int(&f->db, "SELECT count(*) FROM a WHERE k >= 200"), 0);
  /* the file's rows stop at the failure, until the driver discards them */
  batch_int(b, 1, 300);
  assert_int_equal(batch_row_done(b), 0);
  msg_quiet = 1;
  assert_int_equal(batches_flush(&f->priv.batches), -1);
  msg_quiet = 0;
  assert_int_equal(tl_int(&f->db, "SELECT count(*) FROM a WHERE k = 300"), 0);
  batches_discard(&f->priv.batches);
  assert_false(batches_failed_on_constraint(&f->priv.batches));
  assert_int_equal(wdb_exec(&f->db, "DELETE FROM a", "test"), 0);
  /* the batch is empty again and takes rows */
  batch_int(b, 1, 7);
  assert_int_equal(batch_row_done(b), 0);
  assert_int_equal(batches_flush(&f->priv.batches), 0);
  assert_int_equal(tl_int(&f->db, "SELECT group_concat(k) FROM a"), 7);
}

static void discarded_rows_are_never_stored(void **state) {
  struct fx *f = *state;
  struct row_batch *b = parse_batch(&f->p, 0, sql_batched);
  assert_non_null(b);
  for (int k = 0; k < 5; k++) {
    batch_int(b, 1, k);
    batch_text(b, 4, "gone");
    assert_int_equal(batch_row_done(b), 0);
  }
  batches_discard(&f->priv.batches);
  batch_int(b, 1, 42);
  assert_int_equal(batch_row_done(b), 0);
  assert_int_equal(batches_flush(&f->priv.batches), 0);
  assert_string_equal(tl_text(&f->db, "SELECT group_concat(k || ':' || typeof(t)) FROM a"), "42:null");
}

static void only_plain_inserts_are_batched(void **state) {
  struct fx *f = *state;
  msg_quiet = 1;
  assert_null(parse_batch(&f->p, 1, "INSERT INTO a(k, i) VALUES (?, 1)"));
  assert_null(parse_batch(&f->p, 1, "INSERT INTO a(k) SELECT ?"));
  assert_null(parse_batch(&f->p, 1, "INSERT INTO a(k, i) VALUES (?, ?), (?, ?)x"));
  msg_quiet = 0;
  assert_non_null(parse_batch(&f->p, 1, "INSERT INTO b(k, t) VALUES (?,?)"));
}

/* Files of two formats that share a slot alternate in a tree: each INSERT is
 * prepared once per ingest, and each file's rows go to its own table. */
static void alternating_inserts_prepare_once(void **state) {
  struct fx *f = *state;
  static const char sql_b[] = "INSERT INTO b(k, t) VALUES (?, ?)";
  for (int file = 0; file < 6; file++) {
    struct row_batch *b = parse_batch(&f->p, 0, file % 2 ? sql_b : sql_batched);
    assert_non_null(b);
    batch_int(b, 1, file);
    assert_int_equal(batch_row_done(b), 0);
    assert_int_equal(batches_flush(&f->priv.batches), 0);
  }
  assert_int_equal(f->priv.batches.nprepared, 2);
  assert_string_equal(tl_text(&f->db, "SELECT group_concat(k) FROM (SELECT k FROM a ORDER BY k)"), "0,2,4");
  assert_string_equal(tl_text(&f->db, "SELECT group_concat(k) FROM (SELECT k FROM b ORDER BY k)"), "1,3,5");
}

/* Rows K0 .. K0 + N - 1 into table a through F's slot 0, and after row AT a
 * plain INSERT of -K0 - 1 (through the statement cache) into the same table. */
static void rows_and_a_plain_insert(struct fx *f, int k0, int n, int at) {
  static const char sql_c[] = "INSERT INTO c(k) VALUES (?)";
  static const char sql_plain[] = "INSERT INTO c(k) VALUES (?)"; /* another statement */
  struct row_batch *b = parse_batch(&f->p, 0, sql_c);
  assert_non_null(b);
  for (int k = k0; k < k0 + n; k++) {
    batch_int(b, 1, k);
    assert_int_equal(batch_row_done(b), 0);
    if (k == k0 + at) {
      sqlite3_stmt *st = wdb_stmt(&f->db, sql_plain);
      assert_non_null(st);
      sqlite3_bind_int(st, 1, -k0 - 1);
      assert_int_equal(wdb_done(&f->db, st), 0);
    }
  }
  assert_int_equal(batches_flush(&f->priv.batches), 0);
}

/* The order of table c's rows in F's database: the rowids of the plain rows,
 * and a sum that any other change of order moves. */
static const char *rowid_order(struct fx *f) {
  return tl_text(&f->db, "SELECT (SELECT group_concat(rowid) FROM (SELECT rowid FROM c WHERE k < 0 ORDER BY k DESC))"
                         " || ' ' || sum(rowid * (k + 100000)) FROM c");
}

/* With the thread, a statement of the parser's own runs after every batch that
 * filled before it and before every batch that fills after it, as it does
 * without the thread: rowids come out in the same order. */
static void store_thread_keeps_the_order(void **state) {
  struct fx *f = *state;
  struct fx inline_fx = {0};
  fx_open(&inline_fx, f->dir, "inline.db", 0);
  const char *c = "CREATE TABLE c(k INTEGER)";
  assert_int_equal(wdb_exec(&f->db, c, "test"), 0);
  assert_int_equal(wdb_exec(&inline_fx.db, c, "test"), 0);
  for (int round = 0; round < 3; round++) {
    rows_and_a_plain_insert(f, 10000 * round, 5000, 1500 + round * 1100);
    rows_and_a_plain_insert(&inline_fx, 10000 * round, 5000, 1500 + round * 1100);
  }
  char threaded[256];
  snprintf(threaded, sizeof threaded, "%s", rowid_order(f));
  assert_int_equal(tl_int(&f->db, "SELECT count(*) FROM c"), 3 * 5001);
  assert_string_equal(threaded, rowid_order(&inline_fx));
  /* the plain rows are neither first nor last of their round */
  assert_int_equal(tl_int(&f->db, "SELECT count(*) FROM c WHERE k < 0 AND rowid %% 5001 IN (0, 1)"), 0);
  fx_close(&inline_fx);
}

/* A failure inside the thread reaches the parser at a later row (or the
 * flush); the batches queued after the failed one are not stored. */
static void store_thread_failure_reaches_the_parser(void **state) {
  struct fx *f = *state;
  struct row_batch *b = parse_batch(&f->p, 0, sql_batched);
  assert_non_null(b);
  batch_int(b, 1, 1);
  batch_int(b, 2, 41);
  assert_int_equal(batch_row_done(b), 0);
  assert_int_equal(batches_flush(&f->priv.batches), 0);
  int failed_at = 0;
  msg_quiet = 1;
  for (int k = 2; k < 20000 && !failed_at; k++) {
    batch_int(b, 1, k == 300 ? 1 : k); /* row 300 repeats key 1 */
    batch_int(b, 2, 1000 + k);
    if (batch_row_done(b)) failed_at = k;
  }
  if (!failed_at) assert_int_equal(batches_flush(&f->priv.batches), -1);
  msg_quiet = 0;
  assert_true(batches_failed_on_constraint(&f->priv.batches));
  assert_int_equal(batches_failed_line(&f->priv.batches), 1300);
  /* nothing past the failed batch: its rows before the refused one at most */
  assert_true(tl_int(&f->db, "SELECT max(k) FROM a") < 300);
  batches_discard(&f->priv.batches);
  batch_int(b, 1, 50000);
  assert_int_equal(batch_row_done(b), 0);
  assert_int_equal(batches_flush(&f->priv.batches), 0);
  assert_int_equal(tl_int(&f->db, "SELECT count(*) FROM a WHERE k = 50000"), 1);
}

/* The default VFS, counting the statement journals SQLite writes to a file
 * (a journal of one statement spills to a file past 64 KiB); registered as the
 * default before a fixture opens its database, so that its connection uses
 * it. */
static sqlite3_vfs counting_vfs;
static sqlite3_vfs *real_vfs;
static int subjournals_opened;

static int counting_open(sqlite3_vfs *vfs, sqlite3_filename name, sqlite3_file *file, int flags, int *out) {
  if (flags & SQLITE_OPEN_SUBJOURNAL) subjournals_opened++;
  return real_vfs->xOpen(vfs, name, file, flags, out);
}

static int fx_setup_counting_with(void **state, int threaded) {
  real_vfs = sqlite3_vfs_find(NULL);
  counting_vfs = *real_vfs;
  counting_vfs.zName = "counting";
  counting_vfs.xOpen = counting_open;
  subjournals_opened = 0;
  assert_int_equal(sqlite3_vfs_register(&counting_vfs, 1), SQLITE_OK);
  return fx_setup_with(state, threaded);
}

static int fx_setup_counting(void **state) { return fx_setup_counting_with(state, 0); }
static int fx_setup_counting_threaded(void **state) { return fx_setup_counting_with(state, 1); }

static int fx_teardown_counting(void **state) {
  fx_teardown(state);
  sqlite3_vfs_register(real_vfs, 1);
  sqlite3_vfs_unregister(&counting_vfs);
  return 0;
}

/* Fills table a with the keys 0, STEP, 2 STEP, .. up to LAST, each with a
 * text of WIDTH digits, in one INSERT ... SELECT (ABORT: it keeps a statement
 * journal of its own), and commits it. */
static void fill_a(struct fx *f, int step, int last, int width) {
  char sql[256];
  snprintf(sql, sizeof sql,
           "WITH RECURSIVE s(k) AS (SELECT 0 UNION ALL SELECT k + %d FROM s WHERE k < %d)"
           " INSERT INTO a(k, t) SELECT k, printf('%%0%dd', k) FROM s; COMMIT; BEGIN",
           step, last, width);
  assert_int_equal(wdb_exec(&f->db, sql, "test"), 0);
  subjournals_opened = 0;
}

/* A batch among a table's existing rows changes many of its pages: stored
 * without a statement journal of them (OR FAIL, ingest/batch.c), where the
 * default ABORT would copy every such page first. With temp_store=FILE, as
 * SQLite's default, such a journal goes to a file past 64 KiB, which the
 * counting VFS sees. */
static void batches_keep_no_statement_journal(void **state) {
  struct fx *f = *state;
  assert_int_equal(wdb_exec(&f->db, "COMMIT; PRAGMA temp_store=FILE; BEGIN", "test"), 0);
  fill_a(f, 2, 40000, 100);
  struct row_batch *b = parse_batch(&f->p, 0, sql_batched);
  assert_non_null(b);
  for (int k = 1; k < 40000; k += 40) { /* one new row in about every page */
    batch_int(b, 1, k);
    batch_text(b, 4, "between");
    assert_int_equal(batch_row_done(b), 0);
  }
  assert_int_equal(batches_flush(&f->priv.batches), 0);
  assert_int_equal(tl_int(&f->db, "SELECT count(*) FROM a WHERE t = 'between'"), 1000);
  assert_int_equal(subjournals_opened, 0);
}

/* A savepoint's journal of 40 pages (about 640 KiB) stays in memory on a
 * connection wdb_open() made, as the ingest's savepoint around a file's rows
 * does, where SQLite's default would write it to a temporary file past 64
 * KiB. */
static void savepoint_journal_stays_in_memory(void **state) {
  struct fx *f = *state;
  fill_a(f, 1, 4000, 140);
  long long pages = tl_int(&f->db, "SELECT count(DISTINCT pageno) FROM dbstat WHERE name = 'a'");
  assert_true(pages >= 40 && pages < 120);
  assert_int_equal(wdb_exec(&f->db, "SAVEPOINT rows; UPDATE a SET i = k; RELEASE rows", "test"), 0);
  assert_int_equal(subjournals_opened, 0);
}

int main(void) {
#define BOTH(test)                                                                                  \
  cmocka_unit_test_setup_teardown(test, fx_setup, fx_teardown),                                   \
      cmocka_unit_test_setup_teardown(test, fx_setup_threaded, fx_teardown)
  const struct CMUnitTest tests[] = {
      BOTH(rows_stored_as_bound),
      BOTH(long_text_is_stored_early),
      BOTH(broken_constraint_names_its_line),
      BOTH(discarded_rows_are_never_stored),
      BOTH(only_plain_inserts_are_batched),
      BOTH(alternating_inserts_prepare_once),
      cmocka_unit_test_setup_teardown(batches_keep_no_statement_journal, fx_setup_counting, fx_teardown_counting),
      cmocka_unit_test_setup_teardown(batches_keep_no_statement_journal, fx_setup_counting_threaded,
                                      fx_teardown_counting),
      cmocka_unit_test_setup_teardown(savepoint_journal_stays_in_memory, fx_setup_counting, fx_teardown_counting),
      cmocka_unit_test_setup_teardown(store_thread_keeps_the_order, fx_setup_threaded, fx_teardown),
      cmocka_unit_test_setup_teardown(store_thread_failure_reaches_the_parser, fx_setup_threaded, fx_teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
