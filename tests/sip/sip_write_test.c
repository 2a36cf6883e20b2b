/* sip_write_test.c: the message writer (sip_write.h): requests built from
 * scratch, a proxy's forwarding (RFC 3261 16.6) and response relaying
 * (16.7), a UAS's responses (8.2.6); every output is parsed back. */
#include <stdio.h>
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/error.h"
#include "sip/sip_hdr.h"
#include "sip/sip_write.h"

#define MAXH 32

static int streq(rl_sip_str s, const char *lit) { return rl_sip_str_eq(s, lit); }

static int same(rl_sip_str a, rl_sip_str b) {
  return a.len == b.len && memcmp(a.p, b.p, a.len) == 0;
}

static rl_sip_str S(const char *s) {
  rl_sip_str r = {s, strlen(s)};
  return r;
}

static const char invite[] =
  "INVITE sip:bob@biloxi.example.com SIP/2.0\r\n"
  "Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK776asdhds\r\n"
  "Max-Forwards: 70\r\n"
  "Route: <sip:p1.example.com;lr>,\r\n <sip:p2.example.com;lr>\r\n"
  "t: Bob <sip:bob@biloxi.example.com>\r\n"
  "From: Alice <sip:alice@atlanta.example.com>;tag=1928301774\r\n"
  "Call-ID: a84b4c76e66710@pc33.atlanta.example.com\r\n"
  "CSeq: 314159 INVITE\r\n"
  "Timestamp: 54\r\n"
  "Contact: <sip:alice@pc33.atlanta.example.com>\r\n"
  "Content-Type: application/sdp\r\n"
  "Content-Length: 5\r\n"
  "\r\n"
  "v=0\r\n";

static void parse(const char *buf, size_t len, rl_sip_msg *msg, rl_sip_header *hdr) {
  rl_sip_err err;
  int r;
  rl_sip_msg_init(msg, hdr, MAXH);
  r = rl_sip_msg_parse(msg, buf, len, NULL, &err);
  ck_assert_msg(r == 0, "parse: %d at %zu: %s\n%.*s", r, err.offset, err.reason, (int)len, buf);
  r = rl_sip_msg_validate(msg, &err);
  ck_assert_msg(r == 0, "validate: %s", err.reason);
}

START_TEST(request_from_scratch) {
  char out[512];
  rl_writer w;
  rl_sip_header hdr[MAXH];
  rl_sip_msg msg;
  rl_writer_init(&w, (uint8_t *)out, sizeof out, NULL);
  rl_sip_write_request_line(&w, "MESSAGE", S("sip:bob@example.com"));
  rl_sip_write_header_cstr(&w, "Via", "SIP/2.0/TCP 192.0.2.1:5060;branch=z9hG4bK1");
  rl_sip_write_header_uint(&w, "Max-Forwards", 70);
  rl_sip_write_header_cstr(&w, "To", "<sip:bob@example.com>");
  rl_sip_write_header_cstr(&w, "From", "<sip:alice@example.com>;tag=9");
  rl_sip_write_header(&w, "Call-ID", S("c1@192.0.2.1"));
  rl_sip_write_header_cstr(&w, "CSeq", "1 MESSAGE");
  rl_sip_write_body(&w, "text/plain", "hello", 5);
  ck_assert_int_eq(w.err, 0);
  parse(out, w.len, &msg, hdr);
  ck_assert_int_eq(msg.method, RL_SIP_METHOD_MESSAGE);
  ck_assert(streq(msg.body, "hello"));
  ck_assert_uint_eq(msg.len, w.len);
  ck_assert(streq(hdr[msg.nhdr - 2].line, "Content-Type: text/plain\r\n"));
  ck_assert(streq(hdr[msg.nhdr - 1].line, "Content-Length: 5\r\n"));
}
END_TEST

/* 16.6: the proxy's Via and Record-Route on top, Max-Forwards one less,
 * the top Route gone, everything else as it was. */
