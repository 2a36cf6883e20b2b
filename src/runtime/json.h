/* json.h: the small helpers generated to_json/from_json code calls.
 * JSON goes through jansson (Debian libjansson): it keeps object keys in
 * insertion order, so output follows the RFC's member order. */
#ifndef RL_JSON_H
#define RL_JSON_H

#include <jansson.h>
#include <stdint.h>

#include "ctx.h"
#include "hex.h"
#include "types.h"

/* Set key to value (stealing it); nonzero when value is NULL or on error. */
int rl_json_set(json_t *o, const char *key, json_t *value);

/* Lowercase hex string of n bytes. */
json_t *rl_json_hex(const uint8_t *p, size_t n);

/* uint64 as a decimal string: JSON numbers lose precision past 2^53. */
json_t *rl_json_u64(uint64_t v);

/* An enum: its RFC name when known, else the number. */
json_t *rl_json_enum(const char *name, uint64_t v);

/* A JSON number (or, for 8-byte fields, a decimal string) that fits in
 * width bytes. */
int rl_json_to_uint(const json_t *j, unsigned width, void *out, rl_ctx *ctx);
int rl_json_get_uint(const json_t *obj, const char *key, unsigned width,
                     void *out, rl_ctx *ctx);

/* A hex string decoded into the arena. */
int rl_json_to_hex(const json_t *j, rl_ctx *ctx, rl_bytes *out);

/* RL_ERR_JSON naming the first key of obj not in the NULL-terminated list
 * (the error path's last segment points into obj: format it first). */
int rl_json_check_keys(const json_t *obj, const char *const *keys, rl_ctx *ctx);


#endif
