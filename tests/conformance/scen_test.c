/* scen_test.c: the conformance suite's own modules: the scenario lexer
 * and parser (with their file:line:col errors), the matchers, templates
 * and message building (signed, with the test keys), the requirements
 * table, the report writers (JUnit checked with libxml2), and the runner
 * over the loopback transport. */
#define _POSIX_C_SOURCE 200809L
#include <check.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "build.h"
#include "codec/message.h"
#include "msgcodec.h"
#include "report.h"
#include "requirements.h"
#include "runner.h"
#include "scen_lexer.h"
#include "scen_match.h"
#include "scen_parse.h"
#include "security/sign.h"
#include "template.h"
#include "testkeys.h"
#include "transport_loopback.h"

#define TARGET "00112233445566778899aabbccddeeff"
#define ME "ffeeddccbbaa99887766554433221100"

/* ---- helpers ---- */

static rl_scen_pool pool;
static rl_scenario sc;
static char err[2048];

static int parse(const char *text) {
  rl_scen_pool_free(&pool);
  rl_scen_pool_init(&pool);
  return rl_scen_parse("t.scen", text, strlen(text), &pool, &sc, err, sizeof err);
}

/* The first line of the parse error. */
static const char *err_line(void) {
  static char line[512];
  size_t n = strcspn(err, "\n");
  snprintf(line, sizeof line, "%.*s", (int)n, err);
  return line;
}

static void teardown(void) { rl_scen_pool_free(&pool); }

#define HEADER                                                                                     \
  "id t1\ntitle \"a test\"\nrequires RFC6940-6.3.2-8\ngroup g\n"

static const char *table_path(void) {
  static char path[1024];
  const char *top = getenv("top_srcdir");
  snprintf(path, sizeof path, "%s/conformance/requirements-rfc6940.tsv", top ? top : ".");
  return path;
}

/* ---- lexer ---- */

START_TEST(lexer_tokens_and_positions) {
  static const char text[] = "requires RFC6940-6.3.2-8, RFC6940-A.1-2\n"
                             "  expect within 2s { a.b[-1].c[*] >= 0x10 # comment\n"
                             "x =~ \"^a\\\"b\" } ${req.x} hex\"d2 45\n4c\" @c 500ms";
  rl_scen_lexer lx;
  rl_scen_token t;
  static const rl_scen_tok want[] = {
      RL_SCEN_T_IDENT,  RL_SCEN_T_REQID, RL_SCEN_T_COMMA,    RL_SCEN_T_REQID,  RL_SCEN_T_IDENT,
      RL_SCEN_T_IDENT,  RL_SCEN_T_DURATION, RL_SCEN_T_LBRACE, RL_SCEN_T_IDENT,  RL_SCEN_T_DOT,
      RL_SCEN_T_IDENT,  RL_SCEN_T_LBRACK, RL_SCEN_T_NUMBER,  RL_SCEN_T_RBRACK, RL_SCEN_T_DOT,
      RL_SCEN_T_IDENT,  RL_SCEN_T_ALL,   RL_SCEN_T_GE,       RL_SCEN_T_NUMBER, RL_SCEN_T_IDENT,
      RL_SCEN_T_MATCH,  RL_SCEN_T_STRING, RL_SCEN_T_RBRACE,  RL_SCEN_T_VAR,    RL_SCEN_T_HEX,
      RL_SCEN_T_AT,     RL_SCEN_T_IDENT, RL_SCEN_T_DURATION, RL_SCEN_T_EOF};
  rl_scen_lexer_init(&lx, text, sizeof text - 1);
  for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
    rl_scen_lex(&lx, &t);
    ck_assert_msg(t.type == want[i], "token %zu: %s, want %s", i, rl_scen_tok_name(t.type),
                  rl_scen_tok_name(want[i]));
    if (i == 1) ck_assert(t.len == 15 && t.line == 1 && t.col == 10);
    if (i == 4) ck_assert(t.line == 2 && t.col == 3); /* expect */
    if (i == 19) ck_assert(t.line == 3 && t.col == 1); /* x after the comment */
    if (i == 26) ck_assert_int_eq(t.line, 4);          /* after the two-line hex */
  }
  rl_scen_lex(&lx, &t);
  ck_assert_int_eq(t.type, RL_SCEN_T_EOF);
}
END_TEST

START_TEST(lexer_errors_and_nul_bytes) {
  static const char text[] = "a \"open\nb \x01 c\0d";
  rl_scen_lexer lx;
  rl_scen_token t;
  rl_scen_lexer_init(&lx, text, sizeof text - 1);
  rl_scen_lex(&lx, &t);
  ck_assert_int_eq(t.type, RL_SCEN_T_IDENT);
  rl_scen_lex(&lx, &t);
  ck_assert_int_eq(t.type, RL_SCEN_T_ERROR);
  ck_assert_ptr_nonnull(strstr(t.error, "unterminated string"));
  rl_scen_lex(&lx, &t); /* b */
  rl_scen_lex(&lx, &t);
  ck_assert_int_eq(t.type, RL_SCEN_T_ERROR);
  ck_assert_int_eq(t.col, 3);
  rl_scen_lex(&lx, &t); /* c */
  ck_assert_int_eq(t.type, RL_SCEN_T_IDENT);
  rl_scen_lex(&lx, &t); /* the NUL inside the text is a character, not the end */
  ck_assert_int_eq(t.type, RL_SCEN_T_ERROR);
  rl_scen_lex(&lx, &t);
  ck_assert_int_eq(t.type, RL_SCEN_T_IDENT);
  rl_scen_lex(&lx, &t);
  ck_assert_int_eq(t.type, RL_SCEN_T_EOF);
}
END_TEST

/* ---- parser ---- */

START_TEST(parser_reads_a_scenario) {
  static const char text[] =
      "# comment\n" HEADER "role peer\ntimeout 7s\n"
      "requires RFC6940-6.1-1 RFC6940-6.1-2\n"
      "skip-if link == tcp-unframed because \"no framing\"\n"
      "let n = 5\n"
      "send @b { \"forwarding_header\": {\"ttl\": ${n}, \"x\": [1, -2, 18446744073709551615]},\n"
      "  message_contents: {\"message_code\": ping_req, \"f\": true, \"h\": hex\"0A0b\"} }\n"
      "  mutate { truncate -4 set16 10 0xffff xor -1 1 append hex\"00\" insert 0 hex\"aa bb\" fix-length }\n"
      "expect within 500ms {\n  message_contents.message_code == ping_ans\n"
      "  len(forwarding_header.via_list) >= 0\n  a[*].b in [1, \"x\"]\n  c exists\n"
      "  capture t = forwarding_header.transaction_id\n}\n"
      "expect-message where { m =~ \"^u\" } { }\n"
      "expect-nothing within 1s\nexpect-close @b\nsend-raw hex\"d2454c4f\"\n"
      "send-stream hex\"80\"\ncapture y = a.b\nsleep 2s\nclose @b\n"
      "reply { }\n";
  const rl_scen_step *s;
  ck_assert_msg(parse(text) == 0, "%s", err);
  ck_assert_str_eq(sc.id, "t1");
  ck_assert_str_eq(sc.title, "a test");
  ck_assert_str_eq(sc.group, "g");
  ck_assert_int_eq(sc.role, RL_SCEN_ROLE_PEER);
  ck_assert_uint_eq(sc.timeout_ms, 7000);
  ck_assert_uint_eq(sc.nreqs, 3);
  ck_assert_str_eq(sc.reqs[2].id, "RFC6940-6.1-2");
  ck_assert_int_eq(sc.reqs[2].loc.line, 8);
  ck_assert_uint_eq(sc.nskips, 1);
  ck_assert_str_eq(sc.skips[0].reason, "no framing");
  ck_assert_uint_eq(sc.nsteps, 12);
  s = &sc.steps[1];
  ck_assert_int_eq(s->kind, RL_SCEN_SEND);
  ck_assert_str_eq(s->conn, "b");
  ck_assert_str_eq(json_string_value(json_object_get(json_object_get(s->tmpl, "forwarding_header"), "ttl")), "${n}");
  ck_assert_str_eq(json_string_value(json_array_get(json_object_get(json_object_get(s->tmpl, "forwarding_header"), "x"), 2)),
                   "18446744073709551615");
  ck_assert(json_is_true(json_object_get(json_object_get(s->tmpl, "message_contents"), "f")));
  ck_assert_str_eq(json_string_value(json_object_get(json_object_get(s->tmpl, "message_contents"), "h")), "0a0b");
  ck_assert_uint_eq(s->nmut, 6);
  ck_assert_int_eq(s->mut[0].kind, RL_SCEN_MUT_TRUNCATE);
  ck_assert_int_eq(s->mut[0].offset, -4);
  ck_assert_uint_eq(s->mut[1].width, 2);
  ck_assert_uint_eq(s->mut[1].value, 0xffff);
  ck_assert_uint_eq(s->mut[4].nbytes, 2);
  s = &sc.steps[2];
  ck_assert_int_eq(s->kind, RL_SCEN_EXPECT);
  ck_assert_uint_eq(s->within_ms, 500);
  ck_assert_uint_eq(s->block.nm, 4);
  ck_assert_int_eq(s->block.m[1].len_of, 1);
  ck_assert_int_eq(s->block.m[2].op, RL_SCEN_OP_IN);
  ck_assert(s->block.m[2].path.has_all);
  ck_assert_int_eq(s->block.m[3].op, RL_SCEN_OP_EXISTS);
  ck_assert_uint_eq(s->block.ncap, 1);
  ck_assert_str_eq(s->block.cap[0].name, "t");
  ck_assert(sc.steps[3].has_where);
  ck_assert_int_eq(sc.steps[4].kind, RL_SCEN_EXPECT_NOTHING);
  ck_assert_int_eq(sc.steps[5].kind, RL_SCEN_EXPECT_CLOSE);
  ck_assert_uint_eq(sc.steps[6].nbytes, 4);
  ck_assert_int_eq(sc.steps[11].kind, RL_SCEN_REPLY);
}
END_TEST

