/* net/ice.c: see ice.h. ICE (RFC 8445/5245) for overlay links through
 * libnice, one NiceAgent per link, every agent on the context's own
 * GMainContext, which the caller's poll loop drives (doc/ice.md).
 *
 * Callbacks and freeing. libnice emits its signals from inside its own
 * calls: from g_main_context_dispatch, but also synchronously from
 * nice_agent_gather_candidates (host-only gathering ends at once) and
 * nice_agent_set_remote_candidates. The signal handlers here therefore
 * only record what happened (ice->ev) and hand it to the user at once
 * when that is safe (inside rl_ice_ctx_dispatch, not inside one of our
 * own API calls), else at the next rl_ice_ctx_dispatch. rl_ice_free inside
 * rl_ice_ctx_dispatch only marks the link dead: no callback of it runs
 * again, and the agent is unreferenced when the dispatch is over, after
 * libnice has returned from whatever signal or receive callback we were
 * in. */
#define _POSIX_C_SOURCE 200809L /* strdup */
#include "net/ice.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nice/agent.h>

#include "runtime/error.h"

/* GPollFD's events are the G_IO_* flags; struct pollfd's the POLL* ones.
 * The copy between them below is a plain assignment: true on Linux. */
_Static_assert(G_IO_IN == POLLIN && G_IO_OUT == POLLOUT && G_IO_PRI == POLLPRI &&
                   G_IO_ERR == POLLERR && G_IO_HUP == POLLHUP && G_IO_NVAL == POLLNVAL,
               "GLib's G_IO_* flags differ from poll(2)'s POLL* flags");

#define RL_ICE_COMPONENT 1 /* RELOAD uses a single component (6.5.1.5) */

enum { EV_GATHERED = 1, EV_READY = 2, EV_FAILED = 4 };

struct rl_ice_ctx {
  GMainContext *main;
  char stun_ip[INET6_ADDRSTRLEN], turn_ip[INET6_ADDRSTRLEN];
  unsigned stun_port, turn_port;
  char *turn_user, *turn_password;
  struct sockaddr_storage bind;
  rl_ice *links;    /* every link, dead ones until reaped */
  GPollFD *fds;     /* what g_main_context_query gave, for check */
  gint nfds, capfds, max_prio;
  int prepared;     /* a prepare/query awaits its check/dispatch */
  int dispatching;  /* inside rl_ice_ctx_dispatch: rl_ice_free defers */
  int in_api;       /* inside one of our calls into libnice: events wait */
  int pending;      /* some link has events waiting */
  int closing;      /* in rl_ice_ctx_free: agents go at once */
  GPtrArray *released; /* agents releasing their TURN allocations */
};

struct rl_ice {
  rl_ice_ctx *ctx;
  rl_ice *next;
  NiceAgent *agent;
  guint stream;
  rl_ice_callbacks cb;
  void *user;
  int dead;      /* rl_ice_free was called: never call back */
  int ready;     /* READY was reached and not lost: rl_ice_send works */
  unsigned ev;   /* events recorded, not yet given to the user */
  unsigned done; /* events given (each at most once) */
  char why[160]; /* the reason of EV_FAILED */
  char err[160]; /* the last API error (rl_ice_last_error) */
};

static void set_why(char *buf, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void set_why(char *buf, size_t len, const char *fmt, ...) {
  va_list ap;
  if (!buf || len == 0) return;
  va_start(ap, fmt);
  vsnprintf(buf, len, fmt, ap);
  va_end(ap);
}

const char *rl_ice_cand_type_name(rl_ice_cand_type t) {
  switch (t) {
  case RL_ICE_CAND_HOST: return "host";
  case RL_ICE_CAND_SRFLX: return "srflx";
  case RL_ICE_CAND_PRFLX: return "prflx";
  case RL_ICE_CAND_RELAY: return "relay";
  }
  return "unknown";
}

const char *rl_ice_last_error(const rl_ice *ice) { return ice ? ice->err : "no ICE link"; }

/* ---- addresses and candidates ---- */

/* The numeric host and port of a configured server; 0, or -1 when the
 * family is neither IPv4 nor IPv6. */
static int server_of(const struct sockaddr_storage *ss, char *ip, unsigned *port) {
  const void *a;
  if (ss->ss_family == AF_INET) {
    const struct sockaddr_in *sin = (const struct sockaddr_in *)ss;
    a = &sin->sin_addr;
    *port = ntohs(sin->sin_port);
  } else if (ss->ss_family == AF_INET6) {
    const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)ss;
    a = &sin6->sin6_addr;
    *port = ntohs(sin6->sin6_port);
  } else {
    return -1;
  }
  return inet_ntop(ss->ss_family, a, ip, INET6_ADDRSTRLEN) ? 0 : -1;
}

