/* reload-conform: run the conformance scenarios against a RELOAD (RFC 6940)
 * implementation and report, requirement by requirement, what holds
 * (doc/conformance.md). */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "codec/params.h"
#include "conform_opts.h"
#include "overlay/config.h"
#include "overlay/hash.h"
#include "overlay/nodeid.h"
#include "report.h"
#include "passive.h"
#include "preflight.h"
#include "requirements.h"
#include "runner.h"
#include "runtime/error.h"
#include "runtime/hex.h"
#include "scen_parse.h"
#include "security/credentials.h"
#include "security/trust.h"
#include "template.h"
#include "tool_util.h"
#include "transport_link.h"
#include "transport_loopback.h"

#ifndef RL_CONF_DATADIR
#define RL_CONF_DATADIR "conformance"
#endif

typedef rl_conf_opts opts;
#define warn rl_tool_warn

/* A Node-ID given in hex: exactly len bytes. */
static int check_node_id(const char *opt, const char *hex, size_t len, uint8_t *out) {
  long n = rl_hex_decode(hex, strlen(hex), out, 20, 0);
  if (n != (long)len) {
    warn("%s %s: expected %zu bytes of hex (NodeIdLength)", opt, hex, len);
    return -1;
  }
  return 0;
}

/* ---- the scenarios ---- */

typedef struct scenarios {
  rl_scen_pool pool;
  rl_scenario *v;
  size_t n, cap;
} scenarios;

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

static int load_one(scenarios *S, const char *path) {
  char err[1024];
  if (S->n == S->cap) {
    size_t nc = S->cap ? S->cap * 2 : 64;
    rl_scenario *nv = realloc(S->v, nc * sizeof *nv);
    if (!nv) {
      warn("out of memory");
      return -1;
    }
    S->v = nv;
    S->cap = nc;
  }
  if (rl_scen_load(path, &S->pool, &S->v[S->n], err, sizeof err) != 0) {
    fflush(stdout);
    fprintf(stderr, "%s\n", err);
    return -1;
  }
  if (S->v[S->n].is_responder) {
    warn("%s: a responder file, not a scenario (give it with --transport=script:FILE)", path);
    return -1;
  }
  S->n++;
  return 0;
}

/* A file, or every *.scen of a directory (sorted: the order is stable). */
static int load_path(scenarios *S, const char *path) {
  struct stat st;
  DIR *d;
  struct dirent *e;
  char **names = NULL;
  size_t n = 0, cap = 0;
  int r = 0;
  if (stat(path, &st) != 0) {
    warn("%s: %s", path, strerror(errno));
    return -1;
  }
  if (!S_ISDIR(st.st_mode)) return load_one(S, path);
  if (!(d = opendir(path))) {
    warn("%s: %s", path, strerror(errno));
    return -1;
  }
  while ((e = readdir(d)) != NULL) {
    size_t len = strlen(e->d_name);
    if (len < 6 || strcmp(e->d_name + len - 5, ".scen") != 0 || e->d_name[0] == '.') continue;
    if (n == cap) {
      size_t nc = cap ? cap * 2 : 64;
      char **nn = realloc(names, nc * sizeof *nn);
      if (!nn) {
        r = -1;
        break;
      }
      names = nn;
      cap = nc;
    }
    names[n] = malloc(strlen(path) + len + 2);
    if (!names[n]) {
      r = -1;
      break;
    }
    sprintf(names[n], "%s/%s", path, e->d_name);
    n++;
  }
  closedir(d);
  if (r == 0) {
    qsort(names, n, sizeof *names, cmp_str);
    for (size_t i = 0; i < n && r == 0; i++) r = load_one(S, names[i]);
  } else {
    warn("out of memory");
  }
  for (size_t i = 0; i < n; i++) free(names[i]);
  free(names);
  return r;
}

/* Does name match one of the comma-separated patterns? */
static int matches(const char *list, const char *name) {
  const char *p = list;
  char pat[256];
  while (*p) {
    size_t n = strcspn(p, ",");
    if (n < sizeof pat) {
      memcpy(pat, p, n);
      pat[n] = 0;
      if (fnmatch(pat, name, 0) == 0) return 1;
    }
    p += n;
    if (*p == ',') p++;
  }
  return 0;
}

