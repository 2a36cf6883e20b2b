/* security/sign.c: see sign.h. */
#include "security/sign.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>

#include "codec/message.h"
#include "runtime/error.h"
#include "runtime/writer.h"

/* ---------------------------------------------------------------------
 * Certificate sets and signer lookup
 * --------------------------------------------------------------------- */

void rl_cert_set_init(rl_cert_set *s) { memset(s, 0, sizeof *s); }

void rl_cert_set_clear(rl_cert_set *s) {
  for (size_t i = 0; i < s->n; i++) rl_cert_free(s->v[i]);
  free(s->v);
  memset(s, 0, sizeof *s);
}

/* Certificates of one CA share long prefixes: compare their hashes. */
static int set_has(const rl_cert_set *s, const uint8_t h[32]) {
  for (size_t i = 0; i < s->n; i++)
    if (memcmp(s->v[i]->der_sha256, h, 32) == 0) return 1;
  return 0;
}

int rl_cert_set_add(rl_cert_set *s, rl_cert *c) {
  if (set_has(s, c->der_sha256)) return 0;
  if (s->n == s->cap) {
    size_t ncap = s->cap ? s->cap * 2 : 4;
    rl_cert **nv = realloc(s->v, ncap * sizeof *nv);
    if (!nv) return RL_ERR_NOMEM;
    s->v = nv;
    s->cap = ncap;
  }
  s->v[s->n++] = rl_cert_ref(c);
  return 0;
}

int rl_cert_set_add_der(rl_cert_set *s, const uint8_t *der, size_t len, rl_sec_error *e) {
  rl_cert *c = NULL;
  int r;
  uint8_t h[32];
  unsigned hl = 0;
  /* Most messages carry certificates the set already holds (6.3.4: they
   * are cached): a hash costs far less than parsing them again. */
  if (!EVP_Digest(der, len, h, &hl, EVP_sha256(), NULL) || hl != 32)
    return rl_sec_fail(e, RL_SEC_ERR_CRYPTO, "cannot hash a certificate");
  if (set_has(s, h)) return 0;
  r = rl_cert_pool_get(der, len, &c, e);
  if (r == 0) {
    r = rl_cert_set_add(s, c);
    if (r != 0) r = rl_sec_fail(e, r, "out of memory");
  }
  rl_cert_free(c);
  return r;
}

int rl_cert_set_add_security_block(rl_cert_set *s, const rl_SecurityBlock *sb, rl_sec_error *e) {
  int r = 0;
  for (size_t i = 0; r == 0 && i < sb->certificates_count; i++) {
    const rl_GenericCertificate *g = &sb->certificates[i];
    if (g->type != RL_CertificateType_X509) continue; /* only X.509 is defined (6.3.4) */
    r = rl_cert_set_add_der(s, g->certificate.ptr, g->certificate.len, e);
    if (r != 0) rl_sec_prefix(e, "SecurityBlock.certificates[%zu]", i);
  }
  return r;
}

static int hash_matches(const rl_cert *c, rl_HashAlgorithm alg, const uint8_t *node_id,
                        size_t node_id_len, rl_bytes want) {
  uint8_t h[EVP_MAX_MD_SIZE];
  size_t n = 0;
  if (rl_cert_hash(c, alg, node_id, node_id_len, h, &n) != 0) return 0;
  return n == want.len && memcmp(h, want.ptr, n) == 0;
}

