/* mutate_test.c: malformed input generated systematically from every valid
 * vector (src/codec/testdata/vectors).
 *
 * Each mutation must be refused with its specific rl_err, an offset inside
 * the input and a non-empty field path that starts with the type's name;
 * a mutation that is accepted must be a valid value in its own right (it
 * re-encodes to exactly the mutated bytes). Nothing may crash: run this
 * under --enable-sanitizers too.
 *
 * Where the length fields are. The encoder writes every length prefix and
 * length field through rl_writer_reserve + rl_writer_fill/rl_writer_patch;
 * the harness wraps those (ld --wrap) and records each field's position,
 * width and the bytes it measures while re-encoding the decoded vector,
 * after checking that the re-encoding is byte-identical to the vector. So
 * the list comes from the structure the decoder found, not from guessing at
 * byte windows. Because that list comes from our own generator, it is
 * checked against an independent one: the vector author's hex comments,
 * written from the RFC. Every recorded field must start on a hex line whose
 * comment says "length"; every line whose comment names a length (other
 * than max_response_length and StoredMetaData's value_length, which are
 * not byte counts of what follows) must start a recorded field, or lie
 * inside an opaque member (bytes the JSON shows as one hex string, such as
 * a Kind's value inside DataValue.value, or the Message inside a
 * FramedMessage; their structure is checked by the vectors of their own
 * types), or be a length the encoder writes without reserving it (the
 * prefix of a typedef'd opaque<> list element such as KindDescription):
 * those are mutated too, with the width of their hex line. */
#include <check.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

static char **paths;
static long npaths;

/* Totals over all vectors (the tests run in one process, see main). */
typedef struct counts {
  long truncations, valid_prefixes;
  long recorded_lengths, comment_lengths, lengths_in_opaque;
  long length_mutations, beyond_room, unchecked_mutations;
  long enum_fields, enum_by_edit, enum_by_scan, enum_mutations, enum_found[8];
  long trailing, nodeid;
  long byte_mutations, byte_accepted;
} counts;

static counts total;

static rl_vec *load(const char *path) {
  char err[VEC_ERRLEN];
  rl_vec *v = malloc(sizeof *v);
  ck_assert_ptr_nonnull(v);
  if (rl_vec_load(path, v, err, sizeof err) != 0) ck_abort_msg("%s", err);
  return v;
}

static void unload(rl_vec *v) {
  rl_vec_free(v);
  free(v);
}

/* A refused input: the error is described properly. Returns the path. */
static const char *check_refused(const rl_vec *v, const h_decoder *d, int r,
                                 size_t inlen, const char *what, char *path,
                                 size_t size) {
  char text[768];
  size_t tn = strlen(v->type);
  h_errpath(&d->ctx.err, path, size);
  h_errtext(&d->ctx.err, text, sizeof text);
  /* Only the verdicts of a decoder on bad input (RL_ERR_PARAM: a changed
   * Kind-ID whose data model nobody configured); never the arena, memory
   * or an output buffer. */
  ck_assert_msg(r == RL_ERR_TRUNCATED || r == RL_ERR_TRAILING || r == RL_ERR_LENGTH_RANGE ||
                    r == RL_ERR_BAD_ENUM || r == RL_ERR_BAD_SELECTOR ||
                    r == RL_ERR_FIXED_LENGTH || r == RL_ERR_CONSTANT ||
                    r == RL_ERR_LENGTH_FIELD || r == RL_ERR_COMPRESSED || r == RL_ERR_PARAM,
                "%s: %s: unexpected result %d (%s)", v->file, what, r, rl_errname(r));
  ck_assert_msg(d->ctx.err.code == r, "%s: %s: errinfo code %s, returned %s", v->file,
                what, rl_errname(d->ctx.err.code), rl_errname(r));
  ck_assert_msg(d->ctx.err.offset <= inlen, "%s: %s: offset %zu beyond the %zu-byte input (%s)",
                v->file, what, d->ctx.err.offset, inlen, text);
  ck_assert_msg(strncmp(path, v->type, tn) == 0 && (path[tn] == '\0' || path[tn] == '.'),
                "%s: %s: path '%s' does not start with %s", v->file, what, path, v->type);
  ck_assert_msg(strncmp(text, "error at offset ", 16) == 0 && strstr(text, path),
                "%s: %s: rendered '%s'", v->file, what, text);
  return path;
}

/* An accepted mutation must be a valid value of its own: encoding it gives
 * back exactly the bytes that were decoded. */
