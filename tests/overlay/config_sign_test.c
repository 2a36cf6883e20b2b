/* config_sign_test.c: signatures of overlay configuration documents (RFC
 * 6940 11.1): a signed document verifies; the signature element is a
 * base64 SecurityBlock (6.3.4) over the exact bytes of the configuration
 * element followed by the SignerIdentity; any change inside the element
 * breaks it, a change outside does not; signers outside the allowed
 * Node-IDs, untrusted or revoked certificates, missing and malformed
 * signatures are refused; kind-signatures; sequence comparison modulo
 * 65535 (6.3.2.1). */
#define _GNU_SOURCE /* memmem */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "gen/reload_codec.h"
#include "overlay/config.h"
#include "overlay/config_sign.h"
#include "runtime/arena.h"
#include "runtime/ctx.h"
#include "runtime/error.h"
#include "security/credentials.h"
#include "security/sign.h"
#include "security/trust.h"
#include "../security/testkeys.h"

static rl_cert *ca, *cert1, *cert2;
static rl_credentials *cred1, *cred2;
static uint8_t id1[RL_NODE_ID_MAX], id2[RL_NODE_ID_MAX];

#define ID1_HEX "11111111111111111111111111111111"

static const char doc_text[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<overlay xmlns=\"urn:ietf:params:xml:ns:p2p:config-base\">\n"
    "  <configuration instance-name=\"overlay.test\" sequence=\"7\">\n"
    "    <configuration-signer>" ID1_HEX "</configuration-signer>\n"
    "    <kind-signer>" ID1_HEX "</kind-signer>\n"
    "    <max-message-size>6000</max-message-size>\n"
    "  </configuration>\n"
    "  <configuration instance-name=\"other.test\" sequence=\"3\">\n"
    "    <configuration-signer>" ID1_HEX "</configuration-signer>\n"
    "  </configuration>\n"
    "</overlay>\n";

static void setup(void) {
  rl_sec_error e = {0, ""};
  ca = test_ca();
  test_node_id(0x11, id1);
  test_node_id(0x22, id2);
  cert1 = test_issue(ca, 1, "alice@" TEST_OVERLAY, (const uint8_t (*)[RL_NODE_ID_MAX])&id1, 1);
  cert2 = test_issue(ca, 2, "bob@" TEST_OVERLAY, (const uint8_t (*)[RL_NODE_ID_MAX])&id2, 1);
  if (rl_credentials_new(test_key[1], cert1, NULL, 0, &cred1, &e) != 0 ||
      rl_credentials_new(test_key[2], cert2, NULL, 0, &cred2, &e) != 0) {
    fprintf(stderr, "config_sign_test setup: %s\n", e.text);
    exit(EXIT_FAILURE);
  }
}

/* The overlay's trust: the test CA as root. */
static rl_trust *trust(void) {
  rl_sec_error e = {0, ""};
  rl_trust *t = NULL;
  ck_assert_int_eq(rl_trust_new(TEST_OVERLAY, 16, &t, &e), 0);
  ck_assert_int_eq(rl_trust_add_root(t, ca, &e), 0);
  return t;
}

/* Sign doc_text (or text) with c and parse the result. */
static char *sign_text(const char *text, const rl_credentials *c, const char *instance,
                       size_t *len) {
  rl_sec_error e = {0, ""};
  char *out = NULL;
  ck_assert_msg(rl_config_sign_document(text, strlen(text), c, instance, &out, len, &e) == 0, "%s",
                e.text);
  ck_assert_uint_eq(strlen(out), *len);
  return out;
}

static void parse(const char *text, size_t len, rl_config_document *doc) {
  rl_config_error ce;
  ck_assert_msg(rl_config_parse(text, len, doc, &ce) == 0, "%s", ce.message);
}

START_TEST(signed_document_verifies) {
  rl_config_document doc;
  rl_config_signer who;
  rl_sec_error e = {0, ""};
  rl_trust *t = trust();
  size_t len;
  char *s = sign_text(doc_text, cred1, NULL, &len);
  char hex[2 * RL_NODE_ID_MAX + 1];
  parse(s, len, &doc);
  ck_assert_uint_eq(doc.nconfigs, 2);
  for (size_t i = 0; i < 2; i++) {
    const rl_overlay_config *cfg = &doc.configs[i];
    ck_assert_uint_eq(cfg->signatures.n, 1);
    memset(&who, 0, sizeof who);
    ck_assert_msg(rl_config_verify(cfg, &cfg->configuration_signers, t, NULL, &who, &e) == 0, "%s",
                  e.text);
    ck_assert_str_eq(rl_hex(who.node_id, who.node_id_len, hex), ID1_HEX);
    ck_assert_str_eq(who.user, "alice@" TEST_OVERLAY);
    ck_assert_uint_eq(who.signature_index, 0);
  }
  /* The document's bytes are kept: everything but the signature elements
   * is the input, byte for byte. */
  ck_assert_ptr_nonnull(memmem(s, len, doc.configs[0].configuration_xml.data,
                               doc.configs[0].configuration_xml.len));
  ck_assert_int_eq(strncmp(s, doc_text, (size_t)(strstr(doc_text, "</configuration>") - doc_text)), 0);
  rl_config_document_free(&doc);
  rl_trust_free(t);
  free(s);
}
END_TEST

/* 11.1 + 6.3.4: the signature element is a base64 SecurityBlock holding
 * the signer's certificate and a Signature over configuration || the
 * SignerIdentity. Checked here with OpenSSL directly. */
START_TEST(signature_input_is_element_then_identity) {
  rl_config_document doc;
  static uint8_t mem[1 << 16];
  rl_arena a;
  rl_ctx ctx;
  rl_params p;
  rl_SecurityBlock sb;
  EVP_MD_CTX *md = EVP_MD_CTX_new();
  size_t len;
  char *s = sign_text(doc_text, cred1, "overlay.test", &len);
  const rl_overlay_config *cfg;
  parse(s, len, &doc);
  cfg = &doc.configs[0];
  ck_assert_uint_eq(doc.configs[1].signatures.n, 0); /* only the instance asked for */
  ck_assert_uint_eq(cfg->signatures.n, 1);
  /* What the signature covers: from "<configuration" to "</configuration>". */
  ck_assert_int_eq(memcmp(cfg->configuration_xml.data, "<configuration instance-name", 28), 0);
  ck_assert_int_eq(memcmp(cfg->configuration_xml.data + cfg->configuration_xml.len - 16,
                          "</configuration>", 16), 0);
  rl_arena_init(&a, mem, sizeof mem);
  rl_params_init(&p);
  rl_ctx_init(&ctx, &a, &p);
  ck_assert_int_eq(rl_SecurityBlock_parse(cfg->signatures.v[0].data, cfg->signatures.v[0].len, &ctx,
                                          &sb), 0);
  ck_assert_uint_eq(sb.certificates_count, 1);
  ck_assert_uint_eq(sb.certificates[0].type, RL_CertificateType_X509);
  ck_assert_uint_eq(sb.certificates[0].certificate.len, cert1->der_len);
  ck_assert_int_eq(memcmp(sb.certificates[0].certificate.ptr, cert1->der, cert1->der_len), 0);
  ck_assert_uint_eq(sb.signature.algorithm.hash, RL_HashAlgorithm_sha256);
  ck_assert_uint_eq(sb.signature.algorithm.signature, RL_SignatureAlgorithm_rsa);
  ck_assert_uint_eq(sb.signature.identity.identity_type, RL_SignerIdentityType_cert_hash);
  ck_assert_int_eq(EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, rl_cert_public_key(cert1)), 1);
  ck_assert_int_eq(EVP_DigestVerifyUpdate(md, cfg->configuration_xml.data, cfg->configuration_xml.len), 1);
  ck_assert_int_eq(EVP_DigestVerifyUpdate(md, sb.signature.identity.raw.ptr,
                                          sb.signature.identity.raw.len), 1);
  ck_assert_int_eq(EVP_DigestVerifyFinal(md, sb.signature.signature_value.ptr,
                                         sb.signature.signature_value.len), 1);
  EVP_MD_CTX_free(md);
  rl_config_document_free(&doc);
  free(s);
}
END_TEST

