/* scen_parse.c: recursive-descent parser of the scenario language.
 *
 * Everything the parser allocates comes from the caller's pool and every
 * jansson value is handed to the pool as soon as it exists, so an error
 * can leave from any depth (longjmp to rl_scen_parse) without leaking:
 * the caller frees the pool. */
#include "scen_parse.h"

#include <errno.h>
#include <limits.h>
#include <regex.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/error.h"
#include "runtime/hex.h"
#include "scen_lexer.h"

#define MAX_NESTING 64 /* JSON and block depth */
#define MAX_DURATION_MS ((uint64_t)24 * 3600 * 1000)

typedef struct parser {
  rl_scen_lexer lx;
  rl_scen_token tok;  /* the current token */
  rl_scen_token next; /* one token of lookahead */
  const char *file;
  const char *text;
  size_t len;
  rl_scen_pool *pool;
  char *err;
  size_t errlen;
  int code;
  int depth;
  jmp_buf fail;
} parser;

/* ---- errors ---- */

/* "file:line:col: message", then the line and a caret (ninja's style). */
static void fail_at(parser *P, int line, int col, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5), noreturn))
#endif
    ;
static void fail_at(parser *P, int line, int col, const char *fmt, ...) {
  va_list ap;
  size_t n = 0;
  int k;
  const char *ls = P->text, *le;
  if (P->errlen) {
    k = snprintf(P->err, P->errlen, "%s:%d:%d: ", P->file, line, col);
    n = k > 0 ? (size_t)k : 0;
    if (n < P->errlen) {
      va_start(ap, fmt);
      k = vsnprintf(P->err + n, P->errlen - n, fmt, ap);
      va_end(ap);
      n += k > 0 ? (size_t)k : 0;
    }
    /* The source line, printable bytes only, and the caret. */
    for (int l = 1; l < line && ls < P->text + P->len; ls++)
      if (*ls == '\n') l++;
    for (le = ls; le < P->text + P->len && *le != '\n'; le++) {}
    if (n < P->errlen && le - ls < 200) {
      k = snprintf(P->err + n, P->errlen - n, "\n  ");
      n += k > 0 ? (size_t)k : 0;
      for (const char *q = ls; q < le && n + 1 < P->errlen; q++)
        P->err[n++] = (*q >= 32 && *q < 127) || *q == '\t' ? *q : '?';
      if (n < P->errlen) P->err[n] = 0;
      if (n < P->errlen) {
        k = snprintf(P->err + n, P->errlen - n, "\n  %*s^", col > 1 ? col - 1 : 0, "");
        n += k > 0 ? (size_t)k : 0;
      }
    }
    (void)n;
  }
  P->code = RL_ERR_SYNTAX;
  longjmp(P->fail, 1);
}

static void nomem(parser *P)
#if defined(__GNUC__)
    __attribute__((noreturn))
#endif
    ;
static void nomem(parser *P) {
  if (P->errlen) snprintf(P->err, P->errlen, "%s: out of memory", P->file);
  P->code = RL_ERR_NOMEM;
  longjmp(P->fail, 1);
}

/* The current token, quoted for a message. */
static const char *tok_text(const rl_scen_token *t, char *buf, size_t n) {
  if (t->type == RL_SCEN_T_EOF) return "end of file";
  if (t->len > 40)
    snprintf(buf, n, "'%.37s...'", t->p);
  else
    snprintf(buf, n, "'%.*s'", (int)t->len, t->p);
  for (char *q = buf; *q; q++)
    if ((unsigned char)*q < 32 || (unsigned char)*q >= 127) *q = '?';
  return buf;
}

static void fail_tok(parser *P, const char *what)
#if defined(__GNUC__)
    __attribute__((noreturn))
#endif
    ;
static void fail_tok(parser *P, const char *what) {
  char b[64];
  if (P->tok.type == RL_SCEN_T_ERROR)
    fail_at(P, P->tok.line, P->tok.col, "%s: %s", P->tok.error, tok_text(&P->tok, b, sizeof b));
  fail_at(P, P->tok.line, P->tok.col, "expected %s, got %s", what, tok_text(&P->tok, b, sizeof b));
}

/* ---- tokens ---- */

static void advance(parser *P) {
  P->tok = P->next;
  if (P->next.type != RL_SCEN_T_EOF) rl_scen_lex(&P->lx, &P->next);
}

static int is(const parser *P, rl_scen_tok t) { return P->tok.type == t; }

static int is_word(const rl_scen_token *t, const char *w) {
  return t->type == RL_SCEN_T_IDENT && t->len == strlen(w) && memcmp(t->p, w, t->len) == 0;
}

static void expect_tok(parser *P, rl_scen_tok t) {
  if (!is(P, t)) fail_tok(P, rl_scen_tok_name(t));
  advance(P);
}

static rl_scen_loc loc_here(const parser *P) {
  rl_scen_loc l;
  l.file = P->file;
  l.line = P->tok.line;
  l.col = P->tok.col;
  return l;
}

static void *alloc(parser *P, size_t n) {
  void *p = rl_scen_pool_alloc(P->pool, n);
  if (!p) nomem(P);
  return p;
}

