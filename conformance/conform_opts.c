/* conform_opts.c: see conform_opts.h. */
#define _POSIX_C_SOURCE 200809L
#include "conform_opts.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/tls.h"
#include "runtime/error.h"
#include "tool_util.h"

#ifndef RL_CONF_DATADIR
#define RL_CONF_DATADIR "conformance"
#endif
#ifndef RL_CONF_VERSION
#define RL_CONF_VERSION "?"
#endif

#define warn rl_tool_warn



static void usage(FILE *f) {
  fprintf(f,
          "Usage: reload-conform [OPTIONS] [SCENARIO|DIRECTORY...]\n"
          "Run conformance scenarios against a RELOAD (RFC 6940) implementation.\n"
          "Scenarios: the .scen files given, or in the directories given\n"
          "(default " RL_CONF_DATADIR "/tests, or conformance/tests of the\n"
          "build tree when this program runs from one).\n\n"
          "Or check a capture of any two implementations' traffic, passively:\n"
          "      --pcap FILE            pcap or pcapng, RELOAD over plain TCP (framed or\n"
          "                             not) or UDP: every message against the rules one\n"
          "                             message or a request and its answer can show\n"
          "      --port N               the RELOAD port in the capture (default 6084)\n\n"
          "Where the implementation is:\n"
          "  -t, --target HOST:PORT     the implementation under test\n"
          "      --link tls|tcp|tcp-unframed|dtls|dtls-ice\n"
          "                             TLS with the framing header (default), TCP\n"
          "                             with framing, TCP without it,\n"
          "                             DTLS-UDP-SR-NO-ICE, or DTLS-UDP-SR: each\n"
          "                             connection an Attach with full ICE over a\n"
          "                             direct DTLS link, then DTLS over the pair\n"
          "      --link-max-message-size N\n"
          "                             the largest message we send or accept (default\n"
          "                             --max-message-size + 65536: the oversize tests\n"
          "                             send more than the target's maximum)\n"
          "      --keylog FILE          append the TLS session secrets to FILE (NSS key\n"
          "                             log format, for Wireshark; default: $SSLKEYLOGFILE)\n"
          "      --transport script:FILE\n"
          "                             no network: answer from a responder script\n"
          "The overlay:\n"
          "  -o, --overlay NAME         overlay name (default overlay.example.org)\n"
          "      --node-id-length N     NodeIdLength, 16..20 (default 16)\n"
          "      --config FILE          the target's overlay configuration (RFC 6940 11.1):\n"
          "                             overlay name, sequence, NodeIdLength, sizes, root\n"
          "                             certificates, USER-MATCH Kinds for the storage tests;\n"
          "                             the options here override it\n"
          "      --config-seq N         configuration_sequence to send (default 1; the\n"
          "                             sequence tests skip unless it is given or known)\n"
          "      --initial-ttl N        TTL of new requests (default 100)\n"
          "      --max-message-size N   the overlay's max-message-size (default 5000)\n"
          "  -p, --param WORD           decoding parameter (kind.1234=dictionary)\n"
          "      --kind MODEL=ID        the Kinds the storage tests use: single_value,\n"
          "                             array, dictionary (USER-MATCH, defaults\n"
          "                             0xf0000001..3) and unknown (one the target\n"
          "                             does not know, default 0xfffffffe)\n"
          "      --target-kind peer|client\n"
          "                             what the target is (default peer)\n"
          "Credentials and signatures:\n"
          "      --ca FILE              root certificate the target's chain to\n"
          "      --cert FILE --key FILE our node certificate and key (messages are\n"
          "                             signed; without them they are not)\n"
          "      --user NAME            user name without --cert (default\n"
          "                             conformance@example.org)\n"
          "      --node-id HEX          the Node-ID to act as (default: the\n"
          "                             certificate's, or random)\n"
          "      --target-node-id HEX   the target's Node-ID (tests that address it\n"
          "                             are skipped without it)\n"
          "      --verify-signatures    a bad signature on an answer fails the test\n"
          "      --report-signatures    only report it (default)\n"
          "      --no-preflight         no Ping and target summary before the tests\n"
          "      --signer-identity auto|none|cert_hash|raw:HEX\n"
          "                             the SignerIdentity our signatures carry (6.3.4),\n"
          "                             to get past a target that expects another\n"
          "      --lenient              take an answer with a wrong transaction_id by its\n"
          "                             connection and message code, so that the test\n"
          "                             goes on (it still fails, naming the deviation)\n"
          "What to run and report:\n"
          "      --tests PATTERN[,...]  only these test IDs (shell patterns)\n"
          "  -g, --group NAME[,...]     only these groups\n"
          "      --timeout SECONDS      wait for each expected message (default 5)\n"
          "      --requirements FILE    the requirements table (default\n"
          "                             requirements-rfc6940.tsv beside the tests)\n"
          "      --tap FILE             write a TAP report\n"
          "      --junit FILE           write a JUnit XML report\n"
          "      --json FILE            write a JSON report (every test, its requirements,\n"
          "                             verdict, reason, the messages sent and received)\n"
          "      --html FILE            write a self-contained HTML report\n"
          "      --coverage             print requirement coverage by RFC section\n"
          "  -l, --list                 list the tests and exit\n"
          "      --check-templates      build every message the tests would send\n"
          "                             (dummy values for captures) and exit\n"
          "  -v, --verbose              the requirements of every test too\n"
          "      --no-progress          no progress line on a terminal\n"
          "      --seed N               random numbers (transaction IDs) from N\n"
          "  -h, --help                 this help\n"
          "  -V, --version              version\n"
          "Exit status: 0 nothing failed, 1 some test failed, 2 usage or setup error.\n");
}