/* "The configuration element MUST be treated as a binary blob that cannot
 * be changed -- including any whitespace changes -- or the signature will
 * break." Bytes outside the element are not covered. */
START_TEST(changes_inside_the_element_break_it) {
  static const struct {
    const char *from, *to;
    int breaks;
  } edits[] = {
      {"<max-message-size>6000", "<max-message-size>6001", 1},
      {"    <kind-signer>", "     <kind-signer>", 1},         /* whitespace */
      {" sequence=\"7\">", " sequence=\"7\" >", 1},             /* inside the tag */
      {"<overlay xmlns", "<!-- outside -->\n<overlay  xmlns", 0},
      {"</signature>", "</signature>\n  <!-- c -->", 0},
  };
  rl_trust *t = trust();
  size_t len;
  char *s = sign_text(doc_text, cred1, NULL, &len);
  for (size_t i = 0; i < sizeof edits / sizeof edits[0]; i++) {
    rl_config_document doc;
    rl_sec_error e = {0, ""};
    char *at = strstr(s, edits[i].from);
    size_t fl = strlen(edits[i].from), tl = strlen(edits[i].to);
    char *m = malloc(len + tl + 1);
    int r;
    ck_assert_ptr_nonnull(at);
    memcpy(m, s, (size_t)(at - s));
    memcpy(m + (at - s), edits[i].to, tl);
    strcpy(m + (at - s) + tl, at + fl);
    parse(m, strlen(m), &doc);
    r = rl_config_verify(&doc.configs[0], &doc.configs[0].configuration_signers, t, NULL, NULL, &e);
    if (edits[i].breaks) {
      ck_assert_msg(r == RL_SEC_ERR_SIGNATURE, "edit %zu: %d %s", i, r, e.text);
      ck_assert_ptr_nonnull(strstr(e.text, "signature[0]: "));
    } else {
      ck_assert_msg(r == 0, "edit %zu: %s", i, e.text);
    }
    rl_config_document_free(&doc);
    free(m);
  }
  rl_trust_free(t);
  free(s);
}
END_TEST

