/* transport_dtls.c: the network transport over DTLS-UDP-SR-NO-ICE links
 * (RFC 6940 6.6.4, src/net/dlink.h): `reload-conform --link dtls`; and
 * over DTLS-UDP-SR with ICE, `--link dtls-ice` (transport_link.h: each
 * connection an Attach with full ICE first; the ICE part is
 * transport_ice.c).
 *
 * A DTLS link is one per pair of addresses (dlink.h), so every named
 * connection of a scenario gets a context of its own, on a UDP socket of
 * its own. What this transport cannot do is skipped by the runner with
 * the reason (transport.h): bytes outside the framing (send_stream: the
 * framing tests), the link figures of expect-acked (link_info: SR numbers
 * every retransmission anew, so the TCP figures would not compare),
 * credentials of another CA (open_as). Incoming links are refused: the
 * suite connects, it does not listen. */
#define _POSIX_C_SOURCE 200809L
#include "transport_link.h"
#include "msgq.h"

#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "net/dlink.h"
#include "net/ice.h"
#include "runtime/error.h"
#include "transport_ice.h"

#define MAX_CONNS 16
#define TICK_MS 100

typedef struct dconn {
  char name[64];
  int used, up, closed;
  rl_dlink_ctx *ctx;
  rl_dlink *l; /* NULL once it closed */
  char detail[200];
  rl_conf_msgq q; /* arrived, not taken yet */
  rl_conf_ice_link *ice; /* --link dtls-ice: the agent under l */
} dconn;

typedef struct dt {
  rl_conf_link_config cfg;
  struct sockaddr_storage addr;
  socklen_t addrlen;
  dconn conns[MAX_CONNS + 1]; /* the last: the direct link of an Attach */
  rl_conf_msg *current; /* the last message handed out by recv */
  rl_conf_ice *ice;     /* --link dtls-ice */
} dt;

static void why_set(char *why, size_t whylen, const char *fmt, const char *a) {
  if (why && whylen) snprintf(why, whylen, fmt, a);
}

static uint64_t mono_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* ---- link callbacks: the user pointer is the connection ---- */

static int d_incoming(void *user, rl_dlink *l) {
  (void)user;
  (void)l;
  return 0;
}

static void d_up(void *user, rl_dlink *l) {
  (void)l;
  ((dconn *)user)->up = 1;
}

static void d_message(void *user, rl_dlink *l, const uint8_t *m, size_t len) {
  dconn *c = user;
  (void)l;
  /* Out of memory: the runner then reports that nothing arrived. */
  (void)rl_conf_msgq_push(&c->q, m, len);
}

static void d_oversize(void *user, rl_dlink *l, const uint8_t *hdr, size_t hdr_len,
                       size_t announced) {
  dconn *c = user;
  (void)l;
  (void)hdr;
  (void)hdr_len;
  c->closed = 1;
  snprintf(c->detail, sizeof c->detail,
           "oversize frame: the target sent a frame of %zu bytes, above our limit", announced);
}

static void d_closed(void *user, rl_dlink *l, rl_link_fail f, const char *detail) {
  dconn *c = user;
  (void)l;
  c->l = NULL;
  if (!c->closed)
    snprintf(c->detail, sizeof c->detail, "%s%s%s", rl_link_fail_name(f),
             detail && *detail ? ": " : "", detail ? detail : "");
  c->closed = 1;
}

static const rl_dlink_callbacks dcb = {d_incoming, d_up, d_message, d_oversize, d_closed};

/* ---- the poll loop ---- */

