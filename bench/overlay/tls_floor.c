/* tls_floor: the resident memory of a bare OpenSSL TLS endpoint, the floor
 * under any RELOAD peer built on OpenSSL (make bench-overlay, issue 4).
 *
 * A RELOAD peer keeps TLS links to its neighbours and fingers (RFC 6940
 * 6.6.5, mutual certificate authentication) and signs and verifies every
 * message (13.1). This program does only that, and nothing of RELOAD:
 * it opens --links TLS links over socketpairs to a child process, with the
 * same SSL_CTX settings as src/net/link.c, then, for each of --messages
 * messages, reads it, checks the child's signature over it with the key of
 * the child's certificate, signs it with its own key (SHA-256) and sends
 * the signature back. Then it prints one JSON line and waits for a line (or
 * end of file) on standard input before it exits, so that the harness can
 * read its /proc/PID files with the links still open, as it reads a peer's.
 *
 * Usage: tls_floor --cert C --key K --ca CA --peer-cert C2 --peer-key K2
 *                  [--links N] [--messages M] [--size BYTES]
 *
 * Only OpenSSL and libc: what this process holds resident is what OpenSSL
 * costs before a peer has any state of its own. Blocking I/O in lock step
 * (the child connects link i while we accept link i), so no event loop. */
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_LINKS 64
#define MAX_SIZE 16384
#define SIG_MAX 1024

static void die(const char *what) {
  char e[256] = "";
  unsigned long code = ERR_get_error();
  if (code) ERR_error_string_n(code, e, sizeof e);
  fprintf(stderr, "tls_floor: %s%s%s\n", what, code ? ": " : "", e);
  exit(1);
}

