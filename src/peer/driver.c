/* peer/driver.c: the node core over TLS or DTLS links and poll()
 * (peer/driver.h).
 *
 * Link modes: TLS and plain TCP run on net/link.h (a listening socket,
 * accept(2), one socket per link); DTLS and plain UDP on net/dlink.h (one
 * UDP socket for every link, incoming links offered by on_incoming). The
 * map holds either kind; the lk_* helpers below pick the right call.
 *
 * The core names links by number; the driver keeps which rl_link each
 * number is (the link's user pointer holds the number). Every callback of
 * the links becomes one event of the core, and after each the core's
 * actions are carried out: rl_link_send/connect/close never call back
 * (net/link.h), so carrying them out cannot re-enter the core. */
#define _GNU_SOURCE
#include "peer/driver.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "net/admit.h"
#include "net/dlink.h"
#include "net/ice.h"
#include "peer/linkproto.h"
#include "runtime/error.h"

/* Accepts per turn at most: the links already up are served between
 * batches, however many connections wait. */
#define ACCEPT_BATCH 64
/* The links' keepalives and timeouts are checked this often at least. */
#define LINK_TICK_MS 100
/* Closed links after which memory is given back, once the burst is over
 * (no close for a second) or at the latest every TRIM_EVERY_MS. */
#define TRIM_AFTER_CLOSES 32
#define TRIM_QUIET_MS 1000
#define TRIM_EVERY_MS 10000

/* A link over ICE (RL_LINK_DTLS_ICE): its agent, and the DTLS link over
 * the nominated pair once there is one. */
typedef struct ice_link {
  rl_driver *d;
  uint64_t id;
  int controlling;
  rl_ice *ice;
  rl_dlink *dl;
} ice_link;

typedef struct link_entry {
  uint64_t id;
  void *l; /* rl_link, or rl_dlink when the driver runs datagram links */
  ice_link *ice; /* an ICE link (l: its rl_dlink, NULL until nominated) */
} link_entry;

struct rl_driver {
  rl_node *node;
  rl_link_ctx *links;   /* TLS / TCP modes */
  rl_dlink_ctx *dlinks; /* DTLS / UDP modes */
  rl_ice_ctx *ice;      /* DTLS over ICE: the agents' GLib context */
  int listen_fd;
  link_entry *map; /* the core's link numbers and their links */
  size_t nmap, cap;
  rl_accept_pause pause; /* accept(2) failing for want of descriptors */
  rl_driver_app app;
  uint64_t next_tick_us;
  uint64_t closed_since_trim, last_close_ms, last_trim_ms;
};

static uint64_t mono_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static int64_t wall_offset_ms(void) {
  struct timespec r, m;
  clock_gettime(CLOCK_REALTIME, &r);
  clock_gettime(CLOCK_MONOTONIC, &m);
  return ((int64_t)r.tv_sec * 1000 + r.tv_nsec / 1000000) -
         ((int64_t)m.tv_sec * 1000 + m.tv_nsec / 1000000);
}

static uint64_t link_id(rl_link *l) { return (uint64_t)(uintptr_t)rl_link_get_user(l); }
static uint64_t dlink_id(rl_dlink *l) { return (uint64_t)(uintptr_t)rl_dlink_get_user(l); }

static link_entry *entry(const rl_driver *d, uint64_t id) {
  for (size_t i = 0; i < d->nmap; i++)
    if (d->map[i].id == id) return &d->map[i];
  return NULL;
}

static void *find(const rl_driver *d, uint64_t id) {
  link_entry *e = entry(d, id);
  return e ? e->l : NULL;
}

/* l: the link (NULL for an ICE link not nominated yet); il: its agent. */
static int map_add(rl_driver *d, uint64_t id, void *l, ice_link *il) {
  if (d->nmap == d->cap) {
    size_t ncap = d->cap ? d->cap * 2 : 64;
    link_entry *m = realloc(d->map, ncap * sizeof *m);
    if (!m) return RL_ERR_NOMEM;
    d->map = m;
    d->cap = ncap;
  }
  d->map[d->nmap].id = id;
  d->map[d->nmap].l = l;
  d->map[d->nmap].ice = il;
  d->nmap++;
  if (!l) return 0;
  if (d->dlinks)
    rl_dlink_set_user((rl_dlink *)l, (void *)(uintptr_t)id);
  else
    rl_link_set_user((rl_link *)l, (void *)(uintptr_t)id);
  return 0;
}

