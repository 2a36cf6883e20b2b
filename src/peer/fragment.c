/* fragment.c: see fragment.h. */
#include "peer/fragment.h"

#include <stdlib.h>
#include <string.h>

#include "codec/message.h"
#include "runtime/cursor.h"

/* Byte positions in the fixed part of the ForwardingHeader (6.3.2). */
#define POS_FRAGMENT 12
#define POS_LENGTH 16
#define POS_MAX_RESPONSE_LENGTH 28
#define POS_LISTS 32 /* via_list_length, destination_list_length, options_length */

int rl_fragment_header(const uint8_t *msg, size_t len, size_t *header_len, uint32_t *fragment,
                       uint64_t *transaction_id) {
  rl_message_peek pk;
  rl_cursor c;
  const uint8_t *skip;
  uint16_t via = 0, dest = 0, opt = 0;
  size_t h;
  int r = rl_message_peek_header(msg, len, &pk);
  if (r != 0) return r;
  if (pk.length != len) return RL_ERR_LENGTH_FIELD;
  rl_cursor_init(&c, msg, len);
  /* peek_header checked len >= RL_FORWARDING_HEADER_FIXED. */
  if (rl_get_bytes(&c, POS_LISTS, &skip) || rl_get_u16(&c, &via) || rl_get_u16(&c, &dest) ||
      rl_get_u16(&c, &opt))
    return RL_ERR_TRUNCATED;
  h = RL_FORWARDING_HEADER_FIXED + (size_t)via + dest + opt;
  if (h > len) return RL_ERR_TRUNCATED;
  *header_len = h;
  *fragment = pk.fragment;
  *transaction_id = pk.transaction_id;
  return 0;
}

int rl_fragment_build(rl_writer *w, const uint8_t *msg, size_t len, size_t data_pos, size_t n,
                      int last) {
  size_t hl, start, len_pos;
  uint32_t fragment, off;
  uint64_t txid;
  rl_cursor c;
  const uint8_t *head, *rest, *skip, *data;
  int r;
  if (w->err) return w->err;
  r = rl_fragment_header(msg, len, &hl, &fragment, &txid);
  if (r != 0) return r;
  if (data_pos > len - hl || n > len - hl - data_pos) return RL_ERR_PARAM;
  /* The offset counts from the end of the header of the whole message;
   * a fragment of a fragment starts at its parent's offset (6.7). */
  if (data_pos > RL_FRAGMENT_OFFSET_MASK ||
      (fragment & RL_FRAGMENT_OFFSET_MASK) + data_pos > RL_FRAGMENT_OFFSET_MASK)
    return RL_ERR_TOO_LARGE;
  off = (uint32_t)((fragment & RL_FRAGMENT_OFFSET_MASK) + data_pos);
  rl_cursor_init(&c, msg, len);
  /* head: relo_token .. ttl; skipped: fragment and length (rewritten);
   * rest: transaction_id .. options. */
  if (rl_get_bytes(&c, POS_FRAGMENT, &head) || rl_get_bytes(&c, 8, &skip) ||
      rl_get_bytes(&c, hl - (POS_LENGTH + 4), &rest) || rl_get_bytes(&c, data_pos, &skip) ||
      rl_get_bytes(&c, n, &data))
    return RL_ERR_TRUNCATED;
  start = w->len;
  rl_put_bytes(w, head, POS_FRAGMENT);
  /* The six reserved bits "SHOULD be set to zero". */
  rl_put_u32(w, RL_FRAGMENT_HIGH_BIT | (last ? RL_FRAGMENT_LAST : 0) | off);
  len_pos = rl_writer_reserve(w, 4);
  rl_put_bytes(w, rest, hl - (POS_LENGTH + 4));
  rl_put_bytes(w, data, n);
  rl_writer_patch(w, len_pos, 4, w->len - start, "length");
  return w->err;
}

int rl_fragment_split(const uint8_t *msg, size_t len, size_t max_len, rl_fragment_emit emit,
                      void *user) {
  uint8_t buf[RL_FRAGMENT_MAX_LEN];
  size_t hl, data, chunk, nfrag, size, n;
  uint32_t fragment;
  uint64_t txid;
  rl_writer w;
  int r = rl_fragment_header(msg, len, &hl, &fragment, &txid);
  if (r != 0) return r;
  if (!(fragment & RL_FRAGMENT_HIGH_BIT)) return RL_ERR_CONSTANT;
  if (len <= max_len) return emit(user, msg, len);
  if (max_len > sizeof buf) max_len = sizeof buf;
  if (max_len <= hl || max_len - hl < RL_FRAGMENT_MIN_DATA) return RL_ERR_PARAM;
  data = len - hl;
  /* Every offset must fit its 24 bits: refuse before emitting any. */
  if (data - 1 > RL_FRAGMENT_OFFSET_MASK - (fragment & RL_FRAGMENT_OFFSET_MASK))
    return RL_ERR_TOO_LARGE;
  chunk = max_len - hl;
  nfrag = data / chunk + (data % chunk != 0);
  /* Equal chunks, but none (save the last) under the 6.7 minimum. */
  size = data / nfrag + (data % nfrag != 0);
  if (size < RL_FRAGMENT_MIN_DATA) size = RL_FRAGMENT_MIN_DATA;
  for (size_t pos = 0; pos < data; pos += n) {
    n = data - pos < size ? data - pos : size;
    rl_writer_init(&w, buf, sizeof buf, NULL);
    r = rl_fragment_build(&w, msg, len, pos, n, (fragment & RL_FRAGMENT_LAST) && pos + n == data);
    if (r != 0) return r;
    r = emit(user, buf, w.len);
    if (r != 0) return r;
  }
  return 0;
}

