/* peer/node_int.h: what the parts of the node core (node.c: the
 * Connection Table, routing, transactions; node_chord.c: the topology's
 * actions; node_handlers.c: the requests a node answers; ...) share. The
 * core does no I/O: links are numbers (rl_conn.key), the time comes with
 * every event (now_us), and what it wants done goes into n->actions
 * (peer/actq.h). Not installed. */
#ifndef RL_PEER_NODE_INT_H
#define RL_PEER_NODE_INT_H

#include <stdarg.h>

#include "net/admit.h"
#include "peer/actq.h"
#include "overlay/chord.h"
#include "peer/breaks.h"
#include "peer/backlink.h"
#include "peer/bucket.h"
#include "peer/fragment.h"
#include "peer/msg.h"
#include "peer/node.h"
#include "peer/turnsvc.h"
#include "peer/viatab.h"
#include "security/sign.h"
#include "security/trust.h"
#include "storage/store.h"

/* Connection Table entries (6.5): links, bound to a Node-ID once known. */
#define RL_NODE_MAX_CONNS 256
/* Transactions we originated and wait for (6.2.1). */
#define RL_NODE_MAX_TXNS 1024
/* Answers kept for retransmitted requests (6.2.1: 15 s). */
#define RL_NODE_RESP_CACHE 256
/* Certificates whose chain to the overlay's roots was checked lately
 * (rl_node_trust_check): each entry is trusted again for a minute at most,
 * and never past the certificate's notAfter. */
#define RL_NODE_TRUST_CACHE 64
#define RL_NODE_TRUST_CACHE_MS 60000
#define RL_NODE_REQUEST_LIFETIME_MS 15000
/* Attaches we answered and whose link we wait for (6.5.1). */
#define RL_NODE_MAX_INBOUND 64
/* Certificates cached from security blocks (6.3.4). */
#define RL_NODE_MAX_CERTS 512
/* Messages to ourselves waiting for the loop. */
#define RL_NODE_LOCAL_QUEUE 64
/* ConfigUpdate pushes remembered for their rate limit: one per node per
 * minute (6.3.2.1 pushes one for every request with an older sequence). */
#define RL_NODE_CONFIG_PUSHES 64
#define RL_NODE_CONFIG_PUSH_INTERVAL_MS 60000
/* Kinds learned from ConfigUpdates of type kind (6.5.4, 7.4.1.1). */
#define RL_NODE_MAX_LEARNED_KINDS 32
/* Fragmented messages reassembled at a time (6.7), from one link and in
 * all: the oldest of the link holding the most gives way. */
#define RL_NODE_REASM_PER_LINK 4
#define RL_NODE_REASM_PENDING 64
/* Forwarded requests' links kept for Node-IDs several links share
 * (peer/backlink.h): the last 1024 requests forwarded from clients. An
 * answer comes back within milliseconds; one to a retransmission (6.2.1,
 * up to 15 s later) still finds its entry unless 1024 requests came since,
 * and otherwise goes by Node-ID as before. */
#define RL_NODE_BACKLINKS 1024
/* Decoding memory for one message. */
#define RL_NODE_ARENA RL_NODE_SCRATCH_ARENA
/* Replication (node_repl.c): original Stores whose answer waits for the
 * replicas, at most RL_NODE_DEFER_MS; jobs that (re)send whole resources
 * and ranges; replica StoreReqs in flight from jobs, in all and per job;
 * (a quarter of the transaction slots stays free for everything else);
 * the longest pause between retries; how often a handover is tried. */
#define RL_NODE_MAX_DEFERRED 256
#define RL_NODE_DEFER_MS 2000
#define RL_NODE_MAX_REPL_JOBS 512
#define RL_NODE_REPL_WINDOW 64
#define RL_NODE_REPL_JOB_WINDOW 16
#define RL_NODE_REPL_MAX_BACKOFF_MS 30000
#define RL_NODE_REPL_HANDOVER_TRIES 5
/* The most replicas a peer keeps (the configuration's replication factor
 * is clamped to it). */