/* rl_ice_free may come from inside the agent's own callback (net/ice.h). */
static void ice_link_free(ice_link *il) {
  if (!il) return;
  rl_ice_free(il->ice);
  free(il);
}

static void map_del(rl_driver *d, uint64_t id) {
  for (size_t i = 0; i < d->nmap; i++)
    if (d->map[i].id == id) {
      ice_link *il = d->map[i].ice;
      d->map[i] = d->map[--d->nmap];
      ice_link_free(il);
      return;
    }
}

/* The calls that differ between the two kinds of link. */
static void lk_send(rl_driver *d, void *l, const uint8_t *b, size_t n) {
  /* A full send queue fails the link itself (net/link.h), or the message
   * is lost as on a dead link (net/dlink.h: the core's transactions
   * retry). */
  if (d->dlinks)
    (void)rl_dlink_send(l, b, n);
  else
    (void)rl_link_send(l, b, n);
}

static void lk_close(rl_driver *d, void *l) {
  if (d->dlinks)
    rl_dlink_close(l);
  else
    rl_link_close(l);
}

static void *lk_connect(rl_driver *d, const struct sockaddr *a, socklen_t len) {
  if (d->dlinks) return rl_dlink_connect(d->dlinks, a, len);
  return rl_link_connect(d->links, a, len);
}

static void ice_closed(rl_driver *d, uint64_t id, rl_link_fail why, const char *detail);
static void ice_start(rl_driver *d, uint64_t id, int controlling);
static void ice_remote(rl_driver *d, uint64_t id, const rl_ice_remote *r);

/* RFC 6940 9: a TURN server the core found in the overlay, for the ICE
 * agents started from now on. 9 carries no credentials: the node's
 * --turn-user/--turn-password are used (doc/peer.md "TURN-SERVICE"). */
static void set_turn(rl_driver *d, const struct sockaddr_storage *addr) {
  const rl_node_options *o = rl_node_options_of(d->node);
  int rc;
  if (!d->ice) {
    rl_node_log(d->node, 1, "TURN-SERVICE: no ICE agents here (link mode not dtls-ice): "
                "the TURN server found is not used");
    return;
  }
  if (!o->ice_turn_user || !o->ice_turn_password) {
    rl_node_log(d->node, 0, "TURN-SERVICE: a TURN server was found but there are no "
                "credentials for it (--turn-user, --turn-password)");
    return;
  }
  rc = rl_ice_ctx_set_turn(d->ice, addr, o->ice_turn_user, o->ice_turn_password);
  if (rc != 0)
    rl_node_log(d->node, 0, "TURN-SERVICE: rl_ice_ctx_set_turn: %s", rl_strerror(rc));
}

/* Carry out what the core asked for. A connect that fails at once is
 * reported back as a closed link (the core then tries the next node). */
static void flush(rl_driver *d) {
  rl_action a;
  while (rl_node_next_action(d->node, &a)) {
    void *l;
    switch (a.type) {
    case RL_ACTION_SEND:
      l = find(d, a.link);
      if (l) lk_send(d, l, a.bytes, a.len);
      break;
    case RL_ACTION_CONNECT:
      /* net/dlink.h: one link per address; a second one is refused. */
      l = lk_connect(d, (const struct sockaddr *)&a.addr, a.addr_len);
      if (!l || map_add(d, a.link, l, NULL) != 0) {
        if (l) lk_close(d, l);
        rl_node_link_closed(d->node, a.link, RL_LINK_FAIL_IO,
                            d->dlinks && !l ? "cannot connect (a link to that address exists)"
                                            : "cannot connect",
                            mono_us());
      }
      break;
    case RL_ACTION_CLOSE:
      l = find(d, a.link);
      if (l)
        lk_close(d, l);
      else if (entry(d, a.link))
        ice_closed(d, a.link, RL_LINK_CLOSED_LOCALLY, "closed before a pair was nominated");
      break;
    case RL_ACTION_ICE_START:
      ice_start(d, a.link, a.controlling);
      break;
    case RL_ACTION_ICE_REMOTE:
      ice_remote(d, a.link, (const rl_ice_remote *)a.bytes);
      break;
    case RL_ACTION_SET_TURN:
      set_turn(d, &a.addr);
      break;
    }
  }
}

