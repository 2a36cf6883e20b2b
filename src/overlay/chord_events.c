/* chord_events.c: the events of CHORD-RELOAD (RFC 6940 10.5-10.9) and the
 * actions they produce. Tables and queries are in chord.c. */
#include <string.h>

#include "overlay/chord.h"
#include "overlay/chord_internal.h"
#include "runtime/error.h"

/* How soon the same peer may get another corrective Update (see
 * rl_chordi_conn.corrected_at). */
#define RL_CHORDI_CORRECTION_GAP_MS 1000

static int id_eq(const rl_chord *c, const uint8_t *a, const uint8_t *b) {
  return memcmp(a, b, c->len) == 0;
}

static void id_copy(const rl_chord *c, rl_nodeid *dst, const uint8_t *src) {
  memset(dst, 0, sizeof *dst);
  memcpy(dst->b, src, c->len);
}

static int in_list(const rl_chord *c, const rl_nodeid *l, size_t n, const uint8_t *id) {
  for (size_t i = 0; i < n; i++)
    if (id_eq(c, l[i].b, id)) return 1;
  return 0;
}

static int lists_equal(const rl_nodeid *a, size_t na, const rl_nodeid *b, size_t nb) {
  return na == nb && (na == 0 || memcmp(a, b, na * sizeof *a) == 0);
}

static int joined(const rl_chord *c) {
  return c->state == RL_CHORD_JOINED;
}

static size_t ready_count(const rl_chord *c) {
  return rl_chord_routing_peers(c, NULL, 0);
}

/* ---- requests ---- */

static void request_attach(rl_chord *c, const uint8_t *target, int is_node,
                           const uint8_t *via, rl_chordi_purpose purpose, size_t finger,
                           int send_update) {
  rl_chordi_pending *p;
  rl_chord_action *a;
  if (id_eq(c, target, c->self.b)) return;
  if (rl_chordi_pend_find(c, RL_CHORDI_ATTACH, target) != NULL) return;
  p = rl_chordi_pend_add(c, RL_CHORDI_ATTACH, target);
  if (p == NULL) return; /* too many in flight: stabilization retries later */
  p->purpose = (uint8_t)purpose;
  p->is_node = (uint8_t)is_node;
  p->finger = finger;
  /* 10.6: an Attach to a new neighbor MUST be source-routed through the
   * peer that told us of it, which only works over a link we have. */
  if (via != NULL && rl_chordi_conn_find(c, via) == NULL) via = NULL;
  a = rl_chordi_emit(c, RL_CHORD_ATTACH, via);
  if (a == NULL) {
    memset(p, 0, sizeof *p);
    return;
  }
  id_copy(c, &a->target, target);
  a->target_is_node = (uint8_t)is_node;
  a->has_via = via != NULL;
  a->send_update = (uint8_t)send_update;
}

/* 10.7.4.2: look for a peer for entry i with a Ping to a random point of
 * its range. */
static void request_finger_ping(rl_chord *c, size_t i) {
  uint8_t t[RL_NODEID_MAX_LEN];
  rl_chordi_pending *p;
  rl_chord_action *a;
  rl_chordi_finger_random_target(c, i, t);
  p = rl_chordi_pend_add(c, RL_CHORDI_PING, t);
  if (p == NULL) return;
  p->purpose = RL_CHORDI_FOR_FINGER;
  p->finger = i;
  a = rl_chordi_emit(c, RL_CHORD_PING, NULL);
  if (a == NULL) {
    memset(p, 0, sizeof *p);
    return;
  }
  id_copy(c, &a->target, t);
}

/* ---- consequences of a change ---- */

typedef enum rl_chordi_cause {
  RL_CHORDI_BY_UPDATE = 1, /* Update, Attach, Ping: 10.7.3 */
  RL_CHORDI_BY_FAILURE,    /* a neighbor failed or left: 10.7.1 */
  RL_CHORDI_BY_JOIN        /* we admitted a joining node: 10.5 */
} rl_chordi_cause;

static void update_connections(rl_chord *c) {
  for (size_t k = 0; k < c->conns_cap; k++)
    if (c->conns[k].used) rl_chordi_emit_update(c, c->conns[k].id.b, RL_ChordUpdateType_neighbors);
}

static void update_neighbors(rl_chord *c) {
  for (size_t i = 0; i < c->nsucc; i++) rl_chordi_emit_update(c, c->succ[i].b, RL_ChordUpdateType_neighbors);
  for (size_t i = 0; i < c->npred; i++) rl_chordi_emit_update(c, c->pred[i].b, RL_ChordUpdateType_neighbors);
}

static void emit_range(rl_chord *c, rl_chord_action_type type, const uint8_t *peer,
                       const uint8_t *lo, const uint8_t *hi) {
  rl_chord_action *a = rl_chordi_emit(c, type, peer);
  if (a == NULL) return;
  id_copy(c, &a->lo, lo);
  id_copy(c, &a->hi, hi);
}

