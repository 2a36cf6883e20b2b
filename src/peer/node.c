/* peer/node.c: the node's core: the Connection Table, message receipt
 * and forwarding (RFC 6940 6.1), symmetric recursive routing (6.2),
 * transactions with end-to-end retransmission (6.2.1), signing and
 * verification (6.3.4), and the events that drive them (peer/node.h).
 * No I/O: sends, connects and closes are actions (peer/actq.h). */
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
#include "peer/linkproto.h"
#include "runtime/cursor.h"

#define RL_VERSION_1_0 0x0a

/* ---------- small things ---------- */

uint64_t rl_node_now(const rl_node *n) { return rl_node_ms(n); }
uint64_t rl_node_now_us(const rl_node *n) { return n->now_us; }

/* An event brings the time; it never goes back (a caller's clock that
 * does is held where it was). */
static void set_time(rl_node *n, uint64_t now_us) {
  if (now_us > n->now_us) n->now_us = now_us;
}

/* xorshift64*: transaction IDs must be random (6.3.2); the generator is
 * seeded from the system's random source unless a test fixes the seed. */
uint64_t rl_node_random(rl_node *n) {
  uint64_t x = n->rng;
  x ^= x >> 12;
  x ^= x << 25;
  x ^= x >> 27;
  n->rng = x;
  return x * 0x2545F4914F6CDD1Dull;
}

void rl_node_log(const rl_node *n, int level, const char *fmt, ...) {
  va_list ap;
  char idhex[RL_HEXBUF];
  if (!n->opt.log || level > n->opt.verbosity) return;
  fprintf(n->opt.log, "%llu %s %s: ", (unsigned long long)(rl_node_ms(n) - n->start_ms),
          rl_node_hex(n->self.b, n->id_len, idhex),
          level == 0 ? "error" : level == 1 ? "info" : level == 2 ? "msg" : "debug");
  va_start(ap, fmt);
  vfprintf(n->opt.log, fmt, ap);
  va_end(ap);
  fputc('\n', n->opt.log);
  fflush(n->opt.log);
}

const char *rl_node_hex(const uint8_t *id, size_t len, char *buf) {
  static const char hx[] = "0123456789abcdef";
  size_t i;
  if (len > 20) len = 20;
  for (i = 0; i < len; i++) {
    buf[2 * i] = hx[id[i] >> 4];
    buf[2 * i + 1] = hx[id[i] & 15];
  }
  buf[2 * len] = 0;
  return buf;
}

static const char *code_name(rl_MessageCode c) {
  const char *s = rl_MessageCode_name(c);
  return s ? s : "unknown_code";
}

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

/* ---------- the Connection Table ---------- */

rl_conn *rl_node_conn_by_id(rl_node *n, const uint8_t *id) {
  size_t i;
  rl_conn *best = NULL;
  for (i = 0; i < RL_NODE_MAX_CONNS; i++) {
    rl_conn *c = &n->conns[i];
    if (!c->used || !c->bound || memcmp(c->id.b, id, n->id_len) != 0) continue;
    if (c->up) return c;
    if (!best) best = c;
  }
  return best;
}

rl_conn *rl_node_conn_by_key(rl_node *n, uint64_t key) {
  for (size_t i = 0; i < RL_NODE_MAX_CONNS; i++)
    if (n->conns[i].used && n->conns[i].key == key) return &n->conns[i];
  return NULL;
}

rl_conn *rl_node_conn_new(rl_node *n, int outgoing) {
  size_t i;
  for (i = 0; i < RL_NODE_MAX_CONNS; i++)
    if (!n->conns[i].used) {
      rl_conn *c = &n->conns[i];
      memset(c, 0, sizeof *c);
      c->used = 1;
      c->outgoing = outgoing;
      c->key = ++n->next_conn_key;
      rl_bucket_init(&c->budget, n->opt.link_rate, n->opt.link_burst, rl_node_ms(n));
      return c;
    }
  return NULL;
}

rl_conn *rl_node_connect(rl_node *n, const struct sockaddr *addr, socklen_t len) {
  rl_conn *c = rl_node_conn_new(n, 1);
  if (!c) return NULL;
  if (rl_actq_connect(&n->actions, c->key, addr, len) != 0) {
    c->used = 0;
    return NULL;
  }
  return c;
}

void rl_node_close(rl_node *n, rl_conn *c) {
  if (c && c->used) rl_actq_close(&n->actions, c->key);
}

/* Bind a conn to the Node-ID its certificate carries (11.3: a node's
 * certificate holds its Node-IDs; ours hold one). */
static void conn_bind_cert(rl_node *n, rl_conn *c, const rl_cert *cert) {
  if (!cert || c->bound) return;
  if (cert->n_node_ids >= 1 && cert->node_id_len == n->id_len) {
    memcpy(c->id.b, cert->node_ids[0], n->id_len);
    c->bound = 1;
  }
}

static void conn_bound_event(rl_node *n, rl_conn *c);

/* ---------- sending ---------- */

struct frag_to {
  rl_node *n;
  uint64_t link;
};

static int frag_emit(void *user, const uint8_t *frag, size_t len) {
  struct frag_to *t = user;
  return rl_actq_send(&t->n->actions, t->link, frag, len);
}

/* Send an encoded message down a link, in fragments when it is larger
 * than max-message-size (6.7). */
static int conn_send(rl_node *n, rl_conn *c, const uint8_t *msg, size_t len) {
  struct frag_to t;
  if (!c || !c->used) return RL_ERR_STATE;
  if (len <= n->max_msg) return rl_actq_send(&n->actions, c->key, msg, len);
  t.n = n;
  t.link = c->key;
  return rl_fragment_split(msg, len, n->max_msg, frag_emit, &t);
}

static void process_message(rl_node *n, rl_conn *from, const uint8_t *msg, size_t len);

/* Messages from this node to itself (a request for a Resource-ID it is
 * responsible for, and its answer) go through the receive path too, but
 * from the loop, not from inside the handler that sent them: a handler's
 * decoded request lives in the arena that receiving resets. */
static int local_enqueue(rl_node *n, const uint8_t *msg, size_t len) {
  uint8_t *copy;
  if (n->nlocal >= RL_NODE_LOCAL_QUEUE) return RL_ERR_NOMEM;
  copy = malloc(len);
  if (!copy) return RL_ERR_NOMEM;
  memcpy(copy, msg, len);
  n->local[n->nlocal].bytes = copy;
  n->local[n->nlocal].len = len;
  n->nlocal++;
  return 0;
}

static void local_drain(rl_node *n) {
  while (n->nlocal > 0) {
    uint8_t *b = n->local[0].bytes;
    size_t len = n->local[0].len;
    n->nlocal--;
    memmove(&n->local[0], &n->local[1], n->nlocal * sizeof n->local[0]);
    process_message(n, NULL, b, len);
    free(b);
    rl_node_chord_actions(n);
  }
}

/* Where a message whose Destination List starts with d goes next: a conn,
 * or *local set when this node is the destination. */
static rl_conn *next_hop(rl_node *n, const rl_Destination *d, int *local) {
  rl_nodeid nh;
  const uint8_t *id = NULL;
  *local = 0;
  if (d->compressed || d->type == RL_DestinationType_opaque_id_type) return NULL;
  if (d->type == RL_DestinationType_node) {
    id = d->destination_data.node_id.ptr;
    if (d->destination_data.node_id.len != n->id_len) return NULL;
    if (memcmp(id, n->self.b, n->id_len) == 0) {
      *local = 1;
      return NULL;
    }
    rl_conn *c = rl_node_conn_by_id(n, id);
    if (c) return c; /* 6.1.2: directly connected: send it there */
  } else if (d->type == RL_DestinationType_resource) {
    id = d->destination_data.resource_id.ptr;
    if (d->destination_data.resource_id.len != n->id_len) return NULL;
  } else {
    return NULL;
  }
  if (n->opt.client) {
    /* A client sends everything through its peer (4.2). */
    for (size_t i = 0; i < RL_NODE_MAX_CONNS; i++)
      if (n->conns[i].used && n->conns[i].up && n->conns[i].bound) return &n->conns[i];
    return NULL;
  }
  switch (rl_chord_next_hop(n->chord, id, &nh)) {
  case RL_CHORD_LOCAL:
    *local = 1;
    return NULL;
  case 0:
    return rl_node_conn_by_id(n, nh.b);
  default:
    return NULL;
  }
}

/* Send a message we built (request or answer) towards dest[0]. */
static int route_out(rl_node *n, const rl_Destination *dest, size_t ndest, const uint8_t *msg,
                     size_t len) {
  int local = 0;
  rl_conn *c;
  if (ndest == 0) return RL_ERR_PARAM;
  c = next_hop(n, &dest[0], &local);
  if (local) return local_enqueue(n, msg, len);
  if (!c) return RL_ERR_STATE;
  return conn_send(n, c, msg, len);
}

