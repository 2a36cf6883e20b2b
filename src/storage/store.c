/* store.c: the store's state and the requests that change it (Store,
 * RFC 6940 7.4.1), expiry, the Kind table. Answers that only read are in
 * query.c. See store.h. */
#include "storage/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/error.h"
#include "storage/store_int.h"

#define APPEND_INDEX 0xffffffffu

/* ---------------------------------------------------------------------
 * Shared helpers (declared in store_int.h)
 * --------------------------------------------------------------------- */

int rl_store_idcmp(const rl_store *s, const uint8_t *a, const uint8_t *b) {
  return memcmp(a, b, s->id_len);
}

size_t rl_store_lower_bound(const rl_store *s, const uint8_t *id) {
  size_t lo = 0, hi = s->nres;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (rl_store_idcmp(s, s->res[mid]->id, id) < 0)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo;
}

rl_sres *rl_store_res_lookup(const rl_store *s, const uint8_t *id) {
  size_t i = rl_store_lower_bound(s, id);
  rl_sres *r = NULL;
  if (i < s->nres && rl_store_idcmp(s, s->res[i]->id, id) == 0) r = s->res[i];
  return r;
}

rl_skind *rl_store_res_kind(const rl_sres *r, rl_KindId kind) {
  rl_skind *k = NULL;
  for (size_t i = 0; r != NULL && i < r->nkinds && k == NULL; i++) {
    if (r->kinds[i].kind == kind) k = &r->kinds[i];
  }
  return k;
}

int rl_store_keycmp(rl_bytes a, rl_bytes b) {
  size_t n = a.len < b.len ? a.len : b.len;
  int c = n > 0 ? memcmp(a.ptr, b.ptr, n) : 0;
  if (c == 0) c = (a.len > b.len) - (a.len < b.len);
  return c;
}

int rl_store_fail(rl_arena *arena, rl_ErrorResponse *err, rl_ErrorCode code,
                  const char *fmt, ...) {
  enum { TEXT_MAX = 240 };
  char *text = rl_arena_alloc(arena, TEXT_MAX);
  memset(err, 0, sizeof *err);
  err->error_code = code;
  if (text != NULL) {
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(text, TEXT_MAX, fmt, ap);
    va_end(ap);
    size_t len = n < 0 ? 0 : (size_t)n >= TEXT_MAX ? TEXT_MAX - 1 : (size_t)n;
    err->error_info.unknown.ptr = (const uint8_t *)text;
    err->error_info.unknown.len = len;
  } else {
    err->error_info.unknown.ptr = (const uint8_t *)fmt;
    err->error_info.unknown.len = strlen(fmt);
  }
  return code;
}

static rl_KindId kind_at(const rl_KindId *ids, size_t i, size_t stride) {
  rl_KindId k;
  memcpy(&k, (const char *)ids + i * stride, sizeof k);
  return k;
}

static int cmp_kind(const void *a, const void *b) {
  rl_KindId x = *(const rl_KindId *)a, y = *(const rl_KindId *)b;
  return (x > y) - (x < y);
}

int rl_store_has_duplicate_kind(const rl_KindId *ids, size_t count, size_t stride,
                                rl_arena *arena) {
  size_t saved = arena->hi;
  int rc = 0;
  rl_KindId *sorted = count > 0 ? rl_arena_scratch(arena, count, sizeof *sorted) : NULL;
  if (count > 0 && sorted == NULL) {
    rc = RL_ERR_ARENA;
    goto done;
  }
  for (size_t i = 0; i < count; i++) sorted[i] = kind_at(ids, i, stride);
  if (count > 1) qsort(sorted, count, sizeof *sorted, cmp_kind);
  for (size_t i = 1; i < count && rc == 0; i++) {
    if (sorted[i] == sorted[i - 1]) rc = 1;
  }
done:
  arena->hi = saved;
  return rc;
}

int rl_store_unknown_kinds(const rl_store *s, const rl_KindId *ids, size_t count,
                           size_t stride, rl_arena *arena, rl_ErrorResponse *err) {
  /* KindId unknown_kinds<0..2^8-1>: 255 bytes hold 63 Kind-IDs. */
  enum { MAX_LISTED = 255 / sizeof(rl_KindId) };
  rl_KindId *list = NULL;
  size_t n = 0;
  int rc = 0;
  for (size_t i = 0; i < count; i++) {
    rl_KindId k = kind_at(ids, i, stride);
    int listed = 0;
    if (rl_store_find_kind(s, k) != NULL) continue;
    if (list == NULL) {
      list = rl_arena_alloc_array(arena, MAX_LISTED, sizeof *list);
      if (list == NULL) {
        rc = RL_ERR_ARENA;
        goto done;
      }
    }
    for (size_t j = 0; j < n; j++) listed |= list[j] == k;
    if (!listed && n < MAX_LISTED) list[n++] = k;
  }
  if (n > 0) {
    memset(err, 0, sizeof *err);
    err->error_code = RL_ErrorCode_Error_Unknown_Kind;
    err->error_info.unknown_kinds = list;
    err->error_info.unknown_kinds_count = n;
    rc = RL_ErrorCode_Error_Unknown_Kind;
  }
done:
  return rc;
}

/* ---------------------------------------------------------------------
 * Creation, the Kind table
 * --------------------------------------------------------------------- */

