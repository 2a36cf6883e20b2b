/* query.c: the answers that read the store: Fetch (RFC 6940 7.4.2), Stat
 * (7.4.3), Find (7.4.4), and the export of stored data for replication.
 * Answers are built in the caller's arena and point into the store. See
 * store.h. */
#include <openssl/sha.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/error.h"
#include "storage/store.h"
#include "codec/message.h"
#include "storage/store_int.h"

#define LAST_INDEX 0xffffffffu

/* One entry of an answer: a stored value, or a synthesized nonexistent one
 * (v == NULL) at index / key. */
typedef struct slot {
  const rl_sval *v;
  uint32_t index;
  rl_bytes key;
} slot;

static uint32_t remaining_lifetime(const rl_sval *v, uint64_t now) {
  uint64_t left = v->expires > now ? (v->expires - now) / 1000u : 0;
  return left > UINT32_MAX ? UINT32_MAX : (uint32_t)left;
}

/* A StoredData for a stored value, pointing into the store. The lifetime is
 * what is left of it (7.4.1.1: a peer passing on data "MUST adjust the
 * lifetime value downward to reflect the amount of time the value was
 * stored at the peer"). */
void rl_store_build_stored(const rl_sval *v, rl_DataModel model, uint64_t now, rl_StoredData *out) {
  rl_DataValue *dv;
  rl_Signature *sig = &out->signature;
  memset(out, 0, sizeof *out);
  out->storage_time = v->storage_time;
  out->lifetime = remaining_lifetime(v, now);
  out->value.data_model = model;
  switch (model) {
  case RL_DataModel_single_value:
    dv = &out->value.single_value_entry;
    break;
  case RL_DataModel_array:
    out->value.array_entry.index = v->index;
    dv = &out->value.array_entry.value;
    break;
  default:
    out->value.dictionary_entry.key = v->key;
    dv = &out->value.dictionary_entry.value;
    break;
  }
  dv->exists = v->exists;
  dv->value = rl_sval_value(v);
  sig->algorithm.hash = v->sig_hash;
  sig->algorithm.signature = v->sig_alg;
  sig->identity.identity_type = v->id_type;
  switch (v->id_type) {
  case RL_SignerIdentityType_cert_hash:
    sig->identity.identity.cert_hash.hash_alg = v->id_hash_alg;
    sig->identity.identity.cert_hash.certificate_hash = v->id_hash;
    break;
  case RL_SignerIdentityType_cert_hash_node_id:
    sig->identity.identity.cert_hash_node_id.hash_alg = v->id_hash_alg;
    sig->identity.identity.cert_hash_node_id.certificate_node_id_hash = v->id_hash;
    break;
  case RL_SignerIdentityType_none:
    break;
  default:
    sig->identity.identity.unknown = v->id_hash;
    break;
  }
  sig->signature_value = v->sig_value;
}

/* 7.4.2.2: "A nonexistent value (i.e., one which the node has no knowledge
 * of) is represented by a synthetic value with "exists" set to False and
 * has an empty signature. Specifically, the identity_type is set to "none",
 * the SignatureAndHashAlgorithm values are set to {0, 0} ("anonymous" and
 * "none", respectively), and the signature value is of zero length."
 * storage_time and lifetime are 0: nothing was stored. */
static void build_synthetic(const slot *sl, rl_DataModel model, rl_StoredData *out) {
  memset(out, 0, sizeof *out);
  out->value.data_model = model;
  if (model == RL_DataModel_array) out->value.array_entry.index = sl->index;
  if (model == RL_DataModel_dictionary) out->value.dictionary_entry.key = sl->key;
  out->signature.algorithm.hash = RL_HashAlgorithm_none;
  out->signature.algorithm.signature = RL_SignatureAlgorithm_anonymous;
  out->signature.identity.identity_type = RL_SignerIdentityType_none;
}

/* 7.4.3.2 MetaData: "hash_value: A digest using hash_algorithm on the
 * value field of the DataValue, including its 4 leading length bytes". The
 * store keeps the value framed that way. StoredMetaData.value_length is
 * the length of the value too (the RFC's name; spec/KNOWN-DIFFERENCES.md). */