static void parse_fails(const char *text, const char *want) {
  ck_assert_int_eq(parse(text), RL_ERR_SYNTAX);
  ck_assert_msg(strstr(err, want) != NULL, "error \"%s\" does not contain \"%s\"", err, want);
}

START_TEST(parser_errors_name_line_and_column) {
  parse_fails("title \"x\"\n", "t.scen:1:1: the header has no 'id'");
  parse_fails(HEADER "send { \"a\": 1 }\nfrobnicate\n", "t.scen:6:1: expected a step");
  parse_fails(HEADER "send { \"a\": 1, }\n", "t.scen:5:16: expected a member after ','");
  parse_fails(HEADER "send { \"a\": 1, \"a\": 2 }\n", "t.scen:5:16: member \"a\" given twice");
  parse_fails(HEADER "send-raw hex\"d2 4\"\n", "t.scen:5:17: odd number of hex digits");
  parse_fails(HEADER "send-raw hex\"d2\n 4z\"\n", "t.scen:6:3: not a hex digit");
  parse_fails(HEADER "expect { a =~ \"(\" }\n", "t.scen:5:15: bad regular expression");
  parse_fails(HEADER "expect { a == \"open }\n", "t.scen:5:15: unterminated string");
  parse_fails(HEADER "expect { a ~ 1 }\n", "t.scen:5:12: unexpected character");
  parse_fails(HEADER "expect { a exists capture x = b[*] }\n", "t.scen:5:31: a capture takes one value");
  parse_fails(HEADER "send { }\nid again\n", "t.scen:6:1: header lines come before the first step");
  parse_fails("id x\ntitle \"t\"\ngroup g\nsend {}\n", "t.scen:1:1: the header has no 'requires'");
  parse_fails(HEADER "sleep 2h\n", "t.scen:5:7: expected a duration");
  parse_fails(HEADER "send { \"a\": 99999999999999999999 }\n", "t.scen:5:13: number out of range");
  parse_fails(HEADER "send { \"a\": \"\\q\" }\n", "t.scen:5:14: unknown escape");
  parse_fails(HEADER "send {} mutate { set8 0 256 }\n", "t.scen:5:25: value does not fit in 1 bytes");
  parse_fails(HEADER "role admin\n", "t.scen:5:6: expected client, peer or multi");
  parse_fails("responder\non { a == 1 } { expect { } }\n", "t.scen:2:17: expected a responder step");
  /* The second line of the message is the source line, then a caret. */
  parse_fails(HEADER "expect { a ~ 1 }\n", "\n  expect { a ~ 1 }\n             ^");
  ck_assert_str_eq(err_line(), "t.scen:5:12: unexpected character: '~'");
}
END_TEST

/* send ... fragment N [reversed] (6.7) and connect @c credentials other-ca. */
START_TEST(parser_reads_fragments_and_connect) {
  const rl_scen_step *s;
  ck_assert_msg(parse(HEADER "send { } mutate { xor -1 1 } fragment 600 reversed\n"
                             "send @b { } fragment 294\n"
                             "connect @rogue credentials other-ca\nexpect-close @rogue within 5s\n") == 0,
                "%s", err);
  ck_assert_uint_eq(sc.nsteps, 4);
  s = &sc.steps[0];
  ck_assert_uint_eq(s->nmut, 1);
  ck_assert_uint_eq(s->frag_max, 600);
  ck_assert_int_eq(s->frag_reversed, 1);
  ck_assert_uint_eq(sc.steps[1].frag_max, 294);
  ck_assert_int_eq(sc.steps[1].frag_reversed, 0);
  s = &sc.steps[2];
  ck_assert_int_eq(s->kind, RL_SCEN_CONNECT);
  ck_assert_str_eq(s->conn, "rogue");
  ck_assert_str_eq(s->credentials, "other-ca");
  parse_fails(HEADER "send { } fragment 293\n", "t.scen:5:19: a fragment size is 294..65535 bytes");
  parse_fails(HEADER "send { } fragment 65536\n", "t.scen:5:19: a fragment size");
  parse_fails(HEADER "send { } fragment\n", "t.scen:6:1: expected the largest fragment in bytes");
  parse_fails(HEADER "connect @r other-ca\n", "t.scen:5:12: expected 'credentials'");
  parse_fails(HEADER "connect @r credentials mine\n",
              "t.scen:5:24: expected credentials to present (other-ca)");
  parse_fails("responder\non { a == 1 } { reply { } fragment 600 }\n",
              "t.scen:2:27: a responder sends whole messages");
  parse_fails("responder\non { a == 1 } { connect @r credentials other-ca }\n",
              "t.scen:2:17: expected a responder step");
}
END_TEST

/* expect-acked [@c] [within D] [{...}] and send ... frame sequence N
 * [length N] (6.6.2). */
START_TEST(parser_reads_acks_and_frames) {
  const rl_scen_step *s;
  ck_assert_msg(parse(HEADER "send { } mutate { set32 16 70000 } frame sequence 0x10 length 70000\n"
                             "expect-acked @b within 2s { last_ack.received in [6, 3] }\n"
                             "send { } frame sequence 4294967295\nexpect-acked\n") == 0,
                "%s", err);
  ck_assert_uint_eq(sc.nsteps, 4);
  s = &sc.steps[0];
  ck_assert_uint_eq(s->nmut, 1);
  ck_assert_int_eq(s->framed, 1);
  ck_assert_uint_eq(s->frame_seq, 16);
  ck_assert_int_eq(s->has_frame_len, 1);
  ck_assert_uint_eq(s->frame_len, 70000);
  s = &sc.steps[1];
  ck_assert_int_eq(s->kind, RL_SCEN_EXPECT_ACKED);
  ck_assert_str_eq(s->conn, "b");
  ck_assert_uint_eq(s->within_ms, 2000);
  ck_assert_uint_eq(s->block.nm, 1);
  ck_assert_uint_eq(sc.steps[2].frame_seq, 4294967295u);
  ck_assert_int_eq(sc.steps[2].has_frame_len, 0);
  ck_assert_int_eq(sc.steps[3].kind, RL_SCEN_EXPECT_ACKED);
  ck_assert_uint_eq(sc.steps[3].block.nm, 0);
  parse_fails(HEADER "send { } frame 7\n", "t.scen:5:16: expected 'sequence'");
  parse_fails(HEADER "send { } frame sequence 0x100000000\n",
              "t.scen:5:25: a sequence number is 32 bits (6.6.2)");
  parse_fails(HEADER "send { } frame sequence 1 length 0x1000000\n",
              "t.scen:5:34: a frame's length is 24 bits (6.6.2)");
  parse_fails(HEADER "send { } fragment 600 frame sequence 1\n",
              "t.scen:5:23: a send takes fragment or frame, not both");
  parse_fails(HEADER "reply { } frame sequence 1\n", "t.scen:5:11: only a send writes frames");
  parse_fails("responder\non { a == 1 } { send { } frame sequence 1 }\n",
              "t.scen:2:26: only a send writes frames");
  parse_fails(HEADER "expect-acked { capture a = b }\n",
              "t.scen:5:16: no captures in expect-acked");
  parse_fails("responder\non { a == 1 } { expect-acked }\n", "t.scen:2:17: expected a responder step");
}
END_TEST

