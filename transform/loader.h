/* transform/loader.h: the transform's loading thread. While the transform's
 * thread aligns, integrates and writes one run, this thread reads the next
 * run's rows (load_rows) through a read-only connection of its own, into one
 * of two run_input buffers that the two threads swap.
 *
 * It reads what the transform's own connection would: the transform holds the
 * write lock from its BEGIN IMMEDIATE to its COMMIT, so no other process
 * commits meanwhile, and the transform itself writes no table load_rows reads
 * (raw rows, rejected_row). A database in memory, or one not in WAL mode
 * (where a reader would wait for the writer), has no loading thread: the
 * caller loads in its own. */
#ifndef WATTDB_LOADER_H
#define WATTDB_LOADER_H

#include <stddef.h>

#include "transform/load.h"

struct loader;

/* Starts reading the rows of the runs PLANS[0..N) plans, in that order, from
 * the database at PATH (the transform's, opened by it in WAL mode). PLANS must
 * outlive the loader. NULL when there is no loading thread (see above;
 * nothing printed). */
struct loader *loader_start(const char *path, const struct run_plan *plans, size_t n);

/* The next run's input, swapped into *IN (whose buffers the loader reuses).
 * 0, or -1 when its rows could not be read: ERR (LEN bytes) says why. */
int loader_take(struct loader *l, struct run_input *in, char *err, size_t len);

/* Stops the loading thread wherever it is, waits for it, frees L and its
 * buffers. */
void loader_stop(struct loader *l);

#endif
