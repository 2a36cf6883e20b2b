/* sip_util.c: see sip_util.h; also the slice helpers of sip_uri.h. */
#include "sip/sip_util.h"

#include <stdio.h>
#include <string.h>

/* Bits RL_SIP_C_*: PLAIN 1, TOKEN 2, WORD 4, URI 8, ALNUM 16, ALPHA 32 (no
 * byte above 0x7e is in any class). */
const unsigned char rl_sip_class[256] = {
  /* 0x00 */  0,  0,  0,  0,  0,  0,  0,  0,  0,  1,  0,  0,  0,  0,  0,  0,
  /* 0x10 */  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,
  /* 0x20 */  1, 15, 12,  9,  9, 15,  9, 15, 13, 13, 15, 15,  9, 15, 15, 13,
  /* 0x30 */ 31, 31, 31, 31, 31, 31, 31, 31, 31, 31, 13,  9, 13,  9,  5, 13,
  /* 0x40 */  9, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63,
  /* 0x50 */ 63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 13, 12, 13,  9, 15,
  /* 0x60 */ 15, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63,
  /* 0x70 */ 63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 13,  9, 13, 15,  0,
};

int rl_sip_fail(rl_sip_err *err, int code, int status, size_t offset, const char *reason) {
  if (err) {
    err->code = code;
    err->status = status;
    err->offset = offset;
    err->header.p = NULL;
    err->header.len = 0;
    snprintf(err->reason, sizeof err->reason, "%s", reason);
  }
  return code;
}

void rl_sip_zero(void *p, size_t n) { memset(p, 0, n); }

int rl_sip_content_length(rl_sip_str v, long long *cl, size_t *at) {
  long long x = 0;
  if (v.len == 0) {
    *at = 0;
    return -1;
  }
  for (size_t i = 0; i < v.len; i++) {
    char c = v.p[i];
    if (c < '0' || c > '9' || (x = x * 10 + (c - '0')) > 1000000000000000LL) {
      *at = i;
      return -1;
    }
  }
  *cl = x;
  return 0;
}

long rl_sip_digits(const unsigned char *a, const unsigned char *b, long max) {
  long v = 0;
  for (; a < b; a++) {
    v = v * 10 + (*a - '0');
    if (v > max) return -1;
  }
  return v;
}

unsigned long rl_sip_digits_sat32(const unsigned char *a, const unsigned char *b) {
  unsigned long v = 0;
  for (; a < b; a++) {
    v = v * 10 + (unsigned long)(*a - '0');
    if (v > 0xfffffffful) return 0xfffffffful;
  }
  return v;
}

int rl_sip_ipv4_ok(const char *s, size_t len) {
  long octet = 0;
  for (size_t i = 0; i < len; i++) {
    if (s[i] == '.') {
      octet = 0;
    } else {
      octet = octet * 10 + (s[i] - '0');
      if (octet > 255) return 0;
    }
  }
  return 1;
}

int rl_sip_ipv6_ok(const char *s, size_t len) {
  /* The grammar (hexpart [":" IPv4address]) allows one "::" at most; count
   * the 16-bit groups, an embedded IPv4 address being two. */
  int groups = 0, compressed = 0;
  size_t i = 0;
  while (i < len) {
    if (s[i] == ':') {
      if (i + 1 < len && s[i + 1] == ':') {
        compressed = 1;
        i += 2;
      } else {
        i++;
      }
      continue;
    }
    size_t j = i;
    int dotted = 0;
    while (j < len && s[j] != ':') {
      if (s[j] == '.') dotted = 1;
      j++;
    }
    if (dotted) {
      if (!rl_sip_ipv4_ok(s + i, j - i)) return 0;
      groups += 2;
    } else {
      groups += 1;
    }
    i = j;
  }
  return compressed ? groups <= 7 : groups == 8;
}

rl_sip_host_type rl_sip_host_classify(rl_sip_str host) {
  if (host.len >= 2 && host.p[0] == '[')
    return rl_sip_ipv6_ok(host.p + 1, host.len - 2) ? RL_SIP_HOST_IPV6 : RL_SIP_HOST_NONE;
  for (size_t i = 0; i < host.len; i++) {
    char c = host.p[i];
    if (!(c == '.' || (c >= '0' && c <= '9'))) return RL_SIP_HOST_NAME;
  }
  return rl_sip_ipv4_ok(host.p, host.len) ? RL_SIP_HOST_IPV4 : RL_SIP_HOST_NONE;
}

