/* sign_test.c: message signatures (RFC 6940 6.3.4) and stored-data
 * signatures (7.1): round trips through the wire format, the exact
 * signature input, every byte that must be covered, wrong certificates,
 * the two SignerIdentity forms, and refused algorithms. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "gen/reload_codec.h"
#include "runtime/arena.h"
#include "runtime/ctx.h"
#include "runtime/error.h"
#include "runtime/writer.h"
#include "security/credentials.h"
#include "security/sign.h"
#include "testkeys.h"

static rl_cert *ca, *cert1, *cert2, *cert3multi;
static rl_credentials *cred1, *cred2, *cred3;
static uint8_t id1[RL_NODE_ID_MAX], id2[RL_NODE_ID_MAX], ids3[3][RL_NODE_ID_MAX];

/* A ping request (the shape of src/codec/testdata/vectors/ping_req.vec),
 * with an empty security block to be filled. */
static const char ping_json[] =
    "{\"forwarding_header\": {\"relo_token\": 3527756879, \"overlay\": 2403082663,"
    " \"configuration_sequence\": 3, \"version\": 10, \"ttl\": 100, \"fragment\": 3221225472,"
    " \"length\": 0, \"transaction_id\": \"5700030741938026710\", \"max_response_length\": 4096,"
    " \"via_list_length\": 0, \"destination_list_length\": 18, \"options_length\": 0,"
    " \"via_list\": [], \"destination_list\": [{\"type\": \"node\", \"length\": 16,"
    " \"destination_data\": {\"node_id\": \"c1075e92aa3b40f619d28c75e04b269d\"}}], \"options\": []},"
    " \"message_contents\": {\"message_code\": \"ping_req\", \"message_body\": {\"ping_req\":"
    " {\"padding\": \"0102030405\"}}, \"extensions\": []},"
    " \"security_block\": {\"certificates\": [], \"signature\": {\"algorithm\": {\"hash\": \"none\","
    " \"signature\": \"anonymous\"}, \"identity\": {\"identity_type\": \"none\", \"length\": 0,"
    " \"identity\": {}}, \"signature_value\": \"\"}}}";

static void setup(void) {
  rl_sec_error e = {0, ""};
  ca = test_ca();
  test_node_id(0x11, id1);
  test_node_id(0x22, id2);
  for (int i = 0; i < 3; i++) test_node_id((uint8_t)(0x31 + i), ids3[i]);
  cert1 = test_issue(ca, 1, "alice@" TEST_OVERLAY, (const uint8_t (*)[RL_NODE_ID_MAX])&id1, 1);
  cert2 = test_issue(ca, 2, "bob@" TEST_OVERLAY, (const uint8_t (*)[RL_NODE_ID_MAX])&id2, 1);
  cert3multi = test_issue(ca, 3, "carol@" TEST_OVERLAY, (const uint8_t (*)[RL_NODE_ID_MAX])ids3, 3);
  /* Outside a test case: Check's assertions cannot report here. */
  if (rl_credentials_new(test_key[1], cert1, NULL, 0, &cred1, &e) != 0 ||
      rl_credentials_new(test_key[2], cert2, NULL, 0, &cred2, &e) != 0 ||
      rl_credentials_new(test_key[3], cert3multi, ids3[1], 16, &cred3, &e) != 0) {
    fprintf(stderr, "sign_test setup: %s\n", e.text);
    exit(EXIT_FAILURE);
  }
}

/* A decoded message: the ping request signed by c, with c's certificate
 * in the security block, encoded and decoded again. wire/len hold the
 * encoding (for byte flips). */
typedef struct signed_msg {
  uint8_t wire[4096];
  size_t len;
  uint8_t mem[16384];
  rl_arena arena;
  rl_params params;
  rl_ctx ctx;
  rl_Message m;
} signed_msg;

