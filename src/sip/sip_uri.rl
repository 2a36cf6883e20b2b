/* sip_uri.rl: the SIP-URI, SIPS-URI and absoluteURI grammar of RFC 3261
 * section 25 as a Ragel machine. sip_uri.c is generated from this file.
 *
 * userinfo is optional and its user part may hold ';', '?', '=' and '/', so
 * "sip:alice;day=tuesday@atlanta.com" (19.1.3) reads as host "alice" with
 * a parameter until the '@' shows it was a user. The machine runs both
 * readings at once; each part records into its own fields, the '@' that
 * ends userinfo commits user and password and clears everything the
 * host-first reading had recorded, and checks on values (port range, ttl)
 * are only noted, not acted on, until the machine has accepted the input. */
#include "sip/sip_uri.h"

#include <string.h>

#include "runtime/error.h"
#include "sip/sip_util.h"

/* Ragel's goto-driven code (-G2) falls from one state's label into the
 * next on purpose. */
#if defined(__GNUC__)
#pragma GCC diagnostic ignored "-Wimplicit-fallthrough"
#endif

/* Positions the actions record while the machine runs. */
typedef struct uri_marks {
  const unsigned char *user;    /* first byte of userinfo */
  const unsigned char *pw;      /* first byte of the password, NULL if no ':' */
  const unsigned char *host;
  const unsigned char *port;
  const unsigned char *pv;      /* first byte of a parameter value */
  const unsigned char *scheme;
  const char *bad;              /* a value check that failed: the reason */
  size_t bad_at;
} uri_marks;

static rl_sip_str slice(const unsigned char *a, const unsigned char *b) {
  rl_sip_str s;
  s.p = (const char *)a;
  s.len = (size_t)(b - a);
  return s;
}

/* Everything after userinfo, which the host-first reading may have set. */
static void clear_host_side(rl_sip_uri *u, uri_marks *m) {
  memset(&u->host, 0, sizeof u->host);
  u->host_type = RL_SIP_HOST_NONE;
  u->port = -1;
  memset(&u->params, 0, sizeof u->params);
  memset(&u->transport, 0, sizeof u->transport);
  memset(&u->user_param, 0, sizeof u->user_param);
  memset(&u->method, 0, sizeof u->method);
  memset(&u->maddr, 0, sizeof u->maddr);
  u->ttl = -1;
  u->lr = 0;
  u->gr = 0;
  memset(&u->gr_value, 0, sizeof u->gr_value);
  memset(&u->headers, 0, sizeof u->headers);
  m->bad = NULL;
}

static void note_bad(uri_marks *m, const char *reason, const unsigned char *at,
                     const unsigned char *base) {
  if (!m->bad) {
    m->bad = reason;
    m->bad_at = (size_t)(at - base);
  }
}

