/* usage/sip_proxy_int.h: what the files of the SIP proxy share (not an
 * API): limits, the state of a proxy (phone and peer connections,
 * transactions, bindings) and the functions one file calls in another.
 * The files: sip_proxy.c (requests and responses in), sip_proxy_msg.c
 * (messages out, forwarding), sip_proxy_route.c (where a request goes),
 * sip_proxy_reg.c (the registrar), sip_proxy_io.c (sockets, links,
 * timers, setup); the transaction table is usage/sip_txn.h. */
#ifndef RL_USAGE_SIP_PROXY_INT_H
#define RL_USAGE_SIP_PROXY_INT_H

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
#include "usage/sip_txn.h"

#define SP_MAX_CONNS 64
/* Transactions live as long as RFC 3261 17.2 says (timers H, I, J), so a
 * peer at 500 calls/s over UDP holds about 16,000 (BYEs for 64*T1): the
 * table (usage/sip_txn.h) grows on demand up to SP_MAX_TXNS. */
#define SP_MAX_TXNS 65536
#define SP_TICK_MS 20         /* how often the timers are looked at */
#define SP_MAX_BINDINGS 64
#define SP_MAX_TARGETS 8
#define SP_MSG_MAX 16384      /* the largest SIP message we take */
#define SP_CONN_BUF (SP_MSG_MAX + 4096)
#define SP_AOR_MAX 256
#define SP_T1 RL_SIP_T1       /* RFC 3261 17.1.1.1 */
#define SP_T2 RL_SIP_T2
#define SP_TXN_TIMEOUT RL_SIP_TIMER_64T1 /* timers B and F */
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
  rl_sip_txn base;  /* keys (17.2.3), node callbacks outstanding (pending) */
  struct rl_sip_proxy *owner;
  tx_state state;
  uint32_t id;
  rl_sip_method method;
  sp_hop up, down;
  int from_peer;
  char *req;        /* the request as received (received/rport added) */
  size_t req_len, req_cap;
  char *fwd;        /* as forwarded (UDP retransmissions, CANCEL, ACK) */
  size_t fwd_len, fwd_cap;
  char *resp;       /* the last response sent upstream */
  size_t resp_len, resp_cap;
  int final_sent, final_status, local_final, got_response, cancelled, acked;
  uint64_t created, next_retx, retx_interval, linger_until;
  uint64_t resp_retx, resp_interval; /* timer G (17.2.1) */
  /* Resolution (7904 4.2). */
  char aor[SP_AOR_MAX];
  int depth;
  uint8_t target[SP_MAX_TARGETS][RL_NODE_ID_MAX];
  uint64_t target_time[SP_MAX_TARGETS];
  size_t ntargets, tnext;
  int conn;          /* TX_CONNECTING: the link being set up */
  uint32_t conn_gen;
  uint64_t step_started;
  char ruri_override[600]; /* a new Request-URI: the Contact, or the AOR */
  /* REGISTER */
  int reg_binding;
  uint32_t reg_expires;
} sp_txn;

typedef struct sp_binding {
  int used;
  char aor[SP_AOR_MAX];
  char contact[512];
  sp_hop hop;      /* HOP_CONN: the phone's connection; else by Contact */
  sp_hop src;      /* where the REGISTER came from (a Contact without an IP) */
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
  rl_sip_txn_table *txns;
  uint64_t next_tick;
  struct sockaddr_storage udp_addr; /* our UDP socket (a loop check) */
  socklen_t udp_alen;
  sp_binding bindings[SP_MAX_BINDINGS];
  uint32_t next_id;
  uint64_t now;
  uint8_t arena_buf[65536];
  rl_arena arena;
  char out[SP_MSG_MAX + 2048];
  char fwdbuf[SP_MSG_MAX];   /* a request being forwarded */
  char via_fix[SP_MSG_MAX + 128]; /* a request with received/rport added */
  char dgram[65536];
  char fix[SP_MSG_MAX + 64]; /* a message with a stand-in Request-Line */
  rl_sip_header hdr[96];
  rl_sip_header hdr2[96];    /* a second message parsed while hdr holds one */
  rl_sip_proxy_stats st;
  unsigned rnd;
};

