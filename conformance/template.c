/* template.c: see template.h. */
#define _POSIX_C_SOURCE 200809L
#include "template.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "overlay/hash.h"
#include "runtime/error.h"
#include "scen_match.h"

#define MAX_ZEROS ((size_t)16 << 20)
#define MAX_DEPTH 64

uint64_t rl_conf_random(uint64_t *s) {
  uint64_t x = *s;
  x ^= x >> 12;
  x ^= x << 25;
  x ^= x >> 27;
  *s = x;
  return x * 0x2545F4914F6CDD1DULL;
}

uint64_t rl_conf_seed(void) {
  uint64_t s = 0;
  FILE *f = fopen("/dev/urandom", "rb");
  if (f) {
    if (fread(&s, sizeof s, 1, f) != 1) s = 0;
    fclose(f);
  }
  if (s == 0) {
    struct timeval tv;
    gettimeofday(&tv, NULL);
    s = (uint64_t)tv.tv_sec * 1000003u ^ (uint64_t)tv.tv_usec;
  }
  return s ? s : 0x9E3779B97F4A7C15ULL;
}

json_t *rl_conf_hex_json(const uint8_t *p, size_t n) {
  static const char digits[] = "0123456789abcdef";
  char *h;
  json_t *r;
  if (n > (SIZE_MAX - 1) / 2) return NULL;
  h = malloc(2 * n + 1);
  if (!h) return NULL;
  for (size_t i = 0; i < n; i++) {
    h[2 * i] = digits[p[i] >> 4];
    h[2 * i + 1] = digits[p[i] & 15];
  }
  r = json_stringn(h, 2 * n);
  free(h);
  return r;
}

json_t *rl_conf_var_path(const json_t *vars, const char *path) {
  const char *p = path;
  json_t *v = (json_t *)vars;
  char name[128];
  /* The first segment names the variable; the rest walk into it. */
  while (v && *p) {
    size_t n = strcspn(p, ".[");
    if (n > 0) {
      if (n >= sizeof name || !json_is_object(v)) return NULL;
      memcpy(name, p, n);
      name[n] = 0;
      v = json_object_get(v, name);
      p += n;
    }
    while (v && *p == '[') {
      char *end;
      long k = strtol(p + 1, &end, 10);
      long len;
      if (*end != ']' || end == p + 1 || !json_is_array(v)) return NULL;
      len = (long)json_array_size(v);
      if (k < 0) k += len;
      v = k >= 0 && k < len ? json_array_get(v, (size_t)k) : NULL;
      p = end + 1;
    }
    if (*p == '.') {
      p++;
      if (!*p) return NULL;
    } else if (*p) {
      return NULL;
    }
  }
  return v;
}

