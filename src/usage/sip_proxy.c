/* usage/sip_proxy.c: the SIP usage of a peer (RFC 7904) as a SIP proxy
 * and registrar for local phones (RFC 3261 10, 16). See sip_proxy.h. */
#define _GNU_SOURCE /* getaddrinfo flags, strcasecmp */
#include "usage/sip_proxy.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "net/link.h"
#include "overlay/hash.h"
#include "peer/driver.h"
#include "peer/msg.h"
#include "peer/ops.h"
#include "runtime/arena.h"
#include "runtime/error.h"
#include "runtime/writer.h"
#include "sip/sip_hdr.h"
#include "sip/sip_msg.h"
#include "sip/sip_util.h"
#include "sip/sip_write.h"
#include "usage/sip_reg.h"

#define SP_MAX_CONNS 64
#define SP_MAX_TXNS 256
#define SP_MAX_BINDINGS 64
#define SP_MAX_TARGETS 8
#define SP_MSG_MAX 16384      /* the largest SIP message we take */
#define SP_CONN_BUF (SP_MSG_MAX + 4096)
#define SP_AOR_MAX 256
#define SP_T1 500u            /* RFC 3261 17.1.1.1 */
#define SP_T2 4000u
#define SP_TXN_TIMEOUT (64u * SP_T1) /* timers B and F */
/* Answered transactions absorb retransmitted requests this long. Shorter
 * than timers J and L (64*T1) so that a busy proxy's table does not fill
 * with calls long set up: a response that comes after its transaction is
 * gone is still sent on by its Via (stateless, 16.11), and a request
 * retransmitted later is forwarded again with the same branch, which the
 * next hop recognises as a retransmission. */
#define SP_TXN_LINGER 8000u
#define SP_MAX_DEPTH 3        /* 7904 4.2 step 2: AOR -> AOR indirections */
#define SP_BRANCH_PREFIX "z9hG4bK-rl"

typedef enum { HOP_NONE = 0, HOP_UDP, HOP_CONN } hop_kind;
typedef struct sp_hop {
  hop_kind kind;
  struct sockaddr_storage addr; /* HOP_UDP */
  socklen_t alen;
  int conn;                     /* HOP_CONN: index and generation */
  uint32_t gen;
} sp_hop;

typedef enum { CONN_PHONE = 0, CONN_PEER } conn_kind;
typedef struct sp_conn {
  int used;
  conn_kind kind;
  rl_link *link;
  int up;
  uint32_t gen;
  int outgoing;
  uint8_t node_id[RL_NODE_ID_MAX]; /* CONN_PEER: who the far end is */
  int have_id;
  char *buf;
  size_t len;
  rl_sip_framer fr;
} sp_conn;

typedef enum { TX_FREE = 0, TX_REGISTERING, TX_RESOLVING, TX_ATTACHING, TX_CONNECTING,
               TX_FORWARDED, TX_ANSWERED } tx_state;

typedef struct sp_txn {
  struct rl_sip_proxy *owner;
  tx_state state;
  uint32_t id;
  int pending_cb;   /* node callbacks outstanding: the slot is not reused before */
  rl_sip_method method;
  char in_branch[128];
  size_t in_branch_len;
  char out_branch[48];
  sp_hop up, down;
  int from_peer;
  char *req;        /* the request as received */
  size_t req_len;
  char *fwd;        /* as forwarded (UDP retransmissions) */
  size_t fwd_len;
  char *resp;       /* the last response sent upstream */
  size_t resp_len;
  int final_sent, local_final, got_response, cancelled;
  uint64_t created, next_retx, retx_interval, linger_until;
  /* Resolution (7904 4.2). */
  char aor[SP_AOR_MAX];
  int depth;
  uint8_t target[SP_MAX_TARGETS][RL_NODE_ID_MAX];
  uint64_t target_time[SP_MAX_TARGETS];
  size_t ntargets, tnext;
  int conn;          /* TX_CONNECTING: the link being set up */
  uint32_t conn_gen;
  uint64_t step_started;
  char ruri_override[SP_AOR_MAX + 64]; /* local delivery: the Contact */
  /* REGISTER */
  int reg_binding;
  uint32_t reg_expires;
} sp_txn;

typedef struct sp_binding {
  int used;
  char aor[SP_AOR_MAX];
  char contact[512];
  sp_hop hop;
  uint64_t expires_ms;
} sp_binding;

struct rl_sip_proxy {
  rl_sip_proxy_options o;
  rl_node *node;
  size_t id_len;
  const uint8_t *self;
  char domain[256];
  int udp_fd, tcp_fd, tls_fd;
  uint16_t port, peer_port;
  char host[64];            /* our address as text, for Via and Record-Route */
  char gruu[64];            /* our GRUU "gr" value (7904 6) */
  rl_link_ctx *phone_ctx, *peer_ctx;
  sp_conn conns[SP_MAX_CONNS];
  sp_txn txns[SP_MAX_TXNS];
  sp_binding bindings[SP_MAX_BINDINGS];
  uint32_t next_id;
  uint64_t now;
  uint8_t arena_buf[65536];
  rl_arena arena;
  char out[SP_MSG_MAX + 2048];
  char dgram[65536];
  char fix[SP_MSG_MAX + 64]; /* a message with a stand-in Request-Line */
  rl_sip_header hdr[96];
  rl_sip_proxy_stats st;
  unsigned rnd;
};

/* ------------------------------------------------------------------ */
/* Small helpers                                                        */

static void sp_log(rl_sip_proxy *p, int level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void sp_log(rl_sip_proxy *p, int level, const char *fmt, ...) {
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

static uint64_t wall_ms(void) {
  struct timeval tv;
  gettimeofday(&tv, NULL);
  return (uint64_t)tv.tv_sec * 1000u + (uint64_t)tv.tv_usec / 1000u;
}

static unsigned sp_rand(rl_sip_proxy *p) {
  p->rnd = p->rnd * 1103515245u + 12345u;
  return p->rnd >> 8;
}

/* The first line of a message, for the log (without CRLF). */
static int first_line_len(const char *m, size_t len) {
  size_t i = 0;
  while (i < len && i < 200 && m[i] != '\r' && m[i] != '\n') i++;
  return (int)i;
}

static void short_id(const uint8_t *id, size_t len, char *out) {
  static const char hx[] = "0123456789abcdef";
  size_t n = len < 4 ? len : 4;
  for (size_t i = 0; i < n; i++) {
    out[2 * i] = hx[id[i] >> 4];
    out[2 * i + 1] = hx[id[i] & 15];
  }
  out[2 * n] = 0;
}

/* The SIP links between peers (AppAttach, RFC 7904 5.1) are streams over
 * TCP: TLS when the overlay's links are secure (TLS or DTLS), plain TCP
 * when they are not. */
static rl_link_mode sip_peer_mode(const rl_node *n) {
  rl_link_mode m = rl_node_link_mode(n);
  return m == RL_LINK_TLS || m == RL_LINK_DTLS ? RL_LINK_TLS : RL_LINK_TCP_INSECURE;
}

static void hop_text(const rl_sip_proxy *p, const sp_hop *h, char *out, size_t cap) {
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
      if (c->have_id) short_id(c->node_id, p->id_len, id);
      snprintf(out, cap, "peer %s.. (SIP over %s)", id,
               sip_peer_mode(p->node) == RL_LINK_TLS ? "TLS" : "TCP");
    } else {
      snprintf(out, cap, "phone tcp #%d", h->conn);
    }
  } else {
    snprintf(out, cap, "-");
  }
}

