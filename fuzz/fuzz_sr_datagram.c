/* fuzz_sr_datagram.c: the datagrams of a DTLS-UDP-SR link (RFC 6940
 * 6.6.2 framing, 6.6.3 Simple Reliability; src/net/sr.h).
 *
 * Input: one byte choosing max-message-size (c * 64), then records of
 * [action byte][u16 length][that many bytes]. Each record's bytes are one
 * datagram's plaintext, parsed by rl_sr_parse; a parsed ack goes to
 * rl_sr_on_ack, a parsed data frame to rl_sr_on_data. The action byte
 * drives the sender first: bits 0-5 advance the clock by that many times
 * 37 ms; bit 6 sends a new message when the sender allows it; bit 7 acks
 * the latest transmission (as a well-behaved far end would).
 *
 * Invariants, or abort():
 *   - rl_sr_parse returns 0 or one of its four documented errors; on 0
 *     the frame is the whole datagram (9 bytes for an ack, 8 + the
 *     message length for data) and the message lies inside the input;
 *     RL_ERR_TOO_LARGE only for a data frame announcing more than the
 *     maximum;
 *   - the sender never has a message out while rl_sr_can_send says yes,
 *     never transmits one more than 5 times, gives sequence numbers that
 *     increase by one per transmission, and doubles its wait;
 *   - rl_sr_poll says RETRANSMIT or FAILED only at or after
 *     rl_sr_next_ms. */
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"

#include "net/sr.h"

static const rl_fuzz_codec target = {.name = "sr_datagram"};

static void fail(const char *what, size_t size) __attribute__((noreturn));
static void fail(const char *what, size_t size) { rl_fuzz_fail(&target, what, size); }

static void check_parse(const uint8_t *p, size_t n, size_t max, rl_frame *f, int rc, size_t size) {
  if (rc != 0 && rc != RL_ERR_BAD_ENUM && rc != RL_ERR_TRUNCATED && rc != RL_ERR_TRAILING &&
      rc != RL_ERR_TOO_LARGE)
    fail("rl_sr_parse returned an undocumented value", size);
  if (rc == RL_ERR_TOO_LARGE && (n < 8 || p[0] != RL_FRAME_DATA || f->msg_len <= max))
    fail("RL_ERR_TOO_LARGE for a frame within the maximum", size);
  if (rc != 0) return;
  if (f->frame_len != n) fail("a parsed frame is not the whole datagram", size);
  if (f->type == RL_FRAME_ACK && n != RL_FRAME_ACK_LEN) fail("an ack that is not 9 bytes", size);
  if (f->type == RL_FRAME_DATA &&
      (n != RL_FRAME_DATA_HDR + f->msg_len || f->msg != p + RL_FRAME_DATA_HDR || f->msg_len > max))
    fail("a data frame's message is not the rest of the datagram", size);
  if (f->type != RL_FRAME_ACK && f->type != RL_FRAME_DATA) fail("a frame of unknown type", size);
}

/* The sender side of one action byte. */
static void drive(rl_sr *s, uint8_t act, uint64_t *now, uint32_t *last_seq, int *any_seq,
                  size_t size) {
  rl_sr_action a;
  uint64_t next = rl_sr_next_ms(s);
  *now += (uint64_t)(act & 0x3f) * 37u;
  a = rl_sr_poll(s, *now);
  if (a != RL_SR_IDLE && *now < next) fail("a timer fired before rl_sr_next_ms", size);
  if (a == RL_SR_FAILED) {
    if (s->tries != RL_SR_MAX_TRANSMISSIONS) fail("failed before five transmissions", size);
    rl_sr_init(s); /* the link is gone: a new one */
    *any_seq = 0;
    return;
  }
  if (a == RL_SR_RETRANSMIT || ((act & 0x40) && rl_sr_can_send(s, *now))) {
    uint32_t before_wait = s->wait_ms;
    int was_busy = s->busy;
    uint32_t seq = rl_sr_transmit(s, *now);
    if (*any_seq && seq != *last_seq + 1) fail("sequence numbers do not go up by one", size);
    if (was_busy && s->wait_ms != before_wait * 2 && s->wait_ms != UINT32_MAX)
      fail("the wait did not double on a retransmission", size);
    if (s->tries > RL_SR_MAX_TRANSMISSIONS) fail("more than five transmissions", size);
    *last_seq = seq;
    *any_seq = 1;
  }
  if (s->busy && rl_sr_can_send(s, *now)) fail("can send with a message out", size);
  if ((act & 0x80) && *any_seq) (void)rl_sr_on_ack(s, *last_seq, 0, *now);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  rl_sr s;
  uint64_t now = 0;
  uint32_t last_seq = 0;
  int any_seq = 0;
  size_t max, off = 1;
  if (size < 1) return 0;
  max = (size_t)data[0] * 64u;
  rl_sr_init(&s);
  while (off + 3 <= size) {
    uint8_t act = data[off];
    size_t n = ((size_t)data[off + 1] << 8) | data[off + 2];
    const uint8_t *p = data + off + 3;
    rl_frame f;
    int rc;
    off += 3;
    if (n > size - off) n = size - off;
    off += n;
    drive(&s, act, &now, &last_seq, &any_seq, size);
    rc = rl_sr_parse(p, n, max, &f);
    check_parse(p, n, max, &f, rc, size);
    if (rc == 0 && f.type == RL_FRAME_ACK) (void)rl_sr_on_ack(&s, f.sequence, f.received, now);
    if (rc == 0 && f.type == RL_FRAME_DATA) (void)rl_sr_on_data(&s, f.sequence);
  }
  return 0;
}
