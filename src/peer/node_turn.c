/* peer/node_turn.c: the TURN Server Usage (RFC 6940 9) in the node core:
 * publishing the TURN server this peer offers under TURN-SERVICE, and
 * looking for TURN servers others published. No I/O: requests go out
 * through rl_node_request, a server found for our ICE agents goes to the
 * driver as RL_ACTION_SET_TURN. doc/peer.md "TURN-SERVICE". */
#include <stdio.h>
#include <string.h>

#include "codec/message.h"
#include "peer/node_int.h"
#include "peer/ops.h"
#include "runtime/error.h"

/* rl_node_ready, without calling back into node.c (which calls us for
 * the status: tools/check-limits.py keeps files free of call circles). */
static int routes(const rl_node *n) {
  if (n->opt.client) return n->ready_client;
  return rl_chord_get_state(n->chord) == RL_CHORD_JOINED;
}

/* ---------- publishing (9) ---------- */

static uint32_t lifetime_s(const rl_node *n) {
  return n->opt.turn_service_lifetime ? n->opt.turn_service_lifetime : RL_NODE_TURN_LIFETIME_S;
}

/* How many TurnServer entries we store: turn-density (11.1, "how many
 * times each TURN server SHOULD record itself"), at most the Kind's
 * max-node-multiple, since a higher d would fail NODE-MULTIPLE (7.3.4),
 * and at most 20 (9: "a maximum iteration of counter 20"). 0: none, with
 * the reason logged once. */
static unsigned publish_count(rl_node *n) {
  const rl_store_kind *k = rl_store_find_kind(n->store, RL_TURNSVC_KIND);
  unsigned d = n->cfg->turn_density;
  const char *why = NULL;
  char addr[64];
  if (!k) why = "the overlay's configuration has no Kind TURN-SERVICE (2)";
  else if (k->data_model != RL_DataModel_single_value)
    why = "Kind TURN-SERVICE (2) is not single_value in the configuration (9)";
  else if (k->policy != RL_ACCESS_NODE_MULTIPLE)
    why = "Kind TURN-SERVICE (2) is not NODE-MULTIPLE in the configuration (9)";
  else if (d == 0) why = "turn-density is 0 (9: \"If the turn-density is not set to zero\")";
  rl_turnsvc_addr_str((const struct sockaddr *)&n->opt.turn_service, addr, sizeof addr);
  if (!why && !n->opt.turn_service_private)
    why = rl_turnsvc_unfit((const struct sockaddr *)&n->opt.turn_service);
  if (why) {
    if (!n->turn.unfit_logged)
      rl_node_log(n, 0, "TURN-SERVICE: not publishing %s: %s%s", addr, why,
                  rl_turnsvc_unfit((const struct sockaddr *)&n->opt.turn_service) == why
                      ? " (--turn-service-private publishes it anyway)"
                      : "");
    n->turn.unfit_logged = 1;
    return 0;
  }
  if (d > k->max_node_multiple) d = k->max_node_multiple;
  if (d > RL_TURNSVC_MAX_ITERATION) d = RL_TURNSVC_MAX_ITERATION;
  return d;
}

static void on_store(void *user, const rl_node_answer *a) {
  rl_node *n = user;
  if (n->turn.stores_out) n->turn.stores_out--;
  if (a->status == 0) n->turn.stores_ok++;
  if (a->status != 0) {
    n->turn.stores_failed++;
    rl_node_log(n, 0, "TURN-SERVICE: a Store failed (%d%s%s); again in %u s", a->status,
                a->error_text ? ": " : "", a->error_text ? a->error_text : "",
                (unsigned)(RL_NODE_TURN_RETRY_MS / 1000));
  }
  if (n->turn.stores_out == 0 && n->turn.stores_failed) {
    n->turn.stores_failed = 0;
    n->turn.publish_ms = rl_node_ms(n) + RL_NODE_TURN_RETRY_MS;
  }
}

