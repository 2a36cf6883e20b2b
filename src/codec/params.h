/* params.h: decoding parameters from text, for tools and tests.
 *
 * A parameter string is a list of NAME=VALUE words separated by spaces:
 *   NodeIdLength=20            a plain `extern` of the spec (number or name)
 *   topology=CHORD-RELOAD      enum names match without regard to case, '-', '_'
 *   kind.1234=dictionary       the data model of Kind-ID 1234 (decimal or 0x)
 * Kinds not named fall back to the spec's @kind table. */
#ifndef RL_CODEC_PARAMS_H
#define RL_CODEC_PARAMS_H

#include <stddef.h>

#include "gen/reload_codec.h"

#define RL_PARAM_KINDS_MAX 64

typedef struct rl_param_set {
  rl_params p; /* pass &set.p to rl_ctx_init */
  struct {
    uint32_t kind;
    rl_DataModel model;
  } kinds[RL_PARAM_KINDS_MAX];
  size_t nkinds;
} rl_param_set;

void rl_param_set_init(rl_param_set *s);

/* Apply one NAME=VALUE word; 0 or a negative rl_err (message in err). */
int rl_param_set_word(rl_param_set *s, const char *word, char *err, size_t errlen);

/* Apply a space-separated list of words. */
int rl_param_set_parse(rl_param_set *s, const char *text, char *err, size_t errlen);

#endif
