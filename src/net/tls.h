/* net/tls.h: what the TLS links (net/link.c) and the DTLS links
 * (net/dlink.c) share: the check of the far end's certificate against the
 * overlay's trust during the handshake (RFC 6940 11.3, 6.6.5, 6.6.4),
 * OpenSSL's error queue as text, and the TLS key log.
 *
 * Key log. rl_tls_keylog_open(path) (the programs' --keylog FILE), or the
 * environment variable SSLKEYLOGFILE when no path was given, names a file
 * that every SSL_CTX made afterwards by rl_tls_keylog_attach appends its
 * session secrets to, in the NSS key log format (one "CLIENT_RANDOM ..." or
 * TLS 1.3 "*_TRAFFIC_SECRET_0 ..." line per secret; OpenSSL's
 * SSL_CTX_set_keylog_callback). Wireshark reads it (Preferences, TLS,
 * (Pre)-Master-Secret log filename) to decrypt TLS and DTLS captures of
 * the overlay. The file is opened for appending, created with mode 0600,
 * one per process, and every line is flushed at once. Anyone holding it
 * can read the captured traffic: never for production. */
#ifndef RL_NET_TLS_H
#define RL_NET_TLS_H

#include <stddef.h>

#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "security/cert.h"
#include "security/trust.h"

#define RL_TLS_CHAIN_MAX 8 /* intermediate certificates kept */

/* The far end's certificate as the handshake found it. */
typedef struct rl_tls_peer {
  rl_cert *cert;                      /* the leaf; NULL before or after a refusal */
  rl_cert *chain[RL_TLS_CHAIN_MAX];   /* intermediates it sent */
  size_t nchain;
  int failed;                         /* refused: why says why */
  char why[400];
} rl_tls_peer;

void rl_tls_peer_clear(rl_tls_peer *p);

/* The body of an OpenSSL certificate verify callback
 * (SSL_CTX_set_cert_verify_callback): the leaf and the intermediates the
 * far end sent are checked by rl_trust_verify (roots, self-signed rules,
 * bad nodes; OpenSSL's own chain building and hostname checks are not
 * used). Returns 1 (p->cert set) or 0 (p->failed, p->why; the far end
 * gets a bad_certificate alert). */
int rl_tls_verify_peer(const rl_trust *trust, X509_STORE_CTX *xs, rl_tls_peer *p);

/* OpenSSL's error queue as text ("error:0A000086:SSL routines::..."),
 * emptied; "no OpenSSL reason" when it was empty. */
void rl_tls_errors(char *buf, size_t size);

/* Log the secrets of every TLS/DTLS session to path (see above). 0, or
 * RL_ERR_IO with why filled. A second call changes the file. */
int rl_tls_keylog_open(const char *path, char *why, size_t whylen);
/* Called on every SSL_CTX we make: log its secrets when a key log file
 * was opened, or SSLKEYLOGFILE is set (opened then; an error there is
 * printed on stderr once and logging stays off). */
void rl_tls_keylog_attach(SSL_CTX *s);
/* The key log file in use, or NULL. */
const char *rl_tls_keylog_path(void);

#endif
