/* reload-ca: an overlay's certificate authority (RFC 6940 11.3, 11.3.1).
 *
 *   reload-ca init --dir D --overlay NAME          a CA key and certificate
 *   reload-ca issue --dir D --user U [--nodes N]   a node certificate
 *   reload-ca self-signed --dir D --user U ...     self-generated credentials
 *   reload-ca show CERT...                         the RELOAD identities
 *   reload-ca verify (--dir D | --root F | --config F) CERT [CHAIN...]
 *   reload-ca config --dir D [--bootstrap A:P]...  an overlay configuration
 *   reload-ca sign-config --dir D --config IN --signer NAME   sign it (11.1)
 *   reload-ca verify-config --config FILE [--previous FILE]   check its signature
 *   reload-ca sign-kind --dir D --signer NAME --kind SPEC     a signed kind-block
 *
 * See reload-ca(1). Output is "key value" lines, for people and scripts. */
#define _GNU_SOURCE /* getopt_long */

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <arpa/inet.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "overlay/config.h"
#include "overlay/config_sign.h"
#include "runtime/error.h"
#include "security/ca.h"
#include "security/cert.h"
#include "security/credentials.h"
#include "security/error.h"
#include "security/trust.h"

#define MAX_LIST 64

static const char usage_text[] =
    "usage: reload-ca COMMAND [OPTIONS]\n"
    "  init --dir D --overlay NAME [--days N] [--key-type rsa|ec] [--bits B] [--force]\n"
    "  issue --dir D --user U [--nodes N] [--node-id HEX]... [--node-id-length L]\n"
    "        [--days N] [--key-type rsa|ec] [--bits B] [--key FILE] [--out NAME]\n"
    "  self-signed --dir D --user U [--overlay NAME] [--nodes N] [--digest sha1|sha256]\n"
    "        [--node-id-length L] [--days N] [--key-type rsa|ec] [--bits B] [--key FILE]\n"
    "        [--out NAME]\n"
    "  show [--overlay NAME] CERT...\n"
    "  verify (--dir D | --root CERT... | --config FILE) [--overlay NAME]\n"
    "        [--node-id-length L] [--self-signed sha1|sha256] [--node-id HEX] [--at SECONDS]\n"
    "        CERT [INTERMEDIATE...]\n"
    "  config --dir D [--bootstrap ADDR[:PORT]]... [--node-id-length L] [--sequence N]\n"
    "        [--self-signed sha1|sha256] [--no-root] [--kind ID,MODEL,POLICY,COUNT,SIZE[,MULT]]...\n"
    "        [--signer NAME]... [--replication-factor N] [--turn-density N] [--out FILE]\n"
    "  sign-config --dir D --config IN --signer NAME [--overlay NAME] [--out OUT]\n"
    "  verify-config --config FILE [--previous FILE] [--overlay NAME]\n"
    "  sign-kind --dir D --signer NAME --kind ID,MODEL,POLICY,COUNT,SIZE[,MULT] [--out FILE]\n"
    "See reload-ca(1).\n";

typedef struct opts {
  const char *dir, *overlay, *user, *out, *key, *config, *digest, *self_signed, *previous;
  int ec; /* --key-type ec: P-256 keys instead of RSA */
  int nodes, node_id_length, days, bits, force, no_root, sequence, replication_factor;
  int turn_density; /* -1: absent (11.1: 1) */
  long long at;
  const char *node_ids[MAX_LIST];
  int n_node_ids;
  const char *roots[MAX_LIST];
  int n_roots;
  const char *bootstrap[MAX_LIST];
  int n_bootstrap;
  const char *kinds[MAX_LIST];
  int n_kinds;
  const char *signers[MAX_LIST];
  int n_signers;
  char **args;
  int nargs;
} opts;

static int fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int fail(const char *fmt, ...) {
  va_list ap;
  fputs("reload-ca: ", stderr);
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fputc('\n', stderr);
  return 1;
}

static int sec_fail(const rl_sec_error *e) {
  return fail("%s", e->text[0] ? e->text : rl_sec_strerror(e->code));
}

static int push(const char **list, int *n, const char *v, const char *what) {
  if (*n >= MAX_LIST) return fail("too many %s (at most %d)", what, MAX_LIST);
  list[(*n)++] = v;
  return 0;
}

static int number(const char *s, long lo, long hi, const char *what, int *out) {
  char *end = NULL;
  long v;
  errno = 0;
  v = strtol(s, &end, 10);
  if (errno || !end || *end || end == s || v < lo || v > hi)
    return fail("%s: \"%s\" is not a number in %ld..%ld", what, s, lo, hi);
  *out = (int)v;
  return 0;
}

/* A new key of the kind the options ask for. */
static int new_key(const opts *o, EVP_PKEY **key, rl_sec_error *e) {
  return o->ec ? rl_key_generate_ec(key, e) : rl_key_generate_rsa(o->bits, key, e);
}

