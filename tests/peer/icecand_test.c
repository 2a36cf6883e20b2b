/* icecand_test.c: ICE candidates between the agent's form (net/ice.h) and
 * Attach's IceCandidate (RFC 6940 6.5.1.1, 6.5.1.7): the round trip for
 * each type and family, rel_addr_port for all but host, and the
 * candidates refused with their reason (peer-reflexive has no CandType,
 * No-ICE link types, bad foundations, unknown address types). */
#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "peer/icecand.h"
#include "runtime/error.h"

static void v4(struct sockaddr_storage *ss, const char *ip, int port) {
  struct sockaddr_in *s = (struct sockaddr_in *)ss;
  memset(ss, 0, sizeof *ss);
  s->sin_family = AF_INET;
  inet_pton(AF_INET, ip, &s->sin_addr);
  s->sin_port = htons((uint16_t)port);
}

static void v6(struct sockaddr_storage *ss, const char *ip, int port) {
  struct sockaddr_in6 *s = (struct sockaddr_in6 *)ss;
  memset(ss, 0, sizeof *ss);
  s->sin6_family = AF_INET6;
  inet_pton(AF_INET6, ip, &s->sin6_addr);
  s->sin6_port = htons((uint16_t)port);
}

static void round_trip(const rl_ice_cand *in) {
  rl_IceCandidate w;
  rl_ice_cand back;
  char why[128];
  ck_assert_int_eq(rl_icecand_to_wire(in, &w), 0);
  ck_assert_int_eq(w.overlay_link, RL_OverlayLinkType_DTLS_UDP_SR);
  ck_assert_int_eq(rl_icecand_from_wire(&w, &back, why, sizeof why), 0);
  ck_assert_int_eq(back.type, in->type);
  ck_assert_uint_eq(back.priority, in->priority);
  ck_assert_str_eq(back.foundation, in->foundation);
  ck_assert_mem_eq(&back.addr, &in->addr, sizeof back.addr);
  if (in->type != RL_ICE_CAND_HOST) ck_assert_mem_eq(&back.rel_addr, &in->rel_addr, sizeof back.rel_addr);
}

START_TEST(types_and_families) {
  rl_ice_cand c;
  memset(&c, 0, sizeof c);
  c.type = RL_ICE_CAND_HOST;
  c.priority = 2130706431u;
  strcpy(c.foundation, "1");
  v4(&c.addr, "192.168.1.10", 40000);
  round_trip(&c);
  c.type = RL_ICE_CAND_SRFLX;
  strcpy(c.foundation, "abc+/09XYZ");
  v4(&c.addr, "203.0.113.7", 61000);
  v4(&c.rel_addr, "192.168.1.10", 40000);
  round_trip(&c);
  c.type = RL_ICE_CAND_RELAY;
  v6(&c.addr, "2001:db8::1", 50000);
  v6(&c.rel_addr, "2001:db8::2", 50001);
  round_trip(&c);
}
END_TEST

START_TEST(refused) {
  rl_ice_cand c, back;
  rl_IceCandidate w;
  char why[128];
  memset(&c, 0, sizeof c);
  c.type = RL_ICE_CAND_PRFLX; /* no CandType value (6.5.1.1) */
  strcpy(c.foundation, "1");
  v4(&c.addr, "192.0.2.1", 1);
  v4(&c.rel_addr, "192.0.2.2", 2);
  ck_assert_int_eq(rl_icecand_to_wire(&c, &w), RL_ERR_PARAM);
  c.type = RL_ICE_CAND_HOST;
  c.foundation[0] = 0;
  ck_assert_int_eq(rl_icecand_to_wire(&c, &w), RL_ERR_PARAM);
  strcpy(c.foundation, "1");
  c.addr.ss_family = AF_UNIX;
  ck_assert_int_eq(rl_icecand_to_wire(&c, &w), RL_ERR_PARAM);
  /* The far end's: not ICE, bad foundations. */
  v4(&c.addr, "192.0.2.1", 1);
  ck_assert_int_eq(rl_icecand_to_wire(&c, &w), 0);
  w.overlay_link = RL_OverlayLinkType_DTLS_UDP_SR_NO_ICE;
  ck_assert_int_eq(rl_icecand_from_wire(&w, &back, why, sizeof why), RL_ERR_PARAM);
  ck_assert_ptr_nonnull(strstr(why, "DTLS-UDP-SR-NO-ICE"));
  w.overlay_link = RL_OverlayLinkType_DTLS_UDP_SR;
  w.foundation.ptr = (const uint8_t *)"a b";
  w.foundation.len = 3;
  ck_assert_int_eq(rl_icecand_from_wire(&w, &back, why, sizeof why), RL_ERR_PARAM);
  ck_assert_ptr_nonnull(strstr(why, "byte 1"));
  w.foundation.ptr = (const uint8_t *)"0123456789012345678901234567890123";
  w.foundation.len = 33;
  ck_assert_int_eq(rl_icecand_from_wire(&w, &back, why, sizeof why), RL_ERR_PARAM);
  w.foundation.len = 32;
  ck_assert_int_eq(rl_icecand_from_wire(&w, &back, why, sizeof why), 0);
  w.addr_port.type = (rl_AddressType)9;
  ck_assert_int_eq(rl_icecand_from_wire(&w, &back, why, sizeof why), RL_ERR_PARAM);
  ck_assert_ptr_nonnull(strstr(why, "neither IPv4 nor IPv6"));
}
END_TEST

int main(void) {
  Suite *s = suite_create("peer_icecand");
  TCase *tc = tcase_create("icecand");
  SRunner *r;
  int failed;
  tcase_add_test(tc, types_and_families);
  tcase_add_test(tc, refused);
  suite_add_tcase(s, tc);
  r = srunner_create(s);
  srunner_run_all(r, CK_NORMAL);
  failed = srunner_ntests_failed(r);
  srunner_free(r);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