static void on_up(void *user, rl_link *l) {
  rl_driver *d = user;
  rl_node_link_up(d->node, link_id(l), rl_link_peer_cert(l), mono_us());
  flush(d);
}

static void on_message(void *user, rl_link *l, const uint8_t *msg, size_t len) {
  rl_driver *d = user;
  rl_node_link_message(d->node, link_id(l), msg, len, mono_us());
  flush(d);
}

static void on_oversize(void *user, rl_link *l, const uint8_t *hdr, size_t hdr_len,
                        size_t announced) {
  rl_driver *d = user;
  rl_node_link_oversize(d->node, link_id(l), hdr, hdr_len, announced, mono_us());
  flush(d);
}

static void closed(rl_driver *d, uint64_t id, rl_link_fail why, const char *detail) {
  uint64_t now = mono_us();
  map_del(d, id);
  d->closed_since_trim++;
  d->last_close_ms = now / 1000u;
  rl_node_link_closed(d->node, id, why, detail, now);
  flush(d);
}

static void on_closed(void *user, rl_link *l, rl_link_fail why, const char *detail) {
  closed(user, link_id(l), why, detail);
}

/* The same events from datagram links (net/dlink.h). */
static int don_incoming(void *user, rl_dlink *l) {
  rl_driver *d = user;
  socklen_t len;
  const struct sockaddr *sa = rl_dlink_peer_addr(l, &len);
  uint64_t id = rl_node_link_incoming(d->node, sa, len, mono_us());
  flush(d); /* an evicted link is closed before the newcomer is taken */
  if (!id) return 0;
  if (map_add(d, id, l, NULL) != 0) {
    rl_node_link_closed(d->node, id, RL_LINK_FAIL_IO, "cannot take the link", mono_us());
    flush(d);
    return 0;
  }
  return 1;
}

static void don_up(void *user, rl_dlink *l) {
  rl_driver *d = user;
  rl_node_link_up(d->node, dlink_id(l), rl_dlink_peer_cert(l), mono_us());
  flush(d);
}

static void don_message(void *user, rl_dlink *l, const uint8_t *msg, size_t len) {
  rl_driver *d = user;
  rl_node_link_message(d->node, dlink_id(l), msg, len, mono_us());
  flush(d);
}

static void don_oversize(void *user, rl_dlink *l, const uint8_t *hdr, size_t hdr_len,
                         size_t announced) {
  rl_driver *d = user;
  rl_node_link_oversize(d->node, dlink_id(l), hdr, hdr_len, announced, mono_us());
  flush(d);
}

static void don_closed(void *user, rl_dlink *l, rl_link_fail why, const char *detail) {
  closed(user, dlink_id(l), why, detail);
}

static int is_datagram(rl_link_mode m) {
  return m == RL_LINK_DTLS || m == RL_LINK_DTLS_ICE || m == RL_LINK_UDP_INSECURE;
}

/* The datagram links' context, on the node's listening address (a
 * client's: any port of the first bootstrap node's family). */
static int make_dlinks(rl_driver *d, const rl_node_options *o, const rl_link_params *lp,
                       char *why, size_t whylen) {
  static const rl_dlink_callbacks dcb = {don_incoming, don_up, don_message, don_oversize,
                                         don_closed};
  struct sockaddr_storage any;
  const struct sockaddr *bind_addr = (const struct sockaddr *)&o->listen_addr;
  socklen_t bind_len = o->listen_len;
  if (o->client || bind_len == 0) {
    memset(&any, 0, sizeof any);
    any.ss_family = o->nbootstrap ? o->bootstrap[0].ss_family : AF_INET;
    bind_addr = (const struct sockaddr *)&any;
    bind_len = any.ss_family == AF_INET6 ? sizeof(struct sockaddr_in6)
                                         : sizeof(struct sockaddr_in);
  }
  d->dlinks = rl_dlink_ctx_new(lp, &dcb, d, bind_addr, bind_len, why, whylen);
  return d->dlinks ? 0 : -1;
}