static int selected(const opts *o, const rl_scenario *sc) {
  if (o->tests && !matches(o->tests, sc->id)) return 0;
  if (o->groups && !matches(o->groups, sc->group)) return 0;
  return 1;
}

static void list(const scenarios *S, const opts *o) {
  for (size_t i = 0; i < S->n; i++) {
    const rl_scenario *sc = &S->v[i];
    if (!selected(o, sc)) continue;
    printf("%-32s %-12s %-6s %s\n", sc->id, sc->group, rl_scen_role_name(sc->role), sc->title);
    printf("%-32s requires", "");
    for (size_t k = 0; k < sc->nreqs; k++) printf(" %s", sc->reqs[k].id);
    printf("\n");
  }
}

/* The variables scenarios use besides the runner's own (runner.h). */
static json_t *make_vars(const opts *o, const rl_credentials *cred, const char *my_hex) {
  json_t *v;
  uint8_t rid[20], nid[20];
  const char *user = cred && cred->cert->user ? cred->cert->user : o->user;
  unsigned long cs = o->config_seq;
  json_t *my_resource, *my_node_resource, *my_node_next, *cert_hash;
  long nid_len = rl_hex_decode(my_hex, strlen(my_hex), nid, sizeof nid, 0);
  if (nid_len < 0 || rl_resource_id((const uint8_t *)user, strlen(user), o->node_id_len, rid) != 0)
    return NULL;
  my_resource = rl_conf_hex_json(rid, o->node_id_len);
  /* NODE-MATCH (7.3.2): the Resource-ID is the hash of the Node-ID. */
  if (rl_resource_id(nid, (size_t)nid_len, o->node_id_len, rid) != 0) return NULL;
  my_node_resource = rl_conf_hex_json(rid, o->node_id_len);
  /* Our Node-ID + 1 on the ring: a Joining Node Attaches to it (10.5
   * step 2, 11.4). */
  if ((size_t)nid_len != o->node_id_len) return NULL;
  rl_nodeid_inc(nid, nid, o->node_id_len);
  my_node_next = rl_conf_hex_json(nid, o->node_id_len);
  if (cred) {
    cert_hash = rl_conf_hex_json(cred->identity_hash, cred->identity_hash_len);
  } else {
    uint8_t z[32];
    memset(z, 0, sizeof z);
    cert_hash = rl_conf_hex_json(z, sizeof z);
  }
  /* 6.3.2.1: sequence numbers compare modulo 65535 (65535 itself is
   * special). */
  v = json_pack("{s:s,s:o,s:o,s:o,s:I,s:I,s:I,s:I,s:i,s:i,s:s}", "my_user", user, "my_resource",
                my_resource, "my_node_resource", my_node_resource, "my_cert_hash", cert_hash,
                "kind_single", (json_int_t)o->kind_single, "kind_array",
                (json_int_t)o->kind_array, "kind_dictionary", (json_int_t)o->kind_dictionary,
                "kind_unknown", (json_int_t)o->kind_unknown, "config_seq_older",
                (int)(cs == 0 ? 65534 : cs - 1), "config_seq_newer", (int)((cs + 1) % 65535),
                "target_kind", o->target_kind);
  /* Another overlay's hash (6.3.2), for messages the target must drop. */
  if (v)
    json_object_set_new(v, "overlay_hash_other",
                        json_integer((json_int_t)(rl_overlay_hash(o->overlay) ^ 0x5a5a5a5au)));
  if (v) json_object_set_new(v, "my_node_id_next", my_node_next);
  else json_decref(my_node_next);
  if (v && o->initial_ttl < 255)
    json_object_set_new(v, "ttl_above_initial", json_integer((json_int_t)o->initial_ttl + 1));
  /* Known, not assumed (skip-if conditions of the scenarios). */
  if (v) {
    json_object_set_new(v, "kind_single_known", json_boolean(o->kind_single_known));
    json_object_set_new(v, "kind_array_known", json_boolean(o->kind_array_known));
    json_object_set_new(v, "kind_dictionary_known", json_boolean(o->kind_dictionary_known));
    json_object_set_new(v, "config_seq_known", json_boolean(o->config_seq_known));
    /* Until the preflight finds otherwise (reload-conform.c, preflight). */
    json_object_set_new(v, "target_admits_us", json_true());
  }
  return v;
}