static void pump(dt *T, uint64_t wait_ms) {
  struct pollfd pfd[MAX_CONNS + 1 + RL_CONF_ICE_MAX_FDS];
  dconn *who[MAX_CONNS + 1];
  size_t n = 0, nice = 0;
  int timeout;
  uint64_t now = mono_ms();
  if (wait_ms > TICK_MS) wait_ms = TICK_MS;
  for (int i = 0; i <= MAX_CONNS; i++) {
    dconn *c = &T->conns[i];
    uint64_t next;
    if (!c->used || !c->ctx) continue;
    next = rl_dlink_ctx_next_ms(c->ctx);
    if (next <= now)
      wait_ms = 0;
    else if (next - now < wait_ms)
      wait_ms = next - now;
    pfd[n].fd = rl_dlink_ctx_fd(c->ctx);
    pfd[n].events = rl_dlink_ctx_poll_events(c->ctx);
    pfd[n].revents = 0;
    who[n++] = c;
  }
  timeout = (int)wait_ms;
  if (T->ice) nice = rl_conf_ice_prepare(T->ice, pfd + n, RL_CONF_ICE_MAX_FDS, &timeout);
  (void)poll(pfd, n + nice, timeout);
  if (T->ice) rl_conf_ice_dispatch(T->ice, pfd + n, nice);
  now = mono_ms();
  for (size_t i = 0; i < n; i++) {
    rl_dlink_ctx_handle(who[i]->ctx, pfd[i].revents, now);
    rl_dlink_ctx_tick(who[i]->ctx, now);
  }
}

/* For transport_ice.c: run the loop for up to ms. */
static void pump_for(void *self, uint64_t ms) { pump(self, ms); }

/* ---- operations ---- */

static dconn *find(dt *T, const char *name) {
  for (int i = 0; i < MAX_CONNS; i++)
    if (T->conns[i].used && strcmp(T->conns[i].name, name) == 0) return &T->conns[i];
  return NULL;
}

/* Freeing the context sends close_notify on the link (dlink.h), over the
 * ICE pair too: the agent goes after it. */
static void conn_drop(dconn *c) {
  if (c->ctx) rl_dlink_ctx_free(c->ctx);
  rl_conf_ice_link_free(c->ice);
  rl_conf_msgq_clear(&c->q);
  memset(c, 0, sizeof *c);
}

/* c's context, on a socket of its own. */
static int conn_ctx(dt *T, dconn *c, char *why, size_t whylen) {
  struct sockaddr_storage any;
  rl_link_params p;
  memset(&p, 0, sizeof p);
  p.mode = T->ice ? RL_LINK_DTLS_ICE : RL_LINK_DTLS;
  /* One record carries one message (dlink.h): the oversize tests cannot
   * send more than that. */
  p.max_message_size =
      T->cfg.max_message_size > RL_DLINK_MSG_MAX ? RL_DLINK_MSG_MAX : T->cfg.max_message_size;
  p.handshake_timeout_ms = T->cfg.connect_timeout_ms;
  p.cred = T->cfg.cred;
  p.trust = T->cfg.trust;
  memset(&any, 0, sizeof any);
  any.ss_family = T->addr.ss_family;
  c->ctx = rl_dlink_ctx_new(&p, &dcb, c, (struct sockaddr *)&any,
                            any.ss_family == AF_INET6 ? sizeof(struct sockaddr_in6)
                                                      : sizeof(struct sockaddr_in),
                            why, whylen);
  return c->ctx ? 0 : RL_ERR_NOMEM;
}

static dconn *conn_new(dconn *slot, const char *name) {
  memset(slot, 0, sizeof *slot);
  snprintf(slot->name, sizeof slot->name, "%s", name);
  slot->used = 1;
  return slot;
}

/* A direct link to the target on c (DTLS-UDP-SR-NO-ICE, or the link an
 * Attach goes over), up; else c is dropped and the reason is in why. */
static int connect_direct(dt *T, dconn *c, char *why, size_t whylen) {
  uint64_t deadline;
  if (conn_ctx(T, c, why, whylen) != 0 ||
      !(c->l = rl_dlink_connect(c->ctx, (struct sockaddr *)&T->addr, T->addrlen))) {
    if (c->ctx) why_set(why, whylen, "%s", "no memory for the link");
    conn_drop(c);
    return RL_ERR_NOMEM;
  }
  rl_dlink_set_user(c->l, c);
  deadline = mono_ms() + T->cfg.connect_timeout_ms;
  while (!c->up && !c->closed && mono_ms() < deadline) pump(T, deadline - mono_ms());
  if (c->up && !c->closed) return 0;
  {
    int closed = c->closed;
    snprintf(why, whylen, "%s: %s", T->cfg.target,
             closed ? c->detail : "DTLS handshake timed out");
    conn_drop(c);
    return closed ? RL_ERR_IO : RL_ERR_TIMEOUT;
  }
}

