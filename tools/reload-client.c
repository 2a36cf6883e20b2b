/* reload-client: a RELOAD client (RFC 6940 4.2) on the command line.
 *
 *   reload-client --config FILE --cert FILE --key FILE --peer ADDR:PORT
 *                 [--json] [--timeout MS] COMMAND [ARGS...]
 *   reload-client ... --batch FILE      (one command per line)
 *
 * It connects to one peer, never routes or stores for others, and sends
 * its requests through that peer. */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "codec/message.h"
#include "peer/msg.h"
#include "peer/driver.h"
#include "peer/node.h"
#include "peer/ops.h"
#include "overlay/nodeid.h"
#include "runtime/hex.h"
#include "security/sign.h"
#include "tools/addr.h"

static rl_node *g_node;
static rl_driver *g_drv;
static const rl_overlay_config *g_cfg;
static const rl_credentials *g_cred;
static int g_json;
static int g_timeout_ms = 20000;

typedef struct result {
  int done;
  int status;
  json_t *out; /* the JSON answer */
} result;

static uint64_t wall_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void hexs(const uint8_t *p, size_t n, char *buf) {
  static const char hx[] = "0123456789abcdef";
  for (size_t i = 0; i < n; i++) {
    buf[2 * i] = hx[p[i] >> 4];
    buf[2 * i + 1] = hx[p[i] & 15];
  }
  buf[2 * n] = 0;
}

/* A byte string as JSON: text when it is printable, else hex. */
static void json_bytes(json_t *o, const char *name, rl_bytes b) {
  int printable = 1;
  for (size_t i = 0; i < b.len; i++)
    if (b.ptr[i] < 32 || b.ptr[i] > 126) printable = 0;
  if (printable) {
    json_object_set_new(o, name, json_stringn((const char *)b.ptr, b.len));
  } else {
    char *h = malloc(2 * b.len + 1);
    char key[64];
    if (!h) return;
    hexs(b.ptr, b.len, h);
    snprintf(key, sizeof key, "%s_hex", name);
    json_object_set_new(o, key, json_string(h));
    free(h);
  }
}

static const uint8_t *g_fetch_rid;
static size_t g_fetch_rid_len;

static json_t *values_json(rl_KindId kind, const rl_StoredData *v, size_t n) {
  json_t *arr = json_array();
  for (size_t i = 0; i < n; i++) {
    json_t *o = json_object();
    const rl_DataValue *dv = NULL;
    char why[400];
    /* 7.1: the value's own signature, by the user or node that stored it. */
    if (g_fetch_rid && rl_stored_data_is_synthetic(&v[i])) {
      /* 7.4.2.2: a value the responder has no knowledge of is unsigned;
       * the answer's own signature (checked already) covers it. */
      json_object_set_new(o, "signature", json_string("none"));
      json_object_set_new(o, "signer", json_string("nonexistent value (7.4.2.2)"));
    } else if (g_fetch_rid) {
      int vr = rl_node_verify_value(g_node, g_fetch_rid, g_fetch_rid_len, kind, &v[i], why, sizeof why);
      json_object_set_new(o, "signature", json_string(vr == 0 ? "valid" : "INVALID"));
      json_object_set_new(o, "signer", json_string(why));
    }
    json_object_set_new(o, "storage_time", json_integer((json_int_t)v[i].storage_time));
    json_object_set_new(o, "lifetime", json_integer(v[i].lifetime));
    if (v[i].value.data_model == RL_DataModel_array)
      json_object_set_new(o, "index", json_integer(v[i].value.array_entry.index));
    if (v[i].value.data_model == RL_DataModel_dictionary)
      json_bytes(o, "key", v[i].value.dictionary_entry.key);
    dv = rl_stored_data_value(&v[i].value);
    if (dv) {
      json_object_set_new(o, "exists", json_boolean(dv->exists));
      json_bytes(o, "value", dv->value);
    }
    json_array_append_new(arr, o);
  }
  return arr;
}