static int nice_addr_of(const struct sockaddr_storage *ss, NiceAddress *na) {
  if (ss->ss_family != AF_INET && ss->ss_family != AF_INET6) return -1;
  nice_address_init(na);
  nice_address_set_from_sockaddr(na, (const struct sockaddr *)ss);
  return nice_address_is_valid(na) ? 0 : -1;
}

static rl_ice_cand_type type_from_nice(NiceCandidateType t) {
  switch (t) {
  case NICE_CANDIDATE_TYPE_SERVER_REFLEXIVE: return RL_ICE_CAND_SRFLX;
  case NICE_CANDIDATE_TYPE_PEER_REFLEXIVE: return RL_ICE_CAND_PRFLX;
  case NICE_CANDIDATE_TYPE_RELAYED: return RL_ICE_CAND_RELAY;
  case NICE_CANDIDATE_TYPE_HOST: break;
  }
  return RL_ICE_CAND_HOST;
}

static int type_to_nice(rl_ice_cand_type t, NiceCandidateType *out) {
  switch (t) {
  case RL_ICE_CAND_HOST: *out = NICE_CANDIDATE_TYPE_HOST; return 0;
  case RL_ICE_CAND_SRFLX: *out = NICE_CANDIDATE_TYPE_SERVER_REFLEXIVE; return 0;
  case RL_ICE_CAND_PRFLX: *out = NICE_CANDIDATE_TYPE_PEER_REFLEXIVE; return 0;
  case RL_ICE_CAND_RELAY: *out = NICE_CANDIDATE_TYPE_RELAYED; return 0;
  }
  return -1;
}

/* libnice keeps the related address of RFC 8445 5.1.1 as base_addr (it
 * writes it as raddr/rport in SDP); a host candidate has none. */
static void cand_from_nice(const NiceCandidate *c, rl_ice_cand *out) {
  memset(out, 0, sizeof *out);
  out->type = type_from_nice(c->type);
  out->priority = c->priority;
  nice_address_copy_to_sockaddr(&c->addr, (struct sockaddr *)&out->addr);
  if (out->type != RL_ICE_CAND_HOST && nice_address_is_valid(&c->base_addr))
    nice_address_copy_to_sockaddr(&c->base_addr, (struct sockaddr *)&out->rel_addr);
  snprintf(out->foundation, sizeof out->foundation, "%s", c->foundation);
}

/* A foundation is 1*32 ice-char (RFC 8445 5.1.1.3, 5.3; RFC 5245 15.1:
 * ice-char = ALPHA / DIGIT / "+" / "/"). */
static int foundation_ok(const char *f) {
  size_t i;
  for (i = 0; i < sizeof((rl_ice_cand *)0)->foundation && f[i]; i++) {
    char ch = f[i];
    if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
          ch == '+' || ch == '/'))
      return 0;
  }
  return i >= 1 && i <= 32 && f[i] == '\0';
}

/* One remote candidate as libnice takes it: component 1, UDP. */
static NiceCandidate *cand_to_nice(rl_ice *ice, const rl_ice_cand *c, size_t i) {
  NiceCandidateType t;
  NiceCandidate *nc;
  if (type_to_nice(c->type, &t) != 0) {
    set_why(ice->err, sizeof ice->err, "remote candidate %zu: unknown type %d", i, (int)c->type);
    return NULL;
  }
  if (!foundation_ok(c->foundation)) {
    set_why(ice->err, sizeof ice->err, "remote candidate %zu: foundation is not 1-32 ice-chars",
            i);
    return NULL;
  }
  nc = nice_candidate_new(t);
  nc->transport = NICE_CANDIDATE_TRANSPORT_UDP;
  nc->stream_id = ice->stream;
  nc->component_id = RL_ICE_COMPONENT;
  nc->priority = c->priority;
  memcpy(nc->foundation, c->foundation, strlen(c->foundation) + 1);
  if (nice_addr_of(&c->addr, &nc->addr) != 0) {
    set_why(ice->err, sizeof ice->err, "remote candidate %zu: address is not IPv4 or IPv6", i);
    nice_candidate_free(nc);
    return NULL;
  }
  if (c->rel_addr.ss_family == 0) {
    nc->base_addr = nc->addr;
  } else if (nice_addr_of(&c->rel_addr, &nc->base_addr) != 0) {
    set_why(ice->err, sizeof ice->err, "remote candidate %zu: related address is not IPv4 or IPv6",
            i);
    nice_candidate_free(nc);
    return NULL;
  }
  return nc;
}

