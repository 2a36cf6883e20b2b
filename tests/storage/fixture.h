/* fixture.h: a store with test Kinds, fake signers, and request builders
 * for store_test.c.
 *
 * Requests are built as structs, encoded with the generated encoder and
 * decoded again, as the peer would get them; after the store has seen a
 * request its wire bytes are overwritten, so a store that kept pointers
 * into the request instead of copying shows wrong values in later answers.
 * Every answer (and ErrorResponse) goes through encode + decode + equal,
 * so an answer the codec cannot put on the wire fails the test. */
#ifndef TESTS_STORAGE_FIXTURE_H
#define TESTS_STORAGE_FIXTURE_H

#include <stddef.h>
#include <stdint.h>

#include "gen/reload_codec.h"
#include "storage/store.h"

/* Test Kinds (private-use Kind-IDs). */
enum {
  K_SINGLE = 0xf0000001u,   /* single value, USER-MATCH, max-count 1, max-size 64 */
  K_ARRAY = 0xf0000002u,    /* array, USER-MATCH, max-count 8, max-size 64 */
  K_DICT = 0xf0000003u,     /* dictionary, USER-MATCH, max-count 4, max-size 64 */
  K_UNM = 0xf0000004u,      /* dictionary, USER-NODE-MATCH */
  K_NODE = 0xf0000005u,     /* single value, NODE-MATCH */
  K_MULTI = 0xf0000006u,    /* single value, NODE-MULTIPLE, max-node-multiple 3 */
  K_NOFIND = 0xf0000007u,   /* single value, USER-MATCH, not for Find */
  K_UNKNOWN = 0xf00000ffu,  /* not in the table */
};

#define FX_NOW 1000000u      /* the peer's clock at the start, ms */
#define FX_BAD_SIG 0xee      /* signature byte the fake verifier rejects */

/* Signers: user name and one Node-ID. 0 alice, 1 bob, more with
 * fx_add_signer. */
enum { ALICE = 0, BOB = 1 };
extern const uint8_t fx_node_alice[16];
extern const uint8_t fx_node_bob[16];

int fx_add_signer(const char *user, const uint8_t node_id[16]);
/* H(user) for a signer: the USER-MATCH Resource-ID. */
const uint8_t *fx_rid(int signer);
/* H(Node-ID) and H(Node-ID || i) of a signer. */
void fx_rid_node(int signer, uint8_t out[16]);
void fx_rid_node_i(int signer, uint8_t i, uint8_t out[16]);

extern rl_store *fx_store;
extern rl_arena fx_ans;            /* answers, reset by each request */
extern rl_StoreAns fx_sans;
extern rl_FetchAns fx_fans;
extern rl_StatAns fx_tans;
extern rl_FindAns fx_dans;
extern rl_ErrorResponse fx_err;    /* as decoded from the wire */
extern int fx_verify_calls;
/* When set, stores fill it (rl_store_input.committed), in fx_ans. */
extern rl_StoreReq *fx_committed;
extern int fx_roundtrip;           /* 0: hand the struct as built (for malformed ones) */

void fx_setup(void);
void fx_teardown(void);
/* A store with another budget (fx_setup uses 1 MiB). */
void fx_reset_store(size_t budget);

/* Values: val NULL stores exists = False with an empty value. The
 * signature is by `signer` (FX_BAD_SIG: one the verifier rejects). */
rl_StoredData fx_single(uint64_t storage_time, uint32_t lifetime, const char *val, int signer);
rl_StoredData fx_array(uint64_t storage_time, uint32_t lifetime, uint32_t index, const char *val,
                       int signer);
rl_StoredData fx_dict(uint64_t storage_time, uint32_t lifetime, const void *key, size_t key_len,
                      const char *val, int signer);
rl_StoreKindData fx_kd(rl_KindId kind, uint64_t generation, size_t n, const rl_StoredData *vals);

/* Store (message signed by msg_signer, -1: none). Returns the store's
 * result. */
int fx_store_req(const uint8_t *rid, uint8_t replica, int msg_signer, uint64_t now, size_t nkd,
                 const rl_StoreKindData *kds);

rl_StoredDataSpecifier fx_spec_single(rl_KindId kind, uint64_t generation);
rl_StoredDataSpecifier fx_spec_array(rl_KindId kind, uint64_t generation, size_t n,
                                     const uint32_t *first_last);
rl_StoredDataSpecifier fx_spec_dict(rl_KindId kind, uint64_t generation, size_t n,
                                    const char *const *keys);

int fx_fetch(const uint8_t *rid, uint64_t now, size_t n, const rl_StoredDataSpecifier *specs);
int fx_stat(const uint8_t *rid, uint64_t now, size_t n, const rl_StoredDataSpecifier *specs);
int fx_find(const uint8_t *rid, const rl_store_range *resp, uint64_t now, size_t n,
            const rl_KindId *kinds);

/* Store a request given as wire bytes (e.g. an export), decoded with the
 * fixture's parameters. */
int fx_store_wire(const uint8_t *buf, size_t len, int msg_signer, uint64_t now);
/* Encode into out; returns the length (fails the test when it does not
 * fit). */
size_t fx_encode_store_req(const rl_StoreReq *req, uint8_t *out, size_t cap);
size_t fx_encode_fetch_ans(uint8_t *out, size_t cap);

/* The text of an ErrorResponse's error_info (NUL-terminated copy). */
const char *fx_err_text(void);

/* The value bytes of a fetched StoredData as a C string ("" for none). */
const char *fx_value(const rl_StoredData *sd);

#endif
