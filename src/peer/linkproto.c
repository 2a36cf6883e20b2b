/* peer/linkproto.c: see linkproto.h. RFC 6940 6.5.1.11, 11.1. */
#include "peer/linkproto.h"

#include <string.h>

rl_OverlayLinkType rl_link_mode_overlay_link(rl_link_mode m) {
  if (m == RL_LINK_DTLS_ICE) return RL_OverlayLinkType_DTLS_UDP_SR;
  return m == RL_LINK_DTLS || m == RL_LINK_UDP_INSECURE ? RL_OverlayLinkType_DTLS_UDP_SR_NO_ICE
                                                        : RL_OverlayLinkType_TLS_TCP_FH_NO_ICE;
}

const char *rl_link_mode_name(rl_link_mode m) {
  switch (m) {
  case RL_LINK_TLS: return "TLS-TCP-FH-NO-ICE";
  case RL_LINK_TCP_INSECURE: return "plain TCP framing, INSECURE";
  case RL_LINK_DTLS: return "DTLS-UDP-SR-NO-ICE";
  case RL_LINK_UDP_INSECURE: return "plain UDP framing, INSECURE";
  case RL_LINK_DTLS_ICE: return "DTLS-UDP-SR";
  }
  return "unknown";
}

static int is_dtls(rl_OverlayLinkType t) {
  return t == RL_OverlayLinkType_DTLS_UDP_SR || t == RL_OverlayLinkType_DTLS_UDP_SR_NO_ICE;
}

static int is_no_ice(rl_OverlayLinkType t) {
  return t == RL_OverlayLinkType_TLS_TCP_FH_NO_ICE || t == RL_OverlayLinkType_DTLS_UDP_SR_NO_ICE;
}

int rl_link_protocol_permitted(const rl_overlay_config *cfg, rl_OverlayLinkType t) {
  const char *name = rl_OverlayLinkType_name(t);
  if (!is_dtls(t) && t != RL_OverlayLinkType_TLS_TCP_FH_NO_ICE) return 0;
  /* 11.1 no-ice: "whether nodes are REQUIRED to use the No-ICE Overlay
   * Link protocols". */
  if (cfg->no_ice && !is_no_ice(t)) return 0;
  /* 11.1: none listed means "TLS", i.e. TLS and DTLS. */
  if (cfg->link_protocols.n == 0) return 1;
  for (size_t i = 0; i < cfg->link_protocols.n; i++) {
    const char *p = cfg->link_protocols.v[i];
    if (strcmp(p, "TLS") == 0 || (is_dtls(t) && strcmp(p, "DTLS") == 0) ||
        (name && strcmp(p, name) == 0))
      return 1;
  }
  return 0;
}