START_TEST(forward_request) {
  char out[1024];
  rl_writer w;
  rl_sip_header hdr[MAXH], fhdr[MAXH];
  rl_sip_msg req, fwd;
  rl_sip_forward f = {{NULL, 0}, {NULL, 0}, {NULL, 0}, 0};
  rl_sip_addr a;
  rl_sip_err err;
  size_t pos = 0;
  unsigned hops;
  long i;
  parse(invite, sizeof invite - 1, &req, hdr);
  f.via = S("SIP/2.0/UDP proxy.example.com;branch=z9hG4bKp1");
  f.record_route = S("<sip:proxy.example.com;lr>");
  f.request_uri = S("sip:bob@192.0.2.4:5070");
  f.drop_top_route = 1;
  rl_writer_init(&w, (uint8_t *)out, sizeof out, NULL);
  ck_assert_int_eq(rl_sip_write_forward(&w, &req, &f), 0);
  parse(out, w.len, &fwd, fhdr);
  ck_assert(streq(fwd.request_uri, "sip:bob@192.0.2.4:5070"));
  ck_assert_int_eq(fwd.method, RL_SIP_METHOD_INVITE);
  ck_assert(streq(fhdr[0].line, "Via: SIP/2.0/UDP proxy.example.com;branch=z9hG4bKp1\r\n"));
  ck_assert(streq(fhdr[1].line, "Record-Route: <sip:proxy.example.com;lr>\r\n"));
  ck_assert(same(fhdr[2].line, hdr[0].line)); /* the UAC's Via, now second */
  i = rl_sip_msg_find(&fwd, RL_SIP_HDR_MAX_FORWARDS, 0);
  ck_assert_int_eq(rl_sip_max_forwards_parse(fhdr[i].value, &hops, &err), 0);
  ck_assert_uint_eq(hops, 69);
  i = rl_sip_msg_find(&fwd, RL_SIP_HDR_ROUTE, 0);
  ck_assert_int_eq(rl_sip_route_next(RL_SIP_HDR_ROUTE, fhdr[i].value, &pos, &a, &err), 1);
  ck_assert(streq(a.uri.host, "p2.example.com"));
  ck_assert_int_eq(rl_sip_route_next(RL_SIP_HDR_ROUTE, fhdr[i].value, &pos, &a, &err), 0);
  /* Two headers more (Via, Record-Route), none fewer. */
  ck_assert_uint_eq(fwd.nhdr, req.nhdr + 2);
  ck_assert(streq(fwd.body, "v=0\r\n"));
  /* Compact forms are copied as written. */
  ck_assert_int_ge(rl_sip_msg_find_name(&fwd, "t", 0), 0);

  /* Without a Record-Route, keeping the Route: */
  f.record_route.p = NULL;
  f.drop_top_route = 0;
  f.request_uri.p = NULL;
  rl_writer_init(&w, (uint8_t *)out, sizeof out, NULL);
  ck_assert_int_eq(rl_sip_write_forward(&w, &req, &f), 0);
  parse(out, w.len, &fwd, fhdr);
  ck_assert(streq(fwd.request_uri, "sip:bob@biloxi.example.com"));
  ck_assert_uint_eq(fwd.nhdr, req.nhdr + 1);
  i = rl_sip_msg_find(&fwd, RL_SIP_HDR_ROUTE, 0);
  ck_assert(same(fhdr[i].line, hdr[rl_sip_msg_find(&req, RL_SIP_HDR_ROUTE, 0)].line));
}
END_TEST

/* 16.4 with a proxy that recorded the route twice (RFC 5658): its two
 * values come off, across Route headers; a count above the values there
 * are takes them all. */
