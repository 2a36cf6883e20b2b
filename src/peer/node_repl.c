/* peer/node_repl.c: replication (RFC 6940 10.4) and handover (10.7.3,
 * 10.9) with acknowledgements, in parts that fit max-message-size.
 *
 * The durability rule (doc/peer.md): an original Store is answered with
 * success only once the responsible peer holds the value, and the replicas
 * its StoreAns lists are those that acknowledged the values (7.4.1.2:
 * "the list of peers at which the data was/will be replicated"; the
 * storing node may check them with Stat). The answer waits for the
 * replicas' StoreAns at most RL_NODE_DEFER_MS; a replica that did not
 * acknowledge by then is left out of the list.
 *
 * What is sent: after an original store, the values that store changed
 * (rl_store_input.committed), split into StoreReqs of at most a
 * max-message-size budget. A replica Store that fails is retried as a job:
 * the whole resource, again in parts, with backoff, until the replica
 * holds it or is no longer in the replica set. Chord's range handovers
 * and re-replications (store-range, store-replica actions) are jobs too,
 * with a window of StoreReqs in flight so that a large range does not
 * take every transaction slot. */
#define _GNU_SOURCE
#include "peer/node_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>


/* Bytes of StoredData a replica StoreReq carries: what max-message-size
 * leaves after the forwarding header, the signature and the certificates
 * of the security block (ours and the values' signers', about 1 KB each
 * with RSA). A value larger than that still goes, alone (a Kind's max-size
 * may exceed max-message-size; such messages are fragmented, 6.7). */
static size_t part_budget(const rl_node *n) {
  size_t overhead = 3072;
  return n->max_msg > overhead + 512 ? n->max_msg - overhead : 512;
}

static size_t free_txns(const rl_node *n) {
  size_t k = 0;
  for (size_t i = 0; i < n->max_txns; i++) k += !n->txns[i].used;
  return k;
}

/* Send one part to peer as a replica (replica_number > 0) or handover (0)
 * Store; the transaction is returned for its bookkeeping. */
static int send_part(rl_node *n, const uint8_t *peer, rl_StoreReq *part, int replica_number,
                     rl_txn **t) {
  rl_Destination d;
  rl_MessageBody b;
  int rc;
  memset(&b, 0, sizeof b);
  part->replica_number = (uint8_t)replica_number;
  b.store_req = *part;
  rl_dest_node(&d, peer, n->id_len);
  n->nextra = 0;
  rl_node_extra_certs_store_req(n, part);
  rc = rl_node_send_request(n, &d, 1, RL_MessageCode_store_req, &b, RL_TXN_REPLICA, t);
  n->nextra = 0;
  if (rc == 0) {
    memcpy((*t)->repl_resource, part->resource.ptr, n->id_len);
    (*t)->target_is_node = 1;
    memcpy((*t)->target.b, peer, n->id_len);
    n->st.repl_parts_sent++;
  }
  return rc;
}

/* The next slice of req of at most budget bytes (one value at least):
 * *out shares req's values; kds has room for req's Kinds. */
static int next_slice(const rl_StoreReq *req, rl_store_part_pos *pos, size_t budget,
                      rl_StoreKindData *kds, rl_StoreReq *out) {
  size_t used = 0;
  memset(out, 0, sizeof *out);
  out->resource = req->resource;
  out->kind_data = kds;
  for (; pos->kind < req->kind_data_count; pos->kind++, pos->value = 0) {
    const rl_StoreKindData *src = &req->kind_data[pos->kind];
    rl_StoreKindData *kd = &kds[out->kind_data_count];
    if (pos->value >= src->values_count) continue;
    *kd = *src;
    kd->values = (rl_StoredData *)&src->values[pos->value];
    kd->values_count = 0;
    used += 16;
    while (pos->value < src->values_count) {
      size_t sz = rl_store_stored_data_size(&src->values[pos->value]);
      if (!(out->kind_data_count == 0 && kd->values_count == 0) && used + sz > budget) break;
      used += sz;
      kd->values_count++;
      pos->value++;
    }
    if (kd->values_count > 0) out->kind_data_count++;
    if (pos->value < src->values_count) break;
  }
  return out->kind_data_count > 0;
}

/* ---------- jobs: whole resources and ranges, retried ---------- */

static uint64_t backoff_ms(unsigned attempts) {
  uint64_t ms = 1000;
  for (unsigned i = 1; i < attempts && ms < RL_NODE_REPL_MAX_BACKOFF_MS; i++) ms *= 2;
  return ms < RL_NODE_REPL_MAX_BACKOFF_MS ? ms : RL_NODE_REPL_MAX_BACKOFF_MS;
}

