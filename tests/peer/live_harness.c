/* live_harness.c: see live_harness.h. */
#define _GNU_SOURCE /* clock_gettime */
#include "live_harness.h"
#include "peer/driver.h"

#include <arpa/inet.h>
#include <check.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "codec/message.h"
#include "overlay/hash.h"
#include "peer/msg.h"
#include "peer/ops.h"
#include "runtime/ctx.h"
#include "runtime/writer.h"
#include "security/ca.h"
#include "security/sign.h"

live_world live_w;

static rl_node *nodes[8];
static size_t nnodes;
static live_atk *atks[16];
static size_t natks;
static uint64_t txid_state = 0x5eed5eed12345678ull;

static void die(const char *what, const rl_sec_error *e) {
  fprintf(stderr, "live_harness: %s: %s\n", what, e ? e->text : "");
  abort();
}

static uint64_t now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static uint64_t wall_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* ---------- the world: keys, certificates, configuration ---------- */

static rl_credentials *issue(EVP_PKEY *ca_key, rl_cert *ca, EVP_PKEY *key, const char *user,
                             uint8_t id_byte) {
  rl_sec_error e = {0, ""};
  rl_issue_params p;
  rl_cert *c = NULL;
  rl_credentials *cr = NULL;
  uint8_t ids[1][RL_NODE_ID_MAX];
  memset(ids, id_byte, sizeof ids);
  memset(&p, 0, sizeof p);
  p.overlay = LIVE_OVERLAY;
  p.user = user;
  p.node_ids = (const uint8_t(*)[RL_NODE_ID_MAX])ids;
  p.n_node_ids = 1;
  p.node_id_len = LIVE_ID_LEN;
  if (rl_ca_issue(ca_key, ca, key, &p, &c, &e) != 0) die("issue", &e);
  if (rl_credentials_new(key, c, NULL, 0, &cr, &e) != 0) die("credentials", &e);
  rl_cert_free(c);
  return cr;
}

static EVP_PKEY *ec_key(void) {
  EVP_PKEY *k = EVP_EC_gen("P-256");
  if (!k) die("EC key", NULL);
  return k;
}

static void add_kind(rl_overlay_config *cfg, uint32_t id, rl_DataModel model,
                     rl_access_policy policy, uint32_t max_count, uint32_t mult) {
  rl_config_kind *k = &cfg->kinds[cfg->nkinds++];
  memset(k, 0, sizeof *k);
  k->id = id;
  k->id_known = 1;
  k->model = model;
  k->policy = policy;
  k->max_count = max_count;
  k->max_size = 4096;
  k->max_node_multiple = mult;
}

/* The configuration as reload-ca writes one (11.1), written to XML and
 * parsed back, so the peer runs on what a configuration file gives. */
