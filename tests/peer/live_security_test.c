/* live_security_test.c: the reference peer (src/peer/node.h) under attack
 * over a live TLS link (RFC 6940 6.6.5): forged and untrusted signatures
 * (6.3.4, 13.3), certificates from another CA and certificates whose
 * Node-ID is not the one claimed (6.5.1.11, 11.3), stores against each
 * access control policy (7.3, 7.4.1.1), oversized (6.6), malformed,
 * truncated and randomly mutated messages, the forwarding header's checks
 * (6.3.2: TTL, version, overlay, configuration sequence 6.3.2.1,
 * forwarding options 6.3.2.3), the fragment field's high bit (6.7),
 * duplicate Destination List entries (13.6.5), unknown select types
 * (6.3.1.1), extensions (6.3.3), unknown message codes (6.3.3.1), Join
 * and Leave for another Node-ID or over another node's link (6.4.2.1,
 * 6.4.2.2), an unsigned ConfigUpdate (6.5.4, 11.1) and retransmissions
 * (6.2.1).
 *
 * Each case runs in its own process (Check's fork mode): a fresh peer
 * that starts the overlay alone, and alice attached to it over TLS; the
 * attacker's messages are built with rl_msg_encode_signed and then, for
 * most cases, changed byte by byte. The keys are made once, in main.
 * Under valgrind, give the cases more time: CK_TIMEOUT_MULTIPLIER=5. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <check.h>
#include <endian.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec/message.h"
#include "gen/reload_codec.h"
#include "overlay/chord.h"
#include "peer/msg.h"
#include "peer/node.h"
#include "runtime/arena.h"
#include "runtime/ctx.h"
#include "live_harness.h"

/* Long enough for valgrind; answers normally take milliseconds. */
#define ANSWER_MS 5000

static rl_node *peer;
static uint16_t peer_port;
static live_atk *alice;
static uint8_t arena_mem[1u << 16];
static rl_arena arena;
static uint8_t buf[1u << 17];

static void setup(void) {
  peer = live_peer_start(LIVE_PEER, 0, &peer_port);
  ck_assert_msg(rl_node_ready(peer), "a first peer is part of its ring at once (6.4.2.1)");
  alice = live_atk_new(LIVE_ALICE, 0);
  live_atk_attach(alice, peer_port);
  rl_arena_init(&arena, arena_mem, sizeof arena_mem);
}

static void teardown(void) {
  live_atk_free(alice);
  live_peer_free(peer);
}

/* Another attacker linked to the peer and known to it by its Node-ID. */
static live_atk *attach(int who) {
  live_atk *a = live_atk_new(who, 0);
  live_atk_attach(a, peer_port);
  return a;
}

/* Decode a message we built, to find the offsets of its parts. */
static void parse_own(const uint8_t *msg, size_t len, rl_Message *m) {
  static uint8_t mem[1u << 16];
  rl_arena a;
  rl_ctx ctx;
  rl_arena_init(&a, mem, sizeof mem);
  rl_ctx_init(&ctx, &a, &live_w.params);
  ck_assert_int_eq(rl_message_parse(msg, len, &ctx, m), 0);
}

/* Send raw bytes, then a Ping on the same link: returns the code of the
 * answer to the raw message (0: none came before the Ping's answer, which
 * also proves the link is still up and the peer still answers; answers
 * on one link come in order). */
static int raw_then_ping(live_atk *a, const uint8_t *msg, size_t len, uint64_t txid) {
  live_ans *ans = malloc(sizeof *ans);
  int code = 0;
  ck_assert(ans != NULL);
  live_send_raw(a, msg, len);
  ck_assert_msg(live_ping(a, LIVE_PEER, ANSWER_MS) == RL_MessageCode_ping_ans,
                "the peer no longer answers a Ping on the same link");
  if (live_count(a, txid) > 0) {
    ck_assert(live_wait(a, txid, 0, ans));
    ck_assert_msg(ans->verified, "answer not signed by a trusted certificate");
    code = ans->m.message_contents.message_code;
    if (code == RL_MessageCode_error) code = LIVE_ERR(live_error_code(ans));
    live_ans_clear(ans);
  }
  free(ans);
  return code;
}

static void ping_padding(live_req *r, const char *text) {
  r->body.ping_req.padding.ptr = (const uint8_t *)text;
  r->body.ping_req.padding.len = strlen(text);
}

/* ---------------------------------------------------------------- */
/* Signatures (6.3.4, 13.3)                                           */

/* 6.3.4: the signature covers overlay || transaction_id ||
 * MessageContents || SignerIdentity; a peer verifies it before acting
 * (13.3) and refuses the request with Error_Forbidden (6.3.3.1: "does not
 * have permission to make this request"). */
/* Encode r afresh (a new transaction ID) and find its signature value and
 * Ping padding (the offsets move with the signature's length). */
static size_t encode_ping(live_req *r, size_t *sig_off, size_t *pad_off) {
  rl_Message m;
  size_t len;
  r->txid = live_txid();
  len = live_encode(r, buf, sizeof buf);
  parse_own(buf, len, &m);
  *sig_off = (size_t)(m.security_block.signature.signature_value.ptr - buf);
  *pad_off = (size_t)(m.message_contents.message_body.ping_req.padding.ptr - buf);
  return len;
}

START_TEST(forged_signature) {
  live_req r;
  size_t len, sig_off, pad_off;
  uint64_t txid;
  live_req_init(&r, LIVE_ALICE, LIVE_PEER, RL_MessageCode_ping_req);
  ping_padding(&r, "padding signed by alice");
  len = encode_ping(&r, &sig_off, &pad_off);
  ck_assert_int_eq(raw_then_ping(alice, buf, len, r.txid), RL_MessageCode_ping_ans);
  /* One bit of the signature value. */
  len = encode_ping(&r, &sig_off, &pad_off);
  buf[sig_off + 7] ^= 0x01;
  ck_assert_int_eq(raw_then_ping(alice, buf, len, r.txid),
                   LIVE_ERR(RL_ErrorCode_Error_Forbidden));
  /* The signed contents changed after signing. */
  len = encode_ping(&r, &sig_off, &pad_off);
  buf[pad_off] ^= 0x20;
  ck_assert_int_eq(raw_then_ping(alice, buf, len, r.txid),
                   LIVE_ERR(RL_ErrorCode_Error_Forbidden));
  /* The transaction ID is signed too (6.3.4). */
  len = encode_ping(&r, &sig_off, &pad_off);
  buf[27] ^= 0x01; /* last byte of transaction_id (offset 20..27, 6.3.2) */
  memcpy(&txid, buf + 20, 8);
  txid = be64toh(txid);
  ck_assert_int_eq(raw_then_ping(alice, buf, len, txid),
                   LIVE_ERR(RL_ErrorCode_Error_Forbidden));
  /* The same with a P-256 signer (carol), whose signature is ECDSA. */
  live_req_init(&r, LIVE_CAROL, LIVE_PEER, RL_MessageCode_ping_req);
  ping_padding(&r, "padding signed by carol");
  len = encode_ping(&r, &sig_off, &pad_off);
  ck_assert_int_eq(raw_then_ping(alice, buf, len, r.txid), RL_MessageCode_ping_ans);
  len = encode_ping(&r, &sig_off, &pad_off);
  buf[len - 3] ^= 0x10; /* in the integer s of the DER ECDSA-Sig-Value */
  ck_assert_int_eq(raw_then_ping(alice, buf, len, r.txid),
                   LIVE_ERR(RL_ErrorCode_Error_Forbidden));
}
END_TEST

/* 13.3, 11.3: the signer's certificate must chain to a root-cert of the
 * overlay, even when the TLS link itself is authenticated. */
START_TEST(untrusted_message_signer) {
  live_req r;
  rl_Message m;
  size_t len, sb_off, sig_len, keep;
  live_req_init(&r, LIVE_MALLORY, LIVE_PEER, RL_MessageCode_ping_req);
  ck_assert_int_eq(live_exchange(alice, &r, ANSWER_MS), LIVE_ERR(RL_ErrorCode_Error_Forbidden));

  /* A signer whose certificate is neither in the SecurityBlock nor known
   * to the peer: carol's certificate taken out (certificates<0..2^16-1>
   * empty), the signature left valid. */
  live_req_init(&r, LIVE_CAROL, LIVE_PEER, RL_MessageCode_ping_req);
  len = live_encode(&r, buf, sizeof buf);
  parse_own(buf, len, &m);
  sb_off = (size_t)(m.security_block.raw.ptr - buf);
  sig_len = m.security_block.signature.raw.len;
  keep = (size_t)(m.security_block.signature.raw.ptr - buf);
  buf[sb_off] = 0;
  buf[sb_off + 1] = 0;
  memmove(buf + sb_off + 2, buf + keep, sig_len);
  len = sb_off + 2 + sig_len;
  live_fix_length(buf, len);
  ck_assert_int_eq(raw_then_ping(alice, buf, len, r.txid),
                   LIVE_ERR(RL_ErrorCode_Error_Forbidden));
  /* Control: the same with the certificate is accepted. */
  live_req_init(&r, LIVE_CAROL, LIVE_PEER, RL_MessageCode_ping_req);
  ck_assert_int_eq(live_exchange(alice, &r, ANSWER_MS), RL_MessageCode_ping_ans);
}
END_TEST

/* A SecurityBlock whose first certificate is not DER (6.3.4: X.509
 * certificates). The signer, alice, is known to the peer from her earlier
 * messages (its certificates are cached, 6.3.4), so the message is
 * accepted; the certificate that does not parse is only skipped. */
