/* transport_link.c: see transport_link.h. */
#define _POSIX_C_SOURCE 200809L
#include "transport_link.h"
#include "msgq.h"

#include <errno.h>
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "net/link.h"
#include "runtime/error.h"
#include "security/ca.h"

#define MAX_CONNS 16
/* The poll loop wakes at least this often for rl_link_ctx_tick (link.h). */
#define TICK_MS 100
/* 6.3.2: relo_token, overlay, configuration_sequence, version, ttl and
 * fragment come before the 32-bit length of the whole message. */
#define FWD_LENGTH_OFFSET 16
#define FWD_FIXED_PREFIX 20

typedef struct conn {
  char name[64];
  int used;
  rl_link *l;       /* framed kinds; NULL once it closed */
  int fd;           /* tcp-unframed; -1 otherwise or once closed */
  int up, closed;
  char detail[200]; /* how it closed */
  rl_link_stats st; /* framed kinds: the link's figures when it closed */
  int have_st;
  rl_conf_msgq q;   /* arrived, not taken yet */
  uint8_t *rbuf;    /* tcp-unframed: bytes of a message not complete yet */
  size_t rlen;
} conn;

typedef struct lt {
  rl_conf_link_config cfg;
  struct sockaddr_storage addr;
  socklen_t addrlen;
  rl_link_ctx *ctx;
  /* open_as "other-ca": credentials from a CA of our own, and the links
   * that present them (made on first use). */
  rl_credentials *other_cred;
  rl_link_ctx *other_ctx;
  conn conns[MAX_CONNS];
  rl_conf_msg *current; /* the last message handed out by recv */
} lt;

static void why_set(char *why, size_t whylen, const char *fmt, const char *a, const char *b) {
  if (why && whylen) snprintf(why, whylen, fmt, a, b);
}

static uint64_t mono_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

int rl_conf_link_kind_parse(const char *s, rl_conf_link_kind *out) {
  if (strcmp(s, "tls") == 0) *out = RL_CONF_LINK_TLS;
  else if (strcmp(s, "tcp") == 0) *out = RL_CONF_LINK_TCP;
  else if (strcmp(s, "tcp-unframed") == 0) *out = RL_CONF_LINK_TCP_UNFRAMED;
  else if (strcmp(s, "dtls") == 0) *out = RL_CONF_LINK_DTLS;
  else if (strcmp(s, "dtls-ice") == 0) *out = RL_CONF_LINK_DTLS_ICE;
  else return RL_ERR_PARAM;
  return 0;
}

static void mark_closed(conn *c, const char *how, const char *detail) {
  c->closed = 1;
  snprintf(c->detail, sizeof c->detail, "%s%s%s", how, detail && *detail ? ": " : "",
           detail ? detail : "");
}

/* ---- link callbacks (framed kinds) ---- */

static void on_up(void *user, rl_link *l) {
  conn *c = rl_link_get_user(l);
  (void)user;
  if (c) c->up = 1;
}

static void on_message(void *user, rl_link *l, const uint8_t *m, size_t len) {
  conn *c = rl_link_get_user(l);
  (void)user;
  /* Out of memory here loses the message; the runner then reports that
   * nothing arrived, which is the most it can say. */
  if (c) (void)rl_conf_msgq_push(&c->q, m, len);
}

static void on_oversize(void *user, rl_link *l, const uint8_t *hdr, size_t hdr_len,
                        size_t announced) {
  conn *c = rl_link_get_user(l);
  char d[96];
  (void)user;
  (void)hdr;
  (void)hdr_len;
  if (!c) return;
  snprintf(d, sizeof d, "the target sent a frame of %zu bytes, above our limit", announced);
  mark_closed(c, "oversize frame", d);
}

static void on_closed(void *user, rl_link *l, rl_link_fail f, const char *detail) {
  conn *c = rl_link_get_user(l);
  (void)user;
  if (!c) return;
  rl_link_get_stats(l, &c->st); /* for expect-acked after the close */
  c->have_st = 1;
  c->l = NULL;
  if (!c->closed) mark_closed(c, rl_link_fail_name(f), detail);
}

