/* vectors_test.c: the generated codec against the hand-built vectors of
 * src/codec/testdata (written from the RFC text, never from our encoder).
 *
 * For every valid vector: decode exactly (whole buffer, no malloc, stack
 * arena), compare the JSON with the expected one, check encoded_len,
 * encode == input, decode(encode) == decode, and from_json(expected) ->
 * encode == input (the JSON path, length fields recomputed). Message
 * vectors also go through rl_Message_parse and rl_message_parse, and
 * through the client codec (rlc_*). For every malformed vector: the
 * expected error code and field path. */
#define _POSIX_C_SOURCE 200809L /* mkstemp, fdopen */

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec/message.h"
#include "gen/reload_client.h"
#include "harness.h"

_Static_assert(RL_SCHEMA_MAX_DEPTH < RL_MAX_DEPTH,
               "the schema must nest less deeply than the runtime's depth limit");

static char **valid_paths, **bad_paths;
static long nvalid, nbad;

/* ---- small helpers */

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

/* The first place where two JSON values differ, as a path ("$.a[2].b"). */
static int json_diff(const json_t *a, const json_t *b, char *path, size_t size) {
  size_t n = strlen(path);
  if (json_typeof(a) != json_typeof(b)) return 1;
  if (json_is_object(a)) {
    const char *k;
    json_t *va;
    if (json_object_size(a) != json_object_size(b)) return 1;
    json_object_foreach((json_t *)a, k, va) {
      json_t *vb = json_object_get(b, k);
      snprintf(path + n, size - n, ".%s", k);
      if (!vb || json_diff(va, vb, path, size)) return 1;
    }
    path[n] = '\0';
    return 0;
  }
  if (json_is_array(a)) {
    if (json_array_size(a) != json_array_size(b)) return 1;
    for (size_t i = 0; i < json_array_size(a); i++) {
      snprintf(path + n, size - n, "[%zu]", i);
      if (json_diff(json_array_get(a, i), json_array_get(b, i), path, size)) return 1;
    }
    path[n] = '\0';
    return 0;
  }
  return !json_equal((json_t *)a, (json_t *)b);
}

static void assert_json(const rl_vec *v, const json_t *got, const char *what) {
  char path[512] = "$";
  char *g, *e;
  if (json_equal((json_t *)got, v->json)) return;
  json_diff(got, v->json, path, sizeof path);
  g = h_pretty(got);
  e = h_pretty(v->json);
  fprintf(stderr, "%s: %s: JSON differs first at %s\n--- got:\n%s\n--- expected:\n%s\n",
          v->file, what, path, g ? g : "(null)", e ? e : "(null)");
  free(g);
  free(e);
  ck_abort_msg("%s: %s: JSON differs at %s (both printed above)", v->file, what, path);
}

static void assert_bytes(const rl_vec *v, const uint8_t *got, long n, const char *what) {
  size_t i = 0;
  ck_assert_msg(n >= 0, "%s: %s failed: %s", v->file, what, rl_errname((int)n));
  while (i < (size_t)n && i < v->len && got[i] == v->bytes[i]) i++;
  if (i == v->len && (size_t)n == v->len) return;
  ck_abort_msg("%s: %s: %ld bytes, expected %zu; first difference at offset %zu "
               "(got %02x, vector has %02x: '%s')",
               v->file, what, n, v->len, i, i < (size_t)n ? got[i] : 0,
               i < v->len ? v->bytes[i] : 0, i < v->len ? v->comment_of[i] : "(end)");
}

static void fail_decode(const rl_vec *v, const h_decoder *d, int r, const char *what) {
  char text[768];
  ck_abort_msg("%s: %s: %s: %s", v->file, what, rl_errname(r),
               h_errtext(&d->ctx.err, text, sizeof text));
}

/* ---- every valid vector */

