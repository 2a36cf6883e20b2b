/* sip_via.rl: the Via header grammar of RFC 3261 section 25 (20.42) with
 * RFC 3581's rport, as a Ragel machine. sip_via.c is generated from it.
 *
 * The machine reads one via-parm and stops after the COMMA that separates
 * it from the next, so rl_sip_via_next walks a list without storing it.
 * Range checks (port, ttl, received) note the first bad value and let the
 * machine run on, since leaving actions may run at the end of input where
 * the machine cannot stop early. */
#include "sip/sip_hdr.h"

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

%%{
  machine sip_via;
  alphtype unsigned char;
  include sip_core "sip_core.rl";

  action mark { mk = fpc; }
  action set_protocol_name { via->protocol_name = slice(mk, fpc); }
  action set_protocol_version { via->protocol_version = slice(mk, fpc); }
  action set_transport { via->transport = slice(mk, fpc); }
  action set_host { via->host = slice(mk, fpc); }
  action host_name { via->host_type = RL_SIP_HOST_NAME; }
  action host_ipv4 { via->host_type = RL_SIP_HOST_IPV4; }
  action host_ipv6 { via->host_type = RL_SIP_HOST_IPV6; }
  action set_port {
    long v = rl_sip_digits(mk, fpc, 65535);
    if (v < 0) { if (!bad) bad = mk; }
    via->port = (int)v;
  }
  action params_semi { if (!via->params.p) via->params.p = (const char *)fpc; }
  action set_ttl {
    long v = rl_sip_digits(mk, fpc, 255);
    if (v < 0) { if (!bad) bad = mk; }
    via->ttl = (int)v;
  }
  action set_maddr { via->maddr = slice(mk, fpc); }
  action set_received {
    via->received = slice(mk, fpc);
    if (*mk == '[' ? rl_sip_host_classify(via->received) == RL_SIP_HOST_NONE
                   : (memchr(mk, ':', (size_t)(fpc - mk))
                          ? !rl_sip_ipv6_ok((const char *)mk, (size_t)(fpc - mk))
                          : rl_sip_host_classify(via->received) != RL_SIP_HOST_IPV4)) {
      if (!bad) bad = mk;
    }
  }
  action set_branch { via->branch = slice(mk, fpc); }
  action rport_flag { via->rport = 0; }
  action set_rport {
    long v = rl_sip_digits(mk, fpc, 65535);
    if (v < 0) { if (!bad) bad = mk; }
    via->rport = (int)v;
  }
  action comma { comma = fpc; fbreak; }

  # via-parm = sent-protocol LWS sent-by *( SEMI via-params )
  protocol_name = "SIP"i | token;
  protocol_version = token;
  other_transport = token;
  transport = "UDP"i | "TCP"i | "TLS"i | "SCTP"i | other_transport;
  sent_protocol = protocol_name >mark %set_protocol_name SLASH
                  protocol_version >mark %set_protocol_version SLASH
                  transport >mark %set_transport;
  # sent-by = host [ COLON port ], telling which form of host it was (its
  # range is checked once the machine is done).
  sent_by = ( hostname %host_name | IPv4address %host_ipv4 | IPv6reference %host_ipv6 )
            >mark %set_host ( COLON port >mark %set_port )?;

  ttl = DIGIT{1,3};
  via_ttl = "ttl"i EQUAL ttl >mark %set_ttl;
  via_maddr = "maddr"i EQUAL host >mark %set_maddr;
  # RFC 5118 4.5: received may also come as an IPv6reference.
  via_received = "received"i EQUAL ( IPv4address | IPv6address | IPv6reference )
                 >mark %set_received;
  via_branch = "branch"i EQUAL token_fast >mark %set_branch;
  # RFC 3581 3: response-port = "rport" [EQUAL 1*DIGIT]
  response_port = "rport"i %rport_flag ( EQUAL DIGIT+ >mark %set_rport )?;
  # A known name must carry its own syntax; it is not also an extension.
  via_extension = ( token - ( "ttl"i | "maddr"i | "received"i | "branch"i | "rport"i ) )
                  ( EQUAL gen_value )?;
  via_params = via_ttl | via_maddr | via_received | via_branch | response_port
             | via_extension;

  # SEMI written out to mark its ';'.
  via_parm = sent_protocol LWS sent_by ( SWS ";" @params_semi SWS via_params )*;

  # Via = ( "Via" / "v" ) HCOLON via-parm *(COMMA via-parm): one via-parm,
  # then stop after the COMMA.
  main := SWS via_parm SWS ( "," @comma )?;

  write data noerror nofinal noentry;
}%%

int rl_sip_via_next(rl_sip_str value, size_t *pos, rl_sip_via *via, rl_sip_err *err) {
  const unsigned char *base = (const unsigned char *)value.p;
  const unsigned char *start, *end;
  const unsigned char *p, *pe, *eof;
  const unsigned char *mk = NULL, *bad = NULL, *comma = NULL;
  int cs;

  if (*pos >= value.len && *pos > 0) return 0;
  rl_sip_zero(via, sizeof *via);
  via->port = -1;
  via->ttl = -1;
  via->rport = -1;
  start = base + *pos;
  p = start;
  pe = eof = base + value.len;

  %% write init;
  %% write exec;

  if (bad || cs < %%{ write first_final; }%%)
    return rl_sip_fail(err, RL_ERR_SYNTAX, 400, (size_t)((bad ? bad : p) - base), "Bad Via header");
  if ((via->host_type == RL_SIP_HOST_IPV4 && !rl_sip_ipv4_ok(via->host.p, via->host.len)) ||
      (via->host_type == RL_SIP_HOST_IPV6 && !rl_sip_ipv6_ok(via->host.p + 1, via->host.len - 2)))
    return rl_sip_fail(err, RL_ERR_SYNTAX, 400, (size_t)((const unsigned char *)via->host.p - base),
                       "Bad Via header");
  end = comma ? comma : pe;
  via->text = rl_sip_trim(slice(start, end));
  if (via->params.p)
    via->params.len = (size_t)(via->text.p + via->text.len - via->params.p);
  if (comma) {
    /* COMMA must be followed by another via-parm. */
    rl_sip_str rest = rl_sip_trim(slice(comma + 1, pe));
    if (rest.len == 0) return rl_sip_fail(err, RL_ERR_SYNTAX, 400, value.len, "Bad Via header");
    *pos = (size_t)(comma + 1 - base);
  } else {
    *pos = value.len;
  }
  return 1;
}
