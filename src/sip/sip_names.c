/* sip_names.c: header-name and Method lookups of sip_msg.h.
 *
 * Header names are case-insensitive (7.3.1); the compact forms are those
 * of RFC 3261 7.3.3 and 20 (i m f t v l c k e s). Methods are
 * case-sensitive (25). The lookup switches on the length first, so a
 * name costs one or two comparisons. */
#include "sip/sip_msg.h"

#include <stdint.h>
#include <string.h>

static const char *const hdr_names[RL_SIP_HDR_KIND_COUNT] = {
  [RL_SIP_HDR_OTHER] = "",
  [RL_SIP_HDR_VIA] = "Via",
  [RL_SIP_HDR_FROM] = "From",
  [RL_SIP_HDR_TO] = "To",
  [RL_SIP_HDR_CALL_ID] = "Call-ID",
  [RL_SIP_HDR_CSEQ] = "CSeq",
  [RL_SIP_HDR_MAX_FORWARDS] = "Max-Forwards",
  [RL_SIP_HDR_CONTACT] = "Contact",
  [RL_SIP_HDR_EXPIRES] = "Expires",
  [RL_SIP_HDR_MIN_EXPIRES] = "Min-Expires",
  [RL_SIP_HDR_CONTENT_LENGTH] = "Content-Length",
  [RL_SIP_HDR_CONTENT_TYPE] = "Content-Type",
  [RL_SIP_HDR_CONTENT_ENCODING] = "Content-Encoding",
  [RL_SIP_HDR_SUBJECT] = "Subject",
  [RL_SIP_HDR_RECORD_ROUTE] = "Record-Route",
  [RL_SIP_HDR_ROUTE] = "Route",
  [RL_SIP_HDR_REQUIRE] = "Require",
  [RL_SIP_HDR_PROXY_REQUIRE] = "Proxy-Require",
  [RL_SIP_HDR_SUPPORTED] = "Supported",
  [RL_SIP_HDR_UNSUPPORTED] = "Unsupported",
  [RL_SIP_HDR_ALLOW] = "Allow",
  [RL_SIP_HDR_TIMESTAMP] = "Timestamp",
  [RL_SIP_HDR_USER_AGENT] = "User-Agent",
  [RL_SIP_HDR_SERVER] = "Server",
  [RL_SIP_HDR_PATH] = "Path",
};

const char *rl_sip_hdr_name(rl_sip_hdr_kind kind) {
  if ((unsigned)kind >= RL_SIP_HDR_KIND_COUNT) return "";
  return hdr_names[kind];
}

/* name[0..len) equals the lower-case literal lit (letters and '-'),
 * ignoring case. OR-ing 0x20 lower-cases a letter and leaves '-' alone;
 * of the other bytes only CR would become '-', and a header-name (a
 * token) holds no CR. Two overlapping words cover 4 to 16 bytes. */
static int ieq(const char *name, const char *lit, size_t len) {
  if (len >= 8) {
    const uint64_t lc = 0x2020202020202020ull;
    uint64_t a, b, c, d;
    memcpy(&a, name, 8);
    memcpy(&b, lit, 8);
    memcpy(&c, name + len - 8, 8);
    memcpy(&d, lit + len - 8, 8);
    return ((a | lc) == b) & ((c | lc) == d) & (len <= 16);
  }
  if (len >= 4) {
    const uint32_t lc = 0x20202020u;
    uint32_t a, b, c, d;
    memcpy(&a, name, 4);
    memcpy(&b, lit, 4);
    memcpy(&c, name + len - 4, 4);
    memcpy(&d, lit + len - 4, 4);
    return ((a | lc) == b) & ((c | lc) == d);
  }
  for (size_t i = 0; i < len; i++)
    if ((name[i] | 0x20) != lit[i]) return 0;
  return 1;
}

/* One candidate per (length, first letter): the names below are the only
 * ones of their length that start with that letter, but for Call-ID and
 * Contact, which the second letter tells apart. */
