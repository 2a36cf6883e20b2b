/* ice_test.c: ICE links through libnice (net/ice.h) between two agents of
 * one process on 127.0.0.1: candidates and credentials exchanged through
 * on_gathered, READY on both sides, a datagram each way over a host/host
 * pair; rl_ice_free from inside callbacks; a wrong password never gets
 * READY. The agents are driven by the poll loop a peer's driver uses:
 * rl_ice_ctx_prepare, poll(2), rl_ice_ctx_dispatch. */
#define _POSIX_C_SOURCE 200809L
#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "net/ice.h"
#include "net/stun_srv.h"

typedef struct side {
  rl_ice *ice;
  int gathered, ready, failed, datagrams;
  rl_ice_cand cands[RL_ICE_MAX_CANDS];
  size_t n;
  char ufrag[RL_ICE_UFRAG_MAX], pwd[RL_ICE_PWD_MAX];
  uint8_t got[128];
  size_t gotlen;
  char why[160];
  /* rl_ice_free from inside the callback named, then count what comes. */
  int free_on_gathered, free_on_ready, free_on_datagram, calls_after_free;
  int freed;
} side;

static uint64_t now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void free_self(side *s) {
  rl_ice_free(s->ice);
  s->ice = NULL;
  s->freed = 1;
}

static void on_gathered(void *user, rl_ice *ice, const rl_ice_cand *cands, size_t n,
                        const char *ufrag, const char *pwd) {
  side *s = user;
  if (s->freed) s->calls_after_free++;
  ck_assert_ptr_eq(ice, s->ice);
  ck_assert_uint_le(n, RL_ICE_MAX_CANDS);
  memcpy(s->cands, cands, n * sizeof *cands);
  s->n = n;
  snprintf(s->ufrag, sizeof s->ufrag, "%s", ufrag);
  snprintf(s->pwd, sizeof s->pwd, "%s", pwd);
  s->gathered++;
  if (s->free_on_gathered) free_self(s);
}

static void on_ready(void *user, rl_ice *ice) {
  side *s = user;
  if (s->freed) s->calls_after_free++;
  ck_assert_ptr_eq(ice, s->ice);
  s->ready++;
  if (s->free_on_ready) free_self(s);
}

static void on_failed(void *user, rl_ice *ice, const char *why) {
  side *s = user;
  if (s->freed) s->calls_after_free++;
  ck_assert_ptr_eq(ice, s->ice);
  snprintf(s->why, sizeof s->why, "%s", why);
  s->failed++;
}

static void on_datagram(void *user, rl_ice *ice, const uint8_t *buf, size_t len) {
  side *s = user;
  if (s->freed) s->calls_after_free++;
  ck_assert_ptr_eq(ice, s->ice);
  if (len <= sizeof s->got) {
    memcpy(s->got, buf, len);
    s->gotlen = len;
  }
  s->datagrams++;
  if (s->free_on_datagram) free_self(s);
}

static const rl_ice_callbacks cbs = {on_gathered, on_ready, on_failed, on_datagram};

static rl_ice_ctx *loopback_ctx(void) {
  rl_ice_config cfg;
  struct sockaddr_in *sin = (struct sockaddr_in *)&cfg.bind;
  char why[200] = "";
  rl_ice_ctx *ctx;
  memset(&cfg, 0, sizeof cfg);
  sin->sin_family = AF_INET;
  sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ctx = rl_ice_ctx_new(&cfg, why, sizeof why);
  ck_assert_msg(ctx != NULL, "rl_ice_ctx_new: %s", why);
  return ctx;
}

/* The driver's loop: until done(a, b) or ms pass. Returns done's value. */
typedef int (*done_fn)(const side *a, const side *b);
static int run(rl_ice_ctx *ctx, side *a, side *b, done_fn done, unsigned ms) {
  uint64_t end = now_ms() + ms;
  struct pollfd pfd[64];
  while (!done(a, b) && now_ms() < end) {
    int timeout = 100;
    size_t n = rl_ice_ctx_prepare(ctx, pfd, 64, &timeout);
    ck_assert_uint_le(n, 64);
    ck_assert_int_ge(timeout, 0);
    ck_assert_int_le(timeout, 100);
    (void)poll(pfd, n, timeout);
    rl_ice_ctx_dispatch(ctx, pfd, n);
  }
  return done(a, b);
}

static int both_gathered(const side *a, const side *b) { return a->gathered && b->gathered; }
static int both_ready(const side *a, const side *b) { return a->ready && b->ready; }
static int both_got(const side *a, const side *b) { return a->datagrams && b->datagrams; }
static int a_failed(const side *a, const side *b) { (void)b; return a->failed; }
static int never(const side *a, const side *b) { (void)a; (void)b; return 0; }

