/* writer.c: see writer.h. */
#include "writer.h"

#include <string.h>

void rl_writer_init(rl_writer *w, uint8_t *buf, size_t cap, rl_errinfo *info) {
  w->buf = buf;
  w->cap = buf ? cap : 0;
  w->len = 0;
  w->err = 0;
  w->message_length_pos = SIZE_MAX;
  w->info = info;
  if (info) rl_errinfo_clear(info);
}

int rl_writer_fail(rl_writer *w, int err, const char *field, const char *reason) {
  if (w->err == 0) {
    w->err = err;
    if (w->info) rl_errinfo_set(w->info, err, w->len, field, reason);
  }
  return w->err;
}

/* Make room for n more bytes; 0 on success. */
static int room(rl_writer *w, size_t n) {
  if (w->err) return -1;
  if (n > w->cap || w->len > w->cap - n) {
    rl_writer_fail(w, RL_ERR_BUFFER, NULL, NULL);
    return -1;
  }
  return 0;
}

void rl_put_u8(rl_writer *w, uint8_t v) {
  if (room(w, 1)) return;
  w->buf[w->len++] = v;
}

void rl_put_u16(rl_writer *w, uint16_t v) {
  if (room(w, 2)) return;
  w->buf[w->len] = (uint8_t)(v >> 8);
  w->buf[w->len + 1] = (uint8_t)v;
  w->len += 2;
}

void rl_put_u24(rl_writer *w, uint32_t v) {
  if (room(w, 3)) return;
  w->buf[w->len] = (uint8_t)(v >> 16);
  w->buf[w->len + 1] = (uint8_t)(v >> 8);
  w->buf[w->len + 2] = (uint8_t)v;
  w->len += 3;
}

void rl_put_u32(rl_writer *w, uint32_t v) {
  if (room(w, 4)) return;
  for (int i = 0; i < 4; i++) w->buf[w->len + (size_t)i] = (uint8_t)(v >> (24 - 8 * i));
  w->len += 4;
}

void rl_put_u64(rl_writer *w, uint64_t v) {
  if (room(w, 8)) return;
  for (int i = 0; i < 8; i++) w->buf[w->len + (size_t)i] = (uint8_t)(v >> (56 - 8 * i));
  w->len += 8;
}

void rl_put_bytes(rl_writer *w, const uint8_t *p, size_t n) {
  if (n == 0 || room(w, n)) return;
  memcpy(w->buf + w->len, p, n);
  w->len += n;
}

size_t rl_writer_reserve(rl_writer *w, unsigned width) {
  size_t pos = w->len;
  if (room(w, width)) return pos;
  memset(w->buf + w->len, 0, width);
  w->len += width;
  return pos;
}

int rl_writer_fill(rl_writer *w, size_t pos, unsigned width, uint32_t lo,
                   uint32_t hi, const char *field) {
  size_t n;
  if (w->err) return w->err;
  n = w->len - pos - width;
  if (n < lo || n > hi)
    return rl_writer_fail(w, RL_ERR_LENGTH_RANGE, field,
                          "encoded length outside the field's range");
  for (unsigned i = 0; i < width; i++)
    w->buf[pos + i] = (uint8_t)(n >> (8 * (width - 1 - i)));
  return 0;
}

int rl_writer_patch(rl_writer *w, size_t pos, unsigned width, size_t value,
                    const char *field) {
  if (w->err) return w->err;
  if (width < 8 && value >> (8 * width))
    return rl_writer_fail(w, RL_ERR_LENGTH_RANGE, field,
                          "length does not fit its length field");
  for (unsigned i = 0; i < width; i++)
    w->buf[pos + i] = (uint8_t)(value >> (8 * (width - 1 - i)));
  return 0;
}
