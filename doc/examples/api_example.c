/* api_example.c: the example of doc/c-api.md, built and run by make check.
 *
 * It builds a PingReq message with the generated API, encodes it, decodes
 * it again into a stack arena (no malloc), prints it as JSON, and shows the
 * error a truncated copy produces. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec/message.h"
#include "gen/reload_codec.h"

int main(void) {
  static const uint8_t node[16] = {0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88,
                                   0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff, 0x00};
  static const uint8_t sig[4] = {0xde, 0xad, 0xbe, 0xef};
  rl_Message m;
  rl_Destination dest;
  uint8_t wire[512];
  rl_writer w;
  rl_errinfo werr;
  int status = EXIT_FAILURE;

  /* 1. Build a message: only the values; the encoder computes every
   * length, the relo_token and ForwardingHeader.length. */
  memset(&m, 0, sizeof m);
  memset(&dest, 0, sizeof dest);
  dest.type = RL_DestinationType_node;
  dest.destination_data.node_id.ptr = node;
  dest.destination_data.node_id.len = sizeof node;
  m.forwarding_header.overlay = 0x8c9b6f1a;
  m.forwarding_header.version = 10; /* RELOAD 1.0 */
  m.forwarding_header.ttl = 100;
  m.forwarding_header.fragment = 0xc0000000; /* last (only) fragment */
  m.forwarding_header.transaction_id = 0x0123456789abcdefULL;
  m.forwarding_header.destination_list = &dest;
  m.forwarding_header.destination_list_count = 1;
  m.message_contents.message_code = RL_MessageCode_ping_req;
  m.security_block.signature.algorithm.hash = RL_HashAlgorithm_sha256;
  m.security_block.signature.algorithm.signature = RL_SignatureAlgorithm_rsa;
  m.security_block.signature.identity.identity_type = RL_SignerIdentityType_none;
  m.security_block.signature.signature_value.ptr = sig;
  m.security_block.signature.signature_value.len = sizeof sig;

  /* 2. Encode into a caller's buffer; check once at the end. */
  rl_writer_init(&w, wire, sizeof wire, &werr);
  if (rl_Message_encode(&w, &m) != 0) {
    char text[256];
    fprintf(stderr, "encode: %s\n", rl_errinfo_format(&werr, text, sizeof text));
    return EXIT_FAILURE;
  }
  if (w.len != rl_Message_encoded_len(&m)) {
    fprintf(stderr, "encoded_len disagrees with encode\n");
    return EXIT_FAILURE;
  }
  printf("encoded %zu bytes\n", w.len);

  /* 3. Decode: byte strings point into `wire`, lists go to the arena. */
  {
    uint64_t arena_mem[512];
    rl_arena arena;
    rl_params params;
    rl_ctx ctx;
    rl_Message d;
    char *json;
    json_t *j;

    rl_arena_init(&arena, arena_mem, sizeof arena_mem);
    rl_params_init(&params); /* NodeIdLength 16, the spec's Kinds */
    rl_ctx_init(&ctx, &arena, &params);
    if (rl_message_parse(wire, w.len, &ctx, &d) != 0) {
      char text[256];
      fprintf(stderr, "%s\n", rl_errinfo_format(&ctx.err, text, sizeof text));
      return EXIT_FAILURE;
    }
    if (!rl_Message_equal(&m, &d)) {
      fprintf(stderr, "decoded value differs from the one encoded\n");
      return EXIT_FAILURE;
    }
    j = rl_Message_to_json(&d);
    json = j ? json_dumps(j, JSON_INDENT(2)) : NULL;
    if (!json) return EXIT_FAILURE;
    printf("%s\n", json);
    free(json);
    json_decref(j);

    /* 4. Hostile input: a truncated copy fails with where and why. */
    rl_arena_reset(&arena);
    if (rl_message_parse(wire, w.len - 3, &ctx, &d) == 0) {
      fprintf(stderr, "truncated message decoded\n");
      return EXIT_FAILURE;
    }
    {
      char text[256];
      printf("%s\n", rl_errinfo_format(&ctx.err, text, sizeof text));
    }
  }
  status = EXIT_SUCCESS;
  return status;
}
