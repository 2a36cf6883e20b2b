/* net/link.h: one overlay link (RFC 6940 6.6): TLS over TCP with the
 * framing header (TLS-TCP-FH-NO-ICE, 6.6.5), or -- behind an explicit,
 * insecure option -- the same framing over plain TCP, for debugging and
 * packet captures.
 *
 * A link does no routing and knows nothing of RELOAD messages beyond the
 * FramedMessage (6.6.2) wrapped around each one. It is driven by the
 * caller's poll() loop: ask rl_link_poll_events() what to wait for, hand
 * the result to rl_link_handle(), and call rl_link_tick() now and then.
 * Nothing blocks. Events come back through callbacks, always from inside
 * rl_link_handle / rl_link_tick / rl_link_send (never re-entrantly from a
 * callback's own calls into the same link: a send from inside on_message
 * is queued).
 *
 * Per link (6.6.2, 6.6.5): outgoing data frames are numbered from 0; every
 * data frame received is acked at once with the 32-bit received mask; acks
 * received give RTT samples and an RTO by RFC 6298 section 2; a link with
 * unacked data older than the failure timeout is reported as failed
 * (on_closed with RL_LINK_FAIL_TIMEOUT). A data frame longer than
 * max_message_size is refused: on_oversize is called (so the caller can
 * answer Error_Message_Too_Large, 6.6) and the link is closed after the
 * answer is flushed.
 *
 * TLS: mutual authentication; both sides present their node certificate.
 * The peer certificate is checked against the overlay's trust (rl_trust:
 * roots, self-signed rules, bad nodes) during the handshake; a failure
 * closes the link with RL_LINK_FAIL_CERT and a reason. Which Node-ID the
 * far end has is then rl_link_peer_cert(); the caller checks it against
 * the Node-ID it expected (6.5.1, 11.3). */
#ifndef RL_NET_LINK_H
#define RL_NET_LINK_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "security/cert.h"
#include "security/credentials.h"
#include "security/trust.h"

typedef enum rl_link_mode {
  RL_LINK_TLS = 0,          /* TLS-TCP-FH-NO-ICE */
  RL_LINK_TCP_INSECURE = 1  /* framing over plain TCP: no authentication */
} rl_link_mode;

typedef enum rl_link_fail {
  RL_LINK_CLOSED_LOCALLY = 0, /* rl_link_close() */
  RL_LINK_FAIL_EOF,           /* the far end closed */
  RL_LINK_FAIL_IO,            /* socket error (connect refused, reset) */
  RL_LINK_FAIL_TLS,           /* handshake or record error */
  RL_LINK_FAIL_CERT,          /* the far end's certificate is not valid here */
  RL_LINK_FAIL_FRAMING,       /* a FramedMessage that does not parse */
  RL_LINK_FAIL_OVERSIZE,      /* a data frame over max_message_size */
  RL_LINK_FAIL_TIMEOUT        /* no ack within the failure timeout */
} rl_link_fail;

const char *rl_link_fail_name(rl_link_fail f);

typedef struct rl_link rl_link;
typedef struct rl_link_ctx rl_link_ctx;

typedef struct rl_link_callbacks {
  /* The handshake finished (TLS) or the TCP connection is up (insecure). */
  void (*on_up)(void *user, rl_link *l);
  /* One whole data frame's message (the bytes are valid only during the
   * call). */
  void (*on_message)(void *user, rl_link *l, const uint8_t *msg, size_t len);
  /* A data frame announced more than max_message_size bytes; hdr holds the
   * first hdr_len bytes of it that arrived (may be fewer than the 38-byte
   * forwarding header, or 0). The link closes after the caller's sends made
   * from this callback are flushed. */
  void (*on_oversize)(void *user, rl_link *l, const uint8_t *hdr, size_t hdr_len,
                      size_t announced_len);
  /* The link is gone (also after a failed connect or handshake). The link
   * object stays valid until the callback returns, then is freed by the
   * context: do not touch it afterwards. */
  void (*on_closed)(void *user, rl_link *l, rl_link_fail why, const char *detail);
} rl_link_callbacks;