#define RL_NODE_MAX_REPLICAS 8

#define RL_CONN_ALSO 8
typedef struct rl_conn {
  int used;               /* the slot holds a link (named by key) */
  int up;                 /* handshake done */
  int bound;              /* id is known */
  rl_nodeid id;
  int outgoing;
  int bootstrap;          /* we connected to it as a bootstrap node */
  int chord_known;        /* the chord was told about this link */
  int want_attach;        /* outgoing link of one of our Attaches */
  rl_nodeid attach_target;/* ... the chord's target of that Attach */
  int attach_target_is_node;
  uint64_t key;           /* the link's number: no other conn ever had it */
  rl_admit_addr from;     /* incoming: the source address, as admission counts it */
  uint64_t since_ms;      /* incoming: when it was accepted */
  rl_bucket budget;       /* requests the far end originates (link_rate) */
  int peer_budget;        /* budget raised to a Routing Table peer's */
  int expect;             /* an ICE link we answered: its certificate must */
  rl_nodeid expect_id;    /* ... carry the Attach's sender (6.5.1.13) */
  /* More Attaches of the chord that the same node answered while this
   * link was coming up (full ICE: one link, not one per Attach). */
  rl_nodeid also_target[RL_CONN_ALSO];
  uint8_t also_is_node[RL_CONN_ALSO];
  size_t nalso;
} rl_conn;

/* Accepts per turn of the loop at most: the links already up are served
 * between batches, however many connections wait. */
#define RL_NODE_ACCEPT_BATCH 64
/* Admission log: one summary line per period at most. */
#define RL_NODE_ADMIT_LOG_MS 10000

/* Admission control and accepting (node_accept.c). */
typedef struct rl_node_admission {
  rl_admit_limits lim;
  /* Counts since the last summary line, and in all. */
  uint64_t refused, evicted, failed;
  uint64_t refused_total, evicted_total, failed_total;
  uint64_t window_ms;           /* start of the summary period (0: none) */
} rl_node_admission;

typedef enum rl_txn_kind {
  RL_TXN_APP = 0,      /* rl_node_request: answer to the callback */
  RL_TXN_ATTACH,       /* chord Attach: connect to the answer's candidate */
  RL_TXN_UPDATE,
  RL_TXN_JOIN,
  RL_TXN_PING,
  RL_TXN_LEAVE,
  RL_TXN_STORE_COPY,   /* a Store or ConfigUpdate whose answer only matters in the log */
  RL_TXN_REPLICA,      /* replica or handover Store (node_repl.c) */
  RL_TXN_PARTITION     /* 10.7.4.4 probe */
} rl_txn_kind;

typedef struct rl_txn {
  int used;
  uint64_t id;
  rl_txn_kind kind;
  uint8_t *bytes;        /* the encoded request, for retransmission */
  size_t len;
  int sent;              /* transmissions so far (5 at most, 6.2.1) */
  uint64_t started_ms, next_ms;
  uint64_t started_us;   /* for the latency an application sees */
  rl_nodeid first_hop;   /* Node-ID the Destination List starts with, if any */
  int first_hop_node;
  rl_nodeid target;      /* ATTACH / PING: the chord's target; UPDATE etc.: the peer */
  int target_is_node;
  int send_update;
  rl_node_answer_fn cb;
  void *user;
  /* RL_TXN_REPLICA: the deferred answer (serial) and its replica slot, or
   * the job (serial); the Resource-ID and the replica_number sent. */
  uint64_t repl_defer;
  int repl_slot;
  uint64_t repl_job;
  uint8_t repl_resource[RL_NODE_ID_MAX];
  int repl_number;
  uint64_t ice_link;     /* ATTACH with full ICE: the link its agent runs on */
} rl_txn;