/* ---------------------------------------------------------------------
 * Reassembly
 * --------------------------------------------------------------------- */

typedef struct reasm_slot {
  int used;
  uint64_t link_key, transaction_id;
  uint64_t started_ms;
  /* Header fields every fragment must repeat. */
  uint32_t overlay, max_response_length;
  uint16_t configuration_sequence;
  uint8_t version;
  /* The first fragment's header sits at the end of buf, the data from
   * its start: data and header together must fit max_message_size. */
  size_t header_len;
  int have_last;
  size_t total;    /* data bytes, known once the last fragment came */
  size_t high;     /* end of the furthest data received */
  size_t received; /* distinct data bytes held */
  uint8_t *buf;    /* max_message_size bytes */
  uint8_t *have;   /* one bit per data byte */
} reasm_slot;

struct rl_reasm {
  size_t max_pending, max_size;
  uint64_t timeout_ms;
  reasm_slot *slots;
  uint8_t *out; /* the last reassembled message */
};

rl_reasm *rl_reasm_new(size_t max_pending, size_t max_message_size, uint64_t timeout_ms) {
  rl_reasm *r;
  size_t bitmap, per, total;
  uint8_t *p;
  /* The reassembled length must fit the 32-bit length field. */
  if (max_pending == 0 || max_message_size <= RL_FORWARDING_HEADER_FIXED ||
      max_message_size > UINT32_MAX)
    return NULL;
  bitmap = max_message_size / 8 + 1;
  if (max_message_size > SIZE_MAX - bitmap) return NULL;
  per = max_message_size + bitmap;
  if (max_pending > (SIZE_MAX - max_message_size) / per) return NULL;
  total = max_pending * per + max_message_size;
  r = calloc(1, sizeof *r);
  if (!r) return NULL;
  r->slots = calloc(max_pending, sizeof *r->slots);
  p = malloc(total);
  if (!r->slots || !p) {
    free(r->slots);
    free(p);
    free(r);
    return NULL;
  }
  r->max_pending = max_pending;
  r->max_size = max_message_size;
  r->timeout_ms = timeout_ms;
  r->out = p;
  p += max_message_size;
  for (size_t i = 0; i < max_pending; i++) {
    r->slots[i].buf = p;
    r->slots[i].have = p + max_message_size;
    p += per;
  }
  return r;
}

void rl_reasm_free(rl_reasm *r) {
  if (!r) return;
  free(r->out); /* the one block */
  free(r->slots);
  free(r);
}

static void drop(reasm_slot *s) { s->used = 0; }

void rl_reasm_expire(rl_reasm *r, uint64_t now_ms) {
  for (size_t i = 0; i < r->max_pending; i++) {
    reasm_slot *s = &r->slots[i];
    if (s->used && now_ms >= s->started_ms && now_ms - s->started_ms >= r->timeout_ms) drop(s);
  }
}

size_t rl_reasm_pending(const rl_reasm *r) {
  size_t n = 0;
  for (size_t i = 0; i < r->max_pending; i++) n += r->slots[i].used != 0;
  return n;
}

static reasm_slot *find(rl_reasm *r, uint64_t link_key, uint64_t txid) {
  for (size_t i = 0; i < r->max_pending; i++) {
    reasm_slot *s = &r->slots[i];
    if (s->used && s->link_key == link_key && s->transaction_id == txid) return s;
  }
  return NULL;
}

static reasm_slot *start_slot(rl_reasm *r, uint64_t link_key, const rl_message_peek *pk,
                              const uint8_t *head, size_t hl, uint64_t now_ms) {
  for (size_t i = 0; i < r->max_pending; i++) {
    reasm_slot *s = &r->slots[i];
    if (s->used) continue;
    s->used = 1;
    s->link_key = link_key;
    s->transaction_id = pk->transaction_id;
    s->started_ms = now_ms;
    s->overlay = pk->overlay;
    s->configuration_sequence = pk->configuration_sequence;
    s->version = pk->version;
    s->header_len = hl;
    s->have_last = 0;
    s->total = s->high = s->received = 0;
    memcpy(s->buf + r->max_size - hl, head, hl);
    memset(s->have, 0, r->max_size / 8 + 1);
    return s;
  }
  return NULL;
}

