/* tlsdec.c: see tlsdec.h. */
#include "tlsdec.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/cursor.h"

#define CT_CCS 20
#define CT_ALERT 21
#define CT_HANDSHAKE 22
#define CT_APP 23
#define HS_CLIENT_HELLO 1
#define HS_SERVER_HELLO 2
#define EXT_SUPPORTED_VERSIONS 43
#define TAG_LEN 16
#define HELLO_BUF_MAX 65536

/* ------------------------------------------------------------------ */
/* The key log. */

static int hexval(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/* n hex digits of s into out[n/2]; 0 or -1. */
static int unhex(const char *s, size_t n, uint8_t *out) {
  if (n % 2) return -1;
  for (size_t i = 0; i + 1 < n; i += 2) {
    int a = hexval(s[i]), b = hexval(s[i + 1]);
    if (a < 0 || b < 0) return -1;
    out[i / 2] = (uint8_t)(a << 4 | b);
  }
  return 0;
}

/* One line (no newline) into e; NULL or the reason. */
static const char *keylog_line(const char *s, size_t n, rl_keylog_entry *e) {
  size_t a = 0, b, c;
  while (a < n && s[a] != ' ') a++;
  if (a == 0 || a >= sizeof e->label) return "expected a label (CLIENT_RANDOM, ...)";
  memcpy(e->label, s, a);
  e->label[a] = 0;
  b = a + 1;
  c = b;
  while (c < n && s[c] != ' ') c++;
  if (c - b != 64 || unhex(s + b, 64, e->client_random) != 0)
    return "the client random is not 64 hex digits";
  c++;
  while (n > c && (s[n - 1] == '\r' || s[n - 1] == ' ')) n--;
  if (c >= n || (n - c) % 2 || (n - c) / 2 > RL_KEYLOG_SECRET_MAX ||
      unhex(s + c, n - c, e->secret) != 0)
    return "the secret is not 2 to 128 hex digits";
  e->secret_len = (n - c) / 2;
  return NULL;
}

int rl_keylog_parse(const char *text, size_t len, rl_keylog *kl, char *err, size_t errlen) {
  size_t off = 0, line = 0, cap = 0;
  memset(kl, 0, sizeof *kl);
  while (off < len) {
    const char *s = text + off, *nl = memchr(s, '\n', len - off);
    size_t n = nl ? (size_t)(nl - s) : len - off;
    const char *why;
    off += n + (nl ? 1 : 0);
    line++;
    if (n == 0 || s[0] == '#' || (n == 1 && s[0] == '\r')) continue;
    if (kl->n == cap) {
      size_t ncap = cap ? 2 * cap : 16;
      rl_keylog_entry *ne = realloc(kl->e, ncap * sizeof *ne);
      if (!ne) {
        snprintf(err, errlen, "out of memory at line %zu", line);
        rl_keylog_free(kl);
        return -1;
      }
      kl->e = ne;
      cap = ncap;
    }
    if ((why = keylog_line(s, n, &kl->e[kl->n])) != NULL) {
      snprintf(err, errlen, "line %zu: %s", line, why);
      rl_keylog_free(kl);
      return -1;
    }
    kl->n++;
  }
  return 0;
}

void rl_keylog_free(rl_keylog *kl) {
  free(kl->e);
  memset(kl, 0, sizeof *kl);
}

static const rl_keylog_entry *keylog_find(const rl_keylog *kl, const uint8_t cr[32],
                                          const char *label) {
  /* The last line wins (a reused random would be a broken peer). */
  for (size_t i = kl ? kl->n : 0; i-- > 0;)
    if (memcmp(kl->e[i].client_random, cr, 32) == 0 && strcmp(kl->e[i].label, label) == 0)
      return &kl->e[i];
  return NULL;
}

void rl_tlsbuf_free(rl_tlsbuf *b) {
  free(b->p);
  memset(b, 0, sizeof *b);
}

static int buf_add(rl_tlsbuf *b, const uint8_t *p, size_t n) {
  if (b->len + n > b->cap) {
    size_t ncap = b->cap ? b->cap : 4096;
    uint8_t *np;
    while (ncap < b->len + n) ncap *= 2;
    if (!(np = realloc(b->p, ncap))) return -1;
    b->p = np;
    b->cap = ncap;
  }
  if (n) memcpy(b->p + b->len, p, n);
  b->len += n;
  return 0;
}

/* ------------------------------------------------------------------ */
/* Cipher suites: the AEAD ones TLS 1.2, DTLS 1.2 and TLS 1.3 offer. */

typedef struct suite {
  uint16_t id;
  const char *name;
  int tls13;
  const char *cipher; /* OpenSSL's name */
  size_t keylen;
  size_t fixed_iv;    /* TLS 1.2 GCM: the 4-byte salt (RFC 5288 3) */
  const char *md;     /* the PRF's or HKDF's hash */
} suite;

static const suite suites[] = {
    {0x1301, "TLS_AES_128_GCM_SHA256", 1, "AES-128-GCM", 16, 12, "SHA256"},
    {0x1302, "TLS_AES_256_GCM_SHA384", 1, "AES-256-GCM", 32, 12, "SHA384"},
    {0x1303, "TLS_CHACHA20_POLY1305_SHA256", 1, "ChaCha20-Poly1305", 32, 12, "SHA256"},
    {0xc02b, "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", 0, "AES-128-GCM", 16, 4, "SHA256"},
    {0xc02c, "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", 0, "AES-256-GCM", 32, 4, "SHA384"},
    {0xc02f, "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", 0, "AES-128-GCM", 16, 4, "SHA256"},
    {0xc030, "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", 0, "AES-256-GCM", 32, 4, "SHA384"},
    {0x009e, "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256", 0, "AES-128-GCM", 16, 4, "SHA256"},
    {0x009f, "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384", 0, "AES-256-GCM", 32, 4, "SHA384"},
    {0xcca8, "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256", 0, "ChaCha20-Poly1305", 32, 12,
     "SHA256"},
    {0xcca9, "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", 0, "ChaCha20-Poly1305", 32, 12,
     "SHA256"},
    {0xccaa, "TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256", 0, "ChaCha20-Poly1305", 32, 12,
     "SHA256"},
};

static const suite *suite_find(uint16_t id) {
  for (size_t i = 0; i < sizeof suites / sizeof suites[0]; i++)
    if (suites[i].id == id) return &suites[i];
  return NULL;
}

const char *rl_tlsdec_suite_name(uint16_t id) {
  const suite *s = suite_find(id);
  return s ? s->name : NULL;
}

/* ------------------------------------------------------------------ */
/* Key derivation (OpenSSL's KDFs). */

static int kdf(const char *name, OSSL_PARAM *params, uint8_t *out, size_t n) {
  EVP_KDF *k = EVP_KDF_fetch(NULL, name, NULL);
  EVP_KDF_CTX *c = k ? EVP_KDF_CTX_new(k) : NULL;
  int r = c && EVP_KDF_derive(c, out, n, params) == 1 ? 0 : -1;
  EVP_KDF_CTX_free(c);
  EVP_KDF_free(k);
  return r;
}

/* RFC 8446 7.1: HKDF-Expand-Label(Secret, Label, "", Length). */
static int expand_label(const char *md, const uint8_t *secret, size_t slen, const char *label,
                        uint8_t *out, size_t n) {
  uint8_t info[64];
  size_t ll = strlen(label), il = 0;
  int mode = EVP_KDF_HKDF_MODE_EXPAND_ONLY;
  OSSL_PARAM p[5];
  info[il++] = (uint8_t)(n >> 8);
  info[il++] = (uint8_t)n;
  info[il++] = (uint8_t)(6 + ll);
  memcpy(info + il, "tls13 ", 6);
  il += 6;
  memcpy(info + il, label, ll);
  il += ll;
  info[il++] = 0; /* empty context */
  p[0] = OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &mode);
  p[1] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)md, 0);
  p[2] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)secret, slen);
  p[3] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, info, il);
  p[4] = OSSL_PARAM_construct_end();
  return kdf("HKDF", p, out, n);
}

