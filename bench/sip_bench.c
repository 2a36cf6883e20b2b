/* sip_bench.c: time to parse a typical INVITE with SDP, our Ragel parser
 * (src/sip) against Sofia-SIP's (libsofia-sip-ua), on the same bytes in
 * the same run (issue 6; doc/sip-parser.md).
 *
 *   bench/sip_bench-O2 [--smoke] [--seconds S]     (make bench-sip)
 *   bench/sip_bench [--full]                       (make check: smoke)
 *
 * What each side does per message is printed with the figures. In smoke
 * mode each parser runs a few times and the run fails unless both accept
 * the message and agree on what it says (branch, CSeq, Call-ID, tags,
 * Contact host, the number of Via values and of Allow methods). */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sip/sip_hdr.h"
#include "sip/sip_msg.h"

#ifdef SIP_BENCH_SOFIA
#include <sofia-sip/msg.h>
#include <sofia-sip/msg_buffer.h>
#include <sofia-sip/sip.h>
#include <sofia-sip/sip_header.h>
#include <sofia-sip/sofia_features.h>
#endif

#ifndef SIP_BENCH_BUILD
#define SIP_BENCH_BUILD "configured CFLAGS (not make bench-sip)"
#endif

/* The INVITE of RFC 3261 24.2 as a phone sends it through a proxy: two
 * Via, Max-Forwards, To, From, Call-ID, CSeq, Contact with +sip.instance,
 * Content-Type, Allow, Supported, Content-Length and an SDP offer. */
static const char invite[] =
  "INVITE sip:bob@biloxi.example.com SIP/2.0\r\n"
  "Via: SIP/2.0/UDP pc33.atlanta.example.com:5060;branch=z9hG4bK776asdhds;rport\r\n"
  "Via: SIP/2.0/UDP bigbox3.site3.atlanta.example.com;branch=z9hG4bK77ef4c2312983.1;"
  "received=192.0.2.101\r\n"
  "Max-Forwards: 69\r\n"
  "To: Bob <sip:bob@biloxi.example.com>\r\n"
  "From: Alice <sip:alice@atlanta.example.com>;tag=1928301774\r\n"
  "Call-ID: a84b4c76e66710@pc33.atlanta.example.com\r\n"
  "CSeq: 314159 INVITE\r\n"
  "Contact: <sip:alice@pc33.atlanta.example.com;transport=udp>;"
  "+sip.instance=\"<urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6>\"\r\n"
  "Content-Type: application/sdp\r\n"
  "Allow: INVITE, ACK, CANCEL, OPTIONS, BYE, REFER, NOTIFY, MESSAGE, SUBSCRIBE, INFO, "
  "UPDATE, PRACK\r\n"
  "Supported: replaces, timer, 100rel, path, gruu\r\n"
  "Content-Length: 211\r\n"
  "\r\n"
  "v=0\r\n"
  "o=alice 2890844526 2890844526 IN IP4 pc33.atlanta.example.com\r\n"
  "s=-\r\n"
  "c=IN IP4 192.0.2.101\r\n"
  "t=0 0\r\n"
  "m=audio 49172 RTP/AVP 0 8 97\r\n"
  "a=rtpmap:0 PCMU/8000\r\n"
  "a=rtpmap:8 PCMA/8000\r\n"
  "a=rtpmap:97 iLBC/8000\r\n"
  "a=sendrecv\r\n";

#define LEN (sizeof invite - 1)

/* What a parser found, compared between the two. */
typedef struct facts {
  char branch[64];
  unsigned long cseq;
  char call_id[64];
  char from_tag[32];
  char to_host[64];
  char contact_host[64];
  int vias;
  int allow;
  int supported;
  unsigned max_forwards;
  unsigned long content_length;
} facts;

static void copy(char *dst, size_t cap, const char *p, size_t n) {
  if (n >= cap) n = cap - 1;
  memcpy(dst, p, n);
  dst[n] = 0;
}

static double now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* A sink the compiler cannot see through, so no parse is optimised away. */
static volatile unsigned long sink;

/* ---- ours ---- */

#define MAXH 32

