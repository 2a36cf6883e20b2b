/* security/ca.h: making keys and certificates: an overlay CA, the node
 * certificates an enrollment server issues (RFC 6940 11.3), and
 * self-generated credentials (11.3.1). Used by tools/reload-ca and by the
 * tests; a production enrollment server would wrap rl_ca_issue in the
 * HTTPS protocol of 11.3. */
#ifndef RL_SECURITY_CA_H
#define RL_SECURITY_CA_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "security/cert.h"
#include "security/error.h"

/* What goes into a node certificate. */
typedef struct rl_issue_params {
  const char *overlay;      /* instance-name: the host part of the RELOAD URIs */
  const char *user;         /* the user name (rfc822Name) */
  const uint8_t (*node_ids)[RL_NODE_ID_MAX];
  size_t n_node_ids;
  size_t node_id_len;       /* 16..20 */
  int64_t not_before;       /* seconds since 1970; 0: now minus five minutes */
  int64_t not_after;        /* 0: not_before plus days */
  int days;                 /* validity when not_after is 0; 0: 365 */
} rl_issue_params;

/* A new RSA key of bits bits (2048 when 0). */
int rl_key_generate_rsa(int bits, EVP_PKEY **out, rl_sec_error *e);
/* A new NIST P-256 key: ECDSA signatures (SignatureAlgorithm ecdsa, RFC
 * 6940 6.3.4 uses TLS's registry), far cheaper to make than RSA's. */
int rl_key_generate_ec(EVP_PKEY **out, rl_sec_error *e);

/* PEM private key files (written unencrypted, mode 0600). */
int rl_key_load_file(const char *path, EVP_PKEY **out, rl_sec_error *e);
int rl_key_write_file(const char *path, EVP_PKEY *key, rl_sec_error *e);

/* A PEM certificate file. */
int rl_cert_write_file(const char *path, const rl_cert *c, rl_sec_error *e);

/* n cryptographically random Node-IDs (11.3: "MUST be cryptographically
 * random"), distinct, of len bytes. */
int rl_random_node_ids(size_t n, size_t len, uint8_t (*out)[RL_NODE_ID_MAX], rl_sec_error *e);

/* A self-signed CA certificate for an overlay: subject "CN=RELOAD CA
 * <overlay>", basicConstraints CA:TRUE (critical), keyUsage keyCertSign
 * and cRLSign. p->overlay, validity fields used; the rest ignored. */
int rl_ca_create(EVP_PKEY *ca_key, const rl_issue_params *p, rl_cert **out, rl_sec_error *e);

/* A node certificate for subject_key signed by the CA: empty subject,
 * a critical subjectAltName with one RELOAD URI per Node-ID and the user
 * name as rfc822Name, basicConstraints CA:FALSE, keyUsage
 * digitalSignature and keyEncipherment, extendedKeyUsage serverAuth and
 * clientAuth (the links are mutually authenticated TLS), SHA-256. */
int rl_ca_issue(EVP_PKEY *ca_key, const rl_cert *ca, EVP_PKEY *subject_key,
                const rl_issue_params *p, rl_cert **out, rl_sec_error *e);

/* A self-signed node certificate (11.3.1): p->n_node_ids Node-IDs derived
 * from key with digest (sha1 or sha256); p->node_ids is ignored. */
int rl_self_signed_create(EVP_PKEY *key, rl_HashAlgorithm digest, const rl_issue_params *p,
                          rl_cert **out, rl_sec_error *e);

/* 0 when name is a user name this library issues: local@domain, ASCII
 * letters, digits and . _ - + on the left, a DNS name on the right (11.3:
 * "allow only legal characters in the name (e.g., no embedded NULs)").
 * Else RL_ERR_PARAM with the reason. */
int rl_user_name_check(const char *name, rl_sec_error *e);

#endif
