/* usage/sip_proxy_msg.c: the SIP proxy of a peer (RFC 7904, RFC 3261 16),
 * messages out: logging, sending, our responses, the transaction wrappers,
 * forwarding (16.6), CANCEL and ACK we generate (16.10, 17.1.1.3),
 * stateless responses (16.11). See sip_proxy.h and sip_proxy_int.h. */
#define _GNU_SOURCE /* getaddrinfo flags, strcasecmp */
#include "usage/sip_proxy_int.h"

static int is_dialog_creating(rl_sip_method m);
static void our_via(const rl_sip_proxy *p, const sp_hop *to, const char *branch, char *out,
                    size_t cap);
static int hop_is_peer(const rl_sip_proxy *p, const sp_hop *h);
static void record_route(const rl_sip_proxy *p, const sp_txn *t, const sp_hop *to, char *rr,
                         size_t cap, rl_sip_forward *fw);
static int uri_is_us(rl_sip_proxy *p, const rl_sip_uri *u);

void rl_sp_log(rl_sip_proxy *p, int level, const char *fmt, ...) {
  va_list ap;
  FILE *f = p->o.log ? p->o.log : stderr;
  struct timeval tv;
  if (level > p->o.verbosity) return;
  /* Wall-clock time: lines of several peers merge into one ladder. */
  gettimeofday(&tv, NULL);
  fprintf(f, "%lld.%06d sip: ", (long long)tv.tv_sec, (int)tv.tv_usec);
  va_start(ap, fmt);
  vfprintf(f, fmt, ap);
  va_end(ap);
  fputc('\n', f);
  fflush(f);
}

uint64_t rl_sp_wall_ms(void) {
  struct timeval tv;
  gettimeofday(&tv, NULL);
  return (uint64_t)tv.tv_sec * 1000u + (uint64_t)tv.tv_usec / 1000u;
}

unsigned rl_sp_rand(rl_sip_proxy *p) {
  p->rnd = p->rnd * 1103515245u + 12345u;
  return p->rnd >> 8;
}

/* The first line of a message, for the log (without CRLF). */
int rl_sp_first_line_len(const char *m, size_t len) {
  size_t i = 0;
  while (i < len && i < 200 && m[i] != '\r' && m[i] != '\n') i++;
  return (int)i;
}

void rl_sp_short_id(const uint8_t *id, size_t len, char *out) {
  static const char hx[] = "0123456789abcdef";
  size_t n = len < 4 ? len : 4;
  for (size_t i = 0; i < n; i++) {
    out[2 * i] = hx[id[i] >> 4];
    out[2 * i + 1] = hx[id[i] & 15];
  }
  out[2 * n] = 0;
}

void rl_sp_hop_text(const rl_sip_proxy *p, const sp_hop *h, char *out, size_t cap) {
  if (h->kind == HOP_UDP) {
    char a[INET6_ADDRSTRLEN] = "?";
    int port = 0;
    if (h->addr.ss_family == AF_INET) {
      const struct sockaddr_in *s = (const struct sockaddr_in *)&h->addr;
      inet_ntop(AF_INET, &s->sin_addr, a, sizeof a);
      port = ntohs(s->sin_port);
    } else if (h->addr.ss_family == AF_INET6) {
      const struct sockaddr_in6 *s = (const struct sockaddr_in6 *)&h->addr;
      inet_ntop(AF_INET6, &s->sin6_addr, a, sizeof a);
      port = ntohs(s->sin6_port);
    }
    snprintf(out, cap, "phone udp %s:%d", a, port);
  } else if (h->kind == HOP_CONN && h->conn >= 0 && h->conn < SP_MAX_CONNS) {
    const sp_conn *c = &p->conns[h->conn];
    if (c->kind == CONN_PEER) {
      char id[12] = "?";
      if (c->have_id) rl_sp_short_id(c->node_id, p->id_len, id);
      snprintf(out, cap, "peer %s.. (SIP over %s)", id,
               rl_sip_peer_link_mode(p->node) == RL_LINK_TLS ? "TLS" : "TCP");
    } else {
      snprintf(out, cap, "phone tcp #%d", h->conn);
    }
  } else {
    snprintf(out, cap, "-");
  }
}