static int parse_ulong(const char *opt, const char *s, unsigned long lo, unsigned long hi,
                       unsigned long *out) {
  char *end;
  unsigned long v;
  errno = 0;
  v = strtoul(s, &end, 0);
  if (errno || *end || !*s || *s == '-' || v < lo || v > hi) {
    warn("%s %s: expected a number %lu..%lu", opt, s, lo, hi);
    return -1;
  }
  *out = v;
  return 0;
}

enum {
  O_LINK = 256, O_TRANSPORT, O_NIDLEN, O_CSEQ, O_TTL, O_MAXMSG, O_CA, O_CERT, O_KEY, O_NODEID,
  O_TNODEID, O_VERIFY, O_REPORT, O_TESTS, O_TIMEOUT, O_REQS, O_TAP, O_JUNIT, O_COVERAGE,
  O_NOPROGRESS, O_SEED, O_CHECK, O_KIND, O_USER, O_TKIND, O_LINKMAX, O_LENIENT, O_NOPREFLIGHT,
  O_CONFIG, O_JSON, O_HTML, O_PCAP, O_PORT, O_SIGNER_ID, O_KEYLOG
};

/* --kind MODEL=ID */
static int parse_kind(rl_conf_opts *o, const char *arg) {
  const char *eq = strchr(arg, '=');
  unsigned long *slot = NULL;
  size_t n = eq ? (size_t)(eq - arg) : 0;
  int *known = NULL;
  if (n == 12 && strncmp(arg, "single_value", n) == 0) slot = &o->kind_single;
  else if (n == 6 && strncmp(arg, "single", n) == 0) slot = &o->kind_single;
  else if (n == 5 && strncmp(arg, "array", n) == 0) slot = &o->kind_array;
  else if (n == 10 && strncmp(arg, "dictionary", n) == 0) slot = &o->kind_dictionary;
  known = slot == &o->kind_single ? &o->kind_single_known
          : slot == &o->kind_array ? &o->kind_array_known
          : slot == &o->kind_dictionary ? &o->kind_dictionary_known
                                      : NULL;
  if (known) *known = 1;
  else if (n == 7 && strncmp(arg, "unknown", n) == 0) slot = &o->kind_unknown;
  if (!slot) {
    warn("--kind %s: expected single_value=ID, array=ID, dictionary=ID or unknown=ID", arg);
    return -1;
  }
  return parse_ulong("--kind", eq + 1, 1, 0xffffffffUL, slot);
}

