/* fuzz_scenario.c: the scenario language of the conformance suite
 * (conformance/scen_parse.h): re2c lexer and recursive-descent parser.
 *
 * Scenario files are written by people, but an implementer adds them
 * without recompiling and the runner must never crash on one. Checked: a
 * failure is RL_ERR_SYNTAX (or RL_ERR_NOMEM) with "fz.scen:LINE:COL: "
 * where LINE and COL lie inside the input (COL may be one past the end of
 * its line); a success gives a tree whose every location lies inside the
 * input, a scenario with its header and steps, or a responder with its
 * rules; each matcher of the tree evaluates on a fixed message without
 * crashing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"

#include "../conformance/scen_match.h"
#include "../conformance/scen_parse.h"
#include "runtime/error.h"

static const char *text;
static size_t text_len;

static void fail(const char *what) __attribute__((noreturn));
static void fail(const char *what) {
  fprintf(stderr, "fuzz scenario: %s (input of %zu bytes)\n", what, text_len);
  abort();
}

/* Is line:col inside the text? */
static int inside(long line, long col) {
  long l = 1;
  size_t i = 0, start = 0;
  if (line < 1 || col < 1) return 0;
  for (; i < text_len && l < line; i++)
    if (text[i] == '\n') {
      l++;
      start = i + 1;
    }
  if (l != line) return 0;
  for (i = start; i < text_len && text[i] != '\n'; i++) {}
  return (size_t)col <= i - start + 1;
}

static void check_loc(const rl_scen_loc *l) {
  if (!inside(l->line, l->col)) fail("a location outside the input");
}

static json_t *sample;

static void check_block(const rl_scen_block *b) {
  char why[512];
  for (size_t i = 0; i < b->nm; i++) {
    int r;
    check_loc(&b->m[i].loc);
    if (b->m[i].path.nseg == 0 || !b->m[i].path.text) fail("a matcher without a path");
    r = rl_scen_match(&b->m[i], sample, b->m[i].value, why, sizeof why);
    if (r < -1 || r > 1) fail("rl_scen_match returned something else than -1, 0, 1");
    if (r != 1 && !why[0]) fail("a matcher failed without a reason");
  }
  for (size_t i = 0; i < b->ncap; i++) check_loc(&b->cap[i].loc);
}

static void check_steps(const rl_scen_step *s, size_t n) {
  for (size_t i = 0; i < n; i++) {
    check_loc(&s[i].loc);
    if (!s[i].conn) fail("a step without a connection name");
    if ((s[i].kind == RL_SCEN_SEND || s[i].kind == RL_SCEN_REPLY || s[i].kind == RL_SCEN_LET) &&
        !s[i].tmpl)
      fail("a send without a template");
    for (size_t k = 0; k < s[i].nmut; k++) check_loc(&s[i].mut[k].loc);
    check_block(&s[i].block);
    check_block(&s[i].where);
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  rl_scen_pool pool;
  rl_scenario sc;
  char err[2048], *buf = malloc(size + 1);
  long line = 0, col = 0;
  int r;
  if (!buf) return 0;
  memcpy(buf, data, size);
  buf[size] = 0;
  text = buf;
  text_len = size;
  if (!sample)
    sample = json_loads("{\"forwarding_header\": {\"ttl\": 100, \"via_list\": [],"
                        " \"transaction_id\": \"18446744073709551615\"},"
                        " \"message_contents\": {\"message_code\": \"ping_ans\","
                        " \"extensions\": [{\"critical\": \"true\"}]}}",
                        0, NULL);
  rl_scen_pool_init(&pool);
  r = rl_scen_parse("fz.scen", buf, size, &pool, &sc, err, sizeof err);
  if (r == RL_ERR_SYNTAX) {
    if (sscanf(err, "fz.scen:%ld:%ld: ", &line, &col) != 2) fail("an error without fz.scen:LINE:COL");
    if (!inside(line, col)) fail("an error position outside the input");
  } else if (r == 0) {
    if (sc.is_responder) {
      for (size_t i = 0; i < sc.nrules; i++) {
        check_loc(&sc.rules[i].loc);
        check_block(&sc.rules[i].when);
        check_steps(sc.rules[i].steps, sc.rules[i].nsteps);
      }
    } else {
      if (!sc.id || !sc.title || !sc.group || !sc.nreqs || !sc.nsteps)
        fail("a scenario without its header or steps");
      for (size_t i = 0; i < sc.nreqs; i++) {
        check_loc(&sc.reqs[i].loc);
        if (strncmp(sc.reqs[i].id, "RFC", 3) != 0) fail("a requirement ID that is not RFC...");
      }
      for (size_t i = 0; i < sc.nskips; i++) {
        rl_scen_block b = {(rl_scen_matcher *)&sc.skips[i].cond, 1, NULL, 0};
        check_block(&b);
      }
      check_steps(sc.steps, sc.nsteps);
    }
  } else if (r != RL_ERR_NOMEM) {
    fail("rl_scen_parse returned an unexpected code");
  }
  rl_scen_pool_free(&pool);
  free(buf);
  return 0;
}
