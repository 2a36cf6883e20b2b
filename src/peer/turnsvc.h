/* peer/turnsvc.h: the TURN Server Usage (RFC 6940 9), without I/O: the
 * Resource-IDs a TURN server is published at, the TurnServer value stored
 * there under Kind TURN-SERVICE (2), its checks after decoding, and which
 * addresses a peer should not offer. The node core (node_turn.c) publishes
 * and finds with it; reload-client's find-relay and the fuzz target
 * fuzz_turn_service.c decode with it. doc/peer.md "TURN-SERVICE". */
#ifndef RL_PEER_TURNSVC_H
#define RL_PEER_TURNSVC_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "gen/reload_codec.h"
#include "runtime/ctx.h"

/* 14.6: Kind-ID 2. */
#define RL_TURNSVC_KIND 2
/* 9: "NODE-MULTIPLE, with a maximum iteration of counter 20". */
#define RL_TURNSVC_MAX_ITERATION 20
/* An encoded TurnServer: 1 + IpAddressPort (2 + 16 + 2 for IPv6). */
#define RL_TURNSVC_VALUE_MAX 32

/* A decoded and checked TurnServer. */
typedef struct rl_turnsvc {
  uint8_t iteration;
  struct sockaddr_storage addr;
  socklen_t addr_len;
} rl_turnsvc;

/* 9: "the peer forms a Resource Name by concatenating its Node-ID and the
 * value d. This Resource Name is hashed to form a Resource-ID": d is one
 * octet (as TurnServer.iteration, and as storage/access.c checks
 * NODE-MULTIPLE, 7.3.4). id_len bytes into out; 0, or RL_ERR_PARAM (d 0,
 * an id_len outside 16..20). */
int rl_turnsvc_resource(const uint8_t *node_id, size_t id_len, uint8_t d, uint8_t *out);

/* The TurnServer {d, addr} into buf: its length, or a negative rl_err
 * (RL_ERR_PARAM: d outside 1..20, not IPv4/IPv6, port 0). */
long rl_turnsvc_encode(uint8_t d, const struct sockaddr *addr, uint8_t *buf, size_t cap);

/* A TURN-SERVICE value (DataValue.value) decoded and checked: the whole
 * value is one TurnServer; iteration in 1..20 (9, 7.3.4); an IPv4 or IPv6
 * address that one can send to (not unspecified, multicast or broadcast)
 * and a port other than 0. Returns 0, or a negative rl_err with the reason
 * in why (what, and at which byte for a decoding error). ctx: the
 * decoding context (its arena is not used: TurnServer has no vectors). */
int rl_turnsvc_decode(const uint8_t *value, size_t len, rl_ctx *ctx, rl_turnsvc *out, char *why,
                      size_t whylen);

/* Why a peer should not offer addr as a TURN server (9: "if the peer's IP
 * address is in the private address space range as defined by [RFC1918],
 * then it is also SHOULD NOT be a candidate"), or NULL when nothing we can
 * check speaks against it. Besides RFC 1918: loopback, link-local, shared
 * (RFC 6598), unique local IPv6 (RFC 4193) and unspecified addresses,
 * which no peer elsewhere can reach either. */
const char *rl_turnsvc_unfit(const struct sockaddr *addr);

/* "203.0.113.10:3478" or "[2001:db8::1]:3478" into buf (64 bytes will do). */
void rl_turnsvc_addr_str(const struct sockaddr *addr, char *buf, size_t cap);

#endif
