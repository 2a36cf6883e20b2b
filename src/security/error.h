/* security/error.h: the errors of the security modules (credentials,
 * certificates, signatures).
 *
 * Their codes are part of rl_err (runtime/error.h), numbered
 * RL_SEC_ERR_MIN..RL_SEC_ERR_MAX; rl_strerror names them. A function that fails also fills an optional rl_sec_error
 * with a sentence saying what was checked and why it failed ("certificate
 * does not chain to a root-cert of overlay.example.org: unable to get
 * local issuer certificate"). */
#ifndef RL_SECURITY_ERROR_H
#define RL_SECURITY_ERROR_H

#include <stddef.h>

/* The codes (RL_SEC_ERR_*) are members of the library's one error enum,
 * rl_err, in runtime/error.h. */
#include "runtime/error.h"

typedef struct rl_sec_error {
  int code;
  char text[320];
} rl_sec_error;

/* Same as rl_strerror / rl_errname (kept for the security modules' callers). */
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
