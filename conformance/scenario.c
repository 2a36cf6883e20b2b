/* scenario.c: the memory pool of a parsed scenario. */
#include "scenario.h"

#include <stdlib.h>
#include <string.h>

struct rl_scen_chunk {
  rl_scen_chunk *next;
  size_t used, cap;
  max_align_t data[]; /* cap bytes */
};

#define CHUNK_MIN ((size_t)16 * 1024)
#define ALIGN (sizeof(max_align_t))

void rl_scen_pool_init(rl_scen_pool *p) {
  p->chunks = NULL;
  p->values = NULL;
}

void *rl_scen_pool_alloc(rl_scen_pool *p, size_t n) {
  rl_scen_chunk *c = p->chunks;
  size_t m;
  void *r;
  if (n > SIZE_MAX - ALIGN) return NULL;
  m = (n + ALIGN - 1) / ALIGN * ALIGN;
  if (m == 0) m = ALIGN;
  if (!c || c->cap - c->used < m) {
    size_t cap = m > CHUNK_MIN ? m : CHUNK_MIN;
    if (cap > SIZE_MAX - sizeof *c) return NULL;
    c = malloc(sizeof *c + cap);
    if (!c) return NULL;
    c->next = p->chunks;
    c->used = 0;
    c->cap = cap;
    p->chunks = c;
  }
  r = (unsigned char *)c->data + c->used;
  c->used += m;
  memset(r, 0, n);
  return r;
}

json_t *rl_scen_pool_keep(rl_scen_pool *p, json_t *v) {
  if (!v) return NULL;
  if (!p->values && !(p->values = json_array())) {
    json_decref(v);
    return NULL;
  }
  if (json_array_append_new(p->values, v) != 0) return NULL;
  return v;
}

void rl_scen_pool_free(rl_scen_pool *p) {
  rl_scen_chunk *c = p->chunks;
  while (c) {
    rl_scen_chunk *next = c->next;
    free(c);
    c = next;
  }
  json_decref(p->values);
  rl_scen_pool_init(p);
}

const char *rl_scen_role_name(rl_scen_role r) {
  switch (r) {
  case RL_SCEN_ROLE_CLIENT: return "client";
  case RL_SCEN_ROLE_PEER: return "peer";
  case RL_SCEN_ROLE_MULTI: return "multi";
  }
  return "?";
}