/* One TurnServer {d, server_address} at H(Node-ID || d) (9). */
static int store_one(rl_node *n, uint8_t d) {
  static uint8_t mem[8192];
  uint8_t rid[RL_NODE_ID_MAX], val[RL_TURNSVC_VALUE_MAX];
  rl_arena a;
  rl_ops_value v;
  rl_MessageBody b;
  rl_Destination dest;
  long len;
  int rc = rl_turnsvc_resource(n->self.b, n->id_len, d, rid);
  if (rc != 0) goto done;
  len = rl_turnsvc_encode(d, (const struct sockaddr *)&n->opt.turn_service, val, sizeof val);
  if (len < 0) {
    rc = (int)len;
    goto done;
  }
  memset(&v, 0, sizeof v);
  v.exists = 1;
  v.value.ptr = val;
  v.value.len = (size_t)len;
  rl_arena_init(&a, mem, sizeof mem);
  memset(&b, 0, sizeof b);
  /* 7.4.1.1: generation 0 replaces whatever we stored before (a refresh). */
  rc = rl_ops_store_req(n->cred, rid, n->id_len, RL_TURNSVC_KIND, RL_DataModel_single_value, 0,
                        &v, 1, lifetime_s(n), rl_node_wall_ms(n), &a, &b.store_req);
  if (rc != 0) goto done;
  rl_dest_resource(&dest, rid, n->id_len);
  rc = rl_node_request(n, &dest, 1, RL_MessageCode_store_req, &b, on_store, n);
  if (rc == 0) n->turn.stores_out++;
done:
  return rc;
}

static void publish(rl_node *n) {
  unsigned count = publish_count(n), sent = 0;
  char addr[64];
  int rc = 0;
  n->turn.publish_ms = 0;
  if (count == 0) return;
  for (unsigned d = 1; d <= count && rc == 0; d++) {
    rc = store_one(n, (uint8_t)d);
    if (rc == 0) sent++;
  }
  rl_turnsvc_addr_str((const struct sockaddr *)&n->opt.turn_service, addr, sizeof addr);
  if (rc != 0) {
    rl_node_log(n, 0, "TURN-SERVICE: cannot store %s (d %u of %u): %s; again in %u s", addr,
                sent + 1, count, rl_strerror(rc), (unsigned)(RL_NODE_TURN_RETRY_MS / 1000));
    n->turn.publish_ms = rl_node_ms(n) + RL_NODE_TURN_RETRY_MS;
    return;
  }
  /* Refreshed before its lifetime ends (7.4.1.1: the storing peer drops
   * a value whose lifetime passed). */
  n->turn.publish_ms = rl_node_ms(n) + (uint64_t)lifetime_s(n) * 2000u / 3u;
  rl_node_log(n, 1, "TURN-SERVICE: publishing TURN server %s at H(Node-ID || d), d = 1..%u (9)",
              addr, count);
}

/* ---------- finding (9) ---------- */

/* Where a Find or Fetch for rid goes: straight to rid once we route (a
 * joined peer, or a client through its peer); before that, through the
 * bootstrap node we are linked to, as the joining node's own Attach goes
 * (10.5): Destination List [bootstrap's Node-ID, rid] (6.1.2). A peer
 * behind an address-and-port-dependent NAT may need the relay for its
 * very first Attach. 0, or RL_ERR_STATE (no route yet). */
static int turn_dest(rl_node *n, const uint8_t *rid, rl_Destination d[2], size_t *nd) {
  int rc = RL_ERR_STATE;
  if (routes(n)) {
    rl_dest_resource(&d[0], rid, n->id_len);
    *nd = 1;
    rc = 0;
  } else if (!n->opt.client) {
    for (size_t i = 0; i < RL_NODE_MAX_CONNS && rc != 0; i++) {
      const rl_conn *c = &n->conns[i];
      if (!c->used || !c->up || !c->bound || !c->bootstrap) continue;
      rl_dest_node(&d[0], c->id.b, n->id_len);
      rl_dest_resource(&d[1], rid, n->id_len);
      *nd = 2;
      rc = 0;
    }
  }
  return rc;
}

