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

static inline size_t rl_ctx_offset(const rl_ctx *ctx, const rl_cursor *c) {
  return ctx->base ? (size_t)(c->p - ctx->base) : 0;
}

#endif
