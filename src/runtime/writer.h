/* writer.h: writing wire bytes into a caller's buffer.
 *
 * Like BoringSSL's CBB: the first failure (buffer full, length out of
 * range) poisons the writer, later writes do nothing, and the caller checks
 * once. A length prefix is reserved, the contents written, and the prefix
 * filled in afterwards (rl_writer_fill), so encoding is one pass. */
#ifndef RL_WRITER_H
#define RL_WRITER_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

typedef struct rl_writer {
  uint8_t *buf;   /* may be NULL with cap 0: then only counting */
  size_t cap;
  size_t len;
  int err;        /* first error, 0 if none */
  size_t message_length_pos; /* where @message_length was reserved, or SIZE_MAX */
  rl_errinfo *info;          /* optional: where the first error is described */
} rl_writer;

void rl_writer_init(rl_writer *w, uint8_t *buf, size_t cap, rl_errinfo *info);

/* Poison the writer with err (keeps the first error); returns err. */
int rl_writer_fail(rl_writer *w, int err, const char *field, const char *reason);

void rl_put_u8(rl_writer *w, uint8_t v);
void rl_put_u16(rl_writer *w, uint16_t v);
void rl_put_u24(rl_writer *w, uint32_t v);
void rl_put_u32(rl_writer *w, uint32_t v);
void rl_put_u64(rl_writer *w, uint64_t v);
void rl_put_bytes(rl_writer *w, const uint8_t *p, size_t n);

/* Reserve width bytes (1..4) for a length; returns its position. */
size_t rl_writer_reserve(rl_writer *w, unsigned width);

/* Fill the length reserved at pos with the bytes written since pos+width,
 * checking lo <= length <= hi. field names it in the error. */
int rl_writer_fill(rl_writer *w, size_t pos, unsigned width, uint32_t lo,
                   uint32_t hi, const char *field);

/* Write value into the width bytes reserved at pos, checking it fits. */
int rl_writer_patch(rl_writer *w, size_t pos, unsigned width, size_t value,
                    const char *field);

#endif
