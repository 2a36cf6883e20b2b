/* store_test.c: the data storage of RFC 6940 section 7 (src/storage).
 * Each test names the section whose rule it checks. fixture.c builds the
 * requests, passes them through the codec as a peer would receive them,
 * and passes every answer through encode/decode. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "fixture.h"
#include "runtime/error.h"

#define FORBIDDEN RL_ErrorCode_Error_Forbidden
#define LAST 0xffffffffu

static const rl_FetchKindResponse *fkr(size_t i) {
  ck_assert_uint_gt(fx_fans.kind_responses_count, i);
  return &fx_fans.kind_responses[i];
}

static int is_synthetic(const rl_StoredData *sd) {
  return sd->signature.identity.identity_type == RL_SignerIdentityType_none &&
         sd->signature.algorithm.hash == RL_HashAlgorithm_none &&
         sd->signature.algorithm.signature == RL_SignatureAlgorithm_anonymous &&
         sd->signature.signature_value.len == 0 && sd->storage_time == 0;
}

static int exists(const rl_StoredData *sd) {
  switch (sd->value.data_model) {
  case RL_DataModel_single_value:
    return sd->value.single_value_entry.exists;
  case RL_DataModel_array:
    return sd->value.array_entry.value.exists;
  default:
    return sd->value.dictionary_entry.value.exists;
  }
}

static int store1(const uint8_t *rid, rl_KindId kind, uint64_t gen, rl_StoredData v, int msg_signer,
                  uint64_t now) {
  rl_StoreKindData kd = fx_kd(kind, gen, 1, &v);
  return fx_store_req(rid, 0, msg_signer, now, 1, &kd);
}

static int fetch_array(const uint8_t *rid, uint64_t now, size_t n, const uint32_t *ranges) {
  rl_StoredDataSpecifier spec = fx_spec_array(K_ARRAY, 0, n, ranges);
  return fx_fetch(rid, now, 1, &spec);
}

static void id_plus_one(const uint8_t *in, uint8_t *out) {
  int carry = 1;
  for (int i = 15; i >= 0; i--) {
    int v = in[i] + carry;
    out[i] = (uint8_t)v;
    carry = v >> 8;
  }
}

/* 7.2.1, 7.4.1.1 (single-value store), 7.4.1.2 (StoreAns), 7.4.2.2. */
START_TEST(single_value_7_2_1) {
  const uint8_t *rid = fx_rid(ALICE);
  rl_StoredDataSpecifier spec = fx_spec_single(K_SINGLE, 0);
  const rl_StoredData *sd;
  ck_assert_int_eq(store1(rid, K_SINGLE, 0, fx_single(5000, 60, "abc", ALICE), ALICE, FX_NOW), 0);
  ck_assert_uint_eq(fx_sans.kind_responses_count, 1);
  ck_assert_uint_eq(fx_sans.kind_responses[0].kind, K_SINGLE);
  /* "all stored data values MUST have a generation counter of 1 or
   * greater" */
  ck_assert_uint_eq(fx_sans.kind_responses[0].generation_counter, 1);
  /* 7.4.1.2: the replicas, as the peer gave them. */
  ck_assert_uint_eq(fx_sans.kind_responses[0].replicas_count, 2);
  ck_assert_uint_eq(fx_sans.kind_responses[0].replicas[1].ptr[0], 0x22);
  ck_assert_int_eq(fx_verify_calls, 1);

  /* The request's bytes were overwritten after the store: the value must
   * have been copied. */
  ck_assert_int_eq(fx_fetch(rid, FX_NOW + 1500, 1, &spec), 0);
  ck_assert_uint_eq(fkr(0)->kind, K_SINGLE);
  ck_assert_uint_eq(fkr(0)->generation, 1);
  ck_assert_uint_eq(fkr(0)->values_count, 1);
  sd = &fkr(0)->values[0];
  ck_assert_uint_eq(sd->storage_time, 5000);
  /* 60 s from the store, 1.5 s later: 58 whole seconds left. */
  ck_assert_uint_eq(sd->lifetime, 58);
  ck_assert(exists(sd));
  ck_assert_str_eq(fx_value(sd), "abc");
  ck_assert_uint_eq(sd->signature.algorithm.hash, RL_HashAlgorithm_sha256);
  ck_assert_uint_eq(sd->signature.algorithm.signature, RL_SignatureAlgorithm_rsa);
  ck_assert_uint_eq(sd->signature.identity.identity_type, RL_SignerIdentityType_cert_hash);
  ck_assert_uint_eq(sd->signature.identity.identity.cert_hash.certificate_hash.len, 4);
  ck_assert_uint_eq(sd->signature.identity.identity.cert_hash.certificate_hash.ptr[2], 0xee);
  ck_assert_uint_eq(sd->signature.signature_value.len, 1);
  ck_assert_uint_eq(sd->signature.signature_value.ptr[0], ALICE);

  /* "overwrites any existing value with the new value" */
  ck_assert_int_eq(store1(rid, K_SINGLE, 0, fx_single(6000, 60, "defg", ALICE), ALICE, FX_NOW + 2000), 0);
  ck_assert_uint_eq(fx_sans.kind_responses[0].generation_counter, 2);
  ck_assert_int_eq(fx_fetch(rid, FX_NOW + 2000, 1, &spec), 0);
  ck_assert_uint_eq(fkr(0)->values_count, 1);
  ck_assert_str_eq(fx_value(&fkr(0)->values[0]), "defg");
  ck_assert_uint_eq(fkr(0)->values[0].lifetime, 60);
}
END_TEST

/* 7.4.2.2: "A nonexistent value ... is represented by a synthetic value
 * with "exists" set to False and has an empty signature." */
START_TEST(single_value_nonexistent_7_4_2_2) {
  rl_StoredDataSpecifier spec = fx_spec_single(K_SINGLE, 0);
  ck_assert_int_eq(fx_fetch(fx_rid(ALICE), FX_NOW, 1, &spec), 0);
  ck_assert_uint_eq(fkr(0)->generation, 0);
  ck_assert_uint_eq(fkr(0)->values_count, 1);
  ck_assert(!exists(&fkr(0)->values[0]));
  ck_assert(is_synthetic(&fkr(0)->values[0]));
  ck_assert_uint_eq(fkr(0)->values[0].value.single_value_entry.value.len, 0);
}
END_TEST

/* 7.2.2: "a Store of "X" at index 2 in an empty array produces an array
 * with the values [ NA, NA, "X"]." */
START_TEST(array_sparse_7_2_2) {
  const uint8_t *rid = fx_rid(ALICE);
  static const uint32_t all[] = {0, LAST};
  ck_assert_int_eq(store1(rid, K_ARRAY, 0, fx_array(5000, 60, 2, "X", ALICE), ALICE, FX_NOW), 0);
  ck_assert_int_eq(fetch_array(rid, FX_NOW, 1, all), 0);
  ck_assert_uint_eq(fkr(0)->values_count, 3);
  for (uint32_t i = 0; i < 2; i++) {
    ck_assert_uint_eq(fkr(0)->values[i].value.array_entry.index, i);
    ck_assert(!exists(&fkr(0)->values[i]));
    ck_assert(is_synthetic(&fkr(0)->values[i]));
  }
  ck_assert_uint_eq(fkr(0)->values[2].value.array_entry.index, 2);
  ck_assert_str_eq(fx_value(&fkr(0)->values[2]), "X");
  ck_assert(!is_synthetic(&fkr(0)->values[2]));
}
END_TEST

/* 7.4.1.1: "A store at index 0xffffffff places the new value at the end of
 * the array, regardless of the length of the array. The resulting
 * StoredData has the correct index value when it is subsequently
 * fetched." */
START_TEST(array_append_7_4_1_1) {
  const uint8_t *rid = fx_rid(ALICE);
  static const uint32_t all[] = {0, LAST};
  rl_StoredData two[2];
  rl_StoreKindData kd;
  static const char *want[] = {"a", "b", "c", NULL, NULL, "f", "g"};
  two[0] = fx_array(5000, 60, LAST, "a", ALICE);
  two[1] = fx_array(5000, 60, LAST, "b", ALICE);
  kd = fx_kd(K_ARRAY, 0, 2, two);
  ck_assert_int_eq(fx_store_req(rid, 0, ALICE, FX_NOW, 1, &kd), 0);
  ck_assert_uint_eq(fx_sans.kind_responses[0].generation_counter, 1);
  ck_assert_int_eq(store1(rid, K_ARRAY, 0, fx_array(5001, 60, LAST, "c", ALICE), ALICE, FX_NOW), 0);
  ck_assert_int_eq(store1(rid, K_ARRAY, 0, fx_array(5002, 60, 5, "f", ALICE), ALICE, FX_NOW), 0);
  ck_assert_int_eq(store1(rid, K_ARRAY, 0, fx_array(5003, 60, LAST, "g", ALICE), ALICE, FX_NOW), 0);
  ck_assert_int_eq(fetch_array(rid, FX_NOW, 1, all), 0);
  ck_assert_uint_eq(fkr(0)->generation, 4);
  ck_assert_uint_eq(fkr(0)->values_count, 7);
  for (uint32_t i = 0; i < 7; i++) {
    const rl_StoredData *sd = &fkr(0)->values[i];
    ck_assert_uint_eq(sd->value.array_entry.index, i);
    if (want[i] == NULL) {
      ck_assert(is_synthetic(sd));
    } else {
      ck_assert_str_eq(fx_value(sd), want[i]);
    }
  }
}
END_TEST

/* 7.4.2.1: ArrayRange first/last, 0xffffffff "the final element", "The
 * first integer MUST be less than or equal to the second", "they MUST NOT
 * overlap". */
