/* ingest/values.h: text to numbers and times, as the loggers write them.
 *
 * Numbers: plain decimals, signs, exponents, a unit suffix that must be the one
 * expected ("119.17 W", "18 %", "24576 MiB"), blanks around. Sentinels in square
 * brackets ("[N/A]", "[Not Supported]", "[Unknown Error]") and the words nan/NaN
 * and None are readings that do not exist: VALUE_NULL, never an error. Short
 * decimals are converted without strtod (exact: an integer mantissa below 2^53
 * divided by an exact power of ten is one correctly rounded operation), so full
 * precision costs nothing.
 *
 * Times: `YYYY-MM-DD HH:MM:SS[.f]`, `YYYY/MM/DD HH:MM:SS[.f]` (nvidia-smi) and
 * `YYYY-MM-DDTHH:MM:SS[.f]` (isoformat), 0 to 9 fractional digits (nanoseconds
 * are truncated to microseconds), taken as naive wall-clock readings: the result
 * counts microseconds since 1970-01-01 00:00:00 of that same clock. */
#ifndef WATTDB_VALUES_H
#define WATTDB_VALUES_H

#include <stdint.h>

enum value_kind {
  VALUE_OK,    /* *out set */
  VALUE_EMPTY, /* blank field */
  VALUE_NULL,  /* a sentinel: [N/A], nan, None */
  VALUE_BAD    /* not a number, or a unit other than the one expected */
};

/* Parses S, which may end in UNIT (e.g. "W"; NULL or "" for none; the unit is
 * optional in S). */
enum value_kind value_number(const char *s, const char *unit, double *out);

/* Like value_number, but the value must be a whole number. */
enum value_kind value_integer(const char *s, int64_t *out);

/* Parses a naive date-time (formats above). Returns 0, or -1 when S is not one. */
int value_time(const char *s, int64_t *us);

/* Microseconds of a civil date-time taken as UTC. */
int64_t value_civil_us(int y, int mon, int d, int h, int min, int s, int32_t usec);

/* Formats microseconds (as value_time returns them) as `YYYY-MM-DD HH:MM:SS.ffffff`
 * into BUF (at least 27 bytes). Returns BUF. */
char *value_format_time(int64_t us, char *buf);

#endif