/* 11.1: signed by one of the configuration-signers of the previous
 * configuration, with a valid certificate. */
START_TEST(signers_and_certificates_are_checked) {
  rl_config_document doc, by_bob;
  rl_sec_error e = {0, ""};
  rl_trust *t = trust(), *empty = NULL;
  rl_config_blobs only2;
  rl_config_blob b2 = {id2, 16, 0};
  size_t len, len2;
  char *s = sign_text(doc_text, cred1, NULL, &len);
  char *s2 = sign_text(doc_text, cred2, NULL, &len2);
  const rl_overlay_config *cfg;
  parse(s, len, &doc);
  parse(s2, len2, &by_bob);
  cfg = &doc.configs[0];
  /* bob's signature verifies but bob is not a configuration-signer */
  ck_assert_int_eq(rl_config_verify(&by_bob.configs[0], &cfg->configuration_signers, t, NULL, NULL,
                                    &e), RL_SEC_ERR_NODE_ID);
  ck_assert_ptr_nonnull(strstr(e.text, "bob@" TEST_OVERLAY));
  /* alice's, when only bob may sign */
  only2.v = &b2;
  only2.n = 1;
  rl_sec_error_clear(&e);
  ck_assert_int_eq(rl_config_verify(cfg, &only2, t, NULL, NULL, &e), RL_SEC_ERR_NODE_ID);
  /* no signers at all: nobody may sign */
  only2.n = 0;
  rl_sec_error_clear(&e);
  ck_assert_int_eq(rl_config_verify(cfg, &only2, t, NULL, NULL, &e), RL_SEC_ERR_NODE_ID);
  /* a certificate that does not chain to a root of the overlay */
  ck_assert_int_eq(rl_trust_new(TEST_OVERLAY, 16, &empty, &e), 0);
  rl_sec_error_clear(&e);
  ck_assert_int_eq(rl_config_verify(cfg, &cfg->configuration_signers, empty, NULL, NULL, &e),
                   RL_SEC_ERR_UNTRUSTED);
  /* a revoked one (bad-node) */
  ck_assert_int_eq(rl_trust_add_bad_node(t, id1, 16), 0);
  rl_sec_error_clear(&e);
  ck_assert_int_eq(rl_config_verify(cfg, &cfg->configuration_signers, t, NULL, NULL, &e),
                   RL_SEC_ERR_BAD_NODE);
  rl_config_document_free(&doc);
  rl_config_document_free(&by_bob);
  rl_trust_free(t);
  rl_trust_free(empty);
  free(s);
  free(s2);
}
END_TEST