/* The value of one ${ref} (ref without the braces): a new reference. */
static json_t *eval_ref(const char *ref, rl_conf_env *env, int *code, char *why, size_t whylen) {
  const char *colon = strchr(ref, ':');
  json_t *v;
  if (strcmp(ref, "new_txid") == 0 || strcmp(ref, "random_txid") == 0) {
    char buf[24];
    snprintf(buf, sizeof buf, "%llu", (unsigned long long)rl_conf_random(env->rng));
    return json_string(buf);
  }
  if (strcmp(ref, "random_id") == 0) {
    uint8_t id[20];
    size_t n = env->node_id_len <= sizeof id ? env->node_id_len : sizeof id;
    for (size_t i = 0; i < n; i++) id[i] = (uint8_t)(rl_conf_random(env->rng) >> 56);
    return rl_conf_hex_json(id, n);
  }
  if (strcmp(ref, "now_ms") == 0) {
    struct timeval tv;
    char buf[24];
    gettimeofday(&tv, NULL);
    snprintf(buf, sizeof buf, "%llu",
             (unsigned long long)tv.tv_sec * 1000ULL + (unsigned long long)tv.tv_usec / 1000);
    return json_string(buf);
  }
  if (colon) {
    size_t fn = (size_t)(colon - ref);
    const char *arg = colon + 1;
    if (fn == 11 && memcmp(ref, "resource_id", 11) == 0) {
      uint8_t id[20];
      if (rl_resource_id((const uint8_t *)arg, strlen(arg), env->node_id_len, id) != 0) {
        snprintf(why, whylen, "${resource_id:...}: NodeIdLength %zu is not 16..20", env->node_id_len);
        *code = RL_ERR_PARAM;
        return NULL;
      }
      return rl_conf_hex_json(id, env->node_id_len);
    }
    if (fn == 3 && memcmp(ref, "hex", 3) == 0) return rl_conf_hex_json((const uint8_t *)arg, strlen(arg));
    if (fn == 5 && memcmp(ref, "zeros", 5) == 0) {
      char *end;
      unsigned long long n = strtoull(arg, &end, 10);
      uint8_t *z;
      /* ${zeros:max_message_size}: a variable holding the count. */
      json_t *nv = json_object_get(env->vars, arg);
      if (json_is_integer(nv) && json_integer_value(nv) >= 0) {
        n = (unsigned long long)json_integer_value(nv);
        end = (char *)"";
      }
      if (*end || (end == arg && !nv) || n > MAX_ZEROS) {
        snprintf(why, whylen, "${zeros:N}: N must be a number up to %zu", MAX_ZEROS);
        *code = RL_ERR_SYNTAX;
        return NULL;
      }
      z = calloc(n ? (size_t)n : 1, 1);
      if (!z) {
        *code = RL_ERR_NOMEM;
        snprintf(why, whylen, "out of memory");
        return NULL;
      }
      v = rl_conf_hex_json(z, (size_t)n);
      free(z);
      return v;
    }
    snprintf(why, whylen, "unknown function ${%.*s:...} (resource_id, hex, zeros)", (int)fn, ref);
    *code = RL_ERR_SYNTAX;
    return NULL;
  }
  v = rl_conf_var_path(env->vars, ref);
  if (!v) {
    size_t n = strcspn(ref, ".[");
    char name[64];
    snprintf(name, sizeof name, "%.*s", (int)n, ref);
    snprintf(env->undefined, sizeof env->undefined, "%s", name);
    if (json_object_get(env->vars, name))
      snprintf(why, whylen, "${%s}: variable %s has no such member", ref, name);
    else
      snprintf(why, whylen, "${%s}: variable %s is not defined", ref, name);
    *code = RL_ERR_NOT_FOUND;
    return NULL;
  }
  return json_incref(v);
}

/* Substitute inside one string. */
static json_t *subst_string(const char *s, size_t len, rl_conf_env *env, int *code, char *why,
                            size_t whylen) {
  char *out = NULL;
  size_t n = 0, cap = 0;
  json_t *result = NULL;
  const char *p = s, *end = s + len;
  /* Exactly "${...}": the value keeps its type. */
  if (len > 3 && s[0] == '$' && s[1] == '{' && s[len - 1] == '}' && memchr(s + 2, '}', len - 3) == NULL) {
    char ref[256];
    if (len - 3 >= sizeof ref) {
      snprintf(why, whylen, "${...} reference too long");
      *code = RL_ERR_SYNTAX;
      return NULL;
    }
    memcpy(ref, s + 2, len - 3);
    ref[len - 3] = 0;
    return eval_ref(ref, env, code, why, whylen);
  }
  if (!memchr(s, '$', len)) return json_stringn(s, len);
  while (p < end) {
    const char *piece = p;
    size_t pn;
    char numbuf[32];
    json_t *v = NULL;
    if (p + 2 < end && p[0] == '$' && p[1] == '$' && p[2] == '{') {
      piece = "${";
      pn = 2;
      p += 3;
    } else if (p + 1 < end && p[0] == '$' && p[1] == '{') {
      const char *close = memchr(p + 2, '}', (size_t)(end - p - 2));
      char ref[256];
      if (!close || (size_t)(close - p - 2) >= sizeof ref) {
        snprintf(why, whylen, "unterminated or too long ${...} in \"%.40s\"", s);
        *code = RL_ERR_SYNTAX;
        goto out;
      }
      memcpy(ref, p + 2, (size_t)(close - p - 2));
      ref[close - p - 2] = 0;
      v = eval_ref(ref, env, code, why, whylen);
      if (!v) goto out;
      if (json_is_string(v)) {
        piece = json_string_value(v);
        pn = json_string_length(v);
      } else if (json_is_integer(v)) {
        snprintf(numbuf, sizeof numbuf, "%lld", (long long)json_integer_value(v));
        piece = numbuf;
        pn = strlen(numbuf);
      } else {
        snprintf(why, whylen, "${%s} is not a string or a number: it cannot go inside a string", ref);
        *code = RL_ERR_SYNTAX;
        json_decref(v);
        goto out;
      }
      p = close + 1;
    } else {
      pn = 1;
      p++;
    }
    if (n + pn + 1 > cap) {
      size_t nc = (n + pn + 1) * 2;
      char *nb = realloc(out, nc);
      if (!nb) {
        json_decref(v);
        *code = RL_ERR_NOMEM;
        snprintf(why, whylen, "out of memory");
        goto out;
      }
      out = nb;
      cap = nc;
    }
    memcpy(out + n, piece, pn);
    n += pn;
    json_decref(v);
  }
  result = json_stringn(out ? out : "", n);
  if (!result) {
    *code = RL_ERR_NOMEM;
    snprintf(why, whylen, "out of memory (or invalid UTF-8)");
  }
out:
  free(out);
  return result;
}

