/* peer/node.c: the node core (peer/node.h) made and taken apart, its
 * options and accessors, and its status. The core is layered by call
 * direction (issue 16), each file calling only those below it:
 *   node_events.c, node_recv.c   events in; receipt, forwarding, dispatch
 *   node_chord.c, node_handlers.c, node_repl.c, node_config.c,
 *   node_guard.c, node_accept.c  the topology's actions, the requests a
 *                                node answers, replication, configuration,
 *                                limits, admission
 *   node_send.c                  the Connection Table, routing, sending,
 *                                transactions, answers, the log
 * No I/O anywhere: sends, connects and closes are actions (peer/actq.h). */
#define _GNU_SOURCE
#include "peer/node_int.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "codec/message.h"
#include "overlay/hash.h"
#include "runtime/cursor.h"

/* ---------- small things ---------- */

void rl_node_options_init(rl_node_options *o) {
  memset(o, 0, sizeof *o);
  o->link_mode = RL_LINK_TLS;
  o->verbosity = 1;
  o->log = stderr;
  o->link_rate = RL_NODE_DEFAULT_LINK_RATE;
  o->link_burst = RL_NODE_DEFAULT_LINK_BURST;
}

/* The decoder asks for the data model of each Kind it meets (7.2): the
 * configuration's Kinds, the registered ones, and a note of the unknown
 * ones so that a Store can be answered with Error_Unknown_Kind. */
static int node_data_model(const rl_params *p, rl_KindId kind, rl_DataModel *out) {
  rl_node *n = p->user;
  size_t i;
  for (i = 0; i < n->nkinds; i++)
    if (n->kinds[i].id == kind) {
      *out = n->kinds[i].data_model;
      return 0;
    }
  for (i = 0; i < n->nunknown; i++)
    if (n->unknown_kinds[i] == kind) return RL_ERR_PARAM;
  if (n->nunknown < sizeof n->unknown_kinds / sizeof n->unknown_kinds[0])
    n->unknown_kinds[n->nunknown++] = kind;
  return RL_ERR_PARAM;
}

/* ---------- construction ---------- */

size_t rl_node_scratch_size(const rl_overlay_config *cfg) {
  /* Room for one message of any size we accept, whole (6.7). */
  size_t m = cfg->max_message_size;
  return (m > 65536 ? m : 65536) * 4;
}

/* The same table serves a ConfigUpdate (node_config.c). */
static int setup_kinds(rl_node *n) { return rl_node_build_kinds(n->cfg, &n->kinds, &n->nkinds); }

/* The tables sized by the options, and the working memory (own, or the
 * scratch buffers shared with other nodes). 0 or -1 with why. */
static int setup_memory(rl_node *n, const rl_node_options *o, uint64_t seed, char *why,
                        size_t whylen) {
  n->resp_slots = o->answer_cache && o->answer_cache < RL_NODE_RESP_CACHE ? o->answer_cache
                                                                         : RL_NODE_RESP_CACHE;
  n->max_txns = o->max_transactions ? o->max_transactions : RL_NODE_MAX_TXNS;
  n->max_deferred = o->max_deferred ? o->max_deferred : RL_NODE_MAX_DEFERRED;
  n->max_repl_jobs = o->max_repl_jobs ? o->max_repl_jobs : RL_NODE_MAX_REPL_JOBS;
  /* A quarter of the slots stay free for everything but replication. */
  n->repl_txn_reserve = n->max_txns / 4;
  n->txns = calloc(n->max_txns, sizeof *n->txns);
  n->deferred = calloc(n->max_deferred, sizeof *n->deferred);
  n->repl_jobs = calloc(n->max_repl_jobs, sizeof *n->repl_jobs);
  n->out_cap = rl_node_scratch_size(n->cfg);
  if (o->scratch) {
    if (o->scratch->out_len < n->out_cap || o->scratch->arena_len < RL_NODE_ARENA) {
      snprintf(why, whylen, "the shared scratch buffers are too small");
      return -1;
    }
    n->out = o->scratch->out;
    n->out2 = o->scratch->out2;
    rl_arena_init(&n->arena, o->scratch->arena, RL_NODE_ARENA);
  } else {
    n->arena_mem = malloc(RL_NODE_ARENA);
    n->out = malloc(n->out_cap);
    n->out2 = malloc(n->out_cap);
    if (n->arena_mem) rl_arena_init(&n->arena, n->arena_mem, RL_NODE_ARENA);
  }
  n->reasm = rl_node_guard_reasm_new(n);
  /* Via List compression state (6.1.2): one slot per forwarded request
   * whose Via List was long, kept for the request lifetime. 128 slots
   * carry about 4 such requests a second. */
  n->viatab = rl_viatab_new(o->viatab_slots ? o->viatab_slots : 128,
                            2 * RL_NODE_REQUEST_LIFETIME_MS, seed);
  n->backlinks = rl_backlink_new(o->backlinks ? o->backlinks : RL_NODE_BACKLINKS,
                                 RL_NODE_REQUEST_LIFETIME_MS);
  if (!n->txns || !n->deferred || !n->repl_jobs || (!o->scratch && !n->arena_mem) || !n->out ||
      !n->out2 || !n->reasm || !n->viatab || !n->backlinks) {
    snprintf(why, whylen, "out of memory");
    return -1;
  }
  return 0;
}

