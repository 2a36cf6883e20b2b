/* harness.h: what the codec tests share: decoding a vector's bytes with its
 * type descriptor and parameters, encoding back, and counting what the
 * library does behind the test's back.
 *
 * The test programs are linked with -Wl,--wrap for malloc, calloc,
 * realloc (to prove that decoding allocates nothing) and for the writer's
 * rl_writer_reserve / rl_writer_fill / rl_writer_patch (to learn where the
 * encoder puts every length field, and which bytes each one measures).
 * libreload is a static archive (LT_INIT disable-shared), so its objects
 * are linked into the test and their calls are redirected; rl_h_wrap_live()
 * proves it at run time instead of assuming it. */
#ifndef TESTS_CODEC_HARNESS_H
#define TESTS_CODEC_HARNESS_H

#include <stddef.h>
#include <stdint.h>

#include "codec/params.h"
#include "gen/reload_codec.h"
#include "vecfile.h"

#define H_ARENA_BYTES 65536
#define H_VALUE_BYTES 4096
#define H_MAX_LENGTHS 256

/* A value of any rl_types[] type, suitably aligned. */
typedef union h_value {
  max_align_t align_;
  uint8_t bytes[H_VALUE_BYTES];
} h_value;

/* One decode: the arena memory lives wherever the caller puts this
 * (the tests keep it on the stack). */
typedef struct h_decoder {
  const rl_type_desc *desc;
  rl_param_set params;
  rl_arena arena;
  rl_ctx ctx;
  _Alignas(max_align_t) uint8_t arena_mem[H_ARENA_BYTES];
} h_decoder;

/* Look up v->type and apply v->params. 0, or -1 with a message in err. */
int h_setup(h_decoder *d, const rl_vec *v, char *err, size_t errlen);

/* Decode exactly buf[0..len) as the descriptor's type, like the generated
 * rl_T_parse: the arena is reset, the error path ends with the type name,
 * left-over bytes are RL_ERR_TRAILING. Returns 0 or the rl_err. */
int h_decode(h_decoder *d, const uint8_t *buf, size_t len, void *out);

/* Encode v into out (capacity cap); returns the length, or a negative
 * rl_err (the path is in *info when info is not NULL). */
long h_encode(const rl_type_desc *desc, const void *v, uint8_t *out, size_t cap,
              rl_errinfo *info);

/* "error at offset N in PATH: REASON" and the path alone. */
const char *h_errtext(const rl_errinfo *e, char *buf, size_t size);
const char *h_errpath(const rl_errinfo *e, char *buf, size_t size);

/* Allocation counting (malloc + calloc + realloc calls so far). */
unsigned long h_alloc_count(void);

/* 1 if the --wrap redirections really see calls made inside libreload. */
int h_wrap_live(void);

/* Length fields the encoder wrote during the last h_record_lengths call:
 * where the field is, its width, and the bytes it measures [start, end). */
typedef struct h_length {
  size_t pos;
  unsigned width;
  size_t start, end;
  uint32_t lo, hi;     /* the field's range (fill); 0..2^(8*width)-1 for patches */
  const char *field;   /* the name the encoder gave it */
} h_length;

/* Encode v while recording its length fields, sorted by pos. Returns the
 * number recorded, or -1 if encoding failed or there were too many. */
int h_record_lengths(const rl_type_desc *desc, const void *v, uint8_t *out,
                     size_t cap, h_length *lens, int max);

/* Big-endian unsigned of width bytes at p / store one. */
uint32_t h_get_be(const uint8_t *p, unsigned width);
void h_put_be(uint8_t *p, unsigned width, uint32_t v);

/* Print a JSON value pretty (for failure messages); the caller frees. */
char *h_pretty(const void *json);

#endif