int rl_find_signer(const rl_cert_set *s, const rl_SignerIdentity *id, rl_signer_info *who,
                   rl_sec_error *e) {
  memset(who, 0, sizeof *who);
  switch (id->identity_type) {
  case RL_SignerIdentityType_cert_hash: {
    rl_HashAlgorithm alg = id->identity.cert_hash.hash_alg;
    if (!rl_hash_md(alg))
      return rl_sec_fail(e, RL_SEC_ERR_ALGORITHM, "SignerIdentity hash_alg %u is not supported", alg);
    for (size_t i = 0; i < s->n; i++) {
      const rl_cert *c = s->v[i];
      if (!hash_matches(c, alg, NULL, 0, id->identity.cert_hash.certificate_hash)) continue;
      /* 6.3.4: cert_hash is for "a certificate with only one Node-ID". */
      if (c->n_node_ids != 1)
        return rl_sec_fail(e, RL_SEC_ERR_UNKNOWN_SIGNER, "cert_hash names the certificate of %s, "
                           "which has %zu Node-IDs; RFC 6940 6.3.4 requires cert_hash_node_id",
                           c->user ? c->user : "(no user)", c->n_node_ids);
      who->cert = c;
      memcpy(who->node_id, c->node_ids[0], c->node_id_len);
      who->node_id_len = c->node_id_len;
      return 0;
    }
    return rl_sec_fail(e, RL_SEC_ERR_UNKNOWN_SIGNER, "no certificate of the %zu known has the "
                       "cert_hash of the SignerIdentity", s->n);
  }
  case RL_SignerIdentityType_cert_hash_node_id: {
    rl_HashAlgorithm alg = id->identity.cert_hash_node_id.hash_alg;
    if (!rl_hash_md(alg))
      return rl_sec_fail(e, RL_SEC_ERR_ALGORITHM, "SignerIdentity hash_alg %u is not supported", alg);
    for (size_t i = 0; i < s->n; i++) {
      const rl_cert *c = s->v[i];
      for (size_t k = 0; k < c->n_node_ids; k++) {
        if (!hash_matches(c, alg, c->node_ids[k], c->node_id_len,
                          id->identity.cert_hash_node_id.certificate_node_id_hash))
          continue;
        who->cert = c;
        memcpy(who->node_id, c->node_ids[k], c->node_id_len);
        who->node_id_len = c->node_id_len;
        return 0;
      }
    }
    return rl_sec_fail(e, RL_SEC_ERR_UNKNOWN_SIGNER, "no Node-ID of the %zu known certificates "
                       "gives the cert_hash_node_id of the SignerIdentity", s->n);
  }
  case RL_SignerIdentityType_none:
    return rl_sec_fail(e, RL_SEC_ERR_ALGORITHM, "SignerIdentity type none names no signer");
  default:
    return rl_sec_fail(e, RL_SEC_ERR_ALGORITHM, "SignerIdentity type %u is not supported",
                       id->identity_type);
  }
}

/* ---------------------------------------------------------------------
 * Signature input: the concatenation of up to six encoded parts
 * --------------------------------------------------------------------- */

#define PARTS_MAX 6

typedef struct sig_input {
  const uint8_t *p[PARTS_MAX];
  size_t n[PARTS_MAX];
  int count;
} sig_input;

static void part(sig_input *in, const uint8_t *p, size_t n) {
  in->p[in->count] = p;
  in->n[in->count] = n;
  in->count++;
}

static void put_be(uint8_t *out, uint64_t v, int bytes) {
  for (int i = bytes - 1; i >= 0; i--) {
    out[i] = (uint8_t)v;
    v >>= 8;
  }
}

/* The encoded SignerIdentity: the bytes decoded, or an encoding of the
 * value (1 + 2 + at most 1 + 1 + 255 bytes for the known types). */
#define IDENTITY_MAX 1024

static int identity_bytes(const rl_SignerIdentity *id, uint8_t *buf, rl_bytes *out,
                          rl_sec_error *e) {
  rl_writer w;
  if (id->raw.len) {
    *out = id->raw;
    return 0;
  }
  rl_writer_init(&w, buf, IDENTITY_MAX, NULL);
  if (rl_SignerIdentity_encode(&w, id) != 0 || w.err)
    return rl_sec_fail(e, RL_ERR_BUFFER, "the SignerIdentity cannot be encoded");
  out->ptr = buf;
  out->len = w.len;
  return 0;
}

/* Simulated signatures (reload-sim only, rl_sign_simulated): a keyed
 * SHA-256 instead of RSA or ECDSA, so that 100,000 simulated peers fit in
 * time. The key is the SHA-256 of the signer's certificate, which anyone
 * knows: this proves nothing, and a process that did not switch it on
 * refuses the algorithm as unknown. */
static int g_simulated;

void rl_sign_simulated(int on) { g_simulated = on; }
int rl_sign_is_simulated(void) { return g_simulated; }

static int keyed_hash(const uint8_t key[32], const sig_input *in, uint8_t out[32]) {
  EVP_MD_CTX *ctx = EVP_MD_CTX_new();
  unsigned len = 0;
  int ok = ctx && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1 &&
           EVP_DigestUpdate(ctx, key, 32) == 1;
  for (int i = 0; ok && i < in->count; i++) ok = EVP_DigestUpdate(ctx, in->p[i], in->n[i]) == 1;
  ok = ok && EVP_DigestFinal_ex(ctx, out, &len) == 1 && len == 32;
  EVP_MD_CTX_free(ctx);
  return ok ? 0 : RL_SEC_ERR_CRYPTO;
}

