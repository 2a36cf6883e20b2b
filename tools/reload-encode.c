/* reload-encode: turn JSON (as reload-dump --json prints it) back into
 * RELOAD wire bytes, computing every length itself (reload-encode(1)). */
#define _POSIX_C_SOURCE 200809L
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "codec/params.h"
#include "runtime/writer.h"
#include "tool_util.h"

#define MAX_PARAM_ARGS 64

typedef struct enc {
  const rl_type_desc *type;
  rl_param_set params;
  int hex;
  int framed;
  uint32_t sequence; /* of the next frame */
  const char *file;
  rl_tool_arena arena;
  void *value;
  size_t ndocs;
  int status;
} enc;

static void set_status(enc *e, int status) {
  if (status > e->status) e->status = status;
}

/* "error in PATH: REASON", PATH starting with the type name. */
static void report(enc *e, const rl_errinfo *info) {
  char path[512];
  fflush(stdout);
  fprintf(stderr, "%s: %s: document %zu:\n", rl_tool_name, e->file, e->ndocs);
  fprintf(stderr, "error in %s: %s\n", rl_errinfo_path(info, path, sizeof path),
          info->reason ? info->reason : rl_strerror(info->code));
  set_status(e, RL_EXIT_MALFORMED);
}

static int write_bytes(enc *e, const uint8_t *p, size_t n) {
  static const char digits[] = "0123456789abcdef";
  if (!e->hex) return fwrite(p, 1, n, stdout) == n ? 0 : RL_ERR_IO;
  for (size_t i = 0; i < n; i++) {
    putchar(digits[p[i] >> 4]);
    putchar(digits[p[i] & 15]);
  }
  putchar('\n');
  return ferror(stdout) ? RL_ERR_IO : 0;
}

/* Encode value v of type t into a malloc'ed buffer. */
static int encode(const rl_type_desc *t, const void *v, uint8_t **out, size_t *outlen,
                  rl_errinfo *info) {
  size_t n = t->encoded_len(v);
  uint8_t *buf = malloc(n ? n : 1);
  rl_writer w;
  int r;
  if (!buf) {
    rl_errinfo_set(info, RL_ERR_NOMEM, 0, NULL, "out of memory");
    return RL_ERR_NOMEM;
  }
  rl_errinfo_clear(info);
  rl_writer_init(&w, buf, n, info);
  r = t->encode(&w, v);
  if (r == 0) r = w.err;
  if (r == 0 && w.len != n)
    r = rl_errinfo_set(info, RL_ERR_BUFFER, 0, NULL, "encoded length differs from its prediction");
  if (r != 0) {
    /* The writer records an error only once; make sure there is one. */
    if (info->code == 0) rl_errinfo_set(info, r, 0, NULL, NULL);
    rl_errinfo_push(info, t->name, r);
    free(buf);
    return r;
  }
  *out = buf;
  *outlen = n;
  return 0;
}

/* Wrap a message in a FramedMessage data frame (RFC 6940 6.6.2). */
static int frame(enc *e, const uint8_t *msg, size_t n, uint8_t **out, size_t *outlen,
                 rl_errinfo *info) {
  const rl_type_desc *ft = rl_type_find("FramedMessage");
  rl_FramedMessage fm;
  memset(&fm, 0, sizeof fm);
  fm.type = RL_FramedMessageType_data;
  fm.data.sequence = e->sequence++;
  fm.data.message.ptr = msg;
  fm.data.message.len = n;
  return encode(ft, &fm, out, outlen, info);
}

static void one_document(enc *e, const json_t *j) {
  rl_ctx ctx;
  uint8_t *bytes = NULL, *framed = NULL;
  size_t n = 0, fn = 0;
  rl_errinfo info;
  int r;
  e->ndocs++;
  /* Hex strings decode into the arena: it needs about the text's size. */
  if (rl_tool_arena_reserve(&e->arena, 4096) != 0) goto nomem;
  for (;;) {
    rl_ctx_init(&ctx, &e->arena.arena, &e->params.p);
    r = e->type->from_json(j, &ctx, e->value);
    if (r != RL_ERR_ARENA) break;
    if (rl_tool_arena_grow(&e->arena) != 0) goto nomem;
  }
  if (r != 0) {
    rl_errinfo_push(&ctx.err, e->type->name, r);
    report(e, &ctx.err);
    return;
  }
  r = encode(e->type, e->value, &bytes, &n, &info);
  if (r == 0 && e->framed) r = frame(e, bytes, n, &framed, &fn, &info);
  if (r != 0) {
    if (r == RL_ERR_NOMEM) goto nomem;
    report(e, &info);
    goto done;
  }
  if (write_bytes(e, framed ? framed : bytes, framed ? fn : n) != 0) {
    rl_tool_warn("error writing the output");
    set_status(e, RL_EXIT_USAGE);
  }
  goto done;
nomem:
  rl_tool_warn("out of memory");
  set_status(e, RL_EXIT_USAGE);
done:
  free(bytes);
  free(framed);
}

