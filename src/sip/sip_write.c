/* sip_write.c: see sip_write.h. */
#include "sip/sip_write.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "runtime/error.h"
#include "sip/sip_hdr.h"
#include "sip/sip_util.h"

void rl_sip_put(rl_writer *w, const char *s, size_t n) {
  if (n) rl_put_bytes(w, (const uint8_t *)s, n);
}

void rl_sip_put_str(rl_writer *w, rl_sip_str s) { rl_sip_put(w, s.p, s.len); }

void rl_sip_put_cstr(rl_writer *w, const char *s) { rl_sip_put(w, s, strlen(s)); }

void rl_sip_put_uint(rl_writer *w, unsigned long long v) {
  char digits[20];
  size_t n = 0;
  do {
    digits[sizeof digits - ++n] = (char)('0' + v % 10);
    v /= 10;
  } while (v);
  rl_sip_put(w, digits + sizeof digits - n, n);
}

void rl_sip_write_request_line(rl_writer *w, const char *method, rl_sip_str uri) {
  rl_sip_put_cstr(w, method);
  rl_sip_put(w, " ", 1);
  rl_sip_put_str(w, uri);
  rl_sip_put_cstr(w, " SIP/2.0\r\n");
}

void rl_sip_write_status_line(rl_writer *w, int status, const char *reason) {
  rl_sip_put_cstr(w, "SIP/2.0 ");
  rl_sip_put_uint(w, (unsigned long long)status);
  rl_sip_put(w, " ", 1);
  rl_sip_put_cstr(w, reason);
  rl_sip_put(w, "\r\n", 2);
}

void rl_sip_write_header(rl_writer *w, const char *name, rl_sip_str value) {
  rl_sip_put_cstr(w, name);
  rl_sip_put(w, ": ", 2);
  rl_sip_put_str(w, value);
  rl_sip_put(w, "\r\n", 2);
}

void rl_sip_write_header_cstr(rl_writer *w, const char *name, const char *value) {
  rl_sip_put_cstr(w, name);
  rl_sip_put(w, ": ", 2);
  rl_sip_put_cstr(w, value);
  rl_sip_put(w, "\r\n", 2);
}

void rl_sip_write_header_uint(rl_writer *w, const char *name, unsigned long long value) {
  rl_sip_put_cstr(w, name);
  rl_sip_put(w, ": ", 2);
  rl_sip_put_uint(w, value);
  rl_sip_put(w, "\r\n", 2);
}

void rl_sip_write_body(rl_writer *w, const char *content_type, const void *body, size_t len) {
  if (content_type) rl_sip_write_header_cstr(w, "Content-Type", content_type);
  rl_sip_write_header_uint(w, "Content-Length", len);
  rl_sip_put(w, "\r\n", 2);
  if (len) rl_sip_put(w, body, len);
}

/* The rest of list header h once its first n values are gone (*dropped
 * of them, fewer when it has fewer): the remaining values, or p NULL when
 * none remain. */
static int drop_values(const rl_sip_header *h, int n, rl_sip_str *rest, int *dropped) {
  size_t pos = 0;
  int r = 0;
  *dropped = 0;
  while (*dropped < n && pos < h->value.len) {
    if (h->kind == RL_SIP_HDR_VIA) {
      rl_sip_via via;
      r = rl_sip_via_next(h->value, &pos, &via, NULL);
    } else {
      rl_sip_addr a;
      r = rl_sip_route_next(h->kind, h->value, &pos, &a, NULL);
    }
    if (r < 0 || (r == 0 && *dropped == 0)) return RL_ERR_SYNTAX;
    if (r == 0) break;
    (*dropped)++;
  }
  rest->p = NULL;
  rest->len = 0;
  if (pos < h->value.len) {
    rest->p = h->value.p + pos;
    rest->len = h->value.len - pos;
    *rest = rl_sip_trim(*rest);
  }
  return 0;
}

/* Header h without its first n values (*dropped of them), or nothing if
 * that was all. */
static int write_without(rl_writer *w, const rl_sip_header *h, int n, int *dropped) {
  rl_sip_str rest;
  int r = drop_values(h, n, &rest, dropped);
  if (r < 0) return r;
  if (rest.p) {
    rl_sip_put_str(w, h->name);
    rl_sip_put(w, ": ", 2);
    rl_sip_put_str(w, rest);
    rl_sip_put(w, "\r\n", 2);
  }
  return 0;
}

static int end_message(rl_writer *w, const rl_sip_msg *msg) {
  rl_sip_put(w, "\r\n", 2);
  rl_sip_put_str(w, msg->body);
  return w->err ? w->err : 0;
}

int rl_sip_write_forward(rl_writer *w, const rl_sip_msg *req, const rl_sip_forward *fwd) {
  int routes_to_drop = fwd->drop_top_route, have_max_forwards = 0;

  if (!req->is_request || !fwd->via.p) return RL_ERR_PARAM;
  rl_sip_put_str(w, req->method_name);
  rl_sip_put(w, " ", 1);
  rl_sip_put_str(w, fwd->request_uri.p ? fwd->request_uri : req->request_uri);
  rl_sip_put(w, " ", 1);
  rl_sip_put_str(w, req->version);
  rl_sip_put(w, "\r\n", 2);
  rl_sip_write_header(w, "Via", fwd->via);
  if (fwd->record_route.p) rl_sip_write_header(w, "Record-Route", fwd->record_route);

  for (size_t i = 0; i < req->nhdr; i++) {
    const rl_sip_header *h = &req->hdr[i];
    int r;
    if (h->kind == RL_SIP_HDR_MAX_FORWARDS) {
      unsigned hops;
      r = rl_sip_max_forwards_parse(h->value, &hops, NULL);
      if (r < 0) return r;
      if (hops == 0) return RL_ERR_PARAM;
      rl_sip_write_header_uint(w, "Max-Forwards", hops - 1);
      have_max_forwards = 1;
    } else if (h->kind == RL_SIP_HDR_ROUTE && routes_to_drop > 0) {
      int dropped;
      r = write_without(w, h, routes_to_drop, &dropped);
      if (r < 0) return r;
      routes_to_drop -= dropped;
    } else {
      rl_sip_put_str(w, h->line);
    }
  }
  /* 16.6 step 3: no Max-Forwards: add one with the value 70. */
  if (!have_max_forwards) rl_sip_write_header_uint(w, "Max-Forwards", 70);
  return end_message(w, req);
}

