/* dlink_test.c: DTLS-UDP-SR-NO-ICE links (RFC 6940 6.6.4, 6.6.3) on
 * loopback: the DTLS handshake with mutual certificate checks against the
 * overlay trust (11.3), messages both ways in order with their acks,
 * retransmission through a lossy relay, the failure of a silent far end
 * after five transmissions (6.6.3.1), oversized frames (6.6), close_notify,
 * a refused certificate, crossed handshakes, the insecure UDP mode, and
 * links over another datagram carrier (rl_dlink_over, as over ICE).
 * The pure state machine is in sr_test.c. */
#define _GNU_SOURCE

#include <check.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "net/dlink.h"
#include "net/tls.h"
#include "runtime/error.h"
#include "security/ca.h"

#define OVERLAY "dlink.test"
#define MAXMSG 5000u

static rl_credentials *cred_a, *cred_b, *cred_rogue;
static rl_trust *trust;
static uint8_t ids[3][RL_NODE_ID_MAX];

static void die(const char *what, const rl_sec_error *e) {
  fprintf(stderr, "dlink_test: %s: %s\n", what, e ? e->text : "");
  abort();
}

static rl_credentials *node(EVP_PKEY *ca_key, rl_cert *ca, const char *user, const uint8_t *id) {
  rl_sec_error e = {0, ""};
  rl_issue_params p;
  rl_cert *c = NULL;
  rl_credentials *cr = NULL;
  EVP_PKEY *key = EVP_EC_gen("P-256");
  memset(&p, 0, sizeof p);
  p.overlay = OVERLAY;
  p.user = user;
  p.node_ids = (const uint8_t(*)[RL_NODE_ID_MAX])id;
  p.n_node_ids = 1;
  p.node_id_len = 16;
  if (!key || rl_ca_issue(ca_key, ca, key, &p, &c, &e) != 0) die("issue", &e);
  if (rl_credentials_new(key, c, NULL, 0, &cr, &e) != 0) die("credentials", &e);
  rl_cert_free(c);
  EVP_PKEY_free(key);
  return cr;
}

static void make_certs(void) {
  rl_sec_error e = {0, ""};
  rl_issue_params p;
  rl_cert *ca = NULL, *rogue_ca = NULL;
  EVP_PKEY *ca_key = EVP_EC_gen("P-256"), *rogue_key = EVP_EC_gen("P-256");
  if (rl_random_node_ids(3, 16, ids, &e) != 0) die("ids", &e);
  memset(&p, 0, sizeof p);
  p.overlay = OVERLAY;
  if (rl_ca_create(ca_key, &p, &ca, &e) != 0 || rl_ca_create(rogue_key, &p, &rogue_ca, &e) != 0)
    die("CA", &e);
  cred_a = node(ca_key, ca, "alice@dlink.test", ids[0]);
  cred_b = node(ca_key, ca, "bob@dlink.test", ids[1]);
  cred_rogue = node(rogue_key, rogue_ca, "mallory@dlink.test", ids[2]);
  if (rl_trust_new(OVERLAY, 16, &trust, &e) != 0 || rl_trust_add_root(trust, ca, &e) != 0)
    die("trust", &e);
  rl_cert_free(ca);
  rl_cert_free(rogue_ca);
  EVP_PKEY_free(ca_key);
  EVP_PKEY_free(rogue_key);
}

/* ------------------------------------------------------------------ */

typedef struct side {
  rl_dlink_ctx *ctx;
  struct sockaddr_in addr;
  int paused;
  int refuse; /* on_incoming says no */
  int ups, closes, oversizes, incomings;
  rl_dlink *up;
  rl_link_fail why;
  char detail[512];
  size_t nmsg, bad; /* bad: 1 + index of the first wrong message */
  size_t msg_len;
  int reply_on_oversize;
} side;

static side sa, sb;

