/* peer/node_events.c: the top of the node core, its events (peer/node.h):
 * links that come up, bring messages, close; bootstrapping (11.4) and
 * the start of a ring (6.4.2.1); the timers (6.2.1 retransmission, the
 * topology's clock, storage expiry, replication) and when the next one
 * is due; leaving (10.9). */
#define _GNU_SOURCE
#include "peer/node_int.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "codec/message.h"
#include "peer/linkproto.h"
#include "runtime/cursor.h"

/* The chord's clock ticks every CHORD_TICK_MS; storage expiry and the
 * reassembly's every second. */
#define CHORD_TICK_MS 200
#define EXPIRE_TICK_MS 1000

/* An event brings the time; it never goes back (a caller's clock that
 * does is held where it was). */
static void set_time(rl_node *n, uint64_t now_us) {
  if (now_us > n->now_us) n->now_us = now_us;
}

/* Bind a conn to the Node-ID its certificate carries (11.3: a node's
 * certificate holds its Node-IDs; ours hold one). */
static void conn_bind_cert(rl_node *n, rl_conn *c, const rl_cert *cert) {
  if (!cert || c->bound) return;
  if (cert->n_node_ids >= 1 && cert->node_id_len == n->id_len) {
    memcpy(c->id.b, cert->node_ids[0], n->id_len);
    c->bound = 1;
  }
}


/* Every event ends here: messages to ourselves that it queued are
 * handled now, from the top, not inside the handler that sent them. */
static void event_done(rl_node *n) {
  rl_node_local_drain(n);
}

void rl_node_link_up(rl_node *n, uint64_t link, const rl_cert *cert, uint64_t now_us) {
  rl_conn *c;
  set_time(n, now_us);
  c = rl_node_conn_by_key(n, link);
  if (!c) return;
  c->up = 1;
  if (c->expect && (!cert || !rl_cert_has_node_id(cert, c->expect_id.b, n->id_len))) {
    /* 6.5.1.13: the certificate MUST match the Attach's sender. */
    rl_node_log(n, 0, "closing link: certificate does not carry the Attach sender's Node-ID");
    c->up = 0;
    rl_node_close(n, c);
    event_done(n);
    return;
  }
  if (!cert && c->outgoing) rl_node_introduce(n, c);
  conn_bind_cert(n, c, cert);
  if (c->bound) {
    if (c->want_attach) {
      /* 6.5.1.11: the certificate MUST match the node that answered. */
      if (cert && !rl_cert_has_node_id(cert, c->id.b, n->id_len)) {
        rl_node_log(n, 0, "closing link: certificate does not carry the Attach answerer's Node-ID");
        /* Not the answerer's link: never route to it over this one, and
         * tell the topology the Attach failed now, not at its timeout. */
        c->up = 0;
        c->bound = 0;
        c->want_attach = 0;
        rl_chord_on_attach_result(n->chord, c->attach_target.b, NULL);
        for (size_t i = 0; i < c->nalso; i++)
          rl_chord_on_attach_result(n->chord, c->also_target[i].b, NULL);
        c->nalso = 0;
        rl_node_close(n, c);
        rl_node_chord_actions(n);
        event_done(n);
        return;
      }
    }
    rl_node_conn_bound_event(n, c);
  } else if (n->opt.client && c->bootstrap && cert) {
    n->ready_client = 1;
  }
  /* Insecure: ready once the Ping's answer binds the link
   * (rl_node_introduce), so the first request has a route. */
  event_done(n);
}

void rl_node_link_message(rl_node *n, uint64_t link, const uint8_t *msg, size_t len,
                          uint64_t now_us) {
  rl_conn *c;
  set_time(n, now_us);
  c = rl_node_conn_by_key(n, link);
  if (!c) return;
  rl_node_process_message(n, c, msg, len);
  rl_node_chord_actions(n);
  event_done(n);
}

void rl_node_link_oversize(rl_node *n, uint64_t link, const uint8_t *hdr, size_t hdr_len,
                           size_t announced, uint64_t now_us) {
  rl_conn *c;
  rl_ForwardingHeader fh;
  rl_ctx ctx;
  rl_message_peek pk;
  set_time(n, now_us);
  c = rl_node_conn_by_key(n, link);
  rl_node_log(n, 1, "message of %zu bytes exceeds max-message-size %zu", announced, n->max_msg);
  /* 6.6: Error_Message_Too_Large, then close. Only when the forwarding
   * header itself arrived whole can we answer. */
  if (!c || rl_message_peek_header(hdr, hdr_len, &pk) != 0) return;
  rl_arena_reset(&n->arena);
  {
    /* Only the start of the message is at hand: the header's length field
     * is checked against the length the frame announced (6.3.2), not
     * against hdr_len. */
    rl_cursor cur;
    rl_ctx_init(&ctx, &n->arena, &n->params);
    ctx.base = hdr;
    ctx.message_length = announced;
    rl_cursor_init(&cur, hdr, hdr_len);
    if (rl_ForwardingHeader_decode(&cur, &ctx, &fh) != 0) return;
  }
  /* Bound to a Node-ID or not (a plain TCP link whose first message this
   * is): the answer goes back over this link (answer_with). */
  rl_node_reply_error(n, c, &fh, RL_ErrorCode_Error_Message_Too_Large,
                       "message of %zu bytes exceeds max-message-size %zu", announced, n->max_msg);
}

