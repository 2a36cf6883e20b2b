/* peer/turnsvc.c: see turnsvc.h. RFC 6940 9, 7.3.4, 14.6. */
#define _GNU_SOURCE
#include "peer/turnsvc.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "overlay/hash.h"
#include "runtime/error.h"
#include "runtime/writer.h"

int rl_turnsvc_resource(const uint8_t *node_id, size_t id_len, uint8_t d, uint8_t *out) {
  uint8_t name[21];
  int rc = RL_ERR_PARAM;
  /* 6.3.1.1: NodeIdLength is 16..20; 9: d is "between 1 and turn-density". */
  if (!node_id || !out || id_len < 16 || id_len > 20 || d == 0) goto done;
  /* 9: "concatenating its Node-ID and the value d" (one octet, as the
   * TurnServer's uint8 iteration; storage/access.c checks the same). */
  memcpy(name, node_id, id_len);
  name[id_len] = d;
  rc = rl_resource_id(name, id_len + 1, id_len, out);
done:
  return rc;
}

static int addr_to_wire(const struct sockaddr *sa, rl_IpAddressPort *out) {
  int rc = RL_ERR_PARAM;
  memset(out, 0, sizeof *out);
  if (sa->sa_family == AF_INET) {
    const struct sockaddr_in *s4 = (const struct sockaddr_in *)sa;
    out->type = RL_AddressType_ipv4_address;
    out->length = 6;
    out->v4addr_port.addr = ntohl(s4->sin_addr.s_addr);
    out->v4addr_port.port = ntohs(s4->sin_port);
    rc = out->v4addr_port.port ? 0 : RL_ERR_PARAM;
  } else if (sa->sa_family == AF_INET6) {
    const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)sa;
    out->type = RL_AddressType_ipv6_address;
    out->length = 18;
    memcpy(out->v6addr_port.addr.b, &s6->sin6_addr, 16);
    out->v6addr_port.port = ntohs(s6->sin6_port);
    rc = out->v6addr_port.port ? 0 : RL_ERR_PARAM;
  }
  return rc;
}

long rl_turnsvc_encode(uint8_t d, const struct sockaddr *addr, uint8_t *buf, size_t cap) {
  rl_TurnServer ts;
  rl_writer w;
  long rc = RL_ERR_PARAM;
  memset(&ts, 0, sizeof ts);
  if (!addr || d == 0 || d > RL_TURNSVC_MAX_ITERATION) goto done;
  if (addr_to_wire(addr, &ts.server_address) != 0) goto done;
  ts.iteration = d;
  rl_writer_init(&w, buf, cap, NULL);
  if (rl_TurnServer_encode(&w, &ts) != 0 || w.err) {
    rc = RL_ERR_BUFFER;
    goto done;
  }
  rc = (long)w.len;
done:
  return rc;
}

