/* sip_msg_test.c: the SIP message parser (sip_msg.h): RFC 4475-style valid
 * and invalid messages, limits, framing, truncation and mutation sweeps,
 * and that parsing never allocates. */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/error.h"
#include "sip/sip_hdr.h"
#include "sip/sip_msg.h"
#include "sip_testmsgs.h"

/* Linked with --wrap=malloc,calloc,realloc (src/sip/sip.am): count the
 * allocations made while a parser runs. */
static long allocations;
void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t m);
void *__real_realloc(void *p, size_t n);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t m);
void *__wrap_realloc(void *p, size_t n);
void *__wrap_malloc(size_t n) {
  allocations++;
  return __real_malloc(n);
}
void *__wrap_calloc(size_t n, size_t m) {
  allocations++;
  return __real_calloc(n, m);
}
void *__wrap_realloc(void *p, size_t n) {
  allocations++;
  return __real_realloc(p, n);
}

#define MAXH 64

/* tests/sip/sip_msg_slow.c: the parser built without its fast path. */
int rl_sip_msg_parse_slow(rl_sip_msg *msg, const char *buf, size_t len, const rl_sip_opts *opts,
                          rl_sip_err *err);

/* A copy of text in a buffer of exactly len bytes, so that a read past
 * the end shows under AddressSanitizer. */
static char *exact(const char *text, size_t len) {
  char *b = malloc(len ? len : 1);
  ck_assert_ptr_nonnull(b);
  if (len) memcpy(b, text, len);
  return b;
}

static size_t off_of(const char *text, size_t len, const char *marker) {
  size_t n = strlen(marker);
  for (size_t i = 0; i + n <= len; i++)
    if (memcmp(text + i, marker, n) == 0) return i;
  ck_abort_msg("marker %s not in the message", marker);
  return 0;
}

static int parse_opts(const char *text, size_t len, const rl_sip_opts *opts, rl_sip_msg *msg,
                      rl_sip_header *hdr, size_t cap, rl_sip_err *err) {
  rl_sip_msg_init(msg, hdr, cap);
  return rl_sip_msg_parse(msg, text, len, opts, err);
}

static int parse(const char *text, size_t len, rl_sip_msg *msg, rl_sip_header *hdr,
                 rl_sip_err *err) {
  return parse_opts(text, len, NULL, msg, hdr, MAXH, err);
}

static int streq(rl_sip_str s, const char *lit) { return rl_sip_str_eq(s, lit); }

static const sip_testmsg *valid(const char *name) {
  for (size_t i = 0; i < sizeof valid_msgs / sizeof valid_msgs[0]; i++)
    if (strcmp(valid_msgs[i].name, name) == 0) return &valid_msgs[i];
  ck_abort_msg("no message %s", name);
  return NULL;
}

START_TEST(valid_messages_parse_and_validate) {
  const sip_testmsg *t = &valid_msgs[_i];
  rl_sip_header hdr[MAXH];
  rl_sip_msg msg;
  rl_sip_err err;
  char *b = exact(t->text, t->len);
  int r = parse(b, t->len, &msg, hdr, &err);
  ck_assert_msg(r == 0, "%s: %d at %zu: %s", t->name, r, err.offset, err.reason);
  r = rl_sip_msg_validate(&msg, &err);
  ck_assert_msg(r == 0, "%s: validate %d at %zu: %s", t->name, r, err.offset, err.reason);
  ck_assert_uint_eq(msg.header_len + msg.body.len, msg.len);
  if (strcmp(t->name, "dblreq") != 0) ck_assert_uint_eq(msg.len, t->len);
  free(b);
}
END_TEST

START_TEST(typical_invite_fields) {
  const sip_testmsg *t = valid("invite_sdp");
  rl_sip_header hdr[MAXH];
  rl_sip_msg msg;
  rl_sip_err err;
  static const rl_sip_hdr_kind kinds[] = {
    RL_SIP_HDR_VIA, RL_SIP_HDR_VIA, RL_SIP_HDR_MAX_FORWARDS, RL_SIP_HDR_TO, RL_SIP_HDR_FROM,
    RL_SIP_HDR_CALL_ID, RL_SIP_HDR_CSEQ, RL_SIP_HDR_CONTACT, RL_SIP_HDR_CONTENT_TYPE,
    RL_SIP_HDR_ALLOW, RL_SIP_HDR_SUPPORTED, RL_SIP_HDR_CONTENT_LENGTH,
  };
  ck_assert_int_eq(parse(t->text, t->len, &msg, hdr, &err), 0);
  ck_assert(msg.is_request);
  ck_assert_int_eq(msg.method, RL_SIP_METHOD_INVITE);
  ck_assert(streq(msg.method_name, "INVITE"));
  ck_assert(streq(msg.request_uri, "sip:bob@biloxi.example.com"));
  ck_assert_int_eq(msg.ruri.scheme, RL_SIP_SCHEME_SIP);
  ck_assert(streq(msg.ruri.user, "bob"));
  ck_assert(streq(msg.ruri.host, "biloxi.example.com"));
  ck_assert(streq(msg.version, "SIP/2.0"));
  ck_assert_uint_eq(msg.nhdr, sizeof kinds / sizeof kinds[0]);
  for (size_t i = 0; i < msg.nhdr; i++) ck_assert_int_eq(hdr[i].kind, kinds[i]);
  ck_assert(streq(hdr[5].name, "Call-ID"));
  ck_assert(streq(hdr[5].value, "a84b4c76e66710@pc33.atlanta.example.com"));
  ck_assert(streq(hdr[6].line, "CSeq: 314159 INVITE\r\n"));
  ck_assert_int_eq(msg.content_length, (long long)msg.body.len);
  ck_assert_uint_eq(msg.body.len, 211);
  ck_assert_int_eq(memcmp(msg.body.p, "v=0\r\n", 5), 0);
  ck_assert_uint_eq(msg.skipped, 0);
}
END_TEST

