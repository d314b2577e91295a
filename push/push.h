/* push/push.h: `wattdb push`: what a local database holds that the server lacks.
 *
 * Sent, in this order: the origin; every local source_file row the server does
 * not have as it is now (its content's raw rows, rejected and unparsed values
 * with COPY, when the server has no file_content of that hash, format and
 * parser version yet), one server transaction per file; then every run, with
 * its per-run rows (processed, interim, metadata, energy per source) replaced
 * when the digest of its run_input, run_meta, processed_run and source energy
 * rows differs from the one the server has, one transaction per run; then the
 * database's own tables (setting, gpu_spec) when they changed. Rows of the
 * per-run tables that belong to no run (a session's source rows: a file that
 * overlaps no run; an MLflow run attached to no eprof run) are sent per local
 * file they belong to, keyed on the server by its content, replaced when
 * their digest changed, one transaction per file. Files and runs go on
 * several connections at once (push_options.jobs). A push stopped anywhere
 * and run again ends as one uninterrupted push; pushes of other databases at the same time
 * wait for each other on the same content or run, never fail on it. */
#ifndef WATTDB_PUSH_PUSH_H
#define WATTDB_PUSH_PUSH_H

#include "push/server.h"
#include "schema/db.h"

struct push_options {
  int dry_run;   /* list what would be sent on stdout, change nothing */
  int progress;  /* a progress line on stderr */
  int jobs;      /* connections files and runs are sent on at once (< 1: one) */
};

struct push_stats {
  long files, files_sent;      /* local files; sent (new or changed on the server) */
  long contents_sent;          /* of them, contents the server did not have */
  long runs, runs_sent;        /* local runs; those whose per-run rows were sent */
  long loose, loose_sent;      /* local files with rows of no run (sessions, MLflow runs
                                * of no eprof run); those whose rows were sent */
  long long rows;              /* rows sent with COPY */
};

/* Pushes LOCAL to the server PG (connected), creating or upgrading the server
 * schema first (not with dry_run). 0, or -1 printed. */
int push_database(struct wdb *local, struct pg *pg, const struct push_options *opt,
                  struct push_stats *stats);

#endif