static void make_config(const rl_cert *ca) {
  rl_config_document doc = {NULL, 0};
  rl_overlay_config *cfg;
  rl_config_error ce;
  char *xml = NULL;
  size_t len = 0;
  doc.configs = calloc(1, sizeof *doc.configs);
  if (!doc.configs) die("out of memory", NULL);
  doc.nconfigs = 1;
  cfg = &doc.configs[0];
  rl_config_init(cfg);
  cfg->instance_name = strdup(LIVE_OVERLAY);
  cfg->node_id_length = LIVE_ID_LEN;
  cfg->has_sequence = 1;
  cfg->sequence = LIVE_SEQUENCE;
  cfg->initial_ttl = LIVE_INITIAL_TTL;
  cfg->max_message_size = LIVE_MAX_MESSAGE;
  cfg->root_certs.v = calloc(1, sizeof *cfg->root_certs.v);
  cfg->kinds = calloc(8, sizeof *cfg->kinds);
  if (!cfg->instance_name || !cfg->root_certs.v || !cfg->kinds ||
      !(cfg->root_certs.v[0].data = malloc(ca->der_len)))
    die("out of memory", NULL);
  memcpy(cfg->root_certs.v[0].data, ca->der, ca->der_len);
  cfg->root_certs.v[0].len = ca->der_len;
  cfg->root_certs.n = 1;
  add_kind(cfg, LIVE_KIND_USER, RL_DataModel_single_value, RL_ACCESS_USER_MATCH, 1, 0);
  add_kind(cfg, LIVE_KIND_USER_ARRAY, RL_DataModel_array, RL_ACCESS_USER_MATCH, 64, 0);
  add_kind(cfg, LIVE_KIND_NODE, RL_DataModel_single_value, RL_ACCESS_NODE_MATCH, 1, 0);
  add_kind(cfg, LIVE_KIND_MULTIPLE, RL_DataModel_single_value, RL_ACCESS_NODE_MULTIPLE, 1,
           LIVE_NODE_MULTIPLE);
  add_kind(cfg, LIVE_KIND_USER_NODE, RL_DataModel_dictionary, RL_ACCESS_USER_NODE_MATCH, 16, 0);
  if (rl_config_write(&doc, &xml, &len) != 0) die("rl_config_write", NULL);
  rl_config_document_free(&doc);
  if (rl_config_parse(xml, len, &live_w.doc, &ce) != 0) {
    fprintf(stderr, "live_harness: configuration: %s\n%s\n", ce.message, xml);
    abort();
  }
  live_w.xml = xml;
  live_w.xml_len = len;
  live_w.cfg = &live_w.doc.configs[0];
  if (rl_config_params(live_w.cfg, &live_w.params) != 0) die("rl_config_params", NULL);
  live_w.overlay = rl_overlay_hash(live_w.cfg->instance_name);
}

void live_world_init(void) {
  rl_sec_error e = {0, ""};
  rl_issue_params p;
  rl_cert *ca = NULL, *rogue_ca = NULL;
  EVP_PKEY *ca_key = ec_key(), *rogue_key = ec_key(), *k[LIVE_NIDS];
  static const char *users[LIVE_NIDS] = {"peer@" LIVE_OVERLAY,  "peer2@" LIVE_OVERLAY,
                                         "alice@" LIVE_OVERLAY, "bob@" LIVE_OVERLAY,
                                         "carol@" LIVE_OVERLAY, "mallory@" LIVE_OVERLAY};
  /* Node-IDs: fixed, so that a failure reproduces; peer and peer2 on
   * opposite sides of the ring. */
  static const uint8_t id_byte[LIVE_NIDS] = {0x40, 0xc0, 0x11, 0x22, 0x33, 0x44};
  memset(&p, 0, sizeof p);
  p.overlay = LIVE_OVERLAY;
  if (rl_ca_create(ca_key, &p, &ca, &e) != 0 || rl_ca_create(rogue_key, &p, &rogue_ca, &e) != 0)
    die("CA", &e);
  for (int i = 0; i < LIVE_NIDS; i++) {
    if (i == LIVE_ALICE) {
      if (rl_key_generate_rsa(2048, &k[i], &e) != 0) die("RSA key", &e);
    } else {
      k[i] = ec_key();
    }
    live_w.user[i] = users[i];
    /* Mallory: the same overlay and form, signed by a CA the overlay does
     * not list. */
    live_w.cred[i] = i == LIVE_MALLORY ? issue(rogue_key, rogue_ca, k[i], users[i], id_byte[i])
                                       : issue(ca_key, ca, k[i], users[i], id_byte[i]);
    EVP_PKEY_free(k[i]);
  }
  make_config(ca);
  if (rl_trust_from_config(live_w.cfg, &live_w.trust, &e) != 0) die("trust", &e);
  rl_cert_free(ca);
  rl_cert_free(rogue_ca);
  EVP_PKEY_free(ca_key);
  EVP_PKEY_free(rogue_key);
}