static uint64_t now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* Message i: its index in the first 4 bytes, then a pattern. */
static void make_msg(uint8_t *m, size_t len, size_t i) {
  for (size_t k = 0; k < len; k++) m[k] = (uint8_t)(k * 7 + i);
  if (len >= 4) {
    m[0] = (uint8_t)(i >> 24);
    m[1] = (uint8_t)(i >> 16);
    m[2] = (uint8_t)(i >> 8);
    m[3] = (uint8_t)i;
  }
}

static int cb_incoming(void *u, rl_dlink *l) {
  side *s = u;
  (void)l;
  s->incomings++;
  return !s->refuse;
}

static void cb_up(void *u, rl_dlink *l) {
  side *s = u;
  s->ups++;
  s->up = l;
}

static void cb_message(void *u, rl_dlink *l, const uint8_t *m, size_t len) {
  side *s = u;
  uint8_t want[MAXMSG];
  (void)l;
  make_msg(want, len, s->nmsg);
  if (!s->bad && (len != s->msg_len || memcmp(m, want, len) != 0)) s->bad = s->nmsg + 1;
  s->nmsg++;
}

static void cb_oversize(void *u, rl_dlink *l, const uint8_t *h, size_t hl, size_t announced) {
  side *s = u;
  static const uint8_t answer[] = "too large";
  (void)h;
  (void)hl;
  (void)announced;
  s->oversizes++;
  if (s->reply_on_oversize) ck_assert_int_eq(rl_dlink_send(l, answer, sizeof answer), 0);
}

static void cb_closed(void *u, rl_dlink *l, rl_link_fail why, const char *detail) {
  side *s = u;
  s->closes++;
  s->why = why;
  snprintf(s->detail, sizeof s->detail, "%s", detail);
  if (s->up == l) s->up = NULL;
}

static const rl_dlink_callbacks cbs = {cb_incoming, cb_up, cb_message, cb_oversize, cb_closed};

static void side_init(side *s, rl_link_mode mode, rl_credentials *cred, uint64_t keepalive) {
  rl_link_params p;
  struct sockaddr_in a;
  struct sockaddr_storage ss;
  socklen_t len;
  char why[256];
  memset(s, 0, sizeof *s);
  memset(&p, 0, sizeof p);
  p.mode = mode;
  p.max_message_size = MAXMSG;
  p.cred = cred;
  p.trust = trust;
  p.keepalive_ms = keepalive;
  p.handshake_timeout_ms = 3000;
  memset(&a, 0, sizeof a);
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  s->ctx = rl_dlink_ctx_new(&p, &cbs, s, (struct sockaddr *)&a, sizeof a, why, sizeof why);
  ck_assert_msg(s->ctx != NULL, "%s", why);
  rl_dlink_ctx_local_addr(s->ctx, &ss, &len);
  memcpy(&s->addr, &ss, sizeof s->addr);
}

static void side_free(side *s) {
  rl_dlink_ctx_free(s->ctx);
  s->ctx = NULL;
}

/* Poll both sides for up to ms, until done() says so. An extra fd (the
 * lossy relay) is served by relay_fn. */
static int relay_fd = -1;
static void (*relay_fn)(void);
static void (*carrier_fn)(void); /* every turn, when set */

static int run(uint64_t ms, int (*done)(void)) {
  uint64_t end = now_ms() + ms;
  while (now_ms() < end) {
    struct pollfd pfd[3];
    side *sides[2] = {&sa, &sb};
    int n = 0;
    if (done && done()) return 1;
    for (int i = 0; i < 2; i++) {
      pfd[i].fd = sides[i]->ctx && !sides[i]->paused ? rl_dlink_ctx_fd(sides[i]->ctx) : -1;
      pfd[i].events = POLLIN;
      pfd[i].revents = 0;
    }
    n = 2;
    if (relay_fd >= 0) {
      pfd[n].fd = relay_fd;
      pfd[n].events = POLLIN;
      pfd[n++].revents = 0;
    }
    poll(pfd, (nfds_t)n, 5);
    for (int i = 0; i < 2; i++) {
      if (!sides[i]->ctx || sides[i]->paused) continue;
      rl_dlink_ctx_handle(sides[i]->ctx, pfd[i].revents, now_ms());
      rl_dlink_ctx_tick(sides[i]->ctx, now_ms());
    }
    if (relay_fd >= 0 && (pfd[2].revents & POLLIN)) relay_fn();
    if (carrier_fn) carrier_fn();
  }
  return done ? done() : 1;
}

