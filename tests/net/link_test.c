/* link_test.c: overlay links (RFC 6940 6.6) over loopback: TLS with
 * mutual RELOAD certificate checks (6.6.5, 11.3), the framing header and
 * its acks (6.6.2), RTT/RTO (RFC 6298), keepalives and the ack timeout,
 * oversized frames (6.6), framing errors, EOF, the insecure mode, closing
 * from inside callbacks, and random byte streams into the receive path.
 *
 * The certificates are made in memory once, in main, by a CA of our own
 * (security/ca.h): one RSA-2048 node key (the kind reload-ca makes) and
 * P-256 keys for the rest, which are fast to generate. */
#define _GNU_SOURCE /* socketpair, clock_gettime */

#include <check.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "net/frame.h"
#include "net/link.h"
#include "runtime/error.h"
#include "security/ca.h"
#include "security/cert.h"
#include "security/credentials.h"
#include "security/trust.h"

#define OVERLAY "link.test"
#define MAXMSG 60000u

/* ------------------------------------------------------------------ */
/* Certificates                                                         */

static rl_credentials *cred_a, *cred_b, *cred_rogue;
static rl_trust *trust;
static uint8_t ids[3][RL_NODE_ID_MAX];

static void die(const char *what, const rl_sec_error *e) {
  fprintf(stderr, "link_test: %s: %s\n", what, e ? e->text : "");
  abort();
}

static EVP_PKEY *ec_key(void) {
  EVP_PKEY *k = EVP_EC_gen("P-256");
  if (!k) die("EC key", NULL);
  return k;
}

static rl_credentials *node(EVP_PKEY *ca_key, rl_cert *ca, EVP_PKEY *key, const char *user,
                            const uint8_t *id) {
  rl_sec_error e = {0, ""};
  rl_issue_params p;
  rl_cert *c = NULL;
  rl_credentials *cr = NULL;
  memset(&p, 0, sizeof p);
  p.overlay = OVERLAY;
  p.user = user;
  p.node_ids = (const uint8_t(*)[RL_NODE_ID_MAX])id;
  p.n_node_ids = 1;
  p.node_id_len = 16;
  if (rl_ca_issue(ca_key, ca, key, &p, &c, &e) != 0) die("issue", &e);
  if (rl_credentials_new(key, c, NULL, 0, &cr, &e) != 0) die("credentials", &e);
  rl_cert_free(c);
  return cr;
}

static void make_certs(void) {
  rl_sec_error e = {0, ""};
  rl_issue_params p;
  rl_cert *ca = NULL, *rogue_ca = NULL;
  EVP_PKEY *ca_key = ec_key(), *rogue_key = ec_key(), *ka = NULL, *kb = ec_key(), *kr = ec_key();
  if (rl_key_generate_rsa(2048, &ka, &e) != 0) die("RSA key", &e);
  if (rl_random_node_ids(3, 16, ids, &e) != 0) die("ids", &e);
  memset(&p, 0, sizeof p);
  p.overlay = OVERLAY;
  if (rl_ca_create(ca_key, &p, &ca, &e) != 0 || rl_ca_create(rogue_key, &p, &rogue_ca, &e) != 0)
    die("CA", &e);
  cred_a = node(ca_key, ca, ka, "alice@link.test", ids[0]);
  cred_b = node(ca_key, ca, kb, "bob@link.test", ids[1]);
  /* Same overlay, same form, but signed by a CA the overlay does not list. */
  cred_rogue = node(rogue_key, rogue_ca, kr, "mallory@link.test", ids[2]);
  if (rl_trust_new(OVERLAY, 16, &trust, &e) != 0 || rl_trust_add_root(trust, ca, &e) != 0)
    die("trust", &e);
  rl_cert_free(ca);
  rl_cert_free(rogue_ca);
  EVP_PKEY_free(ca_key);
  EVP_PKEY_free(rogue_key);
  EVP_PKEY_free(ka);
  EVP_PKEY_free(kb);
  EVP_PKEY_free(kr);
}

/* ------------------------------------------------------------------ */
/* One side of a test: a context, maybe a listener, what happened.      */

typedef struct side {
  rl_link_ctx *ctx;
  int lfd;
  struct sockaddr_in addr;
  int paused; /* not polled, not ticked: a peer that stopped */
  int ups, closes, oversizes;
  rl_link *up;          /* the last link that came up */
  rl_link_fail why;     /* of the last close */
  char detail[512];
  uint64_t closed_at;
  /* Messages: checked against make_msg's pattern unless raw. */
  int raw;
  size_t nmsg;
  size_t bad;           /* 1 + index of the first wrong message, or 0 */
  uint8_t last[256];
  size_t last_len;
  /* Behaviour in callbacks. */
  int close_on_message, close_on_up, reply_on_oversize, reconnect_on_closed;
  struct sockaddr_in reconnect_to;
  rl_link *reconnected;
  int send_after_close; /* what rl_link_send returned after rl_link_close */
  size_t ov_len, ov_announced;
  uint8_t ov_hdr[64];
  size_t nmsg_at_close;
  /* Stream mode: every byte received, in order. */
  uint8_t acc[70000];
  size_t acc_len;
} side;

/* Contexts made by side_init are stream links (link.h, params.stream). */
static int g_stream;

static side sa, sb, sc;

static uint64_t now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* Message i: its index (4 bytes, big-endian), then a pattern. */
static void make_msg(uint8_t *buf, uint32_t i, size_t len) {
  buf[0] = (uint8_t)(i >> 24);
  buf[1] = (uint8_t)(i >> 16);
  buf[2] = (uint8_t)(i >> 8);
  buf[3] = (uint8_t)i;
  for (size_t j = 4; j < len; j++) buf[j] = (uint8_t)(i + j * 7);
}

static int send_msg(rl_link *l, uint32_t i, size_t len) {
  uint8_t *b = malloc(len);
  int r;
  ck_assert_ptr_nonnull(b);
  make_msg(b, i, len);
  r = rl_link_send(l, b, len);
  free(b);
  return r;
}

static void cb_up(void *user, rl_link *l) {
  side *s = user;
  s->ups++;
  s->up = l;
  if (s->close_on_up) rl_link_close(l);
}

static void cb_message(void *user, rl_link *l, const uint8_t *msg, size_t len) {
  side *s = user;
  size_t n = s->nmsg++;
  memcpy(s->last, msg, len < sizeof s->last ? len : sizeof s->last);
  s->last_len = len;
  if (s->acc_len + len <= sizeof s->acc) {
    memcpy(s->acc + s->acc_len, msg, len);
    s->acc_len += len;
  }
  if (!s->raw) {
    uint32_t idx = len >= 4 ? (uint32_t)msg[0] << 24 | (uint32_t)msg[1] << 16 |
                                  (uint32_t)msg[2] << 8 | msg[3]
                            : UINT32_MAX;
    int ok = idx == n;
    for (size_t j = 4; ok && j < len; j++) ok = msg[j] == (uint8_t)(idx + j * 7);
    if (!ok && !s->bad) s->bad = n + 1;
  }
  if (s->close_on_message) {
    static const uint8_t bye[] = "bye";
    ck_assert_int_eq(rl_link_send(l, bye, 3), 0);
    rl_link_close(l);
    rl_link_close(l); /* twice: no effect */
    s->send_after_close = rl_link_send(l, bye, 3);
  }
}

