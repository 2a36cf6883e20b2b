/* security/cert.h: X.509 certificates as RFC 6940 uses them.
 *
 * 11.3: a node's certificate carries, in subjectAltName,
 *   - one or more Node-IDs, each a uniformResourceIdentifier holding a
 *     RELOAD URI (14.15) whose destination is a Destination List with a
 *     single entry of type node_id:
 *        reload://0110<32 hex digits>@overlay.example.org/
 *     (type node = 01, length = 10 for NodeIdLength 16, then the Node-ID);
 *   - a single user name, as an rfc822Name;
 * and nothing else; its subject distinguished name is empty.
 * 11.3.1: a self-signed certificate's Node-ID is the digest of its
 * subjectPublicKeyInfo (with a 4-byte index prepended when it has several
 * Node-IDs), truncated to NodeIdLength.
 *
 * An rl_cert is a parsed certificate with those identities extracted. It
 * is reference counted (rl_cert_ref / rl_cert_free) so that certificate
 * sets and caches can share one. Parsing never fails for identity
 * problems (a CA certificate has no Node-IDs): they are recorded and
 * reported by rl_cert_check_identities. */
#ifndef RL_SECURITY_CERT_H
#define RL_SECURITY_CERT_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "gen/reload_codec.h"
#include "security/error.h"

#define RL_NODE_ID_MAX 20
#define RL_NODE_ID_MIN 16
/* "reload://" + 2*(2+20) hex + "@" + overlay (a DNS name, <= 253) + "/" */
#define RL_NODE_ID_URI_MAX 320

typedef struct rl_cert {
  X509 *x509;
  uint8_t *der;                /* the DER encoding (what cert_hash hashes) */
  size_t der_len;
  char *user;                  /* the rfc822Name, or NULL */
  uint8_t (*node_ids)[RL_NODE_ID_MAX];
  size_t n_node_ids;
  size_t node_id_len;          /* length of every Node-ID (0 when none) */
  char *overlay;               /* overlay name of the RELOAD URIs, or NULL */
  int self_signed;             /* issuer = subject and its own key verifies it */
  /* SHA-256 of the DER, and of each Node-ID || DER (6.3.4 cert_hash and
   * cert_hash_node_id), made once: every signature check looks for its
   * signer by these hashes. */
  uint8_t der_sha256[32];
  uint8_t (*node_id_sha256)[32];
  char identity_problem[200];  /* why the identities break 11.3, or "" */
  int refs;
} rl_cert;

/* Parse a DER certificate (exactly len bytes). */
int rl_cert_from_der(const uint8_t *der, size_t len, rl_cert **out, rl_sec_error *e);

/* A process that holds many nodes (reload-sim) shares one parsed copy of
 * each certificate among them: with the pool on, rl_cert_pool_get returns
 * a new reference to the copy parsed before (same DER), and parses and
 * keeps it otherwise; off, it is rl_cert_from_der. rl_cert_pool_enable(0)
 * drops the pool's references. Not thread-safe. */
void rl_cert_pool_enable(int on);
int rl_cert_pool_get(const uint8_t *der, size_t len, rl_cert **out, rl_sec_error *e);

/* Adopt an X509 (the reference passes to the rl_cert, also on failure). */
int rl_cert_from_x509(X509 *x, rl_cert **out, rl_sec_error *e);

/* Read a certificate file, PEM or DER. RL_ERR_IO when it cannot be read. */
int rl_cert_load_file(const char *path, rl_cert **out, rl_sec_error *e);

rl_cert *rl_cert_ref(rl_cert *c);
void rl_cert_free(rl_cert *c);

/* The public key (borrowed from the certificate). */
EVP_PKEY *rl_cert_public_key(const rl_cert *c);

/* 0, or RL_SEC_ERR_IDENTITY when the certificate is not a node
 * certificate as 11.3 describes (no Node-ID, not exactly one user name,
 * other names in subjectAltName, a malformed RELOAD URI, a non-empty
 * subject). */
int rl_cert_check_identities(const rl_cert *c, rl_sec_error *e);

/* 1 when the certificate carries this Node-ID. */
int rl_cert_has_node_id(const rl_cert *c, const uint8_t *id, size_t len);

/* 0, or RL_SEC_ERR_NODE_ID naming the Node-IDs it does carry. */
int rl_cert_check_node_id(const rl_cert *c, const uint8_t *id, size_t len, rl_sec_error *e);

/* The RELOAD URI of a Node-ID (14.15, 11.3): "reload://01LL<hex>@overlay/".
 * Returns 0, RL_ERR_PARAM (len outside 16..20, empty overlay name) or
 * RL_ERR_BUFFER. */
int rl_node_id_uri(const uint8_t *id, size_t len, const char *overlay, char *buf, size_t size);

/* Read such a URI back: *len bytes into id (RL_NODE_ID_MAX), the overlay
 * name into overlay (size bytes). Returns 0 or RL_SEC_ERR_IDENTITY with
 * the reason in why. */
int rl_node_id_uri_parse(const char *uri, uint8_t *id, size_t *len, char *overlay, size_t size,
                         char *why, size_t whylen);

/* The hash of the certificate for a SignerIdentity (6.3.4): with
 * node_id NULL, cert_hash = H(certificate); else cert_hash_node_id =
 * H(NodeId || certificate). out holds EVP_MAX_MD_SIZE bytes. Returns 0 or
 * RL_SEC_ERR_ALGORITHM (hash not sha1/sha224/sha256/sha384/sha512). */
int rl_cert_hash(const rl_cert *c, rl_HashAlgorithm alg, const uint8_t *node_id, size_t node_id_len,
                 uint8_t *out, size_t *out_len);

/* The Node-ID of a self-signed certificate (11.3.1): the high-order len
 * bytes of digest(subjectPublicKeyInfo), or, with index >= 1 (one of
 * several Node-IDs), of digest(index as 4 bytes big-endian ||
 * subjectPublicKeyInfo). digest is sha1 or sha256. */
int rl_self_signed_node_id(EVP_PKEY *key, rl_HashAlgorithm digest, uint32_t index, size_t len,
                           uint8_t *out);

/* The OpenSSL digest of a TLS HashAlgorithm value, or NULL. */
const EVP_MD *rl_hash_md(rl_HashAlgorithm alg);

/* Lower-case hex of n bytes into buf (2n+1 bytes). */
char *rl_hex(const uint8_t *p, size_t n, char *buf);

#endif