START_TEST(valid_vector) {
  rl_vec *v = load(valid_paths[_i]);
  h_decoder d1, d2, d3;
  h_value a, b, c;
  uint8_t out[VEC_MAX_BYTES], small[VEC_MAX_BYTES];
  char err[VEC_ERRLEN];
  unsigned long allocs;
  json_t *j;
  long n;
  int r;

  ck_assert_msg(v->json, "%s: a valid vector needs json:", v->file);
  if (h_setup(&d1, v, err, sizeof err) || h_setup(&d2, v, err, sizeof err) ||
      h_setup(&d3, v, err, sizeof err))
    ck_abort_msg("%s", err);

  /* Decode: exact, into the stack arena, without one allocation. */
  allocs = h_alloc_count();
  r = h_decode(&d1, v->bytes, v->len, &a);
  ck_assert_msg(h_alloc_count() == allocs, "%s: decode called malloc %lu times",
                v->file, h_alloc_count() - allocs);
  if (r) fail_decode(v, &d1, r, "decode");

  j = d1.desc->to_json(&a);
  ck_assert_msg(j != NULL, "%s: to_json returned NULL", v->file);
  assert_json(v, j, "to_json(decode(hex))");
  json_decref(j);

  ck_assert_msg(d1.desc->encoded_len(&a) == v->len, "%s: encoded_len %zu, input %zu",
                v->file, d1.desc->encoded_len(&a), v->len);
  n = h_encode(d1.desc, &a, out, sizeof out, NULL);
  assert_bytes(v, out, n, "encode(decode(hex))");

  /* The writer refuses a buffer one byte short, and says so. */
  n = h_encode(d1.desc, &a, small, v->len - 1, NULL);
  ck_assert_msg(n == RL_ERR_BUFFER, "%s: encode into %zu bytes gave %ld", v->file,
                v->len - 1, n);

  r = h_decode(&d2, out, v->len, &b);
  if (r) fail_decode(v, &d2, r, "decode(encode(decode(hex)))");
  ck_assert_msg(d1.desc->equal(&a, &b), "%s: decode(encode(x)) != x", v->file);

  /* The JSON path: length fields in the JSON are ignored and recomputed. */
  rl_arena_reset(&d3.arena);
  rl_ctx_init(&d3.ctx, &d3.arena, &d3.params.p);
  r = d3.desc->from_json(v->json, &d3.ctx, &c);
  if (r) fail_decode(v, &d3, r, "from_json(expected json)");
  n = h_encode(d3.desc, &c, out, sizeof out, NULL);
  assert_bytes(v, out, n, "encode(from_json(json))");
  ck_assert_msg(d1.desc->equal(&a, &c), "%s: from_json(json) != decode(hex)", v->file);
  unload(v);
}
END_TEST

/* rl_Message_parse (generated) and rl_message_parse (fragment check) agree
 * with the descriptor on every Message vector. */
START_TEST(message_parsers_agree) {
  long messages = 0;
  for (long i = 0; i < nvalid; i++) {
    rl_vec *v = load(valid_paths[i]);
    h_decoder d1, d2;
    rl_Message m1, m2, m3;
    rl_message_peek peek;
    char err[VEC_ERRLEN];
    int r;
    if (strcmp(v->type, "Message") != 0) {
      unload(v);
      continue;
    }
    messages++;
    if (h_setup(&d1, v, err, sizeof err) || h_setup(&d2, v, err, sizeof err))
      ck_abort_msg("%s", err);
    r = h_decode(&d1, v->bytes, v->len, &m1);
    if (r) fail_decode(v, &d1, r, "decode");
    rl_arena_reset(&d2.arena);
    rl_ctx_init(&d2.ctx, &d2.arena, &d2.params.p);
    r = rl_Message_parse(v->bytes, v->len, &d2.ctx, &m2);
    if (r) fail_decode(v, &d2, r, "rl_Message_parse");
    ck_assert_msg(rl_Message_equal(&m1, &m2), "%s: rl_Message_parse differs", v->file);
    rl_arena_reset(&d2.arena);
    rl_ctx_init(&d2.ctx, &d2.arena, &d2.params.p);
    r = rl_message_parse(v->bytes, v->len, &d2.ctx, &m3);
    if (r) fail_decode(v, &d2, r, "rl_message_parse");
    ck_assert_msg(rl_Message_equal(&m1, &m3), "%s: rl_message_parse differs", v->file);
    ck_assert_int_eq(rl_message_peek_header(v->bytes, v->len, &peek), 0);
    ck_assert_uint_eq(peek.length, v->len);
    ck_assert_uint_eq(peek.transaction_id, m1.forwarding_header.transaction_id);
    ck_assert_uint_eq(peek.ttl, m1.forwarding_header.ttl);
    unload(v);
  }
  ck_assert_msg(messages > 0, "no Message vectors found");
}
END_TEST

/* A FramedMessage keeps its message opaque (RFC 6940 6.6.2; the message may
 * be a fragment, 6.7): the message of each data frame must itself decode as
 * a Message with the same parameters. */
