/* fuzz_message.c: a whole RELOAD message (RFC 6940 6.3) as it arrives
 * from a peer: rl_message_parse (forwarding header, contents, security
 * block), then the round trip of fuzz_common.h, and the checks of the
 * helpers a receiver runs on a decoded message. */
#include "fuzz_common.h"

#include "codec/message.h"

static int parse(const uint8_t *buf, size_t len, rl_ctx *ctx, void *out) {
  return rl_message_parse(buf, len, ctx, out);
}

static int decode(rl_cursor *c, rl_ctx *ctx, void *out) { return rl_Message_decode(c, ctx, out); }
static int encode(rl_writer *w, const void *v) { return rl_Message_encode(w, v); }
static size_t encoded_len(const void *v) { return rl_Message_encoded_len(v); }
static int equal(const void *a, const void *b) { return rl_Message_equal(a, b); }
static json_t *to_json(const void *v) { return rl_Message_to_json(v); }
static int from_json(const json_t *j, rl_ctx *ctx, void *out) {
  return rl_Message_from_json(j, ctx, out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  rl_fuzz_codec t = {
      .name = "message", .size = sizeof(rl_Message), .parse = parse,
      .decode = decode, .encode = encode, .encoded_len = encoded_len,
      .equal = equal, .to_json = to_json, .from_json = from_json,
      .params = rl_fuzz_default_params(), .canonical = 1,
  };
  rl_message_peek peek;
  rl_message_unknowns u;
  const rl_Message *m;
  void *v;
  int peeked = rl_message_peek_header(data, size, &peek);
  int r = rl_fuzz_decode(&t, data, size, &v);
  if (r == RL_ERR_FRAGMENT && (peeked != 0 || rl_message_is_whole(peek.fragment)))
    rl_fuzz_fail(&t, "RL_ERR_FRAGMENT for a whole message", size);
  if (r != 0) return 0;
  m = v;
  /* What the header peek saw (stream framing relies on it) must agree
   * with the full decode. */
  if (peeked != 0) rl_fuzz_fail(&t, "peek failed on a message that decodes", size);
  if (peek.length != size || m->forwarding_header.length != size)
    rl_fuzz_fail(&t, "forwarding header length differs from the message size", size);
  if (peek.overlay != m->forwarding_header.overlay ||
      peek.transaction_id != m->forwarding_header.transaction_id ||
      peek.fragment != m->forwarding_header.fragment || peek.ttl != m->forwarding_header.ttl)
    rl_fuzz_fail(&t, "peek and decode disagree on a header field", size);
  if (!rl_message_is_whole(m->forwarding_header.fragment))
    rl_fuzz_fail(&t, "a fragment decoded as a whole message", size);
  rl_message_unknowns_count(m, &u);
  if (u.forward_critical > u.unknown_options || u.destination_critical > u.unknown_options ||
      u.unknown_options > m->forwarding_header.options_count ||
      u.critical_extensions > u.unknown_extensions ||
      u.unknown_extensions > m->message_contents.extensions_count)
    rl_fuzz_fail(&t, "unknown option/extension counts out of range", size);
  rl_fuzz_roundtrip(&t, m, data, size);
  return 0;
}
