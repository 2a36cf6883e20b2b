/* sim/sim.h: reload-sim's world (issue 16): N whole reference peers --
 * the same node core as reload-peer (peer/node.h: codec, routing, Chord,
 * storage, replication, signatures, configuration) -- in one process, in
 * virtual time, over simulated links (sim/simnet.h), with churn and a
 * workload of stores and fetches. Each statistics window is written as a
 * JSON line; rl_sim_summary prints the table. The same parameters and
 * seed give the same run. */
#ifndef RL_SIM_SIM_H
#define RL_SIM_SIM_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "sim/simnet.h"

typedef enum rl_sim_session { RL_SIM_EXPONENTIAL = 0, RL_SIM_PARETO } rl_sim_session;

typedef struct rl_sim_params {
  size_t peers;             /* peers of the initial overlay */
  uint64_t seed;
  rl_sim_net_params net;
  uint64_t join_spacing_ms; /* the initial peers join one every ...; 0: 50 */
  uint64_t form_limit_ms;   /* the ring must form within (virtual); 0: no limit */
  uint64_t settle_ms;       /* after the last join, before the workload; 0: 30 s */
  uint64_t update_interval_ms; /* chord-update-interval; 0: 30 s */
  uint64_t window_ms;       /* statistics window; 0: 10 s */
  /* Workload: fetches a second, over peers chosen at random, of values
   * the peers stored (each peer stores one, NODE-MATCH, 7.3.2); stop
   * after `fetches`. */
  double fetch_rate;
  size_t fetches;
  /* Churn during the workload: median session time (0: none), arrivals
   * keep the size steady (Poisson, rate N / mean session). */
  double session_median_s;
  rl_sim_session session;
  double pareto_shape;      /* 0: 2 */
  /* Mass failure: this fraction of the peers fails at once, at
   * fail_at_ms after the workload starts (0: none). */
  double fail_fraction;
  uint64_t fail_at_ms;
  FILE *jsonl;              /* the windows, JSON lines; NULL: none */
  FILE *log;                /* progress lines; NULL: none */
  int node_verbosity;       /* the nodes' logs (to log) */
} rl_sim_params;

/* What the run measured, in all. */
typedef struct rl_sim_totals {
  size_t peers_max, peers_end, joins, failures;
  uint64_t ring_formed_ms;    /* virtual time the initial ring was whole; 0: never */
  uint64_t fetches, fetch_ok, fetch_notfound, fetch_failed;
  double hops_mean, hops_p99, latency_ms_mean, latency_ms_p99;
  /* Values lost: not found CHECK_TRIES times, 15 s apart; late: found
   * only on a re-check. */
  uint64_t stores_acked, values_checked, values_lost, values_late;
  double ring_correct;        /* at the end */
  uint64_t messages, message_bytes;
  uint64_t virtual_ms;
  double wall_s, mem_per_peer_kib;
  uint64_t events;
} rl_sim_totals;

typedef struct rl_sim rl_sim;

/* A world (CA, configuration, credentials); NULL with a reason. */
rl_sim *rl_sim_new(const rl_sim_params *p, char *why, size_t whylen);
void rl_sim_free(rl_sim *s);
/* Run it all: form the ring, store, fetch under churn, check what was
 * stored. 0, or an rl_err with the reason in why. */
int rl_sim_run(rl_sim *s, char *why, size_t whylen);
void rl_sim_get_totals(const rl_sim *s, rl_sim_totals *out);
/* The summary table. */
void rl_sim_summary(const rl_sim *s, FILE *out);

#endif
