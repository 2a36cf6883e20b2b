/* reload-dump: print RELOAD messages (RFC 6940) from binary, hex text or
 * pcap files as an indented text tree or as JSON (reload-dump(1)). */
#define _POSIX_C_SOURCE 200809L
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture.h"
#include "codec/message.h"
#include "codec/params.h"
#include "input.h"
#include "tlscap.h"
#include "overlay/config.h"
#include "runtime/cursor.h"
#include "tool_util.h"
#include "tree.h"

#define MAX_PARAM_ARGS 64
#define MAX_PORTS 16

typedef struct dump {
  /* options */
  const rl_type_desc *type; /* NULL: Message, or the .vec file's type */
  const char *param_args[MAX_PARAM_ARGS];
  size_t nparam_args;
  rl_input_kind input;
  rl_framing framing;
  uint16_t ports[MAX_PORTS];
  size_t nports;
  const char *keylog_path; /* --keylog */
  rl_keylog keylog;
  int json, json_array, compact;
  const char *config_path;      /* --config */
  rl_config_document config;    /* its document */
  const rl_overlay_config *cfg; /* its last <configuration> (11.1) */
  /* per file */
  const char *file;
  const rl_type_desc *cur; /* type in use for this file */
  rl_param_set params;
  /* state */
  rl_tool_arena arena, aux;
  void *value;   /* rl_types[].size bytes for the largest type */
  json_t *array; /* --json-array */
  size_t nvalues;
  int status;
} dump;

static void set_status(dump *d, int status) {
  if (status > d->status) d->status = status;
}

/* Report a value that did not decode: a context line, then the exact
 * "error at offset N in PATH: REASON" line (offsets count from the start
 * of the file, or of the TCP stream / UDP payload of a capture). */
static void report(dump *d, const char *what, size_t off, const rl_errinfo *e) {
  char line[1024];
  fflush(stdout);
  fprintf(stderr, "%s: %s: %s %zu at offset %zu did not decode:\n", rl_tool_name,
          d->file, what, d->nvalues, off);
  fprintf(stderr, "%s\n", rl_errinfo_format(e, line, sizeof line));
  set_status(d, RL_EXIT_MALFORMED);
}

/* Decode one value of type t from p[0..n), where p lies in a unit that
 * starts at base. For Message the value must fill n exactly (the caller
 * split the stream by the header's length); for other types *used says
 * how much it took. Grows the arena when a value needs more. */
static int decode(dump *d, rl_tool_arena *a, const rl_type_desc *t, const uint8_t *base,
                  const uint8_t *p, size_t n, size_t *used, rl_ctx *ctx, void *out) {
  int r;
  if (rl_tool_arena_reserve(a, n * 8) != 0) return RL_ERR_NOMEM;
  for (;;) {
    rl_cursor c;
    rl_ctx_init(ctx, &a->arena, &d->params.p);
    if (strcmp(t->name, "Message") == 0) {
      r = rl_message_parse(p, n, ctx, out);
      ctx->err.offset += (size_t)(p - base);
      *used = n;
    } else {
      rl_cursor_init(&c, p, n);
      ctx->base = base;
      ctx->message_length = n;
      r = t->decode(&c, ctx, out);
      if (r) rl_errinfo_push(&ctx->err, t->name, r);
      *used = (size_t)(c.p - p);
    }
    if (r != RL_ERR_ARENA || rl_tool_arena_grow(a) != 0) break;
  }
  return r;
}

/* The tree printer's decoder for DataValue.value: its own arena, so the
 * message being printed is left alone. */
