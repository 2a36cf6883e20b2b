/* sip_validate.c: rl_sip_msg_validate, the header fields every request
 * and response must carry (RFC 3261 8.1.1, 8.2.2, 20), each parsed. */
#include <stdio.h>
#include <string.h>

#include "runtime/error.h"
#include "sip/sip_hdr.h"
#include "sip/sip_msg.h"
#include "sip/sip_util.h"

/* Move an error found in a header value to message offsets. */
static int in_header(const rl_sip_msg *msg, const rl_sip_header *h, rl_sip_err *err, int code) {
  if (err) {
    err->offset += (size_t)(h->value.p - msg->buf);
    err->header = h->name;
  }
  return code;
}

static int header_fail(const rl_sip_msg *msg, const rl_sip_header *h, rl_sip_err *err,
                       const char *reason) {
  rl_sip_fail(err, RL_ERR_SYNTAX, 400, (size_t)(h->line.p - msg->buf), reason);
  if (err) err->header = h->name;
  return RL_ERR_SYNTAX;
}

/* Parse the value of h by its kind; 0 or an error already in msg offsets. */
static int check_value(const rl_sip_msg *msg, const rl_sip_header *h, rl_sip_err *err) {
  int r = 0;
  switch (h->kind) {
    case RL_SIP_HDR_FROM: {
      rl_sip_addr a;
      r = rl_sip_from_parse(h->value, &a, err);
      break;
    }
    case RL_SIP_HDR_TO: {
      rl_sip_addr a;
      r = rl_sip_to_parse(h->value, &a, err);
      break;
    }
    case RL_SIP_HDR_CALL_ID: {
      rl_sip_str id;
      r = rl_sip_callid_parse(h->value, &id, err);
      break;
    }
    case RL_SIP_HDR_MAX_FORWARDS: {
      unsigned hops;
      r = rl_sip_max_forwards_parse(h->value, &hops, err);
      break;
    }
    case RL_SIP_HDR_CSEQ: {
      rl_sip_cseq cs;
      r = rl_sip_cseq_parse(h->value, &cs, err);
      /* 8.1.1.5: the method of CSeq MUST match that of the request. */
      if (r == 0 && msg->is_request &&
          (cs.method_name.len != msg->method_name.len ||
           memcmp(cs.method_name.p, msg->method_name.p, cs.method_name.len) != 0))
        return header_fail(msg, h, err, "CSeq method does not match");
      break;
    }
    case RL_SIP_HDR_VIA: {
      rl_sip_via via;
      size_t pos = 0;
      while ((r = rl_sip_via_next(h->value, &pos, &via, err)) > 0) {
      }
      break;
    }
    default:
      break;
  }
  return r < 0 ? in_header(msg, h, err, r) : 0;
}

int rl_sip_msg_validate(const rl_sip_msg *msg, rl_sip_err *err) {
  return rl_sip_msg_validate_as(msg, 0, err);
}

int rl_sip_msg_validate_as(const rl_sip_msg *msg, unsigned flags, rl_sip_err *err) {
  static const rl_sip_hdr_kind required[] = {
    RL_SIP_HDR_TO, RL_SIP_HDR_FROM, RL_SIP_HDR_CSEQ,
    RL_SIP_HDR_CALL_ID, RL_SIP_HDR_MAX_FORWARDS, RL_SIP_HDR_VIA,
  };
  char reason[48];

  /* 21.5.6: a version other than SIP/2.0 is answered 505; "SIP" is an
   * ABNF string, so case-insensitive. */
  if (!rl_sip_str_ieq(msg->version, "SIP/2.0"))
    return rl_sip_fail(err, RL_ERR_SYNTAX, 505,
                       (size_t)(msg->version.p ? msg->version.p - msg->buf : 0),
                       "SIP Version not supported");
  for (size_t k = 0; k < sizeof required / sizeof required[0]; k++) {
    rl_sip_hdr_kind kind = required[k];
    long first = rl_sip_msg_find(msg, kind, 0);
    /* 8.1.1: a response need not carry Max-Forwards. */
    if (kind == RL_SIP_HDR_MAX_FORWARDS && !msg->is_request) continue;
    /* 16.6 step 3: a proxy adds Max-Forwards: 70 to a request without. */
    if (kind == RL_SIP_HDR_MAX_FORWARDS && (flags & RL_SIP_VALIDATE_PROXY) && first < 0) continue;
    if (first < 0) {
      snprintf(reason, sizeof reason, "Missing %s", rl_sip_hdr_name(kind));
      return rl_sip_fail(err, RL_ERR_SYNTAX, 400, msg->header_len ? msg->header_len - 2 : 0,
                         reason);
    }
    /* 7.3.1: only list headers may repeat; Via is the one among these. */
    if (kind != RL_SIP_HDR_VIA) {
      long again = rl_sip_msg_find(msg, kind, (size_t)first + 1);
      if (again >= 0) {
        snprintf(reason, sizeof reason, "Duplicate %s header", rl_sip_hdr_name(kind));
        return header_fail(msg, &msg->hdr[again], err, reason);
      }
    }
  }
  for (size_t i = 0; i < msg->nhdr; i++) {
    int r = check_value(msg, &msg->hdr[i], err);
    if (r < 0) return r;
  }
  return 0;
}
