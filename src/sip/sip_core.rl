/* sip_core.rl: the basic rules of RFC 3261 section 25.1 and the host rules
 * of section 25, shared by the URI, message and header machines. Included
 * by the other .rl files; it generates no code of its own.
 *
 * Names are the ABNF's with '-' written '_' (Ragel names cannot hold '-').
 * ABNF string literals are case-insensitive ("SIP"i); %x literals are not. */
%%{
  machine sip_core;

  # 25.1 and RFC 2234 6.1 core rules.
  CR = "\r";
  LF = "\n";
  CRLF = CR LF;
  SP = " ";
  HTAB = "\t";
  WSP = SP | HTAB;
  DQUOTE = '"';
  ALPHA = alpha;
  DIGIT = digit;
  HEXDIG = xdigit;
  alphanum = ALPHA | DIGIT;

  reserved = ";" | "/" | "?" | ":" | "@" | "&" | "=" | "+" | "$" | ",";
  mark = "-" | "_" | "." | "!" | "~" | "*" | "'" | "(" | ")";
  unreserved = alphanum | mark;
  escaped = "%" HEXDIG HEXDIG;

  # Folding: a CRLF followed by whitespace is linear white space.
  LWS = ( WSP* CRLF )? WSP+;
  SWS = LWS?;
  HCOLON = WSP* ":" SWS;

  UTF8_CONT = 0x80..0xbf;
  UTF8_NONASCII = 0xc0..0xdf UTF8_CONT
                | 0xe0..0xef UTF8_CONT{2}
                | 0xf0..0xf7 UTF8_CONT{3}
                | 0xf8..0xfb UTF8_CONT{4}
                | 0xfc..0xfd UTF8_CONT{5};
  TEXT_UTF8char = 0x21..0x7e | UTF8_NONASCII;
  LHEX = DIGIT | 0x61..0x66;

  token_char = alphanum | "-" | "." | "!" | "%" | "*" | "_" | "+" | "`" | "'" | "~";
  token = token_char+;
  word_char = alphanum | "-" | "." | "!" | "%" | "*" | "_" | "+" | "`" | "'" | "~"
            | "(" | ")" | "<" | ">" | ":" | "\\" | DQUOTE | "/" | "[" | "]" | "?"
            | "{" | "}";
  word = word_char+;

  STAR = SWS "*" SWS;
  SLASH = SWS "/" SWS;
  EQUAL = SWS "=" SWS;
  RAQUOT = ">" SWS;
  LAQUOT = SWS "<";
  COMMA = SWS "," SWS;
  SEMI = SWS ";" SWS;
  COLON = SWS ":" SWS;

  # quoted-string = SWS DQUOTE *(qdtext / quoted-pair) DQUOTE. The leading
  # SWS is left to the rule before it (EQUAL, SEMI, LAQUOT ... all end or
  # start with SWS), so qstring is the part an action can mark.
  qdtext = LWS | 0x21 | 0x23..0x5b | 0x5d..0x7e | UTF8_NONASCII;
  quoted_pair = "\\" ( 0x00..0x09 | 0x0b..0x0c | 0x0e..0x7f );
  qstring = DQUOTE ( qdtext | quoted_pair )* DQUOTE;
  quoted_string = SWS qstring;

  # Hosts (section 25, after RFC 2396).
  domainlabel = alphanum | alphanum ( alphanum | "-" )* alphanum;
  toplabel = ALPHA | ALPHA ( alphanum | "-" )* alphanum;
  hostname = ( domainlabel "." )* toplabel "."?;
  IPv4address = DIGIT{1,3} "." DIGIT{1,3} "." DIGIT{1,3} "." DIGIT{1,3};
  hex4 = HEXDIG{1,4};
  hexseq = hex4 ( ":" hex4 )*;
  hexpart = hexseq | hexseq "::" hexseq? | "::" hexseq?;
  IPv6address = hexpart ( ":" IPv4address )?;
  IPv6reference = "[" IPv6address "]";
  host = hostname | IPv4address | IPv6reference;
  port = DIGIT+;

  # Methods are case-sensitive tokens (INVITEm = %x49.4E.56.49.54.45).
  Method = token;
  SIP_Version = "SIP"i "/" DIGIT+ "." DIGIT+;

  # gen-value = token / host / quoted-string. A hostname or an IPv4address
  # is a token too, so only IPv6reference adds to token: written so, the
  # machine does not track the host rules alongside (far fewer states).
  gen_value = token | IPv6reference | qstring;
  generic_param = token ( EQUAL gen_value )?;
  delta_seconds = DIGIT+;
  qvalue = ( "0" ( "." DIGIT{0,3} )? ) | ( "1" ( "." "0"{0,3} )? );

  # Fast paths (sip_util.h): the same rules, with the rest of a run of
  # their characters stepped over at once after the first one. Only for
  # places where, after one of these characters, the machine loops on all
  # of them; the first byte keeps its own transition so that entering
  # actions see it.
  action skip_token { if (!RL_SIP_SLOW) fexec rl_sip_skip(p + 1, pe, RL_SIP_C_TOKEN); }
  action skip_word { if (!RL_SIP_SLOW) fexec rl_sip_skip(p + 1, pe, RL_SIP_C_WORD); }
  token_fast = token_char ( token_char $skip_token )*;
  word_fast = word_char ( word_char $skip_word )*;

}%%