/* RFC 8446 7.3: a traffic secret's key and iv. */
static int keys13(rl_tlsdec *t, const suite *s, const char *label, rl_tls_keys *k) {
  const rl_keylog_entry *e = keylog_find(t->kl, t->cr, label);
  if (!e) {
    if (!t->why[0]) snprintf(t->why, sizeof t->why, "no %s for this client random", label);
    return -1;
  }
  if (expand_label(s->md, e->secret, e->secret_len, "key", k->key, s->keylen) != 0 ||
      expand_label(s->md, e->secret, e->secret_len, "iv", k->iv, 12) != 0) {
    snprintf(t->why, sizeof t->why, "HKDF-Expand-Label of %s failed", label);
    return -1;
  }
  k->ok = 1;
  return 0;
}

/* RFC 5246 6.3: key_block = PRF(master_secret, "key expansion",
 * server_random + client_random); AEAD suites have no MAC keys. */
static int keys12(rl_tlsdec *t, const suite *s) {
  const rl_keylog_entry *e = keylog_find(t->kl, t->cr, "CLIENT_RANDOM");
  uint8_t seed[13 + 64], block[2 * 32 + 2 * 12];
  size_t kl = s->keylen, il = s->fixed_iv;
  OSSL_PARAM p[4];
  rl_tls_dir *cli = &t->d[t->client_dir], *srv = &t->d[1 - t->client_dir];
  if (!e || e->secret_len != 48) {
    snprintf(t->why, sizeof t->why, "no CLIENT_RANDOM (master secret) for this client random");
    return -1;
  }
  memcpy(seed, "key expansion", 13);
  memcpy(seed + 13, t->sr, 32);
  memcpy(seed + 45, t->cr, 32);
  p[0] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)s->md, 0);
  p[1] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SECRET, (void *)e->secret, 48);
  p[2] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SEED, seed, sizeof seed);
  p[3] = OSSL_PARAM_construct_end();
  if (kdf("TLS1-PRF", p, block, 2 * kl + 2 * il) != 0) {
    snprintf(t->why, sizeof t->why, "the TLS 1.2 PRF failed");
    return -1;
  }
  memcpy(cli->k[0].key, block, kl);
  memcpy(srv->k[0].key, block + kl, kl);
  memcpy(cli->k[0].iv, block + 2 * kl, il);
  memcpy(srv->k[0].iv, block + 2 * kl + il, il);
  cli->k[0].ok = srv->k[0].ok = 1;
  return 0;
}

