/* build.c: see build.h. */
#include "build.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/error.h"

/* 6.3.2: relo_token 0xd2454c4f; fragment: high bit set, last fragment. */
#define RELO_TOKEN 3527756879LL
#define FRAGMENT_WHOLE 3221225472LL

static json_t *defaults(int reply) {
  return json_pack(
      "{s:{s:I,s:s,s:s,s:i,s:s,s:I,s:s,s:i,s:[],s:o,s:[]},s:{s:[]}}", "forwarding_header",
      "relo_token", (json_int_t)RELO_TOKEN, "overlay", "${overlay}", "configuration_sequence",
      "${configuration_sequence}", "version", 10, "ttl", "${initial_ttl}", "fragment",
      (json_int_t)FRAGMENT_WHOLE, "transaction_id",
      reply ? "${req.forwarding_header.transaction_id}" : "${new_txid}", "max_response_length", 0,
      "via_list", "destination_list",
      reply ? json_string("${reply_destination_list}")
            : json_pack("[{s:s,s:{s:s}}]", "type", "node", "destination_data", "node_id",
                        "${target_node_id}"),
      "options", "message_contents", "extensions");
}

int rl_conf_builder_init(rl_conf_builder *b, rl_conf_codec *codec, rl_conf_env *env) {
  b->codec = codec;
  b->env = env;
  b->request_defaults = defaults(0);
  b->reply_defaults = defaults(1);
  if (!b->request_defaults || !b->reply_defaults) {
    rl_conf_builder_free(b);
    return RL_ERR_NOMEM;
  }
  return 0;
}

void rl_conf_builder_free(rl_conf_builder *b) {
  json_decref(b->request_defaults);
  json_decref(b->reply_defaults);
  b->request_defaults = b->reply_defaults = NULL;
}

int rl_conf_set_request_vars(rl_conf_env *env, const json_t *req, const char *from_node_id) {
  json_t *dl = json_array();
  json_t *via = json_object_get(json_object_get(req, "forwarding_header"), "via_list");
  if (!dl) return RL_ERR_NOMEM;
  if (from_node_id &&
      json_array_append_new(dl, json_pack("{s:s,s:{s:s}}", "type", "node", "destination_data",
                                          "node_id", from_node_id)) != 0)
    goto nomem;
  if (json_is_array(via)) {
    for (size_t i = json_array_size(via); i-- > 0;) {
      /* Entries as the request carried them, minus their computed length. */
      json_t *d = json_deep_copy(json_array_get(via, i));
      if (!d) goto nomem;
      json_object_del(d, "length");
      if (json_array_append_new(dl, d) != 0) goto nomem;
    }
  }
  if (json_object_set_new(env->vars, "reply_destination_list", dl) != 0) return RL_ERR_NOMEM;
  if (json_object_set(env->vars, "req", (json_t *)req) != 0) return RL_ERR_NOMEM;
  return 0;
nomem:
  json_decref(dl);
  return RL_ERR_NOMEM;
}

/* The codec's JSON writes Boolean (6.3.1.1) as "true" / "false"; a
 * template may write JSON true and false. */
static int booleans_as_strings(json_t *v) {
  const char *k;
  json_t *el;
  size_t i;
  if (json_is_object(v)) {
    json_object_foreach(v, k, el) {
      if (json_is_boolean(el)) {
        if (json_object_set_new(v, k, json_string(json_is_true(el) ? "true" : "false")) != 0)
          return RL_ERR_NOMEM;
      } else if (booleans_as_strings(el) != 0) {
        return RL_ERR_NOMEM;
      }
    }
  } else if (json_is_array(v)) {
    json_array_foreach(v, i, el) {
      if (json_is_boolean(el)) {
        if (json_array_set_new(v, i, json_string(json_is_true(el) ? "true" : "false")) != 0)
          return RL_ERR_NOMEM;
      } else if (booleans_as_strings(el) != 0) {
        return RL_ERR_NOMEM;
      }
    }
  }
  return 0;
}

int rl_conf_build(rl_conf_builder *b, const json_t *tmpl, int reply, const rl_scen_mut *mut,
                  size_t nmut, rl_conf_built *out, char *why, size_t whylen) {
  json_t *t = NULL, *merged = NULL, *msg = NULL;
  rl_conf_signplan plan;
  int code = 0;
  memset(out, 0, sizeof *out);
  /* A template given as one variable (send ${msg}) is looked up first. */
  if (json_is_string(tmpl)) {
    t = rl_conf_subst(tmpl, b->env, &code, why, whylen);
    if (!t) goto done;
    if (!json_is_object(t)) {
      snprintf(why, whylen, "the template %s is not a JSON object", json_string_value(tmpl));
      code = RL_ERR_JSON;
      goto done;
    }
  } else {
    t = json_incref((json_t *)tmpl);
  }
  merged = rl_conf_merge(reply ? b->reply_defaults : b->request_defaults, t);
  if (!merged || rl_conf_fill_placeholders(merged, &plan) != 0) {
    code = RL_ERR_NOMEM;
    snprintf(why, whylen, "out of memory");
    goto done;
  }
  msg = rl_conf_subst(merged, b->env, &code, why, whylen);
  if (!msg) goto done;
  if (booleans_as_strings(msg) != 0) {
    code = RL_ERR_NOMEM;
    snprintf(why, whylen, "out of memory");
    goto done;
  }
  code = rl_conf_encode(b->codec, msg, &plan, &out->bytes, &out->len, &out->txid, &out->sent, why,
                        whylen);
  if (code != 0) goto done;
  code = rl_conf_mutate(&out->bytes, &out->len, mut, nmut, why, whylen);
done:
  if (code != 0) rl_conf_built_free(out);
  json_decref(t);
  json_decref(merged);
  json_decref(msg);
  return code;
}

void rl_conf_built_free(rl_conf_built *m) {
  free(m->bytes);
  json_decref(m->sent);
  memset(m, 0, sizeof *m);
}
