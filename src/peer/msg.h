/* peer/msg.h: the message layer of the reference peer (RFC 6940 6.1,
 * 6.2, 6.3): building a signed message, reading and rewriting the
 * forwarding header hop by hop, and the lists and options a response
 * takes from its request. Pure functions: no I/O, no allocation (lists
 * go into the caller's arena).
 *
 * Forwarding touches only the ForwardingHeader: MessageContents and the
 * SecurityBlock are copied byte for byte, so the signature (6.3.4: over
 * overlay || transaction_id || MessageContents) still verifies after every
 * hop has changed the TTL, the Via List and the Destination List, and a
 * fragment (6.7) can be forwarded without being reassembled.
 *
 * Implementation: msg.c (no cryptography) and msg_sign.c
 * (rl_msg_encode_signed, which needs the security modules). */
#ifndef RL_PEER_MSG_H
#define RL_PEER_MSG_H

#include <stddef.h>
#include <stdint.h>

#include "gen/reload_codec.h"
#include "runtime/arena.h"
#include "runtime/ctx.h"
#include "runtime/writer.h"
#include "security/credentials.h"
#include "security/error.h"

/* 6.3.2: "This document describes version 1.0, with a value of 0x0a." */
#define RL_MSG_VERSION 0x0a

/* What an originator (or responder) puts in a message. */
typedef struct rl_msg_out {
  uint32_t overlay;                 /* overlay hash (src/overlay/hash.h) */
  uint16_t configuration_sequence;
  uint8_t ttl;                      /* initial-ttl */
  uint64_t transaction_id;
  uint32_t max_response_length;
  const rl_Destination *destination_list; size_t destination_count;
  const rl_Destination *via_list; size_t via_count;
  const rl_ForwardingOption *options; size_t options_count;
  rl_MessageCode message_code;
  const rl_MessageBody *body;       /* selected by message_code; NULL: an empty body */
  const rl_MessageExtension *extensions; size_t extensions_count;
  int no_certificates;              /* only for --break no-certificate: an empty list */
} rl_msg_out;

/* Encode a whole message (6.3), appended to w: the forwarding header
 * (relo_token, version 0x0a, fragment 0xC0000000 -- last fragment, offset
 * 0, 6.7 -- and every length computed), the MessageContents, and a
 * SecurityBlock whose certificates are cred->cert then extra_certs (all
 * X.509) and whose signature is rl_sign_message over overlay ||
 * transaction_id || the MessageContents just written. w must not be a
 * counting writer (the signature is computed over its bytes).
 * Returns 0; RL_ERR_PARAM (no credentials); the writer's error:
 * RL_ERR_BUFFER when w is full, RL_ERR_LENGTH_RANGE when a list is longer
 * than its length field allows, RL_ERR_COMPRESSED; or the signing error
 * (RL_ERR_BUFFER for a signature over 1024 bytes, RL_SEC_ERR_CRYPTO),
 * described in e. On failure w->len says nothing useful: reset it. */
int rl_msg_encode_signed(rl_writer *w, const rl_msg_out *m, const rl_credentials *cred,
                         rl_cert *const *extra_certs, size_t nextra, rl_sec_error *e);

/* Decode just the ForwardingHeader at the start of msg, which must be
 * the whole message or fragment as received (its length field must equal
 * len); what follows the header is not looked at, so msg may be a
 * fragment. Lists go into arena; out's bytes point into msg. params: the
 * codec's rl_params (NodeIdLength), or NULL for the default 16. ctx is
 * initialised here; on failure ctx->err names the offset and field
 * ("ForwardingHeader.via_list[1].destination_data"). Version, overlay and
 * TTL policy (6.3.2) are the caller's checks. Returns 0 or the decoder's
 * rl_err (RL_ERR_TRUNCATED, RL_ERR_CONSTANT, RL_ERR_LENGTH_FIELD,
 * RL_ERR_ARENA, ...). */
int rl_msg_parse_header(const uint8_t *msg, size_t len, rl_arena *arena, const void *params,
                        rl_ctx *ctx, rl_ForwardingHeader *out);