static void found_one(rl_node *n, const rl_turnsvc *t) {
  char addr[64];
  for (size_t i = 0; i < n->turn.nfound; i++)
    if (n->turn.found[i].addr_len == t->addr_len &&
        memcmp(&n->turn.found[i].addr, &t->addr, t->addr_len) == 0)
      return;
  if (n->turn.nfound == RL_NODE_TURN_FOUND) return;
  n->turn.found[n->turn.nfound++] = *t;
  rl_turnsvc_addr_str((const struct sockaddr *)&t->addr, addr, sizeof addr);
  rl_node_log(n, 1, "TURN-SERVICE: found TURN server %s (iteration %u)", addr,
              (unsigned)t->iteration);
  if (n->opt.find_turn && !n->turn.applied &&
      rl_actq_set_turn(&n->actions, (const struct sockaddr *)&t->addr, t->addr_len) == 0) {
    n->turn.applied = 1;
    rl_node_log(n, 1, "TURN-SERVICE: using TURN server %s (found in the overlay) for new ICE "
                "agents, with the --turn-user credentials",
                addr);
  }
}

/* 7.1: the value's own signature, by the node that stored it, and 7.3.4:
 * it was stored at H(signer's Node-ID || iteration) -- the storing peer
 * checked that, we check the signature it covers. */
static void take_value(rl_node *n, const uint8_t *rid, const rl_StoredData *sd) {
  const rl_DataValue *dv = rl_stored_data_value(&sd->value);
  rl_turnsvc t;
  rl_ctx ctx;
  rl_arena ar;
  uint8_t mem[256];
  char why[300];
  if (!dv || !dv->exists || rl_stored_data_is_synthetic(sd)) return;
  if (rl_node_verify_value(n, rid, n->id_len, RL_TURNSVC_KIND, sd, why, sizeof why) != 0) {
    rl_node_log(n, 1, "TURN-SERVICE: ignoring a value whose signature fails: %s", why);
    return;
  }
  rl_arena_init(&ar, mem, sizeof mem);
  rl_ctx_init(&ctx, &ar, &n->params);
  if (rl_turnsvc_decode(dv->value.ptr, dv->value.len, &ctx, &t, why, sizeof why) != 0) {
    rl_node_log(n, 1, "TURN-SERVICE: ignoring a value: %s", why);
    return;
  }
  found_one(n, &t);
}

static void on_fetch(void *user, const rl_node_answer *a) {
  struct rl_node_turn_fetch *f = user;
  rl_node *n = f->n;
  const rl_FetchAns *fa;
  if (n->turn.fetches_out) n->turn.fetches_out--;
  if (a->status != 0 || a->answer->message_contents.message_code != RL_MessageCode_fetch_ans)
    return;
  fa = &a->answer->message_contents.message_body.fetch_ans;
  for (size_t k = 0; k < fa->kind_responses_count; k++) {
    const rl_FetchKindResponse *r = &fa->kind_responses[k];
    if (r->kind != RL_TURNSVC_KIND) continue;
    for (size_t i = 0; i < r->values_count; i++) take_value(n, f->rid, &r->values[i]);
  }
}