void live_world_free(void) {
  for (int i = 0; i < LIVE_NIDS; i++) rl_credentials_free(live_w.cred[i]);
  rl_trust_free(live_w.trust);
  rl_config_document_free(&live_w.doc);
  free(live_w.xml);
  memset(&live_w, 0, sizeof live_w);
}

/* ---------- peers ---------- */

uint32_t live_link_rate, live_link_burst;

rl_node *live_peer_start(int who, uint16_t bootstrap_port, uint16_t *port) {
  rl_node_options o;
  rl_node *n;
  char why[256];
  struct sockaddr_in *s4;
  struct sockaddr_storage ss;
  socklen_t sl;
  const char *log = getenv("LIVE_LOG");
  rl_node_options_init(&o);
  o.config = live_w.cfg;
  /* What the peer pushes in a ConfigUpdate (6.3.2.1). */
  o.config_doc = (const uint8_t *)live_w.xml;
  o.config_doc_len = live_w.xml_len;
  o.cred = live_w.cred[who];
  o.log = log ? stderr : NULL;
  o.verbosity = log ? atoi(log) : 0;
  o.seed = 0x1234u + (uint64_t)who;
  o.update_interval_ms = 500;
  if (live_link_rate) {
    o.link_rate = live_link_rate;
    o.link_burst = live_link_burst;
  }
  s4 = (struct sockaddr_in *)&o.listen_addr;
  s4->sin_family = AF_INET;
  s4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  o.listen_len = sizeof *s4;
  if (bootstrap_port) {
    s4 = (struct sockaddr_in *)&o.bootstrap[0];
    s4->sin_family = AF_INET;
    s4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    s4->sin_port = htons(bootstrap_port);
    o.bootstrap_len[0] = sizeof *s4;
    o.nbootstrap = 1;
  } else {
    o.may_start_ring = 1;
  }
  {
    rl_driver *d = rl_driver_new(&o, why, sizeof why);
    ck_assert_msg(d != NULL, "rl_driver_new: %s", why);
    ck_assert_int_eq(rl_driver_start(d), 0);
    n = rl_driver_node(d);
  }
  ck_assert_int_eq(rl_node_listen_addr(n, &ss, &sl), 0);
  if (port) *port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
  ck_assert(nnodes < sizeof nodes / sizeof nodes[0]);
  nodes[nnodes++] = n;
  return n;
}

void live_peer_free(rl_node *n) {
  for (size_t i = 0; i < nnodes; i++)
    if (nodes[i] == n) {
      nodes[i] = nodes[--nnodes];
      break;
    }
  rl_driver_free(rl_driver_of(n));
}

/* ---------- attackers ---------- */

static void atk_on_up(void *user, rl_link *l) {
  live_atk *a = user;
  a->ups++;
  a->link = l;
}

static void atk_on_message(void *user, rl_link *l, const uint8_t *msg, size_t len) {
  live_atk *a = user;
  uint8_t *copy;
  (void)l;
  if (a->ninbox >= LIVE_INBOX || !(copy = malloc(len))) {
    a->dropped++;
    return;
  }
  memcpy(copy, msg, len);
  a->inbox[a->ninbox].bytes = copy;
  a->inbox[a->ninbox].len = len;
  a->ninbox++;
}

static void atk_on_closed(void *user, rl_link *l, rl_link_fail why, const char *detail) {
  live_atk *a = user;
  a->closes++;
  a->why = why;
  snprintf(a->detail, sizeof a->detail, "%s", detail ? detail : "");
  if (a->link == l) a->link = NULL;
}

