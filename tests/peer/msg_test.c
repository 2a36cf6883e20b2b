/* msg_test.c: the message layer of the peer (src/peer/msg.h): signed
 * messages that decode and verify (6.3, 6.3.4), forwarding that rewrites
 * only the header and keeps the signature valid (6.1.2, 6.3.2), response
 * lists and options (6.2.2, 6.3.2.3), compressed Destinations (6.3.2.2),
 * error responses (6.3.3.1). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec/message.h"
#include "gen/reload_codec.h"
#include "peer/fragment.h"
#include "peer/msg.h"
#include "runtime/arena.h"
#include "runtime/ctx.h"
#include "runtime/error.h"
#include "runtime/writer.h"
#include "security/credentials.h"
#include "security/sign.h"
#include "../security/testkeys.h"

static rl_cert *ca, *cert1;
static rl_credentials *cred1;
static uint8_t id1[RL_NODE_ID_MAX];

/* Node-IDs of the 6.1.2 example, A..E, and a target. */
static uint8_t nid[6][16];
#define NA 0
#define NB 1
#define NC 2
#define ND 3
#define NE 4
#define NT 5

static void setup(void) {
  rl_sec_error e = {0, ""};
  ca = test_ca();
  test_node_id(0x11, id1);
  cert1 = test_issue(ca, 1, "alice@" TEST_OVERLAY, (const uint8_t (*)[RL_NODE_ID_MAX])&id1, 1);
  if (rl_credentials_new(test_key[1], cert1, NULL, 0, &cred1, &e) != 0) {
    fprintf(stderr, "msg_test setup: %s\n", e.text);
    exit(EXIT_FAILURE);
  }
  for (int i = 0; i < 6; i++) memset(nid[i], 0xa0 + i, 16);
}

/* A ping request from A to T that has passed B (Via List [A]) with two
 * forwarding options (one to be copied into the response) and one
 * extension. */
typedef struct ping {
  rl_msg_out m;
  rl_MessageBody body;
  rl_Destination dest[1], via[1];
  rl_ForwardingOption opt[3];
  rl_MessageExtension ext[1];
  uint8_t padding[40];
} ping;

static const uint8_t opt_data[3][3] = {{1, 2, 3}, {4, 5, 6}, {7, 8, 9}};

static void make_ping(ping *p) {
  memset(p, 0, sizeof *p);
  for (size_t i = 0; i < sizeof p->padding; i++) p->padding[i] = (uint8_t)(i * 7);
  p->body.ping_req.padding.ptr = p->padding;
  p->body.ping_req.padding.len = sizeof p->padding;
  rl_dest_node(&p->dest[0], nid[NT], 16);
  rl_dest_node(&p->via[0], nid[NA], 16);
  /* An unknown option with every flag, exp_forward without
   * RESPONSE_COPY, an unknown one with RESPONSE_COPY only. */
  p->opt[0].type = 0x80;
  p->opt[0].flags = RL_FORWARD_CRITICAL | RL_DESTINATION_CRITICAL | RL_RESPONSE_COPY;
  p->opt[1].type = RL_ForwardingOptionType_exp_forward;
  p->opt[1].flags = RL_FORWARD_CRITICAL;
  p->opt[2].type = 0x81;
  p->opt[2].flags = RL_RESPONSE_COPY;
  for (int i = 0; i < 3; i++) {
    p->opt[i].unknown.ptr = opt_data[i];
    p->opt[i].unknown.len = 3;
  }
  p->ext[0].type = RL_MessageExtensionType_exp_ext;
  p->ext[0].critical = RL_Boolean_false;
  p->ext[0].extension_contents.unknown.ptr = opt_data[0];
  p->ext[0].extension_contents.unknown.len = 3;
  p->m.overlay = 0x8f3a1b2cu;
  p->m.configuration_sequence = 7;
  p->m.ttl = 99;
  p->m.transaction_id = 0x0123456789abcdefu;
  p->m.max_response_length = 4096;
  p->m.destination_list = p->dest;
  p->m.destination_count = 1;
  p->m.via_list = p->via;
  p->m.via_count = 1;
  p->m.options = p->opt;
  p->m.options_count = 3;
  p->m.message_code = RL_MessageCode_ping_req;
  p->m.body = &p->body;
  p->m.extensions = p->ext;
  p->m.extensions_count = 1;
}

