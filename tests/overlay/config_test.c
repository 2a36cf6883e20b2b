/* config_test.c: the overlay configuration document (RFC 6940 11.1):
 * the RFC's example, every error class with its line, the writer's round
 * trip, decode parameters, and hostile input (truncations, byte flips). */
#define _GNU_SOURCE /* memmem */

#include <arpa/inet.h>
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "gen/reload_codec.h"
#include "overlay/config.h"
#include "runtime/arena.h"
#include "runtime/ctx.h"
#include "runtime/error.h"

static char *example;     /* the RFC's example as printed */
static size_t example_len;
static char *fixed;       /* the same without its bad root-cert line */
static size_t fixed_len;

static char *read_file(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  char *buf;
  long n;
  ck_assert_msg(f != NULL, "cannot open %s", path);
  fseek(f, 0, SEEK_END);
  n = ftell(f);
  fseek(f, 0, SEEK_SET);
  buf = malloc((size_t)n + 1);
  ck_assert_ptr_nonnull(buf);
  ck_assert_uint_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
  buf[n] = '\0';
  fclose(f);
  *len = (size_t)n;
  return buf;
}

static const char *example_path(void) {
  static char path[1024];
  const char *top = getenv("top_srcdir");
  snprintf(path, sizeof path, "%s/tests/overlay/configs/rfc6940-example.xml", top ? top : ".");
  return path;
}

static void load_example(void) {
  static const char bad[] = "       <root-cert> YmFkIGNlcnQK </root-cert>\n";
  char *at;
  if (example) return;
  example = read_file(example_path(), &example_len);
  fixed = strdup(example);
  at = strstr(fixed, bad);
  ck_assert_ptr_nonnull(at);
  memmove(at, at + strlen(bad), strlen(at + strlen(bad)) + 1);
  fixed_len = strlen(fixed);
}

static int parse(const char *text, rl_config_document *doc, rl_config_error *err) {
  return rl_config_parse(text, strlen(text), doc, err);
}

static const uint8_t not_right[] = "This is not right!\n";

START_TEST(rfc_example_as_printed_names_the_bad_root_cert) {
  rl_config_document doc;
  rl_config_error err;
  load_example();
  ck_assert_int_eq(rl_config_parse(example, example_len, &doc, &err), RL_ERR_SYNTAX);
  ck_assert_int_eq(err.line, 31);
  ck_assert_msg(strstr(err.message, "line 31: <root-cert> is not a DER X.509 certificate"),
                "%s", err.message);
  ck_assert_uint_eq(doc.nconfigs, 0);
}
END_TEST

