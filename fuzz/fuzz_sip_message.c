/* fuzz_sip_message.c: the SIP message parser (src/sip/sip_msg.h), and
 * every structured header the message holds (sip_hdr.h).
 *
 * The input is a message as a datagram and as a stream. Checked:
 *   - a failure names a known code, a status (400, 505, 513), a reason
 *     and an offset inside the input;
 *   - a success gives slices inside the input, in order, that cover the
 *     message; every header value parses or fails the same way (every
 *     list walk ends, each entry inside its value);
 *   - the stream framer and the stream parse agree on the message length;
 *   - a message that validates can be forwarded (16.6) and answered
 *     (8.2.6), and what the writer makes parses and validates again. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"

#include "runtime/error.h"
#include "runtime/writer.h"
#include "sip/sip_hdr.h"
#include "sip/sip_msg.h"
#include "sip/sip_write.h"

#define MAXH 64

static void fail(const char *what, size_t size) __attribute__((noreturn));
static void fail(const char *what, size_t size) {
  fprintf(stderr, "fuzz sip_message: %s (input of %zu bytes)\n", what, size);
  abort();
}

static const char *base;
static size_t base_len;

/* s lies inside [lo, lo + len) (or is absent). */
static void inside(rl_sip_str s, const char *lo, size_t len, const char *what) {
  if (!s.p) return;
  if (s.p < lo || s.len > len || (size_t)(s.p - lo) > len - s.len) fail(what, base_len);
}

static void check_error(int r, const rl_sip_err *err, size_t len) {
  if (r != err->code) fail("returned code differs from err.code", base_len);
  if (r != RL_ERR_SYNTAX && r != RL_ERR_TRUNCATED && r != RL_ERR_TOO_LARGE)
    fail("unexpected error code", base_len);
  if (err->status != 400 && err->status != 505 && err->status != 513)
    fail("unexpected status", base_len);
  if (err->offset > len) fail("error offset beyond the input", base_len);
  if (!err->reason[0] || !memchr(err->reason, 0, sizeof err->reason))
    fail("no reason phrase", base_len);
  inside(err->header, base, base_len, "err.header outside the input");
}

static void check_uri(const rl_sip_uri *u, rl_sip_str in) {
  const rl_sip_str *parts[] = {&u->text, &u->scheme_name, &u->opaque, &u->user, &u->password,
                               &u->host, &u->params, &u->transport, &u->user_param,
                               &u->method, &u->maddr, &u->gr_value, &u->headers};
  for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++)
    inside(*parts[i], in.p, in.len, "URI part outside the URI");
  if (u->scheme == RL_SIP_SCHEME_NONE) fail("URI without scheme", base_len);
}

static void check_addr(const rl_sip_addr *a, rl_sip_str v) {
  inside(a->text, v.p, v.len, "address outside the value");
  if (a->star) return;
  inside(a->display_name, v.p, v.len, "display name outside the value");
  inside(a->uri_text, v.p, v.len, "addr-spec outside the value");
  inside(a->params, v.p, v.len, "params outside the value");
  inside(a->tag, v.p, v.len, "tag outside the value");
  check_uri(&a->uri, a->uri_text);
  if (a->q > 1000 || a->expires > 4294967295LL) fail("contact param out of range", base_len);
}

/* Walk a list with next(); each call must move pos forward. */
#define WALK(call, entry_check)                                                 \
  do {                                                                          \
    size_t pos = 0, last = 0;                                                   \
    int wr, n = 0;                                                              \
    while ((wr = (call)) > 0) {                                                 \
      if ((n++ && pos <= last) || pos > v.len) fail("list walk stuck", base_len); \
      last = pos;                                                               \
      entry_check;                                                              \
    }                                                                           \
    if (wr < 0) check_error(wr, &err, v.len);                                   \
  } while (0)

