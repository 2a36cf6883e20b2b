/* reload_bench.c: decode and encode speed of the generated codec, against
 * protobuf-c on the same content (bench/README.md).
 *
 *   reload_bench              the table (make bench)
 *   reload_bench --smoke      one iteration of everything and the round-trip
 *                             checks; a test in make check
 *   reload_bench --time S     seconds per repetition (default 0.2)
 *   reload_bench --reps N     repetitions, median reported (default 5)
 *   reload_bench --only TEXT  only the messages whose name contains TEXT
 *                             (for profiling one message) */
#include "bench.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/writer.h"

#ifndef BENCH_BUILD
#define BENCH_BUILD "the configured CFLAGS"
#endif

/* Wire size the encode loop's buffer holds; every benchmark message is
 * smaller (checked before timing). */
#define BENCH_WIRE_MAX 8192

/* Issue target: full decode and validation of a ~200-byte request. */
#define TARGET_NS 50.0
#define TARGET_SPEEDUP 5.0

/* Decodes run so far, to turn the malloc counter into calls per decode. */
static unsigned long long decodes_run;
static unsigned long long unpacks_run;

/* One full decode and validation per iteration, into the caller's stack
 * arena, reset every time, as a receiver would do per message. */
static void decode_loop(void *arg, size_t n) {
  const bench_msg *m = arg;
  uint8_t arena_buf[BENCH_ARENA_SIZE];
  rl_arena arena;
  rl_ctx ctx;
  rl_Message out;
  int bad = 0;
  rl_arena_init(&arena, arena_buf, sizeof arena_buf);
  for (size_t i = 0; i < n; i++) {
    rl_arena_reset(&arena);
    rl_ctx_init(&ctx, &arena, &m->params.p);
    bad |= rl_Message_parse(m->wire, m->len, &ctx, &out);
  }
  decodes_run += n;
  if (bad) abort(); /* the same bytes decoded before timing */
}

static void encode_loop(void *arg, size_t n) {
  const bench_msg *m = arg;
  uint8_t buf[BENCH_WIRE_MAX];
  rl_writer w;
  int bad = 0;
  for (size_t i = 0; i < n; i++) {
    rl_writer_init(&w, buf, sizeof buf, NULL);
    bad |= rl_Message_encode(&w, &m->ref);
  }
  if (bad) abort(); /* encoded before timing */
}

static void unpack_loop(void *arg, size_t n) {
  bench_pb_unpack_loop(arg, n);
  unpacks_run += n;
}

/* decode(encode(x)) == x, byte for byte and value for value, and no
 * malloc during the decode. Returns the number of failures. */
static int roundtrip_check(const bench_msg *m) {
  uint8_t buf[BENCH_WIRE_MAX];
  uint8_t *arena_buf = malloc(BENCH_ARENA_SIZE);
  rl_errinfo info;
  rl_writer w;
  rl_arena arena;
  rl_ctx ctx;
  rl_Message again;
  unsigned long before, after;
  char ebuf[512];
  int fails = 0;

  if (!arena_buf) return 1;
  rl_writer_init(&w, buf, sizeof buf, &info);
  if (m->len > sizeof buf || rl_Message_encode(&w, &m->ref) != 0) {
    fprintf(stderr, "FAIL %s: encode: %s\n", m->name, rl_errinfo_format(&info, ebuf, sizeof ebuf));
    fails++;
    goto done;
  }
  if (w.len != m->len || memcmp(buf, m->wire, m->len) != 0) {
    fprintf(stderr, "FAIL %s: encode(decode(wire)) differs from wire\n", m->name);
    fails++;
  }
  rl_arena_init(&arena, arena_buf, BENCH_ARENA_SIZE);
  rl_ctx_init(&ctx, &arena, &m->params.p);
  before = bench_malloc_calls();
  if (rl_Message_parse(buf, w.len, &ctx, &again) != 0) {
    fprintf(stderr, "FAIL %s: decode: %s\n", m->name, rl_errinfo_format(&ctx.err, ebuf, sizeof ebuf));
    fails++;
    goto done;
  }
  after = bench_malloc_calls();
  if (bench_malloc_counting() && after != before) {
    fprintf(stderr, "FAIL %s: %lu malloc calls during decode\n", m->name, after - before);
    fails++;
  }
  if (!rl_Message_equal(&again, &m->ref)) {
    fprintf(stderr, "FAIL %s: decode(encode(x)) != x\n", m->name);
    fails++;
  }
done:
  free(arena_buf);
  return fails;
}

/* The CPU and the load: timings taken while other processes compete for
 * the cores are slower and noisier, and the reader should know. */
