/* cert_test.c: RFC 6940 11.3 certificates: the RELOAD URI form of
 * Node-IDs, identity extraction and the checks on it, certificate files,
 * verification against root certificates (chains, expiry, basic
 * constraints, bad-node, overlay and NodeIdLength) and self-signed
 * credentials (11.3.1). */
#define _GNU_SOURCE /* mkstemp, unlink */

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/x509v3.h>

#include "overlay/config.h"
#include "runtime/error.h"
#include "security/ca.h"
#include "security/cert.h"
#include "security/trust.h"
#include "testkeys.h"

static rl_cert *ca;
static uint8_t ids[3][RL_NODE_ID_MAX];

/* A certificate made directly with OpenSSL, for shapes reload-ca never
 * makes: subject CN (or none), subjectAltName as an OpenSSL config string
 * (or none), CA flag; signed by signer as issuer (NULL: self-signed). */
static rl_cert *make_cert(EVP_PKEY *subject, EVP_PKEY *signer, const rl_cert *issuer, const char *cn,
                          const char *san, int is_ca) {
  X509 *x = X509_new();
  X509V3_CTX ctx;
  rl_cert *c = NULL;
  rl_sec_error e = {0, ""};
  X509_EXTENSION *ext;
  ck_assert_ptr_nonnull(x);
  X509_set_version(x, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(x), 42);
  X509_gmtime_adj(X509_getm_notBefore(x), -3600);
  X509_gmtime_adj(X509_getm_notAfter(x), 86400);
  X509_set_pubkey(x, subject);
  if (cn)
    X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_UTF8,
                               (const unsigned char *)cn, -1, -1, 0);
  X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer->x509) : X509_get_subject_name(x));
  X509V3_set_ctx(&ctx, issuer ? issuer->x509 : x, x, NULL, NULL, 0);
  ext = X509V3_EXT_conf_nid(NULL, &ctx, NID_basic_constraints, is_ca ? "critical,CA:TRUE" : "CA:FALSE");
  X509_add_ext(x, ext, -1);
  X509_EXTENSION_free(ext);
  if (is_ca) {
    ext = X509V3_EXT_conf_nid(NULL, &ctx, NID_subject_key_identifier, "hash");
    X509_add_ext(x, ext, -1);
    X509_EXTENSION_free(ext);
  }
  if (san) {
    ext = X509V3_EXT_conf_nid(NULL, &ctx, NID_subject_alt_name, san);
    ck_assert_msg(ext != NULL, "bad SAN %s", san);
    X509_add_ext(x, ext, -1);
    X509_EXTENSION_free(ext);
  }
  ck_assert_int_gt(X509_sign(x, signer, EVP_sha256()), 0);
  ck_assert_int_eq(rl_cert_from_x509(x, &c, &e), 0);
  return c;
}

static void setup(void) {
  ca = test_ca();
  for (int i = 0; i < 3; i++)
    for (int k = 0; k < 16; k++) ids[i][k] = (uint8_t)(16 * i + k);
}

START_TEST(node_id_uri_form) {
  char buf[RL_NODE_ID_URI_MAX];
  uint8_t id20[20];
  for (int i = 0; i < 20; i++) id20[i] = (uint8_t)(0xa0 + i);
  /* 11.3 / 14.15: a Destination List of one node_id: type 01, length 10. */
  ck_assert_int_eq(rl_node_id_uri(ids[0], 16, "overlay.example.org", buf, sizeof buf), 0);
  ck_assert_str_eq(buf, "reload://0110000102030405060708090a0b0c0d0e0f@overlay.example.org/");
  ck_assert_int_eq(rl_node_id_uri(id20, 20, "o", buf, sizeof buf), 0);
  ck_assert_str_eq(buf, "reload://0114a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3@o/");
  ck_assert_int_eq(rl_node_id_uri(id20, 15, "o", buf, sizeof buf), RL_ERR_PARAM);
  ck_assert_int_eq(rl_node_id_uri(id20, 16, "", buf, sizeof buf), RL_ERR_PARAM);
  ck_assert_int_eq(rl_node_id_uri(id20, 16, "o", buf, 30), RL_ERR_BUFFER);
}
END_TEST