static void make_signed(const rl_credentials *c, signed_msg *s) {
  uint8_t contents[512], sigbuf[512], mem[16384];
  rl_arena arena;
  rl_ctx ctx;
  rl_params params;
  rl_Message m;
  rl_GenericCertificate gc;
  rl_writer w;
  rl_sec_error e = {0, ""};
  json_error_t jerr;
  json_t *j = json_loads(ping_json, 0, &jerr);
  ck_assert_msg(j != NULL, "%s", jerr.text);
  rl_params_init(&params);
  rl_arena_init(&arena, mem, sizeof mem);
  rl_ctx_init(&ctx, &arena, &params);
  ck_assert_int_eq(rl_Message_from_json(j, &ctx, &m), 0);
  json_decref(j);
  rl_writer_init(&w, contents, sizeof contents, NULL);
  ck_assert_int_eq(rl_MessageContents_encode(&w, &m.message_contents), 0);
  ck_assert_msg(rl_sign_message(c, m.forwarding_header.overlay, m.forwarding_header.transaction_id,
                                contents, w.len, sigbuf, sizeof sigbuf,
                                &m.security_block.signature, &e) == 0, "%s", e.text);
  ck_assert_uint_eq(m.security_block.signature.signature_value.len, 256); /* RSA-2048 */
  memset(&gc, 0, sizeof gc);
  gc.type = RL_CertificateType_X509;
  gc.certificate.ptr = c->cert->der;
  gc.certificate.len = c->cert->der_len;
  m.security_block.certificates = &gc;
  m.security_block.certificates_count = 1;
  rl_writer_init(&w, s->wire, sizeof s->wire, NULL);
  ck_assert_int_eq(rl_Message_encode(&w, &m), 0);
  s->len = w.len;
  rl_params_init(&s->params);
  rl_arena_init(&s->arena, s->mem, sizeof s->mem);
  rl_ctx_init(&s->ctx, &s->arena, &s->params);
  ck_assert_int_eq(rl_Message_parse(s->wire, s->len, &s->ctx, &s->m), 0);
}

static int verify_wire(const uint8_t *wire, size_t len, const rl_cert_set *extra, rl_sec_error *e) {
  uint8_t mem[16384];
  rl_arena arena;
  rl_params params;
  rl_ctx ctx;
  rl_Message m;
  rl_cert_set set;
  int r;
  rl_params_init(&params);
  rl_arena_init(&arena, mem, sizeof mem);
  rl_ctx_init(&ctx, &arena, &params);
  if (rl_Message_parse(wire, len, &ctx, &m) != 0) return 1; /* not a message any more */
  rl_cert_set_init(&set);
  for (size_t i = 0; extra && i < extra->n; i++) rl_cert_set_add(&set, extra->v[i]);
  r = rl_cert_set_add_security_block(&set, &m.security_block, e);
  if (r == 0) r = rl_verify_message(&m, &set, NULL, e);
  rl_cert_set_clear(&set);
  return r;
}

START_TEST(message_round_trip) {
  signed_msg *s = malloc(sizeof *s);
  rl_cert_set set;
  rl_signer_info who;
  rl_sec_error e = {0, ""};
  make_signed(cred1, s);
  ck_assert_uint_eq(s->m.security_block.signature.algorithm.hash, RL_HashAlgorithm_sha256);
  ck_assert_uint_eq(s->m.security_block.signature.algorithm.signature, RL_SignatureAlgorithm_rsa);
  ck_assert_uint_eq(s->m.security_block.signature.identity.identity_type, RL_SignerIdentityType_cert_hash);
  rl_cert_set_init(&set);
  ck_assert_int_eq(rl_cert_set_add_security_block(&set, &s->m.security_block, &e), 0);
  ck_assert_uint_eq(set.n, 1);
  {
    /* The same certificates again: found by their bytes, not added, not
     * parsed; bytes that are not a certificate still fail. */
    rl_cert *first = set.v[0];
    uint8_t junk[40];
    ck_assert_int_eq(rl_cert_set_add_security_block(&set, &s->m.security_block, &e), 0);
    ck_assert_uint_eq(set.n, 1);
    ck_assert_ptr_eq(set.v[0], first);
    memcpy(junk, first->der, sizeof junk);
    ck_assert_int_eq(rl_cert_set_add_der(&set, junk, sizeof junk, &e), RL_SEC_ERR_CERT_PARSE);
    ck_assert_uint_eq(set.n, 1);
    e.code = 0;
    e.text[0] = 0;
  }
  ck_assert_msg(rl_verify_message(&s->m, &set, &who, &e) == 0, "%s", e.text);
  ck_assert_str_eq(who.cert->user, "alice@" TEST_OVERLAY);
  ck_assert_uint_eq(who.node_id_len, 16);
  ck_assert_mem_eq(who.node_id, id1, 16);
  rl_cert_set_clear(&set);
  free(s);
}
END_TEST