/* A decoded message and the memory it lives in. */
typedef struct decoded {
  uint8_t mem[32768];
  rl_arena arena;
  rl_params params;
  rl_ctx ctx;
  rl_Message m;
} decoded;

static int decode(const uint8_t *wire, size_t len, decoded *d) {
  rl_params_init(&d->params);
  rl_arena_init(&d->arena, d->mem, sizeof d->mem);
  rl_ctx_init(&d->ctx, &d->arena, &d->params);
  return rl_message_parse(wire, len, &d->ctx, &d->m);
}

/* rl_verify_message with the message's own certificates. */
static int verify(const rl_Message *m, rl_signer_info *who) {
  rl_cert_set set;
  rl_sec_error e = {0, ""};
  int r;
  rl_cert_set_init(&set);
  r = rl_cert_set_add_security_block(&set, &m->security_block, &e);
  if (r == 0) r = rl_verify_message(m, &set, who, &e);
  rl_cert_set_clear(&set);
  return r;
}

static size_t encode_ping(const ping *p, uint8_t *buf, size_t cap) {
  rl_writer w;
  rl_sec_error e = {0, ""};
  rl_cert *extra[1] = {ca};
  rl_writer_init(&w, buf, cap, NULL);
  ck_assert_msg(rl_msg_encode_signed(&w, &p->m, cred1, extra, 1, &e) == 0, "%s", e.text);
  return w.len;
}

/* ---- signed messages (6.3, 6.3.4) ---- */

START_TEST(signed_round_trip) {
  static uint8_t wire[8192];
  static decoded d;
  ping p;
  rl_signer_info who;
  make_ping(&p);
  size_t len = encode_ping(&p, wire, sizeof wire);
  ck_assert_int_eq(decode(wire, len, &d), 0);
  const rl_ForwardingHeader *fh = &d.m.forwarding_header;
  ck_assert_uint_eq(fh->relo_token, 0xd2454c4fu);
  ck_assert_uint_eq(fh->version, 0x0a);
  ck_assert_uint_eq(fh->fragment, 0xC0000000u); /* 6.7 */
  ck_assert_uint_eq(fh->length, len);
  ck_assert_uint_eq(fh->overlay, 0x8f3a1b2cu);
  ck_assert_uint_eq(fh->configuration_sequence, 7);
  ck_assert_uint_eq(fh->ttl, 99);
  ck_assert(fh->transaction_id == 0x0123456789abcdefu);
  ck_assert_uint_eq(fh->max_response_length, 4096);
  ck_assert_uint_eq(fh->via_list_count, 1);
  ck_assert_uint_eq(fh->destination_list_count, 1);
  ck_assert_uint_eq(fh->destination_list_length, 18);
  ck_assert_mem_eq(fh->destination_list[0].destination_data.node_id.ptr, nid[NT], 16);
  ck_assert_uint_eq(fh->options_count, 3);
  ck_assert_uint_eq(fh->options[2].flags, RL_RESPONSE_COPY);
  ck_assert_mem_eq(fh->options[1].unknown.ptr, opt_data[1], 3);
  const rl_MessageContents *mc = &d.m.message_contents;
  ck_assert_uint_eq(mc->message_code, RL_MessageCode_ping_req);
  ck_assert_uint_eq(mc->message_body.ping_req.padding.len, 40);
  ck_assert_mem_eq(mc->message_body.ping_req.padding.ptr, p.padding, 40);
  ck_assert_uint_eq(mc->extensions_count, 1);
  /* The certificates: the signer's first, then the extra one. */
  const rl_SecurityBlock *sb = &d.m.security_block;
  ck_assert_uint_eq(sb->certificates_count, 2);
  ck_assert_uint_eq(sb->certificates[0].type, RL_CertificateType_X509);
  ck_assert_uint_eq(sb->certificates[0].certificate.len, cert1->der_len);
  ck_assert_mem_eq(sb->certificates[0].certificate.ptr, cert1->der, cert1->der_len);
  ck_assert_mem_eq(sb->certificates[1].certificate.ptr, ca->der, ca->der_len);
  ck_assert_int_eq(verify(&d.m, &who), 0);
  ck_assert_uint_eq(who.node_id_len, 16);
  ck_assert_mem_eq(who.node_id, id1, 16);
}
END_TEST

/* Every byte the signature covers matters: a padding byte (contents)
 * and the transaction_id (header) each break it. */