static const struct {
  const char *uri;
  const char *why; /* NULL: accepted */
} uris[] = {
    {"reload://0110000102030405060708090a0b0c0d0e0f@overlay.example.org/", NULL},
    {"RELOAD://0110000102030405060708090A0B0C0D0E0F@Overlay.Example.ORG/", NULL},
    {"reload://0114a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3@o/", NULL},
    {"reload://000102030405060708090a0b0c0d0e0f@o/", "not a Destination List holding one node_id"},
    {"reload://0210000102030405060708090a0b0c0d0e0f@o/", "not a Destination List"},
    {"reload://0111000102030405060708090a0b0c0d0e0f@o/", "not a Destination List"},
    {"reload://0110000102030405060708090a0b0c0d0e0f00@o/", "not a Destination List"},
    {"reload://0110000102030405060708090a0b0c0d0e0f0@o/", "hex digits"},
    {"reload://0110000102030405060708090a0b0c0d0e0g@o/", "not hexadecimal"},
    {"reload://0110000102030405060708090a0b0c0d0e0f/", "no '@'"},
    {"reload://0110000102030405060708090a0b0c0d0e0f@o", "expected \"@overlay/\""},
    {"reload://0110000102030405060708090a0b0c0d0e0f@/", "expected \"@overlay/\""},
    {"reload://0110000102030405060708090a0b0c0d0e0f@o/0102", "no specifier"},
    {"reload://0110000102030405060708090a0b0c0d0e0f@o o/", "not allowed in an overlay name"},
    {"http://0110000102030405060708090a0b0c0d0e0f@o/", "not a reload:// URI"},
};

START_TEST(node_id_uri_parse) {
  uint8_t id[RL_NODE_ID_MAX];
  size_t len = 0;
  char overlay[64], why[200];
  int r = rl_node_id_uri_parse(uris[_i].uri, id, &len, overlay, sizeof overlay, why, sizeof why);
  if (!uris[_i].why) {
    ck_assert_msg(r == 0, "%s: %s", uris[_i].uri, why);
    ck_assert(len == 16 || len == 20);
    if (len == 16) ck_assert_mem_eq(id, ids[0], 16);
  } else {
    ck_assert_int_eq(r, RL_SEC_ERR_IDENTITY);
    ck_assert_msg(strstr(why, uris[_i].why), "%s: \"%s\" lacks \"%s\"", uris[_i].uri, why, uris[_i].why);
  }
}
END_TEST

START_TEST(issued_certificate_identities) {
  rl_cert *c = test_issue(ca, 1, "alice@" TEST_OVERLAY, (const uint8_t (*)[RL_NODE_ID_MAX])ids, 3);
  rl_sec_error e = {0, ""};
  GENERAL_NAMES *names;
  char want[RL_NODE_ID_URI_MAX];
  int crit = 0;
  ck_assert_str_eq(c->user, "alice@" TEST_OVERLAY);
  ck_assert_str_eq(c->overlay, TEST_OVERLAY);
  ck_assert_uint_eq(c->n_node_ids, 3);
  ck_assert_uint_eq(c->node_id_len, 16);
  for (int i = 0; i < 3; i++) ck_assert_mem_eq(c->node_ids[i], ids[i], 16);
  ck_assert(!c->self_signed);
  ck_assert_int_eq(rl_cert_check_identities(c, &e), 0);
  ck_assert(rl_cert_has_node_id(c, ids[2], 16));
  ck_assert(!rl_cert_has_node_id(c, ids[2], 17));
  /* 11.3 read directly from the certificate with OpenSSL: empty subject,
   * a critical subjectAltName of exactly the URIs and the rfc822Name. */
  ck_assert_int_eq(X509_NAME_entry_count(X509_get_subject_name(c->x509)), 0);
  names = X509_get_ext_d2i(c->x509, NID_subject_alt_name, &crit, NULL);
  ck_assert_ptr_nonnull(names);
  ck_assert_int_eq(crit, 1);
  ck_assert_int_eq(sk_GENERAL_NAME_num(names), 4);
  for (int i = 0; i < 3; i++) {
    const GENERAL_NAME *g = sk_GENERAL_NAME_value(names, i);
    ck_assert_int_eq(g->type, GEN_URI);
    rl_node_id_uri(ids[i], 16, TEST_OVERLAY, want, sizeof want);
    ck_assert_str_eq((const char *)ASN1_STRING_get0_data(g->d.uniformResourceIdentifier), want);
  }
  ck_assert_int_eq(sk_GENERAL_NAME_value(names, 3)->type, GEN_EMAIL);
  GENERAL_NAMES_free(names);
  rl_cert_free(c);
}
END_TEST