/* 6.3.4: the signature covers overlay || transaction_id ||
 * MessageContents || SignerIdentity. Checked independently of sign.c:
 * OpenSSL verifies the signature over that concatenation. */
START_TEST(message_signature_input_is_as_specified) {
  signed_msg *s = malloc(sizeof *s);
  const rl_Signature *sig;
  uint8_t input[4096];
  size_t n = 0;
  EVP_MD_CTX *md = EVP_MD_CTX_new();
  make_signed(cred1, s);
  sig = &s->m.security_block.signature;
  input[n++] = (uint8_t)(s->m.forwarding_header.overlay >> 24);
  input[n++] = (uint8_t)(s->m.forwarding_header.overlay >> 16);
  input[n++] = (uint8_t)(s->m.forwarding_header.overlay >> 8);
  input[n++] = (uint8_t)s->m.forwarding_header.overlay;
  for (int i = 7; i >= 0; i--) input[n++] = (uint8_t)(s->m.forwarding_header.transaction_id >> (8 * i));
  memcpy(input + n, s->m.message_contents.raw.ptr, s->m.message_contents.raw.len);
  n += s->m.message_contents.raw.len;
  /* SignerIdentity: type cert_hash(1), length 34, sha256(4), 32, hash */
  ck_assert_uint_eq(sig->identity.raw.len, 37);
  ck_assert_uint_eq(sig->identity.raw.ptr[0], 1);
  ck_assert_uint_eq(sig->identity.raw.ptr[2], 34);
  ck_assert_uint_eq(sig->identity.raw.ptr[3], 4);
  memcpy(input + n, sig->identity.raw.ptr, sig->identity.raw.len);
  n += sig->identity.raw.len;
  ck_assert_int_eq(EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, rl_cert_public_key(cert1)), 1);
  ck_assert_int_eq(EVP_DigestVerify(md, sig->signature_value.ptr, sig->signature_value.len, input, n), 1);
  EVP_MD_CTX_free(md);
  free(s);
}
END_TEST

/* Flip one bit in every byte of the message: where the byte is covered
 * by the signature (overlay, transaction_id, MessageContents, the
 * SecurityBlock), the message must no longer verify; the forwarding
 * header's other fields (TTL, via lists...) change in transit and are not
 * signed. */
START_TEST(every_covered_byte_is_protected) {
  signed_msg *s = malloc(sizeof *s);
  uint8_t *copy = malloc(4096);
  size_t hdr_len, covered_fail = 0, uncovered_ok = 0;
  rl_sec_error e = {0, ""};
  make_signed(cred1, s);
  hdr_len = s->m.forwarding_header.raw.len;
  ck_assert_int_eq(verify_wire(s->wire, s->len, NULL, &e), 0);
  for (size_t i = 0; i < s->len; i++) {
    int covered = (i >= 4 && i < 8) || (i >= 16 && i < 24) || i >= hdr_len;
    int r;
    memcpy(copy, s->wire, s->len);
    copy[i] ^= 0x01;
    e.code = 0;
    r = verify_wire(copy, s->len, NULL, &e);
    if (covered) {
      ck_assert_msg(r != 0, "flipping byte %zu (covered) still verifies", i);
      covered_fail++;
    } else if (r == 0) {
      uncovered_ok++;
    }
  }
  ck_assert_uint_eq(covered_fail, s->len - hdr_len + 12);
  /* ttl, configuration_sequence, max_response_length, ... verify still */
  ck_assert_uint_ge(uncovered_ok, 8);
  free(copy);
  free(s);
}
END_TEST

