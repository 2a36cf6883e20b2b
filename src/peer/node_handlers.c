/* peer/node_handlers.c: the requests a node answers (RFC 6940 6.4.2 Join,
 * Leave, Update, RouteQuery, Probe; 6.5 Attach, AppAttach, Ping,
 * ConfigUpdate; 7.4 Store, Fetch, Stat, Find), and the storage side of
 * replication and handover (10.4, 10.5, 10.7.3). */
#define _GNU_SOURCE
#include "peer/node_int.h"

#include "overlay/hash.h"
#include "peer/ops.h"
#include "peer/linkproto.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>


/* ---------- stored data signatures (7.1) ---------- */

int rl_node_verify_stored(void *user, rl_bytes resource_id, rl_KindId kind,
                          const rl_StoredData *value, uint64_t now, rl_signer *signer) {
  rl_node *n = user;
  rl_signer_info who;
  rl_sec_error e;
  rl_bytes *ids;
  (void)now;
  memset(&e, 0, sizeof e);
  if (rl_verify_stored_data(resource_id.ptr, resource_id.len, kind, value, &n->certs, &who, &e) != 0) {
    rl_node_log(n, 1, "stored value of kind %u: %s", (unsigned)kind, e.text);
    return RL_SEC_ERR_SIGNATURE;
  }
  if (rl_node_trust_check(n, who.cert, &e) != 0) {
    rl_node_log(n, 1, "stored value of kind %u: signer: %s", (unsigned)kind, e.text);
    return RL_SEC_ERR_UNTRUSTED;
  }
  /* The signer's identities for the access policy (7.3); the arena holds
   * them until the request is answered. */
  ids = rl_arena_alloc_array(&n->arena, who.cert->n_node_ids ? who.cert->n_node_ids : 1, sizeof *ids);
  if (!ids) return RL_ERR_ARENA;
  for (size_t i = 0; i < who.cert->n_node_ids; i++) {
    ids[i].ptr = who.cert->node_ids[i];
    ids[i].len = who.cert->node_id_len;
  }
  memset(signer, 0, sizeof *signer);
  if (who.cert->user) {
    signer->user.ptr = (const uint8_t *)who.cert->user;
    signer->user.len = strlen(who.cert->user);
  }
  signer->node_ids = ids;
  signer->node_ids_count = who.cert->n_node_ids;
  return 0;
}

int rl_node_verify_value(rl_node *n, const uint8_t *resource, size_t resource_len, rl_KindId kind,
                         const rl_StoredData *value, char *why, size_t whylen) {
  rl_signer_info who;
  rl_sec_error e;
  memset(&e, 0, sizeof e);
  if (rl_verify_stored_data(resource, resource_len, kind, value, &n->certs, &who, &e) != 0 ||
      rl_node_trust_check(n, who.cert, &e) != 0) {
    snprintf(why, whylen, "%s", e.text[0] ? e.text : rl_strerror(e.code));
    return e.code ? e.code : RL_SEC_ERR_SIGNATURE;
  }
  snprintf(why, whylen, "signed by %s", who.cert->user ? who.cert->user : "a node");
  return 0;
}

/* The signer of a message as the access policies see it. */
static void signer_of(rl_node *n, const rl_signer_info *who, rl_signer *s) {
  rl_bytes *ids = rl_arena_alloc_array(&n->arena, who->cert->n_node_ids ? who->cert->n_node_ids : 1,
                                       sizeof *ids);
  memset(s, 0, sizeof *s);
  if (who->cert->user) {
    s->user.ptr = (const uint8_t *)who->cert->user;
    s->user.len = strlen(who->cert->user);
  }
  if (!ids) return;
  for (size_t i = 0; i < who->cert->n_node_ids; i++) {
    ids[i].ptr = who->cert->node_ids[i];
    ids[i].len = who->cert->node_id_len;
  }
  s->node_ids = ids;
  s->node_ids_count = who->cert->n_node_ids;
}



/* ---------- the certificate store usage (section 8) ---------- */

/* 8: a peer stores its certificate in the overlay, under
 * CERTIFICATE_BY_NODE at H(Node-ID) and CERTIFICATE_BY_USER at H(user
 * name), when the overlay's configuration has those Kinds. */