int rl_sip_write_response(rl_writer *w, const rl_sip_msg *req, int status, const char *reason,
                          rl_sip_str to_tag) {
  static const rl_sip_hdr_kind copied[] = {
    RL_SIP_HDR_VIA, RL_SIP_HDR_FROM, RL_SIP_HDR_TO, RL_SIP_HDR_CALL_ID, RL_SIP_HDR_CSEQ,
    RL_SIP_HDR_TIMESTAMP,
  };
  rl_sip_write_status_line(w, status, reason);
  for (size_t k = 0; k < sizeof copied / sizeof copied[0]; k++) {
    rl_sip_hdr_kind kind = copied[k];
    if (kind == RL_SIP_HDR_TIMESTAMP && status != 100) continue;
    for (long i = rl_sip_msg_find(req, kind, 0); i >= 0;
         i = rl_sip_msg_find(req, kind, (size_t)i + 1)) {
      const rl_sip_header *h = &req->hdr[i];
      if (kind == RL_SIP_HDR_TO && status > 100 && to_tag.p) {
        rl_sip_addr to;
        int r = rl_sip_to_parse(h->value, &to, NULL);
        if (r < 0) return r;
        if (!to.tag.p) {
          rl_sip_put_str(w, h->name);
          rl_sip_put(w, ": ", 2);
          rl_sip_put_str(w, h->value);
          rl_sip_put_cstr(w, ";tag=");
          rl_sip_put_str(w, to_tag);
          rl_sip_put(w, "\r\n", 2);
          continue;
        }
      }
      rl_sip_put_str(w, h->line);
    }
  }
  return w->err ? w->err : 0;
}

int rl_sip_write_response_forward(rl_writer *w, const rl_sip_msg *resp) {
  long top = rl_sip_msg_find(resp, RL_SIP_HDR_VIA, 0);
  if (resp->is_request || top < 0) return RL_ERR_SYNTAX;
  rl_sip_put_str(w, resp->start_line);
  for (size_t i = 0; i < resp->nhdr; i++) {
    if ((long)i == top) {
      int dropped;
      int r = write_without(w, &resp->hdr[i], 1, &dropped);
      if (r < 0) return r;
    } else {
      rl_sip_put_str(w, resp->hdr[i].line);
    }
  }
  return end_message(w, resp);
}

/* Whether via-param p of the top Via is dropped by
 * rl_sip_write_via_received: "received" always, "rport" without a value. */
static int param_dropped(rl_sip_str p, const rl_sip_via *v) {
  size_t nl = 0;
  rl_sip_str name;
  while (nl < p.len && p.p[nl] != '=') nl++;
  name.p = p.p;
  name.len = nl;
  name = rl_sip_trim(name);
  return rl_sip_str_ieq(name, "received") || (rl_sip_str_ieq(name, "rport") && v->rport == 0);
}

long rl_sip_write_via_received(const rl_sip_msg *m, const char *ip, int port, char *out,
                               size_t cap) {
  const char *buf = m->buf + m->skipped;
  size_t len = m->len - m->skipped, head, tail, pos = 0, n;
  long vi = rl_sip_msg_find(m, RL_SIP_HDR_VIA, 0);
  char extra[96];
  rl_sip_via v;
  rl_sip_str host, ps;
  rl_writer w;
  if (vi < 0 || rl_sip_via_next(m->hdr[vi].value, &pos, &v, NULL) <= 0) return RL_ERR_SYNTAX;
  host = v.host;
  if (host.len >= 2 && host.p[0] == '[') {
    host.p++;
    host.len -= 2;
  }
  if (host.len == strlen(ip) && strncasecmp(host.p, ip, host.len) == 0 && v.rport != 0) return 0;
  n = (size_t)snprintf(extra, sizeof extra, ";received=%s", ip);
  if (v.rport == 0 && n < sizeof extra)
    snprintf(extra + n, sizeof extra - n, ";rport=%d", port);
  /* The via-parm up to its parameters, its parameters but those we set,
   * ours, then the rest of the message. */
  ps = v.params.p ? v.params : (rl_sip_str){v.text.p + v.text.len, 0};
  head = (size_t)(ps.p - buf);
  tail = (size_t)(v.text.p + v.text.len - buf);
  if (head > len || tail > len || tail < head) return RL_ERR_SYNTAX;
  rl_writer_init(&w, (uint8_t *)out, cap, NULL);
  rl_sip_put(&w, buf, head);
  for (size_t i = 0; i < ps.len;) {
    size_t j = i + 1;
    rl_sip_str one;
    while (j < ps.len && ps.p[j] != ';') j++;
    one.p = ps.p + i + 1;
    one.len = j - i - 1;
    if (!param_dropped(one, &v)) rl_sip_put(&w, ps.p + i, j - i);
    i = j;
  }
  rl_sip_put_cstr(&w, extra);
  rl_sip_put(&w, buf + tail, len - tail);
  if (w.err) return RL_ERR_BUFFER;
  return (long)w.len;
}
