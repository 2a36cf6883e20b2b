/* peer/node_recv.c: the top of the node core, receiving: a message off a
 * link or from ourselves is checked (6.3.2), forwarded (6.1.2, 6.2) or
 * delivered: verified (6.3.4), matched to our transaction or handed to
 * the request handlers (node_handlers.c and the others of the middle). */
#define _GNU_SOURCE
#include "peer/node_int.h"

#include <stdlib.h>
#include <string.h>

#include "codec/message.h"
#include "runtime/cursor.h"

static void deliver_local(rl_node *n, rl_conn *from, const uint8_t *msg, size_t len,
                          const rl_ForwardingHeader *fh0);

void rl_node_local_drain(rl_node *n) {
  while (n->nlocal > 0) {
    uint8_t *b = n->local[0].bytes;
    size_t len = n->local[0].len;
    n->nlocal--;
    memmove(&n->local[0], &n->local[1], n->nlocal * sizeof n->local[0]);
    rl_node_process_message(n, NULL, b, len);
    free(b);
    rl_node_chord_actions(n);
  }
}

static int opt_known(const rl_ForwardingOption *o) {
  /* The codec knows the option types of the specs it was built from
   * (RFC 7263's ExtensiveRoutingModeOption); the peer implements none of
   * them, so for the critical flags every option is "not understood". */
  (void)o;
  return 0;
}

/* 6.3.2.3: the first option with `flag` set that we do not understand. */
static const rl_ForwardingOption *critical_option(const rl_ForwardingHeader *fh, uint8_t flag) {
  for (size_t i = 0; i < fh->options_count; i++)
    if ((fh->options[i].flags & flag) && !opt_known(&fh->options[i])) return &fh->options[i];
  return NULL;
}

/* The message code of an unfragmented message (or a first fragment),
 * read without decoding: it follows the forwarding header. -1 if unknown. */
static int peek_code(const rl_ForwardingHeader *fh, const uint8_t *msg, size_t len) {
  size_t off = fh->raw.len;
  if ((fh->fragment & RL_FRAGMENT_OFFSET_MASK) != 0 || off + 2 > len) return -1;
  return (msg[off] << 8) | msg[off + 1];
}

/* Forward a message whose Destination List, after this node's work, is
 * dest[0..ndest) (6.1.2). */
static void forward(rl_node *n, rl_conn *from, const uint8_t *msg, size_t len,
                    const rl_ForwardingHeader *fh, const rl_Destination *dest, size_t ndest,
                    rl_conn *to, int code) {
  rl_Destination *via;
  size_t nvia = fh->via_list_count;
  rl_writer w;
  int request = code < 0 || rl_node_is_request_code((rl_MessageCode)code);
  int whole = rl_message_is_whole(fh->fragment);
  uint8_t ttl = fh->ttl;
  const rl_ForwardingOption *crit;

  if (n->opt.client) {
    n->st.dropped++;
    return; /* clients never route (4.2) */
  }
  if (ttl == 0 && !RL_BROKEN(n, RL_BREAK_IGNORE_TTL)) {
    /* 6.3.2: not propagated further; Error_TTL_Exceeded. Checked before
     * the loop check below: a message that would go back where it came
     * from is not "destined for the receiving node" either. */
    n->st.dropped++;
    if (request && code >= 0)
      rl_node_reply_error(n, from, fh,
                           RL_BROKEN(n, RL_BREAK_WRONG_TTL_ERROR) ? RL_ErrorCode_Error_Not_Found
                                                                  : RL_ErrorCode_Error_TTL_Exceeded,
                           "TTL reached 0 at this peer");
    return;
  }
  if (to == from && from) {
    /* Back where it came from would loop between the two of us until the
     * TTL runs out: drop it; the originator retransmits (6.2.1) once the
     * routing tables agree again. */
    rl_node_log(n, 2, "drop txid %016llx: next hop is the previous hop",
                (unsigned long long)fh->transaction_id);
    n->st.dropped++;
    return;
  }
  if (request && (crit = critical_option(fh, RL_FORWARD_CRITICAL)) != NULL) {
    n->st.dropped++;
    if (code >= 0)
      rl_node_reply_error(n, from, fh, RL_ErrorCode_Error_Unsupported_Forwarding_Option,
                           "forwarding option type %u is FORWARD_CRITICAL and not supported",
                           (unsigned)crit->type);
    return;
  }
  /* 6.1.2: append the previous hop to the Via List; compress a long one
   * into a 16-bit opaque ID (6.3.2.2) on whole requests. */
  via = rl_arena_alloc_array(&n->arena, nvia + 1, sizeof *via);
  if (!via) return;
  memcpy(via, fh->via_list, nvia * sizeof *via);
  if (from && from->bound) {
    rl_dest_node(&via[nvia++], from->id.b, n->id_len);
    if (request) rl_node_guard_forwarded(n, from, fh);
  }
  if (whole && request && nvia >= 4 && n->viatab) {
    uint16_t oid;
    if (rl_viatab_save(n->viatab, via, nvia, rl_node_ms(n), &oid) == 0) {
      rl_dest_compressed(&via[0], oid);
      nvia = 1;
    }
  }
  if (ttl > 0) ttl--;
  rl_writer_init(&w, n->out2, n->out_cap, NULL);
  if (rl_msg_rewrite(&w, msg, len, fh, ttl, via, nvia, dest, ndest) != 0 || w.err) {
    rl_node_log(n, 1, "cannot forward txid %016llx: %s", (unsigned long long)fh->transaction_id,
                rl_strerror(w.err ? w.err : RL_ERR_BUFFER));
    n->st.dropped++;
    return;
  }
  n->st.forwarded++;
  rl_node_log(n, 3, "forward txid %016llx ttl %u", (unsigned long long)fh->transaction_id, ttl);
  if (rl_node_conn_send(n, to, n->out2, w.len) != 0) n->st.dropped++;
}