static void check_accepted(const rl_vec *v, const h_decoder *d, const void *val,
                           const uint8_t *in, size_t inlen, const char *what) {
  uint8_t out[VEC_MAX_BYTES + 8];
  long n = h_encode(d->desc, val, out, sizeof out, NULL);
  ck_assert_msg(n == (long)inlen && memcmp(out, in, inlen) == 0,
                "%s: %s was accepted but does not re-encode to itself (%ld bytes)",
                v->file, what, n);
  ck_assert_msg(d->desc->encoded_len(val) == inlen, "%s: %s: encoded_len", v->file, what);
}

/* ---- where the lengths are: encoder record vs. the vector's comments */

/* A length field to mutate. */
typedef struct lenfield {
  size_t pos;
  unsigned width;
  int have_region;    /* recorded by the encoder: start/end are known */
  size_t start, end;  /* the bytes it measures */
  const char *name;   /* the encoder's field name, or the vector's comment */
  const char *unchecked; /* why the codec does not check it, or NULL */
} lenfield;

/* Lengths the RFC defines but the codec deliberately neither computes nor
 * checks; their mutations must be accepted (and re-encode unchanged). If
 * the codec starts checking one, this test fails: remove it here. */
static const struct {
  const char *comment;
  const char *why;
} unchecked_lengths[] = {
    {"ext_length", "RFC 7851 5.1/5.2: ext_length repeats the byte count of the list "
                   "that follows, which has its own length prefix; not filled or "
                   "checked (GEN-NOTE in spec/rfc7851-diagnostics.spec)"},
};

static int comment_names_length(const char *c) {
  /* "length", "via_list_length", "identity.length", "addr_port.length 6";
   * not max_response_length (a limit, 6.3.2) nor StoredMetaData's
   * value_length (the size of a value that is not there, 7.4.3.2). */
  for (const char *p = strstr(c, "length"); p; p = strstr(p + 1, "length")) {
    int before_ok = p == c || !isalnum((unsigned char)p[-1]);
    int after_ok = !isalnum((unsigned char)p[6]) && p[6] != '_';
    if (!before_ok || !after_ok) continue;
    if (p - c >= 13 && strncmp(p - 13, "max_response_", 13) == 0) continue;
    if (p - c >= 6 && strncmp(p - 6, "value_", 6) == 0) continue;
    return 1;
  }
  return 0;
}

static size_t collect_strings(const json_t *j, const char **out, size_t max, size_t n) {
  if (json_is_string(j)) {
    if (n < max) out[n++] = json_string_value(j);
  } else if (json_is_object(j)) {
    const char *k;
    json_t *m;
    json_object_foreach((json_t *)j, k, m) n = collect_strings(m, out, max, n);
  } else if (json_is_array(j)) {
    for (size_t i = 0; i < json_array_size(j); i++)
      n = collect_strings(json_array_get(j, i), out, max, n);
  }
  return n;
}

/* 1 if bytes [start, end) are shown as one hex string in the JSON: an
 * opaque member, whose contents the codec does not interpret. */
static int is_opaque(const rl_vec *v, size_t start, size_t end, const char **strs,
                     size_t nstr) {
  static const char digits[] = "0123456789abcdef";
  char hex[2 * VEC_MAX_BYTES + 1];
  if (end <= start) return 0;
  for (size_t i = start; i < end; i++) {
    hex[2 * (i - start)] = digits[v->bytes[i] >> 4];
    hex[2 * (i - start) + 1] = digits[v->bytes[i] & 15];
  }
  hex[2 * (end - start)] = '\0';
  for (size_t i = 0; i < nstr; i++)
    if (strcmp(strs[i], hex) == 0) return 1;
  return 0;
}