/* ---- tcp-unframed ---- */

/* Cut whole messages out of c->rbuf by the forwarding header's length
 * (6.3.2). A length that cannot be a message ends the connection: there
 * is no way to find the next message on an unframed stream. */
static void unframed_extract(lt *T, conn *c) {
  size_t off = 0;
  char d[128];
  while (c->rlen - off >= FWD_FIXED_PREFIX) {
    const uint8_t *p = c->rbuf + off + FWD_LENGTH_OFFSET;
    uint32_t len = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
    if (len < FWD_FIXED_PREFIX || len > T->cfg.max_message_size) {
      snprintf(d, sizeof d, "forwarding header length %lu at stream offset %zu is not %d..%zu",
               (unsigned long)len, off, FWD_FIXED_PREFIX, T->cfg.max_message_size);
      mark_closed(c, "unframed stream", d);
      close(c->fd);
      c->fd = -1;
      return;
    }
    if (c->rlen - off < len) break;
    (void)rl_conf_msgq_push(&c->q, c->rbuf + off, len);
    off += len;
  }
  memmove(c->rbuf, c->rbuf + off, c->rlen - off);
  c->rlen -= off;
}

static void unframed_read(lt *T, conn *c) {
  ssize_t n = read(c->fd, c->rbuf + c->rlen, T->cfg.max_message_size - c->rlen);
  if (n > 0) {
    c->rlen += (size_t)n;
    unframed_extract(T, c);
    return;
  }
  if (n < 0 && (errno == EINTR || errno == EAGAIN)) return;
  mark_closed(c, n == 0 ? "EOF" : "IO", n == 0 ? "the target closed" : strerror(errno));
  close(c->fd);
  c->fd = -1;
}

/* ---- the poll loop ---- */

/* Wait at most wait_ms for anything on any connection, and handle it. */
static void pump(lt *T, uint64_t wait_ms) {
  struct pollfd pfd[MAX_CONNS * 4 + 1];
  rl_link *links[MAX_CONNS * 4];
  conn *uconn[MAX_CONNS];
  size_t nl = 0, nu = 0, np = 0;
  uint64_t now;
  if (T->ctx) nl = rl_link_ctx_links(T->ctx, links, MAX_CONNS * 2);
  if (T->other_ctx) nl += rl_link_ctx_links(T->other_ctx, links + nl, MAX_CONNS * 2);
  for (size_t i = 0; i < nl; i++) {
    pfd[np].fd = rl_link_fd(links[i]);
    pfd[np].events = rl_link_poll_events(links[i]);
    pfd[np].revents = 0;
    np++;
  }
  for (int i = 0; i < MAX_CONNS; i++)
    if (T->conns[i].used && T->conns[i].fd >= 0) {
      uconn[nu++] = &T->conns[i];
      pfd[np].fd = T->conns[i].fd;
      pfd[np].events = POLLIN;
      pfd[np].revents = 0;
      np++;
    }
  if (wait_ms > TICK_MS) wait_ms = TICK_MS;
  (void)poll(pfd, np, (int)wait_ms);
  now = mono_ms();
  /* The links array was taken before the callbacks below run; a callback
   * only closes links of this array from rl_link_handle on itself, which
   * frees it after on_closed: handle each at most once, then re-list. */
  for (size_t i = 0; i < nl; i++)
    if (pfd[i].revents) rl_link_handle(links[i], pfd[i].revents, now);
  for (size_t i = 0; i < nu; i++)
    if (pfd[nl + i].revents && uconn[i]->fd >= 0) unframed_read(T, uconn[i]);
  if (T->ctx) rl_link_ctx_tick(T->ctx, now);
  if (T->other_ctx) rl_link_ctx_tick(T->other_ctx, now);
}

/* ---- operations ---- */

static conn *find(lt *T, const char *name) {
  for (int i = 0; i < MAX_CONNS; i++)
    if (T->conns[i].used && strcmp(T->conns[i].name, name) == 0) return &T->conns[i];
  return NULL;
}

