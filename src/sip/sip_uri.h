/* sip_uri.h: the SIP and SIPS URI parser (RFC 3261 19.1 and 25), and the
 * types every SIP parser of the toolkit shares.
 *
 * The parser is a Ragel machine (sip_uri.rl) that reads like the ABNF of
 * RFC 3261 section 25. It copies nothing: every rl_sip_str of the result
 * points into the input, as written (escapes are not decoded), and it never
 * allocates. Other schemes (tel:, urn:, im: ...) pass through as an
 * absoluteURI: scheme name plus the rest, checked against the generic URI
 * grammar only. */
#ifndef RL_SIP_URI_H
#define RL_SIP_URI_H

#include <stddef.h>
#include <stdint.h>

/* A slice of the input: p is NULL when the part is absent. */
typedef struct rl_sip_str {
  const char *p;
  size_t len;
} rl_sip_str;

/* Why parsing failed. code is an rl_err (runtime/error.h): RL_ERR_SYNTAX
 * for malformed input, RL_ERR_TRUNCATED when the input ends early (for a
 * message: "incomplete", more bytes may complete it), RL_ERR_TOO_LARGE for
 * a limit. status is the SIP response a server answers with (400, 505,
 * 513) and reason its reason phrase ("Bad Via header"). offset counts from
 * the start of the input given to the failing function; header names the
 * header the error is in (a slice of the input, or p NULL). */
typedef struct rl_sip_err {
  int code;
  int status;
  size_t offset;
  rl_sip_str header;
  char reason[80];
} rl_sip_err;

typedef enum rl_sip_scheme {
  RL_SIP_SCHEME_NONE = 0,
  RL_SIP_SCHEME_SIP,
  RL_SIP_SCHEME_SIPS,
  RL_SIP_SCHEME_TEL,   /* RFC 3966, kept as an absoluteURI */
  RL_SIP_SCHEME_OTHER  /* any other absoluteURI */
} rl_sip_scheme;

typedef enum rl_sip_host_type {
  RL_SIP_HOST_NONE = 0,
  RL_SIP_HOST_NAME,
  RL_SIP_HOST_IPV4,
  RL_SIP_HOST_IPV6     /* host includes the brackets of the IPv6reference */
} rl_sip_host_type;

typedef struct rl_sip_uri {
  rl_sip_str text;         /* the whole URI */
  rl_sip_scheme scheme;
  rl_sip_str scheme_name;  /* as written ("sip", "SIPS", "tel") */
  rl_sip_str opaque;       /* absoluteURI only: everything after "scheme:" */

  /* SIP and SIPS URIs (19.1.1): */
  rl_sip_str user;         /* userinfo's user (or telephone-subscriber); p NULL if none */
  rl_sip_str password;     /* p NULL if no ":" password */
  rl_sip_str host;
  rl_sip_host_type host_type;
  int port;                /* -1 when absent */
  rl_sip_str params;       /* uri-parameters from the first ';' (p NULL if none) */
  rl_sip_str transport;    /* transport-param value */
  rl_sip_str user_param;   /* user-param value ("phone", "ip") */
  rl_sip_str method;       /* method-param value */
  rl_sip_str maddr;        /* maddr-param value */
  int ttl;                 /* ttl-param, 0..255, -1 when absent */
  int lr;                  /* lr-param present */
  int gr;                  /* gr-param present (RFC 5627 GRUU) */
  rl_sip_str gr_value;     /* its value, p NULL for a bare ";gr" */
  rl_sip_str headers;      /* after '?': hname=hvalue *("&" ...), p NULL if none */
} rl_sip_uri;

/* Parse uri[0..len) as Request-URI = SIP-URI / SIPS-URI / absoluteURI.
 * Returns 0, or RL_ERR_SYNTAX with err->reason "Bad URI" (or a more precise
 * "Bad port", "Bad IPv4 address", "Bad ttl parameter") and err->offset the
 * first byte that does not fit. err may be NULL. */
int rl_sip_uri_parse(const char *uri, size_t len, rl_sip_uri *out, rl_sip_err *err);

/* Walk a parameter list as found in rl_sip_uri.params or in a header's
 * params (";name=value;name..." with optional LWS around ';' and '=', as
 * the header grammars allow). Starting from *pos (0 on the first call),
 * stores the next name and value (value.p NULL when the parameter has no
 * "=value"; a quoted-string value keeps its quotes) and returns 1, or 0 at
 * the end. Meant for text a parser has already accepted. */
int rl_sip_param_next(rl_sip_str params, size_t *pos, rl_sip_str *name, rl_sip_str *value);

/* The same for URI headers ("hname=hvalue&..." from rl_sip_uri.headers). */
int rl_sip_uri_header_next(rl_sip_str headers, size_t *pos, rl_sip_str *name,
                           rl_sip_str *value);

/* Find the parameter called name (case-insensitive) in params: 1 and its
 * value (p NULL for a bare parameter) when present, else 0. */
int rl_sip_param_find(rl_sip_str params, const char *name, rl_sip_str *value);

/* Decode %HH escapes of s into out[0..cap); returns the decoded length,
 * or -1 when it does not fit. Escapes are checked by the parser already;
 * a malformed one is copied as is. */
long rl_sip_unescape(rl_sip_str s, char *out, size_t cap);

/* Case-insensitive comparison of s with the NUL-terminated ASCII lit. */
int rl_sip_str_ieq(rl_sip_str s, const char *lit);

/* Exact comparison of s with the NUL-terminated lit. */
int rl_sip_str_eq(rl_sip_str s, const char *lit);

#endif
