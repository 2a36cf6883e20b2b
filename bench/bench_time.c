/* bench_time.c: timing with CLOCK_MONOTONIC.
 *
 * A measurement calls a loop function that runs n operations, so the clock
 * is read twice per repetition and the per-operation cost includes no
 * timing overhead. The iteration count is calibrated so that one
 * repetition takes at least min_s seconds; the result is the median of the
 * repetitions, which is robust to a repetition disturbed by another
 * process. The thread's CPU time of the same repetitions is kept too: on a
 * busy machine it shows how much of the wall-clock time was spent waiting
 * for a core. */
#define _POSIX_C_SOURCE 200809L
#include "bench.h"

#include <stdlib.h>
#include <time.h>

#define BENCH_MAX_REPS 15

double bench_now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* CPU time of this thread: what the loop used, without the time other
 * processes had the core. Only a cross-check of the wall-clock figure. */
static double cpu_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static double run_ns(bench_loop_fn loop, void *arg, size_t n) {
  double t0 = bench_now_ns();
  loop(arg, n);
  return bench_now_ns() - t0;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

double bench_measure(bench_loop_fn loop, void *arg, double min_s, int reps,
                     bench_timing *out) {
  double wall[BENCH_MAX_REPS], cpu[BENCH_MAX_REPS];
  double target_ns = min_s * 1e9;
  double t;
  size_t n = 1;

  if (reps < 1) reps = 1;
  if (reps > BENCH_MAX_REPS) reps = BENCH_MAX_REPS;
  /* Calibrate (this is also the warm-up: caches, branch predictors and
   * the CPU clock settle while n grows). */
  for (;;) {
    t = run_ns(loop, arg, n);
    if (t >= target_ns / 4 || n >= ((size_t)1 << 40)) break;
    n *= 2;
  }
  /* Scale to min_s with a 10% margin. */
  if (t < target_ns) {
    double scaled = (double)n * (target_ns * 1.1) / (t > 0 ? t : 1);
    n = (size_t)scaled + 1;
  }
  for (int i = 0; i < reps; i++) {
    double c0 = cpu_ns(), w0 = bench_now_ns();
    loop(arg, n);
    wall[i] = (bench_now_ns() - w0) / (double)n;
    cpu[i] = (cpu_ns() - c0) / (double)n;
  }
  qsort(wall, (size_t)reps, sizeof wall[0], cmp_double);
  qsort(cpu, (size_t)reps, sizeof cpu[0], cmp_double);
  if (out) {
    out->iters = n;
    out->wall_ns = wall[reps / 2];
    out->cpu_ns = cpu[reps / 2];
  }
  return wall[reps / 2];
}
