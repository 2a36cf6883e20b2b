/* viatab.c: see viatab.h. */
#include "peer/viatab.h"

#include <stdlib.h>
#include <string.h>

#include "runtime/error.h"

#define OPAQUE_TOP 0x8000u
#define GEN_SHIFT 12
#define GEN_MASK 0x7u
#define INDEX_MASK 0x0fffu

typedef struct viatab_slot {
  int used;
  uint8_t generation;
  uint64_t saved_ms;
  size_t n;
} viatab_slot;

/* A slot's saved Via List, apart from its small header: the headers are
 * written when the table is made (their counters are seeded), the bodies
 * (3 KiB each) only when a slot is used, so their pages stay unmapped
 * until then. */
typedef struct viatab_body {
  rl_Destination via[RL_VIATAB_MAX_ENTRIES];
  uint8_t bytes[RL_VIATAB_MAX_BYTES];
} viatab_body;

struct rl_viatab {
  size_t nslots;
  size_t next; /* the slot to use next (round robin) */
  uint64_t lifetime_ms;
  viatab_slot *slot;
  viatab_body *body;
};

/* splitmix64: spreads the seed over the slots' counters. */
static uint64_t splitmix64(uint64_t *x) {
  uint64_t z = (*x += 0x9e3779b97f4a7c15u);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
  return z ^ (z >> 31);
}

rl_viatab *rl_viatab_new(size_t slots, uint64_t lifetime_ms, uint64_t seed) {
  rl_viatab *t;
  if (slots == 0 || slots > RL_VIATAB_MAX_SLOTS) return NULL;
  t = calloc(1, sizeof *t);
  if (!t) return NULL;
  t->slot = calloc(slots, sizeof *t->slot);
  t->body = calloc(slots, sizeof *t->body);
  if (!t->slot || !t->body) {
    free(t->slot);
    free(t->body);
    free(t);
    return NULL;
  }
  t->nslots = slots;
  t->lifetime_ms = lifetime_ms;
  for (size_t i = 0; i < slots; i++)
    t->slot[i].generation = (uint8_t)(splitmix64(&seed) & GEN_MASK);
  return t;
}

void rl_viatab_free(rl_viatab *t) {
  if (!t) return;
  free(t->slot);
  free(t->body);
  free(t);
}

static int live(const rl_viatab *t, const viatab_slot *s, uint64_t now_ms) {
  /* A clock that went back counts as age 0. */
  return s->used && (now_ms < s->saved_ms || now_ms - s->saved_ms < t->lifetime_ms);
}

/* The id bytes a Destination refers to (none for the 16-bit form). */
static rl_bytes *id_bytes(rl_Destination *d) {
  if (d->compressed) return NULL;
  switch (d->type) {
  case RL_DestinationType_node:
    return &d->destination_data.node_id;
  case RL_DestinationType_resource:
    return &d->destination_data.resource_id;
  case RL_DestinationType_opaque_id_type:
    return &d->destination_data.opaque_id;
  default:
    return &d->destination_data.unknown;
  }
}

int rl_viatab_save(rl_viatab *t, const rl_Destination *via, size_t n, uint64_t now_ms,
                   uint16_t *opaque_id) {
  viatab_slot *s = &t->slot[t->next];
  viatab_body *body = &t->body[t->next];
  size_t used = 0;
  if (n > RL_VIATAB_MAX_ENTRIES) return RL_ERR_TOO_LARGE;
  for (size_t i = 0; i < n; i++) {
    rl_Destination d = via[i];
    rl_bytes *b = id_bytes(&d);
    if (b && b->len > RL_VIATAB_MAX_BYTES - used) return RL_ERR_TOO_LARGE;
    if (b) used += b->len;
  }
  /* The next slot is the oldest: if it is live, all are. */
  if (live(t, s, now_ms)) return RL_ERR_NOMEM;
  used = 0;
  for (size_t i = 0; i < n; i++) {
    rl_Destination *d = &body->via[i];
    rl_bytes *b;
    *d = via[i];
    /* raw pointed into the caller's message. */
    d->raw.ptr = NULL;
    d->raw.len = 0;
    d->destination_data.raw.ptr = NULL;
    d->destination_data.raw.len = 0;
    b = id_bytes(d);
    if (b && b->len) {
      memcpy(body->bytes + used, b->ptr, b->len);
      b->ptr = body->bytes + used;
      used += b->len;
    }
  }
  s->used = 1;
  s->n = n;
  s->saved_ms = now_ms;
  s->generation = (uint8_t)((s->generation + 1) & GEN_MASK);
  *opaque_id = (uint16_t)(OPAQUE_TOP | (unsigned)s->generation << GEN_SHIFT | (unsigned)t->next);
  t->next = (t->next + 1) % t->nslots;
  return 0;
}

int rl_viatab_lookup(const rl_viatab *t, uint16_t opaque_id, uint64_t now_ms,
                     const rl_Destination **via, size_t *n) {
  size_t index = opaque_id & INDEX_MASK;
  const viatab_slot *s;
  if (!(opaque_id & OPAQUE_TOP)) return RL_ERR_COMPRESSED;
  if (index >= t->nslots) return RL_ERR_NOT_FOUND;
  s = &t->slot[index];
  if (!live(t, s, now_ms) || s->generation != ((opaque_id >> GEN_SHIFT) & GEN_MASK))
    return RL_ERR_NOT_FOUND;
  *via = t->body[index].via;
  *n = s->n;
  return 0;
}