static void print_machine(void) {
  FILE *f = fopen("/proc/cpuinfo", "r");
  char line[256];
  double load = -1;
  while (f && fgets(line, sizeof line, f)) {
    if (strncmp(line, "model name", 10) == 0) {
      char *colon = strchr(line, ':');
      printf("cpu:%s", colon ? colon + 1 : line);
      break;
    }
  }
  if (f) fclose(f);
  f = fopen("/proc/loadavg", "r");
  if (f && fscanf(f, "%lf", &load) == 1)
    printf("load average (1 min) at start: %.2f%s\n", load,
           load > 1.0 ? " (other processes are running: expect noisier, slower figures)" : "");
  if (f) fclose(f);
}

typedef struct result {
  double dec_ns, enc_ns, unpack_ns, pack_ns;   /* CLOCK_MONOTONIC medians */
  double dec_cpu_ns, unpack_cpu_ns;            /* thread CPU time medians */
  double dec_mallocs, unpack_mallocs;
} result;

static void measure(bench_msg *m, double min_s, int reps, result *r) {
  unsigned long calls0 = bench_malloc_calls();
  unsigned long long runs0 = decodes_run;
  bench_timing tm;
  r->dec_ns = bench_measure(decode_loop, m, min_s, reps, &tm);
  r->dec_cpu_ns = tm.cpu_ns;
  r->dec_mallocs = (double)(bench_malloc_calls() - calls0) / (double)(decodes_run - runs0);
  r->enc_ns = bench_measure(encode_loop, m, min_s, reps, NULL);
  r->unpack_ns = r->pack_ns = r->unpack_mallocs = r->unpack_cpu_ns = 0;
  if (bench_pb_available()) {
    calls0 = bench_malloc_calls();
    runs0 = unpacks_run;
    r->unpack_ns = bench_measure(unpack_loop, m, min_s, reps, &tm);
    r->unpack_cpu_ns = tm.cpu_ns;
    r->unpack_mallocs = (double)(bench_malloc_calls() - calls0) / (double)(unpacks_run - runs0);
    r->pack_ns = bench_measure(bench_pb_pack_loop, m, min_s, reps, NULL);
  }
}

static void print_row(const bench_msg *m, const result *r, int counting, int pb) {
  char mallocs[32];
  if (counting)
    snprintf(mallocs, sizeof mallocs, "%.0f", r->dec_mallocs);
  else
    snprintf(mallocs, sizeof mallocs, "n/a");
  printf("%-32s %5zu %8.1f %8.1f %8.0f %7s", m->name, m->len, r->dec_ns, r->enc_ns,
         (double)m->len / r->dec_ns * 1e3, mallocs);
  if (pb)
    printf(" | %5zu %9.1f %8.1f %6.0f | %6.3f (%4.1fx) %6.3f\n", m->pb_len, r->unpack_ns,
           r->pack_ns, r->unpack_mallocs, r->dec_ns / r->unpack_ns, r->unpack_ns / r->dec_ns,
           r->enc_ns / r->pack_ns);
  else
    printf(" | protobuf-c anchor missing\n");
}

/* The same repetitions timed by the thread's CPU time: when other
 * processes compete for the cores, the wall-clock figures include time the
 * benchmark was not running, and this says how much. */
static void print_cpu_check(const bench_msg *msgs, const result *res, size_t n, int pb,
                            const char *only) {
  int inflated = 0;
  printf("\nCross-check by thread CPU time (CLOCK_THREAD_CPUTIME_ID, same repetitions):\n");
  for (size_t i = 0; i < n; i++) {
    if (only && !strstr(msgs[i].name, only)) continue;
    printf("  %-32s dec %7.1f ns (wall %7.1f)", msgs[i].name, res[i].dec_cpu_ns, res[i].dec_ns);
    if (pb)
      printf("  pb unpack %7.1f ns (wall %7.1f)  ratio %.3f", res[i].unpack_cpu_ns,
             res[i].unpack_ns, res[i].dec_cpu_ns / res[i].unpack_cpu_ns);
    printf("\n");
    if (res[i].dec_ns > 1.1 * res[i].dec_cpu_ns) inflated = 1;
  }
  if (inflated)
    printf("  Wall-clock times exceed CPU times by more than 10%%: other processes had the "
           "cores;\n  the CPU-time figures are the better estimate of the codec's speed.\n");
}

static void print_target(const bench_msg *msgs, const result *res, size_t n, int counting,
                         int pb) {
  printf("\nTarget (issue): full decode+validation of a ~200-byte request in <= %.0f ns,\n"
         ">= %.0fx faster than protobuf-c unpack of the same content, 0 malloc.\n",
         TARGET_NS, TARGET_SPEEDUP);
  for (size_t i = 0; i < n; i++) {
    if (!msgs[i].is_request) continue;
    printf("  %-32s %4zu bytes: %6.1f ns/decode (%s %.0f ns)", msgs[i].name, msgs[i].len,
           res[i].dec_ns, res[i].dec_ns <= TARGET_NS ? "meets" : "MISSES", TARGET_NS);
    if (pb)
      printf(", %.1fx protobuf-c (%s %.0fx)", res[i].unpack_ns / res[i].dec_ns,
             res[i].unpack_ns / res[i].dec_ns >= TARGET_SPEEDUP ? "meets" : "MISSES",
             TARGET_SPEEDUP);
    printf("\n");
  }
  if (counting) {
    double worst = 0;
    for (size_t i = 0; i < n; i++)
      if (res[i].dec_mallocs > worst) worst = res[i].dec_mallocs;
    printf("  mallocs during decode: %.0f (counted over every timed decode)\n", worst);
  } else {
    printf("  mallocs during decode: not measured (this build cannot count malloc calls)\n");
  }
}