/* Both sides gather, then each gets the other's candidates: a is the
 * Attach requester (controlling), b the answerer. */
static void start(rl_ice_ctx *ctx, side *a, side *b) {
  a->ice = rl_ice_new(ctx, 1, &cbs, a);
  b->ice = rl_ice_new(ctx, 0, &cbs, b);
  ck_assert_ptr_nonnull(a->ice);
  ck_assert_ptr_nonnull(b->ice);
  ck_assert_msg(run(ctx, a, b, both_gathered, 5000), "gathering did not end");
  ck_assert_uint_eq(a->gathered, 1);
  ck_assert_uint_ge(a->n, 1);
  ck_assert_uint_ge(b->n, 1);
}

static void exchange(side *a, side *b) {
  ck_assert_msg(rl_ice_set_remote(a->ice, b->ufrag, b->pwd, b->cands, b->n) == 0, "a: %s",
                rl_ice_last_error(a->ice));
  ck_assert_msg(rl_ice_set_remote(b->ice, a->ufrag, a->pwd, a->cands, a->n) == 0, "b: %s",
                rl_ice_last_error(b->ice));
}

static void check_loopback_host(const rl_ice_cand *c) {
  const struct sockaddr_in *sin = (const struct sockaddr_in *)&c->addr;
  ck_assert_int_eq(c->type, RL_ICE_CAND_HOST);
  ck_assert_int_eq(sin->sin_family, AF_INET);
  ck_assert_uint_eq(ntohl(sin->sin_addr.s_addr), INADDR_LOOPBACK);
  ck_assert_uint_ne(ntohs(sin->sin_port), 0);
  ck_assert_int_eq(c->rel_addr.ss_family, 0);
  ck_assert_uint_gt(strlen(c->foundation), 0);
  ck_assert_uint_gt(c->priority, 0);
}

START_TEST(connect_and_exchange) {
  rl_ice_ctx *ctx = loopback_ctx();
  side a, b;
  rl_ice_cand l, r;
  struct pollfd few[1];
  int timeout = -1;
  size_t i;
  memset(&a, 0, sizeof a);
  memset(&b, 0, sizeof b);
  start(ctx, &a, &b);
  /* Too small an array: the count needed, then the loop prepares again. */
  ck_assert_uint_ge(rl_ice_ctx_prepare(ctx, few, 0, &timeout), 2); /* a socket per agent */
  for (i = 0; i < a.n; i++) check_loopback_host(&a.cands[i]);
  for (i = 0; i < b.n; i++) check_loopback_host(&b.cands[i]);
  ck_assert_uint_ge(strlen(a.ufrag), 4);
  ck_assert_uint_ge(strlen(a.pwd), 22);
  ck_assert_int_eq(rl_ice_send(a.ice, (const uint8_t *)"x", 1), -1); /* not READY yet */
  ck_assert_int_eq(rl_ice_selected(a.ice, &l, &r), -1);
  exchange(&a, &b);
  ck_assert_msg(run(ctx, &a, &b, both_ready, 10000), "not READY: a %d (%s), b %d (%s)", a.ready,
                a.why, b.ready, b.why);
  ck_assert_int_eq(a.failed + b.failed, 0);
  /* The nominated pair: host/host on loopback, a's local is b's remote. */
  ck_assert_int_eq(rl_ice_selected(a.ice, &l, &r), 0);
  check_loopback_host(&l);
  check_loopback_host(&r);
  ck_assert_int_eq(memcmp(&r.addr, &b.cands[0].addr, sizeof(struct sockaddr_in)), 0);
  ck_assert_int_eq(rl_ice_selected(b.ice, &l, &r), 0);
  check_loopback_host(&l);
  check_loopback_host(&r);
  ck_assert_int_eq(rl_ice_send(a.ice, (const uint8_t *)"ping", 4), 0);
  ck_assert_int_eq(rl_ice_send(b.ice, (const uint8_t *)"pong!", 5), 0);
  ck_assert_msg(run(ctx, &a, &b, both_got, 5000), "datagrams: a %d, b %d", a.datagrams,
                b.datagrams);
  ck_assert_uint_eq(b.gotlen, 4);
  ck_assert_int_eq(memcmp(b.got, "ping", 4), 0);
  ck_assert_uint_eq(a.gotlen, 5);
  ck_assert_int_eq(memcmp(a.got, "pong!", 5), 0);
  ck_assert_int_eq(a.ready, 1); /* once */
  ck_assert_int_eq(b.ready, 1);
  rl_ice_free(a.ice);
  rl_ice_free(b.ice);
  rl_ice_ctx_free(ctx);
}
END_TEST

/* rl_ice_free from inside on_gathered, on_ready and on_datagram: nothing
 * of that link calls back again, and the loop goes on (run under valgrind
 * or the sanitizers to see use after free). */
