/* bench_pb.c: the protobuf-c anchor.
 *
 * The protobuf mirror of a message (reload_bench.proto) is filled from the
 * decoded RELOAD value m->ref, member by member, so that both codecs carry
 * exactly the same numbers, byte strings and lists; it is packed once and
 * the timing loops unpack (and free) or pack it. Built only when configure
 * found libprotobuf-c and protoc-c (HAVE_PROTOBUFC). */
#include "bench.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef BENCH_HAVE_PROTOBUFC

int bench_pb_available(void) { return 0; }
int bench_pb_build(bench_msg *m) {
  (void)m;
  return -1;
}
int bench_pb_check(const bench_msg *m) {
  (void)m;
  return -1;
}
void bench_pb_unpack_loop(void *m, size_t n) {
  (void)m;
  (void)n;
}
void bench_pb_pack_loop(void *m, size_t n) {
  (void)m;
  (void)n;
}
void bench_pb_free(bench_msg *m) { (void)m; }

#else

#include "bench/reload_bench.pb-c.h"

int bench_pb_available(void) { return 1; }

/* The mirror is built in one block freed after packing: the protobuf
 * structs point into m->ref's byte strings, which stay valid. */
typedef struct pool {
  uint8_t *buf;
  size_t used, cap;
  int failed;
} pool;

static void *pool_new(pool *p, size_t size) {
  size_t n = (size + 15) & ~(size_t)15;
  void *r;
  if (p->failed || n > p->cap - p->used) {
    p->failed = 1;
    return NULL;
  }
  r = p->buf + p->used;
  p->used += n;
  return r;
}

/* A zeroed protobuf message, initialised (descriptor set) by init. */
#define PB_NEW(pl, T, init_fn) ((T *)pb_init(pool_new((pl), sizeof(T)), (void (*)(void *))(init_fn)))
#define PB_ARRAY(pl, T, n) ((T *)pool_new((pl), sizeof(T) * ((n) ? (n) : 1)))

static void *pb_init(void *p, void (*init)(void *)) {
  if (p) init(p);
  return p;
}

static ProtobufCBinaryData pb_bytes(rl_bytes b) {
  ProtobufCBinaryData d;
  d.len = b.len;
  d.data = (uint8_t *)(uintptr_t)b.ptr; /* packing only reads it */
  return d;
}

static ReloadBench__Destination *conv_destination(pool *pl, const rl_Destination *v) {
  ReloadBench__Destination *d = PB_NEW(pl, ReloadBench__Destination, reload_bench__destination__init);
  if (!d) return NULL;
  d->type = v->type;
  switch (v->type) {
  case RL_DestinationType_node:
    d->destination_data_case = RELOAD_BENCH__DESTINATION__DESTINATION_DATA_NODE_ID;
    d->node_id = pb_bytes(v->destination_data.node_id);
    break;
  case RL_DestinationType_resource:
    d->destination_data_case = RELOAD_BENCH__DESTINATION__DESTINATION_DATA_RESOURCE_ID;
    d->resource_id = pb_bytes(v->destination_data.resource_id);
    break;
  default:
    d->destination_data_case = RELOAD_BENCH__DESTINATION__DESTINATION_DATA_OPAQUE_ID;
    d->opaque_id = pb_bytes(v->destination_data.opaque_id);
    break;
  }
  return d;
}

static ReloadBench__Destination **conv_destinations(pool *pl, const rl_Destination *v, size_t n) {
  ReloadBench__Destination **a = PB_ARRAY(pl, ReloadBench__Destination *, n);
  for (size_t i = 0; a && i < n; i++) a[i] = conv_destination(pl, &v[i]);
  return a;
}