live_atk *live_atk_new(int who, size_t max_message) {
  live_atk *a = calloc(1, sizeof *a);
  rl_link_params lp;
  rl_link_callbacks cb;
  char why[256];
  ck_assert(a != NULL);
  a->lfd = -1;
  a->cred = live_w.cred[who];
  memset(&lp, 0, sizeof lp);
  lp.mode = RL_LINK_TLS;
  lp.max_message_size = max_message ? max_message : (1u << 20);
  lp.cred = a->cred;
  lp.trust = live_w.trust;
  memset(&cb, 0, sizeof cb);
  cb.on_up = atk_on_up;
  cb.on_message = atk_on_message;
  cb.on_closed = atk_on_closed;
  a->ctx = rl_link_ctx_new(&lp, &cb, a, why, sizeof why);
  ck_assert_msg(a->ctx != NULL, "rl_link_ctx_new: %s", why);
  ck_assert(natks < sizeof atks / sizeof atks[0]);
  atks[natks++] = a;
  return a;
}

void live_atk_free(live_atk *a) {
  for (size_t i = 0; i < natks; i++)
    if (atks[i] == a) {
      atks[i] = atks[--natks];
      break;
    }
  rl_link_ctx_free(a->ctx);
  if (a->lfd >= 0) close(a->lfd);
  for (size_t i = 0; i < a->ninbox; i++) free(a->inbox[i].bytes);
  free(a);
}

void live_atk_listen(live_atk *a) {
  struct sockaddr_in s4;
  socklen_t sl = sizeof s4;
  char why[256];
  memset(&s4, 0, sizeof s4);
  s4.sin_family = AF_INET;
  s4.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a->lfd = rl_link_listen(a->ctx, (struct sockaddr *)&s4, sizeof s4, why, sizeof why);
  ck_assert_msg(a->lfd >= 0, "rl_link_listen: %s", why);
  ck_assert_int_eq(getsockname(a->lfd, (struct sockaddr *)&s4, &sl), 0);
  a->lport = ntohs(s4.sin_port);
}

typedef struct conn_wait {
  live_atk *a;
  int ups, closes;
} conn_wait;

static int conn_settled(void *arg) {
  conn_wait *w = arg;
  return w->a->ups > w->ups || w->a->closes > w->closes;
}

int live_atk_connect(live_atk *a, uint16_t port, int timeout_ms) {
  struct sockaddr_in s4;
  conn_wait w = {a, a->ups, a->closes};
  memset(&s4, 0, sizeof s4);
  s4.sin_family = AF_INET;
  s4.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  s4.sin_port = htons(port);
  a->link = rl_link_connect(a->ctx, (struct sockaddr *)&s4, sizeof s4);
  ck_assert(a->link != NULL);
  if (!live_pump_until(conn_settled, &w, timeout_ms)) return 0;
  return a->ups > w.ups && a->closes == w.closes;
}

typedef struct close_wait {
  live_atk *a;
  int closes;
} close_wait;

static int closed_more(void *arg) {
  close_wait *w = arg;
  return w->a->closes > w->closes;
}

int live_wait_closed(live_atk *a, int closes_before, int timeout_ms) {
  close_wait w = {a, closes_before};
  return live_pump_until(closed_more, &w, timeout_ms);
}

void live_atk_attach(live_atk *a, uint16_t port) {
  ck_assert_msg(live_atk_connect(a, port, 5000), "link to the peer did not come up: %s",
                a->detail);
  /* The TLS client may finish its handshake first (TLS 1.3); the Ping's
   * answer proves the peer has the link and its Node-ID. */
  ck_assert_int_eq(live_ping(a, LIVE_PEER, 5000), RL_MessageCode_ping_ans);
}

/* ---------- the loop ---------- */

static int link_alive(rl_link_ctx *ctx, rl_link *l) {
  rl_link *all[64];
  size_t n = rl_link_ctx_links(ctx, all, 64);
  for (size_t i = 0; i < n; i++)
    if (all[i] == l) return 1;
  return 0;
}