START_TEST(tampered_message_fails) {
  static uint8_t wire[8192];
  static decoded d;
  ping p;
  rl_signer_info who;
  make_ping(&p);
  size_t len = encode_ping(&p, wire, sizeof wire);
  ck_assert_int_eq(decode(wire, len, &d), 0);
  size_t pad = (size_t)(d.m.message_contents.message_body.ping_req.padding.ptr - wire);
  wire[pad + 5] ^= 0x01;
  ck_assert_int_eq(decode(wire, len, &d), 0);
  ck_assert_int_eq(verify(&d.m, &who), RL_SEC_ERR_SIGNATURE);
  wire[pad + 5] ^= 0x01;
  ck_assert_int_eq(decode(wire, len, &d), 0);
  ck_assert_int_eq(verify(&d.m, &who), 0);
  wire[27] ^= 0x80; /* the last byte of transaction_id */
  ck_assert_int_eq(decode(wire, len, &d), 0);
  ck_assert_int_eq(verify(&d.m, &who), RL_SEC_ERR_SIGNATURE);
}
END_TEST

/* A writer that is too short fails cleanly at every size, and a
 * poisoned writer stays poisoned. */
START_TEST(encode_into_short_buffers) {
  static uint8_t wire[8192], small[8192];
  ping p;
  rl_writer w;
  rl_sec_error e = {0, ""};
  make_ping(&p);
  size_t len = encode_ping(&p, wire, sizeof wire);
  rl_cert *extra[1] = {ca};
  for (size_t cap = 0; cap < len; cap += (cap < 200 ? 1 : 97)) {
    rl_writer_init(&w, small, cap, NULL);
    ck_assert_int_eq(rl_msg_encode_signed(&w, &p.m, cred1, extra, 1, &e), RL_ERR_BUFFER);
  }
  rl_writer_init(&w, small, len, NULL);
  ck_assert_int_eq(rl_msg_encode_signed(&w, &p.m, cred1, extra, 1, &e), 0);
  rl_writer_init(&w, small, sizeof small, NULL);
  rl_writer_fail(&w, RL_ERR_ARENA, NULL, NULL);
  ck_assert_int_eq(rl_msg_encode_signed(&w, &p.m, cred1, NULL, 0, &e), RL_ERR_ARENA);
  /* No credentials. */
  rl_writer_init(&w, small, sizeof small, NULL);
  ck_assert_int_eq(rl_msg_encode_signed(&w, &p.m, NULL, NULL, 0, &e), RL_ERR_PARAM);
  /* Appending after bytes already written: length counts the message. */
  static decoded d;
  rl_writer_init(&w, small, sizeof small, NULL);
  rl_put_u32(&w, 0xdeadbeefu);
  ck_assert_int_eq(rl_msg_encode_signed(&w, &p.m, cred1, NULL, 0, &e), 0);
  ck_assert_int_eq(decode(small + 4, w.len - 4, &d), 0);
  ck_assert_int_eq(verify(&d.m, NULL), 0);
}
END_TEST

/* ---- header decode and rewrite (6.1.2, 6.3.2) ---- */

START_TEST(parse_header_whole_and_errors) {
  static uint8_t wire[8192], mem[4096];
  ping p;
  rl_arena arena;
  rl_ctx ctx;
  rl_ForwardingHeader fh;
  char buf[200];
  make_ping(&p);
  size_t len = encode_ping(&p, wire, sizeof wire);
  rl_arena_init(&arena, mem, sizeof mem);
  ck_assert_int_eq(rl_msg_parse_header(wire, len, &arena, NULL, &ctx, &fh), 0);
  ck_assert_ptr_eq(fh.raw.ptr, wire);
  ck_assert_uint_eq(fh.raw.len, 38 + 18 + 18 + 21);
  ck_assert_uint_eq(fh.via_list_count, 1);
  ck_assert_uint_eq(fh.options_count, 3);
  /* A short input: the length field says more than there is. */
  rl_arena_init(&arena, mem, sizeof mem);
  ck_assert_int_eq(rl_msg_parse_header(wire, len - 1, &arena, NULL, &ctx, &fh), RL_ERR_TRUNCATED);
  ck_assert_uint_eq(ctx.err.offset, 20);
  rl_errinfo_path(&ctx.err, buf, sizeof buf);
  ck_assert_str_eq(buf, "ForwardingHeader.length");
  /* A bad relo_token. */
  wire[0] ^= 0xff;
  rl_arena_init(&arena, mem, sizeof mem);
  ck_assert_int_eq(rl_msg_parse_header(wire, len, &arena, NULL, &ctx, &fh), RL_ERR_CONSTANT);
  ck_assert_uint_eq(ctx.err.offset, 0);
  wire[0] ^= 0xff;
  /* A Destination cut short inside the Via List (via_list_length 17). */
  wire[33] = 17;
  rl_arena_init(&arena, mem, sizeof mem);
  ck_assert_int_eq(rl_msg_parse_header(wire, len, &arena, NULL, &ctx, &fh), RL_ERR_TRUNCATED);
  rl_errinfo_path(&ctx.err, buf, sizeof buf);
  ck_assert_msg(strncmp(buf, "ForwardingHeader.via_list[0]", 28) == 0, "%s", buf);
  wire[33] = 18;
  /* With 20-byte Node-IDs the 16-byte ones do not parse. */
  rl_params params;
  rl_params_init(&params);
  params.NodeIdLength = 20;
  rl_arena_init(&arena, mem, sizeof mem);
  ck_assert_int_ne(rl_msg_parse_header(wire, len, &arena, &params, &ctx, &fh), 0);
  /* Too small an arena. */
  rl_arena_init(&arena, mem, 16);
  ck_assert_int_eq(rl_msg_parse_header(wire, len, &arena, NULL, &ctx, &fh), RL_ERR_ARENA);
}
END_TEST

