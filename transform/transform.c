/* transform/transform.c: one `wattdb transform`, in one transaction.
 *
 * 1. store the settings given (carbon intensity, PUE, UTC offset, wall sockets) and refresh the builtin GPU
 *    reference rows from data/gpu_specs.csv (embedded at build time);
 * 2. temp.tf_input: the files each run is built from now (source_file id and
 *    sha256, a duplicate resolved to the file that owns the rows, of competing
 *    files the one that extends the others: run_file_choice), plus the
 *    algorithm version; temp.tf_dirty: the (run, profile) pairs whose recorded
 *    run_input differs, for the profiles asked;
 * 3. the embedded transform/0N_*.sql (the temp tables the alignment fills);
 * 4. the interim rows of those runs and their sums (pipeline.c);
 * 5. the other embedded transform/NN_*.sql in name order (they read tf_dirty);
 *    50_sources.sql only when its inputs changed (source_built), after the
 *    UTC files' clock offsets (clock.c, clock_offset);
 * 6. run_input records what was built. */
#define _DEFAULT_SOURCE /* strsep */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/fnv1a.h"
#include "common/msg.h"
#include "schema/embedded.h"
#include "schema/model.h"
#include "transform/pipeline.h"
#include "common/trapezoid.h"
#include "transform/clock.h"
#include "transform/transform.h"
#include "transform/wattmeter.h"

/* data/gpu_specs.csv, embedded by the Makefile (schema/embed.sh). */
extern const struct embedded_sql gpu_specs_csv[];

static void f32_func(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  (void)argc;
  if (sqlite3_value_type(argv[0]) == SQLITE_NULL) {
    sqlite3_result_null(ctx);
    return;
  }
  sqlite3_result_double(ctx, (double)(float)sqlite3_value_double(argv[0]));
}

/* f32_mean(x, ord): the mean pandas' groupby computes for a float32 column in the
 * anchor (its cython group_mean keeps the sum in the column's type): the values
 * rounded to float32, taken in ORD order, summed in float32 with Kahan
 * compensation, divided by the count in float32. This reproduces the anchor's
 * printed 'average ram power (W)' and 'average ram used (MB)' to the last digit
 * (a double-precision mean misses one of them by a unit in the 6th decimal). The
 * values are kept in a buffer that doubles as it fills (one per group). The
 * transform computes these means in C (integrate.c) with the same sum; the SQL
 * function stays for queries of the interim samples. */
struct f32_agg {
  struct f32_item { double ord; float v; } *items;
  size_t n, cap;
};

static int cmp_item(const void *x, const void *y) {
  double a = ((const struct f32_item *)x)->ord, b = ((const struct f32_item *)y)->ord;
  return (a > b) - (a < b);
}

static void f32_mean_step(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  (void)argc;
  if (sqlite3_value_type(argv[0]) == SQLITE_NULL) return;
  struct f32_agg *g = sqlite3_aggregate_context(ctx, sizeof *g);
  if (!g) {
    sqlite3_result_error_nomem(ctx);
    return;
  }
  if (g->n == g->cap) {
    g->cap = g->cap ? 2 * g->cap : 1024;
    g->items = xrealloc(g->items, (unsigned long)(g->cap * sizeof *g->items));
  }
  g->items[g->n].ord = sqlite3_value_double(argv[1]);
  g->items[g->n].v = (float)sqlite3_value_double(argv[0]);
  g->n++;
}

static void f32_mean_final(sqlite3_context *ctx) {
  struct f32_agg *g = sqlite3_aggregate_context(ctx, 0);
  if (!g || !g->n) {
    sqlite3_result_null(ctx);
    return;
  }
  qsort(g->items, g->n, sizeof *g->items, cmp_item);
  float mean = f32_kahan_sum(&g->items[0].v, g->n, sizeof *g->items) / (float)g->n;
  sqlite3_result_double(ctx, (double)mean);
  free(g->items);
  g->items = NULL;
}

