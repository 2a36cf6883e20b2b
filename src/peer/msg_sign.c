/* msg_sign.c: rl_msg_encode_signed (msg.h). Apart from msg.c so that
 * the header functions link without the security modules (the fuzz
 * targets build them alone). */
#include "peer/msg.h"

#include <string.h>

#include "codec/message.h"
#include "peer/msg_internal.h"
#include "security/sign.h"

/* Room for the signature value: RSA up to 8192 bits, any ECDSA. */
#define SIG_MAX 1024

static void put_x509(rl_writer *w, const rl_cert *c) {
  rl_GenericCertificate gc;
  memset(&gc, 0, sizeof gc);
  gc.type = RL_CertificateType_X509;
  gc.certificate.ptr = c->der;
  gc.certificate.len = c->der_len;
  rl_GenericCertificate_encode(w, &gc);
}

int rl_msg_encode_signed(rl_writer *w, const rl_msg_out *m, const rl_credentials *cred,
                         rl_cert *const *extra_certs, size_t nextra, rl_sec_error *e) {
  rl_ForwardingHeader f;
  rl_MessageContents mc;
  rl_Signature sig;
  rl_msg_header_pos pos;
  uint8_t sigbuf[SIG_MAX];
  size_t contents_start, certs_pos;
  int r;
  if (w->err) return w->err;
  if (!cred || !cred->cert || (nextra && !extra_certs) || !w->buf)
    return rl_sec_fail(e, RL_ERR_PARAM, "rl_msg_encode_signed: no credentials or no buffer");

  memset(&f, 0, sizeof f);
  f.overlay = m->overlay;
  f.configuration_sequence = m->configuration_sequence;
  f.version = RL_MSG_VERSION;
  /* 6.7: an unfragmented message is "the only fragment": 0xC0000000. */
  f.fragment = RL_FRAGMENT_HIGH_BIT | RL_FRAGMENT_LAST;
  f.transaction_id = m->transaction_id;
  f.max_response_length = m->max_response_length;
  rl_msg_write_header_start(w, &f, m->ttl, m->via_list, m->via_count, m->destination_list,
                            m->destination_count, &pos);
  {
    size_t s = w->len;
    for (size_t i = 0; i < m->options_count && !w->err; i++)
      rl_ForwardingOption_encode(w, &m->options[i]);
    rl_writer_patch(w, pos.options_length, 2, w->len - s, "options_length");
  }

  memset(&mc, 0, sizeof mc);
  mc.message_code = m->message_code;
  if (m->body) mc.message_body = *m->body;
  /* The codec's list members are not const; encoding only reads them. */
  mc.extensions = (rl_MessageExtension *)m->extensions;
  mc.extensions_count = m->extensions_count;
  contents_start = w->len;
  rl_MessageContents_encode(w, &mc);
  if (w->err) return rl_sec_fail(e, w->err, "encoding the message: %s", rl_strerror(w->err));

  /* 6.3.4: the signature covers overlay || transaction_id ||
   * MessageContents, the bytes just written. */
  r = rl_sign_message(cred, m->overlay, m->transaction_id, w->buf + contents_start,
                      w->len - contents_start, sigbuf, sizeof sigbuf, &sig, e);
  if (r != 0) return r;

  certs_pos = rl_writer_reserve(w, 2);
  if (!m->no_certificates) {
    put_x509(w, cred->cert);
    for (size_t i = 0; i < nextra; i++) put_x509(w, extra_certs[i]);
  }
  rl_writer_fill(w, certs_pos, 2, 0u, 65535u, "certificates");
  rl_Signature_encode(w, &sig);
  rl_writer_patch(w, pos.length, 4, w->len - pos.start, "length");
  if (w->err) return rl_sec_fail(e, w->err, "encoding the message: %s", rl_strerror(w->err));
  return 0;
}
