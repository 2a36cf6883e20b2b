/* admit_test.c: admission control for incoming links (net/admit.h): the
 * pending budget, the per-address limit, the reserved slots, oldest-first
 * eviction. Pure functions on a described table. */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "net/admit.h"

static rl_admit_addr v4(const char *s) {
  struct sockaddr_in sin;
  rl_admit_addr a;
  memset(&sin, 0, sizeof sin);
  sin.sin_family = AF_INET;
  inet_pton(AF_INET, s, &sin.sin_addr);
  rl_admit_addr_of((struct sockaddr *)&sin, sizeof sin, &a);
  return a;
}

static rl_admit_addr v6(const char *s) {
  struct sockaddr_in6 sin6;
  rl_admit_addr a;
  memset(&sin6, 0, sizeof sin6);
  sin6.sin6_family = AF_INET6;
  inet_pton(AF_INET6, s, &sin6.sin6_addr);
  rl_admit_addr_of((struct sockaddr *)&sin6, sizeof sin6, &a);
  return a;
}

static rl_admit_entry ent(rl_admit_class cls, rl_admit_addr a, uint64_t since) {
  rl_admit_entry e;
  memset(&e, 0, sizeof e);
  e.cls = cls;
  e.addr = a;
  e.since_ms = since;
  return e;
}

static rl_admit_limits limits(size_t conns, size_t pending, size_t per_addr, size_t res_out,
                              size_t res_auth) {
  rl_admit_limits l;
  memset(&l, 0, sizeof l);
  l.max_conns = conns;
  l.max_pending = pending;
  l.max_pending_per_addr = per_addr;
  l.reserve_outgoing = res_out;
  l.reserve_authenticated = res_auth;
  rl_admit_limits_fix(&l);
  return l;
}

START_TEST(defaults_fit_the_table) {
  rl_admit_limits l;
  rl_admit_limits_init(&l, 256);
  ck_assert_uint_eq(l.max_pending, RL_ADMIT_MAX_PENDING);
  ck_assert_uint_eq(l.max_pending_per_addr, RL_ADMIT_MAX_PENDING_PER_ADDR);
  ck_assert_uint_eq(l.reserve_outgoing, RL_ADMIT_RESERVE_OUTGOING);
  ck_assert_uint_le(l.max_pending + l.reserve_outgoing + l.reserve_authenticated, 256);
  /* A tiny table: the reserves shrink, one pending slot always remains. */
  rl_admit_limits_init(&l, 4);
  ck_assert_uint_ge(l.max_pending, 1);
  ck_assert_uint_le(l.max_pending + l.reserve_outgoing + l.reserve_authenticated, 4);
  ck_assert_uint_le(l.max_pending_per_addr, l.max_pending);
  rl_admit_limits_init(&l, 1);
  ck_assert_uint_eq(l.max_pending, 1);
  ck_assert_uint_eq(l.reserve_outgoing, 0);
}
END_TEST

START_TEST(addresses) {
  rl_admit_addr a = v4("192.0.2.1"), b = v4("192.0.2.2"), m = v6("::ffff:192.0.2.1");
  rl_admit_addr p = v6("2001:db8:1:2::1"), q = v6("2001:db8:1:2:ffff::9"), r = v6("2001:db8:1:3::1");
  rl_admit_addr none;
  ck_assert(!rl_admit_addr_equal(&a, &b));
  ck_assert(rl_admit_addr_equal(&a, &m)); /* IPv4-mapped is the IPv4 address */
  ck_assert(rl_admit_addr_equal(&p, &q)); /* one /64 */
  ck_assert(!rl_admit_addr_equal(&p, &r));
  rl_admit_addr_of(NULL, 0, &none);
  ck_assert_uint_eq(none.len, 0);
}
END_TEST

START_TEST(accepts_below_every_limit) {
  rl_admit_limits l = limits(16, 4, 2, 2, 2);
  rl_admit_addr a = v4("192.0.2.1"), b = v4("192.0.2.2");
  rl_admit_entry e[3] = {ent(RL_ADMIT_PENDING, a, 10), ent(RL_ADMIT_INCOMING, b, 0),
                         ent(RL_ADMIT_OUTGOING, b, 0)};
  rl_admit_decision d;
  rl_admit_decide(&l, e, 3, &a, &d);
  ck_assert_int_eq(d.verdict, RL_ADMIT_ACCEPT);
  ck_assert_int_eq(d.reason, RL_ADMIT_OK);
  rl_admit_decide(&l, NULL, 0, &a, &d);
  ck_assert_int_eq(d.verdict, RL_ADMIT_ACCEPT);
}
END_TEST

