/* peer/node_ice.c: Attach with full ICE (RFC 6940 6.5.1.3-6.5.1.13), the
 * core's half. The agents are the driver's (net/ice.h): the core asks
 * for one per link (RL_ACTION_ICE_START), is told its candidates
 * (rl_node_ice_gathered), and passes on the far end's
 * (RL_ACTION_ICE_REMOTE). What an Attach waits for meanwhile is kept in
 * n->ice:
 *
 *   offerer  (the chord wants a link): ICE_START controlling -> gathered
 *            -> AttachReq with our candidates -> AttachAns ->
 *            ICE_REMOTE; the link comes up when DTLS is done over the
 *            nominated pair, we being the DTLS server (6.5.1.13);
 *   answerer (an AttachReq with ICE candidates): ICE_START controlled +
 *            ICE_REMOTE at once -> gathered -> AttachAns; we are the DTLS
 *            client, and the link's certificate must carry the Node-ID
 *            of the Attach's sender (6.5.1.13).
 *
 * A retransmitted AttachReq (6.2.1) while we gather is recognised by its
 * transaction ID and dropped: the answer follows. An agent that has not
 * gathered within RL_NODE_ICE_GATHER_MS is closed. */
#define _GNU_SOURCE
#include "peer/node_int.h"

#include <stdlib.h>
#include <string.h>

#include "peer/icecand.h"

int rl_node_ice_on(const rl_node *n) { return n->opt.link_mode == RL_LINK_DTLS_ICE; }

static rl_ice_pending *pending_of(rl_node *n, uint64_t link) {
  for (size_t i = 0; i < RL_NODE_MAX_ICE; i++)
    if (n->ice[i].used && n->ice[i].link == link) return &n->ice[i];
  return NULL;
}

static rl_ice_pending *pending_new(rl_node *n, rl_conn *c, int offerer) {
  for (size_t i = 0; i < RL_NODE_MAX_ICE; i++) {
    rl_ice_pending *p = &n->ice[i];
    if (p->used) continue;
    memset(p, 0, sizeof *p);
    p->used = 1;
    p->link = c->key;
    p->offerer = offerer;
    p->deadline_ms = rl_node_ms(n) + RL_NODE_ICE_GATHER_MS;
    return p;
  }
  return NULL;
}

static void pending_free(rl_ice_pending *p) {
  free(p->req);
  free(p->remote);
  memset(p, 0, sizeof *p);
}

/* A conn for an agent, and the action that starts it. */
static rl_conn *agent_conn(rl_node *n, int controlling) {
  rl_conn *c = rl_node_conn_new(n, controlling);
  if (!c) return NULL;
  if (rl_actq_ice_start(&n->actions, c->key, controlling) != 0) {
    c->used = 0;
    return NULL;
  }
  return c;
}

int rl_node_ice_offer(rl_node *n, const rl_nodeid *via, const rl_nodeid *target,
                      int target_is_node, int send_update) {
  rl_ice_pending *p;
  rl_conn *c;
  size_t busy = 0;
  for (size_t i = 0; i < RL_NODE_MAX_ICE; i++) busy += n->ice[i].used != 0;
  if (busy == RL_NODE_MAX_ICE) return RL_ERR_NOMEM;
  c = agent_conn(n, 1);
  if (!c) return RL_ERR_NOMEM;
  p = pending_new(n, c, 1);
  p->has_via = via != NULL;
  if (via) p->via = *via;
  p->target = *target;
  p->target_is_node = target_is_node;
  p->send_update = send_update;
  /* The topology hears of the result when the link is up or gone. */
  c->want_attach = 1;
  c->attach_target = *target;
  c->attach_target_is_node = target_is_node;
  return 0;
}