static SSL_CTX *make_ctx(int server, const char *cert, const char *key, const char *ca) {
  SSL_CTX *s = SSL_CTX_new(server ? TLS_server_method() : TLS_client_method());
  if (!s || SSL_CTX_set_min_proto_version(s, TLS1_2_VERSION) != 1 ||
      SSL_CTX_use_certificate_file(s, cert, SSL_FILETYPE_PEM) != 1 ||
      SSL_CTX_use_PrivateKey_file(s, key, SSL_FILETYPE_PEM) != 1 ||
      SSL_CTX_check_private_key(s) != 1 || SSL_CTX_load_verify_locations(s, ca, NULL) != 1)
    die("TLS context");
  /* As src/net/link.c: no resumption, no tickets, buffers released when idle. */
  SSL_CTX_set_mode(s, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER |
                          SSL_MODE_RELEASE_BUFFERS);
  SSL_CTX_set_options(s, SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_TICKET);
  SSL_CTX_set_session_cache_mode(s, SSL_SESS_CACHE_OFF);
  SSL_CTX_set_num_tickets(s, 0);
  SSL_CTX_set_verify(s, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
  return s;
}

/* Exactly n bytes, or die. */
static void read_all(SSL *ssl, uint8_t *p, size_t n) {
  size_t got = 0;
  while (got < n) {
    size_t r = 0;
    if (SSL_read_ex(ssl, p + got, n - got, &r) != 1) die("TLS read");
    got += r;
  }
}

static void write_all(SSL *ssl, const uint8_t *p, size_t n) {
  size_t w = 0;
  if (SSL_write_ex(ssl, p, n, &w) != 1 || w != n) die("TLS write");
}

static size_t sign(EVP_PKEY *k, const uint8_t *m, size_t n, uint8_t *sig) {
  EVP_MD_CTX *c = EVP_MD_CTX_new();
  size_t len = SIG_MAX;
  if (!c || EVP_DigestSignInit(c, NULL, EVP_sha256(), NULL, k) != 1 ||
      EVP_DigestSign(c, sig, &len, m, n) != 1)
    die("sign");
  EVP_MD_CTX_free(c);
  return len;
}

static void verify(EVP_PKEY *k, const uint8_t *m, size_t n, const uint8_t *sig, size_t len) {
  EVP_MD_CTX *c = EVP_MD_CTX_new();
  if (!c || EVP_DigestVerifyInit(c, NULL, EVP_sha256(), NULL, k) != 1 ||
      EVP_DigestVerify(c, sig, len, m, n) != 1)
    die("signature check");
  EVP_MD_CTX_free(c);
}

static EVP_PKEY *read_key(const char *path) {
  FILE *f = fopen(path, "r");
  EVP_PKEY *k;
  if (!f) die(path);
  k = PEM_read_PrivateKey(f, NULL, NULL, NULL);
  fclose(f);
  if (!k) die("private key");
  return k;
}

/* A message on a link: 2-byte length, body, 2-byte length, signature. */
static void send_msg(SSL *ssl, const uint8_t *p, size_t n) {
  uint8_t h[2] = {(uint8_t)(n >> 8), (uint8_t)n};
  write_all(ssl, h, 2);
  write_all(ssl, p, n);
}

static size_t recv_msg(SSL *ssl, uint8_t *p, size_t cap) {
  uint8_t h[2];
  size_t n;
  read_all(ssl, h, 2);
  n = (size_t)h[0] << 8 | h[1];
  if (n > cap) die("message too long");
  read_all(ssl, p, n);
  return n;
}

/* The child: connects every link, then sends signed messages round robin. */
static void client(int *fds, int links, long messages, size_t size, const char *cert,
                   const char *key, const char *ca) {
  SSL_CTX *ctx = make_ctx(0, cert, key, ca);
  EVP_PKEY *k = read_key(key);
  SSL *ssl[MAX_LINKS];
  static uint8_t msg[MAX_SIZE], sig[SIG_MAX], back[SIG_MAX];
  for (int i = 0; i < links; i++) {
    ssl[i] = SSL_new(ctx);
    if (!ssl[i] || SSL_set_fd(ssl[i], fds[i]) != 1 || SSL_connect(ssl[i]) != 1)
      die("TLS connect");
  }
  for (long m = 0; m < messages; m++) {
    SSL *s = ssl[m % links];
    size_t sl;
    for (size_t j = 0; j < size; j++) msg[j] = (uint8_t)(m * 31 + j);
    sl = sign(k, msg, size, sig);
    send_msg(s, msg, size);
    send_msg(s, sig, sl);
    (void)recv_msg(s, back, sizeof back);
  }
  for (int i = 0; i < links; i++) {
    SSL_shutdown(ssl[i]);
    SSL_free(ssl[i]);
  }
  EVP_PKEY_free(k);
  SSL_CTX_free(ctx);
  _exit(0);
}

int main(int argc, char **argv) {
  const char *cert = NULL, *key = NULL, *ca = NULL, *pcert = NULL, *pkey = NULL;
  int links = 8;
  long messages = 400;
  size_t size = 200;
  int fds[MAX_LINKS][2], child_fds[MAX_LINKS];
  SSL *ssl[MAX_LINKS];
  static uint8_t msg[MAX_SIZE], sig[SIG_MAX], mine[SIG_MAX];
  char line[16], proto[32] = "";
  pid_t pid;
  int st;

  for (int i = 1; i + 1 < argc; i += 2) {
    const char *o = argv[i], *v = argv[i + 1];
    if (!strcmp(o, "--cert")) cert = v;
    else if (!strcmp(o, "--key")) key = v;
    else if (!strcmp(o, "--ca")) ca = v;
    else if (!strcmp(o, "--peer-cert")) pcert = v;
    else if (!strcmp(o, "--peer-key")) pkey = v;
    else if (!strcmp(o, "--links")) links = atoi(v);
    else if (!strcmp(o, "--messages")) messages = atol(v);
    else if (!strcmp(o, "--size")) size = (size_t)atol(v);
    else {
      fprintf(stderr, "tls_floor: unknown option %s\n", o);
      return 2;
    }
  }
  if (!cert || !key || !ca || !pcert || !pkey || links < 1 || links > MAX_LINKS ||
      messages < 1 || size < 1 || size > MAX_SIZE) {
    fprintf(stderr, "usage: tls_floor --cert C --key K --ca CA --peer-cert C2 --peer-key K2 "
                    "[--links 1..%d] [--messages M] [--size 1..%d]\n", MAX_LINKS, MAX_SIZE);
    return 2;
  }
  signal(SIGPIPE, SIG_IGN);
  for (int i = 0; i < links; i++) {
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, fds[i]) != 0) die("socketpair");
    child_fds[i] = fds[i][1];
  }
  /* Fork before OpenSSL is touched here: the child's memory is not ours. */
  pid = fork();
  if (pid < 0) die("fork");
  if (pid == 0) {
    for (int i = 0; i < links; i++) close(fds[i][0]);
    client(child_fds, links, messages, size, pcert, pkey, ca);
  }
  for (int i = 0; i < links; i++) close(fds[i][1]);

  SSL_CTX *ctx = make_ctx(1, cert, key, ca);
  EVP_PKEY *k = read_key(key);
  for (int i = 0; i < links; i++) {
    ssl[i] = SSL_new(ctx);
    if (!ssl[i] || SSL_set_fd(ssl[i], fds[i][0]) != 1 || SSL_accept(ssl[i]) != 1)
      die("TLS accept");
  }
  for (long m = 0; m < messages; m++) {
    SSL *s = ssl[m % links];
    size_t n = recv_msg(s, msg, sizeof msg), sl = recv_msg(s, sig, sizeof sig), ml;
    /* The far end's key comes from its certificate, as a peer's does. */
    verify(X509_get0_pubkey(SSL_get0_peer_certificate(s)), msg, n, sig, sl);
    ml = sign(k, msg, n, mine);
    send_msg(s, mine, ml);
  }
  if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
    die("the client side failed");
  snprintf(proto, sizeof proto, "%s", SSL_get_version(ssl[0]));
  /* The links stay allocated (a peer keeps its links): only now measured. */
  printf("{\"ok\":true,\"pid\":%ld,\"links\":%d,\"messages\":%ld,\"size\":%zu,"
         "\"protocol\":\"%s\",\"key\":\"%s %d bits\",\"openssl\":\"%s\"}\n",
         (long)getpid(), links, messages, size, proto, EVP_PKEY_get0_type_name(k),
         EVP_PKEY_get_bits(k), OpenSSL_version(OPENSSL_VERSION));
  fflush(stdout);
  (void)!fgets(line, sizeof line, stdin);
  for (int i = 0; i < links; i++) SSL_free(ssl[i]);
  EVP_PKEY_free(k);
  SSL_CTX_free(ctx);
  return 0;
}
