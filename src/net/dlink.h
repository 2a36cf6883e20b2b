/* net/dlink.h: overlay links over UDP (RFC 6940 6.6): DTLS 1.2 with the
 * framing header and Simple Reliability, DTLS-UDP-SR-NO-ICE (6.6.4 without
 * ICE, 6.5.1.11), or -- behind an explicit, insecure option -- the same
 * framing and reliability over plain UDP, for debugging and captures.
 *
 * One UDP socket per context (per node) carries every link: datagrams are
 * demultiplexed by the far end's address and port, so one link exists per
 * remote address at a time. A datagram from an address without a link
 * that opens a handshake (a DTLS ClientHello; insecure: a data frame)
 * makes an incoming link, offered to on_incoming, which admits it or not
 * (net/admit.h's job in the reference peer); anything else from an
 * unknown address is dropped without an answer. When both ends connect to
 * each other at the same time (two ClientHellos cross), the end whose
 * local address:port is lower gives its own connection up (on_closed,
 * RL_LINK_FAIL_IO, "crossed handshake") and answers as the server; the
 * other end ignores the ClientHello it got. A ClientHello from an address
 * whose link is up means the far end started over: the old link is
 * closed (RL_LINK_FAIL_EOF) and a new incoming link made.
 *
 * Driven like net/link.h: poll rl_dlink_ctx_fd for rl_dlink_ctx_poll_events,
 * hand the result to rl_dlink_ctx_handle, and call rl_dlink_ctx_tick at
 * the latest at rl_dlink_ctx_next_ms (the 10 ms gap after an ack, the
 * retransmission timers) and every 100 ms or so. Callbacks come only from
 * rl_dlink_ctx_handle / rl_dlink_ctx_tick and may call any function here
 * except rl_dlink_ctx_free; a link pointer is valid until its on_closed
 * returns. The callback interface is link.h's, with rl_dlink for rl_link,
 * plus on_incoming.
 *
 * Per link: each DTLS record carries one FramedMessage (6.6.2); every data
 * frame received is acked at once with the received mask; the sender is
 * net/sr.h's stop-and-wait (6.6.3.1): one message out at a time,
 * retransmitted after the RTO with a new sequence number and a doubled
 * wait, the link failed (on_closed, RL_LINK_FAIL_TIMEOUT) when five
 * transmissions of one message go unacked. A data frame longer than
 * max_message_size is refused (on_oversize, then the link closes after
 * the answer went out), as on TLS links. max_message_size may be at most
 * RL_DLINK_MSG_MAX: a message is one DTLS record (RELOAD fragments larger
 * messages itself, 6.7).
 *
 * Keepalive: no ICE means no STUN keepalives (6.5.1.11), so, as on TLS
 * links (net/link.h), a link that sent nothing for keepalive_ms sends a
 * data frame with an empty message; it is acked and retransmitted like
 * any message, which finds a dead far end within the five transmissions
 * (about 31 RTO), and is never passed to on_message.
 *
 * DTLS: DTLS 1.2 (OpenSSL's DTLS_method, nothing older), mutual
 * authentication with the node certificates, the far end's certificate
 * checked against the overlay's trust during the handshake exactly as on
 * TLS links (net/tls.h); no cookie exchange (admission control limits
 * incoming handshakes instead); handshake retransmissions are OpenSSL's
 * own timer. A refused certificate closes the link with
 * RL_LINK_FAIL_CERT. Closing sends close_notify after the queued messages
 * were acked (bounded by RL_LINK_CLOSE_FLUSH_MS); the far end reports it
 * as RL_LINK_FAIL_EOF. Not done: ICMP errors (the socket is not
 * connected, so a refused port shows as the five unacked transmissions);
 * path MTU discovery (records are not split: a loopback or LAN with
 * fragmentation carries them). */
#ifndef RL_NET_DLINK_H
#define RL_NET_DLINK_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "net/link.h"

/* The largest message one DTLS record carries with its 8-byte frame
 * header (2^14 bytes of plaintext per record). */
#define RL_DLINK_MSG_MAX (16384u - 8u)

typedef struct rl_dlink rl_dlink;
typedef struct rl_dlink_ctx rl_dlink_ctx;

typedef struct rl_dlink_callbacks {
  /* A handshake from a new address: return 1 to take it (set the user
   * pointer here), 0 to drop it (nothing is answered; on_closed never
   * comes for it). */
  int (*on_incoming)(void *user, rl_dlink *l);
  void (*on_up)(void *user, rl_dlink *l);
  void (*on_message)(void *user, rl_dlink *l, const uint8_t *msg, size_t len);
  void (*on_oversize)(void *user, rl_dlink *l, const uint8_t *hdr, size_t hdr_len,
                      size_t announced_len);
  void (*on_closed)(void *user, rl_dlink *l, rl_link_fail why, const char *detail);
} rl_dlink_callbacks;

/* A context on a new UDP socket bound to bind_addr (port 0: any). p->mode
 * is RL_LINK_DTLS (p->cred and p->trust needed) or RL_LINK_UDP_INSECURE;
 * p->stream must be 0. NULL with a reason in why. */