/* 6.1.2's example on the wire: D received the request from C with Via
 * List [A, B]; it forwards to E with Via List [A, B, C], TTL one less,
 * and the Destination List without its first entry. The contents and the
 * security block are untouched and the signature still verifies. */
START_TEST(rewrite_keeps_contents_and_signature) {
  static uint8_t wire[8192], out[8192], out2[8192], mem[4096];
  static decoded a, b;
  ping p;
  rl_arena arena;
  rl_ctx ctx;
  rl_ForwardingHeader fh;
  rl_writer w;
  rl_Destination via[3], dest[2];
  make_ping(&p);
  rl_dest_node(&via[0], nid[NA], 16);
  rl_dest_node(&via[1], nid[NB], 16);
  p.m.via_list = via;
  p.m.via_count = 2;
  rl_dest_node(&dest[0], nid[ND], 16);
  rl_dest_node(&dest[1], nid[NE], 16);
  p.m.destination_list = dest;
  p.m.destination_count = 2;
  size_t len = encode_ping(&p, wire, sizeof wire);
  ck_assert_int_eq(decode(wire, len, &a), 0);

  rl_arena_init(&arena, mem, sizeof mem);
  ck_assert_int_eq(rl_msg_parse_header(wire, len, &arena, NULL, &ctx, &fh), 0);
  rl_Destination nvia[3];
  nvia[0] = fh.via_list[0];
  nvia[1] = fh.via_list[1];
  rl_dest_node(&nvia[2], nid[NC], 16);
  rl_writer_init(&w, out, sizeof out, NULL);
  ck_assert_int_eq(rl_msg_rewrite(&w, wire, len, &fh, (uint8_t)(fh.ttl - 1), nvia, 3,
                                  fh.destination_list + 1, 1), 0);
  ck_assert_uint_eq(w.len, len + 18 - 18);
  ck_assert_int_eq(decode(out, w.len, &b), 0);
  const rl_ForwardingHeader *h = &b.m.forwarding_header;
  ck_assert_uint_eq(h->ttl, 98);
  ck_assert_uint_eq(h->length, w.len);
  ck_assert_uint_eq(h->via_list_count, 3);
  ck_assert_mem_eq(h->via_list[2].destination_data.node_id.ptr, nid[NC], 16);
  ck_assert_uint_eq(h->destination_list_count, 1);
  ck_assert_mem_eq(h->destination_list[0].destination_data.node_id.ptr, nid[NE], 16);
  ck_assert_uint_eq(h->fragment, 0xC0000000u);
  ck_assert(h->transaction_id == a.m.forwarding_header.transaction_id);
  ck_assert_uint_eq(h->overlay, a.m.forwarding_header.overlay);
  ck_assert_uint_eq(h->configuration_sequence, 7);
  ck_assert_uint_eq(h->max_response_length, 4096);
  /* Options: the same bytes. */
  ck_assert_uint_eq(h->options_length, a.m.forwarding_header.options_length);
  ck_assert_mem_eq(h->options[0].raw.ptr, a.m.forwarding_header.options[0].raw.ptr,
                   h->options_length);
  /* Contents and security block: the same bytes. */
  ck_assert_uint_eq(b.m.message_contents.raw.len, a.m.message_contents.raw.len);
  ck_assert_mem_eq(b.m.message_contents.raw.ptr, a.m.message_contents.raw.ptr,
                   a.m.message_contents.raw.len);
  ck_assert_uint_eq(b.m.security_block.raw.len, a.m.security_block.raw.len);
  ck_assert_mem_eq(b.m.security_block.raw.ptr, a.m.security_block.raw.ptr,
                   a.m.security_block.raw.len);
  ck_assert_int_eq(verify(&b.m, NULL), 0);

  /* Again, through a compressed Via List (6.1.2 list compression): one
   * 16-bit entry in place of three, and an empty Destination List. */
  rl_Destination z;
  rl_dest_compressed(&z, 0x1234);
  rl_arena_init(&arena, mem, sizeof mem);
  ck_assert_int_eq(rl_msg_parse_header(out, w.len, &arena, NULL, &ctx, &fh), 0);
  rl_writer_init(&w, out2, sizeof out2, NULL);
  ck_assert_int_eq(rl_msg_rewrite(&w, out, fh.length, &fh, 0, &z, 1, NULL, 0), 0);
  ck_assert_int_eq(decode(out2, w.len, &b), 0);
  h = &b.m.forwarding_header;
  ck_assert_uint_eq(h->ttl, 0);
  ck_assert_uint_eq(h->via_list_length, 2);
  ck_assert_uint_eq(h->destination_list_length, 0);
  ck_assert_uint_eq(h->via_list_count, 1);
  ck_assert_uint_eq(h->via_list[0].compressed, 1);
  ck_assert_uint_eq(h->via_list[0].opaque_id, 0x9234);
  ck_assert_int_eq(verify(&b.m, NULL), 0);
}
END_TEST