static char *strndup_pool(parser *P, const char *s, size_t n) {
  char *r;
  if (n == SIZE_MAX) nomem(P);
  r = alloc(P, n + 1);
  memcpy(r, s, n);
  r[n] = 0;
  return r;
}

static json_t *keep(parser *P, json_t *v) {
  if (!v || !rl_scen_pool_keep(P->pool, v)) nomem(P);
  return v;
}

/* Append to an array kept in the pool; grows by doubling (the old copy
 * stays in the pool until it is freed). */
static void *grow(parser *P, void *arr, size_t *n, size_t *cap, size_t size) {
  if (*n == *cap) {
    size_t nc = *cap ? *cap * 2 : 4;
    void *na;
    if (nc > SIZE_MAX / size) nomem(P);
    na = alloc(P, nc * size);
    if (*n) memcpy(na, arr, *n * size);
    arr = na;
    *cap = nc;
  }
  (*n)++;
  return arr;
}

/* ---- literals ---- */

static char *ident(parser *P, const char *what) {
  char *s;
  if (!is(P, RL_SCEN_T_IDENT)) fail_tok(P, what);
  s = strndup_pool(P, P->tok.p, P->tok.len);
  advance(P);
  return s;
}

static int utf8_put(char *out, unsigned long cp) {
  if (cp < 0x80) {
    out[0] = (char)cp;
    return 1;
  }
  if (cp < 0x800) {
    out[0] = (char)(0xc0 | cp >> 6);
    out[1] = (char)(0x80 | (cp & 0x3f));
    return 2;
  }
  if (cp < 0x10000) {
    out[0] = (char)(0xe0 | cp >> 12);
    out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
    out[2] = (char)(0x80 | (cp & 0x3f));
    return 3;
  }
  out[0] = (char)(0xf0 | cp >> 18);
  out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
  out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
  out[3] = (char)(0x80 | (cp & 0x3f));
  return 4;
}

static long hex4(const char *p) {
  long v = 0;
  for (int i = 0; i < 4; i++) {
    int d = rl_hex_digit((unsigned char)p[i]);
    if (d < 0) return -1;
    v = v << 4 | d;
  }
  return v;
}

/* The current STRING token's value (JSON escapes), in the pool; *n is its
 * length (it may contain NUL from \u0000). */
static char *string_value(parser *P, size_t *n) {
  const char *p = P->tok.p + 1, *end = P->tok.p + P->tok.len - 1;
  char *out = alloc(P, P->tok.len + 1), *o = out;
  while (p < end) {
    int col = P->tok.col + (int)(p - P->tok.p);
    if (*p != '\\') {
      *o++ = *p++;
      continue;
    }
    p++;
    switch (*p) {
    case '"': *o++ = '"'; break;
    case '\\': *o++ = '\\'; break;
    case '/': *o++ = '/'; break;
    case 'b': *o++ = '\b'; break;
    case 'f': *o++ = '\f'; break;
    case 'n': *o++ = '\n'; break;
    case 'r': *o++ = '\r'; break;
    case 't': *o++ = '\t'; break;
    case 'u': {
      long cp = end - p >= 5 ? hex4(p + 1) : -1;
      if (cp < 0) fail_at(P, P->tok.line, col, "\\u needs four hex digits");
      p += 4;
      if (cp >= 0xd800 && cp < 0xdc00) {
        long lo = end - p >= 7 && p[1] == '\\' && p[2] == 'u' ? hex4(p + 3) : -1;
        if (lo < 0xdc00 || lo > 0xdfff)
          fail_at(P, P->tok.line, col, "a \\u high surrogate needs a low surrogate after it");
        cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
        p += 6;
      } else if (cp >= 0xdc00 && cp < 0xe000) {
        fail_at(P, P->tok.line, col, "a \\u low surrogate without a high one");
      }
      o += utf8_put(o, (unsigned long)cp);
      break;
    }
    default: fail_at(P, P->tok.line, col, "unknown escape \\%c", *p >= 32 && *p < 127 ? *p : '?');
    }
    p++;
  }
  *o = 0;
  *n = (size_t)(o - out);
  return out;
}

static char *string_lit(parser *P, const char *what) {
  size_t n;
  char *s;
  if (!is(P, RL_SCEN_T_STRING)) fail_tok(P, what);
  s = string_value(P, &n);
  if (strlen(s) != n) fail_at(P, P->tok.line, P->tok.col, "a NUL character in this string");
  advance(P);
  return s;
}

/* A NUMBER token: int64, or uint64 above INT64_MAX. */
static int number_value(parser *P, int64_t *sv, uint64_t *uv, int *is_unsigned) {
  char buf[32];
  const char *s = P->tok.p;
  size_t n = P->tok.len;
  char *end;
  if (n >= sizeof buf) goto range;
  memcpy(buf, s, n);
  buf[n] = 0;
  errno = 0;
  if (buf[0] == '-') {
    long long v = strtoll(buf, &end, 10);
    if (errno || *end) goto range;
    *sv = v;
    *is_unsigned = 0;
    return 0;
  }
  {
    unsigned long long v = strtoull(buf, &end, 0);
    if (errno || *end) goto range;
    *uv = v;
    *is_unsigned = v > (unsigned long long)INT64_MAX;
    *sv = *is_unsigned ? 0 : (int64_t)v;
  }
  return 0;
range:
  fail_at(P, P->tok.line, P->tok.col, "number out of range (64 bits)");
}

