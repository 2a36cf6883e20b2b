/* sip_hdr.rl: the single-token headers of RFC 3261 section 25 -- CSeq,
 * Call-ID, Max-Forwards, Expires, Content-Type and the option-tag and
 * Method lists -- as one Ragel machine with an entry point per header.
 * sip_hdr.c is generated from this file. */
#include "sip/sip_hdr.h"

#include <stdio.h>
#include <string.h>

#include "runtime/error.h"
#include "sip/sip_util.h"

/* Ragel's goto-driven code (-G2) falls from one state's label into the
 * next on purpose. */
#if defined(__GNUC__)
#pragma GCC diagnostic ignored "-Wimplicit-fallthrough"
#endif

static rl_sip_str slice(const unsigned char *a, const unsigned char *b) {
  rl_sip_str s;
  s.p = (const char *)a;
  s.len = (size_t)(b - a);
  return s;
}

/* What the actions record. */
typedef struct hdr_marks {
  const unsigned char *mk;
  rl_sip_str a, b, params;   /* first and second part, parameters */
  const unsigned char *next; /* option_tag: where the next entry starts */
} hdr_marks;

%%{
  machine sip_hdr;
  alphtype unsigned char;
  include sip_core "sip_core.rl";

  action mark { m->mk = fpc; }
  action set_a { m->a = slice(m->mk, fpc); }
  action set_b { m->b = slice(m->mk, fpc); }
  action params_semi { if (!m->params.p) m->params.p = (const char *)fpc; }
  action next_entry { m->next = fpc; fhold; fbreak; }

  # CSeq = "CSeq" HCOLON 1*DIGIT LWS Method
  cseq := SWS DIGIT+ >mark %set_a LWS Method >mark %set_b SWS;

  # Call-ID = ( "Call-ID" / "i" ) HCOLON callid; callid = word [ "@" word ]
  callid := SWS ( word_fast ( "@" word_fast )? ) >mark %set_a SWS;

  # Max-Forwards = "Max-Forwards" HCOLON 1*DIGIT; Expires = "Expires"
  # HCOLON delta-seconds; Min-Expires likewise.
  number := SWS DIGIT+ >mark %set_a SWS;

  # Content-Type = ( "Content-Type" / "c" ) HCOLON media-type
  # media-type = m-type SLASH m-subtype *(SEMI m-parameter)
  m_type = token;      # discrete-type / composite-type: all tokens
  m_subtype = token;   # extension-token / iana-token
  m_attribute = token;
  m_value = token | quoted_string;
  m_parameter = m_attribute EQUAL m_value;
  media_type := SWS m_type >mark %set_a SLASH m_subtype >mark %set_b
                ( SWS ";" @params_semi SWS m_parameter )* SWS;

  # option-tag = token; Require = "Require" HCOLON option-tag *(COMMA
  # option-tag), and so Proxy-Require, Supported, Unsupported; Allow is a
  # list of Method, also tokens. One entry, then stop at the first byte
  # of the next (so a COMMA with nothing after it is refused here).
  option_tag := SWS token_fast >mark %set_a ( COMMA token_char @next_entry )?;

  write data noerror nofinal;
}%%

/* Run the machine from entry over value[from..]; 0 or the offset+1 of the
 * byte where it failed. */
static size_t run(int entry, rl_sip_str value, size_t from, hdr_marks *m) {
  const unsigned char *base = (const unsigned char *)value.p;
  const unsigned char *p = base + from, *pe = base + value.len, *eof = pe;
  int cs = entry;
  m->mk = NULL;
  m->a.p = m->b.p = m->params.p = NULL;
  m->a.len = m->b.len = m->params.len = 0;
  m->next = NULL;
  (void)sip_hdr_start;
  %% write exec;
  if (cs < %%{ write first_final; }%%) return (size_t)(p - base) + 1;
  return 0;
}

static int bad(rl_sip_hdr_kind kind, size_t at, rl_sip_err *err) {
  char reason[48];
  snprintf(reason, sizeof reason, "Bad %s header", rl_sip_hdr_name(kind));
  return rl_sip_fail(err, RL_ERR_SYNTAX, 400, at, reason);
}