/* The range (lo, self] changed: tell storage, hand over what others now
 * own, replicate what we took over. Returns 1 when it changed. */
static int range_check(rl_chord *c) {
  const uint8_t *self = c->self.b;
  rl_nodeid new_lo = c->npred > 0 ? c->pred[0] : c->self, old = c->range_lo;
  if (c->range_known && id_eq(c, new_lo.b, old.b)) return 0;
  emit_range(c, RL_CHORD_RANGE_CHANGED, NULL, new_lo.b, self);
  c->range_lo = new_lo;
  if (!c->range_known) {
    c->range_known = 1;
    return 1;
  }
  if (rl_nodeid_in_oo(new_lo.b, old.b, self, c->len)) {
    /* Shrunk: the IDs of (old, new_lo] belong to the predecessors that
     * appeared. 6.4.2.3: a peer no longer responsible for data MUST store
     * it to the responsible node; 10.5 step 6: the Admitting Peer MUST
     * store to the joining node what it is responsible for. */
    for (size_t j = 0; j < c->npred; j++) {
      const uint8_t *hi = c->pred[j].b;
      if (!rl_nodeid_in_oo(hi, old.b, self, c->len)) break;
      int more = j + 1 < c->npred && rl_nodeid_in_oo(c->pred[j + 1].b, old.b, hi, c->len);
      emit_range(c, RL_CHORD_STORE_RANGE, hi, more ? c->pred[j + 1].b : old.b, hi);
      if (!more) break;
    }
  } else if (rl_nodeid_in_oo(old.b, new_lo.b, self, c->len)) {
    /* Grown: we held (new_lo, old] as a replica and now own it, so our
     * replica set needs it (10.4). */
    for (size_t i = 0; i < c->nsucc && i < c->cfg.replicas; i++)
      emit_range(c, RL_CHORD_STORE_REPLICA, c->succ[i].b, new_lo.b, old.b);
  }
  return 1;
}

/* 10.7.3: when the replica set (the first `replicas` successors) changed,
 * the peer MUST store its data to every new member; after a successor
 * failed it SHOULD wait the hold-down first (10.7.1). */
static void replica_check(rl_chord *c) {
  size_t n = c->nsucc < c->cfg.replicas ? c->nsucc : c->cfg.replicas;
  if (!joined(c) || lists_equal(c->succ, n, c->replicas, c->nreplicas)) return;
  if (c->now < c->holddown_until) return;
  for (size_t i = 0; i < n; i++)
    if (!in_list(c, c->replicas, c->nreplicas, c->succ[i].b))
      emit_range(c, RL_CHORD_STORE_REPLICA, c->succ[i].b, c->range_lo.b, c->self.b);
  memcpy(c->replicas, c->succ, n * sizeof *c->succ);
  c->nreplicas = n;
}

static void after_change(rl_chord *c, const rl_chordi_snapshot *s, rl_chordi_cause cause,
                         const uint8_t *joiner) {
  int nb_changed, range_changed;
  rl_chordi_recompute(c);
  if (!joined(c)) return;
  nb_changed = !lists_equal(c->succ, c->nsucc, s->succ, s->nsucc) ||
               !lists_equal(c->pred, c->npred, s->pred, s->npred);
  range_changed = range_check(c);
  if (cause == RL_CHORDI_BY_JOIN) {
    /* 10.5 step 7: AP MUST send JN an Update labeling JN its predecessor;
     * step 8: and an Update to all of its neighbors. */
    rl_chordi_emit_update(c, joiner, RL_ChordUpdateType_neighbors);
    update_neighbors(c);
  }
  if (range_changed) {
    /* 10.7.3, 10.7.1: a change of the range of responsible IDs MUST be
     * sent to every entry of the Connection Table. */
    update_connections(c);
  } else if (nb_changed && c->cfg.reactive) {
    if (cause == RL_CHORDI_BY_FAILURE)
      update_neighbors(c); /* 10.7.1: reactive: MUST update the Neighbor Table */
    else
      update_connections(c); /* 10.7.3: reactive: MUST update the Connection Table */
  }
  replica_check(c);
}

/* ---- joining (10.5) ---- */

static void join_failed(rl_chord *c) {
  c->state = RL_CHORD_IDLE;
  c->have_ap = 0;
  c->ap_update_seen = 0;
  (void)rl_chordi_emit(c, RL_CHORD_REJOIN, NULL);
}

/* 10.5 step 5: once every neighbor Attach is done, Join the AP. */
static void join_progress(rl_chord *c) {
  if (c->state != RL_CHORD_ATTACHING || !c->ap_update_seen) return;
  if (rl_chordi_pend_count(c, RL_CHORDI_FOR_NEIGHBOR) > 0 ||
      rl_chordi_pend_count(c, RL_CHORDI_FOR_AP) > 0)
    return;
  if (!rl_chordi_is_ready(c, c->ap.b)) {
    join_failed(c);
    return;
  }
  (void)rl_chordi_emit(c, RL_CHORD_JOIN, c->ap.b);
  c->state = RL_CHORD_JOINING;
  c->join_started = c->now;
}