/* ---- events: recorded by the signal handlers, given to the user ---- */

static void give_gathered(rl_ice *ice) {
  rl_ice_cand cands[RL_ICE_MAX_CANDS];
  size_t n = 0;
  gchar *ufrag = NULL, *pwd = NULL;
  GSList *list = nice_agent_get_local_candidates(ice->agent, ice->stream, RL_ICE_COMPONENT), *l;
  for (l = list; l; l = l->next) {
    const NiceCandidate *c = l->data;
    if (c->transport != NICE_CANDIDATE_TRANSPORT_UDP || n == RL_ICE_MAX_CANDS) continue;
    cand_from_nice(c, &cands[n++]);
  }
  g_slist_free_full(list, (GDestroyNotify)nice_candidate_free);
  if (!nice_agent_get_local_credentials(ice->agent, ice->stream, &ufrag, &pwd)) {
    set_why(ice->why, sizeof ice->why, "nice_agent_get_local_credentials failed");
    ice->ev |= EV_FAILED;
  } else if (n == 0) {
    set_why(ice->why, sizeof ice->why, "gathering found no UDP candidate");
    ice->ev |= EV_FAILED;
  } else if (ice->cb.on_gathered) {
    ice->cb.on_gathered(ice->user, ice, cands, n, ufrag, pwd);
  }
  g_free(ufrag);
  g_free(pwd);
}

/* Gives the recorded events in their natural order, each once; after
 * on_failed nothing more. Only inside rl_ice_ctx_dispatch. */
static void flush(rl_ice *ice) {
  while (!ice->dead && ice->ev && !(ice->done & EV_FAILED)) {
    if (ice->ev & EV_GATHERED) {
      ice->ev &= ~(unsigned)EV_GATHERED;
      ice->done |= EV_GATHERED;
      give_gathered(ice);
    } else if (ice->ev & EV_READY) {
      ice->ev &= ~(unsigned)EV_READY;
      ice->done |= EV_READY;
      if (ice->cb.on_ready) ice->cb.on_ready(ice->user, ice);
    } else {
      ice->ev = 0;
      ice->done |= EV_FAILED;
      ice->ready = 0;
      if (ice->cb.on_failed) ice->cb.on_failed(ice->user, ice, ice->why);
    }
  }
}

static void record(rl_ice *ice, unsigned ev) {
  if (ice->dead || (ice->done & ev)) return;
  ice->ev |= ev;
  if (ice->ctx->dispatching && !ice->ctx->in_api)
    flush(ice);
  else
    ice->ctx->pending = 1;
}

static void on_gathering_done(NiceAgent *agent, guint stream, gpointer data) {
  rl_ice *ice = data;
  (void)agent;
  if (stream == ice->stream) record(ice, EV_GATHERED);
}

static void on_state(NiceAgent *agent, guint stream, guint component, guint state,
                     gpointer data) {
  rl_ice *ice = data;
  (void)agent;
  if (stream != ice->stream || component != RL_ICE_COMPONENT || ice->dead) return;
  if (state == NICE_COMPONENT_STATE_READY && !ice->ready && !(ice->done & EV_FAILED)) {
    ice->ready = 1;
    ice->ev &= ~(unsigned)EV_FAILED; /* a failure not yet given is over */
    record(ice, EV_READY);
  } else if (state == NICE_COMPONENT_STATE_FAILED && !(ice->ev & EV_FAILED)) {
    /* RFC 8445 8.1.2: every pair of the check list failed; after READY,
     * the STUN keepalives (RFC 6940 6.5.1.10.3) got no answer. */
    set_why(ice->why, sizeof ice->why, "%s",
            ice->ready ? "ICE keepalives lost after READY"
                       : "ICE connectivity checks failed (no pair succeeded)");
    ice->ready = 0;
    record(ice, EV_FAILED);
  }
}

