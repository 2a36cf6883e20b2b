/* stun_srv_test.c: the STUN server for neighbours (net/stun_srv.h). The
 * requests are built, and the responses checked, by libnice's STUN client
 * side (stun_usage_bind_create, stun_agent_validate,
 * stun_usage_bind_process): XOR-MAPPED-ADDRESS is the request's source,
 * IPv4 and IPv6; FINGERPRINT when the request had one; MAPPED-ADDRESS for
 * an RFC 3489 client; a 420 for an
 * unknown comprehension-required attribute; garbage, truncations and
 * mutations give an error, never a crash. */
#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include <stun/stunagent.h>
#include <stun/stunmessage.h>
#include <stun/usages/bind.h>

#include "net/stun_srv.h"

static const uint16_t client_attrs[] = {STUN_ATTRIBUTE_XOR_MAPPED_ADDRESS,
                                        STUN_ATTRIBUTE_MAPPED_ADDRESS,
                                        STUN_ATTRIBUTE_UNKNOWN_ATTRIBUTES,
                                        STUN_ATTRIBUTE_ERROR_CODE,
                                        STUN_ATTRIBUTE_FINGERPRINT,
                                        0};

/* fingerprint: 1 with FINGERPRINT, 0 without, -1 an RFC 3489 client (no
 * magic cookie, as libnice's own gathering in RFC 5245 mode). */
static void client_init(StunAgent *a, int fingerprint) {
  if (fingerprint < 0) {
    stun_agent_init(a, client_attrs, STUN_COMPATIBILITY_RFC3489,
                    STUN_AGENT_USAGE_IGNORE_CREDENTIALS);
    return;
  }
  stun_agent_init(a, client_attrs, STUN_COMPATIBILITY_RFC5389,
                  STUN_AGENT_USAGE_IGNORE_CREDENTIALS |
                      (fingerprint ? STUN_AGENT_USAGE_USE_FINGERPRINT : 0));
}

static struct sockaddr_storage v4(const char *ip, uint16_t port) {
  struct sockaddr_storage ss;
  struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
  memset(&ss, 0, sizeof ss);
  sin->sin_family = AF_INET;
  sin->sin_port = htons(port);
  ck_assert_int_eq(inet_pton(AF_INET, ip, &sin->sin_addr), 1);
  return ss;
}

static struct sockaddr_storage v6(const char *ip, uint16_t port) {
  struct sockaddr_storage ss;
  struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
  memset(&ss, 0, sizeof ss);
  sin6->sin6_family = AF_INET6;
  sin6->sin6_port = htons(port);
  ck_assert_int_eq(inet_pton(AF_INET6, ip, &sin6->sin6_addr), 1);
  return ss;
}

/* A Binding request from `from` answered; the client accepts the response
 * and reads `from` back from XOR-MAPPED-ADDRESS. */
static void round_trip(const struct sockaddr_storage *from, int fingerprint) {
  StunAgent client;
  StunMessage req, resp;
  uint8_t rbuf[256], out[512];
  size_t rlen, outlen = 0;
  struct sockaddr_storage mapped, alt;
  socklen_t mlen = sizeof mapped, alen = sizeof alt;
  client_init(&client, fingerprint);
  rlen = stun_usage_bind_create(&client, &req, rbuf, sizeof rbuf);
  ck_assert_uint_gt(rlen, 0);
  ck_assert_int_eq(rl_stun_is_request(rbuf, rlen), fingerprint < 0 ? 2 : 1);
  ck_assert_int_eq(rl_stun_answer_binding(rbuf, rlen, (const struct sockaddr *)from, out,
                                          sizeof out, &outlen),
                   RL_STUN_ANSWERED);
  ck_assert_uint_gt(outlen, 20);
  ck_assert_int_eq(rl_stun_is_request(out, outlen), 0); /* a response */
  ck_assert_int_eq(stun_agent_validate(&client, &resp, out, outlen, NULL, NULL),
                   STUN_VALIDATION_SUCCESS);
  ck_assert_int_eq(stun_message_get_class(&resp), STUN_RESPONSE);
  ck_assert_int_eq(memcmp(out + 4, rbuf + 4, 16), 0); /* cookie field and transaction ID */
  ck_assert_int_eq(stun_message_has_attribute(&resp, STUN_ATTRIBUTE_FINGERPRINT), fingerprint > 0);
  /* RFC 5389 12.2: MAPPED-ADDRESS for an RFC 3489 client, else XOR. */
  ck_assert_int_eq(stun_message_has_attribute(&resp, STUN_ATTRIBUTE_XOR_MAPPED_ADDRESS),
                   fingerprint >= 0);
  ck_assert_int_eq(stun_message_has_attribute(&resp, STUN_ATTRIBUTE_MAPPED_ADDRESS),
                   fingerprint < 0);
  ck_assert_int_eq(
      stun_usage_bind_process(&resp, (struct sockaddr *)&mapped, &mlen, (struct sockaddr *)&alt,
                              &alen),
      STUN_USAGE_BIND_RETURN_SUCCESS);
  ck_assert_int_eq(mapped.ss_family, from->ss_family);
  if (from->ss_family == AF_INET) {
    const struct sockaddr_in *a = (const struct sockaddr_in *)&mapped;
    const struct sockaddr_in *b = (const struct sockaddr_in *)from;
    ck_assert_uint_eq(a->sin_port, b->sin_port);
    ck_assert_uint_eq(a->sin_addr.s_addr, b->sin_addr.s_addr);
  } else {
    const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)&mapped;
    const struct sockaddr_in6 *b = (const struct sockaddr_in6 *)from;
    ck_assert_uint_eq(a->sin6_port, b->sin6_port);
    ck_assert_int_eq(memcmp(&a->sin6_addr, &b->sin6_addr, 16), 0);
  }
}

