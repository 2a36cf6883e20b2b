/* transport_ice.h: the ICE half of `reload-conform --link dtls-ice`
 * (transport_dtls.c has the DTLS half, transport_link.h says what the
 * transport does). We act as RFC 6940 6.5.1 has an Attach's sender act:
 * the controlling ICE agent (6.5.1.9) with host candidates, our request
 * signed with the runner's credentials and sent over a direct link; the
 * target's answer must carry ICE candidates and role "active"
 * (6.5.1.1); libnice runs the checks; the caller then serves DTLS over
 * the nominated pair. Every failure says which step and what the target
 * did. */
#ifndef RL_CONF_TRANSPORT_ICE_H
#define RL_CONF_TRANSPORT_ICE_H

#include <poll.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "msgq.h"
#include "net/dlink.h"
#include "transport_link.h"

#define RL_CONF_ICE_MAX_FDS 64

typedef struct rl_conf_ice rl_conf_ice;
typedef struct rl_conf_ice_link rl_conf_ice_link;

typedef struct rl_conf_ice_attach {
  rl_dlink *ctl;             /* the direct link, up: the Attach goes over it */
  rl_conf_msgq *ctl_queue;   /* what arrives on it */
  int *ctl_closed;           /* set when it closed */
  void (*pump)(void *self, uint64_t ms); /* runs the caller's loop */
  void *pump_self;
  /* Datagrams over the nominated pair (the target's DTLS). */
  void (*on_datagram)(void *user, const uint8_t *buf, size_t len);
  void *user;
  struct sockaddr_storage far; /* out: the nominated remote candidate */
  socklen_t far_len;
} rl_conf_ice_attach;

/* Agents gather host candidates on the local address that routes to the
 * target. NULL with a reason. */
rl_conf_ice *rl_conf_ice_new(const struct sockaddr_storage *target, socklen_t len, char *why,
                             size_t whylen);
void rl_conf_ice_free(rl_conf_ice *I);
size_t rl_conf_ice_prepare(rl_conf_ice *I, struct pollfd *pfd, size_t max, int *timeout_ms);
void rl_conf_ice_dispatch(rl_conf_ice *I, struct pollfd *pfd, size_t n);

/* The Attach and the checks: 0 with *out (the agent, READY), or an rl_err
 * with the step that failed in why. */
int rl_conf_ice_run(rl_conf_ice *I, const rl_conf_link_config *cfg, rl_conf_ice_attach *at,
                    rl_conf_ice_link **out, char *why, size_t whylen);
int rl_conf_ice_send(rl_conf_ice_link *L, const uint8_t *buf, size_t len);
void rl_conf_ice_link_free(rl_conf_ice_link *L);

#endif