static int dest_raw_cmp(const void *a, const void *b) {
  const rl_Destination *x = *(const rl_Destination *const *)a;
  const rl_Destination *y = *(const rl_Destination *const *)b;
  if (x->raw.len != y->raw.len) return x->raw.len < y->raw.len ? -1 : 1;
  return memcmp(x->raw.ptr, y->raw.ptr, x->raw.len);
}

/* 13.6.5: does the Destination List name an entry twice (the same wire
 * bytes)? Sorted, so that a list of thousands of 2-byte compressed
 * entries costs n log n, not n^2; the pointers live in the arena. A list
 * too long for the arena counts as a duplicate: it is refused, not
 * routed unchecked. */
static int dest_list_has_duplicate(rl_node *n, const rl_ForwardingHeader *fh) {
  size_t k = fh->destination_list_count;
  const rl_Destination **v;
  if (k < 2) return 0;
  v = rl_arena_alloc_array(&n->arena, k, sizeof *v);
  if (!v) return 1;
  for (size_t i = 0; i < k; i++) v[i] = &fh->destination_list[i];
  qsort(v, k, sizeof *v, dest_raw_cmp);
  for (size_t i = 1; i < k; i++)
    if (dest_raw_cmp(&v[i - 1], &v[i]) == 0) return 1;
  return 0;
}

/* 6.1: examine the Destination List and forward or consume. */
/* The header's checks before anything else (6.1, 6.3.2, 6.7, 13.6.5):
 * 1 when the message was refused (answered or dropped). */
