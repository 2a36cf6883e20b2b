/* node_guard.c: what keeps one link from hurting the others (issue 22,
 * "hostile or heavy load degrades gracefully"): the request budget of a
 * link (peer/bucket.h), answers over the link their request came in on
 * when several links share a Node-ID (peer/backlink.h), and reassembly
 * within limits per link and in all (peer/fragment.h). Called from the
 * receive and forward paths of node.c; sends only through the node's
 * answer functions. */
#include <string.h>

#include "peer/node_int.h"

/* Another link bound to c's Node-ID? (Clients that share a certificate.) */
static int conn_shared(const rl_node *n, const rl_conn *c) {
  for (size_t i = 0; i < RL_NODE_MAX_CONNS; i++) {
    const rl_conn *o = &n->conns[i];
    if (o != c && o->used && o->bound && memcmp(o->id.b, c->id.b, n->id_len) == 0) return 1;
  }
  return 0;
}

static uint32_t scaled(uint32_t v) {
  uint64_t x = (uint64_t)v * RL_NODE_PEER_LINK_FACTOR;
  return x > UINT32_MAX ? UINT32_MAX : (uint32_t)x;
}

int rl_node_guard_budget(rl_node *n, rl_conn *from, const rl_ForwardingHeader *fh, int code) {
  rl_bucket *b;
  uint64_t now;
  int peer;
  if (!from || code < 0 || !rl_node_is_request_code((rl_MessageCode)code)) return 0;
  peer = from->bound && n->chord && rl_chord_is_connected(n->chord, from->id.b);
  /* A Routing Table peer forwards for others (a Via List, 6.1.2): not
   * counted. Any other link (a client, 4.2: "never routes") is counted
   * whatever its Via List says, or a made-up entry would evade it. */
  if (peer && fh->via_list_count != 0) return 0;
  b = &from->budget;
  now = rl_node_now(n);
  if (!from->peer_budget && peer) {
    /* A Routing Table peer: its replica and handover Stores come in
     * bursts (10.7.3, 10.9). */
    from->peer_budget = 1;
    rl_bucket_init(b, scaled(n->opt.link_rate), scaled(n->opt.link_burst), now);
  }
  if (rl_bucket_take(b, now)) return 0;
  n->st.rate_limited++;
  n->st.dropped++;
  rl_node_reply_error(n, from, fh, RL_ErrorCode_Error_Request_Timeout,
                      "rate limit: this link may originate %u requests a second (bursts of %u); "
                      "retry in %llu ms",
                      (unsigned)b->rate, (unsigned)b->burst,
                      (unsigned long long)rl_bucket_wait_ms(b, now));
  return 1;
}

void rl_node_guard_forwarded(rl_node *n, const rl_conn *from, const rl_ForwardingHeader *fh) {
  /* The answer will name from's Node-ID only: remember the link when that
   * Node-ID may be shared, i.e. from is not a peer of the Routing Table
   * (a client), or another link has its Node-ID. */
  if (!n->backlinks || !from->bound ||
      (rl_chord_is_connected(n->chord, from->id.b) && !conn_shared(n, from)))
    return;
  rl_backlink_put(n->backlinks, fh->transaction_id, from->id.b, n->id_len, from->key,
                  rl_node_now(n));
}

rl_conn *rl_node_guard_answer_link(rl_node *n, rl_conn *to, const rl_Destination *d,
                                   const rl_ForwardingHeader *fh, int code) {
  uint64_t key;
  rl_conn *c;
  if (!to || !n->backlinks || d->type != RL_DestinationType_node ||
      (code >= 0 && rl_node_is_request_code((rl_MessageCode)code)) || !conn_shared(n, to))
    return to;
  if (rl_backlink_get(n->backlinks, fh->transaction_id, to->id.b, n->id_len, rl_node_now(n),
                      &key) != 0)
    return to;
  c = rl_node_conn_by_key(n, key);
  return c && c->up && c->bound ? c : to;
}

rl_reasm *rl_node_guard_reasm_new(const rl_node *n) {
  /* The memory of the former 4 fixed slots of out_cap bytes (and their
   * bitmaps), now shared by up to RL_NODE_REASM_PENDING messages and
   * allocated as their fragments arrive. */
  rl_reasm_limits lim;
  lim.max_pending = RL_NODE_REASM_PENDING;
  lim.max_per_link = RL_NODE_REASM_PER_LINK;
  lim.max_message_size = n->out_cap;
  lim.memory = 4 * n->out_cap + n->out_cap / 2;
  lim.timeout_ms = 10000;
  return rl_reasm_new_limits(&lim);
}

void rl_node_guard_reasm_refused(rl_node *n, rl_conn *from, const rl_ForwardingHeader *fh,
                                 int rc) {
  int code = rl_reasm_dropped_code(n->reasm);
  rl_node_log(n, 1, "drop fragment of txid %016llx: %s", (unsigned long long)fh->transaction_id,
              rl_strerror(rc));
  n->st.dropped++;
  if (rc == RL_ERR_TOO_LARGE || rc == RL_ERR_NOMEM) n->st.reasm_dropped++;
  if (rc == RL_ERR_TOO_LARGE && code >= 0 && rl_node_is_request_code((rl_MessageCode)code))
    rl_node_reply_error(n, from, fh, RL_ErrorCode_Error_Message_Too_Large,
                        "message exceeds the %zu bytes this peer reassembles", n->out_cap);
}
