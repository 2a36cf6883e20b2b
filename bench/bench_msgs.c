/* bench_msgs.c: the messages of the benchmark.
 *
 * Each message is written as the codec's JSON (doc/spec-language.md),
 * turned into an rl_Message by the generated rl_Message_from_json and
 * encoded by rl_Message_encode: the wire bytes are the codec's own output,
 * not hand-written hex. The content follows the test vectors of
 * src/codec/testdata/vectors/ (same header, destination, certificate and
 * signature bytes), so that the numbers describe realistic messages:
 * 16-byte Node-IDs, a SecurityBlock with one certificate and a cert_hash
 * signature. Signature values are 16 bytes as in the vectors; a real
 * RSA-2048 signature (256 bytes) would make every message bigger but not
 * slower to decode here, since byte strings are not copied. */
#include "bench.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/writer.h"

/* The parts every message shares. */
#define HEADER(txid, dest)                                                   \
  "\"forwarding_header\": {\"overlay\": 2403082663, "                        \
  "\"configuration_sequence\": 3, \"version\": 10, \"ttl\": 100, "           \
  "\"fragment\": 3221225472, \"transaction_id\": \"" txid "\", "             \
  "\"max_response_length\": 4096, \"via_list\": [], "                        \
  "\"destination_list\": [" dest "], \"options\": []}"

#define TO_NODE                                                              \
  "{\"type\": \"node\", \"destination_data\": "                              \
  "{\"node_id\": \"c1075e92aa3b40f619d28c75e04b269d\"}}"

#define TO_RESOURCE                                                          \
  "{\"type\": \"resource\", \"destination_data\": "                          \
  "{\"resource_id\": \"6b2e91d407f35ca83e12b964d08f27c5\"}}"

#define SIGNATURE(value)                                                     \
  "{\"algorithm\": {\"hash\": \"sha256\", \"signature\": \"rsa\"}, "         \
  "\"identity\": {\"identity_type\": \"cert_hash\", \"identity\": "          \
  "{\"hash_alg\": \"sha256\", \"certificate_hash\": "                        \
  "\"7b1e94c3520add68f13c8729b05e4692e80d7a31c56f98244bb3e70c16d9a25f\"}}, " \
  "\"signature_value\": \"" value "\"}"

#define SECURITY_BLOCK                                                       \
  "\"security_block\": {\"certificates\": [{\"type\": \"X509\", "            \
  "\"certificate\": \"3082010a02820101\"}], \"signature\": "                 \
  SIGNATURE("5a91c72e08f463bd14a87f3be259c096") "}"

#define CONTENTS(code, body)                                                 \
  "\"message_contents\": {\"message_code\": \"" code "\", "                  \
  "\"message_body\": {\"" code "\": " body "}, \"extensions\": []}"

/* Three values of an array Kind, each with its own data signature
 * (RFC 6940 7.1): the values of the StoreReq and of the FetchAns. */
#define STORED(index, value, sig)                                            \
  "{\"storage_time\": \"1702404717344\", \"lifetime\": 86400, "              \
  "\"value\": {\"array_entry\": {\"index\": " index ", \"value\": "          \
  "{\"exists\": \"true\", \"value\": \"" value "\"}}}, "                     \
  "\"signature\": " SIGNATURE(sig) "}"

#define THREE_VALUES                                                         \
  STORED("0", "7369703a616c696365406578616d706c652e636f6d", "e40b7719c25da63891f02c4e6bd3851a") ", " \
  STORED("1", "7369703a626f62406578616d706c652e6f7267", "0c8e2a7751d9b3f4a6e1085c2d7f39b0") ", "   \
  STORED("2", "7369703a6361726f6c406578616d706c652e6e6574", "91ad5e3c07f2b8641d9e6a20c5b7f318")

/* Kind-ID of the private array Kind used by StoreReq and FetchAns. */
#define ARRAY_KIND "4026531842"

static const char ping_req_json[] =
    "{" HEADER("5700030741938026710", TO_NODE) ", "
    CONTENTS("ping_req", "{\"padding\": \"00000000\"}") ", "
    SECURITY_BLOCK "}";

static const char store_req_json[] =
    "{" HEADER("9021213234918503160", TO_RESOURCE) ", "
    CONTENTS("store_req",
             "{\"resource\": \"6b2e91d407f35ca83e12b964d08f27c5\", "
             "\"replica_number\": 0, \"kind_data\": [{\"kind\": " ARRAY_KIND ", "
             "\"generation_counter\": \"99\", \"values\": [" THREE_VALUES "]}]}") ", "
    SECURITY_BLOCK "}";