/* ---- Links over ICE (RL_LINK_DTLS_ICE, net/ice.h) ----
 * An agent per link; once a pair is nominated (or the far end's first
 * datagram arrives over it) a DTLS link runs over it, the Attach's sender
 * (controlling) being the DTLS server (6.5.1.13). The agent is freed with
 * the link's entry (map_del). */

static int ice_tx(void *user, const uint8_t *buf, size_t len) {
  ice_link *il = user;
  return rl_ice_send(il->ice, buf, len);
}

/* The DTLS link over the agent's nominated pair. */
static rl_dlink *ice_dtls(ice_link *il) {
  rl_ice_cand local, remote;
  link_entry *e;
  if (il->dl) return il->dl;
  memset(&remote, 0, sizeof remote);
  if (rl_ice_selected(il->ice, &local, &remote) != 0) remote.addr.ss_family = AF_INET;
  il->dl = rl_dlink_over(il->d->dlinks, !il->controlling, (const struct sockaddr *)&remote.addr,
                         remote.addr.ss_family == AF_INET6 ? sizeof(struct sockaddr_in6)
                                                           : sizeof(struct sockaddr_in),
                         ice_tx, il);
  if (!il->dl) return NULL;
  rl_dlink_set_user(il->dl, (void *)(uintptr_t)il->id);
  e = entry(il->d, il->id);
  if (e) e->l = il->dl;
  return il->dl;
}

static void ice_on_gathered(void *user, rl_ice *ice, const rl_ice_cand *cands, size_t n,
                            const char *ufrag, const char *pwd) {
  ice_link *il = user;
  rl_driver *d = il->d;
  (void)ice;
  rl_node_ice_gathered(d->node, il->id, cands, n, ufrag, pwd, mono_us());
  flush(d);
}

static void ice_on_ready(void *user, rl_ice *ice) {
  ice_link *il = user;
  (void)ice;
  if (!ice_dtls(il)) ice_closed(il->d, il->id, RL_LINK_FAIL_IO, "no DTLS link over the ICE pair");
}

static void ice_on_failed(void *user, rl_ice *ice, const char *why) {
  ice_link *il = user;
  (void)ice;
  if (il->dl)
    rl_dlink_close(il->dl); /* the pair is gone: what is queued is lost */
  else
    ice_closed(il->d, il->id, RL_LINK_FAIL_TIMEOUT, why);
}

static void ice_on_datagram(void *user, rl_ice *ice, const uint8_t *buf, size_t len) {
  ice_link *il = user;
  rl_dlink *dl = ice_dtls(il); /* the far end may be READY before us */
  (void)ice;
  /* Our own link's callbacks may free il: nothing of it is used after. */
  if (dl) rl_dlink_input(dl, buf, len, mono_us() / 1000u);
}

static void ice_closed(rl_driver *d, uint64_t id, rl_link_fail why, const char *detail) {
  closed(d, id, why, detail); /* map_del frees the agent */
}

static void ice_start(rl_driver *d, uint64_t id, int controlling) {
  static const rl_ice_callbacks icb = {ice_on_gathered, ice_on_ready, ice_on_failed,
                                       ice_on_datagram};
  ice_link *il = d->ice ? calloc(1, sizeof *il) : NULL;
  if (il) {
    il->d = d;
    il->id = id;
    il->controlling = controlling;
    il->ice = rl_ice_new(d->ice, controlling, &icb, il);
  }
  if (!il || !il->ice || map_add(d, id, NULL, il) != 0) {
    if (il) rl_ice_free(il->ice);
    free(il);
    rl_node_link_closed(d->node, id, RL_LINK_FAIL_IO,
                        d->ice ? "cannot start an ICE agent" : "no ICE in this link mode",
                        mono_us());
  }
}

