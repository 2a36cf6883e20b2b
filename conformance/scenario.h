/* scenario.h: a parsed scenario file (doc/scenario-language.md).
 *
 * A scenario is a header (id, title, requirement IDs, group, role,
 * skip-if conditions) and a list of steps: send a message, expect an
 * answer, capture a value. A responder file (for the loopback transport
 * and the suite's own tests) is a list of rules: when a received message
 * matches, run these steps.
 *
 * Message templates and matcher values are jansson values. A string that
 * contains ${...} is substituted when the step runs (template.h), so the
 * parser keeps ${name} written outside quotes as the string "${name}".
 *
 * Scenario files are local input written by people, not protocol input:
 * the tree lives in a chunked pool (rl_scen_pool) freed at once, and the
 * parser stops at the first error with its position. */
#ifndef RL_CONF_SCENARIO_H
#define RL_CONF_SCENARIO_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

typedef struct rl_scen_loc {
  const char *file;
  int line, col;
} rl_scen_loc;

/* One step of a path into a message's JSON: a member name, an index into
 * an array (negative: from the end, -1 is the last), or [*]: every
 * element (a matcher then holds when it holds for each of them). */
typedef struct rl_scen_pathseg {
  const char *name; /* NULL for an index or [*] */
  long index;
  int all;          /* [*] */
} rl_scen_pathseg;

typedef struct rl_scen_path {
  rl_scen_pathseg *seg;
  size_t nseg;
  const char *text; /* as written, for messages */
  int has_all;      /* some segment is [*] */
} rl_scen_path;

typedef enum rl_scen_op {
  RL_SCEN_OP_EQ,       /* path == value */
  RL_SCEN_OP_NE,       /* path != value */
  RL_SCEN_OP_LT,       /* numeric comparisons */
  RL_SCEN_OP_LE,
  RL_SCEN_OP_GT,
  RL_SCEN_OP_GE,
  RL_SCEN_OP_MATCH,    /* path =~ "POSIX extended regex" */
  RL_SCEN_OP_NOMATCH,  /* path !~ "regex" */
  RL_SCEN_OP_IN,       /* path in [v1, v2, ...] */
  RL_SCEN_OP_NOT_IN,   /* path not-in [...] */
  RL_SCEN_OP_EXISTS,   /* path exists */
  RL_SCEN_OP_ABSENT,   /* path absent */
  RL_SCEN_OP_CONTAINS, /* path contains value (array element or substring) */
  RL_SCEN_OP_CONTAINS_ONE_OF /* path contains-one-of [v1, ...]: an element equal to one */
} rl_scen_op;

typedef struct rl_scen_matcher {
  rl_scen_loc loc;
  rl_scen_path path;
  int len_of;     /* len(path): compare the element/character count */
  rl_scen_op op;
  json_t *value;  /* the right-hand side (an array for in / not-in) */
} rl_scen_matcher;

/* capture NAME = PATH */
typedef struct rl_scen_capture {
  rl_scen_loc loc;
  const char *name;
  rl_scen_path path;
} rl_scen_capture;

/* A brace block of an expect: matchers, then captures taken when they
 * all hold. */
typedef struct rl_scen_block {
  rl_scen_matcher *m;
  size_t nm;
  rl_scen_capture *cap;
  size_t ncap;
} rl_scen_block;

/* Byte edits applied to an encoded message before it is sent (for
 * malformed input). Offsets count from the start of the message, or from
 * its end when negative (-1 is the last byte). */
typedef enum rl_scen_mut_kind {
  RL_SCEN_MUT_TRUNCATE,  /* keep the first n bytes (n < 0: drop the last -n) */
  RL_SCEN_MUT_SET,       /* write value as a width-byte big-endian integer */
  RL_SCEN_MUT_XOR,       /* xor one byte */
  RL_SCEN_MUT_APPEND,    /* add bytes at the end */
  RL_SCEN_MUT_INSERT,    /* add bytes at offset */
  RL_SCEN_MUT_FIX_LENGTH /* forwarding_header.length = the size now */
} rl_scen_mut_kind;

typedef struct rl_scen_mut {
  rl_scen_loc loc;
  rl_scen_mut_kind kind;
  long offset;        /* TRUNCATE: n; SET, XOR, INSERT: where */
  unsigned width;     /* SET: 1, 2, 4 or 8 */
  uint64_t value;     /* SET, XOR */
  uint8_t *bytes;     /* APPEND, INSERT */
  size_t nbytes;
} rl_scen_mut;