START_TEST(folding_and_compact_forms) {
  const sip_testmsg *t = valid("wsinv");
  rl_sip_header hdr[MAXH];
  rl_sip_msg msg;
  rl_sip_err err;
  long i;
  ck_assert_int_eq(parse(t->text, t->len, &msg, hdr, &err), 0);
  ck_assert(streq(msg.ruri.params, ";unknownparam"));
  /* "TO :" then a folded value. */
  ck_assert_int_eq(hdr[0].kind, RL_SIP_HDR_TO);
  ck_assert(streq(hdr[0].name, "TO"));
  ck_assert(streq(hdr[0].value, "sip:vivekg@chair-dnrc.example.com ;   tag    = 1918181833n"));
  ck_assert_int_eq(hdr[2].kind, RL_SIP_HDR_MAX_FORWARDS);
  /* cseq: 0009 CRLF "  INVITE": the fold stays inside the value. */
  i = rl_sip_msg_find(&msg, RL_SIP_HDR_CSEQ, 0);
  ck_assert(streq(hdr[i].value, "0009\r\n  INVITE"));
  /* s : with an empty value is Subject. */
  i = rl_sip_msg_find(&msg, RL_SIP_HDR_SUBJECT, 0);
  ck_assert_int_ge(i, 0);
  ck_assert(streq(hdr[i].name, "s"));
  ck_assert_uint_eq(hdr[i].value.len, 0);
  /* v: and m: are Via and Contact. */
  i = rl_sip_msg_find(&msg, RL_SIP_HDR_VIA, 0);
  i = rl_sip_msg_find(&msg, RL_SIP_HDR_VIA, (size_t)i + 1);
  ck_assert(streq(hdr[i].name, "v"));
  i = rl_sip_msg_find(&msg, RL_SIP_HDR_CONTACT, 0);
  ck_assert(streq(hdr[i].name, "m"));
  i = rl_sip_msg_find_name(&msg, "newfangledheader", 0);
  ck_assert_int_ge(i, 0);
  ck_assert_int_eq(hdr[i].kind, RL_SIP_HDR_OTHER);
  ck_assert(streq(hdr[i].value, "newfangled value\r\n continued newfangled value"));
  i = rl_sip_msg_find(&msg, RL_SIP_HDR_CONTENT_LENGTH, 0);
  ck_assert(streq(hdr[i].name, "Content-Length"));
  ck_assert_int_eq(msg.content_length, 150);
}
END_TEST

START_TEST(unusual_tokens_and_bytes) {
  const sip_testmsg *t = valid("intmeth");
  rl_sip_header hdr[MAXH];
  rl_sip_msg msg;
  rl_sip_err err;
  long i;
  ck_assert_int_eq(parse(t->text, t->len, &msg, hdr, &err), 0);
  ck_assert_int_eq(msg.method, RL_SIP_METHOD_OTHER);
  ck_assert(streq(msg.method_name, "!interesting-Method0123456789_*+`.%indeed'~"));
  ck_assert(streq(msg.ruri.password, "&it+has=1,weird!*pas$wo~d_too.(doesn't-it)"));
  /* The To display name holds quoted-pairs of BEL, NUL and DEL. */
  i = rl_sip_msg_find(&msg, RL_SIP_HDR_TO, 0);
  ck_assert_ptr_nonnull(memchr(hdr[i].value.p, 0, hdr[i].value.len));
  i = rl_sip_msg_find_name(&msg, "extensionHeader-!.%*+_`'~", 0);
  ck_assert_int_ge(i, 0);
  ck_assert_uint_eq(hdr[i].value.len, 12); /* BOM and three CJK characters */
}
END_TEST

START_TEST(escapes_and_odd_names) {
  rl_sip_header hdr[MAXH];
  rl_sip_msg msg;
  rl_sip_err err;
  const sip_testmsg *t = valid("esc01");
  ck_assert_int_eq(parse(t->text, t->len, &msg, hdr, &err), 0);
  ck_assert(streq(msg.ruri.user, "sips%3Auser%40example.com"));
  ck_assert(streq(msg.ruri.host, "example.net"));
  ck_assert_int_eq(hdr[3].kind, RL_SIP_HDR_CALL_ID); /* i: */
  ck_assert(streq(hdr[3].name, "i"));
  ck_assert_int_eq(hdr[6].kind, RL_SIP_HDR_CONTENT_TYPE); /* C: */
  ck_assert(streq(hdr[6].name, "C"));

  t = valid("esc02");
  ck_assert_int_eq(parse(t->text, t->len, &msg, hdr, &err), 0);
  ck_assert(streq(msg.method_name, "RE%47IST%45R"));
  ck_assert_int_eq(msg.method, RL_SIP_METHOD_OTHER);
  /* "C%6Fntact" is an extension header, not Contact: no unescaping. */
  ck_assert_int_eq(hdr[rl_sip_msg_find_name(&msg, "C%6Fntact", 0)].kind, RL_SIP_HDR_OTHER);

  t = valid("escnull");
  ck_assert_int_eq(parse(t->text, t->len, &msg, hdr, &err), 0);
  ck_assert_int_eq(msg.content_length, 0); /* "L:0" */

  t = valid("semiuri");
  ck_assert_int_eq(parse(t->text, t->len, &msg, hdr, &err), 0);
  ck_assert(streq(msg.ruri.user, "user;par=u%40example.net"));
  ck_assert(streq(msg.ruri.host, "example.com"));
  ck_assert_ptr_null(msg.ruri.params.p);
}
END_TEST

START_TEST(responses_and_reason_phrases) {
  rl_sip_header hdr[MAXH];
  rl_sip_msg msg;
  rl_sip_err err;
  const sip_testmsg *t = valid("unreason");
  ck_assert_int_eq(parse(t->text, t->len, &msg, hdr, &err), 0);
  ck_assert(!msg.is_request);
  ck_assert_int_eq(msg.status, 200);
  ck_assert_uint_eq(msg.reason.len, off_of(t->text, t->len, "\r\n") - 12);
  ck_assert_int_eq(memcmp(msg.reason.p, "= 2**3 * 5**2 ", 14), 0);

  t = valid("noreason");
  ck_assert_int_eq(parse(t->text, t->len, &msg, hdr, &err), 0);
  ck_assert_int_eq(msg.status, 100);
  ck_assert_ptr_nonnull(msg.reason.p);
  ck_assert_uint_eq(msg.reason.len, 0);

  /* 7.5: CRLFs before the start line are skipped. */
  t = valid("ringing");
  ck_assert_int_eq(parse(t->text, t->len, &msg, hdr, &err), 0);
  ck_assert_uint_eq(msg.skipped, 4);
  ck_assert_int_eq(msg.status, 180);
  ck_assert(streq(msg.reason, "Ringing"));
  ck_assert(streq(msg.start_line, "SIP/2.0 180 Ringing\r\n"));
}
END_TEST

START_TEST(ipv6_and_tel) {
  rl_sip_header hdr[MAXH];
  rl_sip_msg msg;
  rl_sip_err err;
  const sip_testmsg *t = valid("ipv6");
  ck_assert_int_eq(parse(t->text, t->len, &msg, hdr, &err), 0);
  ck_assert_int_eq(msg.ruri.host_type, RL_SIP_HOST_IPV6);
  ck_assert(streq(msg.ruri.host, "[2001:db8::10]"));

  t = valid("tel");
  ck_assert_int_eq(parse(t->text, t->len, &msg, hdr, &err), 0);
  ck_assert_int_eq(msg.method, RL_SIP_METHOD_MESSAGE);
  ck_assert_int_eq(msg.ruri.scheme, RL_SIP_SCHEME_TEL);
  ck_assert(streq(msg.ruri.opaque, "+1-201-555-0123"));
}
END_TEST

