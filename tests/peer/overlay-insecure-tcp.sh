#!/usr/bin/env bash
# overlay-insecure-tcp.sh: tests/peer/overlay-links.sh with LINK=tcp-insecure.
LINK=tcp-insecure exec bash "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/peer/overlay-links.sh"
