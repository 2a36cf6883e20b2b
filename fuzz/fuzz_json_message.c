/* fuzz_json_message.c: the JSON input of reload-encode: text parsed by
 * jansson, turned into a Message by rl_Message_from_json, encoded.
 *
 * JSON is not trusted either (a user's file, another program's output).
 * Whatever from_json accepts must encode, or fail to encode with a proper
 * error; what it encodes must be a message the decoder accepts, equal to
 * the value that was encoded, and from there the usual round trip of
 * fuzz_common.h applies. */
#include <stdalign.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"

#include "gen/reload_codec.h"
#include "runtime/arena.h"

static alignas(max_align_t) uint8_t arena_buf[4u << 20];
static rl_Message value;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static rl_fuzz_codec t;
  json_error_t jerr;
  json_t *j;
  rl_arena arena;
  rl_ctx ctx;
  rl_errinfo info;
  rl_writer w;
  uint8_t *enc = NULL;
  void *v1;
  size_t n;
  int r;
  if (!t.name) {
    RL_FUZZ_FROM_DESC(&t, rl_fuzz_type("Message"));
    t.params = rl_fuzz_default_params();
    t.canonical = 1;
    t.name = "json_message";
  }
  j = json_loadb((const char *)data, size, 0, &jerr);
  if (!j) return 0;
  rl_arena_init(&arena, arena_buf, sizeof arena_buf);
  rl_ctx_init(&ctx, &arena, t.params);
  r = rl_Message_from_json(j, &ctx, &value);
  if (r != 0) {
    /* JSON errors have no byte offset: any offset is within bounds. */
    rl_fuzz_check_error(&t, r, &ctx, SIZE_MAX);
    goto done;
  }
  n = rl_Message_encoded_len(&value);
  enc = malloc(n ? n : 1);
  if (!enc) rl_fuzz_fail(&t, "out of memory", size);
  rl_writer_init(&w, enc, n, &info);
  r = rl_Message_encode(&w, &value);
  if (r != 0 || w.err != 0) {
    /* A value JSON can express but the wire cannot (a list longer than
     * its length prefix allows): a clean error, never a short buffer. */
    rl_fuzz_check_encode_error(&t, r ? r : w.err, &w, size);
    if (w.err == RL_ERR_BUFFER) rl_fuzz_fail(&t, "encoded_len of a from_json value is too small", size);
    goto done;
  }
  if (w.len != n) rl_fuzz_fail(&t, "encoded_len of a from_json value differs from encode", size);
  r = rl_fuzz_decode(&t, enc, n, &v1);
  /* The decoder's list estimates may need more arena than from_json
   * did; running out is not a codec fault. */
  if (r == RL_ERR_ARENA) goto done;
  if (r != 0) rl_fuzz_fail(&t, "encode(from_json(x)) does not decode", size);
  if (!rl_Message_equal(&value, v1) || !rl_Message_equal(v1, &value))
    rl_fuzz_fail(&t, "decode(encode(from_json(x))) differs from from_json(x)", size);
  rl_fuzz_roundtrip(&t, v1, enc, n);
done:
  free(enc);
  json_decref(j);
  return 0;
}