static int both_up(void) { return sa.ups == 1 && sb.ups == 1; }

static rl_dlink *connect_ab(void) {
  rl_dlink *l = rl_dlink_connect(sa.ctx, (struct sockaddr *)&sb.addr, sizeof sb.addr);
  ck_assert_ptr_nonnull(l);
  /* One link per address. */
  ck_assert_ptr_null(rl_dlink_connect(sa.ctx, (struct sockaddr *)&sb.addr, sizeof sb.addr));
  return l;
}

static size_t want_msgs;
static int a_acked(void) {
  rl_dlink_stats st;
  if (!sa.up) return 0;
  rl_dlink_get_stats(sa.up, &st);
  return st.queued == 0;
}
static int b_has_all(void) { return sb.nmsg >= want_msgs; }
static int a_has_all(void) { return sa.nmsg >= want_msgs; }

START_TEST(handshake_and_messages) {
  uint8_t m[MAXMSG];
  rl_dlink *l;
  rl_dlink_stats st;
  side_init(&sa, RL_LINK_DTLS, cred_a, 0);
  side_init(&sb, RL_LINK_DTLS, cred_b, 0);
  l = connect_ab();
  ck_assert_int_eq(rl_dlink_send(l, (const uint8_t *)"", 0), RL_ERR_PARAM);
  ck_assert_int_eq(rl_dlink_send(l, m, MAXMSG + 1), RL_ERR_PARAM);
  ck_assert_msg(run(5000, both_up), "handshake: a %d b %d (%s / %s)", sa.ups, sb.ups, sa.detail,
                sb.detail);
  ck_assert_int_eq(sb.incomings, 1);
  /* 11.3: each side has the other's node certificate. */
  ck_assert_ptr_nonnull(rl_dlink_peer_cert(sa.up));
  ck_assert_mem_eq(rl_dlink_peer_cert(sa.up)->node_ids[0], ids[1], 16);
  ck_assert_mem_eq(rl_dlink_peer_cert(sb.up)->node_ids[0], ids[0], 16);
  /* 30 messages of every size up to max-message-size, each way, in order. */
  sa.msg_len = sb.msg_len = 4000;
  for (size_t i = 0; i < 30; i++) {
    make_msg(m, 4000, i);
    ck_assert_int_eq(rl_dlink_send(sa.up, m, 4000), 0);
    ck_assert_int_eq(rl_dlink_send(sb.up, m, 4000), 0);
  }
  want_msgs = 30;
  ck_assert_msg(run(10000, b_has_all) && run(10000, a_has_all), "a %zu b %zu", sa.nmsg, sb.nmsg);
  ck_assert_uint_eq(sa.bad, 0);
  ck_assert_uint_eq(sb.bad, 0);
  ck_assert(run(3000, a_acked));
  rl_dlink_get_stats(sa.up, &st);
  ck_assert_uint_eq(st.messages_acked, 30);
  ck_assert_uint_ge(st.acks_sent, 30);
  ck_assert_uint_ge(st.rtt_samples, 30);
  ck_assert_uint_eq(st.retransmissions, 0);
  ck_assert_uint_eq(st.queued, 0);
  /* Close: B hears close_notify. */
  rl_dlink_close(sa.up);
  ck_assert_int_eq(rl_dlink_send(sa.up, m, 10), RL_ERR_IO);
  run(2000, NULL);
  ck_assert_int_eq(sa.closes, 1);
  ck_assert_int_eq(sa.why, RL_LINK_CLOSED_LOCALLY);
  ck_assert_int_eq(sb.closes, 1);
  ck_assert_msg(sb.why == RL_LINK_FAIL_EOF, "%s", sb.detail);
  side_free(&sa);
  side_free(&sb);
}
END_TEST

