/* peer/driver_json.c: the driver's links as JSON (rl_driver_links_json,
 * peer/driver.h), for the status of reload-peer: per link its far end,
 * its counters and, over ICE, the candidate pair that won. */
#define _GNU_SOURCE
#include <jansson.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>

#include "net/dlink.h"
#include "net/ice.h"
#include "net/link.h"
#include "peer/driver.h"

/* "host:port" ("[host]:port" for IPv6), numeric. */
static void addr_text(const struct sockaddr *a, socklen_t len, char *out, size_t size) {
  char host[64], serv[16];
  if (!a || len == 0 ||
      getnameinfo(a, len, host, sizeof host, serv, sizeof serv, NI_NUMERICHOST | NI_NUMERICSERV) != 0)
    snprintf(out, size, "?");
  else if (a->sa_family == AF_INET6)
    snprintf(out, size, "[%s]:%s", host, serv);
  else
    snprintf(out, size, "%s:%s", host, serv);
}

static json_t *cand_json(const rl_ice_cand *c) {
  char at[96];
  addr_text((const struct sockaddr *)&c->addr,
            c->addr.ss_family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in),
            at, sizeof at);
  return json_pack("{s:s, s:s}", "type", rl_ice_cand_type_name(c->type), "addr", at);
}

static json_t *dlink_json(uint64_t id, rl_dlink *l, const char *transport) {
  rl_dlink_stats st;
  socklen_t len = 0;
  const struct sockaddr *sa = rl_dlink_peer_addr(l, &len);
  char at[96];
  addr_text(sa, len, at, sizeof at);
  rl_dlink_get_stats(l, &st);
  return json_pack(
      "{s:I, s:s, s:b, s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:i, s:i, s:i, s:I, "
      "s:I, s:b}",
      "link", (json_int_t)id, "peer_addr", at, "outgoing", rl_dlink_is_outgoing(l), "transport",
      transport, "frames_sent", (json_int_t)st.frames_sent, "frames_received",
      (json_int_t)st.frames_received, "acks_sent", (json_int_t)st.acks_sent, "acks_received",
      (json_int_t)st.acks_received, "retransmissions", (json_int_t)st.retransmissions,
      "messages_acked", (json_int_t)st.messages_acked, "keepalives_sent",
      (json_int_t)st.keepalives_sent, "keepalives_received", (json_int_t)st.keepalives_received,
      "datagrams_sent", (json_int_t)st.datagrams_sent, "datagrams_received",
      (json_int_t)st.datagrams_received, "srtt_ms", (int)st.srtt_ms, "rttvar_ms", (int)st.rttvar_ms,
      "rto_ms", (int)st.rto_ms, "rtt_samples", (json_int_t)st.rtt_samples, "queued",
      (json_int_t)st.queued, "failing", st.failing);
}

static json_t *link_json(uint64_t id, rl_link *l, const char *transport) {
  rl_link_stats st;
  socklen_t len = 0;
  const struct sockaddr *sa = rl_link_peer_addr(l, &len);
  char at[96];
  addr_text(sa, len, at, sizeof at);
  rl_link_get_stats(l, &st);
  return json_pack(
      "{s:I, s:s, s:b, s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:i, s:i, s:i, s:I, s:i, s:I}",
      "link", (json_int_t)id, "peer_addr", at, "outgoing", rl_link_is_outgoing(l), "transport",
      transport, "frames_sent", (json_int_t)st.frames_sent, "frames_received",
      (json_int_t)st.frames_received, "acks_sent", (json_int_t)st.acks_sent, "acks_received",
      (json_int_t)st.acks_received, "bytes_sent", (json_int_t)st.bytes_sent, "bytes_received",
      (json_int_t)st.bytes_received, "keepalives_sent", (json_int_t)st.keepalives_sent,
      "keepalives_received", (json_int_t)st.keepalives_received, "srtt_ms", (int)st.srtt_ms,
      "rttvar_ms", (int)st.rttvar_ms, "rto_ms", (int)st.rto_ms, "rtt_samples",
      (json_int_t)st.rtt_samples, "unacked", (int)st.unacked, "out_pending",
      (json_int_t)st.out_pending);
}

static const char *mode_name(rl_link_mode m, int ice) {
  if (ice) return "dtls-ice";
  switch (m) {
  case RL_LINK_TLS: return "tls";
  case RL_LINK_TCP_INSECURE: return "tcp-insecure";
  case RL_LINK_UDP_INSECURE: return "udp-insecure";
  default: return "dtls";
  }
}

char *rl_driver_links_json(const rl_driver *d) {
  json_t *arr = json_array();
  rl_link_mode mode = rl_node_options_of(rl_driver_node((rl_driver *)d))->link_mode;
  int datagram = mode == RL_LINK_DTLS || mode == RL_LINK_DTLS_ICE || mode == RL_LINK_UDP_INSECURE;
  uint64_t id;
  void *l;
  rl_ice *ice;
  char *out;
  if (!arr) return NULL;
  for (size_t i = 0; rl_driver_link_at(d, i, &id, &l, &ice) == 0; i++) {
    json_t *o;
    rl_ice_cand lc, rc;
    if (!l) /* an ICE link before its pair is nominated */
      o = json_pack("{s:I, s:s, s:s}", "link", (json_int_t)id, "transport", "dtls-ice", "ice",
                    "checking");
    else if (datagram)
      o = dlink_json(id, l, mode_name(mode, ice != NULL));
    else
      o = link_json(id, l, mode_name(mode, 0));
    if (o && ice && l && rl_ice_selected(ice, &lc, &rc) == 0)
      json_object_set_new(o, "ice", json_pack("{s:o, s:o}", "local", cand_json(&lc), "remote",
                                              cand_json(&rc)));
    if (!o || json_array_append_new(arr, o) != 0) {
      json_decref(arr);
      return NULL;
    }
  }
  out = json_dumps(arr, JSON_COMPACT);
  json_decref(arr);
  return out;
}