/* The header of a fragment decodes and rewrites like a message's; the
 * fragment's data is copied as it is. */
START_TEST(rewrite_fragment) {
  static uint8_t wire[8192], out[8192], mem[4096];
  ping p;
  rl_arena arena;
  rl_ctx ctx;
  rl_ForwardingHeader fh;
  rl_writer w;
  uint8_t frag[2048];
  make_ping(&p);
  size_t len = encode_ping(&p, wire, sizeof wire);
  rl_writer_init(&w, frag, sizeof frag, NULL);
  /* The second half of the data, not the last fragment. */
  size_t hl = 38 + 18 + 18 + 21, half = (len - hl) / 2;
  ck_assert_int_eq(rl_fragment_build(&w, wire, len, half, 100, 0), 0);
  size_t flen = w.len;
  rl_arena_init(&arena, mem, sizeof mem);
  ck_assert_int_eq(rl_msg_parse_header(frag, flen, &arena, NULL, &ctx, &fh), 0);
  ck_assert_uint_eq(fh.fragment, 0x80000000u | half);
  ck_assert_uint_eq(fh.length, hl + 100);
  rl_writer_init(&w, out, sizeof out, NULL);
  ck_assert_int_eq(rl_msg_rewrite(&w, frag, flen, &fh, 5, NULL, 0, fh.destination_list, 1), 0);
  ck_assert_uint_eq(w.len, flen - 18);
  ck_assert_mem_eq(out + w.len - 100, wire + hl + half, 100);
  rl_arena_init(&arena, mem, sizeof mem);
  ck_assert_int_eq(rl_msg_parse_header(out, w.len, &arena, NULL, &ctx, &fh), 0);
  ck_assert_uint_eq(fh.length, w.len);
  ck_assert_uint_eq(fh.fragment, 0x80000000u | half);
  ck_assert_uint_eq(fh.via_list_count, 0);
  ck_assert_uint_eq(fh.ttl, 5);
  /* fh of another message is refused. */
  rl_writer_init(&w, out, sizeof out, NULL);
  ck_assert_int_eq(rl_msg_rewrite(&w, wire, len, &fh, 5, NULL, 0, NULL, 0), RL_ERR_PARAM);
  /* A full writer. */
  rl_arena_init(&arena, mem, sizeof mem);
  ck_assert_int_eq(rl_msg_parse_header(wire, len, &arena, NULL, &ctx, &fh), 0);
  rl_writer_init(&w, out, len - 1, NULL);
  ck_assert_int_eq(rl_msg_rewrite(&w, wire, len, &fh, 5, fh.via_list, 1, fh.destination_list, 1),
                   RL_ERR_BUFFER);
}
END_TEST