/* An original Store whose StoreAns waits for its replicas (node_repl.c). */
typedef struct rl_deferred_store {
  uint64_t serial;          /* 0: free */
  uint64_t txid;
  uint64_t conn_key;        /* the link it came over; 0: our own request */
  uint8_t *req;             /* the request, for its forwarding header */
  size_t req_len;
  struct {
    rl_KindId kind;
    uint64_t generation;
  } *kinds;
  size_t nkinds;
  rl_nodeid replicas[RL_NODE_MAX_REPLICAS];
  unsigned outstanding[RL_NODE_MAX_REPLICAS]; /* parts not answered yet */
  uint8_t failed[RL_NODE_MAX_REPLICAS];
  size_t nreplicas;
  uint64_t deadline_ms;
} rl_deferred_store;

/* A resource, or a range of them, to send to a peer in parts, again after
 * a failure (node_repl.c). */
typedef struct rl_repl_job {
  int used;
  uint64_t serial;
  rl_nodeid peer;
  int replica_number;       /* 0: handover */
  int range;                /* (after, upto] rather than one resource */
  rl_nodeid after, upto;
  rl_store_cursor rcur;
  uint8_t resource[RL_STORE_MAX_ID];
  int have_resource;
  rl_store_part_pos pos;
  int started, done, again;
  unsigned inflight, failed, attempts;
  uint64_t next_ms;
  size_t resources, parts;  /* this round, for the log */
} rl_repl_job;

typedef struct rl_trust_ok {
  uint8_t der_sha256[32];
  uint64_t until_ms; /* 0: empty */
} rl_trust_ok;

typedef struct rl_resp_cache {
  uint64_t txid;
  uint64_t when;
  uint8_t *bytes;
  size_t len;
} rl_resp_cache;

/* An Attach with full ICE waiting for our candidates (node_ice.c). */
#define RL_NODE_MAX_ICE 32
#define RL_NODE_ICE_GATHER_MS 20000
typedef struct rl_ice_pending {
  int used;
  uint64_t link;       /* the conn (key) the agent runs for */
  int offerer;         /* we send the request: controlling (6.5.1.9) */
  uint64_t deadline_ms;
  /* offerer: the chord's Attach */
  int has_via;
  rl_nodeid via, target;
  int target_is_node, send_update;
  /* answerer: the request (for its forwarding header) and its link */
  uint8_t *req;
  size_t req_len;
  uint64_t txid, from_key;
  rl_nodeid who;
  int linked;          /* already linked to who (the chord knows of it) */
  struct rl_ice_remote *remote; /* its candidates, for after our answer */
} rl_ice_pending;

/* The TURN Server Usage (node_turn.c, RFC 6940 9). */
#define RL_NODE_TURN_FOUND 8       /* servers remembered from a search */
#define RL_NODE_TURN_FETCHES 16    /* Resource-IDs fetched in one round */
#define RL_NODE_TURN_FINDS 8       /* Finds of one round of --find-turn */
#define RL_NODE_TURN_LIFETIME_S 600 /* rl_node_options.turn_service_lifetime 0 */
#define RL_NODE_TURN_RETRY_MS 5000
#define RL_NODE_TURN_BACKOFF_MAX_MS 30000
typedef struct rl_node_turn {
  uint64_t publish_ms;        /* next (re)publication; 0: none planned */
  int unfit_logged;           /* why we do not publish: said once */
  unsigned stores_out, stores_failed;
  uint64_t stores_ok;         /* Stores answered with success, in all */
  unsigned finds_out, fetches_out;
  struct rl_node_turn_fetch {
    rl_node *n;               /* the answer callback's user pointer */
    uint8_t rid[RL_NODE_ID_MAX];
  } fetched[RL_NODE_TURN_FETCHES]; /* Resource-IDs fetched this round */
  size_t nfetched;
  rl_turnsvc found[RL_NODE_TURN_FOUND];
  size_t nfound;
  uint64_t find_next_ms, find_backoff_ms; /* --find-turn: the next round */
  int applied;                /* RL_ACTION_SET_TURN sent */
} rl_node_turn;
typedef struct rl_inbound_attach {
  int used;
  rl_nodeid id;
  int send_update;
  uint64_t until;
} rl_inbound_attach;