START_TEST(array_ranges_7_4_2_1) {
  const uint8_t *rid = fx_rid(ALICE);
  static const char *vals[] = {"v0", "v1", "v2", "v3", "v4"};
  rl_StoredData five[5];
  rl_StoreKindData kd;
  static const uint32_t r1[] = {1, 2, 4, LAST};
  static const uint32_t r2[] = {LAST, LAST};
  static const uint32_t r3[] = {3, 100};
  static const uint32_t r4[] = {7, 9};
  static const uint32_t bad_order[] = {3, 2};
  static const uint32_t bad_overlap[] = {0, 3, 2, 4};
  static const uint32_t bad_overlap_last[] = {0, LAST, 1, 1};
  static const uint32_t all[] = {0, LAST};

  /* Empty array: nothing, not synthetic values. */
  ck_assert_int_eq(fetch_array(rid, FX_NOW, 1, all), 0);
  ck_assert_uint_eq(fkr(0)->values_count, 0);

  for (uint32_t i = 0; i < 5; i++) five[i] = fx_array(5000, 60, i, vals[i], ALICE);
  kd = fx_kd(K_ARRAY, 0, 5, five);
  ck_assert_int_eq(fx_store_req(rid, 0, ALICE, FX_NOW, 1, &kd), 0);

  ck_assert_int_eq(fetch_array(rid, FX_NOW, 2, r1), 0);
  ck_assert_uint_eq(fkr(0)->values_count, 3);
  ck_assert_str_eq(fx_value(&fkr(0)->values[0]), "v1");
  ck_assert_str_eq(fx_value(&fkr(0)->values[1]), "v2");
  ck_assert_str_eq(fx_value(&fkr(0)->values[2]), "v4");

  ck_assert_int_eq(fetch_array(rid, FX_NOW, 1, r2), 0);
  ck_assert_uint_eq(fkr(0)->values_count, 1);
  ck_assert_uint_eq(fkr(0)->values[0].value.array_entry.index, 4);

  /* A range past the end stops at the last element. */
  ck_assert_int_eq(fetch_array(rid, FX_NOW, 1, r3), 0);
  ck_assert_uint_eq(fkr(0)->values_count, 2);
  ck_assert_str_eq(fx_value(&fkr(0)->values[1]), "v4");
  ck_assert_int_eq(fetch_array(rid, FX_NOW, 1, r4), 0);
  ck_assert_uint_eq(fkr(0)->values_count, 0);

  ck_assert_int_eq(fetch_array(rid, FX_NOW, 1, bad_order), RL_ErrorCode_Error_Invalid_Message);
  ck_assert_ptr_nonnull(strstr(fx_err_text(), "indices"));
  ck_assert_int_eq(fetch_array(rid, FX_NOW, 2, bad_overlap), RL_ErrorCode_Error_Invalid_Message);
  ck_assert_int_eq(fetch_array(rid, FX_NOW, 2, bad_overlap_last), RL_ErrorCode_Error_Invalid_Message);
}
END_TEST

/* 7.2.3 dictionary; 7.4.2.1: keys, and "If no keys are specified, then
 * this is a wildcard fetch and all key-value pairs are returned." */
START_TEST(dictionary_7_2_3) {
  const uint8_t *rid = fx_rid(ALICE);
  rl_StoredData three[3];
  rl_StoreKindData kd;
  rl_StoredDataSpecifier spec;
  static const char *some[] = {"k2", "kx"};
  three[0] = fx_dict(5000, 60, "k1", 2, "one", ALICE);
  three[1] = fx_dict(5000, 60, "k2", 2, "two", ALICE);
  three[2] = fx_dict(5000, 60, "k0", 2, "zero", ALICE);
  kd = fx_kd(K_DICT, 0, 3, three);
  ck_assert_int_eq(fx_store_req(rid, 0, ALICE, FX_NOW, 1, &kd), 0);

  spec = fx_spec_dict(K_DICT, 0, 2, some);
  ck_assert_int_eq(fx_fetch(rid, FX_NOW, 1, &spec), 0);
  ck_assert_uint_eq(fkr(0)->values_count, 2);
  ck_assert_str_eq(fx_value(&fkr(0)->values[0]), "two");
  /* An absent key: synthetic, with the key asked for. */
  ck_assert(is_synthetic(&fkr(0)->values[1]));
  ck_assert_uint_eq(fkr(0)->values[1].value.dictionary_entry.key.len, 2);
  ck_assert_int_eq(memcmp(fkr(0)->values[1].value.dictionary_entry.key.ptr, "kx", 2), 0);

  /* "replaces (or inserts) the given value at the location specified by
   * the dictionary key" */
  ck_assert_int_eq(store1(rid, K_DICT, 0, fx_dict(5001, 60, "k1", 2, "uno", ALICE), ALICE, FX_NOW), 0);
  spec = fx_spec_dict(K_DICT, 0, 0, NULL);
  ck_assert_int_eq(fx_fetch(rid, FX_NOW, 1, &spec), 0);
  ck_assert_uint_eq(fkr(0)->values_count, 3);
  ck_assert_str_eq(fx_value(&fkr(0)->values[0]), "zero");
  ck_assert_str_eq(fx_value(&fkr(0)->values[1]), "uno");
  ck_assert_str_eq(fx_value(&fkr(0)->values[2]), "two");
}
END_TEST

/* 7.4.1.3: values are removed by storing exists = False; "Storing nodes
 * MUST treat these nonexistent values the same way they treat any other
 * stored value", and they age out. */
START_TEST(remove_7_4_1_3) {
  const uint8_t *rid = fx_rid(ALICE);
  rl_StoredDataSpecifier spec = fx_spec_single(K_SINGLE, 0);
  rl_store_stats st;
  ck_assert_int_eq(store1(rid, K_SINGLE, 0, fx_single(5000, 60, "abc", ALICE), ALICE, FX_NOW), 0);
  ck_assert_int_eq(store1(rid, K_SINGLE, 0, fx_single(6000, 30, NULL, ALICE), ALICE, FX_NOW), 0);
  ck_assert_uint_eq(fx_sans.kind_responses[0].generation_counter, 2);
  ck_assert_int_eq(fx_fetch(rid, FX_NOW, 1, &spec), 0);
  ck_assert_uint_eq(fkr(0)->values_count, 1);
  /* Not synthetic: "have valid signatures from the node which did the
   * store". */
  ck_assert(!exists(&fkr(0)->values[0]));
  ck_assert(!is_synthetic(&fkr(0)->values[0]));
  ck_assert_uint_eq(fkr(0)->values[0].storage_time, 6000);
  ck_assert_uint_eq(fkr(0)->values[0].signature.signature_value.ptr[0], ALICE);
  /* A replay of the removed value is too old. */
  ck_assert_int_eq(store1(rid, K_SINGLE, 0, fx_single(5000, 60, "abc", ALICE), ALICE, FX_NOW),
                   RL_ErrorCode_Error_Data_Too_Old);
  /* "When a stored nonexistent value's lifetime expires, it is simply
   * removed from the storing node". */
  ck_assert_int_eq(fx_fetch(rid, FX_NOW + 30000, 1, &spec), 0);
  ck_assert(is_synthetic(&fkr(0)->values[0]));
  ck_assert_uint_eq(rl_store_expire(fx_store, FX_NOW + 30000), 1);
  rl_store_get_stats(fx_store, &st);
  ck_assert_uint_eq(st.values, 0);
  ck_assert_uint_eq(st.resources, 0);
  ck_assert_uint_eq(st.bytes_used, 0);
}
END_TEST

/* 7.4.1.1: "if the generation counter is nonzero, it equals the current
 * value"; 7.4.1.2: Error_Generation_Counter_Too_Low with a StoreAns in
 * error_info, "the correct generation counter for each Kind and the
 * replica list, which will be empty". */
START_TEST(generation_counter_7_4_1_2) {
  const uint8_t *rid = fx_rid(ALICE);
  rl_StoredData single, dict;
  rl_StoreKindData kds[2];
  rl_StoredDataSpecifier spec = fx_spec_single(K_SINGLE, 0);
  ck_assert_int_eq(store1(rid, K_SINGLE, 0, fx_single(5000, 60, "a", ALICE), ALICE, FX_NOW), 0);
  ck_assert_int_eq(store1(rid, K_SINGLE, 1, fx_single(5001, 60, "b", ALICE), ALICE, FX_NOW), 0);
  ck_assert_uint_eq(fx_sans.kind_responses[0].generation_counter, 2);
  /* Stale. */
  ck_assert_int_eq(store1(rid, K_SINGLE, 1, fx_single(5002, 60, "c", ALICE), ALICE, FX_NOW),
                   RL_ErrorCode_Error_Generation_Counter_Too_Low);
  ck_assert_uint_eq(fx_err.error_info.store_ans.kind_responses_count, 1);
  ck_assert_uint_eq(fx_err.error_info.store_ans.kind_responses[0].kind, K_SINGLE);
  ck_assert_uint_eq(fx_err.error_info.store_ans.kind_responses[0].generation_counter, 2);
  ck_assert_uint_eq(fx_err.error_info.store_ans.kind_responses[0].replicas_count, 0);
  /* Ahead of the stored one: not equal either. */
  ck_assert_int_eq(store1(rid, K_SINGLE, 9, fx_single(5002, 60, "c", ALICE), ALICE, FX_NOW),
                   RL_ErrorCode_Error_Generation_Counter_Too_Low);
  ck_assert_int_eq(fx_fetch(rid, FX_NOW, 1, &spec), 0);
  ck_assert_str_eq(fx_value(&fkr(0)->values[0]), "b");

  /* Two Kinds, one stale: the whole request fails, both are listed. */
  single = fx_single(5003, 60, "d", ALICE);
  dict = fx_dict(5003, 60, "k", 1, "v", ALICE);
  kds[0] = fx_kd(K_SINGLE, 2, 1, &single);
  kds[1] = fx_kd(K_DICT, 4, 1, &dict);
  ck_assert_int_eq(fx_store_req(rid, 0, ALICE, FX_NOW, 2, kds),
                   RL_ErrorCode_Error_Generation_Counter_Too_Low);
  ck_assert_uint_eq(fx_err.error_info.store_ans.kind_responses_count, 2);
  ck_assert_uint_eq(fx_err.error_info.store_ans.kind_responses[0].generation_counter, 2);
  ck_assert_uint_eq(fx_err.error_info.store_ans.kind_responses[1].kind, K_DICT);
  ck_assert_uint_eq(fx_err.error_info.store_ans.kind_responses[1].generation_counter, 0);
  ck_assert_int_eq(fx_fetch(rid, FX_NOW, 1, &spec), 0);
  ck_assert_str_eq(fx_value(&fkr(0)->values[0]), "b");
  ck_assert_uint_eq(fkr(0)->generation, 2);
}
END_TEST

/* 7.4.1.1 (generation counter "in a way similar to the HTTP ETag"): two
 * writers that both saw generation 1 race; the second loses, learns the
 * generation from the error, and wins on retry. */