typedef enum rl_scen_step_kind {
  RL_SCEN_SEND,           /* send [@conn] TEMPLATE [mutate {...}] */
  RL_SCEN_REPLY,          /* reply [@conn] TEMPLATE [mutate {...}] */
  RL_SCEN_SEND_RAW,       /* send-raw [@conn] hex"..." : one message, as is */
  RL_SCEN_SEND_STREAM,    /* send-stream [@conn] hex"..." : stream bytes, no framing */
  RL_SCEN_EXPECT,         /* expect [@conn] [within D] { ... }: the answer */
  RL_SCEN_EXPECT_MESSAGE, /* expect-message [@conn] [within D] [where {..}] {..} */
  RL_SCEN_EXPECT_CLOSE,   /* expect-close [@conn] [within D] */
  RL_SCEN_EXPECT_NOTHING, /* expect-nothing [@conn] [within D] [where {..}] */
  RL_SCEN_CAPTURE,        /* capture NAME = PATH (from the last message) */
  RL_SCEN_LET,            /* let NAME = VALUE */
  RL_SCEN_SLEEP,          /* sleep D */
  RL_SCEN_CLOSE,          /* close [@conn] */
  RL_SCEN_CONNECT,        /* connect [@conn] credentials WORD */
  RL_SCEN_EXPECT_ACKED    /* expect-acked [@conn] [within D] [{..}]: link-layer acks */
} rl_scen_step_kind;

typedef struct rl_scen_step {
  rl_scen_step_kind kind;
  rl_scen_loc loc;
  const char *conn;      /* connection name; "" is the default connection */
  json_t *tmpl;          /* SEND, REPLY: the template; LET: the value */
  rl_scen_mut *mut;      /* SEND, REPLY */
  size_t nmut;
  /* SEND, REPLY: fragment N [reversed]: sent as fragments of at most
   * frag_max bytes (RFC 6940 6.7), last one first when frag_reversed;
   * 0: whole. */
  size_t frag_max;
  int frag_reversed;
  /* SEND: frame sequence N [length N]: written as a data frame of our
   * own making (RFC 6940 6.6.2) with this sequence number and announced
   * length (has_frame_len; else the message's), outside the link's
   * numbering. */
  int framed;
  uint32_t frame_seq;
  int has_frame_len;
  uint32_t frame_len;
  const char *credentials; /* CONNECT: what the connection presents ("other-ca") */
  uint8_t *bytes;        /* SEND_RAW, SEND_STREAM */
  size_t nbytes;
  uint64_t within_ms;    /* EXPECT_*: 0 = the per-test timeout; SLEEP: the time */
  rl_scen_block where;   /* EXPECT_MESSAGE, EXPECT_NOTHING: which messages count */
  int has_where;
  rl_scen_block block;   /* EXPECT, EXPECT_MESSAGE, EXPECT_ACKED (over the link's figures) */
  rl_scen_capture cap;   /* CAPTURE; LET uses cap.name */
} rl_scen_step;

typedef struct rl_scen_req {
  rl_scen_loc loc;
  const char *id; /* RFC6940-6.3.2-8 */
} rl_scen_req;

typedef struct rl_scen_skip {
  rl_scen_loc loc;
  rl_scen_matcher cond; /* evaluated on the runner's options object */
  const char *reason;
} rl_scen_skip;

typedef enum rl_scen_role {
  RL_SCEN_ROLE_CLIENT = 0, /* a client of the overlay (RFC 6940 4.2) */
  RL_SCEN_ROLE_PEER,       /* a peer joining through the target */
  RL_SCEN_ROLE_MULTI       /* several nodes at once (named connections) */
} rl_scen_role;

const char *rl_scen_role_name(rl_scen_role r);

/* A responder rule: on { matchers } { steps }, or on-undecodable { steps }. */
typedef struct rl_scen_rule {
  rl_scen_loc loc;
  int undecodable;    /* matches messages that do not decode */
  rl_scen_block when; /* empty: every message (decodable or not, as the rule says) */
  rl_scen_step *steps;
  size_t nsteps;
} rl_scen_rule;

typedef struct rl_scenario {
  const char *file;
  int is_responder;
  const char *id;
  rl_scen_loc id_loc;
  const char *title;
  const char *group;
  rl_scen_role role;
  uint64_t timeout_ms; /* 0: the runner's default */
  rl_scen_req *reqs;
  size_t nreqs;
  rl_scen_skip *skips;
  size_t nskips;
  rl_scen_step *steps;
  size_t nsteps;
  rl_scen_rule *rules; /* responder files */
  size_t nrules;
} rl_scenario;

/* The memory of one parsed file: chunks of malloc'ed memory and the
 * jansson values the tree holds. */
typedef struct rl_scen_chunk rl_scen_chunk;
typedef struct rl_scen_pool {
  rl_scen_chunk *chunks;
  json_t *values; /* a JSON array holding a reference to every value */
} rl_scen_pool;

void rl_scen_pool_init(rl_scen_pool *p);
/* n zeroed bytes (aligned for any member); NULL when out of memory. */
void *rl_scen_pool_alloc(rl_scen_pool *p, size_t n);
/* Keep v alive as long as the pool (steals the reference); v or NULL. */
json_t *rl_scen_pool_keep(rl_scen_pool *p, json_t *v);
void rl_scen_pool_free(rl_scen_pool *p);

#endif