/* ---- responses (6.1.2, 6.2.2, 6.3.2.3) ---- */

/* E receives the request from D with Via List [A, B, C]: the response
 * goes to [D, C, B, A]; D, having removed itself, sends it on to
 * [C, B, A]. */
START_TEST(response_destinations_example) {
  uint8_t mem[2048];
  rl_arena arena;
  rl_ForwardingHeader fh;
  rl_Destination via[3], prev, *out;
  size_t n;
  memset(&fh, 0, sizeof fh);
  rl_dest_node(&via[0], nid[NA], 16);
  rl_dest_node(&via[1], nid[NB], 16);
  rl_dest_node(&via[2], nid[NC], 16);
  fh.via_list = via;
  fh.via_list_count = 3;
  rl_dest_node(&prev, nid[ND], 16);
  rl_arena_init(&arena, mem, sizeof mem);
  ck_assert_int_eq(rl_msg_response_destinations(&fh, &prev, &arena, &out, &n), 0);
  ck_assert_uint_eq(n, 4);
  const int want[4] = {ND, NC, NB, NA};
  for (int i = 0; i < 4; i++)
    ck_assert_mem_eq(out[i].destination_data.node_id.ptr, nid[want[i]], 16);
  /* No previous hop: the Via List reversed. */
  ck_assert_int_eq(rl_msg_response_destinations(&fh, NULL, &arena, &out, &n), 0);
  ck_assert_uint_eq(n, 3);
  ck_assert_mem_eq(out[0].destination_data.node_id.ptr, nid[NC], 16);
  ck_assert_mem_eq(out[2].destination_data.node_id.ptr, nid[NA], 16);
  /* A request from a neighbour with an empty Via List goes back to it. */
  fh.via_list_count = 0;
  ck_assert_int_eq(rl_msg_response_destinations(&fh, &prev, &arena, &out, &n), 0);
  ck_assert_uint_eq(n, 1);
  ck_assert_mem_eq(out[0].destination_data.node_id.ptr, nid[ND], 16);
  /* Arena too small. */
  fh.via_list_count = 3;
  rl_arena_init(&arena, mem, 64);
  ck_assert_int_eq(rl_msg_response_destinations(&fh, &prev, &arena, &out, &n), RL_ERR_ARENA);
}
END_TEST

/* Options with RESPONSE_COPY come back with the three flags cleared; the
 * others are not copied. The response carries them on the wire. */
START_TEST(response_options_flags) {
  static uint8_t wire[8192], resp[8192], mem[4096];
  static decoded d, r;
  ping p;
  rl_arena arena;
  rl_ForwardingOption *o;
  rl_Destination *dl;
  size_t n, nd;
  make_ping(&p);
  size_t len = encode_ping(&p, wire, sizeof wire);
  ck_assert_int_eq(decode(wire, len, &d), 0);
  rl_arena_init(&arena, mem, sizeof mem);
  ck_assert_int_eq(rl_msg_response_options(&d.m.forwarding_header, &arena, &o, &n), 0);
  ck_assert_uint_eq(n, 2);
  ck_assert_uint_eq(o[0].type, 0x80);
  ck_assert_uint_eq(o[0].flags, 0);
  ck_assert_mem_eq(o[0].unknown.ptr, opt_data[0], 3);
  ck_assert_uint_eq(o[1].type, 0x81);
  ck_assert_uint_eq(o[1].flags, 0);
  ck_assert_mem_eq(o[1].unknown.ptr, opt_data[2], 3);
  /* The request is unchanged. */
  ck_assert_uint_eq(d.m.forwarding_header.options[0].flags, 0x07);

  /* A ping answer from T to the request's sender B (via [A]). */
  rl_Destination prev;
  rl_dest_node(&prev, nid[NB], 16);
  ck_assert_int_eq(rl_msg_response_destinations(&d.m.forwarding_header, &prev, &arena, &dl, &nd), 0);
  rl_msg_out m = p.m;
  rl_MessageBody body;
  memset(&body, 0, sizeof body);
  body.ping_ans.response_id = 42;
  m.message_code = RL_MessageCode_ping_ans;
  m.body = &body;
  m.destination_list = dl;
  m.destination_count = nd;
  m.via_list = NULL;
  m.via_count = 0;
  m.options = o;
  m.options_count = n;
  m.extensions_count = 0;
  m.max_response_length = 0; /* 6.3.2: "SHOULD be set to zero for responses" */
  rl_writer w;
  rl_sec_error e = {0, ""};
  rl_writer_init(&w, resp, sizeof resp, NULL);
  ck_assert_msg(rl_msg_encode_signed(&w, &m, cred1, NULL, 0, &e) == 0, "%s", e.text);
  ck_assert_int_eq(decode(resp, w.len, &r), 0);
  const rl_ForwardingHeader *h = &r.m.forwarding_header;
  ck_assert_uint_eq(h->options_count, 2);
  ck_assert_uint_eq(h->options[0].flags, 0);
  ck_assert_uint_eq(h->options[1].flags, 0);
  ck_assert_mem_eq(h->options[1].unknown.ptr, opt_data[2], 3);
  ck_assert_uint_eq(h->destination_list_count, 2);
  ck_assert_mem_eq(h->destination_list[0].destination_data.node_id.ptr, nid[NB], 16);
  ck_assert_mem_eq(h->destination_list[1].destination_data.node_id.ptr, nid[NA], 16);
  ck_assert_uint_eq(r.m.message_contents.message_body.ping_ans.response_id, 42);
  ck_assert_int_eq(verify(&r.m, NULL), 0);
  /* No option to copy. */
  rl_ForwardingHeader none;
  memset(&none, 0, sizeof none);
  ck_assert_int_eq(rl_msg_response_options(&none, &arena, &o, &n), 0);
  ck_assert_uint_eq(n, 0);
}
END_TEST

