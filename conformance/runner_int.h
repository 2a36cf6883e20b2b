/* runner_int.h: what runner.c (the steps) and runner_explain.c (what a
 * failure says: the requirements, what was sent, what came, what arrived
 * instead and why it did not do) share. Not installed. */
#ifndef RL_CONF_RUNNER_INT_H
#define RL_CONF_RUNNER_INT_H

#include <stddef.h>
#include <stdint.h>

#include "build.h"
#include "runner.h"

#define MAX_CONNS 16
#define MAILBOX_MAX 64 /* messages kept per connection for later expects */

/* A growing string. */
typedef struct sbuf {
  char *s;
  size_t n, cap;
  int failed;
} sbuf;

void rl_confr_sb_printf(sbuf *b, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/* The string (malloc'ed, the caller frees it), or NULL when it failed. */
char *rl_confr_sb_take(sbuf *b);


typedef struct received {
  json_t *json;
  int ok;
  char *hex; /* hex dump when it did not decode */
  int sig_state;
  char sig_note[360];
  uint64_t txid;
  int have_txid;
  uint64_t at_ms; /* when it arrived, on the transport's clock */
} received;

typedef struct conn {
  char name[64];
  int open;
  received box[MAILBOX_MAX];
  size_t nbox;
} conn;

struct rl_conf_runner {
  rl_conf_settings s;
  rl_conf_codec *codec;
  rl_conf_transport *t;
  const rl_conf_reqtable *reqs;
  uint64_t rng;
};

typedef struct run {
  rl_conf_runner *R;
  const rl_scenario *sc;
  rl_conf_env env;
  rl_conf_builder builder;
  conn conns[MAX_CONNS];
  /* For explanations and correlation. */
  json_t *sent;        /* the last message sent, decoded */
  char *sent_hex;      /* or its bytes when it does not decode */
  rl_scen_loc sent_loc;
  int have_txid;
  uint64_t txid;       /* of the last message sent */
  uint64_t sent_ms;    /* when it was sent */
  /* --lenient: a deviation let through so that the scenario could go on;
   * the test still fails with it at the end. */
  char deviation[512];
  json_t *seen;        /* a message a failing step looked at and refused */
  json_t *arrived;     /* what came instead when a wait ran out (JSON array) */
  received last;       /* the last message an expect accepted */
  int have_last;
  /* The outcome. */
  rl_conf_status status;
  int scenario_error;
  char reason[768];
  sbuf details;
  const rl_scen_step *step;
} run;

typedef enum wait_for { WAIT_ANSWER, WAIT_MATCHING, WAIT_CLOSE, WAIT_NOTHING } wait_for;

/* RFC 6940 6.3.2, on transaction_id (a sentence without a keyword, so
 * not a row of the requirements table). */
#define TXID_ECHO_RULE                                                                             \
  "RFC 6940 6.3.2: \"Responses use the same transaction ID as the request to which they "        \
  "correspond.\""

/* runner_explain.c. The message_code of a decoded message, or "". */
const char *rl_confr_code_of(const received *m);
/* An answer (6.3.3.1: response codes are even, the error 0xffff)? */
int rl_confr_is_answer(const received *m);
/* Into x->details: where the step is and the requirements with the RFC's
 * words; the matchers of b under title. */
void rl_confr_explain_head(run *x);
void rl_confr_explain_matchers(run *x, const rl_scen_block *b, const char *title);
/* Into x->details: a received message, decoded or in hex. */
void rl_confr_explain_message(run *x, const char *title, const received *m);
/* Into x->details: where, the requirements with the RFC's words, what was
 * sent, what was expected, what came back (each part when given). */
void rl_confr_explain(run *x, const received *got, const rl_scen_block *expected);
/* A wait w of step s that began at since ran out: every message that
 * came and was not taken, on c and the other connections, decoded, each
 * with why it did not do (also into x->arrived as JSON). */
void rl_confr_explain_arrivals(run *x, const conn *c, wait_for w, const rl_scen_step *s,
                               uint64_t since);
/* An answer whose transaction_id is not the request's, waiting in c's
 * mailbox since the request went out; NULL when there is none. */
const received *rl_confr_answer_other_txid(run *x, const conn *c);

#endif