struct rl_node {
  rl_node_options opt;
  /* The configuration in force: the one the node was started with, or
   * one a ConfigUpdate brought (6.5.4), owned by cfg_doc then. */
  const rl_overlay_config *cfg;
  rl_config_document cfg_doc;
  int cfg_doc_owned;
  const rl_credentials *cred;
  rl_params params;
  uint32_t overlay;      /* hash of the instance name */
  size_t id_len;
  rl_nodeid self;
  size_t max_msg;        /* max-message-size */

  /* The core's clock: the time of the event being handled (monotonic,
   * microseconds), and what to add to its milliseconds for the wall
   * clock (storage times, 6.3.2 and 7). */
  uint64_t now_us;
  int64_t wall_offset_ms;
  /* What the driver is to do: send, connect, close (peer/actq.h). */
  rl_actq actions;
  void *user; /* the driver's (rl_node_set_user) */
  /* The address the driver listens on (our Attach candidate). */
  struct sockaddr_storage listen_addr;
  socklen_t listen_len;
  rl_conn conns[RL_NODE_MAX_CONNS];
  rl_node_admission adm;
  uint64_t next_conn_key;
  size_t bootstrap_next;   /* which bootstrap to try next */
  uint64_t bootstrap_retry_ms;

  rl_chord *chord;
  rl_store *store;
  rl_store_kind *kinds;
  size_t nkinds;
  rl_trust *trust;
  rl_trust_ok trust_ok[RL_NODE_TRUST_CACHE];
  size_t trust_ok_next;
  rl_cert_set certs;
  rl_reasm *reasm;
  rl_viatab *viatab;
  rl_backlink *backlinks; /* forwarded requests' links (shared Node-IDs) */

  /* Tables sized at creation (rl_node_options: max_transactions ...),
   * never moved: pointers into them stay valid. */
  rl_txn *txns;
  size_t max_txns;
  rl_resp_cache resp[RL_NODE_RESP_CACHE];
  size_t resp_slots; /* of resp in use (rl_node_options.answer_cache) */
  size_t resp_next;
  rl_inbound_attach inbound[RL_NODE_MAX_INBOUND];
  rl_ice_pending ice[RL_NODE_MAX_ICE];

  uint64_t rng;
  uint64_t start_ms;
  uint64_t last_tick_ms, last_expire_ms;
  int started, leaving, left;
  uint64_t leave_deadline;
  int ready_client;

  /* Decoding memory (one message at a time), output buffers. */
  uint8_t *arena_mem;
  rl_arena arena;
  uint8_t *out;          /* one encoded message */
  size_t out_cap;
  uint8_t *out2;         /* a second one (forwarding, errors during handling) */

  /* Kinds the decoder was asked about but does not know (7.4.1.1). */
  rl_KindId unknown_kinds[16];
  size_t nunknown;

  rl_node_status st;

  /* Neighbours that left (10.9) in the last half minute: their handover
   * Stores arrive after the Leave took them out of the Neighbor Table. */
  struct {
    rl_nodeid id;
    uint64_t until;
  } left_peers[8];
  size_t left_next;

  /* Certificates the next message we encode carries besides ours: the
   * signers of the stored values it contains (6.3.4). */
  rl_cert *extra_certs[32];
  size_t nextra;
  /* The certificates the application signs stored values with
   * (rl_node_add_certificate): kept in certs when the cache starts over. */
  /* rl_node_request_as: who signs the message being sent (NULL: cred). */
  const rl_credentials *sign_as;
  rl_cert *app_certs[RL_NODE_MAX_APP_CERTS];
  size_t napp_certs;