/* trapezoid(line, t, p, max_gap [, forward_only]): the integration engine
 * (trapezoid.h) as an aggregate, fed one series' readings in line order (a
 * row out of order is an error, never a wrong sum); NULL t or p is no
 * reading; max_gap is read from the first row (NULL: nothing bridged). The
 * result is a blob that trapezoid_value() reads. */
struct trapezoid_agg {
  int started;
  sqlite3_int64 line; /* the last line fed */
  struct trapezoid z;
};

static void trapezoid_step(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  struct trapezoid_agg *g = sqlite3_aggregate_context(ctx, sizeof *g);
  if (!g) {
    sqlite3_result_error_nomem(ctx);
    return;
  }
  sqlite3_int64 line = sqlite3_value_int64(argv[0]);
  if (!g->started) {
    double gap = sqlite3_value_type(argv[3]) == SQLITE_NULL ? NAN : sqlite3_value_double(argv[3]);
    trapezoid_start(&g->z, gap, argc > 4 && sqlite3_value_int(argv[4]));
  } else if (line <= g->line) {
    sqlite3_result_error(ctx, "trapezoid: rows not in line order", -1);
    return;
  }
  g->started = 1;
  g->line = line;
  if (sqlite3_value_type(argv[1]) == SQLITE_NULL || sqlite3_value_type(argv[2]) == SQLITE_NULL) return;
  trapezoid_add(&g->z, sqlite3_value_double(argv[1]), sqlite3_value_double(argv[2]));
}

static void trapezoid_final(sqlite3_context *ctx) {
  struct trapezoid_agg *g = sqlite3_aggregate_context(ctx, 0);
  if (!g || !g->z.n) {
    sqlite3_result_null(ctx);
    return;
  }
  sqlite3_result_blob(ctx, &g->z, (int)sizeof g->z, SQLITE_TRANSIENT);
}

/* trapezoid_window(line, t, p, max_gap, lo, hi [, unit]): the integration
 * engine's walk (trapezoid_next) of one series over the window (lo, hi], an
 * interval that crosses an end split in proportion to the time inside: the
 * default profile's integral of one epoch span. Rows come in any order and are
 * walked in (t, line) order, the default profile's (time, ties by line); NULL t
 * or p is no reading; max_gap (NULL: nothing bridged), lo, hi and unit (the
 * shares' unit in t's, 1 when not given) are read from the first row. Feed it
 * the readings from the last at or before lo to the first at or after hi (the
 * others add nothing). The readings are kept in a buffer that doubles as it
 * fills (one per group). The result is a blob that trapezoid_value() reads. */
struct window_reading {
  double t, p;
  sqlite3_int64 line;
};

struct window_agg {
  int started;
  double max_gap, lo, hi, unit;
  struct window_reading *r;
  size_t n, cap;
};

static int cmp_reading(const void *x, const void *y) {
  const struct window_reading *a = x, *b = y;
  if (a->t != b->t) return (a->t > b->t) - (a->t < b->t);
  return (a->line > b->line) - (a->line < b->line);
}

static void window_step(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  struct window_agg *g = sqlite3_aggregate_context(ctx, sizeof *g);
  if (!g) {
    sqlite3_result_error_nomem(ctx);
    return;
  }
  if (!g->started) {
    g->started = 1;
    g->max_gap = sqlite3_value_type(argv[3]) == SQLITE_NULL ? NAN : sqlite3_value_double(argv[3]);
    g->lo = sqlite3_value_double(argv[4]);
    g->hi = sqlite3_value_double(argv[5]);
    g->unit = argc > 6 ? sqlite3_value_double(argv[6]) : 1;
  }
  if (sqlite3_value_type(argv[1]) == SQLITE_NULL || sqlite3_value_type(argv[2]) == SQLITE_NULL) return;
  if (g->n == g->cap) {
    g->cap = g->cap ? 2 * g->cap : 256;
    g->r = xrealloc(g->r, (unsigned long)(g->cap * sizeof *g->r));
  }
  g->r[g->n++] = (struct window_reading){sqlite3_value_double(argv[1]), sqlite3_value_double(argv[2]),
                                          sqlite3_value_int64(argv[0])};
}

