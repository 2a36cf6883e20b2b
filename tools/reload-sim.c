/* reload-sim: N whole reference peers in one process, in virtual time,
 * over simulated links, with churn and a workload (src/sim/sim.h; issue
 * 16). Prints a summary table; --json writes one JSON line per window. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/error.h"
#include "security/cert.h"
#include "security/sign.h"
#include "sim/sim.h"

static void usage(FILE *f) {
  fprintf(f,
          "usage: reload-sim [options]\n"
          "  --peers N              peers of the initial overlay (default 100)\n"
          "  --seed S               the run's seed (default 1): same seed, same run\n"
          "  --latency MS           one-way link latency in ms (default 20)\n"
          "  --latency-matrix FILE  one-way latencies in ms, a square matrix of sites\n"
          "  --loss P               probability a message is lost (default 0)\n"
          "  --bandwidth BPS        bits a second each way of a link (default unlimited)\n"
          "  --join-spacing MS      the initial peers join one every MS (default 50)\n"
          "  --settle S             seconds between the last join and the workload (30)\n"
          "  --update-interval S    chord-update-interval in seconds (default 30)\n"
          "  --fetches N            fetches of stored values (default 1000)\n"
          "  --fetch-rate R         fetches a second (default 100)\n"
          "  --session-median S     churn: median session in seconds (default: no churn)\n"
          "  --pareto[=SHAPE]       churn: Pareto session times (default exponential)\n"
          "  --fail F --fail-at S   fail the fraction F of peers at once, S s into the workload\n"
          "  --window S             statistics window in seconds (default 10)\n"
          "  --form-limit S         fail when the ring has not formed after S s (virtual)\n"
          "  --json FILE            one JSON line per window\n"
          "  --cheap-signatures     a keyed SHA-256 instead of ECDSA (simulation only)\n"
          "  --verbose[=N]          progress lines (N>1: the nodes' own logs)\n");
}

static int num(const char *opt, const char *v, double lo, double hi, double *out) {
  char *end;
  errno = 0;
  *out = strtod(v, &end);
  if (errno || *end || *out < lo || *out > hi) {
    fprintf(stderr, "reload-sim: %s %s: expected a number in %g..%g\n", opt, v, lo, hi);
    return -1;
  }
  return 0;
}

static uint32_t *read_matrix(const char *path, size_t *nsites) {
  FILE *f = fopen(path, "r");
  double v[4096];
  size_t n = 0, k = 1;
  uint32_t *m;
  if (!f) {
    fprintf(stderr, "reload-sim: %s: %s\n", path, strerror(errno));
    return NULL;
  }
  while (n < 4096 && fscanf(f, "%lf", &v[n]) == 1) n++;
  fclose(f);
  while (k * k < n) k++;
  if (k * k != n || n == 0) {
    fprintf(stderr, "reload-sim: %s: %zu numbers do not make a square matrix\n", path, n);
    return NULL;
  }
  m = malloc(n * sizeof *m);
  if (!m) return NULL;
  for (size_t i = 0; i < n; i++) m[i] = (uint32_t)(v[i] * 1000.0);
  *nsites = k;
  return m;
}

int main(int argc, char **argv) {
  enum { O_LAT = 256, O_MATRIX, O_LOSS, O_BW, O_SPACING, O_SETTLE, O_UPD, O_FETCHES, O_RATE,
         O_SESSION, O_PARETO, O_FAIL, O_FAILAT, O_WINDOW, O_FORM, O_JSON, O_VERBOSE, O_HELP, O_CHEAP };
  static const struct option opts[] = {
      {"peers", 1, 0, 'n'}, {"seed", 1, 0, 's'}, {"latency", 1, 0, O_LAT},
      {"latency-matrix", 1, 0, O_MATRIX}, {"loss", 1, 0, O_LOSS}, {"bandwidth", 1, 0, O_BW},
      {"join-spacing", 1, 0, O_SPACING}, {"settle", 1, 0, O_SETTLE},
      {"update-interval", 1, 0, O_UPD}, {"fetches", 1, 0, O_FETCHES},
      {"fetch-rate", 1, 0, O_RATE}, {"session-median", 1, 0, O_SESSION},
      {"pareto", 2, 0, O_PARETO}, {"fail", 1, 0, O_FAIL}, {"fail-at", 1, 0, O_FAILAT},
      {"window", 1, 0, O_WINDOW}, {"form-limit", 1, 0, O_FORM}, {"json", 1, 0, O_JSON},
      {"verbose", 2, 0, O_VERBOSE}, {"help", 0, 0, O_HELP},
      {"cheap-signatures", 0, 0, O_CHEAP}, {0, 0, 0, 0}};
  rl_sim_params p;
  rl_sim *s;
  char why[512];
  double v;
  int c, rc, verbose = 0;
  uint32_t *matrix = NULL;
  memset(&p, 0, sizeof p);
  p.peers = 100;
  p.seed = 1;
  p.net.latency_us = 20000;
  p.fetches = 1000;
  while ((c = getopt_long(argc, argv, "n:s:", opts, NULL)) != -1) {
    switch (c) {
    case 'n': if (num("--peers", optarg, 1, 131072, &v)) return 2; p.peers = (size_t)v; break;
    case 's': if (num("--seed", optarg, 0, 1e18, &v)) return 2; p.seed = (uint64_t)v; break;
    case O_LAT: if (num("--latency", optarg, 0, 1e6, &v)) return 2; p.net.latency_us = (uint64_t)(v * 1000); break;
    case O_MATRIX:
      if (!(matrix = read_matrix(optarg, &p.net.nsites))) return 2;
      p.net.matrix_us = matrix;
      break;
    case O_LOSS: if (num("--loss", optarg, 0, 1, &v)) return 2; p.net.loss = v; break;
    case O_BW: if (num("--bandwidth", optarg, 1000, 1e12, &v)) return 2; p.net.bandwidth_bps = (uint64_t)v; break;
    case O_SPACING: if (num("--join-spacing", optarg, 1, 1e7, &v)) return 2; p.join_spacing_ms = (uint64_t)v; break;
    case O_SETTLE: if (num("--settle", optarg, 0.001, 1e6, &v)) return 2; p.settle_ms = (uint64_t)(v * 1000); break;
    case O_UPD: if (num("--update-interval", optarg, 0.1, 1e5, &v)) return 2; p.update_interval_ms = (uint64_t)(v * 1000); break;
    case O_FETCHES: if (num("--fetches", optarg, 0, 1e9, &v)) return 2; p.fetches = (size_t)v; break;
    case O_RATE: if (num("--fetch-rate", optarg, 0.001, 1e7, &v)) return 2; p.fetch_rate = v; break;
    case O_SESSION: if (num("--session-median", optarg, 1, 1e9, &v)) return 2; p.session_median_s = v; break;
    case O_PARETO:
      p.session = RL_SIM_PARETO;
      if (optarg && num("--pareto", optarg, 1.01, 100, &p.pareto_shape)) return 2;
      break;
    case O_FAIL: if (num("--fail", optarg, 0, 1, &v)) return 2; p.fail_fraction = v; break;
    case O_FAILAT: if (num("--fail-at", optarg, 0, 1e7, &v)) return 2; p.fail_at_ms = (uint64_t)(v * 1000); break;
    case O_WINDOW: if (num("--window", optarg, 0.1, 1e6, &v)) return 2; p.window_ms = (uint64_t)(v * 1000); break;
    case O_FORM: if (num("--form-limit", optarg, 1, 1e7, &v)) return 2; p.form_limit_ms = (uint64_t)(v * 1000); break;
    case O_JSON:
      if (!(p.jsonl = fopen(optarg, "w"))) {
        fprintf(stderr, "reload-sim: %s: %s\n", optarg, strerror(errno));
        return 2;
      }
      break;
    case O_VERBOSE: verbose = optarg ? atoi(optarg) : 1; break;
    case O_HELP: usage(stdout); return 0;
    case O_CHEAP: rl_sign_simulated(1); break;
    default: usage(stderr); return 2;
    }
  }
  if (optind != argc) {
    usage(stderr);
    return 2;
  }
  if (verbose) p.log = stderr;
  if (verbose > 1) p.node_verbosity = verbose - 1;
  /* One parsed copy of each certificate for all the simulated peers. */
  rl_cert_pool_enable(1);
  s = rl_sim_new(&p, why, sizeof why);
  if (!s) {
    fprintf(stderr, "reload-sim: %s\n", why);
    return 1;
  }
  rc = rl_sim_run(s, why, sizeof why);
  if (rc != 0) fprintf(stderr, "reload-sim: %s (%s)\n", why, rl_strerror(rc));
  printf("reload-sim: %zu peers, seed %llu, signatures %s, latency %s\n", p.peers,
         (unsigned long long)p.seed,
         rl_sign_is_simulated() ? "simulated (keyed SHA-256, --cheap-signatures)" : "real (ECDSA P-256)",
         matrix ? "from a matrix" : "constant");
  rl_sim_summary(s, stdout);
  rl_sim_free(s);
  rl_cert_pool_enable(0);
  free(matrix);
  if (p.jsonl) fclose(p.jsonl);
  return rc ? 1 : 0;
}