typedef struct rl_link_params {
  rl_link_mode mode;
  size_t max_message_size;      /* 11.1 max-message-size; frames above it are refused */
  uint64_t fail_timeout_ms;     /* unacked data this old fails the link; 0: max(4 RTO, 5000) */
  uint64_t keepalive_ms;        /* idle links send a keepalive; 0: 15000 */
  const rl_credentials *cred;   /* our certificate and key (TLS); borrowed */
  const rl_trust *trust;        /* what we accept (TLS); borrowed */
} rl_link_params;

/* A context shared by all links of one node. The callbacks and user pointer
 * apply to every link. Returns NULL with a reason in why (size whylen). */
rl_link_ctx *rl_link_ctx_new(const rl_link_params *p, const rl_link_callbacks *cb, void *user,
                             char *why, size_t whylen);
void rl_link_ctx_free(rl_link_ctx *ctx); /* closes every link, no callbacks */

/* A listening TCP socket bound to addr (port 0: any; read it back with
 * getsockname). Returns the fd (non-blocking) or -1 with why filled. */
int rl_link_listen(rl_link_ctx *ctx, const struct sockaddr *addr, socklen_t addrlen,
                   char *why, size_t whylen);

/* Accept one pending connection on a listening fd (call when it is
 * readable). NULL when there was none (EAGAIN) or it failed at once. */
rl_link *rl_link_accept(rl_link_ctx *ctx, int listen_fd);

/* Start a connection (non-blocking; on_up or on_closed follows). */
rl_link *rl_link_connect(rl_link_ctx *ctx, const struct sockaddr *addr, socklen_t addrlen);

/* poll(2) integration. */
int rl_link_fd(const rl_link *l);
short rl_link_poll_events(const rl_link *l);
void rl_link_handle(rl_link *l, short revents, uint64_t now_ms);

/* Queue one message as a data frame. Returns 0, RL_ERR_PARAM when len is
 * over max_message_size or 2^24-1, RL_ERR_NOMEM, or RL_ERR_IO when the link
 * is closing. Data queued before on_up is sent after the handshake. */
int rl_link_send(rl_link *l, const uint8_t *msg, size_t len);

/* Keepalives and failure timeouts, for every link of the context. */
void rl_link_ctx_tick(rl_link_ctx *ctx, uint64_t now_ms);

/* Close: pending output is flushed first when possible (bounded by a
 * short timeout), then on_closed(RL_LINK_CLOSED_LOCALLY). */
void rl_link_close(rl_link *l);

/* After on_up in TLS mode: the far end's certificate (owned by the link;
 * rl_cert_ref() to keep it). NULL in insecure mode. */
const rl_cert *rl_link_peer_cert(const rl_link *l);
/* Its intermediate certificates, if it sent any. */

/* The far end's address. */
const struct sockaddr *rl_link_peer_addr(const rl_link *l, socklen_t *len);
/* The local address of the link. */
int rl_link_local_addr(const rl_link *l, struct sockaddr_storage *out, socklen_t *len);

/* 1 when we connected (the TLS client), 0 when we accepted. */
int rl_link_is_outgoing(const rl_link *l);

/* Anything the caller wants to hang on a link. */
void rl_link_set_user(rl_link *l, void *data);
void *rl_link_get_user(const rl_link *l);

typedef struct rl_link_stats {
  uint64_t frames_sent, frames_received, acks_sent, acks_received;
  uint64_t bytes_sent, bytes_received;
  uint32_t srtt_ms, rttvar_ms, rto_ms; /* RFC 6298; 0 before the first sample */
} rl_link_stats;
void rl_link_get_stats(const rl_link *l, rl_link_stats *out);

/* Every link of the context, for iteration (e.g. building a pollfd array).
 * Returns how many there are; fills out up to max. */
size_t rl_link_ctx_links(rl_link_ctx *ctx, rl_link **out, size_t max);

#endif
