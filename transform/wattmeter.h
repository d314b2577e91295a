/* transform/wattmeter.h: the SQL functions wm_scan() and wm_integrate() that
 * 50_sources.sql runs its passes over wattmeter_frame with (wattmeter.c). */
#ifndef WATTDB_WATTMETER_H
#define WATTDB_WATTMETER_H

#include "schema/db.h"

/* Registers wm_scan() and wm_integrate() on DB's connection; they run their
 * statements through DB's statement cache. 0, or -1 after printing why. */
int wattmeter_register_functions(struct wdb *db);

#endif