static void window_final(sqlite3_context *ctx) {
  struct window_agg *g = sqlite3_aggregate_context(ctx, 0);
  if (!g || !g->n) {
    if (g) free(g->r);
    sqlite3_result_null(ctx);
    return;
  }
  qsort(g->r, g->n, sizeof *g->r, cmp_reading);
  struct trapezoid z;
  struct trapezoid_window w;
  trapezoid_start(&z, g->max_gap, 0);
  trapezoid_window_start(&w, g->lo, g->hi, g->unit);
  for (size_t i = 0; i < g->n; i++) trapezoid_next(&z, &w, g->r[i].t, g->r[i].p, g->r[i].line, NULL);
  trapezoid_window_end(&w);
  free(g->r);
  sqlite3_result_blob(ctx, &w, (int)sizeof w, SQLITE_TRANSIENT);
}

_Static_assert(sizeof(struct trapezoid) != sizeof(struct trapezoid_window),
               "trapezoid_value tells the two results apart by their size");

/* trapezoid_value() of a trapezoid_window() result BLOB (below). */
static void window_value(sqlite3_context *ctx, const void *blob, const char *what) {
  struct trapezoid_window w;
  memcpy(&w, blob, sizeof w);
  if (strcmp(what, "energy") == 0 || strcmp(what, "time") == 0) {
    if (w.intervals) sqlite3_result_double(ctx, what[0] == 'e' ? w.energy : w.time);
    else sqlite3_result_null(ctx);
  } else if (strcmp(what, "covered") == 0) sqlite3_result_double(ctx, w.covered);
  else if (strcmp(what, "longest_gap") == 0) sqlite3_result_double(ctx, w.longest_gap);
  else if (strcmp(what, "samples") == 0) sqlite3_result_int64(ctx, w.samples);
  else if (w.samples && strcmp(what, "first") == 0) sqlite3_result_double(ctx, w.first);
  else if (w.samples && strcmp(what, "last") == 0) sqlite3_result_double(ctx, w.last);
  else sqlite3_result_null(ctx);
}

/* trapezoid_value(blob, what): of a trapezoid() result, 'energy' (p's unit x
 * t's unit), 'covered' and 'longest_gap' (t's unit), 'samples', 'error'
 * (trapezoid_error); of a trapezoid_window() result, 'energy' (Σ share x pm)
 * and 'time' (Σ share), NULL when no bridged interval lies in the window,
 * 'covered' and 'longest_gap' of the window (t's unit), 'samples' (readings in
 * [lo, hi]) and 'first' and 'last' of them (NULL without one); NULL for
 * anything else. */
static void trapezoid_value(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  (void)argc;
  struct trapezoid z;
  const char *what = (const char *)sqlite3_value_text(argv[1]);
  if (sqlite3_value_type(argv[0]) == SQLITE_BLOB && what &&
      sqlite3_value_bytes(argv[0]) == (int)sizeof(struct trapezoid_window)) {
    window_value(ctx, sqlite3_value_blob(argv[0]), what);
    return;
  }
  if (sqlite3_value_type(argv[0]) != SQLITE_BLOB || sqlite3_value_bytes(argv[0]) != (int)sizeof z || !what) {
    sqlite3_result_null(ctx);
    return;
  }
  memcpy(&z, sqlite3_value_blob(argv[0]), sizeof z);
  if (strcmp(what, "energy") == 0) sqlite3_result_double(ctx, z.energy);
  else if (strcmp(what, "covered") == 0) sqlite3_result_double(ctx, z.covered);
  else if (strcmp(what, "longest_gap") == 0) sqlite3_result_double(ctx, z.longest_gap);
  else if (strcmp(what, "samples") == 0) sqlite3_result_int64(ctx, z.n);
  else if (strcmp(what, "error") == 0) sqlite3_result_double(ctx, trapezoid_error(&z));
  else sqlite3_result_null(ctx);
}