START_TEST(rfc_example_values) {
  rl_config_document doc;
  rl_config_error err;
  const rl_overlay_config *c, *o;
  const rl_config_kind *k;
  char addr[INET6_ADDRSTRLEN];
  load_example();
  ck_assert_msg(rl_config_parse(fixed, fixed_len, &doc, &err) == 0, "%s", err.message);
  ck_assert_uint_eq(doc.nconfigs, 2);
  c = rl_config_find(&doc, "OVERLAY.example.org");
  ck_assert_ptr_eq(c, &doc.configs[0]);
  ck_assert_str_eq(c->instance_name, "overlay.example.org");
  ck_assert(c->has_sequence && c->sequence == 22);
  /* 2002-10-10T07:00:00Z */
  ck_assert(c->has_expiration);
  ck_assert_int_eq(c->expiration, 1034233200);
  ck_assert_str_eq(c->topology_plugin, "CHORD-RELOAD");
  ck_assert_uint_eq(c->node_id_length, 16);
  ck_assert_uint_eq(c->root_certs.n, 1);
  ck_assert_uint_eq(c->root_certs.v[0].len, 808); /* MIIDJD...: 0x324 + 4 */
  ck_assert_uint_eq(c->enrollment_servers.n, 2);
  ck_assert_str_eq(c->enrollment_servers.v[1], "https://example.net");
  ck_assert(c->has_self_signed && !c->self_signed_permitted);
  ck_assert_uint_eq(c->self_signed_digest, RL_HashAlgorithm_sha1);
  ck_assert_uint_eq(c->nbootstrap, 3);
  ck_assert_int_eq(c->bootstrap[2].family, AF_INET6);
  ck_assert_str_eq(inet_ntop(AF_INET6, c->bootstrap[2].addr, addr, sizeof addr), "2001:db8::1");
  ck_assert_uint_eq(c->bootstrap[2].port, 6084);
  ck_assert_int_eq(c->bootstrap[0].family, AF_INET);
  ck_assert_str_eq(inet_ntop(AF_INET, c->bootstrap[0].addr, addr, sizeof addr), "192.0.0.1");
  ck_assert_uint_eq(c->turn_density, 20);
  ck_assert(!c->clients_permitted && !c->no_ice);
  ck_assert_int_eq(c->chord_update_interval, 400);
  ck_assert(c->has_chord_ping_interval && c->chord_ping_interval == 30);
  ck_assert(c->chord_reactive);
  ck_assert_str_eq(c->shared_secret, "password");
  ck_assert_uint_eq(c->max_message_size, 4000);
  ck_assert_uint_eq(c->initial_ttl, 30);
  ck_assert_uint_eq(c->reliability_timer, 3000);
  ck_assert_uint_eq(c->link_protocols.n, 1);
  ck_assert(rl_config_link_protocol_allowed(c, "TLS"));
  ck_assert(!rl_config_link_protocol_allowed(c, "DTLS"));
  ck_assert_uint_eq(c->configuration_signers.n, 1);
  ck_assert_uint_eq(c->configuration_signers.v[0].len, 8);
  ck_assert_uint_eq(c->configuration_signers.v[0].data[0], 0x47);
  ck_assert_uint_eq(c->kind_signers.n, 2);
  ck_assert_uint_eq(c->kind_signers.v[1].data[7], 0x06);
  ck_assert_uint_eq(c->bad_nodes.n, 2);
  ck_assert_uint_eq(c->bad_nodes.v[1].data[7], 0xa6);
  ck_assert_uint_eq(c->mandatory_extensions.n, 1);
  ck_assert_str_eq(c->mandatory_extensions.v[0], "urn:ietf:params:xml:ns:p2p:config-ext1");
  {
    const char *none[] = {NULL};
    const char *ext1[] = {"urn:ietf:params:xml:ns:p2p:config-ext1", NULL};
    ck_assert_str_eq(rl_config_unsupported_extension(c, none), c->mandatory_extensions.v[0]);
    ck_assert_ptr_null(rl_config_unsupported_extension(c, ext1));
  }
  ck_assert_uint_eq(c->nkinds, 2);
  k = &c->kinds[0];
  /* SIP-REGISTRATION is registered (RFC 7904: dictionary); 11.1 says the
   * IANA data model wins over the configuration's SINGLE. */
  ck_assert_str_eq(k->name, "SIP-REGISTRATION");
  ck_assert(k->id_known && k->registered && k->id == 1);
  ck_assert_str_eq(k->data_model, "SINGLE");
  ck_assert_uint_eq(k->model, RL_DataModel_dictionary);
  ck_assert_int_eq(k->policy, RL_ACCESS_USER_MATCH);
  ck_assert_uint_eq(k->max_count, 1);
  ck_assert_uint_eq(k->max_size, 100);
  ck_assert_uint_eq(k->max_node_multiple, 0);
  ck_assert_uint_eq(k->signature.len, sizeof not_right - 1);
  ck_assert_mem_eq(k->signature.data, not_right, sizeof not_right - 1);
  ck_assert_uint_eq(k->kind_xml.line, 64); /* 65 in the file; one line was removed */
  ck_assert(k->kind_xml.len > 40);
  ck_assert_mem_eq(k->kind_xml.data, "<kind name=\"SIP-REGISTRATION\">", 30);
  ck_assert_mem_eq(k->kind_xml.data + k->kind_xml.len - 7, "</kind>", 7);
  k = rl_config_kind_find(c, 2000);
  ck_assert_ptr_eq(k, &c->kinds[1]);
  ck_assert(!k->registered && k->name == NULL);
  ck_assert_uint_eq(k->model, RL_DataModel_array);
  ck_assert_int_eq(k->policy, RL_ACCESS_NODE_MULTIPLE);
  ck_assert_uint_eq(k->max_node_multiple, 3);
  ck_assert_uint_eq(k->max_count, 22);
  ck_assert_uint_eq(k->max_size, 4);
  /* The bytes the configuration signature covers (11.1). */
  ck_assert_mem_eq(c->configuration_xml.data, "<configuration instance-name=\"overlay.example.org\"", 50);
  ck_assert_mem_eq(c->configuration_xml.data + c->configuration_xml.len - 16, "</configuration>", 16);
  ck_assert(memmem(fixed, fixed_len, c->configuration_xml.data, c->configuration_xml.len) != NULL);
  ck_assert_uint_eq(c->signatures.n, 1);
  ck_assert_mem_eq(c->signatures.v[0].data, not_right, sizeof not_right - 1);
  ck_assert_str_eq(c->signature_algorithms.v[0], "");
  o = rl_config_find(&doc, "other.example.net");
  ck_assert_ptr_eq(o, &doc.configs[1]);
  ck_assert(!o->has_sequence && !o->has_expiration && o->topology_plugin == NULL);
  ck_assert_uint_eq(o->node_id_length, 16);
  ck_assert_uint_eq(o->max_message_size, 5000);
  ck_assert_uint_eq(o->initial_ttl, 100);
  ck_assert_uint_eq(o->turn_density, 1);
  ck_assert(o->clients_permitted && !o->no_ice && o->chord_reactive);
  ck_assert_int_eq(o->chord_update_interval, 600);
  ck_assert(rl_config_link_protocol_allowed(o, "TLS"));
  ck_assert_uint_eq(o->signatures.n, 1);
  ck_assert_ptr_null(rl_config_find(&doc, "example.com"));
  rl_config_document_free(&doc);
}
END_TEST

static void roundtrip(const char *text, size_t len) {
  rl_config_document a, b, c;
  rl_config_error err;
  char *out1 = NULL, *out2 = NULL;
  size_t n1 = 0, n2 = 0;
  ck_assert_msg(rl_config_parse(text, len, &a, &err) == 0, "%s", err.message);
  ck_assert_int_eq(rl_config_write(&a, &out1, &n1), 0);
  ck_assert_uint_eq(strlen(out1), n1);
  ck_assert_msg(rl_config_parse(out1, n1, &b, &err) == 0, "%s\n%s", err.message, out1);
  ck_assert_uint_eq(a.nconfigs, b.nconfigs);
  for (size_t i = 0; i < a.nconfigs; i++)
    ck_assert_msg(rl_config_equal(&a.configs[i], &b.configs[i]), "configuration %zu differs:\n%s", i, out1);
  /* Writing is a fixed point after one round. */
  ck_assert_int_eq(rl_config_write(&b, &out2, &n2), 0);
  ck_assert_uint_eq(n1, n2);
  ck_assert_mem_eq(out1, out2, n1);
  ck_assert_int_eq(rl_config_parse(out2, n2, &c, &err), 0);
  rl_config_document_free(&a);
  rl_config_document_free(&b);
  rl_config_document_free(&c);
  free(out1);
  free(out2);
}