void rl_node_publish_certificates(rl_node *n) {
  static const struct {
    rl_KindId kind;
    int by_user;
  } usages[] = {{3, 0}, {16, 1}};
  const rl_cert *cert = n->cred->cert;
  for (size_t u = 0; u < sizeof usages / sizeof usages[0]; u++) {
    static uint8_t mem[16384];
    rl_arena a;
    rl_ops_value v;
    rl_StoreReq req;
    rl_MessageBody b;
    rl_Destination d;
    uint8_t rid[RL_NODEID_MAX_LEN];
    const rl_store_kind *k = rl_store_find_kind(n->store, usages[u].kind);
    if (!k || k->data_model != RL_DataModel_array) continue;
    if (usages[u].by_user) {
      if (!cert->user) continue;
      rl_resource_id((const uint8_t *)cert->user, strlen(cert->user), n->id_len, rid);
    } else {
      rl_resource_id(n->self.b, n->id_len, n->id_len, rid);
    }
    memset(&v, 0, sizeof v);
    v.index = 0;
    v.exists = 1;
    v.value.ptr = cert->der;
    v.value.len = cert->der_len;
    rl_arena_init(&a, mem, sizeof mem);
    if (rl_ops_store_req(n->cred, rid, n->id_len, usages[u].kind, RL_DataModel_array, 0, &v, 1,
                         86400, rl_node_wall_ms(n), &a, &req) != 0)
      continue;
    memset(&b, 0, sizeof b);
    b.store_req = req;
    rl_dest_resource(&d, rid, n->id_len);
    rl_node_send_request(n, &d, 1, RL_MessageCode_store_req, &b, RL_TXN_STORE_COPY, NULL);
    rl_node_log(n, 1, "publishing our certificate (kind %u)", (unsigned)usages[u].kind);
  }
}

/* ---------- handlers ---------- */

static void answer_store_error(rl_node *n, rl_conn *c, const rl_Message *m,
                               const rl_ErrorResponse *err) {
  rl_MessageBody b;
  memset(&b, 0, sizeof b);
  b.error = *err;
  if (err->error_code != RL_ErrorCode_Error_Unknown_Kind &&
      err->error_code != RL_ErrorCode_Error_Generation_Counter_Too_Low) {
    char text[300];
    size_t l = err->error_info.unknown.len < sizeof text - 1 ? err->error_info.unknown.len
                                                             : sizeof text - 1;
    memcpy(text, err->error_info.unknown.ptr, l);
    text[l] = 0;
    rl_node_log(n, 1, "store error %s: %s",
                rl_ErrorCode_name(err->error_code) ? rl_ErrorCode_name(err->error_code) : "?", text);
  }
  rl_node_reply(n, c, m, RL_MessageCode_error, &b);
}

static int is_neighbor(rl_node *n, const uint8_t *id) {
  rl_nodeid ids[RL_CHORD_MAX_NEIGHBORS];
  uint64_t now = rl_node_now(n);
  for (size_t i = 0; i < sizeof n->left_peers / sizeof n->left_peers[0]; i++)
    if (n->left_peers[i].until > now && memcmp(n->left_peers[i].id.b, id, n->id_len) == 0)
      return 1;
  size_t k = rl_chord_successors(n->chord, ids, RL_CHORD_MAX_NEIGHBORS);
  for (size_t i = 0; i < k; i++)
    if (memcmp(ids[i].b, id, n->id_len) == 0) return 1;
  k = rl_chord_predecessors(n->chord, ids, RL_CHORD_MAX_NEIGHBORS);
  for (size_t i = 0; i < k; i++)
    if (memcmp(ids[i].b, id, n->id_len) == 0) return 1;
  return 0;
}