int transform_register_functions(struct wdb *db) {
  if (sqlite3_create_function(db->sql, "f32_mean", 2, SQLITE_UTF8 | SQLITE_DETERMINISTIC, NULL, NULL,
                              f32_mean_step, f32_mean_final) != SQLITE_OK ||
      sqlite3_create_function(db->sql, "f32", 1, SQLITE_UTF8 | SQLITE_DETERMINISTIC, NULL, f32_func,
                              NULL, NULL) != SQLITE_OK ||
      sqlite3_create_function(db->sql, "trapezoid", 4, SQLITE_UTF8 | SQLITE_DETERMINISTIC, NULL, NULL,
                              trapezoid_step, trapezoid_final) != SQLITE_OK ||
      sqlite3_create_function(db->sql, "trapezoid", 5, SQLITE_UTF8 | SQLITE_DETERMINISTIC, NULL, NULL,
                              trapezoid_step, trapezoid_final) != SQLITE_OK ||
      sqlite3_create_function(db->sql, "trapezoid_window", 6, SQLITE_UTF8 | SQLITE_DETERMINISTIC, NULL, NULL,
                              window_step, window_final) != SQLITE_OK ||
      sqlite3_create_function(db->sql, "trapezoid_window", 7, SQLITE_UTF8 | SQLITE_DETERMINISTIC, NULL, NULL,
                              window_step, window_final) != SQLITE_OK ||
      sqlite3_create_function(db->sql, "trapezoid_value", 2, SQLITE_UTF8 | SQLITE_DETERMINISTIC, NULL,
                              trapezoid_value, NULL, NULL) != SQLITE_OK) {
    msg("%s: %s", db->path, sqlite3_errmsg(db->sql));
    return -1;
  }
  return wattmeter_register_functions(db);
}

static int set_setting(struct wdb *db, const char *name, double v) {
  static const char sql[] = "INSERT OR REPLACE INTO setting(name, value) VALUES (?, ?)";
  sqlite3_stmt *st = wdb_stmt(db, sql);
  if (!st) return -1;
  sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
  sqlite3_bind_double(st, 2, v);
  return wdb_done(db, st);
}

/* Stores the setting wall_sockets (a list like "1,7"), or removes it for
 * "all"; nothing when LIST is NULL. The view source_reconciliation reads it. */
static int set_wall_sockets(struct wdb *db, const char *list) {
  if (!list) return 0;
  sqlite3_stmt *st = wdb_stmt(db, strcmp(list, "all") == 0
                                      ? "DELETE FROM setting WHERE name = 'wall_sockets' AND ?1 IS NOT NULL"
                                      : "INSERT OR REPLACE INTO setting(name, value) VALUES ('wall_sockets', ?1)");
  if (!st) return -1;
  sqlite3_bind_text(st, 1, list, -1, SQLITE_STATIC);
  return wdb_done(db, st);
}

/* Loads the embedded gpu_specs.csv into gpu_spec as source 'builtin', leaving
 * rows a user added or changed (source <> 'builtin') alone. The CSV is plain:
 * a header line, comma-separated fields, no quotes. */
