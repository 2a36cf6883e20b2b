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

/* RouteQuery (6.4.2.4) for our own Node-ID as a Resource-ID: the peer
 * responsible for it is the Admitting Peer of a Join with it (10.5). */
static const char route_fmt[] =
    "id       preflight-route\n"
    "title    \"Preflight: who is the Admitting Peer of our Node-ID\"\n"
    "requires RFC6940-10.8-1\n"
    "group    preflight\n"
    "role     client\n"
    "send {\n"
    "%s"
    "  \"message_contents\": {\"message_code\": route_query_req, \"message_body\": {\"route_query_req\": {\n"
    "    \"send_update\": false,\n"
    "    \"destination\": {\"type\": resource, \"destination_data\": {\"resource_id\": \"${my_node_id}\"}},\n"
    "    \"overlay_specific_data\": \"\"}}}\n"
    "}\n"
    "expect {\n"
    "  message_contents.message_code == route_query_ans\n"
    "}\n";

/* 1 when the target names itself as the next peer for our Node-ID (it is
 * responsible for it, so it admits our Join), 0 when another, -1 when it
 * did not say. */
static int admits_us(rl_conf_runner *r, const char *dest, const char *target_hex, FILE *out) {
  rl_scen_pool pool;
  rl_scenario sc;
  rl_conf_result res;
  char err[512], text[2048];
  int admits = -1, len = snprintf(text, sizeof text, route_fmt, dest);
  const char *next;
  rl_scen_pool_init(&pool);
  if (rl_scen_parse("(preflight)", text, (size_t)len, &pool, &sc, err, sizeof err) != 0 ||
      rl_conf_run(r, &sc, &res) != 0) {
    rl_scen_pool_free(&pool);
    return -1;
  }
  next = json_string_value(json_object_get(
      json_object_get(json_object_get(json_object_get(json_object_get(res.received, "message_contents"),
                                                      "message_body"),
                                      "route_query_ans"),
                      "chord_route_query_ans"),
      "next_peer"));
  if (res.status == RL_CONF_PASS && next && target_hex[0]) {
    admits = strcmp(next, target_hex) == 0;
    fprintf(out, "  RouteQuery for our Node-ID: next peer %s: %s\n", next,
            admits ? "the target is our Admitting Peer (10.5)"
                   : "the target is not our Admitting Peer (10.5): the Join tests will skip");
  }
  rl_conf_result_free(&res);
  rl_scen_pool_free(&pool);
  return admits;
}

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
                      size_t node_id_len, const char *target_hex, int *silent, char *node_id,
                      int *admits) {
  int know_node_id = target_hex && target_hex[0];
  rl_scen_pool pool;
  rl_scenario sc;
  rl_conf_result res;
  char err[512], text[2048], dest[256], wild[41];
  int rc, len;
  *silent = 1;
  *admits = -1;
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
    if (res.status == RL_CONF_PASS)
      *admits = admits_us(r, know_node_id ? "" : dest, know_node_id ? target_hex : node_id, out);
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