START_TEST(check_node_id_names_what_is_there) {
  rl_cert *c = test_issue(ca, 1, "alice@" TEST_OVERLAY, (const uint8_t (*)[RL_NODE_ID_MAX])ids, 1);
  rl_sec_error e = {0, ""};
  ck_assert_int_eq(rl_cert_check_node_id(c, ids[0], 16, &e), 0);
  ck_assert_int_eq(rl_cert_check_node_id(c, ids[1], 16, &e), RL_SEC_ERR_NODE_ID);
  ck_assert_msg(strstr(e.text, "alice@" TEST_OVERLAY " does not carry Node-ID "
                               "101112131415161718191a1b1c1d1e1f (it carries "
                               "000102030405060708090a0b0c0d0e0f)"), "%s", e.text);
  rl_cert_free(c);
}
END_TEST

static const struct {
  const char *cn;
  const char *san;
  const char *problem;
} bad_identities[] = {
    {NULL, NULL, "no subjectAltName"},
    {NULL, "email:a@o", "carries no Node-ID"},
    {NULL, "URI:reload://0110000102030405060708090a0b0c0d0e0f@o/", "no user name"},
    {NULL, "URI:reload://0110000102030405060708090a0b0c0d0e0f@o/,email:a@o,email:b@o",
     "more than one rfc822Name"},
    {NULL, "URI:reload://0110000102030405060708090a0b0c0d0e0f@o/,email:a@o,DNS:node.o",
     "holds a dNSName"},
    {NULL, "URI:reload://000102030405060708090a0b0c0d0e0f@o/,email:a@o", "not a Destination List"},
    {NULL, "URI:reload://0110000102030405060708090a0b0c0d0e0f@o/,"
           "URI:reload://0110101112131415161718191a1b1c1d1e1f@p/,email:a@o", "name two overlays"},
    {NULL, "URI:reload://0110000102030405060708090a0b0c0d0e0f@o/,"
           "URI:reload://0114000102030405060708090a0b0c0d0e0f10111213@o/,email:a@o",
     "different lengths"},
    {NULL, "URI:reload://0110000102030405060708090a0b0c0d0e0f@o/,"
           "URI:reload://0110000102030405060708090a0b0c0d0e0f@o/,email:a@o", "appears twice"},
    {"alice", "URI:reload://0110000102030405060708090a0b0c0d0e0f@o/,email:a@o",
     "subject distinguished name is not empty"},
};

START_TEST(identity_problems_reported) {
  rl_cert *c = make_cert(test_key[1], test_key[0], ca, bad_identities[_i].cn, bad_identities[_i].san, 0);
  rl_sec_error e = {0, ""};
  ck_assert_int_eq(rl_cert_check_identities(c, &e), RL_SEC_ERR_IDENTITY);
  ck_assert_msg(strstr(e.text, bad_identities[_i].problem), "\"%s\" lacks \"%s\"", e.text,
                bad_identities[_i].problem);
  rl_cert_free(c);
}
END_TEST

START_TEST(der_and_files) {
  rl_cert *c = test_issue(ca, 1, "alice@" TEST_OVERLAY, (const uint8_t (*)[RL_NODE_ID_MAX])ids, 2);
  rl_cert *d = NULL;
  rl_sec_error e = {0, ""};
  uint8_t *buf = malloc(c->der_len + 1);
  char pem[] = "/tmp/rl_cert_testXXXXXX", der[] = "/tmp/rl_cert_testXXXXXX";
  FILE *f;
  int fd;
  memcpy(buf, c->der, c->der_len);
  ck_assert_int_eq(rl_cert_from_der(buf, c->der_len, &d, &e), 0);
  ck_assert_uint_eq(d->n_node_ids, 2);
  rl_cert_free(d);
  buf[c->der_len] = 0;
  ck_assert_int_eq(rl_cert_from_der(buf, c->der_len + 1, &d, &e), RL_SEC_ERR_CERT_PARSE);
  ck_assert_msg(strstr(e.text, "1 bytes after"), "%s", e.text);
  e.code = 0;
  ck_assert_int_eq(rl_cert_from_der(buf, c->der_len - 1, &d, &e), RL_SEC_ERR_CERT_PARSE);
  ck_assert_ptr_null(d);
  /* PEM as written by reload-ca, and DER. */
  fd = mkstemp(pem);
  close(fd);
  ck_assert_int_eq(rl_cert_write_file(pem, c, &e), 0);
  ck_assert_int_eq(rl_cert_load_file(pem, &d, &e), 0);
  ck_assert_uint_eq(d->der_len, c->der_len);
  ck_assert_mem_eq(d->der, c->der, c->der_len);
  rl_cert_free(d);
  fd = mkstemp(der);
  f = fdopen(fd, "wb");
  fwrite(c->der, 1, c->der_len, f);
  fclose(f);
  ck_assert_int_eq(rl_cert_load_file(der, &d, &e), 0);
  ck_assert_mem_eq(d->der, c->der, c->der_len);
  rl_cert_free(d);
  f = fopen(der, "wb");
  fwrite("junk", 1, 4, f);
  fclose(f);
  e.code = 0;
  ck_assert_int_eq(rl_cert_load_file(der, &d, &e), RL_SEC_ERR_CERT_PARSE);
  ck_assert_msg(strncmp(e.text, der, strlen(der)) == 0, "%s", e.text);
  e.code = 0;
  ck_assert_int_eq(rl_cert_load_file("/nonexistent.crt", &d, &e), RL_ERR_IO);
  unlink(pem);
  unlink(der);
  free(buf);
  rl_cert_free(c);
}
END_TEST

