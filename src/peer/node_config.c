/* peer/node_config.c: the configuration in force and ConfigUpdate (RFC
 * 6940 6.3.2.1, 6.5.4, 11.1).
 *
 * A ConfigUpdate of type config carries a whole configuration document.
 * The node takes the configuration of its overlay from it only when
 *   - its sequence is newer than ours (6.5.4.2; modulo arithmetic,
 *     6.3.2.1), else Error_Config_Too_Old: the error code 6.3.2.1 uses for
 *     "a configuration sequence that is too old"; and when it is older, the
 *     sender has old configuration data, so we push ours to it (6.5.4:
 *     "Whenever a node detects that another node has old configuration
 *     data, it MUST generate a ConfigUpdate request");
 *   - one of its signature elements is by a configuration-signer of the
 *     configuration in force, with a certificate the overlay trusts (11.1),
 *     else Error_Forbidden;
 *   - the node can follow it without rejoining: same NodeIdLength and
 *     topology plug-in, no mandatory-extension it lacks, Kinds the storage
 *     accepts; else Error_Incompatible_with_Overlay (11.1: "If a node is not
 *     capable of supporting the new requirements, it MUST exit the
 *     overlay": that is left to the operator, who is told in the log).
 * Then the node switches: Kinds (decoder and storage), codec parameters,
 * and what the trust context can take in place (new root-cert, bad-node,
 * self-signed-permitted). Values read from the configuration each time
 * (initial-ttl, overlay-reliability-timer, bootstrap-node, sequence)
 * follow at once; values copied at start (max-message-size, the chord
 * intervals) and removed roots take effect at the next start, as the log
 * says (spec/KNOWN-DIFFERENCES.md).
 *
 * A ConfigUpdate of type kind carries kind-block elements (11.1). Each
 * must have a kind-signature by a kind-signer of the configuration in
 * force, else Error_Forbidden; a Kind the configuration defines, or one
 * learned from another kind-signer, is not replaced (6.5.4.2: "if the Kind
 * update conflicts with an existing known Kind (i.e., it is signed by a
 * different signer), then it should be rejected with an Error_Forbidden
 * error"). Learned Kinds stay across later configurations while their
 * signer is a kind-signer and the configuration does not define them
 * (11.1: "the new information in the configuration files overrides any
 * previously learned information. If any Kind data was signed by a node
 * that is no longer allowed to sign Kinds, that Kind MUST be discarded"). */
#define _GNU_SOURCE

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "overlay/config_sign.h"
#include "peer/node_int.h"
#include "runtime/error.h"

int rl_node_build_kinds(const rl_overlay_config *cfg, rl_store_kind **kinds, size_t *nkinds) {
  rl_store_kind *t = calloc(cfg->nkinds ? cfg->nkinds : 1, sizeof *t);
  size_t n = 0;
  if (!t) return RL_ERR_NOMEM;
  for (size_t i = 0; i < cfg->nkinds; i++) {
    const rl_config_kind *k = &cfg->kinds[i];
    rl_store_kind *sk;
    if (!k->id_known || !k->model) continue;
    sk = &t[n++];
    sk->id = k->id;
    sk->data_model = k->model;
    sk->policy = k->policy;
    sk->max_count = k->max_count;
    sk->max_size = k->max_size;
    sk->max_node_multiple = k->max_node_multiple;
  }
  *kinds = t;
  *nkinds = n;
  return 0;
}

/* 1 when learned Kind i still applies under cfg: cfg does not define
 * it, and its signer is one of cfg's kind-signers. */
static int learned_applies(const rl_node *n, size_t i, const rl_overlay_config *cfg) {
  const rl_config_kind *ck = rl_config_kind_find(cfg, n->learned_kinds[i].kind.id);
  if (ck && ck->id_known && ck->model) return 0;
  for (size_t k = 0; k < cfg->kind_signers.n; k++)
    if (cfg->kind_signers.v[k].len == n->learned_kinds[i].signer_len &&
        memcmp(cfg->kind_signers.v[k].data, n->learned_kinds[i].signer,
               n->learned_kinds[i].signer_len) == 0)
      return 1;
  return 0;
}