/* The message: start line, Request-URI (parsed), header slices and kinds,
 * Content-Length, the body. */
static int ours_frame(const char *buf, size_t len, rl_sip_msg *msg, rl_sip_header *hdr) {
  rl_sip_err err;
  rl_sip_msg_init(msg, hdr, MAXH);
  return rl_sip_msg_parse(msg, buf, len, NULL, &err);
}

/* The message, then structured headers, each by its own grammar. all 0:
 * the six a proxy reads -- Via (every value, all params), From and To
 * (name-addr, URI, tag), Call-ID, CSeq, Contact (every value, URI,
 * params). all 1: every header Sofia decodes into sip_t, so also
 * Max-Forwards, Content-Type, Allow and Supported (every token). */
static int ours_parse(const char *buf, size_t len, facts *f, int all) {
  rl_sip_header hdr[MAXH];
  rl_sip_msg msg;
  rl_sip_err err;
  int r = ours_frame(buf, len, &msg, hdr);
  if (r < 0) return r;
  if (f) memset(f, 0, sizeof *f);
  for (size_t i = 0; i < msg.nhdr; i++) {
    rl_sip_str v = hdr[i].value;
    size_t pos = 0;
    switch (all ? hdr[i].kind : hdr[i].kind == RL_SIP_HDR_MAX_FORWARDS ||
                                        hdr[i].kind == RL_SIP_HDR_CONTENT_TYPE ||
                                        hdr[i].kind == RL_SIP_HDR_ALLOW ||
                                        hdr[i].kind == RL_SIP_HDR_SUPPORTED
                                    ? RL_SIP_HDR_OTHER
                                    : hdr[i].kind) {
      case RL_SIP_HDR_VIA: {
        rl_sip_via via;
        while ((r = rl_sip_via_next(v, &pos, &via, &err)) > 0) {
          if (f && f->vias++ == 0) copy(f->branch, sizeof f->branch, via.branch.p, via.branch.len);
          sink += via.text.len;
        }
        break;
      }
      case RL_SIP_HDR_CONTACT: {
        rl_sip_addr a;
        while ((r = rl_sip_contact_next(v, &pos, &a, &err)) > 0) {
          if (f) copy(f->contact_host, sizeof f->contact_host, a.uri.host.p, a.uri.host.len);
          sink += a.uri.host.len;
        }
        break;
      }
      case RL_SIP_HDR_FROM:
      case RL_SIP_HDR_TO: {
        rl_sip_addr a;
        r = hdr[i].kind == RL_SIP_HDR_FROM ? rl_sip_from_parse(v, &a, &err)
                                           : rl_sip_to_parse(v, &a, &err);
        if (r == 0 && f) {
          if (hdr[i].kind == RL_SIP_HDR_FROM)
            copy(f->from_tag, sizeof f->from_tag, a.tag.p, a.tag.len);
          else
            copy(f->to_host, sizeof f->to_host, a.uri.host.p, a.uri.host.len);
        }
        sink += a.uri.host.len;
        break;
      }
      case RL_SIP_HDR_CALL_ID: {
        rl_sip_str id;
        r = rl_sip_callid_parse(v, &id, &err);
        if (r == 0 && f) copy(f->call_id, sizeof f->call_id, id.p, id.len);
        break;
      }
      case RL_SIP_HDR_CSEQ: {
        rl_sip_cseq cs;
        r = rl_sip_cseq_parse(v, &cs, &err);
        if (r == 0 && f) f->cseq = cs.seq;
        sink += cs.seq;
        break;
      }
      case RL_SIP_HDR_MAX_FORWARDS: {
        unsigned hops = 0;
        r = rl_sip_max_forwards_parse(v, &hops, &err);
        if (f) f->max_forwards = hops;
        break;
      }
      case RL_SIP_HDR_CONTENT_TYPE: {
        rl_sip_media_type mt;
        r = rl_sip_content_type_parse(v, &mt, &err);
        sink += mt.subtype.len;
        break;
      }
      case RL_SIP_HDR_ALLOW:
      case RL_SIP_HDR_SUPPORTED: {
        rl_sip_str tok;
        int n = 0;
        while ((r = rl_sip_token_next(hdr[i].kind, v, &pos, &tok, &err)) > 0) n++;
        if (f) *(hdr[i].kind == RL_SIP_HDR_ALLOW ? &f->allow : &f->supported) = n;
        break;
      }
      default:
        break;
    }
    if (r < 0) return r;
  }
  if (f) f->content_length = (unsigned long)msg.content_length;
  sink += msg.body.len;
  return 0;
}

