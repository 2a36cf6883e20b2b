/* net/admit.c: see admit.h (RFC 6940 6.5 Connection Table, 13.5 denial
 * of service). */
#include "net/admit.h"

#include <errno.h>
#include <netinet/in.h>
#include <string.h>

void rl_admit_limits_init(rl_admit_limits *l, size_t max_conns) {
  memset(l, 0, sizeof *l);
  l->max_conns = max_conns;
  rl_admit_limits_fix(l);
}

static size_t or_default(size_t v, size_t def) { return v ? v : def; }

void rl_admit_limits_fix(rl_admit_limits *l) {
  size_t room;
  if (l->max_conns == 0) l->max_conns = 1;
  l->reserve_outgoing = or_default(l->reserve_outgoing, RL_ADMIT_RESERVE_OUTGOING);
  l->reserve_authenticated = or_default(l->reserve_authenticated, RL_ADMIT_RESERVE_AUTHENTICATED);
  l->max_pending = or_default(l->max_pending, RL_ADMIT_MAX_PENDING);
  l->max_pending_per_addr = or_default(l->max_pending_per_addr, RL_ADMIT_MAX_PENDING_PER_ADDR);
  /* A small table: the reserves shrink, outgoing last, and one slot is
   * always left for a pending handshake (else no node could ever join). */
  if (l->reserve_outgoing >= l->max_conns) l->reserve_outgoing = l->max_conns / 2;
  room = l->max_conns - l->reserve_outgoing;
  if (room == 0) room = 1;
  if (l->reserve_authenticated >= room) l->reserve_authenticated = room - 1;
  room -= l->reserve_authenticated;
  if (l->max_pending > room) l->max_pending = room;
  if (l->max_pending == 0) l->max_pending = 1;
  if (l->max_pending_per_addr > l->max_pending) l->max_pending_per_addr = l->max_pending;
}

void rl_admit_addr_of(const struct sockaddr *sa, socklen_t len, rl_admit_addr *out) {
  static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  memset(out, 0, sizeof *out);
  if (!sa) return;
  if (sa->sa_family == AF_INET && len >= (socklen_t)sizeof(struct sockaddr_in)) {
    memcpy(out->b, &((const struct sockaddr_in *)sa)->sin_addr, 4);
    out->len = 4;
  } else if (sa->sa_family == AF_INET6 && len >= (socklen_t)sizeof(struct sockaddr_in6)) {
    const uint8_t *a = ((const struct sockaddr_in6 *)sa)->sin6_addr.s6_addr;
    if (memcmp(a, mapped, sizeof mapped) == 0) {
      memcpy(out->b, a + 12, 4);
      out->len = 4;
    } else {
      memcpy(out->b, a, 8);
      out->len = 8;
    }
  }
}

int rl_admit_addr_equal(const rl_admit_addr *a, const rl_admit_addr *b) {
  return a->len == b->len && memcmp(a->b, b->b, a->len) == 0;
}

/* What the table holds, as the rules count it. */
typedef struct census {
  size_t pending, pending_here, incoming;
  size_t oldest, oldest_here; /* n: none */
} census;

static void count(const rl_admit_entry *e, size_t n, const rl_admit_addr *from, census *c) {
  memset(c, 0, sizeof *c);
  c->oldest = c->oldest_here = n;
  for (size_t i = 0; i < n; i++) {
    if (e[i].cls == RL_ADMIT_OUTGOING) continue;
    c->incoming++;
    if (e[i].cls != RL_ADMIT_PENDING) continue;
    c->pending++;
    if (c->oldest == n || e[i].since_ms < e[c->oldest].since_ms) c->oldest = i;
    if (!rl_admit_addr_equal(&e[i].addr, from)) continue;
    c->pending_here++;
    if (c->oldest_here == n || e[i].since_ms < e[c->oldest_here].since_ms) c->oldest_here = i;
  }
}

static void verdict(rl_admit_decision *out, rl_admit_verdict v, rl_admit_reason r, size_t victim) {
  out->verdict = v;
  out->reason = r;
  out->victim = victim;
}

void rl_admit_decide(const rl_admit_limits *l, const rl_admit_entry *e, size_t n,
                     const rl_admit_addr *from, rl_admit_decision *out) {
  census c;
  count(e, n, from, &c);
  if (c.pending_here >= l->max_pending_per_addr)
    verdict(out, RL_ADMIT_EVICT, RL_ADMIT_PER_ADDR, c.oldest_here);
  else if (c.pending >= l->max_pending)
    verdict(out, RL_ADMIT_EVICT, RL_ADMIT_PENDING_FULL, c.oldest);
  else if (n >= l->max_conns || c.incoming >= l->max_conns - l->reserve_outgoing)
    /* Authenticated and outgoing links keep their slots: only a pending
     * one can make room. */
    verdict(out, c.pending ? RL_ADMIT_EVICT : RL_ADMIT_REFUSE, RL_ADMIT_TABLE_FULL, c.oldest);
  else
    verdict(out, RL_ADMIT_ACCEPT, RL_ADMIT_OK, 0);
}

/* ---------- accept(2) failures ---------- */

rl_accept_action rl_accept_action_of(int err) {
  switch (err) {
  case EAGAIN:
#if EWOULDBLOCK != EAGAIN
  case EWOULDBLOCK:
#endif
    return RL_ACCEPT_DONE;
  case EINTR:
  case ECONNABORTED: /* the far end gave up while queued */
  case EPROTO:
  case EPERM: /* a firewall rule */
  /* Linux passes on the new connection's network errors: that one is
   * lost, the next may be fine (accept(2), "Error handling"). */
  case ENETDOWN:
  case ENOPROTOOPT:
  case EHOSTDOWN:
  case EHOSTUNREACH:
  case EOPNOTSUPP:
  case ENETUNREACH:
    return RL_ACCEPT_NEXT;
  default:
    return RL_ACCEPT_PAUSE;
  }
}

int rl_accept_pause_fail(rl_accept_pause *p, int err, uint64_t now) {
  int starts = p->err == 0;
  if (p->accepted) p->pause_ms = 0;
  p->accepted = 0;
  p->pause_ms = p->pause_ms ? p->pause_ms * 2 : RL_ACCEPT_PAUSE_MIN_MS;
  if (p->pause_ms > RL_ACCEPT_PAUSE_MAX_MS) p->pause_ms = RL_ACCEPT_PAUSE_MAX_MS;
  p->until_ms = now + p->pause_ms;
  p->failures++;
  p->last_ms = now;
  if (starts) {
    p->err = err ? err : EIO;
    p->since_ms = now;
  }
  return starts;
}

void rl_accept_pause_ok(rl_accept_pause *p) { p->accepted = 1; }

int rl_accept_pause_poll(const rl_accept_pause *p, uint64_t now, uint64_t *left_ms) {
  if (now >= p->until_ms) return 1;
  *left_ms = p->until_ms - now;
  return 0;
}

int rl_accept_pause_over(rl_accept_pause *p, uint64_t now, rl_accept_pause *ended) {
  if (!p->err || now - p->last_ms < RL_ACCEPT_QUIET_MS) return 0;
  if (ended) *ended = *p;
  memset(p, 0, sizeof *p);
  return 1;
}