static void set_why(char *why, size_t whylen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void set_why(char *why, size_t whylen, const char *fmt, ...) {
  va_list ap;
  if (!why || !whylen) return;
  va_start(ap, fmt);
  vsnprintf(why, whylen, fmt, ap);
  va_end(ap);
}

/* Addresses nobody can send to: unspecified, multicast, broadcast. */
static const char *unusable(const struct sockaddr *sa) {
  const char *r = NULL;
  if (sa->sa_family == AF_INET) {
    uint32_t a = ntohl(((const struct sockaddr_in *)sa)->sin_addr.s_addr);
    if (a == 0) r = "the unspecified address 0.0.0.0";
    else if ((a >> 28) == 0xe) r = "a multicast address (224.0.0.0/4)";
    else if (a == 0xffffffffu) r = "the broadcast address";
  } else {
    const struct in6_addr *a6 = &((const struct sockaddr_in6 *)sa)->sin6_addr;
    if (IN6_IS_ADDR_UNSPECIFIED(a6)) r = "the unspecified address ::";
    else if (IN6_IS_ADDR_MULTICAST(a6)) r = "a multicast address (ff00::/8)";
  }
  return r;
}

int rl_turnsvc_decode(const uint8_t *value, size_t len, rl_ctx *ctx, rl_turnsvc *out, char *why,
                      size_t whylen) {
  rl_TurnServer ts;
  const char *bad;
  char info[160];
  int rc;
  memset(out, 0, sizeof *out);
  rc = rl_TurnServer_parse(value, len, ctx, &ts);
  if (rc != 0) {
    set_why(why, whylen, "TURN-SERVICE value: not a TurnServer (9): %s",
            rl_errinfo_format(&ctx->err, info, sizeof info));
    goto done;
  }
  rc = RL_ERR_PARAM;
  /* 9: iteration is "the d value", d between 1 and turn-density; 7.3.4
   * and 9: "NODE-MULTIPLE, with a maximum iteration of counter 20". */
  if (ts.iteration == 0 || ts.iteration > RL_TURNSVC_MAX_ITERATION) {
    set_why(why, whylen, "TURN-SERVICE value: iteration %u is outside 1..20 (9, 7.3.4)",
            (unsigned)ts.iteration);
    goto done;
  }
  if (ts.server_address.type == RL_AddressType_ipv4_address) {
    struct sockaddr_in *s4 = (struct sockaddr_in *)&out->addr;
    s4->sin_family = AF_INET;
    s4->sin_addr.s_addr = htonl(ts.server_address.v4addr_port.addr);
    s4->sin_port = htons(ts.server_address.v4addr_port.port);
    out->addr_len = sizeof *s4;
  } else if (ts.server_address.type == RL_AddressType_ipv6_address) {
    struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&out->addr;
    s6->sin6_family = AF_INET6;
    memcpy(&s6->sin6_addr, ts.server_address.v6addr_port.addr.b, 16);
    s6->sin6_port = htons(ts.server_address.v6addr_port.port);
    out->addr_len = sizeof *s6;
  } else {
    set_why(why, whylen, "TURN-SERVICE value: server_address of address type %u, not IPv4/IPv6",
            (unsigned)ts.server_address.type);
    goto done;
  }
  bad = unusable((const struct sockaddr *)&out->addr);
  if (bad) {
    set_why(why, whylen, "TURN-SERVICE value: server_address is %s", bad);
    goto done;
  }
  if ((out->addr.ss_family == AF_INET ? ts.server_address.v4addr_port.port
                                       : ts.server_address.v6addr_port.port) == 0) {
    set_why(why, whylen, "TURN-SERVICE value: server_address has port 0");
    goto done;
  }
  out->iteration = ts.iteration;
  rc = 0;
done:
  if (rc != 0) memset(out, 0, sizeof *out);
  return rc;
}

const char *rl_turnsvc_unfit(const struct sockaddr *sa) {
  const char *r = NULL;
  if (sa->sa_family == AF_INET) {
    uint32_t a = ntohl(((const struct sockaddr_in *)sa)->sin_addr.s_addr);
    if ((a >> 24) == 10 || (a >> 20) == 0xac1 || (a >> 16) == 0xc0a8)
      r = "an RFC 1918 private address (9: such a peer \"SHOULD NOT be a candidate for a TURN "
          "server\")";
    else if ((a >> 24) == 127) r = "a loopback address (127.0.0.0/8)";
    else if ((a >> 16) == 0xa9fe) r = "a link-local address (169.254.0.0/16)";
    else if ((a >> 22) == (0x64400000u >> 22)) r = "a shared address (100.64.0.0/10, RFC 6598)";
    else r = unusable(sa);
  } else if (sa->sa_family == AF_INET6) {
    const struct in6_addr *a6 = &((const struct sockaddr_in6 *)sa)->sin6_addr;
    if (IN6_IS_ADDR_LOOPBACK(a6)) r = "the loopback address ::1";
    else if (IN6_IS_ADDR_LINKLOCAL(a6)) r = "a link-local address (fe80::/10)";
    else if ((a6->s6_addr[0] & 0xfe) == 0xfc) r = "a unique local address (fc00::/7, RFC 4193)";
    else r = unusable(sa);
  } else {
    r = "not an IPv4 or IPv6 address";
  }
  return r;
}

void rl_turnsvc_addr_str(const struct sockaddr *sa, char *buf, size_t cap) {
  char ip[INET6_ADDRSTRLEN] = "?";
  if (sa->sa_family == AF_INET) {
    const struct sockaddr_in *s4 = (const struct sockaddr_in *)sa;
    inet_ntop(AF_INET, &s4->sin_addr, ip, sizeof ip);
    snprintf(buf, cap, "%s:%u", ip, (unsigned)ntohs(s4->sin_port));
  } else if (sa->sa_family == AF_INET6) {
    const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)sa;
    inet_ntop(AF_INET6, &s6->sin6_addr, ip, sizeof ip);
    snprintf(buf, cap, "[%s]:%u", ip, (unsigned)ntohs(s6->sin6_port));
  } else {
    snprintf(buf, cap, "(family %d)", (int)sa->sa_family);
  }
}
