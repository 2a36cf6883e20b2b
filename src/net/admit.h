/* net/admit.h: admission control for incoming links -- which connection a
 * node takes into its Connection Table (RFC 6940 6.5) while its TLS
 * handshake (6.6.5, 11.3) has not proved who the far end is.
 *
 * Until the handshake finishes, a connection costs a table slot, a socket
 * and TLS state, and anyone can open one. RFC 6940 13.5 asks peers to
 * resist denial of service; here that means a flood of connections that
 * never finish a handshake must not take the slots that routing (our own
 * outgoing links: Attach, bootstrap) and authenticated peers and clients
 * need. The rules:
 *
 *   - At most max_pending incoming links may be unauthenticated at once,
 *     and at most max_pending_per_addr of them from one source address (an
 *     IPv4 address; an IPv6 /64, what one host usually controls).
 *   - reserve_outgoing slots of the table are never given to incoming
 *     links: our own connections always find room.
 *   - reserve_authenticated slots are never given to unauthenticated
 *     links: max_pending is clamped so that they remain.
 *   - A newcomer that finds a budget full evicts the oldest pending
 *     handshake (of its own address when that address is over its limit)
 *     rather than being refused: a legitimate node's handshake takes
 *     milliseconds, a flood's never finishes, so the oldest pending link
 *     is the likeliest to be worthless, and a new node is never locked out
 *     by links opened before it. A newcomer is refused only when the table
 *     is full of authenticated and outgoing links (nothing to evict).
 *
 * Pure: no sockets, no clock. The caller describes its table (one entry a
 * link) and gets a verdict; it does the closing. The same goes for what to
 * do when accept(2) fails (below). Unit test: tests/net/admit_test.c. */
#ifndef RL_NET_ADMIT_H
#define RL_NET_ADMIT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/* Defaults (rl_admit_limits_init), for a table of 256 entries. */
#define RL_ADMIT_MAX_PENDING 64
#define RL_ADMIT_MAX_PENDING_PER_ADDR 32
#define RL_ADMIT_RESERVE_OUTGOING 32
#define RL_ADMIT_RESERVE_AUTHENTICATED 64
/* How long an incoming link may take to finish its handshake. */
#define RL_ADMIT_PENDING_TIMEOUT_MS 3000

typedef struct rl_admit_limits {
  size_t max_conns;            /* entries of the table */
  size_t max_pending;          /* unauthenticated incoming links */
  size_t max_pending_per_addr; /* ... from one address (or IPv6 /64) */
  size_t reserve_outgoing;     /* slots incoming links never take */
  size_t reserve_authenticated;/* slots unauthenticated links never take */
} rl_admit_limits;

/* The defaults above for a table of max_conns entries. */
void rl_admit_limits_init(rl_admit_limits *l, size_t max_conns);
/* Make the limits consistent: reserves fit in the table (outgoing first),
 * max_pending at least 1 and at most what the reserves leave,
 * max_pending_per_addr 1..max_pending. 0 in a field means "the default". */
void rl_admit_limits_fix(rl_admit_limits *l);

/* A source address as the limits see it: IPv4 (4 bytes) or the /64 of an
 * IPv6 address (8 bytes; an IPv4-mapped IPv6 address counts as IPv4). */
typedef struct rl_admit_addr {
  uint8_t b[8];
  uint8_t len; /* 0: unknown (AF_UNIX, socketpair): a class of its own */
} rl_admit_addr;
void rl_admit_addr_of(const struct sockaddr *sa, socklen_t len, rl_admit_addr *out);
int rl_admit_addr_equal(const rl_admit_addr *a, const rl_admit_addr *b);

typedef enum rl_admit_class {
  RL_ADMIT_PENDING = 0, /* incoming, handshake not finished */
  RL_ADMIT_INCOMING,    /* incoming, authenticated */
  RL_ADMIT_OUTGOING     /* ours, whatever its state */
} rl_admit_class;

/* One link of the table. */
typedef struct rl_admit_entry {
  rl_admit_class cls;
  rl_admit_addr addr; /* PENDING: where it came from */
  uint64_t since_ms;  /* PENDING: when it was accepted (any clock) */
} rl_admit_entry;

