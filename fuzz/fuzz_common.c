/* fuzz_common.c: see fuzz_common.h. */
#include "fuzz_common.h"

#include <stdalign.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec/params.h"
#include "runtime/arena.h"
#include "runtime/error.h"

/* Arenas: the first decode gets less room than the later stages, so that
 * a value that fitted once always fits again (from_json also copies byte
 * strings into its arena). The fuzzers' inputs are at most 8 KiB, and no
 * decoded element takes more than about 100 times its smallest wire form
 * (a 2-byte Destination is a 72-byte struct), so the first decode fails
 * with RL_ERR_ARENA only far above -max_len. */
#define ARENA_FIRST (2u << 20)
#define ARENA_LATER (4u << 20)

static alignas(max_align_t) uint8_t arena_buf[3][ARENA_LATER];
static alignas(max_align_t) uint8_t value_buf[3][RL_FUZZ_VALUE_MAX];

/* Fill patterns for the value buffers before decoding: two decodes of
 * the same bytes into buffers of different garbage must still compare
 * equal, which catches a member the decoder forgets to set. */
static const uint8_t fill[3] = {0xa5, 0x5a, 0xc3};

void rl_fuzz_fail(const rl_fuzz_codec *t, const char *what, size_t size) {
  fprintf(stderr, "fuzz target %s: %s (input of %zu bytes)\n", t->name, what, size);
  abort();
}

void rl_fuzz_check_error(const rl_fuzz_codec *t, int r, const rl_ctx *ctx,
                         size_t len) {
  char text[512];
  if (r >= 0 || r < RL_ERR_MIN) rl_fuzz_fail(t, "failure with an unknown error code", len);
  if (ctx->err.code != r) rl_fuzz_fail(t, "error code in ctx->err differs from the result", len);
  if (ctx->err.offset > len) rl_fuzz_fail(t, "error offset beyond the input", len);
  if (ctx->err.nseg < 0 || ctx->err.nseg > RL_PATH_MAX)
    rl_fuzz_fail(t, "error path has a bad segment count", len);
  /* Formatting must work for every error (it reads the path names). */
  rl_errinfo_format(&ctx->err, text, sizeof text);
  if (strlen(text) == 0) rl_fuzz_fail(t, "empty error text", len);
}

void rl_fuzz_check_encode_error(const rl_fuzz_codec *t, int r, const rl_writer *w,
                                size_t len) {
  if (r >= 0 || r < RL_ERR_MIN) rl_fuzz_fail(t, "encode failed with an unknown error code", len);
  if (w->err != r) rl_fuzz_fail(t, "encode result differs from the writer's error", len);
  if (w->info && w->info->code != r)
    rl_fuzz_fail(t, "encode error info holds another code", len);
}

/* One decode into value buffer k with arena k. */
static int decode_stage(const rl_fuzz_codec *t, int k, size_t arena_cap,
                        const uint8_t *buf, size_t len, rl_ctx *ctx,
                        rl_arena *a) {
  int r;
  void *out = value_buf[k];
  if (t->size > RL_FUZZ_VALUE_MAX) rl_fuzz_fail(t, "value struct larger than RL_FUZZ_VALUE_MAX", len);
  memset(out, fill[k], t->size);
  rl_arena_init(a, arena_buf[k], arena_cap);
  rl_ctx_init(ctx, a, t->params);
  if (t->prepare) t->prepare(ctx, t->prepare_arg);
  if (t->parse) {
    r = t->parse(buf, len, ctx, out);
  } else {
    rl_cursor c;
    rl_cursor_init(&c, buf, len);
    ctx->base = buf;
    rl_errinfo_clear(&ctx->err);
    r = t->decode(&c, ctx, out);
    if (r == 0 && !rl_cursor_empty(&c))
      r = rl_fail(ctx, &c, RL_ERR_TRAILING, NULL, "bytes after the end of the value");
  }
  if (r != 0) {
    rl_fuzz_check_error(t, r, ctx, len);
    return r;
  }
  /* Scratch space is taken from the top in LIFO order; a successful
   * decode gives all of it back. */
  if (a->hi != a->cap) rl_fuzz_fail(t, "decode did not release its arena scratch space", len);
  if (ctx->depth != 0) rl_fuzz_fail(t, "decode left ctx->depth nonzero", len);
  return 0;
}

int rl_fuzz_decode(const rl_fuzz_codec *t, const uint8_t *buf, size_t len,
                   void **out) {
  rl_ctx ctx;
  rl_arena a;
  *out = value_buf[0];
  return decode_stage(t, 0, ARENA_FIRST, buf, len, &ctx, &a);
}

/* Encode v into a buffer of exactly its predicted length. */
static uint8_t *encode_exact(const rl_fuzz_codec *t, const void *v, size_t *n_out,
                             size_t len, const char *stage) {
  char what[160];
  rl_errinfo info;
  rl_writer w;
  size_t n = t->encoded_len(v);
  uint8_t *enc = malloc(n ? n : 1);
  int r;
  if (!enc) rl_fuzz_fail(t, "out of memory", len);
  rl_writer_init(&w, enc, n, &info);
  r = t->encode(&w, v);
  if (r != 0 || w.err != 0) {
    snprintf(what, sizeof what, "encode of a %s value failed: %s%s", stage,
             rl_errname(r ? r : w.err),
             (r ? r : w.err) == RL_ERR_BUFFER ? " (encoded_len is too small)" : "");
    rl_fuzz_fail(t, what, len);
  }
  if (w.len != n) {
    snprintf(what, sizeof what, "encoded_len of a %s value is %zu, encode wrote %zu",
             stage, n, w.len);
    rl_fuzz_fail(t, what, len);
  }
  *n_out = n;
  return enc;
}

