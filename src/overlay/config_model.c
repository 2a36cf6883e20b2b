/* config_model.c: the in-memory overlay configuration (see config.h):
 * defaults, freeing, lookups, comparison, names, decode parameters. */
#define _POSIX_C_SOURCE 200809L

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "overlay/config.h"
#include "runtime/error.h"

static const struct {
  const char *name;
  rl_access_policy policy;
} policies[] = {{"USER-MATCH", RL_ACCESS_USER_MATCH},
                {"NODE-MATCH", RL_ACCESS_NODE_MATCH},
                {"USER-NODE-MATCH", RL_ACCESS_USER_NODE_MATCH},
                {"NODE-MULTIPLE", RL_ACCESS_NODE_MULTIPLE}};

static const struct {
  const char *name;
  rl_DataModel model;
} models[] = {{"SINGLE", RL_DataModel_single_value},
              {"ARRAY", RL_DataModel_array},
              {"DICTIONARY", RL_DataModel_dictionary}};

rl_access_policy rl_config_policy_from_name(const char *name) {
  for (size_t i = 0; i < sizeof policies / sizeof policies[0]; i++)
    if (strcmp(name, policies[i].name) == 0) return policies[i].policy;
  return RL_ACCESS_OTHER;
}

rl_DataModel rl_config_model_from_name(const char *name) {
  for (size_t i = 0; i < sizeof models / sizeof models[0]; i++)
    if (strcmp(name, models[i].name) == 0) return models[i].model;
  return 0;
}

const char *rl_config_policy_name(rl_access_policy policy) {
  for (size_t i = 0; i < sizeof policies / sizeof policies[0]; i++)
    if (policies[i].policy == policy) return policies[i].name;
  return NULL;
}

const char *rl_config_model_name(rl_DataModel model) {
  for (size_t i = 0; i < sizeof models / sizeof models[0]; i++)
    if (models[i].model == model) return models[i].name;
  return NULL;
}

void rl_config_init(rl_overlay_config *cfg) {
  memset(cfg, 0, sizeof *cfg);
  cfg->node_id_length = RL_CONFIG_DEFAULT_NODE_ID_LENGTH;
  cfg->max_message_size = RL_CONFIG_DEFAULT_MAX_MESSAGE_SIZE;
  cfg->initial_ttl = RL_CONFIG_DEFAULT_INITIAL_TTL;
  cfg->reliability_timer = RL_CONFIG_DEFAULT_RELIABILITY_TIMER;
  cfg->self_signed_digest = RL_HashAlgorithm_sha1;
  cfg->turn_density = RL_CONFIG_DEFAULT_TURN_DENSITY;
  cfg->clients_permitted = 1;
  cfg->chord_update_interval = RL_CONFIG_DEFAULT_CHORD_UPDATE_INTERVAL;
  cfg->replication_factor = RL_CONFIG_DEFAULT_REPLICATION_FACTOR;
  cfg->chord_reactive = 1;
}

static void free_strings(rl_config_strings *l) {
  for (size_t i = 0; i < l->n; i++) free(l->v[i]);
  free(l->v);
}

static void free_blobs(rl_config_blobs *l) {
  for (size_t i = 0; i < l->n; i++) free(l->v[i].data);
  free(l->v);
}

void rl_config_clear(rl_overlay_config *cfg) {
  free(cfg->instance_name);
  free(cfg->topology_plugin);
  free_blobs(&cfg->root_certs);
  free_strings(&cfg->enrollment_servers);
  for (size_t i = 0; i < cfg->nbootstrap; i++) free(cfg->bootstrap[i].address);
  free(cfg->bootstrap);
  free(cfg->shared_secret);
  free_strings(&cfg->link_protocols);
  free_blobs(&cfg->kind_signers);
  free_blobs(&cfg->configuration_signers);
  free_blobs(&cfg->bad_nodes);
  free_strings(&cfg->mandatory_extensions);
  for (size_t i = 0; i < cfg->nkinds; i++) {
    rl_config_kind *k = &cfg->kinds[i];
    free(k->name);
    free(k->data_model);
    free(k->access_control);
    free(k->kind_xml.data);
    free(k->signature.data);
    free(k->signature_algorithm);
  }
  free(cfg->kinds);
  free_blobs(&cfg->signatures);
  free_strings(&cfg->signature_algorithms);
  free(cfg->configuration_xml.data);
  rl_config_init(cfg);
}

