/* peer/viatab.h: Via List compression (RFC 6940 6.1.2 "list
 * compression", 6.3.2.2).
 *
 * An intermediate peer may replace the Via List of a request it forwards
 * by one opaque ID and, when the response comes back with that ID in its
 * Destination List, put the saved list back (6.1.3). The ID here is the
 * 16-bit compressed Destination form, laid out as 6.3.2.2 suggests:
 *
 *   bit 15      1 (the compressed form: "Top bit MUST be 1")
 *   bits 14-12  generation counter of the slot
 *   bits 11-0   slot index ("12 bits for the Connection Table index and
 *               3 bits for the generation counter")
 *
 * "When a Node first joins the overlay, the generation counters SHOULD be
 * initialized to random values"; "When a Connection Table slot is used
 * for a new connection, the generation counter is incremented (with
 * wrapping)"; slots "are used on a rotating basis to maximize the time
 * interval between uses of the same slot"; a stale ID: "the message MUST
 * be silently dropped".
 *
 * A saved list is kept for lifetime_ms. 6.1.2: such state "MUST be
 * maintained for at least the value of the overlay-reliability-timer", so
 * a live slot is never reused: when the slot next in turn is still live,
 * saving fails and the caller forwards with a plain Via List instead. */
#ifndef RL_PEER_VIATAB_H
#define RL_PEER_VIATAB_H

#include <stddef.h>
#include <stdint.h>

#include "gen/reload_codec.h"

#define RL_VIATAB_MAX_SLOTS 4096    /* 12-bit index */
#define RL_VIATAB_MAX_ENTRIES 32    /* Destinations per saved list */
#define RL_VIATAB_MAX_BYTES 1024    /* id bytes per saved list */

typedef struct rl_viatab rl_viatab;

/* slots: 1..RL_VIATAB_MAX_SLOTS; seed: the source of the initial
 * generation counters (give it random bits). NULL when slots is out of
 * range or memory is short. Memory: about 3.4 KB per slot. */
rl_viatab *rl_viatab_new(size_t slots, uint64_t lifetime_ms, uint64_t seed);
void rl_viatab_free(rl_viatab *t);

/* Save a copy of via[0..n-1] (ids included) in the next slot and give
 * its 16-bit opaque id (top bit set; use with rl_dest_compressed).
 * Returns 0, RL_ERR_TOO_LARGE (more than RL_VIATAB_MAX_ENTRIES entries
 * or RL_VIATAB_MAX_BYTES id bytes), RL_ERR_NOMEM (the slot next in turn
 * still holds a live list: every slot does). */
int rl_viatab_save(rl_viatab *t, const rl_Destination *via, size_t n, uint64_t now_ms,
                   uint16_t *opaque_id);

/* The list saved under opaque_id: 0, *via (pointers into the table,
 * valid until the slot is reused) and *n. RL_ERR_COMPRESSED (top bit
 * not set), RL_ERR_NOT_FOUND (no such slot, nothing saved there, another
 * generation, or older than lifetime_ms): 6.3.2.2, drop the message
 * silently. */
int rl_viatab_lookup(const rl_viatab *t, uint16_t opaque_id, uint64_t now_ms,
                     const rl_Destination **via, size_t *n);

#endif