static int sign_input(const rl_credentials *c, const sig_input *in, uint8_t *sigbuf, size_t sigcap,
                      size_t *siglen, rl_sec_error *e) {
  EVP_MD_CTX *ctx;
  size_t need = 0;
  int r = 0;
  if (g_simulated) {
    if (sigcap < 32) return rl_sec_fail(e, RL_ERR_BUFFER, "signature needs 32 bytes");
    if (keyed_hash(c->cert->der_sha256, in, sigbuf) != 0)
      return rl_sec_fail(e, RL_SEC_ERR_CRYPTO, "signing failed");
    *siglen = 32;
    return 0;
  }
  ctx = EVP_MD_CTX_new();
  if (!ctx || EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL, c->key) != 1) {
    r = rl_sec_fail(e, RL_SEC_ERR_CRYPTO, "cannot start signing");
    goto done;
  }
  for (int i = 0; i < in->count; i++)
    if (EVP_DigestSignUpdate(ctx, in->p[i], in->n[i]) != 1) {
      r = rl_sec_fail(e, RL_SEC_ERR_CRYPTO, "signing failed");
      goto done;
    }
  if (EVP_DigestSignFinal(ctx, NULL, &need) != 1 || need > sigcap) {
    r = need > sigcap ? rl_sec_fail(e, RL_ERR_BUFFER, "signature needs %zu bytes, buffer has %zu",
                                    need, sigcap)
                      : rl_sec_fail(e, RL_SEC_ERR_CRYPTO, "signing failed");
    goto done;
  }
  *siglen = sigcap;
  if (EVP_DigestSignFinal(ctx, sigbuf, siglen) != 1)
    r = rl_sec_fail(e, RL_SEC_ERR_CRYPTO, "signing failed");
done:
  EVP_MD_CTX_free(ctx);
  return r;
}

/* Sign in (without the identity, which is added here) and fill out. */
static int sign_with_identity(const rl_credentials *c, sig_input *in, uint8_t *sigbuf, size_t sigcap,
                              rl_Signature *out, rl_sec_error *e) {
  uint8_t idbuf[IDENTITY_MAX];
  rl_SignerIdentity id;
  rl_bytes idb = {NULL, 0};
  size_t siglen = 0;
  int r;
  rl_credentials_signer_identity(c, &id);
  r = identity_bytes(&id, idbuf, &idb, e);
  if (r != 0) return r;
  part(in, idb.ptr, idb.len);
  r = sign_input(c, in, sigbuf, sigcap, &siglen, e);
  if (r != 0) return r;
  memset(out, 0, sizeof *out);
  out->algorithm.hash = RL_HashAlgorithm_sha256;
  out->algorithm.signature = g_simulated ? RL_SIGNATURE_SIMULATED : c->signature_alg;
  out->identity = id;
  out->signature_value.ptr = sigbuf;
  out->signature_value.len = siglen;
  return 0;
}