static void node_sign_fail(rl_node *n, const char *what, const rl_sec_error *e) {
  rl_node_log(n, 0, "cannot build %s: %s", what, e->text[0] ? e->text : rl_strerror(e->code));
}

/* Encode a message of ours into buf. Returns its length or 0. */
static size_t encode_signed(rl_node *n, uint8_t *buf, const rl_msg_out *m) {
  rl_writer w;
  rl_sec_error e;
  memset(&e, 0, sizeof e);
  rl_writer_init(&w, buf, n->out_cap, NULL);
  if (rl_msg_encode_signed(&w, m, n->sign_as ? n->sign_as : n->cred, n->extra_certs, n->nextra,
                           &e) != 0 ||
      w.err) {
    if (!e.code) e.code = w.err ? w.err : RL_ERR_BUFFER;
    node_sign_fail(n, code_name(m->message_code), &e);
    return 0;
  }
  return w.len;
}

static rl_txn *txn_new(rl_node *n) {
  for (size_t i = 0; i < RL_NODE_MAX_TXNS; i++)
    if (!n->txns[i].used) {
      memset(&n->txns[i], 0, sizeof n->txns[i]);
      n->txns[i].used = 1;
      return &n->txns[i];
    }
  return NULL;
}


int rl_node_send_request(rl_node *n, const rl_Destination *dest, size_t ndest, rl_MessageCode code,
                         const rl_MessageBody *body, rl_txn_kind k, rl_txn **out) {
  rl_msg_out m;
  rl_txn *t;
  size_t len;
  int rc;
  if (out) *out = NULL;
  if (ndest == 0) return RL_ERR_PARAM;
  t = txn_new(n);
  if (!t) return RL_ERR_NOMEM;
  memset(&m, 0, sizeof m);
  m.overlay = n->overlay;
  m.configuration_sequence = n->cfg->has_sequence ? n->cfg->sequence : 0;
  m.ttl = n->cfg->initial_ttl;
  do t->id = rl_node_random(n); while (t->id == 0);
  m.transaction_id = t->id;
  m.destination_list = dest;
  m.destination_count = ndest;
  m.message_code = code;
  m.body = body;
  len = encode_signed(n, n->out, &m);
  if (!len) {
    t->used = 0;
    return RL_ERR_BUFFER;
  }
  t->bytes = malloc(len);
  if (!t->bytes) {
    t->used = 0;
    return RL_ERR_NOMEM;
  }
  memcpy(t->bytes, n->out, len);
  t->len = len;
  t->kind = k;
  t->sent = 1;
  t->started_ms = rl_node_ms(n);
  t->started_us = n->now_us;
  t->next_ms = t->started_ms + n->cfg->reliability_timer;
  if (dest[0].type == RL_DestinationType_node && !dest[0].compressed &&
      dest[0].destination_data.node_id.len == n->id_len) {
    memcpy(t->first_hop.b, dest[0].destination_data.node_id.ptr, n->id_len);
    t->first_hop_node = 1;
  }
  n->st.requests_out++;
  if (out) *out = t;
  {
    char hx[RL_HEXBUF];
    const rl_bytes *id = dest[ndest - 1].type == RL_DestinationType_resource
                             ? &dest[ndest - 1].destination_data.resource_id
                             : &dest[ndest - 1].destination_data.node_id;
    rl_node_log(n, 2, "send %s txid %016llx to %s (%zu bytes)", code_name(code),
                (unsigned long long)t->id,
                id->len <= 20 && !dest[ndest - 1].compressed ? rl_node_hex(id->ptr, id->len, hx) : "?",
                len);
  }
  rc = route_out(n, dest, ndest, t->bytes, t->len);
  if (rc != 0 && rc != RL_ERR_STATE) {
    /* Could not even queue it: the retransmission timer will retry. */
    rl_node_log(n, 1, "send %s: %s", code_name(code), rl_strerror(rc));
  }
  if (rc == RL_ERR_STATE) {
    /* No route at all right now: retry with the timer; the caller learns
     * of the failure when the transaction times out. */
    rl_node_log(n, 2, "no route yet for %s", code_name(code));
  }
  return 0;
}

int rl_node_request(rl_node *n, const rl_Destination *dest, size_t ndest, rl_MessageCode code,
                    const rl_MessageBody *body, rl_node_answer_fn cb, void *user) {
  return rl_node_request_as(n, NULL, dest, ndest, code, body, cb, user);
}

int rl_node_request_as(rl_node *n, const rl_credentials *signer, const rl_Destination *dest,
                       size_t ndest, rl_MessageCode code, const rl_MessageBody *body,
                       rl_node_answer_fn cb, void *user) {
  rl_txn *t;
  int rc;
  if (signer && (!signer->cert || !rl_cert_has_node_id(signer->cert, n->self.b, n->id_len)))
    return RL_ERR_PARAM;
  /* 6.3.4: the certificates needed to verify the values go along. */
  n->nextra = 0;
  if (code == RL_MessageCode_store_req) rl_node_extra_certs_store_req(n, &body->store_req);
  if (signer) {
    /* The signer's own certificate leads the security block already. */
    size_t k = 0;
    for (size_t i = 0; i < n->nextra; i++)
      if (n->extra_certs[i] != signer->cert) n->extra_certs[k++] = n->extra_certs[i];
    n->nextra = k;
    n->sign_as = signer;
  }
  rc = rl_node_send_request(n, dest, ndest, code, body, RL_TXN_APP, &t);
  n->sign_as = NULL;
  n->nextra = 0;
  if (rc) return rc;
  t->cb = cb;
  t->user = user;
  return 0;
}

/* Remember an answer for retransmitted requests (6.2.1). */
static void resp_cache_put(rl_node *n, uint64_t txid, const uint8_t *msg, size_t len) {
  rl_resp_cache *r = &n->resp[n->resp_next];
  uint8_t *copy = malloc(len);
  if (!copy) return;
  memcpy(copy, msg, len);
  free(r->bytes);
  r->bytes = copy;
  r->len = len;
  r->txid = txid;
  r->when = rl_node_ms(n);
  n->resp_next = (n->resp_next + 1) % RL_NODE_RESP_CACHE;
}

static const rl_resp_cache *resp_cache_get(rl_node *n, uint64_t txid) {
  uint64_t now = rl_node_ms(n);
  for (size_t i = 0; i < RL_NODE_RESP_CACHE; i++) {
    rl_resp_cache *r = &n->resp[i];
    if (r->bytes && r->txid == txid && now - r->when < RL_NODE_REQUEST_LIFETIME_MS) return r;
  }
  return NULL;
}

/* The prev-hop Destination of a conn. */
static void conn_dest(rl_node *n, const rl_conn *c, rl_Destination *d) {
  rl_dest_node(d, c->id.b, n->id_len);
}

/* An answer larger than the largest message this node builds (a Fetch of
 * a whole large dictionary, say): never silence. The requester learns it
 * and can ask for fewer values (reload-client fetches in parts then).
 * Error_Response_Too_Large is the error for a response that is too large
 * (6.3.3.1). m becomes that error; its encoded length, or 0. */
static size_t encode_too_large(rl_node *n, rl_msg_out *m) {
  static rl_MessageBody eb;
  static char text[160];
  snprintf(text, sizeof text,
           "the %s does not fit the largest message this peer sends (%zu bytes); "
           "ask for fewer values", code_name(m->message_code), n->out_cap);
  rl_msg_error_body(&eb, RL_ErrorCode_Error_Response_Too_Large, text);
  m->message_code = RL_MessageCode_error;
  m->body = &eb;
  n->nextra = 0;
  return encode_signed(n, n->out2, m);
}

