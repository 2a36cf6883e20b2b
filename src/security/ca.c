/* security/ca.c: see ca.h. */
#define _POSIX_C_SOURCE 200809L

#include "security/ca.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>

#include "runtime/error.h"

int rl_key_generate_rsa(int bits, EVP_PKEY **out, rl_sec_error *e) {
  *out = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)(bits > 0 ? bits : 2048));
  if (!*out) return rl_sec_fail(e, RL_SEC_ERR_CRYPTO, "cannot generate an RSA key of %d bits", bits);
  return 0;
}

int rl_key_generate_ec(EVP_PKEY **out, rl_sec_error *e) {
  *out = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
  if (!*out) return rl_sec_fail(e, RL_SEC_ERR_CRYPTO, "cannot generate a P-256 key");
  return 0;
}

int rl_key_load_file(const char *path, EVP_PKEY **out, rl_sec_error *e) {
  FILE *f = fopen(path, "rb");
  *out = NULL;
  if (!f) return rl_sec_fail(e, RL_ERR_IO, "%s: %s", path, strerror(errno));
  *out = PEM_read_PrivateKey(f, NULL, NULL, NULL);
  fclose(f);
  if (!*out) return rl_sec_fail(e, RL_SEC_ERR_KEY, "%s: not a PEM private key", path);
  return 0;
}

/* Written through a file created with mode 0600, so that the key is
 * never readable by others, not even briefly. */
int rl_key_write_file(const char *path, EVP_PKEY *key, rl_sec_error *e) {
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  FILE *f;
  int ok;
  if (fd < 0) return rl_sec_fail(e, RL_ERR_IO, "%s: %s", path, strerror(errno));
  f = fdopen(fd, "w");
  if (!f) {
    close(fd);
    return rl_sec_fail(e, RL_ERR_IO, "%s: %s", path, strerror(errno));
  }
  ok = PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL) == 1;
  if (fclose(f) != 0) ok = 0;
  if (!ok) return rl_sec_fail(e, RL_ERR_IO, "%s: cannot write the key", path);
  return 0;
}

int rl_cert_write_file(const char *path, const rl_cert *c, rl_sec_error *e) {
  FILE *f = fopen(path, "w");
  int ok;
  if (!f) return rl_sec_fail(e, RL_ERR_IO, "%s: %s", path, strerror(errno));
  ok = PEM_write_X509(f, c->x509) == 1;
  if (fclose(f) != 0) ok = 0;
  if (!ok) return rl_sec_fail(e, RL_ERR_IO, "%s: cannot write the certificate", path);
  return 0;
}

int rl_random_node_ids(size_t n, size_t len, uint8_t (*out)[RL_NODE_ID_MAX], rl_sec_error *e) {
  if (len < RL_NODE_ID_MIN || len > RL_NODE_ID_MAX)
    return rl_sec_fail(e, RL_ERR_PARAM, "NodeIdLength %zu is not 16..20", len);
  for (size_t i = 0; i < n; i++) {
    int dup = 1;
    while (dup) {
      if (RAND_bytes(out[i], (int)len) != 1)
        return rl_sec_fail(e, RL_SEC_ERR_CRYPTO, "no random bytes");
      dup = 0;
      for (size_t j = 0; j < i; j++) dup |= memcmp(out[i], out[j], len) == 0;
    }
  }
  return 0;
}

int rl_user_name_check(const char *name, rl_sec_error *e) {
  const char *at = strchr(name, '@');
  size_t n = strlen(name);
  if (!at || at == name || at[1] == '\0' || strchr(at + 1, '@') || n > 254)
    return rl_sec_fail(e, RL_ERR_PARAM, "user name \"%.60s\" is not local@domain", name);
  for (const char *p = name; *p; p++) {
    char c = *p;
    int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
             c == '.' || c == '-' || (p < at && (c == '_' || c == '+')) || p == at;
    if (!ok)
      return rl_sec_fail(e, RL_ERR_PARAM, "user name \"%.60s\": character 0x%02x is not allowed",
                         name, (unsigned char)c);
  }
  return 0;
}

/* ---------------------------------------------------------------------
 * Certificate building
 * --------------------------------------------------------------------- */

static int set_serial(X509 *x) {
  uint8_t b[16];
  BIGNUM *bn = NULL;
  int ok = RAND_bytes(b, sizeof b) == 1;
  b[0] &= 0x7f; /* positive, and at most 20 octets (RFC 5280 4.1.2.2) */
  b[0] |= 0x01; /* never zero */
  if (ok) bn = BN_bin2bn(b, sizeof b, NULL);
  ok = bn && BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) != NULL;
  BN_free(bn);
  return ok;
}

