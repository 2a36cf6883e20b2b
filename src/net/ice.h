/* net/ice.h: ICE (RFC 8445/5245) for overlay links, through libnice
 * (RFC 6940 6.5.1.3-6.5.1.10).
 *
 * One rl_ice is one RELOAD "stream" with a single component (6.5.1.5):
 * one NiceAgent of its own, because libnice's controlling role is a
 * property of the agent and a node is the offerer (controlling, 6.5.1.9)
 * of some links and the answerer (controlled) of others. Every agent of
 * a context shares the context's GLib main context, which the driver's
 * poll loop runs (doc/ice.md): rl_ice_ctx_prepare gives the descriptors
 * and the timeout GLib wants, rl_ice_ctx_dispatch runs what is ready.
 * Callbacks come only from rl_ice_ctx_dispatch.
 *
 * Life of a link:
 *   rl_ice_new        gathering starts (host, server-reflexive through the
 *                     STUN server, relayed through the TURN server);
 *   on_gathered       the local candidates and credentials, to be put in
 *                     the Attach request or answer (6.5.1.7);
 *   rl_ice_set_remote the far end's, from its Attach: checks start;
 *   on_ready          a pair was nominated (state READY): datagrams flow,
 *                     the caller starts DTLS over rl_ice_send and
 *                     on_datagram (6.5.1.13);
 *   on_failed         gathering or the checks failed, or, after READY,
 *                     consent/keepalives were lost;
 *   rl_ice_free       never calls back.
 * STUN keepalives (6.5.1.10.3) are libnice's own.
 *
 * Callbacks and freeing: callbacks run only inside rl_ice_ctx_dispatch,
 * never inside rl_ice_new, rl_ice_set_remote or rl_ice_send (what libnice
 * reports during those waits for the next dispatch). A callback may call
 * rl_ice_free on any link, its own included: the link never calls back
 * again, and its agent is released when rl_ice_ctx_dispatch returns. A
 * callback may create links and call every rl_ice_* function except
 * rl_ice_ctx_free and rl_ice_ctx_prepare/rl_ice_ctx_dispatch. After
 * on_failed a link gives nothing more; it still needs rl_ice_free.
 * Everything runs on one thread: rl_ice_ctx_new acquires the GLib main
 * context for the calling thread. */
#ifndef RL_NET_ICE_H
#define RL_NET_ICE_H

#include <poll.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

typedef struct rl_ice_ctx rl_ice_ctx;
typedef struct rl_ice rl_ice;

/* The candidate types of RFC 8445 5.1.1 (RFC 6940's CandType). */
typedef enum rl_ice_cand_type {
  RL_ICE_CAND_HOST = 1,
  RL_ICE_CAND_SRFLX = 2,
  RL_ICE_CAND_PRFLX = 3,
  RL_ICE_CAND_RELAY = 4
} rl_ice_cand_type;

typedef struct rl_ice_cand {
  struct sockaddr_storage addr;     /* the candidate's transport address (UDP) */
  struct sockaddr_storage rel_addr; /* related address; ss_family 0 for host */
  rl_ice_cand_type type;
  uint32_t priority;
  char foundation[33]; /* NUL-terminated, 1..32 ice-chars */
} rl_ice_cand;

#define RL_ICE_MAX_CANDS 16
#define RL_ICE_UFRAG_MAX 256
#define RL_ICE_PWD_MAX 256

typedef struct rl_ice_config {
  /* STUN server for server-reflexive candidates; ss_family 0: none. */
  struct sockaddr_storage stun;
  /* TURN server (UDP) for relayed candidates; ss_family 0: none. */
  struct sockaddr_storage turn;
  const char *turn_user, *turn_password;
  /* Gather host candidates on this address only; ss_family 0: every
   * local address libnice finds (loopback included only when it is the
   * sole one). */
  struct sockaddr_storage bind;
} rl_ice_config;

typedef struct rl_ice_callbacks {
  void (*on_gathered)(void *user, rl_ice *ice, const rl_ice_cand *cands, size_t n,
                      const char *ufrag, const char *pwd);
  void (*on_ready)(void *user, rl_ice *ice);
  void (*on_failed)(void *user, rl_ice *ice, const char *why);
  void (*on_datagram)(void *user, rl_ice *ice, const uint8_t *buf, size_t len);
} rl_ice_callbacks;

rl_ice_ctx *rl_ice_ctx_new(const rl_ice_config *cfg, char *why, size_t whylen);
/* The TURN server (and its long-term credentials, copied) of the agents
 * created from now on; those already running keep theirs. turn NULL or of
 * family 0: none. 0, RL_ERR_PARAM (not IPv4/IPv6, no credentials) or
 * RL_ERR_NOMEM; on error the context keeps its previous server. */
int rl_ice_ctx_set_turn(rl_ice_ctx *ctx, const struct sockaddr_storage *turn, const char *user,
                        const char *pwd);
/* Frees every rl_ice still open, without callbacks. */
void rl_ice_ctx_free(rl_ice_ctx *ctx);
/* Fills at most max pollfds with what GLib waits for; returns how many
 * (or more than max: call again with a larger array). *timeout_ms is
 * lowered to GLib's next timer (never raised; -1 means none). */
size_t rl_ice_ctx_prepare(rl_ice_ctx *ctx, struct pollfd *pfd, size_t max, int *timeout_ms);
/* After poll(2): the same pollfds with revents; runs the ready sources. */
void rl_ice_ctx_dispatch(rl_ice_ctx *ctx, struct pollfd *pfd, size_t n);

/* controlling: 1 for the Attach requester (6.5.1.9). NULL on failure. */
rl_ice *rl_ice_new(rl_ice_ctx *ctx, int controlling, const rl_ice_callbacks *cb, void *user);
/* Remote credentials and candidates; may be called before on_gathered. */
int rl_ice_set_remote(rl_ice *ice, const char *ufrag, const char *pwd, const rl_ice_cand *cands,
                      size_t n);
/* One datagram over the nominated pair; -1 when not READY. */
int rl_ice_send(rl_ice *ice, const uint8_t *buf, size_t len);
/* The nominated pair, for status: local and remote candidate. */
int rl_ice_selected(const rl_ice *ice, rl_ice_cand *local, rl_ice_cand *remote);
void rl_ice_free(rl_ice *ice);
/* Why the last refused rl_ice_set_remote or rl_ice_send of this link was
 * refused ("" when none was). */
const char *rl_ice_last_error(const rl_ice *ice);

const char *rl_ice_cand_type_name(rl_ice_cand_type t);

#endif
