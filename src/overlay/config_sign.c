/* overlay/config_sign.c: see config_sign.h. */
#define _GNU_SOURCE /* memmem */

#include "overlay/config_sign.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>

#include "runtime/arena.h"
#include "runtime/ctx.h"
#include "runtime/error.h"
#include "runtime/writer.h"
#include "security/sign.h"

/* Decoding memory for a SecurityBlock of n bytes: the decoder reserves a
 * certificate slot for every 3 bytes of the list before it knows the
 * count (the certificates themselves stay in the input). */
static size_t sb_arena_size(size_t n) {
  return ((n + 2) / 3 + 1) * sizeof(rl_GenericCertificate) + 1024;
}

int rl_config_sequence_newer(uint16_t a, uint16_t b) {
  uint32_t d = ((uint32_t)a + 65535u - (uint32_t)b) % 65535u;
  return d >= 1 && d <= 32767;
}

/* base64 in lines of 64 characters (config_write.c writes root-cert the
 * same way; the parser skips the whitespace). */
static char *base64_lines(const uint8_t *p, size_t len) {
  size_t n = 4 * ((len + 2) / 3);
  unsigned char *enc = malloc(n + 1);
  char *out = malloc(n + n / 64 + 2);
  size_t k = 0;
  if (!enc || !out || len > (size_t)0x7fffffff) {
    free(enc);
    free(out);
    return NULL;
  }
  EVP_EncodeBlock(enc, p, (int)len);
  for (size_t i = 0; i < n; i += 64) {
    size_t l = n - i < 64 ? n - i : 64;
    if (i) out[k++] = '\n';
    memcpy(out + k, enc + i, l);
    k += l;
  }
  out[k] = '\0';
  free(enc);
  return out;
}

int rl_config_sign_blob(const rl_credentials *c, const uint8_t *blob, size_t len, char **b64,
                        rl_sec_error *e) {
  size_t sigcap = rl_credentials_signature_size(c);
  uint8_t *sigbuf = malloc(sigcap ? sigcap : 1);
  uint8_t *enc = NULL;
  rl_GenericCertificate gc;
  rl_SecurityBlock sb;
  rl_writer w;
  size_t n;
  int r;
  *b64 = NULL;
  if (!sigbuf) return rl_sec_fail(e, RL_ERR_NOMEM, "out of memory");
  memset(&sb, 0, sizeof sb);
  r = rl_sign_blob(c, blob, len, sigbuf, sigcap, &sb.signature, e);
  if (r != 0) goto done;
  /* 6.3.4: the certificates needed to verify the signature travel with
   * it; the roots are in the configuration. */
  memset(&gc, 0, sizeof gc);
  gc.type = RL_CertificateType_X509;
  gc.certificate.ptr = c->cert->der;
  gc.certificate.len = c->cert->der_len;
  sb.certificates = &gc;
  sb.certificates_count = 1;
  n = rl_SecurityBlock_encoded_len(&sb);
  enc = malloc(n ? n : 1);
  if (!enc) {
    r = rl_sec_fail(e, RL_ERR_NOMEM, "out of memory");
    goto done;
  }
  rl_writer_init(&w, enc, n, NULL);
  if (rl_SecurityBlock_encode(&w, &sb) != 0 || w.err || w.len != n) {
    r = rl_sec_fail(e, RL_ERR_BUFFER, "the SecurityBlock cannot be encoded");
    goto done;
  }
  *b64 = base64_lines(enc, n);
  if (!*b64) r = rl_sec_fail(e, RL_ERR_NOMEM, "out of memory");
done:
  free(sigbuf);
  free(enc);
  return r;
}

static int is_signer(const rl_config_blobs *signers, const uint8_t *id, size_t len) {
  for (size_t i = 0; i < signers->n; i++)
    if (signers->v[i].len == len && memcmp(signers->v[i].data, id, len) == 0) return 1;
  return 0;
}

