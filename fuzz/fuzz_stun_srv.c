/* fuzz_stun_srv.c: the STUN server for neighbours (src/net/stun_srv.h,
 * RFC 6940 6.5.1.4), over libnice's STUN library.
 *
 * Input: one byte choosing the source address (bit 0: IPv6; the other
 * bits go into the address and port) and the output room (bits 1-7 times
 * 8 bytes, 0 meaning 1024), then the datagram.
 *
 * Invariants, or abort():
 *   - rl_stun_answer_binding returns one of its documented values;
 *   - an answer only for a datagram rl_stun_is_request accepts; the
 *     answer lies inside the output room, is one whole STUN message
 *     (libnice's length check), a response or error of the Binding
 *     method with the request's transaction ID;
 *   - a success response's XOR-MAPPED-ADDRESS (MAPPED-ADDRESS for a
 *     request without the magic cookie, RFC 5389 12.2) is the source;
 *   - nothing is written past the output room (a guard pattern). */
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <stun/stunmessage.h>

#include "fuzz_common.h"

#include "net/stun_srv.h"

static size_t input_len;

static void fail(const char *what) __attribute__((noreturn));
static void fail(const char *what) {
  fprintf(stderr, "fuzz stun_srv: %s (input of %zu bytes)\n", what, input_len);
  abort();
}

static void source(uint8_t sel, struct sockaddr_storage *ss) {
  memset(ss, 0, sizeof *ss);
  if (sel & 1) {
    struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
    sin6->sin6_family = AF_INET6;
    sin6->sin6_port = htons((uint16_t)(sel * 257u));
    sin6->sin6_addr.s6_addr[0] = 0x20;
    sin6->sin6_addr.s6_addr[1] = 0x01;
    sin6->sin6_addr.s6_addr[15] = sel;
  } else {
    struct sockaddr_in *sin = (struct sockaddr_in *)ss;
    sin->sin_family = AF_INET;
    sin->sin_port = htons((uint16_t)(sel * 251u));
    sin->sin_addr.s_addr = htonl(0xc0000200u | sel);
  }
}

static int same_addr(const struct sockaddr_storage *a, const struct sockaddr_storage *b) {
  if (a->ss_family != b->ss_family) return 0;
  if (a->ss_family == AF_INET) {
    const struct sockaddr_in *x = (const struct sockaddr_in *)a, *y = (const struct sockaddr_in *)b;
    return x->sin_port == y->sin_port && x->sin_addr.s_addr == y->sin_addr.s_addr;
  }
  {
    const struct sockaddr_in6 *x = (const struct sockaddr_in6 *)a,
                              *y = (const struct sockaddr_in6 *)b;
    return x->sin6_port == y->sin6_port && memcmp(&x->sin6_addr, &y->sin6_addr, 16) == 0;
  }
}

static void check_answer(const uint8_t *req, size_t n, int rc, const uint8_t *out, size_t outlen,
                         const struct sockaddr_storage *from) {
  StunMessage msg;
  StunClass cls;
  struct sockaddr_storage mapped;
  socklen_t mlen = sizeof mapped;
  if (!rl_stun_is_request(req, n)) fail("an answer to a datagram that is not a STUN request");
  if (outlen < 20 || stun_message_validate_buffer_length(out, outlen, true) != (int)outlen)
    fail("the answer is not one whole STUN message");
  if (memcmp(out + 4, req + 4, 16) != 0) fail("the answer's cookie or transaction ID differs");
  memset(&msg, 0, sizeof msg);
  msg.buffer = (uint8_t *)out;
  msg.buffer_len = outlen;
  cls = stun_message_get_class(&msg);
  if (stun_message_get_method(&msg) != STUN_BINDING) fail("an answer that is not Binding");
  if (rc == RL_STUN_ANSWERED) {
    if (cls != STUN_RESPONSE) fail("RL_STUN_ANSWERED but not a success response");
    /* RFC 5389 12.2: MAPPED-ADDRESS for an RFC 3489 client (no cookie). */
    StunMessageReturn r =
        rl_stun_is_request(req, n) == 1
            ? stun_message_find_xor_addr(&msg, STUN_ATTRIBUTE_XOR_MAPPED_ADDRESS, &mapped, &mlen)
            : stun_message_find_addr(&msg, STUN_ATTRIBUTE_MAPPED_ADDRESS, &mapped, &mlen);
    if (r != STUN_MESSAGE_RETURN_SUCCESS || !same_addr(&mapped, from))
      fail("(XOR-)MAPPED-ADDRESS is not the source address");
  } else if (cls != STUN_ERROR) {
    fail("RL_STUN_ANSWERED_ERROR but not an error response");
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static uint8_t out[1024 + 64];
  struct sockaddr_storage from;
  size_t room, outlen = 0, i;
  int rc;
  input_len = size;
  if (size < 1) return 0;
  source(data[0], &from);
  room = (size_t)(data[0] >> 1) * 8u;
  if (room == 0) room = 1024;
  memset(out, 0xa5, sizeof out);
  rc = rl_stun_answer_binding(data + 1, size - 1, (const struct sockaddr *)&from, out, room,
                              &outlen);
  if (rc < RL_STUN_ERR_SPACE || rc > RL_STUN_ANSWERED_ERROR) fail("an undocumented return value");
  for (i = room; i < sizeof out; i++)
    if (out[i] != 0xa5) fail("written past the output room");
  if (rc < 0) return 0;
  if (outlen > room) fail("an answer longer than the output room");
  check_answer(data + 1, size - 1, rc, out, outlen, &from);
  return 0;
}
