/* tests/test_values.c: numbers and times as the loggers write them (ingest/values.c). */
#include "tests/testlib.h"

#include "ingest/runkey.h"
#include "ingest/values.h"

/* Full decimals are kept and exact: 119.17 W is the double nearest 119.17. */
static void number_keeps_every_decimal_and_drops_the_unit(void **state) {
  (void)state;
  double v;
  assert_int_equal(value_number(" 119.17 W", "W", &v), VALUE_OK);
  assert_true(v == 119.17);
  assert_int_equal(value_number("18 %", "%", &v), VALUE_OK);
  assert_true(v == 18.0);
  assert_int_equal(value_number("24576 MiB", "MiB", &v), VALUE_OK);
  assert_true(v == 24576.0);
  assert_int_equal(value_number("0.30000000000000004", NULL, &v), VALUE_OK);
  assert_true(v == strtod("0.30000000000000004", NULL));
  assert_int_equal(value_number("3.6551049404731644e-10", NULL, &v), VALUE_OK);
  assert_true(v == 3.6551049404731644e-10);
  assert_int_equal(value_number("-0.0", NULL, &v), VALUE_OK);
  assert_true(v == 0.0);
}

/* Every short decimal converts to exactly what strtod gives. */
static void fast_path_agrees_with_strtod(void **state) {
  (void)state;
  char buf[64];
  unsigned long long x = 88172645463325252ULL;
  for (int i = 0; i < 200000; i++) {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    int frac = (int)(x % 7);
    snprintf(buf, sizeof buf, "%llu.%0*llu", (x >> 20) % 100000, frac ? frac : 1,
             (x >> 3) % (frac ? (unsigned long long)pow(10, frac) : 10));
    double v;
    assert_int_equal(value_number(buf, NULL, &v), VALUE_OK);
    if (v != strtod(buf, NULL)) fail_msg("%s: %.17g != %.17g", buf, v, strtod(buf, NULL));
  }
}

/* The numeric part of S as the spec reads it (values.h): blanks around, then
 * UNIT at the end and the blanks before it; into BUF (128 bytes), NULL when longer. */
static const char *numeric_part(const char *s, const char *unit, char *buf) {
  while (*s && strchr(" \t\r\n", *s)) s++;
  size_t n = strlen(s), u = unit ? strlen(unit) : 0;
  while (n && strchr(" \t\r\n", s[n - 1])) n--;
  if (u && n >= u && memcmp(s + n - u, unit, u) == 0)
    for (n -= u; n && strchr(" \t\r\n", s[n - 1]);) n--;
  if (n >= 128) return NULL;
  memcpy(buf, s, n);
  buf[n] = '\0';
  return buf;
}

/* Checks value_number(S, UNIT) against strtod on S's numeric part: a number
 * read is strtod's double to the bit; a plain decimal strtod reads whole is
 * read, when shorter than the 64 bytes value_number gives strtod. */
static void check_against_strtod(const char *s, const char *unit) {
  char part[128];
  double v = -1.0;
  enum value_kind k = value_number(s, unit, &v);
  const char *num = numeric_part(s, unit, part);
  char *end = NULL;
  double ref = num ? strtod(num, &end) : 0;
  int plain = num && num[0] && strlen(num) < 64 && strspn(num, "+-0123456789.") == strlen(num);
  if (k == VALUE_OK) {
    if (!num || *end || memcmp(&v, &ref, sizeof v) != 0)
      fail_msg("'%s' (unit '%s'): read %.17g, strtod %.17g", s, unit ? unit : "", v, ref);
  } else if (plain && end && !*end) {
    fail_msg("'%s' (unit '%s'): not read, strtod reads %.17g", s, unit ? unit : "", ref);
  }
}

/* Decimals of every shape the loggers write and more: 1 to 20 digits, the dot
 * anywhere or nowhere, leading and trailing zeros, signs, blanks and units
 * around, and random strings of number characters: value_number gives
 * strtod's double, bit for bit, or refuses what strtod refuses. */