const rl_store_kind *rl_store_find_kind(const rl_store *s, rl_KindId id) {
  size_t lo = 0, hi = s->nkinds;
  const rl_store_kind *found = NULL;
  while (lo < hi && found == NULL) {
    size_t mid = lo + (hi - lo) / 2;
    if (s->kinds[mid].id == id)
      found = &s->kinds[mid];
    else if (s->kinds[mid].id < id)
      lo = mid + 1;
    else
      hi = mid;
  }
  return found;
}

static int cmp_kind_def(const void *a, const void *b) {
  return cmp_kind(&((const rl_store_kind *)a)->id, &((const rl_store_kind *)b)->id);
}

static int kind_valid(const rl_store_kind *k) {
  int ok = k->data_model == RL_DataModel_single_value || k->data_model == RL_DataModel_array ||
           k->data_model == RL_DataModel_dictionary;
  /* RL_ACCESS_OTHER: a policy of an extension, which this store does not
   * implement (7.3: every storable Kind "MUST be associated with an access
   * control policy"). */
  if (k->policy == RL_ACCESS_OTHER || rl_config_policy_name(k->policy) == NULL) ok = 0;
  /* 7.3.3: "The USER-NODE-MATCH policy may be used only with dictionary
   * types." */
  if (k->policy == RL_ACCESS_USER_NODE_MATCH && k->data_model != RL_DataModel_dictionary) ok = 0;
  /* 7.3.4: "the maximum value of i MUST be specified in the Kind
   * definition"; 11.1: "It MUST be an integer greater than 0". */
  if (k->policy == RL_ACCESS_NODE_MULTIPLE &&
      (k->max_node_multiple == 0 || k->max_node_multiple > RL_ACCESS_MAX_NODE_MULTIPLE))
    ok = 0;
  return ok;
}

static void free_kind_values(rl_store *s, rl_skind *k) {
  for (size_t i = 0; i < k->n; i++) {
    s->used -= k->vals[i]->size;
    free(k->vals[i]);
  }
  s->nvalues -= k->n;
  free(k->vals);
  k->vals = NULL;
  k->n = 0;
}

/* Remove the Kind records without values of r; 1 when none is left (the
 * caller then frees r and removes it from the array). */
static int prune_kinds(rl_store *s, rl_sres *r) {
  size_t w = 0;
  for (size_t i = 0; i < r->nkinds; i++) {
    if (r->kinds[i].n > 0) {
      r->kinds[w++] = r->kinds[i];
    } else {
      free(r->kinds[i].vals);
      s->used -= RL_SKIND_COST;
    }
  }
  r->nkinds = w;
  return w == 0;
}

static void free_res(rl_store *s, rl_sres *r) {
  free(r->kinds);
  free(r);
  s->used -= RL_SRES_COST;
}

/* prune_kinds for the record at ri, removing it when it is empty. */
static void prune_res(rl_store *s, size_t ri) {
  if (prune_kinds(s, s->res[ri])) {
    free_res(s, s->res[ri]);
    memmove(&s->res[ri], &s->res[ri + 1], (s->nres - ri - 1) * sizeof s->res[0]);
    s->nres--;
  }
}

/* prune_kinds for every record, compacting the array in one pass. */
static void prune_all(rl_store *s) {
  size_t w = 0;
  for (size_t ri = 0; ri < s->nres; ri++) {
    if (prune_kinds(s, s->res[ri]))
      free_res(s, s->res[ri]);
    else
      s->res[w++] = s->res[ri];
  }
  s->nres = w;
}

int rl_store_set_kinds(rl_store *s, const rl_store_kind *kinds, size_t count) {
  rl_store_kind *table = NULL;
  int rc = 0;
  for (size_t i = 0; i < count; i++) {
    if (!kind_valid(&kinds[i])) {
      rc = RL_ERR_PARAM;
      goto done;
    }
  }
  table = malloc(count > 0 ? count * sizeof *table : 1);
  if (table == NULL) {
    rc = RL_ERR_NOMEM;
    goto done;
  }
  if (count > 0) memcpy(table, kinds, count * sizeof *table);
  if (count > 1) qsort(table, count, sizeof *table, cmp_kind_def);
  for (size_t i = 1; i < count; i++) {
    if (table[i].id == table[i - 1].id) {
      rc = RL_ERR_PARAM;
      goto done;
    }
  }
  free(s->kinds);
  s->kinds = table;
  s->nkinds = count;
  table = NULL;
  /* Data of a Kind that is gone, or now has another data model, cannot be
   * answered for any more. */
  for (size_t ri = 0; ri < s->nres; ri++) {
    rl_sres *r = s->res[ri];
    for (size_t ki = 0; ki < r->nkinds; ki++) {
      const rl_store_kind *def = rl_store_find_kind(s, r->kinds[ki].kind);
      if (def == NULL || def->data_model != r->kinds[ki].model) free_kind_values(s, &r->kinds[ki]);
    }
  }
  prune_all(s);
done:
  free(table);
  return rc;
}

