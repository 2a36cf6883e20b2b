/* tools/addr.h: "ADDR:PORT" on the command line. */
#ifndef RL_TOOLS_ADDR_H
#define RL_TOOLS_ADDR_H

#include <stddef.h>
#include <sys/socket.h>

/* Parse "1.2.3.4:5", "[::1]:5", "host:5" or "1.2.3.4" (default_port) into
 * ss. Returns 0, or -1 with a reason in why. */
int rl_tool_parse_addr(const char *text, int default_port, struct sockaddr_storage *ss,
                       socklen_t *len, char *why, size_t whylen);

/* --link NAME: "tls" (TLS-TCP-FH-NO-ICE), "dtls" (DTLS-UDP-SR-NO-ICE),
 * "tcp-insecure" or "udp-insecure" (the framing without security). 0, or
 * -1 with a reason in why. */
#include "net/link.h"
int rl_tool_parse_link_mode(const char *text, rl_link_mode *out, char *why, size_t whylen);

/* --keylog FILE (or SSLKEYLOGFILE): the TLS/DTLS key log (net/tls.h). 0,
 * or -1 with a reason in why. */
int rl_tool_keylog(const char *path, char *why, size_t whylen);

#endif