START_TEST(garbage_certificate_in_security_block) {
  live_req r;
  rl_Message m;
  static uint8_t out[1u << 16];
  static const uint8_t junk[] = {0x00, 0x00, 0x05, 0x30, 0x82, 0xff, 0xff, 0x01};
  size_t len, sb_off, certs_off, certs_len, sig_off, sig_len, k;
  live_req_init(&r, LIVE_ALICE, LIVE_PEER, RL_MessageCode_ping_req);
  len = live_encode(&r, buf, sizeof buf);
  parse_own(buf, len, &m);
  ck_assert_uint_eq(m.security_block.certificates_count, 1);
  sb_off = (size_t)(m.security_block.raw.ptr - buf);
  certs_off = sb_off + 2;
  certs_len = (size_t)(m.security_block.certificates[0].raw.len);
  sig_off = (size_t)(m.security_block.signature.raw.ptr - buf);
  sig_len = m.security_block.signature.raw.len;
  /* GenericCertificate {type X509(0), certificate<0..2^16-1> of 5 bytes
   * that start a DER SEQUENCE and stop}, then alice's. */
  memcpy(out, buf, sb_off);
  k = sb_off;
  out[k++] = (uint8_t)((sizeof junk + certs_len) >> 8);
  out[k++] = (uint8_t)(sizeof junk + certs_len);
  memcpy(out + k, junk, sizeof junk);
  k += sizeof junk;
  memcpy(out + k, buf + certs_off, certs_len);
  k += certs_len;
  memcpy(out + k, buf + sig_off, sig_len);
  k += sig_len;
  live_fix_length(out, k);
  ck_assert_int_eq(raw_then_ping(alice, out, k, r.txid), RL_MessageCode_ping_ans);
}
END_TEST

/* 6.6.5, 11.3: links are mutually authenticated; a client certificate
 * from another CA is refused during the handshake. With TLS 1.3 the
 * client may see its handshake finish before the server's alert: then
 * nothing it sends is answered and the link closes. */
START_TEST(tls_certificate_other_ca) {
  live_atk *m = live_atk_new(LIVE_MALLORY, 0);
  rl_node_status st0, st1;
  live_req r;
  rl_node_get_status(peer, &st0);
  live_req_init(&r, LIVE_MALLORY, LIVE_PEER, RL_MessageCode_ping_req);
  if (live_atk_connect(m, peer_port, ANSWER_MS)) {
    /* Up on our side only (TLS 1.3): what we send is not answered. */
    ck_assert_int_eq(rl_link_send(m->link, buf, live_encode(&r, buf, sizeof buf)), 0);
  }
  ck_assert_msg(live_wait_closed(m, 0, ANSWER_MS),
                "a link with a certificate of another CA stayed up");
  ck_assert_msg(m->why == RL_LINK_FAIL_CERT || m->why == RL_LINK_FAIL_TLS ||
                    m->why == RL_LINK_FAIL_EOF || m->why == RL_LINK_FAIL_IO,
                "closed for %s: %s", rl_link_fail_name(m->why), m->detail);
  ck_assert_int_eq(live_count(m, r.txid), 0);
  rl_node_get_status(peer, &st1);
  ck_assert_uint_eq(st1.requests_in, st0.requests_in);
  /* The peer is unharmed. */
  ck_assert_int_eq(live_ping(alice, LIVE_PEER, ANSWER_MS), RL_MessageCode_ping_ans);
  live_atk_free(m);
}
END_TEST

/* ---------------------------------------------------------------- */
/* Node-IDs and certificates (6.5.1.11, 11.3)                         */

/* A host candidate on 127.0.0.1 (6.5.1.1; No-ICE: TLS-TCP-FH-NO-ICE),
 * with the priority of 6.5.1.6 for a host candidate. */
static void loopback_candidate(rl_IceCandidate *cand, uint16_t port) {
  memset(cand, 0, sizeof *cand);
  cand->addr_port.type = RL_AddressType_ipv4_address;
  cand->addr_port.length = 6;
  cand->addr_port.v4addr_port.addr = INADDR_LOOPBACK;
  cand->addr_port.v4addr_port.port = port;
  cand->overlay_link = RL_OverlayLinkType_TLS_TCP_FH_NO_ICE;
  cand->foundation.ptr = (const uint8_t *)"1";
  cand->foundation.len = 1;
  cand->priority = (126u << 24) | (65535u << 8) | 255u;
  cand->type = RL_CandType_host;
}

/* A joining peer (peer2) whose bootstrap node is alice (an attacker)
 * Attaches to its Admitting Peer (10.5); alice answers the AttachReq as
 * bob, pointing at a listener that presents `presented`'s certificate.
 * 6.5.1.11 (No-ICE): "the node MUST verify that the certificate ... has
 * the Node-ID of the peer that answered". Returns 1 when peer2 kept the
 * link and its topology took it for bob's (10.5 goes on), 0 when peer2
 * closed it and did not. */
typedef struct attach_wait {
  rl_node *p2;
  live_atk *ap;
} attach_wait;

static int attach_settled(void *arg) {
  attach_wait *w = arg;
  return w->ap->closes > 0 ||
         rl_chord_is_connected(rl_node_chord(w->p2), live_w.cred[LIVE_BOB]->node_id);
}

static int attach_answered_with(int presented) {
  live_atk *boot = live_atk_new(LIVE_ALICE, 0), *ap = live_atk_new(presented, 0);
  live_ans *req = malloc(sizeof *req);
  rl_node *p2;
  live_req r;
  rl_IceCandidate cand;
  attach_wait w;
  int kept;
  ck_assert(req != NULL);
  live_atk_listen(boot);
  live_atk_listen(ap);
  p2 = live_peer_start(LIVE_PEER2, boot->lport, NULL);
  ck_assert_msg(live_wait_code(boot, RL_MessageCode_attach_req, ANSWER_MS, req),
                "the joining peer sent no AttachReq through its bootstrap node");
  ck_assert(req->verified);
  ck_assert(memcmp(req->signer, live_w.cred[LIVE_PEER2]->node_id, LIVE_ID_LEN) == 0);
  /* 6.2.2: the answer retraces the request: Destination List [peer2]. */
  live_req_init(&r, LIVE_BOB, LIVE_PEER2, RL_MessageCode_attach_ans);
  r.txid = req->m.forwarding_header.transaction_id;
  loopback_candidate(&cand, ap->lport);
  r.body.attach_ans.ufrag = req->m.message_contents.message_body.attach_req.ufrag;
  r.body.attach_ans.password = req->m.message_contents.message_body.attach_req.password;
  r.body.attach_ans.role.ptr = (const uint8_t *)"passive";
  r.body.attach_ans.role.len = 7;
  r.body.attach_ans.candidates = &cand;
  r.body.attach_ans.candidates_count = 1;
  live_send(boot, &r);
  live_ans_clear(req);
  /* peer2 connects to the candidate; then it closes the link (wrong
   * Node-ID) or its topology takes it as bob's. */
  w.p2 = p2;
  w.ap = ap;
  ck_assert_msg(live_pump_until(attach_settled, &w, ANSWER_MS),
                "peer2 neither used nor closed the link to the Attach candidate");
  live_pump_until(NULL, NULL, 100);
  ck_assert_msg(ap->ups + ap->closes > 0, "peer2 never connected to the Attach candidate");
  kept = rl_chord_is_connected(rl_node_chord(p2), live_w.cred[LIVE_BOB]->node_id);
  ck_assert_int_eq(ap->closes == 0, kept);
  live_peer_free(p2);
  live_atk_free(boot);
  live_atk_free(ap);
  free(req);
  return kept;
}

START_TEST(attach_answer_node_id_mismatch) {
  /* bob answered; carol's certificate shows up: refused. */
  ck_assert_int_eq(attach_answered_with(LIVE_CAROL), 0);
}
END_TEST

START_TEST(attach_answer_node_id_match) {
  /* Control: bob answered and bob's certificate shows up. */
  ck_assert_int_eq(attach_answered_with(LIVE_BOB), 1);
}
END_TEST

/* An AttachReq body (6.5.1.1) offering one No-ICE candidate that is
 * never used (port 9): the tests connect themselves. */
static void attach_req_body(live_req *r, rl_IceCandidate *cand) {
  loopback_candidate(cand, 9);
  r->body.attach_req.ufrag.ptr = (const uint8_t *)"ufrag";
  r->body.attach_req.ufrag.len = 5;
  r->body.attach_req.password.ptr = (const uint8_t *)"password-password-pass";
  r->body.attach_req.password.len = 22;
  r->body.attach_req.role.ptr = (const uint8_t *)"passive";
  r->body.attach_req.role.len = 7;
  r->body.attach_req.candidates = cand;
  r->body.attach_req.candidates_count = 1;
}

/* An AttachReq signed by bob, then a link whose certificate is carol's:
 * the peer binds a link to the Node-ID of its certificate (11.3), so the
 * chord never takes carol's link for bob's (6.5.1.11). Control: bob's own
 * certificate makes bob a connected neighbour. */
static int attach_then_connect(int presented) {
  live_req r;
  rl_IceCandidate cand;
  live_atk *x;
  int connected;
  live_req_init(&r, LIVE_BOB, LIVE_PEER, RL_MessageCode_attach_req);
  attach_req_body(&r, &cand);
  ck_assert_int_eq(live_exchange(alice, &r, ANSWER_MS), RL_MessageCode_attach_ans);
  x = live_atk_new(presented, 0);
  ck_assert(live_atk_connect(x, peer_port, ANSWER_MS));
  live_pump_until(NULL, NULL, 300);
  connected = rl_chord_is_connected(rl_node_chord(peer), live_w.cred[LIVE_BOB]->node_id);
  live_atk_free(x);
  return connected;
}

START_TEST(attach_then_link_with_other_node_id) {
  ck_assert_int_eq(attach_then_connect(LIVE_CAROL), 0);
}
END_TEST

