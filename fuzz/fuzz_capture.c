/* fuzz_capture.c: the capture reader of reload-dump and of reload-conform
 * --pcap (tools/capture.h): pcap and pcapng files, link layers, IPv4 and
 * IPv6, TCP reassembly per direction, UDP.
 *
 * Checked: a read fails cleanly (an rl_err with a message) or gives units
 * whose bytes, spans and labels are consistent: every span inside the
 * unit and in order, every packet number between 1 and the packets read,
 * rl_capture_packet_at never outside them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"

#include "../tools/capture.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  rl_capture cap;
  char err[256];
  err[0] = 0;
  if (rl_capture_read(data, size, 6084, &cap, err, sizeof err) != 0) {
    if (!err[0]) abort(); /* a failure says why */
    return 0;
  }
  if (cap.matched > cap.packets) abort();
  for (size_t i = 0; i < cap.nunits; i++) {
    const rl_capture_unit *u = &cap.units[i];
    if (u->len && !u->data) abort();
    if (!memchr(u->label, 0, sizeof u->label)) abort();
    if (u->first_packet < 1 || u->first_packet > cap.packets) abort();
    for (size_t k = 0; k < u->nspans; k++) {
      if (u->spans[k].offset > u->len) abort();
      if (k && u->spans[k].offset < u->spans[k - 1].offset) abort();
      if (u->spans[k].packet < 1 || u->spans[k].packet > cap.packets) abort();
    }
    for (size_t off = 0; off < u->len; off += 97) {
      size_t p = rl_capture_packet_at(u, off);
      if (p < 1 || p > cap.packets) abort();
    }
  }
  rl_capture_free(&cap);
  return 0;
}
