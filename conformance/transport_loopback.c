/* transport_loopback.c: see transport_loopback.h. */
#include "transport_loopback.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "build.h"
#include "msgcodec.h"
#include "runtime/error.h"
#include "template.h"

#define MAX_CONNS 16

typedef struct item {
  struct item *next;
  uint64_t at; /* virtual time of delivery */
  rl_conf_event_kind kind;
  uint8_t *data;
  size_t len;
  char detail[200];
} item;

typedef struct conn {
  char name[64];
  int used;
  int closed; /* the responder closed it: sends fail, recv says so */
  item *queue; /* sorted by at */
} conn;

typedef struct loopback {
  rl_conf_loopback_config cfg;
  rl_conf_codec codec;
  rl_conf_env env;
  uint64_t rng;
  rl_conf_builder builder;
  conn conns[MAX_CONNS];
  uint64_t now;
  item *current; /* the last event handed out */
} loopback;

static conn *find(loopback *lb, const char *name) {
  for (int i = 0; i < MAX_CONNS; i++)
    if (lb->conns[i].used && strcmp(lb->conns[i].name, name) == 0) return &lb->conns[i];
  return NULL;
}

static void free_queue(item *q) {
  while (q) {
    item *n = q->next;
    free(q->data);
    free(q);
    q = n;
  }
}

static int enqueue(conn *c, uint64_t at, rl_conf_event_kind kind, const uint8_t *data, size_t len,
                   const char *detail) {
  item *it = calloc(1, sizeof *it), **pp;
  if (!it) return RL_ERR_NOMEM;
  it->at = at;
  it->kind = kind;
  if (len) {
    it->data = malloc(len);
    if (!it->data) {
      free(it);
      return RL_ERR_NOMEM;
    }
    memcpy(it->data, data, len);
    it->len = len;
  }
  snprintf(it->detail, sizeof it->detail, "%s", detail ? detail : "");
  /* Stable: after every item due at the same time or earlier. */
  for (pp = &c->queue; *pp && (*pp)->at <= at; pp = &(*pp)->next) {}
  it->next = *pp;
  *pp = it;
  return 0;
}

static int lb_open(void *self, const char *name, rl_scen_role role, char *why, size_t whylen) {
  loopback *lb = self;
  conn *c = find(lb, name);
  (void)role;
  if (c) {
    free_queue(c->queue);
    memset(c, 0, sizeof *c);
  } else {
    for (int i = 0; i < MAX_CONNS && !c; i++)
      if (!lb->conns[i].used) c = &lb->conns[i];
    if (!c) {
      snprintf(why, whylen, "more than %d connections", MAX_CONNS);
      return RL_ERR_PARAM;
    }
  }
  snprintf(c->name, sizeof c->name, "%s", name);
  c->used = 1;
  return 0;
}

/* Run one rule's steps for the message just received. */
static int run_rule(loopback *lb, conn *c, const rl_scen_rule *rule, const json_t *req,
                    char *why, size_t whylen) {
  uint64_t at = lb->now;
  int r = 0;
  if (rl_conf_set_request_vars(&lb->env, req, lb->cfg.peer_node_id) != 0) return RL_ERR_NOMEM;
  for (size_t i = 0; i < rule->nsteps && r == 0; i++) {
    const rl_scen_step *s = &rule->steps[i];
    rl_conf_built m;
    char e[512];
    switch (s->kind) {
    case RL_SCEN_SEND:
    case RL_SCEN_REPLY:
      r = rl_conf_build(&lb->builder, s->tmpl, s->kind == RL_SCEN_REPLY, s->mut, s->nmut, &m, e,
                        sizeof e);
      if (r != 0) {
        snprintf(why, whylen, "responder %s:%d:%d: %s", s->loc.file, s->loc.line, s->loc.col, e);
        break;
      }
      r = enqueue(c, at, RL_CONF_EV_MESSAGE, m.bytes, m.len, NULL);
      rl_conf_built_free(&m);
      break;
    case RL_SCEN_SEND_RAW:
    case RL_SCEN_SEND_STREAM:
      r = enqueue(c, at, RL_CONF_EV_MESSAGE, s->bytes, s->nbytes, NULL);
      break;
    case RL_SCEN_SLEEP: at += s->within_ms; break;
    case RL_SCEN_CLOSE:
      r = enqueue(c, at, RL_CONF_EV_CLOSED, NULL, 0, "closed by the responder");
      c->closed = 1;
      break;
    default:
      snprintf(why, whylen, "responder %s:%d:%d: not a responder step", s->loc.file, s->loc.line,
               s->loc.col);
      r = RL_ERR_PARAM;
    }
  }
  if (r == RL_ERR_NOMEM) snprintf(why, whylen, "out of memory");
  return r;
}

static int deliver(loopback *lb, conn *c, const uint8_t *msg, size_t len, int stream, char *why,
                   size_t whylen) {
  rl_conf_decoded d;
  int r = rl_conf_decode(&lb->codec, msg, len, 0, &d);
  const rl_scenario *sc = lb->cfg.responder;
  if (r != 0) {
    snprintf(why, whylen, "out of memory");
    return r;
  }
  /* Stream bytes without framing are not a message to this responder. */
  if (stream) d.ok = 0;
  /* Conditions may compare with ${req...} (the message itself). */
  if (rl_conf_set_request_vars(&lb->env, d.json, lb->cfg.peer_node_id) != 0) {
    json_decref(d.json);
    snprintf(why, whylen, "out of memory");
    return RL_ERR_NOMEM;
  }
  for (size_t i = 0; i < sc->nrules; i++) {
    const rl_scen_rule *rule = &sc->rules[i];
    char e[512];
    int h;
    if (rule->undecodable != !d.ok) continue;
    h = rl_conf_block_holds(&rule->when, d.json, &lb->env, NULL, e, sizeof e);
    if (h < 0) {
      snprintf(why, whylen, "responder rule %s:%d:%d: %s", rule->loc.file, rule->loc.line,
               rule->loc.col, e);
      r = RL_ERR_PARAM;
      break;
    }
    if (h == 1) {
      r = run_rule(lb, c, rule, d.json, why, whylen);
      break;
    }
  }
  json_decref(d.json);
  return r;
}