void rl_config_document_free(rl_config_document *doc) {
  for (size_t i = 0; i < doc->nconfigs; i++) rl_config_clear(&doc->configs[i]);
  free(doc->configs);
  doc->configs = NULL;
  doc->nconfigs = 0;
}

const rl_overlay_config *rl_config_find(const rl_config_document *doc, const char *name) {
  for (size_t i = 0; i < doc->nconfigs; i++)
    if (strcasecmp(doc->configs[i].instance_name, name) == 0) return &doc->configs[i];
  return NULL;
}

const rl_config_kind *rl_config_kind_find(const rl_overlay_config *cfg, uint32_t id) {
  for (size_t i = 0; i < cfg->nkinds; i++)
    if (cfg->kinds[i].id_known && cfg->kinds[i].id == id) return &cfg->kinds[i];
  return NULL;
}

int rl_config_link_protocol_allowed(const rl_overlay_config *cfg, const char *name) {
  if (cfg->link_protocols.n == 0) return strcmp(name, RL_CONFIG_DEFAULT_LINK_PROTOCOL) == 0;
  for (size_t i = 0; i < cfg->link_protocols.n; i++)
    if (strcmp(cfg->link_protocols.v[i], name) == 0) return 1;
  return 0;
}

const char *rl_config_unsupported_extension(const rl_overlay_config *cfg,
                                            const char *const *supported) {
  for (size_t i = 0; i < cfg->mandatory_extensions.n; i++) {
    int ok = 0;
    /* Namespaces compare case-sensitively (11.1). */
    for (size_t j = 0; supported && supported[j]; j++)
      if (strcmp(cfg->mandatory_extensions.v[i], supported[j]) == 0) ok = 1;
    if (!ok) return cfg->mandatory_extensions.v[i];
  }
  return NULL;
}

static int config_data_model(const rl_params *p, rl_KindId id, rl_DataModel *out) {
  const rl_overlay_config *cfg = p->user;
  const rl_kind_info *ki = rl_kind_find(id);
  const rl_config_kind *k;
  if (ki) { /* 11.1: the IANA registration wins over the configuration */
    *out = (rl_DataModel)ki->data_model;
    return 0;
  }
  k = cfg ? rl_config_kind_find(cfg, id) : NULL;
  if (!k || k->model == 0) return RL_ERR_PARAM;
  *out = k->model;
  return 0;
}

int rl_config_params(const rl_overlay_config *cfg, rl_params *p) {
  rl_TopologyPlugin t = RL_TopologyPlugin_none;
  const char *topo = cfg->topology_plugin ? cfg->topology_plugin : RL_CONFIG_DEFAULT_TOPOLOGY;
  int r = rl_TopologyPlugin_from_name(topo, &t);
  rl_params_init(p);
  p->NodeIdLength = cfg->node_id_length;
  p->topology = r == 0 ? t : RL_TopologyPlugin_none;
  p->data_model = config_data_model;
  p->user = (void *)(uintptr_t)cfg; /* rl_params.user is not const */
  return r == 0 ? 0 : RL_ERR_UNSUPPORTED;
}

/* ---------------------------------------------------------------------
 * Comparison
 * --------------------------------------------------------------------- */

static int str_eq(const char *a, const char *b) {
  if (!a || !b) return a == b;
  return strcmp(a, b) == 0;
}

static int blob_eq(const rl_config_blob *a, const rl_config_blob *b) {
  return a->len == b->len && (a->len == 0 || memcmp(a->data, b->data, a->len) == 0);
}