int rl_sp_sockaddr_from_uri(const rl_sip_uri *u, struct sockaddr_storage *ss, socklen_t *len) {
  char host[64];
  struct addrinfo hints, *res = NULL;
  char port[12];
  size_t hl = u->host.len;
  const char *h = u->host.p;
  if (u->host_type == RL_SIP_HOST_IPV6 && hl >= 2) {
    h++;
    hl -= 2;
  }
  if (u->host_type != RL_SIP_HOST_IPV4 && u->host_type != RL_SIP_HOST_IPV6) return -1;
  if (hl >= sizeof host) return -1;
  memcpy(host, h, hl);
  host[hl] = 0;
  snprintf(port, sizeof port, "%d", u->port > 0 ? u->port : 5060);
  memset(&hints, 0, sizeof hints);
  hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
  hints.ai_socktype = SOCK_DGRAM;
  if (getaddrinfo(host, port, &hints, &res) != 0 || !res) return -1;
  memcpy(ss, res->ai_addr, res->ai_addrlen);
  *len = res->ai_addrlen;
  freeaddrinfo(res);
  return 0;
}

int rl_sp_conn_alive(const rl_sip_proxy *p, int i, uint32_t gen) {
  return i >= 0 && i < SP_MAX_CONNS && p->conns[i].used && p->conns[i].gen == gen;
}

int rl_sp_send_to(rl_sip_proxy *p, const sp_hop *h, const char *m, size_t len) {
  if (h->kind == HOP_UDP) {
    ssize_t r = sendto(p->udp_fd, m, len, 0, (const struct sockaddr *)&h->addr, h->alen);
    return r == (ssize_t)len ? 0 : RL_ERR_IO;
  }
  if (h->kind == HOP_CONN && rl_sp_conn_alive(p, h->conn, h->gen) && p->conns[h->conn].up)
    return rl_link_send(p->conns[h->conn].link, (const uint8_t *)m, len);
  return RL_ERR_IO;
}

void rl_sp_log_msg(rl_sip_proxy *p, const char *dir, const sp_hop *h, const char *m, size_t len) {
  char ht[96];
  if (p->o.verbosity < 1) return;
  rl_sp_hop_text(p, h, ht, sizeof ht);
  rl_sp_log(p, 1, "%s %s: %.*s", dir, ht, rl_sp_first_line_len(m, len), m);
}

/* Keep n bytes of src in *buf (grown as needed). 0 or RL_ERR_NOMEM. */
int rl_sp_keep_bytes(char **buf, size_t *cap, size_t *len, const char *src, size_t n) {
  if (n > *cap) {
    char *nb = realloc(*buf, n);
    if (!nb) return RL_ERR_NOMEM;
    *buf = nb;
    *cap = n;
  }
  memcpy(*buf, src, n);
  *len = n;
  return 0;
}

/* A transaction entering the Completed state with final response status
 * (17.2.1, 17.2.2): its linger, and timer G for a non-2xx INVITE over UDP. */
void rl_sp_txn_completed(rl_sip_proxy *p, sp_txn *t, int status) {
  t->final_sent = 1;
  t->final_status = status;
  t->state = TX_ANSWERED;
  t->linger_until = p->now + rl_sip_txn_linger(t->method, status, t->up.kind == HOP_CONN);
  if (t->method == RL_SIP_METHOD_INVITE && status >= 300 && t->up.kind == HOP_UDP) {
    t->resp_interval = SP_T1;
    t->resp_retx = p->now + SP_T1;
  }
}

/* A response when the request's To does not parse (so no tag can be
 * added): the Status-Line and the request's Via, From, To, Call-ID and
 * CSeq lines as they are (8.2.6.2; 21.4.1: 400 for a malformed request). */
