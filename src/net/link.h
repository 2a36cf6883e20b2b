/* net/link.h: one overlay link (RFC 6940 6.6): TLS over TCP with the
 * framing header (TLS-TCP-FH-NO-ICE, 6.6.5), or -- behind an explicit,
 * insecure option -- the same framing over plain TCP, for debugging and
 * packet captures.
 *
 * A link does no routing and knows nothing of RELOAD messages beyond the
 * FramedMessage (6.6.2) wrapped around each one. It is driven by the
 * caller's poll() loop: ask rl_link_poll_events() what to wait for, hand
 * the result to rl_link_handle(), and call rl_link_ctx_tick() now and then
 * (every 100 ms or so: keepalives and timeouts are checked there). Nothing
 * blocks. Events come back through callbacks, always from inside
 * rl_link_handle / rl_link_ctx_tick, never from rl_link_send,
 * rl_link_close, rl_link_connect or rl_link_accept (rl_link_send only
 * queues; the write happens in rl_link_handle when poll says POLLOUT).
 * Callbacks may call any function of this file on any link of the context
 * (send, close, connect, also on the link being reported), except
 * rl_link_ctx_free. A link pointer is valid until its on_closed returns:
 * a caller that holds pointers (its connection table, the array of
 * rl_link_ctx_links while it walks poll's results) drops the link there.
 * Times (now_ms) are milliseconds of one monotonic clock of the caller's
 * choice (e.g. CLOCK_MONOTONIC), the same in every call.
 *
 * Per link (6.6.2, 6.6.5): outgoing data frames are numbered from 0; every
 * data frame received is acked at once with the 32-bit received mask; acks
 * received give RTT samples and an RTO by RFC 6298 section 2 (minimum RTO
 * 200 ms, see net/rto.h); a link with unacked data older than the failure
 * timeout, or whose send queue has not moved for that long (a far end
 * that reads nothing), is reported as failed (on_closed with
 * RL_LINK_FAIL_TIMEOUT). A data frame longer than
 * max_message_size is refused: on_oversize is called (so the caller can
 * answer Error_Message_Too_Large, 6.6) and the link is closed after the
 * answer is flushed.
 *
 * Keepalive. TLS-TCP-FH-NO-ICE has no keepalive of its own (6.6.5: no STUN
 * keepalives), yet an idle link must be found dead by the ack timeout. A
 * link that has queued no data frame for keepalive_ms sends a data frame
 * with an empty message (length 0). The far end acks it like any data
 * frame, which gives an RTT sample here and starts the failure timeout
 * when no ack comes; an empty message is not passed to on_message. Why an
 * empty data frame: every RELOAD message starts with a forwarding header
 * (6.3.2), so length 0 can never be a real message, and an ack frame
 * would not do (acks are not acked). Another implementation that hands
 * every data frame to its message parser sees a 0-byte message that does
 * not decode and drops it; it still acks it (6.6.2: every data frame).
 * Consequently rl_link_send refuses len 0.
 *
 * Closing. rl_link_close and an oversized frame close gracefully: the send
 * queue is flushed, TLS close_notify and a TCP FIN are sent, and what the
 * far end still sends is read and dropped until it closes too (closing a
 * socket with unread input sends a reset, which can destroy our last bytes
 * in the far end's buffer); all bounded by RL_LINK_CLOSE_FLUSH_MS. Every
 * other failure closes at once.
 *
 * Memory. Each link allocates, when it comes up (not before: a
 * connection that never finishes its handshake costs no frame buffer), a
 * receive buffer of max_message_size + 8 (one frame) + 16 KiB (one TLS
 * record); the send
 * queue grows by doubling up to RL_LINK_OUT_MAX (or two of the largest
 * frames, if that is more) and the records of unacked frames up to
 * RL_LINK_UNACKED_MAX. Received bytes are never copied or allocated per
 * message.
 *
 * TLS: mutual authentication; both sides present their node certificate.
 * The peer certificate is checked against the overlay's trust (rl_trust:
 * roots, self-signed rules, bad nodes) during the handshake; a failure
 * closes the link with RL_LINK_FAIL_CERT and a reason. Which Node-ID the
 * far end has is then rl_link_peer_cert(); the caller checks it against
 * the Node-ID it expected (6.5.1, 11.3). TLS 1.2 and 1.3 are offered. With
 * TLS 1.3 the client finishes its handshake before the server has checked
 * the client's certificate: a client whose certificate is refused sees
 * on_up, then on_closed(RL_LINK_FAIL_TLS) with the server's alert. OpenSSL's
 * own chain building and hostname checks are not used; no session
 * resumption (each link proves its certificate), no renegotiation. */
