/* msg.c: see msg.h. The parts without cryptography: header decode and
 * rewrite, response lists and options, Destination and error values. */
#include "peer/msg.h"

#include <string.h>

#include "codec/message.h"
#include "peer/msg_internal.h"
#include "runtime/cursor.h"

/* Header decoding needs only NodeIdLength (Node-IDs in the lists). */
static const rl_params default_params = {.NodeIdLength = 16}; /* RFC 6940 11.1 default */

int rl_msg_write_header_start(rl_writer *w, const rl_ForwardingHeader *f, uint8_t ttl,
                              const rl_Destination *via, size_t nvia, const rl_Destination *dest,
                              size_t ndest, rl_msg_header_pos *pos) {
  size_t s;
  pos->start = w->len;
  rl_put_u32(w, 0xd2454c4fu); /* relo_token, 6.3.2 */
  rl_put_u32(w, f->overlay);
  rl_put_u16(w, f->configuration_sequence);
  rl_put_u8(w, f->version);
  rl_put_u8(w, ttl);
  rl_put_u32(w, f->fragment);
  pos->length = rl_writer_reserve(w, 4);
  rl_put_u64(w, f->transaction_id);
  rl_put_u32(w, f->max_response_length);
  size_t via_pos = rl_writer_reserve(w, 2);
  size_t dest_pos = rl_writer_reserve(w, 2);
  pos->options_length = rl_writer_reserve(w, 2);
  s = w->len;
  for (size_t i = 0; i < nvia && !w->err; i++) rl_Destination_encode(w, &via[i]);
  rl_writer_patch(w, via_pos, 2, w->len - s, "via_list_length");
  s = w->len;
  for (size_t i = 0; i < ndest && !w->err; i++) rl_Destination_encode(w, &dest[i]);
  rl_writer_patch(w, dest_pos, 2, w->len - s, "destination_list_length");
  return w->err;
}

int rl_msg_parse_header(const uint8_t *msg, size_t len, rl_arena *arena, const void *params,
                        rl_ctx *ctx, rl_ForwardingHeader *out) {
  rl_cursor c;
  int r;
  rl_ctx_init(ctx, arena, params ? params : (const void *)&default_params);
  ctx->base = msg;
  /* The length field is checked against the bytes received: for a
   * fragment that is the fragment (6.3.2: "after the eventual
   * fragmentation"). */
  ctx->message_length = len;
  rl_cursor_init(&c, msg, len);
  r = rl_ForwardingHeader_decode(&c, ctx, out);
  if (r != 0) rl_errinfo_push(&ctx->err, "ForwardingHeader", r);
  return r;
}

int rl_msg_rewrite(rl_writer *w, const uint8_t *msg, size_t len, const rl_ForwardingHeader *fh,
                   uint8_t ttl, const rl_Destination *via, size_t nvia,
                   const rl_Destination *dest, size_t ndest) {
  rl_msg_header_pos pos;
  size_t opt_off;
  if (w->err) return w->err;
  /* The lengths come from the decoded header; they must describe fh->raw
   * exactly, which must be the start of msg. */
  opt_off = RL_FORWARDING_HEADER_FIXED + (size_t)fh->via_list_length + fh->destination_list_length;
  if (fh->raw.ptr != msg || fh->raw.len > len || opt_off + fh->options_length != fh->raw.len)
    return RL_ERR_PARAM;
  rl_msg_write_header_start(w, fh, ttl, via, nvia, dest, ndest, &pos);
  /* Options are copied as bytes: unknown ones stay exactly as sent. */
  rl_writer_patch(w, pos.options_length, 2, fh->options_length, "options_length");
  rl_put_bytes(w, msg + opt_off, fh->options_length);
  rl_put_bytes(w, msg + fh->raw.len, len - fh->raw.len);
  rl_writer_patch(w, pos.length, 4, w->len - pos.start, "length");
  return w->err;
}

int rl_msg_response_destinations(const rl_ForwardingHeader *fh, const rl_Destination *prev_hop,
                                 rl_arena *arena, rl_Destination **out, size_t *count) {
  size_t n = fh->via_list_count, k = 0;
  rl_Destination *d;
  if (prev_hop) {
    if (n == SIZE_MAX) return RL_ERR_OVERFLOW;
    n++;
  }
  d = rl_arena_alloc_array(arena, n, sizeof *d);
  if (!d) return RL_ERR_ARENA;
  if (prev_hop) d[k++] = *prev_hop;
  for (size_t i = fh->via_list_count; i > 0; i--) d[k++] = fh->via_list[i - 1];
  *out = d;
  *count = n;
  return 0;
}

