/* security/sign.h: RELOAD signatures (RFC 6940 6.3.4 and 7.1).
 *
 * Every signature is a Signature structure: SignatureAndHashAlgorithm
 * (from TLS), the SignerIdentity naming the certificate, and the
 * signature value over
 *
 *   messages (6.3.4):     overlay || transaction_id || MessageContents ||
 *                         SignerIdentity
 *   stored data (7.1):    resource_id || kind || storage_time ||
 *                         StoredDataValue || SignerIdentity
 *   configuration and kind elements (11.1, see rl_sign_blob):
 *                         blob || SignerIdentity
 *
 * where each part is its wire encoding: overlay uint32, transaction_id
 * uint64, kind (KindId) uint32, storage_time uint64, all big-endian;
 * MessageContents, StoredDataValue and SignerIdentity as encoded in the
 * message. resource_id is encoded as the ResourceId type is, opaque
 * <0..2^8-1>: one length byte, then the bytes (the RFC does not say
 * whether the length byte is included; the prose names the field, and
 * every other part is the field's encoding). Verification uses the bytes
 * the decoder kept (MessageContents.raw, StoredDataValue.raw,
 * SignerIdentity.raw) so that it checks exactly what was signed; values
 * built in memory (raw empty) are encoded.
 *
 * Signing uses RSASSA-PKCS1-v1_5 with SHA-256 (hash sha256(4), signature
 * rsa(1)), which "All implementations MUST support" (6.3.4), or ECDSA
 * with SHA-256 for an EC key. Verification accepts rsa and ecdsa with
 * sha1, sha224, sha256, sha384, sha512; md5 and none are refused.
 *
 * Signer lookup (6.3.4): a cert_hash identity names the certificate whose
 * H(certificate) it holds, which must carry exactly one Node-ID; a
 * cert_hash_node_id identity names the certificate and Node-ID with
 * H(NodeId || certificate). The candidates are an rl_cert_set: the
 * certificates of the message's SecurityBlock plus any the caller has
 * cached. Whether that certificate is trusted (rl_trust_verify) and
 * whether its Node-ID is the one the message claims to come from are the
 * caller's next checks. */
#ifndef RL_SECURITY_SIGN_H
#define RL_SECURITY_SIGN_H

#include <stddef.h>
#include <stdint.h>

#include "gen/reload_codec.h"
#include "security/cert.h"
#include "security/credentials.h"
#include "security/error.h"

/* Certificates to look signers up in; holds a reference to each. */
typedef struct rl_cert_set {
  rl_cert **v;
  size_t n, cap;
} rl_cert_set;

void rl_cert_set_init(rl_cert_set *s);
void rl_cert_set_clear(rl_cert_set *s);
/* Add a reference to c (a certificate already present is not added again). */
int rl_cert_set_add(rl_cert_set *s, rl_cert *c);
int rl_cert_set_add_der(rl_cert_set *s, const uint8_t *der, size_t len, rl_sec_error *e);
/* The X.509 certificates of a SecurityBlock (other types are skipped). */
int rl_cert_set_add_security_block(rl_cert_set *s, const rl_SecurityBlock *sb, rl_sec_error *e);

/* Who signed: the certificate (owned by the set) and the Node-ID. */
typedef struct rl_signer_info {
  const rl_cert *cert;
  uint8_t node_id[RL_NODE_ID_MAX];
  size_t node_id_len;
} rl_signer_info;

/* The certificate and Node-ID a SignerIdentity names. Returns 0,
 * RL_SEC_ERR_ALGORITHM (identity type none or unknown, hash not
 * supported), RL_SEC_ERR_UNKNOWN_SIGNER. */
int rl_find_signer(const rl_cert_set *s, const rl_SignerIdentity *id, rl_signer_info *who,
                   rl_sec_error *e);

/* reload-sim only: sign with a keyed SHA-256 (SignatureAlgorithm
 * RL_SIGNATURE_SIMULATED, from TLS's private-use range) instead of RSA or
 * ECDSA, and accept it. Process-wide; never switched on by a peer or
 * client, which refuse that algorithm as unknown. */
