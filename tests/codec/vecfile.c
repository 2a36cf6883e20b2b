/* vecfile.c: see vecfile.h. */
#include "vecfile.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/error.h"
#include "runtime/hex.h"

static int fail(char *err, size_t errlen, const char *file, int line,
                const char *fmt, ...) {
  va_list ap;
  int n = snprintf(err, errlen, "%s:%d: ", file, line);
  if (n >= 0 && (size_t)n < errlen) {
    va_start(ap, fmt);
    vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
    va_end(ap);
  }
  return -1;
}

static char *read_all(const char *file, size_t *len) {
  FILE *f = fopen(file, "rb");
  char *buf = NULL;
  size_t cap = 0, n = 0;
  if (!f) return NULL;
  for (;;) {
    size_t got;
    if (cap - n < 4096) {
      char *nb = realloc(buf, cap + 65536);
      if (!nb) {
        free(buf);
        buf = NULL;
        break;
      }
      buf = nb;
      cap += 65536;
    }
    got = fread(buf + n, 1, cap - n - 1, f);
    n += got;
    if (got == 0) break;
  }
  if (buf && ferror(f)) {
    free(buf);
    buf = NULL;
  }
  fclose(f);
  if (buf) {
    buf[n] = '\0';
    *len = n;
  }
  return buf;
}

/* "key:" at the start of line; returns the text after it (spaces skipped). */
static const char *directive(const char *line, const char *key) {
  size_t k = strlen(key);
  if (strncmp(line, key, k) != 0 || line[k] != ':') return NULL;
  line += k + 1;
  while (*line == ' ' || *line == '\t') line++;
  return line;
}

static void copy_trimmed(char *dst, size_t size, const char *src) {
  size_t n = strlen(src);
  while (n > 0 && isspace((unsigned char)src[n - 1])) n--;
  if (n >= size) n = size - 1;
  memcpy(dst, src, n);
  dst[n] = '\0';
}

/* One line of the hex section: bytes, then an optional "# comment". */
static int hex_line(rl_vec *v, char *line, int lineno, char **cstore, char *err,
                    size_t errlen) {
  char *hash = strchr(line, '#');
  const char *comment = "";
  size_t first = v->len;
  if (hash) {
    char *c = hash + 1;
    *hash = '\0';
    while (*c == ' ' || *c == '\t') c++;
    copy_trimmed(*cstore, strlen(c) + 1, c);
    comment = *cstore;
    *cstore += strlen(*cstore) + 1;
  }
  for (char *p = line; *p;) {
    int hi, lo;
    if (isspace((unsigned char)*p)) {
      p++;
      continue;
    }
    hi = rl_hex_digit((unsigned char)p[0]);
    lo = hi < 0 ? -1 : rl_hex_digit((unsigned char)p[1]);
    if (hi < 0 || lo < 0)
      return fail(err, errlen, v->file, lineno,
                  "'%.*s' is not a hex byte (two hex digits)", p[1] ? 2 : 1, p);
    if (v->len == VEC_MAX_BYTES)
      return fail(err, errlen, v->file, lineno, "more than %d bytes", VEC_MAX_BYTES);
    v->bytes[v->len++] = (uint8_t)(hi << 4 | lo);
    p += 2;
  }
  for (size_t i = first; i < v->len; i++) v->comment_of[i] = comment;
  return 0;
}

static int parse_error_line(rl_vec *v, const char *text, int lineno, char *err,
                            size_t errlen) {
  char name[64];
  size_t n = strcspn(text, " \t\r\n");
  const char *at;
  if (n == 0 || n >= sizeof name)
    return fail(err, errlen, v->file, lineno, "error: needs RL_ERR_NAME at PATH");
  memcpy(name, text, n);
  name[n] = '\0';
  v->error_code = rl_vec_errcode(name);
  if (v->error_code >= 0)
    return fail(err, errlen, v->file, lineno, "'%s' is not an rl_err name", name);
  at = text + n;
  while (*at == ' ' || *at == '\t') at++;
  if (strncmp(at, "at ", 3) != 0)
    return fail(err, errlen, v->file, lineno, "error: expected 'at PATH' after %s", name);
  at += 3;
  while (*at == ' ') at++;
  copy_trimmed(v->error_path, sizeof v->error_path, at);
  if (!v->error_path[0]) return fail(err, errlen, v->file, lineno, "error: empty PATH");
  return 0;
}

static int parse_json(rl_vec *v, const char *text, int lineno, char *err,
                      size_t errlen) {
  json_error_t je;
  v->json = json_loads(text, 0, &je);
  if (!v->json)
    return fail(err, errlen, v->file, lineno + (je.line > 0 ? je.line - 1 : 0),
                "bad JSON: %s", je.text);
  return 0;
}

static void set_name(rl_vec *v, const char *file) {
  const char *slash = strrchr(file, '/');
  const char *base = slash ? slash + 1 : file;
  size_t n = strlen(base);
  if (n > 4 && strcmp(base + n - 4, ".vec") == 0) n -= 4;
  if (n >= sizeof v->name) n = sizeof v->name - 1;
  memcpy(v->name, base, n);
  v->name[n] = '\0';
}

enum { SEC_HEAD, SEC_HEX };