static int header_refused(rl_node *n, rl_conn *from, const rl_ForwardingHeader *fh, int code) {
  int request = code >= 0 && rl_node_is_request_code((rl_MessageCode)code);
  if (!(fh->fragment & RL_FRAGMENT_HIGH_BIT) && !RL_BROKEN(n, RL_BREAK_FRAGMENT_LOW_BIT)) {
    /* 6.7: "Because messages MUST be set with the high bit set to 1,
     * implementations SHOULD discard any message with it set to 0." */
    rl_node_log(n, 1, "drop txid %016llx: fragment field %08x without its high bit",
                (unsigned long long)fh->transaction_id, (unsigned)fh->fragment);
    n->st.dropped++;
    return 1;
  }
  if (fh->overlay != n->overlay && !RL_BROKEN(n, RL_BREAK_IGNORE_OVERLAY)) {
    /* 6.1, 6.3.2: another overlay: discard. */
    rl_node_log(n, 1, "drop txid %016llx: overlay %08x is not ours (%08x)",
                (unsigned long long)fh->transaction_id, (unsigned)fh->overlay, (unsigned)n->overlay);
    n->st.dropped++;
    return 1;
  }
  if (rl_node_guard_budget(n, from, fh, code)) return 1;
  if (fh->version != RL_VERSION_1_0 && !RL_BROKEN(n, RL_BREAK_IGNORE_VERSION)) {
    /* 6.3.2: "Nodes MUST reject messages with other versions." */
    n->st.dropped++;
    if (request)
      rl_node_reply_error(n, from, fh, RL_ErrorCode_Error_Incompatible_with_Overlay,
                           "RELOAD version 0x%02x is not supported (0x0a)", (unsigned)fh->version);
    return 1;
  }
  if (fh->ttl > n->cfg->initial_ttl && !RL_BROKEN(n, RL_BREAK_TTL_ABOVE_INITIAL)) {
    /* 6.3.2: a TTL above initial-ttl: discard, Error_TTL_Exceeded. */
    n->st.dropped++;
    if (request)
      rl_node_reply_error(n, from, fh, RL_ErrorCode_Error_TTL_Exceeded,
                           "TTL %u exceeds the overlay's initial-ttl %u", (unsigned)fh->ttl,
                           (unsigned)n->cfg->initial_ttl);
    return 1;
  }
  if (!RL_BROKEN(n, RL_BREAK_DUPLICATE_DEST) && dest_list_has_duplicate(n, fh)) {
    /* 13.6.5: "implementations SHOULD check the Destination List for
     * duplicate entries and discard such records with an
     * Error_Invalid_Message error" (loops as an attack). */
    n->st.dropped++;
    if (request)
      rl_node_reply_error(n, from, fh, RL_ErrorCode_Error_Invalid_Message,
                           "the Destination List has an entry twice (RFC 6940 13.6.5)");
    else
      rl_node_log(n, 1, "drop txid %016llx: an entry twice in the Destination List",
                  (unsigned long long)fh->transaction_id);
    return 1;
  }
  return 0;
}

/* 6.1.3: a compressed entry (or opaque id) is ours to expand: the saved
 * Via List, reversed, replaces it. 0 with the new list, or -1 (stale:
 * 6.3.2.2, silently dropped). */
static int expand_entry(rl_node *n, const rl_Destination **dest, size_t *ndest, size_t i) {
  const rl_Destination *d = &(*dest)[i], *saved;
  rl_Destination *expanded;
  size_t nsaved;
  uint16_t oid = d->compressed ? d->opaque_id : 0;
  if (!d->compressed) {
    if (d->destination_data.opaque_id.len != 2) return -1;
    oid = (uint16_t)(d->destination_data.opaque_id.ptr[0] << 8 | d->destination_data.opaque_id.ptr[1]);
  }
  if (!n->viatab || rl_viatab_lookup(n->viatab, oid, rl_node_ms(n), &saved, &nsaved) != 0) return -1;
  expanded = rl_arena_alloc_array(&n->arena, nsaved + (*ndest - i - 1), sizeof *expanded);
  if (!expanded) return -1;
  for (size_t k = 0; k < nsaved; k++) expanded[k] = saved[nsaved - 1 - k];
  memcpy(expanded + nsaved, *dest + i + 1, (*ndest - i - 1) * sizeof *expanded);
  *dest = expanded;
  *ndest = nsaved + (*ndest - i - 1);
  return 0;
}

