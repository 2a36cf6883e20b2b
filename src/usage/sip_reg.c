/* usage/sip_reg.c: RFC 7904 3.2, 6 and 7. */
#include "usage/sip_reg.h"

#include <string.h>

#include <openssl/evp.h>

#include "peer/msg.h"
#include "runtime/cursor.h"
#include "runtime/error.h"
#include "runtime/writer.h"

long rl_sip_aor_name(const rl_sip_uri *uri, char *out, size_t cap) {
  long ulen;
  size_t n;
  if ((uri->scheme != RL_SIP_SCHEME_SIP && uri->scheme != RL_SIP_SCHEME_SIPS) || !uri->user.p ||
      uri->user.len == 0 || uri->host_type != RL_SIP_HOST_NAME || uri->host.len == 0)
    return RL_ERR_SYNTAX;
  /* 7: "Escaped characters ('%' encoding) in the SIP AOR also need to be
   * decoded prior to matching". */
  ulen = rl_sip_unescape(uri->user, out, cap);
  if (ulen < 0) return RL_ERR_BUFFER;
  n = (size_t)ulen;
  if (n + 1 + uri->host.len + 1 > cap) return RL_ERR_BUFFER;
  out[n++] = '@';
  for (size_t i = 0; i < uri->host.len; i++) {
    char c = uri->host.p[i];
    out[n++] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
  }
  out[n] = 0;
  return (long)n;
}

long rl_sip_reg_encode_route(const uint8_t *node_id, size_t id_len, const char *contact_prefs,
                             uint8_t *buf, size_t cap) {
  rl_SipRegistration r;
  rl_Destination d;
  rl_writer w;
  memset(&r, 0, sizeof r);
  rl_dest_node(&d, node_id, id_len);
  r.type = RL_SipRegistrationType_sip_registration_route;
  r.data.sip_registration_route.contact_prefs.ptr = (const uint8_t *)contact_prefs;
  r.data.sip_registration_route.contact_prefs.len = strlen(contact_prefs);
  r.data.sip_registration_route.destination_list = &d;
  r.data.sip_registration_route.destination_list_count = 1;
  rl_writer_init(&w, buf, cap, NULL);
  if (rl_SipRegistration_encode(&w, &r) != 0 || w.err) return RL_ERR_BUFFER;
  return (long)w.len;
}

int rl_sip_reg_decode(const uint8_t *value, size_t len, rl_ctx *ctx, rl_sip_reg_target *out) {
  rl_SipRegistration r;
  const rl_Destination *last;
  int rc = rl_SipRegistration_parse(value, len, ctx, &r);
  memset(out, 0, sizeof *out);
  if (rc != 0) return rc;
  if (r.type == RL_SipRegistrationType_sip_registration_uri) {
    out->is_uri = 1;
    out->uri = r.data.uri;
    return 0;
  }
  if (r.type != RL_SipRegistrationType_sip_registration_route) return RL_ERR_UNSUPPORTED;
  if (r.data.sip_registration_route.destination_list_count == 0) return RL_ERR_UNSUPPORTED;
  last = &r.data.sip_registration_route.destination_list
              [r.data.sip_registration_route.destination_list_count - 1];
  /* 5.1: the connection goes to the Peer at the end of the list. */
  if (last->compressed || last->type != RL_DestinationType_node ||
      last->destination_data.node_id.len > sizeof out->node_id)
    return RL_ERR_UNSUPPORTED;
  memcpy(out->node_id, last->destination_data.node_id.ptr, last->destination_data.node_id.len);
  out->node_id_len = last->destination_data.node_id.len;
  out->contact_prefs = r.data.sip_registration_route.contact_prefs;
  return 0;
}

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

long rl_sip_gruu_encode(const uint8_t *node_id, size_t id_len, char *out, size_t cap) {
  uint8_t raw[4 + RL_NODE_ID_MAX];
  rl_Destination d;
  rl_writer w;
  rl_dest_node(&d, node_id, id_len);
  rl_writer_init(&w, raw, sizeof raw, NULL);
  if (rl_Destination_encode(&w, &d) != 0 || w.err) return RL_ERR_BUFFER;
  if ((w.len + 2) / 3 * 4 + 1 > cap) return RL_ERR_BUFFER;
  /* EVP_EncodeBlock writes RFC 4648 table 1 base64 and a NUL. */
  EVP_EncodeBlock((unsigned char *)out, raw, (int)w.len);
  /* 6: '~' "is used in place of '='" (a URI parameter cannot hold '='). */
  for (char *c = out; *c; c++)
    if (*c == '=') *c = '~';
  return (long)strlen(out);
}

static int b64_value(char c) {
  const char *p = c ? strchr(b64, c) : NULL;
  return p ? (int)(p - b64) : -1;
}

int rl_sip_gruu_decode(rl_sip_str gr, rl_ctx *ctx, size_t id_len, uint8_t *node_id) {
  uint8_t raw[64];
  size_t n = 0, i;
  rl_cursor c;
  rl_Destination d, last;
  int have = 0;
  if (!gr.p || gr.len == 0 || gr.len % 4 != 0 || gr.len / 4 * 3 > sizeof raw) return RL_ERR_SYNTAX;
  for (i = 0; i < gr.len; i += 4) {
    int v[4];
    int pad = 0;
    for (int k = 0; k < 4; k++) {
      char ch = gr.p[i + k];
      if (ch == '~' && k >= 2 && i + 4 == gr.len) {
        v[k] = 0;
        pad++;
      } else if (pad || (v[k] = b64_value(ch)) < 0) {
        return RL_ERR_SYNTAX;
      }
    }
    raw[n++] = (uint8_t)(v[0] << 2 | v[1] >> 4);
    if (pad < 2) raw[n++] = (uint8_t)((v[1] & 15) << 4 | v[2] >> 2);
    if (pad < 1) raw[n++] = (uint8_t)((v[2] & 3) << 6 | v[3]);
  }
  rl_cursor_init(&c, raw, n);
  while (!rl_cursor_empty(&c)) {
    if (rl_Destination_decode(&c, ctx, &d) != 0) return RL_ERR_SYNTAX;
    last = d;
    have = 1;
  }
  if (!have || last.compressed || last.type != RL_DestinationType_node ||
      last.destination_data.node_id.len != id_len)
    return RL_ERR_SYNTAX;
  memcpy(node_id, last.destination_data.node_id.ptr, id_len);
  return 0;
}