static int build_lengths(const rl_vec *v, const h_length *rec, int nrec, lenfield *out,
                         int max, counts *k) {
  const char *strs[1024];
  size_t nstr = collect_strings(v->json, strs, 1024, 0);
  int n = 0;
  for (int i = 0; i < nrec; i++) {
    const char *c = v->comment_of[rec[i].pos];
    ck_assert_msg(strstr(c, "length") != NULL,
                  "%s: the encoder writes length field '%s' at offset %zu, but the "
                  "vector's comment there is '%s'",
                  v->file, rec[i].field, rec[i].pos, c);
    ck_assert(n < max);
    out[n].pos = rec[i].pos;
    out[n].width = rec[i].width;
    out[n].have_region = 1;
    out[n].start = rec[i].start;
    out[n].end = rec[i].end;
    out[n].name = rec[i].field;
    out[n].unchecked = NULL;
    n++;
  }
  k->recorded_lengths += nrec;
  for (size_t b = 0; b < v->len; b++) {
    const char *c = v->comment_of[b];
    int recorded = 0, opaque = 0;
    unsigned width = 0;
    if (b > 0 && c == v->comment_of[b - 1]) continue; /* not a line start */
    if (!comment_names_length(c)) continue;
    for (int i = 0; i < nrec; i++) {
      recorded |= rec[i].pos == b;
      opaque |= rec[i].start <= b && b < rec[i].end &&
                is_opaque(v, rec[i].start, rec[i].end, strs, nstr);
    }
    if (recorded) continue;
    if (opaque) {
      k->lengths_in_opaque++;
      continue;
    }
    /* A length the encoder writes without reserving it (the prefix of a
     * typedef'd opaque<> list element): the width is its line's. */
    while (b + width < v->len && v->comment_of[b + width] == c) width++;
    ck_assert_msg(width >= 1 && width <= 4,
                  "%s: length '%s' at offset %zu is on a line of %u bytes", v->file, c, b,
                  width);
    ck_assert(n < max);
    out[n].pos = b;
    out[n].width = width;
    out[n].have_region = 0;
    out[n].start = out[n].end = 0;
    out[n].name = c;
    out[n].unchecked = NULL;
    for (size_t u = 0; u < sizeof unchecked_lengths / sizeof unchecked_lengths[0]; u++)
      if (strncmp(c, unchecked_lengths[u].comment, strlen(unchecked_lengths[u].comment)) == 0)
        out[n].unchecked = unchecked_lengths[u].why;
    k->comment_lengths++;
    n++;
  }
  return n;
}

/* ---- the mutations */

static void truncations(const rl_vec *v, h_decoder *d, h_value *val, counts *k) {
  char what[64], path[512];
  for (size_t len = 0; len < v->len; len++) {
    int r = h_decode(d, v->bytes, len, val);
    snprintf(what, sizeof what, "prefix of %zu bytes", len);
    k->truncations++;
    if (r == 0) {
      check_accepted(v, d, val, v->bytes, len, what);
      k->valid_prefixes++;
      continue;
    }
    check_refused(v, d, r, len, what, path, sizeof path);
    /* The input ends early: nothing is wrong with what is there. */
    ck_assert_msg(r == RL_ERR_TRUNCATED, "%s: %s: %s at %s, expected RL_ERR_TRUNCATED",
                  v->file, what, rl_errname(r), path);
  }
}

/* The end of the innermost recorded region holding the field (the end of
 * the input when none does). */
static size_t parent_end(const rl_vec *v, const lenfield *lf, int n, const lenfield *l) {
  size_t best_start = 0, end = v->len;
  for (int i = 0; i < n; i++) {
    const lenfield *p = &lf[i];
    if (p == l || !p->have_region || p->start > l->pos || l->pos + l->width > p->end) continue;
    if (p->start >= best_start) {
      best_start = p->start;
      end = p->end;
    }
  }
  return end;
}

static void length_fields(const rl_vec *v, h_decoder *d, h_value *val,
                          const lenfield *lf, int n, counts *k) {
  uint8_t buf[VEC_MAX_BYTES];
  char what[200], path[512];
  for (int i = 0; i < n; i++) {
    const lenfield *l = &lf[i];
    /* The bytes the measured data may use: from its start to the end of
     * the region around the field. The Message's own length measures the
     * whole input, which holds it. */
    size_t start = l->have_region ? l->start : l->pos + l->width;
    size_t room = l->have_region && l->start < l->pos ? v->len
                                                     : parent_end(v, lf, n, l) - start;
    uint32_t was = h_get_be(v->bytes + l->pos, l->width);
    uint32_t max = l->width >= 4 ? UINT32_MAX : (1u << (8 * l->width)) - 1;
    uint32_t tries[4];
    int nt = 0;
    if (was < max) tries[nt++] = was + 1; /* overflow by one */
    if (was > 0) tries[nt++] = was - 1;   /* underflow by one */
    if (was != max) tries[nt++] = max;    /* the largest the field holds */
    if (was > 1) tries[nt++] = 0;
    for (int t = 0; t < nt; t++) {
      int r;
      memcpy(buf, v->bytes, v->len);
      h_put_be(buf + l->pos, l->width, tries[t]);
      snprintf(what, sizeof what, "length '%s' at offset %zu set to %u (was %u)", l->name,
               l->pos, tries[t], was);
      k->length_mutations++;
      r = h_decode(d, buf, v->len, val);
      if (l->unchecked) {
        ck_assert_msg(r == 0, "%s: %s is refused (%s): the codec now checks it; update "
                              "unchecked_lengths[]",
                      v->file, what, rl_errname(r));
        check_accepted(v, d, val, buf, v->len, what);
        k->unchecked_mutations++;
        continue;
      }
      ck_assert_msg(r != 0, "%s: %s was accepted", v->file, what);
      check_refused(v, d, r, v->len, what, path, sizeof path);
      /* Nothing before the field changed: no fault can be seen earlier. */
      ck_assert_msg(d->ctx.err.offset >= l->pos, "%s: %s: error at offset %zu, before it",
                    v->file, what, d->ctx.err.offset);
      /* More than there is room for: the input ends inside the data (or
       * the value is outside the field's <lo..hi>). Less or within the
       * room, what breaks depends on the bytes that follow. */
      if (tries[t] > room) {
        ck_assert_msg(r == RL_ERR_TRUNCATED || r == RL_ERR_LENGTH_RANGE,
                      "%s: %s: beyond the %zu bytes of room, but %s at %s", v->file, what,
                      room, rl_errname(r), path);
        k->beyond_room++;
      }
      if (getenv("MUTATE_VERBOSE"))
        fprintf(stderr, "%s: %s -> %s at %s (offset %zu)\n", v->name, what, rl_errname(r),
                path, d->ctx.err.offset);
    }
  }
}