/* 10.5: "In order to set up its i'th Finger Table entry, JN MUST send an
 * Attach to peer n+2^(128-i)." The AP's successors are consecutive after
 * it, so a target among them names its peer already; those become
 * neighbors or Node-ID Attaches instead of a search. */
static void attach_initial_fingers(rl_chord *c, const rl_NodeId *succ, size_t nsucc) {
  uint8_t t[RL_NODEID_MAX_LEN];
  const uint8_t *last = c->ap.b;
  for (size_t k = 0; k < nsucc; k++)
    if (rl_nodeid_cmp_from(c->self.b, succ[k].ptr, last, c->len) > 0) last = succ[k].ptr;
  for (size_t i = 1; i <= c->nfingers; i++) {
    const uint8_t *owner = NULL;
    (void)rl_nodeid_add_pow2(t, c->self.b, c->len, c->bits - (unsigned)i);
    if (rl_nodeid_in_oc(t, c->self.b, last, c->len)) {
      /* The first of the AP and its successors at or after t. */
      for (size_t k = 0; k <= nsucc; k++) {
        const uint8_t *x = k < nsucc ? succ[k].ptr : c->ap.b;
        if (rl_nodeid_in_oc(t, c->self.b, x, c->len) &&
            (owner == NULL || rl_nodeid_cmp_from(c->self.b, x, owner, c->len) < 0))
          owner = x;
      }
      if (id_eq(c, owner, c->self.b) || rl_chordi_conn_find(c, owner) != NULL ||
          rl_chordi_wants_neighbor(c, owner, NULL, 0))
        continue;
      request_attach(c, owner, 1, c->ap.b, RL_CHORDI_FOR_FINGER, i, 0);
    } else {
      request_attach(c, t, 0, NULL, RL_CHORDI_FOR_FINGER, i, 0);
    }
  }
}

int rl_chord_start_first(rl_chord *c) {
  rl_chordi_snapshot s;
  if (c == NULL) return RL_ERR_PARAM;
  rl_chordi_actions_reset(c);
  rl_chordi_snapshot_take(c, &s);
  /* 6.4.2.1: a node configured as possibly the first takes responsibility
   * for the whole overlay. */
  c->state = RL_CHORD_JOINED;
  c->started_at = c->now;
  c->range_known = 0;
  (void)rl_chordi_emit(c, RL_CHORD_JOINED_RING, NULL);
  after_change(c, &s, RL_CHORDI_BY_UPDATE, NULL);
  return 0;
}

int rl_chord_join(rl_chord *c, const uint8_t *bootstrap) {
  uint8_t t[RL_NODEID_MAX_LEN];
  if (c == NULL || bootstrap == NULL || id_eq(c, bootstrap, c->self.b)) return RL_ERR_PARAM;
  rl_chordi_actions_reset(c);
  (void)rl_chordi_conn_add(c, bootstrap);
  c->state = RL_CHORD_ATTACHING_AP;
  c->range_known = 0;
  c->have_ap = 0;
  c->ap_update_seen = 0;
  c->started_at = c->now;
  c->join_started = c->now;
  c->nreplicas = 0;
  /* 10.5 step 2: Attach to the Admitting Peer, responsible for n+1, with
   * send_update to get its Routing Table (the RECOMMENDED procedure). */
  rl_nodeid_inc(t, c->self.b, c->len);
  request_attach(c, t, 0, bootstrap, RL_CHORDI_FOR_AP, 0, 1);
  return 0;
}

static void became_joined(rl_chord *c) {
  rl_chordi_snapshot s;
  size_t n;
  rl_chordi_snapshot_take(c, &s);
  c->state = RL_CHORD_JOINED;
  c->range_known = 0;
  /* The replica set already holds our data: the AP owned it and these are
   * the AP and its successor, its replicas (10.4). */
  n = c->nsucc < c->cfg.replicas ? c->nsucc : c->cfg.replicas;
  memcpy(c->replicas, c->succ, n * sizeof *c->succ);
  c->nreplicas = n;
  (void)rl_chordi_emit(c, RL_CHORD_JOINED_RING, NULL);
  /* 10.5 step 9: JN MUST send Updates to all peers in its Neighbor Table. */
  update_neighbors(c);
  for (size_t k = 0; k < c->conns_cap; k++) {
    rl_chordi_conn *e = &c->conns[k];
    if (!e->used) continue;
    if (e->want_update) {
      rl_chordi_emit_update(c, e->id.b, RL_ChordUpdateType_full); /* 6.4.2.3 */
      e->want_update = 0;
    } else if (e->ready) {
      /* 10.7: peer_ready tells the peers we hold links to (our fingers)
       * that we may be routed through. */
      rl_chordi_emit_update(c, e->id.b, RL_ChordUpdateType_peer_ready);
    }
  }
  after_change(c, &s, RL_CHORDI_BY_UPDATE, NULL);
}