static int write_report(const char *path, int (*w)(FILE *, const void *), const void *ctx) {
  FILE *f = fopen(path, "w");
  int r;
  if (!f) {
    warn("%s: %s", path, strerror(errno));
    return -1;
  }
  r = w(f, ctx);
  if (fclose(f) != 0 || r != 0) {
    warn("%s: write error", path);
    return -1;
  }
  return 0;
}


/* Where the tests and the requirements table are: the installed
 * RL_CONF_DATADIR, else beside this program when it runs from a build tree
 * (conformance/reload-conform next to conformance/tests), else the source
 * tree it was built from (a VPATH build). */
static const char *data_dir(void) {
  static char dir[4096];
  struct stat st;
  char exe[4096], probe[4200];
  ssize_t n;
  if (dir[0]) return dir;
  snprintf(dir, sizeof dir, "%s", RL_CONF_DATADIR);
  snprintf(probe, sizeof probe, "%s/requirements-rfc6940.tsv", dir);
  if (stat(probe, &st) == 0) return dir;
  n = readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (n > 0) {
    char *slash;
    exe[n] = 0;
    slash = strrchr(exe, '/');
    if (slash) *slash = 0;
    snprintf(probe, sizeof probe, "%s/tests", exe);
    if (stat(probe, &st) == 0 && S_ISDIR(st.st_mode)) {
      snprintf(dir, sizeof dir, "%s", exe);
      return dir;
    }
  }
#ifdef RL_CONF_SRCDIR
  snprintf(probe, sizeof probe, "%s/requirements-rfc6940.tsv", RL_CONF_SRCDIR);
  if (stat(probe, &st) == 0) {
    snprintf(dir, sizeof dir, "%s", RL_CONF_SRCDIR);
    return dir;
  }
#endif
  return dir;
}

/* Everything a run holds, set up step by step and freed by app_free. */
typedef struct app {
  opts o;
  scenarios S;
  rl_conf_reqtable reqs;
  rl_conf_codec codec;
  rl_conf_transport T;
  rl_conf_runner *R;
  rl_conf_settings s;
  rl_credentials *cred;
  rl_trust *trust;
  rl_scen_pool rpool;
  rl_scenario responder;
  json_t *vars;
  rl_conf_result *res;
  size_t nres;
  char my_hex[41], target_hex[41];
} app;

static void app_init(app *a) {
  opts *o = &a->o;
  memset(a, 0, sizeof *a);
  rl_scen_pool_init(&a->S.pool);
  rl_scen_pool_init(&a->rpool);
  rl_conf_codec_init(&a->codec);
  rl_conf_opts_init(o);
}

static void app_free(app *a) {
  for (size_t i = 0; i < a->nres; i++) rl_conf_result_free(&a->res[i]);
  free(a->res);
  rl_conf_runner_free(a->R);
  if (a->T.ops) a->T.ops->destroy(a->T.self);
  rl_conf_codec_free(&a->codec);
  rl_credentials_free(a->cred);
  if (a->trust) rl_trust_free(a->trust);
  rl_conf_reqtable_free(&a->reqs);
  json_decref(a->vars);
  free(a->S.v);
  rl_scen_pool_free(&a->S.pool);
  rl_scen_pool_free(&a->rpool);
  if (a->o.config) rl_config_document_free(&a->o.doc);
}

/* The decoding parameters: the storage tests' Kinds with their models. */
static int setup_params(app *a) {
  opts *o = &a->o;
  char word[64], why[256];
  /* The unknown Kind's specifiers are written in the single-value shape
   * (nothing after the length); the target cannot know better. */
  const char *models[4] = {"single_value", "array", "dictionary", "single_value"};
  unsigned long ids[4] = {o->kind_single, o->kind_array, o->kind_dictionary, o->kind_unknown};
  o->params.p.NodeIdLength = (uint8_t)o->node_id_len;
  if (!o->params.p.topology &&
      rl_param_set_word(&o->params, "topology=CHORD-RELOAD", why, sizeof why) != 0) {
    warn("topology=CHORD-RELOAD: %s", why);
    return -1;
  }
  for (int k = 0; k < 4; k++) {
    snprintf(word, sizeof word, "kind.%lu=%s", ids[k], models[k]);
    if (rl_param_set_word(&o->params, word, why, sizeof why) != 0) {
      warn("%s: %s", word, why);
      return -1;
    }
  }
  a->codec.params = o->params;
  return 0;
}