/* A copy of the input with one byte inserted before q (delta +1) or the
 * byte at q removed (delta -1), every recorded length whose bytes include
 * `anchor` adjusted by delta, so that all lengths stay consistent. */
static size_t splice(const rl_vec *v, const lenfield *lf, int n, size_t q, int delta,
                     size_t anchor, uint8_t *out) {
  size_t len;
  if (delta > 0) {
    memcpy(out, v->bytes, q);
    out[q] = 0x5a;
    memcpy(out + q + 1, v->bytes + q, v->len - q);
    len = v->len + 1;
  } else {
    memcpy(out, v->bytes, q);
    memcpy(out + q, v->bytes + q + 1, v->len - q - 1);
    len = v->len - 1;
  }
  for (int i = 0; i < n; i++) {
    const lenfield *l = &lf[i];
    size_t pos = l->pos < q ? l->pos : l->pos + (size_t)delta;
    if (!l->have_region || anchor < l->start || anchor >= l->end) continue;
    h_put_be(out + pos, l->width, h_get_be(v->bytes + l->pos, l->width) + (uint32_t)delta);
  }
  return len;
}

static int ends_with(const char *s, const char *tail) {
  size_t a = strlen(s), b = strlen(tail);
  return a >= b && strcmp(s + a - b, tail) == 0;
}

/* RFC 6940 6.3.2.2: a Destination of type node holds a NodeId of exactly
 * NodeIdLength bytes (6.3.1.1). One byte fewer or more, with every
 * enclosing length adjusted, must be refused at that NodeId. */
/* The node_id strings of the Destinations of type node in the JSON. */
static size_t collect_node_ids(const json_t *j, const char **out, size_t max, size_t n) {
  if (json_is_object(j)) {
    const char *k;
    json_t *m;
    const char *type = json_string_value(json_object_get(j, "type"));
    json_t *dd = json_object_get(j, "destination_data");
    if (type && strcmp(type, "node") == 0 && json_is_string(json_object_get(dd, "node_id")) &&
        n < max)
      out[n++] = json_string_value(json_object_get(dd, "node_id"));
    json_object_foreach((json_t *)j, k, m) n = collect_node_ids(m, out, max, n);
  } else if (json_is_array(j)) {
    for (size_t i = 0; i < json_array_size(j); i++)
      n = collect_node_ids(json_array_get(j, i), out, max, n);
  }
  return n;
}

static void nodeid_lengths(const rl_vec *v, h_decoder *d, h_value *val, const lenfield *lf,
                           int n, counts *k) {
  const char *strs[256];
  size_t nstr = collect_node_ids(v->json, strs, 256, 0);
  size_t nid = d->params.p.NodeIdLength;
  uint8_t buf[VEC_MAX_BYTES + 1];
  char path[512];
  for (int i = 0; i < n; i++) {
    const lenfield *l = &lf[i];
    size_t len;
    int r;
    /* type node (1), then this one-byte length of a NodeId seen in JSON. */
    if (!l->have_region || l->width != 1 || l->pos == 0 || v->bytes[l->pos - 1] != 0x01 ||
        l->start != l->pos + 1 || l->end - l->start != nid ||
        !is_opaque(v, l->start, l->end, strs, nstr))
      continue;
    /* One byte short: the NodeId does not fit in destination_data. */
    len = splice(v, lf, n, l->end - 1, -1, l->end - 1, buf);
    r = h_decode(d, buf, len, val);
    check_refused(v, d, r, len, "node_id one byte short", path, sizeof path);
    ck_assert_msg(r == RL_ERR_TRUNCATED && ends_with(path, ".destination_data.node_id"),
                  "%s: Destination at %zu with a %zu-byte node_id: %s at %s", v->file,
                  l->pos - 1, nid - 1, rl_errname(r), path);
    ck_assert_uint_eq(d->ctx.err.offset, l->start);
    /* One byte long: destination_data has a byte after the NodeId. */
    len = splice(v, lf, n, l->end, +1, l->end - 1, buf);
    r = h_decode(d, buf, len, val);
    check_refused(v, d, r, len, "node_id one byte long", path, sizeof path);
    ck_assert_msg(r == RL_ERR_TRAILING && ends_with(path, ".destination_data"),
                  "%s: Destination at %zu with a %zu-byte node_id: %s at %s", v->file,
                  l->pos - 1, nid + 1, rl_errname(r), path);
    ck_assert_uint_eq(d->ctx.err.offset, l->end);
    k->nodeid += 2;
  }
}