static void ice_remote(rl_driver *d, uint64_t id, const rl_ice_remote *r) {
  link_entry *e = entry(d, id);
  if (!e || !e->ice) return;
  if (rl_ice_set_remote(e->ice->ice, r->ufrag, r->pwd, r->cands, r->n) != 0)
    ice_closed(d, id, RL_LINK_FAIL_IO, "the far end's ICE candidates were refused");
}

static int is_any_addr(const struct sockaddr_storage *a) {
  static const struct in6_addr any6 = IN6ADDR_ANY_INIT;
  if (a->ss_family == AF_INET)
    return ((const struct sockaddr_in *)a)->sin_addr.s_addr == htonl(INADDR_ANY);
  return memcmp(&((const struct sockaddr_in6 *)a)->sin6_addr, &any6, sizeof any6) == 0;
}

/* The agents' context: host candidates on the listening address when it
 * names one, STUN and TURN from the options. Without a STUN server of its
 * own, a node asks its first bootstrap node, which answers on its link
 * socket (6.5.1.4: "These nodes make an initial list of STUN servers"). */
static int make_ice(rl_driver *d, const rl_node_options *o, char *why, size_t whylen) {
  rl_ice_config ic;
  socklen_t blen;
  memset(&ic, 0, sizeof ic);
  ic.stun = o->ice_stun;
  if (!ic.stun.ss_family && rl_node_bootstrap_node(d->node, 0, &ic.stun, &blen) != 0)
    memset(&ic.stun, 0, sizeof ic.stun);
  ic.turn = o->ice_turn;
  ic.turn_user = o->ice_turn_user;
  ic.turn_password = o->ice_turn_password;
  if (o->listen_len && !is_any_addr(&o->listen_addr)) {
    ic.bind = o->listen_addr;
    if (ic.bind.ss_family == AF_INET)
      ((struct sockaddr_in *)&ic.bind)->sin_port = 0;
    else
      ((struct sockaddr_in6 *)&ic.bind)->sin6_port = 0;
  }
  d->ice = rl_ice_ctx_new(&ic, why, whylen);
  return d->ice ? 0 : -1;
}

rl_driver *rl_driver_new(const rl_node_options *o, char *why, size_t whylen) {
  rl_driver *d = calloc(1, sizeof *d);
  rl_node_options no;
  rl_link_params lp;
  rl_link_callbacks cb;
  if (!d) {
    snprintf(why, whylen, "out of memory");
    return NULL;
  }
  d->listen_fd = -1;
  no = *o;
  no.start_us = mono_us();
  no.wall_offset_ms = wall_offset_ms();
  d->node = rl_node_new(&no, why, whylen);
  if (!d->node) {
    free(d);
    return NULL;
  }
  rl_node_set_user(d->node, d);
  memset(&lp, 0, sizeof lp);
  lp.mode = o->link_mode;
  lp.max_message_size = rl_node_config(d->node)->max_message_size;
  lp.cred = o->cred;
  lp.trust = rl_node_trust(d->node);
  lp.accept_timeout_ms = o->pending_timeout_ms ? o->pending_timeout_ms : RL_ADMIT_PENDING_TIMEOUT_MS;
  /* 11.1 overlay-link-protocol / no-ice: the protocol we speak must be
   * one the overlay permits (peer/linkproto.h). */
  if (!rl_link_protocol_permitted(rl_node_config(d->node), rl_link_mode_overlay_link(o->link_mode))) {
    snprintf(why, whylen, "the overlay configuration does not permit %s (overlay-link-protocol, "
             "no-ice)", rl_OverlayLinkType_name(rl_link_mode_overlay_link(o->link_mode)));
    rl_driver_free(d);
    return NULL;
  }
  if (is_datagram(o->link_mode)) {
    if (make_dlinks(d, o, &lp, why, whylen) != 0 ||
        (o->link_mode == RL_LINK_DTLS_ICE && make_ice(d, o, why, whylen) != 0)) {
      rl_driver_free(d);
      return NULL;
    }
    return d;
  }
  memset(&cb, 0, sizeof cb);
  cb.on_up = on_up;
  cb.on_message = on_message;
  cb.on_oversize = on_oversize;
  cb.on_closed = on_closed;
  d->links = rl_link_ctx_new(&lp, &cb, d, why, whylen);
  if (!d->links) {
    rl_driver_free(d);
    return NULL;
  }
  return d;
}