static void on_answer(void *user, const rl_node_answer *a) {
  result *r = user;
  json_t *o = r->out;
  char hx[64];
  r->done = 1;
  r->status = a->status;
  json_object_set_new(o, "latency_us", json_integer((json_int_t)a->latency_us));
  json_object_set_new(o, "hops", json_integer(a->hops));
  if (a->responder_len) {
    hexs(a->responder, a->responder_len, hx);
    json_object_set_new(o, "responder", json_string(hx));
  }
  if (a->status != 0) {
    const char *name = a->status > 0 ? rl_ErrorCode_name((rl_ErrorCode)a->status) : rl_errname(a->status);
    json_object_set_new(o, "ok", json_false());
    json_object_set_new(o, "error", json_string(name ? name : "unknown"));
    if (a->error_text) json_object_set_new(o, "text", json_string(a->error_text));
    return;
  }
  json_object_set_new(o, "ok", json_true());
  {
    const rl_MessageContents *mc = &a->answer->message_contents;
    const rl_MessageBody *b = &mc->message_body;
    json_t *kinds;
    switch (mc->message_code) {
    case RL_MessageCode_fetch_ans:
      kinds = json_array();
      for (size_t i = 0; i < b->fetch_ans.kind_responses_count; i++) {
        const rl_FetchKindResponse *k = &b->fetch_ans.kind_responses[i];
        json_t *ko = json_object();
        json_object_set_new(ko, "kind", json_integer(k->kind));
        json_object_set_new(ko, "generation", json_integer((json_int_t)k->generation));
        json_object_set_new(ko, "values", values_json(k->kind, k->values, k->values_count));
        json_array_append_new(kinds, ko);
      }
      json_object_set_new(o, "kinds", kinds);
      break;
    case RL_MessageCode_store_ans:
      kinds = json_array();
      for (size_t i = 0; i < b->store_ans.kind_responses_count; i++) {
        const rl_StoreKindResponse *k = &b->store_ans.kind_responses[i];
        json_t *ko = json_object(), *reps = json_array();
        json_object_set_new(ko, "kind", json_integer(k->kind));
        json_object_set_new(ko, "generation", json_integer((json_int_t)k->generation_counter));
        for (size_t j = 0; j < k->replicas_count; j++) {
          char h[64];
          hexs(k->replicas[j].ptr, k->replicas[j].len < 20 ? k->replicas[j].len : 20, h);
          json_array_append_new(reps, json_string(h));
        }
        json_object_set_new(ko, "replicas", reps);
        json_array_append_new(kinds, ko);
      }
      json_object_set_new(o, "kinds", kinds);
      break;
    case RL_MessageCode_stat_ans: {
      json_t *jm = rl_StatAns_to_json(&b->stat_ans);
      if (jm) json_object_set_new(o, "stat", jm);
      break;
    }
    case RL_MessageCode_find_ans:
      kinds = json_array();
      for (size_t i = 0; i < b->find_ans.results_count; i++) {
        const rl_FindKindData *k = &b->find_ans.results[i];
        json_t *ko = json_object();
        char h[64];
        hexs(k->closest.ptr, k->closest.len < 20 ? k->closest.len : 20, h);
        json_object_set_new(ko, "kind", json_integer(k->kind));
        json_object_set_new(ko, "closest", json_string(h));
        json_array_append_new(kinds, ko);
      }
      json_object_set_new(o, "kinds", kinds);
      break;
    case RL_MessageCode_ping_ans: {
      /* Every member of PingAns, through the codec's printer, so that a
       * member a new spec adds shows up here too (uint64 values are JSON
       * strings there, as in reload-dump --json). */
      json_t *jm = rl_PingAns_to_json(&b->ping_ans);
      if (jm) {
        json_object_update(o, jm);
        json_decref(jm);
      }
      break;
    }
    case RL_MessageCode_probe_ans: {
      json_t *jm = rl_ProbeAns_to_json(&b->probe_ans);
      if (jm) json_object_set_new(o, "probe", jm);
      break;
    }
    case RL_MessageCode_route_query_ans:
      if (b->route_query_ans.topology == RL_TopologyPlugin_CHORD_RELOAD) {
        const rl_bytes *np = &b->route_query_ans.chord_route_query_ans.next_peer;
        char h[64];
        hexs(np->ptr, np->len < 20 ? np->len : 20, h);
        json_object_set_new(o, "next_peer", json_string(h));
      }
      break;
    default:
      break;
    }
  }
}

/* ---------- a Fetch too large for one answer, in parts ---------- */

/* The values a Stat found (7.4.3): dictionary keys or array indexes, with
 * their sizes; keys copied out of the answer's decode. */
typedef struct stat_list {
  int done, status;
  rl_bytes *keys;
  uint32_t *index, *len;
  size_t n;
} stat_list;

