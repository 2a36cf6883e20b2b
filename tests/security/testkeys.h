/* testkeys.h: keys and certificates made once per test program (RSA key
 * generation is the slow part), shared by the forked test cases. */
#ifndef RL_TESTS_SECURITY_TESTKEYS_H
#define RL_TESTS_SECURITY_TESTKEYS_H

#include <openssl/evp.h>

#include "security/ca.h"
#include "security/cert.h"

#define TEST_OVERLAY "overlay.test"

/* Four RSA-2048 keys: [0] the CA, [1] [2] [3] nodes. */
extern EVP_PKEY *test_key[4];

/* Generate the keys (aborts on failure). */
void testkeys_init(void);

/* A node certificate from the CA: n Node-IDs ids[0..n-1] (NodeIdLength
 * 16), user, subject key test_key[k]. */
rl_cert *test_issue(const rl_cert *ca, int k, const char *user, const uint8_t (*ids)[RL_NODE_ID_MAX],
                    size_t n);

/* The CA certificate of test_key[0] for TEST_OVERLAY. */
rl_cert *test_ca(void);

/* A Node-ID whose bytes are all b. */
void test_node_id(uint8_t b, uint8_t out[RL_NODE_ID_MAX]);

#endif
