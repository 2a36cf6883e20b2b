/* sip_write.h: writing SIP messages into a caller's buffer, for a proxy
 * (RFC 3261 16.6, 16.7) and a UAS answering requests (8.2.6).
 *
 * Writes go through an rl_writer (runtime/writer.h): the first failure
 * (buffer full) poisons it and later writes do nothing, so a caller checks
 * w->err once at the end. Header lines of a parsed message are copied as
 * they were written (compact forms, folding), only the lines a step
 * changes are rewritten.
 *
 *   rl_writer w;
 *   rl_writer_init(&w, (uint8_t *)out, sizeof out, NULL);
 *   rl_sip_write_response(&w, &req, 180, "Ringing", tag);
 *   rl_sip_write_header_cstr(&w, "Contact", "<sip:bob@192.0.2.4>");
 *   rl_sip_write_body(&w, NULL, NULL, 0);
 *   if (w.err) ... */
#ifndef RL_SIP_WRITE_H
#define RL_SIP_WRITE_H

#include <stddef.h>

#include "runtime/writer.h"
#include "sip/sip_msg.h"

void rl_sip_put(rl_writer *w, const char *s, size_t n);
void rl_sip_put_str(rl_writer *w, rl_sip_str s);
void rl_sip_put_cstr(rl_writer *w, const char *s);
void rl_sip_put_uint(rl_writer *w, unsigned long long v);

/* Request-Line = Method SP Request-URI SP SIP-Version CRLF */
void rl_sip_write_request_line(rl_writer *w, const char *method, rl_sip_str uri);
/* Status-Line = SIP-Version SP Status-Code SP Reason-Phrase CRLF */
void rl_sip_write_status_line(rl_writer *w, int status, const char *reason);

/* name ": " value CRLF */
void rl_sip_write_header(rl_writer *w, const char *name, rl_sip_str value);
void rl_sip_write_header_cstr(rl_writer *w, const char *name, const char *value);
void rl_sip_write_header_uint(rl_writer *w, const char *name, unsigned long long value);

/* End the headers: Content-Type (when content_type is not NULL),
 * Content-Length, the empty line, then len bytes of body. */
void rl_sip_write_body(rl_writer *w, const char *content_type, const void *body, size_t len);

/* What a proxy changes in a request it forwards (16.6). */
typedef struct rl_sip_forward {
  rl_sip_str request_uri;  /* step 2/6: the new Request-URI; p NULL keeps it */
  rl_sip_str via;          /* step 8: the proxy's via-parm, written as the top Via */
  rl_sip_str record_route; /* step 4: a rec-route value ("<sip:p.example.com;lr>"), p NULL for none */
  int drop_top_route;      /* 16.4: how many top Route values (across Route
                            * headers) were this proxy; they are removed */
} rl_sip_forward;

/* Write req forwarded: the Request-Line (new Request-URI if given), the new
 * Via first, then the Record-Route value (both so topmost of their kind),
 * then every header of req in order with Max-Forwards decremented (step 3;
 * "Max-Forwards: 70" added when req has none) and the top Route values
 * removed if asked, then the body. Returns 0 or: RL_ERR_PARAM when
 * Max-Forwards is 0 (16.3 step 3 answers 483 instead of forwarding),
 * RL_ERR_SYNTAX when a Max-Forwards or Route value does not parse,
 * RL_ERR_BUFFER when the buffer is full. */
int rl_sip_write_forward(rl_writer *w, const rl_sip_msg *req, const rl_sip_forward *fwd);

/* Start the response to req (8.2.6): the Status-Line, then every Via (in
 * order), From, To, Call-ID and CSeq of req, copied; To gets ";tag=" to_tag
 * when status is above 100, To has no tag and to_tag.p is not NULL
 * (8.2.6.2); a 100 also copies Timestamp (8.2.6.1). The caller may add
 * headers, and ends with rl_sip_write_body. Returns 0, RL_ERR_SYNTAX when
 * To does not parse, or RL_ERR_BUFFER. */
int rl_sip_write_response(rl_writer *w, const rl_sip_msg *req, int status, const char *reason,
                          rl_sip_str to_tag);

/* Write resp forwarded upstream (16.7 step 3): everything but the topmost
 * Via value. Returns 0, RL_ERR_SYNTAX when resp has no (parsable) Via, or
 * RL_ERR_BUFFER. */
int rl_sip_write_response_forward(rl_writer *w, const rl_sip_msg *resp);

/* The request m (from its start line, without the CRLFs before it) with
 * its top Via set for a server that received it from ip:port, written
 * into out (18.2.1: "the server MUST add a "received" parameter to that
 * Via header field value" when the sent-by host is not the source
 * address; RFC 3581 4: with "rport" without a value, "received" is added
 * whatever the host and rport gets the source port). An earlier
 * "received" is replaced; an "rport" with a value is kept. ip is an
 * address as text (IPv6 without brackets). Returns the length written, 0
 * when nothing changes (out untouched), RL_ERR_SYNTAX when m has no
 * parsable Via, RL_ERR_BUFFER when out is too small. */
long rl_sip_write_via_received(const rl_sip_msg *m, const char *ip, int port, char *out,
                               size_t cap);

#endif
