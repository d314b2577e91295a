/* transform/clock.h: the clock offset of each UTC source file (wattmeter logs)
 * on the eprof runs' naive local clock, given by --utc-offset or estimated from
 * the power series, recorded in clock_offset (schema/009_clock_offset.sql). */
#ifndef WATTDB_CLOCK_H
#define WATTDB_CLOCK_H

#include <stdio.h>

#include "schema/db.h"

/* Rebuilds clock_offset: every UTC file gets the setting local_utc_offset_s
 * ('given') when it is set, else the shift its power fits best ('estimated'),
 * or 0 ('none'). Run inside the transform's transaction, before
 * transform/50_sources.sql, which applies the offsets. 0, or -1 (printed). */
int clock_offsets_build(struct wdb *db);

/* Prints to OUT what clock_offset says of the files not given an offset: the
 * offset estimated (unless QUIET) and, for a file with none, the --utc-offset
 * option to pass (always). 0, or -1 (printed). */
int clock_offsets_report(struct wdb *db, FILE *out, int quiet);

#endif