START_TEST(writer_round_trip_of_rfc_example) {
  load_example();
  roundtrip(fixed, fixed_len);
}
END_TEST

START_TEST(equal_sees_every_difference) {
  rl_config_document a, b;
  rl_config_error err;
  load_example();
  ck_assert_int_eq(rl_config_parse(fixed, fixed_len, &a, &err), 0);
  ck_assert_int_eq(rl_config_parse(fixed, fixed_len, &b, &err), 0);
  ck_assert(rl_config_equal(&a.configs[0], &b.configs[0]));
  ck_assert(!rl_config_equal(&a.configs[0], &a.configs[1]));
  b.configs[0].kinds[1].max_size++;
  ck_assert(!rl_config_equal(&a.configs[0], &b.configs[0]));
  b.configs[0].kinds[1].max_size--;
  b.configs[0].bootstrap[2].addr[15] ^= 1;
  ck_assert(!rl_config_equal(&a.configs[0], &b.configs[0]));
  b.configs[0].bootstrap[2].addr[15] ^= 1;
  b.configs[0].root_certs.v[0].data[100] ^= 1;
  ck_assert(!rl_config_equal(&a.configs[0], &b.configs[0]));
  b.configs[0].root_certs.v[0].data[100] ^= 1;
  ck_assert(rl_config_equal(&a.configs[0], &b.configs[0]));
  rl_config_document_free(&a);
  rl_config_document_free(&b);
}
END_TEST

/* What tools/reload-overlay will do: build a configuration in memory,
 * write it, read it back. */
START_TEST(writer_round_trip_of_built_configuration) {
  rl_config_document doc, back;
  rl_config_error err;
  rl_overlay_config *c;
  static uint8_t der[3] = {1, 2, 3};
  char *out = NULL;
  size_t n;
  doc.nconfigs = 1;
  doc.configs = calloc(1, sizeof *doc.configs);
  c = &doc.configs[0];
  rl_config_init(c);
  c->instance_name = strdup("test.overlay & <co>");
  c->has_sequence = 1;
  c->sequence = 65534;
  c->has_expiration = 1;
  c->expiration = 4102444799; /* 2099-12-31T23:59:59Z */
  c->node_id_length = 20;
  c->self_signed_permitted = 1;
  c->self_signed_digest = RL_HashAlgorithm_sha256;
  c->nbootstrap = 1;
  c->bootstrap = calloc(1, sizeof *c->bootstrap);
  c->bootstrap[0].family = AF_INET;
  c->bootstrap[0].port = 1;
  memcpy(c->bootstrap[0].addr, "\x7f\x00\x00\x01", 4);
  c->nkinds = 1;
  c->kinds = calloc(1, sizeof *c->kinds);
  c->kinds[0].id = 0xf0000001u;
  c->kinds[0].id_known = 1;
  c->kinds[0].model = RL_DataModel_dictionary;
  c->kinds[0].policy = RL_ACCESS_USER_NODE_MATCH;
  c->kinds[0].max_count = 10;
  c->kinds[0].max_size = 1000;
  c->kind_signers.n = 1;
  c->kind_signers.v = calloc(1, sizeof *c->kind_signers.v);
  c->kind_signers.v[0].data = malloc(3);
  memcpy(c->kind_signers.v[0].data, der, 3);
  c->kind_signers.v[0].len = 3;
  ck_assert_int_eq(rl_config_write(&doc, &out, &n), 0);
  ck_assert_msg(rl_config_parse(out, n, &back, &err) == 0, "%s\n%s", err.message, out);
  ck_assert_msg(strstr(out, "expiration=\"2099-12-31T23:59:59Z\""), "%s", out);
  ck_assert_msg(strstr(out, "<kind id=\"4026531841\">"), "%s", out);
  ck_assert_str_eq(back.configs[0].instance_name, "test.overlay & <co>");
  ck_assert_uint_eq(back.configs[0].kinds[0].model, RL_DataModel_dictionary);
  ck_assert_int_eq(back.configs[0].kinds[0].policy, RL_ACCESS_USER_NODE_MATCH);
  ck_assert_str_eq(back.configs[0].kinds[0].data_model, "DICTIONARY");
  /* Effective values agree; the parsed copy also has the texts. */
  free(back.configs[0].kinds[0].data_model);
  free(back.configs[0].kinds[0].access_control);
  back.configs[0].kinds[0].data_model = back.configs[0].kinds[0].access_control = NULL;
  ck_assert(rl_config_equal(&doc.configs[0], &back.configs[0]));
  rl_config_document_free(&back);
  rl_config_document_free(&doc);
  free(out);
  /* A kind with neither name nor Kind-ID cannot be written. */
  doc.nconfigs = 1;
  doc.configs = calloc(1, sizeof *doc.configs);
  rl_config_init(&doc.configs[0]);
  doc.configs[0].instance_name = strdup("x");
  doc.configs[0].nkinds = 1;
  doc.configs[0].kinds = calloc(1, sizeof *doc.configs[0].kinds);
  doc.configs[0].kinds[0].model = RL_DataModel_array;
  doc.configs[0].kinds[0].policy = RL_ACCESS_NODE_MATCH;
  ck_assert_int_eq(rl_config_write(&doc, &out, &n), RL_ERR_PARAM);
  ck_assert_ptr_null(out);
  rl_config_document_free(&doc);
}
END_TEST