/* 18.3: bytes after Content-Length in a datagram are discarded; over a
 * stream they are the next message. */
START_TEST(two_messages_in_one_buffer) {
  const sip_testmsg *t = valid("dblreq");
  rl_sip_header hdr[MAXH];
  rl_sip_msg msg, second;
  rl_sip_header hdr2[MAXH];
  rl_sip_err err;
  rl_sip_opts stream = rl_sip_opts_default();
  stream.stream = 1;
  ck_assert_int_eq(parse(t->text, t->len, &msg, hdr, &err), 0);
  ck_assert_int_eq(msg.method, RL_SIP_METHOD_REGISTER);
  ck_assert_uint_eq(msg.len, off_of(t->text, t->len, "INVITE"));
  ck_assert_int_eq(parse_opts(t->text, t->len, &stream, &msg, hdr, MAXH, &err), 0);
  ck_assert_int_eq(parse_opts(t->text + msg.len, t->len - msg.len, &stream, &second, hdr2,
                              MAXH, &err), 0);
  ck_assert_int_eq(second.method, RL_SIP_METHOD_INVITE);
  ck_assert_uint_eq(msg.len + second.len, t->len);
  ck_assert(streq(second.body, "v=0\r\n"));
}
END_TEST

/* An invalid message, where it fails, and why. */
typedef struct bad_case {
  const char *name;
  int at_validate;     /* 0: rl_sip_msg_parse fails; 1: rl_sip_msg_validate */
  int code;
  int status;
  const char *reason;  /* NULL: checked by the test itself */
  const char *marker;  /* the offset is where this text starts ... */
  size_t delta;        /* ... plus delta */
  const char *header;  /* err.header, or NULL for none */
} bad_case;

static const bad_case bad_cases[] = {
  {"badinv01", 1, RL_ERR_SYNTAX, 400, "Bad Via header", "192.0.2.15;;", 11, "Via"},
  {"clerr", 0, RL_ERR_TRUNCATED, 400, NULL, NULL, 0, "Content-Length"},
  {"ncl", 0, RL_ERR_SYNTAX, 400, "Bad Content-Length", "-999", 0, "Content-Length"},
  {"scalar02", 1, RL_ERR_SYNTAX, 400, "Bad CSeq header", "36893488147419103232", 0, "CSeq"},
  {"quotbal", 1, RL_ERR_SYNTAX, 400, "Bad To header", ">\r\nFrom", 1, "To"},
  {"ltgtruri", 0, RL_ERR_SYNTAX, 400, "Bad Request-URI", "<sip:", 0, NULL},
  {"lwsruri", 0, RL_ERR_SYNTAX, 400, "Bad Request-URI", " lr SIP", 0, NULL},
  {"lwsstart", 0, RL_ERR_SYNTAX, 400, "Bad Request-Line", "  sip:", 1, NULL},
  {"trws", 0, RL_ERR_SYNTAX, 400, "Bad Request-Line", "SIP/2.0  ", 7, NULL},
  {"escruri", 0, RL_ERR_SYNTAX, 400, "Bad Request-URI", "?Route", 0, NULL},
  {"badaspec", 1, RL_ERR_SYNTAX, 400, "Bad To header", "< sip:t.watson", 1, "To"},
  {"baddn", 1, RL_ERR_SYNTAX, 400, "Bad From header", "Bell, Alexander", 4, "From"},
  {"badvers", 1, RL_ERR_SYNTAX, 505, "SIP Version not supported", "SIP/7.0\r\n", 0, NULL},
  {"mismatch01", 1, RL_ERR_SYNTAX, 400, "CSeq method does not match", "CSeq: 8 INVITE", 0,
   "CSeq"},
  {"bigcode", 0, RL_ERR_SYNTAX, 400, "Bad Status-Line", "4294967301", 3, NULL},
  {"insuf", 1, RL_ERR_SYNTAX, 400, "Missing To", "\r\n\r\n", 2, NULL},
  {"multi01", 1, RL_ERR_SYNTAX, 400, "Duplicate To header", "To: sip:other", 0, "To"},
  {"mcl01", 0, RL_ERR_SYNTAX, 400, "Bad Content-Length", "Content-Length: 5", 16,
   "Content-Length"},
};

static const sip_testmsg *invalid(const char *name) {
  for (size_t i = 0; i < sizeof invalid_msgs / sizeof invalid_msgs[0]; i++)
    if (strcmp(invalid_msgs[i].name, name) == 0) return &invalid_msgs[i];
  ck_abort_msg("no message %s", name);
  return NULL;
}

START_TEST(invalid_messages_name_the_fault) {
  const bad_case *c = &bad_cases[_i];
  const sip_testmsg *t = invalid(c->name);
  rl_sip_header hdr[MAXH];
  rl_sip_msg msg;
  rl_sip_err err;
  char *b = exact(t->text, t->len);
  int r = parse(b, t->len, &msg, hdr, &err);
  if (c->at_validate) {
    ck_assert_msg(r == 0, "%s: parse %d %s", c->name, r, err.reason);
    r = rl_sip_msg_validate(&msg, &err);
  }
  ck_assert_msg(r == c->code, "%s: %d (%s), want %d", c->name, r, err.reason, c->code);
  ck_assert_int_eq(err.code, c->code);
  ck_assert_int_eq(err.status, c->status);
  if (c->reason) {
    ck_assert_str_eq(err.reason, c->reason);
    ck_assert_msg(err.offset == off_of(b, t->len, c->marker) + c->delta,
                  "%s: offset %zu, want %zu", c->name, err.offset,
                  off_of(b, t->len, c->marker) + c->delta);
  }
  if (c->header)
    ck_assert_msg(rl_sip_str_ieq(err.header, c->header), "%s: header %.*s", c->name,
                  (int)err.header.len, err.header.p ? err.header.p : "");
  else
    ck_assert_ptr_null(err.header.p);
  free(b);
}
END_TEST

/* 18.3: a datagram whose body is shorter than Content-Length. */
START_TEST(content_length_longer_than_body) {
  const sip_testmsg *t = invalid("clerr");
  rl_sip_header hdr[MAXH];
  rl_sip_msg msg;
  rl_sip_err err;
  char want[80];
  size_t body = t->len - (off_of(t->text, t->len, "\r\n\r\n") + 4);
  snprintf(want, sizeof want, "Content-Length 9999 but %zu bytes of body", body);
  ck_assert_int_eq(parse(t->text, t->len, &msg, hdr, &err), RL_ERR_TRUNCATED);
  ck_assert_str_eq(err.reason, want);
  ck_assert_uint_eq(err.offset, t->len);
}
END_TEST

