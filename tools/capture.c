/* capture.c: see capture.h. */
/* pcap.h uses the BSD type u_char; fmemopen is POSIX 2008. */
#define _DEFAULT_SOURCE
#define _POSIX_C_SOURCE 200809L
#include "capture.h"

#include <arpa/inet.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/cursor.h"
#include "runtime/error.h"

/* Link types (pcap-linktype(7)); the numbers are fixed by the format. */
#define LT_NULL 0
#define LT_EN10MB 1
#define LT_RAW_OLD 12
#define LT_RAW 101
#define LT_LOOP 108
#define LT_LINUX_SLL 113
#define LT_IPV4 228
#define LT_IPV6 229
#define LT_LINUX_SLL2 276

#define IPPROTO_TCP_ 6
#define IPPROTO_UDP_ 17
#define TCP_SYN 0x02

typedef struct seg {
  uint32_t seq;
  int64_t rel; /* position relative to the flow's first segment */
  uint8_t *data;
  size_t len;
  size_t order; /* arrival, to keep the sort stable */
  size_t packet;
} seg;

typedef struct flow {
  int af;
  uint8_t src[16], dst[16];
  uint16_t sport, dport;
  int have_isn;
  uint32_t isn;
  size_t first_packet;
  seg *segs;
  size_t nsegs, cap;
} flow;

typedef struct reader {
  const uint16_t *ports;
  size_t nports;
  rl_capture *out;
  flow *flows;
  size_t nflows, cap;
  size_t units_cap;
  int err; /* first allocation failure */
} reader;

/* One packet's transport view. */
typedef struct pkt {
  int af;
  const uint8_t *src, *dst;
  int proto;
  rl_cursor l4; /* the transport header and payload */
} pkt;

static int on_port(const reader *rd, uint16_t a, uint16_t b) {
  for (size_t i = 0; i < rd->nports; i++)
    if (rd->ports[i] == a || rd->ports[i] == b) return 1;
  return 0;
}

static void set_conn(rl_capture_unit *u, int proto, int af, const uint8_t *src,
                     const uint8_t *dst, uint16_t sport, uint16_t dport) {
  size_t alen = af == AF_INET6 ? 16 : 4;
  u->proto = proto;
  u->af = af;
  memcpy(u->src, src, alen);
  memcpy(u->dst, dst, alen);
  u->sport = sport;
  u->dport = dport;
}

int rl_capture_same_conn(const rl_capture_unit *a, const rl_capture_unit *b) {
  size_t alen = a->af == AF_INET6 ? 16 : 4;
  if (a->proto != b->proto || a->af != b->af) return 0;
  if (a->sport == b->dport && a->dport == b->sport && memcmp(a->src, b->dst, alen) == 0 &&
      memcmp(a->dst, b->src, alen) == 0)
    return 1;
  if (a->sport == b->sport && a->dport == b->dport && memcmp(a->src, b->src, alen) == 0 &&
      memcmp(a->dst, b->dst, alen) == 0)
    return 2;
  return 0;
}

static void addr_str(int af, const uint8_t *a, uint16_t port, char *buf, size_t n) {
  char ip[INET6_ADDRSTRLEN];
  if (!inet_ntop(af, a, ip, sizeof ip)) snprintf(ip, sizeof ip, "?");
  if (af == AF_INET6)
    snprintf(buf, n, "[%s]:%u", ip, (unsigned)port);
  else
    snprintf(buf, n, "%s:%u", ip, (unsigned)port);
}

static void flow_label(int af, const uint8_t *src, uint16_t sport, const uint8_t *dst,
                       uint16_t dport, const char *proto, char *buf, size_t n) {
  char a[64], b[64];
  addr_str(af, src, sport, a, sizeof a);
  addr_str(af, dst, dport, b, sizeof b);
  snprintf(buf, n, "%s %s -> %s", proto, a, b);
}

