/* bench.h: the pieces of the codec benchmark (bench/README.md).
 *
 * reload_bench.c   main: the table, --smoke
 * bench_msgs.c     the benchmark messages, built from JSON with the codec
 * bench_pb.c       the protobuf-c anchor: the same content, pack, unpack
 * bench_time.c     clock, calibration, median of repetitions
 * bench_malloc.c   counting malloc/calloc/realloc calls */
#ifndef RL_BENCH_H
#define RL_BENCH_H

#include <stddef.h>
#include <stdint.h>

#include "codec/params.h"
#include "gen/reload_codec.h"

/* Arena for one decode: the caller's stack buffer of the timing loop. */
#define BENCH_ARENA_SIZE 65536

/* One benchmark message: its content, wire bytes, decoded reference value
 * and (when protobuf-c is present) its protobuf mirror. */
typedef struct bench_msg {
  const char *name;
  const char *params_text;   /* rl_param_set words the decoder needs */
  int is_request;
  rl_param_set params;       /* not copyable: params.p.user points here */
  uint8_t *wire;             /* rl_Message_encode of the content */
  size_t len;
  rl_Message ref;            /* wire decoded once, for comparisons */
  uint8_t *ref_arena;        /* holds ref's lists */
  uint8_t *pb_wire;          /* protobuf_c_message_pack of the same content */
  size_t pb_len;
  void *pb_value;            /* pb_wire unpacked, for the pack loop */
  uint8_t *pb_out;           /* pb_len bytes: where the pack loop writes */
} bench_msg;

/* The messages of the benchmark, in table order. */
size_t bench_msg_count(void);

/* Build message i: parameters, JSON content, encode, decode into ref.
 * 0, or -1 with a message on stderr naming what failed. */
int bench_msg_build(size_t i, bench_msg *m);
void bench_msg_free(bench_msg *m);

/* protobuf-c anchor (bench_pb.c). bench_pb_available() is 0 when the
 * benchmark was built without protobuf-c; the others then fail. */
int bench_pb_available(void);
/* Fill the protobuf mirror from m->ref and pack it into m->pb_wire. */
int bench_pb_build(bench_msg *m);
/* Unpack m->pb_wire and check it packs back to the same bytes. */
int bench_pb_check(const bench_msg *m);
/* The timing loops: n unpack + free_unpacked, n pack. */
void bench_pb_unpack_loop(void *m, size_t n);
void bench_pb_pack_loop(void *m, size_t n);
void bench_pb_free(bench_msg *m);

/* Timing (bench_time.c). */
typedef void (*bench_loop_fn)(void *arg, size_t n);
typedef struct bench_timing {
  size_t iters;    /* operations per repetition */
  double wall_ns;  /* median CLOCK_MONOTONIC time per operation */
  double cpu_ns;   /* median CLOCK_THREAD_CPUTIME_ID time per operation */
} bench_timing;
double bench_now_ns(void);
/* Median over reps repetitions of the time per call, in ns (CLOCK_
 * MONOTONIC); each repetition runs loop for at least min_s seconds after a
 * calibration that is also the warm-up. out (may be NULL) receives the
 * details, among them the thread's CPU time, which leaves out the time
 * other processes had the core. */
double bench_measure(bench_loop_fn loop, void *arg, double min_s, int reps,
                     bench_timing *out);

/* malloc counting (bench_malloc.c). */
/* 1 when malloc/calloc/realloc calls are counted in this build and a
 * self-test showed the counter moving. */
int bench_malloc_counting(void);
/* Calls to malloc, calloc and realloc so far. */
unsigned long bench_malloc_calls(void);

#endif