static void on_recv(NiceAgent *agent, guint stream, guint component, guint len, gchar *buf,
                    gpointer data) {
  rl_ice *ice = data;
  (void)agent;
  if (stream != ice->stream || component != RL_ICE_COMPONENT) return;
  /* Events before the datagram, in the order they happened; data may
   * come before our own READY (RFC 6940 6.5.1.14). */
  if (!ice->ctx->in_api) flush(ice);
  if (ice->dead || (ice->done & EV_FAILED) || !ice->cb.on_datagram) return;
  ice->cb.on_datagram(ice->user, ice, (const uint8_t *)buf, len);
}

/* ---- the context and its GLib main context ---- */

/* nice_agent_close_async is done: the TURN allocations are released. */
static void on_agent_closed(GObject *agent, GAsyncResult *res, gpointer data) {
  rl_ice_ctx *ctx = data;
  (void)res;
  /* Removing it unrefs it (the array's free function). */
  g_ptr_array_remove_fast(ctx->released, agent);
}

static void destroy(rl_ice *ice) {
  rl_ice_ctx *ctx = ice->ctx;
  if (ice->agent) {
    /* Nothing of ours may run once the agent outlives us. */
    if (ice->stream)
      nice_agent_attach_recv(ice->agent, ice->stream, RL_ICE_COMPONENT, ctx->main, NULL, NULL);
    g_signal_handlers_disconnect_by_data(ice->agent, ice);
    if (!ctx->closing && ctx->turn_ip[0] && ctx->released) {
      /* A relayed candidate holds an allocation on the TURN server:
       * release it (Refresh with lifetime 0, RFC 5766 7) rather than
       * leave it to expire; the agent goes when that is done. */
      g_ptr_array_add(ctx->released, ice->agent);
      /* The callback comes in the thread-default context: ours. */
      g_main_context_push_thread_default(ctx->main);
      nice_agent_close_async(ice->agent, on_agent_closed, ctx);
      g_main_context_pop_thread_default(ctx->main);
    } else {
      g_object_unref(ice->agent);
    }
  }
  free(ice);
}

/* Frees the dead links; never inside rl_ice_ctx_dispatch. */
static void reap(rl_ice_ctx *ctx) {
  rl_ice **pp = &ctx->links;
  while (*pp) {
    rl_ice *ice = *pp;
    if (ice->dead) {
      *pp = ice->next;
      destroy(ice);
    } else {
      pp = &ice->next;
    }
  }
}

static int ctx_config(rl_ice_ctx *ctx, const rl_ice_config *cfg, char *why, size_t whylen) {
  if (cfg->stun.ss_family && server_of(&cfg->stun, ctx->stun_ip, &ctx->stun_port) != 0) {
    set_why(why, whylen, "ICE config: the STUN server address is not IPv4 or IPv6");
    return -1;
  }
  if (cfg->turn.ss_family && server_of(&cfg->turn, ctx->turn_ip, &ctx->turn_port) != 0) {
    set_why(why, whylen, "ICE config: the TURN server address is not IPv4 or IPv6");
    return -1;
  }
  if (cfg->turn.ss_family && (!cfg->turn_user || !cfg->turn_password)) {
    set_why(why, whylen, "ICE config: a TURN server without user name and password");
    return -1;
  }
  if (cfg->bind.ss_family && cfg->bind.ss_family != AF_INET && cfg->bind.ss_family != AF_INET6) {
    set_why(why, whylen, "ICE config: the bind address is not IPv4 or IPv6");
    return -1;
  }
  ctx->bind = cfg->bind;
  if (cfg->turn.ss_family) {
    ctx->turn_user = strdup(cfg->turn_user);
    ctx->turn_password = strdup(cfg->turn_password);
    if (!ctx->turn_user || !ctx->turn_password) {
      set_why(why, whylen, "ICE config: out of memory copying the TURN credentials");
      return -1;
    }
  }
  return 0;
}

