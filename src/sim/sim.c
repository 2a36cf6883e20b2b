/* sim/sim.c: reload-sim's event loop (sim/sim.h): the peers' node cores
 * driven by simulated links in virtual time, the phases of a run (the
 * ring forms, it settles, the workload runs under churn, every stored
 * value is checked), churn and mass failure. */
#define _GNU_SOURCE
#include "sim/sim_int.h"

#include <arpa/inet.h>
#include <math.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "overlay/chord.h"
#include "codec/message.h"
#include "overlay/hash.h"
#include "peer/msg.h"
#include "peer/ops.h"
#include "runtime/arena.h"
#include "runtime/error.h"

/* Simulated hosts live in 198.18.0.0/15 (RFC 2544's benchmarking
 * prefix): addresses only ever compared here, never given to a socket. */
#define SIM_NET 0xC6120000u
#define SIM_MAX_PEERS 131072u
#define SIM_PORT 4000
/* The wall clock of virtual time 0 (2026-01-01). */
#define SIM_EPOCH_MS 1767225600000ll
/* How long a run waits for answers still outstanding at a phase's end. */
#define SIM_DRAIN_MS 60000u

enum { PHASE_FORM, PHASE_SETTLE, PHASE_WORK, PHASE_CHECK, PHASE_DONE };
enum { REQ_STORE, REQ_FETCH, REQ_CHECK };

typedef struct sim_req {
  rl_sim *s;
  uint32_t peer, target;
  int what;
  int attempt; /* REQ_CHECK: 0, then the re-checks of a value not found */
} sim_req;

/* A value the last check did not find is fetched again, CHECK_TRIES times
 * in all, CHECK_GAP_US apart: a handover or repair still under way is
 * not a loss. */
#define CHECK_TRIES 3
#define CHECK_GAP_US 15000000u

/* Requests live in chunks that never move (a callback holds a pointer),
 * freed with the run: a peer that fails never calls back. */
#define REQ_CHUNK 4096
typedef struct req_chunk {
  struct req_chunk *next;
  size_t used;
  sim_req r[REQ_CHUNK];
} req_chunk;
static req_chunk *g_chunks;

static sim_req *req_new(rl_sim *s, uint32_t peer, uint32_t target, int what) {
  sim_req *r;
  if (!g_chunks || g_chunks->used == REQ_CHUNK) {
    req_chunk *c = calloc(1, sizeof *c);
    if (!c) return NULL;
    c->next = g_chunks;
    g_chunks = c;
  }
  r = &g_chunks->r[g_chunks->used++];
  r->s = s;
  r->peer = peer;
  r->target = target;
  r->what = what;
  return r;
}

static void addr_of(uint32_t i, struct sockaddr_in *a) {
  memset(a, 0, sizeof *a);
  a->sin_family = AF_INET;
  a->sin_addr.s_addr = htonl(SIM_NET + i);
  a->sin_port = htons(SIM_PORT);
}

static long peer_of_addr(const rl_sim *s, const struct sockaddr_storage *ss) {
  const struct sockaddr_in *a = (const void *)ss;
  uint32_t h;
  if (ss->ss_family != AF_INET) return -1;
  h = ntohl(a->sin_addr.s_addr);
  if (h < SIM_NET || h - SIM_NET >= s->npeers) return -1;
  return (long)(h - SIM_NET);
}

static void push(rl_sim *s, uint64_t t, uint32_t type, uint32_t host, uint64_t link, uint64_t aux) {
  rl_sim_event e;
  memset(&e, 0, sizeof e);
  e.t_us = t;
  e.type = type;
  e.host = host;
  e.link = link;
  e.aux = aux;
  rl_sim_queue_push(&s->q, &e);
}

static uint64_t lat(const rl_sim *s, uint32_t a, uint32_t b) {
  return rl_sim_latency_us(&s->p.net, a, b);
}

/* ---------- carrying out a node's actions ---------- */