static void handle_store(rl_node *n, rl_conn *c, const rl_Message *m, const rl_signer_info *who) {
  const rl_StoreReq *req = &m->message_contents.message_body.store_req;
  rl_StoreReq local = *req;
  rl_store_input in;
  rl_signer msig;
  rl_nodeid reps[RL_NODE_MAX_REPLICAS];
  rl_NodeId rep_ids[RL_NODE_MAX_REPLICAS];
  size_t nrep, i;
  rl_StoreAns ans;
  rl_StoreReq committed;
  rl_ErrorResponse err;
  rl_MessageBody b;
  int rc, handover = 0;
  if (req->resource.len != n->id_len) {
    rl_node_reply_error(n, c, &m->forwarding_header, RL_ErrorCode_Error_Invalid_Message,
                         "Resource-ID of %zu bytes; the overlay's are %zu", req->resource.len,
                         n->id_len);
    return;
  }
  if (req->replica_number == 0 && rl_node_repl_is_deferred(n, m->forwarding_header.transaction_id)) {
    /* 6.2.1: a retransmission of a Store whose answer waits for its
     * replicas: that answer is the one to this copy too. */
    rl_node_log(n, 2, "Store txid %016llx: its answer waits for the replicas",
                (unsigned long long)m->forwarding_header.transaction_id);
    return;
  }
  if (req->replica_number == 0) {
    if (!rl_chord_is_responsible(n->chord, req->resource.ptr)) {
      rl_node_reply_error(n, c, &m->forwarding_header, RL_ErrorCode_Error_Not_Found,
                           "this peer is not responsible for the Resource-ID");
      return;
    }
    /* 10.5 step 6, 10.9: a neighbor handing data over signs with its own
     * credentials; the values' signers are checked as for a replica. */
    if (who->node_id_len == n->id_len && is_neighbor(n, who->node_id) &&
        memcmp(who->node_id, n->self.b, n->id_len) != 0) {
      int all_gen = 1;
      for (i = 0; i < req->kind_data_count; i++)
        if (req->kind_data[i].generation_counter == 0) all_gen = 0;
      if (all_gen && req->kind_data_count > 0) handover = 1;
    }
  } else if (who->node_id_len != n->id_len ||
             !rl_chord_replica_from_ok(n->chord, who->node_id, req->resource.ptr)) {
    rl_node_reply_error(n, c, &m->forwarding_header, RL_ErrorCode_Error_Forbidden,
                         "replica %u from a peer that does not replicate this Resource-ID here",
                         (unsigned)req->replica_number);
    return;
  }
  if (handover) local.replica_number = 1;
  if (RL_BROKEN(n, RL_BREAK_IGNORE_GENERATION) && req->replica_number == 0)
    for (i = 0; i < req->kind_data_count; i++) local.kind_data[i].generation_counter = 0;
  memset(&in, 0, sizeof in);
  in.now = rl_node_wall_ms(n);
  signer_of(n, who, &msig);
  in.message_signer = &msig;
  nrep = req->replica_number == 0 ? rl_chord_replica_set(n->chord, reps, RL_NODE_MAX_REPLICAS) : 0;
  for (i = 0; i < nrep; i++) {
    rep_ids[i].ptr = reps[i].b;
    rep_ids[i].len = n->id_len;
  }
  in.replicas = rep_ids;
  in.replicas_count = nrep;
  if (req->replica_number == 0) in.committed = &committed;
  memset(&err, 0, sizeof err);
  rc = rl_store_store(n->store, &local, &in, &n->arena, &ans, &err);
  if (rc != 0) {
    if (rc < 0) {
      rl_node_reply_error(n, c, &m->forwarding_header, RL_ErrorCode_Error_Invalid_Message,
                           "store failed: %s", rl_strerror(rc));
      return;
    }
    answer_store_error(n, c, m, &err);
    return;
  }
  if (req->replica_number == 0) {
    /* 10.4: the replicas get what changed; the answer waits for them
     * (the durability rule, node_repl.c). */
    rl_node_repl_after_store(n, c, m, &committed, &ans);
    return;
  }
  memset(&b, 0, sizeof b);
  b.store_ans = ans;
  rl_node_reply(n, c, m, RL_MessageCode_store_ans, &b);
}