START_TEST(framed_messages_carry_messages) {
  long frames = 0;
  for (long i = 0; i < nvalid; i++) {
    rl_vec *v = load(valid_paths[i]);
    h_decoder d;
    rl_FramedMessage f;
    rl_Message m;
    char err[VEC_ERRLEN], text[768];
    int r;
    if (strcmp(v->type, "FramedMessage") != 0) {
      unload(v);
      continue;
    }
    if (h_setup(&d, v, err, sizeof err)) ck_abort_msg("%s", err);
    r = h_decode(&d, v->bytes, v->len, &f);
    if (r) fail_decode(v, &d, r, "decode");
    if (f.type == RL_FramedMessageType_data) {
      rl_arena_reset(&d.arena);
      rl_ctx_init(&d.ctx, &d.arena, &d.params.p);
      r = rl_message_parse(f.data.message.ptr, f.data.message.len, &d.ctx, &m);
      ck_assert_msg(r == 0, "%s: the framed message does not decode: %s", v->file,
                    rl_errinfo_format(&d.ctx.err, text, sizeof text));
      ck_assert_uint_eq(m.forwarding_header.length, f.data.message.len);
      frames++;
    }
    unload(v);
  }
  ck_assert_msg(frames > 0, "no FramedMessage data vector");
}
END_TEST

/* ---- malformed vectors: the error code, the path, a sane offset */

START_TEST(malformed_vector) {
  rl_vec *v = load(bad_paths[_i]);
  h_decoder d;
  h_value a;
  char err[VEC_ERRLEN], path[512], text[768], want[768];
  int r;
  ck_assert_msg(v->error_code < 0, "%s: a malformed vector needs error:", v->file);
  if (h_setup(&d, v, err, sizeof err)) ck_abort_msg("%s", err);
  r = h_decode(&d, v->bytes, v->len, &a);
  h_errtext(&d.ctx.err, text, sizeof text);
  ck_assert_msg(r == v->error_code, "%s: expected %s, got %s (%s)", v->file,
                rl_errname(v->error_code), rl_errname(r), r ? text : "decoded");
  ck_assert_int_eq(d.ctx.err.code, r);
  h_errpath(&d.ctx.err, path, sizeof path);
  ck_assert_msg(strcmp(path, v->error_path) == 0, "%s: path %s, expected %s", v->file,
                path, v->error_path);
  ck_assert_msg(d.ctx.err.offset <= v->len, "%s: offset %zu beyond input %zu", v->file,
                d.ctx.err.offset, v->len);
  snprintf(want, sizeof want, "error at offset %zu in %s: %s", d.ctx.err.offset,
           v->error_path, d.ctx.err.reason ? d.ctx.err.reason : rl_strerror(r));
  ck_assert_str_eq(text, want);
  if (strcmp(v->type, "Message") == 0) {
    rl_Message m;
    h_decoder d2;
    if (h_setup(&d2, v, err, sizeof err)) ck_abort_msg("%s", err);
    rl_arena_reset(&d2.arena);
    rl_ctx_init(&d2.ctx, &d2.arena, &d2.params.p);
    r = rl_message_parse(v->bytes, v->len, &d2.ctx, &m);
    ck_assert_msg(r == v->error_code, "%s: rl_message_parse gave %s", v->file,
                  rl_errname(r));
    ck_assert_str_eq(h_errpath(&d2.ctx.err, path, sizeof path), v->error_path);
    ck_assert_uint_eq(d2.ctx.err.offset, d.ctx.err.offset);
  }
  unload(v);
}
END_TEST

/* ---- the client codec (rlc_*, RFC 6940 4.2 client profile) */

static int client_data_model(const rlc_params *p, rlc_KindId kind, rlc_DataModel *out) {
  const rl_param_set *s = p->user;
  rl_DataModel m;
  int r = s->p.data_model(&s->p, kind, &m);
  *out = (rlc_DataModel)m;
  return r;
}

static void client_params(const rl_param_set *s, rlc_params *p) {
  rlc_params_init(p);
  p->NodeIdLength = s->p.NodeIdLength;
  p->topology = (rlc_TopologyPlugin)s->p.topology;
  p->variable_resource_names_enabled = (rlc_Boolean)s->p.variable_resource_names_enabled;
  p->data_model = client_data_model;
  p->user = (void *)s;
}

/* Every Message vector through the client codec: messages the profile
 * allows decode to the same JSON as the full codec; others keep their
 * body as raw unknown bytes. Either way encode reproduces the input. */