static void act_send(rl_sim *s, uint32_t host, const rl_action *a) {
  int end;
  long slot = rl_sim_link_find(&s->links, host, a->link, &end);
  rl_sim_link *k;
  rl_sim_event e;
  uint64_t start, tx = 0;
  rl_sim_win_message(&s->win, a->bytes, a->len);
  if (slot < 0) return;
  k = &s->links.v[slot];
  if (!k->open[1 - end] || !k->id[1 - end]) return;
  if (s->p.net.loss > 0 && rl_sim_uniform(&s->rng) < s->p.net.loss) return;
  if (s->p.net.bandwidth_bps) tx = (uint64_t)a->len * 8u * 1000000u / s->p.net.bandwidth_bps;
  /* One direction of a link is a queue: messages keep their order. */
  start = k->busy_us[end] > s->now_us ? k->busy_us[end] : s->now_us;
  k->busy_us[end] = start + tx;
  memset(&e, 0, sizeof e);
  e.t_us = k->busy_us[end] + lat(s, host, k->host[1 - end]);
  e.type = RL_SIM_EV_DELIVER;
  e.host = k->host[1 - end];
  e.link = k->id[1 - end];
  e.bytes = malloc(a->len);
  if (!e.bytes) return;
  memcpy(e.bytes, a->bytes, a->len);
  e.len = a->len;
  if (rl_sim_queue_push(&s->q, &e) != 0) free(e.bytes);
}

static void act_connect(rl_sim *s, uint32_t host, const rl_action *a) {
  long slot = rl_sim_link_new(&s->links, host, a->link);
  long to = peer_of_addr(s, &a->addr);
  if (slot < 0) return;
  if (to < 0 || !s->peers[to].node) {
    /* Nobody there: the connection is refused after a round trip. */
    uint64_t rtt = 2 * lat(s, host, to < 0 ? host : (uint32_t)to);
    push(s, s->now_us + rtt, RL_SIM_EV_CLOSED, host, a->link, RL_LINK_FAIL_IO);
    return;
  }
  push(s, s->now_us + lat(s, host, (uint32_t)to), RL_SIM_EV_ACCEPT, (uint32_t)to, a->link,
       (uint64_t)slot);
}

static void act_close(rl_sim *s, uint32_t host, const rl_action *a) {
  int end;
  long slot = rl_sim_link_find(&s->links, host, a->link, &end);
  rl_sim_link *k;
  push(s, s->now_us, RL_SIM_EV_CLOSED, host, a->link, RL_LINK_CLOSED_LOCALLY);
  if (slot < 0) return;
  k = &s->links.v[slot];
  if (k->open[1 - end] && k->id[1 - end])
    push(s, s->now_us + lat(s, host, k->host[1 - end]), RL_SIM_EV_CLOSED, k->host[1 - end],
         k->id[1 - end], RL_LINK_FAIL_EOF);
  rl_sim_link_drop_end(&s->links, slot, end);
}

static void store_own_value(rl_sim *s, uint32_t i);

/* After every event at a peer: its actions, its readiness, its timer. */
static void after_event(rl_sim *s, uint32_t i) {
  rl_sim_peer *p = &s->peers[i];
  rl_action a;
  uint64_t next;
  if (!p->node) return;
  while (rl_node_next_action(p->node, &a)) {
    if (a.type == RL_ACTION_SEND) act_send(s, i, &a);
    else if (a.type == RL_ACTION_CONNECT) act_connect(s, i, &a);
    else act_close(s, i, &a);
  }
  if (!p->was_ready && rl_node_ready(p->node)) {
    p->was_ready = 1;
    store_own_value(s, i);
  }
  next = rl_node_next_tick_us(p->node);
  if (next < s->now_us) next = s->now_us;
  if (!p->tick_at || next < p->tick_at || p->tick_at <= s->now_us) {
    p->tick_at = next;
    push(s, next, RL_SIM_EV_TICK, i, 0, ++p->tick_gen);
  }
}

/* ---------- peers ---------- */

