#!/usr/bin/env bash
# overlay-dtls-ice.sh: tests/peer/overlay-links.sh with LINK=dtls-ice
# (DTLS-UDP-SR: every Attach with full ICE, 6.5.1.3, over libnice).
LINK=dtls-ice exec bash "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/peer/overlay-links.sh"
