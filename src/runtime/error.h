/* error.h: the one error type of the library.
 *
 * Every function that can fail returns 0 or a negative rl_err. Decoders
 * and encoders also fill an rl_errinfo: the byte offset where decoding
 * stopped and the field path (StoreReq.kind_data[2].values), built only
 * on the failure path so that success costs nothing. */
#ifndef RL_ERROR_H
#define RL_ERROR_H

#include <stddef.h>
#include <stdint.h>

typedef enum rl_err {
  RL_OK = 0,
  RL_ERR_TRUNCATED = -1,      /* input ended inside a field */
  RL_ERR_TRAILING = -2,       /* bytes left over in a length-delimited region */
  RL_ERR_LENGTH_RANGE = -3,   /* a length outside the <lo..hi> of its field */
  RL_ERR_BAD_ENUM = -4,       /* a value not defined by a closed enum */
  RL_ERR_BAD_SELECTOR = -5,   /* a select on a value that has no case */
  RL_ERR_FIXED_LENGTH = -6,   /* a fixed-size field of the wrong size */
  RL_ERR_ARENA = -7,          /* the caller's arena is full */
  RL_ERR_DEPTH = -8,          /* nesting deeper than the limit */
  RL_ERR_BUFFER = -9,         /* the output buffer is too small */
  RL_ERR_CONSTANT = -10,      /* a field with one allowed value (relo_token) differs */
  RL_ERR_PARAM = -11,         /* a decode parameter is missing (e.g. data model of a Kind) */
  RL_ERR_JSON = -12,          /* JSON input of the wrong shape */
  RL_ERR_LENGTH_FIELD = -13,  /* a length field disagrees with what it measures */
  RL_ERR_COMPRESSED = -14,    /* compressed Destination without its top bit */
  RL_ERR_FRAGMENT = -15,      /* a fragment: reassemble before decoding */
  RL_ERR_NOMEM = -16,         /* memory allocation failed (tools, JSON) */
  RL_ERR_IO = -17,            /* reading or writing a file failed */
  RL_ERR_SYNTAX = -18,        /* text input (hex, options) is malformed */
  RL_ERR_TOO_LARGE = -19,     /* a message above the configured maximum size */
  RL_ERR_UNSUPPORTED = -20,   /* valid but not handled here (e.g. not in a profile) */
  RL_ERR_OVERFLOW = -21,      /* size arithmetic would overflow */
  RL_ERR_TIMEOUT = -22,       /* no answer in time (transactions, links) */
  RL_ERR_NOT_FOUND = -23,     /* no such entry (expired, replaced, unknown) */
  RL_ERR_STATE = -24,         /* not possible in the current state */

  /* Security modules (src/security): credentials, certificates, signatures. */
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
} rl_err;

/* The codecs' codes are RL_ERR_MIN..-1; the security modules' codes are
 * RL_SEC_ERR_MIN..RL_SEC_ERR_MAX. rl_strerror and rl_errname name both. */
#define RL_ERR_MIN (-24)
#define RL_SEC_ERR_MAX (-100)
#define RL_SEC_ERR_MIN (-110)

/* A fixed description of an error code ("input truncated"). */
const char *rl_strerror(int err);

/* The symbolic name of an error code ("RL_ERR_TRUNCATED"). */
const char *rl_errname(int err);

/* The RELOAD error code (RFC 6940 14.9) a peer answers a request with when
 * decoding failed this way: Error_Invalid_Message for nearly all, and
 * Error_Message_Too_Large for RL_ERR_TOO_LARGE. */
uint16_t rl_err_reload_code(int err);

#define RL_PATH_MAX 24

typedef struct rl_pathseg {
  const char *name; /* a member or type name, or NULL for an index */
  long index;       /* list index when name is NULL */
} rl_pathseg;

typedef struct rl_errinfo {
  int code;            /* rl_err */
  size_t offset;       /* byte offset into the input of the outermost call */
  const char *reason;  /* static text, or NULL */
  int nseg;            /* path segments, innermost first */
  int dropped;         /* segments that did not fit */
  rl_pathseg seg[RL_PATH_MAX];
} rl_errinfo;

/* Inline (C99 inline; error.c has the external definition): every
 * rl_T_parse starts with it. */
inline void rl_errinfo_clear(rl_errinfo *e) {
  e->code = 0;
  e->offset = 0;
  e->reason = NULL;
  e->nseg = 0;
  e->dropped = 0;
}

/* Record a failure: code, offset, reason, and the innermost path segment. */
int rl_errinfo_set(rl_errinfo *e, int code, size_t offset, const char *field,
                   const char *reason);

/* Add an enclosing path segment while the failure unwinds; returns code. */
int rl_errinfo_push(rl_errinfo *e, const char *name, int code);
int rl_errinfo_push_index(rl_errinfo *e, long index, int code);

/* Write the path ("StoreReq.kind_data[2].values") into buf; returns buf. */
char *rl_errinfo_path(const rl_errinfo *e, char *buf, size_t size);

/* Write "error at offset N in PATH: REASON" into buf; returns buf. */
char *rl_errinfo_format(const rl_errinfo *e, char *buf, size_t size);

#endif