int rl_store_new(const rl_store_config *cfg, rl_store **out) {
  rl_store *s = NULL;
  int rc = 0;
  *out = NULL;
  if (cfg->id_len < 16 || cfg->id_len > RL_STORE_MAX_ID || cfg->verify == NULL) {
    rc = RL_ERR_PARAM;
    goto done;
  }
  s = calloc(1, sizeof *s);
  if (s == NULL) {
    rc = RL_ERR_NOMEM;
    goto done;
  }
  s->id_len = cfg->id_len;
  s->budget = cfg->budget;
  s->verify = cfg->verify;
  s->verify_user = cfg->verify_user;
  rc = rl_store_set_kinds(s, cfg->kinds, cfg->kinds_count);
  if (rc != 0) goto done;
  *out = s;
  s = NULL;
done:
  rl_store_free(s);
  return rc;
}

void rl_store_free(rl_store *s) {
  if (s == NULL) return;
  for (size_t ri = 0; ri < s->nres; ri++) {
    rl_sres *r = s->res[ri];
    for (size_t ki = 0; ki < r->nkinds; ki++) {
      for (size_t i = 0; i < r->kinds[ki].n; i++) free(r->kinds[ki].vals[i]);
      free(r->kinds[ki].vals);
    }
    free(r->kinds);
    free(r);
  }
  free(s->res);
  free(s->kinds);
  free(s);
}

void rl_store_get_stats(const rl_store *s, rl_store_stats *out) {
  out->resources = s->nres;
  out->values = s->nvalues;
  out->bytes_used = s->used;
  out->budget = s->budget;
}

/* ---------------------------------------------------------------------
 * Expiry and dropping
 * --------------------------------------------------------------------- */

size_t rl_store_expire(rl_store *s, uint64_t now) {
  size_t freed = 0;
  for (size_t ri = 0; ri < s->nres; ri++) {
    rl_sres *r = s->res[ri];
    for (size_t ki = 0; ki < r->nkinds; ki++) {
      rl_skind *k = &r->kinds[ki];
      size_t w = 0;
      for (size_t i = 0; i < k->n; i++) {
        if (rl_sval_live(k->vals[i], now)) {
          k->vals[w++] = k->vals[i];
        } else {
          s->used -= k->vals[i]->size;
          free(k->vals[i]);
          freed++;
        }
      }
      s->nvalues -= k->n - w;
      k->n = w;
    }
  }
  prune_all(s);
  return freed;
}

size_t rl_store_drop_range(rl_store *s, const rl_store_range *range) {
  size_t freed = 0;
  for (size_t ri = 0; ri < s->nres; ri++) {
    rl_sres *r = s->res[ri];
    if (rl_store_range_contains(s, range, r->id)) {
      for (size_t ki = 0; ki < r->nkinds; ki++) {
        freed += r->kinds[ki].n;
        free_kind_values(s, &r->kinds[ki]);
      }
    }
  }
  prune_all(s);
  return freed;
}

/* ---------------------------------------------------------------------
 * Store (7.4.1)
 * --------------------------------------------------------------------- */

/* The new contents of one Kind while the request is checked: a copy of the
 * vector of values, changed value by value ("Each value is then processed
 * in turn", 7.4.1.1); swapped in only when the whole request is accepted. */
typedef struct kind_plan {
  const rl_StoreKindData *kd;
  const rl_store_kind *def;
  rl_skind *rec;
  rl_sval **vec;
  size_t n;
  size_t cap;
} kind_plan;

/* Everything a Store allocates or would free, so that it can be undone. */
typedef struct store_txn {
  rl_store *s;
  rl_sres *res;
  int res_created;
  kind_plan *plans;
  size_t nplans;
  rl_sval **fresh;     /* values allocated for this request */
  size_t nfresh;
  rl_sval **garbage;   /* values left out of the new vectors: freed on commit */
  size_t ngarbage;
  size_t cap_garbage;
  size_t new_records;  /* bytes of Resource/Kind records created */
} store_txn;

static uint64_t expiry_of(uint64_t now, uint32_t lifetime) {
  uint64_t span = (uint64_t)lifetime * 1000u;
  return now > UINT64_MAX - span ? UINT64_MAX : now + span;
}