static int a_closed(void) { return sa.closes > 0; }

START_TEST(rogue_certificate_refused) {
  side_init(&sa, RL_LINK_DTLS, cred_rogue, 0);
  side_init(&sb, RL_LINK_DTLS, cred_b, 0);
  connect_ab();
  run(5000, a_closed);
  run(300, NULL);
  ck_assert_int_eq(sb.ups, 0);
  ck_assert_int_eq(sa.ups, 0);
  ck_assert_int_eq(sb.closes, 1);
  ck_assert_msg(sb.why == RL_LINK_FAIL_CERT, "%d %s", sb.why, sb.detail);
  ck_assert_int_eq(sa.closes, 1);
  side_free(&sa);
  side_free(&sb);
}
END_TEST

START_TEST(refused_by_admission) {
  side_init(&sa, RL_LINK_DTLS, cred_a, 0);
  side_init(&sb, RL_LINK_DTLS, cred_b, 0);
  sb.refuse = 1;
  connect_ab();
  /* No answer at all: the handshake times out (3 s here). */
  ck_assert(run(6000, a_closed));
  ck_assert_int_eq(sa.why, RL_LINK_FAIL_TIMEOUT);
  ck_assert_int_ge(sb.incomings, 1);
  ck_assert_int_eq(sb.closes, 0);
  side_free(&sa);
  side_free(&sb);
}
END_TEST

START_TEST(silent_far_end_fails) {
  rl_dlink_stats st;
  uint64_t t0;
  side_init(&sa, RL_LINK_DTLS, cred_a, 200);
  side_init(&sb, RL_LINK_DTLS, cred_b, 200);
  connect_ab();
  ck_assert(run(5000, both_up));
  run(600, NULL); /* keepalives give RTT samples */
  rl_dlink_get_stats(sa.up, &st);
  ck_assert_uint_ge(st.keepalives_sent, 1);
  ck_assert_uint_ge(sb.up ? 1 : 0, 1);
  /* B stops: A's keepalive goes unacked five times, 6.6.3.1. */
  sb.paused = 1;
  t0 = now_ms();
  ck_assert(run(20000, a_closed));
  ck_assert_msg(sa.why == RL_LINK_FAIL_TIMEOUT, "%s", sa.detail);
  /* 200 ms keepalive + (1+2+4+8+16) RTO with RTO >= 200 ms: >= 6.2 s. */
  ck_assert_uint_ge(now_ms() - t0, 6000);
  ck_assert_int_eq(sa.nmsg, 0); /* keepalives never reach on_message */
  side_free(&sa);
  side_free(&sb);
}
END_TEST

static int b_oversized_and_a_answered(void) { return sb.oversizes == 1 && sa.nmsg == 1; }

START_TEST(oversize_refused) {
  rl_link_params p;
  char why[256];
  uint8_t m[MAXMSG + 100];
  struct sockaddr_in lo;
  side_init(&sa, RL_LINK_DTLS, cred_a, 0);
  side_init(&sb, RL_LINK_DTLS, cred_b, 0);
  /* A allows larger messages than B. */
  rl_dlink_ctx_free(sa.ctx);
  memset(&p, 0, sizeof p);
  p.mode = RL_LINK_DTLS;
  p.max_message_size = MAXMSG + 100;
  p.cred = cred_a;
  p.trust = trust;
  memset(&lo, 0, sizeof lo);
  lo.sin_family = AF_INET;
  lo.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  sa.ctx = rl_dlink_ctx_new(&p, &cbs, &sa, (struct sockaddr *)&lo, sizeof lo, why, sizeof why);
  ck_assert_ptr_nonnull(sa.ctx);
  /* Over a DTLS record's worth: refused up front. */
  p.max_message_size = RL_DLINK_MSG_MAX + 1;
  ck_assert_ptr_null(rl_dlink_ctx_new(&p, &cbs, &sa, (struct sockaddr *)&lo, sizeof lo, why,
                                      sizeof why));
  connect_ab();
  ck_assert(run(5000, both_up));
  sb.reply_on_oversize = 1;
  sa.msg_len = 10; /* "too large\0" */
  make_msg(m, sizeof m, 0);
  ck_assert_int_eq(rl_dlink_send(sa.up, m, MAXMSG + 1), 0);
  ck_assert(run(5000, b_oversized_and_a_answered));
  run(1000, NULL);
  ck_assert_int_eq(sb.nmsg, 0);
  ck_assert_int_eq(sb.closes, 1);
  ck_assert_int_eq(sb.why, RL_LINK_FAIL_OVERSIZE);
  side_free(&sa);
  side_free(&sb);
}
END_TEST

