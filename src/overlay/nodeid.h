/* nodeid.h: arithmetic on the CHORD-RELOAD ring.
 *
 * RFC 6940 10.1: Node-IDs and Resource-IDs are points on a ring of 2^k
 * values, k the length of a Node-ID in bits, "so that node 2^{k} - 1 is
 * directly before node 0"; all arithmetic is modulo 2^k. The RFC writes
 * k = 128; an overlay whose NodeIdLength is 20 (6.3.1.1 allows 16..20
 * bytes) works on a ring of 2^160 values, so every function here takes the
 * length in bytes and computes modulo 2^(8 * len). Values are big-endian
 * byte strings, most significant byte first, as on the wire.
 *
 * Intervals go clockwise from their first bound to their second. A
 * half-open interval whose bounds are equal, (a, a] or [a, a), is the whole
 * ring: a one-peer ring, whose predecessor is itself, is responsible for
 * every Resource-ID. The open (a, a) is the ring without a; the closed
 * [a, a] is the single point a (a Finger Table range of width one). */
#ifndef RL_OVERLAY_NODEID_H
#define RL_OVERLAY_NODEID_H

#include <stddef.h>
#include <stdint.h>

#define RL_NODEID_MIN_LEN 16
#define RL_NODEID_MAX_LEN 20

/* A Node-ID or Resource-ID by value: the first len bytes count, the rest
 * are zero so that whole structs compare equal. */
typedef struct rl_nodeid {
  uint8_t b[RL_NODEID_MAX_LEN];
} rl_nodeid;

/* 1 when len is a NodeIdLength RELOAD allows (16..20). */
int rl_nodeid_len_valid(size_t len);

/* <0, 0, >0 as a is numerically below, equal to, above b. */
int rl_nodeid_cmp(const uint8_t *a, const uint8_t *b, size_t len);

/* out = a + b, out = a - b (modulo 2^(8 len)); out may alias a or b. */
void rl_nodeid_add(uint8_t *out, const uint8_t *a, const uint8_t *b, size_t len);
void rl_nodeid_sub(uint8_t *out, const uint8_t *a, const uint8_t *b, size_t len);

/* out = a + 2^bit. Returns 0, or RL_ERR_PARAM when bit >= 8 len. */
int rl_nodeid_add_pow2(uint8_t *out, const uint8_t *a, size_t len, unsigned bit);

/* out = a + 1: the Resource-ID just after a Node-ID (10.5 step 2). */
void rl_nodeid_inc(uint8_t *out, const uint8_t *a, size_t len);

/* Clockwise distance from `from` to `to`: (to - from) mod 2^(8 len). */
void rl_nodeid_distance(uint8_t *out, const uint8_t *from, const uint8_t *to,
                        size_t len);

/* <0, 0, >0 as the clockwise distance from base to a is below, equal to,
 * above the clockwise distance from base to b: orders peers by how far
 * they lie after base. */
int rl_nodeid_cmp_from(const uint8_t *base, const uint8_t *a, const uint8_t *b,
                       size_t len);

/* Membership of x in the clockwise intervals described above. */
int rl_nodeid_in_oc(const uint8_t *x, const uint8_t *a, const uint8_t *b, size_t len); /* (a, b] */
int rl_nodeid_in_oo(const uint8_t *x, const uint8_t *a, const uint8_t *b, size_t len); /* (a, b) */
int rl_nodeid_in_co(const uint8_t *x, const uint8_t *a, const uint8_t *b, size_t len); /* [a, b) */
int rl_nodeid_in_cc(const uint8_t *x, const uint8_t *a, const uint8_t *b, size_t len); /* [a, b] */

/* Index of the highest set bit (0 = least significant), -1 when a is 0. */
int rl_nodeid_log2(const uint8_t *a, size_t len);

/* Clear every bit of a at or above bit `bits` (keeps a mod 2^bits). */
void rl_nodeid_mask(uint8_t *a, size_t len, unsigned bits);

/* The top 32 bits of a as a number in [0, 1), times 2^32. */
uint32_t rl_nodeid_top32(const uint8_t *a, size_t len);

/* Lower-case hex of the len bytes into buf (2 len + 1 bytes); returns
 * buf. A buf too small gets the longest prefix that fits. */
char *rl_nodeid_hex(const uint8_t *a, size_t len, char *buf, size_t size);

/* Parse exactly 2 len hex digits. Returns 0, or RL_ERR_SYNTAX. */
int rl_nodeid_from_hex(const char *hex, uint8_t *out, size_t len);

#endif
