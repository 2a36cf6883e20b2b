/* config_write.c: writing overlay configuration documents (see
 * config.h). libxml2's xmlTextWriter does the escaping and namespaces. */
#define _POSIX_C_SOURCE 200809L

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include <libxml/xmlwriter.h>
#include <openssl/evp.h>

#include "overlay/config.h"
#include "overlay/config_value.h"
#include "runtime/error.h"

/* Write calls go through a small wrapper that remembers the first
 * failure, so that the body reads as the document it writes and the
 * result is checked once. */
typedef struct wr {
  xmlTextWriterPtr w;
  int err;
} wr;

static void chk(wr *w, int rc) {
  if (rc < 0 && !w->err) w->err = RL_ERR_NOMEM;
}

static void start(wr *w, const char *prefix, const char *name) {
  if (!w->err) chk(w, xmlTextWriterStartElementNS(w->w, (const xmlChar *)prefix,
                                                   (const xmlChar *)name, NULL));
}

static void end(wr *w) {
  if (!w->err) chk(w, xmlTextWriterEndElement(w->w));
}

static void attr(wr *w, const char *name, const char *value) {
  if (!w->err) chk(w, xmlTextWriterWriteAttribute(w->w, (const xmlChar *)name,
                                                  (const xmlChar *)value));
}

static void text_elem(wr *w, const char *prefix, const char *name, const char *text) {
  if (!w->err) chk(w, xmlTextWriterWriteElementNS(w->w, (const xmlChar *)prefix,
                                                   (const xmlChar *)name, NULL,
                                                   (const xmlChar *)text));
}

static void num_elem(wr *w, const char *prefix, const char *name, long long v) {
  char buf[32];
  snprintf(buf, sizeof buf, "%lld", v);
  text_elem(w, prefix, name, buf);
}

static void bool_elem(wr *w, const char *prefix, const char *name, int v) {
  text_elem(w, prefix, name, v ? "true" : "false");
}

static void hex_elem(wr *w, const char *name, const rl_config_blob *b) {
  static const char digits[] = "0123456789abcdef";
  char *s = malloc(b->len * 2 + 1);
  if (!s) {
    w->err = RL_ERR_NOMEM;
    return;
  }
  for (size_t i = 0; i < b->len; i++) {
    s[2 * i] = digits[b->data[i] >> 4];
    s[2 * i + 1] = digits[b->data[i] & 15];
  }
  s[b->len * 2] = '\0';
  text_elem(w, NULL, name, s);
  free(s);
}

/* base64 in lines of 64 characters, so that root certificates stay
 * readable in the document. */
static void b64_text(wr *w, const rl_config_blob *b) {
  size_t n = 4 * ((b->len + 2) / 3);
  unsigned char *enc = malloc(n + 1);
  /* n characters, a newline before and after each line of 64 (at most
   * n / 64 + 1 lines), the NUL */
  char *out = malloc(n + n / 64 + 3);
  size_t k = 0;
  if (!enc || !out) {
    w->err = RL_ERR_NOMEM;
  } else {
    EVP_EncodeBlock(enc, b->data, (int)b->len);
    if (n > 64) out[k++] = '\n';
    for (size_t i = 0; i < n; i += 64) {
      size_t l = n - i < 64 ? n - i : 64;
      memcpy(out + k, enc + i, l);
      k += l;
      if (n > 64) out[k++] = '\n';
    }
    out[k] = '\0';
    if (!w->err) chk(w, xmlTextWriterWriteString(w->w, (const xmlChar *)out));
  }
  free(enc);
  free(out);
}

static void b64_elem(wr *w, const char *name, const rl_config_blob *b, const char *algorithm) {
  start(w, NULL, name);
  if (algorithm && *algorithm) attr(w, "algorithm", algorithm);
  b64_text(w, b);
  end(w);
}

static void write_time(wr *w, int64_t t) {
  char buf[48];
  rl_cfgv_format_datetime(t, buf, sizeof buf);
  attr(w, "expiration", buf);
}

