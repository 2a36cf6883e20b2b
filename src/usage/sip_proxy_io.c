/* usage/sip_proxy_io.c: the SIP proxy of a peer (RFC 7904, RFC 3261 16),
 * the I/O glue: sockets, links, received/rport (18.2.1), the node's event
 * loop, timers, setup and status. See sip_proxy.h and sip_proxy_int.h. */
#define _GNU_SOURCE /* getaddrinfo flags, strcasecmp */
#include "usage/sip_proxy_int.h"
#include "peer/driver.h"

static int hop_source(const rl_sip_proxy *p, const sp_hop *h, char *ip, size_t cap, int *port);
static size_t via_received(rl_sip_proxy *p, const rl_sip_msg *m, const sp_hop *from);
static void handle_message(rl_sip_proxy *p, const char *buf, size_t len, const sp_hop *from,
                           int stream, int from_peer);
static void read_udp(rl_sip_proxy *p);
static int conn_of(rl_link *l);
static void on_data(void *user, rl_link *l, const uint8_t *msg, size_t len);
static void on_oversize(void *user, rl_link *l, const uint8_t *hdr, size_t hlen, size_t ann);
static void on_closed(void *user, rl_link *l, rl_link_fail why, const char *detail);
static void tick(rl_sip_proxy *p);
static size_t app_fill(void *user, struct pollfd *pfd, size_t max);
static rl_link *find_link(rl_link_ctx *ctx, int fd);
static void accept_all(rl_sip_proxy *p, rl_link_ctx *ctx, int fd, conn_kind kind);
static void app_handle(void *user, struct pollfd *pfd, size_t n, uint64_t now_ms);
static int bind_udp(const struct sockaddr_storage *a, socklen_t len);
static uint16_t port_of_addr(const struct sockaddr_storage *ss);
static uint16_t port_of(int fd);
static int open_ports(rl_sip_proxy *p, const rl_sip_proxy_options *o, char *why, size_t whylen);

/* The source address of what came from hop h, as text and port. */
static int hop_source(const rl_sip_proxy *p, const sp_hop *h, char *ip, size_t cap, int *port) {
  struct sockaddr_storage ss;
  socklen_t sl = 0;
  if (h->kind == HOP_UDP) {
    ss = h->addr;
  } else if (h->kind == HOP_CONN && rl_sp_conn_alive(p, h->conn, h->gen) &&
             p->conns[h->conn].link) {
    const struct sockaddr *sa = rl_link_peer_addr(p->conns[h->conn].link, &sl);
    if (!sa || sl > sizeof ss) return -1;
    memset(&ss, 0, sizeof ss);
    memcpy(&ss, sa, sl);
  } else {
    return -1;
  }
  if (ss.ss_family == AF_INET) {
    inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, ip, (socklen_t)cap);
    *port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
  } else if (ss.ss_family == AF_INET6) {
    inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr, ip, (socklen_t)cap);
    *port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
  } else {
    return -1;
  }
  return 0;
}

/* A request from a phone with "received" and "rport" set in its top Via:
 * 18.2.1: "the server MUST add a "received" parameter to that Via header
 * field value" when the sent-by host is not the packet's source address;
 * RFC 3581 4: with "rport" (no value) in the top Via the server "MUST
 * insert a "received" parameter containing the source IP address" and
 * sets rport to the source port. Responses then go back by those values.
 * Writes the new message into p->via_fix; its length, or 0 when nothing
 * changes (or it would not fit). */
static size_t via_received(rl_sip_proxy *p, const rl_sip_msg *m, const sp_hop *from) {
  char ip[INET6_ADDRSTRLEN];
  int port;
  long n;
  if (hop_source(p, from, ip, sizeof ip, &port) != 0) return 0;
  n = rl_sip_write_via_received(m, ip, port, p->via_fix, sizeof p->via_fix);
  return n > 0 ? (size_t)n : 0;
}

