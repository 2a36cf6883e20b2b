/* chord.c: the tables of CHORD-RELOAD (RFC 6940 10.1, 10.3, 10.4, 10.7,
 * 10.7.4.2, 10.7.4.3), routing, queries and the messages a peer sends.
 * The events that change the tables are in chord_events.c. */
#include "overlay/chord.h"

#include <stdlib.h>
#include <string.h>

#include "overlay/chord_internal.h"
#include "runtime/error.h"

static int id_eq(const rl_chord *c, const uint8_t *a, const uint8_t *b) {
  return memcmp(a, b, c->len) == 0;
}

static void id_copy(const rl_chord *c, rl_nodeid *dst, const uint8_t *src) {
  memset(dst, 0, sizeof *dst);
  memcpy(dst->b, src, c->len);
}

void rl_chord_config_init(rl_chord_config *cfg) {
  memset(cfg, 0, sizeof *cfg);
  cfg->successors = 4;
  cfg->predecessors = 4;
  cfg->replicas = 2;
  cfg->min_fingers = 16;
  cfg->max_fingers = 128;
  cfg->max_connections = 256;
  cfg->max_pending = 64;
  cfg->reactive = 1;
  cfg->update_interval_ms = 600000;
  cfg->ping_interval_ms = 3600000;
  cfg->holddown_ms = 30000;
  cfg->partition_interval_ms = 600000;
  cfg->request_timeout_ms = 30000;
  cfg->seed = 0x6940;
}

static size_t clamp_size(size_t v, size_t lo, size_t hi) {
  return v < lo ? lo : (v > hi ? hi : v);
}

/* splitmix64: small, seedable, and good enough for spreading timers and
 * finger targets; nothing here needs unpredictability. */