int rl_chord_on_join_req(rl_chord *c, const uint8_t *from, const rl_JoinReq *req,
                         rl_ErrorCode *answer) {
  rl_chordi_snapshot s;
  rl_chordi_conn *jn;
  if (c == NULL || from == NULL || req == NULL || answer == NULL) return RL_ERR_PARAM;
  rl_chordi_actions_reset(c);
  *answer = RL_ErrorCode_Error_Forbidden;
  /* 6.4.2.1: joining_peer_id MUST match the Node-ID that signed the
   * request, and the request MUST arrive over a link bound to that
   * Node-ID; otherwise Error_Forbidden. */
  if (req->joining_peer_id.len != c->len || !id_eq(c, req->joining_peer_id.ptr, from))
    return 0;
  jn = rl_chordi_conn_find(c, from);
  if (jn == NULL) return 0;
  /* Only the peer responsible for the joining Node-ID admits it (10.5:
   * the AP is responsible for n+1, hence for n). Anything else is a stale
   * view of the ring: refuse, and the node joins again. */
  *answer = RL_ErrorCode_Error_Not_Found;
  if (!joined(c)) return 0;
  /* A Join from our first predecessor: a node we admitted whose own join
   * restarted before our JoinAns reached it. Admit it again (the answer
   * is the same), or it could never join through us. */
  if (!rl_chord_is_responsible(c, from) && !(c->npred > 0 && id_eq(c, c->pred[0].b, from)))
    return 0;
  *answer = 0;
  rl_chordi_snapshot_take(c, &s);
  jn->ready = 1;
  /* Steps 6-8: Stores of JN's range, then the Updates. */
  after_change(c, &s, RL_CHORDI_BY_JOIN, from);
  return 0;
}

int rl_chord_on_join_ans(rl_chord *c, const uint8_t *from, int ok) {
  if (c == NULL || from == NULL) return RL_ERR_PARAM;
  rl_chordi_actions_reset(c);
  /* 6.4.2.1: the JoinAns must come from the adjacency we join over. */
  if (c->state != RL_CHORD_JOINING || !id_eq(c, from, c->ap.b)) return 0;
  if (ok)
    became_joined(c);
  else
    join_failed(c);
  return 0;
}

/* ---- Updates (10.7.3) ---- */

/* A peer named by another: link it, or note it for a finger. */
static void consider(rl_chord *c, const uint8_t *id, const uint8_t *via,
                     const rl_nodeid *extra, size_t nextra) {
  rl_chordi_conn *e;
  size_t i;
  if (id_eq(c, id, c->self.b)) return;
  e = rl_chordi_conn_find(c, id);
  if (e != NULL) {
    /* Listed in a peer's tables, so part of the ring. */
    e->ready = 1;
    return;
  }
  /* 10.7.3: peers that should be in the Neighbor Table: x MUST attempt to
   * Attach to them. */
  if (rl_chordi_wants_neighbor(c, id, extra, nextra)) {
    request_attach(c, id, 1, via, RL_CHORDI_FOR_NEIGHBOR, 0, 0);
    return;
  }
  /* 10.7.4.2 alternative 2: flag the invalid finger it would fill. */
  i = rl_chordi_finger_index(c, id);
  if (i > 0 && i <= c->nfingers && !c->finger_valid[i]) {
    id_copy(c, &c->finger_cand[i], id);
    c->finger_has_cand[i] = 1;
  }
}

static int check_ids(const rl_chord *c, const rl_NodeId *l, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (l[i].len != c->len || l[i].ptr == NULL) return 0;
  return 1;
}

/* 1 when a peer whose lists are these would want a peer we know of:
 * stabilization is an exchange (10.7.4), so we answer with our own
 * Update. */
static int sender_misses(const rl_chord *c, const uint8_t *from, const rl_NodeId *preds,
                         size_t np, const rl_NodeId *succs, size_t ns) {
  const rl_nodeid *know[2] = {c->succ, c->pred};
  size_t nknow[2] = {c->nsucc, c->npred};
  for (int side = -1; side < 2; side++) {
    size_t count = side < 0 ? 1 : nknow[side];
    for (size_t k = 0; k < count; k++) {
      const uint8_t *id = side < 0 ? c->self.b : know[side][k].b;
      size_t nearer_s = 0, nearer_p = 0, listed = 0;
      if (id_eq(c, id, from)) continue;
      for (size_t i = 0; i < ns; i++) {
        listed |= id_eq(c, succs[i].ptr, id);
        nearer_s += rl_nodeid_cmp_from(from, succs[i].ptr, id, c->len) < 0;
      }
      for (size_t i = 0; i < np; i++) {
        listed |= id_eq(c, preds[i].ptr, id);
        nearer_p += rl_nodeid_cmp_from(from, preds[i].ptr, id, c->len) > 0;
      }
      if (!listed && (nearer_s < c->cfg.successors || nearer_p < c->cfg.predecessors)) return 1;
    }
  }
  return 0;
}