void rl_sp_respond_raw(rl_sip_proxy *p, const rl_sip_msg *req, const sp_hop *to, int status,
                       const char *reason) {
  rl_writer w;
  if (req->method == RL_SIP_METHOD_ACK) return;
  rl_writer_init(&w, (uint8_t *)p->out, sizeof p->out, NULL);
  rl_sip_write_status_line(&w, status, reason);
  for (size_t k = 0; k < req->nhdr; k++) {
    rl_sip_hdr_kind kd = req->hdr[k].kind;
    if (kd == RL_SIP_HDR_VIA || kd == RL_SIP_HDR_FROM || kd == RL_SIP_HDR_TO ||
        kd == RL_SIP_HDR_CALL_ID || kd == RL_SIP_HDR_CSEQ)
      rl_sip_put_str(&w, req->hdr[k].line);
  }
  rl_sip_write_header_cstr(&w, "Server", "reload-peer");
  rl_sip_write_body(&w, NULL, NULL, 0);
  if (w.err) return;
  rl_sp_log_msg(p, "->", to, p->out, w.len);
  (void)rl_sp_send_to(p, to, p->out, w.len);
}

/* A response of our own to the request req (8.2.6), sent to hop. */
void rl_sp_respond(rl_sip_proxy *p, const rl_sip_msg *req, const sp_hop *to, int status,
                   const char *reason, const char *extra_hdrs, sp_txn *t) {
  rl_writer w;
  char tag[16];
  rl_sip_str totag = {NULL, 0};
  /* 17: an ACK is never answered (a bad one is dropped). */
  if (req->method == RL_SIP_METHOD_ACK) return;
  if (status > 100) {
    snprintf(tag, sizeof tag, "rl%08x", rl_sp_rand(p));
    totag.p = tag;
    totag.len = strlen(tag);
  }
  rl_writer_init(&w, (uint8_t *)p->out, sizeof p->out, NULL);
  if (rl_sip_write_response(&w, req, status, reason, totag) != 0) {
    if (status >= 400) rl_sp_respond_raw(p, req, to, status, reason);
    return;
  }
  rl_sip_write_header_cstr(&w, "Server", "reload-peer");
  if (extra_hdrs) rl_sip_put_cstr(&w, extra_hdrs);
  rl_sip_write_body(&w, NULL, NULL, 0);
  if (w.err) return;
  rl_sp_log_msg(p, "->", to, p->out, w.len);
  (void)rl_sp_send_to(p, to, p->out, w.len);
  if (t) {
    (void)rl_sp_keep_bytes(&t->resp, &t->resp_cap, &t->resp_len, p->out, w.len);
    if (status >= 200) {
      t->local_final = 1;
      rl_sp_txn_completed(p, t, status);
    }
  }
  if (status >= 200) p->st.answered_locally++;
}

/* A free transaction (usage/sip_txn.h), its buffers kept for reuse. NULL
 * when the table is full. */
sp_txn *rl_sp_txn_new(rl_sip_proxy *p) {
  sp_txn *t = (sp_txn *)rl_sip_txn_alloc(p->txns);
  char *req, *fwd, *resp;
  size_t rc, fc, sc;
  if (!t) return NULL;
  req = t->req, fwd = t->fwd, resp = t->resp;
  rc = t->req_cap, fc = t->fwd_cap, sc = t->resp_cap;
  memset((char *)t + sizeof t->base, 0, sizeof *t - sizeof t->base);
  t->req = req;
  t->fwd = fwd;
  t->resp = resp;
  t->req_cap = rc;
  t->fwd_cap = fc;
  t->resp_cap = sc;
  t->owner = p;
  t->id = ++p->next_id;
  t->created = p->now;
  t->conn = -1;
  t->reg_binding = -1;
  return t;
}

sp_txn *rl_sp_txn_at(const rl_sip_proxy *p, size_t i) {
  return (sp_txn *)rl_sip_txn_at(p->txns, i);
}

/* The transaction ends; the table reuses it once no node callback can
 * come for it (rl_sp_cb_txn). */
void rl_sp_txn_free(sp_txn *t) {
  /* Once only (a new transaction is TX_FREE until it has a state). */
  if (!t->base.in_use) return;
  t->state = TX_FREE;
  /* Big buffers go back; small ones are reused. */
  if (t->req_cap > 4096 || t->fwd_cap > 4096 || t->resp_cap > 4096) {
    free(t->req);
    free(t->fwd);
    free(t->resp);
    t->req = t->fwd = t->resp = NULL;
    t->req_cap = t->fwd_cap = t->resp_cap = 0;
  }
  rl_sip_txn_release(t->owner->txns, &t->base);
}