static int load_gpu_specs(struct wdb *db) {
  static const char sql[] =
      "INSERT INTO gpu_spec(name, architecture, cuda_cores, memory_gb, memory_type, bandwidth_gb_s,"
      " base_clock_ghz, power_w, max_temp_c, source) VALUES (?,?,?,?,?,?,?,?,?,'builtin')"
      " ON CONFLICT(name) DO UPDATE SET architecture=excluded.architecture,"
      " cuda_cores=excluded.cuda_cores, memory_gb=excluded.memory_gb,"
      " memory_type=excluded.memory_type, bandwidth_gb_s=excluded.bandwidth_gb_s,"
      " base_clock_ghz=excluded.base_clock_ghz, power_w=excluded.power_w,"
      " max_temp_c=excluded.max_temp_c WHERE gpu_spec.source = 'builtin'";
  const char *p = gpu_specs_csv[0].text;
  p = strchr(p, '\n'); /* header */
  while (p && *++p) {
    const char *eol = strchr(p, '\n');
    size_t len = eol ? (size_t)(eol - p) : strlen(p);
    char line[512];
    if (len == 0 || len >= sizeof line || *p == '#') {
      p = eol;
      continue;
    }
    memcpy(line, p, len);
    line[len] = '\0';
    sqlite3_stmt *st = wdb_stmt(db, sql);
    if (!st) return -1;
    char *save = NULL, *f = line;
    for (int k = 1; k <= 9; k++) {
      char *tok = strsep(&f, ",");
      if (tok && *tok) sqlite3_bind_text(st, k, tok, -1, SQLITE_TRANSIENT);
    }
    (void)save;
    if (wdb_done(db, st)) return -1;
    p = eol;
  }
  /* Numbers were bound as text; the column affinities make them numbers. */
  return 0;
}

static const char sql_inputs[] =
    "DROP TABLE IF EXISTS temp.tf_input;"
    "CREATE TEMP TABLE tf_input(run_id INTEGER, role TEXT, file_id INTEGER, sha256 TEXT,"
    " PRIMARY KEY(run_id, role)) WITHOUT ROWID;"
    /* of several files of one run and role, the one the content chooses
     * (schema/006_competing_files.sql) */
    "INSERT INTO tf_input SELECT run_id, role, file_id, sha256 FROM run_file_choice WHERE rank = 1;"
    "INSERT INTO tf_input SELECT id, 'algorithm', NULL, '" TRANSFORM_ALGORITHM "' FROM run;"
    "DROP TABLE IF EXISTS temp.tf_profile;"
    "CREATE TEMP TABLE tf_profile(profile TEXT PRIMARY KEY);"
    "DROP TABLE IF EXISTS temp.tf_dirty;"
    "CREATE TEMP TABLE tf_dirty(run_id INTEGER, profile TEXT, PRIMARY KEY(run_id, profile)) WITHOUT ROWID;";

/* Prints each run whose files of one role diverge (run_file_conflict): the
 * run is built from the chosen one, and the user should know. 0 or -1. */
static int warn_conflicts(struct wdb *db) {
  sqlite3_stmt *st = wdb_stmt(db, "SELECT environment, architecture, dataset, stamp, role, chosen, "
                                  "diverging FROM run_file_conflict");
  if (!st) return -1;
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW)
    msg("run %s/%s/%s/%s: its %s files diverge (neither extends the other): built from '%s', "
        "not from '%s'; see wattdb status",
        sqlite3_column_text(st, 0), sqlite3_column_text(st, 1), sqlite3_column_text(st, 2),
        sqlite3_column_text(st, 3), sqlite3_column_text(st, 4), sqlite3_column_text(st, 5),
        sqlite3_column_text(st, 6));
  sqlite3_reset(st);
  return rc == SQLITE_DONE ? 0 : -1;
}

/* (run, profile) pairs whose inputs differ from what run_input recorded, in
 * either direction; every pair when FULL. */
