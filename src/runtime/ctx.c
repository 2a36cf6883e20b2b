/* ctx.c: see ctx.h. */
#include "ctx.h"

void rl_ctx_init(rl_ctx *ctx, rl_arena *arena, const void *params) {
  ctx->base = NULL;
  ctx->arena = arena;
  ctx->params = params;
  rl_errinfo_clear(&ctx->err);
  ctx->depth = 0;
  ctx->message_length = 0;
  for (int i = 0; i < RL_MAX_KEYS; i++) {
    ctx->key[i] = 0;
    ctx->have_key[i] = 0;
  }
}

int rl_fail(rl_ctx *ctx, const rl_cursor *c, int code, const char *field,
            const char *reason) {
  return rl_errinfo_set(&ctx->err, code, rl_ctx_offset(ctx, c), field, reason);
}

int rl_elem_fail(rl_ctx *ctx, const rl_cursor *c, const char *list, long index,
                 int code, const char *reason) {
  rl_errinfo_set(&ctx->err, code, rl_ctx_offset(ctx, c), NULL, reason);
  rl_errinfo_push_index(&ctx->err, index, code);
  return rl_errinfo_push(&ctx->err, list, code);
}

static size_t offset_at(const rl_ctx *ctx, const uint8_t *at, size_t back) {
  return (ctx->base ? (size_t)(at - ctx->base) : 0) - back;
}

const uint8_t *rl_dec_fail(rl_ctx *ctx, const uint8_t *at, size_t back, int code,
                           const char *field, const char *reason) {
  rl_errinfo_set(&ctx->err, code, offset_at(ctx, at, back), field, reason);
  return NULL;
}

const uint8_t *rl_dec_elem_fail(rl_ctx *ctx, const uint8_t *at, size_t back,
                                const char *list, long index, int code,
                                const char *reason) {
  rl_errinfo_set(&ctx->err, code, offset_at(ctx, at, back), NULL, reason);
  rl_errinfo_push_index(&ctx->err, index, code);
  rl_errinfo_push(&ctx->err, list, code);
  return NULL;
}

const uint8_t *rl_dec_push(rl_ctx *ctx, const char *name) {
  rl_errinfo_push(&ctx->err, name, ctx->err.code);
  return NULL;
}

const uint8_t *rl_dec_push_index(rl_ctx *ctx, const char *list, long index) {
  rl_errinfo_push_index(&ctx->err, index, ctx->err.code);
  rl_errinfo_push(&ctx->err, list, ctx->err.code);
  return NULL;
}