static ReloadBench__ForwardingHeader *conv_header(pool *pl, const rl_ForwardingHeader *v) {
  ReloadBench__ForwardingHeader *h =
      PB_NEW(pl, ReloadBench__ForwardingHeader, reload_bench__forwarding_header__init);
  if (!h) return NULL;
  h->relo_token = v->relo_token;
  h->overlay = v->overlay;
  h->configuration_sequence = v->configuration_sequence;
  h->version = v->version;
  h->ttl = v->ttl;
  h->fragment = v->fragment;
  h->length = v->length;
  h->transaction_id = v->transaction_id;
  h->max_response_length = v->max_response_length;
  h->n_via_list = v->via_list_count;
  h->via_list = conv_destinations(pl, v->via_list, v->via_list_count);
  h->n_destination_list = v->destination_list_count;
  h->destination_list = conv_destinations(pl, v->destination_list, v->destination_list_count);
  h->n_options = v->options_count;
  h->options = PB_ARRAY(pl, ReloadBench__ForwardingOption *, v->options_count);
  for (size_t i = 0; h->options && i < v->options_count; i++) {
    ReloadBench__ForwardingOption *o =
        PB_NEW(pl, ReloadBench__ForwardingOption, reload_bench__forwarding_option__init);
    if (!o) break;
    o->type = v->options[i].type;
    o->flags = v->options[i].flags;
    o->option = pb_bytes(v->options[i].unknown);
    h->options[i] = o;
  }
  return h;
}

static ReloadBench__Signature *conv_signature(pool *pl, const rl_Signature *v) {
  ReloadBench__Signature *s = PB_NEW(pl, ReloadBench__Signature, reload_bench__signature__init);
  ReloadBench__SignatureAndHashAlgorithm *alg = PB_NEW(
      pl, ReloadBench__SignatureAndHashAlgorithm, reload_bench__signature_and_hash_algorithm__init);
  ReloadBench__SignerIdentity *id =
      PB_NEW(pl, ReloadBench__SignerIdentity, reload_bench__signer_identity__init);
  ReloadBench__CertHash *ch = PB_NEW(pl, ReloadBench__CertHash, reload_bench__cert_hash__init);
  if (!s || !alg || !id || !ch) return NULL;
  alg->hash = v->algorithm.hash;
  alg->signature = v->algorithm.signature;
  id->identity_type = v->identity.identity_type;
  switch (v->identity.identity_type) {
  case RL_SignerIdentityType_cert_hash:
    ch->hash_alg = v->identity.identity.cert_hash.hash_alg;
    ch->certificate_hash = pb_bytes(v->identity.identity.cert_hash.certificate_hash);
    id->identity_case = RELOAD_BENCH__SIGNER_IDENTITY__IDENTITY_CERT_HASH;
    id->cert_hash = ch;
    break;
  case RL_SignerIdentityType_cert_hash_node_id:
    ch->hash_alg = v->identity.identity.cert_hash_node_id.hash_alg;
    ch->certificate_hash = pb_bytes(v->identity.identity.cert_hash_node_id.certificate_node_id_hash);
    id->identity_case = RELOAD_BENCH__SIGNER_IDENTITY__IDENTITY_CERT_HASH_NODE_ID;
    id->cert_hash_node_id = ch;
    break;
  default: /* none: no identity value */
    break;
  }
  s->algorithm = alg;
  s->identity = id;
  s->signature_value = pb_bytes(v->signature_value);
  return s;
}

static ReloadBench__SecurityBlock *conv_security(pool *pl, const rl_SecurityBlock *v) {
  ReloadBench__SecurityBlock *b =
      PB_NEW(pl, ReloadBench__SecurityBlock, reload_bench__security_block__init);
  if (!b) return NULL;
  b->n_certificates = v->certificates_count;
  b->certificates = PB_ARRAY(pl, ReloadBench__GenericCertificate *, v->certificates_count);
  for (size_t i = 0; b->certificates && i < v->certificates_count; i++) {
    ReloadBench__GenericCertificate *c =
        PB_NEW(pl, ReloadBench__GenericCertificate, reload_bench__generic_certificate__init);
    if (!c) return NULL;
    c->type = v->certificates[i].type;
    c->certificate = pb_bytes(v->certificates[i].certificate);
    b->certificates[i] = c;
  }
  b->signature = conv_signature(pl, &v->signature);
  return b;
}

