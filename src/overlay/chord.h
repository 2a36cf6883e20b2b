/* chord.h: the CHORD-RELOAD Topology Plug-in (RFC 6940 section 10) as pure
 * logic.
 *
 * An rl_chord holds one peer's view of the ring: its Connection Table as
 * far as the topology cares (which Node-IDs it has a link to, and which of
 * those are peers that may be routed through), the Neighbor Table
 * (successor and predecessor lists) and the Finger Table. It does no I/O
 * and reads no clock: the peer feeds it events (a link came up, an Update
 * arrived, a request failed, time passed) and it answers with actions (send
 * an Attach to X, send an Update to Y, store a range of data at Z), which
 * the peer carries out and whose results come back as further events.
 *
 * Actions: every event function starts a fresh list of actions, which
 * stays readable through rl_chord_actions() until the next event function
 * is called. Carry them out (or copy them) before feeding the next event.
 *
 * Time: the chord's clock is the `now` (milliseconds, any epoch) of the
 * latest rl_chord_on_tick(); call it every second or so.
 *
 * Memory: everything is allocated by rl_chord_new(); the tables are
 * bounded by the configuration, and no event allocates.
 *
 * Error returns: 0, or RL_ERR_PARAM (a NULL argument, an ID of the wrong
 * length, an Update whose IDs are not NodeIdLength long). A request the
 * RFC says to refuse is not an rl_err: the function succeeds and reports
 * the RELOAD error code to answer with. */
#ifndef RL_OVERLAY_CHORD_H
#define RL_OVERLAY_CHORD_H

#include <stddef.h>
#include <stdint.h>

#include "gen/reload_codec.h"
#include "overlay/nodeid.h"

/* Bounds of the configurable table sizes. */
#define RL_CHORD_MAX_NEIGHBORS 32 /* per side */
#define RL_CHORD_MAX_FINGERS 160  /* 8 * the longest NodeIdLength */

typedef struct rl_chord_config {
  /* Successor and predecessor list sizes. 10.7: a peer MUST attempt to
   * maintain at least three of each; smaller values are raised to 3. */
  size_t successors;
  size_t predecessors;
  /* Replicas besides the responsible peer: 10.4 stores at the successor
   * and that peer's successor, so 2. */
  size_t replicas;
  /* Finger Table size bounds. 10.7.4.3: grow to 16 entries, and be
   * capable of 128. The size never exceeds the bits of a Node-ID. */
  size_t min_fingers;
  size_t max_fingers;
  /* Connections the chord keeps track of (peers and not-yet-peers). */
  size_t max_connections;
  /* Attaches and Pings in flight that the chord waits for. */
  size_t max_pending;
  /* chord-reactive (11.1): reactive recovery; the RFC's default is true. */
  int reactive;
  /* chord-update-interval (10.7.4.1), default ten minutes. */
  uint64_t update_interval_ms;
  /* chord-ping-interval (10.7.4.2), default 3600 s. */
  uint64_t ping_interval_ms;
  /* Successor replacement hold-down (10.7.1): 30 s. */
  uint64_t holddown_ms;
  /* How often to look for a partition (10.7.4.4; the RFC names no
   * period): default the update interval. 0 turns the check off. */
  uint64_t partition_interval_ms;
  /* An Attach, Ping or Join not answered after this is given up. */
  uint64_t request_timeout_ms;
  /* Seed of the generator for the random offsets (10.7.4.1) and random
   * finger targets (10.7.4.2); mixed with the Node-ID. */
  uint64_t seed;
} rl_chord_config;

/* The RFC's defaults and this module's bounds. */
void rl_chord_config_init(rl_chord_config *cfg);

typedef enum rl_chord_state {
  RL_CHORD_IDLE = 0,       /* created; neither joined nor joining */
  RL_CHORD_ATTACHING_AP,   /* 10.5 step 2: Attach to self+1 sent */
  RL_CHORD_ATTACHING,      /* 10.5 steps 3-4: Attaches to the neighbors */
  RL_CHORD_JOINING,        /* 10.5 step 5: Join sent to the Admitting Peer */
  RL_CHORD_JOINED          /* part of the ring */
} rl_chord_state;

