/* capture.h: RELOAD payloads out of a pcap or pcapng capture.
 *
 * Packets to or from one port or several (6084 by default, RFC 6940's registered
 * port) over IPv4 or IPv6 are kept. Each UDP datagram is one unit. TCP is
 * put back together per direction: segments sorted by sequence number,
 * retransmitted bytes dropped, payloads concatenated, so a message may
 * span segments; a gap (a lost segment) ends one unit and starts another.
 * This is deliberately simple: no checksums, no IP reassembly (IP
 * fragments are skipped and counted). */
#ifndef RL_TOOL_CAPTURE_H
#define RL_TOOL_CAPTURE_H

#include <stddef.h>
#include <stdint.h>

/* Where the bytes of a unit came from: from byte offset on, packet's. */
typedef struct rl_capture_span {
  size_t offset;
  size_t packet; /* 1-based */
} rl_capture_span;

typedef struct rl_capture_unit {
  char label[256];  /* "TCP 10.0.0.1:6084 -> 10.0.0.2:6084" (+ packet for UDP) */
  uint8_t *data;    /* malloc'ed payload bytes */
  size_t len;
  size_t first_packet; /* 1-based number of its first packet, for ordering */
  size_t order;        /* creation order, to break ties */
  rl_capture_span *spans; /* malloc'ed, by offset */
  size_t nspans;
  /* The transport: TCP (6) or UDP (17), its addresses and ports, so that
   * the two directions of one connection can be paired. */
  int proto;
  int af; /* AF_INET or AF_INET6; addresses of 4 or 16 bytes */
  uint8_t src[16], dst[16];
  uint16_t sport, dport;
} rl_capture_unit;

/* 1 if b runs the other way of a's connection (same protocol), 2 if
 * the same way, 0 if another connection. */
int rl_capture_same_conn(const rl_capture_unit *a, const rl_capture_unit *b);

/* The packet that carried byte offset of u (its first packet when
 * unknown). */
size_t rl_capture_packet_at(const rl_capture_unit *u, size_t offset);

typedef struct rl_capture {
  rl_capture_unit *units;
  size_t nunits;
  size_t packets;        /* packets read */
  size_t matched;        /* TCP/UDP packets on the port */
  size_t skipped;        /* not IP, not TCP/UDP, IP fragments, truncated */
} rl_capture;

/* Read a capture held in memory. 0, or RL_ERR_IO / RL_ERR_SYNTAX /
 * RL_ERR_NOMEM with a message in err. The units come out in the order of
 * their first packet. */
int rl_capture_read(const uint8_t *buf, size_t len, uint16_t port,
                    rl_capture *out, char *err, size_t errlen);
/* The same for packets to or from any of ports[0..nports). */
int rl_capture_read_ports(const uint8_t *buf, size_t len, const uint16_t *ports,
                          size_t nports, rl_capture *out, char *err, size_t errlen);

void rl_capture_free(rl_capture *c);

#endif
