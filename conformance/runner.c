/* runner.c: see runner.h. */
#define _POSIX_C_SOURCE 200809L
#include "runner_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "build.h"
#include "codec/message.h"
#include "net/frame.h"
#include "peer/fragment.h"
#include "runtime/error.h"
#include "scen_match.h"
#include "template.h"


const char *rl_conf_status_name(rl_conf_status s) {
  switch (s) {
  case RL_CONF_PASS: return "PASS";
  case RL_CONF_FAIL: return "FAIL";
  case RL_CONF_SKIP: return "SKIP";
  case RL_CONF_INCONCLUSIVE: return "INCONCLUSIVE";
  }
  return "?";
}

static void received_free(received *m) {
  json_decref(m->json);
  free(m->hex);
  memset(m, 0, sizeof *m);
}

void rl_conf_result_free(rl_conf_result *r) {
  free(r->reason);
  free(r->details);
  json_decref(r->received);
  json_decref(r->sent);
  json_decref(r->arrived);
  memset(r, 0, sizeof *r);
}

int rl_conf_runner_new(const rl_conf_settings *s, rl_conf_codec *codec, rl_conf_transport *t,
                       const rl_conf_reqtable *reqs, rl_conf_runner **out) {
  rl_conf_runner *r = calloc(1, sizeof *r);
  if (!r) return RL_ERR_NOMEM;
  r->s = *s;
  r->codec = codec;
  r->t = t;
  r->reqs = reqs;
  r->rng = s->seed ? s->seed : rl_conf_seed();
  *out = r;
  return 0;
}

void rl_conf_runner_free(rl_conf_runner *r) { free(r); }

void rl_conf_runner_set_silent(rl_conf_runner *r, int silent) { r->s.target_silent = silent; }

int rl_conf_runner_set_lenient(rl_conf_runner *r, int lenient) {
  int was = r->s.lenient;
  r->s.lenient = lenient;
  return was;
}

void rl_conf_runner_set_target_node_id(rl_conf_runner *r, const char *hex) {
  r->s.target_node_id = hex;
}

int rl_conf_check_requirements(const rl_scenario *sc, const rl_conf_reqtable *t, char *why,
                               size_t whylen) {
  for (size_t i = 0; i < sc->nreqs; i++) {
    const rl_scen_req *q = &sc->reqs[i];
    if (!rl_conf_req_find(t, q->id)) {
      snprintf(why, whylen, "%s:%d:%d: unknown requirement ID %s (not in the requirements table)",
               q->loc.file, q->loc.line, q->loc.col, q->id);
      return RL_ERR_NOT_FOUND;
    }
  }
  return 0;
}

/* ---- outcomes ---- */

/* End the scenario as FAIL or SKIP with a reason; returns -1 (the
 * steps' "stop" value). */
