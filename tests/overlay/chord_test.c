/* chord_test.c: Node-ID arithmetic and the CHORD-RELOAD events (RFC 6940
 * section 10) on small hand-built situations. Each test of a MUST names
 * its section. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "gen/reload_codec.h"
#include "overlay/chord.h"
#include "overlay/nodeid.h"
#include "runtime/arena.h"
#include "runtime/ctx.h"
#include "runtime/error.h"
#include "runtime/writer.h"

#define L16 16

/* An ID whose top 32 bits are `top`, the rest zero: easy to place on the
 * ring (0x40000000 is a quarter of the way round). */
static rl_nodeid mk(uint32_t top) {
  rl_nodeid id;
  memset(&id, 0, sizeof id);
  id.b[0] = (uint8_t)(top >> 24);
  id.b[1] = (uint8_t)(top >> 16);
  id.b[2] = (uint8_t)(top >> 8);
  id.b[3] = (uint8_t)top;
  return id;
}

static rl_nodeid hexid(const char *hex, size_t len) {
  rl_nodeid id;
  memset(&id, 0, sizeof id);
  ck_assert_int_eq(rl_nodeid_from_hex(hex, id.b, len), 0);
  return id;
}

/* Every chord in this file has 16-byte IDs. */
static int same(const rl_nodeid *a, const rl_nodeid *b) {
  return memcmp(a->b, b->b, L16) == 0;
}

/* ---- Node-ID arithmetic (10.1) ---- */

START_TEST(nodeid_add_and_wrap) {
  rl_nodeid a = hexid("ffffffffffffffffffffffffffffffff", 16), one = hexid("00000000000000000000000000000001", 16), r;
  rl_nodeid_add(r.b, a.b, one.b, 16);
  ck_assert(same(&r, &(rl_nodeid){{0}})); /* 2^128 - 1 + 1 wraps to 0 (10.1) */
  rl_nodeid_sub(r.b, one.b, a.b, 16);
  rl_nodeid two = hexid("00000000000000000000000000000002", 16);
  ck_assert_int_eq(rl_nodeid_cmp(r.b, two.b, 16), 0); /* 1 - (2^128-1) = 2 */
  rl_nodeid_inc(r.b, a.b, 16);
  ck_assert(same(&r, &(rl_nodeid){{0}}));
  /* 20-byte IDs wrap at 2^160. */
  rl_nodeid a20 = hexid("ffffffffffffffffffffffffffffffffffffff00", 20), r20;
  ck_assert_int_eq(rl_nodeid_add_pow2(r20.b, a20.b, 20, 8), 0);
  ck_assert_int_eq(rl_nodeid_cmp(r20.b, hexid("0000000000000000000000000000000000000000", 20).b, 20), 0);
  ck_assert_int_eq(rl_nodeid_add_pow2(r20.b, a20.b, 20, 159), 0);
  ck_assert_int_eq(rl_nodeid_cmp(r20.b, hexid("7fffffffffffffffffffffffffffffffffffff00", 20).b, 20), 0);
  ck_assert_int_eq(rl_nodeid_add_pow2(r20.b, a20.b, 20, 160), RL_ERR_PARAM);
  ck_assert_int_eq(rl_nodeid_add_pow2(r.b, a.b, 16, 128), RL_ERR_PARAM);
  /* A carry that runs through every byte. */
  rl_nodeid c = hexid("00ffffffffffffffffffffffffffffff", 16);
  ck_assert_int_eq(rl_nodeid_add_pow2(r.b, c.b, 16, 0), 0);
  ck_assert_int_eq(rl_nodeid_cmp(r.b, hexid("01000000000000000000000000000000", 16).b, 16), 0);
}
END_TEST

START_TEST(nodeid_distance_is_clockwise) {
  rl_nodeid a = mk(0xf0000000), b = mk(0x10000000), d;
  rl_nodeid_distance(d.b, a.b, b.b, 16);
  ck_assert(same(&d, &(rl_nodeid){{0x20}}));
  rl_nodeid_distance(d.b, b.b, a.b, 16);
  ck_assert(same(&d, &(rl_nodeid){{0xe0}}));
  /* Ordering by distance from a base: b is nearer after a than a - 1. */
  rl_nodeid am1;
  rl_nodeid_sub(am1.b, a.b, hexid("00000000000000000000000000000001", 16).b, 16);
  ck_assert_int_lt(rl_nodeid_cmp_from(a.b, b.b, am1.b, 16), 0);
  ck_assert_int_eq(rl_nodeid_log2(d.b, 16), 127);
  ck_assert_int_eq(rl_nodeid_log2((rl_nodeid){{0}}.b, 16), -1);
  ck_assert_int_eq(rl_nodeid_log2(hexid("00000000000000000000000000000001", 16).b, 16), 0);
  ck_assert_int_eq(rl_nodeid_log2(hexid("0000000000000000000000000000000000000100", 20).b, 20), 8);
}
END_TEST

START_TEST(nodeid_intervals) {
  rl_nodeid a = mk(0xe0000000), b = mk(0x20000000), in = mk(0x00000000), out = mk(0x80000000);
  /* (a, b] across the wrap at 0. */
  ck_assert(rl_nodeid_in_oc(in.b, a.b, b.b, 16));
  ck_assert(rl_nodeid_in_oc(b.b, a.b, b.b, 16));
  ck_assert(!rl_nodeid_in_oc(a.b, a.b, b.b, 16));
  ck_assert(!rl_nodeid_in_oc(out.b, a.b, b.b, 16));
  ck_assert(rl_nodeid_in_oo(in.b, a.b, b.b, 16));
  ck_assert(!rl_nodeid_in_oo(b.b, a.b, b.b, 16));
  ck_assert(rl_nodeid_in_co(a.b, a.b, b.b, 16));
  ck_assert(!rl_nodeid_in_co(b.b, a.b, b.b, 16));
  ck_assert(rl_nodeid_in_cc(a.b, a.b, b.b, 16) && rl_nodeid_in_cc(b.b, a.b, b.b, 16));
  ck_assert(!rl_nodeid_in_cc(out.b, a.b, b.b, 16));
  /* Equal bounds: (a, a] and [a, a) are the whole ring (one-peer ring),
   * (a, a) is the ring without a, [a, a] is just a. */
  ck_assert(rl_nodeid_in_oc(out.b, a.b, a.b, 16) && rl_nodeid_in_oc(a.b, a.b, a.b, 16));
  ck_assert(rl_nodeid_in_co(out.b, a.b, a.b, 16));
  ck_assert(rl_nodeid_in_oo(out.b, a.b, a.b, 16) && !rl_nodeid_in_oo(a.b, a.b, a.b, 16));
  ck_assert(rl_nodeid_in_cc(a.b, a.b, a.b, 16) && !rl_nodeid_in_cc(out.b, a.b, a.b, 16));
}
END_TEST

START_TEST(nodeid_mask_hex) {
  rl_nodeid a = hexid("ffffffffffffffffffffffffffffffffffffffff", 20);
  char buf[41];
  rl_nodeid_mask(a.b, 20, 12);
  ck_assert_str_eq(rl_nodeid_hex(a.b, 20, buf, sizeof buf), "0000000000000000000000000000000000000fff");
  rl_nodeid_mask(a.b, 20, 0);
  ck_assert_str_eq(rl_nodeid_hex(a.b, 20, buf, sizeof buf), "0000000000000000000000000000000000000000");
  ck_assert_str_eq(rl_nodeid_hex(a.b, 20, buf, 5), "0000");
  ck_assert_int_eq(rl_nodeid_from_hex("0g", a.b, 1), RL_ERR_SYNTAX);
  ck_assert_int_eq(rl_nodeid_from_hex("00", a.b, 2), RL_ERR_SYNTAX);
  ck_assert(rl_nodeid_len_valid(16) && rl_nodeid_len_valid(20));
  ck_assert(!rl_nodeid_len_valid(15) && !rl_nodeid_len_valid(21));
  ck_assert_uint_eq(rl_nodeid_top32(mk(0x12345678).b, 16), 0x12345678u);
}
END_TEST