START_TEST(attach_then_link_with_same_node_id) {
  ck_assert_int_eq(attach_then_connect(LIVE_BOB), 1);
}
END_TEST

/* 6.4.2.1, 6.4.2.2: "Receivers of the JoinReq [LeaveReq] MUST verify that
 * the joining_peer_id [leaving_peer_id] field matches the Node-ID used to
 * sign the message and, if not, the message MUST be rejected with an
 * Error_Forbidden error." And for Leave: "receiving peers MUST verify that
 * any LeaveReq they receive arrives from a transport channel that is
 * bound to the Node-ID to be assumed by the leaving peer." */
static void leave_body(live_req *r, int who) {
  r->body.leave_req.leaving_peer_id.ptr = live_w.cred[who]->node_id;
  r->body.leave_req.leaving_peer_id.len = LIVE_ID_LEN;
  r->body.leave_req.overlay_specific_data.topology = RL_TopologyPlugin_CHORD_RELOAD;
  r->body.leave_req.overlay_specific_data.chord_leave_data.type = RL_ChordLeaveType_from_succ;
}

START_TEST(join_leave_for_another_node_id) {
  live_req r;
  live_req_init(&r, LIVE_ALICE, LIVE_PEER, RL_MessageCode_join_req);
  r.body.join_req.joining_peer_id.ptr = live_w.cred[LIVE_BOB]->node_id;
  r.body.join_req.joining_peer_id.len = LIVE_ID_LEN;
  ck_assert_int_eq(live_exchange(alice, &r, ANSWER_MS), LIVE_ERR(RL_ErrorCode_Error_Forbidden));
  live_req_init(&r, LIVE_ALICE, LIVE_PEER, RL_MessageCode_leave_req);
  leave_body(&r, LIVE_BOB);
  ck_assert_int_eq(live_exchange(alice, &r, ANSWER_MS), LIVE_ERR(RL_ErrorCode_Error_Forbidden));
}
END_TEST

/* The error_info text of an ErrorResponse (6.3.3.1), NUL-terminated. */
static void error_text(const live_ans *a, char *out, size_t cap) {
  const rl_bytes *t = &a->m.message_contents.message_body.error.error_info.raw;
  size_t k = t->len < cap - 1 ? t->len : cap - 1;
  memcpy(out, t->ptr, k);
  out[k] = 0;
}

/* 6.4.2.1: "Because joins may be executed only between nodes which are
 * directly adjacent, receiving peers MUST verify that any JoinReq they
 * receive arrives from a transport channel that is bound to the Node-ID
 * to be assumed by the Joining Node." bob attaches over his own link
 * (10.5 step 2; 11.4: a Joining Node Attaches before it Joins), then his
 * JoinReq comes over alice's link: Error_Forbidden. alice's own JoinReq
 * without an Attach is refused too, and the reason says why. Control:
 * bob's JoinReq over his own link is admitted (the peer is alone, so it
 * is everyone's Admitting Peer). */
START_TEST(join_over_another_nodes_link) {
  live_atk *bob = attach(LIVE_BOB);
  live_ans *ans = malloc(sizeof *ans);
  rl_IceCandidate cand;
  live_req r;
  char text[256];
  ck_assert(ans != NULL);
  live_req_init(&r, LIVE_BOB, LIVE_PEER, RL_MessageCode_attach_req);
  attach_req_body(&r, &cand);
  ck_assert_int_eq(live_exchange(bob, &r, ANSWER_MS), RL_MessageCode_attach_ans);
  live_req_init(&r, LIVE_BOB, LIVE_PEER, RL_MessageCode_join_req);
  r.body.join_req.joining_peer_id.ptr = live_w.cred[LIVE_BOB]->node_id;
  r.body.join_req.joining_peer_id.len = LIVE_ID_LEN;
  ck_assert_int_eq(live_exchange(alice, &r, ANSWER_MS), LIVE_ERR(RL_ErrorCode_Error_Forbidden));
  /* alice never attached. */
  live_req_init(&r, LIVE_ALICE, LIVE_PEER, RL_MessageCode_join_req);
  r.body.join_req.joining_peer_id.ptr = live_w.cred[LIVE_ALICE]->node_id;
  r.body.join_req.joining_peer_id.len = LIVE_ID_LEN;
  live_send(alice, &r);
  ck_assert(live_wait(alice, r.txid, ANSWER_MS, ans));
  ck_assert_int_eq(live_error_code(ans), RL_ErrorCode_Error_Forbidden);
  error_text(ans, text, sizeof text);
  ck_assert_msg(strstr(text, "Attach") != NULL, "reason: %s", text);
  live_ans_clear(ans);
  /* Control. */
  live_req_init(&r, LIVE_BOB, LIVE_PEER, RL_MessageCode_join_req);
  r.body.join_req.joining_peer_id.ptr = live_w.cred[LIVE_BOB]->node_id;
  r.body.join_req.joining_peer_id.len = LIVE_ID_LEN;
  ck_assert_int_eq(live_exchange(bob, &r, ANSWER_MS), RL_MessageCode_join_ans);
  free(ans);
  live_atk_free(bob);
}
END_TEST

/* bob's own, validly signed LeaveReq, replayed by alice over her link. */
START_TEST(leave_over_another_nodes_link) {
  live_atk *bob = attach(LIVE_BOB);
  live_req r;
  live_req_init(&r, LIVE_BOB, LIVE_PEER, RL_MessageCode_leave_req);
  leave_body(&r, LIVE_BOB);
  ck_assert_int_eq(live_exchange(alice, &r, ANSWER_MS), LIVE_ERR(RL_ErrorCode_Error_Forbidden));
  /* Control: over bob's own link it is not refused as forbidden. */
  r.txid = live_txid();
  ck_assert_int_ne(live_exchange(bob, &r, ANSWER_MS), LIVE_ERR(RL_ErrorCode_Error_Forbidden));
  live_atk_free(bob);
}
END_TEST

/* ---------------------------------------------------------------- */
/* Access control policies (7.3, 7.4.1.1)                             */

static int store(int msg_signer, int value_signer, const uint8_t *rid, rl_KindId kind,
                 const uint8_t *key, size_t key_len) {
  live_req r;
  live_req_init(&r, msg_signer, LIVE_PEER, RL_MessageCode_store_req);
  rl_dest_resource(&r.dest[0], rid, LIVE_ID_LEN);
  live_store_body(&r.body, value_signer, rid, kind, key, key_len, "value", &arena);
  if (value_signer != msg_signer) {
    /* 6.3.4: the certificates needed to verify the contents travel in
     * the SecurityBlock. */
    r.extra[0] = live_w.cred[value_signer]->cert;
    r.nextra = 1;
  }
  return live_exchange(alice, &r, ANSWER_MS);
}

#define FORBIDDEN LIVE_ERR(RL_ErrorCode_Error_Forbidden)
#define STORED RL_MessageCode_store_ans

/* 7.3.1 USER-MATCH: H(user name of the signer) is the Resource-ID. */
START_TEST(policy_user_match) {
  uint8_t mine[LIVE_ID_LEN], bobs[LIVE_ID_LEN];
  live_resource_user(LIVE_ALICE, mine);
  live_resource_user(LIVE_BOB, bobs);
  ck_assert_int_eq(store(LIVE_ALICE, LIVE_ALICE, mine, LIVE_KIND_USER, NULL, 0), STORED);
  ck_assert_int_eq(store(LIVE_ALICE, LIVE_ALICE, mine, LIVE_KIND_USER_ARRAY, NULL, 0), STORED);
  ck_assert_int_eq(store(LIVE_ALICE, LIVE_ALICE, bobs, LIVE_KIND_USER, NULL, 0), FORBIDDEN);
  ck_assert_int_eq(store(LIVE_ALICE, LIVE_ALICE, bobs, LIVE_KIND_USER_ARRAY, NULL, 0), FORBIDDEN);
  /* H(Node-ID) is not H(user name). */
  live_resource_node(LIVE_ALICE, 0, bobs);
  ck_assert_int_eq(store(LIVE_ALICE, LIVE_ALICE, bobs, LIVE_KIND_USER, NULL, 0), FORBIDDEN);
}
END_TEST

/* 7.3.2 NODE-MATCH: H(Node-ID of the signer). */
START_TEST(policy_node_match) {
  uint8_t mine[LIVE_ID_LEN], other[LIVE_ID_LEN];
  live_resource_node(LIVE_ALICE, 0, mine);
  ck_assert_int_eq(store(LIVE_ALICE, LIVE_ALICE, mine, LIVE_KIND_NODE, NULL, 0), STORED);
  live_resource_node(LIVE_BOB, 0, other);
  ck_assert_int_eq(store(LIVE_ALICE, LIVE_ALICE, other, LIVE_KIND_NODE, NULL, 0), FORBIDDEN);
  live_resource_user(LIVE_ALICE, other);
  ck_assert_int_eq(store(LIVE_ALICE, LIVE_ALICE, other, LIVE_KIND_NODE, NULL, 0), FORBIDDEN);
}
END_TEST

/* 7.3.3 USER-NODE-MATCH: H(user name), and the dictionary key is the
 * signer's Node-ID. */