static int run(bench_msg *msgs, size_t n, double min_s, int reps, const char *only) {
  int counting = bench_malloc_counting();
  int pb = bench_pb_available();
  result *res = calloc(n, sizeof *res);
  if (!res) return 1;
  printf("reload codec benchmark: build %s; CLOCK_MONOTONIC; median of %d repetitions "
         "of >= %.2f s each\n", BENCH_BUILD, reps, min_s);
  print_machine();
  if (!pb)
    printf("protobuf-c anchor missing: configure found no libprotobuf-c/protoc-c; "
           "only our codec is timed\n");
  printf("\n%-32s %5s %8s %8s %8s %7s | %5s %9s %8s %6s | %-14s %6s\n", "message", "bytes",
         "dec ns", "enc ns", "dec MB/s", "mallocs", "pb B", "pb unpack", "pb pack", "pb mal",
         "dec ours/pb", "enc o/pb");
  for (size_t i = 0; i < n; i++) {
    if (only && !strstr(msgs[i].name, only)) continue;
    measure(&msgs[i], min_s, reps, &res[i]);
    print_row(&msgs[i], &res[i], counting, pb);
    fflush(stdout);
  }
  printf("\ndec = rl_Message_parse (full decode + validation) into a stack arena reset per "
         "message;\nenc = rl_Message_encode into a buffer; pb unpack = "
         "protobuf_c_message_unpack + free_unpacked;\nmallocs = malloc/calloc/realloc calls "
         "per decode or unpack; ratio < 1: ours is faster.\n");
  print_cpu_check(msgs, res, n, pb, only);
  if (!only) print_target(msgs, res, n, counting, pb);
  free(res);
  return 0;
}

static int smoke(bench_msg *msgs, size_t n) {
  int pb = bench_pb_available();
  int passed = 0, failed = 0;
  if (!bench_malloc_counting())
    printf("note: malloc calls are not counted in this build\n");
  if (!pb) printf("note: protobuf-c anchor missing, only our codec is checked\n");
  for (size_t i = 0; i < n; i++) {
    int fails = roundtrip_check(&msgs[i]);
    /* One iteration of every timing loop, so that they cannot rot. */
    decode_loop(&msgs[i], 1);
    encode_loop(&msgs[i], 1);
    if (pb) {
      fails += bench_pb_check(&msgs[i]) != 0;
      unpack_loop(&msgs[i], 1);
      bench_pb_pack_loop(&msgs[i], 1);
    }
    printf("%s %s (%zu bytes)\n", fails ? "FAIL" : "ok", msgs[i].name, msgs[i].len);
    if (fails)
      failed++;
    else
      passed++;
  }
  printf("%d passed, %d failed\n", passed, failed);
  return failed ? 1 : 0;
}

int main(int argc, char **argv) {
  size_t n = bench_msg_count();
  bench_msg *msgs = calloc(n, sizeof *msgs);
  double min_s = 0.2;
  int reps = 5, smoke_mode = 0, r = 1;
  const char *only = NULL;
  size_t built = 0;

  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--smoke") == 0) {
      smoke_mode = 1;
    } else if (strcmp(argv[i], "--time") == 0 && i + 1 < argc) {
      min_s = atof(argv[++i]);
    } else if (strcmp(argv[i], "--reps") == 0 && i + 1 < argc) {
      reps = atoi(argv[++i]);
    } else if (strcmp(argv[i], "--only") == 0 && i + 1 < argc) {
      only = argv[++i];
    } else {
      fprintf(stderr, "usage: %s [--smoke] [--time SECONDS] [--reps N] [--only TEXT]\n", argv[0]);
      goto done;
    }
  }
  if (!msgs || min_s <= 0 || reps < 1) goto done;
  for (; built < n; built++) {
    if (bench_msg_build(built, &msgs[built]) != 0) goto done;
    if (msgs[built].len > BENCH_WIRE_MAX) {
      fprintf(stderr, "reload_bench: %s: %zu bytes, more than the encode buffer\n",
              msgs[built].name, msgs[built].len);
      goto done;
    }
    if (bench_pb_available() && bench_pb_build(&msgs[built]) != 0) goto done;
  }
  r = smoke_mode ? smoke(msgs, n) : run(msgs, n, min_s, reps, only);
done:
  for (size_t i = 0; msgs && i < n; i++) bench_msg_free(&msgs[i]);
  free(msgs);
  return r;
}