void rl_node_process_message(rl_node *n, rl_conn *from, const uint8_t *msg, size_t len) {
  rl_ForwardingHeader fh;
  rl_ctx ctx;
  const rl_Destination *dest;
  size_t ndest, i;
  int code, local = 0;
  rl_conn *to;
  rl_arena_reset(&n->arena);
  n->nunknown = 0;
  if (rl_msg_parse_header(msg, len, &n->arena, &n->params, &ctx, &fh) != 0) {
    /* Without a header there is nobody to answer (6.1). */
    char eb[256];
    rl_node_log(n, 1, "drop a message: forwarding header: %s",
                rl_errinfo_format(&ctx.err, eb, sizeof eb));
    n->st.dropped++;
    return;
  }
  code = peek_code(&fh, msg, len);
  if (header_refused(n, from, &fh, code)) return;
  dest = fh.destination_list;
  ndest = fh.destination_list_count;
  i = 0;
  for (int rounds = 0; rounds < 8; rounds++) {
    const rl_Destination *d;
    if (i >= ndest) {
      /* Every entry consumed: the last one was this node (6.1.1). */
      local = 1;
      break;
    }
    d = &dest[i];
    if (d->compressed || d->type == RL_DestinationType_opaque_id_type) {
      if (expand_entry(n, &dest, &ndest, i) != 0) goto drop;
      i = 0;
      continue;
    }
    if (rl_dest_is_wildcard(d)) {
      local = 1; /* 6.1.1: consumed here, never forwarded */
      break;
    }
    to = rl_node_guard_answer_link(n, rl_node_next_hop(n, d, &local), d, &fh, code);
    if (local) {
      if (d->type == RL_DestinationType_node) {
        /* Our own Node-ID: pop it and look at the next entry. */
        i++;
        local = 0;
        continue;
      }
      /* A Resource-ID we are responsible for: MUST be the last entry. */
      if (i + 1 != ndest) goto drop;
      break;
    }
    if (!to) {
      if (d->type == RL_DestinationType_node && !n->opt.client &&
          rl_chord_is_responsible(n->chord, d->destination_data.node_id.ptr))
        goto drop; /* 6.1.1: a Node-ID in our range that is not connected */
      n->st.dropped++;
      if (code >= 0 && rl_node_is_request_code((rl_MessageCode)code))
        rl_node_reply_error(n, from, &fh, RL_ErrorCode_Error_Not_Found,
                             "no route towards the destination");
      return;
    }
    forward(n, from, msg, len, &fh, dest + i, ndest - i, to, code);
    return;
  }
  if (!local) goto drop;
  deliver_local(n, from, msg, len, &fh);
  return;
drop:
  n->st.dropped++;
  rl_node_log(n, 2, "drop txid %016llx (destination list)", (unsigned long long)fh.transaction_id);
}

/* Keep the certificates of a security block (6.3.4: "certificates ...
 * cached"), within a bound. */
static void cache_certs(rl_node *n, const rl_SecurityBlock *sb) {
  /* Zeroed: rl_sec_fail keeps the first error only (a nonzero code from
   * the stack would leave the text unset, then read by rl_sec_prefix). */
  rl_sec_error e = {0, ""};
  if (n->certs.n >= RL_NODE_MAX_CERTS) {
    /* Start over, keeping our own. */
    rl_cert_set_clear(&n->certs);
    rl_cert_set_init(&n->certs);
    rl_cert_set_add(&n->certs, n->cred->cert);
    for (size_t i = 0; i < n->napp_certs; i++) rl_cert_set_add(&n->certs, n->app_certs[i]);
  }
  rl_cert_set_add_security_block(&n->certs, sb, &e);
}

/* Did decoding fail on a select's type that has no case (6.3.1.1)? The
 * codec reports RL_ERR_BAD_SELECTOR for a defined value without a case,
 * RL_ERR_BAD_ENUM for a value the enum does not define -- which it also
 * reports for a Boolean other than 0 or 1, a plain field, not a select:
 * that one is an ordinary parsing error (Error_Invalid_Message). */
static int unknown_select_type(const rl_errinfo *e) {
  if (e->code == RL_ERR_BAD_SELECTOR) return 1;
  return e->code == RL_ERR_BAD_ENUM && !(e->reason && strstr(e->reason, "Boolean"));
}

/* A message for us that does not decode: answer a request from its
 * header alone (Error_Invalid_Message, or the Kinds unknown, 6.3.3.1),
 * or drop it. */