/* ---- Sofia-SIP ---- */

#ifdef SIP_BENCH_SOFIA
/* Sofia's way to parse a datagram (as nta does): a msg_t, the bytes
 * copied into its buffer (msg_extract writes into it), msg_extract --
 * which decodes every header it knows into its sip_t structure as it goes
 * (msg_parser.c: extract_header -> header_parse -> hc_parse) -- and
 * msg_destroy. */
static int sofia_parse(const char *buf, size_t len, facts *f) {
  msg_t *msg = msg_create(sip_default_mclass(), 0);
  sip_t *sip;
  void *b;
  int r = -1;
  if (!msg) return -1;
  b = msg_buf_alloc(msg, len + 1);
  if (!b) goto done;
  memcpy(b, buf, len);
  msg_buf_commit(msg, len, 1);
  if (msg_extract(msg) <= 0) goto done;
  sip = sip_object(msg);
  if (!sip || !sip->sip_request || sip->sip_error || !sip->sip_via || !sip->sip_cseq ||
      !sip->sip_call_id || !sip->sip_from || !sip->sip_to || !sip->sip_contact)
    goto done;
  sink += sip->sip_cseq->cs_seq;
  if (f) {
    sip_via_t *v;
    memset(f, 0, sizeof *f);
    for (v = sip->sip_via; v; v = v->v_next) f->vias++;
    if (sip->sip_via->v_branch)
      copy(f->branch, sizeof f->branch, sip->sip_via->v_branch, strlen(sip->sip_via->v_branch));
    f->cseq = sip->sip_cseq->cs_seq;
    copy(f->call_id, sizeof f->call_id, sip->sip_call_id->i_id, strlen(sip->sip_call_id->i_id));
    if (sip->sip_from->a_tag)
      copy(f->from_tag, sizeof f->from_tag, sip->sip_from->a_tag, strlen(sip->sip_from->a_tag));
    copy(f->to_host, sizeof f->to_host, sip->sip_to->a_url->url_host,
         strlen(sip->sip_to->a_url->url_host));
    copy(f->contact_host, sizeof f->contact_host, sip->sip_contact->m_url->url_host,
         strlen(sip->sip_contact->m_url->url_host));
    if (sip->sip_allow)
      for (msg_param_t const *k = sip->sip_allow->k_items; k && *k; k++) f->allow++;
    if (sip->sip_supported)
      for (msg_param_t const *k = sip->sip_supported->k_items; k && *k; k++) f->supported++;
    if (sip->sip_max_forwards) f->max_forwards = (unsigned)sip->sip_max_forwards->mf_count;
    if (sip->sip_content_length) f->content_length = sip->sip_content_length->l_length;
  }
  r = 0;
done:
  msg_destroy(msg);
  return r;
}

/* The part of sofia_parse that is not parsing: create, copy, destroy. */
static int sofia_overhead(const char *buf, size_t len, facts *f) {
  msg_t *msg = msg_create(sip_default_mclass(), 0);
  void *b;
  (void)f;
  if (!msg) return -1;
  b = msg_buf_alloc(msg, len + 1);
  if (b) {
    memcpy(b, buf, len);
    msg_buf_commit(msg, len, 1);
    sink += ((const char *)b)[len / 2];
  }
  msg_destroy(msg);
  return b ? 0 : -1;
}
#endif

static int ours_full(const char *buf, size_t len, facts *f) { return ours_parse(buf, len, f, 1); }

static int ours_six(const char *buf, size_t len, facts *f) { return ours_parse(buf, len, f, 0); }

static int ours_frame_only(const char *buf, size_t len, facts *f) {
  rl_sip_header hdr[MAXH];
  rl_sip_msg msg;
  int r = ours_frame(buf, len, &msg, hdr);
  (void)f;
  sink += msg.nhdr;
  return r;
}

