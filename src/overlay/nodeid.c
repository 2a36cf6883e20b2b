/* nodeid.c: arithmetic on the CHORD-RELOAD ring (RFC 6940 10.1). */
#include "overlay/nodeid.h"

#include <string.h>

#include "runtime/error.h"
#include "runtime/hex.h"

int rl_nodeid_len_valid(size_t len) {
  return len >= RL_NODEID_MIN_LEN && len <= RL_NODEID_MAX_LEN;
}

int rl_nodeid_cmp(const uint8_t *a, const uint8_t *b, size_t len) {
  return memcmp(a, b, len);
}

void rl_nodeid_add(uint8_t *out, const uint8_t *a, const uint8_t *b, size_t len) {
  unsigned carry = 0;
  for (size_t i = len; i-- > 0;) {
    unsigned s = (unsigned)a[i] + (unsigned)b[i] + carry;
    out[i] = (uint8_t)s;
    carry = s >> 8;
  }
}

void rl_nodeid_sub(uint8_t *out, const uint8_t *a, const uint8_t *b, size_t len) {
  unsigned borrow = 0;
  for (size_t i = len; i-- > 0;) {
    unsigned d = (unsigned)a[i] - (unsigned)b[i] - borrow;
    out[i] = (uint8_t)d;
    /* Unsigned wrap-around sets the high bits exactly when a borrow is
     * needed. */
    borrow = (d >> 8) & 1u;
  }
}

int rl_nodeid_add_pow2(uint8_t *out, const uint8_t *a, size_t len, unsigned bit) {
  int rc = RL_ERR_PARAM;
  uint8_t p[RL_NODEID_MAX_LEN];
  if (len > RL_NODEID_MAX_LEN || bit >= 8u * len) goto done;
  memset(p, 0, sizeof p);
  p[len - 1 - bit / 8] = (uint8_t)(1u << (bit % 8));
  rl_nodeid_add(out, a, p, len);
  rc = 0;
done:
  return rc;
}

void rl_nodeid_inc(uint8_t *out, const uint8_t *a, size_t len) {
  (void)rl_nodeid_add_pow2(out, a, len, 0);
}

void rl_nodeid_distance(uint8_t *out, const uint8_t *from, const uint8_t *to,
                        size_t len) {
  rl_nodeid_sub(out, to, from, len);
}

int rl_nodeid_cmp_from(const uint8_t *base, const uint8_t *a, const uint8_t *b,
                       size_t len) {
  uint8_t da[RL_NODEID_MAX_LEN], db[RL_NODEID_MAX_LEN];
  rl_nodeid_distance(da, base, a, len);
  rl_nodeid_distance(db, base, b, len);
  return memcmp(da, db, len);
}

static int is_zero(const uint8_t *a, size_t len) {
  for (size_t i = 0; i < len; i++)
    if (a[i] != 0) return 0;
  return 1;
}

int rl_nodeid_in_oc(const uint8_t *x, const uint8_t *a, const uint8_t *b, size_t len) {
  uint8_t dx[RL_NODEID_MAX_LEN], db[RL_NODEID_MAX_LEN];
  rl_nodeid_distance(dx, a, x, len);
  rl_nodeid_distance(db, a, b, len);
  /* (a, a] is the whole ring: the one-peer ring owns every ID. */
  if (is_zero(db, len)) return 1;
  return !is_zero(dx, len) && memcmp(dx, db, len) <= 0;
}

int rl_nodeid_in_oo(const uint8_t *x, const uint8_t *a, const uint8_t *b, size_t len) {
  uint8_t dx[RL_NODEID_MAX_LEN], db[RL_NODEID_MAX_LEN];
  rl_nodeid_distance(dx, a, x, len);
  rl_nodeid_distance(db, a, b, len);
  if (is_zero(dx, len)) return 0;
  if (is_zero(db, len)) return 1;
  return memcmp(dx, db, len) < 0;
}

int rl_nodeid_in_co(const uint8_t *x, const uint8_t *a, const uint8_t *b, size_t len) {
  uint8_t dx[RL_NODEID_MAX_LEN], db[RL_NODEID_MAX_LEN];
  rl_nodeid_distance(dx, a, x, len);
  rl_nodeid_distance(db, a, b, len);
  if (is_zero(db, len)) return 1;
  return memcmp(dx, db, len) < 0;
}

int rl_nodeid_in_cc(const uint8_t *x, const uint8_t *a, const uint8_t *b, size_t len) {
  uint8_t dx[RL_NODEID_MAX_LEN], db[RL_NODEID_MAX_LEN];
  rl_nodeid_distance(dx, a, x, len);
  rl_nodeid_distance(db, a, b, len);
  return memcmp(dx, db, len) <= 0;
}

int rl_nodeid_log2(const uint8_t *a, size_t len) {
  int r = -1;
  for (size_t i = 0; i < len && r < 0; i++) {
    if (a[i] == 0) continue;
    int bit = 7;
    while (!(a[i] & (1u << bit))) bit--;
    r = (int)((len - 1 - i) * 8) + bit;
  }
  return r;
}

void rl_nodeid_mask(uint8_t *a, size_t len, unsigned bits) {
  for (size_t i = 0; i < len; i++) {
    unsigned lsb = (unsigned)(len - 1 - i) * 8; /* weight of this byte's bit 0 */
    if (lsb >= bits)
      a[i] = 0;
    else if (bits - lsb < 8)
      a[i] &= (uint8_t)((1u << (bits - lsb)) - 1);
  }
}

uint32_t rl_nodeid_top32(const uint8_t *a, size_t len) {
  (void)len; /* every allowed length has at least 4 bytes */
  return ((uint32_t)a[0] << 24) | ((uint32_t)a[1] << 16) | ((uint32_t)a[2] << 8) |
         (uint32_t)a[3];
}

char *rl_nodeid_hex(const uint8_t *a, size_t len, char *buf, size_t size) {
  static const char digits[] = "0123456789abcdef";
  size_t o = 0;
  if (size == 0) return buf;
  for (size_t i = 0; i < len && o + 2 < size; i++) {
    buf[o++] = digits[a[i] >> 4];
    buf[o++] = digits[a[i] & 15];
  }
  buf[o] = '\0';
  return buf;
}

int rl_nodeid_from_hex(const char *hex, uint8_t *out, size_t len) {
  int rc = RL_ERR_SYNTAX;
  if (strlen(hex) != 2 * len) goto done;
  for (size_t i = 0; i < len; i++) {
    int hi = rl_hex_digit(hex[2 * i]), lo = rl_hex_digit(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) goto done;
    out[i] = (uint8_t)(hi * 16 + lo);
  }
  rc = 0;
done:
  return rc;
}