/* Scenarios and the requirements table: every test must have its own ID
 * and name known requirements. */
static int load_scenarios(app *a, int argc, char **argv) {
  char why[1024], path[8192];
  scenarios *S = &a->S;
  if (optind == argc) {
    snprintf(path, sizeof path, "%s/tests", data_dir());
    if (load_path(S, path) != 0) return -1;
  } else {
    for (int i = optind; i < argc; i++)
      if (load_path(S, argv[i]) != 0) return -1;
  }
  for (size_t i = 0; i < S->n; i++)
    for (size_t j = 0; j < i; j++)
      if (strcmp(S->v[i].id, S->v[j].id) == 0) {
        warn("%s:%d:%d: test ID %s is also used by %s", S->v[i].file, S->v[i].id_loc.line,
             S->v[i].id_loc.col, S->v[i].id, S->v[j].file);
        return -1;
      }
  if (a->o.requirements)
    snprintf(path, sizeof path, "%s", a->o.requirements);
  else
    snprintf(path, sizeof path, "%s/requirements-rfc6940.tsv", data_dir());
  if (rl_conf_reqtable_load(path, &a->reqs, why, sizeof why) != 0) {
    warn("%s", why);
    return -1;
  }
  for (size_t i = 0; i < S->n; i++)
    if (rl_conf_check_requirements(&S->v[i], &a->reqs, why, sizeof why) != 0) {
      fflush(stdout);
      fprintf(stderr, "%s\n", why);
      return -1;
    }
  return 0;
}

/* --signer-identity: checked here, applied by the codec (msgcodec.h). */
static int set_signer_identity(app *a) {
  const char *how = a->o.signer_identity;
  if (!how) return 0;
  if (strncmp(how, "raw:", 4) == 0) {
    long n = rl_hex_decode(how + 4, strlen(how + 4), a->codec.identity_raw,
                           sizeof a->codec.identity_raw, 0);
    if (n < 0) {
      warn("--signer-identity %s: raw: needs up to %zu bytes of hex", how,
           sizeof a->codec.identity_raw);
      return -1;
    }
    a->codec.identity_raw_len = (size_t)n;
  } else if (strcmp(how, "auto") != 0 && strcmp(how, "none") != 0 && strcmp(how, "cert_hash") != 0) {
    warn("--signer-identity %s: expected auto, none, cert_hash or raw:HEX", how);
    return -1;
  }
  a->codec.signer_identity = how;
  return 0;
}

/* Who we are (credentials or a Node-ID), whom we trust, who the target
 * is; then the runner's settings. */