static char lower(char c) { return (c >= 'A' && c <= 'Z') ? (char)(c + 32) : c; }

int rl_sip_str_ieq(rl_sip_str s, const char *lit) {
  size_t n = strlen(lit);
  if (!s.p || s.len != n) return 0;
  for (size_t i = 0; i < n; i++)
    if (lower(s.p[i]) != lower(lit[i])) return 0;
  return 1;
}

int rl_sip_str_eq(rl_sip_str s, const char *lit) {
  size_t n = strlen(lit);
  return s.p && s.len == n && memcmp(s.p, lit, n) == 0;
}

static int hexval(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  c = lower(c);
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

long rl_sip_unescape(rl_sip_str s, char *out, size_t cap) {
  size_t n = 0;
  for (size_t i = 0; i < s.len; i++) {
    char c = s.p[i];
    if (c == '%' && i + 2 < s.len) {
      int hi = hexval(s.p[i + 1]);
      int lo = hexval(s.p[i + 2]);
      if (hi >= 0 && lo >= 0) {
        c = (char)(hi * 16 + lo);
        i += 2;
      }
    }
    if (n == cap) return -1;
    out[n++] = c;
  }
  return (long)n;
}

/* Skip LWS from *i. */
static void skip_lws(rl_sip_str s, size_t *i) {
  while (*i < s.len && rl_sip_is_lws(s.p[*i])) (*i)++;
}

int rl_sip_param_next(rl_sip_str params, size_t *pos, rl_sip_str *name, rl_sip_str *value) {
  size_t i = *pos;
  /* SEMI = SWS ";" SWS before each parameter. */
  skip_lws(params, &i);
  if (i < params.len && params.p[i] == ';') i++;
  skip_lws(params, &i);
  if (i >= params.len) {
    *pos = params.len;
    return 0;
  }
  size_t n0 = i;
  while (i < params.len && params.p[i] != '=' && params.p[i] != ';' && !rl_sip_is_lws(params.p[i])) i++;
  name->p = params.p + n0;
  name->len = i - n0;
  value->p = NULL;
  value->len = 0;
  size_t after = i;
  skip_lws(params, &after);
  if (after < params.len && params.p[after] == '=') {
    i = after + 1;
    skip_lws(params, &i);
    size_t v0 = i;
    if (i < params.len && params.p[i] == '"') {
      /* qstring: up to the closing DQUOTE, past quoted-pairs. */
      i++;
      while (i < params.len && params.p[i] != '"') i += (params.p[i] == '\\' && i + 1 < params.len) ? 2 : 1;
      if (i < params.len) i++;
    } else {
      while (i < params.len && params.p[i] != ';' && !rl_sip_is_lws(params.p[i])) i++;
    }
    value->p = params.p + v0;
    value->len = i - v0;
  } else {
    i = after;
  }
  *pos = i;
  return 1;
}

int rl_sip_param_find(rl_sip_str params, const char *lit, rl_sip_str *value) {
  size_t pos = 0;
  rl_sip_str n, v;
  if (!params.p) return 0;
  while (rl_sip_param_next(params, &pos, &n, &v)) {
    if (rl_sip_str_ieq(n, lit)) {
      if (value) *value = v;
      return 1;
    }
  }
  return 0;
}

int rl_sip_uri_header_next(rl_sip_str headers, size_t *pos, rl_sip_str *name,
                           rl_sip_str *value) {
  size_t i = *pos;
  if (i < headers.len && headers.p[i] == '&') i++;
  if (!headers.p || i >= headers.len) {
    *pos = headers.len;
    return 0;
  }
  size_t n0 = i;
  while (i < headers.len && headers.p[i] != '=' && headers.p[i] != '&') i++;
  name->p = headers.p + n0;
  name->len = i - n0;
  value->p = NULL;
  value->len = 0;
  if (i < headers.len && headers.p[i] == '=') {
    size_t v0 = ++i;
    while (i < headers.len && headers.p[i] != '&') i++;
    value->p = headers.p + v0;
    value->len = i - v0;
  }
  *pos = i;
  return 1;
}
