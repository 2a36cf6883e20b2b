/* store.h: the data storage of RFC 6940 section 7, without I/O.
 *
 * The peer decodes a StoreReq, FetchReq, StatReq or FindReq (with the
 * generated codec), verifies the message signature, and hands the decoded
 * request to one of the functions below together with what the store cannot
 * know by itself: the time, the signer of the message, the replica set, the
 * range this peer is responsible for. The function answers with the
 * generated answer struct (StoreAns, FetchAns, StatAns, FindAns) or fills an
 * ErrorResponse with the RELOAD error code and its error_info.
 *
 * Memory. Values are copied out of the request into memory this module
 * allocates with malloc (the request's buffers are freed once it is
 * processed). The copies are bounded by each Kind's max-size and max-count
 * (11.1) and by a global byte budget. Answers are built in the caller's
 * arena and point into the store: encode an answer before the next call
 * that changes the store (rl_store_store, rl_store_expire,
 * rl_store_drop_range, rl_store_set_kinds, rl_store_free).
 *
 * Time. Every function that needs the time takes `now`: milliseconds of the
 * peer's clock (the same scale as storage_time, 7: milliseconds since the
 * epoch). Lifetimes count from `now` of the store (7: "starting from the
 * time the peer receives the StoreReq"); a value whose lifetime has passed
 * is never returned and is freed by the next store to its location or by
 * rl_store_expire.
 *
 * Not thread-safe: one thread (the peer's event loop) owns a store.
 *
 * Cost: Resource-IDs are kept in one sorted array (binary search; a new
 * Resource-ID is inserted with a memmove of the array), the values of one
 * Kind in a sorted vector bounded by max-count.
 *
 * Return values. The four request functions return 0 when the answer is
 * filled; a positive RELOAD error code (rl_ErrorCode, 14.9) when the
 * request is refused, with *err filled (error_code and error_info: a
 * StoreAns for Error_Generation_Counter_Too_Low, the unknown Kind-IDs for
 * Error_Unknown_Kind, otherwise a UTF-8 text naming what was wrong where);
 * or a negative rl_err on a local failure: RL_ERR_ARENA (the answer does not
 * fit the caller's arena; a peer answers Error_Response_Too_Large or a
 * generic error), RL_ERR_NOMEM (malloc failed; the store is unchanged). */
#ifndef RL_STORAGE_STORE_H
#define RL_STORAGE_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "gen/reload_codec.h"
#include "runtime/arena.h"
#include "runtime/types.h"
#include "storage/access.h"

/* Longest Resource-ID kept (NodeIdLength is at most 20, 6.3.1.1). */
#define RL_STORE_MAX_ID 20

/* A Kind as the overlay configuration defines it (7.4.5, 11.1). */
typedef struct rl_store_kind {
  rl_KindId id;
  rl_DataModel data_model;      /* single_value, array or dictionary */
  rl_access_policy policy;      /* 7.3 */
  uint32_t max_count;           /* 11.1 max-count: values per Resource-ID and Kind */
  uint32_t max_size;            /* 11.1 max-size: bytes of one value */
  uint32_t max_node_multiple;   /* 11.1, NODE-MULTIPLE only: 1..255 */
  int no_find;                  /* 7.4.4.2: "the Kind is not allowed to be used with Find" */
} rl_store_kind;

/* Checks the signature of one StoredData (7.1: over resource_id || kind ||
 * storage_time || StoredDataValue || SignerIdentity, with an array index
 * set to zero, 7.4.2.2) and the signing certificate (validity at now), and
 * fills *signer with the identity from that certificate for the access
 * policy. Returns 0 when valid; anything else makes the store answer
 * Error_Forbidden (7.4.1.1). *signer's memory must stay valid until the
 * rl_store_store call returns. The security module (src/security) provides
 * the real one; tests use a fake. */
typedef int (*rl_store_verify_fn)(void *user, rl_bytes resource_id, rl_KindId kind,
                                  const rl_StoredData *value, uint64_t now,
                                  rl_signer *signer);

typedef struct rl_store_config {
  size_t id_len;                /* Resource-ID length: 16 for CHORD-RELOAD (10.2), up to 20 */
  size_t budget;                /* bytes of stored values and their bookkeeping */
  const rl_store_kind *kinds;   /* copied */
  size_t kinds_count;
  rl_store_verify_fn verify;
  void *verify_user;
} rl_store_config;

typedef struct rl_store rl_store;

/* A new, empty store. Returns 0; RL_ERR_PARAM for an id_len outside 16..20,
 * a missing verify function, or a Kind definition that breaks 7.3/11.1 (see
 * rl_store_set_kinds); RL_ERR_NOMEM. */
int rl_store_new(const rl_store_config *cfg, rl_store **out);
void rl_store_free(rl_store *s);

