/* fuzz_forwarding_options.c: a list of ForwardingOptions (RFC 6940
 * 6.3.2.3), including the extensive_routing_mode option of RFC 7263 and
 * options of unknown types (kept as raw bytes).
 *
 * Input: the options bytes, wrapped as the options of a ForwardingHeader
 * with fixed fields (the list code is generated inside the header's
 * decoder). */
#include <stdlib.h>

#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const rl_fuzz_codec *t = rl_fuzz_forwarding_header_codec("forwarding_options");
  size_t len;
  uint8_t *buf = rl_fuzz_forwarding_header(NULL, 0, NULL, 0, data, size, &len);
  if (!buf) return 0;
  rl_fuzz_check(t, buf, len);
  free(buf);
  return 0;
}
