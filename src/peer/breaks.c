/* peer/breaks.c: see breaks.h. */
#include "peer/breaks.h"

#include <stdio.h>
#include <string.h>

static const struct {
  uint32_t bit;
  const char *name;
} names[] = {
    {RL_BREAK_IGNORE_TTL, "ignore-ttl"},
    {RL_BREAK_FRESH_TXID, "fresh-txid"},
    {RL_BREAK_BAD_ANSWER_SIGNATURE, "bad-answer-signature"},
    {RL_BREAK_TTL_ABOVE_INITIAL, "ttl-above-initial"},
    {RL_BREAK_IGNORE_OVERLAY, "ignore-overlay"},
    {RL_BREAK_IGNORE_VERSION, "ignore-version"},
    {RL_BREAK_IGNORE_CONFIG_SEQ, "ignore-config-seq"},
    {RL_BREAK_NO_CONFIG_UPDATE, "no-config-update"},
    {RL_BREAK_IGNORE_MAX_RESPONSE, "ignore-max-response-length"},
    {RL_BREAK_IGNORE_DEST_CRITICAL, "ignore-destination-critical"},
    {RL_BREAK_IGNORE_CRITICAL_EXT, "ignore-critical-extension"},
    {RL_BREAK_ACCEPT_BAD_SIGNATURE, "accept-bad-signature"},
    {RL_BREAK_ANSWER_UNKNOWN_CODE, "answer-unknown-code"},
    {RL_BREAK_WRONG_UNKNOWN_KIND, "wrong-unknown-kind-error"},
    {RL_BREAK_IGNORE_GENERATION, "ignore-generation"},
    {RL_BREAK_DUPLICATE_DEST, "accept-duplicate-destination"},
    {RL_BREAK_DEST_NOT_REVERSED, "via-not-reversed"},
    {RL_BREAK_NO_RESPONSE_COPY, "no-response-copy"},
    {RL_BREAK_PROBE_EXTRA_INFO, "probe-extra-info"},
    {RL_BREAK_FRAGMENT_LOW_BIT, "accept-fragment-low-bit"},
    {RL_BREAK_NO_MESSAGE_CERT, "no-certificate"},
    {RL_BREAK_WRONG_TTL_ERROR, "wrong-ttl-error"},
};

const char *rl_break_name(uint32_t one) {
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
    if (names[i].bit == one) return names[i].name;
  return NULL;
}

const char *rl_breaks_all(void) {
  static char all[1024];
  size_t n = 0;
  if (all[0]) return all;
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
    int w = snprintf(all + n, sizeof all - n, "%s%s", i ? "," : "", names[i].name);
    if (w < 0 || (size_t)w >= sizeof all - n) break;
    n += (size_t)w;
  }
  return all;
}

int rl_breaks_parse(const char *list, uint32_t *out, char *why, size_t whylen) {
  const char *p = list;
  while (*p) {
    size_t len = strcspn(p, ",");
    size_t i;
    for (i = 0; i < sizeof names / sizeof names[0]; i++)
      if (strlen(names[i].name) == len && strncmp(names[i].name, p, len) == 0) break;
    if (i == sizeof names / sizeof names[0]) {
      snprintf(why, whylen, "unknown rule '%.*s'", (int)len, p);
      return -1;
    }
    *out |= names[i].bit;
    p += len;
    if (*p == ',') p++;
  }
  return 0;
}