START_TEST(forward_drops_two_routes) {
  static const char req2[] =
    "BYE sip:bob@192.0.2.4 SIP/2.0\r\n"
    "Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK776\r\n"
    "Max-Forwards: 70\r\n"
    "Route: <sip:p1.example.com;transport=tcp;lr>\r\n"
    "Route: <sip:p1.example.com;lr>, <sip:p2.example.com;lr>\r\n"
    "To: <sip:bob@biloxi.example.com>;tag=2\r\n"
    "From: <sip:alice@atlanta.example.com>;tag=1\r\n"
    "Call-ID: c2\r\nCSeq: 2 BYE\r\nContent-Length: 0\r\n\r\n";
  char out[1024];
  rl_writer w;
  rl_sip_header hdr[MAXH], fhdr[MAXH];
  rl_sip_msg req, fwd;
  rl_sip_forward f = {{NULL, 0}, {NULL, 0}, {NULL, 0}, 2};
  rl_sip_addr a;
  size_t pos = 0;
  long i;
  parse(req2, sizeof req2 - 1, &req, hdr);
  f.via = S("SIP/2.0/UDP p1.example.com;branch=z9hG4bKp2");
  rl_writer_init(&w, (uint8_t *)out, sizeof out, NULL);
  ck_assert_int_eq(rl_sip_write_forward(&w, &req, &f), 0);
  parse(out, w.len, &fwd, fhdr);
  i = rl_sip_msg_find(&fwd, RL_SIP_HDR_ROUTE, 0);
  ck_assert_int_ge(i, 0);
  ck_assert_int_eq(rl_sip_route_next(RL_SIP_HDR_ROUTE, fhdr[i].value, &pos, &a, NULL), 1);
  ck_assert(streq(a.uri.host, "p2.example.com"));
  ck_assert_int_eq(rl_sip_route_next(RL_SIP_HDR_ROUTE, fhdr[i].value, &pos, &a, NULL), 0);
  ck_assert_int_lt(rl_sip_msg_find(&fwd, RL_SIP_HDR_ROUTE, (size_t)i + 1), 0);
  f.drop_top_route = 9;
  rl_writer_init(&w, (uint8_t *)out, sizeof out, NULL);
  ck_assert_int_eq(rl_sip_write_forward(&w, &req, &f), 0);
  parse(out, w.len, &fwd, fhdr);
  ck_assert_int_lt(rl_sip_msg_find(&fwd, RL_SIP_HDR_ROUTE, 0), 0);
}
END_TEST

/* 18.2.1 and RFC 3581 4: received and rport in the top Via. */
static long with_received(const char *via_line, const char *ip, int port, char *out, size_t cap) {
  char in[512];
  rl_sip_header hdr[MAXH];
  rl_sip_msg msg;
  int n = snprintf(in, sizeof in,
                   "\r\nMESSAGE sip:bob@example.com SIP/2.0\r\n%s\r\n"
                   "Via: SIP/2.0/UDP 192.0.2.9;branch=z9hG4bKsecond;rport\r\n"
                   "Max-Forwards: 70\r\nTo: <sip:bob@example.com>\r\n"
                   "From: <sip:alice@example.com>;tag=1\r\nCall-ID: c1\r\nCSeq: 1 MESSAGE\r\n"
                   "Content-Length: 2\r\n\r\nhi",
                   via_line);
  rl_sip_err err;
  rl_sip_msg_init(&msg, hdr, MAXH);
  ck_assert_int_eq(rl_sip_msg_parse(&msg, in, (size_t)n, NULL, &err), 0);
  return rl_sip_write_via_received(&msg, ip, port, out, cap);
}

static const char *top_via(const char *m, size_t len, char *line, size_t cap) {
  rl_sip_header hdr[MAXH];
  rl_sip_msg msg;
  long i;
  parse(m, len, &msg, hdr);
  ck_assert(streq(msg.body, "hi"));
  i = rl_sip_msg_find(&msg, RL_SIP_HDR_VIA, 0);
  snprintf(line, cap, "%.*s", (int)hdr[i].value.len, hdr[i].value.p);
  /* The second Via is as it was. */
  ck_assert(streq(hdr[rl_sip_msg_find(&msg, RL_SIP_HDR_VIA, (size_t)i + 1)].value,
                  "SIP/2.0/UDP 192.0.2.9;branch=z9hG4bKsecond;rport"));
  return line;
}

