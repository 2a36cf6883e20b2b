/* transport_ice.c: see transport_ice.h. RFC 6940 6.5.1.1 (the Attach
 * request and its answer), 6.5.1.7 (the candidates in it), 6.5.1.9 (the
 * sender controls), libnice for the rest (src/net/ice.h). */
#define _GNU_SOURCE
#include "transport_ice.h"

#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "gen/reload_codec.h"
#include "codec/message.h"
#include "net/ice.h"
#include "peer/icecand.h"
#include "peer/actq.h"
#include "peer/msg.h"
#include "runtime/arena.h"
#include "runtime/error.h"
#include "runtime/writer.h"

#define MSG_MAX 8192
#define ARENA_MAX (64 * 1024)

struct rl_conf_ice {
  rl_ice_ctx *ctx;
};

struct rl_conf_ice_link {
  rl_ice *ice;
  int gathered, ready, failed;
  char fail_why[200];
  char ufrag[RL_ICE_UFRAG_MAX + 1], pwd[RL_ICE_PWD_MAX + 1];
  rl_ice_cand cands[RL_ICE_MAX_CANDS];
  size_t ncands;
  void (*on_datagram)(void *user, const uint8_t *buf, size_t len);
  void *user;
};

static uint64_t mono_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* The local address a datagram to the target leaves from: where our host
 * candidates are. */
static int local_toward(const struct sockaddr_storage *target, socklen_t len,
                        struct sockaddr_storage *out) {
  socklen_t ol = sizeof *out;
  int fd = socket(target->ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0), r;
  if (fd < 0) return -1;
  r = connect(fd, (const struct sockaddr *)target, len) == 0 &&
              getsockname(fd, (struct sockaddr *)out, &ol) == 0
          ? 0
          : -1;
  close(fd);
  if (out->ss_family == AF_INET) ((struct sockaddr_in *)out)->sin_port = 0;
  if (out->ss_family == AF_INET6) ((struct sockaddr_in6 *)out)->sin6_port = 0;
  return r;
}

rl_conf_ice *rl_conf_ice_new(const struct sockaddr_storage *target, socklen_t len, char *why,
                             size_t whylen) {
  rl_ice_config ic;
  rl_conf_ice *I = calloc(1, sizeof *I);
  if (!I) {
    snprintf(why, whylen, "out of memory");
    return NULL;
  }
  memset(&ic, 0, sizeof ic);
  if (local_toward(target, len, &ic.bind) != 0) {
    snprintf(why, whylen, "--link dtls-ice: no local address routes to the target");
    free(I);
    return NULL;
  }
  I->ctx = rl_ice_ctx_new(&ic, why, whylen);
  if (!I->ctx) {
    free(I);
    return NULL;
  }
  return I;
}

void rl_conf_ice_free(rl_conf_ice *I) {
  if (!I) return;
  rl_ice_ctx_free(I->ctx);
  free(I);
}

size_t rl_conf_ice_prepare(rl_conf_ice *I, struct pollfd *pfd, size_t max, int *timeout_ms) {
  size_t n = rl_ice_ctx_prepare(I->ctx, pfd, max, timeout_ms);
  return n > max ? max : n;
}

void rl_conf_ice_dispatch(rl_conf_ice *I, struct pollfd *pfd, size_t n) {
  rl_ice_ctx_dispatch(I->ctx, pfd, n);
}

/* ---- the agent's callbacks ---- */

static void on_gathered(void *user, rl_ice *ice, const rl_ice_cand *cands, size_t n,
                        const char *ufrag, const char *pwd) {
  rl_conf_ice_link *L = user;
  (void)ice;
  if (n > RL_ICE_MAX_CANDS) n = RL_ICE_MAX_CANDS;
  memcpy(L->cands, cands, n * sizeof *cands);
  L->ncands = n;
  snprintf(L->ufrag, sizeof L->ufrag, "%s", ufrag);
  snprintf(L->pwd, sizeof L->pwd, "%s", pwd);
  L->gathered = 1;
}

static void on_ready(void *user, rl_ice *ice) {
  (void)ice;
  ((rl_conf_ice_link *)user)->ready = 1;
}

static void on_failed(void *user, rl_ice *ice, const char *why) {
  rl_conf_ice_link *L = user;
  (void)ice;
  L->failed = 1;
  snprintf(L->fail_why, sizeof L->fail_why, "%s", why ? why : "ICE failed");
}

static void on_datagram(void *user, rl_ice *ice, const uint8_t *buf, size_t len) {
  rl_conf_ice_link *L = user;
  (void)ice;
  if (L->on_datagram) L->on_datagram(L->user, buf, len);
}

static const rl_ice_callbacks icb = {on_gathered, on_ready, on_failed, on_datagram};

int rl_conf_ice_send(rl_conf_ice_link *L, const uint8_t *buf, size_t len) {
  return rl_ice_send(L->ice, buf, len);
}

void rl_conf_ice_link_free(rl_conf_ice_link *L) {
  if (!L) return;
  rl_ice_free(L->ice);
  free(L);
}

