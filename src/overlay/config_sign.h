/* overlay/config_sign.h: signatures of overlay configuration documents
 * (RFC 6940 11.1).
 *
 * 11.1: "The signature MUST be computed by taking each configuration
 * element and starting from, and including, the first < at the start of
 * <configuration> up to and including the > in </configuration> and
 * treating this as a binary blob that MUST be signed using the standard
 * SecurityBlock defined in Section 6.3.4. The SecurityBlock MUST be
 * base-64 encoded ... and MUST be put in the signature element following
 * the configuration object". The kind-signature of a kind-block is made
 * the same way over the <kind> element.
 *
 * So a <signature> holds the base64 of a SecurityBlock: the signer's
 * certificate(s) and one Signature over blob || SignerIdentity
 * (rl_sign_blob, security/sign.h). A configuration is accepted when one of
 * its signature elements
 *   - decodes as a SecurityBlock (nothing left over),
 *   - names a signer among its own certificates, whose signature verifies,
 *   - whose certificate is valid in the overlay (rl_trust_verify: chains to
 *     a root-cert, not a bad-node, ...), and
 *   - whose Node-ID is one of the allowed signers: the configuration-signer
 *     elements "from the previous extant configuration" (11.1) for a
 *     configuration, the kind-signer elements of the current one for a
 *     kind-block.
 * The caller chooses the allowed signers and the trust, i.e. which
 * configuration is "current". */
#ifndef RL_OVERLAY_CONFIG_SIGN_H
#define RL_OVERLAY_CONFIG_SIGN_H

#include <stddef.h>
#include <stdint.h>

#include "overlay/config.h"
#include "runtime/arena.h"
#include "security/credentials.h"
#include "security/error.h"
#include "security/trust.h"

/* Who signed an accepted configuration or kind. */
typedef struct rl_config_signer {
  uint8_t node_id[RL_NODE_ID_MAX];
  size_t node_id_len;
  char user[256]; /* the certificate's user name, "" when it has none */
  size_t signature_index; /* which signature element verified */
} rl_config_signer;

/* The text of a <signature> (or <kind-signature>) element for blob,
 * signed with c: base64 of the SecurityBlock, in lines of 64 characters
 * separated by '\n'. *b64 is malloc'ed, NUL-terminated. Returns 0,
 * RL_ERR_NOMEM, RL_SEC_ERR_CRYPTO. */
int rl_config_sign_blob(const rl_credentials *c, const uint8_t *blob, size_t len, char **b64,
                        rl_sec_error *e);

/* Check one decoded signature element (the SecurityBlock's bytes) over
 * blob. signers: the allowed Node-IDs; trust: which certificates the
 * overlay accepts. scratch: memory for decoding the SecurityBlock (its
 * certificate list takes up to 14 times the element's length), given
 * back before the call returns; NULL: the function allocates what the
 * element's length needs (tools). Returns 0 (who filled in when not NULL), or
 * RL_ERR_TRUNCATED.. (the element is not a SecurityBlock),
 * RL_SEC_ERR_UNKNOWN_SIGNER, RL_SEC_ERR_ALGORITHM, RL_SEC_ERR_SIGNATURE,
 * the rl_trust_verify errors, RL_SEC_ERR_NODE_ID (the signer is not one
 * of signers). */
int rl_config_check_signature(const uint8_t *security_block, size_t sb_len, const uint8_t *blob,
                              size_t len, const rl_config_blobs *signers, const rl_trust *trust,
                              rl_arena *scratch, rl_config_signer *who, rl_sec_error *e);

/* A configuration (cfg->configuration_xml and cfg->signatures, as parsed)
 * signed by one of signers: 0 when one signature element passes
 * rl_config_check_signature; else RL_SEC_ERR_SIGNATURE when there is
 * none, or the error of the first signature element, its text prefixed
 * with "signature[i]". */
int rl_config_verify(const rl_overlay_config *cfg, const rl_config_blobs *signers,
                     const rl_trust *trust, rl_arena *scratch, rl_config_signer *who,
                     rl_sec_error *e);

/* A kind-block's kind-signature over its kind element, by one of
 * kind_signers; RL_SEC_ERR_SIGNATURE when it has none. */
int rl_config_verify_kind(const rl_config_kind *k, const rl_config_blobs *kind_signers,
                          const rl_trust *trust, rl_arena *scratch, rl_config_signer *who,
                          rl_sec_error *e);

/* Add a <signature> element after each configuration element of the
 * document buf (len bytes), signed with c; only the configuration of
 * instance when it is not NULL. The bytes of the document are kept as
 * they are, which the signature needs (11.1: "including any whitespace").
 * *out (malloc'ed, NUL-terminated, *out_len bytes without the NUL) is the
 * signed document. Returns 0; RL_ERR_SYNTAX (not a valid configuration
 * document: the reason from rl_config_parse in e), RL_ERR_NOT_FOUND (no
 * configuration for instance), RL_ERR_NOMEM, RL_SEC_ERR_CRYPTO. */
int rl_config_sign_document(const char *buf, size_t len, const rl_credentials *c,
                            const char *instance, char **out, size_t *out_len, rl_sec_error *e);

/* 1 when configuration sequence a is newer than b: sequence numbers
 * increase "monotonically ... mod 65535" and compare "by modulo
 * arithmetic as in TCP" (6.3.2.1): a is newer when it is 1..32767 steps
 * after b in the cycle 0..65534. */
int rl_config_sequence_newer(uint16_t a, uint16_t b);

#endif