/* ---- helpers for chords ---- */

static rl_chord_config test_cfg(void) {
  rl_chord_config cfg;
  rl_chord_config_init(&cfg);
  cfg.successors = 3;
  cfg.predecessors = 3;
  cfg.update_interval_ms = 60000;
  cfg.ping_interval_ms = 10000;
  cfg.partition_interval_ms = 100000;
  return cfg;
}

static rl_chord *new_chord(uint32_t self, const rl_chord_config *cfg) {
  rl_nodeid id = mk(self);
  rl_chord *c = rl_chord_new(id.b, L16, cfg);
  ck_assert_ptr_nonnull(c);
  ck_assert_int_eq(rl_chord_on_tick(c, 1000), 0);
  return c;
}

static size_t count_actions(const rl_chord *c, rl_chord_action_type type, const rl_nodeid *peer) {
  const rl_chord_action *a;
  size_t n = rl_chord_actions(c, &a), k = 0;
  for (size_t i = 0; i < n; i++)
    if (a[i].type == type && (peer == NULL || same(&a[i].peer, peer))) k++;
  return k;
}

static const rl_chord_action *get_action(const rl_chord *c, rl_chord_action_type type,
                                         const rl_nodeid *peer) {
  const rl_chord_action *a;
  size_t n = rl_chord_actions(c, &a);
  for (size_t i = 0; i < n; i++)
    if (a[i].type == type && (peer == NULL || same(&a[i].peer, peer))) return &a[i];
  return NULL;
}

static const rl_chord_action *attach_to(const rl_chord *c, const rl_nodeid *target) {
  const rl_chord_action *a;
  size_t n = rl_chord_actions(c, &a);
  for (size_t i = 0; i < n; i++)
    if (a[i].type == RL_CHORD_ATTACH && same(&a[i].target, target)) return &a[i];
  return NULL;
}

/* A ChordUpdate of the given lists. */
typedef struct upd {
  rl_NodeId p[8], s[8], f[8];
  rl_nodeid pv[8], sv[8], fv[8];
  rl_ChordUpdate u;
} upd;

static void mkupd(upd *x, rl_ChordUpdateType type, const uint32_t *p, size_t np,
                  const uint32_t *s, size_t ns) {
  memset(x, 0, sizeof *x);
  for (size_t i = 0; i < np; i++) {
    x->pv[i] = mk(p[i]);
    x->p[i] = (rl_NodeId){x->pv[i].b, L16};
  }
  for (size_t i = 0; i < ns; i++) {
    x->sv[i] = mk(s[i]);
    x->s[i] = (rl_NodeId){x->sv[i].b, L16};
  }
  x->u.type = type;
  if (type == RL_ChordUpdateType_neighbors) {
    x->u.neighbors.predecessors = x->p;
    x->u.neighbors.predecessors_count = np;
    x->u.neighbors.successors = x->s;
    x->u.neighbors.successors_count = ns;
  } else if (type == RL_ChordUpdateType_full) {
    x->u.full.predecessors = x->p;
    x->u.full.predecessors_count = np;
    x->u.full.successors = x->s;
    x->u.full.successors_count = ns;
    x->u.full.fingers = x->f;
  }
}

/* Make `peer` a linked, ready peer of c (a link, then its peer_ready). */
static void add_peer(rl_chord *c, uint32_t peer) {
  rl_nodeid id = mk(peer);
  upd x;
  mkupd(&x, RL_ChordUpdateType_peer_ready, NULL, 0, NULL, 0);
  ck_assert_int_eq(rl_chord_on_connected(c, id.b, 0), 0);
  ck_assert_int_eq(rl_chord_on_update(c, id.b, &x.u), 0);
}

/* A joined chord at `self` with ready peers. */
static rl_chord *ring_node(uint32_t self, const uint32_t *peers, size_t n, const rl_chord_config *cfg) {
  rl_chord *c = new_chord(self, cfg);
  ck_assert_int_eq(rl_chord_start_first(c), 0);
  for (size_t i = 0; i < n; i++) add_peer(c, peers[i]);
  return c;
}

/* ---- tables ---- */

START_TEST(config_keeps_three_neighbors) {
  /* 10.7: a peer MUST attempt to maintain at least three predecessors and
   * three successors: smaller configured sizes are raised to three. */
  rl_chord_config cfg = test_cfg();
  cfg.successors = 1;
  cfg.predecessors = 0;
  uint32_t peers[] = {0x20000000, 0x30000000, 0x40000000, 0x50000000, 0xd0000000, 0xe0000000, 0xf0000000};
  rl_chord *c = ring_node(0x10000000, peers, 7, &cfg);
  rl_nodeid l[8];
  ck_assert_uint_eq(rl_chord_successors(c, l, 8), 3);
  rl_nodeid want_s[3] = {mk(0x20000000), mk(0x30000000), mk(0x40000000)};
  for (int i = 0; i < 3; i++) ck_assert(same(&l[i], &want_s[i]));
  ck_assert_uint_eq(rl_chord_predecessors(c, l, 8), 3);
  rl_nodeid want_p[3] = {mk(0xf0000000), mk(0xe0000000), mk(0xd0000000)};
  for (int i = 0; i < 3; i++) ck_assert(same(&l[i], &want_p[i]));
  rl_chord_free(c);
  ck_assert_ptr_null(rl_chord_new(mk(1).b, 15, NULL));
  ck_assert_ptr_null(rl_chord_new(mk(1).b, 21, NULL));
}
END_TEST

START_TEST(responsibility_is_pred_to_self) {
  /* 10.1: x is responsible for k when p < k <= x, modulo 2^128. */
  uint32_t peers[] = {0x80000000, 0xc0000000};
  rl_chord_config cfg = test_cfg();
  rl_chord *c = new_chord(0x10000000, &cfg);
  ck_assert(!rl_chord_is_responsible(c, mk(0x10000000).b)); /* not in a ring yet */
  ck_assert_int_eq(rl_chord_start_first(c), 0);
  ck_assert(rl_chord_is_responsible(c, mk(0x90000000).b)); /* alone: everything */
  ck_assert_uint_eq(rl_chord_responsible_ppb(c), 1000000000u);
  for (size_t i = 0; i < 2; i++) add_peer(c, peers[i]);
  ck_assert(rl_chord_is_responsible(c, mk(0x10000000).b));
  ck_assert(rl_chord_is_responsible(c, mk(0xc0000001).b));
  ck_assert(rl_chord_is_responsible(c, mk(0x00000000).b)); /* across 0 */
  ck_assert(!rl_chord_is_responsible(c, mk(0xc0000000).b));
  ck_assert(!rl_chord_is_responsible(c, mk(0x10000001).b));
  /* (0xc0000000, 0x10000000] is 5/16 of the ring. */
  ck_assert_uint_eq(rl_chord_responsible_ppb(c), 312500000u);
  rl_chord_free(c);
}
END_TEST

START_TEST(routing_rules) {
  uint32_t peers[] = {0x20000000, 0x30000000, 0x80000000, 0xf0000000};
  rl_chord_config cfg = test_cfg();
  rl_chord *c = ring_node(0x10000000, peers, 4, &cfg);
  rl_nodeid next, client = mk(0x90000000);
  ck_assert_int_eq(rl_chord_next_hop(c, mk(0x10000000).b, &next), RL_CHORD_LOCAL);
  ck_assert_int_eq(rl_chord_next_hop(c, mk(0x05000000).b, &next), RL_CHORD_LOCAL);
  /* 10.3: directly connected to the node with Node-ID k: MUST route to it
   * (even one that is not a routing peer, e.g. a client). */
  ck_assert_int_eq(rl_chord_on_connected(c, client.b, 0), 0);
  ck_assert_int_eq(rl_chord_next_hop(c, client.b, &next), 0);
  ck_assert(same(&next, &client));
  /* 10.3: otherwise MUST route to the largest Node-ID in (self, k). */
  ck_assert_int_eq(rl_chord_next_hop(c, mk(0x7fffffff).b, &next), 0);
  rl_nodeid want = mk(0x30000000);
  ck_assert(same(&next, &want));
  ck_assert_int_eq(rl_chord_next_hop(c, mk(0xa0000000).b, &next), 0);
  want = mk(0x80000000);
  ck_assert(same(&next, &want));
  /* 10.3: if no such node: MUST route to the smallest Node-ID greater
   * than k (here k lies between self and its successor). */
  ck_assert_int_eq(rl_chord_next_hop(c, mk(0x18000000).b, &next), 0);
  want = mk(0x20000000);
  ck_assert(same(&next, &want));
  rl_chord_free(c);
  /* No peer at all: no route. */
  c = new_chord(0x10000000, &cfg);
  ck_assert_int_eq(rl_chord_next_hop(c, mk(0x18000000).b, &next), RL_CHORD_NO_ROUTE);
  rl_chord_free(c);
}
END_TEST

