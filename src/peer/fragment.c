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

/* The smallest data buffer a slot gets; it doubles as data arrives. */
#define SLOT_MIN_CAP 4096

typedef struct reasm_slot {
  int used;
  uint64_t link_key, transaction_id;
  uint64_t seq; /* order of the first fragments: lower is older */
  uint64_t started_ms;
  /* Header fields every fragment must repeat. */
  uint32_t overlay, max_response_length;
  uint16_t configuration_sequence;
  uint8_t version;
  size_t header_len;
  uint8_t *header; /* the first fragment's forwarding header */
  int have_last;
  size_t total;    /* data bytes, known once the last fragment came */
  size_t high;     /* end of the furthest data received */
  size_t received; /* distinct data bytes held */
  size_t cap;      /* data bytes buf holds (0: none allocated yet) */
  uint8_t *buf;
  uint8_t *have;   /* one bit per data byte of buf */
} reasm_slot;

struct rl_reasm {
  rl_reasm_limits lim;
  reasm_slot *slots;
  size_t bytes;     /* headers, buffers and bitmaps of the slots */
  uint64_t next_seq;
  uint64_t evicted;
  int dropped_code; /* rl_reasm_dropped_code */
  uint8_t *out;     /* the last reassembled message */
};

static size_t bitmap_size(size_t cap) { return cap ? cap / 8 + 1 : 0; }

static size_t slot_bytes(const reasm_slot *s) {
  return s->header_len + s->cap + bitmap_size(s->cap);
}

/* What one slot may hold at most: max_size bytes and their bitmap. */
static int slot_max_bytes(size_t max_size, size_t *out) {
  if (max_size > SIZE_MAX - bitmap_size(max_size)) return 0;
  *out = max_size + bitmap_size(max_size);
  return 1;
}

rl_reasm *rl_reasm_new_limits(const rl_reasm_limits *lim) {
  rl_reasm *r;
  size_t one;
  /* The reassembled length must fit the 32-bit length field. */
  if (lim->max_pending == 0 || lim->max_per_link == 0 ||
      lim->max_message_size <= RL_FORWARDING_HEADER_FIXED || lim->max_message_size > UINT32_MAX ||
      !slot_max_bytes(lim->max_message_size, &one) || lim->memory < one ||
      lim->max_pending > SIZE_MAX / sizeof(reasm_slot))
    return NULL;
  r = calloc(1, sizeof *r);
  if (!r) return NULL;
  r->slots = calloc(lim->max_pending, sizeof *r->slots);
  /* r->out waits for the first message that comes in fragments: most
   * links never carry one. */
  if (!r->slots) {
    free(r->slots);
    free(r->out);
    free(r);
    return NULL;
  }
  r->lim = *lim;
  r->dropped_code = -1;
  return r;
}

rl_reasm *rl_reasm_new(size_t max_pending, size_t max_message_size, uint64_t timeout_ms) {
  rl_reasm_limits lim;
  size_t one;
  if (max_pending == 0 || !slot_max_bytes(max_message_size, &one) ||
      max_pending > SIZE_MAX / one)
    return NULL;
  lim.max_pending = lim.max_per_link = max_pending;
  lim.max_message_size = max_message_size;
  lim.memory = max_pending * one;
  lim.timeout_ms = timeout_ms;
  return rl_reasm_new_limits(&lim);
}

static void drop(rl_reasm *r, reasm_slot *s) {
  r->bytes -= slot_bytes(s);
  free(s->header);
  free(s->buf);
  free(s->have);
  memset(s, 0, sizeof *s);
}

void rl_reasm_free(rl_reasm *r) {
  if (!r) return;
  for (size_t i = 0; i < r->lim.max_pending; i++)
    if (r->slots[i].used) drop(r, &r->slots[i]);
  free(r->slots);
  free(r->out);
  free(r);
}

