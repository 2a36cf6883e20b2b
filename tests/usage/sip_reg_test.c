/* tests/usage/sip_reg_test.c: RFC 7904 data: AOR Resource Names, the
 * SipRegistration value, RELOAD GRUUs. */
#include <check.h>
#include <string.h>

#include "codec/params.h"
#include "runtime/arena.h"
#include "runtime/error.h"
#include "usage/sip_reg.h"

static const rl_params params16 = {.NodeIdLength = 16};

static long aor(const char *uri, char *out, size_t cap) {
  rl_sip_uri u;
  if (rl_sip_uri_parse(uri, strlen(uri), &u, NULL) != 0) return -1000;
  return rl_sip_aor_name(&u, out, cap);
}

START_TEST(aor_resource_names) {
  char out[64];
  /* 7: no scheme, escapes decoded, host case-folded. */
  ck_assert_int_eq(aor("sip:alice@Dht.Example.ORG", out, sizeof out), 21);
  ck_assert_str_eq(out, "alice@dht.example.org");
  ck_assert_int_gt(aor("sips:al%69ce@dht.example.org;transport=tls", out, sizeof out), 0);
  ck_assert_str_eq(out, "alice@dht.example.org");
  /* Not an AOR: no user, an address for a host, another scheme. */
  ck_assert_int_eq(aor("sip:dht.example.org", out, sizeof out), RL_ERR_SYNTAX);
  ck_assert_int_eq(aor("sip:alice@192.0.2.1", out, sizeof out), RL_ERR_SYNTAX);
  ck_assert_int_eq(aor("tel:+15551234", out, sizeof out), RL_ERR_SYNTAX);
  ck_assert_int_eq(aor("sip:alice@dht.example.org", out, 10), RL_ERR_BUFFER);
  ck_assert_int_eq(aor("sip:alice@dht.example.org", out, 21), RL_ERR_BUFFER);
}
END_TEST

START_TEST(route_value_round_trip) {
  uint8_t id[16], buf[128], ab[4096];
  rl_arena a;
  rl_ctx ctx;
  rl_sip_reg_target t;
  long n;
  for (int i = 0; i < 16; i++) id[i] = (uint8_t)(0xa0 + i);
  n = rl_sip_reg_encode_route(id, 16, "(sip.schemes=SIP)", buf, sizeof buf);
  /* type, length, contact_prefs<2+17>, destination_list<2+ (1+1+16)>. */
  ck_assert_int_eq(n, 1 + 2 + 2 + 17 + 2 + 18);
  ck_assert_uint_eq(buf[0], 2);
  ck_assert_uint_eq((unsigned)(buf[1] << 8 | buf[2]), (unsigned)n - 3);
  rl_arena_init(&a, ab, sizeof ab);
  rl_ctx_init(&ctx, &a, &params16);
  ck_assert_int_eq(rl_sip_reg_decode(buf, (size_t)n, &ctx, &t), 0);
  ck_assert_int_eq(t.is_uri, 0);
  ck_assert_uint_eq(t.node_id_len, 16);
  ck_assert(memcmp(t.node_id, id, 16) == 0);
  ck_assert_uint_eq(t.contact_prefs.len, 17);
  ck_assert_int_eq(rl_sip_reg_encode_route(id, 16, "", buf, 20), RL_ERR_BUFFER);
  /* Truncated or padded values do not decode. */
  ck_assert_int_lt(rl_sip_reg_decode(buf, (size_t)n - 1, &ctx, &t), 0);
}
END_TEST

