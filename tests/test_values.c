/* tests/test_values.c: numbers and times as the loggers write them (ingest/values.c). */
#include "tests/testlib.h"

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

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(number_keeps_every_decimal_and_drops_the_unit),
      cmocka_unit_test(fast_path_agrees_with_strtod),
      cmocka_unit_test(sentinels_are_null_not_errors),
      cmocka_unit_test(garbage_and_wrong_units_are_bad),
      cmocka_unit_test(times_in_every_logger_spelling),
  };
  return cmocka_run_group_tests_name("values", tests, NULL, NULL);
}