static int parse_opts(int argc, char **argv, opts *o) {
  enum { O_DIR = 256, O_OVERLAY, O_USER, O_NODES, O_NODE_ID, O_LEN, O_DAYS, O_BITS, O_KEY,
         O_OUT, O_FORCE, O_DIGEST, O_ROOT, O_CONFIG, O_SELF, O_AT, O_BOOT, O_SEQ, O_NOROOT,
         O_KIND, O_SIGNER, O_PREVIOUS, O_KEY_TYPE, O_REPL, O_TURN_DENSITY, O_HELP };
  static const struct option longopts[] = {
      {"dir", required_argument, NULL, O_DIR},         {"overlay", required_argument, NULL, O_OVERLAY},
      {"user", required_argument, NULL, O_USER},       {"nodes", required_argument, NULL, O_NODES},
      {"node-id", required_argument, NULL, O_NODE_ID}, {"node-id-length", required_argument, NULL, O_LEN},
      {"days", required_argument, NULL, O_DAYS},       {"bits", required_argument, NULL, O_BITS},
      {"key", required_argument, NULL, O_KEY},         {"out", required_argument, NULL, O_OUT},
      {"force", no_argument, NULL, O_FORCE},           {"digest", required_argument, NULL, O_DIGEST},
      {"root", required_argument, NULL, O_ROOT},       {"config", required_argument, NULL, O_CONFIG},
      {"self-signed", required_argument, NULL, O_SELF}, {"at", required_argument, NULL, O_AT},
      {"bootstrap", required_argument, NULL, O_BOOT},  {"sequence", required_argument, NULL, O_SEQ},
      {"no-root", no_argument, NULL, O_NOROOT},        {"kind", required_argument, NULL, O_KIND},
      {"signer", required_argument, NULL, O_SIGNER},   {"previous", required_argument, NULL, O_PREVIOUS},
      {"key-type", required_argument, NULL, O_KEY_TYPE},
      {"replication-factor", required_argument, NULL, O_REPL},
      {"turn-density", required_argument, NULL, O_TURN_DENSITY},
      {"help", no_argument, NULL, O_HELP},             {NULL, 0, NULL, 0}};
  int c, r = 0;
  memset(o, 0, sizeof *o);
  o->node_id_length = 0; /* 0: from --node-id, else 16 */
  o->sequence = -1;
  o->turn_density = -1;
  optind = 1;
  while (r == 0 && (c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
    switch (c) {
    case O_DIR: o->dir = optarg; break;
    case O_OVERLAY: o->overlay = optarg; break;
    case O_USER: o->user = optarg; break;
    case O_NODES: r = number(optarg, 1, MAX_LIST, "--nodes", &o->nodes); break;
    case O_NODE_ID: r = push(o->node_ids, &o->n_node_ids, optarg, "--node-id"); break;
    case O_LEN: r = number(optarg, 16, 20, "--node-id-length", &o->node_id_length); break;
    case O_DAYS: r = number(optarg, 1, 36500, "--days", &o->days); break;
    case O_BITS: r = number(optarg, 1024, 16384, "--bits", &o->bits); break;
    case O_KEY: o->key = optarg; break;
    case O_OUT: o->out = optarg; break;
    case O_FORCE: o->force = 1; break;
    case O_DIGEST: o->digest = optarg; break;
    case O_ROOT: r = push(o->roots, &o->n_roots, optarg, "--root"); break;
    case O_CONFIG: o->config = optarg; break;
    case O_SELF: o->self_signed = optarg; break;
    case O_AT: {
      char *end = NULL;
      o->at = strtoll(optarg, &end, 10);
      if (!end || *end || o->at <= 0) r = fail("--at: \"%s\" is not seconds since 1970", optarg);
      break;
    }
    case O_BOOT: r = push(o->bootstrap, &o->n_bootstrap, optarg, "--bootstrap"); break;
    case O_SEQ: r = number(optarg, 0, 65534, "--sequence", &o->sequence); break;
    case O_REPL:
      r = number(optarg, 2, RL_CONFIG_MAX_REPLICATION_FACTOR, "--replication-factor",
                 &o->replication_factor);
      break;
    case O_TURN_DENSITY: /* 11.1: xsd:unsignedByte */
      r = number(optarg, 0, 255, "--turn-density", &o->turn_density);
      break;
    case O_NOROOT: o->no_root = 1; break;
    case O_KIND: r = push(o->kinds, &o->n_kinds, optarg, "--kind"); break;
    case O_SIGNER: r = push(o->signers, &o->n_signers, optarg, "--signer"); break;
    case O_PREVIOUS: o->previous = optarg; break;
    case O_KEY_TYPE:
      if (strcmp(optarg, "rsa") == 0)
        o->ec = 0;
      else if (strcmp(optarg, "ec") == 0)
        o->ec = 1;
      else
        r = fail("--key-type: \"%s\" is neither rsa nor ec", optarg);
      break;
    case O_HELP: fputs(usage_text, stdout); exit(0);
    default: r = 2; break;
    }
  }
  o->args = argv + optind;
  o->nargs = argc - optind;
  if (r == 0 && o->ec && o->bits) r = fail("--bits is for RSA keys, not --key-type ec");
  return r;
}

/* ---------------------------------------------------------------------
 * Files of a CA directory: ca.key, ca.crt, overlay (the instance name)
 * --------------------------------------------------------------------- */

static void path_in(char *buf, size_t size, const char *dir, const char *name, const char *ext) {
  snprintf(buf, size, "%s/%s%s", dir, name, ext);
}

static int read_overlay_name(const char *dir, char *buf, size_t size) {
  char path[4096];
  FILE *f;
  size_t n;
  path_in(path, sizeof path, dir, "overlay", "");
  f = fopen(path, "r");
  if (!f) return fail("%s: %s (run reload-ca init first)", path, strerror(errno));
  n = fread(buf, 1, size - 1, f);
  fclose(f);
  buf[n] = '\0';
  while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' ')) buf[--n] = '\0';
  if (n == 0) return fail("%s is empty", path);
  return 0;
}

