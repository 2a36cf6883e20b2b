/* fuzz_attach_ice.c: the ICE part of an Attach (RFC 6940 6.5.1.1,
 * 6.5.1.7): an AttachReqAns as it arrives, decoded by the generated codec
 * (the message_body target covers that), then every candidate through
 * rl_icecand_from_wire, the check the peer runs before its candidates go
 * to libnice (src/peer/icecand.h).
 *
 * Input: the bytes of one AttachReqAns.
 *
 * Invariants, or abort():
 *   - rl_icecand_from_wire returns 0 or RL_ERR_PARAM, with a reason;
 *   - an accepted candidate has a foundation of 1..32 ice-chars,
 *     NUL-terminated, a type of host/srflx/relay, an IPv4 or IPv6
 *     address (and a related address unless host), and the same priority;
 *   - it goes back to the wire form (rl_icecand_to_wire) and reads again
 *     as the same candidate. */
#define _GNU_SOURCE
#include <string.h>
#include <sys/socket.h>

#include "fuzz_common.h"

#include "gen/reload_codec.h"
#include "peer/icecand.h"

static const rl_fuzz_codec target = {.name = "attach_ice"};

static void fail(const char *what, size_t size) __attribute__((noreturn));
static void fail(const char *what, size_t size) { rl_fuzz_fail(&target, what, size); }

static int ice_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '+' ||
         c == '/';
}

static void check_accepted(const rl_IceCandidate *w, const rl_ice_cand *c, size_t size) {
  size_t flen = strnlen(c->foundation, sizeof c->foundation);
  rl_IceCandidate w2;
  rl_ice_cand c2;
  char why[160];
  if (flen == 0 || flen > 32 || flen != w->foundation.len) fail("foundation length", size);
  for (size_t i = 0; i < flen; i++)
    if (!ice_char(c->foundation[i])) fail("foundation accepted with a non-ice-char", size);
  if (c->type != RL_ICE_CAND_HOST && c->type != RL_ICE_CAND_SRFLX && c->type != RL_ICE_CAND_RELAY)
    fail("candidate type outside host/srflx/relay", size);
  if (c->addr.ss_family != AF_INET && c->addr.ss_family != AF_INET6) fail("address family", size);
  if (c->type != RL_ICE_CAND_HOST && c->rel_addr.ss_family != AF_INET &&
      c->rel_addr.ss_family != AF_INET6)
    fail("related address family", size);
  if (c->priority != w->priority) fail("priority changed", size);
  if (rl_icecand_to_wire(c, &w2) != 0) fail("an accepted candidate does not go back to the wire", size);
  if (rl_icecand_from_wire(&w2, &c2, why, sizeof why) != 0) fail("round trip refused", size);
  if (memcmp(c, &c2, sizeof c2) != 0) fail("round trip changed the candidate", size);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static rl_fuzz_codec t;
  void *out = NULL;
  const rl_AttachReqAns *a;
  if (!t.name) {
    t = target;
    RL_FUZZ_FROM_DESC(&t, rl_fuzz_type("AttachReqAns"));
    t.params = rl_fuzz_default_params();
  }
  if (rl_fuzz_decode(&t, data, size, &out) != 0) return 0;
  a = out;
  for (size_t i = 0; i < a->candidates_count; i++) {
    rl_ice_cand c;
    char why[160];
    int rc;
    why[0] = 0;
    rc = rl_icecand_from_wire(&a->candidates[i], &c, why, sizeof why);
    if (rc == 0)
      check_accepted(&a->candidates[i], &c, size);
    else if (rc != RL_ERR_PARAM || !why[0])
      fail("refusal without RL_ERR_PARAM and a reason", size);
  }
  return 0;
}