static void on_stat(void *user, const rl_node_answer *a) {
  stat_list *sl = user;
  const rl_StatKindResponse *k;
  sl->done = 1;
  sl->status = a->status;
  if (a->status != 0 || a->answer->message_contents.message_code != RL_MessageCode_stat_ans ||
      a->answer->message_contents.message_body.stat_ans.kind_responses_count == 0)
    return;
  k = &a->answer->message_contents.message_body.stat_ans.kind_responses[0];
  sl->keys = calloc(k->values_count + 1, sizeof *sl->keys);
  sl->index = calloc(k->values_count + 1, sizeof *sl->index);
  sl->len = calloc(k->values_count + 1, sizeof *sl->len);
  if (!sl->keys || !sl->index || !sl->len) {
    sl->status = RL_ERR_NOMEM;
    return;
  }
  for (size_t i = 0; i < k->values_count; i++) {
    const rl_MetaDataValue *md = &k->values[i].metadata;
    const rl_MetaData *m = md->data_model == RL_DataModel_array        ? &md->array_entry.value
                           : md->data_model == RL_DataModel_dictionary ? &md->dictionary_entry.value
                                                                       : &md->single_value_entry;
    uint8_t *kc;
    if (!m->exists) continue;
    if (md->data_model == RL_DataModel_dictionary) {
      kc = malloc(md->dictionary_entry.key.len + 1);
      if (!kc) continue;
      memcpy(kc, md->dictionary_entry.key.ptr, md->dictionary_entry.key.len);
      sl->keys[sl->n].ptr = kc;
      sl->keys[sl->n].len = md->dictionary_entry.key.len;
    }
    sl->index[sl->n] = md->data_model == RL_DataModel_array ? md->array_entry.index : 0;
    sl->len[sl->n++] = m->value_length;
  }
}

static void stat_list_free(stat_list *sl) {
  for (size_t i = 0; i < sl->n; i++) free((void *)sl->keys[i].ptr);
  free(sl->keys);
  free(sl->index);
  free(sl->len);
}

/* Send and wait for the answer (or the timeout). */
static int request_wait(const rl_Destination *dest, rl_MessageCode code, const rl_MessageBody *body,
                        rl_node_answer_fn cb, void *user, int *done) {
  uint64_t t0 = rl_node_now(g_node);
  int rc = rl_node_request(g_node, dest, 1, code, body, cb, user);
  if (rc != 0) return rc;
  while (!*done && rl_node_now(g_node) - t0 < (uint64_t)g_timeout_ms) rl_driver_run_once(g_drv, 50);
  return *done ? 0 : RL_ERR_TIMEOUT;
}

/* Bytes of values one part asks for: well inside the largest message a
 * peer builds (the reference peer's is 256 KiB), signatures included. */
#define FETCH_PART_BYTES (96u * 1024u)

/* A Fetch of a whole dictionary or array answered Error_Response_Too_Large
 * (6.3.3.1): Stat the same values for their sizes, then Fetch them in
 * parts that fit, and print one answer with every value ("parts": how
 * many Fetches). r holds the first answer; it is replaced. */