static void conn_drop(conn *c) {
  if (c->l) {
    rl_link_set_user(c->l, NULL);
    rl_link_close(c->l); /* finishes in the background (pump) */
  }
  if (c->fd >= 0) close(c->fd);
  rl_conf_msgq_clear(&c->q);
  free(c->rbuf);
  memset(c, 0, sizeof *c);
  c->fd = -1;
}

static int unframed_connect(lt *T, conn *c, char *why, size_t whylen) {
  int fd = socket(T->addr.ss_family, SOCK_STREAM, 0);
  if (fd < 0 || connect(fd, (const struct sockaddr *)&T->addr, T->addrlen) != 0) {
    why_set(why, whylen, "connecting to %s: %s", T->cfg.target, strerror(errno));
    if (fd >= 0) close(fd);
    return RL_ERR_IO;
  }
  if (!(c->rbuf = malloc(T->cfg.max_message_size))) {
    close(fd);
    why_set(why, whylen, "%s%s", "out of memory", "");
    return RL_ERR_NOMEM;
  }
  c->fd = fd;
  c->up = 1;
  return 0;
}

static int link_connect(lt *T, rl_link_ctx *ctx, conn *c, int refused_ok, char *why,
                        size_t whylen);

/* A fresh connection named name, in old's place (closed first) or a free
 * slot; NULL with why when all are taken. */
static conn *new_conn(lt *T, conn *old, const char *name, char *why, size_t whylen) {
  conn *c = old;
  if (c) conn_drop(c);
  for (int i = 0; i < MAX_CONNS && !c; i++)
    if (!T->conns[i].used) c = &T->conns[i];
  if (!c) {
    why_set(why, whylen, "more than %s connections%s", "16", "");
    return NULL;
  }
  memset(c, 0, sizeof *c);
  c->fd = -1;
  snprintf(c->name, sizeof c->name, "%s", name);
  c->used = 1;
  return c;
}

static int t_open(void *self, const char *name, rl_scen_role role, char *why, size_t whylen) {
  lt *T = self;
  conn *c = find(T, name);
  int r;
  (void)role; /* a client and a joining peer connect alike (6.6, 11.4) */
  if (c && !c->closed) return 0;
  if (!(c = new_conn(T, c, name, why, whylen))) return RL_ERR_STATE;
  if (T->cfg.kind == RL_CONF_LINK_TCP_UNFRAMED) {
    r = unframed_connect(T, c, why, whylen);
    if (r != 0) conn_drop(c);
    return r;
  }
  return link_connect(T, T->ctx, c, 0, why, whylen);
}

/* Connect c over a link of ctx and wait until it is up. refused_ok: a
 * link the target closes in the handshake stays as a closed connection
 * (0), instead of an error. */
static int link_connect(lt *T, rl_link_ctx *ctx, conn *c, int refused_ok, char *why,
                        size_t whylen) {
  uint64_t deadline;
  int r;
  c->l = rl_link_connect(ctx, (const struct sockaddr *)&T->addr, T->addrlen);
  if (!c->l) {
    conn_drop(c);
    why_set(why, whylen, "%s%s", "no socket or memory for the link", "");
    return RL_ERR_NOMEM;
  }
  rl_link_set_user(c->l, c);
  deadline = mono_ms() + T->cfg.connect_timeout_ms;
  while (!c->up && !c->closed && mono_ms() < deadline) pump(T, deadline - mono_ms());
  if (c->up && !c->closed) return 0;
  if (refused_ok && c->closed) return 0; /* the runner sees it closed */
  r = c->closed ? RL_ERR_IO : RL_ERR_TIMEOUT;
  why_set(why, whylen, "%s: %s", T->cfg.target, c->closed ? c->detail : "connect timed out");
  conn_drop(c);
  return r;
}

/* "other-ca": a CA that is not the overlay's and a node certificate it
 * issued (a random Node-ID, the overlay's name in its RELOAD URI, 11.3):
 * all the target can object to is who signed it. */