START_TEST(wrong_certificate_fails) {
  signed_msg *s = malloc(sizeof *s);
  rl_cert_set set;
  rl_Signature forged;
  rl_sec_error e = {0, ""};
  make_signed(cred1, s);
  /* Only bob's certificate: alice's cert_hash names nobody. */
  rl_cert_set_init(&set);
  rl_cert_set_add(&set, cert2);
  ck_assert_int_eq(rl_verify_message(&s->m, &set, NULL, &e), RL_SEC_ERR_UNKNOWN_SIGNER);
  ck_assert_msg(strstr(e.text, "cert_hash"), "%s", e.text);
  /* alice's signature presented as bob's: bob's key does not verify it. */
  forged = s->m.security_block.signature;
  rl_credentials_signer_identity(cred2, &forged.identity);
  e.code = 0;
  ck_assert_int_eq(rl_verify_message_parts(s->m.forwarding_header.overlay,
                                           s->m.forwarding_header.transaction_id,
                                           s->m.message_contents.raw.ptr,
                                           s->m.message_contents.raw.len, &forged, &set, NULL, &e),
                   RL_SEC_ERR_SIGNATURE);
  ck_assert_msg(strstr(e.text, "bob@" TEST_OVERLAY), "%s", e.text);
  rl_cert_set_clear(&set);
  free(s);
}
END_TEST

/* 6.3.4: a certificate with several Node-IDs signs with
 * cert_hash_node_id = H(NodeId || certificate). */
START_TEST(cert_hash_node_id_as_specified) {
  uint8_t buf[4096], want[EVP_MAX_MD_SIZE];
  unsigned int wlen = 0;
  signed_msg *s = malloc(sizeof *s);
  rl_cert_set set;
  rl_signer_info who;
  rl_SignerIdentity id;
  rl_sec_error e = {0, ""};
  ck_assert_uint_eq(cred3->identity_type, RL_SignerIdentityType_cert_hash_node_id);
  memcpy(buf, ids3[1], 16);
  memcpy(buf + 16, cert3multi->der, cert3multi->der_len);
  ck_assert_int_eq(EVP_Digest(buf, 16 + cert3multi->der_len, want, &wlen, EVP_sha256(), NULL), 1);
  rl_credentials_signer_identity(cred3, &id);
  ck_assert_uint_eq(id.identity.cert_hash_node_id.hash_alg, RL_HashAlgorithm_sha256);
  ck_assert_uint_eq(id.identity.cert_hash_node_id.certificate_node_id_hash.len, wlen);
  ck_assert_mem_eq(id.identity.cert_hash_node_id.certificate_node_id_hash.ptr, want, wlen);
  /* And cert_hash (one Node-ID) is H(certificate). */
  ck_assert_int_eq(EVP_Digest(cert1->der, cert1->der_len, want, &wlen, EVP_sha256(), NULL), 1);
  ck_assert_mem_eq(cred1->identity_hash, want, wlen);
  /* The verifier finds which Node-ID signed. */
  make_signed(cred3, s);
  rl_cert_set_init(&set);
  rl_cert_set_add(&set, cert1);
  ck_assert_int_eq(rl_cert_set_add_security_block(&set, &s->m.security_block, &e), 0);
  ck_assert_msg(rl_verify_message(&s->m, &set, &who, &e) == 0, "%s", e.text);
  ck_assert_ptr_eq(who.cert, set.v[1]);
  ck_assert_mem_eq(who.node_id, ids3[1], 16);
  rl_cert_set_clear(&set);
  free(s);
}
END_TEST

/* cert_hash naming a certificate with several Node-IDs is refused (6.3.4
 * requires cert_hash_node_id there): the signer's Node-ID is ambiguous. */
START_TEST(cert_hash_of_multi_node_certificate_refused) {
  rl_credentials *c = NULL;
  signed_msg *s = malloc(sizeof *s);
  rl_cert_set set;
  rl_sec_error e = {0, ""};
  unsigned int n = 0;
  ck_assert_int_eq(rl_credentials_new(test_key[3], cert3multi, NULL, 0, &c, &e), 0);
  c->identity_type = RL_SignerIdentityType_cert_hash;
  ck_assert_int_eq(EVP_Digest(cert3multi->der, cert3multi->der_len, c->identity_hash, &n,
                              EVP_sha256(), NULL), 1);
  make_signed(c, s);
  rl_cert_set_init(&set);
  ck_assert_int_eq(rl_cert_set_add_security_block(&set, &s->m.security_block, &e), 0);
  ck_assert_int_eq(rl_verify_message(&s->m, &set, NULL, &e), RL_SEC_ERR_UNKNOWN_SIGNER);
  ck_assert_msg(strstr(e.text, "requires cert_hash_node_id"), "%s", e.text);
  rl_cert_set_clear(&set);
  rl_credentials_free(c);
  free(s);
}
END_TEST