void rl_node_ice_answer(rl_node *n, rl_conn *c, const rl_Message *m, const uint8_t *who,
                        int send_update, int linked) {
  const rl_AttachReqAns *req = &m->message_contents.message_body.attach_req;
  uint64_t txid = m->forwarding_header.transaction_id;
  rl_ice_remote *r;
  rl_ice_pending *p;
  rl_conn *ic;
  char why[160];
  for (size_t i = 0; i < RL_NODE_MAX_ICE; i++)
    if (n->ice[i].used && !n->ice[i].offerer && n->ice[i].txid == txid &&
        memcmp(n->ice[i].who.b, who, n->id_len) == 0)
      return; /* a retransmission: the answer is on its way (6.2.1) */
  r = calloc(1, sizeof *r);
  if (!r) return;
  if (req->ufrag.len == 0 || req->ufrag.len > RL_ICE_UFRAG_MAX || req->password.len == 0 ||
      req->password.len > RL_ICE_PWD_MAX) {
    rl_node_reply_error(n, c, &m->forwarding_header, RL_ErrorCode_Error_Invalid_Message,
                        "Attach: ufrag of %zu and password of %zu bytes (1..256 each)",
                        req->ufrag.len, req->password.len);
    free(r);
    return;
  }
  memcpy(r->ufrag, req->ufrag.ptr, req->ufrag.len);
  memcpy(r->pwd, req->password.ptr, req->password.len);
  for (size_t i = 0; i < req->candidates_count && r->n < RL_ICE_MAX_CANDS; i++) {
    if (rl_icecand_from_wire(&req->candidates[i], &r->cands[r->n], why, sizeof why) == 0)
      r->n++;
    else
      rl_node_log(n, 2, "Attach candidate %zu left out: %s", i, why);
  }
  if (r->n == 0) {
    rl_node_reply_error(n, c, &m->forwarding_header, RL_ErrorCode_Error_Incompatible_with_Overlay,
                        "no usable DTLS-UDP-SR candidate offered");
    free(r);
    return;
  }
  ic = agent_conn(n, 0);
  p = ic ? pending_new(n, ic, 0) : NULL;
  if (!p || !n->cur_req || !(p->req = malloc(n->cur_req_len))) {
    if (p) pending_free(p);
    if (ic) rl_node_close(n, ic);
    rl_node_reply_error(n, c, &m->forwarding_header, RL_ErrorCode_Error_Forbidden,
                        "no room for another ICE agent now");
    free(r);
    return;
  }
  memcpy(p->req, n->cur_req, n->cur_req_len);
  p->req_len = n->cur_req_len;
  p->txid = txid;
  p->from_key = c ? c->key : 0;
  memcpy(p->who.b, who, n->id_len);
  p->send_update = send_update;
  p->linked = linked;
  ic->expect = 1;
  memcpy(ic->expect_id.b, who, n->id_len);
  /* The far end's candidates wait for our answer: our checks start when
   * it goes out, the offerer's when it arrives (RFC 8445 6.1.2.2, 7.2.1),
   * so that the two run at the same time. */
  p->remote = r;
}

static void fill_attach(rl_MessageBody *b, rl_AttachReqAns *a, rl_IceCandidate *w, size_t nw,
                        const char *ufrag, const char *pwd, int offerer) {
  memset(b, 0, sizeof *b);
  a->ufrag.ptr = (const uint8_t *)ufrag;
  a->ufrag.len = strlen(ufrag);
  a->password.ptr = (const uint8_t *)pwd;
  a->password.len = strlen(pwd);
  /* 6.5.1.1's roles: the offerer "passive", the answerer "active". */
  a->role.ptr = (const uint8_t *)(offerer ? "passive" : "active");
  a->role.len = offerer ? 7 : 6;
  a->candidates = w;
  a->candidates_count = nw;
}

static int send_offer(rl_node *n, rl_ice_pending *p, rl_IceCandidate *w, size_t nw,
                      const char *ufrag, const char *pwd) {
  rl_Destination d[2];
  size_t nd = 0;
  rl_MessageBody b;
  rl_txn *t;
  fill_attach(&b, &b.attach_req, w, nw, ufrag, pwd, 1);
  b.attach_req.send_update = p->send_update ? 1 : 0;
  if (p->has_via) rl_dest_node(&d[nd++], p->via.b, n->id_len);
  if (p->target_is_node)
    rl_dest_node(&d[nd++], p->target.b, n->id_len);
  else
    rl_dest_resource(&d[nd++], p->target.b, n->id_len);
  if (rl_node_send_request(n, d, nd, RL_MessageCode_attach_req, &b, RL_TXN_ATTACH, &t) != 0)
    return -1;
  t->target = p->target;
  t->target_is_node = p->target_is_node;
  t->send_update = p->send_update;
  t->ice_link = p->link;
  return 0;
}

/* The answer, built from the stored request's forwarding header (6.2.2). */
static void send_answer(rl_node *n, rl_ice_pending *p, rl_IceCandidate *w, size_t nw,
                        const char *ufrag, const char *pwd) {
  rl_ForwardingHeader fh;
  rl_ctx ctx;
  rl_MessageBody b;
  rl_conn *from = p->from_key ? rl_node_conn_by_key(n, p->from_key) : NULL;
  char hx[RL_HEXBUF];
  if (p->from_key && !from) {
    rl_node_log(n, 1, "AttachAns to %s: the request's link is gone",
                rl_node_hex(p->who.b, n->id_len, hx));
    return;
  }
  rl_arena_reset(&n->arena);
  if (rl_msg_parse_header(p->req, p->req_len, &n->arena, &n->params, &ctx, &fh) != 0) return;
  fill_attach(&b, &b.attach_ans, w, nw, ufrag, pwd, 0);
  b.attach_ans.send_update = p->send_update ? 1 : 0;
  rl_node_reply_header(n, from, &fh, RL_MessageCode_attach_ans, &b);
  if (!p->linked) rl_node_inbound_expect(n, p->who.b, p->send_update);
}

