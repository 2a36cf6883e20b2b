/* arena.c: see arena.h. */
#include "arena.h"

/* What a 0-byte allocation returns: not NULL (which means "full"), and
 * never written through. */
uint8_t rl_arena_zero_size[RL_ARENA_ALIGN];

void rl_arena_init(rl_arena *a, void *buf, size_t cap) {
  uintptr_t p = (uintptr_t)buf;
  size_t skip = (RL_ARENA_ALIGN - (p % RL_ARENA_ALIGN)) % RL_ARENA_ALIGN;
  if (buf == NULL || cap < skip) {
    a->base = buf;
    a->cap = 0;
  } else {
    a->base = (uint8_t *)buf + skip;
    a->cap = (cap - skip) & ~(size_t)(RL_ARENA_ALIGN - 1);
  }
  a->lo = 0;
  a->hi = a->cap;
}

void rl_arena_reset(rl_arena *a) {
  a->lo = 0;
  a->hi = a->cap;
}

size_t rl_arena_free(const rl_arena *a) { return a->hi - a->lo; }
