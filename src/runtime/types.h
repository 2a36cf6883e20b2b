/* types.h: the value types generated structs are made of. */
#ifndef RL_TYPES_H
#define RL_TYPES_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* A byte string that points into the decoded input or an arena: decoding
 * copies nothing. */
typedef struct rl_bytes {
  const uint8_t *ptr;
  size_t len;
} rl_bytes;

/* uint128 (IPv6 addresses): 16 bytes, most significant first. */
typedef struct rl_u128 {
  uint8_t b[16];
} rl_u128;

static inline int rl_bytes_equal(rl_bytes a, rl_bytes b) {
  return a.len == b.len && (a.len == 0 || memcmp(a.ptr, b.ptr, a.len) == 0);
}

#endif
