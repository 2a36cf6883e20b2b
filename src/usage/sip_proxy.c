/* usage/sip_proxy.c: the SIP proxy of a peer (RFC 7904, RFC 3261 16),
 * requests and responses in (RFC 3261 16.3-16.7, 17.2.3): the checks,
 * transactions, Route, and where a request goes. See sip_proxy.h and
 * sip_proxy_int.h. */
#define _GNU_SOURCE /* getaddrinfo flags, strcasecmp */
#include "usage/sip_proxy_int.h"

static int absorb_ack(rl_sip_proxy *p, sp_txn *t);
static void make_branch(rl_sip_proxy *p, const rl_sip_via *via, const sp_hop *from, char *out,
                        size_t cap);
static void request_of_txn(rl_sip_proxy *p, sp_txn *t, const rl_sip_msg *m, const sp_hop *from);
static int request_refused(rl_sip_proxy *p, const rl_sip_msg *m, size_t len, const sp_hop *from);

/* The ACK of a request we hold (17.2.1): for a non-2xx final answer it
 * ends there (the ACK downstream is our own, 17.1.1.3), and the
 * transaction lingers timer I (T4 over UDP, 0 over a connection). 1 when
 * absorbed. */
static int absorb_ack(rl_sip_proxy *p, sp_txn *t) {
  if (!t->final_sent || t->final_status < 300) return 0;
  if (!t->acked) {
    t->acked = 1;
    t->resp_retx = 0;
    t->linger_until = p->now + rl_sip_txn_linger_after_ack(t->up.kind != HOP_UDP);
  }
  return 1;
}

/* Our branch for t (16.6 step 8), a function of the incoming one, so that
 * a CANCEL gets the same one as its INVITE (16.10). It also says where
 * responses go back (the transaction may be gone when a late 2xx comes,
 * 16.11): "u" by the next Via, "cIIGGGG" on connection II of generation
 * GGGG. */
static void make_branch(rl_sip_proxy *p, const rl_sip_via *via, const sp_hop *from, char *out,
                        size_t cap) {
  uint32_t h = 2166136261u;
  for (size_t k = 0; k < via->branch.len; k++) h = (h ^ (uint8_t)via->branch.p[k]) * 16777619u;
  for (size_t k = 0; k < via->host.len; k++) h = (h ^ (uint8_t)via->host.p[k]) * 16777619u;
  h ^= (uint32_t)via->port;
  for (size_t k = 0; k < p->id_len; k++) h = (h ^ p->self[k]) * 16777619u;
  if (from->kind == HOP_CONN)
    snprintf(out, cap, SP_BRANCH_PREFIX "%08xc%02x%04x", h, (unsigned)from->conn,
             (unsigned)(from->gen & 0xffff));
  else
    snprintf(out, cap, SP_BRANCH_PREFIX "%08xu", h);
}

/* A request that matched transaction t (17.2.3): a CANCEL, an ACK or a
 * retransmission. */
static void request_of_txn(rl_sip_proxy *p, sp_txn *t, const rl_sip_msg *m, const sp_hop *from) {
  if (m->method == RL_SIP_METHOD_CANCEL) {
    rl_sp_respond(p, m, from, 200, "OK", NULL, NULL);
    if (t->final_sent) return;
    if (t->state == TX_FORWARDED) {
      rl_sp_send_cancel(p, t);
    } else {
      /* Still looking the AOR up: end it here (16.10). */
      t->cancelled = 1;
      rl_sp_txn_respond(p, t, 487, "Request Terminated");
    }
    return;
  }
  if (m->method == RL_SIP_METHOD_ACK) return; /* absorbed or early: dropped */
  if (t->resp_len) {
    rl_sp_log_msg(p, "-> (again)", &t->up, t->resp, t->resp_len);
    (void)rl_sp_send_to(p, &t->up, t->resp, t->resp_len);
  }
}

