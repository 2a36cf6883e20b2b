/* peer/node_chord.c: carrying out what the CHORD-RELOAD logic
 * (overlay/chord.h) asks for -- Attach, Join, Update, Ping, Leave, data
 * handover and replication (RFC 6940 section 10) -- and feeding the
 * results back to it. */
#define _GNU_SOURCE
#include "peer/node_int.h"
#include "peer/linkproto.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

static void random_text(rl_node *n, char *buf, size_t len) {
  static const char al[] = "abcdefghijklmnopqrstuvwxyz0123456789";
  for (size_t i = 0; i < len; i++) buf[i] = al[rl_node_random(n) % (sizeof al - 1)];
}

static void dest_for(rl_node *n, rl_Destination *d, const uint8_t *id, int is_node) {
  if (is_node)
    rl_dest_node(d, id, n->id_len);
  else
    rl_dest_resource(d, id, n->id_len);
}

/* 6.5.1.1: an AttachReq with our host candidate (No-ICE: the TLS
 * handshake is the connectivity check, 6.5.1.11). */
static void send_attach(rl_node *n, const rl_chord_action *a) {
  rl_Destination d[2];
  size_t nd = 0;
  rl_MessageBody b;
  rl_IceCandidate cand;
  char ufrag[8], pwd[22];
  rl_txn *t;
  rl_conn *c;
  if (a->target_is_node && (c = rl_node_conn_by_id(n, a->target.b)) != NULL && c->up) {
    /* Already linked to it. */
    c->chord_known = 1;
    rl_chord_on_attach_result(n->chord, a->target.b, a->target.b);
    rl_node_chord_actions(n);
    return;
  }
  if (rl_node_ice_on(n)) {
    /* Full ICE: the request goes out once our candidates are gathered. */
    if (rl_node_ice_offer(n, a->has_via ? &a->peer : NULL, &a->target, a->target_is_node,
                          a->send_update) != 0) {
      rl_chord_on_attach_result(n->chord, a->target.b, NULL);
      rl_node_chord_actions(n);
    }
    return;
  }
  if (a->has_via) rl_dest_node(&d[nd++], a->peer.b, n->id_len);
  dest_for(n, &d[nd++], a->target.b, a->target_is_node);
  random_text(n, ufrag, sizeof ufrag);
  random_text(n, pwd, sizeof pwd);
  rl_node_candidate(n, &cand);
  memset(&b, 0, sizeof b);
  b.attach_req.ufrag.ptr = (const uint8_t *)ufrag;
  b.attach_req.ufrag.len = sizeof ufrag;
  b.attach_req.password.ptr = (const uint8_t *)pwd;
  b.attach_req.password.len = sizeof pwd;
  b.attach_req.role.ptr = (const uint8_t *)"passive"; /* 6.5.1.1: offerer */
  b.attach_req.role.len = 7;
  b.attach_req.candidates = &cand;
  b.attach_req.candidates_count = 1;
  b.attach_req.send_update = a->send_update ? 1 : 0;
  if (rl_node_send_request(n, d, nd, RL_MessageCode_attach_req, &b, RL_TXN_ATTACH, &t) != 0) {
    rl_chord_on_attach_result(n->chord, a->target.b, NULL);
    rl_node_chord_actions(n);
    return;
  }
  t->target = a->target;
  t->target_is_node = a->target_is_node;
  t->send_update = a->send_update;
}

static void send_update(rl_node *n, const rl_chord_action *a) {
  static rl_chord_msgbuf buf; /* large; one at a time */
  rl_ChordUpdate u;
  rl_MessageBody b;
  rl_Destination d;
  rl_txn *t;
  if (rl_chord_build_update(n->chord, (rl_ChordUpdateType)a->update_type, &buf, &u) != 0) return;
  memset(&b, 0, sizeof b);
  b.update_req.topology = RL_TopologyPlugin_CHORD_RELOAD;
  b.update_req.chord_update = u;
  rl_dest_node(&d, a->peer.b, n->id_len);
  if (rl_node_send_request(n, &d, 1, RL_MessageCode_update_req, &b, RL_TXN_UPDATE, &t) == 0)
    t->target = a->peer;
}

