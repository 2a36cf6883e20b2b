/* usage/sip_proxy_reg.c: the SIP proxy of a peer (RFC 7904, RFC 3261 16),
 * the registrar (RFC 3261 10.3): bindings of local phones, stored in the
 * overlay as SIP-REGISTRATION (RFC 7904 3). See sip_proxy.h and
 * sip_proxy_int.h. */
#define _GNU_SOURCE /* getaddrinfo flags, strcasecmp */
#include "usage/sip_proxy_int.h"

static const rl_credentials *user_cred(rl_sip_proxy *p, const char *aor);
static void on_store(void *user, const rl_node_answer *a);
static int store_registration(rl_sip_proxy *p, const rl_credentials *cred, const char *aor,
                              uint32_t expires, rl_node_answer_fn cb, void *user);
static int set_binding(rl_sip_proxy *p, const rl_sip_msg *m, sp_txn *t, sp_binding *b,
                       const char *aor, const rl_sip_addr *ct, uint32_t expires);
static void on_unregistered(void *user, const rl_node_answer *a);

sp_binding *rl_sp_binding_find(rl_sip_proxy *p, const char *aor) {
  for (size_t i = 0; i < SP_MAX_BINDINGS; i++)
    if (p->bindings[i].used && strcasecmp(p->bindings[i].aor, aor) == 0) return &p->bindings[i];
  return NULL;
}

static const rl_credentials *user_cred(rl_sip_proxy *p, const char *aor) {
  for (size_t i = 0; i < p->o.nusers; i++) {
    const rl_credentials *c = p->o.users[i];
    if (c->cert->user && strcasecmp(c->cert->user, aor) == 0) return c;
  }
  return NULL;
}

static void on_store(void *user, const rl_node_answer *a) {
  sp_txn *t = rl_sp_cb_txn(user);
  rl_sip_proxy *p = t->owner;
  rl_sip_msg m;
  char hdrs[1100];
  sp_binding *b;
  if (t->state != TX_REGISTERING) return;
  p->now = rl_node_now(p->node);
  if (a->status != 0) {
    char reason[160];
    rl_sp_log(p, 1, "overlay: Store of %s failed: %s", t->aor,
              a->error_text ? a->error_text : rl_strerror(a->status));
    snprintf(reason, sizeof reason, "Server Internal Error (overlay Store: %s)",
             a->error_text ? a->error_text : rl_strerror(a->status));
    for (char *c = reason; *c; c++)
      if (*c == '\r' || *c == '\n') *c = ' ';
    /* The phone is not registered: no binding here either. */
    if (t->reg_binding >= 0 && t->reg_expires > 0) p->bindings[t->reg_binding].used = 0;
    rl_sp_txn_respond(p, t, 500, reason);
    return;
  }
  rl_sp_log(p, 1, "overlay: Store SIP-REGISTRATION of %s: stored after %u hop(s), %.1f ms", t->aor,
            a->hops, (double)a->latency_us / 1000.0);
  if (rl_sp_reparse(p, t->req, t->req_len, &m) != 0) return;
  b = t->reg_binding >= 0 ? &p->bindings[t->reg_binding] : NULL;
  if (t->reg_expires == 0 || !b || !b->used) {
    if (b && b->used && t->reg_expires == 0) b->used = 0;
    rl_sp_respond(p, &m, &t->up, 200, "OK", NULL, t);
  } else {
    char gruu[SP_AOR_MAX + 96] = "";
    rl_sip_err e;
    long ci = rl_sip_msg_find(&m, RL_SIP_HDR_CONTACT, 0);
    rl_sip_addr ct;
    size_t pos = 0;
    /* RFC 5627 5 / RFC 7904 6: a phone that supports GRUUs and names its
     * instance gets its RELOAD GRUU: the AOR with our destination list in
     * "gr"; a request for it comes straight to this peer, no lookup. */
    if (ci >= 0 && rl_sip_msg_has_token(&m, RL_SIP_HDR_SUPPORTED, "gruu", &e) == 1 &&
        rl_sip_contact_next(m.hdr[ci].value, &pos, &ct, &e) > 0 && ct.instance.p)
      snprintf(gruu, sizeof gruu, ";pub-gruu=\"sip:%s;gr=%s\"", t->aor, p->gruu);
    /* 5627 5.2: no "gruu" in Require or Supported of the response. */
    snprintf(hdrs, sizeof hdrs, "Contact: <%s>;expires=%u%s\r\nExpires: %u\r\n", b->contact,
             (unsigned)t->reg_expires, gruu, (unsigned)t->reg_expires);
    rl_sp_respond(p, &m, &t->up, 200, "OK", hdrs, t);
  }
}

