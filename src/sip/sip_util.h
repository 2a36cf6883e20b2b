/* sip_util.h: helpers the SIP machines' actions share (not public API). */
#ifndef RL_SIP_UTIL_H
#define RL_SIP_UTIL_H

#include <stddef.h>

#include "sip/sip_uri.h"

/* Fill err (if not NULL): code, status, offset, reason; header cleared.
 * Returns code. */
int rl_sip_fail(rl_sip_err *err, int code, int status, size_t offset, const char *reason);

/* The decimal value of the digits [a, b), or -1 when it exceeds max. */
long rl_sip_digits(const unsigned char *a, const unsigned char *b, long max);

/* The same for a uint32 that saturates at 2**32-1 (delta-seconds: RFC
 * 3261 10.2.1.1 lets a larger value count as 2**32-1). */
unsigned long rl_sip_digits_sat32(const unsigned char *a, const unsigned char *b);

/* What a host the grammar accepted is: IPv6 for "[...]", IPv4 when it has
 * no letter (a hostname's toplabel starts with one), else a name.
 * RL_SIP_HOST_NONE when the address is out of range: an IPv4 octet above
 * 255, or an IPv6address of the wrong number of groups. */
rl_sip_host_type rl_sip_host_classify(rl_sip_str host);

/* 1 when an IPv6address (no brackets) has 8 groups, or fewer with "::". */
int rl_sip_ipv6_ok(const char *s, size_t len);

/* Content-Length = 1*DIGIT (20.14): leading zeros allowed, the value at
 * most 10**15. 0 with *cl set, or -1 (the offset of the bad byte from
 * v.p in *at). Shared by the parser and the framer so they agree. */
int rl_sip_content_length(rl_sip_str v, long long *cl, size_t *at);

/* memset(p, 0, n), as a call: compilers inline a constant-size memset of
 * the result structs (hundreds of bytes) as "rep stos", whose start-up
 * costs more than the C library's vector loop for these sizes. */
void rl_sip_zero(void *p, size_t n);

/* 1 when an IPv4address's octets are at most 255. */
int rl_sip_ipv4_ok(const char *s, size_t len);

static inline int rl_sip_is_lws(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

/* s without leading and trailing LWS (SP, HTAB, CR, LF). */
static inline rl_sip_str rl_sip_trim(rl_sip_str s) {
  while (s.len && rl_sip_is_lws(s.p[0])) {
    s.p++;
    s.len--;
  }
  while (s.len && rl_sip_is_lws(s.p[s.len - 1])) s.len--;
  return s;
}

/* Fast paths. Where a machine has just read a byte of class C and is in a
 * state that loops on every byte of C, an action may step over the rest
 * of a run of C at once (fexec): the machine ends where it would have
 * byte by byte. Built with RL_SIP_SLOW 1 (tests/sip/sip_slow.h) the
 * actions do nothing, and the tests compare both builds. */
#ifndef RL_SIP_SLOW
#define RL_SIP_SLOW 0
#endif

/* The classes, as bits of rl_sip_class[byte]. */
#define RL_SIP_C_PLAIN 1  /* header-value bytes of no role: visible ASCII, SP, HTAB; not DQUOTE, backslash */
#define RL_SIP_C_TOKEN 2  /* token (25) */
#define RL_SIP_C_WORD 4   /* word (25) */
#define RL_SIP_C_URI 8    /* inside name-addr's < >: visible ASCII but ">" */
#define RL_SIP_C_ALNUM 16 /* alphanum */
#define RL_SIP_C_ALPHA 32 /* ALPHA */
extern const unsigned char rl_sip_class[256];

/* The first byte at or after p not in the classes of mask, or pe. */
static inline const unsigned char *rl_sip_skip(const unsigned char *p, const unsigned char *pe,
                                               unsigned mask) {
  while (pe - p >= 4) {
    if (!(rl_sip_class[p[0]] & mask)) return p;
    if (!(rl_sip_class[p[1]] & mask)) return p + 1;
    if (!(rl_sip_class[p[2]] & mask)) return p + 2;
    if (!(rl_sip_class[p[3]] & mask)) return p + 3;
    p += 4;
  }
  while (p < pe && (rl_sip_class[*p] & mask)) p++;
  return p;
}

#endif