static int spawn_peer(rl_sim *s, long bootstrap, char *why, size_t whylen) {
  rl_node_options o;
  struct sockaddr_in me;
  rl_sim_peer *p;
  uint32_t i;
  if (s->npeers >= SIM_MAX_PEERS) {
    snprintf(why, whylen, "more than %u peers", SIM_MAX_PEERS);
    return RL_ERR_PARAM;
  }
  if (s->npeers == s->cap) {
    size_t ncap = s->cap ? s->cap * 2 : 1024;
    rl_sim_peer *np = realloc(s->peers, ncap * sizeof *np);
    if (!np) return RL_ERR_NOMEM;
    s->peers = np;
    s->cap = ncap;
  }
  i = (uint32_t)s->npeers;
  p = &s->peers[i];
  memset(p, 0, sizeof *p);
  for (size_t k = 0; k < RL_SIM_ID_LEN; k += 8) {
    uint64_t r = rl_sim_rand(&s->rng);
    memcpy(p->id + k, &r, RL_SIM_ID_LEN - k < 8 ? RL_SIM_ID_LEN - k : 8);
  }
  p->cred = rl_sim_world_cred(&s->world, p->id, why, whylen);
  if (!p->cred) return RL_ERR_NOMEM;
  rl_resource_id(p->id, RL_SIM_ID_LEN, RL_SIM_ID_LEN, p->resource);
  s->npeers++;
  rl_node_options_init(&o);
  o.config = s->world.cfg;
  o.cred = p->cred;
  o.update_interval_ms = s->p.update_interval_ms;
  o.seed = rl_sim_rand(&s->rng) | 1;
  o.start_us = s->now_us;
  o.wall_offset_ms = SIM_EPOCH_MS;
  o.log = s->p.log;
  o.verbosity = s->p.node_verbosity;
  o.scratch = &s->scratch;
  /* Small tables: a simulated peer's load is that of one peer among
   * many, and 100,000 of them must fit in memory. */
  o.viatab_slots = 4;
  o.answer_cache = 32;
  o.chord_max_connections = 64;
  /* 10.7.1's successor replacement hold-down, not the test overlays'
   * twice the update interval. */
  o.holddown_ms = 30000;
  o.max_transactions = 128;
  o.max_deferred = 32;
  o.max_repl_jobs = 64;
  o.backlinks = 64;
  if (bootstrap >= 0) {
    addr_of((uint32_t)bootstrap, (struct sockaddr_in *)&o.bootstrap[0]);
    o.bootstrap_len[0] = sizeof(struct sockaddr_in);
    o.nbootstrap = 1;
  } else {
    o.may_start_ring = 1;
    addr_of(i, (struct sockaddr_in *)&o.bootstrap[0]); /* itself: skipped */
    o.bootstrap_len[0] = sizeof(struct sockaddr_in);
    o.nbootstrap = 1;
  }
  p->node = rl_node_new(&o, why, whylen);
  if (!p->node) return RL_ERR_STATE;
  addr_of(i, &me);
  rl_node_set_listen_addr(p->node, (struct sockaddr *)&me, sizeof me);
  p->born_us = s->now_us;
  s->alive++;
  s->win.joins++;
  rl_node_start(p->node, s->now_us);
  after_event(s, i);
  return 0;
}

static void kill_peer(rl_sim *s, uint32_t i) {
  rl_sim_peer *p = &s->peers[i];
  if (!p->node) return;
  /* A crashed host's links break: the far ends see them close. */
  for (size_t k = 0; k < s->links.n; k++) {
    rl_sim_link *l = &s->links.v[k];
    for (int end = 0; end < 2; end++) {
      if (!l->open[end] || l->host[end] != i) continue;
      if (l->open[1 - end] && l->id[1 - end])
        push(s, s->now_us + lat(s, i, l->host[1 - end]), RL_SIM_EV_CLOSED, l->host[1 - end],
             l->id[1 - end], RL_LINK_FAIL_EOF);
      rl_sim_link_drop_end(&s->links, (long)k, end);
    }
  }
  rl_node_free(p->node);
  p->node = NULL;
  s->alive--;
  s->win.failures++;
}