/* The Kind table for cfg: its Kinds, then the learned ones that apply. */
static int kind_table(const rl_node *n, const rl_overlay_config *cfg, rl_store_kind **out,
                      size_t *nout) {
  rl_store_kind *t = NULL, *bigger;
  size_t nt = 0;
  int r = rl_node_build_kinds(cfg, &t, &nt);
  if (r != 0) return r;
  bigger = realloc(t, (nt + n->nlearned_kinds + 1) * sizeof *t);
  if (!bigger) {
    free(t);
    return RL_ERR_NOMEM;
  }
  t = bigger;
  for (size_t i = 0; i < n->nlearned_kinds; i++)
    if (learned_applies(n, i, cfg)) t[nt++] = n->learned_kinds[i].kind;
  *out = t;
  *nout = nt;
  return 0;
}

/* Forget the learned Kinds that no longer apply under cfg. */
static void prune_learned(rl_node *n, const rl_overlay_config *cfg) {
  size_t kept = 0;
  for (size_t i = 0; i < n->nlearned_kinds; i++)
    if (learned_applies(n, i, cfg)) n->learned_kinds[kept++] = n->learned_kinds[i];
  if (kept != n->nlearned_kinds)
    rl_node_log(n, 1, "new configuration: %zu learned Kind(s) discarded (defined by the "
                "configuration, or their signer is no longer a kind-signer)",
                n->nlearned_kinds - kept);
  n->nlearned_kinds = kept;
}

/* The sequence a configuration without one has: 0, as node.c stamps it
 * on messages. */
static uint16_t sequence_of(const rl_overlay_config *cfg) {
  return cfg->has_sequence ? cfg->sequence : 0;
}

static const char *topology_of(const rl_overlay_config *cfg) {
  return cfg->topology_plugin ? cfg->topology_plugin : RL_CONFIG_DEFAULT_TOPOLOGY;
}

/* Why the node cannot follow nc without leaving and joining again, or
 * NULL. */
static const char *cannot_follow(const rl_overlay_config *cur, const rl_overlay_config *nc,
                                 char *why, size_t size) {
  static const char *const supported[] = {RL_CONFIG_NS_BASE, RL_CONFIG_NS_CHORD, NULL};
  const char *ext;
  if (nc->node_id_length != cur->node_id_length) {
    snprintf(why, size, "node-id-length changes from %u to %u", (unsigned)cur->node_id_length,
             (unsigned)nc->node_id_length);
    return why;
  }
  if (strcasecmp(topology_of(cur), topology_of(nc)) != 0) {
    snprintf(why, size, "topology-plugin changes from %s to %s", topology_of(cur),
             topology_of(nc));
    return why;
  }
  if ((ext = rl_config_unsupported_extension(nc, supported)) != NULL) {
    snprintf(why, size, "mandatory-extension %s is not supported", ext);
    return why;
  }
  return NULL;
}

static int blob_in(const rl_config_blobs *list, const rl_config_blob *b) {
  for (size_t i = 0; i < list->n; i++)
    if (list->v[i].len == b->len && memcmp(list->v[i].data, b->data, b->len) == 0) return 1;
  return 0;
}

/* What the trust context can take without being rebuilt (the links hold
 * it): roots, bad-nodes and self-signed permission that nc adds. What nc
 * removes stays until the next start; say so. */
static void update_trust(rl_node *n, const rl_overlay_config *cur, const rl_overlay_config *nc) {
  rl_sec_error e;
  size_t removed = 0;
  rl_node_trust_changed(n);
  for (size_t i = 0; i < nc->root_certs.n; i++) {
    if (blob_in(&cur->root_certs, &nc->root_certs.v[i])) continue;
    rl_sec_error_clear(&e);
    if (rl_trust_add_root_der(n->trust, nc->root_certs.v[i].data, nc->root_certs.v[i].len, &e) != 0)
      rl_node_log(n, 0, "new configuration: root-cert %zu not added: %s", i, e.text);
  }
  for (size_t i = 0; i < nc->bad_nodes.n; i++) {
    const rl_config_blob *b = &nc->bad_nodes.v[i];
    if (blob_in(&cur->bad_nodes, b) || b->len > RL_NODE_ID_MAX) continue;
    if (rl_trust_add_bad_node(n->trust, b->data, b->len) != 0)
      rl_node_log(n, 0, "new configuration: bad-node %zu not added: out of memory", i);
  }
  if (nc->self_signed_permitted && !cur->self_signed_permitted)
    rl_trust_allow_self_signed(n->trust, nc->self_signed_digest);
  for (size_t i = 0; i < cur->root_certs.n; i++) removed += !blob_in(&nc->root_certs, &cur->root_certs.v[i]);
  if (removed || (cur->self_signed_permitted && !nc->self_signed_permitted))
    rl_node_log(n, 0, "new configuration: %zu root-cert(s) removed%s; certificates they accept "
                "stay valid until this node restarts", removed,
                cur->self_signed_permitted && !nc->self_signed_permitted
                    ? " and self-signed certificates no longer permitted" : "");
  if (nc->max_message_size != cur->max_message_size)
    rl_node_log(n, 0, "new configuration: max-message-size %u takes effect when this node "
                "restarts (now %zu)", (unsigned)nc->max_message_size, n->max_msg);
}

