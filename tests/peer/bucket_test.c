/* bucket_test.c: the per-link request budget (src/peer/bucket.h): a full
 * bucket at the start, the burst, the refill rate, the cap, a clock that
 * goes back, no overflow after a long idle time, rate 0 (no limit). */
#include <check.h>
#include <stdint.h>

#include "peer/bucket.h"

START_TEST(burst_then_refused) {
  rl_bucket b;
  rl_bucket_init(&b, 10, 5, 1000);
  for (int i = 0; i < 5; i++) ck_assert_int_eq(rl_bucket_take(&b, 1000), 1);
  ck_assert_int_eq(rl_bucket_take(&b, 1000), 0);
  ck_assert_int_eq(rl_bucket_take(&b, 1000), 0); /* a refusal takes nothing */
  ck_assert_uint_eq(rl_bucket_wait_ms(&b, 1000), 100);
}
END_TEST

START_TEST(refill_rate) {
  rl_bucket b;
  rl_bucket_init(&b, 10, 5, 0);
  for (int i = 0; i < 5; i++) ck_assert_int_eq(rl_bucket_take(&b, 0), 1);
  /* 10 a second: one every 100 ms, not before. */
  ck_assert_int_eq(rl_bucket_take(&b, 99), 0);
  ck_assert_uint_eq(rl_bucket_wait_ms(&b, 99), 1);
  ck_assert_int_eq(rl_bucket_take(&b, 100), 1);
  ck_assert_int_eq(rl_bucket_take(&b, 100), 0);
  /* Asked 20 times a second for 10 s: about 100 given. */
  int got = 0;
  for (uint64_t t = 100; t < 10100; t += 50) got += rl_bucket_take(&b, t);
  ck_assert_int_ge(got, 99);
  ck_assert_int_le(got, 101);
}
END_TEST

START_TEST(capped_at_burst) {
  rl_bucket b;
  int got = 0;
  rl_bucket_init(&b, 1000, 3, 0);
  for (int i = 0; i < 3; i++) rl_bucket_take(&b, 0);
  /* An hour idle fills it to the burst, no more. */
  for (int i = 0; i < 10; i++) got += rl_bucket_take(&b, 3600000);
  ck_assert_int_eq(got, 3);
}
END_TEST

START_TEST(no_overflow) {
  rl_bucket b;
  int got = 0;
  rl_bucket_init(&b, UINT32_MAX, UINT32_MAX, 0);
  ck_assert_int_eq(rl_bucket_take(&b, UINT64_MAX), 1);
  rl_bucket_init(&b, 1, 2, 0);
  rl_bucket_take(&b, 0);
  rl_bucket_take(&b, 0);
  for (int i = 0; i < 5; i++) got += rl_bucket_take(&b, UINT64_MAX);
  ck_assert_int_eq(got, 2);
}
END_TEST

START_TEST(clock_back) {
  rl_bucket b;
  rl_bucket_init(&b, 10, 1, 5000);
  ck_assert_int_eq(rl_bucket_take(&b, 5000), 1);
  ck_assert_int_eq(rl_bucket_take(&b, 1000), 0);
  /* Time is measured from 5000 still. */
  ck_assert_int_eq(rl_bucket_take(&b, 5099), 0);
  ck_assert_int_eq(rl_bucket_take(&b, 5100), 1);
}
END_TEST

START_TEST(unlimited_and_zero_burst) {
  rl_bucket b;
  rl_bucket_init(&b, 0, 0, 0);
  for (int i = 0; i < 100000; i++) ck_assert_int_eq(rl_bucket_take(&b, 0), 1);
  ck_assert_uint_eq(rl_bucket_wait_ms(&b, 0), 0);
  rl_bucket_init(&b, 5, 0, 0);
  ck_assert_int_eq(rl_bucket_take(&b, 0), 1);
  ck_assert_int_eq(rl_bucket_take(&b, 0), 0);
}
END_TEST

int main(void) {
  Suite *s = suite_create("peer_bucket");
  TCase *t = tcase_create("core");
  SRunner *sr;
  int failed;
  tcase_add_test(t, burst_then_refused);
  tcase_add_test(t, refill_rate);
  tcase_add_test(t, capped_at_burst);
  tcase_add_test(t, no_overflow);
  tcase_add_test(t, clock_back);
  tcase_add_test(t, unlimited_and_zero_burst);
  suite_add_tcase(s, t);
  sr = srunner_create(s);
  srunner_run_all(sr, CK_NORMAL);
  failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? 1 : 0;
}