static void handle_message(rl_sip_proxy *p, const char *buf, size_t len, const sp_hop *from,
                           int stream, int from_peer) {
  rl_sip_msg m;
  rl_sip_err err;
  rl_sip_opts o = rl_sip_opts_default();
  int rc;
  o.stream = stream;
  rl_sip_msg_init(&m, p->hdr, sizeof p->hdr / sizeof p->hdr[0]);
  rc = rl_sip_msg_parse(&m, buf, len, &o, &err);
  if (rc != 0) {
    char ht[96];
    p->st.bad_messages++;
    rl_sp_hop_text(p, from, ht, sizeof ht);
    rl_sp_log(p, 1, "<- %s: malformed SIP (%s at offset %zu): dropped", ht, err.reason, err.offset);
    /* 400 when enough of a request parsed to answer it (21.4.1). */
    if (m.is_request && m.nhdr > 0) {
      rl_sip_err e2;
      if (rl_sip_msg_validate(&m, &e2) == 0)
        rl_sp_respond(p, &m, from, err.status ? err.status : 400, err.reason, NULL, NULL);
    } else if (err.offset < (size_t)rl_sp_first_line_len(buf, len) && len > 4 &&
               memcmp(buf, "SIP/", 4) != 0) {
      /* The Request-Line is bad: the headers may still say where to
       * answer. Parse them behind a stand-in Request-Line. */
      static const char stand_in[] = "OPTIONS sip:invalid SIP/2.0";
      size_t fl = (size_t)rl_sp_first_line_len(buf, len);
      if (sizeof stand_in - 1 + len - fl <= sizeof p->fix) {
        rl_sip_msg m2;
        rl_sip_err e2;
        memcpy(p->fix, stand_in, sizeof stand_in - 1);
        memcpy(p->fix + sizeof stand_in - 1, buf + fl, len - fl);
        rl_sip_msg_init(&m2, p->hdr, sizeof p->hdr / sizeof p->hdr[0]);
        if (rl_sip_msg_parse(&m2, p->fix, sizeof stand_in - 1 + len - fl, &o, &e2) == 0 &&
            rl_sip_msg_find(&m2, RL_SIP_HDR_VIA, 0) >= 0 &&
            rl_sip_msg_find(&m2, RL_SIP_HDR_CSEQ, 0) >= 0)
          rl_sp_respond_raw(p, &m2, from, 400, err.reason);
      }
    }
    return;
  }
  rl_sp_log_msg(p, "<-", from, buf, len);
  if (m.is_request && !from_peer) {
    size_t n = via_received(p, &m, from);
    if (n) {
      rl_sip_msg_init(&m, p->hdr, sizeof p->hdr / sizeof p->hdr[0]);
      if (rl_sip_msg_parse(&m, p->via_fix, n, &o, &err) == 0) {
        rl_sp_handle_request(p, &m, p->via_fix, m.len, from, from_peer);
        return;
      }
      /* The change does not parse: the message as it came. */
      rl_sip_msg_init(&m, p->hdr, sizeof p->hdr / sizeof p->hdr[0]);
      if (rl_sip_msg_parse(&m, buf, len, &o, &err) != 0) return;
    }
  }
  if (m.is_request)
    rl_sp_handle_request(p, &m, buf + m.skipped, m.len - m.skipped, from, from_peer);
  else
    rl_sp_handle_response(p, &m, from);
}

static void read_udp(rl_sip_proxy *p) {
  for (int k = 0; k < 64; k++) {
    sp_hop h;
    ssize_t n;
    memset(&h, 0, sizeof h);
    h.kind = HOP_UDP;
    h.alen = sizeof h.addr;
    n = recvfrom(p->udp_fd, p->dgram, sizeof p->dgram, 0, (struct sockaddr *)&h.addr, &h.alen);
    if (n < 0) return;
    /* 7.5 / RFC 5626 keepalives: CRLFs alone. */
    if (n <= 4 && (n == 0 || p->dgram[0] == '\r' || p->dgram[0] == '\n')) continue;
    handle_message(p, p->dgram, (size_t)n, &h, 0, 0);
  }
}

/* Link callbacks: phone TCP (plain) and peer links (TLS) are streams. */
static int conn_of(rl_link *l) { return (int)(intptr_t)rl_link_get_user(l) - 1; }

