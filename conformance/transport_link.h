/* transport_link.h: the network transport: the runner's connections are
 * real ones to the implementation under test, over src/net/link.h (TLS
 * with the framing header, TLS-TCP-FH-NO-ICE, RFC 6940 6.6.5; or the same
 * framing over plain TCP), or over bare TCP with no framing at all, for
 * implementations that skip it ("tcp-unframed": each message is found by
 * the forwarding header's length field, 6.3.2).
 *
 * Everything runs on the caller's thread: open, recv and sleep_ms drive a
 * poll() loop over every connection, so that frames are acked and
 * keepalives sent (6.6.2) while the runner waits. */
#ifndef RL_CONF_TRANSPORT_LINK_H
#define RL_CONF_TRANSPORT_LINK_H

#include <stddef.h>
#include <stdint.h>

#include "security/credentials.h"
#include "security/trust.h"
#include "transport.h"

typedef enum rl_conf_link_kind {
  RL_CONF_LINK_TLS = 0,      /* TLS-TCP-FH-NO-ICE */
  RL_CONF_LINK_TCP,          /* the framing header over plain TCP */
  RL_CONF_LINK_TCP_UNFRAMED, /* RELOAD messages back to back on plain TCP */
  RL_CONF_LINK_DTLS,         /* DTLS-UDP-SR-NO-ICE (transport_dtls.c) */
  RL_CONF_LINK_DTLS_ICE      /* DTLS-UDP-SR: an Attach with ICE first (transport_dtls.c) */
} rl_conf_link_kind;

typedef struct rl_conf_link_config {
  const char *target;        /* HOST:PORT, or [V6ADDR]:PORT */
  rl_conf_link_kind kind;
  /* The largest message we send or accept. Larger than the target's
   * max-message-size, so that the oversize tests can send what it must
   * refuse (6.6). */
  size_t max_message_size;
  uint64_t connect_timeout_ms; /* TCP connect + TLS handshake; 0: 10000 */
  const rl_credentials *cred;  /* TLS: our certificate and key; borrowed */
  const rl_trust *trust;       /* TLS: what we accept from the target; borrowed */
  /* TLS: for the certificate of `connect ... credentials other-ca` (made
   * on first use, from a CA of our own): the overlay name of its RELOAD
   * URI and the Node-ID length. */
  const char *overlay_name;
  size_t node_id_len;
  /* DTLS_ICE: what our Attach requests carry (6.3.2). */
  uint32_t overlay;
  uint16_t configuration_sequence;
  uint8_t initial_ttl;
} rl_conf_link_config;

/* Parse "tls", "tcp", "tcp-unframed", "dtls" or "dtls-ice". 0 or
 * RL_ERR_PARAM. */
int rl_conf_link_kind_parse(const char *s, rl_conf_link_kind *out);

/* 0, or a negative rl_err with why (a bad target, TLS without
 * credentials or trust, no memory). Nothing connects before the first
 * open. */
int rl_conf_link_new(const rl_conf_link_config *cfg, rl_conf_transport *out, char *why,
                     size_t whylen);

/* The DTLS kinds (transport_dtls.c; rl_conf_link_new calls it): no
 * send_stream, link_info or open_as. With DTLS_ICE every connection is
 * made as RFC 6940 6.5.1 makes a link: a direct DTLS link to the target
 * carries our Attach request with ICE candidates (we are the controlling
 * agent, 6.5.1.9), the target's answer gives its candidates, and once
 * libnice nominated a pair the target must start DTLS over it as the
 * client, we being the server (6.5.1.13); the direct link is closed and
 * the scenario runs over the ICE one. A target that does not answer, or
 * answers without ICE candidates, or whose checks or DTLS handshake do
 * not come, fails the open with the reason. Host candidates only (on the
 * address that routes to the target). */
int rl_conf_dtls_new(const rl_conf_link_config *cfg, rl_conf_transport *out, char *why,
                     size_t whylen);

#endif