static void send_simple(rl_node *n, const rl_chord_action *a, rl_MessageCode code,
                        rl_txn_kind kind) {
  rl_MessageBody b;
  rl_Destination d[2];
  size_t nd = 0;
  rl_txn *t;
  static rl_chord_msgbuf buf;
  memset(&b, 0, sizeof b);
  switch (code) {
  case RL_MessageCode_join_req:
    b.join_req.joining_peer_id.ptr = n->self.b;
    b.join_req.joining_peer_id.len = n->id_len;
    rl_dest_node(&d[nd++], a->peer.b, n->id_len);
    break;
  case RL_MessageCode_leave_req:
    b.leave_req.leaving_peer_id.ptr = n->self.b;
    b.leave_req.leaving_peer_id.len = n->id_len;
    b.leave_req.overlay_specific_data.topology = RL_TopologyPlugin_CHORD_RELOAD;
    if (rl_chord_build_leave(n->chord, (rl_ChordLeaveType)a->leave_type, &buf,
                             &b.leave_req.overlay_specific_data.chord_leave_data) != 0)
      return;
    rl_dest_node(&d[nd++], a->peer.b, n->id_len);
    break;
  case RL_MessageCode_ping_req:
    if (a->has_via) rl_dest_node(&d[nd++], a->peer.b, n->id_len);
    rl_dest_resource(&d[nd++], a->target.b, n->id_len);
    break;
  default:
    return;
  }
  if (rl_node_send_request(n, d, nd, code, &b, kind, &t) != 0) {
    if (kind == RL_TXN_PING) rl_chord_on_ping_answer(n->chord, a->target.b, NULL);
    if (kind == RL_TXN_JOIN) rl_chord_on_join_ans(n->chord, a->peer.b, 0);
    return;
  }
  t->target = code == RL_MessageCode_ping_req ? a->target : a->peer;
}

/* 10.7.4.4: probe for a partition through a bootstrap node. */
static void partition_probe(rl_node *n) {
  size_t nb = n->opt.nbootstrap ? n->opt.nbootstrap : n->cfg->nbootstrap;
  for (size_t i = 0; i < RL_NODE_MAX_CONNS; i++)
    if (n->conns[i].used && n->conns[i].bootstrap) return; /* one at a time */
  if (nb == 0) return;
  /* The bootstrap connection's on_up sends the Ping (node.c). */
  n->bootstrap_next = 0;
  n->bootstrap_retry_ms = 0;
  rl_node_try_bootstrap(n);
}

void rl_node_chord_actions(rl_node *n) {
  const rl_chord_action *acts;
  rl_chord_action *copy;
  size_t k;
  char hx[RL_HEXBUF];
  if (!n->chord) return;
  k = rl_chord_actions(n->chord, &acts);
  if (k == 0) return;
  /* Carrying an action out may feed the chord another event, which
   * replaces its action list: work on a copy. */
  copy = malloc(k * sizeof *copy);
  if (!copy) return;
  memcpy(copy, acts, k * sizeof *copy);
  rl_chord_actions_clear(n->chord);
  /* Two passes: the data Stores go last, so that a Leave (or an Update)
   * reaches the peer before the data it makes that peer responsible for
   * (10.9: the successor takes the range over when it processes the
   * Leave; the link keeps the order). */
  for (size_t pass = 0; pass < 2; pass++)
  for (size_t i = 0; i < k; i++) {
    const rl_chord_action *a = &copy[i];
    int is_store = a->type == RL_CHORD_STORE_RANGE || a->type == RL_CHORD_STORE_REPLICA;
    if ((pass == 0) == is_store) continue;
    static const char *names[] = {"?", "attach", "send-update", "join", "ping", "leave",
                                  "store-range", "store-replica", "range-changed",
                                  "partition-probe", "rejoin", "joined"};
    char hp[RL_HEXBUF], ht[RL_HEXBUF];
    rl_node_log(n, 3, "chord action %s peer %s target %s%s",
                a->type < sizeof names / sizeof names[0] ? names[a->type] : "?",
                rl_node_hex(a->peer.b, n->id_len, hp), rl_node_hex(a->target.b, n->id_len, ht),
                a->has_via ? " (via peer)" : "");
    switch (a->type) {
    case RL_CHORD_ATTACH:
      send_attach(n, a);
      break;
    case RL_CHORD_SEND_UPDATE:
      send_update(n, a);
      break;
    case RL_CHORD_JOIN:
      send_simple(n, a, RL_MessageCode_join_req, RL_TXN_JOIN);
      break;
    case RL_CHORD_PING:
      send_simple(n, a, RL_MessageCode_ping_req, RL_TXN_PING);
      break;
    case RL_CHORD_LEAVE:
      send_simple(n, a, RL_MessageCode_leave_req, RL_TXN_LEAVE);
      break;
    case RL_CHORD_STORE_RANGE:
      rl_node_store_range(n, a->peer.b, a->lo.b, a->hi.b, 0);
      break;
    case RL_CHORD_STORE_REPLICA:
      rl_node_store_range(n, a->peer.b, a->lo.b, a->hi.b, 1);
      break;
    case RL_CHORD_RANGE_CHANGED:
      rl_node_log(n, 3, "responsible range now ends at %s", rl_node_hex(a->hi.b, n->id_len, hx));
      break;
    case RL_CHORD_PARTITION_PROBE:
      partition_probe(n);
      break;
    case RL_CHORD_REJOIN:
      rl_node_log(n, 1, "no routing peer left: joining again");
      n->bootstrap_next = 0;
      {
        /* Reuse a bootstrap link that is still up rather than opening
         * another one per attempt. */
        rl_conn *bc = NULL;
        for (size_t j = 0; j < RL_NODE_MAX_CONNS; j++)
          if (n->conns[j].used && n->conns[j].bootstrap && n->conns[j].up && n->conns[j].bound)
            bc = &n->conns[j];
        if (bc) {
          bc->chord_known = 1;
          rl_chord_join(n->chord, bc->id.b);
          rl_node_chord_actions(n);
        } else {
          n->bootstrap_retry_ms = rl_node_now(n);
          rl_node_try_bootstrap(n);
        }
      }
      break;
    case RL_CHORD_JOINED_RING:
      rl_node_log(n, 1, "joined the ring");
      rl_node_publish_certificates(n);
      rl_node_turn_joined(n);
      break;
    }
  }
  free(copy);
}