START_TEST(uri_value_and_unknown_type) {
  const uint8_t v[] = {1, 0, 0x13, 0, 0x11, 's', 'i', 'p', ':', 's', 'a', 'm', '@', 'd', 'h', 't',
                       '.', 'e', 'x', '.', 'o', 'r'};
  const uint8_t unk[] = {9, 0, 2, 0xbe, 0xef};
  uint8_t ab[1024];
  rl_arena a;
  rl_ctx ctx;
  rl_sip_reg_target t;
  rl_arena_init(&a, ab, sizeof ab);
  rl_ctx_init(&ctx, &a, &params16);
  ck_assert_int_eq(rl_sip_reg_decode(v, sizeof v, &ctx, &t), 0);
  ck_assert_int_eq(t.is_uri, 1);
  ck_assert_uint_eq(t.uri.len, 17);
  ck_assert(memcmp(t.uri.ptr, "sip:sam@dht.ex.or", 17) == 0);
  /* 3.2: "This type can be extended": kept, but not a route here. */
  ck_assert_int_eq(rl_sip_reg_decode(unk, sizeof unk, &ctx, &t), RL_ERR_UNSUPPORTED);
}
END_TEST

START_TEST(gruu_round_trip) {
  uint8_t id[16], back[16];
  char gr[64];
  rl_ctx ctx;
  rl_sip_str s;
  long n;
  rl_ctx_init(&ctx, NULL, &params16);
  for (int i = 0; i < 16; i++) id[i] = (uint8_t)(i * 17 + 3);
  n = rl_sip_gruu_encode(id, 16, gr, sizeof gr);
  /* 18 bytes of Destination: 24 characters, no padding needed. */
  ck_assert_int_eq(n, 24);
  ck_assert(strchr(gr, '=') == NULL);
  s.p = gr;
  s.len = (size_t)n;
  ck_assert_int_eq(rl_sip_gruu_decode(s, &ctx, 16, back), 0);
  ck_assert(memcmp(back, id, 16) == 0);
  /* A 20-byte Node-ID needs padding: '~' for '=' (6). */
  {
    static const rl_params p20 = {.NodeIdLength = 20};
    uint8_t id20[20] = {1, 2, 3}, b20[20];
    rl_ctx c20;
    rl_ctx_init(&c20, NULL, &p20);
    n = rl_sip_gruu_encode(id20, 20, gr, sizeof gr);
    ck_assert_int_eq(n, 32);
    ck_assert(strchr(gr, '~') != NULL);
    s.len = (size_t)n;
    ck_assert_int_eq(rl_sip_gruu_decode(s, &c20, 20, b20), 0);
    ck_assert(memcmp(b20, id20, 20) == 0);
    ck_assert_int_eq(rl_sip_gruu_decode(s, &ctx, 16, back), RL_ERR_SYNTAX);
  }
  /* Not base64, wrong length, '=' instead of '~', a damaged list. */
  s.p = "MDEyMzQ1Njc4OTAxMjM0NTY3ODk~";
  s.len = strlen(s.p);
  ck_assert_int_eq(rl_sip_gruu_decode(s, &ctx, 16, back), RL_ERR_SYNTAX);
  s.p = "abc";
  s.len = 3;
  ck_assert_int_eq(rl_sip_gruu_decode(s, &ctx, 16, back), RL_ERR_SYNTAX);
  n = rl_sip_gruu_encode(id, 16, gr, sizeof gr);
  gr[0] = '*';
  s.p = gr;
  s.len = (size_t)n;
  ck_assert_int_eq(rl_sip_gruu_decode(s, &ctx, 16, back), RL_ERR_SYNTAX);
  ck_assert_int_eq(rl_sip_gruu_encode(id, 16, gr, 24), RL_ERR_BUFFER);
}
END_TEST

int main(void) {
  Suite *s = suite_create("sip_reg");
  TCase *tc = tcase_create("core");
  SRunner *sr;
  int failed;
  tcase_add_test(tc, aor_resource_names);
  tcase_add_test(tc, route_value_round_trip);
  tcase_add_test(tc, uri_value_and_unknown_type);
  tcase_add_test(tc, gruu_round_trip);
  suite_add_tcase(s, tc);
  sr = srunner_create(s);
  srunner_run_all(sr, CK_NORMAL);
  failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? 1 : 0;
}
