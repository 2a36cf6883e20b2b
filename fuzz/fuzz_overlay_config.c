/* fuzz_overlay_config.c: the overlay configuration document (RFC 6940
 * 11.1) as a node receives it from a configuration server
 * (src/overlay/config.h).
 *
 * Invariants, or abort():
 *   - a document that fails is reported properly: a known rl_err in both
 *     the return value and err.code, a message, a line not past the end;
 *   - a document that parses survives the writer: write(parse(x)) parses
 *     again to equal configurations (rl_config_equal), and writing that
 *     gives the same bytes (the writer's output is a fixed point);
 *   - every configuration yields decode parameters (rl_config_params)
 *     whose NodeIdLength is the configured one, and the byte spans kept
 *     for signature checks lie inside the input and delimit an element.
 * The parser allocates (libxml2 does); LeakSanitizer checks it frees. */
#define _GNU_SOURCE /* memmem */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"

#include "overlay/config.h"
#include "runtime/error.h"

static void fail(const char *what, size_t size) __attribute__((noreturn));

static void fail(const char *what, size_t size) {
  fprintf(stderr, "fuzz overlay_config: %s (input of %zu bytes)\n", what, size);
  abort();
}

static long count_lines(const uint8_t *p, size_t n) {
  long lines = 1;
  for (size_t i = 0; i < n; i++) lines += p[i] == '\n';
  return lines;
}

/* A kept span (the bytes a signature covers) must be a piece of the
 * input that starts with '<' and ends with '>'. */
static void check_span(const rl_config_blob *b, const uint8_t *data, size_t size) {
  if (b->len == 0) fail("empty element span", size);
  if (b->data[0] != '<' || b->data[b->len - 1] != '>') fail("span does not delimit an element", size);
  if (!memmem(data, size, b->data, b->len)) fail("span is not a piece of the input", size);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  rl_config_document a, b;
  rl_config_error err;
  char *out1 = NULL, *out2 = NULL;
  size_t n1 = 0, n2 = 0;
  int r = rl_config_parse((const char *)data, size, &a, &err);
  if (r != 0) {
    if (r != err.code || r >= 0 || r < RL_ERR_MIN) fail("error code not reported", size);
    if (err.message[0] == '\0') fail("error without a message", size);
    if (err.line < 0 || err.line > count_lines(data, size)) fail("error line past the end", size);
    if (a.nconfigs != 0 || a.configs != NULL) fail("failed parse left configurations", size);
    return 0;
  }
  if (a.nconfigs == 0) fail("success without a configuration", size);
  for (size_t i = 0; i < a.nconfigs; i++) {
    rl_params p;
    const rl_overlay_config *c = &a.configs[i];
    rl_config_params(c, &p);
    if (p.NodeIdLength != c->node_id_length || c->node_id_length < 16 || c->node_id_length > 20)
      fail("NodeIdLength not carried into the parameters", size);
    check_span(&c->configuration_xml, data, size);
    for (size_t k = 0; k < c->nkinds; k++) check_span(&c->kinds[k].kind_xml, data, size);
  }
  r = rl_config_write(&a, &out1, &n1);
  if (r != 0) fail("a parsed document cannot be written", size);
  r = rl_config_parse(out1, n1, &b, &err);
  if (r != 0) {
    fprintf(stderr, "%s\n", err.message);
    fail("the written document does not parse", size);
  }
  if (b.nconfigs != a.nconfigs) fail("configurations lost in writing", size);
  for (size_t i = 0; i < a.nconfigs; i++)
    if (!rl_config_equal(&a.configs[i], &b.configs[i])) fail("written configuration differs", size);
  if (rl_config_write(&b, &out2, &n2) != 0 || n1 != n2 || memcmp(out1, out2, n1) != 0)
    fail("writing is not a fixed point", size);
  rl_config_document_free(&a);
  rl_config_document_free(&b);
  free(out1);
  free(out2);
  return 0;
}
