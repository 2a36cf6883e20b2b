/* msgcodec.h: between the scenario language's JSON and RELOAD bytes.
 *
 * Sending: a message template (already merged over the defaults and
 * substituted, template.h) goes through rl_Message_from_json, is signed
 * with the runner's credentials (RFC 6940 6.3.4; each StoredData of a
 * StoreReq too, 7.1) unless the template wrote its own signature, and is
 * encoded; the scenario's mutations then edit the bytes.
 *
 * Receiving: bytes are decoded (rl_message_parse) into a caller-owned
 * arena that is grown between attempts, never during one, and turned into
 * JSON for the matchers. A message that does not decode still yields JSON
 * with what its fixed header says (when the header can be read), so that
 * an answer can be recognised by its transaction ID and reported. */
#ifndef RL_CONF_MSGCODEC_H
#define RL_CONF_MSGCODEC_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "codec/params.h"
#include "runtime/arena.h"
#include "scenario.h"
#include "security/credentials.h"
#include "security/trust.h"

#define RL_CONF_ARENA_MAX ((size_t)256 << 20)
#define RL_CONF_SIGN_STORED_MAX 64

typedef struct rl_conf_codec {
  rl_param_set params;         /* NodeIdLength, data models of Kinds */
  const rl_credentials *cred;  /* sign with these; NULL: leave unsigned */
  const rl_trust *trust;       /* check signers' certificates; NULL: not */
  /* The SignerIdentity our message signatures carry (--signer-identity):
   * NULL or "auto", the credential's (6.3.4); "none"; "cert_hash" (even
   * for a certificate with several Node-IDs); "raw:HEX", the credential's
   * identity type with these bytes as its hash. To get past a target
   * that expects another identity; the signature itself is unchanged. */
  const char *signer_identity;
  uint8_t identity_raw[64];
  size_t identity_raw_len;
  void *mem;
  size_t cap;
  rl_arena arena;
} rl_conf_codec;

void rl_conf_codec_init(rl_conf_codec *c);
void rl_conf_codec_free(rl_conf_codec *c);

/* What to sign in a message built from a template: the message when the
 * template has no security_block, and each StoredData of a store_req
 * that has no signature (up to RL_CONF_SIGN_STORED_MAX). */
typedef struct rl_conf_signplan {
  int message;
  size_t nstored;
  struct {
    size_t kind_data, value;
  } stored[RL_CONF_SIGN_STORED_MAX];
} rl_conf_signplan;

/* Complete a merged template before substitution: an unsigned
 * SecurityBlock where there is none, an anonymous signature and
 * "${now_ms}" storage_time in StoredData that lack them; plan says what
 * to sign after encoding. 0 or RL_ERR_NOMEM. */
int rl_conf_fill_placeholders(json_t *msg, rl_conf_signplan *plan);

/* Encode a complete message (and sign it per plan). *out is malloc'ed.
 * *txid gets its transaction ID, *sent (if not NULL) the JSON of what was
 * encoded. Returns 0 or an rl_err with the reason in why. */
int rl_conf_encode(rl_conf_codec *c, const json_t *msg, const rl_conf_signplan *plan,
                   uint8_t **out, size_t *outlen, uint64_t *txid, json_t **sent, char *why,
                   size_t whylen);

typedef struct rl_conf_decoded {
  json_t *json;      /* the message; or {"undecodable": reason, "forwarding_header": ...} */
  int ok;            /* decoded completely */
  char error[256];   /* why not */
  int have_txid;
  uint64_t txid;
  int sig_state;     /* 1 verified, 0 does not verify, -1 not checked */
  char sig_note[360];
} rl_conf_decoded;

/* Decode n bytes. Returns 0 (look at d->ok) or RL_ERR_NOMEM. The caller
 * json_decref's d->json. verify: check the signature (6.3.4) with the
 * certificates the message carries and, when c->trust is set, the
 * signer's certificate against it. */
int rl_conf_decode(rl_conf_codec *c, const uint8_t *p, size_t n, int verify, rl_conf_decoded *d);

/* Apply a scenario's mutations to a malloc'ed buffer (it may be
 * reallocated). 0, or RL_ERR_PARAM with the reason (an offset outside
 * the message), RL_ERR_NOMEM. */
int rl_conf_mutate(uint8_t **buf, size_t *len, const rl_scen_mut *m, size_t n, char *why,
                   size_t whylen);

/* A message's JSON as an indented text tree (tools/tree.c), each line
 * prefixed with indent spaces; malloc'ed, NULL when out of memory. */
char *rl_conf_tree_text(const json_t *msg, int indent);

/* A certificate given in hex (as a decoded message holds it) as one line:
 * subject, subjectAltName URIs (11.3: the Node-IDs), size, SHA-256. NULL
 * when out of memory or not hex. */
json_t *rl_conf_cert_brief(const char *hex);

/* Hex dump of up to max bytes, 32 a line, prefixed; malloc'ed. */
char *rl_conf_hex_text(const uint8_t *p, size_t n, size_t max, int indent);

#endif