rl_ice_ctx *rl_ice_ctx_new(const rl_ice_config *cfg, char *why, size_t whylen) {
  rl_ice_ctx *ctx = calloc(1, sizeof *ctx);
  if (!ctx) {
    set_why(why, whylen, "ICE context: out of memory");
    return NULL;
  }
  if (cfg && ctx_config(ctx, cfg, why, whylen) != 0) {
    free(ctx->turn_user);
    free(ctx->turn_password);
    free(ctx);
    return NULL;
  }
  /* Our own main context, never GLib's default one: the caller's poll
   * loop is the only thing that runs it. */
  ctx->main = g_main_context_new();
  ctx->released = g_ptr_array_new_with_free_func(g_object_unref);
  if (!g_main_context_acquire(ctx->main)) {
    g_ptr_array_unref(ctx->released);
    set_why(why, whylen, "ICE context: g_main_context_acquire failed");
    g_main_context_unref(ctx->main);
    free(ctx->turn_user);
    free(ctx->turn_password);
    free(ctx);
    return NULL;
  }
  return ctx;
}

int rl_ice_ctx_set_turn(rl_ice_ctx *ctx, const struct sockaddr_storage *turn, const char *user,
                        const char *pwd) {
  char ip[INET6_ADDRSTRLEN];
  unsigned port = 0;
  char *u = NULL, *p = NULL;
  int rc = RL_ERR_PARAM;
  if (!ctx) goto done;
  if (!turn || turn->ss_family == 0) {
    /* No TURN server from now on. */
    ctx->turn_ip[0] = '\0';
    ctx->turn_port = 0;
    rc = 0;
    goto done;
  }
  if (server_of(turn, ip, &port) != 0 || !user || !pwd) goto done;
  u = strdup(user);
  p = strdup(pwd);
  if (!u || !p) {
    rc = RL_ERR_NOMEM;
    goto done;
  }
  /* Agents already running keep the server they gathered with. */
  free(ctx->turn_user);
  free(ctx->turn_password);
  ctx->turn_user = u;
  ctx->turn_password = p;
  u = p = NULL;
  memcpy(ctx->turn_ip, ip, sizeof ip);
  ctx->turn_port = port;
  rc = 0;
done:
  free(u);
  free(p);
  return rc;
}

void rl_ice_ctx_free(rl_ice_ctx *ctx) {
  rl_ice *ice;
  if (!ctx) return;
  ctx->closing = 1;
  for (ice = ctx->links; ice; ice = ice->next) ice->dead = 1;
  reap(ctx);
  /* Agents still releasing their allocations: no more waiting. */
  if (ctx->released) g_ptr_array_unref(ctx->released);
  g_main_context_release(ctx->main);
  g_main_context_unref(ctx->main);
  g_free(ctx->fds);
  free(ctx->turn_user);
  free(ctx->turn_password);
  free(ctx);
}

size_t rl_ice_ctx_prepare(rl_ice_ctx *ctx, struct pollfd *pfd, size_t max, int *timeout_ms) {
  gint timeout = -1, n, i;
  g_main_context_prepare(ctx->main, &ctx->max_prio);
  for (;;) {
    n = g_main_context_query(ctx->main, ctx->max_prio, &timeout, ctx->fds, ctx->capfds);
    if (n <= ctx->capfds) break;
    ctx->fds = g_renew(GPollFD, ctx->fds, n);
    ctx->capfds = n;
  }
  ctx->nfds = n;
  ctx->prepared = 1;
  for (i = 0; i < n && (size_t)i < max; i++) {
    pfd[i].fd = ctx->fds[i].fd;
    pfd[i].events = (short)ctx->fds[i].events;
    pfd[i].revents = 0;
  }
  if (ctx->pending) timeout = 0; /* events recorded outside a dispatch */
  if (timeout >= 0 && (*timeout_ms < 0 || timeout < *timeout_ms)) *timeout_ms = timeout;
  return (size_t)n;
}

void rl_ice_ctx_dispatch(rl_ice_ctx *ctx, struct pollfd *pfd, size_t n) {
  rl_ice *ice;
  gint i;
  ctx->dispatching++;
  if (ctx->prepared) {
    for (i = 0; i < ctx->nfds; i++)
      ctx->fds[i].revents =
          (size_t)i < n && pfd[i].fd == ctx->fds[i].fd ? (gushort)pfd[i].revents : 0;
    ctx->prepared = 0;
    (void)g_main_context_check(ctx->main, ctx->max_prio, ctx->fds, ctx->nfds);
    g_main_context_dispatch(ctx->main); /* runs only what check found ready */
  }
  /* What was recorded outside a dispatch (or inside one of our calls made
   * from a callback). Links created by a callback go to the head of the
   * list: they are seen on the next round. */
  ctx->pending = 0;
  for (ice = ctx->links; ice; ice = ice->next) flush(ice);
  ctx->dispatching--;
  if (!ctx->dispatching) reap(ctx);
}