int rl_sip_cseq_parse(rl_sip_str value, rl_sip_cseq *cseq, rl_sip_err *err) {
  hdr_marks m;
  size_t at = run(sip_hdr_en_cseq, value, 0, &m);
  long seq;
  if (at) return bad(RL_SIP_HDR_CSEQ, at - 1, err);
  /* 8.1.1.5: the sequence number MUST be less than 2**31. */
  seq = rl_sip_digits((const unsigned char *)m.a.p, (const unsigned char *)m.a.p + m.a.len,
                      2147483647L);
  if (seq < 0) return bad(RL_SIP_HDR_CSEQ, (size_t)(m.a.p - value.p), err);
  cseq->seq = (uint32_t)seq;
  cseq->method_name = m.b;
  cseq->method = rl_sip_method_of(m.b.p, m.b.len);
  return 0;
}

int rl_sip_callid_parse(rl_sip_str value, rl_sip_str *callid, rl_sip_err *err) {
  hdr_marks m;
  size_t at = run(sip_hdr_en_callid, value, 0, &m);
  if (at) return bad(RL_SIP_HDR_CALL_ID, at - 1, err);
  *callid = m.a;
  return 0;
}

int rl_sip_max_forwards_parse(rl_sip_str value, unsigned *hops, rl_sip_err *err) {
  hdr_marks m;
  size_t at = run(sip_hdr_en_number, value, 0, &m);
  long v;
  if (at) return bad(RL_SIP_HDR_MAX_FORWARDS, at - 1, err);
  /* 20.22: an integer in the range 0-255. */
  v = rl_sip_digits((const unsigned char *)m.a.p, (const unsigned char *)m.a.p + m.a.len, 255);
  if (v < 0) return bad(RL_SIP_HDR_MAX_FORWARDS, (size_t)(m.a.p - value.p), err);
  *hops = (unsigned)v;
  return 0;
}

int rl_sip_expires_parse(rl_sip_hdr_kind kind, rl_sip_str value, uint32_t *seconds,
                         rl_sip_err *err) {
  hdr_marks m;
  size_t at = run(sip_hdr_en_number, value, 0, &m);
  if (at) return bad(kind, at - 1, err);
  *seconds = (uint32_t)rl_sip_digits_sat32((const unsigned char *)m.a.p,
                                           (const unsigned char *)m.a.p + m.a.len);
  return 0;
}

int rl_sip_content_type_parse(rl_sip_str value, rl_sip_media_type *mt, rl_sip_err *err) {
  hdr_marks m;
  size_t at = run(sip_hdr_en_media_type, value, 0, &m);
  if (at) return bad(RL_SIP_HDR_CONTENT_TYPE, at - 1, err);
  mt->type = m.a;
  mt->subtype = m.b;
  mt->params = m.params;
  if (mt->params.p)
    mt->params.len = rl_sip_trim(slice((const unsigned char *)m.params.p,
                                       (const unsigned char *)value.p + value.len)).len;
  return 0;
}

int rl_sip_token_next(rl_sip_hdr_kind kind, rl_sip_str value, size_t *pos, rl_sip_str *tok,
                      rl_sip_err *err) {
  hdr_marks m;
  size_t at;
  if (*pos >= value.len && *pos > 0) return 0;
  /* Supported = ( "Supported" / "k" ) HCOLON [option-tag *(COMMA
   * option-tag)] and Allow = "Allow" HCOLON [Method *(COMMA Method)]
   * may be empty. */
  if (*pos == 0 && rl_sip_trim(value).len == 0) {
    if (kind == RL_SIP_HDR_SUPPORTED || kind == RL_SIP_HDR_ALLOW) return 0;
    return bad(kind, 0, err);
  }
  at = run(sip_hdr_en_option_tag, value, *pos, &m);
  if (at) return bad(kind, at - 1, err);
  *tok = m.a;
  *pos = m.next ? (size_t)(m.next - (const unsigned char *)value.p) : value.len;
  return 1;
}

int rl_sip_msg_has_token(const rl_sip_msg *msg, rl_sip_hdr_kind kind, const char *tag,
                         rl_sip_err *err) {
  for (long i = rl_sip_msg_find(msg, kind, 0); i >= 0;
       i = rl_sip_msg_find(msg, kind, (size_t)i + 1)) {
    size_t pos = 0;
    rl_sip_str tok;
    int r;
    while ((r = rl_sip_token_next(kind, msg->hdr[i].value, &pos, &tok, err)) > 0)
      if (rl_sip_str_ieq(tok, tag)) return 1;
    if (r < 0) return r;
  }
  return 0;
}
