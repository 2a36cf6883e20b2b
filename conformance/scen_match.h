/* scen_match.h: the matchers of the scenario language over a decoded
 * message's JSON (rl_Message_to_json): paths, comparisons, and a reason
 * in words when a matcher does not hold.
 *
 * Equality: numbers compare by value, and a decimal string (how the JSON
 * form writes uint64 fields such as transaction_id) equals the number it
 * spells; the codec's Boolean strings "true"/"false" equal JSON true and
 * false; everything else compares as JSON (enum values by their RFC
 * names: message_code == error). <, <=, >, >= need numbers on both sides.
 * len(path) is the element count of an array or object, or the character
 * count of a string (opaque bytes are hex: two characters a byte).
 * A path with [*] (values[*].kind) holds when the matcher holds at every
 * element, which is true of an empty array: add len(values) >= 1 to ask
 * for some. */
#ifndef RL_CONF_SCEN_MATCH_H
#define RL_CONF_SCEN_MATCH_H

#include <jansson.h>
#include <stddef.h>

#include "scenario.h"

/* The value at path p under root, or NULL when there is none. */
json_t *rl_scen_path_get(const json_t *root, const rl_scen_path *p);

/* Does matcher m hold for root, comparing with value (m's value after
 * substitution; NULL for exists/absent)? Returns 1 when it holds, 0 when
 * not, with the reason in why ("message_contents.message_code is
 * \"ping_ans\", expected == \"error\""), -1 when it cannot be evaluated
 * (a bad regular expression, a non-number in a numeric comparison), also
 * with why. */
int rl_scen_match(const rl_scen_matcher *m, const json_t *root, const json_t *value, char *why,
                  size_t whylen);

/* Equality as the matchers define it. */
int rl_scen_json_equal(const json_t *a, const json_t *b);

/* A JSON value as compact text for messages (at most max characters,
 * "..." when cut), into buf. Returns buf. */
char *rl_scen_json_brief(const json_t *v, char *buf, size_t size, size_t max);

const char *rl_scen_op_name(rl_scen_op op);

#endif