void rl_sp_on_up(void *user, rl_link *l) {
  rl_sip_proxy *p = user;
  int ci = conn_of(l);
  sp_conn *c;
  if (ci < 0) return;
  c = &p->conns[ci];
  if (c->kind == CONN_PEER && rl_sip_peer_link_mode(p->node) == RL_LINK_TLS) {
    const rl_cert *cert = rl_link_peer_cert(l);
    if (c->outgoing) {
      /* 7904 5.1: "the responding Peer MUST present a certificate with a
       * Node-ID matching the terminal entry in the destination list.
       * Otherwise, the connection MUST NOT be used and MUST be closed." */
      if (!cert || !rl_cert_has_node_id(cert, c->node_id, p->id_len)) {
        rl_sp_log(p, 1, "SIP link: the far end's certificate lacks the Node-ID: closed");
        rl_link_close(l);
        return;
      }
      c->have_id = 1;
    } else if (cert && cert->n_node_ids > 0) {
      memcpy(c->node_id, cert->node_ids[0], p->id_len);
      c->have_id = 1;
    }
  } else if (c->kind == CONN_PEER && c->outgoing) {
    c->have_id = 1; /* insecure mode: no certificates to check */
  }
  c->up = 1;
  /* The requests that waited for this link. */
  for (size_t i = 0; i < rl_sip_txn_count(p->txns); i++) {
    sp_txn *t = rl_sp_txn_at(p, i);
    if (t->state == TX_CONNECTING && t->conn == ci && t->conn_gen == c->gen)
      rl_sp_send_over(p, t, ci);
  }
}

static void on_data(void *user, rl_link *l, const uint8_t *msg, size_t len) {
  rl_sip_proxy *p = user;
  int ci = conn_of(l);
  sp_conn *c;
  sp_hop h;
  rl_sip_opts o = rl_sip_opts_default();
  o.stream = 1;
  if (ci < 0) return;
  c = &p->conns[ci];
  if (len > SP_CONN_BUF - c->len) {
    rl_sp_log(p, 1, "SIP link: a message over %d bytes: closed", SP_CONN_BUF);
    p->st.bad_messages++;
    rl_link_close(l);
    return;
  }
  memcpy(c->buf + c->len, msg, len);
  c->len += len;
  memset(&h, 0, sizeof h);
  h.kind = HOP_CONN;
  h.conn = ci;
  h.gen = c->gen;
  while (c->used && c->gen == h.gen && c->len > 0) {
    rl_sip_frame f;
    rl_sip_err err;
    int r = rl_sip_msg_frame(&c->fr, c->buf, c->len, &o, &f, &err);
    if (r == RL_ERR_TRUNCATED) {
      if (f.skip == c->len && c->len > 0) { /* keepalive CRLFs only */
        c->len = 0;
        memset(&c->fr, 0, sizeof c->fr);
      }
      break;
    }
    if (r != 0 || f.total > SP_MSG_MAX + 4) {
      /* A stream whose framing is lost cannot go on (18.3). */
      rl_sp_log(p, 1, "SIP link: %s: closed", r != 0 ? err.reason : "message too large");
      p->st.bad_messages++;
      rl_link_close(l);
      c->len = 0;
      break;
    }
    if (f.total > c->len) break;
    handle_message(p, c->buf, f.total, &h, 1, c->kind == CONN_PEER);
    if (!c->used || c->gen != h.gen) break;
    memmove(c->buf, c->buf + f.total, c->len - f.total);
    c->len -= f.total;
    memset(&c->fr, 0, sizeof c->fr);
  }
}

static void on_oversize(void *user, rl_link *l, const uint8_t *hdr, size_t hlen, size_t ann) {
  (void)user;
  (void)l;
  (void)hdr;
  (void)hlen;
  (void)ann;
}

