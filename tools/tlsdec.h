/* tlsdec.h: the TLS and DTLS records of a RELOAD link, decrypted with the
 * session secrets of an NSS key log (reload-dump --keylog).
 *
 * Our code parses: the key log's lines, the record headers (TLS RFC 5246
 * 6.2 / RFC 8446 5.1, DTLS RFC 6347 4.1), the ClientHello and ServerHello
 * (the randoms, the cipher suite, the version chosen by supported_versions)
 * and the TLS 1.3 inner plaintext (RFC 8446 5.2); it builds the labels
 * and nonces the RFCs define. OpenSSL does the cryptography: the TLS 1.2
 * PRF (EVP_KDF "TLS1-PRF", RFC 5246 6.3), HKDF-Expand-Label (EVP_KDF
 * "HKDF", RFC 8446 7.1, 7.3) and the AEAD (AES-GCM, ChaCha20-Poly1305).
 *
 * A decryptor holds one connection: two directions (0 and 1, in whatever
 * order the caller met them). For TCP the caller feeds each direction's
 * whole stream to rl_tlsdec_hello, then to rl_tlsdec_decrypt; for DTLS
 * each datagram in capture order to both. Bad input never fails a call:
 * records that do not parse or decrypt are counted and the first reason
 * kept in why. */
#ifndef RL_TOOL_TLSDEC_H
#define RL_TOOL_TLSDEC_H

#include <stddef.h>
#include <stdint.h>

#define RL_KEYLOG_SECRET_MAX 64

typedef struct rl_keylog_entry {
  char label[40];              /* CLIENT_RANDOM, SERVER_TRAFFIC_SECRET_0, ... */
  uint8_t client_random[32];
  uint8_t secret[RL_KEYLOG_SECRET_MAX];
  size_t secret_len;
} rl_keylog_entry;

typedef struct rl_keylog {
  rl_keylog_entry *e;
  size_t n;
} rl_keylog;

/* Parse an NSS key log: "LABEL <64 hex digits> <hex secret>" per line;
 * blank lines and lines starting with # are skipped. 0, or -1 with
 * "line N: ..." in err. */
int rl_keylog_parse(const char *text, size_t len, rl_keylog *kl, char *err, size_t errlen);
void rl_keylog_free(rl_keylog *kl);

/* Growing output buffer. */
typedef struct rl_tlsbuf {
  uint8_t *p;
  size_t len, cap;
} rl_tlsbuf;
void rl_tlsbuf_free(rl_tlsbuf *b);

typedef struct rl_tls_keys {
  uint8_t key[32];
  uint8_t iv[12];
  int ok;
} rl_tls_keys;

typedef struct rl_tls_dir {
  int encrypting;      /* TLS 1.2: after this direction's ChangeCipherSpec */
  int cur;             /* key in use: 0 handshake, 1 application (1.3) */
  rl_tls_keys k[2];
  uint64_t seq;        /* TLS: next record's sequence number */
  size_t records;      /* records seen */
  size_t decrypted;    /* records decrypted */
  size_t app_records;  /* of which application data */
  size_t failed;       /* records that did not decrypt */
} rl_tls_dir;

typedef struct rl_tlsdec {
  const rl_keylog *kl;
  int dtls;
  int client_dir;      /* the direction of the ClientHello, -1 unknown */
  int have_cr, have_sr;
  uint8_t cr[32], sr[32];
  uint16_t suite;      /* from the ServerHello, 0 unknown */
  uint16_t version;    /* 0x0303 TLS 1.2, 0x0304 TLS 1.3, 0xfefd DTLS 1.2 */
  int keyed;           /* 0 not tried, 1 keys derived, -1 no keys (why) */
  rl_tls_dir d[2];
  char why[200];       /* the first reason something was not decrypted */
} rl_tlsdec;

void rl_tlsdec_init(rl_tlsdec *t, const rl_keylog *kl, int dtls);
/* Scan the plaintext handshake records of p[0..n) (direction dir) for a
 * ClientHello or ServerHello. */
void rl_tlsdec_hello(rl_tlsdec *t, int dir, const uint8_t *p, size_t n);
/* Decrypt the records of p[0..n) (direction dir), appending the
 * application data to out. 0, or -1 when out of memory. */
int rl_tlsdec_decrypt(rl_tlsdec *t, int dir, const uint8_t *p, size_t n, rl_tlsbuf *out);
/* The suite's name ("TLS_AES_256_GCM_SHA384"), or NULL if not supported. */
const char *rl_tlsdec_suite_name(uint16_t suite);

#endif
