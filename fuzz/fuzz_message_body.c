/* fuzz_message_body.c: every MessageBody (RFC 6940 6.3.3 and the usage
 * RFCs), the part of a message whose layout the message_code selects.
 *
 * Input: message_code (2 bytes, big-endian), then the body bytes. One
 * target covers all codes, so that the fuzzer moves between them; its
 * corpus has a seed for every code the codec knows (and for codes it
 * keeps as raw bytes). */
#include "fuzz_common.h"

#include "gen/reload_codec.h"

/* The selector of the value being checked: MessageBody's functions take
 * it as an argument, rl_fuzz_codec's do not. */
static rl_MessageCode code;

static int decode(rl_cursor *c, rl_ctx *ctx, void *out) {
  return rl_MessageBody_decode(c, ctx, out, code);
}
static int encode(rl_writer *w, const void *v) { return rl_MessageBody_encode(w, v, code); }
static size_t encoded_len(const void *v) { return rl_MessageBody_encoded_len(v, code); }
static int equal(const void *a, const void *b) { return rl_MessageBody_equal(a, b, code); }
static json_t *to_json(const void *v) { return rl_MessageBody_to_json(v, code); }
static int from_json(const json_t *j, rl_ctx *ctx, void *out) {
  return rl_MessageBody_from_json(j, ctx, out, code);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static rl_fuzz_codec t;
  if (!t.name) {
    t.name = "message_body";
    t.size = sizeof(rl_MessageBody);
    t.decode = decode;
    t.encode = encode;
    t.encoded_len = encoded_len;
    t.equal = equal;
    t.to_json = to_json;
    t.from_json = from_json;
    t.params = rl_fuzz_default_params();
    t.canonical = 1;
  }
  if (size < 2) return 0;
  code = (rl_MessageCode)(data[0] << 8 | data[1]);
  return rl_fuzz_check(&t, data + 2, size - 2);
}