void rl_sp_txn_buffers_free(rl_sip_txn *b) {
  sp_txn *t = (sp_txn *)b;
  free(t->req);
  free(t->fwd);
  free(t->resp);
}

sp_txn *rl_sp_txn_find_in(rl_sip_proxy *p, const rl_sip_via *via, rl_sip_method m) {
  return (sp_txn *)rl_sip_txn_match(p->txns, via, m);
}

sp_txn *rl_sp_txn_find_out(rl_sip_proxy *p, rl_sip_str branch) {
  return (sp_txn *)rl_sip_txn_match_out(p->txns, branch);
}

/* Parse a stored request again (its slices point into t->req). */
int rl_sp_reparse(rl_sip_proxy *p, const char *buf, size_t len, rl_sip_msg *m) {
  rl_sip_msg_init(m, p->hdr, sizeof p->hdr / sizeof p->hdr[0]);
  return rl_sip_msg_parse(m, buf, len, NULL, NULL);
}

void rl_sp_txn_respond(rl_sip_proxy *p, sp_txn *t, int status, const char *reason) {
  rl_sip_msg m;
  if (t->final_sent) return;
  if (rl_sp_reparse(p, t->req, t->req_len, &m) != 0) return;
  rl_sp_respond(p, &m, &t->up, status, reason, NULL, t);
}

static int is_dialog_creating(rl_sip_method m) {
  return m == RL_SIP_METHOD_INVITE || m == RL_SIP_METHOD_SUBSCRIBE || m == RL_SIP_METHOD_REFER;
}

/* Our via-parm for a request sent to hop (16.6 step 8): the transport and
 * address the next hop sees, phones our SIP port, peers our TLS port. */
static void our_via(const rl_sip_proxy *p, const sp_hop *to, const char *branch, char *out,
                    size_t cap) {
  int to_peer = to->kind == HOP_CONN && p->conns[to->conn].kind == CONN_PEER;
  const char *tr = to->kind == HOP_UDP                                    ? "UDP"
                   : to_peer && rl_sip_peer_link_mode(p->node) == RL_LINK_TLS ? "TLS"
                                                                          : "TCP";
  snprintf(out, cap, "SIP/2.0/%s %s:%u;branch=%s", tr, p->host,
           (unsigned)(to_peer ? p->peer_port : p->port), branch);
}

static int hop_is_peer(const rl_sip_proxy *p, const sp_hop *h) {
  return h->kind == HOP_CONN && p->conns[h->conn].kind == CONN_PEER;
}

/* 16.6 step 4: our Record-Route for t sent to hop, to stay on the path of
 * the dialog. The URI is our GRUU (7904 6), so peers reach us through the
 * overlay, phones at our port; it names the transport of our phone leg
 * (";transport=tcp" on a TCP phone, 19.1.1), so that the phone sends its
 * in-dialog requests the way it reached us. With a phone on each side
 * over different transports, two values, one per leg (RFC 5658 3.3.2):
 * the first for the callee's leg. */
static void record_route(const rl_sip_proxy *p, const sp_txn *t, const sp_hop *to, char *rr,
                         size_t cap, rl_sip_forward *fw) {
  int up_phone = !t->from_peer, down_phone = !hop_is_peer(p, to);
  int up_tcp = t->up.kind == HOP_CONN, down_tcp = to->kind == HOP_CONN;
  const char *tcp = ";transport=tcp";
  if (up_phone && down_phone && up_tcp != down_tcp)
    snprintf(rr, cap, "<sip:%s:%u%s;lr;gr=%s>, <sip:%s:%u%s;lr;gr=%s>", p->host, (unsigned)p->port,
             down_tcp ? tcp : "", p->gruu, p->host, (unsigned)p->port, up_tcp ? tcp : "", p->gruu);
  else
    snprintf(rr, cap, "<sip:%s:%u%s;lr;gr=%s>", p->host, (unsigned)p->port,
             (up_phone ? up_tcp : down_phone && down_tcp) ? tcp : "", p->gruu);
  fw->record_route.p = rr;
  fw->record_route.len = strlen(rr);
}