static int ice_tx(void *user, const uint8_t *buf, size_t len) {
  dconn *c = user;
  return c->ice ? rl_conf_ice_send(c->ice, buf, len) : -1;
}

static void ice_in(void *user, const uint8_t *buf, size_t len) {
  dconn *c = user;
  if (c->l) rl_dlink_input(c->l, buf, len, mono_ms());
}

/* --link dtls-ice: the Attach over a direct link (the spare slot), then
 * the DTLS server end over the nominated pair (6.5.1.13), up. */
static int connect_ice(dt *T, dconn *c, char *why, size_t whylen) {
  dconn *ctl = conn_new(&T->conns[MAX_CONNS], "(attach)");
  rl_conf_ice_attach at;
  uint64_t deadline;
  int r;
  if ((r = connect_direct(T, ctl, why, whylen)) != 0) return r;
  memset(&at, 0, sizeof at);
  at.ctl = ctl->l;
  at.ctl_queue = &ctl->q;
  at.ctl_closed = &ctl->closed;
  at.pump = pump_for;
  at.pump_self = T;
  at.on_datagram = ice_in;
  at.user = c;
  r = rl_conf_ice_run(T->ice, &T->cfg, &at, &c->ice, why, whylen);
  conn_drop(ctl);
  if (r != 0) return r;
  if (conn_ctx(T, c, why, whylen) != 0 ||
      !(c->l = rl_dlink_over(c->ctx, 0, (struct sockaddr *)&at.far, at.far_len, ice_tx, c))) {
    if (c->ctx) why_set(why, whylen, "%s", "no memory for the link");
    return RL_ERR_NOMEM;
  }
  rl_dlink_set_user(c->l, c);
  deadline = mono_ms() + T->cfg.connect_timeout_ms;
  while (!c->up && !c->closed && mono_ms() < deadline) pump(T, deadline - mono_ms());
  if (c->up && !c->closed) return 0;
  snprintf(why, whylen, "%s: over the nominated ICE pair: %s", T->cfg.target,
           c->closed ? c->detail
                     : "no DTLS handshake from the target: the Attach's answerer must be the "
                       "DTLS client (RFC 6940 6.5.1.13)");
  return c->closed ? RL_ERR_IO : RL_ERR_TIMEOUT;
}

static int t_open(void *self, const char *name, rl_scen_role role, char *why, size_t whylen) {
  dt *T = self;
  dconn *c = find(T, name);
  int r;
  (void)role;
  if (c && !c->closed) return 0;
  if (c) conn_drop(c);
  for (int i = 0; i < MAX_CONNS && !c; i++)
    if (!T->conns[i].used) c = &T->conns[i];
  if (!c) {
    why_set(why, whylen, "more than %s connections", "16");
    return RL_ERR_STATE;
  }
  conn_new(c, name);
  if (!T->ice) return connect_direct(T, c, why, whylen);
  r = connect_ice(T, c, why, whylen);
  if (r != 0) conn_drop(c);
  return r;
}

static int t_send(void *self, const char *name, const uint8_t *m, size_t len, char *why,
                  size_t whylen) {
  dt *T = self;
  dconn *c = find(T, name);
  int r;
  if (!c || c->closed || !c->l) {
    why_set(why, whylen, "the connection is closed%s", c ? c->detail : "");
    return RL_ERR_IO;
  }
  r = rl_dlink_send(c->l, m, len);
  if (r != 0) {
    why_set(why, whylen, "the link refused the message (%s)", rl_strerror(r));
    return r;
  }
  pump(T, 0);
  return 0;
}

static int t_recv(void *self, const char *name, uint64_t timeout_ms, rl_conf_event *ev,
                  char *why, size_t whylen) {
  dt *T = self;
  dconn *c = find(T, name);
  uint64_t deadline = mono_ms() + timeout_ms;
  rl_conf_msg_free(T->current);
  T->current = NULL;
  memset(ev, 0, sizeof *ev);
  if (!c) {
    why_set(why, whylen, "connection @%s is not open", name);
    return RL_ERR_STATE;
  }
  for (;;) {
    uint64_t now;
    if (c->q.head) {
      rl_conf_msg *m = rl_conf_msgq_pop(&c->q);
      T->current = m;
      ev->kind = RL_CONF_EV_MESSAGE;
      ev->data = m->data;
      ev->len = m->len;
      return 0;
    }
    if (c->closed) {
      ev->kind = RL_CONF_EV_CLOSED;
      snprintf(ev->detail, sizeof ev->detail, "%s", c->detail);
      return 0;
    }
    now = mono_ms();
    if (now >= deadline) {
      ev->kind = RL_CONF_EV_TIMEOUT;
      return 0;
    }
    pump(T, deadline - now);
  }
}

