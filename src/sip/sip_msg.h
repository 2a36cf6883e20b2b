/* sip_msg.h: the SIP message parser (RFC 3261 7 and 25).
 *
 *   rl_sip_header hdr[64];
 *   rl_sip_msg msg;
 *   rl_sip_err err;
 *   rl_sip_msg_init(&msg, hdr, 64);
 *   if (rl_sip_msg_parse(&msg, buf, len, NULL, &err) < 0)
 *     answer 400 with err.reason (a request) or drop it (a response);
 *   if (rl_sip_msg_validate(&msg, &err) < 0) answer err.status, err.reason;
 *
 * The parser is a Ragel machine (sip_msg.rl) over the start line and the
 * header lines: the Request-Line or Status-Line, then every message-header
 * as header-name HCOLON header-value CRLF, folding included. It records
 * each header as slices of the input (name and value, LWS trimmed) with its
 * kind, compact forms included; it parses only the Request-URI (with
 * sip_uri) and Content-Length, which it needs for the body. The other
 * values are parsed on demand by the functions of sip_hdr.h, so a proxy
 * parses only what it uses. Nothing is copied or allocated: the caller
 * gives the header array; more headers than it holds is an error.
 *
 * Time is linear in the input; limits (line length, header section size)
 * bound how far the parser reads before it refuses. */
#ifndef RL_SIP_MSG_H
#define RL_SIP_MSG_H

#include <stddef.h>
#include <stdint.h>

#include "sip/sip_uri.h"

/* Known header fields; compact forms (7.3.3, 20) map to their kind. */
typedef enum rl_sip_hdr_kind {
  RL_SIP_HDR_OTHER = 0,      /* extension-header or one not listed here */
  RL_SIP_HDR_VIA,            /* Via, v */
  RL_SIP_HDR_FROM,           /* From, f */
  RL_SIP_HDR_TO,             /* To, t */
  RL_SIP_HDR_CALL_ID,        /* Call-ID, i */
  RL_SIP_HDR_CSEQ,
  RL_SIP_HDR_MAX_FORWARDS,
  RL_SIP_HDR_CONTACT,        /* Contact, m */
  RL_SIP_HDR_EXPIRES,
  RL_SIP_HDR_MIN_EXPIRES,
  RL_SIP_HDR_CONTENT_LENGTH, /* Content-Length, l */
  RL_SIP_HDR_CONTENT_TYPE,   /* Content-Type, c */
  RL_SIP_HDR_CONTENT_ENCODING, /* Content-Encoding, e */
  RL_SIP_HDR_SUBJECT,        /* Subject, s */
  RL_SIP_HDR_RECORD_ROUTE,
  RL_SIP_HDR_ROUTE,
  RL_SIP_HDR_REQUIRE,
  RL_SIP_HDR_PROXY_REQUIRE,
  RL_SIP_HDR_SUPPORTED,      /* Supported, k */
  RL_SIP_HDR_UNSUPPORTED,
  RL_SIP_HDR_ALLOW,
  RL_SIP_HDR_TIMESTAMP,
  RL_SIP_HDR_USER_AGENT,
  RL_SIP_HDR_SERVER,
  RL_SIP_HDR_PATH,           /* RFC 3327 */
  RL_SIP_HDR_KIND_COUNT
} rl_sip_hdr_kind;

/* The methods of RFC 3261 and its common extensions; extension-method
 * tokens are RL_SIP_METHOD_OTHER (the name stays in method_name). Methods
 * are case-sensitive (25: INVITEm = %x49.4E.56.49.54.45). */
typedef enum rl_sip_method {
  RL_SIP_METHOD_OTHER = 0,
  RL_SIP_METHOD_INVITE,
  RL_SIP_METHOD_ACK,
  RL_SIP_METHOD_OPTIONS,
  RL_SIP_METHOD_BYE,
  RL_SIP_METHOD_CANCEL,
  RL_SIP_METHOD_REGISTER,
  RL_SIP_METHOD_MESSAGE,    /* RFC 3428 */
  RL_SIP_METHOD_SUBSCRIBE,  /* RFC 6665 */
  RL_SIP_METHOD_NOTIFY,
  RL_SIP_METHOD_PRACK,      /* RFC 3262 */
  RL_SIP_METHOD_UPDATE,     /* RFC 3311 */
  RL_SIP_METHOD_INFO,       /* RFC 6086 */
  RL_SIP_METHOD_REFER,      /* RFC 3515 */
  RL_SIP_METHOD_PUBLISH     /* RFC 3903 */
} rl_sip_method;

typedef struct rl_sip_header {
  rl_sip_hdr_kind kind;
  rl_sip_str name;   /* as written ("v", "VIA", "X-Foo") */
  rl_sip_str value;  /* without the LWS around it; inner folding stays */
  rl_sip_str line;   /* the whole line(s), name to the final CRLF inclusive */
} rl_sip_header;