void rl_node_link_closed(rl_node *n, uint64_t link, rl_link_fail why, const char *detail,
                         uint64_t now_us) {
  rl_conn *c;
  char hx[RL_HEXBUF];
  int worth_a_line;
  set_time(n, now_us);
  c = rl_node_conn_by_key(n, link);
  if (!c) return;
  worth_a_line = rl_node_accept_closed(n, c, why, rl_node_ms(n));
  rl_node_log(n, why == RL_LINK_CLOSED_LOCALLY || !worth_a_line ? 2 : 1, "link %s %s closed: %s%s%s",
              c->outgoing ? "to" : "from", c->bound ? rl_node_hex(c->id.b, n->id_len, hx) : "?",
              rl_link_fail_name(why), detail && *detail ? ": " : "", detail ? detail : "");
  c->used = 0;
  rl_reasm_forget_link(n->reasm, c->key); /* its fragments end here */
  rl_node_ice_forget(n, c->key);
  if (n->opt.client) {
    if (c->bootstrap) n->ready_client = 0;
    return;
  }
  if (c->want_attach && !c->up) {
    rl_chord_on_attach_result(n->chord, c->attach_target.b, NULL);
    for (size_t i = 0; i < c->nalso; i++)
      rl_chord_on_attach_result(n->chord, c->also_target[i].b, NULL);
    rl_node_chord_actions(n);
  } else if (c->bound && (c->chord_known || rl_chord_is_connected(n->chord, c->id.b)) &&
             !rl_node_conn_by_id(n, c->id.b)) {
    /* 10.7.2: a lost link is a failed peer (unless another link to it
     * remains). */
    rl_chord_on_peer_failed(n->chord, c->id.b);
    rl_node_chord_actions(n);
  }
  if (c->bootstrap && !c->up && rl_chord_get_state(n->chord) == RL_CHORD_IDLE)
    n->bootstrap_retry_ms = rl_node_ms(n); /* try the next bootstrap node now */
  event_done(n);
}

static int bootstrap_in_progress(const rl_node *n) {
  for (size_t i = 0; i < RL_NODE_MAX_CONNS; i++)
    if (n->conns[i].used && n->conns[i].bootstrap) return 1;
  return 0;
}

int rl_node_listen_addr(const rl_node *n, struct sockaddr_storage *out, socklen_t *len) {
  if (!n->listen_len) return RL_ERR_STATE;
  memcpy(out, &n->listen_addr, sizeof *out);
  *len = n->listen_len;
  return 0;
}

void rl_node_set_listen_addr(rl_node *n, const struct sockaddr *addr, socklen_t len) {
  char host[64] = "?";
  int port = 0;
  if (len > sizeof n->listen_addr) return;
  memset(&n->listen_addr, 0, sizeof n->listen_addr);
  memcpy(&n->listen_addr, addr, len);
  n->listen_len = len;
  if (n->listen_addr.ss_family == AF_INET) {
    struct sockaddr_in *s4 = (struct sockaddr_in *)&n->listen_addr;
    inet_ntop(AF_INET, &s4->sin_addr, host, sizeof host);
    port = ntohs(s4->sin_port);
  } else if (n->listen_addr.ss_family == AF_INET6) {
    struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&n->listen_addr;
    inet_ntop(AF_INET6, &s6->sin6_addr, host, sizeof host);
    port = ntohs(s6->sin6_port);
  }
  rl_node_log(n, 1, "listening on %s port %d (%s)", host, port,
              rl_link_mode_name(n->opt.link_mode));
}

void rl_node_start(rl_node *n, uint64_t now_us) {
  set_time(n, now_us);
  if (n->started) return;
  n->started = 1;
  rl_node_try_bootstrap(n);
  event_done(n);
}

