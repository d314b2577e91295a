/* tests/fmtlib.h: what the suites of the measurement-tool formats share (codecarbon,
 * perf, wattmeter, nvidia-smi): a fresh database per test, ingesting one fixture
 * (with an optional --format override), the line-accounting check, and running
 * 50_sources.sql as the transform does. Include
 * after tests/testlib.h. */
#ifndef WATTDB_FMTLIB_H
#define WATTDB_FMTLIB_H

#include "ingest/formats.h"
#include "schema/embedded.h"
#include "transform/clock.h"
#include "transform/transform.h"

struct fx {
  char *dir;
  struct wdb db;
};

static inline int fx_setup(void **state) {
  struct fx *f = calloc(1, sizeof *f);
  f->dir = tl_mkdtemp();
  tl_open(&f->db, f->dir, "t.db");
  *state = f;
  return 0;
}

static inline int fx_teardown(void **state) {
  struct fx *f = *state;
  tl_close(&f->db);
  tl_rmdir(f->dir);
  free(f);
  return 0;
}

/* Ingests PATH (a fixture path or any file/dir), with FORMAT forced when not
 * NULL and FIELDS the --query-gpu list of headerless nvidia-smi files
 * (ingest_options.nvidia_smi_fields; NULL: none). */
static inline void fx_ingest_path_fields(struct fx *f, const char *path, const char *format, const char *fields) {
  struct ingest_options opt = {.nvidia_smi_fields = fields};
  if (format) assert_non_null(opt.force_format = format_by_name(format));
  struct ingest_stats stats;
  char *roots[1] = {(char *)path};
  msg_quiet = 1;
  assert_int_equal(ingest_paths(&f->db, roots, 1, &opt, &stats), 0);
  msg_quiet = 0;
}

/* Ingests PATH, with FORMAT forced when not NULL. */
static inline void fx_ingest_path(struct fx *f, const char *path, const char *format) {
  fx_ingest_path_fields(f, path, format, NULL);
}

/* Every line of every stored file is a row, a rejected row or a skipped line,
 * and rejected rows match rejected_row. */
static inline void fx_assert_accounted(struct fx *f) {
  assert_int_equal(tl_int(&f->db, "SELECT count(*) FROM source_file WHERE status IN ('ok','partial') "
                                  "AND lines <> skipped_lines + rows_ok + rows_rejected"),
                   0);
  assert_int_equal(tl_int(&f->db, "SELECT count(*) FROM source_file s WHERE status IN ('ok','partial') "
                                  "AND rows_rejected <> "
                                  "(SELECT count(*) FROM rejected_row r WHERE r.file_id = s.id)"),
                   0);
}

/* Runs transform/50_sources.sql on DB in one transaction, as `wattdb transform`
 * does: its SQL functions (wm_integrate, ...) registered and the clock offsets of the
 * UTC files computed first. Fails the test on any error. */
static inline void fx_run_sources_sql(struct wdb *db) {
  for (int i = 0; transform_sql[i].name; i++) {
    if (strcmp(transform_sql[i].name, "50_sources.sql") != 0) continue;
    assert_int_equal(transform_register_functions(db), 0);
    assert_int_equal(wdb_exec(db, "BEGIN", "begin"), 0);
    assert_int_equal(clock_offsets_build(db), 0);
    assert_int_equal(wdb_exec(db, transform_sql[i].text, "50_sources.sql"), 0);
    assert_int_equal(wdb_exec(db, "COMMIT", "commit"), 0);
    return;
  }
  fail_msg("50_sources.sql is not embedded");
}

/* Writes under DIR an eprof run for another tool's log to overlap:
 * raw/local/cnn/ds/gpu-power-20240331T220955.csv, 11 GPU samples at 20 W, naive
 * local 2024-03-31 22:09:55 to 22:10:05. */
static inline void fx_write_overlapped_run(const char *dir) {
  char buf[4096];
  size_t n = (size_t)snprintf(buf, sizeof buf,
                              "timestamp,gpu_name,gpu_usage,gpu_memory_usage,gpu_total_memory,"
                              "gpu_memory_used,gpu_power_draw,gpu_max_power,gpu_temperature\n");
  for (int s = 55; s <= 65; s++)
    n += (size_t)snprintf(buf + n, sizeof buf - n,
                          "2024-03-31 22:%02d:%02d.000,GPU,50 %%,10 %%,24268 MiB,1000 MiB,20.00 W,35.00 W,60\n",
                          9 + s / 60, s % 60);
  tl_write_str(dir, "raw/local/cnn/ds/gpu-power-20240331T220955.csv", buf);
}

#endif