START_TEST(via_received) {
  char out[1024], line[256];
  long n;
  /* rport without a value: both set, the bare rport gone. */
  n = with_received("Via: SIP/2.0/UDP 192.0.2.7:5060;rport;branch=z9hG4bK1", "127.0.0.1", 4000,
                    out, sizeof out);
  ck_assert_int_gt(n, 0);
  ck_assert_str_eq(top_via(out, (size_t)n, line, sizeof line),
                   "SIP/2.0/UDP 192.0.2.7:5060;branch=z9hG4bK1;received=127.0.0.1;rport=4000");
  ck_assert(strncmp(out, "MESSAGE ", 8) == 0); /* the CRLF before it is not copied */
  /* The same host and no rport: nothing changes. */
  ck_assert_int_eq(with_received("Via: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK1", "127.0.0.1",
                                 5060, out, sizeof out),
                   0);
  ck_assert_int_eq(with_received("Via: SIP/2.0/TCP [2001:DB8::1]:5060;branch=z9hG4bK1",
                                 "2001:db8::1", 5060, out, sizeof out),
                   0);
  /* The same host with rport: 3581 4 adds received all the same. */
  n = with_received("Via: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK1;rport", "127.0.0.1", 33000,
                    out, sizeof out);
  ck_assert_int_gt(n, 0);
  ck_assert_str_eq(top_via(out, (size_t)n, line, sizeof line),
                   "SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK1;received=127.0.0.1;rport=33000");
  /* An earlier received is replaced; an rport with a value kept; no
   * parameters at all. */
  n = with_received("Via: SIP/2.0/UDP h.example.com;received=10.0.0.1;rport=7;branch=z9hG4bK2",
                    "192.0.2.1", 5070, out, sizeof out);
  ck_assert_int_gt(n, 0);
  ck_assert_str_eq(top_via(out, (size_t)n, line, sizeof line),
                   "SIP/2.0/UDP h.example.com;rport=7;branch=z9hG4bK2;received=192.0.2.1");
  n = with_received("Via: SIP/2.0/UDP h.example.com", "192.0.2.1", 5070, out, sizeof out);
  ck_assert_int_gt(n, 0);
  ck_assert_str_eq(top_via(out, (size_t)n, line, sizeof line),
                   "SIP/2.0/UDP h.example.com;received=192.0.2.1");
  /* Two via-parms in one header: only the first changes. */
  n = with_received("Via: SIP/2.0/UDP a.example.com;branch=z9hG4bK3, SIP/2.0/UDP b.example.com",
                    "192.0.2.1", 5070, out, sizeof out);
  ck_assert_int_gt(n, 0);
  ck_assert(strstr(out, "Via: SIP/2.0/UDP a.example.com;branch=z9hG4bK3;received=192.0.2.1, "
                        "SIP/2.0/UDP b.example.com\r\n") != NULL);
  /* Too small a buffer. */
  ck_assert_int_eq(with_received("Via: SIP/2.0/UDP 192.0.2.7;rport;branch=z9hG4bK1", "127.0.0.1",
                                 4000, out, 40),
                   RL_ERR_BUFFER);
}
END_TEST

START_TEST(forward_max_forwards) {
  static const char zero[] = "OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h\r\nTo: <sip:a@b>\r\n"
                             "From: <sip:c@d>;tag=1\r\nCall-ID: x\r\nCSeq: 1 OPTIONS\r\n"
                             "Max-Forwards: 0\r\nRoute: <sip:p1;lr>\r\n\r\n";
  static const char none[] = "OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h\r\nTo: <sip:a@b>\r\n"
                             "From: <sip:c@d>;tag=1\r\nCall-ID: x\r\nCSeq: 1 OPTIONS\r\n"
                             "Route: <sip:p1;lr>\r\n\r\n";
  char out[512];
  rl_writer w;
  rl_sip_header hdr[MAXH], fhdr[MAXH];
  rl_sip_msg req, fwd;
  rl_sip_err err;
  rl_sip_forward f = {{NULL, 0}, {NULL, 0}, {NULL, 0}, 1};
  long i;
  f.via = S("SIP/2.0/UDP p1;branch=z9hG4bKx");
  /* 16.3 step 3: zero hops left is a 483, not a forward. */
  parse(zero, sizeof zero - 1, &req, hdr);
  rl_writer_init(&w, (uint8_t *)out, sizeof out, NULL);
  ck_assert_int_eq(rl_sip_write_forward(&w, &req, &f), RL_ERR_PARAM);
  /* 16.6 step 3: none at all gets 70; the only Route value goes. */
  rl_sip_msg_init(&req, hdr, MAXH);
  ck_assert_int_eq(rl_sip_msg_parse(&req, none, sizeof none - 1, NULL, &err), 0);
  rl_writer_init(&w, (uint8_t *)out, sizeof out, NULL);
  ck_assert_int_eq(rl_sip_write_forward(&w, &req, &f), 0);
  parse(out, w.len, &fwd, fhdr);
  i = rl_sip_msg_find(&fwd, RL_SIP_HDR_MAX_FORWARDS, 0);
  ck_assert(streq(fhdr[i].value, "70"));
  ck_assert_int_lt(rl_sip_msg_find(&fwd, RL_SIP_HDR_ROUTE, 0), 0);
}
END_TEST

