/* hex.h: hexadecimal text, the one place the library reads it (JSON opaque
 * values, hex input files, Node-IDs in URIs and configuration documents). */
#ifndef RL_HEX_H
#define RL_HEX_H

#include <stddef.h>
#include <stdint.h>

/* The value of one hex digit (either case), or -1. */
static inline int rl_hex_digit(int ch) {
  if (ch >= '0' && ch <= '9') return ch - '0';
  if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
  if (ch >= 'A' && ch <= 'F') return ch - 'A' + 10;
  return -1;
}

/* Decode a hex string of n characters (whitespace and ':' allowed between
 * byte pairs when spaces is nonzero) into out (capacity cap); returns the
 * byte count, or RL_ERR_SYNTAX / RL_ERR_BUFFER. */
long rl_hex_decode(const char *s, size_t n, uint8_t *out, size_t cap, int spaces);

#endif
