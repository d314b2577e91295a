/* ingest/formats.h: the registry of raw formats (see format.h for adding one). */
#ifndef WATTDB_FORMATS_H
#define WATTDB_FORMATS_H

#include "ingest/format.h"

/* Every known format, ended by NULL. */
extern const struct format *const formats[];

/* The format named NAME, or NULL. */
const struct format *format_by_name(const char *name);

/* The highest bidder for S, or NULL when nobody bids. */
const struct format *format_choose(const struct sniff *s);

#endif
