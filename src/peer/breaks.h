/* peer/breaks.h: deliberate deviations from RFC 6940 (reload-peer
 * --break), one switch each, drawn from how real implementations go
 * wrong. Only for testing conformance suites: each must be caught by
 * one (tests/conformance/mutants.sh runs reload-conform against a peer
 * with each and requires it to fail, naming a requirement). */
#ifndef RL_PEER_BREAKS_H
#define RL_PEER_BREAKS_H

#include <stddef.h>
#include <stdint.h>

typedef enum rl_break {
  RL_BREAK_IGNORE_TTL = 1u << 0,          /* forward TTL-0 messages (6.3.2) */
  RL_BREAK_FRESH_TXID = 1u << 1,          /* answers carry a new transaction_id (6.3.2) */
  RL_BREAK_BAD_ANSWER_SIGNATURE = 1u << 2,/* answers whose signature does not verify (6.3.4) */
  RL_BREAK_TTL_ABOVE_INITIAL = 1u << 3,   /* accept a TTL above initial-ttl (6.3.2) */
  RL_BREAK_IGNORE_OVERLAY = 1u << 4,      /* accept another overlay's hash (6.3.2) */
  RL_BREAK_IGNORE_VERSION = 1u << 5,      /* accept any version (6.3.2) */
  RL_BREAK_IGNORE_CONFIG_SEQ = 1u << 6,   /* no Error_Config_Too_Old/New (6.3.2.1) */
  RL_BREAK_NO_CONFIG_UPDATE = 1u << 7,    /* no ConfigUpdate after Config_Too_Old (6.3.2.1) */
  RL_BREAK_IGNORE_MAX_RESPONSE = 1u << 8, /* max_response_length not checked (6.3.2) */
  RL_BREAK_IGNORE_DEST_CRITICAL = 1u << 9,/* unknown DESTINATION_CRITICAL option ignored (6.3.2.3) */
  RL_BREAK_IGNORE_CRITICAL_EXT = 1u << 10,/* unknown critical extension ignored (6.3.3) */
  RL_BREAK_ACCEPT_BAD_SIGNATURE = 1u << 11,/* requests whose signature fails are processed (6.3.4) */
  RL_BREAK_ANSWER_UNKNOWN_CODE = 1u << 12,/* unknown message codes get a success answer (6.3.3.1) */
  RL_BREAK_WRONG_UNKNOWN_KIND = 1u << 13, /* unknown Kinds answered Error_Not_Found (7.4.1.2) */
  RL_BREAK_IGNORE_GENERATION = 1u << 14,  /* generation counters not checked (7.4.1.1) */
  RL_BREAK_DUPLICATE_DEST = 1u << 15,     /* a Destination List naming a node twice (13.6.5) */
  RL_BREAK_DEST_NOT_REVERSED = 1u << 16,  /* answers follow the Via List unreversed (6.2.2) */
  RL_BREAK_NO_RESPONSE_COPY = 1u << 17,   /* RESPONSE_COPY options not copied (6.3.2.3) */
  RL_BREAK_PROBE_EXTRA_INFO = 1u << 18,   /* Probe answers with info not asked for (6.4.2.5.2) */
  RL_BREAK_FRAGMENT_LOW_BIT = 1u << 19,   /* fragment field without the high bit accepted (6.7) */
  RL_BREAK_NO_MESSAGE_CERT = 1u << 20,    /* answers without the signer's certificate (6.3.4) */
  RL_BREAK_WRONG_TTL_ERROR = 1u << 21,    /* TTL 0 answered Error_Not_Found, not TTL_Exceeded */
} rl_break;

/* Parse a comma-separated list of names into *out. 0, or -1 with the
 * unknown name in why. */
int rl_breaks_parse(const char *list, uint32_t *out, char *why, size_t whylen);
/* The name of one switch, NULL for none. */
const char *rl_break_name(uint32_t one);
/* Every name, comma-separated (for --help). */
const char *rl_breaks_all(void);

#endif
