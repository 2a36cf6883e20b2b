/* security/trust.h: which certificates an overlay accepts.
 *
 * A trust context holds what the overlay configuration says about
 * credentials: the overlay name and NodeIdLength, the root-cert trust
 * anchors (11.1, 11.3: "The client MUST check that the returned
 * certificate chains back to one of the certificates received in the
 * root-cert list ... (including PKIX BasicConstraints checks)"), whether
 * self-signed certificates are permitted and with which digest (11.3.1),
 * and the bad-node list (11.1: "the certificate with this Node-ID MUST
 * NOT be considered valid"). */
#ifndef RL_SECURITY_TRUST_H
#define RL_SECURITY_TRUST_H

#include <stddef.h>
#include <stdint.h>

#include "overlay/config.h"
#include "security/cert.h"
#include "security/error.h"

typedef struct rl_trust rl_trust;

/* An empty context (no roots, no self-signed certificates). */
int rl_trust_new(const char *overlay, size_t node_id_len, rl_trust **out, rl_sec_error *e);
void rl_trust_free(rl_trust *t);

/* Everything the configuration says: instance-name, node-id-length,
 * root-cert, self-signed-permitted, bad-node. */
int rl_trust_from_config(const rl_overlay_config *cfg, rl_trust **out, rl_sec_error *e);

int rl_trust_add_root(rl_trust *t, const rl_cert *root, rl_sec_error *e);
int rl_trust_add_root_der(rl_trust *t, const uint8_t *der, size_t len, rl_sec_error *e);
/* digest: RL_HashAlgorithm_sha1 or _sha256. */
int rl_trust_allow_self_signed(rl_trust *t, rl_HashAlgorithm digest);
int rl_trust_add_bad_node(rl_trust *t, const uint8_t *id, size_t len);

/* Verify at this time (seconds since 1970) instead of now; 0: now. */
void rl_trust_set_time(rl_trust *t, int64_t when);

/* Is cert a valid credential in this overlay? In order:
 *   its identities are as 11.3 requires (RL_SEC_ERR_IDENTITY), for this
 *   overlay and NodeIdLength (RL_SEC_ERR_IDENTITY);
 *   none of its Node-IDs is a bad-node (RL_SEC_ERR_BAD_NODE);
 *   self-signed: permitted, within its validity period, and every Node-ID
 *   derived from its public key as 11.3.1 says (RL_SEC_ERR_SELF_SIGNED,
 *   RL_SEC_ERR_UNTRUSTED when expired);
 *   otherwise: a chain to a root, through the intermediate certificates
 *   in chain (may be NULL), checked by OpenSSL with validity periods and
 *   basic constraints (RL_SEC_ERR_UNTRUSTED with OpenSSL's reason).
 * Returns 0 when it is valid. */
int rl_trust_verify(const rl_trust *t, const rl_cert *cert, rl_cert *const *chain, size_t nchain,
                    rl_sec_error *e);

#endif