static json_t *decode_inner(void *user, const rl_type_desc *t, const uint8_t *p,
                            size_t n, char *err, size_t errlen) {
  dump *d = user;
  rl_ctx ctx;
  size_t used = 0;
  json_t *j = NULL;
  void *v = calloc(1, t->size);
  int r;
  if (!v) {
    snprintf(err, errlen, "out of memory");
    return NULL;
  }
  r = decode(d, &d->aux, t, p, p, n, &used, &ctx, v);
  if (r == 0 && used != n) {
    rl_cursor c;
    rl_cursor_init(&c, p + used, n - used);
    r = rl_fail(&ctx, &c, RL_ERR_TRAILING, t->name, "bytes after the end of the value");
  }
  if (r == 0) j = t->to_json(v);
  if (r != 0) rl_errinfo_format(&ctx.err, err, errlen);
  else if (!j) snprintf(err, errlen, "out of memory");
  free(v);
  return j;
}

/* Print (or collect) one decoded value. */
static void emit(dump *d, const rl_type_desc *t, const char *what, size_t off, size_t n,
                 const char *extra) {
  json_t *j = t->to_json(d->value);
  if (!j) {
    rl_tool_warn("out of memory");
    set_status(d, RL_EXIT_USAGE);
    return;
  }
  if (d->json && d->json_array) {
    json_array_append_new(d->array, j);
    return;
  }
  if (d->json) {
    json_dumpf(j, stdout, d->compact ? JSON_COMPACT : JSON_INDENT(2));
    fputc('\n', stdout);
  } else {
    rl_tree tr = {stdout, decode_inner, d};
    const json_t *code = json_object_get(json_object_get(j, "message_contents"),
                                         "message_code");
    printf("%s %zu at offset %zu (%zu bytes%s)", what, d->nvalues, off, n, extra);
    if (json_is_string(code)) printf(": %s", json_string_value(code));
    else if (json_is_integer(code))
      printf(": message_code 0x%llx", (unsigned long long)json_integer_value(code));
    printf("\n");
    rl_tree_print(&tr, j, 1);
  }
  json_decref(j);
}

/* A fragment: only its forwarding header can be decoded (6.7). */
static void emit_fragment(dump *d, const uint8_t *base, const uint8_t *p, size_t n,
                          const char *extra) {
  const rl_type_desc *fh = rl_type_find("ForwardingHeader");
  rl_message_peek h;
  rl_ctx ctx;
  size_t used = 0, off = (size_t)(p - base);
  int r;
  rl_message_peek_header(p, n, &h);
  if (d->json) {
    fflush(stdout);
    rl_tool_warn("%s: message %zu at offset %zu is a fragment (fragment offset %lu); "
                 "JSON has no form for it, not printed",
                 d->file, d->nvalues, off,
                 (unsigned long)(h.fragment & RL_FRAGMENT_OFFSET_MASK));
    return;
  }
  printf("message %zu at offset %zu (%zu bytes%s): a fragment (fragment offset %lu, %s)\n",
         d->nvalues, off, n, extra, (unsigned long)(h.fragment & RL_FRAGMENT_OFFSET_MASK),
         h.fragment & RL_FRAGMENT_LAST ? "last fragment" : "more fragments follow");
  r = decode(d, &d->arena, fh, base, p, n, &used, &ctx, d->value);
  if (r != 0) {
    report(d, "fragment header", off, &ctx.err);
    return;
  }
  {
    json_t *j = fh->to_json(d->value);
    rl_tree tr = {stdout, NULL, NULL};
    printf("  forwarding_header\n");
    if (j) rl_tree_print(&tr, j, 2);
    json_decref(j);
  }
  printf("  (%zu bytes of fragment payload not decoded: reassemble the message first, "
         "RFC 6940 6.7)\n", n - used);
}

