#!/usr/bin/env bash
# sip-cancel.sh: CANCEL through the overlay (RFC 3261 16.10): alice at peer
# 1 calls bob at peer 3, bob only rings, alice cancels (sip-cancel.py has
# the phones and the checks). A 4-peer overlay with --sip. Skipped without
# sipp, jq or python3. Bounded to 90 s.
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/peer/lib-overlay.sh"
# lib-sip.sh: PYTHON, watchdog (and it skips without sipp, like the other
# SIP tests).
. "$top_srcdir/tests/sip/lib-sip.sh"
watchdog 85
section "4 peers with --sip"
if ! ov start -n 4 --sip --sip-base 0; then
  echo "FAIL: reload-overlay start -n 4 --sip"
  exit 1
fi
check "reload-overlay wait: the ring becomes stable" ov wait --timeout 40
ports=$(free_ports 2 | tr '\n' ' ')
section "alice (peer 1) calls bob (peer 3) and cancels while it rings"
# shellcheck disable=SC2086
if "$PYTHON" "$top_srcdir/tests/sip/sip-cancel.py" $ports "$(ov sip-port 1)" "$(ov sip-port 3)" \
    > "$TMP/cancel.out" 2>&1; then
  pass
  tail -n 1 "$TMP/cancel.out"
else
  fail "CANCEL through two peers"
  cat "$TMP/cancel.out"
  for i in 1 3; do echo "== peer $i"; grep " sip: " "$DIR/peer$i.log" | tail -n 15; done
fi
finish