static int answer_with(rl_node *n, rl_conn *c, const rl_ForwardingHeader *fh, rl_MessageCode code,
                       const rl_MessageBody *body) {
  rl_Destination prev, *dest = NULL, self_dest;
  uint8_t wildcard[RL_NODEID_MAX_LEN];
  size_t ndest = 0;
  rl_ForwardingOption *opts = NULL;
  size_t nopts = 0;
  rl_msg_out m;
  size_t len;
  int rc;
  /* Answers are built while the request's decode lives in the arena: take
   * the scratch end of it for the lists. */
  rl_arena *a = &n->arena;
  if (c && c->bound) {
    conn_dest(n, c, &prev);
    rc = rl_msg_response_destinations(fh, &prev, a, &dest, &ndest);
  } else if (c) {
    /* A link whose far end has not shown its Node-ID yet: a plain TCP
     * link before its first verified message (an oversized first message,
     * 6.6, is refused before its signature arrives). The answer still goes
     * back over the link it came on (6.2.2: the Via List reversed, then
     * the previous hop). The previous hop can only be named by the
     * wildcard Node-ID, which "A peer is always responsible for" and which
     * "is never forwarded; it is consumed locally" (6.1.1, 6.1.2): right
     * when the request started there (empty Via List). Otherwise the
     * reversed Via List alone: the previous hop routes it on to the first
     * entry, the node it took the request from. */
    rc = rl_msg_response_destinations(fh, NULL, a, &dest, &ndest);
    if (rc == 0 && ndest == 0) {
      memset(wildcard, 0xff, n->id_len);
      rl_dest_node(&self_dest, wildcard, n->id_len);
      dest = &self_dest;
      ndest = 1;
    }
  } else {
    /* Our own request, answered by ourselves. */
    rc = rl_msg_response_destinations(fh, NULL, a, &dest, &ndest);
    if (rc == 0 && ndest == 0) {
      rl_dest_node(&self_dest, n->self.b, n->id_len);
      dest = &self_dest;
      ndest = 1;
    }
  }
  if (rc) return rc;
  if (RL_BROKEN(n, RL_BREAK_DEST_NOT_REVERSED) && ndest > 2)
    for (size_t i = 1, j = ndest - 1; i < j; i++, j--) {
      rl_Destination t = dest[i];
      dest[i] = dest[j];
      dest[j] = t;
    }
  rc = rl_msg_response_options(fh, a, &opts, &nopts);
  if (rc) return rc;
  if (RL_BROKEN(n, RL_BREAK_NO_RESPONSE_COPY)) nopts = 0;
  memset(&m, 0, sizeof m);
  m.overlay = n->overlay;
  m.configuration_sequence = n->cfg->has_sequence ? n->cfg->sequence : 0;
  m.ttl = n->cfg->initial_ttl;
  m.transaction_id = RL_BROKEN(n, RL_BREAK_FRESH_TXID) ? rl_node_random(n) : fh->transaction_id;
  m.no_certificates = RL_BROKEN(n, RL_BREAK_NO_MESSAGE_CERT);
  m.destination_list = dest;
  m.destination_count = ndest;
  m.options = opts;
  m.options_count = nopts;
  m.message_code = code;
  m.body = body;
  len = encode_signed(n, n->out2, &m);
  if (!len && code != RL_MessageCode_error) len = encode_too_large(n, &m);
  if (!len) return RL_ERR_BUFFER;
  /* 6.3.2: max_response_length: a response that would exceed it becomes
   * Error_Incompatible_with_Overlay. */
  if (fh->max_response_length && len > fh->max_response_length && code != RL_MessageCode_error &&
      !RL_BROKEN(n, RL_BREAK_IGNORE_MAX_RESPONSE)) {
    rl_MessageBody eb;
    char text[96];
    snprintf(text, sizeof text, "response of %zu bytes exceeds max_response_length %u", len,
             (unsigned)fh->max_response_length);
    rl_msg_error_body(&eb, RL_ErrorCode_Error_Incompatible_with_Overlay, text);
    m.message_code = RL_MessageCode_error;
    m.body = &eb;
    len = encode_signed(n, n->out2, &m);
    if (!len) return RL_ERR_BUFFER;
  }
  /* 6.2.1: answers to retransmissions come from the cache. Only answers
   * to verified requests that succeeded are kept: an error (a forged copy
   * refused with Error_Forbidden, say) must not stand in for the answer
   * to the genuine request with the same transaction ID. */
  if (m.message_code == RL_MessageCode_error)
    n->st.errors_out++;
  else
    resp_cache_put(n, fh->transaction_id, n->out2, len);
  if (RL_BROKEN(n, RL_BREAK_BAD_ANSWER_SIGNATURE)) n->out2[len - 1] ^= 0x01; /* its last byte */
  rl_node_log(n, 2, "answer %s txid %016llx (%zu bytes)", code_name(m.message_code),
              (unsigned long long)fh->transaction_id, len);
  if (!c) return local_enqueue(n, n->out2, len);
  return conn_send(n, c, n->out2, len);
}

int rl_node_reply(rl_node *n, rl_conn *c, const rl_Message *m, rl_MessageCode code,
                   const rl_MessageBody *body) {
  return answer_with(n, c, &m->forwarding_header, code, body);
}

int rl_node_reply_header(rl_node *n, rl_conn *c, const rl_ForwardingHeader *fh,
                         rl_MessageCode code, const rl_MessageBody *body) {
  return answer_with(n, c, fh, code, body);
}

int rl_node_reply_error(rl_node *n, rl_conn *c, const rl_ForwardingHeader *fh, rl_ErrorCode code,
                         const char *fmt, ...) {
  char text[512];
  va_list ap;
  rl_MessageBody body;
  va_start(ap, fmt);
  vsnprintf(text, sizeof text, fmt, ap);
  va_end(ap);
  rl_node_log(n, 1, "error %s to txid %016llx: %s",
              rl_ErrorCode_name(code) ? rl_ErrorCode_name(code) : "?",
              (unsigned long long)fh->transaction_id, text);
  rl_msg_error_body(&body, code, text);
  return answer_with(n, c, fh, RL_MessageCode_error, &body);
}

int rl_node_reply_unknown_kinds(rl_node *n, rl_conn *c, const rl_ForwardingHeader *fh,
                                 const rl_KindId *kinds, size_t nkinds) {
  rl_MessageBody body;
  memset(&body, 0, sizeof body);
  rl_msg_error_unknown_kinds(&body, kinds, nkinds);
  rl_node_log(n, 1, "error Error_Unknown_Kind to txid %016llx: %zu kind(s), first %u",
              (unsigned long long)fh->transaction_id, nkinds, nkinds ? (unsigned)kinds[0] : 0);
  return answer_with(n, c, fh, RL_MessageCode_error, &body);
}

/* ---------- receiving ---------- */

static int opt_known(const rl_ForwardingOption *o) {
  /* The codec knows the option types of the specs it was built from
   * (RFC 7263's ExtensiveRoutingModeOption); the peer implements none of
   * them, so for the critical flags every option is "not understood". */
  (void)o;
  return 0;
}

/* 6.3.2.3: the first option with `flag` set that we do not understand. */
static const rl_ForwardingOption *critical_option(const rl_ForwardingHeader *fh, uint8_t flag) {
  for (size_t i = 0; i < fh->options_count; i++)
    if ((fh->options[i].flags & flag) && !opt_known(&fh->options[i])) return &fh->options[i];
  return NULL;
}

/* The message code of an unfragmented message (or a first fragment),
 * read without decoding: it follows the forwarding header. -1 if unknown. */
static int peek_code(const rl_ForwardingHeader *fh, const uint8_t *msg, size_t len) {
  size_t off = fh->raw.len;
  if ((fh->fragment & RL_FRAGMENT_OFFSET_MASK) != 0 || off + 2 > len) return -1;
  return (msg[off] << 8) | msg[off + 1];
}

/* Forward a message whose Destination List, after this node's work, is
 * dest[0..ndest) (6.1.2). */
static void forward(rl_node *n, rl_conn *from, const uint8_t *msg, size_t len,
                    const rl_ForwardingHeader *fh, const rl_Destination *dest, size_t ndest,
                    rl_conn *to, int code) {
  rl_Destination *via;
  size_t nvia = fh->via_list_count;
  rl_writer w;
  int request = code < 0 || rl_node_is_request_code((rl_MessageCode)code);
  int whole = rl_message_is_whole(fh->fragment);
  uint8_t ttl = fh->ttl;
  const rl_ForwardingOption *crit;

  if (n->opt.client) {
    n->st.dropped++;
    return; /* clients never route (4.2) */
  }
  if (ttl == 0 && !RL_BROKEN(n, RL_BREAK_IGNORE_TTL)) {
    /* 6.3.2: not propagated further; Error_TTL_Exceeded. Checked before
     * the loop check below: a message that would go back where it came
     * from is not "destined for the receiving node" either. */
    n->st.dropped++;
    if (request && code >= 0)
      rl_node_reply_error(n, from, fh,
                           RL_BROKEN(n, RL_BREAK_WRONG_TTL_ERROR) ? RL_ErrorCode_Error_Not_Found
                                                                  : RL_ErrorCode_Error_TTL_Exceeded,
                           "TTL reached 0 at this peer");
    return;
  }
  if (to == from && from) {
    /* Back where it came from would loop between the two of us until the
     * TTL runs out: drop it; the originator retransmits (6.2.1) once the
     * routing tables agree again. */
    rl_node_log(n, 2, "drop txid %016llx: next hop is the previous hop",
                (unsigned long long)fh->transaction_id);
    n->st.dropped++;
    return;
  }
  if (request && (crit = critical_option(fh, RL_FORWARD_CRITICAL)) != NULL) {
    n->st.dropped++;
    if (code >= 0)
      rl_node_reply_error(n, from, fh, RL_ErrorCode_Error_Unsupported_Forwarding_Option,
                           "forwarding option type %u is FORWARD_CRITICAL and not supported",
                           (unsigned)crit->type);
    return;
  }
  /* 6.1.2: append the previous hop to the Via List; compress a long one
   * into a 16-bit opaque ID (6.3.2.2) on whole requests. */
  via = rl_arena_alloc_array(&n->arena, nvia + 1, sizeof *via);
  if (!via) return;
  memcpy(via, fh->via_list, nvia * sizeof *via);
  if (from && from->bound) {
    rl_dest_node(&via[nvia++], from->id.b, n->id_len);
    if (request) rl_node_guard_forwarded(n, from, fh);
  }
  if (whole && request && nvia >= 4 && n->viatab) {
    uint16_t oid;
    if (rl_viatab_save(n->viatab, via, nvia, rl_node_ms(n), &oid) == 0) {
      rl_dest_compressed(&via[0], oid);
      nvia = 1;
    }
  }
  if (ttl > 0) ttl--;
  rl_writer_init(&w, n->out2, n->out_cap, NULL);
  if (rl_msg_rewrite(&w, msg, len, fh, ttl, via, nvia, dest, ndest) != 0 || w.err) {
    rl_node_log(n, 1, "cannot forward txid %016llx: %s", (unsigned long long)fh->transaction_id,
                rl_strerror(w.err ? w.err : RL_ERR_BUFFER));
    n->st.dropped++;
    return;
  }
  n->st.forwarded++;
  rl_node_log(n, 3, "forward txid %016llx ttl %u", (unsigned long long)fh->transaction_id, ttl);
  if (conn_send(n, to, n->out2, w.len) != 0) n->st.dropped++;
}