static void undecodable(rl_node *n, rl_conn *from, const uint8_t *whole, size_t whole_len,
                        const rl_ctx *ctx, int rc) {
  rl_ForwardingHeader h2;
  rl_ctx c2;
  char eb[256];
  int code;
  rl_errinfo_format(&ctx->err, eb, sizeof eb);
  /* Answer from the header alone, decoded again into the arena's rest. */
  if (rl_msg_parse_header(whole, whole_len, &n->arena, &n->params, &c2, &h2) != 0) {
    n->st.dropped++;
    return;
  }
  code = peek_code(&h2, whole, whole_len);
  if (code < 0 || !rl_node_is_request_code((rl_MessageCode)code)) {
    rl_node_log(n, 1, "drop an answer that does not decode: %s", eb);
    n->st.dropped++;
    return;
  }
  if (unknown_select_type(&ctx->err)) {
    /* 6.3.1.1: "any unknown type SHOULD be treated as a parsing error,
     * and the whole message SHOULD be discarded with no response." */
    rl_node_log(n, 1, "drop %s txid %016llx: %s", rl_node_code_name(code),
                (unsigned long long)h2.transaction_id, eb);
    n->st.dropped++;
    return;
  }
  if (rc == RL_ERR_PARAM && n->nunknown > 0 &&
      (code == RL_MessageCode_store_req || code == RL_MessageCode_fetch_req ||
       code == RL_MessageCode_stat_req)) {
    rl_KindId kinds[16];
    size_t nk = n->nunknown;
    memcpy(kinds, n->unknown_kinds, nk * sizeof kinds[0]);
    if (RL_BROKEN(n, RL_BREAK_WRONG_UNKNOWN_KIND))
      rl_node_reply_error(n, from, &h2, RL_ErrorCode_Error_Not_Found, "no such kind");
    else
      rl_node_reply_unknown_kinds(n, from, &h2, kinds, nk);
    return;
  }
  rl_node_reply_error(n, from, &h2, RL_ErrorCode_Error_Invalid_Message, "%s", eb);
}

/* 6.3.4, 13: verify before acting; the signer's certificate must be valid
 * in this overlay. 0, or the message was refused (answered or dropped). */
static int verify_signer(rl_node *n, rl_conn *from, const rl_Message *m, int code,
                         rl_signer_info *who) {
  rl_sec_error e;
  int rc;
  cache_certs(n, &m->security_block);
  memset(&e, 0, sizeof e);
  memset(who, 0, sizeof *who);
  rc = rl_find_signer(&n->certs, &m->security_block.signature.identity, who, &e);
  if (rc == 0) rc = rl_node_trust_check(n, who->cert, &e);
  if (rc == 0) rc = rl_verify_message(m, &n->certs, who, &e);
  if (rc != 0 && RL_BROKEN(n, RL_BREAK_ACCEPT_BAD_SIGNATURE) && who->cert &&
      rl_node_is_request_code((rl_MessageCode)code))
    rc = 0;
  if (rc == 0) return 0;
  n->st.dropped++;
  if (rl_node_is_request_code((rl_MessageCode)code))
    rl_node_reply_error(n, from, &m->forwarding_header, RL_ErrorCode_Error_Forbidden,
                         "signature not accepted: %s", e.text[0] ? e.text : rl_strerror(rc));
  else
    rl_node_log(n, 1, "drop %s txid %016llx: signature not accepted: %s", rl_node_code_name(code),
                (unsigned long long)m->forwarding_header.transaction_id,
                e.text[0] ? e.text : rl_strerror(rc));
  return -1;
}

/* 6.3.2.1: a request with another configuration sequence is refused, and
 * one with an older sequence gets our configuration. 1 when refused. */
static int config_seq_refused(rl_node *n, rl_conn *from, const rl_Message *m, int code,
                              const rl_signer_info *who) {
  uint16_t theirs = m->forwarding_header.configuration_sequence, ours = n->cfg->sequence;
  int16_t diff;
  if (!n->cfg->has_sequence || RL_BROKEN(n, RL_BREAK_IGNORE_CONFIG_SEQ) || theirs == ours ||
      (code == RL_MessageCode_config_update_req && theirs == 0xffff))
    return 0;
  /* Modulo arithmetic as in TCP. */
  diff = (int16_t)(uint16_t)(theirs - ours);
  rl_node_reply_error(n, from, &m->forwarding_header,
                       diff < 0 ? RL_ErrorCode_Error_Config_Too_Old
                                : RL_ErrorCode_Error_Config_Too_New,
                       "configuration sequence %u, this peer has %u", (unsigned)theirs,
                       (unsigned)ours);
  /* "if the configuration file in the request is too old, the node MUST
   * generate a ConfigUpdate message to update the requesting node." */
  if (diff < 0 && who->node_id_len == n->id_len && !RL_BROKEN(n, RL_BREAK_NO_CONFIG_UPDATE))
    rl_node_send_config_update(n, who->node_id);
  return 1;
}