/* The overlay's copy of a registration (7904 3): a route to us, under our
 * Node-ID, for as long as the registration lasts; expires 0 stores a
 * tombstone (6940 7.2). The StoreReq is signed by the user's credential
 * too (6940 7.3: "in a non-replica store, both the signer of the
 * StoredValue and the signer of the StoreReq MUST conform to the
 * policy"). 0, or an rl_err (cb is then not called). */
static int store_registration(rl_sip_proxy *p, const rl_credentials *cred, const char *aor,
                              uint32_t expires, rl_node_answer_fn cb, void *user) {
  uint8_t rid[RL_NODE_ID_MAX], value[256];
  long vlen;
  rl_ops_value v;
  rl_StoreReq sr;
  rl_MessageBody body;
  rl_Destination d;
  int rc;
  vlen = rl_sip_reg_encode_route(p->self, p->id_len, "", value, sizeof value);
  if (vlen < 0) return (int)vlen;
  rl_arena_reset(&p->arena);
  rl_resource_id((const uint8_t *)aor, strlen(aor), p->id_len, rid);
  memset(&v, 0, sizeof v);
  v.key.ptr = p->self;
  v.key.len = p->id_len;
  v.value.ptr = value;
  v.value.len = (size_t)vlen;
  v.exists = expires > 0;
  rc = rl_ops_store_req(cred, rid, p->id_len, RL_SIP_REGISTRATION_KIND, RL_DataModel_dictionary, 0,
                        &v, 1, expires ? expires : 60, rl_sp_wall_ms(), &p->arena, &sr);
  if (rc != 0) return rc;
  memset(&body, 0, sizeof body);
  body.store_req = sr;
  rl_dest_resource(&d, rid, p->id_len);
  return rl_node_request_as(p->node, cred, &d, 1, RL_MessageCode_store_req, &body, cb, user);
}

/* The binding of aor to Contact ct for expires seconds (10.3 step 7), in
 * t->reg_binding (-1: none); 0, or -1 when t was answered (table full,
 * Contact too long). */
static int set_binding(rl_sip_proxy *p, const rl_sip_msg *m, sp_txn *t, sp_binding *b,
                       const char *aor, const rl_sip_addr *ct, uint32_t expires) {
  if (expires == 0) {
    t->reg_binding = b ? (int)(b - p->bindings) : -1;
    return 0;
  }
  if (!b) {
    for (size_t k = 0; k < SP_MAX_BINDINGS && !b; k++)
      if (!p->bindings[k].used) b = &p->bindings[k];
    if (!b) {
      rl_sp_respond(p, m, &t->up, 503, "Service Unavailable (registration table full)", NULL, t);
      return -1;
    }
  }
  if (ct->uri_text.len >= sizeof b->contact) {
    rl_sp_respond(p, m, &t->up, 400, "Contact URI too long", NULL, t);
    return -1;
  }
  b->used = 1;
  snprintf(b->aor, sizeof b->aor, "%s", aor);
  memcpy(b->contact, ct->uri_text.p, ct->uri_text.len);
  b->contact[ct->uri_text.len] = 0;
  /* 10.3 step 7: the binding is the Contact. A phone on a connection is
   * reached over it (the one flow we know works, RFC 5626 5.3); one on
   * UDP at its Contact, which need not be where the REGISTER came from
   * (rl_sp_deliver_local). */
  memset(&b->hop, 0, sizeof b->hop);
  if (t->up.kind == HOP_CONN) b->hop = t->up;
  b->src = t->up;
  b->expires_ms = p->now + (uint64_t)expires * 1000u;
  t->reg_binding = (int)(b - p->bindings);
  return 0;
}