START_TEST(parser_limits_nesting) {
  char text[2048];
  size_t n = (size_t)snprintf(text, sizeof text, HEADER "send ");
  for (int i = 0; i < 80; i++) n += (size_t)snprintf(text + n, sizeof text - n, "{\"a\":");
  parse_fails(text, "nested too deeply");
}
END_TEST

START_TEST(parser_reads_a_responder) {
  ck_assert_msg(parse("responder\non { a == 1 } { reply { } sleep 1s close }\n"
                      "on-undecodable where { undecodable =~ \"x\" } { }\non-undecodable { send-raw hex\"00\" }\n") == 0,
                "%s", err);
  ck_assert(sc.is_responder);
  ck_assert_uint_eq(sc.nrules, 3);
  ck_assert_uint_eq(sc.rules[0].nsteps, 3);
  ck_assert(sc.rules[1].undecodable && sc.rules[1].when.nm == 1);
  ck_assert(sc.rules[2].undecodable && sc.rules[2].when.nm == 0);
}
END_TEST

/* ---- matchers ---- */

static json_t *msg;

static int m(const char *expr) {
  char text[1024], why[512];
  json_t *v = NULL;
  rl_conf_env env;
  uint64_t rng = 1;
  int r;
  snprintf(text, sizeof text, HEADER "expect { %s }\n", expr);
  ck_assert_msg(parse(text) == 0, "%s", err);
  memset(&env, 0, sizeof env);
  env.vars = json_pack("{s:s}", "tx", "12345678901234567890");
  env.rng = &rng;
  env.node_id_len = 16;
  if (sc.steps[0].block.m[0].value) {
    v = rl_conf_subst(sc.steps[0].block.m[0].value, &env, NULL, why, sizeof why);
    ck_assert_ptr_nonnull(v);
  }
  r = rl_scen_match(&sc.steps[0].block.m[0], msg, v, why, sizeof why);
  json_decref(v);
  json_decref(env.vars);
  return r;
}

static void matchers_setup(void) {
  msg = json_loads("{\"h\": {\"ttl\": 100, \"tx\": \"12345678901234567890\", \"big\": \"18446744073709551615\","
                   "\"list\": [{\"t\": 1}, {\"t\": 2}], \"empty\": [], \"flag\": \"true\","
                   "\"code\": \"ping_ans\", \"hex\": \"0a0b\"}}",
                   0, NULL);
  ck_assert_ptr_nonnull(msg);
}

static void matchers_teardown(void) {
  json_decref(msg);
  teardown();
}

START_TEST(matchers_compare) {
  ck_assert_int_eq(m("h.ttl == 100"), 1);
  ck_assert_int_eq(m("h.ttl != 100"), 0);
  ck_assert_int_eq(m("h.ttl <= 100"), 1);
  ck_assert_int_eq(m("h.ttl < 100"), 0);
  ck_assert_int_eq(m("h.tx == ${tx}"), 1);
  ck_assert_int_eq(m("h.big > 18446744073709551614"), 1);
  ck_assert_int_eq(m("h.big >= -1"), 1);
  ck_assert_int_eq(m("h.code == ping_ans"), 1);
  ck_assert_int_eq(m("h.code == \"ping_ans\""), 1);
  ck_assert_int_eq(m("h.code in [error, ping_ans]"), 1);
  ck_assert_int_eq(m("h.code not-in [error, ping_ans]"), 0);
  ck_assert_int_eq(m("h.code =~ \"^ping_\""), 1);
  ck_assert_int_eq(m("h.code !~ \"_ans$\""), 0);
  ck_assert_int_eq(m("h.flag == true"), 1);
  ck_assert_int_eq(m("h.flag == false"), 0);
  ck_assert_int_eq(m("h.hex == hex\"0A 0B\""), 1);
  ck_assert_int_eq(m("h.list contains {\"t\": 2}"), 1);
  ck_assert_int_eq(m("h.code contains \"ng_a\""), 1);
  ck_assert_int_eq(m("h.list contains-one-of [{\"t\": 3}, {\"t\": 1}]"), 1);
  ck_assert_int_eq(m("h.list contains-one-of [{\"t\": 3}]"), 0);
  ck_assert_int_eq(m("h.list[-1].t == 2"), 1);
  ck_assert_int_eq(m("h.list[2].t exists"), 0);
  ck_assert_int_eq(m("h.nothing absent"), 1);
  ck_assert_int_eq(m("len(h.list) == 2"), 1);
  ck_assert_int_eq(m("len(h.hex) == 4"), 1);
  ck_assert_int_eq(m("h.list[*].t in [1, 2]"), 1);
  ck_assert_int_eq(m("h.list[*].t == 1"), 0);
  ck_assert_int_eq(m("h.empty[*].t == 1"), 1); /* every element of nothing */
  ck_assert_int_eq(m("h.missing[*].t == 1"), 0);
  ck_assert_int_eq(m("h.code < 3"), -1);       /* not a number */
}
END_TEST

START_TEST(matchers_explain) {
  char why[512];
  ck_assert_msg(parse(HEADER "expect { h.code == error h.list[*].t == 1 }\n") == 0, "%s", err);
  ck_assert_int_eq(rl_scen_match(&sc.steps[0].block.m[0], msg, sc.steps[0].block.m[0].value, why, sizeof why), 0);
  ck_assert_str_eq(why, "h.code is \"ping_ans\", expected == \"error\"");
  ck_assert_int_eq(rl_scen_match(&sc.steps[0].block.m[1], msg, sc.steps[0].block.m[1].value, why, sizeof why), 0);
  ck_assert_str_eq(why, "h.list[1].t is 2, expected == 1");
}
END_TEST

/* ---- templates ---- */

START_TEST(templates_substitute) {
  uint64_t rng = 42;
  rl_conf_env env;
  char why[256];
  int code;
  json_t *t, *r;
  memset(&env, 0, sizeof env);
  env.rng = &rng;
  env.node_id_len = 16;
  env.vars = json_pack("{s:i,s:{s:[s,s]},s:s}", "n", 7, "o", "l", "x", "y", "s", "ab");
  t = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s}", "a", "${n}", "b", "n=${n} s=${s}", "c",
                "${o.l[-1]}", "d", "$${n}", "e", "${hex:AB}", "f", "${zeros:2}", "g",
                "${resource_id:alice}");
  r = rl_conf_subst(t, &env, &code, why, sizeof why);
  ck_assert_msg(r != NULL, "%s", why);
  ck_assert_int_eq(json_integer_value(json_object_get(r, "a")), 7);
  ck_assert_str_eq(json_string_value(json_object_get(r, "b")), "n=7 s=ab");
  ck_assert_str_eq(json_string_value(json_object_get(r, "c")), "y");
  ck_assert_str_eq(json_string_value(json_object_get(r, "d")), "${n}");
  ck_assert_str_eq(json_string_value(json_object_get(r, "e")), "4142");
  ck_assert_str_eq(json_string_value(json_object_get(r, "f")), "0000");
  ck_assert_uint_eq(json_string_length(json_object_get(r, "g")), 32);
  json_decref(r);
  json_decref(t);
  t = json_string("${target_node_id}");
  ck_assert_ptr_null(rl_conf_subst(t, &env, &code, why, sizeof why));
  ck_assert_int_eq(code, RL_ERR_NOT_FOUND);
  ck_assert_str_eq(env.undefined, "target_node_id");
  json_decref(t);
  t = json_string("x ${o}");
  ck_assert_ptr_null(rl_conf_subst(t, &env, &code, why, sizeof why));
  ck_assert_ptr_nonnull(strstr(why, "cannot go inside a string"));
  json_decref(t);
  json_decref(env.vars);
}
END_TEST

