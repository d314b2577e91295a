/* transform/pipeline.h: one run of the eprof transform, stage by stage, and the
 * struct that owns every buffer the stages use. Internal to transform/.
 *
 *   load       (load.c, SQLite)   a run's GPU, CPU and epoch_end rows, read in
 *                                 key order into the run's buffers;
 *   align      (align.c, pure)    the nearest CPU sample of each GPU sample, the
 *                                 default profile's epoch spans, the sampling
 *                                 periods;
 *   gaissa     (gaissa.c, pure)   the replication package's algorithm: which
 *                                 samples it keeps, its sums and its epochs;
 *   integrate  (integrate.c, pure) the default profile: each series on its
 *                                 own clock walked by the integration engine
 *                                 (trapezoid.h: the gap rule, the bridged
 *                                 intervals, the window's coverage), each
 *                                 interval split over the spans it crosses by
 *                                 its share of each; the energy of one eprof
 *                                 file;
 *   emit       (emit.c, SQLite)   every INSERT: interim tables, the per-run sums
 *                                 the SQL files turn into processed rows, the
 *                                 processed_epoch rows.
 * pipeline.c drives them run by run. The pure stages include no sqlite3.h and
 * are tested without a database (tests/test_integrate.c). The sums are taken in
 * the order SQLite's sum() took them in the window-function SQL these stages
 * replaced (sample order, then span order, plain double additions), so the
 * processed values are that SQL's to the last bit. */
#ifndef WATTDB_PIPELINE_H
#define WATTDB_PIPELINE_H

#include <stddef.h>
#include <stdint.h>

#include "schema/model.h"

/* The GPU columns, in eprof_gpu_sample's order. */
enum { G_UTIL, G_MEM_UTIL, G_MEM_TOTAL, G_MEM_USED, G_POWER, G_LIMIT, G_TEMP, G_NCOL };

struct gpu_row {
  int64_t ts, line;
  double v[G_NCOL];
  unsigned nullmask; /* bit k: v[k] is NULL */
  int64_t cpu;       /* index of the nearest CPU row within the tolerance, -1 none */
  int64_t span;      /* default-profile span (interim_sample.span) */
  int keep;          /* the gaissa profile keeps this sample */
};

struct cpu_row {
  int64_t ts, line;
  double cpu_pct, rss, ram_gb;
  int cpu_null, rss_null, ram_null;
  int64_t span; /* -1 before the run's start, nspans after its end */
};

struct epoch_row {
  int64_t epoch, end;
};

/* A sum as SQLite's sum() keeps it: NULL (n == 0) until a first value. */
struct sum {
  double v;
  long n;
};

/* What load.c read of one run. */
struct run_input {
  int64_t run, gpu_file, cpu_file, epoch_file, perf_file; /* 0: no such file */
  struct gpu_row *g;
  size_t ng, capg;
  int g_sorted;                 /* g is in (ts, line) order as read */
  struct cpu_row *c;
  size_t nc, capc;
  int c_sorted;
  struct epoch_row *e;          /* in (epoch, end) order */
  size_t ne, cape;
  int64_t gpu_rejected_top[MODEL_GAISSA_SKIPFOOTER]; /* the highest rejected lines of the GPU file, */
  size_t ntop;                  /* highest first, this many */
  size_t gpu_rejected;          /* how many lines of it were rejected */
  int dirty_gaissa, dirty_default; /* (run, profile) is rebuilt: write its epochs */
};

/* One aligned run. Spans k = 0 .. nspans-1 are (starts[k], ends[k]]. */
struct aligned_run {
  int64_t run;
  struct gpu_row *g; /* the input's rows, in time order */
  size_t ng;
  struct cpu_row *c;
  size_t nc;
  int64_t start, end;            /* the default window (start of span 0, end of the last) */
  int64_t last_epoch_end;        /* with an epoch_end file */
  int64_t nspans;
  int64_t *starts, *ends, *epochs;
  size_t capstarts, capends, capepochs;
  int has_epochs;                /* an epoch_end file: epochs[k] is span k's epoch */
  int64_t ram_row;               /* the first CPU row by time with total memory, -1 none */
  double gpu_period_s, cpu_period_s; /* measured medians, NAN: none */
  int64_t *dt;                   /* scratch of the medians */
  size_t capdt;
  long long gaissa_n;            /* samples the gaissa profile keeps, */
  int64_t gaissa_start, gaissa_end; /* the first (elapsed 0) and the last */
  int dirty_gaissa, dirty_default;
};

/* A gaissa processed_epoch row before emit.c's SQL: N samples (boundary copy
 * included), NR of them with a RAM power, the mean GPU power AP, the f32_mean
 * RAM power AR (NAN: NULL), the trapezoid sums EG and ER, and the span the
 * duration is measured on (START_US, END_US]. */
struct gaissa_epoch {
  int64_t epoch, n, nr, start_us, end_us;
  double ap, ar, eg, er;
};

/* The gaissa sums of one run (temp.tf_gm of transform/00_prepare.sql). */
struct gaissa_sums {
  int64_t n, t0, t1, max_epoch;
  int has_max_epoch;
  struct sum u, mu, mem, p, temp, egpu, eram;    /* sums over the kept samples */
  struct sum dmem, dp, dtemp, dcpu, drss, dr;    /* squared deviations from the means */
  double lim0;                                   /* the first kept sample's power limit */
  double m32[3];                                 /* float32 means of cpu, rss, ram power; NAN: NULL */
  long nr;                                       /* kept samples with a RAM power */
};