static void check_headers(const rl_sip_msg *msg) {
  rl_sip_err err;
  for (size_t i = 0; i < msg->nhdr; i++) {
    const rl_sip_header *h = &msg->hdr[i];
    rl_sip_str v = h->value;
    rl_sip_via via;
    rl_sip_addr a;
    rl_sip_str tok;
    int r = 0;
    inside(h->line, msg->buf, msg->header_len, "header line outside the headers");
    inside(h->name, h->line.p, h->line.len, "name outside its line");
    inside(v, h->line.p, h->line.len, "value outside its line");
    if (h->kind != rl_sip_hdr_kind_of(h->name.p, h->name.len)) fail("wrong kind", base_len);
    switch (h->kind) {
      case RL_SIP_HDR_VIA:
        WALK(rl_sip_via_next(v, &pos, &via, &err), {
          inside(via.text, v.p, v.len, "via-parm outside the value");
          inside(via.branch, via.text.p, via.text.len, "branch outside the via-parm");
          inside(via.host, via.text.p, via.text.len, "sent-by outside the via-parm");
        });
        break;
      case RL_SIP_HDR_CONTACT:
        WALK(rl_sip_contact_next(v, &pos, &a, &err), check_addr(&a, v));
        break;
      case RL_SIP_HDR_ROUTE:
      case RL_SIP_HDR_RECORD_ROUTE:
      case RL_SIP_HDR_PATH:
        WALK(rl_sip_route_next(h->kind, v, &pos, &a, &err), check_addr(&a, v));
        break;
      case RL_SIP_HDR_REQUIRE:
      case RL_SIP_HDR_PROXY_REQUIRE:
      case RL_SIP_HDR_SUPPORTED:
      case RL_SIP_HDR_UNSUPPORTED:
      case RL_SIP_HDR_ALLOW:
        WALK(rl_sip_token_next(h->kind, v, &pos, &tok, &err),
             inside(tok, v.p, v.len, "token outside the value"));
        break;
      case RL_SIP_HDR_FROM:
      case RL_SIP_HDR_TO:
        r = h->kind == RL_SIP_HDR_FROM ? rl_sip_from_parse(v, &a, &err)
                                       : rl_sip_to_parse(v, &a, &err);
        if (r == 0) check_addr(&a, v);
        break;
      case RL_SIP_HDR_CSEQ: {
        rl_sip_cseq cs;
        r = rl_sip_cseq_parse(v, &cs, &err);
        if (r == 0 && cs.seq > 2147483647u) fail("CSeq above 2**31-1", base_len);
        break;
      }
      case RL_SIP_HDR_CALL_ID: {
        rl_sip_str id;
        r = rl_sip_callid_parse(v, &id, &err);
        if (r == 0) inside(id, v.p, v.len, "Call-ID outside the value");
        break;
      }
      case RL_SIP_HDR_MAX_FORWARDS: {
        unsigned hops;
        r = rl_sip_max_forwards_parse(v, &hops, &err);
        if (r == 0 && hops > 255) fail("Max-Forwards above 255", base_len);
        break;
      }
      case RL_SIP_HDR_EXPIRES:
      case RL_SIP_HDR_MIN_EXPIRES: {
        uint32_t s;
        r = rl_sip_expires_parse(h->kind, v, &s, &err);
        break;
      }
      case RL_SIP_HDR_CONTENT_TYPE: {
        rl_sip_media_type mt;
        r = rl_sip_content_type_parse(v, &mt, &err);
        if (r == 0) inside(mt.params, v.p, v.len, "media params outside the value");
        break;
      }
      default:
        break;
    }
    if (r < 0) check_error(r, &err, v.len);
  }
}

static void check_msg(const rl_sip_msg *msg, size_t len) {
  if (msg->len > len || msg->header_len > msg->len) fail("lengths beyond the input", len);
  if (msg->body.len != msg->len - msg->header_len) fail("body length", len);
  if (msg->body.p && msg->body.p != msg->buf + msg->header_len) fail("body position", len);
  inside(msg->start_line, msg->buf, msg->header_len, "start line outside the headers");
  if (msg->is_request) {
    inside(msg->request_uri, msg->start_line.p, msg->start_line.len, "Request-URI outside");
    check_uri(&msg->ruri, msg->request_uri);
  } else if (msg->status < 100 || msg->status > 699) {
    fail("status code out of range", len);
  }
  if (msg->content_length >= 0 && (size_t)msg->content_length != msg->body.len)
    fail("Content-Length not honoured", len);
  check_headers(msg);
}