int rl_chord_on_update(rl_chord *c, const uint8_t *from, const rl_ChordUpdate *u) {
  rl_chordi_snapshot s;
  rl_chordi_conn *e;
  const rl_NodeId *preds = NULL, *succs = NULL, *fingers = NULL;
  size_t np = 0, ns = 0, nf = 0, nextra = 0;
  rl_nodeid extra[2 * RL_CHORD_MAX_NEIGHBORS + 1];
  int first_ap_update = 0;
  if (c == NULL || from == NULL || u == NULL) return RL_ERR_PARAM;
  rl_chordi_actions_reset(c);
  if (u->type == RL_ChordUpdateType_neighbors) {
    preds = u->neighbors.predecessors, np = u->neighbors.predecessors_count;
    succs = u->neighbors.successors, ns = u->neighbors.successors_count;
  } else if (u->type == RL_ChordUpdateType_full) {
    preds = u->full.predecessors, np = u->full.predecessors_count;
    succs = u->full.successors, ns = u->full.successors_count;
    fingers = u->full.fingers, nf = u->full.fingers_count;
  } else if (u->type != RL_ChordUpdateType_peer_ready) {
    return RL_ERR_PARAM;
  }
  if (!check_ids(c, preds, np) || !check_ids(c, succs, ns) || !check_ids(c, fingers, nf))
    return RL_ERR_PARAM;
  if (id_eq(c, from, c->self.b)) return 0;
  rl_chordi_snapshot_take(c, &s);
  e = rl_chordi_conn_find(c, from);
  /* The AP's Update can overtake the answer to our Attach: it is the only
   * peer that sends us one before we join. */
  if (c->state == RL_CHORD_ATTACHING_AP && u->type != RL_ChordUpdateType_peer_ready) {
    e = rl_chordi_conn_add(c, from);
    id_copy(c, &c->ap, from);
    c->have_ap = 1;
    c->state = RL_CHORD_ATTACHING;
  }
  /* 10.7: an Update (peer_ready included) says its sender is a peer that
   * may be routed through. */
  if (e != NULL) e->ready = 1;
  if (c->state == RL_CHORD_ATTACHING && c->have_ap && id_eq(c, from, c->ap.b) &&
      !c->ap_update_seen && u->type != RL_ChordUpdateType_peer_ready) {
    c->ap_update_seen = 1;
    first_ap_update = 1;
  }
  /* The candidates all count as known when ranking each of them, so that a
   * joining node attaches to its true neighbors only. */
  for (size_t i = 0; i < np && nextra < RL_CHORD_MAX_NEIGHBORS; i++) id_copy(c, &extra[nextra++], preds[i].ptr);
  for (size_t i = 0; i < ns && nextra < 2 * RL_CHORD_MAX_NEIGHBORS; i++) id_copy(c, &extra[nextra++], succs[i].ptr);
  id_copy(c, &extra[nextra++], from);
  if (e == NULL) consider(c, from, NULL, extra, nextra);
  for (size_t i = 0; i < np; i++) consider(c, preds[i].ptr, from, extra, nextra);
  for (size_t i = 0; i < ns; i++) consider(c, succs[i].ptr, from, extra, nextra);
  for (size_t i = 0; i < nf; i++) consider(c, fingers[i].ptr, NULL, extra, nextra);
  rl_chordi_recompute(c);
  if (first_ap_update) attach_initial_fingers(c, succs, ns);
  after_change(c, &s, RL_CHORDI_BY_UPDATE, NULL);
  if (joined(c) && e != NULL && u->type != RL_ChordUpdateType_peer_ready &&
      (!e->corrected || c->now >= e->corrected_at + RL_CHORDI_CORRECTION_GAP_MS) &&
      sender_misses(c, from, preds, np, succs, ns)) {
    e->corrected = 1;
    e->corrected_at = c->now;
    rl_chordi_emit_update(c, from, RL_ChordUpdateType_neighbors);
  }
  join_progress(c);
  return 0;
}

/* ---- links ---- */