/* Forward t's request to hop (ruri: a new Request-URI, or NULL). */
void rl_sp_forward(rl_sip_proxy *p, sp_txn *t, const sp_hop *to, const char *ruri) {
  rl_sip_msg m;
  rl_sip_forward fw;
  rl_writer w;
  char via[256], rr[512];
  int rc;
  if (t->cancelled) {
    rl_sp_txn_respond(p, t, 487, "Request Terminated");
    return;
  }
  if (rl_sp_reparse(p, t->req, t->req_len, &m) != 0) {
    rl_sp_txn_respond(p, t, 500, "Server Internal Error");
    return;
  }
  memset(&fw, 0, sizeof fw);
  if (ruri) {
    fw.request_uri.p = ruri;
    fw.request_uri.len = strlen(ruri);
  }
  our_via(p, to, t->base.out_branch, via, sizeof via);
  fw.via.p = via;
  fw.via.len = strlen(via);
  if (is_dialog_creating(t->method)) record_route(p, t, to, rr, sizeof rr, &fw);
  /* 16.4: the top Routes that were ours come off. */
  {
    rl_sip_addr next;
    int ours = 0;
    if (rl_sp_routes_of_us(p, &m, &ours, &next, NULL) >= 0) fw.drop_top_route = ours;
  }
  rl_writer_init(&w, (uint8_t *)p->fwdbuf, sizeof p->fwdbuf, NULL);
  rc = rl_sip_write_forward(&w, &m, &fw);
  if (rc == RL_ERR_PARAM) {
    rl_sp_txn_respond(p, t, 483, "Too Many Hops");
    return;
  }
  if (rc != 0 || w.err) {
    rl_sp_txn_respond(p, t, 513, "Message Too Large");
    return;
  }
  if (rl_sp_keep_bytes(&t->fwd, &t->fwd_cap, &t->fwd_len, p->fwdbuf, w.len) != 0) {
    rl_sp_txn_respond(p, t, 500, "Server Internal Error (out of memory)");
    return;
  }
  t->down = *to;
  rl_sp_log_msg(p, "->", to, t->fwd, t->fwd_len);
  if (rl_sp_send_to(p, to, t->fwd, t->fwd_len) != 0) {
    rl_sp_log(p, 1, "send failed");
  }
  p->st.forwarded++;
  if (t->method == RL_SIP_METHOD_ACK) {
    rl_sp_txn_free(t);
    return;
  }
  t->state = TX_FORWARDED;
  if (to->kind == HOP_UDP) {
    t->retx_interval = SP_T1;
    t->next_retx = p->now + SP_T1;
  } else {
    t->next_retx = 0;
  }
}

/* A CANCEL for the INVITE t forwarded (16.10): same Request-URI, Call-ID,
 * To, From, CSeq number and Route as what we sent, our Via with its branch. */
void rl_sp_send_cancel(rl_sip_proxy *p, sp_txn *t) {
  rl_sip_msg m;
  rl_writer w;
  rl_sip_cseq cs;
  long i;
  if (rl_sp_reparse(p, t->fwd, t->fwd_len, &m) != 0) return;
  i = rl_sip_msg_find(&m, RL_SIP_HDR_CSEQ, 0);
  if (i < 0 || rl_sip_cseq_parse(m.hdr[i].value, &cs, NULL) != 0) return;
  rl_writer_init(&w, (uint8_t *)p->out, sizeof p->out, NULL);
  rl_sip_write_request_line(&w, "CANCEL", m.request_uri);
  for (size_t k = 0; k < m.nhdr; k++) {
    rl_sip_header *h = &m.hdr[k];
    if (h->kind == RL_SIP_HDR_VIA) {
      /* Ours only: the first Via value of the first Via header. */
      if (rl_sip_msg_find(&m, RL_SIP_HDR_VIA, 0) == (long)k) {
        rl_sip_via v;
        size_t pos = 0;
        if (rl_sip_via_next(h->value, &pos, &v, NULL) > 0) rl_sip_write_header(&w, "Via", v.text);
      }
    } else if (h->kind == RL_SIP_HDR_FROM || h->kind == RL_SIP_HDR_TO ||
               h->kind == RL_SIP_HDR_CALL_ID || h->kind == RL_SIP_HDR_ROUTE ||
               h->kind == RL_SIP_HDR_MAX_FORWARDS) {
      rl_sip_put_str(&w, h->line);
    }
  }
  rl_sip_put_cstr(&w, "CSeq: ");
  rl_sip_put_uint(&w, cs.seq);
  rl_sip_put_cstr(&w, " CANCEL\r\n");
  rl_sip_write_body(&w, NULL, NULL, 0);
  if (w.err) return;
  rl_sp_log_msg(p, "->", &t->down, p->out, w.len);
  (void)rl_sp_send_to(p, &t->down, p->out, w.len);
}