static void fetch_in_parts(result *r, const rl_Destination *dest, const uint8_t *rid,
                           size_t id_len, rl_KindId kind, rl_DataModel model) {
  static uint8_t mem[1 << 20];
  rl_arena a;
  rl_MessageBody body;
  stat_list sl;
  json_t *values = json_array(), *first = NULL;
  size_t i = 0, parts = 0;
  int rc;
  memset(&sl, 0, sizeof sl);
  memset(&body, 0, sizeof body);
  rl_arena_init(&a, mem, sizeof mem);
  rc = rl_ops_fetch_req(rid, id_len, kind, model, model == RL_DataModel_array, 0, 0xffffffffu, NULL,
                        0, &a, &body.fetch_req);
  g_fetch_rid = NULL;
  if (rc == 0) rc = request_wait(dest, RL_MessageCode_stat_req, &body, on_stat, &sl, &sl.done);
  if (rc == 0) rc = sl.status;
  while (rc == 0 && i < sl.n) {
    result p;
    size_t j = i, bytes = 0;
    /* As many values as FETCH_PART_BYTES take (one at least); an array
     * part is one run of indexes. */
    while (j < sl.n && (j == i || bytes + sl.len[j] + 512 <= FETCH_PART_BYTES)) bytes += sl.len[j++] + 512;
    rl_arena_init(&a, mem, sizeof mem);
    memset(&body, 0, sizeof body);
    rc = model == RL_DataModel_array
             ? rl_ops_fetch_req(rid, id_len, kind, model, 1, sl.index[i], sl.index[j - 1], NULL, 0, &a,
                                &body.fetch_req)
             : rl_ops_fetch_req(rid, id_len, kind, model, 0, 0, 0, &sl.keys[i], j - i, &a,
                                &body.fetch_req);
    memset(&p, 0, sizeof p);
    p.out = json_object();
    g_fetch_rid = rid;
    g_fetch_rid_len = id_len;
    if (rc == 0) rc = request_wait(dest, RL_MessageCode_fetch_req, &body, on_answer, &p, &p.done);
    if (rc == 0) rc = p.status;
    if (rc == 0) {
      json_t *k = json_array_get(json_object_get(p.out, "kinds"), 0);
      json_array_extend(values, json_object_get(k, "values"));
      if (!first) first = json_incref(p.out);
    }
    json_decref(p.out);
    parts++;
    i = j;
  }
  if (rc != 0) {
    const char *name = rc > 0 ? rl_ErrorCode_name((rl_ErrorCode)rc) : rl_errname(rc);
    json_object_set_new(r->out, "parts_error", json_string(name ? name : "unknown"));
    json_object_set_new(r->out, "parts", json_integer((json_int_t)parts));
    json_decref(values);
  } else {
    json_t *k = first ? json_array_get(json_object_get(first, "kinds"), 0) : NULL;
    json_t *ko = json_object();
    json_object_set_new(ko, "kind", json_integer(kind));
    json_object_set(ko, "generation", k ? json_object_get(k, "generation") : json_integer(0));
    json_object_set_new(ko, "values", values);
    json_object_set_new(r->out, "ok", json_true());
    json_object_del(r->out, "error");
    json_object_del(r->out, "text");
    json_object_set_new(r->out, "kinds", json_pack("[o]", ko));
    json_object_set_new(r->out, "parts", json_integer((json_int_t)parts));
    r->status = 0;
  }
  if (first) json_decref(first);
  stat_list_free(&sl);
}

/* Words of one command line. */
static int split(char *line, char **w, int max) {
  int n = 0;
  char *p = line;
  while (*p && n < max) {
    while (isspace((unsigned char)*p)) p++;
    if (!*p) break;
    if (*p == '"') {
      w[n++] = ++p;
      while (*p && *p != '"') p++;
    } else {
      w[n++] = p;
      while (*p && !isspace((unsigned char)*p)) p++;
    }
    if (*p) *p++ = 0;
  }
  return n;
}

static int parse_dest(const char *text, rl_Destination *d, uint8_t *buf, char *why, size_t whylen) {
  size_t id_len = g_cfg->node_id_length;
  if (strncmp(text, "node:", 5) == 0 && text[5]) {
    if (strlen(text + 5) != 2 * id_len ||
        rl_nodeid_from_hex(text + 5, buf, id_len) != 0) {
      snprintf(why, whylen, "node:HEX needs %zu hex digits", 2 * id_len);
      return -1;
    }
    rl_dest_node(d, buf, id_len);
    return 0;
  }
  if (rl_ops_resource(g_cred, id_len, text, buf, why, whylen) != 0) return -1;
  rl_dest_resource(d, buf, id_len);
  return 0;
}

/* find-relay node:HEX: the TurnServer entries that node would store, at
 * H(Node-ID || d) for d = 1..turn-density (RFC 6940 9). 0 or an rl_err. */
static int fetch_node_entries(const char *arg, json_t *out) {
  uint8_t id[20], rid[20];
  size_t id_len = g_cfg->node_id_length;
  unsigned density = g_cfg->turn_density;
  int rc = 0;
  if (rl_hex_decode(arg + 5, strlen(arg + 5), id, sizeof id, 0) != (long)id_len)
    return RL_ERR_SYNTAX;
  if (density > RL_TURNSVC_MAX_ITERATION) density = RL_TURNSVC_MAX_ITERATION;
  json_object_set_new(out, "turn_density", json_integer(density));
  for (unsigned d = 1; d <= density && rc == 0; d++) {
    rc = rl_turnsvc_resource(id, id_len, (uint8_t)d, rid);
    if (rc == 0) rc = rl_node_turn_fetch(g_node, rid);
  }
  return rc;
}

/* find-relay [FINDS [ROUNDS]]: TURN servers published under TURN-SERVICE
 * (RFC 6940 9): rounds of FINDS Finds at random Resource-IDs (default 16),
 * then a Fetch of each closest Resource-ID named, until a round finds one
 * or ROUNDS (default 3) are done. find-relay node:HEX: Fetches at that
 * node's H(Node-ID || d) instead. "servers": address, iteration, and
 * whether 9 advises against the address ("unfit"). */