START_TEST(replica_set_and_roles) {
  /* 10.4: replicas at the successor and that peer's successor. */
  uint32_t peers[] = {0x20000000, 0x30000000, 0x40000000, 0xd0000000, 0xe0000000, 0xf0000000};
  rl_chord_config cfg = test_cfg();
  rl_chord *c = ring_node(0x10000000, peers, 6, &cfg);
  rl_nodeid rs[4], w1 = mk(0x20000000), w2 = mk(0x30000000);
  ck_assert_uint_eq(rl_chord_replica_set(c, rs, 4), 2);
  ck_assert(same(&rs[0], &w1) && same(&rs[1], &w2));
  ck_assert_int_eq(rl_chord_role_for(c, mk(0x08000000).b), RL_CHORD_ROLE_RESPONSIBLE);
  /* Data of our predecessor (0xe0.., 0xf0..] and of its predecessor: replicas. */
  ck_assert_int_eq(rl_chord_role_for(c, mk(0xf0000000).b), RL_CHORD_ROLE_REPLICA);
  ck_assert_int_eq(rl_chord_role_for(c, mk(0xd8000000).b), RL_CHORD_ROLE_REPLICA);
  /* 10.7.3: three predecessors between us and R: no longer a replica. */
  ck_assert_int_eq(rl_chord_role_for(c, mk(0xd0000000).b), RL_CHORD_ROLE_NONE);
  ck_assert_int_eq(rl_chord_role_for(c, mk(0x80000000).b), RL_CHORD_ROLE_NONE);
  /* 10.4: replica Stores SHOULD come from the right predecessor for its
   * range. */
  ck_assert(rl_chord_replica_from_ok(c, mk(0xf0000000).b, mk(0xe8000000).b));
  ck_assert(!rl_chord_replica_from_ok(c, mk(0xf0000000).b, mk(0xd8000000).b));
  ck_assert(rl_chord_replica_from_ok(c, mk(0xe0000000).b, mk(0xd8000000).b));
  ck_assert(!rl_chord_replica_from_ok(c, mk(0xd0000000).b, mk(0xc8000000).b));
  ck_assert(!rl_chord_replica_from_ok(c, mk(0x20000000).b, mk(0x18000000).b));
  rl_chord_free(c);
}
END_TEST

START_TEST(finger_ranges) {
  /* 10.7.4.2: entry i is valid for a peer in [x+2^(128-i), x+2^(128-(i-1))-1]. */
  uint32_t peers[] = {0x90000000, 0x50000000, 0x30000000, 0x20000000};
  rl_chord_config cfg = test_cfg();
  rl_chord *c = ring_node(0x10000000, peers, 4, &cfg);
  rl_nodeid f;
  ck_assert(rl_chord_finger(c, 1, &f)); /* 0x90000000: half way round */
  ck_assert(same(&f, &(rl_nodeid){{0x90}}));
  ck_assert(rl_chord_finger(c, 2, &f)); /* [x+1/4, x+1/2): 0x50000000 */
  ck_assert(same(&f, &(rl_nodeid){{0x50}}));
  ck_assert(rl_chord_finger(c, 3, &f)); /* [x+1/8, x+1/4): 0x30000000 */
  ck_assert(same(&f, &(rl_nodeid){{0x30}}));
  ck_assert(rl_chord_finger(c, 4, &f)); /* [x+1/16, x+1/8): 0x20000000 */
  ck_assert(!rl_chord_finger(c, 5, &f));
  ck_assert_uint_eq(rl_chord_finger_count(c), 4);
  /* 10.7.4.3: at least 16 entries. */
  ck_assert_uint_eq(rl_chord_finger_table_size(c), 16);
  rl_nodeid fl[8];
  ck_assert_uint_eq(rl_chord_fingers(c, fl, 8), 4);
  for (int i = 0; i + 1 < 4; i++) ck_assert_int_lt(memcmp(fl[i].b, fl[i + 1].b, L16), 0);
  rl_chord_free(c);
}
END_TEST

START_TEST(finger_table_grows_to_reach_last_successor) {
  /* 10.7.4.3: the table grows past 16 when the final successor lies
   * closer than entry 16's range ("large enough to contain at least the
   * final successor"); never beyond max_fingers. */
  rl_chord_config cfg = test_cfg();
  rl_chord *c = new_chord(0x10000000, &cfg);
  ck_assert_int_eq(rl_chord_start_first(c), 0);
  rl_nodeid self = mk(0x10000000), p;
  for (unsigned k = 1; k <= 3; k++) {
    /* successors at self + k * 2^100: entry 128-101 = 27 holds the third */
    ck_assert_int_eq(rl_nodeid_add_pow2(p.b, self.b, L16, 100), 0);
    if (k >= 2) ck_assert_int_eq(rl_nodeid_add_pow2(p.b, p.b, L16, 100), 0);
    if (k >= 3) ck_assert_int_eq(rl_nodeid_add_pow2(p.b, p.b, L16, 100), 0);
    upd x;
    mkupd(&x, RL_ChordUpdateType_peer_ready, NULL, 0, NULL, 0);
    ck_assert_int_eq(rl_chord_on_connected(c, p.b, 0), 0);
    ck_assert_int_eq(rl_chord_on_update(c, p.b, &x.u), 0);
  }
  ck_assert_uint_eq(rl_chord_finger_table_size(c), 27);
  ck_assert_uint_ge(rl_chord_estimated_size(c), (uint64_t)1 << 26);
  rl_chord_free(c);
  cfg.max_fingers = 20;
  c = new_chord(0x10000000, &cfg);
  ck_assert_int_eq(rl_chord_start_first(c), 0);
  ck_assert_int_eq(rl_nodeid_add_pow2(p.b, self.b, L16, 90), 0);
  upd x;
  mkupd(&x, RL_ChordUpdateType_peer_ready, NULL, 0, NULL, 0);
  ck_assert_int_eq(rl_chord_on_connected(c, p.b, 0), 0);
  ck_assert_int_eq(rl_chord_on_update(c, p.b, &x.u), 0);
  ck_assert_uint_eq(rl_chord_finger_table_size(c), 20);
  rl_chord_free(c);
}
END_TEST

/* ---- joining (10.5) ---- */