/* cert_hash and cert_hash_node_id inputs (6.3.4). */
START_TEST(certificate_hashes) {
  rl_cert *c = test_issue(ca, 1, "alice@" TEST_OVERLAY, (const uint8_t (*)[RL_NODE_ID_MAX])ids, 2);
  uint8_t h[EVP_MAX_MD_SIZE], want[EVP_MAX_MD_SIZE], *cat = malloc(16 + c->der_len);
  size_t n = 0;
  unsigned int wn = 0;
  ck_assert_int_eq(rl_cert_hash(c, RL_HashAlgorithm_sha256, NULL, 0, h, &n), 0);
  EVP_Digest(c->der, c->der_len, want, &wn, EVP_sha256(), NULL);
  ck_assert_uint_eq(n, 32);
  ck_assert_mem_eq(h, want, 32);
  memcpy(cat, ids[1], 16);
  memcpy(cat + 16, c->der, c->der_len);
  ck_assert_int_eq(rl_cert_hash(c, RL_HashAlgorithm_sha1, ids[1], 16, h, &n), 0);
  EVP_Digest(cat, 16 + c->der_len, want, &wn, EVP_sha1(), NULL);
  ck_assert_uint_eq(n, 20);
  ck_assert_mem_eq(h, want, 20);
  /* SHA-256 with a Node-ID comes from the hashes made at parse time: each
   * of the certificate's Node-IDs, and one it does not have (computed). */
  for (int k = 0; k < 2; k++) {
    uint8_t other[16];
    const uint8_t *id = ids[k];
    if (k == 1) {
      memcpy(other, ids[1], 16);
      other[15] ^= 0x5a;
      id = other;
    }
    memcpy(cat, id, 16);
    ck_assert_int_eq(rl_cert_hash(c, RL_HashAlgorithm_sha256, id, 16, h, &n), 0);
    EVP_Digest(cat, 16 + c->der_len, want, &wn, EVP_sha256(), NULL);
    ck_assert_uint_eq(n, 32);
    ck_assert_mem_eq(h, want, 32);
  }
  memcpy(cat, ids[1], 16);
  ck_assert_int_eq(rl_cert_hash(c, RL_HashAlgorithm_sha256, ids[1], 16, h, &n), 0);
  EVP_Digest(cat, 16 + c->der_len, want, &wn, EVP_sha256(), NULL);
  ck_assert_mem_eq(h, want, 32);
  /* A Node-ID's prefix is not the Node-ID. */
  ck_assert_int_eq(rl_cert_hash(c, RL_HashAlgorithm_sha256, ids[1], 8, h, &n), 0);
  {
    EVP_MD_CTX *x = EVP_MD_CTX_new();
    EVP_DigestInit_ex(x, EVP_sha256(), NULL);
    EVP_DigestUpdate(x, ids[1], 8);
    EVP_DigestUpdate(x, c->der, c->der_len);
    EVP_DigestFinal_ex(x, want, &wn);
    EVP_MD_CTX_free(x);
  }
  ck_assert_mem_eq(h, want, 32);
  ck_assert_int_eq(rl_cert_hash(c, RL_HashAlgorithm_md5, NULL, 0, h, &n), RL_SEC_ERR_ALGORITHM);
  free(cat);
  rl_cert_free(c);
}
END_TEST

static rl_trust *trust_with_ca(void) {
  rl_trust *t = NULL;
  rl_sec_error e = {0, ""};
  ck_assert_int_eq(rl_trust_new(TEST_OVERLAY, 16, &t, &e), 0);
  ck_assert_int_eq(rl_trust_add_root(t, ca, &e), 0);
  ck_assert_int_eq(rl_trust_add_root(t, ca, &e), 0); /* twice is harmless */
  return t;
}

