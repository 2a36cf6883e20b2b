/* msgcodec.c: see msgcodec.h. */
#define _POSIX_C_SOURCE 200809L
#include "msgcodec.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec/message.h"
#include "runtime/ctx.h"
#include "runtime/writer.h"
#include "security/sign.h"
#include "template.h"
#include "tree.h"

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#define ARENA_START ((size_t)256 * 1024)

void rl_conf_codec_init(rl_conf_codec *c) {
  memset(c, 0, sizeof *c);
  rl_param_set_init(&c->params);
}

void rl_conf_codec_free(rl_conf_codec *c) {
  free(c->mem);
  c->mem = NULL;
  c->cap = 0;
}

/* An empty arena of at least want bytes. */
static int arena_reset(rl_conf_codec *c, size_t want) {
  if (c->cap < want || !c->mem) {
    size_t cap = c->cap ? c->cap : ARENA_START;
    void *m;
    while (cap < want) {
      if (cap > RL_CONF_ARENA_MAX / 2) return RL_ERR_NOMEM;
      cap *= 2;
    }
    m = malloc(cap);
    if (!m) return RL_ERR_NOMEM;
    free(c->mem);
    c->mem = m;
    c->cap = cap;
  }
  rl_arena_init(&c->arena, c->mem, c->cap);
  return 0;
}

static int arena_grow(rl_conf_codec *c) {
  if (c->cap >= RL_CONF_ARENA_MAX) return RL_ERR_NOMEM;
  return arena_reset(c, c->cap * 2);
}

/* ---- placeholders ---- */

static json_t *anonymous_signature(void) {
  return json_pack("{s:{s:s,s:s},s:{s:s,s:{}},s:s}", "algorithm", "hash", "none", "signature",
                   "anonymous", "identity", "identity_type", "none", "identity",
                   "signature_value", "");
}

int rl_conf_fill_placeholders(json_t *msg, rl_conf_signplan *plan) {
  json_t *kd;
  size_t i;
  json_t *el;
  memset(plan, 0, sizeof *plan);
  if (!json_is_object(msg)) return 0;
  if (!json_object_get(msg, "security_block")) {
    json_t *sb = json_pack("{s:[],s:o}", "certificates", "signature", anonymous_signature());
    if (!sb || json_object_set_new(msg, "security_block", sb) != 0) return RL_ERR_NOMEM;
    plan->message = 1;
  }
  /* message_contents.message_body.store_req.kind_data[i].values[j] (7.1:
   * every StoredData carries its own signature). */
  kd = json_object_get(json_object_get(json_object_get(json_object_get(msg, "message_contents"),
                                                        "message_body"),
                                        "store_req"),
                       "kind_data");
  if (!json_is_array(kd)) return 0;
  json_array_foreach(kd, i, el) {
    json_t *values = json_object_get(el, "values"), *v;
    size_t j;
    if (!json_is_array(values)) continue;
    json_array_foreach(values, j, v) {
      if (!json_is_object(v)) continue;
      if (!json_object_get(v, "storage_time") &&
          json_object_set_new(v, "storage_time", json_string("${now_ms}")) != 0)
        return RL_ERR_NOMEM;
      if (!json_object_get(v, "signature")) {
        if (json_object_set_new(v, "signature", anonymous_signature()) != 0) return RL_ERR_NOMEM;
        if (plan->nstored < RL_CONF_SIGN_STORED_MAX) {
          plan->stored[plan->nstored].kind_data = i;
          plan->stored[plan->nstored].value = j;
          plan->nstored++;
        }
      }
    }
  }
  return 0;
}

/* ---- encoding ---- */

static int encode_value(const rl_type_desc *t, const void *v, uint8_t **out, size_t *n,
                        char *why, size_t whylen) {
  rl_errinfo info;
  rl_writer w;
  size_t len = t->encoded_len(v);
  uint8_t *buf = malloc(len ? len : 1);
  int r;
  if (!buf) {
    snprintf(why, whylen, "out of memory");
    return RL_ERR_NOMEM;
  }
  rl_errinfo_clear(&info);
  rl_writer_init(&w, buf, len, &info);
  r = t->encode(&w, v);
  if (r == 0) r = w.err;
  if (r == 0 && w.len != len) r = RL_ERR_BUFFER;
  if (r != 0) {
    char e[256];
    if (info.code == 0) rl_errinfo_set(&info, r, 0, NULL, NULL);
    rl_errinfo_push(&info, t->name, r);
    snprintf(why, whylen, "the codec cannot encode this message: %s",
             rl_errinfo_format(&info, e, sizeof e));
    free(buf);
    return r;
  }
  *out = buf;
  *n = len;
  return 0;
}

