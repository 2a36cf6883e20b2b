/* transport_loopback.h: a transport whose far end is a responder script
 * (a scenario file that starts with `responder`), run in process on a
 * virtual clock. It is what `reload-conform --transport=script:FILE`
 * uses, and how the suite tests itself: a responder that follows the RFC
 * makes scenarios pass, one that breaks a rule makes the matching
 * scenarios fail.
 *
 * Each message the runner sends is decoded; the first rule whose
 * condition holds runs (on-undecodable rules for bytes that do not
 * decode); its replies are queued for the runner after the rule's sleeps.
 * No rule: no answer. */
#ifndef RL_CONF_TRANSPORT_LOOPBACK_H
#define RL_CONF_TRANSPORT_LOOPBACK_H

#include <stddef.h>
#include <stdint.h>

#include "codec/params.h"
#include "scenario.h"
#include "transport.h"

typedef struct rl_conf_loopback_config {
  const rl_scenario *responder; /* borrowed; must outlive the transport */
  const rl_param_set *params;   /* decoding parameters (NodeIdLength...) */
  const char *node_id;          /* the responder's Node-ID, hex */
  const char *peer_node_id;     /* the runner's Node-ID, hex: where replies go */
  const char *overlay_name;
  uint32_t overlay;
  uint16_t configuration_sequence;
  uint8_t initial_ttl;
  uint64_t seed;
} rl_conf_loopback_config;

/* 0, or RL_ERR_NOMEM / RL_ERR_PARAM (not a responder file) with why. */
int rl_conf_loopback_new(const rl_conf_loopback_config *cfg, rl_conf_transport *out, char *why,
                         size_t whylen);

#endif
