/* conform_opts.h: reload-conform's command line (doc/conformance.md,
 * "Options"): the options, their defaults, and --config FILE, which is
 * read first so that the other options override what it says. */
#ifndef RL_CONF_OPTS_H
#define RL_CONF_OPTS_H

#include "codec/params.h"
#include "overlay/config.h"

#define EXIT_OK 0
#define EXIT_FAILED 1
#define EXIT_USAGE 2

typedef struct rl_conf_opts {
  const char *target, *link, *transport, *overlay, *ca, *cert, *key, *node_id, *target_node_id;
  const char *tests, *groups, *requirements, *tap, *junit, *json, *html, *pcap;
  const char *signer_identity;
  unsigned long pcap_port;
  unsigned long node_id_len, config_seq, initial_ttl, max_message_size, timeout_s;
  unsigned long link_max; /* 0: max_message_size + 65536 */
  unsigned long long seed;
  unsigned long kind_single, kind_array, kind_dictionary, kind_unknown;
  const char *user, *target_kind;
  int verify, list, coverage, verbose, progress, check, lenient, no_preflight;
  /* What is known of the target, not assumed: the Kinds the storage
   * tests store under (USER-MATCH, of each data model) and its
   * configuration sequence. Tests that need one that is not known SKIP. */
  int kind_single_known, kind_array_known, kind_dictionary_known, config_seq_known;
  const char *config;      /* --config FILE: the target's configuration document */
  rl_config_document doc;  /* ... as parsed */
  const rl_overlay_config *cfg;
  rl_param_set params;
} rl_conf_opts;

/* The defaults. */
void rl_conf_opts_init(rl_conf_opts *o);
/* --config FILE, then the command line. 0; -1 after --help or --version
 * (exit 0); EXIT_USAGE with a warning. optind is left at the first
 * scenario argument. The caller frees o->doc when o->config is set. */
int rl_conf_opts_parse(rl_conf_opts *o, int argc, char **argv);

#endif
