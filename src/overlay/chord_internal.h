/* chord_internal.h: the state of an rl_chord, shared by chord.c (tables,
 * routing, queries, messages) and chord_events.c (the events of section
 * 10). Not installed; nothing outside src/overlay/chord*.c includes it. */
#ifndef RL_OVERLAY_CHORD_INTERNAL_H
#define RL_OVERLAY_CHORD_INTERNAL_H

#include "overlay/chord.h"

/* One link the chord knows of: the topology's view of a Connection Table
 * entry. */
typedef struct rl_chordi_conn {
  rl_nodeid id;
  uint8_t used;
  /* A peer in the ring that may be routed through: it sent an Update
   * (10.7: peer_ready), answered a routed request, was listed by another
   * peer's Update, or joined through us. A node that only Attached (a
   * joining node before its Join, a client) is not ready (10.5 step 3). */
  uint8_t ready;
  /* It asked for an Update (Attach send_update) before we had joined. */
  uint8_t want_update;
  /* 10.7.4.1: when the periodic Update to this neighbor is due (0: not
   * scheduled). */
  uint64_t next_update_at;
  /* When we last answered an Update of this peer's that missed peers we
   * know (stabilization exchange), so that two peers that both know of a
   * peer neither can reach do not answer each other forever. */
  uint64_t corrected_at;
  uint8_t corrected;
} rl_chordi_conn;

typedef enum rl_chordi_pend_kind { RL_CHORDI_ATTACH = 1, RL_CHORDI_PING } rl_chordi_pend_kind;

typedef enum rl_chordi_purpose {
  RL_CHORDI_FOR_AP = 1,    /* 10.5 step 2: Attach to self+1 */
  RL_CHORDI_FOR_NEIGHBOR,  /* a peer for the Neighbor Table (10.5 step 3, 10.7.3) */
  RL_CHORDI_FOR_FINGER,    /* a peer for a Finger Table entry (10.5, 10.7.4.2) */
  RL_CHORDI_FOR_PARTITION  /* S' of 10.7.4.4 */
} rl_chordi_purpose;

/* An Attach or Ping the chord waits for. */
typedef struct rl_chordi_pending {
  uint8_t used;
  uint8_t kind;     /* rl_chordi_pend_kind */
  uint8_t purpose;  /* rl_chordi_purpose */
  uint8_t is_node;  /* target is a Node-ID (else a Resource-ID) */
  uint8_t update_after; /* send an Update once linked (10.7.4.4) */
  size_t finger;    /* Finger Table entry searched for, 1-based, or 0 */
  rl_nodeid target;
  uint64_t started;
} rl_chordi_pending;

struct rl_chord {
  rl_chord_config cfg;
  size_t len;     /* NodeIdLength in bytes */
  unsigned bits;  /* 8 len: the ring has 2^bits points */
  rl_nodeid self;
  rl_chord_state state;
  uint64_t now;
  uint64_t started_at;
  uint64_t rng;

  rl_chordi_conn *conns;
  size_t conns_cap;
  rl_chordi_pending *pend;
  size_t pend_cap;

  /* The Neighbor Table, nearest first (10.1). */
  rl_nodeid succ[RL_CHORD_MAX_NEIGHBORS];
  size_t nsucc;
  rl_nodeid pred[RL_CHORD_MAX_NEIGHBORS];
  size_t npred;

  /* The Finger Table, entries 1..nfingers (index 0 unused): entry i covers
   * [self + 2^(bits-i), self + 2^(bits-i+1) - 1] (10.7.4.2). */
  rl_nodeid finger[RL_CHORD_MAX_FINGERS + 1];
  uint8_t finger_valid[RL_CHORD_MAX_FINGERS + 1];
  /* 10.7.4.2 alternative 2: a peer seen in an Update that would fill the
   * invalid entry. */
  rl_nodeid finger_cand[RL_CHORD_MAX_FINGERS + 1];
  uint8_t finger_has_cand[RL_CHORD_MAX_FINGERS + 1];
  size_t nfingers;

  /* Joining (10.5). */
  rl_nodeid ap;
  uint8_t have_ap;
  uint8_t ap_update_seen;
  uint64_t join_started;

  /* The range (range_lo, self] last announced, and the replica set that
   * has been given our data (10.7.3). */
  rl_nodeid range_lo;
  uint8_t range_known;
  rl_nodeid replicas[RL_CHORD_MAX_NEIGHBORS];
  size_t nreplicas;
  uint64_t holddown_until;

  uint64_t next_finger_search_at;
  uint64_t next_partition_at;

  rl_chord_action *act;
  size_t nact;
  size_t act_cap;
  size_t act_dropped;
};

/* A copy of the Neighbor Table and range, taken before an event changes
 * them, so that the consequences (Updates, Stores) can be derived. */
typedef struct rl_chordi_snapshot {
  rl_nodeid succ[RL_CHORD_MAX_NEIGHBORS];
  size_t nsucc;
  rl_nodeid pred[RL_CHORD_MAX_NEIGHBORS];
  size_t npred;
  rl_nodeid range_lo;
  uint8_t joined;
} rl_chordi_snapshot;

/* chord.c: tables. */
uint64_t rl_chordi_random(rl_chord *c);
rl_chordi_conn *rl_chordi_conn_find(const rl_chord *c, const uint8_t *id);
/* The entry of id, created (not ready) when missing; NULL when id is self
 * or the table is full of entries that must stay. */
rl_chordi_conn *rl_chordi_conn_add(rl_chord *c, const uint8_t *id);
void rl_chordi_conn_remove(rl_chord *c, const uint8_t *id);
int rl_chordi_is_ready(const rl_chord *c, const uint8_t *id);
/* Recompute the Neighbor and Finger Tables from the ready connections
 * (10.7.1: the best matches from the Routing Table). */
void rl_chordi_recompute(rl_chord *c);
int rl_chordi_in_neighbors(const rl_chord *c, const uint8_t *id);
/* Finger Table entry (1..bits) whose range holds id, 0 for self. */
size_t rl_chordi_finger_index(const rl_chord *c, const uint8_t *id);
/* A random point of entry i's range (10.7.4.2: "a Node-ID selected
 * randomly from that range"). */
void rl_chordi_finger_random_target(rl_chord *c, size_t i, uint8_t *out);
/* 1 when id, were it linked, would be among the nearest successors or
 * predecessors, counting ready peers, Node-ID Attaches in flight and the
 * extra candidates. */
int rl_chordi_wants_neighbor(const rl_chord *c, const uint8_t *id,
                             const rl_nodeid *extra, size_t nextra);

/* chord.c: pending requests. */
rl_chordi_pending *rl_chordi_pend_find(rl_chord *c, rl_chordi_pend_kind kind,
                                       const uint8_t *target);
rl_chordi_pending *rl_chordi_pend_add(rl_chord *c, rl_chordi_pend_kind kind,
                                      const uint8_t *target);
size_t rl_chordi_pend_count(const rl_chord *c, rl_chordi_purpose purpose);

/* chord.c: actions. */
void rl_chordi_actions_reset(rl_chord *c);
rl_chord_action *rl_chordi_emit(rl_chord *c, rl_chord_action_type type,
                                const uint8_t *peer);
/* SEND_UPDATE to peer, merged with one already in the list (a full Update
 * replaces a neighbors one). Only once joined (10.5: no Update before). */
void rl_chordi_emit_update(rl_chord *c, const uint8_t *peer, rl_ChordUpdateType type);

void rl_chordi_snapshot_take(const rl_chord *c, rl_chordi_snapshot *s);

#endif
