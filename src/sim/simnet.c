/* sim/simnet.c: virtual time, the event heap, links and their model
 * (sim/simnet.h). */
#include "sim/simnet.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/error.h"

/* ---------- the event heap ---------- */

void rl_sim_queue_init(rl_sim_queue *q) { memset(q, 0, sizeof *q); }

void rl_sim_queue_free(rl_sim_queue *q) {
  for (size_t i = 0; i < q->n; i++) free(q->h[i].bytes);
  free(q->h);
  memset(q, 0, sizeof *q);
}

static int before(const rl_sim_event *a, const rl_sim_event *b) {
  return a->t_us < b->t_us || (a->t_us == b->t_us && a->seq < b->seq);
}

int rl_sim_queue_push(rl_sim_queue *q, const rl_sim_event *e) {
  size_t i;
  if (q->n == q->cap) {
    size_t ncap = q->cap ? q->cap * 2 : 1024;
    rl_sim_event *nh = realloc(q->h, ncap * sizeof *nh);
    if (!nh) return RL_ERR_NOMEM;
    q->h = nh;
    q->cap = ncap;
  }
  i = q->n++;
  q->h[i] = *e;
  q->h[i].seq = q->seq++;
  while (i > 0) {
    size_t p = (i - 1) / 2;
    rl_sim_event t;
    if (!before(&q->h[i], &q->h[p])) break;
    t = q->h[i];
    q->h[i] = q->h[p];
    q->h[p] = t;
    i = p;
  }
  return 0;
}

int rl_sim_queue_pop(rl_sim_queue *q, rl_sim_event *out) {
  size_t i = 0;
  if (!q->n) return 0;
  *out = q->h[0];
  q->h[0] = q->h[--q->n];
  for (;;) {
    size_t l = 2 * i + 1, r = l + 1, m = i;
    rl_sim_event t;
    if (l < q->n && before(&q->h[l], &q->h[m])) m = l;
    if (r < q->n && before(&q->h[r], &q->h[m])) m = r;
    if (m == i) break;
    t = q->h[i];
    q->h[i] = q->h[m];
    q->h[m] = t;
    i = m;
  }
  return 1;
}

/* ---------- the model ---------- */

uint64_t rl_sim_latency_us(const rl_sim_net_params *p, uint32_t a, uint32_t b) {
  if (p->matrix_us && p->nsites) return p->matrix_us[(a % p->nsites) * p->nsites + b % p->nsites];
  return p->latency_us;
}

/* ---------- links ---------- */

void rl_sim_links_init(rl_sim_links *l) { memset(l, 0, sizeof *l); }

void rl_sim_links_free(rl_sim_links *l) {
  free(l->v);
  free(l->keys);
  free(l->vals);
  memset(l, 0, sizeof *l);
}

/* Hosts have fewer than 2^24 links each in any run: the key is unique. */
static uint64_t key_of(uint32_t host, uint64_t id) { return ((uint64_t)host << 40) ^ id; }

static size_t hash_of(uint64_t k, size_t cap) {
  k ^= k >> 33;
  k *= 0xff51afd7ed558ccdull;
  k ^= k >> 33;
  return (size_t)(k & (cap - 1));
}

static int map_grow(rl_sim_links *l) {
  size_t ncap = l->hcap ? l->hcap * 2 : 1024;
  uint64_t *nk = calloc(ncap, sizeof *nk);
  uint32_t *nv = calloc(ncap, sizeof *nv);
  if (!nk || !nv) {
    free(nk);
    free(nv);
    return RL_ERR_NOMEM;
  }
  for (size_t i = 0; i < l->hcap; i++) {
    size_t j;
    if (!l->vals[i]) continue;
    for (j = hash_of(l->keys[i], ncap); nv[j]; j = (j + 1) & (ncap - 1)) {
    }
    nk[j] = l->keys[i];
    nv[j] = l->vals[i];
  }
  free(l->keys);
  free(l->vals);
  l->keys = nk;
  l->vals = nv;
  l->hcap = ncap;
  return 0;
}

