/* security/trust.c: see trust.h. */
#define _POSIX_C_SOURCE 200809L

#include "security/trust.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <openssl/err.h>
#include <openssl/x509_vfy.h>

#include "runtime/error.h"

struct rl_trust {
  char *overlay;
  size_t node_id_len;
  X509_STORE *store;
  size_t nroots;
  int self_signed;
  rl_HashAlgorithm self_signed_digest;
  uint8_t (*bad)[RL_NODE_ID_MAX];
  size_t *bad_len;
  size_t nbad;
  int64_t when;
};

int rl_trust_new(const char *overlay, size_t node_id_len, rl_trust **out, rl_sec_error *e) {
  rl_trust *t = NULL;
  int r = 0;
  *out = NULL;
  if (!overlay || !*overlay || node_id_len < RL_NODE_ID_MIN || node_id_len > RL_NODE_ID_MAX)
    return rl_sec_fail(e, RL_ERR_PARAM, "overlay name missing or NodeIdLength %zu not 16..20",
                       node_id_len);
  t = calloc(1, sizeof *t);
  if (!t || !(t->overlay = strdup(overlay)) || !(t->store = X509_STORE_new())) {
    r = rl_sec_fail(e, RL_ERR_NOMEM, "out of memory");
    goto done;
  }
  t->node_id_len = node_id_len;
done:
  if (r != 0) {
    rl_trust_free(t);
    t = NULL;
  }
  *out = t;
  return r;
}

void rl_trust_free(rl_trust *t) {
  if (!t) return;
  free(t->overlay);
  X509_STORE_free(t->store);
  free(t->bad);
  free(t->bad_len);
  free(t);
}

int rl_trust_add_root(rl_trust *t, const rl_cert *root, rl_sec_error *e) {
  if (X509_STORE_add_cert(t->store, root->x509) != 1) {
    unsigned long err = ERR_peek_last_error();
    /* The same root twice (two root-cert elements) is harmless. */
    if (ERR_GET_REASON(err) == X509_R_CERT_ALREADY_IN_HASH_TABLE) {
      ERR_clear_error();
      return 0;
    }
    return rl_sec_fail(e, RL_SEC_ERR_CRYPTO, "cannot add a root certificate");
  }
  t->nroots++;
  return 0;
}

int rl_trust_add_root_der(rl_trust *t, const uint8_t *der, size_t len, rl_sec_error *e) {
  rl_cert *c = NULL;
  int r = rl_cert_from_der(der, len, &c, e);
  if (r == 0) r = rl_trust_add_root(t, c, e);
  rl_cert_free(c);
  return r;
}

int rl_trust_allow_self_signed(rl_trust *t, rl_HashAlgorithm digest) {
  if (digest != RL_HashAlgorithm_sha1 && digest != RL_HashAlgorithm_sha256)
    return RL_SEC_ERR_ALGORITHM;
  t->self_signed = 1;
  t->self_signed_digest = digest;
  return 0;
}

int rl_trust_add_bad_node(rl_trust *t, const uint8_t *id, size_t len) {
  void *a, *b;
  if (len == 0 || len > RL_NODE_ID_MAX) return RL_ERR_PARAM;
  a = realloc(t->bad, (t->nbad + 1) * sizeof *t->bad);
  if (!a) return RL_ERR_NOMEM;
  t->bad = a;
  b = realloc(t->bad_len, (t->nbad + 1) * sizeof *t->bad_len);
  if (!b) return RL_ERR_NOMEM;
  t->bad_len = b;
  memcpy(t->bad[t->nbad], id, len);
  t->bad_len[t->nbad++] = len;
  return 0;
}

void rl_trust_set_time(rl_trust *t, int64_t when) { t->when = when; }

int rl_trust_from_config(const rl_overlay_config *cfg, rl_trust **out, rl_sec_error *e) {
  rl_trust *t = NULL;
  int r = rl_trust_new(cfg->instance_name, cfg->node_id_length, &t, e);
  for (size_t i = 0; r == 0 && i < cfg->root_certs.n; i++) {
    r = rl_trust_add_root_der(t, cfg->root_certs.v[i].data, cfg->root_certs.v[i].len, e);
    if (r != 0) rl_sec_prefix(e, "root-cert %zu (line %ld)", i + 1, cfg->root_certs.v[i].line);
  }
  if (r == 0 && cfg->self_signed_permitted) {
    r = rl_trust_allow_self_signed(t, cfg->self_signed_digest);
    if (r != 0) r = rl_sec_fail(e, r, "self-signed-permitted digest not sha1 or sha256");
  }
  for (size_t i = 0; r == 0 && i < cfg->bad_nodes.n; i++) {
    /* A bad-node longer than a Node-ID can match nothing; skipping it
     * keeps the others in force. */
    if (cfg->bad_nodes.v[i].len > RL_NODE_ID_MAX) continue;
    r = rl_trust_add_bad_node(t, cfg->bad_nodes.v[i].data, cfg->bad_nodes.v[i].len);
    if (r != 0) r = rl_sec_fail(e, r, "out of memory");
  }
  if (r != 0) {
    rl_trust_free(t);
    t = NULL;
  }
  *out = t;
  return r;
}