static void find_relay(int argc, char **argv, result *r) {
  int by_node = argc > 1 && strncmp(argv[1], "node:", 5) == 0;
  unsigned finds = argc > 1 && !by_node ? (unsigned)strtoul(argv[1], NULL, 0) : 16;
  unsigned rounds = argc > 2 ? (unsigned)strtoul(argv[2], NULL, 0) : 3, done = 0;
  rl_turnsvc found[8];
  size_t k = 0;
  json_t *servers = json_array();
  uint64_t t0 = rl_node_now(g_node);
  int rc = 0;
  if (by_node) rounds = 1;
  while (done < rounds && k == 0 && rc == 0) {
    rc = by_node ? fetch_node_entries(argv[1], r->out) : rl_node_turn_find(g_node, finds);
    while (rc == 0 && rl_node_turn_pending(g_node) &&
           rl_node_now(g_node) - t0 < (uint64_t)g_timeout_ms)
      rl_driver_run_once(g_drv, 50);
    done++;
    k = rl_node_turn_servers(g_node, found, 8);
    if (rl_node_turn_pending(g_node)) break; /* the timeout */
  }
  for (size_t i = 0; i < k; i++) {
    json_t *o = json_object();
    char addr[64];
    const char *unfit = rl_turnsvc_unfit((const struct sockaddr *)&found[i].addr);
    rl_turnsvc_addr_str((const struct sockaddr *)&found[i].addr, addr, sizeof addr);
    json_object_set_new(o, "address", json_string(addr));
    json_object_set_new(o, "iteration", json_integer(found[i].iteration));
    if (unfit) json_object_set_new(o, "unfit", json_string(unfit));
    json_array_append_new(servers, o);
  }
  if (!by_node) {
    json_object_set_new(r->out, "finds", json_integer(finds));
    json_object_set_new(r->out, "rounds", json_integer(done));
  }
  json_object_set_new(r->out, "servers", servers);
  r->done = 1;
  if (rc != 0) {
    r->status = rc;
    json_object_set_new(r->out, "ok", json_false());
    json_object_set_new(r->out, "error", json_string(rl_errname(rc)));
  } else if (k == 0) {
    r->status = RL_ERR_NOT_FOUND;
    json_object_set_new(r->out, "ok", json_false());
    json_object_set_new(r->out, "error", json_string(rl_node_turn_pending(g_node)
                                                         ? "RL_ERR_TIMEOUT"
                                                         : "RL_ERR_NOT_FOUND"));
  } else {
    json_object_set_new(r->out, "ok", json_true());
  }
}