START_TEST(policy_user_node_match) {
  uint8_t mine[LIVE_ID_LEN], bobs[LIVE_ID_LEN];
  const uint8_t *alice_id = live_w.cred[LIVE_ALICE]->node_id;
  const uint8_t *bob_id = live_w.cred[LIVE_BOB]->node_id;
  live_resource_user(LIVE_ALICE, mine);
  live_resource_user(LIVE_BOB, bobs);
  ck_assert_int_eq(store(LIVE_ALICE, LIVE_ALICE, mine, LIVE_KIND_USER_NODE, alice_id, LIVE_ID_LEN),
                   STORED);
  ck_assert_int_eq(store(LIVE_ALICE, LIVE_ALICE, mine, LIVE_KIND_USER_NODE, bob_id, LIVE_ID_LEN),
                   FORBIDDEN);
  ck_assert_int_eq(store(LIVE_ALICE, LIVE_ALICE, bobs, LIVE_KIND_USER_NODE, alice_id, LIVE_ID_LEN),
                   FORBIDDEN);
  ck_assert_int_eq(store(LIVE_ALICE, LIVE_ALICE, mine, LIVE_KIND_USER_NODE,
                         (const uint8_t *)"not-a-node-id", 13),
                   FORBIDDEN);
}
END_TEST

/* 7.3.4 NODE-MULTIPLE: H(Node-ID || i) for i in 1..max-node-multiple. */
START_TEST(policy_node_multiple) {
  uint8_t rid[LIVE_ID_LEN];
  for (uint8_t i = 1; i <= LIVE_NODE_MULTIPLE; i++) {
    live_resource_node(LIVE_ALICE, i, rid);
    ck_assert_int_eq(store(LIVE_ALICE, LIVE_ALICE, rid, LIVE_KIND_MULTIPLE, NULL, 0), STORED);
  }
  live_resource_node(LIVE_ALICE, LIVE_NODE_MULTIPLE + 1, rid);
  ck_assert_int_eq(store(LIVE_ALICE, LIVE_ALICE, rid, LIVE_KIND_MULTIPLE, NULL, 0), FORBIDDEN);
  live_resource_node(LIVE_BOB, 1, rid);
  ck_assert_int_eq(store(LIVE_ALICE, LIVE_ALICE, rid, LIVE_KIND_MULTIPLE, NULL, 0), FORBIDDEN);
  live_resource_node(LIVE_ALICE, 0, rid); /* NODE-MATCH's form: i is not optional */
  ck_assert_int_eq(store(LIVE_ALICE, LIVE_ALICE, rid, LIVE_KIND_MULTIPLE, NULL, 0), FORBIDDEN);
}
END_TEST

/* 7.3: "in a non-replica store, both the signer of the StoredValue and
 * the signer of the StoreReq MUST conform to the policy"; 7.4.1.1: a
 * value whose signature does not verify is Error_Forbidden. */
START_TEST(policy_both_signers_and_value_signature) {
  uint8_t alices[LIVE_ID_LEN], bobs[LIVE_ID_LEN];
  live_req r;
  live_resource_user(LIVE_ALICE, alices);
  live_resource_user(LIVE_BOB, bobs);
  /* bob's value at alice's Resource-ID, in alice's StoreReq. */
  ck_assert_int_eq(store(LIVE_ALICE, LIVE_BOB, alices, LIVE_KIND_USER, NULL, 0), FORBIDDEN);
  /* bob's value at bob's Resource-ID, in alice's StoreReq. */
  ck_assert_int_eq(store(LIVE_ALICE, LIVE_BOB, bobs, LIVE_KIND_USER, NULL, 0), FORBIDDEN);
  /* Control: bob's own StoreReq. */
  ck_assert_int_eq(store(LIVE_BOB, LIVE_BOB, bobs, LIVE_KIND_USER, NULL, 0), STORED);
  /* A value signature broken before the message is signed. */
  live_req_init(&r, LIVE_ALICE, LIVE_PEER, RL_MessageCode_store_req);
  rl_dest_resource(&r.dest[0], alices, LIVE_ID_LEN);
  live_store_body(&r.body, LIVE_ALICE, alices, LIVE_KIND_USER, NULL, 0, "value", &arena);
  ((uint8_t *)r.body.store_req.kind_data[0].values[0].signature.signature_value.ptr)[3] ^= 0x40;
  ck_assert_int_eq(live_exchange(alice, &r, ANSWER_MS), FORBIDDEN);
}
END_TEST

/* ---------------------------------------------------------------- */
/* Size and form (6.6, 6.3)                                           */

/* 6.6: "If a peer receives a message that is larger than
 * max-message-size, it SHOULD send an Error_Message_Too_Large error and
 * then close the TLS or DTLS session." */
static void oversized(size_t pad_len) {
  live_req r;
  char *pad = malloc(pad_len + 1);
  live_ans *ans = malloc(sizeof *ans);
  int got;
  ck_assert(ans && pad);
  memset(pad, 'x', pad_len);
  pad[pad_len] = 0;
  live_req_init(&r, LIVE_ALICE, LIVE_PEER, RL_MessageCode_ping_req);
  ping_padding(&r, pad);
  live_send(alice, &r);
  /* The answer, if any, comes before the close. */
  ck_assert_msg(live_wait_closed(alice, 0, ANSWER_MS),
                "the link stayed up after a message of %zu bytes", pad_len);
  got = live_wait(alice, r.txid, 0, ans);
  ck_assert_msg(got, "no Error_Message_Too_Large for a message of %zu bytes before the link "
                "closed (%s: %s)", pad_len, rl_link_fail_name(alice->why), alice->detail);
  ck_assert(ans->verified);
  ck_assert_int_eq(live_error_code(ans), RL_ErrorCode_Error_Message_Too_Large);
  live_ans_clear(ans);
  free(ans);
  free(pad);
  /* The peer itself is fine: a new link works. */
  live_atk_attach(alice, peer_port);
}

/* 6.6: "If a peer receives a message that is larger than
 * max-message-size, it SHOULD send an Error_Message_Too_Large error and
 * then close the TLS or DTLS session." A little over the limit (the whole
 * message is in the receive buffer), and far over it (only its start is). */
START_TEST(oversized_message) {
  oversized(LIVE_MAX_MESSAGE + 500);
}
END_TEST

START_TEST(oversized_message_far) {
  oversized(60000);
}
END_TEST

/* 6.3.3.1 Error_Invalid_Message: a MessageContents that does not decode
 * (a PingReq's bytes under the StoreReq code). The link stays up. */
START_TEST(malformed_contents) {
  live_req r;
  rl_Message m;
  size_t len, code_off;
  live_req_init(&r, LIVE_ALICE, LIVE_PEER, RL_MessageCode_ping_req);
  ping_padding(&r, "not a StoreReq");
  len = live_encode(&r, buf, sizeof buf);
  parse_own(buf, len, &m);
  code_off = (size_t)(m.message_contents.raw.ptr - buf);
  buf[code_off] = 0;
  buf[code_off + 1] = RL_MessageCode_store_req;
  ck_assert_int_eq(raw_then_ping(alice, buf, len, r.txid),
                   LIVE_ERR(RL_ErrorCode_Error_Invalid_Message));
}
END_TEST

/* A StoreReq cut short with the ForwardingHeader's length fixed up: the
 * header is sound, the rest does not decode: Error_Invalid_Message. */
START_TEST(truncated_body) {
  uint8_t rid[LIVE_ID_LEN];
  live_req r;
  rl_Message m;
  size_t len, cuts[4], contents_end;
  live_resource_user(LIVE_ALICE, rid);
  live_req_init(&r, LIVE_ALICE, LIVE_PEER, RL_MessageCode_store_req);
  rl_dest_resource(&r.dest[0], rid, LIVE_ID_LEN);
  live_store_body(&r.body, LIVE_ALICE, rid, LIVE_KIND_USER, NULL, 0, "value", &arena);
  len = live_encode(&r, buf, sizeof buf);
  parse_own(buf, len, &m);
  contents_end = (size_t)(m.message_contents.raw.ptr - buf) + m.message_contents.raw.len;
  cuts[0] = len - 1;                       /* in the signature */
  cuts[1] = contents_end + 3;              /* in the SecurityBlock's certificates */
  cuts[2] = contents_end - 10;             /* in the StoreReq */
  cuts[3] = (size_t)(m.message_contents.raw.ptr - buf) + 2; /* just the message code */
  for (size_t i = 0; i < 4; i++) {
    r.txid = live_txid();
    len = live_encode(&r, buf, sizeof buf);
    live_fix_length(buf, cuts[i]);
    ck_assert_msg(raw_then_ping(alice, buf, cuts[i], r.txid) ==
                      LIVE_ERR(RL_ErrorCode_Error_Invalid_Message),
                  "cut at %zu of %zu (case %zu)", cuts[i], len, i);
  }
  /* Cut inside the message code: nothing says it is a request, so there
   * is nothing to answer (an answer to an answer would be wrong). */
  r.txid = live_txid();
  len = live_encode(&r, buf, sizeof buf);
  live_fix_length(buf, cuts[3] - 1);
  ck_assert_int_eq(raw_then_ping(alice, buf, cuts[3] - 1, r.txid), 0);
}
END_TEST

/* 6.3.1.1: "Unless a given structure that uses a select explicitly allows
 * for unknown types in the select, any unknown type SHOULD be treated as
 * a parsing error, and the whole message SHOULD be discarded with no
 * response." IceCandidate's select on CandType (6.5.1.1) allows none: a
 * candidate of type 3 (RESERVED) or 5 (undefined) gets no answer. A
 * Boolean other than 0 or 1 (send_update) is no select: an ordinary
 * parsing error, Error_Invalid_Message (6.3.3.1). The link stays up. */
