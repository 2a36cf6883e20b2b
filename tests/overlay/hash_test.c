/* hash_test.c: overlay and Resource-ID hashes against known SHA-1 values. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "overlay/hash.h"
#include "runtime/error.h"

/* SHA-1("abc") = a9993e36 4706816a ba3e2571 7850c26c 9cd0d89d (FIPS 180-2). */
START_TEST(overlay_hash_is_low_32_bits_of_sha1) {
  ck_assert_uint_eq(rl_overlay_hash("abc"), 0x9cd0d89du);
}
END_TEST

START_TEST(resource_id_is_truncated_sha1) {
  static const uint8_t want[20] = {0xa9, 0x99, 0x3e, 0x36, 0x47, 0x06, 0x81, 0x6a, 0xba, 0x3e,
                                   0x25, 0x71, 0x78, 0x50, 0xc2, 0x6c, 0x9c, 0xd0, 0xd8, 0x9d};
  uint8_t out[20];
  memset(out, 0, sizeof out);
  ck_assert_int_eq(rl_resource_id((const uint8_t *)"abc", 3, 16, out), 0);
  ck_assert_mem_eq(out, want, 16);
  ck_assert_uint_eq(out[16], 0);
  ck_assert_int_eq(rl_resource_id((const uint8_t *)"abc", 3, 20, out), 0);
  ck_assert_mem_eq(out, want, 20);
  ck_assert_int_eq(rl_resource_id((const uint8_t *)"abc", 3, 15, out), RL_ERR_PARAM);
  ck_assert_int_eq(rl_resource_id((const uint8_t *)"abc", 3, 21, out), RL_ERR_PARAM);
}
END_TEST

int main(void) {
  Suite *s = suite_create("overlay_hash");
  TCase *tc = tcase_create("hash");
  tcase_add_test(tc, overlay_hash_is_low_32_bits_of_sha1);
  tcase_add_test(tc, resource_id_is_truncated_sha1);
  suite_add_tcase(s, tc);
  SRunner *sr = srunner_create(s);
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