/* Put the data of one fragment into s; 0 or RL_ERR_FRAGMENT. */
static int place(reasm_slot *s, size_t off, const uint8_t *data, size_t n) {
  for (size_t i = 0; i < n; i++) {
    size_t at = off + i;
    uint8_t bit = (uint8_t)(1u << (at & 7));
    if (s->have[at >> 3] & bit) {
      /* A duplicate is harmless; different bytes for the same place
       * mean one of the senders is wrong or lying. */
      if (s->buf[at] != data[i]) return RL_ERR_FRAGMENT;
      continue;
    }
    s->have[at >> 3] |= bit;
    s->buf[at] = data[i];
    s->received++;
  }
  return 0;
}

int rl_reasm_add(rl_reasm *r, uint64_t link_key, const uint8_t *frag, size_t len, uint64_t now_ms,
                 const uint8_t **whole, size_t *whole_len) {
  rl_message_peek pk;
  rl_cursor c;
  const uint8_t *head, *data, *skip, *hdr;
  size_t hl, n, off, end, limit;
  uint32_t fragment, mrl = 0;
  rl_writer w;
  uint64_t txid;
  reasm_slot *s;
  int last, r2;
  r2 = rl_fragment_header(frag, len, &hl, &fragment, &txid);
  if (r2 != 0) return r2;
  rl_message_peek_header(frag, len, &pk); /* cannot fail after the above */
  /* 6.7: "Because messages MUST be set with the high bit set to 1,
   * implementations SHOULD discard any message with it set to 0." */
  if (!(fragment & RL_FRAGMENT_HIGH_BIT)) return RL_ERR_CONSTANT;
  if (len > r->max_size) return RL_ERR_TOO_LARGE;
  if (rl_message_is_whole(fragment)) {
    *whole = frag;
    *whole_len = len;
    return 1;
  }
  rl_cursor_init(&c, frag, len);
  if (rl_get_bytes(&c, POS_MAX_RESPONSE_LENGTH, &skip) || rl_get_u32(&c, &mrl))
    return RL_ERR_TRUNCATED;
  rl_cursor_init(&c, frag, len);
  if (rl_get_bytes(&c, hl, &head)) return RL_ERR_TRUNCATED;
  n = len - hl;
  if (rl_get_bytes(&c, n, &data)) return RL_ERR_TRUNCATED;
  off = fragment & RL_FRAGMENT_OFFSET_MASK;
  last = (fragment & RL_FRAGMENT_LAST) != 0;

  rl_reasm_expire(r, now_ms);
  s = find(r, link_key, txid);
  if (!s) {
    /* len <= max_size, so hl < max_size. */
    if (off > r->max_size - hl || n > r->max_size - hl - off) return RL_ERR_TOO_LARGE;
    s = start_slot(r, link_key, &pk, head, hl, now_ms);
    if (!s) return RL_ERR_NOMEM;
    s->max_response_length = mrl;
  } else if (pk.overlay != s->overlay || pk.configuration_sequence != s->configuration_sequence ||
             pk.version != s->version || mrl != s->max_response_length) {
    drop(s);
    return RL_ERR_FRAGMENT;
  }
  limit = r->max_size - s->header_len;
  if (off > limit || n > limit - off) {
    drop(s);
    return RL_ERR_TOO_LARGE;
  }
  end = off + n;
  /* Data past the end the last fragment set, or two different ends. */
  if ((s->have_last && (end > s->total || (last && end != s->total))) || (last && end < s->high)) {
    drop(s);
    return RL_ERR_FRAGMENT;
  }
  if (place(s, off, data, n) != 0) {
    drop(s);
    return RL_ERR_FRAGMENT;
  }
  if (last) {
    s->have_last = 1;
    s->total = end;
  }
  if (end > s->high) s->high = end;
  if (!s->have_last || s->received != s->total) return 0;

  /* Complete: the kept header, then the data, as one unfragmented
   * message (fragment 0xC0000000, 6.7). */
  hdr = s->buf + r->max_size - s->header_len;
  rl_writer_init(&w, r->out, r->max_size, NULL);
  rl_put_bytes(&w, hdr, POS_FRAGMENT);
  rl_put_u32(&w, RL_FRAGMENT_HIGH_BIT | RL_FRAGMENT_LAST);
  rl_put_u32(&w, (uint32_t)(s->header_len + s->total));
  rl_put_bytes(&w, hdr + POS_LENGTH + 4, s->header_len - (POS_LENGTH + 4));
  rl_put_bytes(&w, s->buf, s->total);
  drop(s);
  /* header_len + total <= max_size, the size of out. */
  if (w.err) return w.err;
  *whole = r->out;
  *whole_len = w.len;
  return 1;
}