static void expect_error(const char *text, size_t len, const rl_sip_opts *opts, size_t cap,
                         int code, int status, const char *reason, size_t offset) {
  rl_sip_header hdr[MAXH];
  rl_sip_msg msg;
  rl_sip_err err;
  char *b = exact(text, len);
  int r = parse_opts(b, len, opts, &msg, hdr, cap, &err);
  ck_assert_msg(r == code, "%d (%s), want %d (%s)", r, err.reason, code, reason);
  ck_assert_str_eq(err.reason, reason);
  ck_assert_int_eq(err.status, status);
  ck_assert_msg(err.offset == offset, "%s: offset %zu, want %zu", reason, err.offset, offset);
  free(b);
}

#define HEAD "OPTIONS sip:a@example.com SIP/2.0\r\n"
#define EXPECT(text, code, reason, offset) \
  expect_error(text, sizeof text - 1, NULL, MAXH, code, 400, reason, offset)

START_TEST(broken_lines_and_bytes) {
  size_t h = sizeof HEAD - 1;
  /* A raw NUL (not in a quoted-pair) is refused. */
  EXPECT(HEAD "Subject: a\0b\r\n\r\n", RL_ERR_SYNTAX, "NUL byte in header", h + 10);
  EXPECT("OPTIONS sip:a@b\0 SIP/2.0\r\n\r\n", RL_ERR_SYNTAX, "NUL byte in start line", 15);
  /* Bare LF, and CR without LF. */
  EXPECT("OPTIONS sip:a@example.com SIP/2.0\nVia: x\n\n", RL_ERR_SYNTAX, "Bad line ending",
         h - 2);
  EXPECT(HEAD "Subject: x\rTo: y\r\n\r\n", RL_ERR_SYNTAX, "Bad line ending", h + 11);
  /* A header without a colon, a name with a separator in it. */
  EXPECT(HEAD "Subject\r\n\r\n", RL_ERR_SYNTAX, "Missing colon in header", h + 7);
  EXPECT(HEAD "Sub ject: x\r\n\r\n", RL_ERR_SYNTAX, "Bad header name", h + 4);
  EXPECT(HEAD "Sub[ject: x\r\n\r\n", RL_ERR_SYNTAX, "Bad header name", h + 3);
  /* Bytes the generic header-value rule refuses: not UTF-8, a control. */
  EXPECT(HEAD "Subject: \xff\r\n\r\n", RL_ERR_SYNTAX, "Bad Subject header", h + 9);
  EXPECT(HEAD "X-Odd: a\x01\r\n\r\n", RL_ERR_SYNTAX, "Bad X-Odd header", h + 8);
  /* A folded line cannot start the headers. */
  EXPECT(HEAD " Subject: x\r\n\r\n", RL_ERR_SYNTAX, "Bad header name", h);
  /* Start lines. */
  EXPECT("SIP/2.0 20 OK\r\n\r\n", RL_ERR_SYNTAX, "Bad Status-Line", 10);
  EXPECT("SIP/2.0 700 Odd\r\n\r\n", RL_ERR_SYNTAX, "Bad Status-Line", 8);
  EXPECT("SIP/2.0 200 100%\r\n\r\n", RL_ERR_SYNTAX, "Bad Status-Line", 16);
  EXPECT("OPTIONS sip:a@b SIP/2.0x\r\n\r\n", RL_ERR_SYNTAX, "Bad Request-Line", 23);
  EXPECT("OPTIONS sip:a@b SIP/2\r\n\r\n", RL_ERR_SYNTAX, "Bad Request-Line", 21);
  EXPECT("OPTIONS sip:a@b\r\n\r\n", RL_ERR_SYNTAX, "Bad Request-Line", 15);
  EXPECT("OPTIONS sip:a@b:99999 SIP/2.0\r\n\r\n", RL_ERR_SYNTAX, "Bad Request-URI", 16);
  EXPECT("OPTIONS sip:a@[::1 SIP/2.0\r\n\r\n", RL_ERR_SYNTAX, "Bad Request-URI", 18);
  EXPECT("\r\n\r\n OPTIONS sip:a@b SIP/2.0\r\n\r\n", RL_ERR_SYNTAX, "Bad Request-Line", 4);
  /* Incomplete: no empty line yet. */
  EXPECT(HEAD "Subject: x\r\n", RL_ERR_TRUNCATED, "Incomplete message", h + 12);
}
END_TEST

START_TEST(limits) {
  const sip_testmsg *t = valid("invite_sdp");
  rl_sip_opts o = rl_sip_opts_default();
  size_t via = off_of(t->text, t->len, "Via:");
  size_t fourth = off_of(t->text, t->len, "To:");
  /* More headers than the caller's array holds. */
  expect_error(t->text, t->len, NULL, 3, RL_ERR_TOO_LARGE, 400, "Too many headers", fourth);
  /* A header line above max_line, and the start line. */
  o.max_line = 60;
  expect_error(t->text, t->len, &o, MAXH, RL_ERR_TOO_LARGE, 400, "Header line too long", via);
  o.max_line = 20;
  expect_error(t->text, t->len, &o, MAXH, RL_ERR_TOO_LARGE, 400, "Start line too long", 0);
  /* The header section above max_header_bytes: the parser stops there. */
  o = rl_sip_opts_default();
  o.max_header_bytes = 200;
  expect_error(t->text, t->len, &o, MAXH, RL_ERR_TOO_LARGE, 513, "Message headers too large",
               200);
  /* A body above max_body. */
  o = rl_sip_opts_default();
  o.max_body = 100;
  expect_error(t->text, t->len, &o, MAXH, RL_ERR_TOO_LARGE, 513, "Message body too large",
               off_of(t->text, t->len, "v=0"));
  /* A stream needs Content-Length (18.3). */
  o = rl_sip_opts_default();
  o.stream = 1;
  expect_error(HEAD "Via: SIP/2.0/TCP h\r\n\r\n", sizeof HEAD + 21, &o, MAXH, RL_ERR_SYNTAX, 400,
               "Missing Content-Length", sizeof HEAD + 21);
}
END_TEST