rl_dlink_ctx *rl_dlink_ctx_new(const rl_link_params *p, const rl_dlink_callbacks *cb, void *user,
                               const struct sockaddr *bind_addr, socklen_t bind_len, char *why,
                               size_t whylen);
/* Closes the socket and every link: close_notify sent once on each link
 * that was up (no waiting), no callbacks. Not from inside a callback. */
void rl_dlink_ctx_free(rl_dlink_ctx *ctx);

int rl_dlink_ctx_fd(const rl_dlink_ctx *ctx);
short rl_dlink_ctx_poll_events(const rl_dlink_ctx *ctx);
/* The socket's address (the port the node announces). */
int rl_dlink_ctx_local_addr(const rl_dlink_ctx *ctx, struct sockaddr_storage *out,
                            socklen_t *len);
void rl_dlink_ctx_handle(rl_dlink_ctx *ctx, short revents, uint64_t now_ms);
void rl_dlink_ctx_tick(rl_dlink_ctx *ctx, uint64_t now_ms);
/* When rl_dlink_ctx_tick has something to do next (UINT64_MAX: nothing
 * before an event; callers still tick every 100 ms for handshakes). */
uint64_t rl_dlink_ctx_next_ms(const rl_dlink_ctx *ctx);
/* Links (closing ones included). */
size_t rl_dlink_ctx_count(const rl_dlink_ctx *ctx);
/* STUN Binding requests answered on the socket: a peer is a STUN server
 * for its neighbours (6.5.1.4, net/stun_srv.h). */
uint64_t rl_dlink_ctx_stun_answered(const rl_dlink_ctx *ctx);

/* A link to addr (on_up or on_closed follows from a later handle/tick).
 * NULL when there is no memory, or a link to addr exists already (one per
 * address: rl_dlink_find). */
rl_dlink *rl_dlink_connect(rl_dlink_ctx *ctx, const struct sockaddr *addr, socklen_t addrlen);
/* The link to addr, or NULL. */
rl_dlink *rl_dlink_find(rl_dlink_ctx *ctx, const struct sockaddr *addr, socklen_t addrlen);

/* Queue one message. 0, RL_ERR_PARAM (len 0 or over max_message_size),
 * RL_ERR_NOMEM (queue full: RL_LINK_OUT_MAX bytes), RL_ERR_IO (closing or
 * closed). Sent once the link is up, one at a time. Never calls back. */
int rl_dlink_send(rl_dlink *l, const uint8_t *msg, size_t len);
/* A link over another datagram carrier (an ICE pair, net/ice.h), not the
 * context's socket: its datagrams go out through tx and come in through
 * rl_dlink_input; rl_dlink_find never returns it and no ClientHello on the
 * socket touches it. client: 1 to start the DTLS handshake (6.5.1.13: the
 * Attach answerer is the client), 0 to wait for the far end's. far is
 * only the address shown by rl_dlink_peer_addr. Driven by the context's
 * tick like the others; callbacks as for any link. */
typedef int (*rl_dlink_tx_fn)(void *tx_user, const uint8_t *buf, size_t len);
rl_dlink *rl_dlink_over(rl_dlink_ctx *ctx, int client, const struct sockaddr *far, socklen_t len,
                        rl_dlink_tx_fn tx, void *tx_user);
/* One datagram from the carrier of a link made by rl_dlink_over. */
void rl_dlink_input(rl_dlink *l, const uint8_t *buf, size_t len, uint64_t now_ms);
/* Close after the queue is acked (bounded by RL_LINK_CLOSE_FLUSH_MS);
 * on_closed(RL_LINK_CLOSED_LOCALLY) from a later handle/tick. */
void rl_dlink_close(rl_dlink *l);

/* After on_up with DTLS: the far end's certificate (the link's;
 * rl_cert_ref to keep it). NULL on insecure links. */
const rl_cert *rl_dlink_peer_cert(const rl_dlink *l);
const struct sockaddr *rl_dlink_peer_addr(const rl_dlink *l, socklen_t *len);
int rl_dlink_is_outgoing(const rl_dlink *l);
void rl_dlink_set_user(rl_dlink *l, void *data);
void *rl_dlink_get_user(const rl_dlink *l);

typedef struct rl_dlink_stats {
  uint64_t frames_sent, frames_received, acks_sent, acks_received;
  uint64_t retransmissions, messages_acked;
  uint64_t keepalives_sent, keepalives_received;
  uint64_t datagrams_sent, datagrams_received;
  uint32_t srtt_ms, rttvar_ms, rto_ms; /* RFC 6298 through net/sr.h */
  uint64_t rtt_samples;
  size_t queued;                       /* messages waiting (the one out included) */
  int failing;                         /* 6.6.3.1: three retransmissions unacked */
} rl_dlink_stats;
void rl_dlink_get_stats(const rl_dlink *l, rl_dlink_stats *out);

#endif