  struct {
    uint8_t *bytes;
    size_t len;
  } local[RL_NODE_LOCAL_QUEUE];
  size_t nlocal;

  /* The bytes of the document a ConfigUpdate brought (owned, with
   * cfg_doc): what we push from then on instead of opt.config_doc. */
  uint8_t *cfg_doc_bytes;
  size_t cfg_doc_bytes_len;
  struct {
    int used;
    rl_nodeid id;
    uint64_t when_ms;
  } config_pushes[RL_NODE_CONFIG_PUSHES];
  size_t config_pushes_next;
  /* Kinds a ConfigUpdate of type kind brought, with their kind-signer:
   * kept across configurations while the signer stays a kind-signer and
   * the configuration does not define the Kind itself (11.1). */
  struct {
    rl_store_kind kind;
    uint8_t signer[RL_NODE_ID_MAX];
    size_t signer_len;
  } learned_kinds[RL_NODE_MAX_LEARNED_KINDS];
  size_t nlearned_kinds;

  /* Replication (node_repl.c); the raw request being handled, for an
   * answer that is sent later. */
  rl_deferred_store *deferred;
  size_t max_deferred;
  rl_repl_job *repl_jobs;
  size_t max_repl_jobs;
  size_t repl_txn_reserve; /* transaction slots replication leaves free */
  uint64_t repl_serial;
  size_t repl_inflight;
  const uint8_t *cur_req;
  size_t cur_req_len;
  rl_node_turn turn;
};

/* node_turn.c: the TURN Server Usage (9): we joined the ring (publish,
 * and look for a server with --find-turn); the timers. */
void rl_node_turn_joined(rl_node *n);
void rl_node_turn_tick(rl_node *n);
uint64_t rl_node_turn_next_ms(const rl_node *n, uint64_t next);
/* The status's "turn_service" member and a comma, at *p (nothing when the
 * node neither offers nor looks for a TURN server). */
void rl_node_turn_status_json(const rl_node *n, char **p, size_t *left);

/* A deliberate deviation (reload-peer --break) is switched on. */
#define RL_BROKEN(n, b) (((n)->opt.breaks & (uint32_t)(b)) != 0)

#define RL_VERSION_1_0 0x0a

/* node_send.c: the bottom layer. */
/* The core's clock in milliseconds (monotonic), and the wall clock. */
static inline uint64_t rl_node_ms(const rl_node *n) { return n->now_us / 1000u; }
static inline uint64_t rl_node_wall_ms(const rl_node *n) {
  return (uint64_t)((int64_t)(n->now_us / 1000u) + n->wall_offset_ms);
}
uint64_t rl_node_random(rl_node *n);
/* rl_trust_verify(n->trust, c) without a chain, remembered for a while
 * (a chain check costs an RSA or ECDSA verification, and every message
 * and stored value checks its signer's certificate). */
int rl_node_trust_check(rl_node *n, const rl_cert *c, rl_sec_error *e);
/* The trust context changed (a new configuration): forget what it said. */
void rl_node_trust_changed(rl_node *n);
const char *rl_node_hex(const uint8_t *id, size_t len, char *buf); /* 2*20+1 bytes */
#define RL_HEXBUF 48
rl_conn *rl_node_conn_by_id(rl_node *n, const uint8_t *id);
/* The live conn with this key (rl_conn.key), or NULL. */
rl_conn *rl_node_conn_by_key(rl_node *n, uint64_t key);
/* The name of a message code, for the log. */
const char *rl_node_code_name(rl_MessageCode c);
/* Where a message whose Destination List starts with d goes next: a conn,
 * or *local set when this node is the destination. */
rl_conn *rl_node_next_hop(rl_node *n, const rl_Destination *d, int *local);
/* Send an encoded message down c's link (in fragments above
 * max-message-size, 6.7), or towards dest[0] (to ourselves: queued). */