START_TEST(join_sequence_joining_node) {
  rl_chord_config cfg = test_cfg();
  rl_chord *c = new_chord(0x40000000, &cfg);
  rl_nodeid boot = mk(0xa0000000), ap = mk(0x50000000), t;
  const rl_chord_action *a;
  /* Step 2: Attach for n+1 through the bootstrap node, with send_update. */
  ck_assert_int_eq(rl_chord_join(c, boot.b), 0);
  rl_nodeid_inc(t.b, mk(0x40000000).b, L16);
  a = attach_to(c, &t);
  ck_assert_ptr_nonnull(a);
  ck_assert(!a->target_is_node && a->has_via && a->send_update);
  ck_assert(same(&a->peer, &boot));
  ck_assert_int_eq(rl_chord_get_state(c), RL_CHORD_ATTACHING_AP);
  ck_assert_int_eq(rl_chord_on_attach_result(c, t.b, ap.b), 0);
  ck_assert_int_eq(rl_chord_get_state(c), RL_CHORD_ATTACHING);
  ck_assert_uint_eq(count_actions(c, RL_CHORD_SEND_UPDATE, NULL), 0);
  /* The AP's Update: its predecessors are ours, its successors follow it. */
  uint32_t p[] = {0x30000000, 0x20000000, 0x10000000}, s[] = {0x60000000, 0x70000000, 0x80000000};
  upd x;
  mkupd(&x, RL_ChordUpdateType_full, p, 3, s, 3);
  ck_assert_int_eq(rl_chord_on_update(c, ap.b, &x.u), 0);
  /* Step 3 and 10.6: Attaches to the neighbors, source-routed through the
   * AP that named them; the third successor of the AP is not one of ours. */
  for (int i = 0; i < 3; i++) {
    rl_nodeid want = mk(p[i]);
    a = attach_to(c, &want);
    ck_assert_ptr_nonnull(a);
    ck_assert(a->target_is_node && a->has_via && same(&a->peer, &ap));
  }
  rl_nodeid s1 = mk(0x60000000), s2 = mk(0x70000000), s3 = mk(0x80000000);
  ck_assert_ptr_nonnull(attach_to(c, &s1));
  ck_assert_ptr_nonnull(attach_to(c, &s2));
  /* 10.5: Attaches for fingers n+2^(128-i); entry 1 is n + 2^127 =
   * 0xc0000000, beyond what the AP listed: a Resource-ID Attach. */
  rl_nodeid f1 = mk(0xc0000000);
  a = attach_to(c, &f1);
  ck_assert_ptr_nonnull(a);
  ck_assert(!a->target_is_node && !a->has_via);
  /* Entry 2's target n + 2^126 = 0x80000000 is s3, known from the AP's
   * list: a Node-ID Attach, through the AP, for the finger. */
  a = attach_to(c, &s3);
  ck_assert_ptr_nonnull(a);
  ck_assert(a->target_is_node && a->has_via && same(&a->peer, &ap));
  /* Entries 3 and beyond (targets up to 0x60000000) fall on the AP and
   * the successors being attached anyway: no more Attaches. */
  ck_assert_uint_eq(count_actions(c, RL_CHORD_ATTACH, NULL), 7);
  ck_assert_uint_eq(count_actions(c, RL_CHORD_SEND_UPDATE, NULL), 0);
  ck_assert_uint_eq(count_actions(c, RL_CHORD_JOIN, NULL), 0);
  /* Step 5: the Join only after every neighbor Attach is done (one fails). */
  ck_assert_int_eq(rl_chord_on_attach_result(c, mk(0x30000000).b, mk(0x30000000).b), 0);
  ck_assert_int_eq(rl_chord_on_attach_result(c, mk(0x20000000).b, mk(0x20000000).b), 0);
  ck_assert_int_eq(rl_chord_on_attach_result(c, mk(0x10000000).b, NULL), 0);
  ck_assert_int_eq(rl_chord_on_attach_result(c, s1.b, s1.b), 0);
  ck_assert_uint_eq(count_actions(c, RL_CHORD_JOIN, NULL), 0);
  ck_assert_int_eq(rl_chord_on_attach_result(c, s2.b, s2.b), 0);
  ck_assert_uint_eq(count_actions(c, RL_CHORD_JOIN, &ap), 1);
  ck_assert_uint_eq(count_actions(c, RL_CHORD_SEND_UPDATE, NULL), 0);
  ck_assert_int_eq(rl_chord_get_state(c), RL_CHORD_JOINING);
  /* Step 4: every peer it contacted is in its Routing Table. */
  ck_assert_uint_eq(rl_chord_routing_peers(c, NULL, 0), 5);
  ck_assert(!rl_chord_is_responsible(c, mk(0x40000000).b));
  /* A JoinAns from another peer is not ours (6.4.2.1). */
  ck_assert_int_eq(rl_chord_on_join_ans(c, s1.b, 1), 0);
  ck_assert_int_eq(rl_chord_get_state(c), RL_CHORD_JOINING);
  ck_assert_int_eq(rl_chord_on_join_ans(c, ap.b, 1), 0);
  ck_assert_int_eq(rl_chord_get_state(c), RL_CHORD_JOINED);
  ck_assert_uint_eq(count_actions(c, RL_CHORD_JOINED_RING, NULL), 1);
  /* Step 9: JN MUST send Updates to all peers in its Neighbor Table. */
  rl_nodeid nb[] = {mk(0x30000000), mk(0x20000000), ap, s1, s2};
  for (int i = 0; i < 5; i++) {
    a = get_action(c, RL_CHORD_SEND_UPDATE, &nb[i]);
    ck_assert_ptr_nonnull(a);
    ck_assert_uint_eq(a->update_type, RL_ChordUpdateType_neighbors);
  }
  ck_assert(rl_chord_is_responsible(c, mk(0x40000000).b));
  ck_assert(rl_chord_is_responsible(c, mk(0x30000001).b));
  rl_chord_free(c);
}
END_TEST

START_TEST(join_fails_without_ap) {
  rl_chord_config cfg = test_cfg();
  rl_chord *c = new_chord(0x40000000, &cfg);
  rl_nodeid boot = mk(0xa0000000), t;
  rl_nodeid_inc(t.b, mk(0x40000000).b, L16);
  ck_assert_int_eq(rl_chord_join(c, boot.b), 0);
  ck_assert_int_eq(rl_chord_on_attach_result(c, t.b, NULL), 0);
  ck_assert_uint_eq(count_actions(c, RL_CHORD_REJOIN, NULL), 1);
  ck_assert_int_eq(rl_chord_get_state(c), RL_CHORD_IDLE);
  /* The join also gives up when the AP never answers. */
  ck_assert_int_eq(rl_chord_join(c, boot.b), 0);
  ck_assert_int_eq(rl_chord_on_tick(c, 1000 + cfg.request_timeout_ms), 0);
  ck_assert_uint_eq(count_actions(c, RL_CHORD_REJOIN, NULL), 1);
  ck_assert_int_eq(rl_chord_join(c, mk(0x40000000).b), RL_ERR_PARAM); /* not ourselves */
  rl_chord_free(c);
}
END_TEST

