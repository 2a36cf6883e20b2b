/* backlink_test.c: the link a forwarded request came in on
 * (src/peer/backlink.h): found by transaction ID and Node-ID together,
 * the newest entry wins, expiry, the ring overwrites its oldest. */
#include <check.h>
#include <string.h>

#include "peer/backlink.h"
#include "runtime/error.h"

static uint8_t x[16], y[16];

static void ids(void) {
  memset(x, 0xaa, sizeof x);
  memset(y, 0xbb, sizeof y);
}

START_TEST(two_links_one_node_id) {
  rl_backlink *t = rl_backlink_new(8, 15000);
  uint64_t k = 0;
  ids();
  ck_assert_ptr_nonnull(t);
  /* Two clients with the same certificate, each over its own link. */
  ck_assert_int_eq(rl_backlink_put(t, 100, x, 16, 1, 0), 0);
  ck_assert_int_eq(rl_backlink_put(t, 200, x, 16, 2, 0), 0);
  ck_assert_int_eq(rl_backlink_get(t, 100, x, 16, 10, &k), 0);
  ck_assert_uint_eq(k, 1);
  ck_assert_int_eq(rl_backlink_get(t, 200, x, 16, 10, &k), 0);
  ck_assert_uint_eq(k, 2);
  /* The same transaction ID from another Node-ID is another entry. */
  ck_assert_int_eq(rl_backlink_get(t, 100, y, 16, 10, &k), RL_ERR_NOT_FOUND);
  ck_assert_int_eq(rl_backlink_get(t, 100, x, 15, 10, &k), RL_ERR_NOT_FOUND);
  ck_assert_int_eq(rl_backlink_get(t, 300, x, 16, 10, &k), RL_ERR_NOT_FOUND);
  rl_backlink_free(t);
}
END_TEST

START_TEST(newest_wins_and_expiry) {
  rl_backlink *t = rl_backlink_new(8, 15000);
  uint64_t k = 0;
  ids();
  rl_backlink_put(t, 100, x, 16, 1, 1000);
  /* A retransmission of the request over another link. */
  rl_backlink_put(t, 100, x, 16, 5, 2000);
  ck_assert_int_eq(rl_backlink_get(t, 100, x, 16, 2000, &k), 0);
  ck_assert_uint_eq(k, 5);
  ck_assert_int_eq(rl_backlink_get(t, 100, x, 16, 16999, &k), 0);
  ck_assert_int_eq(rl_backlink_get(t, 100, x, 16, 17000, &k), RL_ERR_NOT_FOUND);
  /* A clock that went back finds nothing either. */
  ck_assert_int_eq(rl_backlink_get(t, 100, x, 16, 500, &k), RL_ERR_NOT_FOUND);
  rl_backlink_free(t);
}
END_TEST

START_TEST(ring_overwrites_oldest) {
  rl_backlink *t = rl_backlink_new(4, 15000);
  uint64_t k = 0;
  ids();
  for (uint64_t i = 0; i < 6; i++) rl_backlink_put(t, i, x, 16, 10 + i, 0);
  ck_assert_int_eq(rl_backlink_get(t, 0, x, 16, 1, &k), RL_ERR_NOT_FOUND);
  ck_assert_int_eq(rl_backlink_get(t, 1, x, 16, 1, &k), RL_ERR_NOT_FOUND);
  for (uint64_t i = 2; i < 6; i++) {
    ck_assert_int_eq(rl_backlink_get(t, i, x, 16, 1, &k), 0);
    ck_assert_uint_eq(k, 10 + i);
  }
  rl_backlink_free(t);
}
END_TEST

START_TEST(limits) {
  rl_backlink *t = rl_backlink_new(2, 15000);
  uint8_t big[RL_BACKLINK_ID_MAX + 1];
  memset(big, 1, sizeof big);
  ck_assert_ptr_null(rl_backlink_new(0, 15000));
  ck_assert_int_eq(rl_backlink_put(t, 1, big, 0, 1, 0), RL_ERR_PARAM);
  ck_assert_int_eq(rl_backlink_put(t, 1, big, sizeof big, 1, 0), RL_ERR_PARAM);
  ck_assert_int_eq(rl_backlink_put(t, 1, big, RL_BACKLINK_ID_MAX, 1, 0), 0);
  rl_backlink_free(t);
  rl_backlink_free(NULL);
}
END_TEST

int main(void) {
  Suite *s = suite_create("peer_backlink");
  TCase *t = tcase_create("core");
  SRunner *sr;
  int failed;
  tcase_add_test(t, two_links_one_node_id);
  tcase_add_test(t, newest_wins_and_expiry);
  tcase_add_test(t, ring_overwrites_oldest);
  tcase_add_test(t, limits);
  suite_add_tcase(s, t);
  sr = srunner_create(s);
  srunner_run_all(sr, CK_NORMAL);
  failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? 1 : 0;
}
