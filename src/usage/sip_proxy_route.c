/* usage/sip_proxy_route.c: the SIP proxy of a peer (RFC 7904, RFC 3261 16),
 * target resolution (16.5, RFC 7904 4.2, 5.1): local phones, the overlay
 * lookup, AppAttach and SIP links to peers, phone addresses over UDP or
 * TCP. See sip_proxy.h and sip_proxy_int.h. */
#define _GNU_SOURCE /* getaddrinfo flags, strcasecmp */
#include "usage/sip_proxy_int.h"

static void on_fetch(void *user, const rl_node_answer *a);
static void start_lookup(rl_sip_proxy *p, sp_txn *t);
static int peer_conn_to(rl_sip_proxy *p, const uint8_t *id);
static void wait_for_link(rl_sip_proxy *p, sp_txn *t, int ci);
static int phone_conn_to(rl_sip_proxy *p, const struct sockaddr_storage *addr);
static void send_to_address(rl_sip_proxy *p, sp_txn *t, const rl_sip_uri *u);
static void on_app_attach(void *user, const rl_node_answer *a);
static void route_to_aor(rl_sip_proxy *p, sp_txn *t, int from_peer);

/* Deliver t to the phone bound to its AOR, if there is one here: over the
 * connection it registered on, else to its Contact (10.3: the binding is
 * the Contact, which need not be where the REGISTER came from), else, for
 * a Contact without an IP address, where the REGISTER came from. */
int rl_sp_deliver_local(rl_sip_proxy *p, sp_txn *t) {
  sp_binding *b = rl_sp_binding_find(p, t->aor);
  rl_sip_uri cu;
  if (!b) return 0;
  snprintf(t->ruri_override, sizeof t->ruri_override, "%s", b->contact);
  rl_sp_log(p, 1, "%s is a phone of this peer (%s)", t->aor, b->contact);
  if (b->hop.kind == HOP_CONN)
    rl_sp_forward(p, t, &b->hop, t->ruri_override);
  else if (rl_sip_uri_parse(b->contact, strlen(b->contact), &cu, NULL) == 0 &&
           (cu.host_type == RL_SIP_HOST_IPV4 || cu.host_type == RL_SIP_HOST_IPV6))
    send_to_address(p, t, &cu);
  else
    rl_sp_forward(p, t, &b->src, t->ruri_override);
  return 1;
}

/* A node callback for t: one less outstanding (the slot may be reused
 * only when none is). */
sp_txn *rl_sp_cb_txn(void *user) {
  sp_txn *t = user;
  rl_sip_txn_callback_done(t->owner->txns, &t->base);
  return t;
}

