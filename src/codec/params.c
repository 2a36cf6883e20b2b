/* params.c: see params.h. */
#include "codec/params.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int data_model_of(const rl_params *p, rl_KindId kind, rl_DataModel *out) {
  const rl_param_set *s = p->user;
  const rl_kind_info *k;
  for (size_t i = 0; s && i < s->nkinds; i++) {
    if (s->kinds[i].kind == kind) {
      *out = s->kinds[i].model;
      return 0;
    }
  }
  k = rl_kind_find(kind);
  if (!k) return RL_ERR_PARAM;
  *out = (rl_DataModel)k->data_model;
  return 0;
}

void rl_param_set_init(rl_param_set *s) {
  memset(s, 0, sizeof *s);
  rl_params_init(&s->p);
  s->p.data_model = data_model_of;
  s->p.user = s;
}

/* Enum names are matched loosely ("chord_reload" = "CHORD-RELOAD") because
 * people type them on command lines; the canonical form is the RFC's. */
static void canon(const char *in, char *out, size_t n) {
  size_t k = 0;
  for (; *in && k + 1 < n; in++) {
    if (*in == '-' || *in == '_') continue;
    out[k++] = (char)tolower((unsigned char)*in);
  }
  out[k] = '\0';
}

static int enum_by_loose_name(int (*valid)(uint64_t), const char *(*name)(uint64_t),
                              const char *want, uint64_t max, uint64_t *out) {
  char a[64], b[64];
  canon(want, a, sizeof a);
  for (uint64_t v = 0; v <= max; v++) {
    const char *n;
    if (!valid(v)) continue;
    n = name(v);
    if (!n) continue;
    canon(n, b, sizeof b);
    if (strcmp(a, b) == 0) {
      *out = v;
      return 0;
    }
  }
  return -1;
}

static int dm_valid(uint64_t v) { return v <= 0xff && rl_DataModel_valid((rl_DataModel)v); }
static const char *dm_name(uint64_t v) { return rl_DataModel_name((rl_DataModel)v); }
static int tp_valid(uint64_t v) { return v <= 0xff && rl_TopologyPlugin_valid((rl_TopologyPlugin)v); }
static const char *tp_name(uint64_t v) { return rl_TopologyPlugin_name((rl_TopologyPlugin)v); }

int rl_param_set_word(rl_param_set *s, const char *word, char *err, size_t errlen) {
  char name[64];
  const char *eq = strchr(word, '=');
  const char *value;
  size_t n;
  int r;
  if (!eq || eq == word) {
    snprintf(err, errlen, "parameter '%s' is not NAME=VALUE", word);
    return RL_ERR_SYNTAX;
  }
  n = (size_t)(eq - word);
  if (n >= sizeof name) n = sizeof name - 1;
  memcpy(name, word, n);
  name[n] = '\0';
  value = eq + 1;
  if (strncmp(name, "kind.", 5) == 0) {
    char *end;
    unsigned long long kid = strtoull(name + 5, &end, 0);
    uint64_t model;
    if (*end || name[5] == '\0' || kid > 0xffffffffULL) {
      snprintf(err, errlen, "'%s': not a Kind-ID", name + 5);
      return RL_ERR_SYNTAX;
    }
    if (enum_by_loose_name(dm_valid, dm_name, value, 0xff, &model) != 0) {
      snprintf(err, errlen, "'%s': not a data model (single_value, array, dictionary)", value);
      return RL_ERR_SYNTAX;
    }
    if (s->nkinds == RL_PARAM_KINDS_MAX) {
      snprintf(err, errlen, "too many kind.N parameters (at most %d)", RL_PARAM_KINDS_MAX);
      return RL_ERR_PARAM;
    }
    s->kinds[s->nkinds].kind = (uint32_t)kid;
    s->kinds[s->nkinds].model = (rl_DataModel)model;
    s->nkinds++;
    return 0;
  }
  if (strcmp(name, "topology") == 0) {
    uint64_t t;
    if (enum_by_loose_name(tp_valid, tp_name, value, 0xff, &t) == 0) {
      s->p.topology = (rl_TopologyPlugin)t;
      return 0;
    }
  }
  if (strcmp(value, "true") == 0) value = "1";
  if (strcmp(value, "false") == 0) value = "0";
  r = rl_params_set(&s->p, name, value);
  if (r == RL_ERR_PARAM)
    snprintf(err, errlen, "unknown parameter '%s'", name);
  else if (r != 0)
    snprintf(err, errlen, "bad value '%s' for parameter '%s'", value, name);
  return r;
}

int rl_param_set_parse(rl_param_set *s, const char *text, char *err, size_t errlen) {
  char word[256];
  while (*text) {
    size_t n = 0;
    int r;
    while (*text == ' ' || *text == '\t' || *text == ',') text++;
    if (!*text) break;
    while (text[n] && text[n] != ' ' && text[n] != '\t' && text[n] != ',') n++;
    if (n >= sizeof word) {
      snprintf(err, errlen, "parameter too long");
      return RL_ERR_SYNTAX;
    }
    memcpy(word, text, n);
    word[n] = '\0';
    r = rl_param_set_word(s, word, err, errlen);
    if (r) return r;
    text += n;
  }
  return 0;
}
