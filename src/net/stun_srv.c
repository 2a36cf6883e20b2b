/* net/stun_srv.c: see stun_srv.h. The STUN codec is libnice's (stun/):
 * stun_agent_validate parses and checks the request, stun_agent_init_response
 * and stun_message_append_xor_addr (or _addr) build the answer, and
 * stun_agent_finish_message adds FINGERPRINT. */
#include "net/stun_srv.h"

#include <netinet/in.h>
#include <string.h>

#include <stun/stunagent.h>
#include <stun/stunmessage.h>

#define STUN_HDR 20u
#define STUN_COOKIE 0x2112A442u

const char *rl_stun_strerror(int rc) {
  switch (rc) {
  case RL_STUN_ANSWERED: return "answered with a Binding success response";
  case RL_STUN_ANSWERED_ERROR: return "answered with a 420 Unknown Attribute error response";
  case RL_STUN_ERR_NOT_STUN: return "not a whole, well-formed STUN message";
  case RL_STUN_ERR_NOT_BINDING: return "a STUN message that is not a Binding request";
  case RL_STUN_ERR_AUTH:
    return "a Binding request with MESSAGE-INTEGRITY (an ICE check: for the link's ICE agent)";
  case RL_STUN_ERR_BAD: return "a STUN request refused by validation (FINGERPRINT or format)";
  case RL_STUN_ERR_ADDR: return "the request's source address is neither IPv4 nor IPv6";
  case RL_STUN_ERR_SPACE: return "the response does not fit in the output buffer";
  default: return "unknown STUN server result";
  }
}

int rl_stun_is_request(const uint8_t *b, size_t n) {
  uint16_t type, mlen;
  uint32_t cookie;
  if (!b || n < STUN_HDR) return 0;
  type = (uint16_t)(b[0] << 8 | b[1]);
  mlen = (uint16_t)(b[2] << 8 | b[3]);
  cookie = (uint32_t)b[4] << 24 | (uint32_t)b[5] << 16 | (uint32_t)b[6] << 8 | b[7];
  /* RFC 5389 6: the most significant two bits are zero (and, next to
   * DTLS on one port, the first byte is 0-3: RFC 7983 7); class bits C1
   * (0x0100) and C0 (0x0010) zero for a request; the length excludes the
   * header and is a multiple of 4. The magic cookie, or none: an RFC 3489
   * client (RFC 5389 12.2), as libnice's own gathering is. */
  if (b[0] > 3 || (type & 0x0110) != 0 || (mlen & 3) != 0 || (size_t)mlen != n - STUN_HDR)
    return 0;
  return cookie == STUN_COOKIE ? 1 : 2;
}

/* The attributes a Binding request may carry that we understand (RFC 5389
 * 15, and the ICE ones of RFC 8445 16.1 that a check would add). A
 * comprehension-required attribute not listed gets a 420 (RFC 5389 7.3.1). */
static const uint16_t known_attrs[] = {
    STUN_ATTRIBUTE_USERNAME,     STUN_ATTRIBUTE_MESSAGE_INTEGRITY, STUN_ATTRIBUTE_FINGERPRINT,
    STUN_ATTRIBUTE_SOFTWARE,     STUN_ATTRIBUTE_PRIORITY,          STUN_ATTRIBUTE_USE_CANDIDATE,
    STUN_ATTRIBUTE_ICE_CONTROLLED, STUN_ATTRIBUTE_ICE_CONTROLLING, 0};

static int from_of(const struct sockaddr *from, struct sockaddr_storage *ss, socklen_t *sslen) {
  memset(ss, 0, sizeof *ss);
  if (!from) return -1;
  if (from->sa_family == AF_INET)
    *sslen = sizeof(struct sockaddr_in);
  else if (from->sa_family == AF_INET6)
    *sslen = sizeof(struct sockaddr_in6);
  else
    return -1;
  memcpy(ss, from, *sslen);
  return 0;
}

/* The response: success with XOR-MAPPED-ADDRESS (MAPPED-ADDRESS for an
 * RFC 3489 client), or the 420 error. */