/* The address of the first usable candidate of an AttachReqAns. */
static int candidate_addr(const rl_node *n, const rl_AttachReqAns *ans, struct sockaddr_storage *ss,
                          socklen_t *len) {
  for (size_t i = 0; i < ans->candidates_count; i++) {
    const rl_IceCandidate *c = &ans->candidates[i];
    if (c->overlay_link != rl_link_mode_overlay_link(n->opt.link_mode)) continue;
    memset(ss, 0, sizeof *ss);
    if (c->addr_port.type == RL_AddressType_ipv4_address) {
      struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
      s4->sin_family = AF_INET;
      s4->sin_addr.s_addr = htonl(c->addr_port.v4addr_port.addr);
      s4->sin_port = htons(c->addr_port.v4addr_port.port);
      *len = sizeof *s4;
      return 0;
    }
    if (c->addr_port.type == RL_AddressType_ipv6_address) {
      struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
      s6->sin6_family = AF_INET6;
      memcpy(&s6->sin6_addr, c->addr_port.v6addr_port.addr.b, 16);
      s6->sin6_port = htons(c->addr_port.v6addr_port.port);
      *len = sizeof *s6;
      return 0;
    }
  }
  return RL_ERR_NOT_FOUND;
}

/* The agent of an ICE Attach that ended without a link: closed without
 * a second word to the topology (the caller told it). */
static void ice_drop(rl_node *n, const rl_txn *t) {
  rl_conn *c = t->ice_link ? rl_node_conn_by_key(n, t->ice_link) : NULL;
  if (!c) return;
  c->want_attach = 0;
  rl_node_close(n, c);
}