/* Derive the keys once both hellos are known. */
static void derive(rl_tlsdec *t) {
  const suite *s;
  if (t->keyed) return;
  t->keyed = -1;
  if (!t->have_cr || t->client_dir < 0) {
    snprintf(t->why, sizeof t->why, "no ClientHello seen (the capture starts too late?)");
    return;
  }
  if (!t->have_sr || !t->suite) {
    snprintf(t->why, sizeof t->why, "no ServerHello seen");
    return;
  }
  if (!(s = suite_find(t->suite))) {
    snprintf(t->why, sizeof t->why, "cipher suite 0x%04x not supported (AEAD suites only)",
             t->suite);
    return;
  }
  if (s->tls13 != (t->version == 0x0304)) {
    snprintf(t->why, sizeof t->why, "cipher suite 0x%04x with version 0x%04x", t->suite,
             t->version);
    return;
  }
  if (s->tls13) {
    rl_tls_dir *c = &t->d[t->client_dir], *v = &t->d[1 - t->client_dir];
    /* The handshake keys are optional (only the handshake's tail is
     * encrypted with them); the application keys are not. */
    keys13(t, s, "CLIENT_HANDSHAKE_TRAFFIC_SECRET", &c->k[0]);
    keys13(t, s, "SERVER_HANDSHAKE_TRAFFIC_SECRET", &v->k[0]);
    t->why[0] = 0;
    if (keys13(t, s, "CLIENT_TRAFFIC_SECRET_0", &c->k[1]) != 0 ||
        keys13(t, s, "SERVER_TRAFFIC_SECRET_0", &v->k[1]) != 0)
      return;
  } else if (keys12(t, s) != 0) {
    return;
  }
  t->keyed = 1;
}

/* ------------------------------------------------------------------ */
/* Hellos. */

void rl_tlsdec_init(rl_tlsdec *t, const rl_keylog *kl, int dtls) {
  memset(t, 0, sizeof *t);
  t->kl = kl;
  t->dtls = dtls;
  t->client_dir = -1;
}

