#!/usr/bin/env bash
# overlay-dtls.sh: tests/peer/overlay-links.sh with LINK=dtls.
LINK=dtls exec bash "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/peer/overlay-links.sh"
