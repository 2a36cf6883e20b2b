/* peer/node.h: a RELOAD node (RFC 6940): the reference peer, or a client
 * (4.2) when options.client is set.
 *
 * This is the node's core, and it does no I/O (issue 16; like
 * overlay/chord.h and nghttp2's session). It owns its Connection Table,
 * its CHORD-RELOAD state (overlay/chord.h), its storage (storage/store.h)
 * and its transactions. Events come in -- a link came up with this
 * certificate, a message arrived on a link, a link closed, the time is
 * now -- and what it wants done goes out as actions (peer/actq.h): send
 * these bytes on that link, open a link to this address, close that one;
 * rl_node_tick says when it next needs the time. Links are numbers the
 * core gives them. There is no socket, no poll, no clock and no TLS
 * object inside: peer/driver.h runs the core over TLS links and poll(),
 * the simulator (sim/) over simulated links in virtual time. Every
 * message it sends is signed with its credentials (6.3.4); every message
 * delivered to it is verified before it is acted upon.
 *
 * The application (reload-peer, reload-client, the SIP usage) starts
 * requests with rl_node_request() and gets the answer through a callback.
 * Everything runs on one thread. */
#ifndef RL_PEER_NODE_H
#define RL_PEER_NODE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/socket.h>

#include "gen/reload_codec.h"
#include "net/link.h"
#include "overlay/config.h"
#include "peer/actq.h"
#include "peer/turnsvc.h"
#include "security/credentials.h"

#define RL_NODE_MAX_BOOTSTRAP 16

