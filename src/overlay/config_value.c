/* config_value.c: see config_value.h. */
#include "overlay/config_value.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/error.h"
#include "runtime/hex.h"

const char *rl_cfgv_excerpt(const char *s, char *buf, size_t size) {
  size_t k = 0;
  size_t max = size - 4;
  if (max > 40) max = 40;
  for (; *s && k < max; s++) {
    unsigned char c = (unsigned char)*s;
    buf[k++] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
  }
  if (*s) {
    memcpy(buf + k, "...", 3);
    k += 3;
  }
  buf[k] = '\0';
  return buf;
}

static int is_xml_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

int rl_cfgv_integer(const char *text, long long lo, long long hi, long long *out, char *why,
                    size_t whylen) {
  const char *p = text;
  int neg = 0;
  unsigned long long v = 0;
  long long sv;
  char q[48];
  if (*p == '+' || *p == '-') neg = *p++ == '-';
  if (*p == '\0') goto not_integer;
  for (; *p; p++) {
    if (*p < '0' || *p > '9') goto not_integer;
    /* Saturate: anything this large is outside every range we accept. */
    if (v > (ULLONG_MAX - 9) / 10)
      v = ULLONG_MAX;
    else
      v = v * 10 + (unsigned long long)(*p - '0');
  }
  if (v > (unsigned long long)LLONG_MAX) goto out_of_range;
  sv = neg ? -(long long)v : (long long)v;
  if (sv < lo || sv > hi) goto out_of_range;
  *out = sv;
  return 0;
not_integer:
  snprintf(why, whylen, "\"%s\" is not an integer", rl_cfgv_excerpt(text, q, sizeof q));
  return RL_ERR_SYNTAX;
out_of_range:
  snprintf(why, whylen, "%s is outside %lld..%lld", rl_cfgv_excerpt(text, q, sizeof q), lo, hi);
  return RL_ERR_SYNTAX;
}

int rl_cfgv_boolean(const char *text, int *out, char *why, size_t whylen) {
  char q[48];
  if (strcmp(text, "true") == 0 || strcmp(text, "1") == 0) {
    *out = 1;
    return 0;
  }
  if (strcmp(text, "false") == 0 || strcmp(text, "0") == 0) {
    *out = 0;
    return 0;
  }
  snprintf(why, whylen, "\"%s\" is not a boolean (true, false, 1 or 0)",
           rl_cfgv_excerpt(text, q, sizeof q));
  return RL_ERR_SYNTAX;
}

static int b64_value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

int rl_cfgv_base64(const char *text, uint8_t **out, size_t *len, char *why, size_t whylen) {
  size_t cap = strlen(text) / 4 * 3 + 3, k = 0, count = 0;
  unsigned acc = 0;
  int bits = 0, pad = 0, r = 0;
  uint8_t *buf = malloc(cap);
  *out = NULL;
  *len = 0;
  if (!buf) return RL_ERR_NOMEM;
  for (const char *p = text; *p && r == 0; p++) {
    int v;
    if (is_xml_space(*p)) continue;
    count++;
    if (*p == '=') {
      pad++;
      continue;
    }
    v = b64_value(*p);
    if (v < 0) {
      char c = *p > 0x20 && *p < 0x7f ? *p : '?';
      snprintf(why, whylen, "'%c' is not a base64 character", c);
      r = RL_ERR_SYNTAX;
    } else if (pad) {
      snprintf(why, whylen, "base64 data after '=' padding");
      r = RL_ERR_SYNTAX;
    } else {
      acc = (acc << 6) | (unsigned)v;
      bits += 6;
      if (bits >= 8) {
        bits -= 8;
        buf[k++] = (uint8_t)(acc >> bits);
      }
    }
  }
  if (r == 0 && count == 0) {
    snprintf(why, whylen, "empty (base64 data expected)");
    r = RL_ERR_SYNTAX;
  }
  if (r == 0 && (count % 4 != 0 || pad > 2)) {
    snprintf(why, whylen, "base64 length %zu is not a multiple of 4", count);
    r = RL_ERR_SYNTAX;
  }
  if (r != 0) {
    free(buf);
    return r;
  }
  *out = buf;
  *len = k;
  return 0;
}