static int build_meta(const slot *sl, rl_DataModel model, uint64_t now, rl_arena *arena,
                      rl_StoredMetaData *out) {
  rl_MetaData *md;
  int rc = 0;
  memset(out, 0, sizeof *out);
  out->metadata.data_model = model;
  switch (model) {
  case RL_DataModel_single_value:
    md = &out->metadata.single_value_entry;
    break;
  case RL_DataModel_array:
    out->metadata.array_entry.index = sl->v ? sl->v->index : sl->index;
    md = &out->metadata.array_entry.value;
    break;
  default:
    out->metadata.dictionary_entry.key = sl->v ? sl->v->key : sl->key;
    md = &out->metadata.dictionary_entry.value;
    break;
  }
  if (sl->v == NULL) {
    /* Nothing stored: nothing to hash. */
    md->hash_algorithm = RL_HashAlgorithm_none;
    goto done;
  }
  {
    uint8_t *digest = rl_arena_alloc(arena, SHA256_DIGEST_LENGTH);
    rl_bytes value = rl_sval_value(sl->v);
    if (digest == NULL) {
      rc = RL_ERR_ARENA;
      goto done;
    }
    SHA256(sl->v->framed.ptr, sl->v->framed.len, digest);
    out->value_length = (uint32_t)value.len;
    out->storage_time = sl->v->storage_time;
    out->lifetime = remaining_lifetime(sl->v, now);
    md->exists = sl->v->exists;
    md->value_length = (uint32_t)value.len;
    md->hash_algorithm = RL_HashAlgorithm_sha256;
    md->hash_value.ptr = digest;
    md->hash_value.len = SHA256_DIGEST_LENGTH;
  }
done:
  return rc;
}

/* ---------------------------------------------------------------------
 * Selecting values (StoredDataSpecifier, 7.4.2.1)
 * --------------------------------------------------------------------- */

static int cmp_range(const void *a, const void *b) {
  const rl_ArrayRange *x = a, *y = b;
  return (x->first > y->first) - (x->first < y->first);
}

/* 7.4.2.1: "The first integer MUST be less than or equal to the second.
 * While multiple ranges MAY be specified, they MUST NOT overlap." Checked on
 * the values as sent (0xffffffff is the largest). 1 when they break it. */
static int ranges_invalid(const rl_StoredDataSpecifier *spec, rl_arena *arena, int *bad) {
  size_t saved = arena->hi;
  rl_ArrayRange *sorted = NULL;
  int rc = 0;
  *bad = 0;
  for (size_t i = 0; i < spec->indices_count; i++) {
    if (spec->indices[i].first > spec->indices[i].last) *bad = 1;
  }
  if (*bad || spec->indices_count < 2) goto done;
  sorted = rl_arena_scratch(arena, spec->indices_count, sizeof *sorted);
  if (sorted == NULL) {
    rc = RL_ERR_ARENA;
    goto done;
  }
  memcpy(sorted, spec->indices, spec->indices_count * sizeof *sorted);
  qsort(sorted, spec->indices_count, sizeof *sorted, cmp_range);
  for (size_t i = 1; i < spec->indices_count; i++) {
    if (sorted[i].first <= sorted[i - 1].last) *bad = 1;
  }
done:
  arena->hi = saved;
  return rc;
}

/* The live value at index, or NULL; *pos advances through the sorted
 * vector (callers walk indices upwards). */
static const rl_sval *array_at(const rl_skind *k, uint32_t index, size_t *pos, uint64_t now) {
  const rl_sval *v = NULL;
  while (*pos < k->n && k->vals[*pos]->index < index) (*pos)++;
  if (*pos < k->n && k->vals[*pos]->index == index && rl_sval_live(k->vals[*pos], now))
    v = k->vals[*pos];
  return v;
}

static size_t array_pos(const rl_skind *k, uint32_t index) {
  size_t lo = 0, hi = k->n;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (k->vals[mid]->index < index)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo;
}

static const rl_sval *dict_at(const rl_skind *k, rl_bytes key, uint64_t now) {
  size_t lo = 0, hi = k ? k->n : 0;
  const rl_sval *v = NULL;
  while (lo < hi && v == NULL) {
    size_t mid = lo + (hi - lo) / 2;
    int c = rl_store_keycmp(k->vals[mid]->key, key);
    if (c == 0)
      v = k->vals[mid];
    else if (c < 0)
      lo = mid + 1;
    else
      hi = mid;
  }
  return v != NULL && rl_sval_live(v, now) ? v : NULL;
}