static rl_repl_job *job_new(rl_node *n) {
  for (size_t i = 0; i < n->max_repl_jobs; i++)
    if (!n->repl_jobs[i].used) {
      rl_repl_job *j = &n->repl_jobs[i];
      memset(j, 0, sizeof *j);
      j->used = 1;
      j->serial = ++n->repl_serial;
      return j;
    }
  return NULL;
}

void rl_node_repl_resource(rl_node *n, const uint8_t *peer, const uint8_t *resource,
                           int replica_number, unsigned attempts) {
  rl_repl_job *j;
  for (size_t i = 0; i < n->max_repl_jobs; i++) {
    j = &n->repl_jobs[i];
    if (j->used && !j->range && j->replica_number == replica_number &&
        memcmp(j->peer.b, peer, n->id_len) == 0 && memcmp(j->resource, resource, n->id_len) == 0) {
      j->again = 1; /* already queued: one more round when this one ends */
      return;
    }
  }
  j = job_new(n);
  if (!j) {
    n->st.repl_gave_up++;
    rl_node_log(n, 1, "replication job table full: a resource is not re-sent");
    return;
  }
  memcpy(j->peer.b, peer, n->id_len);
  memcpy(j->resource, resource, n->id_len);
  j->have_resource = 1;
  j->replica_number = replica_number;
  j->attempts = attempts;
  j->next_ms = rl_node_now(n) + (attempts ? backoff_ms(attempts) : 0);
  if (attempts) n->st.repl_retries++;
}

void rl_node_store_range(rl_node *n, const uint8_t *peer, const uint8_t *after,
                         const uint8_t *upto, int replica_number) {
  rl_repl_job *j;
  if (!n->store) return;
  j = job_new(n);
  if (!j) {
    n->st.repl_gave_up++;
    rl_node_log(n, 1, "replication job table full: a range is not sent");
    return;
  }
  j->range = 1;
  memcpy(j->peer.b, peer, n->id_len);
  memcpy(j->after.b, after, n->id_len);
  memcpy(j->upto.b, upto, n->id_len);
  j->replica_number = replica_number;
  j->next_ms = rl_node_now(n);
}

/* Is the job still worth doing? A replica's copy only while the peer is
 * in our replica set and we are responsible for the resource (10.7.3:
 * otherwise the new owner replicates it); a handover a few times. */
static int job_valid(rl_node *n, const rl_repl_job *j) {
  rl_nodeid reps[RL_NODE_MAX_REPLICAS];
  size_t k;
  if (j->replica_number == 0) return j->attempts < RL_NODE_REPL_HANDOVER_TRIES;
  if (!j->range && !rl_chord_is_responsible(n->chord, j->resource)) return 0;
  k = rl_chord_replica_set(n->chord, reps, RL_NODE_MAX_REPLICAS);
  for (size_t i = 0; i < k; i++)
    if (memcmp(reps[i].b, j->peer.b, n->id_len) == 0) return 1;
  return 0;
}

static void job_end_round(rl_node *n, rl_repl_job *j) {
  char hx[RL_HEXBUF];
  if (j->range) {
    rl_node_log(n, 1, "%s %zu resource(s) in %zu part(s) to %s",
                j->replica_number ? "replicated" : "handed over", j->resources, j->parts,
                rl_node_hex(j->peer.b, n->id_len, hx));
    j->used = 0; /* failed parts became resource jobs of their own */
    return;
  }
  if (j->failed || j->again) {
    if (j->failed) j->attempts++;
    j->failed = 0;
    j->again = 0;
    memset(&j->pos, 0, sizeof j->pos);
    j->started = 0;
    j->next_ms = rl_node_now(n) + (j->attempts ? backoff_ms(j->attempts) : 0);
    if (j->attempts) n->st.repl_retries++;
    return;
  }
  if (j->attempts)
    rl_node_log(n, 1, "resource re-sent to %s after %u failed attempt(s)",
                rl_node_hex(j->peer.b, n->id_len, hx), j->attempts);
  j->used = 0;
}