typedef struct rl_node_options {
  /* The overlay's configuration (borrowed; must outlive the node). */
  const rl_overlay_config *config;
  /* Our certificate and key (borrowed). */
  const rl_credentials *cred;
  /* A client (4.2): never routes or stores for others, speaks to the
   * overlay through the peer it connects to. */
  int client;
  /* TLS (the default), or plain TCP framing: insecure, for captures.
   * The driver's; the core only reports it (rl_node_link_mode). */
  rl_link_mode link_mode;
  /* Where a peer listens (port 0: any): the driver's. A client does not
   * listen. */
  struct sockaddr_storage listen_addr;
  socklen_t listen_len;
  /* Link mode RL_LINK_DTLS_ICE: the STUN and TURN servers the driver's
   * ICE agents gather through (ss_family 0: none; net/ice.h), and the
   * TURN long-term credentials (borrowed). */
  struct sockaddr_storage ice_stun, ice_turn;
  const char *ice_turn_user, *ice_turn_password;
  /* The TURN Server Usage (RFC 6940 9, node_turn.c, doc/peer.md): the
   * TURN server this peer offers (ss_family 0: none), published under
   * TURN-SERVICE after joining; an address 9 advises against (RFC 1918
   * and the like, rl_turnsvc_unfit) only with turn_service_private.
   * find_turn: after joining, look for a TURN server in the overlay and
   * hand it to the driver (RL_ACTION_SET_TURN) for later ICE agents. */
  struct sockaddr_storage turn_service;
  int turn_service_private;
  int find_turn;
  /* The lifetime of the TurnServer values, in seconds (refreshed after
   * two thirds of it); 0: 600. */
  uint32_t turn_service_lifetime;
  /* The core's clock at creation (monotonic, microseconds), and what to
   * add to the clock's milliseconds to get the wall clock (milliseconds
   * since 1970: storage_time and lifetimes, 7.4.1.1). The driver sets
   * both from the system's clocks; a simulator from its own. */
  uint64_t start_us;
  int64_t wall_offset_ms;
  /* Bootstrap nodes to try; when none are given the configuration's
   * bootstrap-node elements are used (11.1, 11.4). */
  struct sockaddr_storage bootstrap[RL_NODE_MAX_BOOTSTRAP];
  socklen_t bootstrap_len[RL_NODE_MAX_BOOTSTRAP];
  size_t nbootstrap;
  /* Start a new ring alone when no bootstrap node answers (6.4.2.1:
   * the first peer of an overlay). */
  int may_start_ring;
  /* Stabilization period (10.7.4.1); 0: the configuration's
   * chord-update-interval. Tests use a short one. */
  uint64_t update_interval_ms;
  /* Bytes the storage may use; 0: 64 MiB. */
  size_t store_budget;
  /* Log sink and verbosity: 0 errors, 1 info, 2 messages, 3 debug. */
  FILE *log;
  int verbosity;
  /* Seed for transaction IDs and the topology's random choices; 0: from
   * the system's random source. */
  uint64_t seed;
  /* For testing conformance suites: rules of RFC 6940 deliberately
   * broken, RL_BREAK_* bits (peer/breaks.h). 0: follow the RFC. */
  uint32_t breaks;
  /* Application ports offered by AppAttach (6.5.2): application 5060 is
   * SIP (RFC 7904). 0: none (AppAttach is refused with Error_Not_Found). */
  uint16_t sip_port;
  /* The bytes of the configuration document config comes from (borrowed;
   * must outlive the node): what the node sends in a ConfigUpdate to a
   * node whose configuration is older (6.3.2.1, 6.5.4). NULL: the node
   * pushes only a configuration a ConfigUpdate brought it. */
  const uint8_t *config_doc;
  size_t config_doc_len;
  /* Admission control for incoming links (net/admit.h; RFC 6940 6.5,
   * 13.5); 0 in any of them: its default. At most max_pending_links
   * incoming links whose TLS handshake has not finished (64), at most
   * max_pending_per_addr of them from one address (32); a newcomer evicts
   * the oldest of them when that is full. Connection Table slots that
   * incoming links never take (reserve_outgoing, 32) and that
   * unauthenticated ones never take (reserve_authenticated, 64). An
   * incoming link's handshake must finish within pending_timeout_ms
   * (3000). */
  size_t max_pending_links, max_pending_per_addr, reserve_outgoing, reserve_authenticated;
  uint64_t pending_timeout_ms;
  /* The request budget of a link (a token bucket, peer/bucket.h):
   * link_rate requests a second with bursts of link_burst. Links to the
   * peers of our Routing Table get RL_NODE_PEER_LINK_FACTOR times the
   * budget (their replica and handover Stores, 10.7.3, 10.9, come in
   * bursts), and only the requests the peer itself originates (an empty
   * Via List, 6.1.2) count: those it forwards for others are counted at
   * their originator's first hop, and a neighbour that routes for the
   * whole overlay would otherwise refuse everyone's traffic. On other
   * links (clients: 4.2, they never route) every request counts, so a
   * made-up Via List does not evade the budget. The
   * excess is answered with Error_Request_Timeout ("MAY resend the
   * request at a later time", 6.3.3.1), error_info "rate limit ...".
   * rl_node_options_init: 2000 a second, bursts of 4000, about three
   * times what one reload-client sending as fast as it can reached on
   * loopback (1500 Pings in 2.5 s, one at a time), so that no test or
   * benchmark meets it; link_rate 0: no limit. */
  uint32_t link_rate;
  uint32_t link_burst;
  /* Working memory the node may share with other nodes of the process
   * (reload-sim): the decoding arena and two output buffers, each at
   * least rl_node_scratch_size() bytes, used only during one event. NULL:
   * the node has its own. The caller must never call into one node from
   * inside another's event (an answer callback). */
  struct rl_node_scratch *scratch;
  /* Via List compression slots (6.1.2); 0: 128. */
  size_t viatab_slots;
  /* Table sizes; 0: the defaults. Transactions we originate and wait for
   * (1024; a quarter stays free for all but replication), original
   * Stores whose answer waits for replicas (256), replication jobs (512).
   * A simulation of many peers makes them small. */
  size_t max_transactions, max_deferred, max_repl_jobs;
  /* Forwarded requests whose link is remembered (peer/backlink.h); 0: 1024. */
  size_t backlinks;
  /* Answers kept for retransmitted requests (6.2.1); 0: 256. */
  size_t answer_cache;
  /* The topology's connection table (overlay/chord.h); 0: its default. */
  size_t chord_max_connections;
  /* The successor replacement hold-down (10.7.1: 30 s); 0: twice
   * update_interval_ms when that is set (a fast test overlay), else the
   * RFC's. */
  uint64_t holddown_ms;
} rl_node_options;