START_TEST(attach_unknown_candidate_type) {
  static const uint8_t types[] = {3, 5, 0xff};
  rl_IceCandidate cand;
  rl_Message m;
  live_req r;
  size_t len, type_off;
  for (size_t i = 0; i < sizeof types; i++) {
    live_req_init(&r, LIVE_ALICE, LIVE_PEER, RL_MessageCode_attach_req);
    attach_req_body(&r, &cand);
    len = live_encode(&r, buf, sizeof buf);
    parse_own(buf, len, &m);
    /* IceCandidate: IpAddressPort (8 bytes for IPv4), overlay_link,
     * foundation<0..255>, priority (4 bytes), then the CandType. */
    type_off = (size_t)(m.message_contents.message_body.attach_req.candidates[0].raw.ptr - buf) +
               8 + 1 + 1 + cand.foundation.len + 4;
    ck_assert_int_eq(buf[type_off], RL_CandType_host);
    buf[type_off] = types[i];
    ck_assert_msg(raw_then_ping(alice, buf, len, r.txid) == 0, "CandType %u answered",
                  (unsigned)types[i]);
  }
  live_req_init(&r, LIVE_ALICE, LIVE_PEER, RL_MessageCode_attach_req);
  attach_req_body(&r, &cand);
  len = live_encode(&r, buf, sizeof buf);
  parse_own(buf, len, &m);
  /* send_update is the last byte of the AttachReqAns. */
  type_off = (size_t)(m.message_contents.message_body.attach_req.raw.ptr - buf) +
             m.message_contents.message_body.attach_req.raw.len - 1;
  ck_assert_int_eq(buf[type_off], 0);
  buf[type_off] = 2;
  ck_assert_int_eq(raw_then_ping(alice, buf, len, r.txid),
                   LIVE_ERR(RL_ErrorCode_Error_Invalid_Message));
}
END_TEST

/* Length fields that lie. Inside MessageContents (message_body<0..2^32-1>
 * one byte longer than it is): Error_Invalid_Message. In the
 * ForwardingHeader (length, destination_list_length): the header cannot
 * be read, so there is nobody to answer; 6.1 lets the message be
 * discarded ("local policy can override this and cause the message to be
 * silently dropped"). Either way the link stays up. */
START_TEST(bad_length_fields) {
  live_req r;
  rl_Message m;
  size_t len, body_len_off;
  uint32_t v;
  live_req_init(&r, LIVE_ALICE, LIVE_PEER, RL_MessageCode_ping_req);
  ping_padding(&r, "0123456789");
  len = live_encode(&r, buf, sizeof buf);
  parse_own(buf, len, &m);
  body_len_off = (size_t)(m.message_contents.raw.ptr - buf) + 2;
  for (int delta = -1; delta <= 1; delta += 2) {
    r.txid = live_txid();
    len = live_encode(&r, buf, sizeof buf);
    v = (uint32_t)buf[body_len_off] << 24 | (uint32_t)buf[body_len_off + 1] << 16 |
        (uint32_t)buf[body_len_off + 2] << 8 | buf[body_len_off + 3];
    v = (uint32_t)((int64_t)v + delta);
    buf[body_len_off] = (uint8_t)(v >> 24);
    buf[body_len_off + 1] = (uint8_t)(v >> 16);
    buf[body_len_off + 2] = (uint8_t)(v >> 8);
    buf[body_len_off + 3] = (uint8_t)v;
    ck_assert_msg(raw_then_ping(alice, buf, len, r.txid) ==
                      LIVE_ERR(RL_ErrorCode_Error_Invalid_Message),
                  "message_body length %+d", delta);
  }
  /* ForwardingHeader.length one more, one less than the message. */
  for (int delta = -1; delta <= 1; delta += 2) {
    r.txid = live_txid();
    len = live_encode(&r, buf, sizeof buf);
    live_fix_length(buf, (size_t)((long)len + delta));
    ck_assert_int_eq(raw_then_ping(alice, buf, len, r.txid), 0);
  }
  /* destination_list_length beyond the header. */
  r.txid = live_txid();
  len = live_encode(&r, buf, sizeof buf);
  buf[34] = 0xff;
  ck_assert_int_eq(raw_then_ping(alice, buf, len, r.txid), 0);
}
END_TEST

/* Random mutations of valid messages (Ping, Store, Fetch with options and
 * via lists): whatever the peer makes of them, it must not crash or hang
 * or drop the link, every answer must be a valid signed message, and a
 * Ping afterwards is answered. */
static uint64_t mut_state = 0x9e3779b97f4a7c15ull;
static uint32_t mut_rand(void) {
  mut_state ^= mut_state << 13;
  mut_state ^= mut_state >> 7;
  mut_state ^= mut_state << 17;
  return (uint32_t)(mut_state >> 16);
}

START_TEST(random_mutations) {
  static uint8_t base[3][8192];
  size_t base_len[3];
  uint8_t rid[LIVE_ID_LEN];
  live_req r;
  rl_MessageBody fb;
  rl_KindId kinds[1] = {LIVE_KIND_USER};
  const char *seed_env = getenv("LIVE_MUTATION_SEED");
  int rounds = 300;
  size_t answered = 0;
  rl_node_status st;
  if (seed_env) mut_state = strtoull(seed_env, NULL, 0);
  fprintf(stderr, "random_mutations: seed 0x%llx (LIVE_MUTATION_SEED)\n",
          (unsigned long long)mut_state);
  live_resource_user(LIVE_ALICE, rid);
  live_req_init(&r, LIVE_ALICE, LIVE_PEER, RL_MessageCode_ping_req);
  ping_padding(&r, "mutate me");
  r.opts[0].type = 0x99;
  r.opts[0].flags = 0;
  r.opts[0].length = 3;
  r.opts[0].unknown.ptr = (const uint8_t *)"abc";
  r.opts[0].unknown.len = 3;
  r.nopts = 1;
  base_len[0] = live_encode(&r, base[0], sizeof base[0]);
  live_req_init(&r, LIVE_ALICE, LIVE_PEER, RL_MessageCode_store_req);
  rl_dest_resource(&r.dest[0], rid, LIVE_ID_LEN);
  live_store_body(&r.body, LIVE_ALICE, rid, LIVE_KIND_USER, NULL, 0, "value", &arena);
  base_len[1] = live_encode(&r, base[1], sizeof base[1]);
  live_req_init(&r, LIVE_ALICE, LIVE_PEER, RL_MessageCode_find_req);
  rl_dest_node(&r.via[0], live_w.cred[LIVE_BOB]->node_id, LIVE_ID_LEN);
  r.nvia = 1;
  rl_dest_resource(&r.dest[0], rid, LIVE_ID_LEN);
  memset(&fb, 0, sizeof fb);
  fb.find_req.resource.ptr = rid;
  fb.find_req.resource.len = LIVE_ID_LEN;
  fb.find_req.kinds = kinds;
  fb.find_req.kinds_count = 1;
  r.body = fb;
  base_len[2] = live_encode(&r, base[2], sizeof base[2]);
  for (int i = 0; i < rounds; i++) {
    int which = (int)(mut_rand() % 3);
    size_t len = base_len[which];
    uint32_t how = mut_rand() % 4;
    memcpy(buf, base[which], len);
    /* A fresh transaction ID, so retransmission caching does not hide the
     * mutation (the ID is not mutated further below). */
    uint64_t t = live_txid();
    for (int b = 0; b < 8; b++) buf[20 + b] = (uint8_t)(t >> (56 - 8 * b));
    if (how == 0) {
      /* A few random bytes anywhere after the transaction ID. */
      int k = 1 + (int)(mut_rand() % 4);
      for (int j = 0; j < k; j++) buf[28 + mut_rand() % (len - 28)] = (uint8_t)mut_rand();
    } else if (how == 1) {
      /* One byte of the header's fixed part (not relo_token, length, ID). */
      static const int fields[] = {4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15,
                                   28, 29, 30, 31, 32, 33, 34, 35, 36, 37};
      buf[fields[mut_rand() % (sizeof fields / sizeof fields[0])]] ^= (uint8_t)(1u << (mut_rand() % 8));
    } else if (how == 2) {
      /* Truncated, length fixed up. */
      len = 38 + mut_rand() % (len - 38);
      live_fix_length(buf, len);
    } else {
      /* Bytes inserted in the middle, length fixed up. */
      size_t at = 38 + mut_rand() % (len - 38), k = 1 + mut_rand() % 16;
      memmove(buf + at + k, buf + at, len - at);
      for (size_t j = 0; j < k; j++) buf[at + j] = (uint8_t)mut_rand();
      len += k;
      live_fix_length(buf, len);
    }
    live_send_raw(alice, buf, len);
    if (i % 25 == 24) {
      /* Let the peer keep up (and prove it still does). */
      ck_assert_msg(live_ping(alice, LIVE_PEER, ANSWER_MS) == RL_MessageCode_ping_ans,
                    "no Ping answer after mutation round %d", i);
    }
  }
  ck_assert_int_eq(live_ping(alice, LIVE_PEER, ANSWER_MS), RL_MessageCode_ping_ans);
  ck_assert_int_eq(alice->closes, 0);
  /* Every answer is a message that decodes and is signed by the peer. */
  for (size_t i = 0; i < alice->ninbox; i++) {
    live_ans *ans;
    uint64_t t;
    rl_message_peek pk;
    if (!alice->inbox[i].bytes) continue;
    ck_assert_int_eq(rl_message_peek_header(alice->inbox[i].bytes, alice->inbox[i].len, &pk), 0);
    t = pk.transaction_id;
    ans = malloc(sizeof *ans);
    ck_assert(ans && live_wait(alice, t, 0, ans));
    ck_assert_msg(ans->verified, "answer %zu is not signed by a trusted certificate", i);
    live_ans_clear(ans);
    free(ans);
    answered++;
  }
  rl_node_get_status(peer, &st);
  fprintf(stderr, "random_mutations: %d sent, %zu messages back, peer dropped %llu, errors %llu\n",
          rounds, answered, (unsigned long long)st.dropped, (unsigned long long)st.errors_out);
}
END_TEST