/* Copy one StoredData of the request into a new malloc block. */
static rl_sval *sval_copy(const rl_StoredData *sd, rl_DataModel model, uint64_t now) {
  const rl_DataValue *dv = NULL;
  rl_bytes key = {NULL, 0};
  rl_bytes id_hash = {NULL, 0};
  const rl_SignerIdentity *ident = &sd->signature.identity;
  rl_sval *v = NULL;
  uint8_t *p;
  size_t n;
  uint8_t id_hash_alg = 0;
  switch (model) {
  case RL_DataModel_single_value:
    dv = &sd->value.single_value_entry;
    break;
  case RL_DataModel_array:
    dv = &sd->value.array_entry.value;
    break;
  default:
    dv = &sd->value.dictionary_entry.value;
    key = sd->value.dictionary_entry.key;
    break;
  }
  switch (ident->identity_type) {
  case RL_SignerIdentityType_cert_hash:
    id_hash_alg = ident->identity.cert_hash.hash_alg;
    id_hash = ident->identity.cert_hash.certificate_hash;
    break;
  case RL_SignerIdentityType_cert_hash_node_id:
    id_hash_alg = ident->identity.cert_hash_node_id.hash_alg;
    id_hash = ident->identity.cert_hash_node_id.certificate_node_id_hash;
    break;
  case RL_SignerIdentityType_none:
    break;
  default:
    id_hash = ident->identity.unknown;
    break;
  }
  /* Each part is bounded by its length field on the wire (value: the Kind's
   * max-size, checked before; the others <= 2^16), so the sum cannot
   * overflow. */
  n = 4 + dv->value.len + key.len + id_hash.len + sd->signature.signature_value.len;
  v = malloc(sizeof *v + n);
  if (v == NULL) goto done;
  memset(v, 0, sizeof *v);
  v->storage_time = sd->storage_time;
  v->expires = expiry_of(now, sd->lifetime);
  v->size = sizeof *v + n + sizeof(rl_sval *);
  v->index = model == RL_DataModel_array ? sd->value.array_entry.index : 0;
  v->exists = dv->exists;
  v->sig_hash = sd->signature.algorithm.hash;
  v->sig_alg = sd->signature.algorithm.signature;
  v->id_type = ident->identity_type;
  v->id_hash_alg = id_hash_alg;
  p = v->data;
  p[0] = (uint8_t)(dv->value.len >> 24);
  p[1] = (uint8_t)(dv->value.len >> 16);
  p[2] = (uint8_t)(dv->value.len >> 8);
  p[3] = (uint8_t)dv->value.len;
  if (dv->value.len > 0) memcpy(p + 4, dv->value.ptr, dv->value.len);
  v->framed.ptr = p;
  v->framed.len = 4 + dv->value.len;
  p += v->framed.len;
  if (key.len > 0) memcpy(p, key.ptr, key.len);
  v->key.ptr = p;
  v->key.len = key.len;
  p += key.len;
  if (id_hash.len > 0) memcpy(p, id_hash.ptr, id_hash.len);
  v->id_hash.ptr = p;
  v->id_hash.len = id_hash.len;
  p += id_hash.len;
  if (sd->signature.signature_value.len > 0)
    memcpy(p, sd->signature.signature_value.ptr, sd->signature.signature_value.len);
  v->sig_value.ptr = p;
  v->sig_value.len = sd->signature.signature_value.len;
done:
  return v;
}

static int txn_garbage(store_txn *t, rl_sval *v) {
  int rc = 0;
  if (t->ngarbage == t->cap_garbage) {
    size_t cap = t->cap_garbage ? 2 * t->cap_garbage : 16;
    rl_sval **g = realloc(t->garbage, cap * sizeof *g);
    if (g == NULL) {
      rc = RL_ERR_NOMEM;
      goto done;
    }
    t->garbage = g;
    t->cap_garbage = cap;
  }
  t->garbage[t->ngarbage++] = v;
done:
  return rc;
}

/* The Resource record for the request's Resource-ID, created if needed. */
static int txn_resource(store_txn *t, const uint8_t *id) {
  rl_store *s = t->s;
  size_t i = rl_store_lower_bound(s, id);
  int rc = 0;
  if (i < s->nres && rl_store_idcmp(s, s->res[i]->id, id) == 0) {
    t->res = s->res[i];
    goto done;
  }
  if (s->nres == s->capres) {
    size_t cap = s->capres ? 2 * s->capres : 64;
    rl_sres **res = realloc(s->res, cap * sizeof *res);
    if (res == NULL) {
      rc = RL_ERR_NOMEM;
      goto done;
    }
    s->res = res;
    s->capres = cap;
  }
  t->res = calloc(1, sizeof *t->res);
  if (t->res == NULL) {
    rc = RL_ERR_NOMEM;
    goto done;
  }
  memcpy(t->res->id, id, s->id_len);
  memmove(&s->res[i + 1], &s->res[i], (s->nres - i) * sizeof s->res[0]);
  s->res[i] = t->res;
  s->nres++;
  s->used += RL_SRES_COST;
  t->res_created = 1;
  t->new_records += RL_SRES_COST;
done:
  return rc;
}

/* Kind records for every Kind of the request (so that the commit cannot
 * fail), then the plans point at them: the array of records no longer
 * moves. */
static int txn_kinds(store_txn *t) {
  rl_sres *r = t->res;
  int rc = 0;
  size_t missing = 0;
  for (size_t i = 0; i < t->nplans; i++)
    missing += rl_store_res_kind(r, t->plans[i].kd->kind) == NULL;
  if (missing > 0) {
    rl_skind *kinds = realloc(r->kinds, (r->nkinds + missing) * sizeof *kinds);
    if (kinds == NULL) {
      rc = RL_ERR_NOMEM;
      goto done;
    }
    r->kinds = kinds;
    for (size_t i = 0; i < t->nplans; i++) {
      if (rl_store_res_kind(r, t->plans[i].kd->kind) != NULL) continue;
      memset(&r->kinds[r->nkinds], 0, sizeof r->kinds[0]);
      r->kinds[r->nkinds].kind = t->plans[i].kd->kind;
      r->kinds[r->nkinds].model = t->plans[i].def->data_model;
      r->nkinds++;
      t->s->used += RL_SKIND_COST;
      t->new_records += RL_SKIND_COST;
    }
  }
  for (size_t i = 0; i < t->nplans; i++) t->plans[i].rec = rl_store_res_kind(r, t->plans[i].kd->kind);
done:
  return rc;
}

/* Where v goes in the plan's vector: *pos, and *found when a value is
 * already there (7.4.1.1: array "replaces (or inserts) the given value at
 * the location specified by the index"; dictionary likewise by key). */