/* A peer's topology (CHORD-RELOAD, 10) and storage. 0 or -1. */
static int setup_peer(rl_node *n, const rl_node_options *o, uint64_t seed) {
  rl_chord_config cc;
  rl_store_config sc;
  rl_chord_config_init(&cc);
  cc.seed = seed;
  cc.reactive = n->cfg->chord_reactive;
  cc.update_interval_ms = o->update_interval_ms ? o->update_interval_ms
                                                : (uint64_t)n->cfg->chord_update_interval * 1000u;
  if (n->cfg->has_chord_ping_interval)
    cc.ping_interval_ms = (uint64_t)n->cfg->chord_ping_interval * 1000u;
  if (o->update_interval_ms) {
    /* A fast test overlay: everything scaled to the update interval. */
    cc.ping_interval_ms = o->update_interval_ms * 2;
    cc.partition_interval_ms = o->update_interval_ms * 30;
    cc.holddown_ms = o->update_interval_ms * 2;
  }
  cc.request_timeout_ms = (uint64_t)n->cfg->reliability_timer * 5 + 1000;
  /* 10.4: the responsible peer and `replicas` successors hold each value;
   * a larger replication factor needs that many successors (and
   * predecessors, to accept their replica Stores). */
  cc.replicas = n->cfg->replication_factor > 1 ? n->cfg->replication_factor - 1 : 2;
  if (cc.replicas > RL_NODE_MAX_REPLICAS) cc.replicas = RL_NODE_MAX_REPLICAS;
  if (cc.successors < cc.replicas + 1) cc.successors = cc.replicas + 1;
  if (cc.predecessors < cc.replicas + 1) cc.predecessors = cc.replicas + 1;
  if (o->chord_max_connections) cc.max_connections = o->chord_max_connections;
  if (o->holddown_ms) cc.holddown_ms = o->holddown_ms;
  n->chord = rl_chord_new(n->self.b, n->id_len, &cc);
  /* The chord's clock starts now (uptime, 6.4.2.5.2, counts from the
   * join, not from the epoch of the monotonic clock). */
  if (n->chord) rl_chord_on_tick(n->chord, rl_node_ms(n));
  memset(&sc, 0, sizeof sc);
  sc.id_len = n->id_len;
  sc.budget = o->store_budget ? o->store_budget : (64u << 20);
  sc.kinds = n->kinds;
  sc.kinds_count = n->nkinds;
  sc.verify = rl_node_verify_stored;
  sc.verify_user = n;
  return n->chord && rl_store_new(&sc, &n->store) == 0 ? 0 : -1;
}