/* A Fetch of TURN-SERVICE at rid, unless this round fetched it already. */
static int fetch(rl_node *n, const uint8_t *rid) {
  static uint8_t mem[4096];
  struct rl_node_turn_fetch *f;
  rl_arena a;
  rl_MessageBody b;
  rl_Destination dest[2];
  size_t nd = 0;
  int rc = 0;
  for (size_t i = 0; i < n->turn.nfetched; i++)
    if (memcmp(n->turn.fetched[i].rid, rid, n->id_len) == 0) goto done;
  rc = RL_ERR_NOMEM;
  if (n->turn.nfetched == RL_NODE_TURN_FETCHES) goto done;
  f = &n->turn.fetched[n->turn.nfetched];
  f->n = n;
  memcpy(f->rid, rid, n->id_len);
  rl_arena_init(&a, mem, sizeof mem);
  memset(&b, 0, sizeof b);
  rc = rl_ops_fetch_req(f->rid, n->id_len, RL_TURNSVC_KIND, RL_DataModel_single_value, 0, 0, 0,
                        NULL, 0, &a, &b.fetch_req);
  if (rc == 0) rc = turn_dest(n, f->rid, dest, &nd);
  if (rc == 0) rc = rl_node_request(n, dest, nd, RL_MessageCode_fetch_req, &b, on_fetch, f);
  if (rc == 0) {
    n->turn.nfetched++;
    n->turn.fetches_out++;
  }
done:
  return rc;
}

int rl_node_turn_fetch(rl_node *n, const uint8_t *rid) {
  /* A new search: forget what the last one fetched. */
  if (rl_node_turn_pending(n) == 0) n->turn.nfetched = 0;
  return fetch(n, rid);
}

static int is_zero(rl_bytes b) {
  for (size_t i = 0; i < b.len; i++)
    if (b.ptr[i]) return 0;
  return 1;
}

/* 9: "If that peer knows of any servers, they will be returned. The
 * returned response may be empty": FindAns names the closest Resource-ID
 * holding the Kind at the answering peer, zero when none (7.4.4.2). */
static void on_find(void *user, const rl_node_answer *a) {
  rl_node *n = user;
  const rl_FindAns *fa;
  if (n->turn.finds_out) n->turn.finds_out--;
  if (a->status != 0 || a->answer->message_contents.message_code != RL_MessageCode_find_ans)
    return;
  fa = &a->answer->message_contents.message_body.find_ans;
  for (size_t i = 0; i < fa->results_count; i++) {
    const rl_FindKindData *k = &fa->results[i];
    if (k->kind == RL_TURNSVC_KIND && k->closest.len == n->id_len && !is_zero(k->closest))
      (void)fetch(n, k->closest.ptr);
  }
}

int rl_node_turn_find(rl_node *n, unsigned finds) {
  static rl_KindId kinds[1] = {RL_TURNSVC_KIND};
  int rc = RL_ERR_PARAM;
  if (finds == 0 || finds > RL_NODE_TURN_FETCHES) goto done;
  rc = RL_ERR_STATE;
  if (rl_node_turn_pending(n)) goto done;
  n->turn.nfetched = 0;
  for (unsigned i = 0; i < finds; i++) {
    uint8_t rid[RL_NODE_ID_MAX];
    rl_MessageBody b;
    rl_Destination dest[2];
    size_t nd = 0;
    /* 9: "selecting a random Resource-ID and then doing a Find request
     * for the appropriate Kind-ID with that Resource-ID". */
    for (size_t j = 0; j < n->id_len; j += 8) {
      uint64_t r = rl_node_random(n);
      memcpy(rid + j, &r, n->id_len - j < 8 ? n->id_len - j : 8);
    }
    memset(&b, 0, sizeof b);
    b.find_req.resource.ptr = rid;
    b.find_req.resource.len = n->id_len;
    b.find_req.kinds = kinds;
    b.find_req.kinds_count = 1;
    rc = turn_dest(n, rid, dest, &nd);
    if (rc == 0) rc = rl_node_request(n, dest, nd, RL_MessageCode_find_req, &b, on_find, n);
    if (rc != 0) break;
    n->turn.finds_out++;
  }
  if (n->turn.finds_out) rc = 0;
done:
  return rc;
}

unsigned rl_node_turn_pending(const rl_node *n) {
  return n->turn.finds_out + n->turn.fetches_out;
}

size_t rl_node_turn_servers(const rl_node *n, rl_turnsvc *out, size_t max) {
  size_t k = n->turn.nfound < max ? n->turn.nfound : max;
  memcpy(out, n->turn.found, k * sizeof *out);
  return k;
}

