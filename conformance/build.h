/* build.h: a send or reply step's template -> the bytes to send.
 *
 * The template is merged over a default message (template.h
 * rl_conf_merge), so that a scenario writes only what matters to it:
 *
 *   request defaults (send):
 *     forwarding_header: relo_token 0xd2454c4f, overlay ${overlay},
 *       configuration_sequence ${configuration_sequence}, version 10,
 *       ttl ${initial_ttl}, fragment 0xc0000000 (6.3.2: high bit, last
 *       fragment), transaction_id ${new_txid}, max_response_length 0,
 *       via_list [], destination_list [node ${target_node_id}], options []
 *     message_contents: extensions []
 *   reply defaults (reply): the same, with transaction_id
 *     ${req.forwarding_header.transaction_id} and destination_list
 *     ${reply_destination_list}: the node the request came from followed
 *     by the request's via list reversed (6.1.2, 6.3.2.2).
 *
 * Placeholders (msgcodec.h) stand for signatures, which are made after
 * the codec has the message. Then ${...} is substituted once, the JSON
 * encoded and signed, and the step's mutations applied. */
#ifndef RL_CONF_BUILD_H
#define RL_CONF_BUILD_H

#include <jansson.h>
#include <stdint.h>

#include "msgcodec.h"
#include "scenario.h"
#include "template.h"

typedef struct rl_conf_builder {
  rl_conf_codec *codec;
  rl_conf_env *env;
  json_t *request_defaults;
  json_t *reply_defaults;
} rl_conf_builder;

/* The two default messages; 0 or RL_ERR_NOMEM. */
int rl_conf_builder_init(rl_conf_builder *b, rl_conf_codec *codec, rl_conf_env *env);
void rl_conf_builder_free(rl_conf_builder *b);

/* Set the variables a reply refers to: req (the request's JSON) and
 * reply_destination_list ([from_node_id] + the via list reversed; only
 * the via list when from_node_id is NULL). 0 or RL_ERR_NOMEM. */
int rl_conf_set_request_vars(rl_conf_env *env, const json_t *req, const char *from_node_id);

typedef struct rl_conf_built {
  uint8_t *bytes; /* malloc'ed */
  size_t len;
  uint64_t txid;
  json_t *sent;   /* the JSON of the message as encoded (before mutations) */
} rl_conf_built;

/* Build a message. code gets 0, RL_ERR_NOT_FOUND for an undefined
 * variable (its name in b->env->undefined), or another rl_err; why has
 * the reason. Returns code. */
int rl_conf_build(rl_conf_builder *b, const json_t *tmpl, int reply, const rl_scen_mut *mut,
                  size_t nmut, rl_conf_built *out, char *why, size_t whylen);

void rl_conf_built_free(rl_conf_built *m);

#endif