static void numbers_agree_with_strtod_to_the_bit(void **state) {
  (void)state;
  static const char *const edges[] = {
      "0", "-0", "+0", "-0.0", "0.", ".5", "5.", "-.5", "+5.", "007", "0.000", "1.5e3",
      "999999999999999", "9999999999999999", "0.999999999999999", "0.9999999999999999",
      "9007199254740993", "123456789012345.6", "1.2345678901234567", "0.1", "0.2", "0.3",
      "0.0000000000000000000001", "0.00000000000000000000001", "1.0000000000000000000000",
      "00000000000000000000000000000000000000000000000000000000000000001",
      "0000000000000000000000000000000000000000000000000000000001234567890123456",
      "  12.5 W ", "12.5W", "12.5 WW", "12 W W", "-3 %", "24576 MiB", "1 2", "1..2", "--1",
      "+-1", ".", "-", "", " ", "\t3\r\n", "1e", "e1", "1e400", "1e-400", "4.9e-324",
  };
  static const char *const units[] = {NULL, "", "W", "%", "MiB", "2", ".5", "e", " W"};
  for (size_t i = 0; i < sizeof edges / sizeof *edges; i++)
    for (size_t u = 0; u < sizeof units / sizeof *units; u++) check_against_strtod(edges[i], units[u]);
  /* longer than strtod's 64 bytes, yet an exact decimal: read, whatever the unit */
  char padded[96];
  snprintf(padded, sizeof padded, "%070d 2", 1);
  double v;
  assert_int_equal(value_number(padded, "2", &v), VALUE_OK);
  assert_true(v == 1.0);
  assert_int_equal(value_number(padded, NULL, &v), VALUE_BAD);
  padded[70] = '\0';
  assert_int_equal(value_number(padded, "W", &v), VALUE_OK);
  assert_true(v == 1.0);
  char buf[96];
  unsigned long long x = 0x9E3779B97F4A7C15ULL;
  for (int i = 0; i < 300000; i++) {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    unsigned long long r = x;
    size_t n = 0;
    if (r % 5 == 0) buf[n++] = ' ';
    if (r % 7 == 0) buf[n++] = (r >> 3) % 2 ? '-' : '+';
    int ndig = 1 + (int)((r >> 5) % 20), dot = (int)((r >> 10) % (unsigned)(ndig + 2)) - 1;
    int zeros = (r >> 15) % 4 == 0 ? (int)((r >> 17) % 6) : 0;
    for (int z = 0; z < zeros; z++) buf[n++] = '0';
    for (int d = 0; d < ndig; d++) {
      if (d == dot) buf[n++] = '.';
      x ^= x << 13, x ^= x >> 7, x ^= x << 17;
      buf[n++] = (char)('0' + x % 10);
    }
    if (dot == ndig) buf[n++] = '.';
    if ((r >> 20) % 6 == 0) buf[n++] = ' ';
    const char *unit = units[(r >> 23) % 5];
    if ((r >> 26) % 2 && unit) n += (size_t)snprintf(buf + n, sizeof buf - n, "%s", unit);
    buf[n] = '\0';
    check_against_strtod(buf, unit);
    /* the same characters shuffled into any order: mostly not numbers */
    static const char alphabet[] = "0123456789..+- eW";
    size_t m = 1 + (r >> 30) % 12;
    for (size_t j = 0; j < m; j++) {
      x ^= x << 13, x ^= x >> 7, x ^= x << 17;
      buf[j] = alphabet[x % (sizeof alphabet - 1)];
    }
    buf[m] = '\0';
    check_against_strtod(buf, (r >> 34) % 2 ? "W" : NULL);
  }
}

