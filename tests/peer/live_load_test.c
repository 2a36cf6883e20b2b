/* live_load_test.c: the reference peer (src/peer/node.h) under load from
 * one link that must not hurt the others (issue 22), over live TLS links:
 *   - reassembly (6.7): a link that sends first fragments of new messages
 *     without end holds at most RL_NODE_REASM_PER_LINK messages, pushing
 *     out its own oldest; another link's fragmented request completes and
 *     is answered meanwhile;
 *   - a fragmented request that would pass the size the peer reassembles
 *     is answered Error_Message_Too_Large (6.6, 6.3.3.1), over the link
 *     it came on, which stays up;
 *   - a link's request budget (rl_node_options.link_rate) counts every
 *     request of a client's link, a made-up Via List or not.
 * Each case runs in its own process with a fresh peer (Check's fork
 * mode); alice and bob are attached to it. */
#define _GNU_SOURCE
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "gen/reload_codec.h"
#include "peer/fragment.h"
#include "peer/msg.h"
#include "peer/node.h"
#include "runtime/writer.h"
#include "live_harness.h"

#define ANSWER_MS 5000
/* Pings this big are sent in fragments (max-message-size 5000). */
#define BIG_PAD 9000

static rl_node *peer;
static uint16_t peer_port;
static live_atk *alice, *bob;
static uint8_t msg[1u << 16];
static char pad[BIG_PAD + 1];

static void setup(void) {
  peer = live_peer_start(LIVE_PEER, 0, &peer_port);
  ck_assert(rl_node_ready(peer));
  alice = live_atk_new(LIVE_ALICE, 0);
  live_atk_attach(alice, peer_port);
  bob = live_atk_new(LIVE_BOB, 0);
  live_atk_attach(bob, peer_port);
  memset(pad, 'p', BIG_PAD);
}

static void teardown(void) {
  live_atk_free(bob);
  live_atk_free(alice);
  live_peer_free(peer);
}

/* A signed Ping of BIG_PAD bytes of padding from who, encoded in msg. */
static size_t big_ping(int who, live_req *r) {
  live_req_init(r, who, LIVE_PEER, RL_MessageCode_ping_req);
  r->body.ping_req.padding.ptr = (const uint8_t *)pad;
  r->body.ping_req.padding.len = BIG_PAD;
  return live_encode(r, msg, sizeof msg);
}

/* One fragment of msg: n data bytes from pos. */
static size_t fragment(const uint8_t *m, size_t len, size_t pos, size_t n, int last,
                       uint8_t *out, size_t cap) {
  rl_writer w;
  rl_writer_init(&w, out, cap, NULL);
  ck_assert_int_eq(rl_fragment_build(&w, m, len, pos, n, last), 0);
  return w.len;
}

static int send_frag(void *user, const uint8_t *frag, size_t len) {
  live_send_raw(user, frag, len);
  return 0;
}

START_TEST(fragment_flood_other_link) {
  static uint8_t frag[8192];
  live_ans *ans = malloc(sizeof *ans);
  rl_node_status st;
  live_req r;
  size_t len;
  ck_assert(ans != NULL);
  /* alice: the first 3000 bytes of 40 different big Pings, never the rest. */
  for (int i = 0; i < 40; i++) {
    len = big_ping(LIVE_ALICE, &r);
    live_send_raw(alice, frag, fragment(msg, len, 0, 3000, 0, frag, sizeof frag));
  }
  ck_assert_int_eq(live_ping(alice, LIVE_PEER, ANSWER_MS), RL_MessageCode_ping_ans);
  rl_node_get_status(peer, &st);
  /* The peer kept 4 of alice's and gave up the 36 others (6.7: "it MUST
   * drop the message"). */
  ck_assert_uint_eq(st.reasm_dropped, 36);
  /* bob's big Ping, in fragments of at most 4000 bytes, is answered. */
  len = big_ping(LIVE_BOB, &r);
  ck_assert_int_eq(rl_fragment_split(msg, len, 4000, send_frag, bob), 0);
  ck_assert_msg(live_wait(bob, r.txid, ANSWER_MS, ans), "bob's fragmented Ping not answered");
  ck_assert(ans->verified);
  ck_assert_int_eq(ans->m.message_contents.message_code, RL_MessageCode_ping_ans);
  live_ans_clear(ans);
  free(ans);
}
END_TEST