static int setup_identity(app *a) {
  opts *o = &a->o;
  rl_conf_settings *s = &a->s;
  uint8_t id[20];
  if (o->cert) {
    rl_sec_error e;
    memset(&e, 0, sizeof e);
    if (o->node_id && check_node_id("--node-id", o->node_id, o->node_id_len, id) != 0) return -1;
    if (rl_credentials_load(o->cert, o->key, o->node_id ? id : NULL, o->node_id ? o->node_id_len : 0,
                            &a->cred, &e) != 0) {
      warn("--cert %s --key %s: %s", o->cert, o->key, e.text);
      return -1;
    }
    a->codec.cred = a->cred;
    memcpy(id, a->cred->node_id, a->cred->node_id_len);
    if (set_signer_identity(a) != 0) return -1;
  } else if (o->node_id) {
    if (check_node_id("--node-id", o->node_id, o->node_id_len, id) != 0) return -1;
  } else {
    uint64_t rng = o->seed ? o->seed : rl_conf_seed();
    for (size_t i = 0; i < o->node_id_len; i++) id[i] = (uint8_t)(rl_conf_random(&rng) >> 56);
  }
  for (size_t i = 0; i < o->node_id_len; i++) sprintf(a->my_hex + 2 * i, "%02x", id[i]);
  if (o->ca) {
    rl_sec_error e;
    rl_cert *root = NULL;
    memset(&e, 0, sizeof e);
    if (rl_trust_new(o->overlay, o->node_id_len, &a->trust, &e) != 0 ||
        rl_cert_load_file(o->ca, &root, &e) != 0 || rl_trust_add_root(a->trust, root, &e) != 0) {
      warn("--ca %s: %s", o->ca, e.text);
      rl_cert_free(root);
      return -1;
    }
    rl_cert_free(root);
    a->codec.trust = a->trust;
  } else if (o->cfg && o->cfg->root_certs.n) {
    /* 11.1 root-cert: the overlay's trust anchors. */
    rl_sec_error e;
    memset(&e, 0, sizeof e);
    if (rl_trust_new(o->overlay, o->node_id_len, &a->trust, &e) != 0) {
      warn("--config %s: %s", o->config, e.text);
      return -1;
    }
    for (size_t i = 0; i < o->cfg->root_certs.n; i++) {
      rl_cert *root = NULL;
      if (rl_cert_from_der(o->cfg->root_certs.v[i].data, o->cfg->root_certs.v[i].len, &root, &e) != 0 ||
          rl_trust_add_root(a->trust, root, &e) != 0) {
        warn("--config %s: root-cert %zu: %s", o->config, i + 1, e.text);
        rl_cert_free(root);
        return -1;
      }
      rl_cert_free(root);
    }
    a->codec.trust = a->trust;
  }
  if (o->transport) {
    /* A responder script is its own overlay: it knows the default Kinds
     * and sequence by construction. */
    o->kind_single_known = o->kind_array_known = o->kind_dictionary_known = 1;
    o->config_seq_known = 1;
  }
  if (o->target_node_id) {
    if (check_node_id("--target-node-id", o->target_node_id, o->node_id_len, id) != 0) return -1;
    for (size_t i = 0; i < o->node_id_len; i++) sprintf(a->target_hex + 2 * i, "%02x", id[i]);
  }
  a->vars = make_vars(o, a->cred, a->my_hex);
  if (!a->vars) {
    warn("out of memory");
    return -1;
  }
  memset(s, 0, sizeof *s);
  s->vars = a->vars;
  s->link = o->transport ? "loopback" : o->link;
  s->overlay_name = o->overlay;
  s->overlay = rl_overlay_hash(o->overlay);
  s->configuration_sequence = (uint16_t)o->config_seq;
  s->initial_ttl = (uint8_t)o->initial_ttl;
  s->node_id_len = o->node_id_len;
  s->max_message_size = o->max_message_size;
  s->target_node_id = o->target_node_id ? a->target_hex : NULL;
  s->my_node_id = a->my_hex;
  s->verify_signatures = o->verify;
  s->lenient = o->lenient;
  s->have_credentials = a->cred != NULL;
  s->timeout_ms = (uint64_t)o->timeout_s * 1000;
  s->seed = o->seed;
  return 0;
}

/* --check-templates: build every message, without a target. */
static int check_all_templates(app *a) {
  int bad = 0;
  size_t checked = 0;
  char why[1024];
  rl_conf_transport none = {NULL, NULL};
  if (rl_conf_runner_new(&a->s, &a->codec, &none, &a->reqs, &a->R) != 0) {
    warn("out of memory");
    return EXIT_USAGE;
  }
  for (size_t i = 0; i < a->S.n; i++) {
    if (!selected(&a->o, &a->S.v[i])) continue;
    checked++;
    if (rl_conf_check_templates(a->R, &a->S.v[i], why, sizeof why) != 0) {
      fflush(stdout);
      fprintf(stderr, "%s\n", why);
      bad++;
    }
  }
  printf("%zu scenarios checked, %d with errors\n", checked, bad);
  return bad ? EXIT_FAILED : EXIT_OK;
}