rl_node *rl_node_new(const rl_node_options *o, char *why, size_t whylen) {
  rl_node *n;
  rl_sec_error e = {0, ""};
  uint64_t seed;
  if (!o || !o->config || !o->cred) {
    snprintf(why, whylen, "configuration and credentials are required");
    return NULL;
  }
  n = calloc(1, sizeof *n);
  if (!n) {
    snprintf(why, whylen, "out of memory");
    return NULL;
  }
  n->opt = *o;
  n->cfg = o->config;
  n->cred = o->cred;
  n->now_us = o->start_us;
  n->wall_offset_ms = o->wall_offset_ms;
  n->start_ms = rl_node_ms(n);
  rl_actq_init(&n->actions);
  n->id_len = n->cfg->node_id_length;
  if (o->cred->node_id_len != n->id_len) {
    snprintf(why, whylen, "the certificate's Node-ID is %zu bytes, the overlay's NodeIdLength is %zu",
             o->cred->node_id_len, n->id_len);
    goto fail;
  }
  memcpy(n->self.b, o->cred->node_id, n->id_len);
  n->overlay = rl_overlay_hash(n->cfg->instance_name);
  n->max_msg = n->cfg->max_message_size;
  seed = o->seed;
  if (!seed && getrandom(&seed, sizeof seed, 0) != sizeof seed) seed = (uint64_t)time(NULL);
  n->rng = seed ? seed : 0x9e3779b97f4a7c15ull;
  if (rl_config_params(n->cfg, &n->params) != 0) {
    snprintf(why, whylen, "configuration gives no codec parameters");
    goto fail;
  }
  n->params.data_model = node_data_model;
  n->params.user = n;
  if (setup_kinds(n) != 0) {
    snprintf(why, whylen, "out of memory");
    goto fail;
  }
  if (rl_trust_from_config(n->cfg, &n->trust, &e) != 0) {
    snprintf(why, whylen, "trust: %s", e.text);
    goto fail;
  }
  rl_cert_set_init(&n->certs);
  rl_cert_set_add(&n->certs, o->cred->cert);
  if (setup_memory(n, o, seed, why, whylen) != 0) goto fail;
  if (!o->client && setup_peer(n, o, seed) != 0) {
    snprintf(why, whylen, "cannot create the topology or the storage");
    goto fail;
  }
  rl_node_accept_init(n);
  return n;
fail:
  rl_node_free(n);
  return NULL;
}

void rl_node_free(rl_node *n) {
  if (!n) return;
  rl_actq_free(&n->actions);
  for (size_t i = 0; n->txns && i < n->max_txns; i++) free(n->txns[i].bytes);
  free(n->txns);
  for (size_t i = 0; i < n->resp_slots; i++) free(n->resp[i].bytes);
  for (size_t i = 0; i < n->nlocal; i++) free(n->local[i].bytes);
  if (n->chord) rl_chord_free(n->chord);
  if (n->store) rl_store_free(n->store);
  if (n->trust) rl_trust_free(n->trust);
  rl_cert_set_clear(&n->certs);
  if (n->reasm) rl_reasm_free(n->reasm);
  rl_node_repl_free(n);
  if (n->viatab) rl_viatab_free(n->viatab);
  rl_backlink_free(n->backlinks);
  free(n->kinds);
  if (n->cfg_doc_owned) rl_config_document_free(&n->cfg_doc);
  free(n->cfg_doc_bytes);
  if (!n->opt.scratch) {
    free(n->arena_mem);
    free(n->out);
    free(n->out2);
  }
  free(n);
}

/* ---------- accessors ---------- */

void rl_node_set_user(rl_node *n, void *user) { n->user = user; }
void *rl_node_user(const rl_node *n) { return n->user; }
void rl_node_set_wall_offset(rl_node *n, int64_t off) { n->wall_offset_ms = off; }

void rl_node_set_sip_port(rl_node *n, uint16_t port) { n->opt.sip_port = port; }

const rl_trust *rl_node_trust(const rl_node *n) { return n->trust; }

rl_link_mode rl_node_link_mode(const rl_node *n) { return n->opt.link_mode; }