START_TEST(fragmented_request_too_large) {
  static uint8_t frag[8192];
  live_ans *ans = malloc(sizeof *ans);
  live_req r;
  size_t len, flen;
  uint32_t far = 300000; /* past the 4 * 65536 bytes the peer reassembles */
  ck_assert(ans != NULL);
  len = big_ping(LIVE_ALICE, &r);
  live_send_raw(alice, frag, fragment(msg, len, 0, 3000, 0, frag, sizeof frag));
  /* The last fragment, its offset moved far out (the fragment field is
   * not signed, 6.3.4). */
  flen = fragment(msg, len, 3000, 1000, 1, frag, sizeof frag);
  frag[13] = (uint8_t)(far >> 16);
  frag[14] = (uint8_t)(far >> 8);
  frag[15] = (uint8_t)far;
  live_send_raw(alice, frag, flen);
  ck_assert_msg(live_wait(alice, r.txid, ANSWER_MS, ans), "no answer to the oversized request");
  ck_assert(ans->verified);
  ck_assert_int_eq(live_error_code(ans), RL_ErrorCode_Error_Message_Too_Large);
  live_ans_clear(ans);
  free(ans);
  /* The link stays up (the fragments may have been relayed by a peer). */
  ck_assert_int_eq(live_ping(alice, LIVE_PEER, ANSWER_MS), RL_MessageCode_ping_ans);
}
END_TEST

/* A peer whose links may send 1 request a second, bursts of 2. */
static void setup_budget(void) {
  live_link_rate = 1;
  live_link_burst = 2;
  setup();
}

static int rate_limited(void *arg) {
  rl_node_status st;
  rl_node_get_status(peer, &st);
  return st.rate_limited >= *(const uint64_t *)arg;
}

/* The budget counts every request of a link that is not a Routing Table
 * peer's: alice, a client here, cannot evade it with a made-up Via List
 * (a peer's link would carry requests it forwards for others). Each
 * refused request is answered Error_Request_Timeout "rate limit". Of 10
 * sent at once, at most 2 (the burst) and one a second pass. */
START_TEST(budget_counts_forged_via_list) {
  enum { SENT = 10 };
  uint8_t fake[LIVE_ID_LEN];
  live_ans *ans = malloc(sizeof *ans);
  uint64_t txid[SENT], want = 5;
  rl_node_status st;
  live_req r;
  int refused = 0;
  ck_assert(ans != NULL);
  memset(fake, 0x5a, sizeof fake);
  for (int i = 0; i < SENT; i++) {
    live_req_init(&r, LIVE_ALICE, LIVE_PEER, RL_MessageCode_ping_req);
    rl_dest_node(&r.via[0], fake, LIVE_ID_LEN);
    r.nvia = 1;
    txid[i] = live_send(alice, &r);
  }
  ck_assert_msg(live_pump_until(rate_limited, &want, ANSWER_MS),
                "the peer did not refuse 5 of 10 requests past the budget");
  /* Every request is answered over alice's link (she is the previous
   * hop), the refused ones with the error. */
  for (int i = 0; i < SENT; i++) {
    ck_assert_msg(live_wait(alice, txid[i], ANSWER_MS, ans), "request %d not answered", i);
    if (live_error_code(ans) == RL_ErrorCode_Error_Request_Timeout) refused++;
    else ck_assert_int_eq(ans->m.message_contents.message_code, RL_MessageCode_ping_ans);
    live_ans_clear(ans);
  }
  rl_node_get_status(peer, &st);
  ck_assert_int_ge(refused, 5);
  ck_assert_uint_eq(st.rate_limited, (uint64_t)refused);
  free(ans);
}
END_TEST

int main(void) {
  Suite *s = suite_create("live_load");
  TCase *t = tcase_create("reassembly");
  SRunner *sr;
  int failed;
  live_world_init();
  tcase_set_timeout(t, 60);
  tcase_add_checked_fixture(t, setup, teardown);
  tcase_add_test(t, fragment_flood_other_link);
  tcase_add_test(t, fragmented_request_too_large);
  suite_add_tcase(s, t);
  t = tcase_create("budget");
  tcase_set_timeout(t, 60);
  tcase_add_checked_fixture(t, setup_budget, teardown);
  tcase_add_test(t, budget_counts_forged_via_list);
  suite_add_tcase(s, t);
  sr = srunner_create(s);
  srunner_run_all(sr, CK_NORMAL);
  failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  live_world_free();
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
