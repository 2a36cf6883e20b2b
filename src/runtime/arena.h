/* arena.h: a caller's memory for decoded lists and variants.
 *
 * Decoding untrusted input never calls malloc: lists are placed in an
 * arena the caller provides (stack or static buffer) and the whole arena
 * is reset at once, so there is nothing to free and no half-decoded value
 * to clean up. The arena grows from both ends: permanent allocations from
 * the bottom, scratch space for a list whose length is not yet known from
 * the top (released in LIFO order). */
#ifndef RL_ARENA_H
#define RL_ARENA_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef struct rl_arena {
  uint8_t *base;
  size_t cap;
  size_t lo; /* bytes used from the bottom */
  size_t hi; /* offset of the lowest byte used from the top (cap when none) */
} rl_arena;

#define RL_ARENA_ALIGN 8

void rl_arena_init(rl_arena *a, void *buf, size_t cap);
void rl_arena_reset(rl_arena *a);

/* The allocation functions are inline: the generated decoders call them
 * for every list, and a call costs more than the work. */

/* What a 0-byte allocation returns (arena.c). */
extern uint8_t rl_arena_zero_size[RL_ARENA_ALIGN];

/* n bytes from the bottom, aligned; NULL when full (or n == 0: non-NULL
 * dummy pointer is returned so that callers need no special case). */
static inline void *rl_arena_alloc(rl_arena *a, size_t n) {
  size_t m;
  void *p;
  if (n == 0) return rl_arena_zero_size;
  if (n > SIZE_MAX - (RL_ARENA_ALIGN - 1)) return NULL;
  m = (n + RL_ARENA_ALIGN - 1) & ~(size_t)(RL_ARENA_ALIGN - 1);
  if (m > a->hi - a->lo) return NULL;
  p = a->base + a->lo;
  a->lo += m;
  return p;
}

/* count * size bytes, overflow-checked. */
static inline void *rl_arena_alloc_array(rl_arena *a, size_t count, size_t size) {
  if (size && count > SIZE_MAX / size) return NULL;
  return rl_arena_alloc(a, count * size);
}

/* Scratch space from the top. Save a->hi before, restore it after. */
static inline void *rl_arena_scratch(rl_arena *a, size_t count, size_t size) {
  size_t n, m;
  if (size && count > SIZE_MAX / size) return NULL;
  n = count * size;
  if (n == 0) return rl_arena_zero_size;
  if (n > SIZE_MAX - (RL_ARENA_ALIGN - 1)) return NULL;
  m = (n + RL_ARENA_ALIGN - 1) & ~(size_t)(RL_ARENA_ALIGN - 1);
  if (m > a->hi - a->lo) return NULL;
  a->hi -= m;
  return a->base + a->hi;
}

/* Lists decoded in place (generated decoders): the elements were decoded
 * into [mark, resv), room for the most elements their region could hold,
 * and whatever they placed in the arena themselves followed from resv on.
 * Keep the first used bytes of the room (rounded up) and give back the
 * rest, moving what follows down. Returns by how many bytes it was moved,
 * for the caller to correct its pointers into it, or 0 when nothing
 * moved. */
static inline size_t rl_arena_shrink(rl_arena *a, size_t mark, size_t resv, size_t used) {
  size_t keep = (used + RL_ARENA_ALIGN - 1) & ~(size_t)(RL_ARENA_ALIGN - 1);
  size_t gap = resv - mark - keep;
  size_t after = a->lo - resv;
  a->lo -= gap;
  if (gap == 0 || after == 0) return 0;
  memmove(a->base + mark + keep, a->base + resv, after);
  return gap;
}

/* Bytes still free between the two ends. */
size_t rl_arena_free(const rl_arena *a);

#endif
