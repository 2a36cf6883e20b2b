/* vec2json.c: what our codec makes of each vector, for the Wireshark
 * cross-check (tests/tshark/tshark_check.py).
 *
 *   vec2json FILE.vec...
 *
 * prints one JSON document on stdout:
 *   {"enums": {"MessageCode": {"ping_req": 23, ...}, ...},
 *    "vectors": [{"file": ..., "name": ..., "type": ..., "params": ...,
 *                 "hex": "<the vector's bytes>",
 *                 "value": <rl_T_to_json of our decode>}  or  "error": "..."]}
 * The values come from decoding the bytes with the generated codec, not
 * from the vector's expected JSON (tests/codec/vectors_test checks that
 * the two agree). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec/params.h"
#include "gen/reload_codec.h"
#include "runtime/json.h"
#include "vecfile.h"

/* name -> number for an enum, from its generated name function. */
#define ENUM_TABLE(E, MAX)                                                    \
  static json_t *table_##E(void) {                                            \
    json_t *o = json_object();                                                \
    for (unsigned long v = 0; o && v <= (MAX); v++) {                         \
      const char *n = rl_##E##_valid((rl_##E)v) ? rl_##E##_name((rl_##E)v) : NULL; \
      if (n && json_object_set_new(o, n, json_integer((json_int_t)v))) {      \
        json_decref(o);                                                       \
        o = NULL;                                                             \
      }                                                                       \
    }                                                                         \
    return o;                                                                 \
  }

ENUM_TABLE(MessageCode, 0xffff)
ENUM_TABLE(ErrorCode, 0xffff)
ENUM_TABLE(MessageExtensionType, 0xffff)
ENUM_TABLE(DiagnosticKindId, 0xffff)
ENUM_TABLE(Boolean, 0xff)
ENUM_TABLE(AddressType, 0xff)
ENUM_TABLE(DestinationType, 0xff)
ENUM_TABLE(ForwardingOptionType, 0xff)
ENUM_TABLE(CertificateType, 0xff)
ENUM_TABLE(SignerIdentityType, 0xff)
ENUM_TABLE(HashAlgorithm, 0xff)
ENUM_TABLE(SignatureAlgorithm, 0xff)
ENUM_TABLE(ProbeInformationType, 0xff)
ENUM_TABLE(OverlayLinkType, 0xff)
ENUM_TABLE(CandType, 0xff)
ENUM_TABLE(ConfigUpdateType, 0xff)
ENUM_TABLE(FramedMessageType, 0xff)
ENUM_TABLE(ChordUpdateType, 0xff)
ENUM_TABLE(ChordLeaveType, 0xff)
ENUM_TABLE(SipRegistrationType, 0xff)
ENUM_TABLE(RedirServiceProviderExtType, 0xff)
ENUM_TABLE(RouteMode, 0xff)

static json_t *enums(void) {
  static const struct {
    const char *name;
    json_t *(*table)(void);
  } all[] = {
      {"MessageCode", table_MessageCode},
      {"ErrorCode", table_ErrorCode},
      {"MessageExtensionType", table_MessageExtensionType},
      {"DiagnosticKindId", table_DiagnosticKindId},
      {"Boolean", table_Boolean},
      {"AddressType", table_AddressType},
      {"DestinationType", table_DestinationType},
      {"ForwardingOptionType", table_ForwardingOptionType},
      {"CertificateType", table_CertificateType},
      {"SignerIdentityType", table_SignerIdentityType},
      {"HashAlgorithm", table_HashAlgorithm},
      {"SignatureAlgorithm", table_SignatureAlgorithm},
      {"ProbeInformationType", table_ProbeInformationType},
      {"OverlayLinkType", table_OverlayLinkType},
      {"CandType", table_CandType},
      {"ConfigUpdateType", table_ConfigUpdateType},
      {"FramedMessageType", table_FramedMessageType},
      {"ChordUpdateType", table_ChordUpdateType},
      {"ChordLeaveType", table_ChordLeaveType},
      {"SipRegistrationType", table_SipRegistrationType},
      {"RedirServiceProviderExtType", table_RedirServiceProviderExtType},
      {"RouteMode", table_RouteMode},
  };
  json_t *o = json_object();
  for (size_t i = 0; o && i < sizeof all / sizeof all[0]; i++) {
    if (rl_json_set(o, all[i].name, all[i].table())) {
      json_decref(o);
      o = NULL;
    }
  }
  return o;
}

/* Our decode of one vector, or a description of why there is none. */
static json_t *one(const char *file) {
  static rl_vec v;
  static _Alignas(max_align_t) uint8_t arena_mem[65536];
  static _Alignas(max_align_t) uint8_t value[4096];
  char err[VEC_ERRLEN], text[768];
  const rl_type_desc *desc;
  rl_param_set ps;
  rl_arena arena;
  rl_ctx ctx;
  rl_cursor c;
  json_t *o = json_object(), *val = NULL;
  int r;

  if (!o) return NULL;
  rl_json_set(o, "file", json_string(file));
  if (rl_vec_load(file, &v, err, sizeof err) != 0) {
    rl_json_set(o, "error", json_string(err));
    return o;
  }
  rl_json_set(o, "name", json_string(v.name));
  rl_json_set(o, "type", json_string(v.type));
  rl_json_set(o, "params", json_string(v.params));
  rl_json_set(o, "hex", rl_json_hex(v.bytes, v.len));
  desc = rl_type_find(v.type);
  rl_param_set_init(&ps);
  if (!desc || desc->size > sizeof value) {
    snprintf(text, sizeof text, "type %s not usable", v.type);
  } else if (rl_param_set_parse(&ps, v.params, err, sizeof err) != 0) {
    snprintf(text, sizeof text, "params: %s", err);
  } else {
    rl_arena_init(&arena, arena_mem, sizeof arena_mem);
    rl_ctx_init(&ctx, &arena, &ps.p);
    ctx.base = v.bytes;
    rl_cursor_init(&c, v.bytes, v.len);
    r = desc->decode(&c, &ctx, value);
    if (r == 0 && !rl_cursor_empty(&c))
      r = rl_fail(&ctx, &c, RL_ERR_TRAILING, NULL, "bytes after the end of the value");
    if (r == 0)
      val = desc->to_json(value);
    else
      rl_errinfo_format(&ctx.err, text, sizeof text);
  }
  if (val)
    rl_json_set(o, "value", val);
  else if (!v.json && v.error_code)
    rl_json_set(o, "malformed", json_true());
  else
    rl_json_set(o, "error", json_string(text));
  rl_vec_free(&v);
  return o;
}

int main(int argc, char **argv) {
  json_t *doc = json_object(), *list = json_array();
  int rc = EXIT_FAILURE;
  if (argc < 2) {
    fprintf(stderr, "usage: %s FILE.vec...\n", argv[0]);
    goto done;
  }
  if (!doc || !list || rl_json_set(doc, "enums", enums())) goto oom;
  for (int i = 1; i < argc; i++)
    if (json_array_append_new(list, one(argv[i]))) goto oom;
  if (json_object_set(doc, "vectors", list) || json_dumpf(doc, stdout, JSON_COMPACT))
    goto oom;
  putchar('\n');
  rc = EXIT_SUCCESS;
  goto done;
oom:
  fprintf(stderr, "%s: out of memory\n", argv[0]);
done:
  json_decref(list);
  json_decref(doc);
  return rc;
}
