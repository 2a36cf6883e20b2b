/* frame_test.c: the framing header on a byte stream (RFC 6940 6.6.2), the
 * received mask of acks, and the RFC 6298 RTO (6.6.5). Pure functions; the
 * sockets are in link_test.c. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "gen/reload_codec.h"
#include "net/frame.h"
#include "net/rto.h"
#include "runtime/arena.h"
#include "runtime/ctx.h"

START_TEST(data_frame_needs_every_byte) {
  /* data, sequence 0x01020304, length 5, "hello" */
  static const uint8_t f[] = {0x80, 1, 2, 3, 4, 0, 0, 5, 'h', 'e', 'l', 'l', 'o', 0x81};
  rl_frame fr;
  for (size_t n = 0; n < 13; n++)
    ck_assert_int_eq(rl_frame_next(f, n, 100, &fr), RL_FRAME_MORE);
  /* The length is known once the 8-byte header is in. */
  ck_assert_int_eq(rl_frame_next(f, 8, 100, &fr), RL_FRAME_MORE);
  ck_assert_uint_eq(fr.msg_len, 5);
  ck_assert_int_eq(rl_frame_next(f, sizeof f, 100, &fr), RL_FRAME_OK);
  ck_assert_uint_eq(fr.type, RL_FRAME_DATA);
  ck_assert_uint_eq(fr.sequence, 0x01020304u);
  ck_assert_uint_eq(fr.msg_len, 5);
  ck_assert_uint_eq(fr.frame_len, 13);
  ck_assert_mem_eq(fr.msg, "hello", 5);
  /* Exactly max-message-size is accepted; one more is not. */
  ck_assert_int_eq(rl_frame_next(f, 13, 5, &fr), RL_FRAME_OK);
  ck_assert_int_eq(rl_frame_next(f, 13, 4, &fr), RL_FRAME_OVERSIZE);
}
END_TEST

START_TEST(ack_frame) {
  uint8_t a[RL_FRAME_ACK_LEN];
  rl_frame fr;
  rl_frame_ack(a, 0xfffffffeu, 0x80000002u);
  ck_assert_uint_eq(a[0], 0x81);
  for (size_t n = 0; n < sizeof a; n++)
    ck_assert_int_eq(rl_frame_next(a, n, 10, &fr), RL_FRAME_MORE);
  ck_assert_int_eq(rl_frame_next(a, sizeof a, 10, &fr), RL_FRAME_OK);
  ck_assert_uint_eq(fr.type, RL_FRAME_ACK);
  ck_assert_uint_eq(fr.sequence, 0xfffffffeu);
  ck_assert_uint_eq(fr.received, 0x80000002u);
  ck_assert_uint_eq(fr.frame_len, 9);
}
END_TEST

START_TEST(header_encoding) {
  uint8_t h[RL_FRAME_DATA_HDR];
  static const uint8_t want[] = {0x80, 0, 0, 0, 7, 0xff, 0xff, 0xff};
  rl_frame_data_header(h, 7, RL_FRAME_MSG_MAX);
  ck_assert_mem_eq(h, want, sizeof want);
}
END_TEST

/* The stream reader and the generated codec (spec/ FramedMessage) agree. */
START_TEST(agrees_with_generated_codec) {
  uint8_t buf[64], mem[1024];
  rl_arena arena;
  rl_ctx ctx;
  rl_FramedMessage m;
  rl_frame fr;
  rl_arena_init(&arena, mem, sizeof mem);
  rl_ctx_init(&ctx, &arena, NULL);
  rl_frame_data_header(buf, 0xdeadbeefu, 5);
  memcpy(buf + RL_FRAME_DATA_HDR, "abcde", 5);
  ck_assert_int_eq(rl_FramedMessage_parse(buf, RL_FRAME_DATA_HDR + 5, &ctx, &m), 0);
  ck_assert_uint_eq(m.type, RL_FramedMessageType_data);
  ck_assert_uint_eq(m.data.sequence, 0xdeadbeefu);
  ck_assert_uint_eq(m.data.message.len, 5);
  ck_assert_int_eq(rl_frame_next(buf, RL_FRAME_DATA_HDR + 5, 100, &fr), RL_FRAME_OK);
  ck_assert_uint_eq(fr.frame_len, rl_FramedMessage_encoded_len(&m));
  rl_frame_ack(buf, 77, 0x0000fff0u);
  rl_arena_init(&arena, mem, sizeof mem);
  rl_ctx_init(&ctx, &arena, NULL);
  ck_assert_int_eq(rl_FramedMessage_parse(buf, RL_FRAME_ACK_LEN, &ctx, &m), 0);
  ck_assert_uint_eq(m.type, RL_FramedMessageType_ack);
  ck_assert_uint_eq(m.ack.ack_sequence, 77);
  ck_assert_uint_eq(m.ack.received, 0x0000fff0u);
  ck_assert_uint_eq(rl_FramedMessage_encoded_len(&m), RL_FRAME_ACK_LEN);
}
END_TEST

START_TEST(bad_type_after_one_byte) {
  static const uint8_t t[] = {0x07};
  static const uint8_t t2[] = {0x00, 0, 0, 0};
  rl_frame fr;
  ck_assert_int_eq(rl_frame_next(t, 1, 10, &fr), RL_FRAME_BAD_TYPE);
  ck_assert_uint_eq(fr.type, 7);
  ck_assert_int_eq(rl_frame_next(t2, sizeof t2, 10, &fr), RL_FRAME_BAD_TYPE);
  ck_assert_uint_eq(fr.type, 0);
}
END_TEST