#define RL_SIGNATURE_SIMULATED ((rl_SignatureAlgorithm)224)
void rl_sign_simulated(int on);
int rl_sign_is_simulated(void);

/* Sign a message (6.3.4). contents: the encoded MessageContents. The
 * Signature is written to *out; its identity points into c and its
 * signature_value into sigbuf (sigcap >= rl_credentials_signature_size).
 * Returns 0, RL_ERR_BUFFER, RL_SEC_ERR_CRYPTO. */
int rl_sign_message(const rl_credentials *c, uint32_t overlay, uint64_t transaction_id,
                    const uint8_t *contents, size_t contents_len, uint8_t *sigbuf, size_t sigcap,
                    rl_Signature *out, rl_sec_error *e);

/* Verify a message signature given its parts. Returns 0 and who, or
 * RL_SEC_ERR_ALGORITHM, RL_SEC_ERR_UNKNOWN_SIGNER, RL_SEC_ERR_SIGNATURE. */
int rl_verify_message_parts(uint32_t overlay, uint64_t transaction_id, const uint8_t *contents,
                            size_t contents_len, const rl_Signature *sig, const rl_cert_set *certs,
                            rl_signer_info *who, rl_sec_error *e);

/* Verify a decoded Message: forwarding header overlay and
 * transaction_id, MessageContents.raw, the SecurityBlock's signature. The
 * SecurityBlock's certificates must already be in certs
 * (rl_cert_set_add_security_block). RL_ERR_PARAM when the message was
 * not decoded (no raw MessageContents). */
int rl_verify_message(const rl_Message *m, const rl_cert_set *certs, rl_signer_info *who,
                      rl_sec_error *e);

/* Sign a StoredData (7.1) stored at resource_id under kind: fills
 * sd->signature from sd->storage_time and sd->value. */
int rl_sign_stored_data(const rl_credentials *c, const uint8_t *resource_id, size_t resource_id_len,
                        rl_KindId kind, rl_StoredData *sd, uint8_t *sigbuf, size_t sigcap,
                        rl_sec_error *e);

int rl_verify_stored_data(const uint8_t *resource_id, size_t resource_id_len, rl_KindId kind,
                          const rl_StoredData *sd, const rl_cert_set *certs, rl_signer_info *who,
                          rl_sec_error *e);

/* 7.4.2.2: a Fetch answer represents a value the responder has no
 * knowledge of by a synthetic StoredData: exists False, identity_type
 * "none", SignatureAndHashAlgorithm {0, 0} and an empty signature value.
 * It carries no signature of its own (the answer's covers it). 1 when sd
 * is exactly that, else 0; a value with exists False and any other
 * signature is a removed value (7.4.1.3) and must verify as usual. */
int rl_stored_data_is_synthetic(const rl_StoredData *sd);

/* Sign a byte string that is not a message: a configuration element or a
 * kind element of an overlay configuration document (RFC 6940 11.1: "a
 * binary blob that MUST be signed using the standard SecurityBlock
 * defined in Section 6.3.4"). 11.1 names the blob but not the rest of the
 * signature input; as 7.1 does for stored data, the SignerIdentity
 * follows it, so that the signature also binds the certificate it names:
 *
 *   blob || SignerIdentity
 *
 * (an interpretation, spec/KNOWN-DIFFERENCES.md). The Signature is
 * written to *out as rl_sign_message writes it. */
int rl_sign_blob(const rl_credentials *c, const uint8_t *blob, size_t len, uint8_t *sigbuf,
                 size_t sigcap, rl_Signature *out, rl_sec_error *e);

/* Verify such a signature: 0 and who, or the errors of
 * rl_verify_message_parts. */
int rl_verify_blob(const uint8_t *blob, size_t len, const rl_Signature *sig,
                   const rl_cert_set *certs, rl_signer_info *who, rl_sec_error *e);

#endif