/* ---- the Attach ---- */

/* Our AttachReq (6.5.1.1): to the target's Node-ID (its certificate on
 * the direct link), the offerer's role "passive", our candidates. */
static int build_attach(const rl_conf_link_config *cfg, rl_conf_ice_link *L, const uint8_t *to,
                        uint8_t *buf, size_t cap, size_t *len, uint64_t *txid, char *why,
                        size_t whylen) {
  rl_IceCandidate w[RL_ICE_MAX_CANDS];
  size_t nw = 0;
  rl_MessageBody b;
  rl_Destination d;
  rl_msg_out m;
  rl_writer wr;
  rl_sec_error e = {0, ""};
  for (size_t i = 0; i < L->ncands; i++)
    if (rl_icecand_to_wire(&L->cands[i], &w[nw]) == 0) nw++;
  if (nw == 0) {
    snprintf(why, whylen, "our ICE agent gathered no candidate the Attach can carry");
    return RL_ERR_STATE;
  }
  memset(&b, 0, sizeof b);
  b.attach_req.ufrag.ptr = (const uint8_t *)L->ufrag;
  b.attach_req.ufrag.len = strlen(L->ufrag);
  b.attach_req.password.ptr = (const uint8_t *)L->pwd;
  b.attach_req.password.len = strlen(L->pwd);
  b.attach_req.role.ptr = (const uint8_t *)"passive";
  b.attach_req.role.len = 7;
  b.attach_req.candidates = w;
  b.attach_req.candidates_count = nw;
  rl_dest_node(&d, to, cfg->node_id_len);
  if (getrandom(txid, sizeof *txid, 0) != (ssize_t)sizeof *txid) *txid = mono_ms() * 2654435761u;
  memset(&m, 0, sizeof m);
  m.overlay = cfg->overlay;
  m.configuration_sequence = cfg->configuration_sequence;
  m.ttl = cfg->initial_ttl ? cfg->initial_ttl : 100;
  m.transaction_id = *txid;
  m.destination_list = &d;
  m.destination_count = 1;
  m.message_code = RL_MessageCode_attach_req;
  m.body = &b;
  rl_writer_init(&wr, buf, cap, NULL);
  if (rl_msg_encode_signed(&wr, &m, cfg->cred, NULL, 0, &e) != 0) {
    snprintf(why, whylen, "our Attach request: %s", e.text[0] ? e.text : "cannot encode it");
    return RL_ERR_PARAM;
  }
  *len = wr.len;
  return 0;
}

/* The target's answer to txid, its candidates into r. 1: not ours (go
 * on waiting), 0: r filled, else an rl_err with why. */
static int read_answer(const rl_conf_link_config *cfg, const uint8_t *msg, size_t len,
                       uint64_t txid, rl_ice_remote *r, char *why, size_t whylen) {
  static uint8_t mem[ARENA_MAX];
  rl_arena arena;
  rl_ctx ctx;
  rl_Message m;
  rl_params params;
  const rl_AttachReqAns *a;
  char cw[160];
  rl_params_init(&params);
  params.NodeIdLength = (uint8_t)cfg->node_id_len;
  rl_arena_init(&arena, mem, sizeof mem);
  rl_ctx_init(&ctx, &arena, &params);
  if (rl_message_parse(msg, len, &ctx, &m) != 0) return 1; /* not a message we can read */
  if (m.forwarding_header.transaction_id != txid) return 1;
  if (m.message_contents.message_code == RL_MessageCode_error) {
    const rl_ErrorResponse *er = &m.message_contents.message_body.error;
    snprintf(why, whylen, "the target answered our Attach with ICE candidates with %s: %.*s",
             rl_ErrorCode_name(er->error_code) ? rl_ErrorCode_name(er->error_code) : "an error",
             (int)(er->error_info.unknown.len > 200 ? 200 : er->error_info.unknown.len),
             er->error_info.unknown.ptr ? (const char *)er->error_info.unknown.ptr : "");
    return RL_ERR_STATE;
  }
  if (m.message_contents.message_code != RL_MessageCode_attach_ans) {
    snprintf(why, whylen, "the target answered our Attach with message code %u, not attach_ans",
             (unsigned)m.message_contents.message_code);
    return RL_ERR_PARAM;
  }
  a = &m.message_contents.message_body.attach_ans;
  /* 6.5.1.1: "active" for the answerer. */
  if (a->role.len != 6 || memcmp(a->role.ptr, "active", 6) != 0) {
    snprintf(why, whylen, "the target's AttachAns has role \"%.*s\", not \"active\" (RFC 6940 "
             "6.5.1.1)", (int)(a->role.len > 40 ? 40 : a->role.len), (const char *)a->role.ptr);
    return RL_ERR_PARAM;
  }
  if (a->ufrag.len == 0 || a->ufrag.len > RL_ICE_UFRAG_MAX || a->password.len == 0 ||
      a->password.len > RL_ICE_PWD_MAX) {
    snprintf(why, whylen, "the target's AttachAns: ufrag of %zu and password of %zu bytes",
             a->ufrag.len, a->password.len);
    return RL_ERR_PARAM;
  }
  memset(r, 0, sizeof *r);
  memcpy(r->ufrag, a->ufrag.ptr, a->ufrag.len);
  memcpy(r->pwd, a->password.ptr, a->password.len);
  for (size_t i = 0; i < a->candidates_count && r->n < RL_ICE_MAX_CANDS; i++) {
    if (rl_icecand_from_wire(&a->candidates[i], &r->cands[r->n], cw, sizeof cw) == 0) r->n++;
  }
  if (r->n == 0) {
    snprintf(why, whylen, "the target's AttachAns has no DTLS-UDP-SR (ICE) candidate we can use "
             "(%zu candidates)", a->candidates_count);
    return RL_ERR_PARAM;
  }
  return 0;
}