static void plan_locate(const kind_plan *p, const rl_sval *v, size_t *pos, int *found) {
  size_t lo = 0, hi = p->n;
  *found = 0;
  if (p->def->data_model == RL_DataModel_single_value) {
    /* 7.2.1: "There may be only one single-value element for each
     * Resource-ID, Kind-ID pair." */
    *found = p->n > 0;
    hi = 0;
  }
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    int c = p->def->data_model == RL_DataModel_array
                ? (p->vec[mid]->index > v->index) - (p->vec[mid]->index < v->index)
                : rl_store_keycmp(p->vec[mid]->key, v->key);
    if (c < 0) {
      lo = mid + 1;
    } else {
      hi = mid;
      if (c == 0) *found = 1;
    }
  }
  *pos = lo;
}

/* Check and place one value (index vi of the plan's StoreKindData). */
static int plan_value(store_txn *t, kind_plan *p, size_t vi, const rl_store_input *in,
                      rl_arena *arena, rl_ErrorResponse *err) {
  const rl_StoredData *sd = &p->kd->values[vi];
  const rl_store_kind *def = p->def;
  rl_sval *v = NULL;
  size_t pos;
  int found;
  int rc = 0;
  const rl_DataValue *dv = def->data_model == RL_DataModel_single_value ? &sd->value.single_value_entry
                           : def->data_model == RL_DataModel_array      ? &sd->value.array_entry.value
                                                                        : &sd->value.dictionary_entry.value;
  /* 7.4.1.2: "If the data being stored is too large for the allowed limit
   * by the given usage, then the peer MUST fail the request and generate an
   * Error_Data_Too_Large error" (13.5.2: "Attempts to store values
   * exceeding this size MUST be rejected"). max-size: "The maximum size of
   * individual values" (11.1), the bytes of DataValue.value. */
  if (dv->value.len > def->max_size) {
    rc = rl_store_fail(arena, err, RL_ErrorCode_Error_Data_Too_Large,
                       "kind %u value %zu: %zu bytes, max-size is %u", (unsigned)def->id, vi,
                       dv->value.len, (unsigned)def->max_size);
    goto done;
  }
  v = sval_copy(sd, def->data_model, in->now);
  if (v == NULL) {
    rc = RL_ERR_NOMEM;
    goto done;
  }
  t->fresh[t->nfresh++] = v;
  if (def->data_model == RL_DataModel_array && v->index == APPEND_INDEX) {
    /* 7.4.1.1: "A store at index 0xffffffff places the new value at the end
     * of the array, regardless of the length of the array. The resulting
     * StoredData has the correct index value when it is subsequently
     * fetched." The end is after the last value still stored. */
    uint32_t last = p->n > 0 ? p->vec[p->n - 1]->index : 0;
    if (p->n > 0 && last >= APPEND_INDEX - 1) {
      rc = rl_store_fail(arena, err, RL_ErrorCode_Error_Data_Too_Large,
                         "kind %u value %zu: append to an array whose last index is %u",
                         (unsigned)def->id, vi, (unsigned)last);
      goto done;
    }
    v->index = p->n > 0 ? last + 1 : 0;
  }
  plan_locate(p, v, &pos, &found);
  if (found) {
    rl_sval *old = p->vec[pos];
    /* 7: "Any attempt to store a data value with a storage time before that
     * of a value already stored at this location MUST generate an
     * Error_Data_Too_Old error." An equal storage time is not "before" (a
     * replica receiving a value it already holds). */
    if (sd->storage_time < old->storage_time) {
      rc = rl_store_fail(arena, err, RL_ErrorCode_Error_Data_Too_Old,
                         "kind %u value %zu: storage_time %llu is before the stored %llu",
                         (unsigned)def->id, vi, (unsigned long long)sd->storage_time,
                         (unsigned long long)old->storage_time);
      goto done;
    }
    rc = txn_garbage(t, old);
    if (rc != 0) goto done;
    p->vec[pos] = v;
  } else {
    memmove(&p->vec[pos + 1], &p->vec[pos], (p->n - pos) * sizeof p->vec[0]);
    p->vec[pos] = v;
    p->n++;
  }
done:
  return rc;
}