/* Decode and print one message (or value) occupying exactly p[0..n). */
static void one_value(dump *d, const uint8_t *base, const uint8_t *p, size_t n,
                      const char *extra) {
  const rl_type_desc *t = d->cur;
  int is_msg = strcmp(t->name, "Message") == 0;
  const char *what = is_msg ? "message" : t->name;
  rl_ctx ctx;
  size_t used = 0, off = (size_t)(p - base);
  int r;
  d->nvalues++;
  r = decode(d, &d->arena, t, base, p, n, &used, &ctx, d->value);
  if (r == RL_ERR_FRAGMENT) {
    emit_fragment(d, base, p, n, extra);
    return;
  }
  if (r == 0 && used != n) {
    rl_cursor c;
    rl_cursor_init(&c, p + used, n - used);
    ctx.base = base;
    rl_errinfo_clear(&ctx.err);
    r = rl_fail(&ctx, &c, RL_ERR_TRAILING, NULL, "bytes after the end of the value");
    rl_errinfo_push(&ctx.err, t->name, r);
  }
  if (r != 0) {
    if (!d->json) printf("%s %zu at offset %zu (%zu bytes%s): not decoded\n", what,
                         d->nvalues, off, n, extra);
    report(d, is_msg ? "message" : t->name, off, &ctx.err);
    return;
  }
  emit(d, t, what, off, n, extra);
}

/* Bare messages back to back: each one's header says its length. */
static void bare_messages(dump *d, const uint8_t *data, size_t len) {
  size_t off = 0;
  while (off < len) {
    rl_message_peek h;
    size_t left = len - off;
    int r = rl_message_peek_header(data + off, left, &h);
    /* A length beyond the input goes to the decoder whole, below, which
     * reports it as the codec does. */
    if (r == 0 && h.length >= RL_FORWARDING_HEADER_FIXED && h.length <= left) {
      one_value(d, data, data + off, h.length, "");
      off += h.length;
      continue;
    }
    /* Not a whole message (bad token, too short, a length that does not
     * fit): let the decoder say exactly what is wrong, then stop, as
     * nothing tells where a next message would begin. */
    one_value(d, data, data + off, left, "");
    return;
  }
}

/* FramedMessage frames (6.6.2): data frames carry a message, ack frames
 * are shown in text mode only (they are not messages). */
static void framed_messages(dump *d, const uint8_t *data, size_t len) {
  const rl_type_desc *ft = rl_type_find("FramedMessage");
  size_t off = 0;
  while (off < len) {
    rl_FramedMessage *fm;
    rl_ctx ctx;
    size_t used = 0;
    char extra[64];
    int r = decode(d, &d->arena, ft, data, data + off, len - off, &used, &ctx, d->value);
    if (r != 0) {
      d->nvalues++;
      if (!d->json) printf("frame at offset %zu: not decoded\n", off);
      report(d, "frame", off, &ctx.err);
      return;
    }
    fm = d->value;
    if (fm->type == RL_FramedMessageType_ack) {
      if (!d->json)
        printf("ack frame at offset %zu: ack_sequence %lu, received 0x%08lx\n", off,
               (unsigned long)fm->ack.ack_sequence, (unsigned long)fm->ack.received);
    } else if (fm->data.message.len == 0) {
      /* message<0..2^24-1> may be empty: a legal frame with no message. */
      if (!d->json)
        printf("data frame at offset %zu: sequence %lu, empty (no message)\n", off,
               (unsigned long)fm->data.sequence);
    } else {
      /* The payload is decoded into the same arena and value: copy what
       * is still needed first. */
      const uint8_t *mp = fm->data.message.ptr;
      size_t mn = fm->data.message.len;
      snprintf(extra, sizeof extra, ", frame sequence %lu",
               (unsigned long)fm->data.sequence);
      one_value(d, data, mp, mn, extra);
    }
    off += used;
  }
}

/* Values of a type other than Message back to back. */
static void typed_values(dump *d, const uint8_t *data, size_t len) {
  size_t off = 0;
  while (off < len) {
    rl_ctx ctx;
    size_t used = 0;
    int r = decode(d, &d->arena, d->cur, data, data + off, len - off, &used, &ctx,
                   d->value);
    d->nvalues++;
    if (r != 0) {
      if (!d->json) printf("%s %zu at offset %zu: not decoded\n", d->cur->name,
                           d->nvalues, off);
      report(d, d->cur->name, off, &ctx.err);
      return;
    }
    emit(d, d->cur, d->cur->name, off, used, "");
    off += used;
  }
}

