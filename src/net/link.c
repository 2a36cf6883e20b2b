/* net/link.c: see link.h. RFC 6940 6.6 (overlay link layer), 6.6.2
 * (framing header), 6.6.5 (TLS/TCP with FH, No-ICE), 11.3 (certificates).
 *
 * One link is a TCP socket, an OpenSSL session (none in insecure mode), a
 * receive buffer big enough for one whole frame, a send queue, and the
 * records of the data frames not acked yet. Everything is non-blocking;
 * rl_link_handle does what the socket allows and returns.
 *
 * Lifetime. A link that fails or finishes closing is marked dead, its
 * socket is closed and on_closed is called; the memory is freed only when
 * the outermost call into the context (rl_link_handle, rl_link_ctx_tick)
 * returns, so that a callback may call anything on any link, including
 * the dead one, without touching freed memory. */
#define _GNU_SOURCE /* MSG_NOSIGNAL, getnameinfo flags */

#include "net/link.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "net/frame.h"
#include "net/rto.h"
#include "net/tls.h"
#include "runtime/error.h"

#ifndef MSG_NOSIGNAL
#define MSG_NOSIGNAL 0 /* BSDs: SO_NOSIGPIPE is set on the socket instead */
#endif

#define DETAIL_MAX 400
#define IN_EXTRA (16u << 10)      /* room to read a TLS record beyond one frame */
#define WRITE_CHUNK (64u << 10)
#define READ_BUDGET (1u << 20)    /* bytes read per handle call before yielding */
#define RECS_INITIAL 64u

typedef enum link_state {
  ST_CONNECTING, /* TCP connect in progress */
  ST_HANDSHAKE,  /* TLS handshake (insecure: one step) */
  ST_UP,
  ST_CLOSING,    /* flushing, close_notify, draining: see close_step */
  ST_DEAD        /* on_closed called (or being called); freed later */
} link_state;

typedef enum close_phase { CL_FLUSH, CL_SHUTDOWN, CL_DRAIN } close_phase;

/* One data frame not acked yet. */
typedef struct sent_rec {
  uint64_t end_pos;    /* stream position just after its last byte */
  uint64_t queued_ms;
  uint64_t written_ms; /* when its last byte went to the socket (0: not yet) */
} sent_rec;

struct rl_link {
  rl_link_ctx *ctx;
  rl_link *next;
  int fd;
  SSL *ssl;
  int outgoing;
  link_state state;
  int was_up;
  int busy; /* inside handle/tick for this link: no re-entry */
  int defer_finish; /* in write_through: a failure waits for the next turn */
  struct sockaddr_storage peer;
  socklen_t peer_len;
  void *user;
  uint64_t start_ms, up_ms;
  short hs_events;      /* what the TLS handshake waits for */

  /* Receiving: in[0..in_len) is stream offset in_off onwards. */
  uint8_t *in;
  size_t in_cap, in_len;
  uint64_t in_off;
  rl_frame_window win;

  /* Sending: out[out_head .. out_head+out_len) is not written yet. */
  uint8_t *out;
  size_t out_cap, out_head, out_len, out_limit;
  uint64_t queued_pos, written_pos; /* stream positions */
  size_t ssl_retry_len;             /* an SSL_write to repeat with this length */
  uint64_t out_since_ms;            /* last write progress, or when out filled */
  int rd_want_write, wr_want_read;

  /* Data frames [acked_upto, next_seq); records of [first_unwritten,
   * next_seq) have written_ms 0. recs has rec_cap (a power of two)
   * entries, indexed by sequence. */
  uint32_t next_seq, acked_upto, first_unwritten;
  sent_rec *recs;
  size_t rec_cap;
  uint64_t last_data_ms;
  rl_rto rto;
  rl_link_stats st;

  /* The far end's certificate, set by the verify callback. */
  rl_tls_peer pc;

  /* Socket-level facts for the failure reasons. */
  int sys_errno;
  int eof_seen;

  /* A failure seen outside handle/tick (connect), reported by them. */
  int pending_fail;
  rl_link_fail pending_why;

  close_phase phase;
  uint64_t close_deadline;
  rl_link_fail close_why;
  char detail[DETAIL_MAX];
};

struct rl_link_ctx {
  rl_link_params p;
  rl_link_callbacks cb;
  void *user;
  SSL_CTX *ssl_ctx;
  BIO_METHOD *biom;
  rl_link *links;
  int depth;
  uint64_t now_ms;
};

static const char *const fail_names[] = {
    "closed locally", "closed by the far end", "socket error", "TLS error",
    "certificate refused", "framing error", "message too large", "timeout"};

const char *rl_link_fail_name(rl_link_fail f) {
  if ((unsigned)f >= sizeof fail_names / sizeof fail_names[0]) return "unknown";
  return fail_names[f];
}

/* ------------------------------------------------------------------ */
/* Small helpers                                                        */

static void addr_str(const struct sockaddr *a, socklen_t len, char *buf, size_t size) {
  char host[64], serv[16]; /* numeric: INET6_ADDRSTRLEN and a port fit */
  if (len == 0 || a->sa_family == AF_UNIX) {
    snprintf(buf, size, "a local socket");
  } else if (getnameinfo(a, len, host, sizeof host, serv, sizeof serv,
                         NI_NUMERICHOST | NI_NUMERICSERV) != 0) {
    snprintf(buf, size, "an address of family %d", a->sa_family);
  } else if (a->sa_family == AF_INET6) {
    snprintf(buf, size, "[%s]:%s", host, serv);
  } else {
    snprintf(buf, size, "%s:%s", host, serv);
  }
}

static int set_nonblock(int fd) {
  int fl = fcntl(fd, F_GETFL);
  if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0) return -1;
  return fcntl(fd, F_SETFD, FD_CLOEXEC) < 0 ? -1 : 0;
}