int rl_config_check_signature(const uint8_t *security_block, size_t sb_len, const uint8_t *blob,
                              size_t len, const rl_config_blobs *signers, const rl_trust *trust,
                              rl_arena *scratch, rl_config_signer *who, rl_sec_error *e) {
  char why[200], hex[2 * RL_NODE_ID_MAX + 1];
  rl_arena own, *a = scratch;
  size_t lo = 0, hi = 0;
  void *mem = NULL;
  rl_ctx ctx;
  rl_params params;
  rl_SecurityBlock sb;
  rl_cert_set certs;
  rl_signer_info si;
  int r;
  rl_cert_set_init(&certs);
  if (!a) {
    size_t n = sb_arena_size(sb_len);
    if (!(mem = malloc(n))) return rl_sec_fail(e, RL_ERR_NOMEM, "out of memory");
    rl_arena_init(&own, mem, n);
    a = &own;
  }
  lo = a->lo;
  hi = a->hi;
  rl_params_init(&params);
  rl_ctx_init(&ctx, a, &params);
  r = rl_SecurityBlock_parse(security_block, sb_len, &ctx, &sb);
  if (r != 0) {
    r = rl_sec_fail(e, r, "not a SecurityBlock (6.3.4): %s",
                    rl_errinfo_format(&ctx.err, why, sizeof why));
    goto done;
  }
  r = rl_cert_set_add_security_block(&certs, &sb, e);
  if (r == 0) r = rl_verify_blob(blob, len, &sb.signature, &certs, &si, e);
  /* The certificate must be a valid credential of the overlay: it chains
   * to a root-cert (or is a permitted self-signed one), is not a bad-node;
   * the other certificates of the block may be intermediates. */
  if (r == 0) {
    rl_cert *chain[16];
    size_t nchain = 0;
    for (size_t i = 0; i < certs.n && nchain < 16; i++)
      if (certs.v[i] != si.cert) chain[nchain++] = certs.v[i];
    r = rl_trust_verify(trust, si.cert, chain, nchain, e);
  }
  if (r == 0 && !is_signer(signers, si.node_id, si.node_id_len))
    r = rl_sec_fail(e, RL_SEC_ERR_NODE_ID, "signed by %s (Node-ID %s), which is not one of the "
                    "%zu allowed signers", si.cert->user ? si.cert->user : "(no user)",
                    rl_hex(si.node_id, si.node_id_len, hex), signers->n);
  if (r == 0 && who) {
    memset(who, 0, sizeof *who);
    memcpy(who->node_id, si.node_id, si.node_id_len);
    who->node_id_len = si.node_id_len;
    if (si.cert->user) snprintf(who->user, sizeof who->user, "%s", si.cert->user);
  }
done:
  rl_cert_set_clear(&certs);
  a->lo = lo;
  a->hi = hi;
  free(mem);
  return r;
}

int rl_config_verify(const rl_overlay_config *cfg, const rl_config_blobs *signers,
                     const rl_trust *trust, rl_arena *scratch, rl_config_signer *who,
                     rl_sec_error *e) {
  rl_sec_error first;
  int first_r = 0;
  if (cfg->configuration_xml.len == 0)
    return rl_sec_fail(e, RL_ERR_PARAM, "the configuration has no element bytes to verify");
  if (cfg->signatures.n == 0)
    return rl_sec_fail(e, RL_SEC_ERR_SIGNATURE, "configuration %s is not signed (no <signature> "
                       "element, RFC 6940 11.1)", cfg->instance_name ? cfg->instance_name : "");
  rl_sec_error_clear(&first);
  for (size_t i = 0; i < cfg->signatures.n; i++) {
    rl_sec_error one;
    int r;
    rl_sec_error_clear(&one);
    r = rl_config_check_signature(cfg->signatures.v[i].data, cfg->signatures.v[i].len,
                                  cfg->configuration_xml.data, cfg->configuration_xml.len, signers,
                                  trust, scratch, who, &one);
    if (r == 0) {
      if (who) who->signature_index = i;
      return 0;
    }
    if (first_r == 0) {
      first_r = r;
      first = one;
      rl_sec_prefix(&first, "signature[%zu]", i);
    }
  }
  if (e && !e->code) *e = first;
  return first_r;
}