void rl_driver_free(rl_driver *d) {
  if (!d) return;
  if (d->links) rl_link_ctx_free(d->links);
  if (d->dlinks) rl_dlink_ctx_free(d->dlinks);
  for (size_t i = 0; i < d->nmap; i++) ice_link_free(d->map[i].ice);
  if (d->ice) rl_ice_ctx_free(d->ice);
  if (d->listen_fd >= 0) close(d->listen_fd);
  rl_node_free(d->node);
  free(d->map);
  free(d);
}

rl_node *rl_driver_node(rl_driver *d) { return d->node; }

rl_driver *rl_driver_of(const rl_node *n) { return n ? rl_node_user(n) : NULL; }

void rl_driver_set_app(rl_driver *d, const rl_driver_app *app) {
  if (app)
    d->app = *app;
  else
    memset(&d->app, 0, sizeof d->app);
}

size_t rl_driver_links(const rl_driver *d) { return d->nmap; }

int rl_driver_start(rl_driver *d) {
  char why[256];
  if (d->dlinks && !rl_node_options_of(d->node)->client) {
    struct sockaddr_storage ss;
    socklen_t len;
    rl_dlink_ctx_local_addr(d->dlinks, &ss, &len);
    rl_node_set_listen_addr(d->node, (struct sockaddr *)&ss, len);
  } else if (d->listen_fd < 0 && !rl_node_options_of(d->node)->client) {
    const rl_node_options *no = rl_node_options_of(d->node);
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    d->listen_fd = rl_link_listen(d->links, (const struct sockaddr *)&no->listen_addr,
                                  no->listen_len, why, sizeof why);
    if (d->listen_fd < 0) {
      rl_node_log(d->node, 0, "cannot listen: %s", why);
      return RL_ERR_IO;
    }
    if (getsockname(d->listen_fd, (struct sockaddr *)&ss, &len) == 0)
      rl_node_set_listen_addr(d->node, (struct sockaddr *)&ss, len);
  }
  rl_node_start(d->node, mono_us());
  flush(d);
  return 0;
}

/* accept(2) failed with err. 1: go on accepting, 0: stop this turn. */
static int accept_failed(rl_driver *d, int err, uint64_t now_us) {
  rl_accept_action act = rl_accept_action_of(err);
  if (act != RL_ACCEPT_PAUSE) return act == RL_ACCEPT_NEXT;
  if (rl_accept_pause_fail(&d->pause, err, now_us / 1000u))
    rl_node_log(d->node, 0, "accept: %s: not accepting connections for %llu ms at a time (up to "
                "%u ms) while it lasts; links already up are served", strerror(err),
                (unsigned long long)d->pause.pause_ms, (unsigned)RL_ACCEPT_PAUSE_MAX_MS);
  /* Out of descriptors: the oldest unfinished handshake gives one back,
   * for a newcomer that may be a real node. */
  if (err == EMFILE || err == ENFILE) {
    rl_node_shed_pending(d->node, now_us);
    flush(d);
  }
  return 0;
}

/* The episode is over when accept(2) has not failed for a while:
 * accepting between pauses does not end it (an evicted link gives a
 * descriptor back, the next accept takes it, the one after fails). */
static void accept_recovered(rl_driver *d, uint64_t now_ms) {
  rl_accept_pause e;
  if (!rl_accept_pause_over(&d->pause, now_ms, &e)) return;
  rl_node_log(d->node, 1, "accept: no failure for %u s: the episode is over (%llu failures in "
              "%llu ms, the first: %s)", (unsigned)(RL_ACCEPT_QUIET_MS / 1000),
              (unsigned long long)e.failures, (unsigned long long)(e.last_ms - e.since_ms),
              strerror(e.err));
}