/* Send what the window allows of one job. */
static void job_pump(rl_node *n, rl_repl_job *j, rl_arena *a) {
  uint64_t now = rl_node_wall_ms(n);
  while (n->repl_inflight < RL_NODE_REPL_WINDOW && j->inflight < RL_NODE_REPL_JOB_WINDOW) {
    rl_StoreReq part;
    rl_store_part_pos before;
    rl_txn *t;
    int rc;
    if (!j->have_resource) {
      rl_store_range r = {j->after.b, j->upto.b};
      if (!j->range || rl_store_next_resource(n->store, &r, now, &j->rcur, j->resource) != 1) {
        j->done = 1;
        break;
      }
      j->have_resource = 1;
      memset(&j->pos, 0, sizeof j->pos);
      j->resources++;
    }
    rl_arena_reset(a);
    before = j->pos;
    rc = rl_store_export_part(n->store, j->resource, now, part_budget(n), &j->pos, a, &part);
    if (rc <= 0) {
      if (j->range) {
        j->have_resource = 0;
        continue;
      }
      j->done = 1;
      break;
    }
    if (free_txns(n) <= n->repl_txn_reserve ||
        send_part(n, j->peer.b, &part, j->replica_number, &t) != 0) {
      /* No transaction slot now: the same part a little later. */
      j->pos = before;
      j->next_ms = rl_node_now(n) + 200;
      break;
    }
    t->repl_job = j->serial;
    t->repl_number = j->replica_number;
    j->inflight++;
    j->parts++;
    n->repl_inflight++;
  }
}

static void jobs_run(rl_node *n) {
  static uint64_t mem[(1u << 20) / sizeof(uint64_t)];
  rl_arena a;
  uint64_t now = rl_node_now(n);
  if (!n->store) return;
  rl_arena_init(&a, mem, sizeof mem);
  for (size_t i = 0; i < n->max_repl_jobs && n->repl_inflight < RL_NODE_REPL_WINDOW; i++) {
    rl_repl_job *j = &n->repl_jobs[i];
    if (!j->used || j->next_ms > now) continue;
    if (!j->started) {
      if (!job_valid(n, j)) {
        if (j->replica_number == 0 || j->failed || j->attempts) n->st.repl_gave_up++;
        j->used = 0;
        continue;
      }
      j->started = 1;
      j->done = 0;
      j->resources = j->parts = 0;
      if (j->range) {
        memset(&j->rcur, 0, sizeof j->rcur);
        j->have_resource = 0;
      }
    }
    if (!j->done) job_pump(n, j, &a);
    if (j->done && j->inflight == 0) job_end_round(n, j);
  }
}

static rl_repl_job *job_by_serial(rl_node *n, uint64_t serial) {
  for (size_t i = 0; i < n->max_repl_jobs; i++)
    if (n->repl_jobs[i].used && n->repl_jobs[i].serial == serial) return &n->repl_jobs[i];
  return NULL;
}

/* ---------- answers that wait for the replicas ---------- */

static rl_deferred_store *deferred_by_serial(rl_node *n, uint64_t serial) {
  for (size_t i = 0; i < n->max_deferred; i++)
    if (n->deferred[i].serial == serial && serial) return &n->deferred[i];
  return NULL;
}

int rl_node_repl_is_deferred(const rl_node *n, uint64_t txid) {
  for (size_t i = 0; i < n->max_deferred; i++)
    if (n->deferred[i].serial && n->deferred[i].txid == txid) return 1;
  return 0;
}

/* Answer a deferred Store: the replicas that acknowledged every part. */
static void deferred_answer(rl_node *n, rl_deferred_store *d) {
  rl_NodeId acked[RL_NODE_MAX_REPLICAS];
  rl_StoreKindResponse *kr;
  rl_ForwardingHeader fh;
  rl_ctx ctx;
  rl_MessageBody b;
  rl_conn *c = NULL;
  size_t na = 0;
  for (size_t i = 0; i < d->nreplicas; i++) {
    if (d->outstanding[i] == 0 && !d->failed[i]) {
      acked[na].ptr = d->replicas[i].b;
      acked[na++].len = n->id_len;
    }
  }
  if (na < d->nreplicas) n->st.repl_answers_partial++;
  if (d->conn_key && !(c = rl_node_conn_by_key(n, d->conn_key))) {
    rl_node_log(n, 1, "StoreAns for txid %016llx: its link is gone", (unsigned long long)d->txid);
    goto done;
  }
  /* The answer is built from the request's forwarding header (6.2.2),
   * decoded into the rest of the arena: this runs from the timers or from
   * the replica's answer, whose decode must stay intact. */
  kr = rl_arena_alloc_array(&n->arena, d->nkinds ? d->nkinds : 1, sizeof *kr);
  if (!kr || rl_msg_parse_header(d->req, d->req_len, &n->arena, &n->params, &ctx, &fh) != 0) {
    rl_node_log(n, 1, "StoreAns for txid %016llx: no room to build it", (unsigned long long)d->txid);
    goto done;
  }
  for (size_t i = 0; i < d->nkinds; i++) {
    memset(&kr[i], 0, sizeof kr[i]);
    kr[i].kind = d->kinds[i].kind;
    kr[i].generation_counter = d->kinds[i].generation;
    kr[i].replicas = acked;
    kr[i].replicas_count = na;
  }
  memset(&b, 0, sizeof b);
  b.store_ans.kind_responses = kr;
  b.store_ans.kind_responses_count = d->nkinds;
  rl_node_reply_header(n, c, &fh, RL_MessageCode_store_ans, &b);
done:
  free(d->req);
  free(d->kinds);
  memset(d, 0, sizeof *d);
}