int rl_msg_response_options(const rl_ForwardingHeader *fh, rl_arena *arena,
                            rl_ForwardingOption **out, size_t *count) {
  size_t n = 0, k = 0;
  rl_ForwardingOption *o;
  for (size_t i = 0; i < fh->options_count; i++)
    if (fh->options[i].flags & RL_RESPONSE_COPY) n++;
  o = rl_arena_alloc_array(arena, n, sizeof *o);
  if (!o) return RL_ERR_ARENA;
  for (size_t i = 0; i < fh->options_count; i++) {
    if (!(fh->options[i].flags & RL_RESPONSE_COPY)) continue;
    o[k] = fh->options[i];
    o[k].flags &= (uint8_t) ~(RL_RESPONSE_COPY | RL_FORWARD_CRITICAL | RL_DESTINATION_CRITICAL);
    o[k].raw.ptr = NULL;
    o[k].raw.len = 0;
    k++;
  }
  *out = o;
  *count = n;
  return 0;
}

/* The TLV form (6.3.2.2); length is what the encoder will write. */
static void dest_tlv(rl_Destination *d, rl_DestinationType type) {
  memset(d, 0, sizeof *d);
  d->type = type;
}

void rl_dest_node(rl_Destination *d, const uint8_t *id, size_t len) {
  dest_tlv(d, RL_DestinationType_node);
  d->destination_data.node_id.ptr = id;
  d->destination_data.node_id.len = len;
  d->length = (uint8_t)len;
}

void rl_dest_resource(rl_Destination *d, const uint8_t *id, size_t len) {
  dest_tlv(d, RL_DestinationType_resource);
  d->destination_data.resource_id.ptr = id;
  d->destination_data.resource_id.len = len;
  d->length = (uint8_t)(len + 1); /* ResourceId is opaque<0..2^8-1> */
}

void rl_dest_opaque(rl_Destination *d, const uint8_t *id, size_t len) {
  dest_tlv(d, RL_DestinationType_opaque_id_type);
  d->destination_data.opaque_id.ptr = id;
  d->destination_data.opaque_id.len = len;
  d->length = (uint8_t)(len + 1);
}

void rl_dest_compressed(rl_Destination *d, uint16_t opaque_id) {
  memset(d, 0, sizeof *d);
  d->compressed = 1;
  /* 6.3.2.2: "the first bit MUST be set to 1"; it is what tells the
   * 16-bit form from a TLV on the wire. */
  d->opaque_id = (uint16_t)(opaque_id | 0x8000u);
}

int rl_dest_is_wildcard(const rl_Destination *d) {
  const rl_bytes *id = &d->destination_data.node_id;
  if (d->compressed || d->type != RL_DestinationType_node || id->len == 0) return 0;
  for (size_t i = 0; i < id->len; i++)
    if (id->ptr[i] != 0xff) return 0;
  return 1;
}

static void error_body(rl_MessageBody *body, rl_ErrorCode code) {
  memset(body, 0, sizeof *body);
  body->error.error_code = code;
}

void rl_msg_error_body(rl_MessageBody *body, rl_ErrorCode code, const char *info) {
  error_body(body, code);
  /* 6.3.3.1: "Unless otherwise specified, this will be a UTF-8 text
   * string": the codes without a typed error_info keep it as bytes. */
  if (info && !rl_ErrorInfo_has_case(code)) {
    body->error.error_info.unknown.ptr = (const uint8_t *)info;
    body->error.error_info.unknown.len = strlen(info);
  }
}

void rl_msg_error_unknown_kinds(rl_MessageBody *body, const rl_KindId *kinds, size_t n) {
  error_body(body, RL_ErrorCode_Error_Unknown_Kind);
  /* The codec's list members are not const; encoding only reads them. */
  body->error.error_info.unknown_kinds = (rl_KindId *)kinds;
  body->error.error_info.unknown_kinds_count = n;
}

void rl_msg_error_generation_counter(rl_MessageBody *body, const rl_StoreAns *ans) {
  error_body(body, RL_ErrorCode_Error_Generation_Counter_Too_Low);
  body->error.error_info.store_ans = *ans;
}
