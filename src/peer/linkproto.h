/* peer/linkproto.h: which overlay link protocol a node speaks, and which
 * the overlay's configuration permits (RFC 6940 6.5.1, 6.6, 11.1).
 *
 * The reference peer speaks one protocol per run (its link mode):
 * TLS-TCP-FH-NO-ICE (6.6.5) or DTLS-UDP-SR-NO-ICE (6.6.4 without ICE,
 * 6.5.1.11); the insecure debugging modes announce the protocol whose
 * framing they carry. Its Attach offers one No-ICE candidate of that type
 * and accepts an Attach only when the other side offers one too (6.5.1.11:
 * "candidates MUST be either all ICE or all No-ICE"; an Attach without a
 * candidate of ours gets Error_Incompatible_with_Overlay).
 *
 * 11.1 overlay-link-protocol: "If none appear, then this implies the
 * default value, "TLS", which refers to the use of TLS and DTLS." The
 * names accepted here: "TLS" (both), "DTLS" (the DTLS ones), and each
 * OverlayLinkType's own name ("TLS-TCP-FH-NO-ICE", "DTLS-UDP-SR",
 * "DTLS-UDP-SR-NO-ICE"). no-ice (11.1) true permits only the No-ICE
 * types. */
#ifndef RL_PEER_LINKPROTO_H
#define RL_PEER_LINKPROTO_H

#include "gen/reload_codec.h"
#include "net/link.h"
#include "overlay/config.h"

/* The OverlayLinkType a node in link mode m offers. */
rl_OverlayLinkType rl_link_mode_overlay_link(rl_link_mode m);
/* "TLS-TCP-FH-NO-ICE", "DTLS-UDP-SR-NO-ICE", "plain TCP framing, INSECURE",
 * "plain UDP framing, INSECURE". */
const char *rl_link_mode_name(rl_link_mode m);
/* 1 when the configuration permits link type t. */
int rl_link_protocol_permitted(const rl_overlay_config *cfg, rl_OverlayLinkType t);

#endif
