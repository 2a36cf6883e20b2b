/* viatab_test.c: Via List compression (RFC 6940 6.1.2, 6.3.2.2;
 * src/peer/viatab.h): the saved copy, the 16-bit id (top bit,
 * generation, index), stale generations, expiry, slots used in turn. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "gen/reload_codec.h"
#include "peer/msg.h"
#include "peer/viatab.h"
#include "runtime/error.h"

static uint8_t ids[3][16];

static void three(rl_Destination *v) {
  for (int i = 0; i < 3; i++) {
    memset(ids[i], 0xa0 + i, 16);
    rl_dest_node(&v[i], ids[i], 16);
  }
}

#define INDEX(id) ((id)&0x0fff)
#define GEN(id) (((id) >> 12) & 7)

START_TEST(save_and_lookup_copy) {
  rl_viatab *t = rl_viatab_new(16, 30000, 12345);
  rl_Destination v[5];
  const rl_Destination *got;
  size_t n;
  uint16_t id;
  uint8_t rid[20];
  three(v);
  memset(rid, 0x77, sizeof rid);
  rl_dest_compressed(&v[3], 0x0123); /* another peer's opaque id */
  rl_dest_resource(&v[4], rid, sizeof rid);
  ck_assert_ptr_nonnull(t);
  ck_assert_int_eq(rl_viatab_save(t, v, 5, 1000, &id), 0);
  ck_assert_uint_eq(id & 0x8000, 0x8000); /* "Top bit MUST be 1" */
  ck_assert_uint_eq(INDEX(id), 0);
  /* The copy is deep: the caller's bytes may go away. */
  memset(ids, 0, sizeof ids);
  memset(rid, 0, sizeof rid);
  ck_assert_int_eq(rl_viatab_lookup(t, id, 2000, &got, &n), 0);
  ck_assert_uint_eq(n, 5);
  for (int i = 0; i < 3; i++) {
    uint8_t want[16];
    memset(want, 0xa0 + i, 16);
    ck_assert_uint_eq(got[i].type, RL_DestinationType_node);
    ck_assert_uint_eq(got[i].destination_data.node_id.len, 16);
    ck_assert_mem_eq(got[i].destination_data.node_id.ptr, want, 16);
  }
  ck_assert_uint_eq(got[3].compressed, 1);
  ck_assert_uint_eq(got[3].opaque_id, 0x8123);
  uint8_t want_rid[20];
  memset(want_rid, 0x77, sizeof want_rid);
  ck_assert_uint_eq(got[4].destination_data.resource_id.len, 20);
  ck_assert_mem_eq(got[4].destination_data.resource_id.ptr, want_rid, 20);
  ck_assert_uint_eq(got[0].raw.len, 0);
  /* An empty list is a list too. */
  ck_assert_int_eq(rl_viatab_save(t, NULL, 0, 1000, &id), 0);
  ck_assert_int_eq(rl_viatab_lookup(t, id, 1000, &got, &n), 0);
  ck_assert_uint_eq(n, 0);
  rl_viatab_free(t);
}
END_TEST

/* 6.3.2.2: "the peer MUST confirm that the generation counter matches
 * ... If it does not match, the message MUST be silently dropped." */
