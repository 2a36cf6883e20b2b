/* sip_hdr.h: parsers for the values of the structured SIP headers.
 *
 * Each takes a header value as rl_sip_msg_parse leaves it (a slice; LWS
 * and folding inside are allowed, as the grammars say) and checks it
 * against its ABNF of RFC 3261 section 25 (Ragel machines in sip_via.rl,
 * sip_addr.rl, sip_hdr.rl). Results are slices of the value; nothing is
 * copied or allocated. On failure they return RL_ERR_SYNTAX with
 * err->reason the phrase a server answers 400 with ("Bad Via header") and
 * err->offset counted from the start of the value.
 *
 * List headers (Via, Contact, Route, Record-Route, option tags) are read
 * one entry at a time: set pos to 0, call until the function returns 0:
 *
 *   size_t pos = 0;
 *   rl_sip_via via;
 *   while ((r = rl_sip_via_next(h->value, &pos, &via, &err)) > 0) ...
 *   if (r < 0) answer 400 err.reason */
#ifndef RL_SIP_HDR_H
#define RL_SIP_HDR_H

#include <stddef.h>
#include <stdint.h>

#include "sip/sip_msg.h"
#include "sip/sip_uri.h"

/* via-parm = sent-protocol LWS sent-by *( SEMI via-params ) (20.42) */
typedef struct rl_sip_via {
  rl_sip_str text;              /* the whole via-parm */
  rl_sip_str protocol_name;     /* "SIP" */
  rl_sip_str protocol_version;  /* "2.0" */
  rl_sip_str transport;         /* "UDP", "TCP", "TLS", "SCTP", other */
  rl_sip_str host;              /* sent-by host; IPv6 with brackets */
  rl_sip_host_type host_type;
  int port;                     /* -1 when absent */
  rl_sip_str params;            /* from the first SEMI, p NULL if none */
  rl_sip_str branch;            /* via-branch value */
  rl_sip_str received;          /* via-received value */
  rl_sip_str maddr;             /* via-maddr value */
  int ttl;                      /* via-ttl, -1 when absent */
  int rport;                    /* RFC 3581: -1 absent, 0 without value, else the port */
} rl_sip_via;

/* The next via-parm of a Via value. Returns 1, 0 at the end, or
 * RL_ERR_SYNTAX ("Bad Via header"). */
int rl_sip_via_next(rl_sip_str value, size_t *pos, rl_sip_via *via, rl_sip_err *err);

/* name-addr / addr-spec with header parameters: From, To, Contact,
 * Route, Record-Route (20.10, 20.20, 20.39, 20.30, 20.34). */
typedef struct rl_sip_addr {
  rl_sip_str text;          /* the whole entry */
  int star;                 /* Contact: * (20.10) */
  rl_sip_str display_name;  /* as written: tokens, or a quoted-string with its quotes */
  rl_sip_str uri_text;      /* the addr-spec, without < > */
  rl_sip_uri uri;
  rl_sip_str params;        /* header params from the first SEMI, p NULL if none */
  rl_sip_str tag;           /* tag-param (From, To) */
  /* Contact (contact-params): */
  long long expires;        /* c-p-expires, saturated at 2**32-1; -1 when absent */
  int q;                    /* c-p-q in thousandths (0..1000), -1 when absent */
  rl_sip_str instance;      /* +sip.instance value inside its quotes (RFC 5626 4.1) */
  long long reg_id;         /* reg-id (RFC 5626), -1 when absent */
  rl_sip_str pub_gruu;      /* RFC 5627 pub-gruu, inside the quotes */
  rl_sip_str temp_gruu;     /* RFC 5627 temp-gruu, inside the quotes */
} rl_sip_addr;

/* From = from-spec, To (one address each): name-addr / addr-spec with
 * tag-param / generic-param. "Bad From header" / "Bad To header". */
int rl_sip_from_parse(rl_sip_str value, rl_sip_addr *addr, rl_sip_err *err);
int rl_sip_to_parse(rl_sip_str value, rl_sip_addr *addr, rl_sip_err *err);

/* The next contact-param of a Contact value, or the single STAR
 * (addr->star set; a STAR with other entries is an error). */
int rl_sip_contact_next(rl_sip_str value, size_t *pos, rl_sip_addr *addr, rl_sip_err *err);

/* The next route-param / rec-route (name-addr only) of a Route or
 * Record-Route value (and of Path, RFC 3327). kind names the header in
 * the error. */
int rl_sip_route_next(rl_sip_hdr_kind kind, rl_sip_str value, size_t *pos, rl_sip_addr *addr,
                      rl_sip_err *err);

/* CSeq = 1*DIGIT LWS Method (20.16); the number is below 2**31 (8.1.1.5). */
typedef struct rl_sip_cseq {
  uint32_t seq;
  rl_sip_str method_name;
  rl_sip_method method;
} rl_sip_cseq;
int rl_sip_cseq_parse(rl_sip_str value, rl_sip_cseq *cseq, rl_sip_err *err);

/* Call-ID = callid = word [ "@" word ] (20.8); *callid is the value. */
int rl_sip_callid_parse(rl_sip_str value, rl_sip_str *callid, rl_sip_err *err);

/* Max-Forwards = 1*DIGIT, 0..255 (20.22). */
int rl_sip_max_forwards_parse(rl_sip_str value, unsigned *hops, rl_sip_err *err);

/* Expires / Min-Expires = delta-seconds (20.19, 20.23); saturates at
 * 2**32-1 as 10.2.1.1 allows. kind names the header in the error. */
int rl_sip_expires_parse(rl_sip_hdr_kind kind, rl_sip_str value, uint32_t *seconds,
                         rl_sip_err *err);

/* Content-Type = media-type = m-type SLASH m-subtype *(SEMI m-parameter) */
typedef struct rl_sip_media_type {
  rl_sip_str type;
  rl_sip_str subtype;
  rl_sip_str params;   /* from the first SEMI, p NULL if none */
} rl_sip_media_type;
int rl_sip_content_type_parse(rl_sip_str value, rl_sip_media_type *mt, rl_sip_err *err);

/* The next option-tag (token) of Require, Proxy-Require, Supported,
 * Unsupported, or the next Method of Allow: 1*(token) separated by COMMA.
 * Supported and Allow may be empty; the others need one entry. */
int rl_sip_token_next(rl_sip_hdr_kind kind, rl_sip_str value, size_t *pos, rl_sip_str *tok,
                      rl_sip_err *err);

/* 1 when a header of kind (Require, Supported ...) of msg lists tag
 * (case-insensitive), 0 when not, negative when a value is malformed. */
int rl_sip_msg_has_token(const rl_sip_msg *msg, rl_sip_hdr_kind kind, const char *tag,
                         rl_sip_err *err);

#endif