static ReloadBench__DataValue *conv_data_value(pool *pl, const rl_DataValue *v) {
  ReloadBench__DataValue *d = PB_NEW(pl, ReloadBench__DataValue, reload_bench__data_value__init);
  if (!d) return NULL;
  d->exists = v->exists != 0;
  d->value = pb_bytes(v->value);
  return d;
}

static ReloadBench__StoredData **conv_stored(pool *pl, const rl_StoredData *v, size_t n) {
  ReloadBench__StoredData **a = PB_ARRAY(pl, ReloadBench__StoredData *, n);
  for (size_t i = 0; a && i < n; i++) {
    ReloadBench__StoredData *s = PB_NEW(pl, ReloadBench__StoredData, reload_bench__stored_data__init);
    const rl_StoredDataValue *sv = &v[i].value;
    if (!s) return NULL;
    s->storage_time = v[i].storage_time;
    s->lifetime = v[i].lifetime;
    switch (sv->data_model) {
    case RL_DataModel_single_value:
      s->value_case = RELOAD_BENCH__STORED_DATA__VALUE_SINGLE_VALUE_ENTRY;
      s->single_value_entry = conv_data_value(pl, &sv->single_value_entry);
      break;
    case RL_DataModel_array:
      s->value_case = RELOAD_BENCH__STORED_DATA__VALUE_ARRAY_ENTRY;
      s->array_entry = PB_NEW(pl, ReloadBench__ArrayEntry, reload_bench__array_entry__init);
      if (!s->array_entry) return NULL;
      s->array_entry->index = sv->array_entry.index;
      s->array_entry->value = conv_data_value(pl, &sv->array_entry.value);
      break;
    default:
      s->value_case = RELOAD_BENCH__STORED_DATA__VALUE_DICTIONARY_ENTRY;
      s->dictionary_entry =
          PB_NEW(pl, ReloadBench__DictionaryEntry, reload_bench__dictionary_entry__init);
      if (!s->dictionary_entry) return NULL;
      s->dictionary_entry->key = pb_bytes(sv->dictionary_entry.key);
      s->dictionary_entry->value = conv_data_value(pl, &sv->dictionary_entry.value);
      break;
    }
    s->signature = conv_signature(pl, &v[i].signature);
    a[i] = s;
  }
  return a;
}

static ReloadBench__StoreReq *conv_store_req(pool *pl, const rl_StoreReq *v) {
  ReloadBench__StoreReq *s = PB_NEW(pl, ReloadBench__StoreReq, reload_bench__store_req__init);
  if (!s) return NULL;
  s->resource = pb_bytes(v->resource);
  s->replica_number = v->replica_number;
  s->n_kind_data = v->kind_data_count;
  s->kind_data = PB_ARRAY(pl, ReloadBench__StoreKindData *, v->kind_data_count);
  for (size_t i = 0; s->kind_data && i < v->kind_data_count; i++) {
    const rl_StoreKindData *k = &v->kind_data[i];
    ReloadBench__StoreKindData *p =
        PB_NEW(pl, ReloadBench__StoreKindData, reload_bench__store_kind_data__init);
    if (!p) return NULL;
    p->kind = k->kind;
    p->generation_counter = k->generation_counter;
    p->n_values = k->values_count;
    p->values = conv_stored(pl, k->values, k->values_count);
    s->kind_data[i] = p;
  }
  return s;
}

static ReloadBench__FetchAns *conv_fetch_ans(pool *pl, const rl_FetchAns *v) {
  ReloadBench__FetchAns *f = PB_NEW(pl, ReloadBench__FetchAns, reload_bench__fetch_ans__init);
  if (!f) return NULL;
  f->n_kind_responses = v->kind_responses_count;
  f->kind_responses = PB_ARRAY(pl, ReloadBench__FetchKindResponse *, v->kind_responses_count);
  for (size_t i = 0; f->kind_responses && i < v->kind_responses_count; i++) {
    const rl_FetchKindResponse *k = &v->kind_responses[i];
    ReloadBench__FetchKindResponse *p =
        PB_NEW(pl, ReloadBench__FetchKindResponse, reload_bench__fetch_kind_response__init);
    if (!p) return NULL;
    p->kind = k->kind;
    p->generation = k->generation;
    p->n_values = k->values_count;
    p->values = conv_stored(pl, k->values, k->values_count);
    f->kind_responses[i] = p;
  }
  return f;
}