%%{
  machine sip_uri;
  alphtype unsigned char;
  include sip_core "sip_core.rl";

  action scheme_sip { u->scheme = RL_SIP_SCHEME_SIP; u->scheme_name = slice(base, fpc); }
  action scheme_sips { u->scheme = RL_SIP_SCHEME_SIPS; u->scheme_name = slice(base, fpc); }
  action scheme_start { m.scheme = fpc; }
  action scheme_end {
    u->scheme_name = slice(m.scheme, fpc);
    u->scheme = rl_sip_str_ieq(u->scheme_name, "tel") ? RL_SIP_SCHEME_TEL : RL_SIP_SCHEME_OTHER;
  }
  action opaque_start { u->opaque = slice(fpc, pe); }

  action user_start { m.user = fpc; m.pw = NULL; }
  action password_colon { m.pw = fpc + 1; }
  action userinfo_done {
    if (m.pw) {
      u->user = slice(m.user, m.pw - 1);
      u->password = slice(m.pw, fpc);
    } else {
      u->user = slice(m.user, fpc);
    }
    clear_host_side(u, &m);
  }

  action host_start { m.host = fpc; }
  action host_end { u->host = slice(m.host, fpc); }
  action host_name { u->host_type = RL_SIP_HOST_NAME; }
  action host_ipv4 { u->host_type = RL_SIP_HOST_IPV4; }
  action host_ipv6 { u->host_type = RL_SIP_HOST_IPV6; }
  action port_start { m.port = fpc; }
  action port_end {
    long v = rl_sip_digits(m.port, fpc, 65535);
    if (v < 0) note_bad(&m, "Bad port", m.port, base);
    u->port = (int)v;
  }

  action param_semi { if (!u->params.p) u->params.p = (const char *)fpc; }
  action pv_start { m.pv = fpc; }
  action set_transport { u->transport = slice(m.pv, fpc); }
  action set_user_param { u->user_param = slice(m.pv, fpc); }
  action set_method { u->method = slice(m.pv, fpc); }
  action set_maddr { u->maddr = slice(m.pv, fpc); }
  action set_ttl {
    long v = rl_sip_digits(m.pv, fpc, 255);
    if (v < 0) note_bad(&m, "Bad ttl parameter", m.pv, base);
    u->ttl = (int)v;
  }
  action set_lr { u->lr = 1; }
  action set_gr { u->gr = 1; }
  action set_gr_value { u->gr_value = slice(m.pv, fpc); }
  action headers_start { u->headers = slice(fpc + 1, pe); }

  # 19.1.1 / 25: SIP-URI = "sip:" [ userinfo ] hostport uri-parameters [ headers ]
  user_unreserved = "&" | "=" | "+" | "$" | "," | ";" | "?" | "/";
  user = ( unreserved | escaped | user_unreserved )+ >user_start;
  password = ( unreserved | escaped | "&" | "=" | "+" | "$" | "," )*;
  # telephone-subscriber (RFC 2806) needs no rule of its own: 25 says any
  # character of it that user does not allow MUST be escaped.
  userinfo = user ( ":" @password_colon password )? "@" @userinfo_done;

  # host, telling which of its forms it was (their ranges are checked
  # once the machine is done: IPv4 octets, IPv6 groups).
  sip_host = ( hostname %host_name | IPv4address %host_ipv4 | IPv6reference %host_ipv6 )
             >host_start %host_end;
  hostport = sip_host ( ":" port >port_start %port_end )?;

  param_unreserved = "[" | "]" | "/" | ":" | "&" | "+" | "$";
  paramchar = param_unreserved | unreserved | escaped;
  pname = paramchar+;
  pvalue = paramchar+;
  other_transport = token;
  transport_param = "transport="i
                    ( "udp"i | "tcp"i | "sctp"i | "tls"i | other_transport )
                    >pv_start %set_transport;
  other_user = token;
  user_param = "user="i ( "phone"i | "ip"i | other_user ) >pv_start %set_user_param;
  method_param = "method="i Method >pv_start %set_method;
  ttl = DIGIT{1,3};
  ttl_param = "ttl="i ttl >pv_start %set_ttl;
  maddr_param = "maddr="i host >pv_start %set_maddr;
  # "lr=on" was written by pre-RFC 3261 proxies; 19.1.1 asks to accept it.
  lr_param = "lr"i ( "=" pvalue )? %set_lr;
  # RFC 5627 4.1: gr-param = "gr" ["=" pvalue]
  gr_param = "gr"i ( "=" pvalue >pv_start %set_gr_value )? %set_gr;
  # A known name must carry its own syntax; it is not also an other-param.
  known_pname = "transport"i | "user"i | "method"i | "ttl"i | "maddr"i | "lr"i | "gr"i;
  other_param = ( pname - known_pname ) ( "=" pvalue )?;
  uri_parameter = transport_param | user_param | method_param | ttl_param
                | maddr_param | lr_param | gr_param | other_param;
  uri_parameters = ( ";" @param_semi uri_parameter )*;

  hnv_unreserved = "[" | "]" | "/" | "?" | ":" | "+" | "$";
  hname = ( hnv_unreserved | unreserved | escaped )+;
  hvalue = ( hnv_unreserved | unreserved | escaped )*;
  header = hname "=" hvalue;
  headers = "?" @headers_start header ( "&" header )*;

  SIP_URI = "sip:"i @scheme_sip userinfo? hostport uri_parameters headers?;
  SIPS_URI = "sips:"i @scheme_sips userinfo? hostport uri_parameters headers?;

  # absoluteURI (RFC 2396 as quoted in 25). Its srvr reuses 2396's
  # userinfo, not the SIP one that ends in "@" itself.
  scheme = ALPHA ( ALPHA | DIGIT | "+" | "-" | "." )*;
  uric = reserved | unreserved | escaped;
  uric_no_slash = unreserved | escaped | ";" | "?" | ":" | "@" | "&" | "="
                | "+" | "$" | ",";
  pchar = unreserved | escaped | ":" | "@" | "&" | "=" | "+" | "$" | ",";
  segment = pchar* ( ";" pchar* )*;
  path_segments = segment ( "/" segment )*;
  abs_path = "/" path_segments;
  userinfo_2396 = ( unreserved | escaped | ";" | ":" | "&" | "=" | "+" | "$" | "," )*;
  srvr = ( ( userinfo_2396 "@" )? host ( ":" port )? )?;
  reg_name = ( unreserved | escaped | "$" | "," | ";" | ":" | "@" | "&" | "=" | "+" )+;
  authority = srvr | reg_name;
  net_path = "//" authority abs_path?;
  query = uric*;
  hier_part = ( net_path | abs_path ) ( "?" query )?;
  opaque_part = uric_no_slash uric*;
  absoluteURI = ( scheme - ( "sip"i | "sips"i ) ) >scheme_start %scheme_end
                ":" ( hier_part | opaque_part ) >opaque_start;

  # Request-URI = SIP-URI / SIPS-URI / absoluteURI (and so is addr-spec).
  main := SIP_URI | SIPS_URI | absoluteURI;

  write data noerror nofinal noentry;
}%%

