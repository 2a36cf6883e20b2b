/* config.h: the overlay configuration document (RFC 6940 11.1).
 *
 * An application/p2p-overlay+xml document holds one or more
 * <configuration> elements, each the configuration of one overlay,
 * each optionally followed by <signature> elements. rl_config_parse reads
 * the whole document with libxml2, namespace-aware:
 *
 *   - elements and attributes of urn:ietf:params:xml:ns:p2p:config-base
 *     (and the chord-* elements of ...:config-chord) are checked against
 *     the RELAX NG grammar of 11.1.1 and the prose of 11.1;
 *   - elements and attributes in any other namespace are ignored (11.1:
 *     "foreign-elements"), wherever they appear;
 *   - an element the grammar does not define in the base or chord
 *     namespace, or in no namespace, is an error: the grammar's
 *     foreign-elements excludes exactly those (p2pcf:*, local:*, chord:*),
 *     so a document containing one is not valid.
 *
 * Errors name the line (from libxml2) and the element or attribute:
 *   "line 12: <node-id-length>: 21 is outside 16..20 (RFC 6940 11.1)".
 *
 * Signatures: the <signature> of a configuration and the <kind-signature>
 * of each kind-block are decoded from base64 and kept, together with the
 * exact bytes they cover (11.1: "from the first < ... to the last >").
 * This module does NOT verify them: that needs the SecurityBlock codec and
 * the configuration-signer / kind-signer certificates, and is done by the
 * peer (src/security/sign.h verifies SecurityBlock signatures).
 *
 * Memory: the parsed document is malloc'ed (configuration files come from
 * the operator or a configuration server over HTTPS, not from peers) and
 * freed with rl_config_document_free. */
#ifndef RL_OVERLAY_CONFIG_H
#define RL_OVERLAY_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "gen/reload_codec.h"

#define RL_CONFIG_NS_BASE "urn:ietf:params:xml:ns:p2p:config-base"
#define RL_CONFIG_NS_CHORD "urn:ietf:params:xml:ns:p2p:config-chord"
/* This toolkit's extension elements (11.1: foreign-elements; a node that
 * does not know them ignores them). */
#define RL_CONFIG_NS_EXT "urn:x-reload-toolkit:params:config-ext"
/* ext:replication-factor: how many peers hold each value, the
 * responsible one included. CHORD-RELOAD's is 3 (10.4: the responsible
 * peer and its first two successors). */
#define RL_CONFIG_DEFAULT_REPLICATION_FACTOR 3
#define RL_CONFIG_MAX_REPLICATION_FACTOR 9

/* Defaults of 11.1 (and 10.7.4.1 for the update interval). */
#define RL_CONFIG_DEFAULT_NODE_ID_LENGTH 16
#define RL_CONFIG_DEFAULT_MAX_MESSAGE_SIZE 5000
#define RL_CONFIG_DEFAULT_INITIAL_TTL 100
#define RL_CONFIG_DEFAULT_RELIABILITY_TIMER 3000
#define RL_CONFIG_DEFAULT_TURN_DENSITY 1
#define RL_CONFIG_DEFAULT_BOOTSTRAP_PORT 6084
#define RL_CONFIG_DEFAULT_CHORD_UPDATE_INTERVAL 600
#define RL_CONFIG_DEFAULT_TOPOLOGY "CHORD-RELOAD"
#define RL_CONFIG_DEFAULT_LINK_PROTOCOL "TLS"

/* A byte string owned by the document (base64 or hex decoded). */
typedef struct rl_config_blob {
  uint8_t *data;
  size_t len;
  long line; /* where it was written (0 when built in memory) */
} rl_config_blob;

/* The four access control policies of RFC 6940 7.3; OTHER for a policy
 * name of an extension (the text is kept in access_control). */