static void trailing(const rl_vec *v, h_decoder *d, h_value *val, const lenfield *lf,
                     int n, counts *k) {
  uint8_t buf[VEC_MAX_BYTES + 1];
  char path[512];
  int r;
  memcpy(buf, v->bytes, v->len);
  buf[v->len] = 0x00;
  k->trailing++;
  r = h_decode(d, buf, v->len + 1, val);
  check_refused(v, d, r, v->len + 1, "one byte appended", path, sizeof path);
  if (strcmp(v->type, "Message") != 0) {
    ck_assert_msg(r == RL_ERR_TRAILING && strcmp(path, v->type) == 0 &&
                      d->ctx.err.offset == v->len,
                  "%s: byte appended: %s at %s offset %zu, expected RL_ERR_TRAILING at %s "
                  "offset %zu",
                  v->file, rl_errname(r), path, d->ctx.err.offset, v->type, v->len);
    return;
  }
  /* A Message says its own length (RFC 6940 6.3.2): one byte more than it
   * says is a fault of that length field ... */
  ck_assert_msg(r == RL_ERR_LENGTH_FIELD &&
                    strcmp(path, "Message.forwarding_header.length") == 0,
                "%s: byte appended: %s at %s", v->file, rl_errname(r), path);
  /* ... and once the length counts the byte, it is trailing data. */
  for (int i = 0; i < n; i++) {
    if (lf[i].have_region && lf[i].start == 0 && lf[i].end == v->len) {
      h_put_be(buf + lf[i].pos, lf[i].width, (uint32_t)v->len + 1);
      k->trailing++;
      r = h_decode(d, buf, v->len + 1, val);
      check_refused(v, d, r, v->len + 1, "byte appended, length fixed", path, sizeof path);
      ck_assert_msg(r == RL_ERR_TRAILING && strcmp(path, "Message") == 0 &&
                        d->ctx.err.offset == v->len,
                    "%s: byte appended and counted: %s at %s offset %zu", v->file,
                    rl_errname(r), path, d->ctx.err.offset);
      return;
    }
  }
  ck_abort_msg("%s: no length field measures the whole Message", v->file);
}

/* ---- closed enums */

typedef struct closed_enum {
  const char *name;
  int (*valid)(uint8_t v);
  const char *(*value_name)(uint8_t v);
} closed_enum;

/* The spec's closed enums (the generated header marks them "closed"); all
 * are one byte wide. */
static const closed_enum closed_enums[] = {
    {"Boolean", rl_Boolean_valid, rl_Boolean_name},
    {"CandType", rl_CandType_valid, rl_CandType_name},
    {"FramedMessageType", rl_FramedMessageType_valid, rl_FramedMessageType_name},
    {"ChordUpdateType", rl_ChordUpdateType_valid, rl_ChordUpdateType_name},
    {"ChordLeaveType", rl_ChordLeaveType_valid, rl_ChordLeaveType_name},
    {"RouteMode", rl_RouteMode_valid, rl_RouteMode_name},
};
#define NCLOSED (sizeof closed_enums / sizeof closed_enums[0])

static int enum_value(const closed_enum *e, const char *name) {
  for (int x = 0; x < 256; x++)
    if (e->valid((uint8_t)x) && e->value_name((uint8_t)x) &&
        strcmp(e->value_name((uint8_t)x), name) == 0)
      return x;
  return -1;
}

/* Where the member `key` of obj (holding enum e's value named by its
 * string) is on the wire: give the member another value of e in the JSON,
 * encode, and see which byte changed. -1 if no such edit encodes (the
 * member is not of e, or every other value needs other members). */