static void tune_socket(int fd) {
  int one = 1;
  /* Acks are 9 bytes and must not wait for Nagle: the RTT is what they
   * measure. Fails harmlessly on a non-TCP socket (rl_link_adopt). */
  (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
#ifdef SO_NOSIGPIPE
  (void)setsockopt(fd, SOL_SOCKET, SO_NOSIGPIPE, &one, sizeof one);
#endif
}

/* Milliseconds from since to now; 0 if the caller's clock went back. */
static uint64_t elapsed(uint64_t now, uint64_t since) { return now > since ? now - since : 0; }

static uint64_t fail_timeout(const rl_link *l) {
  uint64_t t;
  if (l->ctx->p.fail_timeout_ms) return l->ctx->p.fail_timeout_ms;
  t = 4 * (uint64_t)l->rto.rto_ms;
  return t > 5000 ? t : 5000;
}

static uint64_t handshake_timeout(const rl_link *l) {
  uint64_t t = fail_timeout(l);
  if (!l->outgoing && l->ctx->p.accept_timeout_ms) return l->ctx->p.accept_timeout_ms;
  if (l->ctx->p.handshake_timeout_ms) return l->ctx->p.handshake_timeout_ms;
  return t > 10000 ? t : 10000;
}

static void ctx_enter(rl_link_ctx *ctx, uint64_t now) {
  ctx->depth++;
  if (now > ctx->now_ms) ctx->now_ms = now;
}

static void link_free(rl_link *l) {
  rl_tls_peer_clear(&l->pc);
  free(l->in);
  free(l->out);
  free(l->recs);
  free(l);
}

static void release_io(rl_link *l) {
  if (l->ssl) SSL_free(l->ssl); /* frees the BIO too */
  l->ssl = NULL;
  if (l->fd >= 0) close(l->fd);
  l->fd = -1;
}

/* Free the dead links once nothing of ours is on the stack. */
static void ctx_leave(rl_link_ctx *ctx) {
  rl_link **pp = &ctx->links;
  if (--ctx->depth > 0) return;
  while (*pp) {
    rl_link *l = *pp;
    if (l->state == ST_DEAD) {
      *pp = l->next;
      link_free(l);
    } else {
      pp = &l->next;
    }
  }
}

/* The end of a link: close the socket, tell the caller. The link stays in
 * memory until ctx_leave. */
static void finish(rl_link *l, rl_link_fail why, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void finish(rl_link *l, rl_link_fail why, const char *fmt, ...) {
  va_list ap;
  if (l->state == ST_DEAD) return;
  if (fmt) {
    va_start(ap, fmt);
    vsnprintf(l->detail, sizeof l->detail, fmt, ap);
    va_end(ap);
  }
  if (l->defer_finish) {
    /* From rl_link_send: its caller may still be using the link. */
    if (!l->pending_fail) {
      l->pending_fail = 1;
      l->pending_why = why;
    }
    return;
  }
  l->state = ST_DEAD;
  release_io(l);
  if (l->ctx->cb.on_closed) l->ctx->cb.on_closed(l->ctx->user, l, why, l->detail);
}

/* After an OpenSSL call failed with code err (SSL_get_error): which
 * failure it is, and why. */
static void tls_fail(rl_link *l, int err, const char *during) {
  char why[DETAIL_MAX - 64];
  unsigned long e = ERR_peek_last_error();
  if (l->pc.failed) {
    ERR_clear_error();
    finish(l, RL_LINK_FAIL_CERT, "%s", l->pc.why);
  } else if (err == SSL_ERROR_ZERO_RETURN) {
    finish(l, RL_LINK_FAIL_EOF, "the far end closed the TLS session (close_notify) %s", during);
  } else if (err == SSL_ERROR_SYSCALL && e == 0) {
    if (l->sys_errno)
      finish(l, RL_LINK_FAIL_IO, "socket error %s: %s", during, strerror(l->sys_errno));
    else if (l->eof_seen)
      finish(l, RL_LINK_FAIL_EOF, "the far end closed the connection %s", during);
    else
      finish(l, RL_LINK_FAIL_IO, "TLS: a system call failed %s (no errno)", during);
  } else if (ERR_GET_LIB(e) == ERR_LIB_SSL &&
             ERR_GET_REASON(e) == SSL_R_UNEXPECTED_EOF_WHILE_READING) {
    ERR_clear_error();
    finish(l, RL_LINK_FAIL_EOF, "the far end closed the connection without a TLS close_notify %s",
           during);
  } else if (ERR_GET_LIB(e) == ERR_LIB_SSL &&
             ERR_GET_REASON(e) == SSL_R_PEER_DID_NOT_RETURN_A_CERTIFICATE) {
    ERR_clear_error();
    finish(l, RL_LINK_FAIL_CERT, "peer certificate: none was sent (mutual authentication, 11.3)");
  } else {
    rl_tls_errors(why, sizeof why);
    finish(l, RL_LINK_FAIL_TLS, "TLS error %s: %s", during, why);
  }
}

/* ------------------------------------------------------------------ */
/* The socket under OpenSSL: a BIO of our own, so that writes never raise
 * SIGPIPE (MSG_NOSIGNAL) and errno reaches the failure reason. */

static int bio_write(BIO *b, const char *buf, int len) {
  rl_link *l = BIO_get_data(b);
  ssize_t n;
  BIO_clear_retry_flags(b);
  n = send(l->fd, buf, (size_t)len, MSG_NOSIGNAL);
  if (n >= 0) return (int)n;
  if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
    BIO_set_retry_write(b);
  } else {
    l->sys_errno = errno;
  }
  return -1;
}

static int bio_read(BIO *b, char *buf, int len) {
  rl_link *l = BIO_get_data(b);
  ssize_t n;
  BIO_clear_retry_flags(b);
  n = recv(l->fd, buf, (size_t)len, 0);
  if (n > 0) return (int)n;
  if (n == 0) {
    l->eof_seen = 1;
    return 0;
  }
  if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
    BIO_set_retry_read(b);
  } else {
    l->sys_errno = errno;
  }
  return -1;
}

static long bio_ctrl(BIO *b, int cmd, long num, void *ptr) {
  (void)b;
  (void)num;
  (void)ptr;
  return cmd == BIO_CTRL_FLUSH ? 1 : 0;
}

/* ------------------------------------------------------------------ */
/* Certificates (11.3): OpenSSL's own chain building and hostname checks
 * are replaced by the overlay's trust rules. */