static rl_capture_unit *new_unit(reader *rd) {
  rl_capture *c = rd->out;
  if (c->nunits == rd->units_cap) {
    size_t ncap = rd->units_cap ? rd->units_cap * 2 : 16;
    rl_capture_unit *nu = realloc(c->units, ncap * sizeof *nu);
    if (!nu) return NULL;
    c->units = nu;
    rd->units_cap = ncap;
  }
  memset(&c->units[c->nunits], 0, sizeof c->units[0]);
  c->units[c->nunits].order = c->nunits;
  return &c->units[c->nunits++];
}

static uint8_t *dup_bytes(const uint8_t *p, size_t n) {
  uint8_t *d = malloc(n ? n : 1);
  if (d && n) memcpy(d, p, n);
  return d;
}

/* The IP layer: find the transport header. 0 if usable. */
static int parse_ip(rl_cursor *c, uint16_t ethertype, pkt *p) {
  if (ethertype == 0x0800) {
    uint8_t vhl, tos, ttl, proto;
    uint16_t total, id, frag, sum;
    const uint8_t *src, *dst, *opts;
    size_t hlen;
    rl_cursor ip;
    if (rl_get_child(c, rl_cursor_left(c), &ip) || rl_get_u8(&ip, &vhl) ||
        (vhl >> 4) != 4 || rl_get_u8(&ip, &tos) || rl_get_u16(&ip, &total) ||
        rl_get_u16(&ip, &id) || rl_get_u16(&ip, &frag) || rl_get_u8(&ip, &ttl) ||
        rl_get_u8(&ip, &proto) || rl_get_u16(&ip, &sum) || rl_get_bytes(&ip, 4, &src) ||
        rl_get_bytes(&ip, 4, &dst))
      return -1;
    hlen = (size_t)(vhl & 15) * 4;
    /* More-fragments set or a nonzero offset: no IP reassembly here. */
    if (hlen < 20 || total < hlen || (frag & 0x3fff) || rl_get_bytes(&ip, hlen - 20, &opts))
      return -1;
    /* The total length bounds the payload (Ethernet may pad short frames);
     * a capture cut short (snaplen) keeps what it has. */
    if (rl_get_child(&ip, (size_t)(total - hlen) < rl_cursor_left(&ip)
                              ? (size_t)(total - hlen) : rl_cursor_left(&ip),
                     &p->l4))
      return -1;
    p->af = AF_INET;
    p->proto = proto;
    p->src = src;
    p->dst = dst;
    return 0;
  }
  if (ethertype == 0x86dd) {
    uint32_t vtf;
    uint16_t plen;
    uint8_t proto, hops;
    const uint8_t *src, *dst;
    rl_cursor pay;
    if (rl_get_u32(c, &vtf) || (vtf >> 28) != 6 || rl_get_u16(c, &plen) ||
        rl_get_u8(c, &proto) || rl_get_u8(c, &hops) || rl_get_bytes(c, 16, &src) ||
        rl_get_bytes(c, 16, &dst) ||
        rl_get_child(c, plen <= rl_cursor_left(c) ? plen : rl_cursor_left(c), &pay))
      return -1;
    /* Skip hop-by-hop (0), routing (43) and destination options (60)
     * headers; a fragment header (44) means no reassembly here. */
    while (proto == 0 || proto == 43 || proto == 60) {
      uint8_t next, hl;
      const uint8_t *skip;
      if (rl_get_u8(&pay, &next) || rl_get_u8(&pay, &hl) ||
          rl_get_bytes(&pay, (size_t)hl * 8 + 6, &skip))
        return -1;
      proto = next;
    }
    p->af = AF_INET6;
    p->proto = proto;
    p->src = src;
    p->dst = dst;
    p->l4 = pay;
    return 0;
  }
  return -1;
}