START_TEST(generation_mismatch) {
  rl_viatab *t = rl_viatab_new(8, 30000, 99);
  rl_Destination v[3];
  const rl_Destination *got;
  size_t n;
  uint16_t id;
  three(v);
  ck_assert_int_eq(rl_viatab_save(t, v, 3, 0, &id), 0);
  for (unsigned g = 0; g < 8; g++) {
    uint16_t other = (uint16_t)((id & ~0x7000u) | g << 12);
    ck_assert_int_eq(rl_viatab_lookup(t, other, 0, &got, &n), g == GEN(id) ? 0 : RL_ERR_NOT_FOUND);
  }
  /* Nothing saved in slot 5; no slot 8; no top bit. */
  ck_assert_int_eq(rl_viatab_lookup(t, (uint16_t)(0x8000 | (GEN(id) << 12) | 5), 0, &got, &n),
                   RL_ERR_NOT_FOUND);
  ck_assert_int_eq(rl_viatab_lookup(t, 0x8008, 0, &got, &n), RL_ERR_NOT_FOUND);
  ck_assert_int_eq(rl_viatab_lookup(t, 0xffff, 0, &got, &n), RL_ERR_NOT_FOUND);
  ck_assert_int_eq(rl_viatab_lookup(t, (uint16_t)(id & 0x7fff), 0, &got, &n), RL_ERR_COMPRESSED);
  rl_viatab_free(t);
}
END_TEST

START_TEST(expiry) {
  rl_viatab *t = rl_viatab_new(4, 5000, 1);
  rl_Destination v[3];
  const rl_Destination *got;
  size_t n;
  uint16_t id;
  three(v);
  ck_assert_int_eq(rl_viatab_save(t, v, 3, 10000, &id), 0);
  ck_assert_int_eq(rl_viatab_lookup(t, id, 14999, &got, &n), 0);
  ck_assert_int_eq(rl_viatab_lookup(t, id, 9000, &got, &n), 0); /* clock went back */
  ck_assert_int_eq(rl_viatab_lookup(t, id, 15000, &got, &n), RL_ERR_NOT_FOUND);
  rl_viatab_free(t);
}
END_TEST

/* Slots in turn; a live slot is never taken (6.1.2: the state "MUST be
 * maintained for at least" the reliability timer); a reused slot has the
 * next generation, so the old id is stale. */
START_TEST(round_robin) {
  rl_viatab *t = rl_viatab_new(4, 1000, 7);
  rl_Destination v[3];
  const rl_Destination *got;
  size_t n;
  uint16_t id[6];
  three(v);
  for (size_t i = 0; i < 4; i++) {
    ck_assert_int_eq(rl_viatab_save(t, v, i, 100 + i, &id[i]), 0);
    ck_assert_uint_eq(INDEX(id[i]), i);
  }
  ck_assert_int_eq(rl_viatab_save(t, v, 1, 500, &id[4]), RL_ERR_NOMEM);
  /* Slot 0 expires at 1100, slot 1 at 1101. */
  ck_assert_int_eq(rl_viatab_save(t, v, 1, 1100, &id[4]), 0);
  ck_assert_uint_eq(INDEX(id[4]), 0);
  ck_assert_uint_eq(GEN(id[4]), (GEN(id[0]) + 1) & 7);
  ck_assert_int_eq(rl_viatab_lookup(t, id[0], 1100, &got, &n), RL_ERR_NOT_FOUND);
  ck_assert_int_eq(rl_viatab_lookup(t, id[4], 1100, &got, &n), 0);
  ck_assert_uint_eq(n, 1);
  ck_assert_int_eq(rl_viatab_save(t, v, 1, 1100, &id[5]), RL_ERR_NOMEM);
  ck_assert_int_eq(rl_viatab_lookup(t, id[1], 1100, &got, &n), 0);
  ck_assert_int_eq(rl_viatab_save(t, v, 2, 1101, &id[5]), 0);
  ck_assert_uint_eq(INDEX(id[5]), 1);
  /* After eight uses a slot's generation has come round again. */
  rl_viatab *one = rl_viatab_new(1, 1, 3);
  uint16_t first, cur;
  ck_assert_int_eq(rl_viatab_save(one, v, 1, 0, &first), 0);
  for (uint64_t k = 1; k < 8; k++) {
    ck_assert_int_eq(rl_viatab_save(one, v, 1, k, &cur), 0);
    ck_assert_uint_ne(cur, first);
  }
  ck_assert_int_eq(rl_viatab_save(one, v, 1, 8, &cur), 0);
  ck_assert_uint_eq(cur, first);
  rl_viatab_free(one);
  rl_viatab_free(t);
}
END_TEST

