/* net/dlink.c: see dlink.h. RFC 6940 6.6.2 (framing), 6.6.3 (Simple
 * Reliability), 6.6.4 (DTLS/UDP with SR), 6.5.1.11 (No-ICE), 11.3.
 *
 * One context is one UDP socket and the list of its links. A link is an
 * OpenSSL DTLS session (none when insecure) over a BIO of our own: its
 * write is one sendto(2) to the link's address (OpenSSL writes one
 * datagram per call), its read hands over the one datagram the context
 * just received for this link. The sender's reliability is net/sr.h.
 *
 * Lifetime as in link.c: a dead link stays in memory until the outermost
 * call into the context returns, so callbacks may touch any link. */
#define _GNU_SOURCE /* MSG_NOSIGNAL */

#include "net/dlink.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "net/frame.h"
#include "net/sr.h"
#include "net/stun_srv.h"
#include "net/tls.h"
#include "runtime/error.h"

#define DETAIL_MAX 400
#define DGRAM_MAX 65536u
#define READ_BATCH 256     /* datagrams read per handle call */
#define DTLS_MTU 1400      /* handshake flights are fragmented to this */
#define DTLS_REC_HDR 13u   /* content type, version, epoch, sequence, length */
/* A ClientHello on a link up for this long is a new session of the far
 * end (it restarted); younger, a late copy of a crossed handshake's. */
#define RESTART_AFTER_MS 2000u

typedef enum dstate { DS_HANDSHAKE, DS_UP, DS_CLOSING, DS_DEAD } dstate;

/* A message waiting, or the one out (the head). */
typedef struct qmsg {
  struct qmsg *next;
  size_t len;
  uint8_t bytes[]; /* frame header room + message */
} qmsg;

struct rl_dlink {
  rl_dlink_ctx *ctx;
  rl_dlink *next;
  SSL *ssl;
  int outgoing;
  dstate state;
  int was_up, up_pending, clock_set;
  struct sockaddr_storage peer;
  socklen_t peer_len;
  rl_dlink_tx_fn tx; /* another carrier (rl_dlink_over), or NULL: the socket */
  void *tx_user;
  void *user;
  uint64_t start_ms, up_ms, last_send_ms, close_deadline;
  const uint8_t *rx; /* the datagram being handed to OpenSSL */
  size_t rx_len;
  qmsg *head, *tail;
  size_t queued_bytes, queued_n;
  int head_out; /* the head has been transmitted (sr busy with it) */
  rl_sr sr;
  rl_dlink_stats st;
  rl_tls_peer pc;
  rl_link_fail close_why;
  char detail[DETAIL_MAX];
};

struct rl_dlink_ctx {
  rl_link_params p;
  rl_dlink_callbacks cb;
  void *user;
  int fd;
  struct sockaddr_storage local;
  socklen_t local_len;
  SSL_CTX *ssl_ctx;
  BIO_METHOD *biom;
  rl_dlink *links;
  uint64_t stun_answered;
  int depth;
  uint64_t now_ms;
  uint8_t buf[DGRAM_MAX];
};

static int secure(const rl_dlink_ctx *ctx) {
  return ctx->p.mode == RL_LINK_DTLS || ctx->p.mode == RL_LINK_DTLS_ICE;
}

static uint64_t keepalive_ms(const rl_dlink_ctx *ctx) {
  return ctx->p.keepalive_ms ? ctx->p.keepalive_ms : 15000;
}

static uint64_t handshake_ms(const rl_dlink *l) {
  const rl_link_params *p = &l->ctx->p;
  if (!l->outgoing && p->accept_timeout_ms) return p->accept_timeout_ms;
  return p->handshake_timeout_ms ? p->handshake_timeout_ms : 10000;
}