/* The signature and access control checks of one value (7.4.1.1, 7.3). */
static int check_value_access(const rl_store *s, const rl_StoreReq *req, const kind_plan *p,
                              size_t vi, const rl_store_input *in, rl_arena *arena,
                              rl_ErrorResponse *err) {
  const rl_StoredData *sd = &p->kd->values[vi];
  const rl_store_kind *def = p->def;
  rl_signer signer;
  int rc = 0;
  memset(&signer, 0, sizeof signer);
  /* 7.4.1.1: "If the data is signed with identity_type set to "none"
   * and/or SignatureAndHashAlgorithm values set to {0, 0} ..., the StoreReq
   * MUST be rejected with an Error_forbidden error." */
  if (sd->signature.identity.identity_type == RL_SignerIdentityType_none ||
      (sd->signature.algorithm.hash == RL_HashAlgorithm_none &&
       sd->signature.algorithm.signature == RL_SignatureAlgorithm_anonymous)) {
    rc = rl_store_fail(arena, err, RL_ErrorCode_Error_Forbidden,
                       "kind %u value %zu: anonymous signature (identity none or algorithm {0,0})",
                       (unsigned)def->id, vi);
    goto done;
  }
  /* 7.4.1.1: "The signatures over each individual data element, if any,
   * are valid. If this check fails, the request MUST be rejected with an
   * Error_Forbidden error." */
  if (s->verify(s->verify_user, req->resource, def->id, sd, in->now, &signer) != 0) {
    rc = rl_store_fail(arena, err, RL_ErrorCode_Error_Forbidden,
                       "kind %u value %zu: signature not valid", (unsigned)def->id, vi);
    goto done;
  }
  /* 7.4.1.1: "Each element is signed by a credential which is authorized
   * to write this Kind at this Resource-ID"; 7.3: "In the case of a replica
   * store, the signer of the StoredValue MUST conform to the policy". */
  rc = rl_access_check(def->policy, def->max_node_multiple, req->resource, &signer, &sd->value);
  if (rc == 0 && req->replica_number == 0) {
    /* 7.3: "in a non-replica store, both the signer of the StoredValue and
     * the signer of the StoreReq MUST conform to the policy" (7.4.1.1: "For
     * original (non-replica) stores, the StoreReq is signed by a credential
     * which is authorized"). */
    rc = in->message_signer == NULL
             ? (int)RL_ErrorCode_Error_Forbidden
             : rl_access_check(def->policy, def->max_node_multiple, req->resource,
                               in->message_signer, &sd->value);
    if (rc == (int)RL_ErrorCode_Error_Forbidden) {
      rc = rl_store_fail(arena, err, RL_ErrorCode_Error_Forbidden,
                         "kind %u value %zu: the StoreReq's signer is not allowed by %s",
                         (unsigned)def->id, vi, rl_config_policy_name(def->policy));
      goto done;
    }
  } else if (rc == (int)RL_ErrorCode_Error_Forbidden) {
    rc = rl_store_fail(arena, err, RL_ErrorCode_Error_Forbidden,
                       "kind %u value %zu: the value's signer is not allowed by %s",
                       (unsigned)def->id, vi, rl_config_policy_name(def->policy));
  }
done:
  return rc;
}

/* Undo: free what this request allocated, drop the records it created. */
static void txn_rollback(store_txn *t) {
  rl_store *s = t->s;
  for (size_t i = 0; i < t->nfresh; i++) free(t->fresh[i]);
  for (size_t i = 0; i < t->nplans; i++) free(t->plans[i].vec);
  if (t->res != NULL) {
    size_t ri = rl_store_lower_bound(s, t->res->id);
    prune_res(s, ri);
  }
}

/* Swap the new vectors in; cannot fail. */
static void txn_commit(store_txn *t, const rl_StoreReq *req) {
  rl_store *s = t->s;
  /* The fresh values are counted first: one that the same request
   * replaced again (an index given twice) is also garbage, freed below. */
  for (size_t i = 0; i < t->nfresh; i++) s->used += t->fresh[i]->size;
  s->nvalues += t->nfresh;
  for (size_t i = 0; i < t->ngarbage; i++) {
    s->used -= t->garbage[i]->size;
    free(t->garbage[i]);
  }
  s->nvalues -= t->ngarbage;
  for (size_t i = 0; i < t->nplans; i++) {
    kind_plan *p = &t->plans[i];
    free(p->rec->vals);
    p->rec->vals = p->vec;
    p->rec->n = p->n;
    p->vec = NULL;
    if (req->replica_number != 0) {
      /* 7.4.1.1: "For replica Stores, the peer MUST set the generation
       * counter to match the generation counter in the message". */
      p->rec->generation = p->kd->generation_counter;
    } else if (p->kd->values_count > 0 && p->rec->generation < UINT64_MAX) {
      /* 7.4.1.1: "For non-replica stores, if the store succeeds and the data
       * is changed, then the peer MUST increase the generation counter by at
       * least 1" -- by 1 for the entire Kind-ID. */
      p->rec->generation++;
    }
  }
}

/* in->committed (see store.h): the request's values as they will be
 * stored, built before the commit frees what they replace. A value the
 * same request replaced again (an index given twice) is left out: the
 * later one is what is stored. Kinds stay in the request's order, so that
 * the caller can set their new generation counters after the commit. */
static int build_committed(const store_txn *t, const rl_StoreReq *req, uint64_t now,
                           rl_arena *arena, rl_StoreReq *out) {
  size_t f = 0;
  memset(out, 0, sizeof *out);
  out->resource.ptr = t->res->id; /* the request's bytes go away */
  out->resource.len = req->resource.len;
  out->kind_data = rl_arena_alloc_array(arena, t->nplans ? t->nplans : 1, sizeof *out->kind_data);
  if (out->kind_data == NULL) return RL_ERR_ARENA;
  out->kind_data_count = t->nplans;
  for (size_t i = 0; i < t->nplans; i++) {
    const kind_plan *p = &t->plans[i];
    rl_StoreKindData *kd = &out->kind_data[i];
    size_t nv = p->kd->values_count;
    memset(kd, 0, sizeof *kd);
    kd->kind = p->kd->kind;
    kd->values = rl_arena_alloc_array(arena, nv ? nv : 1, sizeof *kd->values);
    if (kd->values == NULL) return RL_ERR_ARENA;
    for (size_t vi = 0; vi < nv; vi++, f++) {
      int replaced = 0;
      for (size_t g = 0; g < t->ngarbage && !replaced; g++) replaced = t->garbage[g] == t->fresh[f];
      if (!replaced) rl_store_build_stored(t->fresh[f], p->def->data_model, now, &kd->values[kd->values_count++]);
    }
  }
  return 0;
}

