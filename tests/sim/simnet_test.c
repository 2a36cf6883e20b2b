/* simnet_test.c: reload-sim's network (src/sim/simnet.h): events in time
 * order and, at equal times, in the order scheduled; the links' map under
 * many inserts and removals (backward-shift deletion keeps every other
 * entry findable); the latency matrix; the generator is deterministic. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "sim/simnet.h"

START_TEST(queue_order) {
  rl_sim_queue q;
  rl_sim_event e, out;
  uint64_t times[] = {50, 10, 30, 10, 40, 10, 0};
  rl_sim_queue_init(&q);
  memset(&e, 0, sizeof e);
  for (size_t i = 0; i < 7; i++) {
    e.t_us = times[i];
    e.aux = i;
    ck_assert_int_eq(rl_sim_queue_push(&q, &e), 0);
  }
  /* 0, then the three at 10 in the order pushed (1, 3, 5), 30, 40, 50. */
  uint64_t want_aux[] = {6, 1, 3, 5, 2, 4, 0};
  for (size_t i = 0; i < 7; i++) {
    ck_assert_int_eq(rl_sim_queue_pop(&q, &out), 1);
    ck_assert_uint_eq(out.aux, want_aux[i]);
  }
  ck_assert_int_eq(rl_sim_queue_pop(&q, &out), 0);
  rl_sim_queue_free(&q);
}
END_TEST

START_TEST(queue_many) {
  rl_sim_queue q;
  rl_sim_event e, out;
  rl_sim_rng r = {42};
  uint64_t last = 0;
  rl_sim_queue_init(&q);
  memset(&e, 0, sizeof e);
  for (int i = 0; i < 100000; i++) {
    e.t_us = rl_sim_rand(&r) % 1000000;
    ck_assert_int_eq(rl_sim_queue_push(&q, &e), 0);
  }
  for (int i = 0; i < 100000; i++) {
    ck_assert_int_eq(rl_sim_queue_pop(&q, &out), 1);
    ck_assert_uint_ge(out.t_us, last);
    last = out.t_us;
  }
  rl_sim_queue_free(&q);
}
END_TEST

START_TEST(links_map) {
  rl_sim_links l;
  int end;
  enum { N = 5000 };
  static long slot[N];
  rl_sim_links_init(&l);
  for (uint32_t i = 0; i < N; i++) {
    slot[i] = rl_sim_link_new(&l, i % 97, 1000 + i);
    ck_assert_int_ge(slot[i], 0);
    ck_assert_int_eq(rl_sim_link_set_far(&l, slot[i], 97 + i % 13, 5 + i), 0);
  }
  /* Drop every third link's first end, and every fifth's both. */
  for (uint32_t i = 0; i < N; i++) {
    if (i % 3 == 0) rl_sim_link_drop_end(&l, slot[i], 0);
    if (i % 5 == 0) {
      rl_sim_link_drop_end(&l, slot[i], 0);
      rl_sim_link_drop_end(&l, slot[i], 1);
    }
  }
  for (uint32_t i = 0; i < N; i++) {
    long s0 = rl_sim_link_find(&l, i % 97, 1000 + i, &end);
    long s1 = rl_sim_link_find(&l, 97 + i % 13, 5 + i, &end);
    if (i % 3 == 0 || i % 5 == 0)
      ck_assert_int_eq(s0, -1);
    else
      ck_assert_int_eq(s0, slot[i]);
    if (i % 5 == 0) {
      ck_assert_int_eq(s1, -1);
    } else {
      ck_assert_int_eq(s1, slot[i]);
      ck_assert_int_eq(end, 1);
    }
  }
  /* A freed slot is reused. */
  long again = rl_sim_link_new(&l, 1, 999999);
  ck_assert_int_lt(again, N);
  rl_sim_links_free(&l);
}
END_TEST

START_TEST(latency) {
  uint32_t m[4] = {1000, 50000, 50000, 2000};
  rl_sim_net_params p;
  memset(&p, 0, sizeof p);
  p.latency_us = 7;
  ck_assert_uint_eq(rl_sim_latency_us(&p, 0, 1), 7);
  p.matrix_us = m;
  p.nsites = 2;
  ck_assert_uint_eq(rl_sim_latency_us(&p, 0, 2), 1000); /* both on site 0 */
  ck_assert_uint_eq(rl_sim_latency_us(&p, 0, 3), 50000);
  ck_assert_uint_eq(rl_sim_latency_us(&p, 1, 3), 2000);
}
END_TEST

START_TEST(rng) {
  rl_sim_rng a = {9}, b = {9};
  double sum = 0, med[1001];
  for (int i = 0; i < 1000; i++) ck_assert_uint_eq(rl_sim_rand(&a), rl_sim_rand(&b));
  for (int i = 0; i < 100000; i++) sum += rl_sim_exponential(&a, 5.0);
  ck_assert(sum / 100000 > 4.9 && sum / 100000 < 5.1);
  /* Pareto's median is the one asked for. */
  for (int i = 0; i < 1001; i++) med[i] = rl_sim_pareto(&a, 1800, 2);
  int below = 0;
  for (int i = 0; i < 1001; i++) below += med[i] < 1800;
  ck_assert(below > 450 && below < 550);
}
END_TEST

int main(void) {
  Suite *s = suite_create("simnet");
  TCase *tc = tcase_create("core");
  SRunner *sr;
  int failed;
  tcase_add_test(tc, queue_order);
  tcase_add_test(tc, queue_many);
  tcase_add_test(tc, links_map);
  tcase_add_test(tc, latency);
  tcase_add_test(tc, rng);
  suite_add_tcase(s, tc);
  sr = srunner_create(s);
  srunner_run_all(sr, CK_NORMAL);
  failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? 1 : 0;
}
