/* message.h: whole RELOAD messages (RFC 6940 6.3) on top of the generated
 * codec: the checks that need more than one field, and what a receiver
 * must look at before processing (6.3.2.3 critical options, 6.3.3
 * critical extensions). */
#ifndef RL_CODEC_MESSAGE_H
#define RL_CODEC_MESSAGE_H

#include <stddef.h>
#include <stdint.h>

#include "gen/reload_codec.h"

/* Bytes of the fixed part of the ForwardingHeader (6.3.2), up to and
 * including options_length. */
#define RL_FORWARDING_HEADER_FIXED 38

/* RFC 6940 6.3.2: the fragment field. */
#define RL_FRAGMENT_HIGH_BIT 0x80000000u
#define RL_FRAGMENT_LAST 0x40000000u
#define RL_FRAGMENT_OFFSET_MASK 0x00ffffffu

/* 6.3.2.3 ForwardingOption flags. */
#define RL_FORWARD_CRITICAL 0x01
#define RL_DESTINATION_CRITICAL 0x02
#define RL_RESPONSE_COPY 0x04

typedef struct rl_message_peek {
  uint32_t overlay;
  uint16_t configuration_sequence;
  uint8_t version;
  uint8_t ttl;
  uint32_t fragment;
  uint32_t length;
  uint64_t transaction_id;
} rl_message_peek;

/* Read the fixed header fields without decoding the message: for stream
 * framing (length) and early checks. RL_ERR_TRUNCATED if len is short,
 * RL_ERR_CONSTANT if the relo_token is wrong. */
int rl_message_peek_header(const uint8_t *buf, size_t len, rl_message_peek *out);

/* 1 if the message is a whole message (last fragment, offset 0). */
int rl_message_is_whole(uint32_t fragment);

/* Decode a whole message: like rl_Message_parse, but a fragment is
 * reported as RL_ERR_FRAGMENT (reassemble first, 6.7) instead of an error
 * in the message contents. */
int rl_message_parse(const uint8_t *buf, size_t len, rl_ctx *ctx, rl_Message *out);

/* The DataValue of a StoredDataValue (7.2): its single_value_entry, or
 * the value of its array or dictionary entry; NULL for any other model. */
const rl_DataValue *rl_stored_data_value(const rl_StoredDataValue *v);

/* What a receiver does not understand but must not ignore. */
typedef struct rl_message_unknowns {
  size_t forward_critical;     /* unknown options with FORWARD_CRITICAL */
  size_t destination_critical; /* unknown options with DESTINATION_CRITICAL */
  size_t unknown_options;      /* all unknown option types */
  size_t critical_extensions;  /* unknown MessageExtensions with critical = true */
  size_t unknown_extensions;   /* all unknown extension types */
} rl_message_unknowns;

/* Count them. An option or extension is unknown when this codec has no
 * case for its type (its contents were kept as raw bytes). */
void rl_message_unknowns_count(const rl_Message *m, rl_message_unknowns *out);

#endif
