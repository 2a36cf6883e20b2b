/* bucket.c: see bucket.h. */
#include "peer/bucket.h"

#define ONE 1000u /* a token, in thousandths */

static uint64_t cap(const rl_bucket *b) { return (uint64_t)b->burst * ONE; }

void rl_bucket_init(rl_bucket *b, uint32_t rate, uint32_t burst, uint64_t now_ms) {
  b->rate = rate;
  b->burst = burst ? burst : 1;
  b->milli = cap(b);
  b->last_ms = now_ms;
}

/* rate tokens a second are rate thousandths a millisecond. */
static void refill(rl_bucket *b, uint64_t now_ms) {
  uint64_t elapsed;
  if (now_ms <= b->last_ms) return;
  elapsed = now_ms - b->last_ms;
  b->last_ms = now_ms;
  /* elapsed * rate would overflow long before the bucket is full. */
  if (elapsed >= (cap(b) - b->milli) / b->rate + 1)
    b->milli = cap(b);
  else
    b->milli += elapsed * b->rate;
}

int rl_bucket_take(rl_bucket *b, uint64_t now_ms) {
  if (b->rate == 0) return 1;
  refill(b, now_ms);
  if (b->milli < ONE) return 0;
  b->milli -= ONE;
  return 1;
}

uint64_t rl_bucket_wait_ms(rl_bucket *b, uint64_t now_ms) {
  if (b->rate == 0) return 0;
  refill(b, now_ms);
  if (b->milli >= ONE) return 0;
  return (ONE - b->milli + b->rate - 1) / b->rate;
}
