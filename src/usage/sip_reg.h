/* usage/sip_reg.h: the data of the SIP usage (RFC 7904): the Resource
 * Name of an AOR, the SipRegistration value (3.2) and RELOAD GRUUs (6).
 *
 * Pure functions over caller buffers; nothing is allocated. */
#ifndef RL_USAGE_SIP_REG_H
#define RL_USAGE_SIP_REG_H
#include <stddef.h>
#include <stdint.h>

#include "gen/reload_codec.h"
#include "runtime/ctx.h"
#include "security/cert.h"
#include "sip/sip_uri.h"

/* Kind-ID of SIP-REGISTRATION (RFC 7904 9.1). */
#define RL_SIP_REGISTRATION_KIND 1u

/* The Resource Name of the AOR uri (RFC 7904 7): "user@host" of a sip:
 * or sips: URI, without the scheme (the rfc822Name of the user's
 * certificate has none), '%' escapes of the user part decoded, the host
 * lower-cased (19.1.4: hosts compare case-insensitively). Returns the
 * length written to out (NUL-terminated), RL_ERR_SYNTAX when uri is not a
 * SIP URI with a user and a host name, RL_ERR_BUFFER when out is short. */
long rl_sip_aor_name(const rl_sip_uri *uri, char *out, size_t cap);

/* A SipRegistration of type sip_registration_route (3.2) whose
 * destination list is the one Node-ID node_id, with contact_prefs (may be
 * ""), into buf. Returns the length, or RL_ERR_BUFFER. */
long rl_sip_reg_encode_route(const uint8_t *node_id, size_t id_len, const char *contact_prefs,
                             uint8_t *buf, size_t cap);

/* Where a stored SipRegistration leads (4.2): to a Node-ID (the terminal
 * entry of a route's destination list), or to another AOR (type uri). */
typedef struct rl_sip_reg_target {
  int is_uri;
  uint8_t node_id[RL_NODE_ID_MAX];
  size_t node_id_len;
  rl_bytes uri;        /* is_uri: the AOR it points at (into the input) */
  rl_bytes contact_prefs;
} rl_sip_reg_target;
/* Decode value (DataValue.value of a SIP-REGISTRATION entry). Returns 0,
 * or an rl_err: the codec's error for malformed bytes, RL_ERR_UNSUPPORTED
 * for a type this usage does not know (3.2: "This type can be extended")
 * or a route whose terminal entry is not a Node-ID. */
int rl_sip_reg_decode(const uint8_t *value, size_t len, rl_ctx *ctx, rl_sip_reg_target *out);

/* RFC 7904 6: the "gr" parameter of a RELOAD GRUU: the destination list
 * (Destination structures of 6.3.2.2, one after the other) in base64
 * (RFC 4648 table 1) with '~' for '='. Here the list is one Node-ID.
 * Returns the length written (NUL-terminated), or RL_ERR_BUFFER. */
long rl_sip_gruu_encode(const uint8_t *node_id, size_t id_len, char *out, size_t cap);
/* The terminal Node-ID of a "gr" value. Returns 0 with id_len bytes in
 * node_id, or RL_ERR_SYNTAX (not base64, not a destination list, or its
 * last entry is not a Node-ID of id_len bytes). ctx: the overlay's codec
 * parameters (Node-ID length). */
int rl_sip_gruu_decode(rl_sip_str gr, rl_ctx *ctx, size_t id_len, uint8_t *node_id);

#endif
