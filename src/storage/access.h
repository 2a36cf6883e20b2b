/* access.h: the access control policies of RFC 6940 7.3.
 *
 * 7.3: "Every Kind which is storable in an overlay MUST be associated with
 * an access control policy." Each policy decides from the Resource-ID, the
 * signer's certificate (its user name and Node-IDs) and, for
 * USER-NODE-MATCH, the dictionary key. The certificate itself is handled by
 * the security module: this file sees only what it extracted (rl_signer).
 *
 * "hashes (using the hash function for the overlay)": the only topology
 * plug-in, CHORD-RELOAD, uses SHA-1 truncated to the most significant bytes
 * (10.2). The truncation length is the length of the Resource-ID being
 * checked (16 bytes in CHORD-RELOAD; 16..20 accepted, as NodeIdLength).
 *
 * Every check returns 0 when the write is allowed and
 * RL_ErrorCode_Error_Forbidden (a positive RELOAD error code, 14.9) when it
 * is not. */
#ifndef RL_STORAGE_ACCESS_H
#define RL_STORAGE_ACCESS_H

#include <stddef.h>
#include <stdint.h>

#include "gen/reload_codec.h"
#include "overlay/config.h" /* rl_access_policy: the configuration names it */
#include "runtime/types.h"

/* NODE-MULTIPLE's i is one octet (see rl_access_node_multiple). */
#define RL_ACCESS_MAX_NODE_MULTIPLE 255u

/* What the security module extracted from a signer's certificate.
 * user: the user name (11.3: the rfc822Name subjectAltName), empty if the
 * certificate has none. node_ids: the Node-IDs that the SignerIdentity
 * designates (7.3.2-7.3.4: "that Node-ID is the one indicated in the
 * SignerIdentity value cert_hash"): for cert_hash_node_id the one whose
 * hash matched; the security module decides, this file trusts the list. */
typedef struct rl_signer {
  rl_bytes user;
  const rl_bytes *node_ids;
  size_t node_ids_count;
} rl_signer;

/* 7.3.1 USER-MATCH: H(user name) == Resource-ID. */
int rl_access_user_match(rl_bytes resource_id, const rl_signer *signer);

/* 7.3.2 NODE-MATCH: H(Node-ID) == Resource-ID for a designated Node-ID. */
int rl_access_node_match(rl_bytes resource_id, const rl_signer *signer);

/* 7.3.3 USER-NODE-MATCH: H(user name) == Resource-ID, and the dictionary
 * key equals a designated Node-ID. */
int rl_access_user_node_match(rl_bytes resource_id, const rl_signer *signer,
                              rl_bytes dictionary_key);

/* 7.3.4 NODE-MULTIPLE: H(Node-ID || i) == Resource-ID for a designated
 * Node-ID and some i in 1..max_i. i is one octet: the RFC does not say how
 * i is encoded; its one use (TURN-SERVICE, 9) builds the Resource Name from
 * "its Node-ID and the value d" with d "between 1 and turn-density" and
 * carries d as uint8 (TurnServer.iteration). max_i above 255 is refused
 * (RL_ERR_PARAM) rather than silently cut. */
int rl_access_node_multiple(rl_bytes resource_id, const rl_signer *signer,
                            uint32_t max_i);

/* The policy applied to one stored value: value gives the dictionary key
 * for USER-NODE-MATCH (a value of another data model is refused under that
 * policy, 7.3.3: "may be used only with dictionary types"). Returns 0,
 * RL_ErrorCode_Error_Forbidden, or RL_ERR_PARAM for RL_ACCESS_OTHER (a
 * policy of an extension, not implemented here) or a max_node_multiple
 * outside 1..255. */
int rl_access_check(rl_access_policy policy, uint32_t max_node_multiple,
                    rl_bytes resource_id, const rl_signer *signer,
                    const rl_StoredDataValue *value);

#endif
