/* peer/driver.h: runs a node core (peer/node.h) over real links: TLS (or
 * insecure plain TCP) with the framing header (net/link.h), a listening
 * socket with accept(2) under the core's admission control, and the
 * poll() loop, with the system's clocks. It is the I/O half of the
 * reference peer and client (issue 16): the core decides, the driver
 * carries out its actions and reports what happened.
 *
 * An application (the SIP usage) may add its own sockets to the loop
 * (rl_driver_set_app); reload-peer and reload-client call
 * rl_driver_run_once until they are done. One thread. */
#ifndef RL_PEER_DRIVER_H
#define RL_PEER_DRIVER_H

#include <poll.h>
#include <stddef.h>
#include <stdint.h>

#include "peer/node.h"

typedef struct rl_driver rl_driver;

/* A node with the options o (listen_addr, link_mode, bootstrap: the
 * driver's; the clocks are set here) and its links. NULL with a reason in
 * why. Nothing is started yet. */
rl_driver *rl_driver_new(const rl_node_options *o, char *why, size_t whylen);
/* Frees the links and the node at once (no Leave: rl_node_leave). */
void rl_driver_free(rl_driver *d);

rl_node *rl_driver_node(rl_driver *d);
/* The driver running a node (NULL when none does). */
rl_driver *rl_driver_of(const rl_node *n);

/* Listen (peers) and start the node (its first bootstrap connection).
 * 0, or an rl_err with the reason logged. */
int rl_driver_start(rl_driver *d);

/* One turn of the loop: wait up to timeout_ms for I/O (less when the
 * core's next timer is sooner), hand what happened to the core, tick it,
 * carry out its actions. 0, or an rl_err when the loop cannot go on. */
int rl_driver_run_once(rl_driver *d, int timeout_ms);

/* The application's own sockets, polled with the links (the SIP usage:
 * its UDP/TCP ports and SIP links). fill() puts up to max pollfds into pfd
 * and returns how many; handle() gets them back after poll() (revents
 * set), and is also the application's clock tick (called every turn). */
#define RL_DRIVER_MAX_APP_FDS 160
typedef struct rl_driver_app {
  size_t (*fill)(void *user, struct pollfd *pfd, size_t max);
  void (*handle)(void *user, struct pollfd *pfd, size_t n, uint64_t now_ms);
  void *user;
} rl_driver_app;
void rl_driver_set_app(rl_driver *d, const rl_driver_app *app);

/* Links the driver holds (the core's, and those closing). */
size_t rl_driver_links(const rl_driver *d);

/* The core's links as a JSON array (malloc'd; NULL when out of memory),
 * one object a link: "link" (the core's number), "peer_addr" (the far
 * end's address:port), "outgoing", "transport" (dtls, udp-insecure, tls,
 * tcp-insecure) and the link's counters: on datagram links
 * rl_dlink_stats (frames_sent/received, acks_sent/received,
 * retransmissions, messages_acked, keepalives_*, datagrams_*, srtt_ms,
 * rttvar_ms, rto_ms, rtt_samples, queued, failing), on stream links
 * rl_link_stats (frames_*, acks_*, bytes_*, keepalives_*, srtt_ms,
 * rttvar_ms, rto_ms, rtt_samples, unacked, out_pending). An ICE link
 * (dtls-ice) has "transport" "dtls-ice" and "ice": "checking" until a
 * pair is nominated, then the pair: {"local": {"type", "addr"}, "remote":
 * {...}} (host, srflx, prflx or relay: which candidates won). reload-peer
 * puts it in its status as "links". */
char *rl_driver_links_json(const rl_driver *d);
/* The i-th link (for rl_driver_links_json): its number, the rl_link or
 * rl_dlink (NULL for an ICE link before its pair is nominated), and an
 * ICE link's agent (else NULL). 0, or -1 past the end. */
/* STUN Binding requests the link socket answered (datagram modes,
 * 6.5.1.4: a peer is a STUN server for other nodes). */
uint64_t rl_driver_stun_answered(const rl_driver *d);
struct rl_ice;
int rl_driver_link_at(const rl_driver *d, size_t i, uint64_t *id, void **l, struct rl_ice **ice);

#endif