int rl_cfgv_hex(const char *text, uint8_t **out, size_t *len, char *why, size_t whylen) {
  size_t l = strlen(text);
  uint8_t *buf;
  char q[48];
  *out = NULL;
  *len = 0;
  if (l == 0 || l % 2 != 0) {
    snprintf(why, whylen, "\"%s\" is not a Node-ID in hexadecimal (even number of hex digits)",
             rl_cfgv_excerpt(text, q, sizeof q));
    return RL_ERR_SYNTAX;
  }
  buf = malloc(l / 2);
  if (!buf) return RL_ERR_NOMEM;
  for (size_t i = 0; i < l; i += 2) {
    int h = rl_hex_digit(text[i]), lo = rl_hex_digit(text[i + 1]);
    if (h < 0 || lo < 0) {
      free(buf);
      snprintf(why, whylen, "\"%s\" is not a Node-ID in hexadecimal",
               rl_cfgv_excerpt(text, q, sizeof q));
      return RL_ERR_SYNTAX;
    }
    buf[i / 2] = (uint8_t)(h << 4 | lo);
  }
  *out = buf;
  *len = l / 2;
  return 0;
}

static int digits(const char **p, int n, int *out) {
  int v = 0;
  for (int i = 0; i < n; i++) {
    if (**p < '0' || **p > '9') return 0;
    v = v * 10 + (**p - '0');
    (*p)++;
  }
  *out = v;
  return 1;
}

static int expect(const char **p, char c) {
  if (**p != c) return 0;
  (*p)++;
  return 1;
}

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar, and
 * back (H. Hinnant's days_from_civil / civil_from_days). */
static int64_t days_from_civil(int64_t y, int m, int d) {
  int64_t era, yoe, doy, doe;
  y -= m <= 2;
  era = (y >= 0 ? y : y - 399) / 400;
  yoe = y - era * 400;
  doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

int rl_cfgv_datetime(const char *text, int64_t *out, char *why, size_t whylen) {
  static const int mdays[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const char *p = text;
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0;
  char q[48];
  int ok = digits(&p, 4, &y) && expect(&p, '-') && digits(&p, 2, &mo) && expect(&p, '-') &&
           digits(&p, 2, &d) && (expect(&p, 'T') || expect(&p, 't')) && digits(&p, 2, &h) &&
           expect(&p, ':') && digits(&p, 2, &mi) && expect(&p, ':') && digits(&p, 2, &s);
  if (ok && *p == '.') {
    p++;
    if (*p < '0' || *p > '9') ok = 0;
    while (*p >= '0' && *p <= '9') p++;
  }
  if (!ok) {
    snprintf(why, whylen, "\"%s\" is not an RFC 3339 date-time (YYYY-MM-DDThh:mm:ssZ)",
             rl_cfgv_excerpt(text, q, sizeof q));
    return RL_ERR_SYNTAX;
  }
  if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] ||
      (mo == 2 && d == 29 && !(y % 4 == 0 && (y % 100 != 0 || y % 400 == 0))) || h > 23 ||
      mi > 59 || s > 60) {
    snprintf(why, whylen, "\"%s\" is not a valid date and time", rl_cfgv_excerpt(text, q, sizeof q));
    return RL_ERR_SYNTAX;
  }
  /* 11.1: times "MUST ... be specified using UTC". */
  if (!(strcmp(p, "Z") == 0 || strcmp(p, "z") == 0 || strcmp(p, "+00:00") == 0 ||
        strcmp(p, "-00:00") == 0)) {
    snprintf(why, whylen, "\"%s\" must be in UTC, ending in Z (RFC 6940 11.1)",
             rl_cfgv_excerpt(text, q, sizeof q));
    return RL_ERR_SYNTAX;
  }
  if (s == 60) s = 59; /* a leap second: the instant before is close enough */
  *out = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s;
  return 0;
}

void rl_cfgv_format_datetime(int64_t t, char *buf, size_t size) {
  int64_t days = t >= 0 ? t / 86400 : -((-t + 86399) / 86400);
  int64_t secs = t - days * 86400;
  int64_t z = days + 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  int64_t doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  int d = (int)(doy - (153 * mp + 2) / 5 + 1);
  int m = (int)(mp < 10 ? mp + 3 : mp - 9);
  long long y = (long long)(yoe + era * 400 + (m <= 2));
  int hh = (int)(secs / 3600), mm = (int)(secs / 60 % 60), ss = (int)(secs % 60);
  snprintf(buf, size, "%04lld-%02d-%02dT%02d:%02d:%02dZ", y, m, d, hh, mm, ss);
}
