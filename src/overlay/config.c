/* config.c: see config.h. Parsing: libxml2 builds the tree, two SAX hooks
 * record where each element starts and ends (the bytes signatures cover),
 * and the walk below checks it against RFC 6940 11.1. Values are read by
 * config_value.c, the model lives in config_model.c, the writer in
 * config_write.c. */
#define _POSIX_C_SOURCE 200809L

#include "overlay/config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include <libxml/SAX2.h>
#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/tree.h>
#include <openssl/x509.h>

#include "overlay/config_value.h"
#include "runtime/error.h"

/* A configuration document larger than this is refused before libxml2
 * sees it (its API takes an int length; real documents are a few kB, or
 * a few hundred with many root certificates). */
#define RL_CONFIG_MAX_DOCUMENT (16u * 1024 * 1024)

/* ---------------------------------------------------------------------
 * Parse state and errors
 * --------------------------------------------------------------------- */

typedef struct span {
  size_t begin, end; /* [begin, end) in the document; end 0 until closed */
} span;

typedef struct parse_state {
  const char *buf;
  size_t len;
  span *spans;
  size_t nspans, cap;
  int nomem;
  int doctype;
  long doctype_line;
  int have_xml_error;
  long xml_line;
  char xml_message[200];
  rl_config_error *err;
} parse_state;

