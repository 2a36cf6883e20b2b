/* turnsvc_test.c: the TURN Server Usage's pieces (RFC 6940 9, peer/turnsvc.h):
 * the Resource-ID H(Node-ID || d) and its acceptance by our own access
 * control (NODE-MULTIPLE, 7.3.4, maximum iteration 20); the TurnServer
 * value's round trip for IPv4 and IPv6 and the values refused after
 * decoding, with their reasons; the addresses 9 advises against. */
#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "overlay/hash.h"
#include "peer/turnsvc.h"
#include "runtime/arena.h"
#include "runtime/error.h"
#include "storage/access.h"

static const rl_params params16 = {.NodeIdLength = 16};

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

static int decode(const uint8_t *v, size_t len, rl_turnsvc *out, char *why, size_t whylen) {
  static uint8_t mem[1024];
  rl_arena a;
  rl_ctx ctx;
  rl_arena_init(&a, mem, sizeof mem);
  rl_ctx_init(&ctx, &a, &params16);
  return rl_turnsvc_decode(v, len, &ctx, out, why, whylen);
}

START_TEST(resource_id_and_access) {
  uint8_t id[16], other[16], rid[16], want[16], name[17];
  rl_bytes ids[1];
  rl_signer signer;
  rl_StoredDataValue sdv;
  for (int i = 0; i < 16; i++) {
    id[i] = (uint8_t)(0xa0 + i);
    other[i] = (uint8_t)i;
  }
  ids[0].ptr = id;
  ids[0].len = 16;
  memset(&signer, 0, sizeof signer);
  signer.node_ids = ids;
  signer.node_ids_count = 1;
  memset(&sdv, 0, sizeof sdv);
  sdv.data_model = RL_DataModel_single_value;
  for (int d = 1; d <= 20; d++) {
    /* 9: the Resource Name is the Node-ID followed by the octet d. */
    ck_assert_int_eq(rl_turnsvc_resource(id, 16, (uint8_t)d, rid), 0);
    memcpy(name, id, 16);
    name[16] = (uint8_t)d;
    ck_assert_int_eq(rl_resource_id(name, 17, 16, want), 0);
    ck_assert_mem_eq(rid, want, 16);
    /* 7.3.4 with the Kind's maximum iteration 20 (9, 14.6). */
    ck_assert_int_eq(rl_access_check(RL_ACCESS_NODE_MULTIPLE, RL_TURNSVC_MAX_ITERATION,
                                     (rl_bytes){rid, 16}, &signer, &sdv),
                     0);
  }
  /* d = 21 is beyond the maximum iteration: refused. */
  ck_assert_int_eq(rl_turnsvc_resource(id, 16, 21, rid), 0);
  ck_assert_int_eq(rl_access_check(RL_ACCESS_NODE_MULTIPLE, RL_TURNSVC_MAX_ITERATION,
                                   (rl_bytes){rid, 16}, &signer, &sdv),
                   RL_ErrorCode_Error_Forbidden);
  /* Another node's Resource-ID: refused. */
  ck_assert_int_eq(rl_turnsvc_resource(other, 16, 1, rid), 0);
  ck_assert_int_eq(rl_access_check(RL_ACCESS_NODE_MULTIPLE, RL_TURNSVC_MAX_ITERATION,
                                   (rl_bytes){rid, 16}, &signer, &sdv),
                   RL_ErrorCode_Error_Forbidden);
  /* H(Node-ID) alone (NODE-MATCH's) is not H(Node-ID || d). */
  ck_assert_int_eq(rl_resource_id(id, 16, 16, rid), 0);
  ck_assert_int_eq(rl_access_check(RL_ACCESS_NODE_MULTIPLE, RL_TURNSVC_MAX_ITERATION,
                                   (rl_bytes){rid, 16}, &signer, &sdv),
                   RL_ErrorCode_Error_Forbidden);
  /* d 0 and bad Node-ID lengths. */
  ck_assert_int_eq(rl_turnsvc_resource(id, 16, 0, rid), RL_ERR_PARAM);
  ck_assert_int_eq(rl_turnsvc_resource(id, 15, 1, rid), RL_ERR_PARAM);
  ck_assert_int_eq(rl_turnsvc_resource(id, 21, 1, rid), RL_ERR_PARAM);
}
END_TEST

