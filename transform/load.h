/* transform/load.h: the load stage of the transform pipeline
 * (transform/pipeline.h): a run's rows from the database into its buffers. */
#ifndef WATTDB_LOAD_H
#define WATTDB_LOAD_H

#include "schema/db.h"
#include "transform/pipeline.h"

/* What the transform's temp tables say of one run: its files (0: none) and
 * the profiles it is rebuilt for. */
struct run_plan {
  int64_t run, gpu_file, cpu_file, epoch_file, perf_file;
  int dirty_gaissa, dirty_default;
};

/* Reads run RUN's plan into P from the transform's temp tables (the
 * transform's own connection DB). 0, or -1 on a database error (sqlite3_errmsg
 * says which; nothing printed). */
int load_plan(struct wdb *db, int64_t run, struct run_plan *p);

/* IN made ready for load_rows of the run P plans (its buffers kept). */
void load_apply(const struct run_plan *p, struct run_input *in);

/* Reads the rows of IN's files (samples, epoch ends, rejected GPU lines) into
 * IN, whose buffers grow as needed (kept for the next run), through DB, any
 * connection to the database. 0, or -1 on a database error (nothing printed). */
int load_rows(struct wdb *db, struct run_input *in);

#endif
