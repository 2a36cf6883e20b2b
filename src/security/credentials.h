/* security/credentials.h: a node's own credentials: its private key, its
 * certificate, the Node-ID it acts as, and the SignerIdentity it signs
 * with (RFC 6940 6.3.4):
 *   "There are two permitted identity formats, one for a certificate with
 *    only one Node-ID and one for a certificate with multiple Node-IDs.
 *    In the first case, the cert_hash type MUST be used. ... In the
 *    second case, the cert_hash_node_id type MUST be used."
 * The hash is SHA-256. */
#ifndef RL_SECURITY_CREDENTIALS_H
#define RL_SECURITY_CREDENTIALS_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "gen/reload_codec.h"
#include "security/cert.h"
#include "security/error.h"

typedef struct rl_credentials {
  EVP_PKEY *key;
  rl_cert *cert;
  uint8_t node_id[RL_NODE_ID_MAX];
  size_t node_id_len;
  rl_SignerIdentityType identity_type;     /* cert_hash or cert_hash_node_id */
  rl_HashAlgorithm identity_hash_alg;      /* sha256 */
  uint8_t identity_hash[EVP_MAX_MD_SIZE];
  size_t identity_hash_len;
  rl_SignatureAlgorithm signature_alg;     /* rsa, or ecdsa for an EC key */
} rl_credentials;

/* Credentials from a key and a certificate (references are taken: the
 * caller keeps its own). node_id: the Node-ID to act as (one the
 * certificate carries), or NULL for its first. Returns 0,
 * RL_SEC_ERR_KEY (the key is not the certificate's, or neither RSA nor
 * EC), RL_SEC_ERR_IDENTITY (not a node certificate), RL_SEC_ERR_NODE_ID. */
int rl_credentials_new(EVP_PKEY *key, rl_cert *cert, const uint8_t *node_id, size_t node_id_len,
                       rl_credentials **out, rl_sec_error *e);

/* The same from PEM files (the certificate may also be DER). */
int rl_credentials_load(const char *cert_path, const char *key_path, const uint8_t *node_id,
                        size_t node_id_len, rl_credentials **out, rl_sec_error *e);

void rl_credentials_free(rl_credentials *c);

/* The SignerIdentity of these credentials; out points into c. */
void rl_credentials_signer_identity(const rl_credentials *c, rl_SignerIdentity *out);

/* Bytes a signature by this key takes (the signature_value). */
size_t rl_credentials_signature_size(const rl_credentials *c);

#endif
