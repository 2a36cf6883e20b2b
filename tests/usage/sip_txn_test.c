/* tests/usage/sip_txn_test.c: the SIP proxy's transaction table
 * (usage/sip_txn.h) driven in memory: matching per RFC 3261 17.2.3 and
 * 17.1.3, reuse only after callbacks, the size limit, and the lifetimes of
 * 17.2 (timers H, I, J). */
#include <stdio.h>
#include <check.h>
#include <string.h>

#include "runtime/error.h"
#include "usage/sip_txn.h"

typedef struct {
  rl_sip_txn base;
  int payload;
} entry;

/* The top via-parm of a Via value. */
static rl_sip_via via(const char *text) {
  rl_sip_via v;
  rl_sip_str s = {text, strlen(text)};
  size_t pos = 0;
  ck_assert_int_eq(rl_sip_via_next(s, &pos, &v, NULL), 1);
  return v;
}

static rl_sip_str S(const char *s) {
  rl_sip_str r = {s, strlen(s)};
  return r;
}

/* 17.2.3: branch, sent-by and method; ACK and CANCEL find the INVITE. */
START_TEST(server_matching) {
  rl_sip_txn_table *tt = rl_sip_txn_table_new(sizeof(entry), 16);
  rl_sip_via a = via("SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKsame");
  rl_sip_via a_default_port = via("SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKsame");
  rl_sip_via b = via("SIP/2.0/UDP 192.0.2.2:5060;branch=z9hG4bKsame");
  rl_sip_via a_port = via("SIP/2.0/UDP 192.0.2.1:5070;branch=z9hG4bKsame");
  rl_sip_via other = via("SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKother");
  rl_sip_txn *t, *u;
  ck_assert_ptr_nonnull(tt);
  t = rl_sip_txn_alloc(tt);
  ck_assert_int_eq(rl_sip_txn_bind(tt, t, &a, RL_SIP_METHOD_INVITE, "z9hG4bK-out1"), 0);
  ck_assert_ptr_eq(rl_sip_txn_match(tt, &a, RL_SIP_METHOD_INVITE), t);
  /* The port is 5060 when absent (18.2.2): the same sent-by. */
  ck_assert_ptr_eq(rl_sip_txn_match(tt, &a_default_port, RL_SIP_METHOD_INVITE), t);
  ck_assert_ptr_eq(rl_sip_txn_match(tt, &a, RL_SIP_METHOD_ACK), t);
  ck_assert_ptr_eq(rl_sip_txn_match(tt, &a, RL_SIP_METHOD_CANCEL), t);
  /* Another phone with the same branch, another port, another branch,
   * another method: not this transaction. */
  ck_assert_ptr_null(rl_sip_txn_match(tt, &b, RL_SIP_METHOD_INVITE));
  ck_assert_ptr_null(rl_sip_txn_match(tt, &b, RL_SIP_METHOD_ACK));
  ck_assert_ptr_null(rl_sip_txn_match(tt, &a_port, RL_SIP_METHOD_INVITE));
  ck_assert_ptr_null(rl_sip_txn_match(tt, &other, RL_SIP_METHOD_INVITE));
  ck_assert_ptr_null(rl_sip_txn_match(tt, &a, RL_SIP_METHOD_BYE));
  /* The second phone's request is a transaction of its own. */
  u = rl_sip_txn_alloc(tt);
  ck_assert_ptr_ne(u, t);
  ck_assert_int_eq(rl_sip_txn_bind(tt, u, &b, RL_SIP_METHOD_INVITE, "z9hG4bK-out2"), 0);
  ck_assert_ptr_eq(rl_sip_txn_match(tt, &b, RL_SIP_METHOD_INVITE), u);
  ck_assert_ptr_eq(rl_sip_txn_match(tt, &a, RL_SIP_METHOD_INVITE), t);
  /* 17.1.3: responses by our branch. */
  ck_assert_ptr_eq(rl_sip_txn_match_out(tt, S("z9hG4bK-out1")), t);
  ck_assert_ptr_eq(rl_sip_txn_match_out(tt, S("z9hG4bK-out2")), u);
  ck_assert_ptr_null(rl_sip_txn_match_out(tt, S("z9hG4bK-out")));
  /* A non-INVITE matches its own method only (an ACK never finds it). */
  {
    rl_sip_via m = via("SIP/2.0/TCP [2001:db8::1]:5061;branch=z9hG4bKmsg");
    rl_sip_txn *x = rl_sip_txn_alloc(tt);
    ck_assert_int_eq(rl_sip_txn_bind(tt, x, &m, RL_SIP_METHOD_MESSAGE, NULL), 0);
    ck_assert_ptr_eq(rl_sip_txn_match(tt, &m, RL_SIP_METHOD_MESSAGE), x);
    ck_assert_ptr_null(rl_sip_txn_match(tt, &m, RL_SIP_METHOD_ACK));
  }
  /* Released: not found any more. */
  rl_sip_txn_release(tt, t);
  ck_assert_ptr_null(rl_sip_txn_match(tt, &a, RL_SIP_METHOD_INVITE));
  ck_assert_ptr_null(rl_sip_txn_match_out(tt, S("z9hG4bK-out1")));
  ck_assert_ptr_eq(rl_sip_txn_match(tt, &b, RL_SIP_METHOD_INVITE), u);
  rl_sip_txn_table_free(tt, NULL);
}
END_TEST

