/* cursor.h: bounds-checked reading of untrusted bytes.
 *
 * A cursor is a view (p, end) of input that nothing else may read through.
 * Every length prefix opens a child cursor over exactly that many bytes;
 * the caller checks that the child was consumed exactly (rl_cursor_empty).
 * All functions return 0 on success and -1 when the input is too short,
 * leaving the cursor unchanged on failure. They are inline: the generated
 * decoders call them for every field.
 *
 * The generated decoders keep the cursor's two pointers in local variables
 * instead (p and the end of the current region, as picotls does), so that
 * the compiler holds them in registers: a cursor in memory must be reloaded
 * after every store into the decoded struct, which may alias it. They check
 * with rl_has and then read with the unchecked rl_rd_* below, once per
 * field or once for a run of fixed-size fields. */
#ifndef RL_CURSOR_H
#define RL_CURSOR_H

#include <stddef.h>
#include <stdint.h>

typedef struct rl_cursor {
  const uint8_t *p;
  const uint8_t *end;
} rl_cursor;

#if defined(__GNUC__)
#define RL_LIKELY(x) __builtin_expect(!!(x), 1)
#define RL_UNLIKELY(x) __builtin_expect(!!(x), 0)
/* For the decoders of small types: inlined wherever they are used. */
#define RL_INLINE inline __attribute__((always_inline))
/* For the decoder of whole messages: everything it calls inlined into it. */
#define RL_FLATTEN __attribute__((flatten))
#else
#define RL_LIKELY(x) (x)
#define RL_UNLIKELY(x) (x)
#define RL_INLINE inline
#define RL_FLATTEN
#endif

/* 1 if at least n bytes remain between p and end (p <= end). */
static inline int rl_has(const uint8_t *p, const uint8_t *end, size_t n) {
  return (size_t)(end - p) >= n;
}

/* Big-endian reads without a check: only after rl_has said the bytes are
 * there. Written out (not a loop) so that compilers see one load. */
static inline uint16_t rl_rd_u16(const uint8_t *p) {
  return (uint16_t)((uint16_t)p[0] << 8 | p[1]);
}

static inline uint32_t rl_rd_u24(const uint8_t *p) {
  return (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2];
}

static inline uint32_t rl_rd_u32(const uint8_t *p) {
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline uint64_t rl_rd_u64(const uint8_t *p) {
  return (uint64_t)p[0] << 56 | (uint64_t)p[1] << 48 | (uint64_t)p[2] << 40 |
         (uint64_t)p[3] << 32 | (uint64_t)p[4] << 24 | (uint64_t)p[5] << 16 |
         (uint64_t)p[6] << 8 | (uint64_t)p[7];
}

static inline void rl_cursor_init(rl_cursor *c, const uint8_t *buf, size_t len) {
  c->p = buf;
  c->end = buf + len;
}

static inline size_t rl_cursor_left(const rl_cursor *c) {
  return (size_t)(c->end - c->p);
}

static inline int rl_cursor_empty(const rl_cursor *c) { return c->p == c->end; }

static inline int rl_get_u8(rl_cursor *c, uint8_t *v) {
  if (c->end - c->p < 1) return -1;
  *v = c->p[0];
  c->p += 1;
  return 0;
}

static inline int rl_peek_u8(const rl_cursor *c, uint8_t *v) {
  if (c->end - c->p < 1) return -1;
  *v = c->p[0];
  return 0;
}

static inline int rl_get_u16(rl_cursor *c, uint16_t *v) {
  if (c->end - c->p < 2) return -1;
  *v = rl_rd_u16(c->p);
  c->p += 2;
  return 0;
}

static inline int rl_get_u24(rl_cursor *c, uint32_t *v) {
  if (c->end - c->p < 3) return -1;
  *v = rl_rd_u24(c->p);
  c->p += 3;
  return 0;
}

static inline int rl_get_u32(rl_cursor *c, uint32_t *v) {
  if (c->end - c->p < 4) return -1;
  *v = rl_rd_u32(c->p);
  c->p += 4;
  return 0;
}

static inline int rl_get_u64(rl_cursor *c, uint64_t *v) {
  if (c->end - c->p < 8) return -1;
  *v = rl_rd_u64(c->p);
  c->p += 8;
  return 0;
}

/* A big-endian unsigned integer of 1 to 4 bytes (length prefixes). */
static inline int rl_get_uint(rl_cursor *c, unsigned width, uint32_t *v) {
  uint32_t x = 0;
  if (width < 1 || width > 4 || (size_t)(c->end - c->p) < width) return -1;
  for (unsigned i = 0; i < width; i++) x = x << 8 | c->p[i];
  *v = x;
  c->p += width;
  return 0;
}

/* The next n bytes as a child cursor. */
static inline int rl_get_child(rl_cursor *c, size_t n, rl_cursor *child) {
  if ((size_t)(c->end - c->p) < n) return -1;
  child->p = c->p;
  child->end = c->p + n;
  c->p += n;
  return 0;
}

/* The next n bytes as a pointer. */
static inline int rl_get_bytes(rl_cursor *c, size_t n, const uint8_t **out) {
  if ((size_t)(c->end - c->p) < n) return -1;
  *out = c->p;
  c->p += n;
  return 0;
}

#endif