static void on_fetch(void *user, const rl_node_answer *a) {
  sp_txn *t = rl_sp_cb_txn(user);
  rl_sip_proxy *p = t->owner;
  const rl_FetchAns *fa;
  char uri_next[SP_AOR_MAX] = "";
  if (t->state != TX_RESOLVING) return;
  p->now = rl_node_now(p->node);
  if (a->status != 0) {
    rl_sp_log(p, 1, "overlay: Fetch %s failed: %s", t->aor,
              a->error_text ? a->error_text : rl_strerror(a->status));
    if (a->status == RL_ErrorCode_Error_Not_Found)
      rl_sp_txn_respond(p, t, 404, "Not Found");
    else
      rl_sp_txn_respond(p, t, 480, "Temporarily Unavailable (overlay lookup failed)");
    return;
  }
  fa = &a->answer->message_contents.message_body.fetch_ans;
  t->ntargets = t->tnext = 0;
  for (size_t k = 0; k < fa->kind_responses_count; k++) {
    const rl_FetchKindResponse *kr = &fa->kind_responses[k];
    if (kr->kind != RL_SIP_REGISTRATION_KIND) continue;
    for (size_t i = 0; i < kr->values_count; i++) {
      const rl_StoredData *sd = &kr->values[i];
      const rl_DataValue *dv = &sd->value.dictionary_entry.value;
      rl_sip_reg_target tg;
      rl_ctx ctx;
      char why[160];
      uint8_t rid[RL_NODE_ID_MAX];
      rl_arena_reset(&p->arena);
      rl_ctx_init(&ctx, &p->arena, rl_node_params(p->node));
      if (!dv->exists) continue;
      rl_resource_id((const uint8_t *)t->aor, strlen(t->aor), p->id_len, rid);
      /* RFC 6940 7.1 / 7904 3.3: a value counts only when its signer may
       * have stored it. */
      if (rl_node_verify_value(p->node, rid, p->id_len, RL_SIP_REGISTRATION_KIND, sd, why,
                               sizeof why) != 0) {
        rl_sp_log(p, 1, "overlay: a registration of %s is refused: %s", t->aor, why);
        continue;
      }
      if (rl_sip_reg_decode(dv->value.ptr, dv->value.len, &ctx, &tg) != 0) {
        rl_sp_log(p, 1, "overlay: a registration of %s does not decode", t->aor);
        continue;
      }
      if (tg.is_uri) {
        if (!uri_next[0] && tg.uri.len < sizeof uri_next) {
          memcpy(uri_next, tg.uri.ptr, tg.uri.len);
          uri_next[tg.uri.len] = 0;
        }
        continue;
      }
      if (tg.node_id_len != p->id_len) continue;
      /* Newest first: a phone that moved is found where it went. */
      {
        size_t j, dup = 0;
        for (j = 0; j < t->ntargets; j++)
          if (memcmp(t->target[j], tg.node_id, p->id_len) == 0) dup = 1;
        if (dup || t->ntargets == SP_MAX_TARGETS) continue;
        j = t->ntargets++;
        while (j > 0 && t->target_time[j - 1] < sd->storage_time) {
          memcpy(t->target[j], t->target[j - 1], p->id_len);
          t->target_time[j] = t->target_time[j - 1];
          j--;
        }
        memcpy(t->target[j], tg.node_id, p->id_len);
        t->target_time[j] = sd->storage_time;
      }
    }
  }
  rl_sp_log(p, 1, "overlay: Fetch %s: %zu registration(s), answer after %u hop(s), %.1f ms", t->aor,
            t->ntargets, a->hops, (double)a->latency_us / 1000.0);
  if (t->ntargets == 0 && uri_next[0] && t->depth < SP_MAX_DEPTH) {
    /* 4.2 step 2: a registration naming another AOR: look that one up. */
    const char *s = uri_next;
    if (strncasecmp(s, "sip:", 4) == 0) s += 4;
    snprintf(t->aor, sizeof t->aor, "%s", s);
    t->depth++;
    start_lookup(p, t);
    return;
  }
  if (t->ntargets == 0) {
    rl_sp_txn_respond(p, t, 404, "Not Found");
    return;
  }
  rl_sp_try_next_target(p, t);
}

static void start_lookup(rl_sip_proxy *p, sp_txn *t) {
  uint8_t rid[RL_NODE_ID_MAX];
  rl_FetchReq fr;
  rl_MessageBody b;
  rl_Destination d;
  int rc;
  rl_arena_reset(&p->arena);
  rl_resource_id((const uint8_t *)t->aor, strlen(t->aor), p->id_len, rid);
  /* 4.2 step 1: no dictionary keys, so every registration comes back. */
  if (rl_ops_fetch_req(rid, p->id_len, RL_SIP_REGISTRATION_KIND, RL_DataModel_dictionary, 0, 0, 0,
                       NULL, 0, &p->arena, &fr) != 0) {
    rl_sp_txn_respond(p, t, 500, "Server Internal Error");
    return;
  }
  memset(&b, 0, sizeof b);
  b.fetch_req = fr;
  rl_dest_resource(&d, rid, p->id_len);
  /* Counted and in its state before the request: the answer may come
   * before rl_node_request returns. */
  t->state = TX_RESOLVING;
  t->step_started = p->now;
  t->base.pending++;
  rc = rl_node_request(p->node, &d, 1, RL_MessageCode_fetch_req, &b, on_fetch, t);
  if (rc != 0) {
    t->base.pending--;
    rl_sp_txn_respond(p, t, 503, "Service Unavailable (not in the overlay)");
    return;
  }
  p->st.lookups++;
  rl_sp_log(p, 1, "overlay: Fetch SIP-REGISTRATION of %s", t->aor);
}