/* The link layer: find the IP header. 0 if usable. */
static int parse_link(int linktype, const uint8_t *data, size_t len, pkt *p) {
  rl_cursor c;
  uint16_t et = 0;
  uint32_t fam;
  const uint8_t *skip;
  uint8_t v;
  rl_cursor_init(&c, data, len);
  switch (linktype) {
  case LT_EN10MB:
    if (rl_get_bytes(&c, 12, &skip) || rl_get_u16(&c, &et)) return -1;
    while (et == 0x8100 || et == 0x88a8) { /* VLAN tags */
      if (rl_get_bytes(&c, 2, &skip) || rl_get_u16(&c, &et)) return -1;
    }
    break;
  case LT_NULL:
  case LT_LOOP:
    /* The address family in host (NULL) or network (LOOP) byte order;
     * rather than guess the writer's order, look at the IP version. */
    if (rl_get_u32(&c, &fam) || rl_peek_u8(&c, &v)) return -1;
    et = (v >> 4) == 6 ? 0x86dd : 0x0800;
    break;
  case LT_RAW_OLD:
  case LT_RAW:
  case LT_IPV4:
  case LT_IPV6:
    if (rl_peek_u8(&c, &v)) return -1;
    et = (v >> 4) == 6 ? 0x86dd : 0x0800;
    break;
  case LT_LINUX_SLL:
    if (rl_get_bytes(&c, 14, &skip) || rl_get_u16(&c, &et)) return -1;
    break;
  case LT_LINUX_SLL2:
    if (rl_get_u16(&c, &et) || rl_get_bytes(&c, 18, &skip)) return -1;
    break;
  default:
    return -1;
  }
  return parse_ip(&c, et, p);
}

static flow *find_flow(reader *rd, const pkt *p, uint16_t sport, uint16_t dport,
                       size_t pktno) {
  size_t alen = p->af == AF_INET6 ? 16 : 4;
  flow *f;
  for (size_t i = rd->nflows; i-- > 0;) {
    f = &rd->flows[i];
    if (f->af == p->af && f->sport == sport && f->dport == dport &&
        memcmp(f->src, p->src, alen) == 0 && memcmp(f->dst, p->dst, alen) == 0)
      return f;
  }
  if (rd->nflows == rd->cap) {
    size_t ncap = rd->cap ? rd->cap * 2 : 8;
    flow *nf = realloc(rd->flows, ncap * sizeof *nf);
    if (!nf) return NULL;
    rd->flows = nf;
    rd->cap = ncap;
  }
  f = &rd->flows[rd->nflows++];
  memset(f, 0, sizeof *f);
  f->af = p->af;
  memcpy(f->src, p->src, alen);
  memcpy(f->dst, p->dst, alen);
  f->sport = sport;
  f->dport = dport;
  f->first_packet = pktno;
  return f;
}

static int add_tcp(reader *rd, const pkt *p, size_t pktno) {
  rl_cursor c = p->l4;
  uint16_t sport, dport;
  uint32_t seqno, ack;
  uint8_t off, flags;
  const uint8_t *skip;
  flow *f;
  seg *s;
  if (rl_get_u16(&c, &sport) || rl_get_u16(&c, &dport) || rl_get_u32(&c, &seqno) ||
      rl_get_u32(&c, &ack) || rl_get_u8(&c, &off) || rl_get_u8(&c, &flags) ||
      (off >> 4) < 5 || rl_get_bytes(&c, (size_t)(off >> 4) * 4 - 14, &skip))
    return -1;
  if (!on_port(rd, sport, dport)) return 1;
  f = find_flow(rd, p, sport, dport, pktno);
  if (!f) return RL_ERR_NOMEM;
  if (flags & TCP_SYN) {
    f->have_isn = 1;
    f->isn = seqno;
    seqno++; /* data (if any) follows the SYN's sequence number */
  }
  if (rl_cursor_empty(&c)) return 0;
  if (f->nsegs == f->cap) {
    size_t ncap = f->cap ? f->cap * 2 : 16;
    seg *ns = realloc(f->segs, ncap * sizeof *ns);
    if (!ns) return RL_ERR_NOMEM;
    f->segs = ns;
    f->cap = ncap;
  }
  s = &f->segs[f->nsegs];
  s->seq = seqno;
  s->len = rl_cursor_left(&c);
  s->order = f->nsegs;
  s->packet = pktno;
  s->data = dup_bytes(c.p, s->len);
  if (!s->data) return RL_ERR_NOMEM;
  f->nsegs++;
  return 0;
}

