/* backlink.c: see backlink.h. */
#include "peer/backlink.h"

#include <stdlib.h>
#include <string.h>

#include "runtime/error.h"

typedef struct backlink_entry {
  int used;
  uint64_t transaction_id, link_key, when_ms;
  uint8_t id_len;
  uint8_t id[RL_BACKLINK_ID_MAX];
} backlink_entry;

struct rl_backlink {
  size_t nslots, next; /* next: the slot written next (the oldest) */
  uint64_t lifetime_ms;
  backlink_entry *e;
};

rl_backlink *rl_backlink_new(size_t slots, uint64_t lifetime_ms) {
  rl_backlink *t;
  if (slots == 0) return NULL;
  t = calloc(1, sizeof *t);
  if (!t) return NULL;
  t->e = calloc(slots, sizeof *t->e);
  if (!t->e) {
    free(t);
    return NULL;
  }
  t->nslots = slots;
  t->lifetime_ms = lifetime_ms;
  return t;
}

void rl_backlink_free(rl_backlink *t) {
  if (!t) return;
  free(t->e);
  free(t);
}

int rl_backlink_put(rl_backlink *t, uint64_t transaction_id, const uint8_t *node_id,
                    size_t id_len, uint64_t link_key, uint64_t now_ms) {
  backlink_entry *e;
  if (id_len == 0 || id_len > RL_BACKLINK_ID_MAX) return RL_ERR_PARAM;
  e = &t->e[t->next];
  t->next = (t->next + 1) % t->nslots;
  e->used = 1;
  e->transaction_id = transaction_id;
  e->link_key = link_key;
  e->when_ms = now_ms;
  e->id_len = (uint8_t)id_len;
  memcpy(e->id, node_id, id_len);
  return 0;
}

int rl_backlink_get(const rl_backlink *t, uint64_t transaction_id, const uint8_t *node_id,
                    size_t id_len, uint64_t now_ms, uint64_t *link_key) {
  /* Newest first: a retransmission (6.2.1) may have come over a new link. */
  for (size_t k = 1; k <= t->nslots; k++) {
    const backlink_entry *e = &t->e[(t->next + t->nslots - k) % t->nslots];
    if (!e->used || e->transaction_id != transaction_id || e->id_len != id_len ||
        memcmp(e->id, node_id, id_len) != 0)
      continue;
    if (now_ms < e->when_ms || now_ms - e->when_ms >= t->lifetime_ms) return RL_ERR_NOT_FOUND;
    *link_key = e->link_key;
    return 0;
  }
  return RL_ERR_NOT_FOUND;
}
