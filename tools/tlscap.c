/* tlscap.c: see tlscap.h. */
#include "tlscap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int rl_tls_detect(const uint8_t *p, size_t n, int *dtls) {
  size_t off = 0;
  int records = 0;
  /* A RELOAD message starts with 0xd2 and a frame with 0x80 or 0x81,
   * never with a content type 20..25. */
  *dtls = n >= 13 && p[1] == 0xfe && (p[2] == 0xff || p[2] == 0xfd);
  while (off < n && records < 2) {
    size_t hdr = *dtls ? 13 : 5, len;
    const uint8_t *h = p + off;
    if (n - off < hdr || h[0] < 20 || h[0] > 25) return 0;
    if (*dtls ? !(h[1] == 0xfe && (h[2] == 0xff || h[2] == 0xfd)) : !(h[1] == 3 && h[2] <= 4))
      return 0;
    len = (size_t)h[hdr - 2] << 8 | h[hdr - 1];
    if (len == 0 || len > 16384 + 2048) return 0;
    off += hdr + len;
    records++;
  }
  return records > 0;
}

static void describe(const rl_tlsdec *t, char *buf, size_t n) {
  const char *name = rl_tlsdec_suite_name(t->suite);
  const char *v = t->dtls ? "DTLS 1.2" : t->version == 0x0304 ? "TLS 1.3" : "TLS 1.2";
  if (name)
    snprintf(buf, n, "%s, %s", v, name);
  else
    snprintf(buf, n, "%s, cipher suite 0x%04x", v, t->suite);
}

/* Fill one unit's result from the decryptor after its bytes went in. */
static void result(const rl_tlsdec *t, const rl_tls_dir *before, const rl_tls_dir *after,
                   rl_tlscap_unit *r) {
  r->records = after->records - before->records;
  r->app_records = after->app_records - before->app_records;
  r->failed = after->failed - before->failed;
  if (t->keyed == 1) {
    r->decrypted = 1;
    describe(t, r->info, sizeof r->info);
  } else {
    snprintf(r->info, sizeof r->info, "%s", t->why[0] ? t->why : "handshake in the clear");
    if (t->keyed == 0 && !r->failed) r->decrypted = 1; /* handshake only, nothing hidden */
  }
}

/* A TCP connection: units a and b (b may be NULL: one direction only). */
static int tcp_conn(const rl_capture *cap, const rl_keylog *kl, size_t a, const size_t *b,
                    rl_tlscap_unit *res) {
  rl_tlsdec *t = malloc(sizeof *t);
  size_t idx[2];
  int n = b ? 2 : 1;
  if (!t) return -1;
  idx[0] = a;
  if (b) idx[1] = *b;
  rl_tlsdec_init(t, kl, 0);
  for (int i = 0; i < n; i++)
    rl_tlsdec_hello(t, i, cap->units[idx[i]].data, cap->units[idx[i]].len);
  for (int i = 0; i < n; i++) {
    const rl_capture_unit *u = &cap->units[idx[i]];
    rl_tls_dir before = t->d[i];
    res[idx[i]].tls = 1;
    if (rl_tlsdec_decrypt(t, i, u->data, u->len, &res[idx[i]].plain) != 0) {
      free(t);
      return -1;
    }
    result(t, &before, &t->d[i], &res[idx[i]]);
  }
  free(t);
  return 0;
}

/* A UDP address pair starting at unit a: its datagrams in order. */
static int udp_conn(const rl_capture *cap, const rl_keylog *kl, size_t a, char *done,
                    rl_tlscap_unit *res) {
  rl_tlsdec *t = malloc(sizeof *t);
  if (!t) return -1;
  rl_tlsdec_init(t, kl, 1);
  for (size_t i = a; i < cap->nunits; i++) {
    const rl_capture_unit *u = &cap->units[i];
    int same = rl_capture_same_conn(&cap->units[a], u), dir = same == 1;
    rl_tls_dir before;
    int dtls;
    if (!same || done[i]) continue;
    done[i] = 1;
    if (!rl_tls_detect(u->data, u->len, &dtls) || !dtls) continue;
    res[i].tls = 2;
    rl_tlsdec_hello(t, dir, u->data, u->len);
    before = t->d[dir];
    if (rl_tlsdec_decrypt(t, dir, u->data, u->len, &res[i].plain) != 0) {
      free(t);
      return -1;
    }
    result(t, &before, &t->d[dir], &res[i]);
  }
  free(t);
  return 0;
}

int rl_tlscap_decrypt(const rl_capture *cap, const rl_keylog *kl, rl_tlscap_unit *res) {
  char *done = calloc(cap->nunits ? cap->nunits : 1, 1);
  int r = 0;
  if (!done) return -1;
  memset(res, 0, cap->nunits * sizeof *res);
  for (size_t i = 0; i < cap->nunits && r == 0; i++) {
    const rl_capture_unit *u = &cap->units[i];
    size_t j, partner = 0;
    int dtls, found = 0;
    if (done[i]) continue;
    if (u->proto == 17) {
      if (kl) r = udp_conn(cap, kl, i, done, res);
      continue;
    }
    done[i] = 1;
    for (j = i + 1; j < cap->nunits; j++) {
      if (done[j] || rl_capture_same_conn(u, &cap->units[j]) != 1) continue;
      partner = j;
      found = 1;
      done[j] = 1;
      break;
    }
    /* Later units of the same connection come after a gap. */
    for (j = i + 1; j < cap->nunits; j++)
      if (!done[j] && rl_capture_same_conn(u, &cap->units[j]) != 0) {
        done[j] = 1;
        if (rl_tls_detect(cap->units[j].data, cap->units[j].len, &dtls))
          res[j].tls = 1;
        snprintf(res[j].info, sizeof res[j].info, "after a gap in the stream");
      }
    if (!kl) continue;
    if (!rl_tls_detect(u->data, u->len, &dtls) &&
        !(found && rl_tls_detect(cap->units[partner].data, cap->units[partner].len, &dtls)))
      continue;
    r = tcp_conn(cap, kl, i, found ? &partner : NULL, res);
  }
  free(done);
  return r;
}

void rl_tlscap_free(rl_tlscap_unit *res, size_t n) {
  for (size_t i = 0; i < n; i++) rl_tlsbuf_free(&res[i].plain);
}