static void handle_config(rl_node *n, rl_conn *c, const rl_Message *m, const rl_signer_info *who) {
  const rl_ForwardingHeader *fh = &m->forwarding_header;
  rl_bytes data = m->message_contents.message_body.config_update_req.config_data;
  const rl_overlay_config *cur = n->cfg, *nc;
  rl_config_document doc = {NULL, 0}, old_doc;
  rl_config_error ce;
  rl_config_signer signer;
  rl_sec_error e;
  rl_store_kind *kinds = NULL;
  size_t nkinds = 0;
  rl_params params;
  uint8_t *bytes = NULL;
  uint16_t ours = sequence_of(cur), theirs;
  char why[200], hx[RL_HEXBUF], hx2[RL_HEXBUF];
  const char *reason;
  int old_owned;
  rl_sec_error_clear(&e);
  if (rl_config_parse((const char *)data.ptr, data.len, &doc, &ce) != 0) {
    rl_node_reply_error(n, c, fh, RL_ErrorCode_Error_Invalid_Message,
                        "config_data is not a configuration document: %s", ce.message);
    return;
  }
  nc = rl_config_find(&doc, cur->instance_name);
  if (!nc) {
    rl_node_reply_error(n, c, fh, RL_ErrorCode_Error_Invalid_Message,
                        "the document has no configuration for %s", cur->instance_name);
    goto done;
  }
  theirs = sequence_of(nc);
  if (!rl_config_sequence_newer(theirs, ours)) {
    rl_node_reply_error(n, c, fh, RL_ErrorCode_Error_Config_Too_Old,
                        "configuration sequence %u is not newer than this node's %u",
                        (unsigned)theirs, (unsigned)ours);
    if (theirs != ours && who->node_id_len == n->id_len) rl_node_send_config_update(n, who->node_id);
    goto done;
  }
  /* 11.1: "Any configuration file MUST be signed by one of the
   * configuration-signer elements from the previous extant configuration." */
  if (rl_config_verify(nc, &cur->configuration_signers, n->trust, &n->arena, &signer, &e) != 0) {
    rl_node_reply_error(n, c, fh, RL_ErrorCode_Error_Forbidden,
                        "configuration sequence %u is not signed by a configuration-signer of "
                        "sequence %u: %s", (unsigned)theirs, (unsigned)ours, e.text);
    goto done;
  }
  reason = cannot_follow(cur, nc, why, sizeof why);
  if (!reason && rl_config_params(nc, &params) != 0) {
    snprintf(why, sizeof why, "topology-plugin %s is not supported", topology_of(nc));
    reason = why;
  }
  if (reason) {
    rl_node_log(n, 0, "configuration sequence %u (signed by %s) cannot be followed by this node "
                "without rejoining: %s; restart it with the new configuration", (unsigned)theirs,
                signer.user, why);
    rl_node_reply_error(n, c, fh, RL_ErrorCode_Error_Incompatible_with_Overlay,
                        "this node cannot follow configuration sequence %u: %s", (unsigned)theirs,
                        why);
    goto done;
  }
  bytes = malloc(data.len ? data.len : 1);
  if (!bytes || kind_table(n, nc, &kinds, &nkinds) != 0) {
    rl_node_reply_error(n, c, fh, RL_ErrorCode_Error_Invalid_Message, "out of memory");
    goto done;
  }
  memcpy(bytes, data.ptr, data.len);
  if (n->store && rl_store_set_kinds(n->store, kinds, nkinds) != 0) {
    rl_node_reply_error(n, c, fh, RL_ErrorCode_Error_Incompatible_with_Overlay,
                        "the Kinds of configuration sequence %u break RFC 6940 7.3 / 11.1 "
                        "(a Kind-ID twice, NODE-MULTIPLE without max-node-multiple, ...)",
                        (unsigned)theirs);
    goto done;
  }
  update_trust(n, cur, nc);
  prune_learned(n, nc);
  /* Switch, then free what the old configuration owned: nothing points
   * into it any more. */
  old_doc = n->cfg_doc;
  old_owned = n->cfg_doc_owned;
  n->cfg_doc = doc;
  n->cfg_doc_owned = 1;
  doc.configs = NULL;
  doc.nconfigs = 0;
  n->cfg = nc;
  free(n->kinds);
  n->kinds = kinds;
  n->nkinds = nkinds;
  kinds = NULL;
  params.data_model = n->params.data_model;
  params.user = n->params.user;
  n->params = params;
  n->nunknown = 0;
  free(n->cfg_doc_bytes);
  n->cfg_doc_bytes = bytes;
  n->cfg_doc_bytes_len = data.len;
  bytes = NULL;
  if (old_owned) rl_config_document_free(&old_doc);
  rl_node_log(n, 1, "configuration sequence %u -> %u accepted from %s, signed by %s (Node-ID %s): "
              "%zu Kinds", (unsigned)ours, (unsigned)theirs,
              rl_node_hex(who->node_id, who->node_id_len, hx2), signer.user,
              rl_node_hex(signer.node_id, signer.node_id_len, hx), n->nkinds);
  {
    rl_MessageBody b;
    memset(&b, 0, sizeof b);
    rl_node_reply(n, c, m, RL_MessageCode_config_update_ans, &b);
  }
done:
  free(kinds);
  free(bytes);
  rl_config_document_free(&doc);
}

