/* fixture.c: see fixture.h. */
#include "fixture.h"

#include <check.h>
#include <string.h>

#include "overlay/hash.h"
#include "runtime/error.h"

const uint8_t fx_node_alice[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
const uint8_t fx_node_bob[16] = {0xb0, 0xb1, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6, 0xb7,
                                 0xb8, 0xb9, 0xba, 0xbb, 0xbc, 0xbd, 0xbe, 0xbf};

#define MAX_SIGNERS 64

typedef struct test_signer {
  char user[64];
  uint8_t node[16];
  uint8_t rid[16];
  rl_bytes node_b;
  rl_signer s;
} test_signer;

static test_signer signers[MAX_SIGNERS];
static int nsigners;

rl_store *fx_store;
rl_arena fx_ans;
rl_StoreAns fx_sans;
rl_FetchAns fx_fans;
rl_StatAns fx_tans;
rl_FindAns fx_dans;
rl_ErrorResponse fx_err;
int fx_verify_calls;
int fx_roundtrip;

static uint64_t ans_mem[1 << 17];    /* 1 MiB */
static uint64_t build_mem[1 << 18];  /* 2 MiB: request structs, reset by fx_setup */
static uint64_t dec_mem[1 << 16];    /* decoded requests and answers */
static rl_arena build;
static rl_arena dec;
static uint8_t wire[1 << 18];
static uint8_t ans_wire[1 << 20];
static rl_params params;
static char err_text[512];
static char value_text[512];

static const uint8_t replica_a[16] = {0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11,
                                      0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11};
static const uint8_t replica_b[16] = {0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22,
                                      0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22};
static rl_NodeId replicas[2];

static const rl_store_kind kinds[] = {
    {K_SINGLE, RL_DataModel_single_value, RL_ACCESS_USER_MATCH, 1, 64, 0, 0},
    {K_ARRAY, RL_DataModel_array, RL_ACCESS_USER_MATCH, 8, 64, 0, 0},
    {K_DICT, RL_DataModel_dictionary, RL_ACCESS_USER_MATCH, 4, 64, 0, 0},
    {K_UNM, RL_DataModel_dictionary, RL_ACCESS_USER_NODE_MATCH, 4, 64, 0, 0},
    {K_NODE, RL_DataModel_single_value, RL_ACCESS_NODE_MATCH, 1, 64, 0, 0},
    {K_MULTI, RL_DataModel_single_value, RL_ACCESS_NODE_MULTIPLE, 1, 64, 3, 0},
    {K_NOFIND, RL_DataModel_single_value, RL_ACCESS_USER_MATCH, 1, 64, 0, 1},
};

/* The verifier the security module will provide: here the signature value
 * is one byte, the signer's number. */
static int fake_verify(void *user, rl_bytes rid, rl_KindId kind, const rl_StoredData *sd,
                       uint64_t now, rl_signer *out) {
  (void)user;
  (void)rid;
  (void)kind;
  (void)now;
  fx_verify_calls++;
  if (sd->signature.signature_value.len != 1) return -1;
  if (sd->signature.signature_value.ptr[0] >= nsigners) return -1;
  *out = signers[sd->signature.signature_value.ptr[0]].s;
  return 0;
}

/* The decoder's data model: the store's, and single_value for a Kind the
 * store does not know (so that such requests decode and reach it). */
static int data_model(const rl_params *p, rl_KindId kind, rl_DataModel *out) {
  const rl_store_kind *k = fx_store ? rl_store_find_kind(fx_store, kind) : NULL;
  (void)p;
  *out = k ? k->data_model : RL_DataModel_single_value;
  return 0;
}

int fx_add_signer(const char *user, const uint8_t node_id[16]) {
  test_signer *t = &signers[nsigners];
  ck_assert_int_lt(nsigners, MAX_SIGNERS);
  memset(t, 0, sizeof *t);
  snprintf(t->user, sizeof t->user, "%s", user);
  memcpy(t->node, node_id, 16);
  ck_assert_int_eq(rl_resource_id((const uint8_t *)t->user, strlen(t->user), 16, t->rid), 0);
  t->node_b.ptr = t->node;
  t->node_b.len = 16;
  t->s.user.ptr = (const uint8_t *)t->user;
  t->s.user.len = strlen(t->user);
  t->s.node_ids = &t->node_b;
  t->s.node_ids_count = 1;
  return nsigners++;
}

const uint8_t *fx_rid(int signer) { return signers[signer].rid; }

void fx_rid_node(int signer, uint8_t out[16]) {
  ck_assert_int_eq(rl_resource_id(signers[signer].node, 16, 16, out), 0);
}

void fx_rid_node_i(int signer, uint8_t i, uint8_t out[16]) {
  uint8_t in[17];
  memcpy(in, signers[signer].node, 16);
  in[16] = i;
  ck_assert_int_eq(rl_resource_id(in, 17, 16, out), 0);
}

void fx_reset_store(size_t budget) {
  rl_store_config cfg;
  rl_store_free(fx_store);
  fx_store = NULL;
  memset(&cfg, 0, sizeof cfg);
  cfg.id_len = 16;
  cfg.budget = budget;
  cfg.kinds = kinds;
  cfg.kinds_count = sizeof kinds / sizeof kinds[0];
  cfg.verify = fake_verify;
  ck_assert_int_eq(rl_store_new(&cfg, &fx_store), 0);
}

void fx_setup(void) {
  nsigners = 0;
  fx_add_signer("alice@example.com", fx_node_alice);
  fx_add_signer("bob@example.com", fx_node_bob);
  rl_arena_init(&fx_ans, ans_mem, sizeof ans_mem);
  rl_arena_init(&build, build_mem, sizeof build_mem);
  rl_arena_init(&dec, dec_mem, sizeof dec_mem);
  rl_params_init(&params);
  params.data_model = data_model;
  replicas[0].ptr = replica_a;
  replicas[0].len = 16;
  replicas[1].ptr = replica_b;
  replicas[1].len = 16;
  fx_verify_calls = 0;
  fx_roundtrip = 1;
  fx_store = NULL;
  fx_reset_store(1u << 20);
}

void fx_teardown(void) {
  fx_committed = NULL;
  rl_store_free(fx_store);
  fx_store = NULL;
}

static rl_StoredData sd_base(uint64_t storage_time, uint32_t lifetime, int signer) {
  rl_StoredData sd;
  uint8_t *sig = rl_arena_alloc(&build, 5);
  ck_assert_ptr_nonnull(sig);
  memset(&sd, 0, sizeof sd);
  sd.storage_time = storage_time;
  sd.lifetime = lifetime;
  sd.signature.algorithm.hash = RL_HashAlgorithm_sha256;
  sd.signature.algorithm.signature = RL_SignatureAlgorithm_rsa;
  sd.signature.identity.identity_type = RL_SignerIdentityType_cert_hash;
  sd.signature.identity.identity.cert_hash.hash_alg = RL_HashAlgorithm_sha256;
  sig[0] = 0xc0;
  sig[1] = 0xff;
  sig[2] = 0xee;
  sig[3] = (uint8_t)signer;
  sig[4] = (uint8_t)signer;
  sd.signature.identity.identity.cert_hash.certificate_hash.ptr = sig;
  sd.signature.identity.identity.cert_hash.certificate_hash.len = 4;
  sd.signature.signature_value.ptr = sig + 4;
  sd.signature.signature_value.len = 1;
  return sd;
}

static void set_value(rl_DataValue *dv, const char *val) {
  dv->exists = val != NULL ? RL_Boolean_true : RL_Boolean_false;
  dv->value.ptr = (const uint8_t *)val;
  dv->value.len = val != NULL ? strlen(val) : 0;
}

rl_StoredData fx_single(uint64_t storage_time, uint32_t lifetime, const char *val, int signer) {
  rl_StoredData sd = sd_base(storage_time, lifetime, signer);
  sd.value.data_model = RL_DataModel_single_value;
  set_value(&sd.value.single_value_entry, val);
  return sd;
}

rl_StoredData fx_array(uint64_t storage_time, uint32_t lifetime, uint32_t index, const char *val,
                       int signer) {
  rl_StoredData sd = sd_base(storage_time, lifetime, signer);
  sd.value.data_model = RL_DataModel_array;
  sd.value.array_entry.index = index;
  set_value(&sd.value.array_entry.value, val);
  return sd;
}

rl_StoredData fx_dict(uint64_t storage_time, uint32_t lifetime, const void *key, size_t key_len,
                      const char *val, int signer) {
  rl_StoredData sd = sd_base(storage_time, lifetime, signer);
  sd.value.data_model = RL_DataModel_dictionary;
  sd.value.dictionary_entry.key.ptr = key;
  sd.value.dictionary_entry.key.len = key_len;
  set_value(&sd.value.dictionary_entry.value, val);
  return sd;
}

rl_StoreKindData fx_kd(rl_KindId kind, uint64_t generation, size_t n, const rl_StoredData *vals) {
  rl_StoreKindData kd;
  memset(&kd, 0, sizeof kd);
  kd.kind = kind;
  kd.generation_counter = generation;
  kd.values = rl_arena_alloc_array(&build, n, sizeof *kd.values);
  ck_assert_ptr_nonnull(kd.values);
  if (n > 0) memcpy(kd.values, vals, n * sizeof *vals);
  kd.values_count = n;
  return kd;
}

static void *copy_list(const void *p, size_t n, size_t size) {
  void *q = rl_arena_alloc_array(&build, n, size);
  ck_assert_ptr_nonnull(q);
  if (n > 0) memcpy(q, p, n * size);
  return q;
}

/* Encode an answer, decode it again, compare. */
#define ROUNDTRIP(T, v)                                                     \
  do {                                                                      \
    rl_writer w_;                                                           \
    rl_ctx ctx_;                                                            \
    T back_;                                                                \
    rl_errinfo ei_;                                                         \
    char msg_[256];                                                         \
    rl_writer_init(&w_, ans_wire, sizeof ans_wire, &ei_);                   \
    ck_assert_msg(T##_encode(&w_, (v)) == 0, "encode " #T ": %s",           \
                  rl_errinfo_format(&ei_, msg_, sizeof msg_));              \
    ck_assert_uint_eq(w_.len, T##_encoded_len(v));                          \
    rl_arena_reset(&dec);                                                   \
    rl_ctx_init(&ctx_, &dec, &params);                                      \
    ck_assert_msg(T##_parse(ans_wire, w_.len, &ctx_, &back_) == 0,          \
                  "decode " #T ": %s",                                      \
                  rl_errinfo_format(&ctx_.err, msg_, sizeof msg_));         \
    ck_assert_msg(T##_equal((v), &back_), #T " changed in the round trip"); \
  } while (0)

static void check_error(int rc, const rl_ErrorResponse *err) {
  rl_writer w;
  rl_ctx ctx;
  rl_errinfo ei;
  char msg[256];
  ck_assert_int_eq(err->error_code, rc);
  rl_writer_init(&w, ans_wire, sizeof ans_wire, &ei);
  ck_assert_msg(rl_ErrorResponse_encode(&w, err) == 0, "encode ErrorResponse: %s",
                rl_errinfo_format(&ei, msg, sizeof msg));
  rl_arena_reset(&dec);
  rl_ctx_init(&ctx, &dec, &params);
  ck_assert_msg(rl_ErrorResponse_parse(ans_wire, w.len, &ctx, &fx_err) == 0,
                "decode ErrorResponse: %s", rl_errinfo_format(&ctx.err, msg, sizeof msg));
  ck_assert(rl_ErrorResponse_equal(err, &fx_err));
}

/* Encode a request and decode it (into `dec`), as the peer receives it. */
#define AS_RECEIVED(T, in, out)                                          \
  do {                                                                   \
    rl_writer w_;                                                        \
    rl_ctx ctx_;                                                         \
    rl_errinfo ei_;                                                      \
    char msg_[256];                                                      \
    rl_writer_init(&w_, wire, sizeof wire, &ei_);                        \
    ck_assert_msg(T##_encode(&w_, (in)) == 0, "encode " #T ": %s",       \
                  rl_errinfo_format(&ei_, msg_, sizeof msg_));           \
    rl_arena_reset(&dec);                                                \
    rl_ctx_init(&ctx_, &dec, &params);                                   \
    ck_assert_msg(T##_parse(wire, w_.len, &ctx_, (out)) == 0,            \
                  "decode " #T ": %s",                                   \
                  rl_errinfo_format(&ctx_.err, msg_, sizeof msg_));      \
  } while (0)

/* Hand a decoded request to the store, then overwrite the request's
 * bytes and check the answer. */
rl_StoreReq *fx_committed;

static int store_decoded(const rl_StoreReq *got, int msg_signer, uint64_t now) {
  rl_store_input in;
  rl_ErrorResponse err;
  int rc;
  memset(&in, 0, sizeof in);
  in.now = now;
  in.message_signer = msg_signer >= 0 ? &signers[msg_signer].s : NULL;
  in.replicas = replicas;
  in.replicas_count = 2;
  in.committed = fx_committed;
  rl_arena_reset(&fx_ans);
  rc = rl_store_store(fx_store, got, &in, &fx_ans, &fx_sans, &err);
  /* The request's buffers are gone once it is processed. */
  memset(wire, 0xa5, sizeof wire);
  rl_arena_reset(&dec);
  memset(dec_mem, 0x5a, sizeof dec_mem);
  if (rc == 0)
    ROUNDTRIP(rl_StoreAns, &fx_sans);
  else if (rc > 0)
    check_error(rc, &err);
  return rc;
}

int fx_store_req(const uint8_t *rid, uint8_t replica, int msg_signer, uint64_t now, size_t nkd,
                 const rl_StoreKindData *kds) {
  rl_StoreReq req, got;
  memset(&req, 0, sizeof req);
  req.resource.ptr = rid;
  req.resource.len = 16;
  req.replica_number = replica;
  req.kind_data = copy_list(kds, nkd, sizeof *kds);
  req.kind_data_count = nkd;
  if (fx_roundtrip) AS_RECEIVED(rl_StoreReq, &req, &got);
  else got = req;
  return store_decoded(&got, msg_signer, now);
}

int fx_store_wire(const uint8_t *buf, size_t len, int msg_signer, uint64_t now) {
  rl_StoreReq got;
  rl_ctx ctx;
  char msg[256];
  ck_assert_uint_le(len, sizeof wire);
  memcpy(wire, buf, len);
  rl_arena_reset(&dec);
  rl_ctx_init(&ctx, &dec, &params);
  ck_assert_msg(rl_StoreReq_parse(wire, len, &ctx, &got) == 0, "decode StoreReq: %s",
                rl_errinfo_format(&ctx.err, msg, sizeof msg));
  return store_decoded(&got, msg_signer, now);
}

size_t fx_encode_store_req(const rl_StoreReq *req, uint8_t *out, size_t cap) {
  rl_writer w;
  rl_writer_init(&w, out, cap, NULL);
  ck_assert_int_eq(rl_StoreReq_encode(&w, req), 0);
  return w.len;
}

size_t fx_encode_fetch_ans(uint8_t *out, size_t cap) {
  rl_writer w;
  rl_writer_init(&w, out, cap, NULL);
  ck_assert_int_eq(rl_FetchAns_encode(&w, &fx_fans), 0);
  return w.len;
}

rl_StoredDataSpecifier fx_spec_single(rl_KindId kind, uint64_t generation) {
  rl_StoredDataSpecifier s;
  memset(&s, 0, sizeof s);
  s.data_model = RL_DataModel_single_value;
  s.kind = kind;
  s.generation = generation;
  return s;
}

rl_StoredDataSpecifier fx_spec_array(rl_KindId kind, uint64_t generation, size_t n,
                                     const uint32_t *first_last) {
  rl_StoredDataSpecifier s = fx_spec_single(kind, generation);
  s.data_model = RL_DataModel_array;
  s.indices = rl_arena_alloc_array(&build, n, sizeof *s.indices);
  ck_assert_ptr_nonnull(s.indices);
  for (size_t i = 0; i < n; i++) {
    memset(&s.indices[i], 0, sizeof s.indices[i]);
    s.indices[i].first = first_last[2 * i];
    s.indices[i].last = first_last[2 * i + 1];
  }
  s.indices_count = n;
  return s;
}

rl_StoredDataSpecifier fx_spec_dict(rl_KindId kind, uint64_t generation, size_t n,
                                    const char *const *keys) {
  rl_StoredDataSpecifier s = fx_spec_single(kind, generation);
  s.data_model = RL_DataModel_dictionary;
  s.keys = rl_arena_alloc_array(&build, n, sizeof *s.keys);
  ck_assert_ptr_nonnull(s.keys);
  for (size_t i = 0; i < n; i++) {
    s.keys[i].ptr = (const uint8_t *)keys[i];
    s.keys[i].len = strlen(keys[i]);
  }
  s.keys_count = n;
  return s;
}

int fx_fetch(const uint8_t *rid, uint64_t now, size_t n, const rl_StoredDataSpecifier *specs) {
  rl_FetchReq req, got;
  rl_ErrorResponse err;
  int rc;
  memset(&req, 0, sizeof req);
  req.resource.ptr = rid;
  req.resource.len = 16;
  req.specifiers = copy_list(specs, n, sizeof *specs);
  req.specifiers_count = n;
  if (fx_roundtrip) AS_RECEIVED(rl_FetchReq, &req, &got);
  else got = req;
  rl_arena_reset(&fx_ans);
  rc = rl_store_fetch(fx_store, &got, now, &fx_ans, &fx_fans, &err);
  if (rc == 0)
    ROUNDTRIP(rl_FetchAns, &fx_fans);
  else if (rc > 0)
    check_error(rc, &err);
  return rc;
}

int fx_stat(const uint8_t *rid, uint64_t now, size_t n, const rl_StoredDataSpecifier *specs) {
  rl_StatReq req, got;
  rl_ErrorResponse err;
  int rc;
  memset(&req, 0, sizeof req);
  req.resource.ptr = rid;
  req.resource.len = 16;
  req.specifiers = copy_list(specs, n, sizeof *specs);
  req.specifiers_count = n;
  if (fx_roundtrip) AS_RECEIVED(rl_StatReq, &req, &got);
  else got = req;
  rl_arena_reset(&fx_ans);
  rc = rl_store_stat(fx_store, &got, now, &fx_ans, &fx_tans, &err);
  if (rc == 0)
    ROUNDTRIP(rl_StatAns, &fx_tans);
  else if (rc > 0)
    check_error(rc, &err);
  return rc;
}

int fx_find(const uint8_t *rid, const rl_store_range *resp, uint64_t now, size_t n,
            const rl_KindId *kinds_) {
  rl_FindReq req, got;
  rl_ErrorResponse err;
  int rc;
  memset(&req, 0, sizeof req);
  req.resource.ptr = rid;
  req.resource.len = 16;
  req.kinds = copy_list(kinds_, n, sizeof *kinds_);
  req.kinds_count = n;
  if (fx_roundtrip) AS_RECEIVED(rl_FindReq, &req, &got);
  else got = req;
  rl_arena_reset(&fx_ans);
  rc = rl_store_find(fx_store, &got, resp, now, &fx_ans, &fx_dans, &err);
  if (rc == 0)
    ROUNDTRIP(rl_FindAns, &fx_dans);
  else if (rc > 0)
    check_error(rc, &err);
  return rc;
}

const char *fx_err_text(void) {
  size_t n = fx_err.error_info.unknown.len;
  if (n >= sizeof err_text) n = sizeof err_text - 1;
  if (n > 0) memcpy(err_text, fx_err.error_info.unknown.ptr, n);
  err_text[n] = '\0';
  return err_text;
}

const char *fx_value(const rl_StoredData *sd) {
  const rl_DataValue *dv = sd->value.data_model == RL_DataModel_single_value ? &sd->value.single_value_entry
                           : sd->value.data_model == RL_DataModel_array     ? &sd->value.array_entry.value
                                                                            : &sd->value.dictionary_entry.value;
  size_t n = dv->value.len < sizeof value_text - 1 ? dv->value.len : sizeof value_text - 1;
  if (n > 0) memcpy(value_text, dv->value.ptr, n);
  value_text[n] = '\0';
  return value_text;
}