/* ---------- the core's hooks ---------- */

void rl_node_turn_joined(rl_node *n) {
  uint64_t now = rl_node_ms(n);
  if (n->opt.turn_service.ss_family) n->turn.publish_ms = now ? now : 1;
  /* --find-turn: joined without a server found through the bootstrap
   * node: look again now, through the ring. */
  if (n->opt.find_turn && !n->turn.applied) {
    n->turn.find_next_ms = now;
    n->turn.find_backoff_ms = 0;
  }
}

void rl_node_turn_tick(rl_node *n) {
  uint64_t now = rl_node_ms(n);
  if (n->opt.client || n->leaving) return;
  if (n->turn.publish_ms && now >= n->turn.publish_ms && n->turn.stores_out == 0 &&
      routes(n))
    publish(n);
  /* --find-turn: from the moment the bootstrap link is up, rounds until a
   * server is found, further and further apart (9: "the process gets
   * repeated with some other random Resource-ID"). */
  if (n->opt.find_turn && !n->turn.applied && now >= n->turn.find_next_ms &&
      rl_node_turn_pending(n) == 0 && rl_node_turn_find(n, RL_NODE_TURN_FINDS) == 0) {
    rl_node_log(n, 2, "TURN-SERVICE: looking for a TURN server (%u Finds%s)",
                (unsigned)RL_NODE_TURN_FINDS,
                routes(n) ? "" : ", through the bootstrap node");
    if (n->turn.find_backoff_ms == 0) n->turn.find_backoff_ms = 1000;
    n->turn.find_next_ms = now + n->turn.find_backoff_ms;
    n->turn.find_backoff_ms *= 2;
    if (n->turn.find_backoff_ms > RL_NODE_TURN_BACKOFF_MAX_MS)
      n->turn.find_backoff_ms = RL_NODE_TURN_BACKOFF_MAX_MS;
  }
}

uint64_t rl_node_turn_next_ms(const rl_node *n, uint64_t next) {
  if (n->turn.publish_ms && n->turn.publish_ms < next) next = n->turn.publish_ms;
  if (n->opt.find_turn && !n->turn.applied && n->turn.find_next_ms > rl_node_ms(n) &&
      n->turn.find_next_ms < next)
    next = n->turn.find_next_ms;
  return next;
}

/* ---------- status ---------- */

static void put(char **p, size_t *left, const char *s) {
  int w = snprintf(*p, *left, "%s", s);
  if (w < 0 || (size_t)w >= *left) return;
  *p += w;
  *left -= (size_t)w;
}

void rl_node_turn_status_json(const rl_node *n, char **p, size_t *left) {
  char addr[64], item[128];
  if (!n->opt.turn_service.ss_family && !n->opt.find_turn && n->turn.nfound == 0) return;
  put(p, left, "\"turn_service\":{");
  if (n->opt.turn_service.ss_family) {
    rl_turnsvc_addr_str((const struct sockaddr *)&n->opt.turn_service, addr, sizeof addr);
    snprintf(item, sizeof item, "\"offered\":\"%s\",\"stores_ok\":%llu,", addr,
             (unsigned long long)n->turn.stores_ok);
    put(p, left, item);
  }
  put(p, left, "\"found\":[");
  for (size_t i = 0; i < n->turn.nfound; i++) {
    rl_turnsvc_addr_str((const struct sockaddr *)&n->turn.found[i].addr, addr, sizeof addr);
    snprintf(item, sizeof item, "%s\"%s\"", i ? "," : "", addr);
    put(p, left, item);
  }
  put(p, left, "]");
  if (n->turn.applied && n->turn.nfound) {
    rl_turnsvc_addr_str((const struct sockaddr *)&n->turn.found[0].addr, addr, sizeof addr);
    snprintf(item, sizeof item, ",\"using\":\"%s\"", addr);
    put(p, left, item);
  }
  put(p, left, "},");
}