/* One JSON value after another; an array stands for its elements. */
static void one_file(enc *e, const char *path) {
  uint8_t *buf = NULL;
  size_t len = 0, pos = 0, line = 1;
  char err[512];
  e->file = strcmp(path, "-") == 0 ? "(stdin)" : path;
  if (rl_tool_read_file(path, &buf, &len, err, sizeof err) != 0) {
    rl_tool_warn("%s", err);
    set_status(e, RL_EXIT_USAGE);
    return;
  }
  for (;;) {
    json_error_t jerr;
    json_t *j;
    while (pos < len && (buf[pos] == ' ' || buf[pos] == '\t' || buf[pos] == '\n' ||
                         buf[pos] == '\r')) {
      if (buf[pos] == '\n') line++;
      pos++;
    }
    if (pos == len) break;
    j = json_loadb((const char *)buf + pos, len - pos, JSON_DISABLE_EOF_CHECK, &jerr);
    if (!j) {
      rl_tool_warn("%s:%zu:%d: JSON syntax error: %s", e->file,
                   line + (size_t)(jerr.line > 0 ? jerr.line - 1 : 0), jerr.column,
                   jerr.text);
      set_status(e, RL_EXIT_MALFORMED);
      break;
    }
    for (size_t i = 0; i < (size_t)jerr.position && pos + i < len; i++)
      if (buf[pos + i] == '\n') line++;
    pos += (size_t)jerr.position;
    if (json_is_array(j)) {
      size_t i;
      json_t *el;
      json_array_foreach(j, i, el) one_document(e, el);
    } else {
      one_document(e, j);
    }
    json_decref(j);
  }
  free(buf);
}

static void usage(FILE *f) {
  fprintf(f,
          "Usage: reload-encode [OPTIONS] [FILE]\n"
          "Encode RELOAD (RFC 6940) values given as JSON (as reload-dump --json\n"
          "prints them: one document, an array, or several in sequence) into wire\n"
          "bytes on standard output. Lengths are computed, not read from the JSON.\n\n"
          "  -x, --hex             write lowercase hex, one line per value\n"
          "  -t, --type NAME       the JSON describes values of type NAME (default Message)\n"
          "  -p, --param WORD      parameter, e.g. NodeIdLength=20 (checks Node-ID sizes)\n"
          "  -f, --framed SEQ      wrap each value in a FramedMessage data frame,\n"
          "                        sequence numbers SEQ, SEQ+1, ...\n"
          "      --types           list the type names for --type and exit\n"
          "  -h, --help            this help\n"
          "  -V, --version         version\n"
          "Exit status: 0 all encoded, 1 some input invalid, 2 usage or I/O error.\n");
}

enum { OPT_TYPES = 256 };

/* 0 to go on, -1 when done (--help, ...), or an exit code. */
static int parse_args(enc *e, int argc, char **argv, int *first_file) {
  static const struct option opts[] = {
      {"hex", no_argument, NULL, 'x'},        {"type", required_argument, NULL, 't'},
      {"param", required_argument, NULL, 'p'}, {"framed", required_argument, NULL, 'f'},
      {"types", no_argument, NULL, OPT_TYPES}, {"help", no_argument, NULL, 'h'},
      {"version", no_argument, NULL, 'V'},    {NULL, 0, NULL, 0}};
  int c;
  char *end;
  unsigned long long seq;
  while ((c = getopt_long(argc, argv, "xt:p:f:hV", opts, NULL)) != -1) {
    switch (c) {
    case 'x': e->hex = 1; break;
    case 't':
      if (!(e->type = rl_tool_type(optarg))) return RL_EXIT_USAGE;
      break;
    case 'p':
      if (rl_tool_param(&e->params, optarg) != 0) return RL_EXIT_USAGE;
      break;
    case 'f':
      seq = strtoull(optarg, &end, 0);
      if (*end || !*optarg || *optarg == '-' || seq > 0xffffffffULL) {
        rl_tool_warn("--framed %s: expected a sequence number 0..4294967295", optarg);
        return RL_EXIT_USAGE;
      }
      e->framed = 1;
      e->sequence = (uint32_t)seq;
      break;
    case OPT_TYPES: rl_tool_list_types(stdout); return -1;
    case 'h': usage(stdout); return -1;
    case 'V': printf("reload-encode (reload) %s\n", RL_TOOLS_VERSION); return -1;
    default: usage(stderr); return RL_EXIT_USAGE;
    }
  }
  if (argc - optind > 1) {
    rl_tool_warn("one input file at most (got %d)", argc - optind);
    return RL_EXIT_USAGE;
  }
  *first_file = optind;
  return 0;
}

int main(int argc, char **argv) {
  enc e;
  int first = 0, r;
  rl_tool_name = "reload-encode";
  memset(&e, 0, sizeof e);
  rl_param_set_init(&e.params);
  rl_tool_arena_init(&e.arena);
  e.type = rl_type_find("Message");
  r = parse_args(&e, argc, argv, &first);
  if (r < 0) return RL_EXIT_OK;
  if (r > 0) return r;
  if (!e.hex && isatty(fileno(stdout))) {
    rl_tool_warn("not writing binary to a terminal: use --hex or redirect the output");
    return RL_EXIT_USAGE;
  }
  e.value = calloc(1, e.type->size);
  if (!e.value) {
    rl_tool_warn("out of memory");
    return RL_EXIT_USAGE;
  }
  one_file(&e, first < argc ? argv[first] : "-");
  if (fflush(stdout) != 0 || ferror(stdout)) {
    rl_tool_warn("error writing the output");
    set_status(&e, RL_EXIT_USAGE);
  }
  free(e.value);
  rl_tool_arena_free(&e.arena);
  return e.status;
}
