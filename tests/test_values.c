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
      cmocka_unit_test(sentinels_are_null_not_errors),
      cmocka_unit_test(garbage_and_wrong_units_are_bad),
      cmocka_unit_test(times_in_every_logger_spelling),
      cmocka_unit_test(times_out_of_range_are_refused),
      cmocka_unit_test(seconds_are_range_checked),
      cmocka_unit_test(impossible_run_stamps_are_no_stamps),
  };
  return cmocka_run_group_tests_name("values", tests, NULL, NULL);
}