/* A relay between A and B that drops every third datagram from A once
 * the handshake is over (the records after the first `keep`). */
static struct sockaddr_in relay_a;
static int relay_seen_a, relay_count, relay_dropped;
static void relay(void) {
  uint8_t buf[65536];
  struct sockaddr_in from;
  socklen_t fl = sizeof from;
  ssize_t n = recvfrom(relay_fd, buf, sizeof buf, 0, (struct sockaddr *)&from, &fl);
  if (n < 0) return;
  if (from.sin_port == sb.addr.sin_port) {
    if (relay_seen_a) sendto(relay_fd, buf, (size_t)n, 0, (struct sockaddr *)&relay_a, sizeof relay_a);
    return;
  }
  relay_a = from;
  relay_seen_a = 1;
  /* Application data records (type 23) only: every third is lost. */
  if (buf[0] == 23 && ++relay_count % 3 == 0) {
    relay_dropped++;
    return;
  }
  sendto(relay_fd, buf, (size_t)n, 0, (struct sockaddr *)&sb.addr, sizeof sb.addr);
}

START_TEST(retransmits_through_loss) {
  struct sockaddr_in r;
  socklen_t rl = sizeof r;
  uint8_t m[1000];
  rl_dlink_stats st;
  side_init(&sa, RL_LINK_DTLS, cred_a, 0);
  side_init(&sb, RL_LINK_DTLS, cred_b, 0);
  relay_fd = socket(AF_INET, SOCK_DGRAM, 0);
  memset(&r, 0, sizeof r);
  r.sin_family = AF_INET;
  r.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ck_assert_int_eq(bind(relay_fd, (struct sockaddr *)&r, sizeof r), 0);
  getsockname(relay_fd, (struct sockaddr *)&r, &rl);
  relay_fn = relay;
  ck_assert_ptr_nonnull(rl_dlink_connect(sa.ctx, (struct sockaddr *)&r, sizeof r));
  ck_assert(run(5000, both_up));
  sb.msg_len = sizeof m;
  for (size_t i = 0; i < 12; i++) {
    make_msg(m, sizeof m, i);
    ck_assert_int_eq(rl_dlink_send(sa.up, m, sizeof m), 0);
  }
  want_msgs = 12;
  ck_assert_msg(run(30000, b_has_all), "b got %zu", sb.nmsg);
  ck_assert_uint_eq(sb.bad, 0);
  ck_assert(run(10000, a_acked));
  rl_dlink_get_stats(sa.up, &st);
  ck_assert_uint_ge(relay_dropped, 3);
  ck_assert_uint_ge(st.retransmissions, relay_dropped);
  ck_assert_uint_eq(st.messages_acked, 12);
  close(relay_fd);
  relay_fd = -1;
  side_free(&sa);
  side_free(&sb);
}
END_TEST