START_TEST(pending_full_evicts_the_oldest) {
  rl_admit_limits l = limits(16, 3, 3, 2, 2);
  rl_admit_addr a = v4("192.0.2.1"), b = v4("192.0.2.2"), c = v4("192.0.2.3");
  rl_admit_entry e[4] = {ent(RL_ADMIT_PENDING, a, 30), ent(RL_ADMIT_INCOMING, c, 1),
                         ent(RL_ADMIT_PENDING, b, 20), ent(RL_ADMIT_PENDING, a, 25)};
  rl_admit_decision d;
  rl_admit_decide(&l, e, 4, &c, &d);
  ck_assert_int_eq(d.verdict, RL_ADMIT_EVICT);
  ck_assert_int_eq(d.reason, RL_ADMIT_PENDING_FULL);
  ck_assert_uint_eq(d.victim, 2); /* since 20; the authenticated one is never a victim */
}
END_TEST

START_TEST(per_address_limit_evicts_that_address) {
  rl_admit_limits l = limits(16, 8, 2, 2, 2);
  rl_admit_addr a = v4("192.0.2.1"), b = v4("192.0.2.2");
  rl_admit_entry e[3] = {ent(RL_ADMIT_PENDING, b, 5), ent(RL_ADMIT_PENDING, a, 40),
                         ent(RL_ADMIT_PENDING, a, 30)};
  rl_admit_decision d;
  rl_admit_decide(&l, e, 3, &a, &d);
  ck_assert_int_eq(d.verdict, RL_ADMIT_EVICT);
  ck_assert_int_eq(d.reason, RL_ADMIT_PER_ADDR);
  ck_assert_uint_eq(d.victim, 2); /* a's oldest, not b's older one */
  rl_admit_decide(&l, e, 3, &b, &d);
  ck_assert_int_eq(d.verdict, RL_ADMIT_ACCEPT);
}
END_TEST

START_TEST(reserved_slots_stay_free) {
  /* 8 slots, 2 for outgoing links: 6 incoming links at most. */
  rl_admit_limits l = limits(8, 2, 2, 2, 1);
  rl_admit_addr a = v4("192.0.2.1"), b = v4("192.0.2.2");
  rl_admit_entry e[8];
  rl_admit_decision d;
  for (int i = 0; i < 6; i++) e[i] = ent(RL_ADMIT_INCOMING, b, 0);
  /* No pending link to evict: refused, though 2 slots are free. */
  rl_admit_decide(&l, e, 6, &a, &d);
  ck_assert_int_eq(d.verdict, RL_ADMIT_REFUSE);
  ck_assert_int_eq(d.reason, RL_ADMIT_TABLE_FULL);
  /* One of them still pending: it makes room. */
  e[4] = ent(RL_ADMIT_PENDING, b, 7);
  rl_admit_decide(&l, e, 6, &a, &d);
  ck_assert_int_eq(d.verdict, RL_ADMIT_EVICT);
  ck_assert_int_eq(d.reason, RL_ADMIT_TABLE_FULL);
  ck_assert_uint_eq(d.victim, 4);
  /* Outgoing links count in the table, not in the incoming share. */
  for (int i = 0; i < 5; i++) e[i] = ent(RL_ADMIT_OUTGOING, b, 0);
  e[5] = ent(RL_ADMIT_INCOMING, b, 0);
  rl_admit_decide(&l, e, 6, &a, &d);
  ck_assert_int_eq(d.verdict, RL_ADMIT_ACCEPT);
  /* A full table of outgoing and authenticated links: refused. */
  e[6] = ent(RL_ADMIT_OUTGOING, b, 0);
  e[7] = ent(RL_ADMIT_INCOMING, b, 0);
  rl_admit_decide(&l, e, 8, &a, &d);
  ck_assert_int_eq(d.verdict, RL_ADMIT_REFUSE);
}
END_TEST

/* A flood from one address against a full table keeps at most the budget
 * pending, evicting oldest first; a newcomer always gets in. */
START_TEST(flood_simulation) {
  rl_admit_limits l = limits(256, 64, 32, 32, 64);
  rl_admit_addr flood = v4("198.51.100.7"), good = v4("192.0.2.1");
  rl_admit_entry e[256];
  size_t n = 0;
  rl_admit_decision d;
  for (int i = 0; i < 100; i++) e[n++] = ent(RL_ADMIT_INCOMING, good, 0);
  for (int i = 0; i < 8; i++) e[n++] = ent(RL_ADMIT_OUTGOING, good, 0);
  for (uint64_t t = 1; t <= 2000; t++) {
    rl_admit_decide(&l, e, n, &flood, &d);
    ck_assert_int_ne(d.verdict, RL_ADMIT_REFUSE);
    if (d.verdict == RL_ADMIT_EVICT) {
      ck_assert_int_eq(e[d.victim].cls, RL_ADMIT_PENDING);
      e[d.victim] = e[--n];
    }
    e[n++] = ent(RL_ADMIT_PENDING, flood, t);
    ck_assert_uint_le(n, 108 + 32);
  }
  /* The flood holds 32 slots; a legitimate newcomer is accepted outright. */
  rl_admit_decide(&l, e, n, &good, &d);
  ck_assert_int_eq(d.verdict, RL_ADMIT_ACCEPT);
  for (size_t i = 0; i < n; i++)
    if (e[i].cls == RL_ADMIT_PENDING) ck_assert_uint_gt(e[i].since_ms, 2000 - 32);
}
END_TEST

