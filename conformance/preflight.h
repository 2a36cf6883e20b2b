/* preflight.h: before the scenarios, one Ping to the target, and a block
 * that says what the target is: whether the link came up, whether it
 * answers, who signed the answer (certificate subject and Node-ID URIs),
 * or what came back instead. A target that answers nothing is said to be
 * silent: tests that pass on silence are INCONCLUSIVE then
 * (runner.h). */
#ifndef RL_CONF_PREFLIGHT_H
#define RL_CONF_PREFLIGHT_H

#include <stdio.h>

#include "runner.h"

/* Run the preflight Ping through r and print the block to out: to the
 * target's Node-ID when target_hex is not empty, else to the wildcard
 * Node-ID. Then a RouteQuery for our own Node-ID: *admits 1 when the
 * target is responsible for it (the Admitting Peer of a Join with it,
 * 10.5), 0 when not, -1 when not known.
 * The answer is taken leniently (by connection and code): a wrong
 * transaction_id is reported, not taken for silence. *silent: 1 when
 * nothing at all came back; node_id (41 bytes): the Node-ID of the
 * answer's signing certificate in hex, or "". Returns 0, or an rl_err. */
int rl_conf_preflight(rl_conf_runner *r, const char *target, const char *link, FILE *out,
                      size_t node_id_len, const char *target_hex, int *silent, char *node_id,
                      int *admits);

#endif
