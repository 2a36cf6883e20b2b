/* security/error.h: the errors of the security modules (credentials,
 * certificates, signatures).
 *
 * Their codes continue the library's rl_err numbering below RL_ERR_MIN
 * (runtime/error.h), so one int carries either kind and rl_sec_strerror
 * names both. A function that fails also fills an optional rl_sec_error
 * with a sentence saying what was checked and why it failed ("certificate
 * does not chain to a root-cert of overlay.example.org: unable to get
 * local issuer certificate"). */
#ifndef RL_SECURITY_ERROR_H
#define RL_SECURITY_ERROR_H

#include <stddef.h>

typedef enum rl_sec_err {
  RL_SEC_ERR_CERT_PARSE = -100,    /* not a DER/PEM X.509 certificate */
  RL_SEC_ERR_IDENTITY = -101,      /* subjectAltName not as RFC 6940 11.3 requires */
  RL_SEC_ERR_UNTRUSTED = -102,     /* does not chain to a root-cert (or expired, ...) */
  RL_SEC_ERR_NODE_ID = -103,       /* the certificate does not carry this Node-ID */
  RL_SEC_ERR_SELF_SIGNED = -104,   /* self-signed, but not permitted or Node-ID not from the key */
  RL_SEC_ERR_BAD_NODE = -105,      /* a Node-ID the configuration revokes (bad-node) */
  RL_SEC_ERR_SIGNATURE = -106,     /* the signature does not verify */
  RL_SEC_ERR_UNKNOWN_SIGNER = -107,/* no certificate matches the SignerIdentity */
  RL_SEC_ERR_ALGORITHM = -108,     /* hash, signature or identity type not supported */
  RL_SEC_ERR_KEY = -109,           /* private key unreadable or not the certificate's */
  RL_SEC_ERR_CRYPTO = -110,        /* OpenSSL failed (memory, internal) */
} rl_sec_err;

#define RL_SEC_ERR_MAX (-100)
#define RL_SEC_ERR_MIN (-110)

typedef struct rl_sec_error {
  int code;
  char text[320];
} rl_sec_error;

/* Fixed text of a security code or of any rl_err. */
const char *rl_sec_strerror(int code);

/* Symbolic name ("RL_SEC_ERR_SIGNATURE", or the rl_err's). */
const char *rl_sec_errname(int code);

/* Record code and a formatted sentence in e (which may be NULL), keeping
 * the first failure; returns code. The text ends with OpenSSL's reason
 * when its error queue holds one (the queue is then cleared). */
int rl_sec_fail(rl_sec_error *e, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

void rl_sec_error_clear(rl_sec_error *e);

/* Put a formatted prefix and ": " before the text of a recorded failure
 * (where it happened: "SecurityBlock.certificates[2]: ..."). */
void rl_sec_prefix(rl_sec_error *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
