/* tool_util.c: see tool_util.h. */
#include "tool_util.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

const char *rl_tool_name = "reload";

void rl_tool_warn(const char *fmt, ...) {
  va_list ap;
  fprintf(stderr, "%s: ", rl_tool_name);
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fputc('\n', stderr);
}

int rl_tool_read_file(const char *path, uint8_t **buf, size_t *len, char *err,
                      size_t errlen) {
  int r = 0;
  int is_stdin = strcmp(path, "-") == 0;
  FILE *f = is_stdin ? stdin : fopen(path, "rb");
  uint8_t *data = NULL;
  size_t cap = 0, n = 0;
  if (!f) {
    snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
    return RL_ERR_IO;
  }
  for (;;) {
    size_t got;
    /* Keep one spare byte for the terminating NUL. */
    if (cap - n < 2) {
      size_t ncap = cap ? cap * 2 : 65536;
      uint8_t *nd = ncap > cap ? realloc(data, ncap) : NULL;
      if (!nd) {
        snprintf(err, errlen, "%s: out of memory", path);
        r = RL_ERR_NOMEM;
        goto done;
      }
      data = nd;
      cap = ncap;
    }
    got = fread(data + n, 1, cap - n - 1, f);
    n += got;
    if (got == 0) break;
  }
  if (ferror(f)) {
    snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
    r = RL_ERR_IO;
    goto done;
  }
  data[n] = '\0';
  *buf = data;
  *len = n;
  data = NULL;
done:
  free(data);
  if (!is_stdin) fclose(f);
  return r;
}

void rl_tool_arena_init(rl_tool_arena *a) {
  a->mem = NULL;
  a->cap = 0;
  rl_arena_init(&a->arena, NULL, 0);
}

static int arena_resize(rl_tool_arena *a, size_t cap) {
  void *m = malloc(cap);
  if (!m) return RL_ERR_NOMEM;
  free(a->mem);
  a->mem = m;
  a->cap = cap;
  rl_arena_init(&a->arena, m, cap);
  return 0;
}

int rl_tool_arena_reserve(rl_tool_arena *a, size_t want) {
  if (want < RL_TOOL_ARENA_MIN) want = RL_TOOL_ARENA_MIN;
  if (want > RL_TOOL_ARENA_MAX) want = RL_TOOL_ARENA_MAX;
  if (a->cap >= want) {
    rl_arena_reset(&a->arena);
    return 0;
  }
  return arena_resize(a, want);
}

int rl_tool_arena_grow(rl_tool_arena *a) {
  if (a->cap >= RL_TOOL_ARENA_MAX) return RL_ERR_NOMEM;
  return arena_resize(a, a->cap ? a->cap * 2 : RL_TOOL_ARENA_MIN);
}

void rl_tool_arena_free(rl_tool_arena *a) {
  free(a->mem);
  rl_tool_arena_init(a);
}

int rl_tool_param(rl_param_set *ps, const char *arg) {
  char err[256];
  int r = rl_param_set_parse(ps, arg, err, sizeof err);
  if (r) rl_tool_warn("--param %s: %s", arg, err);
  return r;
}

const rl_type_desc *rl_tool_type(const char *name) {
  const rl_type_desc *d = rl_type_find(name);
  /* People type "message" or "storereq"; the names are unambiguous
   * without case. */
  for (size_t i = 0; !d && i < rl_types_count; i++)
    if (strcasecmp(rl_types[i].name, name) == 0) d = &rl_types[i];
  if (!d) rl_tool_warn("unknown type '%s' (--types lists them)", name);
  return d;
}

void rl_tool_list_types(FILE *f) {
  for (size_t i = 0; i < rl_types_count; i++)
    fprintf(f, "%-26s %s\n", rl_types[i].name, rl_types[i].section);
}

void rl_tool_list_kinds(FILE *f) {
  fprintf(f, "%-10s %-22s %-13s %-22s %s\n", "KIND-ID", "NAME", "DATA MODEL",
          "VALUE TYPE", "DEFINED IN");
  for (size_t i = 0; i < rl_kinds_count; i++) {
    const rl_kind_info *k = &rl_kinds[i];
    const char *dm = rl_DataModel_name((rl_DataModel)k->data_model);
    fprintf(f, "0x%-8lx %-22s %-13s %-22s %s\n", (unsigned long)k->id, k->name,
            dm ? dm : "?", k->value_type ? k->value_type : "(opaque)",
            k->section);
  }
}