void rl_sp_log(rl_sip_proxy *p, int level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
uint64_t rl_sp_wall_ms(void);
unsigned rl_sp_rand(rl_sip_proxy *p);
int rl_sp_first_line_len(const char *m, size_t len);
void rl_sp_short_id(const uint8_t *id, size_t len, char *out);
void rl_sp_hop_text(const rl_sip_proxy *p, const sp_hop *h, char *out, size_t cap);
int rl_sp_sockaddr_from_uri(const rl_sip_uri *u, struct sockaddr_storage *ss, socklen_t *len);
int rl_sp_conn_alive(const rl_sip_proxy *p, int i, uint32_t gen);
int rl_sp_send_to(rl_sip_proxy *p, const sp_hop *h, const char *m, size_t len);
void rl_sp_log_msg(rl_sip_proxy *p, const char *dir, const sp_hop *h, const char *m, size_t len);
int rl_sp_keep_bytes(char **buf, size_t *cap, size_t *len, const char *src, size_t n);
void rl_sp_txn_completed(rl_sip_proxy *p, sp_txn *t, int status);
void rl_sp_respond_raw(rl_sip_proxy *p, const rl_sip_msg *req, const sp_hop *to, int status,
                        const char *reason);
void rl_sp_respond(rl_sip_proxy *p, const rl_sip_msg *req, const sp_hop *to, int status,
                    const char *reason, const char *extra_hdrs, sp_txn *t);
sp_txn *rl_sp_txn_new(rl_sip_proxy *p);
sp_txn *rl_sp_txn_at(const rl_sip_proxy *p, size_t i);
void rl_sp_txn_free(sp_txn *t);
void rl_sp_txn_buffers_free(rl_sip_txn *b);
sp_txn *rl_sp_txn_find_in(rl_sip_proxy *p, const rl_sip_via *via, rl_sip_method m);
sp_txn *rl_sp_txn_find_out(rl_sip_proxy *p, rl_sip_str branch);
int rl_sp_reparse(rl_sip_proxy *p, const char *buf, size_t len, rl_sip_msg *m);
void rl_sp_txn_respond(rl_sip_proxy *p, sp_txn *t, int status, const char *reason);
void rl_sp_forward(rl_sip_proxy *p, sp_txn *t, const sp_hop *to, const char *ruri);
void rl_sp_send_cancel(rl_sip_proxy *p, sp_txn *t);
sp_binding *rl_sp_binding_find(rl_sip_proxy *p, const char *aor);
int rl_sp_deliver_local(rl_sip_proxy *p, sp_txn *t);
sp_txn *rl_sp_cb_txn(void *user);
int rl_sp_conn_new(rl_sip_proxy *p, conn_kind kind, rl_link *l);
void rl_sp_send_over(rl_sip_proxy *p, sp_txn *t, int ci);
void rl_sp_try_next_target(rl_sip_proxy *p, sp_txn *t);
void rl_sp_do_register(rl_sip_proxy *p, const rl_sip_msg *m, sp_txn *t);
int rl_sp_uri_is_our_address(const rl_sip_proxy *p, const rl_sip_uri *u);
int rl_sp_routes_of_us(rl_sip_proxy *p, const rl_sip_msg *m, int *ours, rl_sip_addr *next,
                        rl_sip_err *err);
void rl_sp_route_target(rl_sip_proxy *p, sp_txn *t, const rl_sip_msg *m, const rl_sip_uri *target,
                         int from_peer);
void rl_sp_handle_request(rl_sip_proxy *p, const rl_sip_msg *m, const char *raw, size_t len,
                           const sp_hop *from, int from_peer);
void rl_sp_forward_response_stateless(rl_sip_proxy *p, const rl_sip_msg *m, rl_sip_str branch);
void rl_sp_send_ack(rl_sip_proxy *p, sp_txn *t, const rl_sip_msg *resp);
void rl_sp_handle_response(rl_sip_proxy *p, const rl_sip_msg *m, const sp_hop *from);
void rl_sp_on_up(void *user, rl_link *l);

/* The SIP links between peers (AppAttach, RFC 7904 5.1) are streams over
 * TCP: TLS when the overlay's links are secure (TLS or DTLS), plain TCP
 * when they are not. */
static inline rl_link_mode rl_sip_peer_link_mode(const rl_node *n) {
  rl_link_mode m = rl_node_link_mode(n);
  return m == RL_LINK_TLS || m == RL_LINK_DTLS || m == RL_LINK_DTLS_ICE ? RL_LINK_TLS : RL_LINK_TCP_INSECURE;
}

#endif