START_TEST(unsupported_algorithms_refused) {
  signed_msg *s = malloc(sizeof *s);
  rl_cert_set set;
  rl_Signature sig;
  rl_sec_error e = {0, ""};
  const uint8_t *mc;
  size_t mclen;
  uint32_t ov;
  uint64_t tx;
  make_signed(cred1, s);
  mc = s->m.message_contents.raw.ptr;
  mclen = s->m.message_contents.raw.len;
  ov = s->m.forwarding_header.overlay;
  tx = s->m.forwarding_header.transaction_id;
  rl_cert_set_init(&set);
  rl_cert_set_add(&set, cert1);
  sig = s->m.security_block.signature;
  sig.algorithm.hash = RL_HashAlgorithm_md5;
  ck_assert_int_eq(rl_verify_message_parts(ov, tx, mc, mclen, &sig, &set, NULL, &e), RL_SEC_ERR_ALGORITHM);
  sig = s->m.security_block.signature;
  sig.algorithm.signature = RL_SignatureAlgorithm_ecdsa; /* the key is RSA */
  e.code = 0;
  ck_assert_int_eq(rl_verify_message_parts(ov, tx, mc, mclen, &sig, &set, NULL, &e), RL_SEC_ERR_ALGORITHM);
  ck_assert_msg(strstr(e.text, "does not match the key"), "%s", e.text);
  sig = s->m.security_block.signature;
  sig.identity.identity_type = RL_SignerIdentityType_none;
  sig.identity.raw.len = 0;
  e.code = 0;
  ck_assert_int_eq(rl_verify_message_parts(ov, tx, mc, mclen, &sig, &set, NULL, &e), RL_SEC_ERR_ALGORITHM);
  sig = s->m.security_block.signature;
  sig.identity.identity.cert_hash.hash_alg = RL_HashAlgorithm_none;
  sig.identity.raw.len = 0;
  e.code = 0;
  ck_assert_int_eq(rl_verify_message_parts(ov, tx, mc, mclen, &sig, &set, NULL, &e), RL_SEC_ERR_ALGORITHM);
  /* The message as decoded still verifies. */
  e.code = 0;
  ck_assert_int_eq(rl_verify_message(&s->m, &set, NULL, &e), 0);
  rl_cert_set_clear(&set);
  free(s);
}
END_TEST

START_TEST(credentials_checks) {
  rl_credentials *c = NULL;
  rl_sec_error e = {0, ""};
  uint8_t other[RL_NODE_ID_MAX];
  ck_assert_int_eq(rl_credentials_new(test_key[2], cert1, NULL, 0, &c, &e), RL_SEC_ERR_KEY);
  ck_assert_ptr_null(c);
  test_node_id(0x99, other);
  e.code = 0;
  ck_assert_int_eq(rl_credentials_new(test_key[1], cert1, other, 16, &c, &e), RL_SEC_ERR_NODE_ID);
  ck_assert_msg(strstr(e.text, "99999999999999999999999999999999") &&
                strstr(e.text, "11111111111111111111111111111111"), "%s", e.text);
  e.code = 0;
  ck_assert_int_eq(rl_credentials_new(test_key[0], ca, NULL, 0, &c, &e), RL_SEC_ERR_IDENTITY);
  ck_assert_uint_eq(rl_credentials_signature_size(cred1), 256);
  ck_assert_mem_eq(cred3->node_id, ids3[1], 16);
}
END_TEST

START_TEST(signature_buffer_too_small) {
  uint8_t sigbuf[100];
  rl_Signature sig;
  rl_sec_error e = {0, ""};
  ck_assert_int_eq(rl_sign_message(cred1, 1, 2, (const uint8_t *)"x", 1, sigbuf, sizeof sigbuf, &sig, &e),
                   RL_ERR_BUFFER);
}
END_TEST