static void handle_fetch_like(rl_node *n, rl_conn *c, const rl_Message *m) {
  rl_MessageCode code = m->message_contents.message_code;
  const rl_MessageBody *in = &m->message_contents.message_body;
  rl_MessageBody b;
  rl_ErrorResponse err;
  int rc;
  uint64_t now = rl_node_wall_ms(n);
  memset(&b, 0, sizeof b);
  memset(&err, 0, sizeof err);
  n->nextra = 0;
  if (code == RL_MessageCode_fetch_req) {
    rc = rl_store_fetch(n->store, &in->fetch_req, now, &n->arena, &b.fetch_ans, &err);
    if (rc == 0)
      for (size_t i = 0; i < b.fetch_ans.kind_responses_count; i++)
        rl_node_extra_certs_for(n, b.fetch_ans.kind_responses[i].values,
                        b.fetch_ans.kind_responses[i].values_count);
    code = RL_MessageCode_fetch_ans;
  } else if (code == RL_MessageCode_stat_req) {
    rc = rl_store_stat(n->store, &in->stat_req, now, &n->arena, &b.stat_ans, &err);
    code = RL_MessageCode_stat_ans;
  } else {
    rl_nodeid preds[1];
    rl_store_range r;
    if (rl_chord_predecessors(n->chord, preds, 1) == 0) preds[0] = n->self;
    r.after = preds[0].b;
    r.upto = n->self.b;
    rc = rl_store_find(n->store, &in->find_req, &r, now, &n->arena, &b.find_ans, &err);
    code = RL_MessageCode_find_ans;
  }
  if (rc > 0)
    answer_store_error(n, c, m, &err);
  else if (rc < 0)
    rl_node_reply_error(n, c, &m->forwarding_header, RL_ErrorCode_Error_Invalid_Message, "%s",
                         rl_strerror(rc));
  else
    rl_node_reply(n, c, m, code, &b);
  n->nextra = 0;
}

static void handle_attach(rl_node *n, rl_conn *c, const rl_Message *m, const rl_signer_info *who) {
  const rl_AttachReqAns *req = &m->message_contents.message_body.attach_req;
  rl_MessageBody b;
  rl_IceCandidate cand;
  rl_conn *existing;
  if (n->opt.client) {
    rl_node_reply_error(n, c, &m->forwarding_header, RL_ErrorCode_Error_Forbidden,
                         "a client does not accept Attach");
    return;
  }
  if (who->node_id_len != n->id_len || memcmp(who->node_id, n->self.b, n->id_len) == 0) {
    rl_node_reply_error(n, c, &m->forwarding_header, RL_ErrorCode_Error_Invalid_Message,
                         "Attach from this node itself");
    return;
  }
  /* 6.5.1.11: No-ICE needs a candidate we can use: of the protocol we
   * speak, and one the configuration permits (11.1 overlay-link-protocol,
   * peer/linkproto.h). */
  {
    int usable = 0;
    rl_OverlayLinkType ours = rl_link_mode_overlay_link(n->opt.link_mode);
    for (size_t i = 0; i < req->candidates_count; i++)
      if (req->candidates[i].overlay_link == ours && rl_link_protocol_permitted(n->cfg, ours))
        usable = 1;
    if (!usable) {
      rl_node_reply_error(n, c, &m->forwarding_header, RL_ErrorCode_Error_Incompatible_with_Overlay,
                           "no %s candidate offered (or not permitted by overlay-link-protocol)",
                           rl_OverlayLinkType_name(ours));
      return;
    }
  }
  existing = rl_node_conn_by_id(n, who->node_id);
  if (rl_node_ice_on(n)) {
    /* Full ICE (6.5.1.3): answered once our candidates are gathered. */
    int linked = existing && existing->up;
    rl_node_ice_answer(n, c, m, who->node_id, req->send_update, linked);
    if (linked) {
      existing->chord_known = 1;
      rl_chord_on_connected(n->chord, who->node_id, req->send_update);
    }
    return;
  }
  rl_node_candidate(n, &cand);
  memset(&b, 0, sizeof b);
  b.attach_ans.ufrag = req->ufrag;
  b.attach_ans.password = req->password;
  b.attach_ans.role.ptr = (const uint8_t *)"active";
  b.attach_ans.role.len = 6; /* "active": the answerer (6.5.1.1) */
  b.attach_ans.candidates = &cand;
  b.attach_ans.candidates_count = 1;
  b.attach_ans.send_update = req->send_update;
  if (existing && existing->up) {
    /* Already linked: the chord hears of it now (6.4.2.3 send_update). */
    rl_node_reply(n, c, m, RL_MessageCode_attach_ans, &b);
    existing->chord_known = 1;
    rl_chord_on_connected(n->chord, who->node_id, req->send_update);
    return;
  }
  rl_node_inbound_expect(n, who->node_id, req->send_update);
  rl_node_reply(n, c, m, RL_MessageCode_attach_ans, &b);
}