/* Write msg for the next hop, appended to w: fh's header with the new
 * ttl, Via List and Destination List (overlay, configuration_sequence,
 * version, fragment, transaction_id, max_response_length and the options'
 * bytes kept), via_list_length, destination_list_length and length
 * recomputed, then everything after the header copied verbatim. fh must
 * be the header rl_msg_parse_header decoded from msg (fh->raw starts msg);
 * via and dest may point into msg, but w's buffer must not overlap it.
 * Returns 0, RL_ERR_PARAM (fh is not msg's header), or the writer's error
 * (RL_ERR_BUFFER; RL_ERR_LENGTH_RANGE when a list passes 65535 bytes). */
int rl_msg_rewrite(rl_writer *w, const uint8_t *msg, size_t len, const rl_ForwardingHeader *fh,
                   uint8_t ttl, const rl_Destination *via, size_t nvia,
                   const rl_Destination *dest, size_t ndest);

/* 6.1.2, 6.2.2: the Destination List of the response to a request that
 * arrived with header fh from the neighbour prev_hop: the Via List with
 * prev_hop appended, reversed -- [prev_hop, via[n-1], ..., via[0]].
 * (6.1.2's example: E receives from D with Via List [A, B, C] and answers
 * to [D, C, B, A].) prev_hop NULL: the Via List reversed. The entries are
 * shallow copies (their bytes still point into the request) in an array
 * from arena. Returns 0 or RL_ERR_ARENA. */
int rl_msg_response_destinations(const rl_ForwardingHeader *fh, const rl_Destination *prev_hop,
                                 rl_arena *arena, rl_Destination **out, size_t *count);

/* 6.3.2.3: the options a response carries: "If the RESPONSE_COPY flag is
 * set, any node generating a response MUST copy the option from the
 * request to the response except that the RESPONSE_COPY,
 * FORWARD_CRITICAL, and DESTINATION_CRITICAL flags MUST be cleared."
 * Shallow copies in an array from arena, with raw cleared (it holds the
 * request's flags). Returns 0 or RL_ERR_ARENA. */
int rl_msg_response_options(const rl_ForwardingHeader *fh, rl_arena *arena,
                            rl_ForwardingOption **out, size_t *count);

/* Destination values (6.3.2.2); the ids are referenced, not copied. */
void rl_dest_node(rl_Destination *d, const uint8_t *id, size_t len);
void rl_dest_resource(rl_Destination *d, const uint8_t *id, size_t len);
/* The TLV form of type opaque_id_type. */
void rl_dest_opaque(rl_Destination *d, const uint8_t *id, size_t len);
/* The 16-bit form; its top bit is set whatever opaque_id holds. */
void rl_dest_compressed(rl_Destination *d, uint16_t opaque_id);
/* 1 when d is the wildcard Node-ID: a node destination of all ones
 * (6.1.1, 6.3.1.1); a peer is always responsible for it. */
int rl_dest_is_wildcard(const rl_Destination *d);

/* Error responses (6.3.3.1). The message carrying one has message_code
 * 0xffff (RL_MessageCode_error): set rl_msg_out.message_code yourself.
 *
 * rl_msg_error_body: error_code and error_info = the UTF-8 text info (NULL:
 * empty), referenced not copied. Two codes have a typed error_info
 * (7.4.1.2): for Error_Unknown_Kind and Error_Generation_Counter_Too_Low
 * info is ignored and the typed value is empty; fill it with the two
 * functions below. */
void rl_msg_error_body(rl_MessageBody *body, rl_ErrorCode code, const char *info);
/* Error_Unknown_Kind, error_info "KindId unknown_kinds<0..2^8-1>" (at
 * most 63 Kinds fit; more fail when encoding, RL_ERR_LENGTH_RANGE). */
void rl_msg_error_unknown_kinds(rl_MessageBody *body, const rl_KindId *kinds, size_t n);
/* Error_Generation_Counter_Too_Low, error_info a StoreAns "containing the
 * correct generation counter for each Kind and the replica list, which
 * will be empty" (7.4.1.2). The StoreAns is copied (its lists are not). */
void rl_msg_error_generation_counter(rl_MessageBody *body, const rl_StoreAns *ans);

#endif
