/* ingest/values.c: numbers and naive times from log text (see values.h). */
#include "ingest/values.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const double exact_pow10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                     1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                     1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

static int is_blank(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* The numeric part of S: leading and trailing blanks removed, then the unit (if
 * present) and the blanks before it. Sets *len; returns the start. Sets *bad when
 * trailing letters remain that are not UNIT. */
static const char *numeric_span(const char *s, const char *unit, size_t *len) {
  while (is_blank(*s)) s++;
  size_t n = strlen(s);
  while (n && is_blank(s[n - 1])) n--;
  if (unit && *unit) {
    size_t u = strlen(unit);
    if (n >= u && memcmp(s + n - u, unit, u) == 0) {
      n -= u;
      while (n && is_blank(s[n - 1])) n--;
    }
  }
  *len = n;
  return s;
}

static int is_null_word(const char *s, size_t n) {
  if (n >= 2 && s[0] == '[' && s[n - 1] == ']') return 1; /* [N/A], [Not Supported], ... */
  if (n == 3 && (s[0] == 'n' || s[0] == 'N') && (s[1] == 'a' || s[1] == 'A') &&
      (s[2] == 'n' || s[2] == 'N'))
    return 1;
  if (n == 4 && memcmp(s, "None", 4) == 0) return 1;
  if (n == 3 && memcmp(s, "N/A", 3) == 0) return 1;
  return 0;
}

/* Significant digits of a mantissa that converts to double exactly (10^15 < 2^53). */
#define EXACT_DIGITS 15

/* Reads [-+]digits[.digits], with at least one digit, at S and not past END
 * (NULL: up to the NUL). Returns the end of the number, with its value in *OUT,
 * when it is exact without strtod: at most EXACT_DIGITS significant digits form
 * an integer mantissa below 2^53 and a fraction of at most 22 digits an exact
 * power of ten, so their quotient is one correctly rounded division, strtod's
 * result. Returns NULL otherwise. */
static const char *exact_decimal(const char *s, const char *end, double *out) {
  int neg = 0;
  if (s != end && (*s == '-' || *s == '+')) neg = *s++ == '-';
  /* leading zeros are not significant digits; a mantissa past EXACT_DIGITS
   * may wrap (unsigned) and is then not used */
  const char *p = s;
  while (p != end && *p == '0') p++;
  const char *sig = p;
  uint64_t mant = 0;
  unsigned d;
  for (; p != end && (d = (unsigned)(unsigned char)*p - '0') <= 9; p++) mant = mant * 10 + d;
  ptrdiff_t digits = p - sig, frac = 0;
  int any = p > s;
  if (p != end && *p == '.') {
    const char *f = ++p;
    if (!digits)
      while (p != end && *p == '0') p++;
    sig = p;
    for (; p != end && (d = (unsigned)(unsigned char)*p - '0') <= 9; p++) mant = mant * 10 + d;
    digits += p - sig;
    frac = p - f;
    any |= p > f;
  }
  if (!any || digits > EXACT_DIGITS || frac > 22) return NULL;
  double v = (double)mant / exact_pow10[frac];
  *out = neg ? -v : v;
  return p;
}

/* The whole of S, when it is the common shape: blanks, an exact decimal
 * (exact_decimal), blanks, UNIT (optional), blanks, the end. Sets *OUT and
 * returns 1; returns 0 for anything else, value_number_general deciding then,
 * so that both agree wherever this one answers. A UNIT that starts with a
 * digit or a dot could be read as the number's end ("122" with unit "2" reads
 * 12): such units are left to the general path. */
static int fast_decimal(const char *s, const char *unit, double *out) {
  if (unit && ((*unit >= '0' && *unit <= '9') || *unit == '.')) return 0;
  while (is_blank(*s)) s++;
  double v;
  s = exact_decimal(s, NULL, &v);
  if (!s) return 0;
  while (is_blank(*s)) s++;
  if (*s && unit && *unit) {
    size_t u = 0;
    while (unit[u] && s[u] == unit[u]) u++;
    if (unit[u]) return 0;
    for (s += u; is_blank(*s); s++) {}
  }
  if (*s) return 0;
  *out = v;
  return 1;
}

/* value_number for every input: the numeric span, sentinels, an exact
 * decimal, strtod. */
static enum value_kind value_number_general(const char *s, const char *unit, double *out) {
  size_t n;
  s = numeric_span(s, unit, &n);
  if (n == 0) return VALUE_EMPTY;
  if (is_null_word(s, n)) return VALUE_NULL;
  double exact;
  if (exact_decimal(s, s + n, &exact) == s + n) {
    *out = exact;
    return VALUE_OK;
  }
  char tmp[64];
  if (n >= sizeof tmp) return VALUE_BAD;
  memcpy(tmp, s, n);
  tmp[n] = '\0';
  char *end;
  errno = 0;
  double v = strtod(tmp, &end);
  if (end != tmp + n || errno == ERANGE || isinf(v) || isnan(v)) return VALUE_BAD;
  /* strtod also accepts hex floats and "infinity": not from these loggers. */
  for (size_t i = 0; i < n; i++)
    if (tmp[i] == 'x' || tmp[i] == 'X' || tmp[i] == 'i' || tmp[i] == 'I') return VALUE_BAD;
  *out = v;
  return VALUE_OK;
}

enum value_kind value_number(const char *s, const char *unit, double *out) {
  if (fast_decimal(s, unit, out)) return VALUE_OK;
  return value_number_general(s, unit, out);
}

enum value_kind value_integer(const char *s, int64_t *out) {
  double v;
  enum value_kind k = value_number(s, NULL, &v);
  if (k != VALUE_OK) return k;
  if (v != floor(v) || fabs(v) > 9007199254740992.0) return VALUE_BAD;
  *out = (int64_t)v;
  return VALUE_OK;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm). */
static int64_t days_from_civil(int64_t y, int m, int d) {
  y -= m <= 2;
  int64_t era = (y >= 0 ? y : y - 399) / 400;
  int64_t yoe = y - era * 400;
  int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

static int days_in_month(int y, int m) {
  static const int dm[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return m == 2 ? 28 + leap : dm[m - 1];
}

int64_t value_civil_us(int y, int mon, int d, int h, int min, int s, int32_t usec) {
  if (y < VALUE_MIN_YEAR || y > VALUE_MAX_YEAR || mon < 1 || mon > 12 || d < 1 ||
      d > days_in_month(y, mon) || h < 0 || h > 23 || min < 0 || min > 59 || s < 0 || s > 60 ||
      usec < 0 || usec > 999999)
    return -1;
  /* in range, the result is below 2.6e17: no overflow */
  int64_t days = days_from_civil(y, mon, d);
  return ((days * 24 + h) * 60 + min) * 60 * INT64_C(1000000) + (int64_t)s * 1000000 + usec;
}

int value_seconds(const char *s, size_t n, int need_fraction, int64_t *us) {
  size_t i = 0;
  int64_t sec = 0;
  int big = 0;
  while (i < n && s[i] >= '0' && s[i] <= '9') {
    int dgt = s[i++] - '0';
    if (sec > (VALUE_MAX_SECONDS - dgt) / 10) big = 1;
    else sec = sec * 10 + dgt;
  }
  if (i == 0) return -1;
  int32_t frac = 0;
  int fd = 0;
  if (i < n && s[i] == '.') {
    for (i++; i < n && s[i] >= '0' && s[i] <= '9'; i++, fd++)
      if (fd < 6) frac = frac * 10 + (s[i] - '0');
    if (fd == 0 || fd > 20) return -1;
  } else if (need_fraction) {
    return -1;
  }
  if (i != n) return -1;
  if (big) return -2;
  for (int k = fd; k < 6; k++) frac *= 10;
  *us = sec * 1000000 + frac;
  return 0;
}

/* Reads exactly N digits at *P into *V, advancing *P. */
static int digits(const char **p, int n, int *v) {
  int x = 0;
  for (int i = 0; i < n; i++) {
    char c = (*p)[i];
    if (c < '0' || c > '9') return 0;
    x = x * 10 + (c - '0');
  }
  *p += n;
  *v = x;
  return 1;
}

int value_time(const char *s, int64_t *us) {
  while (is_blank(*s)) s++;
  int y, mo, d, h, mi, se;
  const char *p = s;
  if (!digits(&p, 4, &y)) return -1;
  char sep = *p;
  if (sep != '-' && sep != '/') return -1;
  p++;
  if (!digits(&p, 2, &mo) || *p++ != sep || !digits(&p, 2, &d)) return -1;
  if (*p != ' ' && *p != 'T') return -1;
  p++;
  if (!digits(&p, 2, &h) || *p++ != ':' || !digits(&p, 2, &mi) || *p++ != ':' ||
      !digits(&p, 2, &se))
    return -1;
  int32_t usec = 0;
  if (*p == '.') {
    p++;
    int n = 0;
    int32_t scale = 100000;
    while (*p >= '0' && *p <= '9') {
      if (n < 6) usec += (int32_t)(*p - '0') * scale;
      scale /= 10;
      n++;
      p++;
    }
    if (n == 0 || n > 9) return -1;
  }
  while (is_blank(*p)) p++;
  if (*p) return -1;
  int64_t t = value_civil_us(y, mo, d, h, mi, se, usec);
  if (t < 0) return -1;
  *us = t;
  return 0;
}

char *value_format_time(int64_t us, char *buf) {
  int64_t secs = us >= 0 ? us / 1000000 : -((-us + 999999) / 1000000);
  int64_t frac = us - secs * 1000000;
  int64_t days = secs >= 0 ? secs / 86400 : -((-secs + 86399) / 86400);
  int64_t rem = secs - days * 86400;
  /* civil_from_days (H. Hinnant) */
  int64_t z = days + 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  int64_t doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t y = yoe + era * 400;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  int64_t d = doy - (153 * mp + 2) / 5 + 1;
  int64_t m = mp < 10 ? mp + 3 : mp - 9;
  y += m <= 2;
  char tmp[96];
  snprintf(tmp, sizeof tmp, "%04d-%02d-%02d %02d:%02d:%02d.%06d", (int)y, (int)m, (int)d,
           (int)(rem / 3600), (int)(rem / 60 % 60), (int)(rem % 60), (int)frac);
  memcpy(buf, tmp, 27);
  buf[26] = '\0';
  return buf;
}