START_TEST(generation_counter_race_7_4_1_1) {
  const uint8_t *rid = fx_rid(ALICE);
  rl_StoredDataSpecifier spec = fx_spec_single(K_SINGLE, 0);
  uint64_t seen;
  ck_assert_int_eq(store1(rid, K_SINGLE, 0, fx_single(5000, 60, "base", ALICE), ALICE, FX_NOW), 0);
  ck_assert_int_eq(fx_fetch(rid, FX_NOW, 1, &spec), 0);
  seen = fkr(0)->generation;
  ck_assert_uint_eq(seen, 1);
  ck_assert_int_eq(store1(rid, K_SINGLE, seen, fx_single(5100, 60, "writer A", ALICE), ALICE, FX_NOW), 0);
  ck_assert_int_eq(store1(rid, K_SINGLE, seen, fx_single(5200, 60, "writer B", ALICE), ALICE, FX_NOW),
                   RL_ErrorCode_Error_Generation_Counter_Too_Low);
  seen = fx_err.error_info.store_ans.kind_responses[0].generation_counter;
  ck_assert_uint_eq(seen, 2);
  ck_assert_int_eq(fx_fetch(rid, FX_NOW, 1, &spec), 0);
  ck_assert_str_eq(fx_value(&fkr(0)->values[0]), "writer A");
  ck_assert_int_eq(store1(rid, K_SINGLE, seen, fx_single(5200, 60, "writer B", ALICE), ALICE, FX_NOW), 0);
  ck_assert_uint_eq(fx_sans.kind_responses[0].generation_counter, 3);
}
END_TEST

/* 7.4.1.1: "For replica Stores, the peer MUST set the generation counter to
 * match the generation counter in the message and MUST NOT check the
 * generation counter against the current value. Replica Stores MUST NOT
 * use a generation counter of 0." 7.3: for a replica store only the
 * signer of the value must conform. */
START_TEST(replica_store_7_4_1_1) {
  const uint8_t *rid = fx_rid(ALICE);
  rl_StoredData v = fx_single(5000, 60, "r", ALICE);
  rl_StoreKindData kd = fx_kd(K_SINGLE, 7, 1, &v);
  /* No message signer: the replicating peer is not the owner. */
  ck_assert_int_eq(fx_store_req(rid, 1, -1, FX_NOW, 1, &kd), 0);
  ck_assert_uint_eq(fx_sans.kind_responses[0].generation_counter, 7);
  v = fx_single(5001, 60, "r2", ALICE);
  kd = fx_kd(K_SINGLE, 3, 1, &v);
  ck_assert_int_eq(fx_store_req(rid, 2, BOB, FX_NOW, 1, &kd), 0);
  ck_assert_uint_eq(fx_sans.kind_responses[0].generation_counter, 3);
  kd = fx_kd(K_SINGLE, 0, 1, &v);
  ck_assert_int_eq(fx_store_req(rid, 1, -1, FX_NOW, 1, &kd), RL_ErrorCode_Error_Invalid_Message);
  ck_assert_ptr_nonnull(strstr(fx_err_text(), "generation_counter 0"));
  /* The value's signer is still checked. */
  v = fx_single(5002, 60, "bob's", BOB);
  kd = fx_kd(K_SINGLE, 4, 1, &v);
  ck_assert_int_eq(fx_store_req(rid, 1, -1, FX_NOW, 1, &kd), FORBIDDEN);
}
END_TEST

/* 7: "Any attempt to store a data value with a storage time before that of
 * a value already stored at this location MUST generate an
 * Error_Data_Too_Old error." */
START_TEST(storage_time_7) {
  const uint8_t *rid = fx_rid(ALICE);
  rl_StoredDataSpecifier spec = fx_spec_single(K_SINGLE, 0);
  rl_StoredData two[2];
  rl_StoreKindData kd;
  static const uint32_t all[] = {0, LAST};
  ck_assert_int_eq(store1(rid, K_SINGLE, 0, fx_single(5000, 60, "now", ALICE), ALICE, FX_NOW), 0);
  ck_assert_int_eq(store1(rid, K_SINGLE, 0, fx_single(4999, 60, "old", ALICE), ALICE, FX_NOW),
                   RL_ErrorCode_Error_Data_Too_Old);
  ck_assert_ptr_nonnull(strstr(fx_err_text(), "storage_time 4999"));
  ck_assert_int_eq(fx_fetch(rid, FX_NOW, 1, &spec), 0);
  ck_assert_str_eq(fx_value(&fkr(0)->values[0]), "now");
  ck_assert_uint_eq(fkr(0)->generation, 1);
  /* Not before: the same time is accepted (a replica re-sent). */
  ck_assert_int_eq(store1(rid, K_SINGLE, 0, fx_single(5000, 60, "same", ALICE), ALICE, FX_NOW), 0);
  /* Values of one request replace each other in turn. */
  two[0] = fx_array(7000, 60, 3, "new", ALICE);
  two[1] = fx_array(6000, 60, 3, "older", ALICE);
  kd = fx_kd(K_ARRAY, 0, 2, two);
  ck_assert_int_eq(fx_store_req(rid, 0, ALICE, FX_NOW, 1, &kd), RL_ErrorCode_Error_Data_Too_Old);
  ck_assert_int_eq(fetch_array(rid, FX_NOW, 1, all), 0);
  ck_assert_uint_eq(fkr(0)->values_count, 0);
  /* An expired value is no longer "stored at this location". */
  ck_assert_int_eq(store1(rid, K_DICT, 0, fx_dict(9000, 1, "k", 1, "short", ALICE), ALICE, FX_NOW), 0);
  ck_assert_int_eq(store1(rid, K_DICT, 0, fx_dict(8000, 60, "k", 1, "later", ALICE), ALICE, FX_NOW + 999),
                   RL_ErrorCode_Error_Data_Too_Old);
  ck_assert_int_eq(store1(rid, K_DICT, 0, fx_dict(8000, 60, "k", 1, "later", ALICE), ALICE, FX_NOW + 1000),
                   0);
}
END_TEST

/* 7.4.1.1: "These operations MUST be atomic. If any operation fails, the
 * state MUST be rolled back to what it was before the request was
 * received." */
START_TEST(atomic_7_4_1_1) {
  const uint8_t *rid = fx_rid(ALICE);
  rl_StoredDataSpecifier specs[2];
  rl_StoredData single, big, ok;
  rl_StoreKindData kds[2];
  rl_store_stats before, after;
  char large[66];
  memset(large, 'L', 65);
  large[65] = '\0';
  ck_assert_int_eq(store1(rid, K_SINGLE, 0, fx_single(5000, 60, "old", ALICE), ALICE, FX_NOW), 0);
  rl_store_get_stats(fx_store, &before);
  single = fx_single(6000, 60, "new", ALICE);
  big = fx_dict(6000, 60, "k", 1, large, ALICE);
  kds[0] = fx_kd(K_SINGLE, 0, 1, &single);
  kds[1] = fx_kd(K_DICT, 0, 1, &big);
  ck_assert_int_eq(fx_store_req(rid, 0, ALICE, FX_NOW, 2, kds), RL_ErrorCode_Error_Data_Too_Large);
  rl_store_get_stats(fx_store, &after);
  ck_assert_uint_eq(after.values, before.values);
  ck_assert_uint_eq(after.bytes_used, before.bytes_used);
  ck_assert_uint_eq(after.resources, before.resources);
  specs[0] = fx_spec_single(K_SINGLE, 0);
  specs[1] = fx_spec_dict(K_DICT, 0, 0, NULL);
  ck_assert_int_eq(fx_fetch(rid, FX_NOW, 2, specs), 0);
  ck_assert_str_eq(fx_value(&fkr(0)->values[0]), "old");
  ck_assert_uint_eq(fkr(0)->generation, 1);
  ck_assert_uint_eq(fkr(1)->values_count, 0);
  ck_assert_uint_eq(fkr(1)->generation, 0);
  /* A failed store at a new Resource-ID leaves no record behind. */
  ok = fx_single(6000, 60, "bob", BOB);
  big = fx_dict(6000, 60, "k", 1, large, BOB);
  kds[0] = fx_kd(K_SINGLE, 0, 1, &ok);
  kds[1] = fx_kd(K_DICT, 0, 1, &big);
  ck_assert_int_eq(fx_store_req(fx_rid(BOB), 0, BOB, FX_NOW, 2, kds), RL_ErrorCode_Error_Data_Too_Large);
  rl_store_get_stats(fx_store, &after);
  ck_assert_uint_eq(after.resources, before.resources);
  ck_assert_uint_eq(after.bytes_used, before.bytes_used);
}
END_TEST

/* 7.4.1.1: "Implementations MUST reject requests corresponding to unknown
 * Kinds"; 7.4.1.2: Error_Unknown_Kind "lists all the Kinds that were
 * unrecognized"; Fetch and Stat likewise. */
START_TEST(unknown_kind_7_4_1_2) {
  const uint8_t *rid = fx_rid(ALICE);
  rl_StoredData v = fx_single(5000, 60, "x", ALICE);
  rl_StoreKindData kds[3];
  rl_StoredDataSpecifier specs[2];
  rl_StoreKindData many[70];
  kds[0] = fx_kd(K_UNKNOWN, 0, 1, &v);
  kds[1] = fx_kd(K_SINGLE, 0, 1, &v);
  kds[2] = fx_kd(K_UNKNOWN - 1, 0, 0, NULL);
  ck_assert_int_eq(fx_store_req(rid, 0, ALICE, FX_NOW, 3, kds), RL_ErrorCode_Error_Unknown_Kind);
  ck_assert_uint_eq(fx_err.error_info.unknown_kinds_count, 2);
  ck_assert_uint_eq(fx_err.error_info.unknown_kinds[0], K_UNKNOWN);
  ck_assert_uint_eq(fx_err.error_info.unknown_kinds[1], K_UNKNOWN - 1);
  ck_assert_int_eq(fx_verify_calls, 0);
  specs[0] = fx_spec_single(K_SINGLE, 0);
  specs[1] = fx_spec_single(K_UNKNOWN, 0);
  ck_assert_int_eq(fx_fetch(rid, FX_NOW, 2, specs), RL_ErrorCode_Error_Unknown_Kind);
  ck_assert_uint_eq(fx_err.error_info.unknown_kinds_count, 1);
  ck_assert_uint_eq(fx_err.error_info.unknown_kinds[0], K_UNKNOWN);
  ck_assert_int_eq(fx_stat(rid, FX_NOW, 2, specs), RL_ErrorCode_Error_Unknown_Kind);
  /* unknown_kinds<0..2^8-1> holds 63 Kind-IDs: the list is cut, and still
   * encodes (fixture round trip). */
  for (uint32_t i = 0; i < 70; i++) many[i] = fx_kd(0xe0000000u + i, 0, 0, NULL);
  ck_assert_int_eq(fx_store_req(rid, 0, ALICE, FX_NOW, 70, many), RL_ErrorCode_Error_Unknown_Kind);
  ck_assert_uint_eq(fx_err.error_info.unknown_kinds_count, 63);
}
END_TEST

