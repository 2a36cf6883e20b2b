/* reload-peer: the reference RELOAD peer daemon (RFC 6940).
 *
 *   reload-peer --config overlay.xml --cert node.pem --key node.key
 *               [--listen ADDR:PORT] [--bootstrap ADDR:PORT]... [--first]
 *               [--link tls|dtls|dtls-ice|tcp-insecure|udp-insecure] [--insecure-tcp]
 *               [--keylog FILE] [-v|-q] [--status-file FILE] ...
 *
 * SIGTERM/SIGINT: leave the overlay cleanly (Leave to the neighbours, the
 * stored data to the peers that take it over) and exit. SIGUSR1: write the
 * status (JSON) to the status file or the log. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netdb.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "peer/breaks.h"
#include "peer/driver.h"
#include "peer/node.h"
#include "usage/sip_proxy.h"
#include "tools/addr.h"

static volatile sig_atomic_t g_stop, g_status;

static void on_signal(int sig) {
  if (sig == SIGUSR1)
    g_status = 1;
  else
    g_stop = 1;
}

static void usage(FILE *f) {
  fprintf(f,
          "usage: reload-peer --config FILE --cert FILE --key FILE [options]\n"
          "  --listen ADDR:PORT       where to accept links (default 127.0.0.1:0)\n"
          "  --bootstrap ADDR:PORT    a bootstrap node (repeatable; default: the\n"
          "                           configuration's bootstrap-node elements)\n"
          "  --first                  start a new overlay when no bootstrap node answers\n"
          "  --overlay NAME           which configuration of the document (default: first)\n"
          "  --link MODE              tls (TLS-TCP-FH-NO-ICE, the default), dtls\n"
          "                           (DTLS-UDP-SR-NO-ICE), dtls-ice (DTLS-UDP-SR: Attach\n"
          "                           with full ICE), tcp-insecure or udp-insecure\n"
          "                           (the framing without TLS: NO AUTHENTICATION, for\n"
          "                           debugging and packet captures only)\n"
          "  --insecure-tcp           the same as --link tcp-insecure\n"
          "  --stun ADDR[:PORT]       dtls-ice: STUN server for server-reflexive candidates\n"
          "  --turn ADDR[:PORT]       dtls-ice: TURN server (UDP) for relayed candidates,\n"
          "  --turn-user U --turn-password P   with these long-term credentials\n"
          "  --turn-service ADDR[:PORT]  the TURN server this peer offers (RFC 6940 9):\n"
          "                           stored after joining under Kind TURN-SERVICE (2) at\n"
          "                           H(Node-ID || d), d = 1..turn-density, and refreshed;\n"
          "                           refused for an RFC 1918, loopback or link-local\n"
          "                           address (9: SHOULD NOT) unless --turn-service-private\n"
          "  --turn-service-private   publish --turn-service even so (tests)\n"
          "  --turn-service-lifetime S  lifetime of those values (default 600 s); they\n"
          "                           are stored again after two thirds of it\n"
          "  --find-turn              dtls-ice without --turn: after joining, look for a\n"
          "                           TURN server in the overlay (random Resource-IDs,\n"
          "                           Find and Fetch of TURN-SERVICE) and use it for later\n"
          "                           ICE agents, with --turn-user/--turn-password (9\n"
          "                           carries no credentials)\n"
          "  --keylog FILE            append the TLS/DTLS session secrets to FILE (NSS key\n"
          "                           log format, for Wireshark; default: $SSLKEYLOGFILE)\n"
          "  --update-interval MS     Chord stabilization period (default: configuration)\n"
          "  --store-budget BYTES     storage limit (default 64 MiB)\n"
          "  --link-rate R[,BURST]    requests a link may originate a second, and its\n"
          "                           burst (default 2000,4000; 0: no limit); 16 times\n"
          "                           that for the peers of the Routing Table\n"
          "  --status-file FILE       keep the status there as JSON (rewritten when it changes)\n"
          "  --port-file FILE         write the listening port once listening\n"
          "  --sip-port PORT          SIP for local phones on this port (UDP and TCP, the host\n"
          "                           of --listen; 0: any): REGISTER stores the AOR in the\n"
          "                           overlay, calls are routed through it (RFC 7904)\n"
          "  --sip-cred CERT,KEY      a SIP user's credential: certificate with the user's\n"
          "                           AOR and this peer's Node-ID (repeatable)\n"
          "  --break RULE[,RULE...]   deliberately break rules of RFC 6940, for testing\n"
          "                           conformance suites (doc/conformance.md lists them)\n"
          "  --max-pending N          incoming links whose TLS handshake is not finished, at\n"
          "                           most (default 64); a newcomer evicts the oldest\n"
          "  --max-pending-per-addr N ... from one address or IPv6 /64 (default 32)\n"
          "  --reserve-outgoing N     Connection Table slots incoming links never take (32)\n"
          "  --reserve-authenticated N  slots unauthenticated links never take (64)\n"
          "  --pending-timeout MS     an incoming link's handshake must finish within (3000)\n"
          "  --log FILE               log here instead of stderr\n"
          "  -v, --verbose            more log (repeatable); -q, --quiet: errors only\n"
          "  --seed N                 fixed random seed (tests)\n");
}

/* 0, or -1 with errno set (the temporary file removed). */
static int write_file_atomic(const char *path, const char *text) {
  char tmp[4096];
  FILE *f;
  int bad, err;
  snprintf(tmp, sizeof tmp, "%s.tmp", path);
  f = fopen(tmp, "w");
  if (!f) return -1;
  bad = fputs(text, f) < 0 || fputc('\n', f) == EOF;
  err = errno;
  if (fclose(f) != 0 && !bad) {
    bad = 1;
    err = errno;
  }
  if (!bad && rename(tmp, path) == 0) return 0;
  if (!bad) err = errno;
  (void)unlink(tmp);
  errno = err;
  return -1;
}

