/* scen_match.c: see scen_match.h. */
#include "scen_match.h"

#include <errno.h>
#include <regex.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

json_t *rl_scen_path_get(const json_t *root, const rl_scen_path *p) {
  json_t *v = (json_t *)root;
  for (size_t i = 0; v && i < p->nseg; i++) {
    const rl_scen_pathseg *s = &p->seg[i];
    if (s->name) {
      v = json_is_object(v) ? json_object_get(v, s->name) : NULL;
    } else if (s->all) {
      v = NULL; /* [*] is for matchers (rl_scen_match) */
    } else if (json_is_array(v)) {
      long n = (long)json_array_size(v);
      long k = s->index < 0 ? n + s->index : s->index;
      v = k >= 0 && k < n ? json_array_get(v, (size_t)k) : NULL;
    } else {
      v = NULL;
    }
  }
  return v;
}

/* A number as the matchers see it: a JSON integer, or a string of decimal
 * digits (uint64 fields). */
typedef struct num {
  int neg;        /* value is -mag */
  uint64_t mag;
} num;

static int as_num(const json_t *v, num *out) {
  if (json_is_integer(v)) {
    json_int_t i = json_integer_value(v);
    out->neg = i < 0;
    out->mag = i < 0 ? (uint64_t)(-(i + 1)) + 1 : (uint64_t)i;
    return 1;
  }
  if (json_is_string(v)) {
    const char *s = json_string_value(v);
    char *end;
    unsigned long long m;
    if (!*s || strspn(s, "0123456789") != strlen(s) || strlen(s) > 20) return 0;
    errno = 0;
    m = strtoull(s, &end, 10);
    if (errno || *end) return 0;
    out->neg = 0;
    out->mag = m;
    return 1;
  }
  return 0;
}

static int num_cmp(const num *a, const num *b) {
  if (a->neg != b->neg) return a->neg ? -1 : 1;
  if (a->mag == b->mag) return 0;
  if (a->neg) return a->mag > b->mag ? -1 : 1;
  return a->mag < b->mag ? -1 : 1;
}

/* The codec writes Boolean as "true" / "false". */
static int as_bool(const json_t *v) {
  if (json_is_true(v)) return 1;
  if (json_is_false(v)) return 0;
  if (json_is_string(v)) {
    if (strcmp(json_string_value(v), "true") == 0) return 1;
    if (strcmp(json_string_value(v), "false") == 0) return 0;
  }
  return -1;
}

int rl_scen_json_equal(const json_t *a, const json_t *b) {
  num x, y;
  int ba, bb;
  if (!a || !b) return a == b;
  if (as_num(a, &x) && as_num(b, &y) && (json_is_integer(a) || json_is_integer(b)))
    return num_cmp(&x, &y) == 0;
  ba = as_bool(a);
  bb = as_bool(b);
  if (ba >= 0 && bb >= 0 && (json_is_boolean(a) || json_is_boolean(b))) return ba == bb;
  return json_equal((json_t *)a, (json_t *)b);
}

char *rl_scen_json_brief(const json_t *v, char *buf, size_t size, size_t max) {
  char *s;
  size_t n;
  if (!size) return buf;
  if (!v) {
    snprintf(buf, size, "(absent)");
    return buf;
  }
  s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
  if (!s) {
    snprintf(buf, size, "(?)");
    return buf;
  }
  n = strlen(s);
  if (max > size - 1) max = size - 1;
  if (n > max && max >= 3)
    snprintf(buf, size, "%.*s...", (int)(max - 3), s);
  else
    snprintf(buf, size, "%s", s);
  free(s);
  return buf;
}

const char *rl_scen_op_name(rl_scen_op op) {
  switch (op) {
  case RL_SCEN_OP_EQ: return "==";
  case RL_SCEN_OP_NE: return "!=";
  case RL_SCEN_OP_LT: return "<";
  case RL_SCEN_OP_LE: return "<=";
  case RL_SCEN_OP_GT: return ">";
  case RL_SCEN_OP_GE: return ">=";
  case RL_SCEN_OP_MATCH: return "=~";
  case RL_SCEN_OP_NOMATCH: return "!~";
  case RL_SCEN_OP_IN: return "in";
  case RL_SCEN_OP_NOT_IN: return "not-in";
  case RL_SCEN_OP_EXISTS: return "exists";
  case RL_SCEN_OP_ABSENT: return "absent";
  case RL_SCEN_OP_CONTAINS: return "contains";
  case RL_SCEN_OP_CONTAINS_ONE_OF: return "contains-one-of";
  }
  return "?";
}