static long locate_enum(const rl_vec *v, h_decoder *d, json_t *obj, const char *key,
                        const closed_enum *e, int was) {
  const char *orig = json_string_value(json_object_get(obj, key));
  char keep[64];
  long at = -1;
  snprintf(keep, sizeof keep, "%s", orig);
  for (int x = 0; x < 256 && at < 0; x++) {
    h_value val;
    uint8_t out[VEC_MAX_BYTES];
    long len, diff = -1, ndiff = 0;
    if (x == was || !e->valid((uint8_t)x) || !e->value_name((uint8_t)x)) continue;
    json_object_set_new(obj, key, json_string(e->value_name((uint8_t)x)));
    rl_arena_reset(&d->arena);
    rl_ctx_init(&d->ctx, &d->arena, &d->params.p);
    if (d->desc->from_json(v->json, &d->ctx, &val) == 0 &&
        (len = h_encode(d->desc, &val, out, sizeof out, NULL)) == (long)v->len) {
      for (size_t i = 0; i < v->len; i++) {
        if (out[i] != v->bytes[i]) {
          diff = (long)i;
          ndiff++;
        }
      }
      if (ndiff == 1 && v->bytes[diff] == was && out[diff] == x) at = diff;
    }
  }
  json_object_set_new(obj, key, json_string(keep));
  return at;
}

static long scan_enum(const rl_vec *v, h_decoder *d, h_value *val, const char *key,
                      const closed_enum *e, int was) {
  uint8_t buf[VEC_MAX_BYTES];
  char path[512];
  int y = 0;
  while (y < 256 && e->valid((uint8_t)y)) y++;
  memcpy(buf, v->bytes, v->len);
  for (size_t q = 0; q < v->len && y < 256; q++) {
    size_t pl;
    if (v->bytes[q] != was) continue;
    buf[q] = (uint8_t)y;
    if (h_decode(d, buf, v->len, val) == RL_ERR_BAD_ENUM && d->ctx.err.offset == q) {
      h_errpath(&d->ctx.err, path, sizeof path);
      pl = strlen(path);
      if (ends_with(path, key) && pl > strlen(key) && path[pl - strlen(key) - 1] == '.')
        return (long)q;
    }
    buf[q] = v->bytes[q];
  }
  return -1;
}

static void enums_in(const rl_vec *v, h_decoder *d, h_value *val, json_t *j, counts *k) {
  if (json_is_array(j)) {
    for (size_t i = 0; i < json_array_size(j); i++) enums_in(v, d, val, json_array_get(j, i), k);
    return;
  }
  if (!json_is_object(j)) return;
  {
    const char *key;
    json_t *m;
    json_object_foreach(j, key, m) {
      if (!json_is_string(m)) {
        enums_in(v, d, val, m, k);
        continue;
      }
      /* locate_enum replaces m in j (same key, so iterating goes on):
       * keep its text. */
      char text[64];
      snprintf(text, sizeof text, "%s", json_string_value(m));
      for (size_t e = 0; e < NCLOSED; e++) {
        const closed_enum *ce = &closed_enums[e];
        int was = enum_value(ce, text);
        long at;
        if (was < 0) continue;
        at = locate_enum(v, d, j, key, ce, was);
        if (at >= 0) {
          k->enum_by_edit++;
        } else {
          /* A selector: every other value needs other members, so no JSON
           * edit encodes. Take the byte holding `was` where the first
           * invalid value is refused naming this member; all others are
           * then checked there. */
          at = scan_enum(v, d, val, key, ce, was);
          if (at < 0) continue;
          k->enum_by_scan++;
        }
        k->enum_fields++;
        k->enum_found[e]++;
        for (int y = 0; y < 256; y++) {
          uint8_t buf[VEC_MAX_BYTES];
          char path[512], what[128];
          int r;
          if (ce->valid((uint8_t)y)) continue;
          memcpy(buf, v->bytes, v->len);
          buf[at] = (uint8_t)y;
          snprintf(what, sizeof what, "%s '%s' at offset %ld set to %d", ce->name, key, at, y);
          r = h_decode(d, buf, v->len, val);
          check_refused(v, d, r, v->len, what, path, sizeof path);
          ck_assert_msg(r == RL_ERR_BAD_ENUM && d->ctx.err.offset == (size_t)at,
                        "%s: %s: %s at offset %zu, expected RL_ERR_BAD_ENUM at %ld",
                        v->file, what, rl_errname(r), d->ctx.err.offset, at);
          ck_assert_msg(ends_with(path, key) && path[strlen(path) - strlen(key) - 1] == '.',
                        "%s: %s: path %s does not name %s", v->file, what, path, key);
          k->enum_mutations++;
        }
        break;
      }
    }
  }
}

/* ---- every byte, a few values: refused properly, or a valid value */