static void deliver_local(rl_node *n, rl_conn *from, const uint8_t *msg, size_t len,
                          const rl_ForwardingHeader *fh0);

static int dest_raw_cmp(const void *a, const void *b) {
  const rl_Destination *x = *(const rl_Destination *const *)a;
  const rl_Destination *y = *(const rl_Destination *const *)b;
  if (x->raw.len != y->raw.len) return x->raw.len < y->raw.len ? -1 : 1;
  return memcmp(x->raw.ptr, y->raw.ptr, x->raw.len);
}

/* 13.6.5: does the Destination List name an entry twice (the same wire
 * bytes)? Sorted, so that a list of thousands of 2-byte compressed
 * entries costs n log n, not n^2; the pointers live in the arena. A list
 * too long for the arena counts as a duplicate: it is refused, not
 * routed unchecked. */
static int dest_list_has_duplicate(rl_node *n, const rl_ForwardingHeader *fh) {
  size_t k = fh->destination_list_count;
  const rl_Destination **v;
  if (k < 2) return 0;
  v = rl_arena_alloc_array(&n->arena, k, sizeof *v);
  if (!v) return 1;
  for (size_t i = 0; i < k; i++) v[i] = &fh->destination_list[i];
  qsort(v, k, sizeof *v, dest_raw_cmp);
  for (size_t i = 1; i < k; i++)
    if (dest_raw_cmp(&v[i - 1], &v[i]) == 0) return 1;
  return 0;
}

/* 6.1: examine the Destination List and forward or consume. */
static void process_message(rl_node *n, rl_conn *from, const uint8_t *msg, size_t len) {
  rl_ForwardingHeader fh;
  rl_ctx ctx;
  const rl_Destination *dest;
  rl_Destination *expanded;
  size_t ndest, i;
  int code, local = 0;
  rl_conn *to;

  rl_arena_reset(&n->arena);
  n->nunknown = 0;
  if (rl_msg_parse_header(msg, len, &n->arena, &n->params, &ctx, &fh) != 0) {
    /* Without a header there is nobody to answer (6.1). */
    char eb[256];
    rl_node_log(n, 1, "drop a message: forwarding header: %s",
                rl_errinfo_format(&ctx.err, eb, sizeof eb));
    n->st.dropped++;
    return;
  }
  if (!(fh.fragment & RL_FRAGMENT_HIGH_BIT) && !RL_BROKEN(n, RL_BREAK_FRAGMENT_LOW_BIT)) {
    /* 6.7: "Because messages MUST be set with the high bit set to 1,
     * implementations SHOULD discard any message with it set to 0." */
    rl_node_log(n, 1, "drop txid %016llx: fragment field %08x without its high bit",
                (unsigned long long)fh.transaction_id, (unsigned)fh.fragment);
    n->st.dropped++;
    return;
  }
  code = peek_code(&fh, msg, len);
  if (fh.overlay != n->overlay && !RL_BROKEN(n, RL_BREAK_IGNORE_OVERLAY)) {
    /* 6.1, 6.3.2: another overlay: discard. */
    rl_node_log(n, 1, "drop txid %016llx: overlay %08x is not ours (%08x)",
                (unsigned long long)fh.transaction_id, (unsigned)fh.overlay, (unsigned)n->overlay);
    n->st.dropped++;
    return;
  }
  if (rl_node_guard_budget(n, from, &fh, code)) return;
  if (fh.version != RL_VERSION_1_0 && !RL_BROKEN(n, RL_BREAK_IGNORE_VERSION)) {
    /* 6.3.2: "Nodes MUST reject messages with other versions." */
    n->st.dropped++;
    if (code >= 0 && rl_node_is_request_code((rl_MessageCode)code))
      rl_node_reply_error(n, from, &fh, RL_ErrorCode_Error_Incompatible_with_Overlay,
                           "RELOAD version 0x%02x is not supported (0x0a)", (unsigned)fh.version);
    return;
  }
  if (fh.ttl > n->cfg->initial_ttl && !RL_BROKEN(n, RL_BREAK_TTL_ABOVE_INITIAL)) {
    /* 6.3.2: a TTL above initial-ttl: discard, Error_TTL_Exceeded. */
    n->st.dropped++;
    if (code >= 0 && rl_node_is_request_code((rl_MessageCode)code))
      rl_node_reply_error(n, from, &fh, RL_ErrorCode_Error_TTL_Exceeded,
                           "TTL %u exceeds the overlay's initial-ttl %u", (unsigned)fh.ttl,
                           (unsigned)n->cfg->initial_ttl);
    return;
  }
  if (!RL_BROKEN(n, RL_BREAK_DUPLICATE_DEST) && dest_list_has_duplicate(n, &fh)) {
    /* 13.6.5: "implementations SHOULD check the Destination List for
     * duplicate entries and discard such records with an
     * Error_Invalid_Message error" (loops as an attack). */
    n->st.dropped++;
    if (code >= 0 && rl_node_is_request_code((rl_MessageCode)code))
      rl_node_reply_error(n, from, &fh, RL_ErrorCode_Error_Invalid_Message,
                           "the Destination List has an entry twice (RFC 6940 13.6.5)");
    else
      rl_node_log(n, 1, "drop txid %016llx: an entry twice in the Destination List",
                  (unsigned long long)fh.transaction_id);
    return;
  }
  dest = fh.destination_list;
  ndest = fh.destination_list_count;
  i = 0;
  for (int rounds = 0; rounds < 8; rounds++) {
    const rl_Destination *d;
    if (i >= ndest) {
      /* Every entry consumed: the last one was this node (6.1.1). */
      local = 1;
      break;
    }
    d = &dest[i];
    if (d->compressed || d->type == RL_DestinationType_opaque_id_type) {
      /* 6.1.3: ours to expand; the saved Via List, reversed, replaces it. */
      const rl_Destination *saved;
      size_t nsaved;
      uint16_t oid = d->compressed ? d->opaque_id : 0;
      if (!d->compressed) {
        if (d->destination_data.opaque_id.len != 2) goto drop;
        oid = (uint16_t)(d->destination_data.opaque_id.ptr[0] << 8 |
                         d->destination_data.opaque_id.ptr[1]);
      }
      if (!n->viatab || rl_viatab_lookup(n->viatab, oid, rl_node_ms(n), &saved, &nsaved) != 0)
        goto drop; /* 6.3.2.2: stale: silently dropped */
      expanded = rl_arena_alloc_array(&n->arena, nsaved + (ndest - i - 1), sizeof *expanded);
      if (!expanded) goto drop;
      for (size_t k = 0; k < nsaved; k++) expanded[k] = saved[nsaved - 1 - k];
      memcpy(expanded + nsaved, dest + i + 1, (ndest - i - 1) * sizeof *expanded);
      dest = expanded;
      ndest = nsaved + (ndest - i - 1);
      i = 0;
      continue;
    }
    if (rl_dest_is_wildcard(d)) {
      local = 1; /* 6.1.1: consumed here, never forwarded */
      break;
    }
    to = rl_node_guard_answer_link(n, next_hop(n, d, &local), d, &fh, code);
    if (local) {
      if (d->type == RL_DestinationType_node) {
        /* Our own Node-ID: pop it and look at the next entry. */
        i++;
        local = 0;
        continue;
      }
      /* A Resource-ID we are responsible for: MUST be the last entry. */
      if (i + 1 != ndest) goto drop;
      break;
    }
    if (!to) {
      if (d->type == RL_DestinationType_node && !n->opt.client &&
          rl_chord_is_responsible(n->chord, d->destination_data.node_id.ptr))
        goto drop; /* 6.1.1: a Node-ID in our range that is not connected */
      n->st.dropped++;
      if (code >= 0 && rl_node_is_request_code((rl_MessageCode)code))
        rl_node_reply_error(n, from, &fh, RL_ErrorCode_Error_Not_Found,
                             "no route towards the destination");
      return;
    }
    forward(n, from, msg, len, &fh, dest + i, ndest - i, to, code);
    return;
  }
  if (!local) goto drop;
  deliver_local(n, from, msg, len, &fh);
  return;
drop:
  n->st.dropped++;
  rl_node_log(n, 2, "drop txid %016llx (destination list)", (unsigned long long)fh.transaction_id);
}