static int write_kind(wr *w, const rl_config_kind *k) {
  const char *model = k->data_model ? k->data_model : rl_config_model_name(k->model);
  const char *policy = k->access_control ? k->access_control : rl_config_policy_name(k->policy);
  char id[16];
  if ((!k->name && !k->id_known) || !model || !policy) return RL_ERR_PARAM;
  start(w, NULL, "kind-block");
  start(w, NULL, "kind");
  if (k->name) {
    attr(w, "name", k->name);
  } else {
    snprintf(id, sizeof id, "%u", k->id);
    attr(w, "id", id);
  }
  text_elem(w, NULL, "data-model", model);
  text_elem(w, NULL, "access-control", policy);
  num_elem(w, NULL, "max-count", k->max_count);
  num_elem(w, NULL, "max-size", k->max_size);
  if (k->max_node_multiple) num_elem(w, NULL, "max-node-multiple", k->max_node_multiple);
  end(w);
  if (k->signature.len) b64_elem(w, "kind-signature", &k->signature, k->signature_algorithm);
  end(w);
  return 0;
}

static int write_config(wr *w, const rl_overlay_config *c) {
  int r = 0;
  if (!c->instance_name || !*c->instance_name) return RL_ERR_PARAM;
  start(w, NULL, "configuration");
  attr(w, "instance-name", c->instance_name);
  if (c->has_sequence) {
    char seq[16];
    snprintf(seq, sizeof seq, "%u", c->sequence);
    attr(w, "sequence", seq);
  }
  if (c->has_expiration) write_time(w, c->expiration);
  if (c->topology_plugin && strcmp(c->topology_plugin, RL_CONFIG_DEFAULT_TOPOLOGY) != 0)
    text_elem(w, NULL, "topology-plugin", c->topology_plugin);
  if (c->node_id_length != RL_CONFIG_DEFAULT_NODE_ID_LENGTH)
    num_elem(w, NULL, "node-id-length", c->node_id_length);
  for (size_t i = 0; i < c->root_certs.n; i++) b64_elem(w, "root-cert", &c->root_certs.v[i], NULL);
  for (size_t i = 0; i < c->enrollment_servers.n; i++)
    text_elem(w, NULL, "enrollment-server", c->enrollment_servers.v[i]);
  if (c->has_self_signed || c->self_signed_permitted) {
    start(w, NULL, "self-signed-permitted");
    attr(w, "digest", c->self_signed_digest == RL_HashAlgorithm_sha256 ? "sha256" : "sha1");
    if (!w->err)
      chk(w, xmlTextWriterWriteString(w->w, (const xmlChar *)(c->self_signed_permitted ? "true"
                                                                                      : "false")));
    end(w);
  }
  for (size_t i = 0; i < c->nbootstrap; i++) {
    const rl_config_bootstrap *b = &c->bootstrap[i];
    char addr[INET6_ADDRSTRLEN];
    const char *a = b->address;
    if (!a) a = inet_ntop(b->family, b->addr, addr, sizeof addr);
    if (!a) return RL_ERR_PARAM;
    start(w, NULL, "bootstrap-node");
    attr(w, "address", a);
    if (b->port != RL_CONFIG_DEFAULT_BOOTSTRAP_PORT) {
      char port[8];
      snprintf(port, sizeof port, "%u", b->port);
      attr(w, "port", port);
    }
    end(w);
  }
  if (c->turn_density != RL_CONFIG_DEFAULT_TURN_DENSITY)
    num_elem(w, NULL, "turn-density", c->turn_density);
  if (!c->clients_permitted) bool_elem(w, NULL, "clients-permitted", 0);
  if (c->no_ice) bool_elem(w, NULL, "no-ice", 1);
  if (c->has_chord_ping_interval)
    num_elem(w, "chord", "chord-ping-interval", c->chord_ping_interval);
  if (c->chord_update_interval != RL_CONFIG_DEFAULT_CHORD_UPDATE_INTERVAL)
    num_elem(w, "chord", "chord-update-interval", c->chord_update_interval);
  if (!c->chord_reactive) bool_elem(w, "chord", "chord-reactive", 0);
  if (c->replication_factor != RL_CONFIG_DEFAULT_REPLICATION_FACTOR)
    num_elem(w, "ext", "replication-factor", c->replication_factor);
  if (c->shared_secret) text_elem(w, NULL, "shared-secret", c->shared_secret);
  if (c->max_message_size != RL_CONFIG_DEFAULT_MAX_MESSAGE_SIZE)
    num_elem(w, NULL, "max-message-size", c->max_message_size);
  if (c->initial_ttl != RL_CONFIG_DEFAULT_INITIAL_TTL)
    num_elem(w, NULL, "initial-ttl", c->initial_ttl);
  if (c->reliability_timer != RL_CONFIG_DEFAULT_RELIABILITY_TIMER)
    num_elem(w, NULL, "overlay-reliability-timer", c->reliability_timer);
  for (size_t i = 0; i < c->link_protocols.n; i++)
    text_elem(w, NULL, "overlay-link-protocol", c->link_protocols.v[i]);
  for (size_t i = 0; i < c->configuration_signers.n; i++)
    hex_elem(w, "configuration-signer", &c->configuration_signers.v[i]);
  for (size_t i = 0; i < c->kind_signers.n; i++) hex_elem(w, "kind-signer", &c->kind_signers.v[i]);
  for (size_t i = 0; i < c->bad_nodes.n; i++) hex_elem(w, "bad-node", &c->bad_nodes.v[i]);
  for (size_t i = 0; i < c->mandatory_extensions.n; i++)
    text_elem(w, NULL, "mandatory-extension", c->mandatory_extensions.v[i]);
  if (c->nkinds || c->has_required_kinds) {
    start(w, NULL, "required-kinds");
    for (size_t i = 0; r == 0 && i < c->nkinds; i++) r = write_kind(w, &c->kinds[i]);
    end(w);
  }
  end(w);
  for (size_t i = 0; r == 0 && i < c->signatures.n; i++)
    b64_elem(w, "signature", &c->signatures.v[i],
             i < c->signature_algorithms.n ? c->signature_algorithms.v[i] : NULL);
  return r;
}