static void deferred_maybe_answer(rl_node *n, rl_deferred_store *d) {
  for (size_t i = 0; i < d->nreplicas; i++)
    if (d->outstanding[i]) return;
  deferred_answer(n, d);
}

/* A new deferred answer for the request being handled; NULL when the
 * table is full (the caller answers at once). */
static rl_deferred_store *deferred_new(rl_node *n, rl_conn *c, const rl_Message *m,
                                       const rl_StoreAns *ans) {
  rl_deferred_store *d = NULL;
  for (size_t i = 0; i < n->max_deferred && !d; i++)
    if (!n->deferred[i].serial) d = &n->deferred[i];
  if (!d || !n->cur_req) return NULL;
  memset(d, 0, sizeof *d);
  d->req = malloc(n->cur_req_len);
  d->kinds = malloc((ans->kind_responses_count ? ans->kind_responses_count : 1) * sizeof *d->kinds);
  if (!d->req || !d->kinds) {
    free(d->req);
    free(d->kinds);
    memset(d, 0, sizeof *d);
    return NULL;
  }
  memcpy(d->req, n->cur_req, n->cur_req_len);
  d->req_len = n->cur_req_len;
  for (size_t i = 0; i < ans->kind_responses_count; i++) {
    d->kinds[i].kind = ans->kind_responses[i].kind;
    d->kinds[i].generation = ans->kind_responses[i].generation_counter;
  }
  d->nkinds = ans->kind_responses_count;
  d->serial = ++n->repl_serial;
  d->txid = m->forwarding_header.transaction_id;
  d->conn_key = c ? c->key : 0;
  d->deadline_ms = rl_node_now(n) + RL_NODE_DEFER_MS;
  return d;
}

void rl_node_repl_after_store(rl_node *n, rl_conn *c, const rl_Message *m,
                              const rl_StoreReq *committed, const rl_StoreAns *ans) {
  rl_nodeid reps[RL_NODE_MAX_REPLICAS];
  size_t k = rl_chord_replica_set(n->chord, reps, RL_NODE_MAX_REPLICAS);
  rl_deferred_store *d = deferred_new(n, c, m, ans);
  rl_StoreKindData *kds =
      rl_arena_alloc_array(&n->arena, committed->kind_data_count ? committed->kind_data_count : 1,
                           sizeof *kds);
  for (size_t i = 0; i < k; i++) {
    rl_store_part_pos pos = {0, 0};
    rl_StoreReq part;
    size_t slot = d ? d->nreplicas : 0;
    if (memcmp(reps[i].b, n->self.b, n->id_len) == 0) continue;
    if (d) {
      d->replicas[slot] = reps[i];
      d->nreplicas++;
    }
    /* The values this store changed, in parts (10.4); the whole resource
     * as a job when transaction slots are short or a part cannot go. */
    while (kds && free_txns(n) > n->repl_txn_reserve &&
           next_slice(committed, &pos, part_budget(n), kds, &part)) {
      rl_txn *t;
      if (send_part(n, reps[i].b, &part, (int)i + 1, &t) != 0) break;
      t->repl_defer = d ? d->serial : 0;
      t->repl_slot = (int)slot;
      t->repl_number = (int)i + 1;
      if (d) d->outstanding[slot]++;
    }
    if (!kds || pos.kind < committed->kind_data_count) {
      if (d) d->failed[slot] = 1;
      rl_node_repl_resource(n, reps[i].b, committed->resource.ptr, (int)i + 1, 1);
    }
  }
  if (!d) {
    /* No room to wait: answer now, listing no replica as acknowledged. */
    rl_StoreAns now_ans = *ans;
    rl_StoreKindResponse *kr =
        rl_arena_alloc_array(&n->arena, ans->kind_responses_count ? ans->kind_responses_count : 1,
                             sizeof *kr);
    rl_MessageBody b;
    if (kr) {
      for (size_t i = 0; i < ans->kind_responses_count; i++) {
        kr[i] = ans->kind_responses[i];
        kr[i].replicas_count = 0;
      }
      now_ans.kind_responses = kr;
    }
    memset(&b, 0, sizeof b);
    b.store_ans = now_ans;
    if (k > 0) n->st.repl_answers_partial++;
    rl_node_reply(n, c, m, RL_MessageCode_store_ans, &b);
    return;
  }
  deferred_maybe_answer(n, d);
}