/* The slots a specifier selects, in the top (scratch) end of the arena: the
 * caller restores arena->hi after converting them. */
static int select_slots(const rl_skind *k, const rl_StoredDataSpecifier *spec, rl_DataModel model,
                        uint64_t now, rl_arena *arena, slot **out, size_t *count) {
  size_t n = 0, total = 0;
  uint32_t len = 0;
  slot *slots = NULL;
  int rc = 0;
  *out = NULL;
  *count = 0;
  if (model == RL_DataModel_single_value) {
    slots = rl_arena_scratch(arena, 1, sizeof *slots);
    if (slots == NULL) goto full;
    memset(slots, 0, sizeof *slots);
    if (k != NULL && k->n > 0 && rl_sval_live(k->vals[0], now)) slots[0].v = k->vals[0];
    n = 1;
  } else if (model == RL_DataModel_array) {
    /* The array ends at its last live value: 0xffffffff "is used to indicate
     * the final element", and indices past it are not part of the array. */
    for (size_t i = k ? k->n : 0; i > 0 && len == 0; i--) {
      if (rl_sval_live(k->vals[i - 1], now)) len = k->vals[i - 1]->index + 1;
    }
    for (size_t r = 0; r < spec->indices_count && len > 0; r++) {
      uint32_t f = spec->indices[r].first == LAST_INDEX ? len - 1 : spec->indices[r].first;
      uint32_t l = spec->indices[r].last == LAST_INDEX ? len - 1 : spec->indices[r].last;
      if (l > len - 1) l = len - 1;
      if (f <= l) total += (size_t)(l - f) + 1;
    }
    slots = total > 0 ? rl_arena_scratch(arena, total, sizeof *slots) : NULL;
    if (total > 0 && slots == NULL) goto full;
    for (size_t r = 0; r < spec->indices_count && len > 0; r++) {
      uint32_t f = spec->indices[r].first == LAST_INDEX ? len - 1 : spec->indices[r].first;
      uint32_t l = spec->indices[r].last == LAST_INDEX ? len - 1 : spec->indices[r].last;
      size_t pos;
      if (l > len - 1) l = len - 1;
      if (f > l) continue;
      pos = array_pos(k, f);
      for (uint32_t i = f;; i++) {
        /* 7.2.2: "Future attempts to fetch elements at index 0 or 1 will
         * return values with "exists" set to False." */
        slots[n].v = array_at(k, i, &pos, now);
        slots[n].index = i;
        slots[n].key.ptr = NULL;
        slots[n].key.len = 0;
        n++;
        if (i == l) break;
      }
    }
  } else if (spec->keys_count == 0) {
    /* 7.4.2.1: "If no keys are specified, then this is a wildcard fetch and
     * all key-value pairs are returned." */
    for (size_t i = 0; k != NULL && i < k->n; i++) total += rl_sval_live(k->vals[i], now);
    slots = total > 0 ? rl_arena_scratch(arena, total, sizeof *slots) : NULL;
    if (total > 0 && slots == NULL) goto full;
    for (size_t i = 0; k != NULL && i < k->n; i++) {
      if (!rl_sval_live(k->vals[i], now)) continue;
      memset(&slots[n], 0, sizeof slots[n]);
      slots[n++].v = k->vals[i];
    }
  } else {
    slots = rl_arena_scratch(arena, spec->keys_count, sizeof *slots);
    if (slots == NULL) goto full;
    for (size_t i = 0; i < spec->keys_count; i++) {
      memset(&slots[n], 0, sizeof slots[n]);
      slots[n].v = dict_at(k, spec->keys[i], now);
      slots[n].key = spec->keys[i];
      n++;
    }
  }
  *out = slots;
  *count = n;
  goto done;
full:
  rc = RL_ERR_ARENA;
done:
  return rc;
}