/* Validation: the headers 8.1.1 requires. */
START_TEST(validate_required_headers) {
  const sip_testmsg *t = valid("invite_sdp");
  rl_sip_header hdr[MAXH];
  rl_sip_msg msg;
  rl_sip_err err;
  static const struct {
    const char *line;
    const char *reason;
  } drop[] = {
    {"Call-ID: ", "Missing Call-ID"},
    {"Max-Forwards: ", "Missing Max-Forwards"},
    {"From: ", "Missing From"},
    {"CSeq: ", "Missing CSeq"},
  };
  for (size_t k = 0; k < sizeof drop / sizeof drop[0]; k++) {
    /* The message without that header line. */
    char buf[2048];
    size_t at = off_of(t->text, t->len, drop[k].line);
    const char *eol = strstr(t->text + at, "\r\n") + 2;
    size_t cut = (size_t)(eol - (t->text + at));
    memcpy(buf, t->text, at);
    memcpy(buf + at, eol, t->len - at - cut);
    ck_assert_int_eq(parse(buf, t->len - cut, &msg, hdr, &err), 0);
    ck_assert_int_eq(rl_sip_msg_validate(&msg, &err), RL_ERR_SYNTAX);
    ck_assert_str_eq(err.reason, drop[k].reason);
    ck_assert_int_eq(err.status, 400);
    /* A proxy takes a request without Max-Forwards (it adds one, 16.6
     * step 3), and nothing else missing. */
    if (strcmp(drop[k].line, "Max-Forwards: ") == 0) {
      ck_assert_int_eq(rl_sip_msg_validate_as(&msg, RL_SIP_VALIDATE_PROXY, &err), 0);
    } else {
      ck_assert_int_eq(rl_sip_msg_validate_as(&msg, RL_SIP_VALIDATE_PROXY, &err), RL_ERR_SYNTAX);
      ck_assert_str_eq(err.reason, drop[k].reason);
    }
  }
  /* Responses need no Max-Forwards. */
  t = valid("ringing");
  ck_assert_int_eq(parse(t->text, t->len, &msg, hdr, &err), 0);
  ck_assert_int_eq(rl_sip_msg_validate(&msg, &err), 0);
  /* Max-Forwards 300 is out of range (20.22). */
  {
    static const char m[] = "OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h\r\nTo: <sip:a@b>\r\n"
                            "From: <sip:c@d>;tag=1\r\nCall-ID: x\r\nCSeq: 1 OPTIONS\r\n"
                            "Max-Forwards: 300\r\n\r\n";
    ck_assert_int_eq(parse(m, sizeof m - 1, &msg, hdr, &err), 0);
    ck_assert_int_eq(rl_sip_msg_validate(&msg, &err), RL_ERR_SYNTAX);
    ck_assert_str_eq(err.reason, "Bad Max-Forwards header");
    ck_assert_uint_eq(err.offset, off_of(m, sizeof m - 1, "300"));
    ck_assert(streq(err.header, "Max-Forwards"));
  }
}
END_TEST

/* Every prefix of a valid message is incomplete (never a syntax error,
 * never accepted early); the framer agrees on where the message ends. */
START_TEST(truncation_sweep) {
  const sip_testmsg *t = &valid_msgs[_i];
  rl_sip_header hdr[MAXH];
  rl_sip_msg msg;
  rl_sip_err err;
  rl_sip_opts stream = rl_sip_opts_default();
  size_t full, header_end;
  stream.stream = 1;
  ck_assert_int_eq(parse(t->text, t->len, &msg, hdr, &err), 0);
  full = msg.len;
  header_end = msg.header_len;
  for (size_t n = 0; n <= t->len; n++) {
    char *b = exact(t->text, n);
    rl_sip_framer f = {0};
    rl_sip_frame fr;
    int r = parse(b, n, &msg, hdr, &err);
    if (n < full) {
      ck_assert_msg(r == RL_ERR_TRUNCATED, "%s: prefix %zu: %d %s", t->name, n, r, err.reason);
      ck_assert_uint_le(err.offset, n);
    } else {
      ck_assert_msg(r == 0, "%s: prefix %zu: %d %s", t->name, n, r, err.reason);
      ck_assert_uint_eq(msg.len, full);
    }
    r = parse_opts(b, n, &stream, &msg, hdr, MAXH, &err);
    ck_assert_int_eq(r, n < full ? RL_ERR_TRUNCATED : 0);
    r = rl_sip_msg_frame(&f, b, n, NULL, &fr, &err);
    if (n < header_end) {
      ck_assert_msg(r == RL_ERR_TRUNCATED, "%s: frame prefix %zu: %d %s", t->name, n, r,
                    err.reason);
    } else {
      ck_assert_int_eq(r, 0);
      ck_assert_uint_eq(fr.total, full);
    }
    free(b);
  }
}
END_TEST

/* Prefixes of the invalid messages: incomplete or an error, no crash. */
START_TEST(truncation_sweep_invalid) {
  const sip_testmsg *t = &invalid_msgs[_i];
  rl_sip_header hdr[MAXH];
  rl_sip_msg msg;
  rl_sip_err err;
  for (size_t n = 0; n <= t->len; n++) {
    char *b = exact(t->text, n);
    int r = parse(b, n, &msg, hdr, &err);
    if (r < 0) {
      ck_assert(r == RL_ERR_TRUNCATED || r == RL_ERR_SYNTAX || r == RL_ERR_TOO_LARGE);
      ck_assert_uint_le(err.offset, n);
      ck_assert(err.reason[0] != 0);
    } else {
      r = rl_sip_msg_validate(&msg, &err);
      ck_assert(r == 0 || err.reason[0] != 0);
    }
    free(b);
  }
}
END_TEST

/* Parse every structured header of msg (as the fuzz target does). */
static void parse_all_headers(const rl_sip_msg *msg) {
  rl_sip_err err;
  for (size_t i = 0; i < msg->nhdr; i++) {
    rl_sip_str v = msg->hdr[i].value;
    size_t pos = 0;
    int r = 0;
    switch (msg->hdr[i].kind) {
      case RL_SIP_HDR_VIA: {
        rl_sip_via via;
        while ((r = rl_sip_via_next(v, &pos, &via, &err)) > 0) ck_assert_uint_le(pos, v.len);
        break;
      }
      case RL_SIP_HDR_CONTACT: {
        rl_sip_addr a;
        while ((r = rl_sip_contact_next(v, &pos, &a, &err)) > 0) ck_assert_uint_le(pos, v.len);
        break;
      }
      case RL_SIP_HDR_ROUTE:
      case RL_SIP_HDR_RECORD_ROUTE: {
        rl_sip_addr a;
        while ((r = rl_sip_route_next(msg->hdr[i].kind, v, &pos, &a, &err)) > 0)
          ck_assert_uint_le(pos, v.len);
        break;
      }
      default:
        break;
    }
    if (r < 0) ck_assert_uint_le(err.offset, v.len);
  }
}

/* Every byte of a valid message replaced by a few troublesome values:
 * the parser, the validator and the header parsers fail cleanly. */
START_TEST(mutation_sweep) {
  static const unsigned char subst[] = {0, '\r', '\n', ' ', ':', ';', ',', '<', '"', '\\', 0xff};
  const sip_testmsg *t = valid(_i == 0 ? "invite_sdp" : _i == 1 ? "wsinv" : "register_gruu");
  rl_sip_header hdr[MAXH];
  rl_sip_msg msg;
  rl_sip_err err;
  for (size_t n = 0; n < t->len; n++) {
    for (size_t k = 0; k < sizeof subst; k++) {
      char *b = exact(t->text, t->len);
      int r;
      b[n] = (char)subst[k];
      r = parse(b, t->len, &msg, hdr, &err);
      if (r == 0) {
        r = rl_sip_msg_validate(&msg, &err);
        if (r < 0) ck_assert_uint_le(err.offset, t->len);
        parse_all_headers(&msg);
      } else {
        ck_assert_uint_le(err.offset, t->len);
        ck_assert(err.reason[0] != 0);
      }
      free(b);
    }
  }
}
END_TEST