START_TEST(oversize_reports_what_arrived) {
  /* Announces 0x010000 bytes; 3 of them are here. */
  static const uint8_t f[] = {0x80, 0, 0, 0, 9, 1, 0, 0, 'a', 'b', 'c'};
  rl_frame fr;
  ck_assert_int_eq(rl_frame_next(f, 8, 1000, &fr), RL_FRAME_OVERSIZE);
  ck_assert_uint_eq(fr.frame_len, 8);
  ck_assert_int_eq(rl_frame_next(f, sizeof f, 1000, &fr), RL_FRAME_OVERSIZE);
  ck_assert_uint_eq(fr.sequence, 9);
  ck_assert_uint_eq(fr.msg_len, 0x10000);
  ck_assert_uint_eq(fr.frame_len, 11);
  ck_assert_mem_eq(fr.msg, "abc", 3);
}
END_TEST

START_TEST(received_mask) {
  rl_frame_window w;
  rl_frame_window_init(&w);
  /* 6.6.2: bit N-M is set for each M received with N-32 < M < N. */
  ck_assert_uint_eq(rl_frame_window_receive(&w, 0), 0);
  ck_assert_uint_eq(rl_frame_window_receive(&w, 1), 1u << 1);
  ck_assert_uint_eq(rl_frame_window_receive(&w, 2), (1u << 1) | (1u << 2));
  /* 3 is missing */
  ck_assert_uint_eq(rl_frame_window_receive(&w, 4), (1u << 2) | (1u << 3) | (1u << 4));
  /* 3 arrives late: 2, 1, 0 are its predecessors (4 is not less than 3). */
  ck_assert_uint_eq(rl_frame_window_receive(&w, 3), (1u << 1) | (1u << 2) | (1u << 3));
  /* 4 back from 36: only M > 36-32 = 4 count, none received. */
  ck_assert_uint_eq(rl_frame_window_receive(&w, 36), 0);
  ck_assert_uint_eq(rl_frame_window_receive(&w, 37), 1u << 1);
  /* 31 back is the last bit that can be set. */
  rl_frame_window_init(&w);
  rl_frame_window_receive(&w, 100);
  ck_assert_uint_eq(rl_frame_window_receive(&w, 131), 1u << 31);
  rl_frame_window_init(&w);
  rl_frame_window_receive(&w, 100);
  ck_assert_uint_eq(rl_frame_window_receive(&w, 132), 0);
}
END_TEST

START_TEST(received_mask_wraps) {
  rl_frame_window w;
  rl_frame_window_init(&w);
  rl_frame_window_receive(&w, 0xfffffffeu);
  rl_frame_window_receive(&w, 0xffffffffu);
  ck_assert_uint_eq(rl_frame_window_receive(&w, 0), (1u << 1) | (1u << 2));
  ck_assert_uint_eq(rl_frame_window_receive(&w, 1), (1u << 1) | (1u << 2) | (1u << 3));
}
END_TEST

START_TEST(rto_rfc6298) {
  rl_rto r;
  rl_rto_init(&r);
  ck_assert_uint_eq(r.rto_ms, 1000); /* 2.1 */
  ck_assert_uint_eq(rl_rto_srtt_ms(&r), 0);
  /* 2.2: SRTT 100, RTTVAR 50, RTO 100 + 4 * 50 */
  rl_rto_sample(&r, 100);
  ck_assert_uint_eq(rl_rto_srtt_ms(&r), 100);
  ck_assert_uint_eq(rl_rto_rttvar_ms(&r), 50);
  ck_assert_uint_eq(r.rto_ms, 300);
  /* 2.3: RTTVAR 3/4 * 50 + 1/4 * |100 - 200| = 62.5; SRTT 7/8 * 100 +
   * 1/8 * 200 = 112.5; RTO 112.5 + 250 = 362.5, rounded up. */
  rl_rto_sample(&r, 200);
  ck_assert_uint_eq(rl_rto_srtt_ms(&r), 113);
  ck_assert_uint_eq(rl_rto_rttvar_ms(&r), 63);
  ck_assert_uint_eq(r.rto_ms, 363);
  ck_assert_uint_eq(r.samples, 2);
}
END_TEST

START_TEST(rto_bounds) {
  rl_rto r;
  rl_rto_init(&r);
  rl_rto_sample(&r, 0);
  ck_assert_uint_eq(r.rto_ms, RL_RTO_MIN_MS);
  for (int i = 0; i < 20; i++) rl_rto_sample(&r, 0);
  ck_assert_uint_eq(r.rto_ms, RL_RTO_MIN_MS);
  ck_assert_uint_eq(rl_rto_srtt_ms(&r), 0);
  rl_rto_sample(&r, 100000);
  ck_assert_uint_eq(r.rto_ms, RL_RTO_MAX_MS);
}
END_TEST

int main(void) {
  Suite *s = suite_create("net_frame");
  TCase *tc = tcase_create("frame");
  SRunner *sr;
  int failed;
  tcase_add_test(tc, data_frame_needs_every_byte);
  tcase_add_test(tc, ack_frame);
  tcase_add_test(tc, header_encoding);
  tcase_add_test(tc, agrees_with_generated_codec);
  tcase_add_test(tc, bad_type_after_one_byte);
  tcase_add_test(tc, oversize_reports_what_arrived);
  tcase_add_test(tc, received_mask);
  tcase_add_test(tc, received_mask_wraps);
  tcase_add_test(tc, rto_rfc6298);
  tcase_add_test(tc, rto_bounds);
  suite_add_tcase(s, tc);
  sr = srunner_create(s);
  srunner_run_all(sr, CK_NORMAL);
  failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
