/* fuzz_destination_list.c: a list of Destinations (RFC 6940 6.3.2.2),
 * as in a ForwardingHeader's via_list and destination_list: compressed
 * 2-byte forms, node, resource and opaque ids, unknown types.
 *
 * Input: the list bytes. The list code is generated inside the
 * ForwardingHeader decoder, so the target wraps the input as the
 * destination list of a header with fixed fields and decodes that; the
 * same bytes are also tried as the via list. */
#include <stdlib.h>

#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const rl_fuzz_codec *t = rl_fuzz_forwarding_header_codec("destination_list");
  size_t len;
  uint8_t *buf = rl_fuzz_forwarding_header(NULL, 0, data, size, NULL, 0, &len);
  if (!buf) return 0;
  rl_fuzz_check(t, buf, len);
  free(buf);
  buf = rl_fuzz_forwarding_header(data, size, NULL, 0, NULL, 0, &len);
  if (!buf) return 0;
  rl_fuzz_check(t, buf, len);
  free(buf);
  return 0;
}
