/* fuzz_sip_registration.c: the SIP usage's data from the overlay
 * (src/usage/sip_reg.h): a SipRegistration value fetched from any
 * storing peer (RFC 7904 3.2), and the "gr" parameter of a RELOAD GRUU
 * taken from a SIP message (7904 6). Both are untrusted.
 *
 * Checked: decoding fails with an rl_err or gives a target whose parts lie
 * inside the input; a route target re-encodes and decodes to the same
 * Node-ID; a GRUU that decodes re-encodes to one that decodes to the same
 * Node-ID. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"

#include "codec/params.h"
#include "runtime/arena.h"
#include "runtime/error.h"
#include "usage/sip_reg.h"

static void fail(const char *what) __attribute__((noreturn));
static void fail(const char *what) {
  fprintf(stderr, "fuzz sip_registration: %s\n", what);
  abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static uint8_t arena_buf[1 << 16];
  static const rl_params params = {.NodeIdLength = 16};
  rl_arena a;
  rl_ctx ctx;
  rl_sip_reg_target t;
  int r;
  rl_arena_init(&a, arena_buf, sizeof arena_buf);
  rl_ctx_init(&ctx, &a, &params);
  r = rl_sip_reg_decode(data, size, &ctx, &t);
  if (r > 0 || r < RL_ERR_MIN) fail("not an rl_err");
  if (r == 0) {
    if (t.is_uri) {
      if (t.uri.len && (t.uri.ptr < data || t.uri.ptr + t.uri.len > data + size))
        fail("uri outside the input");
    } else {
      uint8_t buf[128];
      long n;
      rl_sip_reg_target t2;
      if (t.node_id_len == 0 || t.node_id_len > RL_NODE_ID_MAX) fail("Node-ID length");
      if (t.node_id_len == 16) {
        n = rl_sip_reg_encode_route(t.node_id, 16, "", buf, sizeof buf);
        if (n < 0) fail("route does not encode");
        if (rl_sip_reg_decode(buf, (size_t)n, &ctx, &t2) != 0 || t2.is_uri ||
            memcmp(t2.node_id, t.node_id, 16) != 0)
          fail("route round trip");
      }
    }
  }
  {
    rl_sip_str gr = {(const char *)data, size};
    uint8_t id[16], id2[16];
    char text[64];
    rl_arena_reset(&a);
    r = rl_sip_gruu_decode(gr, &ctx, 16, id);
    if (r != 0 && r != RL_ERR_SYNTAX) fail("GRUU error code");
    if (r == 0) {
      long n = rl_sip_gruu_encode(id, 16, text, sizeof text);
      rl_sip_str g2 = {text, n > 0 ? (size_t)n : 0};
      if (n < 0 || rl_sip_gruu_decode(g2, &ctx, 16, id2) != 0 || memcmp(id, id2, 16) != 0)
        fail("GRUU round trip");
    }
  }
  return 0;
}
