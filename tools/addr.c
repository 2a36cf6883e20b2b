/* tools/addr.c: see addr.h. */
#define _GNU_SOURCE
#include "tools/addr.h"

#include "net/tls.h"

#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int rl_tool_parse_addr(const char *text, int default_port, struct sockaddr_storage *ss,
                       socklen_t *len, char *why, size_t whylen) {
  char host[256], port[16];
  const char *colon;
  struct addrinfo hints, *res = NULL;
  int rc;
  if (text[0] == '[') {
    const char *end = strchr(text, ']');
    if (!end || (size_t)(end - text - 1) >= sizeof host) {
      snprintf(why, whylen, "bad IPv6 address (missing ']')");
      return -1;
    }
    memcpy(host, text + 1, (size_t)(end - text - 1));
    host[end - text - 1] = 0;
    colon = end[1] == ':' ? end + 1 : NULL;
  } else {
    colon = strrchr(text, ':');
    size_t hl = colon ? (size_t)(colon - text) : strlen(text);
    if (hl >= sizeof host) {
      snprintf(why, whylen, "host name too long");
      return -1;
    }
    memcpy(host, text, hl);
    host[hl] = 0;
  }
  if (colon) {
    char *end;
    long p = strtol(colon + 1, &end, 10);
    if (*end || p < 0 || p > 65535 || end == colon + 1) {
      snprintf(why, whylen, "bad port '%s'", colon + 1);
      return -1;
    }
    snprintf(port, sizeof port, "%ld", p);
  } else {
    snprintf(port, sizeof port, "%d", default_port);
  }
  memset(&hints, 0, sizeof hints);
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  rc = getaddrinfo(host[0] ? host : "127.0.0.1", port, &hints, &res);
  if (rc != 0 || !res) {
    snprintf(why, whylen, "%s", gai_strerror(rc));
    return -1;
  }
  memset(ss, 0, sizeof *ss);
  memcpy(ss, res->ai_addr, res->ai_addrlen);
  *len = res->ai_addrlen;
  freeaddrinfo(res);
  return 0;
}

int rl_tool_parse_link_mode(const char *text, rl_link_mode *out, char *why, size_t whylen) {
  static const struct {
    const char *name;
    rl_link_mode mode;
  } modes[] = {{"tls", RL_LINK_TLS},
               {"dtls", RL_LINK_DTLS},
               {"dtls-ice", RL_LINK_DTLS_ICE},
               {"tcp-insecure", RL_LINK_TCP_INSECURE},
               {"udp-insecure", RL_LINK_UDP_INSECURE}};
  for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++)
    if (strcmp(text, modes[i].name) == 0) {
      *out = modes[i].mode;
      return 0;
    }
  snprintf(why, whylen, "'%s': tls, dtls, dtls-ice, tcp-insecure or udp-insecure", text);
  return -1;
}

int rl_tool_keylog(const char *path, char *why, size_t whylen) {
  return rl_tls_keylog_open(path, why, whylen) == 0 ? 0 : -1;
}
