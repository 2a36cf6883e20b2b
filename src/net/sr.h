/* net/sr.h: Simple Reliability (RFC 6940 6.6.3) for one DTLS session, as
 * a state machine without I/O or clock of its own: the caller says what
 * happened and when (milliseconds of one monotonic clock), and asks what
 * to do (send the message now, retransmit it, give up). net/dlink.c runs
 * it over DTLS; tests/net/sr_test.c runs it on virtual time.
 *
 * Sender: the Stop and Wait algorithm of 6.6.3.1.
 *   - "A node MUST NOT have more than one unacknowledged message on the
 *     DTLS connection at a time": rl_sr_can_send is 0 while one is out.
 *   - "For each retransmission, the sequence number MUST be incremented",
 *     and "The node MUST double the time to wait after each
 *     retransmission": with RTO 500 ms the transmissions go at 0, 500,
 *     1500, 3500 and 7500 ms, as in the RFC's example.
 *   - "Retransmissions continue until ... a total of 5 requests have been
 *     sent": after the fifth, one more doubled wait (8 RTO) without an
 *     ack fails the link (RL_SR_FAILED: "the sending node SHOULD close
 *     the connection").
 *   - The message is acked by an ack whose ack_sequence, or one of the 31
 *     sequences its received mask covers, is any transmission of it.
 *   - RTO: RFC 6298 section 2 through net/rto.h, one RTT sample per ack
 *     whose ack_sequence we sent ("all received ACKs are used"), rounded
 *     to the millisecond (6.6.3.1).
 *   - "A sender MUST wait 10 ms between receipt of an ACK and transmission
 *     of the next message" (RL_SR_ACK_GAP_MS).
 *   - Congestion (RFC 5405, which 6.6.3 requires): one message per RTT at
 *     most, exponential backoff on loss; this is the RFC's own algorithm.
 *   - "observe when no ACKs have been received for an entire RTO
 *     interval, and then wait for three retransmissions": rl_sr_failing
 *     is 1 from the fourth transmission of a message on, until an ack.
 *
 * Receiver: every data frame is acked at once with the 32-bit received
 * mask (6.6.2; net/frame.h's rl_frame_window).
 *
 * Datagrams: over DTLS each record carries exactly one FramedMessage
 * (6.6.2 framing, 6.6.4); rl_sr_parse reads one and refuses trailing
 * bytes. */
#ifndef RL_NET_SR_H
#define RL_NET_SR_H

#include <stddef.h>
#include <stdint.h>

#include "net/frame.h"
#include "net/rto.h"

#define RL_SR_MAX_TRANSMISSIONS 5u /* 6.6.3.1: "a total of 5 requests" */
#define RL_SR_ACK_GAP_MS 10u       /* 6.6.3.1: 10 ms after an ACK */

typedef enum rl_sr_action {
  RL_SR_IDLE = 0,      /* nothing to do now */
  RL_SR_RETRANSMIT,    /* send the message again, numbered by rl_sr_transmit */
  RL_SR_FAILED         /* five transmissions, none acked: close the link */
} rl_sr_action;

typedef struct rl_sr {
  /* Sender. */
  uint32_t next_seq;   /* the next data frame's sequence (6.6.2: from 0) */
  int busy;            /* a message is out, not acked */
  unsigned tries;      /* transmissions of it so far */
  uint32_t seqs[RL_SR_MAX_TRANSMISSIONS];
  uint64_t sent_ms[RL_SR_MAX_TRANSMISSIONS];
  uint64_t deadline_ms; /* retransmit (or fail) at */
  uint32_t wait_ms;     /* the current, doubled, wait */
  uint64_t gap_until_ms; /* the 10 ms after an ack */
  rl_rto rto;
  /* Receiver. */
  rl_frame_window win;
  /* Counters. */
  uint64_t messages_acked, retransmissions, acks_received, acks_unmatched, rtt_samples;
} rl_sr;

void rl_sr_init(rl_sr *s);

/* 1 when a new message may go out at now. */
int rl_sr_can_send(const rl_sr *s, uint64_t now_ms);

/* A transmission of the current message goes out at now (the first one
 * when none is out; caller checked rl_sr_can_send; a retransmission after
 * RL_SR_RETRANSMIT): returns the sequence number to put in its frame. */
uint32_t rl_sr_transmit(rl_sr *s, uint64_t now_ms);

/* An ack frame arrived. Returns 1 when it acked the message that was out
 * (the sender is free again after RL_SR_ACK_GAP_MS), 0 otherwise. */
int rl_sr_on_ack(rl_sr *s, uint32_t ack_sequence, uint32_t received, uint64_t now_ms);

/* A data frame with sequence seq arrived: the received field of its ack. */
uint32_t rl_sr_on_data(rl_sr *s, uint32_t seq);

/* What the sender must do at now. */
rl_sr_action rl_sr_poll(const rl_sr *s, uint64_t now_ms);

/* When rl_sr_poll or rl_sr_can_send next change (UINT64_MAX: not before
 * an event). */
uint64_t rl_sr_next_ms(const rl_sr *s);

/* 1 once three retransmissions of a message went unacked (6.6.3.1: the
 * link SHOULD leave the routing table). */
int rl_sr_failing(const rl_sr *s);

/* The RTO now (RFC 6298 via net/rto.h). */
uint32_t rl_sr_rto_ms(const rl_sr *s);

/* One datagram's FramedMessage (the plaintext of one DTLS record). 0 with
 * *f filled (f->msg points into buf); RL_ERR_BAD_ENUM for an unknown
 * type; RL_ERR_TRUNCATED when the frame is cut short; RL_ERR_TRAILING
 * when bytes follow it; RL_ERR_TOO_LARGE when a data frame announces more
 * than max_msg (f->sequence and f->msg_len are then set). */
int rl_sr_parse(const uint8_t *buf, size_t len, size_t max_msg, rl_frame *f);

#endif