/* 8.2.6: the response copies Via, From, To, Call-ID, CSeq, adds a To
 * tag above 100; a 100 copies Timestamp (8.2.6.1). */
START_TEST(response_from_request) {
  char out[1024];
  rl_writer w;
  rl_sip_header hdr[MAXH], rhdr[MAXH];
  rl_sip_msg req, resp;
  rl_sip_addr to;
  rl_sip_err err;
  long i;
  parse(invite, sizeof invite - 1, &req, hdr);

  rl_writer_init(&w, (uint8_t *)out, sizeof out, NULL);
  ck_assert_int_eq(rl_sip_write_response(&w, &req, 180, "Ringing", S("a6c85cf")), 0);
  rl_sip_write_header_cstr(&w, "Contact", "<sip:bob@192.0.2.4>");
  rl_sip_write_body(&w, NULL, NULL, 0);
  ck_assert_int_eq(w.err, 0);
  parse(out, w.len, &resp, rhdr);
  ck_assert_int_eq(resp.status, 180);
  ck_assert(streq(resp.reason, "Ringing"));
  ck_assert(streq(rhdr[0].line, "Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK776asdhds\r\n"));
  i = rl_sip_msg_find(&resp, RL_SIP_HDR_TO, 0);
  ck_assert_int_eq(rl_sip_to_parse(rhdr[i].value, &to, &err), 0);
  ck_assert(streq(to.tag, "a6c85cf"));
  ck_assert(streq(to.display_name, "Bob"));
  i = rl_sip_msg_find(&resp, RL_SIP_HDR_CSEQ, 0);
  ck_assert(streq(rhdr[i].value, "314159 INVITE"));
  ck_assert_int_lt(rl_sip_msg_find(&resp, RL_SIP_HDR_TIMESTAMP, 0), 0);
  ck_assert_int_lt(rl_sip_msg_find(&resp, RL_SIP_HDR_ROUTE, 0), 0);

  rl_writer_init(&w, (uint8_t *)out, sizeof out, NULL);
  ck_assert_int_eq(rl_sip_write_response(&w, &req, 100, "Trying", S("a6c85cf")), 0);
  rl_sip_write_body(&w, NULL, NULL, 0);
  parse(out, w.len, &resp, rhdr);
  i = rl_sip_msg_find(&resp, RL_SIP_HDR_TO, 0);
  ck_assert_int_eq(rl_sip_to_parse(rhdr[i].value, &to, &err), 0);
  ck_assert_ptr_null(to.tag.p);
  ck_assert_int_ge(rl_sip_msg_find(&resp, RL_SIP_HDR_TIMESTAMP, 0), 0);

  /* A To that already has a tag (a request inside a dialog) keeps it. */
  {
    static const char bye[] = "BYE sip:alice@pc33.atlanta.example.com SIP/2.0\r\n"
                               "Via: SIP/2.0/UDP 192.0.2.4;branch=z9hG4bKnashds10\r\n"
                               "Max-Forwards: 70\r\nFrom: Bob <sip:bob@biloxi.example.com>;tag=a6c85cf\r\n"
                               "To: Alice <sip:alice@atlanta.example.com>;tag=1928301774\r\n"
                               "Call-ID: a84b4c76e66710\r\nCSeq: 231 BYE\r\nContent-Length: 0\r\n\r\n";
    rl_sip_header hdr2[MAXH];
    rl_sip_msg req2;
    parse(bye, sizeof bye - 1, &req2, hdr2);
    rl_writer_init(&w, (uint8_t *)out, sizeof out, NULL);
    ck_assert_int_eq(rl_sip_write_response(&w, &req2, 200, "OK", S("other")), 0);
    rl_sip_write_body(&w, NULL, NULL, 0);
    parse(out, w.len, &resp, rhdr);
    i = rl_sip_msg_find(&resp, RL_SIP_HDR_TO, 0);
    ck_assert(streq(rhdr[i].value, "Alice <sip:alice@atlanta.example.com>;tag=1928301774"));
  }
}
END_TEST

/* 16.7 step 3: the topmost Via value goes, whether it has a header of its
 * own or shares one. */