static void handle_app_attach(rl_node *n, rl_conn *c, const rl_Message *m) {
  const rl_AppAttachReq *req = &m->message_contents.message_body.app_attach_req;
  rl_MessageBody b;
  rl_IceCandidate cand;
  if (req->application != 5060 || n->opt.sip_port == 0) {
    rl_node_reply_error(n, c, &m->forwarding_header, RL_ErrorCode_Error_Not_Found,
                         "application %u is not offered here", (unsigned)req->application);
    return;
  }
  rl_node_candidate(n, &cand);
  /* The SIP links are TLS over TCP whatever the overlay's links are
   * (usage/sip_proxy.c), so the candidate says TCP under DTLS too. */
  cand.overlay_link = RL_OverlayLinkType_TLS_TCP_FH_NO_ICE;
  if (cand.addr_port.type == RL_AddressType_ipv6_address)
    cand.addr_port.v6addr_port.port = n->opt.sip_port;
  else
    cand.addr_port.v4addr_port.port = n->opt.sip_port;
  memset(&b, 0, sizeof b);
  b.app_attach_ans.ufrag = req->ufrag;
  b.app_attach_ans.password = req->password;
  b.app_attach_ans.application = req->application;
  b.app_attach_ans.role.ptr = (const uint8_t *)"active";
  b.app_attach_ans.role.len = 6;
  b.app_attach_ans.candidates = &cand;
  b.app_attach_ans.candidates_count = 1;
  rl_node_reply(n, c, m, RL_MessageCode_app_attach_ans, &b);
}

static void handle_probe(rl_node *n, rl_conn *c, const rl_Message *m) {
  const rl_ProbeReq *req = &m->message_contents.message_body.probe_req;
  rl_ProbeInformation info[8];
  size_t k = 0;
  rl_MessageBody b;
  rl_store_stats ss;
  rl_store_get_stats(n->store, &ss);
  if (RL_BROKEN(n, RL_BREAK_PROBE_EXTRA_INFO)) {
    memset(&info[k], 0, sizeof info[k]);
    info[k].type = RL_ProbeInformationType_responsible_set;
    info[k].length = 4;
    info[k].value.responsible_ppb = rl_chord_responsible_ppb(n->chord);
    k++;
  }
  for (size_t i = 0; i < req->requested_info_count && k < 8; i++) {
    rl_ProbeInformation *p = &info[k];
    memset(p, 0, sizeof *p);
    p->type = req->requested_info[i];
    p->length = 4;
    switch (p->type) {
    case RL_ProbeInformationType_responsible_set:
      p->value.responsible_ppb = rl_chord_responsible_ppb(n->chord);
      break;
    case RL_ProbeInformationType_num_resources:
      p->value.num_resources = (uint32_t)ss.resources;
      break;
    case RL_ProbeInformationType_uptime:
      p->value.uptime = rl_chord_uptime(n->chord);
      break;
    default:
      continue; /* 6.4.2.5.2: unknown types are left out */
    }
    k++;
  }
  memset(&b, 0, sizeof b);
  b.probe_ans.probe_info = info;
  b.probe_ans.probe_info_count = k;
  rl_node_reply(n, c, m, RL_MessageCode_probe_ans, &b);
}