int rl_node_add_certificate(rl_node *n, rl_cert *cert) {
  if (n->napp_certs >= RL_NODE_MAX_APP_CERTS) return RL_ERR_NOMEM;
  if (rl_cert_set_add(&n->certs, cert) != 0) return RL_ERR_NOMEM;
  n->app_certs[n->napp_certs++] = cert;
  return 0;
}

int rl_node_ready(const rl_node *n) {
  if (n->opt.client) return n->ready_client;
  return rl_chord_get_state(n->chord) == RL_CHORD_JOINED;
}

int rl_node_left(const rl_node *n) { return n->left; }

int rl_node_attached_peer(const rl_node *n, uint8_t *out) {
  for (size_t i = 0; i < RL_NODE_MAX_CONNS; i++) {
    const rl_conn *c = &n->conns[i];
    if (c->used && c->up && c->bound) {
      memcpy(out, c->id.b, n->id_len);
      return 0;
    }
  }
  return RL_ERR_STATE;
}

const uint8_t *rl_node_id(const rl_node *n, size_t *len) {
  if (len) *len = n->id_len;
  return n->self.b;
}
const rl_credentials *rl_node_credentials(const rl_node *n) { return n->cred; }
const rl_node_options *rl_node_options_of(const rl_node *n) { return &n->opt; }
const rl_overlay_config *rl_node_config(const rl_node *n) { return n->cfg; }

int rl_node_bootstrap_node(const rl_node *n, size_t i, struct sockaddr_storage *ss,
                           socklen_t *len) {
  if (i >= rl_node_bootstrap_count(n)) return -1;
  rl_node_bootstrap_addr(n, i, ss, len);
  return 0;
}
const rl_params *rl_node_params(const rl_node *n) { return &n->params; }
struct rl_chord *rl_node_chord(rl_node *n) { return n->chord; }

static size_t conn_count(const rl_node *n) {
  size_t k = 0;
  for (size_t i = 0; i < RL_NODE_MAX_CONNS; i++) k += n->conns[i].used != 0;
  return k;
}

void rl_node_get_status(const rl_node *n, rl_node_status *out) {
  *out = n->st;
  out->links = conn_count(n);
  for (size_t i = 0; i < RL_NODE_MAX_CONNS; i++)
    if (n->conns[i].used && !n->conns[i].outgoing && !n->conns[i].up) out->pending_links++;
  out->links_refused = n->adm.refused_total;
  out->links_evicted = n->adm.evicted_total;
  out->handshakes_failed = n->adm.failed_total;
  if (n->reasm) out->reasm_dropped += rl_reasm_evicted(n->reasm);
  if (n->chord) {
    rl_nodeid tmp[RL_CHORD_MAX_NEIGHBORS];
    out->joined = rl_chord_get_state(n->chord) == RL_CHORD_JOINED;
    out->successors = rl_chord_successors(n->chord, tmp, RL_CHORD_MAX_NEIGHBORS);
    out->predecessors = rl_chord_predecessors(n->chord, tmp, RL_CHORD_MAX_NEIGHBORS);
    out->fingers = rl_chord_finger_count(n->chord);
    out->finger_table_size = rl_chord_finger_table_size(n->chord);
  } else {
    out->joined = n->ready_client;
  }
  if (n->store) {
    rl_store_stats ss;
    rl_store_get_stats(n->store, &ss);
    out->stored_resources = ss.resources;
    out->stored_values = ss.values;
  }
  rl_node_repl_counts(n, &out->repl_deferred, &out->repl_jobs);
}

static void json_ids(char **p, size_t *left, const char *name, const rl_nodeid *ids, size_t k,
                     size_t id_len) {
  char hx[RL_HEXBUF];
  int w = snprintf(*p, *left, "\"%s\":[", name);
  if (w < 0 || (size_t)w >= *left) return;
  *p += w;
  *left -= (size_t)w;
  for (size_t i = 0; i < k; i++) {
    w = snprintf(*p, *left, "%s\"%s\"", i ? "," : "", rl_node_hex(ids[i].b, id_len, hx));
    if (w < 0 || (size_t)w >= *left) return;
    *p += w;
    *left -= (size_t)w;
  }
  w = snprintf(*p, *left, "],");
  if (w < 0 || (size_t)w >= *left) return;
  *p += w;
  *left -= (size_t)w;
}

