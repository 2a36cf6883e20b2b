/* peer/msg_internal.h: what msg.c and msg_sign.c share; not for other
 * modules. */
#ifndef RL_PEER_MSG_INTERNAL_H
#define RL_PEER_MSG_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "gen/reload_codec.h"
#include "runtime/writer.h"

/* Where rl_msg_write_header_start left fields to fill in. */
typedef struct rl_msg_header_pos {
  size_t start;          /* first byte of the message */
  size_t length;         /* the 4-byte length field */
  size_t options_length; /* the 2-byte options_length field */
} rl_msg_header_pos;

/* Write a ForwardingHeader (6.3.2) up to the options: the scalar fields
 * of f (relo_token constant, ttl given), the length and options_length
 * reserved (zero; pos says where), the two lists encoded and their
 * lengths set. Returns w->err. */
int rl_msg_write_header_start(rl_writer *w, const rl_ForwardingHeader *f, uint8_t ttl,
                              const rl_Destination *via, size_t nvia, const rl_Destination *dest,
                              size_t ndest, rl_msg_header_pos *pos);

#endif
