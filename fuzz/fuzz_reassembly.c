/* fuzz_reassembly.c: fragmentation and reassembly (RFC 6940 6.7,
 * src/peer/fragment.h).
 *
 * Input: 4 control bytes, then the data of a message. The target builds
 * a message (a forwarding header to one Node-ID, then the data), cuts it
 * into fragments of 1 + c[0] bytes, and feeds them to an rl_reasm in an
 * order shuffled by c[1], c[2]; c[3] picks the variations:
 *   bit 0  every fragment but the completing one is sent twice
 *   bit 1  a copy of one fragment with one byte changed follows it
 *   bit 2  the raw input is fed too, as a fragment from another link,
 *          before every 64th fragment
 *   bit 3  time passes: c[2] * 8 ms between fragments (timeout 1000 ms)
 * It also splits the message with rl_fragment_split (max_len from c[0])
 * and reassembles that in order.
 *
 * Invariants, or abort():
 *   - every call returns 1, 0 or a known rl_err;
 *   - the message completes exactly at the last new fragment, equal to
 *     the original byte for byte, unless a changed copy was sent (then
 *     RL_ERR_FRAGMENT is returned once and it never completes) or the
 *     fragments took longer than the timeout (then it never completes);
 *   - rl_fragment_split's fragments are at most max_len bytes and
 *     reassemble to the message;
 *   - the raw input, when it completes, is itself an unfragmented
 *     message. */
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"

#include "codec/message.h"
#include "peer/fragment.h"

static const rl_fuzz_codec target = {.name = "reassembly"};

static void fail(const char *what, size_t size) __attribute__((noreturn));
static void fail(const char *what, size_t size) { rl_fuzz_fail(&target, what, size); }

#define TIMEOUT 1000
#define MAX_MESSAGE 8192
#define HL (38 + 18)

static void check_rc(int rc, size_t size) {
  if (rc > 1 || (rc < 0 && (rc < RL_ERR_MIN || rl_strerror(rc)[0] == '\0')))
    fail("rl_reasm_add returned an unknown value", size);
}

/* The raw input from link 7. */
static void feed_raw(rl_reasm *r, const uint8_t *data, size_t size, uint64_t now) {
  const uint8_t *whole;
  size_t wlen;
  int rc = rl_reasm_add(r, 7, data, size, now, &whole, &wlen);
  check_rc(rc, size);
  if (rc == 1 && (whole != data || wlen != size))
    fail("a single fragment completed as something else", size);
}

typedef struct split_state {
  rl_reasm *r;
  size_t max_len, n, size;
  int done;
  const uint8_t *whole;
  size_t wlen;
} split_state;

static int split_emit(void *user, const uint8_t *frag, size_t len) {
  split_state *s = user;
  int rc;
  if (len > s->max_len) fail("rl_fragment_split made a fragment over max_len", s->size);
  if (s->done) fail("rl_fragment_split went on after the last fragment", s->size);
  rc = rl_reasm_add(s->r, 3, frag, len, 0, &s->whole, &s->wlen);
  if (rc < 0) fail("a fragment of rl_fragment_split was refused", s->size);
  s->done = rc == 1;
  s->n++;
  return 0;
}