typedef enum rl_access_policy {
  RL_ACCESS_OTHER = 0,
  RL_ACCESS_USER_MATCH,
  RL_ACCESS_NODE_MATCH,
  RL_ACCESS_USER_NODE_MATCH,
  RL_ACCESS_NODE_MULTIPLE
} rl_access_policy;

/* One kind-block (11.1 required-kinds). */
typedef struct rl_config_kind {
  char *name;          /* the name attribute, or NULL when id was used */
  uint32_t id;         /* the id attribute, or the Kind-ID registered for name */
  int id_known;        /* 0: name is not a Kind this library knows */
  int registered;      /* 1: an IANA Kind (rl_kinds[]): its data model wins (11.1) */
  char *data_model;    /* as written: SINGLE, ARRAY, DICTIONARY or an extension */
  rl_DataModel model;  /* RL_DataModel_single_value.., 0 for an extension */
  char *access_control;
  rl_access_policy policy;
  uint32_t max_count;
  uint32_t max_size;
  uint32_t max_node_multiple; /* 0 when absent */
  rl_config_blob kind_xml;    /* the <kind> element's bytes (what kind-signature covers) */
  rl_config_blob signature;   /* the decoded kind-signature, len 0 when absent */
  char *signature_algorithm;  /* its algorithm attribute, or NULL */
  long line;
} rl_config_kind;

typedef struct rl_config_bootstrap {
  char *address;   /* as written */
  int family;      /* AF_INET or AF_INET6 */
  uint8_t addr[16];/* network byte order, 4 or 16 bytes used */
  uint16_t port;
  long line;
} rl_config_bootstrap;

/* A list of strings. */
typedef struct rl_config_strings {
  char **v;
  size_t n;
} rl_config_strings;

/* A list of blobs. */
typedef struct rl_config_blobs {
  rl_config_blob *v;
  size_t n;
} rl_config_blobs;

/* One <configuration>: the configuration of one overlay instance. Fields
 * hold the effective value (the default when the element is absent). */
typedef struct rl_overlay_config {
  char *instance_name;
  int has_sequence;
  uint16_t sequence;          /* 0..65534 (11.1) */
  int has_expiration;
  int64_t expiration;         /* seconds since 1970-01-01T00:00:00Z */
  char *topology_plugin;      /* NULL: absent, the default "CHORD-RELOAD" */
  uint8_t node_id_length;     /* 16..20 */
  uint32_t max_message_size;
  uint8_t initial_ttl;        /* the TTL field is 8 bits (6.3.2) */
  uint32_t reliability_timer; /* overlay-reliability-timer, ms, >= 200 */
  rl_config_blobs root_certs; /* DER */
  rl_config_strings enrollment_servers;
  int has_self_signed;        /* the element is present */
  int self_signed_permitted;
  rl_HashAlgorithm self_signed_digest; /* sha1 or sha256 */
  rl_config_bootstrap *bootstrap;
  size_t nbootstrap;
  uint8_t turn_density;
  int clients_permitted;
  int no_ice;
  int has_chord_ping_interval;
  int32_t chord_ping_interval;   /* seconds */
  int32_t chord_update_interval; /* seconds */
  int chord_reactive;
  uint32_t replication_factor;   /* ext:replication-factor, 2..9 */
  char *shared_secret;           /* NULL when absent */
  rl_config_strings link_protocols; /* empty: "TLS" applies (see rl_config_link_protocol_allowed) */
  rl_config_blobs kind_signers;     /* Node-IDs */
  rl_config_blobs configuration_signers;
  rl_config_blobs bad_nodes;
  rl_config_strings mandatory_extensions;
  rl_config_kind *kinds;
  size_t nkinds;
  int has_required_kinds;
  /* The signature elements that follow this configuration. */
  rl_config_blobs signatures;
  rl_config_strings signature_algorithms; /* parallel to signatures; "" when absent */
  rl_config_blob configuration_xml; /* the element's bytes, as signed (11.1) */
  long line;
} rl_overlay_config;

typedef struct rl_config_document {
  rl_overlay_config *configs;
  size_t nconfigs;
} rl_config_document;