/* 6.3.2.2: "the generation counters SHOULD be initialized to random
 * values": they come from the seed. */
START_TEST(seeded_generations) {
  rl_Destination v[3];
  uint16_t a[16], b[16];
  int differ = 0, spread = 0;
  three(v);
  rl_viatab *ta = rl_viatab_new(16, 1000, 0x1111), *tb = rl_viatab_new(16, 1000, 0x2222);
  rl_viatab *tc = rl_viatab_new(16, 1000, 0x1111);
  for (size_t i = 0; i < 16; i++) {
    uint16_t c;
    ck_assert_int_eq(rl_viatab_save(ta, v, 1, 0, &a[i]), 0);
    ck_assert_int_eq(rl_viatab_save(tb, v, 1, 0, &b[i]), 0);
    ck_assert_int_eq(rl_viatab_save(tc, v, 1, 0, &c), 0);
    ck_assert_uint_eq(c, a[i]); /* the same seed, the same ids */
    differ += a[i] != b[i];
    spread += GEN(a[i]) != GEN(a[0]);
  }
  ck_assert_int_gt(differ, 0);
  ck_assert_int_gt(spread, 0);
  rl_viatab_free(ta);
  rl_viatab_free(tb);
  rl_viatab_free(tc);
}
END_TEST

START_TEST(limits) {
  rl_viatab *t = rl_viatab_new(2, 1000, 5);
  rl_Destination v[RL_VIATAB_MAX_ENTRIES + 1];
  uint8_t big[255];
  uint16_t id;
  const rl_Destination *got;
  size_t n;
  memset(big, 0xee, sizeof big);
  for (size_t i = 0; i < RL_VIATAB_MAX_ENTRIES + 1; i++) rl_dest_node(&v[i], big, 16);
  ck_assert_int_eq(rl_viatab_save(t, v, RL_VIATAB_MAX_ENTRIES + 1, 0, &id), RL_ERR_TOO_LARGE);
  ck_assert_int_eq(rl_viatab_save(t, v, RL_VIATAB_MAX_ENTRIES, 0, &id), 0);
  ck_assert_int_eq(rl_viatab_lookup(t, id, 0, &got, &n), 0);
  ck_assert_uint_eq(n, RL_VIATAB_MAX_ENTRIES);
  /* 4 x 255 = 1020 bytes fit, 5 do not. */
  for (size_t i = 0; i < 5; i++) rl_dest_opaque(&v[i], big, sizeof big);
  ck_assert_int_eq(rl_viatab_save(t, v, 5, 0, &id), RL_ERR_TOO_LARGE);
  ck_assert_int_eq(rl_viatab_save(t, v, 4, 0, &id), 0);
  ck_assert_int_eq(rl_viatab_lookup(t, id, 0, &got, &n), 0);
  ck_assert_mem_eq(got[3].destination_data.opaque_id.ptr, big, 255);
  rl_viatab_free(t);
  ck_assert_ptr_null(rl_viatab_new(0, 1000, 1));
  ck_assert_ptr_null(rl_viatab_new(4097, 1000, 1));
  t = rl_viatab_new(4096, 1000, 1);
  ck_assert_ptr_nonnull(t);
  rl_viatab_free(t);
  rl_viatab_free(NULL);
}
END_TEST

int main(void) {
  Suite *s = suite_create("peer_viatab");
  TCase *t = tcase_create("viatab");
  tcase_add_test(t, save_and_lookup_copy);
  tcase_add_test(t, generation_mismatch);
  tcase_add_test(t, expiry);
  tcase_add_test(t, round_robin);
  tcase_add_test(t, seeded_generations);
  tcase_add_test(t, limits);
  suite_add_tcase(s, t);
  SRunner *sr = srunner_create(s);
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