/* The transport: a responder script, or the network (transport_link.h). */
static int open_transport(app *a) {
  opts *o = &a->o;
  char why[1024];
  if (o->transport) {
    rl_conf_loopback_config lc;
    if (rl_scen_load(o->transport, &a->rpool, &a->responder, why, sizeof why) != 0) {
      fflush(stdout);
      fprintf(stderr, "%s\n", why);
      return -1;
    }
    memset(&lc, 0, sizeof lc);
    lc.responder = &a->responder;
    lc.params = &o->params;
    lc.node_id = a->s.target_node_id ? a->s.target_node_id : "";
    lc.peer_node_id = a->my_hex;
    lc.overlay_name = o->overlay;
    lc.overlay = a->s.overlay;
    lc.configuration_sequence = a->s.configuration_sequence;
    lc.initial_ttl = a->s.initial_ttl;
    lc.seed = o->seed ? o->seed + 1 : 0;
    if (rl_conf_loopback_new(&lc, &a->T, why, sizeof why) != 0) {
      warn("%s", why);
      return -1;
    }
  } else if (o->target) {
    rl_conf_link_config lc;
    memset(&lc, 0, sizeof lc);
    lc.target = o->target;
    if (rl_conf_link_kind_parse(o->link, &lc.kind) != 0) return -1; /* checked in parse_args */
    lc.max_message_size = o->link_max ? o->link_max : o->max_message_size + 65536;
    if (lc.max_message_size > 0xffffffUL) lc.max_message_size = 0xffffffUL;
    lc.connect_timeout_ms = (uint64_t)o->timeout_s * 1000;
    lc.cred = a->cred;
    lc.trust = a->trust;
    lc.overlay_name = o->overlay;
    lc.node_id_len = o->node_id_len;
    lc.overlay = a->s.overlay;
    lc.configuration_sequence = a->s.configuration_sequence;
    lc.initial_ttl = a->s.initial_ttl;
    if (rl_conf_link_new(&lc, &a->T, why, sizeof why) != 0) {
      warn("%s", why);
      return -1;
    }
  } else {
    warn("give --target HOST:PORT (or --transport=script:FILE)");
    return -1;
  }
  if (!a->cred) warn("no --cert/--key: messages are sent unsigned");
  return 0;
}

/* What the target is, before the tests: a silent one makes the tests
 * that pass on silence INCONCLUSIVE; one that names itself in its
 * certificate (11.3) gives the tests that address it its Node-ID. */
static int preflight(app *a) {
  int silent, admits;
  char learned[41];
  if (rl_conf_preflight(a->R, a->o.target, a->o.link, stdout, a->o.node_id_len,
                        a->o.target_node_id ? a->target_hex : NULL, &silent, learned,
                        &admits) != 0) {
    warn("the preflight could not run");
    return -1;
  }
  /* The Join tests need a Node-ID the target admits (skip-if). */
  if (admits == 0) json_object_set_new(a->vars, "target_admits_us", json_false());
  rl_conf_runner_set_silent(a->R, silent);
  if (!a->o.target_node_id && learned[0] && strlen(learned) == 2 * a->o.node_id_len) {
    memcpy(a->target_hex, learned, sizeof learned);
    rl_conf_runner_set_target_node_id(a->R, a->target_hex);
    printf("  (--target-node-id taken from it)\n\n");
  }
  return 0;
}

/* --pcap: the passive check (passive.h); exit 1 when a rule is broken. */
static int passive(app *a) {
  FILE *f = fopen(a->o.pcap, "rb");
  uint8_t *buf = NULL;
  size_t len = 0, cap = 0, n;
  char err[512];
  rl_conf_passive_result res;
  int rc;
  if (!f) {
    warn("--pcap %s: %s", a->o.pcap, strerror(errno));
    return EXIT_USAGE;
  }
  do {
    if (len == cap) {
      uint8_t *nb = realloc(buf, cap = cap ? 2 * cap : 65536);
      if (!nb) {
        fclose(f);
        free(buf);
        warn("out of memory");
        return EXIT_USAGE;
      }
      buf = nb;
    }
    n = fread(buf + len, 1, cap - len, f);
    len += n;
  } while (n > 0);
  fclose(f);
  rc = rl_conf_passive_check(&a->codec, &a->reqs, buf, len,
                             (uint16_t)(a->o.pcap_port ? a->o.pcap_port : 6084),
                             (unsigned)a->o.initial_ttl, stdout, &res, err, sizeof err);
  free(buf);
  if (rc != 0) {
    warn("--pcap %s: %s", a->o.pcap, err);
    return EXIT_USAGE;
  }
  return res.violations ? EXIT_FAILED : EXIT_OK;
}