START_TEST(relay_response) {
  static const char resp1[] =
    "SIP/2.0 200 OK\r\n"
    "Via: SIP/2.0/UDP proxy.example.com;branch=z9hG4bKp1,\r\n"
    " SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK776asdhds\r\n"
    "To: <sip:bob@b>;tag=2\r\nFrom: <sip:alice@a>;tag=1\r\nCall-ID: x\r\nCSeq: 1 INVITE\r\n"
    "Content-Length: 0\r\n\r\n";
  static const char resp2[] =
    "SIP/2.0 486 Busy Here\r\n"
    "v: SIP/2.0/UDP proxy.example.com;branch=z9hG4bKp1\r\n"
    "Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK776asdhds\r\n"
    "To: <sip:bob@b>;tag=2\r\nFrom: <sip:alice@a>;tag=1\r\nCall-ID: x\r\nCSeq: 1 INVITE\r\n"
    "Content-Length: 0\r\n\r\n";
  char out[512];
  rl_writer w;
  rl_sip_header hdr[MAXH], ohdr[MAXH];
  rl_sip_msg in, o;
  parse(resp1, sizeof resp1 - 1, &in, hdr);
  rl_writer_init(&w, (uint8_t *)out, sizeof out, NULL);
  ck_assert_int_eq(rl_sip_write_response_forward(&w, &in), 0);
  parse(out, w.len, &o, ohdr);
  ck_assert_uint_eq(o.nhdr, in.nhdr);
  ck_assert(streq(ohdr[0].value, "SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK776asdhds"));
  ck_assert(streq(o.start_line, "SIP/2.0 200 OK\r\n"));

  parse(resp2, sizeof resp2 - 1, &in, hdr);
  rl_writer_init(&w, (uint8_t *)out, sizeof out, NULL);
  ck_assert_int_eq(rl_sip_write_response_forward(&w, &in), 0);
  parse(out, w.len, &o, ohdr);
  ck_assert_uint_eq(o.nhdr, in.nhdr - 1);
  ck_assert(streq(ohdr[0].line,
                  "Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK776asdhds\r\n"));
  ck_assert_uint_eq(w.len, sizeof resp2 - 1 - strlen("v: SIP/2.0/UDP proxy.example.com;branch=z9hG4bKp1\r\n"));

  /* A request is not a response. */
  parse(invite, sizeof invite - 1, &in, hdr);
  rl_writer_init(&w, (uint8_t *)out, sizeof out, NULL);
  ck_assert_int_eq(rl_sip_write_response_forward(&w, &in), RL_ERR_SYNTAX);
}
END_TEST

/* Every buffer too small fails with RL_ERR_BUFFER and writes nothing
 * past its end (the buffer is exactly that size). */
START_TEST(small_buffers) {
  rl_sip_header hdr[MAXH];
  rl_sip_msg req;
  rl_sip_forward f = {{NULL, 0}, {NULL, 0}, {NULL, 0}, 1};
  char big[1024];
  rl_writer w;
  size_t need;
  parse(invite, sizeof invite - 1, &req, hdr);
  f.via = S("SIP/2.0/UDP proxy.example.com;branch=z9hG4bKp1");
  rl_writer_init(&w, (uint8_t *)big, sizeof big, NULL);
  ck_assert_int_eq(rl_sip_write_forward(&w, &req, &f), 0);
  need = w.len;
  for (size_t n = 0; n < need; n++) {
    char *b = malloc(n ? n : 1);
    rl_writer_init(&w, (uint8_t *)b, n, NULL);
    ck_assert_int_eq(rl_sip_write_forward(&w, &req, &f), RL_ERR_BUFFER);
    ck_assert_uint_le(w.len, n);
    free(b);
  }
}
END_TEST

static Suite *suite(void) {
  Suite *s = suite_create("sip_write");
  TCase *tc = tcase_create("write");
  tcase_add_test(tc, request_from_scratch);
  tcase_add_test(tc, forward_request);
  tcase_add_test(tc, forward_max_forwards);
  tcase_add_test(tc, forward_drops_two_routes);
  tcase_add_test(tc, via_received);
  tcase_add_test(tc, response_from_request);
  tcase_add_test(tc, relay_response);
  tcase_add_test(tc, small_buffers);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) {
  SRunner *sr = srunner_create(suite());
  int failed;
  srunner_run_all(sr, CK_NORMAL);
  failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