static void on_closed(void *user, rl_link *l, rl_link_fail why, const char *detail) {
  rl_sip_proxy *p = user;
  int ci = conn_of(l);
  sp_conn *c;
  if (ci < 0) return;
  c = &p->conns[ci];
  rl_sp_log(p, 1, "SIP link #%d closed: %s (%s)", ci, rl_link_fail_name(why), detail ? detail : "");
  c->used = 0;
  c->up = 0;
  c->link = NULL;
  /* Requests waiting for it try the next registration. */
  for (size_t i = 0; i < rl_sip_txn_count(p->txns); i++) {
    sp_txn *t = rl_sp_txn_at(p, i);
    if (t->state == TX_CONNECTING && t->conn == ci && t->conn_gen == c->gen)
      rl_sp_try_next_target(p, t);
  }
  /* Bindings over it are gone (the phone reconnects and registers). */
  for (size_t i = 0; i < SP_MAX_BINDINGS; i++)
    if (p->bindings[i].used && p->bindings[i].hop.kind == HOP_CONN &&
        p->bindings[i].hop.conn == ci && p->bindings[i].hop.gen == c->gen)
      p->bindings[i].used = 0;
}

static const rl_link_callbacks link_cbs = {rl_sp_on_up, on_data, on_oversize, on_closed};

static void tick(rl_sip_proxy *p) {
  if (p->now < p->next_tick) return;
  p->next_tick = p->now + SP_TICK_MS;
  for (size_t i = 0; i < rl_sip_txn_count(p->txns); i++) {
    sp_txn *t = rl_sp_txn_at(p, i);
    if (t->state == TX_FREE) continue;
    if (t->state == TX_ANSWERED) {
      if (p->now >= t->linger_until) {
        rl_sp_txn_free(t);
      } else if (t->resp_retx && !t->acked && p->now >= t->resp_retx && t->resp_len) {
        /* Timer G (17.2.1): the non-2xx final again until the ACK comes. */
        (void)rl_sp_send_to(p, &t->up, t->resp, t->resp_len);
        t->resp_interval = t->resp_interval * 2 > SP_T2 ? SP_T2 : t->resp_interval * 2;
        t->resp_retx = p->now + t->resp_interval;
      }
      continue;
    }
    if (p->now - t->created >= SP_TXN_TIMEOUT) {
      /* Timers B / F (17.1.1.2, 17.1.2.2): no final answer in time. */
      if (!t->final_sent && !(t->method == RL_SIP_METHOD_INVITE && t->got_response))
        rl_sp_txn_respond(p, t, 408, "Request Timeout");
      if (t->state != TX_ANSWERED) {
        t->state = TX_ANSWERED;
        t->linger_until = p->now + (t->method == RL_SIP_METHOD_INVITE ? 180000u : 0u);
      }
      t->resp_retx = 0;
      continue;
    }
    if (t->state == TX_FORWARDED && t->next_retx && !t->got_response && p->now >= t->next_retx &&
        t->down.kind == HOP_UDP) {
      /* Timers A / E: retransmit over UDP until something answers. */
      (void)rl_sp_send_to(p, &t->down, t->fwd, t->fwd_len);
      t->retx_interval *= 2;
      if (t->method != RL_SIP_METHOD_INVITE && t->retx_interval > SP_T2) t->retx_interval = SP_T2;
      t->next_retx = p->now + t->retx_interval;
    }
  }
  for (size_t i = 0; i < SP_MAX_BINDINGS; i++) {
    sp_binding *b = &p->bindings[i];
    if (b->used && p->now >= b->expires_ms) {
      rl_sp_log(p, 1, "registration of %s expired", b->aor);
      b->used = 0; /* the overlay's copy expires by its lifetime */
    }
  }
}

static size_t app_fill(void *user, struct pollfd *pfd, size_t max) {
  rl_sip_proxy *p = user;
  size_t n = 0;
  rl_link *all[2 * SP_MAX_CONNS];
  rl_link_ctx *ctxs[2] = {p->phone_ctx, p->peer_ctx};
  int fds[3] = {p->udp_fd, p->tcp_fd, p->tls_fd};
  for (int k = 0; k < 3 && n < max; k++) {
    pfd[n].fd = fds[k];
    pfd[n].events = POLLIN;
    n++;
  }
  for (int k = 0; k < 2; k++) {
    size_t nl = rl_link_ctx_links(ctxs[k], all, sizeof all / sizeof all[0]);
    for (size_t i = 0; i < nl && n < max; i++) {
      pfd[n].fd = rl_link_fd(all[i]);
      pfd[n].events = rl_link_poll_events(all[i]);
      n++;
    }
  }
  return n;
}

