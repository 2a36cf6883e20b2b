/* peer/icecand.c: see icecand.h. RFC 6940 6.5.1.1, 6.5.1.7. */
#define _GNU_SOURCE
#include "peer/icecand.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "runtime/error.h"

static int addr_to_wire(const struct sockaddr_storage *ss, rl_IpAddressPort *out) {
  memset(out, 0, sizeof *out);
  if (ss->ss_family == AF_INET) {
    const struct sockaddr_in *s4 = (const struct sockaddr_in *)ss;
    out->type = RL_AddressType_ipv4_address;
    out->length = 6;
    out->v4addr_port.addr = ntohl(s4->sin_addr.s_addr);
    out->v4addr_port.port = ntohs(s4->sin_port);
    return 0;
  }
  if (ss->ss_family == AF_INET6) {
    const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)ss;
    out->type = RL_AddressType_ipv6_address;
    out->length = 18;
    memcpy(out->v6addr_port.addr.b, &s6->sin6_addr, 16);
    out->v6addr_port.port = ntohs(s6->sin6_port);
    return 0;
  }
  return RL_ERR_PARAM;
}

static int addr_from_wire(const rl_IpAddressPort *in, struct sockaddr_storage *ss) {
  memset(ss, 0, sizeof *ss);
  if (in->type == RL_AddressType_ipv4_address) {
    struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
    s4->sin_family = AF_INET;
    s4->sin_addr.s_addr = htonl(in->v4addr_port.addr);
    s4->sin_port = htons(in->v4addr_port.port);
    return 0;
  }
  if (in->type == RL_AddressType_ipv6_address) {
    struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
    s6->sin6_family = AF_INET6;
    memcpy(&s6->sin6_addr, in->v6addr_port.addr.b, 16);
    s6->sin6_port = htons(in->v6addr_port.port);
    return 0;
  }
  return RL_ERR_PARAM;
}

int rl_icecand_to_wire(const rl_ice_cand *in, rl_IceCandidate *out) {
  size_t flen = strnlen(in->foundation, sizeof in->foundation);
  memset(out, 0, sizeof *out);
  switch (in->type) {
  case RL_ICE_CAND_HOST: out->type = RL_CandType_host; break;
  case RL_ICE_CAND_SRFLX: out->type = RL_CandType_srflx; break;
  case RL_ICE_CAND_RELAY: out->type = RL_CandType_relay; break;
  default: return RL_ERR_PARAM; /* prflx: no CandType value */
  }
  if (flen == 0 || flen > 32 || addr_to_wire(&in->addr, &out->addr_port) != 0)
    return RL_ERR_PARAM;
  /* 6.5.1.1: rel_addr_port for every type but host. */
  if (out->type != RL_CandType_host && addr_to_wire(&in->rel_addr, &out->rel_addr_port) != 0)
    return RL_ERR_PARAM;
  out->overlay_link = RL_OverlayLinkType_DTLS_UDP_SR;
  out->foundation.ptr = (const uint8_t *)in->foundation;
  out->foundation.len = flen;
  out->priority = in->priority;
  return 0;
}

int rl_icecand_from_wire(const rl_IceCandidate *in, rl_ice_cand *out, char *why, size_t whylen) {
  memset(out, 0, sizeof *out);
  if (in->overlay_link != RL_OverlayLinkType_DTLS_UDP_SR) {
    snprintf(why, whylen, "overlay_link %s is not an ICE protocol of ours",
             rl_OverlayLinkType_name(in->overlay_link) ? rl_OverlayLinkType_name(in->overlay_link)
                                                       : "(unknown)");
    return RL_ERR_PARAM;
  }
  /* RFC 8445 5.1.1.3: a foundation is 1 to 32 ice-chars. */
  if (in->foundation.len == 0 || in->foundation.len > 32) {
    snprintf(why, whylen, "foundation of %zu bytes (1..32)", in->foundation.len);
    return RL_ERR_PARAM;
  }
  for (size_t i = 0; i < in->foundation.len; i++) {
    uint8_t ch = in->foundation.ptr[i];
    if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
          ch == '+' || ch == '/')) {
      snprintf(why, whylen, "foundation byte %zu (0x%02x) is not an ice-char", i, ch);
      return RL_ERR_PARAM;
    }
  }
  memcpy(out->foundation, in->foundation.ptr, in->foundation.len);
  switch (in->type) {
  case RL_CandType_host: out->type = RL_ICE_CAND_HOST; break;
  case RL_CandType_srflx: out->type = RL_ICE_CAND_SRFLX; break;
  case RL_CandType_relay: out->type = RL_ICE_CAND_RELAY; break;
  default:
    snprintf(why, whylen, "candidate type %u", (unsigned)in->type);
    return RL_ERR_PARAM;
  }
  if (addr_from_wire(&in->addr_port, &out->addr) != 0 ||
      (out->type != RL_ICE_CAND_HOST && addr_from_wire(&in->rel_addr_port, &out->rel_addr) != 0)) {
    snprintf(why, whylen, "an address that is neither IPv4 nor IPv6");
    return RL_ERR_PARAM;
  }
  out->priority = in->priority;
  return 0;
}
