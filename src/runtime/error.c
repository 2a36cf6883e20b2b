/* error.c: error names, texts, and field paths. */
#include "error.h"

#include <stdio.h>
#include <string.h>

static const struct {
  const char *name;
  const char *text;
} errtab[] = {
    {"RL_OK", "success"},
    {"RL_ERR_TRUNCATED", "input ends inside this field"},
    {"RL_ERR_TRAILING", "bytes left over at the end of a length-delimited field"},
    {"RL_ERR_LENGTH_RANGE", "length outside the range the field allows"},
    {"RL_ERR_BAD_ENUM", "value not defined for this enum"},
    {"RL_ERR_BAD_SELECTOR", "no variant for this selector value"},
    {"RL_ERR_FIXED_LENGTH", "fixed-size field has the wrong size"},
    {"RL_ERR_ARENA", "arena exhausted"},
    {"RL_ERR_DEPTH", "nesting too deep"},
    {"RL_ERR_BUFFER", "output buffer too small"},
    {"RL_ERR_CONSTANT", "field does not hold its required value"},
    {"RL_ERR_PARAM", "a decoding parameter is missing"},
    {"RL_ERR_JSON", "JSON value of the wrong shape"},
    {"RL_ERR_LENGTH_FIELD", "length field does not match the data it measures"},
    {"RL_ERR_COMPRESSED", "compressed value without its top bit set"},
    {"RL_ERR_FRAGMENT", "message is a fragment; reassemble it first"},
    {"RL_ERR_NOMEM", "out of memory"},
    {"RL_ERR_IO", "input/output error"},
    {"RL_ERR_SYNTAX", "malformed text input"},
    {"RL_ERR_TOO_LARGE", "message larger than the allowed maximum"},
    {"RL_ERR_UNSUPPORTED", "not supported here"},
    {"RL_ERR_OVERFLOW", "size arithmetic overflow"},
    {"RL_ERR_TIMEOUT", "no answer in time"},
    {"RL_ERR_NOT_FOUND", "no such entry"},
    {"RL_ERR_STATE", "not possible in the current state"},
};

static const struct {
  const char *name;
  const char *text;
} sectab[] = {
    {"RL_SEC_ERR_CERT_PARSE", "not an X.509 certificate"},
    {"RL_SEC_ERR_IDENTITY", "certificate identities are not as RFC 6940 11.3 requires"},
    {"RL_SEC_ERR_UNTRUSTED", "certificate does not chain to a trusted root"},
    {"RL_SEC_ERR_NODE_ID", "certificate does not carry the Node-ID"},
    {"RL_SEC_ERR_SELF_SIGNED", "self-signed certificate not acceptable"},
    {"RL_SEC_ERR_BAD_NODE", "Node-ID revoked by the configuration (bad-node)"},
    {"RL_SEC_ERR_SIGNATURE", "signature does not verify"},
    {"RL_SEC_ERR_UNKNOWN_SIGNER", "no certificate matches the signer identity"},
    {"RL_SEC_ERR_ALGORITHM", "algorithm not supported"},
    {"RL_SEC_ERR_KEY", "private key unusable"},
    {"RL_SEC_ERR_CRYPTO", "cryptographic library failure"},
};

const char *rl_strerror(int err) {
  if (err <= RL_SEC_ERR_MAX && err >= RL_SEC_ERR_MIN) return sectab[RL_SEC_ERR_MAX - err].text;
  if (err > 0 || err < RL_ERR_MIN) return "unknown error";
  return errtab[-err].text;
}

const char *rl_errname(int err) {
  if (err <= RL_SEC_ERR_MAX && err >= RL_SEC_ERR_MIN) return sectab[RL_SEC_ERR_MAX - err].name;
  if (err > 0 || err < RL_ERR_MIN) return "RL_ERR_UNKNOWN";
  return errtab[-err].name;
}

uint16_t rl_err_reload_code(int err) {
  if (err == RL_ERR_TOO_LARGE) return 0x000b; /* Error_Message_Too_Large */
  return 0x0014;                               /* Error_Invalid_Message */
}

extern inline void rl_errinfo_clear(rl_errinfo *e);

static void push(rl_errinfo *e, const char *name, long index) {
  if (e->nseg < RL_PATH_MAX) {
    e->seg[e->nseg].name = name;
    e->seg[e->nseg].index = index;
    e->nseg++;
  } else {
    /* Keep the innermost segments, which say where the fault is; count the
     * outer ones so the printed path shows that some were left out. */
    e->dropped++;
  }
}

int rl_errinfo_set(rl_errinfo *e, int code, size_t offset, const char *field,
                   const char *reason) {
  e->code = code;
  e->offset = offset;
  e->reason = reason;
  e->nseg = 0;
  e->dropped = 0;
  if (field) push(e, field, -1);
  return code;
}

int rl_errinfo_push(rl_errinfo *e, const char *name, int code) {
  push(e, name, -1);
  return code;
}

int rl_errinfo_push_index(rl_errinfo *e, long index, int code) {
  push(e, NULL, index);
  return code;
}

char *rl_errinfo_path(const rl_errinfo *e, char *buf, size_t size) {
  size_t n = 0;
  if (size == 0) return buf;
  buf[0] = '\0';
  if (e->dropped) n += (size_t)snprintf(buf, size, "...");
  for (int i = e->nseg - 1; i >= 0 && n < size; i--) {
    const rl_pathseg *s = &e->seg[i];
    int w;
    if (s->name)
      w = snprintf(buf + n, size - n, "%s%s", n ? "." : "", s->name);
    else
      w = snprintf(buf + n, size - n, "[%ld]", s->index);
    if (w < 0) break;
    n += (size_t)w;
  }
  if (n == 0) snprintf(buf, size, "(top)");
  return buf;
}

char *rl_errinfo_format(const rl_errinfo *e, char *buf, size_t size) {
  char path[512];
  rl_errinfo_path(e, path, sizeof path);
  snprintf(buf, size, "error at offset %zu in %s: %s", e->offset, path,
           e->reason ? e->reason : rl_strerror(e->code));
  return buf;
}