/* 7.4.1.1: "The same Kind-ID MUST NOT be used twice in a given store
 * request." */
START_TEST(duplicate_kind_7_4_1_1) {
  rl_StoredData v = fx_single(5000, 60, "x", ALICE);
  rl_StoreKindData kds[2];
  kds[0] = fx_kd(K_SINGLE, 0, 1, &v);
  kds[1] = fx_kd(K_SINGLE, 0, 1, &v);
  ck_assert_int_eq(fx_store_req(fx_rid(ALICE), 0, ALICE, FX_NOW, 2, kds),
                   RL_ErrorCode_Error_Invalid_Message);
  ck_assert_ptr_nonnull(strstr(fx_err_text(), "twice"));
}
END_TEST

/* 7.4.1.2 / 13.5.2: max-size; 7.4.1.1: "The size and number of the stored
 * values are consistent with the limits" (max-count). */
START_TEST(kind_limits_7_4_1_2) {
  const uint8_t *rid = fx_rid(ALICE);
  char size64[65], size65[66];
  rl_StoredData eight[8];
  rl_StoreKindData kd;
  memset(size64, 's', 64);
  size64[64] = '\0';
  memset(size65, 's', 65);
  size65[65] = '\0';
  ck_assert_int_eq(store1(rid, K_SINGLE, 0, fx_single(5000, 60, size65, ALICE), ALICE, FX_NOW),
                   RL_ErrorCode_Error_Data_Too_Large);
  ck_assert_ptr_nonnull(strstr(fx_err_text(), "max-size is 64"));
  ck_assert_int_eq(store1(rid, K_SINGLE, 0, fx_single(5000, 60, size64, ALICE), ALICE, FX_NOW), 0);

  for (uint32_t i = 0; i < 8; i++) eight[i] = fx_array(5000, 60, i, "e", ALICE);
  kd = fx_kd(K_ARRAY, 0, 8, eight);
  ck_assert_int_eq(fx_store_req(rid, 0, ALICE, FX_NOW, 1, &kd), 0);
  ck_assert_int_eq(store1(rid, K_ARRAY, 0, fx_array(5001, 60, LAST, "9th", ALICE), ALICE, FX_NOW),
                   RL_ErrorCode_Error_Data_Too_Large);
  ck_assert_ptr_nonnull(strstr(fx_err_text(), "max-count is 8"));
  /* Replacing is not adding. */
  ck_assert_int_eq(store1(rid, K_ARRAY, 0, fx_array(5001, 60, 3, "r", ALICE), ALICE, FX_NOW), 0);

  /* Dictionary max-count 4; a nonexistent value is a stored value too
   * (7.4.1.3). */
  for (int i = 0; i < 4; i++) {
    char key[2] = {(char)('a' + i), 0};
    ck_assert_int_eq(store1(rid, K_DICT, 0, fx_dict(5000, 60, key, 1, i == 3 ? NULL : "v", ALICE), ALICE,
                            FX_NOW),
                     0);
  }
  ck_assert_int_eq(store1(rid, K_DICT, 0, fx_dict(5000, 60, "e", 1, NULL, ALICE), ALICE, FX_NOW),
                   RL_ErrorCode_Error_Data_Too_Large);
  /* Room again once a value has expired. */
  ck_assert_int_eq(store1(rid, K_DICT, 0, fx_dict(5000, 1, "a", 1, "short", ALICE), ALICE, FX_NOW), 0);
  ck_assert_int_eq(store1(rid, K_DICT, 0, fx_dict(5000, 60, "e", 1, "v", ALICE), ALICE, FX_NOW + 1000), 0);
}
END_TEST

/* The global byte budget: refused with Error_Data_Too_Large, and freed
 * again by expiry. */
START_TEST(budget) {
  rl_store_stats st;
  int users[40];
  int refused = -1;
  fx_reset_store(4096);
  for (int i = 0; i < 40; i++) {
    char name[32];
    uint8_t node[16] = {0};
    node[0] = (uint8_t)i;
    snprintf(name, sizeof name, "user%d@example.com", i);
    users[i] = fx_add_signer(name, node);
  }
  for (int i = 0; i < 40 && refused < 0; i++) {
    int rc = store1(fx_rid(users[i]), K_SINGLE, 0, fx_single(5000, 10, "0123456789012345678901234567890123456789",
                                                            users[i]),
                    users[i], FX_NOW);
    if (rc != 0) {
      ck_assert_int_eq(rc, RL_ErrorCode_Error_Data_Too_Large);
      ck_assert_ptr_nonnull(strstr(fx_err_text(), "budget"));
      refused = i;
    }
  }
  ck_assert_int_gt(refused, 3);
  rl_store_get_stats(fx_store, &st);
  ck_assert_uint_le(st.bytes_used, 4096);
  ck_assert_uint_eq(st.values, (size_t)refused);
  ck_assert_uint_eq(st.resources, (size_t)refused);
  ck_assert_uint_eq(rl_store_expire(fx_store, FX_NOW + 10000), (size_t)refused);
  rl_store_get_stats(fx_store, &st);
  ck_assert_uint_eq(st.bytes_used, 0);
  ck_assert_int_eq(store1(fx_rid(users[refused]), K_SINGLE, 0, fx_single(5000, 10, "fits", users[refused]),
                          users[refused], FX_NOW + 10000),
                   0);
}
END_TEST

/* 7.4.1.1: Error_Forbidden for bad signatures, anonymous signatures and
 * signers outside the policy (value and, for original stores, message). */
START_TEST(forbidden_7_4_1_1) {
  const uint8_t *rid = fx_rid(ALICE);
  rl_StoredData v;
  rl_store_stats st;
  ck_assert_int_eq(store1(rid, K_SINGLE, 0, fx_single(5000, 60, "x", FX_BAD_SIG), ALICE, FX_NOW), FORBIDDEN);
  ck_assert_ptr_nonnull(strstr(fx_err_text(), "signature not valid"));
  ck_assert_int_eq(fx_verify_calls, 1);
  /* identity_type none */
  v = fx_single(5000, 60, "x", ALICE);
  memset(&v.signature.identity, 0, sizeof v.signature.identity);
  v.signature.identity.identity_type = RL_SignerIdentityType_none;
  ck_assert_int_eq(store1(rid, K_SINGLE, 0, v, ALICE, FX_NOW), FORBIDDEN);
  ck_assert_ptr_nonnull(strstr(fx_err_text(), "anonymous"));
  /* SignatureAndHashAlgorithm {0, 0} */
  v = fx_single(5000, 60, "x", ALICE);
  v.signature.algorithm.hash = RL_HashAlgorithm_none;
  v.signature.algorithm.signature = RL_SignatureAlgorithm_anonymous;
  ck_assert_int_eq(store1(rid, K_SINGLE, 0, v, ALICE, FX_NOW), FORBIDDEN);
  ck_assert_int_eq(fx_verify_calls, 1);
  /* Value signed by someone else. */
  ck_assert_int_eq(store1(rid, K_SINGLE, 0, fx_single(5000, 60, "x", BOB), ALICE, FX_NOW), FORBIDDEN);
  ck_assert_ptr_nonnull(strstr(fx_err_text(), "value's signer"));
  /* Message signed by someone else (original store). */
  ck_assert_int_eq(store1(rid, K_SINGLE, 0, fx_single(5000, 60, "x", ALICE), BOB, FX_NOW), FORBIDDEN);
  ck_assert_ptr_nonnull(strstr(fx_err_text(), "StoreReq's signer"));
  ck_assert_int_eq(store1(rid, K_SINGLE, 0, fx_single(5000, 60, "x", ALICE), -1, FX_NOW), FORBIDDEN);
  rl_store_get_stats(fx_store, &st);
  ck_assert_uint_eq(st.values, 0);
  ck_assert_uint_eq(st.resources, 0);
}
END_TEST

/* 7.3.2-7.3.4 applied by the store. */
START_TEST(policies_in_store_7_3) {
  const uint8_t *rid = fx_rid(ALICE);
  uint8_t rid_node[16], rid_multi2[16], rid_multi4[16];
  /* USER-NODE-MATCH: the key is the signer's Node-ID (the SIP usage). */
  ck_assert_int_eq(store1(rid, K_UNM, 0, fx_dict(5000, 60, fx_node_alice, 16, "contact", ALICE), ALICE,
                          FX_NOW),
                   0);
  ck_assert_int_eq(store1(rid, K_UNM, 0, fx_dict(5000, 60, fx_node_bob, 16, "contact", ALICE), ALICE,
                          FX_NOW),
                   FORBIDDEN);
  ck_assert_int_eq(store1(rid, K_UNM, 0, fx_dict(5000, 60, fx_node_bob, 16, "contact", BOB), BOB, FX_NOW),
                   FORBIDDEN);
  /* NODE-MATCH */
  fx_rid_node(ALICE, rid_node);
  ck_assert_int_eq(store1(rid_node, K_NODE, 0, fx_single(5000, 60, "cert", ALICE), ALICE, FX_NOW), 0);
  ck_assert_int_eq(store1(rid_node, K_NODE, 0, fx_single(5001, 60, "cert", BOB), BOB, FX_NOW), FORBIDDEN);
  ck_assert_int_eq(store1(rid, K_NODE, 0, fx_single(5001, 60, "cert", ALICE), ALICE, FX_NOW), FORBIDDEN);
  /* NODE-MULTIPLE with max-node-multiple 3 */
  fx_rid_node_i(ALICE, 2, rid_multi2);
  fx_rid_node_i(ALICE, 4, rid_multi4);
  ck_assert_int_eq(store1(rid_multi2, K_MULTI, 0, fx_single(5000, 60, "turn", ALICE), ALICE, FX_NOW), 0);
  ck_assert_int_eq(store1(rid_multi4, K_MULTI, 0, fx_single(5000, 60, "turn", ALICE), ALICE, FX_NOW),
                   FORBIDDEN);
  ck_assert_int_eq(store1(rid_multi2, K_MULTI, 0, fx_single(5001, 60, "turn", BOB), BOB, FX_NOW), FORBIDDEN);
}
END_TEST

