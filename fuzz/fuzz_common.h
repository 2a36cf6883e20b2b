/* fuzz_common.h: the round-trip check every fuzz target runs.
 *
 * A target describes the codec of one type (its generated functions, seen
 * through void pointers) and hands the fuzzer's bytes to rl_fuzz_check.
 * When the bytes decode, the value must survive every conversion the
 * library offers, or the check calls abort() so that libFuzzer (or the
 * replay driver) reports the input:
 *
 *   decode(x) = v1                    (the target's entry point)
 *   encoded_len(v1) = n, encode(v1) = e with |e| = n
 *   decode(e) = v2, equal(v1, v2)
 *   from_json(json_loads(json_dumps(to_json(v1)))) = v3,
 *   equal(v1, v3), encode(v3) = e
 *
 * When decoding fails, the error must be reported properly: a known
 * rl_err, the same code in ctx->err, an offset inside the input.
 *
 * The harness itself may use malloc (jansson does); the library's decode
 * path uses only the static arenas below. */
#ifndef RL_FUZZ_COMMON_H
#define RL_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "runtime/ctx.h"
#include "runtime/cursor.h"
#include "runtime/writer.h"

/* Largest decoded value struct a target may describe. */
#define RL_FUZZ_VALUE_MAX 16384

typedef struct rl_fuzz_codec {
  const char *name;
  size_t size; /* sizeof the decoded struct */
  /* The target's entry point on the whole buffer; NULL: decode() must
   * consume the buffer exactly. */
  int (*parse)(const uint8_t *buf, size_t len, rl_ctx *ctx, void *out);
  int (*decode)(rl_cursor *c, rl_ctx *ctx, void *out);
  int (*encode)(rl_writer *w, const void *v);
  size_t (*encoded_len)(const void *v);
  int (*equal)(const void *a, const void *b);
  json_t *(*to_json)(const void *v);
  int (*from_json)(const json_t *j, rl_ctx *ctx, void *out);
  /* Run on every fresh ctx before decode or from_json (may be NULL):
   * the values a real caller knows from outside, such as the KindId that
   * selects a StoredData's data model. */
  void (*prepare)(rl_ctx *ctx, void *arg);
  void *prepare_arg;
  /* Decode parameters (an rl_params or rlc_params). */
  const void *params;
  /* 1: every accepted input has one encoding, so encode(decode(x)) must
   * give back x itself. */
  int canonical;
} rl_fuzz_codec;

/* Fill the codec members of t from a generated type descriptor (an
 * rl_type_desc or rlc_type_desc: they have the same members). */
#define RL_FUZZ_FROM_DESC(t, d)            \
  do {                                     \
    (t)->size = (d)->size;                 \
    (t)->decode = (d)->decode;             \
    (t)->encode = (d)->encode;             \
    (t)->encoded_len = (d)->encoded_len;   \
    (t)->equal = (d)->equal;               \
    (t)->to_json = (d)->to_json;           \
    (t)->from_json = (d)->from_json;       \
  } while (0)

/* The rl_type_desc of a type of the full codec; aborts if there is none
 * (the spec changed under the fuzz target). */
const struct rl_type_desc *rl_fuzz_type(const char *name);

/* Report a broken invariant on stderr (target, what, input size) and
 * abort(). */
void rl_fuzz_fail(const rl_fuzz_codec *t, const char *what, size_t size)
    __attribute__((noreturn));

/* Decode buf with the target's entry point into the value buffer *out
 * (static storage, reused by the next call); 0 or the rl_err. Error
 * reporting is checked here. */
int rl_fuzz_decode(const rl_fuzz_codec *t, const uint8_t *buf, size_t len,
                   void **out);

/* The round-trip checks above on a value that decoded from the len
 * bytes at in (compared with its encoding when t->canonical). */
void rl_fuzz_roundtrip(const rl_fuzz_codec *t, const void *v1, const uint8_t *in,
                       size_t len);

/* Decode then, on success, round trip. Always returns 0 (libFuzzer's
 * convention). */
int rl_fuzz_check(const rl_fuzz_codec *t, const uint8_t *buf, size_t len);

/* Check an encode failure is reported consistently (for values that did
 * not come from a decode, such as JSON input): a known rl_err that the
 * writer kept. */
void rl_fuzz_check_encode_error(const rl_fuzz_codec *t, int r, const rl_writer *w,
                                size_t len);

/* Check a failed decode or from_json: r is a known rl_err and ctx->err
 * holds the same code and an offset not beyond len. */
void rl_fuzz_check_error(const rl_fuzz_codec *t, int r, const rl_ctx *ctx,
                         size_t len);

/* The parameters most targets decode with: NodeIdLength 16, topology
 * CHORD-RELOAD, the spec's @kind table plus the experimental Kind-IDs the
 * test vectors use (0xf0000001 single_value, 0xf0000002 array,
 * 0xf0000003 dictionary). Returns an rl_params. */
const void *rl_fuzz_default_params(void);

#define RL_FUZZ_KIND_SINGLE 0xf0000001u
#define RL_FUZZ_KIND_ARRAY 0xf0000002u
#define RL_FUZZ_KIND_DICTIONARY 0xf0000003u
/* A Kind-ID no parameter names: its data model is unknown. */
#define RL_FUZZ_KIND_UNKNOWN 0xf00000ffu

/* A ForwardingHeader (RFC 6940 6.3.2) holding the given via list,
 * destination list and options: fixed fields with length 0 (a header
 * decoded on its own has no message to measure), the three list lengths,
 * then the lists. Returns a malloc'ed buffer of *len bytes, or NULL when
 * a list is longer than its 2-byte length allows. */
uint8_t *rl_fuzz_forwarding_header(const uint8_t *via, size_t nvia,
                                   const uint8_t *dest, size_t ndest,
                                   const uint8_t *opts, size_t nopts, size_t *len);

/* The codec of a ForwardingHeader decoded on its own. */
const rl_fuzz_codec *rl_fuzz_forwarding_header_codec(const char *target);

/* libFuzzer's entry point, defined by each target. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif
