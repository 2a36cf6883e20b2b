/* security/cert.c: see cert.h. */
#define _POSIX_C_SOURCE 200809L

#include "security/cert.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "runtime/cursor.h"
#include "runtime/error.h"
#include "runtime/hex.h"

/* Certificates ride in GenericCertificate.certificate<0..2^16-1> (6.3.4);
 * a file larger than this is not one. */
#define RL_CERT_FILE_MAX (1u << 20)

char *rl_hex(const uint8_t *p, size_t n, char *buf) {
  static const char digits[] = "0123456789abcdef";
  for (size_t i = 0; i < n; i++) {
    buf[2 * i] = digits[p[i] >> 4];
    buf[2 * i + 1] = digits[p[i] & 15];
  }
  buf[2 * n] = '\0';
  return buf;
}

const EVP_MD *rl_hash_md(rl_HashAlgorithm alg) {
  switch (alg) {
  case RL_HashAlgorithm_sha1: return EVP_sha1();
  case RL_HashAlgorithm_sha224: return EVP_sha224();
  case RL_HashAlgorithm_sha256: return EVP_sha256();
  case RL_HashAlgorithm_sha384: return EVP_sha384();
  case RL_HashAlgorithm_sha512: return EVP_sha512();
  default: return NULL; /* none, md5 (unsafe), and the unknown */
  }
}

/* ---------------------------------------------------------------------
 * RELOAD URIs (14.15) holding a Node-ID (11.3)
 * --------------------------------------------------------------------- */

int rl_node_id_uri(const uint8_t *id, size_t len, const char *overlay, char *buf, size_t size) {
  char hex[2 * RL_NODE_ID_MAX + 1];
  int n;
  if (len < RL_NODE_ID_MIN || len > RL_NODE_ID_MAX || !overlay || !*overlay) return RL_ERR_PARAM;
  /* The destination is a Destination List of one Destination: type
   * node(1), length, the Node-ID (6.3.2.2). */
  n = snprintf(buf, size, "reload://01%02zx%s@%s/", len, rl_hex(id, len, hex), overlay);
  if (n < 0 || (size_t)n >= size) return RL_ERR_BUFFER;
  return 0;
}

/* reg-name (RFC 3986): unreserved / pct-encoded / sub-delims. */
static int reg_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         strchr("-._~%!$&'()*+,;=", c) != NULL;
}

int rl_node_id_uri_parse(const char *uri, uint8_t *id, size_t *len, char *overlay, size_t size,
                         char *why, size_t whylen) {
  uint8_t dest[2 + RL_NODE_ID_MAX + 1];
  size_t nhex = 0, ndest, nover = 0;
  const char *p, *at;
  rl_cursor cur;
  uint8_t type = 0, dlen = 0;
  if (strncasecmp(uri, "reload://", 9) != 0) {
    snprintf(why, whylen, "\"%.60s\" is not a reload:// URI", uri);
    return RL_SEC_ERR_IDENTITY;
  }
  p = uri + 9;
  at = strchr(p, '@');
  if (!at) {
    snprintf(why, whylen, "\"%.60s\" has no '@' before the overlay name", uri);
    return RL_SEC_ERR_IDENTITY;
  }
  for (const char *h = p; h < at; h++, nhex++)
    if (rl_hex_digit(*h) < 0) {
      snprintf(why, whylen, "\"%.60s\": the destination is not hexadecimal", uri);
      return RL_SEC_ERR_IDENTITY;
    }
  ndest = nhex / 2;
  if (nhex % 2 != 0 || ndest > sizeof dest || nhex == 0) {
    snprintf(why, whylen, "\"%.60s\": the destination has %zu hex digits, not a Destination List "
             "of one Node-ID", uri, nhex);
    return RL_SEC_ERR_IDENTITY;
  }
  for (size_t i = 0; i < ndest; i++) dest[i] = (uint8_t)(rl_hex_digit(p[2 * i]) << 4 | rl_hex_digit(p[2 * i + 1]));
  /* The Destination List of 11.3: exactly one Destination {node(1),
   * length, node_id}. A bare Node-ID, as some implementations write, has
   * no type and length and is refused here. */
  rl_cursor_init(&cur, dest, ndest);
  if (rl_get_u8(&cur, &type) != 0 || type != RL_DestinationType_node || rl_get_u8(&cur, &dlen) != 0 ||
      dlen < RL_NODE_ID_MIN || dlen > RL_NODE_ID_MAX || rl_cursor_left(&cur) != dlen) {
    snprintf(why, whylen, "\"%.60s\": the destination is not a Destination List holding one "
             "node_id (type 01, length 10..14 hex, then the Node-ID; RFC 6940 11.3)", uri);
    return RL_SEC_ERR_IDENTITY;
  }
  memcpy(id, cur.p, dlen);
  *len = dlen;
  for (p = at + 1; *p && *p != '/'; p++, nover++)
    if (!reg_name_char(*p)) {
      snprintf(why, whylen, "\"%.60s\": '%c' is not allowed in an overlay name", uri,
               *p > 0x20 && *p < 0x7f ? *p : '?');
      return RL_SEC_ERR_IDENTITY;
    }
  if (nover == 0 || *p != '/' || p[1] != '\0') {
    snprintf(why, whylen, "\"%.60s\": expected \"@overlay/\" at the end (a certificate's URI has "
             "no specifier)", uri);
    return RL_SEC_ERR_IDENTITY;
  }
  if (nover >= size) {
    snprintf(why, whylen, "overlay name of %zu bytes is too long", nover);
    return RL_SEC_ERR_IDENTITY;
  }
  memcpy(overlay, at + 1, nover);
  overlay[nover] = '\0';
  return 0;
}

