/* transport.h: how the runner reaches the implementation under test.
 *
 * The runner speaks in whole RELOAD messages on named connections ("" is
 * the first one; a `multi` scenario names others: send @b ...). A
 * transport carries them: the network transport (TLS or TCP with the
 * framing header of RFC 6940 6.6.2, or bare TCP) is built on
 * src/net/link.h; the loopback transport (transport_loopback.h) answers from
 * a responder script, for the suite's own tests.
 *
 * Every operation returns 0 or a negative rl_err with a reason in why.
 * Time goes through the transport too, so that the loopback transport can
 * run on a virtual clock and a test of "nothing within 2s" takes no time. */
#ifndef RL_CONF_TRANSPORT_H
#define RL_CONF_TRANSPORT_H

#include <stddef.h>
#include <stdint.h>

#include "scenario.h"

typedef enum rl_conf_event_kind {
  RL_CONF_EV_MESSAGE = 0, /* one whole message arrived (data, len) */
  RL_CONF_EV_CLOSED,      /* the far end closed the connection (detail says how) */
  RL_CONF_EV_TIMEOUT      /* nothing within the time given */
} rl_conf_event_kind;

typedef struct rl_conf_event {
  rl_conf_event_kind kind;
  const uint8_t *data; /* valid until the next call on the transport */
  size_t len;
  char detail[200];
} rl_conf_event;

/* What the link layer of a connection saw (transports with the framing
 * header, RFC 6940 6.6.2): the data frames the runner's link numbered and
 * sent, and the target's acks and data frames. Bytes written with
 * send_stream are not frames of ours: not in frames_sent or unacked, but
 * the target's acks of them are in acks_received and last_ack. */
typedef struct rl_conf_link_info {
  uint64_t frames_sent;     /* our data frames */
  uint32_t unacked;         /* of them, not acked yet */
  uint64_t acks_received;   /* ack frames from the target, any sequence */
  uint64_t frames_received; /* the target's data frames (empty ones too) */
  uint64_t acks_sent;
  uint32_t last_ack_sequence, last_ack_received; /* when acks_received > 0 */
  uint32_t last_data_sequence;                   /* when frames_received > 0 */
  uint64_t data_out_of_sequence; /* target's data frames not numbered 0, 1, 2, ... */
  uint64_t rtt_samples;
  uint32_t srtt_ms, rto_ms;
  int closed;          /* the link is gone: these are its last figures */
  char detail[200];    /* how it closed */
} rl_conf_link_info;

typedef struct rl_conf_transport_ops {
  const char *name; /* "loopback", "tls", "tcp", "tcp-unframed" */
  /* Connect conn for a scenario of this role (client, joining peer,
   * several nodes). Called before the first use of each name. */
  int (*open)(void *self, const char *conn, rl_scen_role role, char *why, size_t whylen);
  /* Send one message; the link adds the framing it uses. */
  int (*send)(void *self, const char *conn, const uint8_t *msg, size_t len, char *why,
              size_t whylen);
  /* Write bytes on the stream as they are, bypassing the framing (for
   * framing tests: on a framed link they go inside TLS, between whole
   * frames). NULL when the transport cannot: such steps are skipped with
   * that reason. */
  int (*send_stream)(void *self, const char *conn, const uint8_t *bytes, size_t len, char *why,
                     size_t whylen);
  /* The next event on conn, waiting at most timeout_ms. Messages that
   * arrive on other connections meanwhile are kept for them. Returns 0
   * with *ev filled, or an error (the transport itself failed). */
  int (*recv)(void *self, const char *conn, uint64_t timeout_ms, rl_conf_event *ev, char *why,
              size_t whylen);
  /* Close conn (and forget it); quietly does nothing if it is not open. */
  void (*close)(void *self, const char *conn);
  /* Milliseconds on the transport's clock, and waiting on it. */
  uint64_t (*now_ms)(void *self);
  void (*sleep_ms)(void *self, uint64_t ms);
  void (*destroy)(void *self);
  /* Connect conn presenting other credentials than the runner's own:
   * "other-ca", a node certificate from a CA the target does not trust
   * (RFC 6940 13.3: certificates are signed by the overlay's enrollment
   * authority). A target that refuses the handshake is no error: conn is
   * then closed (the runner sees RL_CONF_EV_CLOSED), which is what the
   * scenario checks. NULL when the transport cannot (not TLS): such steps
   * are skipped with that reason. */
  int (*open_as)(void *self, const char *conn, rl_scen_role role, const char *credentials,
                 char *why, size_t whylen);
  /* The link layer's figures for conn (open, or closed since it was
   * opened). NULL when the transport has no framing (tcp-unframed,
   * loopback): expect-acked steps and `send ... frame` are skipped. */
  int (*link_info)(void *self, const char *conn, rl_conf_link_info *out, char *why,
                   size_t whylen);
  /* The local IPv4 address of conn's socket (host order), for the
   * candidates of our own Attaches (6.5.1.1). NULL, or RL_ERR_NOT_FOUND
   * for an IPv6 or closed link: the runner falls back to 127.0.0.1. */
  int (*local_ipv4)(void *self, const char *conn, uint32_t *addr);
} rl_conf_transport_ops;

typedef struct rl_conf_transport {
  const rl_conf_transport_ops *ops;
  void *self;
} rl_conf_transport;

#endif