void rl_node_repl_txn_done(rl_node *n, rl_txn *t, const rl_node_answer *a) {
  const rl_MessageContents *mc = a->answer ? &a->answer->message_contents : NULL;
  int ok = a->status == 0 && mc && mc->message_code == RL_MessageCode_store_ans;
  char hx[RL_HEXBUF];
  if (ok) {
    n->st.repl_parts_acked++;
  } else {
    n->st.repl_parts_failed++;
    rl_node_log(n, 1, "replica Store to %s failed: %s", rl_node_hex(t->target.b, n->id_len, hx),
                a->error_text ? a->error_text : "error");
  }
  if (!t->repl_job) {
    /* A part of the values an original store changed. */
    rl_deferred_store *d = t->repl_defer ? deferred_by_serial(n, t->repl_defer) : NULL;
    /* Retried as a whole resource until the replica holds it. */
    if (!ok) rl_node_repl_resource(n, t->target.b, t->repl_resource, t->repl_number, 1);
    if (d && t->repl_slot >= 0 && (size_t)t->repl_slot < d->nreplicas) {
      if (d->outstanding[t->repl_slot]) d->outstanding[t->repl_slot]--;
      if (!ok) d->failed[t->repl_slot] = 1;
      deferred_maybe_answer(n, d);
    }
    return;
  }
  {
    rl_repl_job *j = job_by_serial(n, t->repl_job);
    if (n->repl_inflight) n->repl_inflight--;
    if (!j) return;
    if (j->inflight) j->inflight--;
    if (!ok) {
      j->failed++;
      if (j->range) rl_node_repl_resource(n, j->peer.b, t->repl_resource, j->replica_number, 1);
    }
    jobs_run(n);
  }
}

void rl_node_repl_tick(rl_node *n) {
  uint64_t now = rl_node_now(n);
  for (size_t i = 0; i < n->max_deferred; i++) {
    rl_deferred_store *d = &n->deferred[i];
    /* Replicas that did not answer in time are left out of the list;
     * their parts go on, and a failure becomes a retried job. */
    if (d->serial && now >= d->deadline_ms) deferred_answer(n, d);
  }
  jobs_run(n);
}

uint64_t rl_node_repl_next_ms(const rl_node *n, uint64_t until) {
  uint64_t now = rl_node_ms(n);
  for (size_t i = 0; i < n->max_deferred; i++)
    if (n->deferred[i].serial && n->deferred[i].deadline_ms < until) until = n->deferred[i].deadline_ms;
  for (size_t i = 0; i < n->max_repl_jobs; i++) {
    /* A job still due after its tick waits for room in the window (its
     * answers); look again a little later. */
    uint64_t t = n->repl_jobs[i].next_ms <= now ? now + 50 : n->repl_jobs[i].next_ms;
    if (n->repl_jobs[i].used && t < until) until = t;
  }
  return until;
}

int rl_node_repl_handover_pending(const rl_node *n) {
  for (size_t i = 0; i < n->max_repl_jobs; i++)
    if (n->repl_jobs[i].used && n->repl_jobs[i].replica_number == 0) return 1;
  return 0;
}

void rl_node_repl_counts(const rl_node *n, size_t *deferred, size_t *jobs) {
  *deferred = *jobs = 0;
  for (size_t i = 0; i < n->max_deferred; i++) *deferred += n->deferred[i].serial != 0;
  for (size_t i = 0; i < n->max_repl_jobs; i++) *jobs += n->repl_jobs[i].used != 0;
}

void rl_node_repl_free(rl_node *n) {
  for (size_t i = 0; n->deferred && i < n->max_deferred; i++) {
    free(n->deferred[i].req);
    free(n->deferred[i].kinds);
  }
  free(n->deferred);
  free(n->repl_jobs);
  n->deferred = NULL;
  n->repl_jobs = NULL;
}