START_TEST(join_admitting_peer) {
  uint32_t peers[] = {0x30000000, 0x20000000, 0x10000000, 0x60000000, 0x70000000, 0x80000000};
  rl_chord_config cfg = test_cfg();
  rl_chord *c = ring_node(0x50000000, peers, 6, &cfg);
  rl_nodeid jn = mk(0x40000000), other = mk(0x45000000), ap = mk(0x50000000);
  rl_JoinReq req;
  rl_ErrorCode ans = 0;
  const rl_chord_action *a;
  memset(&req, 0, sizeof req);
  req.joining_peer_id = (rl_NodeId){jn.b, L16};
  /* 6.4.2.1: a JoinReq over a link not bound to the Node-ID: Forbidden. */
  ck_assert_int_eq(rl_chord_on_join_req(c, jn.b, &req, &ans), 0);
  ck_assert_uint_eq(ans, RL_ErrorCode_Error_Forbidden);
  ck_assert_int_eq(rl_chord_on_connected(c, jn.b, 1), 0);
  /* 6.4.2.3: send_update: an Update MUST follow once the link is up. */
  a = get_action(c, RL_CHORD_SEND_UPDATE, &jn);
  ck_assert_ptr_nonnull(a);
  ck_assert_uint_eq(a->update_type, RL_ChordUpdateType_full);
  /* The JN is linked but not a peer yet (10.5 step 3): not in the
   * Routing Table. */
  ck_assert_uint_eq(rl_chord_routing_peers(c, NULL, 0), 6);
  /* 6.4.2.1: joining_peer_id MUST match the signer: Forbidden. */
  ck_assert_int_eq(rl_chord_on_connected(c, other.b, 0), 0);
  ck_assert_int_eq(rl_chord_on_join_req(c, other.b, &req, &ans), 0);
  ck_assert_uint_eq(ans, RL_ErrorCode_Error_Forbidden);
  ck_assert_int_eq(rl_chord_on_join_req(c, jn.b, &req, &ans), 0);
  ck_assert_uint_eq(ans, 0);
  /* Step 6: AP MUST Store to JN the data JN is now responsible for. */
  a = get_action(c, RL_CHORD_STORE_RANGE, &jn);
  ck_assert_ptr_nonnull(a);
  ck_assert(same(&a->lo, &(rl_nodeid){{0x30}}) && same(&a->hi, &jn));
  /* Step 7: an Update to JN with JN as our predecessor, after the Stores. */
  const rl_chord_action *all;
  size_t n = rl_chord_actions(c, &all), store_at = n, upd_at = n;
  for (size_t i = 0; i < n; i++) {
    if (all[i].type == RL_CHORD_STORE_RANGE && store_at == n) store_at = i;
    if (all[i].type == RL_CHORD_SEND_UPDATE && same(&all[i].peer, &jn) && upd_at == n) upd_at = i;
  }
  ck_assert_uint_lt(store_at, upd_at);
  rl_nodeid pl[4];
  ck_assert_uint_eq(rl_chord_predecessors(c, pl, 4), 3);
  ck_assert(same(&pl[0], &jn));
  /* Step 8: Updates to all of its neighbors. */
  uint32_t nb[] = {0x30000000, 0x20000000, 0x60000000, 0x70000000, 0x80000000};
  for (int i = 0; i < 5; i++) {
    rl_nodeid x = mk(nb[i]);
    ck_assert_uint_eq(count_actions(c, RL_CHORD_SEND_UPDATE, &x), 1);
  }
  /* The range shrank to (JN, AP]. */
  a = get_action(c, RL_CHORD_RANGE_CHANGED, NULL);
  ck_assert_ptr_nonnull(a);
  ck_assert(same(&a->lo, &jn) && same(&a->hi, &ap));
  ck_assert(!rl_chord_is_responsible(c, mk(0x40000000).b));
  /* A JoinReq for an ID we are not responsible for is refused. */
  rl_nodeid far = mk(0x90000000);
  ck_assert_int_eq(rl_chord_on_connected(c, far.b, 0), 0);
  req.joining_peer_id = (rl_NodeId){far.b, L16};
  ck_assert_int_eq(rl_chord_on_join_req(c, far.b, &req, &ans), 0);
  ck_assert_uint_ne(ans, 0);
  rl_chord_free(c);
}
END_TEST

/* ---- Updates (10.7.3) ---- */

START_TEST(update_brings_closer_neighbor) {
  uint32_t peers[] = {0x30000000, 0x40000000, 0x50000000, 0xe0000000, 0xf0000000, 0x08000000};
  rl_chord_config cfg = test_cfg();
  rl_chord *c = ring_node(0x10000000, peers, 6, &cfg);
  rl_nodeid s1 = mk(0x30000000), closer = mk(0x20000000), self = mk(0x10000000);
  const rl_chord_action *a;
  /* 10.7.3 first case: the Update matches our table: nothing to do. */
  uint32_t p0[] = {0x10000000, 0x08000000, 0xf0000000}, s0[] = {0x40000000, 0x50000000, 0xe0000000};
  upd x;
  mkupd(&x, RL_ChordUpdateType_neighbors, p0, 3, s0, 3);
  ck_assert_int_eq(rl_chord_on_update(c, s1.b, &x.u), 0);
  ck_assert_uint_eq(count_actions(c, RL_CHORD_ATTACH, NULL), 0);
  ck_assert_uint_eq(count_actions(c, RL_CHORD_SEND_UPDATE, NULL), 0);
  /* Second case: s1 names a closer peer: MUST Attach (through s1, 10.6). */
  uint32_t p[] = {0x20000000, 0x10000000, 0x08000000}, s[] = {0x40000000, 0x50000000};
  mkupd(&x, RL_ChordUpdateType_neighbors, p, 3, s, 2);
  ck_assert_int_eq(rl_chord_on_update(c, s1.b, &x.u), 0);
  a = attach_to(c, &closer);
  ck_assert_ptr_nonnull(a);
  ck_assert(a->target_is_node && a->has_via && same(&a->peer, &s1));
  /* 10.7.3: a peer MUST NOT enter itself in its tables. */
  rl_nodeid l[8];
  size_t n = rl_chord_successors(c, l, 8);
  for (size_t i = 0; i < n; i++) ck_assert(!same(&l[i], &self));
  /* Once linked, the neighbor set is adjusted and, reactive, an Update
   * MUST go to each member of the Connection Table. */
  ck_assert_int_eq(rl_chord_on_attach_result(c, closer.b, closer.b), 0);
  ck_assert_uint_eq(rl_chord_successors(c, l, 8), 3);
  ck_assert(same(&l[0], &closer));
  for (size_t i = 0; i < 6; i++) {
    rl_nodeid x2 = mk(peers[i]);
    ck_assert_uint_eq(count_actions(c, RL_CHORD_SEND_UPDATE, &x2), 1);
  }
  /* 10.7.3: the replica set changed: MUST Store to the new member. */
  a = get_action(c, RL_CHORD_STORE_REPLICA, &closer);
  ck_assert_ptr_nonnull(a);
  ck_assert(same(&a->hi, &self));
  rl_chord_free(c);
}
END_TEST

START_TEST(update_non_reactive_waits_for_period) {
  uint32_t peers[] = {0x30000000, 0x40000000, 0x50000000, 0xe0000000, 0xf0000000, 0x08000000};
  rl_chord_config cfg = test_cfg();
  cfg.reactive = 0;
  rl_chord *c = ring_node(0x10000000, peers, 6, &cfg);
  rl_nodeid closer = mk(0x20000000);
  ck_assert_int_eq(rl_chord_on_connected(c, closer.b, 0), 0);
  upd x;
  mkupd(&x, RL_ChordUpdateType_peer_ready, NULL, 0, NULL, 0);
  ck_assert_int_eq(rl_chord_on_update(c, closer.b, &x.u), 0);
  /* Neighbor table changed, range not: no immediate Updates. */
  ck_assert_uint_eq(count_actions(c, RL_CHORD_SEND_UPDATE, NULL), 0);
  /* 10.7.4.1: a peer MUST periodically send an Update to every peer in
   * its Neighbor Table (each within one interval, randomly offset). */
  size_t seen[6] = {0};
  uint32_t nb[] = {0x20000000, 0x30000000, 0x40000000, 0xe0000000, 0xf0000000, 0x08000000};
  for (uint64_t t = 1000; t <= 1000 + cfg.update_interval_ms + 1000; t += 1000) {
    ck_assert_int_eq(rl_chord_on_tick(c, t), 0);
    for (int i = 0; i < 6; i++) {
      rl_nodeid id = mk(nb[i]);
      seen[i] += count_actions(c, RL_CHORD_SEND_UPDATE, &id);
    }
    rl_nodeid far = mk(0x50000000); /* not a neighbor any more */
    ck_assert_uint_eq(count_actions(c, RL_CHORD_SEND_UPDATE, &far), 0);
  }
  for (int i = 0; i < 6; i++) ck_assert_uint_eq(seen[i], 1);
  rl_chord_free(c);
}
END_TEST

/* ---- failures (10.7.1, 10.7.2) ---- */

