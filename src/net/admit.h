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
 * link) and gets a verdict; it does the closing. Unit test:
 * tests/net/admit_test.c. */
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

#endif