static ReloadBench__IpAddressPort *conv_addr(pool *pl, const rl_IpAddressPort *v) {
  ReloadBench__IpAddressPort *a =
      PB_NEW(pl, ReloadBench__IpAddressPort, reload_bench__ip_address_port__init);
  if (!a) return NULL;
  a->type = v->type;
  if (v->type == RL_AddressType_ipv4_address) {
    a->addr_case = RELOAD_BENCH__IP_ADDRESS_PORT__ADDR_V4ADDR_PORT;
    a->v4addr_port = PB_NEW(pl, ReloadBench__IPv4AddrPort, reload_bench__ipv4_addr_port__init);
    if (!a->v4addr_port) return NULL;
    a->v4addr_port->addr = v->v4addr_port.addr;
    a->v4addr_port->port = v->v4addr_port.port;
  } else {
    rl_bytes b;
    b.ptr = v->v6addr_port.addr.b;
    b.len = sizeof v->v6addr_port.addr.b;
    a->addr_case = RELOAD_BENCH__IP_ADDRESS_PORT__ADDR_V6ADDR_PORT;
    a->v6addr_port = PB_NEW(pl, ReloadBench__IPv6AddrPort, reload_bench__ipv6_addr_port__init);
    if (!a->v6addr_port) return NULL;
    a->v6addr_port->addr = pb_bytes(b);
    a->v6addr_port->port = v->v6addr_port.port;
  }
  return a;
}

static ReloadBench__AttachReqAns *conv_attach(pool *pl, const rl_AttachReqAns *v) {
  ReloadBench__AttachReqAns *a =
      PB_NEW(pl, ReloadBench__AttachReqAns, reload_bench__attach_req_ans__init);
  if (!a) return NULL;
  a->ufrag = pb_bytes(v->ufrag);
  a->password = pb_bytes(v->password);
  a->role = pb_bytes(v->role);
  a->send_update = v->send_update != 0;
  a->n_candidates = v->candidates_count;
  a->candidates = PB_ARRAY(pl, ReloadBench__IceCandidate *, v->candidates_count);
  for (size_t i = 0; a->candidates && i < v->candidates_count; i++) {
    const rl_IceCandidate *c = &v->candidates[i];
    ReloadBench__IceCandidate *p =
        PB_NEW(pl, ReloadBench__IceCandidate, reload_bench__ice_candidate__init);
    if (!p) return NULL;
    p->addr_port = conv_addr(pl, &c->addr_port);
    p->overlay_link = c->overlay_link;
    p->foundation = pb_bytes(c->foundation);
    p->priority = c->priority;
    p->type = c->type;
    if (c->type == RL_CandType_srflx || c->type == RL_CandType_relay)
      p->rel_addr_port = conv_addr(pl, &c->rel_addr_port);
    p->n_extensions = c->extensions_count;
    p->extensions = PB_ARRAY(pl, ReloadBench__IceExtension *, c->extensions_count);
    for (size_t k = 0; p->extensions && k < c->extensions_count; k++) {
      ReloadBench__IceExtension *e =
          PB_NEW(pl, ReloadBench__IceExtension, reload_bench__ice_extension__init);
      if (!e) return NULL;
      e->name = pb_bytes(c->extensions[k].name);
      e->value = pb_bytes(c->extensions[k].value);
      p->extensions[k] = e;
    }
    a->candidates[i] = p;
  }
  return a;
}

