/* fuzz_sip_uri.c: the SIP URI parser (src/sip/sip_uri.h).
 *
 * Checked: a failure names RL_ERR_SYNTAX, status 400, a reason and an
 * offset inside the input; a success gives parts inside the input, a port
 * and ttl in range, a host of the type its text says, and parameter and
 * header lists that walk to their end. The same URI inside < > as a To
 * value must parse to the same parts. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"

#include "runtime/error.h"
#include "sip/sip_hdr.h"
#include "sip/sip_uri.h"

static size_t input_len;

static void fail(const char *what) __attribute__((noreturn));
static void fail(const char *what) {
  fprintf(stderr, "fuzz sip_uri: %s (input of %zu bytes)\n", what, input_len);
  abort();
}

static void inside(rl_sip_str s, const char *lo, size_t len, const char *what) {
  if (!s.p) return;
  if (s.p < lo || s.len > len || (size_t)(s.p - lo) > len - s.len) fail(what);
}

/* The parts of a, rebased to b's input: equal positions and lengths. */
static int same_parts(const rl_sip_uri *a, const char *abase, const rl_sip_uri *b,
                      const char *bbase) {
  const rl_sip_str *pa[] = {&a->user, &a->password, &a->host, &a->params, &a->transport,
                            &a->maddr, &a->headers, &a->opaque, &a->gr_value};
  const rl_sip_str *pb[] = {&b->user, &b->password, &b->host, &b->params, &b->transport,
                            &b->maddr, &b->headers, &b->opaque, &b->gr_value};
  for (size_t i = 0; i < sizeof pa / sizeof pa[0]; i++) {
    if (!pa[i]->p != !pb[i]->p || pa[i]->len != pb[i]->len) return 0;
    if (pa[i]->p && pa[i]->p - abase != pb[i]->p - bbase) return 0;
  }
  return a->scheme == b->scheme && a->port == b->port && a->ttl == b->ttl && a->lr == b->lr &&
         a->gr == b->gr && a->host_type == b->host_type;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static char wrapped[4096 + 2];
  const char *in = (const char *)data;
  rl_sip_uri u;
  rl_sip_err err;
  int r;

  input_len = size;
  r = rl_sip_uri_parse(in, size, &u, &err);
  if (r < 0) {
    if (r != RL_ERR_SYNTAX || err.code != r || err.status != 400) fail("bad error code");
    if (err.offset > size) fail("error offset beyond the input");
    if (!err.reason[0]) fail("no reason");
    return 0;
  }
  {
    const rl_sip_str *parts[] = {&u.text, &u.scheme_name, &u.opaque, &u.user, &u.password,
                                 &u.host, &u.params, &u.transport, &u.user_param,
                                 &u.method, &u.maddr, &u.gr_value, &u.headers};
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++)
      inside(*parts[i], in, size, "part outside the input");
  }
  if (u.scheme == RL_SIP_SCHEME_SIP || u.scheme == RL_SIP_SCHEME_SIPS) {
    if (!u.host.p || u.host.len == 0) fail("SIP URI without host");
    if (u.port < -1 || u.port > 65535) fail("port out of range");
    if (u.ttl < -1 || u.ttl > 255) fail("ttl out of range");
    if ((u.host.p[0] == '[') != (u.host_type == RL_SIP_HOST_IPV6)) fail("host type");
    if (u.host_type == RL_SIP_HOST_NONE) fail("host without type");
    if (u.opaque.p) fail("SIP URI with an opaque part");
  } else {
    if (!u.opaque.p || u.opaque.len == 0) fail("absoluteURI without its part");
    if (u.host.p || u.user.p || u.params.p) fail("absoluteURI with SIP parts");
  }
  {
    size_t pos = 0, last = 0;
    int n = 0;
    rl_sip_str name, value;
    while (rl_sip_param_next(u.params, &pos, &name, &value)) {
      if ((n++ && pos <= last) || pos > u.params.len) fail("param walk stuck");
      last = pos;
      inside(name, u.params.p, u.params.len, "param name outside");
      inside(value, u.params.p, u.params.len, "param value outside");
    }
    pos = last = 0;
    n = 0;
    while (rl_sip_uri_header_next(u.headers, &pos, &name, &value)) {
      if ((n++ && pos <= last) || pos > u.headers.len) fail("header walk stuck");
      last = pos;
    }
  }
  {
    char out[64];
    long d = rl_sip_unescape(u.user, out, sizeof out);
    if (d > (long)u.user.len || (d < 0 && u.user.len <= sizeof out / 3)) fail("unescape length");
  }
  /* "<" uri ">" as a To value: the same URI (a URI holds no '>'). */
  if (size <= 4096) {
    rl_sip_addr a;
    rl_sip_str v = {wrapped, size + 2};
    wrapped[0] = '<';
    memcpy(wrapped + 1, in, size);
    wrapped[size + 1] = '>';
    if (rl_sip_to_parse(v, &a, &err) != 0) fail("<uri> does not parse as To");
    if (!same_parts(&u, in, &a.uri, wrapped + 1)) fail("<uri> parses differently");
  }
  return 0;
}