static void sentinels_are_null_not_errors(void **state) {
  (void)state;
  double v;
  assert_int_equal(value_number("[N/A]", "W", &v), VALUE_NULL);
  assert_int_equal(value_number(" [Not Supported]", "W", &v), VALUE_NULL);
  assert_int_equal(value_number("[Unknown Error]", NULL, &v), VALUE_NULL);
  assert_int_equal(value_number("nan", NULL, &v), VALUE_NULL);
  assert_int_equal(value_number("None", NULL, &v), VALUE_NULL);
  assert_int_equal(value_number("", NULL, &v), VALUE_EMPTY);
  assert_int_equal(value_number("  ", NULL, &v), VALUE_EMPTY);
}

static void garbage_and_wrong_units_are_bad(void **state) {
  (void)state;
  double v;
  assert_int_equal(value_number("[N/A", "W", &v), VALUE_BAD);
  assert_int_equal(value_number("12x", NULL, &v), VALUE_BAD);
  assert_int_equal(value_number("12 MiB", "W", &v), VALUE_BAD);
  assert_int_equal(value_number("0x10", NULL, &v), VALUE_BAD);
  assert_int_equal(value_number("inf", NULL, &v), VALUE_BAD);
  assert_int_equal(value_number(".", NULL, &v), VALUE_BAD);
  int64_t i;
  assert_int_equal(value_integer("1.5", &i), VALUE_BAD);
  assert_int_equal(value_integer("-9", &i), VALUE_OK);
  assert_int_equal(i, -9);
}

static void times_in_every_logger_spelling(void **state) {
  (void)state;
  int64_t a, b, c, d;
  assert_int_equal(value_time("2023/12/18 20:52:07.470", &a), 0);
  assert_int_equal(value_time("2023-12-18 20:52:07.470000", &b), 0);
  assert_int_equal(value_time("2023-12-18T20:52:07.47", &c), 0);
  assert_int_equal(value_time(" 2023-12-18 20:52:07.470000123 ", &d), 0);
  assert_true(a == b && b == c && c == d);
  assert_int_equal(a, value_civil_us(2023, 12, 18, 20, 52, 7, 470000));
  int64_t whole;
  assert_int_equal(value_time("2022-12-05T09:55:45", &whole), 0);
  assert_int_equal(whole % 1000000, 0);
  char buf[32];
  assert_string_equal(value_format_time(a, buf), "2023-12-18 20:52:07.470000");
  assert_int_equal(value_civil_us(1970, 1, 1, 0, 0, 1, 0), 1000000);
  /* 2024-02-29 exists, 2023-02-29 does not. */
  assert_int_equal(value_time("2024-02-29 00:00:00", &a), 0);
  assert_int_equal(value_time("2023-02-29 00:00:00", &a), -1);
  assert_int_equal(value_time("2023-12-18 20:52", &a), -1);
  assert_int_equal(value_time("2023-12-18 20:52:07.", &a), -1);
  assert_int_equal(value_time("20231218T205204", &a), -1);
}

/* Dates that do not exist and fields out of range are refused, never turned
 * into a wrong time: Feb 31, 25:61:99, month 13, the year 0 (once a negative
 * count of microseconds) and years before 1970. */
static void times_out_of_range_are_refused(void **state) {
  (void)state;
  int64_t a = 42;
  assert_int_equal(value_time("2023-02-31 12:00:00", &a), -1);
  assert_int_equal(value_time("2023-04-31 12:00:00", &a), -1);
  assert_int_equal(value_time("2023-12-18 25:61:99", &a), -1);
  assert_int_equal(value_time("2023-12-18 23:60:00", &a), -1);
  assert_int_equal(value_time("2023-13-01 00:00:00", &a), -1);
  assert_int_equal(value_time("2023-00-01 00:00:00", &a), -1);
  assert_int_equal(value_time("0000-01-01 00:00:00", &a), -1);
  assert_int_equal(value_time("1969-12-31 23:59:59", &a), -1);
  assert_int_equal(a, 42); /* not touched */
  assert_int_equal(value_time("1970-01-01 00:00:00", &a), 0);
  assert_int_equal(a, 0);
  assert_int_equal(value_time("9999-12-31 23:59:59.999999", &a), 0);
  assert_int_equal(a, VALUE_MAX_SECONDS * 1000000 + 999999);
  /* a leap second is a reading the clock can show */
  assert_int_equal(value_time("2016-12-31 23:59:60", &a), 0);
  assert_int_equal(value_civil_us(2023, 2, 31, 0, 0, 0, 0), -1);
  assert_int_equal(value_civil_us(2023, 12, 18, 25, 61, 99, 0), -1);
  assert_int_equal(value_civil_us(2147483647, 1, 1, 0, 0, 0, 0), -1);
  assert_int_equal(value_civil_us(2024, 1, 1, 0, 0, 0, 1000000), -1);
  assert_int_equal(value_civil_us(2024, 1, 1, 0, 0, -1, 0), -1);
}