static ProtobufCBinaryData *conv_node_ids(pool *pl, const rl_NodeId *v, size_t n) {
  ProtobufCBinaryData *a = PB_ARRAY(pl, ProtobufCBinaryData, n);
  for (size_t i = 0; a && i < n; i++) a[i] = pb_bytes(v[i]);
  return a;
}

static ReloadBench__UpdateReq *conv_update(pool *pl, const rl_UpdateReq *v) {
  ReloadBench__UpdateReq *u = PB_NEW(pl, ReloadBench__UpdateReq, reload_bench__update_req__init);
  ReloadBench__ChordUpdate *c = PB_NEW(pl, ReloadBench__ChordUpdate, reload_bench__chord_update__init);
  const rl_ChordUpdate *cu = &v->chord_update;
  if (!u || !c || v->topology != RL_TopologyPlugin_CHORD_RELOAD) return NULL;
  c->uptime = cu->uptime;
  c->type = cu->type;
  if (cu->type == RL_ChordUpdateType_full) {
    c->n_predecessors = cu->full.predecessors_count;
    c->predecessors = conv_node_ids(pl, cu->full.predecessors, cu->full.predecessors_count);
    c->n_successors = cu->full.successors_count;
    c->successors = conv_node_ids(pl, cu->full.successors, cu->full.successors_count);
    c->n_fingers = cu->full.fingers_count;
    c->fingers = conv_node_ids(pl, cu->full.fingers, cu->full.fingers_count);
  } else if (cu->type == RL_ChordUpdateType_neighbors) {
    c->n_predecessors = cu->neighbors.predecessors_count;
    c->predecessors = conv_node_ids(pl, cu->neighbors.predecessors, cu->neighbors.predecessors_count);
    c->n_successors = cu->neighbors.successors_count;
    c->successors = conv_node_ids(pl, cu->neighbors.successors, cu->neighbors.successors_count);
  }
  u->update_case = RELOAD_BENCH__UPDATE_REQ__UPDATE_CHORD_UPDATE;
  u->chord_update = c;
  return u;
}

static ReloadBench__MessageContents *conv_contents(pool *pl, const rl_MessageContents *v) {
  ReloadBench__MessageContents *c =
      PB_NEW(pl, ReloadBench__MessageContents, reload_bench__message_contents__init);
  const rl_MessageBody *b = &v->message_body;
  if (!c) return NULL;
  c->message_code = v->message_code;
  switch (v->message_code) {
  case RL_MessageCode_ping_req:
    c->message_body_case = RELOAD_BENCH__MESSAGE_CONTENTS__MESSAGE_BODY_PING_REQ;
    c->ping_req = PB_NEW(pl, ReloadBench__PingReq, reload_bench__ping_req__init);
    if (c->ping_req) c->ping_req->padding = pb_bytes(b->ping_req.padding);
    break;
  case RL_MessageCode_store_req:
    c->message_body_case = RELOAD_BENCH__MESSAGE_CONTENTS__MESSAGE_BODY_STORE_REQ;
    c->store_req = conv_store_req(pl, &b->store_req);
    break;
  case RL_MessageCode_fetch_ans:
    c->message_body_case = RELOAD_BENCH__MESSAGE_CONTENTS__MESSAGE_BODY_FETCH_ANS;
    c->fetch_ans = conv_fetch_ans(pl, &b->fetch_ans);
    break;
  case RL_MessageCode_attach_req:
    c->message_body_case = RELOAD_BENCH__MESSAGE_CONTENTS__MESSAGE_BODY_ATTACH_REQ;
    c->attach_req = conv_attach(pl, &b->attach_req);
    break;
  case RL_MessageCode_update_req:
    c->message_body_case = RELOAD_BENCH__MESSAGE_CONTENTS__MESSAGE_BODY_UPDATE_REQ;
    c->update_req = conv_update(pl, &b->update_req);
    break;
  default:
    return NULL; /* reload_bench.proto mirrors only the benchmark's bodies */
  }
  c->n_extensions = v->extensions_count;
  c->extensions = PB_ARRAY(pl, ReloadBench__MessageExtension *, v->extensions_count);
  for (size_t i = 0; c->extensions && i < v->extensions_count; i++) {
    ReloadBench__MessageExtension *e =
        PB_NEW(pl, ReloadBench__MessageExtension, reload_bench__message_extension__init);
    if (!e) return NULL;
    e->type = v->extensions[i].type;
    e->critical = v->extensions[i].critical != 0;
    e->extension_contents = pb_bytes(v->extensions[i].extension_contents.raw);
    c->extensions[i] = e;
  }
  return c;
}