/* Framing over a stream: keep-alive CRLFs, a message split across reads,
 * two messages back to back. */
START_TEST(stream_framing) {
  const sip_testmsg *t = valid("ringing");
  rl_sip_framer f = {0};
  rl_sip_frame fr;
  rl_sip_err err;
  ck_assert_int_eq(rl_sip_msg_frame(&f, "\r\n\r\n", 4, NULL, &fr, &err), RL_ERR_TRUNCATED);
  ck_assert_uint_eq(fr.skip, 4);
  memset(&f, 0, sizeof f);
  ck_assert_int_eq(rl_sip_msg_frame(&f, t->text, t->len, NULL, &fr, &err), 0);
  ck_assert_uint_eq(fr.skip, 4);
  ck_assert_uint_eq(fr.body_len, 0);
  ck_assert_uint_eq(fr.total, t->len);
  ck_assert_uint_eq(fr.header_len, t->len - 4);
  /* Framing errors. */
  {
    static const char nocl[] = "OPTIONS sip:a@b SIP/2.0\r\nVia: x\r\n\r\n";
    static const char badcl[] = "OPTIONS sip:a@b SIP/2.0\r\nl: 1x\r\n\r\n";
    static const char twocl[] = "OPTIONS sip:a@b SIP/2.0\r\nl: 1\r\nContent-Length:\r\n 2\r\n\r\n";
    static const char folded[] = "OPTIONS sip:a@b SIP/2.0\r\nContent-Length:\r\n 2\r\n\r\nab";
    /* 1*DIGIT: any number of leading zeros (found by fuzz/fuzz_sip_message.c:
     * the framer once refused what the parser took). */
    static const char zeros[] = "OPTIONS sip:a@b SIP/2.0\r\nl: 000000000000000000000000002\r\n\r\nab";
    rl_sip_header zh[4];
    rl_sip_msg zm;
    memset(&f, 0, sizeof f);
    ck_assert_int_eq(rl_sip_msg_frame(&f, zeros, sizeof zeros - 1, NULL, &fr, &err), 0);
    ck_assert_uint_eq(fr.total, sizeof zeros - 1);
    rl_sip_msg_init(&zm, zh, 4);
    ck_assert_int_eq(rl_sip_msg_parse(&zm, zeros, sizeof zeros - 1, NULL, &err), 0);
    ck_assert_int_eq(zm.content_length, 2);
    memset(&f, 0, sizeof f);
    ck_assert_int_eq(rl_sip_msg_frame(&f, nocl, sizeof nocl - 1, NULL, &fr, &err), RL_ERR_SYNTAX);
    ck_assert_str_eq(err.reason, "Missing Content-Length");
    memset(&f, 0, sizeof f);
    ck_assert_int_eq(rl_sip_msg_frame(&f, badcl, sizeof badcl - 1, NULL, &fr, &err), RL_ERR_SYNTAX);
    ck_assert_str_eq(err.reason, "Bad Content-Length");
    ck_assert_uint_eq(err.offset, 29);
    memset(&f, 0, sizeof f);
    ck_assert_int_eq(rl_sip_msg_frame(&f, twocl, sizeof twocl - 1, NULL, &fr, &err), RL_ERR_SYNTAX);
    memset(&f, 0, sizeof f);
    ck_assert_int_eq(rl_sip_msg_frame(&f, folded, sizeof folded - 1, NULL, &fr, &err), 0);
    ck_assert_uint_eq(fr.total, sizeof folded - 1);
  }
}
END_TEST

/* A header section dribbled in one byte at a time: the framer resumes
 * where it stopped (linear work), and refuses past max_header_bytes. */
/* Headers complete, the body not yet: the next call, with the body and
 * the next message there, frames the same message (it found the next
 * message's empty line instead, and two Content-Lengths: a SIP link
 * under load closed with "Bad Content-Length"). */
START_TEST(framer_resumes_in_body) {
  static const char two[] = "SIP/2.0 200 OK\r\nl: 5\r\n\r\nv=0\r\n"
                            "SIP/2.0 180 Ringing\r\nContent-Length: 0\r\n\r\n";
  size_t first = sizeof "SIP/2.0 200 OK\r\nl: 5\r\n\r\nv=0\r\n" - 1;
  for (size_t cut = 1; cut < sizeof two - 1; cut++) {
    rl_sip_framer f = {0};
    rl_sip_frame fr;
    rl_sip_err err;
    int r = rl_sip_msg_frame(&f, two, cut, NULL, &fr, &err);
    if (r == 0) ck_assert_uint_eq(fr.total, first);
    else ck_assert_int_eq(r, RL_ERR_TRUNCATED);
    ck_assert_int_eq(rl_sip_msg_frame(&f, two, sizeof two - 1, NULL, &fr, &err), 0);
    ck_assert_uint_eq(fr.total, first);
  }
}
END_TEST

START_TEST(framer_resumes) {
  rl_sip_opts o = rl_sip_opts_default();
  size_t n = 60000;
  char *b = malloc(n + 64);
  rl_sip_framer f = {0};
  rl_sip_frame fr;
  rl_sip_err err;
  size_t len = 0;
  int r = RL_ERR_TRUNCATED;
  memcpy(b, "OPTIONS sip:a@b SIP/2.0\r\nX: ", 28);
  memset(b + 28, 'a', n - 28);
  memcpy(b + n, "\r\nl: 0\r\n\r\n", 10);
  for (len = 1; len <= n + 10 && r == RL_ERR_TRUNCATED; len++) {
    r = rl_sip_msg_frame(&f, b, len, &o, &fr, &err);
    if (r == RL_ERR_TRUNCATED) ck_assert_uint_eq(f.scanned, len);
  }
  ck_assert_int_eq(r, 0);
  ck_assert_uint_eq(fr.total, n + 10);
  o.max_header_bytes = 1000;
  memset(&f, 0, sizeof f);
  ck_assert_int_eq(rl_sip_msg_frame(&f, b, n + 10, &o, &fr, &err), RL_ERR_TOO_LARGE);
  ck_assert_int_eq(err.status, 513);
  free(b);
}
END_TEST

/* A megabyte of folded header value and a Via of 20000 entries: the
 * parsers' work is linear (the test would time out otherwise). */