START_TEST(crossed_handshakes) {
  side_init(&sa, RL_LINK_DTLS, cred_a, 0);
  side_init(&sb, RL_LINK_DTLS, cred_b, 0);
  ck_assert_ptr_nonnull(rl_dlink_connect(sa.ctx, (struct sockaddr *)&sb.addr, sizeof sb.addr));
  ck_assert_ptr_nonnull(rl_dlink_connect(sb.ctx, (struct sockaddr *)&sa.addr, sizeof sa.addr));
  ck_assert(run(5000, both_up));
  run(300, NULL);
  /* One side gave its own connection up; one link, up at both ends. */
  ck_assert_int_eq(sa.closes + sb.closes, 1);
  ck_assert_int_eq(rl_dlink_ctx_count(sa.ctx), 1);
  ck_assert_int_eq(rl_dlink_ctx_count(sb.ctx), 1);
  ck_assert_ptr_nonnull(sa.up);
  ck_assert_ptr_nonnull(sb.up);
  side_free(&sa);
  side_free(&sb);
}
END_TEST

START_TEST(insecure_udp) {
  uint8_t m[300];
  side_init(&sa, RL_LINK_UDP_INSECURE, NULL, 0);
  side_init(&sb, RL_LINK_UDP_INSECURE, NULL, 0);
  connect_ab();
  run(200, NULL);
  ck_assert_int_eq(sa.ups, 1);
  ck_assert_int_eq(sb.ups, 0); /* B hears of A with the first frame */
  sb.msg_len = sa.msg_len = sizeof m;
  for (size_t i = 0; i < 5; i++) {
    make_msg(m, sizeof m, i);
    ck_assert_int_eq(rl_dlink_send(sa.up, m, sizeof m), 0);
  }
  want_msgs = 5;
  ck_assert(run(5000, b_has_all));
  ck_assert_int_eq(sb.ups, 1);
  ck_assert_ptr_null(rl_dlink_peer_cert(sb.up));
  make_msg(m, sizeof m, 0);
  ck_assert_int_eq(rl_dlink_send(sb.up, m, sizeof m), 0);
  want_msgs = 1;
  ck_assert(run(5000, a_has_all));
  ck_assert_uint_eq(sa.bad + sb.bad, 0);
  side_free(&sa);
  side_free(&sb);
}
END_TEST

/* A context freed (a peer exiting) sends close_notify on its links: the
 * far end reports the link closed at once, not after its retransmissions. */
static int b_closed(void) { return sb.closes > 0; }
START_TEST(ctx_free_tells_far_end) {
  side_init(&sa, RL_LINK_DTLS, cred_a, 0);
  side_init(&sb, RL_LINK_DTLS, cred_b, 0);
  connect_ab();
  ck_assert(run(5000, both_up));
  side_free(&sa);
  ck_assert(run(1000, b_closed));
  ck_assert_msg(sb.why == RL_LINK_FAIL_EOF, "%s", sb.detail);
  side_free(&sb);
}
END_TEST

/* A far end that starts over on the same address (a restarted peer): its
 * new ClientHello replaces the old link, which is reported closed. */
START_TEST(far_end_restarts) {
  struct sockaddr_in a_addr;
  int closes;
  side_init(&sa, RL_LINK_DTLS, cred_a, 0);
  side_init(&sb, RL_LINK_DTLS, cred_b, 0);
  connect_ab();
  ck_assert(run(5000, both_up));
  run(2100, NULL); /* older than a crossed handshake's late copy */
  /* A starts over: a new context on the same port, connecting again. */
  a_addr = sa.addr;
  rl_dlink_ctx_free(sa.ctx);
  {
    rl_link_params p;
    char why[256];
    memset(&p, 0, sizeof p);
    p.mode = RL_LINK_DTLS;
    p.max_message_size = MAXMSG;
    p.cred = cred_a;
    p.trust = trust;
    sa.ctx = rl_dlink_ctx_new(&p, &cbs, &sa, (struct sockaddr *)&a_addr, sizeof a_addr, why,
                              sizeof why);
    ck_assert_msg(sa.ctx != NULL, "%s", why);
  }
  sa.ups = 0;
  sb.ups = 0;
  closes = sb.closes;
  connect_ab();
  ck_assert_msg(run(5000, both_up), "a %d b %d: %s", sa.ups, sb.ups, sb.detail);
  ck_assert_int_eq(sb.closes, closes + 1);
  ck_assert_msg(sb.why == RL_LINK_FAIL_EOF, "%s", sb.detail);
  ck_assert_int_eq(rl_dlink_ctx_count(sb.ctx), 1);
  ck_assert_int_eq(sb.incomings, 2);
  side_free(&sa);
  side_free(&sb);
}
END_TEST

