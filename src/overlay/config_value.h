/* config_value.h: the XML Schema value types of the overlay configuration
 * document (RFC 6940 11.1.1), read from and written to text. Internal to
 * src/overlay/config*.c; no libxml2 here, so the rules are easy to test.
 *
 * Readers return 0, RL_ERR_SYNTAX with the reason in why ("\"x\" is not
 * an integer"; values are quoted through rl_cfgv_excerpt), or
 * RL_ERR_NOMEM. Text has already had its leading and trailing XML
 * whitespace removed. */
#ifndef RL_OVERLAY_CONFIG_VALUE_H
#define RL_OVERLAY_CONFIG_VALUE_H

#include <stddef.h>
#include <stdint.h>

/* A value quoted in a message: at most 40 bytes, control and non-ASCII
 * bytes replaced by '?', "..." when cut. */
const char *rl_cfgv_excerpt(const char *s, char *buf, size_t size);

/* xsd:int / long / unsignedInt ...: optional sign, decimal digits,
 * within lo..hi. */
int rl_cfgv_integer(const char *text, long long lo, long long hi, long long *out, char *why,
                    size_t whylen);

/* xsd:boolean: "true", "1", "false", "0". */
int rl_cfgv_boolean(const char *text, int *out, char *why, size_t whylen);

/* xsd:base64Binary (RFC 4648 alphabet, whitespace anywhere skipped);
 * *out is malloc'ed. */
int rl_cfgv_base64(const char *text, uint8_t **out, size_t *len, char *why, size_t whylen);

/* Hexadecimal bytes (a Node-ID "in hexadecimal"); *out is malloc'ed. */
int rl_cfgv_hex(const char *text, uint8_t **out, size_t *len, char *why, size_t whylen);

/* An RFC 3339 date-time in UTC: YYYY-MM-DDThh:mm:ss[.frac](Z|+00:00|-00:00);
 * seconds since 1970-01-01T00:00:00Z (fractions dropped). */
int rl_cfgv_datetime(const char *text, int64_t *out, char *why, size_t whylen);

/* The inverse: "YYYY-MM-DDThh:mm:ssZ" (buf of 32 bytes or more). */
void rl_cfgv_format_datetime(int64_t t, char *buf, size_t size);

#endif
