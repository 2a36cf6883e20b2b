/* fragment_test.c: fragmentation and reassembly (RFC 6940 6.7,
 * src/peer/fragment.h): split sizes and fields, reassembly in order, out
 * of order, with duplicates and overlaps, the ways a fragment is
 * refused (conflicting bytes, inconsistent header, budget, timeout), and
 * the limits (issue 22): per link, in all, memory, and which message
 * gives way. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "codec/message.h"
#include "gen/reload_codec.h"
#include "peer/fragment.h"
#include "peer/msg.h"
#include "runtime/arena.h"
#include "runtime/ctx.h"
#include "runtime/error.h"
#include "runtime/writer.h"

#define PAD 3000

static uint8_t padding[PAD];
static uint8_t target[16];

/* A ping request with PAD bytes of padding and an unsigned security
 * block, encoded by the codec: about 3.1 KB, header 56 bytes. */
static size_t make_msg(uint8_t *buf, size_t cap, uint32_t overlay, uint64_t txid) {
  rl_Message m;
  rl_Destination dest;
  rl_writer w;
  memset(&m, 0, sizeof m);
  for (size_t i = 0; i < PAD; i++) padding[i] = (uint8_t)(i * 31 + 7);
  memset(target, 0x42, sizeof target);
  rl_dest_node(&dest, target, 16);
  rl_ForwardingHeader *fh = &m.forwarding_header;
  fh->overlay = overlay;
  fh->configuration_sequence = 3;
  fh->version = 0x0a;
  fh->ttl = 100;
  fh->fragment = 0xC0000000u;
  fh->transaction_id = txid;
  fh->destination_list = &dest;
  fh->destination_list_count = 1;
  m.message_contents.message_code = RL_MessageCode_ping_req;
  m.message_contents.message_body.ping_req.padding.ptr = padding;
  m.message_contents.message_body.ping_req.padding.len = PAD;
  m.security_block.signature.identity.identity_type = RL_SignerIdentityType_none;
  rl_writer_init(&w, buf, cap, NULL);
  ck_assert_int_eq(rl_Message_encode(&w, &m), 0);
  return w.len;
}

#define HL (38 + 18)

/* Fragments collected by the emit callback. */
typedef struct frags {
  uint8_t buf[16][4096];
  size_t len[16];
  size_t n;
  const uint8_t *first_ptr; /* the frag pointer of the first call */
  int stop_after;           /* emit returns -99 after this many (0: never) */
} frags;

static int collect(void *user, const uint8_t *frag, size_t len) {
  frags *f = user;
  ck_assert_uint_lt(f->n, 16);
  ck_assert_uint_le(len, sizeof f->buf[0]);
  if (f->n == 0) f->first_ptr = frag;
  memcpy(f->buf[f->n], frag, len);
  f->len[f->n++] = len;
  if (f->stop_after && (int)f->n == f->stop_after) return -99;
  return 0;
}

