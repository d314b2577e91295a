/* transform/transform.h: `wattdb transform`, the raw eprof tables turned into the
 * interim and processed tables of schema/004_transform.sql, incrementally.
 *
 * One transform is one transaction: the runs whose input files (source_file id +
 * sha256) changed since they were last built are found, their interim rows and
 * sums are rebuilt by the pipeline (pipeline.h: load, align, gaissa, integrate,
 * emit; the streaming nearest-time merge SQL does badly), then the embedded
 * transform/NN_*.sql files run in name order and
 * compute the processed tables for those runs (temp table tf_dirty), the run
 * metadata and the emissions of every run. */
#ifndef WATTDB_TRANSFORM_H
#define WATTDB_TRANSFORM_H

#include "schema/db.h"

/* Bumped whenever the algorithm changes: every run is rebuilt once. */
#define TRANSFORM_ALGORITHM "wattdb-transform-2"

enum transform_profiles { TF_GAISSA = 1, TF_DEFAULT = 2, TF_ALL = 3 };

struct transform_options {
  int profiles;               /* TF_GAISSA | TF_DEFAULT */
  int set_carbon;             /* store carbon_intensity first */
  double carbon_intensity;    /* g CO2e per kWh */
  int set_pue;
  double pue;
  int set_utc_offset;         /* store local_utc_offset_s first */
  long utc_offset_s;          /* local time minus UTC, seconds */
  int auto_utc_offset;        /* remove local_utc_offset_s: estimate (clock.c) */
  const char *wall_sockets;   /* NULL: leave the setting; "all": remove it; else "1,7" */
  int full;                   /* rebuild every run, changed or not */
  int timing;                 /* print the seconds of each phase on stderr (WATTDB_TIMING) */
};

struct transform_stats {
  long runs;                  /* runs in the database */
  long rebuilt;               /* (run, profile) pairs recomputed */
  long runs_aligned;          /* runs whose interim rows were rebuilt */
  long long samples;          /* interim GPU samples written */
};

/* The page cache of the transform's connection, KiB (a string for the PRAGMA):
 * its memory, whatever the number of runs (tests/test_transform_memory.c). */
#define TRANSFORM_CACHE_KIB "8192"

/* Runs the transform. Returns 0, or -1 after printing a database error (the
 * transaction is rolled back: the database is as before). */
int transform_run(struct wdb *db, const struct transform_options *opt, struct transform_stats *st);

/* Rebuilds interim_run, interim_span and interim_segment, the per-run sums and
 * the processed_epoch and processed_coverage rows of every run in temp.tf_dirty,
 * reading the files named in temp.tf_input (transform/pipeline.c). Called
 * inside transform_run's transaction. Adds the samples written to *samples.
 * Returns the number of runs aligned, or -1 (error printed). */
long transform_align(struct wdb *db, long long *samples);

/* Registers on DB's connection the SQL functions f32(x) (x rounded to the
 * nearest float, as the anchor's float32 columns), f32_mean(x, ord), the
 * integration engine's trapezoid(), trapezoid_window() and trapezoid_value()
 * (transform.c), and wm_scan() and wm_integrate(), the passes of
 * 50_sources.sql over wattmeter logs (wattmeter.c). */
int transform_register_functions(struct wdb *db);

#endif