/* Error_Generation_Counter_Too_Low (7.4.1.2): "The error_info in the
 * ErrorResponse MUST be a StoreAns response containing the correct
 * generation counter for each Kind and the replica list, which will be
 * empty." */
static int generation_error(const store_txn *t, rl_arena *arena, rl_ErrorResponse *err) {
  rl_StoreKindResponse *kr = rl_arena_alloc_array(arena, t->nplans, sizeof *kr);
  int rc = RL_ErrorCode_Error_Generation_Counter_Too_Low;
  if (kr == NULL) {
    rc = RL_ERR_ARENA;
    goto done;
  }
  memset(err, 0, sizeof *err);
  for (size_t i = 0; i < t->nplans; i++) {
    memset(&kr[i], 0, sizeof kr[i]);
    kr[i].kind = t->plans[i].kd->kind;
    kr[i].generation_counter = t->plans[i].rec->generation;
  }
  err->error_code = RL_ErrorCode_Error_Generation_Counter_Too_Low;
  err->error_info.store_ans.kind_responses = kr;
  err->error_info.store_ans.kind_responses_count = t->nplans;
done:
  return rc;
}

/* The request's structure: Resource-ID, Kinds, data models (before
 * anything is allocated). */
static int check_request(const rl_store *s, const rl_StoreReq *req, rl_arena *arena,
                         rl_ErrorResponse *err) {
  int rc = 0;
  if (req->resource.len != s->id_len) {
    rc = rl_store_fail(arena, err, RL_ErrorCode_Error_Invalid_Message,
                       "StoreReq.resource: %zu bytes, the overlay's Resource-IDs have %zu",
                       req->resource.len, s->id_len);
    goto done;
  }
  /* 7.4.1.1: "The same Kind-ID MUST NOT be used twice in a given store
   * request." */
  rc = rl_store_has_duplicate_kind(req->kind_data_count ? &req->kind_data[0].kind : NULL,
                                   req->kind_data_count, sizeof req->kind_data[0], arena);
  if (rc == 1) {
    rc = rl_store_fail(arena, err, RL_ErrorCode_Error_Invalid_Message,
                       "StoreReq.kind_data: a Kind-ID appears twice");
    goto done;
  }
  if (rc != 0) goto done;
  /* 7.4.1.1: "Implementations MUST reject requests corresponding to
   * unknown Kinds"; 7.4.1.2: Error_Unknown_Kind lists them all. */
  rc = rl_store_unknown_kinds(s, req->kind_data_count ? &req->kind_data[0].kind : NULL,
                              req->kind_data_count, sizeof req->kind_data[0], arena, err);
  if (rc != 0) goto done;
  for (size_t i = 0; i < req->kind_data_count; i++) {
    const rl_StoreKindData *kd = &req->kind_data[i];
    const rl_store_kind *def = rl_store_find_kind(s, kd->kind);
    /* 7.4.1.1: "Replica Stores MUST NOT use a generation counter of 0." */
    if (req->replica_number != 0 && kd->generation_counter == 0) {
      rc = rl_store_fail(arena, err, RL_ErrorCode_Error_Invalid_Message,
                         "StoreReq.kind_data[%zu]: replica store with generation_counter 0", i);
      goto done;
    }
    for (size_t vi = 0; vi < kd->values_count; vi++) {
      /* The decoder took the data model from its parameters; they must be
       * this store's Kind table. */
      if (kd->values[vi].value.data_model != def->data_model) {
        rc = rl_store_fail(arena, err, RL_ErrorCode_Error_Invalid_Message,
                           "StoreReq.kind_data[%zu].values[%zu]: not a %s value", i, vi,
                           rl_DataModel_name(def->data_model));
        goto done;
      }
    }
  }
done:
  return rc;
}

static int plan_kind(store_txn *t, kind_plan *p, const rl_store_input *in, rl_arena *arena,
                     rl_ErrorResponse *err) {
  const rl_store_kind *def = p->def;
  int rc = 0;
  /* A working copy without the values whose lifetime has passed: they are
   * not "a value already stored at this location" any more. */
  p->cap = p->rec->n + p->kd->values_count;
  p->vec = malloc((p->cap > 0 ? p->cap : 1) * sizeof *p->vec);
  if (p->vec == NULL) {
    rc = RL_ERR_NOMEM;
    goto done;
  }
  for (size_t i = 0; i < p->rec->n; i++) {
    if (rl_sval_live(p->rec->vals[i], in->now)) {
      p->vec[p->n++] = p->rec->vals[i];
    } else {
      rc = txn_garbage(t, p->rec->vals[i]);
      if (rc != 0) goto done;
    }
  }
  for (size_t vi = 0; vi < p->kd->values_count && rc == 0; vi++) rc = plan_value(t, p, vi, in, arena, err);
  if (rc != 0) goto done;
  /* 7.4.1.1: "The size and number of the stored values are consistent
   * with the limits specified in the overlay configuration." The RFC names
   * no error for max-count; Error_Data_Too_Large is the one for a Kind's
   * limits (6.3.3.1: "exceeds the size limits for that Kind"). */
  if (p->n > def->max_count) {
    rc = rl_store_fail(arena, err, RL_ErrorCode_Error_Data_Too_Large,
                       "kind %u: %zu values, max-count is %u", (unsigned)def->id, p->n,
                       (unsigned)def->max_count);
  }
done:
  return rc;
}