START_TEST(templates_merge) {
  json_t *base = json_loads("{\"a\": {\"b\": 1, \"c\": [1]}, \"d\": 2}", 0, NULL);
  json_t *over = json_loads("{\"a\": {\"c\": [2, 3], \"e\": 4}, \"d\": null}", 0, NULL);
  json_t *r = rl_conf_merge(base, over);
  json_t *want = json_loads("{\"a\": {\"b\": 1, \"c\": [2, 3], \"e\": 4}}", 0, NULL);
  ck_assert(json_equal(r, want));
  json_decref(base);
  json_decref(over);
  json_decref(r);
  json_decref(want);
}
END_TEST

/* ---- building messages ---- */

typedef struct fixture {
  rl_conf_codec codec;
  rl_conf_env env;
  rl_conf_builder b;
  uint64_t rng;
} fixture;

static void fixture_init(fixture *f) {
  memset(f, 0, sizeof *f);
  rl_conf_codec_init(&f->codec);
  f->codec.params.p.NodeIdLength = 16;
  ck_assert_int_eq(rl_param_set_parse(&f->codec.params, "topology=CHORD-RELOAD kind.4026531841=single_value", err, sizeof err), 0);
  f->rng = 9;
  f->env.rng = &f->rng;
  f->env.node_id_len = 16;
  f->env.vars = json_pack("{s:i,s:i,s:i,s:s,s:s}", "overlay", 77, "configuration_sequence", 3,
                          "initial_ttl", 100, "target_node_id", TARGET, "my_node_id", ME);
  ck_assert_int_eq(rl_conf_builder_init(&f->b, &f->codec, &f->env), 0);
}

static void fixture_free(fixture *f) {
  rl_conf_builder_free(&f->b);
  rl_conf_codec_free(&f->codec);
  json_decref(f->env.vars);
}

static json_t *tmpl(const char *s) {
  json_t *j = json_loads(s, 0, NULL);
  ck_assert_msg(j != NULL, "bad JSON in the test: %s", s);
  return j;
}

#define PING "\"message_contents\": {\"message_code\": \"ping_req\", \"message_body\": {\"ping_req\": {\"padding\": \"\"}}}"

START_TEST(build_request_with_defaults) {
  fixture f;
  rl_conf_built out;
  rl_conf_decoded d;
  char why[512];
  json_t *t;
  fixture_init(&f);
  t = tmpl("{\"forwarding_header\": {\"ttl\": 5}, " PING "}");
  ck_assert_msg(rl_conf_build(&f.b, t, 0, NULL, 0, &out, why, sizeof why) == 0, "%s", why);
  ck_assert_int_eq(rl_conf_decode(&f.codec, out.bytes, out.len, 0, &d), 0);
  ck_assert_msg(d.ok, "%s", d.error);
  ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(d.json, "forwarding_header"), "ttl")), 5);
  ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(d.json, "forwarding_header"), "overlay")), 77);
  ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(d.json, "forwarding_header"), "fragment")), 0xc0000000LL);
  ck_assert_str_eq(json_string_value(json_object_get(json_object_get(json_array_get(json_object_get(json_object_get(d.json, "forwarding_header"), "destination_list"), 0), "destination_data"), "node_id")), TARGET);
  ck_assert(d.have_txid && d.txid == out.txid);
  ck_assert(json_equal(d.json, out.sent));
  json_decref(d.json);
  rl_conf_built_free(&out);
  json_decref(t);
  fixture_free(&f);
}
END_TEST

START_TEST(build_reply_reverses_the_via_list) {
  fixture f;
  rl_conf_built out;
  rl_conf_decoded d;
  char why[512];
  json_t *req = tmpl("{\"forwarding_header\": {\"transaction_id\": \"99\", \"via_list\": ["
                     "{\"type\": \"node\", \"length\": 16, \"destination_data\": {\"node_id\": \"" TARGET "\"}},"
                     "{\"opaque_id\": 32773}]}}");
  json_t *t = tmpl("{\"message_contents\": {\"message_code\": \"ping_ans\", \"message_body\": {\"ping_ans\": {\"response_id\": \"1\", \"time\": \"2\"}}}}");
  json_t *dl, *want;
  fixture_init(&f);
  ck_assert_int_eq(rl_conf_set_request_vars(&f.env, req, ME), 0);
  ck_assert_msg(rl_conf_build(&f.b, t, 1, NULL, 0, &out, why, sizeof why) == 0, "%s", why);
  ck_assert_uint_eq(out.txid, 99);
  ck_assert_int_eq(rl_conf_decode(&f.codec, out.bytes, out.len, 0, &d), 0);
  ck_assert(d.ok);
  dl = json_object_get(json_object_get(d.json, "forwarding_header"), "destination_list");
  want = tmpl("[{\"type\": \"node\", \"length\": 16, \"destination_data\": {\"node_id\": \"" ME "\"}},"
              "{\"opaque_id\": 32773},"
              "{\"type\": \"node\", \"length\": 16, \"destination_data\": {\"node_id\": \"" TARGET "\"}}]");
  ck_assert_msg(json_equal(dl, want), "%s", json_dumps(dl, JSON_COMPACT));
  json_decref(want);
  json_decref(d.json);
  rl_conf_built_free(&out);
  json_decref(t);
  json_decref(req);
  fixture_free(&f);
}
END_TEST

START_TEST(build_reports_what_the_codec_refuses) {
  fixture f;
  rl_conf_built out;
  char why[512];
  json_t *t;
  fixture_init(&f);
  t = tmpl("{\"forwarding_header\": {\"ttl\": 300}, " PING "}");
  ck_assert_int_ne(rl_conf_build(&f.b, t, 0, NULL, 0, &out, why, sizeof why), 0);
  ck_assert_msg(strstr(why, "Message.forwarding_header.ttl") != NULL, "%s", why);
  json_decref(t);
  json_object_del(f.env.vars, "target_node_id");
  t = tmpl("{" PING "}");
  ck_assert_int_eq(rl_conf_build(&f.b, t, 0, NULL, 0, &out, why, sizeof why), RL_ERR_NOT_FOUND);
  ck_assert_str_eq(f.env.undefined, "target_node_id");
  json_decref(t);
  fixture_free(&f);
}
END_TEST

START_TEST(build_signs_with_credentials) {
  fixture f;
  rl_conf_built out;
  rl_conf_decoded d;
  char why[512];
  uint8_t ids[1][RL_NODE_ID_MAX];
  rl_cert *ca, *cert;
  rl_credentials *cred = NULL;
  rl_sec_error e;
  rl_Message sent;
  rl_ctx ctx;
  rl_cert_set certs;
  rl_signer_info who;
  json_t *t;
  fixture_init(&f);
  testkeys_init();
  test_node_id(0x11, ids[0]);
  ca = test_ca();
  cert = test_issue(ca, 1, "alice@" TEST_OVERLAY, ids, 1);
  ck_assert_int_eq(rl_credentials_new(test_key[1], cert, NULL, 0, &cred, &e), 0);
  f.codec.cred = cred;
  t = tmpl("{\"forwarding_header\": {\"destination_list\": [{\"type\": \"resource\", \"destination_data\": {\"resource_id\": \"00\"}}]},"
           "\"message_contents\": {\"message_code\": \"store_req\", \"message_body\": {\"store_req\": {"
           "\"resource\": \"00\", \"replica_number\": 0, \"kind_data\": [{\"kind\": 4026531841, \"generation_counter\": \"0\", \"values\": ["
           "{\"lifetime\": 60, \"value\": {\"single_value_entry\": {\"exists\": true, \"value\": \"61\"}}}]}]}}}}");
  ck_assert_msg(rl_conf_build(&f.b, t, 0, NULL, 0, &out, why, sizeof why) == 0, "%s", why);
  ck_assert_int_eq(rl_conf_decode(&f.codec, out.bytes, out.len, 1, &d), 0);
  ck_assert(d.ok);
  ck_assert_msg(d.sig_state == 1, "%s", d.sig_note);
  json_decref(d.json);
  /* The StoredData carries its own signature (7.1), by the same key. */
  {
    static uint8_t mem[1 << 20];
    rl_arena a;
    rl_arena_init(&a, mem, sizeof mem);
    rl_ctx_init(&ctx, &a, &f.codec.params.p);
    ck_assert_int_eq(rl_message_parse(out.bytes, out.len, &ctx, &sent), 0);
  }
  rl_cert_set_init(&certs);
  ck_assert_int_eq(rl_cert_set_add_security_block(&certs, &sent.security_block, &e), 0);
  {
    const rl_StoreReq *sr = &sent.message_contents.message_body.store_req;
    ck_assert_int_eq(rl_verify_stored_data(sr->resource.ptr, sr->resource.len, sr->kind_data[0].kind,
                                           &sr->kind_data[0].values[0], &certs, &who, &e), 0);
  }
  rl_cert_set_clear(&certs);
  /* A flipped bit in the signature is seen. */
  out.bytes[out.len - 1] ^= 1;
  ck_assert_int_eq(rl_conf_decode(&f.codec, out.bytes, out.len, 1, &d), 0);
  ck_assert_int_eq(d.sig_state, 0);
  json_decref(d.json);
  rl_conf_built_free(&out);
  json_decref(t);
  rl_credentials_free(cred);
  rl_cert_free(cert);
  rl_cert_free(ca);
  fixture_free(&f);
}
END_TEST