int live_pump_until(int (*pred)(void *), void *arg, int timeout_ms) {
  uint64_t end = now_ms() + (uint64_t)timeout_ms;
  for (;;) {
    struct pollfd pfd[128];
    rl_link *lk[128];
    live_atk *owner[128];
    size_t np = 0;
    uint64_t t;
    if (pred && pred(arg)) return 1;
    for (size_t i = 0; i < nnodes; i++) ck_assert_int_eq(rl_driver_run_once(rl_driver_of(nodes[i]), 0), 0);
    if (pred && pred(arg)) return 1;
    for (size_t i = 0; i < natks; i++) {
      rl_link *all[64];
      size_t nl = rl_link_ctx_links(atks[i]->ctx, all, 64);
      if (atks[i]->lfd >= 0 && np < 128) {
        pfd[np].fd = atks[i]->lfd;
        pfd[np].events = POLLIN;
        lk[np] = NULL;
        owner[np++] = atks[i];
      }
      for (size_t k = 0; k < nl && np < 128; k++) {
        pfd[np].fd = rl_link_fd(all[k]);
        pfd[np].events = rl_link_poll_events(all[k]);
        lk[np] = all[k];
        owner[np++] = atks[i];
      }
    }
    for (size_t i = 0; i < np; i++) pfd[i].revents = 0;
    /* A short wait: the nodes' sockets are polled by rl_node_run_once. */
    poll(pfd, np, 2);
    t = now_ms();
    for (size_t i = 0; i < np; i++) {
      if (!pfd[i].revents) continue;
      if (!lk[i]) {
        rl_link *l;
        while ((l = rl_link_accept(owner[i]->ctx, owner[i]->lfd)) != NULL) owner[i]->link = l;
        continue;
      }
      if (link_alive(owner[i]->ctx, lk[i])) rl_link_handle(lk[i], pfd[i].revents, t);
    }
    for (size_t i = 0; i < natks; i++) rl_link_ctx_tick(atks[i]->ctx, t);
    if (t >= end) return pred ? pred(arg) : 0;
  }
}

/* ---------- building messages ---------- */

uint64_t live_txid(void) {
  uint64_t x = txid_state;
  x ^= x >> 12;
  x ^= x << 25;
  x ^= x >> 27;
  txid_state = x;
  return x * 0x2545F4914F6CDD1Dull;
}

void live_req_init(live_req *r, int signer, int to, rl_MessageCode code) {
  memset(r, 0, sizeof *r);
  r->signer = live_w.cred[signer];
  r->overlay = live_w.overlay;
  r->sequence = LIVE_SEQUENCE;
  r->ttl = LIVE_INITIAL_TTL;
  r->txid = live_txid();
  rl_dest_node(&r->dest[0], live_w.cred[to]->node_id, LIVE_ID_LEN);
  r->ndest = 1;
  r->code = code;
}

size_t live_encode(const live_req *r, uint8_t *buf, size_t cap) {
  rl_writer w;
  rl_msg_out m;
  rl_sec_error e;
  memset(&e, 0, sizeof e);
  memset(&m, 0, sizeof m);
  m.overlay = r->overlay;
  m.configuration_sequence = r->sequence;
  m.ttl = r->ttl;
  m.transaction_id = r->txid;
  m.max_response_length = r->max_response_length;
  m.destination_list = r->dest;
  m.destination_count = r->ndest;
  m.via_list = r->via;
  m.via_count = r->nvia;
  m.options = r->opts;
  m.options_count = r->nopts;
  m.message_code = r->code;
  m.body = &r->body;
  m.extensions = r->ext;
  m.extensions_count = r->next;
  rl_writer_init(&w, buf, cap, NULL);
  ck_assert_msg(rl_msg_encode_signed(&w, &m, r->signer, r->extra, r->nextra, &e) == 0 && !w.err,
                "rl_msg_encode_signed: %s (%d)", e.text, w.err ? w.err : e.code);
  return w.len;
}

void live_send_raw(live_atk *a, const uint8_t *msg, size_t len) {
  ck_assert_msg(a->link != NULL, "the attacker has no link");
  ck_assert_int_eq(rl_link_send(a->link, msg, len), 0);
}