static int outcome(run *x, rl_conf_status st, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
static int outcome(run *x, rl_conf_status st, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(x->reason, sizeof x->reason, fmt, ap);
  va_end(ap);
  x->status = st;
  return -1;
}

#define fail(x, ...) outcome((x), RL_CONF_FAIL, __VA_ARGS__)
#define skip(x, ...) outcome((x), RL_CONF_SKIP, __VA_ARGS__)

static int scenario_error(run *x, const char *why) {
  x->scenario_error = 1;
  return fail(x, "scenario error at %s:%d:%d: %s", x->step->loc.file, x->step->loc.line,
              x->step->loc.col, why);
}

/* ---- connections ---- */

static conn *get_conn(run *x, const char *name) {
  conn *free_slot = NULL;
  char why[256];
  for (int i = 0; i < MAX_CONNS; i++) {
    if (x->conns[i].open && strcmp(x->conns[i].name, name) == 0) return &x->conns[i];
    if (!x->conns[i].open && !free_slot) free_slot = &x->conns[i];
  }
  if (!free_slot) {
    scenario_error(x, "too many connections");
    return NULL;
  }
  if (x->R->t->ops->open(x->R->t->self, name, x->sc->role, why, sizeof why) != 0) {
    fail(x, "cannot connect%s%s: %s", *name ? " @" : "", name, why);
    return NULL;
  }
  memset(free_slot, 0, sizeof *free_slot);
  snprintf(free_slot->name, sizeof free_slot->name, "%s", name);
  free_slot->open = 1;
  return free_slot;
}

/* connect @NAME credentials WORD: a new connection presenting other
 * credentials (transport.h open_as). */
static int do_connect(run *x, const rl_scen_step *s) {
  conn *free_slot = NULL;
  char why[256];
  if (!x->R->t->ops->open_as)
    return skip(x, "the %s transport cannot present other credentials", x->R->t->ops->name);
  for (int i = 0; i < MAX_CONNS; i++) {
    if (x->conns[i].open && strcmp(x->conns[i].name, s->conn) == 0)
      return scenario_error(x, "connect: the connection is open already");
    if (!x->conns[i].open && !free_slot) free_slot = &x->conns[i];
  }
  if (!free_slot) return scenario_error(x, "too many connections");
  if (x->R->t->ops->open_as(x->R->t->self, s->conn, x->sc->role, s->credentials, why,
                            sizeof why) != 0)
    return fail(x, "cannot connect%s%s with credentials %s: %s", *s->conn ? " @" : "", s->conn,
                s->credentials, why);
  memset(free_slot, 0, sizeof *free_slot);
  snprintf(free_slot->name, sizeof free_slot->name, "%s", s->conn);
  free_slot->open = 1;
  return 0;
}

static void close_conn(run *x, conn *c) {
  x->R->t->ops->close(x->R->t->self, c->name);
  for (size_t i = 0; i < c->nbox; i++) received_free(&c->box[i]);
  memset(c, 0, sizeof *c);
}

/* ---- sending ---- */

/* The fragments of one message (RFC 6940 6.7), collected so that they
 * can go out in either order. */
typedef struct frags {
  uint8_t *buf; /* the fragments back to back */
  size_t len, cap;
  size_t off[64], n;
  size_t flen[64];
} frags;

static int frag_collect(void *user, const uint8_t *f, size_t len) {
  frags *F = user;
  if (F->n == sizeof F->off / sizeof F->off[0]) return RL_ERR_TOO_LARGE;
  if (F->len + len > F->cap) {
    size_t nc = (F->len + len) * 2;
    uint8_t *nb = realloc(F->buf, nc);
    if (!nb) return RL_ERR_NOMEM;
    F->buf = nb;
    F->cap = nc;
  }
  memcpy(F->buf + F->len, f, len);
  F->off[F->n] = F->len;
  F->flen[F->n++] = len;
  F->len += len;
  return 0;
}

/* Send msg as fragments of at most s->frag_max bytes, each a message of
 * its own for the link. RL_ERR_PARAM (why says it) when the size cannot
 * hold the header and 256 bytes of data, or the message needs more than
 * 64 fragments: the scenario's mistake. */
static int send_fragments(run *x, conn *c, const rl_scen_step *s, const uint8_t *msg, size_t len,
                          char *why, size_t whylen) {
  frags F;
  int r;
  memset(&F, 0, sizeof F);
  r = rl_fragment_split(msg, len, s->frag_max, frag_collect, &F);
  if (r == 0 && F.n < 2) r = RL_ERR_PARAM;
  if (r != 0) {
    if (r == RL_ERR_NOMEM)
      snprintf(why, whylen, "out of memory");
    else
      snprintf(why, whylen,
               "fragment %zu: the message (%zu bytes) does not cut into 2..64 fragments of at "
               "most that size with at least 256 bytes of data each (6.7)",
               s->frag_max, len);
    if (r != RL_ERR_NOMEM) r = RL_ERR_PARAM;
    free(F.buf);
    return r;
  }
  for (size_t i = 0; i < F.n && r == 0; i++) {
    size_t k = s->frag_reversed ? F.n - 1 - i : i;
    r = x->R->t->ops->send(x->R->t->self, c->name, F.buf + F.off[k], F.flen[k], why, whylen);
  }
  free(F.buf);
  return r;
}

/* send ... frame sequence N [length L]: a data frame of the scenario's
 * making (6.6.2) around msg, written on the stream beside the link's own
 * frames. L (default: msg's length) may announce more bytes than follow,
 * for an oversized frame (6.6: the answer may come "before the peer
 * receives the complete message"). */
static int send_framed(run *x, conn *c, const rl_scen_step *s, const uint8_t *msg, size_t len,
                       char *why, size_t whylen) {
  rl_conf_transport *T = x->R->t;
  uint8_t *buf;
  int r;
  if (len > RL_FRAME_MSG_MAX) {
    snprintf(why, whylen, "the message (%zu bytes) is longer than a frame holds (2^24-1)", len);
    return RL_ERR_PARAM;
  }
  if (!(buf = malloc(RL_FRAME_DATA_HDR + len))) {
    snprintf(why, whylen, "out of memory");
    return RL_ERR_NOMEM;
  }
  rl_frame_data_header(buf, s->frame_seq, s->has_frame_len ? s->frame_len : (uint32_t)len);
  memcpy(buf + RL_FRAME_DATA_HDR, msg, len);
  r = T->ops->send_stream(T->self, c->name, buf, RL_FRAME_DATA_HDR + len, why, whylen);
  free(buf);
  return r;
}

static int do_send(run *x, const rl_scen_step *s, int reply) {
  rl_conf_runner *R = x->R;
  conn *c = get_conn(x, s->conn);
  rl_conf_built m;
  rl_message_peek pk;
  char why[768];
  int r;
  if (!c) return -1;
  if (s->framed && (!R->t->ops->link_info || !R->t->ops->send_stream))
    return skip(x, "the %s transport has no framing to write frames into", R->t->ops->name);
  if (reply) {
    if (!x->have_last || !x->last.ok)
      return scenario_error(x, "reply: no request received yet (use expect-message first)");
    if (rl_conf_set_request_vars(&x->env, x->last.json, R->s.target_node_id) != 0)
      return fail(x, "out of memory");
  }
  {
    /* Our Attach candidates name the address of the link we use
     * (6.5.1.1), with port 9 as an active TCP candidate has (RFC 6544):
     * we connect, we do not listen. */
    uint32_t a4 = 0x7f000001u;
    if (R->t->ops->local_ipv4 && R->t->ops->local_ipv4(R->t->self, c->name, &a4) != 0)
      a4 = 0x7f000001u;
    json_object_set_new(x->env.vars, "my_link_ipv4", json_integer((json_int_t)a4));
  }
  r = rl_conf_build(&x->builder, s->tmpl, reply, s->mut, s->nmut, &m, why, sizeof why);
  if (r == RL_ERR_NOT_FOUND && strcmp(x->env.undefined, "target_node_id") == 0)
    return skip(x, "needs the target's Node-ID (--target-node-id)");
  if (r == RL_ERR_NOMEM) return fail(x, "out of memory");
  if (r != 0) return scenario_error(x, why);
  json_decref(x->sent);
  free(x->sent_hex);
  x->sent = json_incref(m.sent);
  x->sent_hex = NULL;
  x->sent_loc = s->loc;
  /* After mutations the header may say another transaction ID. */
  x->have_txid = 1;
  x->txid = rl_message_peek_header(m.bytes, m.len, &pk) == 0 ? pk.transaction_id : m.txid;
  if (s->nmut) {
    /* What goes out is not what the codec made: show the bytes too. */
    x->sent_hex = rl_conf_hex_text(m.bytes, m.len, 512, 4);
    json_decref(x->sent);
    x->sent = NULL;
    {
      rl_conf_decoded d;
      if (rl_conf_decode(R->codec, m.bytes, m.len, 0, &d) == 0) {
        if (d.ok) x->sent = d.json;
        else json_decref(d.json);
      }
    }
  }
  {
    char tx[24];
    snprintf(tx, sizeof tx, "%llu", (unsigned long long)x->txid);
    json_object_set_new(x->env.vars, "txid", json_string(tx));
  }
  if (s->frag_max)
    r = send_fragments(x, c, s, m.bytes, m.len, why, sizeof why);
  else if (s->framed)
    r = send_framed(x, c, s, m.bytes, m.len, why, sizeof why);
  else
    r = R->t->ops->send(R->t->self, c->name, m.bytes, m.len, why, sizeof why);
  x->sent_ms = R->t->ops->now_ms(R->t->self);
  rl_conf_built_free(&m);
  if (r == RL_ERR_PARAM && s->frag_max) return scenario_error(x, why);
  if (r != 0) {
    rl_confr_explain(x, NULL, NULL);
    return fail(x, "sending failed: %s", why);
  }
  return 0;
}

static int do_send_raw(run *x, const rl_scen_step *s) {
  rl_conf_runner *R = x->R;
  conn *c = get_conn(x, s->conn);
  rl_message_peek pk;
  char why[512];
  int r;
  if (!c) return -1;
  if (s->kind == RL_SCEN_SEND_STREAM && !R->t->ops->send_stream)
    return skip(x, "the %s transport cannot write raw stream bytes", R->t->ops->name);
  json_decref(x->sent);
  free(x->sent_hex);
  x->sent = NULL;
  x->sent_hex = rl_conf_hex_text(s->bytes, s->nbytes, 512, 4);
  x->sent_loc = s->loc;
  if (rl_message_peek_header(s->bytes, s->nbytes, &pk) == 0) {
    char tx[24];
    x->have_txid = 1;
    x->txid = pk.transaction_id;
    snprintf(tx, sizeof tx, "%llu", (unsigned long long)x->txid);
    json_object_set_new(x->env.vars, "txid", json_string(tx));
  }
  if (s->kind == RL_SCEN_SEND_STREAM)
    r = R->t->ops->send_stream(R->t->self, c->name, s->bytes, s->nbytes, why, sizeof why);
  else
    r = R->t->ops->send(R->t->self, c->name, s->bytes, s->nbytes, why, sizeof why);
  if (r != 0) {
    rl_confr_explain(x, NULL, NULL);
    return fail(x, "sending failed: %s", why);
  }
  return 0;
}

/* ---- receiving ---- */


/* Does m count for this wait? */
static int wanted(run *x, const received *m, wait_for w, const rl_scen_step *s) {
  char why[256];
  if (w == WAIT_ANSWER && x->R->s.lenient && m->ok && rl_confr_is_answer(m) && m->have_txid &&
      m->txid != x->txid && m->at_ms >= x->sent_ms) {
    /* Matched by link and message code; the deviation is kept. */
    if (!x->deviation[0])
      snprintf(x->deviation, sizeof x->deviation,
               "an answer (%s) came with transaction_id %016llx; the request's was %016llx "
               "(%s)", rl_confr_code_of(m), (unsigned long long)m->txid, (unsigned long long)x->txid,
               TXID_ECHO_RULE);
    return 1;
  }
  if (w == WAIT_ANSWER) return m->have_txid && m->txid == x->txid;
  if ((w == WAIT_MATCHING || w == WAIT_NOTHING) && s->has_where) {
    if (!m->ok) return 0;
    return rl_conf_block_holds(&s->where, m->json, &x->env, NULL, why, sizeof why) == 1;
  }
  return w != WAIT_CLOSE;
}

static int decode_into(run *x, const rl_conf_event *ev, received *m) {
  rl_conf_decoded d;
  memset(m, 0, sizeof *m);
  if (rl_conf_decode(x->R->codec, ev->data, ev->len, 1, &d) != 0) return RL_ERR_NOMEM;
  m->json = d.json;
  m->ok = d.ok;
  m->have_txid = d.have_txid;
  m->txid = d.txid;
  m->sig_state = d.sig_state;
  memcpy(m->sig_note, d.sig_note, sizeof m->sig_note);
  if (!d.ok) m->hex = rl_conf_hex_text(ev->data, ev->len, 512, 4);
  return 0;
}

/* Wait up to ms for what w asks. 1: got it (in *out for messages), 0:
 * the time ran out, -1: failed (reason set). A close ends any wait. */
static int wait_event(run *x, conn *c, wait_for w, const rl_scen_step *s, uint64_t ms,
                      received *out, int *closed, char *detail, size_t dlen) {
  rl_conf_transport *T = x->R->t;
  uint64_t start = T->ops->now_ms(T->self);
  *closed = 0;
  /* What arrived earlier for this connection first. */
  if (w != WAIT_CLOSE) {
    for (size_t i = 0; i < c->nbox; i++) {
      if (wanted(x, &c->box[i], w, s)) {
        *out = c->box[i];
        memmove(&c->box[i], &c->box[i + 1], (c->nbox - i - 1) * sizeof *c->box);
        c->nbox--;
        return 1;
      }
    }
  }
  for (;;) {
    rl_conf_event ev;
    received m;
    char why[256];
    uint64_t now = T->ops->now_ms(T->self), left = now - start >= ms ? 0 : ms - (now - start);
    if (left == 0) return 0;
    if (T->ops->recv(T->self, c->name, left, &ev, why, sizeof why) != 0)
      return fail(x, "receiving failed: %s", why);
    if (ev.kind == RL_CONF_EV_TIMEOUT) continue;
    if (ev.kind == RL_CONF_EV_CLOSED) {
      *closed = 1;
      snprintf(detail, dlen, "%s", ev.detail);
      return w == WAIT_CLOSE ? 1 : 0;
    }
    if (decode_into(x, &ev, &m) != 0) return fail(x, "out of memory");
    m.at_ms = T->ops->now_ms(T->self);
    if (w != WAIT_CLOSE && wanted(x, &m, w, s)) {
      *out = m;
      return 1;
    }
    /* Kept for a later expect-message (an Update from the target...). */
    if (c->nbox < MAILBOX_MAX)
      c->box[c->nbox++] = m;
    else
      received_free(&m);
  }
}

static uint64_t step_timeout(run *x, const rl_scen_step *s) {
  if (s->within_ms) return s->within_ms;
  if (x->sc->timeout_ms) return x->sc->timeout_ms;
  return x->R->s.timeout_ms;
}

static void fmt_ms(uint64_t ms, char *buf, size_t n) {
  if (ms % 1000 == 0)
    snprintf(buf, n, "%llus", (unsigned long long)(ms / 1000));
  else
    snprintf(buf, n, "%llums", (unsigned long long)ms);
}

static void set_last(run *x, received *m) {
  received_free(&x->last);
  x->last = *m;
  x->have_last = 1;
  json_object_set(x->env.vars, "last", m->json);
}

static int captures(run *x, const rl_scen_capture *cap, size_t n, const json_t *msg) {
  for (size_t i = 0; i < n; i++) {
    json_t *v = rl_scen_path_get(msg, &cap[i].path);
    if (!v) {
      x->step = NULL;
      return fail(x, "%s:%d:%d: capture %s: %s is absent in the message", cap[i].loc.file,
                  cap[i].loc.line, cap[i].loc.col, cap[i].name, cap[i].path.text);
    }
    if (json_object_set(x->env.vars, cap[i].name, v) != 0) return fail(x, "out of memory");
  }
  return 0;
}

static int do_expect(run *x, const rl_scen_step *s) {
  conn *c = get_conn(x, s->conn);
  uint64_t ms = step_timeout(x, s);
  wait_for w = s->kind == RL_SCEN_EXPECT ? WAIT_ANSWER : WAIT_MATCHING;
  received m;
  char t[32], detail[200], why[768];
  int closed, got, h;
  size_t bad = 0;
  uint64_t since;
  if (!c) return -1;
  if (w == WAIT_ANSWER && !x->have_txid)
    return scenario_error(x, "expect: nothing was sent yet (expect-message waits for any message)");
  memset(&m, 0, sizeof m);
  since = x->R->t->ops->now_ms(x->R->t->self);
  got = wait_event(x, c, w, s, ms, &m, &closed, detail, sizeof detail);
  if (got < 0) return -1;
  fmt_ms(ms, t, sizeof t);
  if (got == 0) {
    const received *other = w == WAIT_ANSWER ? rl_confr_answer_other_txid(x, c) : NULL;
    rl_confr_explain(x, NULL, &s->block);
    rl_confr_explain_arrivals(x, c, w, s, since);
    if (other)
      /* Not a timeout: the answer came, with the wrong transaction_id. */
      return fail(x, "the answer (%s) came with transaction_id %016llx, not the request's "
                  "%016llx (%s)", rl_confr_code_of(other), (unsigned long long)other->txid,
                  (unsigned long long)x->txid, TXID_ECHO_RULE);
    if (closed)
      return fail(x, "the connection was closed (%s) before %s", detail,
                  w == WAIT_ANSWER ? "an answer came" : "a matching message came");
    if (w == WAIT_ANSWER) return fail(x, "no answer within %s", t);
    return fail(x, "no matching message within %s", t);
  }
  if (x->R->s.verify_signatures && m.sig_state == 0) {
    rl_confr_explain(x, &m, &s->block);
    fail(x, "the message's %s", m.sig_note);
    received_free(&m);
    return -1;
  }
  h = m.ok || s->block.nm == 0 ? rl_conf_block_holds(&s->block, m.json, &x->env, &bad, why, sizeof why) : 0;
  if (h != 1) {
    if (!m.ok && h == 0) snprintf(why, sizeof why, "the %s does not decode: %s",
                                  w == WAIT_ANSWER ? "answer" : "message", m.json ? json_string_value(json_object_get(m.json, "undecodable")) : "?");
    rl_confr_explain(x, &m, &s->block);
    json_decref(x->seen);
    x->seen = json_incref(m.json);
    if (h < 0) {
      x->scenario_error = 1;
      fail(x, "scenario error: %s", why);
    } else {
      fail(x, "%s", why);
    }
    received_free(&m);
    return -1;
  }
  (void)bad;
  set_last(x, &m);
  return captures(x, s->block.cap, s->block.ncap, x->last.json);
}

static int do_expect_close(run *x, const rl_scen_step *s) {
  conn *c = get_conn(x, s->conn);
  uint64_t ms = step_timeout(x, s);
  received m;
  char t[32], detail[200];
  int closed, got;
  if (!c) return -1;
  got = wait_event(x, c, WAIT_CLOSE, s, ms, &m, &closed, detail, sizeof detail);
  if (got < 0) return -1;
  if (got == 0) {
    fmt_ms(ms, t, sizeof t);
    rl_confr_explain(x, c->nbox ? &c->box[c->nbox - 1] : NULL, NULL);
    return fail(x, "the connection is still open after %s", t);
  }
  return 0;
}

static int do_expect_nothing(run *x, const rl_scen_step *s) {
  conn *c = get_conn(x, s->conn);
  uint64_t ms = step_timeout(x, s);
  received m;
  char t[32], detail[200];
  int closed, got;
  if (!c) return -1;
  got = wait_event(x, c, WAIT_NOTHING, s, ms, &m, &closed, detail, sizeof detail);
  if (got < 0) return -1;
  fmt_ms(ms, t, sizeof t);
  if (got == 1) {
    rl_confr_explain(x, &m, s->has_where ? &s->where : NULL);
    json_decref(x->seen);
    x->seen = json_incref(m.json);
    received_free(&m);
    return fail(x, "expected no %smessage within %s, but one came", s->has_where ? "such " : "", t);
  }
  if (closed) {
    rl_confr_explain(x, NULL, NULL);
    return fail(x, "expected nothing within %s, but the connection was closed (%s)", t, detail);
  }
  return 0;
}

/* ---- the link layer: acks (RFC 6940 6.6.2) ---- */

/* The link's figures as JSON, for the matchers of expect-acked. */
static json_t *link_json(const rl_conf_link_info *i) {
  json_t *o = json_pack("{s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:b}", "frames_sent",
                        (json_int_t)i->frames_sent, "unacked", (json_int_t)i->unacked,
                        "acks_received", (json_int_t)i->acks_received, "frames_received",
                        (json_int_t)i->frames_received, "acks_sent", (json_int_t)i->acks_sent,
                        "data_out_of_sequence", (json_int_t)i->data_out_of_sequence,
                        "rtt_samples", (json_int_t)i->rtt_samples, "srtt_ms",
                        (json_int_t)i->srtt_ms, "rto_ms", (json_int_t)i->rto_ms, "closed",
                        i->closed);
  if (o && i->acks_received)
    json_object_set_new(o, "last_ack", json_pack("{s:I,s:I}", "ack_sequence",
                                                 (json_int_t)i->last_ack_sequence, "received",
                                                 (json_int_t)i->last_ack_received));
  if (o && i->frames_received)
    json_object_set_new(o, "last_data_sequence", json_integer(i->last_data_sequence));
  return o;
}

/* A link-level failure: the frames and acks, not the last message (its
 * place is named). */
static void explain_link(run *x, const rl_conf_link_info *i, const rl_scen_block *expected) {
  rl_confr_explain_head(x);
  if (x->sent || x->sent_hex)
    rl_confr_sb_printf(&x->details, "  the last message sent: %s:%d\n", x->sent_loc.file, x->sent_loc.line);
  rl_confr_explain_matchers(x, expected, "expected");
  rl_confr_sb_printf(&x->details,
            "  link (%s):\n    our data frames: %llu sent, %u not acked\n"
            "    acks received: %llu",
            x->R->t->ops->name, (unsigned long long)i->frames_sent, (unsigned)i->unacked,
            (unsigned long long)i->acks_received);
  if (i->acks_received)
    rl_confr_sb_printf(&x->details, " (the last: ack_sequence %lu, received 0x%08lx)",
              (unsigned long)i->last_ack_sequence, (unsigned long)i->last_ack_received);
  rl_confr_sb_printf(&x->details, "\n    the target's data frames: %llu (acked by us: %llu)",
            (unsigned long long)i->frames_received, (unsigned long long)i->acks_sent);
  if (i->frames_received)
    rl_confr_sb_printf(&x->details, ", the last numbered %lu, %llu out of sequence",
              (unsigned long)i->last_data_sequence, (unsigned long long)i->data_out_of_sequence);
  rl_confr_sb_printf(&x->details, "\n");
  if (i->closed) rl_confr_sb_printf(&x->details, "    closed: %s\n", i->detail);
}

/* expect-acked: wait until every data frame of ours on the link is acked
 * (and at least one ack came) and the block holds over the link's
 * figures (link_json). The transport's clock runs while we wait, so acks
 * and messages keep arriving (messages are kept for later expects). */
static int do_expect_acked(run *x, const rl_scen_step *s) {
  rl_conf_transport *T = x->R->t;
  conn *c;
  uint64_t ms = step_timeout(x, s), start;
  rl_conf_link_info info;
  char why[512], t[32];
  int h = 0;
  if (!T->ops->link_info)
    return skip(x, "the %s transport has no link layer to see acks in (--link tls or tcp)",
                T->ops->name);
  if (!(c = get_conn(x, s->conn))) return -1;
  start = T->ops->now_ms(T->self);
  snprintf(why, sizeof why, "no ack yet");
  for (;;) {
    uint64_t el;
    json_t *j;
    if (T->ops->link_info(T->self, c->name, &info, why, sizeof why) != 0)
      return fail(x, "expect-acked: %s", why);
    if (info.unacked == 0 && info.acks_received > 0) {
      if (!(j = link_json(&info))) return fail(x, "out of memory");
      h = rl_conf_block_holds(&s->block, j, &x->env, NULL, why, sizeof why);
      json_decref(j);
      if (h == 1) return 0;
      if (h < 0) {
        x->scenario_error = 1;
        return fail(x, "scenario error: %s", why);
      }
    }
    el = T->ops->now_ms(T->self) - start;
    if (el >= ms || info.closed) break;
    T->ops->sleep_ms(T->self, ms - el < 20 ? ms - el : 20);
  }
  fmt_ms(ms, t, sizeof t);
  explain_link(x, &info, &s->block);
  if (info.unacked || info.acks_received == 0) {
    char after[240];
    if (info.closed)
      snprintf(after, sizeof after, "before the connection was closed (%s)", info.detail);
    else
      snprintf(after, sizeof after, "within %s", t);
    if (info.unacked)
      return fail(x, "%u of our %llu data frames not acked %s (%llu acks received)",
                  (unsigned)info.unacked, (unsigned long long)info.frames_sent, after,
                  (unsigned long long)info.acks_received);
    return fail(x, "no ack received %s", after);
  }
  if (info.closed)
    return fail(x, "the acks do not match, and the connection was closed (%s): %s", info.detail,
                why);
  return fail(x, "the acks do not match within %s: %s", t, why);
}

static int do_step(run *x, const rl_scen_step *s) {
  char why[512];
  int code = 0;
  x->step = s;
  switch (s->kind) {
  case RL_SCEN_SEND: return do_send(x, s, 0);
  case RL_SCEN_REPLY: return do_send(x, s, 1);
  case RL_SCEN_SEND_RAW:
  case RL_SCEN_SEND_STREAM: return do_send_raw(x, s);
  case RL_SCEN_EXPECT:
  case RL_SCEN_EXPECT_MESSAGE: return do_expect(x, s);
  case RL_SCEN_EXPECT_CLOSE: return do_expect_close(x, s);
  case RL_SCEN_EXPECT_NOTHING: return do_expect_nothing(x, s);
  case RL_SCEN_CAPTURE:
    if (!x->have_last) return scenario_error(x, "capture: no message received yet");
    return captures(x, &s->cap, 1, x->last.json);
  case RL_SCEN_LET: {
    json_t *v = rl_conf_subst(s->tmpl, &x->env, &code, why, sizeof why);
    if (!v) return scenario_error(x, why);
    if (json_object_set_new(x->env.vars, s->cap.name, v) != 0) return fail(x, "out of memory");
    return 0;
  }
  case RL_SCEN_SLEEP: x->R->t->ops->sleep_ms(x->R->t->self, s->within_ms); return 0;
  case RL_SCEN_CLOSE:
    for (int i = 0; i < MAX_CONNS; i++)
      if (x->conns[i].open && strcmp(x->conns[i].name, s->conn) == 0) close_conn(x, &x->conns[i]);
    return 0;
  case RL_SCEN_CONNECT: return do_connect(x, s);
  case RL_SCEN_EXPECT_ACKED: return do_expect_acked(x, s);
  }
  return scenario_error(x, "unknown step");
}

/* The options skip-if conditions look at. */
static json_t *options_json(const rl_conf_runner *R) {
  json_t *o = json_pack("{s:s,s:s,s:s,s:i,s:s,s:b,s:b,s:b,s:I}", "link",
                        R->s.link ? R->s.link : "", "transport", R->t->ops->name, "signatures",
                        R->s.verify_signatures ? "verify" : "report", "node_id_length",
                        (int)R->s.node_id_len, "overlay", R->s.overlay_name ? R->s.overlay_name : "",
                        "credentials", R->s.have_credentials, "stream",
                        R->t->ops->send_stream != NULL, "framing",
                        R->t->ops->link_info != NULL && R->t->ops->send_stream != NULL,
                        "max_message_size", (json_int_t)R->s.max_message_size);
  if (o && R->s.target_node_id) json_object_set_new(o, "target_node_id", json_string(R->s.target_node_id));
  if (o && R->s.vars) json_object_update(o, (json_t *)R->s.vars);
  if (o) json_object_set_new(o, "initial_ttl", json_integer(R->s.initial_ttl));
  return o;
}

static json_t *initial_vars(const rl_conf_runner *R) {
  json_t *v = json_pack("{s:I,s:s,s:i,s:i,s:i,s:s,s:I}", "overlay", (json_int_t)R->s.overlay,
                        "overlay_name", R->s.overlay_name ? R->s.overlay_name : "",
                        "configuration_sequence", (int)R->s.configuration_sequence, "initial_ttl",
                        (int)R->s.initial_ttl, "node_id_length", (int)R->s.node_id_len,
                        "my_node_id", R->s.my_node_id ? R->s.my_node_id : "", "max_message_size",
                        (json_int_t)R->s.max_message_size);
  if (v && R->s.target_node_id) json_object_set_new(v, "target_node_id", json_string(R->s.target_node_id));
  /* Set again from the link before every send (do_send). */
  if (v) json_object_set_new(v, "my_link_ipv4", json_integer(0x7f000001));
  if (v && R->s.vars) json_object_update(v, (json_t *)R->s.vars);
  return v;
}

static int check_skips(run *x) {
  json_t *opts = options_json(x->R);
  int r = 0;
  if (!opts) return fail(x, "out of memory");
  for (size_t i = 0; i < x->sc->nskips && r == 0; i++) {
    const rl_scen_skip *k = &x->sc->skips[i];
    rl_scen_block b;
    char why[512];
    int h;
    memset(&b, 0, sizeof b);
    b.m = (rl_scen_matcher *)&k->cond;
    b.nm = 1;
    h = rl_conf_block_holds(&b, opts, &x->env, NULL, why, sizeof why);
    if (h < 0) {
      x->scenario_error = 1;
      r = fail(x, "scenario error in skip-if at %s:%d:%d: %s", k->loc.file, k->loc.line,
               k->loc.col, why);
    } else if (h == 1) {
      r = skip(x, "%s", k->reason);
    }
  }
  json_decref(opts);
  return r;
}

int rl_conf_run(rl_conf_runner *R, const rl_scenario *sc, rl_conf_result *res) {
  run x;
  uint64_t t0 = R->t->ops->now_ms(R->t->self);
  int r = 0;
  memset(&x, 0, sizeof x);
  memset(res, 0, sizeof *res);
  res->sc = sc;
  x.R = R;
  x.sc = sc;
  x.status = RL_CONF_PASS;
  x.env.rng = &R->rng;
  x.env.node_id_len = R->s.node_id_len;
  x.env.vars = initial_vars(R);
  if (!x.env.vars || rl_conf_builder_init(&x.builder, R->codec, &x.env) != 0) {
    r = RL_ERR_NOMEM;
    goto done;
  }
  if (sc->is_responder) {
    x.scenario_error = 1;
    fail(&x, "%s is a responder file, not a scenario", sc->file);
    goto done;
  }
  if (check_skips(&x) == 0) {
    for (size_t i = 0; i < sc->nsteps; i++)
      if (do_step(&x, &sc->steps[i]) != 0) break;
  }
  for (int i = 0; i < MAX_CONNS; i++)
    if (x.conns[i].open) close_conn(&x, &x.conns[i]);
  if (x.status == RL_CONF_PASS && R->s.target_silent) {
    for (size_t i = 0; i < sc->nsteps; i++)
      if (sc->steps[i].kind == RL_SCEN_EXPECT_NOTHING || sc->steps[i].kind == RL_SCEN_EXPECT_CLOSE)
        outcome(&x, RL_CONF_INCONCLUSIVE,
                "the target answered nothing in the preflight, so that nothing (or a close) "
                "came here proves nothing");
  }
  if (x.status == RL_CONF_PASS && x.deviation[0]) {
    /* --lenient let it go on; it is still a failure. */
    fail(&x, "tolerated deviation: %s", x.deviation);
    rl_confr_sb_printf(&x.details, "  (--lenient matched that answer by its connection and message code; "
                          "every step after it passed)\n");
  }
  res->status = x.status;
  res->scenario_error = x.scenario_error;
  if (x.status != RL_CONF_PASS) {
    res->reason = strdup(x.reason);
    if (!res->reason) r = RL_ERR_NOMEM;
  }
  if (x.status == RL_CONF_FAIL) res->details = rl_confr_sb_take(&x.details);
  if (x.have_last && x.status != RL_CONF_FAIL) res->received = json_incref(x.last.json);
  else if (x.seen) res->received = json_incref(x.seen);
  else if (x.have_last) res->received = json_incref(x.last.json);
  res->arrived = json_incref(x.arrived);
  if (x.sent) res->sent = json_incref(x.sent);
done:
  free(x.details.s);
  res->ms = R->t->ops->now_ms(R->t->self) - t0;
  rl_conf_builder_free(&x.builder);
  json_decref(x.env.vars);
  json_decref(x.sent);
  json_decref(x.seen);
  json_decref(x.arrived);
  free(x.sent_hex);
  received_free(&x.last);
  return r;
}

/* ---- checking templates without a transport ---- */

/* A stand-in for a captured value, by the name of the member captured:
 * identifiers are NodeIdLength bytes of hex, 64-bit counters and times
 * decimal strings, other numbers numbers. */
static json_t *dummy_value(const rl_scen_path *p, size_t node_id_len) {
  const char *name = p->nseg && p->seg[p->nseg - 1].name ? p->seg[p->nseg - 1].name : "";
  static const char *const u64s[] = {"generation", "generation_counter", "transaction_id",
                                     "storage_time", "response_id", "time", NULL};
  static const char *const nums[] = {"lifetime", "index", "kind", "uptime", "replica_number",
                                     "first", "last", "ttl", "length", NULL};
  for (int i = 0; u64s[i]; i++)
    if (strcmp(name, u64s[i]) == 0) return json_string("1");
  for (int i = 0; nums[i]; i++)
    if (strcmp(name, nums[i]) == 0) return json_integer(1);
  if (strstr(name, "id") || strcmp(name, "resource") == 0 || strcmp(name, "closest") == 0 ||
      strcmp(name, "next_peer") == 0) {
    uint8_t z[20];
    memset(z, 0x5a, sizeof z);
    return rl_conf_hex_json(z, node_id_len <= 20 ? node_id_len : 20);
  }
  if (p->nseg && !p->seg[p->nseg - 1].name) return json_pack("{s:s}", "node_id", "5a5a");
  return json_string("00");
}

static int check_block_values(run *x, const rl_scen_block *b, char *why, size_t whylen) {
  for (size_t i = 0; i < b->nm; i++) {
    json_t *v;
    char e[512];
    int code;
    if (!b->m[i].value) continue;
    v = rl_conf_subst(b->m[i].value, &x->env, &code, e, sizeof e);
    if (!v) {
      snprintf(why, whylen, "%s:%d:%d: %s", b->m[i].loc.file, b->m[i].loc.line, b->m[i].loc.col, e);
      return RL_ERR_SYNTAX;
    }
    json_decref(v);
  }
  for (size_t i = 0; i < b->ncap; i++) {
    json_t *v = dummy_value(&b->cap[i].path, x->env.node_id_len);
    if (!v || json_object_set_new(x->env.vars, b->cap[i].name, v) != 0) return RL_ERR_NOMEM;
  }
  return 0;
}

int rl_conf_check_templates(rl_conf_runner *R, const rl_scenario *sc, char *why, size_t whylen) {
  run x;
  int r = 0;
  json_t *req;
  memset(&x, 0, sizeof x);
  x.R = R;
  x.sc = sc;
  x.env.rng = &R->rng;
  x.env.node_id_len = R->s.node_id_len;
  x.env.vars = initial_vars(R);
  req = json_pack("{s:{s:s,s:[]}}", "forwarding_header", "transaction_id", "1", "via_list");
  if (!x.env.vars || !req || rl_conf_builder_init(&x.builder, R->codec, &x.env) != 0) {
    r = RL_ERR_NOMEM;
    goto done;
  }
  if (!json_object_get(x.env.vars, "target_node_id")) {
    uint8_t z[20];
    memset(z, 0xa5, sizeof z);
    json_object_set_new(x.env.vars, "target_node_id", rl_conf_hex_json(z, R->s.node_id_len));
  }
  for (size_t i = 0; i < sc->nskips && r == 0; i++) {
    rl_scen_block b;
    memset(&b, 0, sizeof b);
    b.m = (rl_scen_matcher *)&sc->skips[i].cond;
    b.nm = 1;
    r = check_block_values(&x, &b, why, whylen);
  }
  for (size_t i = 0; i < sc->nsteps && r == 0; i++) {
    const rl_scen_step *s = &sc->steps[i];
    rl_conf_built m;
    char e[768];
    switch (s->kind) {
    case RL_SCEN_SEND:
    case RL_SCEN_REPLY:
      if (s->kind == RL_SCEN_REPLY && rl_conf_set_request_vars(&x.env, req, R->s.target_node_id) != 0) {
        r = RL_ERR_NOMEM;
        break;
      }
      r = rl_conf_build(&x.builder, s->tmpl, s->kind == RL_SCEN_REPLY, s->mut, s->nmut, &m, e, sizeof e);
      if (r != 0)
        snprintf(why, whylen, "%s:%d:%d: %s", s->loc.file, s->loc.line, s->loc.col, e);
      else
        json_object_set_new(x.env.vars, "txid", json_string("1"));
      rl_conf_built_free(&m);
      break;
    case RL_SCEN_SEND_RAW:
    case RL_SCEN_SEND_STREAM: json_object_set_new(x.env.vars, "txid", json_string("1")); break;
    case RL_SCEN_EXPECT_ACKED: r = check_block_values(&x, &s->block, why, whylen); break;
    case RL_SCEN_EXPECT:
    case RL_SCEN_EXPECT_MESSAGE:
    case RL_SCEN_EXPECT_NOTHING:
      if (s->has_where) r = check_block_values(&x, &s->where, why, whylen);
      if (r == 0) r = check_block_values(&x, &s->block, why, whylen);
      json_object_set(x.env.vars, "last", req);
      break;
    case RL_SCEN_CAPTURE: {
      rl_scen_block b;
      memset(&b, 0, sizeof b);
      b.cap = (rl_scen_capture *)&s->cap;
      b.ncap = 1;
      r = check_block_values(&x, &b, why, whylen);
      break;
    }
    case RL_SCEN_LET: {
      int code;
      json_t *v = rl_conf_subst(s->tmpl, &x.env, &code, e, sizeof e);
      if (!v) {
        snprintf(why, whylen, "%s:%d:%d: %s", s->loc.file, s->loc.line, s->loc.col, e);
        r = code ? code : RL_ERR_SYNTAX;
      } else if (json_object_set_new(x.env.vars, s->cap.name, v) != 0) {
        r = RL_ERR_NOMEM;
      }
      break;
    }
    default: break;
    }
  }
done:
  if (r == RL_ERR_NOMEM) snprintf(why, whylen, "out of memory");
  rl_conf_builder_free(&x.builder);
  json_decref(x.env.vars);
  json_decref(req);
  return r;
}