/* ---- Destination values (6.3.2.2) ---- */

START_TEST(destinations_round_trip) {
  static uint8_t wire[8192];
  static decoded d;
  ping p;
  uint8_t rid[20], opq[5], ones[16];
  rl_Destination dest[4];
  make_ping(&p);
  memset(rid, 0x5a, sizeof rid);
  memset(opq, 0x33, sizeof opq);
  memset(ones, 0xff, sizeof ones);
  rl_dest_compressed(&dest[0], 0x0abc); /* top bit forced */
  rl_dest_opaque(&dest[1], opq, sizeof opq);
  rl_dest_node(&dest[2], ones, 16);
  rl_dest_resource(&dest[3], rid, sizeof rid);
  p.m.destination_list = dest;
  p.m.destination_count = 4;
  size_t len = encode_ping(&p, wire, sizeof wire);
  ck_assert_int_eq(decode(wire, len, &d), 0);
  const rl_ForwardingHeader *h = &d.m.forwarding_header;
  ck_assert_uint_eq(h->destination_list_count, 4);
  ck_assert_uint_eq(h->destination_list_length, 2 + (2 + 1 + 5) + (2 + 16) + (2 + 1 + 20));
  ck_assert_uint_eq(h->destination_list[0].compressed, 1);
  ck_assert_uint_eq(h->destination_list[0].opaque_id, 0x8abc);
  ck_assert_uint_eq(h->destination_list[1].type, RL_DestinationType_opaque_id_type);
  ck_assert_uint_eq(h->destination_list[1].length, 6);
  ck_assert_mem_eq(h->destination_list[1].destination_data.opaque_id.ptr, opq, 5);
  ck_assert_uint_eq(h->destination_list[3].type, RL_DestinationType_resource);
  ck_assert_uint_eq(h->destination_list[3].length, 21);
  ck_assert_mem_eq(h->destination_list[3].destination_data.resource_id.ptr, rid, 20);
  for (int i = 0; i < 4; i++)
    ck_assert(rl_Destination_equal(&h->destination_list[i], &dest[i]));
  /* The wildcard (all ones, 6.1.1) and what is not. */
  ck_assert_int_eq(rl_dest_is_wildcard(&h->destination_list[2]), 1);
  ck_assert_int_eq(rl_dest_is_wildcard(&h->destination_list[0]), 0);
  ck_assert_int_eq(rl_dest_is_wildcard(&h->destination_list[3]), 0);
  ones[15] = 0xfe;
  ck_assert_int_eq(rl_dest_is_wildcard(&dest[2]), 0);
  rl_Destination r;
  memset(rid, 0xff, sizeof rid);
  rl_dest_resource(&r, rid, 16); /* a resource of all ones is not the wildcard */
  ck_assert_int_eq(rl_dest_is_wildcard(&r), 0);
}
END_TEST

/* ---- error responses (6.3.3.1, 7.4.1.2) ---- */