static int make_other_ca(lt *T, char *why, size_t whylen) {
  EVP_PKEY *ca_key = NULL, *key = NULL;
  rl_cert *ca = NULL, *cert = NULL;
  uint8_t ids[1][RL_NODE_ID_MAX];
  char user[300];
  rl_issue_params p;
  rl_sec_error e;
  rl_link_params lp;
  rl_link_callbacks cb = {on_up, on_message, on_oversize, on_closed};
  int r;
  memset(&e, 0, sizeof e);
  memset(&p, 0, sizeof p);
  snprintf(user, sizeof user, "conformance-other-ca@%s", T->cfg.overlay_name);
  p.overlay = T->cfg.overlay_name;
  p.user = user;
  p.node_id_len = T->cfg.node_id_len;
  r = rl_key_generate_rsa(2048, &ca_key, &e);
  if (r == 0) r = rl_ca_create(ca_key, &p, &ca, &e);
  if (r == 0) r = rl_key_generate_rsa(2048, &key, &e);
  if (r == 0) r = rl_random_node_ids(1, p.node_id_len, ids, &e);
  p.node_ids = (const uint8_t(*)[RL_NODE_ID_MAX])ids;
  p.n_node_ids = 1;
  if (r == 0) r = rl_ca_issue(ca_key, ca, key, &p, &cert, &e);
  if (r == 0) r = rl_credentials_new(key, cert, NULL, 0, &T->other_cred, &e);
  EVP_PKEY_free(ca_key);
  EVP_PKEY_free(key);
  rl_cert_free(ca);
  rl_cert_free(cert);
  if (r != 0) {
    why_set(why, whylen, "making credentials of another CA: %s%s", e.text, "");
    return r;
  }
  memset(&lp, 0, sizeof lp);
  lp.mode = RL_LINK_TLS;
  lp.max_message_size = T->cfg.max_message_size;
  lp.handshake_timeout_ms = T->cfg.connect_timeout_ms;
  lp.cred = T->other_cred;
  lp.trust = T->cfg.trust;
  if (!(T->other_ctx = rl_link_ctx_new(&lp, &cb, T, why, whylen))) return RL_ERR_PARAM;
  return 0;
}

static int t_open_as(void *self, const char *name, rl_scen_role role, const char *credentials,
                     char *why, size_t whylen) {
  lt *T = self;
  conn *c = find(T, name);
  int r;
  (void)role;
  if (strcmp(credentials, "other-ca") != 0) {
    why_set(why, whylen, "unknown credentials '%s' (other-ca)%s", credentials, "");
    return RL_ERR_PARAM;
  }
  if (!T->other_ctx && (r = make_other_ca(T, why, whylen)) != 0) return r;
  if (!(c = new_conn(T, c, name, why, whylen))) return RL_ERR_STATE;
  return link_connect(T, T->other_ctx, c, 1, why, whylen);
}

static int t_send(void *self, const char *name, const uint8_t *m, size_t len, char *why,
                  size_t whylen) {
  lt *T = self;
  conn *c = find(T, name);
  int r;
  if (!c || c->closed) {
    why_set(why, whylen, "the connection is closed%s%s", c ? ": " : "", c ? c->detail : "");
    return RL_ERR_IO;
  }
  if (T->cfg.kind == RL_CONF_LINK_TCP_UNFRAMED) {
    size_t off = 0;
    while (off < len) {
      ssize_t n = send(c->fd, m + off, len - off, MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        why_set(why, whylen, "writing: %s%s", strerror(errno), "");
        return RL_ERR_IO;
      }
      off += (size_t)n;
    }
    return 0;
  }
  r = rl_link_send(c->l, m, len);
  if (r != 0) {
    why_set(why, whylen, "the link refused the message (%s)%s", rl_strerror(r),
            len > T->cfg.max_message_size ? ": above --link-max-message-size" : "");
    return r;
  }
  /* Get it onto the wire now: the runner may wait on another connection. */
  pump(T, 0);
  return 0;
}

