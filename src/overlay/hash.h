/* hash.h: the overlay's hashes.
 *
 * RFC 6940 6.3.2: ForwardingHeader.overlay is "the lower 32 bits of the
 * SHA-1 hash of the overlay name". RFC 6940 10.2 (CHORD-RELOAD): Resource-IDs
 * are the SHA-1 hash of the resource name, truncated to NodeIdLength bytes
 * (the most significant bytes are kept). */
#ifndef RL_OVERLAY_HASH_H
#define RL_OVERLAY_HASH_H

#include <stddef.h>
#include <stdint.h>

/* The ForwardingHeader.overlay value of an overlay name. */
uint32_t rl_overlay_hash(const char *overlay_name);

/* Resource-ID of a resource name (e.g. a SIP AOR, 7904 3): out gets
 * node_id_len bytes (16..20). Returns 0, or RL_ERR_PARAM when node_id_len
 * is outside 16..20. */
int rl_resource_id(const uint8_t *name, size_t name_len, size_t node_id_len,
                   uint8_t *out);

#endif
