/* peer/ops.h: building the storage requests of RFC 6940 section 7 for an
 * application (reload-client, the SIP usage): Resource-IDs from names,
 * signed StoredData values, Fetch/Stat/Find specifiers. */
#ifndef RL_PEER_OPS_H
#define RL_PEER_OPS_H

#include <stddef.h>
#include <stdint.h>

#include "gen/reload_codec.h"
#include "overlay/config.h"
#include "runtime/arena.h"
#include "security/credentials.h"

/* A Kind named in the configuration (its name, e.g. "SIP-REGISTRATION",
 * or its number). Returns 0 with id and data model, or RL_ERR_NOT_FOUND. */
int rl_ops_kind(const rl_overlay_config *cfg, const char *text, rl_KindId *id, rl_DataModel *model);

/* A Resource-ID (id_len bytes into out) from a command-line form:
 *   NAME              H(NAME) (7.3.1: e.g. a user name or a SIP AOR)
 *   node:             H(our Node-ID)          (NODE-MATCH, 7.3.2)
 *   node-multiple:I   H(our Node-ID || I)     (NODE-MULTIPLE, 7.3.4)
 *   hex:HEX           exactly these bytes
 * Returns 0, or RL_ERR_SYNTAX with a reason. */
int rl_ops_resource(const rl_credentials *cred, size_t id_len, const char *text, uint8_t *out,
                    char *why, size_t whylen);

/* One value to store (7.2). */
typedef struct rl_ops_value {
  uint32_t index;     /* array: 0xffffffff appends (7.2.2) */
  rl_bytes key;       /* dictionary */
  rl_bytes value;
  int exists;         /* 0: store a tombstone (delete, 7.2) */
} rl_ops_value;

/* A signed StoreReq body for one Kind: values get storage_time now_ms,
 * the lifetime, and a signature by cred (7.1). Memory from a. */
int rl_ops_store_req(const rl_credentials *cred, const uint8_t *resource, size_t id_len,
                     rl_KindId kind, rl_DataModel model, uint64_t generation,
                     const rl_ops_value *values, size_t nvalues, uint32_t lifetime,
                     uint64_t now_ms, rl_arena *a, rl_StoreReq *out);

/* A FetchReq (or StatReq: same shape) for one Kind: an array range
 * [first, last] or dictionary keys, or everything (nkeys 0, no range). */
int rl_ops_fetch_req(const uint8_t *resource, size_t id_len, rl_KindId kind, rl_DataModel model,
                     int has_range, uint32_t first, uint32_t last, const rl_bytes *keys,
                     size_t nkeys, rl_arena *a, rl_FetchReq *out);

#endif