START_TEST(huge_input_is_linear) {
  size_t n = 1u << 20, len = 0;
  char *b = malloc(n + 200);
  rl_sip_opts o = rl_sip_opts_default();
  rl_sip_header hdr[8];
  rl_sip_msg msg;
  rl_sip_err err;
  size_t pos = 0, count = 0;
  rl_sip_via via;
  int r;
  o.max_line = o.max_header_bytes = 4u << 20;
  len += (size_t)sprintf(b, "OPTIONS sip:a@b SIP/2.0\r\nX: a");
  while (len < n) len += (size_t)sprintf(b + len, "\r\n a");
  len += (size_t)sprintf(b + len, "\r\n\r\n");
  ck_assert_int_eq(parse_opts(b, len, &o, &msg, hdr, 8, &err), 0);
  ck_assert_uint_eq(msg.hdr[0].value.len, len - 4 - 28);
  /* The same bytes without the empty line: incomplete, found at once. */
  ck_assert_int_eq(parse_opts(b, len - 2, &o, &msg, hdr, 8, &err), RL_ERR_TRUNCATED);
  /* With the default limits: refused at 64 KiB. */
  ck_assert_int_eq(parse(b, len, &msg, hdr, &err), RL_ERR_TOO_LARGE);
  free(b);

  b = malloc(20000 * 24);
  len = 0;
  for (int i = 0; i < 20000; i++)
    len += (size_t)sprintf(b + len, "%sSIP/2.0/UDP h%d", i ? ", " : "", i % 10);
  {
    rl_sip_str v = {b, len};
    while ((r = rl_sip_via_next(v, &pos, &via, &err)) > 0) count++;
  }
  ck_assert_int_eq(r, 0);
  ck_assert_uint_eq(count, 20000);
  free(b);
}
END_TEST

/* The fast and the plain parser agree on buf: code, error, every slice.
 * Returns 1, or 0 and a description in why. */
static int same_result(const char *buf, size_t len, const rl_sip_opts *o, char *why, size_t cap) {
  static rl_sip_header h1[MAXH], h2[MAXH];
  rl_sip_msg m1, m2;
  rl_sip_err e1, e2;
  int r1, r2;
  rl_sip_msg_init(&m1, h1, MAXH);
  rl_sip_msg_init(&m2, h2, MAXH);
  r1 = rl_sip_msg_parse(&m1, buf, len, o, &e1);
  r2 = rl_sip_msg_parse_slow(&m2, buf, len, o, &e2);
  if (r1 != r2) {
    snprintf(why, cap, "codes %d and %d", r1, r2);
    return 0;
  }
  if (r1 != 0) {
    if (e1.code != e2.code || e1.status != e2.status || e1.offset != e2.offset ||
        strcmp(e1.reason, e2.reason) != 0 || e1.header.p != e2.header.p ||
        e1.header.len != e2.header.len) {
      snprintf(why, cap, "errors \"%s\" at %zu and \"%s\" at %zu", e1.reason, e1.offset,
               e2.reason, e2.offset);
      return 0;
    }
    return 1;
  }
  if (m1.nhdr != m2.nhdr || m1.len != m2.len || m1.header_len != m2.header_len ||
      m1.body.p != m2.body.p || m1.request_uri.p != m2.request_uri.p ||
      m1.reason.len != m2.reason.len || m1.content_length != m2.content_length) {
    snprintf(why, cap, "messages differ");
    return 0;
  }
  for (size_t i = 0; i < m1.nhdr; i++) {
    if (h1[i].kind != h2[i].kind || h1[i].name.p != h2[i].name.p ||
        h1[i].name.len != h2[i].name.len || h1[i].value.p != h2[i].value.p ||
        h1[i].value.len != h2[i].value.len || h1[i].line.len != h2[i].line.len) {
      snprintf(why, cap, "header %zu differs", i);
      return 0;
    }
  }
  return 1;
}

/* The fast path over plain header-value bytes (sip_msg.rl) changes no
 * result: every test message with each byte replaced by each of a set of
 * bytes that matter to the grammar, and random values built of them. */
START_TEST(fast_path_agrees) {
  static const unsigned char subst[] = {' ', '\t', '\r', '\n', '"', '\\', 0, 0x7f, 0x80,
                                        0xc3, 0xff, ':', ';', ',', 'a', '<', '%'};
  static const char alphabet[] = " \t\r\n\"\\\x80\xc3\xa9\x00ab;,:=<>%";
  char why[240];
  long mismatches = 0;
  char first[320] = "";
  for (size_t k = 0; k < sizeof valid_msgs / sizeof valid_msgs[0] + 3; k++) {
    const sip_testmsg *t = k < sizeof valid_msgs / sizeof valid_msgs[0]
                             ? &valid_msgs[k]
                             : &invalid_msgs[k - sizeof valid_msgs / sizeof valid_msgs[0]];
    char *b = exact(t->text, t->len);
    for (size_t n = 0; n < t->len; n++) {
      char keep = b[n];
      for (size_t j = 0; j < sizeof subst; j++) {
        b[n] = (char)subst[j];
        if (!same_result(b, t->len, NULL, why, sizeof why) && mismatches++ == 0)
          snprintf(first, sizeof first, "%s, byte %zu = 0x%02x: %s", t->name, n, subst[j], why);
      }
      b[n] = keep;
    }
    free(b);
  }
  /* Random header values over the same bytes. */
  {
    static const char tail[] = "\r\nY: z\r\n\r\n";
    char b[256];
    unsigned seed = 12345;
    for (int it = 0; it < 100000; it++) {
      size_t len = (size_t)sprintf(b, "OPTIONS sip:a@b SIP/2.0\r\nX: ");
      size_t n;
      seed = seed * 1103515245u + 12345u;
      n = 1 + (seed >> 16) % 40;
      for (size_t i = 0; i < n; i++) {
        seed = seed * 1103515245u + 12345u;
        /* half letters, half grammar bytes */
        b[len++] = (seed >> 20) & 1 ? 'x' : alphabet[(seed >> 8) % (sizeof alphabet - 1)];
      }
      memcpy(b + len, tail, sizeof tail - 1);
      len += sizeof tail - 1;
      if (!same_result(b, len, NULL, why, sizeof why) && mismatches++ == 0)
        snprintf(first, sizeof first, "random input %d: %s", it, why);
    }
  }
  ck_assert_msg(mismatches == 0, "%ld mismatches, first: %s", mismatches, first);
}
END_TEST

/* Walk every list header of msg without asserting (Check's assertions
 * allocate); returns the number of entries, or the first error. */