int rl_sp_conn_new(rl_sip_proxy *p, conn_kind kind, rl_link *l) {
  for (int i = 0; i < SP_MAX_CONNS; i++) {
    sp_conn *c = &p->conns[i];
    if (c->used) continue;
    if (!c->buf) c->buf = malloc(SP_CONN_BUF);
    if (!c->buf) return -1;
    c->used = 1;
    c->kind = kind;
    c->link = l;
    c->up = 0;
    c->gen++;
    c->have_id = 0;
    c->outgoing = 0;
    c->len = 0;
    memset(&c->fr, 0, sizeof c->fr);
    rl_link_set_user(l, (void *)(intptr_t)(i + 1));
    return i;
  }
  return -1;
}

/* The SIP link to the peer id: one that is up, else one of ours being
 * set up (its Node-ID not proven yet), else -1. */
static int peer_conn_to(rl_sip_proxy *p, const uint8_t *id) {
  int pending = -1;
  for (int i = 0; i < SP_MAX_CONNS; i++) {
    sp_conn *c = &p->conns[i];
    if (!c->used || c->kind != CONN_PEER || memcmp(c->node_id, id, p->id_len) != 0) continue;
    if (c->have_id && c->up) return i;
    if (c->outgoing && !c->up && pending < 0) pending = i;
  }
  return pending;
}

/* t waits for SIP link ci being set up (on_up sends it, on_closed tries
 * the next target): one link per peer, however many requests come while
 * it is set up. */
static void wait_for_link(rl_sip_proxy *p, sp_txn *t, int ci) {
  t->state = TX_CONNECTING;
  t->conn = ci;
  t->conn_gen = p->conns[ci].gen;
  t->step_started = p->now;
}

void rl_sp_send_over(rl_sip_proxy *p, sp_txn *t, int ci) {
  sp_hop h;
  memset(&h, 0, sizeof h);
  h.kind = HOP_CONN;
  h.conn = ci;
  h.gen = p->conns[ci].gen;
  rl_sp_forward(p, t, &h, t->ruri_override[0] ? t->ruri_override : NULL);
}

/* The phone connection that reaches addr: the one a phone registered on
 * with addr as its Contact, else one whose far end is addr. -1 if none. */
static int phone_conn_to(rl_sip_proxy *p, const struct sockaddr_storage *addr) {
  for (size_t k = 0; k < SP_MAX_BINDINGS; k++) {
    sp_binding *b = &p->bindings[k];
    rl_sip_uri cu;
    struct sockaddr_storage cs;
    socklen_t cl;
    if (!b->used || b->hop.kind != HOP_CONN || !rl_sp_conn_alive(p, b->hop.conn, b->hop.gen))
      continue;
    if (rl_sip_uri_parse(b->contact, strlen(b->contact), &cu, NULL) == 0 &&
        rl_sp_sockaddr_from_uri(&cu, &cs, &cl) == 0 && rl_sockaddr_equal(&cs, addr))
      return b->hop.conn;
  }
  for (int i = 0; i < SP_MAX_CONNS; i++) {
    sp_conn *c = &p->conns[i];
    struct sockaddr_storage ra;
    socklen_t rl = 0;
    const struct sockaddr *sa;
    if (!c->used || c->kind != CONN_PHONE || !c->link) continue;
    sa = rl_link_peer_addr(c->link, &rl);
    if (!sa || rl > sizeof ra) continue;
    memset(&ra, 0, sizeof ra);
    memcpy(&ra, sa, rl);
    if (rl_sockaddr_equal(&ra, addr)) return i;
  }
  return -1;
}