uint64_t live_send(live_atk *a, const live_req *r) {
  static uint8_t buf[1u << 17];
  size_t len = live_encode(r, buf, sizeof buf);
  live_send_raw(a, buf, len);
  return r->txid;
}

void live_fix_length(uint8_t *msg, size_t len) {
  /* 6.3.2: length at offset 16, after relo_token, overlay,
   * configuration_sequence, version, ttl and fragment. */
  msg[16] = (uint8_t)(len >> 24);
  msg[17] = (uint8_t)(len >> 16);
  msg[18] = (uint8_t)(len >> 8);
  msg[19] = (uint8_t)len;
}

void live_resource_user(int who, uint8_t out[LIVE_ID_LEN]) {
  const char *u = live_w.user[who];
  ck_assert_int_eq(rl_resource_id((const uint8_t *)u, strlen(u), LIVE_ID_LEN, out), 0);
}

void live_resource_node(int who, uint8_t i, uint8_t out[LIVE_ID_LEN]) {
  uint8_t buf[LIVE_ID_LEN + 1];
  memcpy(buf, live_w.cred[who]->node_id, LIVE_ID_LEN);
  buf[LIVE_ID_LEN] = i;
  ck_assert_int_eq(rl_resource_id(buf, i ? LIVE_ID_LEN + 1 : LIVE_ID_LEN, LIVE_ID_LEN, out), 0);
}

void live_store_body(rl_MessageBody *body, int value_signer, const uint8_t *resource,
                     rl_KindId kind, const uint8_t *key, size_t key_len, const char *value,
                     rl_arena *arena) {
  const rl_config_kind *k = rl_config_kind_find(live_w.cfg, kind);
  rl_ops_value v;
  ck_assert(k != NULL);
  memset(body, 0, sizeof *body);
  memset(&v, 0, sizeof v);
  v.exists = 1;
  v.index = 0xffffffffu; /* array: append (7.2.2) */
  v.key.ptr = key;
  v.key.len = key_len;
  v.value.ptr = (const uint8_t *)value;
  v.value.len = strlen(value);
  ck_assert_int_eq(rl_ops_store_req(live_w.cred[value_signer], resource, LIVE_ID_LEN, kind,
                                    k->model, 0, &v, 1, 600, wall_ms(), arena, &body->store_req),
                   0);
}

/* ---------- reading answers ---------- */

typedef struct msg_wait {
  live_atk *a;
  uint64_t txid;
  int by_code;  /* match code instead of txid */
  rl_MessageCode code;
  size_t found; /* index + 1 */
} msg_wait;

/* The message code of a whole message: after the ForwardingHeader. */
static int inbox_code(const live_msg *m, rl_MessageCode *code) {
  uint8_t mem[4096];
  rl_arena a;
  rl_ctx ctx;
  rl_ForwardingHeader fh;
  rl_arena_init(&a, mem, sizeof mem);
  if (!m->bytes || rl_msg_parse_header(m->bytes, m->len, &a, &live_w.params, &ctx, &fh) != 0 ||
      fh.raw.len + 2 > m->len)
    return 0;
  *code = (rl_MessageCode)(m->bytes[fh.raw.len] << 8 | m->bytes[fh.raw.len + 1]);
  return 1;
}

static int inbox_txid(const live_msg *m, uint64_t *txid) {
  rl_message_peek pk;
  if (!m->bytes || rl_message_peek_header(m->bytes, m->len, &pk) != 0) return 0;
  *txid = pk.transaction_id;
  return 1;
}

static int msg_arrived(void *arg) {
  msg_wait *w = arg;
  for (size_t i = 0; i < w->a->ninbox; i++) {
    uint64_t t;
    rl_MessageCode c;
    if (w->by_code ? inbox_code(&w->a->inbox[i], &c) && c == w->code
                   : inbox_txid(&w->a->inbox[i], &t) && t == w->txid) {
      w->found = i + 1;
      return 1;
    }
  }
  return 0;
}