typedef struct rl_node_scratch {
  uint8_t *arena, *out, *out2;
  size_t arena_len, out_len;
} rl_node_scratch;

/* The output buffers' size a configuration needs (one message of any size
 * accepted, whole: 6.7), and the arena's. */
size_t rl_node_scratch_size(const rl_overlay_config *cfg);
#define RL_NODE_SCRATCH_ARENA (1u << 20)

#define RL_NODE_PEER_LINK_FACTOR 16
#define RL_NODE_DEFAULT_LINK_RATE 2000
#define RL_NODE_DEFAULT_LINK_BURST 4000

void rl_node_options_init(rl_node_options *o);

typedef struct rl_node rl_node;

/* A node; NULL with a reason in why. Nothing is started yet. */
rl_node *rl_node_new(const rl_node_options *o, char *why, size_t whylen);
/* Frees everything at once (no Leave: see rl_node_leave). */
void rl_node_free(rl_node *n);

/* ---- Events in. now_us: the monotonic clock of the caller, the same
 * in every call and never going back. Each may append actions. ---- */

/* Start: connect to the first bootstrap node (a peer's listening address
 * must be set before, rl_node_set_listen_addr). */
void rl_node_start(rl_node *n, uint64_t now_us);
/* The address the driver listens on: our Attach candidate (6.5.1.1). */
void rl_node_set_listen_addr(rl_node *n, const struct sockaddr *addr, socklen_t len);
/* A connection from `from` was accepted: the link's number, or 0 when
 * admission control refuses it (6.5, 13.5: close it then). Admitting it
 * may close an older pending link (an RL_ACTION_CLOSE). */
uint64_t rl_node_link_incoming(rl_node *n, const struct sockaddr *from, socklen_t len,
                               uint64_t now_us);
/* The driver cannot take a connection for want of descriptors: the
 * oldest pending incoming link gives one back. 1 when one was closed. */
int rl_node_shed_pending(rl_node *n, uint64_t now_us);
/* Link `link` finished its handshake; peer: the far end's certificate
 * (checked against the overlay's trust by the link layer), NULL on an
 * insecure link. Read during the call only. */
void rl_node_link_up(rl_node *n, uint64_t link, const rl_cert *peer, uint64_t now_us);
/* One whole message (or fragment, 6.7) arrived on link. */
void rl_node_link_message(rl_node *n, uint64_t link, const uint8_t *msg, size_t len,
                          uint64_t now_us);
/* A frame announced `announced` bytes, more than max-message-size; hdr
 * is what arrived of it (6.6: the core answers Error_Message_Too_Large
 * when the forwarding header is whole; the link layer closes the link). */
void rl_node_link_oversize(rl_node *n, uint64_t link, const uint8_t *hdr, size_t hdr_len,
                           size_t announced, uint64_t now_us);
/* The link is gone (also after an RL_ACTION_CLOSE, or a CONNECT that
 * failed); its number is never used again. */
void rl_node_link_closed(rl_node *n, uint64_t link, rl_link_fail why, const char *detail,
                         uint64_t now_us);
/* Full ICE (link mode RL_LINK_DTLS_ICE, 6.5.1.3): the agent of link
 * (RL_ACTION_ICE_START) gathered these candidates, with these local
 * credentials. Read during the call only. An agent that fails (gathering
 * or its checks) is reported as rl_node_link_closed; one whose pair is
 * nominated carries a DTLS link, reported as rl_node_link_up when its
 * handshake is done. */
void rl_node_ice_gathered(rl_node *n, uint64_t link, const rl_ice_cand *cands, size_t k,
                          const char *ufrag, const char *pwd, uint64_t now_us);
/* The time is now_us: retransmissions, the topology's timers, storage
 * expiry, replication. Returns when the core next wants a tick (never
 * later than now_us plus a second; now_us when actions or messages to
 * itself wait). */
uint64_t rl_node_tick(rl_node *n, uint64_t now_us);
/* The same time, without ticking (after any event: it may be sooner). */
uint64_t rl_node_next_tick_us(const rl_node *n);

/* ---- Actions out ---- */

/* The oldest action into *out: 1, or 0 when none waits. out->bytes is
 * valid until the next call. */