void rl_fuzz_roundtrip(const rl_fuzz_codec *t, const void *v1, const uint8_t *in,
                       size_t len) {
  rl_ctx ctx;
  rl_arena a;
  size_t n, n3;
  uint8_t *enc, *enc3;
  json_t *j, *j2;
  json_error_t jerr;
  char *text;
  void *v3 = value_buf[2];
  int r;

  enc = encode_exact(t, v1, &n, len, "decoded");
  if (t->canonical && (n != len || memcmp(enc, in, n) != 0))
    rl_fuzz_fail(t, "re-encoding a decoded value gives other bytes than its input", len);
  if (decode_stage(t, 1, ARENA_LATER, enc, n, &ctx, &a) != 0)
    rl_fuzz_fail(t, "the encoding of a decoded value does not decode", len);
  if (!t->equal(v1, value_buf[1]) || !t->equal(value_buf[1], v1))
    rl_fuzz_fail(t, "decode(encode(v)) differs from v", len);

  j = t->to_json(v1);
  if (!j) rl_fuzz_fail(t, "to_json of a decoded value failed", len);
  text = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY);
  if (!text) rl_fuzz_fail(t, "json_dumps of to_json output failed", len);
  j2 = json_loads(text, JSON_DECODE_ANY, &jerr);
  if (!j2) rl_fuzz_fail(t, "to_json output does not parse back", len);

  memset(v3, fill[2], t->size);
  rl_arena_init(&a, arena_buf[2], ARENA_LATER);
  rl_ctx_init(&ctx, &a, t->params);
  if (t->prepare) t->prepare(&ctx, t->prepare_arg);
  r = t->from_json(j2, &ctx, v3);
  if (r != 0) {
    char msg[600], info[512];
    snprintf(msg, sizeof msg, "from_json(to_json(v)) failed: %s",
             rl_errinfo_format(&ctx.err, info, sizeof info));
    fprintf(stderr, "JSON: %s\n", text);
    rl_fuzz_fail(t, msg, len);
  }
  if (!t->equal(v1, v3) || !t->equal(v3, v1))
    rl_fuzz_fail(t, "from_json(to_json(v)) differs from v", len);
  enc3 = encode_exact(t, v3, &n3, len, "from_json");
  if (n3 != n || memcmp(enc, enc3, n) != 0)
    rl_fuzz_fail(t, "from_json(to_json(v)) encodes to other bytes than v", len);

  free(enc3);
  free(text);
  json_decref(j2);
  json_decref(j);
  free(enc);
}

int rl_fuzz_check(const rl_fuzz_codec *t, const uint8_t *buf, size_t len) {
  void *v1;
  if (rl_fuzz_decode(t, buf, len, &v1) == 0) rl_fuzz_roundtrip(t, v1, buf, len);
  return 0;
}

const rl_type_desc *rl_fuzz_type(const char *name) {
  const rl_type_desc *d = rl_type_find(name);
  if (!d) {
    fprintf(stderr, "fuzz: the codec has no type %s\n", name);
    abort();
  }
  return d;
}

static rl_param_set default_params;
static int default_params_ready;

const void *rl_fuzz_default_params(void) {
  char err[200];
  static const char words[] =
      "NodeIdLength=16 topology=CHORD-RELOAD "
      "kind.0xf0000001=single_value kind.0xf0000002=array "
      "kind.0xf0000003=dictionary";
  if (!default_params_ready) {
    rl_param_set_init(&default_params);
    if (rl_param_set_parse(&default_params, words, err, sizeof err) != 0) {
      fprintf(stderr, "fuzz: bad default parameters: %s\n", err);
      abort();
    }
    default_params_ready = 1;
  }
  return &default_params.p;
}

uint8_t *rl_fuzz_forwarding_header(const uint8_t *via, size_t nvia,
                                   const uint8_t *dest, size_t ndest,
                                   const uint8_t *opts, size_t nopts, size_t *len) {
  /* relo_token, overlay, configuration_sequence 3, version 1.0, ttl 100,
   * fragment (last, offset 0), length 0, transaction_id,
   * max_response_length 4096. */
  static const uint8_t fixed[32] = {
      0xd2, 0x45, 0x4c, 0x4f, 0x8f, 0x3c, 0x21, 0xa7, 0x00, 0x03, 0x0a,
      0x64, 0xc0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x5e, 0x92,
      0xc0, 0xd4, 0xa1, 0xb3, 0x7f, 0x68, 0x00, 0x00, 0x10, 0x00};
  const size_t n[3] = {nvia, ndest, nopts};
  const uint8_t *p[3] = {via, dest, opts};
  size_t total = sizeof fixed + 6 + nvia + ndest + nopts;
  uint8_t *buf, *q;
  if (nvia > 0xffff || ndest > 0xffff || nopts > 0xffff) return NULL;
  buf = malloc(total);
  if (!buf) return NULL;
  memcpy(buf, fixed, sizeof fixed);
  q = buf + sizeof fixed;
  for (int i = 0; i < 3; i++) {
    *q++ = (uint8_t)(n[i] >> 8);
    *q++ = (uint8_t)n[i];
  }
  for (int i = 0; i < 3; i++) {
    if (n[i]) memcpy(q, p[i], n[i]);
    q += n[i];
  }
  *len = total;
  return buf;
}

const rl_fuzz_codec *rl_fuzz_forwarding_header_codec(const char *target) {
  static rl_fuzz_codec t;
  if (!t.name) {
    RL_FUZZ_FROM_DESC(&t, rl_fuzz_type("ForwardingHeader"));
    t.params = rl_fuzz_default_params();
    t.canonical = 1;
  }
  t.name = target;
  return &t;
}