/* Check sig over in (without the identity) against the signer sig names. */
static int verify_with_identity(const rl_Signature *sig, sig_input *in, const rl_cert_set *certs,
                                rl_signer_info *who, rl_sec_error *e) {
  const EVP_MD *md = rl_hash_md(sig->algorithm.hash);
  uint8_t idbuf[IDENTITY_MAX];
  rl_bytes idb = {NULL, 0};
  rl_signer_info local;
  rl_signer_info *w = who ? who : &local;
  EVP_MD_CTX *ctx = NULL;
  EVP_PKEY *key;
  char hex[2 * RL_NODE_ID_MAX + 1];
  int key_type, r;
  if (!md)
    return rl_sec_fail(e, RL_SEC_ERR_ALGORITHM, "signature hash algorithm %u is not supported",
                       sig->algorithm.hash);
  if (g_simulated && sig->algorithm.signature == RL_SIGNATURE_SIMULATED) {
    uint8_t want[32];
    r = rl_find_signer(certs, &sig->identity, w, e);
    if (r != 0) return r;
    r = identity_bytes(&sig->identity, idbuf, &idb, e);
    if (r != 0) return r;
    part(in, idb.ptr, idb.len);
    if (keyed_hash(w->cert->der_sha256, in, want) != 0)
      return rl_sec_fail(e, RL_SEC_ERR_CRYPTO, "verification failed");
    if (sig->signature_value.len != 32 || CRYPTO_memcmp(want, sig->signature_value.ptr, 32) != 0)
      return rl_sec_fail(e, RL_SEC_ERR_SIGNATURE, "the simulated signature of %s does not verify",
                         w->cert->user ? w->cert->user : "(no user)");
    return 0;
  }
  if (sig->algorithm.signature != RL_SignatureAlgorithm_rsa &&
      sig->algorithm.signature != RL_SignatureAlgorithm_ecdsa)
    return rl_sec_fail(e, RL_SEC_ERR_ALGORITHM, "signature algorithm %u is not supported",
                       sig->algorithm.signature);
  r = rl_find_signer(certs, &sig->identity, w, e);
  if (r != 0) return r;
  key = rl_cert_public_key(w->cert);
  key_type = key ? EVP_PKEY_get_base_id(key) : 0;
  if ((sig->algorithm.signature == RL_SignatureAlgorithm_rsa && key_type != EVP_PKEY_RSA) ||
      (sig->algorithm.signature == RL_SignatureAlgorithm_ecdsa && key_type != EVP_PKEY_EC))
    return rl_sec_fail(e, RL_SEC_ERR_ALGORITHM, "signature algorithm %s does not match the key "
                       "of %s", sig->algorithm.signature == RL_SignatureAlgorithm_rsa ? "rsa" : "ecdsa",
                       w->cert->user ? w->cert->user : "(no user)");
  r = identity_bytes(&sig->identity, idbuf, &idb, e);
  if (r != 0) return r;
  part(in, idb.ptr, idb.len);
  ctx = EVP_MD_CTX_new();
  if (!ctx || EVP_DigestVerifyInit(ctx, NULL, md, NULL, key) != 1) {
    r = rl_sec_fail(e, RL_SEC_ERR_CRYPTO, "cannot start verification");
    goto done;
  }
  for (int i = 0; r == 0 && i < in->count; i++)
    if (EVP_DigestVerifyUpdate(ctx, in->p[i], in->n[i]) != 1)
      r = rl_sec_fail(e, RL_SEC_ERR_CRYPTO, "verification failed");
  if (r == 0 && EVP_DigestVerifyFinal(ctx, sig->signature_value.ptr, sig->signature_value.len) != 1)
    r = rl_sec_fail(e, RL_SEC_ERR_SIGNATURE, "the signature of %s (Node-ID %s) does not verify",
                    w->cert->user ? w->cert->user : "(no user)",
                    rl_hex(w->node_id, w->node_id_len, hex));
done:
  EVP_MD_CTX_free(ctx);
  ERR_clear_error();
  return r;
}

/* ---------------------------------------------------------------------
 * Messages (6.3.4)
 * --------------------------------------------------------------------- */

int rl_sign_message(const rl_credentials *c, uint32_t overlay, uint64_t transaction_id,
                    const uint8_t *contents, size_t contents_len, uint8_t *sigbuf, size_t sigcap,
                    rl_Signature *out, rl_sec_error *e) {
  uint8_t head[12];
  sig_input in = {{NULL}, {0}, 0};
  put_be(head, overlay, 4);
  put_be(head + 4, transaction_id, 8);
  part(&in, head, sizeof head);
  part(&in, contents, contents_len);
  return sign_with_identity(c, &in, sigbuf, sigcap, out, e);
}

int rl_verify_message_parts(uint32_t overlay, uint64_t transaction_id, const uint8_t *contents,
                            size_t contents_len, const rl_Signature *sig, const rl_cert_set *certs,
                            rl_signer_info *who, rl_sec_error *e) {
  uint8_t head[12];
  sig_input in = {{NULL}, {0}, 0};
  put_be(head, overlay, 4);
  put_be(head + 4, transaction_id, 8);
  part(&in, head, sizeof head);
  part(&in, contents, contents_len);
  return verify_with_identity(sig, &in, certs, who, e);
}

int rl_verify_message(const rl_Message *m, const rl_cert_set *certs, rl_signer_info *who,
                      rl_sec_error *e) {
  const rl_MessageContents *mc = &m->message_contents;
  if (mc->raw.len == 0)
    return rl_sec_fail(e, RL_ERR_PARAM, "the message was not decoded (no MessageContents bytes)");
  return rl_verify_message_parts(m->forwarding_header.overlay, m->forwarding_header.transaction_id,
                                 mc->raw.ptr, mc->raw.len, &m->security_block.signature, certs, who,
                                 e);
}

/* ---------------------------------------------------------------------
 * Stored data (7.1)
 * --------------------------------------------------------------------- */

/* The parts before the identity: resource_id (as a ResourceId, with its
 * length byte), kind, storage_time, StoredDataValue. *owned is a buffer
 * the caller frees (the encoded value when it has no raw bytes). */
