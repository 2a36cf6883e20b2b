/* peer/backlink.h: which link a forwarded request came in on, so that
 * its answer goes back over that link (issue 22).
 *
 * 6.1.2: a peer forwarding a request appends the previous hop's Node-ID
 * to the Via List; the answer's Destination List is that list reversed
 * (6.2.2, 6.3.2.2), so it comes back naming the Node-ID only. Several
 * clients may present the same certificate (one user on several
 * devices), each over its own link: the Node-ID alone does not tell
 * which link the request came from, and the answer would reach a client
 * that has no such transaction. The peer therefore remembers, for
 * requests from such links, (transaction_id, Node-ID) -> link, and
 * follows that when an answer's next hop is a Node-ID several links
 * share. No bytes on the wire change (a link-specific opaque ID in the
 * Via List, 6.3.2.2, would do the same but would be lost whenever a
 * later hop compresses the list again).
 *
 * A ring of a fixed number of entries, each kept at most lifetime_ms
 * (the request lifetime, 6.2.1: 15 s); the oldest is overwritten when
 * the ring is full (its answer then goes by Node-ID as before). Pure:
 * time is passed in, nothing is allocated after rl_backlink_new. */
#ifndef RL_PEER_BACKLINK_H
#define RL_PEER_BACKLINK_H

#include <stddef.h>
#include <stdint.h>

#define RL_BACKLINK_ID_MAX 32 /* Node-ID bytes kept (NodeIdLength <= 20) */

typedef struct rl_backlink rl_backlink;

/* NULL when slots is 0 or memory is short. */
rl_backlink *rl_backlink_new(size_t slots, uint64_t lifetime_ms);
void rl_backlink_free(rl_backlink *t);

/* Remember that the request transaction_id from node_id came over link
 * link_key. Returns 0, RL_ERR_PARAM (id_len 0 or above
 * RL_BACKLINK_ID_MAX). */
int rl_backlink_put(rl_backlink *t, uint64_t transaction_id, const uint8_t *node_id,
                    size_t id_len, uint64_t link_key, uint64_t now_ms);

/* The link of the latest such request younger than lifetime_ms: 0 and
 * *link_key, or RL_ERR_NOT_FOUND. */
int rl_backlink_get(const rl_backlink *t, uint64_t transaction_id, const uint8_t *node_id,
                    size_t id_len, uint64_t now_ms, uint64_t *link_key);

#endif