/* 7: lifetime "starting from the time the peer receives the StoreReq";
 * 7.4.1.1: lifetimes passed on are adjusted downward; rl_store_expire. */
START_TEST(lifetime_expiry_7) {
  const uint8_t *rid = fx_rid(ALICE);
  rl_StoredDataSpecifier spec = fx_spec_single(K_SINGLE, 0);
  rl_store_stats st;
  ck_assert_int_eq(store1(rid, K_SINGLE, 0, fx_single(1, 10, "ten seconds", ALICE), ALICE, FX_NOW), 0);
  ck_assert_int_eq(fx_fetch(rid, FX_NOW + 4500, 1, &spec), 0);
  ck_assert_uint_eq(fkr(0)->values[0].lifetime, 5);
  ck_assert_int_eq(fx_fetch(rid, FX_NOW + 9999, 1, &spec), 0);
  ck_assert_str_eq(fx_value(&fkr(0)->values[0]), "ten seconds");
  ck_assert_uint_eq(fkr(0)->values[0].lifetime, 0);
  ck_assert_int_eq(fx_fetch(rid, FX_NOW + 10000, 1, &spec), 0);
  ck_assert(is_synthetic(&fkr(0)->values[0]));
  ck_assert_uint_eq(rl_store_expire(fx_store, FX_NOW + 9999), 0);
  rl_store_get_stats(fx_store, &st);
  ck_assert_uint_eq(st.values, 1);
  ck_assert_uint_eq(rl_store_expire(fx_store, FX_NOW + 10000), 1);
  rl_store_get_stats(fx_store, &st);
  ck_assert_uint_eq(st.values, 0);
  ck_assert_uint_eq(st.resources, 0);
}
END_TEST

/* 7.4.2.1: "If the generation counter in the request matches the stored
 * counter, then the storing peer returns a response with no StoredData
 * values." */
START_TEST(fetch_generation_7_4_2_1) {
  const uint8_t *rid = fx_rid(ALICE);
  rl_StoredDataSpecifier spec;
  ck_assert_int_eq(store1(rid, K_SINGLE, 0, fx_single(5000, 60, "a", ALICE), ALICE, FX_NOW), 0);
  ck_assert_int_eq(store1(rid, K_SINGLE, 0, fx_single(5001, 60, "b", ALICE), ALICE, FX_NOW), 0);
  spec = fx_spec_single(K_SINGLE, 2);
  ck_assert_int_eq(fx_fetch(rid, FX_NOW, 1, &spec), 0);
  ck_assert_uint_eq(fkr(0)->generation, 2);
  ck_assert_uint_eq(fkr(0)->values_count, 0);
  spec = fx_spec_single(K_SINGLE, 1);
  ck_assert_int_eq(fx_fetch(rid, FX_NOW, 1, &spec), 0);
  ck_assert_uint_eq(fkr(0)->values_count, 1);
  spec = fx_spec_single(K_SINGLE, 0);
  ck_assert_int_eq(fx_fetch(rid, FX_NOW, 1, &spec), 0);
  ck_assert_uint_eq(fkr(0)->values_count, 1);
  ck_assert_int_eq(fx_stat(rid, FX_NOW, 1, &spec), 0);
  ck_assert_uint_eq(fx_tans.kind_responses[0].values_count, 1);
  spec = fx_spec_single(K_SINGLE, 2);
  ck_assert_int_eq(fx_stat(rid, FX_NOW, 1, &spec), 0);
  ck_assert_uint_eq(fx_tans.kind_responses[0].values_count, 0);
}
END_TEST

/* 7.4.3.2: hash_value is "A digest using hash_algorithm on the value field
 * of the DataValue, including its 4 leading length bytes". Expected digests
 * from Python hashlib: SHA-256(00000003 616263) and SHA-256(00000000). */
START_TEST(stat_7_4_3) {
  static const uint8_t sha_abc[32] = {0xd0, 0x4b, 0x72, 0xa6, 0x50, 0xce, 0x0f, 0x8c, 0xe4, 0x96, 0x33,
                                      0x30, 0xa5, 0x3e, 0xe2, 0x83, 0x27, 0x33, 0xd2, 0xba, 0xef, 0xff,
                                      0xf3, 0xc1, 0xd8, 0xe2, 0x56, 0xcc, 0xa0, 0x96, 0xd1, 0x20};
  static const uint8_t sha_empty[32] = {0xdf, 0x3f, 0x61, 0x98, 0x04, 0xa9, 0x2f, 0xdb, 0x40, 0x57, 0x19,
                                        0x2d, 0xc4, 0x3d, 0xd7, 0x48, 0xea, 0x77, 0x8a, 0xdc, 0x52, 0xbc,
                                        0x49, 0x8c, 0xe8, 0x05, 0x24, 0xc0, 0x14, 0xb8, 0x11, 0x19};
  static const uint32_t all[] = {0, LAST};
  const uint8_t *rid = fx_rid(ALICE);
  rl_StoredDataSpecifier specs[2];
  const rl_StoredMetaData *m;
  ck_assert_int_eq(store1(rid, K_SINGLE, 0, fx_single(5000, 60, "abc", ALICE), ALICE, FX_NOW), 0);
  ck_assert_int_eq(store1(rid, K_ARRAY, 0, fx_array(5000, 60, 1, NULL, ALICE), ALICE, FX_NOW), 0);
  specs[0] = fx_spec_single(K_SINGLE, 0);
  specs[1] = fx_spec_array(K_ARRAY, 0, 1, all);
  ck_assert_int_eq(fx_stat(rid, FX_NOW + 1000, 2, specs), 0);
  ck_assert_uint_eq(fx_tans.kind_responses_count, 2);
  ck_assert_uint_eq(fx_tans.kind_responses[0].kind, K_SINGLE);
  ck_assert_uint_eq(fx_tans.kind_responses[0].generation, 1);
  ck_assert_uint_eq(fx_tans.kind_responses[0].values_count, 1);
  m = &fx_tans.kind_responses[0].values[0];
  ck_assert_uint_eq(m->value_length, 3);
  ck_assert_uint_eq(m->storage_time, 5000);
  ck_assert_uint_eq(m->lifetime, 59);
  ck_assert(m->metadata.single_value_entry.exists);
  ck_assert_uint_eq(m->metadata.single_value_entry.value_length, 3);
  ck_assert_uint_eq(m->metadata.single_value_entry.hash_algorithm, RL_HashAlgorithm_sha256);
  ck_assert_uint_eq(m->metadata.single_value_entry.hash_value.len, 32);
  ck_assert_mem_eq(m->metadata.single_value_entry.hash_value.ptr, sha_abc, 32);
  /* The array: a gap at 0 (nothing to hash), a removed value at 1. */
  ck_assert_uint_eq(fx_tans.kind_responses[1].values_count, 2);
  m = &fx_tans.kind_responses[1].values[0];
  ck_assert_uint_eq(m->metadata.array_entry.index, 0);
  ck_assert(!m->metadata.array_entry.value.exists);
  ck_assert_uint_eq(m->metadata.array_entry.value.hash_algorithm, RL_HashAlgorithm_none);
  ck_assert_uint_eq(m->metadata.array_entry.value.hash_value.len, 0);
  m = &fx_tans.kind_responses[1].values[1];
  ck_assert_uint_eq(m->metadata.array_entry.index, 1);
  ck_assert(!m->metadata.array_entry.value.exists);
  ck_assert_uint_eq(m->metadata.array_entry.value.hash_algorithm, RL_HashAlgorithm_sha256);
  ck_assert_mem_eq(m->metadata.array_entry.value.hash_value.ptr, sha_empty, 32);
  ck_assert_uint_eq(m->storage_time, 5000);

  /* Dictionary: the key comes back with the metadata; a key not stored
   * and an empty single value have nothing to hash. */
  {
    static const char *keys[] = {"k", "absent"};
    ck_assert_int_eq(store1(rid, K_DICT, 0, fx_dict(5000, 60, "k", 1, "abc", ALICE), ALICE, FX_NOW), 0);
    specs[0] = fx_spec_dict(K_DICT, 0, 2, keys);
    specs[1] = fx_spec_single(K_SINGLE, 0);
    ck_assert_int_eq(fx_stat(fx_rid(ALICE), FX_NOW, 1, specs), 0);
    ck_assert_uint_eq(fx_tans.kind_responses[0].values_count, 2);
    m = &fx_tans.kind_responses[0].values[0];
    ck_assert_uint_eq(m->metadata.dictionary_entry.key.len, 1);
    ck_assert_mem_eq(m->metadata.dictionary_entry.value.hash_value.ptr, sha_abc, 32);
    m = &fx_tans.kind_responses[0].values[1];
    ck_assert_uint_eq(m->metadata.dictionary_entry.key.len, 6);
    ck_assert(!m->metadata.dictionary_entry.value.exists);
    ck_assert_uint_eq(m->metadata.dictionary_entry.value.hash_algorithm, RL_HashAlgorithm_none);
    ck_assert_int_eq(fx_stat(fx_rid(BOB), FX_NOW, 1, &specs[1]), 0);
    ck_assert_uint_eq(fx_tans.kind_responses[0].values_count, 1);
    m = &fx_tans.kind_responses[0].values[0];
    ck_assert(!m->metadata.single_value_entry.exists);
    ck_assert_uint_eq(m->metadata.single_value_entry.hash_algorithm, RL_HashAlgorithm_none);
  }
}
END_TEST

/* Six users' Resource-IDs, sorted; each gets a K_SINGLE value. */
static int ring[6];

static int cmp_users(const void *a, const void *b) {
  return memcmp(fx_rid(*(const int *)a), fx_rid(*(const int *)b), 16);
}

