/* store_int.h: the store's internal representation, shared by store.c
 * (changes: Store, expiry, Kind table) and query.c (answers: Fetch, Stat,
 * Find, export). Not installed. */
#ifndef RL_STORAGE_STORE_INT_H
#define RL_STORAGE_STORE_INT_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "storage/store.h"

/* One stored value (a StoredData, 7): the fields of the request copied into
 * one malloc block. The value is kept with its 4 length bytes in front
 * (`framed`), as DataValue puts it on the wire, because Stat hashes exactly
 * that (7.4.3.2: "including its 4 leading length bytes"). */
typedef struct rl_sval {
  uint64_t storage_time;
  uint64_t expires;       /* local ms: the value is gone when now >= expires */
  size_t size;            /* bytes charged to the budget */
  uint32_t index;         /* array: the resolved index (never 0xffffffff) */
  uint8_t exists;
  uint8_t sig_hash;       /* Signature.algorithm */
  uint8_t sig_alg;
  uint8_t id_type;        /* Signature.identity.identity_type */
  uint8_t id_hash_alg;    /* cert_hash / cert_hash_node_id: hash_alg */
  rl_bytes framed;        /* 4 length bytes + value */
  rl_bytes key;           /* dictionary */
  rl_bytes id_hash;       /* certificate hash, or the bytes of an unknown identity type */
  rl_bytes sig_value;
  uint8_t data[];
} rl_sval;

/* The values of one Kind at one Resource-ID. vals is sorted: by index for
 * arrays, by key (bytes, then length) for dictionaries; one entry at most
 * for a single value. */
typedef struct rl_skind {
  rl_KindId kind;
  rl_DataModel model;
  uint64_t generation;
  rl_sval **vals;
  size_t n;
} rl_skind;

typedef struct rl_sres {
  uint8_t id[RL_STORE_MAX_ID];
  rl_skind *kinds;
  size_t nkinds;
} rl_sres;

struct rl_store {
  size_t id_len;
  size_t budget;
  size_t used;
  size_t nvalues;
  rl_store_kind *kinds; /* sorted by id */
  size_t nkinds;
  rl_store_verify_fn verify;
  void *verify_user;
  rl_sres **res; /* sorted by id */
  size_t nres;
  size_t capres;
};

/* Bytes charged for the bookkeeping of a Resource-ID and of a Kind there. */
#define RL_SRES_COST (sizeof(rl_sres) + sizeof(rl_sres *))
#define RL_SKIND_COST (sizeof(rl_skind))

static inline int rl_sval_live(const rl_sval *v, uint64_t now) {
  return now < v->expires;
}

static inline rl_bytes rl_sval_value(const rl_sval *v) {
  rl_bytes b = {v->framed.ptr + 4, v->framed.len - 4};
  return b;
}

/* A StoredData for a stored value, pointing into the store, with the
 * remaining lifetime (query.c). */
void rl_store_build_stored(const rl_sval *v, rl_DataModel model, uint64_t now, rl_StoredData *out);

/* memcmp of two Resource-IDs of the store's length. */
int rl_store_idcmp(const rl_store *s, const uint8_t *a, const uint8_t *b);

/* Index of the first Resource-ID >= id (nres when none). */
size_t rl_store_lower_bound(const rl_store *s, const uint8_t *id);

/* The record at exactly id, or NULL. */
rl_sres *rl_store_res_lookup(const rl_store *s, const uint8_t *id);
rl_skind *rl_store_res_kind(const rl_sres *r, rl_KindId kind);

/* Dictionary key order. */
int rl_store_keycmp(rl_bytes a, rl_bytes b);

/* Fill err with code and a UTF-8 text in error_info (6.3.3.1), formatted
 * into the arena (the format itself when the arena is full). Returns code. */
int rl_store_fail(rl_arena *arena, rl_ErrorResponse *err, rl_ErrorCode code,
                  const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;

/* Error_Unknown_Kind with the distinct unknown Kind-IDs of ids (7.4.1.2);
 * returns 0 when every id is known, the error code, or RL_ERR_ARENA. The
 * list is <0..2^8-1> bytes: at most 63 Kind-IDs, the rest are left out. */
int rl_store_unknown_kinds(const rl_store *s, const rl_KindId *ids, size_t count,
                           size_t stride, rl_arena *arena, rl_ErrorResponse *err);

/* A Kind-ID twice in the list (scratch space from the arena). 1, 0, or
 * RL_ERR_ARENA. */
int rl_store_has_duplicate_kind(const rl_KindId *ids, size_t count, size_t stride,
                                rl_arena *arena);

#endif
