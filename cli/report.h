/* cli/report.h: what the reading commands (status, explain, diff) share: query
 * results as JSON values (jansson), which the commands print either as JSON
 * (--json) or as aligned text tables, so that both forms come from one query. */
#ifndef WATTDB_REPORT_H
#define WATTDB_REPORT_H

#include <jansson.h>
#include <stdio.h>

#include "schema/db.h"

/* The rows of SQL (with the N text parameters PARAMS bound as ?1..?N) as a
 * JSON array of objects, one key per result column in order, values typed
 * (integer, real, string, null). NULL after printing an SQLite error. */
json_t *report_rows(struct wdb *db, const char *sql, int n, const char *const *params);

/* Prints ROWS (an array of objects as report_rows makes) under TITLE as aligned
 * columns, "(none)" when empty. */
void report_print_table(FILE *out, const char *title, const json_t *rows);

/* Writes V to OUT as indented JSON with a final newline. Returns 0 or -1. */
int report_print_json(FILE *out, const json_t *v);

#endif