static void make_ring(uint32_t expired_pos) {
  for (int i = 0; i < 6; i++) {
    char name[32];
    uint8_t node[16] = {0};
    node[15] = (uint8_t)i;
    snprintf(name, sizeof name, "ring%d@example.com", i);
    ring[i] = fx_add_signer(name, node);
  }
  qsort(ring, 6, sizeof ring[0], cmp_users);
  for (uint32_t i = 0; i < 6; i++) {
    uint32_t life = i == expired_pos ? 1 : 100;
    ck_assert_int_eq(store1(fx_rid(ring[i]), K_SINGLE, 0, fx_single(5000, life, "v", ring[i]), ring[i], FX_NOW),
                     0);
  }
}

static const uint8_t *find_closest(rl_KindId kind) {
  for (size_t i = 0; i < fx_dans.results_count; i++) {
    if (fx_dans.results[i].kind == kind) {
      ck_assert_uint_eq(fx_dans.results[i].closest.len, 16);
      return fx_dans.results[i].closest.ptr;
    }
  }
  return NULL;
}

/* 7.4.4: the closest Resource-ID with data of each Kind, walked by
 * R(n+1) = nearest(1 + R(n)); 7.4.4.2: 0 when none or the Kind is
 * unknown, no entry for a Kind not allowed with Find, Error_Not_Found
 * outside this peer's range; 7.4.4.1: each Kind-ID once. */
START_TEST(find_7_4_4) {
  static const uint8_t zero[16] = {0};
  static const rl_KindId kinds3[] = {K_SINGLE, K_ARRAY, K_UNKNOWN};
  static const rl_KindId nofind[] = {K_NOFIND, K_SINGLE};
  static const rl_KindId twice[] = {K_SINGLE, K_SINGLE};
  uint8_t r[16];
  rl_store_range whole, part, wrap;
  const uint8_t *c;
  make_ring(3);
  whole.after = whole.upto = fx_rid(ring[0]);
  ck_assert_int_eq(fx_find(fx_rid(ring[2]), &whole, FX_NOW, 3, kinds3), 0);
  ck_assert_uint_eq(fx_dans.results_count, 3);
  ck_assert_mem_eq(find_closest(K_SINGLE), fx_rid(ring[2]), 16); /* at R */
  ck_assert_mem_eq(find_closest(K_ARRAY), zero, 16);
  ck_assert_mem_eq(find_closest(K_UNKNOWN), zero, 16);
  id_plus_one(fx_rid(ring[2]), r);
  ck_assert_int_eq(fx_find(r, &whole, FX_NOW, 1, kinds3), 0);
  ck_assert_mem_eq(find_closest(K_SINGLE), fx_rid(ring[3]), 16);
  /* ring[3]'s value has expired: skipped. */
  ck_assert_int_eq(fx_find(r, &whole, FX_NOW + 1000, 1, kinds3), 0);
  ck_assert_mem_eq(find_closest(K_SINGLE), fx_rid(ring[4]), 16);

  /* This peer answers for (ring[0], ring[3]]. */
  part.after = fx_rid(ring[0]);
  part.upto = fx_rid(ring[3]);
  id_plus_one(fx_rid(ring[0]), r);
  ck_assert_int_eq(fx_find(r, &part, FX_NOW, 1, kinds3), 0);
  ck_assert_mem_eq(find_closest(K_SINGLE), fx_rid(ring[1]), 16);
  /* Nothing after R up to the end of the range: 0, not ring[4]. */
  id_plus_one(fx_rid(ring[2]), r);
  ck_assert_int_eq(fx_find(r, &part, FX_NOW + 1000, 1, kinds3), 0);
  ck_assert_mem_eq(find_closest(K_SINGLE), zero, 16);
  id_plus_one(fx_rid(ring[3]), r);
  ck_assert_int_eq(fx_find(r, &part, FX_NOW, 1, kinds3), RL_ErrorCode_Error_Not_Found);
  ck_assert_int_eq(fx_find(fx_rid(ring[0]), &part, FX_NOW, 1, kinds3), RL_ErrorCode_Error_Not_Found);

  /* A range across zero: (ring[4], ring[1]]. */
  wrap.after = fx_rid(ring[4]);
  wrap.upto = fx_rid(ring[1]);
  id_plus_one(fx_rid(ring[5]), r);
  ck_assert_int_eq(fx_find(r, &wrap, FX_NOW, 1, kinds3), 0);
  c = find_closest(K_SINGLE);
  ck_assert_mem_eq(c, fx_rid(ring[0]), 16);
  ck_assert_int_eq(fx_find(fx_rid(ring[5]), &wrap, FX_NOW, 1, kinds3), 0);
  ck_assert_mem_eq(find_closest(K_SINGLE), fx_rid(ring[5]), 16);
  ck_assert_int_eq(fx_find(fx_rid(ring[2]), &wrap, FX_NOW, 1, kinds3), RL_ErrorCode_Error_Not_Found);

  /* "the Kind is not allowed to be used with Find": left out. */
  ck_assert_int_eq(fx_find(fx_rid(ring[0]), &whole, FX_NOW, 2, nofind), 0);
  ck_assert_uint_eq(fx_dans.results_count, 1);
  ck_assert_uint_eq(fx_dans.results[0].kind, K_SINGLE);
  ck_assert_int_eq(fx_find(fx_rid(ring[0]), &whole, FX_NOW, 2, twice), RL_ErrorCode_Error_Invalid_Message);
}
END_TEST

/* 10.4 / 7.4.1.1: replication and handover. The export of a Resource-ID is
 * a StoreReq with every Kind, its generation and the remaining lifetimes;
 * stored as a replica elsewhere it gives the same answers. */
START_TEST(export_as_replica_7_4_1_1) {
  const uint8_t *rid = fx_rid(ALICE);
  static uint8_t req_bytes[8192], before[8192], after[8192];
  static uint64_t mem[4096];
  static uint8_t rid_copy[16];
  static const uint32_t all[] = {0, LAST};
  rl_arena a;
  rl_StoreReq out, one;
  rl_StoredData two[2];
  rl_StoreKindData kd;
  rl_StoredDataSpecifier specs[2];
  rl_store_range just_alice;
  rl_KindId only = K_ARRAY;
  size_t req_len, before_len, after_len;
  rl_store_stats st;
  ck_assert_int_eq(store1(rid, K_SINGLE, 0, fx_single(5000, 60, "s", ALICE), ALICE, FX_NOW), 0);
  ck_assert_int_eq(store1(rid, K_SINGLE, 0, fx_single(5001, 60, "s2", ALICE), ALICE, FX_NOW), 0);
  two[0] = fx_array(5000, 30, LAST, "a0", ALICE);
  two[1] = fx_array(5000, 60, 4, "a4", ALICE);
  kd = fx_kd(K_ARRAY, 0, 2, two);
  ck_assert_int_eq(fx_store_req(rid, 0, ALICE, FX_NOW, 1, &kd), 0);
  ck_assert_int_eq(store1(fx_rid(BOB), K_SINGLE, 0, fx_single(5000, 60, "b", BOB), BOB, FX_NOW), 0);

  rl_arena_init(&a, mem, sizeof mem);
  ck_assert_int_eq(rl_store_export(fx_store, rid, NULL, 0, FX_NOW + 3000, &a, &out), 1);
  ck_assert_uint_eq(out.replica_number, 0);
  ck_assert_mem_eq(out.resource.ptr, rid, 16);
  ck_assert_uint_eq(out.kind_data_count, 2);
  ck_assert_uint_eq(out.kind_data[0].kind, K_SINGLE);
  ck_assert_uint_eq(out.kind_data[0].generation_counter, 2);
  /* "adjust the lifetime value downward" */
  ck_assert_uint_eq(out.kind_data[0].values[0].lifetime, 57);
  ck_assert_uint_eq(out.kind_data[1].values_count, 2);
  ck_assert_uint_eq(out.kind_data[1].values[0].lifetime, 27);
  ck_assert_uint_eq(out.kind_data[1].values[1].value.array_entry.index, 4);
  ck_assert_int_eq(rl_store_export(fx_store, rid, &only, 1, FX_NOW + 3000, &a, &one), 1);
  ck_assert_uint_eq(one.kind_data_count, 1);
  ck_assert_uint_eq(one.kind_data[0].kind, K_ARRAY);
  out.replica_number = 1;
  req_len = fx_encode_store_req(&out, req_bytes, sizeof req_bytes);

  specs[0] = fx_spec_single(K_SINGLE, 0);
  specs[1] = fx_spec_array(K_ARRAY, 0, 1, all);
  ck_assert_int_eq(fx_fetch(rid, FX_NOW + 3000, 2, specs), 0);
  before_len = fx_encode_fetch_ans(before, sizeof before);

  /* Hand over: drop it here, then store the export as a replica. */
  memcpy(rid_copy, rid, 16);
  just_alice.after = just_alice.upto = NULL;
  {
    uint8_t lo[16];
    memcpy(lo, rid, 16);
    for (int i = 15; i >= 0 && lo[i]-- == 0; i--) continue; /* rid - 1 */
    just_alice.after = lo;
    just_alice.upto = rid_copy;
    ck_assert_uint_eq(rl_store_drop_range(fx_store, &just_alice), 3);
  }
  rl_store_get_stats(fx_store, &st);
  ck_assert_uint_eq(st.resources, 1); /* bob's */
  ck_assert_int_eq(fx_store_wire(req_bytes, req_len, -1, FX_NOW + 3000), 0);
  ck_assert_int_eq(fx_fetch(rid, FX_NOW + 3000, 2, specs), 0);
  after_len = fx_encode_fetch_ans(after, sizeof after);
  ck_assert_uint_eq(after_len, before_len);
  ck_assert_mem_eq(after, before, before_len);
  /* Nothing live: nothing to export. */
  ck_assert_int_eq(rl_store_export(fx_store, rid, NULL, 0, FX_NOW + 60000, &a, &out), 0);
}
END_TEST

/* 10.4 replication by value: a successful store reports what changed, as a
 * replica needs it: the stored values (an append at its resolved index,
 * the lifetime from now), the new generation, pointing into the store
 * (the request's bytes are gone); replayed as a replica store elsewhere it
 * gives the same state. */
