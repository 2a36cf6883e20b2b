/* push_config: send one ConfigUpdate request (RFC 6940 6.5.4) as a client
 * node, for tests/peer/config-update.sh.
 *
 *   push_config --config CUR --cert C --key K --peer ADDR:PORT --to NODEID
 *               --doc FILE [--type config|kind] [--linger MS] [-v]
 *
 * The client takes part in the overlay with configuration CUR (its
 * requests carry CUR's sequence) and sends FILE's bytes to the node NODEID
 * (hex) as config_data (type config) or as one KindDescription (type
 * kind). Prints one line:
 *   ok config_update_ans                  exit 0
 *   error Error_Forbidden: TEXT           exit 1 (an ErrorResponse)
 *   failed: REASON                        exit 2
 * --linger MS: keep the client running MS ms afterwards and print
 * "sequence N": the configuration sequence the client then has (a node
 * that finds its configuration older pushes a ConfigUpdate to it,
 * 6.3.2.1). */
#define _GNU_SOURCE
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "overlay/config.h"
#include "overlay/nodeid.h"
#include "peer/msg.h"
#include "peer/driver.h"
#include "peer/node.h"
#include "security/credentials.h"
#include "tools/addr.h"

typedef struct answer {
  int done;
  int status;
  char text[600];
} answer;

static void on_answer(void *user, const rl_node_answer *a) {
  answer *r = user;
  r->done = 1;
  r->status = a->status;
  if (a->status > 0) {
    const char *name = rl_ErrorCode_name((rl_ErrorCode)a->status);
    snprintf(r->text, sizeof r->text, "error %s: %s", name ? name : "unknown",
             a->error_text ? a->error_text : "");
  } else if (a->status < 0) {
    snprintf(r->text, sizeof r->text, "failed: %s", a->error_text ? a->error_text : rl_strerror(a->status));
  } else {
    snprintf(r->text, sizeof r->text, "ok %s",
             rl_MessageCode_name(a->answer->message_contents.message_code));
  }
}

static int read_file(const char *path, uint8_t **buf, size_t *len) {
  FILE *f = fopen(path, "rb");
  long n;
  if (!f) return -1;
  if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0 ||
      !(*buf = malloc((size_t)n + 1)) || fread(*buf, 1, (size_t)n, f) != (size_t)n) {
    fclose(f);
    return -1;
  }
  fclose(f);
  *len = (size_t)n;
  return 0;
}

