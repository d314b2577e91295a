/* transform/align.h: one run's aligned samples as align.c holds them in memory,
 * and the sums both profiles need from them (integrate.c). Internal to transform/.
 *
 * align.c reads a run's GPU, CPU and epoch_end rows, aligns them, writes the
 * interim tables, and hands the run to integrate.c, which computes in the same
 * pass what transform/10_gaissa.sql and 20_default.sql used to compute with
 * window functions over the interim tables: per run and per epoch (gaissa), per
 * run and span (default), into the temp tables of transform/00_prepare.sql. The
 * SQL files then only turn those sums into processed rows. Every sum is taken in
 * the order SQLite took it (sample order) with plain double additions, so the
 * processed values are the ones the SQL computed, to the last bit. */
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
};

/* The float32 sum pandas' cython group_mean takes of a float32 column: N floats
 * at BASE, BASE+STRIDE, ..., in that order, Kahan-compensated in float. */
float f32_kahan_sum(const void *base, size_t n, size_t stride);

/* Writes run R's gaissa sums into temp.tf_gm (one row, when it keeps a sample)
 * and temp.tf_ge (one row per epoch, boundary copy included), its default sums
 * into temp.tf_dg, tf_dc and tf_dn (one row per span), and its count of [N/A]
 * power readings into temp.tf_nnull. Returns 0 or -1 (error printed). */
int integrate_run(struct wdb *db, const struct aligned_run *r);

/* Records in source_eprof_file the facts 50_sources.sql needs of eprof file
 * FILE: its first and last sample time and, for a GPU file (G non-NULL), the
 * energy of its power readings by 50_sources.sql's rule for 'eprof-gpu'. G (NG
 * rows) or C (NC rows) must be in line order, as stored. Returns 0 or -1. */
int integrate_source_file(struct wdb *db, int64_t file, const struct gpu_row *g, size_t ng,
                          const struct cpu_row *c, size_t nc);

#endif