static int strings_eq(const rl_config_strings *a, const rl_config_strings *b) {
  if (a->n != b->n) return 0;
  for (size_t i = 0; i < a->n; i++)
    if (!str_eq(a->v[i], b->v[i])) return 0;
  return 1;
}

static int blobs_eq(const rl_config_blobs *a, const rl_config_blobs *b) {
  if (a->n != b->n) return 0;
  for (size_t i = 0; i < a->n; i++)
    if (!blob_eq(&a->v[i], &b->v[i])) return 0;
  return 1;
}

static const char *topology(const rl_overlay_config *c) {
  return c->topology_plugin ? c->topology_plugin : RL_CONFIG_DEFAULT_TOPOLOGY;
}

static int kind_eq(const rl_config_kind *a, const rl_config_kind *b) {
  return str_eq(a->name, b->name) && a->id == b->id && a->id_known == b->id_known &&
         a->registered == b->registered && a->model == b->model && a->policy == b->policy &&
         str_eq(a->data_model, b->data_model) && str_eq(a->access_control, b->access_control) &&
         a->max_count == b->max_count && a->max_size == b->max_size &&
         a->max_node_multiple == b->max_node_multiple && blob_eq(&a->signature, &b->signature) &&
         str_eq(a->signature_algorithm, b->signature_algorithm);
}

static int bootstrap_eq(const rl_config_bootstrap *a, const rl_config_bootstrap *b) {
  size_t n = a->family == AF_INET ? 4 : 16;
  return a->family == b->family && a->port == b->port && memcmp(a->addr, b->addr, n) == 0;
}

int rl_config_equal(const rl_overlay_config *a, const rl_overlay_config *b) {
  int eq = str_eq(a->instance_name, b->instance_name) && a->has_sequence == b->has_sequence &&
           a->sequence == b->sequence && a->has_expiration == b->has_expiration &&
           a->expiration == b->expiration && strcmp(topology(a), topology(b)) == 0 &&
           a->node_id_length == b->node_id_length && a->max_message_size == b->max_message_size &&
           a->initial_ttl == b->initial_ttl && a->reliability_timer == b->reliability_timer &&
           blobs_eq(&a->root_certs, &b->root_certs) &&
           strings_eq(&a->enrollment_servers, &b->enrollment_servers) &&
           a->self_signed_permitted == b->self_signed_permitted &&
           (!(a->has_self_signed || a->self_signed_permitted) ||
            a->self_signed_digest == b->self_signed_digest) &&
           a->nbootstrap == b->nbootstrap && a->turn_density == b->turn_density &&
           a->clients_permitted == b->clients_permitted && a->no_ice == b->no_ice &&
           a->has_chord_ping_interval == b->has_chord_ping_interval &&
           a->chord_ping_interval == b->chord_ping_interval &&
           a->chord_update_interval == b->chord_update_interval &&
           a->chord_reactive == b->chord_reactive &&
           a->replication_factor == b->replication_factor && str_eq(a->shared_secret, b->shared_secret) &&
           strings_eq(&a->link_protocols, &b->link_protocols) &&
           blobs_eq(&a->kind_signers, &b->kind_signers) &&
           blobs_eq(&a->configuration_signers, &b->configuration_signers) &&
           blobs_eq(&a->bad_nodes, &b->bad_nodes) &&
           strings_eq(&a->mandatory_extensions, &b->mandatory_extensions) &&
           a->nkinds == b->nkinds && blobs_eq(&a->signatures, &b->signatures) &&
           strings_eq(&a->signature_algorithms, &b->signature_algorithms);
  for (size_t i = 0; eq && i < a->nbootstrap; i++)
    eq = bootstrap_eq(&a->bootstrap[i], &b->bootstrap[i]);
  for (size_t i = 0; eq && i < a->nkinds; i++) eq = kind_eq(&a->kinds[i], &b->kinds[i]);
  return eq;
}