START_TEST(mutations_edit_bytes) {
  uint8_t *b = malloc(24);
  size_t n = 24;
  char why[256];
  rl_scen_mut mu[6];
  static const uint8_t ins[] = {0xaa, 0xbb};
  memset(b, 0, 24);
  memset(mu, 0, sizeof mu);
  mu[0].kind = RL_SCEN_MUT_SET;
  mu[0].offset = 1;
  mu[0].width = 4;
  mu[0].value = 0x01020304;
  mu[1].kind = RL_SCEN_MUT_XOR;
  mu[1].offset = -1;
  mu[1].value = 0xff;
  mu[2].kind = RL_SCEN_MUT_INSERT;
  mu[2].offset = 0;
  mu[2].bytes = (uint8_t *)ins;
  mu[2].nbytes = 2;
  mu[3].kind = RL_SCEN_MUT_TRUNCATE;
  mu[3].offset = -2;
  mu[4].kind = RL_SCEN_MUT_APPEND;
  mu[4].bytes = (uint8_t *)ins;
  mu[4].nbytes = 1;
  mu[5].kind = RL_SCEN_MUT_FIX_LENGTH;
  ck_assert_int_eq(rl_conf_mutate(&b, &n, mu, 6, why, sizeof why), 0);
  ck_assert_uint_eq(n, 25);
  ck_assert(b[0] == 0xaa && b[1] == 0xbb && b[3] == 1 && b[6] == 4);
  ck_assert(b[16] == 0 && b[19] == 25); /* the length field */
  ck_assert_uint_eq(b[23], 0x00);       /* the xor'ed byte went with the truncation */
  ck_assert_uint_eq(b[24], 0xaa);
  mu[0].offset = 23; /* 4 bytes from 23 overrun 25 */
  mu[0].loc.file = "m.scen";
  mu[0].loc.line = 3;
  mu[0].loc.col = 9;
  ck_assert_int_eq(rl_conf_mutate(&b, &n, mu, 1, why, sizeof why), RL_ERR_PARAM);
  ck_assert_str_eq(why, "m.scen:3:9: mutation outside the 25-byte message");
  free(b);
}
END_TEST

/* ---- the requirements table ---- */

START_TEST(requirements_table_loads) {
  rl_conf_reqtable t;
  char why[256];
  const rl_conf_req *q;
  FILE *f;
  ck_assert_msg(rl_conf_reqtable_load(table_path(), &t, why, sizeof why) == 0, "%s", why);
  ck_assert_uint_gt(t.n, 400);
  q = rl_conf_req_find(&t, "RFC6940-6.3.2-8");
  ck_assert_ptr_nonnull(q);
  ck_assert_str_eq(q->section, "6.3.2");
  ck_assert_str_eq(q->level, "MUST");
  ck_assert_str_eq(q->title, "Forwarding Header");
  ck_assert_ptr_nonnull(strstr(q->text, "MUST discard the message and send an Error_TTL_Exceeded error."));
  ck_assert(rl_conf_req_is_must(q));
  ck_assert_ptr_null(rl_conf_req_find(&t, "RFC6940-6.3.2-999"));
  rl_conf_reqtable_free(&t);
  f = fopen("bad.tsv", "w");
  ck_assert_ptr_nonnull(f);
  fputs("# c\nid\tsection\tlevel\tkeywords\ttitle\ttext\nA\t1\tMUST\tMUST\tT\tx\nB\t2\n", f);
  fclose(f);
  ck_assert_int_eq(rl_conf_reqtable_load("bad.tsv", &t, why, sizeof why), RL_ERR_SYNTAX);
  ck_assert_str_eq(why, "bad.tsv:4: expected 6 tab-separated fields");
  remove("bad.tsv");
}
END_TEST

START_TEST(unknown_requirement_is_an_error_at_its_place) {
  rl_conf_reqtable t;
  char why[256];
  ck_assert_int_eq(rl_conf_reqtable_load(table_path(), &t, why, sizeof why), 0);
  ck_assert_int_eq(parse("id a\ntitle \"t\"\nrequires RFC6940-6.3.2-8,\n  RFC6940-99.1-1\ngroup g\nsend {}\n"), 0);
  ck_assert_int_eq(rl_conf_check_requirements(&sc, &t, why, sizeof why), RL_ERR_NOT_FOUND);
  ck_assert_str_eq(why, "t.scen:4:3: unknown requirement ID RFC6940-99.1-1 (not in the requirements table)");
  rl_conf_reqtable_free(&t);
}
END_TEST

/* ---- the runner over the loopback transport ---- */

static const char responder_text[] =
    "responder\n"
    "on { forwarding_header.ttl > 100 } {\n"
    "  reply { \"message_contents\": {\"message_code\": error, \"message_body\": {\"error\": {\n"
    "    \"error_code\": Error_TTL_Exceeded, \"error_info\": {\"unknown\": \"\"}}}} }\n"
    "}\n"
    "on { forwarding_header.ttl == 7 } { sleep 5s close }\n"
    "on { forwarding_header.ttl == 9 } {\n"
    "  send { \"forwarding_header\": {\"transaction_id\": \"4660\"},\n"
    "         \"message_contents\": {\"message_code\": ping_ans, \"message_body\": {\"ping_ans\": {\"response_id\": \"5\", \"time\": \"6\"}}}}\n"
    "}\n"
    "on { forwarding_header.ttl == 10 } { sleep 1s }\n"
    "on { forwarding_header.ttl == 8 } {\n"
    "  send { \"message_contents\": {\"message_code\": ping_req, \"message_body\": {\"ping_req\": {\"padding\": \"\"}}}}\n"
    "  sleep 2s\n"
    "  reply { \"message_contents\": {\"message_code\": ping_ans, \"message_body\": {\"ping_ans\": {\"response_id\": \"5\", \"time\": \"6\"}}}}\n"
    "}\n"
    "on { message_contents.message_code == ping_req } {\n"
    "  reply { \"message_contents\": {\"message_code\": ping_ans, \"message_body\": {\"ping_ans\": {\"response_id\": \"5\", \"time\": \"6\"}}}}\n"
    "}\n"
    "on-undecodable { }\n";

typedef struct runfix {
  rl_scen_pool rpool;
  rl_scenario responder;
  rl_conf_transport T;
  rl_conf_codec codec;
  rl_conf_reqtable reqs;
  rl_conf_runner *R;
  rl_param_set params;
} runfix;