static uint32_t be32(const uint8_t *p) {
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

START_TEST(split_fields) {
  static uint8_t msg[4096];
  static frags f;
  uint8_t mem[4096];
  rl_arena arena;
  rl_ctx ctx;
  rl_ForwardingHeader fh;
  size_t len = make_msg(msg, sizeof msg, 1, 77);
  memset(&f, 0, sizeof f);
  ck_assert_int_eq(rl_fragment_split(msg, len, 1000, collect, &f), 0);
  /* 3.1 KB of data in chunks of at most 944: four equal fragments. */
  size_t data = len - HL;
  ck_assert_uint_eq(f.n, 4);
  size_t off = 0;
  for (size_t i = 0; i < f.n; i++) {
    ck_assert_uint_le(f.len[i], 1000);
    if (i + 1 < f.n) ck_assert_uint_eq(f.len[i], HL + (data + 3) / 4);
    rl_arena_init(&arena, mem, sizeof mem);
    ck_assert_int_eq(rl_msg_parse_header(f.buf[i], f.len[i], &arena, NULL, &ctx, &fh), 0);
    ck_assert_uint_eq(fh.length, f.len[i]);
    ck_assert_uint_eq(fh.fragment & RL_FRAGMENT_HIGH_BIT, RL_FRAGMENT_HIGH_BIT);
    ck_assert_uint_eq(fh.fragment & 0x3f000000u, 0); /* reserved bits */
    ck_assert_uint_eq(fh.fragment & RL_FRAGMENT_OFFSET_MASK, off);
    ck_assert_uint_eq((fh.fragment & RL_FRAGMENT_LAST) != 0, i + 1 == f.n);
    ck_assert(fh.transaction_id == 77);
    /* The header copy is the message's but for fragment and length. */
    ck_assert_mem_eq(f.buf[i], msg, 12);
    ck_assert_mem_eq(f.buf[i] + 20, msg + 20, HL - 20);
    ck_assert_mem_eq(f.buf[i] + HL, msg + HL + off, f.len[i] - HL);
    off += f.len[i] - HL;
  }
  ck_assert_uint_eq(off, data);
  /* A fragment is not a message to decode. */
  rl_Message m;
  rl_arena_init(&arena, mem, sizeof mem);
  rl_ctx_init(&ctx, &arena, NULL);
  ck_assert_int_eq(rl_message_parse(f.buf[1], f.len[1], &ctx, &m), RL_ERR_FRAGMENT);
}
END_TEST

START_TEST(split_limits) {
  static uint8_t msg[4096];
  static frags f;
  size_t len = make_msg(msg, sizeof msg, 1, 77);
  /* Fits: passed on as it is. */
  memset(&f, 0, sizeof f);
  ck_assert_int_eq(rl_fragment_split(msg, len, len, collect, &f), 0);
  ck_assert_uint_eq(f.n, 1);
  ck_assert_ptr_eq(f.first_ptr, msg);
  /* 6.7: at least 256 bytes of the body per fragment, or no RELOAD
   * fragmentation at all. */
  memset(&f, 0, sizeof f);
  ck_assert_int_eq(rl_fragment_split(msg, len, HL, collect, &f), RL_ERR_PARAM);
  ck_assert_int_eq(rl_fragment_split(msg, len, HL + 255, collect, &f), RL_ERR_PARAM);
  ck_assert_uint_eq(f.n, 0);
  ck_assert_int_eq(rl_fragment_split(msg, len, HL + 256, collect, &f), 0);
  ck_assert_uint_eq(f.n, (len - HL + 255) / 256);
  for (size_t i = 0; i + 1 < f.n; i++) ck_assert_uint_eq(f.len[i], HL + 256);
  /* Equal sizes would be under 256: the minimum wins, the last is short. */
  memset(&f, 0, sizeof f);
  size_t data = len - HL;
  ck_assert_int_eq(rl_fragment_split(msg, len, HL + data - 10, collect, &f), 0);
  ck_assert_uint_eq(f.n, 2);
  ck_assert_uint_eq(f.len[0], HL + (data + 1) / 2);
  /* emit's error stops the split. */
  memset(&f, 0, sizeof f);
  f.stop_after = 2;
  ck_assert_int_eq(rl_fragment_split(msg, len, 1000, collect, &f), -99);
  ck_assert_uint_eq(f.n, 2);
  /* Bad input. */
  ck_assert_int_eq(rl_fragment_split(msg, 20, 1000, collect, &f), RL_ERR_TRUNCATED);
  ck_assert_int_eq(rl_fragment_split(msg, len - 1, 1000, collect, &f), RL_ERR_LENGTH_FIELD);
  msg[12] &= 0x7f; /* fragment high bit */
  ck_assert_int_eq(rl_fragment_split(msg, len, 1000, collect, &f), RL_ERR_CONSTANT);
  msg[12] |= 0x80;
  msg[0] = 0; /* relo_token */
  ck_assert_int_eq(rl_fragment_split(msg, len, 1000, collect, &f), RL_ERR_CONSTANT);
  msg[0] = 0xd2;
  /* A 100-byte message whose destination_list_length counts 200. */
  msg[16] = msg[17] = msg[18] = 0;
  msg[19] = 100;
  msg[34] = 0;
  msg[35] = 200;
  ck_assert_int_eq(rl_fragment_split(msg, 100, 1000, collect, &f), RL_ERR_TRUNCATED);
}
END_TEST

/* rl_fragment_build: offsets beyond the 24-bit field, ranges. */
START_TEST(build_limits) {
  static uint8_t msg[4096], out[4096];
  rl_writer w;
  size_t len = make_msg(msg, sizeof msg, 1, 77);
  rl_writer_init(&w, out, sizeof out, NULL);
  ck_assert_int_eq(rl_fragment_build(&w, msg, len, len - HL, 1, 1), RL_ERR_PARAM);
  ck_assert_int_eq(rl_fragment_build(&w, msg, len, 10, len - HL - 9, 1), RL_ERR_PARAM);
  ck_assert_int_eq(rl_fragment_build(&w, msg, len, len - HL, 0, 1), 0);
  /* A fragment already at offset 0xffff00: 0x100 further is too far. */
  msg[13] = 0xff;
  msg[14] = 0xff;
  msg[15] = 0x00;
  rl_writer_init(&w, out, sizeof out, NULL);
  ck_assert_int_eq(rl_fragment_build(&w, msg, len, 0xff, 1, 0), 0);
  ck_assert_uint_eq(be32(out + 12), 0x80ffffffu);
  rl_writer_init(&w, out, sizeof out, NULL);
  ck_assert_int_eq(rl_fragment_build(&w, msg, len, 0x100, 1, 0), RL_ERR_TOO_LARGE);
  /* Splitting it would pass the 24 bits: refused before any emit. */
  static frags f;
  memset(&f, 0, sizeof f);
  ck_assert_int_eq(rl_fragment_split(msg, len, 1000, collect, &f), RL_ERR_TOO_LARGE);
  ck_assert_uint_eq(f.n, 0);
  /* Writer too small. */
  msg[13] = msg[14] = 0;
  rl_writer_init(&w, out, HL + 5, NULL);
  ck_assert_int_eq(rl_fragment_build(&w, msg, len, 0, 6, 0), RL_ERR_BUFFER);
}
END_TEST

/* Feed fragments in the order given by idx; the message must complete at
 * the last one and equal msg. */
static void feed(rl_reasm *r, const frags *f, const size_t *idx, size_t n, const uint8_t *msg,
                 size_t len) {
  const uint8_t *whole = NULL;
  size_t wlen = 0;
  for (size_t i = 0; i < n; i++) {
    int rc = rl_reasm_add(r, 1, f->buf[idx[i]], f->len[idx[i]], 1000, &whole, &wlen);
    ck_assert_int_eq(rc, i + 1 == n ? 1 : 0);
  }
  ck_assert_uint_eq(wlen, len);
  ck_assert_mem_eq(whole, msg, len);
  ck_assert_uint_eq(rl_reasm_pending(r), 0);
}

START_TEST(reassemble_orders) {
  static uint8_t msg[4096], mem[16384];
  static frags f;
  size_t len = make_msg(msg, sizeof msg, 1, 77);
  memset(&f, 0, sizeof f);
  ck_assert_int_eq(rl_fragment_split(msg, len, 700, collect, &f), 0);
  ck_assert_uint_eq(f.n, 5);
  rl_reasm *r = rl_reasm_new(4, 8192, 15000);
  ck_assert_ptr_nonnull(r);
  const size_t in_order[5] = {0, 1, 2, 3, 4};
  const size_t reverse[5] = {4, 3, 2, 1, 0};
  const size_t shuffled[5] = {2, 4, 0, 3, 1};
  const size_t dups[9] = {3, 3, 0, 4, 0, 3, 1, 4, 2}; /* duplicates before completion */
  feed(r, &f, in_order, 5, msg, len);
  feed(r, &f, reverse, 5, msg, len);
  feed(r, &f, shuffled, 5, msg, len);
  feed(r, &f, dups, 9, msg, len);
  /* The reassembled message decodes. */
  const uint8_t *whole;
  size_t wlen;
  for (size_t i = 0; i < 5; i++) rl_reasm_add(r, 1, f.buf[i], f.len[i], 0, &whole, &wlen);
  rl_arena arena;
  rl_ctx ctx;
  rl_Message m;
  rl_arena_init(&arena, mem, sizeof mem);
  rl_ctx_init(&ctx, &arena, NULL);
  rl_params params;
  rl_params_init(&params);
  ctx.params = &params;
  ck_assert_int_eq(rl_message_parse(whole, wlen, &ctx, &m), 0);
  ck_assert_uint_eq(m.message_contents.message_body.ping_req.padding.len, PAD);
  /* A message that was not fragmented comes back as it is. */
  ck_assert_int_eq(rl_reasm_add(r, 1, msg, len, 0, &whole, &wlen), 1);
  ck_assert_ptr_eq(whole, msg);
  ck_assert_uint_eq(wlen, len);
  rl_reasm_free(r);
}
END_TEST

/* Fragments of fragments (6.7: "a message may be refragmented multiple
 * times"): offsets stay relative to the whole message, only the last
 * piece of the last fragment is last. */
START_TEST(refragment) {
  static uint8_t msg[4096];
  static frags a, b;
  size_t len = make_msg(msg, sizeof msg, 1, 77);
  memset(&a, 0, sizeof a);
  ck_assert_int_eq(rl_fragment_split(msg, len, 1700, collect, &a), 0);
  ck_assert_uint_eq(a.n, 2);
  memset(&b, 0, sizeof b);
  ck_assert_int_eq(rl_fragment_split(a.buf[1], a.len[1], 600, collect, &b), 0);
  ck_assert_int_eq(rl_fragment_split(a.buf[0], a.len[0], 600, collect, &b), 0);
  ck_assert_uint_eq(b.n, 6);
  ck_assert_uint_eq(be32(b.buf[0] + 12), 0x80000000u | (uint32_t)(a.len[0] - HL));
  ck_assert_uint_eq(be32(b.buf[2] + 12) & RL_FRAGMENT_LAST, RL_FRAGMENT_LAST);
  ck_assert_uint_eq(be32(b.buf[5] + 12) & RL_FRAGMENT_LAST, 0);
  rl_reasm *r = rl_reasm_new(1, 4096, 15000);
  const size_t order[6] = {0, 1, 2, 3, 4, 5};
  feed(r, &b, order, 6, msg, len);
  rl_reasm_free(r);
}
END_TEST

START_TEST(overlaps) {
  static uint8_t msg[4096], other[4096], f1[2048], f2[2048], f3[2048];
  rl_writer w1, w2, w3;
  const uint8_t *whole;
  size_t wlen;
  size_t len = make_msg(msg, sizeof msg, 1, 77), data = len - HL;
  rl_reasm *r = rl_reasm_new(2, 4096, 15000);
  /* [0,1500) [1000,2000) [1800,end): overlaps with the same bytes. */
  rl_writer_init(&w1, f1, sizeof f1, NULL);
  rl_writer_init(&w2, f2, sizeof f2, NULL);
  rl_writer_init(&w3, f3, sizeof f3, NULL);
  ck_assert_int_eq(rl_fragment_build(&w1, msg, len, 0, 1500, 0), 0);
  ck_assert_int_eq(rl_fragment_build(&w2, msg, len, 1000, 1000, 0), 0);
  ck_assert_int_eq(rl_fragment_build(&w3, msg, len, 1800, data - 1800, 1), 0);
  ck_assert_int_eq(rl_reasm_add(r, 9, f2, w2.len, 5, &whole, &wlen), 0);
  ck_assert_int_eq(rl_reasm_add(r, 9, f3, w3.len, 5, &whole, &wlen), 0);
  ck_assert_int_eq(rl_reasm_add(r, 9, f1, w1.len, 5, &whole, &wlen), 1);
  ck_assert_uint_eq(wlen, len);
  ck_assert_mem_eq(whole, msg, len);
  /* The same range from a message whose byte 1200 differs: refused, and
   * the pending message is dropped. */
  memcpy(other, msg, len);
  other[HL + 1200] ^= 0x20;
  rl_writer_init(&w2, f2, sizeof f2, NULL);
  ck_assert_int_eq(rl_fragment_build(&w2, other, len, 1000, 1000, 0), 0);
  ck_assert_int_eq(rl_reasm_add(r, 9, f1, w1.len, 5, &whole, &wlen), 0);
  ck_assert_uint_eq(rl_reasm_pending(r), 1);
  ck_assert_int_eq(rl_reasm_add(r, 9, f2, w2.len, 5, &whole, &wlen), RL_ERR_FRAGMENT);
  ck_assert_uint_eq(rl_reasm_pending(r), 0);
  /* Two last fragments that end in different places. */
  rl_writer_init(&w2, f2, sizeof f2, NULL);
  ck_assert_int_eq(rl_fragment_build(&w2, msg, len, 1000, 1000, 1), 0);
  ck_assert_int_eq(rl_reasm_add(r, 9, f3, w3.len, 5, &whole, &wlen), 0);
  ck_assert_int_eq(rl_reasm_add(r, 9, f2, w2.len, 5, &whole, &wlen), RL_ERR_FRAGMENT);
  ck_assert_uint_eq(rl_reasm_pending(r), 0);
  /* Data past the end a last fragment set. */
  ck_assert_int_eq(rl_reasm_add(r, 9, f2, w2.len, 5, &whole, &wlen), 0);
  ck_assert_int_eq(rl_reasm_add(r, 9, f3, w3.len, 5, &whole, &wlen), RL_ERR_FRAGMENT);
  ck_assert_uint_eq(rl_reasm_pending(r), 0);
  rl_reasm_free(r);
}
END_TEST

/* The same transaction from a header that disagrees (another overlay, or
 * another max_response_length) is refused; the same transaction on
 * another link is another message. */
START_TEST(inconsistent_headers) {
  static uint8_t msg[4096], other[4096];
  static frags f, g;
  const uint8_t *whole;
  size_t wlen;
  size_t len = make_msg(msg, sizeof msg, 1, 77);
  size_t olen = make_msg(other, sizeof other, 2, 77);
  memset(&f, 0, sizeof f);
  memset(&g, 0, sizeof g);
  ck_assert_int_eq(rl_fragment_split(msg, len, 1000, collect, &f), 0);
  ck_assert_int_eq(rl_fragment_split(other, olen, 1000, collect, &g), 0);
  rl_reasm *r = rl_reasm_new(2, 4096, 15000);
  ck_assert_int_eq(rl_reasm_add(r, 1, f.buf[0], f.len[0], 0, &whole, &wlen), 0);
  ck_assert_int_eq(rl_reasm_add(r, 1, g.buf[1], g.len[1], 0, &whole, &wlen), RL_ERR_FRAGMENT);
  ck_assert_uint_eq(rl_reasm_pending(r), 0);
  ck_assert_int_eq(rl_reasm_add(r, 1, f.buf[0], f.len[0], 0, &whole, &wlen), 0);
  f.buf[1][31] ^= 1; /* max_response_length */
  ck_assert_int_eq(rl_reasm_add(r, 1, f.buf[1], f.len[1], 0, &whole, &wlen), RL_ERR_FRAGMENT);
  f.buf[1][31] ^= 1;
  /* Link 1 and link 2 each reassemble their own. */
  for (size_t i = 0; i < 4; i++) {
    ck_assert_int_eq(rl_reasm_add(r, 1, f.buf[i], f.len[i], 0, &whole, &wlen), i == 3);
    ck_assert_int_eq(rl_reasm_add(r, 2, g.buf[i], g.len[i], 0, &whole, &wlen), i == 3);
  }
  ck_assert_mem_eq(whole, other, olen);
  /* A different TTL on the way (another path) is fine: the first
   * fragment's header is kept. */
  f.buf[2][11] = 60;
  ck_assert_int_eq(rl_reasm_add(r, 1, f.buf[2], f.len[2], 0, &whole, &wlen), 0);
  ck_assert_int_eq(rl_reasm_add(r, 1, f.buf[0], f.len[0], 0, &whole, &wlen), 0);
  ck_assert_int_eq(rl_reasm_add(r, 1, f.buf[3], f.len[3], 0, &whole, &wlen), 0);
  ck_assert_int_eq(rl_reasm_add(r, 1, f.buf[1], f.len[1], 0, &whole, &wlen), 1);
  ck_assert_uint_eq(whole[11], 60);
  ck_assert_mem_eq(whole + 12, msg + 12, len - 12);
  /* Not a fragment at all. */
  uint8_t junk[64];
  memset(junk, 0x5a, sizeof junk);
  ck_assert_int_eq(rl_reasm_add(r, 1, junk, sizeof junk, 0, &whole, &wlen), RL_ERR_CONSTANT);
  ck_assert_int_eq(rl_reasm_add(r, 1, junk, 10, 0, &whole, &wlen), RL_ERR_TRUNCATED);
  rl_reasm_free(r);
}
END_TEST

START_TEST(budget) {
  static uint8_t msg[4096], msg2[4096];
  static frags f, g;
  const uint8_t *whole;
  size_t wlen;
  size_t len = make_msg(msg, sizeof msg, 1, 77);
  size_t len2 = make_msg(msg2, sizeof msg2, 1, 78);
  memset(&f, 0, sizeof f);
  memset(&g, 0, sizeof g);
  ck_assert_int_eq(rl_fragment_split(msg, len, 1000, collect, &f), 0);
  ck_assert_int_eq(rl_fragment_split(msg2, len2, 1000, collect, &g), 0);
  /* Room for messages of 2000 bytes: fragment 2 passes it. */
  rl_reasm *r = rl_reasm_new(1, 2000, 15000);
  ck_assert_int_eq(rl_reasm_add(r, 1, f.buf[0], f.len[0], 0, &whole, &wlen), 0);
  ck_assert_int_eq(rl_reasm_add(r, 1, f.buf[2], f.len[2], 0, &whole, &wlen), RL_ERR_TOO_LARGE);
  ck_assert_uint_eq(rl_reasm_pending(r), 0);
  ck_assert_int_eq(rl_reasm_add(r, 1, f.buf[3], f.len[3], 0, &whole, &wlen), RL_ERR_TOO_LARGE);
  ck_assert_uint_eq(rl_reasm_pending(r), 0);
  /* A whole message over the limit. */
  ck_assert_int_eq(rl_reasm_add(r, 1, msg, len, 0, &whole, &wlen), RL_ERR_TOO_LARGE);
  rl_reasm_free(r);
  /* One message at a time: a second transaction pushes the first out
   * (6.7 "it MUST drop the message": the oldest gives way) and
   * completes; the first would have to start again. */
  r = rl_reasm_new(1, 4096, 15000);
  ck_assert_int_eq(rl_reasm_add(r, 1, f.buf[0], f.len[0], 0, &whole, &wlen), 0);
  ck_assert_int_eq(rl_reasm_add(r, 1, g.buf[0], g.len[0], 0, &whole, &wlen), 0);
  ck_assert_uint_eq(rl_reasm_evicted(r), 1);
  ck_assert_uint_eq(rl_reasm_pending(r), 1);
  for (size_t i = 1; i < 4; i++)
    ck_assert_int_eq(rl_reasm_add(r, 1, g.buf[i], g.len[i], 0, &whole, &wlen), i == 3);
  ck_assert_mem_eq(whole, msg2, len2);
  ck_assert_uint_eq(rl_reasm_memory(r), 0);
  rl_reasm_free(r);
  /* The code of a dropped message, for an Error_Message_Too_Large answer
   * (6.6): known once its first fragment arrived. */
  r = rl_reasm_new(1, 2000, 15000);
  ck_assert_int_eq(rl_reasm_add(r, 1, f.buf[3], f.len[3], 0, &whole, &wlen), RL_ERR_TOO_LARGE);
  ck_assert_int_eq(rl_reasm_dropped_code(r), -1);
  ck_assert_int_eq(rl_reasm_add(r, 1, f.buf[0], f.len[0], 0, &whole, &wlen), 0);
  ck_assert_int_eq(rl_reasm_dropped_code(r), -1);
  ck_assert_int_eq(rl_reasm_add(r, 1, f.buf[2], f.len[2], 0, &whole, &wlen), RL_ERR_TOO_LARGE);
  ck_assert_int_eq(rl_reasm_dropped_code(r), RL_MessageCode_ping_req);
  rl_reasm_free(r);
  /* Parameters. */
  ck_assert_ptr_null(rl_reasm_new(0, 4096, 1));
  ck_assert_ptr_null(rl_reasm_new(1, 38, 1));
  ck_assert_ptr_null(rl_reasm_new(SIZE_MAX / 2, 4096, 1));
  ck_assert_ptr_null(rl_reasm_new(1, (size_t)UINT32_MAX + 1, 1));
  rl_reasm_free(NULL);
}
END_TEST

START_TEST(timeout) {
  static uint8_t msg[4096];
  static frags f;
  const uint8_t *whole;
  size_t wlen;
  size_t len = make_msg(msg, sizeof msg, 1, 77);
  memset(&f, 0, sizeof f);
  ck_assert_int_eq(rl_fragment_split(msg, len, 1000, collect, &f), 0);
  rl_reasm *r = rl_reasm_new(2, 4096, 15000);
  ck_assert_int_eq(rl_reasm_add(r, 1, f.buf[0], f.len[0], 1000, &whole, &wlen), 0);
  ck_assert_int_eq(rl_reasm_add(r, 1, f.buf[1], f.len[1], 15999, &whole, &wlen), 0);
  rl_reasm_expire(r, 15999);
  ck_assert_uint_eq(rl_reasm_pending(r), 1);
  rl_reasm_expire(r, 16000); /* 15 s after the first fragment */
  ck_assert_uint_eq(rl_reasm_pending(r), 0);
  /* What arrives later starts again and cannot complete alone. */
  ck_assert_int_eq(rl_reasm_add(r, 1, f.buf[2], f.len[2], 16001, &whole, &wlen), 0);
  ck_assert_int_eq(rl_reasm_add(r, 1, f.buf[3], f.len[3], 16002, &whole, &wlen), 0);
  ck_assert_uint_eq(rl_reasm_pending(r), 1);
  /* rl_reasm_add expires too: the late fragments' slot goes at 31001. */
  ck_assert_int_eq(rl_reasm_add(r, 1, f.buf[0], f.len[0], 31001, &whole, &wlen), 0);
  ck_assert_int_eq(rl_reasm_add(r, 1, f.buf[1], f.len[1], 31001, &whole, &wlen), 0);
  ck_assert_uint_eq(rl_reasm_pending(r), 1);
  ck_assert_int_eq(rl_reasm_add(r, 1, f.buf[2], f.len[2], 31002, &whole, &wlen), 0);
  ck_assert_int_eq(rl_reasm_add(r, 1, f.buf[3], f.len[3], 31003, &whole, &wlen), 1);
  ck_assert_mem_eq(whole, msg, len);
  rl_reasm_free(r);
}
END_TEST

/* The first fragment (of 4) of a 3.1 KB ping with transaction ID txid,
 * and the rest, in fr. */
static void frags_of(uint64_t txid, frags *fr) {
  static uint8_t msg[4096];
  size_t len = make_msg(msg, sizeof msg, 1, txid);
  memset(fr, 0, sizeof *fr);
  ck_assert_int_eq(rl_fragment_split(msg, len, 1000, collect, fr), 0);
  ck_assert_uint_eq(fr->n, 4);
}

/* Feed fragments from..3 of fr from link; 1 when the last completed. */
static int finish(rl_reasm *r, uint64_t link, const frags *fr, size_t from) {
  const uint8_t *whole;
  size_t wlen;
  int rc = 0;
  for (size_t i = from; i < fr->n; i++) {
    rc = rl_reasm_add(r, link, fr->buf[i], fr->len[i], 0, &whole, &wlen);
    ck_assert_int_ge(rc, 0);
  }
  return rc;
}

static rl_reasm *limited(size_t pending, size_t per_link, size_t memory) {
  rl_reasm_limits lim;
  lim.max_pending = pending;
  lim.max_per_link = per_link;
  lim.max_message_size = 8192;
  lim.memory = memory;
  lim.timeout_ms = 15000;
  return rl_reasm_new_limits(&lim);
}

/* Feed fragment 0 of fr from link; the result. */
static int start(rl_reasm *r, uint64_t link, const frags *fr) {
  const uint8_t *whole;
  size_t wlen;
  return rl_reasm_add(r, link, fr->buf[0], fr->len[0], 0, &whole, &wlen);
}

/* Issue 22: a link sending first fragments of new messages without end
 * holds max_per_link at most, pushing out its own oldest; another link's
 * message completes meanwhile. */
START_TEST(flood_one_link) {
  static frags fl, good;
  rl_reasm *r = limited(8, 2, 1u << 20);
  ck_assert_ptr_nonnull(r);
  frags_of(5000, &good);
  ck_assert_int_eq(start(r, 2, &good), 0);
  for (uint64_t tx = 100; tx < 140; tx++) {
    frags_of(tx, &fl);
    ck_assert_int_eq(start(r, 1, &fl), 0);
    ck_assert_uint_le(rl_reasm_pending_link(r, 1), 2);
    ck_assert_uint_eq(rl_reasm_pending_link(r, 2), 1);
  }
  ck_assert_uint_eq(rl_reasm_evicted(r), 38);
  ck_assert_int_eq(finish(r, 2, &good, 1), 1);
  ck_assert_uint_eq(rl_reasm_pending_link(r, 1), 2);
  /* The flooder kept its two newest: 139 completes, 137 starts over. */
  frags_of(139, &fl);
  ck_assert_int_eq(finish(r, 1, &fl, 1), 1);
  frags_of(137, &fl);
  ck_assert_int_eq(finish(r, 1, &fl, 1), 0);
  /* Its link closes: what it left pending goes, memory included. */
  ck_assert_uint_eq(rl_reasm_pending_link(r, 1), 2);
  rl_reasm_forget_link(r, 1);
  ck_assert_uint_eq(rl_reasm_pending(r), 0);
  ck_assert_uint_eq(rl_reasm_memory(r), 0);
  rl_reasm_free(r);
}
END_TEST

/* When every slot is taken, the oldest message of the link holding the
 * most goes first, not the oldest overall. */
START_TEST(eviction_order) {
  static frags a, b, c, d, e, g, h;
  rl_reasm *r = limited(4, 3, 1u << 20);
  frags_of(1, &a);
  frags_of(2, &b);
  frags_of(3, &c);
  frags_of(4, &d);
  frags_of(5, &e);
  frags_of(6, &g);
  frags_of(7, &h);
  /* Link 2's b is the oldest of all; link 1 holds three. */
  ck_assert_int_eq(start(r, 2, &b), 0);
  ck_assert_int_eq(start(r, 1, &a), 0);
  ck_assert_int_eq(start(r, 1, &c), 0);
  ck_assert_int_eq(start(r, 1, &d), 0);
  /* e (link 3): link 1's oldest, a, gives way. */
  ck_assert_int_eq(start(r, 3, &e), 0);
  ck_assert_uint_eq(rl_reasm_pending_link(r, 1), 2);
  ck_assert_uint_eq(rl_reasm_pending_link(r, 2), 1);
  /* g (link 3): link 1 still holds the most (2): c goes. */
  ck_assert_int_eq(start(r, 3, &g), 0);
  ck_assert_uint_eq(rl_reasm_pending_link(r, 1), 1);
  ck_assert_uint_eq(rl_reasm_pending_link(r, 3), 2);
  /* h (link 4): now link 3 holds the most: its oldest, e, goes. */
  ck_assert_int_eq(start(r, 4, &h), 0);
  ck_assert_uint_eq(rl_reasm_pending_link(r, 3), 1);
  ck_assert_uint_eq(rl_reasm_evicted(r), 3);
  /* b, the oldest of all, survived all three and completes; so do d, g,
   * h. (Completing frees a slot, so nothing else is pushed out.) */
  ck_assert_int_eq(finish(r, 2, &b, 1), 1);
  ck_assert_int_eq(finish(r, 1, &d, 1), 1);
  ck_assert_int_eq(finish(r, 3, &g, 1), 1);
  ck_assert_int_eq(finish(r, 4, &h, 1), 1);
  ck_assert_uint_eq(rl_reasm_pending(r), 0);
  rl_reasm_free(r);
}
END_TEST

/* Buffers are sized by what arrived, within the memory limit; past it
 * the fullest link's oldest goes (ties: the oldest). */
START_TEST(memory_limit) {
  static frags a, b, c;
  size_t one;
  rl_reasm *r = limited(8, 8, 1u << 20);
  frags_of(1, &a);
  frags_of(2, &b);
  frags_of(3, &c);
  /* A first fragment of ~950 bytes takes a 4 KiB buffer, not 8 KiB. */
  ck_assert_int_eq(start(r, 1, &a), 0);
  one = rl_reasm_memory(r);
  ck_assert_uint_eq(one, HL + 4096 + 4096 / 8 + 1);
  rl_reasm_free(r);
  ck_assert_ptr_null(limited(8, 8, 8192 + 8192 / 8));
  /* Room for two such messages (and for one of 8 KiB). */
  r = limited(8, 8, 2 * one);
  ck_assert_ptr_nonnull(r);
  ck_assert_int_eq(start(r, 1, &a), 0);
  ck_assert_int_eq(start(r, 2, &b), 0);
  ck_assert_uint_eq(rl_reasm_memory(r), 2 * one);
  ck_assert_int_eq(start(r, 3, &c), 0);
  ck_assert_uint_eq(rl_reasm_evicted(r), 1);
  ck_assert_uint_eq(rl_reasm_pending_link(r, 1), 0);
  ck_assert_uint_eq(rl_reasm_memory(r), 2 * one);
  ck_assert_int_eq(finish(r, 2, &b, 1), 1);
  ck_assert_int_eq(finish(r, 3, &c, 1), 1);
  ck_assert_uint_eq(rl_reasm_memory(r), 0);
  rl_reasm_free(r);
}
END_TEST

/* Random fragments of 12 messages from 5 links under tight limits: every
 * call succeeds or waits, the limits hold after each, and whatever
 * completes is the message byte for byte. */
START_TEST(limits_hold_under_random_load) {
  enum { MSGS = 12, LINKS = 5, STEPS = 20000 };
  static uint8_t orig[MSGS][4096];
  static frags fr[MSGS];
  size_t olen[MSGS], done = 0;
  uint64_t x = 0x9e3779b97f4a7c15u;
  rl_reasm *r = limited(6, 2, 20000);
  ck_assert_ptr_nonnull(r);
  for (size_t k = 0; k < MSGS; k++) {
    olen[k] = make_msg(orig[k], sizeof orig[k], 1, 1000 + k);
    memset(&fr[k], 0, sizeof fr[k]);
    ck_assert_int_eq(rl_fragment_split(orig[k], olen[k], 1000, collect, &fr[k]), 0);
  }
  for (int step = 0; step < STEPS; step++) {
    const uint8_t *whole;
    size_t wlen, k, i;
    int rc;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    k = (size_t)(x % MSGS);
    i = (size_t)((x >> 8) % fr[k].n);
    rc = rl_reasm_add(r, k % LINKS, fr[k].buf[i], fr[k].len[i], (uint64_t)step, &whole, &wlen);
    ck_assert_int_ge(rc, 0);
    if (rc == 1) {
      ck_assert_uint_eq(wlen, olen[k]);
      ck_assert_mem_eq(whole, orig[k], wlen);
      done++;
    }
    ck_assert_uint_le(rl_reasm_memory(r), 20000);
    ck_assert_uint_le(rl_reasm_pending(r), 6);
    for (uint64_t l = 0; l < LINKS; l++) ck_assert_uint_le(rl_reasm_pending_link(r, l), 2);
  }
  ck_assert_uint_gt(done, 50); /* 71 with this seed */
  ck_assert_uint_gt(rl_reasm_evicted(r), 100);
  rl_reasm_free(r);
}
END_TEST

int main(void) {
  Suite *s = suite_create("peer_fragment");
  TCase *t = tcase_create("split");
  tcase_add_test(t, split_fields);
  tcase_add_test(t, split_limits);
  tcase_add_test(t, build_limits);
  suite_add_tcase(s, t);
  TCase *r = tcase_create("reassembly");
  tcase_add_test(r, reassemble_orders);
  tcase_add_test(r, refragment);
  tcase_add_test(r, overlaps);
  tcase_add_test(r, inconsistent_headers);
  tcase_add_test(r, budget);
  tcase_add_test(r, timeout);
  tcase_add_test(r, flood_one_link);
  tcase_add_test(r, eviction_order);
  tcase_add_test(r, memory_limit);
  tcase_add_test(r, limits_hold_under_random_load);
  suite_add_tcase(s, r);
  SRunner *sr = srunner_create(s);
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