START_TEST(free_inside_callbacks) {
  rl_ice_ctx *ctx = loopback_ctx();
  side a, b, c, d;
  memset(&a, 0, sizeof a);
  memset(&b, 0, sizeof b);
  start(ctx, &a, &b);
  exchange(&a, &b);
  a.free_on_ready = 1;
  ck_assert(run(ctx, &a, &b, both_ready, 10000) || (a.freed && b.ready));
  ck_assert(a.freed);
  run(ctx, &a, &b, never, 300);
  ck_assert_int_eq(a.calls_after_free, 0);
  ck_assert_int_eq(a.ready, 1);
  rl_ice_free(b.ice);

  /* A fresh pair: c frees itself on its first datagram, d on gathering. */
  memset(&c, 0, sizeof c);
  memset(&d, 0, sizeof d);
  start(ctx, &c, &d);
  exchange(&c, &d);
  c.free_on_datagram = 1;
  ck_assert(run(ctx, &c, &d, both_ready, 10000));
  ck_assert_int_eq(rl_ice_send(d.ice, (const uint8_t *)"one", 3), 0);
  ck_assert_int_eq(rl_ice_send(d.ice, (const uint8_t *)"two", 3), 0);
  run(ctx, &c, &d, never, 300);
  ck_assert(c.freed);
  ck_assert_int_eq(c.datagrams, 1);
  ck_assert_int_eq(c.calls_after_free, 0);
  rl_ice_free(d.ice);

  memset(&d, 0, sizeof d);
  d.free_on_gathered = 1;
  d.ice = rl_ice_new(ctx, 0, &cbs, &d);
  ck_assert_ptr_nonnull(d.ice);
  run(ctx, &d, &d, never, 300);
  ck_assert(d.freed);
  ck_assert_int_eq(d.gathered, 1);
  ck_assert_int_eq(d.calls_after_free, 0);
  rl_ice_ctx_free(ctx);
}
END_TEST

/* a has b's candidates but a wrong password: its checks are refused
 * (401, RFC 8445 7.2.5.2.4 does not make them succeed), so a never gets
 * READY, and on_failed comes when its checks run out. */
START_TEST(wrong_password_fails) {
  rl_ice_ctx *ctx = loopback_ctx();
  side a, b;
  uint64_t t0;
  memset(&a, 0, sizeof a);
  memset(&b, 0, sizeof b);
  start(ctx, &a, &b);
  ck_assert_int_eq(rl_ice_set_remote(a.ice, b.ufrag, "wrongwrongwrongwrongwrong", b.cands, b.n),
                   0);
  ck_assert_int_eq(rl_ice_set_remote(b.ice, a.ufrag, a.pwd, a.cands, a.n), 0);
  t0 = now_ms();
  ck_assert_msg(run(ctx, &a, &b, a_failed, 25000), "no on_failed after %u ms",
                (unsigned)(now_ms() - t0));
  fprintf(stderr, "ice_test: on_failed after %u ms: %s\n", (unsigned)(now_ms() - t0), a.why);
  ck_assert_int_eq(a.ready, 0);
  ck_assert_uint_gt(strlen(a.why), 0);
  ck_assert_int_eq(rl_ice_send(a.ice, (const uint8_t *)"x", 1), -1);
  rl_ice_free(a.ice);
  rl_ice_free(b.ice);
  rl_ice_ctx_free(ctx);
}
END_TEST

START_TEST(refused_input) {
  rl_ice_ctx *ctx = loopback_ctx();
  rl_ice_config cfg;
  char why[200] = "";
  side a, b;
  rl_ice_cand bad;
  memset(&a, 0, sizeof a);
  memset(&b, 0, sizeof b);
  memset(&cfg, 0, sizeof cfg);
  cfg.stun.ss_family = AF_UNIX;
  ck_assert_ptr_null(rl_ice_ctx_new(&cfg, why, sizeof why));
  ck_assert_msg(strstr(why, "STUN") != NULL, "%s", why);
  start(ctx, &a, &b);
  ck_assert_int_eq(rl_ice_set_remote(a.ice, "ab", b.pwd, b.cands, b.n), -1);
  ck_assert_msg(strstr(rl_ice_last_error(a.ice), "ufrag") != NULL, "%s", rl_ice_last_error(a.ice));
  ck_assert_int_eq(rl_ice_set_remote(a.ice, b.ufrag, "short", b.cands, b.n), -1);
  ck_assert_int_eq(rl_ice_set_remote(a.ice, b.ufrag, b.pwd, b.cands, 0), -1);
  bad = b.cands[0];
  strcpy(bad.foundation, "a b");
  ck_assert_int_eq(rl_ice_set_remote(a.ice, b.ufrag, b.pwd, &bad, 1), -1);
  ck_assert_msg(strstr(rl_ice_last_error(a.ice), "foundation") != NULL, "%s",
                rl_ice_last_error(a.ice));
  bad = b.cands[0];
  bad.addr.ss_family = AF_UNIX;
  ck_assert_int_eq(rl_ice_set_remote(a.ice, b.ufrag, b.pwd, &bad, 1), -1);
  bad = b.cands[0];
  bad.type = (rl_ice_cand_type)9;
  ck_assert_int_eq(rl_ice_set_remote(a.ice, b.ufrag, b.pwd, &bad, 1), -1);
  ck_assert_str_eq(rl_ice_cand_type_name(RL_ICE_CAND_SRFLX), "srflx");
  ck_assert_str_eq(rl_ice_cand_type_name(RL_ICE_CAND_RELAY), "relay");
  /* Freed before any dispatch: no callback ever. */
  rl_ice_free(a.ice);
  rl_ice_free(b.ice);
  rl_ice_ctx_free(ctx);
}
END_TEST