/* --signer-identity (msgcodec.h): the identity sent instead of the
 * credential's. */
static void override_identity(rl_conf_codec *c, rl_SignerIdentity *id) {
  static uint8_t md[32];
  const char *how = c->signer_identity;
  if (!how || strcmp(how, "auto") == 0) return;
  if (strcmp(how, "none") == 0) {
    id->identity_type = RL_SignerIdentityType_none;
    id->identity.unknown.ptr = NULL;
    id->identity.unknown.len = 0;
    return;
  }
  if (strcmp(how, "cert_hash") == 0) {
    EVP_Digest(c->cred->cert->der, c->cred->cert->der_len, md, NULL, EVP_sha256(), NULL);
    id->identity_type = RL_SignerIdentityType_cert_hash;
    id->identity.cert_hash.hash_alg = RL_HashAlgorithm_sha256;
    id->identity.cert_hash.certificate_hash.ptr = md;
    id->identity.cert_hash.certificate_hash.len = sizeof md;
    return;
  }
  /* raw:HEX */
  if (id->identity_type == RL_SignerIdentityType_cert_hash_node_id) {
    id->identity.cert_hash_node_id.certificate_node_id_hash.ptr = c->identity_raw;
    id->identity.cert_hash_node_id.certificate_node_id_hash.len = c->identity_raw_len;
  } else {
    id->identity.cert_hash.certificate_hash.ptr = c->identity_raw;
    id->identity.cert_hash.certificate_hash.len = c->identity_raw_len;
  }
}

/* Sign the message and each planned StoredData; signature values go into
 * sigs (one buffer per signature, freed by the caller). */
static int sign(rl_conf_codec *c, rl_Message *m, const rl_conf_signplan *plan, uint8_t **sigs,
                size_t *nsigs, rl_GenericCertificate *cert, char *why, size_t whylen) {
  size_t sigcap = rl_credentials_signature_size(c->cred);
  rl_sec_error e;
  int r;
  const rl_type_desc *mct = rl_type_find("MessageContents");
  memset(&e, 0, sizeof e);
  cert->type = RL_CertificateType_X509;
  cert->certificate.ptr = c->cred->cert->der;
  cert->certificate.len = c->cred->cert->der_len;
  /* StoredData first: the message signature covers MessageContents, which
   * contains them. */
  if (m->message_contents.message_code == RL_MessageCode_store_req) {
    rl_StoreReq *sr = &m->message_contents.message_body.store_req;
    for (size_t k = 0; k < plan->nstored; k++) {
      size_t i = plan->stored[k].kind_data, j = plan->stored[k].value;
      if (i >= sr->kind_data_count || j >= sr->kind_data[i].values_count) continue;
      if (!(sigs[*nsigs] = malloc(sigcap))) goto nomem;
      r = rl_sign_stored_data(c->cred, sr->resource.ptr, sr->resource.len, sr->kind_data[i].kind,
                              &sr->kind_data[i].values[j], sigs[(*nsigs)++], sigcap, &e);
      if (r != 0) {
        snprintf(why, whylen, "signing StoredData kind_data[%zu].values[%zu]: %s", i, j, e.text);
        return r;
      }
    }
  }
  if (plan->message) {
    uint8_t *contents = NULL;
    size_t clen = 0;
    r = encode_value(mct, &m->message_contents, &contents, &clen, why, whylen);
    if (r != 0) return r;
    if (!(sigs[*nsigs] = malloc(sigcap))) {
      free(contents);
      goto nomem;
    }
    r = rl_sign_message(c->cred, m->forwarding_header.overlay, m->forwarding_header.transaction_id,
                        contents, clen, sigs[(*nsigs)++], sigcap, &m->security_block.signature, &e);
    free(contents);
    if (r != 0) {
      snprintf(why, whylen, "signing the message: %s", e.text);
      return r;
    }
    override_identity(c, &m->security_block.signature.identity);
    /* 6.3.4: "implementers MUST include all referenced certificates". */
    if (m->security_block.certificates_count == 0) {
      m->security_block.certificates = cert;
      m->security_block.certificates_count = 1;
    }
  }
  return 0;
nomem:
  snprintf(why, whylen, "out of memory");
  return RL_ERR_NOMEM;
}

