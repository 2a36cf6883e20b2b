/* peer/bucket.h: a token bucket, the per-link request budget of the
 * reference peer (issue 22: hostile or heavy load degrades gracefully).
 *
 * RFC 6940 sets no request rate; 13.5 leaves denial of service to local
 * policy ("these attacks can be mitigated by ... rate limits"). A bucket
 * holds at most `burst` tokens and gains `rate` tokens a second; each
 * request takes one. Pure: the time is passed in, nothing is allocated. */
#ifndef RL_PEER_BUCKET_H
#define RL_PEER_BUCKET_H

#include <stdint.h>

typedef struct rl_bucket {
  uint32_t rate;    /* tokens a second; 0: no limit */
  uint32_t burst;   /* the most tokens held (at least 1 when rate > 0) */
  uint64_t milli;   /* tokens held, in thousandths */
  uint64_t last_ms; /* when milli was last brought up to date */
} rl_bucket;

/* A full bucket at now_ms. rate 0: every take succeeds; burst 0 with a
 * rate: one token at most. */
void rl_bucket_init(rl_bucket *b, uint32_t rate, uint32_t burst, uint64_t now_ms);

/* Take one token at now_ms: 1 when there was one, 0 when the budget is
 * spent (nothing is taken then). A clock that goes back adds nothing. */
int rl_bucket_take(rl_bucket *b, uint64_t now_ms);

/* Milliseconds from now_ms until a token is there (0: one is). */
uint64_t rl_bucket_wait_ms(rl_bucket *b, uint64_t now_ms);

#endif