/* A random peer that is up and part of the ring; -1: none. */
static long random_ready(rl_sim *s) {
  for (int tries = 0; tries < 64; tries++) {
    uint32_t i = (uint32_t)(rl_sim_rand(&s->rng) % s->npeers);
    if (s->peers[i].node && rl_node_ready(s->peers[i].node)) return i;
  }
  for (size_t i = 0; i < s->npeers; i++)
    if (s->peers[i].node && rl_node_ready(s->peers[i].node)) return (long)i;
  return -1;
}

/* ---------- the workload ---------- */

/* A fetched value of ours: found and existing. */
static int answer_has_value(const rl_node_answer *a) {
  const rl_MessageContents *mc = &a->answer->message_contents;
  if (mc->message_code != RL_MessageCode_fetch_ans) return 0;
  for (size_t i = 0; i < mc->message_body.fetch_ans.kind_responses_count; i++) {
    const rl_FetchKindResponse *k = &mc->message_body.fetch_ans.kind_responses[i];
    for (size_t j = 0; j < k->values_count; j++) {
      const rl_DataValue *dv = rl_stored_data_value(&k->values[j].value);
      if (dv && dv->exists) return 1;
    }
  }
  return 0;
}

static void on_answer(void *user, const rl_node_answer *a) {
  sim_req *r = user;
  rl_sim *s = r->s;
  s->outstanding--;
  if (r->what == REQ_STORE) {
    if (a->status == 0) {
      s->peers[r->peer].stored = 2;
      s->peers[r->peer].stored_us = s->now_us;
      s->tot.stores_acked++;
    }
    return;
  }
  if (r->what == REQ_CHECK) {
    s->checks_done++;
    if (a->status == 0 && answer_has_value(a)) {
      if (r->attempt) s->tot.values_late++;
      return;
    }
    if (a->status != 0 && a->status != RL_ErrorCode_Error_Not_Found) {
      s->tot.values_checked--; /* no answer: not known to be lost */
      return;
    }
    if (r->attempt + 1 < CHECK_TRIES) {
      s->rechecks++;
      push(s, s->now_us + CHECK_GAP_US, RL_SIM_EV_RECHECK, r->target, 0, (uint64_t)r->attempt + 1);
      return;
    }
    s->tot.values_lost++;
    if (s->p.log) {
      char hx[2 * RL_SIM_ID_LEN + 1];
      for (size_t k = 0; k < RL_SIM_ID_LEN; k++) snprintf(hx + 2 * k, 3, "%02x", s->peers[r->target].resource[k]);
      fprintf(s->p.log, "sim: lost: the value of peer %u (Resource-ID %s, stored at %.1f s%s)\n",
              (unsigned)r->target, hx, (double)s->peers[r->target].stored_us / 1e6,
              s->peers[r->target].node ? "" : ", its peer failed");
    }
    return;
  }
  s->win.fetches++;
  if (a->status == 0 && answer_has_value(a)) {
    s->win.ok++;
    rl_sim_win_sample(&s->win, a->hops, a->latency_us);
  } else if (a->status == 0 || a->status == RL_ErrorCode_Error_Not_Found) {
    s->win.notfound++;
  } else {
    s->win.failed++;
  }
}

static void store_own_value(rl_sim *s, uint32_t i) {
  rl_sim_peer *p = &s->peers[i];
  uint8_t mem[8192];
  rl_arena ar;
  rl_MessageBody body;
  rl_Destination d;
  rl_ops_value v;
  sim_req *r;
  if (p->stored) return;
  rl_arena_init(&ar, mem, sizeof mem);
  memset(&v, 0, sizeof v);
  v.value.ptr = p->id;
  v.value.len = RL_SIM_ID_LEN;
  v.exists = 1;
  memset(&body, 0, sizeof body);
  if (rl_ops_store_req(p->cred, p->resource, RL_SIM_ID_LEN, RL_SIM_KIND, RL_DataModel_single_value,
                       0, &v, 1, 86400, (uint64_t)(SIM_EPOCH_MS + (int64_t)(s->now_us / 1000u)),
                       &ar, &body.store_req) != 0)
    return;
  rl_dest_resource(&d, p->resource, RL_SIM_ID_LEN);
  r = req_new(s, i, i, REQ_STORE);
  if (!r) return;
  if (rl_node_request(p->node, &d, 1, RL_MessageCode_store_req, &body, on_answer, r) == 0) {
    p->stored = 1;
    s->outstanding++;
    s->stores_sent++;
  }
}

