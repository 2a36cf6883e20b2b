/* fuzz_framed_message.c: a FramedMessage (RFC 6940 6.6.2), the unit a
 * peer reads from a stream or datagram link: data frames (sequence and a
 * 3-byte-length message) and acks. */
#include "fuzz_common.h"

#include "gen/reload_codec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static rl_fuzz_codec t;
  if (!t.name) {
    RL_FUZZ_FROM_DESC(&t, rl_fuzz_type("FramedMessage"));
    t.params = rl_fuzz_default_params();
    t.canonical = 1;
    t.name = "framed_message";
  }
  return rl_fuzz_check(&t, data, size);
}