void rl_reasm_expire(rl_reasm *r, uint64_t now_ms) {
  for (size_t i = 0; i < r->lim.max_pending; i++) {
    reasm_slot *s = &r->slots[i];
    if (s->used && now_ms >= s->started_ms && now_ms - s->started_ms >= r->lim.timeout_ms)
      drop(r, s);
  }
}

void rl_reasm_forget_link(rl_reasm *r, uint64_t link_key) {
  for (size_t i = 0; i < r->lim.max_pending; i++)
    if (r->slots[i].used && r->slots[i].link_key == link_key) drop(r, &r->slots[i]);
}

size_t rl_reasm_pending(const rl_reasm *r) {
  size_t n = 0;
  for (size_t i = 0; i < r->lim.max_pending; i++) n += r->slots[i].used != 0;
  return n;
}

size_t rl_reasm_pending_link(const rl_reasm *r, uint64_t link_key) {
  size_t n = 0;
  for (size_t i = 0; i < r->lim.max_pending; i++)
    n += r->slots[i].used && r->slots[i].link_key == link_key;
  return n;
}

size_t rl_reasm_memory(const rl_reasm *r) { return r->bytes; }
uint64_t rl_reasm_evicted(const rl_reasm *r) { return r->evicted; }
int rl_reasm_dropped_code(const rl_reasm *r) { return r->dropped_code; }

static reasm_slot *find(rl_reasm *r, uint64_t link_key, uint64_t txid) {
  for (size_t i = 0; i < r->lim.max_pending; i++) {
    reasm_slot *s = &r->slots[i];
    if (s->used && s->link_key == link_key && s->transaction_id == txid) return s;
  }
  return NULL;
}

/* The message to give up for another: the oldest of the link holding the
 * most messages (so that one link cannot push out everyone else's), or
 * with only_link, the oldest of that link. Never keep. NULL: none. */
static reasm_slot *victim(rl_reasm *r, const reasm_slot *keep, const uint64_t *only_link) {
  reasm_slot *best = NULL;
  size_t best_n = 0;
  for (size_t i = 0; i < r->lim.max_pending; i++) {
    reasm_slot *s = &r->slots[i];
    size_t k;
    if (!s->used || s == keep || (only_link && s->link_key != *only_link)) continue;
    k = only_link ? 1 : rl_reasm_pending_link(r, s->link_key);
    if (!best || k > best_n || (k == best_n && s->seq < best->seq)) {
      best = s;
      best_n = k;
    }
  }
  return best;
}

static void evict(rl_reasm *r, reasm_slot *s) {
  r->evicted++;
  drop(r, s);
}

/* Make room for `more` bytes within lim.memory, evicting other messages
 * than keep. 0 or RL_ERR_NOMEM. */
static int make_room(rl_reasm *r, const reasm_slot *keep, size_t more) {
  while (r->bytes + more > r->lim.memory) {
    reasm_slot *v = victim(r, keep, NULL);
    if (!v) return RL_ERR_NOMEM;
    evict(r, v);
  }
  return 0;
}

/* A slot for a new message from link_key: the link's oldest message gives
 * way when the link has max_per_link, the fullest link's oldest when the
 * whole has max_pending (6.7: "if the receiver runs out of buffer space
 * to reassemble a message, it MUST drop the message"). */
static reasm_slot *start_slot(rl_reasm *r, uint64_t link_key, const rl_message_peek *pk,
                              const uint8_t *head, size_t hl, uint64_t now_ms) {
  reasm_slot *s = NULL;
  reasm_slot *v = NULL;
  if (rl_reasm_pending_link(r, link_key) >= r->lim.max_per_link)
    v = victim(r, NULL, &link_key);
  else if (rl_reasm_pending(r) >= r->lim.max_pending)
    v = victim(r, NULL, NULL);
  if (v) evict(r, v);
  if (make_room(r, NULL, hl) != 0) return NULL;
  for (size_t i = 0; i < r->lim.max_pending && !s; i++)
    if (!r->slots[i].used) s = &r->slots[i];
  if (!s) return NULL;
  s->header = malloc(hl);
  if (!s->header) return NULL;
  memcpy(s->header, head, hl);
  s->used = 1;
  s->link_key = link_key;
  s->transaction_id = pk->transaction_id;
  s->seq = r->next_seq++;
  s->started_ms = now_ms;
  s->overlay = pk->overlay;
  s->configuration_sequence = pk->configuration_sequence;
  s->version = pk->version;
  s->header_len = hl;
  r->bytes += hl;
  return s;
}