static int64_t number_i64(parser *P, const char *what) {
  int64_t sv = 0;
  uint64_t uv = 0;
  int u = 0;
  if (!is(P, RL_SCEN_T_NUMBER)) fail_tok(P, what);
  number_value(P, &sv, &uv, &u);
  if (u) fail_at(P, P->tok.line, P->tok.col, "number out of range");
  advance(P);
  return sv;
}

static uint64_t number_u64(parser *P, const char *what) {
  int64_t sv = 0;
  uint64_t uv = 0;
  int u = 0;
  if (!is(P, RL_SCEN_T_NUMBER)) fail_tok(P, what);
  number_value(P, &sv, &uv, &u);
  if (!u && sv < 0) fail_at(P, P->tok.line, P->tok.col, "expected a non-negative number");
  advance(P);
  return u ? uv : (uint64_t)sv;
}

static uint64_t duration(parser *P) {
  const char *p = P->tok.p, *e = P->tok.p + P->tok.len;
  uint64_t v = 0, mult;
  if (!is(P, RL_SCEN_T_DURATION)) fail_tok(P, "a duration (2s, 500ms)");
  for (; p < e && *p >= '0' && *p <= '9'; p++) {
    v = v * 10 + (uint64_t)(*p - '0');
    if (v > MAX_DURATION_MS) fail_at(P, P->tok.line, P->tok.col, "duration longer than a day");
  }
  mult = (e - p == 2) ? 1 : 1000; /* "ms" or "s" */
  v *= mult;
  if (v > MAX_DURATION_MS) fail_at(P, P->tok.line, P->tok.col, "duration longer than a day");
  advance(P);
  return v;
}

/* hex"..." into pool bytes. */
static uint8_t *hex_bytes(parser *P, size_t *n) {
  const char *s = P->tok.p + 4;
  size_t sl = P->tok.len - 5;
  uint8_t *out = alloc(P, sl / 2 + 1);
  long r = rl_hex_decode(s, sl, out, sl / 2 + 1, 1);
  if (r < 0) {
    /* Find the culprit for the column: a non-hex character, or a digit
     * whose pair is cut by a space or the end. */
    int line = P->tok.line, col = P->tok.col + 4;
    size_t i = 0;
    while (i < sl) {
      char c = s[i];
      if (c == ' ' || c == '\t' || c == '\r' || c == ':' || c == '\n') {
        if (c == '\n') {
          line++;
          col = 0;
        }
        i++;
        col++;
        continue;
      }
      if (rl_hex_digit((unsigned char)c) < 0) fail_at(P, line, col, "not a hex digit");
      if (i + 1 >= sl || strchr(" \t\r\n:", s[i + 1]))
        fail_at(P, line, col, "odd number of hex digits (bytes are two digits)");
      if (rl_hex_digit((unsigned char)s[i + 1]) < 0) fail_at(P, line, col + 1, "not a hex digit");
      i += 2;
      col += 2;
    }
    fail_at(P, P->tok.line, P->tok.col, "bad hex bytes");
  }
  *n = (size_t)r;
  advance(P);
  return out;
}

/* ---- values (JSON with extras) ---- */

static json_t *value(parser *P);

static json_t *object_value(parser *P) {
  json_t *o = keep(P, json_object());
  if (++P->depth > MAX_NESTING) fail_at(P, P->tok.line, P->tok.col, "nested too deeply");
  advance(P); /* { */
  while (!is(P, RL_SCEN_T_RBRACE)) {
    char *key;
    size_t kn = 0;
    json_t *v;
    int line = P->tok.line, col = P->tok.col;
    if (is(P, RL_SCEN_T_STRING)) {
      key = string_value(P, &kn);
      if (strlen(key) != kn) fail_at(P, line, col, "a NUL character in a member name");
      advance(P);
    } else if (is(P, RL_SCEN_T_IDENT)) {
      key = ident(P, "a member name");
    } else {
      fail_tok(P, "a member name or '}'");
    }
    if (json_object_get(o, key)) fail_at(P, line, col, "member \"%s\" given twice", key);
    expect_tok(P, RL_SCEN_T_COLON);
    v = value(P);
    if (json_object_set(o, key, v) != 0) nomem(P);
    if (is(P, RL_SCEN_T_COMMA)) {
      advance(P);
      if (is(P, RL_SCEN_T_RBRACE)) fail_tok(P, "a member after ','");
    } else if (!is(P, RL_SCEN_T_RBRACE)) {
      fail_tok(P, "',' or '}'");
    }
  }
  advance(P);
  P->depth--;
  return o;
}