START_TEST(neighbor_failure_replaces_and_updates) {
  uint32_t peers[] = {0x20000000, 0x30000000, 0x40000000, 0x50000000, 0xe0000000, 0xf0000000, 0x08000000};
  rl_chord_config cfg = test_cfg();
  rl_chord *c = ring_node(0x10000000, peers, 7, &cfg);
  rl_nodeid s1 = mk(0x20000000), l[8];
  const rl_chord_action *a;
  ck_assert_int_eq(rl_chord_on_peer_failed(c, s1.b), 0);
  /* 10.7.1: the entry MUST be removed and replaced with the best match of
   * the Routing Table. */
  ck_assert_uint_eq(rl_chord_successors(c, l, 8), 3);
  rl_nodeid w[3] = {mk(0x30000000), mk(0x40000000), mk(0x50000000)};
  for (int i = 0; i < 3; i++) ck_assert(same(&l[i], &w[i]));
  ck_assert(!rl_chord_is_connected(c, s1.b));
  /* Reactive: an immediate Update to every node of the Neighbor Table. */
  uint32_t nb[] = {0x30000000, 0x40000000, 0x50000000, 0xe0000000, 0xf0000000, 0x08000000};
  for (int i = 0; i < 6; i++) {
    rl_nodeid x = mk(nb[i]);
    ck_assert_uint_eq(count_actions(c, RL_CHORD_SEND_UPDATE, &x), 1);
  }
  /* The lost successor leaves a replica set short: 10.7.1 SHOULD hold new
   * replicas back for the hold-down. */
  ck_assert_uint_eq(count_actions(c, RL_CHORD_STORE_REPLICA, NULL), 0);
  ck_assert_int_eq(rl_chord_on_tick(c, 1000 + cfg.holddown_ms - 1), 0);
  ck_assert_uint_eq(count_actions(c, RL_CHORD_STORE_REPLICA, NULL), 0);
  ck_assert_int_eq(rl_chord_on_tick(c, 1000 + cfg.holddown_ms), 0);
  rl_nodeid r2 = mk(0x40000000);
  a = get_action(c, RL_CHORD_STORE_REPLICA, &r2);
  ck_assert_ptr_nonnull(a);
  ck_assert_uint_eq(count_actions(c, RL_CHORD_STORE_REPLICA, NULL), 1);
  /* 10.7.1: a failure that changes the range of responsible IDs: Update
   * to every node in the Connection Table, and the range grows. */
  rl_nodeid p1 = mk(0x08000000);
  ck_assert_int_eq(rl_chord_on_peer_failed(c, p1.b), 0);
  for (size_t i = 0; i < 6; i++) {
    rl_nodeid x = mk(peers[i + (peers[i] == 0x20000000)]);
    if (same(&x, &p1)) continue;
    ck_assert_uint_eq(count_actions(c, RL_CHORD_SEND_UPDATE, &x), 1);
  }
  a = get_action(c, RL_CHORD_RANGE_CHANGED, NULL);
  ck_assert_ptr_nonnull(a);
  ck_assert(same(&a->lo, &(rl_nodeid){{0xf0}}));
  /* The part taken over goes to the replica set (10.4). */
  ck_assert_uint_eq(count_actions(c, RL_CHORD_STORE_REPLICA, NULL), 2);
  rl_chord_free(c);
}
END_TEST

START_TEST(losing_every_peer_rejoins) {
  uint32_t peers[] = {0x20000000};
  rl_chord_config cfg = test_cfg();
  rl_chord *c = ring_node(0x10000000, peers, 1, &cfg);
  /* 10.7.1: connectivity lost to all successors: behave as if joining. */
  ck_assert_int_eq(rl_chord_on_peer_failed(c, mk(0x20000000).b), 0);
  ck_assert_uint_eq(count_actions(c, RL_CHORD_REJOIN, NULL), 1);
  /* An unknown peer's failure changes nothing. */
  ck_assert_int_eq(rl_chord_on_peer_failed(c, mk(0x70000000).b), 0);
  ck_assert_uint_eq(count_actions(c, RL_CHORD_REJOIN, NULL), 0);
  rl_chord_free(c);
}
END_TEST

START_TEST(finger_failure_starts_search) {
  /* Entry 2 of 0x10000000 covers [0x50000000, 0x90000000): only 0x60000000. */
  uint32_t peers[] = {0x20000000, 0x30000000, 0x40000000, 0x60000000, 0xe0000000, 0xf0000000, 0x08000000};
  rl_chord_config cfg = test_cfg();
  rl_chord *c = ring_node(0x10000000, peers, 7, &cfg);
  rl_nodeid f, lost = mk(0x60000000);
  ck_assert(rl_chord_finger(c, 2, &f));
  ck_assert(same(&f, &lost));
  ck_assert_int_eq(rl_chord_on_peer_failed(c, lost.b), 0);
  /* 10.7.2: all references MUST be removed ... */
  ck_assert(!rl_chord_finger(c, 2, &f));
  rl_nodeid fl[16];
  size_t n = rl_chord_fingers(c, fl, 16);
  for (size_t i = 0; i < n; i++) ck_assert(!same(&fl[i], &lost));
  /* ... and, reactive, a search MUST start: a Ping to a random point of
   * entry 2's range [x + 2^126, x + 2^127 - 1]. */
  const rl_chord_action *a = get_action(c, RL_CHORD_PING, NULL);
  ck_assert_ptr_nonnull(a);
  ck_assert_uint_eq(count_actions(c, RL_CHORD_PING, NULL), 1);
  rl_nodeid lo = mk(0x50000000), hi = mk(0x8fffffff);
  memset(hi.b + 4, 0xff, L16 - 4);
  ck_assert(rl_nodeid_in_cc(a->target.b, lo.b, hi.b, L16));
  /* The Ping is answered by a peer in the range: Attach to it, and it
   * fills the entry once linked. */
  rl_nodeid found = mk(0x70000000);
  ck_assert_int_eq(rl_chord_on_ping_answer(c, a->target.b, found.b), 0);
  a = attach_to(c, &found);
  ck_assert_ptr_nonnull(a);
  ck_assert(a->target_is_node && !a->has_via);
  ck_assert_int_eq(rl_chord_on_attach_result(c, found.b, found.b), 0);
  ck_assert(rl_chord_finger(c, 2, &f));
  ck_assert(same(&f, &found));
  rl_chord_free(c);
}
END_TEST

/* ---- stabilization (10.7.4) ---- */

START_TEST(finger_refresh_pings_invalid_entries) {
  uint32_t peers[] = {0x20000000, 0x30000000, 0x40000000, 0xe0000000, 0xf0000000, 0x08000000};
  rl_chord_config cfg = test_cfg();
  rl_chord *c = ring_node(0x10000000, peers, 6, &cfg);
  size_t pings = 0, first_entry = 0;
  uint64_t last_ping = 0;
  /* 10.7.4.2: periodic searches, never more often than
   * chord-ping-interval, to random points of invalid entries, favouring
   * low entries. Entry 2, [0x50000000, 0x90000000), is the first empty
   * one (entry 1 holds 0xe0000000). */
  for (uint64_t t = 2000; t <= 1000 + 40 * cfg.ping_interval_ms; t += 500) {
    ck_assert_int_eq(rl_chord_on_tick(c, t), 0);
    const rl_chord_action *a = get_action(c, RL_CHORD_PING, NULL);
    if (a == NULL) continue;
    ck_assert_uint_eq(count_actions(c, RL_CHORD_PING, NULL), 1);
    if (last_ping != 0) ck_assert_uint_ge(t - last_ping, cfg.ping_interval_ms);
    last_ping = t;
    pings++;
    rl_nodeid lo = mk(0x50000000), hi = mk(0x8fffffff);
    memset(hi.b + 4, 0xff, L16 - 4);
    first_entry += rl_nodeid_in_cc(a->target.b, lo.b, hi.b, L16);
    ck_assert_int_eq(rl_chord_on_ping_answer(c, a->target.b, NULL), 0);
  }
  ck_assert_uint_ge(pings, 20);
  ck_assert_uint_ge(first_entry * 3, pings); /* about half go to entry 1 */
  rl_chord_free(c);
}
END_TEST