int rl_conf_encode(rl_conf_codec *c, const json_t *msg, const rl_conf_signplan *plan,
                   uint8_t **out, size_t *outlen, uint64_t *txid, json_t **sent, char *why,
                   size_t whylen) {
  rl_Message m;
  rl_ctx ctx;
  rl_GenericCertificate cert;
  uint8_t *sigs[RL_CONF_SIGN_STORED_MAX + 1];
  size_t nsigs = 0;
  int r;
  *out = NULL;
  *outlen = 0;
  if (sent) *sent = NULL;
  if ((r = arena_reset(c, ARENA_START)) != 0) goto nomem;
  for (;;) {
    memset(&m, 0, sizeof m);
    rl_ctx_init(&ctx, &c->arena, &c->params.p);
    r = rl_Message_from_json(msg, &ctx, &m);
    if (r != RL_ERR_ARENA) break;
    if (arena_grow(c) != 0) goto nomem;
  }
  if (r != 0) {
    char path[512];
    rl_errinfo_push(&ctx.err, "Message", r);
    snprintf(why, whylen, "the template is not a message the codec accepts: error in %s: %s",
             rl_errinfo_path(&ctx.err, path, sizeof path),
             ctx.err.reason ? ctx.err.reason : rl_strerror(r));
    return r;
  }
  if (c->cred && (plan->message || plan->nstored)) {
    r = sign(c, &m, plan, sigs, &nsigs, &cert, why, whylen);
    if (r != 0) goto done;
  }
  r = encode_value(rl_type_find("Message"), &m, out, outlen, why, whylen);
  if (r != 0) goto done;
  *txid = m.forwarding_header.transaction_id;
  if (sent) {
    /* What went out, as a receiver decodes it (computed lengths and all). */
    rl_conf_decoded d;
    if (rl_conf_decode(c, *out, *outlen, 0, &d) == 0 && d.ok)
      *sent = d.json;
    else
      json_decref(d.json);
  }
done:
  for (size_t i = 0; i < nsigs; i++) free(sigs[i]);
  return r;
nomem:
  snprintf(why, whylen, "out of memory");
  return RL_ERR_NOMEM;
}

/* ---- decoding ---- */

static void verify(rl_conf_codec *c, const rl_Message *m, rl_conf_decoded *d) {
  rl_cert_set certs;
  rl_signer_info who;
  rl_sec_error e;
  int r;
  memset(&e, 0, sizeof e);
  if (m->security_block.signature.identity.identity_type == RL_SignerIdentityType_none) {
    d->sig_state = 0;
    snprintf(d->sig_note, sizeof d->sig_note, "not signed: identity_type none");
    return;
  }
  rl_cert_set_init(&certs);
  r = rl_cert_set_add_security_block(&certs, &m->security_block, &e);
  if (r == 0) r = rl_verify_message(m, &certs, &who, &e);
  if (r != 0) {
    d->sig_state = 0;
    snprintf(d->sig_note, sizeof d->sig_note, "signature does not verify: %s",
             e.text[0] ? e.text : rl_strerror(r));
    goto done;
  }
  if (c->trust) {
    r = rl_trust_verify(c->trust, who.cert, certs.v, certs.n, &e);
    if (r != 0) {
      d->sig_state = 0;
      snprintf(d->sig_note, sizeof d->sig_note, "signer's certificate not trusted: %s", e.text);
      goto done;
    }
  }
  d->sig_state = 1;
  {
    json_t *id = rl_conf_hex_json(who.node_id, who.node_id_len);
    snprintf(d->sig_note, sizeof d->sig_note, "signature verified%s, signer Node-ID %s",
             c->trust ? " and certificate trusted" : " (certificate not checked: no --ca)",
             id ? json_string_value(id) : "?");
    json_decref(id);
  }
done:
  rl_cert_set_clear(&certs);
}

int rl_conf_decode(rl_conf_codec *c, const uint8_t *p, size_t n, int verify_sig,
                   rl_conf_decoded *d) {
  rl_Message m;
  rl_ctx ctx;
  rl_message_peek pk;
  int r;
  memset(d, 0, sizeof *d);
  d->sig_state = -1;
  if (rl_message_peek_header(p, n, &pk) == 0) {
    d->have_txid = 1;
    d->txid = pk.transaction_id;
  }
  if (arena_reset(c, n * 8 + ARENA_START) != 0) return RL_ERR_NOMEM;
  for (;;) {
    memset(&m, 0, sizeof m);
    rl_ctx_init(&ctx, &c->arena, &c->params.p);
    r = rl_message_parse(p, n, &ctx, &m);
    if (r != RL_ERR_ARENA) break;
    if (arena_grow(c) != 0) return RL_ERR_NOMEM;
  }
  if (r == 0) {
    d->json = rl_Message_to_json(&m);
    if (!d->json) return RL_ERR_NOMEM;
    d->ok = 1;
    if (verify_sig) verify(c, &m, d);
    return 0;
  }
  {
    char e[200];
    snprintf(d->error, sizeof d->error, "%s", rl_errinfo_format(&ctx.err, e, sizeof e));
  }
  d->json = json_pack("{s:s}", "undecodable", d->error);
  if (!d->json) return RL_ERR_NOMEM;
  if (d->have_txid) {
    char tx[24];
    json_t *fh;
    snprintf(tx, sizeof tx, "%llu", (unsigned long long)pk.transaction_id);
    fh = json_pack("{s:I,s:I,s:I,s:I,s:I,s:I,s:s}", "overlay", (json_int_t)pk.overlay,
                   "configuration_sequence", (json_int_t)pk.configuration_sequence, "version",
                   (json_int_t)pk.version, "ttl", (json_int_t)pk.ttl, "fragment",
                   (json_int_t)pk.fragment, "length", (json_int_t)pk.length, "transaction_id", tx);
    if (!fh || json_object_set_new(d->json, "forwarding_header", fh) != 0) return RL_ERR_NOMEM;
  }
  return 0;
}

