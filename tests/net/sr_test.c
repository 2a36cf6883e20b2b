/* sr_test.c: Simple Reliability (RFC 6940 6.6.3) on virtual time: the
 * stop-and-wait sender, its doubled retransmission timer and new sequence
 * numbers, acks through ack_sequence and through the received mask, the
 * RFC 6298 RTO from acks, the 10 ms gap after an ack, giving up after five
 * transmissions, and datagram framing (rl_sr_parse). No sockets: the live
 * DTLS links are in dlink_test.c. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "net/sr.h"
#include "runtime/error.h"

START_TEST(stop_and_wait) {
  rl_sr s;
  rl_sr_init(&s);
  ck_assert(rl_sr_can_send(&s, 0));
  ck_assert_uint_eq(rl_sr_transmit(&s, 0), 0); /* 6.6.2: from zero */
  /* 6.6.3.1: not more than one unacknowledged message. */
  ck_assert(!rl_sr_can_send(&s, 0));
  ck_assert(!rl_sr_can_send(&s, 100000));
  ck_assert_int_eq(rl_sr_on_ack(&s, 0, 0, 30), 1);
  /* 10 ms after the ACK, not before. */
  ck_assert(!rl_sr_can_send(&s, 39));
  ck_assert_uint_eq(rl_sr_next_ms(&s), 40);
  ck_assert(rl_sr_can_send(&s, 40));
  ck_assert_uint_eq(rl_sr_transmit(&s, 40), 1);
  ck_assert_uint_eq(s.messages_acked, 1);
}
END_TEST

START_TEST(retransmission_schedule) {
  /* The RFC's example with RTO 500 ms: 0, 500, 1500, 3500, 7500 ms, each
   * with a new sequence number; after the fifth, failure. */
  static const uint64_t at[] = {0, 500, 1500, 3500, 7500};
  rl_sr s;
  rl_sr_init(&s);
  s.rto.rto_ms = 500;
  ck_assert_uint_eq(rl_sr_transmit(&s, 0), 0);
  for (unsigned i = 1; i < 5; i++) {
    ck_assert_int_eq(rl_sr_poll(&s, at[i] - 1), RL_SR_IDLE);
    ck_assert_uint_eq(rl_sr_next_ms(&s), at[i]);
    ck_assert_int_eq(rl_sr_poll(&s, at[i]), RL_SR_RETRANSMIT);
    ck_assert_uint_eq(rl_sr_transmit(&s, at[i]), i);
    ck_assert_int_eq(rl_sr_failing(&s), i >= 3); /* three retransmissions */
  }
  ck_assert_uint_eq(s.retransmissions, 4);
  /* The fifth waits 8 RTO too, then the link is given up. */
  ck_assert_int_eq(rl_sr_poll(&s, 15499), RL_SR_IDLE);
  ck_assert_int_eq(rl_sr_poll(&s, 15500), RL_SR_FAILED);
}
END_TEST

START_TEST(ack_of_any_transmission) {
  rl_sr s;
  rl_sr_init(&s);
  s.rto.rto_ms = 500;
  rl_sr_transmit(&s, 0);   /* seq 0 */
  rl_sr_transmit(&s, 500); /* seq 1 */
  /* An ack of an unrelated sequence acks nothing. */
  ck_assert_int_eq(rl_sr_on_ack(&s, 7, 0, 600), 0);
  ck_assert_uint_eq(s.acks_unmatched, 1);
  /* The first transmission arrived late: its ack frees the sender. */
  ck_assert_int_eq(rl_sr_on_ack(&s, 0, 0, 700), 1);
  ck_assert_int_eq(rl_sr_poll(&s, 100000), RL_SR_IDLE);
}
END_TEST

START_TEST(ack_through_received_mask) {
  rl_sr s;
  rl_sr_init(&s);
  rl_sr_transmit(&s, 0); /* 0: acked */
  rl_sr_on_ack(&s, 0, 0, 1);
  rl_sr_transmit(&s, 20); /* 1: its ack is lost ... */
  /* ... and the ack of a later frame (seq 3 from elsewhere, e.g. the
   * unframed sender of the conformance suite) with bit 2 set (3 - 2 = 1)
   * acks it. Bit 1 (seq 2) alone would not. */
  ck_assert_int_eq(rl_sr_on_ack(&s, 3, 1u << 1, 30), 0);
  ck_assert_int_eq(rl_sr_on_ack(&s, 3, 1u << 2, 31), 1);
  /* No RTT sample from the mask: only from ack_sequence. */
  ck_assert_uint_eq(s.rtt_samples, 1);
}
END_TEST

