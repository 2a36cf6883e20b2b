/* message.c: see message.h. */
#include "codec/message.h"

#include "runtime/cursor.h"

int rl_message_peek_header(const uint8_t *buf, size_t len, rl_message_peek *out) {
  rl_cursor c;
  uint32_t token = 0;
  if (len < RL_FORWARDING_HEADER_FIXED) return RL_ERR_TRUNCATED;
  /* The length check above covers every read below. */
  rl_cursor_init(&c, buf, len);
  rl_get_u32(&c, &token);
  if (token != 0xd2454c4fu) return RL_ERR_CONSTANT;
  rl_get_u32(&c, &out->overlay);
  rl_get_u16(&c, &out->configuration_sequence);
  rl_get_u8(&c, &out->version);
  rl_get_u8(&c, &out->ttl);
  rl_get_u32(&c, &out->fragment);
  rl_get_u32(&c, &out->length);
  rl_get_u64(&c, &out->transaction_id);
  return 0;
}

int rl_message_is_whole(uint32_t fragment) {
  return (fragment & RL_FRAGMENT_LAST) && (fragment & RL_FRAGMENT_OFFSET_MASK) == 0;
}

const rl_DataValue *rl_stored_data_value(const rl_StoredDataValue *v) {
  switch (v->data_model) {
  case RL_DataModel_single_value: return &v->single_value_entry;
  case RL_DataModel_array: return &v->array_entry.value;
  case RL_DataModel_dictionary: return &v->dictionary_entry.value;
  default: return NULL;
  }
}

int rl_message_parse(const uint8_t *buf, size_t len, rl_ctx *ctx, rl_Message *out) {
  rl_message_peek h;
  int r = rl_message_peek_header(buf, len, &h);
  if (r == 0 && !rl_message_is_whole(h.fragment)) {
    rl_cursor c;
    rl_cursor_init(&c, buf + 16, len - 16);
    ctx->base = buf;
    rl_errinfo_clear(&ctx->err);
    rl_fail(ctx, &c, RL_ERR_FRAGMENT, "fragment", NULL);
    rl_errinfo_push(&ctx->err, "forwarding_header", RL_ERR_FRAGMENT);
    return rl_errinfo_push(&ctx->err, "Message", RL_ERR_FRAGMENT);
  }
  /* Other header faults (short input, token) are reported by the
   * generated decoder with their offset and path. */
  return rl_Message_parse(buf, len, ctx, out);
}

void rl_message_unknowns_count(const rl_Message *m, rl_message_unknowns *out) {
  const rl_ForwardingHeader *fh = &m->forwarding_header;
  const rl_MessageContents *mc = &m->message_contents;
  out->forward_critical = 0;
  out->destination_critical = 0;
  out->unknown_options = 0;
  out->critical_extensions = 0;
  out->unknown_extensions = 0;
  for (size_t i = 0; i < fh->options_count; i++) {
    const rl_ForwardingOption *o = &fh->options[i];
    if (rl_ForwardingOption_has_case(o->type)) continue;
    out->unknown_options++;
    if (o->flags & RL_FORWARD_CRITICAL) out->forward_critical++;
    if (o->flags & RL_DESTINATION_CRITICAL) out->destination_critical++;
  }
  for (size_t i = 0; i < mc->extensions_count; i++) {
    const rl_MessageExtension *e = &mc->extensions[i];
    if (rl_MessageExtensionContents_has_case(e->type)) continue;
    out->unknown_extensions++;
    if (e->critical == RL_Boolean_true) out->critical_extensions++;
  }
}
