/* json.c: see json.h. */
#include "json.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"

int rl_json_set(json_t *o, const char *key, json_t *value) {
  if (!value) return -1;
  return json_object_set_new(o, key, value);
}

json_t *rl_json_hex(const uint8_t *p, size_t n) {
  static const char digits[] = "0123456789abcdef";
  char small[129] = {0};
  char *s = small;
  json_t *j;
  if (n > (SIZE_MAX - 1) / 2) return NULL;
  if (2 * n + 1 > sizeof small) {
    s = malloc(2 * n + 1);
    if (!s) return NULL;
  }
  for (size_t i = 0; i < n; i++) {
    s[2 * i] = digits[p[i] >> 4];
    s[2 * i + 1] = digits[p[i] & 15];
  }
  s[2 * n] = '\0';
  j = json_stringn(s, 2 * n);
  if (s != small) free(s);
  return j;
}

json_t *rl_json_u64(uint64_t v) {
  char buf[24];
  int n = snprintf(buf, sizeof buf, "%llu", (unsigned long long)v);
  return json_stringn(buf, (size_t)n);
}

json_t *rl_json_enum(const char *name, uint64_t v) {
  if (name) return json_string(name);
  return json_integer((json_int_t)v);
}

static uint64_t max_of(unsigned width) {
  return width >= 8 ? UINT64_MAX : ((uint64_t)1 << (8 * width)) - 1;
}

static void store(void *out, unsigned width, uint64_t v) {
  switch (width) {
  case 1: *(uint8_t *)out = (uint8_t)v; break;
  case 2: *(uint16_t *)out = (uint16_t)v; break;
  case 3:
  case 4: *(uint32_t *)out = (uint32_t)v; break;
  default: *(uint64_t *)out = v; break;
  }
}

int rl_json_to_uint(const json_t *j, unsigned width, void *out, rl_ctx *ctx) {
  uint64_t v;
  if (json_is_integer(j)) {
    json_int_t x = json_integer_value(j);
    if (x < 0)
      return rl_errinfo_set(&ctx->err, RL_ERR_JSON, 0, NULL, "negative number");
    v = (uint64_t)x;
  } else if (json_is_string(j)) {
    const char *s = json_string_value(j);
    char *end;
    if (!*s || *s == '-' || *s == '+' || *s == ' ')
      return rl_errinfo_set(&ctx->err, RL_ERR_JSON, 0, NULL, "not an unsigned decimal");
    errno = 0;
    v = strtoull(s, &end, 10);
    if (errno || *end)
      return rl_errinfo_set(&ctx->err, RL_ERR_JSON, 0, NULL, "not an unsigned decimal");
  } else {
    return rl_errinfo_set(&ctx->err, RL_ERR_JSON, 0, NULL, "expected a number");
  }
  if (v > max_of(width))
    return rl_errinfo_set(&ctx->err, RL_ERR_JSON, 0, NULL, "number too large for the field");
  store(out, width, v);
  return 0;
}

int rl_json_get_uint(const json_t *obj, const char *key, unsigned width,
                     void *out, rl_ctx *ctx) {
  const json_t *m = json_object_get(obj, key);
  int r;
  if (!m) return rl_errinfo_set(&ctx->err, RL_ERR_JSON, 0, key, "member missing");
  r = rl_json_to_uint(m, width, out, ctx);
  if (r) rl_errinfo_push(&ctx->err, key, r);
  return r;
}

int rl_json_to_hex(const json_t *j, rl_ctx *ctx, rl_bytes *out) {
  const char *s;
  size_t n;
  uint8_t *buf;
  long k;
  if (!json_is_string(j))
    return rl_errinfo_set(&ctx->err, RL_ERR_JSON, 0, NULL, "expected a hex string");
  s = json_string_value(j);
  n = json_string_length(j);
  if (n % 2)
    return rl_errinfo_set(&ctx->err, RL_ERR_JSON, 0, NULL, "hex string of odd length");
  buf = rl_arena_alloc(ctx->arena, n / 2);
  if (!buf) return rl_errinfo_set(&ctx->err, RL_ERR_ARENA, 0, NULL, NULL);
  k = rl_hex_decode(s, n, buf, n / 2, 0);
  if (k < 0)
    return rl_errinfo_set(&ctx->err, RL_ERR_JSON, 0, NULL, "not a hex string");
  out->ptr = buf;
  out->len = (size_t)k;
  return 0;
}

int rl_json_check_keys(const json_t *obj, const char *const *keys, rl_ctx *ctx) {
  const char *key;
  json_t *value;
  json_object_foreach((json_t *)obj, key, value) {
    int found = 0;
    (void)value;
    for (const char *const *k = keys; *k; k++) {
      if (strcmp(*k, key) == 0) {
        found = 1;
        break;
      }
    }
    /* The path names the key; it points into obj, so the caller formats
     * the error before freeing the JSON. */
    if (!found)
      return rl_errinfo_set(&ctx->err, RL_ERR_JSON, 0, key,
                            "unexpected member (not in the spec)");
  }
  return 0;
}