/* A request without a branch (RFC 2543) or with one too long is refused
 * a key: bind says so, and nothing matches it. */
START_TEST(bad_keys) {
  rl_sip_txn_table *tt = rl_sip_txn_table_new(sizeof(entry), 4);
  rl_sip_via nob = via("SIP/2.0/UDP 192.0.2.1:5060");
  char longv[300];
  rl_sip_txn *t = rl_sip_txn_alloc(tt);
  ck_assert_int_eq(rl_sip_txn_bind(tt, t, &nob, RL_SIP_METHOD_INVITE, NULL), RL_ERR_PARAM);
  ck_assert_ptr_null(rl_sip_txn_match(tt, &nob, RL_SIP_METHOD_INVITE));
  strcpy(longv, "SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK");
  {
    /* A branch of 200 more bytes, terminated right after them (the rest
     * of the buffer is not initialised). */
    size_t l = strlen(longv);
    memset(longv + l, 'x', 200);
    longv[l + 200] = 0;
  }
  {
    rl_sip_via lv = via(longv);
    ck_assert_int_eq(rl_sip_txn_bind(tt, t, &lv, RL_SIP_METHOD_INVITE, NULL), RL_ERR_PARAM);
    ck_assert_ptr_null(rl_sip_txn_match(tt, &lv, RL_SIP_METHOD_INVITE));
  }
  rl_sip_txn_table_free(tt, NULL);
}
END_TEST

/* The table holds at most max; a released entry comes back only when its
 * callbacks are back, with the caller's part as it was left. */
START_TEST(capacity_and_reuse) {
  rl_sip_txn_table *tt = rl_sip_txn_table_new(sizeof(entry), 3);
  entry *e[3];
  for (int i = 0; i < 3; i++) {
    e[i] = (entry *)rl_sip_txn_alloc(tt);
    ck_assert_ptr_nonnull(e[i]);
    ck_assert_int_eq(e[i]->payload, 0); /* new: zeroed */
    e[i]->payload = 10 + i;
  }
  ck_assert_ptr_null(rl_sip_txn_alloc(tt));
  ck_assert_uint_eq(rl_sip_txn_count(tt), 3);
  /* One callback outstanding: released but not reusable yet. */
  e[1]->base.pending = 1;
  rl_sip_txn_release(tt, &e[1]->base);
  rl_sip_txn_release(tt, &e[1]->base); /* twice: nothing more */
  ck_assert_ptr_null(rl_sip_txn_alloc(tt));
  rl_sip_txn_callback_done(tt, &e[1]->base);
  {
    entry *again = (entry *)rl_sip_txn_alloc(tt);
    ck_assert_ptr_eq(again, e[1]);
    ck_assert_int_eq(again->payload, 11);
    ck_assert_int_eq(again->base.in_use, 1);
    ck_assert_int_eq(again->base.pending, 0);
  }
  ck_assert_ptr_null(rl_sip_txn_alloc(tt));
  ck_assert_ptr_eq(rl_sip_txn_at(tt, 0), &e[0]->base);
  ck_assert_ptr_null(rl_sip_txn_at(tt, 3));
  rl_sip_txn_table_free(tt, NULL);
  ck_assert_ptr_null(rl_sip_txn_table_new(sizeof(rl_sip_txn) - 1, 3));
  ck_assert_ptr_null(rl_sip_txn_table_new(sizeof(entry), 0));
}
END_TEST