typedef struct rl_sip_msg {
  /* The caller's header array (rl_sip_msg_init). */
  rl_sip_header *hdr;
  size_t hdr_cap;
  size_t nhdr;

  const char *buf;      /* the input given to rl_sip_msg_parse */
  int is_request;
  /* Request-Line = Method SP Request-URI SP SIP-Version CRLF */
  rl_sip_method method;
  rl_sip_str method_name;
  rl_sip_str request_uri;
  rl_sip_uri ruri;      /* the Request-URI, parsed */
  /* Status-Line = SIP-Version SP Status-Code SP Reason-Phrase CRLF */
  int status;
  rl_sip_str reason;
  rl_sip_str version;   /* "SIP/2.0" as written, in either line */
  rl_sip_str start_line; /* the whole first line, CRLF included */

  long long content_length; /* -1 when there is no Content-Length */
  size_t header_len;    /* start line + headers + the empty line */
  rl_sip_str body;
  size_t len;           /* bytes of this message: header_len + body */
  size_t skipped;       /* CRLFs before the start line that were skipped (7.5) */
} rl_sip_msg;

/* What the parser allows. rl_sip_opts_default() gives the values below. */
typedef struct rl_sip_opts {
  size_t max_line;          /* one header line with its folds (8192) */
  size_t max_header_bytes;  /* start line to the empty line (65536) */
  size_t max_body;          /* Content-Length above this is refused (1 MiB) */
  /* 0: a datagram (18.3: no Content-Length means the body runs to the
   * end; bytes after Content-Length are dropped). 1: a stream: Content-
   * Length is required and the bytes after the body are the next message. */
  int stream;
} rl_sip_opts;

rl_sip_opts rl_sip_opts_default(void);

/* Give msg the caller's header array of cap entries. */
void rl_sip_msg_init(rl_sip_msg *msg, rl_sip_header *hdr, size_t cap);

/* Parse the message at buf[0..len) into msg (rl_sip_msg_init first).
 * opts NULL: the defaults (datagram). Returns 0, or:
 *   RL_ERR_TRUNCATED  the input ends before the empty line that ends the
 *                     headers ("Incomplete message") or before the body
 *                     Content-Length announces ("Content-Length 120 but
 *                     80 bytes of body"): over a stream, wait for more;
 *                     in a datagram, answer 400.
 *   RL_ERR_SYNTAX     malformed ("Bad Request-Line", "Bad header name",
 *                     "Bad Content-Length", "Bad line ending", ...).
 *   RL_ERR_TOO_LARGE  a limit: "Header line too long", "Too many headers",
 *                     "Message headers too large" (status 513), "Message
 *                     body too large" (513).
 * err (may be NULL) gets the offset, the header and the reason. */
int rl_sip_msg_parse(rl_sip_msg *msg, const char *buf, size_t len, const rl_sip_opts *opts,
                     rl_sip_err *err);

/* Check what RFC 3261 8.1.1 asks of every request (To, From, CSeq,
 * Call-ID, Max-Forwards, Via) and of a response (all but Max-Forwards):
 * present, once each (Via may repeat), each parses, CSeq's method is the
 * request's, and the version is SIP/2.0. Returns 0, or RL_ERR_SYNTAX
 * with err->status 400 ("Missing Call-ID", "Duplicate From header", "Bad
 * Via header", "CSeq method does not match") or 505 ("SIP Version not
 * supported"); err->offset is into msg->buf. */
int rl_sip_msg_validate(const rl_sip_msg *msg, rl_sip_err *err);

/* rl_sip_msg_validate for a proxy (RFC 3261 16.3): the same checks but a
 * request without Max-Forwards passes, since the proxy adds one (16.6
 * step 3). */
#define RL_SIP_VALIDATE_PROXY 1u
int rl_sip_msg_validate_as(const rl_sip_msg *msg, unsigned flags, rl_sip_err *err);

/* Index of the first header of kind at or after index from, or -1. */
long rl_sip_msg_find(const rl_sip_msg *msg, rl_sip_hdr_kind kind, size_t from);

/* Index of the first header called name (case-insensitive; for
 * extension headers), at or after from, or -1. */
long rl_sip_msg_find_name(const rl_sip_msg *msg, const char *name, size_t from);

/* Framing over a stream (18.3, 7.5): how many bytes the message at the
 * start of buf needs. Call again as bytes arrive with the same framer (it
 * remembers how far it looked, so dribbled input costs linear time);
 * zero it when a message is consumed. Returns 0 with frame->total (skip +
 * header section + Content-Length) once the headers are complete,
 * RL_ERR_TRUNCATED while they are not, or an error: "Missing
 * Content-Length", "Bad Content-Length", "Message headers too large". */
typedef struct rl_sip_framer {
  size_t scanned;
} rl_sip_framer;

typedef struct rl_sip_frame {
  size_t skip;        /* leading CRLFs (keep-alives, 7.5) before the start line */
  size_t header_len;  /* from the start line through the empty line */
  size_t body_len;    /* Content-Length */
  size_t total;       /* skip + header_len + body_len */
} rl_sip_frame;

int rl_sip_msg_frame(rl_sip_framer *f, const char *buf, size_t len, const rl_sip_opts *opts,
                     rl_sip_frame *frame, rl_sip_err *err);

/* Header kind of a header-name (case-insensitive, compact forms). */
rl_sip_hdr_kind rl_sip_hdr_kind_of(const char *name, size_t len);

/* The full name of a kind ("Via"); "" for RL_SIP_HDR_OTHER. */
const char *rl_sip_hdr_name(rl_sip_hdr_kind kind);

/* The method a Method token names (case-sensitive). */
rl_sip_method rl_sip_method_of(const char *name, size_t len);

/* "INVITE" ...; NULL for RL_SIP_METHOD_OTHER. */
const char *rl_sip_method_name(rl_sip_method m);

#endif
