/* tests/testlib.h: what the cmocka suites share: scratch directories, writing
 * fixture files, ingesting into a fresh database, and one-number SQL queries.
 *
 * Every suite is one C file that includes this header once (the helpers are
 * static), and runs from the repository root, so fixtures are found as
 * tests/fixtures/<format>/<file>. */
#ifndef WATTDB_TESTLIB_H
#define WATTDB_TESTLIB_H

#define _DEFAULT_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/msg.h"
#include "ingest/ingest.h"
#include "schema/db.h"

/* A fresh scratch directory under $TMPDIR (or /tmp); the path lives in a
 * static buffer per call site's copy. Removed by tl_rmdir. */
static inline char *tl_mkdtemp(void) {
  const char *tmp = getenv("TMPDIR");
  char templ[512];
  snprintf(templ, sizeof templ, "%s/wattdb-test-XXXXXX", tmp && *tmp ? tmp : "/tmp");
  char *dir = mkdtemp(templ);
  assert_non_null(dir);
  return strdup(dir);
}

static inline void tl_rmdir(char *dir) {
  char cmd[1024];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  assert_int_equal(system(cmd), 0);
  free(dir);
}

/* Writes N bytes of DATA to DIR/NAME, creating parent folders. */
static inline void tl_write(const char *dir, const char *name, const void *data, size_t n) {
  char path[1024];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  for (char *s = path + strlen(dir) + 1; (s = strchr(s, '/')); s++) {
    *s = '\0';
    mkdir(path, 0755);
    *s = '/';
  }
  FILE *f = fopen(path, "wb");
  assert_non_null(f);
  assert_int_equal(fwrite(data, 1, n, f), n);
  assert_int_equal(fclose(f), 0);
}

static inline void tl_write_str(const char *dir, const char *name, const char *text) {
  tl_write(dir, name, text, strlen(text));
}

/* The lines of tl_write_nvidia_smi_loose_texts(). */
#define TL_NV_LOOSE_LINES 1100

/* Writes DIR/NAME: an nvidia-smi log of TL_NV_LOOSE_LINES lines whose slot
 * texts a file does not all number: every third time not as nvidia-smi writes
 * it ("10:00:00.5"), a name of 300 bytes (line 9) and a pstate per line, more
 * texts than a file numbers. */
static inline void tl_write_nvidia_smi_loose_texts(const char *dir, const char *name) {
  size_t cap = TL_NV_LOOSE_LINES * 400, n;
  char *text = malloc(cap), longname[301];
  assert_non_null(text);
  memset(longname, 'x', 300);
  longname[300] = '\0';
  n = (size_t)snprintf(text, cap, "timestamp, index, name, power.draw [W], pstate\n");
  for (int i = 0; i < TL_NV_LOOSE_LINES; i++)
    n += (size_t)snprintf(text + n, cap - n, "2024/03/06 10:%02d:%02d.%s, %d, %s, %s, u%04d\n", i / 600, i / 10 % 60,
                          i % 3 ? "500" : "5", i % 2, i == 7 ? longname : "GPU", i % 5 ? "35.5 W" : "[N/A]", i);
  tl_write_str(dir, name, text);
  free(text);
}

/* Opens (creating) DIR/NAME as a wattdb database. */
static inline void tl_open(struct wdb *db, const char *dir, const char *name) {
  static char path[1024];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  /* wdb keeps the pointer: give each open its own copy. */
  assert_int_equal(wdb_open(db, strdup(path)), 0);
}

static inline void tl_close(struct wdb *db) {
  char *path = (char *)db->path;
  wdb_close(db);
  free(path);
}

static inline long long tl_int(struct wdb *db, const char *fmt, ...);

/* Ingests ROOT quietly; returns the stats. Fails the test on a fatal error,
 * and when the ingest leaves the connection's settings changed. */