START_TEST(params_follow_the_configuration) {
  rl_config_document doc;
  rl_config_error err;
  rl_params p;
  rl_DataModel m = 0;
  load_example();
  ck_assert_int_eq(rl_config_parse(fixed, fixed_len, &doc, &err), 0);
  ck_assert_int_eq(rl_config_params(&doc.configs[0], &p), 0);
  ck_assert_uint_eq(p.NodeIdLength, 16);
  ck_assert_uint_eq(p.topology, RL_TopologyPlugin_CHORD_RELOAD);
  ck_assert_int_eq(p.data_model(&p, 2000, &m), 0);
  ck_assert_uint_eq(m, RL_DataModel_array);
  ck_assert_int_eq(p.data_model(&p, 1, &m), 0); /* IANA's, not the file's SINGLE */
  ck_assert_uint_eq(m, RL_DataModel_dictionary);
  ck_assert_int_eq(p.data_model(&p, 3, &m), 0); /* CERTIFICATE_BY_NODE from rl_kinds[] */
  ck_assert_uint_eq(m, RL_DataModel_array);
  ck_assert_int_eq(p.data_model(&p, 2001, &m), RL_ERR_PARAM);
  rl_config_document_free(&doc);

  ck_assert_int_eq(parse("<overlay xmlns='urn:ietf:params:xml:ns:p2p:config-base'>"
                         "<configuration instance-name='a'><topology-plugin>KADEMLIA"
                         "</topology-plugin><node-id-length>20</node-id-length>"
                         "</configuration></overlay>", &doc, &err), 0);
  ck_assert_int_eq(rl_config_params(&doc.configs[0], &p), RL_ERR_UNSUPPORTED);
  ck_assert_uint_eq(p.topology, RL_TopologyPlugin_none);
  ck_assert_uint_eq(p.NodeIdLength, 20);
  rl_config_document_free(&doc);
}
END_TEST

/* The parameters reach the generated decoder: a StoreKindData of the
 * configured Kind 2000 decodes as an array only with them. */
START_TEST(params_drive_the_decoder) {
  static const uint8_t skd[] = {
      0x00, 0x00, 0x07, 0xd0,                         /* kind 2000 */
      0, 0, 0, 0, 0, 0, 0, 0,                         /* generation_counter */
      0x00, 0x00, 0x00, 0x22,                         /* values<..>: 34 bytes */
      0x00, 0x00, 0x00, 0x1e,                         /* StoredData.length 30 */
      0, 0, 0, 0, 0, 0, 0, 1,                         /* storage_time */
      0x00, 0x00, 0x0e, 0x10,                         /* lifetime 3600 */
      0x00, 0x00, 0x00, 0x05,                         /* ArrayEntry.index 5 */
      0x01, 0x00, 0x00, 0x00, 0x02, 'h', 'i',         /* DataValue exists "hi" */
      0x04, 0x01, 0x03, 0x00, 0x00, 0x00, 0x00};      /* Signature: sha256 rsa, none, "" */
  rl_config_document doc;
  rl_config_error err;
  rl_params p;
  uint8_t mem[4096];
  rl_arena arena;
  rl_ctx ctx;
  rl_StoreKindData v;
  load_example();
  ck_assert_int_eq(rl_config_parse(fixed, fixed_len, &doc, &err), 0);
  ck_assert_int_eq(rl_config_params(&doc.configs[0], &p), 0);
  rl_arena_init(&arena, mem, sizeof mem);
  rl_ctx_init(&ctx, &arena, &p);
  ck_assert_int_eq(rl_StoreKindData_parse(skd, sizeof skd, &ctx, &v), 0);
  ck_assert_uint_eq(v.values_count, 1);
  ck_assert_uint_eq(v.values[0].value.data_model, RL_DataModel_array);
  ck_assert_uint_eq(v.values[0].value.array_entry.index, 5);
  /* Without the configuration, Kind 2000 has no data model. */
  rl_params_init(&p);
  rl_arena_reset(&arena);
  rl_ctx_init(&ctx, &arena, &p);
  ck_assert_int_eq(rl_StoreKindData_parse(skd, sizeof skd, &ctx, &v), RL_ERR_PARAM);
  rl_config_document_free(&doc);
}
END_TEST

#define DOC_HEAD \
  "<?xml version='1.0' encoding='UTF-8'?>\n" \
  "<overlay xmlns='urn:ietf:params:xml:ns:p2p:config-base'\n" \
  " xmlns:chord='urn:ietf:params:xml:ns:p2p:config-chord' xmlns:x='urn:example:x'>\n" \
  "<configuration instance-name='o.example'>\n"
#define DOC_TAIL "</configuration>\n</overlay>\n"
#define KIND(body) "<required-kinds><kind-block>\n" body "\n</kind-block></required-kinds>\n"