/* One Fetch of peer target's value from a random peer. */
static void fetch_one(rl_sim *s, uint32_t target, int what, int attempt) {
  uint8_t mem[4096];
  rl_arena ar;
  rl_MessageBody body;
  rl_Destination d;
  sim_req *r;
  long from = random_ready(s);
  if (from < 0) return;
  rl_arena_init(&ar, mem, sizeof mem);
  memset(&body, 0, sizeof body);
  if (rl_ops_fetch_req(s->peers[target].resource, RL_SIM_ID_LEN, RL_SIM_KIND,
                       RL_DataModel_single_value, 0, 0, 0, NULL, 0, &ar, &body.fetch_req) != 0)
    return;
  rl_dest_resource(&d, s->peers[target].resource, RL_SIM_ID_LEN);
  r = req_new(s, (uint32_t)from, target, what);
  if (!r) return;
  r->attempt = attempt;
  if (rl_node_request(s->peers[from].node, &d, 1, RL_MessageCode_fetch_req, &body, on_answer, r) ==
      0) {
    s->outstanding++;
    after_event(s, (uint32_t)from);
  }
}

/* A peer whose value was acknowledged, at random; -1: none yet. */
static long random_stored(rl_sim *s) {
  for (int tries = 0; tries < 256; tries++) {
    uint32_t i = (uint32_t)(rl_sim_rand(&s->rng) % s->npeers);
    if (s->peers[i].stored == 2) return i;
  }
  return -1;
}

static void workload_step(rl_sim *s) {
  long t;
  if (s->phase != PHASE_WORK || s->fetches_sent >= s->p.fetches) return;
  t = random_stored(s);
  if (t >= 0) {
    fetch_one(s, (uint32_t)t, REQ_FETCH, 0);
    s->fetches_sent++;
  }
  push(s, s->now_us + (uint64_t)(rl_sim_exponential(&s->rng, 1e6 / s->p.fetch_rate)) + 1,
       RL_SIM_EV_WORKLOAD, 0, 0, 0);
}

/* ---------- churn ---------- */

static double session_s(rl_sim *s) {
  if (s->p.session == RL_SIM_PARETO)
    return rl_sim_pareto(&s->rng, s->p.session_median_s, s->p.pareto_shape);
  /* An exponential's median is its mean times ln 2. */
  return rl_sim_exponential(&s->rng, s->p.session_median_s / 0.6931471805599453);
}

static double mean_session_s(const rl_sim *s) {
  if (s->p.session == RL_SIM_PARETO) {
    double k = s->p.pareto_shape, xm = s->p.session_median_s / pow(2.0, 1.0 / k);
    return k > 1 ? k * xm / (k - 1) : s->p.session_median_s * 4;
  }
  return s->p.session_median_s / 0.6931471805599453;
}

static void schedule_death(rl_sim *s, uint32_t i) {
  uint64_t d = s->now_us + (uint64_t)(session_s(s) * 1e6);
  s->peers[i].dies_us = d;
  push(s, d, RL_SIM_EV_CHURN, i, 0, 1);
}

static void schedule_arrival(rl_sim *s) {
  double rate = (double)s->p.peers / mean_session_s(s); /* arrivals a second */
  push(s, s->now_us + (uint64_t)(rl_sim_exponential(&s->rng, 1.0 / rate) * 1e6) + 1,
       RL_SIM_EV_CHURN, 0, 0, 0);
}

