/* fuzz_client_message.c: a whole RELOAD message decoded by the client
 * profile's codec (rlc_Message, src/gen/reload_client.h): the codec a
 * client (RFC 6940 4.2) links, whose message bodies outside the profile
 * stay raw bytes. */
#include "fuzz_common.h"

#include "gen/reload_client.h"

static int data_model(const rlc_params *p, rlc_KindId kind, rlc_DataModel *out) {
  const rlc_kind_info *k;
  (void)p;
  switch (kind) {
  case RL_FUZZ_KIND_SINGLE: *out = RLC_DataModel_single_value; return 0;
  case RL_FUZZ_KIND_ARRAY: *out = RLC_DataModel_array; return 0;
  case RL_FUZZ_KIND_DICTIONARY: *out = RLC_DataModel_dictionary; return 0;
  default: break;
  }
  k = rlc_kind_find(kind);
  if (!k) return RL_ERR_PARAM;
  *out = (rlc_DataModel)k->data_model;
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static rl_fuzz_codec t;
  static rlc_params params;
  if (!t.params) {
    const rlc_type_desc *d = rlc_type_find("Message");
    t.name = "client_message";
    if (!d) rl_fuzz_fail(&t, "the client codec has no Message", 0);
    RL_FUZZ_FROM_DESC(&t, d);
    rlc_params_init(&params);
    params.NodeIdLength = 16;
    params.topology = RLC_TopologyPlugin_CHORD_RELOAD;
    params.data_model = data_model;
    t.params = &params;
    t.canonical = 1;
  }
  return rl_fuzz_check(&t, data, size);
}