START_TEST(committed_values_10_4) {
  const uint8_t *rid = fx_rid(ALICE);
  static uint8_t req_bytes[8192];
  rl_StoreReq committed;
  rl_StoredData vals[3];
  rl_StoreKindData kd;
  size_t len;
  ck_assert_int_eq(store1(rid, K_ARRAY, 0, fx_array(5000, 60, 0, "a0", ALICE), ALICE, FX_NOW), 0);
  vals[0] = fx_array(5001, 60, LAST, "app", ALICE);
  vals[1] = fx_array(5001, 30, 5, "first", ALICE);
  vals[2] = fx_array(5002, 30, 5, "again", ALICE); /* index 5 twice: the later one is stored */
  kd = fx_kd(K_ARRAY, 0, 3, vals);
  fx_committed = &committed;
  ck_assert_int_eq(fx_store_req(rid, 0, ALICE, FX_NOW + 2000, 1, &kd), 0);
  fx_committed = NULL;
  ck_assert_mem_eq(committed.resource.ptr, rid, 16);
  ck_assert_uint_eq(committed.replica_number, 0);
  ck_assert_uint_eq(committed.kind_data_count, 1);
  ck_assert_uint_eq(committed.kind_data[0].kind, K_ARRAY);
  ck_assert_uint_eq(committed.kind_data[0].generation_counter, 2);
  ck_assert_uint_eq(committed.kind_data[0].values_count, 2);
  ck_assert_uint_eq(committed.kind_data[0].values[0].value.array_entry.index, 1);
  ck_assert_uint_eq(committed.kind_data[0].values[0].lifetime, 60);
  ck_assert_uint_eq(committed.kind_data[0].values[1].value.array_entry.index, 5);
  ck_assert_uint_eq(committed.kind_data[0].values[1].storage_time, 5002);
  ck_assert_uint_eq(committed.kind_data[0].values[1].value.array_entry.value.value.len, 5);
  ck_assert_mem_eq(committed.kind_data[0].values[1].value.array_entry.value.value.ptr, "again", 5);
  /* On the wire as a replica store: accepted, generation taken over. */
  committed.replica_number = 1;
  len = fx_encode_store_req(&committed, req_bytes, sizeof req_bytes);
  fx_reset_store(1u << 20);
  ck_assert_int_eq(fx_store_wire(req_bytes, len, -1, FX_NOW + 2000), 0);
  ck_assert_uint_eq(fx_sans.kind_responses[0].generation_counter, 2);
  /* A refused store reports nothing. */
  memset(&committed, 0x77, sizeof committed);
  fx_committed = &committed;
  vals[0] = fx_array(4000, 60, 5, "old", ALICE);
  kd = fx_kd(K_ARRAY, 0, 1, vals);
  ck_assert_int_eq(fx_store_req(rid, 0, ALICE, FX_NOW + 2000, 1, &kd),
                   RL_ErrorCode_Error_Data_Too_Old);
  fx_committed = NULL;
}
END_TEST

/* 10.4, 10.9: a resource exported in parts of a byte budget: every live
 * value exactly once, in order, each part within the budget (or a single
 * value larger than it), every Kind with its generation. */
START_TEST(export_parts_budget) {
  const uint8_t *rid = fx_rid(ALICE);
  static uint64_t mem[8192];
  static const char *keys[] = {"k0", "k1", "k2", "k3"};
  rl_arena a;
  rl_StoreReq out;
  rl_store_part_pos pos;
  size_t seen_array = 0, seen_dict = 0, parts = 0;
  char v[64];
  for (uint32_t i = 0; i < 8; i++) {
    snprintf(v, sizeof v, "value-%u-%040u", (unsigned)i, 0u);
    ck_assert_int_eq(store1(rid, K_ARRAY, 0, fx_array(5000, i == 3 ? 1 : 60, i, v, ALICE), ALICE, FX_NOW), 0);
  }
  for (int i = 0; i < 4; i++)
    ck_assert_int_eq(store1(rid, K_DICT, 0, fx_dict(5000, 60, keys[i], 2, "d", ALICE), ALICE, FX_NOW), 0);
  ck_assert_int_eq(store1(rid, K_SINGLE, 0, fx_single(5000, 60, "s", ALICE), ALICE, FX_NOW), 0);
  /* Budget of about two array values: the expired value (index 3) is
   * left out. */
  memset(&pos, 0, sizeof pos);
  for (;;) {
    size_t bytes = 0;
    rl_arena_init(&a, mem, sizeof mem);
    int rc = rl_store_export_part(fx_store, rid, FX_NOW + 2000, 250, &pos, &a, &out);
    ck_assert_int_ge(rc, 0);
    if (rc == 0) break;
    parts++;
    ck_assert_uint_ge(out.kind_data_count, 1);
    for (size_t k = 0; k < out.kind_data_count; k++) {
      const rl_StoreKindData *kd = &out.kind_data[k];
      ck_assert_uint_ge(kd->values_count, 1);
      ck_assert_uint_ne(kd->generation_counter, 0);
      bytes += 16;
      for (size_t j = 0; j < kd->values_count; j++) {
        bytes += rl_store_stored_data_size(&kd->values[j]);
        if (kd->kind == K_ARRAY) {
          uint32_t idx = kd->values[j].value.array_entry.index;
          ck_assert_uint_eq(idx, seen_array < 3 ? seen_array : seen_array + 1);
          seen_array++;
        } else if (kd->kind == K_DICT) {
          ck_assert_mem_eq(kd->values[j].value.dictionary_entry.key.ptr, keys[seen_dict], 2);
          seen_dict++;
        }
      }
    }
    ck_assert_uint_le(bytes, 250);
    ck_assert_uint_le(parts, 20);
  }
  ck_assert_uint_eq(seen_array, 7);
  ck_assert_uint_eq(seen_dict, 4);
  ck_assert_uint_ge(parts, 4);
  /* A budget smaller than any value: one value a part. */
  memset(&pos, 0, sizeof pos);
  parts = 0;
  rl_arena_init(&a, mem, sizeof mem);
  while (rl_store_export_part(fx_store, rid, FX_NOW + 2000, 1, &pos, &a, &out) == 1) {
    ck_assert_uint_eq(out.kind_data_count, 1);
    ck_assert_uint_eq(out.kind_data[0].values_count, 1);
    parts++;
  }
  ck_assert_uint_eq(parts, 7 + 4 + 1);
  /* The encoded size bound holds on the wire. */
  {
    static uint8_t buf[8192];
    size_t len, bound = 0;
    memset(&pos, 0, sizeof pos);
    rl_arena_init(&a, mem, sizeof mem);
    ck_assert_int_eq(rl_store_export_part(fx_store, rid, FX_NOW + 2000, 1u << 20, &pos, &a, &out), 1);
    len = fx_encode_store_req(&out, buf, sizeof buf);
    for (size_t k = 0; k < out.kind_data_count; k++) {
      bound += 16;
      for (size_t j = 0; j < out.kind_data[k].values_count; j++)
        bound += rl_store_stored_data_size(&out.kind_data[k].values[j]);
    }
    ck_assert_uint_le(len, bound + 1 + 16 + 1 + 4);
    ck_assert_uint_ge(len + 64, bound);
  }
  /* Nothing stored there: 0. */
  memset(&pos, 0, sizeof pos);
  ck_assert_int_eq(rl_store_export_part(fx_store, fx_rid(BOB), FX_NOW, 100, &pos, &a, &out), 0);
}
END_TEST

/* Iterating over a range for replication and handover (10.7.3): clockwise
 * from the start of the range, across zero, skipping expired data. */
START_TEST(export_next_range) {
  static uint64_t mem[4096];
  rl_arena a;
  rl_store_cursor cur;
  rl_StoreReq out;
  rl_store_range whole, part, wrap;
  int order[6], n;
  make_ring(1);
  rl_arena_init(&a, mem, sizeof mem);

  whole.after = whole.upto = fx_rid(ring[2]);
  memset(&cur, 0, sizeof cur);
  n = 0;
  while (rl_store_export_next(fx_store, &whole, FX_NOW, &cur, &a, &out) == 1) {
    ck_assert_int_lt(n, 6);
    for (int i = 0; i < 6; i++)
      if (memcmp(out.resource.ptr, fx_rid(ring[i]), 16) == 0) order[n] = i;
    n++;
  }
  ck_assert_int_eq(n, 6);
  ck_assert_int_eq(order[0], 3);
  ck_assert_int_eq(order[1], 4);
  ck_assert_int_eq(order[2], 5);
  ck_assert_int_eq(order[3], 0);
  ck_assert_int_eq(order[4], 1);
  ck_assert_int_eq(order[5], 2);
  /* At the end it stays at the end. */
  ck_assert_int_eq(rl_store_export_next(fx_store, &whole, FX_NOW, &cur, &a, &out), 0);

  part.after = fx_rid(ring[0]);
  part.upto = fx_rid(ring[3]);
  memset(&cur, 0, sizeof cur);
  n = 0;
  /* ring[1] has expired by then. */
  while (rl_store_export_next(fx_store, &part, FX_NOW + 1000, &cur, &a, &out) == 1) {
    for (int i = 0; i < 6; i++)
      if (memcmp(out.resource.ptr, fx_rid(ring[i]), 16) == 0) order[n] = i;
    n++;
  }
  ck_assert_int_eq(n, 2);
  ck_assert_int_eq(order[0], 2);
  ck_assert_int_eq(order[1], 3);

  wrap.after = fx_rid(ring[4]);
  wrap.upto = fx_rid(ring[1]);
  memset(&cur, 0, sizeof cur);
  n = 0;
  while (rl_store_export_next(fx_store, &wrap, FX_NOW, &cur, &a, &out) == 1) {
    for (int i = 0; i < 6; i++)
      if (memcmp(out.resource.ptr, fx_rid(ring[i]), 16) == 0) order[n] = i;
    n++;
    /* The store may change between calls. */
    if (n == 1) rl_store_expire(fx_store, FX_NOW);
  }
  ck_assert_int_eq(n, 3);
  ck_assert_int_eq(order[0], 5);
  ck_assert_int_eq(order[1], 0);
  ck_assert_int_eq(order[2], 1);

  /* Dropping a range keeps the rest. */
  ck_assert_uint_eq(rl_store_drop_range(fx_store, &wrap), 3);
  memset(&cur, 0, sizeof cur);
  n = 0;
  while (rl_store_export_next(fx_store, &whole, FX_NOW, &cur, &a, &out) == 1) n++;
  ck_assert_int_eq(n, 3);
}
END_TEST