/* Many transactions at once (a busy proxy: 500 calls/s hold ~16,000):
 * each is found by its own keys. */
START_TEST(many) {
  enum { N = 20000 };
  rl_sip_txn_table *tt = rl_sip_txn_table_new(sizeof(entry), N);
  static char texts[N][80];
  for (int i = 0; i < N; i++) {
    rl_sip_txn *t = rl_sip_txn_alloc(tt);
    rl_sip_via v;
    char ob[40];
    ck_assert_ptr_nonnull(t);
    snprintf(texts[i], sizeof texts[i], "SIP/2.0/UDP 10.0.%d.%d:5060;branch=z9hG4bK%d", i / 250,
             i % 250, i);
    v = via(texts[i]);
    snprintf(ob, sizeof ob, "z9hG4bK-o%d", i);
    ck_assert_int_eq(rl_sip_txn_bind(tt, t, &v, RL_SIP_METHOD_BYE, ob), 0);
  }
  ck_assert_ptr_null(rl_sip_txn_alloc(tt));
  for (int i = 0; i < N; i += 997) {
    rl_sip_via v = via(texts[i]);
    char ob[40];
    snprintf(ob, sizeof ob, "z9hG4bK-o%d", i);
    ck_assert_ptr_eq(rl_sip_txn_match(tt, &v, RL_SIP_METHOD_BYE), rl_sip_txn_at(tt, (size_t)i));
    ck_assert_ptr_eq(rl_sip_txn_match_out(tt, S(ob)), rl_sip_txn_at(tt, (size_t)i));
  }
  rl_sip_txn_table_free(tt, NULL);
}
END_TEST

/* 17.2: how long an answered transaction stays. */
START_TEST(lifetimes) {
  /* 17.2.1: an INVITE answered 2xx ends at once. */
  ck_assert_uint_eq(rl_sip_txn_linger(RL_SIP_METHOD_INVITE, 200, 0), 0);
  /* Otherwise timer H (64*T1) waits for the ACK, on any transport. */
  ck_assert_uint_eq(rl_sip_txn_linger(RL_SIP_METHOD_INVITE, 486, 0), 32000);
  ck_assert_uint_eq(rl_sip_txn_linger(RL_SIP_METHOD_INVITE, 486, 1), 32000);
  /* 17.2.2: timer J, 64*T1 unreliable, 0 reliable. */
  ck_assert_uint_eq(rl_sip_txn_linger(RL_SIP_METHOD_BYE, 200, 0), 32000);
  ck_assert_uint_eq(rl_sip_txn_linger(RL_SIP_METHOD_BYE, 404, 1), 0);
  /* Timer I after the ACK: T4 unreliable, 0 reliable. */
  ck_assert_uint_eq(rl_sip_txn_linger_after_ack(0), 5000);
  ck_assert_uint_eq(rl_sip_txn_linger_after_ack(1), 0);
}
END_TEST

int main(void) {
  Suite *s = suite_create("sip_txn");
  TCase *tc = tcase_create("core");
  int failed;
  SRunner *sr;
  tcase_set_timeout(tc, 30);
  tcase_add_test(tc, server_matching);
  tcase_add_test(tc, bad_keys);
  tcase_add_test(tc, capacity_and_reuse);
  tcase_add_test(tc, many);
  tcase_add_test(tc, lifetimes);
  suite_add_tcase(s, tc);
  sr = srunner_create(s);
  srunner_run_all(sr, CK_NORMAL);
  failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? 1 : 0;
}