START_TEST(client_codec) {
  static const char *const must_decode[] = {"ping_req", "store_req", "fetch_ans"};
  int seen_decoded[3] = {0, 0, 0}, seen_join = 0;
  const rlc_type_desc *cd = rlc_type_find("Message");
  ck_assert_ptr_nonnull(cd);
  ck_assert(!rlc_profile_allows(RL_MessageCode_join_req));
  ck_assert(!rlc_profile_allows(RL_MessageCode_join_ans));
  ck_assert(rlc_profile_allows(RL_MessageCode_ping_req));
  ck_assert(rlc_profile_allows(RL_MessageCode_error));
  for (long i = 0; i < nvalid; i++) {
    rl_vec *v = load(valid_paths[i]);
    h_decoder d;
    rlc_params cp;
    rl_ctx ctx;
    rlc_Message m;
    rl_cursor cur;
    uint8_t out[VEC_MAX_BYTES];
    char err[VEC_ERRLEN], text[768];
    rl_writer w;
    json_t *j;
    const char *code;
    int r;
    if (strcmp(v->type, "Message") != 0) {
      unload(v);
      continue;
    }
    if (h_setup(&d, v, err, sizeof err)) ck_abort_msg("%s", err);
    client_params(&d.params, &cp);
    rl_arena_reset(&d.arena);
    rl_ctx_init(&ctx, &d.arena, &cp);
    ctx.base = v->bytes;
    rl_cursor_init(&cur, v->bytes, v->len);
    r = rlc_Message_decode(&cur, &ctx, &m);
    ck_assert_msg(r == 0, "%s: client decode: %s", v->file,
                  rl_errinfo_format(&ctx.err, text, sizeof text));
    ck_assert_msg(rl_cursor_empty(&cur), "%s: client decode left bytes", v->file);
    j = rlc_Message_to_json(&m);
    ck_assert_ptr_nonnull(j);
    code = json_string_value(
        json_object_get(json_object_get(v->json, "message_contents"), "message_code"));
    ck_assert_msg(code != NULL, "%s: expected JSON has no message_code", v->file);
    ck_assert_msg(rlc_MessageBody_has_case(m.message_contents.message_code) ==
                      rlc_profile_allows(m.message_contents.message_code),
                  "%s: client has_case and profile_allows disagree on %s", v->file, code);
    if (rlc_profile_allows(m.message_contents.message_code)) {
      assert_json(v, j, "client to_json");
      for (int k = 0; k < 3; k++)
        if (strcmp(code, must_decode[k]) == 0) seen_decoded[k]++;
    } else {
      /* The body is kept as exactly the message_body bytes, unparsed. */
      const rlc_MessageBody *mb = &m.message_contents.message_body;
      json_t *body = json_object_get(json_object_get(j, "message_contents"), "message_body");
      ck_assert_msg(mb->unknown.len == mb->raw.len && mb->unknown.ptr == mb->raw.ptr,
                    "%s: body of %s not kept raw", v->file, code);
      ck_assert_msg(json_is_string(json_object_get(body, "unknown")),
                    "%s: client JSON of %s has no raw unknown body", v->file, code);
      if (strcmp(code, "join_req") == 0) seen_join++;
    }
    json_decref(j);
    rl_writer_init(&w, out, sizeof out, NULL);
    r = rlc_Message_encode(&w, &m);
    assert_bytes(v, out, r ? r : (long)w.len, "client encode(decode(hex))");
    unload(v);
  }
  for (int k = 0; k < 3; k++)
    ck_assert_msg(seen_decoded[k] > 0, "no %s vector decoded by the client", must_decode[k]);
  ck_assert_msg(seen_join > 0, "no join_req vector kept raw by the client");
}
END_TEST

/* ---- depth: the schema is not recursive */

static int object_depth(const json_t *j) {
  int best = 0;
  if (json_is_object(j)) {
    const char *k;
    json_t *m;
    json_object_foreach((json_t *)j, k, m) {
      int d = object_depth(m);
      if (d > best) best = d;
    }
    return best + 1;
  }
  if (json_is_array(j)) {
    for (size_t i = 0; i < json_array_size(j); i++) {
      int d = object_depth(json_array_get(j, i));
      if (d > best) best = d;
    }
  }
  return best;
}

/* RL_SCHEMA_MAX_DEPTH is the deepest struct nesting the spec allows; no
 * input can nest deeper, so RL_ERR_DEPTH cannot be provoked through the
 * wire. Each struct (and stand-alone select) is one JSON object, so no
 * vector's JSON may nest objects deeper than that, and the deepest one must
 * decode. */