static void cb_oversize(void *user, rl_link *l, const uint8_t *hdr, size_t hdr_len,
                        size_t announced) {
  side *s = user;
  s->oversizes++;
  s->ov_len = hdr_len;
  s->ov_announced = announced;
  memcpy(s->ov_hdr, hdr, hdr_len < sizeof s->ov_hdr ? hdr_len : sizeof s->ov_hdr);
  if (s->reply_on_oversize) {
    static const uint8_t err[] = "Error_Message_Too_Large";
    ck_assert_int_eq(rl_link_send(l, err, sizeof err - 1), 0);
  }
}

static void cb_closed(void *user, rl_link *l, rl_link_fail why, const char *detail) {
  side *s = user;
  s->closes++;
  s->why = why;
  s->closed_at = now_ms();
  s->nmsg_at_close = s->nmsg;
  snprintf(s->detail, sizeof s->detail, "%s", detail);
  /* Everything on the dead link is harmless. */
  rl_link_close(l);
  ck_assert_int_eq(rl_link_send(l, (const uint8_t *)"x", 1), RL_ERR_IO);
  if (s->reconnect_on_closed && !s->reconnected) {
    s->reconnected = rl_link_connect(s->ctx, (struct sockaddr *)&s->reconnect_to,
                                     sizeof s->reconnect_to);
    ck_assert_ptr_nonnull(s->reconnected);
    ck_assert_int_eq(send_msg(s->reconnected, 0, 40), 0);
  }
}

static const rl_link_callbacks cbs = {cb_up, cb_message, cb_oversize, cb_closed};
/* The callbacks side_init gives a context (a test may swap them). */
static const rl_link_callbacks *g_cbs = &cbs;

static void loopback(struct sockaddr_in *a, uint16_t port) {
  memset(a, 0, sizeof *a);
  a->sin_family = AF_INET;
  a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a->sin_port = htons(port);
}

static void side_init(side *s, rl_link_mode mode, const rl_credentials *cred, size_t max,
                      uint64_t fail_ms, uint64_t keepalive_ms, int listen) {
  rl_link_params p;
  char why[256] = "";
  memset(s, 0, sizeof *s);
  memset(&p, 0, sizeof p);
  p.mode = mode;
  p.max_message_size = max;
  p.fail_timeout_ms = fail_ms;
  p.keepalive_ms = keepalive_ms;
  p.cred = cred;
  p.trust = trust;
  p.stream = g_stream;
  s->ctx = rl_link_ctx_new(&p, g_cbs, s, why, sizeof why);
  ck_assert_msg(s->ctx != NULL, "%s", why);
  s->lfd = -1;
  if (listen) {
    socklen_t len = sizeof s->addr;
    loopback(&s->addr, 0);
    s->lfd = rl_link_listen(s->ctx, (struct sockaddr *)&s->addr, sizeof s->addr, why, sizeof why);
    ck_assert_msg(s->lfd >= 0, "%s", why);
    ck_assert_int_eq(getsockname(s->lfd, (struct sockaddr *)&s->addr, &len), 0);
  }
}

static void side_free(side *s) {
  rl_link_ctx_free(s->ctx);
  if (s->lfd >= 0) close(s->lfd);
  s->ctx = NULL;
  s->lfd = -1;
}

/* Run the poll loop over the sides until cond() or ms pass; returns
 * cond(). */
static int pump(int (*cond)(void), uint64_t ms) {
  side *sides[] = {&sa, &sb, &sc};
  uint64_t end = now_ms() + ms;
  while (!cond() && now_ms() < end) {
    struct pollfd pf[64];
    rl_link *who[64];
    side *whose[64];
    int np = 0;
    uint64_t t;
    for (int k = 0; k < 3; k++) {
      side *s = sides[k];
      rl_link *ls[32];
      size_t n;
      if (!s->ctx || s->paused) continue;
      if (s->lfd >= 0) {
        pf[np] = (struct pollfd){s->lfd, POLLIN, 0};
        who[np] = NULL;
        whose[np++] = s;
      }
      n = rl_link_ctx_links(s->ctx, ls, 32);
      for (size_t i = 0; i < n && i < 32; i++) {
        pf[np] = (struct pollfd){rl_link_fd(ls[i]), rl_link_poll_events(ls[i]), 0};
        who[np] = ls[i];
        whose[np++] = s;
      }
    }
    (void)poll(pf, (nfds_t)np, 5);
    t = now_ms();
    for (int i = 0; i < np; i++) {
      if (!pf[i].revents) continue;
      if (!who[i])
        while (rl_link_accept(whose[i]->ctx, whose[i]->lfd)) {
        }
      else
        rl_link_handle(who[i], pf[i].revents, t);
    }
    for (int k = 0; k < 3; k++)
      if (sides[k]->ctx && !sides[k]->paused) rl_link_ctx_tick(sides[k]->ctx, t);
  }
  return cond();
}

static int both_up(void) { return sa.ups >= 1 && sb.ups >= 1; }
static int a_closed(void) { return sa.closes >= 1; }
static int b_closed(void) { return sb.closes >= 1; }
static int both_closed(void) { return sa.closes >= 1 && sb.closes >= 1; }
static int idle_never(void) { return 0; }
static int a_two_up(void) { return sa.ups >= 2 || sa.closes >= 1; }

static rl_link *connect_a_to_b(void) {
  rl_link *l = rl_link_connect(sa.ctx, (struct sockaddr *)&sb.addr, sizeof sb.addr);
  ck_assert_ptr_nonnull(l);
  ck_assert_int_eq(rl_link_is_outgoing(l), 1);
  return l;
}

/* ------------------------------------------------------------------ */
/* Exchanges                                                            */

static size_t a_want, b_want;
static int exchanged(void) { return sa.nmsg >= a_want && sb.nmsg >= b_want; }

static int acks_done(void) {
  rl_link_stats x, y;
  if (!sa.up || !sb.up) return 0;
  rl_link_get_stats(sa.up, &x);
  rl_link_get_stats(sb.up, &y);
  return x.unacked == 0 && y.unacked == 0 && x.out_pending == 0 && y.out_pending == 0;
}