static const char sql_dirty[] =
    "INSERT OR IGNORE INTO tf_dirty SELECT run_id, profile FROM ("
    " SELECT * FROM (SELECT i.run_id, p.profile, i.role, i.file_id, i.sha256 FROM tf_input i, tf_profile p"
    "  EXCEPT SELECT run_id, profile, role, file_id, sha256 FROM run_input"
    "  WHERE profile IN (SELECT profile FROM tf_profile))"
    " UNION ALL"
    " SELECT * FROM (SELECT run_id, profile, role, file_id, sha256 FROM run_input"
    "  WHERE profile IN (SELECT profile FROM tf_profile)"
    "  EXCEPT SELECT i.run_id, p.profile, i.role, i.file_id, i.sha256 FROM tf_input i, tf_profile p))";
static const char sql_dirty_full[] =
    "INSERT OR IGNORE INTO tf_dirty SELECT r.id, p.profile FROM run r, tf_profile p";

static const char sql_record[] =
    "DELETE FROM run_input WHERE (run_id, profile) IN (SELECT run_id, profile FROM tf_dirty);"
    "INSERT INTO run_input(run_id, profile, role, file_id, sha256)"
    " SELECT i.run_id, d.profile, i.role, i.file_id, i.sha256"
    " FROM tf_dirty d JOIN tf_input i ON i.run_id = d.run_id ORDER BY 1, 2, 3;";

/* What 50_sources.sql reads: every source_file row (the raw rows change only
 * with it), the setting it uses, and its own text. It is run again only when
 * this differs from source_built, what it was last run on. */
static const char sql_sources_now[] =
    "DROP TABLE IF EXISTS temp.tf_sources;"
    "CREATE TEMP TABLE tf_sources(k, v);"
    "INSERT INTO tf_sources SELECT id, printf('%s/%s/%s/%s/%s/%s/%s', sha256, parser_version,"
    " ingested_at, status, run_id, duplicate_of, format) FROM source_file;"
    "INSERT INTO tf_sources SELECT name, value FROM setting WHERE name IN ('local_utc_offset_s', 'wall_sockets');";
static const char sql_sources_sql[] = "INSERT INTO tf_sources VALUES ('sql', ?)";
static const char sql_sources_changed[] =
    "SELECT EXISTS (SELECT k, v FROM tf_sources EXCEPT SELECT k, v FROM source_built)"
    " OR EXISTS (SELECT k, v FROM source_built EXCEPT SELECT k, v FROM tf_sources)";
static const char sql_sources_record[] =
    "DELETE FROM source_built; INSERT INTO source_built SELECT k, v FROM tf_sources;";

/* 1 when 50_sources.sql (TEXT) must run, 0 when its inputs are as it last saw
 * them, -1 on a database error (printed). */
static int sources_changed(struct wdb *db, const char *text) {
  if (wdb_exec(db, sql_sources_now, "transform: sources")) return -1;
  uint64_t h = fnv1a64(text); /* of the SQL text */
  sqlite3_stmt *st = wdb_stmt(db, sql_sources_sql);
  if (!st) return -1;
  sqlite3_bind_int64(st, 1, (sqlite3_int64)h);
  if (wdb_done(db, st)) return -1;
  st = wdb_stmt(db, sql_sources_changed);
  if (!st) return -1;
  int rc = sqlite3_step(st), changed = rc == SQLITE_ROW ? sqlite3_column_int(st, 0) : -1;
  sqlite3_reset(st);
  if (changed < 0) msg("%s: transform: %s", db->path, sqlite3_errmsg(db->sql));
  return changed;
}

/* With OPT's timing set, prints the seconds since T0 for PHASE on stderr;
 * returns the current time. */
static double phase_clock(const struct transform_options *opt, const char *phase, double t0) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  double now = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
  if (phase && opt->timing) fprintf(stderr, "wattdb: %s: %.3f s\n", phase, now - t0);
  return now;
}

static int fail(struct wdb *db) {
  sqlite3_exec(db->sql, "ROLLBACK", NULL, NULL, NULL);
  return -1;
}