/* ---------------------------------------------------------------------
 * Parsing certificates
 * --------------------------------------------------------------------- */

static void problem(rl_cert *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void problem(rl_cert *c, const char *fmt, ...) {
  va_list ap;
  if (c->identity_problem[0]) return; /* the first one says enough */
  va_start(ap, fmt);
  vsnprintf(c->identity_problem, sizeof c->identity_problem, fmt, ap);
  va_end(ap);
}

static const char *gen_name_type(int type) {
  switch (type) {
  case GEN_OTHERNAME: return "otherName";
  case GEN_DNS: return "dNSName";
  case GEN_X400: return "x400Address";
  case GEN_DIRNAME: return "directoryName";
  case GEN_EDIPARTY: return "ediPartyName";
  case GEN_IPADD: return "iPAddress";
  case GEN_RID: return "registeredID";
  default: return "unknown";
  }
}

static int add_uri(rl_cert *c, const ASN1_IA5STRING *s) {
  char uri[RL_NODE_ID_URI_MAX + 1], overlay[256], why[200];
  uint8_t id[RL_NODE_ID_MAX];
  size_t len = 0, n = (size_t)ASN1_STRING_length(s);
  const unsigned char *d = ASN1_STRING_get0_data(s);
  void *grown;
  if (n > RL_NODE_ID_URI_MAX || memchr(d, 0, n)) {
    problem(c, "a subjectAltName URI is too long or holds a NUL byte");
    return 0;
  }
  memcpy(uri, d, n);
  uri[n] = '\0';
  if (rl_node_id_uri_parse(uri, id, &len, overlay, sizeof overlay, why, sizeof why) != 0) {
    problem(c, "%s", why);
    return 0;
  }
  if (c->n_node_ids && len != c->node_id_len) {
    problem(c, "its Node-IDs have different lengths (%zu and %zu bytes)", c->node_id_len, len);
    return 0;
  }
  if (c->overlay && strcasecmp(c->overlay, overlay) != 0) {
    problem(c, "its Node-IDs name two overlays (%s and %s)", c->overlay, overlay);
    return 0;
  }
  if (rl_cert_has_node_id(c, id, len)) {
    problem(c, "Node-ID %s appears twice", rl_hex(id, len, why));
    return 0;
  }
  if (!c->overlay && !(c->overlay = strdup(overlay))) return RL_ERR_NOMEM;
  grown = realloc(c->node_ids, (c->n_node_ids + 1) * sizeof *c->node_ids);
  if (!grown) return RL_ERR_NOMEM;
  c->node_ids = grown;
  memcpy(c->node_ids[c->n_node_ids++], id, len);
  c->node_id_len = len;
  return 0;
}

static int add_email(rl_cert *c, const ASN1_IA5STRING *s) {
  size_t n = (size_t)ASN1_STRING_length(s);
  const unsigned char *d = ASN1_STRING_get0_data(s);
  if (c->user) {
    /* 11.3: "A single name (the "user name")" */
    problem(c, "it holds more than one rfc822Name (user name)");
    return 0;
  }
  if (n == 0 || memchr(d, 0, n)) {
    problem(c, "its rfc822Name is empty or holds a NUL byte");
    return 0;
  }
  c->user = strndup((const char *)d, n);
  return c->user ? 0 : RL_ERR_NOMEM;
}

static int extract_identities(rl_cert *c) {
  int crit = -1, r = 0;
  GENERAL_NAMES *names = X509_get_ext_d2i(c->x509, NID_subject_alt_name, &crit, NULL);
  if (!names) {
    problem(c, crit == -2 ? "it has two subjectAltName extensions"
               : crit == -1 ? "it has no subjectAltName (RFC 6940 11.3 puts the Node-IDs there)"
                            : "its subjectAltName cannot be decoded");
    ERR_clear_error();
  }
  for (int i = 0; names && r == 0 && i < sk_GENERAL_NAME_num(names); i++) {
    const GENERAL_NAME *g = sk_GENERAL_NAME_value(names, i);
    if (g->type == GEN_URI)
      r = add_uri(c, g->d.uniformResourceIdentifier);
    else if (g->type == GEN_EMAIL)
      r = add_email(c, g->d.rfc822Name);
    else
      /* 11.3: "MUST NOT contain any identities other than those listed" */
      problem(c, "its subjectAltName holds a %s; RFC 6940 11.3 allows only Node-ID URIs and "
              "one rfc822Name", gen_name_type(g->type));
  }
  GENERAL_NAMES_free(names);
  if (r != 0) return r;
  if (c->n_node_ids == 0) problem(c, "it carries no Node-ID");
  if (!c->user) problem(c, "it carries no user name (rfc822Name)");
  /* 11.3: "The subject distinguished name in the certificate MUST be empty." */
  if (X509_NAME_entry_count(X509_get_subject_name(c->x509)) != 0)
    problem(c, "its subject distinguished name is not empty (RFC 6940 11.3)");
  return 0;
}

/* H(prefix || c's DER); no prefix when prefix is NULL. */
static int hash_der(const rl_cert *c, const EVP_MD *md, const uint8_t *prefix, size_t prefix_len,
                    uint8_t *out, unsigned int *out_len) {
  EVP_MD_CTX *ctx = EVP_MD_CTX_new();
  int ok = ctx && EVP_DigestInit_ex(ctx, md, NULL) == 1 &&
           (!prefix || EVP_DigestUpdate(ctx, prefix, prefix_len) == 1) &&
           EVP_DigestUpdate(ctx, c->der, c->der_len) == 1 && EVP_DigestFinal_ex(ctx, out, out_len) == 1;
  EVP_MD_CTX_free(ctx);
  return ok ? 0 : RL_SEC_ERR_CRYPTO;
}

static int cache_hashes(rl_cert *c) {
  unsigned int n;
  if (hash_der(c, EVP_sha256(), NULL, 0, c->der_sha256, &n) != 0) return -1;
  if (c->n_node_ids == 0) return 0;
  c->node_id_sha256 = calloc(c->n_node_ids, sizeof *c->node_id_sha256);
  if (!c->node_id_sha256) return -1;
  for (size_t k = 0; k < c->n_node_ids; k++)
    if (hash_der(c, EVP_sha256(), c->node_ids[k], c->node_id_len, c->node_id_sha256[k], &n) != 0)
      return -1;
  return 0;
}

int rl_cert_from_x509(X509 *x, rl_cert **out, rl_sec_error *e) {
  rl_cert *c = NULL;
  unsigned char *der = NULL;
  int len, r = 0;
  *out = NULL;
  if (!x) return rl_sec_fail(e, RL_SEC_ERR_CERT_PARSE, "no certificate");
  c = calloc(1, sizeof *c);
  if (!c) {
    r = rl_sec_fail(e, RL_ERR_NOMEM, "out of memory");
    goto done;
  }
  c->refs = 1;
  c->x509 = x;
  x = NULL;
  len = i2d_X509(c->x509, &der);
  if (len <= 0) {
    r = rl_sec_fail(e, RL_SEC_ERR_CERT_PARSE, "certificate cannot be encoded in DER");
    goto done;
  }
  c->der = malloc((size_t)len);
  if (!c->der) {
    r = rl_sec_fail(e, RL_ERR_NOMEM, "out of memory");
    goto done;
  }
  memcpy(c->der, der, (size_t)len);
  c->der_len = (size_t)len;
  c->self_signed = X509_self_signed(c->x509, 1) == 1;
  ERR_clear_error();
  if (extract_identities(c) != 0 || cache_hashes(c) != 0)
    r = rl_sec_fail(e, RL_ERR_NOMEM, "out of memory");
done:
  OPENSSL_free(der);
  X509_free(x);
  if (r != 0) {
    rl_cert_free(c);
    c = NULL;
  }
  *out = c;
  return r;
}

int rl_cert_from_der(const uint8_t *der, size_t len, rl_cert **out, rl_sec_error *e) {
  const unsigned char *p = der;
  X509 *x;
  *out = NULL;
  if (len == 0 || len > RL_CERT_FILE_MAX)
    return rl_sec_fail(e, RL_SEC_ERR_CERT_PARSE, "certificate of %zu bytes", len);
  x = d2i_X509(NULL, &p, (long)len);
  if (!x) return rl_sec_fail(e, RL_SEC_ERR_CERT_PARSE, "not a DER X.509 certificate");
  if (p != der + len) {
    X509_free(x);
    return rl_sec_fail(e, RL_SEC_ERR_CERT_PARSE, "%zu bytes after the certificate's DER",
                       (size_t)(der + len - p));
  }
  return rl_cert_from_x509(x, out, e);
}

int rl_cert_load_file(const char *path, rl_cert **out, rl_sec_error *e) {
  FILE *f = fopen(path, "rb");
  uint8_t *buf = NULL;
  size_t n = 0;
  X509 *x = NULL;
  int r = 0;
  *out = NULL;
  if (!f) return rl_sec_fail(e, RL_ERR_IO, "%s: %s", path, strerror(errno));
  buf = malloc(RL_CERT_FILE_MAX + 1);
  if (!buf) {
    r = rl_sec_fail(e, RL_ERR_NOMEM, "out of memory");
    goto done;
  }
  n = fread(buf, 1, RL_CERT_FILE_MAX + 1, f);
  if (ferror(f) || n > RL_CERT_FILE_MAX) {
    r = rl_sec_fail(e, ferror(f) ? RL_ERR_IO : RL_SEC_ERR_CERT_PARSE, "%s: %s", path,
                    ferror(f) ? "read error" : "too large for a certificate");
    goto done;
  }
  buf[n] = '\0';
  if (strstr((const char *)buf, "-----BEGIN CERTIFICATE-----")) {
    BIO *bio = BIO_new_mem_buf(buf, (int)n);
    x = bio ? PEM_read_bio_X509(bio, NULL, NULL, NULL) : NULL;
    BIO_free(bio);
    if (!x) {
      r = rl_sec_fail(e, RL_SEC_ERR_CERT_PARSE, "%s: bad PEM certificate", path);
      goto done;
    }
    r = rl_cert_from_x509(x, out, e);
  } else {
    r = rl_cert_from_der(buf, n, out, e);
    if (r != 0) rl_sec_prefix(e, "%s", path);
  }
done:
  fclose(f);
  free(buf);
  return r;
}

rl_cert *rl_cert_ref(rl_cert *c) {
  if (c) c->refs++;
  return c;
}

void rl_cert_free(rl_cert *c) {
  if (!c || --c->refs > 0) return;
  X509_free(c->x509);
  free(c->der);
  free(c->user);
  free(c->node_ids);
  free(c->node_id_sha256);
  free(c->overlay);
  free(c);
}

EVP_PKEY *rl_cert_public_key(const rl_cert *c) { return X509_get0_pubkey(c->x509); }

int rl_cert_check_identities(const rl_cert *c, rl_sec_error *e) {
  if (c->identity_problem[0])
    return rl_sec_fail(e, RL_SEC_ERR_IDENTITY, "not a RELOAD node certificate: %s",
                       c->identity_problem);
  return 0;
}

int rl_cert_has_node_id(const rl_cert *c, const uint8_t *id, size_t len) {
  if (len != c->node_id_len) return 0;
  for (size_t i = 0; i < c->n_node_ids; i++)
    if (memcmp(c->node_ids[i], id, len) == 0) return 1;
  return 0;
}

int rl_cert_check_node_id(const rl_cert *c, const uint8_t *id, size_t len, rl_sec_error *e) {
  char want[2 * RL_NODE_ID_MAX + 1], have[3 * (2 * RL_NODE_ID_MAX + 2)];
  size_t k = 0;
  if (len > RL_NODE_ID_MAX) return rl_sec_fail(e, RL_SEC_ERR_NODE_ID, "Node-ID of %zu bytes", len);
  if (rl_cert_has_node_id(c, id, len)) return 0;
  have[0] = '\0';
  for (size_t i = 0; i < c->n_node_ids && i < 3; i++) {
    char h[2 * RL_NODE_ID_MAX + 1];
    k += (size_t)snprintf(have + k, sizeof have - k, "%s%s", i ? ", " : "",
                          rl_hex(c->node_ids[i], c->node_id_len, h));
  }
  return rl_sec_fail(e, RL_SEC_ERR_NODE_ID, "the certificate of %s does not carry Node-ID %s "
                     "(it carries %s%s)", c->user ? c->user : "(no user)", rl_hex(id, len, want),
                     c->n_node_ids ? have : "none", c->n_node_ids > 3 ? ", ..." : "");
}

int rl_cert_hash(const rl_cert *c, rl_HashAlgorithm alg, const uint8_t *node_id, size_t node_id_len,
                 uint8_t *out, size_t *out_len) {
  const EVP_MD *md = rl_hash_md(alg);
  unsigned int n = 0;
  if (!md) return RL_SEC_ERR_ALGORITHM;
  if (alg == RL_HashAlgorithm_sha256) {
    if (!node_id) {
      memcpy(out, c->der_sha256, 32);
      *out_len = 32;
      return 0;
    }
    for (size_t k = 0; c->node_id_sha256 && k < c->n_node_ids; k++)
      if (node_id_len == c->node_id_len && memcmp(node_id, c->node_ids[k], node_id_len) == 0) {
        memcpy(out, c->node_id_sha256[k], 32);
        *out_len = 32;
        return 0;
      }
  }
  if (hash_der(c, md, node_id, node_id_len, out, &n) != 0) return RL_SEC_ERR_CRYPTO;
  *out_len = n;
  return 0;
}

int rl_self_signed_node_id(EVP_PKEY *key, rl_HashAlgorithm digest, uint32_t index, size_t len,
                           uint8_t *out) {
  const EVP_MD *md = NULL;
  unsigned char *spki = NULL;
  uint8_t md_out[EVP_MAX_MD_SIZE], be[4];
  unsigned int n = 0;
  EVP_MD_CTX *ctx = NULL;
  int spki_len, r = 0;
  /* 11.1: self-signed-permitted digest "sha1" or "sha256". */
  if (digest == RL_HashAlgorithm_sha1) md = EVP_sha1();
  if (digest == RL_HashAlgorithm_sha256) md = EVP_sha256();
  if (!md) return RL_SEC_ERR_ALGORITHM;
  if (len < RL_NODE_ID_MIN || len > (size_t)EVP_MD_get_size(md)) return RL_ERR_PARAM;
  spki_len = i2d_PUBKEY(key, &spki);
  if (spki_len <= 0) return RL_SEC_ERR_KEY;
  be[0] = (uint8_t)(index >> 24);
  be[1] = (uint8_t)(index >> 16);
  be[2] = (uint8_t)(index >> 8);
  be[3] = (uint8_t)index;
  ctx = EVP_MD_CTX_new();
  if (!ctx || EVP_DigestInit_ex(ctx, md, NULL) != 1 ||
      (index > 0 && EVP_DigestUpdate(ctx, be, 4) != 1) ||
      EVP_DigestUpdate(ctx, spki, (size_t)spki_len) != 1 ||
      EVP_DigestFinal_ex(ctx, md_out, &n) != 1)
    r = RL_SEC_ERR_CRYPTO;
  if (r == 0) memcpy(out, md_out, len); /* "taking the high-order bits" */
  EVP_MD_CTX_free(ctx);
  OPENSSL_free(spki);
  return r;
}

/* ---------------------------------------------------------------------
 * The shared pool (rl_cert_pool_enable)
 * --------------------------------------------------------------------- */

/* Open addressing on the DER's SHA-256; the pool holds a reference to
 * each certificate until rl_cert_pool_enable(0). One thread. */
static struct {
  int on;
  rl_cert **v;
  size_t cap, n;
} g_pool;

static size_t pool_home(const uint8_t h[32], size_t cap) {
  uint64_t x;
  memcpy(&x, h, sizeof x);
  return (size_t)(x & (cap - 1));
}

static int pool_grow(void) {
  size_t ncap = g_pool.cap ? g_pool.cap * 2 : 1024;
  rl_cert **nv = calloc(ncap, sizeof *nv);
  if (!nv) return RL_ERR_NOMEM;
  for (size_t i = 0; i < g_pool.cap; i++) {
    size_t j;
    if (!g_pool.v[i]) continue;
    for (j = pool_home(g_pool.v[i]->der_sha256, ncap); nv[j]; j = (j + 1) & (ncap - 1)) {
    }
    nv[j] = g_pool.v[i];
  }
  free(g_pool.v);
  g_pool.v = nv;
  g_pool.cap = ncap;
  return 0;
}

void rl_cert_pool_enable(int on) {
  if (!on) {
    for (size_t i = 0; i < g_pool.cap; i++) rl_cert_free(g_pool.v[i]);
    free(g_pool.v);
    memset(&g_pool, 0, sizeof g_pool);
    return;
  }
  g_pool.on = 1;
}

int rl_cert_pool_get(const uint8_t *der, size_t len, rl_cert **out, rl_sec_error *e) {
  uint8_t h[32];
  unsigned hl = 0;
  size_t j;
  int r;
  if (!g_pool.on) return rl_cert_from_der(der, len, out, e);
  if (!EVP_Digest(der, len, h, &hl, EVP_sha256(), NULL) || hl != 32)
    return rl_sec_fail(e, RL_SEC_ERR_CRYPTO, "cannot hash a certificate");
  if (g_pool.cap)
    for (j = pool_home(h, g_pool.cap); g_pool.v[j]; j = (j + 1) & (g_pool.cap - 1))
      if (memcmp(g_pool.v[j]->der_sha256, h, 32) == 0 && g_pool.v[j]->der_len == len &&
          memcmp(g_pool.v[j]->der, der, len) == 0) {
        *out = rl_cert_ref(g_pool.v[j]);
        return 0;
      }
  r = rl_cert_from_der(der, len, out, e);
  if (r != 0) return r;
  if ((g_pool.n + 1) * 2 > g_pool.cap && pool_grow() != 0) return 0; /* unshared, still valid */
  for (j = pool_home(h, g_pool.cap); g_pool.v[j]; j = (j + 1) & (g_pool.cap - 1)) {
  }
  g_pool.v[j] = rl_cert_ref(*out);
  g_pool.n++;
  return 0;
}