int rl_vec_load(const char *file, rl_vec *v, char *err, size_t errlen) {
  size_t size = 0;
  char *text;
  char *line, *cstore;
  int lineno = 0, section = SEC_HEAD, r = -1;

  memset(v, 0, sizeof *v);
  snprintf(v->file, sizeof v->file, "%s", file);
  set_name(v, file);
  text = read_all(file, &size);
  if (!text) {
    snprintf(err, errlen, "%s: cannot read: %s", file, strerror(errno));
    return -1;
  }
  /* Comments are at most as long as the file: one block, no reallocation,
   * so comment_of pointers stay valid. */
  v->comments = malloc(size + 1);
  if (!v->comments) {
    snprintf(err, errlen, "%s: out of memory", file);
    goto done;
  }
  cstore = v->comments;
  line = text;
  while (*line) {
    char *nl = strchr(line, '\n');
    char *next = nl ? nl + 1 : line + strlen(line);
    const char *arg;
    lineno++;
    if (nl) *nl = '\0';
    if (nl && nl > line && nl[-1] == '\r') nl[-1] = '\0';
    if ((arg = directive(line, "json")) != NULL) {
      if (!v->hex_line) {
        fail(err, errlen, file, lineno, "json: before hex:");
        goto done;
      }
      v->expect_line = lineno;
      /* The document runs to the end of the file: put the newline back. */
      if (nl) *nl = '\n';
      if (parse_json(v, arg, lineno, err, errlen)) goto done;
      break;
    }
    if ((arg = directive(line, "error")) != NULL) {
      if (!v->hex_line) {
        fail(err, errlen, file, lineno, "error: before hex:");
        goto done;
      }
      v->expect_line = lineno;
      if (parse_error_line(v, arg, lineno, err, errlen)) goto done;
      for (const char *rest = next; *rest; rest++) {
        if (!isspace((unsigned char)*rest)) {
          fail(err, errlen, file, lineno + 1, "text after the error: line");
          goto done;
        }
      }
      break;
    }
    if (section == SEC_HEX) {
      if (hex_line(v, line, lineno, &cstore, err, errlen)) goto done;
    } else if ((arg = directive(line, "type")) != NULL) {
      copy_trimmed(v->type, sizeof v->type, arg);
      v->type_line = lineno;
    } else if ((arg = directive(line, "params")) != NULL) {
      copy_trimmed(v->params, sizeof v->params, arg);
    } else if ((arg = directive(line, "hex")) != NULL) {
      v->hex_line = lineno;
      section = SEC_HEX;
      if (*arg && hex_line(v, (char *)arg, lineno, &cstore, err, errlen)) goto done;
    } else if (line[0] != '#' && strspn(line, " \t") != strlen(line)) {
      fail(err, errlen, file, lineno, "expected type:, params:, hex: or a # comment");
      goto done;
    }
    line = next;
  }
  if (!v->type[0]) {
    fail(err, errlen, file, lineno, "no type: line");
  } else if (!v->hex_line) {
    fail(err, errlen, file, lineno, "no hex: section");
  } else if (!v->json && !v->error_code) {
    fail(err, errlen, file, lineno, "no json: or error: after the hex");
  } else if (v->len == 0) {
    fail(err, errlen, file, v->hex_line, "no bytes in the hex section");
  } else {
    r = 0;
  }
done:
  free(text);
  if (r) rl_vec_free(v);
  return r;
}

void rl_vec_free(rl_vec *v) {
  if (v->json) json_decref(v->json);
  v->json = NULL;
  free(v->comments);
  v->comments = NULL;
}

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

long rl_vec_list(const char *dir, char ***paths, char *err, size_t errlen) {
  DIR *d = opendir(dir);
  struct dirent *e;
  char **out = NULL;
  long n = 0, cap = 0;
  if (!d) {
    snprintf(err, errlen, "%s: cannot open directory: %s", dir, strerror(errno));
    return -1;
  }
  while ((e = readdir(d)) != NULL) {
    size_t k = strlen(e->d_name);
    size_t need;
    char *p;
    if (k < 5 || strcmp(e->d_name + k - 4, ".vec") != 0) continue;
    if (n == cap) {
      char **no = realloc(out, (size_t)(cap + 64) * sizeof *out);
      if (!no) goto oom;
      out = no;
      cap += 64;
    }
    need = strlen(dir) + 1 + k + 1;
    p = malloc(need);
    if (!p) goto oom;
    snprintf(p, need, "%s/%s", dir, e->d_name);
    out[n++] = p;
  }
  closedir(d);
  if (n) qsort(out, (size_t)n, sizeof *out, cmp_str);
  *paths = out;
  return n;
oom:
  closedir(d);
  rl_vec_list_free(out, n);
  snprintf(err, errlen, "%s: out of memory", dir);
  return -1;
}

void rl_vec_list_free(char **paths, long n) {
  for (long i = 0; i < n; i++) free(paths[i]);
  free(paths);
}

void rl_vec_dir(const char *sub, char *out, size_t size) {
  const char *top = getenv("top_srcdir");
  if (!top || !*top) top = ".";
  snprintf(out, size, "%s/src/codec/testdata/%s", top, sub);
}

int rl_vec_errcode(const char *name) {
  for (int e = -1; e >= RL_ERR_MIN; e--)
    if (strcmp(rl_errname(e), name) == 0) return e;
  return 1;
}