/* One accepted socket: the core admits it (a link number) or not. */
static void admit_one(rl_driver *d, int fd, const struct sockaddr *sa, socklen_t len) {
  uint64_t now = mono_us();
  uint64_t id = rl_node_link_incoming(d->node, sa, len, now);
  rl_link *l;
  flush(d); /* an evicted link is closed before the newcomer is taken */
  if (!id) {
    close(fd);
    return;
  }
  /* rl_link_adopt makes the socket non-blocking and close-on-exec. */
  l = rl_link_adopt(d->links, fd, 0);
  if (!l || map_add(d, id, l, NULL) != 0) {
    if (l)
      rl_link_close(l);
    else
      close(fd);
    rl_node_link_closed(d->node, id, RL_LINK_FAIL_IO, "cannot take the connection", now);
    flush(d);
  }
}

static void accept_ready(rl_driver *d) {
  for (int i = 0; i < ACCEPT_BATCH; i++) {
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    int fd = accept(d->listen_fd, (struct sockaddr *)&ss, &len);
    if (fd < 0) {
      if (!accept_failed(d, errno, mono_us())) return;
      continue;
    }
    rl_accept_pause_ok(&d->pause);
    admit_one(d, fd, (struct sockaddr *)&ss, len);
  }
}

static void give_memory_back(rl_driver *d, uint64_t now_ms) {
  if (d->closed_since_trim < TRIM_AFTER_CLOSES) return;
  if (now_ms - d->last_close_ms < TRIM_QUIET_MS && now_ms - d->last_trim_ms < TRIM_EVERY_MS)
    return;
  d->closed_since_trim = 0;
  d->last_trim_ms = now_ms;
#ifdef __GLIBC__
  /* The links' TLS state and buffers were freed, but glibc keeps freed
   * pages of its heaps unless asked: a flood's peak would stay resident. */
  malloc_trim(0);
#endif
}

/* The poll set: the listening socket unless accept(2) is paused (NULL in
 * lk), the links, then the application's. *timeout_ms shrinks to the end
 * of a pause. Returns the links' count (np); *napp the application's. */
enum { MAX_POLL_LINKS = 1024 };
static size_t poll_set(rl_driver *d, struct pollfd *pfd, rl_link **lk, size_t *napp,
                       int *timeout_ms) {
  size_t np = 0, nl;
  rl_link *all[MAX_POLL_LINKS];
  uint64_t left;
  if (d->listen_fd >= 0) {
    if (rl_accept_pause_poll(&d->pause, mono_us() / 1000u, &left)) {
      pfd[np].fd = d->listen_fd;
      pfd[np].events = POLLIN;
      pfd[np].revents = 0;
      lk[np++] = NULL;
    } else if (*timeout_ms < 0 || (uint64_t)*timeout_ms > left) {
      *timeout_ms = (int)left;
    }
  }
  if (d->dlinks) {
    /* Every datagram link's socket; NULL in lk as the listener would be
     * (datagram mode has none). */
    pfd[np].fd = rl_dlink_ctx_fd(d->dlinks);
    pfd[np].events = rl_dlink_ctx_poll_events(d->dlinks);
    pfd[np].revents = 0;
    lk[np++] = NULL;
  }
  nl = d->links ? rl_link_ctx_links(d->links, all, MAX_POLL_LINKS) : 0;
  for (size_t i = 0; i < nl; i++) {
    pfd[np].fd = rl_link_fd(all[i]);
    pfd[np].events = rl_link_poll_events(all[i]);
    pfd[np].revents = 0;
    lk[np++] = all[i];
  }
  *napp = 0;
  if (d->app.fill) {
    *napp = d->app.fill(d->app.user, pfd + np, RL_DRIVER_MAX_APP_FDS);
    for (size_t i = 0; i < *napp; i++) pfd[np + i].revents = 0;
  }
  return np;
}