/* Many small messages and one of exactly max-message-size, both ways. */
static void exchange(rl_link *al) {
  rl_link *bl;
  rl_link_stats x, y;
  uint32_t i;
  uint64_t a_data = 0, b_data = 0; /* framed bytes of the data frames */
  ck_assert_msg(pump(both_up, 5000), "not up: a %s, b %s", sa.detail, sb.detail);
  ck_assert_ptr_eq(sa.up, al);
  bl = sb.up;
  ck_assert_int_eq(rl_link_is_outgoing(bl), 0);
  for (i = 0; i < 320; i++) {
    size_t len = i == 300 ? MAXMSG : i < 300 ? 4 + (i * 37) % 300 : 4 + i % 50;
    ck_assert_int_eq(send_msg(al, i, len), 0);
    a_data += 8 + len;
  }
  for (i = 0; i < 100; i++) {
    size_t len = i == 50 ? MAXMSG : 4 + i;
    ck_assert_int_eq(send_msg(bl, i, len), 0);
    b_data += 8 + len;
  }
  /* Over the limits: refused, nothing queued. */
  ck_assert_int_eq(send_msg(al, 9999, MAXMSG + 1), RL_ERR_PARAM);
  ck_assert_int_eq(rl_link_send(al, (const uint8_t *)"", 0), RL_ERR_PARAM);
  a_want = 100;
  b_want = 320;
  ck_assert_msg(pump(exchanged, 5000), "a got %zu, b got %zu", sa.nmsg, sb.nmsg);
  ck_assert_uint_eq(sa.bad, 0);
  ck_assert_uint_eq(sb.bad, 0);
  ck_assert(pump(acks_done, 3000));
  rl_link_get_stats(al, &x);
  rl_link_get_stats(bl, &y);
  /* Every data frame was acked, and every ack gave an RTT sample. */
  ck_assert_uint_eq(x.frames_sent, 320);
  ck_assert_uint_eq(x.acks_received, 320);
  ck_assert_uint_eq(y.frames_received, 320);
  ck_assert_uint_eq(y.acks_sent, 320);
  ck_assert_uint_eq(y.frames_sent, 100);
  ck_assert_uint_eq(x.acks_sent, 100);
  ck_assert_uint_eq(y.acks_received, 100);
  ck_assert_uint_eq(x.rtt_samples, 320);
  ck_assert_uint_eq(y.rtt_samples, 100);
  ck_assert_uint_ge(x.rto_ms, 200);
  ck_assert_uint_ge(y.rto_ms, 200);
  ck_assert_uint_le(x.rto_ms, 60000);
  /* Data frames are 8 bytes + message, acks 9 (6.6.2). */
  ck_assert_uint_eq(x.bytes_sent, a_data + 100 * 9);
  ck_assert_uint_eq(y.bytes_sent, b_data + 320 * 9);
  ck_assert_uint_eq(x.bytes_sent, y.bytes_received);
  ck_assert_uint_eq(y.bytes_sent, x.bytes_received);
  ck_assert_int_eq(sa.closes + sb.closes, 0);
}

START_TEST(tls_exchange_and_identities) {
  rl_link *al, *bl;
  const rl_cert *c;
  struct sockaddr_storage ss;
  socklen_t len;
  const struct sockaddr_in *pa;
  size_t n = 99;
  side_init(&sa, RL_LINK_TLS, cred_a, MAXMSG, 0, 0, 0);
  side_init(&sb, RL_LINK_TLS, cred_b, MAXMSG, 0, 0, 1);
  al = connect_a_to_b();
  exchange(al);
  bl = sb.up;
  /* Each side knows who the other is (11.3), from the verified certificate. */
  c = rl_link_peer_cert(al);
  ck_assert_ptr_nonnull(c);
  ck_assert(rl_cert_has_node_id(c, ids[1], 16));
  ck_assert(!rl_cert_has_node_id(c, ids[0], 16));
  c = rl_link_peer_cert(bl);
  ck_assert_ptr_nonnull(c);
  ck_assert(rl_cert_has_node_id(c, ids[0], 16));
  ck_assert_str_eq(c->user, "alice@link.test");
  (void)rl_link_peer_chain(bl, &n);
  ck_assert_uint_eq(n, 0);
  /* Addresses. */
  pa = (const struct sockaddr_in *)rl_link_peer_addr(al, &len);
  ck_assert_uint_eq(len, sizeof sb.addr);
  ck_assert_uint_eq(pa->sin_port, sb.addr.sin_port);
  ck_assert_int_eq(rl_link_local_addr(bl, &ss, &len), 0);
  ck_assert_uint_eq(((struct sockaddr_in *)&ss)->sin_port, sb.addr.sin_port);
  rl_link_set_user(al, &sa);
  ck_assert_ptr_eq(rl_link_get_user(al), &sa);
  /* A clean close: A says CLOSED_LOCALLY, B sees the close_notify. */
  rl_link_close(al);
  ck_assert(pump(both_closed, 3000));
  ck_assert_int_eq(sa.why, RL_LINK_CLOSED_LOCALLY);
  ck_assert_str_eq(sa.detail, "closed locally");
  ck_assert_int_eq(sb.why, RL_LINK_FAIL_EOF);
  ck_assert_msg(strstr(sb.detail, "close_notify") != NULL, "%s", sb.detail);
  side_free(&sa);
  side_free(&sb);
}
END_TEST

/* Stream links (AppAttach, RFC 7904 5.1): the same TLS and certificate
 * check, the bytes through as they are, no acks or keepalives. */
static size_t stream_want;
static int b_has_stream(void) { return sb.acc_len >= stream_want && sa.acc_len >= 5; }

START_TEST(stream_link_passes_bytes_unframed) {
  rl_link *al;
  rl_link_stats x;
  static uint8_t big[60000];
  const char *sip = "MESSAGE sip:bob@link.test SIP/2.0\r\nContent-Length: 0\r\n\r\n";
  g_stream = 1;
  side_init(&sa, RL_LINK_TLS, cred_a, 1000, 0, 50, 0);
  side_init(&sb, RL_LINK_TLS, cred_b, 1000, 0, 50, 1);
  sa.raw = sb.raw = 1;
  g_stream = 0;
  al = connect_a_to_b();
  ck_assert(pump(both_up, 5000));
  ck_assert(rl_cert_has_node_id(rl_link_peer_cert(al), ids[1], 16));
  for (size_t i = 0; i < sizeof big; i++) big[i] = (uint8_t)(i * 31 + 7);
  ck_assert_int_eq(rl_link_send(al, (const uint8_t *)sip, strlen(sip)), 0);
  /* Larger than max_message_size: a stream has no messages to limit. */
  ck_assert_int_eq(rl_link_send(al, big, sizeof big), 0);
  ck_assert_int_eq(rl_link_send(al, NULL, 0), RL_ERR_PARAM);
  ck_assert_int_eq(rl_link_send(sb.up ? sb.up : al, (const uint8_t *)"hello", 5), 0);
  stream_want = strlen(sip) + sizeof big;
  ck_assert_msg(pump(b_has_stream, 5000), "b has %zu of %zu bytes", sb.acc_len, stream_want);
  ck_assert_uint_eq(sb.acc_len, stream_want);
  ck_assert(memcmp(sb.acc, sip, strlen(sip)) == 0);
  ck_assert(memcmp(sb.acc + strlen(sip), big, sizeof big) == 0);
  ck_assert_uint_eq(sa.acc_len, 5);
  ck_assert(memcmp(sa.acc, "hello", 5) == 0);
  /* Idle for longer than the keepalive period: nothing is sent. */
  ck_assert(!pump(idle_never, 300));
  rl_link_get_stats(al, &x);
  ck_assert_uint_eq(x.keepalives_sent, 0);
  ck_assert_uint_eq(x.acks_received, 0);
  ck_assert_uint_eq(x.unacked, 0);
  ck_assert_uint_eq(sa.acc_len, 5);
  ck_assert_int_eq(sa.closes + sb.closes, 0);
  side_free(&sa);
  side_free(&sb);
}
END_TEST

START_TEST(sockaddr_equality) {
  struct sockaddr_storage a, b;
  struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&a, *b6 = (struct sockaddr_in6 *)&b;
  memset(&a, 0, sizeof a);
  memset(&b, 0, sizeof b);
  loopback((struct sockaddr_in *)&a, 5060);
  loopback((struct sockaddr_in *)&b, 5060);
  ck_assert_int_eq(rl_sockaddr_equal(&a, &b), 1);
  ((struct sockaddr_in *)&b)->sin_port = htons(5061);
  ck_assert_int_eq(rl_sockaddr_equal(&a, &b), 0);
  loopback((struct sockaddr_in *)&b, 5060);
  ((struct sockaddr_in *)&b)->sin_addr.s_addr = htonl(0x7f000002);
  ck_assert_int_eq(rl_sockaddr_equal(&a, &b), 0);
  memset(&a, 0, sizeof a);
  memset(&b, 0, sizeof b);
  a6->sin6_family = b6->sin6_family = AF_INET6;
  a6->sin6_port = b6->sin6_port = htons(5060);
  a6->sin6_addr.s6_addr[15] = b6->sin6_addr.s6_addr[15] = 1;
  ck_assert_int_eq(rl_sockaddr_equal(&a, &b), 1);
  b6->sin6_addr.s6_addr[0] = 0xfe;
  ck_assert_int_eq(rl_sockaddr_equal(&a, &b), 0);
  /* Different families, or none, are never equal. */
  loopback((struct sockaddr_in *)&b, 5060);
  ck_assert_int_eq(rl_sockaddr_equal(&a, &b), 0);
  memset(&a, 0, sizeof a);
  memset(&b, 0, sizeof b);
  ck_assert_int_eq(rl_sockaddr_equal(&a, &b), 0);
}
END_TEST

