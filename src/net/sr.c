/* net/sr.c: see sr.h. RFC 6940 6.6.2, 6.6.3. */
#include "net/sr.h"

#include <string.h>

#include "runtime/error.h"

void rl_sr_init(rl_sr *s) {
  memset(s, 0, sizeof *s);
  rl_rto_init(&s->rto);
  rl_frame_window_init(&s->win);
}

int rl_sr_can_send(const rl_sr *s, uint64_t now_ms) {
  /* 6.6.3.1: one unacknowledged message at a time; 10 ms after an ACK. */
  return !s->busy && now_ms >= s->gap_until_ms;
}

uint32_t rl_sr_transmit(rl_sr *s, uint64_t now_ms) {
  uint32_t seq = s->next_seq++; /* 6.6.3.1: a new sequence number each time */
  if (!s->busy) {
    s->busy = 1;
    s->tries = 0;
    s->wait_ms = rl_sr_rto_ms(s);
  } else {
    s->retransmissions++;
    s->wait_ms = s->wait_ms > UINT32_MAX / 2 ? UINT32_MAX : s->wait_ms * 2; /* MUST double */
  }
  if (s->tries < RL_SR_MAX_TRANSMISSIONS) {
    s->seqs[s->tries] = seq;
    s->sent_ms[s->tries] = now_ms;
    s->tries++;
  }
  s->deadline_ms = now_ms + s->wait_ms;
  return seq;
}

/* The transmission of the message out that sequence seq was, or -1. */
static int transmission_of(const rl_sr *s, uint32_t seq) {
  for (unsigned i = 0; s->busy && i < s->tries; i++)
    if (s->seqs[i] == seq) return (int)i;
  return -1;
}

int rl_sr_on_ack(rl_sr *s, uint32_t ack_sequence, uint32_t received, uint64_t now_ms) {
  int t = transmission_of(s, ack_sequence);
  int acked = t >= 0;
  s->acks_received++;
  if (t >= 0 && now_ms >= s->sent_ms[t]) {
    /* 6.6.3.1: the RTT of the transmission the ACK names (2.2 / 2.3). */
    rl_rto_sample(&s->rto, now_ms - s->sent_ms[t]);
    s->rtt_samples++;
  }
  /* Bit k of the mask: sequence ack_sequence - k was received too. */
  for (unsigned k = 1; !acked && k < 32; k++)
    if ((received >> k) & 1u) acked = transmission_of(s, ack_sequence - k) >= 0;
  if (!acked) {
    s->acks_unmatched++;
    return 0;
  }
  s->busy = 0;
  s->tries = 0;
  s->messages_acked++;
  s->gap_until_ms = now_ms + RL_SR_ACK_GAP_MS;
  return 1;
}

uint32_t rl_sr_on_data(rl_sr *s, uint32_t seq) { return rl_frame_window_receive(&s->win, seq); }

rl_sr_action rl_sr_poll(const rl_sr *s, uint64_t now_ms) {
  if (!s->busy || now_ms < s->deadline_ms) return RL_SR_IDLE;
  return s->tries >= RL_SR_MAX_TRANSMISSIONS ? RL_SR_FAILED : RL_SR_RETRANSMIT;
}

uint64_t rl_sr_next_ms(const rl_sr *s) {
  if (s->busy) return s->deadline_ms;
  return s->gap_until_ms;
}

int rl_sr_failing(const rl_sr *s) { return s->busy && s->tries >= 4; }

uint32_t rl_sr_rto_ms(const rl_sr *s) { return s->rto.rto_ms; }

int rl_sr_parse(const uint8_t *buf, size_t len, size_t max_msg, rl_frame *f) {
  int r = rl_frame_next(buf, len, max_msg, f);
  if (r == RL_FRAME_BAD_TYPE) return RL_ERR_BAD_ENUM;
  if (r == RL_FRAME_OVERSIZE) return RL_ERR_TOO_LARGE;
  if (r == RL_FRAME_MORE) return RL_ERR_TRUNCATED;
  if (f->frame_len != len) return RL_ERR_TRAILING;
  return 0;
}
