/* fuzz_turn_service.c: a TURN-SERVICE value (RFC 6940 9, Kind 2) as a
 * node fetches it from any storing peer: DataValue.value decoded as a
 * TurnServer and checked by rl_turnsvc_decode (peer/turnsvc.h). Untrusted.
 *
 * Checked: decoding fails with an rl_err and leaves nothing half-filled,
 * or gives an iteration in 1..20 and an IPv4/IPv6 address with a port;
 * such a value re-encodes to exactly the input (TurnServer has one
 * encoding) and decodes again to the same server; rl_turnsvc_unfit and
 * rl_turnsvc_addr_str take any decoded address; with 16..20 bytes of
 * input as a Node-ID, H(Node-ID || d) is computed for d = iteration. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"

#include "codec/params.h"
#include "peer/turnsvc.h"
#include "runtime/arena.h"
#include "runtime/error.h"

static void fail(const char *what) __attribute__((noreturn));
static void fail(const char *what) {
  fprintf(stderr, "fuzz turn_service: %s\n", what);
  abort();
}

static int decode(const uint8_t *data, size_t size, rl_turnsvc *t, char *why, size_t whylen) {
  static uint8_t arena_buf[4096];
  static const rl_params params = {.NodeIdLength = 16};
  rl_arena a;
  rl_ctx ctx;
  rl_arena_init(&a, arena_buf, sizeof arena_buf);
  rl_ctx_init(&ctx, &a, &params);
  return rl_turnsvc_decode(data, size, &ctx, t, why, whylen);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static const rl_turnsvc zero;
  rl_turnsvc t, t2;
  char why[300], addr[64];
  uint8_t buf[RL_TURNSVC_VALUE_MAX], rid[20];
  long n;
  int r = decode(data, size, &t, why, sizeof why);
  if (r > 0 || r < RL_ERR_MIN) fail("not an rl_err");
  if (r != 0) {
    if (memcmp(&t, &zero, sizeof t) != 0) fail("a refused value left something behind");
    if (!why[0]) fail("refused without a reason");
    return 0;
  }
  if (t.iteration < 1 || t.iteration > RL_TURNSVC_MAX_ITERATION) fail("iteration out of range");
  if (t.addr.ss_family != AF_INET && t.addr.ss_family != AF_INET6) fail("address family");
  (void)rl_turnsvc_unfit((const struct sockaddr *)&t.addr);
  rl_turnsvc_addr_str((const struct sockaddr *)&t.addr, addr, sizeof addr);
  n = rl_turnsvc_encode(t.iteration, (const struct sockaddr *)&t.addr, buf, sizeof buf);
  if (n < 0) fail("an accepted value does not encode");
  if ((size_t)n != size || memcmp(buf, data, size) != 0) fail("re-encoding differs from the input");
  if (decode(buf, (size_t)n, &t2, why, sizeof why) != 0) fail("re-encoded value refused");
  if (t2.iteration != t.iteration || t2.addr_len != t.addr_len ||
      memcmp(&t2.addr, &t.addr, t.addr_len) != 0)
    fail("round trip changed the server");
  if (size >= 16 && size <= 20 && rl_turnsvc_resource(data, size, t.iteration, rid) != 0)
    fail("no Resource-ID");
  return 0;
}
