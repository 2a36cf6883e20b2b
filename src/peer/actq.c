/* peer/actq.c: the node core's queue of actions (peer/actq.h): a ring
 * that doubles when full. */
#include "peer/actq.h"

#include <stdlib.h>
#include <string.h>

#include "runtime/error.h"

void rl_actq_init(rl_actq *q) { memset(q, 0, sizeof *q); }

void rl_actq_free(rl_actq *q) {
  for (size_t i = 0; i < q->count; i++) free(q->a[(q->head + i) % q->cap].bytes);
  free(q->a);
  free(q->popped);
  memset(q, 0, sizeof *q);
}

static rl_action *slot(rl_actq *q) {
  if (q->count == q->cap) {
    size_t ncap = q->cap ? q->cap * 2 : 16;
    rl_action *na;
    if (ncap > SIZE_MAX / sizeof *na) return NULL;
    na = malloc(ncap * sizeof *na);
    if (!na) return NULL;
    for (size_t i = 0; i < q->count; i++) na[i] = q->a[(q->head + i) % q->cap];
    free(q->a);
    q->a = na;
    q->cap = ncap;
    q->head = 0;
  }
  rl_action *s = &q->a[(q->head + q->count) % q->cap];
  memset(s, 0, sizeof *s);
  return s;
}

static int with_bytes(rl_actq *q, rl_action_type type, uint64_t link, const void *bytes,
                      size_t len) {
  uint8_t *copy = malloc(len ? len : 1);
  rl_action *s;
  if (!copy) return RL_ERR_NOMEM;
  s = slot(q);
  if (!s) {
    free(copy);
    return RL_ERR_NOMEM;
  }
  if (len) memcpy(copy, bytes, len);
  s->type = type;
  s->link = link;
  s->bytes = copy;
  s->len = len;
  q->bytes += len;
  q->count++;
  return 0;
}

int rl_actq_send(rl_actq *q, uint64_t link, const uint8_t *bytes, size_t len) {
  return with_bytes(q, RL_ACTION_SEND, link, bytes, len);
}

int rl_actq_ice_remote(rl_actq *q, uint64_t link, const rl_ice_remote *r) {
  return with_bytes(q, RL_ACTION_ICE_REMOTE, link, r, sizeof *r);
}

int rl_actq_ice_start(rl_actq *q, uint64_t link, int controlling) {
  rl_action *s = slot(q);
  if (!s) return RL_ERR_NOMEM;
  s->type = RL_ACTION_ICE_START;
  s->link = link;
  s->controlling = controlling;
  q->count++;
  return 0;
}

int rl_actq_set_turn(rl_actq *q, const struct sockaddr *addr, socklen_t len) {
  rl_action *s;
  if (len > sizeof s->addr) return RL_ERR_PARAM;
  s = slot(q);
  if (!s) return RL_ERR_NOMEM;
  s->type = RL_ACTION_SET_TURN;
  memcpy(&s->addr, addr, len);
  s->addr_len = len;
  q->count++;
  return 0;
}

int rl_actq_connect(rl_actq *q, uint64_t link, const struct sockaddr *addr, socklen_t len) {
  rl_action *s;
  if (len > sizeof s->addr) return RL_ERR_PARAM;
  s = slot(q);
  if (!s) return RL_ERR_NOMEM;
  s->type = RL_ACTION_CONNECT;
  s->link = link;
  memcpy(&s->addr, addr, len);
  s->addr_len = len;
  q->count++;
  return 0;
}

int rl_actq_close(rl_actq *q, uint64_t link) {
  rl_action *s = slot(q);
  if (!s) return RL_ERR_NOMEM;
  s->type = RL_ACTION_CLOSE;
  s->link = link;
  q->count++;
  return 0;
}

int rl_actq_pop(rl_actq *q, rl_action *out) {
  free(q->popped);
  q->popped = NULL;
  if (!q->count) return 0;
  *out = q->a[q->head];
  q->head = (q->head + 1) % q->cap;
  q->count--;
  q->popped = out->bytes;
  q->bytes -= out->len;
  return 1;
}
