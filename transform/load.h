/* transform/load.h: the load stage of the transform pipeline
 * (transform/pipeline.h): a run's rows from the database into its buffers. */
#ifndef WATTDB_LOAD_H
#define WATTDB_LOAD_H

#include "schema/db.h"
#include "transform/pipeline.h"

/* Reads run RUN's input files, rows, rejected GPU lines and dirty profiles
 * into IN, whose buffers grow as needed (kept for the next run). 0, or -1
 * after printing the database error. */
int load_run(struct wdb *db, int64_t run, struct run_input *in);

#endif
