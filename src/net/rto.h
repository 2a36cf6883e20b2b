/* net/rto.h: the retransmission timeout of RFC 6298 section 2, which RFC
 * 6940 6.6.5 (TLS/TCP with FH, No-ICE) requires from the framing header's
 * acks: "the Overlay Link implementation MUST use the framing header to
 * measure the RTT of the connection and calculate an RTO as specified in
 * Section 2 of [RFC6298]. The resulting RTO is not used for
 * retransmissions, but rather as a timeout to indicate when the link
 * SHOULD be removed from the Routing Table."
 *
 * RFC 6298 with its constants: alpha 1/8, beta 1/4, K 4, clock granularity
 * G 1 ms; the RTO is rounded up to the millisecond, not to the second
 * (6.6.3.1: "SHOULD NOT be rounded up to the nearest second"). Two
 * choices of ours:
 *   - the minimum RTO is RL_RTO_MIN_MS, 200 ms, not the 1 s of RFC 6298
 *     (2.4), like Linux TCP: on a LAN or loopback the RTT is well under a
 *     millisecond and a 1 s floor would hide every change. The link layer
 *     only uses the RTO as a failure signal (4 RTO, at least 5 s, by
 *     default), so a small floor cannot make it give up early;
 *   - the maximum is 60 s (2.5: "a maximum value MAY be placed on RTO
 *     provided it is at least 60 seconds").
 * Before the first sample the RTO is 1 s (2.1). Times are integer
 * microseconds inside, so that sub-millisecond smoothing is not lost. */
#ifndef RL_NET_RTO_H
#define RL_NET_RTO_H

#include <stdint.h>

#define RL_RTO_INITIAL_MS 1000u
#define RL_RTO_MIN_MS 200u
#define RL_RTO_MAX_MS 60000u

typedef struct rl_rto {
  uint64_t srtt_us;    /* smoothed round-trip time */
  uint64_t rttvar_us;  /* round-trip time variation */
  uint32_t rto_ms;
  uint64_t samples;
} rl_rto;

void rl_rto_init(rl_rto *r);

/* One RTT measurement (2.2 for the first, 2.3 afterwards). */
void rl_rto_sample(rl_rto *r, uint64_t rtt_ms);

/* Milliseconds, rounded up (for the statistics; 0 before a sample). */
uint32_t rl_rto_srtt_ms(const rl_rto *r);
uint32_t rl_rto_rttvar_ms(const rl_rto *r);

#endif