int rl_chord_on_attach_result(rl_chord *c, const uint8_t *target, const uint8_t *responder) {
  rl_chordi_snapshot s;
  rl_chordi_pending *p;
  rl_chordi_conn *e;
  rl_chordi_purpose purpose = 0;
  int update_after = 0;
  if (c == NULL || target == NULL) return RL_ERR_PARAM;
  rl_chordi_actions_reset(c);
  p = rl_chordi_pend_find(c, RL_CHORDI_ATTACH, target);
  if (p != NULL) {
    purpose = p->purpose;
    update_after = p->update_after;
    memset(p, 0, sizeof *p);
  }
  if (responder == NULL || id_eq(c, responder, c->self.b)) {
    if (purpose == RL_CHORDI_FOR_AP && c->state == RL_CHORD_ATTACHING_AP)
      join_failed(c);
    else
      join_progress(c);
    return 0;
  }
  rl_chordi_snapshot_take(c, &s);
  e = rl_chordi_conn_add(c, responder);
  /* It answered an Attach routed to it through the overlay: a peer. */
  if (e != NULL) e->ready = 1;
  if (purpose == RL_CHORDI_FOR_AP && c->state == RL_CHORD_ATTACHING_AP) {
    id_copy(c, &c->ap, responder);
    c->have_ap = 1;
    c->state = RL_CHORD_ATTACHING;
  }
  after_change(c, &s, RL_CHORDI_BY_UPDATE, NULL);
  /* 10.7.4.4: the Attach to S' is followed by an Update sent to S'. */
  if (update_after) rl_chordi_emit_update(c, responder, RL_ChordUpdateType_neighbors);
  join_progress(c);
  return 0;
}

int rl_chord_on_connected(rl_chord *c, const uint8_t *peer, int send_update) {
  rl_chordi_conn *e;
  if (c == NULL || peer == NULL) return RL_ERR_PARAM;
  rl_chordi_actions_reset(c);
  e = rl_chordi_conn_add(c, peer);
  if (e == NULL || !send_update) return 0;
  /* 6.4.2.3: an Attach with send_update MUST be followed by an Update once
   * the link is up; before we are joined it waits (10.5). */
  if (joined(c))
    rl_chordi_emit_update(c, peer, RL_ChordUpdateType_full);
  else
    e->want_update = 1;
  return 0;
}

/* 10.7.1 / 10.7.2: everything that follows the loss of `id`. */
static void peer_gone(rl_chord *c, const uint8_t *id) {
  rl_chordi_snapshot s;
  size_t lost_fingers[RL_CHORD_MAX_FINGERS];
  size_t nlost = 0;
  int was_succ = 0, had_peers = ready_count(c) > 0;
  if (rl_chordi_conn_find(c, id) == NULL) return;
  rl_chordi_snapshot_take(c, &s);
  for (size_t i = 0; i < c->nsucc; i++) was_succ |= id_eq(c, c->succ[i].b, id);
  for (size_t i = 1; i <= c->nfingers; i++)
    if (c->finger_valid[i] && id_eq(c, c->finger[i].b, id)) lost_fingers[nlost++] = i;
  /* 10.7.1: the peer MUST remove the entry from its Neighbor Table and
   * replace it with the best match from its Routing Table; 10.7.2: all
   * references in the Finger Table MUST be removed. Removing the link
   * does both: the tables are recomputed from the links that remain. */
  rl_chordi_conn_remove(c, id);
  if (c->state != RL_CHORD_JOINED && c->state != RL_CHORD_IDLE && c->have_ap &&
      id_eq(c, id, c->ap.b)) {
    rl_chordi_recompute(c);
    join_failed(c);
    return;
  }
  /* 10.7.1: after a successor failed, wait the hold-down before making
   * new replicas, for a triggered Update to bring a better match. */
  if (was_succ && joined(c)) c->holddown_until = c->now + c->cfg.holddown_ms;
  after_change(c, &s, RL_CHORDI_BY_FAILURE, NULL);
  if (!joined(c)) return;
  /* 10.7.2: with reactive recovery the peer MUST search for new entries. */
  if (c->cfg.reactive)
    for (size_t k = 0; k < nlost; k++)
      if (lost_fingers[k] <= c->nfingers && !c->finger_valid[lost_fingers[k]])
        request_finger_ping(c, lost_fingers[k]);
  /* 10.7.1: connectivity lost to every successor: join again. */
  if (had_peers && ready_count(c) == 0) (void)rl_chordi_emit(c, RL_CHORD_REJOIN, NULL);
}

int rl_chord_on_peer_failed(rl_chord *c, const uint8_t *peer) {
  if (c == NULL || peer == NULL) return RL_ERR_PARAM;
  rl_chordi_actions_reset(c);
  peer_gone(c, peer);
  return 0;
}

/* ---- Leave (10.9) ---- */