/* Run one command; prints its result. Returns 0 when it succeeded. */
static int run_command(int argc, char **argv) {
  static uint8_t mem[1 << 20];
  rl_arena a;
  rl_MessageBody body;
  rl_MessageCode code;
  rl_Destination dest;
  uint8_t idbuf[20], rid[20];
  char why[256] = "";
  result r;
  rl_KindId kind = 0;
  rl_DataModel model = 0;
  size_t id_len = g_cfg->node_id_length;
  /* Referenced by the request body until it is sent: function scope. */
  rl_bytes key = {0};
  const char *cmd;
  int rc;
  if (argc < 1) return 0;
  cmd = argv[0];
  rl_arena_init(&a, mem, sizeof mem);
  memset(&body, 0, sizeof body);
  memset(&r, 0, sizeof r);
  r.out = json_object();
  json_object_set_new(r.out, "command", json_string(cmd));
  if (strcmp(cmd, "find-relay") == 0) {
    find_relay(argc, argv, &r);
    goto print;
  }

  if (strcmp(cmd, "ping") == 0 || strcmp(cmd, "probe") == 0 || strcmp(cmd, "route-query") == 0) {
    if (argc < 2 && strcmp(cmd, "ping") != 0) {
      snprintf(why, sizeof why, "%s needs a destination", cmd);
      goto bad;
    }
    if (argc >= 2) {
      if (parse_dest(argv[1], &dest, idbuf, why, sizeof why) != 0) goto bad;
    } else if (rl_node_attached_peer(g_node, idbuf) == 0) {
      /* No destination: the peer we are connected to. */
      rl_dest_node(&dest, idbuf, id_len);
    } else {
      snprintf(why, sizeof why, "not connected to a peer");
      goto bad;
    }
    if (strcmp(cmd, "ping") == 0) {
      code = RL_MessageCode_ping_req;
    } else if (strcmp(cmd, "probe") == 0) {
      static rl_ProbeInformationType types[3] = {RL_ProbeInformationType_responsible_set,
                                                 RL_ProbeInformationType_num_resources,
                                                 RL_ProbeInformationType_uptime};
      code = RL_MessageCode_probe_req;
      body.probe_req.requested_info = types;
      body.probe_req.requested_info_count = 3;
    } else {
      code = RL_MessageCode_route_query_req;
      body.route_query_req.destination = dest;
    }
  } else if (strcmp(cmd, "store") == 0 || strcmp(cmd, "fetch") == 0 || strcmp(cmd, "stat") == 0 ||
             strcmp(cmd, "find") == 0) {
    rl_ops_value v;
    const char *value = NULL;
    uint32_t lifetime = 3600, first = 0, last = 0;
    int has_range = 0, has_key = 0;
    memset(&v, 0, sizeof v);
    v.exists = 1;
    v.index = 0xffffffffu;
    if (argc < 3) {
      snprintf(why, sizeof why, "usage: %s KIND RESOURCE ...", cmd);
      goto bad;
    }
    if (rl_ops_kind(g_cfg, argv[1], &kind, &model) != 0) {
      snprintf(why, sizeof why, "kind '%s' is not in the overlay configuration", argv[1]);
      goto bad;
    }
    if (rl_ops_resource(g_cred, id_len, argv[2], rid, why, sizeof why) != 0) goto bad;
    for (int i = 3; i < argc; i++) {
      if (strncmp(argv[i], "key=", 4) == 0) {
        key.ptr = (const uint8_t *)argv[i] + 4;
        key.len = strlen(argv[i] + 4);
        has_key = 1;
      } else if (strncmp(argv[i], "index=", 6) == 0) {
        char *end;
        first = (uint32_t)strtoul(argv[i] + 6, &end, 0);
        last = *end == '-' ? (uint32_t)strtoul(end + 1, &end, 0) : first;
        has_range = 1;
      } else if (strncmp(argv[i], "lifetime=", 9) == 0) {
        lifetime = (uint32_t)strtoul(argv[i] + 9, NULL, 0);
      } else if (strcmp(argv[i], "delete") == 0) {
        v.exists = 0;
      } else if (!value) {
        value = argv[i];
      } else {
        snprintf(why, sizeof why, "unexpected '%s'", argv[i]);
        goto bad;
      }
    }
    json_object_set_new(r.out, "kind", json_integer(kind));
    if (strcmp(cmd, "store") == 0) {
      if (!value && v.exists) {
        snprintf(why, sizeof why, "store needs a VALUE (or 'delete')");
        goto bad;
      }
      if (model == RL_DataModel_dictionary && !has_key) {
        snprintf(why, sizeof why, "a dictionary Kind needs key=K");
        goto bad;
      }
      v.key = key;
      if (has_range) v.index = first;
      v.value.ptr = (const uint8_t *)(value ? value : "");
      v.value.len = value ? strlen(value) : 0;
      rc = rl_ops_store_req(g_cred, rid, id_len, kind, model, 0, &v, 1, lifetime, wall_ms(), &a,
                            &body.store_req);
      if (rc != 0) {
        snprintf(why, sizeof why, "cannot build the StoreReq: %s", rl_strerror(rc));
        goto bad;
      }
      code = RL_MessageCode_store_req;
    } else if (strcmp(cmd, "find") == 0) {
      static rl_KindId kinds[1];
      kinds[0] = kind;
      body.find_req.resource.ptr = rid;
      body.find_req.resource.len = id_len;
      body.find_req.kinds = kinds;
      body.find_req.kinds_count = 1;
      code = RL_MessageCode_find_req;
    } else {
      if (model == RL_DataModel_array && !has_range) {
        /* 7.4.2.1 has no wildcard for arrays: ask for every index. */
        has_range = 1;
        first = 0;
        last = 0xffffffffu;
      }
      rc = rl_ops_fetch_req(rid, id_len, kind, model, has_range, first, last, has_key ? &key : NULL,
                            has_key ? 1 : 0, &a, &body.fetch_req);
      if (rc != 0) {
        snprintf(why, sizeof why, "cannot build the request: %s", rl_strerror(rc));
        goto bad;
      }
      code = strcmp(cmd, "fetch") == 0 ? RL_MessageCode_fetch_req : RL_MessageCode_stat_req;
    }
    rl_dest_resource(&dest, rid, id_len);
  } else {
    snprintf(why, sizeof why, "unknown command '%s' (ping, store, fetch, stat, find, find-relay, probe, "
                                   "route-query)", cmd);
    goto bad;
  }
  g_fetch_rid = code == RL_MessageCode_fetch_req ? rid : NULL;
  g_fetch_rid_len = id_len;
  rc = request_wait(&dest, code, &body, on_answer, &r, &r.done);
  if (rc != 0 && rc != RL_ERR_TIMEOUT) {
    snprintf(why, sizeof why, "cannot send: %s", rl_strerror(rc));
    goto bad;
  }
  if (!r.done) {
    json_object_set_new(r.out, "ok", json_false());
    json_object_set_new(r.out, "error", json_string("RL_ERR_TIMEOUT"));
    r.status = RL_ERR_TIMEOUT;
  }
  if (r.status == RL_ErrorCode_Error_Response_Too_Large && code == RL_MessageCode_fetch_req &&
      (model == RL_DataModel_array || model == RL_DataModel_dictionary) && !key.len)
    fetch_in_parts(&r, &dest, rid, id_len, kind, model);
  goto print;
bad:
  json_object_set_new(r.out, "ok", json_false());
  json_object_set_new(r.out, "error", json_string("usage"));
  json_object_set_new(r.out, "text", json_string(why));
  r.status = -1;
print:
  if (g_json) {
    char *s = json_dumps(r.out, JSON_COMPACT | JSON_PRESERVE_ORDER);
    printf("%s\n", s);
    free(s);
  } else {
    char *s = json_dumps(r.out, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    printf("%s\n", s);
    free(s);
  }
  fflush(stdout);
  json_decref(r.out);
  return r.status == 0 ? 0 : 1;
}

static void usage(FILE *f) {
  fprintf(f,
          "usage: reload-client --config FILE --cert FILE --key FILE --peer ADDR:PORT\n"
          "                     [--json] [--timeout MS] [--insecure-tcp] [-v]\n"
          "                     [--link tls|dtls|tcp-insecure|udp-insecure] [--keylog FILE]\n"
          "                     (COMMAND [ARGS...] | --batch FILE)\n"
          "commands (RESOURCE: a name (hashed), node:, node-multiple:I, or hex:HEX;\n"
          "          DEST: RESOURCE or node:NODEID-HEX):\n"
          "  ping [DEST]                       (default: the peer we are connected to)\n"
          "  store KIND RESOURCE [key=K] [index=N] [lifetime=S] (VALUE | delete)\n"
          "  fetch KIND RESOURCE [key=K] [index=A[-B]]\n"
          "  stat KIND RESOURCE [key=K] [index=A[-B]]\n"
          "  find KIND RESOURCE\n"
          "  probe DEST\n"
          "  route-query DEST\n"
          "  find-relay [FINDS [ROUNDS]]       TURN servers published in the overlay (RFC\n"
          "                                    6940 9, Kind TURN-SERVICE): FINDS Finds at\n"
          "                                    random Resource-IDs (16), then Fetches of the\n"
          "                                    Resource-IDs they name; up to ROUNDS (3);\n"
          "                                    FINDS at most 16\n"
          "  find-relay node:NODEID-HEX        that node's entries: Fetches at\n"
          "                                    H(Node-ID || d), d = 1..turn-density\n"
          "--batch FILE runs one command per line ('-': standard input) and prints\n"
          "one JSON line per command.\n");
}

int main(int argc, char **argv) {
  const char *config_path = NULL, *cert_path = NULL, *key_path = NULL, *batch = NULL;
  rl_node_options o;
  rl_config_document doc;
  rl_config_error cerr;
  rl_credentials *cred = NULL;
  rl_sec_error se;
  char why[512];
  int verbosity = 0, ch, have_peer = 0, failures = 0;
  uint64_t t0;
  enum { O_CONFIG = 256, O_CERT, O_KEY, O_PEER, O_JSON, O_TIMEOUT, O_INSECURE, O_BATCH, O_LINK,
         O_KEYLOG, O_HELP };
  static const struct option longopts[] = {
      {"config", required_argument, 0, O_CONFIG}, {"cert", required_argument, 0, O_CERT},
      {"key", required_argument, 0, O_KEY},       {"peer", required_argument, 0, O_PEER},
      {"json", no_argument, 0, O_JSON},           {"timeout", required_argument, 0, O_TIMEOUT},
      {"insecure-tcp", no_argument, 0, O_INSECURE}, {"batch", required_argument, 0, O_BATCH},
      {"verbose", no_argument, 0, 'v'},           {"help", no_argument, 0, O_HELP},
      {"link", required_argument, 0, O_LINK},     {"keylog", required_argument, 0, O_KEYLOG},
      {0, 0, 0, 0}};
  rl_node_options_init(&o);
  o.client = 1;
  while ((ch = getopt_long(argc, argv, "+v", longopts, NULL)) != -1) {
    switch (ch) {
    case O_CONFIG: config_path = optarg; break;
    case O_CERT: cert_path = optarg; break;
    case O_KEY: key_path = optarg; break;
    case O_PEER:
      if (rl_tool_parse_addr(optarg, 6084, &o.bootstrap[0], &o.bootstrap_len[0], why, sizeof why) != 0) {
        fprintf(stderr, "reload-client: --peer %s: %s\n", optarg, why);
        return 2;
      }
      o.nbootstrap = 1;
      have_peer = 1;
      break;
    case O_JSON: g_json = 1; break;
    case O_TIMEOUT: g_timeout_ms = atoi(optarg); break;
    case O_INSECURE: o.link_mode = RL_LINK_TCP_INSECURE; break;
    case O_LINK:
      if (rl_tool_parse_link_mode(optarg, &o.link_mode, why, sizeof why) != 0) {
        fprintf(stderr, "reload-client: --link %s\n", why);
        return 2;
      }
      break;
    case O_KEYLOG:
      if (rl_tool_keylog(optarg, why, sizeof why) != 0) {
        fprintf(stderr, "reload-client: --keylog: %s\n", why);
        return 2;
      }
      break;
    case O_BATCH: batch = optarg; break;
    case 'v': verbosity++; break;
    case O_HELP: usage(stdout); return 0;
    default: usage(stderr); return 2;
    }
  }
  if (!config_path || !cert_path || !key_path || (!batch && optind >= argc)) {
    usage(stderr);
    return 2;
  }
  o.verbosity = verbosity;
  if (rl_config_load_file(config_path, &doc, &cerr) != 0) {
    fprintf(stderr, "reload-client: %s: %s\n", config_path, cerr.message);
    return 1;
  }
  g_cfg = &doc.configs[0];
  if (!have_peer && g_cfg->nbootstrap == 0) {
    fprintf(stderr, "reload-client: no --peer and no bootstrap-node in the configuration\n");
    return 2;
  }
  if (rl_credentials_load(cert_path, key_path, NULL, 0, &cred, &se) != 0) {
    fprintf(stderr, "reload-client: credentials: %s\n", se.text);
    return 1;
  }
  g_cred = cred;
  o.config = g_cfg;
  o.cred = cred;
  signal(SIGPIPE, SIG_IGN);
  g_drv = rl_driver_new(&o, why, sizeof why);
  g_node = g_drv ? rl_driver_node(g_drv) : NULL;
  if (!g_node) {
    fprintf(stderr, "reload-client: %s\n", why);
    return 1;
  }
  rl_driver_start(g_drv);
  t0 = rl_node_now(g_node);
  while (!rl_node_ready(g_node) && rl_node_now(g_node) - t0 < (uint64_t)g_timeout_ms)
    rl_driver_run_once(g_drv, 50);
  if (!rl_node_ready(g_node)) {
    fprintf(stderr, "reload-client: could not connect to the peer within %d ms\n", g_timeout_ms);
    return 1;
  }
  if (batch) {
    FILE *f = strcmp(batch, "-") == 0 ? stdin : fopen(batch, "r");
    char line[8192];
    if (!f) {
      fprintf(stderr, "reload-client: %s: %s\n", batch, strerror(errno));
      return 1;
    }
    g_json = 1;
    while (fgets(line, sizeof line, f)) {
      char *w[32];
      int n;
      line[strcspn(line, "\r\n")] = 0;
      if (line[0] == '#') continue;
      n = split(line, w, 32);
      if (n) failures += run_command(n, w) != 0;
    }
    if (f != stdin) fclose(f);
  } else {
    failures = run_command(argc - optind, argv + optind);
  }
  rl_driver_free(g_drv);
  rl_credentials_free(cred);
  rl_config_document_free(&doc);
  return failures ? 1 : 0;
}