void rl_sp_do_register(rl_sip_proxy *p, const rl_sip_msg *m, sp_txn *t) {
  rl_sip_addr to, ct;
  rl_sip_err err;
  long i;
  char aor[SP_AOR_MAX];
  const rl_credentials *cred;
  uint32_t expires = 3600, max = p->o.max_expires ? p->o.max_expires : 3600;
  int have_contact = 0, star = 0;
  sp_binding *b;
  i = rl_sip_msg_find(m, RL_SIP_HDR_TO, 0);
  if (i < 0 || rl_sip_to_parse(m->hdr[i].value, &to, &err) != 0 ||
      rl_sip_aor_name(&to.uri, aor, sizeof aor) < 0) {
    rl_sp_respond(p, m, &t->up, 400, "Bad To header (not a SIP AOR)", NULL, t);
    return;
  }
  snprintf(t->aor, sizeof t->aor, "%s", aor);
  /* 7904 3.3: the AOR must be in the overlay's namespace. */
  {
    const char *at = strrchr(aor, '@');
    if (!at || strcasecmp(at + 1, p->domain) != 0) {
      rl_sp_respond(p, m, &t->up, 404, "Not Found (domain not served by this overlay)", NULL, t);
      return;
    }
  }
  cred = user_cred(p, aor);
  if (!cred) {
    /* USER-NODE-MATCH needs the user's certificate with our Node-ID. */
    rl_sp_respond(p, m, &t->up, 403, "Forbidden (no credential for this AOR on this peer)", NULL,
                  t);
    return;
  }
  i = rl_sip_msg_find(m, RL_SIP_HDR_EXPIRES, 0);
  if (i >= 0 && rl_sip_expires_parse(RL_SIP_HDR_EXPIRES, m->hdr[i].value, &expires, &err) != 0) {
    rl_sp_respond(p, m, &t->up, 400, err.reason, NULL, t);
    return;
  }
  for (i = rl_sip_msg_find(m, RL_SIP_HDR_CONTACT, 0); i >= 0;
       i = rl_sip_msg_find(m, RL_SIP_HDR_CONTACT, (size_t)i + 1)) {
    size_t pos = 0;
    int r = rl_sip_contact_next(m->hdr[i].value, &pos, &ct, &err);
    if (r < 0) {
      rl_sp_respond(p, m, &t->up, 400, err.reason, NULL, t);
      return;
    }
    if (r > 0) {
      have_contact = 1;
      star = ct.star;
      break;
    }
  }
  b = rl_sp_binding_find(p, aor);
  if (!have_contact) {
    /* 10.2.3: a query: the current bindings. */
    char hdrs[700] = "";
    if (b)
      snprintf(hdrs, sizeof hdrs, "Contact: <%s>;expires=%u\r\n", b->contact,
               (unsigned)((b->expires_ms - p->now) / 1000u));
    rl_sp_respond(p, m, &t->up, 200, "OK", hdrs, t);
    return;
  }
  if (star) {
    if (expires != 0) {
      rl_sp_respond(p, m, &t->up, 400, "Contact * needs Expires: 0", NULL, t);
      return;
    }
  } else if (ct.expires >= 0) {
    expires = ct.expires > 0xffffffffLL ? 0xffffffffu : (uint32_t)ct.expires;
  }
  if (expires > max) expires = max;
  t->reg_expires = expires;
  if (set_binding(p, m, t, b, aor, &ct, expires) != 0) return;
  t->base.pending++;
  t->state = TX_REGISTERING;
  if (store_registration(p, cred, aor, expires, on_store, t) != 0) {
    t->base.pending--;
    t->state = TX_FREE;
    if (t->reg_binding >= 0 && expires > 0) p->bindings[t->reg_binding].used = 0;
    rl_sp_respond(p, m, &t->up, 503, "Service Unavailable (cannot store the registration)", NULL,
                  t);
    return;
  }
  rl_sp_log(p, 1, "overlay: Store SIP-REGISTRATION of %s (expires %u) as %s", aor,
            (unsigned)expires, cred->cert->user);
}

static void on_unregistered(void *user, const rl_node_answer *a) {
  rl_sip_proxy *p = user;
  rl_sp_log(p, 1, "overlay: registration removed: %s",
            a->status == 0  ? "ok"
            : a->error_text ? a->error_text
                            : rl_strerror(a->status));
}

size_t rl_sip_proxy_unregister_all(rl_sip_proxy *p) {
  size_t n = 0;
  for (size_t i = 0; i < SP_MAX_BINDINGS; i++) {
    sp_binding *b = &p->bindings[i];
    const rl_credentials *cred;
    if (!b->used || !(cred = user_cred(p, b->aor))) continue;
    if (store_registration(p, cred, b->aor, 0, on_unregistered, p) == 0) n++;
    rl_sp_log(p, 1, "overlay: removing the registration of %s (this peer stops)", b->aor);
    b->used = 0;
  }
  return n;
}