START_TEST(rto_from_acks) {
  rl_sr s;
  uint64_t t = 0;
  rl_sr_init(&s);
  ck_assert_uint_eq(rl_sr_rto_ms(&s), RL_RTO_INITIAL_MS); /* RFC 6298 2.1 */
  rl_sr_transmit(&s, t);
  rl_sr_on_ack(&s, 0, 0, t + 300);
  /* 2.2: SRTT 300, RTTVAR 150, RTO 300 + 4 * 150 = 900. */
  ck_assert_uint_eq(rl_sr_rto_ms(&s), 900);
  t = 1000;
  rl_sr_transmit(&s, t);
  rl_sr_on_ack(&s, 1, 0, t + 300);
  /* 2.3: RTTVAR 3/4 * 150 + 0 = 112.5, SRTT 300: 300 + 450 = 750. */
  ck_assert_uint_eq(rl_sr_rto_ms(&s), 750);
  /* The first wait of the next message is the RTO. */
  rl_sr_transmit(&s, 5000);
  ck_assert_uint_eq(rl_sr_next_ms(&s), 5750);
}
END_TEST

START_TEST(receiver_mask) {
  rl_sr s;
  rl_sr_init(&s);
  ck_assert_uint_eq(rl_sr_on_data(&s, 0), 0);
  ck_assert_uint_eq(rl_sr_on_data(&s, 1), 1u << 1);
  /* 2 lost: 3 sees 1 (bit 2) and 0 (bit 3), not 2 (bit 1). */
  ck_assert_uint_eq(rl_sr_on_data(&s, 3), (1u << 2) | (1u << 3));
}
END_TEST

START_TEST(datagram_parse) {
  static const uint8_t data[] = {0x80, 0, 0, 0, 9, 0, 0, 2, 'h', 'i'};
  static const uint8_t ack[] = {0x81, 0, 0, 0, 9, 0, 0, 0, 6};
  uint8_t buf[16];
  rl_frame f;
  ck_assert_int_eq(rl_sr_parse(data, sizeof data, 100, &f), 0);
  ck_assert_uint_eq(f.sequence, 9);
  ck_assert_uint_eq(f.msg_len, 2);
  ck_assert_mem_eq(f.msg, "hi", 2);
  ck_assert_int_eq(rl_sr_parse(ack, sizeof ack, 100, &f), 0);
  ck_assert_uint_eq(f.received, 6);
  /* A datagram is one frame: short, long, bad type, oversized. */
  ck_assert_int_eq(rl_sr_parse(data, sizeof data - 1, 100, &f), RL_ERR_TRUNCATED);
  memcpy(buf, data, sizeof data);
  buf[sizeof data] = 0;
  ck_assert_int_eq(rl_sr_parse(buf, sizeof data + 1, 100, &f), RL_ERR_TRAILING);
  ck_assert_int_eq(rl_sr_parse(ack, 5, 100, &f), RL_ERR_TRUNCATED);
  buf[0] = 0x82;
  ck_assert_int_eq(rl_sr_parse(buf, sizeof data, 100, &f), RL_ERR_BAD_ENUM);
  ck_assert_int_eq(rl_sr_parse(data, sizeof data, 1, &f), RL_ERR_TOO_LARGE);
  ck_assert_uint_eq(f.msg_len, 2);
  ck_assert_int_eq(rl_sr_parse(data, 0, 100, &f), RL_ERR_TRUNCATED);
}
END_TEST

START_TEST(sequence_wraps) {
  rl_sr s;
  rl_sr_init(&s);
  s.next_seq = UINT32_MAX;
  ck_assert_uint_eq(rl_sr_transmit(&s, 0), UINT32_MAX);
  ck_assert_uint_eq(rl_sr_transmit(&s, 2000), 0);
  /* An ack of 1 with bit 2 set names UINT32_MAX (1 - 2, modulo 2^32). */
  ck_assert_int_eq(rl_sr_on_ack(&s, 1, 1u << 2, 2001), 1);
}
END_TEST

int main(void) {
  Suite *s = suite_create("net_sr");
  TCase *tc = tcase_create("sr");
  SRunner *r;
  int failed;
  tcase_add_test(tc, stop_and_wait);
  tcase_add_test(tc, retransmission_schedule);
  tcase_add_test(tc, ack_of_any_transmission);
  tcase_add_test(tc, ack_through_received_mask);
  tcase_add_test(tc, rto_from_acks);
  tcase_add_test(tc, receiver_mask);
  tcase_add_test(tc, datagram_parse);
  tcase_add_test(tc, sequence_wraps);
  suite_add_tcase(s, tc);
  r = srunner_create(s);
  srunner_run_all(r, CK_NORMAL);
  failed = srunner_ntests_failed(r);
  srunner_free(r);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