START_TEST(chain_to_root) {
  rl_cert *c = test_issue(ca, 1, "alice@" TEST_OVERLAY, (const uint8_t (*)[RL_NODE_ID_MAX])ids, 1);
  rl_trust *t = trust_with_ca(), *t2 = NULL, *other = NULL;
  rl_issue_params p;
  rl_cert *ca2 = NULL;
  rl_sec_error e = {0, ""};
  ck_assert_msg(rl_trust_verify(t, c, NULL, 0, &e) == 0, "%s", e.text);
  /* Another CA for the same overlay does not vouch for it. */
  memset(&p, 0, sizeof p);
  p.overlay = TEST_OVERLAY;
  ck_assert_int_eq(rl_ca_create(test_key[3], &p, &ca2, &e), 0);
  ck_assert_int_eq(rl_trust_new(TEST_OVERLAY, 16, &other, &e), 0);
  ck_assert_int_eq(rl_trust_add_root(other, ca2, &e), 0);
  ck_assert_int_eq(rl_trust_verify(other, c, NULL, 0, &e), RL_SEC_ERR_UNTRUSTED);
  ck_assert_msg(strstr(e.text, "does not chain to a root-cert"), "%s", e.text);
  /* No roots at all. */
  ck_assert_int_eq(rl_trust_new(TEST_OVERLAY, 16, &t2, &e), 0);
  e.code = 0;
  ck_assert_int_eq(rl_trust_verify(t2, c, NULL, 0, &e), RL_SEC_ERR_UNTRUSTED);
  /* The CA certificate itself is no node credential. */
  e.code = 0;
  ck_assert_int_eq(rl_trust_verify(t, ca, NULL, 0, &e), RL_SEC_ERR_IDENTITY);
  rl_trust_free(t);
  rl_trust_free(t2);
  rl_trust_free(other);
  rl_cert_free(ca2);
  rl_cert_free(c);
}
END_TEST

START_TEST(overlay_length_and_bad_node) {
  rl_cert *c = test_issue(ca, 1, "alice@" TEST_OVERLAY, (const uint8_t (*)[RL_NODE_ID_MAX])ids, 2);
  rl_trust *t = NULL;
  rl_sec_error e = {0, ""};
  ck_assert_int_eq(rl_trust_new("other.test", 16, &t, &e), 0);
  rl_trust_add_root(t, ca, &e);
  ck_assert_int_eq(rl_trust_verify(t, c, NULL, 0, &e), RL_SEC_ERR_IDENTITY);
  ck_assert_msg(strstr(e.text, "is for overlay " TEST_OVERLAY ", not other.test"), "%s", e.text);
  rl_trust_free(t);
  ck_assert_int_eq(rl_trust_new(TEST_OVERLAY, 20, &t, &e), 0);
  rl_trust_add_root(t, ca, &e);
  e.code = 0;
  ck_assert_int_eq(rl_trust_verify(t, c, NULL, 0, &e), RL_SEC_ERR_IDENTITY);
  ck_assert_msg(strstr(e.text, "16-byte Node-IDs"), "%s", e.text);
  rl_trust_free(t);
  t = trust_with_ca();
  ck_assert_int_eq(rl_trust_add_bad_node(t, ids[1], 16), 0);
  e.code = 0;
  ck_assert_int_eq(rl_trust_verify(t, c, NULL, 0, &e), RL_SEC_ERR_BAD_NODE);
  ck_assert_msg(strstr(e.text, "101112131415161718191a1b1c1d1e1f"), "%s", e.text);
  rl_trust_free(t);
  rl_cert_free(c);
}
END_TEST