static void runfix_init(runfix *x, int with_target) {
  rl_conf_loopback_config lc;
  rl_conf_settings s;
  char why[512];
  memset(x, 0, sizeof *x);
  rl_scen_pool_init(&x->rpool);
  ck_assert_msg(rl_scen_parse("r.resp", responder_text, sizeof responder_text - 1, &x->rpool,
                              &x->responder, why, sizeof why) == 0, "%s", why);
  rl_param_set_init(&x->params);
  x->params.p.NodeIdLength = 16;
  memset(&lc, 0, sizeof lc);
  lc.responder = &x->responder;
  lc.params = &x->params;
  lc.node_id = TARGET;
  lc.peer_node_id = ME;
  lc.overlay = 77;
  lc.configuration_sequence = 3;
  lc.initial_ttl = 100;
  lc.seed = 5;
  ck_assert_int_eq(rl_conf_loopback_new(&lc, &x->T, why, sizeof why), 0);
  rl_conf_codec_init(&x->codec);
  x->codec.params = x->params;
  ck_assert_int_eq(rl_conf_reqtable_load(table_path(), &x->reqs, why, sizeof why), 0);
  memset(&s, 0, sizeof s);
  s.link = "loopback";
  s.overlay_name = "o";
  s.overlay = 77;
  s.configuration_sequence = 3;
  s.initial_ttl = 100;
  s.node_id_len = 16;
  s.max_message_size = 5000;
  s.target_node_id = with_target ? TARGET : NULL;
  s.my_node_id = ME;
  s.timeout_ms = 3000;
  s.seed = 11;
  ck_assert_int_eq(rl_conf_runner_new(&s, &x->codec, &x->T, &x->reqs, &x->R), 0);
}

static void runfix_free(runfix *x) {
  rl_conf_runner_free(x->R);
  x->T.ops->destroy(x->T.self);
  rl_conf_codec_free(&x->codec);
  rl_conf_reqtable_free(&x->reqs);
  rl_scen_pool_free(&x->rpool);
}

static void run_text(runfix *x, const char *text, rl_conf_result *res) {
  ck_assert_msg(parse(text) == 0, "%s", err);
  ck_assert_int_eq(rl_conf_run(x->R, &sc, res), 0);
}

#define PING_STEP(ttl)                                                                             \
  "send { \"forwarding_header\": {\"ttl\": " #ttl "}, " PING " }\n"

START_TEST(runner_passes_and_fails_with_an_explanation) {
  runfix x;
  rl_conf_result res;
  runfix_init(&x, 1);
  run_text(&x, HEADER PING_STEP(101) "expect { message_contents.message_body.error.error_code == Error_TTL_Exceeded }\n", &res);
  ck_assert_msg(res.status == RL_CONF_PASS, "%s", res.reason);
  rl_conf_result_free(&res);
  run_text(&x, HEADER PING_STEP(100) "expect { message_contents.message_code == error }\n", &res);
  ck_assert_int_eq(res.status, RL_CONF_FAIL);
  ck_assert_str_eq(res.reason, "message_contents.message_code is \"ping_ans\", expected == \"error\"");
  ck_assert_ptr_nonnull(strstr(res.details, "at t.scen:6:1"));
  ck_assert_ptr_nonnull(strstr(res.details, "RFC6940-6.3.2-8 (RFC 6940 6.3.2 Forwarding Header, MUST): \"Implementations which receive"));
  ck_assert_ptr_nonnull(strstr(res.details, "  sent (t.scen:5):\n    forwarding_header\n"));
  ck_assert_ptr_nonnull(strstr(res.details, "  expected:\n    message_contents.message_code == \"error\"\n"));
  ck_assert_ptr_nonnull(strstr(res.details, "  received:\n"));
  ck_assert_ptr_nonnull(strstr(res.details, "message_code: ping_ans"));
  ck_assert_ptr_nonnull(strstr(res.details, "(not signed: identity_type none)"));
  rl_conf_result_free(&res);
  runfix_free(&x);
}
END_TEST

START_TEST(runner_times_out_on_the_virtual_clock) {
  runfix x;
  rl_conf_result res;
  runfix_init(&x, 1);
  /* ttl 7: the responder closes after 5 s. */
  run_text(&x, HEADER PING_STEP(7) "expect within 2s { message_contents.message_code == ping_ans }\n", &res);
  ck_assert_int_eq(res.status, RL_CONF_FAIL);
  ck_assert_str_eq(res.reason, "no answer within 2s");
  ck_assert_uint_eq(res.ms, 2000);
  rl_conf_result_free(&res);
  run_text(&x, HEADER PING_STEP(7) "expect-nothing within 4s\nexpect-close within 2s\n", &res);
  ck_assert_msg(res.status == RL_CONF_PASS, "%s", res.reason);
  ck_assert_uint_eq(res.ms, 5000);
  rl_conf_result_free(&res);
  run_text(&x, HEADER PING_STEP(7) "expect-nothing within 6s\n", &res);
  ck_assert_int_eq(res.status, RL_CONF_FAIL);
  ck_assert_ptr_nonnull(strstr(res.reason, "the connection was closed (closed by the responder)"));
  rl_conf_result_free(&res);
  run_text(&x, HEADER PING_STEP(7) "expect-close within 1s\n", &res);
  ck_assert_int_eq(res.status, RL_CONF_FAIL);
  ck_assert_str_eq(res.reason, "the connection is still open after 1s");
  rl_conf_result_free(&res);
  runfix_free(&x);
}
END_TEST

START_TEST(runner_keeps_other_messages_for_later) {
  runfix x;
  rl_conf_result res;
  runfix_init(&x, 1);
  /* ttl 8: the responder first sends us a Ping of its own, then answers
   * 2 s later; expect takes the answer, expect-message the Ping, and we
   * reply to it. */
  run_text(&x, HEADER PING_STEP(8)
           "expect { message_contents.message_code == ping_ans capture rid = message_contents.message_body.ping_ans.response_id }\n"
           "expect-message within 1s where { message_contents.message_code == ping_req } {\n"
           "  forwarding_header.destination_list[0].destination_data.node_id == ${my_node_id} }\n"
           "let want = \"5\"\n"
           "reply { \"message_contents\": {\"message_code\": ping_ans, \"message_body\": {\"ping_ans\": {\"response_id\": \"${rid}\", \"time\": \"0\"}}}}\n"
           "expect-nothing within 1s\n",
           &res);
  ck_assert_msg(res.status == RL_CONF_PASS, "%s\n%s", res.reason, res.details ? res.details : "");
  rl_conf_result_free(&res);
  runfix_free(&x);
}
END_TEST

/* A wait that runs out says what came instead and why it did not do; an
 * answer with another transaction_id is a failure of 6.3.2, not a
 * timeout; --lenient takes it and still fails the test. */
START_TEST(runner_shows_what_arrived) {
  runfix x;
  rl_conf_result res;
  runfix_init(&x, 1);
  /* ttl 8: a Ping of the responder's own first, the answer 2 s later. */
  run_text(&x, HEADER PING_STEP(8) "expect within 1s { message_contents.message_code == ping_ans }\n", &res);
  ck_assert_int_eq(res.status, RL_CONF_FAIL);
  ck_assert_str_eq(res.reason, "no answer within 1s");
  ck_assert_msg(strstr(res.details, "  what arrived instead (not taken by another step):\n"
                                    "  #1 on this connection, during this step: a request (ping_req), not an answer"),
                "%s", res.details);
  ck_assert_ptr_nonnull(strstr(res.details, "message_code: ping_req"));
  rl_conf_result_free(&res);
  /* ttl 10: nothing at all. */
  run_text(&x, HEADER PING_STEP(10) "expect within 1s { message_contents.message_code == ping_ans }\n", &res);
  ck_assert_ptr_nonnull(strstr(res.details, "  nothing else arrived, on any connection\n"));
  rl_conf_result_free(&res);
  /* ttl 9: a PingAns with transaction_id 4660 (0x1234). */
  run_text(&x, HEADER PING_STEP(9) "expect within 1s { message_contents.message_code == ping_ans }\n", &res);
  ck_assert_int_eq(res.status, RL_CONF_FAIL);
  ck_assert_msg(strstr(res.reason, "the answer (ping_ans) came with transaction_id 0000000000001234, not the request's ") &&
                strstr(res.reason, "Responses use the same transaction ID"), "%s", res.reason);
  ck_assert_ptr_nonnull(strstr(res.details, "transaction_id differs: sent "));
  rl_conf_result_free(&res);
  rl_conf_runner_set_lenient(x.R, 1);
  run_text(&x, HEADER PING_STEP(9) "expect within 1s { message_contents.message_code == ping_ans }\n"
           PING_STEP(100) "expect { message_contents.message_code == ping_ans }\n", &res);
  ck_assert_int_eq(res.status, RL_CONF_FAIL);
  ck_assert_msg(strstr(res.reason, "tolerated deviation: an answer (ping_ans) came with transaction_id 0000000000001234"),
                "%s", res.reason);
  ck_assert_ptr_nonnull(res.received); /* the second answer: the scenario went on */
  rl_conf_result_free(&res);
  rl_conf_runner_set_lenient(x.R, 0);
  /* A silent target: a test that passes on silence is INCONCLUSIVE. */
  rl_conf_runner_set_silent(x.R, 1);
  run_text(&x, HEADER PING_STEP(10) "expect-nothing within 1s\n", &res);
  ck_assert_int_eq(res.status, RL_CONF_INCONCLUSIVE);
  ck_assert_ptr_nonnull(strstr(res.reason, "answered nothing in the preflight"));
  rl_conf_result_free(&res);
  run_text(&x, HEADER PING_STEP(100) "expect { message_contents.message_code == ping_ans }\n", &res);
  ck_assert_int_eq(res.status, RL_CONF_PASS);
  rl_conf_result_free(&res);
  runfix_free(&x);
}
END_TEST