static void handle_route_query(rl_node *n, rl_conn *c, const rl_Message *m,
                               const rl_signer_info *who) {
  const rl_RouteQueryReq *req = &m->message_contents.message_body.route_query_req;
  const rl_Destination *d = &req->destination;
  rl_MessageBody b;
  uint8_t next[RL_NODEID_MAX_LEN];
  const rl_bytes *id;
  if (d->compressed || (d->type != RL_DestinationType_node && d->type != RL_DestinationType_resource)) {
    rl_node_reply_error(n, c, &m->forwarding_header, RL_ErrorCode_Error_Invalid_Message,
                         "RouteQuery destination must be a Node-ID or Resource-ID");
    return;
  }
  id = d->type == RL_DestinationType_node ? &d->destination_data.node_id
                                          : &d->destination_data.resource_id;
  if (id->len != n->id_len) {
    rl_node_reply_error(n, c, &m->forwarding_header, RL_ErrorCode_Error_Invalid_Message,
                         "RouteQuery destination of %zu bytes", id->len);
    return;
  }
  memset(&b, 0, sizeof b);
  b.route_query_ans.topology = RL_TopologyPlugin_CHORD_RELOAD;
  rl_chord_on_route_query(n->chord, who->node_id, id->ptr, req->send_update, next,
                          &b.route_query_ans.chord_route_query_ans);
  rl_node_reply(n, c, m, RL_MessageCode_route_query_ans, &b);
}

/* 6.4.2.1 JoinReq. */
static void handle_join(rl_node *n, rl_conn *c, const rl_Message *m, const rl_signer_info *who) {
  const rl_JoinReq *r = &m->message_contents.message_body.join_req;
  const rl_ForwardingHeader *fh = &m->forwarding_header;
  rl_MessageBody b;
  rl_ErrorCode answer = 0;
  memset(&b, 0, sizeof b);
  if (who->node_id_len != n->id_len || r->joining_peer_id.len != n->id_len ||
      memcmp(r->joining_peer_id.ptr, who->node_id, n->id_len) != 0) {
    rl_node_reply_error(n, c, fh, RL_ErrorCode_Error_Forbidden,
                         "joining_peer_id is not the signer's Node-ID");
    return;
  }
  if (!c || !c->bound || memcmp(c->id.b, who->node_id, n->id_len) != 0) {
    /* 6.4.2.1: "receiving peers MUST verify that any JoinReq they receive
     * arrives from a transport channel that is bound to the Node-ID to be
     * assumed by the Joining Node." */
    rl_node_reply_error(n, c, fh, RL_ErrorCode_Error_Forbidden,
                         "JoinReq did not come over the joining peer's own link");
    return;
  }
  rl_chord_on_join_req(n->chord, who->node_id, r, &answer);
  if (answer == RL_ErrorCode_Error_Forbidden)
    /* 6.4.2.1: "joins may be executed only between nodes which are
     * directly adjacent"; a Joining Node attaches first (10.5 step 2, and
     * 11.4: over its bootstrap link, an Attach for its Node-ID + 1). */
    rl_node_reply_error(n, c, fh, answer,
                         "Join refused: no Attach from the joining node on this link "
                         "(RFC 6940 10.5, 11.4)");
  else if (answer)
    rl_node_reply_error(n, c, fh, answer,
                         "Join refused: this peer is not the Admitting Peer for the "
                         "joining Node-ID (RFC 6940 10.5)");
  else
    rl_node_reply(n, c, m, RL_MessageCode_join_ans, &b);
}

/* 6.4.2.2 LeaveReq. */
static void handle_leave(rl_node *n, rl_conn *c, const rl_Message *m, const rl_signer_info *who) {
  const rl_LeaveReq *r = &m->message_contents.message_body.leave_req;
  const rl_ForwardingHeader *fh = &m->forwarding_header;
  rl_MessageBody b;
  rl_ErrorCode answer = 0;
  memset(&b, 0, sizeof b);
  if (who->node_id_len != n->id_len || r->leaving_peer_id.len != n->id_len ||
      memcmp(r->leaving_peer_id.ptr, who->node_id, n->id_len) != 0) {
    /* 6.4.2.2: "the receiving peer MUST verify that the leaving_peer_id is
     * the Node-ID of the sender" (signer). */
    rl_node_reply_error(n, c, fh, RL_ErrorCode_Error_Forbidden,
                         "leaving_peer_id is not the signer's Node-ID");
    return;
  }
  if (!c || !c->bound || memcmp(c->id.b, who->node_id, n->id_len) != 0) {
    /* 6.4.2.2: "receiving peers MUST verify that any LeaveReq they receive
     * arrives from a transport channel that is bound to the Node-ID to be
     * assumed by the leaving peer" (no replays by others). */
    rl_node_reply_error(n, c, fh, RL_ErrorCode_Error_Forbidden,
                         "LeaveReq did not come over the leaving peer's own link");
    return;
  }
  rl_chord_on_leave(n->chord, who->node_id, r->leaving_peer_id.ptr,
                    r->overlay_specific_data.raw.len ? &r->overlay_specific_data.chord_leave_data
                                                     : NULL,
                    &answer);
  if (answer) {
    rl_node_reply_error(n, c, fh, answer, "Leave refused");
  } else {
    size_t k = n->left_next++ % (sizeof n->left_peers / sizeof n->left_peers[0]);
    memcpy(n->left_peers[k].id.b, who->node_id, n->id_len);
    n->left_peers[k].until = rl_node_now(n) + 30000;
    rl_node_reply(n, c, m, RL_MessageCode_leave_ans, &b);
  }
}

