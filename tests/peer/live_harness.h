/* live_harness.h: live tests of the reference peer (src/peer/node.h) in
 * one process: real rl_node peers on loopback, and "attackers" that speak
 * the overlay link protocol themselves (src/net/link.h) with credentials
 * of their choice and send hand-built, signed, possibly mutated messages
 * (RFC 6940 6.3), then read the peer's answers. Everything is driven from
 * one poll loop (live_pump_until): each node gets rl_node_run_once(n, 0),
 * each attacker's links get rl_link_handle.
 *
 * Keys are made once (live_world_init, before Check forks the test cases):
 * a CA of the overlay and one of a rogue, P-256 keys except alice's, which
 * is RSA-2048 so that the peer verifies the algorithm every implementation
 * MUST support (6.3.4: RSASSA-PKCS1-v1_5 with SHA-256). */
#ifndef RL_TESTS_PEER_LIVE_HARNESS_H
#define RL_TESTS_PEER_LIVE_HARNESS_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>

#include "gen/reload_codec.h"
#include "net/link.h"
#include "overlay/config.h"
#include "peer/node.h"
#include "runtime/arena.h"
#include "security/credentials.h"
#include "security/trust.h"

#define LIVE_OVERLAY "live.test"
#define LIVE_ID_LEN 16
/* The configuration's values the tests rely on (11.1). */
#define LIVE_SEQUENCE 10
#define LIVE_INITIAL_TTL 30
#define LIVE_MAX_MESSAGE 5000
/* Kinds of the configuration (7.3's four policies). */
#define LIVE_KIND_USER 4000      /* SINGLE, USER-MATCH */
#define LIVE_KIND_USER_ARRAY 4001 /* ARRAY, USER-MATCH */
#define LIVE_KIND_NODE 4003      /* SINGLE, NODE-MATCH */
#define LIVE_KIND_MULTIPLE 4004  /* SINGLE, NODE-MULTIPLE, max-node-multiple 3 */
#define LIVE_KIND_USER_NODE 4005 /* DICTIONARY, USER-NODE-MATCH */
#define LIVE_NODE_MULTIPLE 3

/* Identities. All but MALLORY are issued by the overlay's CA. */
enum { LIVE_PEER = 0, LIVE_PEER2, LIVE_ALICE, LIVE_BOB, LIVE_CAROL, LIVE_MALLORY, LIVE_NIDS };

typedef struct live_world {
  char *xml;                     /* the configuration document (11.1) */
  size_t xml_len;
  rl_config_document doc;        /* parsed back from xml */
  const rl_overlay_config *cfg;
  rl_params params;              /* for decoding answers */
  uint32_t overlay;              /* overlay hash (6.3.2) */
  rl_trust *trust;               /* the overlay's trust (attackers check the peer) */
  rl_credentials *cred[LIVE_NIDS];
  const char *user[LIVE_NIDS];
} live_world;

extern live_world live_w;

/* Make the keys, certificates and configuration (aborts on failure). */
void live_world_init(void);
void live_world_free(void);

/* ---------- peers ---------- */

/* A started peer listening on 127.0.0.1 (port in *port): the first peer
 * of its overlay (may_start_ring) unless bootstrap_port is non-zero. The
 * node is registered with the pump. LIVE_LOG=1..3 in the environment logs
 * to stderr at that verbosity. */
rl_node *live_peer_start(int who, uint16_t bootstrap_port, uint16_t *port);
/* The link budget (rl_node_options.link_rate, link_burst) of the peers
 * started from then on; 0: the defaults. */
extern uint32_t live_link_rate, live_link_burst;
void live_peer_free(rl_node *n);

/* ---------- attackers ---------- */

typedef struct live_msg {
  uint8_t *bytes;
  size_t len;
} live_msg;

#define LIVE_INBOX 4096

typedef struct live_atk {
  rl_link_ctx *ctx;
  const rl_credentials *cred;    /* what its TLS side presents */
  rl_link *link;                 /* its current link (the last one up or made) */
  int lfd;                       /* listening socket, or -1 */
  uint16_t lport;
  int ups, closes;
  rl_link_fail why;              /* of the last close */
  char detail[256];
  live_msg inbox[LIVE_INBOX];    /* every message received, in order */
  size_t ninbox;
  size_t dropped;                /* messages that did not fit the inbox */
} live_atk;

/* An attacker presenting credentials who (TLS), trusting the overlay's CA,
 * accepting frames up to max_message (0: 1 MiB: it must be able to send
 * oversized ones). Registered with the pump. */
live_atk *live_atk_new(int who, size_t max_message);
void live_atk_free(live_atk *a);
/* Listen on 127.0.0.1 (any port: a->lport); accepted links become a->link. */
void live_atk_listen(live_atk *a);
/* Connect to 127.0.0.1:port; returns once the link is up (1) or closed (0)
 * or after timeout_ms (0). */