/* 7.4.5 / 11.1: the Kind table. */
START_TEST(kind_table_7_4_5) {
  static const rl_store_kind unm_array[] = {
      {1, RL_DataModel_array, RL_ACCESS_USER_NODE_MATCH, 1, 1, 0, 0}};
  static const rl_store_kind multi0[] = {{1, RL_DataModel_single_value, RL_ACCESS_NODE_MULTIPLE, 1, 1, 0, 0}};
  static const rl_store_kind multi256[] = {
      {1, RL_DataModel_single_value, RL_ACCESS_NODE_MULTIPLE, 1, 1, 256, 0}};
  static const rl_store_kind twice[] = {{1, RL_DataModel_single_value, RL_ACCESS_USER_MATCH, 1, 1, 0, 0},
                                        {1, RL_DataModel_array, RL_ACCESS_USER_MATCH, 1, 1, 0, 0}};
  static const rl_store_kind bad_model[] = {{1, RL_DataModel_invalidDataModel, RL_ACCESS_USER_MATCH, 1, 1, 0, 0}};
  static const rl_store_kind bad_policy[] = {{1, RL_DataModel_single_value, (rl_access_policy)0, 1, 1, 0, 0}};
  static const rl_store_kind only_single[] = {
      {K_SINGLE, RL_DataModel_single_value, RL_ACCESS_USER_MATCH, 1, 64, 0, 0},
      {K_DICT, RL_DataModel_array, RL_ACCESS_USER_MATCH, 4, 64, 0, 0}};
  const uint8_t *rid = fx_rid(ALICE);
  rl_StoredDataSpecifier specs[2];
  rl_store_stats st;
  rl_store_config cfg;
  rl_store *s = NULL;
  ck_assert_int_eq(rl_store_set_kinds(fx_store, unm_array, 1), RL_ERR_PARAM);
  ck_assert_int_eq(rl_store_set_kinds(fx_store, multi0, 1), RL_ERR_PARAM);
  ck_assert_int_eq(rl_store_set_kinds(fx_store, multi256, 1), RL_ERR_PARAM);
  ck_assert_int_eq(rl_store_set_kinds(fx_store, twice, 2), RL_ERR_PARAM);
  ck_assert_int_eq(rl_store_set_kinds(fx_store, bad_model, 1), RL_ERR_PARAM);
  ck_assert_int_eq(rl_store_set_kinds(fx_store, bad_policy, 1), RL_ERR_PARAM);
  /* The table stays as it was. */
  ck_assert_ptr_nonnull(rl_store_find_kind(fx_store, K_ARRAY));

  ck_assert_int_eq(store1(rid, K_SINGLE, 0, fx_single(5000, 60, "kept", ALICE), ALICE, FX_NOW), 0);
  ck_assert_int_eq(store1(rid, K_ARRAY, 0, fx_array(5000, 60, 0, "gone", ALICE), ALICE, FX_NOW), 0);
  ck_assert_int_eq(store1(rid, K_DICT, 0, fx_dict(5000, 60, "k", 1, "gone", ALICE), ALICE, FX_NOW), 0);
  /* A new configuration: K_ARRAY is gone, K_DICT changed its data model. */
  ck_assert_int_eq(rl_store_set_kinds(fx_store, only_single, 2), 0);
  rl_store_get_stats(fx_store, &st);
  ck_assert_uint_eq(st.values, 1);
  specs[0] = fx_spec_single(K_SINGLE, 0);
  specs[1] = fx_spec_single(K_ARRAY, 0);
  ck_assert_int_eq(fx_fetch(rid, FX_NOW, 1, specs), 0);
  ck_assert_str_eq(fx_value(&fkr(0)->values[0]), "kept");
  ck_assert_int_eq(fx_fetch(rid, FX_NOW, 2, specs), RL_ErrorCode_Error_Unknown_Kind);

  memset(&cfg, 0, sizeof cfg);
  cfg.id_len = 15;
  cfg.verify = NULL;
  ck_assert_int_eq(rl_store_new(&cfg, &s), RL_ERR_PARAM);
  ck_assert_ptr_null(s);
}
END_TEST

/* What the decoder cannot catch: a Resource-ID of another length than the
 * overlay's (10.2: 128 bits), a value decoded with another data model than
 * the Kind's. */
START_TEST(malformed_requests) {
  static const uint8_t rid20[20] = {1};
  rl_StoreReq sreq;
  rl_FetchReq freq;
  rl_StatReq treq;
  rl_FindReq dreq;
  rl_StoreAns sans;
  rl_FetchAns fans;
  rl_StatAns tans;
  rl_FindAns dans;
  rl_ErrorResponse err;
  rl_store_input in;
  rl_store_range whole;
  rl_StoredData v = fx_array(5000, 60, 0, "a", ALICE);
  rl_StoreKindData kd;
  memset(&in, 0, sizeof in);
  memset(&sreq, 0, sizeof sreq);
  memset(&freq, 0, sizeof freq);
  memset(&treq, 0, sizeof treq);
  memset(&dreq, 0, sizeof dreq);
  in.now = FX_NOW;
  sreq.resource.ptr = rid20;
  sreq.resource.len = 20;
  ck_assert_int_eq(rl_store_store(fx_store, &sreq, &in, &fx_ans, &sans, &err), RL_ErrorCode_Error_Invalid_Message);
  ck_assert_uint_eq(err.error_code, RL_ErrorCode_Error_Invalid_Message);
  freq.resource = sreq.resource;
  ck_assert_int_eq(rl_store_fetch(fx_store, &freq, FX_NOW, &fx_ans, &fans, &err), RL_ErrorCode_Error_Invalid_Message);
  treq.resource = sreq.resource;
  ck_assert_int_eq(rl_store_stat(fx_store, &treq, FX_NOW, &fx_ans, &tans, &err), RL_ErrorCode_Error_Invalid_Message);
  dreq.resource = sreq.resource;
  whole.after = whole.upto = rid20;
  ck_assert_int_eq(rl_store_find(fx_store, &dreq, &whole, FX_NOW, &fx_ans, &dans, &err),
                   RL_ErrorCode_Error_Invalid_Message);

  fx_roundtrip = 0;
  kd = fx_kd(K_SINGLE, 0, 1, &v);
  ck_assert_int_eq(fx_store_req(fx_rid(ALICE), 0, ALICE, FX_NOW, 1, &kd), RL_ErrorCode_Error_Invalid_Message);
  ck_assert_ptr_nonnull(strstr(fx_err_text(), "single_value"));
  {
    rl_StoredDataSpecifier spec = fx_spec_array(K_SINGLE, 0, 0, NULL);
    ck_assert_int_eq(fx_fetch(fx_rid(ALICE), FX_NOW, 1, &spec), RL_ErrorCode_Error_Invalid_Message);
  }
}
END_TEST

/* An answer that does not fit the caller's arena: RL_ERR_ARENA, nothing
 * half-built; the store is unchanged by a Store that could not answer. */
START_TEST(arena_too_small) {
  static uint64_t small[16];
  static const uint32_t all[] = {0, LAST};
  rl_arena a;
  rl_FetchAns ans;
  rl_FetchReq req;
  rl_ErrorResponse err;
  rl_StoredData eight[8];
  rl_StoreKindData kd;
  for (uint32_t i = 0; i < 8; i++) eight[i] = fx_array(5000, 60, i, "e", ALICE);
  kd = fx_kd(K_ARRAY, 0, 8, eight);
  ck_assert_int_eq(fx_store_req(fx_rid(ALICE), 0, ALICE, FX_NOW, 1, &kd), 0);
  memset(&req, 0, sizeof req);
  req.resource.ptr = fx_rid(ALICE);
  req.resource.len = 16;
  req.specifiers = malloc(sizeof *req.specifiers);
  ck_assert_ptr_nonnull(req.specifiers);
  req.specifiers[0] = fx_spec_array(K_ARRAY, 0, 1, all);
  req.specifiers_count = 1;
  rl_arena_init(&a, small, sizeof small);
  ck_assert_int_eq(rl_store_fetch(fx_store, &req, FX_NOW, &a, &ans, &err), RL_ERR_ARENA);
  ck_assert_uint_eq(ans.kind_responses_count, 0);
  free(req.specifiers);
}
END_TEST

int main(void) {
  Suite *s = suite_create("storage");
  TCase *tc = tcase_create("store");
  tcase_add_checked_fixture(tc, fx_setup, fx_teardown);
  tcase_add_test(tc, single_value_7_2_1);
  tcase_add_test(tc, single_value_nonexistent_7_4_2_2);
  tcase_add_test(tc, array_sparse_7_2_2);
  tcase_add_test(tc, array_append_7_4_1_1);
  tcase_add_test(tc, array_ranges_7_4_2_1);
  tcase_add_test(tc, dictionary_7_2_3);
  tcase_add_test(tc, remove_7_4_1_3);
  tcase_add_test(tc, generation_counter_7_4_1_2);
  tcase_add_test(tc, generation_counter_race_7_4_1_1);
  tcase_add_test(tc, replica_store_7_4_1_1);
  tcase_add_test(tc, storage_time_7);
  tcase_add_test(tc, atomic_7_4_1_1);
  tcase_add_test(tc, unknown_kind_7_4_1_2);
  tcase_add_test(tc, duplicate_kind_7_4_1_1);
  tcase_add_test(tc, kind_limits_7_4_1_2);
  tcase_add_test(tc, budget);
  tcase_add_test(tc, forbidden_7_4_1_1);
  tcase_add_test(tc, policies_in_store_7_3);
  tcase_add_test(tc, lifetime_expiry_7);
  tcase_add_test(tc, fetch_generation_7_4_2_1);
  tcase_add_test(tc, stat_7_4_3);
  tcase_add_test(tc, find_7_4_4);
  tcase_add_test(tc, export_as_replica_7_4_1_1);
  tcase_add_test(tc, export_next_range);
  tcase_add_test(tc, committed_values_10_4);
  tcase_add_test(tc, export_parts_budget);
  tcase_add_test(tc, kind_table_7_4_5);
  tcase_add_test(tc, malformed_requests);
  tcase_add_test(tc, arena_too_small);
  suite_add_tcase(s, tc);
  SRunner *sr = srunner_create(s);
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
