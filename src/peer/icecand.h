/* peer/icecand.h: ICE candidates between an agent (net/ice.h) and the
 * Attach message's IceCandidate (RFC 6940 6.5.1.1, 6.5.1.7).
 *
 * The wire form has no peer-reflexive type (CandType has host, srflx and
 * relay; 6.5.1.1's "prflx" has no value), so a peer-reflexive candidate
 * is not sent; an agent learns those from the checks themselves
 * (RFC 8445 7.3.1.3). Every candidate of ours is DTLS-UDP-SR: the only
 * ICE overlay link protocol RFC 6940 defines (6.6.4). */
#ifndef RL_PEER_ICECAND_H
#define RL_PEER_ICECAND_H

#include <stddef.h>

#include "gen/reload_codec.h"
#include "net/ice.h"

/* One of ours for an Attach: 0, or RL_ERR_PARAM (a type or address family
 * the wire cannot carry). out->foundation points into in. */
int rl_icecand_to_wire(const rl_ice_cand *in, rl_IceCandidate *out);
/* One of the far end's: 0, or RL_ERR_PARAM with a reason in why (not
 * DTLS-UDP-SR, a foundation that is not 1..32 bytes, an address that is
 * neither IPv4 nor IPv6). */
int rl_icecand_from_wire(const rl_IceCandidate *in, rl_ice_cand *out, char *why, size_t whylen);

#endif
