/* fuzz_kind_value.c: the values of the Kinds whose DataValue.value has a
 * type (rl_kinds[].value_type: TurnServer, SipRegistration,
 * RedirServiceProvider, AccessControlListItem). A StoredData carries them
 * as opaque bytes; a peer that serves the Kind decodes them.
 *
 * Input: one byte, then the value. Its low 2 bits pick the Kind among
 * those with a value type, in rl_kinds[] order; bit 2 sets the decoding
 * parameter variable_resource_names_enabled (RFC 8076 4.2). */
#include <stdio.h>
#include <stdlib.h>

#include "fuzz_common.h"

#include "codec/params.h"
#include "gen/reload_codec.h"

#define MAX_KINDS 4

static rl_fuzz_codec codec[MAX_KINDS][2];
static rl_param_set params[2];
static size_t nkinds;

static void setup(void) {
  char err[200];
  for (int v = 0; v < 2; v++) {
    rl_param_set_init(&params[v]);
    if (rl_param_set_parse(&params[v], v ? "variable_resource_names_enabled=true" : "",
                           err, sizeof err) != 0) {
      fprintf(stderr, "fuzz kind_value: %s\n", err);
      abort();
    }
  }
  for (size_t i = 0; i < rl_kinds_count && nkinds < MAX_KINDS; i++) {
    if (!rl_kinds[i].value_type) continue;
    for (int v = 0; v < 2; v++) {
      rl_fuzz_codec *t = &codec[nkinds][v];
      RL_FUZZ_FROM_DESC(t, rl_fuzz_type(rl_kinds[i].value_type));
      t->params = &params[v].p;
      t->canonical = 1;
      t->name = rl_kinds[i].value_type;
    }
    nkinds++;
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (!nkinds) setup();
  if (size < 1 || !nkinds) return 0;
  return rl_fuzz_check(&codec[(data[0] & 3) % nkinds][(data[0] >> 2) & 1], data + 1, size - 1);
}