/* ---- mutations ---- */

static int resolve(long off, size_t len, int allow_end, size_t *out) {
  long long o = off;
  if (o < 0) o += (long long)len;
  if (o < 0 || (unsigned long long)o > len || (!allow_end && (unsigned long long)o == len)) return -1;
  *out = (size_t)o;
  return 0;
}

int rl_conf_mutate(uint8_t **buf, size_t *len, const rl_scen_mut *m, size_t n, char *why,
                   size_t whylen) {
  for (size_t i = 0; i < n; i++) {
    const rl_scen_mut *u = &m[i];
    size_t at;
    switch (u->kind) {
    case RL_SCEN_MUT_TRUNCATE: {
      long long keep = u->offset < 0 ? (long long)*len + u->offset : u->offset;
      if (keep < 0 || (unsigned long long)keep > *len) goto range;
      *len = (size_t)keep;
      break;
    }
    case RL_SCEN_MUT_SET:
      if (resolve(u->offset, *len, 0, &at) != 0 || *len - at < u->width) goto range;
      for (unsigned k = 0; k < u->width; k++)
        (*buf)[at + k] = (uint8_t)(u->value >> (8 * (u->width - 1 - k)));
      break;
    case RL_SCEN_MUT_XOR:
      if (resolve(u->offset, *len, 0, &at) != 0) goto range;
      (*buf)[at] ^= (uint8_t)u->value;
      break;
    case RL_SCEN_MUT_APPEND:
    case RL_SCEN_MUT_INSERT: {
      uint8_t *nb;
      if (u->kind == RL_SCEN_MUT_APPEND)
        at = *len;
      else if (resolve(u->offset, *len, 1, &at) != 0)
        goto range;
      if (u->nbytes > SIZE_MAX - *len - 1) goto range;
      nb = realloc(*buf, *len + u->nbytes + 1);
      if (!nb) {
        snprintf(why, whylen, "out of memory");
        return RL_ERR_NOMEM;
      }
      *buf = nb;
      memmove(nb + at + u->nbytes, nb + at, *len - at);
      memcpy(nb + at, u->bytes, u->nbytes);
      *len += u->nbytes;
      break;
    }
    case RL_SCEN_MUT_FIX_LENGTH:
      /* ForwardingHeader.length: bytes 16..19 (6.3.2). */
      if (*len < 20 || *len > 0xffffffffu) goto range;
      for (unsigned k = 0; k < 4; k++) (*buf)[16 + k] = (uint8_t)(*len >> (8 * (3 - k)));
      break;
    }
    continue;
  range:
    snprintf(why, whylen, "%s:%d:%d: mutation outside the %zu-byte message", u->loc.file,
             u->loc.line, u->loc.col, *len);
    return RL_ERR_PARAM;
  }
  return 0;
}

/* ---- text ---- */

static char *indent_lines(const char *s, int indent) {
  size_t lines = 1, n = strlen(s);
  char *out, *o;
  for (const char *q = s; *q; q++)
    if (*q == '\n') lines++;
  if (lines > (SIZE_MAX - n - 1) / ((size_t)indent + 1)) return NULL;
  out = malloc(n + lines * (size_t)indent + 1);
  if (!out) return NULL;
  o = out;
  for (const char *q = s; *q;) {
    const char *e = strchr(q, '\n');
    size_t ln = e ? (size_t)(e - q + 1) : strlen(q);
    memset(o, ' ', (size_t)indent);
    o += indent;
    memcpy(o, q, ln);
    o += ln;
    q += ln;
  }
  *o = 0;
  return out;
}