/* Every selected scenario, a result line each. */
static int run_all(app *a) {
  int tty = a->o.progress && isatty(fileno(stdout));
  if (rl_conf_runner_new(&a->s, &a->codec, &a->T, &a->reqs, &a->R) != 0 ||
      !(a->res = calloc(a->S.n ? a->S.n : 1, sizeof *a->res))) {
    warn("out of memory");
    return -1;
  }
  if (a->o.target && !a->o.transport && !a->o.no_preflight && preflight(a) != 0) return -1;
  /* The topology tests last: a Join that the target admits makes us its
   * neighbour, with ranges handed over to us, which would change what the
   * other tests find stored there. */
  for (int pass = 0; pass < 2; pass++)
  for (size_t i = 0; i < a->S.n; i++) {
    int topo = a->S.v[i].group && strcmp(a->S.v[i].group, "topology") == 0;
    if (topo != pass || !selected(&a->o, &a->S.v[i])) continue;
    if (tty) {
      printf("\r\033[K[%zu/%zu] %s ...", a->nres + 1, a->S.n, a->S.v[i].id);
      fflush(stdout);
    }
    if (rl_conf_run(a->R, &a->S.v[i], &a->res[a->nres]) != 0) {
      warn("out of memory");
      return -1;
    }
    if (tty) printf("\r\033[K");
    rl_conf_print_result(stdout, &a->res[a->nres], a->o.verbose);
    a->nres++;
  }
  return 0;
}

/* The report files, each from the whole run. */
static const char *target_of(const app *a) {
  return a->o.target ? a->o.target : a->o.transport ? a->o.transport : "";
}
static int tap_of(FILE *f, const void *p) {
  const app *a = p;
  return rl_conf_write_tap(f, a->res, a->nres);
}
static int junit_of(FILE *f, const void *p) {
  const app *a = p;
  return rl_conf_write_junit(f, a->res, a->nres, "reload-conform");
}
static int json_of(FILE *f, const void *p) {
  const app *a = p;
  return rl_conf_write_json(f, &a->reqs, a->res, a->nres, target_of(a));
}
static int html_of(FILE *f, const void *p) {
  const app *a = p;
  return rl_conf_write_html(f, &a->reqs, a->res, a->nres, target_of(a));
}

/* Coverage, the final line, the report files; the exit status. */
static int report_all(app *a) {
  rl_conf_counts c;
  rl_conf_coverage cov;
  int status;
  rl_conf_coverage_report(a->o.coverage ? stdout : NULL, &a->reqs, a->res, a->nres, a->o.coverage,
                          &cov);
  printf("Requirements checked: %zu of %zu (MUST class %zu of %zu, SHOULD class %zu of %zu); "
         "%zu checked without a failure\n",
         cov.checked, cov.total, cov.must_checked, cov.must_total, cov.should_checked,
         cov.should_total, cov.passing);
  rl_conf_count(a->res, a->nres, &c);
  rl_conf_print_summary(stdout, &c);
  status = c.failed ? EXIT_FAILED : EXIT_OK;
  if (a->o.tap && write_report(a->o.tap, tap_of, a) != 0) status = EXIT_USAGE;
  if (a->o.junit && write_report(a->o.junit, junit_of, a) != 0) status = EXIT_USAGE;
  if (a->o.json && write_report(a->o.json, json_of, a) != 0) status = EXIT_USAGE;
  if (a->o.html && write_report(a->o.html, html_of, a) != 0) status = EXIT_USAGE;
  if (fflush(stdout) != 0) status = EXIT_USAGE;
  return status;
}

int main(int argc, char **argv) {
  app a;
  int status = EXIT_USAGE, r;
  rl_tool_name = "reload-conform";
  app_init(&a);
  r = rl_conf_opts_parse(&a.o, argc, argv);
  if (r < 0) {
    status = EXIT_OK;
  } else if (r == 0 && setup_params(&a) == 0 && load_scenarios(&a, argc, argv) == 0) {
    if (a.o.pcap) {
      /* The roots of --ca or --config check the signers too. */
      if (setup_identity(&a) == 0) status = passive(&a);
    } else if (a.o.list) {
      list(&a.S, &a.o);
      status = EXIT_OK;
    } else if (setup_identity(&a) == 0) {
      if (a.o.check)
        status = check_all_templates(&a);
      else if (open_transport(&a) == 0 && run_all(&a) == 0)
        status = report_all(&a);
    }
  }
  app_free(&a);
  return status;
}