static const struct bad_doc {
  const char *name;
  const char *text;
  int code;
  long line;
  const char *message;
} bad_docs[] = {
    {"empty", "", RL_ERR_SYNTAX, 0, "empty"},
    {"not well-formed", DOC_HEAD "<node-id-length>16</node-id-lengt>\n" DOC_TAIL, RL_ERR_SYNTAX,
     5, "not well-formed XML"},
    {"truncated", DOC_HEAD, RL_ERR_SYNTAX, 5, "Premature end of data"},
    {"wrong root", "<configuration xmlns='urn:ietf:params:xml:ns:p2p:config-base'/>",
     RL_ERR_SYNTAX, 1, "not <overlay>"},
    {"root without namespace", "<overlay><configuration instance-name='a'/></overlay>",
     RL_ERR_SYNTAX, 1, "in no namespace"},
    {"no configuration", "<overlay xmlns='urn:ietf:params:xml:ns:p2p:config-base'/>",
     RL_ERR_SYNTAX, 1, "no <configuration>"},
    {"no instance-name", "<overlay xmlns='urn:ietf:params:xml:ns:p2p:config-base'>\n"
     "<configuration sequence='1'/></overlay>", RL_ERR_SYNTAX, 2, "instance-name"},
    {"node-id-length 21", DOC_HEAD "<node-id-length>21</node-id-length>\n" DOC_TAIL,
     RL_ERR_SYNTAX, 5, "<node-id-length>: 21 is outside 16..20"},
    {"node-id-length text", DOC_HEAD "<node-id-length>sixteen</node-id-length>\n" DOC_TAIL,
     RL_ERR_SYNTAX, 5, "\"sixteen\" is not an integer"},
    {"node-id-length twice", DOC_HEAD "<node-id-length>16</node-id-length>\n"
     "<node-id-length>16</node-id-length>\n" DOC_TAIL, RL_ERR_SYNTAX, 6,
     "appears twice in <configuration> (first on line 5)"},
    {"unknown element", DOC_HEAD "<bogus/>\n" DOC_TAIL, RL_ERR_SYNTAX, 5,
     "unknown element <bogus>"},
    {"element in no namespace", DOC_HEAD "<max-count xmlns=''>1</max-count>\n" DOC_TAIL,
     RL_ERR_SYNTAX, 5, "unknown element <max-count> in no namespace"},
    {"unknown chord element", DOC_HEAD "<chord:chord-finger-count>3</chord:chord-finger-count>\n"
     DOC_TAIL, RL_ERR_SYNTAX, 5, "<chord:chord-finger-count>"},
    {"chord element in base namespace", DOC_HEAD "<chord-reactive>true</chord-reactive>\n" DOC_TAIL,
     RL_ERR_SYNTAX, 5, "unknown element <chord-reactive>"},
    {"prose spelling", DOC_HEAD "<topology-plug-in>CHORD-RELOAD</topology-plug-in>\n" DOC_TAIL,
     RL_ERR_SYNTAX, 5, "spells it topology-plugin"},
    {"text in configuration", DOC_HEAD "stray words\n" DOC_TAIL, RL_ERR_SYNTAX, 5,
     "unexpected text \"stray words"},
    {"child element in a value", DOC_HEAD "<initial-ttl><x:b/>30</initial-ttl>\n" DOC_TAIL,
     RL_ERR_SYNTAX, 5, "<initial-ttl> must hold only text"},
    {"unknown attribute", DOC_HEAD "<bootstrap-node address='10.0.0.1' prot='1'/>\n" DOC_TAIL,
     RL_ERR_SYNTAX, 5, "unknown attribute \"prot\""},
    {"attribute in our namespace",
     "<overlay xmlns='urn:ietf:params:xml:ns:p2p:config-base' "
     "xmlns:b='urn:ietf:params:xml:ns:p2p:config-base'>\n"
     "<configuration instance-name='a' b:sequence='3'/></overlay>", RL_ERR_SYNTAX, 2,
     "unknown attribute \"b:sequence\""},
    {"sequence 65535", "<overlay xmlns='urn:ietf:params:xml:ns:p2p:config-base'>\n"
     "<configuration instance-name='a' sequence='65535'/></overlay>", RL_ERR_SYNTAX, 2,
     "sequence: 65535 is outside 0..65534"},
    {"expiration not UTC", "<overlay xmlns='urn:ietf:params:xml:ns:p2p:config-base'>\n"
     "<configuration instance-name='a' expiration='2030-01-01T00:00:00+02:00'/></overlay>",
     RL_ERR_SYNTAX, 2, "must be in UTC"},
    {"expiration 30 February", "<overlay xmlns='urn:ietf:params:xml:ns:p2p:config-base'>\n"
     "<configuration instance-name='a' expiration='2030-02-30T00:00:00Z'/></overlay>",
     RL_ERR_SYNTAX, 2, "not a valid date"},
    {"boolean yes", DOC_HEAD "<no-ice>yes</no-ice>\n" DOC_TAIL, RL_ERR_SYNTAX, 5,
     "<no-ice>: \"yes\" is not a boolean"},
    {"bootstrap address", DOC_HEAD "<bootstrap-node address='node.example' port='1'/>\n" DOC_TAIL,
     RL_ERR_SYNTAX, 5, "\"node.example\" is not an IPv4 or IPv6 address"},
    {"bootstrap port", DOC_HEAD "<bootstrap-node address='::1' port='70000'/>\n" DOC_TAIL,
     RL_ERR_SYNTAX, 5, "port: 70000 is outside 1..65535"},
    {"bootstrap no address", DOC_HEAD "<bootstrap-node port='7'/>\n" DOC_TAIL, RL_ERR_SYNTAX, 5,
     "lacks the address attribute"},
    {"enrollment over http", DOC_HEAD "<enrollment-server>http://e.example</enrollment-server>\n"
     DOC_TAIL, RL_ERR_SYNTAX, 5, "is not an https: URL"},
    {"kind-signer hex", DOC_HEAD "<kind-signer>47112162e84c69bz</kind-signer>\n" DOC_TAIL,
     RL_ERR_SYNTAX, 5, "is not a Node-ID in hexadecimal"},
    {"bad-node odd hex", DOC_HEAD "<bad-node>abc</bad-node>\n" DOC_TAIL, RL_ERR_SYNTAX, 5,
     "even number of hex digits"},
    {"root-cert base64", DOC_HEAD "<root-cert>MII*</root-cert>\n" DOC_TAIL, RL_ERR_SYNTAX, 5,
     "'*' is not a base64 character"},
    {"root-cert not a certificate", DOC_HEAD "<root-cert>YmFkIGNlcnQK</root-cert>\n" DOC_TAIL,
     RL_ERR_SYNTAX, 5, "not a DER X.509 certificate"},
    {"self-signed digest missing", DOC_HEAD "<self-signed-permitted>true</self-signed-permitted>\n"
     DOC_TAIL, RL_ERR_SYNTAX, 5, "lacks the digest attribute"},
    {"self-signed digest md5", DOC_HEAD "<self-signed-permitted digest='md5'>true"
     "</self-signed-permitted>\n" DOC_TAIL, RL_ERR_SYNTAX, 5, "\"md5\" is not sha1 or sha256"},
    {"initial-ttl 256", DOC_HEAD "<initial-ttl>256</initial-ttl>\n" DOC_TAIL, RL_ERR_SYNTAX, 5,
     "outside 1..255"},
    {"reliability timer 199", DOC_HEAD "<overlay-reliability-timer>199</overlay-reliability-timer>\n"
     DOC_TAIL, RL_ERR_SYNTAX, 5, "199 is outside 200.."},
    {"turn-density 256", DOC_HEAD "<turn-density>256</turn-density>\n" DOC_TAIL, RL_ERR_SYNTAX, 5,
     "outside 0..255"},
    {"kind without data-model", DOC_HEAD KIND("<kind id='9'><access-control>NODE-MATCH"
     "</access-control><max-count>1</max-count><max-size>1</max-size></kind>") DOC_TAIL,
     RL_ERR_SYNTAX, 6, "lacks the required element <data-model>"},
    {"kind with name and id", DOC_HEAD KIND("<kind id='9' name='X'/>") DOC_TAIL, RL_ERR_SYNTAX, 6,
     "exactly one of the attributes name and id"},
    {"NODE-MULTIPLE without its limit", DOC_HEAD KIND("<kind id='9'><data-model>ARRAY</data-model>"
     "<access-control>NODE-MULTIPLE</access-control><max-count>1</max-count><max-size>1</max-size>"
     "</kind>") DOC_TAIL, RL_ERR_SYNTAX, 6, "lacks <max-node-multiple>"},
    {"max-node-multiple 0", DOC_HEAD KIND("<kind id='9'><data-model>ARRAY</data-model>"
     "<access-control>NODE-MULTIPLE</access-control><max-count>1</max-count><max-size>1</max-size>"
     "<max-node-multiple>0</max-node-multiple></kind>") DOC_TAIL, RL_ERR_SYNTAX, 6,
     "<max-node-multiple>: 0 is outside 1.."},
    {"negative max-count", DOC_HEAD KIND("<kind id='9'><data-model>ARRAY</data-model>"
     "<access-control>NODE-MATCH</access-control><max-count>-1</max-count><max-size>1</max-size>"
     "</kind>") DOC_TAIL, RL_ERR_SYNTAX, 6, "<max-count>: -1 is outside 0.."},
    {"unknown kind element", DOC_HEAD KIND("<kind id='9'><max-value>1</max-value></kind>") DOC_TAIL,
     RL_ERR_SYNTAX, 6, "<kind>: unknown element <max-value>"},
    {"kind-block without kind", DOC_HEAD KIND("<kind-signature>AAAA</kind-signature>") DOC_TAIL,
     RL_ERR_SYNTAX, 5, "lacks its <kind> element"},
    {"kind defined twice",
     DOC_HEAD "<required-kinds>\n"
     "<kind-block><kind id='9'><data-model>ARRAY</data-model><access-control>NODE-MATCH"
     "</access-control><max-count>1</max-count><max-size>1</max-size></kind></kind-block>\n"
     "<kind-block><kind id='9'><data-model>ARRAY</data-model><access-control>NODE-MATCH"
     "</access-control><max-count>1</max-count><max-size>1</max-size></kind></kind-block>\n"
     "</required-kinds>\n" DOC_TAIL, RL_ERR_SYNTAX, 7, "kind 9 is defined twice (first on line 6)"},
    {"signature before configuration", "<overlay xmlns='urn:ietf:params:xml:ns:p2p:config-base'>\n"
     "<signature>AAAA</signature><configuration instance-name='a'/></overlay>", RL_ERR_SYNTAX, 2,
     "<signature> before any <configuration>"},
    {"signature padding", "<overlay xmlns='urn:ietf:params:xml:ns:p2p:config-base'>\n"
     "<configuration instance-name='a'/>\n<signature>AA=A</signature></overlay>", RL_ERR_SYNTAX, 3,
     "base64 data after '=' padding"},
    {"signature length", "<overlay xmlns='urn:ietf:params:xml:ns:p2p:config-base'>\n"
     "<configuration instance-name='a'/>\n<signature>AAAAA</signature></overlay>", RL_ERR_SYNTAX, 3,
     "base64 length 5 is not a multiple of 4"},
    {"doctype", "<?xml version='1.0'?>\n<!DOCTYPE overlay [<!ENTITY a 'aaaaaaaaaa'>\n"
     "<!ENTITY b '&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;'>]>\n"
     "<overlay xmlns='urn:ietf:params:xml:ns:p2p:config-base'>&b;</overlay>", RL_ERR_UNSUPPORTED, 2,
     "DOCTYPE is not allowed"},
    {"latin-1", "<?xml version='1.0' encoding='ISO-8859-1'?>\n"
     "<overlay xmlns='urn:ietf:params:xml:ns:p2p:config-base'><configuration instance-name='a'/>"
     "</overlay>", RL_ERR_UNSUPPORTED, 1, "\"ISO-8859-1\" is not UTF-8"},
    {"utf-16", "\xff\xfe<\0o\0", RL_ERR_UNSUPPORTED, 1, "not UTF-8"},
    {"undeclared prefix", "<overlay xmlns='urn:ietf:params:xml:ns:p2p:config-base'>\n"
     "<configuration instance-name='a'>\n<q:x/></configuration></overlay>", RL_ERR_SYNTAX, 3,
     "Namespace prefix q on x is not defined"},
    {"multi-line start tag", "<overlay xmlns='urn:ietf:params:xml:ns:p2p:config-base'>\n"
     "<configuration\n instance-name='a'\n sequence='x'/></overlay>", RL_ERR_SYNTAX, 2,
     "sequence: \"x\" is not an integer"},
};

