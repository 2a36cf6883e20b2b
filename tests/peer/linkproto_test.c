/* linkproto_test.c: which overlay link protocols a node offers and
 * accepts (RFC 6940 6.5.1.11, 11.1 overlay-link-protocol and no-ice;
 * src/peer/linkproto.h), first as a function of the configuration, then
 * live: a TLS reference peer answers an Attach offering only DTLS
 * candidates with Error_Incompatible_with_Overlay, and one offering its
 * own protocol with an AttachAns carrying a TLS-TCP-FH-NO-ICE candidate. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "peer/linkproto.h"
#include "live_harness.h"

#define ANSWER_MS 5000

static const rl_OverlayLinkType TLS = RL_OverlayLinkType_TLS_TCP_FH_NO_ICE,
                                DTLS = RL_OverlayLinkType_DTLS_UDP_SR_NO_ICE,
                                DTLS_ICE = RL_OverlayLinkType_DTLS_UDP_SR;

/* A configuration listing the given overlay-link-protocol values. */
static void cfg_with(rl_overlay_config *c, char **v, size_t n, int no_ice) {
  memset(c, 0, sizeof *c);
  c->link_protocols.v = v;
  c->link_protocols.n = n;
  c->no_ice = no_ice;
}

START_TEST(permitted_by_configuration) {
  rl_overlay_config c;
  char *tls[] = {"TLS"}, *dtls[] = {"DTLS"}, *tls_only[] = {"TLS-TCP-FH-NO-ICE"},
       *dtls_no_ice[] = {"DTLS-UDP-SR-NO-ICE"}, *other[] = {"EXP-LINK"};
  /* 11.1: none listed means "TLS": TLS and DTLS. */
  cfg_with(&c, NULL, 0, 0);
  ck_assert(rl_link_protocol_permitted(&c, TLS));
  ck_assert(rl_link_protocol_permitted(&c, DTLS));
  ck_assert(rl_link_protocol_permitted(&c, DTLS_ICE));
  ck_assert(!rl_link_protocol_permitted(&c, RL_OverlayLinkType_EXP_LINK));
  cfg_with(&c, tls, 1, 0);
  ck_assert(rl_link_protocol_permitted(&c, TLS) && rl_link_protocol_permitted(&c, DTLS));
  cfg_with(&c, dtls, 1, 0);
  ck_assert(!rl_link_protocol_permitted(&c, TLS) && rl_link_protocol_permitted(&c, DTLS));
  cfg_with(&c, tls_only, 1, 0);
  ck_assert(rl_link_protocol_permitted(&c, TLS) && !rl_link_protocol_permitted(&c, DTLS));
  cfg_with(&c, dtls_no_ice, 1, 0);
  ck_assert(rl_link_protocol_permitted(&c, DTLS) && !rl_link_protocol_permitted(&c, DTLS_ICE));
  /* One or more listed: "no default value applies". */
  cfg_with(&c, other, 1, 0);
  ck_assert(!rl_link_protocol_permitted(&c, TLS) && !rl_link_protocol_permitted(&c, DTLS));
  /* no-ice: only the No-ICE protocols. */
  cfg_with(&c, NULL, 0, 1);
  ck_assert(rl_link_protocol_permitted(&c, DTLS) && !rl_link_protocol_permitted(&c, DTLS_ICE));
}
END_TEST

START_TEST(link_mode_offers) {
  ck_assert_int_eq(rl_link_mode_overlay_link(RL_LINK_TLS), TLS);
  ck_assert_int_eq(rl_link_mode_overlay_link(RL_LINK_TCP_INSECURE), TLS);
  ck_assert_int_eq(rl_link_mode_overlay_link(RL_LINK_DTLS), DTLS);
  ck_assert_int_eq(rl_link_mode_overlay_link(RL_LINK_UDP_INSECURE), DTLS);
  ck_assert_str_eq(rl_link_mode_name(RL_LINK_DTLS), "DTLS-UDP-SR-NO-ICE");
}
END_TEST