static int add_udp(reader *rd, const pkt *p, size_t pktno) {
  rl_cursor c = p->l4, pay;
  uint16_t sport, dport, ulen, sum;
  rl_capture_unit *u;
  char lab[160];
  if (rl_get_u16(&c, &sport) || rl_get_u16(&c, &dport) || rl_get_u16(&c, &ulen) ||
      rl_get_u16(&c, &sum) || ulen < 8)
    return -1;
  if (!on_port(rd, sport, dport)) return 1;
  /* The UDP length bounds the payload (Ethernet may pad short frames). */
  if (rl_get_child(&c, (size_t)ulen - 8 <= rl_cursor_left(&c) ? (size_t)ulen - 8
                                                              : rl_cursor_left(&c),
                   &pay))
    return -1;
  u = new_unit(rd);
  if (!u) return RL_ERR_NOMEM;
  flow_label(p->af, p->src, sport, p->dst, dport, "UDP", lab, sizeof lab);
  snprintf(u->label, sizeof u->label, "%s, packet %zu", lab, pktno);
  set_conn(u, IPPROTO_UDP_, p->af, p->src, p->dst, sport, dport);
  u->first_packet = pktno;
  u->len = rl_cursor_left(&pay);
  u->data = dup_bytes(pay.p, u->len);
  return u->data ? 0 : RL_ERR_NOMEM;
}

static int seg_cmp(const void *a, const void *b) {
  const seg *x = a, *y = b;
  if (x->rel != y->rel) return x->rel < y->rel ? -1 : 1;
  return x->order < y->order ? -1 : x->order > y->order;
}

static int add_span(rl_capture_unit *u, size_t offset, size_t packet) {
  rl_capture_span *v = u->spans;
  if (u->nspans > 0 && u->spans[u->nspans - 1].packet == packet) return 0;
  /* Room doubles at every power of two. */
  if ((u->nspans & (u->nspans - 1)) == 0) {
    v = realloc(u->spans, (u->nspans ? 2 * u->nspans : 1) * sizeof *v);
    if (!v) return RL_ERR_NOMEM;
  }
  u->spans = v;
  v[u->nspans].offset = offset;
  v[u->nspans++].packet = packet;
  return 0;
}

size_t rl_capture_packet_at(const rl_capture_unit *u, size_t offset) {
  size_t p = u->first_packet;
  for (size_t i = 0; i < u->nspans && u->spans[i].offset <= offset; i++) p = u->spans[i].packet;
  return p;
}

/* Close one flow into units: sort, drop retransmitted bytes, split at gaps. */
static int flow_to_units(reader *rd, flow *f) {
  char lab[160];
  int64_t cur;
  rl_capture_unit *u = NULL;
  size_t ucap = 0;
  if (f->nsegs == 0) return 0;
  /* Sequence numbers wrap: measure each against the first segment. */
  for (size_t i = 0; i < f->nsegs; i++)
    f->segs[i].rel = (int64_t)(int32_t)(f->segs[i].seq - f->segs[0].seq);
  qsort(f->segs, f->nsegs, sizeof *f->segs, seg_cmp);
  cur = f->have_isn ? (int64_t)(int32_t)(f->isn + 1 - f->segs[0].seq) : f->segs[0].rel;
  flow_label(f->af, f->src, f->sport, f->dst, f->dport, "TCP", lab, sizeof lab);
  for (size_t i = 0; i < f->nsegs; i++) {
    seg *s = &f->segs[i];
    int64_t end = s->rel + (int64_t)s->len;
    size_t skip;
    if (end <= cur) continue; /* already have these bytes */
    if (!u || s->rel > cur) {
      int64_t gap = s->rel > cur ? s->rel - cur : 0;
      u = new_unit(rd);
      if (!u) return RL_ERR_NOMEM;
      if (gap)
        snprintf(u->label, sizeof u->label, "%s, after %lld missing bytes", lab,
                 (long long)gap);
      else
        snprintf(u->label, sizeof u->label, "%s", lab);
      u->first_packet = f->first_packet;
      set_conn(u, IPPROTO_TCP_, f->af, f->src, f->dst, f->sport, f->dport);
      ucap = 0;
      if (gap) cur = s->rel;
    }
    skip = (size_t)(cur - s->rel);
    if (u->len + (s->len - skip) > ucap) {
      size_t ncap = ucap ? ucap : 4096;
      uint8_t *nd;
      while (ncap < u->len + (s->len - skip)) ncap *= 2;
      nd = realloc(u->data, ncap);
      if (!nd) return RL_ERR_NOMEM;
      u->data = nd;
      ucap = ncap;
    }
    memcpy(u->data + u->len, s->data + skip, s->len - skip);
    if (add_span(u, u->len, s->packet) != 0) return RL_ERR_NOMEM;
    u->len += s->len - skip;
    cur = end;
  }
  return 0;
}

