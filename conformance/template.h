/* template.h: ${...} substitution in scenario values, and merging a
 * message template over the runner's default message.
 *
 * ${name}             a variable: a capture, a `let`, or one the runner
 *                     sets (target_node_id, my_node_id, overlay, txid, ...)
 * ${name.path[0].x}   a member of a variable's value (req.forwarding_header.ttl)
 * ${new_txid}         a fresh random transaction ID (6.3.2: "MUST be
 *                     randomly generated"), as a decimal string
 * ${random_id}        NodeIdLength random bytes, hex (a Node-ID or Resource-ID)
 * ${resource_id:TEXT} the Resource-ID of TEXT (10.2: SHA-1, truncated), hex
 * ${hex:TEXT}         the bytes of TEXT, hex (opaque values and keys)
 * ${zeros:N}          N zero bytes, hex (padding for oversized messages); N
 *                     a number or a variable holding one (max_message_size)
 * ${now_ms}           the time in milliseconds since 1970, a decimal string
 * $${                 a literal "${"
 *
 * A string that is exactly one ${...} takes the value with its JSON type
 * (an object, a number); inside a longer string the value is spliced in as
 * text (strings as they are, integers in decimal). */
#ifndef RL_CONF_TEMPLATE_H
#define RL_CONF_TEMPLATE_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "scenario.h"

typedef struct rl_conf_env {
  json_t *vars;        /* object: variable name -> value */
  size_t node_id_len;  /* 16..20 */
  uint64_t *rng;       /* state of the random generator */
  /* On an undefined variable: its name (the runner turns an unknown
   * target_node_id into SKIP rather than FAIL). */
  char undefined[64];
} rl_conf_env;

/* xorshift64*: the runner's random numbers (seeded from /dev/urandom or
 * --seed). Not for keys: transaction IDs and test values only. */
uint64_t rl_conf_random(uint64_t *state);
/* A seed from /dev/urandom (the time if that fails); never 0. */
uint64_t rl_conf_seed(void);

/* A substituted deep copy of v. NULL on error, with the reason in why;
 * env->undefined names the variable when one was not defined (the
 * function returns RL_ERR_NOT_FOUND through *code in that case, else
 * RL_ERR_SYNTAX or RL_ERR_NOMEM). */
json_t *rl_conf_subst(const json_t *v, rl_conf_env *env, int *code, char *why, size_t whylen);

/* A new value: base with over merged in. Objects merge member by member
 * (recursively); anything else in over replaces what base has; a null in
 * over removes the member. NULL when out of memory. */
json_t *rl_conf_merge(const json_t *base, const json_t *over);

/* The value of a dotted path ("req.forwarding_header.via_list[0]") in
 * vars, or NULL. */
json_t *rl_conf_var_path(const json_t *vars, const char *path);

/* Do all matchers of b hold for msg (their values substituted in env)?
 * 1 yes; 0 no, with the first failure in why; -1 when a matcher cannot be
 * evaluated (an undefined variable, a bad regex), also with why. *failed
 * (if not NULL) gets the index of the matcher that did not hold. */
int rl_conf_block_holds(const rl_scen_block *b, const json_t *msg, rl_conf_env *env,
                        size_t *failed, char *why, size_t whylen);

/* Lowercase hex of n bytes into a new JSON string. */
json_t *rl_conf_hex_json(const uint8_t *p, size_t n);

#endif