static int hex_node_id(const char *hex, uint8_t *out, size_t *len) {
  size_t n = strlen(hex);
  if (n % 2 || n / 2 < RL_NODE_ID_MIN || n / 2 > RL_NODE_ID_MAX)
    return fail("--node-id %s: not %d..%d bytes of hex", hex, RL_NODE_ID_MIN, RL_NODE_ID_MAX);
  for (size_t i = 0; i < n; i += 2) {
    unsigned v;
    if (sscanf(hex + i, "%2x", &v) != 1 || !strchr("0123456789abcdefABCDEF", hex[i]) ||
        !strchr("0123456789abcdefABCDEF", hex[i + 1]))
      return fail("--node-id %s: not hexadecimal", hex);
    out[i / 2] = (uint8_t)v;
  }
  *len = n / 2;
  return 0;
}

static int digest_of(const char *name, rl_HashAlgorithm *out) {
  if (strcmp(name, "sha1") == 0) *out = RL_HashAlgorithm_sha1;
  else if (strcmp(name, "sha256") == 0) *out = RL_HashAlgorithm_sha256;
  else return fail("digest \"%s\" is not sha1 or sha256 (RFC 6940 11.1)", name);
  return 0;
}

static void print_cert(const char *label, const rl_cert *c) {
  char hex[2 * RL_NODE_ID_MAX + 1];
  if (c->user) printf("user %s\n", c->user);
  if (c->overlay) printf("overlay %s\n", c->overlay);
  for (size_t i = 0; i < c->n_node_ids; i++)
    printf("node-id %s\n", rl_hex(c->node_ids[i], c->node_id_len, hex));
  printf("self-signed %s\n", c->self_signed ? "yes" : "no");
  printf("%s\n", label);
}

/* ---------------------------------------------------------------------
 * Commands
 * --------------------------------------------------------------------- */

static int cmd_init(const opts *o) {
  char key_path[4096], crt_path[4096], ov_path[4096];
  rl_sec_error e = {0, ""};
  rl_issue_params p;
  EVP_PKEY *key = NULL;
  rl_cert *ca = NULL;
  struct stat st;
  FILE *f;
  int r = 0;
  if (!o->dir || !o->overlay) return fail("init needs --dir and --overlay");
  if (mkdir(o->dir, 0700) != 0 && errno != EEXIST) return fail("%s: %s", o->dir, strerror(errno));
  path_in(key_path, sizeof key_path, o->dir, "ca", ".key");
  path_in(crt_path, sizeof crt_path, o->dir, "ca", ".crt");
  path_in(ov_path, sizeof ov_path, o->dir, "overlay", "");
  if (!o->force && stat(key_path, &st) == 0)
    return fail("%s exists; use --force to replace the CA (certificates it issued stop "
                "verifying)", key_path);
  memset(&p, 0, sizeof p);
  p.overlay = o->overlay;
  p.days = o->days ? o->days : 3650;
  if (new_key(o, &key, &e) != 0 || rl_ca_create(key, &p, &ca, &e) != 0 ||
      rl_key_write_file(key_path, key, &e) != 0 || rl_cert_write_file(crt_path, ca, &e) != 0) {
    r = sec_fail(&e);
    goto done;
  }
  f = fopen(ov_path, "w");
  if (!f || fprintf(f, "%s\n", o->overlay) < 0 || fclose(f) != 0) {
    r = fail("%s: cannot write", ov_path);
    goto done;
  }
  printf("overlay %s\ncertificate %s\nkey %s\n", o->overlay, crt_path, key_path);
done:
  EVP_PKEY_free(key);
  rl_cert_free(ca);
  return r;
}

/* The file name for a user's credentials: --out, else the user name's
 * local part with anything but letters, digits, '.', '-', '_' replaced. */
