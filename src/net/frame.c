/* net/frame.c: see frame.h. */
#include "net/frame.h"

#include <string.h>

#include "runtime/cursor.h"
#include "runtime/writer.h"

int rl_frame_next(const uint8_t *buf, size_t len, size_t max_msg, rl_frame *f) {
  rl_cursor c;
  uint8_t type;
  uint32_t seq, second;
  memset(f, 0, sizeof *f);
  rl_cursor_init(&c, buf, len);
  if (rl_get_u8(&c, &type) != 0) return RL_FRAME_MORE;
  f->type = type;
  if (type != RL_FRAME_DATA && type != RL_FRAME_ACK) return RL_FRAME_BAD_TYPE;
  if (rl_get_u32(&c, &seq) != 0) return RL_FRAME_MORE;
  f->sequence = seq;
  if (type == RL_FRAME_ACK) {
    if (rl_get_u32(&c, &second) != 0) return RL_FRAME_MORE;
    f->received = second;
    f->frame_len = RL_FRAME_ACK_LEN;
    return RL_FRAME_OK;
  }
  if (rl_get_u24(&c, &second) != 0) return RL_FRAME_MORE;
  f->msg_len = second;
  f->msg = c.p;
  if (second > max_msg) {
    /* 6.6: the error "can be sent and the session closed before the peer
     * receives the complete message": report with what is here. */
    size_t have = rl_cursor_left(&c) < second ? rl_cursor_left(&c) : second;
    f->frame_len = RL_FRAME_DATA_HDR + have;
    return RL_FRAME_OVERSIZE;
  }
  if (rl_cursor_left(&c) < second) return RL_FRAME_MORE;
  f->frame_len = RL_FRAME_DATA_HDR + second;
  return RL_FRAME_OK;
}

void rl_frame_data_header(uint8_t out[RL_FRAME_DATA_HDR], uint32_t sequence, uint32_t len) {
  rl_writer w;
  rl_writer_init(&w, out, RL_FRAME_DATA_HDR, NULL);
  rl_put_u8(&w, RL_FRAME_DATA);
  rl_put_u32(&w, sequence);
  rl_put_u24(&w, len);
}

void rl_frame_ack(uint8_t out[RL_FRAME_ACK_LEN], uint32_t ack_sequence, uint32_t received) {
  rl_writer w;
  rl_writer_init(&w, out, RL_FRAME_ACK_LEN, NULL);
  rl_put_u8(&w, RL_FRAME_ACK);
  rl_put_u32(&w, ack_sequence);
  rl_put_u32(&w, received);
}

void rl_frame_window_init(rl_frame_window *w) { memset(w, 0, sizeof *w); }

uint32_t rl_frame_window_receive(rl_frame_window *w, uint32_t seq) {
  uint32_t d, back;
  if (!w->any) {
    w->any = 1;
    w->last = seq;
    w->hist = 1;
    return 0;
  }
  d = seq - w->last;
  if (d < 0x80000000u) {
    /* Newer than (or the same as) the last one: slide the window. */
    if (d >= 32)
      w->hist = 1;
    else
      w->hist = (w->hist << d) | 1u;
    w->last = seq;
    /* Bit k (1..31): sequence seq - k was among the recent ones. Bit 0
     * would be seq itself, which the mask does not describe. */
    return w->hist & ~1u;
  }
  /* Older than the last one (a peer reordering its own stream): bit k of
   * the mask is sequence seq - k, which is hist bit back + k. */
  back = w->last - seq;
  if (back >= 32) return 0;
  w->hist |= 1u << back;
  return (w->hist >> back) & ~1u;
}