/* No signature, a signature that is not a SecurityBlock, and a bad one
 * before a good one. */
START_TEST(missing_and_malformed_signatures) {
  rl_config_document doc;
  rl_sec_error e = {0, ""};
  rl_config_signer who;
  rl_trust *t = trust();
  char *s, *m;
  size_t len;
  const char *close = "</configuration>";
  char *at;
  parse(doc_text, strlen(doc_text), &doc);
  ck_assert_int_eq(rl_config_verify(&doc.configs[0], &doc.configs[0].configuration_signers, t, NULL,
                                    NULL, &e), RL_SEC_ERR_SIGNATURE);
  ck_assert_ptr_nonnull(strstr(e.text, "not signed"));
  rl_config_document_free(&doc);
  /* "AAAA" decodes to 3 zero bytes: a certificate list that stops short */
  s = sign_text(doc_text, cred1, "overlay.test", &len);
  at = strstr(s, close) + strlen(close);
  m = malloc(len + 64);
  memcpy(m, s, (size_t)(at - s));
  strcpy(m + (at - s), "<signature>AAAA</signature>");
  strcat(m, at);
  parse(m, strlen(m), &doc);
  ck_assert_uint_eq(doc.configs[0].signatures.n, 2);
  rl_sec_error_clear(&e);
  ck_assert_msg(rl_config_verify(&doc.configs[0], &doc.configs[0].configuration_signers, t, NULL,
                                 &who, &e) == 0, "%s", e.text);
  ck_assert_uint_eq(who.signature_index, 1);
  rl_sec_error_clear(&e);
  ck_assert_int_eq(rl_config_check_signature(doc.configs[0].signatures.v[0].data,
                                             doc.configs[0].signatures.v[0].len,
                                             doc.configs[0].configuration_xml.data,
                                             doc.configs[0].configuration_xml.len,
                                             &doc.configs[0].configuration_signers, t, NULL, NULL,
                                             &e), RL_ERR_TRUNCATED);
  ck_assert_ptr_nonnull(strstr(e.text, "not a SecurityBlock"));
  rl_config_document_free(&doc);
  free(m);
  free(s);
  rl_trust_free(t);
}
END_TEST

/* The caller's scratch arena is given back; one too small is an error,
 * not a crash. */
START_TEST(scratch_arena) {
  rl_config_document doc;
  rl_sec_error e = {0, ""};
  static uint8_t mem[1 << 16];
  uint8_t small[64];
  rl_arena a;
  rl_trust *t = trust();
  size_t len;
  char *s = sign_text(doc_text, cred1, NULL, &len);
  parse(s, len, &doc);
  rl_arena_init(&a, mem, sizeof mem);
  ck_assert_ptr_nonnull(rl_arena_alloc(&a, 100));
  ck_assert_int_eq(rl_config_verify(&doc.configs[0], &doc.configs[0].configuration_signers, t, &a,
                                    NULL, &e), 0);
  ck_assert_uint_eq(a.lo, 104);
  ck_assert_uint_eq(a.hi, sizeof mem);
  rl_arena_init(&a, small, sizeof small);
  ck_assert_int_eq(rl_config_verify(&doc.configs[0], &doc.configs[0].configuration_signers, t, &a,
                                    NULL, &e), RL_ERR_ARENA);
  rl_config_document_free(&doc);
  rl_trust_free(t);
  free(s);
}
END_TEST