START_TEST(bad_documents_name_line_and_reason) {
  const struct bad_doc *b = &bad_docs[_i];
  rl_config_document doc;
  rl_config_error err;
  size_t len = strcmp(b->name, "utf-16") == 0 ? 6 : strlen(b->text);
  int r = rl_config_parse(b->text, len, &doc, &err);
  ck_assert_msg(r == b->code, "%s: got %d (%s), want %d", b->name, r, err.message, b->code);
  ck_assert_int_eq(err.code, b->code);
  ck_assert_msg(err.line == b->line, "%s: line %ld, want %ld (%s)", b->name, err.line, b->line,
                err.message);
  ck_assert_msg(strstr(err.message, b->message) != NULL, "%s: message \"%s\" lacks \"%s\"",
                b->name, err.message, b->message);
  if (b->line > 0) {
    char want[32];
    snprintf(want, sizeof want, "line %ld: ", b->line);
    ck_assert_msg(strncmp(err.message, want, strlen(want)) == 0, "%s: %s", b->name, err.message);
  }
  ck_assert_uint_eq(doc.nconfigs, 0);
  ck_assert_ptr_null(doc.configs);
}
END_TEST

/* 11.1: unknown elements and attributes in other namespaces are ignored
 * wherever they are; so are comments and processing instructions. */
