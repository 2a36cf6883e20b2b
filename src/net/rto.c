/* net/rto.c: see rto.h. */
#include "net/rto.h"

#include <string.h>

#define G_US 1000u /* clock granularity: the caller's clock counts milliseconds */

void rl_rto_init(rl_rto *r) {
  memset(r, 0, sizeof *r);
  r->rto_ms = RL_RTO_INITIAL_MS; /* 2.1 */
}

static uint32_t ceil_ms(uint64_t us) {
  uint64_t ms = us / 1000u + (us % 1000u != 0);
  return ms > UINT32_MAX ? UINT32_MAX : (uint32_t)ms;
}

void rl_rto_sample(rl_rto *r, uint64_t rtt_ms) {
  uint64_t rtt_us, diff, rto_us;
  uint32_t rto;
  /* Beyond an hour a "sample" is a clock jump, not a measurement. */
  if (rtt_ms > 3600u * 1000u) rtt_ms = 3600u * 1000u;
  rtt_us = rtt_ms * 1000u;
  if (r->samples == 0) {
    /* 2.2: SRTT <- R, RTTVAR <- R/2 */
    r->srtt_us = rtt_us;
    r->rttvar_us = rtt_us / 2;
  } else {
    /* 2.3: RTTVAR <- (1 - beta) * RTTVAR + beta * |SRTT - R'| first, with
     * the old SRTT, then SRTT <- (1 - alpha) * SRTT + alpha * R'. */
    diff = r->srtt_us > rtt_us ? r->srtt_us - rtt_us : rtt_us - r->srtt_us;
    r->rttvar_us = (3 * r->rttvar_us + diff) / 4;
    r->srtt_us = (7 * r->srtt_us + rtt_us) / 8;
  }
  r->samples++;
  /* RTO <- SRTT + max (G, K*RTTVAR) */
  rto_us = r->srtt_us + (4 * r->rttvar_us > G_US ? 4 * r->rttvar_us : G_US);
  rto = ceil_ms(rto_us);
  if (rto < RL_RTO_MIN_MS) rto = RL_RTO_MIN_MS;
  if (rto > RL_RTO_MAX_MS) rto = RL_RTO_MAX_MS;
  r->rto_ms = rto;
}

uint32_t rl_rto_srtt_ms(const rl_rto *r) { return r->samples ? ceil_ms(r->srtt_us) : 0; }

uint32_t rl_rto_rttvar_ms(const rl_rto *r) { return r->samples ? ceil_ms(r->rttvar_us) : 0; }