static int still_ours(rl_driver *d, const rl_link *l) {
  rl_link *now_links[MAX_POLL_LINKS];
  size_t m = rl_link_ctx_links(d->links, now_links, MAX_POLL_LINKS);
  for (size_t k = 0; k < m; k++)
    if (now_links[k] == l) return 1;
  return 0;
}

static void tick(rl_driver *d) {
  uint64_t now = mono_us();
  rl_node_set_wall_offset(d->node, wall_offset_ms());
  d->next_tick_us = rl_node_tick(d->node, now);
  flush(d);
  if (d->links) rl_link_ctx_tick(d->links, now / 1000u);
  if (d->dlinks) rl_dlink_ctx_tick(d->dlinks, now / 1000u);
  give_memory_back(d, now / 1000u);
  accept_recovered(d, now / 1000u);
}

enum { MAX_ICE_FDS = 256 };

int rl_driver_run_once(rl_driver *d, int timeout_ms) {
  struct pollfd pfd[MAX_POLL_LINKS + 1 + RL_DRIVER_MAX_APP_FDS + MAX_ICE_FDS];
  rl_link *lk[MAX_POLL_LINKS + 1];
  size_t np, napp, nice = 0;
  uint64_t now = mono_us();
  flush(d); /* requests the application made since the last turn */
  if (d->next_tick_us <= now) {
    timeout_ms = 0;
  } else {
    uint64_t wait = (d->next_tick_us - now + 999) / 1000u;
    if (timeout_ms < 0 || (uint64_t)timeout_ms > wait) timeout_ms = (int)wait;
  }
  if (timeout_ms < 0 || timeout_ms > LINK_TICK_MS) timeout_ms = LINK_TICK_MS;
  if (d->dlinks) {
    /* Simple Reliability's timers (the 10 ms after an ack, RTOs). */
    uint64_t next = rl_dlink_ctx_next_ms(d->dlinks), now_ms = now / 1000u;
    if (next <= now_ms)
      timeout_ms = 0;
    else if (next - now_ms < (uint64_t)timeout_ms)
      timeout_ms = (int)(next - now_ms);
  }
  np = poll_set(d, pfd, lk, &napp, &timeout_ms);
  if (d->ice) {
    /* The ICE agents' GLib sources (doc/ice.md). */
    nice = rl_ice_ctx_prepare(d->ice, pfd + np + napp, MAX_ICE_FDS, &timeout_ms);
    if (nice > MAX_ICE_FDS) nice = MAX_ICE_FDS;
  }
  if (poll(pfd, np + napp + nice, timeout_ms) < 0 && errno != EINTR) return RL_ERR_IO;
  if (d->ice) rl_ice_ctx_dispatch(d->ice, pfd + np + napp, nice);
  if (d->app.handle) {
    d->app.handle(d->app.user, pfd + np, napp, mono_us() / 1000u);
    flush(d);
  }
  for (size_t i = 0; i < np; i++) {
    if (!pfd[i].revents) continue;
    if (!lk[i]) {
      if (d->dlinks)
        rl_dlink_ctx_handle(d->dlinks, pfd[i].revents, mono_us() / 1000u);
      else
        accept_ready(d);
      continue;
    }
    /* The link may have been closed (and freed) by an earlier event of
     * this turn: check it is still one of ours. */
    if (!still_ours(d, lk[i])) continue;
    rl_link_handle(lk[i], pfd[i].revents, mono_us() / 1000u);
  }
  tick(d);
  return 0;
}

uint64_t rl_driver_stun_answered(const rl_driver *d) {
  return d->dlinks ? rl_dlink_ctx_stun_answered(d->dlinks) : 0;
}

/* The i-th link for status (driver_json.c): its number, its link (an
 * rl_link or rl_dlink; NULL for an ICE link whose pair is not nominated
 * yet), and for an ICE link its agent. 0, or -1 past the end. */
int rl_driver_link_at(const rl_driver *d, size_t i, uint64_t *id, void **l, rl_ice **ice) {
  if (i >= d->nmap) return -1;
  *id = d->map[i].id;
  *l = d->map[i].l;
  *ice = d->map[i].ice ? d->map[i].ice->ice : NULL;
  return 0;
}