/* The key log (net/tls.h): both ends of one DTLS session log the same
 * master secret under the same client random, in the NSS format
 * Wireshark reads. */
START_TEST(key_log) {
  char path[] = "/tmp/dlink-keylog-XXXXXX", why[256], line[2][512];
  int fd = mkstemp(path), n = 0;
  FILE *f;
  ck_assert_int_ge(fd, 0);
  close(fd);
  ck_assert_int_eq(rl_tls_keylog_open(path, why, sizeof why), 0);
  ck_assert_str_eq(rl_tls_keylog_path(), path);
  side_init(&sa, RL_LINK_DTLS, cred_a, 0);
  side_init(&sb, RL_LINK_DTLS, cred_b, 0);
  connect_ab();
  ck_assert(run(5000, both_up));
  f = fopen(path, "r");
  ck_assert_ptr_nonnull(f);
  while (n < 2 && fgets(line[n], sizeof line[n], f)) n++;
  ck_assert_int_eq(n, 2);
  ck_assert_ptr_null(fgets(line[0] + 256, 256, f)); /* DTLS 1.2: one line per end */
  fclose(f);
  unlink(path);
  /* "CLIENT_RANDOM" <32 bytes hex> <48 bytes hex> */
  ck_assert_uint_eq(strlen(line[0]), 13 + 1 + 64 + 1 + 96 + 1);
  ck_assert(strncmp(line[0], "CLIENT_RANDOM ", 14) == 0);
  ck_assert_str_eq(line[0], line[1]);
  ck_assert_int_ne(rl_tls_keylog_open("/nonexistent-dir/keys", why, sizeof why), 0);
  side_free(&sa);
  side_free(&sb);
}
END_TEST

/* A carrier in memory between two links made by rl_dlink_over: each
 * datagram is queued for the other end, and every fifth is lost. */
typedef struct carried {
  uint8_t b[2048];
  size_t len;
  int to_b;
} carried;
static carried carq[256];
static size_t ncarq, ncarried, nlost;
static int carrier_lossy;
static rl_dlink *over_a, *over_b;

static int carrier_tx(void *user, const uint8_t *buf, size_t len) {
  if (ncarq == 256 || len > sizeof carq[0].b) return -1;
  if (++ncarried % 5 == 0 && carrier_lossy) {
    nlost++;
    return 0;
  }
  memcpy(carq[ncarq].b, buf, len);
  carq[ncarq].len = len;
  carq[ncarq++].to_b = user == &sb;
  return 0;
}

static void carrier_deliver(void) {
  static carried now[256];
  size_t n = ncarq;
  memcpy(now, carq, n * sizeof now[0]);
  ncarq = 0;
  for (size_t i = 0; i < n; i++) {
    rl_dlink *to = now[i].to_b ? over_b : over_a;
    if (to) rl_dlink_input(to, now[i].b, now[i].len, now_ms());
  }
}

