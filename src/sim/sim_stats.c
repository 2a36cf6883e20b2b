/* sim/sim_stats.c: what a simulation run measures (sim/sim.h): per
 * window and in all, lookups (success, hops, latency), messages by type,
 * the ring's correctness, memory per peer; the JSON lines and the
 * summary table. */
#define _GNU_SOURCE
#include "sim/sim_int.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "overlay/chord.h"

static int push_sample(rl_sim_window *w, unsigned hops, uint64_t lat_us) {
  if (w->nsamples == w->cap) {
    size_t ncap = w->cap ? w->cap * 2 : 256;
    uint64_t *h = realloc(w->hops, ncap * sizeof *h);
    if (!h) return RL_ERR_NOMEM;
    w->hops = h;
    uint64_t *l = realloc(w->lat_us, ncap * sizeof *l);
    if (!l) return RL_ERR_NOMEM;
    w->lat_us = l;
    w->cap = ncap;
  }
  w->hops[w->nsamples] = hops;
  w->lat_us[w->nsamples] = lat_us;
  w->nsamples++;
  return 0;
}

void rl_sim_win_sample(rl_sim_window *w, unsigned hops, uint64_t lat_us) {
  push_sample(w, hops, lat_us);
}

/* The message code of a whole message (or a first fragment): after the
 * forwarding header's fixed 38 bytes and its three lists (6.3.2). */
void rl_sim_win_message(rl_sim_window *w, const uint8_t *m, size_t len) {
  size_t off;
  unsigned code;
  w->messages++;
  w->bytes += len;
  if (len < 38) return;
  off = 38u + (((size_t)m[32] << 8) | m[33]) + (((size_t)m[34] << 8) | m[35]) +
        (((size_t)m[36] << 8) | m[37]);
  if (off + 2 > len) return;
  code = ((unsigned)m[off] << 8) | m[off + 1];
  /* A request (odd) and its answer (the next even code) count together. */
  if (code == 0xffff)
    w->by_code[63]++;
  else if (code >= 1 && code < 127)
    w->by_code[(code - 1) / 2]++;
}

void rl_sim_win_clear(rl_sim_window *w) {
  uint64_t *h = w->hops, *l = w->lat_us;
  size_t cap = w->cap;
  memset(w, 0, sizeof *w);
  w->hops = h;
  w->lat_us = l;
  w->cap = cap;
}

void rl_sim_win_free(rl_sim_window *w) {
  free(w->hops);
  free(w->lat_us);
  memset(w, 0, sizeof *w);
}

static int cmp_u64(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return x < y ? -1 : x > y;
}

/* Mean and 99th percentile of v (sorted here). */
static void mean_p99(uint64_t *v, size_t n, double *mean, double *p99) {
  double sum = 0;
  *mean = *p99 = 0;
  if (!n) return;
  qsort(v, n, sizeof *v, cmp_u64);
  for (size_t i = 0; i < n; i++) sum += (double)v[i];
  *mean = sum / (double)n;
  *p99 = (double)v[(n * 99) / 100 < n ? (n * 99) / 100 : n - 1];
}

static int cmp_id(const void *a, const void *b) { return memcmp(a, b, RL_SIM_ID_LEN); }

double rl_sim_ring_correct(const rl_sim *s) {
  uint8_t (*ids)[RL_SIM_ID_LEN] = malloc(s->npeers * sizeof *ids);
  size_t n = 0, right = 0;
  if (!ids) return -1;
  for (size_t i = 0; i < s->npeers; i++)
    if (s->peers[i].node && rl_node_ready(s->peers[i].node)) memcpy(ids[n++], s->peers[i].id, RL_SIM_ID_LEN);
  qsort(ids, n, sizeof *ids, cmp_id);
  for (size_t i = 0; i < s->npeers; i++) {
    rl_nodeid succ;
    const uint8_t(*me)[RL_SIM_ID_LEN];
    size_t k;
    if (!s->peers[i].node || !rl_node_ready(s->peers[i].node)) continue;
    me = bsearch(s->peers[i].id, ids, n, sizeof *ids, cmp_id);
    k = (size_t)(me - ids);
    if (rl_chord_successors(rl_node_chord(s->peers[i].node), &succ, 1) == 1 &&
        memcmp(succ.b, ids[(k + 1) % n], RL_SIM_ID_LEN) == 0)
      right++;
  }
  free(ids);
  return n ? (double)right / (double)n : 0;
}