/* The checks Fetch and Stat share: Resource-ID, Kinds, specifiers. */
static int check_specifiers(const rl_store *s, rl_bytes resource, const rl_StoredDataSpecifier *specs,
                            size_t count, const char *what, rl_arena *arena, rl_ErrorResponse *err) {
  int rc = 0;
  if (resource.len != s->id_len) {
    rc = rl_store_fail(arena, err, RL_ErrorCode_Error_Invalid_Message,
                       "%s.resource: %zu bytes, the overlay's Resource-IDs have %zu", what,
                       resource.len, s->id_len);
    goto done;
  }
  /* 7.4.2.1: "Implementations SHOULD reject requests corresponding to
   * unknown Kinds"; 7.4.1.2: "If any type of request tries to access a data
   * Kind that the peer does not know about, the peer MUST fail the request
   * and generate an Error_Unknown_Kind error." */
  rc = rl_store_unknown_kinds(s, count ? &specs[0].kind : NULL, count, sizeof specs[0], arena, err);
  if (rc != 0) goto done;
  for (size_t i = 0; i < count; i++) {
    const rl_store_kind *def = rl_store_find_kind(s, specs[i].kind);
    int bad = 0;
    if (specs[i].data_model != def->data_model) {
      rc = rl_store_fail(arena, err, RL_ErrorCode_Error_Invalid_Message,
                         "%s.specifiers[%zu]: not a %s specifier", what, i,
                         rl_DataModel_name(def->data_model));
      goto done;
    }
    if (def->data_model == RL_DataModel_array) {
      rc = ranges_invalid(&specs[i], arena, &bad);
      if (rc != 0) goto done;
      if (bad) {
        rc = rl_store_fail(arena, err, RL_ErrorCode_Error_Invalid_Message,
                           "%s.specifiers[%zu].indices: a range with first > last, or "
                           "ranges that overlap",
                           what, i);
        goto done;
      }
    }
  }
done:
  return rc;
}

/* 7.4.2.1: "If the generation counter in the request matches the stored
 * counter, then the storing peer returns a response with no StoredData
 * values." A generation of zero "may be set to zero": it asks for
 * everything. */
static int unchanged(const rl_StoredDataSpecifier *spec, uint64_t stored) {
  return spec->generation != 0 && spec->generation == stored;
}

/* The values one specifier selects, shared by Fetch and Stat (7.4.3.1: "The
 * Stat request is identical to the Fetch request"; 7.4.3.2: so is the
 * answer's generation rule). Fills *generation; the slot list stays empty when the
 * requester already has this generation. Slots live in arena scratch space:
 * the caller restores arena->hi when done with them. */
static int kind_slots(const rl_sres *r, const rl_StoredDataSpecifier *spec, uint64_t now,
                      rl_arena *arena, uint64_t *generation, slot **slots, size_t *n) {
  const rl_skind *k = rl_store_res_kind(r, spec->kind);
  *generation = k ? k->generation : 0;
  *slots = NULL;
  *n = 0;
  if (unchanged(spec, *generation)) return 0;
  return select_slots(k, spec, spec->data_model, now, arena, slots, n);
}

int rl_store_fetch(const rl_store *s, const rl_FetchReq *req, uint64_t now, rl_arena *arena,
                   rl_FetchAns *ans, rl_ErrorResponse *err) {
  int rc = 0;
  const rl_sres *r;
  memset(ans, 0, sizeof *ans);
  memset(err, 0, sizeof *err);
  rc = check_specifiers(s, req->resource, req->specifiers, req->specifiers_count, "FetchReq", arena,
                        err);
  if (rc != 0) goto done;
  r = rl_store_res_lookup(s, req->resource.ptr);
  /* 7.4.2.2: "There MUST be one FetchKindResponse element for each Kind-ID
   * in the request." */
  ans->kind_responses = rl_arena_alloc_array(arena, req->specifiers_count, sizeof *ans->kind_responses);
  if (ans->kind_responses == NULL) goto full;
  for (size_t i = 0; i < req->specifiers_count; i++) {
    const rl_StoredDataSpecifier *spec = &req->specifiers[i];
    rl_FetchKindResponse *kr = &ans->kind_responses[i];
    size_t saved = arena->hi;
    slot *slots;
    size_t n;
    memset(kr, 0, sizeof *kr);
    kr->kind = spec->kind;
    ans->kind_responses_count = i + 1;
    rc = kind_slots(r, spec, now, arena, &kr->generation, &slots, &n);
    if (rc == 0 && n > 0) {
      kr->values = rl_arena_alloc_array(arena, n, sizeof *kr->values);
      if (kr->values == NULL) rc = RL_ERR_ARENA;
    }
    for (size_t j = 0; rc == 0 && j < n; j++) {
      if (slots[j].v != NULL)
        rl_store_build_stored(slots[j].v, spec->data_model, now, &kr->values[j]);
      else
        build_synthetic(&slots[j], spec->data_model, &kr->values[j]);
    }
    kr->values_count = rc == 0 ? n : 0;
    arena->hi = saved;
    if (rc != 0) goto done;
  }
  goto done;
full:
  rc = RL_ERR_ARENA;
done:
  if (rc != 0) memset(ans, 0, sizeof *ans);
  return rc;
}