START_TEST(foreign_content_is_ignored) {
  static const char text[] =
      "<?xml version='1.0' encoding='utf-8'?>\n"
      "<overlay xmlns='urn:ietf:params:xml:ns:p2p:config-base' xmlns:x='urn:example:x'\n"
      " x:a='1'>\n"
      "<x:before><configuration instance-name='nested'/></x:before>\n"
      "<!-- a comment --><?pi data?>\n"
      "<configuration instance-name='o.example' x:b='2'>\n"
      "<x:thing><x:deep><bogus/></x:deep></x:thing>\n"
      "<node-id-length x:unit='bytes'>20<!-- c --></node-id-length>\n"
      "<required-kinds><x:k/><kind-block x:q='1'><x:k/>\n"
      "<kind name='TURN-SERVICE' x:q='2'><data-model>SINGLE</data-model>"
      "<access-control>NODE-MULTIPLE</access-control><max-count>1</max-count>"
      "<max-size>1</max-size><max-node-multiple>5</max-node-multiple>"
      "<x:variable-resource-names enable='true'/></kind>"
      "</kind-block></required-kinds>\n"
      "</configuration><x:after/>\n</overlay>\n";
  rl_config_document doc;
  rl_config_error err;
  ck_assert_msg(parse(text, &doc, &err) == 0, "%s", err.message);
  ck_assert_uint_eq(doc.nconfigs, 1);
  ck_assert_str_eq(doc.configs[0].instance_name, "o.example");
  ck_assert_uint_eq(doc.configs[0].node_id_length, 20);
  ck_assert_uint_eq(doc.configs[0].nkinds, 1);
  ck_assert_uint_eq(doc.configs[0].kinds[0].id, 2); /* TURN-SERVICE */
  ck_assert_uint_eq(doc.configs[0].kinds[0].max_node_multiple, 5);
  ck_assert_uint_eq(doc.configs[0].kinds[0].signature.len, 0);
  rl_config_document_free(&doc);
}
END_TEST

/* The toolkit's own extension element (RL_CONFIG_NS_EXT): the replication
 * factor, read, range-checked with a reason, written back, compared. */