int rl_node_trust_check(rl_node *n, const rl_cert *c, rl_sec_error *e) {
  uint64_t now = rl_node_ms(n), until;
  int days = 0, secs = 0, r;
  rl_trust_ok *slot;
  for (size_t i = 0; i < RL_NODE_TRUST_CACHE; i++) {
    const rl_trust_ok *t = &n->trust_ok[i];
    if (t->until_ms > now && memcmp(t->der_sha256, c->der_sha256, 32) == 0) return 0;
  }
  r = rl_trust_verify(n->trust, c, NULL, 0, e);
  if (r != 0) return r;
  until = now + RL_NODE_TRUST_CACHE_MS;
  /* Not past notAfter: an expired certificate fails the next check. */
  if (ASN1_TIME_diff(&days, &secs, NULL, X509_get0_notAfter(c->x509)) != 1) return 0;
  if (days < 0 || secs < 0) return 0;
  if (days == 0 && (uint64_t)secs * 1000u < RL_NODE_TRUST_CACHE_MS) until = now + (uint64_t)secs * 1000u;
  slot = &n->trust_ok[n->trust_ok_next];
  n->trust_ok_next = (n->trust_ok_next + 1) % RL_NODE_TRUST_CACHE;
  memcpy(slot->der_sha256, c->der_sha256, 32);
  slot->until_ms = until;
  return 0;
}

void rl_node_trust_changed(rl_node *n) {
  memset(n->trust_ok, 0, sizeof n->trust_ok);
  n->trust_ok_next = 0;
}

/* Keep the certificates of a security block (6.3.4: "certificates ...
 * cached"), within a bound. */
static void cache_certs(rl_node *n, const rl_SecurityBlock *sb) {
  /* Zeroed: rl_sec_fail keeps the first error only (a nonzero code from
   * the stack would leave the text unset, then read by rl_sec_prefix). */
  rl_sec_error e = {0, ""};
  if (n->certs.n >= RL_NODE_MAX_CERTS) {
    /* Start over, keeping our own. */
    rl_cert_set_clear(&n->certs);
    rl_cert_set_init(&n->certs);
    rl_cert_set_add(&n->certs, n->cred->cert);
    for (size_t i = 0; i < n->napp_certs; i++) rl_cert_set_add(&n->certs, n->app_certs[i]);
  }
  rl_cert_set_add_security_block(&n->certs, sb, &e);
}

static void txn_answer(rl_node *n, rl_txn *t, const rl_node_answer *a);

/* Did decoding fail on a select's type that has no case (6.3.1.1)? The
 * codec reports RL_ERR_BAD_SELECTOR for a defined value without a case,
 * RL_ERR_BAD_ENUM for a value the enum does not define -- which it also
 * reports for a Boolean other than 0 or 1, a plain field, not a select:
 * that one is an ordinary parsing error (Error_Invalid_Message). */
static int unknown_select_type(const rl_errinfo *e) {
  if (e->code == RL_ERR_BAD_SELECTOR) return 1;
  return e->code == RL_ERR_BAD_ENUM && !(e->reason && strstr(e->reason, "Boolean"));
}

static void deliver_local(rl_node *n, rl_conn *from, const uint8_t *msg, size_t len,
                          const rl_ForwardingHeader *fh0) {
  rl_Message m;
  rl_ctx ctx;
  rl_signer_info who;
  rl_sec_error e;
  int rc, code;
  const uint8_t *whole = msg;
  size_t whole_len = len;
  rl_ForwardingHeader fh = *fh0;

  if (!rl_message_is_whole(fh.fragment)) {
    /* 6.7: hold the fragments until the message is complete. */
    rc = rl_reasm_add(n->reasm, from ? from->key : 0, msg, len, rl_node_ms(n), &whole, &whole_len);
    if (rc == 0) return;
    if (rc < 0) {
      rl_node_guard_reasm_refused(n, from, &fh, rc);
      return;
    }
    /* The whole message has its own (first fragment's) header. */
  }
  rl_arena_reset(&n->arena);
  n->nunknown = 0;
  rl_ctx_init(&ctx, &n->arena, &n->params);
  rc = rl_message_parse(whole, whole_len, &ctx, &m);
  if (rc != 0) {
    rl_ForwardingHeader h2;
    rl_ctx c2;
    char eb[256];
    rl_errinfo_format(&ctx.err, eb, sizeof eb);
    /* Answer from the header alone, decoded again into the arena's rest. */
    if (rl_msg_parse_header(whole, whole_len, &n->arena, &n->params, &c2, &h2) != 0) {
      n->st.dropped++;
      return;
    }
    code = peek_code(&h2, whole, whole_len);
    if (code < 0 || !rl_node_is_request_code((rl_MessageCode)code)) {
      rl_node_log(n, 1, "drop an answer that does not decode: %s", eb);
      n->st.dropped++;
      return;
    }
    if (unknown_select_type(&ctx.err)) {
      /* 6.3.1.1: "any unknown type SHOULD be treated as a parsing error,
       * and the whole message SHOULD be discarded with no response." */
      rl_node_log(n, 1, "drop %s txid %016llx: %s", code_name(code),
                  (unsigned long long)h2.transaction_id, eb);
      n->st.dropped++;
      return;
    }
    if (rc == RL_ERR_PARAM && n->nunknown > 0 &&
        (code == RL_MessageCode_store_req || code == RL_MessageCode_fetch_req ||
         code == RL_MessageCode_stat_req)) {
      rl_KindId kinds[16];
      size_t nk = n->nunknown;
      memcpy(kinds, n->unknown_kinds, nk * sizeof kinds[0]);
      if (RL_BROKEN(n, RL_BREAK_WRONG_UNKNOWN_KIND))
        rl_node_reply_error(n, from, &h2, RL_ErrorCode_Error_Not_Found, "no such kind");
      else
        rl_node_reply_unknown_kinds(n, from, &h2, kinds, nk);
      return;
    }
    rl_node_reply_error(n, from, &h2, RL_ErrorCode_Error_Invalid_Message, "%s", eb);
    return;
  }
  code = m.message_contents.message_code;
  /* 6.3.4, 13: verify before acting. The signer's certificate must be
   * valid in this overlay. */
  cache_certs(n, &m.security_block);
  memset(&e, 0, sizeof e);
  rc = rl_find_signer(&n->certs, &m.security_block.signature.identity, &who, &e);
  if (rc == 0) rc = rl_node_trust_check(n, who.cert, &e);
  if (rc == 0) rc = rl_verify_message(&m, &n->certs, &who, &e);
  if (rc != 0 && RL_BROKEN(n, RL_BREAK_ACCEPT_BAD_SIGNATURE) && who.cert &&
      rl_node_is_request_code((rl_MessageCode)code))
    rc = 0;
  if (rc != 0) {
    n->st.dropped++;
    if (rl_node_is_request_code((rl_MessageCode)code))
      rl_node_reply_error(n, from, &m.forwarding_header, RL_ErrorCode_Error_Forbidden,
                           "signature not accepted: %s", e.text[0] ? e.text : rl_strerror(rc));
    else
      rl_node_log(n, 1, "drop %s txid %016llx: signature not accepted: %s", code_name(code),
                  (unsigned long long)m.forwarding_header.transaction_id,
                  e.text[0] ? e.text : rl_strerror(rc));
    return;
  }
  if (from && !from->bound && m.forwarding_header.via_list_count == 0 &&
      who.node_id_len == n->id_len) {
    /* Insecure links learn the far end's Node-ID from its first signed
     * message that it originated. */
    memcpy(from->id.b, who.node_id, n->id_len);
    from->bound = 1;
    conn_bound_event(n, from);
  }
  if (rl_node_is_request_code((rl_MessageCode)code)) {
    const rl_resp_cache *r;
    const rl_ForwardingOption *crit;
    rl_message_unknowns u;
    n->st.requests_in++;
    rl_node_log(n, 2, "recv %s txid %016llx", code_name(code),
                (unsigned long long)m.forwarding_header.transaction_id);
    if ((r = resp_cache_get(n, m.forwarding_header.transaction_id)) != NULL && from) {
      /* 6.2.1: a retransmission: the same answer again. */
      conn_send(n, from, r->bytes, r->len);
      return;
    }
    if (n->cfg->has_sequence && !RL_BROKEN(n, RL_BREAK_IGNORE_CONFIG_SEQ) &&
        m.forwarding_header.configuration_sequence != n->cfg->sequence &&
        !(code == RL_MessageCode_config_update_req &&
          m.forwarding_header.configuration_sequence == 0xffff)) {
      /* 6.3.2.1, modulo arithmetic as in TCP. */
      uint16_t theirs = m.forwarding_header.configuration_sequence, ours = n->cfg->sequence;
      int16_t diff = (int16_t)(uint16_t)(theirs - ours);
      rl_node_reply_error(n, from, &m.forwarding_header,
                           diff < 0 ? RL_ErrorCode_Error_Config_Too_Old
                                    : RL_ErrorCode_Error_Config_Too_New,
                           "configuration sequence %u, this peer has %u", (unsigned)theirs,
                           (unsigned)ours);
      /* "if the configuration file in the request is too old, the node
       * MUST generate a ConfigUpdate message to update the requesting
       * node." */
      if (diff < 0 && who.node_id_len == n->id_len && !RL_BROKEN(n, RL_BREAK_NO_CONFIG_UPDATE))
        rl_node_send_config_update(n, who.node_id);
      return;
    }
    if ((crit = critical_option(&m.forwarding_header, RL_DESTINATION_CRITICAL)) != NULL &&
        !RL_BROKEN(n, RL_BREAK_IGNORE_DEST_CRITICAL)) {
      rl_node_reply_error(n, from, &m.forwarding_header,
                           RL_ErrorCode_Error_Unsupported_Forwarding_Option,
                           "forwarding option type %u is DESTINATION_CRITICAL and not supported",
                           (unsigned)crit->type);
      return;
    }
    rl_message_unknowns_count(&m, &u);
    if (u.critical_extensions && !RL_BROKEN(n, RL_BREAK_IGNORE_CRITICAL_EXT)) {
      rl_node_reply_error(n, from, &m.forwarding_header, RL_ErrorCode_Error_Unknown_Extension,
                           "%zu critical message extension(s) not understood",
                           u.critical_extensions);
      return;
    }
    n->cur_req = whole;
    n->cur_req_len = whole_len;
    rl_node_handle_request(n, from, &m, &who);
    n->cur_req = NULL;
    n->cur_req_len = 0;
    return;
  }
  /* An answer: match it with our transaction (6.2.1). */
  n->st.answers_in++;
  for (size_t i = 0; i < RL_NODE_MAX_TXNS; i++) {
    rl_txn *t = &n->txns[i];
    if (t->used && t->id == m.forwarding_header.transaction_id) {
      rl_node_answer a;
      char text[600];
      memset(&a, 0, sizeof a);
      a.answer = &m;
      a.hops = (unsigned)m.forwarding_header.via_list_count + (from ? 1 : 0);
      a.latency_us = n->now_us - t->started_us;
      a.responder = who.node_id;
      a.responder_len = who.node_id_len;
      if (code == RL_MessageCode_error) {
        const rl_ErrorResponse *er = &m.message_contents.message_body.error;
        size_t k, tl = er->error_info.raw.len < sizeof text - 1 ? er->error_info.raw.len
                                                                : sizeof text - 1;
        a.status = er->error_code ? er->error_code : 0xffff;
        for (k = 0; k < tl; k++) {
          uint8_t ch = er->error_info.raw.ptr[k];
          text[k] = (ch >= 32 && ch < 127) ? (char)ch : '.';
        }
        text[tl] = 0;
        a.error_text = text;
      }
      rl_node_log(n, 2, "recv %s txid %016llx after %u hop(s)", code_name(code),
                  (unsigned long long)t->id, a.hops);
      txn_answer(n, t, &a);
      return;
    }
  }
  rl_node_log(n, 2, "drop %s txid %016llx: no such transaction", code_name(code),
              (unsigned long long)m.forwarding_header.transaction_id);
}