/* Timers: retransmission (6.2.1), the chord's clock, storage expiry. */
static void run_timers(rl_node *n) {
  uint64_t now = rl_node_ms(n);
  for (size_t i = 0; i < n->max_txns; i++) {
    rl_txn *t = &n->txns[i];
    if (!t->used || now < t->next_ms) continue;
    if (t->sent >= 5) {
      /* "After the timer for the fifth transmission fires, the message
       * MUST be considered to have failed." */
      rl_node_answer a;
      memset(&a, 0, sizeof a);
      a.status = RL_ERR_TIMEOUT;
      a.error_text = "no answer after 5 transmissions";
      a.latency_us = (now - t->started_ms) * 1000u;
      rl_node_txn_answer(n, t, &a);
      continue;
    }
    t->sent++;
    t->next_ms = now + n->cfg->reliability_timer;
    {
      rl_ForwardingHeader fh;
      rl_ctx ctx;
      rl_arena_reset(&n->arena);
      if (rl_msg_parse_header(t->bytes, t->len, &n->arena, &n->params, &ctx, &fh) == 0)
        rl_node_route_out(n, fh.destination_list, fh.destination_list_count, t->bytes, t->len);
    }
  }
  if (n->chord && now - n->last_tick_ms >= CHORD_TICK_MS) {
    n->last_tick_ms = now;
    rl_chord_on_tick(n->chord, now);
    rl_node_chord_actions(n);
  }
  if (n->store && now - n->last_expire_ms >= EXPIRE_TICK_MS) {
    n->last_expire_ms = now;
    rl_store_expire(n->store, rl_node_wall_ms(n));
    rl_reasm_expire(n->reasm, now);
  }
  rl_node_repl_tick(n);
  rl_node_turn_tick(n);
  for (size_t i = 0; i < RL_NODE_MAX_INBOUND; i++)
    if (n->inbound[i].used && now > n->inbound[i].until) n->inbound[i].used = 0;
  (void)rl_node_ice_expire(n, now);
  if (n->bootstrap_retry_ms && now >= n->bootstrap_retry_ms && !bootstrap_in_progress(n) &&
      ((n->opt.client && !n->ready_client) ||
       (!n->opt.client && rl_chord_get_state(n->chord) == RL_CHORD_IDLE && !n->leaving))) {
    n->bootstrap_retry_ms = 0;
    rl_node_try_bootstrap(n);
  }
  if (n->leaving && !n->left) {
    int busy = 0;
    for (size_t i = 0; i < n->max_txns; i++)
      if (n->txns[i].used) busy = 1;
    /* 10.9: the data goes to the new owner before we go. */
    if (rl_node_repl_handover_pending(n)) busy = 1;
    if (!busy || now >= n->leave_deadline) n->left = 1;
  }
  rl_node_accept_tick(n, now);
}

/* When run_timers next has something to do (milliseconds). */
static uint64_t next_timer_ms(const rl_node *n) {
  uint64_t now = rl_node_ms(n), next = now + 1000;
  if (n->nlocal || rl_actq_len(&n->actions)) return now;
  for (size_t i = 0; i < n->max_txns; i++)
    if (n->txns[i].used && n->txns[i].next_ms < next) next = n->txns[i].next_ms;
  if (n->chord && n->last_tick_ms + CHORD_TICK_MS < next) next = n->last_tick_ms + CHORD_TICK_MS;
  if (n->store && n->last_expire_ms + EXPIRE_TICK_MS < next)
    next = n->last_expire_ms + EXPIRE_TICK_MS;
  next = rl_node_repl_next_ms(n, next);
  next = rl_node_turn_next_ms(n, next);
  for (size_t i = 0; i < RL_NODE_MAX_INBOUND; i++)
    if (n->inbound[i].used && n->inbound[i].until + 1 < next) next = n->inbound[i].until + 1;
  for (size_t i = 0; i < RL_NODE_MAX_ICE; i++)
    if (n->ice[i].used && n->ice[i].deadline_ms < next) next = n->ice[i].deadline_ms;
  /* A retry whose conditions do not hold yet waits for the chord's tick. */
  if (n->bootstrap_retry_ms > now && n->bootstrap_retry_ms < next) next = n->bootstrap_retry_ms;
  if (n->leaving && !n->left && now + 50 < next) next = now + 50;
  /* What run_timers left due is waiting for an event, not for the time:
   * never ask for a tick at the time just handled. */
  return next <= now ? now + 1 : next;
}

void rl_node_ice_gathered(rl_node *n, uint64_t link, const rl_ice_cand *cands, size_t k,
                          const char *ufrag, const char *pwd, uint64_t now_us) {
  rl_nodeid target;
  int failed = 0;
  set_time(n, now_us);
  rl_node_ice_gathered_in(n, link, cands, k, ufrag, pwd, &target, &failed);
  if (failed) rl_chord_on_attach_result(n->chord, target.b, NULL);
  rl_node_chord_actions(n);
  event_done(n);
}

uint64_t rl_node_tick(rl_node *n, uint64_t now_us) {
  set_time(n, now_us);
  run_timers(n);
  event_done(n);
  return next_timer_ms(n) * 1000u;
}

uint64_t rl_node_next_tick_us(const rl_node *n) { return next_timer_ms(n) * 1000u; }

int rl_node_next_action(rl_node *n, rl_action *out) { return rl_actq_pop(&n->actions, out); }

size_t rl_node_pending_actions(const rl_node *n, size_t *bytes) {
  if (bytes) *bytes = n->actions.bytes;
  return rl_actq_len(&n->actions);
}

void rl_node_leave(rl_node *n) {
  if (n->leaving) return;
  n->leaving = 1;
  n->leave_deadline = rl_node_ms(n) + 3000;
  if (!n->opt.client && rl_chord_get_state(n->chord) == RL_CHORD_JOINED) {
    rl_node_log(n, 1, "leaving the overlay");
    rl_chord_leave(n->chord);
    rl_node_chord_actions(n);
  }
}