START_TEST(runner_skips_with_reasons) {
  runfix x;
  rl_conf_result res;
  runfix_init(&x, 0);
  run_text(&x, HEADER PING_STEP(100) "expect { message_contents.message_code == ping_ans }\n", &res);
  ck_assert_int_eq(res.status, RL_CONF_SKIP);
  ck_assert_str_eq(res.reason, "needs the target's Node-ID (--target-node-id)");
  rl_conf_result_free(&res);
  run_text(&x, HEADER "skip-if link == loopback because \"not on loopback\"\n" PING_STEP(100), &res);
  ck_assert_int_eq(res.status, RL_CONF_SKIP);
  ck_assert_str_eq(res.reason, "not on loopback");
  rl_conf_result_free(&res);
  run_text(&x, HEADER "send-stream hex\"80\"\n", &res);
  ck_assert_int_eq(res.status, RL_CONF_PASS); /* the loopback takes stream bytes */
  rl_conf_result_free(&res);
  run_text(&x, HEADER "connect @r credentials other-ca\nexpect-close @r\n", &res);
  ck_assert_int_eq(res.status, RL_CONF_SKIP);
  ck_assert_str_eq(res.reason, "the loopback transport cannot present other credentials");
  rl_conf_result_free(&res);
  runfix_free(&x);
}
END_TEST

/* expect-acked over a transport with a link layer: the loopback's, with
 * link figures made up on its virtual clock (the ack of our one data
 * frame comes at ack_at_ms). */
static rl_conf_transport_ops acked_ops;
static const rl_conf_transport_ops *loop_ops;
static uint64_t ack_at_ms;

static int fake_link_info(void *self, const char *conn, rl_conf_link_info *out, char *why,
                          size_t whylen) {
  (void)conn;
  (void)why;
  (void)whylen;
  memset(out, 0, sizeof *out);
  out->frames_sent = 1;
  if (loop_ops->now_ms(self) >= ack_at_ms) {
    out->acks_received = 1;
    out->last_ack_sequence = 0;
    out->last_ack_received = 0;
  } else {
    out->unacked = 1;
  }
  return 0;
}

START_TEST(runner_waits_for_acks) {
  runfix x;
  rl_conf_result res;
  runfix_init(&x, 1);
  /* The loopback alone has no link layer. */
  run_text(&x, HEADER PING_STEP(100) "expect-acked\n", &res);
  ck_assert_int_eq(res.status, RL_CONF_SKIP);
  ck_assert_str_eq(res.reason,
                   "the loopback transport has no link layer to see acks in (--link tls or tcp)");
  rl_conf_result_free(&res);
  run_text(&x, HEADER "send { " PING " } frame sequence 5\n", &res);
  ck_assert_int_eq(res.status, RL_CONF_SKIP);
  ck_assert_str_eq(res.reason, "the loopback transport has no framing to write frames into");
  rl_conf_result_free(&res);
  run_text(&x, HEADER "skip-if framing == false because \"no framing\"\n" PING_STEP(100), &res);
  ck_assert_int_eq(res.status, RL_CONF_SKIP);
  rl_conf_result_free(&res);
  loop_ops = x.T.ops;
  acked_ops = *x.T.ops;
  acked_ops.link_info = fake_link_info;
  x.T.ops = &acked_ops;
  /* The ack comes after 300 ms: the step waits for it. */
  ack_at_ms = x.T.ops->now_ms(x.T.self) + 300;
  run_text(&x, HEADER PING_STEP(100) "expect-acked within 1s { last_ack.ack_sequence == 0 }\n", &res);
  ck_assert_msg(res.status == RL_CONF_PASS, "%s", res.reason);
  ck_assert_uint_ge(res.ms, 300);
  ck_assert_uint_lt(res.ms, 1000);
  rl_conf_result_free(&res);
  /* It does not come in time. */
  ack_at_ms = x.T.ops->now_ms(x.T.self) + 5000;
  run_text(&x, HEADER PING_STEP(100) "expect-acked within 1s\n", &res);
  ck_assert_int_eq(res.status, RL_CONF_FAIL);
  ck_assert_str_eq(res.reason, "1 of our 1 data frames not acked within 1s (0 acks received)");
  ck_assert_ptr_nonnull(strstr(res.details, "  at t.scen:6:1\n"));
  ck_assert_ptr_nonnull(strstr(res.details, "  the last message sent: t.scen:5\n"));
  ck_assert_ptr_nonnull(strstr(res.details, "  link (loopback):\n    our data frames: 1 sent, 1 not acked\n    acks received: 0\n"));
  rl_conf_result_free(&res);
  /* It comes, but says something else. */
  ack_at_ms = 0;
  run_text(&x, HEADER PING_STEP(100) "expect-acked within 1s { last_ack.ack_sequence == 1 }\n", &res);
  ck_assert_int_eq(res.status, RL_CONF_FAIL);
  ck_assert_str_eq(res.reason, "the acks do not match within 1s: last_ack.ack_sequence is 0, expected == 1");
  ck_assert_ptr_nonnull(strstr(res.details, "  expected:\n    last_ack.ack_sequence == 1\n"));
  ck_assert_ptr_nonnull(strstr(res.details, "acks received: 1 (the last: ack_sequence 0, received 0x00000000)"));
  rl_conf_result_free(&res);
  /* A matcher that cannot be evaluated is the scenario's error. */
  run_text(&x, HEADER PING_STEP(100) "expect-acked { last_ack.ack_sequence < \"x\" }\n", &res);
  ck_assert_int_eq(res.status, RL_CONF_FAIL);
  ck_assert(res.scenario_error);
  rl_conf_result_free(&res);
  x.T.ops = loop_ops;
  runfix_free(&x);
}
END_TEST

START_TEST(runner_reports_scenario_errors) {
  runfix x;
  rl_conf_result res;
  char why[512];
  runfix_init(&x, 1);
  run_text(&x, HEADER "send { \"forwarding_header\": {\"ttl\": 999}, " PING " }\n", &res);
  ck_assert_int_eq(res.status, RL_CONF_FAIL);
  ck_assert(res.scenario_error);
  ck_assert_ptr_nonnull(strstr(res.reason, "scenario error at t.scen:5:1: the template is not a message the codec accepts"));
  rl_conf_result_free(&res);
  run_text(&x, HEADER "expect { a exists }\n", &res);
  ck_assert(res.scenario_error);
  rl_conf_result_free(&res);
  ck_assert_int_eq(parse(HEADER "send { \"forwarding_header\": {\"ttl\": \"${nope}\"}, " PING " }\n"), 0);
  ck_assert_int_ne(rl_conf_check_templates(x.R, &sc, why, sizeof why), 0);
  ck_assert_str_eq(why, "t.scen:5:1: ${nope}: variable nope is not defined");
  ck_assert_int_eq(parse(HEADER PING_STEP(1) "expect { a == 1 capture g = b.generation }\n"
                   "send { \"forwarding_header\": {\"transaction_id\": \"${g}\"}, " PING " }\n"), 0);
  ck_assert_msg(rl_conf_check_templates(x.R, &sc, why, sizeof why) == 0, "%s", why);
  /* A message too short to cut into fragments of that size (6.7: each
   * holds at least 256 bytes of the message). */
  run_text(&x, HEADER "send { " PING " } fragment 600\n", &res);
  ck_assert_int_eq(res.status, RL_CONF_FAIL);
  ck_assert(res.scenario_error);
  ck_assert_ptr_nonnull(strstr(res.reason, "does not cut into 2..64 fragments"));
  rl_conf_result_free(&res);
  runfix_free(&x);
}
END_TEST

