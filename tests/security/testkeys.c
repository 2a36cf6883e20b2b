/* testkeys.c: see testkeys.h. */
#include "testkeys.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

EVP_PKEY *test_key[4];

static void die(const char *what, const rl_sec_error *e) {
  fprintf(stderr, "testkeys: %s: %s\n", what, e->text);
  abort();
}

void testkeys_init(void) {
  rl_sec_error e = {0, ""};
  for (int i = 0; i < 4; i++)
    if (rl_key_generate_rsa(2048, &test_key[i], &e) != 0) die("key", &e);
}

rl_cert *test_ca(void) {
  rl_sec_error e = {0, ""};
  rl_issue_params p;
  rl_cert *ca = NULL;
  memset(&p, 0, sizeof p);
  p.overlay = TEST_OVERLAY;
  if (rl_ca_create(test_key[0], &p, &ca, &e) != 0) die("CA", &e);
  return ca;
}

rl_cert *test_issue(const rl_cert *ca, int k, const char *user, const uint8_t (*ids)[RL_NODE_ID_MAX],
                    size_t n) {
  rl_sec_error e = {0, ""};
  rl_issue_params p;
  rl_cert *c = NULL;
  memset(&p, 0, sizeof p);
  p.overlay = TEST_OVERLAY;
  p.user = user;
  p.node_ids = ids;
  p.n_node_ids = n;
  p.node_id_len = 16;
  if (rl_ca_issue(test_key[0], ca, test_key[k], &p, &c, &e) != 0) die("issue", &e);
  return c;
}

void test_node_id(uint8_t b, uint8_t out[RL_NODE_ID_MAX]) { memset(out, b, RL_NODE_ID_MAX); }
