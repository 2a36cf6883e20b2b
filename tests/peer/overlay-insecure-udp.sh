#!/usr/bin/env bash
# overlay-insecure-udp.sh: tests/peer/overlay-links.sh with LINK=udp-insecure.
LINK=udp-insecure exec bash "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/peer/overlay-links.sh"
