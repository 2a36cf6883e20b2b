/* peer/fragment.h: RELOAD fragmentation and reassembly (RFC 6940 6.7).
 *
 * "When a node takes a packet and fragments it, each fragment has a full
 * copy of the forwarding header, but the data after the forwarding header
 * is broken up into appropriately sized chunks." The fragment field holds
 * the high bit, the last-fragment bit and the offset: "the number of
 * bytes between the end of the forwarding header and the start of the
 * data"; the length field holds the size of the fragment. The security
 * block is in the reassembled message only, so only the final
 * destination can check the signature. */
#ifndef RL_PEER_FRAGMENT_H
#define RL_PEER_FRAGMENT_H

#include <stddef.h>
#include <stdint.h>

#include "runtime/writer.h"

/* 6.7: each fragment "MUST contain at least 256 bytes of the message
 * body" (the last may hold less: it holds what is left). */
#define RL_FRAGMENT_MIN_DATA 256

/* The largest fragment rl_fragment_split builds (its buffer is on the
 * stack): a datagram, for which 6.7 fragments, holds no more. */
#define RL_FRAGMENT_MAX_LEN 65535

/* The forwarding header of msg (a message or a fragment, whose length
 * field must equal len): *header_len bytes, the fragment field and the
 * transaction_id, read from the fixed part without decoding the lists.
 * Returns 0, RL_ERR_TRUNCATED, RL_ERR_CONSTANT (relo_token),
 * RL_ERR_LENGTH_FIELD (length differs from len). */
int rl_fragment_header(const uint8_t *msg, size_t len, size_t *header_len, uint32_t *fragment,
                       uint64_t *transaction_id);

/* Append to w one fragment of msg (a whole message, or itself a
 * fragment): msg's forwarding header with the length recomputed and the
 * fragment field set to the high bit, last ? the last bit : 0, and the
 * offset msg's own offset + data_pos; then n bytes of msg's data (what
 * follows its header) from data_pos. Returns 0, rl_fragment_header's
 * errors, RL_ERR_PARAM (data_pos + n beyond the data), RL_ERR_TOO_LARGE
 * (the offset does not fit its 24 bits), or the writer's error. */
int rl_fragment_build(rl_writer *w, const uint8_t *msg, size_t len, size_t data_pos, size_t n,
                      int last);

/* Split msg (a whole message or a fragment) into fragments of at most
 * max_len bytes, header included, and call emit for each in order
 * (frag is valid during the call only); a nonzero return from emit stops
 * the split and is returned. A message of at most max_len bytes is passed
 * to emit as it is. Otherwise the data is cut into equal chunks (6.7:
 * "SHOULD be split into equal-sized fragments") of at least
 * RL_FRAGMENT_MIN_DATA bytes but the last; fragments are at most
 * RL_FRAGMENT_MAX_LEN bytes whatever max_len is. Returns 0,
 * rl_fragment_header's errors, RL_ERR_CONSTANT (the fragment field's high
 * bit is 0), RL_ERR_PARAM when max_len cannot hold the header and
 * RL_FRAGMENT_MIN_DATA bytes (6.7: "If these elements cannot fit within
 * the MTU ... RELOAD fragmentation is not performed": send it whole),
 * RL_ERR_TOO_LARGE (an offset beyond 24 bits). */
typedef int (*rl_fragment_emit)(void *user, const uint8_t *frag, size_t len);
int rl_fragment_split(const uint8_t *msg, size_t len, size_t max_len, rl_fragment_emit emit,
                      void *user);

