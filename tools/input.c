/* input.c: see input.h. */
#include "input.h"

#include <stdio.h>
#include <string.h>

#include "runtime/error.h"
#include "runtime/hex.h"

int rl_input_kind_parse(const char *s) {
  if (strcmp(s, "auto") == 0) return RL_INPUT_AUTO;
  if (strcmp(s, "bin") == 0 || strcmp(s, "binary") == 0) return RL_INPUT_BIN;
  if (strcmp(s, "hex") == 0) return RL_INPUT_HEX;
  if (strcmp(s, "pcap") == 0 || strcmp(s, "pcapng") == 0) return RL_INPUT_PCAP;
  return -1;
}

static int is_text_byte(uint8_t b) {
  return (b >= 0x20 && b < 0x7f) || b == '\n' || b == '\r' || b == '\t' ||
         b == '\f' || b == '\v';
}

rl_input_kind rl_input_detect(const uint8_t *buf, size_t len) {
  /* pcap in both byte orders, with micro- and nanosecond timestamps, and
   * the pcapng Section Header Block. */
  static const uint8_t magics[][4] = {
      {0xd4, 0xc3, 0xb2, 0xa1}, {0xa1, 0xb2, 0xc3, 0xd4},
      {0x4d, 0x3c, 0xb2, 0xa1}, {0xa1, 0xb2, 0x3c, 0x4d},
      {0x0a, 0x0d, 0x0d, 0x0a},
  };
  if (len >= 4) {
    for (size_t i = 0; i < sizeof magics / sizeof magics[0]; i++)
      if (memcmp(buf, magics[i], 4) == 0) return RL_INPUT_PCAP;
  }
  /* Binary RELOAD starts with 0xd2 (the token) or 0x80/0x81 (a frame),
   * none of them text, so an all-text file is hex. */
  for (size_t i = 0; i < len; i++)
    if (!is_text_byte(buf[i])) return RL_INPUT_BIN;
  return len ? RL_INPUT_HEX : RL_INPUT_BIN;
}

rl_framing rl_framing_detect(const uint8_t *buf, size_t len) {
  if (len > 0 && (buf[0] == 128 || buf[0] == 129)) return RL_FRAMING_FRAMED;
  return RL_FRAMING_BARE;
}

/* 1 if the line starting at p (up to end) begins with word, e.g. "hex:". */
static int line_starts(const uint8_t *p, const uint8_t *end, const char *word) {
  size_t n = strlen(word);
  return (size_t)(end - p) >= n && memcmp(p, word, n) == 0;
}

/* Copy the rest of a "key: value" line (value trimmed) into dst. */
static void copy_value(const uint8_t *p, const uint8_t *eol, size_t skip,
                       char *dst, size_t cap) {
  size_t n;
  p += skip;
  while (p < eol && (*p == ' ' || *p == '\t')) p++;
  while (eol > p && (eol[-1] == ' ' || eol[-1] == '\t' || eol[-1] == '\r')) eol--;
  n = (size_t)(eol - p);
  if (n >= cap) n = cap - 1;
  memcpy(dst, p, n);
  dst[n] = '\0';
}

/* A .vec file: find the "hex:" line; record type/params; return the
 * region of hex lines in [*from, *to). 0 if there is no "hex:" line. */
static int find_vec_region(const uint8_t *text, size_t len, rl_hex_meta *meta,
                           size_t *from, size_t *to) {
  const uint8_t *p = text, *end = text + len;
  int in_hex = 0;
  while (p < end) {
    const uint8_t *eol = memchr(p, '\n', (size_t)(end - p));
    if (!eol) eol = end;
    if (!in_hex) {
      if (line_starts(p, eol, "type:"))
        copy_value(p, eol, 5, meta->type, sizeof meta->type);
      else if (line_starts(p, eol, "params:"))
        copy_value(p, eol, 7, meta->params, sizeof meta->params);
      else if (line_starts(p, eol, "hex:")) {
        in_hex = 1;
        meta->is_vec = 1;
        *from = (size_t)(eol - text);
      }
    } else if (line_starts(p, eol, "json:") || line_starts(p, eol, "error:")) {
      *to = (size_t)(p - text);
      return 1;
    }
    p = eol < end ? eol + 1 : end;
  }
  *to = len;
  return in_hex;
}

int rl_hex_text_decode(uint8_t *text, size_t len, size_t *out_len,
                       rl_hex_meta *meta, char *err, size_t errlen) {
  size_t from = 0, to = len, k = 0;
  size_t line = 1, col = 0;
  int half = -1; /* a pending high nibble */
  size_t half_line = 0, half_col = 0;
  memset(meta, 0, sizeof *meta);
  if (!find_vec_region(text, len, meta, &from, &to)) {
    from = 0;
    to = len;
  }
  for (size_t i = 0; i < from; i++)
    if (text[i] == '\n') line++;
  for (size_t i = from; i < to; i++) {
    uint8_t ch = text[i];
    int v;
    col++;
    if (ch == '\n') {
      line++;
      col = 0;
      continue;
    }
    if (ch == '#') {
      while (i + 1 < to && text[i + 1] != '\n') i++;
      continue;
    }
    if (ch == ' ' || ch == '\t' || ch == '\r' || ch == ':' || ch == '\f' || ch == '\v')
      continue;
    v = rl_hex_digit(ch);
    if (v < 0) {
      if (ch >= 0x20 && ch < 0x7f)
        snprintf(err, errlen, "%zu:%zu: '%c' is not a hex digit", line, col, ch);
      else
        snprintf(err, errlen, "%zu:%zu: byte 0x%02x is not a hex digit", line, col, ch);
      return RL_ERR_SYNTAX;
    }
    if (half < 0) {
      half = v;
      half_line = line;
      half_col = col;
    } else {
      /* k never passes i: two digits make one byte. */
      text[k++] = (uint8_t)(half << 4 | v);
      half = -1;
    }
  }
  if (half >= 0) {
    snprintf(err, errlen, "%zu:%zu: odd number of hex digits (this one has no pair)",
             half_line, half_col);
    return RL_ERR_SYNTAX;
  }
  *out_len = k;
  return 0;
}