/* 1 when uri names this proxy: our GRUU, or our address and port. */
static int uri_is_us(rl_sip_proxy *p, const rl_sip_uri *u) {
  rl_sip_str gr;
  uint8_t id[RL_NODE_ID_MAX];
  rl_ctx ctx;
  rl_ctx_init(&ctx, NULL, rl_node_params(p->node));
  if (rl_sip_param_find(u->params, "gr", &gr) && gr.p && !u->user.p)
    return rl_sip_gruu_decode(gr, &ctx, p->id_len, id) == 0 && memcmp(id, p->self, p->id_len) == 0;
  return !u->user.p && rl_sp_uri_is_our_address(p, u);
}

/* The Route values of m that name this proxy, from the top (16.4: the
 * proxy removes them; two when it recorded the route twice, RFC 5658),
 * and the first one after them in *next (1), or 0 when none is left.
 * RL_ERR_SYNTAX when a Route does not parse. */
int rl_sp_routes_of_us(rl_sip_proxy *p, const rl_sip_msg *m, int *ours, rl_sip_addr *next,
                       rl_sip_err *err) {
  *ours = 0;
  for (long ri = rl_sip_msg_find(m, RL_SIP_HDR_ROUTE, 0); ri >= 0;
       ri = rl_sip_msg_find(m, RL_SIP_HDR_ROUTE, (size_t)ri + 1)) {
    size_t pos = 0;
    int r;
    while ((r = rl_sip_route_next(RL_SIP_HDR_ROUTE, m->hdr[ri].value, &pos, next, err)) > 0) {
      if (!uri_is_us(p, &next->uri)) return 1;
      (*ours)++;
    }
    if (r < 0) return r;
  }
  return 0;
}

/* A response whose transaction is gone (16.11): on by the branch's note
 * of where the request came from: a connection, or the next Via (18.2.2:
 * its received address and rport or port). */
void rl_sp_forward_response_stateless(rl_sip_proxy *p, const rl_sip_msg *m, rl_sip_str branch) {
  size_t pl = strlen(SP_BRANCH_PREFIX) + 8;
  sp_hop h;
  rl_writer w;
  memset(&h, 0, sizeof h);
  if (branch.len == pl + 7 && branch.p[pl] == 'c') {
    char num[8];
    memcpy(num, branch.p + pl + 1, 2);
    num[2] = 0;
    h.conn = (int)strtol(num, NULL, 16);
    memcpy(num, branch.p + pl + 3, 4);
    num[4] = 0;
    h.gen = (uint32_t)strtol(num, NULL, 16);
    h.kind = HOP_CONN;
    if (h.conn >= SP_MAX_CONNS || !p->conns[h.conn].used ||
        (p->conns[h.conn].gen & 0xffff) != h.gen) {
      rl_sp_log(p, 1, "late response: its connection is gone: dropped");
      return;
    }
    h.gen = p->conns[h.conn].gen;
  } else if (branch.len == pl + 1 && branch.p[pl] == 'u') {
    long vi = rl_sip_msg_find(m, RL_SIP_HDR_VIA, 0);
    rl_sip_via v;
    rl_sip_uri u;
    size_t pos = 0;
    int r;
    rl_sip_err err;
    /* The second via-parm: in the same header, or the next Via header. */
    r = rl_sip_via_next(m->hdr[vi].value, &pos, &v, &err);
    if (r > 0) r = rl_sip_via_next(m->hdr[vi].value, &pos, &v, &err);
    if (r == 0) {
      long vn = rl_sip_msg_find(m, RL_SIP_HDR_VIA, (size_t)vi + 1);
      pos = 0;
      r = vn >= 0 ? rl_sip_via_next(m->hdr[vn].value, &pos, &v, &err) : 0;
    }
    if (r <= 0) return;
    memset(&u, 0, sizeof u);
    u.host = v.received.p ? v.received : v.host;
    u.host_type = rl_sip_host_classify(u.host);
    u.port = v.rport > 0 ? v.rport : v.port;
    if (rl_sp_sockaddr_from_uri(&u, &h.addr, &h.alen) != 0) return;
    h.kind = HOP_UDP;
  } else {
    return;
  }
  rl_writer_init(&w, (uint8_t *)p->out, sizeof p->out, NULL);
  if (rl_sip_write_response_forward(&w, m) != 0 || w.err) return;
  rl_sp_log_msg(p, "-> (stateless)", &h, p->out, w.len);
  (void)rl_sp_send_to(p, &h, p->out, w.len);
}