/* --status-file: rewritten when the status changed. A write that fails
 * (no descriptor left, a full disk) is logged once per episode and tried
 * again at the next update, a second later, until it works. */
typedef struct status_writer {
  const char *path;
  char *last;        /* what the file holds */
  int failing;       /* errno of the failure episode; 0: none */
  unsigned failures; /* in the episode */
} status_writer;

static void status_file_write(status_writer *sf, FILE *log, char *js) {
  if (sf->last && strcmp(js, sf->last) == 0 && !sf->failing) {
    free(js);
    return;
  }
  if (write_file_atomic(sf->path, js) != 0) {
    if (!sf->failing) {
      sf->failing = errno ? errno : EIO;
      fprintf(log, "reload-peer: status file %s: %s; trying again every second\n", sf->path,
              strerror(sf->failing));
      fflush(log);
    }
    sf->failures++;
    free(js);
    return;
  }
  if (sf->failing) {
    fprintf(log, "reload-peer: status file %s written again (%u attempts failed: %s)\n", sf->path,
            sf->failures, strerror(sf->failing));
    fflush(log);
    sf->failing = 0;
    sf->failures = 0;
  }
  free(sf->last);
  sf->last = js;
}

/* The admission control options (rl_node_options). */
enum { O_MAX_PENDING = 512, O_PENDING_PER_ADDR, O_RESERVE_OUT, O_RESERVE_AUTH, O_PENDING_TIMEOUT };
#define ADMISSION_LONGOPTS                                                                         \
  {"max-pending", required_argument, 0, O_MAX_PENDING},                                           \
      {"max-pending-per-addr", required_argument, 0, O_PENDING_PER_ADDR},                         \
      {"reserve-outgoing", required_argument, 0, O_RESERVE_OUT},                                  \
      {"reserve-authenticated", required_argument, 0, O_RESERVE_AUTH},                            \
      {"pending-timeout", required_argument, 0, O_PENDING_TIMEOUT},

/* 1 when ch was one of them (set in o), 0 when not, -1 when arg is not a
 * number. */
static int admission_option(int ch, const char *arg, rl_node_options *o) {
  char *end;
  unsigned long long v;
  if (ch < O_MAX_PENDING || ch > O_PENDING_TIMEOUT) return 0;
  errno = 0;
  v = strtoull(arg, &end, 10);
  if (!*arg || *end || errno) return -1;
  switch (ch) {
  case O_MAX_PENDING: o->max_pending_links = (size_t)v; break;
  case O_PENDING_PER_ADDR: o->max_pending_per_addr = (size_t)v; break;
  case O_RESERVE_OUT: o->reserve_outgoing = (size_t)v; break;
  case O_RESERVE_AUTH: o->reserve_authenticated = (size_t)v; break;
  default: o->pending_timeout_ms = v; break;
  }
  return 1;
}

/* The ICE options (link mode dtls-ice, rl_node_options). */
enum { O_STUN = 600, O_TURN, O_TURN_USER, O_TURN_PASSWORD, O_TURN_SERVICE, O_TURN_PRIVATE,
       O_FIND_TURN, O_TURN_LIFETIME };