/* Grow s's buffers to hold data up to end (<= max_size - header_len):
 * doubling, sized by what has arrived, not by the largest message.
 * 0 or RL_ERR_NOMEM. */
static int grow(rl_reasm *r, reasm_slot *s, size_t end) {
  size_t limit = r->lim.max_message_size - s->header_len, cap = s->cap, more;
  uint8_t *buf, *have;
  if (end <= s->cap) return 0;
  if (cap < SLOT_MIN_CAP) cap = SLOT_MIN_CAP;
  while (cap < end && cap <= limit / 2) cap *= 2;
  if (cap < end || cap > limit) cap = limit;
  more = cap + bitmap_size(cap) - s->cap - bitmap_size(s->cap);
  if (make_room(r, s, more) != 0) return RL_ERR_NOMEM;
  buf = realloc(s->buf, cap);
  if (!buf) return RL_ERR_NOMEM;
  s->buf = buf;
  have = realloc(s->have, bitmap_size(cap));
  if (!have) return RL_ERR_NOMEM;
  memset(have + bitmap_size(s->cap), 0, bitmap_size(cap) - bitmap_size(s->cap));
  s->have = have;
  r->bytes += more;
  s->cap = cap;
  return 0;
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

/* One fragment, read. */
typedef struct frag_in {
  rl_message_peek pk;
  uint32_t mrl; /* max_response_length */
  const uint8_t *head, *data;
  size_t hl, n, off;
  int last;
} frag_in;

static int read_fragment(const uint8_t *frag, size_t len, frag_in *f) {
  rl_cursor c;
  const uint8_t *skip;
  uint32_t fragment;
  uint64_t txid;
  int rc = rl_fragment_header(frag, len, &f->hl, &fragment, &txid);
  if (rc != 0) return rc;
  rl_message_peek_header(frag, len, &f->pk); /* cannot fail after the above */
  /* 6.7: "Because messages MUST be set with the high bit set to 1,
   * implementations SHOULD discard any message with it set to 0." */
  if (!(fragment & RL_FRAGMENT_HIGH_BIT)) return RL_ERR_CONSTANT;
  rl_cursor_init(&c, frag, len);
  if (rl_get_bytes(&c, POS_MAX_RESPONSE_LENGTH, &skip) || rl_get_u32(&c, &f->mrl))
    return RL_ERR_TRUNCATED;
  rl_cursor_init(&c, frag, len);
  if (rl_get_bytes(&c, f->hl, &f->head)) return RL_ERR_TRUNCATED;
  f->n = len - f->hl;
  if (rl_get_bytes(&c, f->n, &f->data)) return RL_ERR_TRUNCATED;
  f->off = fragment & RL_FRAGMENT_OFFSET_MASK;
  f->last = (fragment & RL_FRAGMENT_LAST) != 0;
  return 0;
}

/* The message code (the first two data bytes, 6.3.3) when they arrived. */
static int slot_code(const reasm_slot *s) {
  if (s->cap < 2 || (s->have[0] & 3) != 3) return -1;
  return s->buf[0] << 8 | s->buf[1];
}

/* Drop s after an error; code: the message's code if the failing
 * fragment carried it, else the one s holds (rl_reasm_dropped_code). */
static int fail(rl_reasm *r, reasm_slot *s, int code, int rc) {
  r->dropped_code = code >= 0 ? code : slot_code(s);
  drop(r, s);
  return rc;
}

/* Add f's data to s: 0, or an error after which s must be dropped. */
static int accept_data(rl_reasm *r, reasm_slot *s, const frag_in *f) {
  size_t limit = r->lim.max_message_size - s->header_len, end;
  if (f->off > limit || f->n > limit - f->off) return RL_ERR_TOO_LARGE;
  end = f->off + f->n;
  /* Data past the end the last fragment set, or two different ends. */
  if ((s->have_last && (end > s->total || (f->last && end != s->total))) ||
      (f->last && end < s->high))
    return RL_ERR_FRAGMENT;
  if (grow(r, s, end) != 0) return RL_ERR_NOMEM;
  if (place(s, f->off, f->data, f->n) != 0) return RL_ERR_FRAGMENT;
  if (f->last) {
    s->have_last = 1;
    s->total = end;
  }
  if (end > s->high) s->high = end;
  return 0;
}

/* s is complete: the kept header, then the data, as one unfragmented
 * message (fragment 0xC0000000, 6.7) in r->out. */
static int complete(rl_reasm *r, reasm_slot *s, const uint8_t **whole, size_t *whole_len) {
  rl_writer w;
  if (!r->out && !(r->out = malloc(r->lim.max_message_size))) {
    drop(r, s);
    return RL_ERR_NOMEM;
  }
  rl_writer_init(&w, r->out, r->lim.max_message_size, NULL);
  rl_put_bytes(&w, s->header, POS_FRAGMENT);
  rl_put_u32(&w, RL_FRAGMENT_HIGH_BIT | RL_FRAGMENT_LAST);
  rl_put_u32(&w, (uint32_t)(s->header_len + s->total));
  rl_put_bytes(&w, s->header + POS_LENGTH + 4, s->header_len - (POS_LENGTH + 4));
  rl_put_bytes(&w, s->buf, s->total);
  drop(r, s);
  /* header_len + total <= max_size, the size of out. */
  if (w.err) return w.err;
  *whole = r->out;
  *whole_len = w.len;
  return 1;
}

int rl_reasm_add(rl_reasm *r, uint64_t link_key, const uint8_t *frag, size_t len, uint64_t now_ms,
                 const uint8_t **whole, size_t *whole_len) {
  frag_in f;
  reasm_slot *s;
  int code, rc = read_fragment(frag, len, &f);
  r->dropped_code = -1;
  if (rc != 0) return rc;
  /* The first fragment starts with the message code (6.3.3). */
  code = f.off == 0 && f.n >= 2 ? f.data[0] << 8 | f.data[1] : -1;
  if (len > r->lim.max_message_size) {
    r->dropped_code = code;
    return RL_ERR_TOO_LARGE;
  }
  if (rl_message_is_whole(f.pk.fragment)) {
    *whole = frag;
    *whole_len = len;
    return 1;
  }
  rl_reasm_expire(r, now_ms);
  s = find(r, link_key, f.pk.transaction_id);
  if (!s) {
    /* len <= max_size, so hl < max_size. */
    size_t room = r->lim.max_message_size - f.hl;
    if (f.off > room || f.n > room - f.off) {
      r->dropped_code = code;
      return RL_ERR_TOO_LARGE;
    }
    s = start_slot(r, link_key, &f.pk, f.head, f.hl, now_ms);
    if (!s) {
      r->dropped_code = code;
      return RL_ERR_NOMEM;
    }
    s->max_response_length = f.mrl;
  } else if (f.pk.overlay != s->overlay ||
             f.pk.configuration_sequence != s->configuration_sequence ||
             f.pk.version != s->version || f.mrl != s->max_response_length) {
    return fail(r, s, code, RL_ERR_FRAGMENT);
  }
  rc = accept_data(r, s, &f);
  if (rc != 0) return fail(r, s, code, rc);
  if (!s->have_last || s->received != s->total) return 0;
  return complete(r, s, whole, whole_len);
}
