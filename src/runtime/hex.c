/* hex.c: see hex.h. */
#include "hex.h"

#include "error.h"

long rl_hex_decode(const char *s, size_t n, uint8_t *out, size_t cap, int spaces) {
  size_t k = 0;
  size_t i = 0;
  while (i < n) {
    int hi, lo;
    if (spaces && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r' || s[i] == ':')) {
      i++;
      continue;
    }
    if (i + 1 >= n) return RL_ERR_SYNTAX;
    hi = rl_hex_digit((unsigned char)s[i]);
    lo = rl_hex_digit((unsigned char)s[i + 1]);
    if (hi < 0 || lo < 0) return RL_ERR_SYNTAX;
    if (k >= cap) return RL_ERR_BUFFER;
    out[k++] = (uint8_t)(hi << 4 | lo);
    i += 2;
  }
  return (long)k;
}