/* ---------------------------------------------------------------- */
/* The forwarding header (6.3.2)                                      */

/* 6.3.2: "If a received message has a TTL of 0 and the message is not
 * destined for the receiving node, then the message MUST NOT be
 * propagated further, and an Error_TTL_Exceeded error should be
 * generated." bob is linked to the peer: a Destination List [bob] makes
 * the peer forward. */
START_TEST(ttl_zero_to_forward) {
  live_atk *bob = attach(LIVE_BOB);
  live_req r;
  live_ans *ans = malloc(sizeof *ans);
  ck_assert(ans != NULL);
  live_req_init(&r, LIVE_ALICE, LIVE_BOB, RL_MessageCode_ping_req);
  r.ttl = 0;
  ck_assert_int_eq(live_exchange(alice, &r, ANSWER_MS), LIVE_ERR(RL_ErrorCode_Error_TTL_Exceeded));
  live_pump_until(NULL, NULL, 100);
  ck_assert_int_eq(live_count(bob, r.txid), 0);
  /* Control: TTL 1 is forwarded, decremented to 0 "just before
   * transmission", with alice on the Via List (6.1.2). */
  live_req_init(&r, LIVE_ALICE, LIVE_BOB, RL_MessageCode_ping_req);
  r.ttl = 1;
  live_send(alice, &r);
  ck_assert(live_wait(bob, r.txid, ANSWER_MS, ans));
  ck_assert(ans->verified);
  ck_assert_int_eq(ans->m.forwarding_header.ttl, 0);
  ck_assert_uint_eq(ans->m.forwarding_header.via_list_count, 1);
  ck_assert(memcmp(ans->m.forwarding_header.via_list[0].destination_data.node_id.ptr,
                   live_w.cred[LIVE_ALICE]->node_id, LIVE_ID_LEN) == 0);
  live_ans_clear(ans);
  free(ans);
  live_atk_free(bob);
}
END_TEST

/* The same when the next hop is the link the message came over: a Ping
 * to alice's own Node-ID from alice, TTL 0. It is not destined for the
 * peer, so Error_TTL_Exceeded (before the peer's own rule of not sending
 * a message back where it came from silently drops it). */
START_TEST(ttl_zero_back_to_sender) {
  live_req r;
  live_req_init(&r, LIVE_ALICE, LIVE_ALICE, RL_MessageCode_ping_req);
  r.ttl = 0;
  ck_assert_int_eq(live_exchange(alice, &r, ANSWER_MS), LIVE_ERR(RL_ErrorCode_Error_TTL_Exceeded));
}
END_TEST

/* TTL 0 for the receiving node itself is processed (6.3.2). */
START_TEST(ttl_zero_for_this_node) {
  live_req r;
  live_req_init(&r, LIVE_ALICE, LIVE_PEER, RL_MessageCode_ping_req);
  r.ttl = 0;
  ck_assert_int_eq(live_exchange(alice, &r, ANSWER_MS), RL_MessageCode_ping_ans);
}
END_TEST

/* 6.3.2: "Implementations which receive messages with a TTL greater than
 * the current value of initial-ttl ... MUST discard the message and send
 * an Error_TTL_Exceeded error." */
START_TEST(ttl_above_initial) {
  live_req r;
  live_req_init(&r, LIVE_ALICE, LIVE_PEER, RL_MessageCode_ping_req);
  r.ttl = LIVE_INITIAL_TTL + 1;
  ck_assert_int_eq(live_exchange(alice, &r, ANSWER_MS), LIVE_ERR(RL_ErrorCode_Error_TTL_Exceeded));
  r.ttl = 255;
  r.txid = live_txid();
  ck_assert_int_eq(live_exchange(alice, &r, ANSWER_MS), LIVE_ERR(RL_ErrorCode_Error_TTL_Exceeded));
  r.ttl = LIVE_INITIAL_TTL;
  r.txid = live_txid();
  ck_assert_int_eq(live_exchange(alice, &r, ANSWER_MS), RL_MessageCode_ping_ans);
}
END_TEST

/* 6.1, 6.3.2: another overlay's message is discarded; the overlay field
 * only detects misconfiguration, so the peer need not answer. It does
 * not: the Ping that follows is answered first. */
START_TEST(wrong_overlay) {
  live_req r;
  size_t len;
  live_req_init(&r, LIVE_ALICE, LIVE_PEER, RL_MessageCode_ping_req);
  r.overlay = live_w.overlay ^ 0x00010000u; /* signed with it, so the signature is valid */
  len = live_encode(&r, buf, sizeof buf);
  ck_assert_int_eq(raw_then_ping(alice, buf, len, r.txid), 0);
  /* Same, changed on the wire (overlay is bytes 4..7, 6.3.2). */
  live_req_init(&r, LIVE_ALICE, LIVE_PEER, RL_MessageCode_ping_req);
  len = live_encode(&r, buf, sizeof buf);
  buf[7] ^= 0xff;
  ck_assert_int_eq(raw_then_ping(alice, buf, len, r.txid), 0);
}
END_TEST

/* 6.7: "Because messages MUST be set with the high bit set to 1,
 * implementations SHOULD discard any message with it set to 0." and
 * "They MUST NOT try to interpret as fragmented messages with the high
 * bit set low." The fragment field (bytes 12..15, 6.3.2) is not signed.
 * Control: 0xC0000000, an unfragmented message, is answered. */
START_TEST(fragment_high_bit_clear) {
  static const uint32_t fields[] = {0x40000000u, 0x00000000u, 0x7fffffffu, 0xc0000000u};
  for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
    live_req r;
    size_t len;
    live_req_init(&r, LIVE_ALICE, LIVE_PEER, RL_MessageCode_ping_req);
    len = live_encode(&r, buf, sizeof buf);
    buf[12] = (uint8_t)(fields[i] >> 24);
    buf[13] = (uint8_t)(fields[i] >> 16);
    buf[14] = (uint8_t)(fields[i] >> 8);
    buf[15] = (uint8_t)fields[i];
    ck_assert_msg(raw_then_ping(alice, buf, len, r.txid) ==
                      (fields[i] & 0x80000000u ? RL_MessageCode_ping_ans : 0),
                  "fragment %08x", (unsigned)fields[i]);
  }
}
END_TEST

/* 13.6.5: "implementations SHOULD check the Destination List for
 * duplicate entries and discard such records with an
 * "Error_Invalid_Message" error." The peer twice, bob (linked: the peer
 * would forward) twice, and a Resource-ID twice behind the peer; bob
 * gets nothing. Control: the peer, then bob, is forwarded to bob. */
START_TEST(destination_list_duplicate) {
  live_atk *bob = attach(LIVE_BOB);
  uint8_t rid[LIVE_ID_LEN];
  live_ans *ans;
  live_req r;
  live_resource_user(LIVE_ALICE, rid);
  live_req_init(&r, LIVE_ALICE, LIVE_PEER, RL_MessageCode_ping_req);
  r.dest[1] = r.dest[0];
  r.ndest = 2;
  ck_assert_int_eq(live_exchange(alice, &r, ANSWER_MS), LIVE_ERR(RL_ErrorCode_Error_Invalid_Message));
  live_req_init(&r, LIVE_ALICE, LIVE_BOB, RL_MessageCode_ping_req);
  r.dest[1] = r.dest[0];
  r.ndest = 2;
  ck_assert_int_eq(live_exchange(alice, &r, ANSWER_MS), LIVE_ERR(RL_ErrorCode_Error_Invalid_Message));
  live_pump_until(NULL, NULL, 100);
  ck_assert_uint_eq(live_count(bob, r.txid), 0);
  live_req_init(&r, LIVE_ALICE, LIVE_PEER, RL_MessageCode_ping_req);
  rl_dest_resource(&r.dest[1], rid, LIVE_ID_LEN);
  rl_dest_resource(&r.dest[2], rid, LIVE_ID_LEN);
  r.ndest = 3;
  ck_assert_int_eq(live_exchange(alice, &r, ANSWER_MS), LIVE_ERR(RL_ErrorCode_Error_Invalid_Message));
  live_req_init(&r, LIVE_ALICE, LIVE_PEER, RL_MessageCode_ping_req);
  rl_dest_node(&r.dest[1], live_w.cred[LIVE_BOB]->node_id, LIVE_ID_LEN);
  r.ndest = 2;
  live_send(alice, &r);
  ans = malloc(sizeof *ans);
  ck_assert(ans != NULL);
  ck_assert_msg(live_wait(bob, r.txid, ANSWER_MS, ans), "not forwarded to bob");
  live_ans_clear(ans);
  free(ans);
  live_atk_free(bob);
}
END_TEST

/* 6.3.2: "Nodes MUST reject messages with other versions"; the peer says
 * so with Error_Incompatible_with_Overlay (6.3.3.1: "some other parameter
 * that is inconsistent with the overlay configuration"). */
START_TEST(wrong_version) {
  static const uint8_t versions[] = {0x00, 0x01, 0x0b, 0xff};
  for (size_t i = 0; i < sizeof versions; i++) {
    live_req r;
    size_t len;
    live_req_init(&r, LIVE_ALICE, LIVE_PEER, RL_MessageCode_ping_req);
    len = live_encode(&r, buf, sizeof buf);
    buf[10] = versions[i]; /* not signed: the signature stays valid */
    ck_assert_msg(raw_then_ping(alice, buf, len, r.txid) ==
                      LIVE_ERR(RL_ErrorCode_Error_Incompatible_with_Overlay),
                  "version 0x%02x", versions[i]);
  }
}
END_TEST

/* 6.3.2.1: "When a destination node receives a request, it MUST check
 * that the configuration_sequence field is equal to its own ... If they
 * do not match, the node MUST generate an error, either
 * Error_Config_Too_Old or Error_Config_Too_New", compared "by modulo
 * arithmetic as in TCP". */