#ifndef RL_NET_LINK_H
#define RL_NET_LINK_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "security/cert.h"
#include "security/credentials.h"
#include "security/trust.h"

/* Bytes rl_link_send may have queued on one link (unless max_message_size
 * is larger: then two frames of that size). */
#define RL_LINK_OUT_MAX ((size_t)4 << 20)
/* Data frames sent and not acked yet on one link, at most. */
#define RL_LINK_UNACKED_MAX 65536u
/* How long a graceful close may take. */
#define RL_LINK_CLOSE_FLUSH_MS 2000u

typedef enum rl_link_mode {
  RL_LINK_TLS = 0,          /* TLS-TCP-FH-NO-ICE */
  RL_LINK_TCP_INSECURE = 1, /* framing over plain TCP: no authentication */
  RL_LINK_DTLS = 2,         /* DTLS-UDP-SR-NO-ICE: net/dlink.h, not this file */
  RL_LINK_UDP_INSECURE = 3, /* SR framing over plain UDP: net/dlink.h, insecure */
  RL_LINK_DTLS_ICE = 4      /* DTLS-UDP-SR: DTLS links over ICE pairs (net/ice.h) */
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
  uint64_t handshake_timeout_ms;/* TCP connect + TLS handshake; 0: max(fail timeout, 10000) */
  /* Accepted (and adopted incoming) links: the TLS handshake must finish
   * within this; 0: handshake_timeout_ms. Anyone can open a connection and
   * say nothing: a short bound gives its resources back soon (13.5). */
  uint64_t accept_timeout_ms;
  const rl_credentials *cred;   /* our certificate and key (TLS); borrowed */
  const rl_trust *trust;        /* what we accept (TLS); borrowed */
  /* 1: no framing header. The bytes go through as they are: an
   * application protocol over a connection set up by AppAttach (6.5.2;
   * RFC 7904 5.1: SIP over TLS between peers). on_message then gets each
   * chunk as it was read (message boundaries are the application's);
   * rl_link_send queues bytes as they are; no acks, no keepalives, no ack
   * timeout (a queue that does not move still fails the link). TLS and the
   * certificate check are the same as for overlay links. */
  int stream;
} rl_link_params;

/* A context shared by all links of one node. The callbacks and user pointer
 * apply to every link. Returns NULL with a reason in why (size whylen). */
rl_link_ctx *rl_link_ctx_new(const rl_link_params *p, const rl_link_callbacks *cb, void *user,
                             char *why, size_t whylen);
/* Closes every link (TLS close_notify attempted once, no waiting), no
 * callbacks. Not from inside a callback. Listening fds are the caller's. */
void rl_link_ctx_free(rl_link_ctx *ctx);

/* A listening TCP socket bound to addr (port 0: any; read it back with
 * getsockname). Returns the fd (non-blocking) or -1 with why filled. The
 * fd belongs to the caller (close(2) it); the context does not track it. */
int rl_link_listen(rl_link_ctx *ctx, const struct sockaddr *addr, socklen_t addrlen,
                   char *why, size_t whylen);

/* Accept one pending connection on a listening fd (call when it is
 * readable). NULL when there was none (errno EAGAIN) or it failed (errno
 * says why: accept(2)'s, or ENOMEM). A caller that loops until NULL must
 * look at errno: EMFILE and ENOBUFS leave the socket readable, and
 * polling it again at once spins (net/admit.h, rl_accept_action_of, says
 * what to do). The reference peer accepts with accept(2) and
 * rl_link_adopt instead, to decide on the address first. */
rl_link *rl_link_accept(rl_link_ctx *ctx, int listen_fd);

/* Start a connection (non-blocking; on_up or on_closed follows, also when
 * connect(2) failed at once). NULL only when no socket or memory. */
rl_link *rl_link_connect(rl_link_ctx *ctx, const struct sockaddr *addr, socklen_t addrlen);

/* A link over a socket that is already connected (e.g. one end of a
 * socketpair in tests, or a socket handed over by another part of the
 * program): outgoing 1 makes us the TLS client. On success the link owns
 * fd (and closes it); on NULL (no memory) it is still the caller's. */
rl_link *rl_link_adopt(rl_link_ctx *ctx, int fd, int outgoing);

/* poll(2) integration. */
int rl_link_fd(const rl_link *l);
short rl_link_poll_events(const rl_link *l);
void rl_link_handle(rl_link *l, short revents, uint64_t now_ms);

