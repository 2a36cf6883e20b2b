/* sim/sim_int.h: the state of a simulation run, shared by sim.c (the
 * event loop, peers, links) and sim_stats.c (windows, workload records,
 * the report). Not installed. */
#ifndef RL_SIM_SIM_INT_H
#define RL_SIM_SIM_INT_H

#include "peer/node.h"
#include "sim/sim.h"
#include "sim/sim_world.h"

typedef struct rl_sim_peer {
  rl_node *node;           /* NULL once it failed */
  rl_credentials *cred;    /* kept to the end: certificates in flight point here */
  uint8_t id[RL_SIM_ID_LEN];
  uint8_t resource[RL_SIM_ID_LEN]; /* H(Node-ID): its NODE-MATCH value's Resource-ID */
  uint64_t tick_at, tick_gen;
  uint64_t born_us, dies_us;
  int stored;              /* its value's Store: 0 not yet, 1 sent, 2 acknowledged */
  int was_ready;
  uint64_t stored_us;      /* when its Store was acknowledged */
} rl_sim_peer;

/* The statistics of one window (sim_stats.c). */
typedef struct rl_sim_window {
  uint64_t fetches, ok, notfound, failed;
  uint64_t *hops;          /* one per successful fetch */
  uint64_t *lat_us;
  size_t nsamples, cap;
  uint64_t messages, bytes;
  uint64_t by_code[64];    /* message codes 1..127 by code/2; [63]: errors */
  size_t joins, failures;
} rl_sim_window;

struct rl_sim {
  rl_sim_params p;
  rl_sim_world world;
  rl_node_scratch scratch; /* one event at a time: every peer shares it */
  rl_sim_rng rng;
  rl_sim_queue q;
  rl_sim_links links;
  rl_sim_peer *peers;
  size_t npeers, cap, alive;
  uint64_t now_us;
  int phase;               /* 0 forming, 1 settling, 2 workload, 3 checking, 4 done */
  uint64_t workload_start_us, phase_end_us;
  size_t fetches_sent, checks_sent, checks_done, stores_sent;
  size_t outstanding;      /* requests whose callback has not come */
  size_t rechecks;         /* re-checks scheduled */
  rl_sim_window win, all;
  uint64_t win_start_us;
  rl_sim_totals tot;
  size_t rss_base_kib;
  double wall_start;
  int failed_mass;
};

/* sim_stats.c */
void rl_sim_win_sample(rl_sim_window *w, unsigned hops, uint64_t lat_us);
void rl_sim_win_message(rl_sim_window *w, const uint8_t *msg, size_t len);
void rl_sim_win_clear(rl_sim_window *w);
void rl_sim_win_free(rl_sim_window *w);
/* The window is over: a JSON line, and it joins the totals. */
void rl_sim_window_end(rl_sim *s);
double rl_sim_ring_correct(const rl_sim *s);
size_t rl_sim_rss_kib(void);
double rl_sim_wall(void);

#endif