typedef enum rl_chord_action_type {
  /* Send an AttachReq to `target`: a Node-ID when target_is_node, else a
   * Resource-ID. When has_via is set the request MUST be source-routed
   * through `peer` (10.6); otherwise route it with rl_chord_next_hop().
   * send_update is the AttachReqAns flag. Report the outcome with
   * rl_chord_on_attach_result(target, ...). */
  RL_CHORD_ATTACH = 1,
  /* Send an UpdateReq to `peer`; its ChordUpdate is rl_chord_build_update
   * (update_type), built when the action is carried out. */
  RL_CHORD_SEND_UPDATE,
  /* Send JoinReq{self} to the Admitting Peer `peer` (10.5 step 5); report
   * the answer with rl_chord_on_join_ans(). */
  RL_CHORD_JOIN,
  /* Send a PingReq to the Resource-ID `target`, through `peer` when
   * has_via; report who answered with rl_chord_on_ping_answer(). */
  RL_CHORD_PING,
  /* Send a LeaveReq to `peer` whose ChordLeaveData is
   * rl_chord_build_leave(leave_type) (10.9). */
  RL_CHORD_LEAVE,
  /* Storage: Store every value whose Resource-ID is in (lo, hi] to `peer`,
   * which is now responsible for it (10.5 step 6, 6.4.2.3, leaving). */
  RL_CHORD_STORE_RANGE,
  /* Storage: Store the values of (lo, hi], which this peer is responsible
   * for, to `peer` as replicas (10.4, 10.7.3). */
  RL_CHORD_STORE_REPLICA,
  /* Storage: this peer's range of responsible IDs is now (lo, hi]. */
  RL_CHORD_RANGE_CHANGED,
  /* Find a bootstrap node B, send a Ping for this peer's own Node-ID
   * through it, and report with rl_chord_on_partition_probe (10.7.4.4). */
  RL_CHORD_PARTITION_PROBE,
  /* All routing peers are gone: join again through a bootstrap node with
   * rl_chord_join() (10.7.1). */
  RL_CHORD_REJOIN,
  /* The join finished: this peer is part of the ring. */
  RL_CHORD_JOINED_RING
} rl_chord_action_type;

typedef struct rl_chord_action {
  rl_chord_action_type type;
  rl_nodeid peer;   /* the peer addressed, or the first hop (has_via) */
  rl_nodeid target; /* ATTACH, PING: the destination */
  rl_nodeid lo, hi; /* STORE_RANGE, STORE_REPLICA, RANGE_CHANGED: (lo, hi] */
  uint8_t target_is_node;
  uint8_t has_via;
  uint8_t send_update;
  uint8_t update_type; /* rl_ChordUpdateType */
  uint8_t leave_type;  /* rl_ChordLeaveType */
} rl_chord_action;

typedef struct rl_chord rl_chord;

/* A new chord for the peer self_id (id_len bytes, 16..20). cfg NULL takes
 * rl_chord_config_init's defaults. NULL when an argument is invalid or
 * memory runs out. */
rl_chord *rl_chord_new(const uint8_t *self_id, size_t id_len,
                       const rl_chord_config *cfg);
void rl_chord_free(rl_chord *c);

/* The actions of the latest event (see the header comment). */
size_t rl_chord_actions(const rl_chord *c, const rl_chord_action **out);
/* Forget the actions of the latest event once they are carried out (so
 * that a second look at the list does not repeat them). */
void rl_chord_actions_clear(rl_chord *c);
/* Actions lost because the list was full since creation (0 unless the
 * configuration is inconsistent; a test checks it). */
size_t rl_chord_actions_dropped(const rl_chord *c);

/* ---- events ---- */

/* 6.4.2.1: the overlay is configured so that this peer may be the first:
 * it becomes the whole ring on its own. */