static void byte_sweep(const rl_vec *v, h_decoder *d, h_value *val, counts *k) {
  uint8_t buf[VEC_MAX_BYTES];
  char what[96], path[512];
  memcpy(buf, v->bytes, v->len);
  for (size_t p = 0; p < v->len; p++) {
    const uint8_t b = v->bytes[p];
    const uint8_t tries[] = {b ^ 0x01, b ^ 0x02, b ^ 0x10, b ^ 0x80, b ^ 0xff, 0x00, 0xff,
                             (uint8_t)(b + 1)};
    for (size_t t = 0; t < sizeof tries; t++) {
      int r;
      if (tries[t] == b) continue;
      buf[p] = tries[t];
      snprintf(what, sizeof what, "byte %zu changed from %02x to %02x", p, b, tries[t]);
      k->byte_mutations++;
      r = h_decode(d, buf, v->len, val);
      if (r == 0) {
        check_accepted(v, d, val, buf, v->len, what);
        k->byte_accepted++;
      } else {
        check_refused(v, d, r, v->len, what, path, sizeof path);
        /* An error points at the start of the field it is about; the
         * widest field read as one unit is a uint128 (16 bytes). */
        ck_assert_msg(d->ctx.err.offset + 15 >= p,
                      "%s: %s: %s reported at offset %zu, before the changed field",
                      v->file, what, rl_errname(r), d->ctx.err.offset);
      }
    }
    buf[p] = b;
  }
}

START_TEST(mutations) {
  rl_vec *v = load(paths[_i]);
  h_decoder *d = malloc(sizeof *d), *bd = malloc(sizeof *bd);
  h_value base, val;
  h_length rec[H_MAX_LENGTHS];
  lenfield lf[H_MAX_LENGTHS];
  uint8_t out[VEC_MAX_BYTES];
  char err[VEC_ERRLEN];
  counts k;
  int nrec, n, r;

  memset(&k, 0, sizeof k);
  ck_assert_ptr_nonnull(d);
  ck_assert_ptr_nonnull(bd);
  ck_assert_msg(v->json != NULL, "%s: not a valid vector", v->file);
  if (h_setup(d, v, err, sizeof err) || h_setup(bd, v, err, sizeof err))
    ck_abort_msg("%s", err);
  /* The base value lives in its own arena: h_decode resets d's. */
  r = h_decode(bd, v->bytes, v->len, &base);
  ck_assert_msg(r == 0, "%s: does not decode: %s", v->file, rl_errname(r));
  nrec = h_record_lengths(bd->desc, &base, out, sizeof out, rec, H_MAX_LENGTHS);
  ck_assert_msg(nrec >= 0, "%s: re-encoding failed", v->file);
  ck_assert_msg(memcmp(out, v->bytes, v->len) == 0, "%s: re-encoding differs", v->file);
  n = build_lengths(v, rec, nrec, lf, H_MAX_LENGTHS, &k);

  truncations(v, d, &val, &k);
  length_fields(v, d, &val, lf, n, &k);
  trailing(v, d, &val, lf, n, &k);
  nodeid_lengths(v, d, &val, lf, n, &k);
  enums_in(v, d, &val, v->json, &k);
  byte_sweep(v, d, &val, &k);

  if (getenv("MUTATE_VERBOSE"))
    fprintf(stderr,
            "%s: %d lengths (%ld from comments, %ld in opaques), %ld truncations, %ld "
            "length mutations, %ld enum fields, %ld node-id, %ld byte mutations "
            "(%ld accepted)\n",
            v->name, n, k.comment_lengths, k.lengths_in_opaque, k.truncations,
            k.length_mutations, k.enum_fields, k.nodeid, k.byte_mutations, k.byte_accepted);
  total.truncations += k.truncations;
  total.valid_prefixes += k.valid_prefixes;
  total.recorded_lengths += k.recorded_lengths;
  total.comment_lengths += k.comment_lengths;
  total.lengths_in_opaque += k.lengths_in_opaque;
  total.length_mutations += k.length_mutations;
  total.beyond_room += k.beyond_room;
  total.unchecked_mutations += k.unchecked_mutations;
  total.enum_fields += k.enum_fields;
  total.enum_by_edit += k.enum_by_edit;
  total.enum_by_scan += k.enum_by_scan;
  total.enum_mutations += k.enum_mutations;
  for (size_t e = 0; e < NCLOSED; e++) total.enum_found[e] += k.enum_found[e];
  total.trailing += k.trailing;
  total.nodeid += k.nodeid;
  total.byte_mutations += k.byte_mutations;
  total.byte_accepted += k.byte_accepted;
  free(d);
  free(bd);
  unload(v);
}
END_TEST