static void txn_answer(rl_node *n, rl_txn *t, const rl_node_answer *a) {
  rl_txn copy = *t;
  t->used = 0; /* the callback may start new transactions */
  t->bytes = NULL;
  if (copy.kind == RL_TXN_APP) {
    if (copy.cb) copy.cb(copy.user, a);
  } else {
    rl_node_chord_txn_done(n, &copy, a);
  }
  free(copy.bytes);
}

/* ---------- link callbacks ---------- */

static void conn_bound_event(rl_node *n, rl_conn *c) {
  char hx[RL_HEXBUF];
  rl_node_log(n, 1, "link %s %s is up", c->outgoing ? "to" : "from",
              rl_node_hex(c->id.b, n->id_len, hx));
  if (n->opt.client) {
    if (c->bootstrap) n->ready_client = 1;
    return;
  }
  if (c->want_attach) {
    /* One of our Attaches (6.5.1): tell the chord who answered. */
    c->chord_known = 1;
    rl_chord_on_attach_result(n->chord, c->attach_target.b, c->id.b);
    rl_node_chord_actions(n);
    return;
  }
  if (!c->outgoing) {
    /* An Attach we answered? Then the chord learns of the link. */
    for (size_t i = 0; i < RL_NODE_MAX_INBOUND; i++) {
      rl_inbound_attach *ia = &n->inbound[i];
      if (ia->used && memcmp(ia->id.b, c->id.b, n->id_len) == 0) {
        ia->used = 0;
        c->chord_known = 1;
        rl_chord_on_connected(n->chord, c->id.b, ia->send_update);
        rl_node_chord_actions(n);
        return;
      }
    }
    return; /* a client or a joining node talking to its bootstrap */
  }
  if (c->bootstrap) {
    if (memcmp(c->id.b, n->self.b, n->id_len) == 0) {
      rl_node_close(n, c); /* we are our own bootstrap node */
      return;
    }
    if (rl_chord_get_state(n->chord) != RL_CHORD_JOINED) {
      rl_node_log(n, 1, "joining through bootstrap node %s", rl_node_hex(c->id.b, n->id_len, hx));
      c->chord_known = 1;
      rl_chord_join(n->chord, c->id.b);
      rl_node_chord_actions(n);
    } else {
      /* A partition probe (10.7.4.4): Ping our own Node-ID through it. */
      rl_Destination d[2];
      rl_MessageBody b;
      rl_txn *t;
      memset(&b, 0, sizeof b);
      rl_dest_node(&d[0], c->id.b, n->id_len);
      rl_dest_resource(&d[1], n->self.b, n->id_len);
      if (rl_node_send_request(n, d, 2, RL_MessageCode_ping_req, &b, RL_TXN_PARTITION, &t) == 0)
        memcpy(t->target.b, c->id.b, n->id_len);
    }
  }
}

/* Every event ends here: messages to ourselves that it queued are
 * handled now, from the top, not inside the handler that sent them. */
static void event_done(rl_node *n) {
  local_drain(n);
}

/* An insecure link (no certificate) is bound by the first signed message
 * its far end originated on it (process_message). Someone must speak
 * first: the side that connected sends a Ping to the wildcard Node-ID,
 * which the far end consumes itself (6.1.1: "never forwarded"); the Ping
 * binds us there, and its answer, signed by the far end and sent to us
 * over this link, binds the far end here. No transaction: the answer is
 * only needed for its signature, and a lost one is made up for by the
 * next message either side originates. */
static void introduce(rl_node *n, rl_conn *c) {
  uint8_t wildcard[RL_NODEID_MAX_LEN];
  rl_Destination d;
  rl_MessageBody b;
  rl_msg_out m;
  size_t len;
  memset(wildcard, 0xff, n->id_len);
  rl_dest_node(&d, wildcard, n->id_len);
  memset(&b, 0, sizeof b);
  memset(&m, 0, sizeof m);
  m.overlay = n->overlay;
  m.configuration_sequence = n->cfg->has_sequence ? n->cfg->sequence : 0;
  m.ttl = n->cfg->initial_ttl;
  do m.transaction_id = rl_node_random(n); while (m.transaction_id == 0);
  m.destination_list = &d;
  m.destination_count = 1;
  m.message_code = RL_MessageCode_ping_req;
  m.body = &b;
  n->nextra = 0;
  len = encode_signed(n, n->out, &m);
  if (len) (void)conn_send(n, c, n->out, len);
}

void rl_node_link_up(rl_node *n, uint64_t link, const rl_cert *cert, uint64_t now_us) {
  rl_conn *c;
  set_time(n, now_us);
  c = rl_node_conn_by_key(n, link);
  if (!c) return;
  c->up = 1;
  if (!cert && c->outgoing) introduce(n, c);
  conn_bind_cert(n, c, cert);
  if (c->bound) {
    if (c->want_attach) {
      /* 6.5.1.11: the certificate MUST match the node that answered. */
      if (cert && !rl_cert_has_node_id(cert, c->id.b, n->id_len)) {
        rl_node_log(n, 0, "closing link: certificate does not carry the Attach answerer's Node-ID");
        /* Not the answerer's link: never route to it over this one, and
         * tell the topology the Attach failed now, not at its timeout. */
        c->up = 0;
        c->bound = 0;
        c->want_attach = 0;
        rl_chord_on_attach_result(n->chord, c->attach_target.b, NULL);
        rl_node_close(n, c);
        rl_node_chord_actions(n);
        event_done(n);
        return;
      }
    }
    conn_bound_event(n, c);
  } else if (n->opt.client && c->bootstrap && cert) {
    n->ready_client = 1;
  }
  /* Insecure: ready once the Ping's answer binds the link (introduce),
   * so the first request has a route. */
  event_done(n);
}