static int map_put(rl_sim_links *l, uint64_t k, uint32_t v) {
  size_t j;
  if ((l->hcount + 1) * 2 > l->hcap && map_grow(l) != 0) return RL_ERR_NOMEM;
  for (j = hash_of(k, l->hcap); l->vals[j]; j = (j + 1) & (l->hcap - 1)) {
  }
  l->keys[j] = k;
  l->vals[j] = v;
  l->hcount++;
  return 0;
}

static long map_get(const rl_sim_links *l, uint64_t k) {
  if (!l->hcap) return -1;
  for (size_t j = hash_of(k, l->hcap); l->vals[j]; j = (j + 1) & (l->hcap - 1))
    if (l->keys[j] == k) return (long)l->vals[j] - 1;
  return -1;
}

/* Removal by backward shift: no tombstones, lookups stay short. */
static void map_del(rl_sim_links *l, uint64_t k) {
  size_t j, i;
  if (!l->hcap) return;
  for (j = hash_of(k, l->hcap); l->vals[j] && l->keys[j] != k; j = (j + 1) & (l->hcap - 1)) {
  }
  if (!l->vals[j]) return;
  l->vals[j] = 0;
  l->hcount--;
  i = j;
  for (;;) {
    size_t h;
    i = (i + 1) & (l->hcap - 1);
    if (!l->vals[i]) return;
    h = hash_of(l->keys[i], l->hcap);
    /* Move it into the hole unless its home lies cyclically in (j, i]. */
    if ((j < i) ? (h > j && h <= i) : (h > j || h <= i)) continue;
    l->keys[j] = l->keys[i];
    l->vals[j] = l->vals[i];
    l->vals[i] = 0;
    j = i;
  }
}

long rl_sim_link_new(rl_sim_links *l, uint32_t a, uint64_t ida) {
  size_t slot;
  if (l->free_head) {
    slot = l->free_head - 1;
    l->free_head = (size_t)l->v[slot].id[1];
  } else {
    if (l->n == l->cap) {
      size_t ncap = l->cap ? l->cap * 2 : 1024;
      rl_sim_link *nv = realloc(l->v, ncap * sizeof *nv);
      if (!nv) return -1;
      l->v = nv;
      l->cap = ncap;
    }
    slot = l->n++;
  }
  memset(&l->v[slot], 0, sizeof l->v[slot]);
  l->v[slot].host[0] = a;
  l->v[slot].id[0] = ida;
  l->v[slot].open[0] = 1;
  if (map_put(l, key_of(a, ida), (uint32_t)slot + 1) != 0) return -1;
  return (long)slot;
}

int rl_sim_link_set_far(rl_sim_links *l, long slot, uint32_t b, uint64_t idb) {
  rl_sim_link *k = &l->v[slot];
  k->host[1] = b;
  k->id[1] = idb;
  k->open[1] = 1;
  return map_put(l, key_of(b, idb), (uint32_t)slot + 1);
}

long rl_sim_link_find(const rl_sim_links *l, uint32_t host, uint64_t id, int *end) {
  long s = map_get(l, key_of(host, id));
  if (s < 0) return -1;
  *end = (l->v[s].host[0] == host && l->v[s].id[0] == id && l->v[s].open[0]) ? 0 : 1;
  return s;
}

void rl_sim_link_drop_end(rl_sim_links *l, long slot, int end) {
  rl_sim_link *k = &l->v[slot];
  if (!k->open[end]) return;
  map_del(l, key_of(k->host[end], k->id[end]));
  k->open[end] = 0;
  if (!k->open[0] && !k->open[1]) {
    k->id[1] = l->free_head;
    l->free_head = (size_t)slot + 1;
  }
}

/* ---------- random numbers ---------- */

uint64_t rl_sim_rand(rl_sim_rng *r) {
  uint64_t z = (r->s += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

double rl_sim_uniform(rl_sim_rng *r) { return (double)(rl_sim_rand(r) >> 11) * 0x1.0p-53; }

double rl_sim_exponential(rl_sim_rng *r, double mean) {
  return -mean * log(1.0 - rl_sim_uniform(r));
}

/* Pareto with the given median: x_m * 2^(1/shape) = median. */
double rl_sim_pareto(rl_sim_rng *r, double median, double shape) {
  double xm = median / pow(2.0, 1.0 / shape);
  return xm / pow(1.0 - rl_sim_uniform(r), 1.0 / shape);
}