#define ICE_LONGOPTS                                                                               \
  {"stun", required_argument, 0, O_STUN}, {"turn", required_argument, 0, O_TURN},                 \
      {"turn-user", required_argument, 0, O_TURN_USER},                                           \
      {"turn-password", required_argument, 0, O_TURN_PASSWORD},                                   \
      {"turn-service", required_argument, 0, O_TURN_SERVICE},                                     \
      {"turn-service-private", no_argument, 0, O_TURN_PRIVATE},                                   \
      {"find-turn", no_argument, 0, O_FIND_TURN},                                                 \
      {"turn-service-lifetime", required_argument, 0, O_TURN_LIFETIME},

/* 1 when ch was one of them (set in o), 0 when not, -1 with a reason in
 * why. */
static int ice_option(int ch, const char *arg, rl_node_options *o, char *why, size_t whylen) {
  socklen_t len;
  switch (ch) {
  case O_STUN:
    return rl_tool_parse_addr(arg, 3478, &o->ice_stun, &len, why, whylen) == 0 ? 1 : -1;
  case O_TURN:
    return rl_tool_parse_addr(arg, 3478, &o->ice_turn, &len, why, whylen) == 0 ? 1 : -1;
  case O_TURN_USER: o->ice_turn_user = arg; return 1;
  case O_TURN_PASSWORD: o->ice_turn_password = arg; return 1;
  case O_TURN_SERVICE:
    return rl_tool_parse_addr(arg, 3478, &o->turn_service, &len, why, whylen) == 0 ? 1 : -1;
  case O_TURN_PRIVATE: o->turn_service_private = 1; return 1;
  case O_FIND_TURN: o->find_turn = 1; return 1;
  case O_TURN_LIFETIME: {
    char *end;
    unsigned long v = strtoul(arg, &end, 10);
    if (!*arg || *end || v < 3 || v > 86400) {
      snprintf(why, whylen, "--turn-service-lifetime: seconds, 3..86400");
      return -1;
    }
    o->turn_service_lifetime = (uint32_t)v;
    return 1;
  }
  default: return 0;
  }
}

/* The node's status, with the SIP usage's in "sip" (and its phone port
 * as "sip_port") when it runs, the driver's links in "links"
 * (rl_driver_links_json), and the STUN Binding requests it answered for
 * other nodes in "stun_answered" (6.5.1.4). */
static char *status_json(rl_node *node, rl_sip_proxy *sip) {
  char *js = rl_node_status_json(node), *sj, *lj, *out;
  rl_driver *drv = rl_driver_of(node);
  size_t n;
  if (!js || js[0] != '{') return js;
  lj = drv ? rl_driver_links_json(drv) : NULL;
  if (lj) {
    /* At the end of the object, after the node's members. */
    size_t jl = strlen(js);
    n = jl + strlen(lj) + 64;
    out = malloc(n);
    if (out && jl >= 2 && js[jl - 1] == '}') {
      snprintf(out, n, "%.*s%s\"links\":%s,\"stun_answered\":%llu}", (int)(jl - 1), js,
               jl == 2 ? "" : ",", lj, (unsigned long long)rl_driver_stun_answered(drv));
      free(js);
      js = out;
    } else {
      free(out);
    }
    free(lj);
  }
  if (!sip) return js;
  sj = rl_sip_proxy_status_json(sip);
  if (!sj) return js;
  n = strlen(js) + strlen(sj) + 64;
  out = malloc(n);
  if (out)
    snprintf(out, n, "{\"sip_port\":%u,\"sip\":%s%s%s", (unsigned)rl_sip_proxy_port(sip), sj,
             js[1] == '}' ? "" : ",", js + 1);
  free(sj);
  free(js);
  return out;
}