/* ---- links ---- */

/* The agent's settings, its stream and where it gathers (RFC 6940
 * 6.5.1.5: one stream of one component). 0, or -1 with ice->err set. */
static int agent_setup(rl_ice *ice, int controlling) {
  rl_ice_ctx *ctx = ice->ctx;
  /* RFC 6940 6.5.1.9: the Attach requester is controlling; the checks
   * carry ICE-CONTROLLING/ICE-CONTROLLED (libnice always sends them).
   * 6.5.1.10.3: STUN keepalives; keepalive-conncheck makes them Binding
   * requests, so that a lost far end shows as FAILED. */
  g_object_set(ice->agent, "controlling-mode", controlling ? TRUE : FALSE, "ice-udp", TRUE,
               "ice-tcp", FALSE, "upnp", FALSE, "keepalive-conncheck", TRUE, NULL);
  /* With a TURN server the allocation's XOR-MAPPED-ADDRESS gives the
   * server-reflexive candidate, and libnice 0.1.21 drops the Binding
   * responses of a STUN server on a component that has relay info
   * ("Incorrectly multiplexed STUN message ignored": gathering then waits
   * 2 s for its timeout; seen in tests/net/nat-ice.sh with coturn and with
   * our own net/stun_srv.h): the STUN server is used only without TURN. */
  if (ctx->stun_ip[0] && !ctx->turn_ip[0])
    g_object_set(ice->agent, "stun-server", ctx->stun_ip, "stun-server-port", ctx->stun_port,
                 NULL);
  if (ctx->bind.ss_family) {
    /* Given explicitly, loopback too (libnice skips it when it looks for
     * addresses itself and finds others). */
    NiceAddress na;
    if (nice_addr_of(&ctx->bind, &na) != 0 || !nice_agent_add_local_address(ice->agent, &na)) {
      set_why(ice->err, sizeof ice->err, "nice_agent_add_local_address refused the bind address");
      return -1;
    }
  }
  ice->stream = nice_agent_add_stream(ice->agent, 1);
  if (ice->stream == 0) {
    set_why(ice->err, sizeof ice->err, "nice_agent_add_stream failed");
    return -1;
  }
  if (ctx->turn_ip[0] &&
      !nice_agent_set_relay_info(ice->agent, ice->stream, RL_ICE_COMPONENT, ctx->turn_ip,
                                 ctx->turn_port, ctx->turn_user, ctx->turn_password,
                                 NICE_RELAY_TYPE_TURN_UDP)) {
    set_why(ice->err, sizeof ice->err, "nice_agent_set_relay_info refused the TURN server");
    return -1;
  }
  g_signal_connect(ice->agent, "candidate-gathering-done", G_CALLBACK(on_gathering_done), ice);
  g_signal_connect(ice->agent, "component-state-changed", G_CALLBACK(on_state), ice);
  if (!nice_agent_attach_recv(ice->agent, ice->stream, RL_ICE_COMPONENT, ctx->main, on_recv,
                              ice)) {
    set_why(ice->err, sizeof ice->err, "nice_agent_attach_recv failed");
    return -1;
  }
  return 0;
}

rl_ice *rl_ice_new(rl_ice_ctx *ctx, int controlling, const rl_ice_callbacks *cb, void *user) {
  rl_ice *ice;
  if (!ctx) return NULL;
  ice = calloc(1, sizeof *ice);
  if (!ice) return NULL;
  ice->ctx = ctx;
  if (cb) ice->cb = *cb;
  ice->user = user;
  ctx->in_api++;
  ice->agent = nice_agent_new(ctx->main, NICE_COMPATIBILITY_RFC5245);
  if (!ice->agent || agent_setup(ice, controlling) != 0) {
    ctx->in_api--;
    destroy(ice);
    return NULL;
  }
  ice->next = ctx->links;
  ctx->links = ice;
  /* A gathering that cannot start is reported like one that found
   * nothing: on_failed, with the reason, from rl_ice_ctx_dispatch. */
  if (!nice_agent_gather_candidates(ice->agent, ice->stream)) {
    set_why(ice->why, sizeof ice->why,
            "nice_agent_gather_candidates failed (no usable local address or port)");
    record(ice, EV_FAILED);
  }
  ctx->in_api--;
  return ice;
}