/* kind-signature (11.1): over the kind element, by a kind-signer. */
START_TEST(kind_signatures) {
  static const char kind[] = "<kind id=\"4000\">\n"
                             "          <data-model>SINGLE</data-model>\n"
                             "          <access-control>USER-MATCH</access-control>\n"
                             "          <max-count>1</max-count>\n"
                             "          <max-size>100</max-size>\n"
                             "        </kind>";
  rl_config_document doc;
  rl_sec_error e = {0, ""};
  rl_config_signer who;
  rl_trust *t = trust();
  rl_config_blobs only2;
  rl_config_blob b2 = {id2, 16, 0};
  char *sig = NULL, *text;
  const rl_config_kind *k;
  ck_assert_int_eq(rl_config_sign_blob(cred1, (const uint8_t *)kind, strlen(kind), &sig, &e), 0);
  text = malloc(strlen(sig) + 2048);
  sprintf(text,
          "<overlay xmlns=\"urn:ietf:params:xml:ns:p2p:config-base\">\n"
          "  <configuration instance-name=\"overlay.test\">\n"
          "    <kind-signer>" ID1_HEX "</kind-signer>\n"
          "    <required-kinds>\n      <kind-block>\n        %s\n"
          "        <kind-signature>%s</kind-signature>\n      </kind-block>\n"
          "      <kind-block>\n        <kind id=\"4001\"><data-model>ARRAY</data-model>"
          "<access-control>USER-MATCH</access-control><max-count>2</max-count>"
          "<max-size>10</max-size></kind>\n      </kind-block>\n"
          "    </required-kinds>\n  </configuration>\n</overlay>\n",
          kind, sig);
  parse(text, strlen(text), &doc);
  ck_assert_uint_eq(doc.configs[0].nkinds, 2);
  k = &doc.configs[0].kinds[0];
  ck_assert_msg(rl_config_verify_kind(k, &doc.configs[0].kind_signers, t, NULL, &who, &e) == 0, "%s",
                e.text);
  ck_assert_str_eq(who.user, "alice@" TEST_OVERLAY);
  only2.v = &b2;
  only2.n = 1;
  ck_assert_int_eq(rl_config_verify_kind(k, &only2, t, NULL, NULL, &e), RL_SEC_ERR_NODE_ID);
  rl_sec_error_clear(&e);
  ck_assert_int_eq(rl_config_verify_kind(&doc.configs[0].kinds[1], &doc.configs[0].kind_signers, t,
                                         NULL, NULL, &e), RL_SEC_ERR_SIGNATURE);
  rl_config_document_free(&doc);
  rl_trust_free(t);
  free(sig);
  free(text);
}
END_TEST

START_TEST(sign_document_errors) {
  rl_sec_error e = {0, ""};
  char *out = (char *)1;
  size_t len = 1;
  ck_assert_int_eq(rl_config_sign_document(doc_text, strlen(doc_text), cred1, "nowhere.test", &out,
                                           &len, &e), RL_ERR_NOT_FOUND);
  ck_assert_ptr_null(out);
  ck_assert_uint_eq(len, 0);
  rl_sec_error_clear(&e);
  ck_assert_int_eq(rl_config_sign_document("<overlay>", 9, cred1, NULL, &out, &len, &e),
                   RL_ERR_SYNTAX);
  ck_assert_ptr_null(out);
}
END_TEST

/* 6.3.2.1: "greater than or less than are interpreted by modulo arithmetic
 * as in TCP"; sequence numbers run 0..65534. */
START_TEST(sequence_comparison) {
  ck_assert(rl_config_sequence_newer(2, 1));
  ck_assert(!rl_config_sequence_newer(1, 2));
  ck_assert(!rl_config_sequence_newer(5, 5));
  ck_assert(rl_config_sequence_newer(0, 65534));  /* wrapped: 65534, then 0 */
  ck_assert(!rl_config_sequence_newer(65534, 0));
  ck_assert(rl_config_sequence_newer(32767, 0));
  ck_assert(!rl_config_sequence_newer(32768, 0));
  ck_assert(rl_config_sequence_newer(100, 65000));
}
END_TEST

int main(void) {
  Suite *s = suite_create("overlay_config_sign");
  TCase *tc = tcase_create("config_sign");
  SRunner *sr;
  int failed;
  testkeys_init();
  setup();
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, signed_document_verifies);
  tcase_add_test(tc, signature_input_is_element_then_identity);
  tcase_add_test(tc, changes_inside_the_element_break_it);
  tcase_add_test(tc, signers_and_certificates_are_checked);
  tcase_add_test(tc, missing_and_malformed_signatures);
  tcase_add_test(tc, scratch_arena);
  tcase_add_test(tc, kind_signatures);
  tcase_add_test(tc, sign_document_errors);
  tcase_add_test(tc, sequence_comparison);
  suite_add_tcase(s, tc);
  sr = srunner_create(s);
  srunner_run_all(sr, CK_NORMAL);
  failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