/* ECDSA keys sign as ecdsa(3) with SHA-256. */
START_TEST(ecdsa_round_trip) {
  EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
  uint8_t id[RL_NODE_ID_MAX], sigbuf[256];
  rl_cert *c = NULL;
  rl_credentials *cr = NULL;
  rl_issue_params p;
  rl_Signature sig;
  rl_cert_set set;
  rl_sec_error e = {0, ""};
  ck_assert_ptr_nonnull(k);
  test_node_id(0x44, id);
  memset(&p, 0, sizeof p);
  p.overlay = TEST_OVERLAY;
  p.user = "dave@" TEST_OVERLAY;
  p.node_ids = (const uint8_t (*)[RL_NODE_ID_MAX])&id;
  p.n_node_ids = 1;
  p.node_id_len = 16;
  ck_assert_int_eq(rl_ca_issue(test_key[0], ca, k, &p, &c, &e), 0);
  ck_assert_int_eq(rl_credentials_new(k, c, NULL, 0, &cr, &e), 0);
  ck_assert_int_eq(rl_sign_message(cr, 7, 8, (const uint8_t *)"contents", 8, sigbuf, sizeof sigbuf, &sig, &e), 0);
  ck_assert_uint_eq(sig.algorithm.signature, RL_SignatureAlgorithm_ecdsa);
  rl_cert_set_init(&set);
  rl_cert_set_add(&set, c);
  ck_assert_int_eq(rl_verify_message_parts(7, 8, (const uint8_t *)"contents", 8, &sig, &set, NULL, &e), 0);
  ck_assert_int_eq(rl_verify_message_parts(7, 9, (const uint8_t *)"contents", 8, &sig, &set, NULL, &e),
                   RL_SEC_ERR_SIGNATURE);
  rl_cert_set_clear(&set);
  rl_credentials_free(cr);
  rl_cert_free(c);
  EVP_PKEY_free(k);
}
END_TEST

/* ---------------------------------------------------------------------
 * Stored data (7.1)
 * --------------------------------------------------------------------- */

static const uint8_t rid[16] = {0x6b, 0x2e, 0x91, 0xd4, 0x07, 0xf3, 0x5c, 0xa8,
                                0x3e, 0x12, 0xb9, 0x64, 0xd0, 0x8f, 0x27, 0xc5};
#define KIND_SINGLE 0xf0000001u

static void make_stored(rl_StoredData *sd, uint8_t *sigbuf) {
  rl_sec_error e = {0, ""};
  memset(sd, 0, sizeof *sd);
  sd->storage_time = 1702404717344ull;
  sd->lifetime = 86400;
  sd->value.data_model = RL_DataModel_single_value;
  sd->value.single_value_entry.exists = RL_Boolean_true;
  sd->value.single_value_entry.value.ptr = (const uint8_t *)"abc";
  sd->value.single_value_entry.value.len = 3;
  ck_assert_msg(rl_sign_stored_data(cred1, rid, sizeof rid, KIND_SINGLE, sd, sigbuf, 512, &e) == 0,
                "%s", e.text);
}