int main(int argc, char **argv) {
  const char *config_path = NULL, *cert_path = NULL, *key_path = NULL, *overlay = NULL;
  const char *status_file = NULL, *port_file = NULL, *log_path = NULL;
  uint8_t *config_bytes = NULL;
  rl_node_options o;
  rl_config_document doc;
  rl_config_error cerr;
  const rl_overlay_config *cfg;
  rl_credentials *cred = NULL;
  rl_sec_error se;
  rl_node *node;
  rl_driver *drv = NULL;
  int exit_code = 0;
  char why[512];
  int verbosity = 1, have_listen = 0, rc;
  int sip_port = -1;
  const char *sip_cred_arg[RL_SIP_PROXY_MAX_USERS];
  rl_credentials *sip_cred[RL_SIP_PROXY_MAX_USERS] = {NULL};
  size_t nsip_cred = 0;
  rl_sip_proxy *sip = NULL;
  uint64_t last_status = 0;
  status_writer sf = {NULL, NULL, 0, 0};
  enum { O_CONFIG = 256, O_CERT, O_KEY, O_LISTEN, O_BOOT, O_FIRST, O_OVERLAY, O_INSECURE,
         O_UPDATE, O_BUDGET, O_RATE, O_STATUS, O_PORTFILE, O_SIP, O_SIPCRED, O_BREAK, O_LOG, O_SEED, O_LINK, O_KEYLOG, O_HELP };
  static const struct option longopts[] = {
      {"config", required_argument, 0, O_CONFIG},   {"cert", required_argument, 0, O_CERT},
      {"key", required_argument, 0, O_KEY},         {"listen", required_argument, 0, O_LISTEN},
      {"bootstrap", required_argument, 0, O_BOOT},  {"first", no_argument, 0, O_FIRST},
      {"overlay", required_argument, 0, O_OVERLAY}, {"insecure-tcp", no_argument, 0, O_INSECURE},
      {"update-interval", required_argument, 0, O_UPDATE},
      {"store-budget", required_argument, 0, O_BUDGET},
      {"link-rate", required_argument, 0, O_RATE},
      {"status-file", required_argument, 0, O_STATUS},
      {"port-file", required_argument, 0, O_PORTFILE},
      {"sip-port", required_argument, 0, O_SIP},    {"break", required_argument, 0, O_BREAK},
      {"sip-cred", required_argument, 0, O_SIPCRED},
      {"log", required_argument, 0, O_LOG},         {"seed", required_argument, 0, O_SEED},
      {"verbose", no_argument, 0, 'v'},             {"quiet", no_argument, 0, 'q'},
      {"link", required_argument, 0, O_LINK},       {"keylog", required_argument, 0, O_KEYLOG},
      {"help", no_argument, 0, O_HELP},             ADMISSION_LONGOPTS ICE_LONGOPTS{0, 0, 0, 0}};
  int ch;

  rl_node_options_init(&o);
  while ((ch = getopt_long(argc, argv, "vq", longopts, NULL)) != -1) {
    int adm = admission_option(ch, optarg, &o);
    if (adm < 0) {
      fprintf(stderr, "reload-peer: %s: not a number\n", optarg);
      return 2;
    }
    if (adm > 0) continue;
    if ((adm = ice_option(ch, optarg, &o, why, sizeof why)) != 0) {
      if (adm > 0) continue;
      fprintf(stderr, "reload-peer: %s: %s\n", optarg, why);
      return 2;
    }
    switch (ch) {
    case O_CONFIG: config_path = optarg; break;
    case O_CERT: cert_path = optarg; break;
    case O_KEY: key_path = optarg; break;
    case O_LISTEN:
      if (rl_tool_parse_addr(optarg, 0, &o.listen_addr, &o.listen_len, why, sizeof why) != 0) {
        fprintf(stderr, "reload-peer: --listen %s: %s\n", optarg, why);
        return 2;
      }
      have_listen = 1;
      break;
    case O_BOOT:
      if (o.nbootstrap >= RL_NODE_MAX_BOOTSTRAP) {
        fprintf(stderr, "reload-peer: at most %d --bootstrap\n", RL_NODE_MAX_BOOTSTRAP);
        return 2;
      }
      if (rl_tool_parse_addr(optarg, 6084, &o.bootstrap[o.nbootstrap], &o.bootstrap_len[o.nbootstrap],
                             why, sizeof why) != 0) {
        fprintf(stderr, "reload-peer: --bootstrap %s: %s\n", optarg, why);
        return 2;
      }
      o.nbootstrap++;
      break;
    case O_FIRST: o.may_start_ring = 1; break;
    case O_OVERLAY: overlay = optarg; break;
    case O_INSECURE: o.link_mode = RL_LINK_TCP_INSECURE; break;
    case O_LINK:
      if (rl_tool_parse_link_mode(optarg, &o.link_mode, why, sizeof why) != 0) {
        fprintf(stderr, "reload-peer: --link %s\n", why);
        return 2;
      }
      break;
    case O_KEYLOG:
      if (rl_tool_keylog(optarg, why, sizeof why) != 0) {
        fprintf(stderr, "reload-peer: --keylog: %s\n", why);
        return 2;
      }
      break;
    case O_UPDATE: o.update_interval_ms = strtoull(optarg, NULL, 10); break;
    case O_BUDGET: o.store_budget = strtoull(optarg, NULL, 10); break;
    case O_RATE: {
      char *end;
      unsigned long rate = strtoul(optarg, &end, 10), burst = 2 * rate;
      if (*end == ',') burst = strtoul(end + 1, &end, 10);
      if (*end || rate > UINT32_MAX || burst > UINT32_MAX) {
        fprintf(stderr, "reload-peer: --link-rate %s: RATE or RATE,BURST\n", optarg);
        return 2;
      }
      o.link_rate = (uint32_t)rate;
      o.link_burst = (uint32_t)burst;
      break;
    }
    case O_STATUS: status_file = sf.path = optarg; break;
    case O_PORTFILE: port_file = optarg; break;
    case O_SIP: {
      char *end;
      long v = strtol(optarg, &end, 10);
      if (*end || v < 0 || v > 65535) {
        fprintf(stderr, "reload-peer: --sip-port %s: not a port\n", optarg);
        return 2;
      }
      sip_port = (int)v;
      break;
    }
    case O_SIPCRED:
      if (nsip_cred >= RL_SIP_PROXY_MAX_USERS || !strchr(optarg, ',')) {
        fprintf(stderr, "reload-peer: --sip-cred CERT,KEY (at most %d)\n", RL_SIP_PROXY_MAX_USERS);
        return 2;
      }
      sip_cred_arg[nsip_cred++] = optarg;
      break;
    case O_BREAK: {
      char bad[128];
      if (rl_breaks_parse(optarg, &o.breaks, bad, sizeof bad) != 0) {
        fprintf(stderr, "reload-peer: --break: %s (%s)\n", bad, rl_breaks_all());
        return 2;
      }
      break;
    }
    case O_LOG: log_path = optarg; break;
    case O_SEED: o.seed = strtoull(optarg, NULL, 0); break;
    case 'v': verbosity++; break;
    case 'q': verbosity = 0; break;
    case O_HELP: usage(stdout); return 0;
    default: usage(stderr); return 2;
    }
  }
  if (!config_path || !cert_path || !key_path) {
    usage(stderr);
    return 2;
  }
  o.verbosity = verbosity;
  if (log_path) {
    o.log = fopen(log_path, "a");
    if (!o.log) {
      fprintf(stderr, "reload-peer: %s: %s\n", log_path, strerror(errno));
      return 1;
    }
  }
  if (!have_listen) rl_tool_parse_addr("127.0.0.1:0", 0, &o.listen_addr, &o.listen_len, why, sizeof why);
  if (rl_config_load_file(config_path, &doc, &cerr) != 0) {
    fprintf(stderr, "reload-peer: %s: %s\n", config_path, cerr.message);
    return 1;
  }
  /* The document's bytes: what a ConfigUpdate pushes to nodes whose
   * configuration is older (6.3.2.1). */
  {
    FILE *cf = fopen(config_path, "rb");
    if (cf) {
      size_t cap = 1 << 16, len = 0, r;
      config_bytes = malloc(cap);
      while (config_bytes && (r = fread(config_bytes + len, 1, cap - len, cf)) > 0) {
        len += r;
        if (len == cap) {
          uint8_t *nb = realloc(config_bytes, cap * 2);
          if (!nb) break;
          config_bytes = nb;
          cap *= 2;
        }
      }
      fclose(cf);
      o.config_doc = config_bytes;
      o.config_doc_len = config_bytes ? len : 0;
    }
  }
  cfg = overlay ? rl_config_find(&doc, overlay) : &doc.configs[0];
  if (!cfg) {
    fprintf(stderr, "reload-peer: %s: no configuration for overlay '%s'\n", config_path, overlay);
    goto fail;
  }
  if (rl_credentials_load(cert_path, key_path, NULL, 0, &cred, &se) != 0) {
    fprintf(stderr, "reload-peer: credentials: %s\n", se.text);
    goto fail;
  }
  if (o.link_mode == RL_LINK_TCP_INSECURE || o.link_mode == RL_LINK_UDP_INSECURE)
    fprintf(stderr, "reload-peer: WARNING: %s: links are not authenticated or encrypted\n",
            o.link_mode == RL_LINK_TCP_INSECURE ? "--insecure-tcp" : "--link udp-insecure");
  if (o.find_turn && (o.link_mode != RL_LINK_DTLS_ICE || o.ice_turn.ss_family ||
                      !o.ice_turn_user || !o.ice_turn_password)) {
    fprintf(stderr, "reload-peer: --find-turn needs --link dtls-ice, --turn-user and "
                    "--turn-password, and no --turn\n");
    goto fail;
  }
  o.config = cfg;
  o.cred = cred;
  drv = rl_driver_new(&o, why, sizeof why);
  node = drv ? rl_driver_node(drv) : NULL;
  if (!node) {
    fprintf(stderr, "reload-peer: %s\n", why);
    goto fail;
  }
  signal(SIGTERM, on_signal);
  signal(SIGINT, on_signal);
  signal(SIGUSR1, on_signal);
  signal(SIGPIPE, SIG_IGN);
  if (rl_driver_start(drv) != 0) goto fail;
  if (sip_port >= 0) {
    rl_sip_proxy_options so;
    memset(&so, 0, sizeof so);
    so.node = node;
    so.addr = o.listen_addr;
    so.addr_len = o.listen_len;
    if (so.addr.ss_family == AF_INET6)
      ((struct sockaddr_in6 *)&so.addr)->sin6_port = htons((uint16_t)sip_port);
    else
      ((struct sockaddr_in *)&so.addr)->sin_port = htons((uint16_t)sip_port);
    for (size_t i = 0; i < nsip_cred; i++) {
      char path[4096], *comma;
      snprintf(path, sizeof path, "%s", sip_cred_arg[i]);
      comma = strchr(path, ',');
      *comma = 0;
      if (rl_credentials_load(path, comma + 1, NULL, 0, &sip_cred[i], &se) != 0) {
        fprintf(stderr, "reload-peer: --sip-cred %s: %s\n", sip_cred_arg[i], se.text);
        goto fail;
      }
      so.users[so.nusers++] = sip_cred[i];
    }
    so.log = o.log;
    so.verbosity = verbosity;
    sip = rl_sip_proxy_new(&so, why, sizeof why);
    if (!sip) {
      fprintf(stderr, "reload-peer: SIP: %s\n", why);
      goto fail;
    }
  }
  if (port_file) {
    struct sockaddr_storage ss;
    socklen_t len;
    char text[32];
    if (rl_node_listen_addr(node, &ss, &len) == 0) {
      int port = ss.ss_family == AF_INET6 ? ntohs(((struct sockaddr_in6 *)&ss)->sin6_port)
                                          : ntohs(((struct sockaddr_in *)&ss)->sin_port);
      snprintf(text, sizeof text, "%d", port);
      write_file_atomic(port_file, text);
    }
  }
  for (;;) {
    rc = rl_driver_run_once(drv, 100);
    if (rc != 0) {
      fprintf(stderr, "reload-peer: event loop: %s\n", rl_strerror(rc));
      break;
    }
    if (g_stop == 1) {
      g_stop = 2;
      if (sip) rl_sip_proxy_unregister_all(sip);
      rl_node_leave(node);
    }
    if (g_stop == 2 && rl_node_left(node)) break;
    if (g_status || (status_file && rl_node_now(node) - last_status >= 1000)) {
      char *js = status_json(node, sip);
      last_status = rl_node_now(node);
      if (js && status_file) {
        /* Rewritten only when it changed: a file replaced every second by
         * every peer of an idle overlay costs a rename (and, on a disk
         * mounted with discard, a synchronous discard) for nothing. */
        status_file_write(&sf, o.log ? o.log : stderr, js);
        js = NULL;
      } else if (js && g_status) {
        fprintf(o.log ? o.log : stderr, "%s\n", js);
      }
      free(js);
      g_status = 0;
    }
  }
  if (status_file) {
    char *js = status_json(node, sip);
    if (js) status_file_write(&sf, o.log ? o.log : stderr, js);
  }
  if (0) {
  fail:
    /* An error after the configuration was read: everything is freed
     * (a sanitizer build then reports no leak for a refused start). */
    exit_code = 1;
  }
  free(sf.last);
  rl_sip_proxy_free(sip);
  rl_driver_free(drv);
  for (size_t i = 0; i < nsip_cred; i++) rl_credentials_free(sip_cred[i]);
  rl_credentials_free(cred);
  rl_config_document_free(&doc);
  free(config_bytes);
  if (log_path && o.log) fclose(o.log);
  return exit_code;
}