/* Our STUN server (net/stun_srv.h) on a UDP socket of 127.0.0.1 is the
 * configured STUN server: libnice's gathering asks it for the
 * server-reflexive address, it answers, and gathering ends. (On loopback
 * the reflexive address is the host address, which libnice does not list
 * twice.) */
START_TEST(gathering_asks_our_stun_server) {
  rl_ice_config cfg;
  struct sockaddr_in *bind4 = (struct sockaddr_in *)&cfg.bind;
  struct sockaddr_in *stun4 = (struct sockaddr_in *)&cfg.stun;
  socklen_t slen = sizeof *stun4;
  char why[200] = "";
  int fd = socket(AF_INET, SOCK_DGRAM, 0), answered = 0;
  rl_ice_ctx *ctx;
  side a;
  uint64_t end;
  memset(&cfg, 0, sizeof cfg);
  memset(&a, 0, sizeof a);
  bind4->sin_family = AF_INET;
  bind4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  *stun4 = *bind4;
  ck_assert_int_ge(fd, 0);
  ck_assert_int_eq(bind(fd, (struct sockaddr *)stun4, sizeof *stun4), 0);
  ck_assert_int_eq(getsockname(fd, (struct sockaddr *)stun4, &slen), 0);
  ctx = rl_ice_ctx_new(&cfg, why, sizeof why);
  ck_assert_msg(ctx != NULL, "%s", why);
  a.ice = rl_ice_new(ctx, 1, &cbs, &a);
  ck_assert_ptr_nonnull(a.ice);
  end = now_ms() + 5000;
  while (!a.gathered && !a.failed && now_ms() < end) {
    struct pollfd pfd[64];
    int timeout = 100;
    size_t n = rl_ice_ctx_prepare(ctx, pfd, 63, &timeout);
    ck_assert_uint_le(n, 63);
    pfd[n].fd = fd; /* the caller's own descriptors go after GLib's */
    pfd[n].events = POLLIN;
    pfd[n].revents = 0;
    (void)poll(pfd, n + 1, timeout);
    if (pfd[n].revents & POLLIN) {
      uint8_t req[1500], out[600];
      struct sockaddr_storage from;
      socklen_t flen = sizeof from;
      size_t outlen = 0;
      ssize_t got = recvfrom(fd, req, sizeof req, 0, (struct sockaddr *)&from, &flen);
      ck_assert_int_gt(got, 0);
      ck_assert_int_ne(rl_stun_is_request(req, (size_t)got), 0);
      ck_assert_int_eq(rl_stun_answer_binding(req, (size_t)got, (struct sockaddr *)&from, out,
                                              sizeof out, &outlen),
                       RL_STUN_ANSWERED);
      ck_assert_int_eq(sendto(fd, out, outlen, 0, (struct sockaddr *)&from, flen), (ssize_t)outlen);
      answered++;
    }
    rl_ice_ctx_dispatch(ctx, pfd, n);
  }
  ck_assert_msg(a.gathered && !a.failed, "gathering did not end (%s)", a.why);
  ck_assert_int_ge(answered, 1);
  ck_assert_uint_ge(a.n, 1);
  rl_ice_free(a.ice);
  rl_ice_ctx_free(ctx);
  close(fd);
}
END_TEST

int main(void) {
  Suite *s = suite_create("net_ice");
  TCase *tc = tcase_create("ice");
  SRunner *sr;
  int failed;
  tcase_set_timeout(tc, 30);
  tcase_add_test(tc, connect_and_exchange);
  tcase_add_test(tc, free_inside_callbacks);
  tcase_add_test(tc, refused_input);
  tcase_add_test(tc, gathering_asks_our_stun_server);
  tcase_add_test(tc, wrong_password_fails);
  suite_add_tcase(s, tc);
  sr = srunner_create(s);
  srunner_run_all(sr, CK_NORMAL);
  failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