static json_t *array_value(parser *P) {
  json_t *a = keep(P, json_array());
  if (++P->depth > MAX_NESTING) fail_at(P, P->tok.line, P->tok.col, "nested too deeply");
  advance(P); /* [ */
  while (!is(P, RL_SCEN_T_RBRACK)) {
    json_t *v = value(P);
    if (json_array_append(a, v) != 0) nomem(P);
    if (is(P, RL_SCEN_T_COMMA)) {
      advance(P);
      if (is(P, RL_SCEN_T_RBRACK)) fail_tok(P, "a value after ','");
    } else if (!is(P, RL_SCEN_T_RBRACK)) {
      fail_tok(P, "',' or ']'");
    }
  }
  advance(P);
  P->depth--;
  return a;
}

/* A value: JSON (strings, numbers, true/false/null, objects, arrays), a
 * bare word (an enum name: the string), ${...} (kept as that string for
 * substitution), hex"..." (the lowercase hex string of the bytes). */
static json_t *value(parser *P) {
  json_t *v = NULL;
  switch (P->tok.type) {
  case RL_SCEN_T_LBRACE: return object_value(P);
  case RL_SCEN_T_LBRACK: return array_value(P);
  case RL_SCEN_T_STRING: {
    size_t n;
    char *s = string_value(P, &n);
    v = json_stringn(s, n);
    if (!v) fail_at(P, P->tok.line, P->tok.col, "string is not valid UTF-8");
    keep(P, v);
    break;
  }
  case RL_SCEN_T_NUMBER: {
    int64_t sv = 0;
    uint64_t uv = 0;
    int u = 0;
    number_value(P, &sv, &uv, &u);
    if (u) {
      /* JSON integers are int64 here; the codec reads uint64 fields from
       * decimal strings too. */
      char buf[24];
      snprintf(buf, sizeof buf, "%llu", (unsigned long long)uv);
      v = keep(P, json_string(buf));
    } else {
      v = keep(P, json_integer(sv));
    }
    break;
  }
  case RL_SCEN_T_IDENT:
    if (is_word(&P->tok, "true"))
      v = json_true();
    else if (is_word(&P->tok, "false"))
      v = json_false();
    else if (is_word(&P->tok, "null"))
      v = json_null();
    else
      v = keep(P, json_stringn(P->tok.p, P->tok.len));
    break;
  case RL_SCEN_T_VAR:
  case RL_SCEN_T_REQID:
    v = keep(P, json_stringn(P->tok.p, P->tok.len));
    break;
  case RL_SCEN_T_HEX: {
    size_t n = 0;
    uint8_t *b = hex_bytes(P, &n);
    char *h = alloc(P, 2 * n + 1);
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
      h[2 * i] = digits[b[i] >> 4];
      h[2 * i + 1] = digits[b[i] & 15];
    }
    return keep(P, json_stringn(h, 2 * n));
  }
  default: fail_tok(P, "a value");
  }
  advance(P);
  return v;
}

/* ---- paths and matchers ---- */

static rl_scen_path path(parser *P) {
  rl_scen_path r;
  size_t cap = 0;
  const char *start = P->tok.p, *end = P->tok.p;
  memset(&r, 0, sizeof r);
  if (!is(P, RL_SCEN_T_IDENT)) fail_tok(P, "a path (forwarding_header.ttl)");
  for (;;) {
    rl_scen_pathseg *s;
    if (is(P, RL_SCEN_T_IDENT)) {
      r.seg = grow(P, r.seg, &r.nseg, &cap, sizeof *r.seg);
      s = &r.seg[r.nseg - 1];
      s->name = strndup_pool(P, P->tok.p, P->tok.len);
      end = P->tok.p + P->tok.len;
      advance(P);
    } else {
      fail_tok(P, "a member name");
    }
    while (is(P, RL_SCEN_T_LBRACK) || is(P, RL_SCEN_T_ALL)) {
      r.seg = grow(P, r.seg, &r.nseg, &cap, sizeof *r.seg);
      s = &r.seg[r.nseg - 1];
      s->name = NULL;
      if (is(P, RL_SCEN_T_ALL)) {
        s->all = 1;
        r.has_all = 1;
        end = P->tok.p + P->tok.len;
        advance(P);
        continue;
      }
      advance(P);
      s->index = (long)number_i64(P, "an index or '*'");
      end = P->tok.p + P->tok.len;
      expect_tok(P, RL_SCEN_T_RBRACK);
    }
    /* Only a '.' glued to the path continues it. */
    if (!is(P, RL_SCEN_T_DOT) || P->tok.p != end) break;
    advance(P);
  }
  r.text = strndup_pool(P, start, (size_t)(end - start));
  return r;
}

static void check_regex(parser *P, const json_t *v, int line, int col) {
  regex_t re;
  int rc;
  if (!json_is_string(v)) fail_at(P, line, col, "=~ and !~ take a string (a regular expression)");
  /* ${...} is substituted at run time: check the pattern then. */
  if (strstr(json_string_value(v), "${")) return;
  /* Bounded repetition makes regcomp's automaton grow as the product of
   * the bounds: keep patterns small (they match field values). */
  {
    const char *q = json_string_value(v);
    if (strlen(q) > 256) fail_at(P, line, col, "regular expression longer than 256 characters");
    for (; *q; q++)
      if (*q == '{' && strtoul(q + 1, NULL, 10) > 64)
        fail_at(P, line, col, "repetition counts above 64 are not supported");
  }
  rc = regcomp(&re, json_string_value(v), REG_EXTENDED | REG_NOSUB);
  if (rc != 0) {
    char why[128];
    regerror(rc, &re, why, sizeof why);
    fail_at(P, line, col, "bad regular expression: %s", why);
  }
  regfree(&re);
}