/* supported_versions in a ServerHello's extensions (RFC 8446 4.2.1). */
static void server_exts(rl_tlsdec *t, rl_cursor *c) {
  rl_cursor exts;
  uint16_t elen, type, len, v;
  if (rl_get_u16(c, &elen) || rl_get_child(c, elen, &exts)) return;
  while (!rl_cursor_empty(&exts)) {
    rl_cursor one;
    if (rl_get_u16(&exts, &type) || rl_get_u16(&exts, &len) ||
        rl_get_child(&exts, len, &one))
      return;
    if (type == EXT_SUPPORTED_VERSIONS && rl_get_u16(&one, &v) == 0) t->version = v;
  }
}

/* A ClientHello or ServerHello body. */
static void hello(rl_tlsdec *t, int dir, uint8_t type, rl_cursor *c) {
  uint16_t version, cs;
  const uint8_t *random, *skip;
  uint8_t sidlen, cookielen, comp;
  if (rl_get_u16(c, &version) || rl_get_bytes(c, 32, &random) || rl_get_u8(c, &sidlen) ||
      rl_get_bytes(c, sidlen, &skip))
    return;
  if (type == HS_CLIENT_HELLO) {
    if (t->dtls && (rl_get_u8(c, &cookielen) || rl_get_bytes(c, cookielen, &skip))) return;
    if (t->have_cr && memcmp(t->cr, random, 32) != 0) {
      /* A new session on the same addresses: start over. */
      const rl_keylog *kl = t->kl;
      int dtls = t->dtls;
      rl_tlsdec_init(t, kl, dtls);
    }
    memcpy(t->cr, random, 32);
    t->have_cr = 1;
    t->client_dir = dir;
    return;
  }
  if (rl_get_u16(c, &cs) || rl_get_u8(c, &comp)) return;
  memcpy(t->sr, random, 32);
  t->have_sr = 1;
  t->suite = cs;
  t->version = version;
  server_exts(t, c); /* TLS 1.3 says 0x0303 here and 0x0304 in the extension */
  t->keyed = 0;
}

/* Handshake messages in p[0..n): TLS (type, length) or DTLS (12-byte
 * header); only whole, unfragmented hellos are read. */
static void handshake_msgs(rl_tlsdec *t, int dir, const uint8_t *p, size_t n) {
  rl_cursor c, body;
  rl_cursor_init(&c, p, n);
  while (!rl_cursor_empty(&c)) {
    uint8_t type;
    uint32_t len, foff = 0, flen;
    uint16_t mseq;
    if (rl_get_u8(&c, &type) || rl_get_u24(&c, &len)) return;
    if (t->dtls) {
      if (rl_get_u16(&c, &mseq) || rl_get_u24(&c, &foff) || rl_get_u24(&c, &flen) ||
          rl_get_child(&c, flen, &body))
        return;
      if (foff != 0 || flen != len) continue;
    } else if (rl_get_child(&c, len, &body)) {
      return;
    }
    if (type == HS_CLIENT_HELLO || type == HS_SERVER_HELLO) hello(t, dir, type, &body);
  }
}

/* One record's header; 0 or -1. DTLS: epoch and sequence number too. */
static int record(rl_cursor *c, int dtls, uint8_t *type, uint16_t *version, uint64_t *seq,
                  const uint8_t **hdr, rl_cursor *frag) {
  uint16_t len, epoch = 0;
  const uint8_t *s48 = NULL;
  *hdr = c->p;
  if (rl_get_u8(c, type) || rl_get_u16(c, version)) return -1;
  if (dtls && (rl_get_u16(c, &epoch) || rl_get_bytes(c, 6, &s48))) return -1;
  if (rl_get_u16(c, &len) || rl_get_child(c, len, frag)) return -1;
  *seq = 0;
  if (dtls) {
    *seq = (uint64_t)epoch << 48;
    for (int i = 0; i < 6; i++) *seq |= (uint64_t)s48[i] << (40 - 8 * i);
  }
  return 0;
}