static int verify_cb(X509_STORE_CTX *xs, void *arg) {
  rl_link_ctx *ctx = arg;
  SSL *ssl = X509_STORE_CTX_get_ex_data(xs, SSL_get_ex_data_X509_STORE_CTX_idx());
  rl_link *l = ssl ? SSL_get_app_data(ssl) : NULL;
  if (!l) return 0;
  return rl_tls_verify_peer(ctx->p.trust, xs, &l->pc);
}

/* ------------------------------------------------------------------ */
/* Context                                                              */

static void why_set(char *why, size_t whylen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void why_set(char *why, size_t whylen, const char *fmt, ...) {
  va_list ap;
  if (!why || whylen == 0) return;
  va_start(ap, fmt);
  vsnprintf(why, whylen, fmt, ap);
  va_end(ap);
}

static int make_ssl_ctx(rl_link_ctx *ctx, char *why, size_t whylen) {
  const rl_link_params *p = &ctx->p;
  char err[256];
  SSL_CTX *s;
  if (!p->cred || !p->cred->cert || !p->cred->key || !p->trust) {
    why_set(why, whylen, "TLS links need credentials and a trust context");
    return -1;
  }
  ERR_clear_error();
  s = SSL_CTX_new(TLS_method());
  ctx->ssl_ctx = s;
  if (!s || SSL_CTX_set_min_proto_version(s, TLS1_2_VERSION) != 1 ||
      SSL_CTX_use_certificate(s, p->cred->cert->x509) != 1 ||
      SSL_CTX_use_PrivateKey(s, p->cred->key) != 1 || SSL_CTX_check_private_key(s) != 1) {
    rl_tls_errors(err, sizeof err);
    why_set(why, whylen, "TLS context: %s", err);
    return -1;
  }
  /* Writes may complete partially and be repeated from a moved buffer
   * (the send queue compacts). No resumption: every link proves its
   * certificate again; no renegotiation. */
  /* Idle links give their record buffers back: a peer keeps tens of links. */
  SSL_CTX_set_mode(s, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER |
                          SSL_MODE_RELEASE_BUFFERS);
  SSL_CTX_set_options(s, SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_TICKET);
  SSL_CTX_set_session_cache_mode(s, SSL_SESS_CACHE_OFF);
  SSL_CTX_set_num_tickets(s, 0);
  /* Mutual authentication (6.6.5, 11.3): the server requires a client
   * certificate; both sides check the other's with verify_cb. */
  SSL_CTX_set_verify(s, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
  SSL_CTX_set_cert_verify_callback(s, verify_cb, ctx);
  rl_tls_keylog_attach(s); /* SSLKEYLOGFILE / --keylog (net/tls.h) */
  ctx->biom = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "rl_link socket");
  if (!ctx->biom || !BIO_meth_set_write(ctx->biom, bio_write) ||
      !BIO_meth_set_read(ctx->biom, bio_read) || !BIO_meth_set_ctrl(ctx->biom, bio_ctrl)) {
    why_set(why, whylen, "TLS context: cannot make the socket BIO");
    return -1;
  }
  return 0;
}

rl_link_ctx *rl_link_ctx_new(const rl_link_params *p, const rl_link_callbacks *cb, void *user,
                             char *why, size_t whylen) {
  rl_link_ctx *ctx;
  if (!p || !cb) {
    why_set(why, whylen, "no parameters or callbacks");
    return NULL;
  }
  if (p->max_message_size == 0 || p->max_message_size > RL_FRAME_MSG_MAX) {
    why_set(why, whylen, "max_message_size %zu is not 1..%u (a FramedMessage carries at most "
            "2^24-1 bytes, 6.6.2)", p->max_message_size, RL_FRAME_MSG_MAX);
    return NULL;
  }
  if (p->mode != RL_LINK_TLS && p->mode != RL_LINK_TCP_INSECURE) {
    why_set(why, whylen, "unknown link mode %d", (int)p->mode);
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
  if (p->mode == RL_LINK_TLS && make_ssl_ctx(ctx, why, whylen) != 0) {
    rl_link_ctx_free(ctx);
    return NULL;
  }
  return ctx;
}

void rl_link_ctx_free(rl_link_ctx *ctx) {
  if (!ctx) return;
  while (ctx->links) {
    rl_link *l = ctx->links;
    ctx->links = l->next;
    /* Best effort, no waiting: the far end sees a clean close. */
    if (l->ssl && l->state == ST_UP) {
      ERR_clear_error();
      (void)SSL_shutdown(l->ssl);
      ERR_clear_error();
    }
    release_io(l);
    link_free(l);
  }
  SSL_CTX_free(ctx->ssl_ctx);
  BIO_meth_free(ctx->biom);
  free(ctx);
}

size_t rl_link_ctx_links(rl_link_ctx *ctx, rl_link **out, size_t max) {
  size_t n = 0;
  for (rl_link *l = ctx->links; l; l = l->next) {
    if (l->state == ST_DEAD) continue;
    if (n < max) out[n] = l;
    n++;
  }
  return n;
}

/* ------------------------------------------------------------------ */
/* Links: making them                                                   */

static rl_link *link_new(rl_link_ctx *ctx, int fd, int outgoing, const struct sockaddr *peer,
                         socklen_t peer_len) {
  rl_link *l = calloc(1, sizeof *l);
  size_t max = ctx->p.max_message_size;
  if (!l) return NULL;
  l->ctx = ctx;
  l->fd = fd;
  l->outgoing = outgoing;
  l->state = ST_HANDSHAKE;
  l->hs_events = POLLOUT;
  /* The receive buffer (in) is allocated when the link comes up
   * (handshake_step): a connection that never finishes its handshake -- a
   * flood -- costs no frame buffer. */
  l->out_cap = 4096;
  l->out = malloc(l->out_cap);
  /* 4 MiB, or two of the largest frames when max-message-size is larger. */
  l->out_limit = (size_t)4 << 20;
  if (l->out_limit < 2 * (max + RL_FRAME_DATA_HDR)) l->out_limit = 2 * (max + RL_FRAME_DATA_HDR);
  l->rec_cap = RECS_INITIAL;
  l->recs = calloc(l->rec_cap, sizeof *l->recs);
  rl_frame_window_init(&l->win);
  rl_rto_init(&l->rto);
  if (peer && peer_len > 0 && peer_len <= sizeof l->peer) {
    memcpy(&l->peer, peer, peer_len);
    l->peer_len = peer_len;
  }
  if (!l->out || !l->recs) {
    link_free(l);
    return NULL;
  }
  if (ctx->ssl_ctx) {
    BIO *bio = BIO_new(ctx->biom);
    l->ssl = SSL_new(ctx->ssl_ctx);
    if (!bio || !l->ssl) {
      BIO_free(bio);
      SSL_free(l->ssl);
      link_free(l);
      return NULL;
    }
    BIO_set_data(bio, l);
    BIO_set_init(bio, 1);
    SSL_set_bio(l->ssl, bio, bio);
    SSL_set_app_data(l->ssl, l);
    if (outgoing)
      SSL_set_connect_state(l->ssl);
    else
      SSL_set_accept_state(l->ssl);
  }
  l->next = ctx->links;
  ctx->links = l;
  return l;
}

int rl_link_listen(rl_link_ctx *ctx, const struct sockaddr *addr, socklen_t addrlen, char *why,
                   size_t whylen) {
  char as[96];
  int one = 1;
  int err, fd = socket(addr->sa_family, SOCK_STREAM, 0);
  (void)ctx;
  if (fd < 0) {
    why_set(why, whylen, "socket: %s", strerror(errno));
    return -1;
  }
  (void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (bind(fd, addr, addrlen) != 0 || listen(fd, 128) != 0 || set_nonblock(fd) != 0) {
    err = errno;
    addr_str(addr, addrlen, as, sizeof as);
    why_set(why, whylen, "listen on %s: %s", as, strerror(err));
    close(fd);
    return -1;
  }
  return fd;
}

rl_link *rl_link_accept(rl_link_ctx *ctx, int listen_fd) {
  struct sockaddr_storage ss;
  socklen_t len = sizeof ss;
  rl_link *l;
  int err, fd = accept(listen_fd, (struct sockaddr *)&ss, &len);
  if (fd < 0) return NULL; /* errno: accept's */
  if (set_nonblock(fd) != 0) {
    err = errno;
    close(fd);
    errno = err;
    return NULL;
  }
  tune_socket(fd);
  l = link_new(ctx, fd, 0, (struct sockaddr *)&ss, len);
  if (!l) {
    close(fd);
    errno = ENOMEM;
  }
  return l;
}

rl_link *rl_link_adopt(rl_link_ctx *ctx, int fd, int outgoing) {
  struct sockaddr_storage ss;
  socklen_t len = sizeof ss;
  rl_link *l;
  if (set_nonblock(fd) != 0) return NULL;
  tune_socket(fd);
  if (getpeername(fd, (struct sockaddr *)&ss, &len) != 0) len = 0;
  l = link_new(ctx, fd, outgoing, (struct sockaddr *)&ss, len);
  return l;
}

rl_link *rl_link_connect(rl_link_ctx *ctx, const struct sockaddr *addr, socklen_t addrlen) {
  char as[96];
  rl_link *l;
  int err, fd = socket(addr->sa_family, SOCK_STREAM, 0);
  if (fd < 0) return NULL;
  if (set_nonblock(fd) != 0) {
    close(fd);
    return NULL;
  }
  tune_socket(fd);
  l = link_new(ctx, fd, 1, addr, addrlen);
  if (!l) {
    close(fd);
    return NULL;
  }
  if (connect(fd, addr, addrlen) == 0) return l; /* at once: on to the handshake */
  err = errno;
  if (err == EINPROGRESS || err == EINTR) {
    l->state = ST_CONNECTING;
    return l;
  }
  /* Refused at once: reported by the next rl_link_handle or tick, so that
   * the caller has the link pointer before on_closed names it. */
  addr_str(addr, addrlen, as, sizeof as);
  snprintf(l->detail, sizeof l->detail, "connect to %s: %s", as, strerror(err));
  l->pending_fail = 1;
  l->pending_why = RL_LINK_FAIL_IO;
  return l;
}

/* ------------------------------------------------------------------ */
/* The send queue and the records of data frames                        */

static int out_reserve(rl_link *l, size_t n) {
  size_t need, cap;
  uint8_t *p;
  if (l->out_len == 0) l->out_head = 0;
  if (l->out_head + l->out_len + n <= l->out_cap) return 0;
  if (l->out_len + n <= l->out_cap / 2 + l->out_cap / 4 && l->out_head > 0) {
    /* Enough room once compacted (SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER). */
    memmove(l->out, l->out + l->out_head, l->out_len);
    l->out_head = 0;
    return 0;
  }
  need = l->out_len + n;
  cap = l->out_cap;
  while (cap < need) cap *= 2;
  if (l->out_head > 0) {
    memmove(l->out, l->out + l->out_head, l->out_len);
    l->out_head = 0;
  }
  if (cap == l->out_cap) return 0;
  p = realloc(l->out, cap);
  if (!p) return -1;
  l->out = p;
  l->out_cap = cap;
  return 0;
}

static void out_append(rl_link *l, const uint8_t *p, size_t n) {
  if (l->out_len == 0) l->out_since_ms = l->ctx->now_ms;
  memcpy(l->out + l->out_head + l->out_len, p, n);
  l->out_len += n;
  l->queued_pos += n;
}

static sent_rec *rec_of(const rl_link *l, uint32_t seq) {
  return &l->recs[seq & (l->rec_cap - 1)];
}

/* Room for one more record; the ring doubles (at most RL_LINK_UNACKED_MAX). */
static int recs_reserve(rl_link *l) {
  uint32_t n = l->next_seq - l->acked_upto;
  sent_rec *nr;
  size_t cap;
  if (n < l->rec_cap) return 0;
  if (n >= RL_LINK_UNACKED_MAX) return -1;
  cap = l->rec_cap * 2;
  nr = calloc(cap, sizeof *nr);
  if (!nr) return -1;
  for (uint32_t s = l->acked_upto; s != l->next_seq; s++) nr[s & (cap - 1)] = *rec_of(l, s);
  free(l->recs);
  l->recs = nr;
  l->rec_cap = cap;
  return 0;
}

static int queue_data(rl_link *l, const uint8_t *msg, size_t len) {
  uint8_t hdr[RL_FRAME_DATA_HDR];
  sent_rec *r;
  if (len > l->ctx->p.max_message_size || len > RL_FRAME_MSG_MAX) return RL_ERR_PARAM;
  if (l->out_len + RL_FRAME_DATA_HDR + len > l->out_limit) return RL_ERR_NOMEM;
  if (recs_reserve(l) != 0 || out_reserve(l, RL_FRAME_DATA_HDR + len) != 0) return RL_ERR_NOMEM;
  /* 6.6.2: "Initially, the value is zero, and it increments by exactly one
   * for each message sent over that connection." */
  rl_frame_data_header(hdr, l->next_seq, (uint32_t)len);
  out_append(l, hdr, sizeof hdr);
  if (len) out_append(l, msg, len);
  r = rec_of(l, l->next_seq);
  r->end_pos = l->queued_pos;
  r->queued_ms = l->ctx->now_ms;
  r->written_ms = 0;
  l->next_seq++;
  l->last_data_ms = l->ctx->now_ms;
  l->st.frames_sent++;
  return 0;
}

/* Bytes as they are (stream links; rl_link_send_unframed). */
static int queue_bytes(rl_link *l, const uint8_t *p, size_t len) {
  if (len > l->out_limit || l->out_len + len > l->out_limit) return RL_ERR_NOMEM;
  if (out_reserve(l, len) != 0) return RL_ERR_NOMEM;
  out_append(l, p, len);
  l->last_data_ms = l->ctx->now_ms;
  return 0;
}

static int do_write(rl_link *l, uint64_t now);

/* Write what was just queued at once, unless the link is in a turn of its
 * own (it writes at the end of it). A message forwarded while another
 * link is read leaves before that link's acks (6.6.2's "immediately" is
 * kept: they follow within the same turn) and without waiting for the end
 * of the turn: the acks are off the forwarding path. A failure is not
 * acted on here, since the caller may still be using the link: it is
 * finished at its next event (pending_fail). */
static void write_through(rl_link *l) {
  /* Only inside a turn (another link's callbacks): there ctx->now_ms is
   * the time of this turn, which the written records are stamped with.
   * Sends from outside a turn go out at the next tick. */
  if (l->ctx->depth == 0 || l->busy || l->state != ST_UP || l->pending_fail) return;
  l->defer_finish = 1;
  (void)do_write(l, l->ctx->now_ms);
  l->defer_finish = 0;
}

int rl_link_send(rl_link *l, const uint8_t *msg, size_t len) {
  int r;
  if (!l || l->state == ST_CLOSING || l->state == ST_DEAD || l->pending_fail) return RL_ERR_IO;
  if (len == 0) return RL_ERR_PARAM; /* length 0 is the keepalive (link.h) */
  r = l->ctx->p.stream ? queue_bytes(l, msg, len) : queue_data(l, msg, len);
  if (r == 0) write_through(l);
  return r;
}

int rl_link_send_unframed(rl_link *l, const uint8_t *bytes, size_t len) {
  if (!l || l->state == ST_CLOSING || l->state == ST_DEAD || l->pending_fail) return RL_ERR_IO;
  if (len == 0) return RL_ERR_PARAM;
  return queue_bytes(l, bytes, len);
}

/* Bytes up to written_pos reached the socket: stamp their records. */
static void mark_written(rl_link *l, uint64_t now) {
  while (l->first_unwritten != l->next_seq) {
    sent_rec *r = rec_of(l, l->first_unwritten);
    if (r->end_pos > l->written_pos) break;
    r->written_ms = now ? now : 1; /* 0 means "not written" */
    l->first_unwritten++;
  }
}

/* ------------------------------------------------------------------ */
/* Raw I/O: > 0 bytes moved, 0 would block, -1 the link failed (finished). */

static ssize_t raw_write(rl_link *l, const uint8_t *p, size_t n) {
  size_t done = 0;
  int err;
  if (!l->ssl) {
    ssize_t w = send(l->fd, p, n, MSG_NOSIGNAL);
    if (w >= 0) return w;
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return 0;
    finish(l, RL_LINK_FAIL_IO, "send: %s", strerror(errno));
    return -1;
  }
  /* A write that wanted to be repeated is repeated with the same length
   * (SSL_write(3)). */
  if (l->ssl_retry_len) n = l->ssl_retry_len;
  ERR_clear_error();
  l->sys_errno = 0;
  if (SSL_write_ex(l->ssl, p, n, &done) == 1) {
    l->ssl_retry_len = 0;
    l->wr_want_read = 0;
    return (ssize_t)done;
  }
  err = SSL_get_error(l->ssl, 0);
  if (err == SSL_ERROR_WANT_WRITE || err == SSL_ERROR_WANT_READ) {
    l->ssl_retry_len = n;
    l->wr_want_read = err == SSL_ERROR_WANT_READ;
    return 0;
  }
  tls_fail(l, err, "while writing");
  return -1;
}

static void eof_fail(rl_link *l) {
  if (l->in_len)
    finish(l, RL_LINK_FAIL_EOF, "the far end closed the connection inside a frame (%zu bytes of "
           "it at stream offset %llu)", l->in_len, (unsigned long long)l->in_off);
  else
    finish(l, RL_LINK_FAIL_EOF, "the far end closed the connection");
}

static ssize_t raw_read(rl_link *l, uint8_t *p, size_t n) {
  size_t got = 0;
  int err;
  if (!l->ssl) {
    ssize_t r = recv(l->fd, p, n, 0);
    if (r > 0) return r;
    if (r == 0) {
      eof_fail(l);
      return -1;
    }
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return 0;
    finish(l, RL_LINK_FAIL_IO, "recv: %s", strerror(errno));
    return -1;
  }
  ERR_clear_error();
  l->sys_errno = 0;
  if (SSL_read_ex(l->ssl, p, n, &got) == 1) {
    l->rd_want_write = 0;
    return (ssize_t)got;
  }
  err = SSL_get_error(l->ssl, 0);
  if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) {
    l->rd_want_write = err == SSL_ERROR_WANT_WRITE;
    return 0;
  }
  if (err == SSL_ERROR_SYSCALL && ERR_peek_last_error() == 0 && l->eof_seen) {
    eof_fail(l);
    return -1;
  }
  tls_fail(l, err, "while reading");
  return -1;
}

/* Write what the socket takes. 0, or -1 when the link failed. */
static int do_write(rl_link *l, uint64_t now) {
  while (l->out_len > 0) {
    size_t n = l->out_len < WRITE_CHUNK ? l->out_len : WRITE_CHUNK;
    ssize_t w = raw_write(l, l->out + l->out_head, n);
    if (w < 0) return -1;
    if (w == 0) break;
    l->out_head += (size_t)w;
    l->out_len -= (size_t)w;
    l->written_pos += (uint64_t)w;
    l->out_since_ms = now;
    l->st.bytes_sent += (uint64_t)w;
    mark_written(l, now);
  }
  if (l->out_len == 0) l->out_head = 0;
  return 0;
}

/* ------------------------------------------------------------------ */
/* Receiving frames                                                     */

static void begin_close(rl_link *l, rl_link_fail why) {
  l->state = ST_CLOSING;
  l->phase = CL_FLUSH;
  l->close_why = why;
  l->close_deadline = 0; /* set by the next close_step, which knows the time */
}

static int on_ack(rl_link *l, const rl_frame *f, uint64_t now) {
  uint32_t d = f->sequence - l->acked_upto;
  uint32_t written = l->first_unwritten - l->acked_upto;
  l->st.acks_received++;
  l->st.last_ack_sequence = f->sequence;
  l->st.last_ack_received = f->received;
  /* An ack for a frame that is out (written, not yet acked) gives an RTT
   * sample (6.6.3.1, 6.6.5); on a reliable stream it also acks every
   * earlier frame. Acks of older frames (duplicates) or of frames not sent
   * are ignored. */
  if (d < written) {
    const sent_rec *r = rec_of(l, f->sequence);
    if (now >= r->written_ms) rl_rto_sample(&l->rto, now - r->written_ms);
    l->acked_upto = f->sequence + 1;
  }
  return 0;
}

static int on_data(rl_link *l, const rl_frame *f) {
  uint8_t ack[RL_FRAME_ACK_LEN];
  /* 6.6.2: "When the receiver receives a message, it SHOULD immediately
   * send an ACK message." Queued before on_message, so it goes out even
   * if the callback closes the link. */
  rl_frame_ack(ack, f->sequence, rl_frame_window_receive(&l->win, f->sequence));
  if (out_reserve(l, sizeof ack) != 0) {
    finish(l, RL_LINK_FAIL_IO, "out of memory for an ack");
    return -1;
  }
  out_append(l, ack, sizeof ack);
  l->st.acks_sent++;
  /* 6.6.2: numbered from 0, one more each frame (only counted: a gap or
   * a repeat harms nothing here, the stream is reliable). */
  if (f->sequence != (l->st.frames_received ? l->st.last_data_sequence + 1u : 0u))
    l->st.data_out_of_sequence++;
  l->st.last_data_sequence = f->sequence;
  l->st.frames_received++;
  if (f->msg_len == 0) {
    l->st.keepalives_received++;
  } else if (l->ctx->cb.on_message) {
    l->ctx->cb.on_message(l->ctx->user, l, f->msg, f->msg_len);
  }
  return 0;
}

static void on_oversize(rl_link *l, const rl_frame *f) {
  size_t have = f->frame_len - RL_FRAME_DATA_HDR;
  size_t max = l->ctx->p.max_message_size;
  uint32_t seq = f->sequence;
  size_t announced = f->msg_len;
  /* 6.6: "the peer SHOULD send an Error_Message_Too_Large error and then
   * close the TLS or DTLS session": the caller answers from the callback
   * (the link is still up), then we close after flushing. */
  if (l->ctx->cb.on_oversize) l->ctx->cb.on_oversize(l->ctx->user, l, f->msg, have, announced);
  if (l->state == ST_DEAD) return;
  begin_close(l, RL_LINK_FAIL_OVERSIZE);
  snprintf(l->detail, sizeof l->detail, "data frame %u announces %zu bytes; max-message-size is "
           "%zu", seq, announced, max);
  l->in_len = 0;
}

/* Take the whole frames at the start of in. 0, or -1 when the link is no
 * longer up (failed, or closing). */
static int parse_buffered(rl_link *l, uint64_t now) {
  size_t off = 0;
  int r = 0;
  if (l->ctx->p.stream) {
    /* No frames: the application gets the bytes as they came. */
    if (l->state == ST_UP && l->in_len > 0) {
      size_t n = l->in_len;
      l->st.bytes_received += n;
      l->st.frames_received++;
      l->in_len = 0;
      l->in_off += n;
      if (l->ctx->cb.on_message) l->ctx->cb.on_message(l->ctx->user, l, l->in, n);
    }
    return l->state == ST_UP ? 0 : -1;
  }
  while (l->state == ST_UP) {
    rl_frame f;
    int k;
    /* Back pressure: a far end that sends without reading our acks stops
     * being read until the queue drains (or the link times out). */
    if (l->out_len > l->out_limit) break;
    k = rl_frame_next(l->in + off, l->in_len - off, l->ctx->p.max_message_size, &f);
    if (k == RL_FRAME_MORE) break;
    if (k == RL_FRAME_BAD_TYPE) {
      /* The acks of the good frames before it go out if the socket takes
       * them now; nothing after it can be trusted. */
      if (do_write(l, now) != 0) return -1;
      finish(l, RL_LINK_FAIL_FRAMING, "frame type %u at stream offset %llu (6.6.2 defines "
             "data(128) and ack(129))", f.type, (unsigned long long)(l->in_off + off));
      return -1;
    }
    if (k == RL_FRAME_OVERSIZE) {
      /* in is valid during the callback; in_len is cleared afterwards. */
      on_oversize(l, &f);
      return -1;
    }
    off += f.frame_len;
    l->st.bytes_received += f.frame_len;
    if (f.type == RL_FRAME_ACK)
      r = on_ack(l, &f, now);
    else
      r = on_data(l, &f);
    if (r != 0) return -1;
  }
  if (l->state == ST_DEAD) return -1;
  if (off > 0 && l->state != ST_CLOSING) {
    memmove(l->in, l->in + off, l->in_len - off);
    l->in_len -= off;
    l->in_off += off;
  }
  return l->state == ST_UP ? 0 : -1;
}

static void do_read(rl_link *l, uint64_t now) {
  size_t budget = READ_BUDGET;
  for (;;) {
    ssize_t n;
    if (parse_buffered(l, now) != 0) return;
    if (l->out_len > l->out_limit) return;
    /* There is always room: whole frames were taken out, and a partial
     * one is shorter than in_cap by IN_EXTRA at least. */
    if (l->in_len >= l->in_cap) return;
    n = raw_read(l, l->in + l->in_len, l->in_cap - l->in_len);
    if (n <= 0) return;
    l->in_len += (size_t)n;
    if ((size_t)n >= budget && !(l->ssl && SSL_pending(l->ssl) > 0)) {
      /* Enough for this turn; poll says when the kernel has more. */
      (void)parse_buffered(l, now);
      return;
    }
    budget -= (size_t)n < budget ? (size_t)n : budget;
  }
}

/* ------------------------------------------------------------------ */
/* Handshake, closing, the event entry points                           */

/* 1 when the link is up (on_up called), 0 in progress, -1 failed. */
static int handshake_step(rl_link *l, uint64_t now) {
  int r, err;
  if (l->ssl) {
    ERR_clear_error();
    l->sys_errno = 0;
    r = SSL_do_handshake(l->ssl);
    if (r != 1) {
      err = SSL_get_error(l->ssl, r);
      if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) {
        l->hs_events = err == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT;
        return 0;
      }
      tls_fail(l, err, "during the TLS handshake");
      return -1;
    }
    if (!l->pc.cert) {
      finish(l, RL_LINK_FAIL_CERT, "peer certificate: none was verified");
      return -1;
    }
  }
  /* 6.6: one frame is at most max-message-size plus its header; the extra
   * lets one read take a whole TLS record behind a partial frame. */
  l->in_cap = l->ctx->p.max_message_size + RL_FRAME_DATA_HDR + IN_EXTRA;
  l->in = malloc(l->in_cap);
  if (!l->in) {
    finish(l, RL_LINK_FAIL_IO, "out of memory for the receive buffer (%zu bytes)", l->in_cap);
    return -1;
  }
  l->state = ST_UP;
  l->was_up = 1;
  l->up_ms = now;
  l->last_data_ms = now;
  if (l->ctx->cb.on_up) l->ctx->cb.on_up(l->ctx->user, l);
  return 1;
}

/* Closing (rl_link_close, oversize): flush the queue, send close_notify
 * and a FIN, then read and drop what the far end still sends until it
 * closes too -- closing a socket with unread input sends a reset, which
 * may destroy our last bytes in the far end's receive buffer. Bounded by
 * RL_LINK_CLOSE_FLUSH_MS in all. */
static void close_step(rl_link *l, uint64_t now) {
  const char *pending = "";
  char note[96];
  if (l->close_deadline == 0) l->close_deadline = now + RL_LINK_CLOSE_FLUSH_MS;
  if (!l->was_up) {
    finish(l, l->close_why, NULL);
    return;
  }
  if (l->phase == CL_FLUSH) {
    if (do_write(l, now) != 0) return;
    if (l->out_len == 0) l->phase = CL_SHUTDOWN;
  }
  if (l->phase == CL_SHUTDOWN) {
    int r = 1;
    if (l->ssl) {
      ERR_clear_error();
      r = SSL_shutdown(l->ssl);
      if (r < 0 && SSL_get_error(l->ssl, r) == SSL_ERROR_WANT_WRITE) r = -2;
      ERR_clear_error();
    }
    if (r != -2) {
      (void)shutdown(l->fd, SHUT_WR);
      l->phase = CL_DRAIN;
    }
  }
  if (l->phase == CL_DRAIN) {
    uint8_t sink[4096];
    for (;;) {
      ssize_t n = recv(l->fd, sink, sizeof sink, 0);
      if (n > 0) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) break;
      finish(l, l->close_why, NULL); /* the far end closed too (or failed) */
      return;
    }
  }
  if (now < l->close_deadline) return;
  if (l->phase == CL_FLUSH) {
    snprintf(note, sizeof note, " (%zu bytes not flushed within %u ms)", l->out_len,
             (unsigned)RL_LINK_CLOSE_FLUSH_MS);
    pending = note;
  }
  finish(l, l->close_why, "%.300s%s", l->detail, pending);
}