static void t_close(void *self, const char *name) {
  dconn *c = find(self, name);
  if (c) conn_drop(c);
}

static uint64_t t_now(void *self) {
  (void)self;
  return mono_ms();
}

/* Sleeping keeps the links alive: acks, retransmissions, keepalives. */
static void t_sleep(void *self, uint64_t ms) {
  uint64_t deadline = mono_ms() + ms, now;
  while ((now = mono_ms()) < deadline) pump(self, deadline - now);
}

static void t_destroy(void *self) {
  dt *T = self;
  for (int i = 0; i <= MAX_CONNS; i++)
    if (T->conns[i].used) conn_drop(&T->conns[i]);
  rl_conf_msg_free(T->current);
  rl_conf_ice_free(T->ice);
  free(T);
}

static const rl_conf_transport_ops dtls_ops = {
    "dtls", t_open, t_send, NULL, t_recv, t_close, t_now, t_sleep, t_destroy, NULL, NULL, NULL};
static const rl_conf_transport_ops dtls_ice_ops = {
    "dtls-ice", t_open, t_send, NULL, t_recv, t_close, t_now, t_sleep, t_destroy, NULL, NULL, NULL};

/* HOST:PORT or [HOST]:PORT, for UDP. */
static int resolve(dt *T, const char *target, char *why, size_t whylen) {
  char host[256];
  const char *colon = strrchr(target, ':'), *h = target;
  size_t hl;
  struct addrinfo hints, *ai = NULL;
  int r;
  if (!colon || !colon[1] || colon == target) {
    why_set(why, whylen, "--target %s: expected HOST:PORT", target);
    return RL_ERR_SYNTAX;
  }
  hl = (size_t)(colon - target);
  if (target[0] == '[' && hl >= 2 && target[hl - 1] == ']') {
    h = target + 1;
    hl -= 2;
  }
  if (hl >= sizeof host) {
    why_set(why, whylen, "--target %s: host name too long", target);
    return RL_ERR_SYNTAX;
  }
  memcpy(host, h, hl);
  host[hl] = 0;
  memset(&hints, 0, sizeof hints);
  hints.ai_socktype = SOCK_DGRAM;
  r = getaddrinfo(host, colon + 1, &hints, &ai);
  if (r != 0 || !ai || ai->ai_addrlen > sizeof T->addr) {
    why_set(why, whylen, "--target %s: cannot resolve it", target);
    if (ai) freeaddrinfo(ai);
    return RL_ERR_SYNTAX;
  }
  memcpy(&T->addr, ai->ai_addr, ai->ai_addrlen);
  T->addrlen = ai->ai_addrlen;
  freeaddrinfo(ai);
  return 0;
}

int rl_conf_dtls_new(const rl_conf_link_config *cfg, rl_conf_transport *out, char *why,
                     size_t whylen) {
  dt *T;
  int r;
  if (!cfg->cred || !cfg->trust) {
    why_set(why, whylen, "--link dtls needs --cert, --key and --ca%s", "");
    return RL_ERR_PARAM;
  }
  T = calloc(1, sizeof *T);
  if (!T) {
    why_set(why, whylen, "%s", "out of memory");
    return RL_ERR_NOMEM;
  }
  T->cfg = *cfg;
  if (!T->cfg.connect_timeout_ms) T->cfg.connect_timeout_ms = 10000;
  if ((r = resolve(T, cfg->target, why, whylen)) != 0) {
    free(T);
    return r;
  }
  if (cfg->kind == RL_CONF_LINK_DTLS_ICE &&
      !(T->ice = rl_conf_ice_new(&T->addr, T->addrlen, why, whylen))) {
    free(T);
    return RL_ERR_PARAM;
  }
  out->ops = T->ice ? &dtls_ice_ops : &dtls_ops;
  out->self = T;
  return 0;
}