int rl_chord_start_first(rl_chord *c);

/* 10.5: the link to a bootstrap node (11.4) is up (step 1). Starts the
 * join: an Attach for self+1 through it (step 2). Also the answer to
 * RL_CHORD_REJOIN; the routing table is kept. */
int rl_chord_join(rl_chord *c, const uint8_t *bootstrap);

/* The Attach of an RL_CHORD_ATTACH action for `target` ended: the link to
 * `responder` is up, or responder is NULL when the Attach failed. */
int rl_chord_on_attach_result(rl_chord *c, const uint8_t *target,
                              const uint8_t *responder);

/* A link that `peer` asked for (an AttachReq we answered) is up;
 * send_update is the flag of its AttachReq (6.4.2.3). */
int rl_chord_on_connected(rl_chord *c, const uint8_t *peer, int send_update);

/* An UpdateReq signed by `from` arrived (10.7.3). Its IDs must be id_len
 * long. */
int rl_chord_on_update(rl_chord *c, const uint8_t *from, const rl_ChordUpdate *u);

/* A JoinReq signed by `from` arrived over a link bound to `from` (10.5
 * steps 5-8). *answer gets 0 (send JoinAns) or the RELOAD error code. */
int rl_chord_on_join_req(rl_chord *c, const uint8_t *from, const rl_JoinReq *req,
                         rl_ErrorCode *answer);

/* The Admitting Peer answered our JoinReq: ok, or an error / timeout. */
int rl_chord_on_join_ans(rl_chord *c, const uint8_t *from, int ok);

/* A LeaveReq signed by `from` arrived (10.9, 6.4.2.2). leave_data is the
 * ChordLeaveData of its overlay_specific_data, or NULL if it had none.
 * *answer gets 0 (send LeaveAns) or the RELOAD error code. */
int rl_chord_on_leave(rl_chord *c, const uint8_t *from, const uint8_t *leaving_peer_id,
                      const rl_ChordLeaveData *leave_data, rl_ErrorCode *answer);

/* The link to `peer` is lost, or a request to it failed (10.7.1, 10.7.2). */
int rl_chord_on_peer_failed(rl_chord *c, const uint8_t *peer);

/* The Ping of an RL_CHORD_PING action for `target` was answered by
 * `responder`, or failed (responder NULL). */
int rl_chord_on_ping_answer(rl_chord *c, const uint8_t *target,
                            const uint8_t *responder);

/* 10.7.4.4: the Ping for our own Node-ID routed through bootstrap node
 * `via` was answered by `responder` (NULL: no answer). */
int rl_chord_on_partition_probe(rl_chord *c, const uint8_t *via,
                                const uint8_t *responder);

/* 10.8: a RouteQueryReq from `from` for `dest` (id_len bytes). Fills
 * ans->next_peer, pointing into next_peer_buf (id_len bytes). */
int rl_chord_on_route_query(rl_chord *c, const uint8_t *from, const uint8_t *dest,
                            int send_update, uint8_t *next_peer_buf,
                            rl_ChordRouteQueryAns *ans);

/* Time passes: stabilization (10.7.4), timeouts, the replica hold-down. */
int rl_chord_on_tick(rl_chord *c, uint64_t now_ms);

/* 10.9: this peer leaves: Leave to every neighbor, its data to its
 * successor. The chord is IDLE afterwards. */
int rl_chord_leave(rl_chord *c);

/* ---- messages ---- */

/* Room for the IDs of one Update or Leave; see rl_chord_build_update. */
#define RL_CHORD_MSG_MAX_IDS (2 * RL_CHORD_MAX_NEIGHBORS + RL_CHORD_MAX_FINGERS)
typedef struct rl_chord_msgbuf {
  rl_nodeid ids[RL_CHORD_MSG_MAX_IDS];
  rl_NodeId refs[RL_CHORD_MSG_MAX_IDS];
} rl_chord_msgbuf;

/* 10.7: this peer's ChordUpdate of the given type, its lists pointing
 * into buf. Returns 0, or RL_ERR_PARAM for an invalid type. */