static int sockaddr_from_uri(const rl_sip_uri *u, struct sockaddr_storage *ss, socklen_t *len) {
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

/* ------------------------------------------------------------------ */
/* Sending                                                              */

static int conn_alive(const rl_sip_proxy *p, int i, uint32_t gen) {
  return i >= 0 && i < SP_MAX_CONNS && p->conns[i].used && p->conns[i].gen == gen;
}

static int send_to(rl_sip_proxy *p, const sp_hop *h, const char *m, size_t len) {
  if (h->kind == HOP_UDP) {
    ssize_t r = sendto(p->udp_fd, m, len, 0, (const struct sockaddr *)&h->addr, h->alen);
    return r == (ssize_t)len ? 0 : RL_ERR_IO;
  }
  if (h->kind == HOP_CONN && conn_alive(p, h->conn, h->gen) && p->conns[h->conn].up)
    return rl_link_send(p->conns[h->conn].link, (const uint8_t *)m, len);
  return RL_ERR_IO;
}

static void log_msg(rl_sip_proxy *p, const char *dir, const sp_hop *h, const char *m, size_t len) {
  char ht[96];
  if (p->o.verbosity < 1) return;
  hop_text(p, h, ht, sizeof ht);
  sp_log(p, 1, "%s %s: %.*s", dir, ht, first_line_len(m, len), m);
}

/* How long an answered transaction stays (17.2): an INVITE answered 2xx
 * ends at once (RFC 3261 17.2.1; later 2xx and retransmitted INVITEs go
 * through statelessly, see SP_TXN_LINGER), as does a non-INVITE that came
 * over a connection (timer J is 0 for reliable transports); the others
 * absorb retransmissions and the ACK of a non-2xx for SP_TXN_LINGER. */
static uint64_t linger_after(const sp_txn *t, int status) {
  if (t->method == RL_SIP_METHOD_INVITE && status >= 200 && status < 300) return 0;
  if (t->method != RL_SIP_METHOD_INVITE && t->up.kind == HOP_CONN) return 0;
  return SP_TXN_LINGER;
}

/* A response when the request's To does not parse (so no tag can be
 * added): the Status-Line and the request's Via, From, To, Call-ID and
 * CSeq lines as they are (8.2.6.2; 21.4.1: 400 for a malformed request). */
static void respond_raw(rl_sip_proxy *p, const rl_sip_msg *req, const sp_hop *to, int status,
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
  log_msg(p, "->", to, p->out, w.len);
  (void)send_to(p, to, p->out, w.len);
}

/* A response of our own to the request req (8.2.6), sent to hop. */
static void respond(rl_sip_proxy *p, const rl_sip_msg *req, const sp_hop *to, int status,
                    const char *reason, const char *extra_hdrs, sp_txn *t) {
  rl_writer w;
  char tag[16];
  rl_sip_str totag = {NULL, 0};
  /* 17: an ACK is never answered (a bad one is dropped). */
  if (req->method == RL_SIP_METHOD_ACK) return;
  if (status > 100) {
    snprintf(tag, sizeof tag, "rl%08x", sp_rand(p));
    totag.p = tag;
    totag.len = strlen(tag);
  }
  rl_writer_init(&w, (uint8_t *)p->out, sizeof p->out, NULL);
  if (rl_sip_write_response(&w, req, status, reason, totag) != 0) {
    if (status >= 400) respond_raw(p, req, to, status, reason);
    return;
  }
  rl_sip_write_header_cstr(&w, "Server", "reload-peer");
  if (extra_hdrs) rl_sip_put_cstr(&w, extra_hdrs);
  rl_sip_write_body(&w, NULL, NULL, 0);
  if (w.err) return;
  log_msg(p, "->", to, p->out, w.len);
  (void)send_to(p, to, p->out, w.len);
  if (t) {
    if (w.len <= SP_MSG_MAX) {
      memcpy(t->resp, p->out, w.len);
      t->resp_len = w.len;
    }
    if (status >= 200) {
      t->final_sent = 1;
      t->local_final = 1;
      t->state = TX_ANSWERED;
      t->linger_until = p->now + linger_after(t, status);
    }
  }
  if (status >= 200) p->st.answered_locally++;
}

/* ------------------------------------------------------------------ */
/* Transactions                                                         */

static sp_txn *txn_new(rl_sip_proxy *p) {
  for (size_t i = 0; i < SP_MAX_TXNS; i++) {
    sp_txn *t = &p->txns[i];
    if (t->state == TX_FREE && t->pending_cb == 0) {
      char *req = t->req, *fwd = t->fwd, *resp = t->resp;
      memset(t, 0, sizeof *t);
      t->req = req;
      t->fwd = fwd;
      t->resp = resp;
      t->owner = p;
      t->id = ++p->next_id;
      t->created = p->now;
      t->conn = -1;
      t->reg_binding = -1;
      return t;
    }
  }
  return NULL;
}

static void txn_free(sp_txn *t) { t->state = TX_FREE; }

/* The server transaction a request belongs to (17.2.3: branch, sent-by,
 * and method, with ACK and CANCEL matching the INVITE). */
static sp_txn *txn_find_in(rl_sip_proxy *p, rl_sip_str branch, rl_sip_method m) {
  if (!branch.p || branch.len == 0 || branch.len >= sizeof p->txns[0].in_branch) return NULL;
  for (size_t i = 0; i < SP_MAX_TXNS; i++) {
    sp_txn *t = &p->txns[i];
    if (t->state == TX_FREE || t->in_branch_len != branch.len) continue;
    if (memcmp(t->in_branch, branch.p, branch.len) != 0) continue;
    if (m == RL_SIP_METHOD_ACK || m == RL_SIP_METHOD_CANCEL) {
      if (t->method == RL_SIP_METHOD_INVITE) return t;
    } else if (t->method == m) {
      return t;
    }
  }
  return NULL;
}

static sp_txn *txn_find_out(rl_sip_proxy *p, rl_sip_str branch) {
  for (size_t i = 0; i < SP_MAX_TXNS; i++) {
    sp_txn *t = &p->txns[i];
    if (t->state == TX_FREE || !t->out_branch[0]) continue;
    if (rl_sip_str_eq(branch, t->out_branch)) return t;
  }
  return NULL;
}

/* Parse a stored request again (its slices point into t->req). */
static int reparse(rl_sip_proxy *p, const char *buf, size_t len, rl_sip_msg *m) {
  rl_sip_msg_init(m, p->hdr, sizeof p->hdr / sizeof p->hdr[0]);
  return rl_sip_msg_parse(m, buf, len, NULL, NULL);
}

static void txn_respond(rl_sip_proxy *p, sp_txn *t, int status, const char *reason) {
  rl_sip_msg m;
  if (t->final_sent) return;
  if (reparse(p, t->req, t->req_len, &m) != 0) return;
  respond(p, &m, &t->up, status, reason, NULL, t);
}

/* ------------------------------------------------------------------ */
/* Forwarding (16.6)                                                    */

static int is_dialog_creating(rl_sip_method m) {
  return m == RL_SIP_METHOD_INVITE || m == RL_SIP_METHOD_SUBSCRIBE || m == RL_SIP_METHOD_REFER;
}

/* Our via-parm for a request sent to hop (16.6 step 8): the transport and
 * address the next hop sees, phones our SIP port, peers our TLS port. */
static void our_via(const rl_sip_proxy *p, const sp_hop *to, const char *branch, char *out,
                    size_t cap) {
  int to_peer = to->kind == HOP_CONN && p->conns[to->conn].kind == CONN_PEER;
  const char *tr = to->kind == HOP_UDP ? "UDP"
                   : to_peer && sip_peer_mode(p->node) == RL_LINK_TLS ? "TLS"
                                                                          : "TCP";
  snprintf(out, cap, "SIP/2.0/%s %s:%u;branch=%s", tr, p->host,
           (unsigned)(to_peer ? p->peer_port : p->port), branch);
}

/* Forward t's request to hop (ruri: a new Request-URI, or NULL). */
static void forward(rl_sip_proxy *p, sp_txn *t, const sp_hop *to, const char *ruri) {
  rl_sip_msg m;
  rl_sip_forward fw;
  rl_writer w;
  char via[256], rr[256];
  int rc;
  long top_route = -1;
  if (t->cancelled) {
    txn_respond(p, t, 487, "Request Terminated");
    return;
  }
  if (reparse(p, t->req, t->req_len, &m) != 0) {
    txn_respond(p, t, 500, "Server Internal Error");
    return;
  }
  memset(&fw, 0, sizeof fw);
  if (ruri) {
    fw.request_uri.p = ruri;
    fw.request_uri.len = strlen(ruri);
  }
  our_via(p, to, t->out_branch, via, sizeof via);
  fw.via.p = via;
  fw.via.len = strlen(via);
  if (is_dialog_creating(t->method)) {
    /* 16.6 step 4: stay on the path of the dialog. The URI is our GRUU
     * (7904 6), so peers reach us through the overlay, phones at our port. */
    snprintf(rr, sizeof rr, "<sip:%s:%u;lr;gr=%s>", p->host, (unsigned)p->port, p->gruu);
    fw.record_route.p = rr;
    fw.record_route.len = strlen(rr);
  }
  /* 16.4: the top Route was ours; take it off. */
  top_route = rl_sip_msg_find(&m, RL_SIP_HDR_ROUTE, 0);
  if (top_route >= 0) {
    rl_sip_addr a;
    size_t pos = 0;
    if (rl_sip_route_next(RL_SIP_HDR_ROUTE, m.hdr[top_route].value, &pos, &a, NULL) > 0) {
      rl_sip_str gr;
      uint8_t id[RL_NODE_ID_MAX];
      rl_ctx ctx;
      rl_ctx_init(&ctx, NULL, rl_node_params(p->node));
      if (rl_sip_param_find(a.uri.params, "gr", &gr) && gr.p &&
          rl_sip_gruu_decode(gr, &ctx, p->id_len, id) == 0 && memcmp(id, p->self, p->id_len) == 0)
        fw.drop_top_route = 1;
      else if (a.uri.port == p->port && a.uri.host.len == strlen(p->host) &&
               memcmp(a.uri.host.p, p->host, a.uri.host.len) == 0)
        fw.drop_top_route = 1;
    }
  }
  rl_writer_init(&w, (uint8_t *)t->fwd, SP_MSG_MAX, NULL);
  rc = rl_sip_write_forward(&w, &m, &fw);
  if (rc == RL_ERR_PARAM) {
    txn_respond(p, t, 483, "Too Many Hops");
    return;
  }
  if (rc != 0 || w.err) {
    txn_respond(p, t, 513, "Message Too Large");
    return;
  }
  t->fwd_len = w.len;
  t->down = *to;
  log_msg(p, "->", to, t->fwd, t->fwd_len);
  if (send_to(p, to, t->fwd, t->fwd_len) != 0) {
    sp_log(p, 1, "send failed");
  }
  p->st.forwarded++;
  if (t->method == RL_SIP_METHOD_ACK) {
    txn_free(t);
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
static void send_cancel(rl_sip_proxy *p, sp_txn *t) {
  rl_sip_msg m;
  rl_writer w;
  rl_sip_cseq cs;
  long i;
  if (reparse(p, t->fwd, t->fwd_len, &m) != 0) return;
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
  log_msg(p, "->", &t->down, p->out, w.len);
  (void)send_to(p, &t->down, p->out, w.len);
}

/* ------------------------------------------------------------------ */
/* Local phones                                                         */

static sp_binding *binding_find(rl_sip_proxy *p, const char *aor) {
  for (size_t i = 0; i < SP_MAX_BINDINGS; i++)
    if (p->bindings[i].used && strcasecmp(p->bindings[i].aor, aor) == 0) return &p->bindings[i];
  return NULL;
}

static const rl_credentials *user_cred(rl_sip_proxy *p, const char *aor) {
  for (size_t i = 0; i < p->o.nusers; i++) {
    const rl_credentials *c = p->o.users[i];
    if (c->cert->user && strcasecmp(c->cert->user, aor) == 0) return c;
  }
  return NULL;
}

/* Deliver t to the phone bound to its AOR, if there is one here. */
static int deliver_local(rl_sip_proxy *p, sp_txn *t) {
  sp_binding *b = binding_find(p, t->aor);
  if (!b) return 0;
  snprintf(t->ruri_override, sizeof t->ruri_override, "%s", b->contact);
  sp_log(p, 1, "%s is a phone of this peer (%s)", t->aor, b->contact);
  forward(p, t, &b->hop, t->ruri_override);
  return 1;
}

/* ------------------------------------------------------------------ */
/* The overlay: lookup, AppAttach, SIP links                            */

static void try_next_target(rl_sip_proxy *p, sp_txn *t);
static void start_lookup(rl_sip_proxy *p, sp_txn *t);

/* A node callback for t: one less outstanding (the slot may be reused
 * only when none is). */
static sp_txn *cb_txn(void *user) {
  sp_txn *t = user;
  t->pending_cb--;
  return t;
}

static void on_fetch(void *user, const rl_node_answer *a) {
  sp_txn *t = cb_txn(user);
  rl_sip_proxy *p = t->owner;
  const rl_FetchAns *fa;
  char uri_next[SP_AOR_MAX] = "";
  if (t->state != TX_RESOLVING) return;
  p->now = rl_node_now(p->node);
  if (a->status != 0) {
    sp_log(p, 1, "overlay: Fetch %s failed: %s", t->aor,
           a->error_text ? a->error_text : rl_strerror(a->status));
    if (a->status == RL_ErrorCode_Error_Not_Found)
      txn_respond(p, t, 404, "Not Found");
    else
      txn_respond(p, t, 480, "Temporarily Unavailable (overlay lookup failed)");
    return;
  }
  fa = &a->answer->message_contents.message_body.fetch_ans;
  t->ntargets = t->tnext = 0;
  for (size_t k = 0; k < fa->kind_responses_count; k++) {
    const rl_FetchKindResponse *kr = &fa->kind_responses[k];
    if (kr->kind != RL_SIP_REGISTRATION_KIND) continue;
    for (size_t i = 0; i < kr->values_count; i++) {
      const rl_StoredData *sd = &kr->values[i];
      const rl_DataValue *dv = &sd->value.dictionary_entry.value;
      rl_sip_reg_target tg;
      rl_ctx ctx;
      char why[160];
      uint8_t rid[RL_NODE_ID_MAX];
      rl_arena_reset(&p->arena);
      rl_ctx_init(&ctx, &p->arena, rl_node_params(p->node));
      if (!dv->exists) continue;
      rl_resource_id((const uint8_t *)t->aor, strlen(t->aor), p->id_len, rid);
      /* RFC 6940 7.1 / 7904 3.3: a value counts only when its signer may
       * have stored it. */
      if (rl_node_verify_value(p->node, rid, p->id_len, RL_SIP_REGISTRATION_KIND, sd, why,
                               sizeof why) != 0) {
        sp_log(p, 1, "overlay: a registration of %s is refused: %s", t->aor, why);
        continue;
      }
      if (rl_sip_reg_decode(dv->value.ptr, dv->value.len, &ctx, &tg) != 0) {
        sp_log(p, 1, "overlay: a registration of %s does not decode", t->aor);
        continue;
      }
      if (tg.is_uri) {
        if (!uri_next[0] && tg.uri.len < sizeof uri_next) {
          memcpy(uri_next, tg.uri.ptr, tg.uri.len);
          uri_next[tg.uri.len] = 0;
        }
        continue;
      }
      if (tg.node_id_len != p->id_len) continue;
      /* Newest first: a phone that moved is found where it went. */
      {
        size_t j, dup = 0;
        for (j = 0; j < t->ntargets; j++)
          if (memcmp(t->target[j], tg.node_id, p->id_len) == 0) dup = 1;
        if (dup || t->ntargets == SP_MAX_TARGETS) continue;
        j = t->ntargets++;
        while (j > 0 && t->target_time[j - 1] < sd->storage_time) {
          memcpy(t->target[j], t->target[j - 1], p->id_len);
          t->target_time[j] = t->target_time[j - 1];
          j--;
        }
        memcpy(t->target[j], tg.node_id, p->id_len);
        t->target_time[j] = sd->storage_time;
      }
    }
  }
  sp_log(p, 1, "overlay: Fetch %s: %zu registration(s), answer after %u hop(s), %.1f ms", t->aor,
         t->ntargets, a->hops, (double)a->latency_us / 1000.0);
  if (t->ntargets == 0 && uri_next[0] && t->depth < SP_MAX_DEPTH) {
    /* 4.2 step 2: a registration naming another AOR: look that one up. */
    const char *s = uri_next;
    if (strncasecmp(s, "sip:", 4) == 0) s += 4;
    snprintf(t->aor, sizeof t->aor, "%s", s);
    t->depth++;
    start_lookup(p, t);
    return;
  }
  if (t->ntargets == 0) {
    txn_respond(p, t, 404, "Not Found");
    return;
  }
  try_next_target(p, t);
}

static void start_lookup(rl_sip_proxy *p, sp_txn *t) {
  uint8_t rid[RL_NODE_ID_MAX];
  rl_FetchReq fr;
  rl_MessageBody b;
  rl_Destination d;
  int rc;
  rl_arena_reset(&p->arena);
  rl_resource_id((const uint8_t *)t->aor, strlen(t->aor), p->id_len, rid);
  /* 4.2 step 1: no dictionary keys, so every registration comes back. */
  if (rl_ops_fetch_req(rid, p->id_len, RL_SIP_REGISTRATION_KIND, RL_DataModel_dictionary, 0, 0, 0,
                       NULL, 0, &p->arena, &fr) != 0) {
    txn_respond(p, t, 500, "Server Internal Error");
    return;
  }
  memset(&b, 0, sizeof b);
  b.fetch_req = fr;
  rl_dest_resource(&d, rid, p->id_len);
  t->state = TX_RESOLVING;
  t->step_started = p->now;
  rc = rl_node_request(p->node, &d, 1, RL_MessageCode_fetch_req, &b, on_fetch, t);
  if (rc != 0) {
    txn_respond(p, t, 503, "Service Unavailable (not in the overlay)");
    return;
  }
  t->pending_cb++;
  p->st.lookups++;
  sp_log(p, 1, "overlay: Fetch SIP-REGISTRATION of %s", t->aor);
}

static int conn_new(rl_sip_proxy *p, conn_kind kind, rl_link *l) {
  for (int i = 0; i < SP_MAX_CONNS; i++) {
    sp_conn *c = &p->conns[i];
    if (c->used) continue;
    if (!c->buf) c->buf = malloc(SP_CONN_BUF);
    if (!c->buf) return -1;
    c->used = 1;
    c->kind = kind;
    c->link = l;
    c->up = 0;
    c->gen++;
    c->have_id = 0;
    c->outgoing = 0;
    c->len = 0;
    memset(&c->fr, 0, sizeof c->fr);
    rl_link_set_user(l, (void *)(intptr_t)(i + 1));
    return i;
  }
  return -1;
}

static int peer_conn_to(rl_sip_proxy *p, const uint8_t *id) {
  for (int i = 0; i < SP_MAX_CONNS; i++) {
    sp_conn *c = &p->conns[i];
    if (c->used && c->kind == CONN_PEER && c->have_id && memcmp(c->node_id, id, p->id_len) == 0)
      return i;
  }
  return -1;
}

static void send_over(rl_sip_proxy *p, sp_txn *t, int ci) {
  sp_hop h;
  memset(&h, 0, sizeof h);
  h.kind = HOP_CONN;
  h.conn = ci;
  h.gen = p->conns[ci].gen;
  forward(p, t, &h, NULL);
}

static void on_app_attach(void *user, const rl_node_answer *a) {
  sp_txn *t = cb_txn(user);
  rl_sip_proxy *p = t->owner;
  const rl_AppAttachAns *an;
  const uint8_t *target;
  struct sockaddr_storage ss;
  socklen_t len = 0;
  rl_link *l;
  int ci;
  char sid[12];
  if (t->state != TX_ATTACHING) return;
  p->now = rl_node_now(p->node);
  target = t->target[t->tnext - 1];
  short_id(target, p->id_len, sid);
  if (a->status != 0) {
    sp_log(p, 1, "overlay: AppAttach to %s.. failed: %s", sid,
           a->error_text ? a->error_text : rl_strerror(a->status));
    try_next_target(p, t);
    return;
  }
  if (a->responder_len != p->id_len || memcmp(a->responder, target, p->id_len) != 0) {
    sp_log(p, 1, "overlay: AppAttach to %s.. answered by another node", sid);
    try_next_target(p, t);
    return;
  }
  an = &a->answer->message_contents.message_body.app_attach_ans;
  for (size_t i = 0; i < an->candidates_count && !len; i++) {
    const rl_IpAddressPort *ap = &an->candidates[i].addr_port;
    memset(&ss, 0, sizeof ss);
    if (ap->type == RL_AddressType_ipv4_address) {
      struct sockaddr_in *s = (struct sockaddr_in *)&ss;
      s->sin_family = AF_INET;
      s->sin_addr.s_addr = htonl(ap->v4addr_port.addr);
      s->sin_port = htons(ap->v4addr_port.port);
      len = sizeof *s;
    } else if (ap->type == RL_AddressType_ipv6_address) {
      struct sockaddr_in6 *s = (struct sockaddr_in6 *)&ss;
      s->sin6_family = AF_INET6;
      memcpy(&s->sin6_addr, ap->v6addr_port.addr.b, 16);
      s->sin6_port = htons(ap->v6addr_port.port);
      len = sizeof *s;
    }
  }
  sp_log(p, 1, "overlay: AppAttach to %s..: answer after %u hop(s), %.1f ms", sid, a->hops,
         (double)a->latency_us / 1000.0);
  if (!len) {
    try_next_target(p, t);
    return;
  }
  /* An earlier AppAttach may have brought a link up meanwhile. */
  ci = peer_conn_to(p, target);
  if (ci >= 0 && p->conns[ci].up) {
    send_over(p, t, ci);
    return;
  }
  l = rl_link_connect(p->peer_ctx, (struct sockaddr *)&ss, len);
  if (!l || (ci = conn_new(p, CONN_PEER, l)) < 0) {
    if (l) rl_link_close(l);
    try_next_target(p, t);
    return;
  }
  p->conns[ci].outgoing = 1;
  /* 5.1: the far end must prove this Node-ID (checked in on_up). */
  memcpy(p->conns[ci].node_id, target, p->id_len);
  t->state = TX_CONNECTING;
  t->conn = ci;
  t->conn_gen = p->conns[ci].gen;
  p->st.peer_links++;
}

static void try_next_target(rl_sip_proxy *p, sp_txn *t) {
  while (t->tnext < t->ntargets) {
    const uint8_t *target = t->target[t->tnext++];
    int ci;
    rl_AppAttachReq *ar;
    rl_MessageBody b;
    rl_Destination d;
    char sid[12];
    if (t->cancelled) break;
    short_id(target, p->id_len, sid);
    if (memcmp(target, p->self, p->id_len) == 0) {
      if (deliver_local(p, t)) return;
      continue;
    }
    /* 5.1: "A previously established SIP connection MAY be used". */
    ci = peer_conn_to(p, target);
    if (ci >= 0 && p->conns[ci].up) {
      sp_log(p, 1, "overlay: SIP link to %s.. is up already", sid);
      send_over(p, t, ci);
      return;
    }
    memset(&b, 0, sizeof b);
    ar = &b.app_attach_req;
    {
      static char ufrag[16], pwd[24];
      snprintf(ufrag, sizeof ufrag, "%08x", sp_rand(p));
      snprintf(pwd, sizeof pwd, "%08x%08x", sp_rand(p), sp_rand(p));
      ar->ufrag.ptr = (const uint8_t *)ufrag;
      ar->ufrag.len = strlen(ufrag);
      ar->password.ptr = (const uint8_t *)pwd;
      ar->password.len = strlen(pwd);
    }
    /* 7904 5.1: "The 'application' field MUST be either 5060 ... or 5061". */
    ar->application = 5060;
    ar->role.ptr = (const uint8_t *)"passive";
    ar->role.len = 7;
    rl_dest_node(&d, target, p->id_len);
    if (rl_node_request(p->node, &d, 1, RL_MessageCode_app_attach_req, &b, on_app_attach, t) != 0)
      continue;
    t->pending_cb++;
    t->state = TX_ATTACHING;
    t->step_started = p->now;
    p->st.attaches++;
    sp_log(p, 1, "overlay: AppAttach (application 5060) to %s..", sid);
    return;
  }
  if (t->cancelled)
    txn_respond(p, t, 487, "Request Terminated");
  else
    txn_respond(p, t, 480, "Temporarily Unavailable");
}

/* ------------------------------------------------------------------ */
/* REGISTER (RFC 3261 10.3, stored in the overlay per RFC 7904 3)       */

static void on_store(void *user, const rl_node_answer *a) {
  sp_txn *t = cb_txn(user);
  rl_sip_proxy *p = t->owner;
  rl_sip_msg m;
  char hdrs[1100];
  sp_binding *b;
  if (t->state != TX_REGISTERING) return;
  p->now = rl_node_now(p->node);
  if (a->status != 0) {
    char reason[160];
    sp_log(p, 1, "overlay: Store of %s failed: %s", t->aor,
           a->error_text ? a->error_text : rl_strerror(a->status));
    snprintf(reason, sizeof reason, "Server Internal Error (overlay Store: %s)",
             a->error_text ? a->error_text : rl_strerror(a->status));
    for (char *c = reason; *c; c++)
      if (*c == '\r' || *c == '\n') *c = ' ';
    /* The phone is not registered: no binding here either. */
    if (t->reg_binding >= 0 && t->reg_expires > 0) p->bindings[t->reg_binding].used = 0;
    txn_respond(p, t, 500, reason);
    return;
  }
  sp_log(p, 1, "overlay: Store SIP-REGISTRATION of %s: stored after %u hop(s), %.1f ms", t->aor,
         a->hops, (double)a->latency_us / 1000.0);
  if (reparse(p, t->req, t->req_len, &m) != 0) return;
  b = t->reg_binding >= 0 ? &p->bindings[t->reg_binding] : NULL;
  if (t->reg_expires == 0 || !b || !b->used) {
    if (b && b->used && t->reg_expires == 0) b->used = 0;
    respond(p, &m, &t->up, 200, "OK", NULL, t);
  } else {
    char gruu[SP_AOR_MAX + 96] = "";
    rl_sip_err e;
    long ci = rl_sip_msg_find(&m, RL_SIP_HDR_CONTACT, 0);
    rl_sip_addr ct;
    size_t pos = 0;
    /* RFC 5627 5 / RFC 7904 6: a phone that supports GRUUs and names its
     * instance gets its RELOAD GRUU: the AOR with our destination list in
     * "gr"; a request for it comes straight to this peer, no lookup. */
    if (ci >= 0 && rl_sip_msg_has_token(&m, RL_SIP_HDR_SUPPORTED, "gruu", &e) == 1 &&
        rl_sip_contact_next(m.hdr[ci].value, &pos, &ct, &e) > 0 && ct.instance.p)
      snprintf(gruu, sizeof gruu, ";pub-gruu=\"sip:%s;gr=%s\"", t->aor, p->gruu);
    /* 5627 5.2: no "gruu" in Require or Supported of the response. */
    snprintf(hdrs, sizeof hdrs, "Contact: <%s>;expires=%u%s\r\nExpires: %u\r\n", b->contact,
             (unsigned)t->reg_expires, gruu, (unsigned)t->reg_expires);
    respond(p, &m, &t->up, 200, "OK", hdrs, t);
  }
}

/* The overlay's copy of a registration (7904 3): a route to us, under our
 * Node-ID, for as long as the registration lasts; expires 0 stores a
 * tombstone (6940 7.2). The StoreReq is signed by the user's credential
 * too (6940 7.3: "in a non-replica store, both the signer of the
 * StoredValue and the signer of the StoreReq MUST conform to the
 * policy"). 0, or an rl_err (cb is then not called). */
static int store_registration(rl_sip_proxy *p, const rl_credentials *cred, const char *aor,
                              uint32_t expires, rl_node_answer_fn cb, void *user) {
  uint8_t rid[RL_NODE_ID_MAX], value[256];
  long vlen;
  rl_ops_value v;
  rl_StoreReq sr;
  rl_MessageBody body;
  rl_Destination d;
  int rc;
  vlen = rl_sip_reg_encode_route(p->self, p->id_len, "", value, sizeof value);
  if (vlen < 0) return (int)vlen;
  rl_arena_reset(&p->arena);
  rl_resource_id((const uint8_t *)aor, strlen(aor), p->id_len, rid);
  memset(&v, 0, sizeof v);
  v.key.ptr = p->self;
  v.key.len = p->id_len;
  v.value.ptr = value;
  v.value.len = (size_t)vlen;
  v.exists = expires > 0;
  rc = rl_ops_store_req(cred, rid, p->id_len, RL_SIP_REGISTRATION_KIND, RL_DataModel_dictionary, 0,
                        &v, 1, expires ? expires : 60, wall_ms(), &p->arena, &sr);
  if (rc != 0) return rc;
  memset(&body, 0, sizeof body);
  body.store_req = sr;
  rl_dest_resource(&d, rid, p->id_len);
  return rl_node_request_as(p->node, cred, &d, 1, RL_MessageCode_store_req, &body, cb, user);
}

static void do_register(rl_sip_proxy *p, const rl_sip_msg *m, sp_txn *t) {
  rl_sip_addr to, ct;
  rl_sip_err err;
  long i;
  char aor[SP_AOR_MAX];
  const rl_credentials *cred;
  uint32_t expires = 3600, max = p->o.max_expires ? p->o.max_expires : 3600;
  int have_contact = 0, star = 0;
  sp_binding *b;
  i = rl_sip_msg_find(m, RL_SIP_HDR_TO, 0);
  if (i < 0 || rl_sip_to_parse(m->hdr[i].value, &to, &err) != 0 ||
      rl_sip_aor_name(&to.uri, aor, sizeof aor) < 0) {
    respond(p, m, &t->up, 400, "Bad To header (not a SIP AOR)", NULL, t);
    return;
  }
  snprintf(t->aor, sizeof t->aor, "%s", aor);
  /* 7904 3.3: the AOR must be in the overlay's namespace. */
  {
    const char *at = strrchr(aor, '@');
    if (!at || strcasecmp(at + 1, p->domain) != 0) {
      respond(p, m, &t->up, 404, "Not Found (domain not served by this overlay)", NULL, t);
      return;
    }
  }
  cred = user_cred(p, aor);
  if (!cred) {
    /* USER-NODE-MATCH needs the user's certificate with our Node-ID. */
    respond(p, m, &t->up, 403, "Forbidden (no credential for this AOR on this peer)", NULL, t);
    return;
  }
  i = rl_sip_msg_find(m, RL_SIP_HDR_EXPIRES, 0);
  if (i >= 0 && rl_sip_expires_parse(RL_SIP_HDR_EXPIRES, m->hdr[i].value, &expires, &err) != 0) {
    respond(p, m, &t->up, 400, err.reason, NULL, t);
    return;
  }
  for (i = rl_sip_msg_find(m, RL_SIP_HDR_CONTACT, 0); i >= 0;
       i = rl_sip_msg_find(m, RL_SIP_HDR_CONTACT, (size_t)i + 1)) {
    size_t pos = 0;
    int r = rl_sip_contact_next(m->hdr[i].value, &pos, &ct, &err);
    if (r < 0) {
      respond(p, m, &t->up, 400, err.reason, NULL, t);
      return;
    }
    if (r > 0) {
      have_contact = 1;
      star = ct.star;
      break;
    }
  }
  b = binding_find(p, aor);
  if (!have_contact) {
    /* 10.2.3: a query: the current bindings. */
    char hdrs[700] = "";
    if (b)
      snprintf(hdrs, sizeof hdrs, "Contact: <%s>;expires=%u\r\n", b->contact,
               (unsigned)((b->expires_ms - p->now) / 1000u));
    respond(p, m, &t->up, 200, "OK", hdrs, t);
    return;
  }
  if (star) {
    if (expires != 0) {
      respond(p, m, &t->up, 400, "Contact * needs Expires: 0", NULL, t);
      return;
    }
  } else if (ct.expires >= 0) {
    expires = ct.expires > 0xffffffffLL ? 0xffffffffu : (uint32_t)ct.expires;
  }
  if (expires > max) expires = max;
  t->reg_expires = expires;
  if (expires > 0) {
    if (!b) {
      for (size_t k = 0; k < SP_MAX_BINDINGS && !b; k++)
        if (!p->bindings[k].used) b = &p->bindings[k];
      if (!b) {
        respond(p, m, &t->up, 503, "Service Unavailable (registration table full)", NULL, t);
        return;
      }
    }
    if (ct.uri_text.len >= sizeof b->contact) {
      respond(p, m, &t->up, 400, "Contact URI too long", NULL, t);
      return;
    }
    b->used = 1;
    snprintf(b->aor, sizeof b->aor, "%s", aor);
    memcpy(b->contact, ct.uri_text.p, ct.uri_text.len);
    b->contact[ct.uri_text.len] = 0;
    b->hop = t->up;
    b->expires_ms = p->now + (uint64_t)expires * 1000u;
    t->reg_binding = (int)(b - p->bindings);
  } else {
    t->reg_binding = b ? (int)(b - p->bindings) : -1;
  }
  if (store_registration(p, cred, aor, expires, on_store, t) != 0) {
    if (t->reg_binding >= 0 && expires > 0) p->bindings[t->reg_binding].used = 0;
    respond(p, m, &t->up, 503, "Service Unavailable (cannot store the registration)", NULL, t);
    return;
  }
  t->pending_cb++;
  t->state = TX_REGISTERING;
  sp_log(p, 1, "overlay: Store SIP-REGISTRATION of %s (expires %u) as %s", aor, (unsigned)expires,
         cred->cert->user);
}

/* ------------------------------------------------------------------ */
/* Requests (16.3 - 16.6)                                               */

/* 1 when uri names this proxy: our GRUU, or our address and port. */
static int uri_is_us(rl_sip_proxy *p, const rl_sip_uri *u) {
  rl_sip_str gr;
  uint8_t id[RL_NODE_ID_MAX];
  rl_ctx ctx;
  rl_ctx_init(&ctx, NULL, rl_node_params(p->node));
  if (rl_sip_param_find(u->params, "gr", &gr) && gr.p && !u->user.p)
    return rl_sip_gruu_decode(gr, &ctx, p->id_len, id) == 0 &&
           memcmp(id, p->self, p->id_len) == 0;
  return !u->user.p && u->port == p->port && u->host.len == strlen(p->host) &&
         memcmp(u->host.p, p->host, u->host.len) == 0;
}

static void handle_request(rl_sip_proxy *p, const rl_sip_msg *m, const char *raw, size_t len,
                           const sp_hop *from, int from_peer) {
  rl_sip_err err;
  rl_sip_via via;
  size_t pos = 0;
  long vi, ri;
  sp_txn *t;
  rl_sip_uri target;
  int have_route_target = 0;
  p->st.requests_in++;
  if (rl_sip_msg_validate(m, &err) != 0) {
    p->st.bad_messages++;
    sp_log(p, 1, "bad request: %s", err.reason);
    respond(p, m, from, err.status ? err.status : 400, err.reason, NULL, NULL);
    return;
  }
  vi = rl_sip_msg_find(m, RL_SIP_HDR_VIA, 0);
  if (vi < 0 || rl_sip_via_next(m->hdr[vi].value, &pos, &via, &err) <= 0) {
    p->st.bad_messages++;
    return;
  }
  /* Retransmissions, ACK and CANCEL of a transaction we hold (17.2.3). */
  t = txn_find_in(p, via.branch, m->method);
  if (m->method == RL_SIP_METHOD_CANCEL) {
    if (!t) {
      respond(p, m, from, 481, "Call/Transaction Does Not Exist", NULL, NULL);
      return;
    }
    respond(p, m, from, 200, "OK", NULL, NULL);
    if (t->final_sent) return;
    if (t->state == TX_FORWARDED) {
      send_cancel(p, t);
    } else {
      /* Still looking the AOR up: end it here (16.10). */
      t->cancelled = 1;
      txn_respond(p, t, 487, "Request Terminated");
    }
    return;
  }
  if (m->method == RL_SIP_METHOD_ACK && t) {
    /* The ACK of a non-2xx final response: absorbed when the response was
     * ours (17.2.1), else sent the same way with the same branch (the
     * next hop matches it to its INVITE). */
    if (!t->local_final && t->down.kind != HOP_NONE) {
      rl_sip_forward fw;
      rl_writer w;
      char v[256];
      memset(&fw, 0, sizeof fw);
      our_via(p, &t->down, t->out_branch, v, sizeof v);
      fw.via.p = v;
      fw.via.len = strlen(v);
      if (t->ruri_override[0]) {
        fw.request_uri.p = t->ruri_override;
        fw.request_uri.len = strlen(t->ruri_override);
      }
      rl_writer_init(&w, (uint8_t *)p->out, sizeof p->out, NULL);
      if (rl_sip_write_forward(&w, m, &fw) == 0 && !w.err) {
        log_msg(p, "->", &t->down, p->out, w.len);
        (void)send_to(p, &t->down, p->out, w.len);
      }
    }
    return;
  }
  if (t) {
    if (t->resp_len) {
      log_msg(p, "-> (again)", &t->up, t->resp, t->resp_len);
      (void)send_to(p, &t->up, t->resp, t->resp_len);
    }
    return;
  }
  /* 16.3 step 5: extensions a proxy must understand: none are. */
  ri = rl_sip_msg_find(m, RL_SIP_HDR_PROXY_REQUIRE, 0);
  if (ri >= 0 && m->method != RL_SIP_METHOD_ACK) {
    char hdrs[300];
    snprintf(hdrs, sizeof hdrs, "Unsupported: %.*s\r\n", (int)(m->hdr[ri].value.len > 200 ? 200 : m->hdr[ri].value.len),
             m->hdr[ri].value.p);
    respond(p, m, from, 420, "Bad Extension", hdrs, NULL);
    return;
  }
  if (len > SP_MSG_MAX) {
    respond(p, m, from, 513, "Message Too Large", NULL, NULL);
    return;
  }
  t = txn_new(p);
  if (!t) {
    /* 17.1.1.3: an ACK is never answered; the table is full: drop it. */
    if (m->method == RL_SIP_METHOD_ACK) {
      sp_log(p, 1, "transaction table full: ACK dropped");
      return;
    }
    respond(p, m, from, 503, "Service Unavailable (busy)", "Retry-After: 1\r\n", NULL);
    return;
  }
  t->method = m->method;
  t->up = *from;
  t->from_peer = from_peer;
  memcpy(t->req, raw, len);
  t->req_len = len;
  if (via.branch.p && via.branch.len < sizeof t->in_branch) {
    memcpy(t->in_branch, via.branch.p, via.branch.len);
    t->in_branch_len = via.branch.len;
  }
  /* 16.11: a branch of our own, a function of the incoming one, so that a
   * CANCEL or ACK gets the same one as its INVITE. */
  {
    uint32_t h = 2166136261u;
    for (size_t k = 0; k < t->in_branch_len; k++) h = (h ^ (uint8_t)t->in_branch[k]) * 16777619u;
    for (size_t k = 0; k < via.host.len; k++) h = (h ^ (uint8_t)via.host.p[k]) * 16777619u;
    h ^= (uint32_t)via.port;
    for (size_t k = 0; k < p->id_len; k++) h = (h ^ p->self[k]) * 16777619u;
    /* The branch also says where responses go back (the transaction may
     * be gone when a late 2xx comes): "u" by the next Via, "cIIGGGG" on
     * connection II of generation GGGG. */
    if (from->kind == HOP_CONN)
      snprintf(t->out_branch, sizeof t->out_branch, SP_BRANCH_PREFIX "%08xc%02x%04x", h,
               (unsigned)from->conn, (unsigned)(from->gen & 0xffff));
    else
      snprintf(t->out_branch, sizeof t->out_branch, SP_BRANCH_PREFIX "%08xu", h);
  }
  /* 16.2: a 100 at once for an INVITE (the lookup takes a while). */
  if (m->method == RL_SIP_METHOD_INVITE) respond(p, m, from, 100, "Trying", NULL, t);

  /* 16.4: Route. Our own top Route goes; the next one is the target. */
  target = m->ruri;
  ri = rl_sip_msg_find(m, RL_SIP_HDR_ROUTE, 0);
  if (ri >= 0) {
    rl_sip_addr a;
    size_t rp = 0;
    int r = rl_sip_route_next(RL_SIP_HDR_ROUTE, m->hdr[ri].value, &rp, &a, &err);
    if (r < 0) {
      txn_respond(p, t, 400, err.reason);
      return;
    }
    if (r > 0 && uri_is_us(p, &a.uri)) {
      r = rl_sip_route_next(RL_SIP_HDR_ROUTE, m->hdr[ri].value, &rp, &a, &err);
      if (r == 0) {
        long nx = rl_sip_msg_find(m, RL_SIP_HDR_ROUTE, (size_t)ri + 1);
        if (nx >= 0) {
          rp = 0;
          r = rl_sip_route_next(RL_SIP_HDR_ROUTE, m->hdr[nx].value, &rp, &a, &err);
        }
      }
      if (r < 0) {
        txn_respond(p, t, 400, err.reason);
        return;
      }
    }
    if (r > 0) {
      target = a.uri;
      have_route_target = 1;
    }
  }
  if (m->method == RL_SIP_METHOD_REGISTER && !have_route_target && !from_peer) {
    do_register(p, m, t);
    return;
  }
  /* 16.3 step 3: a request that may not be forwarded ends here, before
   * any lookup. */
  {
    long mf = rl_sip_msg_find(m, RL_SIP_HDR_MAX_FORWARDS, 0);
    unsigned hops = 70;
    if (mf >= 0 && rl_sip_max_forwards_parse(m->hdr[mf].value, &hops, &err) == 0 && hops == 0) {
      txn_respond(p, t, 483, "Too Many Hops");
      return;
    }
  }
  /* Where the target leads. */
  {
    rl_sip_str gr;
    rl_ctx ctx;
    uint8_t id[RL_NODE_ID_MAX];
    long an;
    rl_ctx_init(&ctx, NULL, rl_node_params(p->node));
    if (rl_sip_param_find(target.params, "gr", &gr) && gr.p &&
        rl_sip_gruu_decode(gr, &ctx, p->id_len, id) == 0) {
      /* 7904 6: a GRUU carries its destination list: no lookup. */
      if (memcmp(id, p->self, p->id_len) == 0) {
        if (rl_sip_aor_name(&target, t->aor, sizeof t->aor) > 0 && deliver_local(p, t)) return;
        txn_respond(p, t, 480, "Temporarily Unavailable");
        return;
      }
      memcpy(t->target[0], id, p->id_len);
      t->ntargets = 1;
      try_next_target(p, t);
      return;
    }
    if (target.host_type == RL_SIP_HOST_NAME && target.port < 0 &&
        target.host.len == strlen(p->domain) && strncasecmp(target.host.p, p->domain, target.host.len) == 0) {
      an = rl_sip_aor_name(&target, t->aor, sizeof t->aor);
      if (an < 0) {
        txn_respond(p, t, 404, "Not Found");
        return;
      }
      if (deliver_local(p, t)) return;
      if (from_peer) {
        /* A peer found our registration, but the phone is gone. */
        txn_respond(p, t, 480, "Temporarily Unavailable");
        return;
      }
      start_lookup(p, t);
      return;
    }
    if (target.host_type == RL_SIP_HOST_IPV4 || target.host_type == RL_SIP_HOST_IPV6) {
      sp_hop h;
      memset(&h, 0, sizeof h);
      if (sockaddr_from_uri(&target, &h.addr, &h.alen) != 0) {
        txn_respond(p, t, 400, "Bad Request-URI");
        return;
      }
      /* A phone of ours that registered over TCP is reached on its
       * connection (the one flow we know works). */
      for (size_t k = 0; k < SP_MAX_BINDINGS; k++) {
        sp_binding *b = &p->bindings[k];
        rl_sip_uri cu;
        struct sockaddr_storage cs;
        socklen_t cl;
        if (!b->used || b->hop.kind != HOP_CONN) continue;
        if (rl_sip_uri_parse(b->contact, strlen(b->contact), &cu, NULL) == 0 &&
            sockaddr_from_uri(&cu, &cs, &cl) == 0 && rl_sockaddr_equal(&cs, &h.addr)) {
          h = b->hop;
          break;
        }
      }
      if (h.kind == HOP_NONE) h.kind = HOP_UDP;
      forward(p, t, &h, NULL);
      return;
    }
    txn_respond(p, t, 404, "Not Found (domain not served by this overlay)");
  }
}

/* ------------------------------------------------------------------ */
/* Responses (16.7)                                                     */

/* A response whose transaction is gone (16.11): on by the branch's note
 * of where the request came from: a connection, or the next Via (18.2.2:
 * its received address and rport or port). */
static void forward_response_stateless(rl_sip_proxy *p, const rl_sip_msg *m, rl_sip_str branch) {
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
      sp_log(p, 1, "late response: its connection is gone: dropped");
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
    if (sockaddr_from_uri(&u, &h.addr, &h.alen) != 0) return;
    h.kind = HOP_UDP;
  } else {
    return;
  }
  rl_writer_init(&w, (uint8_t *)p->out, sizeof p->out, NULL);
  if (rl_sip_write_response_forward(&w, m) != 0 || w.err) return;
  log_msg(p, "-> (stateless)", &h, p->out, w.len);
  (void)send_to(p, &h, p->out, w.len);
}

static void handle_response(rl_sip_proxy *p, const rl_sip_msg *m, const sp_hop *from) {
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
    sp_log(p, 1, "response not for us (top Via %.*s): dropped", (int)via.text.len, via.text.p);
    return;
  }
  if (cs.method == RL_SIP_METHOD_CANCEL) return; /* 16.10: we answered the CANCEL ourselves */
  t = txn_find_out(p, via.branch);
  if (!t) {
    forward_response_stateless(p, m, via.branch);
    return;
  }
  t->got_response = 1;
  t->next_retx = 0;
  if (t->final_sent && !(m->status >= 200 && m->status < 300 && t->method == RL_SIP_METHOD_INVITE))
    return; /* 16.7 step 5: after a final response only 2xx of an INVITE go on */
  if (m->status == 100) return; /* 16.7 step 3: 100 is not forwarded */
  rl_writer_init(&w, (uint8_t *)p->out, sizeof p->out, NULL);
  if (rl_sip_write_response_forward(&w, m) != 0 || w.err) return;
  log_msg(p, "->", &t->up, p->out, w.len);
  (void)send_to(p, &t->up, p->out, w.len);
  if (w.len <= SP_MSG_MAX) {
    memcpy(t->resp, p->out, w.len);
    t->resp_len = w.len;
  }
  if (m->status >= 200) {
    t->final_sent = 1;
    t->state = TX_ANSWERED;
    t->linger_until = p->now + linger_after(t, m->status);
  }
}

/* ------------------------------------------------------------------ */
/* Input                                                                */

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
    hop_text(p, from, ht, sizeof ht);
    sp_log(p, 1, "<- %s: malformed SIP (%s at offset %zu): dropped", ht, err.reason, err.offset);
    /* 400 when enough of a request parsed to answer it (21.4.1). */
    if (m.is_request && m.nhdr > 0) {
      rl_sip_err e2;
      if (rl_sip_msg_validate(&m, &e2) == 0) respond(p, &m, from, err.status ? err.status : 400,
                                                     err.reason, NULL, NULL);
    } else if (err.offset < (size_t)first_line_len(buf, len) && len > 4 && memcmp(buf, "SIP/", 4) != 0) {
      /* The Request-Line is bad: the headers may still say where to
       * answer. Parse them behind a stand-in Request-Line. */
      static const char stand_in[] = "OPTIONS sip:invalid SIP/2.0";
      size_t fl = (size_t)first_line_len(buf, len);
      if (sizeof stand_in - 1 + len - fl <= sizeof p->fix) {
        rl_sip_msg m2;
        rl_sip_err e2;
        memcpy(p->fix, stand_in, sizeof stand_in - 1);
        memcpy(p->fix + sizeof stand_in - 1, buf + fl, len - fl);
        rl_sip_msg_init(&m2, p->hdr, sizeof p->hdr / sizeof p->hdr[0]);
        if (rl_sip_msg_parse(&m2, p->fix, sizeof stand_in - 1 + len - fl, &o, &e2) == 0 &&
            rl_sip_msg_find(&m2, RL_SIP_HDR_VIA, 0) >= 0 && rl_sip_msg_find(&m2, RL_SIP_HDR_CSEQ, 0) >= 0)
          respond_raw(p, &m2, from, 400, err.reason);
      }
    }
    return;
  }
  log_msg(p, "<-", from, buf, len);
  if (m.is_request)
    handle_request(p, &m, buf + m.skipped, m.len - m.skipped, from, from_peer);
  else
    handle_response(p, &m, from);
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