/* One KindDescription: a kind-block production, parsed as the
 * configuration parser sees it inside required-kinds, with the default
 * namespace config-base (6.5.4.1). *doc holds the one Kind. */
static int parse_kind_block(rl_node *n, rl_bytes block, rl_config_document *doc, char *why,
                            size_t size) {
  static const char head[] = "<overlay xmlns=\"" RL_CONFIG_NS_BASE "\"><configuration "
                             "instance-name=\"";
  static const char mid[] = "\"><required-kinds>";
  static const char tail[] = "</required-kinds></configuration></overlay>";
  const char *name = n->cfg->instance_name;
  size_t len = sizeof head - 1 + strlen(name) + sizeof mid - 1 + block.len + sizeof tail - 1;
  char *text = malloc(len);
  rl_config_error ce;
  size_t k = 0;
  int r;
  if (!text) {
    snprintf(why, size, "out of memory");
    return RL_ERR_NOMEM;
  }
  memcpy(text + k, head, sizeof head - 1);
  k += sizeof head - 1;
  memcpy(text + k, name, strlen(name));
  k += strlen(name);
  memcpy(text + k, mid, sizeof mid - 1);
  k += sizeof mid - 1;
  memcpy(text + k, block.ptr, block.len);
  k += block.len;
  memcpy(text + k, tail, sizeof tail - 1);
  r = rl_config_parse(text, len, doc, &ce);
  free(text);
  if (r != 0) {
    snprintf(why, size, "not a kind-block: %s", ce.message);
    return r;
  }
  if (doc->nconfigs != 1 || doc->configs[0].nkinds != 1) {
    snprintf(why, size, "not one kind-block");
    rl_config_document_free(doc);
    return RL_ERR_SYNTAX;
  }
  if (!doc->configs[0].kinds[0].id_known || !doc->configs[0].kinds[0].model) {
    snprintf(why, size, "Kind %s is not one this node knows, or has no data model it knows",
             doc->configs[0].kinds[0].name ? doc->configs[0].kinds[0].name : "?");
    rl_config_document_free(doc);
    return RL_ERR_UNSUPPORTED;
  }
  return 0;
}

