/* peer/actq.h: the node core's output (issue 16): what to send on which
 * link, which links to open and which to close, in the order the core
 * decided them. The core does no I/O (like nghttp2's session, which takes
 * bytes and returns bytes): it appends actions here, and a driver
 * (peer/driver.h, over TLS links and poll) or the simulator (sim/) takes
 * them off with rl_actq_pop and carries them out.
 *
 * A link is named by a number the core gives it (rl_conn.key), never
 * reused. SEND's bytes are a copy owned by the queue: a pop hands them to
 * the caller, valid until the next pop or rl_actq_free. Appending while a
 * caller pops (a driver that reports a failed connect back to the core
 * between pops) is allowed. */
#ifndef RL_PEER_ACTQ_H
#define RL_PEER_ACTQ_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "net/ice.h"

typedef enum rl_action_type {
  RL_ACTION_SEND = 1, /* bytes: one message or fragment, for the link's framing */
  RL_ACTION_CONNECT,  /* open link `link` to addr */
  RL_ACTION_CLOSE,    /* close link `link` gracefully */
  /* Full ICE (RFC 6940 6.5.1.3): start link `link` as an ICE agent,
   * controlling when we sent the Attach request (6.5.1.9); the core waits
   * for rl_node_ice_gathered. */
  RL_ACTION_ICE_START,
  /* The far end's credentials and candidates for link `link` (bytes: one
   * rl_ice_remote): the connectivity checks may start. */
  RL_ACTION_ICE_REMOTE,
  /* The TURN server (addr; RFC 6940 9: found in the overlay) for the ICE
   * agents started from now on; the credentials are the driver's. */
  RL_ACTION_SET_TURN
} rl_action_type;

/* The far end of an ICE link, from its Attach (6.5.1.7). */
typedef struct rl_ice_remote {
  char ufrag[RL_ICE_UFRAG_MAX + 1];
  char pwd[RL_ICE_PWD_MAX + 1];
  size_t n;
  rl_ice_cand cands[RL_ICE_MAX_CANDS];
} rl_ice_remote;

typedef struct rl_action {
  rl_action_type type;
  uint64_t link;
  uint8_t *bytes;
  size_t len;
  struct sockaddr_storage addr;
  socklen_t addr_len;
  int controlling; /* ICE_START */
} rl_action;

typedef struct rl_actq {
  rl_action *a;
  size_t cap, head, count;
  uint8_t *popped; /* the bytes of the last pop, freed at the next */
  size_t bytes;    /* bytes held by queued SENDs */
} rl_actq;

void rl_actq_init(rl_actq *q);
void rl_actq_free(rl_actq *q);
/* Append; 0 or RL_ERR_NOMEM (nothing appended). */
int rl_actq_send(rl_actq *q, uint64_t link, const uint8_t *bytes, size_t len);
int rl_actq_connect(rl_actq *q, uint64_t link, const struct sockaddr *addr, socklen_t len);
int rl_actq_close(rl_actq *q, uint64_t link);
int rl_actq_ice_start(rl_actq *q, uint64_t link, int controlling);
int rl_actq_set_turn(rl_actq *q, const struct sockaddr *addr, socklen_t len);
int rl_actq_ice_remote(rl_actq *q, uint64_t link, const rl_ice_remote *r);
/* The oldest action into *out: 1, or 0 when there is none. */
int rl_actq_pop(rl_actq *q, rl_action *out);
static inline size_t rl_actq_len(const rl_actq *q) { return q->count; }

#endif