/* A kept gaissa sample with the values the anchor's columns hold. */
struct gaissa_sample {
  int64_t seq, ts, epoch;
  int has_epoch, has_r;
  double x, p, u, mu, mem, lim, temp;
  double cpu, rss, r; /* float32-rounded; unset when !has_r */
  float r32;
};

/* A kept sample's place in the order of the epochs, (epoch, seq). */
struct gaissa_key {
  int64_t epoch, seq;
  size_t idx; /* into gaissa_work.k */
};

struct gaissa_work {
  struct gaissa_sample *k;
  size_t nk, capk;
  struct gaissa_key *ord; /* the kept samples with an epoch, by (epoch, seq) */
  size_t capord;
  size_t *grp, capgrp;   /* one epoch's samples, boundary copy merged in */
  float *f;
  size_t capf;
  int has_sums;          /* the run keeps a sample: sums is its tf_gm row */
  struct gaissa_sums sums;
  struct gaissa_epoch *ge; /* the run's processed_epoch rows (when dirty) */
  size_t nge, capge;
};

/* Per-span integrals of one series (GPU: power in e/e2, utilization ui,
 * memory utilization mui, memory mi, temperature ci; CPU: RSS in e/e2, CPU
 * usage in ci), each with the seconds it covers. */
struct span_sums {
  struct sum cov, e, e2, ui, ucov, mui, mucov, mi, m2i, mcov, ci, c2i, ccov;
};

/* How one series covers its run's window [ws, we] (processed_coverage), as
 * the integration engine's window over it found (struct trapezoid_window): its
 * readings in the window, the first and last of them (0 without one), the time
 * its bridged intervals cover, and the longest stretch of the window that none
 * covers. */
struct coverage {
  int64_t ws, we, samples, first, last, covered_us, longest_gap_us;
};

/* A default processed_epoch row before emit.c's SQL: span (START_US, END_US]
 * of EPOCH, N GPU samples with power in it, the GPU integrals E and COV (HAS_G:
 * the span has a covered GPU interval, else NULL) and the CPU ones RI and C_COV
 * (HAS_C likewise). */
struct default_epoch {
  int64_t epoch, n, start_us, end_us;
  double e, cov, ri, c_cov;
  int has_g, has_c;
};

/* The default sums of one run (temp.tf_dm and tf_nnull). */
struct default_sums {
  struct span_sums G, C;     /* over the spans, in span order */
  int64_t n_in;              /* GPU samples with power inside the window */
  int64_t nnull_in, nnull_run; /* [N/A] powers inside the window, in the run */
  int64_t measured;          /* epochs with covered time */
  int has_lim;
  double lim;                /* the first power limit read */
  struct coverage gpu_cov, ram_cov;
};

struct default_work {
  struct span_sums *g, *c;   /* per span */
  size_t capg, capc;
  int64_t *n;                /* GPU samples with power, per span (nspans: after the end) */
  size_t capn;
  struct default_sums sums;
  struct default_epoch *de;  /* one per span, with an epoch_end file and when dirty */
  size_t nde, capde;
};

/* What 50_sources.sql needs of one eprof file (source_eprof_file): its first and
 * last sample time and, for a GPU file, the energy of its power readings. */
struct eprof_file_facts {
  int64_t start_us, end_us;
  int has_energy;            /* a GPU file with a power reading */
  double energy_j, covered_s;
  int64_t samples;           /* readings with power */
};

/* Everything one transform's runs use, grown as needed and reused from run to
 * run (no allocation per row), freed by pipeline_work_free. */
struct pipeline_work {
  struct run_input in;
  struct aligned_run ar;
  struct gaissa_work gw;
  struct default_work dw;
};

void pipeline_work_free(struct pipeline_work *w);

/* P grown to hold NEED elements of ELEM bytes (capacity *CAP, doubled). */
void *pipeline_grow(void *p, size_t *cap, size_t need, size_t elem);

/* align.c: orders W's input rows by time, pairs each GPU row with its nearest
 * CPU row, and sets W->ar: the window, the spans, each row's span, the
 * medians of the sampling intervals. */
void align_run(struct pipeline_work *w);

/* gaissa.c: marks the GPU rows the gaissa profile keeps (gpu_row.keep) and sets
 * W->ar's gaissa_n, gaissa_start and gaissa_end. After align_run. */
void gaissa_select(struct pipeline_work *w);

/* gaissa.c: W->gw's sums of the run and, when the run is dirty for gaissa,
 * its epochs. After gaissa_select. */
void gaissa_integrate(struct pipeline_work *w);

/* The float32 sum pandas' cython group_mean takes of a float32 column: N floats
 * at BASE, BASE+STRIDE, ..., in that order, Kahan-compensated in float. */
float f32_kahan_sum(const void *base, size_t n, size_t stride);

/* integrate.c: W->dw, the default profile's sums, coverage and (with an
 * epoch_end file, when dirty) epochs. After align_run. */
void default_integrate(struct pipeline_work *w);

/* integrate.c: the facts of one eprof file from its rows in line order, as
 * stored: G (NG rows) for a GPU file, else C (NC rows). */
void eprof_file_facts(const struct gpu_row *g, size_t ng, const struct cpu_row *c, size_t nc,
                      struct eprof_file_facts *out);

#endif