static int build(const StunMessage *req, StunCompatibility compat, int unknown, int fingerprint,
                 const struct sockaddr_storage *ss, socklen_t sslen, uint8_t *out, size_t outmax,
                 size_t *outlen) {
  StunAgent agent;
  StunMessage resp;
  StunMessageReturn r;
  size_t n;
  /* RFC 5389 15.5: FINGERPRINT is optional; we answer with one when the
   * client showed it uses them. */
  stun_agent_init(&agent, known_attrs, compat,
                  STUN_AGENT_USAGE_IGNORE_CREDENTIALS |
                      (fingerprint ? STUN_AGENT_USAGE_USE_FINGERPRINT : 0));
  if (unknown) {
    /* RFC 5389 7.3.1: 420 with UNKNOWN-ATTRIBUTES (finished inside). */
    n = stun_agent_build_unknown_attributes_error(&agent, &resp, out, outmax, req);
    if (n == 0) return RL_STUN_ERR_SPACE;
    *outlen = n;
    return RL_STUN_ANSWERED_ERROR;
  }
  /* The response copies the request's transaction ID, and with it the
   * cookie field of an RFC 3489 client (RFC 5389 12.2). */
  if (!stun_agent_init_response(&agent, &resp, out, outmax, req)) return RL_STUN_ERR_SPACE;
  /* RFC 5389 7.3.1.1: XOR-MAPPED-ADDRESS is the request's source; 12.2:
   * MAPPED-ADDRESS instead for an RFC 3489 client. */
  if (compat == STUN_COMPATIBILITY_RFC5389)
    r = stun_message_append_xor_addr(&resp, STUN_ATTRIBUTE_XOR_MAPPED_ADDRESS, ss, sslen);
  else
    r = stun_message_append_addr(&resp, STUN_ATTRIBUTE_MAPPED_ADDRESS, (const struct sockaddr *)ss,
                                 sslen);
  if (r != STUN_MESSAGE_RETURN_SUCCESS) return RL_STUN_ERR_SPACE;
  n = stun_agent_finish_message(&agent, &resp, NULL, 0);
  if (n == 0) return RL_STUN_ERR_SPACE;
  *outlen = n;
  return RL_STUN_ANSWERED;
}

int rl_stun_answer_binding(const uint8_t *req, size_t len, const struct sockaddr *from,
                           uint8_t *out, size_t outmax, size_t *outlen) {
  StunAgent agent;
  StunMessage msg;
  StunValidationStatus st;
  struct sockaddr_storage ss;
  socklen_t sslen = 0;
  StunCompatibility compat;
  int unknown, fingerprint, kind;
  if (!req || !out || !outlen) return RL_STUN_ERR_NOT_STUN;
  kind = rl_stun_is_request(req, len);
  if (kind == 0) return RL_STUN_ERR_NOT_STUN;
  compat = kind == 1 ? STUN_COMPATIBILITY_RFC5389 : STUN_COMPATIBILITY_RFC3489;
  if (from_of(from, &ss, &sslen) != 0) return RL_STUN_ERR_ADDR;
  /* libnice's length check first: it walks the attributes and refuses a
   * message whose attribute lengths overrun it. */
  if (stun_message_validate_buffer_length(req, len, true) != (int)len) return RL_STUN_ERR_NOT_STUN;
  stun_agent_init(&agent, known_attrs, compat, STUN_AGENT_USAGE_IGNORE_CREDENTIALS);
  st = stun_agent_validate(&agent, &msg, req, len, NULL, NULL);
  if (st == STUN_VALIDATION_NOT_STUN || st == STUN_VALIDATION_INCOMPLETE_STUN)
    return RL_STUN_ERR_NOT_STUN;
  if (st != STUN_VALIDATION_SUCCESS && st != STUN_VALIDATION_UNKNOWN_REQUEST_ATTRIBUTE)
    return RL_STUN_ERR_BAD;
  /* libnice checks FINGERPRINT only when the agent uses them: again with
   * that usage when the request has one (RFC 5389 15.5). */
  fingerprint = stun_message_has_attribute(&msg, STUN_ATTRIBUTE_FINGERPRINT);
  /* FINGERPRINT came with the magic cookie (RFC 5389 12): without it,
   * this is no STUN client's message. */
  if (fingerprint && compat != STUN_COMPATIBILITY_RFC5389) return RL_STUN_ERR_BAD;
  if (fingerprint) {
    stun_agent_init(&agent, known_attrs, STUN_COMPATIBILITY_RFC5389,
                    STUN_AGENT_USAGE_IGNORE_CREDENTIALS | STUN_AGENT_USAGE_USE_FINGERPRINT);
    st = stun_agent_validate(&agent, &msg, req, len, NULL, NULL);
    if (st != STUN_VALIDATION_SUCCESS && st != STUN_VALIDATION_UNKNOWN_REQUEST_ATTRIBUTE)
      return RL_STUN_ERR_BAD;
  }
  /* msg is a parsed message now, even with unknown attributes. */
  if (stun_message_get_class(&msg) != STUN_REQUEST || stun_message_get_method(&msg) != STUN_BINDING)
    return RL_STUN_ERR_NOT_BINDING;
  unknown = st == STUN_VALIDATION_UNKNOWN_REQUEST_ATTRIBUTE;
  if (stun_message_has_attribute(&msg, STUN_ATTRIBUTE_MESSAGE_INTEGRITY)) return RL_STUN_ERR_AUTH;
  return build(&msg, compat, unknown, fingerprint, &ss, sslen, out, outmax, outlen);
}
