/* conformance/msgq.h: the messages that arrived on one of the suite's
 * connections and wait for the runner (transport_link.c, transport_dtls.c):
 * a queue of copies, oldest first. The runner takes one at a time; the one
 * taken stays allocated until the next is taken (its bytes are what the
 * step looks at). */
#ifndef RL_CONF_MSGQ_H
#define RL_CONF_MSGQ_H

#include <stddef.h>
#include <stdint.h>

typedef struct rl_conf_msg {
  struct rl_conf_msg *next;
  size_t len;
  uint8_t data[];
} rl_conf_msg;

typedef struct rl_conf_msgq {
  rl_conf_msg *head, *tail;
} rl_conf_msgq;

/* Append a copy of data; 0 or RL_ERR_NOMEM (nothing appended). */
int rl_conf_msgq_push(rl_conf_msgq *q, const uint8_t *data, size_t len);
/* The oldest message, taken off the queue (the caller frees it with
 * rl_conf_msg_free), or NULL. */
rl_conf_msg *rl_conf_msgq_pop(rl_conf_msgq *q);
/* Free a message and those chained after it (NULL: nothing). */
void rl_conf_msg_free(rl_conf_msg *m);
/* Free what the queue holds; it is empty afterwards. */
void rl_conf_msgq_clear(rl_conf_msgq *q);

#endif