int transform_run(struct wdb *db, const struct transform_options *opt, struct transform_stats *st) {
  memset(st, 0, sizeof *st);
  if (transform_register_functions(db)) return -1;
  /* Bounded memory whatever the number of runs: the page cache is capped at
   * TRANSFORM_CACHE_KIB and temp tables, sorts and statement journals go to temp
   * files past it. The transaction is one for all runs; a cache big enough for
   * every page it reads and writes (it was 256 MiB, and temp_store=MEMORY) grew
   * by ~0.8 MB per run and held every raw page read until the end. Dirty pages
   * past the cap spill to the WAL, which the commit writes anyway: no slower. */
  if (wdb_exec(db, "PRAGMA temp_store=FILE; PRAGMA cache_size=-" TRANSFORM_CACHE_KIB ";", "transform"))
    return -1;
  double t_setup = phase_clock(opt, NULL, 0);
  if (wdb_write_ahead(db) || wdb_exec(db, "BEGIN IMMEDIATE", "cannot start the transform")) return -1;
  if ((opt->set_carbon && set_setting(db, "carbon_intensity_g_per_kwh", opt->carbon_intensity)) ||
      (opt->set_pue && set_setting(db, "pue", opt->pue)) ||
      (opt->set_utc_offset && set_setting(db, "local_utc_offset_s", (double)opt->utc_offset_s)) ||
      (opt->auto_utc_offset && wdb_exec(db, "DELETE FROM setting WHERE name = 'local_utc_offset_s'", "transform")) ||
      set_wall_sockets(db, opt->wall_sockets) || load_gpu_specs(db))
    return fail(db);
  if (wdb_exec(db, sql_inputs, "transform inputs") || warn_conflicts(db)) return fail(db);
  if ((opt->profiles & TF_GAISSA) &&
      wdb_exec(db, "INSERT INTO tf_profile VALUES ('gaissa')", "transform"))
    return fail(db);
  if ((opt->profiles & TF_DEFAULT) &&
      wdb_exec(db, "INSERT INTO tf_profile VALUES ('default')", "transform"))
    return fail(db);
  if (wdb_exec(db, opt->full ? sql_dirty_full : sql_dirty, "transform: changed runs")) return fail(db);
  st->runs = (long)wdb_int(db, "SELECT count(*) FROM run", 0);
  st->rebuilt = (long)wdb_int(db, "SELECT count(*) FROM tf_dirty", 0);

  double t = phase_clock(opt, "setup", t_setup);
  /* 0N_*.sql: the tables the alignment writes into. */
  for (int i = 0; transform_sql[i].name; i++) {
    if (transform_sql[i].name[0] != '0') continue;
    if (wdb_exec(db, transform_sql[i].text, transform_sql[i].name)) return fail(db);
  }
  long aligned = transform_align(db, &st->samples);
  t = phase_clock(opt, "align", t);
  if (aligned < 0) return fail(db);
  st->runs_aligned = aligned;

  for (int i = 0; transform_sql[i].name; i++) {
    const char *name = transform_sql[i].name;
    if (name[0] == '0') continue;
    int sources = strcmp(name, "50_sources.sql") == 0;
    if (sources) {
      int changed = sources_changed(db, transform_sql[i].text);
      if (changed < 0) return fail(db);
      if (!changed && !opt->full) {
        t = phase_clock(opt, "50_sources.sql (inputs unchanged: skipped)", t);
        continue;
      }
    }
    if (sources) {
      if (clock_offsets_build(db)) return fail(db);
      t = phase_clock(opt, "clock offsets", t);
    }
    if (wdb_exec(db, transform_sql[i].text, name)) return fail(db);
    if (sources && wdb_exec(db, sql_sources_record, "transform: sources")) return fail(db);
    t = phase_clock(opt, name, t);
  }

  if (wdb_exec(db, sql_record, "transform: run_input")) return fail(db);
  t = phase_clock(opt, "run_input", t);
  if (wdb_exec(db, "COMMIT", "cannot commit the transform")) return fail(db);
  t = phase_clock(opt, "commit", t);
  return 0;
}