void rl_tlsdec_hello(rl_tlsdec *t, int dir, const uint8_t *p, size_t n) {
  rl_cursor c, frag;
  rl_tlsbuf hs = {NULL, 0, 0};
  uint8_t type;
  uint16_t version;
  uint64_t seq;
  const uint8_t *hdr;
  rl_cursor_init(&c, p, n);
  while (record(&c, t->dtls, &type, &version, &seq, &hdr, &frag) == 0) {
    if (type == CT_APP || type == CT_CCS) break; /* encrypted from here on */
    if (type != CT_HANDSHAKE || (t->dtls && (seq >> 48) != 0)) continue;
    if (t->dtls) {
      handshake_msgs(t, dir, frag.p, rl_cursor_left(&frag));
    } else if (hs.len + rl_cursor_left(&frag) > HELLO_BUF_MAX ||
               buf_add(&hs, frag.p, rl_cursor_left(&frag)) != 0) {
      break;
    }
  }
  /* TLS handshake messages may span records: read them together. */
  if (hs.len) handshake_msgs(t, dir, hs.p, hs.len);
  rl_tlsbuf_free(&hs);
}

/* ------------------------------------------------------------------ */
/* Records. */

/* AEAD open: 0 and the plaintext in out[0..clen-16), or -1. */
static int aead_open(const suite *s, const rl_tls_keys *k, const uint8_t nonce[12],
                     const uint8_t *aad, size_t aadlen, const uint8_t *ct, size_t clen,
                     uint8_t *out) {
  EVP_CIPHER *ci;
  EVP_CIPHER_CTX *x;
  int n1 = 0, n2 = 0, r = -1;
  if (clen < TAG_LEN || clen - TAG_LEN > 0x7fffffff) return -1;
  ci = EVP_CIPHER_fetch(NULL, s->cipher, NULL);
  x = EVP_CIPHER_CTX_new();
  if (ci && x && EVP_DecryptInit_ex(x, ci, NULL, NULL, NULL) == 1 &&
      EVP_CIPHER_CTX_ctrl(x, EVP_CTRL_AEAD_SET_IVLEN, 12, NULL) == 1 &&
      EVP_DecryptInit_ex(x, NULL, NULL, k->key, nonce) == 1 &&
      EVP_DecryptUpdate(x, NULL, &n1, aad, (int)aadlen) == 1 &&
      EVP_DecryptUpdate(x, out, &n1, ct, (int)(clen - TAG_LEN)) == 1 &&
      EVP_CIPHER_CTX_ctrl(x, EVP_CTRL_AEAD_SET_TAG, TAG_LEN, (void *)(ct + clen - TAG_LEN)) ==
          1 &&
      EVP_DecryptFinal_ex(x, out + n1, &n2) == 1)
    r = 0;
  EVP_CIPHER_CTX_free(x);
  EVP_CIPHER_free(ci);
  return r;
}

/* The per-record nonce: iv XOR the 64-bit sequence number, left-padded
 * (RFC 8446 5.3; RFC 7905 2 for ChaCha20 in (D)TLS 1.2). */
static void xor_nonce(const uint8_t iv[12], uint64_t seq, uint8_t nonce[12]) {
  memcpy(nonce, iv, 12);
  for (int i = 0; i < 8; i++) nonce[4 + i] ^= (uint8_t)(seq >> (56 - 8 * i));
}

/* TLS 1.3 record (RFC 8446 5.2): AAD is the header; the plaintext ends
 * with the real content type, then zero padding. -1 if it does not open. */
static int open13(const suite *s, const rl_tls_keys *k, uint64_t seq, const uint8_t *hdr,
                  const uint8_t *ct, size_t clen, uint8_t *out, size_t *plen, uint8_t *type) {
  uint8_t nonce[12];
  size_t n;
  if (!k->ok) return -1;
  xor_nonce(k->iv, seq, nonce);
  if (aead_open(s, k, nonce, hdr, 5, ct, clen, out) != 0) return -1;
  n = clen - TAG_LEN;
  while (n > 0 && out[n - 1] == 0) n--;
  if (n == 0) return -1; /* no content type: a peer's bug, not ours to read */
  *type = out[n - 1];
  *plen = n - 1;
  return 0;
}

/* TLS/DTLS 1.2 record: AAD = seq_num + type + version + length (RFC 5246
 * 6.2.3.3; DTLS: epoch + sequence as seq_num, RFC 6347 4.1.2.1); GCM's
 * nonce is the 4-byte salt + the 8-byte explicit nonce (RFC 5288 3). */