/* Runs after the loop: every closed enum was found in some vector, so the
 * enum mutations did not pass by finding nothing. */
START_TEST(every_closed_enum_was_mutated) {
  for (size_t e = 0; e < NCLOSED; e++)
    ck_assert_msg(total.enum_found[e] > 0, "no vector has a %s field the test could locate",
                  closed_enums[e].name);
  ck_assert(total.nodeid > 0);
  ck_assert(total.length_mutations > 0);
}
END_TEST

/* A few rendered errors, stated in full. */
START_TEST(rendered_errors) {
  static const uint8_t ping_prefix[] = {0xd2, 0x45, 0x4c, 0x4f, 0x8f, 0x3c};
  static const uint8_t bad_token[] = {0xd2, 0x45, 0x4c, 0x50};
  static const uint8_t dest[] = {0x01, 0x03, 0xaa, 0xbb, 0xcc};
  h_decoder *d = malloc(sizeof *d);
  rl_vec v;
  h_value val;
  char err[VEC_ERRLEN], text[768];
  ck_assert_ptr_nonnull(d);
  memset(&v, 0, sizeof v);
  strcpy(v.type, "Message");
  strcpy(v.params, "NodeIdLength=16");
  if (h_setup(d, &v, err, sizeof err)) ck_abort_msg("%s", err);
  ck_assert_int_eq(h_decode(d, ping_prefix, sizeof ping_prefix, &val), RL_ERR_TRUNCATED);
  ck_assert_str_eq(h_errtext(&d->ctx.err, text, sizeof text),
                   "error at offset 4 in Message.forwarding_header.overlay: "
                   "input ends inside this field");
  ck_assert_int_eq(h_decode(d, bad_token, sizeof bad_token, &val), RL_ERR_CONSTANT);
  ck_assert_str_eq(h_errtext(&d->ctx.err, text, sizeof text),
                   "error at offset 0 in Message.forwarding_header.relo_token: "
                   "relo_token must be 0xd2454c4f");
  strcpy(v.type, "Destination");
  if (h_setup(d, &v, err, sizeof err)) ck_abort_msg("%s", err);
  ck_assert_int_eq(h_decode(d, dest, sizeof dest, &val), RL_ERR_TRUNCATED);
  ck_assert_str_eq(h_errtext(&d->ctx.err, text, sizeof text),
                   "error at offset 2 in Destination.destination_data.node_id: "
                   "input ends inside this field");
  free(d);
}
END_TEST

int main(void) {
  Suite *s = suite_create("mutate");
  TCase *tc = tcase_create("mutate");
  SRunner *sr;
  char dir[1024], err[VEC_ERRLEN];
  int failed;
  rl_vec_dir("vectors", dir, sizeof dir);
  npaths = rl_vec_list(dir, &paths, err, sizeof err);
  if (npaths <= 0) {
    fprintf(stderr, "%s\n", npaths < 0 ? err : "no vectors found (set top_srcdir)");
    return EXIT_FAILURE;
  }
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, rendered_errors);
  tcase_add_loop_test(tc, mutations, 0, (int)npaths);
  tcase_add_test(tc, every_closed_enum_was_mutated);
  suite_add_tcase(s, tc);
  sr = srunner_create(s);
  /* One process: the totals are added up across the vectors, and the last
   * test checks them. A crash still fails the whole program. */
  srunner_set_fork_status(sr, CK_NOFORK);
  srunner_run_all(sr, CK_NORMAL);
  failed = srunner_ntests_failed(sr);
  fprintf(stderr,
          "mutate: %ld vectors; %ld truncations (%ld valid prefixes); %ld length fields "
          "(%ld recorded by the encoder, %ld from the vectors' comments, %ld inside opaque "
          "members not mutated) with %ld mutations (%ld beyond the room, all "
          "RL_ERR_TRUNCATED/LENGTH_RANGE; %ld of known unchecked lengths); "
          "%ld closed-enum fields (%ld located by a JSON edit, %ld by a scan) with %ld bad "
          "values; %ld trailing-byte, %ld node-id "
          "length; %ld single-byte mutations (%ld accepted as valid values); %d failed\n",
          npaths, total.truncations, total.valid_prefixes,
          total.recorded_lengths + total.comment_lengths, total.recorded_lengths,
          total.comment_lengths, total.lengths_in_opaque, total.length_mutations,
          total.beyond_room, total.unchecked_mutations, total.enum_fields, total.enum_by_edit, total.enum_by_scan,
          total.enum_mutations, total.trailing,
          total.nodeid, total.byte_mutations, total.byte_accepted, failed);
  srunner_free(sr);
  rl_vec_list_free(paths, npaths);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