static rl_link *find_link(rl_link_ctx *ctx, int fd) {
  rl_link *all[2 * SP_MAX_CONNS];
  size_t nl = rl_link_ctx_links(ctx, all, sizeof all / sizeof all[0]);
  for (size_t i = 0; i < nl; i++)
    if (rl_link_fd(all[i]) == fd) return all[i];
  return NULL;
}

static void accept_all(rl_sip_proxy *p, rl_link_ctx *ctx, int fd, conn_kind kind) {
  rl_link *l;
  while ((l = rl_link_accept(ctx, fd)) != NULL) {
    if (rl_sp_conn_new(p, kind, l) < 0) {
      rl_sp_log(p, 1, "SIP connection table full: refused");
      rl_link_close(l);
    }
  }
}

static void app_handle(void *user, struct pollfd *pfd, size_t n, uint64_t now_ms) {
  rl_sip_proxy *p = user;
  p->now = now_ms;
  for (size_t i = 0; i < n; i++) {
    rl_link *l;
    if (!pfd[i].revents) continue;
    if (pfd[i].fd == p->udp_fd) {
      read_udp(p);
    } else if (pfd[i].fd == p->tcp_fd) {
      accept_all(p, p->phone_ctx, p->tcp_fd, CONN_PHONE);
    } else if (pfd[i].fd == p->tls_fd) {
      accept_all(p, p->peer_ctx, p->tls_fd, CONN_PEER);
    } else if ((l = find_link(p->phone_ctx, pfd[i].fd)) != NULL) {
      rl_link_handle(l, pfd[i].revents, now_ms);
    } else if ((l = find_link(p->peer_ctx, pfd[i].fd)) != NULL) {
      rl_link_handle(l, pfd[i].revents, now_ms);
    }
  }
  rl_link_ctx_tick(p->phone_ctx, now_ms);
  rl_link_ctx_tick(p->peer_ctx, now_ms);
  tick(p);
}