static void churn_event(rl_sim *s, const rl_sim_event *e) {
  char why[256];
  if (s->phase != PHASE_WORK) return;
  if (e->aux == 1) {
    if (s->peers[e->host].dies_us == e->t_us) kill_peer(s, e->host);
    return;
  }
  {
    long b = random_ready(s);
    if (b >= 0 && spawn_peer(s, b, why, sizeof why) == 0) schedule_death(s, (uint32_t)s->npeers - 1);
  }
  schedule_arrival(s);
}

static void mass_failure(rl_sim *s) {
  size_t want = (size_t)(s->p.fail_fraction * (double)s->alive);
  s->failed_mass = 1;
  for (size_t k = 0; k < want && s->alive > 1;) {
    uint32_t i = (uint32_t)(rl_sim_rand(&s->rng) % s->npeers);
    if (!s->peers[i].node) continue;
    kill_peer(s, i);
    k++;
  }
}

/* ---------- events ---------- */

static void ev_accept(rl_sim *s, const rl_sim_event *e) {
  long slot = (long)e->aux;
  rl_sim_link *k = &s->links.v[slot];
  uint32_t caller = k->host[0];
  struct sockaddr_in from;
  uint64_t id;
  rl_node *b = s->peers[e->host].node;
  if (!k->open[0] || k->id[0] != e->link) return; /* the caller gave up */
  if (!b) {
    push(s, s->now_us + lat(s, e->host, caller), RL_SIM_EV_CLOSED, caller, e->link, RL_LINK_FAIL_IO);
    return;
  }
  addr_of(caller, &from);
  id = rl_node_link_incoming(b, (struct sockaddr *)&from, sizeof from, s->now_us);
  after_event(s, e->host);
  if (!id || rl_sim_link_set_far(&s->links, slot, e->host, id) != 0) {
    push(s, s->now_us + lat(s, e->host, caller), RL_SIM_EV_CLOSED, caller, e->link, RL_LINK_FAIL_IO);
    return;
  }
  /* The handshake: the caller is up after the answer comes back, the
   * listener after the caller's last flight. */
  push(s, s->now_us + lat(s, e->host, caller), RL_SIM_EV_UP, caller, e->link, 0);
  push(s, s->now_us + 2 * lat(s, e->host, caller), RL_SIM_EV_UP, e->host, id, 0);
}

static void ev_link(rl_sim *s, const rl_sim_event *e) {
  rl_sim_peer *p = &s->peers[e->host];
  int end;
  long slot;
  if (!p->node) return;
  slot = rl_sim_link_find(&s->links, e->host, e->link, &end);
  switch (e->type) {
  case RL_SIM_EV_UP:
    if (slot < 0) return;
    rl_node_link_up(p->node, e->link, s->peers[s->links.v[slot].host[1 - end]].cred->cert,
                    s->now_us);
    break;
  case RL_SIM_EV_DELIVER:
    if (slot < 0) return;
    rl_node_link_message(p->node, e->link, e->bytes, e->len, s->now_us);
    break;
  case RL_SIM_EV_CLOSED:
    if (slot >= 0) rl_sim_link_drop_end(&s->links, slot, end);
    rl_node_link_closed(p->node, e->link, (rl_link_fail)e->aux, "simulated", s->now_us);
    break;
  default:
    return;
  }
  after_event(s, e->host);
}

static void ev_tick(rl_sim *s, const rl_sim_event *e) {
  rl_sim_peer *p = &s->peers[e->host];
  if (!p->node || e->aux != p->tick_gen) return;
  p->tick_at = 0;
  rl_node_tick(p->node, s->now_us);
  after_event(s, e->host);
}

