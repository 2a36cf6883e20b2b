/* peer/node_accept.c: admission control for incoming links (RFC 6940 6.5
 * Connection Table, 6.6.5 TLS links, 13.5 denial of service), in the core.
 *
 * What to take in is decided by net/admit.c (pure); this file keeps the
 * Connection Table's side of it: a new incoming link gets a slot, evicts
 * the oldest pending one, or is refused; counts; one summary log line
 * per period instead of one line a connection. accept(2), its pause when
 * descriptors run out, and giving memory back are the driver's
 * (peer/driver.c). */
#include "peer/node_int.h"

#include <string.h>
#include <sys/socket.h>

void rl_node_accept_init(rl_node *n) {
  rl_admit_limits *l = &n->adm.lim;
  memset(l, 0, sizeof *l);
  l->max_conns = RL_NODE_MAX_CONNS;
  l->max_pending = n->opt.max_pending_links;
  l->max_pending_per_addr = n->opt.max_pending_per_addr;
  l->reserve_outgoing = n->opt.reserve_outgoing;
  l->reserve_authenticated = n->opt.reserve_authenticated;
  rl_admit_limits_fix(l);
}

static rl_admit_class conn_class(const rl_conn *c) {
  if (c->outgoing) return RL_ADMIT_OUTGOING;
  return c->up ? RL_ADMIT_INCOMING : RL_ADMIT_PENDING;
}

/* The table as admission sees it; idx[k] is the conn of entry k. */
static size_t census(const rl_node *n, rl_admit_entry *e, size_t *idx) {
  size_t k = 0;
  for (size_t i = 0; i < RL_NODE_MAX_CONNS; i++) {
    const rl_conn *c = &n->conns[i];
    if (!c->used) continue;
    e[k].cls = conn_class(c);
    e[k].addr = c->from;
    e[k].since_ms = c->since_ms;
    idx[k++] = i;
  }
  return k;
}

/* Close a pending incoming link for a newcomer. Its slot is free at once:
 * the link's number no longer names a conn, so its closing finds none (a
 * pending link has no routing state to undo). */
static void evict(rl_node *n, rl_conn *c) {
  rl_node_close(n, c);
  c->used = 0;
  rl_reasm_forget_link(n->reasm, c->key);
  n->adm.evicted++;
  n->adm.evicted_total++;
}

static void refuse(rl_node *n) {
  n->adm.refused++;
  n->adm.refused_total++;
}

/* The oldest pending incoming link, if any (to free a descriptor). */
static rl_conn *oldest_pending(rl_node *n) {
  rl_conn *best = NULL;
  for (size_t i = 0; i < RL_NODE_MAX_CONNS; i++) {
    rl_conn *c = &n->conns[i];
    if (c->used && conn_class(c) == RL_ADMIT_PENDING && (!best || c->since_ms < best->since_ms))
      best = c;
  }
  return best;
}

/* One accepted connection: admit it (evicting another for it), or refuse
 * it. */
uint64_t rl_node_link_incoming(rl_node *n, const struct sockaddr *sa, socklen_t len,
                               uint64_t now_us) {
  rl_admit_entry e[RL_NODE_MAX_CONNS];
  size_t idx[RL_NODE_MAX_CONNS], k;
  rl_admit_addr from;
  rl_admit_decision d;
  rl_conn *c;
  if (now_us > n->now_us) n->now_us = now_us;
  rl_admit_addr_of(sa, len, &from);
  k = census(n, e, idx);
  rl_admit_decide(&n->adm.lim, e, k, &from, &d);
  if (d.verdict == RL_ADMIT_REFUSE) {
    refuse(n);
    return 0;
  }
  if (d.verdict == RL_ADMIT_EVICT) evict(n, &n->conns[idx[d.victim]]);
  c = rl_node_conn_new(n, 0);
  if (!c) { /* cannot happen: admission left a slot */
    refuse(n);
    return 0;
  }
  c->from = from;
  c->since_ms = rl_node_ms(n);
  return c->key;
}

int rl_node_shed_pending(rl_node *n, uint64_t now_us) {
  rl_conn *c;
  if (now_us > n->now_us) n->now_us = now_us;
  c = oldest_pending(n);
  if (!c) return 0;
  evict(n, c);
  return 1;
}

int rl_node_accept_closed(rl_node *n, const rl_conn *c, rl_link_fail why, uint64_t now) {
  (void)now;
  if (c->outgoing || c->up) return 1;
  /* An ICE link we answered (c->expect) was not accepted: an Attach from
   * a verified node made it. It fails without a word when the offerer
   * found it had a link to us already and dropped its agent (node_ice.c). */
  if (c->expect) return 0;
  /* An incoming link that never finished its handshake: anyone can make
   * those, by the thousand. A refused certificate is worth a line (a
   * misconfigured node); the rest go into the summary. */
  if (why == RL_LINK_FAIL_CERT) return 1;
  n->adm.failed++;
  n->adm.failed_total++;
  return 0;
}

void rl_node_accept_tick(rl_node *n, uint64_t now) {
  rl_node_admission *a = &n->adm;
  if (!a->refused && !a->evicted && !a->failed) {
    a->window_ms = 0;
    return;
  }
  if (!a->window_ms) a->window_ms = now;
  if (now - a->window_ms < RL_NODE_ADMIT_LOG_MS) return;
  rl_node_log(n, 1, "admission: %llu connections refused (%llu evicted), %llu unauthenticated "
              "links failed or timed out, in the last %llu s (at most %zu pending, %zu per address)",
              (unsigned long long)a->refused, (unsigned long long)a->evicted,
              (unsigned long long)a->failed, (unsigned long long)((now - a->window_ms) / 1000),
              a->lim.max_pending, a->lim.max_pending_per_addr);
  a->refused = a->evicted = a->failed = 0;
  a->window_ms = now;
}