static int parse_args(rl_conf_opts *o, int argc, char **argv) {
  static const struct option lo[] = {
      {"target", required_argument, NULL, 't'},
      {"link", required_argument, NULL, O_LINK},
      {"transport", required_argument, NULL, O_TRANSPORT},
      {"link-max-message-size", required_argument, NULL, O_LINKMAX},
      {"overlay", required_argument, NULL, 'o'},
      {"node-id-length", required_argument, NULL, O_NIDLEN},
      {"config-seq", required_argument, NULL, O_CSEQ},
      {"config", required_argument, NULL, O_CONFIG},
      {"json", required_argument, NULL, O_JSON},
      {"pcap", required_argument, NULL, O_PCAP},
      {"keylog", required_argument, NULL, O_KEYLOG},
      {"signer-identity", required_argument, NULL, O_SIGNER_ID},
      {"port", required_argument, NULL, O_PORT},
      {"html", required_argument, NULL, O_HTML},
      {"initial-ttl", required_argument, NULL, O_TTL},
      {"max-message-size", required_argument, NULL, O_MAXMSG},
      {"param", required_argument, NULL, 'p'},
      {"ca", required_argument, NULL, O_CA},
      {"cert", required_argument, NULL, O_CERT},
      {"key", required_argument, NULL, O_KEY},
      {"node-id", required_argument, NULL, O_NODEID},
      {"target-node-id", required_argument, NULL, O_TNODEID},
      {"verify-signatures", no_argument, NULL, O_VERIFY},
      {"report-signatures", no_argument, NULL, O_REPORT},
      {"lenient", no_argument, NULL, O_LENIENT},
      {"no-preflight", no_argument, NULL, O_NOPREFLIGHT},
      {"tests", required_argument, NULL, O_TESTS},
      {"group", required_argument, NULL, 'g'},
      {"timeout", required_argument, NULL, O_TIMEOUT},
      {"requirements", required_argument, NULL, O_REQS},
      {"tap", required_argument, NULL, O_TAP},
      {"junit", required_argument, NULL, O_JUNIT},
      {"coverage", no_argument, NULL, O_COVERAGE},
      {"list", no_argument, NULL, 'l'},
      {"verbose", no_argument, NULL, 'v'},
      {"no-progress", no_argument, NULL, O_NOPROGRESS},
      {"seed", required_argument, NULL, O_SEED},
      {"check-templates", no_argument, NULL, O_CHECK},
      {"kind", required_argument, NULL, O_KIND},
      {"user", required_argument, NULL, O_USER},
      {"target-kind", required_argument, NULL, O_TKIND},
      {"help", no_argument, NULL, 'h'},
      {"version", no_argument, NULL, 'V'},
      {NULL, 0, NULL, 0}};
  int c;
  char err[256];
  unsigned long v;
  while ((c = getopt_long(argc, argv, "t:o:p:g:lvhV", lo, NULL)) != -1) {
    switch (c) {
    case 't': o->target = optarg; break;
    case O_LINK:
      if (strcmp(optarg, "tls") && strcmp(optarg, "tcp") && strcmp(optarg, "tcp-unframed") &&
          strcmp(optarg, "dtls") && strcmp(optarg, "dtls-ice")) {
        warn("--link %s: expected tls, tcp, tcp-unframed, dtls or dtls-ice", optarg);
        return EXIT_USAGE;
      }
      o->link = optarg;
      break;
    case O_TRANSPORT:
      if (strncmp(optarg, "script:", 7) != 0 || !optarg[7]) {
        warn("--transport %s: expected script:FILE", optarg);
        return EXIT_USAGE;
      }
      o->transport = optarg + 7;
      break;
    case 'o': o->overlay = optarg; break;
    case O_NIDLEN:
      if (parse_ulong("--node-id-length", optarg, 16, 20, &o->node_id_len)) return EXIT_USAGE;
      break;
    case O_CSEQ:
      if (parse_ulong("--config-seq", optarg, 0, 65535, &o->config_seq)) return EXIT_USAGE;
      o->config_seq_known = 1;
      break;
    case O_CONFIG: break; /* read before the others (apply_config) */
    case O_JSON: o->json = optarg; break;
    case O_PCAP: o->pcap = optarg; break;
    case O_KEYLOG:
      /* net/tls.h: every TLS context made afterwards logs to it. */
      if (rl_tls_keylog_open(optarg, err, sizeof err) != 0) {
        warn("--keylog: %s", err);
        return EXIT_USAGE;
      }
      break;
    case O_SIGNER_ID: o->signer_identity = optarg; break;
    case O_PORT:
      if (parse_ulong("--port", optarg, 1, 65535, &o->pcap_port)) return EXIT_USAGE;
      break;
    case O_HTML: o->html = optarg; break;
    case O_TTL:
      if (parse_ulong("--initial-ttl", optarg, 1, 255, &o->initial_ttl)) return EXIT_USAGE;
      break;
    case O_MAXMSG:
      if (parse_ulong("--max-message-size", optarg, 64, 0xffffffUL, &o->max_message_size))
        return EXIT_USAGE;
      break;
    case O_LINKMAX:
      if (parse_ulong("--link-max-message-size", optarg, 64, 0xffffffUL, &o->link_max))
        return EXIT_USAGE;
      break;
    case 'p':
      if (rl_param_set_parse(&o->params, optarg, err, sizeof err) != 0) {
        warn("--param %s: %s", optarg, err);
        return EXIT_USAGE;
      }
      break;
    case O_CA: o->ca = optarg; break;
    case O_CERT: o->cert = optarg; break;
    case O_KEY: o->key = optarg; break;
    case O_NODEID: o->node_id = optarg; break;
    case O_TNODEID: o->target_node_id = optarg; break;
    case O_VERIFY: o->verify = 1; break;
    case O_LENIENT: o->lenient = 1; break;
    case O_NOPREFLIGHT: o->no_preflight = 1; break;
    case O_REPORT: o->verify = 0; break;
    case O_TESTS: o->tests = optarg; break;
    case 'g': o->groups = optarg; break;
    case O_TIMEOUT:
      if (parse_ulong("--timeout", optarg, 1, 3600, &o->timeout_s)) return EXIT_USAGE;
      break;
    case O_REQS: o->requirements = optarg; break;
    case O_TAP: o->tap = optarg; break;
    case O_JUNIT: o->junit = optarg; break;
    case O_COVERAGE: o->coverage = 1; break;
    case 'l': o->list = 1; break;
    case 'v': o->verbose = 1; break;
    case O_NOPROGRESS: o->progress = 0; break;
    case O_SEED:
      if (parse_ulong("--seed", optarg, 1, (unsigned long)-1, &v)) return EXIT_USAGE;
      o->seed = v;
      break;
    case O_CHECK: o->check = 1; break;
    case O_KIND:
      if (parse_kind(o, optarg) != 0) return EXIT_USAGE;
      break;
    case O_USER: o->user = optarg; break;
    case O_TKIND:
      if (strcmp(optarg, "peer") && strcmp(optarg, "client")) {
        warn("--target-kind %s: expected peer or client", optarg);
        return EXIT_USAGE;
      }
      o->target_kind = optarg;
      break;
    case 'h': usage(stdout); return -1;
    case 'V': printf("reload-conform (reload) %s\n", RL_CONF_VERSION); return -1;
    default: usage(stderr); return EXIT_USAGE;
    }
  }
  if ((o->cert != NULL) != (o->key != NULL)) {
    warn("--cert and --key go together");
    return EXIT_USAGE;
  }
  return 0;
}