void rl_node_ice_gathered_in(rl_node *n, uint64_t link, const rl_ice_cand *cands, size_t k,
                             const char *ufrag, const char *pwd, rl_nodeid *failed_target,
                             int *failed) {
  rl_ice_pending *p = pending_of(n, link);
  rl_conn *c = rl_node_conn_by_key(n, link);
  rl_IceCandidate w[RL_ICE_MAX_CANDS];
  size_t nw = 0;
  *failed = 0;
  if (!p || !c) return;
  for (size_t i = 0; i < k && nw < RL_ICE_MAX_CANDS; i++)
    if (rl_icecand_to_wire(&cands[i], &w[nw]) == 0) nw++;
  if (p->offerer) {
    if (nw == 0 || send_offer(n, p, w, nw, ufrag, pwd) != 0) {
      rl_node_log(n, 1, "Attach: %s", nw ? "cannot send it" : "no candidate gathered");
      *failed = 1;
      *failed_target = p->target;
      c->want_attach = 0; /* the caller tells the topology */
      rl_node_close(n, c);
    }
    pending_free(p);
    return;
  }
  send_answer(n, p, w, nw, ufrag, pwd);
  /* The checks start, and the link waits for DTLS over the nominated
   * pair -- also when we have a link to the offerer already: it asked
   * for another (one of its own may be gone, or it tests us), and an
   * offerer that finds its link up drops its agent, whose checks then
   * fail here quietly. */
  if (nw == 0)
    rl_node_close(n, c);
  else if (p->remote)
    (void)rl_actq_ice_remote(&n->actions, c->key, p->remote);
  pending_free(p);
}

int rl_node_ice_remote(rl_node *n, rl_txn *t, const rl_AttachReqAns *ans) {
  rl_ice_remote *r;
  char why[160];
  int rc = 0;
  if (ans->ufrag.len == 0 || ans->ufrag.len > RL_ICE_UFRAG_MAX || ans->password.len == 0 ||
      ans->password.len > RL_ICE_PWD_MAX) {
    rl_node_log(n, 1, "AttachAns: ufrag or password length out of range");
    return RL_ERR_PARAM;
  }
  r = calloc(1, sizeof *r);
  if (!r) return RL_ERR_NOMEM;
  memcpy(r->ufrag, ans->ufrag.ptr, ans->ufrag.len);
  memcpy(r->pwd, ans->password.ptr, ans->password.len);
  for (size_t i = 0; i < ans->candidates_count && r->n < RL_ICE_MAX_CANDS; i++) {
    if (rl_icecand_from_wire(&ans->candidates[i], &r->cands[r->n], why, sizeof why) == 0)
      r->n++;
    else
      rl_node_log(n, 2, "AttachAns candidate %zu left out: %s", i, why);
  }
  if (r->n == 0)
    rc = RL_ERR_NOT_FOUND;
  else
    rc = rl_actq_ice_remote(&n->actions, t->ice_link, r);
  free(r);
  return rc;
}

void rl_node_ice_forget(rl_node *n, uint64_t link) {
  rl_ice_pending *p = pending_of(n, link);
  if (p) pending_free(p);
}

uint64_t rl_node_ice_expire(rl_node *n, uint64_t now_ms) {
  uint64_t next = UINT64_MAX;
  for (size_t i = 0; i < RL_NODE_MAX_ICE; i++) {
    rl_ice_pending *p = &n->ice[i];
    if (!p->used) continue;
    if (now_ms >= p->deadline_ms) {
      rl_conn *c = rl_node_conn_by_key(n, p->link);
      rl_node_log(n, 1, "ICE: no candidates gathered within %u ms: closing the agent",
                  (unsigned)RL_NODE_ICE_GATHER_MS);
      /* The link's close tells the topology (want_attach). */
      if (c) rl_node_close(n, c);
      p->deadline_ms = UINT64_MAX; /* forgotten when the link is gone */
      continue;
    }
    if (p->deadline_ms < next) next = p->deadline_ms;
  }
  return next;
}

void rl_node_inbound_expect(rl_node *n, const uint8_t *id, int send_update) {
  for (size_t i = 0; i < RL_NODE_MAX_INBOUND; i++) {
    rl_inbound_attach *ia = &n->inbound[i];
    if (!ia->used || memcmp(ia->id.b, id, n->id_len) == 0) {
      ia->used = 1;
      memcpy(ia->id.b, id, n->id_len);
      ia->send_update = send_update;
      ia->until = rl_node_ms(n) + 30000;
      return;
    }
  }
}