int rl_store_stat(const rl_store *s, const rl_StatReq *req, uint64_t now, rl_arena *arena,
                  rl_StatAns *ans, rl_ErrorResponse *err) {
  int rc = 0;
  const rl_sres *r;
  memset(ans, 0, sizeof *ans);
  memset(err, 0, sizeof *err);
  /* 7.4.3.1: "The Stat request is identical to the Fetch request." */
  rc = check_specifiers(s, req->resource, req->specifiers, req->specifiers_count, "StatReq", arena,
                        err);
  if (rc != 0) goto done;
  r = rl_store_res_lookup(s, req->resource.ptr);
  ans->kind_responses = rl_arena_alloc_array(arena, req->specifiers_count, sizeof *ans->kind_responses);
  if (ans->kind_responses == NULL) {
    rc = RL_ERR_ARENA;
    goto done;
  }
  for (size_t i = 0; i < req->specifiers_count; i++) {
    const rl_StoredDataSpecifier *spec = &req->specifiers[i];
    rl_StatKindResponse *kr = &ans->kind_responses[i];
    size_t saved = arena->hi;
    slot *slots;
    size_t n;
    memset(kr, 0, sizeof *kr);
    kr->kind = spec->kind;
    ans->kind_responses_count = i + 1;
    rc = kind_slots(r, spec, now, arena, &kr->generation, &slots, &n);
    if (rc == 0 && n > 0) {
      kr->values = rl_arena_alloc_array(arena, n, sizeof *kr->values);
      if (kr->values == NULL) rc = RL_ERR_ARENA;
    }
    for (size_t j = 0; rc == 0 && j < n; j++)
      rc = build_meta(&slots[j], spec->data_model, now, arena, &kr->values[j]);
    kr->values_count = rc == 0 ? n : 0;
    arena->hi = saved;
    if (rc != 0) goto done;
  }
done:
  if (rc != 0) memset(ans, 0, sizeof *ans);
  return rc;
}

/* ---------------------------------------------------------------------
 * Ranges of the ring, Find
 * --------------------------------------------------------------------- */

int rl_store_range_contains(const rl_store *s, const rl_store_range *range, const uint8_t *id) {
  int c = rl_store_idcmp(s, range->after, range->upto);
  int in;
  if (c == 0)
    in = 1; /* the whole ring */
  else if (c < 0)
    in = rl_store_idcmp(s, id, range->after) > 0 && rl_store_idcmp(s, id, range->upto) <= 0;
  else
    in = rl_store_idcmp(s, id, range->after) > 0 || rl_store_idcmp(s, id, range->upto) <= 0;
  return in;
}

static int has_live(const rl_skind *k, uint64_t now) {
  int live = 0;
  for (size_t i = 0; k != NULL && i < k->n && !live; i++) live = rl_sval_live(k->vals[i], now);
  return live;
}

/* The first record from index i upwards with live data of kind, stopping
 * after upto (NULL: at the end). */
static const rl_sres *scan(const rl_store *s, size_t i, const uint8_t *upto, rl_KindId kind,
                           uint64_t now) {
  const rl_sres *found = NULL;
  for (; i < s->nres && found == NULL; i++) {
    if (upto != NULL && rl_store_idcmp(s, s->res[i]->id, upto) > 0) break;
    if (has_live(rl_store_res_kind(s->res[i], kind), now)) found = s->res[i];
  }
  return found;
}

