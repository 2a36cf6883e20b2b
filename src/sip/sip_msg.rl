/* sip_msg.rl: the SIP-message grammar of RFC 3261 section 25 (start line
 * and message-header lines) as a Ragel machine. sip_msg.c is generated
 * from this file.
 *
 * The machine checks every byte of the start line and the header section
 * against the ABNF; header values are checked against the generic
 * header-value rule only (their own grammars are in sip_hdr.h, run on
 * demand). Actions record slices; the machine stops (fbreak) at the empty
 * line and the body is measured by Content-Length. */
#include "sip/sip_msg.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "runtime/error.h"
#include "sip/sip_util.h"

/* Ragel's goto-driven code (-G2) falls from one state's label into the
 * next on purpose. */
#if defined(__GNUC__)
#pragma GCC diagnostic ignored "-Wimplicit-fallthrough"
#endif

/* Which part of the start line the machine is in, for the error reason. */
enum { IN_START_LINE, IN_HEADERS };

typedef struct msg_state {
  rl_sip_msg *msg;
  const rl_sip_opts *opts;
  rl_sip_err *err;
  const unsigned char *base;
  const unsigned char *line;    /* start of the current line (start line or header) */
  const unsigned char *mark;
  const unsigned char *name_end;
  int failed;                   /* an action reported an error */
} msg_state;

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

/* The first byte at or after p that is not plain (RL_SIP_C_PLAIN: visible
 * ASCII, SP and HTAB but DQUOTE and backslash, which open a quoted-string
 * and a quoted-pair), or pe. With SSE2, sixteen bytes at a time. */
static inline const unsigned char *skip_plain(const unsigned char *p, const unsigned char *pe) {
#if defined(__SSE2__)
  const __m128i below = _mm_set1_epi8(0x1f), above = _mm_set1_epi8(0x7f);
  const __m128i dquote = _mm_set1_epi8('"'), backslash = _mm_set1_epi8('\\');
  while (pe - p >= 16) {
    __m128i x = _mm_loadu_si128((const __m128i *)(const void *)p);
    /* 0x20..0x7e (signed compares: bytes above 0x7f are negative) */
    __m128i in = _mm_and_si128(_mm_cmpgt_epi8(x, below), _mm_cmplt_epi8(x, above));
    __m128i out = _mm_or_si128(_mm_cmpeq_epi8(x, dquote), _mm_cmpeq_epi8(x, backslash));
    unsigned ok = (unsigned)_mm_movemask_epi8(_mm_andnot_si128(out, in));
    if (ok != 0xffff) {
      p += __builtin_ctz(~ok);
      if (!(rl_sip_class[*p] & RL_SIP_C_PLAIN)) return p;
      p++; /* HTAB */
      continue;
    }
    p += 16;
  }
#endif
  return rl_sip_skip(p, pe, RL_SIP_C_PLAIN);
}

static rl_sip_str slice(const unsigned char *a, const unsigned char *b) {
  rl_sip_str s;
  s.p = (const char *)a;
  s.len = (size_t)(b - a);
  return s;
}

static int fail_at(msg_state *st, int code, int status, const unsigned char *at,
                   const char *reason) {
  st->failed = 1;
  return rl_sip_fail(st->err, code, status, (size_t)(at - st->base), reason);
}

/* "Bad Via header": the full name for a known kind, else as written. */
static void bad_header_reason(char *out, size_t cap, rl_sip_hdr_kind kind, rl_sip_str name) {
  if (kind != RL_SIP_HDR_OTHER)
    snprintf(out, cap, "Bad %s header", rl_sip_hdr_name(kind));
  else if (name.len <= 40)
    snprintf(out, cap, "Bad %.*s header", (int)name.len, name.p);
  else
    snprintf(out, cap, "Bad header value");
}

/* Content-Length = ("Content-Length" / "l") HCOLON 1*DIGIT (20.14). Every
 * Content-Length of a message must agree (RFC 4475 3.1.2.? mcl01). */
static int content_length(msg_state *st, rl_sip_header *h) {
  rl_sip_msg *msg = st->msg;
  long long v = 0;
  size_t at = 0;
  int bad = rl_sip_content_length(h->value, &v, &at) < 0;
  if (!bad && msg->content_length >= 0 && msg->content_length != v) bad = 1;
  if (bad) {
    fail_at(st, RL_ERR_SYNTAX, 400, (const unsigned char *)h->value.p, "Bad Content-Length");
    if (st->err) st->err->header = h->name;
    return -1;
  }
  msg->content_length = v;
  return 0;
}