int bench_pb_build(bench_msg *m) {
  pool pl;
  ReloadBench__Message *msg;
  int r = -1;
  pl.cap = 1 << 20;
  pl.used = 0;
  pl.failed = 0;
  pl.buf = calloc(1, pl.cap);
  if (!pl.buf) return -1;
  msg = PB_NEW(&pl, ReloadBench__Message, reload_bench__message__init);
  if (msg) {
    msg->forwarding_header = conv_header(&pl, &m->ref.forwarding_header);
    msg->message_contents = conv_contents(&pl, &m->ref.message_contents);
    msg->security_block = conv_security(&pl, &m->ref.security_block);
  }
  if (!msg || pl.failed || !msg->forwarding_header || !msg->message_contents ||
      !msg->security_block) {
    fprintf(stderr, "reload_bench: %s: cannot build the protobuf mirror\n", m->name);
    goto done;
  }
  m->pb_len = reload_bench__message__get_packed_size(msg);
  m->pb_wire = malloc(m->pb_len ? m->pb_len : 1);
  if (!m->pb_wire) goto done;
  if (reload_bench__message__pack(msg, m->pb_wire) != m->pb_len) {
    fprintf(stderr, "reload_bench: %s: protobuf pack wrote an unexpected size\n", m->name);
    goto done;
  }
  /* The pack loop packs what unpack produced, as a receiver that
   * forwards a message would. */
  m->pb_value = reload_bench__message__unpack(NULL, m->pb_len, m->pb_wire);
  m->pb_out = malloc(m->pb_len ? m->pb_len : 1);
  if (!m->pb_value || !m->pb_out) goto done;
  r = 0;
done:
  free(pl.buf);
  return r;
}

int bench_pb_check(const bench_msg *m) {
  ReloadBench__Message *u = reload_bench__message__unpack(NULL, m->pb_len, m->pb_wire);
  uint8_t *again = NULL;
  int r = -1;
  if (!u) {
    fprintf(stderr, "reload_bench: %s: protobuf-c cannot unpack its own packing\n", m->name);
    goto done;
  }
  again = malloc(m->pb_len ? m->pb_len : 1);
  if (!again) goto done;
  if (reload_bench__message__get_packed_size(u) != m->pb_len ||
      reload_bench__message__pack(u, again) != m->pb_len ||
      memcmp(again, m->pb_wire, m->pb_len) != 0) {
    fprintf(stderr, "reload_bench: %s: protobuf unpack + pack changes the bytes\n", m->name);
    goto done;
  }
  r = 0;
done:
  free(again);
  if (u) reload_bench__message__free_unpacked(u, NULL);
  return r;
}

void bench_pb_unpack_loop(void *arg, size_t n) {
  const bench_msg *m = arg;
  for (size_t i = 0; i < n; i++) {
    ReloadBench__Message *u = reload_bench__message__unpack(NULL, m->pb_len, m->pb_wire);
    if (!u) abort(); /* checked before timing: cannot happen */
    reload_bench__message__free_unpacked(u, NULL);
  }
}

void bench_pb_pack_loop(void *arg, size_t n) {
  const bench_msg *m = arg;
  uint8_t *out = m->pb_out;
  for (size_t i = 0; i < n; i++) reload_bench__message__pack(m->pb_value, out);
}

void bench_pb_free(bench_msg *m) {
  if (m->pb_value) reload_bench__message__free_unpacked(m->pb_value, NULL);
  free(m->pb_out);
  m->pb_value = NULL;
  m->pb_out = NULL;
}

#endif
