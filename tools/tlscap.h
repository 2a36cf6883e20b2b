/* tlscap.h: the TLS and DTLS connections of a capture (capture.h),
 * decrypted with a key log (tlsdec.h): each unit's application data.
 *
 * TCP: the two directions of a connection are paired, their hellos read,
 * then each direction's records decrypted; a unit after a gap in its
 * stream is not decrypted (its records cannot be found). UDP: the
 * datagrams of one address pair are read in capture order, each one's
 * records decrypted in turn. */
#ifndef RL_TOOL_TLSCAP_H
#define RL_TOOL_TLSCAP_H

#include "capture.h"
#include "tlsdec.h"

typedef struct rl_tlscap_unit {
  int tls;          /* 0 not (D)TLS, 1 TLS, 2 DTLS */
  int decrypted;    /* 1: plain is the application data */
  rl_tlsbuf plain;
  size_t records;   /* this unit's records */
  size_t app_records, failed;
  char info[256];   /* "TLS 1.3, TLS_AES_256_GCM_SHA384" or why not */
} rl_tlscap_unit;

/* 1 if p[0..n) starts with TLS (RFC 5246 6.2.1) or DTLS (RFC 6347 4.1)
 * records: the first, and the second when the input goes on, well
 * formed. *dtls says which. */
int rl_tls_detect(const uint8_t *p, size_t n, int *dtls);

/* res[cap->nunits], filled; 0 or -1 when out of memory. kl may be NULL
 * (then the (D)TLS units are only named). */
int rl_tlscap_decrypt(const rl_capture *cap, const rl_keylog *kl, rl_tlscap_unit *res);
void rl_tlscap_free(rl_tlscap_unit *res, size_t n);

#endif