int rl_sip_uri_parse(const char *uri, size_t len, rl_sip_uri *u, rl_sip_err *err) {
  const unsigned char *base = (const unsigned char *)uri;
  const unsigned char *p = base;
  const unsigned char *pe = base + len;
  const unsigned char *eof = pe;
  uri_marks m;
  int cs;

  rl_sip_zero(u, sizeof *u);
  memset(&m, 0, sizeof m);
  u->port = -1;
  u->ttl = -1;
  u->text.p = uri;
  u->text.len = len;
  %% write init;
  %% write exec;

  if (cs < %%{ write first_final; }%%) {
    /* p is where the machine stopped: the first byte that does not fit,
     * or the end when the URI stops short. */
    return rl_sip_fail(err, RL_ERR_SYNTAX, 400, (size_t)(p - base), "Bad URI");
  }
  if (u->host_type == RL_SIP_HOST_IPV4 && !rl_sip_ipv4_ok(u->host.p, u->host.len))
    note_bad(&m, "Bad IPv4 address", (const unsigned char *)u->host.p, base);
  if (u->host_type == RL_SIP_HOST_IPV6 && !rl_sip_ipv6_ok(u->host.p + 1, u->host.len - 2))
    note_bad(&m, "Bad IPv6 address", (const unsigned char *)u->host.p, base);
  if (m.bad) return rl_sip_fail(err, RL_ERR_SYNTAX, 400, m.bad_at, m.bad);
  /* uri-parameters run from the first ';' to the headers or the end. */
  if (u->params.p)
    u->params.len = (size_t)((u->headers.p ? u->headers.p - 1 : uri + len) - u->params.p);
  if (u->scheme == RL_SIP_SCHEME_TEL || u->scheme == RL_SIP_SCHEME_OTHER) u->port = -1;
  return 0;
}