static rl_sip_hdr_kind candidate(const char *name, size_t len, const char **lit) {
  char c0 = (char)(name[0] | 32), c1 = len > 1 ? (char)(name[1] | 32) : 0;
#define IS(s, k) return (*lit = s, k)
  switch (len) {
    case 2: if (c0 == 't') IS("to", RL_SIP_HDR_TO); break;
    case 3: if (c0 == 'v') IS("via", RL_SIP_HDR_VIA); break;
    case 4:
      if (c0 == 'f') IS("from", RL_SIP_HDR_FROM);
      if (c0 == 'c') IS("cseq", RL_SIP_HDR_CSEQ);
      if (c0 == 'p') IS("path", RL_SIP_HDR_PATH);
      break;
    case 5:
      if (c0 == 'r') IS("route", RL_SIP_HDR_ROUTE);
      if (c0 == 'a') IS("allow", RL_SIP_HDR_ALLOW);
      break;
    case 6: if (c0 == 's') IS("server", RL_SIP_HDR_SERVER); break;
    case 7:
      if (c0 == 'c') {
        if (c1 == 'a') IS("call-id", RL_SIP_HDR_CALL_ID);
        IS("contact", RL_SIP_HDR_CONTACT);
      }
      if (c0 == 'e') IS("expires", RL_SIP_HDR_EXPIRES);
      if (c0 == 'r') IS("require", RL_SIP_HDR_REQUIRE);
      if (c0 == 's') IS("subject", RL_SIP_HDR_SUBJECT);
      break;
    case 9:
      if (c0 == 's') IS("supported", RL_SIP_HDR_SUPPORTED);
      if (c0 == 't') IS("timestamp", RL_SIP_HDR_TIMESTAMP);
      break;
    case 10: if (c0 == 'u') IS("user-agent", RL_SIP_HDR_USER_AGENT); break;
    case 11:
      if (c0 == 'u') IS("unsupported", RL_SIP_HDR_UNSUPPORTED);
      if (c0 == 'm') IS("min-expires", RL_SIP_HDR_MIN_EXPIRES);
      break;
    case 12:
      if (c0 == 'm') IS("max-forwards", RL_SIP_HDR_MAX_FORWARDS);
      if (c0 == 'c') IS("content-type", RL_SIP_HDR_CONTENT_TYPE);
      if (c0 == 'r') IS("record-route", RL_SIP_HDR_RECORD_ROUTE);
      break;
    case 13: if (c0 == 'p') IS("proxy-require", RL_SIP_HDR_PROXY_REQUIRE); break;
    case 14: if (c0 == 'c') IS("content-length", RL_SIP_HDR_CONTENT_LENGTH); break;
    case 16: if (c0 == 'c') IS("content-encoding", RL_SIP_HDR_CONTENT_ENCODING); break;
    default: break;
  }
#undef IS
  return RL_SIP_HDR_OTHER;
}

rl_sip_hdr_kind rl_sip_hdr_kind_of(const char *name, size_t len) {
  const char *lit = NULL;
  rl_sip_hdr_kind kind;
  if (len == 0) return RL_SIP_HDR_OTHER;
  if (len == 1) {
    switch (name[0] | 32) {
      case 'i': return RL_SIP_HDR_CALL_ID;
      case 'm': return RL_SIP_HDR_CONTACT;
      case 'f': return RL_SIP_HDR_FROM;
      case 't': return RL_SIP_HDR_TO;
      case 'v': return RL_SIP_HDR_VIA;
      case 'l': return RL_SIP_HDR_CONTENT_LENGTH;
      case 'c': return RL_SIP_HDR_CONTENT_TYPE;
      case 'k': return RL_SIP_HDR_SUPPORTED;
      case 'e': return RL_SIP_HDR_CONTENT_ENCODING;
      case 's': return RL_SIP_HDR_SUBJECT;
      default: return RL_SIP_HDR_OTHER;
    }
  }
  kind = candidate(name, len, &lit);
  return kind != RL_SIP_HDR_OTHER && ieq(name, lit, len) ? kind : RL_SIP_HDR_OTHER;
}

static const char *const method_names[] = {
  [RL_SIP_METHOD_OTHER] = NULL,
  [RL_SIP_METHOD_INVITE] = "INVITE",
  [RL_SIP_METHOD_ACK] = "ACK",
  [RL_SIP_METHOD_OPTIONS] = "OPTIONS",
  [RL_SIP_METHOD_BYE] = "BYE",
  [RL_SIP_METHOD_CANCEL] = "CANCEL",
  [RL_SIP_METHOD_REGISTER] = "REGISTER",
  [RL_SIP_METHOD_MESSAGE] = "MESSAGE",
  [RL_SIP_METHOD_SUBSCRIBE] = "SUBSCRIBE",
  [RL_SIP_METHOD_NOTIFY] = "NOTIFY",
  [RL_SIP_METHOD_PRACK] = "PRACK",
  [RL_SIP_METHOD_UPDATE] = "UPDATE",
  [RL_SIP_METHOD_INFO] = "INFO",
  [RL_SIP_METHOD_REFER] = "REFER",
  [RL_SIP_METHOD_PUBLISH] = "PUBLISH",
};

const char *rl_sip_method_name(rl_sip_method m) {
  if ((unsigned)m >= sizeof method_names / sizeof method_names[0]) return NULL;
  return method_names[m];
}

rl_sip_method rl_sip_method_of(const char *name, size_t len) {
  rl_sip_method m = RL_SIP_METHOD_OTHER;
  /* One candidate by length and first letter, then an exact compare. */
  switch (len) {
    case 3: m = name[0] == 'A' ? RL_SIP_METHOD_ACK : RL_SIP_METHOD_BYE; break;
    case 4: m = RL_SIP_METHOD_INFO; break;
    case 5:
      m = name[0] == 'P' ? RL_SIP_METHOD_PRACK : RL_SIP_METHOD_REFER;
      break;
    case 6:
      m = name[0] == 'I' ? RL_SIP_METHOD_INVITE
        : name[0] == 'C' ? RL_SIP_METHOD_CANCEL
        : name[0] == 'N' ? RL_SIP_METHOD_NOTIFY : RL_SIP_METHOD_UPDATE;
      break;
    case 7:
      m = name[0] == 'O' ? RL_SIP_METHOD_OPTIONS
        : name[0] == 'M' ? RL_SIP_METHOD_MESSAGE : RL_SIP_METHOD_PUBLISH;
      break;
    case 8: m = RL_SIP_METHOD_REGISTER; break;
    case 9: m = RL_SIP_METHOD_SUBSCRIBE; break;
    default: return RL_SIP_METHOD_OTHER;
  }
  return memcmp(method_names[m], name, len) == 0 ? m : RL_SIP_METHOD_OTHER;
}