typedef struct rl_config_error {
  int code;          /* rl_err: RL_ERR_SYNTAX, RL_ERR_UNSUPPORTED, RL_ERR_IO, RL_ERR_NOMEM */
  long line;         /* 0 when not known */
  char message[320]; /* "line N: ..." */
} rl_config_error;

/* An overlay configuration with every default of 11.1 and no name. */
void rl_config_init(rl_overlay_config *cfg);
void rl_config_clear(rl_overlay_config *cfg);
void rl_config_document_free(rl_config_document *doc);

/* Parse a whole document. On success, doc holds at least one
 * configuration. Returns 0, RL_ERR_SYNTAX (not well-formed or not valid;
 * err says where and why), RL_ERR_UNSUPPORTED (an encoding other than
 * UTF-8, or a DOCTYPE), RL_ERR_NOMEM. doc is empty after a failure. */
int rl_config_parse(const char *buf, size_t len, rl_config_document *doc,
                    rl_config_error *err);

/* Read and parse a file; RL_ERR_IO when it cannot be read. The message
 * starts with the path ("overlay.xml:12: ..."). */
int rl_config_load_file(const char *path, rl_config_document *doc, rl_config_error *err);

/* The configuration of an overlay instance (instance-name compared
 * without regard to case, it is a DNS name), or NULL. */
const rl_overlay_config *rl_config_find(const rl_config_document *doc, const char *name);

/* Write doc as an XML document (UTF-8, indented) into a malloc'ed buffer
 * (*out, *len, NUL terminated; free it). An element with a default is
 * written only when the value differs from its default, so that parsing
 * the output gives back the same effective values (rl_config_equal).
 * Signatures are written after their configuration, as kept: they do not
 * cover the new bytes unless the configuration was written by the signer.
 * Returns 0, RL_ERR_NOMEM, or RL_ERR_PARAM (a value the grammar cannot
 * express: no instance name, a kind whose name is NULL and id unknown). */
int rl_config_write(const rl_config_document *doc, char **out, size_t *len);

/* 1 when a and b have the same effective values (the *_xml bytes and
 * line numbers are not compared). */
int rl_config_equal(const rl_overlay_config *a, const rl_overlay_config *b);

/* The names of 11.1.1 ("SINGLE", "USER-MATCH"), and back: 0 /
 * RL_ACCESS_OTHER for a name that is not one of RFC 6940's; NULL for a
 * value that has no name. */
rl_DataModel rl_config_model_from_name(const char *name);
const char *rl_config_model_name(rl_DataModel model);
rl_access_policy rl_config_policy_from_name(const char *name);
const char *rl_config_policy_name(rl_access_policy policy);

/* The kind with this Kind-ID, or NULL. */
const rl_config_kind *rl_config_kind_find(const rl_overlay_config *cfg, uint32_t id);

/* 1 when the overlay link protocol (e.g. "TLS") may be used: listed, or
 * no overlay-link-protocol element and name is "TLS" (11.1). */
int rl_config_link_protocol_allowed(const rl_overlay_config *cfg, const char *name);

/* The first mandatory-extension namespace not in supported (a
 * NULL-terminated list), or NULL when all are supported (11.1: a node
 * that does not support one MUST NOT join). */
const char *rl_config_unsupported_extension(const rl_overlay_config *cfg,
                                            const char *const *supported);

/* Decode parameters of the generated codec for this overlay:
 * NodeIdLength, topology, and data_model(KindId): an IANA-registered Kind
 * has its registered model (11.1: "clients MUST ignore them in favor of
 * the IANA versions"), else the configured kind's model, else
 * RL_ERR_PARAM. p->user points at cfg, which must outlive p. Returns 0, or
 * RL_ERR_UNSUPPORTED when the topology plugin is not one the codec knows
 * (topology is then none). */
int rl_config_params(const rl_overlay_config *cfg, rl_params *p);

#endif