int live_atk_connect(live_atk *a, uint16_t port, int timeout_ms);
/* Connect and make sure the peer has bound the link to our Node-ID: a Ping
 * is answered over it. Fails the test otherwise. */
void live_atk_attach(live_atk *a, uint16_t port);

/* Run the loop until a has seen a link close (a->closes grows past
 * closes_before): 1, or 0 after timeout_ms. */
int live_wait_closed(live_atk *a, int closes_before, int timeout_ms);

/* ---------- the loop ---------- */

/* Run every registered node and attacker until pred(arg) is true (returns
 * 1) or timeout_ms passed (returns 0). pred NULL: run for timeout_ms. */
int live_pump_until(int (*pred)(void *), void *arg, int timeout_ms);

/* ---------- building messages ---------- */

/* What an attacker sends: an rl_msg_out and its signer, with room for the
 * lists. live_req_init fills the defaults: destination the Node-ID of the
 * peer `to`, TTL initial-ttl, the configuration's sequence and overlay, a
 * fresh transaction ID, signed by `signer` with its certificate. */
typedef struct live_req {
  const rl_credentials *signer;
  uint32_t overlay;
  uint16_t sequence;
  uint8_t ttl;
  uint64_t txid;
  uint32_t max_response_length;
  rl_Destination dest[4];
  size_t ndest;
  rl_Destination via[4];
  size_t nvia;
  rl_ForwardingOption opts[2];
  size_t nopts;
  rl_MessageExtension ext[2];
  size_t next;
  rl_cert *extra[2];             /* more certificates for the SecurityBlock */
  size_t nextra;
  rl_MessageCode code;
  rl_MessageBody body;
} live_req;

void live_req_init(live_req *r, int signer, int to, rl_MessageCode code);
/* A fresh transaction ID (deterministic sequence). */
uint64_t live_txid(void);
/* Encode and sign into buf; returns the length (fails the test on error). */
size_t live_encode(const live_req *r, uint8_t *buf, size_t cap);
/* Encode and send over a->link; returns r->txid. */
uint64_t live_send(live_atk *a, const live_req *r);
/* Send raw bytes over a->link (fails the test when the link refuses). */
void live_send_raw(live_atk *a, const uint8_t *msg, size_t len);

/* Rewrite the ForwardingHeader's length field (6.3.2) to len. */
void live_fix_length(uint8_t *msg, size_t len);

/* A Resource-ID (7.3) for an identity: "user" H(user name), "node"
 * H(Node-ID), or NODE-MULTIPLE's H(Node-ID || i) when i > 0. */
void live_resource_user(int who, uint8_t out[LIVE_ID_LEN]);
void live_resource_node(int who, uint8_t i, uint8_t out[LIVE_ID_LEN]);

/* A StoreReq body for one value of kind, signed (7.1) by value_signer,
 * memory from arena. key: the dictionary key (NULL for other models). */
void live_store_body(rl_MessageBody *body, int value_signer, const uint8_t *resource,
                     rl_KindId kind, const uint8_t *key, size_t key_len, const char *value,
                     rl_arena *arena);

/* ---------- reading answers ---------- */

typedef struct live_ans {
  rl_Message m;
  uint8_t *bytes;                /* the message as received (owned) */
  size_t len;
  int verified;                  /* 1: signed by a certificate the overlay trusts */
  uint8_t signer[LIVE_ID_LEN];   /* ... with this Node-ID */
  uint8_t mem[1u << 16];
  rl_arena arena;
} live_ans;

/* Wait until a message with transaction ID txid arrives at a (also one
 * that came before the call), decode it into *out (which must be freed
 * with live_ans_clear) and return 1; 0 after timeout_ms. A message that
 * does not decode fails the test. */
int live_wait(live_atk *a, uint64_t txid, int timeout_ms, live_ans *out);
void live_ans_clear(live_ans *out);
/* The same for the first message whose message_code is code. */
int live_wait_code(live_atk *a, rl_MessageCode code, int timeout_ms, live_ans *out);
/* Number of messages with transaction ID txid a has received so far. */
size_t live_count(const live_atk *a, uint64_t txid);
/* The error_code of an ErrorResponse (6.3.3.1), or 0 for other messages. */
int live_error_code(const live_ans *ans);

/* Send a Ping (6.5.3) to the peer `to` over a, wait for the answer, and
 * return its message code (0 when none came within timeout_ms). */
int live_ping(live_atk *a, int to, int timeout_ms);

/* Send r and wait for its answer: the message code of the answer, or for
 * an ErrorResponse its error_code | 0x10000, or 0 when nothing came. */
#define LIVE_ERR(code) (0x10000 | (int)(code))
int live_exchange(live_atk *a, const live_req *r, int timeout_ms);

#endif