START_TEST(insecure_exchange) {
  rl_link *al;
  side_init(&sa, RL_LINK_TCP_INSECURE, NULL, MAXMSG, 0, 0, 0);
  side_init(&sb, RL_LINK_TCP_INSECURE, NULL, MAXMSG, 0, 0, 1);
  al = connect_a_to_b();
  exchange(al);
  ck_assert_ptr_null(rl_link_peer_cert(al));
  ck_assert_ptr_null(rl_link_peer_cert(sb.up));
  /* Freeing a context closes its links without callbacks; the far end
   * sees EOF. */
  side_free(&sb);
  ck_assert(pump(a_closed, 3000));
  ck_assert_int_eq(sb.closes, 0);
  ck_assert_int_eq(sa.why, RL_LINK_FAIL_EOF);
  ck_assert_str_eq(sa.detail, "the far end closed the connection");
  side_free(&sa);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Certificates refused                                                 */

START_TEST(foreign_ca_refused_by_server) {
  /* The rogue client trusts our CA, so only the server's check can stop it. */
  side_init(&sa, RL_LINK_TLS, cred_rogue, MAXMSG, 0, 0, 0);
  side_init(&sb, RL_LINK_TLS, cred_b, MAXMSG, 0, 0, 1);
  (void)connect_a_to_b();
  ck_assert(pump(both_closed, 5000));
  ck_assert_int_eq(sb.ups, 0);
  ck_assert_int_eq(sb.why, RL_LINK_FAIL_CERT);
  ck_assert_msg(strncmp(sb.detail, "peer certificate: ", 18) == 0, "%s", sb.detail);
  ck_assert_msg(strstr(sb.detail, "mallory@link.test") != NULL, "%s", sb.detail);
  /* The client learns it from the server's alert (TLS 1.3: after its own
   * handshake finished). */
  ck_assert_msg(sa.why == RL_LINK_FAIL_TLS || sa.why == RL_LINK_FAIL_EOF, "%d %s", sa.why,
                sa.detail);
  side_free(&sa);
  side_free(&sb);
}
END_TEST

START_TEST(foreign_ca_refused_by_client) {
  side_init(&sa, RL_LINK_TLS, cred_a, MAXMSG, 0, 0, 0);
  side_init(&sb, RL_LINK_TLS, cred_rogue, MAXMSG, 0, 0, 1);
  (void)connect_a_to_b();
  ck_assert(pump(both_closed, 5000));
  ck_assert_int_eq(sa.ups, 0);
  ck_assert_int_eq(sb.ups, 0);
  ck_assert_int_eq(sa.why, RL_LINK_FAIL_CERT);
  ck_assert_msg(strncmp(sa.detail, "peer certificate: ", 18) == 0, "%s", sa.detail);
  ck_assert_int_eq(sb.why, RL_LINK_FAIL_TLS);
  ck_assert_msg(strstr(sb.detail, "alert") != NULL, "%s", sb.detail);
  side_free(&sa);
  side_free(&sb);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Oversize, framing, EOF, refused connections                          */

static int oversize_done(void) { return sa.closes && sb.closes; }

START_TEST(oversize_answered_then_closed) {
  /* A may send 100000 bytes; B accepts 1000. */
  rl_link *al;
  side_init(&sa, RL_LINK_TLS, cred_a, 100000, 0, 0, 0);
  side_init(&sb, RL_LINK_TLS, cred_b, 1000, 0, 0, 1);
  sa.raw = 1;
  sb.reply_on_oversize = 1;
  al = connect_a_to_b();
  ck_assert_int_eq(send_msg(al, 0, 900), 0);
  ck_assert_int_eq(send_msg(al, 1, 50000), 0);
  ck_assert_int_eq(send_msg(al, 2, 10), 0);
  ck_assert(pump(oversize_done, 5000));
  ck_assert_uint_eq(sb.nmsg, 1); /* the 900-byte one */
  ck_assert_int_eq(sb.oversizes, 1);
  ck_assert_uint_eq(sb.ov_announced, 50000);
  /* The start of the message arrived with the header: the caller could
   * read a forwarding header's transaction id from it. */
  ck_assert_uint_ge(sb.ov_len, 38);
  ck_assert_uint_le(sb.ov_len, 50000);
  ck_assert_uint_eq(sb.ov_hdr[3], 1);
  ck_assert_uint_eq(sb.ov_hdr[10], (uint8_t)(1 + 10 * 7));
  ck_assert_int_eq(sb.why, RL_LINK_FAIL_OVERSIZE);
  ck_assert_msg(strstr(sb.detail, "data frame 1 announces 50000 bytes; max-message-size is 1000"),
                "%s", sb.detail);
  /* A got the answer before the link went away. */
  ck_assert_uint_eq(sa.nmsg_at_close, 1);
  ck_assert_uint_eq(sa.last_len, 23);
  ck_assert_mem_eq(sa.last, "Error_Message_Too_Large", 23);
  ck_assert_int_eq(sa.why, RL_LINK_FAIL_EOF);
  side_free(&sa);
  side_free(&sb);
}
END_TEST

static int raw_connect(const struct sockaddr_in *a) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  ck_assert_int_ge(fd, 0);
  ck_assert_int_eq(connect(fd, (const struct sockaddr *)a, sizeof *a), 0);
  return fd;
}

/* Read exactly n bytes within ms (the test's end of a raw socket). */
static int raw_read(int fd, uint8_t *buf, size_t n, int ms) {
  size_t got = 0;
  while (got < n) {
    struct pollfd pf = {fd, POLLIN, 0};
    ssize_t r;
    if (poll(&pf, 1, ms) <= 0) return -1;
    r = read(fd, buf + got, n - got);
    if (r <= 0) return -1;
    got += (size_t)r;
  }
  return 0;
}

/* A message sent from another link's callback (a peer forwarding what it
 * just read) is written at once, not at the end of the turn, and a write
 * that fails there does not close the link under its caller: the close
 * comes at the link's next event. */
static rl_link *fwd_to;
static int fwd_rc, fwd_closes_in_cb;
static uint64_t fwd_sent_in_cb;
static void cb_forward(void *user, rl_link *l, const uint8_t *msg, size_t len) {
  rl_link_stats st;
  (void)l;
  cb_message(user, l, msg, len);
  fwd_rc = rl_link_send(fwd_to, msg, len);
  rl_link_get_stats(fwd_to, &st);
  fwd_sent_in_cb = st.bytes_sent;
  fwd_closes_in_cb = sa.closes;
}
static int a_got_one(void) { return sa.nmsg >= 1; }

START_TEST(send_writes_at_once_and_defers_failure) {
  static const rl_link_callbacks fwd_cbs = {cb_up, cb_forward, cb_oversize, cb_closed};
  struct sockaddr_in a;
  socklen_t len = sizeof a;
  uint8_t buf[64], frame[8 + 40];
  rl_link *in, *out;
  int lfd = socket(AF_INET, SOCK_STREAM, 0), fd_in, fd_out;
  loopback(&a, 0);
  ck_assert_int_eq(bind(lfd, (struct sockaddr *)&a, sizeof a), 0);
  ck_assert_int_eq(listen(lfd, 2), 0);
  ck_assert_int_eq(getsockname(lfd, (struct sockaddr *)&a, &len), 0);
  g_cbs = &fwd_cbs;
  side_init(&sa, RL_LINK_TCP_INSECURE, NULL, MAXMSG, 0, 0, 0);
  g_cbs = &cbs;
  in = rl_link_connect(sa.ctx, (struct sockaddr *)&a, sizeof a);
  ck_assert_ptr_nonnull(in);
  fd_in = accept(lfd, NULL, NULL);
  out = rl_link_connect(sa.ctx, (struct sockaddr *)&a, sizeof a);
  ck_assert_ptr_nonnull(out);
  fd_out = accept(lfd, NULL, NULL);
  ck_assert_int_ge(fd_in, 0);
  ck_assert_int_ge(fd_out, 0);
  ck_assert(pump(a_two_up, 3000));
  fwd_to = out;
  /* A data frame in on one link, forwarded on the other from the callback. */
  memset(frame, 0, sizeof frame);
  frame[0] = 0x80;
  frame[7] = 40;
  make_msg(frame + 8, 0, 40);
  ck_assert_int_eq(write(fd_in, frame, sizeof frame), (ssize_t)sizeof frame);
  ck_assert(pump(a_got_one, 3000));
  ck_assert_int_eq(fwd_rc, 0);
  ck_assert_uint_eq(fwd_sent_in_cb, 8 + 40);
  ck_assert_int_eq(raw_read(fd_out, buf, 8 + 40, 1000), 0);
  ck_assert_mem_eq(buf + 8, frame + 8, 40);
  /* Writing on the other link now fails (shut down for writing under it:
   * EPIPE at the next send, with nothing for poll to report first); the
   * forward is queued, and the link closes only after the callback. */
  ck_assert_int_eq(shutdown(rl_link_fd(out), SHUT_WR), 0);
  frame[4] = 1; /* sequence 1 */
  ck_assert_int_eq(write(fd_in, frame, sizeof frame), (ssize_t)sizeof frame);
  sa.nmsg = 0;
  ck_assert(pump(a_got_one, 3000));
  ck_assert_int_eq(fwd_rc, 0);
  ck_assert_int_eq(fwd_closes_in_cb, 0);
  ck_assert(pump(a_closed, 3000));
  ck_assert_int_eq(sa.closes, 1);
  ck_assert_int_eq(sa.why, RL_LINK_FAIL_IO);
  ck_assert_msg(strstr(sa.detail, "send:") != NULL, "%s", sa.detail);
  side_free(&sa);
  close(fd_in);
  close(fd_out);
  close(lfd);
}
END_TEST

START_TEST(bad_frame_type) {
  /* data frame 0 "ping", then a byte 7 at stream offset 12 */
  static const uint8_t bytes[] = {0x80, 0, 0, 0, 0, 0, 0, 4, 'p', 'i', 'n', 'g', 7, 0, 0, 0, 0};
  static const uint8_t ack0[] = {0x81, 0, 0, 0, 0, 0, 0, 0, 0};
  uint8_t got[9];
  int fd;
  side_init(&sb, RL_LINK_TCP_INSECURE, NULL, MAXMSG, 0, 0, 1);
  sb.raw = 1;
  fd = raw_connect(&sb.addr);
  ck_assert_int_eq(write(fd, bytes, sizeof bytes), (ssize_t)sizeof bytes);
  ck_assert(pump(b_closed, 3000));
  ck_assert_uint_eq(sb.nmsg, 1);
  ck_assert_mem_eq(sb.last, "ping", 4);
  ck_assert_int_eq(sb.why, RL_LINK_FAIL_FRAMING);
  ck_assert_msg(strncmp(sb.detail, "frame type 7 at stream offset 12", 32) == 0, "%s", sb.detail);
  /* The good frame was acked first (6.6.2). */
  ck_assert_int_eq(raw_read(fd, got, sizeof got, 1000), 0);
  ck_assert_mem_eq(got, ack0, sizeof ack0);
  close(fd);
  side_free(&sb);
}
END_TEST

/* The far end's frames as the stats show them (last ack, data frame
 * numbering), and bytes written outside the framing, inside TLS
 * (rl_link_send_unframed): for the conformance suite's framing tests. */
static uint64_t b_keepalives_want, a_acks_want;
static int unframed_seen(void) {
  rl_link_stats x, y;
  if (!sa.up || !sb.up) return 0;
  rl_link_get_stats(sa.up, &x);
  rl_link_get_stats(sb.up, &y);
  return y.keepalives_received >= b_keepalives_want && x.acks_received >= a_acks_want;
}

START_TEST(unframed_bytes_and_ack_fields) {
  /* An empty data frame numbered 100, an ack of a frame never sent (80),
   * then a frame of type 130. */
  static const uint8_t empty100[] = {0x80, 0, 0, 0, 100, 0, 0, 0};
  static const uint8_t stray_ack[] = {0x81, 0, 0, 0, 80, 0xff, 0xff, 0xff, 0xff};
  static const uint8_t bad_type[] = {130, 0, 0, 0, 0};
  rl_link *al, *bl;
  rl_link_stats x, y;
  side_init(&sa, RL_LINK_TLS, cred_b, MAXMSG, 0, 0, 0);
  side_init(&sb, RL_LINK_TLS, cred_b, MAXMSG, 0, 0, 1);
  al = connect_a_to_b();
  ck_assert_msg(pump(both_up, 5000), "not up: a %s, b %s", sa.detail, sb.detail);
  bl = sb.up;
  for (uint32_t i = 0; i < 3; i++) ck_assert_int_eq(send_msg(al, i, 40), 0);
  ck_assert(pump(acks_done, 3000));
  rl_link_get_stats(al, &x);
  rl_link_get_stats(bl, &y);
  /* Ack of frame 2; frames 1 and 0 are bits 1 and 2 of its mask. */
  ck_assert_uint_eq(x.acks_received, 3);
  ck_assert_uint_eq(x.last_ack_sequence, 2);
  ck_assert_uint_eq(x.last_ack_received, 0x6);
  ck_assert_uint_eq(y.frames_received, 3);
  ck_assert_uint_eq(y.last_data_sequence, 2);
  ck_assert_uint_eq(y.data_out_of_sequence, 0);
  /* Nothing to send is refused; the empty frame goes through TLS and is
   * acked like any data frame, with its own number. */
  ck_assert_int_eq(rl_link_send_unframed(al, empty100, 0), RL_ERR_PARAM);
  ck_assert_int_eq(rl_link_send_unframed(al, empty100, sizeof empty100), 0);
  b_keepalives_want = 1;
  a_acks_want = 4;
  ck_assert(pump(unframed_seen, 3000));
  rl_link_get_stats(al, &x);
  rl_link_get_stats(bl, &y);
  ck_assert_uint_eq(y.keepalives_received, 1);
  ck_assert_uint_eq(y.last_data_sequence, 100);
  ck_assert_uint_eq(y.data_out_of_sequence, 1);
  ck_assert_uint_eq(x.last_ack_sequence, 100);
  ck_assert_uint_eq(x.last_ack_received, 0); /* 0..2 are not above 100-32 */
  ck_assert_uint_eq(x.frames_sent, 3);       /* not numbered by the link */
  ck_assert_uint_eq(x.unacked, 0);
  ck_assert_uint_eq(x.rtt_samples, 3);       /* and acked nothing of ours */
  /* An ack of a frame B never sent: counted, ignored; the link works. */
  ck_assert_int_eq(rl_link_send_unframed(al, stray_ack, sizeof stray_ack), 0);
  ck_assert_int_eq(send_msg(al, 3, 40), 0);
  a_acks_want = 5;
  ck_assert(pump(unframed_seen, 3000));
  ck_assert(pump(acks_done, 3000));
  rl_link_get_stats(bl, &y);
  rl_link_get_stats(al, &x);
  ck_assert_uint_eq(y.acks_received, 1);
  ck_assert_uint_eq(y.last_ack_sequence, 80);
  ck_assert_uint_eq(y.last_ack_received, 0xffffffffu);
  ck_assert_uint_eq(y.unacked, 0);
  ck_assert_uint_eq(y.rtt_samples, 0);
  ck_assert_uint_eq(x.last_ack_sequence, 3);
  ck_assert_uint_eq(sb.nmsg, 4);
  ck_assert_uint_eq(sb.bad, 0);
  /* A frame type 6.6.2 does not define: B gives up on the stream. */
  ck_assert_int_eq(rl_link_send_unframed(al, bad_type, sizeof bad_type), 0);
  ck_assert(pump(b_closed, 3000));
  ck_assert_int_eq(sb.why, RL_LINK_FAIL_FRAMING);
  ck_assert_msg(strstr(sb.detail, "frame type 130") != NULL, "%s", sb.detail);
  rl_link_close(al);
  ck_assert_int_eq(rl_link_send_unframed(al, empty100, sizeof empty100), RL_ERR_IO);
  ck_assert(pump(a_closed, 3000));
  side_free(&sa);
  side_free(&sb);
}
END_TEST

START_TEST(eof_reported) {
  static const uint8_t part[] = {0x80, 0, 0, 0, 0, 0, 0, 9, 'a'};
  int fd;
  side_init(&sb, RL_LINK_TCP_INSECURE, NULL, MAXMSG, 0, 0, 1);
  fd = raw_connect(&sb.addr);
  close(fd);
  ck_assert(pump(b_closed, 3000));
  ck_assert_int_eq(sb.why, RL_LINK_FAIL_EOF);
  ck_assert_str_eq(sb.detail, "the far end closed the connection");
  /* In the middle of a frame, the detail says so. */
  sb.closes = 0;
  fd = raw_connect(&sb.addr);
  ck_assert_int_eq(write(fd, part, sizeof part), (ssize_t)sizeof part);
  close(fd);
  ck_assert(pump(b_closed, 3000));
  ck_assert_int_eq(sb.why, RL_LINK_FAIL_EOF);
  ck_assert_msg(strstr(sb.detail, "inside a frame (9 bytes of it at stream offset 0)") != NULL,
                "%s", sb.detail);
  side_free(&sb);
}
END_TEST

START_TEST(tls_eof_when_peer_goes) {
  side_init(&sa, RL_LINK_TLS, cred_a, MAXMSG, 0, 0, 0);
  side_init(&sb, RL_LINK_TLS, cred_b, MAXMSG, 0, 0, 1);
  (void)connect_a_to_b();
  ck_assert(pump(both_up, 5000));
  side_free(&sb);
  ck_assert(pump(a_closed, 3000));
  ck_assert_int_eq(sa.why, RL_LINK_FAIL_EOF);
  side_free(&sa);
}
END_TEST

START_TEST(connect_refused) {
  struct sockaddr_in a;
  socklen_t len = sizeof a;
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  /* A port that was just free: bind, read it, close. */
  loopback(&a, 0);
  ck_assert_int_eq(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
  ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&a, &len), 0);
  close(fd);
  side_init(&sa, RL_LINK_TLS, cred_a, MAXMSG, 0, 0, 0);
  ck_assert_ptr_nonnull(rl_link_connect(sa.ctx, (struct sockaddr *)&a, sizeof a));
  ck_assert(pump(a_closed, 3000));
  ck_assert_int_eq(sa.why, RL_LINK_FAIL_IO);
  ck_assert_msg(strstr(sa.detail, "connect to 127.0.0.1:") != NULL &&
                    strstr(sa.detail, strerror(ECONNREFUSED)) != NULL,
                "%s", sa.detail);
  side_free(&sa);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Timeouts and keepalives                                              */

START_TEST(peer_that_stops_acking_times_out) {
  rl_link *al;
  uint64_t t0;
  side_init(&sa, RL_LINK_TLS, cred_a, MAXMSG, 400, 0, 0);
  side_init(&sb, RL_LINK_TLS, cred_b, MAXMSG, 0, 0, 1);
  al = connect_a_to_b();
  ck_assert(pump(both_up, 5000));
  ck_assert_int_eq(send_msg(al, 0, 100), 0);
  sb.paused = 1; /* B stops reading and acking */
  t0 = now_ms();
  ck_assert(pump(a_closed, 3000));
  ck_assert_int_eq(sa.why, RL_LINK_FAIL_TIMEOUT);
  ck_assert_uint_ge(sa.closed_at - t0, 400);
  ck_assert_msg(strstr(sa.detail, "no ack for data frame 0 within 400 ms"), "%s", sa.detail);
  side_free(&sa);
  side_free(&sb);
}
END_TEST

START_TEST(idle_dead_link_found_by_keepalive) {
  /* A connects to a socket nobody reads: nothing is ever sent by A's
   * caller; the keepalive is, and its ack never comes. */
  int lfd = socket(AF_INET, SOCK_STREAM, 0), fd;
  struct sockaddr_in a;
  socklen_t len = sizeof a;
  uint8_t got[8];
  static const uint8_t keepalive[] = {0x80, 0, 0, 0, 0, 0, 0, 0};
  loopback(&a, 0);
  ck_assert_int_eq(bind(lfd, (struct sockaddr *)&a, sizeof a), 0);
  ck_assert_int_eq(listen(lfd, 4), 0);
  ck_assert_int_eq(getsockname(lfd, (struct sockaddr *)&a, &len), 0);
  side_init(&sa, RL_LINK_TCP_INSECURE, NULL, MAXMSG, 300, 100, 0);
  ck_assert_ptr_nonnull(rl_link_connect(sa.ctx, (struct sockaddr *)&a, sizeof a));
  ck_assert(pump(a_closed, 2000));
  ck_assert_int_eq(sa.ups, 1);
  ck_assert_int_eq(sa.why, RL_LINK_FAIL_TIMEOUT);
  ck_assert_msg(strstr(sa.detail, "no ack for data frame 0 within 300 ms"), "%s", sa.detail);
  /* What A sent: the keepalive, an empty data frame with sequence 0. */
  fd = accept(lfd, NULL, NULL);
  ck_assert_int_ge(fd, 0);
  ck_assert_int_eq(raw_read(fd, got, sizeof got, 1000), 0);
  ck_assert_mem_eq(got, keepalive, sizeof keepalive);
  close(fd);
  close(lfd);
  side_free(&sa);
}
END_TEST

static int idle_long_enough(void) { return 0; }

/* A far end that sends data frames and never reads: B owes it acks only,
 * none of its own data waits for an ack, and its queue stops moving. */
static int flood_fd = -1;
static uint32_t flood_seq;
static int flood_until_b_closed(void) {
  static uint8_t burst[8 * 8192];
  for (int i = 0; i < 8192; i++) rl_frame_data_header(burst + 8 * i, flood_seq + (uint32_t)i, 0);
  if (send(flood_fd, burst, sizeof burst, MSG_DONTWAIT | MSG_NOSIGNAL) == (ssize_t)sizeof burst)
    flood_seq += 8192;
  return sb.closes >= 1;
}

START_TEST(peer_that_never_reads_times_out) {
  int small = 4096;
  side_init(&sb, RL_LINK_TCP_INSECURE, NULL, MAXMSG, 300, 0, 1);
  /* A small receive window, so that B's acks stop moving soon. */
  flood_fd = socket(AF_INET, SOCK_STREAM, 0);
  ck_assert_int_eq(setsockopt(flood_fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof small), 0);
  ck_assert_int_eq(connect(flood_fd, (struct sockaddr *)&sb.addr, sizeof sb.addr), 0);
  ck_assert_msg(pump(flood_until_b_closed, 20000), "sent %u frames", flood_seq);
  ck_assert_int_eq(sb.why, RL_LINK_FAIL_TIMEOUT);
  ck_assert_msg(strstr(sb.detail, "the far end took none of our") != NULL, "%s", sb.detail);
  close(flood_fd);
  side_free(&sb);
}
END_TEST

START_TEST(keepalives_keep_an_idle_link) {
  rl_link_stats x, y;
  side_init(&sa, RL_LINK_TLS, cred_a, MAXMSG, 2000, 50, 0);
  side_init(&sb, RL_LINK_TLS, cred_b, MAXMSG, 2000, 50, 1);
  (void)connect_a_to_b();
  ck_assert(pump(both_up, 5000));
  (void)pump(idle_long_enough, 400);
  ck_assert_int_eq(sa.closes + sb.closes, 0);
  rl_link_get_stats(sa.up, &x);
  rl_link_get_stats(sb.up, &y);
  ck_assert_uint_ge(x.keepalives_sent, 3);
  ck_assert_uint_ge(y.keepalives_received, 3);
  ck_assert_uint_ge(x.rtt_samples, 3);
  ck_assert_uint_ge(x.rto_ms, 200);
  /* Not messages. */
  ck_assert_uint_eq(sa.nmsg + sb.nmsg, 0);
  side_free(&sa);
  side_free(&sb);
}
END_TEST

START_TEST(send_queue_is_bounded) {
  rl_link *al;
  int r = 0;
  size_t n = 0;
  side_init(&sa, RL_LINK_TCP_INSECURE, NULL, MAXMSG, 0, 0, 0);
  side_init(&sb, RL_LINK_TCP_INSECURE, NULL, MAXMSG, 0, 0, 1);
  al = connect_a_to_b(); /* never polled: everything stays queued */
  while (r == 0 && n < 1000) {
    r = send_msg(al, (uint32_t)n, MAXMSG);
    n += r == 0;
  }
  ck_assert_int_eq(r, RL_ERR_NOMEM);
  ck_assert_uint_eq(n, RL_LINK_OUT_MAX / (MAXMSG + 8));
  /* The queue empties once the link runs, and everything arrives. */
  b_want = n;
  a_want = 0;
  ck_assert(pump(exchanged, 5000));
  ck_assert_uint_eq(sb.bad, 0);
  side_free(&sa);
  side_free(&sb);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Callbacks that call back in                                          */

static int reconnected_and_delivered(void) {
  return sb.closes >= 1 && sa.closes >= 1 && sa.ups >= 2 && sa.nmsg >= 2;
}

START_TEST(close_from_callbacks) {
  rl_link *al;
  /* A listens too: B reconnects to it from its on_closed. */
  side_init(&sa, RL_LINK_TLS, cred_a, MAXMSG, 0, 0, 1);
  side_init(&sb, RL_LINK_TLS, cred_b, MAXMSG, 0, 0, 1);
  sa.raw = 1;
  sb.close_on_message = 1;
  sb.reconnect_on_closed = 1;
  sb.reconnect_to = sa.addr;
  al = connect_a_to_b();
  ck_assert_int_eq(send_msg(al, 0, 10), 0);
  ck_assert_int_eq(send_msg(al, 1, 10), 0);
  ck_assert_msg(pump(reconnected_and_delivered, 5000), "a: %d ups %zu msgs %s; b: %s", sa.ups,
                sa.nmsg, sa.detail, sb.detail);
  /* B closed from on_message after queueing "bye"; later sends refused. */
  ck_assert_int_eq(sb.why, RL_LINK_CLOSED_LOCALLY);
  ck_assert_int_eq(sb.send_after_close, RL_ERR_IO);
  ck_assert_uint_ge(sb.nmsg, 1);
  /* A got "bye" before the close, then B's new link and its message. */
  ck_assert_int_eq(sa.why, RL_LINK_FAIL_EOF);
  ck_assert_uint_eq(sa.nmsg_at_close, 1);
  ck_assert_uint_eq(sa.nmsg, 2);
  ck_assert_uint_eq(sa.last_len, 40);
  ck_assert_ptr_nonnull(sb.reconnected);
  side_free(&sa);
  side_free(&sb);
}
END_TEST

START_TEST(close_from_on_up) {
  side_init(&sa, RL_LINK_TLS, cred_a, MAXMSG, 0, 0, 0);
  side_init(&sb, RL_LINK_TLS, cred_b, MAXMSG, 0, 0, 1);
  sa.close_on_up = 1;
  (void)connect_a_to_b();
  ck_assert(pump(both_closed, 5000));
  ck_assert_int_eq(sa.ups, 1);
  ck_assert_int_eq(sa.why, RL_LINK_CLOSED_LOCALLY);
  ck_assert_int_eq(sb.why, RL_LINK_FAIL_EOF);
  side_free(&sa);
  side_free(&sb);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Random streams into the receive path                                 */

static uint64_t rng = 0x9e3779b97f4a7c15u;
static uint32_t rnd(void) {
  rng ^= rng << 13;
  rng ^= rng >> 7;
  rng ^= rng << 17;
  return (uint32_t)(rng >> 16);
}

/* A stream that is mostly frames, sometimes wrong: random types, lengths
 * over the maximum, acks of anything, raw noise. */
static size_t fuzz_stream(uint8_t *buf, size_t cap) {
  size_t n = 0;
  while (n + 16 < cap && rnd() % 8) {
    uint32_t kind = rnd() % 10, len;
    if (kind < 5) {
      len = rnd() % 3 ? rnd() % 200 : rnd() % 3000; /* max is 2000 */
      if (n + 8 + len > cap) break;
      rl_frame_data_header(buf + n, rnd(), len);
      n += 8;
      for (uint32_t j = 0; j < len; j++) buf[n++] = (uint8_t)rnd();
    } else if (kind < 8) {
      rl_frame_ack(buf + n, rnd() % 4, rnd());
      n += RL_FRAME_ACK_LEN;
    } else {
      len = 1 + rnd() % 12;
      for (uint32_t j = 0; j < len; j++) buf[n++] = (uint8_t)rnd();
    }
  }
  return n;
}

static int fuzz_closed;
static size_t fuzz_msgs;
static int fuzz_whys[RL_LINK_FAIL_TIMEOUT + 1];
static void fz_closed(void *u, rl_link *l, rl_link_fail why, const char *d) {
  (void)u;
  (void)l;
  ck_assert_int_le((int)why, (int)RL_LINK_FAIL_TIMEOUT);
  ck_assert_ptr_nonnull(d);
  fuzz_whys[why]++;
  fuzz_closed++;
}
static void fz_message(void *u, rl_link *l, const uint8_t *m, size_t len) {
  (void)u;
  (void)l;
  (void)m;
  ck_assert_uint_ge(len, 1);
  ck_assert_uint_le(len, 2000);
  fuzz_msgs++;
}

START_TEST(random_streams_do_not_crash) {
  static uint8_t buf[16384], sink[65536];
  rl_link_callbacks fcb = {NULL, fz_message, NULL, fz_closed};
  rl_link_params p;
  rl_link_ctx *ctx;
  char why[200];
  int closes_expected = 0, iterations = 400;
  /* LINK_FUZZ_ITERATIONS / LINK_FUZZ_SEED: longer or other runs by hand. */
  if (getenv("LINK_FUZZ_ITERATIONS")) iterations = atoi(getenv("LINK_FUZZ_ITERATIONS"));
  if (getenv("LINK_FUZZ_SEED")) rng = strtoull(getenv("LINK_FUZZ_SEED"), NULL, 0) | 1;
  memset(&p, 0, sizeof p);
  p.mode = RL_LINK_TCP_INSECURE;
  p.max_message_size = 2000;
  ctx = rl_link_ctx_new(&p, &fcb, NULL, why, sizeof why);
  ck_assert_ptr_nonnull(ctx);
  for (int it = 0; it < iterations; it++) {
    int sv[2];
    rl_link *l;
    size_t n = fuzz_stream(buf, sizeof buf), off = 0;
    int before = fuzz_closed, rounds = 0, eof = (int)(rnd() % 2);
    ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    l = rl_link_adopt(ctx, sv[0], it & 1);
    ck_assert_ptr_nonnull(l);
    /* Feed it in random pieces, draining the acks. */
    while (fuzz_closed == before && rounds++ < 200) {
      if (off < n) {
        size_t k = 1 + rnd() % 4096;
        ssize_t w;
        if (k > n - off) k = n - off;
        w = send(sv[1], buf + off, k, MSG_DONTWAIT | MSG_NOSIGNAL);
        if (w > 0) off += (size_t)w;
      } else if (eof) {
        shutdown(sv[1], SHUT_WR); /* the far end closes; otherwise we do, below */
      }
      (void)recv(sv[1], sink, sizeof sink, MSG_DONTWAIT);
      rl_link_handle(l, POLLIN | POLLOUT, (uint64_t)it * 10 + 1);
      rl_link_ctx_tick(ctx, (uint64_t)it * 10 + 1);
      if (off >= n && rounds > 20) break;
    }
    if (fuzz_closed == before) {
      rl_link_close(l);
      close(sv[1]);
      sv[1] = -1;
      for (int k = 0; k < 10 && fuzz_closed == before; k++) {
        rl_link_handle(l, POLLIN | POLLOUT, (uint64_t)it * 10 + 2);
        rl_link_ctx_tick(ctx, (uint64_t)it * 10 + 5000);
      }
    }
    closes_expected++;
    ck_assert_int_eq(fuzz_closed, closes_expected);
    if (sv[1] >= 0) close(sv[1]);
  }
  ck_assert_uint_eq(rl_link_ctx_links(ctx, NULL, 0), 0);
  rl_link_ctx_free(ctx);
  /* Something got through now and then: the streams were not all noise;
   * and every way a stream can end was taken. */
  ck_assert_uint_gt(fuzz_msgs, 50);
  ck_assert_int_gt(fuzz_whys[RL_LINK_FAIL_FRAMING], 0);
  ck_assert_int_gt(fuzz_whys[RL_LINK_FAIL_OVERSIZE], 0);
  ck_assert_int_gt(fuzz_whys[RL_LINK_FAIL_EOF], 0);
  ck_assert_int_gt(fuzz_whys[RL_LINK_CLOSED_LOCALLY], 0);
  if (getenv("LINK_FUZZ_ITERATIONS"))
    fprintf(stderr, "fuzz: %zu messages; closes: locally %d, eof %d, framing %d, oversize %d, "
            "other %d\n", fuzz_msgs, fuzz_whys[0], fuzz_whys[RL_LINK_FAIL_EOF],
            fuzz_whys[RL_LINK_FAIL_FRAMING], fuzz_whys[RL_LINK_FAIL_OVERSIZE],
            fuzz_closed - fuzz_whys[0] - fuzz_whys[RL_LINK_FAIL_EOF] -
                fuzz_whys[RL_LINK_FAIL_FRAMING] - fuzz_whys[RL_LINK_FAIL_OVERSIZE]);
}
END_TEST

START_TEST(context_parameters_checked) {
  rl_link_params p;
  char why[200] = "";
  memset(&p, 0, sizeof p);
  p.mode = RL_LINK_TLS;
  p.max_message_size = 1000;
  ck_assert_ptr_null(rl_link_ctx_new(&p, &cbs, NULL, why, sizeof why));
  ck_assert_str_eq(why, "TLS links need credentials and a trust context");
  p.mode = RL_LINK_TCP_INSECURE;
  p.max_message_size = 1u << 24;
  ck_assert_ptr_null(rl_link_ctx_new(&p, &cbs, NULL, why, sizeof why));
  ck_assert_msg(strstr(why, "max_message_size 16777216") != NULL, "%s", why);
  ck_assert_str_eq(rl_link_fail_name(RL_LINK_FAIL_CERT), "certificate refused");
}
END_TEST

int main(void) {
  Suite *s = suite_create("net_link");
  TCase *tc = tcase_create("link");
  SRunner *sr;
  int failed;
  make_certs();
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, tls_exchange_and_identities);
  tcase_add_test(tc, insecure_exchange);
  tcase_add_test(tc, stream_link_passes_bytes_unframed);
  tcase_add_test(tc, sockaddr_equality);
  tcase_add_test(tc, foreign_ca_refused_by_server);
  tcase_add_test(tc, foreign_ca_refused_by_client);
  tcase_add_test(tc, oversize_answered_then_closed);
  tcase_add_test(tc, bad_frame_type);
  tcase_add_test(tc, unframed_bytes_and_ack_fields);
  tcase_add_test(tc, eof_reported);
  tcase_add_test(tc, tls_eof_when_peer_goes);
  tcase_add_test(tc, connect_refused);
  tcase_add_test(tc, peer_that_stops_acking_times_out);
  tcase_add_test(tc, idle_dead_link_found_by_keepalive);
  tcase_add_test(tc, keepalives_keep_an_idle_link);
  tcase_add_test(tc, peer_that_never_reads_times_out);
  tcase_add_test(tc, send_queue_is_bounded);
  tcase_add_test(tc, close_from_callbacks);
  tcase_add_test(tc, close_from_on_up);
  tcase_add_test(tc, send_writes_at_once_and_defers_failure);
  tcase_add_test(tc, random_streams_do_not_crash);
  tcase_add_test(tc, context_parameters_checked);
  suite_add_tcase(s, tc);
  sr = srunner_create(s);
  srunner_run_all(sr, CK_NORMAL);
  failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  rl_credentials_free(cred_a);
  rl_credentials_free(cred_b);
  rl_credentials_free(cred_rogue);
  rl_trust_free(trust);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