static const char fetch_ans_json[] =
    "{" HEADER("14188355365824598365", TO_NODE) ", "
    CONTENTS("fetch_ans",
             "{\"kind_responses\": [{\"kind\": " ARRAY_KIND ", "
             "\"generation\": \"100\", \"values\": [" THREE_VALUES "]}]}") ", "
    SECURITY_BLOCK "}";

/* The first three candidates of vectors/attach_req.vec: host IPv4, srflx
 * IPv4 with a related address and an IceExtension, relay IPv6. */
static const char attach_req_json[] =
    "{" HEADER("2057678770796064180", TO_NODE) ", "
    CONTENTS("attach_req",
             "{\"ufrag\": \"586b3971\", \"password\": \"70374876324c6d51\", "
             "\"role\": \"70617373697665\", \"candidates\": ["
             "{\"addr_port\": {\"type\": \"ipv4_address\", \"v4addr_port\": "
             "{\"addr\": 3232238085, \"port\": 6084}}, \"overlay_link\": \"DTLS-UDP-SR\", "
             "\"foundation\": \"31\", \"priority\": 2113937151, \"type\": \"host\", "
             "\"extensions\": []}, "
             "{\"addr_port\": {\"type\": \"ipv4_address\", \"v4addr_port\": "
             "{\"addr\": 3325256711, \"port\": 57642}}, \"overlay_link\": \"DTLS-UDP-SR\", "
             "\"foundation\": \"32\", \"priority\": 1677729535, \"type\": \"srflx\", "
             "\"rel_addr_port\": {\"type\": \"ipv4_address\", \"v4addr_port\": "
             "{\"addr\": 3232238085, \"port\": 6084}}, "
             "\"extensions\": [{\"name\": \"67656e65726174696f6e\", \"value\": \"30\"}]}, "
             "{\"addr_port\": {\"type\": \"ipv6_address\", \"v6addr_port\": "
             "{\"addr\": \"20010db8000000000000000100000042\", \"port\": 3478}}, "
             "\"overlay_link\": \"DTLS-UDP-SR\", \"foundation\": \"33\", "
             "\"priority\": 33562367, \"type\": \"relay\", "
             "\"rel_addr_port\": {\"type\": \"ipv4_address\", \"v4addr_port\": "
             "{\"addr\": 3325256711, \"port\": 57642}}, \"extensions\": []}], "
             "\"send_update\": \"false\"}") ", "
    SECURITY_BLOCK "}";

/* The Node-ID lists are filled in by add_node_ids(). */
static const char update_req_json[] =
    "{" HEADER("15005829605886479387", TO_NODE) ", "
    CONTENTS("update_req",
             "{\"chord_update\": {\"uptime\": 86400, \"type\": \"full\", "
             "\"predecessors\": [], \"successors\": [], \"fingers\": []}}") ", "
    SECURITY_BLOCK "}";

/* A full ChordUpdate (RFC 6940 10.7) of 20 Node-IDs: 3 predecessors, 3
 * successors and 14 fingers. */
#define CHORD_PREDECESSORS 3
#define CHORD_SUCCESSORS 3
#define CHORD_FINGERS 14

typedef struct msg_def {
  const char *name;
  const char *params;
  const char *json;
  int is_request;
} msg_def;

static const msg_def defs[] = {
    {"PingReq", "NodeIdLength=16", ping_req_json, 1},
    {"StoreReq (3 signed values)", "NodeIdLength=16 kind." ARRAY_KIND "=array", store_req_json, 1},
    {"FetchAns (3 values)", "NodeIdLength=16 kind." ARRAY_KIND "=array", fetch_ans_json, 0},
    {"AttachReq (3 candidates)", "NodeIdLength=16", attach_req_json, 1},
    {"UpdateReq (ChordUpdate, 20 ids)", "NodeIdLength=16 topology=CHORD-RELOAD", update_req_json, 1},
};

size_t bench_msg_count(void) { return sizeof defs / sizeof defs[0]; }

/* Deterministic, well-spread Node-IDs (splitmix64), as hex. */
static void node_id_hex(uint64_t *state, char out[33]) {
  for (int half = 0; half < 2; half++) {
    uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    z ^= z >> 31;
    snprintf(out + 16 * half, 17, "%016llx", (unsigned long long)z);
  }
}