static time_t verify_time(const rl_trust *t) {
  return t->when ? (time_t)t->when : time(NULL);
}

/* 11.3.1: "When accepting a self-signed certificate, nodes MUST check
 * that the Node-ID and public keys match." One Node-ID: digest(SPKI);
 * several: digest(index || SPKI) for indexes 1..n, in any order. */
static int check_self_signed(const rl_trust *t, const rl_cert *c, rl_sec_error *e) {
  time_t now = verify_time(t);
  char hex[2 * RL_NODE_ID_MAX + 1];
  uint8_t want[RL_NODE_ID_MAX];
  if (!t->self_signed)
    return rl_sec_fail(e, RL_SEC_ERR_SELF_SIGNED, "the certificate of %s is self-signed and "
                       "overlay %s does not permit self-signed certificates", c->user, t->overlay);
  if (X509_cmp_time(X509_get0_notBefore(c->x509), &now) > 0 ||
      X509_cmp_time(X509_get0_notAfter(c->x509), &now) < 0)
    return rl_sec_fail(e, RL_SEC_ERR_UNTRUSTED, "the self-signed certificate of %s is not "
                       "valid at this time", c->user);
  for (size_t i = 0; i < c->n_node_ids; i++) {
    int found = 0;
    for (size_t idx = c->n_node_ids == 1 ? 0 : 1; !found && idx <= c->n_node_ids; idx++) {
      int r = rl_self_signed_node_id(rl_cert_public_key(c), t->self_signed_digest, (uint32_t)idx,
                                     c->node_id_len, want);
      if (r != 0) return rl_sec_fail(e, r, "cannot compute the Node-ID of a public key");
      found = memcmp(want, c->node_ids[i], c->node_id_len) == 0;
    }
    if (!found)
      return rl_sec_fail(e, RL_SEC_ERR_SELF_SIGNED, "self-signed certificate of %s: Node-ID %s "
                         "is not derived from its public key with %s (RFC 6940 11.3.1)", c->user,
                         rl_hex(c->node_ids[i], c->node_id_len, hex),
                         t->self_signed_digest == RL_HashAlgorithm_sha1 ? "sha1" : "sha256");
  }
  return 0;
}

static int check_chain(const rl_trust *t, const rl_cert *c, rl_cert *const *chain, size_t nchain,
                       rl_sec_error *e) {
  X509_STORE_CTX *ctx = X509_STORE_CTX_new();
  STACK_OF(X509) *untrusted = sk_X509_new_null();
  int r = 0;
  if (!ctx || !untrusted) {
    r = rl_sec_fail(e, RL_ERR_NOMEM, "out of memory");
    goto done;
  }
  for (size_t i = 0; i < nchain; i++)
    if (!sk_X509_push(untrusted, chain[i]->x509)) {
      r = rl_sec_fail(e, RL_ERR_NOMEM, "out of memory");
      goto done;
    }
  if (X509_STORE_CTX_init(ctx, t->store, c->x509, untrusted) != 1) {
    r = rl_sec_fail(e, RL_SEC_ERR_CRYPTO, "cannot set up certificate verification");
    goto done;
  }
  if (t->when) X509_STORE_CTX_set_time(ctx, 0, (time_t)t->when);
  if (X509_verify_cert(ctx) != 1) {
    int err = X509_STORE_CTX_get_error(ctx);
    ERR_clear_error();
    r = rl_sec_fail(e, RL_SEC_ERR_UNTRUSTED, "the certificate of %s does not chain to a root-cert "
                    "of overlay %s: %s", c->user, t->overlay, X509_verify_cert_error_string(err));
  }
done:
  X509_STORE_CTX_free(ctx);
  sk_X509_free(untrusted); /* the certificates belong to their rl_certs */
  return r;
}

int rl_trust_verify(const rl_trust *t, const rl_cert *c, rl_cert *const *chain, size_t nchain,
                    rl_sec_error *e) {
  char hex[2 * RL_NODE_ID_MAX + 1];
  int r = rl_cert_check_identities(c, e);
  if (r != 0) return r;
  if (strcasecmp(c->overlay, t->overlay) != 0)
    return rl_sec_fail(e, RL_SEC_ERR_IDENTITY, "the certificate of %s is for overlay %s, not %s",
                       c->user, c->overlay, t->overlay);
  if (c->node_id_len != t->node_id_len)
    return rl_sec_fail(e, RL_SEC_ERR_IDENTITY, "the certificate of %s has %zu-byte Node-IDs; "
                       "overlay %s uses %zu", c->user, c->node_id_len, t->overlay, t->node_id_len);
  for (size_t i = 0; i < t->nbad; i++)
    if (rl_cert_has_node_id(c, t->bad[i], t->bad_len[i]))
      return rl_sec_fail(e, RL_SEC_ERR_BAD_NODE, "Node-ID %s of %s is a bad-node of overlay %s",
                         rl_hex(t->bad[i], t->bad_len[i], hex), c->user, t->overlay);
  if (c->self_signed) return check_self_signed(t, c, e);
  if (t->nroots == 0)
    return rl_sec_fail(e, RL_SEC_ERR_UNTRUSTED, "overlay %s has no root-cert to check the "
                       "certificate of %s against", t->overlay, c->user);
  return check_chain(t, c, chain, nchain, e);
}