static int stored_data_input(const uint8_t *rid, size_t rid_len, rl_KindId kind,
                             const rl_StoredData *sd, uint8_t *head, sig_input *in,
                             uint8_t **owned, rl_sec_error *e) {
  rl_bytes value = sd->value.raw;
  *owned = NULL;
  if (rid_len > 255)
    return rl_sec_fail(e, RL_ERR_PARAM, "Resource-ID of %zu bytes (ResourceId holds 255)", rid_len);
  if (value.len == 0) {
    size_t n = rl_StoredDataValue_encoded_len(&sd->value);
    rl_writer w;
    *owned = malloc(n ? n : 1);
    if (!*owned) return rl_sec_fail(e, RL_ERR_NOMEM, "out of memory");
    rl_writer_init(&w, *owned, n, NULL);
    if (rl_StoredDataValue_encode(&w, &sd->value) != 0 || w.err || w.len != n)
      return rl_sec_fail(e, RL_ERR_PARAM, "the StoredDataValue cannot be encoded (data model %u)",
                         sd->value.data_model);
    value.ptr = *owned;
    value.len = n;
  }
  if (sd->value.data_model == RL_DataModel_array && value.len >= 4) {
    /* 7.4.2.2: "the index value in the array is set to zero before the
     * signature is computed" (an append's 0xffffffff becomes the stored
     * index, which the signature must survive). ArrayEntry starts with
     * its uint32 index. */
    if (!*owned) {
      *owned = malloc(value.len);
      if (!*owned) return rl_sec_fail(e, RL_ERR_NOMEM, "out of memory");
      memcpy(*owned, value.ptr, value.len);
      value.ptr = *owned;
    }
    memset(*owned, 0, 4);
  }
  head[0] = (uint8_t)rid_len;
  part(in, head, 1);
  part(in, rid, rid_len);
  put_be(head + 1, kind, 4);
  put_be(head + 5, sd->storage_time, 8);
  part(in, head + 1, 12);
  part(in, value.ptr, value.len);
  return 0;
}

int rl_sign_stored_data(const rl_credentials *c, const uint8_t *resource_id, size_t resource_id_len,
                        rl_KindId kind, rl_StoredData *sd, uint8_t *sigbuf, size_t sigcap,
                        rl_sec_error *e) {
  uint8_t head[13];
  uint8_t *owned = NULL;
  sig_input in = {{NULL}, {0}, 0};
  int r = stored_data_input(resource_id, resource_id_len, kind, sd, head, &in, &owned, e);
  if (r == 0) r = sign_with_identity(c, &in, sigbuf, sigcap, &sd->signature, e);
  free(owned);
  return r;
}

int rl_verify_stored_data(const uint8_t *resource_id, size_t resource_id_len, rl_KindId kind,
                          const rl_StoredData *sd, const rl_cert_set *certs, rl_signer_info *who,
                          rl_sec_error *e) {
  uint8_t head[13];
  uint8_t *owned = NULL;
  sig_input in = {{NULL}, {0}, 0};
  int r = stored_data_input(resource_id, resource_id_len, kind, sd, head, &in, &owned, e);
  if (r == 0) r = verify_with_identity(&sd->signature, &in, certs, who, e);
  free(owned);
  return r;
}

int rl_stored_data_is_synthetic(const rl_StoredData *sd) {
  const rl_DataValue *dv = rl_stored_data_value(&sd->value);
  const rl_Signature *sig = &sd->signature;
  return dv && !dv->exists && sig->identity.identity_type == RL_SignerIdentityType_none &&
         sig->algorithm.hash == RL_HashAlgorithm_none &&
         sig->algorithm.signature == RL_SignatureAlgorithm_anonymous && sig->signature_value.len == 0;
}

/* ---------------------------------------------------------------------
 * Byte strings: configuration and kind elements (11.1)
 * --------------------------------------------------------------------- */

int rl_sign_blob(const rl_credentials *c, const uint8_t *blob, size_t len, uint8_t *sigbuf,
                 size_t sigcap, rl_Signature *out, rl_sec_error *e) {
  sig_input in = {{NULL}, {0}, 0};
  part(&in, blob, len);
  return sign_with_identity(c, &in, sigbuf, sigcap, out, e);
}

int rl_verify_blob(const uint8_t *blob, size_t len, const rl_Signature *sig,
                   const rl_cert_set *certs, rl_signer_info *who, rl_sec_error *e) {
  sig_input in = {{NULL}, {0}, 0};
  part(&in, blob, len);
  return verify_with_identity(sig, &in, certs, who, e);
}