/* One byte stream: a file's contents, a TCP direction, a UDP payload. */
static void stream(dump *d, const uint8_t *data, size_t len) {
  rl_framing fr = d->framing;
  int is_msg = strcmp(d->cur->name, "Message") == 0;
  int dtls;
  if (is_msg && fr == RL_FRAMING_AUTO && rl_tls_detect(data, len, &dtls)) {
    /* Named, not reported as a malformed message: nothing is wrong with
     * it, it is encrypted. */
    if (!d->json)
      printf("%s stream, no keys: %zu bytes not decoded\n", dtls ? "DTLS" : "TLS", len);
    else
      rl_tool_warn("%s: %s stream, no keys: %zu bytes not decoded", d->file,
                   dtls ? "DTLS" : "TLS", len);
    return;
  }
  /* Only a Message stream is framed unless --framed says otherwise. */
  if (fr == RL_FRAMING_AUTO)
    fr = is_msg ? rl_framing_detect(data, len) : RL_FRAMING_BARE;
  if (fr == RL_FRAMING_FRAMED)
    framed_messages(d, data, len);
  else if (is_msg)
    bare_messages(d, data, len);
  else
    typed_values(d, data, len);
}

/* One unit of a capture read with --keylog. */
static void tls_unit(dump *d, const rl_capture_unit *u, const rl_tlscap_unit *r) {
  const char *what = r->tls == 2 ? "DTLS" : "TLS";
  if (!r->decrypted) {
    if (!d->json)
      printf("%s stream, no keys: %zu bytes not decoded (%s)\n", what, u->len, r->info);
    else
      rl_tool_warn("%s: %s: %s stream, no keys: %zu bytes not decoded (%s)", d->file,
                   u->label, what, u->len, r->info);
    return;
  }
  if (!d->json) {
    printf("%s records: %zu, application data: %zu", what, r->records, r->app_records);
    if (r->failed) printf(", not decrypted: %zu", r->failed);
    printf(" (%s; offsets count in the decrypted data)\n", r->info);
  } else if (r->failed) {
    rl_tool_warn("%s: %s: %zu %s records not decrypted (%s)", d->file, u->label, r->failed,
                 what, r->info);
  }
  if (r->failed) set_status(d, RL_EXIT_MALFORMED);
  if (r->plain.len) stream(d, r->plain.p, r->plain.len);
}

static void capture(dump *d, const uint8_t *buf, size_t len) {
  rl_capture cap;
  rl_tlscap_unit *res = NULL;
  char err[512];
  if (rl_capture_read_ports(buf, len, d->ports, d->nports, &cap, err, sizeof err) != 0) {
    rl_tool_warn("%s: %s", d->file, err);
    set_status(d, RL_EXIT_MALFORMED);
    return;
  }
  if (cap.nunits == 0)
    rl_tool_warn("%s: no TCP or UDP payload on port %u in %zu packets", d->file,
                 (unsigned)d->ports[0], cap.packets);
  if (d->keylog_path && cap.nunits &&
      (!(res = calloc(cap.nunits, sizeof *res)) ||
       rl_tlscap_decrypt(&cap, &d->keylog, res) != 0)) {
    rl_tool_warn("%s: out of memory decrypting", d->file);
    set_status(d, RL_EXIT_USAGE);
    if (res) rl_tlscap_free(res, cap.nunits);
    free(res);
    res = NULL;
  }
  for (size_t i = 0; i < cap.nunits; i++) {
    if (!d->json) printf("%s: %s\n", d->file, cap.units[i].label);
    if (res && res[i].tls)
      tls_unit(d, &cap.units[i], &res[i]);
    else
      stream(d, cap.units[i].data, cap.units[i].len);
  }
  if (res) rl_tlscap_free(res, cap.nunits);
  free(res);
  rl_capture_free(&cap);
}

