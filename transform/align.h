/* transform/align.h: one run's aligned samples as align.c holds them in memory,
 * and the sums both profiles need from them (integrate.c). Internal to transform/.
 *
 * align.c reads a run's GPU, CPU and epoch_end rows, aligns them, writes the
 * interim tables, and hands the run to integrate.c, which computes in the same
 * pass what transform/10_gaissa.sql and 20_default.sql used to compute with
 * window functions over the interim tables: per epoch (gaissa) and per span
 * (default), written as processed_epoch rows, and per run, into the temp tables
 * of transform/00_prepare.sql that the SQL files turn into processed_run rows.
 * Every sum is taken in the order SQLite took it (sample order, then span order)
 * with plain double additions, as SQLite 3.40's sum() does, so the processed
 * values are the ones the SQL computed, to the last bit. */
#ifndef WATTDB_ALIGN_H
#define WATTDB_ALIGN_H

#include <stddef.h>
#include <stdint.h>

#include "schema/db.h"

/* The GPU columns, in eprof_gpu_sample's order. */
enum { G_UTIL, G_MEM_UTIL, G_MEM_TOTAL, G_MEM_USED, G_POWER, G_LIMIT, G_TEMP, G_NCOL };

struct gpu_row {
  int64_t ts, line;
  double v[G_NCOL];
  unsigned nullmask; /* bit k: v[k] is NULL */
  int64_t cpu;       /* index of the nearest CPU row within ±1 s, -1 none */
  int64_t span;      /* default-profile span (interim_sample.span) */
  int keep;          /* the gaissa profile keeps this sample */
};

struct cpu_row {
  int64_t ts, line;
  double cpu_pct, rss, ram_gb;
  int cpu_null, rss_null, ram_null;
  int64_t span; /* -1 before the run's start, nspans after its end */
};

/* One aligned run. Spans k = 0 .. nspans-1 are (starts[k], ends[k]]. */
struct aligned_run {
  int64_t run;
  const struct gpu_row *g;
  size_t ng;
  const struct cpu_row *c;
  size_t nc;
  int64_t nspans;
  const int64_t *starts, *ends;
  int has_epochs;              /* an epoch_end file: epochs[k] is span k's epoch */
  const int64_t *epochs;
  int64_t gaissa_start;        /* first kept gaissa sample (elapsed 0) */
  double gpu_period_s, cpu_period_s; /* measured medians, NAN: none */
  int dirty_gaissa, dirty_default; /* (run, profile) in temp.tf_dirty: write its epochs */
};

/* A gaissa processed_epoch row before the SQL's last step (align_write_epochs):
 * N samples (boundary copy included), NR of them with a RAM power, the mean GPU
 * power AP, the f32_mean RAM power AR (NAN: NULL), the trapezoid sums EG and ER,
 * and the span the duration is measured on (START_US, END_US]. */
struct gaissa_epoch {
  int64_t epoch, n, nr, start_us, end_us;
  double ap, ar, eg, er;
};

/* A default processed_epoch row before the SQL's last step: span (START_US,
 * END_US] of EPOCH, N GPU samples with power in it, the GPU integrals E and COV
 * (HAS_G: the span has a covered GPU interval, else NULL) and the CPU ones RI and
 * C_COV (HAS_C likewise). */
struct default_epoch {
  int64_t epoch, n, start_us, end_us;
  double e, cov, ri, c_cov;
  int has_g, has_c;
};

/* Writes run RUN's processed_epoch rows of one profile: G (NG rows, gaissa) or D
 * (ND rows, default), one INSERT ... SELECT that applies 10_gaissa.sql's and
 * 20_default.sql's final expressions (ratios, CASE, COALESCE, round()) in SQL.
 * Returns 0 or -1 (error printed). */
int align_write_epochs(struct wdb *db, int64_t run, const struct gaissa_epoch *g, size_t ng,
                       const struct default_epoch *d, size_t nd);

/* The float32 sum pandas' cython group_mean takes of a float32 column: N floats
 * at BASE, BASE+STRIDE, ..., in that order, Kahan-compensated in float. */
float f32_kahan_sum(const void *base, size_t n, size_t stride);

/* Writes run R's gaissa sums into temp.tf_gm (one row, when it keeps a sample),
 * its default sums into temp.tf_dm (one row), its count of [N/A] power readings
 * into temp.tf_nnull, and, for each profile R is dirty for, its processed_epoch
 * rows (gaissa: one per epoch with a span, boundary copy included; default: one
 * per span of an epoch_end file). Returns 0 or -1 (error printed). */
int integrate_run(struct wdb *db, const struct aligned_run *r);

/* Records in source_eprof_file the facts 50_sources.sql needs of eprof file
 * FILE: its first and last sample time and, for a GPU file (G non-NULL), the
 * energy of its power readings by 50_sources.sql's rule for 'eprof-gpu'. G (NG
 * rows) or C (NC rows) must be in line order, as stored. Returns 0 or -1. */
int integrate_source_file(struct wdb *db, int64_t file, const struct gpu_row *g, size_t ng,
                          const struct cpu_row *c, size_t nc);

#endif