/* SECONDS.FRACTION: 1 to 9 fractional digits truncated to µs; seconds beyond
 * VALUE_MAX_SECONDS, however many digits, are out of range without overflow. */
static void seconds_are_range_checked(void **state) {
  (void)state;
  int64_t us = 7;
  assert_int_equal(value_seconds("1745428511.039678535", 20, 1, &us), 0);
  assert_int_equal(us, 1745428511039678);
  assert_int_equal(value_seconds("0.5", 3, 1, &us), 0);
  assert_int_equal(us, 500000);
  assert_int_equal(value_seconds("12", 2, 0, &us), 0);
  assert_int_equal(us, 12000000);
  assert_int_equal(value_seconds("12", 2, 1, &us), -1);
  assert_int_equal(value_seconds("12.", 3, 0, &us), -1);
  /* time.monotonic() written by Python's repr: 11 fractional digits */
  assert_int_equal(value_seconds("333976.89942870376", 18, 0, &us), 0);
  assert_int_equal(us, 333976899428);
  assert_int_equal(value_seconds("1.012345678901234567890", 23, 0, &us), -1);
  assert_int_equal(value_seconds("-1.5", 4, 0, &us), -1);
  assert_int_equal(value_seconds("253402300799.999999", 19, 0, &us), 0);
  assert_int_equal(us, VALUE_MAX_SECONDS * 1000000 + 999999);
  us = 7;
  assert_int_equal(value_seconds("253402300800.0", 14, 0, &us), -2);
  assert_int_equal(value_seconds("99999999999999999999999.5", 25, 1, &us), -2);
  assert_int_equal(value_seconds("9223372036854775807", 19, 0, &us), -2);
  assert_int_equal(us, 7);
}

/* A run stamp is a time that exists (ingest/runkey.c). */
static void impossible_run_stamps_are_no_stamps(void **state) {
  (void)state;
  char stamp[16];
  assert_int_equal(run_stamp_from_name("gpu-power-20231218T205204.csv", stamp), 1);
  assert_string_equal(stamp, "20231218T205204");
  assert_int_equal(run_stamp_from_name("gpu-power-20240229T235960.csv", stamp), 1);
  assert_int_equal(run_stamp_from_name("gpu-power-20231399T256199.csv", stamp), 0);
  assert_int_equal(run_stamp_from_name("gpu-power-20230229T120000.csv", stamp), 0);
  assert_int_equal(run_stamp_from_name("gpu-power-20231218T245204.csv", stamp), 0);
  assert_int_equal(run_stamp_from_name("gpu-power-19691231T235959.csv", stamp), 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(number_keeps_every_decimal_and_drops_the_unit),
      cmocka_unit_test(fast_path_agrees_with_strtod),
      cmocka_unit_test(numbers_agree_with_strtod_to_the_bit),
      cmocka_unit_test(sentinels_are_null_not_errors),
      cmocka_unit_test(garbage_and_wrong_units_are_bad),
      cmocka_unit_test(times_in_every_logger_spelling),
      cmocka_unit_test(times_out_of_range_are_refused),
      cmocka_unit_test(seconds_are_range_checked),
      cmocka_unit_test(impossible_run_stamps_are_no_stamps),
  };
  return cmocka_run_group_tests_name("values", tests, NULL, NULL);
}