/* Queue one message as a data frame. Returns 0, RL_ERR_PARAM when len is
 * 0 (the keepalive, above) or over max_message_size or 2^24-1,
 * RL_ERR_NOMEM when the queue is full (RL_LINK_OUT_MAX bytes or
 * RL_LINK_UNACKED_MAX unacked frames) or memory ran out, or RL_ERR_IO when
 * the link is closing or failed. Data queued before on_up is sent after
 * the handshake. Never calls back. */
int rl_link_send(rl_link *l, const uint8_t *msg, size_t len);

/* Queue bytes to go out as they are, outside the framing: frames of the
 * caller's making, broken ones, half of one -- for testing how another
 * implementation reads frames (the conformance suite), never for
 * messages. The link does not number them, wait for their acks or count
 * them in frames_sent; an ack the far end sends for a data frame written
 * this way is counted (acks_received, last_ack_*) but acks none of ours,
 * as long as its sequence number is not one of the link's own (pick
 * numbers far from them). Returns like rl_link_send (RL_ERR_PARAM for len
 * 0). Never calls back. */
int rl_link_send_unframed(rl_link *l, const uint8_t *bytes, size_t len);

/* Keepalives and failure timeouts, for every link of the context. */
void rl_link_ctx_tick(rl_link_ctx *ctx, uint64_t now_ms);

/* Close: pending output is flushed first when possible (bounded by
 * RL_LINK_CLOSE_FLUSH_MS), then on_closed(RL_LINK_CLOSED_LOCALLY) from a
 * later rl_link_handle / rl_link_ctx_tick. No-op on a link already
 * closing or closed; output queued before on_up is dropped. */
void rl_link_close(rl_link *l);

/* After on_up in TLS mode: the far end's certificate (owned by the link;
 * rl_cert_ref() to keep it). NULL in insecure mode. */
const rl_cert *rl_link_peer_cert(const rl_link *l);
/* Its intermediate certificates, if it sent any (*n of them; owned by the
 * link). */
rl_cert *const *rl_link_peer_chain(const rl_link *l, size_t *n);

/* 1 when a and b are the same IPv4 or IPv6 address and port. */
int rl_sockaddr_equal(const struct sockaddr_storage *a, const struct sockaddr_storage *b);

/* The far end's address. */
const struct sockaddr *rl_link_peer_addr(const rl_link *l, socklen_t *len);
/* The local address of the link. */
int rl_link_local_addr(const rl_link *l, struct sockaddr_storage *out, socklen_t *len);

/* 1 when we connected (the TLS client), 0 when we accepted. */
int rl_link_is_outgoing(const rl_link *l);

/* Anything the caller wants to hang on a link. */
void rl_link_set_user(rl_link *l, void *data);
void *rl_link_get_user(const rl_link *l);

/* frames_*: data frames queued / received, keepalives included; bytes_*:
 * framed bytes written to / read from the socket or TLS (without TLS's own
 * overhead). */
typedef struct rl_link_stats {
  uint64_t frames_sent, frames_received, acks_sent, acks_received;
  uint64_t bytes_sent, bytes_received;
  uint32_t srtt_ms, rttvar_ms, rto_ms; /* RFC 6298, rounded up; 0 before the first sample
                                        * (srtt can be 0 after it, on loopback) */
  uint64_t rtt_samples;                /* acks that gave an RTT sample */
  uint64_t keepalives_sent, keepalives_received;
  uint32_t unacked;                    /* data frames not acked yet */
  size_t out_pending;                  /* bytes queued, not written yet */
  /* What the far end's frames said, for testing another implementation
   * (the conformance suite): the last ack received, as it came, whether
   * or not it acked a frame of ours (valid when acks_received > 0); the
   * sequence of the last data frame received (valid when frames_received
   * > 0) and how many data frames did not carry the number after the one
   * before (the first one: not 0). 6.6.2: "Initially, the value is zero,
   * and it increments by exactly one for each message sent over that
   * connection." Stream links: all 0. */
  uint32_t last_ack_sequence, last_ack_received;
  uint32_t last_data_sequence;
  uint64_t data_out_of_sequence;
} rl_link_stats;
void rl_link_get_stats(const rl_link *l, rl_link_stats *out);

/* Every link of the context, for iteration (e.g. building a pollfd array).
 * Returns how many there are; fills out up to max. Links that are closing
 * are included: keep polling them until their on_closed. */
size_t rl_link_ctx_links(rl_link_ctx *ctx, rl_link **out, size_t max);

#endif