int rl_store_find(const rl_store *s, const rl_FindReq *req, const rl_store_range *responsible,
                  uint64_t now, rl_arena *arena, rl_FindAns *ans, rl_ErrorResponse *err) {
  uint8_t *zero = NULL;
  size_t n = 0;
  int rc = 0;
  memset(ans, 0, sizeof *ans);
  memset(err, 0, sizeof *err);
  if (req->resource.len != s->id_len) {
    rc = rl_store_fail(arena, err, RL_ErrorCode_Error_Invalid_Message,
                       "FindReq.resource: %zu bytes, the overlay's Resource-IDs have %zu",
                       req->resource.len, s->id_len);
    goto done;
  }
  /* 7.4.4.1: "Each value MUST appear only once. Otherwise, the request
   * MUST be rejected with an error." */
  rc = rl_store_has_duplicate_kind(req->kinds, req->kinds_count, sizeof req->kinds[0], arena);
  if (rc == 1) {
    rc = rl_store_fail(arena, err, RL_ErrorCode_Error_Invalid_Message,
                       "FindReq.kinds: a Kind-ID appears twice");
    goto done;
  }
  if (rc != 0) goto done;
  /* 7.4.4.2: "If the processing peer is not responsible for the specified
   * Resource-ID, it SHOULD return an Error_Not_Found error code." */
  if (!rl_store_range_contains(s, responsible, req->resource.ptr)) {
    rc = rl_store_fail(arena, err, RL_ErrorCode_Error_Not_Found,
                       "FindReq.resource: this peer is not responsible for it");
    goto done;
  }
  zero = rl_arena_alloc(arena, s->id_len);
  ans->results = rl_arena_alloc_array(arena, req->kinds_count, sizeof *ans->results);
  if (zero == NULL || (req->kinds_count > 0 && ans->results == NULL)) {
    rc = RL_ERR_ARENA;
    goto done;
  }
  memset(zero, 0, s->id_len);
  for (size_t i = 0; i < req->kinds_count; i++) {
    const rl_store_kind *def = rl_store_find_kind(s, req->kinds[i]);
    const rl_sres *found = NULL;
    rl_FindKindData *fk = &ans->results[n];
    /* 7.4.4.2: "unless the Kind is not allowed to be used with Find, in
     * which case a FindKindData for that Kind-ID MUST NOT be included". */
    if (def != NULL && def->no_find) continue;
    /* 7.4.4: "the Resource-ID, if any, of the resource of Kind T known to
     * the target peer which is closest to R", walked by "R_n+1 =
     * nearest(1 + R_n)": the first at or after R, clockwise, up to the end
     * of the range this peer answers for. */
    if (def != NULL) {
      size_t start = rl_store_lower_bound(s, req->resource.ptr);
      if (rl_store_idcmp(s, req->resource.ptr, responsible->upto) <= 0) {
        found = scan(s, start, responsible->upto, def->id, now);
      } else {
        found = scan(s, start, NULL, def->id, now);
        if (found == NULL) found = scan(s, 0, responsible->upto, def->id, now);
      }
    }
    memset(fk, 0, sizeof *fk);
    fk->kind = req->kinds[i];
    /* "If a Kind-ID is not known, then the corresponding Resource-ID MUST
     * be 0"; "It is 0 if no Resource-ID is known." */
    fk->closest.ptr = found != NULL ? found->id : zero;
    fk->closest.len = s->id_len;
    n++;
  }
  ans->results_count = n;
done:
  return rc;
}

/* ---------------------------------------------------------------------
 * Export for replication and handover
 * --------------------------------------------------------------------- */

static int wanted(rl_KindId kind, const rl_KindId *kinds, size_t count) {
  int want = kinds == NULL;
  for (size_t i = 0; i < count && !want; i++) want = kinds[i] == kind;
  return want;
}