int rl_chord_on_leave(rl_chord *c, const uint8_t *from, const uint8_t *leaving_peer_id,
                      const rl_ChordLeaveData *leave_data, rl_ErrorCode *answer) {
  const rl_NodeId *l = NULL;
  size_t n = 0;
  if (c == NULL || from == NULL || leaving_peer_id == NULL || answer == NULL)
    return RL_ERR_PARAM;
  rl_chordi_actions_reset(c);
  /* 6.4.2.2: leaving_peer_id MUST match the signer, else Error_Forbidden. */
  *answer = RL_ErrorCode_Error_Forbidden;
  if (!id_eq(c, from, leaving_peer_id)) return 0;
  if (leave_data != NULL) {
    if (leave_data->type == RL_ChordLeaveType_from_succ)
      l = leave_data->successors, n = leave_data->successors_count;
    else if (leave_data->type == RL_ChordLeaveType_from_pred)
      l = leave_data->predecessors, n = leave_data->predecessors_count;
    if (!check_ids(c, l, n)) return RL_ERR_PARAM;
  }
  *answer = 0;
  /* 10.9: a Leave from a neighbor is handled as its failure (10.7.1). */
  peer_gone(c, from);
  if (n > 0) {
    rl_chordi_snapshot s;
    rl_chordi_snapshot_take(c, &s);
    /* Its lists name the peers that close the gap. The leaver cannot
     * relay Attaches any more, so they are routed conventionally. */
    for (size_t i = 0; i < n; i++)
      if (!id_eq(c, l[i].ptr, from)) consider(c, l[i].ptr, NULL, NULL, 0);
    after_change(c, &s, RL_CHORDI_BY_UPDATE, NULL);
  }
  return 0;
}

int rl_chord_leave(rl_chord *c) {
  if (c == NULL) return RL_ERR_PARAM;
  rl_chordi_actions_reset(c);
  if (joined(c)) {
    /* What we are responsible for goes to our successor, the new owner
     * (it holds replicas already; the Store covers data newer than
     * those). */
    if (c->nsucc > 0) emit_range(c, RL_CHORD_STORE_RANGE, c->succ[0].b, c->range_lo.b, c->self.b);
    /* 10.9: SHOULD send a Leave to all members of the Neighbor Table. */
    for (size_t i = 0; i < c->nsucc; i++) {
      rl_chord_action *a = rl_chordi_emit(c, RL_CHORD_LEAVE, c->succ[i].b);
      if (a != NULL) a->leave_type = RL_ChordLeaveType_from_pred;
    }
    for (size_t i = 0; i < c->npred; i++) {
      rl_chord_action *a = rl_chordi_emit(c, RL_CHORD_LEAVE, c->pred[i].b);
      if (a != NULL) a->leave_type = RL_ChordLeaveType_from_succ;
    }
  }
  memset(c->conns, 0, c->conns_cap * sizeof *c->conns);
  memset(c->pend, 0, c->pend_cap * sizeof *c->pend);
  c->state = RL_CHORD_IDLE;
  c->range_known = 0;
  c->nreplicas = 0;
  c->have_ap = 0;
  rl_chordi_recompute(c);
  return 0;
}

/* ---- Ping, RouteQuery, partitions ---- */

int rl_chord_on_ping_answer(rl_chord *c, const uint8_t *target, const uint8_t *responder) {
  rl_chordi_snapshot s;
  rl_chordi_pending *p;
  rl_chordi_conn *e;
  size_t finger = 0;
  if (c == NULL || target == NULL) return RL_ERR_PARAM;
  rl_chordi_actions_reset(c);
  p = rl_chordi_pend_find(c, RL_CHORDI_PING, target);
  if (p != NULL) {
    finger = p->finger;
    memset(p, 0, sizeof *p);
  }
  if (responder == NULL || id_eq(c, responder, c->self.b)) return 0;
  rl_chordi_snapshot_take(c, &s);
  e = rl_chordi_conn_find(c, responder);
  if (e != NULL) {
    e->ready = 1; /* it answered a routed request */
  } else if (rl_chordi_wants_neighbor(c, responder, NULL, 0)) {
    request_attach(c, responder, 1, NULL, RL_CHORDI_FOR_NEIGHBOR, 0, 0);
  } else if (finger > 0 && rl_chordi_finger_index(c, responder) == finger) {
    /* 10.7.4.2: the peer found in the entry's range replaces it. */
    request_attach(c, responder, 1, NULL, RL_CHORDI_FOR_FINGER, finger, 0);
  }
  after_change(c, &s, RL_CHORDI_BY_UPDATE, NULL);
  return 0;
}

int rl_chord_on_partition_probe(rl_chord *c, const uint8_t *via, const uint8_t *responder) {
  rl_chordi_pending *p;
  if (c == NULL || via == NULL) return RL_ERR_PARAM;
  rl_chordi_actions_reset(c);
  if (!joined(c) || responder == NULL || id_eq(c, responder, c->self.b)) return 0;
  if (c->nsucc > 0 && id_eq(c, responder, c->succ[0].b)) return 0;
  if (rl_chordi_is_ready(c, responder)) return 0;
  /* 10.7.4.4: an answer from S', not our successor: the overlay is
   * partitioned; SHOULD Attach to S' through B, then send S' an Update. */
  (void)rl_chordi_conn_add(c, via);
  request_attach(c, responder, 1, via, RL_CHORDI_FOR_PARTITION, 0, 0);
  p = rl_chordi_pend_find(c, RL_CHORDI_ATTACH, responder);
  if (p != NULL) p->update_after = 1;
  return 0;
}