/* A verified request for us: a retransmission gets the same answer
 * (6.2.1); the configuration sequence, critical forwarding options and
 * critical extensions are checked; then the handlers answer it. */
static void request_in(rl_node *n, rl_conn *from, const rl_Message *m, int code,
                       const rl_signer_info *who, const uint8_t *whole, size_t whole_len) {
  const rl_resp_cache *r;
  const rl_ForwardingOption *crit;
  rl_message_unknowns u;
  n->st.requests_in++;
  rl_node_log(n, 2, "recv %s txid %016llx", rl_node_code_name(code),
              (unsigned long long)m->forwarding_header.transaction_id);
  if ((r = rl_node_resp_cache_get(n, m->forwarding_header.transaction_id)) != NULL && from) {
    rl_node_conn_send(n, from, r->bytes, r->len);
    return;
  }
  if (config_seq_refused(n, from, m, code, who)) return;
  if ((crit = critical_option(&m->forwarding_header, RL_DESTINATION_CRITICAL)) != NULL &&
      !RL_BROKEN(n, RL_BREAK_IGNORE_DEST_CRITICAL)) {
    rl_node_reply_error(n, from, &m->forwarding_header,
                         RL_ErrorCode_Error_Unsupported_Forwarding_Option,
                         "forwarding option type %u is DESTINATION_CRITICAL and not supported",
                         (unsigned)crit->type);
    return;
  }
  rl_message_unknowns_count(m, &u);
  if (u.critical_extensions && !RL_BROKEN(n, RL_BREAK_IGNORE_CRITICAL_EXT)) {
    rl_node_reply_error(n, from, &m->forwarding_header, RL_ErrorCode_Error_Unknown_Extension,
                         "%zu critical message extension(s) not understood",
                         u.critical_extensions);
    return;
  }
  n->cur_req = whole;
  n->cur_req_len = whole_len;
  rl_node_handle_request(n, from, m, who);
  n->cur_req = NULL;
  n->cur_req_len = 0;
}

/* A verified answer: match it with our transaction (6.2.1). */
static void answer_in(rl_node *n, rl_conn *from, const rl_Message *m, int code,
                      const rl_signer_info *who) {
  n->st.answers_in++;
  for (size_t i = 0; i < n->max_txns; i++) {
    rl_txn *t = &n->txns[i];
    rl_node_answer a;
    char text[600];
    if (!t->used || t->id != m->forwarding_header.transaction_id) continue;
    memset(&a, 0, sizeof a);
    a.answer = m;
    a.hops = (unsigned)m->forwarding_header.via_list_count + (from ? 1 : 0);
    a.latency_us = n->now_us - t->started_us;
    a.responder = who->node_id;
    a.responder_len = who->node_id_len;
    if (code == RL_MessageCode_error) {
      const rl_ErrorResponse *er = &m->message_contents.message_body.error;
      size_t k, tl = er->error_info.raw.len < sizeof text - 1 ? er->error_info.raw.len
                                                              : sizeof text - 1;
      a.status = er->error_code ? er->error_code : 0xffff;
      for (k = 0; k < tl; k++) {
        uint8_t ch = er->error_info.raw.ptr[k];
        text[k] = (ch >= 32 && ch < 127) ? (char)ch : '.';
      }
      text[tl] = 0;
      a.error_text = text;
    }
    rl_node_log(n, 2, "recv %s txid %016llx after %u hop(s)", rl_node_code_name(code),
                (unsigned long long)t->id, a.hops);
    rl_node_txn_answer(n, t, &a);
    return;
  }
  rl_node_log(n, 2, "drop %s txid %016llx: no such transaction", rl_node_code_name(code),
              (unsigned long long)m->forwarding_header.transaction_id);
}

