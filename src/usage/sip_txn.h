/* usage/sip_txn.h: the transaction table of the SIP proxy (RFC 3261 17.2):
 * which server transaction a request belongs to (17.2.3), which client
 * transaction a response answers (17.1.3), and how long a transaction
 * stays once answered (timers H, I, J). No I/O and no clock: the caller
 * passes times in; the table is driven in memory by
 * tests/usage/sip_txn_test.c.
 *
 * Entries are the caller's own struct with an rl_sip_txn as its first
 * member (entry_size at creation); the table allocates them one by one on
 * demand, up to a maximum, and never moves one, so a pointer to an entry
 * may wait in a callback. A released entry is reused only when its
 * callbacks are all back (rl_sip_txn.pending).
 *
 *   rl_sip_txn_table *tt = rl_sip_txn_table_new(sizeof(my_txn), 65536);
 *   my_txn *t = (my_txn *)rl_sip_txn_match(tt, &top_via, method);
 *   if (!t) { t = (my_txn *)rl_sip_txn_alloc(tt); rl_sip_txn_bind(tt, &t->base, ...); }
 *   ...
 *   rl_sip_txn_release(tt, &t->base);
 */
#ifndef RL_USAGE_SIP_TXN_H
#define RL_USAGE_SIP_TXN_H

#include <stddef.h>
#include <stdint.h>

#include "sip/sip_hdr.h"
#include "sip/sip_msg.h"

#define RL_SIP_T1 500u                  /* 17.1.1.1 */
#define RL_SIP_T2 4000u
#define RL_SIP_T4 5000u
#define RL_SIP_TIMER_64T1 (64u * RL_SIP_T1) /* timers B, F, H, J */
#define RL_SIP_TXN_BRANCH_MAX 128

typedef struct rl_sip_txn {
  int in_use;
  int pending;             /* callbacks outstanding: not reused before 0 */
  rl_sip_method method;    /* of the request that made it */
  char branch[RL_SIP_TXN_BRANCH_MAX]; /* its top Via's branch and sent-by (17.2.3) */
  size_t branch_len;
  char sentby[96];         /* "host:port", port 5060 when absent */
  char out_branch[48];     /* the branch of our Via when forwarded, "" if none */
  struct rl_sip_txn *in_next, *out_next, *free_next;
  int in_linked, out_linked;
} rl_sip_txn;

typedef struct rl_sip_txn_table rl_sip_txn_table;

/* A table of entries of entry_size bytes (at least sizeof(rl_sip_txn)), at
 * most max of them. NULL when out of memory or entry_size is too small. */
rl_sip_txn_table *rl_sip_txn_table_new(size_t entry_size, size_t max);
/* Free the table and every entry; fin (may be NULL) is called on each
 * entry first, to free what the caller hangs on it. */
void rl_sip_txn_table_free(rl_sip_txn_table *tt, void (*fin)(rl_sip_txn *));

/* A free entry: one released whose callbacks are back, else a new one
 * (zeroed). The rl_sip_txn part is reset and in_use set; the caller's part
 * is as it was left (so buffers may be reused). NULL when the table holds
 * max entries in use or waiting, or out of memory. */
rl_sip_txn *rl_sip_txn_alloc(rl_sip_txn_table *tt);

/* Key t by the request's top Via and method (17.2.3), and by out_branch
 * when not NULL (the branch we forward it with), and make it findable.
 * RL_ERR_PARAM when the branch is missing or longer than 127 bytes or
 * out_branch is longer than 47 (t is then not findable by it). */
int rl_sip_txn_bind(rl_sip_txn_table *tt, rl_sip_txn *t, const rl_sip_via *top,
                    rl_sip_method method, const char *out_branch);

/* The entry is done: no longer found; reused once its pending count is 0
 * (rl_sip_txn_callback_done). Releasing twice does nothing. */
void rl_sip_txn_release(rl_sip_txn_table *tt, rl_sip_txn *t);
/* One callback of t came back (pending - 1). */
void rl_sip_txn_callback_done(rl_sip_txn_table *tt, rl_sip_txn *t);

/* 17.2.3: the server transaction of a request with this top Via and
 * method: same branch, same sent-by, same method, except that an ACK
 * (and a CANCEL, looking for what it cancels, 9.2) finds the INVITE.
 * NULL when none. */
rl_sip_txn *rl_sip_txn_match(rl_sip_txn_table *tt, const rl_sip_via *top, rl_sip_method method);
/* 17.1.3: the client transaction whose forwarded request had branch. */
rl_sip_txn *rl_sip_txn_match_out(rl_sip_txn_table *tt, rl_sip_str branch);

/* Every entry ever allocated (in use or not), for timers and counts. */
size_t rl_sip_txn_count(const rl_sip_txn_table *tt);
rl_sip_txn *rl_sip_txn_at(const rl_sip_txn_table *tt, size_t i);

/* How long (ms) a server transaction stays once it sent the final status
 * (17.2.1, 17.2.2): an INVITE answered 2xx ends at once (the proxy passes
 * later 2xx statelessly, 16.11); an INVITE answered otherwise waits for
 * its ACK at most timer H (64*T1); a non-INVITE absorbs retransmissions
 * for timer J: 64*T1 over an unreliable transport, 0 over a reliable
 * one. After the ACK of a non-2xx: timer I, T4 unreliable, 0 reliable
 * (rl_sip_txn_linger_after_ack). */
uint64_t rl_sip_txn_linger(rl_sip_method method, int status, int reliable);
uint64_t rl_sip_txn_linger_after_ack(int reliable);

#endif