static void dispatch(rl_sim *s, const rl_sim_event *e) {
  switch (e->type) {
  case RL_SIM_EV_TICK:
    ev_tick(s, e);
    break;
  case RL_SIM_EV_ACCEPT:
    ev_accept(s, e);
    break;
  case RL_SIM_EV_UP:
  case RL_SIM_EV_DELIVER:
  case RL_SIM_EV_CLOSED:
    ev_link(s, e);
    break;
  case RL_SIM_EV_CHURN:
    churn_event(s, e);
    break;
  case RL_SIM_EV_WORKLOAD:
    workload_step(s);
    break;
  case RL_SIM_EV_RECHECK:
    s->rechecks--;
    fetch_one(s, e->host, REQ_CHECK, (int)e->aux);
    break;
  case RL_SIM_EV_WINDOW:
    rl_sim_window_end(s);
    if (s->phase != PHASE_DONE) push(s, s->now_us + s->p.window_ms * 1000u, RL_SIM_EV_WINDOW, 0, 0, 0);
    break;
  }
}

/* ---------- phases ---------- */

static size_t ready_count(const rl_sim *s) {
  size_t k = 0;
  for (size_t i = 0; i < s->npeers; i++) k += s->peers[i].node && rl_node_ready(s->peers[i].node);
  return k;
}

static void start_workload(rl_sim *s) {
  s->phase = PHASE_WORK;
  s->workload_start_us = s->now_us;
  if (s->p.session_median_s > 0) {
    for (size_t i = 0; i < s->npeers; i++)
      if (s->peers[i].node) schedule_death(s, (uint32_t)i);
    schedule_arrival(s);
  }
  push(s, s->now_us, RL_SIM_EV_WORKLOAD, 0, 0, 0);
}

static void start_check(rl_sim *s) {
  s->phase = PHASE_CHECK;
  s->phase_end_us = s->now_us + SIM_DRAIN_MS * 1000ull;
  for (size_t i = 0; i < s->npeers; i++)
    if (s->peers[i].stored == 2) {
      s->tot.values_checked++;
      s->checks_sent++;
      fetch_one(s, (uint32_t)i, REQ_CHECK, 0);
    }
}

/* Move on when a phase is over. Called between events, at most every
 * 100 ms of virtual time. */
static int advance(rl_sim *s, char *why, size_t whylen) {
  switch (s->phase) {
  case PHASE_FORM:
    if (ready_count(s) == s->npeers && s->npeers == s->p.peers) {
      s->tot.ring_formed_ms = s->now_us / 1000u;
      s->phase = PHASE_SETTLE;
      s->phase_end_us = s->now_us + s->p.settle_ms * 1000u;
    } else if (s->p.form_limit_ms && s->now_us / 1000u > s->p.form_limit_ms) {
      snprintf(why, whylen, "the ring did not form within %llu ms: %zu of %zu peers joined",
               (unsigned long long)s->p.form_limit_ms, ready_count(s), s->npeers);
      return RL_ERR_TIMEOUT;
    }
    break;
  case PHASE_SETTLE:
    if (s->now_us >= s->phase_end_us) start_workload(s);
    break;
  case PHASE_WORK:
    if (s->p.fail_fraction > 0 && !s->failed_mass &&
        s->now_us >= s->workload_start_us + s->p.fail_at_ms * 1000u)
      mass_failure(s);
    if (s->fetches_sent >= s->p.fetches) {
      if (s->phase_end_us <= s->workload_start_us) s->phase_end_us = s->now_us + SIM_DRAIN_MS * 1000ull;
      if (s->outstanding == 0 || s->now_us >= s->phase_end_us) start_check(s);
    }
    break;
  case PHASE_CHECK:
    if ((s->outstanding == 0 && s->rechecks == 0) || s->now_us >= s->phase_end_us)
      s->phase = PHASE_DONE;
    break;
  }
  return 0;
}

/* ---------- the run ---------- */

