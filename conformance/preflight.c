/* preflight.c: see preflight.h. */
#include "preflight.h"

#include <string.h>

#include "msgcodec.h"
#include "scen_parse.h"

/* Ping (6.5.3) the target's Node-ID, or, when it is not known, the
 * wildcard Node-ID: "A peer is always responsible for the wildcard
 * Node-ID" and consumes it (6.1.1), so the peer at the end of the link
 * answers. %s: the Destination List's forwarding_header member, or "". */
static const char preflight_fmt[] =
    "id       preflight\n"
    "title    \"Preflight: the target answers a Ping\"\n"
    "requires RFC6940-6.3.3.1-1\n"
    "group    preflight\n"
    "role     client\n"
    "send {\n"
    "%s"
    "  \"message_contents\": {\"message_code\": ping_req,\n"
    "                       \"message_body\": {\"ping_req\": {\"padding\": \"\"}}}\n"
    "}\n"
    "expect {\n"
    "  message_contents.message_code == ping_ans\n"
    "}\n";

/* The Node-ID of the first RELOAD URI in a certificate's brief (11.3,
 * 14.15: reload://DESTINATION@OVERLAY/, DESTINATION the hex of a
 * Destination: type node (01), length, the Node-ID), as hex into out (41
 * bytes); 0 when found. */
static int node_id_of(const char *brief, char *out) {
  const char *p = brief ? strstr(brief, "reload://") : NULL;
  unsigned type, len;
  size_t n = 0;
  if (!p || sscanf(p + 9, "%2x%2x", &type, &len) != 2 || type != 1 || len < 16 || len > 20)
    return -1;
  p += 13;
  while (n < 2 * len && ((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f'))) out[n++] = *p++;
  out[n] = 0;
  return *p == '@' && n == 2 * len ? 0 : -1;
}

static void print_signer(FILE *out, const json_t *msg, char *node_id) {
  const json_t *sb = json_object_get(msg, "security_block");
  const json_t *certs = json_object_get(sb, "certificates");
  const json_t *id = json_object_get(json_object_get(sb, "signature"), "identity");
  const char *type = json_string_value(json_object_get(id, "identity_type"));
  size_t i;
  const json_t *c;
  fprintf(out, "  signer identity: %s\n", type ? type : "(none)");
  if (json_array_size(certs) == 0) fprintf(out, "  certificates: none\n");
  json_array_foreach(certs, i, c) {
    const char *hex = json_string_value(json_object_get(c, "certificate"));
    json_t *b = hex ? rl_conf_cert_brief(hex) : NULL;
    fprintf(out, "  certificate %zu: %s\n", i + 1, b ? json_string_value(b) : "?");
    if (i == 0 && node_id_of(json_string_value(b), node_id) == 0)
      fprintf(out, "  its Node-ID: %s\n", node_id);
    json_decref(b);
  }
}

int rl_conf_preflight(rl_conf_runner *r, const char *target, const char *link, FILE *out,
                      size_t node_id_len, int know_node_id, int *silent, char *node_id) {
  rl_scen_pool pool;
  rl_scenario sc;
  rl_conf_result res;
  char err[512], text[2048], dest[256], wild[41];
  int rc, len;
  *silent = 1;
  node_id[0] = 0;
  memset(wild, 'f', 2 * node_id_len);
  wild[2 * node_id_len] = 0;
  snprintf(dest, sizeof dest,
           "  \"forwarding_header\": {\"destination_list\": [\n"
           "      {\"type\": node, \"destination_data\": {\"node_id\": \"%s\"}}]},\n",
           wild);
  len = snprintf(text, sizeof text, preflight_fmt, know_node_id ? "" : dest);
  rl_scen_pool_init(&pool);
  rc = rl_scen_parse("(preflight)", text, (size_t)len, &pool, &sc, err, sizeof err);
  if (rc == 0) {
    /* Leniently: an answer with another transaction_id still tells what
     * the target is (and the deviation is said). */
    int was = rl_conf_runner_set_lenient(r, 1);
    rc = rl_conf_run(r, &sc, &res);
    rl_conf_runner_set_lenient(r, was);
  }
  if (rc != 0) {
    rl_scen_pool_free(&pool);
    return rc;
  }
  fprintf(out, "Preflight: %s over %s\n", target, link);
  if (res.received) {
    /* Taken leniently: a PingAns came, maybe with a deviation. */
    *silent = 0;
    fprintf(out, "  Ping: answered (ping_ans) in %llu ms\n", (unsigned long long)res.ms);
    if (res.status == RL_CONF_FAIL && res.reason) fprintf(out, "  but: %s\n", res.reason);
    print_signer(out, res.received, node_id);
  } else {
    const char *at = res.details ? strstr(res.details, "  what arrived instead") : NULL;
    *silent = !at;
    fprintf(out, "  Ping: %s\n", res.reason ? res.reason : "failed");
    if (at) fputs(at, out);
    if (*silent)
      fprintf(out, "  The target answered nothing: tests that pass when nothing comes back are "
                   "INCONCLUSIVE in this run.\n");
  }
  fputc('\n', out);
  rl_conf_result_free(&res);
  rl_scen_pool_free(&pool);
  return 0;
}