/* Send t to the address in u (19.1.1, 18.1.1): over a phone connection
 * that reaches it when there is one (so in-dialog requests to a phone on
 * TCP stay on TCP), over a new TCP connection for ";transport=tcp", else
 * over UDP. */
static void send_to_address(rl_sip_proxy *p, sp_txn *t, const rl_sip_uri *u) {
  sp_hop h;
  int ci, tcp = u->transport.p && rl_sip_str_ieq(u->transport, "tcp");
  rl_link *l;
  memset(&h, 0, sizeof h);
  if (rl_sp_sockaddr_from_uri(u, &h.addr, &h.alen) != 0) {
    rl_sp_txn_respond(p, t, 400, "Bad Request-URI");
    return;
  }
  ci = phone_conn_to(p, &h.addr);
  if (ci < 0 && tcp) {
    l = rl_link_connect(p->phone_ctx, (struct sockaddr *)&h.addr, h.alen);
    if (!l || (ci = rl_sp_conn_new(p, CONN_PHONE, l)) < 0) {
      if (l) rl_link_close(l);
      rl_sp_txn_respond(p, t, 503, "Service Unavailable (cannot connect over TCP)");
      return;
    }
    p->conns[ci].outgoing = 1;
  }
  if (ci >= 0 && !p->conns[ci].up) {
    /* rl_sp_on_up sends it. */
    t->state = TX_CONNECTING;
    t->conn = ci;
    t->conn_gen = p->conns[ci].gen;
    t->step_started = p->now;
    return;
  }
  if (ci >= 0) {
    rl_sp_send_over(p, t, ci);
    return;
  }
  /* 16.3 step 4 (loop detection): never to our own socket. */
  if (p->udp_alen && rl_sockaddr_equal(&h.addr, &p->udp_addr)) {
    rl_sp_txn_respond(p, t, 482, "Loop Detected");
    return;
  }
  h.kind = HOP_UDP;
  rl_sp_forward(p, t, &h, t->ruri_override[0] ? t->ruri_override : NULL);
}

static void on_app_attach(void *user, const rl_node_answer *a) {
  sp_txn *t = rl_sp_cb_txn(user);
  rl_sip_proxy *p = t->owner;
  const rl_AppAttachAns *an;
  const uint8_t *target;
  struct sockaddr_storage ss;
  socklen_t len = 0;
  rl_link *l;
  int ci;
  char sid[12];
  if (t->state != TX_ATTACHING) return;
  p->now = rl_node_now(p->node);
  target = t->target[t->tnext - 1];
  rl_sp_short_id(target, p->id_len, sid);
  if (a->status != 0) {
    rl_sp_log(p, 1, "overlay: AppAttach to %s.. failed: %s", sid,
              a->error_text ? a->error_text : rl_strerror(a->status));
    rl_sp_try_next_target(p, t);
    return;
  }
  if (a->responder_len != p->id_len || memcmp(a->responder, target, p->id_len) != 0) {
    rl_sp_log(p, 1, "overlay: AppAttach to %s.. answered by another node", sid);
    rl_sp_try_next_target(p, t);
    return;
  }
  an = &a->answer->message_contents.message_body.app_attach_ans;
  for (size_t i = 0; i < an->candidates_count && !len; i++) {
    const rl_IpAddressPort *ap = &an->candidates[i].addr_port;
    memset(&ss, 0, sizeof ss);
    if (ap->type == RL_AddressType_ipv4_address) {
      struct sockaddr_in *s = (struct sockaddr_in *)&ss;
      s->sin_family = AF_INET;
      s->sin_addr.s_addr = htonl(ap->v4addr_port.addr);
      s->sin_port = htons(ap->v4addr_port.port);
      len = sizeof *s;
    } else if (ap->type == RL_AddressType_ipv6_address) {
      struct sockaddr_in6 *s = (struct sockaddr_in6 *)&ss;
      s->sin6_family = AF_INET6;
      memcpy(&s->sin6_addr, ap->v6addr_port.addr.b, 16);
      s->sin6_port = htons(ap->v6addr_port.port);
      len = sizeof *s;
    }
  }
  rl_sp_log(p, 1, "overlay: AppAttach to %s..: answer after %u hop(s), %.1f ms", sid, a->hops,
            (double)a->latency_us / 1000.0);
  if (!len) {
    rl_sp_try_next_target(p, t);
    return;
  }
  /* An earlier AppAttach may have brought a link up, or be setting one
   * up, meanwhile. */
  ci = peer_conn_to(p, target);
  if (ci >= 0 && p->conns[ci].up) {
    rl_sp_send_over(p, t, ci);
    return;
  }
  if (ci >= 0) {
    wait_for_link(p, t, ci);
    return;
  }
  l = rl_link_connect(p->peer_ctx, (struct sockaddr *)&ss, len);
  if (!l || (ci = rl_sp_conn_new(p, CONN_PEER, l)) < 0) {
    if (l) rl_link_close(l);
    rl_sp_try_next_target(p, t);
    return;
  }
  p->conns[ci].outgoing = 1;
  /* 5.1: the far end must prove this Node-ID (checked in rl_sp_on_up). */
  memcpy(p->conns[ci].node_id, target, p->id_len);
  t->state = TX_CONNECTING;
  t->conn = ci;
  t->conn_gen = p->conns[ci].gen;
  p->st.peer_links++;
}