/* Forward and answer a valid request, relay a valid response; parse
 * what the writer made. */
static void check_writer(const rl_sip_msg *msg, size_t len) {
  static char out[4 * 65536 + 1024];
  static rl_sip_header hdr[MAXH + 2];
  rl_sip_msg again;
  rl_sip_err err;
  rl_writer w;
  int r;
  rl_writer_init(&w, (uint8_t *)out, sizeof out, NULL);
  if (msg->is_request) {
    rl_sip_forward f;
    memset(&f, 0, sizeof f);
    f.via.p = "SIP/2.0/UDP proxy.example.com;branch=z9hG4bKfuzz";
    f.via.len = strlen(f.via.p);
    f.record_route.p = "<sip:proxy.example.com;lr>";
    f.record_route.len = strlen(f.record_route.p);
    f.drop_top_route = 1;
    r = rl_sip_write_forward(&w, msg, &f);
    /* Max-Forwards 0, a Route that does not parse, a body too big for out. */
    if (r == RL_ERR_PARAM || r == RL_ERR_SYNTAX || r == RL_ERR_BUFFER) return;
    if (r != 0) fail("forward failed", len);
  } else {
    r = rl_sip_write_response_forward(&w, msg);
    if (r == RL_ERR_BUFFER) return;
    if (r != 0) fail("response relay failed", len);
  }
  rl_sip_msg_init(&again, hdr, MAXH + 2);
  r = rl_sip_msg_parse(&again, out, w.len, NULL, &err);
  if (r != 0) fail("the writer's output does not parse", len);
  if (again.body.len != msg->body.len || memcmp(again.body.p, msg->body.p, msg->body.len) != 0)
    fail("body changed", len);
  /* The relayed response may have lost its only Via; a forwarded request
   * is as valid as the original. */
  if (msg->is_request && rl_sip_msg_validate(&again, &err) != 0)
    fail("the forwarded request does not validate", len);

  if (msg->is_request) {
    rl_sip_str tag = {"fuzztag", 7};
    rl_writer_init(&w, (uint8_t *)out, sizeof out, NULL);
    r = rl_sip_write_response(&w, msg, 200, "OK", tag);
    if (r != 0) fail("response failed", len);
    rl_sip_write_body(&w, NULL, NULL, 0);
    rl_sip_msg_init(&again, hdr, MAXH + 2);
    if (rl_sip_msg_parse(&again, out, w.len, NULL, &err) != 0 ||
        rl_sip_msg_validate(&again, &err) != 0)
      fail("the response does not parse and validate", len);
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static rl_sip_header hdr[MAXH];
  rl_sip_msg msg, stream_msg;
  rl_sip_opts stream = rl_sip_opts_default();
  rl_sip_framer framer = {0};
  rl_sip_frame frame;
  rl_sip_err err;
  const char *buf = (const char *)data;
  int r, rs, rf;

  base = buf;
  base_len = size;
  stream.stream = 1;

  rl_sip_msg_init(&msg, hdr, MAXH);
  r = rl_sip_msg_parse(&msg, buf, size, NULL, &err);
  if (r < 0) {
    check_error(r, &err, size);
  } else {
    check_msg(&msg, size);
    r = rl_sip_msg_validate(&msg, &err);
    if (r < 0)
      check_error(r, &err, size);
    else
      check_writer(&msg, size);
  }

  rl_sip_msg_init(&stream_msg, hdr, MAXH);
  rs = rl_sip_msg_parse(&stream_msg, buf, size, &stream, &err);
  if (rs < 0) check_error(rs, &err, size);
  rf = rl_sip_msg_frame(&framer, buf, size, NULL, &frame, &err);
  if (rf < 0) check_error(rf, &err, size);
  /* Both found a complete message: the same one. */
  if (rs == 0 && rf == 0 && frame.total != stream_msg.len)
    fail("framer and parser disagree on the length", size);
  if (rs == 0 && rf != 0) fail("stream message the framer cannot frame", size);
  return 0;
}