START_TEST(validity_period) {
  rl_cert *c = NULL, *old_ca = NULL;
  rl_trust *t = NULL;
  rl_issue_params p;
  rl_sec_error e = {0, ""};
  time_t now = time(NULL);
  memset(&p, 0, sizeof p);
  p.overlay = TEST_OVERLAY;
  p.not_before = now - 20 * 86400; /* a CA valid before the certificate was */
  ck_assert_int_eq(rl_ca_create(test_key[0], &p, &old_ca, &e), 0);
  ck_assert_int_eq(rl_trust_new(TEST_OVERLAY, 16, &t, &e), 0);
  ck_assert_int_eq(rl_trust_add_root(t, old_ca, &e), 0);
  p.user = "old@" TEST_OVERLAY;
  p.node_ids = (const uint8_t (*)[RL_NODE_ID_MAX])ids;
  p.n_node_ids = 1;
  p.node_id_len = 16;
  p.not_before = now - 10 * 86400;
  p.not_after = now - 86400;
  ck_assert_int_eq(rl_ca_issue(test_key[0], old_ca, test_key[1], &p, &c, &e), 0);
  ck_assert_int_eq(rl_trust_verify(t, c, NULL, 0, &e), RL_SEC_ERR_UNTRUSTED);
  ck_assert_msg(strstr(e.text, "expired"), "%s", e.text);
  /* At a time inside its period it is fine; before it, not yet valid. */
  rl_trust_set_time(t, now - 5 * 86400);
  ck_assert_msg(rl_trust_verify(t, c, NULL, 0, &e) == 0, "%s", e.text);
  rl_trust_set_time(t, now - 15 * 86400);
  e.code = 0;
  ck_assert_int_eq(rl_trust_verify(t, c, NULL, 0, &e), RL_SEC_ERR_UNTRUSTED);
  ck_assert_msg(strstr(e.text, "not yet valid"), "%s", e.text);
  rl_trust_free(t);
  rl_cert_free(c);
  rl_cert_free(old_ca);
}
END_TEST

/* A chain through an intermediate CA, given as the untrusted chain; and a
 * node certificate used as a CA, which basic constraints forbid. */
START_TEST(intermediates_and_basic_constraints) {
  rl_cert *mid = make_cert(test_key[3], test_key[0], ca, "intermediate", NULL, 1);
  rl_cert *leaf = NULL, *node = NULL, *under_node = NULL;
  rl_trust *t = trust_with_ca();
  rl_issue_params p;
  rl_sec_error e = {0, ""};
  memset(&p, 0, sizeof p);
  p.overlay = TEST_OVERLAY;
  p.user = "erin@" TEST_OVERLAY;
  p.node_ids = (const uint8_t (*)[RL_NODE_ID_MAX])ids;
  p.n_node_ids = 1;
  p.node_id_len = 16;
  ck_assert_int_eq(rl_ca_issue(test_key[3], mid, test_key[1], &p, &leaf, &e), 0);
  ck_assert_msg(rl_trust_verify(t, leaf, &mid, 1, &e) == 0, "%s", e.text);
  ck_assert_int_eq(rl_trust_verify(t, leaf, NULL, 0, &e), RL_SEC_ERR_UNTRUSTED);
  node = test_issue(ca, 2, "frank@" TEST_OVERLAY, (const uint8_t (*)[RL_NODE_ID_MAX])&ids[1], 1);
  p.node_ids = (const uint8_t (*)[RL_NODE_ID_MAX])&ids[2];
  ck_assert_int_eq(rl_ca_issue(test_key[2], node, test_key[1], &p, &under_node, &e), 0);
  e.code = 0;
  ck_assert_int_eq(rl_trust_verify(t, under_node, &node, 1, &e), RL_SEC_ERR_UNTRUSTED);
  ck_assert_msg(strstr(e.text, "CA"), "%s", e.text);
  rl_trust_free(t);
  rl_cert_free(mid);
  rl_cert_free(leaf);
  rl_cert_free(node);
  rl_cert_free(under_node);
}
END_TEST

/* 11.3.1: the Node-ID of a self-signed certificate is digest(SPKI),
 * truncated; with several, digest(index || SPKI). */
