/* fuzz_forward.c: what a peer does to a message it forwards (RFC 6940
 * 6.1.2, 6.3.2; src/peer/msg.h): decode only the forwarding header
 * (rl_msg_parse_header) and write it again for the next hop
 * (rl_msg_rewrite), on arbitrary bytes: a message, a fragment, garbage.
 *
 * Input: the message as received. It is tried as it is, and again with
 * its length field set to the input size (so that mutations reach the
 * lists instead of stopping at the length check).
 *
 * Invariants, or abort():
 *   - a failure is reported properly (known rl_err, same code in
 *     ctx->err, offset inside the input, printable text);
 *   - a header that decodes agrees with rl_fragment_header (header
 *     length, fragment, transaction_id) and its length field is the size;
 *   - rewriting with the same TTL and lists gives the input back byte for
 *     byte;
 *   - forwarding (TTL - 1, the previous hop appended to the Via List, the
 *     first Destination removed) gives a message whose header decodes
 *     with those lists, the other fields and the options' bytes kept, and
 *     whose bytes after the header are the input's;
 *   - the response's Destination List is the previous hop then the Via
 *     List reversed; the response's options are those with RESPONSE_COPY,
 *     with the three flags cleared;
 *   - a Via List saved in a via table (list compression) comes back equal. */
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"

#include "codec/message.h"
#include "peer/fragment.h"
#include "peer/msg.h"
#include "peer/viatab.h"

static const rl_fuzz_codec target = {.name = "forward"};

static void fail(const char *what, size_t size) __attribute__((noreturn));
static void fail(const char *what, size_t size) { rl_fuzz_fail(&target, what, size); }

/* Destination lists can hold one entry per 2 bytes of a 64 KiB list. */
static uint8_t mem1[1 << 22], mem2[1 << 22], mem3[1 << 20];

static const uint8_t prev_id[16] = {0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};