static int export_res(const rl_store *s, const rl_sres *r, const rl_KindId *kinds, size_t kinds_count,
                      uint64_t now, rl_arena *arena, rl_StoreReq *out) {
  size_t nk = 0;
  int rc = 0;
  memset(out, 0, sizeof *out);
  for (size_t i = 0; i < r->nkinds; i++)
    nk += wanted(r->kinds[i].kind, kinds, kinds_count) && has_live(&r->kinds[i], now);
  if (nk == 0) goto done;
  out->kind_data = rl_arena_alloc_array(arena, nk, sizeof *out->kind_data);
  if (out->kind_data == NULL) {
    rc = RL_ERR_ARENA;
    goto done;
  }
  out->resource.ptr = r->id;
  out->resource.len = s->id_len;
  for (size_t i = 0; i < r->nkinds; i++) {
    const rl_skind *k = &r->kinds[i];
    rl_StoreKindData *kd = &out->kind_data[out->kind_data_count];
    size_t live = 0;
    if (!wanted(k->kind, kinds, kinds_count) || !has_live(k, now)) continue;
    for (size_t j = 0; j < k->n; j++) live += rl_sval_live(k->vals[j], now);
    memset(kd, 0, sizeof *kd);
    kd->kind = k->kind;
    /* 7.4.1.1: replica stores carry the generation, and a replica "MUST set
     * the generation counter to match". */
    kd->generation_counter = k->generation;
    kd->values = rl_arena_alloc_array(arena, live, sizeof *kd->values);
    if (kd->values == NULL) {
      rc = RL_ERR_ARENA;
      goto done;
    }
    for (size_t j = 0; j < k->n; j++) {
      if (rl_sval_live(k->vals[j], now)) rl_store_build_stored(k->vals[j], k->model, now, &kd->values[kd->values_count++]);
    }
    out->kind_data_count++;
  }
  rc = 1;
done:
  if (rc < 0) memset(out, 0, sizeof *out);
  return rc;
}

int rl_store_export(const rl_store *s, const uint8_t *resource_id, const rl_KindId *kinds,
                    size_t kinds_count, uint64_t now, rl_arena *arena, rl_StoreReq *out) {
  const rl_sres *r = rl_store_res_lookup(s, resource_id);
  int rc = 0;
  memset(out, 0, sizeof *out);
  if (r != NULL) rc = export_res(s, r, kinds, kinds_count, now, arena, out);
  return rc;
}

/* First index with id > after (after == NULL: from the start). */
static size_t upper_bound(const rl_store *s, const uint8_t *after) {
  size_t i = 0;
  if (after != NULL) {
    i = rl_store_lower_bound(s, after);
    if (i < s->nres && rl_store_idcmp(s, s->res[i]->id, after) == 0) i++;
  }
  return i;
}

int rl_store_export_next(const rl_store *s, const rl_store_range *range, uint64_t now,
                         rl_store_cursor *cur, rl_arena *arena, rl_StoreReq *out) {
  int wraps = rl_store_idcmp(s, range->after, range->upto) >= 0;
  int rc = 0;
  memset(out, 0, sizeof *out);
  /* Segment 0: (after, upto] or, for a range that wraps (or the whole
   * ring), (after, end of the ring]; segment 1: [start of the ring, upto]. */
  while (rc == 0 && cur->segment < 2) {
    const uint8_t *from = cur->started ? cur->last : cur->segment == 0 ? range->after : NULL;
    const uint8_t *upto = cur->segment == 0 && wraps ? NULL : range->upto;
    size_t i = upper_bound(s, from);
    for (; i < s->nres && rc == 0; i++) {
      if (upto != NULL && rl_store_idcmp(s, s->res[i]->id, upto) > 0) break;
      rc = export_res(s, s->res[i], NULL, 0, now, arena, out);
      if (rc == 1) {
        memcpy(cur->last, s->res[i]->id, s->id_len);
        cur->started = 1;
      }
    }
    if (rc == 0) {
      cur->segment = cur->segment == 0 && wraps ? 1 : 2;
      cur->started = 0;
    }
  }
  return rc;
}

size_t rl_store_stored_data_size(const rl_StoredData *sd) {
  const rl_DataValue *dv;
  const rl_Signature *sig = &sd->signature;
  /* length 4, storage_time 8, lifetime 4; StoredDataValue: index 4 or key
   * 2 + bytes, exists 1, value 4 + bytes; Signature: algorithm 2, identity
   * type 1 + length 2 + hash algorithm 1 + hash 1 + bytes, value 2 +
   * bytes. Each variable part is bounded by its length field, so the sum
   * cannot overflow a size_t. */
  size_t n = 4 + 8 + 4 + 4 + 1 + 4 + 2 + 1 + 2 + 1 + 1 + 2;
  if (sd->value.data_model == RL_DataModel_dictionary) n += 2 + sd->value.dictionary_entry.key.len;
  dv = rl_stored_data_value(&sd->value);
  n += (dv ? dv->value.len : 0) + sig->signature_value.len;
  switch (sig->identity.identity_type) {
  case RL_SignerIdentityType_cert_hash:
    n += sig->identity.identity.cert_hash.certificate_hash.len;
    break;
  case RL_SignerIdentityType_cert_hash_node_id:
    n += sig->identity.identity.cert_hash_node_id.certificate_node_id_hash.len;
    break;
  case RL_SignerIdentityType_none:
    break;
  default:
    n += sig->identity.identity.unknown.len;
    break;
  }
  return n;
}