/* RFC 6940 6.5.1.1 carries ufrag and password as opaque<0..2^8-1>; libnice
 * wants text, and RFC 8445 5.3 at least 24 bits (ufrag) and 128 bits
 * (password) of randomness: a ufrag of 4 ice-chars at least, a password
 * of 22 (RFC 5245 15.4). */
static int cred_ok(const char *s, size_t min, size_t max) {
  size_t n;
  if (!s) return 0;
  n = strlen(s);
  return n >= min && n < max;
}

int rl_ice_set_remote(rl_ice *ice, const char *ufrag, const char *pwd, const rl_ice_cand *cands,
                      size_t n) {
  GSList *list = NULL;
  size_t i;
  int rc = -1, added;
  if (!ice || ice->dead) return -1;
  if (!cred_ok(ufrag, 4, RL_ICE_UFRAG_MAX) || !cred_ok(pwd, 22, RL_ICE_PWD_MAX)) {
    set_why(ice->err, sizeof ice->err, "remote ICE credentials: ufrag must be 4-%d characters, "
            "password 22-%d", RL_ICE_UFRAG_MAX - 1, RL_ICE_PWD_MAX - 1);
    return -1;
  }
  if (n == 0 || n > RL_ICE_MAX_CANDS || !cands) {
    set_why(ice->err, sizeof ice->err, "remote candidates: %zu given, 1-%d allowed", n,
            RL_ICE_MAX_CANDS);
    return -1;
  }
  for (i = 0; i < n; i++) {
    NiceCandidate *nc = cand_to_nice(ice, &cands[i], i);
    if (!nc) goto out;
    list = g_slist_append(list, nc);
  }
  ice->ctx->in_api++;
  if (!nice_agent_set_remote_credentials(ice->agent, ice->stream, ufrag, pwd)) {
    set_why(ice->err, sizeof ice->err, "nice_agent_set_remote_credentials refused them");
  } else if ((added = nice_agent_set_remote_candidates(ice->agent, ice->stream, RL_ICE_COMPONENT,
                                                       list)) <= 0) {
    set_why(ice->err, sizeof ice->err, "nice_agent_set_remote_candidates took none of %zu", n);
  } else {
    rc = 0;
  }
  ice->ctx->in_api--;
out:
  g_slist_free_full(list, (GDestroyNotify)nice_candidate_free);
  return rc;
}

int rl_ice_send(rl_ice *ice, const uint8_t *buf, size_t len) {
  gint sent;
  if (!ice || ice->dead || !ice->ready) return -1;
  if (len > G_MAXUINT) {
    set_why(ice->err, sizeof ice->err, "rl_ice_send: datagram of %zu bytes", len);
    return -1;
  }
  ice->ctx->in_api++;
  sent = nice_agent_send(ice->agent, ice->stream, RL_ICE_COMPONENT, (guint)len,
                         (const gchar *)buf);
  ice->ctx->in_api--;
  if (sent < 0 || (size_t)sent != len) {
    set_why(ice->err, sizeof ice->err, "nice_agent_send failed (%d of %zu bytes)", (int)sent, len);
    return -1;
  }
  return 0;
}

int rl_ice_selected(const rl_ice *ice, rl_ice_cand *local, rl_ice_cand *remote) {
  NiceCandidate *l = NULL, *r = NULL;
  if (!ice || ice->dead) return -1;
  if (!nice_agent_get_selected_pair(ice->agent, ice->stream, RL_ICE_COMPONENT, &l, &r)) return -1;
  if (local) cand_from_nice(l, local);
  if (remote) cand_from_nice(r, remote);
  return 0;
}

void rl_ice_free(rl_ice *ice) {
  rl_ice_ctx *ctx;
  if (!ice || ice->dead) return;
  ctx = ice->ctx;
  ice->dead = 1;
  /* Inside a dispatch libnice may still be in a signal of this agent, or
   * about to give it a datagram: the end of rl_ice_ctx_dispatch frees it. */
  if (!ctx->dispatching) reap(ctx);
}