static uint32_t rnd(uint32_t *x) {
  *x ^= *x << 13;
  *x ^= *x >> 17;
  *x ^= *x << 5;
  return *x;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const uint8_t *body, *whole = NULL;
  size_t blen, len, piece, nfrag, hl;
  uint8_t c[4], *msg, **frag;
  size_t *flen, *order;
  uint32_t fragment, seed;
  uint64_t txid, step;
  rl_writer w;
  rl_reasm *r;
  int dup, corrupt, raw;
  if (size < 4 || size > MAX_MESSAGE - HL) return 0;
  memcpy(c, data, 4);
  body = data + 4;
  blen = size - 4;
  dup = c[3] & 1;
  corrupt = (c[3] & 2) && blen > 0;
  raw = c[3] & 4;
  step = (c[3] & 8) ? (uint64_t)c[2] * 8 : 0;

  /* The message: a header to Node-ID 42..42, the input as its data. */
  len = HL + blen;
  msg = malloc(len);
  if (!msg) return 0;
  rl_writer_init(&w, msg, len, NULL);
  rl_put_u32(&w, 0xd2454c4fu);
  rl_put_u32(&w, 0x01020304u);
  rl_put_u16(&w, 9);
  rl_put_u8(&w, 0x0a);
  rl_put_u8(&w, 100);
  rl_put_u32(&w, RL_FRAGMENT_HIGH_BIT | RL_FRAGMENT_LAST);
  rl_put_u32(&w, (uint32_t)len);
  rl_put_u64(&w, (uint64_t)c[1] << 8 | c[2]);
  rl_put_u32(&w, 0);
  rl_put_u16(&w, 0);
  rl_put_u16(&w, 18);
  rl_put_u16(&w, 0);
  rl_put_u8(&w, 1);
  rl_put_u8(&w, 16);
  for (int i = 0; i < 16; i++) rl_put_u8(&w, 42);
  rl_put_bytes(&w, body, blen);
  if (w.err || w.len != len || rl_fragment_header(msg, len, &hl, &fragment, &txid) != 0 ||
      hl != HL)
    fail("test message not built", size);

  r = rl_reasm_new(3, MAX_MESSAGE, TIMEOUT); /* link 1, the raw input, the split */
  if (!r) {
    free(msg);
    return 0;
  }

  /* Fragments of 1 + c[0] bytes. */
  piece = 1 + (size_t)c[0];
  nfrag = blen ? (blen + piece - 1) / piece : 1;
  frag = calloc(nfrag + 1, sizeof *frag);
  flen = calloc(nfrag + 1, sizeof *flen);
  order = calloc(nfrag, sizeof *order);
  if (!frag || !flen || !order) goto out;
  for (size_t i = 0; i < nfrag; i++) {
    size_t pos = i * piece, n = blen - pos < piece ? blen - pos : piece;
    if (!blen) n = 0;
    frag[i] = malloc(HL + n);
    if (!frag[i]) goto out;
    rl_writer_init(&w, frag[i], HL + n, NULL);
    if (rl_fragment_build(&w, msg, len, pos, n, i + 1 == nfrag) != 0)
      fail("rl_fragment_build failed on a valid message", size);
    flen[i] = w.len;
    order[i] = i;
  }
  seed = ((uint32_t)c[1] << 8 | c[2]) + 1u;
  for (size_t i = nfrag; i > 1; i--) {
    size_t j = rnd(&seed) % i, t = order[i - 1];
    order[i - 1] = order[j];
    order[j] = t;
  }
  /* The changed copy: fragment k with its first data byte flipped. */
  size_t k = c[1] % nfrag;
  if (corrupt) {
    frag[nfrag] = malloc(flen[k]);
    if (!frag[nfrag]) goto out;
    memcpy(frag[nfrag], frag[k], flen[k]);
    frag[nfrag][HL] ^= 0x01;
    flen[nfrag] = flen[k];
  }

  /* Feed them, and compare every result with a model of the one
   * pending message: which fragments it holds since when. */
  {
    uint64_t now = 0, start = 0;
    size_t covered = 0, feeds = 0;
    int active = 0;
    uint8_t *have = calloc(nfrag + 1, 1);
    if (!have) goto out;
    for (size_t i = 0; i < nfrag; i++) {
      size_t f = order[i];
      int copies = (dup && i + 1 < nfrag) ? 2 : 1;
      for (int cp = 0; cp < copies + (corrupt && f == k); cp++) {
        size_t x = cp < copies ? f : nfrag, wlen = 0;
        int want, rc;
        if (raw && feeds++ % 64 == 0) feed_raw(r, data, size, now);
        /* The model. */
        if (nfrag == 1) {
          want = 1; /* the only fragment is a whole message */
        } else {
          if (active && now - start >= TIMEOUT) active = 0;
          if (!active) {
            active = 1;
            start = now;
            memset(have, 0, nfrag + 1);
            covered = 0;
          }
          if ((x == nfrag && have[k]) || (x == k && have[nfrag])) {
            active = 0;
            want = RL_ERR_FRAGMENT;
          } else {
            /* covered: fragments held, the changed copy counting as k. */
            if (!have[x] && (x == nfrag ? !have[k] : !(x == k && have[nfrag]))) covered++;
            have[x] = 1;
            want = covered == nfrag;
            if (want) active = 0;
          }
        }
        rc = rl_reasm_add(r, 1, frag[x], flen[x], now, &whole, &wlen);
        check_rc(rc, size);
        if (rc != want) fail("rl_reasm_add differs from the model", size);
        if (rc == 1) {
          /* Made of the changed copy only when it stood in for k. */
          int changed = x == nfrag || (nfrag > 1 && have[nfrag] && !have[k]);
          if (wlen != len || memcmp(whole, x == nfrag ? frag[nfrag] : msg, HL) != 0)
            fail("reassembled message has the wrong header or length", size);
          if ((memcmp(whole + HL, msg + HL, blen) == 0) == changed)
            fail("reassembled message differs", size);
        }
        now += step;
      }
    }
    free(have);
  }

  /* rl_fragment_split, reassembled in order. */
  {
    split_state s;
    memset(&s, 0, sizeof s);
    s.r = r;
    s.size = size;
    s.max_len = HL + RL_FRAGMENT_MIN_DATA + (size_t)c[0] * 8;
    int rc = rl_fragment_split(msg, len, s.max_len, split_emit, &s);
    if (rc != 0) fail("rl_fragment_split failed on a valid message", size);
    if (!s.done || s.wlen != len || memcmp(s.whole, msg, len) != 0)
      fail("rl_fragment_split's fragments do not reassemble", size);
    if (len <= s.max_len ? s.n != 1 : s.n < 2) fail("rl_fragment_split: wrong count", size);
  }

out:
  if (frag)
    for (size_t i = 0; i <= nfrag; i++) free(frag[i]);
  free(frag);
  free(flen);
  free(order);
  rl_reasm_free(r);
  free(msg);
  return 0;
}