int rl_node_conn_send(rl_node *n, rl_conn *c, const uint8_t *msg, size_t len);
int rl_node_route_out(rl_node *n, const rl_Destination *dest, size_t ndest, const uint8_t *msg,
                      size_t len);
/* The answer we gave to this transaction lately (6.2.1), or NULL. */
const rl_resp_cache *rl_node_resp_cache_get(rl_node *n, uint64_t txid);
/* The bootstrap nodes: how many, and the i-th's address (11.4). */
size_t rl_node_bootstrap_count(const rl_node *n);
void rl_node_bootstrap_addr(const rl_node *n, size_t i, struct sockaddr_storage *ss,
                            socklen_t *len);
/* n->extra_certs: the certificates of the signers of these values, or
 * of r's values, for the next message we encode (6.3.4). */
void rl_node_extra_certs_for(rl_node *n, const rl_StoredData *vals, size_t nv);
void rl_node_extra_certs_store_req(rl_node *n, const rl_StoreReq *r);
/* Originate a request of kind k to dest; 0 or an rl_err. */
int rl_node_send_request(rl_node *n, const rl_Destination *dest, size_t ndest, rl_MessageCode code,
                         const rl_MessageBody *body, rl_txn_kind k, rl_txn **out);
/* Answer the request m that arrived over conn c. */
int rl_node_reply(rl_node *n, rl_conn *c, const rl_Message *m, rl_MessageCode code,
                   const rl_MessageBody *body);
/* The same, from the request's forwarding header alone. */
int rl_node_reply_header(rl_node *n, rl_conn *c, const rl_ForwardingHeader *fh,
                         rl_MessageCode code, const rl_MessageBody *body);
int rl_node_reply_error(rl_node *n, rl_conn *c, const rl_ForwardingHeader *fh, rl_ErrorCode code,
                         const char *fmt, ...) __attribute__((format(printf, 5, 6)));
int rl_node_reply_unknown_kinds(rl_node *n, rl_conn *c, const rl_ForwardingHeader *fh,
                                 const rl_KindId *kinds, size_t nkinds);
/* Connect to addr (an RL_ACTION_CONNECT); the conn to fill in. */
rl_conn *rl_node_connect(rl_node *n, const struct sockaddr *addr, socklen_t len);
/* Close c's link (an RL_ACTION_CLOSE); its slot stays until the driver
 * reports it closed (rl_node_link_closed). */
void rl_node_close(rl_node *n, rl_conn *c);
/* Connect to the next bootstrap node not tried yet (11.4): 1, or 0 when
 * every one was tried (the list starts over). */
int rl_node_bootstrap_connect(rl_node *n);
/* An insecure link we opened is up: introduce us with a signed Ping to
 * the wildcard Node-ID, so that both ends bind it (no certificate). */
void rl_node_introduce(rl_node *n, rl_conn *c);
/* Our Attach candidate (6.5.1.1): the listening address, passive. */
void rl_node_candidate(rl_node *n, rl_IceCandidate *cand);

/* node_ice.c: Attach with full ICE (6.5.1.3-6.5.1.13). The agents are the
 * driver's (RL_ACTION_ICE_START / _REMOTE); the core keeps what each
 * Attach waits for. */
int rl_node_ice_on(const rl_node *n);
/* The chord's Attach to target (via: the peer to route it through): 0
 * when an agent is starting for it, or an rl_err (the caller tells the
 * chord it failed). */
int rl_node_ice_offer(rl_node *n, const rl_nodeid *via, const rl_nodeid *target,
                      int target_is_node, int send_update);
/* The Attach request m from who (checked by the caller), over c: our
 * answer goes out once our candidates are gathered. linked: we already
 * have a link to who (answer, but start no checks). */
void rl_node_ice_answer(rl_node *n, rl_conn *c, const rl_Message *m, const uint8_t *who,
                        int send_update, int linked);
/* Our candidates for link are known: send the Attach or its answer.
 * Returns the target of a failed offer (*failed 1) for the chord. */
