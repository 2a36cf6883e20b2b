/* peer/ops.c: see ops.h. */
#include "peer/ops.h"

#include <stdlib.h>
#include <string.h>
#include <stdio.h>

#include "overlay/hash.h"
#include "runtime/hex.h"
#include "security/sign.h"

int rl_ops_kind(const rl_overlay_config *cfg, const char *text, rl_KindId *id, rl_DataModel *model) {
  char *end;
  unsigned long v = strtoul(text, &end, 0);
  for (size_t i = 0; i < cfg->nkinds; i++) {
    const rl_config_kind *k = &cfg->kinds[i];
    if ((*end == 0 && end != text && k->id == v) || (k->name && strcmp(k->name, text) == 0)) {
      *id = k->id;
      *model = k->model;
      return 0;
    }
  }
  return RL_ERR_NOT_FOUND;
}

int rl_ops_resource(const rl_credentials *cred, size_t id_len, const char *text, uint8_t *out,
                    char *why, size_t whylen) {
  uint8_t buf[RL_NODE_ID_MAX + 1];
  if (strcmp(text, "node:") == 0)
    return rl_resource_id(cred->node_id, cred->node_id_len, id_len, out);
  if (strncmp(text, "node-multiple:", 14) == 0) {
    char *end;
    unsigned long i = strtoul(text + 14, &end, 10);
    if (*end || i < 1 || i > 255) {
      snprintf(why, whylen, "node-multiple:I needs I in 1..255");
      return RL_ERR_SYNTAX;
    }
    memcpy(buf, cred->node_id, cred->node_id_len);
    buf[cred->node_id_len] = (uint8_t)i;
    return rl_resource_id(buf, cred->node_id_len + 1, id_len, out);
  }
  if (strncmp(text, "hex:", 4) == 0) {
    if (strlen(text + 4) != 2 * id_len ||
        rl_hex_decode(text + 4, strlen(text + 4), out, id_len, 0) != (long)id_len) {
      snprintf(why, whylen, "hex: needs exactly %zu hex digits", 2 * id_len);
      return RL_ERR_SYNTAX;
    }
    return 0;
  }
  if (!*text) {
    snprintf(why, whylen, "empty resource name");
    return RL_ERR_SYNTAX;
  }
  return rl_resource_id((const uint8_t *)text, strlen(text), id_len, out);
}

int rl_ops_store_req(const rl_credentials *cred, const uint8_t *resource, size_t id_len,
                     rl_KindId kind, rl_DataModel model, uint64_t generation,
                     const rl_ops_value *values, size_t nvalues, uint32_t lifetime,
                     uint64_t now_ms, rl_arena *a, rl_StoreReq *out) {
  rl_StoreKindData *kd = rl_arena_alloc(a, sizeof *kd);
  rl_StoredData *sd = rl_arena_alloc_array(a, nvalues, sizeof *sd);
  /* Zeroed: rl_sec_fail fills only an error whose code is 0. */
  rl_sec_error e = {0, ""};
  if (!kd || !sd) return RL_ERR_ARENA;
  memset(out, 0, sizeof *out);
  memset(kd, 0, sizeof *kd);
  out->resource.ptr = resource;
  out->resource.len = id_len;
  out->kind_data = kd;
  out->kind_data_count = 1;
  kd->kind = kind;
  kd->generation_counter = generation;
  kd->values = sd;
  kd->values_count = nvalues;
  for (size_t i = 0; i < nvalues; i++) {
    rl_StoredData *d = &sd[i];
    rl_DataValue *dv;
    size_t cap = 1024;
    uint8_t *sig = rl_arena_alloc(a, cap);
    if (!sig) return RL_ERR_ARENA;
    memset(d, 0, sizeof *d);
    d->storage_time = now_ms;
    d->lifetime = lifetime;
    d->value.data_model = model;
    switch (model) {
    case RL_DataModel_single_value: dv = &d->value.single_value_entry; break;
    case RL_DataModel_array:
      d->value.array_entry.index = values[i].index;
      dv = &d->value.array_entry.value;
      break;
    case RL_DataModel_dictionary:
      d->value.dictionary_entry.key = values[i].key;
      dv = &d->value.dictionary_entry.value;
      break;
    default: return RL_ERR_PARAM;
    }
    dv->exists = values[i].exists ? 1 : 0;
    dv->value = values[i].value;
    if (rl_sign_stored_data(cred, resource, id_len, kind, d, sig, cap, &e) != 0) return e.code;
  }
  return 0;
}

int rl_ops_fetch_req(const uint8_t *resource, size_t id_len, rl_KindId kind, rl_DataModel model,
                     int has_range, uint32_t first, uint32_t last, const rl_bytes *keys,
                     size_t nkeys, rl_arena *a, rl_FetchReq *out) {
  rl_StoredDataSpecifier *sp = rl_arena_alloc(a, sizeof *sp);
  if (!sp) return RL_ERR_ARENA;
  memset(out, 0, sizeof *out);
  memset(sp, 0, sizeof *sp);
  out->resource.ptr = resource;
  out->resource.len = id_len;
  out->specifiers = sp;
  out->specifiers_count = 1;
  sp->data_model = model;
  sp->kind = kind;
  if (model == RL_DataModel_array && has_range) {
    rl_ArrayRange *r = rl_arena_alloc(a, sizeof *r);
    if (!r) return RL_ERR_ARENA;
    memset(r, 0, sizeof *r);
    r->first = first;
    r->last = last;
    sp->indices = r;
    sp->indices_count = 1;
  } else if (model == RL_DataModel_dictionary && nkeys) {
    sp->keys = (rl_DictionaryKey *)keys;
    sp->keys_count = nkeys;
  }
  return 0;
}