static int add_node_ids(json_t *root) {
  static const struct {
    const char *list;
    int count;
  } lists[] = {{"predecessors", CHORD_PREDECESSORS},
               {"successors", CHORD_SUCCESSORS},
               {"fingers", CHORD_FINGERS}};
  json_t *cu = json_object_get(
      json_object_get(json_object_get(json_object_get(root, "message_contents"),
                                      "message_body"), "update_req"), "chord_update");
  uint64_t state = 0x5de2338a0f71b9c6ull;
  for (size_t l = 0; l < sizeof lists / sizeof lists[0]; l++) {
    json_t *a = json_object_get(cu, lists[l].list);
    if (!json_is_array(a)) return -1;
    for (int i = 0; i < lists[l].count; i++) {
      char hex[33];
      node_id_hex(&state, hex);
      if (json_array_append_new(a, json_string(hex)) != 0) return -1;
    }
  }
  return 0;
}

static int report(const char *name, const char *what, const rl_errinfo *e) {
  char buf[512];
  fprintf(stderr, "reload_bench: %s: %s: %s\n", name, what,
          e ? rl_errinfo_format(e, buf, sizeof buf) : "failed");
  return -1;
}

int bench_msg_build(size_t i, bench_msg *m) {
  const msg_def *d = &defs[i];
  char err[256];
  json_error_t jerr;
  json_t *root = NULL;
  uint8_t *build_mem = NULL;
  rl_arena build_arena, ref_arena;
  rl_ctx ctx;
  rl_Message value;
  rl_writer w;
  int r = -1;

  memset(m, 0, sizeof *m);
  m->name = d->name;
  m->params_text = d->params;
  m->is_request = d->is_request;
  rl_param_set_init(&m->params);
  if (rl_param_set_parse(&m->params, d->params, err, sizeof err) != 0) {
    fprintf(stderr, "reload_bench: %s: params: %s\n", d->name, err);
    goto done;
  }
  root = json_loads(d->json, 0, &jerr);
  if (!root) {
    fprintf(stderr, "reload_bench: %s: JSON line %d: %s\n", d->name, jerr.line, jerr.text);
    goto done;
  }
  if (d->json == update_req_json && add_node_ids(root) != 0) {
    fprintf(stderr, "reload_bench: %s: cannot add the Node-IDs\n", d->name);
    goto done;
  }
  build_mem = malloc(BENCH_ARENA_SIZE);
  m->ref_arena = malloc(BENCH_ARENA_SIZE);
  if (!build_mem || !m->ref_arena) {
    fprintf(stderr, "reload_bench: out of memory\n");
    goto done;
  }
  rl_arena_init(&build_arena, build_mem, BENCH_ARENA_SIZE);
  rl_ctx_init(&ctx, &build_arena, &m->params.p);
  if (rl_Message_from_json(root, &ctx, &value) != 0) {
    report(d->name, "rl_Message_from_json", &ctx.err);
    goto done;
  }
  m->len = rl_Message_encoded_len(&value);
  m->wire = malloc(m->len);
  if (!m->wire) goto done;
  rl_writer_init(&w, m->wire, m->len, &ctx.err);
  if (rl_Message_encode(&w, &value) != 0 || w.len != m->len) {
    report(d->name, "rl_Message_encode", &ctx.err);
    goto done;
  }
  /* The reference value points into m->wire, like every decoded value. */
  rl_arena_init(&ref_arena, m->ref_arena, BENCH_ARENA_SIZE);
  rl_ctx_init(&ctx, &ref_arena, &m->params.p);
  if (rl_Message_parse(m->wire, m->len, &ctx, &m->ref) != 0) {
    report(d->name, "rl_Message_parse", &ctx.err);
    goto done;
  }
  if (!rl_Message_equal(&m->ref, &value)) {
    fprintf(stderr, "reload_bench: %s: decoding the encoded message gives another value\n",
            d->name);
    goto done;
  }
  r = 0;
done:
  json_decref(root);
  free(build_mem);
  return r;
}

void bench_msg_free(bench_msg *m) {
  bench_pb_free(m);
  free(m->wire);
  free(m->ref_arena);
  free(m->pb_wire);
  m->wire = NULL;
  m->ref_arena = NULL;
  m->pb_wire = NULL;
}
