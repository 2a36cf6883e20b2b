/* runner.h: run scenarios against an implementation through a transport.
 *
 * A scenario passes when every step does: each `expect` finds a message
 * whose decoded form satisfies its matchers in time, each `expect-close`
 * sees the connection close, each `expect-nothing` sees nothing. It fails
 * at the first step that does not hold, and the result explains itself:
 * the step, the requirements the scenario checks (with the RFC's words
 * from the requirements table), what was sent and what came back, both
 * decoded. It is skipped when a skip-if condition holds for the runner's
 * options, when it needs the target's Node-ID and none was given, or when
 * the transport cannot do what a step asks (raw stream bytes). */
#ifndef RL_CONF_RUNNER_H
#define RL_CONF_RUNNER_H

#include <stddef.h>
#include <stdint.h>

#include "msgcodec.h"
#include "requirements.h"
#include "scenario.h"
#include "transport.h"

/* INCONCLUSIVE: the steps held, but they prove nothing about this target:
 * a test that passes when nothing comes back, against a target that
 * answered nothing in the preflight (settings.target_silent). */
typedef enum rl_conf_status {
  RL_CONF_PASS = 0,
  RL_CONF_FAIL,
  RL_CONF_SKIP,
  RL_CONF_INCONCLUSIVE
} rl_conf_status;

const char *rl_conf_status_name(rl_conf_status s);

typedef struct rl_conf_result {
  const rl_scenario *sc;
  rl_conf_status status;
  int scenario_error; /* FAIL because the scenario itself is wrong */
  char *reason;       /* one line (malloc'ed) */
  char *details;      /* the explanation, several indented lines, or NULL */
  uint64_t ms;        /* time taken, on the transport's clock */
  json_t *received;   /* the last message a step accepted, decoded (or NULL) */
  json_t *sent;       /* the last message sent, decoded (or NULL) */
  json_t *arrived;    /* a wait that ran out: what came instead, each with why it
                         did not do ([{connection, during_step, why_not, message}]) */
} rl_conf_result;

void rl_conf_result_free(rl_conf_result *r);

typedef struct rl_conf_settings {
  const char *link;             /* tls, tcp, tcp-unframed, loopback (for skip-if) */
  const char *overlay_name;
  uint32_t overlay;             /* ForwardingHeader.overlay (6.3.2) */
  uint16_t configuration_sequence;
  uint8_t initial_ttl;          /* 100 unless the overlay says otherwise (6.3.2) */
  size_t node_id_len;           /* 16..20 */
  size_t max_message_size;      /* the overlay's max-message-size (11.1) */
  const char *target_node_id;   /* hex, or NULL when not known */
  const char *my_node_id;       /* hex: the Node-ID the runner acts as */
  int verify_signatures;        /* 1: a bad signature fails the test; 0: it is reported */
  int target_silent;            /* the preflight Ping got no answer: tests that pass
                                   on silence are INCONCLUSIVE */
  int lenient;                  /* match answers by connection and code when the
                                   transaction_id is wrong; the test still fails */
  int have_credentials;         /* messages are signed */
  uint64_t timeout_ms;          /* for expect steps without `within` */
  uint64_t seed;                /* random numbers; 0: from /dev/urandom */
  /* More variables every scenario starts with, also visible to skip-if
   * conditions (the Kind-IDs to store under, the user name...); NULL or a
   * JSON object, borrowed. */
  const json_t *vars;
} rl_conf_settings;

typedef struct rl_conf_runner rl_conf_runner;

/* codec carries the decoding parameters, credentials and trust; it,
 * the transport and the table are borrowed for the runner's life. */
int rl_conf_runner_new(const rl_conf_settings *s, rl_conf_codec *codec, rl_conf_transport *t,
                       const rl_conf_reqtable *reqs, rl_conf_runner **out);
void rl_conf_runner_free(rl_conf_runner *r);

/* Run one scenario (not a responder file). res is filled; free it with
 * rl_conf_result_free. Returns 0, or RL_ERR_NOMEM. */
int rl_conf_run(rl_conf_runner *r, const rl_scenario *sc, rl_conf_result *res);
/* The preflight found the target silent (settings.target_silent); or
 * learned its Node-ID (hex, kept by the caller while r lives). */
void rl_conf_runner_set_silent(rl_conf_runner *r, int silent);
void rl_conf_runner_set_target_node_id(rl_conf_runner *r, const char *hex);
/* settings.lenient on or off; returns what it was. */
int rl_conf_runner_set_lenient(rl_conf_runner *r, int lenient);

/* Without a transport: build every message sc would send, with dummy
 * values for what it would capture from answers, and substitute every
 * matcher value. 0, or an rl_err with "file:line:col: reason" in why.
 * Finds templates the codec refuses and undefined variables before a
 * run against a real implementation does. */
int rl_conf_check_templates(rl_conf_runner *r, const rl_scenario *sc, char *why, size_t whylen);

/* Every requirement ID of sc is in the table? 0, or RL_ERR_NOT_FOUND with
 * "file:line:col: unknown requirement ID X" in why. */
int rl_conf_check_requirements(const rl_scenario *sc, const rl_conf_reqtable *t, char *why,
                               size_t whylen);

#endif