/* One certificate of a security block as a line: its subject and the
 * SHA-256 of its DER (6.3.4 cert_hash uses the same digest), instead of a
 * few hundred bytes of hex that say nothing to a reader. */
json_t *rl_conf_cert_brief(const char *hex) {
  size_t n = strlen(hex) / 2;
  unsigned char *der = malloc(n ? n : 1), md[32];
  const unsigned char *p = der;
  char subject[300] = "?", out[500];
  X509 *x;
  if (!der) return NULL;
  for (size_t i = 0; i < n; i++) {
    unsigned v;
    if (sscanf(hex + 2 * i, "%2x", &v) != 1) {
      free(der);
      return NULL;
    }
    der[i] = (unsigned char)v;
  }
  x = d2i_X509(NULL, &p, (long)n);
  if (x) {
    /* 11.3: the Node-IDs are URIs of the subjectAltName. */
    GENERAL_NAMES *sans = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
    size_t l;
    X509_NAME_oneline(X509_get_subject_name(x), subject, sizeof subject);
    for (int i = 0; sans && i < sk_GENERAL_NAME_num(sans); i++) {
      const GENERAL_NAME *g = sk_GENERAL_NAME_value(sans, i);
      /* 11.3: the Node-IDs as RELOAD URIs, the user name as an rfc822Name. */
      const ASN1_IA5STRING *v = g->type == GEN_URI     ? g->d.uniformResourceIdentifier
                                : g->type == GEN_EMAIL ? g->d.rfc822Name
                                                       : NULL;
      if (!v) continue;
      l = strlen(subject);
      snprintf(subject + l, sizeof subject - l, " %.*s", ASN1_STRING_length(v),
               (const char *)ASN1_STRING_get0_data(v));
    }
    GENERAL_NAMES_free(sans);
  }
  EVP_Digest(der, n, md, NULL, EVP_sha256(), NULL);
  snprintf(out, sizeof out, "%s%s%s, %zu bytes, sha256 %02x%02x%02x%02x%02x%02x%02x%02x...",
           x ? "X.509 subject " : "not X.509 DER ", x && (!subject[0] || subject[0] == ' ') ? "(empty)" : "",
           subject, n, md[0], md[1], md[2], md[3], md[4], md[5],
           md[6], md[7]);
  X509_free(x);
  free(der);
  return json_string(out);
}

/* msg with every certificate of its security block shortened (a copy). */
static json_t *certs_shortened(const json_t *msg) {
  json_t *copy = json_deep_copy(msg);
  json_t *certs = json_object_get(json_object_get(copy, "security_block"), "certificates");
  size_t i;
  json_t *c;
  json_array_foreach(certs, i, c) {
    const char *hex = json_string_value(json_object_get(c, "certificate"));
    json_t *b = hex ? rl_conf_cert_brief(hex) : NULL;
    if (b) json_object_set_new(c, "certificate", b);
  }
  return copy;
}

char *rl_conf_tree_text(const json_t *msg0, int indent) {
  char *buf = NULL, *r;
  size_t n = 0;
  json_t *msg = json_is_object(msg0) ? certs_shortened(msg0) : json_incref((json_t *)msg0);
  FILE *f = open_memstream(&buf, &n);
  rl_tree t;
  if (!f) {
    json_decref(msg);
    return NULL;
  }
  t.out = f;
  t.decode = NULL;
  t.user = NULL;
  if (json_is_object(msg))
    rl_tree_print(&t, msg, 0);
  else {
    char *s = json_dumps(msg, JSON_ENCODE_ANY);
    fprintf(f, "%s\n", s ? s : "?");
    free(s);
  }
  json_decref(msg);
  if (fclose(f) != 0 || !buf) {
    free(buf);
    return NULL;
  }
  r = indent_lines(buf, indent);
  free(buf);
  return r;
}

char *rl_conf_hex_text(const uint8_t *p, size_t n, size_t max, int indent) {
  size_t shown = n < max ? n : max;
  size_t cap = shown * 3 + (shown / 32 + 2) * ((size_t)indent + 2) + 64;
  char *out = malloc(cap), *o = out;
  if (!out) return NULL;
  for (size_t i = 0; i < shown; i++) {
    if (i % 32 == 0) {
      if (i) *o++ = '\n';
      memset(o, ' ', (size_t)indent);
      o += indent;
    }
    o += sprintf(o, "%02x", p[i]);
    if (i % 32 != 31 && i + 1 < shown) *o++ = ' ';
  }
  if (shown < n) o += sprintf(o, "\n%*s... (%zu bytes in all)", indent, "", n);
  *o++ = '\n';
  *o = 0;
  return out;
}