START_TEST(value_round_trip) {
  struct sockaddr_storage ss;
  uint8_t buf[RL_TURNSVC_VALUE_MAX];
  rl_turnsvc t;
  char why[200];
  long len;
  static const uint8_t want4[] = {1, 1, 6, 203, 0, 113, 10, 0x0d, 0x96};
  v4(&ss, "203.0.113.10", 3478);
  len = rl_turnsvc_encode(1, (struct sockaddr *)&ss, buf, sizeof buf);
  /* iteration, AddressType ipv4_address (1), length 6, address, port */
  ck_assert_int_eq(len, sizeof want4);
  ck_assert_mem_eq(buf, want4, sizeof want4);
  ck_assert_int_eq(decode(buf, (size_t)len, &t, why, sizeof why), 0);
  ck_assert_uint_eq(t.iteration, 1);
  ck_assert_uint_eq(t.addr_len, sizeof(struct sockaddr_in));
  ck_assert_mem_eq(&t.addr, &ss, sizeof(struct sockaddr_in));
  v6(&ss, "2001:db8::1", 5349);
  len = rl_turnsvc_encode(20, (struct sockaddr *)&ss, buf, sizeof buf);
  ck_assert_int_eq(len, 1 + 2 + 18);
  ck_assert_int_eq(decode(buf, (size_t)len, &t, why, sizeof why), 0);
  ck_assert_uint_eq(t.iteration, 20);
  ck_assert_mem_eq(&((struct sockaddr_in6 *)&t.addr)->sin6_addr,
                   &((struct sockaddr_in6 *)&ss)->sin6_addr, 16);
  ck_assert_uint_eq(ntohs(((struct sockaddr_in6 *)&t.addr)->sin6_port), 5349);
  /* What the encoder refuses. */
  ck_assert_int_eq(rl_turnsvc_encode(0, (struct sockaddr *)&ss, buf, sizeof buf), RL_ERR_PARAM);
  ck_assert_int_eq(rl_turnsvc_encode(21, (struct sockaddr *)&ss, buf, sizeof buf), RL_ERR_PARAM);
  v4(&ss, "203.0.113.10", 0);
  ck_assert_int_eq(rl_turnsvc_encode(1, (struct sockaddr *)&ss, buf, sizeof buf), RL_ERR_PARAM);
  v4(&ss, "203.0.113.10", 3478);
  ck_assert_int_eq(rl_turnsvc_encode(1, (struct sockaddr *)&ss, buf, 4), RL_ERR_BUFFER);
}
END_TEST