/* --config: NodeIdLength, topology and the data model of every Kind the
 * configuration names (an IANA Kind keeps its registered model, 11.1). */
static int config_params(dump *d) {
  const rl_overlay_config *c = d->cfg;
  rl_TopologyPlugin t;
  if (!c) return 0;
  d->params.p.NodeIdLength = c->node_id_length;
  if (c->topology_plugin && rl_TopologyPlugin_from_name(c->topology_plugin, &t) == 0)
    d->params.p.topology = t;
  for (size_t i = 0; i < c->nkinds; i++) {
    const rl_config_kind *k = &c->kinds[i];
    if (!k->id_known || k->registered || k->model == 0) continue;
    if (d->params.nkinds == RL_PARAM_KINDS_MAX) {
      rl_tool_warn("--config %s: more than %d Kinds; the others need --param kind.N=MODEL",
                   d->config_path, RL_PARAM_KINDS_MAX);
      return -1;
    }
    d->params.kinds[d->params.nkinds].kind = k->id;
    d->params.kinds[d->params.nkinds].model = k->model;
    d->params.nkinds++;
  }
  return 0;
}

static int setup_params(dump *d, const rl_hex_meta *meta) {
  rl_param_set_init(&d->params);
  /* The overlay configuration first, then a .vec file's params, then
   * --param: each overrides what came before. */
  if (config_params(d) != 0) return -1;
  /* A .vec file's own params first, so that --param overrides them. */
  if (meta && meta->params[0] && rl_tool_param(&d->params, meta->params) != 0)
    return -1;
  for (size_t i = 0; i < d->nparam_args; i++)
    if (rl_tool_param(&d->params, d->param_args[i]) != 0) return -1;
  return 0;
}

static void one_file(dump *d, const char *path, int nfiles) {
  uint8_t *buf = NULL;
  size_t len = 0;
  char err[512];
  rl_hex_meta meta;
  rl_input_kind kind = d->input;
  d->file = strcmp(path, "-") == 0 ? "(stdin)" : path;
  d->nvalues = 0; /* numbered within each file */
  if (rl_tool_read_file(path, &buf, &len, err, sizeof err) != 0) {
    rl_tool_warn("%s", err);
    set_status(d, RL_EXIT_USAGE);
    return;
  }
  memset(&meta, 0, sizeof meta);
  if (kind == RL_INPUT_AUTO) kind = rl_input_detect(buf, len);
  if (kind == RL_INPUT_HEX &&
      rl_hex_text_decode(buf, len, &len, &meta, err, sizeof err) != 0) {
    rl_tool_warn("%s:%s", d->file, err);
    set_status(d, RL_EXIT_MALFORMED);
    goto done;
  }
  d->cur = d->type;
  if (!d->cur && meta.type[0] && !(d->cur = rl_tool_type(meta.type))) {
    set_status(d, RL_EXIT_USAGE);
    goto done;
  }
  if (!d->cur) d->cur = rl_type_find("Message");
  if (setup_params(d, &meta) != 0) {
    set_status(d, RL_EXIT_USAGE);
    goto done;
  }
  if (!d->json && nfiles > 1) printf("%s:\n", d->file);
  if (kind == RL_INPUT_PCAP)
    capture(d, buf, len);
  else
    stream(d, buf, len);
done:
  free(buf);
}

