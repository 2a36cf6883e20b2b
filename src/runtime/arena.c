/* arena.c: see arena.h. */
#include "arena.h"

static uint8_t zero_size_dummy[RL_ARENA_ALIGN];

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

static size_t round_up(size_t n, int *overflow) {
  if (n > SIZE_MAX - (RL_ARENA_ALIGN - 1)) {
    *overflow = 1;
    return 0;
  }
  return (n + RL_ARENA_ALIGN - 1) & ~(size_t)(RL_ARENA_ALIGN - 1);
}

void *rl_arena_alloc(rl_arena *a, size_t n) {
  int overflow = 0;
  size_t m;
  void *p;
  if (n == 0) return zero_size_dummy;
  m = round_up(n, &overflow);
  if (overflow || m > a->hi - a->lo) return NULL;
  p = a->base + a->lo;
  a->lo += m;
  return p;
}

void *rl_arena_alloc_array(rl_arena *a, size_t count, size_t size) {
  if (size && count > SIZE_MAX / size) return NULL;
  return rl_arena_alloc(a, count * size);
}

void *rl_arena_scratch(rl_arena *a, size_t count, size_t size) {
  int overflow = 0;
  size_t m;
  if (size && count > SIZE_MAX / size) return NULL;
  if (count * size == 0) return zero_size_dummy;
  m = round_up(count * size, &overflow);
  if (overflow || m > a->hi - a->lo) return NULL;
  a->hi -= m;
  return a->base + a->hi;
}

size_t rl_arena_free(const rl_arena *a) { return a->hi - a->lo; }
