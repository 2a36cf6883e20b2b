/* access_test.c: the access control policies of RFC 6940 7.3, against
 * Resource-IDs computed independently (Python hashlib: SHA-1 truncated to
 * the most significant 16 bytes, 10.2). */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/error.h"
#include "storage/access.h"

#define FORBIDDEN ((int)RL_ErrorCode_Error_Forbidden)

static const uint8_t node_a[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
static const uint8_t node_b[16] = {0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9};

/* SHA-1("alice@example.com") = fc2398a7 3dd54d62 37c4fdb5 8fd7d753 47cf5af3 */
static const uint8_t rid_alice20[20] = {0xfc, 0x23, 0x98, 0xa7, 0x3d, 0xd5, 0x4d, 0x62, 0x37, 0xc4,
                                        0xfd, 0xb5, 0x8f, 0xd7, 0xd7, 0x53, 0x47, 0xcf, 0x5a, 0xf3};
/* SHA-1(node_a)[0..16) */
static const uint8_t rid_node_a[16] = {0x2c, 0xc4, 0x29, 0x83, 0x24, 0x52, 0x13, 0x46,
                                       0x29, 0xf1, 0xf6, 0xd2, 0x96, 0xec, 0x8a, 0xef};
/* SHA-1(node_a || 0x03), SHA-1(node_a || 0x00), SHA-1(node_a || 0x14),
 * SHA-1(node_a || 0x15), SHA-1(node_a || "3") */
static const uint8_t rid_node_a_3[16] = {0x22, 0x49, 0x6b, 0xdf, 0x55, 0x8b, 0x9d, 0x04,
                                         0xb0, 0xc9, 0x95, 0x75, 0x1b, 0xa8, 0xd0, 0x67};
static const uint8_t rid_node_a_0[16] = {0xad, 0x42, 0xae, 0x40, 0x79, 0x9e, 0x7b, 0x8d,
                                         0x04, 0x57, 0x43, 0xd0, 0x19, 0xc2, 0x8f, 0xa5};
static const uint8_t rid_node_a_20[16] = {0x01, 0x3e, 0x65, 0xdf, 0x70, 0x36, 0x7c, 0x73,
                                          0x5e, 0x31, 0x40, 0x4c, 0x7d, 0xb0, 0x97, 0x27};
static const uint8_t rid_node_a_21[16] = {0x72, 0x0e, 0x84, 0xdb, 0xfb, 0xa7, 0x8e, 0x7a,
                                          0x79, 0x5a, 0xd8, 0x9b, 0x5d, 0x82, 0x8b, 0xed};
static const uint8_t rid_node_a_ascii3[16] = {0xa9, 0xbe, 0x91, 0xf9, 0x7f, 0x49, 0x6c, 0xd6,
                                              0x0a, 0x10, 0xdc, 0xee, 0x6d, 0xfb, 0xc2, 0x6e};

static rl_bytes B(const void *p, size_t n) {
  rl_bytes b = {p, n};
  return b;
}

static rl_bytes ids[2];

/* alice@example.com with the Node-IDs given (0, 1 or 2 of node_a, node_b). */
static rl_signer alice(size_t nodes) {
  rl_signer s;
  ids[0] = B(node_a, 16);
  ids[1] = B(node_b, 16);
  s.user = B("alice@example.com", 17);
  s.node_ids = ids;
  s.node_ids_count = nodes;
  return s;
}

static rl_signer bob(size_t nodes) {
  rl_signer s = alice(nodes);
  s.user = B("bob@example.com", 15);
  return s;
}

START_TEST(user_match_7_3_1) {
  rl_signer a = alice(0), b = bob(0), anon = alice(1);
  anon.user = B(NULL, 0);
  ck_assert_int_eq(rl_access_user_match(B(rid_alice20, 16), &a), 0);
  /* Truncation follows the Resource-ID's length (NodeIdLength 20). */
  ck_assert_int_eq(rl_access_user_match(B(rid_alice20, 20), &a), 0);
  ck_assert_int_eq(rl_access_user_match(B(rid_alice20, 16), &b), FORBIDDEN);
  /* A certificate without a user name matches nothing, not even H(""). */
  ck_assert_int_eq(rl_access_user_match(B(rid_alice20, 16), &anon), FORBIDDEN);
  /* A Resource-ID of a length the overlay hash cannot give. */
  ck_assert_int_eq(rl_access_user_match(B(rid_alice20, 15), &a), FORBIDDEN);
  /* One bit off. */
  {
    uint8_t r[16];
    memcpy(r, rid_alice20, 16);
    r[15] ^= 1;
    ck_assert_int_eq(rl_access_user_match(B(r, 16), &a), FORBIDDEN);
  }
}
END_TEST

START_TEST(node_match_7_3_2) {
  rl_signer one = alice(1), two = alice(2), none = alice(0);
  ck_assert_int_eq(rl_access_node_match(B(rid_node_a, 16), &one), 0);
  ck_assert_int_eq(rl_access_node_match(B(rid_node_a, 16), &two), 0);
  /* Only the Node-IDs the SignerIdentity designates count. */
  ck_assert_int_eq(rl_access_node_match(B(rid_node_a, 16), &none), FORBIDDEN);
  two.node_ids = &ids[1];
  two.node_ids_count = 1;
  ck_assert_int_eq(rl_access_node_match(B(rid_node_a, 16), &two), FORBIDDEN);
  /* The user name plays no part. */
  ck_assert_int_eq(rl_access_node_match(B(rid_alice20, 16), &one), FORBIDDEN);
}
END_TEST

START_TEST(user_node_match_7_3_3) {
  rl_signer a = alice(1), b = bob(1), a_none = alice(0);
  ck_assert_int_eq(rl_access_user_node_match(B(rid_alice20, 16), &a, B(node_a, 16)), 0);
  /* The key must be the signer's (designated) Node-ID. */
  ck_assert_int_eq(rl_access_user_node_match(B(rid_alice20, 16), &a, B(node_b, 16)), FORBIDDEN);
  ck_assert_int_eq(rl_access_user_node_match(B(rid_alice20, 16), &a, B(node_a, 15)), FORBIDDEN);
  ck_assert_int_eq(rl_access_user_node_match(B(rid_alice20, 16), &a_none, B(node_a, 16)), FORBIDDEN);
  /* The user name must hash to the Resource-ID. */
  ck_assert_int_eq(rl_access_user_node_match(B(rid_alice20, 16), &b, B(node_a, 16)), FORBIDDEN);
}
END_TEST

START_TEST(node_multiple_7_3_4) {
  rl_signer a = alice(1), b = alice(2);
  b.node_ids = &ids[1];
  b.node_ids_count = 1;
  ck_assert_int_eq(rl_access_node_multiple(B(rid_node_a_3, 16), &a, 3), 0);
  ck_assert_int_eq(rl_access_node_multiple(B(rid_node_a_3, 16), &a, 20), 0);
  /* i above the Kind's maximum. */
  ck_assert_int_eq(rl_access_node_multiple(B(rid_node_a_3, 16), &a, 2), FORBIDDEN);
  ck_assert_int_eq(rl_access_node_multiple(B(rid_node_a_20, 16), &a, 20), 0);
  ck_assert_int_eq(rl_access_node_multiple(B(rid_node_a_21, 16), &a, 20), FORBIDDEN);
  /* i counts from 1; i is one octet, not the decimal digit. */
  ck_assert_int_eq(rl_access_node_multiple(B(rid_node_a_0, 16), &a, 20), FORBIDDEN);
  ck_assert_int_eq(rl_access_node_multiple(B(rid_node_a_ascii3, 16), &a, 20), FORBIDDEN);
  /* Another Node-ID. */
  ck_assert_int_eq(rl_access_node_multiple(B(rid_node_a_3, 16), &b, 20), FORBIDDEN);
  /* 11.1: max-node-multiple "MUST be an integer greater than 0". */
  ck_assert_int_eq(rl_access_node_multiple(B(rid_node_a_3, 16), &a, 0), RL_ERR_PARAM);
  ck_assert_int_eq(rl_access_node_multiple(B(rid_node_a_3, 16), &a, 256), RL_ERR_PARAM);
}
END_TEST

START_TEST(check_dispatches_on_policy) {
  rl_signer a = alice(1);
  rl_StoredDataValue dict, single;
  memset(&dict, 0, sizeof dict);
  memset(&single, 0, sizeof single);
  dict.data_model = RL_DataModel_dictionary;
  dict.dictionary_entry.key = B(node_a, 16);
  single.data_model = RL_DataModel_single_value;
  ck_assert_int_eq(rl_access_check(RL_ACCESS_USER_MATCH, 0, B(rid_alice20, 16), &a, &single), 0);
  ck_assert_int_eq(rl_access_check(RL_ACCESS_NODE_MATCH, 0, B(rid_alice20, 16), &a, &single), FORBIDDEN);
  ck_assert_int_eq(rl_access_check(RL_ACCESS_NODE_MATCH, 0, B(rid_node_a, 16), &a, &single), 0);
  ck_assert_int_eq(rl_access_check(RL_ACCESS_USER_NODE_MATCH, 0, B(rid_alice20, 16), &a, &dict), 0);
  /* 7.3.3: "may be used only with dictionary types". */
  ck_assert_int_eq(rl_access_check(RL_ACCESS_USER_NODE_MATCH, 0, B(rid_alice20, 16), &a, &single),
                   FORBIDDEN);
  ck_assert_int_eq(rl_access_check(RL_ACCESS_NODE_MULTIPLE, 3, B(rid_node_a_3, 16), &a, &single), 0);
  /* A policy of an extension is not implemented here. */
  ck_assert_int_eq(rl_access_check(RL_ACCESS_OTHER, 0, B(rid_alice20, 16), &a, &single), RL_ERR_PARAM);
}
END_TEST

int main(void) {
  Suite *s = suite_create("storage_access");
  TCase *tc = tcase_create("policies");
  tcase_add_test(tc, user_match_7_3_1);
  tcase_add_test(tc, node_match_7_3_2);
  tcase_add_test(tc, user_node_match_7_3_3);
  tcase_add_test(tc, node_multiple_7_3_4);
  tcase_add_test(tc, check_dispatches_on_policy);
  suite_add_tcase(s, tc);
  SRunner *sr = srunner_create(s);
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
