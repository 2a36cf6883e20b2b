/* peer/node_send.c: the bottom of the node core: the Connection Table
 * (6.5), where a message goes next (6.1.2, 6.2), sending it (in fragments
 * above max-message-size, 6.7), the transactions we originate with their
 * retransmissions' bytes (6.2.1), answers and the answer cache, signing
 * (6.3.4) and the certificates' trust, the log. Calls nothing of the
 * core above it. */
#define _GNU_SOURCE
#include "peer/node_int.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "codec/message.h"
#include "peer/linkproto.h"
#include "runtime/cursor.h"

struct frag_to {
  rl_node *n;
  uint64_t link;
};

uint64_t rl_node_now(const rl_node *n) { return rl_node_ms(n); }

uint64_t rl_node_now_us(const rl_node *n) { return n->now_us; }

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

const char *rl_node_code_name(rl_MessageCode c) {
  const char *s = rl_MessageCode_name(c);
  return s ? s : "unknown_code";
}

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

static int frag_emit(void *user, const uint8_t *frag, size_t len) {
  struct frag_to *t = user;
  return rl_actq_send(&t->n->actions, t->link, frag, len);
}

/* Send an encoded message down a link, in fragments when it is larger
 * than max-message-size (6.7). */
int rl_node_conn_send(rl_node *n, rl_conn *c, const uint8_t *msg, size_t len) {
  struct frag_to t;
  if (!c || !c->used) return RL_ERR_STATE;
  if (len <= n->max_msg) return rl_actq_send(&n->actions, c->key, msg, len);
  t.n = n;
  t.link = c->key;
  return rl_fragment_split(msg, len, n->max_msg, frag_emit, &t);
}

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

/* Where a message whose Destination List starts with d goes next: a conn,
 * or *local set when this node is the destination. */
rl_conn *rl_node_next_hop(rl_node *n, const rl_Destination *d, int *local) {
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
int rl_node_route_out(rl_node *n, const rl_Destination *dest, size_t ndest, const uint8_t *msg,
                     size_t len) {
  int local = 0;
  rl_conn *c;
  if (ndest == 0) return RL_ERR_PARAM;
  c = rl_node_next_hop(n, &dest[0], &local);
  if (local) return local_enqueue(n, msg, len);
  if (!c) return RL_ERR_STATE;
  return rl_node_conn_send(n, c, msg, len);
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
    node_sign_fail(n, rl_node_code_name(m->message_code), &e);
    return 0;
  }
  return w.len;
}

static rl_txn *txn_new(rl_node *n) {
  for (size_t i = 0; i < n->max_txns; i++)
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
    rl_node_log(n, 2, "send %s txid %016llx to %s (%zu bytes)", rl_node_code_name(code),
                (unsigned long long)t->id,
                id->len <= 20 && !dest[ndest - 1].compressed ? rl_node_hex(id->ptr, id->len, hx) : "?",
                len);
  }
  rc = rl_node_route_out(n, dest, ndest, t->bytes, t->len);
  if (rc != 0 && rc != RL_ERR_STATE) {
    /* Could not even queue it: the retransmission timer will retry. */
    rl_node_log(n, 1, "send %s: %s", rl_node_code_name(code), rl_strerror(rc));
  }
  if (rc == RL_ERR_STATE) {
    /* No route at all right now: retry with the timer; the caller learns
     * of the failure when the transaction times out. */
    rl_node_log(n, 2, "no route yet for %s", rl_node_code_name(code));
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
  n->resp_next = (n->resp_next + 1) % n->resp_slots;
}

const rl_resp_cache *rl_node_resp_cache_get(rl_node *n, uint64_t txid) {
  uint64_t now = rl_node_ms(n);
  for (size_t i = 0; i < n->resp_slots; i++) {
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
           "ask for fewer values", rl_node_code_name(m->message_code), n->out_cap);
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
  rl_node_log(n, 2, "answer %s txid %016llx (%zu bytes)", rl_node_code_name(m.message_code),
              (unsigned long long)fh->transaction_id, len);
  if (!c) return local_enqueue(n, n->out2, len);
  return rl_node_conn_send(n, c, n->out2, len);
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

size_t rl_node_bootstrap_count(const rl_node *n) {
  return n->opt.nbootstrap ? n->opt.nbootstrap : n->cfg->nbootstrap;
}

void rl_node_bootstrap_addr(const rl_node *n, size_t i, struct sockaddr_storage *ss,
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

int rl_node_bootstrap_connect(rl_node *n) {
  size_t nb = rl_node_bootstrap_count(n);
  while (n->bootstrap_next < nb) {
    struct sockaddr_storage ss;
    socklen_t len;
    rl_conn *c;
    rl_node_bootstrap_addr(n, n->bootstrap_next++, &ss, &len);
    /* Not ourselves: a peer listed among the bootstrap nodes. */
    if (!n->opt.client && n->listen_len && rl_sockaddr_equal(&ss, &n->listen_addr)) continue;
    c = rl_node_connect(n, (struct sockaddr *)&ss, len);
    if (c) {
      c->bootstrap = 1;
      return 1;
    }
  }
  n->bootstrap_next = 0;
  return 0;
}

/* Put the certificates of the values' signers into the next message
 * (6.3.4: "the certificates needed to verify" its contents). */
void rl_node_extra_certs_for(rl_node *n, const rl_StoredData *vals, size_t nv) {
  for (size_t i = 0; i < nv && n->nextra < sizeof n->extra_certs / sizeof n->extra_certs[0]; i++) {
    rl_signer_info who;
    size_t k;
    if (rl_find_signer(&n->certs, &vals[i].signature.identity, &who, NULL) != 0) continue;
    if (who.cert == n->cred->cert) continue;
    for (k = 0; k < n->nextra; k++)
      if (n->extra_certs[k] == who.cert) break;
    if (k == n->nextra) n->extra_certs[n->nextra++] = (rl_cert *)who.cert;
  }
}

void rl_node_extra_certs_store_req(rl_node *n, const rl_StoreReq *r) {
  for (size_t i = 0; i < r->kind_data_count; i++)
    rl_node_extra_certs_for(n, r->kind_data[i].values, r->kind_data[i].values_count);
}

/* An insecure link (no certificate) is bound by the first signed message
 * its far end originated on it (node_recv.c). Someone must speak first:
 * the side that connected sends a Ping to the wildcard Node-ID, which the
 * far end consumes itself (6.1.1: "never forwarded"); the Ping binds us
 * there, and its answer, signed by the far end and sent to us over this
 * link, binds the far end here. No transaction: the answer is only needed
 * for its signature, and a lost one is made up for by the next message
 * either side originates. */
void rl_node_introduce(rl_node *n, rl_conn *c) {
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
  if (len) (void)rl_node_conn_send(n, c, n->out, len);
}
