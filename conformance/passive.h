/* passive.h: reload-conform --pcap FILE, a passive check of the RELOAD
 * traffic between any two implementations, from a capture (pcap or
 * pcapng; framed or bare messages over TCP, or UDP; tools/capture.h
 * finds them by port).
 *
 * Every message is checked against the rules one message, or a request
 * and its answer, can show, each reported with the packet it starts in
 * and the requirement it breaks:
 *   does not decode (lengths, relo_token, any field)   6.3, the decoder's
 *                                                      offset and field path
 *   relo_token                                         RFC6940-6.3.2-1
 *   version other than 0x0a                            RFC6940-6.3.2-4
 *   TTL above initial-ttl                              RFC6940-6.3.2-7
 *   fragment field without its high bit                RFC6940-6.3.2-9
 *   reserved fragment bits set                         RFC6940-6.3.2-10
 *   max_response_length set in an answer               RFC6940-6.3.2-13
 *   unsigned (identity none)                           RFC6940-6.3.4-8
 *   a signature that does not verify with the
 *   certificates the capture carries                   RFC6940-6.3.4-9
 *   no certificate for the signer in the message       RFC6940-6.3.4-2
 *   an answer whose code is not the request's + 1
 *   (or an error)                                      RFC6940-6.3.3.1-2
 *   an answer whose transaction_id no request on its
 *   connection had                                     6.3.2 ("Responses use
 *                                                      the same transaction ID")
 *   an answer on the same link whose Destination List
 *   is not the request's Via List reversed after the
 *   previous hop                                       RFC6940-6.2.2-1
 *   an error code outside RFC 6940's registry          6.3.3.1, 14.9
 * TLS links cannot be read from a capture: capture the implementations
 * over plain TCP (the reference peer's --insecure-tcp) or UDP. */
#ifndef RL_CONF_PASSIVE_H
#define RL_CONF_PASSIVE_H

#include <stdint.h>
#include <stdio.h>

#include "msgcodec.h"
#include "requirements.h"

typedef struct rl_conf_passive_result {
  size_t streams, messages, requests, answers, violations;
} rl_conf_passive_result;

/* Check the capture in buf (port: the RELOAD port to look for), printing
 * one line per violation and a summary to out. initial_ttl: the
 * overlay's. 0, or an rl_err with the reason in err (the capture could
 * not be read). */
int rl_conf_passive_check(rl_conf_codec *codec, const rl_conf_reqtable *t, const uint8_t *buf,
                          size_t len, uint16_t port, unsigned initial_ttl, FILE *out,
                          rl_conf_passive_result *res, char *err, size_t errlen);

#endif