/* ---------- live: a TLS peer and alice, linked to it ---------- */

static rl_node *peer;
static uint16_t peer_port;
static live_atk *alice;

static void setup(void) {
  peer = live_peer_start(LIVE_PEER, 0, &peer_port);
  alice = live_atk_new(LIVE_ALICE, 0);
  live_atk_attach(alice, peer_port);
}

static void teardown(void) {
  live_atk_free(alice);
  live_peer_free(peer);
}

/* An AttachReq from bob (through alice's link) with one host candidate of
 * type t on 127.0.0.1:9. */
static void attach_req(live_req *r, rl_IceCandidate *cand, rl_OverlayLinkType t) {
  live_req_init(r, LIVE_BOB, LIVE_PEER, RL_MessageCode_attach_req);
  memset(cand, 0, sizeof *cand);
  cand->addr_port.type = RL_AddressType_ipv4_address;
  cand->addr_port.length = 6;
  cand->addr_port.v4addr_port.addr = 0x7f000001u;
  cand->addr_port.v4addr_port.port = 9;
  cand->overlay_link = t;
  cand->foundation.ptr = (const uint8_t *)"1";
  cand->foundation.len = 1;
  cand->priority = (126u << 24) | (65535u << 8) | 255u;
  cand->type = RL_CandType_host;
  r->body.attach_req.ufrag.ptr = (const uint8_t *)"ufrag";
  r->body.attach_req.ufrag.len = 5;
  r->body.attach_req.password.ptr = (const uint8_t *)"password-password-pass";
  r->body.attach_req.password.len = 22;
  r->body.attach_req.role.ptr = (const uint8_t *)"passive";
  r->body.attach_req.role.len = 7;
  r->body.attach_req.candidates = cand;
  r->body.attach_req.candidates_count = 1;
}

START_TEST(attach_without_common_protocol) {
  static const rl_OverlayLinkType offered[] = {RL_OverlayLinkType_DTLS_UDP_SR_NO_ICE,
                                               RL_OverlayLinkType_DTLS_UDP_SR};
  live_req r;
  rl_IceCandidate cand;
  for (size_t i = 0; i < 2; i++) {
    attach_req(&r, &cand, offered[i]);
    ck_assert_int_eq(live_exchange(alice, &r, ANSWER_MS),
                     LIVE_ERR(RL_ErrorCode_Error_Incompatible_with_Overlay));
  }
}
END_TEST

START_TEST(attach_with_common_protocol) {
  live_req r;
  rl_IceCandidate cand;
  live_ans ans;
  const rl_AttachReqAns *a;
  attach_req(&r, &cand, TLS);
  live_send(alice, &r);
  ck_assert(live_wait(alice, r.txid, ANSWER_MS, &ans));
  ck_assert_int_eq(ans.m.message_contents.message_code, RL_MessageCode_attach_ans);
  a = &ans.m.message_contents.message_body.attach_ans;
  ck_assert_uint_eq(a->candidates_count, 1);
  ck_assert_int_eq(a->candidates[0].overlay_link, TLS);
  ck_assert_uint_eq(a->candidates[0].addr_port.v4addr_port.port, peer_port);
  live_ans_clear(&ans);
}
END_TEST

int main(void) {
  Suite *s = suite_create("linkproto");
  TCase *unit = tcase_create("unit"), *live = tcase_create("live");
  SRunner *sr;
  int failed;
  live_world_init();
  tcase_add_test(unit, permitted_by_configuration);
  tcase_add_test(unit, link_mode_offers);
  suite_add_tcase(s, unit);
  tcase_set_timeout(live, 60);
  tcase_add_checked_fixture(live, setup, teardown);
  tcase_add_test(live, attach_without_common_protocol);
  tcase_add_test(live, attach_with_common_protocol);
  suite_add_tcase(s, live);
  sr = srunner_create(s);
  srunner_run_all(sr, CK_NORMAL);
  failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  live_world_free();
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