START_TEST(binding_ipv4) {
  struct sockaddr_storage a = v4("192.0.2.17", 40123), b = v4("127.0.0.1", 1);
  round_trip(&a, 0);
  round_trip(&a, 1);
  round_trip(&b, 1);
  round_trip(&a, -1);
}
END_TEST

START_TEST(binding_ipv6) {
  struct sockaddr_storage a = v6("2001:db8::1:2", 5683), b = v6("::ffff:198.51.100.9", 65535);
  round_trip(&a, 0);
  round_trip(&a, 1);
  round_trip(&b, 0);
  round_trip(&a, -1);
}
END_TEST

static size_t make_request(uint8_t *buf, size_t max, int fingerprint) {
  StunAgent client;
  StunMessage req;
  client_init(&client, fingerprint);
  return stun_usage_bind_create(&client, &req, buf, max);
}

START_TEST(refused) {
  struct sockaddr_storage from = v4("192.0.2.1", 9);
  struct sockaddr_storage unix_from;
  uint8_t rbuf[256], out[512], bad[256];
  size_t rlen = make_request(rbuf, sizeof rbuf, 1), outlen = 0, i;
  const struct sockaddr *f = (const struct sockaddr *)&from;
  memset(&unix_from, 0, sizeof unix_from);
  unix_from.ss_family = AF_UNIX;
  ck_assert_int_eq(rl_stun_answer_binding(rbuf, rlen, (const struct sockaddr *)&unix_from, out,
                                          sizeof out, &outlen),
                   RL_STUN_ERR_ADDR);
  ck_assert_int_eq(rl_stun_answer_binding(rbuf, rlen, NULL, out, sizeof out, &outlen),
                   RL_STUN_ERR_ADDR);
  /* Every truncation, and one byte too many. */
  for (i = 0; i < rlen; i++)
    ck_assert_int_lt(rl_stun_answer_binding(rbuf, i, f, out, sizeof out, &outlen), 0);
  memcpy(bad, rbuf, rlen);
  bad[rlen] = 0;
  ck_assert_int_eq(rl_stun_answer_binding(bad, rlen + 1, f, out, sizeof out, &outlen),
                   RL_STUN_ERR_NOT_STUN);
  /* A bad FINGERPRINT (its last byte flipped). */
  memcpy(bad, rbuf, rlen);
  bad[rlen - 1] ^= 0x55;
  ck_assert_int_lt(rl_stun_answer_binding(bad, rlen, f, out, sizeof out, &outlen), 0);
  /* Not the magic cookie, but FINGERPRINT (which needs it); the first
   * byte of DTLS (RFC 7983); a response. */
  memcpy(bad, rbuf, rlen);
  bad[4] ^= 1;
  ck_assert_int_eq(rl_stun_is_request(bad, rlen), 2);
  ck_assert_int_eq(rl_stun_answer_binding(bad, rlen, f, out, sizeof out, &outlen),
                   RL_STUN_ERR_BAD);
  memcpy(bad, rbuf, rlen);
  bad[0] = 0x16;
  ck_assert_int_eq(rl_stun_is_request(bad, rlen), 0);
  memcpy(bad, rbuf, rlen);
  bad[1] = 0x01, bad[0] = 0x01; /* Binding success response */
  ck_assert_int_eq(rl_stun_is_request(bad, rlen), 0);
  ck_assert_int_eq(rl_stun_answer_binding(bad, rlen, f, out, sizeof out, &outlen),
                   RL_STUN_ERR_NOT_STUN);
  /* No room for the answer. */
  ck_assert_int_eq(rl_stun_answer_binding(rbuf, rlen, f, out, 24, &outlen), RL_STUN_ERR_SPACE);
  ck_assert_int_eq(rl_stun_answer_binding(rbuf, rlen, f, out, 0, &outlen), RL_STUN_ERR_SPACE);
  ck_assert_int_eq(rl_stun_answer_binding(NULL, 0, f, out, sizeof out, &outlen),
                   RL_STUN_ERR_NOT_STUN);
  ck_assert_str_ne(rl_stun_strerror(RL_STUN_ERR_SPACE), rl_stun_strerror(RL_STUN_ERR_ADDR));
}
END_TEST