START_TEST(accept_errors) {
  ck_assert_int_eq(rl_accept_action_of(EAGAIN), RL_ACCEPT_DONE);
  ck_assert_int_eq(rl_accept_action_of(EWOULDBLOCK), RL_ACCEPT_DONE);
  ck_assert_int_eq(rl_accept_action_of(ECONNABORTED), RL_ACCEPT_NEXT);
  ck_assert_int_eq(rl_accept_action_of(EINTR), RL_ACCEPT_NEXT);
  ck_assert_int_eq(rl_accept_action_of(EPROTO), RL_ACCEPT_NEXT);
  ck_assert_int_eq(rl_accept_action_of(EMFILE), RL_ACCEPT_PAUSE);
  ck_assert_int_eq(rl_accept_action_of(ENFILE), RL_ACCEPT_PAUSE);
  ck_assert_int_eq(rl_accept_action_of(ENOBUFS), RL_ACCEPT_PAUSE);
  ck_assert_int_eq(rl_accept_action_of(ENOMEM), RL_ACCEPT_PAUSE);
  ck_assert_int_eq(rl_accept_action_of(EBADF), RL_ACCEPT_PAUSE); /* would repeat at once */
}
END_TEST

/* The pause doubles from 100 ms to 2 s while nothing is accepted, starts
 * over from 100 ms when something was, and one episode is reported once
 * until 10 s without failure. */
START_TEST(accept_pause) {
  rl_accept_pause p, e;
  uint64_t now = 1000, left = 0, want[] = {100, 200, 400, 800, 1600, 2000, 2000};
  memset(&p, 0, sizeof p);
  ck_assert(rl_accept_pause_poll(&p, now, &left));
  for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
    ck_assert_int_eq(rl_accept_pause_fail(&p, EMFILE, now), i == 0);
    ck_assert_uint_eq(p.pause_ms, want[i]);
    ck_assert(!rl_accept_pause_poll(&p, now + want[i] - 1, &left));
    ck_assert_uint_eq(left, 1);
    now += want[i];
    ck_assert(rl_accept_pause_poll(&p, now, &left));
  }
  rl_accept_pause_ok(&p);
  ck_assert_int_eq(rl_accept_pause_fail(&p, ENFILE, now), 0); /* same episode */
  ck_assert_uint_eq(p.pause_ms, 100);
  ck_assert_int_eq(p.err, EMFILE); /* the first error of the episode */
  ck_assert(!rl_accept_pause_over(&p, now + RL_ACCEPT_QUIET_MS - 1, &e));
  ck_assert(rl_accept_pause_over(&p, now + RL_ACCEPT_QUIET_MS, &e));
  ck_assert_uint_eq(e.failures, 8);
  ck_assert_uint_eq(e.last_ms - e.since_ms, now - 1000);
  ck_assert_int_eq(p.err, 0);
  ck_assert(!rl_accept_pause_over(&p, now + 2 * RL_ACCEPT_QUIET_MS, &e));
  ck_assert_int_eq(rl_accept_pause_fail(&p, ENOMEM, now), 1); /* a new episode */
  ck_assert_uint_eq(p.pause_ms, 100);
}
END_TEST

int main(void) {
  Suite *s = suite_create("net_admit");
  TCase *tc = tcase_create("admit");
  SRunner *sr;
  int failed;
  tcase_add_test(tc, defaults_fit_the_table);
  tcase_add_test(tc, addresses);
  tcase_add_test(tc, accepts_below_every_limit);
  tcase_add_test(tc, pending_full_evicts_the_oldest);
  tcase_add_test(tc, per_address_limit_evicts_that_address);
  tcase_add_test(tc, reserved_slots_stay_free);
  tcase_add_test(tc, flood_simulation);
  tcase_add_test(tc, accept_errors);
  tcase_add_test(tc, accept_pause);
  suite_add_tcase(s, tc);
  sr = srunner_create(s);
  srunner_run_all(sr, CK_NORMAL);
  failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
