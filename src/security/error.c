/* security/error.c: see error.h. */
#include "security/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <openssl/err.h>

#include "runtime/error.h"

const char *rl_sec_strerror(int code) { return rl_strerror(code); }

const char *rl_sec_errname(int code) { return rl_errname(code); }

void rl_sec_error_clear(rl_sec_error *e) {
  if (!e) return;
  e->code = 0;
  e->text[0] = '\0';
}

int rl_sec_fail(rl_sec_error *e, int code, const char *fmt, ...) {
  unsigned long ossl = ERR_peek_last_error();
  va_list ap;
  if (e && e->code == 0) {
    size_t n;
    e->code = code;
    va_start(ap, fmt);
    vsnprintf(e->text, sizeof e->text, fmt, ap);
    va_end(ap);
    n = strlen(e->text);
    if (ossl && n + 4 < sizeof e->text) {
      char reason[200];
      ERR_error_string_n(ossl, reason, sizeof reason);
      snprintf(e->text + n, sizeof e->text - n, " (%s)", reason);
    }
  }
  ERR_clear_error();
  return code;
}

void rl_sec_prefix(rl_sec_error *e, const char *fmt, ...) {
  char buf[sizeof e->text * 2];
  va_list ap;
  int n;
  if (!e || e->code == 0) return;
  va_start(ap, fmt);
  n = vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  if (n < 0) return;
  if ((size_t)n < sizeof buf) snprintf(buf + n, sizeof buf - (size_t)n, ": %s", e->text);
  memcpy(e->text, buf, sizeof e->text - 1);
  e->text[sizeof e->text - 1] = '\0';
}