START_TEST(self_signed_credentials) {
  rl_issue_params p;
  rl_cert *one = NULL, *three = NULL;
  rl_trust *t = NULL;
  rl_sec_error e = {0, ""};
  uint8_t want[EVP_MAX_MD_SIZE], *spki_cat;
  unsigned char *spki = NULL;
  unsigned int wn = 0;
  int spki_len = i2d_PUBKEY(test_key[2], &spki);
  memset(&p, 0, sizeof p);
  p.overlay = TEST_OVERLAY;
  p.user = "self@" TEST_OVERLAY;
  p.n_node_ids = 1;
  p.node_id_len = 16;
  ck_assert_int_eq(rl_self_signed_create(test_key[2], RL_HashAlgorithm_sha256, &p, &one, &e), 0);
  ck_assert(one->self_signed);
  EVP_Digest(spki, (size_t)spki_len, want, &wn, EVP_sha256(), NULL);
  ck_assert_mem_eq(one->node_ids[0], want, 16);
  p.n_node_ids = 3;
  p.node_id_len = 20;
  ck_assert_int_eq(rl_self_signed_create(test_key[2], RL_HashAlgorithm_sha1, &p, &three, &e), 0);
  spki_cat = malloc(4 + (size_t)spki_len);
  memcpy(spki_cat + 4, spki, (size_t)spki_len);
  for (int i = 0; i < 3; i++) {
    spki_cat[0] = spki_cat[1] = spki_cat[2] = 0;
    spki_cat[3] = (uint8_t)(i + 1);
    EVP_Digest(spki_cat, 4 + (size_t)spki_len, want, &wn, EVP_sha1(), NULL);
    ck_assert_mem_eq(three->node_ids[i], want, 20);
  }
  /* Accepted only where permitted, with the overlay's digest. */
  ck_assert_int_eq(rl_trust_new(TEST_OVERLAY, 16, &t, &e), 0);
  ck_assert_int_eq(rl_trust_verify(t, one, NULL, 0, &e), RL_SEC_ERR_SELF_SIGNED);
  ck_assert_msg(strstr(e.text, "does not permit self-signed"), "%s", e.text);
  ck_assert_int_eq(rl_trust_allow_self_signed(t, RL_HashAlgorithm_sha1), 0);
  e.code = 0;
  ck_assert_int_eq(rl_trust_verify(t, one, NULL, 0, &e), RL_SEC_ERR_SELF_SIGNED);
  ck_assert_msg(strstr(e.text, "not derived from its public key with sha1"), "%s", e.text);
  ck_assert_int_eq(rl_trust_allow_self_signed(t, RL_HashAlgorithm_sha256), 0);
  e.code = 0;
  ck_assert_msg(rl_trust_verify(t, one, NULL, 0, &e) == 0, "%s", e.text);
  ck_assert_int_eq(rl_trust_allow_self_signed(t, RL_HashAlgorithm_md5), RL_SEC_ERR_ALGORITHM);
  rl_trust_free(t);
  ck_assert_int_eq(rl_trust_new(TEST_OVERLAY, 20, &t, &e), 0);
  rl_trust_allow_self_signed(t, RL_HashAlgorithm_sha1);
  ck_assert_msg(rl_trust_verify(t, three, NULL, 0, &e) == 0, "%s", e.text);
  rl_trust_free(t);
  free(spki_cat);
  OPENSSL_free(spki);
  rl_cert_free(one);
  rl_cert_free(three);
}
END_TEST

/* Node-ID theft: a self-signed certificate claiming someone's Node-ID. */
START_TEST(self_signed_with_stolen_node_id) {
  char san[RL_NODE_ID_URI_MAX + 100], uri[RL_NODE_ID_URI_MAX];
  uint8_t victim[RL_NODE_ID_MAX];
  rl_cert *thief;
  rl_trust *t = NULL;
  rl_sec_error e = {0, ""};
  ck_assert_int_eq(rl_self_signed_node_id(test_key[2], RL_HashAlgorithm_sha256, 0, 16, victim), 0);
  rl_node_id_uri(victim, 16, TEST_OVERLAY, uri, sizeof uri);
  snprintf(san, sizeof san, "critical,URI:%s,email:thief@%s", uri, TEST_OVERLAY);
  thief = make_cert(test_key[3], test_key[3], NULL, NULL, san, 0);
  ck_assert(thief->self_signed);
  ck_assert_int_eq(rl_cert_check_identities(thief, &e), 0);
  ck_assert_int_eq(rl_trust_new(TEST_OVERLAY, 16, &t, &e), 0);
  rl_trust_allow_self_signed(t, RL_HashAlgorithm_sha256);
  ck_assert_int_eq(rl_trust_verify(t, thief, NULL, 0, &e), RL_SEC_ERR_SELF_SIGNED);
  rl_trust_free(t);
  rl_cert_free(thief);
}
END_TEST

/* The trust context an overlay configuration describes. */
START_TEST(trust_from_configuration) {
  rl_cert *c = test_issue(ca, 1, "alice@" TEST_OVERLAY, (const uint8_t (*)[RL_NODE_ID_MAX])ids, 1);
  rl_cert *c2 = test_issue(ca, 2, "bob@" TEST_OVERLAY, (const uint8_t (*)[RL_NODE_ID_MAX])&ids[1], 1);
  char *b64 = malloc(4 * ca->der_len / 3 + 8), *doc = malloc(8192), hex[33];
  rl_config_document d;
  rl_config_error ce;
  rl_trust *t = NULL;
  rl_sec_error e = {0, ""};
  EVP_EncodeBlock((unsigned char *)b64, ca->der, (int)ca->der_len);
  snprintf(doc, 8192,
           "<overlay xmlns='urn:ietf:params:xml:ns:p2p:config-base'>"
           "<configuration instance-name='%s'><root-cert>%s</root-cert>"
           "<bad-node>%s</bad-node></configuration></overlay>",
           TEST_OVERLAY, b64, rl_hex(ids[1], 16, hex));
  ck_assert_msg(rl_config_parse(doc, strlen(doc), &d, &ce) == 0, "%s", ce.message);
  ck_assert_int_eq(rl_trust_from_config(&d.configs[0], &t, &e), 0);
  ck_assert_msg(rl_trust_verify(t, c, NULL, 0, &e) == 0, "%s", e.text);
  ck_assert_int_eq(rl_trust_verify(t, c2, NULL, 0, &e), RL_SEC_ERR_BAD_NODE);
  rl_trust_free(t);
  rl_config_document_free(&d);
  free(b64);
  free(doc);
  rl_cert_free(c);
  rl_cert_free(c2);
}
END_TEST