/* The ACK for a non-2xx final response resp to the INVITE t forwarded,
 * sent by us, hop by hop (17.1.1.3): "The ACK request constructed by the
 * client transaction MUST contain values for the Call-ID, From, and
 * Request-URI that are equal to the values of those header fields in the
 * request passed to the transport by the client transaction (call this
 * the 'original request'). The To header field in the ACK MUST equal the
 * To header field in the response being acknowledged. The ACK MUST
 * contain a single Via header field, and this MUST be equal to the top
 * Via header field of the original request." CSeq has its number and the
 * method ACK; the Route headers are those of the original request. */
void rl_sp_send_ack(rl_sip_proxy *p, sp_txn *t, const rl_sip_msg *resp) {
  rl_sip_msg m;
  rl_writer w;
  rl_sip_cseq cs;
  long i, to = rl_sip_msg_find(resp, RL_SIP_HDR_TO, 0);
  if (!t->fwd_len || to < 0) return;
  rl_sip_msg_init(&m, p->hdr2, sizeof p->hdr2 / sizeof p->hdr2[0]);
  if (rl_sip_msg_parse(&m, t->fwd, t->fwd_len, NULL, NULL) != 0) return;
  i = rl_sip_msg_find(&m, RL_SIP_HDR_CSEQ, 0);
  if (i < 0 || rl_sip_cseq_parse(m.hdr[i].value, &cs, NULL) != 0) return;
  rl_writer_init(&w, (uint8_t *)p->out, sizeof p->out, NULL);
  rl_sip_write_request_line(&w, "ACK", m.request_uri);
  for (size_t k = 0; k < m.nhdr; k++) {
    rl_sip_header *h = &m.hdr[k];
    if (h->kind == RL_SIP_HDR_VIA && rl_sip_msg_find(&m, RL_SIP_HDR_VIA, 0) == (long)k) {
      rl_sip_via v;
      size_t pos = 0;
      if (rl_sip_via_next(h->value, &pos, &v, NULL) > 0) rl_sip_write_header(&w, "Via", v.text);
    } else if (h->kind == RL_SIP_HDR_FROM || h->kind == RL_SIP_HDR_CALL_ID ||
               h->kind == RL_SIP_HDR_ROUTE) {
      rl_sip_put_str(&w, h->line);
    }
  }
  rl_sip_put_str(&w, resp->hdr[to].line);
  rl_sip_put_cstr(&w, "CSeq: ");
  rl_sip_put_uint(&w, cs.seq);
  rl_sip_put_cstr(&w, " ACK\r\nMax-Forwards: 70\r\n");
  rl_sip_write_body(&w, NULL, NULL, 0);
  if (w.err) return;
  rl_sp_log_msg(p, "->", &t->down, p->out, w.len);
  (void)rl_sp_send_to(p, &t->down, p->out, w.len);
}