int main(int argc, char **argv) {
  const char *config_path = NULL, *cert_path = NULL, *key_path = NULL, *to = NULL, *doc_path = NULL;
  const char *type = "config";
  rl_node_options o;
  rl_config_document doc;
  rl_config_error cerr;
  rl_credentials *cred = NULL;
  rl_sec_error se;
  rl_node *node;
  rl_driver *drv;
  rl_Destination dest;
  rl_MessageBody body;
  rl_KindDescription kd;
  uint8_t id[RL_NODE_ID_MAX], *bytes = NULL;
  size_t len = 0;
  char why[512];
  int verbosity = 0, ch, linger = 0, rc;
  answer ans;
  uint64_t t0;
  enum { O_CONFIG = 256, O_CERT, O_KEY, O_PEER, O_TO, O_DOC, O_TYPE, O_LINGER };
  static const struct option longopts[] = {
      {"config", required_argument, 0, O_CONFIG}, {"cert", required_argument, 0, O_CERT},
      {"key", required_argument, 0, O_KEY},       {"peer", required_argument, 0, O_PEER},
      {"to", required_argument, 0, O_TO},         {"doc", required_argument, 0, O_DOC},
      {"type", required_argument, 0, O_TYPE},     {"linger", required_argument, 0, O_LINGER},
      {"verbose", no_argument, 0, 'v'},           {0, 0, 0, 0}};
  rl_node_options_init(&o);
  o.client = 1;
  while ((ch = getopt_long(argc, argv, "v", longopts, NULL)) != -1) {
    switch (ch) {
    case O_CONFIG: config_path = optarg; break;
    case O_CERT: cert_path = optarg; break;
    case O_KEY: key_path = optarg; break;
    case O_PEER:
      if (rl_tool_parse_addr(optarg, 6084, &o.bootstrap[0], &o.bootstrap_len[0], why, sizeof why)) {
        printf("failed: --peer %s: %s\n", optarg, why);
        return 2;
      }
      o.nbootstrap = 1;
      break;
    case O_TO: to = optarg; break;
    case O_DOC: doc_path = optarg; break;
    case O_TYPE: type = optarg; break;
    case O_LINGER: linger = atoi(optarg); break;
    case 'v': verbosity++; break;
    default: return 2;
    }
  }
  if (!config_path || !cert_path || !key_path || !o.nbootstrap || !to || !doc_path ||
      (strcmp(type, "config") != 0 && strcmp(type, "kind") != 0)) {
    fprintf(stderr, "usage: push_config --config CUR --cert C --key K --peer ADDR:PORT --to NODEID "
                    "--doc FILE [--type config|kind] [--linger MS] [-v]\n");
    return 2;
  }
  o.verbosity = verbosity;
  if (rl_config_load_file(config_path, &doc, &cerr) != 0) {
    printf("failed: %s\n", cerr.message);
    return 2;
  }
  o.config = &doc.configs[0];
  if (strlen(to) != 2u * o.config->node_id_length ||
      rl_nodeid_from_hex(to, id, o.config->node_id_length) != 0) {
    printf("failed: --to needs %u hex digits\n", 2u * o.config->node_id_length);
    return 2;
  }
  if (read_file(doc_path, &bytes, &len) != 0) {
    printf("failed: %s cannot be read\n", doc_path);
    return 2;
  }
  if (rl_credentials_load(cert_path, key_path, NULL, 0, &cred, &se) != 0) {
    printf("failed: credentials: %s\n", se.text);
    return 2;
  }
  o.cred = cred;
  signal(SIGPIPE, SIG_IGN);
  drv = rl_driver_new(&o, why, sizeof why);
  node = drv ? rl_driver_node(drv) : NULL;
  if (!node) {
    printf("failed: %s\n", why);
    return 2;
  }
  rl_driver_start(drv);
  t0 = rl_node_now(node);
  while (!rl_node_ready(node) && rl_node_now(node) - t0 < 10000) rl_driver_run_once(drv, 50);
  if (!rl_node_ready(node)) {
    printf("failed: could not connect to the peer\n");
    return 2;
  }
  rl_dest_node(&dest, id, o.config->node_id_length);
  memset(&body, 0, sizeof body);
  if (strcmp(type, "config") == 0) {
    body.config_update_req.type = RL_ConfigUpdateType_config;
    body.config_update_req.config_data.ptr = bytes;
    body.config_update_req.config_data.len = len;
  } else {
    kd.ptr = bytes;
    kd.len = len;
    body.config_update_req.type = RL_ConfigUpdateType_kind;
    body.config_update_req.kinds = &kd;
    body.config_update_req.kinds_count = 1;
  }
  memset(&ans, 0, sizeof ans);
  rc = rl_node_request(node, &dest, 1, RL_MessageCode_config_update_req, &body, on_answer, &ans);
  if (rc != 0) {
    printf("failed: request not sent: %s\n", rl_strerror(rc));
    return 2;
  }
  t0 = rl_node_now(node);
  while (!ans.done && rl_node_now(node) - t0 < 30000) rl_driver_run_once(drv, 50);
  printf("%s\n", ans.done ? ans.text : "failed: no answer");
  if (linger > 0) {
    t0 = rl_node_now(node);
    while (rl_node_now(node) - t0 < (uint64_t)linger) rl_driver_run_once(drv, 50);
    printf("sequence %u\n", (unsigned)rl_node_config(node)->sequence);
  }
  fflush(stdout);
  rl_driver_free(drv);
  rl_credentials_free(cred);
  rl_config_document_free(&doc);
  free(bytes);
  return !ans.done ? 2 : ans.status == 0 ? 0 : ans.status > 0 ? 1 : 2;
}