static int in_list(const json_t *actual, const json_t *list) {
  size_t i;
  json_t *el;
  json_array_foreach(list, i, el) {
    if (rl_scen_json_equal(actual, el)) return 1;
  }
  return 0;
}

static int regex_match(const json_t *actual, const char *pattern, int *result, char *why,
                       size_t whylen) {
  regex_t re;
  char numbuf[32];
  const char *subject;
  int rc = regcomp(&re, pattern, REG_EXTENDED | REG_NOSUB);
  if (rc != 0) {
    char e[128];
    regerror(rc, &re, e, sizeof e);
    snprintf(why, whylen, "bad regular expression \"%s\": %s", pattern, e);
    return -1;
  }
  if (json_is_string(actual)) {
    subject = json_string_value(actual);
  } else if (json_is_integer(actual)) {
    snprintf(numbuf, sizeof numbuf, "%lld", (long long)json_integer_value(actual));
    subject = numbuf;
  } else {
    regfree(&re);
    *result = 0;
    return 0;
  }
  *result = regexec(&re, subject, 0, NULL, 0) == 0;
  regfree(&re);
  return 0;
}

/* The matcher for one value (actual, NULL when absent) found at label. */
static int match_one(const rl_scen_matcher *m, json_t *actual, const char *label,
                     const json_t *value, char *why, size_t whylen) {
  json_t *lenv = NULL;
  int ok = 0, r = 1;
  char a[256], b[256];
  const char *pre = m->len_of ? "len(" : "", *post = m->len_of ? ")" : "";
  if (whylen) why[0] = 0;
  if (m->op == RL_SCEN_OP_EXISTS || m->op == RL_SCEN_OP_ABSENT) {
    ok = (actual != NULL) == (m->op == RL_SCEN_OP_EXISTS);
    if (!ok)
      snprintf(why, whylen, "%s is %s, expected it %s", label,
               actual ? rl_scen_json_brief(actual, a, sizeof a, 120) : "absent",
               m->op == RL_SCEN_OP_EXISTS ? "to exist" : "to be absent");
    return ok;
  }
  if (!actual) {
    snprintf(why, whylen, "%s is absent, expected %s %s", label, rl_scen_op_name(m->op),
             rl_scen_json_brief(value, b, sizeof b, 120));
    return 0;
  }
  if (m->len_of) {
    size_t n;
    if (json_is_array(actual))
      n = json_array_size(actual);
    else if (json_is_object(actual))
      n = json_object_size(actual);
    else if (json_is_string(actual))
      n = json_string_length(actual);
    else {
      snprintf(why, whylen, "len(%s): %s has no length", label,
               rl_scen_json_brief(actual, a, sizeof a, 120));
      return -1;
    }
    lenv = json_integer((json_int_t)n);
    if (!lenv) {
      snprintf(why, whylen, "out of memory");
      return -1;
    }
    actual = lenv;
  }
  switch (m->op) {
  case RL_SCEN_OP_EQ: ok = rl_scen_json_equal(actual, value); break;
  case RL_SCEN_OP_NE: ok = !rl_scen_json_equal(actual, value); break;
  case RL_SCEN_OP_LT:
  case RL_SCEN_OP_LE:
  case RL_SCEN_OP_GT:
  case RL_SCEN_OP_GE: {
    num x, y;
    int c;
    if (!as_num(actual, &x) || !as_num(value, &y)) {
      snprintf(why, whylen, "%s%s%s is %s: %s needs numbers on both sides (got %s)", pre,
               label, post, rl_scen_json_brief(actual, a, sizeof a, 120),
               rl_scen_op_name(m->op), rl_scen_json_brief(value, b, sizeof b, 120));
      r = -1;
      goto done;
    }
    c = num_cmp(&x, &y);
    ok = m->op == RL_SCEN_OP_LT   ? c < 0
         : m->op == RL_SCEN_OP_LE ? c <= 0
         : m->op == RL_SCEN_OP_GT ? c > 0
                                  : c >= 0;
    break;
  }
  case RL_SCEN_OP_MATCH:
  case RL_SCEN_OP_NOMATCH:
    if (!json_is_string(value)) {
      snprintf(why, whylen, "%s needs a string (a regular expression)", rl_scen_op_name(m->op));
      r = -1;
      goto done;
    }
    if (regex_match(actual, json_string_value(value), &ok, why, whylen) != 0) {
      r = -1;
      goto done;
    }
    if (m->op == RL_SCEN_OP_NOMATCH) ok = !ok;
    break;
  case RL_SCEN_OP_IN:
  case RL_SCEN_OP_NOT_IN:
    if (!json_is_array(value)) {
      snprintf(why, whylen, "%s needs a list [...]", rl_scen_op_name(m->op));
      r = -1;
      goto done;
    }
    ok = in_list(actual, value) == (m->op == RL_SCEN_OP_IN);
    break;
  case RL_SCEN_OP_CONTAINS:
    if (json_is_array(actual)) {
      size_t i;
      json_t *el;
      json_array_foreach(actual, i, el) {
        if (rl_scen_json_equal(el, value)) ok = 1;
      }
    } else if (json_is_string(actual) && json_is_string(value)) {
      ok = strstr(json_string_value(actual), json_string_value(value)) != NULL;
    } else {
      snprintf(why, whylen, "%s is %s: contains needs a list or a string", label,
               rl_scen_json_brief(actual, a, sizeof a, 120));
      r = -1;
      goto done;
    }
    break;
  case RL_SCEN_OP_CONTAINS_ONE_OF: {
    size_t i;
    json_t *el;
    if (!json_is_array(actual) || !json_is_array(value)) {
      snprintf(why, whylen, "%s is %s: contains-one-of needs a list, and a list of values", label,
               rl_scen_json_brief(actual, a, sizeof a, 120));
      r = -1;
      goto done;
    }
    json_array_foreach(actual, i, el) {
      if (in_list(el, value)) ok = 1;
    }
    break;
  }
  case RL_SCEN_OP_EXISTS:
  case RL_SCEN_OP_ABSENT: break; /* handled above */
  }
  r = ok;
  if (!ok)
    snprintf(why, whylen, "%s%s%s is %s, expected %s %s", pre, label, post,
             rl_scen_json_brief(actual, a, sizeof a, 160), rl_scen_op_name(m->op),
             rl_scen_json_brief(value, b, sizeof b, 160));
done:
  json_decref(lenv);
  return r;
}

