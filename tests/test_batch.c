/* tests/test_batch.c: the ingest's row batches (ingest/batch.h): rows set
 * through a batch are stored exactly as the same parameters bound to the
 * INSERT itself would store them (types, NULLs, NaN, copied text), across many
 * batches and early flushes of long text; a constraint broken inside a batch
 * fails its flush, the rows before the one refused stored as row-by-row
 * INSERTs would have stored them, and that row's line known; discarded rows are never
 * stored; an INSERT that is not plain `VALUES (?, ...)` is refused; each
 * INSERT is prepared once however its files alternate. */
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

static int fx_setup(void **state) {
  struct fx *f = calloc(1, sizeof *f);
  f->dir = tl_mkdtemp();
  tl_open(&f->db, f->dir, "t.db");
  assert_int_equal(wdb_exec(&f->db,
                            "CREATE TABLE a(k INTEGER PRIMARY KEY, i INTEGER, d REAL, t TEXT, n) WITHOUT ROWID;"
                            "CREATE TABLE b(k INTEGER PRIMARY KEY, i INTEGER, d REAL, t TEXT, n) WITHOUT ROWID;"
                            "BEGIN",
                            "test"),
                   0);
  f->p.db = &f->db;
  f->p.priv = &f->priv;
  assert_int_equal(batches_register(&f->db), 0);
  *state = f;
  return 0;
}

static int fx_teardown(void **state) {
  struct fx *f = *state;
  batches_free(&f->priv.batches);
  sqlite3_exec(f->db.sql, "ROLLBACK", NULL, NULL, NULL);
  tl_close(&f->db);
  tl_rmdir(f->dir);
  free(f);
  return 0;
}

/* Row K: the same parameters through batch B and bound to INS (table b). */
static void both(struct row_batch *b, sqlite3_stmt *ins, int k, const char *text) {
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
  assert_int_equal(batch_row_done(b), 0);
  assert_int_equal(sqlite3_step(ins), SQLITE_DONE);
  sqlite3_reset(ins);
  sqlite3_clear_bindings(ins);
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
  sqlite3_stmt *ins;
  assert_int_equal(sqlite3_prepare_v2(f->db.sql, "INSERT INTO b(k, i, d, t, n) VALUES (?, ?, ?, ?, ?)", -1,
                                      &ins, NULL),
                   SQLITE_OK);
  for (int k = 0; k < 1000; k++) both(b, ins, k, "row");
  assert_true(tl_int(&f->db, "SELECT count(*) FROM a") < 1000); /* the last batch still gathered */
  assert_int_equal(batches_flush(&f->priv.batches), 0);
  sqlite3_finalize(ins);
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
  assert_int_equal(sqlite3_errcode(f->db.sql) & 0xff, SQLITE_CONSTRAINT);
  assert_int_equal(batches_failed_line(&f->priv.batches), 900);
  /* stored one by one up to the row refused, as row-by-row INSERTs would */
  assert_int_equal(tl_int(&f->db, "SELECT count(*) FROM a"), 10);
  assert_int_equal(tl_int(&f->db, "SELECT count(*) FROM a WHERE k >= 200"), 0);
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

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(rows_stored_as_bound, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(long_text_is_stored_early, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(broken_constraint_names_its_line, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(discarded_rows_are_never_stored, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(only_plain_inserts_are_batched, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(alternating_inserts_prepare_once, fx_setup, fx_teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