static int open12(const suite *s, const rl_tls_keys *k, uint64_t seq, uint8_t type,
                  uint16_t version, const uint8_t *ct, size_t clen, uint8_t *out,
                  size_t *plen) {
  uint8_t nonce[12], aad[13];
  size_t n;
  if (!k->ok) return -1;
  if (s->fixed_iv == 4) {
    if (clen < 8) return -1;
    memcpy(nonce, k->iv, 4);
    memcpy(nonce + 4, ct, 8);
    ct += 8;
    clen -= 8;
  } else {
    xor_nonce(k->iv, seq, nonce);
  }
  if (clen < TAG_LEN) return -1;
  n = clen - TAG_LEN;
  for (int i = 0; i < 8; i++) aad[i] = (uint8_t)(seq >> (56 - 8 * i));
  aad[8] = type;
  aad[9] = (uint8_t)(version >> 8);
  aad[10] = (uint8_t)version;
  aad[11] = (uint8_t)(n >> 8);
  aad[12] = (uint8_t)n;
  if (aead_open(s, k, nonce, aad, 13, ct, clen, out) != 0) return -1;
  *plen = n;
  return 0;
}

/* One encrypted record of direction dir; 1 decrypted, 0 not, -1 memory. */
static int one_record(rl_tlsdec *t, rl_tls_dir *d, uint8_t type, uint16_t version,
                      uint64_t rseq, const uint8_t *hdr, rl_cursor *frag, rl_tlsbuf *out) {
  const suite *s = suite_find(t->suite);
  size_t clen = rl_cursor_left(frag), plen = 0;
  uint8_t *pt = malloc(clen ? clen : 1), itype = type;
  int ok = -1;
  if (!pt) return -1;
  if (t->version == 0x0304) {
    uint64_t seq = d->seq;
    ok = open13(s, &d->k[d->cur], seq, hdr, frag->p, clen, pt, &plen, &itype);
    /* The handshake keys end at the Finished: the next key starts over
     * at sequence number 0. */
    if (ok != 0 && d->cur == 0 &&
        open13(s, &d->k[1], 0, hdr, frag->p, clen, pt, &plen, &itype) == 0) {
      d->cur = 1;
      d->seq = 0;
      ok = 0;
    }
  } else {
    ok = open12(s, &d->k[0], t->dtls ? rseq : d->seq, type, version, frag->p, clen, pt,
                &plen);
  }
  d->seq++;
  if (ok != 0) {
    d->failed++;
    if (!t->why[0])
      snprintf(t->why, sizeof t->why, "record %zu did not decrypt (%s)", d->records,
               t->dtls ? "a retransmission, or damaged" : "bad keys, or a gap in the stream");
    free(pt);
    return 0;
  }
  d->decrypted++;
  if (itype == CT_APP) {
    d->app_records++;
    if (buf_add(out, pt, plen) != 0) ok = -1;
  }
  free(pt);
  return ok == 0 ? 1 : -1;
}

int rl_tlsdec_decrypt(rl_tlsdec *t, int dir, const uint8_t *p, size_t n, rl_tlsbuf *out) {
  rl_cursor c, frag;
  rl_tls_dir *d = &t->d[dir & 1];
  uint8_t type;
  uint16_t version;
  uint64_t rseq;
  const uint8_t *hdr;
  rl_cursor_init(&c, p, n);
  while (record(&c, t->dtls, &type, &version, &rseq, &hdr, &frag) == 0) {
    int enc;
    d->records++;
    if (t->dtls)
      enc = (rseq >> 48) != 0; /* epoch 0 is the plaintext handshake */
    else if (t->version == 0x0304)
      enc = type == CT_APP;
    else
      enc = d->encrypting;
    if (!t->dtls && type == CT_CCS) d->encrypting = 1;
    if (!enc) continue;
    derive(t);
    if (t->keyed != 1) {
      d->failed++;
      continue;
    }
    if (one_record(t, d, type, version, rseq, hdr, &frag, out) < 0) return -1;
  }
  if (!rl_cursor_empty(&c) && !t->why[0])
    snprintf(t->why, sizeof t->why, "%zu bytes at offset %zu are not a whole record",
             rl_cursor_left(&c), (size_t)(c.p - p));
  return 0;
}