START_TEST(deepest_vector_decodes) {
  int best = 0;
  long which = -1;
  for (long i = 0; i < nvalid; i++) {
    rl_vec *v = load(valid_paths[i]);
    int dep = object_depth(v->json);
    ck_assert_msg(dep <= RL_SCHEMA_MAX_DEPTH, "%s: JSON nests %d objects, schema max %d",
                  v->file, dep, RL_SCHEMA_MAX_DEPTH);
    if (dep > best) {
      best = dep;
      which = i;
    }
    unload(v);
  }
  ck_assert(which >= 0);
  {
    rl_vec *v = load(valid_paths[which]);
    h_decoder d;
    h_value a;
    char err[VEC_ERRLEN];
    int r;
    if (h_setup(&d, v, err, sizeof err)) ck_abort_msg("%s", err);
    r = h_decode(&d, v->bytes, v->len, &a);
    if (r) fail_decode(v, &d, r, "decode");
    fprintf(stderr, "depth: RL_SCHEMA_MAX_DEPTH %d, RL_MAX_DEPTH %d, deepest vector %s (%d)\n",
            RL_SCHEMA_MAX_DEPTH, RL_MAX_DEPTH, v->name, best);
    unload(v);
  }
}
END_TEST

START_TEST(allocation_wrapper_is_live) {
  ck_assert_msg(h_wrap_live(), "the --wrap=malloc/rl_writer_* redirections do not see "
                               "libreload's calls (is libreload a shared library?)");
}
END_TEST

/* The .vec reader reports faults as file:line. */
START_TEST(vecfile_reports_file_and_line) {
  static const struct {
    const char *text;
    const char *want;
  } cases[] = {
      {"type: X\nhex:\n0g\njson: {}\n", ":3: '0g' is not"},
      {"type: X\nhex:\n012\njson: {}\n", ":3: '2' is not"},
      {"type: X\nhex:\n00\njson:\n{\"a\": }\n", ":5: bad JSON"},
      {"type: X\nhex:\n00\nerror: RL_ERR_NOPE at X\n", ":4: 'RL_ERR_NOPE' is not"},
      {"type: X\nbogus\n", ":2: expected type:"},
      {"type: X\nhex:\n00\n", ": no json: or error:"},
  };
  char path[] = "/tmp/vecfile_test_XXXXXX";
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    rl_vec *v = malloc(sizeof *v);
    char err[VEC_ERRLEN];
    int fd = mkstemp(path);
    FILE *f;
    ck_assert(fd >= 0);
    f = fdopen(fd, "w");
    fputs(cases[i].text, f);
    fclose(f);
    ck_assert_int_eq(rl_vec_load(path, v, err, sizeof err), -1);
    ck_assert_msg(strncmp(err, path, strlen(path)) == 0 && strstr(err, cases[i].want),
                  "case %zu: '%s' lacks '%s'", i, err, cases[i].want);
    remove(path);
    strcpy(path + strlen(path) - 6, "XXXXXX");
    free(v);
  }
}
END_TEST

static long list(const char *sub, char ***out) {
  char dir[1024], err[VEC_ERRLEN];
  long n;
  rl_vec_dir(sub, dir, sizeof dir);
  n = rl_vec_list(dir, out, err, sizeof err);
  if (n <= 0) {
    fprintf(stderr, "%s\n", n < 0 ? err : "no vectors found (set top_srcdir)");
    exit(EXIT_FAILURE);
  }
  return n;
}

int main(void) {
  Suite *s = suite_create("vectors");
  TCase *tc = tcase_create("vectors");
  SRunner *sr;
  int failed;
  nvalid = list("vectors", &valid_paths);
  nbad = list("malformed", &bad_paths);
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, allocation_wrapper_is_live);
  tcase_add_test(tc, vecfile_reports_file_and_line);
  tcase_add_loop_test(tc, valid_vector, 0, (int)nvalid);
  tcase_add_test(tc, message_parsers_agree);
  tcase_add_test(tc, framed_messages_carry_messages);
  tcase_add_loop_test(tc, malformed_vector, 0, (int)nbad);
  tcase_add_test(tc, client_codec);
  tcase_add_test(tc, deepest_vector_decodes);
  suite_add_tcase(s, tc);
  sr = srunner_create(s);
  srunner_run_all(sr, CK_NORMAL);
  failed = srunner_ntests_failed(sr);
  fprintf(stderr, "vectors: %ld valid, %ld malformed, %d Check tests run, %d failed\n",
          nvalid, nbad, srunner_ntests_run(sr), failed);
  srunner_free(sr);
  rl_vec_list_free(valid_paths, nvalid);
  rl_vec_list_free(bad_paths, nbad);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