static inline struct ingest_stats tl_ingest(struct wdb *db, const char *root) {
  struct ingest_options opt = {0};
  struct ingest_stats stats;
  char *roots[1] = {(char *)root};
  long long cache = tl_int(db, "PRAGMA cache_size"), fk = tl_int(db, "PRAGMA foreign_keys"),
            temp_store = tl_int(db, "PRAGMA temp_store");
  msg_quiet = 1;
  assert_int_equal(ingest_paths(db, roots, 1, &opt, &stats), 0);
  msg_quiet = 0;
  /* the connection's settings as the ingest found them */
  assert_int_equal(tl_int(db, "PRAGMA cache_size"), cache);
  assert_int_equal(tl_int(db, "PRAGMA foreign_keys"), fk);
  assert_int_equal(tl_int(db, "PRAGMA temp_store"), temp_store);
  return stats;
}

/* Prepares the printf-formatted query FMT/AP (any length), failing the test on
 * an error. */
static inline sqlite3_stmt *tl_prepare(struct wdb *db, const char *fmt, va_list ap) {
  char *sql = sqlite3_vmprintf(fmt, ap);
  assert_non_null(sql);
  if (db->before_use) db->before_use(db->before_use_ctx); /* a store thread lets go (db.h) */
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(db->sql, sql, -1, &st, NULL) != SQLITE_OK)
    fail_msg("%s: %s", sql, sqlite3_errmsg(db->sql));
  sqlite3_free(sql);
  return st;
}

/* The integer result of a printf-formatted SQL query (first column, first row;
 * -1 when there is no row). */
static inline long long tl_int(struct wdb *db, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  sqlite3_stmt *st = tl_prepare(db, fmt, ap);
  va_end(ap);
  long long v = -1;
  if (sqlite3_step(st) == SQLITE_ROW) v = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  return v;
}

/* Rows of query A not in query B plus rows of B not in A, compared to the bit
 * (EXCEPT): 0 when both give the same rows. */
static inline long long tl_differing(struct wdb *db, const char *a, const char *b) {
  return tl_int(db,
                "SELECT (SELECT count(*) FROM (SELECT * FROM (%s) EXCEPT SELECT * FROM (%s)))"
                " + (SELECT count(*) FROM (SELECT * FROM (%s) EXCEPT SELECT * FROM (%s)))",
                a, b, b, a);
}

/* The real result of a printf-formatted SQL query (NAN when no row or NULL). */
static inline double tl_real(struct wdb *db, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  sqlite3_stmt *st = tl_prepare(db, fmt, ap);
  va_end(ap);
  double v = 0.0 / 0.0;
  if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
    v = sqlite3_column_double(st, 0);
  sqlite3_finalize(st);
  return v;
}

/* The text result of a query, copied into a static buffer ("" when none). */
static inline const char *tl_text(struct wdb *db, const char *fmt, ...) {
  static char out[4096];
  va_list ap;
  va_start(ap, fmt);
  sqlite3_stmt *st = tl_prepare(db, fmt, ap);
  va_end(ap);
  out[0] = '\0';
  if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
    snprintf(out, sizeof out, "%s", (const char *)sqlite3_column_text(st, 0));
  sqlite3_finalize(st);
  return out;
}

/* The sample generator (data/gen_sample.c): $GEN_SAMPLE, as make test sets it. */
static inline const char *tl_gen_sample(void) {
  const char *gen = getenv("GEN_SAMPLE");
  return gen && *gen ? gen : "./build/release/gen-sample";
}

/* 1 in a build under AddressSanitizer, UndefinedBehaviorSanitizer or
 * ThreadSanitizer, where the long sweeps take fewer points. */
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define TL_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(undefined_behavior_sanitizer) || __has_feature(thread_sanitizer)
#define TL_SANITIZED 1
#endif
#endif
#ifndef TL_SANITIZED
#define TL_SANITIZED 0
#endif

/* The directory of the real sample files, or NULL when ../shared is absent (the
 * tests that need it then skip). */
static inline const char *tl_shared_real(void) {
  static const char *const candidates[] = {"../shared/data/real", "../../shared/data/real", NULL};
  const char *env = getenv("WATTDB_SHARED_REAL");
  struct stat st;
  if (env && stat(env, &st) == 0) return env;
  for (int i = 0; candidates[i]; i++)
    if (stat(candidates[i], &st) == 0) return candidates[i];
  return NULL;
}

#endif