static int lb_send_common(void *self, const char *name, const uint8_t *msg, size_t len, int stream,
                          char *why, size_t whylen) {
  loopback *lb = self;
  conn *c = find(lb, name);
  if (!c) {
    snprintf(why, whylen, "connection '%s' is not open", name);
    return RL_ERR_STATE;
  }
  if (c->closed) {
    snprintf(why, whylen, "the connection was closed by the far end");
    return RL_ERR_IO;
  }
  return deliver(lb, c, msg, len, stream, why, whylen);
}

static int lb_send(void *self, const char *name, const uint8_t *msg, size_t len, char *why,
                   size_t whylen) {
  return lb_send_common(self, name, msg, len, 0, why, whylen);
}

static int lb_send_stream(void *self, const char *name, const uint8_t *msg, size_t len, char *why,
                          size_t whylen) {
  return lb_send_common(self, name, msg, len, 1, why, whylen);
}

static int lb_recv(void *self, const char *name, uint64_t timeout_ms, rl_conf_event *ev, char *why,
                   size_t whylen) {
  loopback *lb = self;
  conn *c = find(lb, name);
  item *it;
  memset(ev, 0, sizeof *ev);
  if (lb->current) {
    free(lb->current->data);
    free(lb->current);
    lb->current = NULL;
  }
  if (!c) {
    snprintf(why, whylen, "connection '%s' is not open", name);
    return RL_ERR_STATE;
  }
  it = c->queue;
  if (!it || it->at > lb->now + timeout_ms) {
    lb->now += timeout_ms;
    ev->kind = RL_CONF_EV_TIMEOUT;
    return 0;
  }
  if (it->at > lb->now) lb->now = it->at;
  ev->kind = it->kind;
  snprintf(ev->detail, sizeof ev->detail, "%s", it->detail);
  if (it->kind == RL_CONF_EV_CLOSED) {
    /* A closed connection stays closed: leave the event queued. */
    return 0;
  }
  c->queue = it->next;
  lb->current = it;
  ev->data = it->data;
  ev->len = it->len;
  return 0;
}

static void lb_close(void *self, const char *name) {
  loopback *lb = self;
  conn *c = find(lb, name);
  if (!c) return;
  free_queue(c->queue);
  memset(c, 0, sizeof *c);
}

static uint64_t lb_now(void *self) { return ((loopback *)self)->now; }

static void lb_sleep(void *self, uint64_t ms) { ((loopback *)self)->now += ms; }

static void lb_destroy(void *self) {
  loopback *lb = self;
  for (int i = 0; i < MAX_CONNS; i++) free_queue(lb->conns[i].queue);
  if (lb->current) {
    free(lb->current->data);
    free(lb->current);
  }
  rl_conf_builder_free(&lb->builder);
  rl_conf_codec_free(&lb->codec);
  json_decref(lb->env.vars);
  free(lb);
}

static const rl_conf_transport_ops loopback_ops = {
    "loopback", lb_open,  lb_send,    lb_send_stream, lb_recv, lb_close, lb_now,
    lb_sleep,   lb_destroy,
    NULL, /* no TLS: no other credentials to present */
    NULL, /* no link layer: no frames, no acks */
    NULL  /* no socket: candidates name 127.0.0.1 */};

int rl_conf_loopback_new(const rl_conf_loopback_config *cfg, rl_conf_transport *out, char *why,
                         size_t whylen) {
  loopback *lb;
  if (!cfg->responder || !cfg->responder->is_responder) {
    snprintf(why, whylen, "%s: not a responder file (it must start with 'responder')",
             cfg->responder ? cfg->responder->file : "(none)");
    return RL_ERR_PARAM;
  }
  lb = calloc(1, sizeof *lb);
  if (!lb) goto nomem;
  lb->cfg = *cfg;
  rl_conf_codec_init(&lb->codec);
  if (cfg->params) lb->codec.params = *cfg->params;
  lb->rng = cfg->seed ? cfg->seed : rl_conf_seed();
  lb->env.rng = &lb->rng;
  lb->env.node_id_len = lb->codec.params.p.NodeIdLength ? lb->codec.params.p.NodeIdLength : 16;
  /* The responder's view: it is the target, the runner is its peer. */
  lb->env.vars = json_pack("{s:I,s:i,s:i,s:s,s:s,s:s,s:i}", "overlay", (json_int_t)cfg->overlay,
                           "configuration_sequence", (int)cfg->configuration_sequence,
                           "initial_ttl", (int)cfg->initial_ttl, "my_node_id", cfg->node_id,
                           "target_node_id", cfg->peer_node_id, "overlay_name",
                           cfg->overlay_name ? cfg->overlay_name : "", "node_id_length",
                           (int)lb->env.node_id_len);
  if (!lb->env.vars || rl_conf_builder_init(&lb->builder, &lb->codec, &lb->env) != 0) {
    lb_destroy(lb);
    goto nomem;
  }
  out->ops = &loopback_ops;
  out->self = lb;
  return 0;
nomem:
  snprintf(why, whylen, "out of memory");
  return RL_ERR_NOMEM;
}