static void out_name(const opts *o, char *buf, size_t size) {
  size_t k = 0;
  if (o->out) {
    snprintf(buf, size, "%s", o->out);
    return;
  }
  for (const char *p = o->user; *p && *p != '@' && k + 1 < size; p++)
    buf[k++] = (strchr("._-", *p) || (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
                (*p >= '0' && *p <= '9')) ? *p : '_';
  buf[k] = '\0';
}

static int write_credentials(const opts *o, const char *name, EVP_PKEY *key, int key_is_new,
                             const rl_cert *c) {
  char key_path[4096], crt_path[4096];
  rl_sec_error e = {0, ""};
  path_in(crt_path, sizeof crt_path, o->dir, name, ".crt");
  path_in(key_path, sizeof key_path, o->dir, name, ".key");
  if ((key_is_new && rl_key_write_file(key_path, key, &e) != 0) ||
      rl_cert_write_file(crt_path, c, &e) != 0)
    return sec_fail(&e);
  print_cert("", c);
  printf("certificate %s\nkey %s\n", crt_path, key_is_new ? key_path : o->key);
  return 0;
}

/* The user name: as given, or user@overlay when it has no '@' (11.3 lets
 * the right side match the overlay name). */
static int user_name(const opts *o, const char *overlay, char *buf, size_t size) {
  rl_sec_error e = {0, ""};
  if (!o->user) return fail("--user is required");
  if (strchr(o->user, '@'))
    snprintf(buf, size, "%s", o->user);
  else
    snprintf(buf, size, "%s@%s", o->user, overlay);
  if (rl_user_name_check(buf, &e) != 0) return sec_fail(&e);
  return 0;
}

static int subject_key(const opts *o, EVP_PKEY **key, int *is_new) {
  rl_sec_error e = {0, ""};
  *is_new = !o->key;
  if (o->key ? rl_key_load_file(o->key, key, &e) : new_key(o, key, &e))
    return sec_fail(&e);
  return 0;
}

static int cmd_issue(const opts *o) {
  char overlay[256], user[300], name[256], ca_key_path[4096], ca_crt_path[4096];
  uint8_t ids[MAX_LIST][RL_NODE_ID_MAX];
  size_t len = o->node_id_length ? (size_t)o->node_id_length : 0;
  size_t n;
  rl_sec_error e = {0, ""};
  rl_issue_params p;
  EVP_PKEY *ca_key = NULL, *key = NULL;
  rl_cert *ca = NULL, *c = NULL;
  int r = 0, key_is_new = 0;
  if (!o->dir) return fail("issue needs --dir");
  if (read_overlay_name(o->dir, overlay, sizeof overlay) || user_name(o, overlay, user, sizeof user))
    return 1;
  if (o->overlay && strcmp(o->overlay, overlay) != 0)
    return fail("--overlay %s, but the CA in %s is for %s", o->overlay, o->dir, overlay);
  for (int i = 0; i < o->n_node_ids; i++) {
    size_t l;
    if (hex_node_id(o->node_ids[i], ids[i], &l)) return 1;
    if (len && l != len) return fail("--node-id %s is not %zu bytes", o->node_ids[i], len);
    len = l;
  }
  if (!len) len = 16;
  n = o->nodes ? (size_t)o->nodes : (o->n_node_ids ? (size_t)o->n_node_ids : 1);
  if (n < (size_t)o->n_node_ids) return fail("--nodes %zu but %d --node-id given", n, o->n_node_ids);
  /* 11.3: Node-IDs "chosen by the enrollment server", random. */
  if (rl_random_node_ids(n - (size_t)o->n_node_ids, len, ids + o->n_node_ids, &e) != 0)
    return sec_fail(&e);
  path_in(ca_key_path, sizeof ca_key_path, o->dir, "ca", ".key");
  path_in(ca_crt_path, sizeof ca_crt_path, o->dir, "ca", ".crt");
  memset(&p, 0, sizeof p);
  p.overlay = overlay;
  p.user = user;
  p.node_ids = (const uint8_t (*)[RL_NODE_ID_MAX])ids;
  p.n_node_ids = n;
  p.node_id_len = len;
  p.days = o->days;
  if (rl_key_load_file(ca_key_path, &ca_key, &e) != 0 || rl_cert_load_file(ca_crt_path, &ca, &e) != 0) {
    r = sec_fail(&e);
    goto done;
  }
  r = subject_key(o, &key, &key_is_new);
  if (r == 0 && rl_ca_issue(ca_key, ca, key, &p, &c, &e) != 0) r = sec_fail(&e);
  out_name(o, name, sizeof name);
  if (r == 0) r = write_credentials(o, name, key, key_is_new, c);
done:
  EVP_PKEY_free(ca_key);
  EVP_PKEY_free(key);
  rl_cert_free(ca);
  rl_cert_free(c);
  return r;
}

static int cmd_self_signed(const opts *o) {
  char overlay[256], user[300], name[256];
  rl_HashAlgorithm digest = RL_HashAlgorithm_sha256;
  rl_sec_error e = {0, ""};
  rl_issue_params p;
  EVP_PKEY *key = NULL;
  rl_cert *c = NULL;
  int r = 0, key_is_new = 0;
  if (!o->dir) return fail("self-signed needs --dir");
  if (o->n_node_ids) return fail("self-signed Node-IDs come from the key (RFC 6940 11.3.1); "
                                 "--node-id is not allowed");
  if (o->overlay)
    snprintf(overlay, sizeof overlay, "%s", o->overlay);
  else if (read_overlay_name(o->dir, overlay, sizeof overlay))
    return 1;
  if (mkdir(o->dir, 0700) != 0 && errno != EEXIST) return fail("%s: %s", o->dir, strerror(errno));
  if ((o->digest && digest_of(o->digest, &digest)) || user_name(o, overlay, user, sizeof user))
    return 1;
  memset(&p, 0, sizeof p);
  p.overlay = overlay;
  p.user = user;
  p.n_node_ids = o->nodes ? (size_t)o->nodes : 1;
  p.node_id_len = o->node_id_length ? (size_t)o->node_id_length : 16;
  p.days = o->days;
  r = subject_key(o, &key, &key_is_new);
  if (r == 0 && rl_self_signed_create(key, digest, &p, &c, &e) != 0) r = sec_fail(&e);
  out_name(o, name, sizeof name);
  if (r == 0) r = write_credentials(o, name, key, key_is_new, c);
  EVP_PKEY_free(key);
  rl_cert_free(c);
  return r;
}

static int cmd_show(const opts *o) {
  int r = 0;
  if (o->nargs == 0) return fail("show needs certificate files");
  for (int i = 0; i < o->nargs; i++) {
    rl_sec_error e = {0, ""};
    rl_cert *c = NULL;
    char label[400];
    if (rl_cert_load_file(o->args[i], &c, &e) != 0) {
      r = sec_fail(&e);
      continue;
    }
    printf("file %s\n", o->args[i]);
    if (rl_cert_check_identities(c, &e) != 0) {
      snprintf(label, sizeof label, "identities bad: %s", c->identity_problem);
      r = 1;
    } else if (o->overlay && strcasecmp(o->overlay, c->overlay) != 0) {
      snprintf(label, sizeof label, "identities bad: for overlay %s, not %s", c->overlay, o->overlay);
      r = 1;
    } else {
      snprintf(label, sizeof label, "identities ok");
    }
    print_cert(label, c);
    rl_cert_free(c);
  }
  return r;
}

static int load_trust(const opts *o, const rl_cert *cert, rl_trust **t) {
  rl_sec_error e = {0, ""};
  char overlay[256];
  size_t len = o->node_id_length ? (size_t)o->node_id_length : cert->node_id_len;
  if (o->config) {
    rl_config_document doc;
    rl_config_error ce;
    const rl_overlay_config *cfg;
    int r;
    if (rl_config_load_file(o->config, &doc, &ce) != 0) return fail("%s", ce.message);
    cfg = o->overlay ? rl_config_find(&doc, o->overlay) : &doc.configs[0];
    if (!cfg) {
      rl_config_document_free(&doc);
      return fail("%s has no configuration for %s", o->config, o->overlay);
    }
    r = rl_trust_from_config(cfg, t, &e);
    rl_config_document_free(&doc);
    return r ? sec_fail(&e) : 0;
  }
  if (o->overlay)
    snprintf(overlay, sizeof overlay, "%s", o->overlay);
  else if (o->dir)
    if (read_overlay_name(o->dir, overlay, sizeof overlay)) return 1;
  if (!o->overlay && !o->dir) {
    if (!cert->overlay) return fail("--overlay is needed: the certificate names no overlay");
    snprintf(overlay, sizeof overlay, "%s", cert->overlay);
  }
  if (rl_trust_new(overlay, len ? len : 16, t, &e) != 0) return sec_fail(&e);
  for (int i = 0; i <= o->n_roots; i++) {
    char path[4096];
    rl_cert *root = NULL;
    if (i == o->n_roots && !o->dir) break;
    if (i == o->n_roots)
      path_in(path, sizeof path, o->dir, "ca", ".crt");
    else
      snprintf(path, sizeof path, "%s", o->roots[i]);
    if (rl_cert_load_file(path, &root, &e) != 0 || rl_trust_add_root(*t, root, &e) != 0) {
      rl_cert_free(root);
      return sec_fail(&e);
    }
    rl_cert_free(root);
  }
  if (o->self_signed) {
    rl_HashAlgorithm d = RL_HashAlgorithm_sha256;
    if (digest_of(o->self_signed, &d)) return 1;
    rl_trust_allow_self_signed(*t, d);
  }
  return 0;
}

static int cmd_verify(const opts *o) {
  rl_sec_error e = {0, ""};
  rl_cert *cert = NULL;
  rl_cert *chain[MAX_LIST];
  rl_trust *t = NULL;
  int nchain = 0, r = 0;
  if (o->nargs < 1) return fail("verify needs a certificate file");
  if (!o->dir && !o->n_roots && !o->config && !o->self_signed)
    return fail("verify needs --dir, --root, --config or --self-signed");
  if (rl_cert_load_file(o->args[0], &cert, &e) != 0) return sec_fail(&e);
  for (int i = 1; r == 0 && i < o->nargs && nchain < MAX_LIST; i++) {
    if (rl_cert_load_file(o->args[i], &chain[nchain], &e) != 0)
      r = sec_fail(&e);
    else
      nchain++;
  }
  if (r == 0) r = load_trust(o, cert, &t);
  if (r == 0 && o->at) rl_trust_set_time(t, o->at);
  if (r == 0 && rl_trust_verify(t, cert, chain, (size_t)nchain, &e) != 0) {
    printf("%s: %s: %s\n", o->args[0], rl_sec_errname(e.code), e.text);
    r = 1;
  }
  for (int i = 0; r == 0 && i < o->n_node_ids; i++) {
    uint8_t id[RL_NODE_ID_MAX];
    size_t len;
    if (hex_node_id(o->node_ids[i], id, &len)) {
      r = 1;
    } else if (rl_cert_check_node_id(cert, id, len, &e) != 0) {
      printf("%s: %s: %s\n", o->args[0], rl_sec_errname(e.code), e.text);
      r = 1;
    }
  }
  if (r == 0) printf("%s: ok\n", o->args[0]);
  for (int i = 0; i < nchain; i++) rl_cert_free(chain[i]);
  rl_cert_free(cert);
  rl_trust_free(t);
  return r;
}

/* --kind ID,MODEL,POLICY,COUNT,SIZE[,MULT], e.g. 4000,ARRAY,NODE-MULTIPLE,10,1000,3 */
static int parse_kind(const char *spec, rl_config_kind *k) {
  char buf[256], *f[7];
  int n = 0;
  long long id;
  int count, size, mult = 0;
  snprintf(buf, sizeof buf, "%s", spec);
  for (char *s = strtok(buf, ","); s && n < 7; s = strtok(NULL, ",")) f[n++] = s;
  if (n < 5 || n > 6) return fail("--kind %s: want ID,MODEL,POLICY,COUNT,SIZE[,MULT]", spec);
  id = strtoll(f[0], NULL, 0);
  if (id <= 0 || id > 0xffffffffLL) return fail("--kind %s: bad Kind-ID", spec);
  k->id = (uint32_t)id;
  k->id_known = 1;
  k->model = rl_config_model_from_name(f[1]);
  k->policy = rl_config_policy_from_name(f[2]);
  if (!k->model) return fail("--kind %s: data model is SINGLE, ARRAY or DICTIONARY", spec);
  if (k->policy == RL_ACCESS_OTHER)
    return fail("--kind %s: policy is USER-MATCH, NODE-MATCH, USER-NODE-MATCH or NODE-MULTIPLE", spec);
  if (number(f[3], 0, 0x7fffffff, "--kind max-count", &count) ||
      number(f[4], 0, 0x7fffffff, "--kind max-size", &size) ||
      (n == 6 && number(f[5], 1, 0x7fffffff, "--kind max-node-multiple", &mult)))
    return 1;
  if (k->policy == RL_ACCESS_NODE_MULTIPLE && !mult)
    return fail("--kind %s: NODE-MULTIPLE needs MULT (max-node-multiple)", spec);
  k->max_count = (uint32_t)count;
  k->max_size = (uint32_t)size;
  k->max_node_multiple = (uint32_t)mult;
  return 0;
}

static int parse_bootstrap(const char *spec, rl_config_bootstrap *b) {
  char host[INET6_ADDRSTRLEN + 2];
  const char *port = NULL;
  int p = 6084;
  if (spec[0] == '[') { /* [v6]:port */
    const char *close = strchr(spec, ']');
    if (!close || (size_t)(close - spec - 1) >= sizeof host) return fail("--bootstrap %s", spec);
    memcpy(host, spec + 1, (size_t)(close - spec - 1));
    host[close - spec - 1] = '\0';
    if (close[1] == ':') port = close + 2;
  } else {
    /* One ':' separates an IPv4 address from its port; more are an IPv6
     * address without a port (use [v6]:port for one). */
    const char *colon = strchr(spec, ':');
    size_t n = colon && !strchr(colon + 1, ':') ? (size_t)(colon - spec) : strlen(spec);
    if (n >= sizeof host) return fail("--bootstrap %s: bad address", spec);
    memcpy(host, spec, n);
    host[n] = '\0';
    if (n < strlen(spec)) port = spec + n + 1;
  }
  if (port && number(port, 1, 65535, "--bootstrap port", &p)) return 1;
  if (inet_pton(AF_INET, host, b->addr) == 1)
    b->family = AF_INET;
  else if (inet_pton(AF_INET6, host, b->addr) == 1)
    b->family = AF_INET6;
  else
    return fail("--bootstrap %s: \"%s\" is not an IPv4 or IPv6 address", spec, host);
  b->port = (uint16_t)p;
  b->address = strdup(host);
  return b->address ? 0 : fail("out of memory");
}

/* The Node-IDs of D/NAME.crt, appended to list (configuration-signer and
 * kind-signer elements name signers by Node-ID, 11.1). */
static int add_signer(const char *dir, const char *name, rl_config_blobs *list) {
  char path[4096];
  rl_sec_error e = {0, ""};
  rl_cert *c = NULL;
  rl_config_blob *v;
  int r = 0;
  path_in(path, sizeof path, dir, name, ".crt");
  if (rl_cert_load_file(path, &c, &e) != 0) return sec_fail(&e);
  if (c->n_node_ids == 0) {
    r = fail("%s has no Node-ID: a signer is named by Node-ID (RFC 6940 11.1)", path);
    goto done;
  }
  v = realloc(list->v, (list->n + c->n_node_ids) * sizeof *v);
  if (!v) {
    r = fail("out of memory");
    goto done;
  }
  list->v = v;
  for (size_t i = 0; i < c->n_node_ids; i++) {
    rl_config_blob *b = &list->v[list->n];
    memset(b, 0, sizeof *b);
    b->data = malloc(c->node_id_len);
    if (!b->data) {
      r = fail("out of memory");
      goto done;
    }
    memcpy(b->data, c->node_ids[i], c->node_id_len);
    b->len = c->node_id_len;
    list->n++;
  }
done:
  rl_cert_free(c);
  return r;
}

static int cmd_config(const opts *o) {
  char overlay[256], crt_path[4096];
  rl_config_document doc = {NULL, 0};
  rl_overlay_config *cfg;
  rl_sec_error e = {0, ""};
  rl_cert *ca = NULL;
  char *xml = NULL;
  size_t len = 0;
  int r = 0;
  if (!o->dir) return fail("config needs --dir");
  if (read_overlay_name(o->dir, overlay, sizeof overlay)) return 1;
  doc.configs = calloc(1, sizeof *doc.configs);
  if (!doc.configs) return fail("out of memory");
  doc.nconfigs = 1;
  cfg = &doc.configs[0];
  rl_config_init(cfg);
  cfg->instance_name = strdup(overlay);
  cfg->node_id_length = (uint8_t)(o->node_id_length ? o->node_id_length : 16);
  if (o->sequence >= 0) {
    cfg->has_sequence = 1;
    cfg->sequence = (uint16_t)o->sequence;
  }
  if (o->replication_factor) cfg->replication_factor = (uint32_t)o->replication_factor;
  if (o->turn_density >= 0) cfg->turn_density = (uint8_t)o->turn_density;
  if (o->self_signed) {
    if (digest_of(o->self_signed, &cfg->self_signed_digest)) {
      r = 1;
      goto done;
    }
    cfg->self_signed_permitted = 1;
    cfg->has_self_signed = 1;
  }
  if (!o->no_root) {
    path_in(crt_path, sizeof crt_path, o->dir, "ca", ".crt");
    if (rl_cert_load_file(crt_path, &ca, &e) != 0) {
      r = sec_fail(&e);
      goto done;
    }
    cfg->root_certs.v = calloc(1, sizeof *cfg->root_certs.v);
    if (!cfg->root_certs.v || !(cfg->root_certs.v[0].data = malloc(ca->der_len))) {
      r = fail("out of memory");
      goto done;
    }
    memcpy(cfg->root_certs.v[0].data, ca->der, ca->der_len);
    cfg->root_certs.v[0].len = ca->der_len;
    cfg->root_certs.n = 1;
  }
  cfg->bootstrap = calloc((size_t)o->n_bootstrap + 1, sizeof *cfg->bootstrap);
  cfg->kinds = calloc((size_t)o->n_kinds + 1, sizeof *cfg->kinds);
  if (!cfg->bootstrap || !cfg->kinds) {
    r = fail("out of memory");
    goto done;
  }
  for (int i = 0; r == 0 && i < o->n_bootstrap; i++) {
    r = parse_bootstrap(o->bootstrap[i], &cfg->bootstrap[i]);
    if (r == 0) cfg->nbootstrap++;
  }
  for (int i = 0; r == 0 && i < o->n_kinds; i++) {
    r = parse_kind(o->kinds[i], &cfg->kinds[i]);
    cfg->nkinds++;
  }
  for (int i = 0; r == 0 && i < o->n_signers; i++) {
    r = add_signer(o->dir, o->signers[i], &cfg->configuration_signers);
    if (r == 0) r = add_signer(o->dir, o->signers[i], &cfg->kind_signers);
  }
  if (r == 0 && rl_config_write(&doc, &xml, &len) != 0) r = fail("cannot write the configuration");
  if (r == 0) {
    FILE *f = o->out ? fopen(o->out, "w") : stdout;
    if (!f || fwrite(xml, 1, len, f) != len || (o->out && fclose(f) != 0))
      r = fail("%s: cannot write", o->out ? o->out : "stdout");
  }
done:
  free(xml);
  rl_cert_free(ca);
  rl_config_document_free(&doc);
  return r;
}

/* The whole file, NUL-terminated. */
static int read_all(const char *path, char **buf, size_t *len) {
  FILE *f = fopen(path, "rb");
  char *b = NULL;
  size_t n = 0, cap = 0;
  if (!f) return fail("%s: %s", path, strerror(errno));
  for (;;) {
    size_t got;
    if (cap - n < 4096) {
      char *nb = realloc(b, cap + 65536);
      if (!nb) {
        free(b);
        fclose(f);
        return fail("out of memory");
      }
      b = nb;
      cap += 65536;
    }
    got = fread(b + n, 1, cap - n - 1, f);
    n += got;
    if (got == 0) break;
  }
  if (ferror(f)) {
    free(b);
    fclose(f);
    return fail("%s: cannot read", path);
  }
  fclose(f);
  b[n] = '\0';
  *buf = b;
  *len = n;
  return 0;
}

static int cmd_sign_config(const opts *o) {
  char crt_path[4096], key_path[4096], hex[2 * RL_NODE_ID_MAX + 1];
  rl_sec_error e = {0, ""};
  rl_credentials *cred = NULL;
  char *in = NULL, *out = NULL;
  size_t in_len = 0, out_len = 0;
  int r = 0;
  if (!o->dir || !o->config || o->n_signers != 1)
    return fail("sign-config needs --dir, --config and one --signer");
  path_in(crt_path, sizeof crt_path, o->dir, o->signers[0], ".crt");
  path_in(key_path, sizeof key_path, o->dir, o->signers[0], ".key");
  if (rl_credentials_load(crt_path, key_path, NULL, 0, &cred, &e) != 0) return sec_fail(&e);
  r = read_all(o->config, &in, &in_len);
  if (r == 0 && rl_config_sign_document(in, in_len, cred, o->overlay, &out, &out_len, &e) != 0)
    r = fail("%s: %s", o->config, e.text);
  if (r == 0) {
    FILE *f = o->out ? fopen(o->out, "w") : stdout;
    if (!f || fwrite(out, 1, out_len, f) != out_len || (o->out && fclose(f) != 0))
      r = fail("%s: cannot write", o->out ? o->out : "stdout");
  }
  if (r == 0 && o->out)
    printf("signed %s\nsigner %s\nnode-id %s\n", o->out, cred->cert->user ? cred->cert->user : "",
           rl_hex(cred->node_id, cred->node_id_len, hex));
  free(in);
  free(out);
  rl_credentials_free(cred);
  return r;
}

/* Each configuration of --config (or the one of --overlay) must be signed
 * by a configuration-signer of the same overlay's configuration in
 * --previous (11.1: "the previous extant configuration"; default: the
 * document itself, for a first configuration), with a certificate that
 * configuration trusts. */
static int cmd_verify_config(const opts *o) {
  rl_config_document doc = {NULL, 0}, prev = {NULL, 0};
  rl_config_error ce;
  int r = 0, checked = 0;
  if (!o->config) return fail("verify-config needs --config");
  if (rl_config_load_file(o->config, &doc, &ce) != 0) return fail("%s", ce.message);
  if (o->previous && rl_config_load_file(o->previous, &prev, &ce) != 0) {
    rl_config_document_free(&doc);
    return fail("%s", ce.message);
  }
  for (size_t i = 0; i < doc.nconfigs; i++) {
    const rl_overlay_config *cfg = &doc.configs[i];
    const rl_overlay_config *auth = o->previous ? rl_config_find(&prev, cfg->instance_name) : cfg;
    rl_sec_error e = {0, ""};
    rl_config_signer who;
    rl_trust *t = NULL;
    char hex[2 * RL_NODE_ID_MAX + 1];
    if (o->overlay && strcasecmp(o->overlay, cfg->instance_name) != 0) continue;
    checked++;
    if (!auth) {
      printf("%s: no configuration in %s\n", cfg->instance_name, o->previous);
      r = 1;
      continue;
    }
    if (rl_trust_from_config(auth, &t, &e) != 0 ||
        rl_config_verify(cfg, &auth->configuration_signers, t, NULL, &who, &e) != 0) {
      printf("%s: %s: %s\n", cfg->instance_name, rl_sec_errname(e.code), e.text);
      r = 1;
    } else {
      printf("%s: ok, sequence %u, signed by %s (node-id %s)\n", cfg->instance_name,
             cfg->has_sequence ? (unsigned)cfg->sequence : 0u, who.user,
             rl_hex(who.node_id, who.node_id_len, hex));
    }
    /* kind-signatures present: by a kind-signer of the same configuration */
    for (size_t k = 0; t && k < cfg->nkinds; k++) {
      const rl_config_kind *kd = &cfg->kinds[k];
      rl_sec_error ke = {0, ""};
      if (!kd->signature.len) continue;
      if (rl_config_verify_kind(kd, &auth->kind_signers, t, NULL, &who, &ke) != 0) {
        printf("%s: kind %u: %s: %s\n", cfg->instance_name, (unsigned)kd->id,
               rl_sec_errname(ke.code), ke.text);
        r = 1;
      } else {
        printf("%s: kind %u: ok, signed by %s\n", cfg->instance_name, (unsigned)kd->id, who.user);
      }
    }
    rl_trust_free(t);
  }
  if (checked == 0) r = fail("%s has no configuration for %s", o->config, o->overlay);
  rl_config_document_free(&doc);
  rl_config_document_free(&prev);
  return r;
}

/* A kind-block (11.1) whose kind-signature is by --signer: for a
 * configuration's required-kinds, or a ConfigUpdate of type kind
 * (6.5.4.1), which reads it in the config-base namespace. */
static int cmd_sign_kind(const opts *o) {
  char crt_path[4096], key_path[4096], kind[1024], mult[64] = "";
  rl_sec_error e = {0, ""};
  rl_credentials *cred = NULL;
  rl_config_kind k;
  char *sig = NULL;
  int r = 0;
  if (!o->dir || o->n_signers != 1 || o->n_kinds != 1)
    return fail("sign-kind needs --dir, one --signer and one --kind");
  memset(&k, 0, sizeof k);
  if (parse_kind(o->kinds[0], &k)) return 1;
  if (k.max_node_multiple)
    snprintf(mult, sizeof mult, "\n    <max-node-multiple>%u</max-node-multiple>",
             (unsigned)k.max_node_multiple);
  snprintf(kind, sizeof kind,
           "<kind id=\"%u\">\n    <data-model>%s</data-model>\n"
           "    <access-control>%s</access-control>\n    <max-count>%u</max-count>\n"
           "    <max-size>%u</max-size>%s\n  </kind>",
           (unsigned)k.id, rl_config_model_name(k.model), rl_config_policy_name(k.policy),
           (unsigned)k.max_count, (unsigned)k.max_size, mult);
  path_in(crt_path, sizeof crt_path, o->dir, o->signers[0], ".crt");
  path_in(key_path, sizeof key_path, o->dir, o->signers[0], ".key");
  if (rl_credentials_load(crt_path, key_path, NULL, 0, &cred, &e) != 0 ||
      rl_config_sign_blob(cred, (const uint8_t *)kind, strlen(kind), &sig, &e) != 0) {
    r = sec_fail(&e);
  } else {
    FILE *f = o->out ? fopen(o->out, "w") : stdout;
    if (!f || fprintf(f, "<kind-block>\n  %s\n  <kind-signature>\n%s\n  </kind-signature>\n"
                         "</kind-block>\n", kind, sig) < 0 || (o->out && fclose(f) != 0))
      r = fail("%s: cannot write", o->out ? o->out : "stdout");
  }
  free(sig);
  rl_credentials_free(cred);
  return r;
}

int main(int argc, char **argv) {
  static const struct {
    const char *name;
    int (*run)(const opts *);
  } cmds[] = {{"init", cmd_init},     {"issue", cmd_issue},   {"self-signed", cmd_self_signed},
              {"show", cmd_show},     {"verify", cmd_verify}, {"config", cmd_config},
              {"sign-config", cmd_sign_config}, {"verify-config", cmd_verify_config},
              {"sign-kind", cmd_sign_kind}};
  opts o;
  if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
    fputs(usage_text, argc < 2 ? stderr : stdout);
    return argc < 2 ? 2 : 0;
  }
  for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++) {
    if (strcmp(argv[1], cmds[i].name) != 0) continue;
    if (parse_opts(argc - 1, argv + 1, &o) != 0) {
      fputs(usage_text, stderr);
      return 2;
    }
    return cmds[i].run(&o);
  }
  fprintf(stderr, "reload-ca: unknown command \"%s\"\n%s", argv[1], usage_text);
  return 2;
}
