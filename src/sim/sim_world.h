/* sim/sim_world.h: what every simulated peer shares: the overlay's CA, its
 * configuration document (written as XML and parsed back, as a peer reads
 * one), and node credentials issued by the CA for Node-IDs the simulation
 * chooses (so that a seed decides the ring). */
#ifndef RL_SIM_SIM_WORLD_H
#define RL_SIM_SIM_WORLD_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "overlay/config.h"
#include "security/credentials.h"

#define RL_SIM_OVERLAY "sim.reload.test"
#define RL_SIM_ID_LEN 16
/* The Kind each peer stores its value under: NODE-MATCH (7.3.2). */
#define RL_SIM_KIND 4100u

typedef struct rl_sim_world {
  EVP_PKEY *ca_key;
  rl_cert *ca;
  rl_config_document doc;
  const rl_overlay_config *cfg;
  char *xml;
  size_t xml_len;
} rl_sim_world;

int rl_sim_world_init(rl_sim_world *w, char *why, size_t whylen);
void rl_sim_world_free(rl_sim_world *w);
/* A P-256 key and a certificate for node_id (RL_SIM_ID_LEN bytes). */
rl_credentials *rl_sim_world_cred(rl_sim_world *w, const uint8_t *node_id, char *why,
                                  size_t whylen);

#endif