START_TEST(ext_replication_factor) {
  static const char head[] =
      "<?xml version='1.0' encoding='utf-8'?>\n"
      "<overlay xmlns='urn:ietf:params:xml:ns:p2p:config-base'\n"
      " xmlns:ext='" RL_CONFIG_NS_EXT "'>\n"
      "<configuration instance-name='o.example'>\n";
  char text[1024], *out = NULL;
  size_t n;
  rl_config_document doc, back;
  rl_config_error err;
  snprintf(text, sizeof text, "%s</configuration></overlay>\n", head);
  ck_assert_msg(parse(text, &doc, &err) == 0, "%s", err.message);
  ck_assert_uint_eq(doc.configs[0].replication_factor, RL_CONFIG_DEFAULT_REPLICATION_FACTOR);
  rl_config_document_free(&doc);
  snprintf(text, sizeof text,
           "%s<ext:replication-factor> 5 </ext:replication-factor></configuration></overlay>\n", head);
  ck_assert_msg(parse(text, &doc, &err) == 0, "%s", err.message);
  ck_assert_uint_eq(doc.configs[0].replication_factor, 5);
  ck_assert_int_eq(rl_config_write(&doc, &out, &n), 0);
  ck_assert_msg(strstr(out, "replication-factor>5</"), "%s", out);
  ck_assert_msg(rl_config_parse(out, n, &back, &err) == 0, "%s\n%s", err.message, out);
  ck_assert(rl_config_equal(&doc.configs[0], &back.configs[0]));
  back.configs[0].replication_factor = 3;
  ck_assert(!rl_config_equal(&doc.configs[0], &back.configs[0]));
  free(out);
  rl_config_document_free(&back);
  rl_config_document_free(&doc);
  snprintf(text, sizeof text,
           "%s\n<ext:replication-factor>12</ext:replication-factor></configuration></overlay>\n", head);
  ck_assert_int_ne(parse(text, &doc, &err), 0);
  ck_assert_msg(strstr(err.message, "replication-factor") && err.line == 6, "line %ld: %s",
                (long)err.line, err.message);
  snprintf(text, sizeof text, "%s<ext:replicas>2</ext:replicas></configuration></overlay>\n", head);
  ck_assert_int_ne(parse(text, &doc, &err), 0);
  ck_assert_msg(strstr(err.message, "unknown element <replicas>"), "%s", err.message);
}
END_TEST

START_TEST(load_file_errors_name_the_file) {
  rl_config_document doc;
  rl_config_error err;
  char path[] = "/tmp/rl_config_testXXXXXX";
  int fd;
  FILE *f;
  ck_assert_int_eq(rl_config_load_file("/nonexistent/overlay.xml", &doc, &err), RL_ERR_IO);
  ck_assert_msg(strstr(err.message, "/nonexistent/overlay.xml: "), "%s", err.message);
  fd = mkstemp(path);
  ck_assert_int_ge(fd, 0);
  f = fdopen(fd, "w");
  fputs(DOC_HEAD "<initial-ttl>0</initial-ttl>\n" DOC_TAIL, f);
  fclose(f);
  ck_assert_int_eq(rl_config_load_file(path, &doc, &err), RL_ERR_SYNTAX);
  ck_assert_int_eq(err.line, 5);
  ck_assert_msg(strncmp(err.message, path, strlen(path)) == 0 &&
                strncmp(err.message + strlen(path), ":5: <initial-ttl>: 0 is outside", 30) == 0,
                "%s", err.message);
  unlink(path);
  ck_assert_int_eq(rl_config_load_file(example_path(), &doc, &err), RL_ERR_SYNTAX);
  ck_assert_int_eq(err.line, 31);
}
END_TEST

/* Hostile input: every prefix of the example and single-byte changes all
 * through it either parse or fail with a code and a message. */
START_TEST(truncations_and_flips_never_crash) {
  static const char subst[] = {'<', '>', '"', '&', '\0', 'x', ' ', '/', '\xff'};
  rl_config_document doc;
  rl_config_error err;
  size_t accepted = 0;
  char *buf;
  load_example();
  buf = malloc(fixed_len);
  for (size_t n = 0; n < fixed_len; n++) {
    int r = rl_config_parse(fixed, n, &doc, &err);
    if (r == 0) {
      accepted++;
      rl_config_document_free(&doc);
    } else {
      ck_assert(err.code == r && err.message[0] != '\0');
    }
  }
  /* Only the prefixes that end after </overlay> (its trailing newline). */
  ck_assert_uint_le(accepted, 1);
  for (size_t i = 0; i < fixed_len; i += 3) {
    int r;
    memcpy(buf, fixed, fixed_len);
    buf[i] = subst[i % sizeof subst];
    r = rl_config_parse(buf, fixed_len, &doc, &err);
    if (r == 0)
      rl_config_document_free(&doc);
    else
      ck_assert(err.code == r && err.message[0] != '\0');
  }
  free(buf);
}
END_TEST

int main(void) {
  Suite *s = suite_create("overlay_config");
  TCase *tc = tcase_create("config");
  SRunner *sr;
  int failed;
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, rfc_example_as_printed_names_the_bad_root_cert);
  tcase_add_test(tc, rfc_example_values);
  tcase_add_test(tc, writer_round_trip_of_rfc_example);
  tcase_add_test(tc, equal_sees_every_difference);
  tcase_add_test(tc, writer_round_trip_of_built_configuration);
  tcase_add_test(tc, params_follow_the_configuration);
  tcase_add_test(tc, params_drive_the_decoder);
  tcase_add_loop_test(tc, bad_documents_name_line_and_reason, 0,
                      (int)(sizeof bad_docs / sizeof bad_docs[0]));
  tcase_add_test(tc, foreign_content_is_ignored);
  tcase_add_test(tc, ext_replication_factor);
  tcase_add_test(tc, load_file_errors_name_the_file);
  tcase_add_test(tc, truncations_and_flips_never_crash);
  suite_add_tcase(s, tc);
  sr = srunner_create(s);
  srunner_run_all(sr, CK_NORMAL);
  failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