/* ---- reports ---- */

static rl_conf_result *sample_results(void) {
  static rl_scenario s[3];
  static rl_scen_req req = {{"x.scen", 1, 1}, "RFC6940-6.3.2-8"};
  rl_conf_result *r = calloc(3, sizeof *r);
  for (int i = 0; i < 3; i++) {
    memset(&s[i], 0, sizeof s[i]);
    s[i].file = "x.scen";
    s[i].group = "g<&>";
    s[i].reqs = &req;
    s[i].nreqs = 1;
    r[i].sc = &s[i];
    r[i].ms = 1500;
  }
  s[0].id = "a";
  s[0].title = "passes # really";
  s[1].id = "b";
  s[1].title = "fails \"quoted\"";
  s[2].id = "c";
  s[2].title = "skips";
  r[1].status = RL_CONF_FAIL;
  r[1].reason = strdup("x is \"1\" \x01 <y>");
  r[1].details = strdup("  at x.scen:2:1\n  bad byte \xff\xfe here\n");
  r[2].status = RL_CONF_SKIP;
  r[2].reason = strdup("no #target");
  return r;
}

static char *capture_output(int (*w)(FILE *, const rl_conf_result *, size_t), const rl_conf_result *r) {
  char *buf = NULL;
  size_t n = 0;
  FILE *f = open_memstream(&buf, &n);
  ck_assert_int_eq(w(f, r, 3), 0);
  fclose(f);
  return buf;
}

static int junit(FILE *f, const rl_conf_result *r, size_t n) {
  return rl_conf_write_junit(f, r, n, "suite");
}

START_TEST(tap_report) {
  rl_conf_result *r = sample_results();
  char *out = capture_output(rl_conf_write_tap, r);
  ck_assert_ptr_nonnull(strstr(out, "TAP version 13\n1..3\nok 1 - a: passes \\# really\n"));
  ck_assert_ptr_nonnull(strstr(out, "not ok 2 - b: fails \"quoted\"\n  ---\n  message: \"x is \\\"1\\\" \\x01 <y>\"\n"));
  ck_assert_ptr_nonnull(strstr(out, "  requirements:\n    - RFC6940-6.3.2-8\n  details: |2\n      at x.scen:2:1\n"));
  ck_assert_ptr_nonnull(strstr(out, "  ...\nok 3 - c: skips # SKIP no \\#target\n"));
  free(out);
  for (int i = 0; i < 3; i++) rl_conf_result_free(&r[i]);
  free(r);
}
END_TEST

START_TEST(junit_report_is_well_formed_xml) {
  rl_conf_result *r = sample_results();
  char *out = capture_output(junit, r);
  xmlDocPtr doc = xmlReadMemory(out, (int)strlen(out), "junit.xml", NULL, XML_PARSE_NONET | XML_PARSE_NOERROR);
  xmlNodePtr root, suite, tc;
  xmlChar *a;
  int n = 0;
  ck_assert_msg(doc != NULL, "not well-formed:\n%s", out);
  root = xmlDocGetRootElement(doc);
  ck_assert_str_eq((const char *)root->name, "testsuites");
  a = xmlGetProp(root, BAD_CAST "failures");
  ck_assert_str_eq((const char *)a, "1");
  xmlFree(a);
  a = xmlGetProp(root, BAD_CAST "skipped");
  ck_assert_str_eq((const char *)a, "1");
  xmlFree(a);
  for (suite = root->children; suite && suite->type != XML_ELEMENT_NODE; suite = suite->next) {}
  ck_assert_ptr_nonnull(suite);
  for (tc = suite->children; tc; tc = tc->next) {
    if (tc->type != XML_ELEMENT_NODE) continue;
    ck_assert_str_eq((const char *)tc->name, "testcase");
    a = xmlGetProp(tc, BAD_CAST "classname");
    ck_assert_str_eq((const char *)a, "g<&>");
    xmlFree(a);
    n++;
  }
  ck_assert_int_eq(n, 3);
  ck_assert_ptr_nonnull(strstr(out, "<failure message=\"x is &quot;1&quot; ? &lt;y&gt;\" type=\"NonConformance\">"));
  ck_assert_ptr_nonnull(strstr(out, "bad byte ?? here"));
  ck_assert_ptr_nonnull(strstr(out, "<skipped message=\"no #target\"/>"));
  xmlFreeDoc(doc);
  free(out);
  for (int i = 0; i < 3; i++) rl_conf_result_free(&r[i]);
  free(r);
}
END_TEST

START_TEST(coverage_counts_sections) {
  rl_conf_reqtable t;
  rl_conf_result *r = sample_results();
  rl_conf_coverage c;
  char why[256], *buf = NULL;
  size_t n = 0;
  FILE *f = open_memstream(&buf, &n);
  ck_assert_int_eq(rl_conf_reqtable_load(table_path(), &t, why, sizeof why), 0);
  rl_conf_coverage_report(f, &t, r, 3, 1, &c);
  fclose(f);
  ck_assert_uint_eq(c.total, t.n);
  ck_assert_uint_eq(c.checked, 1); /* a and b name 6.3.2-8; c was skipped */
  ck_assert_uint_eq(c.passing, 0); /* b failed */
  ck_assert_uint_eq(c.must_checked, 1);
  ck_assert_ptr_nonnull(strstr(buf, "  6.3.2        1/13        0  Forwarding Header\n"));
  free(buf);
  rl_conf_reqtable_free(&t);
  for (int i = 0; i < 3; i++) rl_conf_result_free(&r[i]);
  free(r);
}
END_TEST

static Suite *suite(void) {
  Suite *s = suite_create("conformance");
  TCase *tc = tcase_create("scenarios");
  tcase_add_checked_fixture(tc, NULL, teardown);
  tcase_add_test(tc, lexer_tokens_and_positions);
  tcase_add_test(tc, lexer_errors_and_nul_bytes);
  tcase_add_test(tc, parser_reads_a_scenario);
  tcase_add_test(tc, parser_errors_name_line_and_column);
  tcase_add_test(tc, parser_reads_fragments_and_connect);
  tcase_add_test(tc, parser_reads_acks_and_frames);
  tcase_add_test(tc, parser_limits_nesting);
  tcase_add_test(tc, parser_reads_a_responder);
  suite_add_tcase(s, tc);
  tc = tcase_create("matchers");
  tcase_add_checked_fixture(tc, matchers_setup, matchers_teardown);
  tcase_add_test(tc, matchers_compare);
  tcase_add_test(tc, matchers_explain);
  suite_add_tcase(s, tc);
  tc = tcase_create("messages");
  tcase_add_checked_fixture(tc, NULL, teardown);
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, templates_substitute);
  tcase_add_test(tc, templates_merge);
  tcase_add_test(tc, build_request_with_defaults);
  tcase_add_test(tc, build_reply_reverses_the_via_list);
  tcase_add_test(tc, build_reports_what_the_codec_refuses);
  tcase_add_test(tc, build_signs_with_credentials);
  tcase_add_test(tc, mutations_edit_bytes);
  suite_add_tcase(s, tc);
  tc = tcase_create("runner");
  tcase_add_checked_fixture(tc, NULL, teardown);
  tcase_add_test(tc, requirements_table_loads);
  tcase_add_test(tc, unknown_requirement_is_an_error_at_its_place);
  tcase_add_test(tc, runner_passes_and_fails_with_an_explanation);
  tcase_add_test(tc, runner_times_out_on_the_virtual_clock);
  tcase_add_test(tc, runner_keeps_other_messages_for_later);
  tcase_add_test(tc, runner_skips_with_reasons);
  tcase_add_test(tc, runner_shows_what_arrived);
  tcase_add_test(tc, runner_waits_for_acks);
  tcase_add_test(tc, runner_reports_scenario_errors);
  tcase_add_test(tc, tap_report);
  tcase_add_test(tc, junit_report_is_well_formed_xml);
  tcase_add_test(tc, coverage_counts_sections);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) {
  SRunner *sr = srunner_create(suite());
  int failed;
  srunner_run_all(sr, CK_NORMAL);
  failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