/* Pump until *flag, a failure, or the deadline. */
static int wait_for(rl_conf_ice_attach *at, rl_conf_ice_link *L, const int *flag,
                    uint64_t deadline) {
  while (!*flag && !L->failed && mono_ms() < deadline) at->pump(at->pump_self, deadline - mono_ms());
  return *flag ? 0 : -1;
}

static int exchange(const rl_conf_link_config *cfg, rl_conf_ice_attach *at, rl_conf_ice_link *L,
                    rl_ice_remote *r, uint64_t deadline, char *why, size_t whylen) {
  static uint8_t buf[MSG_MAX];
  const rl_cert *cert = rl_dlink_peer_cert(at->ctl);
  size_t len;
  uint64_t txid;
  int rc;
  if (!cert || cert->n_node_ids == 0) {
    snprintf(why, whylen, "the target's certificate names no Node-ID to Attach to");
    return RL_ERR_PARAM;
  }
  rc = build_attach(cfg, L, cert->node_ids[0], buf, sizeof buf, &len, &txid, why, whylen);
  if (rc != 0) return rc;
  if ((rc = rl_dlink_send(at->ctl, buf, len)) != 0) {
    snprintf(why, whylen, "our Attach request: the direct link refused it (%s)", rl_strerror(rc));
    return rc;
  }
  while (mono_ms() < deadline) {
    rl_conf_msg *m = rl_conf_msgq_pop(at->ctl_queue);
    if (!m) {
      if (*at->ctl_closed) {
        snprintf(why, whylen, "the target closed the direct link before answering our Attach");
        return RL_ERR_IO;
      }
      at->pump(at->pump_self, deadline - mono_ms());
      continue;
    }
    rc = read_answer(cfg, m->data, m->len, txid, r, why, whylen);
    rl_conf_msg_free(m);
    if (rc != 1) return rc;
  }
  snprintf(why, whylen, "no answer to our Attach request with ICE candidates");
  return RL_ERR_TIMEOUT;
}

int rl_conf_ice_run(rl_conf_ice *I, const rl_conf_link_config *cfg, rl_conf_ice_attach *at,
                    rl_conf_ice_link **out, char *why, size_t whylen) {
  rl_conf_ice_link *L = calloc(1, sizeof *L);
  rl_ice_remote *r = calloc(1, sizeof *r);
  uint64_t deadline = mono_ms() + cfg->connect_timeout_ms;
  rl_ice_cand lc, rc;
  int err = RL_ERR_NOMEM;
  *out = NULL;
  if (!L || !r || !(L->ice = rl_ice_new(I->ctx, 1, &icb, L))) {
    snprintf(why, whylen, "cannot start an ICE agent");
    goto fail;
  }
  L->on_datagram = at->on_datagram;
  L->user = at->user;
  err = RL_ERR_TIMEOUT;
  if (wait_for(at, L, &L->gathered, deadline) != 0) {
    snprintf(why, whylen, "our ICE agent: %s", L->failed ? L->fail_why : "gathering timed out");
    goto fail;
  }
  if ((err = exchange(cfg, at, L, r, deadline, why, whylen)) != 0) goto fail;
  err = RL_ERR_TIMEOUT;
  if (rl_ice_set_remote(L->ice, r->ufrag, r->pwd, r->cands, r->n) != 0) {
    snprintf(why, whylen, "libnice refused the target's candidates: %s",
             rl_ice_last_error(L->ice));
    goto fail;
  }
  /* 6.5.1.10: the checks, as in ICE; libnice nominates. */
  if (wait_for(at, L, &L->ready, deadline + 10000) != 0 ||
      rl_ice_selected(L->ice, &lc, &rc) != 0) {
    snprintf(why, whylen, "ICE with the target: %s (its %zu candidates: the connectivity checks "
             "found no pair)", L->failed ? L->fail_why : "no pair nominated in time", r->n);
    goto fail;
  }
  at->far = rc.addr;
  at->far_len = rc.addr.ss_family == AF_INET6 ? sizeof(struct sockaddr_in6)
                                              : sizeof(struct sockaddr_in);
  free(r);
  *out = L;
  return 0;
fail:
  free(r);
  rl_conf_ice_link_free(L);
  return err;
}