int rl_node_next_action(rl_node *n, rl_action *out);
/* Actions waiting, and the bytes their SENDs hold. */
size_t rl_node_pending_actions(const rl_node *n, size_t *bytes);

/* The driver's pointer (the one that runs this core). */
void rl_node_set_user(rl_node *n, void *user);
void *rl_node_user(const rl_node *n);
/* A new wall-clock offset (the system clock was set). */
void rl_node_set_wall_offset(rl_node *n, int64_t wall_offset_ms);

/* The core's clock: the time of the last event (milliseconds, monotonic). */
uint64_t rl_node_now(const rl_node *n);
/* The same in microseconds. */
uint64_t rl_node_now_us(const rl_node *n);

/* 10.9: leave the overlay: Leave to the neighbors, stored data to the
 * peers that take it over. rl_node_left() turns 1 when it is done (or
 * after a timeout); keep driving the node until then. */
void rl_node_leave(rl_node *n);
int rl_node_left(const rl_node *n);

/* 1 when a peer is part of the ring, or a client is connected to its
 * peer and can send requests. */
int rl_node_ready(const rl_node *n);

/* The answer to a request: status 0 and the decoded, verified answer
 * message; status > 0: the RELOAD error code of an ErrorResponse (answer
 * is that message); status < 0: an rl_err (RL_ERR_TIMEOUT after the last
 * retransmission, RL_ERR_STATE when the node cannot route). `answer` and
 * what it points to are valid only during the call. hops: overlay hops
 * the answer took to come back (its via list plus one). */
typedef struct rl_node_answer {
  int status;
  const rl_Message *answer;
  const char *error_text; /* ErrorResponse.error_info as text, or why */
  unsigned hops;
  uint64_t latency_us;
  const uint8_t *responder; /* Node-ID of the signer of the answer */
  size_t responder_len;
} rl_node_answer;
typedef void (*rl_node_answer_fn)(void *user, const rl_node_answer *a);

/* Send a request to the Destination List dest (the body's pointers are
 * read during the call only). Returns 0 (cb will be called exactly once),
 * or an rl_err (cb is not called). */
int rl_node_request(rl_node *n, const rl_Destination *dest, size_t ndest, rl_MessageCode code,
                    const rl_MessageBody *body, rl_node_answer_fn cb, void *user);

/* The same, with the message signed by signer instead of the node's own
 * credentials: a user's certificate that carries this node's Node-ID
 * (RFC 6940 7.3: "in a non-replica store, both the signer of the
 * StoredValue and the signer of the StoreReq MUST conform to the policy",
 * e.g. USER-NODE-MATCH for a SIP registration a peer stores for its
 * user). RL_ERR_PARAM when signer's certificate lacks our Node-ID. */
int rl_node_request_as(rl_node *n, const rl_credentials *signer, const rl_Destination *dest,
                       size_t ndest, rl_MessageCode code, const rl_MessageBody *body,
                       rl_node_answer_fn cb, void *user);

/* 7.1: check a fetched value's signature against the certificates the
 * node has seen (those of the answer's security block included) and the
 * overlay's trust. Returns 0, or an rl_err with the reason in why. */
int rl_node_verify_value(rl_node *n, const uint8_t *resource, size_t resource_len, rl_KindId kind,
                         const rl_StoredData *value, char *why, size_t whylen);

/* The Node-ID of the peer a client is connected to (the first link
 * that is up). 0, or RL_ERR_STATE. */
int rl_node_attached_peer(const rl_node *n, uint8_t *out);

/* ---- The TURN Server Usage (RFC 6940 9; node_turn.c) ---- */

/* Start one search for TURN servers: `finds` Find requests for Kind
 * TURN-SERVICE at random Resource-IDs (9: "selecting a random Resource-ID
 * and then doing a Find request"), then a Fetch of every closest
 * Resource-ID they name. A peer that has not joined yet sends them
 * through its bootstrap node. 0, or RL_ERR_STATE (no route, or a search
 * is still running), RL_ERR_PARAM (finds 0 or above 16). */
int rl_node_turn_find(rl_node *n, unsigned finds);
/* A Fetch of TURN-SERVICE at one Resource-ID (id_len bytes), e.g. a known
 * peer's H(Node-ID || d) (rl_turnsvc_resource); what it finds joins
 * rl_node_turn_servers. 0, RL_ERR_STATE (no route), RL_ERR_NOMEM (16
 * Fetches already in this search). */