START_TEST(issue_parameters_checked) {
  rl_issue_params p;
  rl_cert *c = NULL;
  rl_sec_error e = {0, ""};
  uint8_t same[2][RL_NODE_ID_MAX];
  memset(same, 7, sizeof same);
  memset(&p, 0, sizeof p);
  p.overlay = TEST_OVERLAY;
  p.user = "bad name@" TEST_OVERLAY;
  p.node_ids = (const uint8_t (*)[RL_NODE_ID_MAX])ids;
  p.n_node_ids = 1;
  p.node_id_len = 16;
  ck_assert_int_eq(rl_ca_issue(test_key[0], ca, test_key[1], &p, &c, &e), RL_ERR_PARAM);
  ck_assert_msg(strstr(e.text, "character 0x20"), "%s", e.text);
  p.user = "alice";
  e.code = 0;
  ck_assert_int_eq(rl_ca_issue(test_key[0], ca, test_key[1], &p, &c, &e), RL_ERR_PARAM);
  p.user = "alice@" TEST_OVERLAY;
  p.node_ids = (const uint8_t (*)[RL_NODE_ID_MAX])same;
  p.n_node_ids = 2;
  e.code = 0;
  ck_assert_int_eq(rl_ca_issue(test_key[0], ca, test_key[1], &p, &c, &e), RL_ERR_PARAM);
  p.n_node_ids = 1;
  p.node_id_len = 21;
  e.code = 0;
  ck_assert_int_eq(rl_ca_issue(test_key[0], ca, test_key[1], &p, &c, &e), RL_ERR_PARAM);
  p.node_id_len = 16;
  e.code = 0;
  ck_assert_int_eq(rl_ca_issue(test_key[1], ca, test_key[1], &p, &c, &e), RL_SEC_ERR_KEY);
  ck_assert_ptr_null(c);
}
END_TEST

START_TEST(random_node_ids_are_distinct) {
  uint8_t r[8][RL_NODE_ID_MAX];
  rl_sec_error e = {0, ""};
  ck_assert_int_eq(rl_random_node_ids(8, 20, r, &e), 0);
  for (int i = 0; i < 8; i++)
    for (int j = 0; j < i; j++) ck_assert(memcmp(r[i], r[j], 20) != 0);
  ck_assert_int_eq(rl_random_node_ids(1, 15, r, &e), RL_ERR_PARAM);
}
END_TEST

int main(void) {
  Suite *s = suite_create("security_cert");
  TCase *tc = tcase_create("cert");
  SRunner *sr;
  int failed;
  testkeys_init();
  setup();
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, node_id_uri_form);
  tcase_add_loop_test(tc, node_id_uri_parse, 0, (int)(sizeof uris / sizeof uris[0]));
  tcase_add_test(tc, issued_certificate_identities);
  tcase_add_test(tc, check_node_id_names_what_is_there);
  tcase_add_loop_test(tc, identity_problems_reported, 0,
                      (int)(sizeof bad_identities / sizeof bad_identities[0]));
  tcase_add_test(tc, der_and_files);
  tcase_add_test(tc, certificate_hashes);
  tcase_add_test(tc, chain_to_root);
  tcase_add_test(tc, overlay_length_and_bad_node);
  tcase_add_test(tc, validity_period);
  tcase_add_test(tc, intermediates_and_basic_constraints);
  tcase_add_test(tc, self_signed_credentials);
  tcase_add_test(tc, self_signed_with_stolen_node_id);
  tcase_add_test(tc, trust_from_configuration);
  tcase_add_test(tc, issue_parameters_checked);
  tcase_add_test(tc, random_node_ids_are_distinct);
  suite_add_tcase(s, tc);
  sr = srunner_create(s);
  srunner_run_all(sr, CK_NORMAL);
  failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