size_t rl_sim_rss_kib(void) {
  long pages = 0, rss = 0;
  FILE *f = fopen("/proc/self/statm", "r");
  if (!f) return 0;
  if (fscanf(f, "%ld %ld", &pages, &rss) != 2) rss = 0;
  fclose(f);
  return (size_t)rss * (size_t)sysconf(_SC_PAGESIZE) / 1024u;
}

double rl_sim_wall(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double mem_per_peer(const rl_sim *s) {
  size_t rss = rl_sim_rss_kib();
  return s->alive && rss > s->rss_base_kib ? (double)(rss - s->rss_base_kib) / (double)s->alive : 0;
}

static void json_codes(FILE *f, const rl_sim_window *w, double per) {
  int first = 1;
  fputs("\"msgs_per_peer_s_by_type\":{", f);
  for (unsigned i = 0; i < 64; i++) {
    const char *name;
    int len;
    if (!w->by_code[i]) continue;
    name = i == 63 ? "error" : rl_MessageCode_name((rl_MessageCode)(i * 2 + 1));
    if (!name) name = "?";
    /* "attach_req" names the pair: "attach". */
    len = (int)strlen(name);
    if (len > 4 && strcmp(name + len - 4, "_req") == 0) len -= 4;
    fprintf(f, "%s\"%.*s\":%.3f", first ? "" : ",", len, name, (double)w->by_code[i] * per);
    first = 0;
  }
  fputs("}", f);
}

static void window_json(rl_sim *s, rl_sim_window *w, double secs) {
  double hm, hp, lm, lp, per = s->alive && secs > 0 ? 1.0 / ((double)s->alive * secs) : 0;
  mean_p99(w->hops, w->nsamples, &hm, &hp);
  mean_p99(w->lat_us, w->nsamples, &lm, &lp);
  fprintf(s->p.jsonl,
          "{\"t_s\":%.1f,\"phase\":%d,\"peers\":%zu,\"joins\":%zu,\"failures\":%zu,"
          "\"fetches\":%llu,\"ok\":%llu,\"notfound\":%llu,\"failed\":%llu,\"success\":%.5f,"
          "\"hops_mean\":%.3f,\"hops_p99\":%.0f,\"latency_ms_mean\":%.2f,\"latency_ms_p99\":%.2f,"
          "\"ring_correct\":%.4f,\"msgs_per_peer_s\":%.3f,\"bytes_per_peer_s\":%.1f,",
          (double)s->now_us / 1e6, s->phase, s->alive, w->joins, w->failures,
          (unsigned long long)w->fetches, (unsigned long long)w->ok,
          (unsigned long long)w->notfound, (unsigned long long)w->failed,
          w->fetches ? (double)w->ok / (double)w->fetches : 1.0, hm, hp, lm / 1000.0, lp / 1000.0,
          rl_sim_ring_correct(s), (double)w->messages * per, (double)w->bytes * per);
  json_codes(s->p.jsonl, w, per);
  fprintf(s->p.jsonl, ",\"mem_per_peer_kib\":%.1f,\"wall_s\":%.2f}\n", mem_per_peer(s),
          rl_sim_wall() - s->wall_start);
  fflush(s->p.jsonl);
}

void rl_sim_window_end(rl_sim *s) {
  rl_sim_window *w = &s->win, *a = &s->all;
  double secs = (double)(s->now_us - s->win_start_us) / 1e6;
  if (s->p.jsonl && secs > 0) window_json(s, w, secs);
  if (s->p.log)
    fprintf(s->p.log, "sim: t=%.0fs peers=%zu fetches=%llu ok=%llu wall=%.1fs\n",
            (double)s->now_us / 1e6, s->alive, (unsigned long long)w->fetches,
            (unsigned long long)w->ok, rl_sim_wall() - s->wall_start);
  a->fetches += w->fetches;
  a->ok += w->ok;
  a->notfound += w->notfound;
  a->failed += w->failed;
  a->messages += w->messages;
  a->bytes += w->bytes;
  a->joins += w->joins;
  a->failures += w->failures;
  for (size_t i = 0; i < w->nsamples; i++) push_sample(a, (unsigned)w->hops[i], w->lat_us[i]);
  if (s->alive > s->tot.peers_max) s->tot.peers_max = s->alive;
  s->tot.mem_per_peer_kib = mem_per_peer(s) > s->tot.mem_per_peer_kib ? mem_per_peer(s)
                                                                      : s->tot.mem_per_peer_kib;
  rl_sim_win_clear(w);
  s->win_start_us = s->now_us;
  s->tot.fetches = a->fetches;
  s->tot.fetch_ok = a->ok;
  s->tot.fetch_notfound = a->notfound;
  s->tot.fetch_failed = a->failed;
  s->tot.messages = a->messages;
  s->tot.message_bytes = a->bytes;
  s->tot.joins = a->joins;
  s->tot.failures = a->failures;
}

void rl_sim_summary(const rl_sim *s, FILE *out) {
  const rl_sim_totals *t = &s->tot;
  rl_sim_window a = s->all;
  double hm, hp, lm, lp;
  uint64_t *h = malloc((a.nsamples + 1) * sizeof *h), *l = malloc((a.nsamples + 1) * sizeof *l);
  if (!h || !l) {
    free(h);
    free(l);
    return;
  }
  memcpy(h, a.hops, a.nsamples * sizeof *h);
  memcpy(l, a.lat_us, a.nsamples * sizeof *l);
  mean_p99(h, a.nsamples, &hm, &hp);
  mean_p99(l, a.nsamples, &lm, &lp);
  free(h);
  free(l);
  fprintf(out, "%-34s %s\n", "measure", "value");
  fprintf(out, "%-34s %zu (at most %zu; %zu joins, %zu failures under churn)\n", "peers at the end",
          t->peers_end, t->peers_max, t->joins, t->failures);
  fprintf(out, "%-34s %.1f s\n", "ring formed at (virtual)", (double)t->ring_formed_ms / 1000.0);
  fprintf(out, "%-34s %llu: %llu ok, %llu not found, %llu failed\n", "fetches",
          (unsigned long long)t->fetches, (unsigned long long)t->fetch_ok,
          (unsigned long long)t->fetch_notfound, (unsigned long long)t->fetch_failed);
  fprintf(out, "%-34s %.4f%%\n", "lookup success",
          t->fetches ? 100.0 * (double)t->fetch_ok / (double)t->fetches : 0.0);
  fprintf(out, "%-34s mean %.2f, p99 %.0f\n", "hops", hm, hp);
  fprintf(out, "%-34s mean %.1f, p99 %.1f\n", "latency (virtual ms)", lm / 1000.0, lp / 1000.0);
  fprintf(out, "%-34s %llu acknowledged, %llu checked, %llu lost, %llu found late\n",
          "stored values", (unsigned long long)t->stores_acked,
          (unsigned long long)t->values_checked, (unsigned long long)t->values_lost,
          (unsigned long long)t->values_late);
  fprintf(out, "%-34s %.4f\n", "ring correct (successor right)", t->ring_correct);
  fprintf(out, "%-34s %.2f per peer per second\n", "messages",
          t->virtual_ms && t->peers_max
              ? (double)t->messages / ((double)t->virtual_ms / 1000.0) / (double)t->peers_max
              : 0.0);
  fprintf(out, "%-34s %.1f KiB (RSS growth / peers, the most)\n", "memory per peer",
          t->mem_per_peer_kib);
  fprintf(out, "%-34s %.1f s virtual in %.1f s wall: %.0f peer-seconds per wall second\n", "speed",
          (double)t->virtual_ms / 1000.0, t->wall_s,
          t->wall_s > 0 ? (double)t->virtual_ms / 1000.0 * (double)t->peers_max / t->wall_s : 0.0);
  fprintf(out, "%-34s %llu\n", "events", (unsigned long long)t->events);
}
