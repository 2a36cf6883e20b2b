#!/bin/sh
# live-dtls-ice.sh: tests/conformance/live-dtls.sh with LINK=dtls-ice:
# reload-conform --link dtls-ice (conformance/transport_ice.c) against a
# reference overlay on DTLS-UDP-SR links with ICE (RFC 6940 6.5.1.3-6.5.1.13).
LINK=dtls-ice exec sh "${top_srcdir:-$(dirname "$0")/../..}/tests/conformance/live-dtls.sh"