/* One message-header has ended: its line is [st->line, end). */
static int header_done(msg_state *st, const unsigned char *end) {
  rl_sip_msg *msg = st->msg;
  rl_sip_header *h;
  rl_sip_str name = slice(st->line, st->name_end);
  if ((size_t)(end - st->line) > st->opts->max_line) {
    fail_at(st, RL_ERR_TOO_LARGE, 400, st->line, "Header line too long");
    if (st->err) st->err->header = name;
    return -1;
  }
  if (msg->nhdr == msg->hdr_cap) {
    fail_at(st, RL_ERR_TOO_LARGE, 400, st->line, "Too many headers");
    if (st->err) st->err->header = name;
    return -1;
  }
  h = &msg->hdr[msg->nhdr++];
  h->name = name;
  h->kind = rl_sip_hdr_kind_of(name.p, name.len);
  h->line = slice(st->line, end);
  /* The value: after the ':' of HCOLON (WSP* ":") to the line's CRLF,
   * without the LWS around it. */
  {
    const unsigned char *v = st->name_end, *e = end - 2;
    while (*v != ':') v++;
    v++;
    while (v < e && (*v == ' ' || *v == '\t' || *v == '\r' || *v == '\n')) v++;
    while (e > v && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' || e[-1] == '\n')) e--;
    h->value = slice(v, e);
  }
  if (h->kind == RL_SIP_HDR_CONTENT_LENGTH) return content_length(st, h);
  return 0;
}

static int start_line_done(msg_state *st, const unsigned char *end) {
  rl_sip_msg *msg = st->msg;
  msg->start_line = slice(st->line, end);
  if ((size_t)(end - st->line) > st->opts->max_line)
    return fail_at(st, RL_ERR_TOO_LARGE, 400, st->line, "Start line too long");
  return 0;
}

/* Request-URI = SIP-URI / SIPS-URI / absoluteURI, by the sip_uri machine.
 * 19.1.1 (table 1): a Request-URI carries no headers. */
static int request_uri(msg_state *st) {
  rl_sip_msg *msg = st->msg;
  rl_sip_err uerr;
  size_t at = (size_t)((const unsigned char *)msg->request_uri.p - st->base);
  if (rl_sip_uri_parse(msg->request_uri.p, msg->request_uri.len, &msg->ruri, &uerr) < 0)
    return fail_at(st, RL_ERR_SYNTAX, 400, st->base + at + uerr.offset, "Bad Request-URI");
  if (msg->ruri.headers.p)
    return fail_at(st, RL_ERR_SYNTAX, 400, (const unsigned char *)msg->ruri.headers.p - 1,
                   "Bad Request-URI");
  return 0;
}

%%{
  machine sip_msg;
  alphtype unsigned char;
  include sip_core "sip_core.rl";

  action line_start { st.line = fpc; }
  action mark { st.mark = fpc; }
  action method_end {
    msg->is_request = 1;
    msg->method_name = slice(st.mark, fpc);
    msg->method = rl_sip_method_of(msg->method_name.p, msg->method_name.len);
  }
  action ruri_end {
    msg->request_uri = slice(st.mark, fpc);
    if (request_uri(&st) < 0) fbreak;
  }
  action version_end { msg->version = slice(st.mark, fpc); }
  action status_end { msg->status = (int)rl_sip_digits(st.mark, fpc, 999); }
  action reason_mark { st.mark = fpc + 1; }
  action reason_end { msg->reason = slice(st.mark, fpc); }
  action start_line_end { if (start_line_done(&st, fpc + 1) < 0) fbreak; }
  action name_end { st.name_end = fpc; }
  action header_end { if (header_done(&st, fpc) < 0) fbreak; }
  action headers_end {
    msg->header_len = (size_t)(fpc + 1 - base);
    done = 1;
    fbreak;
  }

  # 25: Request-Line = Method SP Request-URI SP SIP-Version CRLF. The
  # Request-URI is every visible byte up to the SP; sip_uri parses it.
  Request_URI = 0x21..0x7e+;
  Request_Line = Method >mark %method_end SP
                 Request_URI >mark %ruri_end SP
                 SIP_Version >mark %version_end CRLF @start_line_end;

  # Status-Line = SIP-Version SP Status-Code SP Reason-Phrase CRLF
  Status_Code = "1".."6" DIGIT DIGIT;
  Reason_Phrase = ( reserved | unreserved | escaped | UTF8_NONASCII | UTF8_CONT | SP | HTAB )*;
  Status_Line = SIP_Version >mark %version_end SP
                Status_Code >mark %status_end SP @reason_mark
                Reason_Phrase CR @reason_end LF @start_line_end;

  # message-header: extension-header = header-name HCOLON header-value.
  # header-value = *(TEXT-UTF8char / UTF8-CONT / LWS); a quoted-string
  # may also carry quoted-pairs of control bytes (To: "NUL:\<00>", RFC
  # 4475 3.1.1.2), which the specific grammars of To, From, Contact ...
  # allow, so a value matches either reading.
  #
  # Most value bytes are plain (RL_SIP_C_PLAIN). The transitions of the
  # visible ones run skip_plain, which steps over the rest of the run at
  # once, spaces included. This changes nothing the machine decides:
  # after a visible plain byte both readings are in a state that loops on
  # every visible plain byte (text, or qdtext inside quotes), and the state
  # after SP or HTAB inside a value (LWS) allows exactly what that one
  # allows, so stopping after a space or after a visible byte is the same.
  # tests/sip/sip_msg_test.c (fast_path_agrees) checks it against the
  # build without it (sip_util.h).
  action skip_plain { if (!RL_SIP_SLOW) fexec skip_plain(p + 1, pe); }
  vplain = ( 0x21..0x7e - DQUOTE - "\\" ) $skip_plain;
  header_name = token_fast;
  header_value = ( vplain | TEXT_UTF8char | UTF8_CONT | LWS )*
               | ( vplain | ( TEXT_UTF8char - DQUOTE ) | UTF8_CONT | LWS | qstring )*;
  message_header = header_name >line_start %name_end HCOLON header_value CRLF;

  # SIP-message = Request / Response; 7.5: CRLFs before the start line
  # are ignored.
  main := CRLF*
          ( Request_Line | Status_Line ) >line_start
          ( message_header %header_end )*
          CRLF @headers_end;

  write data noerror nofinal noentry;
}%%

rl_sip_opts rl_sip_opts_default(void) {
  rl_sip_opts o;
  o.max_line = 8192;
  o.max_header_bytes = 65536;
  o.max_body = 1u << 20;
  o.stream = 0;
  return o;
}

void rl_sip_msg_init(rl_sip_msg *msg, rl_sip_header *hdr, size_t cap) {
  rl_sip_zero(msg, sizeof *msg);
  msg->hdr = hdr;
  msg->hdr_cap = cap;
}

/* The machine stopped on a byte it does not accept: say which rule. */
static int syntax_error(msg_state *st, const unsigned char *p, const unsigned char *pe) {
  rl_sip_msg *msg = st->msg;
  const unsigned char *base = st->base;
  int in_start = msg->start_line.p == NULL;
  char reason[80];
  rl_sip_str name = {NULL, 0};

  if (!in_start && st->line && st->name_end && st->name_end > st->line && st->name_end <= p)
    name = slice(st->line, st->name_end);
  if (p > base && p[-1] == '\r' && (p >= pe || *p != '\n')) {
    snprintf(reason, sizeof reason, "Bad line ending");
  } else if (p < pe && *p == '\n') {
    snprintf(reason, sizeof reason, "Bad line ending");
  } else if (p < pe && *p == 0) {
    snprintf(reason, sizeof reason, in_start ? "NUL byte in start line" : "NUL byte in header");
  } else if (in_start) {
    const unsigned char *s = st->line ? st->line : base;
    int status_line = pe - s >= 4 && (s[0] | 32) == 's' && (s[1] | 32) == 'i' &&
                      (s[2] | 32) == 'p' && s[3] == '/';
    snprintf(reason, sizeof reason, status_line ? "Bad Status-Line" : "Bad Request-Line");
  } else if (name.p && memchr(st->name_end, ':', (size_t)(p - st->name_end))) {
    rl_sip_hdr_kind kind = rl_sip_hdr_kind_of(name.p, name.len);
    bad_header_reason(reason, sizeof reason, kind, name);
  } else if (p < pe && (*p == '\r' || *p == '\n')) {
    snprintf(reason, sizeof reason, "Missing colon in header");
  } else {
    snprintf(reason, sizeof reason, "Bad header name");
  }
  fail_at(st, RL_ERR_SYNTAX, 400, p, reason);
  if (st->err && name.p) st->err->header = name;
  return RL_ERR_SYNTAX;
}

int rl_sip_msg_parse(rl_sip_msg *msg, const char *buf, size_t len, const rl_sip_opts *opts,
                     rl_sip_err *err) {
  rl_sip_opts defaults = rl_sip_opts_default();
  const unsigned char *base = (const unsigned char *)buf;
  const unsigned char *p = base;
  const unsigned char *pe;
  size_t scan;
  msg_state st;
  int cs, done = 0;

  if (!opts) opts = &defaults;
  if (err) {
    err->code = err->status = 0;
    err->offset = 0;
    err->header.p = NULL;
    err->header.len = 0;
    err->reason[0] = 0;
  }
  msg->nhdr = 0;
  msg->buf = buf;
  msg->is_request = 0;
  msg->method = RL_SIP_METHOD_OTHER;
  memset(&msg->method_name, 0, sizeof msg->method_name);
  memset(&msg->request_uri, 0, sizeof msg->request_uri);
  rl_sip_zero(&msg->ruri, sizeof msg->ruri);
  msg->status = 0;
  memset(&msg->reason, 0, sizeof msg->reason);
  memset(&msg->version, 0, sizeof msg->version);
  memset(&msg->start_line, 0, sizeof msg->start_line);
  msg->content_length = -1;
  msg->header_len = 0;
  memset(&msg->body, 0, sizeof msg->body);
  msg->len = 0;
  msg->skipped = 0;

  memset(&st, 0, sizeof st);
  st.msg = msg;
  st.opts = opts;
  st.err = err;
  st.base = base;
  /* The header section may not exceed max_header_bytes: the machine
   * never looks further, which bounds the work on hostile input. */
  scan = len < opts->max_header_bytes ? len : opts->max_header_bytes;
  pe = base + scan;

  %% write init;
  %% write exec;

  if (st.failed) return err ? err->code : RL_ERR_SYNTAX;
  if (!done) {
    if (cs == 0) return syntax_error(&st, p, pe);
    /* The input ended inside the headers. */
    if (scan < len)
      return rl_sip_fail(err, RL_ERR_TOO_LARGE, 513, scan, "Message headers too large");
    if (st.line && (size_t)(pe - st.line) > opts->max_line)
      return rl_sip_fail(err, RL_ERR_TOO_LARGE, 400, (size_t)(st.line - base),
                         msg->start_line.p ? "Header line too long" : "Start line too long");
    return rl_sip_fail(err, RL_ERR_TRUNCATED, 400, len, "Incomplete message");
  }
  msg->skipped = (size_t)((const unsigned char *)msg->start_line.p - base);

  /* 18.3: the body is Content-Length bytes; without one, a datagram's
   * body runs to its end and a stream cannot be framed. */
  {
    size_t avail = len - msg->header_len;
    size_t body_len;
    if (msg->content_length >= 0) {
      if ((unsigned long long)msg->content_length > opts->max_body)
        return rl_sip_fail(err, RL_ERR_TOO_LARGE, 513, msg->header_len, "Message body too large");
      body_len = (size_t)msg->content_length;
      if (avail < body_len) {
        char reason[80];
        snprintf(reason, sizeof reason, "Content-Length %zu but %zu bytes of body", body_len,
                 avail);
        rl_sip_fail(err, RL_ERR_TRUNCATED, 400, len, reason);
        if (err) {
          long i = rl_sip_msg_find(msg, RL_SIP_HDR_CONTENT_LENGTH, 0);
          if (i >= 0) err->header = msg->hdr[i].name;
        }
        return RL_ERR_TRUNCATED;
      }
    } else if (opts->stream) {
      return rl_sip_fail(err, RL_ERR_SYNTAX, 400, msg->header_len, "Missing Content-Length");
    } else {
      if (avail > opts->max_body)
        return rl_sip_fail(err, RL_ERR_TOO_LARGE, 513, msg->header_len, "Message body too large");
      body_len = avail;
    }
    msg->body.p = buf + msg->header_len;
    msg->body.len = body_len;
    msg->len = msg->header_len + body_len;
  }
  return 0;
}

long rl_sip_msg_find(const rl_sip_msg *msg, rl_sip_hdr_kind kind, size_t from) {
  for (size_t i = from; i < msg->nhdr; i++)
    if (msg->hdr[i].kind == kind) return (long)i;
  return -1;
}

long rl_sip_msg_find_name(const rl_sip_msg *msg, const char *name, size_t from) {
  for (size_t i = from; i < msg->nhdr; i++)
    if (rl_sip_str_ieq(msg->hdr[i].name, name)) return (long)i;
  return -1;
}
