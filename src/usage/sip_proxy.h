/* usage/sip_proxy.h: the SIP side of a peer (RFC 7904 with RFC 3261):
 * ordinary SIP phones register and call each other through the overlay.
 *
 * Phone side: plain SIP over UDP and TCP on one port. A REGISTER for
 * sip:USER@DOMAIN from a local phone becomes a SIP-REGISTRATION (Kind 1,
 * 7904 7) stored in the overlay under the AOR's Resource-ID, keyed by our
 * Node-ID, its value a route to us, its lifetime the registration's
 * Expires, signed with the user's credential (USER-NODE-MATCH: the
 * certificate names the user and our Node-ID, 7904 3.3). A peer registers
 * only AORs it holds such a credential for (403 otherwise).
 *
 * Peer side: a request for an AOR (INVITE, MESSAGE, SUBSCRIBE, BYE, ...)
 * is looked up (4.2: Fetch of all the AOR's registrations, each value's
 * signature checked), then AppAttach (application 5060) goes to the Peer
 * of the newest registration, and SIP runs over a TLS connection to the
 * candidate AppAttach returned, whose certificate must carry that Node-ID
 * (5.1). That peer delivers the request to its local phone. Targets are
 * tried one after the other (16.6: sequential search): a peer that cannot
 * be reached gives way to the next registration; when none is left the
 * caller gets 480, and 404 when the AOR has no registration.
 *
 * As a proxy (RFC 3261 16): transaction-stateful (retransmissions
 * absorbed and answered from the last response, 100 Trying for INVITE,
 * UDP retransmission by timers A/E, 408 by timers B/F), Max-Forwards
 * (483), Proxy-Require (420), loose routing with Record-Route for
 * dialog-creating requests, CANCEL (16.10), responses routed back by Via.
 * Our Record-Route URI is a RELOAD GRUU of this peer (7904 6): the phone
 * reaches it at our SIP port, other peers through the overlay.
 *
 * Driven by the node's event loop (rl_driver_set_app). Untrusted input
 * (SIP from phones and peers) is parsed in place into fixed tables; the
 * proxy allocates only when it starts. */
#ifndef RL_USAGE_SIP_PROXY_H
#define RL_USAGE_SIP_PROXY_H
#include <stdint.h>
#include <stdio.h>
#include <sys/socket.h>

#include "peer/node.h"
#include "security/credentials.h"

#define RL_SIP_PROXY_MAX_USERS 16

typedef struct rl_sip_proxy_options {
  rl_node *node;
  /* Where phones reach us: UDP and TCP on this address (port 0: any). */
  struct sockaddr_storage addr;
  socklen_t addr_len;
  /* The users whose AORs we register (borrowed): certificates with the
   * user's name and our Node-ID (7904 3.3). */
  const rl_credentials *users[RL_SIP_PROXY_MAX_USERS];
  size_t nusers;
  /* The longest registration we accept, in seconds (0: 3600). */
  uint32_t max_expires;
  FILE *log;      /* NULL: stderr */
  int verbosity;  /* 1: the message ladder (each SIP message and overlay step) */
} rl_sip_proxy_options;

typedef struct rl_sip_proxy rl_sip_proxy;

/* Binds the sockets and hooks into the node (rl_driver_set_app,
 * rl_node_set_sip_port, rl_node_add_certificate for each user). NULL with
 * the reason in why. Each user's certificate must carry the node's
 * Node-ID. */
rl_sip_proxy *rl_sip_proxy_new(const rl_sip_proxy_options *o, char *why, size_t whylen);
void rl_sip_proxy_free(rl_sip_proxy *p);

/* Before the peer leaves: store a tombstone for every registration of its
 * phones, so that callers get 404 rather than a peer that is gone. The
 * Stores complete while the node's loop runs on (rl_node_leave waits for
 * its transactions). Returns how many were sent. */
size_t rl_sip_proxy_unregister_all(rl_sip_proxy *p);

/* The phone-facing port (UDP and TCP), and the TLS port AppAttach offers. */
uint16_t rl_sip_proxy_port(const rl_sip_proxy *p);
uint16_t rl_sip_proxy_peer_port(const rl_sip_proxy *p);

typedef struct rl_sip_proxy_stats {
  uint64_t requests_in, responses_in, forwarded, answered_locally;
  uint64_t bad_messages;     /* 400 sent or message dropped as malformed */
  uint64_t lookups, attaches, peer_links;
  size_t bindings, transactions;
} rl_sip_proxy_stats;
void rl_sip_proxy_get_stats(const rl_sip_proxy *p, rl_sip_proxy_stats *out);

/* The stats and ports as a JSON object (for reload-peer's status). Caller
 * frees. */
char *rl_sip_proxy_status_json(const rl_sip_proxy *p);

#endif