START_TEST(value_refused) {
  uint8_t v[32];
  rl_turnsvc t;
  char why[200];
  static const uint8_t ok[] = {1, 1, 6, 203, 0, 113, 10, 0x0d, 0x96};
  memcpy(v, ok, sizeof ok);
  v[0] = 0;
  ck_assert_int_lt(decode(v, sizeof ok, &t, why, sizeof why), 0);
  ck_assert_ptr_nonnull(strstr(why, "iteration 0 is outside 1..20"));
  v[0] = 21;
  ck_assert_int_lt(decode(v, sizeof ok, &t, why, sizeof why), 0);
  ck_assert_ptr_nonnull(strstr(why, "iteration 21"));
  memcpy(v, ok, sizeof ok);
  v[7] = v[8] = 0;
  ck_assert_int_lt(decode(v, sizeof ok, &t, why, sizeof why), 0);
  ck_assert_ptr_nonnull(strstr(why, "port 0"));
  memcpy(v, ok, sizeof ok);
  v[3] = 224;
  ck_assert_int_lt(decode(v, sizeof ok, &t, why, sizeof why), 0);
  ck_assert_ptr_nonnull(strstr(why, "multicast"));
  memcpy(v, ok, sizeof ok);
  memset(v + 3, 0, 4);
  ck_assert_int_lt(decode(v, sizeof ok, &t, why, sizeof why), 0);
  ck_assert_ptr_nonnull(strstr(why, "unspecified"));
  /* Truncated, and a byte after the TurnServer: decoding errors, with
   * the byte offset in the reason. */
  memcpy(v, ok, sizeof ok);
  ck_assert_int_lt(decode(v, sizeof ok - 1, &t, why, sizeof why), 0);
  ck_assert_ptr_nonnull(strstr(why, "not a TurnServer"));
  v[sizeof ok] = 0;
  ck_assert_int_lt(decode(v, sizeof ok + 1, &t, why, sizeof why), 0);
  ck_assert_ptr_nonnull(strstr(why, "not a TurnServer"));
  ck_assert_int_lt(decode(v, 0, &t, why, sizeof why), 0);
  /* An address type that is neither IPv4 nor IPv6. */
  memcpy(v, ok, sizeof ok);
  v[1] = 7;
  ck_assert_int_lt(decode(v, sizeof ok, &t, why, sizeof why), 0);
  ck_assert_uint_eq(t.iteration, 0); /* nothing half-filled */
}
END_TEST

START_TEST(unfit) {
  static const char *bad4[] = {"10.1.2.3",  "172.16.0.1",  "172.31.255.254", "192.168.1.2",
                               "127.0.0.1", "169.254.1.1", "100.64.0.1",     "0.0.0.0",
                               "224.0.0.1"};
  static const char *good4[] = {"203.0.113.10", "172.32.0.1", "192.169.0.1", "100.128.0.1",
                                "8.8.8.8"};
  static const char *bad6[] = {"::1", "fe80::1", "fc00::1", "fd12:3456::1", "::", "ff02::1"};
  struct sockaddr_storage ss;
  char buf[64];
  for (size_t i = 0; i < sizeof bad4 / sizeof *bad4; i++) {
    v4(&ss, bad4[i], 3478);
    ck_assert_msg(rl_turnsvc_unfit((struct sockaddr *)&ss) != NULL, "%s", bad4[i]);
  }
  v4(&ss, "192.168.1.2", 3478);
  ck_assert_ptr_nonnull(strstr(rl_turnsvc_unfit((struct sockaddr *)&ss), "RFC 1918"));
  for (size_t i = 0; i < sizeof good4 / sizeof *good4; i++) {
    v4(&ss, good4[i], 3478);
    ck_assert_msg(rl_turnsvc_unfit((struct sockaddr *)&ss) == NULL, "%s", good4[i]);
  }
  for (size_t i = 0; i < sizeof bad6 / sizeof *bad6; i++) {
    v6(&ss, bad6[i], 3478);
    ck_assert_msg(rl_turnsvc_unfit((struct sockaddr *)&ss) != NULL, "%s", bad6[i]);
  }
  v6(&ss, "2001:db8::1", 3478);
  ck_assert_ptr_null(rl_turnsvc_unfit((struct sockaddr *)&ss));
  rl_turnsvc_addr_str((struct sockaddr *)&ss, buf, sizeof buf);
  ck_assert_str_eq(buf, "[2001:db8::1]:3478");
  v4(&ss, "203.0.113.10", 3478);
  rl_turnsvc_addr_str((struct sockaddr *)&ss, buf, sizeof buf);
  ck_assert_str_eq(buf, "203.0.113.10:3478");
}
END_TEST

int main(void) {
  Suite *s = suite_create("peer_turnsvc");
  TCase *tc = tcase_create("turnsvc");
  SRunner *r;
  int failed;
  tcase_add_test(tc, resource_id_and_access);
  tcase_add_test(tc, value_round_trip);
  tcase_add_test(tc, value_refused);
  tcase_add_test(tc, unfit);
  suite_add_tcase(s, tc);
  r = srunner_create(s);
  srunner_run_all(r, CK_NORMAL);
  failed = srunner_ntests_failed(r);
  srunner_free(r);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