void rl_sp_try_next_target(rl_sip_proxy *p, sp_txn *t) {
  while (t->tnext < t->ntargets) {
    const uint8_t *target = t->target[t->tnext++];
    int ci;
    rl_AppAttachReq *ar;
    rl_MessageBody b;
    rl_Destination d;
    char sid[12];
    if (t->cancelled) break;
    rl_sp_short_id(target, p->id_len, sid);
    if (memcmp(target, p->self, p->id_len) == 0) {
      if (rl_sp_deliver_local(p, t)) return;
      continue;
    }
    /* 5.1: "A previously established SIP connection MAY be used". */
    ci = peer_conn_to(p, target);
    if (ci >= 0 && p->conns[ci].up) {
      rl_sp_log(p, 1, "overlay: SIP link to %s.. is up already", sid);
      rl_sp_send_over(p, t, ci);
      return;
    }
    if (ci >= 0) {
      rl_sp_log(p, 1, "overlay: SIP link to %s.. is being set up: waiting for it", sid);
      wait_for_link(p, t, ci);
      return;
    }
    memset(&b, 0, sizeof b);
    ar = &b.app_attach_req;
    {
      static char ufrag[16], pwd[24];
      snprintf(ufrag, sizeof ufrag, "%08x", rl_sp_rand(p));
      snprintf(pwd, sizeof pwd, "%08x%08x", rl_sp_rand(p), rl_sp_rand(p));
      ar->ufrag.ptr = (const uint8_t *)ufrag;
      ar->ufrag.len = strlen(ufrag);
      ar->password.ptr = (const uint8_t *)pwd;
      ar->password.len = strlen(pwd);
    }
    /* 7904 5.1: "The 'application' field MUST be either 5060 ... or 5061". */
    ar->application = 5060;
    ar->role.ptr = (const uint8_t *)"passive";
    ar->role.len = 7;
    rl_dest_node(&d, target, p->id_len);
    t->base.pending++;
    t->state = TX_ATTACHING;
    t->step_started = p->now;
    if (rl_node_request(p->node, &d, 1, RL_MessageCode_app_attach_req, &b, on_app_attach, t) != 0) {
      t->base.pending--;
      continue;
    }
    p->st.attaches++;
    rl_sp_log(p, 1, "overlay: AppAttach (application 5060) to %s..", sid);
    return;
  }
  if (t->cancelled)
    rl_sp_txn_respond(p, t, 487, "Request Terminated");
  else
    rl_sp_txn_respond(p, t, 480, "Temporarily Unavailable");
}

/* 1 when u names our phone-facing address: our host and SIP port (5060
 * when u has none, 19.1.2). */