/* Reassembly within limits (issue 22: one link must not block the
 * others): at most max_pending messages at a time in all and
 * max_per_link from one link_key, each at most max_message_size bytes
 * (the reassembled message, header included), their buffers together at
 * most `memory` bytes; incomplete ones are dropped timeout_ms after their
 * first fragment (6.7: "receivers SHOULD time out incomplete fragments
 * after the maximum request lifetime (15 seconds)").
 *
 * 6.7: "if the receiver runs out of buffer space to reassemble a message,
 * it MUST drop the message". Which one: a new message from a link that
 * has max_per_link pending pushes out that link's oldest; a new message
 * when max_pending are pending, or data that would pass `memory`, pushes
 * out the oldest message of the link holding the most (so a link that
 * floods loses its own first); when nothing else is left to push out, the
 * message itself is dropped (RL_ERR_NOMEM). 6.7 has no error for this.
 *
 * Memory: one max_message_size output buffer from the start; a message's
 * buffer is allocated with its first fragment and grows (doubling, from 4
 * KiB) to cover the data that has arrived, with one bitmap bit a byte:
 * at most `memory` bytes for all of them.
 *
 * A message is keyed by (link_key, transaction_id) (6.7: "Transaction IDs
 * are also used for fragment reassembly"; link_key tells the neighbours
 * apart). The reassembled message has the forwarding header of the first
 * fragment that arrived (fragments may travel different paths, so TTL and
 * Via Lists can differ), with fragment 0xC0000000 and its whole length. */
typedef struct rl_reasm rl_reasm;

typedef struct rl_reasm_limits {
  size_t max_pending;      /* messages pending in all */
  size_t max_per_link;     /* messages pending from one link_key */
  size_t max_message_size; /* a reassembled message, header included */
  size_t memory;           /* the pending messages' buffers together */
  uint64_t timeout_ms;
} rl_reasm_limits;

/* NULL when a count is 0, max_message_size cannot hold a header or passes
 * UINT32_MAX, memory cannot hold one message of max_message_size (and its
 * bitmap), or memory is short. */
rl_reasm *rl_reasm_new_limits(const rl_reasm_limits *lim);
/* rl_reasm_new_limits with max_per_link = max_pending and memory for
 * max_pending messages of max_message_size. */
rl_reasm *rl_reasm_new(size_t max_pending, size_t max_message_size, uint64_t timeout_ms);
void rl_reasm_free(rl_reasm *r);

/* Add one fragment received at now_ms. Returns
 *   1  the message is complete: *whole, *whole_len (valid until the next
 *      call on r; a message that was not fragmented is frag itself);
 *   0  more fragments are needed;
 *   <0 a bad fragment: rl_fragment_header's errors, RL_ERR_CONSTANT (high
 *      bit 0), RL_ERR_TOO_LARGE (the message passes max_message_size),
 *      RL_ERR_FRAGMENT (a byte received twice with different values, a
 *      last fragment that disagrees with the data, a header whose
 *      overlay, configuration_sequence, version or max_response_length
 *      differ from the first fragment's), RL_ERR_NOMEM (no room for the
 *      message within the limits, see above, or malloc failed).
 *      For a message already pending, an error drops it. */
int rl_reasm_add(rl_reasm *r, uint64_t link_key, const uint8_t *frag, size_t len, uint64_t now_ms,
                 const uint8_t **whole, size_t *whole_len);

/* After rl_reasm_add returned an error: the message code of the message
 * it refused or dropped (6.3.3: the first two bytes after the forwarding
 * header), when that part had arrived; else -1. Tells the caller whether
 * a request is to be answered (Error_Message_Too_Large, 6.6). */
int rl_reasm_dropped_code(const rl_reasm *r);

/* Drop the messages whose first fragment is timeout_ms old or older. */
void rl_reasm_expire(rl_reasm *r, uint64_t now_ms);

/* Drop the messages from link_key (its link closed: no more fragments
 * will come over it). */
void rl_reasm_forget_link(rl_reasm *r, uint64_t link_key);

/* Messages pending; from one link; the bytes their buffers hold;
 * messages pushed out for others so far. */
size_t rl_reasm_pending(const rl_reasm *r);
size_t rl_reasm_pending_link(const rl_reasm *r, uint64_t link_key);
size_t rl_reasm_memory(const rl_reasm *r);
uint64_t rl_reasm_evicted(const rl_reasm *r);

#endif
