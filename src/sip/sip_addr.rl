/* sip_addr.rl: the address headers of RFC 3261 section 25 (From, To,
 * Contact, Route, Record-Route) with RFC 5626's +sip.instance and reg-id
 * and RFC 5627's GRUU contact parameters, as one Ragel machine with an
 * entry point per header. sip_addr.c is generated from this file.
 *
 * The machine finds the addr-spec (between LAQUOT and RAQUOT, or bare up
 * to the first SEMI, COMMA or LWS, as 20.10 requires of a bare URI); the
 * URI itself is then read by sip_uri. A display name and a bare addr-spec
 * begin alike ("Bob <sip:..>" vs "sip:bob@..."), so the machine reads both
 * until one fails; their actions only record positions, and the URI is
 * parsed once the machine has accepted the entry. */
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

/* The inside of a qstring value (the machine has checked its syntax). */
static rl_sip_str unquote(const unsigned char *a, const unsigned char *b) {
  return slice(a + 1, b - 1);
}

%%{
  machine sip_addr;
  alphtype unsigned char;
  include sip_core "sip_core.rl";

  action mark { mk = fpc; }
  action laquot { lt = fpc; }
  action uri_start { us = fpc; }
  action uri_end { a->uri_text = slice(us, fpc); }
  action params_semi { if (!a->params.p) a->params.p = (const char *)fpc; }
  action set_tag { a->tag = slice(mk, fpc); }
  action set_q {
    /* qvalue: "0" ["." 0*3DIGIT] / "1" ["." 0*3("0")], in thousandths */
    int q = (*mk - '0') * 1000, scale = 100;
    for (const unsigned char *d = mk + 2; d < fpc; d++, scale /= 10) q += (*d - '0') * scale;
    a->q = q;
  }
  action set_expires { a->expires = (long long)rl_sip_digits_sat32(mk, fpc); }
  action set_instance { a->instance = unquote(mk, fpc); }
  action set_reg_id {
    long v = rl_sip_digits(mk, fpc, 2147483647L);
    if (v < 1 && !bad) bad = mk;
    a->reg_id = v;
  }
  action set_pub_gruu { a->pub_gruu = unquote(mk, fpc); }
  action set_temp_gruu { a->temp_gruu = unquote(mk, fpc); }
  action comma { comma = fpc; fbreak; }

  # display-name = *(token LWS) / quoted-string. RFC 4475 3.1.1.6 holds
  # "caller<sip:caller@example.com>" legal: the last token needs no LWS
  # before LAQUOT.
  display_name = token_fast ( LWS token_fast )* | quoted_string;
  # Inside < >: every visible byte but '>'; sip_uri decides. After the
  # first, the rest of them are stepped over at once (sip_util.h).
  action skip_uri { if (!RL_SIP_SLOW) fexec rl_sip_skip(p + 1, pe, RL_SIP_C_URI); }
  uri_char = 0x21..0x7e - ">";
  addr_spec_in = ( uri_char ( uri_char $skip_uri )* ) >uri_start %uri_end;
  # 20.10: a bare URI holds no comma, semicolon or question mark.
  addr_spec_bare = ( 0x21..0x7e - ( ";" | "," | "?" | "<" | ">" | DQUOTE ) )+
                   >uri_start %uri_end;
  name_addr = display_name? SWS "<" @laquot addr_spec_in RAQUOT;

  # Header parameters; a known name must carry its own syntax.
  tag_param = "tag"i EQUAL token_fast >mark %set_tag;
  from_param = tag_param | ( token - "tag"i ) ( EQUAL gen_value )?;

  c_p_q = "q"i EQUAL qvalue >mark %set_q;
  c_p_expires = "expires"i EQUAL delta_seconds >mark %set_expires;
  # RFC 5626 4.1: +sip.instance = DQUOTE "<" instance-val ">" DQUOTE, and
  # reg-id = "reg-id" EQUAL 1*DIGIT (1 to 2**31-1).
  instance_param = "+sip.instance"i EQUAL qstring >mark %set_instance;
  reg_id_param = "reg-id"i EQUAL DIGIT+ >mark %set_reg_id;
  # RFC 5627 4: temp-gruu / pub-gruu = name EQUAL quoted-string
  pub_gruu = "pub-gruu"i EQUAL qstring >mark %set_pub_gruu;
  temp_gruu = "temp-gruu"i EQUAL qstring >mark %set_temp_gruu;
  contact_extension = ( token - ( "q"i | "expires"i | "+sip.instance"i | "reg-id"i
                                | "pub-gruu"i | "temp-gruu"i ) )
                      ( EQUAL gen_value )?;
  contact_params = c_p_q | c_p_expires | instance_param | reg_id_param | pub_gruu
                 | temp_gruu | contact_extension;

  rr_param = generic_param;

  # SEMI written out to mark the first ';'.
  from_spec = ( name_addr | addr_spec_bare ) ( SWS ";" @params_semi SWS from_param )*;
  contact_param = ( name_addr | addr_spec_bare )
                  ( SWS ";" @params_semi SWS contact_params )*;
  route_param = name_addr ( SWS ";" @params_semi SWS rr_param )*;

  # From = ( "From" / "f" ) HCOLON from-spec; To likewise.
  from_hdr := SWS from_spec SWS;
  # Contact = ("Contact" / "m") HCOLON ( STAR / (contact-param *(COMMA
  # contact-param))): one entry, then stop after the COMMA. STAR is seen
  # before the machine runs.
  contact_hdr := SWS contact_param SWS ( "," @comma )?;
  # Route = "Route" HCOLON route-param *(COMMA route-param); Record-Route
  # with rec-route = name-addr *( SEMI rr-param ), the same.
  route_hdr := SWS route_param SWS ( "," @comma )?;

  write data noerror nofinal;
}%%