static void forward(const uint8_t *in, size_t size) {
  rl_arena a1, a2, a3;
  rl_ctx c1, c2;
  rl_ForwardingHeader fh, out;
  rl_writer w;
  rl_Destination prev, *via, *resp;
  rl_ForwardingOption *opts;
  size_t hl, nresp, nopts, ncopy = 0;
  uint32_t fragment;
  uint64_t txid;
  uint8_t *buf;
  int r;

  rl_arena_init(&a1, mem1, sizeof mem1);
  r = rl_msg_parse_header(in, size, &a1, rl_fuzz_default_params(), &c1, &fh);
  if (r != 0) {
    rl_fuzz_check_error(&target, r, &c1, size);
    return;
  }
  if (fh.raw.ptr != in || fh.raw.len > size || fh.length != size)
    fail("decoded header does not cover the start of the input", size);
  if (rl_fragment_header(in, size, &hl, &fragment, &txid) != 0 || hl != fh.raw.len ||
      fragment != fh.fragment || txid != fh.transaction_id)
    fail("rl_fragment_header disagrees with the decoded header", size);

  /* Generous: the Via List grows by one Node-ID. */
  buf = malloc(size + 64);
  if (!buf) return;

  /* Identity. */
  rl_writer_init(&w, buf, size + 64, NULL);
  r = rl_msg_rewrite(&w, in, size, &fh, fh.ttl, fh.via_list, fh.via_list_count,
                     fh.destination_list, fh.destination_list_count);
  if (r != 0 || w.len != size || memcmp(buf, in, size) != 0)
    fail("rewrite with the same fields is not the input", size);

  /* The next hop. */
  rl_dest_node(&prev, prev_id, 16);
  rl_arena_init(&a3, mem3, sizeof mem3);
  via = rl_arena_alloc_array(&a3, fh.via_list_count + 1, sizeof *via);
  if (!via) fail("scratch arena too small", size);
  if (fh.via_list_count) memcpy(via, fh.via_list, fh.via_list_count * sizeof *via);
  via[fh.via_list_count] = prev;
  size_t ndest = fh.destination_list_count ? fh.destination_list_count - 1 : 0;
  const rl_Destination *dest = fh.destination_list_count ? fh.destination_list + 1 : NULL;
  rl_writer_init(&w, buf, size + 64, NULL);
  r = rl_msg_rewrite(&w, in, size, &fh, (uint8_t)(fh.ttl - 1), via, fh.via_list_count + 1, dest,
                     ndest);
  if (r == RL_ERR_LENGTH_RANGE && fh.via_list_length + 18u > 65535u) {
    /* The Via List cannot grow: a clean refusal. */
  } else if (r != 0) {
    fail("forwarding rewrite failed", size);
  } else {
    rl_arena_init(&a2, mem2, sizeof mem2);
    r = rl_msg_parse_header(buf, w.len, &a2, rl_fuzz_default_params(), &c2, &out);
    if (r != 0) fail("forwarded header does not decode", size);
    if (out.length != w.len || out.ttl != (uint8_t)(fh.ttl - 1) ||
        out.via_list_count != fh.via_list_count + 1 || out.destination_list_count != ndest ||
        out.overlay != fh.overlay || out.configuration_sequence != fh.configuration_sequence ||
        out.version != fh.version || out.fragment != fh.fragment ||
        out.transaction_id != fh.transaction_id ||
        out.max_response_length != fh.max_response_length ||
        out.via_list_length != fh.via_list_length + 18u ||
        out.options_length != fh.options_length || out.options_count != fh.options_count)
      fail("forwarded header fields differ", size);
    for (size_t i = 0; i < out.via_list_count; i++)
      if (!rl_Destination_equal(&out.via_list[i], &via[i])) fail("forwarded Via List differs", size);
    for (size_t i = 0; i < ndest; i++)
      if (!rl_Destination_equal(&out.destination_list[i], &dest[i]))
        fail("forwarded Destination List differs", size);
    if (w.len - out.raw.len != size - fh.raw.len ||
        memcmp(buf + out.raw.len, in + fh.raw.len, size - fh.raw.len) != 0)
      fail("bytes after the header changed", size);
    if (fh.options_length &&
        memcmp(buf + out.raw.len - out.options_length, in + fh.raw.len - fh.options_length,
               fh.options_length) != 0)
      fail("options changed", size);
  }
  free(buf);

  /* The response's lists. */
  if (rl_msg_response_destinations(&fh, &prev, &a3, &resp, &nresp) != 0) return;
  if (nresp != fh.via_list_count + 1 || !rl_Destination_equal(&resp[0], &prev))
    fail("response Destination List does not start with the previous hop", size);
  for (size_t i = 0; i < fh.via_list_count; i++)
    if (!rl_Destination_equal(&resp[1 + i], &fh.via_list[fh.via_list_count - 1 - i]))
      fail("response Destination List is not the Via List reversed", size);
  if (rl_msg_response_options(&fh, &a3, &opts, &nopts) != 0) return;
  for (size_t i = 0; i < fh.options_count; i++) {
    if (!(fh.options[i].flags & RL_RESPONSE_COPY)) continue;
    if (ncopy >= nopts || opts[ncopy].type != fh.options[i].type ||
        opts[ncopy].flags != (fh.options[i].flags & 0xf8))
      fail("response options wrong", size);
    ncopy++;
  }
  if (ncopy != nopts) fail("response options: wrong count", size);

  /* List compression. */
  {
    rl_viatab *t = rl_viatab_new(1, 1000, size);
    const rl_Destination *saved;
    size_t nsaved;
    uint16_t id;
    if (!t) return;
    r = rl_viatab_save(t, fh.via_list, fh.via_list_count, 0, &id);
    if (r == 0) {
      if (!(id & 0x8000)) fail("via table id without its top bit", size);
      if (rl_viatab_lookup(t, id, 999, &saved, &nsaved) != 0 || nsaved != fh.via_list_count)
        fail("via table lost a list", size);
      for (size_t i = 0; i < nsaved; i++)
        if (!rl_Destination_equal(&saved[i], &fh.via_list[i]))
          fail("via table changed a list", size);
      if (rl_viatab_lookup(t, id, 1000, &saved, &nsaved) != RL_ERR_NOT_FOUND)
        fail("via table kept an expired list", size);
    } else if (r != RL_ERR_TOO_LARGE) {
      fail("via table refused a list", size);
    }
    rl_viatab_free(t);
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  uint8_t *copy;
  forward(data, size);
  if (size < 20 || size > UINT32_MAX) return 0;
  copy = malloc(size);
  if (!copy) return 0;
  memcpy(copy, data, size);
  copy[16] = (uint8_t)(size >> 24);
  copy[17] = (uint8_t)(size >> 16);
  copy[18] = (uint8_t)(size >> 8);
  copy[19] = (uint8_t)size;
  forward(copy, size);
  free(copy);
  return 0;
}