typedef enum rl_admit_verdict {
  RL_ADMIT_ACCEPT = 0, /* take it */
  RL_ADMIT_EVICT,      /* close entry `victim`, then take it */
  RL_ADMIT_REFUSE      /* close the newcomer */
} rl_admit_verdict;

/* Which limit decided (for the log and the tests). */
typedef enum rl_admit_reason {
  RL_ADMIT_OK = 0,
  RL_ADMIT_PER_ADDR,   /* the address has max_pending_per_addr pending */
  RL_ADMIT_PENDING_FULL, /* max_pending pending */
  RL_ADMIT_TABLE_FULL  /* no slot for an incoming link */
} rl_admit_reason;

typedef struct rl_admit_decision {
  rl_admit_verdict verdict;
  rl_admit_reason reason;
  size_t victim; /* RL_ADMIT_EVICT: index into the entries */
} rl_admit_decision;

/* A connection from `from` arrived; the table holds the n entries e. The
 * oldest pending entry (smallest since_ms; the first of equals) is the
 * victim. Never fails. */
void rl_admit_decide(const rl_admit_limits *l, const rl_admit_entry *e, size_t n,
                     const rl_admit_addr *from, rl_admit_decision *out);

/* ---------- accept(2) failures ----------
 *
 * A listening socket stays readable while connections wait, also when
 * accept(2) cannot take them: out of descriptors (EMFILE, ENFILE) or
 * memory (ENOBUFS, ENOMEM). Polling it again at once would spin. The
 * caller stops polling it for a pause of RL_ACCEPT_PAUSE_MIN_MS, doubling
 * up to RL_ACCEPT_PAUSE_MAX_MS while accept(2) fails and takes nothing
 * between failures (when it takes some, the queue is moving: batch after
 * batch runs out of descriptors, closes, and the next gets them, and a
 * long pause would only keep real nodes waiting). An episode (one log
 * line when it starts, one when it ends) lasts until accept(2) has not
 * failed for RL_ACCEPT_QUIET_MS. */
#define RL_ACCEPT_PAUSE_MIN_MS 100
#define RL_ACCEPT_PAUSE_MAX_MS 2000
#define RL_ACCEPT_QUIET_MS 10000

typedef enum rl_accept_action {
  RL_ACCEPT_NEXT = 0, /* that connection is lost; accept the next one */
  RL_ACCEPT_DONE,     /* nothing more waits (EAGAIN) */
  RL_ACCEPT_PAUSE     /* stop polling the socket: rl_accept_pause_fail */
} rl_accept_action;

/* What accept(2)'s errno err asks for. ECONNABORTED, EINTR, EPROTO, EPERM
 * and the network errors Linux passes on from the new connection: next.
 * EAGAIN: done. Anything else (EMFILE, ENFILE, ENOBUFS, ENOMEM, and errors
 * that would repeat at once such as EBADF): pause. */
rl_accept_action rl_accept_action_of(int err);

typedef struct rl_accept_pause {
  int err;                  /* the episode's first error; 0: no episode */
  int accepted;             /* accepted one since the last failure */
  uint64_t until_ms;        /* do not poll before (0: poll) */
  uint64_t pause_ms;        /* the last pause */
  uint64_t since_ms, last_ms; /* the episode's first and last failure */
  uint64_t failures;        /* in the episode */
} rl_accept_pause;

/* accept(2) failed with err (an RL_ACCEPT_PAUSE error) at now: the next
 * pause. Returns 1 when this starts an episode (log it). */
int rl_accept_pause_fail(rl_accept_pause *p, int err, uint64_t now);
/* accept(2) took a connection. */
void rl_accept_pause_ok(rl_accept_pause *p);
/* 1 when the listening socket may be polled at now; else 0 and *left_ms
 * is how long the pause lasts. */
int rl_accept_pause_poll(const rl_accept_pause *p, uint64_t now, uint64_t *left_ms);
/* 1 when an episode is over at now (no failure for RL_ACCEPT_QUIET_MS):
 * *ended (if not NULL) gets what it was, for the log, and p starts over. */
int rl_accept_pause_over(rl_accept_pause *p, uint64_t now, rl_accept_pause *ended);

#endif