int rl_chord_on_route_query(rl_chord *c, const uint8_t *from, const uint8_t *dest,
                            int send_update, uint8_t *next_peer_buf,
                            rl_ChordRouteQueryAns *ans) {
  rl_nodeid next;
  int rc;
  if (c == NULL || from == NULL || dest == NULL || next_peer_buf == NULL || ans == NULL)
    return RL_ERR_PARAM;
  rl_chordi_actions_reset(c);
  /* 10.8: next_peer is where we would route the request; ourselves when
   * we are the end of the route. */
  rc = rl_chord_next_hop(c, dest, &next);
  if (rc != 0) next = c->self;
  memcpy(next_peer_buf, next.b, c->len);
  memset(ans, 0, sizeof *ans);
  ans->next_peer.ptr = next_peer_buf;
  ans->next_peer.len = c->len;
  /* 10.8: with send_update set the responder SHOULD send an Update right
   * after the answer; "full" is the type for RouteQuery requesters. */
  if (send_update && !id_eq(c, from, c->self.b))
    rl_chordi_emit_update(c, from, RL_ChordUpdateType_full);
  return 0;
}

/* ---- time (10.7.4) ---- */

/* 10.7.4.2 (both alternatives): walk the entries from i = 1 and take each
 * invalid one with probability 1/2, so that earlier entries are favoured
 * exponentially; a flagged candidate gets an Attach, otherwise a Ping goes
 * to a random point of the range. */
static void refresh_fingers(rl_chord *c) {
  for (size_t i = 1; i <= c->nfingers; i++) {
    if (c->finger_valid[i]) continue;
    if (rl_chordi_random(c) & 1) continue;
    if (c->finger_has_cand[i] && rl_chordi_conn_find(c, c->finger_cand[i].b) == NULL &&
        rl_chordi_finger_index(c, c->finger_cand[i].b) == i) {
      request_attach(c, c->finger_cand[i].b, 1, NULL, RL_CHORDI_FOR_FINGER, i, 0);
      c->finger_has_cand[i] = 0;
    } else {
      request_finger_ping(c, i);
    }
    break;
  }
}

static void expire_requests(rl_chord *c) {
  int ap_failed = 0;
  for (size_t k = 0; k < c->pend_cap; k++) {
    rl_chordi_pending *p = &c->pend[k];
    if (!p->used || c->now < p->started + c->cfg.request_timeout_ms) continue;
    ap_failed |= p->purpose == RL_CHORDI_FOR_AP;
    memset(p, 0, sizeof *p);
  }
  if (ap_failed && c->state == RL_CHORD_ATTACHING_AP) {
    join_failed(c);
  } else if (c->state == RL_CHORD_JOINING &&
             c->now >= c->join_started + c->cfg.request_timeout_ms) {
    join_failed(c);
  } else if (c->state == RL_CHORD_ATTACHING &&
             c->now >= c->join_started + 4 * c->cfg.request_timeout_ms) {
    /* An AP that never sent its Update. */
    join_failed(c);
  } else {
    join_progress(c);
  }
}

int rl_chord_on_tick(rl_chord *c, uint64_t now_ms) {
  rl_chordi_snapshot s;
  if (c == NULL) return RL_ERR_PARAM;
  rl_chordi_actions_reset(c);
  if (now_ms > c->now) c->now = now_ms;
  expire_requests(c);
  if (!joined(c)) return 0;
  /* 10.7.4.1: a peer MUST periodically send an Update to every peer in
   * its Neighbor Table, each at its own randomly offset time. */
  for (size_t k = 0; k < c->conns_cap; k++) {
    rl_chordi_conn *e = &c->conns[k];
    if (!e->used || e->next_update_at == 0 || e->next_update_at > c->now) continue;
    if (!rl_chordi_in_neighbors(c, e->id.b)) continue;
    rl_chordi_emit_update(c, e->id.b, RL_ChordUpdateType_neighbors);
    e->next_update_at = c->now + c->cfg.update_interval_ms;
  }
  /* 10.7.4.2: a peer MUST periodically search for peers for invalid
   * entries, no more often than chord-ping-interval. 10.7.4.3: the table
   * size follows the neighbors (rl_chordi_recompute), and the entries it
   * adds are invalid until this search fills them. */
  if (c->now >= c->next_finger_search_at) {
    if (c->next_finger_search_at != 0) refresh_fingers(c);
    c->next_finger_search_at = c->now + c->cfg.ping_interval_ms;
  }
  /* 10.7.4.4: a peer MUST periodically repeat the bootstrap discovery and
   * Ping its own Node-ID through the bootstrap node. */
  if (c->cfg.partition_interval_ms != 0 && c->now >= c->next_partition_at) {
    if (c->next_partition_at != 0) (void)rl_chordi_emit(c, RL_CHORD_PARTITION_PROBE, NULL);
    c->next_partition_at = c->now + c->cfg.partition_interval_ms;
  }
  /* The replica hold-down may have ended (10.7.1). */
  rl_chordi_snapshot_take(c, &s);
  replica_check(c);
  return 0;
}