START_TEST(partition_probe) {
  uint32_t peers[] = {0x20000000, 0x30000000, 0x40000000, 0xe0000000, 0xf0000000, 0x08000000};
  rl_chord_config cfg = test_cfg();
  rl_chord *c = ring_node(0x10000000, peers, 6, &cfg);
  size_t probes = 0;
  /* 10.7.4.4: a peer MUST periodically repeat the bootstrap discovery. */
  for (uint64_t t = 2000; t <= 2000 + 3 * cfg.partition_interval_ms; t += 1000) {
    ck_assert_int_eq(rl_chord_on_tick(c, t), 0);
    probes += count_actions(c, RL_CHORD_PARTITION_PROBE, NULL);
  }
  ck_assert_uint_eq(probes, 3);
  rl_nodeid b = mk(0x80000000), s2 = mk(0x18000000), self = mk(0x10000000), s1 = mk(0x20000000);
  /* The answer from ourselves or our successor: no partition. */
  ck_assert_int_eq(rl_chord_on_partition_probe(c, b.b, self.b), 0);
  ck_assert_uint_eq(count_actions(c, RL_CHORD_ATTACH, NULL), 0);
  ck_assert_int_eq(rl_chord_on_partition_probe(c, b.b, s1.b), 0);
  ck_assert_uint_eq(count_actions(c, RL_CHORD_ATTACH, NULL), 0);
  /* From S', not our successor: Attach to S' through B, then an Update. */
  ck_assert_int_eq(rl_chord_on_partition_probe(c, b.b, s2.b), 0);
  const rl_chord_action *a = attach_to(c, &s2);
  ck_assert_ptr_nonnull(a);
  ck_assert(a->has_via && same(&a->peer, &b) && a->target_is_node);
  ck_assert_int_eq(rl_chord_on_attach_result(c, s2.b, s2.b), 0);
  ck_assert_ptr_nonnull(get_action(c, RL_CHORD_SEND_UPDATE, &s2));
  rl_chord_free(c);
}
END_TEST

/* ---- RouteQuery (10.8) ---- */

START_TEST(route_query_answer) {
  uint32_t peers[] = {0x20000000, 0x30000000, 0x80000000, 0xf0000000};
  rl_chord_config cfg = test_cfg();
  rl_chord *c = ring_node(0x10000000, peers, 4, &cfg);
  uint8_t buf[RL_NODEID_MAX_LEN];
  rl_ChordRouteQueryAns ans;
  rl_nodeid from = mk(0xf0000000), want = mk(0x80000000);
  ck_assert_int_eq(rl_chord_on_route_query(c, from.b, mk(0xa0000000).b, 0, buf, &ans), 0);
  ck_assert_uint_eq(ans.next_peer.len, L16);
  ck_assert_int_eq(memcmp(ans.next_peer.ptr, want.b, L16), 0);
  ck_assert_uint_eq(count_actions(c, RL_CHORD_SEND_UPDATE, NULL), 0);
  /* Our own range: the next peer is ourselves; send_update: a full Update. */
  ck_assert_int_eq(rl_chord_on_route_query(c, from.b, mk(0x05000000).b, 1, buf, &ans), 0);
  ck_assert_int_eq(memcmp(ans.next_peer.ptr, mk(0x10000000).b, L16), 0);
  const rl_chord_action *a = get_action(c, RL_CHORD_SEND_UPDATE, &from);
  ck_assert_ptr_nonnull(a);
  ck_assert_uint_eq(a->update_type, RL_ChordUpdateType_full);
  rl_chord_free(c);
}
END_TEST

/* ---- Leave (10.9) ---- */

START_TEST(leave_sends_lists) {
  uint32_t peers[] = {0x20000000, 0x30000000, 0x40000000, 0xe0000000, 0xf0000000, 0x08000000};
  rl_chord_config cfg = test_cfg();
  rl_chord *c = ring_node(0x10000000, peers, 6, &cfg);
  rl_chord_msgbuf mb;
  rl_ChordLeaveData d;
  ck_assert_int_eq(rl_chord_build_leave(c, RL_ChordLeaveType_from_succ, &mb, &d), 0);
  ck_assert_uint_eq(d.successors_count, 3);
  ck_assert_int_eq(memcmp(d.successors[0].ptr, mk(0x20000000).b, L16), 0);
  ck_assert_int_eq(rl_chord_build_leave(c, RL_ChordLeaveType_from_pred, &mb, &d), 0);
  ck_assert_uint_eq(d.predecessors_count, 3);
  ck_assert_int_eq(memcmp(d.predecessors[0].ptr, mk(0x08000000).b, L16), 0);
  ck_assert_int_eq(rl_chord_build_leave(c, 7, &mb, &d), RL_ERR_PARAM);
  /* 10.9: a Leave to every member of the Neighbor Table: from_pred to the
   * successors (we are their predecessor), from_succ to the predecessors;
   * our data to the successor that takes it over. */
  ck_assert_int_eq(rl_chord_leave(c), 0);
  for (size_t i = 0; i < 6; i++) {
    rl_nodeid x = mk(peers[i]);
    const rl_chord_action *a = get_action(c, RL_CHORD_LEAVE, &x);
    ck_assert_ptr_nonnull(a);
    ck_assert_uint_eq(a->leave_type, i < 3 ? RL_ChordLeaveType_from_pred : RL_ChordLeaveType_from_succ);
  }
  rl_nodeid s1 = mk(0x20000000);
  const rl_chord_action *st = get_action(c, RL_CHORD_STORE_RANGE, &s1);
  ck_assert_ptr_nonnull(st);
  ck_assert(same(&st->lo, &(rl_nodeid){{0x08}}));
  ck_assert_int_eq(rl_chord_get_state(c), RL_CHORD_IDLE);
  ck_assert_uint_eq(rl_chord_routing_peers(c, NULL, 0), 0);
  rl_chord_free(c);
}
END_TEST

START_TEST(leave_received_is_failure) {
  uint32_t peers[] = {0x20000000, 0x30000000, 0x40000000, 0xe0000000, 0xf0000000, 0x08000000};
  rl_chord_config cfg = test_cfg();
  rl_chord *c = ring_node(0x10000000, peers, 6, &cfg);
  rl_nodeid s1 = mk(0x20000000), s4 = mk(0x50000000), l[8];
  rl_NodeId lst[3];
  rl_nodeid v[3] = {mk(0x30000000), mk(0x40000000), s4};
  for (int i = 0; i < 3; i++) lst[i] = (rl_NodeId){v[i].b, L16};
  rl_ChordLeaveData d;
  memset(&d, 0, sizeof d);
  d.type = RL_ChordLeaveType_from_succ;
  d.successors = lst;
  d.successors_count = 3;
  rl_ErrorCode ans = 0;
  /* 6.4.2.2: leaving_peer_id MUST match the signer: Error_Forbidden. */
  ck_assert_int_eq(rl_chord_on_leave(c, s1.b, mk(0x30000000).b, &d, &ans), 0);
  ck_assert_uint_eq(ans, RL_ErrorCode_Error_Forbidden);
  ck_assert(rl_chord_is_connected(c, s1.b));
  /* 10.9: a Leave from a neighbor MUST be handled as its failure (10.7.1). */
  ck_assert_int_eq(rl_chord_on_leave(c, s1.b, s1.b, &d, &ans), 0);
  ck_assert_uint_eq(ans, 0);
  ck_assert(!rl_chord_is_connected(c, s1.b));
  /* 10.7.1: replaced by the best match we have (a predecessor, here) ... */
  ck_assert_uint_eq(rl_chord_successors(c, l, 8), 3);
  ck_assert(same(&l[2], &(rl_nodeid){{0xe0}}));
  /* ... and its successor list names the better one: Attach to it. */
  const rl_chord_action *a = attach_to(c, &s4);
  ck_assert_ptr_nonnull(a);
  ck_assert(a->target_is_node);
  rl_chord_free(c);
}
END_TEST

/* ---- messages through the codec ---- */