void rl_node_chord_txn_done(rl_node *n, rl_txn *t, const rl_node_answer *a) {
  const rl_MessageContents *mc = a->answer ? &a->answer->message_contents : NULL;
  int ok = a->status == 0 && mc;
  char hx[RL_HEXBUF];
  switch (t->kind) {
  case RL_TXN_ATTACH: {
    struct sockaddr_storage ss;
    socklen_t len;
    rl_conn *c;
    if (!ok || mc->message_code != RL_MessageCode_attach_ans || a->responder_len != n->id_len) {
      rl_node_log(n, 2, "Attach to %s failed: %s", rl_node_hex(t->target.b, n->id_len, hx),
                  a->error_text ? a->error_text : "no answer");
      rl_chord_on_attach_result(n->chord, t->target.b, NULL);
      ice_drop(n, t);
      break;
    }
    if (memcmp(a->responder, n->self.b, n->id_len) == 0) {
      /* We answered our own Attach (we are responsible for its target). */
      rl_chord_on_attach_result(n->chord, t->target.b, NULL);
      ice_drop(n, t);
      break;
    }
    c = rl_node_conn_by_id(n, a->responder);
    if (c && c->up) {
      c->chord_known = 1;
      rl_chord_on_attach_result(n->chord, t->target.b, a->responder);
      ice_drop(n, t);
      break;
    }
    if (t->ice_link && c && c->want_attach && c->key != t->ice_link && c->nalso < RL_CONN_ALSO) {
      /* Full ICE: a link to the same node is coming up for another Attach
       * of ours: this one's result comes with it, and its agent goes. */
      c->also_target[c->nalso] = t->target;
      c->also_is_node[c->nalso++] = (uint8_t)t->target_is_node;
      ice_drop(n, t);
      return;
    }
    if (t->ice_link) {
      /* Full ICE: the checks start on the agent's link; the link comes up
       * when DTLS is done over the nominated pair. */
      if ((c = rl_node_conn_by_key(n, t->ice_link)) == NULL ||
          rl_node_ice_remote(n, t, &mc->message_body.attach_ans) != 0) {
        rl_node_log(n, 1, "Attach answer from %s has no usable ICE candidate",
                    rl_node_hex(a->responder, n->id_len, hx));
        rl_chord_on_attach_result(n->chord, t->target.b, NULL);
        ice_drop(n, t);
        break;
      }
      memcpy(c->id.b, a->responder, n->id_len);
      c->bound = 1;
      return;
    }
    if (candidate_addr(n, &mc->message_body.attach_ans, &ss, &len) != 0 ||
        (c = rl_node_connect(n, (struct sockaddr *)&ss, len)) == NULL) {
      rl_node_log(n, 1, "Attach answer from %s has no usable candidate",
                  rl_node_hex(a->responder, n->id_len, hx));
      rl_chord_on_attach_result(n->chord, t->target.b, NULL);
      break;
    }
    /* The link's certificate must carry this Node-ID (6.5.1.11); node.c
     * checks it when the handshake is done. */
    memcpy(c->id.b, a->responder, n->id_len);
    c->bound = 1;
    c->want_attach = 1;
    c->attach_target = t->target;
    c->attach_target_is_node = t->target_is_node;
    return; /* no chord event yet: it comes with the link */
  }
  case RL_TXN_UPDATE:
    if (a->status < 0) rl_chord_on_peer_failed(n->chord, t->target.b);
    break;
  case RL_TXN_JOIN:
    rl_chord_on_join_ans(n->chord, t->target.b, ok && mc->message_code == RL_MessageCode_join_ans);
    break;
  case RL_TXN_PING:
    rl_chord_on_ping_answer(n->chord, t->target.b,
                            ok && a->responder_len == n->id_len ? a->responder : NULL);
    break;
  case RL_TXN_PARTITION: {
    rl_chord_on_partition_probe(n->chord, t->target.b,
                                ok && a->responder_len == n->id_len ? a->responder : NULL);
    /* The probe's bootstrap link has done its job. */
    rl_conn *c = rl_node_conn_by_id(n, t->target.b);
    if (c && c->bootstrap && !c->chord_known) rl_node_close(n, c);
    break;
  }
  case RL_TXN_LEAVE:
    break;
  case RL_TXN_STORE_COPY:
    if (a->status != 0)
      rl_node_log(n, 1, "Store failed: %s", a->error_text ? a->error_text : "error");
    break;
  case RL_TXN_REPLICA:
    rl_node_repl_txn_done(n, t, a);
    break;
  case RL_TXN_APP:
    break;
  }
  rl_node_chord_actions(n);
}

/* Try the next bootstrap node (11.4); after all of them failed, a peer
 * that may start the overlay becomes its first peer (6.4.2.1). */
void rl_node_try_bootstrap(rl_node *n) {
  if (rl_node_bootstrap_connect(n)) return;
  if (!n->opt.client && n->opt.may_start_ring && rl_chord_get_state(n->chord) == RL_CHORD_IDLE) {
    rl_node_log(n, 1, "no bootstrap node reachable: starting the overlay as its first peer");
    rl_chord_start_first(n->chord);
    rl_node_chord_actions(n);
    return;
  }
  n->bootstrap_retry_ms = rl_node_ms(n) + 1000;
}