void rl_node_link_message(rl_node *n, uint64_t link, const uint8_t *msg, size_t len,
                          uint64_t now_us) {
  rl_conn *c;
  set_time(n, now_us);
  c = rl_node_conn_by_key(n, link);
  if (!c) return;
  process_message(n, c, msg, len);
  rl_node_chord_actions(n);
  event_done(n);
}

void rl_node_link_oversize(rl_node *n, uint64_t link, const uint8_t *hdr, size_t hdr_len,
                           size_t announced, uint64_t now_us) {
  rl_conn *c;
  rl_ForwardingHeader fh;
  rl_ctx ctx;
  rl_message_peek pk;
  set_time(n, now_us);
  c = rl_node_conn_by_key(n, link);
  rl_node_log(n, 1, "message of %zu bytes exceeds max-message-size %zu", announced, n->max_msg);
  /* 6.6: Error_Message_Too_Large, then close. Only when the forwarding
   * header itself arrived whole can we answer. */
  if (!c || rl_message_peek_header(hdr, hdr_len, &pk) != 0) return;
  rl_arena_reset(&n->arena);
  {
    /* Only the start of the message is at hand: the header's length field
     * is checked against the length the frame announced (6.3.2), not
     * against hdr_len. */
    rl_cursor cur;
    rl_ctx_init(&ctx, &n->arena, &n->params);
    ctx.base = hdr;
    ctx.message_length = announced;
    rl_cursor_init(&cur, hdr, hdr_len);
    if (rl_ForwardingHeader_decode(&cur, &ctx, &fh) != 0) return;
  }
  /* Bound to a Node-ID or not (a plain TCP link whose first message this
   * is): the answer goes back over this link (answer_with). */
  rl_node_reply_error(n, c, &fh, RL_ErrorCode_Error_Message_Too_Large,
                       "message of %zu bytes exceeds max-message-size %zu", announced, n->max_msg);
}

void rl_node_link_closed(rl_node *n, uint64_t link, rl_link_fail why, const char *detail,
                         uint64_t now_us) {
  rl_conn *c;
  char hx[RL_HEXBUF];
  int worth_a_line;
  set_time(n, now_us);
  c = rl_node_conn_by_key(n, link);
  if (!c) return;
  worth_a_line = rl_node_accept_closed(n, c, why, rl_node_ms(n));
  rl_node_log(n, why == RL_LINK_CLOSED_LOCALLY || !worth_a_line ? 2 : 1, "link %s %s closed: %s%s%s",
              c->outgoing ? "to" : "from", c->bound ? rl_node_hex(c->id.b, n->id_len, hx) : "?",
              rl_link_fail_name(why), detail && *detail ? ": " : "", detail ? detail : "");
  c->used = 0;
  rl_reasm_forget_link(n->reasm, c->key); /* its fragments end here */
  if (n->opt.client) {
    if (c->bootstrap) n->ready_client = 0;
    return;
  }
  if (c->want_attach && !c->up) {
    rl_chord_on_attach_result(n->chord, c->attach_target.b, NULL);
    rl_node_chord_actions(n);
  } else if (c->bound && (c->chord_known || rl_chord_is_connected(n->chord, c->id.b)) &&
             !rl_node_conn_by_id(n, c->id.b)) {
    /* 10.7.2: a lost link is a failed peer (unless another link to it
     * remains). */
    rl_chord_on_peer_failed(n->chord, c->id.b);
    rl_node_chord_actions(n);
  }
  if (c->bootstrap && !c->up && rl_chord_get_state(n->chord) == RL_CHORD_IDLE)
    n->bootstrap_retry_ms = rl_node_ms(n); /* try the next bootstrap node now */
  event_done(n);
}

/* ---------- construction ---------- */

/* The same table serves a ConfigUpdate (node_config.c). */
static int setup_kinds(rl_node *n) { return rl_node_build_kinds(n->cfg, &n->kinds, &n->nkinds); }

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
  n->arena_mem = malloc(RL_NODE_ARENA);
  /* Room for one message of any size we accept, whole (6.7). */
  n->out_cap = (n->max_msg > 65536 ? n->max_msg : 65536) * 4;
  n->out = malloc(n->out_cap);
  n->out2 = malloc(n->out_cap);
  if (!n->arena_mem || !n->out || !n->out2) {
    snprintf(why, whylen, "out of memory");
    goto fail;
  }
  rl_arena_init(&n->arena, n->arena_mem, RL_NODE_ARENA);
  n->reasm = rl_node_guard_reasm_new(n);
  /* Via List compression state (6.1.2): one slot per forwarded request
   * whose Via List was long, kept for the request lifetime. 128 slots
   * carry about 4 such requests a second. */
  n->viatab = rl_viatab_new(128, 2 * RL_NODE_REQUEST_LIFETIME_MS, seed);
  n->backlinks = rl_backlink_new(RL_NODE_BACKLINKS, RL_NODE_REQUEST_LIFETIME_MS);
  if (!n->reasm || !n->viatab || !n->backlinks) {
    snprintf(why, whylen, "out of memory");
    goto fail;
  }
  if (!o->client) {
    rl_chord_config cc;
    rl_store_config sc;
    rl_chord_config_init(&cc);
    cc.seed = seed;
    cc.reactive = n->cfg->chord_reactive;
    cc.update_interval_ms = o->update_interval_ms
                                ? o->update_interval_ms
                                : (uint64_t)n->cfg->chord_update_interval * 1000u;
    if (n->cfg->has_chord_ping_interval) cc.ping_interval_ms = (uint64_t)n->cfg->chord_ping_interval * 1000u;
    if (o->update_interval_ms) {
      /* A fast test overlay: everything scaled to the update interval. */
      cc.ping_interval_ms = o->update_interval_ms * 2;
      cc.partition_interval_ms = o->update_interval_ms * 30;
      cc.holddown_ms = o->update_interval_ms * 2;
    }
    cc.request_timeout_ms = (uint64_t)n->cfg->reliability_timer * 5 + 1000;
    /* 10.4: the responsible peer and `replicas` successors hold each
     * value; a larger replication factor needs that many successors (and
     * predecessors, to accept their replica Stores). */
    cc.replicas = n->cfg->replication_factor > 1 ? n->cfg->replication_factor - 1 : 2;
    if (cc.replicas > RL_NODE_MAX_REPLICAS) cc.replicas = RL_NODE_MAX_REPLICAS;
    if (cc.successors < cc.replicas + 1) cc.successors = cc.replicas + 1;
    if (cc.predecessors < cc.replicas + 1) cc.predecessors = cc.replicas + 1;
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
    if (!n->chord || rl_store_new(&sc, &n->store) != 0) {
      snprintf(why, whylen, "cannot create the topology or the storage");
      goto fail;
    }
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
  for (size_t i = 0; i < RL_NODE_MAX_TXNS; i++) free(n->txns[i].bytes);
  for (size_t i = 0; i < RL_NODE_RESP_CACHE; i++) free(n->resp[i].bytes);
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
  free(n->arena_mem);
  free(n->out);
  free(n->out2);
  free(n);
}

/* ---------- start, bootstrap, the loop ---------- */

static size_t bootstrap_count(const rl_node *n) {
  return n->opt.nbootstrap ? n->opt.nbootstrap : n->cfg->nbootstrap;
}

static void bootstrap_addr(const rl_node *n, size_t i, struct sockaddr_storage *ss,
                           socklen_t *len) {
  memset(ss, 0, sizeof *ss);
  if (n->opt.nbootstrap) {
    memcpy(ss, &n->opt.bootstrap[i], sizeof *ss);
    *len = n->opt.bootstrap_len[i];
    return;
  }
  const rl_config_bootstrap *b = &n->cfg->bootstrap[i];
  if (b->family == AF_INET6) {
    struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
    s6->sin6_family = AF_INET6;
    memcpy(&s6->sin6_addr, b->addr, 16);
    s6->sin6_port = htons(b->port);
    *len = sizeof *s6;
  } else {
    struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
    s4->sin_family = AF_INET;
    memcpy(&s4->sin_addr, b->addr, 4);
    s4->sin_port = htons(b->port);
    *len = sizeof *s4;
  }
}

static int bootstrap_in_progress(const rl_node *n) {
  for (size_t i = 0; i < RL_NODE_MAX_CONNS; i++)
    if (n->conns[i].used && n->conns[i].bootstrap) return 1;
  return 0;
}

/* Try the next bootstrap node (11.4); after all of them failed, a peer
 * that may start the overlay becomes its first peer (6.4.2.1). */