static void matcher(parser *P, rl_scen_matcher *m) {
  memset(m, 0, sizeof *m);
  m->loc = loc_here(P);
  if (is_word(&P->tok, "len") && P->next.type == RL_SCEN_T_LPAREN) {
    advance(P);
    advance(P);
    m->len_of = 1;
    m->path = path(P);
    expect_tok(P, RL_SCEN_T_RPAREN);
  } else {
    m->path = path(P);
  }
  switch (P->tok.type) {
  case RL_SCEN_T_EQ: m->op = RL_SCEN_OP_EQ; break;
  case RL_SCEN_T_NE: m->op = RL_SCEN_OP_NE; break;
  case RL_SCEN_T_LT: m->op = RL_SCEN_OP_LT; break;
  case RL_SCEN_T_LE: m->op = RL_SCEN_OP_LE; break;
  case RL_SCEN_T_GT: m->op = RL_SCEN_OP_GT; break;
  case RL_SCEN_T_GE: m->op = RL_SCEN_OP_GE; break;
  case RL_SCEN_T_MATCH: m->op = RL_SCEN_OP_MATCH; break;
  case RL_SCEN_T_NOMATCH: m->op = RL_SCEN_OP_NOMATCH; break;
  case RL_SCEN_T_IDENT:
    if (is_word(&P->tok, "exists") || is_word(&P->tok, "absent")) {
      if (m->len_of) fail_tok(P, "a comparison after len(...)");
      m->op = is_word(&P->tok, "exists") ? RL_SCEN_OP_EXISTS : RL_SCEN_OP_ABSENT;
      advance(P);
      return;
    }
    if (is_word(&P->tok, "in") || is_word(&P->tok, "not-in")) {
      m->op = is_word(&P->tok, "in") ? RL_SCEN_OP_IN : RL_SCEN_OP_NOT_IN;
      advance(P);
      if (!is(P, RL_SCEN_T_LBRACK)) fail_tok(P, "'[' (a list of values)");
      m->value = value(P);
      return;
    }
    if (is_word(&P->tok, "contains-one-of")) {
      m->op = RL_SCEN_OP_CONTAINS_ONE_OF;
      advance(P);
      if (!is(P, RL_SCEN_T_LBRACK)) fail_tok(P, "'[' (a list of values)");
      m->value = value(P);
      return;
    }
    if (is_word(&P->tok, "contains")) {
      m->op = RL_SCEN_OP_CONTAINS;
      advance(P);
      m->value = value(P);
      return;
    }
    /* fall through */
  default:
    fail_tok(P, "an operator (== != < <= > >= =~ !~ in not-in contains contains-one-of "
                "exists absent)");
  }
  advance(P);
  {
    int line = P->tok.line, col = P->tok.col;
    m->value = value(P);
    if (m->op == RL_SCEN_OP_MATCH || m->op == RL_SCEN_OP_NOMATCH) check_regex(P, m->value, line, col);
  }
}

static void capture(parser *P, rl_scen_capture *c) {
  c->loc = loc_here(P);
  advance(P); /* capture */
  c->name = ident(P, "a variable name");
  expect_tok(P, RL_SCEN_T_ASSIGN);
  {
    int line = P->tok.line, col = P->tok.col;
    c->path = path(P);
    if (c->path.has_all) fail_at(P, line, col, "a capture takes one value: no [*] in its path");
  }
}

/* { matcher | capture ... } */
static void block(parser *P, rl_scen_block *b) {
  size_t mcap = 0, ccap = 0;
  memset(b, 0, sizeof *b);
  if (!is(P, RL_SCEN_T_LBRACE)) fail_tok(P, "'{'");
  advance(P);
  while (!is(P, RL_SCEN_T_RBRACE)) {
    if (is_word(&P->tok, "capture")) {
      b->cap = grow(P, b->cap, &b->ncap, &ccap, sizeof *b->cap);
      capture(P, &b->cap[b->ncap - 1]);
    } else if (is(P, RL_SCEN_T_IDENT)) {
      if (b->ncap) fail_at(P, P->tok.line, P->tok.col, "matchers come before the captures of a block");
      b->m = grow(P, b->m, &b->nm, &mcap, sizeof *b->m);
      matcher(P, &b->m[b->nm - 1]);
    } else {
      fail_tok(P, "a matcher, 'capture' or '}'");
    }
  }
  advance(P);
}

/* ---- steps ---- */