START_TEST(over_another_carrier) {
  uint8_t m[MAXMSG];
  struct sockaddr_in far;
  rl_dlink_stats st;
  side_init(&sa, RL_LINK_DTLS_ICE, cred_a, 0);
  side_init(&sb, RL_LINK_DTLS_ICE, cred_b, 0);
  memset(&far, 0, sizeof far);
  far.sin_family = AF_INET;
  far.sin_addr.s_addr = htonl(0xcb007101); /* 203.0.113.1: shown only, never sent to */
  far.sin_port = htons(4000);
  /* 6.5.1.13: the Attach's sender (here A) is the DTLS server. */
  over_a = rl_dlink_over(sa.ctx, 0, (struct sockaddr *)&far, sizeof far, carrier_tx, &sb);
  over_b = rl_dlink_over(sb.ctx, 1, (struct sockaddr *)&far, sizeof far, carrier_tx, &sa);
  ck_assert_ptr_nonnull(over_a);
  ck_assert_ptr_nonnull(over_b);
  ck_assert_ptr_null(rl_dlink_over(sa.ctx, 0, (struct sockaddr *)&far, sizeof far, NULL, NULL));
  /* Not found by address: the socket's datagrams never reach it. */
  ck_assert_ptr_null(rl_dlink_find(sa.ctx, (struct sockaddr *)&far, sizeof far));
  carrier_fn = carrier_deliver;
  carrier_lossy = 1;
  ck_assert_msg(run(10000, both_up), "handshake: a %d b %d (%s / %s)", sa.ups, sb.ups, sa.detail,
                sb.detail);
  ck_assert_int_eq(sa.incomings + sb.incomings, 0);
  ck_assert_mem_eq(rl_dlink_peer_cert(sa.up)->node_ids[0], ids[1], 16);
  ck_assert_mem_eq(rl_dlink_peer_cert(sb.up)->node_ids[0], ids[0], 16);
  ck_assert_int_eq(rl_dlink_is_outgoing(sb.up), 1);
  sa.msg_len = sb.msg_len = 1000;
  for (size_t i = 0; i < 20; i++) {
    make_msg(m, 1000, i);
    ck_assert_int_eq(rl_dlink_send(sa.up, m, 1000), 0);
    ck_assert_int_eq(rl_dlink_send(sb.up, m, 1000), 0);
  }
  want_msgs = 20;
  ck_assert_msg(run(30000, b_has_all) && run(30000, a_has_all), "a %zu b %zu", sa.nmsg, sb.nmsg);
  ck_assert_uint_eq(sa.bad, 0);
  ck_assert_uint_eq(sb.bad, 0);
  /* The carrier lost every fifth datagram: SR retransmitted (6.6.3.1). */
  rl_dlink_get_stats(sa.up, &st);
  ck_assert_uint_gt(nlost, 0);
  ck_assert_uint_gt(st.retransmissions + st.datagrams_sent, 0);
  {
    rl_dlink_stats sbst;
    rl_dlink_get_stats(sb.up, &sbst);
    ck_assert_uint_gt(st.retransmissions + sbst.retransmissions, 0);
  }
  carrier_lossy = 0; /* close_notify is one datagram, never retransmitted */
  rl_dlink_close(sa.up);
  run(3000, NULL);
  ck_assert_int_eq(sa.closes, 1);
  ck_assert_msg(sb.closes == 1 && sb.why == RL_LINK_FAIL_EOF, "%d %s", sb.closes, sb.detail);
  carrier_fn = NULL;
  over_a = over_b = NULL;
  side_free(&sa);
  side_free(&sb);
}
END_TEST

int main(void) {
  Suite *s = suite_create("net_dlink");
  TCase *tc = tcase_create("dlink");
  SRunner *r;
  int failed;
  make_certs();
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, handshake_and_messages);
  tcase_add_test(tc, rogue_certificate_refused);
  tcase_add_test(tc, refused_by_admission);
  tcase_add_test(tc, silent_far_end_fails);
  tcase_add_test(tc, oversize_refused);
  tcase_add_test(tc, retransmits_through_loss);
  tcase_add_test(tc, crossed_handshakes);
  tcase_add_test(tc, insecure_udp);
  tcase_add_test(tc, far_end_restarts);
  tcase_add_test(tc, ctx_free_tells_far_end);
  tcase_add_test(tc, key_log);
  tcase_add_test(tc, over_another_carrier);
  suite_add_tcase(s, tc);
  r = srunner_create(s);
  srunner_run_all(r, CK_NORMAL);
  failed = srunner_ntests_failed(r);
  srunner_free(r);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
