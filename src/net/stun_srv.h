/* net/stun_srv.h: the STUN server a peer runs for its neighbours (RFC 6940
 * 6.5.1.4: peers learn STUN servers among the peers they are connected
 * to, so each must answer Binding requests). Stateless: one request in,
 * one response out, through libnice's STUN library (RFC 5389).
 *
 * Only unauthenticated Binding requests are answered here: a request with
 * MESSAGE-INTEGRITY is an ICE connectivity check, which belongs to the
 * link's ICE agent (net/ice.h), and is refused (RL_STUN_ERR_AUTH). */
#ifndef RL_NET_STUN_SRV_H
#define RL_NET_STUN_SRV_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

enum {
  RL_STUN_ANSWERED = 0,       /* a Binding success response is in out */
  RL_STUN_ANSWERED_ERROR = 1, /* a 420 (Unknown Attribute) response is in out */
  RL_STUN_ERR_NOT_STUN = -1,  /* not a whole, well-formed STUN message */
  RL_STUN_ERR_NOT_BINDING = -2, /* STUN, but not a Binding request */
  RL_STUN_ERR_AUTH = -3,      /* carries MESSAGE-INTEGRITY: an ICE check */
  RL_STUN_ERR_BAD = -4,       /* rejected by validation (bad FINGERPRINT...) */
  RL_STUN_ERR_ADDR = -5,      /* from is neither IPv4 nor IPv6 */
  RL_STUN_ERR_SPACE = -6      /* the response does not fit in outmax */
};

/* Whether b looks like a STUN request (RFC 5389 6 and RFC 7983 7: a first
 * byte of 0-3, the request class, a length that is the rest of the
 * datagram): 1 with the magic cookie, 2 without it (an RFC 3489 client,
 * RFC 5389 12.2: libnice's gathering sends these), else 0. For
 * demultiplexing: the full checks are in rl_stun_answer_binding. */
int rl_stun_is_request(const uint8_t *b, size_t n);

/* Answers the Binding request req (len bytes) that came from `from`:
 * a success response with XOR-MAPPED-ADDRESS = from, and FINGERPRINT when
 * the request had one (RFC 5389 7.3.1.1, 15.2, 15.5); to an RFC 3489
 * client (no magic cookie) MAPPED-ADDRESS = from, the cookie field copied
 * (RFC 5389 12.2). Returns one of the
 * values above; *outlen is set only for RL_STUN_ANSWERED(_ERROR). Never
 * reads outside req[0..len), never writes outside out[0..outmax). */
int rl_stun_answer_binding(const uint8_t *req, size_t len, const struct sockaddr *from,
                           uint8_t *out, size_t outmax, size_t *outlen);

/* The text of a return value above. */
const char *rl_stun_strerror(int rc);

#endif