static int unit_cmp(const void *a, const void *b) {
  const rl_capture_unit *x = a, *y = b;
  if (x->first_packet != y->first_packet)
    return x->first_packet < y->first_packet ? -1 : 1;
  return x->order < y->order ? -1 : x->order > y->order;
}

static void free_flows(reader *rd) {
  for (size_t i = 0; i < rd->nflows; i++) {
    for (size_t k = 0; k < rd->flows[i].nsegs; k++) free(rd->flows[i].segs[k].data);
    free(rd->flows[i].segs);
  }
  free(rd->flows);
}

int rl_capture_read(const uint8_t *buf, size_t len, uint16_t port,
                    rl_capture *out, char *err, size_t errlen) {
  return rl_capture_read_ports(buf, len, &port, 1, out, err, errlen);
}

int rl_capture_read_ports(const uint8_t *buf, size_t len, const uint16_t *ports,
                          size_t nports, rl_capture *out, char *err, size_t errlen) {
  char ebuf[PCAP_ERRBUF_SIZE] = "";
  reader rd;
  pcap_t *pc = NULL;
  FILE *mf;
  struct pcap_pkthdr *h;
  const u_char *data;
  int linktype, r = 0, n;
  memset(out, 0, sizeof *out);
  memset(&rd, 0, sizeof rd);
  rd.ports = ports;
  rd.nports = nports;
  rd.out = out;
  /* The file is already in memory (it was read to detect its kind). */
  mf = fmemopen((void *)buf, len, "rb");
  if (!mf) {
    snprintf(err, errlen, "cannot open the capture in memory");
    return RL_ERR_NOMEM;
  }
  pc = pcap_fopen_offline(mf, ebuf);
  if (!pc) {
    fclose(mf);
    snprintf(err, errlen, "not a readable capture: %s", ebuf);
    return RL_ERR_SYNTAX;
  }
  linktype = pcap_datalink(pc);
  while ((n = pcap_next_ex(pc, &h, &data)) == 1) {
    pkt p;
    int k;
    out->packets++;
    if (parse_link(linktype, data, h->caplen, &p) != 0) {
      out->skipped++;
      continue;
    }
    if (p.proto == IPPROTO_TCP_)
      k = add_tcp(&rd, &p, out->packets);
    else if (p.proto == IPPROTO_UDP_)
      k = add_udp(&rd, &p, out->packets);
    else
      k = -1;
    if (k == RL_ERR_NOMEM) {
      snprintf(err, errlen, "out of memory reading the capture");
      r = RL_ERR_NOMEM;
      goto done;
    }
    if (k < 0) out->skipped++;
    if (k == 0) out->matched++;
  }
  if (n == -1) {
    snprintf(err, errlen, "capture damaged after packet %zu: %s", out->packets,
             pcap_geterr(pc));
    r = RL_ERR_SYNTAX;
    goto done;
  }
  for (size_t i = 0; i < rd.nflows; i++) {
    if (flow_to_units(&rd, &rd.flows[i]) != 0) {
      snprintf(err, errlen, "out of memory reading the capture");
      r = RL_ERR_NOMEM;
      goto done;
    }
  }
  if (out->nunits > 1) qsort(out->units, out->nunits, sizeof *out->units, unit_cmp);
done:
  free_flows(&rd);
  pcap_close(pc); /* closes mf */
  if (r) rl_capture_free(out);
  return r;
}

void rl_capture_free(rl_capture *c) {
  for (size_t i = 0; i < c->nunits; i++) {
    free(c->units[i].data);
    free(c->units[i].spans);
  }
  free(c->units);
  memset(c, 0, sizeof *c);
}