START_TEST(update_round_trip_through_codec) {
  uint32_t peers[] = {0x20000000, 0x30000000, 0x40000000, 0x90000000, 0xe0000000, 0xf0000000, 0x08000000};
  rl_chord_config cfg = test_cfg();
  rl_chord *c = ring_node(0x10000000, peers, 7, &cfg);
  rl_chord *d = ring_node(0x25000000, NULL, 0, &cfg);
  static rl_chord_msgbuf mb;
  rl_ChordUpdate u, back;
  uint8_t wire[2048], mem[8192];
  rl_writer w;
  rl_params params;
  rl_arena arena;
  rl_ctx ctx;
  ck_assert_int_eq(rl_chord_on_tick(c, 61000), 0); /* uptime 60 s */
  ck_assert_int_eq(rl_chord_build_update(c, RL_ChordUpdateType_full, &mb, &u), 0);
  ck_assert_uint_eq(u.uptime, 60);
  ck_assert_uint_eq(u.full.predecessors_count, 3);
  ck_assert_uint_eq(u.full.successors_count, 3);
  ck_assert_uint_eq(u.full.fingers_count, 3); /* 0x20.., 0x30.., 0x90.. */
  rl_writer_init(&w, wire, sizeof wire, NULL);
  ck_assert_int_eq(rl_ChordUpdate_encode(&w, &u), 0);
  ck_assert_int_eq(w.err, 0);
  rl_params_init(&params);
  params.NodeIdLength = L16;
  rl_arena_init(&arena, mem, sizeof mem);
  rl_ctx_init(&ctx, &arena, &params);
  ck_assert_int_eq(rl_ChordUpdate_parse(wire, w.len, &ctx, &back), 0);
  ck_assert(rl_ChordUpdate_equal(&u, &back));
  /* The decoded Update feeds another chord: it learns of the sender's
   * neighbors that are its own neighbors. */
  ck_assert_int_eq(rl_chord_on_connected(d, mk(0x10000000).b, 0), 0);
  ck_assert_int_eq(rl_chord_on_update(d, mk(0x10000000).b, &back), 0);
  rl_nodeid s = mk(0x30000000);
  ck_assert_ptr_nonnull(attach_to(d, &s));
  /* A NodeId of the wrong length is refused. */
  back.full.successors[0].len = 20;
  ck_assert_int_eq(rl_chord_on_update(d, mk(0x10000000).b, &back), RL_ERR_PARAM);
  ck_assert_int_eq(rl_chord_build_update(c, 0, &mb, &u), RL_ERR_PARAM);
  rl_chord_free(c);
  rl_chord_free(d);
}
END_TEST

START_TEST(no_update_before_joined) {
  /* 10.5: the joining node MUST NOT send an Update placing itself in the
   * overlay before its neighbor Attaches completed; a send_update request
   * that reaches it before then is answered once it has joined. */
  rl_chord_config cfg = test_cfg();
  rl_chord *c = new_chord(0x40000000, &cfg);
  rl_nodeid boot = mk(0xa0000000), ap = mk(0x50000000), asker = mk(0x45000000), t;
  ck_assert_int_eq(rl_chord_join(c, boot.b), 0);
  ck_assert_int_eq(rl_chord_on_connected(c, asker.b, 1), 0);
  ck_assert_uint_eq(count_actions(c, RL_CHORD_SEND_UPDATE, NULL), 0);
  rl_nodeid_inc(t.b, mk(0x40000000).b, L16);
  ck_assert_int_eq(rl_chord_on_attach_result(c, t.b, ap.b), 0);
  upd x;
  mkupd(&x, RL_ChordUpdateType_full, NULL, 0, NULL, 0);
  ck_assert_int_eq(rl_chord_on_update(c, ap.b, &x.u), 0);
  ck_assert_uint_eq(count_actions(c, RL_CHORD_SEND_UPDATE, NULL), 0);
  ck_assert_uint_eq(count_actions(c, RL_CHORD_JOIN, &ap), 1);
  ck_assert_int_eq(rl_chord_on_join_ans(c, ap.b, 1), 0);
  const rl_chord_action *a = get_action(c, RL_CHORD_SEND_UPDATE, &asker);
  ck_assert_ptr_nonnull(a);
  ck_assert_uint_eq(a->update_type, RL_ChordUpdateType_full);
  ck_assert_ptr_nonnull(get_action(c, RL_CHORD_SEND_UPDATE, &ap));
  rl_chord_free(c);
}
END_TEST

START_TEST(stabilization_answers_stale_view) {
  /* 10.7.4: Updates are an exchange. A peer whose Update misses a closer
   * peer we know gets our Update back (once per second at most). */
  uint32_t peers[] = {0x20000000, 0x30000000, 0x40000000, 0xe0000000, 0xf0000000, 0x08000000};
  rl_chord_config cfg = test_cfg();
  rl_chord *c = ring_node(0x10000000, peers, 6, &cfg);
  rl_nodeid p2 = mk(0xf0000000);
  uint32_t p[] = {0xe0000000}, s[] = {0x20000000, 0x30000000}; /* misses 0x08.. and us */
  upd x;
  mkupd(&x, RL_ChordUpdateType_neighbors, p, 1, s, 2);
  ck_assert_int_eq(rl_chord_on_update(c, p2.b, &x.u), 0);
  ck_assert_uint_eq(count_actions(c, RL_CHORD_SEND_UPDATE, &p2), 1);
  ck_assert_int_eq(rl_chord_on_update(c, p2.b, &x.u), 0);
  ck_assert_uint_eq(count_actions(c, RL_CHORD_SEND_UPDATE, &p2), 0);
  ck_assert_int_eq(rl_chord_on_tick(c, 3000), 0);
  ck_assert_int_eq(rl_chord_on_update(c, p2.b, &x.u), 0);
  ck_assert_uint_eq(count_actions(c, RL_CHORD_SEND_UPDATE, &p2), 1);
  /* A complete view gets no answer. */
  uint32_t pc[] = {0xe0000000, 0x40000000, 0x30000000}, sc[] = {0x08000000, 0x10000000, 0x20000000};
  mkupd(&x, RL_ChordUpdateType_neighbors, pc, 3, sc, 3);
  ck_assert_int_eq(rl_chord_on_tick(c, 6000), 0);
  ck_assert_int_eq(rl_chord_on_update(c, p2.b, &x.u), 0);
  ck_assert_uint_eq(count_actions(c, RL_CHORD_SEND_UPDATE, &p2), 0);
  rl_chord_free(c);
}
END_TEST

int main(void) {
  Suite *s = suite_create("chord");
  TCase *a = tcase_create("nodeid");
  tcase_add_test(a, nodeid_add_and_wrap);
  tcase_add_test(a, nodeid_distance_is_clockwise);
  tcase_add_test(a, nodeid_intervals);
  tcase_add_test(a, nodeid_mask_hex);
  suite_add_tcase(s, a);
  TCase *t = tcase_create("tables");
  tcase_add_test(t, config_keeps_three_neighbors);
  tcase_add_test(t, responsibility_is_pred_to_self);
  tcase_add_test(t, routing_rules);
  tcase_add_test(t, replica_set_and_roles);
  tcase_add_test(t, finger_ranges);
  tcase_add_test(t, finger_table_grows_to_reach_last_successor);
  suite_add_tcase(s, t);
  TCase *e = tcase_create("events");
  tcase_add_test(e, join_sequence_joining_node);
  tcase_add_test(e, join_fails_without_ap);
  tcase_add_test(e, join_admitting_peer);
  tcase_add_test(e, no_update_before_joined);
  tcase_add_test(e, update_brings_closer_neighbor);
  tcase_add_test(e, update_non_reactive_waits_for_period);
  tcase_add_test(e, stabilization_answers_stale_view);
  tcase_add_test(e, neighbor_failure_replaces_and_updates);
  tcase_add_test(e, losing_every_peer_rejoins);
  tcase_add_test(e, finger_failure_starts_search);
  tcase_add_test(e, finger_refresh_pings_invalid_entries);
  tcase_add_test(e, partition_probe);
  tcase_add_test(e, route_query_answer);
  tcase_add_test(e, leave_sends_lists);
  tcase_add_test(e, leave_received_is_failure);
  tcase_add_test(e, update_round_trip_through_codec);
  suite_add_tcase(s, e);
  SRunner *sr = srunner_create(s);
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