int rl_node_turn_fetch(rl_node *n, const uint8_t *rid);
/* Requests of the search still unanswered (0: it is over). */
unsigned rl_node_turn_pending(const rl_node *n);
/* The servers found so far (signature checked), at most max into out. */
size_t rl_node_turn_servers(const rl_node *n, rl_turnsvc *out, size_t max);

/* The options the node was made with. */
const rl_node_options *rl_node_options_of(const rl_node *n);
/* A line in the node's log (options.log) at level (0 errors ... 3 debug). */
void rl_node_log(const rl_node *n, int level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Our identity and view. */
const uint8_t *rl_node_id(const rl_node *n, size_t *len);
const rl_credentials *rl_node_credentials(const rl_node *n);
const rl_overlay_config *rl_node_config(const rl_node *n);
const rl_params *rl_node_params(const rl_node *n);
/* The overlay's trust (root certificates, self-signed rules) and the
 * link mode: what the node's links use, for an application's own links. */
const rl_trust *rl_node_trust(const rl_node *n);
rl_link_mode rl_node_link_mode(const rl_node *n);
/* The i-th bootstrap node the node tries (the options', else the
 * configuration's, 11.4): 0, or -1 past the end. */
int rl_node_bootstrap_node(const rl_node *n, size_t i, struct sockaddr_storage *ss,
                           socklen_t *len);
/* The address a peer listens on (rl_node_set_listen_addr). */
int rl_node_listen_addr(const rl_node *n, struct sockaddr_storage *out, socklen_t *len);

typedef struct rl_node_status {
  int joined;
  size_t links;
  size_t successors, predecessors, fingers, finger_table_size;
  size_t stored_resources, stored_values;
  uint64_t requests_in, requests_out, forwarded, answers_in, errors_out, dropped;
  /* Replication (10.4): replica StoreReqs sent, answered with success,
   * failed; rounds retried; resources given up (the peer left the replica
   * set, a handover tried too often, no room); StoreAns that listed fewer
   * replicas than the replica set (some had not acknowledged in time). */
  uint64_t repl_parts_sent, repl_parts_acked, repl_parts_failed, repl_retries, repl_gave_up,
      repl_answers_partial;
  size_t repl_deferred, repl_jobs; /* answers waiting for replicas; jobs queued */
  /* Admission control: incoming links whose handshake is not finished;
   * since the start, incoming connections refused, pending ones evicted
   * for newcomers, pending ones that failed or timed out (links_refused
   * counts the core's refusals; the driver adds those it made itself). */
  size_t pending_links;
  uint64_t links_refused, links_evicted, handshakes_failed;
  /* Requests refused by a link's budget; fragmented messages dropped by
   * the reassembly's limits (evicted for another, or over its memory). */
  uint64_t rate_limited, reasm_dropped;
} rl_node_status;
void rl_node_get_status(const rl_node *n, rl_node_status *out);

/* A JSON object describing the node (Node-ID, state, predecessor and
 * successor lists, fingers, storage, counters): the status dump of
 * reload-peer (SIGUSR1 and --status-file). Caller frees. */
char *rl_node_status_json(const rl_node *n);

/* The port AppAttach offers for application 5060 (SIP, RFC 7904 5.1);
 * 0: none. Replaces options.sip_port (the SIP usage knows it only once
 * its listening socket is bound). */
void rl_node_set_sip_port(rl_node *n, uint16_t port);

/* A certificate the application signs stored values with (a user's
 * credential, e.g. RFC 7904's USER-NODE-MATCH registrations): signers are
 * looked up in it, and a StoreReq sent with rl_node_request carries it in
 * its security block (6.3.4) when one of its values is signed with it.
 * At most RL_NODE_MAX_APP_CERTS. 0 or RL_ERR_NOMEM. */
#define RL_NODE_MAX_APP_CERTS 32
int rl_node_add_certificate(rl_node *n, rl_cert *cert);

/* The chord state, for the status file and tests. */
struct rl_chord *rl_node_chord(rl_node *n);

#endif