static int wait_for(msg_wait *w, int timeout_ms, live_ans *out) {
  live_atk *a = w->a;
  rl_ctx ctx;
  rl_cert_set certs;
  rl_signer_info who;
  rl_sec_error e;
  char eb[256];
  int rc;
  memset(out, 0, sizeof *out);
  if (!live_pump_until(msg_arrived, w, timeout_ms)) return 0;
  /* Take it out of the inbox: the next wait finds the next one. */
  out->bytes = a->inbox[w->found - 1].bytes;
  out->len = a->inbox[w->found - 1].len;
  a->inbox[w->found - 1].bytes = NULL;
  rl_arena_init(&out->arena, out->mem, sizeof out->mem);
  rl_ctx_init(&ctx, &out->arena, &live_w.params);
  rc = rl_message_parse(out->bytes, out->len, &ctx, &out->m);
  ck_assert_msg(rc == 0, "the message of txid %016llx does not decode: %s",
                (unsigned long long)w->txid, rl_errinfo_format(&ctx.err, eb, sizeof eb));
  /* 6.3.4: every message is signed; check it as a receiver would. */
  memset(&e, 0, sizeof e);
  rl_cert_set_init(&certs);
  rc = rl_cert_set_add_security_block(&certs, &out->m.security_block, &e);
  if (rc == 0) rc = rl_find_signer(&certs, &out->m.security_block.signature.identity, &who, &e);
  if (rc == 0) rc = rl_trust_verify(live_w.trust, who.cert, NULL, 0, &e);
  if (rc == 0) rc = rl_verify_message(&out->m, &certs, &who, &e);
  if (rc == 0 && who.node_id_len == LIVE_ID_LEN) {
    out->verified = 1;
    memcpy(out->signer, who.node_id, LIVE_ID_LEN);
  }
  rl_cert_set_clear(&certs);
  return 1;
}

int live_wait(live_atk *a, uint64_t txid, int timeout_ms, live_ans *out) {
  msg_wait w = {a, txid, 0, 0, 0};
  return wait_for(&w, timeout_ms, out);
}

int live_wait_code(live_atk *a, rl_MessageCode code, int timeout_ms, live_ans *out) {
  msg_wait w = {a, 0, 1, code, 0};
  return wait_for(&w, timeout_ms, out);
}

void live_ans_clear(live_ans *out) {
  free(out->bytes);
  out->bytes = NULL;
}

size_t live_count(const live_atk *a, uint64_t txid) {
  size_t k = 0;
  for (size_t i = 0; i < a->ninbox; i++) {
    uint64_t t;
    if (inbox_txid(&a->inbox[i], &t) && t == txid) k++;
  }
  return k;
}

int live_error_code(const live_ans *ans) {
  if (ans->m.message_contents.message_code != RL_MessageCode_error) return 0;
  return (int)ans->m.message_contents.message_body.error.error_code;
}

int live_exchange(live_atk *a, const live_req *r, int timeout_ms) {
  live_ans *ans = malloc(sizeof *ans);
  int code = 0;
  ck_assert(ans != NULL);
  live_send(a, r);
  if (live_wait(a, r->txid, timeout_ms, ans)) {
    /* Answers come from the peer, signed (6.3.4), with our transaction ID
     * (6.3.2). */
    ck_assert_msg(ans->verified, "the answer is not signed by a trusted certificate");
    code = ans->m.message_contents.message_code;
    if (code == RL_MessageCode_error) code = LIVE_ERR(live_error_code(ans));
    live_ans_clear(ans);
  }
  free(ans);
  return code;
}

int live_ping(live_atk *a, int to, int timeout_ms) {
  live_req r;
  int code;
  live_req_init(&r, LIVE_ALICE, to, RL_MessageCode_ping_req);
  r.signer = a->cred;
  code = live_exchange(a, &r, timeout_ms);
  return code;
}