static void usage(FILE *f) {
  fprintf(f,
          "Usage: reload-dump [OPTIONS] [FILE...]\n"
          "Print RELOAD (RFC 6940) messages from binary, hex text or pcap files\n"
          "(standard input when no FILE or FILE is -).\n\n"
          "  -j, --json            JSON, one document per message\n"
          "  -a, --json-array      JSON, one array of all messages\n"
          "  -c, --compact         JSON on one line per message\n"
          "  -t, --type NAME       decode values of type NAME (default Message)\n"
          "  -p, --param WORD      decoding parameter, e.g. NodeIdLength=20,\n"
          "                        kind.1234=dictionary, topology=CHORD-RELOAD\n"
          "      --config FILE     overlay configuration (RFC 6940 11.1): its Kinds'\n"
          "                        data models, NodeIdLength and topology\n"
          "  -i, --input KIND      bin, hex, pcap or auto (default auto)\n"
          "      --framed          input is FramedMessage frames (RFC 6940 6.6.2)\n"
          "      --bare            input is messages back to back\n"
          "  -P, --port N          RELOAD port in captures (default 6084); may be\n"
          "                        given up to 16 times\n"
          "      --keylog FILE     decrypt TLS and DTLS links in captures with the\n"
          "                        session secrets of an NSS key log (SSLKEYLOGFILE)\n"
          "      --kinds           list the known Kinds and exit\n"
          "      --types           list the type names for --type and exit\n"
          "  -h, --help            this help\n"
          "  -V, --version         version\n"
          "Exit status: 0 all decoded, 1 some input malformed, 2 usage or I/O error.\n");
}

enum { OPT_FRAMED = 256, OPT_BARE, OPT_KINDS, OPT_TYPES, OPT_CONFIG, OPT_KEYLOG };

static int load_keylog(dump *d, const char *path) {
  uint8_t *buf = NULL;
  size_t len = 0;
  char err[512];
  if (d->keylog_path) {
    rl_tool_warn("--keylog given twice");
    return RL_EXIT_USAGE;
  }
  if (rl_tool_read_file(path, &buf, &len, err, sizeof err) != 0) {
    rl_tool_warn("--keylog: %s", err);
    return RL_EXIT_USAGE;
  }
  if (rl_keylog_parse((const char *)buf, len, &d->keylog, err, sizeof err) != 0) {
    rl_tool_warn("--keylog %s: %s", path, err);
    free(buf);
    return RL_EXIT_USAGE;
  }
  free(buf);
  d->keylog_path = path;
  return 0;
}

static int load_config(dump *d, const char *path) {
  rl_config_error err;
  if (d->config_path) {
    rl_tool_warn("--config given twice");
    return RL_EXIT_USAGE;
  }
  d->config_path = path;
  if (rl_config_load_file(path, &d->config, &err) != 0) {
    rl_tool_warn("--config %s: %s", path, err.message);
    return RL_EXIT_USAGE;
  }
  /* 11.1: the current configuration is the last one. */
  if (d->config.nconfigs == 0) {
    rl_tool_warn("--config %s: no <configuration> element", path);
    return RL_EXIT_USAGE;
  }
  d->cfg = &d->config.configs[d->config.nconfigs - 1];
  return 0;
}

