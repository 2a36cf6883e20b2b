/* net/frame.h: the Framing Header of RFC 6940 6.6.2 on a byte stream.
 *
 *   enum { data(128), ack(129), (255) } FramedMessageType;
 *   struct {
 *     FramedMessageType type;
 *     select (type) {
 *       case data: uint32 sequence; opaque message<0..2^24-1>;
 *       case ack:  uint32 ack_sequence; uint32 received;
 *     };
 *   } FramedMessage;
 *
 * Over TCP the frames follow each other with nothing in between, so a
 * receiver looks at the start of what it has buffered: a whole frame, "need
 * more bytes", or an error it can report before the rest arrives (an
 * unknown type after one byte, an oversized data frame after eight). The
 * generated codec (rl_FramedMessage) decodes whole frames; this reader only
 * needs the fixed-size headers and never allocates.
 *
 * The receiver's side of the acknowledgements (6.6.2: "The receiver MUST
 * keep track of the 32 most recent sequence numbers received") is
 * rl_frame_window. */
#ifndef RL_NET_FRAME_H
#define RL_NET_FRAME_H

#include <stddef.h>
#include <stdint.h>

#define RL_FRAME_DATA 0x80u       /* FramedMessageType data(128) */
#define RL_FRAME_ACK 0x81u        /* ack(129) */
#define RL_FRAME_DATA_HDR 8u      /* type, sequence, 24-bit message length */
#define RL_FRAME_ACK_LEN 9u       /* type, ack_sequence, received */
#define RL_FRAME_MSG_MAX 0xffffffu /* message<0..2^24-1> */

/* What rl_frame_next found. */
enum {
  RL_FRAME_MORE = 0,      /* the frame is not complete yet */
  RL_FRAME_OK = 1,        /* one whole frame */
  RL_FRAME_BAD_TYPE = -1, /* the first byte is neither data nor ack */
  RL_FRAME_OVERSIZE = -2  /* a data frame announces more than the maximum */
};

typedef struct rl_frame {
  uint8_t type;         /* RL_FRAME_DATA or RL_FRAME_ACK (or the bad one) */
  uint32_t sequence;    /* data: sequence; ack: ack_sequence */
  uint32_t received;    /* ack: the received mask */
  const uint8_t *msg;   /* data: the message (points into the buffer) */
  size_t msg_len;       /* data: its announced length, once the header is in */
  size_t frame_len;     /* bytes the whole frame takes in the stream */
} rl_frame;

/* Look at the frame at the start of buf (len bytes). max_msg is the
 * largest message accepted (max-message-size, 6.6; at most
 * RL_FRAME_MSG_MAX). Returns RL_FRAME_OK with *f filled; RL_FRAME_MORE;
 * RL_FRAME_BAD_TYPE with f->type; RL_FRAME_OVERSIZE with f->sequence,
 * f->msg_len (announced) and f->msg / f->frame_len covering the part of
 * the message that is already in buf. */
int rl_frame_next(const uint8_t *buf, size_t len, size_t max_msg, rl_frame *f);

/* The 8 bytes before a data frame's message. len <= RL_FRAME_MSG_MAX. */
void rl_frame_data_header(uint8_t out[RL_FRAME_DATA_HDR], uint32_t sequence, uint32_t len);

/* A whole ack frame. */
void rl_frame_ack(uint8_t out[RL_FRAME_ACK_LEN], uint32_t ack_sequence, uint32_t received);

/* The sequence numbers received most recently, for the received mask:
 * bit j of hist is set when sequence (last - j) was received. */
typedef struct rl_frame_window {
  uint32_t last;
  uint32_t hist;
  int any;
} rl_frame_window;

void rl_frame_window_init(rl_frame_window *w);

/* Record that data frame seq arrived; returns the received field of its
 * ack. 6.6.2: "When a packet is received with a sequence number N, the
 * receiver looks at the sequence number of the 32 previously received
 * packets ... if the sequence number M is less than N but greater than
 * N-32, the N-M bit of the received bitmask is set to one". Bit k is the
 * bit of value 1 << k (the RFC does not number the bits; counting from the
 * least significant one is the reading that gives "N-M bit" a meaning for
 * every N-M in 1..31). Sequence numbers are compared modulo 2^32 (RFC 1982
 * style), so the space may wrap. */
uint32_t rl_frame_window_receive(rl_frame_window *w, uint32_t seq);

#endif