static void mutations(parser *P, rl_scen_step *s) {
  size_t cap = 0;
  advance(P); /* mutate */
  if (!is(P, RL_SCEN_T_LBRACE)) fail_tok(P, "'{'");
  advance(P);
  while (!is(P, RL_SCEN_T_RBRACE)) {
    rl_scen_mut *m;
    s->mut = grow(P, s->mut, &s->nmut, &cap, sizeof *s->mut);
    m = &s->mut[s->nmut - 1];
    m->loc = loc_here(P);
    if (is_word(&P->tok, "truncate")) {
      advance(P);
      m->kind = RL_SCEN_MUT_TRUNCATE;
      m->offset = (long)number_i64(P, "a byte count");
    } else if (is_word(&P->tok, "set8") || is_word(&P->tok, "set16") ||
               is_word(&P->tok, "set32") || is_word(&P->tok, "set64")) {
      m->kind = RL_SCEN_MUT_SET;
      m->width = (unsigned)(strtoul(P->tok.p + 3, NULL, 10) / 8);
      advance(P);
      m->offset = (long)number_i64(P, "an offset");
      {
        int line = P->tok.line, col = P->tok.col;
        m->value = number_u64(P, "a value");
        if (m->width < 8 && m->value >> (8 * m->width))
          fail_at(P, line, col, "value does not fit in %u bytes", m->width);
      }
    } else if (is_word(&P->tok, "xor")) {
      m->kind = RL_SCEN_MUT_XOR;
      advance(P);
      m->offset = (long)number_i64(P, "an offset");
      {
        int line = P->tok.line, col = P->tok.col;
        m->value = number_u64(P, "a byte value");
        if (m->value > 255) fail_at(P, line, col, "xor takes one byte (0..255)");
      }
    } else if (is_word(&P->tok, "append")) {
      m->kind = RL_SCEN_MUT_APPEND;
      advance(P);
      if (!is(P, RL_SCEN_T_HEX)) fail_tok(P, "hex\"...\"");
      m->bytes = hex_bytes(P, &m->nbytes);
    } else if (is_word(&P->tok, "insert")) {
      m->kind = RL_SCEN_MUT_INSERT;
      advance(P);
      m->offset = (long)number_i64(P, "an offset");
      if (!is(P, RL_SCEN_T_HEX)) fail_tok(P, "hex\"...\"");
      m->bytes = hex_bytes(P, &m->nbytes);
    } else if (is_word(&P->tok, "fix-length")) {
      m->kind = RL_SCEN_MUT_FIX_LENGTH;
      advance(P);
    } else {
      fail_tok(P, "a mutation (truncate set8 set16 set32 set64 xor append insert fix-length)");
    }
  }
  advance(P);
}

static const char *conn_opt(parser *P) {
  if (!is(P, RL_SCEN_T_AT)) return "";
  advance(P);
  return ident(P, "a connection name");
}

static void within_opt(parser *P, rl_scen_step *s) {
  if (!is_word(&P->tok, "within")) return;
  advance(P);
  s->within_ms = duration(P);
  if (s->within_ms == 0) fail_at(P, P->tok.line, P->tok.col, "'within' needs a time above 0");
}

static void where_opt(parser *P, rl_scen_step *s) {
  if (!is_word(&P->tok, "where")) return;
  advance(P);
  block(P, &s->where);
  s->has_where = 1;
  if (s->where.ncap) fail_at(P, s->where.cap[0].loc.line, s->where.cap[0].loc.col, "no captures in a where block");
}