START_TEST(stored_data_round_trip_and_coverage) {
  uint8_t sigbuf[512];
  rl_StoredData sd, t;
  rl_cert_set set;
  rl_signer_info who;
  rl_sec_error e = {0, ""};
  uint8_t other_rid[16];
  make_stored(&sd, sigbuf);
  rl_cert_set_init(&set);
  rl_cert_set_add(&set, cert1);
  ck_assert_int_eq(rl_verify_stored_data(rid, sizeof rid, KIND_SINGLE, &sd, &set, &who, &e), 0);
  ck_assert_mem_eq(who.node_id, id1, 16);
  /* Every part of resource_id || kind || storage_time || StoredDataValue
   * is covered; lifetime is not in the 7.1 input. */
  ck_assert_int_eq(rl_verify_stored_data(rid, sizeof rid, KIND_SINGLE + 1, &sd, &set, NULL, &e),
                   RL_SEC_ERR_SIGNATURE);
  memcpy(other_rid, rid, 16);
  other_rid[15] ^= 1;
  ck_assert_int_eq(rl_verify_stored_data(other_rid, 16, KIND_SINGLE, &sd, &set, NULL, &e),
                   RL_SEC_ERR_SIGNATURE);
  ck_assert_int_eq(rl_verify_stored_data(rid, 15, KIND_SINGLE, &sd, &set, NULL, &e),
                   RL_SEC_ERR_SIGNATURE);
  t = sd;
  t.storage_time++;
  ck_assert_int_eq(rl_verify_stored_data(rid, 16, KIND_SINGLE, &t, &set, NULL, &e), RL_SEC_ERR_SIGNATURE);
  t = sd;
  t.value.single_value_entry.value.ptr = (const uint8_t *)"abd";
  ck_assert_int_eq(rl_verify_stored_data(rid, 16, KIND_SINGLE, &t, &set, NULL, &e), RL_SEC_ERR_SIGNATURE);
  t = sd;
  t.value.single_value_entry.exists = RL_Boolean_false;
  ck_assert_int_eq(rl_verify_stored_data(rid, 16, KIND_SINGLE, &t, &set, NULL, &e), RL_SEC_ERR_SIGNATURE);
  t = sd;
  t.lifetime = 1;
  ck_assert_int_eq(rl_verify_stored_data(rid, 16, KIND_SINGLE, &t, &set, NULL, &e), 0);
  /* Only bob known: nobody signed. */
  rl_cert_set_clear(&set);
  rl_cert_set_add(&set, cert2);
  ck_assert_int_eq(rl_verify_stored_data(rid, 16, KIND_SINGLE, &sd, &set, NULL, &e),
                   RL_SEC_ERR_UNKNOWN_SIGNER);
  rl_cert_set_clear(&set);
}
END_TEST

/* 7.4.2.2: only exists False with identity none, {0, 0} and an empty
 * signature value is a synthetic nonexistent value; a removed value
 * (exists False, signed) and an unsigned value that exists are not. */
START_TEST(synthetic_nonexistent_value) {
  uint8_t sigbuf[512];
  rl_StoredData sd, t;
  make_stored(&sd, sigbuf);
  ck_assert_int_eq(rl_stored_data_is_synthetic(&sd), 0);
  memset(&t, 0, sizeof t);
  t.value.data_model = RL_DataModel_dictionary;
  t.signature.algorithm.hash = RL_HashAlgorithm_none;
  t.signature.algorithm.signature = RL_SignatureAlgorithm_anonymous;
  t.signature.identity.identity_type = RL_SignerIdentityType_none;
  ck_assert_int_eq(rl_stored_data_is_synthetic(&t), 1);
  t.value.data_model = RL_DataModel_array;
  ck_assert_int_eq(rl_stored_data_is_synthetic(&t), 1);
  t.value.data_model = RL_DataModel_single_value;
  ck_assert_int_eq(rl_stored_data_is_synthetic(&t), 1);
  t.value.single_value_entry.exists = RL_Boolean_true;
  ck_assert_int_eq(rl_stored_data_is_synthetic(&t), 0);
  t.value.single_value_entry.exists = RL_Boolean_false;
  t.signature.signature_value.ptr = sigbuf;
  t.signature.signature_value.len = 1;
  ck_assert_int_eq(rl_stored_data_is_synthetic(&t), 0);
  t.signature.signature_value.len = 0;
  t.signature.algorithm.hash = RL_HashAlgorithm_sha256;
  ck_assert_int_eq(rl_stored_data_is_synthetic(&t), 0);
  t.signature.algorithm.hash = RL_HashAlgorithm_none;
  t.signature.identity.identity_type = RL_SignerIdentityType_cert_hash;
  ck_assert_int_eq(rl_stored_data_is_synthetic(&t), 0);
  /* A removed value keeps its owner's signature (7.4.1.3). */
  t = sd;
  t.value.single_value_entry.exists = RL_Boolean_false;
  ck_assert_int_eq(rl_stored_data_is_synthetic(&t), 0);
  /* An unknown data model has no DataValue. */
  memset(&t, 0, sizeof t);
  t.value.data_model = (rl_DataModel)77;
  t.signature.identity.identity_type = RL_SignerIdentityType_none;
  ck_assert_int_eq(rl_stored_data_is_synthetic(&t), 0);
}
END_TEST

/* The 7.1 input, built by hand: ResourceId (length byte + bytes), KindId,
 * storage_time, the encoded StoredDataValue, the encoded SignerIdentity. */