static void try_bootstrap(rl_node *n) {
  size_t nb = bootstrap_count(n);
  while (n->bootstrap_next < nb) {
    struct sockaddr_storage ss;
    socklen_t len;
    rl_conn *c;
    bootstrap_addr(n, n->bootstrap_next++, &ss, &len);
    if (!n->opt.client && n->listen_len && rl_sockaddr_equal(&ss, &n->listen_addr)) continue;
    c = rl_node_connect(n, (struct sockaddr *)&ss, len);
    if (c) {
      c->bootstrap = 1;
      return;
    }
  }
  n->bootstrap_next = 0;
  if (!n->opt.client && n->opt.may_start_ring && rl_chord_get_state(n->chord) == RL_CHORD_IDLE) {
    rl_node_log(n, 1, "no bootstrap node reachable: starting the overlay as its first peer");
    rl_chord_start_first(n->chord);
    rl_node_chord_actions(n);
    return;
  }
  n->bootstrap_retry_ms = rl_node_ms(n) + 1000;
}

void rl_node_connect_bootstrap(rl_node *n) { try_bootstrap(n); }

int rl_node_listen_addr(const rl_node *n, struct sockaddr_storage *out, socklen_t *len) {
  if (!n->listen_len) return RL_ERR_STATE;
  memcpy(out, &n->listen_addr, sizeof *out);
  *len = n->listen_len;
  return 0;
}

void rl_node_set_listen_addr(rl_node *n, const struct sockaddr *addr, socklen_t len) {
  char host[64] = "?";
  int port = 0;
  if (len > sizeof n->listen_addr) return;
  memset(&n->listen_addr, 0, sizeof n->listen_addr);
  memcpy(&n->listen_addr, addr, len);
  n->listen_len = len;
  if (n->listen_addr.ss_family == AF_INET) {
    struct sockaddr_in *s4 = (struct sockaddr_in *)&n->listen_addr;
    inet_ntop(AF_INET, &s4->sin_addr, host, sizeof host);
    port = ntohs(s4->sin_port);
  } else if (n->listen_addr.ss_family == AF_INET6) {
    struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&n->listen_addr;
    inet_ntop(AF_INET6, &s6->sin6_addr, host, sizeof host);
    port = ntohs(s6->sin6_port);
  }
  rl_node_log(n, 1, "listening on %s port %d (%s)", host, port,
              rl_link_mode_name(n->opt.link_mode));
}

void rl_node_start(rl_node *n, uint64_t now_us) {
  set_time(n, now_us);
  if (n->started) return;
  n->started = 1;
  try_bootstrap(n);
  event_done(n);
}

void rl_node_candidate(rl_node *n, rl_IceCandidate *cand) {
  memset(cand, 0, sizeof *cand);
  if (n->listen_addr.ss_family == AF_INET6) {
    struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&n->listen_addr;
    cand->addr_port.type = RL_AddressType_ipv6_address;
    cand->addr_port.length = 18;
    memcpy(cand->addr_port.v6addr_port.addr.b, &s6->sin6_addr, 16);
    cand->addr_port.v6addr_port.port = ntohs(s6->sin6_port);
  } else {
    struct sockaddr_in *s4 = (struct sockaddr_in *)&n->listen_addr;
    cand->addr_port.type = RL_AddressType_ipv4_address;
    cand->addr_port.length = 6;
    cand->addr_port.v4addr_port.addr = ntohl(s4->sin_addr.s_addr);
    cand->addr_port.v4addr_port.port = ntohs(s4->sin_port);
  }
  /* 6.5.1.11: one No-ICE candidate of the protocol we speak. */
  cand->overlay_link = rl_link_mode_overlay_link(n->opt.link_mode);
  cand->foundation.ptr = (const uint8_t *)"1";
  cand->foundation.len = 1;
  /* 6.5.1.6 with type preference 126 (host), local preference 65535. */
  cand->priority = (126u << 24) | (65535u << 8) | 255u;
  cand->type = RL_CandType_host;
}

/* The chord's clock ticks every CHORD_TICK_MS; storage expiry and the
 * reassembly's every second. */
#define CHORD_TICK_MS 200
#define EXPIRE_TICK_MS 1000

/* Timers: retransmission (6.2.1), the chord's clock, storage expiry. */
static void run_timers(rl_node *n) {
  uint64_t now = rl_node_ms(n);
  for (size_t i = 0; i < RL_NODE_MAX_TXNS; i++) {
    rl_txn *t = &n->txns[i];
    if (!t->used || now < t->next_ms) continue;
    if (t->sent >= 5) {
      /* "After the timer for the fifth transmission fires, the message
       * MUST be considered to have failed." */
      rl_node_answer a;
      memset(&a, 0, sizeof a);
      a.status = RL_ERR_TIMEOUT;
      a.error_text = "no answer after 5 transmissions";
      a.latency_us = (now - t->started_ms) * 1000u;
      txn_answer(n, t, &a);
      continue;
    }
    t->sent++;
    t->next_ms = now + n->cfg->reliability_timer;
    {
      rl_ForwardingHeader fh;
      rl_ctx ctx;
      rl_arena_reset(&n->arena);
      if (rl_msg_parse_header(t->bytes, t->len, &n->arena, &n->params, &ctx, &fh) == 0)
        route_out(n, fh.destination_list, fh.destination_list_count, t->bytes, t->len);
    }
  }
  if (n->chord && now - n->last_tick_ms >= CHORD_TICK_MS) {
    n->last_tick_ms = now;
    rl_chord_on_tick(n->chord, now);
    rl_node_chord_actions(n);
  }
  if (n->store && now - n->last_expire_ms >= EXPIRE_TICK_MS) {
    n->last_expire_ms = now;
    rl_store_expire(n->store, rl_node_wall_ms(n));
    rl_reasm_expire(n->reasm, now);
  }
  rl_node_repl_tick(n);
  for (size_t i = 0; i < RL_NODE_MAX_INBOUND; i++)
    if (n->inbound[i].used && now > n->inbound[i].until) n->inbound[i].used = 0;
  if (n->bootstrap_retry_ms && now >= n->bootstrap_retry_ms && !bootstrap_in_progress(n) &&
      ((n->opt.client && !n->ready_client) ||
       (!n->opt.client && rl_chord_get_state(n->chord) == RL_CHORD_IDLE && !n->leaving))) {
    n->bootstrap_retry_ms = 0;
    try_bootstrap(n);
  }
  if (n->leaving && !n->left) {
    int busy = 0;
    for (size_t i = 0; i < RL_NODE_MAX_TXNS; i++)
      if (n->txns[i].used) busy = 1;
    /* 10.9: the data goes to the new owner before we go. */
    if (rl_node_repl_handover_pending(n)) busy = 1;
    if (!busy || now >= n->leave_deadline) n->left = 1;
  }
  rl_node_accept_tick(n, now);
}

/* When run_timers next has something to do (milliseconds). */
static uint64_t next_timer_ms(const rl_node *n) {
  uint64_t now = rl_node_ms(n), next = now + 1000;
  if (n->nlocal || rl_actq_len(&n->actions)) return now;
  for (size_t i = 0; i < RL_NODE_MAX_TXNS; i++)
    if (n->txns[i].used && n->txns[i].next_ms < next) next = n->txns[i].next_ms;
  if (n->chord && n->last_tick_ms + CHORD_TICK_MS < next) next = n->last_tick_ms + CHORD_TICK_MS;
  if (n->store && n->last_expire_ms + EXPIRE_TICK_MS < next)
    next = n->last_expire_ms + EXPIRE_TICK_MS;
  next = rl_node_repl_next_ms(n, next);
  for (size_t i = 0; i < RL_NODE_MAX_INBOUND; i++)
    if (n->inbound[i].used && n->inbound[i].until + 1 < next) next = n->inbound[i].until + 1;
  /* A retry whose conditions do not hold yet waits for the chord's tick. */
  if (n->bootstrap_retry_ms > now && n->bootstrap_retry_ms < next) next = n->bootstrap_retry_ms;
  if (n->leaving && !n->left && now + 50 < next) next = now + 50;
  /* What run_timers left due is waiting for an event, not for the time:
   * never ask for a tick at the time just handled. */
  return next <= now ? now + 1 : next;
}

uint64_t rl_node_tick(rl_node *n, uint64_t now_us) {
  set_time(n, now_us);
  run_timers(n);
  event_done(n);
  return next_timer_ms(n) * 1000u;
}

uint64_t rl_node_next_tick_us(const rl_node *n) { return next_timer_ms(n) * 1000u; }

int rl_node_next_action(rl_node *n, rl_action *out) { return rl_actq_pop(&n->actions, out); }

size_t rl_node_pending_actions(const rl_node *n, size_t *bytes) {
  if (bytes) *bytes = n->actions.bytes;
  return rl_actq_len(&n->actions);
}

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

void rl_node_leave(rl_node *n) {
  if (n->leaving) return;
  n->leaving = 1;
  n->leave_deadline = rl_node_ms(n) + 3000;
  if (!n->opt.client && rl_chord_get_state(n->chord) == RL_CHORD_JOINED) {
    rl_node_log(n, 1, "leaving the overlay");
    rl_chord_leave(n->chord);
    rl_node_chord_actions(n);
  }
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