static void deliver_local(rl_node *n, rl_conn *from, const uint8_t *msg, size_t len,
                          const rl_ForwardingHeader *fh0) {
  rl_Message m;
  rl_ctx ctx;
  rl_signer_info who;
  int rc, code;
  const uint8_t *whole = msg;
  size_t whole_len = len;
  if (!rl_message_is_whole(fh0->fragment)) {
    /* 6.7: hold the fragments until the message is complete. */
    rc = rl_reasm_add(n->reasm, from ? from->key : 0, msg, len, rl_node_ms(n), &whole, &whole_len);
    if (rc == 0) return;
    if (rc < 0) {
      rl_node_guard_reasm_refused(n, from, fh0, rc);
      return;
    }
    /* The whole message has its own (first fragment's) header. */
  }
  rl_arena_reset(&n->arena);
  n->nunknown = 0;
  rl_ctx_init(&ctx, &n->arena, &n->params);
  rc = rl_message_parse(whole, whole_len, &ctx, &m);
  if (rc != 0) {
    undecodable(n, from, whole, whole_len, &ctx, rc);
    return;
  }
  code = m.message_contents.message_code;
  if (verify_signer(n, from, &m, code, &who) != 0) return;
  if (from && !from->bound && m.forwarding_header.via_list_count == 0 &&
      who.node_id_len == n->id_len) {
    /* Insecure links learn the far end's Node-ID from its first signed
     * message that it originated. */
    memcpy(from->id.b, who.node_id, n->id_len);
    from->bound = 1;
    rl_node_conn_bound_event(n, from);
  }
  if (rl_node_is_request_code((rl_MessageCode)code))
    request_in(n, from, &m, code, &who, whole, whole_len);
  else
    answer_in(n, from, &m, code, &who);
}

void rl_node_txn_answer(rl_node *n, rl_txn *t, const rl_node_answer *a) {
  rl_txn copy = *t;
  t->used = 0; /* the callback may start new transactions */
  t->bytes = NULL;
  if (copy.kind == RL_TXN_APP) {
    if (copy.cb) copy.cb(copy.user, a);
  } else {
    rl_node_chord_txn_done(n, &copy, a);
  }
  free(copy.bytes);
}

void rl_node_conn_bound_event(rl_node *n, rl_conn *c) {
  char hx[RL_HEXBUF];
  rl_node_log(n, 1, "link %s %s is up", c->outgoing ? "to" : "from",
              rl_node_hex(c->id.b, n->id_len, hx));
  if (n->opt.client) {
    if (c->bootstrap) n->ready_client = 1;
    return;
  }
  if (c->want_attach) {
    /* One of our Attaches (6.5.1): tell the chord who answered. */
    c->chord_known = 1;
    rl_chord_on_attach_result(n->chord, c->attach_target.b, c->id.b);
    for (size_t i = 0; i < c->nalso; i++)
      rl_chord_on_attach_result(n->chord, c->also_target[i].b, c->id.b);
    c->nalso = 0;
    rl_node_chord_actions(n);
    return;
  }
  if (!c->outgoing) {
    /* An Attach we answered? Then the chord learns of the link. */
    for (size_t i = 0; i < RL_NODE_MAX_INBOUND; i++) {
      rl_inbound_attach *ia = &n->inbound[i];
      if (ia->used && memcmp(ia->id.b, c->id.b, n->id_len) == 0) {
        ia->used = 0;
        c->chord_known = 1;
        rl_chord_on_connected(n->chord, c->id.b, ia->send_update);
        rl_node_chord_actions(n);
        return;
      }
    }
    return; /* a client or a joining node talking to its bootstrap */
  }
  if (c->bootstrap) {
    if (memcmp(c->id.b, n->self.b, n->id_len) == 0) {
      rl_node_close(n, c); /* we are our own bootstrap node */
      return;
    }
    if (rl_chord_get_state(n->chord) != RL_CHORD_JOINED) {
      rl_node_log(n, 1, "joining through bootstrap node %s", rl_node_hex(c->id.b, n->id_len, hx));
      c->chord_known = 1;
      rl_chord_join(n->chord, c->id.b);
      rl_node_chord_actions(n);
    } else {
      /* A partition probe (10.7.4.4): Ping our own Node-ID through it. */
      rl_Destination d[2];
      rl_MessageBody b;
      rl_txn *t;
      memset(&b, 0, sizeof b);
      rl_dest_node(&d[0], c->id.b, n->id_len);
      rl_dest_resource(&d[1], n->self.b, n->id_len);
      if (rl_node_send_request(n, d, 2, RL_MessageCode_ping_req, &b, RL_TXN_PARTITION, &t) == 0)
        memcpy(t->target.b, c->id.b, n->id_len);
    }
  }
}