static long walk_lists(const rl_sip_msg *msg) {
  rl_sip_err err;
  long n = 0;
  for (size_t i = 0; i < msg->nhdr; i++) {
    rl_sip_str v = msg->hdr[i].value;
    size_t pos = 0;
    int r = 0;
    rl_sip_via via;
    rl_sip_addr a;
    rl_sip_str tok;
    rl_sip_cseq cs;
    switch (msg->hdr[i].kind) {
      case RL_SIP_HDR_VIA:
        while ((r = rl_sip_via_next(v, &pos, &via, &err)) > 0) n++;
        break;
      case RL_SIP_HDR_CONTACT:
        while ((r = rl_sip_contact_next(v, &pos, &a, &err)) > 0) n++;
        break;
      case RL_SIP_HDR_ROUTE:
      case RL_SIP_HDR_RECORD_ROUTE:
        while ((r = rl_sip_route_next(msg->hdr[i].kind, v, &pos, &a, &err)) > 0) n++;
        break;
      case RL_SIP_HDR_SUPPORTED:
      case RL_SIP_HDR_ALLOW:
        while ((r = rl_sip_token_next(msg->hdr[i].kind, v, &pos, &tok, &err)) > 0) n++;
        break;
      case RL_SIP_HDR_CSEQ:
        r = rl_sip_cseq_parse(v, &cs, &err);
        break;
      default:
        break;
    }
    if (r < 0) return r;
  }
  return n;
}

/* Parsing never allocates: messages, URIs and header values, valid or
 * not. */
START_TEST(no_allocation) {
  rl_sip_header hdr[MAXH];
  rl_sip_msg msg;
  rl_sip_err err;
  for (size_t i = 0; i < sizeof valid_msgs / sizeof valid_msgs[0]; i++) {
    const sip_testmsg *t = &valid_msgs[i];
    long before = allocations, used, entries = -1;
    int r = parse(t->text, t->len, &msg, hdr, &err);
    int v = r == 0 ? rl_sip_msg_validate(&msg, &err) : r;
    if (v == 0) entries = walk_lists(&msg);
    used = allocations - before;
    ck_assert_int_eq(v, 0);
    ck_assert_int_gt(entries, 0);
    ck_assert_msg(used == 0, "%s: %ld allocations", t->name, used);
  }
  for (size_t i = 0; i < sizeof invalid_msgs / sizeof invalid_msgs[0]; i++) {
    const sip_testmsg *t = &invalid_msgs[i];
    long before = allocations, used;
    if (parse(t->text, t->len, &msg, hdr, &err) == 0 && rl_sip_msg_validate(&msg, &err) == 0)
      walk_lists(&msg);
    used = allocations - before;
    ck_assert_msg(used == 0, "%s: %ld allocations", t->name, used);
  }
}
END_TEST

START_TEST(names_and_methods) {
  ck_assert_int_eq(rl_sip_hdr_kind_of("VIA", 3), RL_SIP_HDR_VIA);
  ck_assert_int_eq(rl_sip_hdr_kind_of("content-LENGTH", 14), RL_SIP_HDR_CONTENT_LENGTH);
  ck_assert_int_eq(rl_sip_hdr_kind_of("K", 1), RL_SIP_HDR_SUPPORTED);
  ck_assert_int_eq(rl_sip_hdr_kind_of("e", 1), RL_SIP_HDR_CONTENT_ENCODING);
  ck_assert_int_eq(rl_sip_hdr_kind_of("x", 1), RL_SIP_HDR_OTHER);
  ck_assert_int_eq(rl_sip_hdr_kind_of("Vias", 4), RL_SIP_HDR_OTHER);
  ck_assert_str_eq(rl_sip_hdr_name(RL_SIP_HDR_RECORD_ROUTE), "Record-Route");
  /* Every full name maps back to its kind, in any case. */
  for (int k = 1; k < RL_SIP_HDR_KIND_COUNT; k++) {
    const char *n = rl_sip_hdr_name((rl_sip_hdr_kind)k);
    char up[32];
    size_t len = strlen(n);
    for (size_t i = 0; i <= len; i++) up[i] = (n[i] >= 'a' && n[i] <= 'z') ? (char)(n[i] - 32) : n[i];
    ck_assert_int_eq(rl_sip_hdr_kind_of(n, len), k);
    ck_assert_int_eq(rl_sip_hdr_kind_of(up, len), k);
    /* one letter off is another header */
    up[len - 1] = up[len - 1] == 'X' ? 'Y' : 'X';
    ck_assert_int_eq(rl_sip_hdr_kind_of(up, len), RL_SIP_HDR_OTHER);
  }
  for (int m = 1; m <= RL_SIP_METHOD_PUBLISH; m++) {
    const char *n = rl_sip_method_name((rl_sip_method)m);
    ck_assert_int_eq(rl_sip_method_of(n, strlen(n)), m);
  }
  ck_assert_int_eq(rl_sip_method_of("BYE", 3), RL_SIP_METHOD_BYE);
  ck_assert_int_eq(rl_sip_method_of("bye", 3), RL_SIP_METHOD_OTHER); /* case-sensitive */
  ck_assert_str_eq(rl_sip_method_name(RL_SIP_METHOD_SUBSCRIBE), "SUBSCRIBE");
  ck_assert_ptr_null(rl_sip_method_name(RL_SIP_METHOD_OTHER));
}
END_TEST

static Suite *suite(void) {
  Suite *s = suite_create("sip_msg");
  TCase *tc = tcase_create("msg");
  tcase_set_timeout(tc, 60);
  tcase_add_loop_test(tc, valid_messages_parse_and_validate, 0,
                      (int)(sizeof valid_msgs / sizeof valid_msgs[0]));
  tcase_add_test(tc, typical_invite_fields);
  tcase_add_test(tc, folding_and_compact_forms);
  tcase_add_test(tc, unusual_tokens_and_bytes);
  tcase_add_test(tc, escapes_and_odd_names);
  tcase_add_test(tc, responses_and_reason_phrases);
  tcase_add_test(tc, ipv6_and_tel);
  tcase_add_test(tc, two_messages_in_one_buffer);
  tcase_add_loop_test(tc, invalid_messages_name_the_fault, 0,
                      (int)(sizeof bad_cases / sizeof bad_cases[0]));
  tcase_add_test(tc, content_length_longer_than_body);
  tcase_add_test(tc, broken_lines_and_bytes);
  tcase_add_test(tc, limits);
  tcase_add_test(tc, validate_required_headers);
  tcase_add_loop_test(tc, truncation_sweep, 0, (int)(sizeof valid_msgs / sizeof valid_msgs[0]));
  tcase_add_loop_test(tc, truncation_sweep_invalid, 0,
                      (int)(sizeof invalid_msgs / sizeof invalid_msgs[0]));
  tcase_add_loop_test(tc, mutation_sweep, 0, 3);
  tcase_add_test(tc, stream_framing);
  tcase_add_test(tc, framer_resumes);
  tcase_add_test(tc, framer_resumes_in_body);
  tcase_add_test(tc, huge_input_is_linear);
  tcase_add_test(tc, no_allocation);
  tcase_add_test(tc, fast_path_agrees);
  tcase_add_test(tc, names_and_methods);
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