int rl_chord_build_update(const rl_chord *c, rl_ChordUpdateType type,
                          rl_chord_msgbuf *buf, rl_ChordUpdate *out);

/* 10.9: the ChordLeaveData this peer sends to a successor (from_pred:
 * our predecessors) or a predecessor (from_succ: our successors). */
int rl_chord_build_leave(const rl_chord *c, rl_ChordLeaveType type,
                         rl_chord_msgbuf *buf, rl_ChordLeaveData *out);

/* ---- queries ---- */

#define RL_CHORD_LOCAL 1
#define RL_CHORD_NO_ROUTE 2

/* 10.3: where a message for `dest` goes. Returns RL_CHORD_LOCAL when this
 * peer is the destination or responsible for it, 0 with the next hop in
 * *next, or RL_CHORD_NO_ROUTE when no peer is known to route through. */
int rl_chord_next_hop(const rl_chord *c, const uint8_t *dest, rl_nodeid *next);

/* 10.1: 1 when this peer is responsible for id, i.e. id is in
 * (predecessor, self]. A peer that is not part of the ring is responsible
 * for nothing. */
int rl_chord_is_responsible(const rl_chord *c, const uint8_t *id);

typedef enum rl_chord_role {
  RL_CHORD_ROLE_NONE = 0,    /* neither: data here may be deleted (10.7.3) */
  RL_CHORD_ROLE_REPLICA,     /* one of the `replicas` successors of the owner */
  RL_CHORD_ROLE_RESPONSIBLE  /* in (predecessor, self] */
} rl_chord_role;
rl_chord_role rl_chord_role_for(const rl_chord *c, const uint8_t *id);

/* 10.4: the peers that hold replicas of what this peer is responsible
 * for: its first `replicas` successors. Returns how many were written. */
size_t rl_chord_replica_set(const rl_chord *c, rl_nodeid *out, size_t max);

/* 10.4: 1 when a replica Store for id from `from` should be accepted:
 * `from` is one of our first `replicas` predecessors and id lies in the
 * range that predecessor is responsible for. */
int rl_chord_replica_from_ok(const rl_chord *c, const uint8_t *from, const uint8_t *id);

size_t rl_chord_successors(const rl_chord *c, rl_nodeid *out, size_t max);
size_t rl_chord_predecessors(const rl_chord *c, rl_nodeid *out, size_t max);
/* The distinct peers of valid Finger Table entries, numerically
 * ascending (the order of a full Update). */
size_t rl_chord_fingers(const rl_chord *c, rl_nodeid *out, size_t max);
/* Valid entries of the Finger Table (10.7.4.2). */
size_t rl_chord_finger_count(const rl_chord *c);
/* Entries the Finger Table has (10.7.4.3). */
size_t rl_chord_finger_table_size(const rl_chord *c);
/* 1 when Finger Table entry i (1-based) holds a valid peer, copied to *out. */
int rl_chord_finger(const rl_chord *c, size_t i, rl_nodeid *out);
/* Peers (connected and ready) in the routing table. */
size_t rl_chord_routing_peers(const rl_chord *c, rl_nodeid *out, size_t max);
/* 1 when the chord has a link to peer. */
int rl_chord_is_connected(const rl_chord *c, const uint8_t *peer);

rl_chord_state rl_chord_get_state(const rl_chord *c);
const uint8_t *rl_chord_self(const rl_chord *c);
size_t rl_chord_id_len(const rl_chord *c);
/* Seconds since start_first/join (ChordUpdate.uptime, ProbeAns uptime). */
uint32_t rl_chord_uptime(const rl_chord *c);
/* 6.4.2.5.2: the fraction of the ring this peer is responsible for, in
 * parts per billion. */
uint32_t rl_chord_responsible_ppb(const rl_chord *c);
/* Overlay size estimated from the successor list's spread (10.7.4.3). */
uint64_t rl_chord_estimated_size(const rl_chord *c);

#endif
