/* transform/emit.h: the emit stage of the transform pipeline
 * (transform/pipeline.h): every row the stages computed, written. */
#ifndef WATTDB_EMIT_H
#define WATTDB_EMIT_H

#include "schema/db.h"
#include "transform/pipeline.h"

/* Registers the virtual tables emit_run reads W's rows through on DB's
 * connection, unless it has them. 0 or -1 (printed). */
int emit_register(struct wdb *db);

/* Writes run W->ar's interim_span, interim_segment and interim_run rows, its
 * per-run sums (temp.tf_gm when gaissa keeps a sample, tf_dm, tf_nnull), its
 * processed_coverage rows and, for each profile it is dirty for, its
 * processed_epoch rows. After every stage of pipeline.h. 0 or -1 (printed). */
int emit_run(struct wdb *db, const struct pipeline_work *w);

/* Records FACTS of eprof file FILE in source_eprof_file. 0 or -1 (printed). */
int emit_file_facts(struct wdb *db, int64_t file, const struct eprof_file_facts *facts);

#endif