/* Replace the Kind table (a new configuration, 6.5.4). Data of a Kind that
 * is gone or whose data model changed is dropped. Returns 0; RL_ERR_PARAM
 * (a Kind-ID twice, a data model that is not one of the three, an unknown
 * policy, USER-NODE-MATCH on a non-dictionary Kind (7.3.3), NODE-MULTIPLE
 * without max_node_multiple in 1..255 (7.3.4, 11.1)); RL_ERR_NOMEM. On
 * failure the old table stays. */
int rl_store_set_kinds(rl_store *s, const rl_store_kind *kinds, size_t count);

/* The Kind definition, or NULL. */
const rl_store_kind *rl_store_find_kind(const rl_store *s, rl_KindId id);

/* What a Store needs besides the request. */
typedef struct rl_store_input {
  uint64_t now;
  /* The signer of the StoreReq message (7.3: "in a non-replica store, both
   * the signer of the StoredValue and the signer of the StoreReq MUST
   * conform to the policy"). Required when replica_number is 0; ignored for
   * replica stores. */
  const rl_signer *message_signer;
  /* The peers the data will be replicated to (7.4.1.2 StoreAns.replicas),
   * copied by pointer into the answer. */
  const rl_NodeId *replicas;
  size_t replicas_count;
  /* When not NULL, a successful store fills it with what changed, as a
   * replica needs it (10.4): a StoreReq for the same Resource-ID with the
   * request's values as they are now stored (array appends at their
   * resolved index, lifetimes counted from now) and each Kind's new
   * generation counter (7.4.1.1: replicas "MUST set the generation
   * counter to match"). replica_number is left 0 for the caller to set.
   * Built in the caller's arena and pointing into the store, like the
   * answers (see Memory above). */
  rl_StoreReq *committed;
} rl_store_input;

/* Store (7.4.1). The caller has already checked what depends on the
 * topology (7.4.1.1): for replica_number 0 that this peer is responsible
 * for the Resource-ID, otherwise that the sender is a plausible replicating
 * node (10.4); and has verified the message signature. The store then
 * performs the remaining checks of 7.4.1.1 in this order, for the whole
 * request before changing anything (atomic: "If any operation fails, the
 * state MUST be rolled back"):
 *   Error_Invalid_Message     Resource-ID of the wrong length; a Kind-ID
 *                             twice (7.4.1.1)
 *   Error_Unknown_Kind        error_info lists every unknown Kind-ID
 *   Error_Invalid_Message     a replica store with generation 0; a value
 *                             decoded with another data model than the
 *                             Kind's (the decoder's parameters disagree)
 *   Error_Forbidden           identity none / algorithm {0,0}; a bad
 *                             signature (verify callback); a signer (of the
 *                             value, and for original stores of the
 *                             message) outside the Kind's policy (7.3)
 *   Error_Generation_Counter_Too_Low
 *                             an original store whose nonzero generation is
 *                             not the stored one; error_info: StoreAns with
 *                             every Kind's generation, empty replica lists
 *   then value by value, Kind by Kind:
 *   Error_Data_Too_Large      a value above max-size; an append to an array
 *                             whose last index is 0xfffffffe
 *   Error_Data_Too_Old        a storage_time before that of the value it
 *                             replaces (an equal one is accepted)
 *   Error_Data_Too_Large      more than max-count values (the RFC names no
 *                             error for it); finally the global budget
 *                             exhausted (no RFC error fits a full peer)
 * On success *ans has one StoreKindResponse per Kind with the new generation
 * and input->replicas. */
int rl_store_store(rl_store *s, const rl_StoreReq *req, const rl_store_input *input,
                   rl_arena *arena, rl_StoreAns *ans, rl_ErrorResponse *err);

/* Fetch (7.4.2): one FetchKindResponse per specifier. Values that were
 * never stored (a gap in an array, a dictionary key asked for and absent,
 * an empty single value) are synthesized with exists = False and the empty
 * signature of 7.4.2.2. Array ranges end at the last stored index. A
 * nonzero generation equal to the stored one gives no values.
 * Errors: Error_Invalid_Message (Resource-ID length, specifier of the wrong
 * data model, an ArrayRange with first > last or ranges that overlap,
 * 7.4.2.1), Error_Unknown_Kind. */
int rl_store_fetch(const rl_store *s, const rl_FetchReq *req, uint64_t now,
                   rl_arena *arena, rl_FetchAns *ans, rl_ErrorResponse *err);

/* Stat (7.4.3): as Fetch, with StoredMetaData: value_length and the SHA-256
 * of the value including its 4 length bytes (7.4.3.2). Synthesized
 * nonexistent entries carry hash_algorithm none and an empty hash. */
int rl_store_stat(const rl_store *s, const rl_StatReq *req, uint64_t now,
                  rl_arena *arena, rl_StatAns *ans, rl_ErrorResponse *err);

/* A range of the ring: the Resource-IDs after `after` up to and including
 * `upto` (for this peer's responsibility: after = predecessor, upto = own
 * Node-ID), each id_len bytes. after == upto is the whole ring. */