static void handle_kinds(rl_node *n, rl_conn *c, const rl_Message *m) {
  const rl_ForwardingHeader *fh = &m->forwarding_header;
  const rl_ConfigUpdateReq *req = &m->message_contents.message_body.config_update_req;
  const rl_overlay_config *cur = n->cfg;
  size_t saved = n->nlearned_kinds, nkinds = 0;
  uint8_t backup[sizeof n->learned_kinds];
  rl_store_kind *kinds = NULL;
  char why[400], hx[RL_HEXBUF];
  memcpy(backup, n->learned_kinds, sizeof backup);
  if (req->kinds_count == 0) {
    rl_node_reply_error(n, c, fh, RL_ErrorCode_Error_Invalid_Message, "no kind-block");
    return;
  }
  /* All or nothing: learn into the table, put it back on any refusal. */
  for (size_t i = 0; i < req->kinds_count; i++) {
    rl_config_document doc = {NULL, 0};
    rl_config_signer signer;
    rl_sec_error e;
    const rl_config_kind *k, *known;
    size_t slot;
    int code = RL_ErrorCode_Error_Forbidden;
    rl_sec_error_clear(&e);
    why[0] = '\0';
    if (parse_kind_block(n, req->kinds[i], &doc, why, sizeof why) != 0) {
      code = RL_ErrorCode_Error_Invalid_Message;
      goto refuse;
    }
    k = &doc.configs[0].kinds[0];
    /* 11.1: "kind-block elements MUST be signed by a node listed in the
     * kind-signers block of the current configuration". */
    if (rl_config_verify_kind(k, &cur->kind_signers, n->trust, &n->arena, &signer, &e) != 0) {
      snprintf(why, sizeof why, "Kind %u is not signed by a kind-signer: %s", (unsigned)k->id,
               e.text);
      goto refuse;
    }
    known = rl_config_kind_find(cur, k->id);
    if (known && known->id_known && known->model) {
      snprintf(why, sizeof why, "Kind %u is defined by the configuration in force (sequence %u): "
               "only a new configuration changes it", (unsigned)k->id, (unsigned)sequence_of(cur));
      goto refuse;
    }
    for (slot = 0; slot < n->nlearned_kinds; slot++)
      if (n->learned_kinds[slot].kind.id == k->id) break;
    if (slot < n->nlearned_kinds &&
        (n->learned_kinds[slot].signer_len != signer.node_id_len ||
         memcmp(n->learned_kinds[slot].signer, signer.node_id, signer.node_id_len) != 0)) {
      snprintf(why, sizeof why, "Kind %u was signed by another kind-signer (%s)", (unsigned)k->id,
               rl_node_hex(n->learned_kinds[slot].signer, n->learned_kinds[slot].signer_len, hx));
      goto refuse;
    }
    if (slot == n->nlearned_kinds) {
      if (slot == RL_NODE_MAX_LEARNED_KINDS) {
        snprintf(why, sizeof why, "this node keeps at most %d learned Kinds",
                 RL_NODE_MAX_LEARNED_KINDS);
        goto refuse;
      }
      n->nlearned_kinds++;
    }
    memset(&n->learned_kinds[slot], 0, sizeof n->learned_kinds[slot]);
    n->learned_kinds[slot].kind.id = k->id;
    n->learned_kinds[slot].kind.data_model = k->model;
    n->learned_kinds[slot].kind.policy = k->policy;
    n->learned_kinds[slot].kind.max_count = k->max_count;
    n->learned_kinds[slot].kind.max_size = k->max_size;
    n->learned_kinds[slot].kind.max_node_multiple = k->max_node_multiple;
    memcpy(n->learned_kinds[slot].signer, signer.node_id, signer.node_id_len);
    n->learned_kinds[slot].signer_len = signer.node_id_len;
    rl_node_log(n, 1, "Kind %u (%s) learned from a ConfigUpdate, signed by kind-signer %s",
                (unsigned)k->id, k->data_model ? k->data_model : "?", signer.user);
    rl_config_document_free(&doc);
    continue;
  refuse:
    rl_config_document_free(&doc);
    memcpy(n->learned_kinds, backup, sizeof backup);
    n->nlearned_kinds = saved;
    rl_node_reply_error(n, c, fh, (rl_ErrorCode)code, "kinds[%zu]: %s", i, why);
    return;
  }
  if (kind_table(n, cur, &kinds, &nkinds) != 0 ||
      (n->store && rl_store_set_kinds(n->store, kinds, nkinds) != 0)) {
    free(kinds);
    memcpy(n->learned_kinds, backup, sizeof backup);
    n->nlearned_kinds = saved;
    rl_node_reply_error(n, c, fh, RL_ErrorCode_Error_Invalid_Message,
                        "the Kinds break RFC 6940 7.3 / 11.1 (NODE-MULTIPLE without "
                        "max-node-multiple, ...)");
    return;
  }
  free(n->kinds);
  n->kinds = kinds;
  n->nkinds = nkinds;
  n->nunknown = 0;
  {
    rl_MessageBody b;
    memset(&b, 0, sizeof b);
    rl_node_reply(n, c, m, RL_MessageCode_config_update_ans, &b);
  }
}