void rl_node_ice_gathered_in(rl_node *n, uint64_t link, const rl_ice_cand *cands, size_t k,
                             const char *ufrag, const char *pwd, rl_nodeid *failed_target,
                             int *failed);
/* The answer to our Attach, with the far end's ICE candidates: 0 when
 * the checks may start on t's link (the caller binds the conn). */
int rl_node_ice_remote(rl_node *n, rl_txn *t, const rl_AttachReqAns *ans);
/* The link is gone: its pending Attach too. */
void rl_node_ice_forget(rl_node *n, uint64_t link);
/* Close the agents that gathered for too long; the next deadline. */
uint64_t rl_node_ice_expire(rl_node *n, uint64_t now_ms);
/* Expect a link from id that answers our Attach answer (6.5.1). */
void rl_node_inbound_expect(rl_node *n, const uint8_t *id, int send_update);

/* node_recv.c, node_events.c: the top layer. */
/* A message off link from (NULL: from ourselves). */
void rl_node_process_message(rl_node *n, rl_conn *from, const uint8_t *msg, size_t len);
/* Messages to ourselves, queued by sends during an event. */
void rl_node_local_drain(rl_node *n);
/* Our transaction t is over: its answer, an error or a timeout. */
void rl_node_txn_answer(rl_node *n, rl_txn *t, const rl_node_answer *a);
/* A link's far end is known (its certificate, 11.3): tell the topology. */
void rl_node_conn_bound_event(rl_node *n, rl_conn *c);

/* node_accept.c: admission control for incoming links (6.5, 13.5); the
 * accept(2) around it is the driver's. rl_node_accept_init sets the limits
 * from the options; rl_node_accept_closed counts a link that closed and
 * says whether it is worth a log line of its own (unauthenticated links
 * are summed up instead); rl_node_accept_tick writes the summary line. */
void rl_node_accept_init(rl_node *n);
int rl_node_accept_closed(rl_node *n, const rl_conn *c, rl_link_fail why, uint64_t now);
void rl_node_accept_tick(rl_node *n, uint64_t now);
/* The Connection Table's free entry for a new link (NULL: full). */
rl_conn *rl_node_conn_new(rl_node *n, int outgoing);
/* 6.3.3.1: request codes are odd, answers even; 0xffff is an error. */
static inline int rl_node_is_request_code(rl_MessageCode c) {
  return c != RL_MessageCode_error && (c & 1);
}

/* node_guard.c: one link must not hurt the others (issue 22). */
/* A request over from takes a token of from's budget
 * (rl_node_options.link_rate): on a Routing Table peer's link (which gets
 * RL_NODE_PEER_LINK_FACTOR times the budget) only those it originated
 * (an empty Via List, 6.1.2), on other links all. Without one it is
 * answered Error_Request_Timeout, whose 6.3.3.1 text "The requesting node
 * MAY resend the request at a later time" is what the sender should do,
 * and 1 is returned: the request goes no further. code: the message code,
 * -1 when unknown (a fragment past the first). */
int rl_node_guard_budget(rl_node *n, rl_conn *from, const rl_ForwardingHeader *fh, int code);
/* A request from `from` is being forwarded: remember its link for the
 * answer when from's Node-ID may be shared (peer/backlink.h). */
void rl_node_guard_forwarded(rl_node *n, const rl_conn *from, const rl_ForwardingHeader *fh);
/* The link for a message whose next hop is d, `to` by Node-ID: for an
 * answer (or a fragment, code -1) to a Node-ID several links share, the
 * link its request came in on, while it is up; else `to`. */
rl_conn *rl_node_guard_answer_link(rl_node *n, rl_conn *to, const rl_Destination *d,
                                   const rl_ForwardingHeader *fh, int code);
/* The node's reassembly: RL_NODE_REASM_PER_LINK messages a link,
 * RL_NODE_REASM_PENDING in all, each up to out_cap bytes. NULL: no memory. */
