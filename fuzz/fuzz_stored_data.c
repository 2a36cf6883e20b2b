/* fuzz_stored_data.c: a StoredData (RFC 6940 7) in each data model.
 *
 * Input: one byte choosing the data model (value % 3: 0 single_value,
 * 1 array, 2 dictionary), then the StoredData bytes. The model is not in
 * the bytes: a receiver knows it from the Kind-ID of the enclosing
 * StoreKindData / FetchKindResponse and the overlay configuration, so
 * the target sets the Kind-ID in the decoding context as those do. */
#include "fuzz_common.h"

#include "gen/reload_codec.h"

static const uint32_t kind_of_model[3] = {
    RL_FUZZ_KIND_SINGLE, RL_FUZZ_KIND_ARRAY, RL_FUZZ_KIND_DICTIONARY};

static uint32_t kind;

/* The generator numbers key slots per key type; data_model(KindId) is
 * the only keyed extern of the spec, so KindId is slot 0 (see
 * rl_StoredDataValue_decode). */
static void prepare(rl_ctx *ctx, void *arg) {
  (void)arg;
  ctx->key[0] = kind;
  ctx->have_key[0] = 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static rl_fuzz_codec t;
  if (!t.name) {
    RL_FUZZ_FROM_DESC(&t, rl_fuzz_type("StoredData"));
    t.params = rl_fuzz_default_params();
    t.prepare = prepare;
    t.canonical = 1;
    t.name = "stored_data";
  }
  if (size < 1) return 0;
  kind = kind_of_model[data[0] % 3];
  return rl_fuzz_check(&t, data + 1, size - 1);
}