static void why_set(char *why, size_t whylen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void why_set(char *why, size_t whylen, const char *fmt, ...) {
  va_list ap;
  if (!why || whylen == 0) return;
  va_start(ap, fmt);
  vsnprintf(why, whylen, fmt, ap);
  va_end(ap);
}

/* ------------------------------------------------------------------ */
/* Lifetime                                                             */

static void queue_free(rl_dlink *l) {
  while (l->head) {
    qmsg *m = l->head;
    l->head = m->next;
    free(m);
  }
  l->tail = NULL;
  l->queued_bytes = l->queued_n = 0;
}

static void link_free(rl_dlink *l) {
  if (l->ssl) SSL_free(l->ssl);
  rl_tls_peer_clear(&l->pc);
  queue_free(l);
  free(l);
}

static void ctx_enter(rl_dlink_ctx *ctx, uint64_t now) {
  ctx->depth++;
  if (now > ctx->now_ms) ctx->now_ms = now;
}

static void ctx_leave(rl_dlink_ctx *ctx) {
  rl_dlink **pp = &ctx->links;
  if (--ctx->depth > 0) return;
  while (*pp) {
    rl_dlink *l = *pp;
    if (l->state == DS_DEAD) {
      *pp = l->next;
      link_free(l);
    } else {
      pp = &l->next;
    }
  }
}

static void finish(rl_dlink *l, rl_link_fail why, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void finish(rl_dlink *l, rl_link_fail why, const char *fmt, ...) {
  va_list ap;
  if (l->state == DS_DEAD) return;
  va_start(ap, fmt);
  vsnprintf(l->detail, sizeof l->detail, fmt, ap);
  va_end(ap);
  l->state = DS_DEAD;
  queue_free(l);
  if (l->ctx->cb.on_closed) l->ctx->cb.on_closed(l->ctx->user, l, why, l->detail);
}

/* After an OpenSSL call on l failed with SSL_get_error code err. */
static void dtls_fail(rl_dlink *l, int err, const char *during) {
  char why[DETAIL_MAX - 64];
  if (l->pc.failed) {
    ERR_clear_error();
    finish(l, RL_LINK_FAIL_CERT, "%s", l->pc.why);
  } else if (err == SSL_ERROR_ZERO_RETURN) {
    finish(l, RL_LINK_FAIL_EOF, "the far end closed the DTLS session (close_notify) %s", during);
  } else {
    rl_tls_errors(why, sizeof why);
    finish(l, RL_LINK_FAIL_TLS, "DTLS error %s: %s", during, why);
  }
}

/* ------------------------------------------------------------------ */
/* The shared socket under OpenSSL                                      */

/* One datagram out, on the shared socket or the link's own carrier. A
 * datagram that cannot go now is lost like one lost on the way: DTLS's
 * handshake timer or SR retransmits it. */
static void dgram_out(rl_dlink *l, const void *buf, size_t len) {
  if (l->tx)
    (void)l->tx(l->tx_user, buf, len);
  else
    (void)sendto(l->ctx->fd, buf, len, MSG_NOSIGNAL, (struct sockaddr *)&l->peer, l->peer_len);
  l->st.datagrams_sent++;
}

static int bio_write(BIO *b, const char *buf, int len) {
  rl_dlink *l = BIO_get_data(b);
  BIO_clear_retry_flags(b);
  dgram_out(l, buf, (size_t)len);
  return len;
}

static int bio_read(BIO *b, char *buf, int len) {
  rl_dlink *l = BIO_get_data(b);
  size_t n;
  BIO_clear_retry_flags(b);
  if (!l->rx) {
    BIO_set_retry_read(b);
    return -1;
  }
  n = l->rx_len < (size_t)len ? l->rx_len : (size_t)len; /* DTLS: the rest is lost */
  memcpy(buf, l->rx, n);
  l->rx = NULL;
  return (int)n;
}

static long bio_ctrl(BIO *b, int cmd, long num, void *ptr) {
  rl_dlink *l = BIO_get_data(b);
  (void)num;
  switch (cmd) {
  case BIO_CTRL_FLUSH:
    return 1;
  case BIO_CTRL_DGRAM_GET_PEER:
    if (ptr) memcpy(ptr, &l->peer, l->peer_len);
    return l->peer_len;
  case BIO_CTRL_DGRAM_QUERY_MTU:
  case BIO_CTRL_DGRAM_GET_FALLBACK_MTU:
    return DTLS_MTU;
  case BIO_CTRL_DGRAM_GET_MTU_OVERHEAD:
    return l->peer.ss_family == AF_INET6 ? 48 : 28;
  default:
    return 0;
  }
}

static int verify_cb(X509_STORE_CTX *xs, void *arg) {
  rl_dlink_ctx *ctx = arg;
  SSL *ssl = X509_STORE_CTX_get_ex_data(xs, SSL_get_ex_data_X509_STORE_CTX_idx());
  rl_dlink *l = ssl ? SSL_get_app_data(ssl) : NULL;
  if (!l) return 0;
  /* 11.3: the same check as on TLS links (net/tls.h). */
  return rl_tls_verify_peer(ctx->p.trust, xs, &l->pc);
}

static int make_ssl_ctx(rl_dlink_ctx *ctx, char *why, size_t whylen) {
  const rl_link_params *p = &ctx->p;
  char err[256];
  SSL_CTX *s;
  if (!p->cred || !p->cred->cert || !p->cred->key || !p->trust) {
    why_set(why, whylen, "DTLS links need credentials and a trust context");
    return -1;
  }
  ERR_clear_error();
  s = SSL_CTX_new(DTLS_method());
  ctx->ssl_ctx = s;
  /* 6.6.4: DTLS; 1.2, the version of the RFC's time and the oldest not
   * deprecated (RFC 8996). */
  if (!s || SSL_CTX_set_min_proto_version(s, DTLS1_2_VERSION) != 1 ||
      SSL_CTX_use_certificate(s, p->cred->cert->x509) != 1 ||
      SSL_CTX_use_PrivateKey(s, p->cred->key) != 1 || SSL_CTX_check_private_key(s) != 1) {
    rl_tls_errors(err, sizeof err);
    why_set(why, whylen, "DTLS context: %s", err);
    return -1;
  }
  SSL_CTX_set_options(s, SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_TICKET | SSL_OP_NO_QUERY_MTU);
  SSL_CTX_set_session_cache_mode(s, SSL_SESS_CACHE_OFF);
  /* Mutual authentication (6.6.4 as 6.6.5, 11.3). */
  SSL_CTX_set_verify(s, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
  SSL_CTX_set_cert_verify_callback(s, verify_cb, ctx);
  rl_tls_keylog_attach(s); /* SSLKEYLOGFILE / --keylog */
  ctx->biom = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "rl_dlink datagram");
  if (!ctx->biom || !BIO_meth_set_write(ctx->biom, bio_write) ||
      !BIO_meth_set_read(ctx->biom, bio_read) || !BIO_meth_set_ctrl(ctx->biom, bio_ctrl)) {
    why_set(why, whylen, "DTLS context: cannot make the datagram BIO");
    return -1;
  }
  return 0;
}

/* ------------------------------------------------------------------ */
/* Context                                                              */

static int open_socket(rl_dlink_ctx *ctx, const struct sockaddr *a, socklen_t len, char *why,
                       size_t whylen) {
  int fd = socket(a->sa_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  int buf = 1 << 20;
  if (fd < 0 || bind(fd, a, len) != 0) {
    why_set(why, whylen, "UDP socket: %s", strerror(errno));
    if (fd >= 0) close(fd);
    return -1;
  }
  /* Bursts of handshakes and acks: room for them in the kernel. */
  (void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buf, sizeof buf);
  (void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &buf, sizeof buf);
  ctx->fd = fd;
  ctx->local_len = sizeof ctx->local;
  if (getsockname(fd, (struct sockaddr *)&ctx->local, &ctx->local_len) != 0) {
    why_set(why, whylen, "UDP socket: getsockname: %s", strerror(errno));
    return -1;
  }
  return 0;
}

rl_dlink_ctx *rl_dlink_ctx_new(const rl_link_params *p, const rl_dlink_callbacks *cb, void *user,
                               const struct sockaddr *bind_addr, socklen_t bind_len, char *why,
                               size_t whylen) {
  rl_dlink_ctx *ctx;
  if (!p || !cb || !bind_addr) {
    why_set(why, whylen, "no parameters, callbacks or address");
    return NULL;
  }
  if ((p->mode != RL_LINK_DTLS && p->mode != RL_LINK_DTLS_ICE && p->mode != RL_LINK_UDP_INSECURE) ||
      p->stream) {
    why_set(why, whylen, "DTLS links: mode must be DTLS or insecure UDP, without stream");
    return NULL;
  }
  if (p->max_message_size == 0 || p->max_message_size > RL_DLINK_MSG_MAX) {
    why_set(why, whylen, "max-message-size %zu: DTLS links carry 1..%u bytes per message",
            p->max_message_size, (unsigned)RL_DLINK_MSG_MAX);
    return NULL;
  }
  ctx = calloc(1, sizeof *ctx);
  if (!ctx) {
    why_set(why, whylen, "out of memory");
    return NULL;
  }
  ctx->p = *p;
  ctx->cb = *cb;
  ctx->user = user;
  ctx->fd = -1;
  if ((secure(ctx) && make_ssl_ctx(ctx, why, whylen) != 0) ||
      open_socket(ctx, bind_addr, bind_len, why, whylen) != 0) {
    rl_dlink_ctx_free(ctx);
    return NULL;
  }
  return ctx;
}

void rl_dlink_ctx_free(rl_dlink_ctx *ctx) {
  if (!ctx) return;
  while (ctx->links) {
    rl_dlink *l = ctx->links;
    ctx->links = l->next;
    /* One close_notify (a datagram, no waiting), as TLS links do: the far
     * end learns at once that we are gone instead of after its five
     * unacked transmissions. */
    if (l->ssl && l->was_up && l->state != DS_DEAD) {
      ERR_clear_error();
      (void)SSL_shutdown(l->ssl);
    }
    link_free(l);
  }
  if (ctx->fd >= 0) close(ctx->fd);
  SSL_CTX_free(ctx->ssl_ctx);
  if (ctx->biom) BIO_meth_free(ctx->biom);
  free(ctx);
}

int rl_dlink_ctx_fd(const rl_dlink_ctx *ctx) { return ctx->fd; }

short rl_dlink_ctx_poll_events(const rl_dlink_ctx *ctx) {
  (void)ctx;
  return POLLIN; /* writes never wait: a full socket buffer is a loss */
}

int rl_dlink_ctx_local_addr(const rl_dlink_ctx *ctx, struct sockaddr_storage *out,
                            socklen_t *len) {
  memcpy(out, &ctx->local, ctx->local_len);
  *len = ctx->local_len;
  return 0;
}

uint64_t rl_dlink_ctx_stun_answered(const rl_dlink_ctx *ctx) { return ctx->stun_answered; }

size_t rl_dlink_ctx_count(const rl_dlink_ctx *ctx) {
  size_t n = 0;
  for (const rl_dlink *l = ctx->links; l; l = l->next)
    if (l->state != DS_DEAD) n++;
  return n;
}

static int addr_eq(const struct sockaddr_storage *a, socklen_t alen, const struct sockaddr *b,
                   socklen_t blen) {
  struct sockaddr_storage bs;
  if (blen > sizeof bs) return 0;
  memset(&bs, 0, sizeof bs);
  memcpy(&bs, b, blen);
  (void)alen;
  return rl_sockaddr_equal(a, &bs);
}

rl_dlink *rl_dlink_find(rl_dlink_ctx *ctx, const struct sockaddr *addr, socklen_t addrlen) {
  for (rl_dlink *l = ctx->links; l; l = l->next)
    if (l->state != DS_DEAD && !l->tx && addr_eq(&l->peer, l->peer_len, addr, addrlen)) return l;
  return NULL;
}

static rl_dlink *link_new(rl_dlink_ctx *ctx, const struct sockaddr *addr, socklen_t len,
                          int outgoing) {
  rl_dlink *l;
  BIO *b;
  if (len > sizeof l->peer) return NULL;
  l = calloc(1, sizeof *l);
  if (!l) return NULL;
  l->ctx = ctx;
  l->outgoing = outgoing;
  memcpy(&l->peer, addr, len);
  l->peer_len = len;
  l->start_ms = l->last_send_ms = ctx->now_ms;
  rl_sr_init(&l->sr);
  if (secure(ctx)) {
    l->ssl = SSL_new(ctx->ssl_ctx);
    b = l->ssl ? BIO_new(ctx->biom) : NULL;
    if (!b) {
      link_free(l);
      return NULL;
    }
    BIO_set_data(b, l);
    BIO_set_init(b, 1);
    SSL_set_bio(l->ssl, b, b);
    SSL_set_app_data(l->ssl, l);
    DTLS_set_link_mtu(l->ssl, DTLS_MTU);
    if (outgoing)
      SSL_set_connect_state(l->ssl);
    else
      SSL_set_accept_state(l->ssl);
  } else {
    l->up_pending = 1; /* no handshake: up at the next handle/tick */
  }
  l->next = ctx->links;
  ctx->links = l;
  return l;
}

rl_dlink *rl_dlink_connect(rl_dlink_ctx *ctx, const struct sockaddr *addr, socklen_t addrlen) {
  rl_dlink *l;
  if (rl_dlink_find(ctx, addr, addrlen)) return NULL;
  l = link_new(ctx, addr, addrlen, 1);
  /* The ClientHello goes out at the next tick (never from here). */
  if (l && l->ssl) l->up_pending = 0;
  return l;
}

rl_dlink *rl_dlink_over(rl_dlink_ctx *ctx, int client, const struct sockaddr *far, socklen_t len,
                        rl_dlink_tx_fn tx, void *tx_user) {
  rl_dlink *l;
  if (!tx) return NULL;
  l = link_new(ctx, far, len, client);
  if (!l) return NULL;
  l->tx = tx;
  l->tx_user = tx_user;
  if (l->ssl) l->up_pending = 0; /* the client's ClientHello goes out at the next tick */
  return l;
}

/* ------------------------------------------------------------------ */
/* Sending                                                              */

/* One frame as one record (or one plain datagram). */
static void put_frame(rl_dlink *l, const uint8_t *f, size_t len) {
  int r;
  if (!l->ssl) {
    dgram_out(l, f, len);
    return;
  }
  ERR_clear_error();
  r = SSL_write(l->ssl, f, (int)len);
  if (r <= 0) dtls_fail(l, SSL_get_error(l->ssl, r), "writing a frame");
}

int rl_dlink_send(rl_dlink *l, const uint8_t *msg, size_t len) {
  qmsg *m;
  if (l->state == DS_CLOSING || l->state == DS_DEAD) return RL_ERR_IO;
  if (len == 0 || len > l->ctx->p.max_message_size) return RL_ERR_PARAM;
  if (l->queued_bytes + len > RL_LINK_OUT_MAX) return RL_ERR_NOMEM;
  m = malloc(sizeof *m + RL_FRAME_DATA_HDR + len);
  if (!m) return RL_ERR_NOMEM;
  m->next = NULL;
  m->len = len;
  memcpy(m->bytes + RL_FRAME_DATA_HDR, msg, len);
  if (l->tail)
    l->tail->next = m;
  else
    l->head = m;
  l->tail = m;
  l->queued_bytes += len;
  l->queued_n++;
  return 0;
}

/* (Re)transmit the head with the next sequence number (6.6.3.1). */
static void transmit_head(rl_dlink *l, uint64_t now) {
  qmsg *m = l->head;
  uint32_t seq = rl_sr_transmit(&l->sr, now);
  rl_frame_data_header(m->bytes, seq, (uint32_t)m->len);
  l->head_out = 1;
  l->last_send_ms = now;
  l->st.frames_sent++;
  put_frame(l, m->bytes, RL_FRAME_DATA_HDR + m->len);
}

/* A keepalive: an empty message (dlink.h), queued like any other. */
static void queue_keepalive(rl_dlink *l) {
  qmsg *m = malloc(sizeof *m + RL_FRAME_DATA_HDR);
  if (!m) return;
  m->next = NULL;
  m->len = 0;
  if (l->tail)
    l->tail->next = m;
  else
    l->head = m;
  l->tail = m;
  l->queued_n++;
  l->st.keepalives_sent++;
}

static void head_acked(rl_dlink *l) {
  qmsg *m = l->head;
  if (!m || !l->head_out) return;
  l->head = m->next;
  if (!l->head) l->tail = NULL;
  l->queued_bytes -= m->len;
  l->queued_n--;
  l->head_out = 0;
  free(m);
}

/* What the sender does at now: retransmit, give up, send the next. */
static void service_send(rl_dlink *l, uint64_t now) {
  switch (rl_sr_poll(&l->sr, now)) {
  case RL_SR_RETRANSMIT:
    /* 6.6.3.1: "An initiating node SHOULD retransmit a message if it has
     * not received an ACK after an interval of RTO". */
    transmit_head(l, now);
    return;
  case RL_SR_FAILED:
    finish(l, RL_LINK_FAIL_TIMEOUT, "no ack after %u transmissions of a message (6.6.3.1)",
           (unsigned)RL_SR_MAX_TRANSMISSIONS);
    return;
  case RL_SR_IDLE:
    break;
  }
  if (l->state == DS_UP && !l->head && now - l->last_send_ms >= keepalive_ms(l->ctx))
    queue_keepalive(l);
  if (l->head && !l->head_out && rl_sr_can_send(&l->sr, now)) transmit_head(l, now);
}

/* ------------------------------------------------------------------ */
/* Receiving                                                            */

static void on_frame_data(rl_dlink *l, const rl_frame *f) {
  uint8_t ack[RL_FRAME_ACK_LEN];
  /* 6.6.2: every data frame is acked, with the received mask. */
  rl_frame_ack(ack, f->sequence, rl_sr_on_data(&l->sr, f->sequence));
  l->st.frames_received++;
  l->st.acks_sent++;
  put_frame(l, ack, sizeof ack);
  if (l->state == DS_DEAD) return;
  if (f->msg_len == 0) {
    l->st.keepalives_received++;
    return;
  }
  if (l->state != DS_CLOSING && l->ctx->cb.on_message)
    l->ctx->cb.on_message(l->ctx->user, l, f->msg, f->msg_len);
}

/* One frame's plaintext (one record, or one insecure datagram). */
static void on_plaintext(rl_dlink *l, const uint8_t *p, size_t n, uint64_t now) {
  rl_frame f;
  int r = rl_sr_parse(p, n, l->ctx->p.max_message_size, &f);
  if (r == RL_ERR_TOO_LARGE) {
    /* 6.6: refuse it; the caller answers Error_Message_Too_Large. */
    if (l->ctx->cb.on_oversize)
      l->ctx->cb.on_oversize(l->ctx->user, l, f.msg, f.frame_len - RL_FRAME_DATA_HDR, f.msg_len);
    if (l->state != DS_DEAD && l->state != DS_CLOSING) {
      rl_dlink_close(l);
      l->close_why = RL_LINK_FAIL_OVERSIZE;
    }
    return;
  }
  if (r != 0) {
    finish(l, RL_LINK_FAIL_FRAMING, "a datagram that is not one FramedMessage: %s",
           rl_strerror(r));
    return;
  }
  if (f.type == RL_FRAME_ACK) {
    l->st.acks_received++;
    if (rl_sr_on_ack(&l->sr, f.sequence, f.received, now)) head_acked(l);
    return;
  }
  on_frame_data(l, &f);
}

static void go_up(rl_dlink *l) {
  l->state = DS_UP;
  l->up_ms = l->last_send_ms = l->ctx->now_ms;
  l->was_up = 1;
  l->up_pending = 0;
  if (l->ctx->cb.on_up) l->ctx->cb.on_up(l->ctx->user, l);
}

/* Run OpenSSL on what arrived (l->rx, maybe NULL: timers). */
static void dtls_step(rl_dlink *l, uint64_t now) {
  int r;
  ERR_clear_error();
  if (l->state == DS_HANDSHAKE) {
    r = SSL_do_handshake(l->ssl);
    if (r <= 0) {
      int e = SSL_get_error(l->ssl, r);
      if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE) dtls_fail(l, e, "in the handshake");
      return;
    }
    if (!l->pc.cert) {
      finish(l, RL_LINK_FAIL_CERT, "peer certificate: none was sent (mutual authentication, 11.3)");
      return;
    }
    go_up(l);
  }
  while (l->state == DS_UP || l->state == DS_CLOSING) {
    r = SSL_read(l->ssl, l->ctx->buf, (int)sizeof l->ctx->buf);
    if (r <= 0) {
      int e = SSL_get_error(l->ssl, r);
      if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE) dtls_fail(l, e, "reading");
      return;
    }
    on_plaintext(l, l->ctx->buf, (size_t)r, now);
  }
}

/* A record that opens a handshake: handshake(22), epoch 0, ClientHello(1). */
static int is_client_hello(const uint8_t *p, size_t n) {
  return n > DTLS_REC_HDR && p[0] == 22 && p[3] == 0 && p[4] == 0 && p[DTLS_REC_HDR] == 1;
}

/* Ours is the lower address: we give our connection up when ClientHellos
 * cross (dlink.h). */
static int we_yield(const rl_dlink_ctx *ctx, const struct sockaddr_storage *far, socklen_t flen) {
  size_t n = flen < ctx->local_len ? flen : ctx->local_len;
  int c = memcmp(&ctx->local, far, n);
  return c < 0 || (c == 0 && ctx->local_len < flen);
}

/* A datagram from an address without a usable link: a new incoming link
 * when it opens a handshake and the caller takes it. */
static rl_dlink *incoming(rl_dlink_ctx *ctx, rl_dlink *old, const struct sockaddr_storage *from,
                          socklen_t flen, const uint8_t *p, size_t n) {
  rl_dlink *l;
  int opens = secure(ctx) ? is_client_hello(p, n) : (n > 0 && p[0] == RL_FRAME_DATA);
  if (!opens) return old;
  if (old && old->state == DS_HANDSHAKE && old->outgoing) {
    if (!we_yield(ctx, from, flen)) return NULL; /* they yield to us */
    finish(old, RL_LINK_FAIL_IO, "crossed handshake: the far end connected at the same time");
  } else if (old && old->ssl && old->state != DS_HANDSHAKE &&
             ctx->now_ms - old->up_ms >= RESTART_AFTER_MS) {
    finish(old, RL_LINK_FAIL_EOF, "the far end started a new DTLS session");
  } else if (old) {
    return old;
  }
  l = link_new(ctx, (const struct sockaddr *)from, flen, 0);
  if (!l) return NULL;
  if (!ctx->cb.on_incoming || !ctx->cb.on_incoming(ctx->user, l)) {
    l->state = DS_DEAD; /* freed at ctx_leave, no on_closed */
    return NULL;
  }
  return l;
}

/* 6.5.1.4: peers are STUN servers for the peers they know. A Binding
 * request (first byte 0-3, never a DTLS record's or a frame's, RFC 7983)
 * is answered with the address it came from; anything else STUN-like is
 * dropped. */
static void stun_request(rl_dlink_ctx *ctx, const struct sockaddr_storage *from, socklen_t flen,
                         size_t n) {
  uint8_t out[512];
  size_t outlen = 0;
  int rc = rl_stun_answer_binding(ctx->buf, n, (const struct sockaddr *)from, out, sizeof out,
                                  &outlen);
  if (rc != RL_STUN_ANSWERED && rc != RL_STUN_ANSWERED_ERROR) return;
  (void)sendto(ctx->fd, out, outlen, MSG_NOSIGNAL, (const struct sockaddr *)from, flen);
  ctx->stun_answered++;
}

static void one_datagram(rl_dlink_ctx *ctx, const struct sockaddr_storage *from, socklen_t flen,
                         size_t n, uint64_t now) {
  const uint8_t *p = ctx->buf;
  rl_dlink *l;
  if (rl_stun_is_request(p, n)) {
    stun_request(ctx, from, flen, n);
    return;
  }
  l = rl_dlink_find(ctx, (const struct sockaddr *)from, flen);
  if (!l || (l->ssl && is_client_hello(p, n)))
    l = incoming(ctx, l, from, flen, p, n);
  if (!l || l->state == DS_DEAD) return;
  l->st.datagrams_received++;
  if (!l->ssl) {
    if (l->up_pending) go_up(l);
    if (l->state != DS_DEAD) on_plaintext(l, p, n, now);
    return;
  }
  /* OpenSSL reads into ctx->buf too: hand it a copy. */
  {
    uint8_t *copy = malloc(n ? n : 1);
    if (!copy) return;
    memcpy(copy, p, n);
    l->rx = copy;
    l->rx_len = n;
    dtls_step(l, now);
    l->rx = NULL;
    free(copy);
  }
}

static void service_all(rl_dlink_ctx *ctx, uint64_t now);

void rl_dlink_ctx_handle(rl_dlink_ctx *ctx, short revents, uint64_t now_ms) {
  if (!(revents & (POLLIN | POLLERR))) return;
  ctx_enter(ctx, now_ms);
  for (int i = 0; i < READ_BATCH; i++) {
    struct sockaddr_storage from;
    socklen_t flen = sizeof from;
    ssize_t n;
    memset(&from, 0, sizeof from);
    n = recvfrom(ctx->fd, ctx->buf, sizeof ctx->buf, 0, (struct sockaddr *)&from, &flen);
    if (n < 0) {
      if (errno == EINTR) continue;
      break; /* EAGAIN; ICMP errors (ECONNREFUSED) are not tied to a link */
    }
    one_datagram(ctx, &from, flen, (size_t)n, now_ms);
  }
  service_all(ctx, now_ms);
  ctx_leave(ctx);
}

/* ------------------------------------------------------------------ */
/* Timers                                                               */

static void service_closing(rl_dlink *l, uint64_t now) {
  if (l->head && now < l->close_deadline) return; /* 6.6.3: deliver what was queued */
  if (l->ssl && l->was_up) {
    ERR_clear_error();
    (void)SSL_shutdown(l->ssl); /* close_notify, one datagram */
  }
  finish(l, l->close_why, "closed");
}

static void service(rl_dlink *l, uint64_t now) {
  if (l->state == DS_DEAD) return;
  if (!l->clock_set) {
    /* rl_dlink_connect has no clock: the link starts at its first turn. */
    l->clock_set = 1;
    l->start_ms = l->last_send_ms = now;
  }
  if (l->up_pending) {
    go_up(l);
    if (l->state == DS_DEAD) return;
  }
  if (l->state == DS_HANDSHAKE) {
    if (now - l->start_ms >= handshake_ms(l)) {
      finish(l, RL_LINK_FAIL_TIMEOUT, "no DTLS handshake within %llu ms",
             (unsigned long long)handshake_ms(l));
      return;
    }
    /* The first flight (outgoing), then OpenSSL's retransmissions. */
    if (l->outgoing && SSL_get_state(l->ssl) == TLS_ST_BEFORE) dtls_step(l, now);
    else if (DTLSv1_handle_timeout(l->ssl) < 0) dtls_fail(l, SSL_ERROR_SSL, "in the handshake");
    return;
  }
  if (l->ssl && l->state == DS_UP) (void)DTLSv1_handle_timeout(l->ssl); /* last flight */
  service_send(l, now);
  if (l->state == DS_CLOSING) service_closing(l, now);
}

static void service_all(rl_dlink_ctx *ctx, uint64_t now) {
  for (rl_dlink *l = ctx->links; l; l = l->next) service(l, now);
}

void rl_dlink_ctx_tick(rl_dlink_ctx *ctx, uint64_t now_ms) {
  ctx_enter(ctx, now_ms);
  service_all(ctx, now_ms);
  ctx_leave(ctx);
}

uint64_t rl_dlink_ctx_next_ms(const rl_dlink_ctx *ctx) {
  uint64_t next = UINT64_MAX;
  for (const rl_dlink *l = ctx->links; l; l = l->next) {
    uint64_t t;
    if (l->state == DS_DEAD || l->state == DS_HANDSHAKE) continue;
    if (l->up_pending) return ctx->now_ms;
    t = rl_sr_next_ms(&l->sr);
    if (!l->head && !l->sr.busy) continue; /* nothing to send: keepalive by the 100 ms tick */
    if (t < next) next = t;
  }
  return next;
}

void rl_dlink_input(rl_dlink *l, const uint8_t *buf, size_t len, uint64_t now_ms) {
  rl_dlink_ctx *ctx = l->ctx;
  if (!l->tx || l->state == DS_DEAD) return;
  ctx_enter(ctx, now_ms);
  l->st.datagrams_received++;
  if (!l->ssl) {
    if (l->up_pending) go_up(l);
    if (l->state != DS_DEAD) on_plaintext(l, buf, len, now_ms);
  } else {
    /* The caller's buffer stays valid through the step (OpenSSL reads
     * into ctx->buf, never into it). */
    l->rx = buf;
    l->rx_len = len;
    dtls_step(l, now_ms);
    l->rx = NULL;
  }
  if (l->state != DS_DEAD) service(l, now_ms);
  ctx_leave(ctx);
}

void rl_dlink_close(rl_dlink *l) {
  if (l->state == DS_CLOSING || l->state == DS_DEAD) return;
  if (l->state == DS_HANDSHAKE) queue_free(l); /* 6.6.3: nothing was sent yet */
  l->close_why = RL_LINK_CLOSED_LOCALLY;
  l->close_deadline = l->ctx->now_ms + RL_LINK_CLOSE_FLUSH_MS;
  l->state = DS_CLOSING;
}

/* ------------------------------------------------------------------ */
/* Accessors                                                            */

const rl_cert *rl_dlink_peer_cert(const rl_dlink *l) { return l->pc.cert; }

const struct sockaddr *rl_dlink_peer_addr(const rl_dlink *l, socklen_t *len) {
  if (len) *len = l->peer_len;
  return (const struct sockaddr *)&l->peer;
}

int rl_dlink_is_outgoing(const rl_dlink *l) { return l->outgoing; }

void rl_dlink_set_user(rl_dlink *l, void *data) { l->user = data; }

void *rl_dlink_get_user(const rl_dlink *l) { return l->user; }

void rl_dlink_get_stats(const rl_dlink *l, rl_dlink_stats *out) {
  *out = l->st;
  out->retransmissions = l->sr.retransmissions;
  out->messages_acked = l->sr.messages_acked;
  out->rtt_samples = l->sr.rtt_samples;
  out->srtt_ms = rl_rto_srtt_ms(&l->sr.rto);
  out->rttvar_ms = rl_rto_rttvar_ms(&l->sr.rto);
  out->rto_ms = rl_sr_rto_ms(&l->sr);
  out->queued = l->queued_n;
  out->failing = rl_sr_failing(&l->sr);
}