rl_reasm *rl_node_guard_reasm_new(const rl_node *n);
/* A fragment the reassembly refused with rc (and its message with it). A
 * request over the size we reassemble is answered Error_Message_Too_Large
 * (6.6, 6.3.3.1) when its first fragment told us it is a request; the
 * fragment's forwarding header routes the answer. The link is not closed
 * as 6.6 says for an oversized message on it: the fragments may come from
 * a neighbour relaying someone else's. Out of room (6.7: "it MUST drop
 * the message"): dropped without an error (6.7 gives none). */
void rl_node_guard_reasm_refused(rl_node *n, rl_conn *from, const rl_ForwardingHeader *fh,
                                 int rc);

/* node_chord.c */
/* Try the next bootstrap node (11.4); when every one failed, a peer that
 * may start the overlay becomes its first peer (6.4.2.1), else it tries
 * again in a second. */
void rl_node_try_bootstrap(rl_node *n);
void rl_node_chord_actions(rl_node *n);
void rl_node_chord_txn_done(rl_node *n, rl_txn *t, const rl_node_answer *a);

/* node_config.c: ConfigUpdate (6.5.4, 11.1). Answer a verified
 * ConfigUpdateReq; and push our configuration to a node whose request
 * carried an older configuration sequence (6.3.2.1). */
void rl_node_handle_config_update(rl_node *n, rl_conn *c, const rl_Message *m,
                                  const rl_signer_info *who);
void rl_node_send_config_update(rl_node *n, const uint8_t *node_id);
/* The storage's Kind table for a configuration: its kinds whose Kind-ID
 * and data model are known (*kinds malloc'ed, at least one slot). 0 or
 * RL_ERR_NOMEM. */
int rl_node_build_kinds(const rl_overlay_config *cfg, rl_store_kind **kinds, size_t *nkinds);

/* node_handlers.c: a verified request for us. */
void rl_node_handle_request(rl_node *n, rl_conn *c, const rl_Message *m,
                            const rl_signer_info *who);
int rl_node_verify_stored(void *user, rl_bytes resource_id, rl_KindId kind,
                          const rl_StoredData *value, uint64_t now, rl_signer *signer);
/* Section 8: store our certificate under the certificate Kinds. */
void rl_node_publish_certificates(rl_node *n);


/* node_repl.c: replication and handover (10.4, 10.7.3, 10.9).
 * Send the range (after, upto] to peer (replica_number: 0 for a handover,
 * else the replica's number), as a job in parts. */
void rl_node_store_range(rl_node *n, const uint8_t *peer, const uint8_t *after,
                         const uint8_t *upto, int replica_number);
/* One resource to peer, as a job; attempts > 0: a retry, after backoff. */
void rl_node_repl_resource(rl_node *n, const uint8_t *peer, const uint8_t *resource,
                           int replica_number, unsigned attempts);
/* After an original Store (n->cur_req is the request): replicate what it
 * changed and answer m with ans once the replicas acknowledged it. */
void rl_node_repl_after_store(rl_node *n, rl_conn *c, const rl_Message *m,
                              const rl_StoreReq *committed, const rl_StoreAns *ans);
/* 1 while an answer to this transaction_id waits for replicas. */
int rl_node_repl_is_deferred(const rl_node *n, uint64_t txid);
void rl_node_repl_txn_done(rl_node *n, rl_txn *t, const rl_node_answer *a);
/* Deadlines of deferred answers, jobs due. */
void rl_node_repl_tick(rl_node *n);
/* The earliest of until and the times rl_node_repl_tick has work. */
uint64_t rl_node_repl_next_ms(const rl_node *n, uint64_t until);
int rl_node_repl_handover_pending(const rl_node *n);
void rl_node_repl_counts(const rl_node *n, size_t *deferred, size_t *jobs);
void rl_node_repl_free(rl_node *n);

#endif
