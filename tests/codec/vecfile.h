/* vecfile.h: reading the hand-built test vectors (src/codec/testdata).
 *
 * A .vec file is text:
 *
 *   # free comment lines (what the vector is, which RFC section)
 *   type: Message                       the rl_types[] name to decode with
 *   params: NodeIdLength=16 kind.1=...  decode parameters (rl_param_set_parse)
 *   hex:
 *   d2 45 4c 4f   # relo_token          bytes in hex, '#' starts a comment
 *   ...
 *   json:                               the expected decoded value; the JSON
 *   { ... }                             document runs to the end of the file
 *
 * or, for a malformed vector, instead of json:
 *
 *   error: RL_ERR_TRUNCATED at Message.message_contents.message_body
 *
 * Every fault is reported as "file:line: message". */
#ifndef TESTS_CODEC_VECFILE_H
#define TESTS_CODEC_VECFILE_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#define VEC_MAX_BYTES 4096
#define VEC_ERRLEN 512

typedef struct rl_vec {
  char file[512];        /* path as opened */
  char name[128];        /* base name without ".vec" */
  char type[64];
  char params[256];
  int type_line;         /* line numbers, for messages */
  int hex_line;
  int expect_line;       /* line of "json:" or "error:" */
  uint8_t bytes[VEC_MAX_BYTES];
  size_t len;
  /* The hex comment of the line each byte came from ("" when none): the
   * vector author's name for the field, from the RFC. */
  const char *comment_of[VEC_MAX_BYTES];
  char *comments;        /* storage for comment_of (one block) */
  json_t *json;          /* expected value, or NULL for a malformed vector */
  int error_code;        /* expected rl_err of a malformed vector, else 0 */
  char error_path[256];  /* expected field path of a malformed vector */
} rl_vec;

/* Load file into v. 0 on success; else -1 with "file:line: message" in err.
 * A loaded vector is released with rl_vec_free. */
int rl_vec_load(const char *file, rl_vec *v, char *err, size_t errlen);
void rl_vec_free(rl_vec *v);

/* The sorted names of the *.vec files in dir, as malloc'ed full paths.
 * Returns the count, or -1 with a message in err. Free with
 * rl_vec_list_free. */
long rl_vec_list(const char *dir, char ***paths, char *err, size_t errlen);
void rl_vec_list_free(char **paths, long n);

/* The directory of the vector sets: $top_srcdir/src/codec/testdata/<sub>
 * (top_srcdir defaults to "." so that a test can be run by hand from the
 * top of the tree). */
void rl_vec_dir(const char *sub, char *out, size_t size);

/* The rl_err value named name ("RL_ERR_TRUNCATED"), or 1 when unknown. */
int rl_vec_errcode(const char *name);

#endif