static int fail_line(parse_state *st, int code, long line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int fail_line(parse_state *st, int code, long line, const char *fmt, ...) {
  rl_config_error *e = st->err;
  va_list ap;
  size_t n = 0;
  if (!e || e->code != 0) return code; /* keep the first error */
  e->code = code;
  e->line = line;
  if (line > 0) {
    int k = snprintf(e->message, sizeof e->message, "line %ld: ", line);
    n = k > 0 ? (size_t)k : 0;
  }
  if (n < sizeof e->message) {
    va_start(ap, fmt);
    vsnprintf(e->message + n, sizeof e->message - n, fmt, ap);
    va_end(ap);
  }
  return code;
}

static long node_line(const parse_state *st, const xmlNode *n);

#define FAIL(st, node, ...) fail_line((st), RL_ERR_SYNTAX, node_line((st), (node)), __VA_ARGS__)

static int nomem(parse_state *st) {
  return fail_line(st, RL_ERR_NOMEM, 0, "out of memory");
}

/* ---------------------------------------------------------------------
 * SAX hooks: element byte spans, DOCTYPE refusal, first libxml2 error
 * --------------------------------------------------------------------- */

static void on_start(void *ctx, const xmlChar *localname, const xmlChar *prefix,
                     const xmlChar *uri, int nb_namespaces, const xmlChar **namespaces,
                     int nb_attributes, int nb_defaulted, const xmlChar **attributes) {
  xmlParserCtxtPtr ctxt = ctx;
  parse_state *st = ctxt->_private;
  long consumed;
  size_t pos;
  xmlSAX2StartElementNs(ctx, localname, prefix, uri, nb_namespaces, namespaces,
                        nb_attributes, nb_defaulted, attributes);
  if (!ctxt->node || st->nomem) return;
  if (st->nspans == st->cap) {
    size_t ncap = st->cap ? st->cap * 2 : 64;
    span *ns = realloc(st->spans, ncap * sizeof *ns);
    if (!ns) {
      st->nomem = 1;
      return;
    }
    st->spans = ns;
    st->cap = ncap;
  }
  /* libxml2 calls this with its input at the '>' or "/>" closing the start
   * tag; the tag began at the last '<' before it, since '<' cannot occur
   * inside a tag (attribute values must escape it). */
  consumed = xmlByteConsumed(ctxt);
  pos = consumed < 0 ? 0 : (size_t)consumed;
  if (pos >= st->len) pos = st->len ? st->len - 1 : 0;
  while (pos > 0 && st->buf[pos] != '<') pos--;
  st->spans[st->nspans].begin = pos;
  st->spans[st->nspans].end = 0;
  st->nspans++;
  ctxt->node->_private = (void *)(uintptr_t)st->nspans;
}

static void on_end(void *ctx, const xmlChar *localname, const xmlChar *prefix,
                   const xmlChar *uri) {
  xmlParserCtxtPtr ctxt = ctx;
  parse_state *st = ctxt->_private;
  if (ctxt->node && ctxt->node->_private) {
    uintptr_t i = (uintptr_t)ctxt->node->_private;
    long consumed = xmlByteConsumed(ctxt); /* just after the end tag's '>' */
    if (i <= st->nspans && consumed > 0) st->spans[i - 1].end = (size_t)consumed;
  }
  xmlSAX2EndElementNs(ctx, localname, prefix, uri);
}

/* A DOCTYPE could declare entities (and with them entity expansion
 * attacks and external fetches); a configuration document needs none. */
static void on_doctype(void *ctx, const xmlChar *name, const xmlChar *external_id,
                       const xmlChar *system_id) {
  xmlParserCtxtPtr ctxt = ctx;
  parse_state *st = ctxt->_private;
  (void)name;
  (void)external_id;
  (void)system_id;
  st->doctype = 1;
  st->doctype_line = ctxt->input ? ctxt->input->line : 0;
  xmlStopParser(ctxt);
}

static void on_error(void *ctx, xmlErrorPtr e) {
  xmlParserCtxtPtr ctxt = ctx;
  parse_state *st = ctxt->_private;
  size_t n;
  if (!st || st->have_xml_error || !e || e->level < XML_ERR_ERROR) return;
  st->have_xml_error = 1;
  st->xml_line = e->line;
  snprintf(st->xml_message, sizeof st->xml_message, "%s",
           e->message ? e->message : "XML error");
  n = strlen(st->xml_message);
  while (n > 0 && (st->xml_message[n - 1] == '\n' || st->xml_message[n - 1] == ' '))
    st->xml_message[--n] = '\0';
}

/* The bytes of element n ("from the first < ... to the last >"), copied
 * into blob. */
static int copy_span(parse_state *st, const xmlNode *n, rl_config_blob *blob) {
  uintptr_t i = (uintptr_t)n->_private;
  const span *s;
  if (i == 0 || i > st->nspans) return FAIL(st, n, "<%s>: internal error: no byte span", n->name);
  s = &st->spans[i - 1];
  if (s->end <= s->begin || s->end > st->len || st->buf[s->begin] != '<' ||
      st->buf[s->end - 1] != '>')
    return FAIL(st, n, "<%s>: internal error: byte span %zu..%zu does not delimit the element",
                n->name, s->begin, s->end);
  blob->data = malloc(s->end - s->begin);
  if (!blob->data) return nomem(st);
  memcpy(blob->data, st->buf + s->begin, s->end - s->begin);
  blob->len = s->end - s->begin;
  blob->line = node_line(st, n);
  return 0;
}

/* The line an error is reported on. libxml2 numbers an element by the
 * line where its start tag ends and a text node by the line where the
 * text ends; a reader wants where they begin: for an element, count the
 * newlines before its '<'; for text, step back over its own newlines to
 * its first non-blank character. */
static long node_line(const parse_state *st, const xmlNode *n) {
  uintptr_t i = (uintptr_t)n->_private;
  long line = xmlGetLineNo(n);
  if (n->type == XML_ELEMENT_NODE && i > 0 && i <= st->nspans) {
    size_t end = st->spans[i - 1].begin;
    line = 1;
    for (size_t k = 0; k < end && k < st->len; k++) line += st->buf[k] == '\n';
  } else if ((n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE) && n->content) {
    const char *t = (const char *)n->content;
    long total = 0, lead = 0;
    int in_lead = 1;
    for (; *t; t++) {
      if (*t != ' ' && *t != '\t' && *t != '\n' && *t != '\r') in_lead = 0;
      if (*t == '\n') {
        total++;
        lead += in_lead;
      }
    }
    if (line - total + lead > 0) line = line - total + lead;
  }
  return line;
}

/* ---------------------------------------------------------------------
 * Names, text, values
 * --------------------------------------------------------------------- */

enum { NS_NONE, NS_BASE, NS_CHORD, NS_FOREIGN };

static int ns_class(const xmlNs *ns) {
  if (!ns || !ns->href) return NS_NONE;
  if (strcmp((const char *)ns->href, RL_CONFIG_NS_BASE) == 0) return NS_BASE;
  if (strcmp((const char *)ns->href, RL_CONFIG_NS_CHORD) == 0) return NS_CHORD;
  return NS_FOREIGN;
}

static int is_xml_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

static int all_space(const char *s) {
  for (; *s; s++)
    if (!is_xml_space(*s)) return 0;
  return 1;
}

/* Where an element may hold only child elements: text other than
 * whitespace is an error; comments and processing instructions are not. */
static int check_no_text(parse_state *st, const xmlNode *parent) {
  for (const xmlNode *c = parent->children; c; c = c->next) {
    if ((c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) && c->content &&
        !all_space((const char *)c->content)) {
      char q[48], t[64];
      const char *p = (const char *)c->content;
      size_t k = 0;
      while (is_xml_space(*p)) p++;
      while (p[k] && k + 1 < sizeof t) {
        t[k] = p[k];
        k++;
      }
      while (k > 0 && is_xml_space(t[k - 1])) k--;
      t[k] = '\0';
      return FAIL(st, c, "<%s>: unexpected text \"%s\"", parent->name,
                  rl_cfgv_excerpt(t, q, sizeof q));
    }
    if (c->type == XML_ENTITY_REF_NODE)
      return FAIL(st, c, "<%s>: entity reference &%s; is not allowed", parent->name, c->name);
  }
  return 0;
}

/* The text of a simple-typed element, with leading and trailing XML
 * whitespace removed (the RELAX NG token / XML Schema collapse rules the
 * example of 11.1 relies on: "<turn-density> 20 </turn-density>"). A child
 * element, even a foreign one, is an error: the grammar gives these
 * elements text content only. Returns a malloc'ed string or NULL (error
 * set). */
static char *element_text(parse_state *st, const xmlNode *n) {
  size_t total = 0, k = 0;
  char *out, *s, *e;
  for (const xmlNode *c = n->children; c; c = c->next) {
    if (c->type == XML_ELEMENT_NODE) {
      FAIL(st, c, "<%s> must hold only text, not the element <%s>", n->name, c->name);
      return NULL;
    }
    if (c->type == XML_ENTITY_REF_NODE) {
      FAIL(st, c, "<%s>: entity reference &%s; is not allowed", n->name, c->name);
      return NULL;
    }
    if ((c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) && c->content)
      total += strlen((const char *)c->content);
  }
  out = malloc(total + 1);
  if (!out) {
    nomem(st);
    return NULL;
  }
  for (const xmlNode *c = n->children; c; c = c->next) {
    if ((c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) && c->content) {
      size_t l = strlen((const char *)c->content);
      memcpy(out + k, c->content, l);
      k += l;
    }
  }
  out[k] = '\0';
  s = out;
  while (is_xml_space(*s)) s++;
  e = s + strlen(s);
  while (e > s && is_xml_space(e[-1])) e--;
  *e = '\0';
  if (s != out) memmove(out, s, (size_t)(e - s) + 1);
  return out;
}

/* The attributes an element of ours may carry: any attribute in a foreign
 * namespace (11.1.1 foreign-attributes), and the unqualified ones listed
 * in allowed (NULL terminated). */
static int check_attributes(parse_state *st, const xmlNode *n, const char *const *allowed) {
  for (const xmlAttr *a = n->properties; a; a = a->next) {
    int cls = ns_class(a->ns);
    int ok = 0;
    if (cls == NS_FOREIGN) continue;
    if (cls == NS_NONE)
      for (size_t i = 0; allowed && allowed[i]; i++)
        if (strcmp((const char *)a->name, allowed[i]) == 0) ok = 1;
    if (!ok)
      return FAIL(st, n, "<%s>: unknown attribute \"%s%s%s\"", n->name,
                  a->ns && a->ns->prefix ? (const char *)a->ns->prefix : "",
                  a->ns && a->ns->prefix ? ":" : "", a->name);
  }
  return 0;
}

/* The value of an unqualified attribute, trimmed, malloc'ed; *out NULL
 * when absent. */
static int attribute(parse_state *st, const xmlNode *n, const char *name, char **out) {
  xmlChar *v = xmlGetNoNsProp(n, (const xmlChar *)name);
  char *s, *e;
  *out = NULL;
  if (!v) return 0;
  s = (char *)v;
  while (is_xml_space(*s)) s++;
  e = s + strlen(s);
  while (e > s && is_xml_space(e[-1])) e--;
  *out = strndup(s, (size_t)(e - s));
  xmlFree(v);
  return *out ? 0 : nomem(st);
}

/* ---------------------------------------------------------------------
 * Values (config_value.h), with the element and line added to errors
 * --------------------------------------------------------------------- */

static int value_fail(parse_state *st, const xmlNode *n, const char *what, int r,
                      const char *why) {
  if (r == RL_ERR_NOMEM) return nomem(st);
  return FAIL(st, n, "%s: %s", what, why);
}

static int parse_integer(parse_state *st, const xmlNode *n, const char *what, const char *text,
                         long long lo, long long hi, long long *out) {
  char why[160];
  int r = rl_cfgv_integer(text, lo, hi, out, why, sizeof why);
  return r == 0 ? 0 : value_fail(st, n, what, r, why);
}

static int parse_boolean(parse_state *st, const xmlNode *n, const char *what, const char *text,
                         int *out) {
  char why[160];
  int r = rl_cfgv_boolean(text, out, why, sizeof why);
  return r == 0 ? 0 : value_fail(st, n, what, r, why);
}

static int parse_base64(parse_state *st, const xmlNode *n, const char *what, const char *text,
                        rl_config_blob *out) {
  char why[160];
  int r = rl_cfgv_base64(text, &out->data, &out->len, why, sizeof why);
  out->line = node_line(st, n);
  return r == 0 ? 0 : value_fail(st, n, what, r, why);
}

/* A Node-ID "in hexadecimal" (kind-signer, configuration-signer,
 * bad-node). Its length is not checked against node-id-length: the
 * example of 11.1 itself uses 8-byte values. */
static int parse_hex(parse_state *st, const xmlNode *n, const char *what, const char *text,
                     rl_config_blob *out) {
  char why[160];
  int r = rl_cfgv_hex(text, &out->data, &out->len, why, sizeof why);
  out->line = node_line(st, n);
  return r == 0 ? 0 : value_fail(st, n, what, r, why);
}

static int parse_datetime(parse_state *st, const xmlNode *n, const char *text, int64_t *out) {
  char why[160];
  int r = rl_cfgv_datetime(text, out, why, sizeof why);
  return r == 0 ? 0 : value_fail(st, n, "<configuration> expiration", r, why);
}

/* ---------------------------------------------------------------------
 * Lists
 * --------------------------------------------------------------------- */

static int grow(parse_state *st, void **v, size_t n, size_t size) {
  void *nv;
  if (n > SIZE_MAX / size - 1) return nomem(st);
  nv = realloc(*v, (n + 1) * size);
  if (!nv) return nomem(st);
  *v = nv;
  memset((char *)nv + n * size, 0, size);
  return 0;
}

static int push_string(parse_state *st, rl_config_strings *l, char *s) {
  int r = grow(st, (void **)&l->v, l->n, sizeof *l->v);
  if (r != 0) {
    free(s);
    return r;
  }
  l->v[l->n++] = s;
  return 0;
}

static int push_blob(parse_state *st, rl_config_blobs *l, rl_config_blob b) {
  int r = grow(st, (void **)&l->v, l->n, sizeof *l->v);
  if (r != 0) {
    free(b.data);
    return r;
  }
  l->v[l->n++] = b;
  return 0;
}

/* ---------------------------------------------------------------------
 * kind-block (11.1 required-kinds)
 * --------------------------------------------------------------------- */

enum { K_MAX_COUNT, K_MAX_SIZE, K_MAX_NODE_MULTIPLE, K_DATA_MODEL, K_ACCESS_CONTROL, K_COUNT };
static const char *const kind_elems[K_COUNT] = {"max-count", "max-size", "max-node-multiple",
                                                "data-model", "access-control"};

static int kind_value(parse_state *st, rl_config_kind *k, int which, const xmlNode *c,
                      char *text) {
  long long v = 0;
  int r = 0;
  char what[64];
  snprintf(what, sizeof what, "<%s>", kind_elems[which]);
  switch (which) {
  case K_DATA_MODEL:
    if (*text == '\0') return FAIL(st, c, "<data-model> is empty");
    k->data_model = text;
    k->model = rl_config_model_from_name(text);
    return 0;
  case K_ACCESS_CONTROL:
    if (*text == '\0') return FAIL(st, c, "<access-control> is empty");
    k->access_control = text;
    k->policy = rl_config_policy_from_name(text);
    return 0;
  case K_MAX_NODE_MULTIPLE:
    /* 11.1: "It MUST be an integer greater than 0." */
    r = parse_integer(st, c, what, text, 1, UINT32_MAX, &v);
    if (r == 0) k->max_node_multiple = (uint32_t)v;
    break;
  default: /* max-count, max-size: xsd:int; a negative limit means nothing */
    r = parse_integer(st, c, what, text, 0, INT32_MAX, &v);
    if (r == 0 && which == K_MAX_COUNT) k->max_count = (uint32_t)v;
    if (r == 0 && which == K_MAX_SIZE) k->max_size = (uint32_t)v;
    break;
  }
  free(text);
  return r;
}

static int parse_kind(parse_state *st, const xmlNode *n, rl_config_kind *k) {
  static const char *const attrs[] = {"name", "id", NULL};
  long seen[K_COUNT] = {0};
  char *id = NULL;
  int r = check_attributes(st, n, attrs);
  if (r == 0) r = attribute(st, n, "name", &k->name);
  if (r == 0) r = attribute(st, n, "id", &id);
  k->line = node_line(st, n);
  if (r == 0 && !k->name == !id)
    r = FAIL(st, n, "<kind> needs exactly one of the attributes name and id (RFC 6940 11.1)");
  if (r == 0 && id) {
    long long v;
    r = parse_integer(st, n, "<kind> id", id, 0, UINT32_MAX, &v);
    if (r == 0) {
      k->id = (uint32_t)v;
      k->id_known = 1;
    }
  }
  if (r == 0 && k->name) {
    const rl_kind_info *ki = rl_kind_find_name(k->name);
    if (*k->name == '\0') r = FAIL(st, n, "<kind>: the name attribute is empty");
    if (ki) {
      k->id = ki->id;
      k->id_known = 1;
    }
  }
  for (const xmlNode *c = n->children; r == 0 && c; c = c->next) {
    int cls, which = -1;
    char *text;
    if (c->type != XML_ELEMENT_NODE) continue;
    cls = ns_class(c->ns);
    if (cls == NS_FOREIGN) continue; /* kind-parameter &= foreign-elements* */
    for (int i = 0; cls == NS_BASE && i < K_COUNT; i++)
      if (strcmp((const char *)c->name, kind_elems[i]) == 0) which = i;
    if (which < 0) {
      r = FAIL(st, c, "<kind>: unknown element <%s>", c->name);
      break;
    }
    if (seen[which]) {
      r = FAIL(st, c, "<kind>: <%s> appears twice (first on line %ld)", c->name, seen[which]);
      break;
    }
    seen[which] = node_line(st, c);
    r = check_attributes(st, c, NULL);
    if (r != 0) break;
    text = element_text(st, c);
    if (!text) {
      r = st->err->code;
      break;
    }
    r = kind_value(st, k, which, c, text);
  }
  if (r == 0) r = check_no_text(st, n);
  /* 11.1: "the kind element MUST contain the following elements" */
  for (int i = 0; r == 0 && i < K_COUNT; i++)
    if (!seen[i] && i != K_MAX_NODE_MULTIPLE)
      r = FAIL(st, n, "<kind> lacks the required element <%s> (RFC 6940 11.1)", kind_elems[i]);
  if (r == 0 && k->policy == RL_ACCESS_NODE_MULTIPLE && !seen[K_MAX_NODE_MULTIPLE])
    r = FAIL(st, n, "<kind> with access control NODE-MULTIPLE lacks <max-node-multiple> "
             "(RFC 6940 11.1)");
  /* 11.1: for a Kind registered with IANA, "clients MUST ignore them in
   * favor of the IANA versions": the registered data model wins. */
  if (r == 0 && k->id_known) {
    const rl_kind_info *ki = rl_kind_find(k->id);
    if (ki) {
      k->registered = 1;
      k->model = (rl_DataModel)ki->data_model;
    }
  }
  if (r == 0) r = copy_span(st, n, &k->kind_xml);
  free(id);
  return r;
}

static int parse_kind_block(parse_state *st, const xmlNode *n, rl_config_kind *k) {
  static const char *const sig_attrs[] = {"algorithm", NULL};
  const xmlNode *kind = NULL, *sig = NULL;
  int r = check_attributes(st, n, NULL);
  for (const xmlNode *c = n->children; r == 0 && c; c = c->next) {
    int cls;
    if (c->type != XML_ELEMENT_NODE) continue;
    cls = ns_class(c->ns);
    if (cls == NS_FOREIGN) continue;
    if (cls == NS_BASE && strcmp((const char *)c->name, "kind") == 0) {
      if (kind) r = FAIL(st, c, "<kind-block> holds a second <kind> (first on line %ld)",
                         node_line(st, kind));
      kind = c;
    } else if (cls == NS_BASE && strcmp((const char *)c->name, "kind-signature") == 0) {
      if (sig) r = FAIL(st, c, "<kind-block> holds a second <kind-signature> (first on line %ld)",
                        node_line(st, sig));
      sig = c;
    } else {
      r = FAIL(st, c, "<kind-block>: unknown element <%s>", c->name);
    }
  }
  if (r == 0) r = check_no_text(st, n);
  if (r == 0 && !kind) r = FAIL(st, n, "<kind-block> lacks its <kind> element");
  if (r == 0) r = parse_kind(st, kind, k);
  /* The grammar makes kind-signature optional, the prose says a
   * kind-block "MUST contain" one: absence is left to the verifier, which
   * must refuse unsigned kinds when it checks kind-signer signatures. */
  if (r == 0 && sig) {
    char *text = NULL;
    r = check_attributes(st, sig, sig_attrs);
    if (r == 0) r = attribute(st, sig, "algorithm", &k->signature_algorithm);
    if (r == 0) {
      text = element_text(st, sig);
      if (!text) r = st->err->code;
    }
    if (r == 0) r = parse_base64(st, sig, "<kind-signature>", text, &k->signature);
    free(text);
  }
  return r;
}

static int parse_required_kinds(parse_state *st, const xmlNode *n, rl_overlay_config *cfg) {
  int r = check_attributes(st, n, NULL);
  if (r == 0) r = check_no_text(st, n);
  for (const xmlNode *c = n->children; r == 0 && c; c = c->next) {
    int cls;
    if (c->type != XML_ELEMENT_NODE) continue;
    cls = ns_class(c->ns);
    if (cls == NS_FOREIGN) continue;
    if (cls != NS_BASE || strcmp((const char *)c->name, "kind-block") != 0) {
      r = FAIL(st, c, "<required-kinds>: unknown element <%s> (only <kind-block>)", c->name);
      break;
    }
    r = grow(st, (void **)&cfg->kinds, cfg->nkinds, sizeof *cfg->kinds);
    if (r != 0) break;
    cfg->nkinds++;
    r = parse_kind_block(st, c, &cfg->kinds[cfg->nkinds - 1]);
    if (r != 0) break;
    for (size_t i = 0; i + 1 < cfg->nkinds; i++) {
      const rl_config_kind *a = &cfg->kinds[i], *b = &cfg->kinds[cfg->nkinds - 1];
      if ((a->id_known && b->id_known && a->id == b->id) ||
          (!a->id_known && !b->id_known && strcmp(a->name, b->name) == 0)) {
        r = FAIL(st, c, "kind %s%s%u is defined twice (first on line %ld)",
                 b->name ? b->name : "", b->name ? " = " : "", b->id, a->line);
        break;
      }
    }
  }
  return r;
}

/* ---------------------------------------------------------------------
 * configuration
 * --------------------------------------------------------------------- */

enum {
  E_TOPOLOGY, E_MAX_MESSAGE_SIZE, E_INITIAL_TTL, E_ROOT_CERT, E_REQUIRED_KINDS,
  E_ENROLLMENT_SERVER, E_KIND_SIGNER, E_CONFIGURATION_SIGNER, E_BAD_NODE, E_NO_ICE,
  E_SHARED_SECRET, E_LINK_PROTOCOL, E_CLIENTS_PERMITTED, E_TURN_DENSITY, E_NODE_ID_LENGTH,
  E_MANDATORY_EXTENSION, E_SELF_SIGNED, E_BOOTSTRAP_NODE, E_RELIABILITY_TIMER,
  E_CHORD_PING, E_CHORD_UPDATE, E_CHORD_REACTIVE, E_COUNT
};

static const struct {
  const char *name;
  int ns;
  int repeat; /* 0: at most once (the grammar's "?") */
} cfg_elems[E_COUNT] = {
    [E_TOPOLOGY] = {"topology-plugin", NS_BASE, 0},
    [E_MAX_MESSAGE_SIZE] = {"max-message-size", NS_BASE, 0},
    [E_INITIAL_TTL] = {"initial-ttl", NS_BASE, 0},
    [E_ROOT_CERT] = {"root-cert", NS_BASE, 1},
    [E_REQUIRED_KINDS] = {"required-kinds", NS_BASE, 0},
    [E_ENROLLMENT_SERVER] = {"enrollment-server", NS_BASE, 1},
    [E_KIND_SIGNER] = {"kind-signer", NS_BASE, 1},
    [E_CONFIGURATION_SIGNER] = {"configuration-signer", NS_BASE, 1},
    [E_BAD_NODE] = {"bad-node", NS_BASE, 1},
    [E_NO_ICE] = {"no-ice", NS_BASE, 0},
    [E_SHARED_SECRET] = {"shared-secret", NS_BASE, 0},
    [E_LINK_PROTOCOL] = {"overlay-link-protocol", NS_BASE, 1},
    [E_CLIENTS_PERMITTED] = {"clients-permitted", NS_BASE, 0},
    [E_TURN_DENSITY] = {"turn-density", NS_BASE, 0},
    [E_NODE_ID_LENGTH] = {"node-id-length", NS_BASE, 0},
    [E_MANDATORY_EXTENSION] = {"mandatory-extension", NS_BASE, 1},
    [E_SELF_SIGNED] = {"self-signed-permitted", NS_BASE, 0},
    [E_BOOTSTRAP_NODE] = {"bootstrap-node", NS_BASE, 1},
    /* In the prose and the example of 11.1, missing from the grammar. */
    [E_RELIABILITY_TIMER] = {"overlay-reliability-timer", NS_BASE, 0},
    [E_CHORD_PING] = {"chord-ping-interval", NS_CHORD, 0},
    [E_CHORD_UPDATE] = {"chord-update-interval", NS_CHORD, 0},
    [E_CHORD_REACTIVE] = {"chord-reactive", NS_CHORD, 0},
};

static int find_cfg_elem(const xmlNode *c) {
  int cls = ns_class(c->ns);
  for (int i = 0; i < E_COUNT; i++)
    if (cfg_elems[i].ns == cls && strcmp((const char *)c->name, cfg_elems[i].name) == 0) return i;
  return -1;
}

static int parse_bootstrap(parse_state *st, const xmlNode *c, rl_overlay_config *cfg) {
  static const char *const attrs[] = {"address", "port", NULL};
  rl_config_bootstrap *b;
  char *port = NULL;
  char q[48];
  int r = check_attributes(st, c, attrs);
  if (r == 0) r = grow(st, (void **)&cfg->bootstrap, cfg->nbootstrap, sizeof *cfg->bootstrap);
  if (r != 0) return r;
  b = &cfg->bootstrap[cfg->nbootstrap++];
  b->line = node_line(st, c);
  b->port = RL_CONFIG_DEFAULT_BOOTSTRAP_PORT;
  r = attribute(st, c, "address", &b->address);
  if (r == 0) r = attribute(st, c, "port", &port);
  if (r == 0 && !b->address) r = FAIL(st, c, "<bootstrap-node> lacks the address attribute");
  if (r == 0) {
    if (inet_pton(AF_INET, b->address, b->addr) == 1)
      b->family = AF_INET;
    else if (inet_pton(AF_INET6, b->address, b->addr) == 1)
      b->family = AF_INET6;
    else
      r = FAIL(st, c, "<bootstrap-node>: address \"%s\" is not an IPv4 or IPv6 address",
               rl_cfgv_excerpt(b->address, q, sizeof q));
  }
  if (r == 0 && port) {
    long long v;
    r = parse_integer(st, c, "<bootstrap-node> port", port, 1, 65535, &v);
    if (r == 0) b->port = (uint16_t)v;
  }
  if (r == 0) r = check_no_text(st, c);
  free(port);
  return r;
}

static int parse_self_signed(parse_state *st, const xmlNode *c, rl_overlay_config *cfg,
                             const char *text) {
  static const char *const attrs[] = {"digest", NULL};
  char *digest = NULL;
  char q[48];
  int r = check_attributes(st, c, attrs);
  if (r == 0) r = attribute(st, c, "digest", &digest);
  if (r == 0) r = parse_boolean(st, c, "<self-signed-permitted>", text, &cfg->self_signed_permitted);
  if (r == 0 && !digest)
    r = FAIL(st, c, "<self-signed-permitted> lacks the digest attribute (RFC 6940 11.1.1)");
  if (r == 0) {
    /* 11.1: "Valid values for this parameter are sha1 and sha256". */
    if (strcmp(digest, "sha1") == 0)
      cfg->self_signed_digest = RL_HashAlgorithm_sha1;
    else if (strcmp(digest, "sha256") == 0)
      cfg->self_signed_digest = RL_HashAlgorithm_sha256;
    else
      r = FAIL(st, c, "<self-signed-permitted>: digest \"%s\" is not sha1 or sha256",
               rl_cfgv_excerpt(digest, q, sizeof q));
  }
  cfg->has_self_signed = 1;
  free(digest);
  return r;
}

static int parse_root_cert(parse_state *st, const xmlNode *c, rl_overlay_config *cfg,
                           const char *text) {
  rl_config_blob b = {0};
  int r = parse_base64(st, c, "<root-cert>", text, &b);
  if (r == 0) {
    /* Refuse a root that is not a certificate now, with the line, rather
     * than failing every verification later. */
    const unsigned char *p = b.data;
    X509 *x = d2i_X509(NULL, &p, (long)b.len);
    if (!x || p != b.data + b.len)
      r = FAIL(st, c, "<root-cert> is not a DER X.509 certificate (%zu bytes after base64)", b.len);
    X509_free(x);
  }
  if (r == 0) return push_blob(st, &cfg->root_certs, b);
  free(b.data);
  return r;
}

/* A simple-typed child of configuration; text is consumed. */
static int cfg_value(parse_state *st, rl_overlay_config *cfg, int which, const xmlNode *c,
                     char *text) {
  char what[64];
  long long v = 0;
  int r = 0;
  rl_config_blob b = {0};
  snprintf(what, sizeof what, "<%s>", cfg_elems[which].name);
  switch (which) {
  case E_TOPOLOGY:
    if (*text == '\0') r = FAIL(st, c, "<topology-plugin> is empty");
    if (r == 0) {
      free(cfg->topology_plugin);
      cfg->topology_plugin = text;
      text = NULL;
    }
    break;
  case E_MAX_MESSAGE_SIZE:
    r = parse_integer(st, c, what, text, 1, UINT32_MAX, &v);
    if (r == 0) cfg->max_message_size = (uint32_t)v;
    break;
  case E_INITIAL_TTL: /* the TTL field it initializes has 8 bits (6.3.2) */
    r = parse_integer(st, c, what, text, 1, 255, &v);
    if (r == 0) cfg->initial_ttl = (uint8_t)v;
    break;
  case E_ROOT_CERT:
    r = parse_root_cert(st, c, cfg, text);
    break;
  case E_ENROLLMENT_SERVER:
    /* 11.1: "This URL MUST be of type https:" */
    if (strncasecmp(text, "https://", 8) != 0 || text[8] == '\0') {
      char q[48];
      r = FAIL(st, c, "<enrollment-server> \"%s\" is not an https: URL (RFC 6940 11.1)",
               rl_cfgv_excerpt(text, q, sizeof q));
    } else {
      r = push_string(st, &cfg->enrollment_servers, text);
      text = NULL;
    }
    break;
  case E_KIND_SIGNER:
  case E_CONFIGURATION_SIGNER:
  case E_BAD_NODE:
    r = parse_hex(st, c, what, text, &b);
    if (r == 0)
      r = push_blob(st, which == E_KIND_SIGNER ? &cfg->kind_signers
                        : which == E_BAD_NODE  ? &cfg->bad_nodes
                                               : &cfg->configuration_signers, b);
    break;
  case E_NO_ICE:
    r = parse_boolean(st, c, what, text, &cfg->no_ice);
    break;
  case E_CLIENTS_PERMITTED:
    r = parse_boolean(st, c, what, text, &cfg->clients_permitted);
    break;
  case E_CHORD_REACTIVE:
    r = parse_boolean(st, c, what, text, &cfg->chord_reactive);
    break;
  case E_SHARED_SECRET:
    cfg->shared_secret = text;
    text = NULL;
    break;
  case E_LINK_PROTOCOL:
  case E_MANDATORY_EXTENSION:
    if (*text == '\0') {
      r = FAIL(st, c, "%s is empty", what);
    } else {
      r = push_string(st, which == E_LINK_PROTOCOL ? &cfg->link_protocols
                                                   : &cfg->mandatory_extensions, text);
      text = NULL;
    }
    break;
  case E_TURN_DENSITY:
    r = parse_integer(st, c, what, text, 0, 255, &v);
    if (r == 0) cfg->turn_density = (uint8_t)v;
    break;
  case E_NODE_ID_LENGTH: /* 11.1: "MUST be between 16 (128 bits) and 20 (160 bits)" */
    r = parse_integer(st, c, what, text, 16, 20, &v);
    if (r == 0) cfg->node_id_length = (uint8_t)v;
    break;
  case E_SELF_SIGNED:
    r = parse_self_signed(st, c, cfg, text);
    break;
  case E_RELIABILITY_TIMER: /* 11.1: "MUST be at least 200 milliseconds" */
    r = parse_integer(st, c, what, text, 200, UINT32_MAX, &v);
    if (r == 0) cfg->reliability_timer = (uint32_t)v;
    break;
  case E_CHORD_PING:
    r = parse_integer(st, c, what, text, 1, INT32_MAX, &v);
    if (r == 0) {
      cfg->chord_ping_interval = (int32_t)v;
      cfg->has_chord_ping_interval = 1;
    }
    break;
  case E_CHORD_UPDATE:
    r = parse_integer(st, c, what, text, 1, INT32_MAX, &v);
    if (r == 0) cfg->chord_update_interval = (int32_t)v;
    break;
  default:
    r = FAIL(st, c, "%s: internal error: no handler", what);
    break;
  }
  free(text);
  return r;
}

/* A foreign element of <configuration> (11.1.1 foreign-elements): ours
 * (RL_CONFIG_NS_EXT) are read, the others ignored. */
static int ext_child(parse_state *st, rl_overlay_config *cfg, const xmlNode *c) {
  char *text;
  long long v;
  int r;
  if (strcmp((const char *)c->ns->href, RL_CONFIG_NS_EXT) != 0) return 0;
  if (strcmp((const char *)c->name, "replication-factor") != 0)
    return FAIL(st, c, "<configuration>: unknown element <%s> in namespace " RL_CONFIG_NS_EXT,
                c->name);
  r = check_attributes(st, c, NULL);
  if (r != 0) return r;
  text = element_text(st, c);
  if (!text) return st->err->code;
  r = parse_integer(st, c, "<replication-factor>", text, 2, RL_CONFIG_MAX_REPLICATION_FACTOR, &v);
  if (r == 0) cfg->replication_factor = (uint32_t)v;
  free(text);
  return r;
}

static int cfg_child(parse_state *st, rl_overlay_config *cfg, const xmlNode *c, long *seen) {
  int which = find_cfg_elem(c);
  int cls = ns_class(c->ns);
  char *text;
  int r;
  if (which < 0) {
    if (cls == NS_BASE && strcmp((const char *)c->name, "topology-plug-in") == 0)
      return FAIL(st, c, "<configuration>: unknown element <topology-plug-in> (the grammar of "
                  "RFC 6940 11.1.1 spells it topology-plugin)");
    return FAIL(st, c, "<configuration>: unknown element <%s%s>%s", cls == NS_CHORD ? "chord:" : "",
                c->name, cls == NS_NONE ? " in no namespace" : "");
  }
  if (!cfg_elems[which].repeat && seen[which])
    return FAIL(st, c, "<%s> appears twice in <configuration> (first on line %ld)", c->name,
                seen[which]);
  seen[which] = node_line(st, c);
  if (which == E_REQUIRED_KINDS) {
    cfg->has_required_kinds = 1;
    return parse_required_kinds(st, c, cfg);
  }
  if (which == E_BOOTSTRAP_NODE) return parse_bootstrap(st, c, cfg);
  if (which != E_SELF_SIGNED) {
    r = check_attributes(st, c, NULL);
    if (r != 0) return r;
  }
  text = element_text(st, c);
  if (!text) return st->err->code;
  return cfg_value(st, cfg, which, c, text);
}

static int parse_configuration(parse_state *st, const xmlNode *n, rl_overlay_config *cfg) {
  static const char *const attrs[] = {"instance-name", "expiration", "sequence", NULL};
  long seen[E_COUNT] = {0};
  char *seq = NULL, *exp = NULL;
  int r = check_attributes(st, n, attrs);
  cfg->line = node_line(st, n);
  if (r == 0) r = attribute(st, n, "instance-name", &cfg->instance_name);
  if (r == 0) r = attribute(st, n, "sequence", &seq);
  if (r == 0) r = attribute(st, n, "expiration", &exp);
  if (r == 0 && (!cfg->instance_name || *cfg->instance_name == '\0'))
    r = FAIL(st, n, "<configuration> lacks the instance-name attribute (RFC 6940 11.1)");
  if (r == 0 && seq) {
    long long v;
    /* 11.1: "A monotonically increasing sequence number between 0 and
     * 2^16-2" (65535 is the ConfigUpdate wildcard of 6.3.2.1). */
    r = parse_integer(st, n, "<configuration> sequence", seq, 0, 65534, &v);
    cfg->sequence = (uint16_t)v;
    cfg->has_sequence = 1;
  }
  if (r == 0 && exp) {
    r = parse_datetime(st, n, exp, &cfg->expiration);
    cfg->has_expiration = 1;
  }
  if (r == 0) r = check_no_text(st, n);
  for (const xmlNode *c = n->children; r == 0 && c; c = c->next) {
    if (c->type != XML_ELEMENT_NODE) continue;
    if (ns_class(c->ns) == NS_FOREIGN) {
      r = ext_child(st, cfg, c);
      continue;
    }
    r = cfg_child(st, cfg, c, seen);
  }
  if (r == 0) r = copy_span(st, n, &cfg->configuration_xml);
  free(seq);
  free(exp);
  return r;
}

static int parse_signature(parse_state *st, const xmlNode *n, rl_overlay_config *cfg) {
  static const char *const attrs[] = {"algorithm", NULL};
  char *alg = NULL, *text = NULL;
  rl_config_blob b = {0};
  int r = check_attributes(st, n, attrs);
  if (r == 0) r = attribute(st, n, "algorithm", &alg);
  if (r == 0) {
    text = element_text(st, n);
    if (!text) r = st->err->code;
  }
  if (r == 0) r = parse_base64(st, n, "<signature>", text, &b);
  if (r == 0) r = push_blob(st, &cfg->signatures, b);
  if (r == 0) {
    /* Kept parallel to signatures: "" when there is no algorithm. */
    char *a = alg ? alg : strdup("");
    alg = NULL;
    r = a ? push_string(st, &cfg->signature_algorithms, a) : nomem(st);
  }
  free(alg);
  free(text);
  return r;
}

static int parse_overlay(parse_state *st, const xmlNode *root, rl_config_document *doc) {
  int r;
  if (ns_class(root->ns) != NS_BASE || strcmp((const char *)root->name, "overlay") != 0)
    return FAIL(st, root, "the root element is <%s>%s%s%s, not <overlay> in namespace "
                RL_CONFIG_NS_BASE, root->name, root->ns ? " in namespace " : " in no namespace",
                root->ns && root->ns->href ? (const char *)root->ns->href : "", "");
  r = check_attributes(st, root, NULL);
  if (r == 0) r = check_no_text(st, root);
  for (const xmlNode *c = root->children; r == 0 && c; c = c->next) {
    int cls;
    if (c->type != XML_ELEMENT_NODE) continue;
    cls = ns_class(c->ns);
    if (cls == NS_FOREIGN) continue;
    if (cls == NS_BASE && strcmp((const char *)c->name, "configuration") == 0) {
      r = grow(st, (void **)&doc->configs, doc->nconfigs, sizeof *doc->configs);
      if (r != 0) break;
      rl_config_init(&doc->configs[doc->nconfigs]);
      doc->nconfigs++;
      r = parse_configuration(st, c, &doc->configs[doc->nconfigs - 1]);
    } else if (cls == NS_BASE && strcmp((const char *)c->name, "signature") == 0) {
      /* 11.1: signature elements "provide a signature over the preceding
       * configuration element". */
      if (doc->nconfigs == 0)
        r = FAIL(st, c, "<signature> before any <configuration> (it signs the one before it)");
      else
        r = parse_signature(st, c, &doc->configs[doc->nconfigs - 1]);
    } else {
      r = FAIL(st, c, "<overlay>: unknown element <%s>", c->name);
    }
  }
  if (r == 0 && doc->nconfigs == 0)
    r = FAIL(st, root, "<overlay> holds no <configuration> (RFC 6940 11.1.1 requires one)");
  return r;
}

/* ---------------------------------------------------------------------
 * Entry points
 * --------------------------------------------------------------------- */

/* 11.1: "The file MUST use the UTF-8 character encoding." A byte order
 * mark or the zero bytes of UTF-16/32 give the others away before
 * libxml2 converts them. */
static int other_encoding_prefix(const char *buf, size_t len) {
  const unsigned char *b = (const unsigned char *)buf;
  if (len >= 2 && ((b[0] == 0xfe && b[1] == 0xff) || (b[0] == 0xff && b[1] == 0xfe))) return 1;
  if (len >= 2 && (b[0] == 0 || b[1] == 0)) return 1;
  return 0;
}

int rl_config_parse(const char *buf, size_t len, rl_config_document *doc, rl_config_error *err) {
  rl_config_error local;
  parse_state st;
  xmlParserCtxtPtr ctxt = NULL;
  xmlDocPtr xdoc = NULL;
  int r = 0;
  memset(&st, 0, sizeof st);
  doc->configs = NULL;
  doc->nconfigs = 0;
  st.err = err ? err : &local;
  memset(st.err, 0, sizeof *st.err);
  st.buf = buf;
  st.len = len;
  if (len > RL_CONFIG_MAX_DOCUMENT) {
    r = fail_line(&st, RL_ERR_SYNTAX, 0, "document of %zu bytes is larger than the %u allowed",
                  len, RL_CONFIG_MAX_DOCUMENT);
    goto done;
  }
  if (other_encoding_prefix(buf, len)) {
    r = fail_line(&st, RL_ERR_UNSUPPORTED, 1, "the document is not UTF-8 (RFC 6940 11.1: "
                  "\"The file MUST use the UTF-8 character encoding\")");
    goto done;
  }
  ctxt = xmlCreateMemoryParserCtxt(buf, (int)len);
  if (!ctxt) {
    r = len == 0 ? fail_line(&st, RL_ERR_SYNTAX, 0, "the document is empty") : nomem(&st);
    goto done;
  }
  xmlCtxtUseOptions(ctxt, XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |
                              XML_PARSE_BIG_LINES | XML_PARSE_NOCDATA);
  ctxt->_private = &st;
  ctxt->sax->startElementNs = on_start;
  ctxt->sax->endElementNs = on_end;
  ctxt->sax->internalSubset = on_doctype;
  ctxt->sax->serror = on_error;
  xmlParseDocument(ctxt);
  xdoc = ctxt->myDoc;
  ctxt->myDoc = NULL;
  if (st.doctype) {
    r = fail_line(&st, RL_ERR_UNSUPPORTED, st.doctype_line,
                  "a DOCTYPE is not allowed in an overlay configuration document");
    goto done;
  }
  if (st.nomem) {
    r = nomem(&st);
    goto done;
  }
  if (!ctxt->wellFormed || !xdoc) {
    r = fail_line(&st, RL_ERR_SYNTAX, st.have_xml_error ? st.xml_line : 0,
                  "not well-formed XML: %s", st.have_xml_error ? st.xml_message : "parse failed");
    goto done;
  }
  if (xdoc->encoding && strcasecmp((const char *)xdoc->encoding, "UTF-8") != 0 &&
      strcasecmp((const char *)xdoc->encoding, "UTF8") != 0) {
    char q[48];
    r = fail_line(&st, RL_ERR_UNSUPPORTED, 1, "encoding \"%s\" is not UTF-8 (RFC 6940 11.1)",
                  rl_cfgv_excerpt((const char *)xdoc->encoding, q, sizeof q));
    goto done;
  }
  if (st.have_xml_error) { /* a namespace error libxml2 does not count as fatal */
    r = fail_line(&st, RL_ERR_SYNTAX, st.xml_line, "%s", st.xml_message);
    goto done;
  }
  r = parse_overlay(&st, xmlDocGetRootElement(xdoc), doc);
done:
  if (r != 0) rl_config_document_free(doc);
  if (xdoc) xmlFreeDoc(xdoc);
  if (ctxt) xmlFreeParserCtxt(ctxt);
  free(st.spans);
  return r;
}

int rl_config_load_file(const char *path, rl_config_document *doc, rl_config_error *err) {
  rl_config_error local;
  rl_config_error *e = err ? err : &local;
  FILE *f = NULL;
  char *buf = NULL;
  size_t n = 0, cap = 0;
  int r = 0;
  doc->configs = NULL;
  doc->nconfigs = 0;
  memset(e, 0, sizeof *e);
  f = fopen(path, "rb");
  if (!f) {
    e->code = r = RL_ERR_IO;
    snprintf(e->message, sizeof e->message, "%s: %s", path, strerror(errno));
    goto done;
  }
  for (;;) {
    size_t got;
    if (n == cap) {
      char *nb;
      if (cap >= RL_CONFIG_MAX_DOCUMENT) break; /* rl_config_parse says too large */
      cap = cap ? cap * 2 : 8192;
      nb = realloc(buf, cap + 1);
      if (!nb) {
        e->code = r = RL_ERR_NOMEM;
        snprintf(e->message, sizeof e->message, "%s: out of memory", path);
        goto done;
      }
      buf = nb;
    }
    got = fread(buf + n, 1, cap - n, f);
    n += got;
    if (got == 0) break;
  }
  if (ferror(f)) {
    e->code = r = RL_ERR_IO;
    snprintf(e->message, sizeof e->message, "%s: read error", path);
    goto done;
  }
  if (n == cap && cap >= RL_CONFIG_MAX_DOCUMENT && fgetc(f) != EOF) n = cap + 1;
  r = rl_config_parse(buf ? buf : "", n, doc, e);
  if (r != 0) {
    /* "path:LINE: reason", the form editors jump to. */
    char msg[sizeof e->message + 1024];
    const char *reason = e->message;
    if (e->line > 0 && strncmp(reason, "line ", 5) == 0) {
      const char *colon = strstr(reason, ": ");
      if (colon) reason = colon + 2;
      snprintf(msg, sizeof msg, "%s:%ld: %s", path, e->line, reason);
    } else {
      snprintf(msg, sizeof msg, "%s: %s", path, reason);
    }
    memcpy(e->message, msg, sizeof e->message - 1);
    e->message[sizeof e->message - 1] = '\0';
  }
done:
  if (f) fclose(f);
  free(buf);
  return r;
}