static int ours_validated(const char *buf, size_t len, facts *f) {
  rl_sip_header hdr[MAXH];
  rl_sip_msg msg;
  rl_sip_err err;
  int r = ours_frame(buf, len, &msg, hdr);
  (void)f;
  if (r == 0) r = rl_sip_msg_validate(&msg, &err);
  return r;
}

typedef int (*parse_fn)(const char *, size_t, facts *);

typedef struct variant {
  const char *name;
  parse_fn fn;
  const char *what[3]; /* what it does per message, up to three lines */
  long iters;          /* calls per batch */
  double t[64];        /* ns per message, one per round */
  double median, min;
} variant;

/* Calls of fn that take about 5 ms of CPU time. */
static long calibrate(parse_fn fn) {
  long iters = 100;
  for (;;) {
    double t0 = now_ns();
    for (long i = 0; i < iters; i++)
      if (fn(invite, LEN, NULL) != 0) return -1;
    double dt = now_ns() - t0;
    if (dt > 2e6) return (long)((double)iters * 5e6 / dt) + 1;
    iters *= 4;
  }
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

/* Rounds of one batch per variant in turn, so that every variant sees
 * the same machine (other load, frequency) over the run; the median and
 * the minimum of the rounds per variant. Times are this thread's CPU time. */
static void measure(variant *v, int nv, int rounds) {
  for (int k = 0; k < nv; k++) v[k].iters = calibrate(v[k].fn);
  for (int r = 0; r < rounds; r++) {
    for (int k = 0; k < nv; k++) {
      double t0 = now_ns();
      for (long i = 0; i < v[k].iters; i++) v[k].fn(invite, LEN, NULL);
      v[k].t[r] = (now_ns() - t0) / (double)v[k].iters;
    }
  }
  for (int k = 0; k < nv; k++) {
    qsort(v[k].t, (size_t)rounds, sizeof v[k].t[0], cmp_double);
    v[k].min = v[k].t[0];
    v[k].median = v[k].t[rounds / 2];
  }
}

static int same_facts(const facts *a, const facts *b) {
  return strcmp(a->branch, b->branch) == 0 && a->cseq == b->cseq &&
         strcmp(a->call_id, b->call_id) == 0 && strcmp(a->from_tag, b->from_tag) == 0 &&
         strcmp(a->to_host, b->to_host) == 0 && strcmp(a->contact_host, b->contact_host) == 0 &&
         a->vias == b->vias && a->allow == b->allow && a->supported == b->supported &&
         a->max_forwards == b->max_forwards && a->content_length == b->content_length;
}

static void print_facts(const char *who, const facts *f) {
  printf("  %-6s branch=%s cseq=%lu call-id=%s from-tag=%s to=%s contact=%s via=%d allow=%d "
         "supported=%d max-forwards=%u content-length=%lu\n",
         who, f->branch, f->cseq, f->call_id, f->from_tag, f->to_host, f->contact_host, f->vias,
         f->allow, f->supported, f->max_forwards, f->content_length);
}

int main(int argc, char **argv) {
#ifdef SIP_BENCH_SMOKE_DEFAULT
  int smoke = 1;
#else
  int smoke = 0;
#endif
  double seconds = 2.0;
  facts ours;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--smoke") == 0) {
      smoke = 1;
    } else if (strcmp(argv[i], "--full") == 0) {
      smoke = 0;
    } else if (strcmp(argv[i], "--seconds") == 0 && i + 1 < argc) {
      seconds = atof(argv[++i]);
    } else {
      fprintf(stderr, "usage: %s [--smoke | --full] [--seconds S]\n", argv[0]);
      return 2;
    }
  }

  if (ours_full(invite, LEN, &ours) != 0 || ours_validated(invite, LEN, NULL) != 0) {
    fprintf(stderr, "sip_bench: our parser refuses the benchmark INVITE\n");
    return 1;
  }