uint64_t rl_chordi_random(rl_chord *c) {
  uint64_t z = (c->rng += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

rl_chord *rl_chord_new(const uint8_t *self_id, size_t id_len,
                       const rl_chord_config *cfg) {
  rl_chord *c = NULL, *result = NULL;
  if (self_id == NULL || !rl_nodeid_len_valid(id_len)) goto done;
  c = calloc(1, sizeof *c);
  if (c == NULL) goto done;
  if (cfg != NULL)
    c->cfg = *cfg;
  else
    rl_chord_config_init(&c->cfg);
  c->len = id_len;
  c->bits = (unsigned)(8 * id_len);
  id_copy(c, &c->self, self_id);
  /* 10.7: a peer MUST attempt to maintain at least three predecessors and
   * three successors. */
  c->cfg.successors = clamp_size(c->cfg.successors, 3, RL_CHORD_MAX_NEIGHBORS);
  c->cfg.predecessors = clamp_size(c->cfg.predecessors, 3, RL_CHORD_MAX_NEIGHBORS);
  c->cfg.replicas = clamp_size(c->cfg.replicas, 1, c->cfg.successors);
  c->cfg.max_fingers = clamp_size(c->cfg.max_fingers, 1, c->bits);
  c->cfg.min_fingers = clamp_size(c->cfg.min_fingers, 1, c->cfg.max_fingers);
  c->cfg.max_connections = clamp_size(c->cfg.max_connections,
                                      c->cfg.successors + c->cfg.predecessors + 2,
                                      (size_t)1 << 20);
  c->cfg.max_pending = clamp_size(c->cfg.max_pending, 4, (size_t)1 << 16);
  if (c->cfg.update_interval_ms == 0) c->cfg.update_interval_ms = 600000;
  if (c->cfg.ping_interval_ms == 0) c->cfg.ping_interval_ms = 3600000;
  if (c->cfg.request_timeout_ms == 0) c->cfg.request_timeout_ms = 30000;
  c->rng = c->cfg.seed;
  for (size_t i = 0; i < id_len; i++) c->rng = c->rng * 131 + self_id[i];
  c->conns_cap = c->cfg.max_connections;
  c->conns = calloc(c->conns_cap, sizeof *c->conns);
  c->pend_cap = c->cfg.max_pending;
  c->pend = calloc(c->pend_cap, sizeof *c->pend);
  /* The largest event (an Update to every connection after a change, plus
   * the Attaches and Stores it starts) fits. */
  c->act_cap = 2 * c->conns_cap + c->pend_cap + 2 * RL_CHORD_MAX_NEIGHBORS +
               RL_CHORD_MAX_FINGERS + 16;
  c->act = calloc(c->act_cap, sizeof *c->act);
  if (c->conns == NULL || c->pend == NULL || c->act == NULL) goto done;
  c->nfingers = c->cfg.min_fingers;
  c->state = RL_CHORD_IDLE;
  result = c;
  c = NULL;
done:
  rl_chord_free(c);
  return result;
}

void rl_chord_free(rl_chord *c) {
  if (c == NULL) return;
  free(c->conns);
  free(c->pend);
  free(c->act);
  free(c);
}

/* ---- actions ---- */

size_t rl_chord_actions(const rl_chord *c, const rl_chord_action **out) {
  *out = c->act;
  return c->nact;
}

size_t rl_chord_actions_dropped(const rl_chord *c) {
  return c->act_dropped;
}

void rl_chordi_actions_reset(rl_chord *c) {
  c->nact = 0;
}

rl_chord_action *rl_chordi_emit(rl_chord *c, rl_chord_action_type type,
                                const uint8_t *peer) {
  rl_chord_action *a = NULL;
  if (c->nact >= c->act_cap) {
    c->act_dropped++;
    goto done;
  }
  a = &c->act[c->nact++];
  memset(a, 0, sizeof *a);
  a->type = type;
  if (peer != NULL) id_copy(c, &a->peer, peer);
done:
  return a;
}

void rl_chordi_emit_update(rl_chord *c, const uint8_t *peer, rl_ChordUpdateType type) {
  rl_chord_action *a = NULL;
  /* 10.5: a joining node MUST NOT send an Update placing itself in the
   * overlay before it has attached to all of its neighbors; we send none
   * at all before the Join completes. */
  if (c->state != RL_CHORD_JOINED) return;
  for (size_t i = 0; i < c->nact; i++) {
    a = &c->act[i];
    if (a->type == RL_CHORD_SEND_UPDATE && id_eq(c, a->peer.b, peer)) {
      if (type == RL_ChordUpdateType_full ||
          a->update_type == RL_ChordUpdateType_peer_ready)
        a->update_type = type;
      return;
    }
  }
  a = rl_chordi_emit(c, RL_CHORD_SEND_UPDATE, peer);
  if (a != NULL) a->update_type = type;
}

/* ---- the connection table ---- */

rl_chordi_conn *rl_chordi_conn_find(const rl_chord *c, const uint8_t *id) {
  for (size_t i = 0; i < c->conns_cap; i++)
    if (c->conns[i].used && id_eq(c, c->conns[i].id.b, id)) return &c->conns[i];
  return NULL;
}

int rl_chordi_in_neighbors(const rl_chord *c, const uint8_t *id) {
  for (size_t i = 0; i < c->nsucc; i++)
    if (id_eq(c, c->succ[i].b, id)) return 1;
  for (size_t i = 0; i < c->npred; i++)
    if (id_eq(c, c->pred[i].b, id)) return 1;
  return 0;
}

static int in_fingers(const rl_chord *c, const uint8_t *id) {
  for (size_t i = 1; i <= c->nfingers; i++)
    if (c->finger_valid[i] && id_eq(c, c->finger[i].b, id)) return 1;
  return 0;
}

rl_chordi_conn *rl_chordi_conn_add(rl_chord *c, const uint8_t *id) {
  rl_chordi_conn *e = rl_chordi_conn_find(c, id), *spare = NULL;
  if (e != NULL || id_eq(c, id, c->self.b)) goto done; /* 10.7.3: never self */
  for (size_t i = 0; i < c->conns_cap && e == NULL; i++)
    if (!c->conns[i].used) e = &c->conns[i];
  /* Full: forget a link the tables do not use, a not-ready one first.
   * The link itself stays with the peer; only the chord's view drops it. */
  for (size_t i = 0; i < c->conns_cap && e == NULL; i++) {
    rl_chordi_conn *o = &c->conns[i];
    if (rl_chordi_in_neighbors(c, o->id.b) || in_fingers(c, o->id.b)) continue;
    if (!o->ready) e = o;
    else if (spare == NULL) spare = o;
  }
  if (e == NULL) e = spare;
  if (e == NULL) goto done;
  memset(e, 0, sizeof *e);
  e->used = 1;
  id_copy(c, &e->id, id);
done:
  return e;
}

void rl_chordi_conn_remove(rl_chord *c, const uint8_t *id) {
  rl_chordi_conn *e = rl_chordi_conn_find(c, id);
  if (e != NULL) memset(e, 0, sizeof *e);
}

int rl_chordi_is_ready(const rl_chord *c, const uint8_t *id) {
  const rl_chordi_conn *e = rl_chordi_conn_find(c, id);
  return e != NULL && e->ready;
}

int rl_chord_is_connected(const rl_chord *c, const uint8_t *peer) {
  return c != NULL && peer != NULL && rl_chordi_conn_find(c, peer) != NULL;
}

/* ---- pending requests ---- */

rl_chordi_pending *rl_chordi_pend_find(rl_chord *c, rl_chordi_pend_kind kind,
                                       const uint8_t *target) {
  for (size_t i = 0; i < c->pend_cap; i++) {
    rl_chordi_pending *p = &c->pend[i];
    if (p->used && p->kind == kind && id_eq(c, p->target.b, target)) return p;
  }
  return NULL;
}

rl_chordi_pending *rl_chordi_pend_add(rl_chord *c, rl_chordi_pend_kind kind,
                                      const uint8_t *target) {
  rl_chordi_pending *p = NULL;
  if (rl_chordi_pend_find(c, kind, target) != NULL) goto done;
  for (size_t i = 0; i < c->pend_cap && p == NULL; i++)
    if (!c->pend[i].used) p = &c->pend[i];
  if (p == NULL) goto done;
  memset(p, 0, sizeof *p);
  p->used = 1;
  p->kind = (uint8_t)kind;
  p->started = c->now;
  id_copy(c, &p->target, target);
done:
  return p;
}

size_t rl_chordi_pend_count(const rl_chord *c, rl_chordi_purpose purpose) {
  size_t n = 0;
  for (size_t i = 0; i < c->pend_cap; i++)
    if (c->pend[i].used && c->pend[i].purpose == purpose) n++;
  return n;
}

/* ---- the Neighbor and Finger Tables ---- */

/* Insert id into list (nearest first by `closer`), keeping at most max. */
static void ranked_insert(const rl_chord *c, rl_nodeid *list, size_t *n, size_t max,
                          const uint8_t *id, int clockwise) {
  size_t pos = *n;
  while (pos > 0) {
    int cmp = clockwise ? rl_nodeid_cmp_from(c->self.b, id, list[pos - 1].b, c->len)
                        /* nearer predecessor: shorter distance from it to self */
                        : -rl_nodeid_cmp_from(c->self.b, id, list[pos - 1].b, c->len);
    if (cmp >= 0) break;
    pos--;
  }
  if (pos >= max) return;
  size_t last = *n < max ? *n : max - 1;
  memmove(&list[pos + 1], &list[pos], (last - pos) * sizeof *list);
  id_copy(c, &list[pos], id);
  if (*n < max) (*n)++;
}

size_t rl_chordi_finger_index(const rl_chord *c, const uint8_t *id) {
  uint8_t d[RL_NODEID_MAX_LEN];
  rl_nodeid_distance(d, c->self.b, id, c->len);
  int top = rl_nodeid_log2(d, c->len);
  /* Entry i holds distances [2^(bits-i), 2^(bits-i+1)): i = bits - top. */
  return top < 0 ? 0 : (size_t)(c->bits - (unsigned)top);
}

void rl_chordi_finger_random_target(rl_chord *c, size_t i, uint8_t *out) {
  uint8_t lo[RL_NODEID_MAX_LEN], r[RL_NODEID_MAX_LEN];
  unsigned width = c->bits - (unsigned)i; /* the range holds 2^width points */
  (void)rl_nodeid_add_pow2(lo, c->self.b, c->len, width);
  for (size_t k = 0; k < c->len; k += 8) {
    uint64_t v = rl_chordi_random(c);
    for (size_t j = 0; j < 8 && k + j < c->len; j++) r[k + j] = (uint8_t)(v >> (8 * j));
  }
  rl_nodeid_mask(r, c->len, width);
  rl_nodeid_add(out, lo, r, c->len);
}

/* 10.7.4.3: at least min_fingers entries, and enough that the last entry's
 * range reaches down to the final successor ("a simple approach to sizing
 * the Finger Table"); at most max_fingers. */
static size_t finger_table_size(const rl_chord *c) {
  size_t n = c->cfg.min_fingers;
  if (c->nsucc > 0) {
    size_t need = rl_chordi_finger_index(c, c->succ[c->nsucc - 1].b);
    if (need > n) n = need;
  }
  return clamp_size(n, 1, c->cfg.max_fingers);
}

static void recompute_fingers(rl_chord *c) {
  uint8_t keep[RL_CHORD_MAX_FINGERS + 1];
  size_t n = finger_table_size(c);
  memset(keep, 0, sizeof keep);
  for (size_t i = 1; i <= n; i++) {
    /* A valid entry stays as long as its peer does: CHORD-RELOAD does not
     * search for optimal entries (10). */
    if (i <= c->nfingers && c->finger_valid[i] && rl_chordi_is_ready(c, c->finger[i].b) &&
        rl_chordi_finger_index(c, c->finger[i].b) == i)
      keep[i] = 1;
  }
  for (size_t i = 1; i <= RL_CHORD_MAX_FINGERS; i++) {
    if (!keep[i]) c->finger_valid[i] = 0;
    if (i > n) c->finger_has_cand[i] = 0;
  }
  c->nfingers = n;
  for (size_t k = 0; k < c->conns_cap; k++) {
    const rl_chordi_conn *e = &c->conns[k];
    if (!e->used || !e->ready) continue;
    size_t i = rl_chordi_finger_index(c, e->id.b);
    if (i == 0 || i > n || keep[i]) continue;
    /* Of several peers in an empty entry's range take the one nearest its
     * start. */
    if (!c->finger_valid[i] ||
        rl_nodeid_cmp_from(c->self.b, e->id.b, c->finger[i].b, c->len) < 0) {
      c->finger[i] = e->id;
      c->finger_valid[i] = 1;
      c->finger_has_cand[i] = 0;
    }
  }
}

void rl_chordi_recompute(rl_chord *c) {
  size_t ns = 0, np = 0;
  rl_nodeid succ[RL_CHORD_MAX_NEIGHBORS], pred[RL_CHORD_MAX_NEIGHBORS];
  /* 10.7.1: the Neighbor Table is the best match among the peers of the
   * Routing Table; every member has a link (10.7: a peer MUST maintain an
   * association to every member of its neighbor set). */
  for (size_t k = 0; k < c->conns_cap; k++) {
    const rl_chordi_conn *e = &c->conns[k];
    if (!e->used || !e->ready) continue;
    ranked_insert(c, succ, &ns, c->cfg.successors, e->id.b, 1);
    ranked_insert(c, pred, &np, c->cfg.predecessors, e->id.b, 0);
  }
  memcpy(c->succ, succ, ns * sizeof *succ);
  c->nsucc = ns;
  memcpy(c->pred, pred, np * sizeof *pred);
  c->npred = np;
  recompute_fingers(c);
  /* 10.7.4.1: neighbors get a periodic Update, randomly offset so that
   * they do not all fall at once. */
  for (size_t k = 0; k < c->conns_cap; k++) {
    rl_chordi_conn *e = &c->conns[k];
    if (!e->used) continue;
    if (!rl_chordi_in_neighbors(c, e->id.b))
      e->next_update_at = 0;
    else if (e->next_update_at == 0)
      e->next_update_at = c->now + 1 + rl_chordi_random(c) % c->cfg.update_interval_ms;
  }
}

static int pending_node_attach(const rl_chord *c, const uint8_t *id) {
  for (size_t k = 0; k < c->pend_cap; k++) {
    const rl_chordi_pending *p = &c->pend[k];
    if (p->used && p->kind == RL_CHORDI_ATTACH && p->is_node && id_eq(c, p->target.b, id))
      return 1;
  }
  return 0;
}

/* Count the known peers (ready, Node-ID Attach in flight, extra) that lie
 * strictly nearer to self than id on one side. */
static size_t nearer_count(const rl_chord *c, const uint8_t *id, int clockwise,
                           const rl_nodeid *extra, size_t nextra) {
  size_t n = 0;
  for (size_t k = 0; k < c->conns_cap; k++) {
    const rl_chordi_conn *e = &c->conns[k];
    if (!e->used || !e->ready || id_eq(c, e->id.b, id)) continue;
    int cmp = rl_nodeid_cmp_from(c->self.b, e->id.b, id, c->len);
    if (clockwise ? cmp < 0 : cmp > 0) n++;
  }
  for (size_t k = 0; k < c->pend_cap; k++) {
    const rl_chordi_pending *p = &c->pend[k];
    if (!p->used || p->kind != RL_CHORDI_ATTACH || !p->is_node) continue;
    if (id_eq(c, p->target.b, id) || rl_chordi_is_ready(c, p->target.b)) continue;
    int cmp = rl_nodeid_cmp_from(c->self.b, p->target.b, id, c->len);
    if (clockwise ? cmp < 0 : cmp > 0) n++;
  }
  for (size_t k = 0; k < nextra; k++) {
    if (id_eq(c, extra[k].b, id) || id_eq(c, extra[k].b, c->self.b)) continue;
    /* Counted above already. */
    if (rl_chordi_is_ready(c, extra[k].b) || pending_node_attach(c, extra[k].b)) continue;
    int cmp = rl_nodeid_cmp_from(c->self.b, extra[k].b, id, c->len);
    if (clockwise ? cmp < 0 : cmp > 0) n++;
  }
  return n;
}

int rl_chordi_wants_neighbor(const rl_chord *c, const uint8_t *id,
                             const rl_nodeid *extra, size_t nextra) {
  if (id_eq(c, id, c->self.b)) return 0;
  return nearer_count(c, id, 1, extra, nextra) < c->cfg.successors ||
         nearer_count(c, id, 0, extra, nextra) < c->cfg.predecessors;
}

void rl_chordi_snapshot_take(const rl_chord *c, rl_chordi_snapshot *s) {
  memcpy(s->succ, c->succ, sizeof s->succ);
  s->nsucc = c->nsucc;
  memcpy(s->pred, c->pred, sizeof s->pred);
  s->npred = c->npred;
  s->range_lo = c->range_lo;
  s->joined = c->state == RL_CHORD_JOINED && c->range_known;
}

/* ---- routing and queries ---- */

int rl_chord_is_responsible(const rl_chord *c, const uint8_t *id) {
  if (c == NULL || id == NULL || c->state != RL_CHORD_JOINED) return 0;
  /* 10.1: x is responsible for k when k is in (p, x], p its predecessor;
   * with no predecessor the peer is the whole ring. */
  if (c->npred == 0) return 1;
  return rl_nodeid_in_oc(id, c->pred[0].b, c->self.b, c->len);
}

int rl_chord_next_hop(const rl_chord *c, const uint8_t *dest, rl_nodeid *next) {
  int rc = RL_ERR_PARAM;
  const rl_chordi_conn *best = NULL, *after = NULL, *any = NULL;
  if (c == NULL || dest == NULL || next == NULL) goto done;
  rc = RL_CHORD_LOCAL;
  if (id_eq(c, dest, c->self.b)) goto done;
  /* 10.3: a peer directly connected to the node with Node-ID k MUST route
   * the message to it. */
  if (rl_chordi_conn_find(c, dest) != NULL) {
    id_copy(c, next, dest);
    rc = 0;
    goto done;
  }
  if (rl_chord_is_responsible(c, dest)) goto done;
  for (size_t k = 0; k < c->conns_cap; k++) {
    const rl_chordi_conn *e = &c->conns[k];
    if (!e->used) continue;
    if (any == NULL) any = e;
    if (!e->ready) continue;
    /* 10.3: otherwise it MUST route to the peer of the Routing Table with
     * the largest Node-ID in the interval between the peer and k ... */
    if (rl_nodeid_in_oo(e->id.b, c->self.b, dest, c->len)) {
      if (best == NULL || rl_nodeid_cmp_from(c->self.b, e->id.b, best->id.b, c->len) > 0)
        best = e;
    }
    /* ... and, when there is none, to the smallest Node-ID greater than k. */
    if (after == NULL || rl_nodeid_cmp_from(dest, e->id.b, after->id.b, c->len) < 0)
      after = e;
  }
  if (best == NULL) best = after;
  /* A node that is not in the ring yet and knows no peer goes through
   * whatever link it has (its bootstrap node). */
  if (best == NULL && c->state != RL_CHORD_JOINED) best = any;
  rc = RL_CHORD_NO_ROUTE;
  if (best == NULL) goto done;
  *next = best->id;
  rc = 0;
done:
  return rc;
}

rl_chord_role rl_chord_role_for(const rl_chord *c, const uint8_t *id) {
  rl_chord_role r = RL_CHORD_ROLE_NONE;
  if (c == NULL || id == NULL || c->state != RL_CHORD_JOINED) goto done;
  if (rl_chord_is_responsible(c, id)) {
    r = RL_CHORD_ROLE_RESPONSIBLE;
  } else if (c->npred <= c->cfg.replicas) {
    /* A ring this small has every peer in every replica set. */
    r = RL_CHORD_ROLE_REPLICA;
  } else if (rl_nodeid_in_oc(id, c->pred[c->cfg.replicas].b, c->pred[0].b, c->len)) {
    /* 10.7.3: a peer stays in the replica set of R until there are
     * `replicas + 1` predecessors between it and R. */
    r = RL_CHORD_ROLE_REPLICA;
  }
done:
  return r;
}

size_t rl_chord_replica_set(const rl_chord *c, rl_nodeid *out, size_t max) {
  size_t n = 0;
  if (c == NULL || out == NULL) return 0;
  /* 10.4: the successor and that peer's successor. */
  for (size_t i = 0; i < c->nsucc && i < c->cfg.replicas && n < max; i++) out[n++] = c->succ[i];
  return n;
}

int rl_chord_replica_from_ok(const rl_chord *c, const uint8_t *from, const uint8_t *id) {
  if (c == NULL || from == NULL || id == NULL) return 0;
  /* 10.4: replicas SHOULD come from an appropriate predecessor, for a
   * Resource-ID that predecessor is responsible for. */
  for (size_t j = 0; j < c->npred && j < c->cfg.replicas; j++) {
    if (!id_eq(c, c->pred[j].b, from)) continue;
    if (j + 1 >= c->npred) return 1; /* its own predecessor is unknown to us */
    return rl_nodeid_in_oc(id, c->pred[j + 1].b, c->pred[j].b, c->len);
  }
  return 0;
}

static size_t copy_list(const rl_nodeid *src, size_t n, rl_nodeid *out, size_t max) {
  size_t k = n < max ? n : max;
  if (out != NULL && k > 0) memcpy(out, src, k * sizeof *src);
  return out != NULL ? k : 0;
}

size_t rl_chord_successors(const rl_chord *c, rl_nodeid *out, size_t max) {
  return c == NULL ? 0 : copy_list(c->succ, c->nsucc, out, max);
}

size_t rl_chord_predecessors(const rl_chord *c, rl_nodeid *out, size_t max) {
  return c == NULL ? 0 : copy_list(c->pred, c->npred, out, max);
}

/* Whole rl_nodeid structs compare numerically: the bytes past the length
 * are zero. */
static int cmp_ids(const void *a, const void *b) {
  return memcmp(((const rl_nodeid *)a)->b, ((const rl_nodeid *)b)->b, RL_NODEID_MAX_LEN);
}

size_t rl_chord_fingers(const rl_chord *c, rl_nodeid *out, size_t max) {
  size_t n = 0;
  if (c == NULL || out == NULL) return 0;
  for (size_t i = 1; i <= c->nfingers && n < max; i++) {
    if (!c->finger_valid[i]) continue;
    int dup = 0;
    for (size_t k = 0; k < n && !dup; k++) dup = id_eq(c, out[k].b, c->finger[i].b);
    if (!dup) out[n++] = c->finger[i];
  }
  /* 10.7: fingers "in numerically ascending order". */
  qsort(out, n, sizeof *out, cmp_ids);
  return n;
}

size_t rl_chord_finger_count(const rl_chord *c) {
  size_t n = 0;
  for (size_t i = 1; c != NULL && i <= c->nfingers; i++) n += c->finger_valid[i];
  return n;
}

size_t rl_chord_finger_table_size(const rl_chord *c) {
  return c == NULL ? 0 : c->nfingers;
}

int rl_chord_finger(const rl_chord *c, size_t i, rl_nodeid *out) {
  if (c == NULL || i == 0 || i > c->nfingers || !c->finger_valid[i]) return 0;
  if (out != NULL) *out = c->finger[i];
  return 1;
}

size_t rl_chord_routing_peers(const rl_chord *c, rl_nodeid *out, size_t max) {
  size_t n = 0;
  for (size_t k = 0; c != NULL && k < c->conns_cap; k++) {
    if (!c->conns[k].used || !c->conns[k].ready) continue;
    if (out != NULL && n < max) out[n] = c->conns[k].id;
    n++;
  }
  return n;
}

rl_chord_state rl_chord_get_state(const rl_chord *c) {
  return c->state;
}

const uint8_t *rl_chord_self(const rl_chord *c) {
  return c->self.b;
}

size_t rl_chord_id_len(const rl_chord *c) {
  return c->len;
}

uint32_t rl_chord_uptime(const rl_chord *c) {
  if (c->state == RL_CHORD_IDLE || c->now < c->started_at) return 0;
  uint64_t s = (c->now - c->started_at) / 1000;
  return s > UINT32_MAX ? UINT32_MAX : (uint32_t)s;
}

uint32_t rl_chord_responsible_ppb(const rl_chord *c) {
  uint8_t d[RL_NODEID_MAX_LEN];
  if (c->state != RL_CHORD_JOINED) return 0;
  if (c->npred == 0) return 1000000000u;
  rl_nodeid_distance(d, c->pred[0].b, c->self.b, c->len);
  /* The range is d / 2^bits of the ring; its top 32 bits suffice for a
   * parts-per-billion figure (one unit is 2^-32 of the ring). */
  return (uint32_t)(((uint64_t)rl_nodeid_top32(d, c->len) * 1000000000u) >> 32);
}

uint64_t rl_chord_estimated_size(const rl_chord *c) {
  uint8_t d[RL_NODEID_MAX_LEN];
  double dist = 0, ring = 1, est;
  if (c->nsucc == 0) return 1;
  rl_nodeid_distance(d, c->self.b, c->succ[c->nsucc - 1].b, c->len);
  for (size_t i = 0; i < c->len; i++) {
    dist = dist * 256.0 + d[i];
    ring *= 256.0;
  }
  /* nsucc peers spread over dist: about nsucc * 2^bits / dist in all. */
  est = (double)c->nsucc * ring / dist;
  return est >= 1.8e19 ? UINT64_MAX : (uint64_t)(est + 0.5);
}

/* ---- messages ---- */

static size_t put_ids(const rl_chord *c, rl_chord_msgbuf *buf, size_t at,
                      const rl_nodeid *src, size_t n) {
  for (size_t i = 0; i < n && at < RL_CHORD_MSG_MAX_IDS; i++, at++) {
    buf->ids[at] = src[i];
    buf->refs[at].ptr = buf->ids[at].b;
    buf->refs[at].len = c->len;
  }
  return at;
}

int rl_chord_build_update(const rl_chord *c, rl_ChordUpdateType type,
                          rl_chord_msgbuf *buf, rl_ChordUpdate *out) {
  int rc = RL_ERR_PARAM;
  size_t at = 0, p0, s0, f0, nf;
  rl_nodeid fingers[RL_CHORD_MAX_FINGERS];
  if (c == NULL || buf == NULL || out == NULL) goto done;
  if (type != RL_ChordUpdateType_peer_ready && type != RL_ChordUpdateType_neighbors &&
      type != RL_ChordUpdateType_full)
    goto done;
  memset(out, 0, sizeof *out);
  /* 10.7: "uptime" is the time this peer has been up, in seconds. */
  out->uptime = rl_chord_uptime(c);
  out->type = type;
  p0 = at;
  at = put_ids(c, buf, at, c->pred, c->npred);
  s0 = at;
  at = put_ids(c, buf, at, c->succ, c->nsucc);
  f0 = at;
  nf = rl_chord_fingers(c, fingers, RL_CHORD_MAX_FINGERS);
  at = put_ids(c, buf, at, fingers, nf);
  if (type == RL_ChordUpdateType_neighbors) {
    out->neighbors.predecessors = &buf->refs[p0];
    out->neighbors.predecessors_count = s0 - p0;
    out->neighbors.successors = &buf->refs[s0];
    out->neighbors.successors_count = f0 - s0;
  } else if (type == RL_ChordUpdateType_full) {
    out->full.predecessors = &buf->refs[p0];
    out->full.predecessors_count = s0 - p0;
    out->full.successors = &buf->refs[s0];
    out->full.successors_count = f0 - s0;
    out->full.fingers = &buf->refs[f0];
    out->full.fingers_count = at - f0;
  }
  rc = 0;
done:
  return rc;
}

int rl_chord_build_leave(const rl_chord *c, rl_ChordLeaveType type,
                         rl_chord_msgbuf *buf, rl_ChordLeaveData *out) {
  int rc = RL_ERR_PARAM;
  size_t n;
  if (c == NULL || buf == NULL || out == NULL) goto done;
  memset(out, 0, sizeof *out);
  out->type = type;
  /* 10.9: from_succ carries the sender's successor list, from_pred its
   * predecessor list. */
  if (type == RL_ChordLeaveType_from_succ) {
    n = put_ids(c, buf, 0, c->succ, c->nsucc);
    out->successors = buf->refs;
    out->successors_count = n;
  } else if (type == RL_ChordLeaveType_from_pred) {
    n = put_ids(c, buf, 0, c->pred, c->npred);
    out->predecessors = buf->refs;
    out->predecessors_count = n;
  } else {
    goto done;
  }
  rc = 0;
done:
  return rc;
}

void rl_chord_actions_clear(rl_chord *c) {
  if (c != NULL) rl_chordi_actions_reset(c);
}
