/* runner_explain.c: what a failure says (runner_int.h). */
#define _POSIX_C_SOURCE 200809L
#include "runner_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "msgcodec.h"
#include "scen_match.h"
#include "template.h"

/* ---- a growing string ---- */

void rl_confr_sb_printf(sbuf *b, const char *fmt, ...) {
  va_list ap;
  int k;
  if (b->failed) return;
  for (;;) {
    size_t room = b->cap - b->n;
    va_start(ap, fmt);
    k = vsnprintf(b->s ? b->s + b->n : NULL, room, fmt, ap);
    va_end(ap);
    if (k < 0) {
      b->failed = 1;
      return;
    }
    if ((size_t)k < room) {
      b->n += (size_t)k;
      return;
    }
    {
      size_t nc = (b->n + (size_t)k + 1) * 2;
      char *ns = realloc(b->s, nc);
      if (!ns) {
        b->failed = 1;
        return;
      }
      b->s = ns;
      b->cap = nc;
    }
  }
}

char *rl_confr_sb_take(sbuf *b) {
  char *s = b->s;
  if (b->failed) {
    free(s);
    return NULL;
  }
  b->s = NULL;
  b->n = b->cap = 0;
  return s;
}

void rl_confr_explain_message(run *x, const char *title, const received *m) {
  char *t;
  rl_confr_sb_printf(&x->details, "  %s:\n", title);
  if (m->ok) {
    t = rl_conf_tree_text(m->json, 4);
    rl_confr_sb_printf(&x->details, "%s", t ? t : "    (out of memory)\n");
    free(t);
  } else {
    json_t *err = json_object_get(m->json, "undecodable");
    rl_confr_sb_printf(&x->details, "    does not decode: %s\n", json_string_value(err) ? json_string_value(err) : "?");
    if (m->hex) rl_confr_sb_printf(&x->details, "%s", m->hex);
  }
  if (m->sig_state >= 0) rl_confr_sb_printf(&x->details, "    (%s)\n", m->sig_note);
}

void rl_confr_explain_matchers(run *x, const rl_scen_block *b, const char *title) {
  char v[256];
  if (!b->nm) return;
  rl_confr_sb_printf(&x->details, "  %s:\n", title);
  for (size_t i = 0; i < b->nm; i++) {
    const rl_scen_matcher *m = &b->m[i];
    rl_confr_sb_printf(&x->details, "    %s%s%s %s", m->len_of ? "len(" : "", m->path.text,
              m->len_of ? ")" : "", rl_scen_op_name(m->op));
    if (m->value) rl_confr_sb_printf(&x->details, " %s", rl_scen_json_brief(m->value, v, sizeof v, 200));
    rl_confr_sb_printf(&x->details, "\n");
  }
}

/* The explanation of a failure: where, which requirements (with the
 * RFC's words), what was sent and what came back. */
/* Where, and which requirements with the RFC's words. */
void rl_confr_explain_head(run *x) {
  const rl_scen_step *s = x->step;
  rl_confr_sb_printf(&x->details, "  at %s:%d:%d\n", s->loc.file, s->loc.line, s->loc.col);
  rl_confr_sb_printf(&x->details, "  requirement%s checked:\n", x->sc->nreqs == 1 ? "" : "s");
  for (size_t i = 0; i < x->sc->nreqs; i++) {
    const rl_conf_req *q = rl_conf_req_find(x->R->reqs, x->sc->reqs[i].id);
    if (q)
      rl_confr_sb_printf(&x->details, "    %s (RFC 6940 %s %s, %s): \"%s\"\n", q->id, q->section, q->title,
                q->level, q->text);
    else
      rl_confr_sb_printf(&x->details, "    %s\n", x->sc->reqs[i].id);
  }
}

void rl_confr_explain(run *x, const received *got, const rl_scen_block *expected) {
  if (!x->step) return;
  rl_confr_explain_head(x);
  if (x->sent) {
    char *t = rl_conf_tree_text(x->sent, 4);
    rl_confr_sb_printf(&x->details, "  sent (%s:%d):\n%s", x->sent_loc.file, x->sent_loc.line,
              t ? t : "    (out of memory)\n");
    free(t);
  } else if (x->sent_hex) {
    rl_confr_sb_printf(&x->details, "  sent (%s:%d), bytes that do not decode:\n%s", x->sent_loc.file,
              x->sent_loc.line, x->sent_hex);
  }
  if (expected) rl_confr_explain_matchers(x, expected, "expected");
  if (got) rl_confr_explain_message(x, "received", got);
}

/* The message_code of a decoded message, or "" . */
const char *rl_confr_code_of(const received *m) {
  const char *c = json_string_value(
      json_object_get(json_object_get(m->json, "message_contents"), "message_code"));
  return c ? c : "";
}