static void step(rl_link *l, short revents, uint64_t now) {
  if (l->start_ms == 0) l->start_ms = now;
  if (l->pending_fail) {
    finish(l, l->pending_why, NULL);
    return;
  }
  if (revents & POLLNVAL) {
    finish(l, RL_LINK_FAIL_IO, "poll: the descriptor is not open (POLLNVAL)");
    return;
  }
  if (l->state == ST_CONNECTING) {
    int err = 0;
    socklen_t len = sizeof err;
    char as[96];
    if (!(revents & (POLLOUT | POLLERR | POLLHUP))) return;
    if (getsockopt(l->fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0) err = errno;
    if (err) {
      addr_str((struct sockaddr *)&l->peer, l->peer_len, as, sizeof as);
      finish(l, RL_LINK_FAIL_IO, "connect to %s: %s", as, strerror(err));
      return;
    }
    l->state = ST_HANDSHAKE;
  }
  if (l->state == ST_HANDSHAKE && handshake_step(l, now) <= 0) return;
  if (l->state == ST_UP) {
    if (do_write(l, now) != 0) return;
    do_read(l, now);
    if (l->state == ST_UP && do_write(l, now) != 0) return;
  }
  if (l->state == ST_CLOSING) close_step(l, now);
}

void rl_link_handle(rl_link *l, short revents, uint64_t now_ms) {
  rl_link_ctx *ctx = l->ctx;
  if (l->busy || l->state == ST_DEAD) return;
  ctx_enter(ctx, now_ms);
  l->busy = 1;
  step(l, revents, now_ms);
  l->busy = 0;
  ctx_leave(ctx);
}

static void tick_link(rl_link *l, uint64_t now) {
  uint8_t none = 0;
  if (l->start_ms == 0) l->start_ms = now;
  if (l->pending_fail) {
    finish(l, l->pending_why, NULL);
    return;
  }
  if (l->state == ST_CONNECTING || l->state == ST_HANDSHAKE) {
    uint64_t t = handshake_timeout(l);
    if (elapsed(now, l->start_ms) > t)
      finish(l, RL_LINK_FAIL_TIMEOUT, "%s not finished after %llu ms",
             l->state == ST_CONNECTING ? "TCP connect" : l->ssl ? "TLS handshake" : "TCP setup",
             (unsigned long long)t);
    return;
  }
  if (l->state == ST_CLOSING) {
    close_step(l, now);
    return;
  }
  if (l->state != ST_UP) return;
  if (!l->ctx->p.stream && l->acked_upto != l->next_seq) {
    /* 6.6.5: the RTO "is not used for retransmissions, but rather as a
     * timeout to indicate when the link SHOULD be removed". The clock of a
     * frame starts when it went out, or when it was queued if it is still
     * stuck in our queue (a far end that does not read), but not before
     * the link was up. */
    const sent_rec *r = rec_of(l, l->acked_upto);
    uint64_t since = r->written_ms ? r->written_ms : r->queued_ms;
    uint64_t t = fail_timeout(l);
    if (since < l->up_ms) since = l->up_ms;
    if (elapsed(now, since) > t) {
      finish(l, RL_LINK_FAIL_TIMEOUT, "no ack for data frame %u within %llu ms (RTO %u ms; %u "
             "frames unacked, %zu bytes not written)", l->acked_upto, (unsigned long long)t,
             (unsigned)l->rto.rto_ms, (unsigned)(l->next_seq - l->acked_upto), l->out_len);
      return;
    }
  }
  if (l->out_len > 0) {
    /* A far end that reads nothing while we only owe it acks: no data
     * frame of ours waits for an ack, but the queue does not move. */
    uint64_t since = l->out_since_ms > l->up_ms ? l->out_since_ms : l->up_ms;
    uint64_t t = fail_timeout(l);
    if (elapsed(now, since) > t) {
      finish(l, RL_LINK_FAIL_TIMEOUT, "the far end took none of our %zu queued bytes for %llu ms",
             l->out_len, (unsigned long long)t);
      return;
    }
  }
  if (!l->ctx->p.stream &&
      elapsed(now, l->last_data_ms) >= (l->ctx->p.keepalive_ms ? l->ctx->p.keepalive_ms : 15000) &&
      queue_data(l, &none, 0) == 0)
    l->st.keepalives_sent++;
  if (l->out_len > 0) (void)do_write(l, now);
}

void rl_link_ctx_tick(rl_link_ctx *ctx, uint64_t now_ms) {
  ctx_enter(ctx, now_ms);
  /* Links made by callbacks go to the front: not visited this time. Dead
   * links stay in the list (skipped) until ctx_leave. */
  for (rl_link *l = ctx->links; l; l = l->next) {
    if (l->state == ST_DEAD || l->busy) continue;
    l->busy = 1;
    tick_link(l, now_ms);
    l->busy = 0;
  }
  ctx_leave(ctx);
}

void rl_link_close(rl_link *l) {
  if (!l || l->state == ST_CLOSING || l->state == ST_DEAD) return;
  begin_close(l, RL_LINK_CLOSED_LOCALLY);
  snprintf(l->detail, sizeof l->detail, "closed locally");
  l->pending_fail = 0; /* a connect that failed at once: now just closed */
}

/* ------------------------------------------------------------------ */
/* Queries                                                              */

int rl_link_fd(const rl_link *l) { return l->state == ST_DEAD ? -1 : l->fd; }

short rl_link_poll_events(const rl_link *l) {
  short ev = 0;
  if (l->pending_fail) return POLLOUT;
  switch (l->state) {
  case ST_CONNECTING:
    return POLLOUT;
  case ST_HANDSHAKE:
    return l->ssl ? l->hs_events : POLLOUT;
  case ST_UP:
    if (l->out_len <= l->out_limit || l->wr_want_read) ev |= POLLIN;
    if (l->out_len > 0 || l->rd_want_write) ev |= POLLOUT;
    return ev;
  case ST_CLOSING:
    return l->phase == CL_DRAIN ? POLLIN : POLLOUT;
  case ST_DEAD:
    break;
  }
  return 0;
}

const rl_cert *rl_link_peer_cert(const rl_link *l) { return l->pc.cert; }

rl_cert *const *rl_link_peer_chain(const rl_link *l, size_t *n) {
  *n = l->pc.nchain;
  return l->pc.chain;
}

int rl_sockaddr_equal(const struct sockaddr_storage *a, const struct sockaddr_storage *b) {
  if (a->ss_family != b->ss_family) return 0;
  if (a->ss_family == AF_INET) {
    const struct sockaddr_in *x = (const void *)a, *y = (const void *)b;
    return x->sin_port == y->sin_port && x->sin_addr.s_addr == y->sin_addr.s_addr;
  }
  if (a->ss_family == AF_INET6) {
    const struct sockaddr_in6 *x = (const void *)a, *y = (const void *)b;
    return x->sin6_port == y->sin6_port && memcmp(&x->sin6_addr, &y->sin6_addr, 16) == 0;
  }
  return 0;
}

const struct sockaddr *rl_link_peer_addr(const rl_link *l, socklen_t *len) {
  if (len) *len = l->peer_len;
  return (const struct sockaddr *)&l->peer;
}

int rl_link_local_addr(const rl_link *l, struct sockaddr_storage *out, socklen_t *len) {
  *len = sizeof *out;
  if (l->fd < 0) return RL_ERR_IO;
  return getsockname(l->fd, (struct sockaddr *)out, len) == 0 ? 0 : RL_ERR_IO;
}

int rl_link_is_outgoing(const rl_link *l) { return l->outgoing; }

void rl_link_set_user(rl_link *l, void *data) { l->user = data; }

void *rl_link_get_user(const rl_link *l) { return l->user; }

void rl_link_get_stats(const rl_link *l, rl_link_stats *out) {
  *out = l->st;
  out->srtt_ms = rl_rto_srtt_ms(&l->rto);
  out->rttvar_ms = rl_rto_rttvar_ms(&l->rto);
  out->rto_ms = l->rto.samples ? l->rto.rto_ms : 0;
  out->rtt_samples = l->rto.samples;
  out->unacked = l->next_seq - l->acked_upto;
  out->out_pending = l->out_len;
}