static void error_round_trip(const rl_MessageBody *body, uint8_t *wire, size_t cap, decoded *d) {
  ping p;
  make_ping(&p);
  p.m.message_code = RL_MessageCode_error;
  p.m.body = body;
  size_t len = encode_ping(&p, wire, cap);
  ck_assert_int_eq(decode(wire, len, d), 0);
  ck_assert_uint_eq(d->m.message_contents.message_code, 0xffff);
  ck_assert_int_eq(verify(&d->m, NULL), 0);
}

START_TEST(error_bodies) {
  static uint8_t wire[8192];
  static decoded d;
  rl_MessageBody body;
  const rl_ErrorResponse *er = &d.m.message_contents.message_body.error;
  const char *text = "no such resource: 5a5a\xc3\xa9";

  rl_msg_error_body(&body, RL_ErrorCode_Error_Not_Found, text);
  error_round_trip(&body, wire, sizeof wire, &d);
  ck_assert_uint_eq(er->error_code, RL_ErrorCode_Error_Not_Found);
  ck_assert_uint_eq(er->error_info.unknown.len, strlen(text));
  ck_assert_mem_eq(er->error_info.unknown.ptr, text, strlen(text));

  rl_msg_error_body(&body, RL_ErrorCode_Error_TTL_Exceeded, NULL);
  error_round_trip(&body, wire, sizeof wire, &d);
  ck_assert_uint_eq(er->error_code, 0x0a);
  ck_assert_uint_eq(er->error_info.unknown.len, 0);

  /* Error_Unknown_Kind: the list of KindIds; a text is ignored. */
  const rl_KindId kinds[3] = {1, 0xf0000002u, 77};
  rl_msg_error_body(&body, RL_ErrorCode_Error_Unknown_Kind, "ignored");
  error_round_trip(&body, wire, sizeof wire, &d);
  ck_assert_uint_eq(er->error_info.unknown_kinds_count, 0);
  rl_msg_error_unknown_kinds(&body, kinds, 3);
  error_round_trip(&body, wire, sizeof wire, &d);
  ck_assert_uint_eq(er->error_code, RL_ErrorCode_Error_Unknown_Kind);
  ck_assert_uint_eq(er->error_info.unknown_kinds_count, 3);
  ck_assert_uint_eq(er->error_info.unknown_kinds[1], 0xf0000002u);
  ck_assert_uint_eq(er->error_info.unknown_kinds[2], 77);

  /* Error_Generation_Counter_Too_Low: a StoreAns. */
  rl_StoreKindResponse kr;
  rl_StoreAns ans;
  memset(&kr, 0, sizeof kr);
  memset(&ans, 0, sizeof ans);
  kr.kind = 1;
  kr.generation_counter = 991;
  ans.kind_responses = &kr;
  ans.kind_responses_count = 1;
  rl_msg_error_generation_counter(&body, &ans);
  error_round_trip(&body, wire, sizeof wire, &d);
  ck_assert_uint_eq(er->error_code, RL_ErrorCode_Error_Generation_Counter_Too_Low);
  ck_assert_uint_eq(er->error_info.store_ans.kind_responses_count, 1);
  ck_assert(er->error_info.store_ans.kind_responses[0].generation_counter == 991);
  ck_assert_uint_eq(er->error_info.store_ans.kind_responses[0].replicas_count, 0);
}
END_TEST

int main(void) {
  testkeys_init();
  setup();
  Suite *s = suite_create("peer_msg");
  TCase *t = tcase_create("signed");
  tcase_set_timeout(t, 30);
  tcase_add_test(t, signed_round_trip);
  tcase_add_test(t, tampered_message_fails);
  tcase_add_test(t, encode_into_short_buffers);
  suite_add_tcase(s, t);
  TCase *f = tcase_create("forwarding");
  tcase_set_timeout(f, 30);
  tcase_add_test(f, parse_header_whole_and_errors);
  tcase_add_test(f, rewrite_keeps_contents_and_signature);
  tcase_add_test(f, rewrite_fragment);
  suite_add_tcase(s, f);
  TCase *r = tcase_create("responses");
  tcase_set_timeout(r, 30);
  tcase_add_test(r, response_destinations_example);
  tcase_add_test(r, response_options_flags);
  tcase_add_test(r, destinations_round_trip);
  tcase_add_test(r, error_bodies);
  suite_add_tcase(s, r);
  SRunner *sr = srunner_create(s);
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