/* The checks of 16.3 before a transaction is made; 0 to go on. */
static int request_refused(rl_sip_proxy *p, const rl_sip_msg *m, size_t len, const sp_hop *from) {
  rl_sip_err err;
  long ri;
  if (rl_sip_msg_validate_as(m, RL_SIP_VALIDATE_PROXY, &err) != 0) {
    p->st.bad_messages++;
    rl_sp_log(p, 1, "bad request: %s", err.reason);
    rl_sp_respond(p, m, from, err.status ? err.status : 400, err.reason, NULL, NULL);
    return 1;
  }
  /* 16.3 step 1 (8.2.2.1): a scheme we do not understand: 416. */
  if (m->ruri.scheme != RL_SIP_SCHEME_SIP && m->ruri.scheme != RL_SIP_SCHEME_SIPS) {
    rl_sp_respond(p, m, from, 416, "Unsupported URI Scheme", NULL, NULL);
    return 1;
  }
  /* 16.3 step 5: extensions a proxy must understand: none are. */
  ri = rl_sip_msg_find(m, RL_SIP_HDR_PROXY_REQUIRE, 0);
  if (ri >= 0 && m->method != RL_SIP_METHOD_ACK) {
    char hdrs[300];
    snprintf(hdrs, sizeof hdrs, "Unsupported: %.*s\r\n",
             (int)(m->hdr[ri].value.len > 200 ? 200 : m->hdr[ri].value.len), m->hdr[ri].value.p);
    rl_sp_respond(p, m, from, 420, "Bad Extension", hdrs, NULL);
    return 1;
  }
  if (len > SP_MSG_MAX) {
    rl_sp_respond(p, m, from, 513, "Message Too Large", NULL, NULL);
    return 1;
  }
  return 0;
}

void rl_sp_handle_request(rl_sip_proxy *p, const rl_sip_msg *m, const char *raw, size_t len,
                          const sp_hop *from, int from_peer) {
  rl_sip_err err;
  rl_sip_via via;
  size_t pos = 0;
  long vi;
  sp_txn *t;
  rl_sip_uri target;
  rl_sip_addr next;
  int ours = 0, r;
  char out_branch[48];
  p->st.requests_in++;
  vi = rl_sip_msg_find(m, RL_SIP_HDR_VIA, 0);
  if (vi < 0 || rl_sip_via_next(m->hdr[vi].value, &pos, &via, &err) <= 0) {
    p->st.bad_messages++;
    if (vi < 0) rl_sp_log(p, 1, "bad request: no Via: dropped");
    return;
  }
  if (request_refused(p, m, len, from)) return;
  /* Retransmissions, ACK and CANCEL of a transaction we hold (17.2.3). */
  t = rl_sp_txn_find_in(p, &via, m->method);
  if (m->method == RL_SIP_METHOD_CANCEL && !t) {
    rl_sp_respond(p, m, from, 481, "Call/Transaction Does Not Exist", NULL, NULL);
    return;
  }
  if (t && m->method == RL_SIP_METHOD_ACK && !absorb_ack(p, t) && t->final_sent) t = NULL;
  if (t) {
    request_of_txn(p, t, m, from);
    return;
  }
  t = rl_sp_txn_new(p);
  if (!t) {
    /* 17.1.1.3: an ACK is never answered; the table is full: drop it. */
    if (m->method == RL_SIP_METHOD_ACK) {
      rl_sp_log(p, 1, "transaction table full: ACK dropped");
      return;
    }
    rl_sp_respond(p, m, from, 503, "Service Unavailable (busy)", "Retry-After: 1\r\n", NULL);
    return;
  }
  t->method = m->method;
  t->up = *from;
  t->from_peer = from_peer;
  if (rl_sp_keep_bytes(&t->req, &t->req_cap, &t->req_len, raw, len) != 0) {
    rl_sp_txn_free(t);
    rl_sp_respond(p, m, from, 503, "Service Unavailable (out of memory)", "Retry-After: 1\r\n",
                  NULL);
    return;
  }
  make_branch(p, &via, from, out_branch, sizeof out_branch);
  /* A request without a usable branch (RFC 2543) is forwarded but not
   * found again: its retransmissions are forwarded again too. */
  (void)rl_sip_txn_bind(p->txns, &t->base, &via, m->method, out_branch);
  /* 16.2: a 100 at once for an INVITE (the lookup takes a while). */
  if (m->method == RL_SIP_METHOD_INVITE) rl_sp_respond(p, m, from, 100, "Trying", NULL, t);

  /* 16.4: Route. Our own top Routes go; the next one is the target. */
  target = m->ruri;
  r = rl_sp_routes_of_us(p, m, &ours, &next, &err);
  if (r < 0) {
    rl_sp_txn_respond(p, t, 400, err.reason);
    return;
  }
  if (r > 0) target = next.uri;
  if (m->method == RL_SIP_METHOD_REGISTER && r == 0 && !from_peer) {
    rl_sp_do_register(p, m, t);
    return;
  }
  /* 16.3 step 3: a request that may not be forwarded ends here, before
   * any lookup. */
  {
    long mf = rl_sip_msg_find(m, RL_SIP_HDR_MAX_FORWARDS, 0);
    unsigned hops = 70;
    if (mf >= 0 && rl_sip_max_forwards_parse(m->hdr[mf].value, &hops, &err) == 0 && hops == 0) {
      rl_sp_txn_respond(p, t, 483, "Too Many Hops");
      return;
    }
  }
  rl_sp_route_target(p, t, m, &target, from_peer);
}