static int bind_udp(const struct sockaddr_storage *a, socklen_t len) {
  int fd = socket(a->ss_family, SOCK_DGRAM, 0);
  int buf = 4 << 20;
  if (fd < 0) return -1;
  /* Room for bursts (hundreds of calls a second): best effort, the
   * kernel caps it at net.core.rmem_max / wmem_max. */
  (void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buf, sizeof buf);
  (void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &buf, sizeof buf);
  if (bind(fd, (const struct sockaddr *)a, len) != 0 ||
      fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

static uint16_t port_of_addr(const struct sockaddr_storage *ss) {
  return ss->ss_family == AF_INET6 ? ntohs(((const struct sockaddr_in6 *)ss)->sin6_port)
                                   : ntohs(((const struct sockaddr_in *)ss)->sin_port);
}

static uint16_t port_of(int fd) {
  struct sockaddr_storage ss;
  socklen_t len = sizeof ss;
  if (getsockname(fd, (struct sockaddr *)&ss, &len) != 0) return 0;
  return port_of_addr(&ss);
}

/* The phones' UDP and TCP port (one number) and the peers' TLS port. 0 or
 * -1 with why set. */
static int open_ports(rl_sip_proxy *p, const rl_sip_proxy_options *o, char *why, size_t whylen) {
  struct sockaddr_storage a;
  socklen_t alen;
  /* Phones use one port for UDP and TCP. With port 0 the UDP port the
   * kernel picks may be taken for TCP (by any connection's local port):
   * then try another. */
  for (int attempt = 0;; attempt++) {
    int any = port_of_addr(&o->addr) == 0;
    p->udp_fd = bind_udp(&o->addr, o->addr_len);
    if (p->udp_fd < 0) {
      snprintf(why, whylen, "SIP UDP port: %s", strerror(errno));
      return -1;
    }
    p->port = port_of(p->udp_fd);
    p->udp_alen = sizeof p->udp_addr;
    if (getsockname(p->udp_fd, (struct sockaddr *)&p->udp_addr, &p->udp_alen) != 0) p->udp_alen = 0;
    a = o->addr;
    alen = o->addr_len;
    if (a.ss_family == AF_INET6)
      ((struct sockaddr_in6 *)&a)->sin6_port = htons(p->port);
    else
      ((struct sockaddr_in *)&a)->sin_port = htons(p->port);
    p->tcp_fd = rl_link_listen(p->phone_ctx, (struct sockaddr *)&a, alen, why, whylen);
    if (p->tcp_fd >= 0) break;
    close(p->udp_fd);
    p->udp_fd = -1;
    if (!any || attempt == 20) return -1;
  }
  if (a.ss_family == AF_INET6)
    ((struct sockaddr_in6 *)&a)->sin6_port = 0;
  else
    ((struct sockaddr_in *)&a)->sin_port = 0;
  p->tls_fd = rl_link_listen(p->peer_ctx, (struct sockaddr *)&a, alen, why, whylen);
  if (p->tls_fd < 0) return -1;
  p->peer_port = port_of(p->tls_fd);
  return 0;
}

rl_sip_proxy *rl_sip_proxy_new(const rl_sip_proxy_options *o, char *why, size_t whylen) {
  rl_sip_proxy *p;
  rl_link_params lp;
  const rl_overlay_config *cfg = rl_node_config(o->node);
  if (o->nusers > RL_SIP_PROXY_MAX_USERS) {
    snprintf(why, whylen, "at most %d SIP users", RL_SIP_PROXY_MAX_USERS);
    return NULL;
  }
  p = calloc(1, sizeof *p);
  if (!p) {
    snprintf(why, whylen, "out of memory");
    return NULL;
  }
  p->o = *o;
  p->node = o->node;
  p->self = rl_node_id(o->node, &p->id_len);
  p->udp_fd = p->tcp_fd = p->tls_fd = -1;
  p->rnd = (unsigned)time(NULL) ^ (unsigned)getpid() ^ p->self[0] << 8;
  rl_arena_init(&p->arena, p->arena_buf, sizeof p->arena_buf);
  p->txns = rl_sip_txn_table_new(sizeof(sp_txn), SP_MAX_TXNS);
  if (!p->txns) {
    snprintf(why, whylen, "out of memory");
    goto fail;
  }
  /* 7904 3.4: without domain restrictions the overlay's own name is the
   * domain of its AORs. */
  snprintf(p->domain, sizeof p->domain, "%s", cfg->instance_name);
  for (size_t i = 0; i < o->nusers; i++) {
    const rl_credentials *c = o->users[i];
    if (!c->cert->user || !rl_cert_has_node_id(c->cert, p->self, p->id_len)) {
      snprintf(why, whylen,
               "SIP credential %s: its certificate must name a user and this peer's "
               "Node-ID (RFC 7904 3.3, USER-NODE-MATCH)",
               c->cert->user ? c->cert->user : "?");
      goto fail;
    }
    if (rl_node_add_certificate(o->node, c->cert) != 0) {
      snprintf(why, whylen, "too many certificates");
      goto fail;
    }
  }
  {
    long g = rl_sip_gruu_encode(p->self, p->id_len, p->gruu, sizeof p->gruu);
    if (g < 0) {
      snprintf(why, whylen, "GRUU does not fit");
      goto fail;
    }
  }
  /* Address text for Via and Record-Route. */
  {
    const void *ad = o->addr.ss_family == AF_INET6
                         ? (const void *)&((const struct sockaddr_in6 *)&o->addr)->sin6_addr
                         : (const void *)&((const struct sockaddr_in *)&o->addr)->sin_addr;
    char t[INET6_ADDRSTRLEN];
    inet_ntop(o->addr.ss_family, ad, t, sizeof t);
    if (o->addr.ss_family == AF_INET6)
      snprintf(p->host, sizeof p->host, "[%s]", t);
    else
      snprintf(p->host, sizeof p->host, "%s", t);
  }
  memset(&lp, 0, sizeof lp);
  lp.mode = RL_LINK_TCP_INSECURE; /* phones: plain SIP over TCP */
  lp.stream = 1;
  lp.max_message_size = SP_MSG_MAX;
  p->phone_ctx = rl_link_ctx_new(&lp, &link_cbs, p, why, whylen);
  if (!p->phone_ctx) goto fail;
  lp.mode = rl_sip_peer_link_mode(o->node);
  lp.cred = rl_node_credentials(o->node);
  lp.trust = rl_node_trust(o->node);
  p->peer_ctx = rl_link_ctx_new(&lp, &link_cbs, p, why, whylen);
  if (!p->peer_ctx) goto fail;
  if (open_ports(p, o, why, whylen) != 0) goto fail;
  {
    rl_driver_app app = {app_fill, app_handle, p};
    rl_driver_set_app(rl_driver_of(o->node), &app);
  }
  rl_node_set_sip_port(o->node, p->peer_port);
  rl_sp_log(p, 1,
            "SIP for phones on %s:%u (UDP, TCP); SIP between peers on port %u (AppAttach 5060); "
            "domain %s; %zu user credential(s)",
            p->host, (unsigned)p->port, (unsigned)p->peer_port, p->domain, o->nusers);
  return p;
fail:
  rl_sip_proxy_free(p);
  return NULL;
}

void rl_sip_proxy_free(rl_sip_proxy *p) {
  if (!p) return;
  if (p->node && p->phone_ctx) rl_driver_set_app(rl_driver_of(p->node), NULL);
  if (p->phone_ctx) rl_link_ctx_free(p->phone_ctx);
  if (p->peer_ctx) rl_link_ctx_free(p->peer_ctx);
  if (p->udp_fd >= 0) close(p->udp_fd);
  if (p->tcp_fd >= 0) close(p->tcp_fd);
  if (p->tls_fd >= 0) close(p->tls_fd);
  rl_sip_txn_table_free(p->txns, rl_sp_txn_buffers_free);
  for (size_t i = 0; i < SP_MAX_CONNS; i++) free(p->conns[i].buf);
  free(p);
}

uint16_t rl_sip_proxy_port(const rl_sip_proxy *p) { return p->port; }

uint16_t rl_sip_proxy_peer_port(const rl_sip_proxy *p) { return p->peer_port; }

void rl_sip_proxy_get_stats(const rl_sip_proxy *p, rl_sip_proxy_stats *out) {
  *out = p->st;
  out->bindings = 0;
  out->transactions = 0;
  for (size_t i = 0; i < SP_MAX_BINDINGS; i++) out->bindings += p->bindings[i].used != 0;
  for (size_t i = 0; i < rl_sip_txn_count(p->txns); i++)
    out->transactions += rl_sp_txn_at(p, i)->state != TX_FREE;
}

char *rl_sip_proxy_status_json(const rl_sip_proxy *p) {
  rl_sip_proxy_stats s;
  char *out = malloc(1024);
  if (!out) return NULL;
  rl_sip_proxy_get_stats(p, &s);
  snprintf(out, 1024,
           "{\"sip_port\":%u,\"peer_port\":%u,\"domain\":\"%s\",\"bindings\":%zu,"
           "\"transactions\":%zu,\"requests_in\":%llu,\"responses_in\":%llu,\"forwarded\":%llu,"
           "\"answered_locally\":%llu,\"bad_messages\":%llu,\"lookups\":%llu,\"attaches\":%llu,"
           "\"peer_links\":%llu}",
           (unsigned)p->port, (unsigned)p->peer_port, p->domain, s.bindings, s.transactions,
           (unsigned long long)s.requests_in, (unsigned long long)s.responses_in,
           (unsigned long long)s.forwarded, (unsigned long long)s.answered_locally,
           (unsigned long long)s.bad_messages, (unsigned long long)s.lookups,
           (unsigned long long)s.attaches, (unsigned long long)s.peer_links);
  return out;
}