static int set_validity(X509 *x, const rl_issue_params *p) {
  time_t nb = p->not_before ? (time_t)p->not_before : time(NULL) - 300;
  time_t na = p->not_after ? (time_t)p->not_after
                           : nb + (time_t)(p->days > 0 ? p->days : 365) * 86400;
  return ASN1_TIME_set(X509_getm_notBefore(x), nb) && ASN1_TIME_set(X509_getm_notAfter(x), na);
}

static int add_ext(X509 *x, X509V3_CTX *ctx, int nid, const char *value) {
  X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, ctx, nid, value);
  int ok = ext && X509_add_ext(x, ext, -1) == 1;
  X509_EXTENSION_free(ext);
  return ok;
}

static int add_general_name(GENERAL_NAMES *names, int type, const char *value) {
  GENERAL_NAME *g = GENERAL_NAME_new();
  ASN1_IA5STRING *s = ASN1_IA5STRING_new();
  if (!g || !s || ASN1_STRING_set(s, value, (int)strlen(value)) != 1) {
    GENERAL_NAME_free(g);
    ASN1_IA5STRING_free(s);
    return 0;
  }
  GENERAL_NAME_set0_value(g, type, s);
  if (!sk_GENERAL_NAME_push(names, g)) {
    GENERAL_NAME_free(g);
    return 0;
  }
  return 1;
}

/* 11.3: one RELOAD URI per Node-ID and the user name, nothing else.
 * Critical, because the subject is empty (RFC 5280 4.2.1.6). */
static int add_identities(X509 *x, const char *overlay, const char *user,
                          const uint8_t (*ids)[RL_NODE_ID_MAX], size_t n, size_t len) {
  GENERAL_NAMES *names = sk_GENERAL_NAME_new_null();
  char uri[RL_NODE_ID_URI_MAX];
  int ok = names != NULL;
  for (size_t i = 0; ok && i < n; i++)
    ok = rl_node_id_uri(ids[i], len, overlay, uri, sizeof uri) == 0 &&
         add_general_name(names, GEN_URI, uri);
  if (ok) ok = add_general_name(names, GEN_EMAIL, user);
  if (ok) ok = X509_add1_ext_i2d(x, NID_subject_alt_name, names, 1, X509V3_ADD_DEFAULT) == 1;
  GENERAL_NAMES_free(names);
  return ok;
}

static int node_extensions(X509 *x, X509 *issuer) {
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, issuer, x, NULL, NULL, 0);
  return add_ext(x, &ctx, NID_basic_constraints, "critical,CA:FALSE") &&
         add_ext(x, &ctx, NID_key_usage, "critical,digitalSignature,keyEncipherment") &&
         add_ext(x, &ctx, NID_ext_key_usage, "serverAuth,clientAuth") &&
         add_ext(x, &ctx, NID_subject_key_identifier, "hash") &&
         (issuer == x || add_ext(x, &ctx, NID_authority_key_identifier, "keyid"));
}

static int check_params(const rl_issue_params *p, int need_ids, rl_sec_error *e) {
  int r = 0;
  if (!p->overlay || !*p->overlay) return rl_sec_fail(e, RL_ERR_PARAM, "no overlay name");
  if (p->node_id_len < RL_NODE_ID_MIN || p->node_id_len > RL_NODE_ID_MAX)
    return rl_sec_fail(e, RL_ERR_PARAM, "NodeIdLength %zu is not 16..20", p->node_id_len);
  if (p->n_node_ids == 0 || (need_ids && !p->node_ids))
    return rl_sec_fail(e, RL_ERR_PARAM, "a node certificate needs at least one Node-ID");
  if (!p->user) return rl_sec_fail(e, RL_ERR_PARAM, "no user name");
  r = rl_user_name_check(p->user, e);
  for (size_t i = 0; r == 0 && need_ids && i < p->n_node_ids; i++)
    for (size_t j = 0; j < i; j++)
      if (memcmp(p->node_ids[i], p->node_ids[j], p->node_id_len) == 0)
        return rl_sec_fail(e, RL_ERR_PARAM, "Node-ID %zu repeats Node-ID %zu", i + 1, j + 1);
  return r;
}