int rl_sp_uri_is_our_address(const rl_sip_proxy *p, const rl_sip_uri *u) {
  int port = u->port > 0 ? u->port : 5060;
  return port == p->port && u->host.len == strlen(p->host) &&
         strncasecmp(u->host.p, p->host, u->host.len) == 0;
}

/* Resolve t's AOR (7904 4.2): a phone of ours, else the overlay. */
static void route_to_aor(rl_sip_proxy *p, sp_txn *t, int from_peer) {
  if (rl_sp_deliver_local(p, t)) return;
  if (from_peer) {
    /* A peer found our registration, but the phone is gone. */
    rl_sp_txn_respond(p, t, 480, "Temporarily Unavailable");
    return;
  }
  start_lookup(p, t);
}

/* Where t's target leads (16.5, 16.6 steps 6-7): a GRUU's peer (7904 6),
 * an AOR of the overlay, this proxy itself, or an IP address. */
void rl_sp_route_target(rl_sip_proxy *p, sp_txn *t, const rl_sip_msg *m, const rl_sip_uri *target,
                        int from_peer) {
  rl_sip_str gr;
  rl_ctx ctx;
  uint8_t id[RL_NODE_ID_MAX];
  rl_ctx_init(&ctx, NULL, rl_node_params(p->node));
  if (rl_sip_param_find(target->params, "gr", &gr) && gr.p &&
      rl_sip_gruu_decode(gr, &ctx, p->id_len, id) == 0) {
    /* 7904 6: a GRUU carries its destination list: no lookup. */
    if (memcmp(id, p->self, p->id_len) == 0) {
      if (rl_sip_aor_name(target, t->aor, sizeof t->aor) > 0 && rl_sp_deliver_local(p, t)) return;
      rl_sp_txn_respond(p, t, 480, "Temporarily Unavailable");
      return;
    }
    memcpy(t->target[0], id, p->id_len);
    t->ntargets = 1;
    rl_sp_try_next_target(p, t);
    return;
  }
  if (target->host_type == RL_SIP_HOST_NAME && target->port < 0 &&
      target->host.len == strlen(p->domain) &&
      strncasecmp(target->host.p, p->domain, target->host.len) == 0) {
    if (rl_sip_aor_name(target, t->aor, sizeof t->aor) < 0) {
      rl_sp_txn_respond(p, t, 404, "Not Found");
      return;
    }
    route_to_aor(p, t, from_peer);
    return;
  }
  if (rl_sp_uri_is_our_address(p, target)) {
    /* 16.5: a URI of this proxy's own address is one it is responsible
     * for: its user is an AOR of the overlay. Sending it on would bring
     * it straight back (a loop, each pass holding a transaction). */
    if (!target->user.p) {
      if (m->method == RL_SIP_METHOD_OPTIONS)
        rl_sp_respond(p, m, &t->up, 200, "OK",
                      "Allow: INVITE, ACK, CANCEL, BYE, OPTIONS, MESSAGE, REGISTER, SUBSCRIBE, "
                      "NOTIFY, REFER, INFO, UPDATE, PRACK\r\n",
                      t);
      else
        rl_sp_txn_respond(p, t, 404, "Not Found (no user in a Request-URI naming this peer)");
      return;
    }
    if ((size_t)snprintf(t->aor, sizeof t->aor, "%.*s@%s", (int)target->user.len, target->user.p,
                         p->domain) >= sizeof t->aor) {
      rl_sp_txn_respond(p, t, 404, "Not Found (user too long)");
      return;
    }
    /* 16.6 step 6: the Request-URI becomes the AOR, so that the next
     * peer looks at the AOR, not at our address. */
    snprintf(t->ruri_override, sizeof t->ruri_override, "sip:%s", t->aor);
    route_to_aor(p, t, from_peer);
    return;
  }
  if (target->host_type == RL_SIP_HOST_IPV4 || target->host_type == RL_SIP_HOST_IPV6) {
    send_to_address(p, t, target);
    return;
  }
  rl_sp_txn_respond(p, t, 404, "Not Found (domain not served by this overlay)");
}