typedef struct rl_store_range {
  const uint8_t *after;
  const uint8_t *upto;
} rl_store_range;

int rl_store_range_contains(const rl_store *s, const rl_store_range *range,
                            const uint8_t *id);

/* Find (7.4.4). For each Kind the Resource-ID stored here with live data of
 * that Kind which is the first at or after the requested Resource-ID,
 * clockwise, without leaving `responsible` (so that walking the overlay by
 * R(n+1) = nearest(1 + R(n)) ends at this peer's range); all zero bytes
 * when there is none or the Kind is unknown (7.4.4.2). Kinds with no_find
 * are left out. Errors: Error_Not_Found when the Resource-ID is outside
 * `responsible` (7.4.4.2 SHOULD), Error_Invalid_Message for a Kind-ID twice
 * (7.4.4.1) or a Resource-ID of the wrong length. */
int rl_store_find(const rl_store *s, const rl_FindReq *req, const rl_store_range *responsible,
                  uint64_t now, rl_arena *arena, rl_FindAns *ans, rl_ErrorResponse *err);

/* Free every value whose lifetime has passed (7.4.1.3: "When a stored
 * nonexistent value's lifetime expires, it is simply removed"). Returns the
 * number of values freed. */
size_t rl_store_expire(rl_store *s, uint64_t now);

/* Replication and handover (7.4.1.1, 10.4, 10.7.3). A StoreReq (with
 * replica_number 0: the caller sets it) carrying everything stored at one
 * Resource-ID, each Kind with its generation and every live value with its
 * remaining lifetime (7.4.1.1: "it MUST adjust the lifetime value downward
 * to reflect the amount of time the value was stored at the peer").
 * kinds/kinds_count restrict it to some Kinds (NULL: all).
 * Returns 1 when *out is filled, 0 when nothing live is stored there,
 * RL_ERR_ARENA. */
int rl_store_export(const rl_store *s, const uint8_t *resource_id, const rl_KindId *kinds,
                    size_t kinds_count, uint64_t now, rl_arena *arena, rl_StoreReq *out);

/* Export one Resource-ID in parts (10.4, 10.7.3, 10.9): replication and
 * handover of a resource of any size, each part a StoreReq whose values
 * take at most `budget` encoded bytes (a part holds at least one value,
 * whatever its size, and at most RL_STORE_PART_MAX_VALUES), so that the message carrying it stays within
 * max-message-size. Start with a zeroed position; each call fills *out
 * with the next part, every Kind with its generation counter, and
 * advances *pos. The store may change between calls (a value stored
 * meanwhile at a position already passed goes with the next export).
 * Returns 1 when *out is filled, 0 when the resource has no more live
 * values, RL_ERR_ARENA. */
#define RL_STORE_PART_MAX_VALUES 256 /* values in one part at most */
typedef struct rl_store_part_pos {
  size_t kind;   /* index among the resource's Kinds */
  size_t value;  /* index among that Kind's values */
} rl_store_part_pos;

int rl_store_export_part(const rl_store *s, const uint8_t *resource_id, uint64_t now,
                         size_t budget, rl_store_part_pos *pos, rl_arena *arena,
                         rl_StoreReq *out);

/* An upper bound of the encoded size of one StoredData (7). */
size_t rl_store_stored_data_size(const rl_StoredData *sd);

/* Iterating over the Resource-IDs of a range, clockwise from range->after.
 * Start with a zeroed cursor. The store may change between calls. */
typedef struct rl_store_cursor {
  uint8_t last[RL_STORE_MAX_ID];
  int segment; /* 0, 1: the two halves of a range that wraps; 2: done */
  int started;
} rl_store_cursor;

/* The next Resource-ID of the range with live data, as rl_store_export.
 * Returns 1 when *out is filled, 0 at the end, RL_ERR_ARENA. */
int rl_store_export_next(const rl_store *s, const rl_store_range *range, uint64_t now,
                         rl_store_cursor *cursor, rl_arena *arena, rl_StoreReq *out);

/* The next Resource-ID of the range with live data, written to out
 * (id_len bytes), without exporting it. Returns 1, or 0 at the end. */
int rl_store_next_resource(const rl_store *s, const rl_store_range *range, uint64_t now,
                           rl_store_cursor *cursor, uint8_t *out);

/* Drop every value of the Resource-IDs in range (after a handover, or when
 * this peer stops being a replica). Returns the number of values freed. */
size_t rl_store_drop_range(rl_store *s, const rl_store_range *range);

typedef struct rl_store_stats {
  size_t resources;   /* Resource-IDs with at least one value (expired included until swept) */
  size_t values;
  size_t bytes_used;  /* counted against the budget */
  size_t budget;
} rl_store_stats;

void rl_store_get_stats(const rl_store *s, rl_store_stats *out);

#endif