/* The live values of k from index *from, as many as `budget` bytes take
 * (one at least when `force`), appended to kd (room for all of k's
 * values). Returns the bytes taken. */
static size_t part_values(const rl_skind *k, uint64_t now, size_t *from, size_t budget, int force,
                          size_t room, rl_StoreKindData *kd) {
  size_t used = 0;
  for (; *from < k->n && kd->values_count < room; (*from)++) {
    rl_StoredData sd;
    size_t sz;
    if (!rl_sval_live(k->vals[*from], now)) continue;
    rl_store_build_stored(k->vals[*from], k->model, now, &sd);
    sz = rl_store_stored_data_size(&sd);
    if (!(force && kd->values_count == 0) && used + sz > budget) break;
    kd->values[kd->values_count++] = sd;
    used += sz;
  }
  return used;
}

int rl_store_export_part(const rl_store *s, const uint8_t *resource_id, uint64_t now,
                         size_t budget, rl_store_part_pos *pos, rl_arena *arena,
                         rl_StoreReq *out) {
  const rl_sres *r = rl_store_res_lookup(s, resource_id);
  size_t used = 0, room;
  memset(out, 0, sizeof *out);
  if (r == NULL) return 0;
  out->resource.ptr = r->id;
  out->resource.len = s->id_len;
  out->kind_data = rl_arena_alloc_array(arena, r->nkinds ? r->nkinds : 1, sizeof *out->kind_data);
  if (out->kind_data == NULL) return RL_ERR_ARENA;
  /* StoreKindData: kind 4, generation 8, values length 4. */
  for (; pos->kind < r->nkinds; pos->kind++, pos->value = 0) {
    const rl_skind *k = &r->kinds[pos->kind];
    rl_StoreKindData *kd = &out->kind_data[out->kind_data_count];
    if (pos->value >= k->n || !has_live(k, now)) continue;
    if (out->kind_data_count > 0 && used + 16 > budget) break;
    memset(kd, 0, sizeof *kd);
    kd->kind = k->kind;
    kd->generation_counter = k->generation;
    /* A part's values are bounded in count too, so that the arena it is
     * built in need not hold a whole Kind of small values. */
    room = k->n - pos->value < RL_STORE_PART_MAX_VALUES ? k->n - pos->value : RL_STORE_PART_MAX_VALUES;
    kd->values = rl_arena_alloc_array(arena, room, sizeof *kd->values);
    if (kd->values == NULL) {
      memset(out, 0, sizeof *out);
      return RL_ERR_ARENA;
    }
    used += 16;
    used += part_values(k, now, &pos->value, budget > used ? budget - used : 0,
                        out->kind_data_count == 0, room, kd);
    if (kd->values_count > 0) out->kind_data_count++;
    if (pos->value < k->n) break; /* the budget is spent */
  }
  if (out->kind_data_count == 0) {
    memset(out, 0, sizeof *out);
    return 0;
  }
  return 1;
}

int rl_store_next_resource(const rl_store *s, const rl_store_range *range, uint64_t now,
                           rl_store_cursor *cur, uint8_t *out) {
  int wraps = rl_store_idcmp(s, range->after, range->upto) >= 0;
  /* The segments as in rl_store_export_next. */
  while (cur->segment < 2) {
    const uint8_t *from = cur->started ? cur->last : cur->segment == 0 ? range->after : NULL;
    const uint8_t *upto = cur->segment == 0 && wraps ? NULL : range->upto;
    for (size_t i = upper_bound(s, from); i < s->nres; i++) {
      const rl_sres *r = s->res[i];
      if (upto != NULL && rl_store_idcmp(s, r->id, upto) > 0) break;
      for (size_t k = 0; k < r->nkinds; k++) {
        if (!has_live(&r->kinds[k], now)) continue;
        memcpy(cur->last, r->id, s->id_len);
        cur->started = 1;
        memcpy(out, r->id, s->id_len);
        return 1;
      }
    }
    cur->segment = cur->segment == 0 && wraps ? 1 : 2;
    cur->started = 0;
  }
  return 0;
}