static void on_up(void *user, rl_link *l) {
  rl_sip_proxy *p = user;
  int ci = conn_of(l);
  sp_conn *c;
  if (ci < 0) return;
  c = &p->conns[ci];
  if (c->kind == CONN_PEER && sip_peer_mode(p->node) == RL_LINK_TLS) {
    const rl_cert *cert = rl_link_peer_cert(l);
    if (c->outgoing) {
      /* 7904 5.1: "the responding Peer MUST present a certificate with a
       * Node-ID matching the terminal entry in the destination list.
       * Otherwise, the connection MUST NOT be used and MUST be closed." */
      if (!cert || !rl_cert_has_node_id(cert, c->node_id, p->id_len)) {
        sp_log(p, 1, "SIP link: the far end's certificate lacks the Node-ID: closed");
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
  for (size_t i = 0; i < SP_MAX_TXNS; i++) {
    sp_txn *t = &p->txns[i];
    if (t->state == TX_CONNECTING && t->conn == ci && t->conn_gen == c->gen) send_over(p, t, ci);
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
    sp_log(p, 1, "SIP link: a message over %d bytes: closed", SP_CONN_BUF);
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
      sp_log(p, 1, "SIP link: %s: closed", r != 0 ? err.reason : "message too large");
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
  sp_log(p, 1, "SIP link #%d closed: %s (%s)", ci, rl_link_fail_name(why), detail ? detail : "");
  c->used = 0;
  c->up = 0;
  c->link = NULL;
  /* Requests waiting for it try the next registration. */
  for (size_t i = 0; i < SP_MAX_TXNS; i++) {
    sp_txn *t = &p->txns[i];
    if (t->state == TX_CONNECTING && t->conn == ci && t->conn_gen == c->gen) try_next_target(p, t);
  }
  /* Bindings over it are gone (the phone reconnects and registers). */
  for (size_t i = 0; i < SP_MAX_BINDINGS; i++)
    if (p->bindings[i].used && p->bindings[i].hop.kind == HOP_CONN && p->bindings[i].hop.conn == ci &&
        p->bindings[i].hop.gen == c->gen)
      p->bindings[i].used = 0;
}

static const rl_link_callbacks link_cbs = {on_up, on_data, on_oversize, on_closed};

/* ------------------------------------------------------------------ */
/* Timers                                                               */

static void tick(rl_sip_proxy *p) {
  for (size_t i = 0; i < SP_MAX_TXNS; i++) {
    sp_txn *t = &p->txns[i];
    if (t->state == TX_FREE) continue;
    if (t->state == TX_ANSWERED) {
      if (p->now >= t->linger_until) txn_free(t);
      continue;
    }
    if (p->now - t->created >= SP_TXN_TIMEOUT) {
      /* Timers B / F (17.1.1.2, 17.1.2.2): no final answer in time. */
      if (!t->final_sent && !(t->method == RL_SIP_METHOD_INVITE && t->got_response))
        txn_respond(p, t, 408, "Request Timeout");
      if (t->state != TX_ANSWERED) {
        t->state = TX_ANSWERED;
        t->linger_until = p->now + (t->method == RL_SIP_METHOD_INVITE ? 180000u : 0u);
      }
      continue;
    }
    if (t->state == TX_FORWARDED && t->next_retx && !t->got_response && p->now >= t->next_retx &&
        t->down.kind == HOP_UDP) {
      /* Timers A / E: retransmit over UDP until something answers. */
      (void)send_to(p, &t->down, t->fwd, t->fwd_len);
      t->retx_interval *= 2;
      if (t->method != RL_SIP_METHOD_INVITE && t->retx_interval > SP_T2) t->retx_interval = SP_T2;
      t->next_retx = p->now + t->retx_interval;
    }
  }
  for (size_t i = 0; i < SP_MAX_BINDINGS; i++) {
    sp_binding *b = &p->bindings[i];
    if (b->used && p->now >= b->expires_ms) {
      sp_log(p, 1, "registration of %s expired", b->aor);
      b->used = 0; /* the overlay's copy expires by its lifetime */
    }
  }
}

/* ------------------------------------------------------------------ */
/* The node's event loop                                                */

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
    if (conn_new(p, kind, l) < 0) {
      sp_log(p, 1, "SIP connection table full: refused");
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

/* ------------------------------------------------------------------ */
/* Setup                                                                */

static int bind_udp(const struct sockaddr_storage *a, socklen_t len) {
  int fd = socket(a->ss_family, SOCK_DGRAM, 0);
  if (fd < 0) return -1;
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

rl_sip_proxy *rl_sip_proxy_new(const rl_sip_proxy_options *o, char *why, size_t whylen) {
  rl_sip_proxy *p;
  rl_link_params lp;
  struct sockaddr_storage a;
  socklen_t alen;
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
  /* 7904 3.4: without domain restrictions the overlay's own name is the
   * domain of its AORs. */
  snprintf(p->domain, sizeof p->domain, "%s", cfg->instance_name);
  for (size_t i = 0; i < o->nusers; i++) {
    const rl_credentials *c = o->users[i];
    if (!c->cert->user || !rl_cert_has_node_id(c->cert, p->self, p->id_len)) {
      snprintf(why, whylen, "SIP credential %s: its certificate must name a user and this peer's "
               "Node-ID (RFC 7904 3.3, USER-NODE-MATCH)", c->cert->user ? c->cert->user : "?");
      goto fail;
    }
    if (rl_node_add_certificate(o->node, c->cert) != 0) {
      snprintf(why, whylen, "too many certificates");
      goto fail;
    }
  }
  for (size_t i = 0; i < SP_MAX_TXNS; i++) {
    p->txns[i].req = malloc(SP_MSG_MAX);
    p->txns[i].fwd = malloc(SP_MSG_MAX);
    p->txns[i].resp = malloc(SP_MSG_MAX);
    if (!p->txns[i].req || !p->txns[i].fwd || !p->txns[i].resp) {
      snprintf(why, whylen, "out of memory");
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
  lp.mode = sip_peer_mode(o->node);
  lp.cred = rl_node_credentials(o->node);
  lp.trust = rl_node_trust(o->node);
  p->peer_ctx = rl_link_ctx_new(&lp, &link_cbs, p, why, whylen);
  if (!p->peer_ctx) goto fail;
  /* Phones use one port for UDP and TCP. With port 0 the UDP port the
   * kernel picks may be taken for TCP (by any connection's local port):
   * then try another. */
  for (int attempt = 0;; attempt++) {
    int any = port_of_addr(&o->addr) == 0;
    p->udp_fd = bind_udp(&o->addr, o->addr_len);
    if (p->udp_fd < 0) {
      snprintf(why, whylen, "SIP UDP port: %s", strerror(errno));
      goto fail;
    }
    p->port = port_of(p->udp_fd);
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
    if (!any || attempt == 20) goto fail;
  }
  if (a.ss_family == AF_INET6)
    ((struct sockaddr_in6 *)&a)->sin6_port = 0;
  else
    ((struct sockaddr_in *)&a)->sin_port = 0;
  p->tls_fd = rl_link_listen(p->peer_ctx, (struct sockaddr *)&a, alen, why, whylen);
  if (p->tls_fd < 0) goto fail;
  p->peer_port = port_of(p->tls_fd);
  {
    rl_driver_app app = {app_fill, app_handle, p};
    rl_driver_set_app(rl_driver_of(o->node), &app);
  }
  rl_node_set_sip_port(o->node, p->peer_port);
  sp_log(p, 1, "SIP for phones on %s:%u (UDP, TCP); SIP between peers on port %u (AppAttach 5060); "
         "domain %s; %zu user credential(s)", p->host, (unsigned)p->port, (unsigned)p->peer_port,
         p->domain, o->nusers);
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
  for (size_t i = 0; i < SP_MAX_TXNS; i++) {
    free(p->txns[i].req);
    free(p->txns[i].fwd);
    free(p->txns[i].resp);
  }
  for (size_t i = 0; i < SP_MAX_CONNS; i++) free(p->conns[i].buf);
  free(p);
}

static void on_unregistered(void *user, const rl_node_answer *a) {
  rl_sip_proxy *p = user;
  sp_log(p, 1, "overlay: registration removed: %s",
         a->status == 0 ? "ok" : a->error_text ? a->error_text : rl_strerror(a->status));
}

size_t rl_sip_proxy_unregister_all(rl_sip_proxy *p) {
  size_t n = 0;
  for (size_t i = 0; i < SP_MAX_BINDINGS; i++) {
    sp_binding *b = &p->bindings[i];
    const rl_credentials *cred;
    if (!b->used || !(cred = user_cred(p, b->aor))) continue;
    if (store_registration(p, cred, b->aor, 0, on_unregistered, p) == 0) n++;
    sp_log(p, 1, "overlay: removing the registration of %s (this peer stops)", b->aor);
    b->used = 0;
  }
  return n;
}

uint16_t rl_sip_proxy_port(const rl_sip_proxy *p) { return p->port; }
uint16_t rl_sip_proxy_peer_port(const rl_sip_proxy *p) { return p->peer_port; }

void rl_sip_proxy_get_stats(const rl_sip_proxy *p, rl_sip_proxy_stats *out) {
  *out = p->st;
  out->bindings = 0;
  out->transactions = 0;
  for (size_t i = 0; i < SP_MAX_BINDINGS; i++) out->bindings += p->bindings[i].used != 0;
  for (size_t i = 0; i < SP_MAX_TXNS; i++) out->transactions += p->txns[i].state != TX_FREE;
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