/* 0 to go on, -1 when done (--help, --kinds, ...), or an exit code. */
static int parse_args(dump *d, int argc, char **argv, int *first_file) {
  static const struct option opts[] = {
      {"json", no_argument, NULL, 'j'},       {"json-array", no_argument, NULL, 'a'},
      {"compact", no_argument, NULL, 'c'},    {"type", required_argument, NULL, 't'},
      {"param", required_argument, NULL, 'p'}, {"input", required_argument, NULL, 'i'},
      {"framed", no_argument, NULL, OPT_FRAMED}, {"bare", no_argument, NULL, OPT_BARE},
      {"port", required_argument, NULL, 'P'}, {"kinds", no_argument, NULL, OPT_KINDS},
      {"types", no_argument, NULL, OPT_TYPES}, {"help", no_argument, NULL, 'h'},
      {"version", no_argument, NULL, 'V'},    {"config", required_argument, NULL, OPT_CONFIG},
      {"keylog", required_argument, NULL, OPT_KEYLOG}, {NULL, 0, NULL, 0}};
  int c, k;
  char *end;
  unsigned long port;
  while ((c = getopt_long(argc, argv, "jact:p:i:P:hV", opts, NULL)) != -1) {
    switch (c) {
    case 'j': d->json = 1; break;
    case 'a': d->json = d->json_array = 1; break;
    case 'c': d->compact = 1; break;
    case 't':
      if (!(d->type = rl_tool_type(optarg))) return RL_EXIT_USAGE;
      break;
    case 'p':
      if (d->nparam_args == MAX_PARAM_ARGS) {
        rl_tool_warn("too many --param options (at most %d)", MAX_PARAM_ARGS);
        return RL_EXIT_USAGE;
      }
      d->param_args[d->nparam_args++] = optarg;
      break;
    case 'i':
      if ((k = rl_input_kind_parse(optarg)) < 0) {
        rl_tool_warn("--input %s: expected bin, hex, pcap or auto", optarg);
        return RL_EXIT_USAGE;
      }
      d->input = (rl_input_kind)k;
      break;
    case OPT_FRAMED: d->framing = RL_FRAMING_FRAMED; break;
    case OPT_BARE: d->framing = RL_FRAMING_BARE; break;
    case OPT_CONFIG:
      if ((k = load_config(d, optarg)) != 0) return k;
      break;
    case OPT_KEYLOG:
      if ((k = load_keylog(d, optarg)) != 0) return k;
      break;
    case 'P':
      port = strtoul(optarg, &end, 10);
      if (*end || !*optarg || port == 0 || port > 65535) {
        rl_tool_warn("--port %s: expected a port number 1..65535", optarg);
        return RL_EXIT_USAGE;
      }
      if (d->nports == MAX_PORTS) {
        rl_tool_warn("--port: at most %d ports", MAX_PORTS);
        return RL_EXIT_USAGE;
      }
      d->ports[d->nports++] = (uint16_t)port;
      break;
    case OPT_KINDS: rl_tool_list_kinds(stdout); return -1;
    case OPT_TYPES: rl_tool_list_types(stdout); return -1;
    case 'h': usage(stdout); return -1;
    case 'V': printf("reload-dump (reload) %s\n", RL_TOOLS_VERSION); return -1;
    default: usage(stderr); return RL_EXIT_USAGE;
    }
  }
  /* Check the --param words once up front, so a typo is a usage error
   * before any output. */
  if (setup_params(d, NULL) != 0) return RL_EXIT_USAGE;
  *first_file = optind;
  return 0;
}

int main(int argc, char **argv) {
  dump d;
  int first = 0, r;
  size_t maxsize = 0;
  char *stdin_arg[] = {(char *)"-"};
  char **files;
  int nfiles;
  rl_tool_name = "reload-dump";
  memset(&d, 0, sizeof d);

  rl_tool_arena_init(&d.arena);
  rl_tool_arena_init(&d.aux);
  r = parse_args(&d, argc, argv, &first);
  if (r < 0) return RL_EXIT_OK; /* --help, --kinds, ... done */
  if (r > 0) return r;
  if (d.nports == 0) d.ports[d.nports++] = 6084;
  files = first < argc ? argv + first : stdin_arg;
  nfiles = first < argc ? argc - first : 1;
  for (size_t i = 0; i < rl_types_count; i++)
    if (rl_types[i].size > maxsize) maxsize = rl_types[i].size;
  d.value = calloc(1, maxsize);
  d.array = json_array();
  if (!d.value || !d.array) {
    rl_tool_warn("out of memory");
    return RL_EXIT_USAGE;
  }
  for (int i = 0; i < nfiles; i++) one_file(&d, files[i], nfiles);
  if (d.json_array) {
    json_dumpf(d.array, stdout, d.compact ? JSON_COMPACT : JSON_INDENT(2));
    fputc('\n', stdout);
  }
  if (fflush(stdout) != 0 || ferror(stdout)) {
    rl_tool_warn("error writing the output");
    set_status(&d, RL_EXIT_USAGE);
  }
  json_decref(d.array);
  rl_config_document_free(&d.config);
  rl_keylog_free(&d.keylog);
  free(d.value);
  rl_tool_arena_free(&d.arena);
  rl_tool_arena_free(&d.aux);
  return d.status;
}