/* --config FILE, read before the other options so that they override
 * what it says: the instance name, configuration sequence,
 * NodeIdLength, max-message-size and initial-ttl, and for the storage
 * tests a USER-MATCH Kind of each data model (7.3.1; the tests store
 * under the user's own Resource-ID). Its root certificates are the trust
 * anchors unless --ca is given (setup_identity). */
static int apply_config(rl_conf_opts *o, int argc, char **argv) {
  rl_config_error err;
  const rl_overlay_config *c;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--config") == 0 && i + 1 < argc) o->config = argv[i + 1];
    else if (strncmp(argv[i], "--config=", 9) == 0) o->config = argv[i] + 9;
    else if (strcmp(argv[i], "--") == 0) break;
  }
  if (!o->config) return 0;
  if (rl_config_load_file(o->config, &o->doc, &err) != 0) {
    warn("--config %s: %s", o->config, err.message);
    return -1;
  }
  /* 11.1: the current configuration is the last one. */
  c = o->cfg = o->doc.nconfigs ? &o->doc.configs[o->doc.nconfigs - 1] : NULL;
  if (!c) {
    warn("--config %s: no <configuration> element", o->config);
    return -1;
  }
  o->overlay = c->instance_name;
  if (c->has_sequence) {
    o->config_seq = c->sequence;
    o->config_seq_known = 1;
  }
  o->node_id_len = c->node_id_length;
  o->max_message_size = c->max_message_size;
  o->initial_ttl = c->initial_ttl;
  for (size_t i = c->nkinds; i-- > 0;) {
    const rl_config_kind *k = &c->kinds[i];
    if (!k->id_known || k->policy != RL_ACCESS_USER_MATCH) continue;
    if (k->model == RL_DataModel_single_value) {
      o->kind_single = k->id;
      o->kind_single_known = 1;
    } else if (k->model == RL_DataModel_array) {
      o->kind_array = k->id;
      o->kind_array_known = 1;
    } else if (k->model == RL_DataModel_dictionary) {
      o->kind_dictionary = k->id;
      o->kind_dictionary_known = 1;
    }
  }
  while (rl_config_kind_find(c, (uint32_t)o->kind_unknown)) o->kind_unknown--;
  return 0;
}

void rl_conf_opts_init(rl_conf_opts *o) {
  memset(o, 0, sizeof *o);
  o->link = "tls";
  o->overlay = "overlay.example.org";
  o->node_id_len = 16;
  o->config_seq = 1;
  o->initial_ttl = 100;
  o->max_message_size = 5000;
  o->timeout_s = 5;
  o->progress = 1;
  o->kind_single = 0xf0000001UL;
  o->kind_array = 0xf0000002UL;
  o->kind_dictionary = 0xf0000003UL;
  o->kind_unknown = 0xfffffffeUL;
  o->user = "conformance@example.org";
  o->target_kind = "peer";
  rl_param_set_init(&o->params);
}

int rl_conf_opts_parse(rl_conf_opts *o, int argc, char **argv) {
  if (apply_config(o, argc, argv) != 0) return EXIT_USAGE;
  return parse_args(o, argc, argv);
}
