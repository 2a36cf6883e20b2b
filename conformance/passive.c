/* passive.c: see passive.h. */
#include "passive.h"

#include <stdlib.h>
#include <string.h>

#include "capture.h"
#include "codec/message.h"
#include "input.h"
#include "runtime/arena.h"
#include "runtime/ctx.h"
#include "runtime/cursor.h"
#include "runtime/error.h"

/* A request seen, for its answer. */
typedef struct seen_req {
  uint64_t txid;
  char conn[256];    /* the unit label it came on */
  char code[48];     /* its message_code */
  json_t *via;       /* its Via List */
  size_t packet;
} seen_req;

typedef struct pstate {
  rl_conf_codec *codec;
  const rl_conf_reqtable *t;
  FILE *out;
  unsigned initial_ttl;
  rl_conf_passive_result *res;
  seen_req *reqs;
  size_t nreqs, capreqs;
  const rl_capture_unit *unit;
  size_t packet;     /* of the message being looked at */
  int collect;       /* the first pass: only remember the requests */
} pstate;

/* One violation: where, which requirement (with the RFC's words when the
 * table has it), what. */
static void violation(pstate *s, size_t off, const char *req, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void violation(pstate *s, size_t off, const char *req, const char *fmt, ...) {
  const rl_conf_req *q = s->t ? rl_conf_req_find(s->t, req) : NULL;
  va_list ap;
  s->res->violations++;
  fprintf(s->out, "packet %zu (%s, byte %zu): %s", rl_capture_packet_at(s->unit, off),
          s->unit->label, off, req);
  if (q) fprintf(s->out, " (RFC 6940 %s, %s)", q->section, q->level);
  fputs(": ", s->out);
  va_start(ap, fmt);
  vfprintf(s->out, fmt, ap);
  va_end(ap);
  fputc('\n', s->out);
  if (q) fprintf(s->out, "    \"%s\"\n", q->text);
}

static const char *str_at(const json_t *o, const char *a, const char *b) {
  const char *v = json_string_value(json_object_get(json_object_get(o, a), b));
  return v ? v : "";
}

/* "TCP a -> b" for "TCP b -> a": the other direction of a connection. */
static void reverse_label(const char *label, char *out, size_t n) {
  const char *arrow = strstr(label, " -> ");
  const char *sp = strchr(label, ' ');
  if (!arrow || !sp || sp >= arrow) {
    snprintf(out, n, "%s", label);
    return;
  }
  snprintf(out, n, "%.*s %s -> %.*s", (int)(sp - label), label, arrow + 4,
           (int)(arrow - sp - 1), sp + 1);
}

static int is_answer_code(const char *c) {
  size_t n = strlen(c);
  return strcmp(c, "error") == 0 || (n > 4 && strcmp(c + n - 4, "_ans") == 0);
}

/* The forwarding header's rules (6.3.2). */
static void check_header(pstate *s, size_t off, const json_t *fh, int answer) {
  json_int_t version = json_integer_value(json_object_get(fh, "version"));
  json_int_t ttl = json_integer_value(json_object_get(fh, "ttl"));
  json_int_t frag = json_integer_value(json_object_get(fh, "fragment"));
  json_int_t mrl = json_integer_value(json_object_get(fh, "max_response_length"));
  if (version != 0x0a)
    violation(s, off, "RFC6940-6.3.2-4", "version 0x%02llx; RFC 6940 is version 1.0, 0x0a",
              (unsigned long long)version);
  if ((unsigned long long)ttl > s->initial_ttl)
    violation(s, off, "RFC6940-6.3.2-7", "TTL %lld above the overlay's initial-ttl %u",
              (long long)ttl, s->initial_ttl);
  if (!(frag & 0x80000000))
    violation(s, off, "RFC6940-6.3.2-9", "fragment field 0x%08llx without its high bit",
              (unsigned long long)frag);
  if (frag & 0x3f000000)
    violation(s, off, "RFC6940-6.3.2-10", "reserved fragment bits set (0x%08llx)",
              (unsigned long long)frag);
  if (answer && mrl)
    violation(s, off, "RFC6940-6.3.2-13", "an answer with max_response_length %lld",
              (long long)mrl);
}

/* The security block (6.3.4). */
static void check_security(pstate *s, size_t off, const rl_conf_decoded *d) {
  const json_t *sb = json_object_get(d->json, "security_block");
  const char *type = str_at(json_object_get(sb, "signature"), "identity", "identity_type");
  if (strcmp(type, "none") == 0 || !type[0]) {
    violation(s, off, "RFC6940-6.3.4-8", "unsigned (identity_type none)");
    return;
  }
  if (json_array_size(json_object_get(sb, "certificates")) == 0)
    violation(s, off, "RFC6940-6.3.4-2", "no certificate in the security block for its signer");
  else if (d->sig_state == 0)
    violation(s, off, "RFC6940-6.3.4-9", "%s", d->sig_note);
}

/* An error code of RFC 6940's registry (14.9), or of the ranges it
 * leaves to others. */
static void check_error_code(pstate *s, size_t off, const json_t *mc) {
  const json_t *ec = json_object_get(json_object_get(json_object_get(mc, "message_body"), "error"),
                                     "error_code");
  if (json_is_integer(ec)) {
    json_int_t v = json_integer_value(ec);
    if (v == 0 || v == 1 || v == 0xffff)
      violation(s, off, "RFC 6940 6.3.3.1", "error code %lld is reserved (14.9)", (long long)v);
  }
}

/* An answer: its request on the other direction of the same connection,
 * its code, its Destination List. */
static void check_answer(pstate *s, size_t off, const rl_conf_decoded *d, const char *code) {
  char want[256];
  const seen_req *q = NULL;
  const json_t *fh = json_object_get(d->json, "forwarding_header");
  const json_t *dest = json_object_get(fh, "destination_list");
  size_t nvia;
  reverse_label(s->unit->label, want, sizeof want);
  for (size_t i = s->nreqs; i-- > 0;)
    if (s->reqs[i].txid == d->txid && strcmp(s->reqs[i].conn, want) == 0) {
      q = &s->reqs[i];
      break;
    }
  if (!q) {
    int elsewhere = 0;
    for (size_t i = 0; i < s->nreqs; i++) elsewhere |= s->reqs[i].txid == d->txid;
    if (elsewhere || strncmp(s->unit->label, "TCP", 3) == 0)
      violation(s, off, "RFC 6940 6.3.2",
                "%s with transaction_id %016llx, which no request on this connection had%s "
                "(\"Responses use the same transaction ID as the request to which they "
                "correspond\")",
                code, (unsigned long long)d->txid, elsewhere ? " (one on another link did)" : "");
    return;
  }
  if (strcmp(code, "error") != 0) {
    size_t n = strlen(q->code);
    if (n < 4 || strncmp(code, q->code, n - 4) != 0 || strcmp(q->code + n - 4, "_req") != 0 ||
        strcmp(code + n - 4, "_ans") != 0)
      violation(s, off, "RFC6940-6.3.3.1-2", "%s answers a %s (packet %zu)", code, q->code,
                q->packet);
  }
  /* 6.2.2: [previous hop, Via List reversed]; entries compressed or
   * opaque are left alone. */
  nvia = json_array_size(q->via);
  if (json_array_size(dest) != nvia + 1) {
    violation(s, off, "RFC6940-6.2.2-1",
              "Destination List of %zu entries; the request (packet %zu) had a Via List of %zu, "
              "so %zu were due",
              json_array_size(dest), q->packet, nvia, nvia + 1);
    return;
  }
  for (size_t i = 0; i < nvia; i++) {
    const json_t *a = json_array_get(dest, i + 1), *b = json_array_get(q->via, nvia - 1 - i);
    if (!json_equal(json_object_get(a, "destination_data"), json_object_get(b, "destination_data"))) {
      violation(s, off, "RFC6940-6.2.2-1",
                "Destination List entry %zu is not Via List entry %zu of the request (packet %zu) "
                "reversed",
                i + 1, nvia - 1 - i, q->packet);
      return;
    }
  }
}

static void remember_request(pstate *s, const rl_conf_decoded *d, const char *code) {
  seen_req *r;
  if (s->nreqs == s->capreqs) {
    size_t cap = s->capreqs ? 2 * s->capreqs : 64;
    seen_req *v = realloc(s->reqs, cap * sizeof *v);
    if (!v) return;
    s->reqs = v;
    s->capreqs = cap;
  }
  r = &s->reqs[s->nreqs++];
  memset(r, 0, sizeof *r);
  r->txid = d->txid;
  snprintf(r->conn, sizeof r->conn, "%s", s->unit->label);
  snprintf(r->code, sizeof r->code, "%s", code);
  r->via = json_incref(json_object_get(json_object_get(d->json, "forwarding_header"), "via_list"));
  r->packet = s->packet;
}

/* One message at byte off of the current unit. */
static int check_message(pstate *s, const uint8_t *p, size_t n, size_t off) {
  rl_conf_decoded d;
  const json_t *mc;
  const char *code;
  if (rl_conf_decode(s->codec, p, n, !s->collect, &d) != 0) return RL_ERR_NOMEM;
  s->packet = rl_capture_packet_at(s->unit, off);
  if (s->collect) {
    /* Requests first, from every stream: an answer's stream may start
     * before its request's. */
    mc = json_object_get(d.json, "message_contents");
    code = json_string_value(json_object_get(mc, "message_code"));
    if (d.ok && code && !is_answer_code(code)) remember_request(s, &d, code);
    json_decref(d.json);
    return 0;
  }
  s->res->messages++;
  if (!d.ok) {
    violation(s, off, n >= 4 && rl_rd_u32(p) != 0xd2454c4fu ? "RFC6940-6.3.2-1" : "RFC 6940 6.3",
              "does not decode: %s", d.error);
    json_decref(d.json);
    return 0;
  }
  mc = json_object_get(d.json, "message_contents");
  code = json_string_value(json_object_get(mc, "message_code"));
  code = code ? code : "?";
  check_header(s, off, json_object_get(d.json, "forwarding_header"), is_answer_code(code));
  check_security(s, off, &d);
  if (is_answer_code(code)) {
    s->res->answers++;
    if (strcmp(code, "error") == 0) check_error_code(s, off, mc);
    check_answer(s, off, &d, code);
  } else {
    s->res->requests++;
  }
  json_decref(d.json);
  return 0;
}

/* The messages of one unit: FramedMessage data frames (6.6.2), or
 * messages back to back, each as long as its header says. */
static int check_unit(pstate *s, const uint8_t *data, size_t len) {
  static uint8_t mem[4096];
  size_t off = 0;
  int framed = rl_framing_detect(data, len) == RL_FRAMING_FRAMED;
  while (off < len) {
    if (framed) {
      rl_arena a;
      rl_ctx ctx;
      rl_cursor c;
      rl_FramedMessage fm;
      rl_arena_init(&a, mem, sizeof mem);
      rl_ctx_init(&ctx, &a, &s->codec->params);
      rl_cursor_init(&c, data + off, len - off);
      if (rl_FramedMessage_decode(&c, &ctx, &fm) != 0) {
        if (!s->collect)
          violation(s, off, "RFC 6940 6.6.2", "a frame that does not decode (%zu bytes left)",
                    len - off);
        return 0;
      }
      if (fm.type == RL_FramedMessageType_data &&
          check_message(s, fm.data.message.ptr, fm.data.message.len,
                        off + (size_t)(fm.data.message.ptr - (data + off))) != 0)
        return RL_ERR_NOMEM;
      off = len - rl_cursor_left(&c);
    } else {
      rl_message_peek h;
      size_t take = len - off;
      if (rl_message_peek_header(data + off, len - off, &h) == 0 && h.length <= len - off &&
          h.length >= RL_FORWARDING_HEADER_FIXED)
        take = h.length;
      if (check_message(s, data + off, take, off) != 0) return RL_ERR_NOMEM;
      off += take;
    }
  }
  return 0;
}

int rl_conf_passive_check(rl_conf_codec *codec, const rl_conf_reqtable *t, const uint8_t *buf,
                          size_t len, uint16_t port, unsigned initial_ttl, FILE *out,
                          rl_conf_passive_result *res, char *err, size_t errlen) {
  rl_capture cap;
  pstate s;
  int rc = 0;
  memset(res, 0, sizeof *res);
  if (rl_capture_read(buf, len, port, &cap, err, errlen) != 0) return RL_ERR_SYNTAX;
  memset(&s, 0, sizeof s);
  s.codec = codec;
  s.t = t;
  s.out = out;
  s.initial_ttl = initial_ttl;
  s.res = res;
  for (int pass = 0; pass < 2; pass++) {
    s.collect = pass == 0;
    for (size_t i = 0; i < cap.nunits && rc == 0; i++) {
      s.unit = &cap.units[i];
      res->streams += pass;
      rc = check_unit(&s, cap.units[i].data, cap.units[i].len);
    }
  }
  fprintf(out, "%zu packets, %zu on port %u; %zu streams, %zu messages (%zu requests, %zu answers): "
               "%zu violations\n",
          cap.packets, cap.matched, (unsigned)port, res->streams, res->messages, res->requests,
          res->answers, res->violations);
  for (size_t i = 0; i < s.nreqs; i++) json_decref(s.reqs[i].via);
  free(s.reqs);
  rl_capture_free(&cap);
  if (rc != 0) snprintf(err, errlen, "out of memory");
  return rc;
}