static json_t *subst(const json_t *v, rl_conf_env *env, int depth, int *code, char *why,
                     size_t whylen) {
  json_t *r = NULL;
  if (depth > MAX_DEPTH) {
    *code = RL_ERR_DEPTH;
    snprintf(why, whylen, "template nested too deeply");
    return NULL;
  }
  if (json_is_string(v)) return subst_string(json_string_value(v), json_string_length(v), env, code, why, whylen);
  if (json_is_object(v)) {
    const char *k;
    json_t *el;
    if (!(r = json_object())) goto nomem;
    json_object_foreach((json_t *)v, k, el) {
      json_t *c = subst(el, env, depth + 1, code, why, whylen);
      if (!c) goto fail;
      if (json_object_set_new(r, k, c) != 0) goto nomem;
    }
    return r;
  }
  if (json_is_array(v)) {
    size_t i;
    json_t *el;
    if (!(r = json_array())) goto nomem;
    json_array_foreach(v, i, el) {
      json_t *c = subst(el, env, depth + 1, code, why, whylen);
      if (!c) goto fail;
      if (json_array_append_new(r, c) != 0) goto nomem;
    }
    return r;
  }
  return json_deep_copy(v);
nomem:
  *code = RL_ERR_NOMEM;
  snprintf(why, whylen, "out of memory");
fail:
  json_decref(r);
  return NULL;
}

json_t *rl_conf_subst(const json_t *v, rl_conf_env *env, int *code, char *why, size_t whylen) {
  int dummy;
  if (!code) code = &dummy;
  *code = 0;
  env->undefined[0] = 0;
  if (whylen) why[0] = 0;
  return subst(v, env, 0, code, why, whylen);
}

json_t *rl_conf_merge(const json_t *base, const json_t *over) {
  json_t *r;
  const char *k;
  json_t *el;
  if (!json_is_object(base) || !json_is_object(over)) return json_deep_copy(over);
  r = json_deep_copy(base);
  if (!r) return NULL;
  json_object_foreach((json_t *)over, k, el) {
    json_t *b = json_object_get(r, k);
    json_t *m;
    if (json_is_null(el)) {
      json_object_del(r, k);
      continue;
    }
    m = b ? rl_conf_merge(b, el) : json_deep_copy(el);
    if (!m || json_object_set_new(r, k, m) != 0) {
      json_decref(r);
      return NULL;
    }
  }
  return r;
}

int rl_conf_block_holds(const rl_scen_block *b, const json_t *msg, rl_conf_env *env,
                        size_t *failed, char *why, size_t whylen) {
  for (size_t i = 0; i < b->nm; i++) {
    const rl_scen_matcher *m = &b->m[i];
    json_t *v = NULL;
    int r, code = 0;
    if (m->value) {
      char e[256];
      v = rl_conf_subst(m->value, env, &code, e, sizeof e);
      if (!v) {
        snprintf(why, whylen, "%s:%d:%d: %s", m->loc.file, m->loc.line, m->loc.col, e);
        if (failed) *failed = i;
        return -1;
      }
    }
    r = rl_scen_match(m, msg, v, why, whylen);
    json_decref(v);
    if (r != 1) {
      if (failed) *failed = i;
      return r;
    }
  }
  return 1;
}
