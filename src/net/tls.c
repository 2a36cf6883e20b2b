/* net/tls.c: see tls.h. RFC 6940 11.3 (certificates on links). */
#define _GNU_SOURCE /* O_CLOEXEC, fdopen */
#include "net/tls.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/err.h>

#include "runtime/error.h"

void rl_tls_peer_clear(rl_tls_peer *p) {
  rl_cert_free(p->cert);
  p->cert = NULL;
  for (size_t i = 0; i < p->nchain; i++) rl_cert_free(p->chain[i]);
  p->nchain = 0;
}

/* The leaf and the intermediates into p; 0 or a security error in e. */
static int take_certs(X509_STORE_CTX *xs, rl_tls_peer *p, rl_sec_error *e) {
  X509 *leaf = X509_STORE_CTX_get0_cert(xs);
  STACK_OF(X509) *sent = X509_STORE_CTX_get0_untrusted(xs);
  int r;
  if (!leaf) return rl_sec_fail(e, RL_SEC_ERR_CERT_PARSE, "no certificate");
  X509_up_ref(leaf);
  r = rl_cert_from_x509(leaf, &p->cert, e);
  for (int i = 0; r == 0 && sent && i < sk_X509_num(sent); i++) {
    X509 *x = sk_X509_value(sent, i);
    if (X509_cmp(x, leaf) == 0) continue; /* the peer's chain starts with the leaf */
    if (p->nchain == RL_TLS_CHAIN_MAX)
      return rl_sec_fail(e, RL_SEC_ERR_UNTRUSTED, "more than %d intermediate certificates",
                         RL_TLS_CHAIN_MAX);
    X509_up_ref(x);
    r = rl_cert_from_x509(x, &p->chain[p->nchain], e);
    if (r == 0) p->nchain++;
  }
  return r;
}

int rl_tls_verify_peer(const rl_trust *trust, X509_STORE_CTX *xs, rl_tls_peer *p) {
  rl_sec_error e = {0, ""};
  int r;
  rl_tls_peer_clear(p);
  r = take_certs(xs, p, &e);
  /* 11.3: the certificate must chain to the overlay's trust. */
  if (r == 0) r = rl_trust_verify(trust, p->cert, p->chain, p->nchain, &e);
  if (r != 0) {
    snprintf(p->why, sizeof p->why, "peer certificate: %s", e.text);
    p->failed = 1;
    rl_tls_peer_clear(p);
    X509_STORE_CTX_set_error(xs, X509_V_ERR_CERT_REJECTED);
    return 0;
  }
  return 1;
}

void rl_tls_errors(char *buf, size_t size) {
  unsigned long e;
  size_t used = 0;
  buf[0] = '\0';
  while ((e = ERR_get_error()) != 0) {
    char one[256];
    int n;
    ERR_error_string_n(e, one, sizeof one);
    n = snprintf(buf + used, size - used, "%s%s", used ? "; " : "", one);
    if (n < 0 || (size_t)n >= size - used) break;
    used += (size_t)n;
  }
  if (!buf[0]) snprintf(buf, size, "no OpenSSL reason");
  ERR_clear_error();
}

/* ------------------------------------------------------------------ */
/* Key log: one file per process. */

static FILE *keylog_fp;
static char keylog_name[1024];
static int keylog_env_tried;

int rl_tls_keylog_open(const char *path, char *why, size_t whylen) {
  int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  FILE *f = fd >= 0 ? fdopen(fd, "a") : NULL;
  if (!f) {
    if (why) snprintf(why, whylen, "key log %s: %s", path, strerror(errno));
    if (fd >= 0) close(fd);
    return RL_ERR_IO;
  }
  setvbuf(f, NULL, _IOLBF, 0);
  if (keylog_fp) fclose(keylog_fp);
  keylog_fp = f;
  snprintf(keylog_name, sizeof keylog_name, "%s", path);
  keylog_env_tried = 1; /* an explicit file wins over SSLKEYLOGFILE */
  return 0;
}

static void keylog_line(const SSL *ssl, const char *line) {
  (void)ssl;
  if (keylog_fp) {
    fputs(line, keylog_fp);
    fputc('\n', keylog_fp);
  }
}

void rl_tls_keylog_attach(SSL_CTX *s) {
  if (!keylog_env_tried) {
    const char *env = getenv("SSLKEYLOGFILE");
    char why[1200];
    keylog_env_tried = 1;
    if (env && env[0] && rl_tls_keylog_open(env, why, sizeof why) != 0)
      fprintf(stderr, "SSLKEYLOGFILE: %s (no key log)\n", why);
  }
  if (keylog_fp) SSL_CTX_set_keylog_callback(s, keylog_line);
}

const char *rl_tls_keylog_path(void) { return keylog_fp ? keylog_name : NULL; }
