/* conformance/msgq.c: a connection's queue of arrived messages
 * (conformance/msgq.h). */
#include "msgq.h"

#include <stdlib.h>
#include <string.h>

#include "runtime/error.h"

int rl_conf_msgq_push(rl_conf_msgq *q, const uint8_t *data, size_t len) {
  rl_conf_msg *m;
  if (len > SIZE_MAX - sizeof *m) return RL_ERR_NOMEM;
  m = malloc(sizeof *m + len);
  if (!m) return RL_ERR_NOMEM;
  m->next = NULL;
  m->len = len;
  if (len) memcpy(m->data, data, len);
  if (q->tail)
    q->tail->next = m;
  else
    q->head = m;
  q->tail = m;
  return 0;
}

rl_conf_msg *rl_conf_msgq_pop(rl_conf_msgq *q) {
  rl_conf_msg *m = q->head;
  if (!m) return NULL;
  q->head = m->next;
  if (!q->head) q->tail = NULL;
  m->next = NULL;
  return m;
}

void rl_conf_msg_free(rl_conf_msg *m) {
  while (m) {
    rl_conf_msg *n = m->next;
    free(m);
    m = n;
  }
}

void rl_conf_msgq_clear(rl_conf_msgq *q) {
  rl_conf_msg_free(q->head);
  q->head = q->tail = NULL;
}