int rl_store_store(rl_store *s, const rl_StoreReq *req, const rl_store_input *in,
                   rl_arena *arena, rl_StoreAns *ans, rl_ErrorResponse *err) {
  store_txn t;
  size_t total = 0;
  int rc = 0;
  memset(&t, 0, sizeof t);
  memset(ans, 0, sizeof *ans);
  memset(err, 0, sizeof *err);
  t.s = s;
  rc = check_request(s, req, arena, err);
  if (rc != 0) goto done;
  t.nplans = req->kind_data_count;
  t.plans = calloc(t.nplans > 0 ? t.nplans : 1, sizeof *t.plans);
  for (size_t i = 0; i < t.nplans; i++) total += req->kind_data[i].values_count;
  t.fresh = malloc((total > 0 ? total : 1) * sizeof *t.fresh);
  if (t.plans == NULL || t.fresh == NULL) {
    rc = RL_ERR_NOMEM;
    goto done;
  }
  for (size_t i = 0; i < t.nplans; i++) {
    t.plans[i].kd = &req->kind_data[i];
    t.plans[i].def = rl_store_find_kind(s, req->kind_data[i].kind);
  }
  for (size_t i = 0; i < t.nplans && rc == 0; i++) {
    for (size_t vi = 0; vi < t.plans[i].kd->values_count && rc == 0; vi++)
      rc = check_value_access(s, req, &t.plans[i], vi, in, arena, err);
  }
  if (rc != 0) goto done;
  rc = txn_resource(&t, req->resource.ptr);
  if (rc == 0) rc = txn_kinds(&t);
  if (rc != 0) goto done;
  /* 7.4.1.1: "For original (non-replica) stores, the peer MUST check that
   * if the generation counter is nonzero, it equals the current value of
   * the generation counter for this Kind." (Replica stores: "MUST NOT check
   * the generation counter against the current value".) */
  for (size_t i = 0; i < t.nplans && req->replica_number == 0; i++) {
    uint64_t g = t.plans[i].kd->generation_counter;
    if (g != 0 && g != t.plans[i].rec->generation) {
      rc = generation_error(&t, arena, err);
      goto done;
    }
  }
  for (size_t i = 0; i < t.nplans && rc == 0; i++) rc = plan_kind(&t, &t.plans[i], in, arena, err);
  if (rc != 0) goto done;
  {
    /* The global budget, with the values this request replaces freed. No
     * RFC error fits a peer that is full; Error_Data_Too_Large is the one
     * that tells the storing node not to retry the same data here. */
    size_t add = 0, sub = 0, after;
    for (size_t i = 0; i < t.nfresh; i++) add += t.fresh[i]->size;
    for (size_t i = 0; i < t.ngarbage; i++) sub += t.garbage[i]->size;
    /* sub counts old values (in s->used) and fresh ones (in add). */
    after = s->used + add - sub;
    if (after > s->budget) {
      rc = rl_store_fail(arena, err, RL_ErrorCode_Error_Data_Too_Large,
                         "storage budget exhausted: the store would hold %zu bytes, the budget is %zu",
                         after, s->budget);
      goto done;
    }
  }
  ans->kind_responses = rl_arena_alloc_array(arena, t.nplans, sizeof *ans->kind_responses);
  if (ans->kind_responses == NULL) {
    rc = RL_ERR_ARENA;
    goto done;
  }
  if (in->committed != NULL) {
    rc = build_committed(&t, req, in->now, arena, in->committed);
    if (rc != 0) goto done;
  }
  txn_commit(&t, req);
  t.nfresh = 0; /* owned by the store now */
  ans->kind_responses_count = t.nplans;
  if (in->committed != NULL) {
    for (size_t i = 0; i < in->committed->kind_data_count; i++)
      in->committed->kind_data[i].generation_counter = t.plans[i].rec->generation;
  }
  for (size_t i = 0; i < t.nplans; i++) {
    /* 7.4.1.2: "the current value of the generation counter for each
     * Kind-ID, as well as a list of the peers where the data will be
     * replicated". */
    rl_StoreKindResponse *kr = &ans->kind_responses[i];
    memset(kr, 0, sizeof *kr);
    kr->kind = t.plans[i].kd->kind;
    kr->generation_counter = t.plans[i].rec->generation;
    kr->replicas = (rl_NodeId *)in->replicas;
    kr->replicas_count = in->replicas != NULL ? in->replicas_count : 0;
  }
  /* A Kind whose old values had all expired and that got none now. */
  prune_res(s, rl_store_lower_bound(s, t.res->id));
done:
  if (rc != 0) {
    memset(ans, 0, sizeof *ans);
    txn_rollback(&t);
  }
  free(t.plans);
  free(t.fresh);
  free(t.garbage);
  return rc;
}