/* An answer (6.3.3: response codes are even, the error 0xffff)? */
int rl_confr_is_answer(const received *m) {
  const char *c = rl_confr_code_of(m);
  size_t n = strlen(c);
  return strcmp(c, "error") == 0 || (n > 4 && strcmp(c + n - 4, "_ans") == 0);
}

/* Does m's Destination List start with our Node-ID (or the wildcard,
 * 6.1.1), as a message for us over this link must? */
static int names_us(run *x, const received *m) {
  const json_t *d = json_array_get(
      json_object_get(json_object_get(m->json, "forwarding_header"), "destination_list"), 0);
  const char *id = json_string_value(
      json_object_get(json_object_get(d, "destination_data"), "node_id"));
  if (!d || !id || !x->R->s.my_node_id) return 1; /* compressed, a resource: not ours to say */
  if (strcmp(id, x->R->s.my_node_id) == 0) return 1;
  for (const char *p = id; *p; p++)
    if (*p != 'f') return 0;
  return 1;
}

/* Why m did not do for the wait w of step s: one line. */
static void why_not(run *x, const received *m, wait_for w, const rl_scen_step *s, char *buf,
                    size_t n) {
  char why[256];
  if (!m->ok) {
    snprintf(buf, n, "does not decode: %s",
             json_string_value(json_object_get(m->json, "undecodable"))
                 ? json_string_value(json_object_get(m->json, "undecodable"))
                 : "?");
  } else if (w == WAIT_ANSWER && !rl_confr_is_answer(m)) {
    snprintf(buf, n, "a request (%s), not an answer", rl_confr_code_of(m));
  } else if (w == WAIT_ANSWER && (!m->have_txid || m->txid != x->txid)) {
    snprintf(buf, n, "transaction_id differs: sent %016llx, got %016llx",
             (unsigned long long)x->txid, (unsigned long long)m->txid);
  } else if (!names_us(x, m)) {
    snprintf(buf, n, "its Destination List does not name us (%s) first",
             x->R->s.my_node_id ? x->R->s.my_node_id : "?");
  } else if (s->has_where &&
             rl_conf_block_holds(&s->where, m->json, &x->env, NULL, why, sizeof why) != 1) {
    snprintf(buf, n, "not the message the step waits for: %s", why);
  } else {
    snprintf(buf, n, "%s", rl_confr_code_of(m));
  }
  if (m->sig_state == 0) {
    size_t l = strlen(buf);
    snprintf(buf + l, n - l, "; signature: %s", m->sig_note);
  }
}

/* A wait ran out: every message that came and was not taken, on this
 * connection and on the others, decoded, each with why it did not do. */
void rl_confr_explain_arrivals(run *x, const conn *c, wait_for w, const rl_scen_step *s,
                             uint64_t since) {
  size_t k = 0;
  for (int i = 0; i < MAX_CONNS; i++) {
    const conn *o = &x->conns[i];
    for (size_t j = 0; j < o->nbox; j++) {
      char line[700], *t;
      why_not(x, &o->box[j], w, s, line, sizeof line);
      if (k++ == 0) rl_confr_sb_printf(&x->details, "  what arrived instead (not taken by another step):\n");
      rl_confr_sb_printf(&x->details, "  #%zu %s%s%s, %s: %s\n", k,
                o == c ? "on this connection" : "on connection @", o == c ? "" : o->name,
                "", o->box[j].at_ms >= since ? "during this step" : "before this step", line);
      if (!x->arrived) x->arrived = json_array();
      json_array_append_new(x->arrived,
                            json_pack("{s:s,s:b,s:s,s:O?}", "connection", o->name,
                                      "during_step", o->box[j].at_ms >= since, "why_not", line,
                                      "message", o->box[j].json));
      if (o->box[j].ok) {
        t = rl_conf_tree_text(o->box[j].json, 6);
        rl_confr_sb_printf(&x->details, "%s", t ? t : "      (out of memory)\n");
        free(t);
      } else if (o->box[j].hex) {
        rl_confr_sb_printf(&x->details, "%s", o->box[j].hex);
      }
    }
  }
  if (k == 0) rl_confr_sb_printf(&x->details, "  nothing else arrived, on any connection\n");
}

/* An answer to our request's kind whose transaction_id is not the
 * request's, waiting in c's mailbox; NULL when there is none. */
const received *rl_confr_answer_other_txid(run *x, const conn *c) {
  for (size_t j = 0; j < c->nbox; j++)
    if (c->box[j].ok && rl_confr_is_answer(&c->box[j]) && c->box[j].have_txid &&
        c->box[j].txid != x->txid && c->box[j].at_ms >= x->sent_ms)
      return &c->box[j];
  return NULL;
}