/* Is the current token the start of a step? Then parse it into s. */
static int step(parser *P, rl_scen_step *s, int responder) {
  const rl_scen_token *t = &P->tok;
  memset(s, 0, sizeof *s);
  s->loc = loc_here(P);
  s->conn = "";
  if (is_word(t, "send") || is_word(t, "reply")) {
    s->kind = is_word(t, "send") ? RL_SCEN_SEND : RL_SCEN_REPLY;
    advance(P);
    s->conn = conn_opt(P);
    if (!is(P, RL_SCEN_T_LBRACE) && !is(P, RL_SCEN_T_VAR))
      fail_tok(P, "a message template ('{' or ${...})");
    s->tmpl = value(P);
    if (is_word(&P->tok, "mutate")) mutations(P, s);
    if (is_word(&P->tok, "fragment")) {
      int line, col;
      if (responder) fail_at(P, P->tok.line, P->tok.col, "a responder sends whole messages");
      advance(P);
      line = P->tok.line;
      col = P->tok.col;
      s->frag_max = (size_t)number_u64(P, "the largest fragment in bytes");
      /* 6.7: a fragment holds the forwarding header and at least 256
       * bytes of the message; the header alone is at least 38 bytes. */
      if (s->frag_max < 38 + 256 || s->frag_max > 65535)
        fail_at(P, line, col, "a fragment size is 294..65535 bytes (6.7: the header and at least "
                              "256 bytes of the message)");
      if (is_word(&P->tok, "reversed")) {
        s->frag_reversed = 1;
        advance(P);
      }
    }
    if (is_word(&P->tok, "frame")) {
      int line, col;
      uint64_t v;
      if (responder || s->kind == RL_SCEN_REPLY)
        fail_at(P, P->tok.line, P->tok.col, "only a send writes frames of its own");
      if (s->frag_max) fail_at(P, P->tok.line, P->tok.col, "a send takes fragment or frame, not both");
      advance(P);
      s->framed = 1;
      if (!is_word(&P->tok, "sequence")) fail_tok(P, "'sequence'");
      advance(P);
      line = P->tok.line;
      col = P->tok.col;
      v = number_u64(P, "a sequence number");
      if (v > 0xffffffffu) fail_at(P, line, col, "a sequence number is 32 bits (6.6.2)");
      s->frame_seq = (uint32_t)v;
      if (is_word(&P->tok, "length")) {
        advance(P);
        line = P->tok.line;
        col = P->tok.col;
        v = number_u64(P, "a length in bytes");
        if (v > 0xffffffu) fail_at(P, line, col, "a frame's length is 24 bits (6.6.2)");
        s->has_frame_len = 1;
        s->frame_len = (uint32_t)v;
      }
    }
    return 1;
  }
  if (is_word(t, "send-raw") || is_word(t, "send-stream")) {
    s->kind = is_word(t, "send-raw") ? RL_SCEN_SEND_RAW : RL_SCEN_SEND_STREAM;
    advance(P);
    s->conn = conn_opt(P);
    if (!is(P, RL_SCEN_T_HEX)) fail_tok(P, "hex\"...\"");
    s->bytes = hex_bytes(P, &s->nbytes);
    return 1;
  }
  if (is_word(t, "close")) {
    s->kind = RL_SCEN_CLOSE;
    advance(P);
    s->conn = conn_opt(P);
    return 1;
  }
  if (is_word(t, "sleep")) {
    s->kind = RL_SCEN_SLEEP;
    advance(P);
    s->within_ms = duration(P);
    return 1;
  }
  if (responder) return 0;
  if (is_word(t, "connect")) {
    s->kind = RL_SCEN_CONNECT;
    advance(P);
    s->conn = conn_opt(P);
    if (!is_word(&P->tok, "credentials")) fail_tok(P, "'credentials'");
    advance(P);
    if (!is_word(&P->tok, "other-ca")) fail_tok(P, "credentials to present (other-ca)");
    s->credentials = ident(P, "credentials");
    return 1;
  }
  if (is_word(t, "expect") || is_word(t, "expect-message")) {
    s->kind = is_word(t, "expect") ? RL_SCEN_EXPECT : RL_SCEN_EXPECT_MESSAGE;
    advance(P);
    s->conn = conn_opt(P);
    within_opt(P, s);
    if (s->kind == RL_SCEN_EXPECT_MESSAGE) where_opt(P, s);
    block(P, &s->block);
    return 1;
  }
  if (is_word(t, "expect-acked")) {
    s->kind = RL_SCEN_EXPECT_ACKED;
    advance(P);
    s->conn = conn_opt(P);
    within_opt(P, s);
    if (is(P, RL_SCEN_T_LBRACE)) {
      block(P, &s->block);
      if (s->block.ncap)
        fail_at(P, s->block.cap[0].loc.line, s->block.cap[0].loc.col,
                "no captures in expect-acked (it looks at the link, not a message)");
    }
    return 1;
  }
  if (is_word(t, "expect-close") || is_word(t, "expect-nothing")) {
    s->kind = is_word(t, "expect-close") ? RL_SCEN_EXPECT_CLOSE : RL_SCEN_EXPECT_NOTHING;
    advance(P);
    s->conn = conn_opt(P);
    within_opt(P, s);
    if (s->kind == RL_SCEN_EXPECT_NOTHING) where_opt(P, s);
    return 1;
  }
  if (is_word(t, "capture")) {
    s->kind = RL_SCEN_CAPTURE;
    capture(P, &s->cap);
    return 1;
  }
  if (is_word(t, "let")) {
    s->kind = RL_SCEN_LET;
    advance(P);
    s->cap.loc = s->loc;
    s->cap.name = ident(P, "a variable name");
    expect_tok(P, RL_SCEN_T_ASSIGN);
    s->tmpl = value(P);
    return 1;
  }
  return 0;
}

/* ---- header ---- */

static int header(parser *P, rl_scenario *sc, size_t *rcap, size_t *kcap) {
  const rl_scen_token *t = &P->tok;
  if (is_word(t, "id")) {
    advance(P);
    if (sc->id) fail_at(P, P->tok.line, P->tok.col, "a second 'id'");
    sc->id_loc = loc_here(P);
    sc->id = ident(P, "an identifier (letters, digits, '_', '-')");
  } else if (is_word(t, "title")) {
    advance(P);
    if (sc->title) fail_at(P, P->tok.line, P->tok.col, "a second 'title'");
    sc->title = string_lit(P, "a string");
  } else if (is_word(t, "group")) {
    advance(P);
    if (sc->group) fail_at(P, P->tok.line, P->tok.col, "a second 'group'");
    sc->group = ident(P, "a group name");
  } else if (is_word(t, "role")) {
    advance(P);
    if (is_word(&P->tok, "client"))
      sc->role = RL_SCEN_ROLE_CLIENT;
    else if (is_word(&P->tok, "peer"))
      sc->role = RL_SCEN_ROLE_PEER;
    else if (is_word(&P->tok, "multi"))
      sc->role = RL_SCEN_ROLE_MULTI;
    else
      fail_tok(P, "client, peer or multi");
    advance(P);
  } else if (is_word(t, "timeout")) {
    advance(P);
    sc->timeout_ms = duration(P);
  } else if (is_word(t, "requires")) {
    advance(P);
    do {
      rl_scen_req *r;
      if (is(P, RL_SCEN_T_COMMA)) advance(P);
      if (!is(P, RL_SCEN_T_REQID)) fail_tok(P, "a requirement ID (RFC6940-6.3.2-8)");
      sc->reqs = grow(P, sc->reqs, &sc->nreqs, rcap, sizeof *sc->reqs);
      r = &sc->reqs[sc->nreqs - 1];
      r->loc = loc_here(P);
      r->id = strndup_pool(P, P->tok.p, P->tok.len);
      advance(P);
    } while (is(P, RL_SCEN_T_COMMA) || is(P, RL_SCEN_T_REQID));
  } else if (is_word(t, "skip-if")) {
    rl_scen_skip *k;
    sc->skips = grow(P, sc->skips, &sc->nskips, kcap, sizeof *sc->skips);
    k = &sc->skips[sc->nskips - 1];
    k->loc = loc_here(P);
    advance(P);
    matcher(P, &k->cond);
    if (!is_word(&P->tok, "because")) fail_tok(P, "'because' and a reason");
    advance(P);
    k->reason = string_lit(P, "a string (the reason)");
  } else {
    return 0;
  }
  return 1;
}

