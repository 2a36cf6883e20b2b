/* harness.c: see harness.h. */
#include "harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/json.h"

/* ---- allocation counting (-Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc) */

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t n);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_realloc(void *p, size_t n);

static unsigned long allocs;

void *__wrap_malloc(size_t n) {
  allocs++;
  return __real_malloc(n);
}

void *__wrap_calloc(size_t n, size_t size) {
  allocs++;
  return __real_calloc(n, size);
}

void *__wrap_realloc(void *p, size_t n) {
  allocs++;
  return __real_realloc(p, n);
}

unsigned long h_alloc_count(void) { return allocs; }

/* ---- length-field recording (--wrap=rl_writer_reserve,fill,patch) */

size_t __real_rl_writer_reserve(rl_writer *w, unsigned width);
int __real_rl_writer_fill(rl_writer *w, size_t pos, unsigned width, uint32_t lo,
                          uint32_t hi, const char *field);
int __real_rl_writer_patch(rl_writer *w, size_t pos, unsigned width, size_t value,
                           const char *field);
size_t __wrap_rl_writer_reserve(rl_writer *w, unsigned width);
int __wrap_rl_writer_fill(rl_writer *w, size_t pos, unsigned width, uint32_t lo,
                          uint32_t hi, const char *field);
int __wrap_rl_writer_patch(rl_writer *w, size_t pos, unsigned width, size_t value,
                           const char *field);

static h_length *rec;
static int rec_max, rec_n, rec_overflow;
static unsigned long reserves;

size_t __wrap_rl_writer_reserve(rl_writer *w, unsigned width) {
  reserves++;
  return __real_rl_writer_reserve(w, width);
}

static void record(const rl_writer *w, size_t pos, unsigned width, size_t value,
                   uint32_t lo, uint32_t hi, const char *field) {
  h_length *l;
  if (!rec || w->err) return;
  if (rec_n == rec_max) {
    rec_overflow = 1;
    return;
  }
  l = &rec[rec_n++];
  l->pos = pos;
  l->width = width;
  /* Every fill and patch is called right after the measured bytes were
   * written, so they are the last `value` bytes of the buffer. */
  l->end = w->len;
  l->start = w->len - value;
  l->lo = lo;
  l->hi = hi;
  l->field = field;
}

int __wrap_rl_writer_fill(rl_writer *w, size_t pos, unsigned width, uint32_t lo,
                          uint32_t hi, const char *field) {
  if (!w->err) record(w, pos, width, w->len - pos - width, lo, hi, field);
  return __real_rl_writer_fill(w, pos, width, lo, hi, field);
}

int __wrap_rl_writer_patch(rl_writer *w, size_t pos, unsigned width, size_t value,
                           const char *field) {
  uint32_t max = width >= 4 ? UINT32_MAX : (uint32_t)((1u << (8 * width)) - 1);
  if (!w->err) record(w, pos, width, value, 0, max, field);
  return __real_rl_writer_patch(w, pos, width, value, field);
}

int h_wrap_live(void) {
  /* rl_json_hex (libreload) mallocs for more than 64 bytes; the writer's
   * reserve is called by every length-prefixed encode. Both must be seen. */
  static const uint8_t zeros[100];
  unsigned long a = allocs, r = reserves;
  json_t *j = rl_json_hex(zeros, sizeof zeros);
  uint8_t buf[8];
  rl_writer w;
  json_decref(j);
  rl_writer_init(&w, buf, sizeof buf, NULL);
  rl_writer_reserve(&w, 2);
  return allocs > a && reserves > r;
}

static int cmp_len(const void *a, const void *b) {
  const h_length *x = a, *y = b;
  return x->pos < y->pos ? -1 : x->pos > y->pos;
}

int h_record_lengths(const rl_type_desc *desc, const void *v, uint8_t *out,
                     size_t cap, h_length *lens, int max) {
  long n;
  int r = -1;
  rec = lens;
  rec_max = max;
  rec_n = 0;
  rec_overflow = 0;
  n = h_encode(desc, v, out, cap, NULL);
  if (n >= 0 && !rec_overflow) {
    qsort(lens, (size_t)rec_n, sizeof *lens, cmp_len);
    r = rec_n;
  }
  rec = NULL;
  return r;
}

/* ---- decoding and encoding */

int h_setup(h_decoder *d, const rl_vec *v, char *err, size_t errlen) {
  char perr[256] = "";
  d->desc = rl_type_find(v->type);
  if (!d->desc) {
    snprintf(err, errlen, "%s:%d: type '%s' is not in rl_types[]", v->file,
             v->type_line, v->type);
    return -1;
  }
  if (d->desc->size > H_VALUE_BYTES) {
    snprintf(err, errlen, "%s: sizeof %s is %zu, above H_VALUE_BYTES", v->file,
             v->type, d->desc->size);
    return -1;
  }
  rl_param_set_init(&d->params);
  if (rl_param_set_parse(&d->params, v->params, perr, sizeof perr) != 0) {
    snprintf(err, errlen, "%s: params: %s", v->file, perr);
    return -1;
  }
  rl_arena_init(&d->arena, d->arena_mem, sizeof d->arena_mem);
  rl_ctx_init(&d->ctx, &d->arena, &d->params.p);
  return 0;
}

int h_decode(h_decoder *d, const uint8_t *buf, size_t len, void *out) {
  rl_cursor c;
  int r;
  rl_arena_reset(&d->arena);
  rl_ctx_init(&d->ctx, &d->arena, &d->params.p);
  d->ctx.base = buf;
  rl_cursor_init(&c, buf, len);
  r = d->desc->decode(&c, &d->ctx, out);
  if (r == 0 && !rl_cursor_empty(&c))
    r = rl_fail(&d->ctx, &c, RL_ERR_TRAILING, NULL, "bytes after the end of the value");
  if (r != 0) rl_errinfo_push(&d->ctx.err, d->desc->name, r);
  return r;
}

long h_encode(const rl_type_desc *desc, const void *v, uint8_t *out, size_t cap,
              rl_errinfo *info) {
  rl_writer w;
  int r;
  if (info) rl_errinfo_clear(info);
  rl_writer_init(&w, out, cap, info);
  r = desc->encode(&w, v);
  if (r == 0) r = w.err;
  return r ? r : (long)w.len;
}

const char *h_errtext(const rl_errinfo *e, char *buf, size_t size) {
  return rl_errinfo_format(e, buf, size);
}

const char *h_errpath(const rl_errinfo *e, char *buf, size_t size) {
  return rl_errinfo_path(e, buf, size);
}

uint32_t h_get_be(const uint8_t *p, unsigned width) {
  uint32_t x = 0;
  for (unsigned i = 0; i < width; i++) x = x << 8 | p[i];
  return x;
}

void h_put_be(uint8_t *p, unsigned width, uint32_t v) {
  for (unsigned i = 0; i < width; i++) p[i] = (uint8_t)(v >> (8 * (width - 1 - i)));
}

char *h_pretty(const void *json) {
  return json_dumps((const json_t *)json, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
}