START_TEST(stored_data_signature_input_is_as_specified) {
  static const uint8_t value_enc[] = {0x01, 0x00, 0x00, 0x00, 0x03, 'a', 'b', 'c'};
  uint8_t sigbuf[512], input[512];
  size_t n = 0;
  rl_StoredData sd;
  uint8_t idbuf[64];
  rl_writer w;
  EVP_MD_CTX *md = EVP_MD_CTX_new();
  make_stored(&sd, sigbuf);
  input[n++] = 16;
  memcpy(input + n, rid, 16);
  n += 16;
  input[n++] = 0xf0;
  input[n++] = 0x00;
  input[n++] = 0x00;
  input[n++] = 0x01;
  for (int i = 7; i >= 0; i--) input[n++] = (uint8_t)(1702404717344ull >> (8 * i));
  memcpy(input + n, value_enc, sizeof value_enc);
  n += sizeof value_enc;
  rl_writer_init(&w, idbuf, sizeof idbuf, NULL);
  ck_assert_int_eq(rl_SignerIdentity_encode(&w, &sd.signature.identity), 0);
  memcpy(input + n, idbuf, w.len);
  n += w.len;
  ck_assert_int_eq(EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, rl_cert_public_key(cert1)), 1);
  ck_assert_int_eq(EVP_DigestVerify(md, sd.signature.signature_value.ptr,
                                    sd.signature.signature_value.len, input, n), 1);
  EVP_MD_CTX_free(md);
}
END_TEST

/* Through the wire: a StoredData encoded, decoded with its Kind's data
 * model, verified from the decoder's raw bytes. */
START_TEST(stored_data_verifies_after_decode) {
  uint8_t sigbuf[512], wire[1024], mem[8192];
  rl_StoredData sd, back;
  rl_writer w;
  rl_params params;
  rl_arena arena;
  rl_ctx ctx;
  rl_cert_set set;
  rl_sec_error e = {0, ""};
  make_stored(&sd, sigbuf);
  rl_writer_init(&w, wire, sizeof wire, NULL);
  ck_assert_int_eq(rl_StoredData_encode(&w, &sd), 0);
  rl_params_init(&params);
  rl_arena_init(&arena, mem, sizeof mem);
  rl_ctx_init(&ctx, &arena, &params);
  /* The data model comes from the enclosing Kind (slot 0 is the KindId
   * of data_model(KindId), as in fuzz/fuzz_stored_data.c): TURN-SERVICE
   * (2) is a single-value Kind of rl_kinds[]. */
  ctx.key[0] = 2;
  ctx.have_key[0] = 1;
  ck_assert_int_eq(rl_StoredData_parse(wire, w.len, &ctx, &back), 0);
  ck_assert_uint_gt(back.value.raw.len, 0);
  ck_assert_uint_gt(back.signature.identity.raw.len, 0);
  rl_cert_set_init(&set);
  rl_cert_set_add(&set, cert1);
  ck_assert_msg(rl_verify_stored_data(rid, 16, KIND_SINGLE, &back, &set, NULL, &e) == 0, "%s", e.text);
  rl_cert_set_clear(&set);
}
END_TEST

int main(void) {
  Suite *s = suite_create("security_sign");
  TCase *tc = tcase_create("sign");
  SRunner *sr;
  int failed;
  testkeys_init();
  setup();
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, message_round_trip);
  tcase_add_test(tc, message_signature_input_is_as_specified);
  tcase_add_test(tc, every_covered_byte_is_protected);
  tcase_add_test(tc, wrong_certificate_fails);
  tcase_add_test(tc, cert_hash_node_id_as_specified);
  tcase_add_test(tc, cert_hash_of_multi_node_certificate_refused);
  tcase_add_test(tc, unsupported_algorithms_refused);
  tcase_add_test(tc, credentials_checks);
  tcase_add_test(tc, signature_buffer_too_small);
  tcase_add_test(tc, ecdsa_round_trip);
  tcase_add_test(tc, stored_data_round_trip_and_coverage);
  tcase_add_test(tc, synthetic_nonexistent_value);
  tcase_add_test(tc, stored_data_signature_input_is_as_specified);
  tcase_add_test(tc, stored_data_verifies_after_decode);
  suite_add_tcase(s, tc);
  sr = srunner_create(s);
  srunner_run_all(sr, CK_NORMAL);
  failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