/* Allocate (not Binding); Binding with MESSAGE-INTEGRITY (an ICE check);
 * Binding with an unknown comprehension-required attribute (420). */
START_TEST(other_requests) {
  struct sockaddr_storage from = v4("192.0.2.1", 9);
  const struct sockaddr *f = (const struct sockaddr *)&from;
  StunAgent client;
  StunMessage req, resp;
  uint8_t rbuf[256], out[512];
  size_t rlen, outlen = 0;
  static const uint8_t key[] = "0123456789abcdefghijkl";
  client_init(&client, 1);
  ck_assert(stun_agent_init_request(&client, &req, rbuf, sizeof rbuf, STUN_ALLOCATE));
  rlen = stun_agent_finish_message(&client, &req, NULL, 0);
  ck_assert_uint_gt(rlen, 0);
  ck_assert_int_eq(rl_stun_answer_binding(rbuf, rlen, f, out, sizeof out, &outlen),
                   RL_STUN_ERR_NOT_BINDING);

  ck_assert(stun_agent_init_request(&client, &req, rbuf, sizeof rbuf, STUN_BINDING));
  ck_assert_int_eq(stun_message_append_string(&req, STUN_ATTRIBUTE_USERNAME, "abcd:efgh"),
                   STUN_MESSAGE_RETURN_SUCCESS);
  rlen = stun_agent_finish_message(&client, &req, key, sizeof key - 1);
  ck_assert_uint_gt(rlen, 0);
  ck_assert_int_eq(rl_stun_answer_binding(rbuf, rlen, f, out, sizeof out, &outlen),
                   RL_STUN_ERR_AUTH);

  ck_assert(stun_agent_init_request(&client, &req, rbuf, sizeof rbuf, STUN_BINDING));
  ck_assert_int_eq(stun_message_append32(&req, STUN_ATTRIBUTE_CHANGE_REQUEST, 0),
                   STUN_MESSAGE_RETURN_SUCCESS);
  rlen = stun_agent_finish_message(&client, &req, NULL, 0);
  ck_assert_uint_gt(rlen, 0);
  ck_assert_int_eq(rl_stun_answer_binding(rbuf, rlen, f, out, sizeof out, &outlen),
                   RL_STUN_ANSWERED_ERROR);
  ck_assert_int_eq(stun_agent_validate(&client, &resp, out, outlen, NULL, NULL),
                   STUN_VALIDATION_SUCCESS);
  ck_assert_int_eq(stun_message_get_class(&resp), STUN_ERROR);
  ck_assert(stun_message_has_attribute(&resp, STUN_ATTRIBUTE_UNKNOWN_ATTRIBUTES));
}
END_TEST

/* Random bytes and random mutations of a valid request: an error or an
 * answer within the buffer, never a crash (the sanitizer build and the
 * fuzz target fuzz/fuzz_stun_srv.c go further). */
START_TEST(mutations) {
  struct sockaddr_storage from = v6("2001:db8::7", 7);
  const struct sockaddr *f = (const struct sockaddr *)&from;
  uint8_t rbuf[256], bad[256], out[512];
  size_t rlen = make_request(rbuf, sizeof rbuf, 1), outlen, i, j;
  unsigned seed = 12345;
  for (i = 0; i < 20000; i++) {
    size_t n = rlen;
    int rc;
    memcpy(bad, rbuf, rlen);
    for (j = 0; j < 1 + (size_t)rand_r(&seed) % 4; j++)
      bad[(size_t)rand_r(&seed) % rlen] = (uint8_t)rand_r(&seed);
    if (i % 3 == 0) {
      n = (size_t)rand_r(&seed) % sizeof bad;
      for (j = 0; j < n; j++) bad[j] = (uint8_t)rand_r(&seed);
      if (n >= 8) { /* keep the cookie sometimes, to get deeper */
        bad[0] = 0;
        bad[1] = 1;
        bad[2] = (uint8_t)((n - 20) >> 8);
        bad[3] = (uint8_t)(n - 20);
        bad[4] = 0x21, bad[5] = 0x12, bad[6] = 0xa4, bad[7] = 0x42;
      }
    }
    outlen = 0;
    rc = rl_stun_answer_binding(bad, n, f, out, sizeof out, &outlen);
    ck_assert(rc >= RL_STUN_ERR_SPACE && rc <= RL_STUN_ANSWERED_ERROR);
    if (rc >= 0) ck_assert(outlen >= 20 && outlen <= sizeof out);
  }
}
END_TEST

int main(void) {
  Suite *s = suite_create("net_stun_srv");
  TCase *tc = tcase_create("stun_srv");
  SRunner *sr;
  int failed;
  tcase_add_test(tc, binding_ipv4);
  tcase_add_test(tc, binding_ipv6);
  tcase_add_test(tc, refused);
  tcase_add_test(tc, other_requests);
  tcase_add_test(tc, mutations);
  suite_add_tcase(s, tc);
  sr = srunner_create(s);
  srunner_run_all(sr, CK_NORMAL);
  failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
