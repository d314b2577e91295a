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
 * counts microseconds since 1970-01-01 00:00:00 of that same clock.
 *
 * Every time is range-checked before any arithmetic, so none can overflow: a
 * month 1-12, a day that the month has, hours 0-23, minutes 0-59, seconds 0-60
 * (60: a leap second), years 1970-9999 (no logger wrote earlier; 9999 is the
 * last year of 4 digits). Times are thus 0 to about 2.5e17 µs, and relative or
 * epoch seconds at most VALUE_MAX_SECONDS, so a start plus an offset fits too. */
#ifndef WATTDB_VALUES_H
#define WATTDB_VALUES_H

#include <stddef.h>
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

#define VALUE_MIN_YEAR 1970
#define VALUE_MAX_YEAR 9999
/* Seconds from 1970-01-01 00:00:00 to 9999-12-31 23:59:59. */
#define VALUE_MAX_SECONDS INT64_C(253402300799)

/* Microseconds of a civil date-time taken as UTC, or -1 when a field is out of
 * range (see above; every valid time gives 0 or more). */
int64_t value_civil_us(int y, int mon, int d, int h, int min, int s, int32_t usec);

/* Parses S[0..N) as SECONDS[.FRACTION]: digits, then a dot and 1 to 20 digits
 * (required when NEED_FRACTION; nanoseconds of a clock, or Python's repr of a
 * float, up to 17 significant digits: 333976.89942870376), truncated to whole
 * microseconds in *US.
 * Returns 0; -1 when S is not of that shape; -2 when it is but the seconds
 * exceed VALUE_MAX_SECONDS (then *US is not set). Never overflows. */
int value_seconds(const char *s, size_t n, int need_fraction, int64_t *us);

/* Formats microseconds (as value_time returns them) as `YYYY-MM-DD HH:MM:SS.ffffff`
 * into BUF (at least 27 bytes). Returns BUF. */
char *value_format_time(int64_t us, char *buf);

#endif