int rl_config_write(const rl_config_document *doc, char **out, size_t *len) {
  xmlBufferPtr buf = xmlBufferCreate();
  wr w = {NULL, 0};
  int r = 0;
  *out = NULL;
  *len = 0;
  if (!buf) return RL_ERR_NOMEM;
  w.w = xmlNewTextWriterMemory(buf, 0);
  if (!w.w) {
    r = RL_ERR_NOMEM;
    goto done;
  }
  chk(&w, xmlTextWriterSetIndent(w.w, 1));
  chk(&w, xmlTextWriterSetIndentString(w.w, (const xmlChar *)"  "));
  chk(&w, xmlTextWriterStartDocument(w.w, "1.0", "UTF-8", NULL));
  if (!w.err)
    chk(&w, xmlTextWriterStartElementNS(w.w, NULL, (const xmlChar *)"overlay",
                                        (const xmlChar *)RL_CONFIG_NS_BASE));
  attr(&w, "xmlns:chord", RL_CONFIG_NS_CHORD);
  attr(&w, "xmlns:ext", RL_CONFIG_NS_EXT);
  for (size_t i = 0; r == 0 && i < doc->nconfigs; i++) r = write_config(&w, &doc->configs[i]);
  end(&w);
  if (!w.err) chk(&w, xmlTextWriterEndDocument(w.w));
  if (r == 0) r = w.err;
  xmlFreeTextWriter(w.w); /* flushes into buf */
  w.w = NULL;
  if (r == 0) {
    size_t n = (size_t)xmlBufferLength(buf);
    *out = malloc(n + 1);
    if (!*out) {
      r = RL_ERR_NOMEM;
      goto done;
    }
    memcpy(*out, xmlBufferContent(buf), n);
    (*out)[n] = '\0';
    *len = n;
  }
done:
  xmlBufferFree(buf);
  return r;
}