/* 6.4.2.3 UpdateReq. */
static void handle_update(rl_node *n, rl_conn *c, const rl_Message *m, const rl_signer_info *who) {
  const rl_UpdateReq *r = &m->message_contents.message_body.update_req;
  rl_MessageBody b;
  memset(&b, 0, sizeof b);
  if (who->node_id_len != n->id_len) return;
  if (r->topology != RL_TopologyPlugin_CHORD_RELOAD) {
    rl_node_reply_error(n, c, &m->forwarding_header, RL_ErrorCode_Error_Incompatible_with_Overlay,
                         "Update for another topology plug-in");
    return;
  }
  rl_chord_on_update(n->chord, who->node_id, &r->chord_update);
  rl_node_reply(n, c, m, RL_MessageCode_update_ans, &b);
}

void rl_node_handle_request(rl_node *n, rl_conn *c, const rl_Message *m,
                            const rl_signer_info *who) {
  rl_MessageCode code = m->message_contents.message_code;
  const rl_ForwardingHeader *fh = &m->forwarding_header;
  rl_MessageBody b;
  memset(&b, 0, sizeof b);
  if (code == RL_MessageCode_ping_req) {
    /* 6.5.3.2 */
    b.ping_ans.response_id = rl_node_random(n);
    b.ping_ans.time = rl_node_wall_ms(n);
    rl_node_reply(n, c, m, RL_MessageCode_ping_ans, &b);
    return;
  }
  if (code == RL_MessageCode_config_update_req) {
    /* Clients answer ConfigUpdate too (spec/ profile client). */
    rl_node_handle_config_update(n, c, m, who);
    return;
  }
  if (n->opt.client) {
    /* 4.2: a client does not route or store; it answers Pings and
     * ConfigUpdates only. */
    rl_node_reply_error(n, c, fh, RL_ErrorCode_Error_Forbidden,
                         "a client does not handle %s", rl_MessageCode_name(code) ?
                         rl_MessageCode_name(code) : "this request");
    return;
  }
  switch (code) {
  case RL_MessageCode_attach_req: handle_attach(n, c, m, who); return;
  case RL_MessageCode_app_attach_req: handle_app_attach(n, c, m); return;
  case RL_MessageCode_join_req: handle_join(n, c, m, who); return;
  case RL_MessageCode_leave_req: handle_leave(n, c, m, who); return;
  case RL_MessageCode_update_req: handle_update(n, c, m, who); return;
  case RL_MessageCode_route_query_req: handle_route_query(n, c, m, who); return;
  case RL_MessageCode_probe_req: handle_probe(n, c, m); return;
  case RL_MessageCode_store_req: handle_store(n, c, m, who); return;
  case RL_MessageCode_fetch_req:
  case RL_MessageCode_stat_req:
  case RL_MessageCode_find_req: handle_fetch_like(n, c, m); return;
  default:
    if (RL_BROKEN(n, RL_BREAK_ANSWER_UNKNOWN_CODE)) {
      rl_node_reply(n, c, m, RL_MessageCode_ping_ans, &b);
      return;
    }
    rl_node_reply_error(n, c, fh, RL_ErrorCode_Error_Invalid_Message,
                         "message code 0x%04x is not supported", (unsigned)code);
    return;
  }
}
