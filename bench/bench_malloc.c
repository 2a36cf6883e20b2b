/* bench_malloc.c: counting calls to malloc, calloc and realloc.
 *
 * The benchmark defines malloc, calloc and realloc itself; with dynamic
 * linking these definitions in the executable take the place of libc's for
 * every caller in the process (the codec, jansson, protobuf-c, libc
 * itself), so a decode that allocated anywhere, directly or through a
 * library, would be counted. They forward to glibc's __libc_malloc & co.,
 * which avoids the dlsym(RTLD_NEXT) bootstrap problem (dlsym may itself
 * call calloc). free is not replaced: the memory comes from the same
 * allocator.
 *
 * Not done under AddressSanitizer (its allocator must see every malloc and
 * free) nor on a C library other than glibc: there the counting is off and
 * bench_malloc_counting() says so, rather than printing a zero that was
 * not measured. */
#include "bench.h"

#include <stdlib.h>

#if defined(__SANITIZE_ADDRESS__)
#define BENCH_NO_MALLOC_HOOK 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(memory_sanitizer)
#define BENCH_NO_MALLOC_HOOK 1
#endif
#endif
#if !defined(__GLIBC__)
#define BENCH_NO_MALLOC_HOOK 1
#endif

static unsigned long calls;

unsigned long bench_malloc_calls(void) { return calls; }

#ifndef BENCH_NO_MALLOC_HOOK
extern void *__libc_malloc(size_t n);
extern void *__libc_calloc(size_t count, size_t size);
extern void *__libc_realloc(void *p, size_t n);

void *malloc(size_t n) {
  calls++;
  return __libc_malloc(n);
}

void *calloc(size_t count, size_t size) {
  calls++;
  return __libc_calloc(count, size);
}

void *realloc(void *p, size_t n) {
  calls++;
  return __libc_realloc(p, n);
}
#endif

/* Through a volatile pointer so that the compiler cannot see (and drop)
 * the malloc/free pair. */
static void *(*volatile malloc_fn)(size_t) = malloc;

int bench_malloc_counting(void) {
  unsigned long before = calls;
  void *p = malloc_fn(24);
  int moved = calls != before;
  free(p);
  return moved;
}