void rl_sp_handle_response(rl_sip_proxy *p, const rl_sip_msg *m, const sp_hop *from) {
  rl_sip_err err;
  rl_sip_via via;
  size_t pos = 0;
  long vi = rl_sip_msg_find(m, RL_SIP_HDR_VIA, 0), ci;
  rl_sip_cseq cs;
  sp_txn *t;
  rl_writer w;
  p->st.responses_in++;
  (void)from;
  if (vi < 0 || rl_sip_via_next(m->hdr[vi].value, &pos, &via, &err) <= 0) {
    p->st.bad_messages++;
    return;
  }
  ci = rl_sip_msg_find(m, RL_SIP_HDR_CSEQ, 0);
  if (ci < 0 || rl_sip_cseq_parse(m->hdr[ci].value, &cs, &err) != 0) {
    p->st.bad_messages++;
    return;
  }
  /* 18.1.2: a response whose top Via is not ours is dropped. */
  if (!via.branch.p || via.branch.len < strlen(SP_BRANCH_PREFIX) ||
      memcmp(via.branch.p, SP_BRANCH_PREFIX, strlen(SP_BRANCH_PREFIX)) != 0) {
    rl_sp_log(p, 1, "response not for us (top Via %.*s): dropped", (int)via.text.len, via.text.p);
    return;
  }
  if (cs.method == RL_SIP_METHOD_CANCEL) return; /* 16.10: we answered the CANCEL ourselves */
  t = rl_sp_txn_find_out(p, via.branch);
  if (!t) {
    rl_sp_forward_response_stateless(p, m, via.branch);
    return;
  }
  t->got_response = 1;
  t->next_retx = 0;
  /* 17.1.1.2: every non-2xx final response to our INVITE (again for a
   * retransmission) is ACKed by us. */
  if (t->method == RL_SIP_METHOD_INVITE && m->status >= 300) rl_sp_send_ack(p, t, m);
  if (t->final_sent && !(m->status >= 200 && m->status < 300 && t->method == RL_SIP_METHOD_INVITE))
    return; /* 16.7 step 5: after a final response only 2xx of an INVITE go on */
  if (m->status == 100) return; /* 16.7 step 3: 100 is not forwarded */
  rl_writer_init(&w, (uint8_t *)p->out, sizeof p->out, NULL);
  if (rl_sip_write_response_forward(&w, m) != 0 || w.err) return;
  rl_sp_log_msg(p, "->", &t->up, p->out, w.len);
  (void)rl_sp_send_to(p, &t->up, p->out, w.len);
  (void)rl_sp_keep_bytes(&t->resp, &t->resp_cap, &t->resp_len, p->out, w.len);
  if (m->status >= 200) rl_sp_txn_completed(p, t, m->status);
}