/* Every place a path with [*] leads to, with the value there (NULL when
 * it is absent); labels give the concrete path. An empty array leads
 * nowhere: a [*] matcher holds for every element of it, vacuously. */
typedef struct expansion {
  json_t *v[256];
  char label[256][160];
  size_t n;
  int truncated;
} expansion;

static void add(expansion *out, json_t *v, const char *label) {
  if (out->n == 256) {
    out->truncated = 1;
    return;
  }
  out->v[out->n] = v;
  snprintf(out->label[out->n], sizeof out->label[out->n], "%s", label);
  out->n++;
}

static void expand(const rl_scen_path *p, size_t i, json_t *v, char *label, size_t len,
                   expansion *out) {
  size_t room = 160 - len;
  const rl_scen_pathseg *s;
  int k;
  if (!v || i == p->nseg) {
    add(out, v, label);
    return;
  }
  s = &p->seg[i];
  if (s->name) {
    k = snprintf(label + len, room, "%s%s", len ? "." : "", s->name);
    expand(p, i + 1, json_is_object(v) ? json_object_get(v, s->name) : NULL, label,
           k > 0 && (size_t)k < room ? len + (size_t)k : len, out);
  } else if (s->all) {
    size_t j;
    json_t *el;
    if (!json_is_array(v)) {
      k = snprintf(label + len, room, "[*]");
      add(out, NULL, label);
    } else {
      json_array_foreach(v, j, el) {
        k = snprintf(label + len, room, "[%zu]", j);
        expand(p, i + 1, el, label, k > 0 && (size_t)k < room ? len + (size_t)k : len, out);
      }
    }
  } else {
    rl_scen_path one = {(rl_scen_pathseg *)s, 1, "", 0};
    k = snprintf(label + len, room, "[%ld]", s->index);
    expand(p, i + 1, rl_scen_path_get(v, &one), label,
           k > 0 && (size_t)k < room ? len + (size_t)k : len, out);
  }
  label[len] = 0;
}

int rl_scen_match(const rl_scen_matcher *m, const json_t *root, const json_t *value, char *why,
                  size_t whylen) {
  expansion *x;
  char label[160] = "";
  int r = 1;
  if (whylen) why[0] = 0;
  if (!m->path.has_all)
    return match_one(m, rl_scen_path_get(root, &m->path), m->path.text, value, why, whylen);
  x = malloc(sizeof *x);
  if (!x) {
    snprintf(why, whylen, "out of memory");
    return -1;
  }
  x->n = 0;
  x->truncated = 0;
  expand(&m->path, 0, (json_t *)root, label, 0, x);
  /* For each element: the first one that does not hold decides. */
  for (size_t i = 0; i < x->n && r == 1; i++) r = match_one(m, x->v[i], x->label[i], value, why, whylen);
  free(x);
  return r;
}