/* Sign x (taking it) and wrap it. */
static int finish(X509 *x, EVP_PKEY *signer, int ok, rl_cert **out, rl_sec_error *e) {
  if (ok && X509_sign(x, signer, EVP_sha256()) <= 0) ok = 0;
  if (!ok) {
    X509_free(x);
    return rl_sec_fail(e, RL_SEC_ERR_CRYPTO, "cannot build the certificate");
  }
  return rl_cert_from_x509(x, out, e);
}

int rl_ca_create(EVP_PKEY *ca_key, const rl_issue_params *p, rl_cert **out, rl_sec_error *e) {
  X509 *x = X509_new();
  X509_NAME *name;
  X509V3_CTX ctx;
  char cn[65];
  int ok;
  *out = NULL;
  if (!p->overlay || !*p->overlay) {
    X509_free(x);
    return rl_sec_fail(e, RL_ERR_PARAM, "no overlay name");
  }
  /* commonName holds at most 64 characters (RFC 5280 ub-common-name). */
  snprintf(cn, sizeof cn, "RELOAD CA %s", p->overlay);
  ok = x && X509_set_version(x, 2) && set_serial(x) && set_validity(x, p) &&
       X509_set_pubkey(x, ca_key);
  name = x ? X509_get_subject_name(x) : NULL;
  ok = ok && name &&
       X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, (const unsigned char *)cn, -1, -1, 0) &&
       X509_set_issuer_name(x, name);
  if (ok) {
    X509V3_set_ctx(&ctx, x, x, NULL, NULL, 0);
    ok = add_ext(x, &ctx, NID_basic_constraints, "critical,CA:TRUE") &&
         add_ext(x, &ctx, NID_key_usage, "critical,keyCertSign,cRLSign") &&
         add_ext(x, &ctx, NID_subject_key_identifier, "hash");
  }
  return finish(x, ca_key, ok, out, e);
}

int rl_ca_issue(EVP_PKEY *ca_key, const rl_cert *ca, EVP_PKEY *subject_key,
                const rl_issue_params *p, rl_cert **out, rl_sec_error *e) {
  X509 *x;
  int ok, r;
  *out = NULL;
  r = check_params(p, 1, e);
  if (r != 0) return r;
  if (X509_check_private_key(ca->x509, ca_key) != 1)
    return rl_sec_fail(e, RL_SEC_ERR_KEY, "the CA key does not belong to the CA certificate");
  x = X509_new();
  /* 11.3: "The subject distinguished name in the certificate MUST be
   * empty": X509_new's subject name has no entries. */
  ok = x && X509_set_version(x, 2) && set_serial(x) && set_validity(x, p) &&
       X509_set_issuer_name(x, X509_get_subject_name(ca->x509)) &&
       X509_set_pubkey(x, subject_key) &&
       add_identities(x, p->overlay, p->user, p->node_ids, p->n_node_ids, p->node_id_len) &&
       node_extensions(x, ca->x509);
  return finish(x, ca_key, ok, out, e);
}

int rl_self_signed_create(EVP_PKEY *key, rl_HashAlgorithm digest, const rl_issue_params *p,
                          rl_cert **out, rl_sec_error *e) {
  uint8_t (*ids)[RL_NODE_ID_MAX] = NULL;
  X509 *x = NULL;
  int ok, r;
  *out = NULL;
  r = check_params(p, 0, e);
  if (r != 0) return r;
  ids = calloc(p->n_node_ids, sizeof *ids);
  if (!ids) return rl_sec_fail(e, RL_ERR_NOMEM, "out of memory");
  /* 11.3.1: one Node-ID: digest(SPKI); several: digest(index || SPKI),
   * index 1..n. */
  for (size_t i = 0; r == 0 && i < p->n_node_ids; i++) {
    r = rl_self_signed_node_id(key, digest, p->n_node_ids == 1 ? 0 : (uint32_t)(i + 1),
                               p->node_id_len, ids[i]);
    if (r != 0) r = rl_sec_fail(e, r, "cannot derive a Node-ID from the key with this digest");
  }
  if (r == 0) {
    x = X509_new();
    /* Issuer and subject are the same, empty name. */
    ok = x && X509_set_version(x, 2) && set_serial(x) && set_validity(x, p) &&
         X509_set_pubkey(x, key) &&
         add_identities(x, p->overlay, p->user, (const uint8_t (*)[RL_NODE_ID_MAX])ids,
                        p->n_node_ids, p->node_id_len) &&
         node_extensions(x, x);
    r = finish(x, key, ok, out, e);
  }
  free(ids);
  return r;
}
