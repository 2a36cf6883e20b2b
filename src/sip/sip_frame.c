/* sip_frame.c: rl_sip_msg_frame, the length of the next message on a
 * stream transport (RFC 3261 18.3: Content-Length MUST be used; 7.5: CRLFs
 * before the start line are ignored, and RFC 5626 4.4.1 sends them as
 * keep-alives).
 *
 * Framing looks only for the empty line and the Content-Length value;
 * rl_sip_msg_parse checks the rest once the whole message is there. */
#include <string.h>

#include "runtime/error.h"
#include "sip/sip_msg.h"
#include "sip/sip_util.h"

static int is_wsp(char c) { return c == ' ' || c == '\t'; }

/* The end of the logical line starting at i (folding joins lines): the
 * index of its CR, or end. */
static size_t logical_line_end(const char *buf, size_t i, size_t end) {
  for (;;) {
    const char *cr = memchr(buf + i, '\r', end - i);
    size_t at;
    if (!cr) return end;
    at = (size_t)(cr - buf);
    if (at + 2 < end && buf[at + 1] == '\n' && is_wsp(buf[at + 2])) {
      i = at + 2;
      continue;
    }
    return at;
  }
}

/* Content-Length of the message whose start line begins at from and
 * whose header lines end at to: 0 with *cl set, or an error. Every
 * Content-Length must agree. */
static int find_content_length(const char *buf, size_t from, size_t to, const rl_sip_opts *opts,
                               long long *cl, rl_sip_err *err) {
  const char *eol1 = memchr(buf + from, '\r', to - from);
  size_t i = eol1 ? (size_t)(eol1 - buf) + 2 : to; /* past the start line */
  *cl = -1;
  while (i < to) {
    size_t eol = logical_line_end(buf, i, to);
    size_t n = i;
    while (n < eol && buf[n] != ':' && !is_wsp(buf[n])) n++;
    if (rl_sip_hdr_kind_of(buf + i, n - i) == RL_SIP_HDR_CONTENT_LENGTH) {
      const char *colon = memchr(buf + n, ':', eol - n);
      rl_sip_str v;
      long long x = 0;
      size_t at = 0;
      if (!colon) return rl_sip_fail(err, RL_ERR_SYNTAX, 400, i, "Bad Content-Length");
      v.p = colon + 1;
      v.len = (size_t)(buf + eol - v.p);
      v = rl_sip_trim(v);
      if (rl_sip_content_length(v, &x, &at) < 0)
        return rl_sip_fail(err, RL_ERR_SYNTAX, 400, (size_t)(v.p - buf) + at, "Bad Content-Length");
      if (*cl >= 0 && *cl != x)
        return rl_sip_fail(err, RL_ERR_SYNTAX, 400, (size_t)(v.p - buf), "Bad Content-Length");
      *cl = x;
    }
    i = eol + 2;
  }
  if (*cl < 0) return rl_sip_fail(err, RL_ERR_SYNTAX, 400, to, "Missing Content-Length");
  if ((unsigned long long)*cl > opts->max_body)
    return rl_sip_fail(err, RL_ERR_TOO_LARGE, 513, to, "Message body too large");
  return 0;
}

int rl_sip_msg_frame(rl_sip_framer *f, const char *buf, size_t len, const rl_sip_opts *opts,
                     rl_sip_frame *frame, rl_sip_err *err) {
  rl_sip_opts defaults = rl_sip_opts_default();
  size_t skip = 0, from, limit, end = 0;
  long long cl;
  int r;

  if (!opts) opts = &defaults;
  memset(frame, 0, sizeof *frame);
  while (skip + 1 < len && buf[skip] == '\r' && buf[skip + 1] == '\n') skip += 2;
  frame->skip = skip;
  /* Look for the empty line (CRLF CRLF) from where the last call stopped,
   * less the three bytes a CRLFCRLF split across calls may have left. */
  from = f->scanned > skip + 3 ? f->scanned - 3 : skip;
  limit = len - skip > opts->max_header_bytes ? skip + opts->max_header_bytes : len;
  for (size_t i = from; i + 3 < limit; i++) {
    const char *cr = memchr(buf + i, '\r', limit - 3 - i);
    if (!cr) break;
    i = (size_t)(cr - buf);
    if (buf[i + 1] == '\n' && buf[i + 2] == '\r' && buf[i + 3] == '\n') {
      end = i + 4;
      break;
    }
  }
  if (!end) {
    f->scanned = limit;
    if (limit < len)
      return rl_sip_fail(err, RL_ERR_TOO_LARGE, 513, limit, "Message headers too large");
    return rl_sip_fail(err, RL_ERR_TRUNCATED, 400, len, "Incomplete message");
  }
  /* The next call (the body not all there yet) finds this empty line
   * again: it starts at end - 4, and the scan starts at scanned - 3. */
  f->scanned = end - 1;
  r = find_content_length(buf, skip, end - 2, opts, &cl, err);
  if (r < 0) return r;
  frame->header_len = end - skip;
  frame->body_len = (size_t)cl;
  frame->total = end + (size_t)cl;
  return 0;
}