rl_sim *rl_sim_new(const rl_sim_params *p, char *why, size_t whylen) {
  rl_sim *s = calloc(1, sizeof *s);
  if (!s) {
    snprintf(why, whylen, "out of memory");
    return NULL;
  }
  s->p = *p;
  if (!s->p.join_spacing_ms) s->p.join_spacing_ms = 50;
  if (!s->p.settle_ms) s->p.settle_ms = 30000;
  if (!s->p.update_interval_ms) s->p.update_interval_ms = 30000;
  if (!s->p.window_ms) s->p.window_ms = 10000;
  if (s->p.fetch_rate <= 0) s->p.fetch_rate = 100;
  if (s->p.pareto_shape <= 0) s->p.pareto_shape = 2;
  if (s->p.peers < 1 || s->p.peers > SIM_MAX_PEERS) {
    snprintf(why, whylen, "peers must be 1..%u", SIM_MAX_PEERS);
    free(s);
    return NULL;
  }
  s->rng.s = p->seed;
  rl_sim_queue_init(&s->q);
  rl_sim_links_init(&s->links);
  if (rl_sim_world_init(&s->world, why, whylen) != 0) {
    rl_sim_free(s);
    return NULL;
  }
  s->scratch.out_len = rl_node_scratch_size(s->world.cfg);
  s->scratch.arena_len = RL_NODE_SCRATCH_ARENA;
  s->scratch.arena = malloc(s->scratch.arena_len);
  s->scratch.out = malloc(s->scratch.out_len);
  s->scratch.out2 = malloc(s->scratch.out_len);
  if (!s->scratch.arena || !s->scratch.out || !s->scratch.out2) {
    snprintf(why, whylen, "out of memory");
    rl_sim_free(s);
    return NULL;
  }
  return s;
}

void rl_sim_free(rl_sim *s) {
  if (!s) return;
  for (size_t i = 0; i < s->npeers; i++) {
    if (s->peers[i].node) rl_node_free(s->peers[i].node);
    rl_credentials_free(s->peers[i].cred);
  }
  free(s->peers);
  rl_sim_queue_free(&s->q);
  rl_sim_links_free(&s->links);
  rl_sim_world_free(&s->world);
  free(s->scratch.arena);
  free(s->scratch.out);
  free(s->scratch.out2);
  rl_sim_win_free(&s->win);
  rl_sim_win_free(&s->all);
  while (g_chunks) {
    req_chunk *c = g_chunks;
    g_chunks = c->next;
    free(c);
  }
  free(s);
}

/* The initial peers, one every join_spacing_ms, each through a random
 * peer that is already part of the ring. */
static int join_next(rl_sim *s, char *why, size_t whylen) {
  long b = s->npeers ? random_ready(s) : -1;
  if (s->npeers && b < 0) return 0; /* the first is not up yet */
  return spawn_peer(s, b, why, whylen);
}

int rl_sim_run(rl_sim *s, char *why, size_t whylen) {
  rl_sim_event e;
  uint64_t next_join = 0, next_check = 0;
  int rc;
  s->rss_base_kib = rl_sim_rss_kib();
  s->wall_start = rl_sim_wall();
  push(s, s->p.window_ms * 1000u, RL_SIM_EV_WINDOW, 0, 0, 0);
  while (s->phase != PHASE_DONE) {
    if (s->phase == PHASE_FORM && s->npeers < s->p.peers && s->now_us >= next_join) {
      size_t before = s->npeers;
      if ((rc = join_next(s, why, whylen)) != 0) return rc;
      next_join = s->now_us + (s->npeers > before ? s->p.join_spacing_ms : 10) * 1000u;
      continue;
    }
    if (!rl_sim_queue_pop(&s->q, &e)) {
      snprintf(why, whylen, "nothing left to happen");
      return RL_ERR_STATE;
    }
    if (e.t_us > s->now_us) s->now_us = e.t_us;
    s->tot.events++;
    dispatch(s, &e);
    free(e.bytes);
    if (s->now_us >= next_check) {
      next_check = s->now_us + 100000;
      if ((rc = advance(s, why, whylen)) != 0) return rc;
    }
  }
  rl_sim_window_end(s);
  s->tot.virtual_ms = s->now_us / 1000u;
  s->tot.wall_s = rl_sim_wall() - s->wall_start;
  s->tot.ring_correct = rl_sim_ring_correct(s);
  s->tot.peers_end = s->alive;
  return 0;
}

void rl_sim_get_totals(const rl_sim *s, rl_sim_totals *out) { *out = s->tot; }