void rl_node_handle_config_update(rl_node *n, rl_conn *c, const rl_Message *m,
                                  const rl_signer_info *who) {
  const rl_ConfigUpdateReq *req = &m->message_contents.message_body.config_update_req;
  switch (req->type) {
  case RL_ConfigUpdateType_config:
    handle_config(n, c, m, who);
    return;
  case RL_ConfigUpdateType_kind:
    handle_kinds(n, c, m);
    return;
  default:
    rl_node_reply_error(n, c, &m->forwarding_header, RL_ErrorCode_Error_Invalid_Message,
                        "ConfigUpdateReq type %u is neither config(1) nor kind(2)",
                        (unsigned)req->type);
    return;
  }
}

/* Rate limit: 1 when no ConfigUpdate went to id in the last minute (and
 * remember this one). */
static int push_allowed(rl_node *n, const uint8_t *id) {
  uint64_t now = rl_node_now(n);
  for (size_t i = 0; i < RL_NODE_CONFIG_PUSHES; i++) {
    if (!n->config_pushes[i].used || memcmp(n->config_pushes[i].id.b, id, n->id_len) != 0) continue;
    if (now - n->config_pushes[i].when_ms < RL_NODE_CONFIG_PUSH_INTERVAL_MS) return 0;
    n->config_pushes[i].when_ms = now;
    return 1;
  }
  {
    size_t i = n->config_pushes_next;
    n->config_pushes_next = (i + 1) % RL_NODE_CONFIG_PUSHES;
    n->config_pushes[i].used = 1;
    memcpy(n->config_pushes[i].id.b, id, n->id_len);
    n->config_pushes[i].when_ms = now;
  }
  return 1;
}

void rl_node_send_config_update(rl_node *n, const uint8_t *node_id) {
  const uint8_t *bytes = n->cfg_doc_bytes ? n->cfg_doc_bytes : n->opt.config_doc;
  size_t len = n->cfg_doc_bytes ? n->cfg_doc_bytes_len : n->opt.config_doc_len;
  const rl_overlay_config *keep = n->cfg;
  rl_overlay_config lent;
  rl_Destination d;
  rl_MessageBody b;
  char hx[RL_HEXBUF];
  int rc;
  if (!push_allowed(n, node_id)) {
    rl_node_log(n, 3, "no ConfigUpdate to %s: one was sent less than a minute ago",
                rl_node_hex(node_id, n->id_len, hx));
    return;
  }
  if (!bytes || !len) {
    rl_node_log(n, 1, "cannot send a ConfigUpdate to %s: this node does not have the bytes of "
                "its configuration document", rl_node_hex(node_id, n->id_len, hx));
    return;
  }
  rl_dest_node(&d, node_id, n->id_len);
  memset(&b, 0, sizeof b);
  b.config_update_req.type = RL_ConfigUpdateType_config;
  b.config_update_req.config_data.ptr = bytes;
  b.config_update_req.config_data.len = len;
  /* 6.3.2.1: the receiver has another sequence than ours and accepts a
   * ConfigUpdate only with configuration_sequence 65535. The request is
   * stamped with n->cfg's sequence: lend it a copy that has 65535 for the
   * call, which encodes, signs and queues the message and runs nothing
   * else (a parameter of rl_node_send_request would say it better). */
  lent = *keep;
  lent.has_sequence = 1;
  lent.sequence = 0xffff;
  n->cfg = &lent;
  rc = rl_node_send_request(n, &d, 1, RL_MessageCode_config_update_req, &b, RL_TXN_STORE_COPY, NULL);
  n->cfg = keep;
  if (rc != 0)
    rl_node_log(n, 1, "ConfigUpdate to %s not sent: %s", rl_node_hex(node_id, n->id_len, hx),
                rl_strerror(rc));
  else
    rl_node_log(n, 1, "ConfigUpdate with configuration sequence %u (%zu bytes) sent to %s, whose "
                "configuration is older (6.3.2.1)", (unsigned)sequence_of(keep), len,
                rl_node_hex(node_id, n->id_len, hx));
}