static const char *bad_reason(rl_sip_hdr_kind kind, char *buf, size_t cap) {
  snprintf(buf, cap, "Bad %s header", rl_sip_hdr_name(kind));
  return buf;
}

/* Run the machine from entry state entry over value[*pos..]: one entry. */
static int addr_entry(int entry, rl_sip_hdr_kind kind, rl_sip_str value, size_t *pos,
                      rl_sip_addr *a, rl_sip_err *err) {
  const unsigned char *base = (const unsigned char *)value.p;
  const unsigned char *start = base + *pos;
  const unsigned char *p = start, *pe = base + value.len, *eof = pe;
  const unsigned char *mk = NULL, *lt = NULL, *us = NULL, *bad = NULL, *comma = NULL;
  char reason[48];
  rl_sip_err uerr;
  int cs;

  rl_sip_zero(a, sizeof *a);
  a->expires = -1;
  a->q = -1;
  a->reg_id = -1;

  cs = entry;
  (void)sip_addr_start;
  %% write exec;

  if (bad || cs < %%{ write first_final; }%%)
    return rl_sip_fail(err, RL_ERR_SYNTAX, 400, (size_t)((bad ? bad : p) - base),
                       bad_reason(kind, reason, sizeof reason));
  a->text = rl_sip_trim(slice(start, comma ? comma : pe));
  if (a->params.p) a->params.len = (size_t)(a->text.p + a->text.len - a->params.p);
  /* name-addr: what comes before LAQUOT is the display name. */
  if (lt && (const char *)lt < a->uri_text.p) {
    a->display_name = rl_sip_trim(slice((const unsigned char *)a->text.p, lt));
    if (a->display_name.len == 0) a->display_name.p = NULL;
  }
  if (rl_sip_uri_parse(a->uri_text.p, a->uri_text.len, &a->uri, &uerr) < 0)
    return rl_sip_fail(err, RL_ERR_SYNTAX, 400,
                       (size_t)((const unsigned char *)a->uri_text.p - base) + uerr.offset,
                       bad_reason(kind, reason, sizeof reason));
  if (comma) {
    if (rl_sip_trim(slice(comma + 1, pe)).len == 0)
      return rl_sip_fail(err, RL_ERR_SYNTAX, 400, value.len, bad_reason(kind, reason, sizeof reason));
    *pos = (size_t)(comma + 1 - base);
  } else {
    *pos = value.len;
  }
  return 1;
}

static int addr_single(rl_sip_hdr_kind kind, rl_sip_str value, rl_sip_addr *a, rl_sip_err *err) {
  size_t pos = 0;
  int r = addr_entry(sip_addr_en_from_hdr, kind, value, &pos, a, err);
  return r < 0 ? r : 0;
}

int rl_sip_from_parse(rl_sip_str value, rl_sip_addr *a, rl_sip_err *err) {
  return addr_single(RL_SIP_HDR_FROM, value, a, err);
}

int rl_sip_to_parse(rl_sip_str value, rl_sip_addr *a, rl_sip_err *err) {
  return addr_single(RL_SIP_HDR_TO, value, a, err);
}

int rl_sip_contact_next(rl_sip_str value, size_t *pos, rl_sip_addr *a, rl_sip_err *err) {
  if (*pos >= value.len && *pos > 0) return 0;
  if (*pos == 0) {
    rl_sip_str t = rl_sip_trim(value);
    if (t.len == 1 && t.p[0] == '*') {
      rl_sip_zero(a, sizeof *a);
      a->text = t;
      a->star = 1;
      a->expires = -1;
      a->q = -1;
      a->reg_id = -1;
      *pos = value.len;
      return 1;
    }
  }
  return addr_entry(sip_addr_en_contact_hdr, RL_SIP_HDR_CONTACT, value, pos, a, err);
}

int rl_sip_route_next(rl_sip_hdr_kind kind, rl_sip_str value, size_t *pos, rl_sip_addr *a,
                      rl_sip_err *err) {
  if (*pos >= value.len && *pos > 0) return 0;
  return addr_entry(sip_addr_en_route_hdr, kind, value, pos, a, err);
}