static int t_recv(void *self, const char *name, uint64_t timeout_ms, rl_conf_event *ev,
                  char *why, size_t whylen) {
  lt *T = self;
  conn *c = find(T, name);
  uint64_t deadline = mono_ms() + timeout_ms;
  rl_conf_msg_free(T->current);
  T->current = NULL;
  memset(ev, 0, sizeof *ev);
  if (!c) {
    why_set(why, whylen, "connection @%s is not open%s", name, "");
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

static int t_send_stream(void *self, const char *name, const uint8_t *b, size_t len, char *why,
                         size_t whylen) {
  lt *T = self;
  conn *c = find(T, name);
  int r;
  /* Unframed, the stream is the messages: raw bytes go out as they are. */
  if (T->cfg.kind == RL_CONF_LINK_TCP_UNFRAMED) return t_send(self, name, b, len, why, whylen);
  if (!c || c->closed) {
    why_set(why, whylen, "the connection is closed%s%s", c ? ": " : "", c ? c->detail : "");
    return RL_ERR_IO;
  }
  /* Framed: between whole frames of the link, inside TLS (6.6.2 tests). */
  r = rl_link_send_unframed(c->l, b, len);
  if (r != 0) {
    why_set(why, whylen, "the link refused the bytes (%s)%s", rl_strerror(r), "");
    return r;
  }
  pump(T, 0);
  return 0;
}

static int t_link_info(void *self, const char *name, rl_conf_link_info *out, char *why,
                       size_t whylen) {
  lt *T = self;
  conn *c = find(T, name);
  rl_link_stats st;
  memset(out, 0, sizeof *out);
  if (!c || (!c->l && !c->have_st)) {
    why_set(why, whylen, "connection @%s is not open%s", name, "");
    return RL_ERR_STATE;
  }
  if (c->l)
    rl_link_get_stats(c->l, &st);
  else
    st = c->st;
  out->frames_sent = st.frames_sent;
  out->unacked = st.unacked;
  out->acks_received = st.acks_received;
  out->frames_received = st.frames_received;
  out->acks_sent = st.acks_sent;
  out->last_ack_sequence = st.last_ack_sequence;
  out->last_ack_received = st.last_ack_received;
  out->last_data_sequence = st.last_data_sequence;
  out->data_out_of_sequence = st.data_out_of_sequence;
  out->rtt_samples = st.rtt_samples;
  out->srtt_ms = st.srtt_ms;
  out->rto_ms = st.rto_ms;
  out->closed = c->closed;
  snprintf(out->detail, sizeof out->detail, "%s", c->closed ? c->detail : "");
  return 0;
}

static void t_close(void *self, const char *name) {
  conn *c = find(self, name);
  if (c) conn_drop(c);
}

static uint64_t t_now(void *self) {
  (void)self;
  return mono_ms();
}

/* Sleeping keeps the links alive: acks and keepalives go on (6.6.2). */
static void t_sleep(void *self, uint64_t ms) {
  uint64_t deadline = mono_ms() + ms, now;
  while ((now = mono_ms()) < deadline) pump(self, deadline - now);
}

static void t_destroy(void *self) {
  lt *T = self;
  for (int i = 0; i < MAX_CONNS; i++)
    if (T->conns[i].used) conn_drop(&T->conns[i]);
  rl_conf_msg_free(T->current);
  if (T->ctx) rl_link_ctx_free(T->ctx);
  if (T->other_ctx) rl_link_ctx_free(T->other_ctx);
  rl_credentials_free(T->other_cred);
  free(T);
}

static int t_local_ipv4(void *self, const char *name, uint32_t *addr) {
  conn *c = find(self, name);
  struct sockaddr_storage ss;
  socklen_t len = sizeof ss;
  int fd = !c ? -1 : c->l ? rl_link_fd(c->l) : c->fd;
  if (fd < 0 || getsockname(fd, (struct sockaddr *)&ss, &len) != 0 || ss.ss_family != AF_INET)
    return RL_ERR_NOT_FOUND;
  *addr = ntohl(((const struct sockaddr_in *)&ss)->sin_addr.s_addr);
  return 0;
}

static const rl_conf_transport_ops tls_ops = {
    "tls", t_open, t_send, t_send_stream, t_recv, t_close, t_now, t_sleep, t_destroy, t_open_as,
    t_link_info, t_local_ipv4};
/* Without TLS there is no certificate to present: no open_as. */
static const rl_conf_transport_ops tcp_ops = {
    "tcp", t_open, t_send, t_send_stream, t_recv, t_close, t_now, t_sleep, t_destroy, NULL,
    t_link_info, t_local_ipv4};
/* No framing: no frames to count. */
static const rl_conf_transport_ops unframed_ops = {
    "tcp-unframed", t_open, t_send, t_send_stream, t_recv, t_close, t_now, t_sleep, t_destroy,
    NULL, NULL, t_local_ipv4};

/* HOST:PORT or [HOST]:PORT to an address (the first getaddrinfo gives). */
static int resolve(lt *T, const char *target, char *why, size_t whylen) {
  char host[256];
  const char *colon = strrchr(target, ':'), *h = target;
  size_t hl;
  struct addrinfo hints, *ai = NULL;
  int r;
  if (!colon || !colon[1] || colon == target) {
    why_set(why, whylen, "--target %s: expected HOST:PORT%s", target, "");
    return RL_ERR_SYNTAX;
  }
  hl = (size_t)(colon - target);
  if (target[0] == '[' && hl >= 2 && target[hl - 1] == ']') {
    h = target + 1;
    hl -= 2;
  }
  if (hl >= sizeof host) {
    why_set(why, whylen, "--target %s: host name too long%s", target, "");
    return RL_ERR_SYNTAX;
  }
  memcpy(host, h, hl);
  host[hl] = 0;
  memset(&hints, 0, sizeof hints);
  hints.ai_socktype = SOCK_STREAM;
  r = getaddrinfo(host, colon + 1, &hints, &ai);
  if (r != 0 || !ai || ai->ai_addrlen > sizeof T->addr) {
    why_set(why, whylen, "--target %s: %s", target, r ? gai_strerror(r) : "no address");
    if (ai) freeaddrinfo(ai);
    return RL_ERR_SYNTAX;
  }
  memcpy(&T->addr, ai->ai_addr, ai->ai_addrlen);
  T->addrlen = ai->ai_addrlen;
  freeaddrinfo(ai);
  return 0;
}

int rl_conf_link_new(const rl_conf_link_config *cfg, rl_conf_transport *out, char *why,
                     size_t whylen) {
  lt *T;
  int r;
  if (cfg->kind == RL_CONF_LINK_DTLS || cfg->kind == RL_CONF_LINK_DTLS_ICE)
    return rl_conf_dtls_new(cfg, out, why, whylen);
  T = calloc(1, sizeof *T);
  if (!T) {
    why_set(why, whylen, "%s%s", "out of memory", "");
    return RL_ERR_NOMEM;
  }
  T->cfg = *cfg;
  if (!T->cfg.connect_timeout_ms) T->cfg.connect_timeout_ms = 10000;
  for (int i = 0; i < MAX_CONNS; i++) T->conns[i].fd = -1;
  if ((r = resolve(T, cfg->target, why, whylen)) != 0) {
    free(T);
    return r;
  }
  if (cfg->kind == RL_CONF_LINK_TLS && (!cfg->cred || !cfg->trust)) {
    why_set(why, whylen, "--link tls needs --cert, --key and --ca (or use --link tcp%s%s)", "",
            "");
    free(T);
    return RL_ERR_PARAM;
  }
  if (cfg->kind != RL_CONF_LINK_TCP_UNFRAMED) {
    rl_link_params p;
    rl_link_callbacks cb = {on_up, on_message, on_oversize, on_closed};
    memset(&p, 0, sizeof p);
    p.mode = cfg->kind == RL_CONF_LINK_TLS ? RL_LINK_TLS : RL_LINK_TCP_INSECURE;
    p.max_message_size = cfg->max_message_size;
    p.handshake_timeout_ms = T->cfg.connect_timeout_ms;
    p.cred = cfg->cred;
    p.trust = cfg->trust;
    if (!(T->ctx = rl_link_ctx_new(&p, &cb, T, why, whylen))) {
      free(T);
      return RL_ERR_PARAM;
    }
  }
  out->ops = cfg->kind == RL_CONF_LINK_TLS   ? &tls_ops
             : cfg->kind == RL_CONF_LINK_TCP ? &tcp_ops
                                             : &unframed_ops;
  out->self = T;
  return 0;
}