START_TEST(configuration_sequence) {
  static const struct {
    uint16_t seq;
    int want;
  } cases[] = {
      {LIVE_SEQUENCE - 1, LIVE_ERR(RL_ErrorCode_Error_Config_Too_Old)},
      {0, LIVE_ERR(RL_ErrorCode_Error_Config_Too_Old)},
      {LIVE_SEQUENCE + 1, LIVE_ERR(RL_ErrorCode_Error_Config_Too_New)},
      {LIVE_SEQUENCE + 1000, LIVE_ERR(RL_ErrorCode_Error_Config_Too_New)},
      {(uint16_t)(LIVE_SEQUENCE - 20), LIVE_ERR(RL_ErrorCode_Error_Config_Too_Old)}, /* wraps */
      {LIVE_SEQUENCE, RL_MessageCode_ping_ans},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    live_req r;
    live_req_init(&r, LIVE_ALICE, LIVE_PEER, RL_MessageCode_ping_req);
    r.sequence = cases[i].seq;
    ck_assert_msg(live_exchange(alice, &r, ANSWER_MS) == cases[i].want, "sequence %u",
                  (unsigned)cases[i].seq);
  }
}
END_TEST

/* 6.3.2.1: "In addition, if the configuration file in the request is too
 * old, the node MUST generate a ConfigUpdate message to update the
 * requesting node." */
START_TEST(configuration_too_old_sends_config_update) {
  live_req r;
  live_ans *ans = malloc(sizeof *ans);
  ck_assert(ans != NULL);
  live_req_init(&r, LIVE_ALICE, LIVE_PEER, RL_MessageCode_ping_req);
  r.sequence = LIVE_SEQUENCE - 1;
  ck_assert_int_eq(live_exchange(alice, &r, ANSWER_MS), LIVE_ERR(RL_ErrorCode_Error_Config_Too_Old));
  ck_assert_msg(live_wait_code(alice, RL_MessageCode_config_update_req, 2000, ans),
                "no ConfigUpdate after Error_Config_Too_Old (6.3.2.1 MUST)");
  ck_assert(ans->verified);
  /* 6.5.4: the whole configuration document, type config. */
  ck_assert_int_eq(ans->m.message_contents.message_body.config_update_req.type,
                   RL_ConfigUpdateType_config);
  ck_assert_uint_eq(ans->m.message_contents.message_body.config_update_req.config_data.len,
                    live_w.xml_len);
  ck_assert(memcmp(ans->m.message_contents.message_body.config_update_req.config_data.ptr,
                   live_w.xml, live_w.xml_len) == 0);
  live_ans_clear(ans);
  free(ans);
}
END_TEST

/* A newer configuration (sequence 11, initial-ttl 99) in a ConfigUpdate
 * (6.5.4) from alice, who is no configuration-signer, unsigned: 11.1 lets
 * only a configuration signed by a configuration-signer replace the one
 * in force; the peer refuses it with Error_Forbidden and keeps its own. */
START_TEST(config_update_unsigned_refused) {
  live_req r;
  char *doc = malloc(live_w.xml_len + 16), *p;
  size_t n = 0;
  ck_assert(doc != NULL);
  p = strstr(live_w.xml, "sequence=\"10\"");
  ck_assert(p != NULL && strstr(live_w.xml, "<initial-ttl>30<") != NULL);
  /* Copy with sequence 11 and initial-ttl 99. */
  for (const char *q = live_w.xml; *q;) {
    if (q == p) {
      n += (size_t)sprintf(doc + n, "sequence=\"11\"");
      q += strlen("sequence=\"10\"");
    } else if (strncmp(q, "<initial-ttl>30<", 16) == 0) {
      n += (size_t)sprintf(doc + n, "<initial-ttl>99<");
      q += 16;
    } else {
      doc[n++] = *q++;
    }
  }
  live_req_init(&r, LIVE_ALICE, LIVE_PEER, RL_MessageCode_config_update_req);
  r.body.config_update_req.type = RL_ConfigUpdateType_config;
  r.body.config_update_req.config_data.ptr = (const uint8_t *)doc;
  r.body.config_update_req.config_data.len = n;
  ck_assert_int_eq(live_exchange(alice, &r, ANSWER_MS), LIVE_ERR(RL_ErrorCode_Error_Forbidden));
  /* Still sequence 10, still initial-ttl 30. */
  live_req_init(&r, LIVE_ALICE, LIVE_PEER, RL_MessageCode_ping_req);
  r.sequence = 11;
  ck_assert_int_eq(live_exchange(alice, &r, ANSWER_MS), LIVE_ERR(RL_ErrorCode_Error_Config_Too_New));
  live_req_init(&r, LIVE_ALICE, LIVE_PEER, RL_MessageCode_ping_req);
  r.ttl = LIVE_INITIAL_TTL + 1;
  ck_assert_int_eq(live_exchange(alice, &r, ANSWER_MS), LIVE_ERR(RL_ErrorCode_Error_TTL_Exceeded));
  free(doc);
}
END_TEST

/* ---------------------------------------------------------------- */
/* Forwarding options (6.3.2.3) and extensions (6.3.3)               */

static void unknown_option(live_req *r, uint8_t flags) {
  r->opts[0].type = 0x99; /* no RFC defines it */
  r->opts[0].flags = flags;
  r->opts[0].length = 4;
  r->opts[0].unknown.ptr = (const uint8_t *)"\x01\x02\x03\x04";
  r->opts[0].unknown.len = 4;
  r->nopts = 1;
}

/* "If the FORWARD_CRITICAL flag is set, any peer that would forward the
 * message but does not understand this option MUST reject the request
 * with an Error_Unsupported_Forwarding_Option error response." The
 * destination itself does not forward: it answers. */
START_TEST(forward_critical_option) {
  live_atk *bob = attach(LIVE_BOB);
  live_req r;
  live_req_init(&r, LIVE_ALICE, LIVE_BOB, RL_MessageCode_ping_req);
  unknown_option(&r, RL_FORWARD_CRITICAL);
  ck_assert_int_eq(live_exchange(alice, &r, ANSWER_MS),
                   LIVE_ERR(RL_ErrorCode_Error_Unsupported_Forwarding_Option));
  ck_assert_int_eq(live_count(bob, r.txid), 0);
  live_req_init(&r, LIVE_ALICE, LIVE_PEER, RL_MessageCode_ping_req);
  unknown_option(&r, RL_FORWARD_CRITICAL);
  ck_assert_int_eq(live_exchange(alice, &r, ANSWER_MS), RL_MessageCode_ping_ans);
  live_atk_free(bob);
}
END_TEST

/* "If the DESTINATION_CRITICAL flag is set, any node that generates a
 * response to the message but does not understand the forwarding option
 * MUST reject the request". A node that only forwards passes it on. */
START_TEST(destination_critical_option) {
  live_atk *bob = attach(LIVE_BOB);
  live_req r;
  live_ans *ans = malloc(sizeof *ans);
  ck_assert(ans != NULL);
  live_req_init(&r, LIVE_ALICE, LIVE_PEER, RL_MessageCode_ping_req);
  unknown_option(&r, RL_DESTINATION_CRITICAL);
  ck_assert_int_eq(live_exchange(alice, &r, ANSWER_MS),
                   LIVE_ERR(RL_ErrorCode_Error_Unsupported_Forwarding_Option));
  live_req_init(&r, LIVE_ALICE, LIVE_BOB, RL_MessageCode_ping_req);
  unknown_option(&r, RL_DESTINATION_CRITICAL);
  live_send(alice, &r);
  ck_assert_msg(live_wait(bob, r.txid, ANSWER_MS, ans), "not forwarded");
  ck_assert_uint_eq(ans->m.forwarding_header.options_count, 1);
  ck_assert_uint_eq(ans->m.forwarding_header.options[0].flags, RL_DESTINATION_CRITICAL);
  live_ans_clear(ans);
  free(ans);
  live_atk_free(bob);
}
END_TEST

/* An unknown option without flags is ignored, both forwarding and at the
 * destination; with RESPONSE_COPY the answer carries it with "the
 * RESPONSE_COPY, FORWARD_CRITICAL, and DESTINATION_CRITICAL flags ...
 * cleared". */
START_TEST(unknown_option_ignored_and_copied) {
  live_atk *bob = attach(LIVE_BOB);
  live_req r;
  live_ans *ans = malloc(sizeof *ans);
  ck_assert(ans != NULL);
  live_req_init(&r, LIVE_ALICE, LIVE_PEER, RL_MessageCode_ping_req);
  unknown_option(&r, 0);
  ck_assert_int_eq(live_exchange(alice, &r, ANSWER_MS), RL_MessageCode_ping_ans);
  live_req_init(&r, LIVE_ALICE, LIVE_BOB, RL_MessageCode_ping_req);
  unknown_option(&r, 0);
  live_send(alice, &r);
  ck_assert_msg(live_wait(bob, r.txid, ANSWER_MS, ans), "not forwarded");
  live_ans_clear(ans);
  live_req_init(&r, LIVE_ALICE, LIVE_PEER, RL_MessageCode_ping_req);
  unknown_option(&r, RL_RESPONSE_COPY);
  live_send(alice, &r);
  ck_assert(live_wait(alice, r.txid, ANSWER_MS, ans));
  ck_assert_int_eq(ans->m.message_contents.message_code, RL_MessageCode_ping_ans);
  ck_assert_uint_eq(ans->m.forwarding_header.options_count, 1);
  ck_assert_uint_eq(ans->m.forwarding_header.options[0].type, 0x99);
  ck_assert_uint_eq(ans->m.forwarding_header.options[0].flags, 0);
  ck_assert_uint_eq(ans->m.forwarding_header.options[0].unknown.len, 4);
  live_ans_clear(ans);
  free(ans);
  live_atk_free(bob);
}
END_TEST

