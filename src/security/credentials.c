/* security/credentials.c: see credentials.h. */
#include "security/credentials.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/x509.h>

#include "runtime/error.h"
#include "security/ca.h"

int rl_credentials_new(EVP_PKEY *key, rl_cert *cert, const uint8_t *node_id, size_t node_id_len,
                       rl_credentials **out, rl_sec_error *e) {
  rl_credentials *c = NULL;
  int r = 0;
  *out = NULL;
  r = rl_cert_check_identities(cert, e);
  if (r != 0) return r;
  if (X509_check_private_key(cert->x509, key) != 1)
    return rl_sec_fail(e, RL_SEC_ERR_KEY, "the private key does not belong to the certificate of %s",
                       cert->user);
  if (node_id) {
    r = rl_cert_check_node_id(cert, node_id, node_id_len, e);
    if (r != 0) return r;
  }
  c = calloc(1, sizeof *c);
  if (!c) return rl_sec_fail(e, RL_ERR_NOMEM, "out of memory");
  if (EVP_PKEY_get_base_id(key) == EVP_PKEY_RSA) {
    c->signature_alg = RL_SignatureAlgorithm_rsa;
  } else if (EVP_PKEY_get_base_id(key) == EVP_PKEY_EC) {
    c->signature_alg = RL_SignatureAlgorithm_ecdsa;
  } else {
    r = rl_sec_fail(e, RL_SEC_ERR_KEY, "the key is neither RSA nor EC");
    goto done;
  }
  EVP_PKEY_up_ref(key);
  c->key = key;
  c->cert = rl_cert_ref(cert);
  c->node_id_len = cert->node_id_len;
  memcpy(c->node_id, node_id ? node_id : cert->node_ids[0], c->node_id_len);
  c->identity_hash_alg = RL_HashAlgorithm_sha256;
  /* 6.3.4: cert_hash for a certificate with one Node-ID, else
   * cert_hash_node_id = H(NodeId || certificate). */
  if (cert->n_node_ids == 1) {
    c->identity_type = RL_SignerIdentityType_cert_hash;
    r = rl_cert_hash(cert, c->identity_hash_alg, NULL, 0, c->identity_hash, &c->identity_hash_len);
  } else {
    c->identity_type = RL_SignerIdentityType_cert_hash_node_id;
    r = rl_cert_hash(cert, c->identity_hash_alg, c->node_id, c->node_id_len, c->identity_hash,
                     &c->identity_hash_len);
  }
  if (r != 0) r = rl_sec_fail(e, r, "cannot hash the certificate");
done:
  if (r != 0) {
    rl_credentials_free(c);
    c = NULL;
  }
  *out = c;
  return r;
}

int rl_credentials_load(const char *cert_path, const char *key_path, const uint8_t *node_id,
                        size_t node_id_len, rl_credentials **out, rl_sec_error *e) {
  rl_cert *cert = NULL;
  EVP_PKEY *key = NULL;
  int r = rl_cert_load_file(cert_path, &cert, e);
  *out = NULL;
  if (r == 0) r = rl_key_load_file(key_path, &key, e);
  if (r == 0) r = rl_credentials_new(key, cert, node_id, node_id_len, out, e);
  rl_cert_free(cert);
  EVP_PKEY_free(key);
  return r;
}

void rl_credentials_free(rl_credentials *c) {
  if (!c) return;
  EVP_PKEY_free(c->key);
  rl_cert_free(c->cert);
  free(c);
}

void rl_credentials_signer_identity(const rl_credentials *c, rl_SignerIdentity *out) {
  rl_bytes h = {c->identity_hash, c->identity_hash_len};
  memset(out, 0, sizeof *out);
  out->identity_type = c->identity_type;
  /* length: hash_alg (1) + the hash with its 1-byte length prefix */
  out->length = (uint16_t)(2 + c->identity_hash_len);
  if (c->identity_type == RL_SignerIdentityType_cert_hash) {
    out->identity.cert_hash.hash_alg = c->identity_hash_alg;
    out->identity.cert_hash.certificate_hash = h;
  } else {
    out->identity.cert_hash_node_id.hash_alg = c->identity_hash_alg;
    out->identity.cert_hash_node_id.certificate_node_id_hash = h;
  }
}

size_t rl_credentials_signature_size(const rl_credentials *c) {
  int n = EVP_PKEY_get_size(c->key);
  return n > 0 ? (size_t)n : 0;
}