char *rl_node_status_json(const rl_node *n) {
  size_t cap = 16384, left = cap;
  char *buf = malloc(cap), *p = buf, hx[RL_HEXBUF];
  rl_node_status st;
  int w;
  if (!buf) return NULL;
  rl_node_get_status(n, &st);
  w = snprintf(p, left, "{\"node_id\":\"%s\",\"role\":\"%s\",\"joined\":%s,",
               rl_node_hex(n->self.b, n->id_len, hx), n->opt.client ? "client" : "peer",
               st.joined ? "true" : "false");
  p += w;
  left -= (size_t)w;
  if (n->chord) {
    rl_nodeid ids[RL_CHORD_MAX_FINGERS];
    size_t k = rl_chord_predecessors(n->chord, ids, RL_CHORD_MAX_NEIGHBORS);
    json_ids(&p, &left, "predecessors", ids, k, n->id_len);
    k = rl_chord_successors(n->chord, ids, RL_CHORD_MAX_NEIGHBORS);
    json_ids(&p, &left, "successors", ids, k, n->id_len);
    k = rl_chord_fingers(n->chord, ids, RL_CHORD_MAX_FINGERS);
    json_ids(&p, &left, "finger_peers", ids, k, n->id_len);
  }
  if (n->listen_len && n->listen_addr.ss_family == AF_INET) {
    const struct sockaddr_in *s4 = (const void *)&n->listen_addr;
    char host[32];
    inet_ntop(AF_INET, &s4->sin_addr, host, sizeof host);
    w = snprintf(p, left, "\"listen\":\"%s:%d\",", host, ntohs(s4->sin_port));
    if (w > 0 && (size_t)w < left) {
      p += w;
      left -= (size_t)w;
    }
  }
  rl_node_turn_status_json(n, &p, &left);
  snprintf(p, left,
           "\"fingers\":%zu,\"finger_table_size\":%zu,\"links\":%zu,\"stored_resources\":%zu,"
           "\"stored_values\":%zu,\"estimated_size\":%llu,\"requests_in\":%llu,\"requests_out\":%llu,"
           "\"forwarded\":%llu,\"answers_in\":%llu,\"errors_out\":%llu,\"dropped\":%llu,"
           "\"pending_links\":%zu,\"links_refused\":%llu,\"links_evicted\":%llu,"
           "\"handshakes_failed\":%llu,\"rate_limited\":%llu,\"reasm_dropped\":%llu,"
           "\"replication\":{\"answers_waiting\":%zu,\"jobs_pending\":%zu,\"parts_sent\":%llu,"
           "\"parts_acked\":%llu,\"parts_failed\":%llu,\"retries\":%llu,\"gave_up\":%llu,"
           "\"answers_partial\":%llu}}",
           st.fingers, st.finger_table_size, st.links, st.stored_resources, st.stored_values,
           (unsigned long long)(n->chord ? rl_chord_estimated_size(n->chord) : 0),
           (unsigned long long)st.requests_in, (unsigned long long)st.requests_out,
           (unsigned long long)st.forwarded, (unsigned long long)st.answers_in,
           (unsigned long long)st.errors_out, (unsigned long long)st.dropped, st.pending_links,
           (unsigned long long)st.links_refused, (unsigned long long)st.links_evicted,
           (unsigned long long)st.handshakes_failed, (unsigned long long)st.rate_limited,
           (unsigned long long)st.reasm_dropped, st.repl_deferred,
           st.repl_jobs, (unsigned long long)st.repl_parts_sent,
           (unsigned long long)st.repl_parts_acked, (unsigned long long)st.repl_parts_failed,
           (unsigned long long)st.repl_retries, (unsigned long long)st.repl_gave_up,
           (unsigned long long)st.repl_answers_partial);
  return buf;
}

