/* requirements.c: see requirements.h. */
#include "requirements.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/error.h"
#include "tool_util.h"

int rl_conf_reqtable_load(const char *path, rl_conf_reqtable *t, char *why, size_t whylen) {
  char *p, *line;
  size_t cap = 0, lineno = 0;
  int r;
  memset(t, 0, sizeof *t);
  uint8_t *text = NULL;
  size_t len = 0;
  if ((r = rl_tool_read_file(path, &text, &len, why, whylen)) != 0) return r;
  t->buf = (char *)text;
  for (p = t->buf; *p; p = line) {
    char *f[6], *q = p;
    int nf = 0;
    line = strchr(p, '\n');
    if (line)
      *line++ = 0;
    else
      line = p + strlen(p);
    lineno++;
    if (*p == '#' || *p == 0 || strncmp(p, "id\t", 3) == 0) continue;
    while (nf < 6) {
      f[nf++] = q;
      q = strchr(q, '\t');
      if (!q) break;
      *q++ = 0;
    }
    if (nf != 6 || q) {
      snprintf(why, whylen, "%s:%zu: expected 6 tab-separated fields", path, lineno);
      rl_conf_reqtable_free(t);
      return RL_ERR_SYNTAX;
    }
    if (t->n == cap) {
      size_t nc = cap ? cap * 2 : 512;
      rl_conf_req *nv = realloc(t->v, nc * sizeof *nv);
      if (!nv) {
        snprintf(why, whylen, "out of memory");
        rl_conf_reqtable_free(t);
        return RL_ERR_NOMEM;
      }
      t->v = nv;
      cap = nc;
    }
    t->v[t->n].id = f[0];
    t->v[t->n].section = f[1];
    t->v[t->n].level = f[2];
    t->v[t->n].keywords = f[3];
    t->v[t->n].title = f[4];
    t->v[t->n].text = f[5];
    t->n++;
  }
  return 0;
}

void rl_conf_reqtable_free(rl_conf_reqtable *t) {
  free(t->v);
  free(t->buf);
  memset(t, 0, sizeof *t);
}

const rl_conf_req *rl_conf_req_find(const rl_conf_reqtable *t, const char *id) {
  for (size_t i = 0; i < t->n; i++)
    if (strcmp(t->v[i].id, id) == 0) return &t->v[i];
  return NULL;
}

int rl_conf_req_is_must(const rl_conf_req *r) {
  return strncmp(r->level, "MUST", 4) == 0 || strncmp(r->level, "SHALL", 5) == 0 ||
         strcmp(r->level, "REQUIRED") == 0;
}
