/* sim/sim_world.c: the simulated overlay's CA, configuration and
 * credentials (sim/sim_world.h). */
#define _GNU_SOURCE
#include "sim/sim_world.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "security/ca.h"

static int make_config(rl_sim_world *w, char *why, size_t whylen) {
  rl_config_document doc = {NULL, 0};
  rl_overlay_config *cfg;
  rl_config_kind *k;
  rl_config_error ce;
  doc.configs = calloc(1, sizeof *doc.configs);
  if (!doc.configs) goto nomem;
  doc.nconfigs = 1;
  cfg = &doc.configs[0];
  rl_config_init(cfg);
  cfg->instance_name = strdup(RL_SIM_OVERLAY);
  cfg->node_id_length = RL_SIM_ID_LEN;
  cfg->has_sequence = 1;
  cfg->sequence = 1;
  cfg->root_certs.v = calloc(1, sizeof *cfg->root_certs.v);
  cfg->kinds = calloc(1, sizeof *cfg->kinds);
  if (!cfg->instance_name || !cfg->root_certs.v || !cfg->kinds ||
      !(cfg->root_certs.v[0].data = malloc(w->ca->der_len)))
    goto nomem;
  memcpy(cfg->root_certs.v[0].data, w->ca->der, w->ca->der_len);
  cfg->root_certs.v[0].len = w->ca->der_len;
  cfg->root_certs.n = 1;
  k = &cfg->kinds[cfg->nkinds++];
  k->id = RL_SIM_KIND;
  k->id_known = 1;
  k->model = RL_DataModel_single_value;
  k->policy = RL_ACCESS_NODE_MATCH;
  k->max_count = 1;
  k->max_size = 1024;
  if (rl_config_write(&doc, &w->xml, &w->xml_len) != 0) goto nomem;
  rl_config_document_free(&doc);
  if (rl_config_parse(w->xml, w->xml_len, &w->doc, &ce) != 0) {
    snprintf(why, whylen, "configuration: %s", ce.message);
    return RL_ERR_SYNTAX;
  }
  w->cfg = &w->doc.configs[0];
  return 0;
nomem:
  rl_config_document_free(&doc);
  snprintf(why, whylen, "out of memory");
  return RL_ERR_NOMEM;
}

int rl_sim_world_init(rl_sim_world *w, char *why, size_t whylen) {
  rl_issue_params p;
  rl_sec_error e = {0, ""};
  memset(w, 0, sizeof *w);
  if (rl_key_generate_ec(&w->ca_key, &e) != 0) goto fail;
  memset(&p, 0, sizeof p);
  p.overlay = RL_SIM_OVERLAY;
  p.days = 30;
  if (rl_ca_create(w->ca_key, &p, &w->ca, &e) != 0) goto fail;
  return make_config(w, why, whylen);
fail:
  snprintf(why, whylen, "CA: %s", e.text);
  return e.code ? e.code : RL_ERR_NOMEM;
}

void rl_sim_world_free(rl_sim_world *w) {
  if (w->ca_key) EVP_PKEY_free(w->ca_key);
  if (w->ca) rl_cert_free(w->ca);
  rl_config_document_free(&w->doc);
  free(w->xml);
  memset(w, 0, sizeof *w);
}

rl_credentials *rl_sim_world_cred(rl_sim_world *w, const uint8_t *node_id, char *why,
                                  size_t whylen) {
  uint8_t ids[1][RL_NODE_ID_MAX];
  rl_issue_params p;
  rl_sec_error e = {0, ""};
  EVP_PKEY *key = NULL;
  rl_cert *c = NULL;
  rl_credentials *cr = NULL;
  memcpy(ids[0], node_id, RL_SIM_ID_LEN);
  memset(&p, 0, sizeof p);
  p.overlay = RL_SIM_OVERLAY;
  p.user = "peer@" RL_SIM_OVERLAY;
  p.node_ids = (const uint8_t(*)[RL_NODE_ID_MAX])ids;
  p.n_node_ids = 1;
  p.node_id_len = RL_SIM_ID_LEN;
  p.days = 30;
  if (rl_key_generate_ec(&key, &e) != 0 || rl_ca_issue(w->ca_key, w->ca, key, &p, &c, &e) != 0 ||
      rl_credentials_new(key, c, NULL, 0, &cr, &e) != 0) {
    snprintf(why, whylen, "credentials: %s", e.text);
    cr = NULL;
  }
  if (key) EVP_PKEY_free(key);
  if (c) rl_cert_free(c);
  return cr;
}
