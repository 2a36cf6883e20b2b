/* ctx.h: the state one decode carries: where the input starts (for byte
 * offsets), the arena, the decoding parameters, the error, the depth. */
#ifndef RL_CTX_H
#define RL_CTX_H

#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "cursor.h"
#include "error.h"


#define RL_MAX_DEPTH 32
#define RL_MAX_KEYS 4

typedef struct rl_ctx {
  const uint8_t *base;             /* start of the input, for offsets */
  rl_arena *arena;
  const void *params;              /* the generated codec's rl_params */
  rl_errinfo err;
  int depth;
  size_t message_length;           /* bytes of the @message being decoded */
  /* Innermost value of each key type of a keyed extern (e.g. KindId for
   * data_model(KindId)); slots are numbered by the generator. */
  uint64_t key[RL_MAX_KEYS];
  uint8_t have_key[RL_MAX_KEYS];
} rl_ctx;

void rl_ctx_init(rl_ctx *ctx, rl_arena *arena, const void *params);

/* Record a decode failure at the cursor's position; returns code. */
int rl_fail(rl_ctx *ctx, const rl_cursor *c, int code, const char *field,
            const char *reason);

/* A failure inside element index of the list named list. */
int rl_elem_fail(rl_ctx *ctx, const rl_cursor *c, const char *list, long index,
                 int code, const char *reason);

#if defined(__GNUC__)
#define RL_COLD __attribute__((cold, noinline))
#else
#define RL_COLD
#endif

/* The same for the generated decoders, which keep their position in a
 * local pointer (cursor.h): record a failure at position at, with the
 * offset moved back by back bytes (a value found bad after it was read
 * points at its first byte), and return NULL for the decoder to return.
 * Cold: only malformed input gets here, so the compiler moves these calls
 * out of the way of the decoding code. */
RL_COLD const uint8_t *rl_dec_fail(rl_ctx *ctx, const uint8_t *at, size_t back, int code,
                                   const char *field, const char *reason);

/* A failure inside element index of the list named list. */
RL_COLD const uint8_t *rl_dec_elem_fail(rl_ctx *ctx, const uint8_t *at, size_t back,
                                        const char *list, long index, int code,
                                        const char *reason);

/* A failure unwinding through member name (or element index of list
 * name): add the path segment(s); NULL. */
RL_COLD const uint8_t *rl_dec_push(rl_ctx *ctx, const char *name);
RL_COLD const uint8_t *rl_dec_push_index(rl_ctx *ctx, const char *list, long index);

static inline size_t rl_ctx_offset(const rl_ctx *ctx, const rl_cursor *c) {
  return ctx->base ? (size_t)(c->p - ctx->base) : 0;
}

#endif
