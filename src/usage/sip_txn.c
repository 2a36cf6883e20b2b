/* usage/sip_txn.c: see sip_txn.h. */
#define _GNU_SOURCE /* strcasecmp */
#include "usage/sip_txn.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "runtime/error.h"
#include "sip/sip_uri.h"

#define TXN_HASH 16384 /* buckets, a power of two */

struct rl_sip_txn_table {
  size_t entry_size, max;
  rl_sip_txn **all; /* every entry allocated */
  size_t n, cap;
  rl_sip_txn *free_list;
  rl_sip_txn *in_hash[TXN_HASH], *out_hash[TXN_HASH];
};

static unsigned str_hash(const char *s, size_t n) {
  uint32_t h = 2166136261u;
  for (size_t k = 0; k < n; k++) h = (h ^ (uint8_t)s[k]) * 16777619u;
  return h & (TXN_HASH - 1);
}

rl_sip_txn_table *rl_sip_txn_table_new(size_t entry_size, size_t max) {
  rl_sip_txn_table *tt;
  if (entry_size < sizeof(rl_sip_txn) || max == 0) return NULL;
  tt = calloc(1, sizeof *tt);
  if (!tt) return NULL;
  tt->entry_size = entry_size;
  tt->max = max;
  return tt;
}

void rl_sip_txn_table_free(rl_sip_txn_table *tt, void (*fin)(rl_sip_txn *)) {
  if (!tt) return;
  for (size_t i = 0; i < tt->n; i++) {
    if (fin) fin(tt->all[i]);
    free(tt->all[i]);
  }
  free(tt->all);
  free(tt);
}

rl_sip_txn *rl_sip_txn_alloc(rl_sip_txn_table *tt) {
  rl_sip_txn *t = tt->free_list;
  if (t) {
    tt->free_list = t->free_next;
  } else {
    if (tt->n == tt->max) return NULL;
    if (tt->n == tt->cap) {
      size_t nc = tt->cap ? 2 * tt->cap : 256;
      rl_sip_txn **nv;
      if (nc > tt->max) nc = tt->max;
      nv = realloc(tt->all, nc * sizeof *nv);
      if (!nv) return NULL;
      tt->all = nv;
      tt->cap = nc;
    }
    t = calloc(1, tt->entry_size);
    if (!t) return NULL;
    tt->all[tt->n++] = t;
  }
  memset(t, 0, sizeof *t);
  t->in_use = 1;
  return t;
}

static void sentby_text(const rl_sip_via *v, char *out, size_t cap) {
  snprintf(out, cap, "%.*s:%d", (int)(v->host.len < 80 ? v->host.len : 80), v->host.p,
           v->port > 0 ? v->port : 5060);
}

int rl_sip_txn_bind(rl_sip_txn_table *tt, rl_sip_txn *t, const rl_sip_via *top,
                    rl_sip_method method, const char *out_branch) {
  rl_sip_txn **h;
  t->method = method;
  if (!top->branch.p || top->branch.len == 0 || top->branch.len >= RL_SIP_TXN_BRANCH_MAX)
    return RL_ERR_PARAM;
  memcpy(t->branch, top->branch.p, top->branch.len);
  t->branch_len = top->branch.len;
  sentby_text(top, t->sentby, sizeof t->sentby);
  h = &tt->in_hash[str_hash(t->branch, t->branch_len)];
  t->in_next = *h;
  *h = t;
  t->in_linked = 1;
  if (!out_branch || !out_branch[0]) return 0;
  if (strlen(out_branch) >= sizeof t->out_branch) return RL_ERR_PARAM;
  snprintf(t->out_branch, sizeof t->out_branch, "%s", out_branch);
  h = &tt->out_hash[str_hash(t->out_branch, strlen(t->out_branch))];
  t->out_next = *h;
  *h = t;
  t->out_linked = 1;
  return 0;
}

static void unlink_in(rl_sip_txn **head, rl_sip_txn *t) {
  for (rl_sip_txn **pp = head; *pp; pp = &(*pp)->in_next)
    if (*pp == t) {
      *pp = t->in_next;
      return;
    }
}

static void unlink_out(rl_sip_txn **head, rl_sip_txn *t) {
  for (rl_sip_txn **pp = head; *pp; pp = &(*pp)->out_next)
    if (*pp == t) {
      *pp = t->out_next;
      return;
    }
}

void rl_sip_txn_release(rl_sip_txn_table *tt, rl_sip_txn *t) {
  if (!t->in_use) return;
  t->in_use = 0;
  if (t->in_linked) unlink_in(&tt->in_hash[str_hash(t->branch, t->branch_len)], t);
  if (t->out_linked) unlink_out(&tt->out_hash[str_hash(t->out_branch, strlen(t->out_branch))], t);
  t->in_linked = t->out_linked = 0;
  if (t->pending == 0) {
    t->free_next = tt->free_list;
    tt->free_list = t;
  }
}

void rl_sip_txn_callback_done(rl_sip_txn_table *tt, rl_sip_txn *t) {
  if (t->pending > 0) t->pending--;
  if (t->pending == 0 && !t->in_use) {
    t->free_next = tt->free_list;
    tt->free_list = t;
  }
}

rl_sip_txn *rl_sip_txn_match(rl_sip_txn_table *tt, const rl_sip_via *top, rl_sip_method method) {
  char sb[96];
  rl_sip_str b = top->branch;
  if (!b.p || b.len == 0 || b.len >= RL_SIP_TXN_BRANCH_MAX) return NULL;
  sentby_text(top, sb, sizeof sb);
  for (rl_sip_txn *t = tt->in_hash[str_hash(b.p, b.len)]; t; t = t->in_next) {
    if (t->branch_len != b.len || memcmp(t->branch, b.p, b.len) != 0) continue;
    if (strcasecmp(t->sentby, sb) != 0) continue;
    if (method == RL_SIP_METHOD_ACK || method == RL_SIP_METHOD_CANCEL) {
      if (t->method == RL_SIP_METHOD_INVITE) return t;
    } else if (t->method == method) {
      return t;
    }
  }
  return NULL;
}

rl_sip_txn *rl_sip_txn_match_out(rl_sip_txn_table *tt, rl_sip_str branch) {
  if (!branch.p) return NULL;
  for (rl_sip_txn *t = tt->out_hash[str_hash(branch.p, branch.len)]; t; t = t->out_next)
    if (rl_sip_str_eq(branch, t->out_branch)) return t;
  return NULL;
}

size_t rl_sip_txn_count(const rl_sip_txn_table *tt) { return tt->n; }

rl_sip_txn *rl_sip_txn_at(const rl_sip_txn_table *tt, size_t i) {
  return i < tt->n ? tt->all[i] : NULL;
}

uint64_t rl_sip_txn_linger(rl_sip_method method, int status, int reliable) {
  if (method == RL_SIP_METHOD_INVITE && status >= 200 && status < 300) return 0;
  if (method == RL_SIP_METHOD_INVITE) return RL_SIP_TIMER_64T1; /* timer H */
  return reliable ? 0 : RL_SIP_TIMER_64T1;                      /* timer J */
}

uint64_t rl_sip_txn_linger_after_ack(int reliable) { return reliable ? 0 : RL_SIP_T4; }
