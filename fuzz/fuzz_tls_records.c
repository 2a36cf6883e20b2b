/* fuzz_tls_records.c: the key log parser and the TLS/DTLS record
 * decryptor of reload-dump --keylog (tools/tlsdec.h).
 *
 * Input: flags (1 byte: bit 0 DTLS), the key log's length (2 bytes) and
 * text, then for TLS the client-side stream's length (3 bytes), that
 * stream and the other direction's; for DTLS datagrams, each a direction
 * byte, a 2-byte length and the bytes. The seeds are real connections of
 * our peers with their key logs, so the fuzzer starts from records that
 * decrypt.
 *
 * Checked: a key log parses or fails with a reason; the decryptor never
 * yields more application data than it was given ciphertext, and its
 * counters agree (application records <= decrypted <= records, failed <=
 * records). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"

#include "../tools/tlsdec.h"

static void check_dir(const rl_tls_dir *d) {
  if (d->app_records > d->decrypted || d->decrypted > d->records || d->failed > d->records)
    abort();
}

static void feed(rl_tlsdec *t, int dir, const uint8_t *p, size_t n, rl_tlsbuf *out) {
  size_t before = out->len;
  rl_tlsdec_hello(t, dir, p, n);
  if (rl_tlsdec_decrypt(t, dir, p, n, out) != 0) return;
  if (out->len - before > n) abort();
  if (out->len && !out->p) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  rl_keylog kl;
  rl_tlsdec *t;
  rl_tlsbuf out = {NULL, 0, 0};
  char err[256] = "";
  size_t klen, off;
  int dtls;
  if (size < 3) return 0;
  dtls = data[0] & 1;
  klen = (size_t)data[1] << 8 | data[2];
  if (klen > size - 3) return 0;
  if (rl_keylog_parse((const char *)data + 3, klen, &kl, err, sizeof err) != 0) {
    if (!err[0]) abort(); /* a failure says why */
    memset(&kl, 0, sizeof kl);
  }
  off = 3 + klen;
  if (!(t = malloc(sizeof *t))) return 0;
  rl_tlsdec_init(t, &kl, dtls);
  if (!dtls) {
    size_t l0;
    if (size - off >= 3) {
      l0 = (size_t)data[off] << 16 | (size_t)data[off + 1] << 8 | data[off + 2];
      off += 3;
      if (l0 > size - off) l0 = size - off;
      rl_tlsdec_hello(t, 0, data + off, l0);
      rl_tlsdec_hello(t, 1, data + off + l0, size - off - l0);
      feed(t, 0, data + off, l0, &out);
      feed(t, 1, data + off + l0, size - off - l0, &out);
    }
  } else {
    while (size - off >= 3) {
      int dir = data[off] & 1;
      size_t n = (size_t)data[off + 1] << 8 | data[off + 2];
      off += 3;
      if (n > size - off) n = size - off;
      feed(t, dir, data + off, n, &out);
      off += n;
    }
  }
  check_dir(&t->d[0]);
  check_dir(&t->d[1]);
  if (!memchr(t->why, 0, sizeof t->why)) abort();
  (void)rl_tlsdec_suite_name(t->suite);
  rl_tlsbuf_free(&out);
  rl_keylog_free(&kl);
  free(t);
  return 0;
}
