/* sim/simnet.h: the simulated network of reload-sim (issue 16): virtual
 * time, an event queue, and links between simulated hosts with a latency
 * (constant, or from a latency matrix), loss and bandwidth.
 *
 * Nothing here touches a socket: a "link" is a pair of numbers, one per
 * end (the numbers each node core gave it), and a message sent on it is an
 * event at the other end, later. Events are ordered by time, then by the
 * order they were scheduled, so the same inputs give the same run. */
#ifndef RL_SIM_SIMNET_H
#define RL_SIM_SIMNET_H

#include <stddef.h>
#include <stdint.h>

typedef enum rl_sim_ev_type {
  RL_SIM_EV_TICK = 1, /* a node's timer (aux: the generation it was set in) */
  RL_SIM_EV_ACCEPT,   /* a connection reaches its listener (link: the caller's end) */
  RL_SIM_EV_UP,       /* a link's handshake finished at this end */
  RL_SIM_EV_DELIVER,  /* a message arrives (bytes) */
  RL_SIM_EV_CLOSED,   /* a link is gone at this end (aux: rl_link_fail) */
  RL_SIM_EV_CHURN,    /* the churn model's next arrival or departure */
  RL_SIM_EV_WORKLOAD, /* the workload's next operation */
  RL_SIM_EV_WINDOW,   /* the end of a statistics window */
  RL_SIM_EV_RECHECK   /* fetch a value not found again (aux: the attempt) */
} rl_sim_ev_type;

typedef struct rl_sim_event {
  uint64_t t_us;
  uint64_t seq;
  uint32_t type;
  uint32_t host;  /* the host (node) it happens at */
  uint64_t link;  /* that host's number of the link */
  uint64_t aux;
  uint8_t *bytes; /* DELIVER: owned by the event */
  size_t len;
} rl_sim_event;

typedef struct rl_sim_queue {
  rl_sim_event *h; /* a binary heap */
  size_t n, cap;
  uint64_t seq;
} rl_sim_queue;

void rl_sim_queue_init(rl_sim_queue *q);
void rl_sim_queue_free(rl_sim_queue *q);
/* Schedule e (its seq is set here). 0 or RL_ERR_NOMEM. */
int rl_sim_queue_push(rl_sim_queue *q, const rl_sim_event *e);
/* The earliest event into *out: 1, or 0 when the queue is empty. */
int rl_sim_queue_pop(rl_sim_queue *q, rl_sim_event *out);

/* The network's model. Latencies are one way. */
typedef struct rl_sim_net_params {
  uint64_t latency_us;       /* constant one-way latency (matrix: 0) */
  const uint32_t *matrix_us; /* a site x site one-way latency matrix, or NULL */
  size_t nsites;             /* hosts are spread over the sites round robin */
  double loss;               /* probability a message is lost (0..1) */
  uint64_t bandwidth_bps;    /* each direction of each link; 0: unlimited */
} rl_sim_net_params;

/* One-way latency between two hosts. */
uint64_t rl_sim_latency_us(const rl_sim_net_params *p, uint32_t a, uint32_t b);

/* The links: (host, its link number) -> the link, both ends. */
typedef struct rl_sim_link {
  uint32_t host[2];
  uint64_t id[2];     /* each end's number; 0: that end has none (yet) */
  uint64_t busy_us[2];/* when each direction's last message is on the wire */
  uint8_t open[2];
} rl_sim_link;

typedef struct rl_sim_links {
  rl_sim_link *v;    /* slots; free ones chained through id[0] */
  size_t n, cap;
  size_t free_head;  /* 1 + index of a free slot; 0: none */
  /* (host, id) -> 1 + slot, open addressing */
  uint64_t *keys;
  uint32_t *vals;
  size_t hcap, hcount;
} rl_sim_links;

void rl_sim_links_init(rl_sim_links *l);
void rl_sim_links_free(rl_sim_links *l);
/* A new link from host a's end ida; its slot index, or -1 (no memory). */
long rl_sim_link_new(rl_sim_links *l, uint32_t a, uint64_t ida);
/* Name the far end (host b calls it idb). 0 or RL_ERR_NOMEM. */
int rl_sim_link_set_far(rl_sim_links *l, long slot, uint32_t b, uint64_t idb);
/* The slot of host's link id, and which end host is; -1 when none. */
long rl_sim_link_find(const rl_sim_links *l, uint32_t host, uint64_t id, int *end);
/* One end is gone (its number forgotten); the slot is freed when both are. */
void rl_sim_link_drop_end(rl_sim_links *l, long slot, int end);

/* A small deterministic generator (xoshiro-style split-mix). */
typedef struct rl_sim_rng {
  uint64_t s;
} rl_sim_rng;
uint64_t rl_sim_rand(rl_sim_rng *r);
double rl_sim_uniform(rl_sim_rng *r); /* [0, 1) */
double rl_sim_exponential(rl_sim_rng *r, double mean);
double rl_sim_pareto(rl_sim_rng *r, double median, double shape);

#endif