#ifdef SIP_BENCH_SOFIA
  {
    facts theirs;
    if (sofia_parse(invite, LEN, &theirs) != 0) {
      fprintf(stderr, "sip_bench: Sofia-SIP refuses the benchmark INVITE\n");
      return 1;
    }
    if (!same_facts(&ours, &theirs)) {
      fprintf(stderr, "sip_bench: the parsers disagree:\n");
      print_facts("ours", &ours);
      print_facts("sofia", &theirs);
      return 1;
    }
    if (smoke) {
      for (int i = 0; i < 100; i++)
        if (ours_full(invite, LEN, NULL) != 0 || sofia_parse(invite, LEN, NULL) != 0) return 1;
      printf("sip_bench smoke: both parsers accept the %zu-byte INVITE and agree:\n", LEN);
      print_facts("both", &ours);
      return 0;
    }
  }
#else
  if (smoke) {
    printf("sip_bench smoke: our parser accepts the %zu-byte INVITE (no Sofia-SIP)\n", LEN);
    return 0;
  }
#endif

  {
    variant v[] = {
      {"ours: message", ours_frame_only,
       {"start line, Request-URI (parsed), 12 header slices and kinds,",
        "Content-Length, body; every byte checked against the ABNF", NULL}, 0, {0}, 0, 0},
      {"ours: + validate", ours_validated,
       {"+ rl_sip_msg_validate: To, From, CSeq, Call-ID, Max-Forwards and", "Via parsed",
        NULL}, 0, {0}, 0, 0},
      {"ours: + Via From To CSeq Contact Call-ID", ours_six,
       {"+ those six by their grammars: every Via value and param, the",
        "name-addr, URI and params of From, To, Contact, CSeq number and", "method, Call-ID"},
       0, {0}, 0, 0},
      {"ours: + every header Sofia decodes", ours_full,
       {"+ Max-Forwards, Content-Type, Allow and Supported (every token)", NULL, NULL}, 0, {0},
       0, 0},
#ifdef SIP_BENCH_SOFIA
      {"sofia-sip " SOFIA_SIP_VERSION " msg_extract", sofia_parse,
       {"msg_create, copy into its buffer, msg_extract (decodes every",
        "header into sip_t as it goes: URIs, params, lists), msg_destroy", NULL}, 0, {0}, 0, 0},
      {"sofia-sip: create+copy+destroy", sofia_overhead,
       {"the part of the line above that is not parsing", NULL, NULL}, 0, {0}, 0, 0},
#endif
    };
    int nv = (int)(sizeof v / sizeof v[0]);
    int rounds = (int)(seconds * 1e9 / (5e6 * nv));
    if (rounds < 5) rounds = 5;
    if (rounds > 63) rounds = 63;
    measure(v, nv, rounds);
    printf("SIP parse benchmark: one INVITE with SDP, %zu bytes (12 headers, %lu-byte body)\n",
           LEN, ours.content_length);
    printf("build: %s\n", SIP_BENCH_BUILD);
    printf("time: CPU time of this thread, %d rounds of ~5 ms per parser, interleaved\n\n",
           rounds);
    printf("%-42s %8s %8s  %s\n", "parser", "median", "min", "per message (ns)");
    for (int k = 0; k < nv; k++) {
      printf("%-42s %8.0f %8.0f  %s\n", v[k].name, v[k].median, v[k].min, v[k].what[0]);
      for (int j = 1; j < 3 && v[k].what[j]; j++) printf("%-60s  %s\n", "", v[k].what[j]);
    }
#ifdef SIP_BENCH_SOFIA
    {
      const variant *six = &v[2], *all = &v[3], *sofia = &v[4], *over = &v[5];
      printf("\nsofia / ours, medians (mins):\n");
      printf("  ours with Via From To CSeq Contact Call-ID:  %.1fx (%.1fx)\n",
             sofia->median / six->median, sofia->min / six->min);
      printf("  ours with every header Sofia decodes:        %.1fx (%.1fx)\n",
             sofia->median / all->median, sofia->min / all->min);
      printf("  the same, Sofia's create+copy+destroy taken out: %.1fx (%.1fx)\n",
             (sofia->median - over->median) / all->median, (sofia->min - over->min) / all->min);
    }
#else
    printf("\nSofia-SIP was not found by configure: no comparison.\n");
#endif
  }
  return 0;
}