int rl_config_verify_kind(const rl_config_kind *k, const rl_config_blobs *kind_signers,
                          const rl_trust *trust, rl_arena *scratch, rl_config_signer *who,
                          rl_sec_error *e) {
  if (k->signature.len == 0)
    return rl_sec_fail(e, RL_SEC_ERR_SIGNATURE, "kind %u has no kind-signature (RFC 6940 11.1)",
                       (unsigned)k->id);
  return rl_config_check_signature(k->signature.data, k->signature.len, k->kind_xml.data,
                                   k->kind_xml.len, kind_signers, trust, scratch, who, e);
}

int rl_config_sign_document(const char *buf, size_t len, const rl_credentials *c,
                            const char *instance, char **out, size_t *out_len, rl_sec_error *e) {
  static const char open_tag[] = "\n<signature xmlns=\"" RL_CONFIG_NS_BASE "\">\n";
  static const char close_tag[] = "\n</signature>";
  rl_config_document doc = {NULL, 0};
  rl_config_error ce;
  char **sigs = NULL;
  size_t *ends = NULL, total = len, pos = 0, k = 0, signed_count = 0;
  char *o = NULL;
  int r;
  *out = NULL;
  *out_len = 0;
  r = rl_config_parse(buf, len, &doc, &ce);
  if (r != 0) return rl_sec_fail(e, r, "%s", ce.message);
  sigs = calloc(doc.nconfigs, sizeof *sigs);
  ends = calloc(doc.nconfigs, sizeof *ends);
  if (!sigs || !ends) {
    r = rl_sec_fail(e, RL_ERR_NOMEM, "out of memory");
    goto done;
  }
  /* Where each configuration element ends in buf: its bytes, looked for
   * after the previous one (they are in document order). */
  for (size_t i = 0; i < doc.nconfigs; i++) {
    const rl_config_blob *x = &doc.configs[i].configuration_xml;
    const char *at = memmem(buf + pos, len - pos, x->data, x->len);
    if (!at) {
      r = rl_sec_fail(e, RL_ERR_SYNTAX, "configuration %zu: its bytes are not in the document", i);
      goto done;
    }
    pos = (size_t)(at - buf) + x->len;
    ends[i] = pos;
    if (instance && strcasecmp(instance, doc.configs[i].instance_name) != 0) continue;
    r = rl_config_sign_blob(c, x->data, x->len, &sigs[i], e);
    if (r != 0) goto done;
    total += sizeof open_tag - 1 + strlen(sigs[i]) + sizeof close_tag - 1;
    signed_count++;
  }
  if (signed_count == 0) {
    r = rl_sec_fail(e, RL_ERR_NOT_FOUND, "the document has no configuration for %s", instance);
    goto done;
  }
  o = malloc(total + 1);
  if (!o) {
    r = rl_sec_fail(e, RL_ERR_NOMEM, "out of memory");
    goto done;
  }
  pos = 0;
  for (size_t i = 0; i < doc.nconfigs; i++) {
    size_t l;
    if (!sigs[i]) continue;
    memcpy(o + k, buf + pos, ends[i] - pos);
    k += ends[i] - pos;
    pos = ends[i];
    memcpy(o + k, open_tag, sizeof open_tag - 1);
    k += sizeof open_tag - 1;
    l = strlen(sigs[i]);
    memcpy(o + k, sigs[i], l);
    k += l;
    memcpy(o + k, close_tag, sizeof close_tag - 1);
    k += sizeof close_tag - 1;
  }
  memcpy(o + k, buf + pos, len - pos);
  k += len - pos;
  o[k] = '\0';
  *out = o;
  *out_len = k;
done:
  for (size_t i = 0; sigs && i < doc.nconfigs; i++) free(sigs[i]);
  free(sigs);
  free(ends);
  rl_config_document_free(&doc);
  return r;
}
