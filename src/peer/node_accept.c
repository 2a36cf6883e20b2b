/* peer/node_accept.c: the listening socket of a peer and admission control
 * for incoming links (RFC 6940 6.5 Connection Table, 6.6.5 TLS links,
 * 13.5 denial of service).
 *
 * What to take in is decided by net/admit.c (pure); this file does the
 * I/O around it: accept(2) in bounded batches, closing the links the
 * decision evicts or refuses, pausing when accept(2) runs out of
 * descriptors or memory, one summary log line per period instead of one
 * line a connection, and giving memory back after a burst of closes. */
#include "peer/node_int.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

/* Closed links after which memory is given back, once the burst is over
 * (no close for a second) or at the latest every summary period. */
#define TRIM_AFTER_CLOSES 32
#define TRIM_QUIET_MS 1000

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
    if (!c->link) continue;
    e[k].cls = conn_class(c);
    e[k].addr = c->from;
    e[k].since_ms = c->since_ms;
    idx[k++] = i;
  }
  return k;
}

/* Close a pending incoming link for a newcomer. Its slot is free at once:
 * the link no longer names the conn, so its on_closed finds none (a
 * pending link has no routing state to undo). */
static void evict(rl_node *n, rl_conn *c, uint64_t now) {
  rl_link *l = c->link;
  rl_link_set_user(l, NULL);
  c->link = NULL;
  rl_link_close(l);
  n->adm.evicted++;
  n->adm.evicted_total++;
  n->adm.closed_since_trim++;
  n->adm.last_close_ms = now;
}

static void refuse(rl_node *n, int fd) {
  close(fd);
  n->adm.refused++;
  n->adm.refused_total++;
}

/* The oldest pending incoming link, if any (to free a descriptor). */
static rl_conn *oldest_pending(rl_node *n) {
  rl_conn *best = NULL;
  for (size_t i = 0; i < RL_NODE_MAX_CONNS; i++) {
    rl_conn *c = &n->conns[i];
    if (c->link && conn_class(c) == RL_ADMIT_PENDING && (!best || c->since_ms < best->since_ms))
      best = c;
  }
  return best;
}

/* One accepted socket: admit, evict for it, or refuse it. */
static void admit_one(rl_node *n, int fd, const struct sockaddr *sa, socklen_t len, uint64_t now) {
  rl_admit_entry e[RL_NODE_MAX_CONNS];
  size_t idx[RL_NODE_MAX_CONNS], k;
  rl_admit_addr from;
  rl_admit_decision d;
  rl_link *l;
  rl_conn *c;
  rl_admit_addr_of(sa, len, &from);
  k = census(n, e, idx);
  rl_admit_decide(&n->adm.lim, e, k, &from, &d);
  if (d.verdict == RL_ADMIT_REFUSE) {
    refuse(n, fd);
    return;
  }
  if (d.verdict == RL_ADMIT_EVICT) evict(n, &n->conns[idx[d.victim]], now);
  l = rl_link_adopt(n->links, fd, 0);
  if (!l) {
    refuse(n, fd);
    return;
  }
  c = rl_node_conn_new(n, l, 0);
  if (!c) { /* cannot happen: admission left a slot */
    rl_link_close(l);
    n->adm.refused++;
    n->adm.refused_total++;
    return;
  }
  c->from = from;
  c->since_ms = now;
}

/* accept(2) failed with err. 1: go on accepting, 0: stop this turn. */
static int accept_failed(rl_node *n, int err, uint64_t now) {
  rl_accept_pause *pz = &n->adm.pause;
  rl_accept_action act = rl_accept_action_of(err);
  if (act != RL_ACCEPT_PAUSE) return act == RL_ACCEPT_NEXT;
  if (rl_accept_pause_fail(pz, err, now))
    rl_node_log(n, 0, "accept: %s: not accepting connections for %llu ms at a time (up to %u ms) "
                "while it lasts; links already up are served", strerror(err),
                (unsigned long long)pz->pause_ms, (unsigned)RL_ACCEPT_PAUSE_MAX_MS);
  /* Out of descriptors: the oldest unfinished handshake gives one back,
   * for a newcomer that may be a real node. */
  if (err == EMFILE || err == ENFILE) {
    rl_conn *c = oldest_pending(n);
    if (c) evict(n, c, now);
  }
  return 0;
}

/* The episode is over when accept(2) has not failed for a while:
 * accepting between pauses does not end it (an evicted link gives a
 * descriptor back, the next accept takes it, the one after fails). */
static void accept_recovered(rl_node *n, uint64_t now) {
  rl_accept_pause e;
  if (!rl_accept_pause_over(&n->adm.pause, now, &e)) return;
  rl_node_log(n, 1, "accept: no failure for %u s: the episode is over (%llu failures in %llu ms, "
              "the first: %s)", (unsigned)(RL_ACCEPT_QUIET_MS / 1000),
              (unsigned long long)e.failures, (unsigned long long)(e.last_ms - e.since_ms),
              strerror(e.err));
}

int rl_node_accept_poll(rl_node *n, uint64_t now, int *timeout_ms) {
  uint64_t left;
  if (n->listen_fd < 0) return 0;
  if (rl_accept_pause_poll(&n->adm.pause, now, &left)) return 1;
  if (*timeout_ms < 0 || (uint64_t)*timeout_ms > left) *timeout_ms = (int)left;
  return 0;
}

void rl_node_accept_ready(rl_node *n, uint64_t now) {
  for (int i = 0; i < RL_NODE_ACCEPT_BATCH; i++) {
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    /* Plain accept(2): rl_link_adopt makes the socket non-blocking and
     * close-on-exec; a refused one is closed at once. */
    int fd = accept(n->listen_fd, (struct sockaddr *)&ss, &len);
    if (fd < 0) {
      if (!accept_failed(n, errno, now)) return;
      continue;
    }
    rl_accept_pause_ok(&n->adm.pause);
    admit_one(n, fd, (struct sockaddr *)&ss, len, now);
  }
}

int rl_node_accept_closed(rl_node *n, const rl_conn *c, rl_link_fail why, uint64_t now) {
  n->adm.closed_since_trim++;
  n->adm.last_close_ms = now;
  if (c->outgoing || c->up) return 1;
  /* An incoming link that never finished its handshake: anyone can make
   * those, by the thousand. A refused certificate is worth a line (a
   * misconfigured node); the rest go into the summary. */
  if (why == RL_LINK_FAIL_CERT) return 1;
  n->adm.failed++;
  n->adm.failed_total++;
  return 0;
}

static void give_memory_back(rl_node *n, uint64_t now) {
  rl_node_admission *a = &n->adm;
  if (a->closed_since_trim < TRIM_AFTER_CLOSES) return;
  if (now - a->last_close_ms < TRIM_QUIET_MS && now - a->last_trim_ms < RL_NODE_ADMIT_LOG_MS)
    return;
  a->closed_since_trim = 0;
  a->last_trim_ms = now;
#ifdef __GLIBC__
  /* The links' TLS state and buffers were freed, but glibc keeps freed
   * pages of its heaps unless asked: a flood's peak would stay resident. */
  malloc_trim(0);
#endif
}

void rl_node_accept_tick(rl_node *n, uint64_t now) {
  rl_node_admission *a = &n->adm;
  give_memory_back(n, now);
  accept_recovered(n, now);
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