static void rules(parser *P, rl_scenario *sc) {
  size_t cap = 0;
  while (!is(P, RL_SCEN_T_EOF)) {
    rl_scen_rule *r;
    size_t scap = 0;
    if (!is_word(&P->tok, "on") && !is_word(&P->tok, "on-undecodable"))
      fail_tok(P, "'on' or 'on-undecodable' (a responder rule)");
    sc->rules = grow(P, sc->rules, &sc->nrules, &cap, sizeof *sc->rules);
    r = &sc->rules[sc->nrules - 1];
    r->loc = loc_here(P);
    r->undecodable = is_word(&P->tok, "on-undecodable");
    advance(P);
    /* on { cond } { steps }; on-undecodable [where { cond }] { steps } */
    if (!r->undecodable || is_word(&P->tok, "where")) {
      if (r->undecodable) advance(P);
      block(P, &r->when);
      if (r->when.ncap)
        fail_at(P, r->when.cap[0].loc.line, r->when.cap[0].loc.col,
                "no captures in a rule's condition");
    }
    expect_tok(P, RL_SCEN_T_LBRACE);
    while (!is(P, RL_SCEN_T_RBRACE)) {
      r->steps = grow(P, r->steps, &r->nsteps, &scap, sizeof *r->steps);
      if (!step(P, &r->steps[r->nsteps - 1], 1))
        fail_tok(P, "a responder step (send, reply, send-raw, send-stream, close, sleep) or '}'");
    }
    advance(P);
  }
}

static void scenario_file(parser *P, rl_scenario *sc) {
  size_t rcap = 0, kcap = 0, scap = 0;
  if (is_word(&P->tok, "responder")) {
    sc->is_responder = 1;
    advance(P);
    if (is_word(&P->tok, "id")) header(P, sc, &rcap, &kcap);
    rules(P, sc);
    return;
  }
  while (header(P, sc, &rcap, &kcap)) {}
  /* A missing header line is reported at the start of the file. */
  if (!sc->id || !sc->title || !sc->nreqs || !sc->group)
    fail_at(P, 1, 1, "the header has no '%s' (a scenario starts with id, title, requires, group)",
            !sc->id ? "id" : !sc->title ? "title" : !sc->nreqs ? "requires" : "group");
  while (!is(P, RL_SCEN_T_EOF)) {
    sc->steps = grow(P, sc->steps, &sc->nsteps, &scap, sizeof *sc->steps);
    if (!step(P, &sc->steps[sc->nsteps - 1], 0)) {
      static const char *const headers[] = {"id", "title", "group", "role", "timeout",
                                            "requires", "skip-if", NULL};
      for (int k = 0; headers[k]; k++)
        if (is_word(&P->tok, headers[k]))
          fail_at(P, P->tok.line, P->tok.col, "header lines come before the first step");
      fail_tok(P, "a step (send, reply, send-raw, send-stream, expect, expect-message, "
                  "expect-close, expect-nothing, expect-acked, capture, let, sleep, close, "
                  "connect)");
    }
  }
  if (!sc->nsteps) fail_tok(P, "a step");
}

int rl_scen_parse(const char *file, const char *text, size_t len, rl_scen_pool *pool,
                  rl_scenario *out, char *err, size_t errlen) {
  parser P;
  memset(&P, 0, sizeof P);
  memset(out, 0, sizeof *out);
  P.file = file;
  P.text = text;
  P.len = len;
  P.pool = pool;
  P.err = err;
  P.errlen = errlen;
  if (errlen) err[0] = 0;
  if (setjmp(P.fail)) return P.code;
  P.file = out->file = strndup_pool(&P, file, strlen(file));
  rl_scen_lexer_init(&P.lx, text, len);
  rl_scen_lex(&P.lx, &P.next);
  advance(&P);
  scenario_file(&P, out);
  return 0;
}