/* 6.3.3: "If critical = True and the recipient does not understand the
 * message, it MUST generate an Error_Unknown_Extension error. If critical
 * = False, the recipient MAY choose to process the message". */
START_TEST(unknown_extension) {
  live_req r;
  live_req_init(&r, LIVE_ALICE, LIVE_PEER, RL_MessageCode_ping_req);
  r.ext[0].type = 0x7777;
  r.ext[0].critical = 1;
  r.ext[0].extension_contents.unknown.ptr = (const uint8_t *)"ext";
  r.ext[0].extension_contents.unknown.len = 3;
  r.next = 1;
  ck_assert_int_eq(live_exchange(alice, &r, ANSWER_MS),
                   LIVE_ERR(RL_ErrorCode_Error_Unknown_Extension));
  r.txid = live_txid();
  r.ext[0].critical = 0;
  ck_assert_int_eq(live_exchange(alice, &r, ANSWER_MS), RL_MessageCode_ping_ans);
}
END_TEST

/* A request code no specification assigns (6.3.3: odd codes are
 * requests). RFC 6940 names no error for it; Error_Invalid_Message is
 * the one for "Something about this message is invalid, but it does not
 * fit the other error codes" (6.3.3.1). An even code is a response that
 * matches no transaction: nothing to answer. */
START_TEST(unknown_message_code) {
  live_req r;
  size_t len;
  live_req_init(&r, LIVE_ALICE, LIVE_PEER, (rl_MessageCode)0x7001);
  r.body.unknown.ptr = (const uint8_t *)"whatever";
  r.body.unknown.len = 8;
  ck_assert_int_eq(live_exchange(alice, &r, ANSWER_MS),
                   LIVE_ERR(RL_ErrorCode_Error_Invalid_Message));
  /* 0x8001..0xfffe are reserved. */
  live_req_init(&r, LIVE_ALICE, LIVE_PEER, (rl_MessageCode)0x8001);
  r.body.unknown.ptr = (const uint8_t *)"whatever";
  r.body.unknown.len = 8;
  ck_assert_int_eq(live_exchange(alice, &r, ANSWER_MS),
                   LIVE_ERR(RL_ErrorCode_Error_Invalid_Message));
  live_req_init(&r, LIVE_ALICE, LIVE_PEER, (rl_MessageCode)0x7002);
  r.body.unknown.ptr = (const uint8_t *)"whatever";
  r.body.unknown.len = 8;
  len = live_encode(&r, buf, sizeof buf);
  ck_assert_int_eq(raw_then_ping(alice, buf, len, r.txid), 0);
}
END_TEST

/* 6.3.2 max_response_length: "responding peers MUST check that any
 * response would not exceed it and if so generate an
 * Error_Incompatible_with_Overlay value." */
START_TEST(max_response_length) {
  live_req r;
  live_req_init(&r, LIVE_ALICE, LIVE_PEER, RL_MessageCode_ping_req);
  r.max_response_length = 60;
  ck_assert_int_eq(live_exchange(alice, &r, ANSWER_MS),
                   LIVE_ERR(RL_ErrorCode_Error_Incompatible_with_Overlay));
  r.txid = live_txid();
  r.max_response_length = 4000;
  ck_assert_int_eq(live_exchange(alice, &r, ANSWER_MS), RL_MessageCode_ping_ans);
}
END_TEST

/* ---------------------------------------------------------------- */
/* Retransmissions (6.2.1)                                            */

/* "Receiving nodes MUST generate semantically equivalent responses to
 * retransmissions of the same request (this can be determined by the
 * transaction ID) if the request is received within the maximum request
 * lifetime (15 seconds). ... For other requests (e.g., Store), it may be
 * necessary to maintain state". A PingAns has a random response_id, a
 * second StoreAns would differ: identical bytes show the state kept. */
START_TEST(retransmission_same_answer) {
  uint8_t rid[LIVE_ID_LEN];
  live_req r;
  live_ans *a1 = malloc(sizeof *a1), *a2 = malloc(sizeof *a2);
  ck_assert(a1 && a2);
  live_req_init(&r, LIVE_ALICE, LIVE_PEER, RL_MessageCode_ping_req);
  live_send(alice, &r);
  ck_assert(live_wait(alice, r.txid, ANSWER_MS, a1));
  live_send(alice, &r);
  ck_assert(live_wait(alice, r.txid, ANSWER_MS, a2));
  ck_assert_uint_eq(a1->len, a2->len);
  ck_assert(memcmp(a1->bytes, a2->bytes, a1->len) == 0);
  live_ans_clear(a1);
  live_ans_clear(a2);

  live_resource_user(LIVE_ALICE, rid);
  live_req_init(&r, LIVE_ALICE, LIVE_PEER, RL_MessageCode_store_req);
  rl_dest_resource(&r.dest[0], rid, LIVE_ID_LEN);
  live_store_body(&r.body, LIVE_ALICE, rid, LIVE_KIND_USER_ARRAY, NULL, 0, "once", &arena);
  live_send(alice, &r);
  ck_assert(live_wait(alice, r.txid, ANSWER_MS, a1));
  ck_assert_int_eq(a1->m.message_contents.message_code, RL_MessageCode_store_ans);
  live_send(alice, &r);
  ck_assert(live_wait(alice, r.txid, ANSWER_MS, a2));
  ck_assert_uint_eq(a1->len, a2->len);
  ck_assert(memcmp(a1->bytes, a2->bytes, a1->len) == 0);
  live_ans_clear(a1);
  live_ans_clear(a2);
  free(a1);
  free(a2);
}
END_TEST

/* A message that failed verification is not "the same request" as a
 * valid one with its transaction ID (6.2.1, 6.3.4): the error answered to
 * the forgery must not be replayed to the real request. */
START_TEST(forgery_does_not_poison_retransmission_cache) {
  live_req r;
  rl_Message m;
  size_t len;
  live_req_init(&r, LIVE_ALICE, LIVE_PEER, RL_MessageCode_ping_req);
  len = live_encode(&r, buf, sizeof buf);
  parse_own(buf, len, &m);
  buf[(size_t)(m.security_block.signature.signature_value.ptr - buf) + 5] ^= 0x08;
  ck_assert_int_eq(raw_then_ping(alice, buf, len, r.txid), LIVE_ERR(RL_ErrorCode_Error_Forbidden));
  ck_assert_int_eq(live_exchange(alice, &r, ANSWER_MS), RL_MessageCode_ping_ans);
}
END_TEST

static TCase *group(Suite *s, const char *name) {
  TCase *t = tcase_create(name);
  tcase_set_timeout(t, 60);
  tcase_add_checked_fixture(t, setup, teardown);
  suite_add_tcase(s, t);
  return t;
}

int main(void) {
  Suite *s = suite_create("live_security");
  TCase *t;
  SRunner *sr;
  int failed;
  live_world_init();
  t = group(s, "signatures");
  tcase_add_test(t, forged_signature);
  tcase_add_test(t, untrusted_message_signer);
  tcase_add_test(t, garbage_certificate_in_security_block);
  tcase_add_test(t, tls_certificate_other_ca);
  t = group(s, "node_ids");
  tcase_add_test(t, attach_answer_node_id_mismatch);
  tcase_add_test(t, attach_answer_node_id_match);
  tcase_add_test(t, attach_then_link_with_other_node_id);
  tcase_add_test(t, attach_then_link_with_same_node_id);
  tcase_add_test(t, join_leave_for_another_node_id);
  tcase_add_test(t, join_over_another_nodes_link);
  tcase_add_test(t, leave_over_another_nodes_link);
  t = group(s, "policies");
  tcase_add_test(t, policy_user_match);
  tcase_add_test(t, policy_node_match);
  tcase_add_test(t, policy_user_node_match);
  tcase_add_test(t, policy_node_multiple);
  tcase_add_test(t, policy_both_signers_and_value_signature);
  t = group(s, "form");
  tcase_add_test(t, oversized_message);
  tcase_add_test(t, oversized_message_far);
  tcase_add_test(t, malformed_contents);
  tcase_add_test(t, truncated_body);
  tcase_add_test(t, bad_length_fields);
  tcase_add_test(t, attach_unknown_candidate_type);
  tcase_add_test(t, random_mutations);
  t = group(s, "header");
  tcase_add_test(t, ttl_zero_to_forward);
  tcase_add_test(t, ttl_zero_back_to_sender);
  tcase_add_test(t, ttl_zero_for_this_node);
  tcase_add_test(t, fragment_high_bit_clear);
  tcase_add_test(t, destination_list_duplicate);
  tcase_add_test(t, ttl_above_initial);
  tcase_add_test(t, wrong_overlay);
  tcase_add_test(t, wrong_version);
  tcase_add_test(t, configuration_sequence);
  tcase_add_test(t, configuration_too_old_sends_config_update);
  tcase_add_test(t, config_update_unsigned_refused);
  tcase_add_test(t, max_response_length);
  t = group(s, "options");
  tcase_add_test(t, forward_critical_option);
  tcase_add_test(t, destination_critical_option);
  tcase_add_test(t, unknown_option_ignored_and_copied);
  tcase_add_test(t, unknown_extension);
  tcase_add_test(t, unknown_message_code);
  t = group(s, "retransmission");
  tcase_add_test(t, retransmission_same_answer);
  tcase_add_test(t, forgery_does_not_poison_retransmission_cache);
  sr = srunner_create(s);
  srunner_run_all(sr, CK_NORMAL);
  failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  live_world_free();
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
